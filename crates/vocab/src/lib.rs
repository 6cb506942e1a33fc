//! The shared vocabulary of Verity: the metrics an agreement can limit and evidence can
//! measure, the events an agreement can prohibit or require and evidence can record,
//! and their units.
//!
//! Agreements (`verity-agreement`) and evidence (`verity-evidence`) both name metrics
//! and events by the ids defined here, so an obligation and the measurements that test
//! it are joined by id, never by a string that merely looks alike. The vocabulary is a
//! closed table: an unknown id is an error at the edge where it is read.
//!
//! Documented for users in `docs/vocabulary.md`; keep the two in step (a test checks).

use std::fmt;

pub use jiff::civil::Date;

/// A unit of measure. Each metric has exactly one unit; files that state another unit
/// for it are rejected, except for the documented conversion kg UF6 → kg U.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Unit {
    /// Kilograms of uranium (element mass), the IAEA's reporting convention.
    KgU,
    /// Kilograms of uranium hexafluoride.
    KgUf6,
    /// Percent U-235 by mass (enrichment level).
    PctU235,
    /// Metric tonnes (heavy water).
    Tonnes,
    /// A count of items (centrifuges, cascades, inspectors).
    Count,
    /// Megawatts thermal (reactor power).
    MwTh,
    /// Days (durations in procedures).
    Days,
    /// A yes/no state (1 = true, 0 = false).
    Bool,
}

impl Unit {
    /// Every unit, in a stable order.
    pub const ALL: [Unit; 8] = [
        Unit::KgU,
        Unit::KgUf6,
        Unit::PctU235,
        Unit::Tonnes,
        Unit::Count,
        Unit::MwTh,
        Unit::Days,
        Unit::Bool,
    ];

    /// The spelling used in files, on the command line and in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Unit::KgU => "kg_u",
            Unit::KgUf6 => "kg_uf6",
            Unit::PctU235 => "pct_u235",
            Unit::Tonnes => "t",
            Unit::Count => "count",
            Unit::MwTh => "mwth",
            Unit::Days => "days",
            Unit::Bool => "bool",
        }
    }

    /// The unit as people write it after a figure (`kg U`, `% U-235`); empty for a
    /// count and for yes/no.
    pub fn symbol(self) -> &'static str {
        match self {
            Unit::KgU => "kg U",
            Unit::KgUf6 => "kg UF6",
            Unit::PctU235 => "% U-235",
            Unit::Tonnes => "t",
            Unit::Count => "",
            Unit::MwTh => "MWth",
            Unit::Days => "days",
            Unit::Bool => "",
        }
    }

    /// A figure in this unit as people read it: `202.8 kg U`, `60 % U-235`, `1,044`,
    /// `yes` / `no` for a yes/no metric.
    pub fn show(self, v: f64) -> String {
        if self == Unit::Bool {
            return if v >= 0.5 { "yes" } else { "no" }.to_owned();
        }
        // Thousands grouped, up to two decimals, no trailing zeros.
        let fixed = format!("{:.2}", v.abs());
        let (int, frac) = fixed.split_once('.').unwrap_or((&fixed, ""));
        let frac = frac.trim_end_matches('0');
        let mut grouped = String::new();
        for (i, c) in int.chars().enumerate() {
            if i > 0 && (int.len() - i) % 3 == 0 {
                grouped.push(',');
            }
            grouped.push(c);
        }
        let sign = if v < 0.0 && !fixed.trim_matches(['0', '.']).is_empty() {
            "-"
        } else {
            ""
        };
        let n = if frac.is_empty() {
            format!("{sign}{grouped}")
        } else {
            format!("{sign}{grouped}.{frac}")
        };
        match self.symbol() {
            "" => n,
            sym => format!("{n} {sym}"),
        }
    }

    /// Parses the spelling produced by [`Unit::as_str`].
    pub fn parse(s: &str) -> Result<Unit, VocabError> {
        Unit::ALL
            .into_iter()
            .find(|u| u.as_str() == s)
            .ok_or_else(|| VocabError::UnknownUnit(s.to_owned()))
    }
}

impl fmt::Display for Unit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Kilograms of UF6 per kilogram of uranium for natural-isotopic UF6: molar mass of
/// UF6 (352.02 g/mol) over that of uranium (238.03 g/mol). The IAEA equates the
/// JCPOA's 300 kg UF6 with 202.8 kg U, i.e. this same ratio (300 / 1.4790 = 202.84).
pub const KG_UF6_PER_KG_U: f64 = 1.4790;

