//! Cross-checks inside a record: the figures of one report agree with each other and
//! with the neighbouring reports. The importer checks each row on its own; this checks
//! rows against rows, and names every row involved (`file:line`).
//!
//! Every check and its tolerance is documented in `docs/evidence-format.md`.

use std::collections::BTreeMap;

use serde::Serialize;
use verity_vocab::{CentrifugeKey, Counted, Date, MachineState, MachineType};

use crate::model::{Basis, EvidenceSet, Grade, Measurement, Origin, fmt_num};

/// One inconsistency, with every row it involves.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Problem {
    /// A stable id of the check (`levels_sum`, `uf6_ratio`, …).
    pub kind: &'static str,
    /// `file:line` of each row involved.
    pub rows: Vec<String>,
    pub message: String,
}

/// The outcome of [`check`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CheckReport {
    /// How many records were checked.
    pub checked: usize,
    pub problems: Vec<Problem>,
}

/// Figures are stated to 0.1 kg; a sum of `n` rounded figures may be off by half a unit
/// of each, and the total by half a unit of its own.
const ROUNDING_KG: f64 = 0.05;

/// The fastest change of the total stock that the reports' own production rates allow,
/// in kg U per day. The largest quarterly growth in the record is about 1,690 kg in
/// 98 days (GOV/2025/8 over the report of November 2024, ~17 kg/day); a figure that
/// moves faster than about twice that is a misread or a misdated row.
const MAX_TOTAL_KG_PER_DAY: f64 = 35.0;
/// Likewise for the 60 % stock: the Agency reported in December 2024 that Fordow alone
/// could produce more than 34 kg a month, and the record's fastest growth is ~1.5 kg/day
/// (February–May 2025).
const MAX_60PCT_KG_PER_DAY: f64 = 3.0;
/// Likewise for the 20 % stock (fastest growth in the record ~2.3 kg/day, 2021–2022).
const MAX_20PCT_KG_PER_DAY: f64 = 6.0;

/// Molar mass of fluorine (g/mol), for the UF6/U mass ratio.
const M_F: f64 = 18.998_403;

/// kg UF6 per kg U for uranium of `pct` % U-235 (U-234 and U-236 neglected: they move
/// the ratio by less than 1e-4).
pub fn uf6_per_u(pct: f64) -> f64 {
    let x = pct / 100.0;
    let m_u = 1.0 / (x / 235.043_93 + (1.0 - x) / 238.050_79);
    (m_u + 6.0 * M_F) / m_u
}

fn at(o: &Origin) -> String {
    format!("{}:{}", o.file, o.line)
}

/// The lower and upper assay (%) of each stock band.
fn band_assays(id: &str) -> Option<(f64, f64)> {
    Some(match id {
        "enriched_uranium_stock_le_2pct" => (0.711, 2.0),
        "enriched_uranium_stock_2_5pct" => (2.0, 5.0),
        "enriched_uranium_stock_le_5pct" => (0.711, 5.0),
        "enriched_uranium_stock_20pct" => (5.0, 20.0),
        "enriched_uranium_stock_60pct" => (20.0, 60.0),
        _ => return None,
    })
}

/// Runs every cross-check over the set.
pub fn check(set: &EvidenceSet) -> CheckReport {
    let mut problems = Vec::new();
    // The figures of one report about one party on one date.
    let mut groups: BTreeMap<(&str, &str, Date), Vec<&Measurement>> = BTreeMap::new();
    for m in set.figures() {
        groups
            .entry((m.party.as_str(), m.source.report.as_str(), m.date))
            .or_default()
            .push(m);
    }
    for ms in groups.values() {
        stock_bands(ms, &mut problems);
        uf6_ratio(ms, &mut problems);
        centrifuges(ms, &mut problems);
        level_and_bands(ms, &mut problems);
    }
    stock_changes(set, &mut problems);
    provenance(set, &mut problems);
    problems.sort_by(|a, b| a.rows.cmp(&b.rows).then(a.kind.cmp(b.kind)));
    CheckReport {
        checked: set.len(),
        problems,
    }
}

fn value_of<'a>(ms: &[&'a Measurement], id: &str) -> Option<(&'a Measurement, f64)> {
    ms.iter()
        .find(|m| m.metric.id == id)
        .and_then(|m| m.quantity.value.map(|v| (*m, v)))
}

