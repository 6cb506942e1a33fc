//! The shipped JCPOA: it parses, its key days resolve to the historical dates, it is
//! complete (every party, every item of the issue, a citation on every obligation), and
//! the obligations in force on sample dates are exactly those the treaty text gives.

use std::collections::BTreeSet;

use verity_agreement::{
    Agreement, Comparator, DiagKind, KeyDays, ObligationKind, Occurrence, TimeExpr,
};
use verity_vocab::{Date, Unit};

fn d(s: &str) -> Date {
    s.parse().expect("test date")
}

fn jcpoa() -> Agreement {
    match verity_agreement::jcpoa() {
        Ok(a) => a,
        Err(e) => panic!("shipped JCPOA does not parse:\n{e}"),
    }
}

fn historical(a: &Agreement) -> KeyDays {
    a.resolve_key_days(&a.history())
}

fn occ(event: &str, party: &str, date: &str) -> Occurrence {
    Occurrence {
        event: event.into(),
        party: party.into(),
        date: d(date),
    }
}

fn in_force(a: &Agreement, kd: &KeyDays, date: &str, party: Option<&str>) -> BTreeSet<String> {
    a.obligations_in_force(d(date), kd)
        .into_iter()
        .filter(|o| party.is_none_or(|p| a.binds(o, p) == Some(true)))
        .map(|o| o.id.clone())
        .collect()
}

fn set(ids: &[&str]) -> BTreeSet<String> {
    ids.iter().map(|s| s.to_string()).collect()
}

/// (started on `after`, ended on `after`) relative to the day before.
fn changes(
    a: &Agreement,
    kd: &KeyDays,
    before: &str,
    after: &str,
    party: Option<&str>,
) -> (BTreeSet<String>, BTreeSet<String>) {
    let b = in_force(a, kd, before, party);
    let n = in_force(a, kd, after, party);
    (
        n.difference(&b).cloned().collect(),
        b.difference(&n).cloned().collect(),
    )
}

// ------------------------------------------------------------------ key days

#[test]
fn key_days_resolve_to_the_historical_dates() {
    let a = jcpoa();
    let kd = historical(&a);
    // JCPOA para. 34: Finalisation 14 July 2015; Adoption = UNSCR 2231 (20 July 2015) +
    // 90 days; Implementation = IAEA report GOV/INF/2016/1; Transition = Adoption + 8
    // years (no broader conclusion); Termination = Adoption + 10 years.
    assert_eq!(kd.get("finalisation_day"), Some(d("2015-07-14")));
    assert_eq!(kd.get("adoption_day"), Some(d("2015-10-18")));
    assert_eq!(kd.get("implementation_day"), Some(d("2016-01-16")));
    assert_eq!(kd.get("transition_day"), Some(d("2023-10-18")));
    assert_eq!(kd.get("termination_day"), Some(d("2025-10-18")));
    let names: Vec<&str> = kd.iter().map(|k| k.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "Finalisation Day",
            "Adoption Day",
            "Implementation Day",
            "Transition Day",
            "UNSCR Termination Day"
        ]
    );
}

#[test]
fn event_defined_days_are_unresolved_without_their_events() {
    let a = jcpoa();
    let kd = a.resolve_key_days(&[]);
    assert_eq!(kd.get("finalisation_day"), Some(d("2015-07-14")));
    assert_eq!(kd.get("adoption_day"), None);
    assert_eq!(kd.get("implementation_day"), None);
    assert_eq!(kd.get("transition_day"), None);
    assert_eq!(kd.get("termination_day"), None);
    // Nothing that starts on an unresolved day is in force.
    assert!(a.obligations_in_force(d("2020-01-01"), &kd).is_empty());
}