/// The JCPOA stock limit of 300 kg UF6 expressed, as the IAEA reports it, in kg U.
pub const JCPOA_STOCK_LIMIT_KG_U: f64 = 202.8;

/// A metric: a quantity an agreement can limit and evidence can measure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MetricDef {
    /// Stable identifier, `snake_case`.
    pub id: &'static str,
    /// The one unit values of this metric are stated in.
    pub unit: Unit,
    /// Short human label.
    pub label: &'static str,
    /// What exactly is measured, so that a limit and a measurement mean the same thing.
    pub doc: &'static str,
}

/// An event: a dated fact about a party that an agreement can prohibit, require or key a
/// day on, and that evidence can record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EventDef {
    /// Stable identifier, `snake_case`.
    pub id: &'static str,
    /// Short human label.
    pub label: &'static str,
    /// When a recorded event of this kind is said to have happened.
    pub doc: &'static str,
}

macro_rules! metric {
    ($id:literal, $unit:ident, $label:literal, $doc:literal) => {
        MetricDef {
            id: $id,
            unit: Unit::$unit,
            label: $label,
            doc: $doc,
        }
    };
}

macro_rules! event {
    ($id:literal, $label:literal, $doc:literal) => {
        EventDef {
            id: $id,
            label: $label,
            doc: $doc,
        }
    };
}

