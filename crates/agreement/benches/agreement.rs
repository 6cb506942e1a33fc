//! Parsing the shipped JCPOA, resolving its key days, and the in-force query the
//! compliance engine runs for every day of a timeline.

use criterion::{Criterion, black_box, criterion_group, criterion_main};
use verity_agreement::{Date, JCPOA_FILE, JCPOA_SOURCE, parse};

fn benches(c: &mut Criterion) {
    c.bench_function("parse_jcpoa", |b| {
        b.iter(|| parse(black_box(JCPOA_SOURCE), JCPOA_FILE).map(|a| a.obligations.len()))
    });
    let Ok(a) = verity_agreement::jcpoa() else {
        return;
    };
    let history = a.history();
    c.bench_function("resolve_key_days_jcpoa", |b| {
        b.iter(|| a.resolve_key_days(black_box(&history)))
    });
    let kd = a.resolve_key_days(&history);
    let days: Vec<Date> = (0..3653)
        .filter_map(|n| {
            Date::new(2016, 1, 16)
                .ok()?
                .checked_add(jiff::Span::new().days(n))
                .ok()
        })
        .collect();
    c.bench_function("in_force_every_day_for_10_years", |b| {
        b.iter(|| {
            days.iter()
                .map(|d| a.obligations_in_force(*d, &kd).len())
                .sum::<usize>()
        })
    });
}

criterion_group!(agreement, benches);
criterion_main!(agreement);