#[test]
fn key_days_resolve_from_outside_evidence() {
    let a = jcpoa();
    // As the evidence crate records them: party names in any case, unrelated events mixed in.
    let evidence = [
        occ("sanctions_reimposed", "US", "2018-08-07"),
        occ("iaea_verified_implementation", "IAEA", "2016-01-16"),
        occ("unsc_endorsement", "UN Security Council", "2015-07-20"),
    ];
    let kd = a.resolve_key_days(&evidence);
    assert_eq!(kd.get("adoption_day"), Some(d("2015-10-18")));
    assert_eq!(kd.get("implementation_day"), Some(d("2016-01-16")));
    assert_eq!(kd.get("transition_day"), Some(d("2023-10-18")));

    // Implementation Day is keyed on the IAEA's report, not on anyone else's.
    let kd = a.resolve_key_days(&[
        occ("unsc_endorsement", "unsc", "2015-07-20"),
        occ("iaea_verified_implementation", "iran", "2016-01-01"),
    ]);
    assert_eq!(kd.get("implementation_day"), None);
    assert_eq!(kd.get("adoption_day"), Some(d("2015-10-18")));
}

#[test]
fn transition_day_is_the_earlier_of_eight_years_and_the_broader_conclusion() {
    let a = jcpoa();
    let mut ev = a.history();
    ev.push(occ("broader_conclusion", "iaea", "2021-03-01"));
    assert_eq!(
        a.resolve_key_days(&ev).get("transition_day"),
        Some(d("2021-03-01"))
    );
    let mut ev = a.history();
    ev.push(occ("broader_conclusion", "iaea", "2024-03-01"));
    assert_eq!(
        a.resolve_key_days(&ev).get("transition_day"),
        Some(d("2023-10-18"))
    );
    // A different endorsement date moves every Adoption-Day-based day with it.
    let kd = a.resolve_key_days(&[occ("unsc_endorsement", "unsc", "2016-02-29")]);
    assert_eq!(kd.get("adoption_day"), Some(d("2016-05-29")));
    assert_eq!(kd.get("transition_day"), Some(d("2024-05-29")));
    assert_eq!(kd.get("termination_day"), Some(d("2026-05-29")));
}

// ------------------------------------------------------------------ completeness

#[test]
fn at_least_sixty_obligations_each_with_a_citation() {
    let a = jcpoa();
    assert!(a.obligations.len() >= 60, "{}", a.obligations.len());
    for o in &a.obligations {
        assert!(!o.cite.document.is_empty(), "{} has no document", o.id);
        assert!(!o.cite.paragraph.is_empty(), "{} has no paragraph", o.id);
        assert!(!o.text.trim().is_empty(), "{} has no text", o.id);
    }
    let checked = a.obligations.iter().filter(|o| o.cite.verified).count();
    assert!(checked >= 30, "{checked}");
}

#[test]
fn removing_any_citation_from_the_shipped_file_is_rejected() {
    let src = verity_agreement::JCPOA_SOURCE;
    let cites: Vec<(usize, &str)> = src
        .lines()
        .enumerate()
        .filter(|(_, l)| l.starts_with("cite = "))
        .collect();
    assert!(cites.len() >= 60);
    // Every obligation's citation is load-bearing: dropping one is a located error.
    for (n, (line_no, _)) in cites.iter().enumerate().filter(|(n, _)| n % 7 == 3) {
        let broken: String = src
            .lines()
            .enumerate()
            .filter(|(i, _)| i != line_no)
            .map(|(_, l)| format!("{l}\n"))
            .collect();
        let key_day = src
            .lines()
            .take(*line_no)
            .filter(|l| l.starts_with("[["))
            .last();
        match verity_agreement::parse(&broken, "jcpoa.toml") {
            Ok(_) => assert_eq!(key_day, Some("[[key_day]]"), "citation #{n} was optional"),
            Err(e) => {
                assert!(e.has(DiagKind::MissingField), "{e}");
                assert!(e.to_string().contains("has no `cite`"), "{e}");
            }
        }
    }
}

#[test]
fn every_party_has_obligations() {
    let a = jcpoa();
    for p in [
        "iran",
        "us",
        "eu",
        "e3_eu3",
        "participants",
        "unsc",
        "iaea",
        "joint_commission",
    ] {
        let own = a.obligations.iter().filter(|o| o.party == p).count();
        assert!(own > 0, "{p} has no obligations of its own");
    }
    let iran = a.obligations.iter().filter(|o| o.party == "iran").count();
    assert!(iran >= 40, "{iran}");
}

fn limit(a: &Agreement, id: &str) -> (&'static str, Comparator, f64, Unit) {
    match &a.obligation(id).unwrap_or_else(|| panic!("no {id}")).kind {
        ObligationKind::Limit {
            metric,
            op,
            value,
            unit,
        } => (metric.id, *op, *value, *unit),
        other => panic!("{id} is a {}", other.name()),
    }
}

