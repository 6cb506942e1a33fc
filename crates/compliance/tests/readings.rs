//! The parties' readings of the JCPOA record, each test citing the positions it checks
//! (the sources are those of the `[[reading]]` tables in data/agreements/jcpoa.toml):
//!
//! - Iran's steps from May 2019: "remedial" under Iran's reading (Supreme National
//!   Security Council statement of 8 May 2019, invoking JCPOA paras. 26 and 36), a
//!   "breach" under the E3's (joint statement of 14 January 2020) and on the evidence.
//! - The snapback of September 2025 is the mechanism of UNSCR 2231 paras. 11–12, never a
//!   Council breach on the evidence; China, Iran and Russia hold it void (joint letter of
//!   28 August 2025), so by default it is contested.
//! - Termination Day (18 October 2025): China, Iran and Russia hold resolution 2231
//!   terminated (joint letter of 17 October 2025), the E3 and the EU hold the earlier
//!   resolutions re-instated (E3 statement of 28 September 2025).
//! - Transition Day (18 October 2023): the EU kept its measures (Council press release
//!   of 17 October 2023), a breach of the text it reads as a response under para. 36.

use verity_agreement::Agreement;
use verity_compliance::{Options, Status, Verdict, assess};
use verity_evidence::EvidenceSet;

fn inputs() -> (Agreement, EvidenceSet) {
    (
        verity_agreement::jcpoa().expect("the shipped JCPOA parses"),
        verity_evidence::shipped::load().expect("the shipped record imports"),
    )
}

fn under(reading: Option<&str>) -> Vec<Verdict> {
    let (a, ev) = inputs();
    assess(
        &a,
        &ev,
        &Options {
            reading: reading.map(str::to_owned),
            ..Options::default()
        },
    )
    .verdicts
}

fn at<'v>(vs: &'v [Verdict], ob: &str, date: &str) -> &'v Verdict {
    vs.iter()
        .find(|v| &*v.obligation == ob && v.date.to_string() == date)
        .unwrap_or_else(|| panic!("no verdict on {ob} at {date}"))
}

fn parties(v: &Verdict) -> Vec<&str> {
    let mut p: Vec<&str> = v.readings.iter().map(|r| r.party.as_str()).collect();
    p.sort_unstable();
    p
}

#[test]
fn irans_2019_steps_are_remedial_under_its_reading_and_a_breach_under_the_e3s() {
    let finding = under(None);
    let iran = under(Some("iran"));
    let e3 = under(Some("e3"));
    let france = under(Some("france"));
    // The stock over 300 kg UF6 (IAEA, 1 July 2019) and enrichment above 3.67 %
    // (IAEA, 8 July 2019).
    for (ob, date) in [
        ("iran.stock.limit", "2019-07-01"),
        ("iran.enrichment.level", "2019-07-08"),
    ] {
        let f = at(&finding, ob, date);
        assert_eq!(f.status, Status::Breach, "{ob}");
        assert_eq!(parties(f), ["iran"], "{ob}: only Iran reads it otherwise");
        assert_eq!(f.readings[0].status, Status::Remedial);
        assert!(f.readings[0].cite.contains("paras. 26 and 36"), "{ob}");

        let i = at(&iran, ob, date);
        assert_eq!(i.status, Status::Remedial, "{ob}");
        assert_eq!(i.finding, Status::Breach, "the finding stays beside it");
        assert_eq!(parties(i), ["e3", "us"]);
        assert!(
            i.sources
                .iter()
                .any(|s| s.contains("Supreme National Security Council")),
            "{:?}",
            i.sources
        );

        assert_eq!(at(&e3, ob, date).status, Status::Breach, "{ob}");
        // A member reads as its group.
        assert_eq!(at(&france, ob, date).status, Status::Breach, "{ob}");
    }
    // Before Iran's statement of 8 May 2019 there is no breach to read.
    assert_eq!(
        at(&iran, "iran.stock.limit", "2019-02-22").status,
        Status::Compliant
    );
}