/// Every metric of the vocabulary.
pub const METRICS: &[MetricDef] = &[
    metric!(
        "enriched_uranium_stock",
        KgU,
        "Enriched uranium stock (all levels)",
        "Total mass of uranium enriched above natural (0.711 %) in all chemical forms that count toward a stock limit, in kg U, as the IAEA reports it."
    ),
    metric!(
        "enriched_uranium_stock_le_5pct",
        KgU,
        "Enriched uranium stock up to 5 %",
        "Mass of uranium enriched up to 5 % U-235 (the IAEA's 'up to 2 %', 'up to 3.67 %' and 'up to 5 %' categories together), kg U."
    ),
    metric!(
        "enriched_uranium_stock_uf6",
        KgU,
        "Enriched uranium stock in UF6 form",
        "The part of the enriched-uranium stock held as UF6 (the form the IAEA reports by enrichment level), kg U."
    ),
    metric!(
        "enriched_uranium_stock_other_forms",
        KgU,
        "Enriched uranium stock in other forms",
        "The part of the enriched-uranium stock held in chemical forms other than UF6 (oxides, fuel plates and assemblies, scrap, liquid and solid waste), kg U."
    ),
    metric!(
        "enriched_uranium_stock_uf6_mass",
        KgUf6,
        "Enriched uranium stock in UF6 form, as UF6 mass",
        "The UF6-form part of the enriched-uranium stock stated as mass of UF6, where a report gives it, kg UF6. Its ratio to the same stock in kg U depends on the isotopics (1.4790 for natural uranium, about 1.483 at 60 %)."
    ),
    metric!(
        "enriched_uranium_stock_le_2pct",
        KgU,
        "Enriched uranium stock up to 2 %",
        "Mass of UF6-form uranium in the IAEA's 'up to 2 %' category (enriched above natural and up to 2 % U-235), kg U."
    ),
    metric!(
        "enriched_uranium_stock_2_5pct",
        KgU,
        "Enriched uranium stock above 2 % and up to 5 %",
        "Mass of UF6-form uranium in the IAEA's 'up to 5 %' category when it is reported beside an 'up to 2 %' category (above 2 %, up to 5 % U-235), kg U."
    ),
    metric!(
        "enriched_uranium_stock_20pct",
        KgU,
        "Enriched uranium stock up to 20 %",
        "Mass of uranium enriched above 5 % and up to 20 % U-235 (the IAEA's 'up to 20 %' category), kg U."
    ),
    metric!(
        "enriched_uranium_stock_60pct",
        KgU,
        "Enriched uranium stock up to 60 %",
        "Mass of uranium enriched above 20 % and up to 60 % U-235 (the IAEA's 'up to 60 %' category), kg U."
    ),
    metric!(
        "max_enrichment_level",
        PctU235,
        "Highest enrichment level",
        "The highest U-235 enrichment at which the party is producing or has produced uranium in the period, percent."
    ),
    metric!(
        "heavy_water_stock",
        Tonnes,
        "Heavy-water stock",
        "Nuclear-grade heavy water (or equivalent) held in the country, metric tonnes."
    ),
    metric!(
        "centrifuges_ir1_installed_natanz_fep",
        Count,
        "IR-1 centrifuges installed at Natanz FEP",
        "IR-1 centrifuges installed in cascades at the Fuel Enrichment Plant at Natanz."
    ),
    metric!(
        "centrifuges_advanced_enriching",
        Count,
        "Advanced centrifuges enriching",
        "Centrifuges other than IR-1 (IR-2m, IR-4, IR-5, IR-6, IR-8 …) used to accumulate enriched uranium, at any site."
    ),
    metric!(
        "centrifuges_enriching_ir1",
        Count,
        "IR-1 centrifuges enriching (all sites)",
        "IR-1 centrifuges being fed with UF6 for enrichment, at all sites together."
    ),
    metric!(
        "centrifuges_enriching_ir2m",
        Count,
        "IR-2m centrifuges enriching (all sites)",
        "IR-2m centrifuges being fed with UF6 for enrichment, at all sites together."
    ),
    metric!(
        "centrifuges_enriching_ir4",
        Count,
        "IR-4 centrifuges enriching (all sites)",
        "IR-4 centrifuges being fed with UF6 for enrichment, at all sites together."
    ),
    metric!(
        "centrifuges_enriching_ir6",
        Count,
        "IR-6 centrifuges enriching (all sites)",
        "IR-6 centrifuges being fed with UF6 for enrichment, at all sites together."
    ),
    metric!(
        "centrifuges_installed_total",
        Count,
        "Centrifuges installed (all types, all sites)",
        "Centrifuges of all types installed in cascades, at all sites together."
    ),
    metric!(
        "enrichment_sites",
        Count,
        "Sites where uranium is enriched",
        "Number of sites at which uranium enrichment or enrichment R&D with uranium is conducted."
    ),
    metric!(
        "nuclear_material_at_fordow",
        Bool,
        "Nuclear material at Fordow",
        "Whether any nuclear material is present at the Fordow site (1) or not (0)."
    ),
    metric!(
        "uranium_metal",
        KgU,
        "Uranium metal",
        "Mass of uranium metal produced or held, kg U."
    ),
    metric!(
        "arak_reactor_power",
        MwTh,
        "Arak reactor design power",
        "Design thermal power of the (modernised) Arak heavy-water research reactor, MWth."
    ),
    metric!(
        "heavy_water_reactors",
        Count,
        "Heavy-water reactors",
        "Heavy-water reactors built or under construction in addition to the modernised Arak reactor."
    ),
    metric!(
        "additional_protocol_applied",
        Bool,
        "Additional Protocol applied",
        "Whether the party provisionally applies (or has in force) the IAEA Additional Protocol (1) or not (0)."
    ),
    metric!(
        "jcpoa_monitoring_applied",
        Bool,
        "JCPOA verification and monitoring applied",
        "Whether the party permits the verification and monitoring the agreement adds to safeguards (surveillance, online enrichment monitors, electronic seals, containment of centrifuge components) (1) or not (0)."
    ),
    metric!(
        "code_3_1_applied",
        Bool,
        "Modified Code 3.1 applied",
        "Whether the party implements modified Code 3.1 of its Subsidiary Arrangements (1) or not (0)."
    ),
    metric!(
        "iaea_inspectors_designated",
        Count,
        "IAEA inspectors designated",
        "Number of IAEA inspectors designated for the country."
    ),
    metric!(
        "access_resolution_days",
        Days,
        "Days to grant requested access",
        "Days between an IAEA access request under the agreement's access procedure and the access being granted."
    ),
    metric!(
        "centrifuge_components_inventory",
        Count,
        "Centrifuges, rotor tubes and bellows held",
        "Centrifuges, rotor tubes and bellows manufactured and held outside operating cascades, which the agreement places under continuous IAEA monitoring."
    ),
    metric!(
        "uranium_ore_concentrate",
        KgU,
        "Uranium ore concentrate",
        "Uranium ore concentrate produced in or imported into the country, which the agreement places under IAEA monitoring, kg U."
    ),
];

