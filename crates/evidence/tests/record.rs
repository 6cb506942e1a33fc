//! The shipped record: complete for each report, graded, and consistent; and the
//! cross-checks catch each kind of inconsistency in a broken copy of it.

use verity_evidence::check::check;
use verity_evidence::{Basis, EvidenceSet, Grade, Input, ReportKind, shipped};

fn record() -> EvidenceSet {
    shipped::load().expect("the shipped record imports")
}

/// The shipped files with `edit` applied to the file named `file`.
fn broken(file: &str, edit: impl Fn(&str) -> String) -> (EvidenceSet, usize) {
    let texts: Vec<(&str, String)> = shipped::FILES
        .iter()
        .map(|(name, text)| {
            let t = if name.ends_with(file) {
                edit(text)
            } else {
                (*text).to_owned()
            };
            (*name, t)
        })
        .collect();
    let lines = shipped::FILES
        .iter()
        .find(|(n, _)| n.ends_with(file))
        .map_or(0, |(_, t)| t.lines().count());
    let inputs: Vec<Input<'_>> = texts.iter().map(|(n, t)| Input::new(n, t)).collect();
    (
        verity_evidence::import(&inputs).expect("the broken copy still imports"),
        lines + 1,
    )
}

fn append(row: &'static str) -> impl Fn(&str) -> String {
    move |t: &str| format!("{t}{row}\n")
}

fn replace(from: &'static str, to: &'static str) -> impl Fn(&str) -> String {
    move |t: &str| {
        assert_eq!(t.matches(from).count(), 1, "`{from}` must occur once");
        t.replace(from, to)
    }
}

/// The problems of `kind` in the set, as lists of rows.
fn problems(set: &EvidenceSet, kind: &str) -> Vec<Vec<String>> {
    check(set)
        .problems
        .into_iter()
        .filter(|p| p.kind == kind)
        .map(|p| p.rows)
        .collect()
}

const M: &str = "data/evidence/measurements.csv";

#[test]
fn the_shipped_record_is_consistent() {
    let set = record();
    let report = check(&set);
    assert!(report.problems.is_empty(), "{:#?}", report.problems);
    assert_eq!(report.checked, set.len());
}

#[test]
fn every_quarterly_report_states_its_stock_or_says_it_is_not_reported() {
    let set = record();
    let quarterly: Vec<_> = set
        .reports
        .iter()
        .filter(|r| r.kind == ReportKind::Quarterly)
        .collect();
    assert!(
        quarterly.len() >= 38,
        "{} quarterly reports",
        quarterly.len()
    );
    for r in quarterly {
        let rows: Vec<_> = set
            .measurements
            .iter()
            .filter(|m| m.source.report == r.id && m.metric.id == "enriched_uranium_stock")
            .collect();
        assert!(!rows.is_empty(), "{} has no row for the total stock", r.id);
        for m in rows {
            assert!(
                m.date <= r.date,
                "{}: as of {} after {}",
                r.id,
                m.date,
                r.date
            );
            assert_eq!(m.source.report_date, Some(r.date), "{}", r.id);
        }
    }
}