fn window(a: &Agreement, kd: &KeyDays, id: &str) -> (Option<Date>, Option<Date>) {
    kd.window(&a.obligation(id).unwrap_or_else(|| panic!("no {id}")).window)
}

#[test]
fn annex_i_limits_have_the_treaty_numbers_and_durations() {
    let a = jcpoa();
    let kd = historical(&a);
    let imp = Some(d("2016-01-16"));
    type Case<'a> = (&'a str, &'a str, Comparator, f64, Unit, Option<&'a str>);
    let cases: &[Case] = &[
        // (id, metric, op, value, unit, end) — Annex I durations run from Implementation Day.
        (
            "iran.enrichment.level",
            "max_enrichment_level",
            Comparator::Le,
            3.67,
            Unit::PctU235,
            Some("2031-01-16"),
        ),
        (
            "iran.stock.limit",
            "enriched_uranium_stock",
            Comparator::Le,
            300.0,
            Unit::KgUf6,
            Some("2031-01-16"),
        ),
        (
            "iran.enrichment.natanz_ir1",
            "centrifuges_ir1_installed_natanz_fep",
            Comparator::Le,
            5060.0,
            Unit::Count,
            Some("2026-01-16"),
        ),
        (
            "iran.fordow.centrifuges",
            "centrifuges_all_installed_fordow",
            Comparator::Le,
            1044.0,
            Unit::Count,
            Some("2031-01-16"),
        ),
        (
            "iran.fordow.no_material",
            "nuclear_material_at_fordow",
            Comparator::Eq,
            0.0,
            Unit::Bool,
            Some("2031-01-16"),
        ),
        (
            "iran.heavy_water.stock",
            "heavy_water_stock",
            Comparator::Le,
            130.0,
            Unit::Tonnes,
            Some("2031-01-16"),
        ),
        (
            "iran.heavy_water.reactors",
            "heavy_water_reactors",
            Comparator::Le,
            0.0,
            Unit::Count,
            Some("2031-01-16"),
        ),
        (
            "iran.uranium_metal.stock",
            "uranium_metal",
            Comparator::Le,
            0.0,
            Unit::KgU,
            Some("2031-01-16"),
        ),
        (
            "iran.arak.power",
            "arak_reactor_power",
            Comparator::Le,
            20.0,
            Unit::MwTh,
            None,
        ),
        (
            "iran.rd.ir4",
            "centrifuges_ir4_installed_natanz_pfep",
            Comparator::Le,
            11.0,
            Unit::Count,
            Some("2026-01-16"),
        ),
        (
            "iran.rd.ir5",
            "centrifuges_ir5_installed_natanz_pfep",
            Comparator::Le,
            1.0,
            Unit::Count,
            Some("2026-01-16"),
        ),
        (
            "iran.ap.apply",
            "additional_protocol_applied",
            Comparator::Eq,
            1.0,
            Unit::Bool,
            None,
        ),
        (
            "iran.code_3_1",
            "code_3_1_applied",
            Comparator::Eq,
            1.0,
            Unit::Bool,
            None,
        ),
        (
            "iran.access.days",
            "access_resolution_days",
            Comparator::Le,
            24.0,
            Unit::Days,
            Some("2031-01-16"),
        ),
        (
            "iran.enrichment.sites",
            "enrichment_sites",
            Comparator::Le,
            1.0,
            Unit::Count,
            Some("2031-01-16"),
        ),
    ];
    for (id, metric, op, value, unit, end) in cases {
        assert_eq!(limit(&a, id), (*metric, *op, *value, *unit), "{id}");
        assert_eq!(window(&a, &kd, id), (imp, end.map(d)), "{id}");
    }
    // IR-6 and IR-8: up to 30 machines from 8.5 years to the end of year 10.
    for id in ["iran.rd.ir6.late", "iran.rd.ir8.late"] {
        assert_eq!(limit(&a, id).2, 30.0);
        assert_eq!(
            window(&a, &kd, id),
            (Some(d("2024-07-16")), Some(d("2026-01-16")))
        );
    }
    // 300 kg UF6 is what the IAEA reports as 202.8 kg U.
    let stock = &a.obligation("iran.stock.limit").map(|o| &o.kind);
    let kg_u = stock.and_then(|k| k.limit_in_metric_unit()).unwrap_or(0.0);
    assert!((kg_u - 202.8).abs() < 0.05, "{kg_u}");
    // Monitoring: uranium ore concentrate 25 years, rotors and bellows 20 years.
    assert_eq!(
        window(&a, &kd, "iran.uoc_monitoring").1,
        Some(d("2041-01-16"))
    );
    assert_eq!(
        window(&a, &kd, "iran.rotors_bellows").1,
        Some(d("2036-01-16"))
    );
    // 130-150 inspectors within 9 months.
    assert_eq!(window(&a, &kd, "iran.inspectors").0, Some(d("2016-10-16")));
}

