//! The compliance engine on a small agreement and record written for these tests.

use verity_agreement::Agreement;
use verity_compliance::{Options, Status, Verdict, assess, breakout};
use verity_evidence::{EvidenceSet, Input, import};
use verity_vocab::Date;

fn agreement() -> Agreement {
    verity_agreement::parse(include_str!("fixtures/small.toml"), "small.toml")
        .expect("fixture agreement is valid")
}

fn evidence() -> EvidenceSet {
    import(&[
        Input::new(
            "measurements.csv",
            include_str!("fixtures/measurements.csv"),
        ),
        Input::new("events.csv", include_str!("fixtures/events.csv")),
        Input::new("knowledge.csv", include_str!("fixtures/knowledge.csv")),
    ])
    .expect("fixture evidence is valid")
}

fn d(s: &str) -> Date {
    s.parse().expect("date")
}

fn of(vs: &[Verdict], ob: &str) -> Vec<(String, Status)> {
    vs.iter()
        .filter(|v| *v.obligation == *ob)
        .map(|v| (v.date.to_string(), v.status))
        .collect()
}

fn at(vs: &[Verdict], ob: &str, date: &str) -> Status {
    vs.iter()
        .find(|v| *v.obligation == *ob && v.date == d(date))
        .unwrap_or_else(|| panic!("no verdict for {ob} on {date}"))
        .status
}

#[test]
fn stock_limit_over_time() {
    let a = assess(&agreement(), &evidence(), &Options::default());
    let vs = &a.verdicts;
    // "Did not exceed 300 kg UF6" is compliant; 174.1 kg U is under 202.8 kg U.
    assert_eq!(at(vs, "iran.stock", "2016-05-09"), Status::Compliant);
    assert_eq!(at(vs, "iran.stock", "2019-05-20"), Status::Compliant);
    // "Exceeded" is a breach, and so is 241.6 kg U.
    assert_eq!(at(vs, "iran.stock", "2019-07-01"), Status::Breach);
    assert_eq!(at(vs, "iran.stock", "2019-08-19"), Status::Breach);
    assert_eq!(a.first_breaches()["iran.stock"], d("2019-07-01"));
    // 205 ± 2 kg U is within 2σ of 202.8.
    assert_eq!(at(vs, "iran.stock", "2020-01-05"), Status::Indeterminate);
    // The heavy-water date belongs to a report that gives the stock at another date:
    // no verdict is made up for it.
    assert!(
        vs.iter()
            .all(|v| !(&*v.obligation == "iran.stock" && v.date == d("2019-05-26")))
    );
    // Trail: value, limit in kg U, unit, source with paragraph and report date.
    let v = vs
        .iter()
        .find(|v| &*v.obligation == "iran.stock" && v.date == d("2019-08-19"))
        .expect("verdict");
    assert_eq!(v.value, Some(241.6));
    assert!((v.limit.expect("limit") - 202.84).abs() < 0.01);
    assert_eq!(v.unit.as_deref(), Some("kg_u"));
    assert_eq!(v.sources, ["R/2019/3 ¶3 (2019-08-30)"]);
    assert_eq!(&*v.cite, "Test Annex I, para. 56");
    assert_eq!(&*v.party, "iran");
}

#[test]
fn sigma_k_is_configurable() {
    let opts = Options {
        sigma_k: 1.0,
        ..Options::default()
    };
    let a = assess(&agreement(), &evidence(), &opts);
    assert_eq!(at(&a.verdicts, "iran.stock", "2020-01-05"), Status::Breach);
}

#[test]
fn enrichment_level_breached_by_the_event() {
    let a = assess(&agreement(), &evidence(), &Options::default());
    assert_eq!(
        at(&a.verdicts, "iran.level", "2019-05-20"),
        Status::Compliant
    );
    assert_eq!(at(&a.verdicts, "iran.level", "2019-07-08"), Status::Breach);
    assert_eq!(a.first_breaches()["iran.level"], d("2019-07-08"));
    let v = a
        .verdicts
        .iter()
        .find(|v| &*v.obligation == "iran.level" && v.date == d("2019-07-08"))
        .expect("verdict");
    assert_eq!(v.value, Some(4.5));
    assert!(
        v.sources[0].contains("[event enrichment_level_begun]"),
        "{:?}",
        v.sources
    );
}

