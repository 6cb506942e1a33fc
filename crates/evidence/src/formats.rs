//! Reading CSV and JSON text into located rows, and writing an evidence set back out in
//! the JSON import format.

use std::collections::HashMap;

use serde_json::value::RawValue;
use serde_json::{Value, json};

use crate::csv;
use crate::import::{Cell, Diags, Kind, NUMERIC_FIELDS, Row};
use crate::model::EvidenceSet;

/// Splits one CSV file into rows; the header row says which kind of record it holds.
pub(crate) fn csv_rows(file: &str, text: &str, diags: &mut Diags) -> Vec<Row> {
    let records = match csv::parse(text) {
        Ok(r) => r,
        Err(e) => {
            diags.push(file, e.line, e.col, None, e.message);
            return Vec::new();
        }
    };
    let Some((header, body)) = records.split_first() else {
        diags.push(
            file,
            1,
            1,
            None,
            "empty file (expected a header row)".into(),
        );
        return Vec::new();
    };
    let names: Vec<&str> = header.fields.iter().map(|f| f.text.trim()).collect();
    let kind = Kind::ALL.into_iter().find_map(|k| {
        if k.columns() == names.as_slice() {
            Some((k, k.columns()))
        } else {
            k.legacy_columns()
                .filter(|c| *c == names.as_slice())
                .map(|c| (k, c))
        }
    });
    let Some((kind, cols)) = kind else {
        // Point at the first column that differs from the closest expected header.
        let expected = Kind::ALL
            .into_iter()
            .max_by_key(|k| {
                k.columns()
                    .iter()
                    .zip(&names)
                    .take_while(|(a, b)| a == b)
                    .count()
            })
            .unwrap_or(Kind::Measurements);
        let i = expected
            .columns()
            .iter()
            .zip(&names)
            .take_while(|(a, b)| a == b)
            .count();
        let col = header.fields.get(i).map_or_else(
            || {
                header
                    .fields
                    .last()
                    .map_or(1, |f| f.col + f.text.chars().count())
            },
            |f| f.col,
        );
        diags.push(
            file,
            header.line,
            col,
            None,
            format!(
                "unexpected header: expected exactly `{}` (a {} file; see docs/evidence-format.md)",
                expected.columns().join(","),
                expected.name()
            ),
        );
        return Vec::new();
    };
    let mut rows = Vec::with_capacity(body.len());
    for rec in body {
        if rec.fields.len() != cols.len() {
            let (line, col) = match rec.fields.get(cols.len()) {
                Some(f) => (f.line, f.col),
                None => rec
                    .fields
                    .last()
                    .map_or((rec.line, 1), |f| (f.line, f.col + f.text.chars().count())),
            };
            diags.push(
                file,
                line,
                col,
                None,
                format!(
                    "{} fields, expected {} ({})",
                    rec.fields.len(),
                    cols.len(),
                    cols.join(",")
                ),
            );
            continue;
        }
        let cells = cols
            .iter()
            .zip(&rec.fields)
            .map(|(name, f)| {
                (
                    *name,
                    Cell {
                        text: Some(f.text.clone()).filter(|t| !t.is_empty()),
                        line: f.line,
                        col: f.col,
                        bad: false,
                    },
                )
            })
            .collect();
        rows.push(Row {
            kind,
            line: rec.line,
            col: 1,
            cells,
        });
    }
    rows
}

/// 1-based line and column (in characters) of a byte offset.
fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    (line, before[line_start..].chars().count() + 1)
}

/// Byte offset of a raw JSON value inside the text it was borrowed from.
fn offset_in(text: &str, raw: &RawValue) -> usize {
    (raw.get().as_ptr() as usize).saturating_sub(text.as_ptr() as usize)
}

/// Splits one JSON document `{"measurements":[…], "events":[…], "knowledge":[…]}` into
/// rows (every key optional).
/// The members of a JSON object in document order, duplicates kept (serde's maps would
/// keep only the last, silently dropping what came before).
struct Members<'a>(Vec<(String, &'a RawValue)>);

