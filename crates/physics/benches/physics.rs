//! Throughput of the physics kernels. Run with `cargo bench -p verity-physics`;
//! `bash bench/physics.sh` runs these and the NumPy reference side by side.

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use verity_physics::marc;
use verity_physics::montecarlo::{self, McConfig};
use verity_physics::{
    Assay, BreakoutInput, Enrichment, KgU, Quantity, presets, swu_per_product_curve,
};

mod workload;

/// The same workloads as bench/physics_reference.py; keep the two in step.
fn bench_input() -> BreakoutInput {
    workload::breakout_input().expect("valid")
}

fn swu(c: &mut Criterion) {
    // 1,000 points of the SWU-per-kg curve from natural feed at 0.3 % tails, product
    // 1–90 % (the NumPy reference evaluates the same curve, vectorised).
    let feed = Assay::NATURAL;
    let tails = Assay::from_pct(0.3).expect("valid");
    let products: Vec<Assay> = (0..1000)
        .map(|i| Assay::from_pct(1.0 + 89.0 * i as f64 / 999.0).expect("valid"))
        .collect();
    let mut out = vec![0.0; products.len()];
    let mut g = c.benchmark_group("physics");
    g.throughput(Throughput::Elements(products.len() as u64));
    g.bench_function("swu_eval_x1000", |b| {
        b.iter(|| {
            swu_per_product_curve(feed, tails, black_box(&products), &mut out).expect("ordered");
            black_box(out[999])
        })
    });
    // The same 1,000 steps through the full three-stream API (masses and checks).
    let steps: Vec<Enrichment> = products
        .iter()
        .map(|p| Enrichment::new(feed, *p, tails).expect("ordered"))
        .collect();
    g.bench_function("swu_streams_x1000", |b| {
        b.iter(|| {
            let mut acc = 0.0;
            for e in black_box(&steps) {
                acc += e
                    .streams(Quantity::Product(KgU::new(1.0).expect("valid")))
                    .swu
                    .kg_swu();
            }
            black_box(acc)
        })
    });
    g.finish();
}

fn marc_solve(c: &mut Criterion) {
    let spec = workload::marc_spec().expect("valid");
    let mut g = c.benchmark_group("physics");
    g.throughput(Throughput::Elements(1));
    g.bench_function("marc_solve", |b| b.iter(|| marc::solve(black_box(&spec))));
    g.finish();
}

fn breakout_solve(c: &mut Criterion) {
    let input = bench_input();
    let mut g = c.benchmark_group("physics");
    g.throughput(Throughput::Elements(1));
    g.bench_function("breakout_lp_solve", |b| {
        b.iter(|| verity_physics::solve(black_box(&input)))
    });
    let jcpoa = presets::find("jcpoa-limits")
        .expect("preset")
        .input()
        .expect("valid");
    g.bench_function("breakout_lp_solve_jcpoa", |b| {
        b.iter(|| verity_physics::solve(black_box(&jcpoa)))
    });
    g.finish();
}

fn monte_carlo(c: &mut Criterion) {
    let input = bench_input();
    let cfg = McConfig {
        samples: 1_000_000,
        ..McConfig::default()
    };
    let mut g = c.benchmark_group("physics");
    g.sample_size(10);
    g.throughput(Throughput::Elements(cfg.samples as u64));
    g.bench_function("monte_carlo_1e6", |b| {
        b.iter(|| montecarlo::run(black_box(&input), &cfg))
    });
    g.finish();
}

fn breakout_routes(c: &mut Criterion) {
    // The single cascade with optimised tails and the staged route, as the NumPy
    // reference's `routes()`.
    let mut input = bench_input();
    input.tails = verity_physics::Tails::Optimal;
    let leu = Assay::from_pct(3.67).expect("valid");
    let mut g = c.benchmark_group("physics");
    g.throughput(Throughput::Elements(1));
    g.bench_function("breakout_routes", |b| {
        b.iter(|| verity_physics::routes::routes(black_box(&input), leu, None))
    });
    // The three routes, the fixed cascades included (the reference's `routes()` with
    // `fixed=True`).
    let fixed = workload::fixed_cascades();
    g.bench_function("breakout_routes_fixed", |b| {
        b.iter(|| verity_physics::routes::routes(black_box(&input), leu, Some(&fixed)))
    });
    g.finish();
}

criterion_group!(
    benches,
    swu,
    marc_solve,
    breakout_solve,
    monte_carlo,
    breakout_routes
);
criterion_main!(benches);
