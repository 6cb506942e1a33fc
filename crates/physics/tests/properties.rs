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

/// Stocks at the IAEA's reporting bands with random masses.
fn band_stocks() -> impl Strategy<Value = Vec<Stock>> {
    (0.0..5000.0f64, 0.0..300.0f64, 0.0..500.0f64).prop_map(|(leu, s20, s60)| {
        [(4.5, leu), (19.75, s20), (60.0, s60)]
            .into_iter()
            .filter(|(_, kg)| *kg > 0.5)
            .map(|(pct, kg)| Stock {
                assay: Assay::from_pct(pct).unwrap(),
                kg_u: KgU::new(kg).unwrap(),
            })
            .collect()
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// The headline is the fastest feasible route: never slower than any of them, and
    /// the optimised single cascade never needs more work than at any fixed tails.
    #[test]
    fn the_headline_is_never_slower_than_a_feasible_route(
        stocks in band_stocks(),
        swu in 500.0..20_000.0f64,
        cascades in 1u32..12,
        fixed_tails in 0.1..0.5f64,
    ) {
        let mut input = BreakoutInput::new(stocks, Capacity::SwuPerYear(swu));
        input.tails = Tails::Optimal;
        let fc = verity_physics::FixedCascades::new(vec![verity_physics::CascadeSet {
            kind: "IR-6".into(),
            cascades,
            machines_per_cascade: 174,
        }]);
        let leu = Assay::from_pct(3.67).unwrap();
        let r = verity_physics::routes::routes(&input, leu, Some(&fc)).unwrap();
        let head = verity_physics::routes::fastest(&r).expect("natural uranium makes one feasible");
        for route in r.iter().filter(|x| x.feasible) {
            prop_assert!(head.days.unwrap() <= route.days.unwrap() + 1e-9, "{r:?}");
        }
        let optimal = solve(&input).unwrap().swu.kg_swu();
        input.tails = Tails::Fixed(Assay::from_pct(fixed_tails).unwrap());
        let fixed = solve(&input).unwrap().swu.kg_swu();
        prop_assert!(optimal <= fixed * (1.0 + 1e-6), "{optimal} > {fixed} at {fixed_tails} %");
    }

    /// More capacity or more stock never makes breakout slower; holding more quantities
    /// always takes longer.
    #[test]
    fn time_falls_with_capacity_and_stock_and_rises_with_quantity(
        stocks in band_stocks(),
        swu in 500.0..20_000.0f64,
        more in 1.01..3.0f64,
    ) {
        let leu = Assay::from_pct(3.67).unwrap();
        let fastest = |i: &BreakoutInput| {
            let r = verity_physics::routes::routes(i, leu, None).unwrap();
            verity_physics::routes::fastest(&r).and_then(|f| f.days).unwrap()
        };
        let mut input = BreakoutInput::new(stocks.clone(), Capacity::SwuPerYear(swu));
        input.tails = Tails::Optimal;
        let base = fastest(&input);
        let mut faster = input.clone();
        faster.capacity = Capacity::SwuPerYear(swu * more);
        prop_assert!(fastest(&faster) <= base * (1.0 + 1e-9));
        let mut richer = input.clone();
        for s in &mut richer.stocks {
            s.kg_u = KgU::new(s.kg_u.kg() * more).unwrap();
        }
        prop_assert!(fastest(&richer) <= base * (1.0 + 1e-6), "{} > {base}", fastest(&richer));
        let days = verity_physics::routes::cumulative_days(&input, leu, None, 4).unwrap();
        let days: Vec<f64> = days.into_iter().map(Option::unwrap).collect();
        prop_assert!(days.windows(2).all(|w| w[0] < w[1]), "{days:?}");
    }
}
