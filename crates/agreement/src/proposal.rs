//! Proposals: the nuclear terms of a deal, year by year, in the agreement language.
//!
//! An agreement file says who must do what and when, for verdicts; a proposal file
//! (`[proposal]` and `[[term]]` tables, `docs/proposal-format.md`) says what a deal
//! leaves of an enrichment programme — the enrichment cap, the stock cap, the machines
//! allowed by type and site, what happens to the machines and stocks above them, the
//! R&D allowed, the verification it provides — with each term's years in force and
//! its source, so that breakout can be computed for every year of the deal's life.
//! Years count from the deal's start (year 0, when its limits are first implemented);
//! `until_year` is exclusive, as windows are everywhere in the language.

use verity_vocab::{MachineType, Site};

use crate::model::Loc;

/// Whether the terms are an agreed text or a report of a proposal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProposalStatus {
    /// The terms of a text the parties agreed (the JCPOA).
    Agreed,
    /// Terms as publicly reported (press, officials' statements), not an official text.
    Reported,
    /// A variant built for analysis.
    Hypothetical,
}

impl ProposalStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ProposalStatus::Agreed => "agreed",
            ProposalStatus::Reported => "reported",
            ProposalStatus::Hypothetical => "hypothetical",
        }
    }
}

/// What becomes of machines beyond those a term allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MachineFate {
    /// Removed and stored under monitoring: they can be reinstalled.
    Stored,
    /// Destroyed or exported: they cannot come back.
    Removed,
}

/// What becomes of stocks above the caps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StockFate {
    Export,
    Downblend,
    Convert,
}

impl StockFate {
    pub fn as_str(self) -> &'static str {
        match self {
            StockFate::Export => "export",
            StockFate::Downblend => "downblend",
            StockFate::Convert => "convert",
        }
    }
}

/// A verification measure a proposal provides.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Measure {
    /// Daily access to the enrichment plants and online enrichment monitors.
    DailyAccess,
    /// Continuous monitoring (seals, cameras) of stored machines and of the production
    /// of rotors and bellows.
    ContinuousMonitoring,
    /// The Additional Protocol: complementary access anywhere.
    AdditionalProtocol,
    /// A time-bound procedure for access to a suspect site (JCPOA para. 78: 24 days).
    AccessProcedure,
    /// A channel through which procurement of nuclear-related goods passes.
    ProcurementChannel,
    /// Safeguards under the comprehensive safeguards agreement alone.
    Safeguards,
}

impl Measure {
    pub const ALL: [Measure; 6] = [
        Measure::DailyAccess,
        Measure::ContinuousMonitoring,
        Measure::AdditionalProtocol,
        Measure::AccessProcedure,
        Measure::ProcurementChannel,
        Measure::Safeguards,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Measure::DailyAccess => "daily_access",
            Measure::ContinuousMonitoring => "continuous_monitoring",
            Measure::AdditionalProtocol => "additional_protocol",
            Measure::AccessProcedure => "access_procedure",
            Measure::ProcurementChannel => "procurement_channel",
            Measure::Safeguards => "safeguards",
        }
    }

    pub fn parse(s: &str) -> Option<Measure> {
        Measure::ALL.into_iter().find(|m| m.as_str() == s)
    }
}

/// One term's substance.
#[derive(Debug, Clone, PartialEq)]
pub enum TermKind {
    /// No enrichment above this level (percent U-235); 0 means no enrichment at all.
    EnrichmentCap { pct: f64 },
    /// No more than this enriched uranium, kg U (a cap given in kg UF6 is converted at
    /// the UF6 uranium fraction, 0.676).
    StockCap { kg_u: f64 },
    /// At most `count` machines of a type enriching (at a site, or anywhere).
    Machines {
        machine: MachineType,
        site: Option<Site>,
        count: u32,
    },
    /// Machines for R&D (testing), counted as capacity in a breakout.
    Rd { machine: MachineType, count: u32 },
    /// What becomes of the machines above the allowed numbers.
    ExcessMachines { fate: MachineFate },
    /// Stock above `above_pct` (or above the stock cap) leaves within `within_months`.
    ExistingStock {
        above_pct: Option<f64>,
        fate: StockFate,
        within_months: f64,
    },
    /// A verification measure.
    Verification { measure: Measure },
}

