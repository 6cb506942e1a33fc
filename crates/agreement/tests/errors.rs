//! Every class of bad input is a located diagnostic (file:line:col) naming what was
//! expected, and parsing is all-or-nothing.

use verity_agreement::{DiagKind, Diagnostic, Loc, parse};

/// A small valid agreement; tests replace one line (1-based) or append text.
const BASE: &str = r#"[agreement]
id = "demo"
title = "Demo agreement"

[[party]]
id = "a"
name = "Party A"

[[key_day]]
id = "start"
name = "Start"
when = 2020-01-01

[[obligation]]
id = "a.level"
party = "a"
cite = { document = "Demo", paragraph = "1" }
text = "Keep enrichment low."
kind = "limit"
metric = "max_enrichment_level"
op = "<="
limit = 5
unit = "pct_u235"
from = "start"
until = "start + 1 year"
"#;

fn replace_line(n: usize, with: &str) -> String {
    BASE.lines()
        .enumerate()
        .map(|(i, l)| if i + 1 == n { with } else { l })
        .collect::<Vec<_>>()
        .join("\n")
}

fn diags(src: &str) -> Vec<Diagnostic> {
    match parse(src, "demo.toml") {
        Ok(_) => panic!("accepted invalid input:\n{src}"),
        Err(d) => d.0,
    }
}

/// Exactly one diagnostic, of this kind, at this place, mentioning `needle`.
fn one(src: &str, kind: DiagKind, line: usize, col: usize, needle: &str) -> Diagnostic {
    let ds = diags(src);
    assert_eq!(ds.len(), 1, "{ds:#?}");
    let d = ds.into_iter().next().expect("one diagnostic");
    assert_eq!(d.kind, kind, "{d}");
    assert_eq!(d.loc, Loc { line, col }, "{d}");
    assert!(
        d.message.contains(needle),
        "{d} does not mention {needle:?}"
    );
    assert_eq!(d.file, "demo.toml");
    d
}

#[test]
fn base_is_valid() {
    let a = parse(BASE, "demo.toml").expect("valid");
    assert_eq!(a.obligations.len(), 1);
}