#[test]
fn prohibitions_name_the_right_events() {
    let a = jcpoa();
    let cases = [
        ("iran.reprocessing", "reprocessing"),
        ("iran.uranium_metal.production", "uranium_metal_produced"),
        ("iran.fordow.no_enrichment", "enrichment_at_fordow_begun"),
        ("iran.enrichment.only_ir1", "advanced_centrifuges_enriching"),
        ("iran.section_t", "weaponisation_activity"),
        ("iran.heu_plutonium", "heu_or_plutonium_acquired"),
        ("iran.other_isotope_separation", "other_isotope_separation"),
        ("us.no_reimposition", "sanctions_reimposed"),
        ("eu.no_reimposition", "sanctions_reimposed"),
    ];
    for (id, event) in cases {
        match a.obligation(id).map(|o| &o.kind) {
            Some(ObligationKind::Prohibition { event: e }) => assert_eq!(e.id, event, "{id}"),
            other => panic!("{id}: {other:?}"),
        }
    }
    // Re-imposition (para. 26) binds the EU and the US from Implementation Day, open-ended.
    let kd = historical(&a);
    assert_eq!(
        window(&a, &kd, "us.no_reimposition"),
        (Some(d("2016-01-16")), None)
    );
}

fn steps(a: &Agreement, id: &str) -> (Option<&'static str>, Vec<u32>) {
    match a.obligation(id).map(|o| &o.kind) {
        Some(ObligationKind::Procedure { trigger, steps }) => (
            trigger.map(|t| t.id),
            steps.iter().map(|s| s.days).collect(),
        ),
        other => panic!("{id}: {other:?}"),
    }
}

#[test]
fn procedures_have_the_treaty_day_counts() {
    let a = jcpoa();
    // Paras. 36-37: 15 + 15 + 5 days in the Joint Commission process, then 30 days at
    // the Security Council: 65 days in all.
    let (t, drm) = steps(&a, "participants.dispute_resolution");
    assert_eq!(
        (t, drm.as_slice()),
        (Some("dispute_mechanism_invoked"), &[15, 15, 5][..])
    );
    let (t, unsc) = steps(&a, "participants.snapback_notice");
    assert_eq!((t, unsc.as_slice()), (Some("snapback_notified"), &[30][..]));
    assert_eq!(drm.iter().chain(&unsc).sum::<u32>(), 65);
    assert_eq!(steps(&a, "unsc.snapback_vote").1, [30]);
    assert_eq!(steps(&a, "unsc.snapback_reapplication").1, [30]);
    // Annex I Q: access within 24 days (14 + 7 + 3).
    let (t, access) = steps(&a, "iran.access.procedure");
    assert_eq!(t, Some("access_request_made"));
    assert_eq!(access, [14, 7, 3]);
    assert_eq!(
        a.obligation("iran.access.procedure")
            .and_then(|o| o.kind.total_days()),
        Some(24)
    );
}

