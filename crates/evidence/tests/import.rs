//! Importer tests: good inputs come back whole; each kind of bad input is rejected whole
//! with the file, line and column of the problem.

use verity_evidence::{Basis, Format, ImportError, Input, Scope, import, to_json};

const M_HEADER: &str =
    "date,party,metric,value,sigma,low,high,unit,basis,source,paragraph,report_date,via,note\n";
const E_HEADER: &str = "date,party,event,value,source,paragraph,via,note\n";
const K_HEADER: &str = "from,until,party,scope,source,paragraph,via,note\n";

fn csv(name: &str, text: &str) -> Result<verity_evidence::EvidenceSet, ImportError> {
    import(&[Input::new(name, text)])
}

/// The single diagnostic of a rejected input, as `line:col: field`.
fn where_(err: &ImportError) -> (usize, usize, Option<&str>) {
    let d = &err.diagnostics[0];
    (d.line, d.col, d.field.as_deref())
}

fn good_measurements() -> String {
    format!(
        "{M_HEADER}\
2019-05-20,Iran,enriched_uranium_stock,174.1,,,,kg_u,verified,GOV/2019/21,8,2019-05-31,,\n\
2019-07-01,Iran,enriched_uranium_stock,,,202.8,,kg_u,verified,GOV/INF/2019/8,2,2019-07-01,\"a ; b\",\"exceeded 300 kg UF6\"\n\
2016-05-09,Iran,enriched_uranium_stock,,,,300,kg_uf6,verified,GOV/2016/23,,2016-05-27,,paragraph not located\n\
2021-02-16,Iran,enriched_uranium_stock_20pct,17.6,0.5,,,kg_u,estimated,GOV/2021/10,7,2021-02-23,,\n"
    )
}

#[test]
fn good_csv_is_imported_whole_and_converted() {
    let set = csv("m.csv", &good_measurements()).expect("valid");
    assert_eq!(set.measurements.len(), 4);
    // Sorted by date.
    assert_eq!(set.measurements[0].date.to_string(), "2016-05-09");
    // 300 kg UF6 converted to kg U (÷ 1.4790), kept as an upper bound.
    let high = set.measurements[0].quantity.high.expect("bound");
    assert!((high - 202.84).abs() < 0.01, "{high}");
    assert_eq!(set.measurements[0].reported_unit.as_str(), "kg_uf6");
    assert_eq!(set.measurements[0].source.paragraph, None);
    let exceeded = &set.measurements[2];
    assert_eq!(exceeded.quantity.low, Some(202.8));
    assert_eq!(exceeded.quantity.value, None);
    assert_eq!(exceeded.source.via, ["a", "b"]);
    assert_eq!(exceeded.origin.line, 3);
    let est = &set.measurements[3];
    assert_eq!(est.basis, Basis::Estimated);
    assert_eq!(est.quantity.sigma, Some(0.5));
}

#[test]
fn events_and_knowledge() {
    let ev = format!(
        "{E_HEADER}2018-08-07,United States,sanctions_reimposed,,Executive Order 13846,1,,\n\
2021-01-04,Iran,enrichment_level_begun,20,GOV/INF/2021/1,2,,\n"
    );
    let kn = format!(
        "{K_HEADER}2021-02-23,,Iran,centrifuges_installed_total;heavy_water_stock,GOV/2021/39,3,,\n\
2025-06-13,2025-09-01,Iran,*,GOV/2025/50,4,,\n"
    );
    let set = import(&[Input::new("e.csv", &ev), Input::new("k.csv", &kn)]).expect("valid");
    assert_eq!(set.events.len(), 2);
    assert_eq!(set.events[1].value, Some(20.0));
    assert_eq!(set.knowledge.len(), 2);
    let open = &set.knowledge[0];
    assert_eq!(open.until, None);
    assert!(open.scope.covers("heavy_water_stock"));
    assert!(!open.scope.covers("enriched_uranium_stock"));
    let closed = &set.knowledge[1];
    assert_eq!(closed.scope, Scope::All);
    let d = |s: &str| s.parse().expect("date");
    assert!(closed.contains(d("2025-06-13")));
    assert!(closed.contains(d("2025-08-31")));
    assert!(!closed.contains(d("2025-09-01")));
}

#[test]
fn unknown_metric_is_located() {
    let text = format!(
        "{M_HEADER}2019-05-20,Iran,enriched_uranium,174.1,,,,kg_u,verified,GOV/2019/21,8,2019-05-31,,\n"
    );
    let err = csv("m.csv", &text).expect_err("unknown metric");
    assert_eq!(where_(&err), (2, 17, Some("metric")));
    assert!(
        err.to_string()
            .contains("m.csv:2:17: metric: unknown metric `enriched_uranium`")
    );
    assert!(err.to_string().ends_with("nothing was imported"));
}