/// Parts add up to their whole within the rounding of every figure in the sum.
fn sum_check(
    kind: &'static str,
    whole: (&Measurement, f64),
    parts: &[(&Measurement, f64)],
    what: &str,
    problems: &mut Vec<Problem>,
) {
    let sum: f64 = parts.iter().map(|(_, v)| v).sum();
    let tol = ROUNDING_KG * (parts.len() + 1) as f64 + 1e-9;
    if (sum - whole.1).abs() > tol {
        let mut rows: Vec<String> = parts.iter().map(|(m, _)| at(&m.origin)).collect();
        rows.push(at(&whole.0.origin));
        problems.push(Problem {
            kind,
            rows,
            message: format!(
                "{} on {} ({}): {what} add up to {} kg U, but the report's figure is {} kg U (off by {}, more than the rounding of {} figures)",
                whole.0.party,
                whole.0.date,
                whole.0.source.report,
                fmt_num(sum),
                fmt_num(whole.1),
                fmt_num((sum - whole.1).abs()),
                parts.len() + 1
            ),
        });
    }
}

/// Levels sum to the UF6 stock, UF6 and other forms to the total, the two lower bands to
/// the band up to 5 %; and no band exceeds the total.
fn stock_bands(ms: &[&Measurement], problems: &mut Vec<Problem>) {
    let v = |id| value_of(ms, id);
    let le2 = v("enriched_uranium_stock_le_2pct");
    let b25 = v("enriched_uranium_stock_2_5pct");
    let le5 = v("enriched_uranium_stock_le_5pct");
    let b20 = v("enriched_uranium_stock_20pct");
    let b60 = v("enriched_uranium_stock_60pct");
    let uf6 = v("enriched_uranium_stock_uf6");
    let other = v("enriched_uranium_stock_other_forms");
    let total = v("enriched_uranium_stock");
    if let (Some(le5), Some(le2), Some(b25)) = (le5, le2, b25) {
        sum_check(
            "levels_sum",
            le5,
            &[le2, b25],
            "the bands up to 2 % and 2–5 %",
            problems,
        );
    }
    let low = match (le2, b25) {
        (Some(a), Some(b)) => Some(vec![a, b]),
        _ => le5.map(|x| vec![x]),
    };
    if let (Some(uf6), Some(mut parts)) = (uf6, low.clone()) {
        parts.extend(b20);
        parts.extend(b60);
        sum_check(
            "levels_sum",
            uf6,
            &parts,
            "the enrichment levels (in UF6 form)",
            problems,
        );
    }
    if let (Some(total), Some(uf6), Some(other)) = (total, uf6, other) {
        sum_check(
            "forms_sum",
            total,
            &[uf6, other],
            "the stock in UF6 form and in other forms",
            problems,
        );
    }
    if let Some(total) = total {
        let parts: Vec<(&Measurement, f64)> = [le2, b25, le5, b20, b60, uf6, other]
            .into_iter()
            .flatten()
            .collect();
        for (m, x) in parts {
            if x > total.1 + ROUNDING_KG * 2.0 {
                problems.push(Problem {
                    kind: "band_above_total",
                    rows: vec![at(&m.origin), at(&total.0.origin)],
                    message: format!(
                        "{} on {} ({}): `{}` is {} kg U, more than the total stock of {} kg U",
                        m.party,
                        m.date,
                        m.source.report,
                        m.metric.id,
                        fmt_num(x),
                        fmt_num(total.1)
                    ),
                });
            }
        }
    }
}

/// The stock's UF6 mass over its uranium mass lies between the ratios of the lightest
/// and heaviest assays present.
fn uf6_ratio(ms: &[&Measurement], problems: &mut Vec<Problem>) {
    let Some((mass_row, mass)) = value_of(ms, "enriched_uranium_stock_uf6_mass") else {
        return;
    };
    let Some((u_row, u)) = value_of(ms, "enriched_uranium_stock_uf6")
        .or_else(|| value_of(ms, "enriched_uranium_stock"))
    else {
        return;
    };
    if u <= 0.0 {
        return;
    }
    let present: Vec<(f64, f64)> = ms
        .iter()
        .filter(|m| m.quantity.value.is_some_and(|v| v > 0.0))
        .filter_map(|m| band_assays(m.metric.id))
        .collect();
    let (lo, hi) = if present.is_empty() {
        (0.711, 60.0)
    } else {
        (
            present.iter().map(|p| p.0).fold(f64::INFINITY, f64::min),
            present.iter().map(|p| p.1).fold(0.0, f64::max),
        )
    };
    let ratio = mass / u;
    // Both figures are rounded to 0.1 kg.
    let slack = ROUNDING_KG / u * ratio + ROUNDING_KG / u;
    // Low-enriched stocks are also converted with the agreement's own equivalence,
    // 300 kg UF6 = 202.8 kg U (a ratio of 1.4793, slightly above the molar ratio of
    // 4.5 % uranium): a figure converted that way is consistent too.
    let convention = if hi <= 5.0 {
        300.0 / verity_vocab::JCPOA_STOCK_LIMIT_KG_U
    } else {
        0.0
    };
    let (rmin, rmax) = (uf6_per_u(lo) - slack, uf6_per_u(hi).max(convention) + slack);
    if !(rmin..=rmax).contains(&ratio) {
        problems.push(Problem {
            kind: "uf6_ratio",
            rows: vec![at(&mass_row.origin), at(&u_row.origin)],
            message: format!(
                "{} on {} ({}): {} kg UF6 for {} kg U is a ratio of {ratio:.4}; uranium of {lo}–{hi} % U-235 gives {:.4}–{:.4}",
                u_row.party,
                u_row.date,
                u_row.source.report,
                fmt_num(mass),
                fmt_num(u),
                uf6_per_u(lo),
                uf6_per_u(hi)
            ),
        });
    }
}