/// Every event of the vocabulary.
pub const EVENTS: &[EventDef] = &[
    event!(
        "agreement_finalised",
        "Agreement finalised",
        "Negotiations concluded and the text agreed."
    ),
    event!(
        "unsc_endorsement",
        "UN Security Council endorsement",
        "The Security Council adopted the resolution endorsing the agreement."
    ),
    event!(
        "iaea_verified_implementation",
        "IAEA verified implementation",
        "The IAEA reported that the party completed the measures due before implementation."
    ),
    event!(
        "broader_conclusion",
        "IAEA broader conclusion",
        "The IAEA reached the broader conclusion that all nuclear material in the country remains in peaceful activities."
    ),
    event!(
        "sanctions_lifted",
        "Sanctions lifted",
        "The party terminated, ceased applying or waived sanctions as the agreement requires."
    ),
    event!(
        "sanctions_reimposed",
        "Sanctions re-imposed",
        "The party re-imposed sanctions it had undertaken to lift or cease applying."
    ),
    event!(
        "withdrawal",
        "Withdrawal from the agreement",
        "The party announced that it ceases to participate in the agreement."
    ),
    event!(
        "commitments_reduced",
        "Commitments reduced",
        "The party announced it ceases to perform some of its commitments."
    ),
    event!(
        "stock_limit_exceeded",
        "Stock limit exceeded",
        "The IAEA verified that the enriched-uranium stock exceeded the agreed limit."
    ),
    event!(
        "enrichment_level_begun",
        "Enrichment to a new level begun",
        "The party began enriching uranium to a higher level than before (the level is the event's value)."
    ),
    event!(
        "enrichment_at_fordow_begun",
        "Enrichment at Fordow begun",
        "Uranium was fed into centrifuges at the Fordow Fuel Enrichment Plant."
    ),
    event!(
        "advanced_centrifuges_enriching",
        "Advanced centrifuges enriching",
        "Centrifuges other than IR-1 were used to accumulate enriched uranium."
    ),
    event!(
        "uranium_metal_produced",
        "Uranium metal produced",
        "The party produced uranium metal."
    ),
    event!(
        "reprocessing",
        "Reprocessing",
        "Spent-fuel reprocessing or reprocessing R&D was conducted."
    ),
    event!(
        "additional_protocol_suspended",
        "Additional Protocol suspended",
        "The party stopped applying the IAEA Additional Protocol."
    ),
    event!(
        "monitoring_equipment_removed",
        "Monitoring equipment removed",
        "Surveillance or online monitoring equipment was removed or data withheld from the IAEA."
    ),
    event!(
        "inspector_access_withdrawn",
        "Inspectors' access withdrawn",
        "The party suspended or withdrew IAEA inspectors' access."
    ),
    event!(
        "continuity_of_knowledge_lost",
        "Continuity of knowledge lost",
        "The IAEA reported that it lost continuity of knowledge over some of the party's material or equipment."
    ),
    event!(
        "continuity_of_knowledge_restored",
        "Continuity of knowledge restored",
        "The IAEA reported that continuity of knowledge was re-established."
    ),
    event!(
        "military_strike",
        "Military strike",
        "Nuclear facilities of the party were struck militarily."
    ),
    event!(
        "dispute_mechanism_invoked",
        "Dispute resolution mechanism invoked",
        "The party referred an issue of non-performance to the Joint Commission under the dispute resolution mechanism."
    ),
    event!(
        "snapback_notified",
        "Snapback notified",
        "The party notified the UN Security Council of significant non-performance, starting the 30-day snapback period."
    ),
    event!(
        "dispute_period_extended",
        "Dispute periods extended",
        "The participants agreed by consensus to extend the periods of a dispute procedure under way (JCPOA para. 36), without a new end date."
    ),
    event!(
        "sanctions_retained",
        "Sanctions retained",
        "The party kept in place sanctions the agreement provided it would lift on that date."
    ),
    event!(
        "standing_contested",
        "Standing contested",
        "The party stated that a notification made under a dispute or snapback procedure in the preceding 30 days has no legal effect, because the notifying party has no standing to make it."
    ),
    event!(
        "un_sanctions_reimposed",
        "UN sanctions re-imposed",
        "The provisions of earlier UN Security Council resolutions applied again."
    ),
    event!(
        "access_request_made",
        "IAEA access request",
        "The IAEA requested access to a location under the agreement's access procedure."
    ),
    event!(
        "access_granted",
        "Access granted",
        "The party granted access the IAEA requested."
    ),
    event!(
        "other_isotope_separation",
        "Other isotope separation",
        "Uranium isotope separation (or its R&D) by a technology other than gas centrifuges, e.g. laser or electromagnetic separation."
    ),
    event!(
        "heu_or_plutonium_acquired",
        "HEU or plutonium acquired",
        "Separated plutonium, uranium enriched to 20 % or more, uranium-233 or neptunium-237 was produced, sought or acquired (other than laboratory standards)."
    ),
    event!(
        "weaponisation_activity",
        "Weaponisation-related activity",
        "An activity that could contribute to the design or development of a nuclear explosive device (e.g. explosive-driven neutron sources, multi-point detonation systems, weapon-relevant computer models)."
    ),
    event!(
        "termination_day",
        "UNSCR Termination Day",
        "The date set for the endorsing Security Council resolution to terminate by its terms was reached (JCPOA para 34.v); where its termination is contested, the record's note says so."
    ),
];