#[test]
fn unknown_metric() {
    let d = one(
        &replace_line(20, r#"metric = "enrichment_lvl""#),
        DiagKind::UnknownMetric,
        20,
        10,
        "unknown metric `enrichment_lvl`",
    );
    assert_eq!(
        d.to_string(),
        "demo.toml:20:10: error: unknown metric `enrichment_lvl` (see docs/vocabulary.md for the list)"
    );
}

#[test]
fn unit_mismatch() {
    one(
        &replace_line(23, r#"unit = "kg_u""#),
        DiagKind::UnitMismatch,
        23,
        8,
        "measured in pct_u235, but the limit is stated in kg_u",
    );
    // kg UF6 → kg U is a defined conversion, so a stock limit in kg_uf6 is fine …
    let ok = replace_line(20, r#"metric = "enriched_uranium_stock""#);
    let ok = ok.replace(r#"unit = "pct_u235""#, r#"unit = "kg_uf6""#);
    assert!(parse(&ok, "demo.toml").is_ok());
    // … but an unknown unit spelling is its own error.
    one(
        &replace_line(23, r#"unit = "percent""#),
        DiagKind::UnknownUnit,
        23,
        8,
        "unknown unit `percent`",
    );
}

#[test]
fn key_day_cycle() {
    let src = format!(
        "{BASE}\n[[key_day]]\nid = \"b\"\nname = \"B\"\nwhen = \"c + 1 day\"\n\n[[key_day]]\nid = \"c\"\nname = \"C\"\nwhen = {{ latest_of = [\"start\", \"b\"] }}\n"
    );
    let ds = diags(&src);
    assert_eq!(ds.len(), 1, "{ds:#?}");
    assert_eq!(ds[0].kind, DiagKind::KeyDayCycle);
    assert_eq!(ds[0].loc.line, 27, "{}", ds[0]);
    assert!(ds[0].message.contains("b → c → b"), "{}", ds[0]);
    // A day defined by itself.
    one(
        &replace_line(12, r#"when = "start + 1 day""#),
        DiagKind::KeyDayCycle,
        9,
        1,
        "start → start",
    );
}

#[test]
fn window_that_ends_before_it_starts() {
    one(
        &replace_line(25, r#"until = "2019-12-31""#),
        DiagKind::WindowEndsBeforeStart,
        25,
        9,
        "until 2019-12-31 is not after from 2020-01-01",
    );
    // An empty window (end = start) is rejected too.
    one(
        &replace_line(25, r#"until = "start""#),
        DiagKind::WindowEndsBeforeStart,
        25,
        9,
        "ends before it starts",
    );
    // Caught symbolically when both ends count from an event not yet recorded.
    let src = BASE
        .replace(
            r#"from = "start""#,
            r#"from = { event = "broader_conclusion", plus = "2 years" }"#,
        )
        .replace(
            r#"until = "start + 1 year""#,
            r#"until = { event = "broader_conclusion", plus = "1 year 11 months" }"#,
        );
    one(&src, DiagKind::WindowEndsBeforeStart, 25, 9, "a.level");
}

#[test]
fn duplicate_ids() {
    let ob = &BASE[BASE.find("[[obligation]]").expect("obligation")..];
    let src = format!("{BASE}\n{ob}");
    one(
        &src,
        DiagKind::DuplicateId,
        28,
        6,
        "duplicate obligation id `a.level` (first declared at line 15)",
    );
    let src = format!("{BASE}\n[[party]]\nid = \"a\"\nname = \"Again\"\n");
    one(&src, DiagKind::DuplicateId, 28, 6, "duplicate party id `a`");
}

#[test]
fn syntax_error() {
    let d = one(
        &replace_line(22, "limit = 5 5"),
        DiagKind::Syntax,
        22,
        9,
        "invalid TOML",
    );
    assert!(
        d.to_string()
            .starts_with("demo.toml:22:9: error: invalid TOML")
    );
    let d = one(
        &replace_line(18, r#"text = "unterminated"#),
        DiagKind::Syntax,
        18,
        21,
        "expected `\"`",
    );
    assert_eq!(d.loc.line, 18);
}

#[test]
fn references_to_undeclared_things() {
    one(
        &replace_line(16, r#"party = "b""#),
        DiagKind::UnknownParty,
        16,
        9,
        "unknown party `b`; expected one declared in a [[party]] table: a",
    );
    one(
        &replace_line(24, r#"from = "begin""#),
        DiagKind::UnknownKeyDay,
        24,
        8,
        "unknown key day `begin`",
    );
    one(
        &replace_line(12, r#"when = { event = "iaea_inspection" }"#),
        DiagKind::UnknownEvent,
        12,
        18,
        "unknown event `iaea_inspection`",
    );
}

#[test]
fn misspelt_and_missing_fields() {
    one(
        &replace_line(25, r#"untill = "start + 1 year""#),
        DiagKind::UnknownField,
        25,
        1,
        "unknown field `untill` in obligation `a.level`; expected one of: id, party, cite, text, kind, note, from, until, metric, op, limit, unit",
    );
    one(
        &replace_line(17, ""),
        DiagKind::MissingField,
        14,
        1,
        "obligation `a.level` has no `cite`",
    );
    // A prohibition takes an event, not a metric.
    let src = replace_line(19, r#"kind = "prohibition""#);
    let ds = diags(&src);
    assert!(
        ds.iter()
            .any(|d| d.kind == DiagKind::MissingField && d.message.contains("has no `event`"))
    );
    assert!(
        ds.iter()
            .any(|d| d.kind == DiagKind::UnknownField && d.loc == Loc { line: 20, col: 1 })
    );
}

#[test]
fn bad_values() {
    one(
        &replace_line(25, r#"until = "start + 1 fortnight""#),
        DiagKind::BadValue,
        25,
        9,
        "bad duration `1 fortnight`",
    );
    one(
        &replace_line(12, "when = \"2020-13-01\""),
        DiagKind::BadValue,
        12,
        8,
        "2020-13-01: month 13 does not exist",
    );
    one(
        &replace_line(21, r#"op = "=<""#),
        DiagKind::BadValue,
        21,
        6,
        "unknown comparator `=<`",
    );
    one(
        &replace_line(22, r#"limit = "five""#),
        DiagKind::BadValue,
        22,
        9,
        "`limit` must be a number, found a string",
    );
    one(
        &replace_line(22, "limit = nan"),
        DiagKind::BadValue,
        22,
        9,
        "finite",
    );
}

#[test]
fn group_cycle() {
    let src = format!(
        "{BASE}\n[[party]]\nid = \"g\"\nname = \"G\"\nmembers = [\"a\", \"h\"]\n\n[[party]]\nid = \"h\"\nname = \"H\"\nmembers = [\"g\"]\n"
    );
    let ds = diags(&src);
    assert_eq!(ds.len(), 2, "{ds:#?}");
    assert!(ds.iter().all(|d| d.kind == DiagKind::GroupCycle));
    assert_eq!(ds[0].loc, Loc { line: 27, col: 1 });
}

#[test]
fn every_problem_is_reported_in_file_order() {
    let src = replace_line(20, r#"metric = "nope""#);
    let src = src.replace(r#"party = "a""#, r#"party = "zz""#);
    let src = src.replace(r#"id = "start""#, r#"id = "Start""#);
    let ds = diags(&src);
    let kinds: Vec<DiagKind> = ds.iter().map(|d| d.kind).collect();
    assert_eq!(
        kinds,
        [
            DiagKind::BadValue,
            DiagKind::UnknownParty,
            DiagKind::UnknownMetric,
            DiagKind::UnknownKeyDay,
            DiagKind::UnknownKeyDay,
        ],
        "{ds:#?}"
    );
    let lines: Vec<usize> = ds.iter().map(|d| d.loc.line).collect();
    assert_eq!(lines, [10, 16, 20, 24, 25]);
}

#[test]
fn columns_count_characters_not_bytes() {
    // "é" is two bytes in UTF-8; the column after it is still 12.
    let src = replace_line(18, "text = \"é\"\nbogus = 1");
    one(&src, DiagKind::UnknownField, 19, 1, "unknown field `bogus`");
    let src = replace_line(20, "metric = \"é\" ; x");
    let d = &diags(&src)[0];
    assert_eq!(d.kind, DiagKind::Syntax);
    assert_eq!(d.loc, Loc { line: 20, col: 14 }, "{d}");
}

/// A reading appended to BASE (line 30 onward); `status` and `obligations` vary.
fn with_reading(obligations: &str, status: &str, extra: &str) -> String {
    format!(
        "{BASE}\n[[reading]]\nid = \"a.view\"\nparty = \"a\"\nobligations = {obligations}\nfrom = \"start\"\nstatus = \"{status}\"\nground = \"justification\"\nposition = \"A holds it lawful.\"\nsource = \"Note of A\"\n{extra}"
    )
}

#[test]
fn a_reading_parses_and_its_errors_are_located() {
    let a = parse(&with_reading("[\"a.*\"]", "remedial", ""), "demo.toml").expect("valid");
    assert_eq!(a.readings.len(), 1);
    let r = &a.readings[0];
    assert!(r.covers("a.level") && !r.covers("b.level"));
    assert_eq!(r.status.as_str(), "remedial");
    assert_eq!(r.ground.as_str(), "justification");
    let line = BASE.lines().count() + 3;
    // Each diagnostic names the field and what it expects.
    one(
        &with_reading("[\"a.levels\"]", "remedial", ""),
        DiagKind::BadValue,
        line + 2,
        16,
        "matches no obligation",
    );
    one(
        &with_reading("[\"a.level\"]", "excused", ""),
        DiagKind::BadValue,
        line + 4,
        10,
        "expected one of compliant, breach, remedial",
    );
    one(
        &with_reading("[\"a.level\"]", "breach", "when = [\"lawful\"]\n"),
        DiagKind::BadValue,
        line + 8,
        9,
        "unknown finding `lawful`",
    );
    one(
        &with_reading("[\"a.level\"]", "breach", "verdict = 1\n"),
        DiagKind::UnknownField,
        line + 8,
        1,
        "unknown field `verdict` in reading `a.view`",
    );
}