#[test]
fn sanctions_undertakings_of_the_eu_us_and_un_fall_due_on_implementation_day() {
    let a = jcpoa();
    let kd = historical(&a);
    let mut n = 0;
    for o in &a.obligations {
        if let ObligationKind::Undertaking {
            event: Some(e),
            by: Some(by),
        } = &o.kind
            && e.id == "sanctions_lifted"
        {
            n += 1;
            let due = kd.resolve(by);
            match o.party.as_str() {
                "eu" | "us" | "unsc" => {}
                p => panic!("{}: sanctions lifted by {p}", o.id),
            }
            let expected = match o.id.as_str() {
                "eu.transition_day" => "2023-10-18",
                "eu.termination_day" => "2025-10-18",
                _ => "2016-01-16",
            };
            assert_eq!(due, Some(d(expected)), "{}", o.id);
        }
    }
    // Para. 19 i-xii, the EU regulation and Transition/Termination Day steps, para. 21
    // and Annex II 4.1-4.8, para. 18.
    assert_eq!(n, 13 + 2 + 9 + 1, "{n}");
    // Transition Day: the US seeks legislative termination (Annex V para. 21).
    assert!(matches!(
        a.obligation("us.transition_day").map(|o| &o.kind),
        Some(ObligationKind::Undertaking { by: Some(TimeExpr::Day { day, .. }), .. }) if day == "transition_day"
    ));
}

// ------------------------------------------------------------------ in force on sample dates

#[test]
fn nothing_is_in_force_before_adoption_day() {
    let a = jcpoa();
    let kd = historical(&a);
    assert_eq!(in_force(&a, &kd, "2015-10-17", None), set(&[]));
    // Adoption Day: the commitments "come into effect" (para. 34.ii); the Annex I limits
    // wait for Implementation Day (Annex I para. 1).
    let on = in_force(&a, &kd, "2015-10-18", Some("iran"));
    assert_eq!(
        on,
        set(&[
            "iran.no_nuclear_weapons",
            "iran.arak.redesign",
            "iran.arak.calandria",
            "iran.enrichment.excess_stored",
            "iran.stock.excess",
            "iran.stock.oxide_5_20",
            "iran.ap.notify",
            "iran.pmd_roadmap",
            "participants.dispute_resolution",
            "participants.public_support",
        ])
    );
    assert!(!on.contains("iran.enrichment.level"));
}

#[test]
fn implementation_day_starts_the_annex_i_limits_and_the_sanctions_lifting() {
    let a = jcpoa();
    let kd = historical(&a);
    let (started, ended) = changes(&a, &kd, "2016-01-15", "2016-01-16", None);
    for id in [
        "iran.enrichment.level",
        "iran.stock.limit",
        "iran.enrichment.natanz_ir1",
        "iran.fordow.centrifuges",
        "iran.ap.apply",
        "iran.section_t",
        "us.no_reimposition",
        "eu.no_reimposition",
        "unsc.snapback_vote",
        "participants.snapback_notice",
    ] {
        assert!(
            started.contains(id),
            "{id} should start on Implementation Day"
        );
    }
    // Only the pre-implementation steps end.
    assert_eq!(
        ended,
        set(&[
            "eu.regulation_adopted",
            "iaea.report_implementation",
            "iran.ap.notify",
            "iran.pmd_roadmap",
            "us.waivers_issued",
        ])
    );
}

#[test]
fn eight_and_a_half_years_switches_the_ir6_and_ir8_regimes() {
    let a = jcpoa();
    let kd = historical(&a);
    // Annex I G: up to 30 IR-6 / IR-8 "from one and a half years before the end of year 10".
    let (started, ended) = changes(&a, &kd, "2024-07-15", "2024-07-16", None);
    assert_eq!(started, set(&["iran.rd.ir6.late", "iran.rd.ir8.late"]));
    assert_eq!(ended, set(&["iran.rd.ir6.early", "iran.rd.ir8.early"]));
}

#[test]
fn transition_day_starts_exactly_the_transition_steps() {
    let a = jcpoa();
    let kd = historical(&a);
    let (started, ended) = changes(&a, &kd, "2023-10-17", "2023-10-18", None);
    assert_eq!(
        started,
        set(&["eu.transition_day", "iran.ap.ratify", "us.transition_day"])
    );
    assert_eq!(ended, set(&[]));
}