/// Looks up a metric by id: one of [`METRICS`] or of the centrifuge family
/// ([`CentrifugeKey`]).
pub fn metric(id: &str) -> Result<&'static MetricDef, VocabError> {
    let id = ALIASES
        .iter()
        .find(|(alias, _)| *alias == id)
        .map_or(id, |(_, canonical)| canonical);
    all_metrics()
        .find(|m| m.id == id)
        .ok_or_else(|| VocabError::UnknownMetric(id.to_owned()))
}

/// Earlier ids that name a member of the centrifuge family: they are read as that member,
/// so files and agreements written with them keep their meaning and join the same
/// measurements.
pub const ALIASES: &[(&str, &str)] = &[
    (
        "centrifuges_enriching_natanz_fep",
        "centrifuges_all_enriching_natanz_fep",
    ),
    (
        "centrifuges_installed_fordow",
        "centrifuges_all_installed_fordow",
    ),
    (
        "centrifuges_enriching_fordow",
        "centrifuges_all_enriching_fordow",
    ),
    (
        "centrifuges_ir4_rd",
        "centrifuges_ir4_installed_natanz_pfep",
    ),
    (
        "centrifuges_ir5_rd",
        "centrifuges_ir5_installed_natanz_pfep",
    ),
    (
        "centrifuges_ir6_rd",
        "centrifuges_ir6_installed_natanz_pfep",
    ),
    (
        "centrifuges_ir8_rd",
        "centrifuges_ir8_installed_natanz_pfep",
    ),
];

/// Every metric: the hand-written table, then the centrifuge family.
pub fn all_metrics() -> impl Iterator<Item = &'static MetricDef> {
    METRICS.iter().chain(centrifuge_metrics().iter())
}

/// A centrifuge type as the IAEA's reports name it; `All` counts every type together.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum MachineType {
    Ir1,
    Ir2m,
    Ir4,
    Ir5,
    Ir6,
    Ir6s,
    Irs,
    Ir8,
    Ir8b,
    Ir9,
    All,
}

impl MachineType {
    pub const ALL: [MachineType; 11] = [
        MachineType::Ir1,
        MachineType::Ir2m,
        MachineType::Ir4,
        MachineType::Ir5,
        MachineType::Ir6,
        MachineType::Ir6s,
        MachineType::Irs,
        MachineType::Ir8,
        MachineType::Ir8b,
        MachineType::Ir9,
        MachineType::All,
    ];

    /// The spelling in metric ids (`ir2m`).
    pub fn as_str(self) -> &'static str {
        match self {
            MachineType::Ir1 => "ir1",
            MachineType::Ir2m => "ir2m",
            MachineType::Ir4 => "ir4",
            MachineType::Ir5 => "ir5",
            MachineType::Ir6 => "ir6",
            MachineType::Ir6s => "ir6s",
            MachineType::Irs => "irs",
            MachineType::Ir8 => "ir8",
            MachineType::Ir8b => "ir8b",
            MachineType::Ir9 => "ir9",
            MachineType::All => "all",
        }
    }

    /// The name in the reports (`IR-2m`).
    pub fn label(self) -> &'static str {
        match self {
            MachineType::Ir1 => "IR-1",
            MachineType::Ir2m => "IR-2m",
            MachineType::Ir4 => "IR-4",
            MachineType::Ir5 => "IR-5",
            MachineType::Ir6 => "IR-6",
            MachineType::Ir6s => "IR-6s",
            MachineType::Irs => "IR-s",
            MachineType::Ir8 => "IR-8",
            MachineType::Ir8b => "IR-8B",
            MachineType::Ir9 => "IR-9",
            MachineType::All => "all types",
        }
    }

    /// A single type by its name in the reports in any case (`IR-2m`, `ir-2M`) or its
    /// metric id (`ir2m`); `All` is not a type to name.
    pub fn parse(s: &str) -> Option<MachineType> {
        MachineType::ALL
            .into_iter()
            .filter(|m| *m != MachineType::All)
            .find(|m| m.label().eq_ignore_ascii_case(s) || m.as_str() == s)
    }
}

/// Whether a count is of machines installed in cascades or of those being fed with UF6.
/// Installed includes enriching.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum MachineState {
    Installed,
    Enriching,
}

