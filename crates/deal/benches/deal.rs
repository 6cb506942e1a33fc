//! The workbench's costs: deterministic deal points (goal ≥ 10⁶ a second), a sweep of
//! 10⁴ points with 10³ Monte Carlo samples each (goal under 5 s), and one evaluation of
//! the JCPOA over its life. `bench/deal_reference.py` times the same deal points in NumPy
//! (`bash bench/deal.sh` runs both and compares).

use std::collections::BTreeMap;

use criterion::{Criterion, black_box, criterion_group, criterion_main};
use verity_deal::search;
use verity_deal::{Options, StockOut, WorkCache, start};
use verity_physics::SqDefinition;

mod workload;

fn bench(c: &mut Criterion) {
    let proposals = verity_agreement::proposals().expect("the shipped proposals parse");
    let jcpoa = proposals
        .iter()
        .find(|p| p.id == "jcpoa-2015")
        .expect("jcpoa-2015 ships");
    let pre = start::named("pre-deal-2015").expect("a named state");

    // Deterministic points: 10⁵ capacity mixes over one stock's work.
    let work = WorkCache::default()
        .get(
            &[StockOut {
                assay_pct: 3.67,
                kg_u: 202.8,
            }],
            SqDefinition::Iaea,
        )
        .expect("work");
    let ramps = workload::ramps().expect("ramps");
    let mut g = c.benchmark_group("deal_points");
    g.throughput(criterion::Throughput::Elements(ramps.len() as u64));
    g.bench_function("deterministic_1e5", |b| {
        b.iter(|| {
            let mut s = 0.0;
            for r in &ramps {
                s += r.days(black_box(work.swu_kg)).unwrap_or(0.0) + work.overhead_days;
            }
            s
        })
    });
    g.finish();

    let mut g = c.benchmark_group("deal_search");
    g.sample_size(10);
    let plan = workload::sweep_plan();
    g.bench_function("sweep_1e4_points_1e3_samples", |b| {
        b.iter(|| {
            search::run(
                jcpoa,
                &pre,
                black_box(&plan),
                &Options::default(),
                &BTreeMap::new(),
                &mut |_| true,
            )
            .expect("search")
        })
    });
    // The JCPOA over its 15 years, 4,000 Monte Carlo samples a year.
    g.bench_function("evaluate_jcpoa_2015", |b| {
        b.iter(|| verity_deal::evaluate(jcpoa, &pre, &Options::default()).expect("evaluate"))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
