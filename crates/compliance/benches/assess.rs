//! Assessing the whole shipped record against the whole JCPOA (goal: under 5 ms), and
//! the breakout timeline over every report.

use criterion::{Criterion, black_box, criterion_group, criterion_main};
use verity_compliance::{Options, assess, breakout};

fn bench(c: &mut Criterion) {
    let agreement = verity_agreement::jcpoa().expect("the shipped JCPOA parses");
    let evidence = verity_evidence::shipped::load().expect("the shipped record imports");
    let n = assess(&agreement, &evidence, &Options::default())
        .verdicts
        .len();
    eprintln!(
        "{} obligations × {} evidence records → {n} verdicts",
        agreement.obligations.len(),
        evidence.len()
    );
    c.bench_function("assess whole record against whole JCPOA", |b| {
        b.iter(|| {
            assess(
                black_box(&agreement),
                black_box(&evidence),
                &Options::default(),
            )
        })
    });
    c.bench_function("import shipped record (CSV, validated)", |b| {
        b.iter(verity_evidence::shipped::load)
    });
    let mut g = c.benchmark_group("breakout");
    g.sample_size(10);
    g.bench_function(
        "breakout timeline, every report, 4000 MC samples each",
        |b| {
            b.iter(|| {
                breakout::timeline(
                    black_box(&evidence),
                    "Iran",
                    &breakout::BreakoutOptions::default(),
                )
            })
        },
    );
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