impl<'de> serde::Deserialize<'de> for Members<'de> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = Members<'de>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("an object")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<Members<'de>, A::Error> {
                let mut out = Vec::new();
                while let Some((k, v)) = map.next_entry::<String, &'de RawValue>()? {
                    out.push((k, v));
                }
                Ok(Members(out))
            }
        }
        d.deserialize_map(V)
    }
}

/// Reports every key given twice in one object, at the second occurrence.
fn report_duplicate_keys(
    file: &str,
    text: &str,
    members: &[(String, &RawValue)],
    diags: &mut Diags,
) {
    let mut seen: HashMap<&str, (usize, usize)> = HashMap::new();
    for (key, raw) in members {
        let (line, col) = line_col(text, offset_in(text, raw));
        if let Some((l, c)) = seen.get(key.as_str()) {
            diags.push(
                file,
                line,
                col,
                Some(key),
                format!(
                    "duplicate key: already given at {l}:{c} (a JSON object names each key once)"
                ),
            );
        } else {
            seen.insert(key, (line, col));
        }
    }
}

pub(crate) fn json_rows(file: &str, text: &str, diags: &mut Diags) -> Vec<Row> {
    let top: Members<'_> = match serde_json::from_str(text) {
        Ok(t) => t,
        Err(e) => {
            diags.push(
                file,
                e.line(),
                // serde_json puts an error just after a newline (a truncated file) at
                // column 0; our columns count from 1.
                e.column().max(1),
                None,
                format!(
                    "{e} (expected an object with `measurements`, `events` and `knowledge` arrays)"
                ),
            );
            return Vec::new();
        }
    };
    let mut rows = Vec::new();
    report_duplicate_keys(file, text, &top.0, diags);
    for (key, raw) in &top.0 {
        let (line, col) = line_col(text, offset_in(text, raw));
        let Some(kind) = Kind::ALL.into_iter().find(|k| k.name() == key) else {
            diags.push(
                file,
                line,
                col,
                Some(key),
                "unknown key (expected measurements, events, knowledge, reports or disagreements)"
                    .into(),
            );
            continue;
        };
        let items: Vec<&RawValue> = match serde_json::from_str(raw.get()) {
            Ok(v) => v,
            Err(_) => {
                diags.push(
                    file,
                    line,
                    col,
                    Some(key),
                    "expected an array of objects".into(),
                );
                continue;
            }
        };
        for item in items {
            let (line, col) = line_col(text, offset_in(text, item));
            let obj: Members<'_> = match serde_json::from_str(item.get()) {
                Ok(o) => o,
                Err(_) => {
                    diags.push(file, line, col, Some(key), "expected an object".into());
                    continue;
                }
            };
            report_duplicate_keys(file, text, &obj.0, diags);
            let mut cells = HashMap::new();
            for (name, v) in &obj.0 {
                let (vl, vc) = line_col(text, offset_in(text, v));
                let Some(&column) = kind.columns().iter().find(|c| **c == name.as_str()) else {
                    diags.push(
                        file,
                        vl,
                        vc,
                        Some(name),
                        format!(
                            "unknown field (expected one of {})",
                            kind.columns().join(", ")
                        ),
                    );
                    continue;
                };
                let value: Value = serde_json::from_str(v.get()).unwrap_or(Value::Null);
                let numeric = NUMERIC_FIELDS.contains(&column);
                let text = match value {
                    Value::Null => Ok(None),
                    Value::String(s) => Ok(Some(s)),
                    // The number as written: serde_json's own float parsing is not always
                    // correctly rounded; Rust's `f64` parse of the text is.
                    Value::Number(_) if numeric => Ok(Some(v.get().trim().to_owned())),
                    Value::Bool(b) if column == "id_confirmed" => Ok(Some(b.to_string())),
                    Value::Array(a)
                        if (column == "via" || column == "id_via")
                            && a.iter().all(Value::is_string) =>
                    {
                        Ok(Some(
                            a.iter()
                                .filter_map(Value::as_str)
                                .collect::<Vec<_>>()
                                .join(" ; "),
                        ))
                    }
                    other => Err(format!(
                        "expected {}, got {}",
                        match column {
                            _ if numeric => "a number, a string or null",
                            "id_confirmed" => "true, false or null",
                            "via" | "id_via" => "a string, an array of strings or null",
                            _ => "a string or null",
                        },
                        json_type(&other)
                    )),
                };
                let (text, bad) = match text {
                    Ok(t) => (t, false),
                    Err(msg) => {
                        diags.push(file, vl, vc, Some(name), msg);
                        (None, true)
                    }
                };
                cells.insert(
                    column,
                    Cell {
                        text,
                        line: vl,
                        col: vc,
                        bad,
                    },
                );
            }
            rows.push(Row {
                kind,
                line,
                col,
                cells,
            });
        }
    }
    rows
}

