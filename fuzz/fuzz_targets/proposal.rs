//! The proposal parser and, when a file parses, the deal's evaluation from the 2015
//! starting state: no input may panic, a refusal always says why, and every breakout
//! figure of an accepted proposal is a finite, positive number of days.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(src) = std::str::from_utf8(data) else {
        return;
    };
    match verity_agreement::parse_proposal(src, "fuzz.toml") {
        Ok(p) => {
            let Some(start) = verity_deal::start::named("pre-deal-2015") else {
                panic!("the named 2015 starting state is missing");
            };
            let opts = verity_deal::Options {
                samples: 0,
                ..verity_deal::Options::default()
            };
            // A refusal of the evaluation (e.g. a stock the route cannot use) is an
            // answer; a panic or a non-finite figure is not.
            if let Ok(e) = verity_deal::evaluate(&p, &start, &opts) {
                assert_eq!(e.years.len(), p.duration_years as usize + 1);
                for y in &e.years {
                    for d in [y.days, y.sneakout_days].into_iter().flatten() {
                        assert!(d.is_finite() && d > 0.0, "year {}: {d} days", y.year);
                    }
                }
                if let Some(min) = e.min_days {
                    assert!(e.years.iter().filter_map(|y| y.days).all(|d| d >= min));
                }
            }
        }
        Err(diags) => {
            assert!(!diags.0.is_empty());
            assert!(!diags.to_string().is_empty());
        }
    }
});