#[test]
fn termination_day_ends_the_un_provisions() {
    let a = jcpoa();
    let kd = historical(&a);
    assert_eq!(
        in_force(&a, &kd, "2025-10-17", Some("unsc")),
        set(&[
            "unsc.procurement_channel",
            "unsc.snapback_reapplication",
            "unsc.snapback_vote",
            "unsc.terminate_resolutions",
            "unsc.termination",
        ])
    );
    assert_eq!(
        in_force(&a, &kd, "2025-10-18", Some("unsc")),
        set(&["unsc.termination"])
    );
    assert_eq!(in_force(&a, &kd, "2025-10-19", Some("unsc")), set(&[]));
    let (started, ended) = changes(&a, &kd, "2025-10-17", "2025-10-18", None);
    assert_eq!(started, set(&["eu.termination_day"]));
    assert_eq!(
        ended,
        set(&[
            "iaea.regular_reporting",
            "iran.procurement_channel",
            "joint_commission.procurement_review",
            "participants.snapback_notice",
            "unsc.procurement_channel",
            "unsc.snapback_reapplication",
            "unsc.snapback_vote",
            "unsc.terminate_resolutions",
        ])
    );
}

#[test]
fn year_ten_ends_the_ten_year_limits() {
    let a = jcpoa();
    let kd = historical(&a);
    let (started, ended) = changes(&a, &kd, "2026-01-15", "2026-01-16", None);
    // Annex I para. 25: uranium-metal TRR fuel R&D may start after 10 years.
    assert_eq!(started, set(&["iran.uranium_metal.trr_fuel_rd"]));
    assert_eq!(
        ended,
        set(&[
            "iran.enrichment.excess_stored",
            "iran.enrichment.natanz_ir1",
            "iran.enrichment.only_ir1",
            "iran.manufacturing.replacement_only",
            "iran.other_isotope_separation",
            "iran.rd.ir4",
            "iran.rd.ir5",
            "iran.rd.ir6.late",
            "iran.rd.ir8.late",
            "iran.rd.manufacture_ir6_ir8",
            "iran.rd.no_accumulation",
        ])
    );
}

#[test]
fn after_fifteen_years_iran_keeps_only_the_longer_commitments() {
    let a = jcpoa();
    let kd = historical(&a);
    let long_term = [
        "iran.no_nuclear_weapons",
        "iran.long_term_plan",
        "iran.arak.redesign",
        "iran.arak.power",
        "iran.arak.calandria",
        "iran.arak.fuel",
        "iran.arak.spent_fuel",
        "iran.ap.apply",
        "iran.ap.ratify",
        "iran.code_3_1",
        "iran.section_t",
        "participants.dispute_resolution",
        "participants.public_support",
    ];
    let mut y15: Vec<&str> = long_term.to_vec();
    y15.extend(["iran.uoc_monitoring", "iran.rotors_bellows"]);
    assert_eq!(in_force(&a, &kd, "2031-01-16", Some("iran")), set(&y15));
    // Rotors and bellows end after 20 years, uranium ore concentrate after 25.
    let mut y20: Vec<&str> = long_term.to_vec();
    y20.push("iran.uoc_monitoring");
    assert_eq!(in_force(&a, &kd, "2036-06-01", Some("iran")), set(&y20));
    assert_eq!(
        in_force(&a, &kd, "2041-01-16", Some("iran")),
        set(&long_term)
    );
}

// ------------------------------------------------------------------ parties

#[test]
fn members_match_their_groups_obligations() {
    let a = jcpoa();
    let of = |p: &str| -> BTreeSet<String> {
        a.obligations_of(p)
            .unwrap_or_else(|| panic!("no party {p}"))
            .into_iter()
            .map(|o| o.party.clone())
            .collect()
    };
    assert_eq!(
        of("france"),
        ["e3_eu3", "participants"].map(String::from).into()
    );
    assert_eq!(
        of("United States"),
        ["e3_eu3", "participants", "us"].map(String::from).into()
    );
    assert_eq!(
        of("E3/EU+3"),
        ["e3_eu3", "participants"].map(String::from).into()
    );
    assert_eq!(
        of("IRAN"),
        ["iran", "participants"].map(String::from).into()
    );
    assert_eq!(of("iaea"), ["iaea"].map(String::from).into());
    assert!(a.obligations_of("narnia").is_none());
    let drm = a.obligation("participants.dispute_resolution");
    assert_eq!(drm.and_then(|o| a.binds(o, "germany")), Some(true));
    let stock = a.obligation("iran.stock.limit");
    assert_eq!(stock.and_then(|o| a.binds(o, "germany")), Some(false));
}