impl MachineState {
    pub const ALL: [MachineState; 2] = [MachineState::Installed, MachineState::Enriching];

    pub fn as_str(self) -> &'static str {
        match self {
            MachineState::Installed => "installed",
            MachineState::Enriching => "enriching",
        }
    }
}

/// The declared enrichment plants.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Site {
    /// The Fuel Enrichment Plant at Natanz (underground).
    NatanzFep,
    /// The Pilot Fuel Enrichment Plant at Natanz (R&D lines).
    NatanzPfep,
    /// The Fordow Fuel Enrichment Plant.
    Fordow,
}

impl Site {
    pub const ALL: [Site; 3] = [Site::NatanzFep, Site::NatanzPfep, Site::Fordow];

    pub fn as_str(self) -> &'static str {
        match self {
            Site::NatanzFep => "natanz_fep",
            Site::NatanzPfep => "natanz_pfep",
            Site::Fordow => "fordow",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Site::NatanzFep => "Natanz FEP",
            Site::NatanzPfep => "Natanz PFEP",
            Site::Fordow => "Fordow FFEP",
        }
    }

    /// A site by its id (`natanz_fep`).
    pub fn parse(id: &str) -> Option<Site> {
        Site::ALL.into_iter().find(|x| x.as_str() == id)
    }
}

/// What a centrifuge count counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Counted {
    Machines,
    Cascades,
}

/// One metric of the centrifuge family `centrifuges_<type>_<state>_<site>` (machines) or
/// `cascades_<type>_<state>_<site>` (cascades): every type, state and site the IAEA's
/// reports count, so that a count by type and site is never folded into a neighbour.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CentrifugeKey {
    pub counted: Counted,
    pub machine: MachineType,
    pub state: MachineState,
    pub site: Site,
}

impl CentrifugeKey {
    /// The metric id.
    pub fn id(&self) -> String {
        let head = match self.counted {
            Counted::Machines => "centrifuges",
            Counted::Cascades => "cascades",
        };
        format!(
            "{head}_{}_{}_{}",
            self.machine.as_str(),
            self.state.as_str(),
            self.site.as_str()
        )
    }

    /// The key of a family metric id; `None` for any other id.
    pub fn parse(id: &str) -> Option<CentrifugeKey> {
        let (counted, rest) = if let Some(r) = id.strip_prefix("centrifuges_") {
            (Counted::Machines, r)
        } else {
            (Counted::Cascades, id.strip_prefix("cascades_")?)
        };
        let machine = MachineType::ALL
            .into_iter()
            .find(|t| rest.starts_with(&format!("{}_", t.as_str())))?;
        let rest = &rest[machine.as_str().len() + 1..];
        let state = MachineState::ALL
            .into_iter()
            .find(|s| rest.starts_with(&format!("{}_", s.as_str())))?;
        let rest = &rest[state.as_str().len() + 1..];
        let site = Site::ALL.into_iter().find(|s| s.as_str() == rest)?;
        Some(CentrifugeKey {
            counted,
            machine,
            state,
            site,
        })
    }

    /// Every key of the family, in a stable order.
    pub fn every() -> impl Iterator<Item = CentrifugeKey> {
        [Counted::Machines, Counted::Cascades]
            .into_iter()
            .flat_map(|counted| {
                MachineType::ALL.into_iter().flat_map(move |machine| {
                    MachineState::ALL.into_iter().flat_map(move |state| {
                        Site::ALL.into_iter().map(move |site| CentrifugeKey {
                            counted,
                            machine,
                            state,
                            site,
                        })
                    })
                })
            })
    }
}

/// The centrifuge family as metric definitions (built once; ids that the hand-written
/// table already defines, such as `centrifuges_ir1_installed_natanz_fep`, are its own).
fn centrifuge_metrics() -> &'static [MetricDef] {
    static FAMILY: std::sync::LazyLock<Vec<MetricDef>> = std::sync::LazyLock::new(|| {
        CentrifugeKey::every()
            .filter_map(|k| {
                let id = k.id();
                if METRICS.iter().any(|m| m.id == id) {
                    return None;
                }
                let what = match k.counted {
                    Counted::Machines => "centrifuges",
                    Counted::Cascades => "cascades",
                };
                let state = match k.state {
                    MachineState::Installed => "installed",
                    MachineState::Enriching => "enriching",
                };
                let label = format!("{} {what} {state} at {}", k.machine.label(), k.site.label());
                let doc = format!(
                    "{} {what} {} at the {}, as the IAEA counts them.",
                    k.machine.label(),
                    match k.state {
                        MachineState::Installed => "installed (whether or not being fed with UF6)",
                        MachineState::Enriching => "being fed with UF6",
                    },
                    k.site.label()
                );
                // Built once for the life of the process: the table is static.
                Some(MetricDef {
                    id: Box::leak(id.into_boxed_str()),
                    unit: Unit::Count,
                    label: Box::leak(label.into_boxed_str()),
                    doc: Box::leak(doc.into_boxed_str()),
                })
            })
            .collect()
    });
    &FAMILY
}