/// A JSON value's type, as an error names it.
fn json_type(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

fn opt_str(s: &Option<String>) -> Value {
    s.as_ref().map_or(Value::Null, |s| Value::String(s.clone()))
}

/// `low` as the import format writes it: a number ("more than"), or `">=N"` ("at
/// least").
fn low_json(q: &crate::Quantity) -> Value {
    match q.low {
        Some(l) if q.low_inclusive => Value::String(format!(">={l}")),
        Some(l) => json!(l),
        None => Value::Null,
    }
}

/// The evidence set in the JSON import format (re-importing it gives the same set).
pub fn to_json(set: &EvidenceSet) -> Value {
    let measurements: Vec<Value> = set
        .measurements
        .iter()
        .map(|m| {
            json!({
                "date": m.date.to_string(),
                "party": m.party,
                "metric": m.metric.id,
                "value": m.quantity.value,
                "sigma": m.quantity.sigma,
                "low": low_json(&m.quantity),
                "high": m.quantity.high,
                "unit": m.metric.unit.as_str(),
                "basis": m.basis.as_str(),
                "grade": m.grade.map(|g| g.as_str()),
                "source": m.source.report,
                "paragraph": opt_str(&m.source.paragraph),
                "report_date": m.source.report_date.map(|d| d.to_string()),
                "via": m.source.via,
                "note": m.note,
            })
        })
        .collect();
    let events: Vec<Value> = set
        .events
        .iter()
        .map(|e| {
            json!({
                "date": e.date.to_string(),
                "party": e.party,
                "event": e.event.id,
                "value": e.value,
                "source": e.source.report,
                "paragraph": opt_str(&e.source.paragraph),
                "via": e.source.via,
                "note": e.note,
            })
        })
        .collect();
    let knowledge: Vec<Value> = set
        .knowledge
        .iter()
        .map(|g| {
            json!({
                "from": g.from.to_string(),
                "until": g.until.map(|d| d.to_string()),
                "party": g.party,
                "scope": g.scope.to_string(),
                "source": g.source.report,
                "paragraph": opt_str(&g.source.paragraph),
                "via": g.source.via,
                "note": g.note,
            })
        })
        .collect();
    let reports: Vec<Value> = set
        .reports
        .iter()
        .map(|r| {
            json!({
                "id": r.id,
                "date": r.date.to_string(),
                "kind": r.kind.as_str(),
                "title": r.title,
                "id_confirmed": r.id_confirmed,
                "id_via": r.id_via,
                "note": r.note,
            })
        })
        .collect();
    let disagreements: Vec<Value> = set
        .disagreements
        .iter()
        .map(|d| {
            json!({
                "date": d.date.to_string(),
                "party": d.party,
                "metric": d.metric.id,
                "source": d.report,
                "value": d.quantity.value,
                "low": low_json(&d.quantity),
                "high": d.quantity.high,
                "unit": d.metric.unit.as_str(),
                "grade": d.grade.map(|g| g.as_str()),
                "via": d.via,
                "note": d.note,
            })
        })
        .collect();
    json!({
        "measurements": measurements,
        "events": events,
        "knowledge": knowledge,
        "reports": reports,
        "disagreements": disagreements,
    })
}