#[test]
fn us_obligations_from_events() {
    let a = assess(&agreement(), &evidence(), &Options::default());
    let vs = &a.verdicts;
    // The undertaking is kept on the evidence of the lifting; the prohibition has no
    // evidence of compliance (nothing verifies that a party did not act) until the
    // re-imposition breaches it.
    for (ob, before) in [
        ("us.no_reimposition", Status::NoEvidence),
        ("us.lift", Status::Compliant),
    ] {
        let steps = &a.steps()[ob];
        let got: Vec<_> = steps
            .iter()
            .map(|s| (s.from.to_string(), s.status))
            .collect();
        assert_eq!(
            got,
            [
                ("2016-01-16".to_owned(), before),
                ("2018-08-07".to_owned(), Status::Breach)
            ],
            "{ob}"
        );
        // In breach on every date after, too.
        assert_eq!(at(vs, ob, "2025-05-17"), Status::Breach);
    }
    assert!(
        vs.iter()
            .find(|v| &*v.obligation == "us.no_reimposition" && v.date == d("2018-08-07"))
            .expect("verdict")
            .sources[0]
            .contains("EO 13846")
    );
    // The withdrawal alone is not a re-imposition (and no source attests the absence).
    assert_eq!(
        at(vs, "us.no_reimposition", "2018-05-08"),
        Status::NoEvidence
    );
    // A group's obligation is not breached by a non-member's act.
    assert_eq!(
        at(vs, "e3.no_reimposition", "2019-08-19"),
        Status::NoEvidence
    );
    assert_eq!(at(vs, "iran.fordow", "2019-11-09"), Status::Breach);
    assert_eq!(at(vs, "iran.fordow", "2019-08-19"), Status::Compliant);
}

#[test]
fn knowledge_gap_is_never_compliant() {
    let a = assess(&agreement(), &evidence(), &Options::default());
    let vs = &a.verdicts;
    // No figure on the day continuity of knowledge was lost: cannot be verified.
    assert_eq!(at(vs, "iran.stock", "2025-06-13"), Status::CannotVerify);
    // An estimate under the limit inside the gap is not "compliant".
    assert_eq!(at(vs, "iran.stock", "2025-07-01"), Status::CannotVerify);
    // An estimate that shows a breach still does.
    assert_eq!(at(vs, "iran.level", "2025-07-01"), Status::Breach);
    for v in vs
        .iter()
        .filter(|v| v.date >= d("2025-06-13") && &*v.party == "iran")
    {
        assert_ne!(v.status, Status::Compliant, "{v:?}");
    }
}

#[test]
fn no_evidence_where_nothing_bears() {
    let a = assess(&agreement(), &evidence(), &Options::default());
    assert_eq!(at(&a.verdicts, "iran.ap", "2016-05-09"), Status::Compliant);
    assert_eq!(at(&a.verdicts, "iran.ap", "2019-05-20"), Status::NoEvidence);
    assert_eq!(at(&a.verdicts, "iran.ap", "2021-02-23"), Status::Breach);
}

#[test]
fn filters_by_party_and_dates() {
    let opts = Options {
        party: Some("United States".into()),
        from: Some(d("2018-01-01")),
        to: Some(d("2019-12-31")),
        ..Options::default()
    };
    let a = assess(&agreement(), &evidence(), &opts);
    assert!(!a.verdicts.is_empty());
    assert!(a.verdicts.iter().all(|v| &*v.party == "us"));
    assert!(
        a.verdicts
            .iter()
            .all(|v| v.date >= d("2018-01-01") && v.date <= d("2019-12-31"))
    );
    assert_eq!(
        of(&a.verdicts, "us.lift").first().map(|x| x.0.as_str()),
        Some("2018-05-08")
    );
}

#[test]
fn nothing_is_in_force_before_its_window() {
    let mut ev = evidence();
    // Without the implementation event the key day never comes: nothing is in force.
    ev.events
        .retain(|e| e.event.id != "iaea_verified_implementation");
    let a = assess(&agreement(), &ev, &Options::default());
    assert!(a.verdicts.is_empty(), "{:?}", a.verdicts.first());
}

#[test]
fn breakout_from_each_reports_stocks() {
    let pts = breakout::timeline(&evidence(), "Iran", &breakout::BreakoutOptions::default());
    let dates: Vec<_> = pts.iter().map(|p| p.date.to_string()).collect();
    // Reports with a stock figure and a known capacity (counts carry forward from an
    // earlier report only; the first reports here have none). R/2025/2 gives only a
    // total while enrichment was at 60 %: its 60 % band is carried forward from
    // R/2025/1, and the point says so.
    assert_eq!(dates, ["2025-05-17", "2025-07-01"]);
    let late = &pts[1];
    assert_eq!(
        late.stocks_carried_forward,
        ["enriched_uranium_stock_60pct from R/2025/1"]
    );
    // After continuity of knowledge was lost (13 June 2025) the figures are estimates.
    assert!(pts[0].verified && !late.verified, "{pts:?}");
    assert_eq!(
        late.last_verified
            .as_ref()
            .map(|l| (l.report.as_str(), l.date)),
        Some(("R/2025/1", pts[0].date)),
        "the last verified inputs are named"
    );
    // The machine count comes from R/2025/1, named as carried forward.
    assert_eq!(late.basis.len(), 1);
    assert!(late.basis[0].carried_forward && late.basis[0].report == "R/2025/1");
    assert!(!pts[0].basis[0].carried_forward);
    assert!(late.lower_bound_days <= late.days);
    let p = &pts[0];
    // 408.6 kg of 60 % and 10,000 IR-1: about a week or less.
    assert!(p.days > 1.0 && p.days < 14.0, "{}", p.days);
    assert!(p.days_p05 <= p.days && p.days <= p.days_p95, "{p:?}");
    assert_eq!(p.source, "R/2025/1");
    // The LEU band is what the total leaves after the 60 % band.
    assert_eq!(p.stocks.len(), 2);
    assert!(
        (p.stocks[0].1 - (9247.6 - 408.6)).abs() < 1e-6,
        "{:?}",
        p.stocks
    );
    assert_eq!(p.stocks[1], (60.0, 408.6));
    assert_eq!(p.machines, [("IR-1".to_owned(), 10000)]);
    // Every other report with a stock figure is accounted for, with why.
    let (_, skipped) =
        breakout::timeline_explained(&evidence(), "Iran", &breakout::BreakoutOptions::default());
    let why: Vec<(&str, &str)> = skipped
        .iter()
        .map(|s| (s.source.as_str(), s.reason.as_str()))
        .collect();
    let no_machines = "no count of centrifuges by type in this or an earlier report";
    assert_eq!(
        why,
        [
            ("R/2016/1", no_machines),
            ("R/2019/1", no_machines),
            ("R/2019/2", no_machines),
            ("R/2019/3", no_machines),
            ("R/2020/1", no_machines),
        ]
    );
}