impl TermKind {
    /// The `term` spelling.
    pub fn name(&self) -> &'static str {
        match self {
            TermKind::EnrichmentCap { .. } => "enrichment_cap",
            TermKind::StockCap { .. } => "stock_cap",
            TermKind::Machines { .. } => "machines",
            TermKind::Rd { .. } => "rd",
            TermKind::ExcessMachines { .. } => "excess_machines",
            TermKind::ExistingStock { .. } => "existing_stock",
            TermKind::Verification { .. } => "verification",
        }
    }
}

/// One term, its years in force and its source.
#[derive(Debug, Clone, PartialEq)]
pub struct Term {
    pub kind: TermKind,
    /// First year in force (0: from the start).
    pub from_year: f64,
    /// First year no longer in force; `None`: the whole life of the deal.
    pub until_year: Option<f64>,
    /// Where the term comes from: a treaty paragraph, or the report of a proposal.
    pub source: String,
    pub text: Option<String>,
    pub loc: Loc,
}

impl Term {
    /// Whether the term is in force in `year` (years since the start, fractional).
    pub fn in_force(&self, year: f64) -> bool {
        year >= self.from_year && self.until_year.is_none_or(|u| year < u)
    }
}

/// Machines that could be reinstalled from storage during a breakout, and how fast.
#[derive(Debug, Clone, PartialEq)]
pub struct Reinstall {
    /// Machines per month, during a breakout.
    pub per_month: f64,
    /// Machines per month once the machine limits have lapsed (the plant growing back
    /// under the deal's own rules); the same as `per_month` unless given.
    pub after_lapse_per_month: f64,
    pub source: String,
}

/// A covert plant: the "sneakout" case.
#[derive(Debug, Clone, PartialEq)]
pub struct Sneakout {
    pub machine: MachineType,
    pub count: u32,
    pub source: String,
}

/// A proposal: a deal's nuclear terms.
#[derive(Debug, Clone, PartialEq)]
pub struct Proposal {
    pub id: String,
    pub title: String,
    pub status: ProposalStatus,
    pub source: String,
    pub summary: Option<String>,
    /// The life of the deal, in years from its start.
    pub duration_years: u32,
    /// The record date the proposal is evaluated from when the caller names none.
    pub from: Option<String>,
    pub reinstall: Reinstall,
    pub sneakout: Sneakout,
    pub terms: Vec<Term>,
}

impl Proposal {
    /// The terms in force in `year`.
    pub fn in_force(&self, year: f64) -> impl Iterator<Item = &Term> {
        self.terms.iter().filter(move |t| t.in_force(year))
    }

    /// Every year at which some term starts or ends, within the deal's life, sorted.
    pub fn changes(&self) -> Vec<f64> {
        let mut out: Vec<f64> = self
            .terms
            .iter()
            .flat_map(|t| [Some(t.from_year), t.until_year])
            .flatten()
            .filter(|y| *y > 0.0 && *y <= f64::from(self.duration_years))
            .collect();
        out.sort_by(f64::total_cmp);
        out.dedup();
        out
    }
}

/// The proposals shipped in `data/proposals/`, embedded: (file name, source).
pub const PROPOSALS: &[(&str, &str)] = &[
    (
        "data/proposals/jcpoa-2015.toml",
        include_str!("../../../data/proposals/jcpoa-2015.toml"),
    ),
    (
        "data/proposals/us-2025-05.toml",
        include_str!("../../../data/proposals/us-2025-05.toml"),
    ),
    (
        "data/proposals/iran-2025.toml",
        include_str!("../../../data/proposals/iran-2025.toml"),
    ),
    (
        "data/proposals/zero-enrichment.toml",
        include_str!("../../../data/proposals/zero-enrichment.toml"),
    ),
    (
        "data/proposals/no-deal.toml",
        include_str!("../../../data/proposals/no-deal.toml"),
    ),
];
