//! The shipped record (data/evidence/) imports cleanly and holds what the README
//! promises: figures from 2016 on, every one with its source and report date.

use verity_evidence::shipped;

#[test]
fn shipped_record_imports_whole() {
    let set = match shipped::load() {
        Ok(s) => s,
        Err(e) => panic!("the shipped record does not import:\n{e}"),
    };
    assert!(set.measurements.len() >= 50, "{}", set.measurements.len());
    assert!(set.events.len() >= 10, "{}", set.events.len());
    assert!(!set.knowledge.is_empty());
    for m in &set.measurements {
        assert!(!m.source.report.is_empty());
        let rd = m.source.report_date.expect("report_date is required");
        assert!(rd >= m.date, "{m:?}");
    }
    let first = set.measurements.first().expect("figures").date;
    assert_eq!(first.year(), 2016);
    for party in ["Iran", "US"] {
        assert!(
            set.events.iter().any(|e| e.party == party),
            "no events of {party}"
        );
    }
}