#[test]
fn the_2025_snapback_is_never_a_council_breach_on_the_evidence_but_is_contested() {
    let finding = under(None);
    let v = at(&finding, "unsc.terminate_resolutions", "2025-09-27");
    assert_eq!(v.finding, Status::Compliant, "UNSCR 2231 paras. 11-12");
    assert_eq!(v.status, Status::Contested);
    assert_eq!(parties(v), ["china", "e3", "iran", "russia"]);
    for r in &v.readings {
        let want = if r.party == "e3" {
            Status::Compliant
        } else {
            Status::Breach
        };
        assert_eq!(r.status, want, "{}", r.party);
        assert_eq!(r.ground, "applicability");
    }
    // Before the re-imposition nobody's reading applies.
    let before = at(&finding, "unsc.terminate_resolutions", "2025-08-28");
    assert_eq!(before.status, Status::Compliant);
    assert!(before.readings.is_empty());
    assert_eq!(
        at(
            &under(Some("e3")),
            "unsc.terminate_resolutions",
            "2025-09-27"
        )
        .status,
        Status::Compliant
    );
    assert_eq!(
        at(
            &under(Some("russia")),
            "unsc.terminate_resolutions",
            "2025-09-27"
        )
        .status,
        Status::Breach
    );
    // No reading makes it a breach on the evidence: no Council breach anywhere.
    assert!(
        finding
            .iter()
            .filter(|v| v.party.as_ref() == "unsc")
            .all(|v| v.finding != Status::Breach)
    );
}

#[test]
fn termination_day_splits_the_parties() {
    let finding = under(None);
    let eu = at(&finding, "eu.termination_day", "2025-10-18");
    assert_eq!(eu.finding, Status::Breach, "no lifting on Termination Day");
    assert_eq!(eu.status, Status::Contested);
    assert_eq!(parties(eu), ["china", "e3", "eu", "iran", "russia"]);
    let council = at(&finding, "unsc.termination", "2025-10-18");
    assert_eq!(council.finding, Status::NoEvidence);
    assert_eq!(council.status, Status::Contested);
    assert_eq!(parties(council), ["china", "iran", "russia"]);

    let iran = under(Some("iran"));
    assert_eq!(
        at(&iran, "eu.termination_day", "2025-10-18").status,
        Status::Breach
    );
    assert_eq!(
        at(&iran, "unsc.termination", "2025-10-18").status,
        Status::Compliant
    );
    let e3 = under(Some("e3"));
    let v = at(&e3, "eu.termination_day", "2025-10-18");
    assert_eq!(v.status, Status::Compliant);
    assert_eq!(parties(v), ["china", "iran", "russia"]);
    assert!(v.sources.iter().any(|s| s.contains("28 September 2025")));
}

#[test]
fn transition_day_is_a_breach_on_the_evidence_that_the_eu_reads_as_a_response() {
    let finding = under(None);
    let first = finding
        .iter()
        .find(|v| &*v.obligation == "eu.transition_day")
        .expect("eu.transition_day assessed");
    assert!(first.date.to_string().as_str() >= "2023-10-18");
    assert_eq!(first.status, Status::Breach);
    assert!(
        first.sources.iter().any(|s| s.contains("17 October 2023")),
        "{:?}",
        first.sources
    );
    assert_eq!(parties(first), ["e3", "eu"]);
    assert!(first.readings.iter().all(|r| r.status == Status::Remedial));
    // The lifting of 2016 does not fulfil the lifting due in 2023.
    assert!(
        finding
            .iter()
            .filter(|v| &*v.obligation == "eu.transition_day")
            .all(|v| v.status != Status::Compliant)
    );
}

#[test]
fn no_compliant_verdict_without_a_source_under_any_reading() {
    for reading in [
        None,
        Some("iran"),
        Some("e3"),
        Some("eu"),
        Some("us"),
        Some("russia"),
        Some("china"),
    ] {
        for v in under(reading) {
            if v.status == Status::Compliant {
                assert!(
                    !v.sources.is_empty(),
                    "{reading:?}: {} {} compliant without a source",
                    v.obligation,
                    v.date
                );
            }
            // A listed reading always differs from the status shown.
            assert!(v.readings.iter().all(|r| r.status != v.status));
            // The finding is never a reading's own status.
            assert!(!matches!(v.finding, Status::Remedial | Status::Contested));
        }
    }
}
