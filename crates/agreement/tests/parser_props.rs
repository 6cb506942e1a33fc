//! Property tests: whatever the input, the parser returns (never panics), diagnostics
//! point inside the file, and window validation agrees with date arithmetic.

use proptest::prelude::*;
use verity_agreement::{DiagKind, Offset, add_offset, parse};
use verity_vocab::Date;

const SMALL: &str = r#"[agreement]
id = "p"
title = "P"

[[party]]
id = "a"
name = "A"

[[key_day]]
id = "k"
name = "K"
when = { earliest_of = ["2020-01-31", { event = "withdrawal", party = "a", plus = "3 days" }] }

[[obligation]]
id = "o"
party = "a"
cite = { document = "P", paragraph = "1" }
text = "T"
kind = "procedure"
steps = [{ name = "s", days = 3 }]
from = "k"
until = "k + 2 years"
"#;

/// Checks the invariants of a parse result against its source.
fn check(src: &str) {
    let lines = src.split('\n').count();
    if let Err(ds) = parse(src, "x.toml") {
        assert!(!ds.0.is_empty());
        for d in &ds.0 {
            assert!(
                d.loc.line >= 1 && d.loc.line <= lines,
                "{d} (of {lines} lines)"
            );
            assert!(d.loc.col >= 1, "{d}");
            assert!(d.to_string().starts_with("x.toml:"), "{d}");
        }
    }
}

fn mutate(base: &str, at: usize, del: usize, ins: &str) -> String {
    let chars: Vec<char> = base.chars().collect();
    let at = at % (chars.len() + 1);
    let end = (at + del).min(chars.len());
    chars[..at]
        .iter()
        .chain(ins.chars().collect::<Vec<_>>().iter())
        .chain(chars[end..].iter())
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_text_never_panics(src in "\\PC{0,200}") {
        check(&src);
    }

    #[test]
    fn toml_shaped_noise_never_panics(
        src in "(\\[\\[?(agreement|party|key_day|obligation|history)\\]\\]?\n|[a-z_]{1,8} = (\"[a-z_ +0-9-]{0,12}\"|[0-9.]{1,4}|\\{ [a-z_]{1,6} = \"[a-z0-9 +-]{0,10}\" \\}|\\[\"[a-z]{0,5}\"\\]|20[0-9]{2}-[01][0-9]-[0-3][0-9])\n){0,30}"
    ) {
        check(&src);
    }

    #[test]
    fn mutated_agreements_never_panic(at in 0usize..1000, del in 0usize..12, ins in "\\PC{0,6}") {
        check(&mutate(SMALL, at, del, &ins));
    }

    /// The window check agrees with calendar arithmetic: a window counted from one key
    /// day is accepted exactly when its end falls after its start.
    #[test]
    fn windows_are_rejected_iff_they_end_before_they_start(
        fy in 0i32..4, fm in 0i32..13, fd in 0i32..40,
        uy in 0i32..4, um in 0i32..13, ud in 0i32..40,
    ) {
        let src = SMALL
            .replace("from = \"k\"", &format!("from = \"k + {fy} years {fm} months {fd} days\""))
            .replace("until = \"k + 2 years\"", &format!("until = \"k + {uy} years {um} months {ud} days\""));
        let base: Date = "2020-01-31".parse().map_err(|e| TestCaseError::fail(format!("{e}")))?;
        let from = add_offset(base, Offset { years: fy, months: fm, days: fd });
        let until = add_offset(base, Offset { years: uy, months: um, days: ud });
        let ok = until > from;
        match parse(&src, "x.toml") {
            Ok(a) => {
                prop_assert!(ok, "accepted {from:?}..{until:?}");
                let kd = a.resolve_key_days(&a.history());
                prop_assert_eq!(kd.window(&a.obligations[0].window), (from, until));
            }
            Err(ds) => {
                prop_assert!(!ok, "rejected {from:?}..{until:?}: {ds}");
                prop_assert!(ds.has(DiagKind::WindowEndsBeforeStart));
                prop_assert_eq!(ds.0[0].loc.line, 22);
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn mutated_jcpoa_never_panics(at in 0usize..60_000, del in 0usize..40, ins in "[\\[\\]\"{}=,#\n a-z0-9.+-]{0,8}") {
        let src = mutate(verity_agreement::JCPOA_SOURCE, at, del, &ins);
        check(&src);
    }
}
