//! The workbench's costs: deterministic deal points (goal ≥ 10⁶ a second), a sweep of
//! 10⁴ points with 10³ Monte Carlo samples each (goal under 5 s), and one evaluation of
//! the JCPOA over its life. `bench/deal_reference.py` times the same deal point in NumPy.

use std::collections::BTreeMap;

use criterion::{Criterion, black_box, criterion_group, criterion_main};
use verity_deal::search::{self, Axis, Plan};
use verity_deal::{Machines, Options, StockOut, WorkCache, ramp_of, start};
use verity_physics::SqDefinition;
use verity_vocab::MachineType;

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
    let ramps: Vec<_> = (0..100_000u32)
        .map(|i| {
            ramp_of(
                &[
                    Machines {
                        machine: MachineType::Ir1,
                        count: 1000 + i % 9000,
                    },
                    Machines {
                        machine: MachineType::Ir6,
                        count: i % 500,
                    },
                ],
                &[Machines {
                    machine: MachineType::Ir2m,
                    count: i % 3000,
                }],
                f64::from(i % 7) * 100.0,
            )
            .expect("ramp")
        })
        .collect();
    let mut g = c.benchmark_group("deal");
    g.throughput(criterion::Throughput::Elements(ramps.len() as u64));
    g.bench_function("100k deterministic deal points", |b| {
        b.iter(|| {
            let mut s = 0.0;
            for r in &ramps {
                s += r.days(black_box(work.swu_kg)).unwrap_or(0.0) + work.overhead_days;
            }
            s
        })
    });
    g.finish();

    let mut g = c.benchmark_group("search");
    g.sample_size(10);
    let plan = Plan {
        axes: vec![
            Axis::parse("ir1=0..10000:100").expect("axis"),
            Axis::parse("reinstall_per_month=0..2000:100").expect("axis"),
        ],
        target_days: 365.0,
        confidence: 0.9,
        samples: 1000,
        seed: 1,
    };
    g.bench_function("10k-point sweep, 1000 MC samples each", |b| {
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
    g.bench_function(
        "evaluate jcpoa-2015 over 15 years, 4000 MC samples each",
        |b| b.iter(|| verity_deal::evaluate(jcpoa, &pre, &Options::default()).expect("evaluate")),
    );
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