/// The types at a site add up to the site's all-types figure, and no more machines or
/// cascades are enriching than are installed.
fn centrifuges(ms: &[&Measurement], problems: &mut Vec<Problem>) {
    // A count given only as a bound ("at least 5,060") takes part by that bound.
    let mut by_key: BTreeMap<CentrifugeKey, (&Measurement, f64)> = BTreeMap::new();
    for m in ms {
        if let (Some(k), Some(v)) = (CentrifugeKey::parse(m.metric.id), m.quantity.central()) {
            by_key.insert(k, (m, v));
        }
    }
    for (k, (m, v)) in &by_key {
        if k.state == MachineState::Enriching {
            let installed = CentrifugeKey {
                state: MachineState::Installed,
                ..*k
            };
            if let Some((im, iv)) = by_key.get(&installed) {
                if v > iv {
                    problems.push(Problem {
                        kind: "enriching_above_installed",
                        rows: vec![at(&m.origin), at(&im.origin)],
                        message: format!(
                            "{} on {} ({}): {} `{}` enriching but only {} installed (`{}`)",
                            m.party,
                            m.date,
                            m.source.report,
                            fmt_num(*v),
                            m.metric.id,
                            fmt_num(*iv),
                            im.metric.id
                        ),
                    });
                }
            }
        }
        if k.machine == MachineType::All {
            let parts: Vec<&(&Measurement, f64)> = by_key
                .iter()
                .filter(|(p, _)| {
                    p.machine != MachineType::All
                        && (p.counted, p.state, p.site) == (k.counted, k.state, k.site)
                })
                .map(|(_, x)| x)
                .collect();
            if parts.is_empty() {
                continue;
            }
            let sum: f64 = parts.iter().map(|(_, x)| x).sum();
            if (sum - v).abs() > 0.5 {
                let mut rows: Vec<String> = parts.iter().map(|(p, _)| at(&p.origin)).collect();
                rows.push(at(&m.origin));
                let what = match k.counted {
                    Counted::Machines => "centrifuges",
                    Counted::Cascades => "cascades",
                };
                problems.push(Problem {
                    kind: "sites_sum",
                    rows,
                    message: format!(
                        "{} on {} ({}): the {what} by type at {} add up to {}, but the all-types figure `{}` is {}",
                        m.party,
                        m.date,
                        m.source.report,
                        k.site.label(),
                        fmt_num(sum),
                        m.metric.id,
                        fmt_num(*v)
                    ),
                });
            }
        }
    }
}

/// A stock in a band above the highest level reported is a contradiction.
fn level_and_bands(ms: &[&Measurement], problems: &mut Vec<Problem>) {
    let Some((lm, level)) = value_of(ms, "max_enrichment_level") else {
        return;
    };
    for m in ms {
        let Some((lo, _)) = band_assays(m.metric.id) else {
            continue;
        };
        if m.quantity.value.is_some_and(|v| v > 0.0) && level < lo {
            problems.push(Problem {
                kind: "level_below_band",
                rows: vec![at(&m.origin), at(&lm.origin)],
                message: format!(
                    "{} on {} ({}): a stock in `{}` (above {lo} %) but the highest level reported is {} %",
                    m.party,
                    m.date,
                    m.source.report,
                    m.metric.id,
                    fmt_num(level)
                ),
            });
        }
    }
}