#[test]
fn unknown_event_and_scope_are_located() {
    let text = format!("{E_HEADER}2018-08-07,United States,sanctions_back,,EO,1,,\n");
    let err = csv("e.csv", &text).expect_err("unknown event");
    assert_eq!(where_(&err), (2, 26, Some("event")));
    let text = format!("{K_HEADER}2021-02-23,,Iran,heavy_water_stock;rotors,GOV/2021/39,3,,\n");
    let err = csv("k.csv", &text).expect_err("unknown scope metric");
    assert_eq!(where_(&err), (2, 18, Some("scope")));
}

#[test]
fn wrong_unit_is_located() {
    // Heavy water is in tonnes; kg U is not convertible to it.
    let text = format!(
        "{M_HEADER}2019-05-26,Iran,heavy_water_stock,125.2,,,,kg_u,verified,GOV/2019/21,9,2019-05-31,,\n"
    );
    let err = csv("m.csv", &text).expect_err("unit mismatch");
    assert_eq!(where_(&err), (2, 44, Some("unit")));
    assert!(err.diagnostics[0].message.contains("stated in t, not kg_u"));
    let text = format!(
        "{M_HEADER}2019-05-26,Iran,heavy_water_stock,125.2,,,,tons,verified,GOV/2019/21,9,2019-05-31,,\n"
    );
    let err = csv("m.csv", &text).expect_err("unknown unit");
    assert_eq!(where_(&err), (2, 44, Some("unit")));
}

#[test]
fn bad_dates_are_located() {
    let text = format!(
        "{M_HEADER}2019-02-30,Iran,heavy_water_stock,125.2,,,,t,verified,GOV/2019/21,9,2019-05-31,,\n"
    );
    let err = csv("m.csv", &text).expect_err("no 30 February");
    assert_eq!(where_(&err), (2, 1, Some("date")));
    // Report issued before the date it describes.
    let text = format!(
        "{M_HEADER}2019-06-26,Iran,heavy_water_stock,125.2,,,,t,verified,GOV/2019/21,9,2019-05-31,,\n"
    );
    let err = csv("m.csv", &text).expect_err("report before date");
    assert_eq!(where_(&err), (2, 69, Some("report_date")));
    let text = format!("{K_HEADER}2021-02-23,2021-01-01,Iran,*,GOV/2021/39,3,,\n");
    let err = csv("k.csv", &text).expect_err("ends before it starts");
    assert_eq!(where_(&err), (2, 12, Some("until")));
}

#[test]
fn bad_numbers_and_ranges_are_located() {
    let row = |v: &str, s: &str| {
        format!(
            "{M_HEADER}2019-05-20,Iran,enriched_uranium_stock,{v},{s},,,kg_u,verified,GOV/2019/21,8,2019-05-31,,\n"
        )
    };
    let err = csv("m.csv", &row("\"1,020.9\"", "")).expect_err("thousands separator");
    assert_eq!(where_(&err), (2, 40, Some("value")));
    let err = csv("m.csv", &row("-3", "")).expect_err("negative mass");
    assert_eq!(where_(&err), (2, 40, Some("value")));
    let err = csv("m.csv", &row("174.1", "-1")).expect_err("negative sigma");
    assert_eq!(where_(&err), (2, 46, Some("sigma")));
    let err = csv("m.csv", &row("", "")).expect_err("no value at all");
    assert_eq!(where_(&err), (2, 40, Some("value")));
    let text = format!(
        "{M_HEADER}2019-05-20,Iran,max_enrichment_level,120,,,,pct_u235,verified,GOV/2019/21,8,2019-05-31,,\n"
    );
    let err = csv("m.csv", &text).expect_err("over 100 %");
    assert_eq!(where_(&err), (2, 38, Some("value")));
}

#[test]
fn missing_required_fields_and_bad_basis() {
    let text = format!(
        "{M_HEADER}2019-05-20,,enriched_uranium_stock,174.1,,,,kg_u,guessed,,8,2019-05-31,,\n"
    );
    let err = csv("m.csv", &text).expect_err("three problems");
    let fields: Vec<_> = err
        .diagnostics
        .iter()
        .map(|d| d.field.as_deref().unwrap_or(""))
        .collect();
    assert_eq!(fields, ["party", "basis", "source"]);
    assert_eq!(err.diagnostics[1].col, 50);
}

#[test]
fn duplicates_are_rejected_across_files() {
    let row = "2019-05-20,Iran,enriched_uranium_stock,174.1,,,,kg_u,verified,GOV/2019/21,8,2019-05-31,,\n";
    let a = format!("{M_HEADER}{row}");
    let b = format!("{M_HEADER}\n{row}");
    let err = import(&[Input::new("a.csv", &a), Input::new("b.csv", &b)]).expect_err("duplicate");
    assert_eq!(err.diagnostics.len(), 1);
    let d = &err.diagnostics[0];
    assert_eq!((d.file.as_str(), d.line), ("b.csv", 3));
    assert!(
        d.message.contains("already given at a.csv:2"),
        "{}",
        d.message
    );
}