/// Looks up an event by id.
pub fn event(id: &str) -> Result<&'static EventDef, VocabError> {
    EVENTS
        .iter()
        .find(|e| e.id == id)
        .ok_or_else(|| VocabError::UnknownEvent(id.to_owned()))
}

/// Converts a value stated in `from` into `to`, if the vocabulary defines the conversion.
pub fn convert(value: f64, from: Unit, to: Unit) -> Result<f64, VocabError> {
    match (from, to) {
        _ if from == to => Ok(value),
        (Unit::KgUf6, Unit::KgU) => Ok(value / KG_UF6_PER_KG_U),
        (Unit::KgU, Unit::KgUf6) => Ok(value * KG_UF6_PER_KG_U),
        _ => Err(VocabError::UnitMismatch {
            expected: to,
            found: from,
        }),
    }
}

/// Parses an ISO 8601 calendar date (`YYYY-MM-DD`). The error says what is wrong in
/// the user's terms ("2025-13-01: month 13 does not exist", "2025-02-29: February 2025
/// has 28 days") rather than in the parser's.
pub fn parse_date(s: &str) -> Result<Date, VocabError> {
    let bad = |reason: String| VocabError::BadDate {
        text: s.to_owned(),
        reason,
    };
    let parts: Vec<&str> = s.split('-').collect();
    let shape_ok = parts.len() == 3
        && [4, 2, 2]
            .iter()
            .zip(&parts)
            .all(|(n, p)| p.len() == *n && p.bytes().all(|b| b.is_ascii_digit()));
    if !shape_ok {
        return Err(bad(
            "expected a date as YYYY-MM-DD, e.g. 2025-06-12".to_owned()
        ));
    }
    // The shape check leaves only ASCII digits, so these parses cannot fail.
    let num = |p: &str| p.parse::<i16>().unwrap_or(0);
    let (y, m, d) = (num(parts[0]), num(parts[1]) as i8, num(parts[2]) as i8);
    if !(1..=12).contains(&m) {
        return Err(bad(format!("month {m} does not exist")));
    }
    if d == 0 {
        return Err(bad("day 0 does not exist".to_owned()));
    }
    let first = Date::new(y, m, 1).map_err(|e| bad(e.to_string()))?;
    let len = first.days_in_month();
    if d > len {
        const MONTHS: [&str; 12] = [
            "January",
            "February",
            "March",
            "April",
            "May",
            "June",
            "July",
            "August",
            "September",
            "October",
            "November",
            "December",
        ];
        return Err(bad(format!(
            "{} {y} has {len} days",
            MONTHS[(m - 1) as usize]
        )));
    }
    Date::new(y, m, d).map_err(|e| bad(e.to_string()))
}

