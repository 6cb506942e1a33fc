//! Property tests: balances close, separative work is non-negative and grows with the
//! product assay, the breakout LP never does worse than natural uranium alone.

use proptest::prelude::*;
use verity_physics::{
    Assay, BreakoutInput, Capacity, Enrichment, KgU, Quantity, Stock, Tails, solve, value_function,
};

/// The LP optimum by brute force over basic solutions: with one equality constraint,
/// an optimal vertex has every feed but one at a bound (0 or its stock) and that one
/// fixed by the constraint. Independent of the greedy argument `solve` relies on.
fn brute_force_swu(feeds: &[(f64, f64)], xp: f64, xt: f64, p: f64) -> Option<f64> {
    let need = p * (xp - xt);
    let n = feeds.len();
    let mut best: Option<f64> = None;
    for free in 0..n {
        for mask in 0u32..(1 << n) {
            if mask & (1 << free) != 0 {
                continue;
            }
            let mut brought = 0.0;
            let mut cost = 0.0;
            let mut ok = true;
            for (i, &(x, lim)) in feeds.iter().enumerate() {
                if i != free && mask & (1 << i) != 0 {
                    if !lim.is_finite() {
                        ok = false;
                        break;
                    }
                    brought += lim * (x - xt);
                    cost += lim * (value_function(xt) - value_function(x));
                }
            }
            let (xf, lf) = feeds[free];
            let f = (need - brought) / (xf - xt);
            if !ok || f < -1e-9 || f > lf * (1.0 + 1e-12) {
                continue;
            }
            cost += f * (value_function(xt) - value_function(xf));
            let swu = p * (value_function(xp) - value_function(xt)) + cost;
            best = Some(best.map_or(swu, |b: f64| b.min(swu)));
        }
    }
    best
}

fn close(a: f64, b: f64, scale: f64) -> bool {
    (a - b).abs() <= 1e-9 * scale.abs().max(1e-300)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn two_stream_balances_close(
        xf in 0.002f64..0.2,
        up in 0.01f64..0.99,
        down in 0.01f64..0.99,
        mass in 1e-3f64..1e6,
        which in 0u8..3,
    ) {
        let xp = xf + (0.99 - xf) * up;
        let xt = xf * down;
        let e = Enrichment::new(
            Assay::from_fraction(xf).unwrap(),
            Assay::from_fraction(xp).unwrap(),
            Assay::from_fraction(xt).unwrap(),
        ).unwrap();
        let m = KgU::new(mass).unwrap();
        let q = match which { 0 => Quantity::Product(m), 1 => Quantity::Feed(m), _ => Quantity::Tails(m) };
        let s = e.streams(q);
        let (f, p, t) = (s.feed.kg(), s.product.kg(), s.tails.kg());
        prop_assert!(close(f, p + t, f), "mass: F {f} P {p} T {t}");
        prop_assert!(close(f * xf, p * xp + t * xt, f * xf), "U-235");
        prop_assert!(s.swu.kg_swu() >= 0.0);
    }

    #[test]
    fn swu_grows_with_product_assay(
        xf in 0.003f64..0.1,
        down in 0.05f64..0.95,
        p1 in 0.01f64..0.98,
        dp in 1e-4f64..0.5,
    ) {
        let xt = xf * down;
        let x1 = xf + (0.98 - xf) * p1;
        let x2 = (x1 + dp * (0.99 - x1)).min(0.99);
        prop_assume!(x2 > x1);
        let e = |xp: f64| Enrichment::new(
            Assay::from_fraction(xf).unwrap(),
            Assay::from_fraction(xp).unwrap(),
            Assay::from_fraction(xt).unwrap(),
        ).unwrap();
        prop_assert!(e(x2).swu_per_product() > e(x1).swu_per_product());
        prop_assert!(e(x1).swu_per_product() > 0.0);
    }

    #[test]
    fn breakout_plan_balances_and_beats_natural_only(
        stocks in prop::collection::vec((0.8f64..85.0, 0.0f64..500.0), 0..6),
        tails in 0.1f64..0.6,
        target_pct in 86.0f64..95.0,
        u235 in 1.0f64..100.0,
    ) {
        let mut input = BreakoutInput::new(
            stocks.iter().map(|&(pct, m)| Stock {
                assay: Assay::from_pct(pct).unwrap(),
                kg_u: KgU::new(m).unwrap(),
            }).collect(),
            Capacity::SwuPerYear(5000.0),
        );
        input.tails = Tails::Fixed(Assay::from_pct(tails).unwrap());
        input.target.assay = Assay::from_pct(target_pct).unwrap();
        input.target.u235_kg = u235;
        let plan = solve(&input).unwrap();
        let (xp, xt) = (plan.product_assay.fraction(), plan.tails_assay.fraction());
        let f: f64 = plan.feeds.iter().map(|f| f.kg_u.kg()).sum();
        let f235: f64 = plan.feeds.iter().map(|f| f.kg_u.kg() * f.assay.fraction()).sum();
        let (p, t) = (plan.product.kg(), plan.tails.kg());
        prop_assert!(close(f, p + t, f), "mass: F {f} P {p} T {t}");
        prop_assert!(close(f235, p * xp + t * xt, f235), "U-235: {f235} vs {}", p * xp + t * xt);
        prop_assert!(close(p * xp, u235, u235));
        prop_assert!(plan.swu.kg_swu() >= 0.0);
        for fd in &plan.feeds {
            if let Some(avail) = fd.available_kg_u {
                prop_assert!(fd.kg_u.kg() <= avail.kg() * (1.0 + 1e-12));
            }
        }
        // The same optimum as an exhaustive search over the LP's vertices.
        let mut offered: Vec<(f64, f64)> = stocks
            .iter()
            .map(|&(pct, m)| (pct / 100.0, m))
            .filter(|&(x, m)| x > xt && m > 0.0)
            .collect();
        if xt < 0.00711 {
            offered.push((0.00711, f64::INFINITY));
        }
        let brute = brute_force_swu(&offered, xp, xt, p).expect("natural makes it feasible");
        prop_assert!(
            (plan.swu.kg_swu() - brute).abs() <= 1e-9 * brute.abs().max(1.0),
            "greedy {} vs vertices {brute}",
            plan.swu.kg_swu()
        );
        // Natural uranium alone is a feasible plan: the optimum cannot need more work.
        let mut natural = input.clone();
        natural.stocks.clear();
        let nat = solve(&natural).unwrap();
        prop_assert!(plan.swu.kg_swu() <= nat.swu.kg_swu() * (1.0 + 1e-12));
    }
}