#[test]
fn one_bad_file_rejects_every_file() {
    let good = good_measurements();
    let bad = format!("{E_HEADER}2018-08-07,United States,sanctions_back,,EO,1,,\n");
    let err = import(&[Input::new("good.csv", &good), Input::new("bad.csv", &bad)])
        .expect_err("all or nothing");
    assert_eq!(err.diagnostics.len(), 1);
    assert_eq!(err.diagnostics[0].file, "bad.csv");
}

#[test]
fn structural_errors_are_located() {
    let err = csv("x.csv", "date,party,metric,value\n").expect_err("bad header");
    assert_eq!(where_(&err), (1, 24, None));
    assert!(
        err.diagnostics[0]
            .message
            .contains("expected exactly `date,party,metric,value,sigma")
    );
    let text = format!("{E_HEADER}2018-08-07,United States,withdrawal,,EO,1,\n");
    let err = csv("e.csv", &text).expect_err("missing field");
    assert_eq!(where_(&err), (2, 43, None));
    let text = format!("{E_HEADER}2018-08-07,United States,withdrawal,,\"EO,1,,\n");
    let err = csv("e.csv", &text).expect_err("unclosed quote");
    assert_eq!(where_(&err).0, 2);
    let err = csv("e.csv", "").expect_err("empty");
    assert_eq!(where_(&err), (1, 1, None));
}

#[test]
fn json_round_trip_and_located_errors() {
    let set = csv("m.csv", &good_measurements()).expect("valid");
    let text = serde_json::to_string_pretty(&to_json(&set)).expect("json");
    let back = import(&[Input::new("m.json", &text)]).expect("re-import");
    assert_eq!(back.measurements.len(), set.measurements.len());
    for (a, b) in back.measurements.iter().zip(&set.measurements) {
        assert_eq!(
            (a.date, a.metric.id, a.basis),
            (b.date, b.metric.id, b.basis)
        );
        assert_eq!(a.source.via, b.source.via);
        let (qa, qb) = (a.quantity, b.quantity);
        for (x, y) in [(qa.value, qb.value), (qa.high, qb.high), (qa.low, qb.low)] {
            assert!(
                x.zip(y).is_none_or(|(x, y)| (x - y).abs() < 1e-9) && x.is_some() == y.is_some()
            );
        }
    }

    let bad = "{\n  \"events\": [\n    {\"date\": \"2018-08-07\", \"party\": \"United States\",\n     \"event\": \"sanctions_back\", \"source\": \"EO\"}\n  ]\n}\n";
    let err = import(&[Input::new("e.json", bad)]).expect_err("unknown event");
    assert_eq!(where_(&err), (4, 15, Some("event")));
    let err = import(&[Input::new("e.json", "{\"events\": [ {]}")]).expect_err("syntax");
    assert_eq!(where_(&err).0, 1);
    // A truncated file: the error is at the start of the line after the last newline,
    // which is column 1 (columns count from 1), not 0.
    let err = import(&[Input::new("e.json", "{\"events\": [\n")]).expect_err("truncated");
    assert_eq!(where_(&err), (2, 1, None));
    assert!(err.to_string().contains("e.json:2:1:"), "{err}");
    let err = import(&[Input::new("e.json", "{\"evnts\": []}")]).expect_err("unknown key");
    assert_eq!(where_(&err), (1, 11, Some("evnts")));
    let err = import(&[Input::new(
        "e.json",
        "{\"events\": [{\"date\": \"2018-08-07\", \"party\": \"US\", \"event\": \"withdrawal\", \"source\": \"x\", \"colour\": 1}]}",
    )])
    .expect_err("unknown field");
    assert_eq!(where_(&err).2, Some("colour"));
}

#[test]
fn format_detection() {
    assert_eq!(Format::detect("a.JSON", ""), Format::Json);
    assert_eq!(Format::detect("a.txt", "  {\"events\":[]}"), Format::Json);
    assert_eq!(Format::detect("a.csv", "date,party"), Format::Csv);
}

mod provenance_and_hostile_input {
    use verity_evidence::{Input, import};

    fn errors(name: &str, text: &str) -> String {
        import(&[Input::new(name, text)])
            .expect_err("must be rejected")
            .to_string()
    }