/// Key figures, report by report: (report, metric, as-of date, value in the metric's
/// unit, grade). Values are the reports' as quoted in the sources of data/SOURCES.md.
#[test]
fn key_figures_are_present_with_their_dates_and_grades() {
    let cases: &[(&str, &str, &str, f64, Grade)] = &[
        (
            "GOV/2016/8",
            "heavy_water_stock",
            "2016-02-17",
            130.9,
            Grade::Quoted,
        ),
        (
            "GOV/2019/55",
            "enriched_uranium_stock",
            "2019-11-03",
            372.3,
            Grade::Quoted,
        ),
        (
            "GOV/2020/5",
            "enriched_uranium_stock",
            "2020-02-19",
            1020.9,
            Grade::Quoted,
        ),
        (
            "GOV/2021/28",
            "enriched_uranium_stock",
            "2021-05-22",
            3241.0,
            Grade::Quoted,
        ),
        (
            "GOV/2021/28",
            "enriched_uranium_stock_uf6",
            "2021-05-22",
            3206.3,
            Grade::Quoted,
        ),
        (
            "GOV/2021/28",
            "enriched_uranium_stock_le_2pct",
            "2021-05-22",
            1367.9,
            Grade::Quoted,
        ),
        (
            "GOV/2021/28",
            "enriched_uranium_stock_60pct",
            "2021-05-22",
            2.4,
            Grade::Quoted,
        ),
        (
            "GOV/2022/62",
            "enriched_uranium_stock",
            "2022-10-22",
            3673.7,
            Grade::Quoted,
        ),
        // The February 2023 total, missing from the earlier record.
        (
            "GOV/2023/8",
            "enriched_uranium_stock",
            "2023-02-12",
            3760.8,
            Grade::Quoted,
        ),
        (
            "GOV/2024/7",
            "enriched_uranium_stock",
            "2024-02-10",
            5525.5,
            Grade::Quoted,
        ),
        // The 20 % stock of November 2022, missing from the earlier record (Bloomberg).
        (
            "GOV/2022/62",
            "enriched_uranium_stock_20pct",
            "2022-10-22",
            386.0,
            Grade::Quoted,
        ),
        (
            "GOV/2024/7",
            "enriched_uranium_stock_20pct",
            "2024-02-10",
            712.2,
            Grade::Quoted,
        ),
        (
            "GOV/2025/24",
            "enriched_uranium_stock_60pct",
            "2025-05-17",
            408.6,
            Grade::Quoted,
        ),
        (
            "GOV/2025/50",
            "enriched_uranium_stock",
            "2025-06-13",
            9874.9,
            Grade::Quoted,
        ),
    ];
    let set = record();
    for (report, metric, date, value, grade) in cases {
        let m = set
            .measurements
            .iter()
            .find(|m| m.source.report == *report && m.metric.id == *metric)
            .unwrap_or_else(|| panic!("{report} has no {metric}"));
        assert_eq!(m.date.to_string(), *date, "{report} {metric}");
        let v = m.quantity.value.unwrap_or(f64::NAN);
        assert!((v - value).abs() < 0.05, "{report} {metric}: {v}");
        assert_eq!(m.grade, Some(*grade), "{report} {metric}");
        assert!(!m.source.via.is_empty(), "{report} {metric}: where read");
    }
}

#[test]
fn figures_are_graded_and_ids_are_never_guessed() {
    let set = record();
    for m in set.figures() {
        assert!(
            m.grade.is_some(),
            "{}:{} ungraded",
            m.origin.file,
            m.origin.line
        );
    }
    for m in set
        .measurements
        .iter()
        .filter(|m| m.basis == Basis::NotReported)
    {
        assert_eq!(m.quantity.central(), None);
    }
    for r in &set.reports {
        assert!(r.id_confirmed || !r.id.starts_with("GOV/"), "{}", r.id);
        assert!(!r.id_confirmed || !r.id_via.is_empty(), "{}", r.id);
    }
    // The February 2024 quarterly is GOV/2024/7 (GOV/2024/8 is that month's NPT report).
    assert_eq!(
        set.report("GOV/2024/7").map(|r| r.kind),
        Some(ReportKind::Quarterly)
    );
}

#[test]
fn levels_that_do_not_sum_are_caught() {
    let (set, line) = broken(
        M,
        append(
            "2021-05-22,Iran,enriched_uranium_stock_le_5pct,3000,,,,kg_u,estimated,GOV/2021/28,,2021-05-31,derived,x,derived: broken",
        ),
    );
    let found = problems(&set, "levels_sum");
    assert!(
        found
            .iter()
            .any(|rows| rows.contains(&format!("{M}:{line}"))),
        "{found:?}"
    );
    assert!(found.iter().any(|rows| rows.len() == 3), "{found:?}");
}

#[test]
fn forms_that_do_not_sum_are_caught() {
    let (set, _) = broken(
        M,
        replace(
            "enriched_uranium_stock_other_forms,34.7,",
            "enriched_uranium_stock_other_forms,134.7,",
        ),
    );
    assert_eq!(problems(&set, "forms_sum").len(), 1);
}