/// Consecutive figures of a stock move no faster than production allows.
fn stock_changes(set: &EvidenceSet, problems: &mut Vec<Problem>) {
    for (id, max) in [
        ("enriched_uranium_stock", MAX_TOTAL_KG_PER_DAY),
        ("enriched_uranium_stock_60pct", MAX_60PCT_KG_PER_DAY),
        ("enriched_uranium_stock_20pct", MAX_20PCT_KG_PER_DAY),
    ] {
        let mut parties: BTreeMap<&str, BTreeMap<Date, &Measurement>> = BTreeMap::new();
        for m in set.figures().filter(|m| m.metric.id == id) {
            if m.quantity.value.is_some() {
                // One figure per date: the latest report's.
                let e = parties.entry(m.party.as_str()).or_default();
                match e.get(&m.date) {
                    Some(prev) if prev.source.report_date >= m.source.report_date => {}
                    _ => {
                        e.insert(m.date, m);
                    }
                }
            }
        }
        for series in parties.values() {
            let pts: Vec<&&Measurement> = series.values().collect();
            for w in pts.windows(2) {
                let (a, b) = (w[0], w[1]);
                let (Some(va), Some(vb)) = (a.quantity.value, b.quantity.value) else {
                    continue;
                };
                let days = (b.date - a.date).get_days().max(1) as f64;
                let rate = (vb - va).abs() / days;
                if rate > max {
                    problems.push(Problem {
                        kind: "stock_change",
                        rows: vec![at(&a.origin), at(&b.origin)],
                        message: format!(
                            "{}: `{id}` goes from {} kg U ({}, {}) to {} kg U ({}, {}): {:.1} kg U a day, faster than the {} kg U a day production allows",
                            a.party,
                            fmt_num(va),
                            a.date,
                            a.source.report,
                            fmt_num(vb),
                            b.date,
                            b.source.report,
                            rate,
                            fmt_num(max)
                        ),
                    });
                }
            }
        }
    }
}

/// Every row's report is registered with the same date; a disagreement names a
/// measurement that exists and differs from it; a grade has what it claims.
fn provenance(set: &EvidenceSet, problems: &mut Vec<Problem>) {
    if !set.reports.is_empty() {
        for m in &set.measurements {
            match set.report(&m.source.report) {
                None => problems.push(Problem {
                    kind: "unregistered_report",
                    rows: vec![at(&m.origin)],
                    message: format!(
                        "`{}` is not in the record's list of reports",
                        m.source.report
                    ),
                }),
                Some(r) if m.source.report_date.is_some_and(|d| d != r.date) => {
                    problems.push(Problem {
                        kind: "report_date",
                        rows: vec![at(&m.origin), at(&r.origin)],
                        message: format!(
                            "the row dates `{}` {}, the list of reports {}",
                            r.id,
                            m.source
                                .report_date
                                .map_or(String::new(), |d| d.to_string()),
                            r.date
                        ),
                    })
                }
                Some(_) => {}
            }
        }
    }
    for d in &set.disagreements {
        let adopted = set.measurements.iter().find(|m| m.key() == d.key());
        match adopted {
            None => problems.push(Problem {
                kind: "disagreement_without_figure",
                rows: vec![at(&d.origin)],
                message: format!("no measurement {} for this figure to differ from", d.key()),
            }),
            Some(m) if m.quantity.value.is_some() && m.quantity.value == d.quantity.value => {
                problems.push(Problem {
                    kind: "disagreement_agrees",
                    rows: vec![at(&d.origin), at(&m.origin)],
                    message: format!(
                        "the other source gives the adopted figure itself ({}): list it in the row's `via` instead",
                        d.quantity
                    ),
                })
            }
            Some(_) => {}
        }
    }
    for m in &set.measurements {
        let missing = match (m.basis, m.grade) {
            (Basis::NotReported, _) => None,
            (_, Some(Grade::Primary)) if m.source.paragraph.is_none() => {
                Some("a `primary` figure names the report's paragraph")
            }
            (_, Some(Grade::Derived)) if !m.note.contains("derived") => {
                Some("a `derived` figure states its formula in the note (`derived: …`)")
            }
            (_, Some(Grade::Quoted | Grade::Compiled)) if m.source.via.is_empty() => {
                Some("a `quoted` or `compiled` figure names the source read in `via`")
            }
            _ => None,
        };
        if let Some(msg) = missing {
            problems.push(Problem {
                kind: "grade",
                rows: vec![at(&m.origin)],
                message: msg.to_owned(),
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uf6_ratio_matches_molar_masses() {
        // Natural uranium: 352.02 / 238.03 (the IAEA's 300 kg UF6 = 202.8 kg U).
        assert!(
            (uf6_per_u(0.711) - 1.4789).abs() < 2e-4,
            "{}",
            uf6_per_u(0.711)
        );
        // 60 %: M_U ≈ 236.24 g/mol.
        assert!(
            (uf6_per_u(60.0) - 1.4825).abs() < 2e-4,
            "{}",
            uf6_per_u(60.0)
        );
        assert!(uf6_per_u(90.0) > uf6_per_u(60.0));
    }
}