    #[test]
    fn a_duplicate_json_key_is_a_located_error_not_a_silent_overwrite() {
        let text = "{\"measurements\": [{\"date\": \"2019-08-19\", \"party\": \"Iran\", \"metric\": \"enriched_uranium_stock\", \"value\": 241.6, \"unit\": \"kg_u\", \"basis\": \"verified\", \"source\": \"GOV/2019/32\", \"report_date\": \"2019-08-30\"}],\n \"measurements\": []}";
        let e = errors("dup.json", text);
        assert!(
            e.contains("dup.json:2:18: measurements: duplicate key"),
            "{e}"
        );
        let text = "{\"measurements\": [{\"date\": \"2019-08-19\", \"party\": \"Iran\", \"party\": \"US\", \"metric\": \"enriched_uranium_stock\", \"value\": 241.6, \"unit\": \"kg_u\", \"basis\": \"verified\", \"source\": \"GOV/2019/32\", \"report_date\": \"2019-08-30\"}]}";
        let e = errors("dup.json", text);
        assert!(
            e.contains("party: duplicate key: already given at 1:"),
            "{e}"
        );
    }

    #[test]
    fn not_reported_rows_carry_no_figure() {
        let csv = "date,party,metric,value,sigma,low,high,unit,basis,source,paragraph,report_date,grade,via,note\n2024-02-10,Iran,heavy_water_stock,1,,,,t,not_reported,GOV/2024/7,,2024-02-26,,,\n";
        let e = errors("m.csv", csv);
        assert!(e.contains("m.csv:2:35: value: a `not_reported` row"), "{e}");
        let ok = "date,party,metric,value,sigma,low,high,unit,basis,source,paragraph,report_date,grade,via,note\n2024-02-10,Iran,heavy_water_stock,,,,,t,not_reported,GOV/2024/7,,2024-02-26,,,not in GOV/2024/7\n";
        let set = import(&[Input::new("m.csv", ok)]).expect("valid");
        assert_eq!(set.figures().count(), 0);
        assert_eq!(set.measurements.len(), 1);
    }

    #[test]
    fn grades_and_report_ids_are_checked() {
        let csv = "date,party,metric,value,sigma,low,high,unit,basis,source,paragraph,report_date,grade,via,note\n2024-02-10,Iran,heavy_water_stock,1,,,,t,verified,GOV/2024/7,,2024-02-26,hearsay,,\n";
        let e = errors("m.csv", csv);
        assert!(e.contains("grade: unknown grade `hearsay`"), "{e}");
        let reports = "id,date,kind,title,id_confirmed,id_via,note\nGOV/2023/8,2023-02-28,quarterly,,false,,\n";
        let e = errors("r.csv", reports);
        assert!(
            e.contains("r.csv:2:1: id: `GOV/2023/8` is not confirmed"),
            "{e}"
        );
        let reports = "id,date,kind,title,id_confirmed,id_via,note\nGOV/2024/7,2024-02-26,quarterly,,true,,\n";
        let e = errors("r.csv", reports);
        assert!(
            e.contains("id_via: a confirmed id names where it was seen"),
            "{e}"
        );
    }
}

#[test]
fn an_inclusive_lower_bound_is_read_kept_and_written_back() {
    let text = format!(
        "{M_HEADER}2020-11-14,Iran,centrifuges_ir1_installed_natanz_fep,,,>=5060,,count,verified,GOV/2020/51,,2020-11-17,,at least\n\
2020-11-15,Iran,centrifuges_ir1_installed_natanz_fep,,,≥5061,,count,verified,GOV/2020/51,,2020-11-17,,at least\n\
2020-11-16,Iran,centrifuges_ir1_installed_natanz_fep,,,>5062,,count,verified,GOV/2020/51,,2020-11-17,,more than\n"
    );
    let set = csv("m.csv", &text).expect("valid");
    let q: Vec<_> = set.measurements.iter().map(|m| m.quantity).collect();
    assert!(q[0].low_inclusive && q[1].low_inclusive && !q[2].low_inclusive);
    assert_eq!(q[1].low, Some(5061.0));
    assert_eq!(q[0].to_string(), "≥ 5060");
    assert_eq!(q[2].to_string(), "> 5062");
    // The JSON export writes the bound so that it imports as the same bound.
    let json = serde_json::to_string(&to_json(&set)).expect("json");
    let back = import(&[Input::new("set.json", &json)]).expect("re-import");
    assert_eq!(
        back.measurements
            .iter()
            .map(|m| m.quantity)
            .collect::<Vec<_>>(),
        q
    );
    // A bound in words is refused, naming the field.
    let bad = format!(
        "{M_HEADER}2020-11-14,Iran,centrifuges_ir1_installed_natanz_fep,,,at least 5060,,count,verified,GOV/2020/51,,2020-11-17,,\n"
    );
    let err = csv("bad.csv", &bad).expect_err("refused");
    assert_eq!(where_(&err).2, Some("low"));
    assert!(err.to_string().contains(">=5060"), "{err}");
}
