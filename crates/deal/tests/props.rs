//! Properties of the deal model: a more permissive term never lengthens breakout; the
//! frontier meets the target and its more permissive neighbours do not; a resumed
//! search equals an uninterrupted one.

use std::collections::BTreeMap;

use proptest::prelude::*;
use verity_deal::search::{self, Axis, Plan};
use verity_deal::{Machines, Options, Ramp, start};
use verity_vocab::MachineType;

fn jcpoa() -> verity_agreement::Proposal {
    verity_agreement::proposals()
        .unwrap()
        .into_iter()
        .find(|p| p.id == "jcpoa-2015")
        .unwrap()
}

fn sweep(axis: &str, samples: usize) -> search::SearchResult {
    let mut axes = vec![Axis::parse(axis).unwrap()];
    if axis.starts_with("stored") {
        // Stored machines matter only if they can come back.
        axes.insert(0, Axis::parse("reinstall_per_month=500..500:1").unwrap());
    }
    let plan = Plan {
        axes,
        target_days: 365.0,
        confidence: 0.9,
        samples,
        seed: 7,
    };
    search::run(
        &jcpoa(),
        &start::named("pre-deal-2015").unwrap(),
        &plan,
        &Options::default(),
        &BTreeMap::new(),
        &mut |_| true,
    )
    .unwrap()
}

#[test]
fn more_permissive_terms_never_lengthen_breakout() {
    for axis in [
        "ir1=0..20000:21",
        "ir2m=0..5000:11",
        "ir6=0..5000:11",
        "stock_kg_u=0..6000:25",
        "enrichment_pct=0..60:31",
        "stored=0..20000:11",
        "reinstall_per_month=0..3000:16",
    ] {
        let r = sweep(axis, 0);
        let days: Vec<f64> = r
            .points
            .iter()
            .map(|p| p.days.unwrap_or(f64::INFINITY))
            .collect();
        for w in days.windows(2) {
            assert!(w[1] <= w[0] + 1e-6, "{axis}: {days:?}");
        }
        assert!(
            days.first() > days.last(),
            "{axis}: the axis changes nothing"
        );
    }
}

#[test]
fn the_frontier_meets_the_target_and_one_step_more_does_not() {
    let plan = Plan {
        axes: vec![
            Axis::parse("ir1=0..10000:11").unwrap(),
            Axis::parse("reinstall_per_month=0..1000:6").unwrap(),
        ],
        target_days: 365.0,
        confidence: 0.9,
        samples: 200,
        seed: 3,
    };
    let r = search::run(
        &jcpoa(),
        &start::named("pre-deal-2015").unwrap(),
        &plan,
        &Options::default(),
        &BTreeMap::new(),
        &mut |_| true,
    )
    .unwrap();
    assert!(r.complete);
    assert_eq!(r.points.len(), 66);
    assert!(!r.frontier.is_empty());
    let p_at = |ir1: f64, re: f64| {
        r.points
            .iter()
            .find(|p| p.axes["ir1"] == ir1 && p.axes["reinstall_per_month"] == re)
            .map(|p| p.p_meets_target)
    };
    for f in &r.frontier {
        let (ir1, re) = (f.axes["ir1"], f.axes["reinstall_per_month"]);
        assert!(p_at(ir1, re).unwrap() >= 0.9);
        if let Some(p) = p_at(ir1 + 1000.0, re) {
            assert!(p < 0.9, "{ir1} {re}");
        }
        if let Some(p) = p_at(ir1, re + 200.0) {
            assert!(p < 0.9, "{ir1} {re}");
        }
    }
    // Zero machines and no reinstallation: no breakout at the declared plants.
    assert_eq!(p_at(0.0, 0.0), Some(1.0));
}

#[test]
fn a_stopped_and_resumed_search_equals_one_run_through() {
    let plan = Plan {
        axes: vec![
            Axis::parse("ir1=0..10000:30").unwrap(),
            Axis::parse("stock_kg_u=0..1000:20").unwrap(),
        ],
        target_days: 300.0,
        confidence: 0.8,
        samples: 100,
        seed: 11,
    };
    let (p, s) = (jcpoa(), start::named("pre-deal-2015").unwrap());
    let whole = search::run(
        &p,
        &s,
        &plan,
        &Options::default(),
        &BTreeMap::new(),
        &mut |_| true,
    )
    .unwrap();
    let mut first: BTreeMap<usize, search::Point> = BTreeMap::new();
    let part = search::run(
        &p,
        &s,
        &plan,
        &Options::default(),
        &BTreeMap::new(),
        &mut |c| {
            first.extend(c.iter().cloned());
            false
        },
    )
    .unwrap();
    assert!(!part.complete);
    assert_eq!(first.len(), 256);
    let resumed = search::run(&p, &s, &plan, &Options::default(), &first, &mut |_| true).unwrap();
    assert!(resumed.complete);
    assert_eq!(resumed, whole);
}

#[test]
fn bad_axes_are_refused_with_the_reason() {
    for (spec, want) in [
        ("ir3=0..10", "unknown axis `ir3`"),
        ("ir1=10..0", "below"),
        ("ir1=0..10:1", "steps"),
        ("ir1", "NAME=LO..HI"),
        ("enrichment_pct=0..99", "at most 93"),
        ("stock_kg_u=a..3", "not a number"),
    ] {
        let e = Axis::parse(spec).unwrap_err().to_string();
        assert!(e.contains(want), "{spec}: {e}");
    }
}

proptest! {
    #[test]
    fn ramp_time_falls_as_capacity_or_reinstallation_rises(
        base in 0.0f64..20000.0, extra in 1.0f64..5000.0,
        pool in 0.0f64..20000.0, rate in 0.0f64..3000.0, work in 1.0f64..20000.0,
    ) {
        let r = |c: f64, rate: f64| Ramp { start_swu_per_year: c, pool: vec![(3.75, pool)], per_month: rate };
        let a = r(base, rate).days(work).unwrap_or(f64::INFINITY);
        let b = r(base + extra, rate).days(work).unwrap_or(f64::INFINITY);
        let c = r(base, rate + 100.0).days(work).unwrap_or(f64::INFINITY);
        prop_assert!(b <= a + 1e-9);
        prop_assert!(c <= a + 1e-9);
        // The work done by the time found is the work asked.
        if base > 0.0 && rate == 0.0 {
            prop_assert!((a * base / 365.25 - work).abs() < 1e-6 * work.max(1.0));
        }
    }
}

#[test]
fn machines_are_listed_most_capable_first() {
    let st = verity_deal::state_at(&jcpoa(), &start::named("pre-deal-2015").unwrap(), 1.0).unwrap();
    assert_eq!(
        st.stored.first(),
        Some(&Machines {
            machine: MachineType::Ir2m,
            count: 1000
        })
    );
    assert_eq!(st.enriching.iter().map(|m| m.count).sum::<u32>(), 5060 + 11);
}