#[test]
fn a_uf6_mass_that_fits_no_isotopics_is_caught() {
    let (set, line) = broken(
        M,
        append(
            "2021-05-22,Iran,enriched_uranium_stock_uf6_mass,5000,,,,kg_uf6,estimated,GOV/2021/28,,2021-05-31,quoted,x,broken",
        ),
    );
    let found = problems(&set, "uf6_ratio");
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(found[0].contains(&format!("{M}:{line}")));
    // The real ratio of 3206.3 kg U is fine.
    let (set, _) = broken(
        M,
        append(
            "2021-05-22,Iran,enriched_uranium_stock_uf6_mass,4742.5,,,,kg_uf6,estimated,GOV/2021/28,,2021-05-31,quoted,x,fine",
        ),
    );
    assert!(problems(&set, "uf6_ratio").is_empty());
}

#[test]
fn centrifuges_by_type_that_do_not_sum_to_the_site_are_caught() {
    let (set, _) = broken(
        M,
        replace(
            "2020-11-14,Iran,centrifuges_ir2m_enriching_natanz_fep,174,",
            "2020-11-14,Iran,centrifuges_ir2m_enriching_natanz_fep,200,",
        ),
    );
    let found = problems(&set, "sites_sum");
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].len(), 3, "both types and the total: {found:?}");
}

#[test]
fn more_enriching_than_installed_is_caught() {
    let (set, _) = broken(M, |t: &str| {
        format!(
            "{t}2021-05-22,Iran,cascades_ir6_installed_fordow,1,,,,count,verified,GOV/2021/28,,2021-05-31,quoted,x,broken\n2021-05-22,Iran,cascades_ir6_enriching_fordow,2,,,,count,verified,GOV/2021/28,,2021-05-31,quoted,x,broken\n"
        )
    });
    assert_eq!(problems(&set, "enriching_above_installed").len(), 1);
}

#[test]
fn an_implausible_stock_change_is_caught() {
    let (set, _) = broken(
        M,
        replace(
            "enriched_uranium_stock,3760.8,",
            "enriched_uranium_stock,37608,",
        ),
    );
    let found = problems(&set, "stock_change");
    // Both the step up from November 2022 and the step down to May 2023.
    assert_eq!(found.len(), 2, "{found:?}");
}

#[test]
fn a_band_above_the_level_or_the_total_is_caught() {
    let (set, line) = broken(
        M,
        append(
            "2019-11-03,Iran,enriched_uranium_stock_20pct,400,,,,kg_u,verified,GOV/2019/55,,2019-11-11,quoted,x,broken",
        ),
    );
    let at = format!("{M}:{line}");
    assert!(
        problems(&set, "band_above_total")
            .iter()
            .any(|r| r.contains(&at))
    );
    assert!(
        problems(&set, "level_below_band")
            .iter()
            .any(|r| r.contains(&at))
    );
}

#[test]
fn provenance_faults_are_caught() {
    let (set, line) = broken(
        M,
        append(
            "2021-05-23,Iran,uranium_metal,1,,,,kg_u,verified,GOV/2099/1,,2021-05-31,primary,x,broken",
        ),
    );
    let at = format!("{M}:{line}");
    assert!(
        problems(&set, "unregistered_report")
            .iter()
            .any(|r| r.contains(&at))
    );
    assert!(
        problems(&set, "grade").iter().any(|r| r.contains(&at)),
        "primary without a paragraph"
    );
    let (set, _) = broken(
        M,
        append(
            "2021-05-23,Iran,uranium_metal,1,,,,kg_u,verified,GOV/2021/28,7,2021-06-01,primary,x,broken",
        ),
    );
    assert_eq!(problems(&set, "report_date").len(), 1);
    let d = "data/evidence/disagreements.csv";
    let (set, _) = broken(
        d,
        append("2021-05-22,Iran,uranium_ore_concentrate,GOV/2021/28,1,,,kg_u,quoted,x,broken"),
    );
    assert_eq!(problems(&set, "disagreement_without_figure").len(), 1);
    let (set, _) = broken(
        d,
        append("2021-05-22,Iran,enriched_uranium_stock,GOV/2021/28,3241,,,kg_u,quoted,x,broken"),
    );
    assert_eq!(problems(&set, "disagreement_agrees").len(), 1);
}