/// Why a vocabulary look-up failed. Messages name the offending text and what was expected.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum VocabError {
    #[error("unknown metric `{0}` (see docs/vocabulary.md for the list)")]
    UnknownMetric(String),
    #[error("unknown event `{0}` (see docs/vocabulary.md for the list)")]
    UnknownEvent(String),
    #[error(
        "unknown unit `{0}` (expected one of kg_u, kg_uf6, pct_u235, t, count, mwth, days, bool)"
    )]
    UnknownUnit(String),
    #[error("unit mismatch: expected {expected}, found {found}")]
    UnitMismatch { expected: Unit, found: Unit },
    #[error("{text}: {reason}")]
    BadDate { text: String, reason: String },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_and_snake_case() {
        let mut ids: Vec<&str> = METRICS
            .iter()
            .map(|m| m.id)
            .chain(EVENTS.iter().map(|e| e.id))
            .collect();
        for id in &ids {
            assert!(
                id.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_'),
                "{id}"
            );
        }
        let n = ids.len();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), n, "metric and event ids must be unique");
    }

    #[test]
    fn centrifuge_family_round_trips_and_keeps_the_hand_written_id() {
        let n = CentrifugeKey::every().count();
        assert_eq!(n, 2 * 11 * 2 * 3);
        for k in CentrifugeKey::every() {
            let id = k.id();
            assert_eq!(CentrifugeKey::parse(&id), Some(k), "{id}");
            let m = metric(&id).expect("every family id is a metric");
            assert_eq!(m.unit, Unit::Count);
        }
        // ir6 must not swallow ir6s, nor ir8 ir8b.
        assert_eq!(
            CentrifugeKey::parse("cascades_ir6s_enriching_fordow").map(|k| k.machine),
            Some(MachineType::Ir6s)
        );
        assert_eq!(
            CentrifugeKey::parse("centrifuges_ir7_installed_fordow"),
            None
        );
        assert_eq!(
            CentrifugeKey::parse("centrifuges_ir1_installed_fordow_x"),
            None
        );
        // The hand-written IR-1 FEP metric is the family's id, defined once.
        let id = "centrifuges_ir1_installed_natanz_fep";
        assert_eq!(all_metrics().filter(|m| m.id == id).count(), 1);
        for (alias, canonical) in ALIASES {
            assert_eq!(metric(alias).map(|m| m.id), Ok(*canonical));
        }
        let ids: std::collections::HashSet<&str> = all_metrics().map(|m| m.id).collect();
        assert_eq!(ids.len(), all_metrics().count(), "ids unique");
    }

    #[test]
    fn jcpoa_limit_in_kg_u_matches_iaea_convention() {
        // The IAEA reports the 300 kg UF6 limit as 202.8 kg U.
        let kg_u = convert(300.0, Unit::KgUf6, Unit::KgU).expect("defined conversion");
        assert!((kg_u - JCPOA_STOCK_LIMIT_KG_U).abs() < 0.05, "{kg_u}");
    }

    #[test]
    fn lookups_and_errors() {
        assert_eq!(
            metric("heavy_water_stock").map(|m| m.unit),
            Ok(Unit::Tonnes)
        );
        assert!(matches!(
            metric("heavy_water"),
            Err(VocabError::UnknownMetric(_))
        ));
        assert!(event("snapback_notified").is_ok());
        assert_eq!(Unit::KgU.show(202.8), "202.8 kg U");
        assert_eq!(Unit::Count.show(5060.0), "5,060");
        assert_eq!(Unit::Count.show(166.0), "166");
        assert_eq!(Unit::PctU235.show(3.67), "3.67 % U-235");
        assert_eq!(Unit::Bool.show(0.0), "no");
        assert_eq!(Unit::KgU.show(9874.9), "9,874.9 kg U");
        assert_eq!(Unit::Count.show(-1234.5), "-1,234.5");
        assert_eq!(Unit::parse("kg_u"), Ok(Unit::KgU));
        assert!(Unit::parse("kg").is_err());
        assert!(convert(1.0, Unit::Tonnes, Unit::KgU).is_err());
        assert_eq!(parse_date("2016-01-16").map(|d| d.year()), Ok(2016));
        assert!(parse_date("2016-13-01").is_err());
    }

    #[test]
    fn vocabulary_doc_lists_every_id() {
        let doc = include_str!("../../../docs/vocabulary.md");
        assert!(doc.contains("`centrifuges_<type>_<state>_<site>`"));
        for t in MachineType::ALL {
            assert!(doc.contains(&format!("`{}`", t.as_str())), "type {t:?}");
        }
        for id in METRICS
            .iter()
            .map(|m| m.id)
            .chain(EVENTS.iter().map(|e| e.id))
        {
            assert!(
                doc.contains(&format!("`{id}`")),
                "docs/vocabulary.md misses `{id}`"
            );
        }
    }
}

#[cfg(test)]
mod date_tests {
    use super::parse_date;

    #[test]
    fn dates_are_parsed_and_refused_in_the_users_terms() {
        assert_eq!(
            parse_date("2024-02-29").map(|d| d.to_string()),
            Ok("2024-02-29".to_owned())
        );
        let msg = |s: &str| parse_date(s).map_err(|e| e.to_string()).err();
        assert_eq!(
            msg("2025-13-01").as_deref(),
            Some("2025-13-01: month 13 does not exist")
        );
        assert_eq!(
            msg("2025-02-29").as_deref(),
            Some("2025-02-29: February 2025 has 28 days")
        );
        assert_eq!(
            msg("2025-00-10").as_deref(),
            Some("2025-00-10: month 0 does not exist")
        );
        assert_eq!(
            msg("2025-1-10").as_deref(),
            Some("2025-1-10: expected a date as YYYY-MM-DD, e.g. 2025-06-12")
        );
        assert!(msg("2025-06-00").is_some());
    }
}