#[test]
fn breakout_of_every_party_with_stocks() {
    let opts = breakout::BreakoutOptions::default();
    // One party with stocks: the timeline is that party's.
    let ev = evidence();
    assert_eq!(
        breakout::timeline_all_explained(&ev, &opts),
        breakout::timeline_explained(&ev, "Iran", &opts)
    );
    // A second party with the same figures in a report of its own: its points come
    // first on the same date (parties in id order, then a stable sort by date), and
    // the reports left out stay party by party.
    let mut ev = evidence();
    let copies: Vec<_> = ev
        .measurements
        .iter()
        .filter(|m| m.party == "Iran" && m.source.report == "R/2025/1")
        .cloned()
        .map(|mut m| {
            m.party = "Atlantis".into();
            m.source.report = "A/1".into();
            m
        })
        .collect();
    assert!(!copies.is_empty());
    ev.measurements.extend(copies);
    ev.sort();
    let (points, skipped) = breakout::timeline_all_explained(&ev, &opts);
    let sources: Vec<(String, &str)> = points
        .iter()
        .map(|p| (p.date.to_string(), p.source.as_str()))
        .collect();
    assert_eq!(
        sources,
        [
            ("2025-05-17".to_owned(), "A/1"),
            ("2025-05-17".to_owned(), "R/2025/1"),
            ("2025-07-01".to_owned(), "R/2025/2")
        ]
    );
    assert_eq!(points[0].days, points[1].days);
    assert_eq!(
        skipped,
        breakout::timeline_explained(&ev, "Iran", &opts).1,
        "Atlantis has no report left out; Iran's are as before"
    );
    assert_eq!(breakout::timeline_all(&ev, &opts), points);
}

#[test]
fn a_report_missing_a_band_is_carried_and_a_restatement_adds_no_point() {
    // R/2025/4 gives only its 60 % figure: the LEU band is carried forward from
    // R/2025/1 (what its total left after the 60 %), and the point says so, rather than
    // the report being skipped. R/2025/NPT restates R/2025/1's stocks of the same date:
    // it adds no second point on that date, and the reason names the report it repeats.
    let extra = "date,party,metric,value,sigma,low,high,unit,basis,source,paragraph,report_date,via,note\n\
        2025-05-17,Iran,enriched_uranium_stock_60pct,408.6,,,,kg_u,verified,R/2025/NPT,5,2025-06-01,,restated\n\
        2025-06-01,Iran,enriched_uranium_stock_60pct,420,,,,kg_u,verified,R/2025/4,2,2025-06-05,,only the 60 % band\n";
    let ev = import(&[
        Input::new(
            "measurements.csv",
            include_str!("fixtures/measurements.csv"),
        ),
        Input::new("extra.csv", extra),
        Input::new("events.csv", include_str!("fixtures/events.csv")),
        Input::new("knowledge.csv", include_str!("fixtures/knowledge.csv")),
    ])
    .expect("valid");
    let (pts, skipped) =
        breakout::timeline_explained(&ev, "Iran", &breakout::BreakoutOptions::default());
    let dates: Vec<_> = pts.iter().map(|p| p.date.to_string()).collect();
    assert_eq!(dates, ["2025-05-17", "2025-06-01", "2025-07-01"]);
    let june = &pts[1];
    assert_eq!(june.source, "R/2025/4");
    assert_eq!(
        june.stocks_carried_forward,
        ["enriched_uranium_stock_le_5pct from R/2025/1"]
    );
    let leu: f64 = june
        .stocks
        .iter()
        .filter(|(pct, _)| *pct < 5.0)
        .map(|s| s.1)
        .sum();
    assert!((leu - (9247.6 - 408.6)).abs() < 1e-6, "{leu}");
    let npt = skipped
        .iter()
        .find(|s| s.source == "R/2025/NPT")
        .expect("the restatement is listed");
    assert!(npt.reason.contains("restates") && npt.reason.contains("R/2025/1"));
    assert!(
        !skipped.iter().any(|s| s.source == "R/2025/4"),
        "{skipped:?}"
    );
}
