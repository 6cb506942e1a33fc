//! The negotiation workbench: proposals (`verity deal list|show`), a proposal's breakout
//! over its whole life (`verity deal evaluate`, `POST /api/v1/deals/evaluate`) and a
//! search of the deal space (`verity deal search`, `POST /api/v1/deals/search`).
//!
//! The starting state comes from the record (the figures of the last report on or
//! before the date asked, as the breakout timeline reads them) or is a named state of
//! `verity-deal` (`pre-deal-2015`). Requests and answers are one type each, so the CLI
//! and the API cannot disagree.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use verity_agreement::Proposal;
use verity_deal::search::{self, Axis, AxisName, Plan, Point};
use verity_deal::{Evaluation, StartMachines, StartState, StartStock, start};
use verity_evidence::EvidenceSet;
use verity_physics::SqDefinition;
use verity_vocab::{MachineType, Site};

use crate::{AppError, AppResult};

/// Defaults shared by the CLI's flags and the API's bodies.
pub mod defaults {
    /// Monte Carlo samples per year of an evaluation.
    pub const EVALUATE_SAMPLES: usize = 4000;
    /// Monte Carlo samples per point of a search.
    pub const SEARCH_SAMPLES: usize = 1000;
    pub const SEED: u64 = 1;
    /// The default base of a search: the JCPOA.
    pub const BASE: &str = "jcpoa-2015";
}

/// The policy of the workbench: the target a deal is judged against.
pub mod policy {
    /// The JCPOA's aim: breakout of at least a year (White House, "Parameters", 2 Apr
    /// 2015), in days.
    pub const TARGET_DAYS: f64 = 365.0;
    /// The probability the target must be met with, for a point to count as meeting it.
    pub const CONFIDENCE: f64 = 0.9;
}

/// Resources a caller may use (the server allows less than the CLI).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    pub max_samples: usize,
    pub max_points: usize,
}

impl Limits {
    pub const CLI: Limits = Limits {
        max_samples: 1_000_000,
        max_points: 1_000_000,
    };
    pub const SERVER: Limits = Limits {
        max_samples: 10_000,
        max_points: 10_000,
    };
}

/// One shipped proposal, listed.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct ProposalItem {
    pub id: String,
    pub title: String,
    /// `agreed`, `reported` (as publicly reported, not an official text) or
    /// `hypothetical`.
    pub status: String,
    pub duration_years: u32,
    /// The starting state evaluated from by default.
    pub from: Option<String>,
    pub terms: usize,
    pub source: String,
}

/// A named starting state.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct StateItem {
    pub name: String,
    pub title: String,
}

/// An axis the search can sweep.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct AxisItem {
    pub name: String,
    pub meaning: String,
}

/// `verity deal list --json`, `GET /api/v1/deals`.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct ListDoc {
    pub proposals: Vec<ProposalItem>,
    pub start_states: Vec<StateItem>,
    pub axes: Vec<AxisItem>,
}

/// The shipped proposals, parsed (a shipped file that does not parse is a bug a test
/// catches; it is reported, never skipped).
pub fn shipped() -> AppResult<Vec<Proposal>> {
    verity_agreement::proposals()
        .map_err(|d| AppError::Failed(anyhow::anyhow!("a shipped proposal does not parse: {d}")))
}

/// Every shipped proposal, the named starting states and the search axes.
pub fn list() -> AppResult<ListDoc> {
    Ok(ListDoc {
        proposals: shipped()?
            .iter()
            .map(|p| ProposalItem {
                id: p.id.clone(),
                title: p.title.clone(),
                status: p.status.as_str().to_owned(),
                duration_years: p.duration_years,
                from: p.from.clone(),
                terms: p.terms.len(),
                source: p.source.clone(),
            })
            .collect(),
        start_states: start::NAMED
            .iter()
            .map(|n| StateItem {
                name: n.name.to_owned(),
                title: n.title.to_owned(),
            })
            .collect(),
        axes: AxisName::ALL
            .iter()
            .map(|a| AxisItem {
                name: a.as_str().to_owned(),
                meaning: a.meaning().to_owned(),
            })
            .collect(),
    })
}

/// One term, shown.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct TermItem {
    pub term: String,
    /// The term's substance in words.
    pub what: String,
    pub from_year: f64,
    pub until_year: Option<f64>,
    pub source: String,
    pub text: Option<String>,
}

/// `verity deal show NAME --json`, `GET /api/v1/deals/{name}`.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct ShowDoc {
    pub id: String,
    pub title: String,
    pub status: String,
    pub source: String,
    pub summary: Option<String>,
    pub duration_years: u32,
    pub from: Option<String>,
    pub reinstall_per_month: f64,
    pub after_lapse_per_month: f64,
    pub reinstall_source: String,
    pub sneakout: String,
    pub sneakout_source: String,
    pub terms: Vec<TermItem>,
}

fn describe(k: &verity_agreement::TermKind) -> String {
    use verity_agreement::TermKind as K;
    use verity_agreement::proposal::MachineFate;
    match k {
        K::EnrichmentCap { pct } if *pct <= 0.0 => "no enrichment".into(),
        K::EnrichmentCap { pct } => format!("enrichment up to {pct} %"),
        K::StockCap { kg_u } => format!("enriched uranium up to {kg_u:.1} kg U"),
        K::Machines {
            machine,
            site,
            count,
        } => format!(
            "up to {count} {} enriching at {}",
            machine.label(),
            verity_deal::site_label(*site)
        ),
        K::Rd { machine, count } => format!("up to {count} {} for R&D", machine.label()),
        K::ExcessMachines { fate } => match fate {
            MachineFate::Stored => "machines above the limits stored under monitoring".into(),
            MachineFate::Removed => "machines above the limits destroyed".into(),
        },
        K::ExistingStock {
            above_pct,
            fate,
            within_months,
        } => format!(
            "{} {} {}",
            match above_pct {
                None => "stock above the enrichment cap".to_owned(),
                Some(p) if *p <= 0.0 => "all the enriched stock".to_owned(),
                Some(p) => format!("stock above {p} %"),
            },
            match fate {
                verity_agreement::proposal::StockFate::Export => "shipped out",
                verity_agreement::proposal::StockFate::Downblend => "down-blended",
                verity_agreement::proposal::StockFate::Convert => "converted",
            },
            if *within_months <= 0.0 {
                "at once".to_owned()
            } else {
                format!("within {within_months} months")
            }
        ),
        K::Verification { measure } => format!("verification: {}", measure.as_str()),
    }
}

/// A shipped proposal by id.
pub fn find(name: &str) -> AppResult<Proposal> {
    let all = shipped()?;
    let ids: Vec<String> = all.iter().map(|p| p.id.clone()).collect();
    all.into_iter()
        .find(|p| p.id == name.trim())
        .ok_or_else(|| {
            AppError::NotFound(format!(
                "no proposal `{}`; shipped: {} (or give a proposal file)",
                crate::text::echo(name, 80),
                ids.join(", ")
            ))
        })
}

/// A proposal file's text, parsed (every problem located in `file`).
pub fn parse(src: &str, file: &str) -> AppResult<Proposal> {
    verity_agreement::parse_proposal(src, file).map_err(|d| AppError::BadInput {
        field: None,
        value: None,
        reason: format!("{file}: the proposal has {} problem(s)", d.0.len()),
        problems: d.0.iter().map(|x| x.to_string()).collect(),
    })
}

/// One proposal's terms.
pub fn show(name: &str) -> AppResult<ShowDoc> {
    let p = find(name)?;
    Ok(ShowDoc {
        id: p.id.clone(),
        title: p.title.clone(),
        status: p.status.as_str().to_owned(),
        source: p.source.clone(),
        summary: p.summary.clone(),
        duration_years: p.duration_years,
        from: p.from.clone(),
        reinstall_per_month: p.reinstall.per_month,
        after_lapse_per_month: p.reinstall.after_lapse_per_month,
        reinstall_source: p.reinstall.source.clone(),
        sneakout: format!("{} {}", p.sneakout.count, p.sneakout.machine.label()),
        sneakout_source: p.sneakout.source.clone(),
        terms: p
            .terms
            .iter()
            .map(|t| TermItem {
                term: t.kind.name().to_owned(),
                what: describe(&t.kind),
                from_year: t.from_year,
                until_year: t.until_year,
                source: t.source.clone(),
                text: t.text.clone(),
            })
            .collect(),
    })
}

/// A starting state given in full: the stocks and the machines by type and site, in
/// the body of a request (`start`) or by `verity deal`'s `--stock` and `--machines`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GivenStart {
    /// Enriched-uranium stocks (natural uranium is always available).
    #[serde(default)]
    pub stocks: Vec<GivenStock>,
    #[serde(default)]
    pub machines: Vec<GivenMachines>,
}

/// A stock of a given start.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GivenStock {
    pub assay_pct: f64,
    pub kg_u: f64,
}

/// Machines of one type (at one site) of a given start.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GivenMachines {
    /// A catalogue type: `IR-1`, `IR-2m`, `IR-4`, `IR-6` (any case; `ir2m` too).
    pub machine: String,
    /// `natanz_fep`, `natanz_pfep` or `fordow`; none: a site not named.
    #[serde(default)]
    pub site: Option<String>,
    /// Machines enriching.
    pub enriching: u32,
    /// Machines installed (enriching included); default: as many as enriching.
    #[serde(default)]
    pub installed: Option<u32>,
}

/// A request's machine type: as `MachineType::parse`, its id in any case too.
fn machine_type(text: &str) -> Option<MachineType> {
    MachineType::parse(&text.trim().to_ascii_lowercase())
}

/// A request's site: its id in any case, or its name.
fn site_of(text: &str) -> Option<Site> {
    let t = text.trim();
    Site::parse(&t.to_ascii_lowercase()).or_else(|| {
        Site::ALL
            .into_iter()
            .find(|s| s.label().eq_ignore_ascii_case(t))
    })
}

/// The starting state of a given start, dated `date` (year 0 of the deal).
pub fn given_state(g: &GivenStart, date: verity_vocab::Date) -> AppResult<StartState> {
    if g.stocks.is_empty() && g.machines.is_empty() {
        return Err(AppError::field(
            "start",
            "{}",
            "expected at least one stock or one group of machines",
        ));
    }
    let mut stocks = Vec::new();
    for (i, st) in g.stocks.iter().enumerate() {
        if !(st.assay_pct.is_finite() && st.assay_pct > 0.0 && st.assay_pct < 100.0) {
            return Err(AppError::field(
                format!("start.stocks[{i}].assay_pct"),
                st.assay_pct,
                "expected percent U-235 above 0 and below 100",
            ));
        }
        if !(st.kg_u.is_finite() && (0.0..=1.0e7).contains(&st.kg_u)) {
            return Err(AppError::field(
                format!("start.stocks[{i}].kg_u"),
                st.kg_u,
                "expected kg U from 0 to 10,000,000",
            ));
        }
        stocks.push(StartStock {
            assay_pct: st.assay_pct,
            kg_u: st.kg_u,
        });
    }
    let known: Vec<&str> = MachineType::ALL
        .into_iter()
        .filter(|m| verity_deal::model::figures(*m).is_ok())
        .map(MachineType::label)
        .collect();
    let mut machines = Vec::new();
    for (i, m) in g.machines.iter().enumerate() {
        let machine = machine_type(&m.machine)
            .filter(|t| verity_deal::model::figures(*t).is_ok())
            .ok_or_else(|| {
                AppError::field(
                    format!("start.machines[{i}].machine"),
                    &m.machine,
                    format!(
                        "expected a machine type with performance figures: {}",
                        known.join(", ")
                    ),
                )
            })?;
        let site = match &m.site {
            None => None,
            Some(text) => Some(site_of(text).ok_or_else(|| {
                AppError::field(
                    format!("start.machines[{i}].site"),
                    text,
                    "expected natanz_fep, natanz_pfep or fordow",
                )
            })?),
        };
        let installed = m.installed.unwrap_or(m.enriching);
        if installed < m.enriching || installed > 1_000_000 {
            return Err(AppError::field(
                format!("start.machines[{i}].installed"),
                installed,
                format!(
                    "expected machines installed from {} (those enriching) to 1,000,000",
                    m.enriching
                ),
            ));
        }
        machines.push(StartMachines {
            machine,
            site,
            enriching: m.enriching,
            installed,
        });
    }
    Ok(StartState {
        name: "given".into(),
        date,
        source: "given in the request: stocks and machines as stated there".into(),
        stocks,
        machines,
        // A given state shows no pace of its own: the proposal's (or the request's).
        install_rate: None,
        notes: Vec::new(),
    })
}

/// The start of an evaluation or search: a given one (dated by `from` if that is a
/// date, else by the record's last report), or the state `from` names.
fn resolve_start(
    from: Option<&str>,
    given: Option<&GivenStart>,
    default_from: Option<&str>,
    evidence: &EvidenceSet,
) -> AppResult<(String, StartState)> {
    if let Some(g) = given {
        let date = match from {
            Some(f) => verity_vocab::parse_date(f.trim()).map_err(|_| {
                AppError::field(
                    "from",
                    f,
                    "with a given start, `from` is its date: expected YYYY-MM-DD (a named state and a given start cannot be combined)",
                )
            })?,
            None => latest_report_date(evidence).ok_or_else(|| {
                AppError::field("from", "", "the record has no report to date the given start by: give its date")
            })?,
        };
        let mut s = given_state(g, date)?;
        if from.is_none() {
            s.notes.push(format!(
                "dated by the record's last report with stocks and machines ({date})"
            ));
        }
        return Ok((date.to_string(), s));
    }
    let from = from.or(default_from).ok_or_else(|| {
        AppError::field("from", "", "the proposal names no starting state: give one")
    })?;
    Ok((from.trim().to_owned(), start_state(from, evidence)?))
}

fn latest_report_date(evidence: &EvidenceSet) -> Option<verity_vocab::Date> {
    record_points(evidence).last().map(|p| p.date)
}

/// The starting state `from` names: a named state, or the record's figures at the
/// last report on or before a date (`YYYY-MM-DD`).
pub fn start_state(from: &str, evidence: &EvidenceSet) -> AppResult<StartState> {
    let from = from.trim();
    if let Some(s) = start::named(from) {
        return Ok(s);
    }
    let names: Vec<&str> = start::NAMED.iter().map(|n| n.name).collect();
    let date = verity_vocab::parse_date(from).map_err(|e| {
        AppError::field(
            "from",
            from,
            format!(
                "{e}; expected a date YYYY-MM-DD (the record's state then) or a named state: {}",
                names.join(", ")
            ),
        )
    })?;
    let points = record_points(evidence);
    record_start(&points, from, date, evidence)
}

/// The record's breakout points, whose figures starts are built from (no Monte Carlo).
fn record_points(evidence: &EvidenceSet) -> Vec<verity_compliance::breakout::BreakoutPoint> {
    verity_compliance::breakout::timeline_all(
        evidence,
        &verity_compliance::breakout::BreakoutOptions {
            samples: 0,
            seed: 1,
        },
    )
}

/// The start at the last of `points` on or before `date`.
fn record_start(
    points: &[verity_compliance::breakout::BreakoutPoint],
    from: &str,
    date: verity_vocab::Date,
    evidence: &EvidenceSet,
) -> AppResult<StartState> {
    let names: Vec<&str> = start::NAMED.iter().map(|n| n.name).collect();
    let first = points.first().map(|p| p.date);
    let Some(p) = points.iter().rev().find(|p| p.date <= date) else {
        return Err(AppError::field(
            "from",
            from,
            format!(
                "the record has no report with stocks and centrifuges on or before {date}{}; named states: {}",
                first.map_or_else(String::new, |d| format!(" (its first is of {d})")),
                names.join(", ")
            ),
        ));
    };
    Ok(state_of_point(p, evidence))
}

/// The latest count of machines installed per type and site on or before `date`: the
/// machines a deal would store or remove (lower bounds taken at their bound; a count
/// of cascades at the plant's cascade size).
fn installed(
    evidence: &EvidenceSet,
    party: &str,
    date: verity_vocab::Date,
) -> BTreeMap<(MachineType, Site), (u32, String)> {
    use verity_vocab::{CentrifugeKey, Counted, MachineState};
    let mut latest: BTreeMap<(MachineType, Site, bool), (verity_vocab::Date, f64, String)> =
        BTreeMap::new();
    for m in evidence
        .figures()
        .filter(|m| m.date <= date && m.party.trim().eq_ignore_ascii_case(party.trim()))
    {
        let Some(k) = CentrifugeKey::parse(m.metric.id) else {
            continue;
        };
        if k.state != MachineState::Installed || verity_deal::model::figures(k.machine).is_err() {
            continue;
        }
        let Some(n) = m.quantity.central() else {
            continue;
        };
        let cascades = k.counted == Counted::Cascades;
        let n = if cascades {
            n * f64::from(verity_physics::routes::default_machines_per_cascade(
                k.machine.label(),
            ))
        } else {
            n
        };
        let e = latest.entry((k.machine, k.site, cascades)).or_insert((
            m.date,
            n,
            m.source.report.clone(),
        ));
        if m.date >= e.0 {
            *e = (m.date, n, m.source.report.clone());
        }
    }
    let mut out: BTreeMap<(MachineType, Site), (u32, String)> = BTreeMap::new();
    for ((machine, site, cascades), (_, n, report)) in latest {
        let n = n.round().max(0.0) as u32;
        let e = out.entry((machine, site)).or_insert((0, String::new()));
        // A count of machines stands over a count of cascades of the same report era;
        // keep the larger when both exist (each is a lower bound).
        if n > e.0 || (!cascades && e.1.is_empty()) {
            *e = (n.max(e.0), report);
        }
    }
    out
}

fn state_of_point(
    p: &verity_compliance::breakout::BreakoutPoint,
    evidence: &EvidenceSet,
) -> StartState {
    let mut machines = Vec::new();
    let mut notes = Vec::new();
    let party = evidence
        .measurements
        .iter()
        .find(|m| m.source.report == p.source)
        .map_or_else(|| "iran".to_owned(), |m| m.party.clone());
    let mut inst = installed(evidence, &party, p.date);
    for b in &p.basis {
        let Some(m) = MachineType::parse(&b.kind) else {
            notes.push(format!("{} {} left out: unknown type", b.count, b.kind));
            continue;
        };
        let site = b.site.and_then(Site::parse);
        if b.carried_forward {
            notes.push(format!(
                "{} {} at {}: carried forward from {} ({})",
                b.count,
                b.kind,
                b.site.unwrap_or("unattributed"),
                b.report,
                b.as_of
            ));
        }
        let more = site.and_then(|s| inst.remove(&(m, s)));
        if let Some((n, r)) = &more
            && *n > b.count
        {
            notes.push(format!(
                "{n} {} installed at {} ({r}), {} of them enriching",
                b.kind,
                b.site.unwrap_or("unattributed"),
                b.count
            ));
        }
        machines.push(StartMachines {
            machine: m,
            site,
            enriching: b.count,
            installed: more.map_or(b.count, |(n, _)| n.max(b.count)),
        });
    }
    for ((m, site), (n, r)) in inst {
        if n > 0 {
            notes.push(format!(
                "{n} {} installed at {} ({r}), none counted enriching",
                m.label(),
                site.as_str()
            ));
            machines.push(StartMachines {
                machine: m,
                site: Some(site),
                enriching: 0,
                installed: n,
            });
        }
    }
    notes.push(
        "machines: those the record counts by type and site, enriching and installed (lower bounds at their bound); totals the record gives without a type are left out, so the stored pool is a lower bound".into(),
    );
    for s in &p.stocks_carried_forward {
        notes.push(format!("stock carried forward: {s}"));
    }
    StartState {
        name: p.source.clone(),
        date: p.date,
        source: format!(
            "the record's figures of {} (stocks as of {}; machines from {})",
            p.source, p.date, p.machines_from
        ),
        stocks: p
            .stocks
            .iter()
            .map(|(a, kg)| StartStock {
                assay_pct: *a,
                kg_u: *kg,
            })
            .collect(),
        machines,
        install_rate: start::demonstrated_install_rate(p.date),
        notes,
    }
}

/// What one significant quantity is, in requests.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum SqIn {
    #[default]
    Iaea,
    Wgu,
}

impl SqIn {
    fn physics(self) -> SqDefinition {
        match self {
            SqIn::Iaea => SqDefinition::Iaea,
            SqIn::Wgu => SqDefinition::Wgu,
        }
    }
}

/// The body of `POST /api/v1/deals/evaluate`; what `verity deal evaluate` builds.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EvaluateRequest {
    /// A shipped proposal's id.
    #[serde(default)]
    pub proposal: Option<String>,
    /// Or a proposal file's text (TOML, `docs/proposal-format.md`).
    #[serde(default)]
    pub proposal_toml: Option<String>,
    /// A date (the record's state then) or a named state; default: the proposal's.
    #[serde(default)]
    pub from: Option<String>,
    #[serde(default)]
    pub samples: Option<usize>,
    #[serde(default)]
    pub seed: Option<u64>,
    #[serde(default)]
    pub sq_definition: Option<SqIn>,
    /// Machines a month reinstalled from storage in a breakout, instead of the
    /// proposal's `[reinstall] per_month`.
    #[serde(default)]
    pub reinstall_per_month: Option<f64>,
    /// A starting state given in full instead of a record date or a named state
    /// (`from`, if given, is then its date).
    #[serde(default)]
    pub start: Option<GivenStart>,
}

/// `verity deal evaluate --json`, `POST /api/v1/deals/evaluate`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EvaluationDoc {
    #[serde(flatten)]
    pub evaluation: Evaluation,
    /// The `from` asked (or the proposal's default).
    pub from: String,
    pub samples: usize,
    pub seed: u64,
    pub sq_definition: SqIn,
    pub target_days: f64,
    /// How each figure is computed.
    pub method: &'static str,
}

/// The method, shown with every evaluation.
pub const METHOD: &str = "Each year: the machines enriching are the most the terms in force allow (R&D included); machines above them are stored and, in a breakout, reinstalled at the proposal's rate (or the pace of installation the starting state has shown, where faster), the most capable first; the stock is the cap in force held at the enrichment cap (once a cap lapses, the cap plus what the machines make since). Breakout is the fixed-cascade route to one significant quantity (0.711 → 3.67 → 20 → 60 → 90 %, a day to equilibrium per step and to reconnect between steps; Glaser 2008), its work solved once per stock and done by a capacity that grows as machines are reinstalled. The 5th–95th percentiles draw each machine type's performance from the catalogue's low/central/high (triangular). Sneakout: the covert plant of the proposal, fed with the stock the deal allows and natural uranium.";

fn proposal_of(name: Option<&str>, toml: Option<&str>) -> AppResult<Proposal> {
    match (name, toml) {
        (Some(_), Some(_)) => Err(AppError::bad(
            "give a proposal's name or its file, not both",
        )),
        (Some(n), None) => find(n),
        (None, Some(src)) => parse(src, "proposal"),
        (None, None) => Err(AppError::field(
            "proposal",
            "",
            "give a shipped proposal's name (verity deal list) or a proposal file",
        )),
    }
}

fn samples(v: Option<usize>, default: usize, limits: &Limits) -> AppResult<usize> {
    let n = v.unwrap_or(default);
    if n > limits.max_samples {
        return Err(AppError::field(
            "samples",
            n,
            format!("at most {} Monte Carlo samples here", limits.max_samples),
        ));
    }
    Ok(n)
}

fn deal_error(e: verity_deal::DealError) -> AppError {
    match e {
        verity_deal::DealError::Invalid { field, reason } => AppError::BadInput {
            field: None,
            value: None,
            reason: format!("{field}: {reason}"),
            problems: Vec::new(),
        },
        other => AppError::bad(other.to_string()),
    }
}

/// Evaluates a proposal over its whole life. `file` names a proposal file's text in
/// messages (the CLI passes the path).
pub fn evaluate(
    req: &EvaluateRequest,
    file: Option<&str>,
    evidence: &EvidenceSet,
    limits: &Limits,
) -> AppResult<EvaluationDoc> {
    let mut p = match (&req.proposal_toml, file) {
        (Some(src), Some(f)) if req.proposal.is_none() => parse(src, f)?,
        _ => proposal_of(req.proposal.as_deref(), req.proposal_toml.as_deref())?,
    };
    if let Some(r) = req.reinstall_per_month {
        if !(r.is_finite() && (0.0..=1.0e5).contains(&r)) {
            return Err(AppError::field(
                "reinstall_per_month",
                r,
                "expected machines per month from 0 to 100,000",
            ));
        }
        p.reinstall.per_month = r;
    }
    let (from, mut start) = resolve_start(
        req.from.as_deref(),
        req.start.as_ref(),
        p.from.as_deref(),
        evidence,
    )?;
    // A rate asked for is the rate used, below the pace the record shows too.
    if req.reinstall_per_month.is_some() {
        start.install_rate = None;
    }
    let n = samples(req.samples, defaults::EVALUATE_SAMPLES, limits)?;
    let seed = req.seed.unwrap_or(defaults::SEED);
    let sq = req.sq_definition.unwrap_or_default();
    let evaluation = verity_deal::evaluate(
        &p,
        &start,
        &verity_deal::Options {
            samples: n,
            seed,
            sq: sq.physics(),
        },
    )
    .map_err(deal_error)?;
    Ok(EvaluationDoc {
        evaluation,
        from,
        samples: n,
        seed,
        sq_definition: sq,
        target_days: policy::TARGET_DAYS,
        method: METHOD,
    })
}

/// The body of `POST /api/v1/deals/search`; what `verity deal search` builds.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SearchRequest {
    /// The base proposal (default `jcpoa-2015`): terms not swept keep its values.
    #[serde(default)]
    pub base: Option<String>,
    /// `NAME=LO..HI[:STEPS]`, e.g. `ir1=0..10000:11`, or `{"name", "lo", "hi",
    /// "steps"}`; `axis` (the CLI's flag) is accepted for `axes`.
    #[serde(alias = "axis")]
    pub axes: Vec<AxisIn>,
    #[serde(default)]
    pub target_days: Option<f64>,
    #[serde(default)]
    pub confidence: Option<f64>,
    #[serde(default)]
    pub from: Option<String>,
    #[serde(default)]
    pub samples: Option<usize>,
    #[serde(default)]
    pub seed: Option<u64>,
    /// A starting state given in full (as for an evaluation).
    #[serde(default)]
    pub start: Option<GivenStart>,
}

/// A swept axis as a request gives it: the CLI's text or its parts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(untagged)]
pub enum AxisIn {
    /// `NAME=LO..HI[:STEPS]`.
    Text(String),
    /// The same in parts (`steps` as the text's default when left out).
    #[serde(rename_all = "snake_case")]
    Parts {
        name: String,
        lo: f64,
        hi: f64,
        #[serde(default)]
        steps: Option<usize>,
    },
}

impl AxisIn {
    /// The axis as `NAME=LO..HI[:STEPS]`, the one form the parser reads.
    pub fn text(&self) -> String {
        match self {
            AxisIn::Text(t) => t.clone(),
            AxisIn::Parts {
                name,
                lo,
                hi,
                steps,
            } => match steps {
                Some(n) => format!("{name}={lo}..{hi}:{n}"),
                None => format!("{name}={lo}..{hi}"),
            },
        }
    }
}

impl From<String> for AxisIn {
    fn from(t: String) -> Self {
        AxisIn::Text(t)
    }
}

/// `verity deal search --json`, `POST /api/v1/deals/search`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SearchDoc {
    pub base: String,
    pub from: String,
    pub start: String,
    pub target_days: f64,
    pub confidence: f64,
    pub samples: usize,
    pub seed: u64,
    pub axes: Vec<Axis>,
    pub points: Vec<Point>,
    pub frontier: Vec<search::FrontierPoint>,
    pub complete: bool,
    /// Where each shipped proposal sits on the swept axes (its year-1 terms from the
    /// same starting state), so that a plot can place them on the frontier.
    pub proposals: Vec<Placed>,
    pub method: &'static str,
}

/// A proposal's place in the deal space.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Placed {
    pub id: String,
    pub axes: BTreeMap<&'static str, f64>,
}

/// The search method, shown with every search.
pub const SEARCH_METHOD: &str = "Each point is the base proposal in year 1 with the swept terms replaced (machines per type set, stock cap and enrichment cap as the stock held, machines stored, reinstallation per month); its breakout as in an evaluation; p_meets_target the share of Monte Carlo samples with breakout at or above the target. The frontier: the points meeting the target with the confidence asked whose every one-step more permissive neighbour does not.";

impl SearchDoc {
    /// The points as CSV: one column per axis, then days and p_meets_target.
    pub fn to_csv(&self) -> String {
        let mut out = String::new();
        let names: Vec<&str> = self.axes.iter().map(|a| a.name.as_str()).collect();
        out.push_str(&names.join(","));
        out.push_str(",days,p_meets_target,on_frontier\n");
        for p in &self.points {
            for n in &names {
                out.push_str(&p.axes.get(n).map_or_else(String::new, |v| v.to_string()));
                out.push(',');
            }
            out.push_str(&p.days.map_or_else(String::new, |d| format!("{d:.3}")));
            let on = self.frontier.iter().any(|f| f.axes == p.axes);
            out.push_str(&format!(",{},{on}\n", p.p_meets_target));
        }
        out
    }
}

/// A checked search: the plan, the base and the starting state.
pub struct Prepared {
    pub base: Proposal,
    /// The start (the first of `starts` when the start is swept).
    pub start: StartState,
    pub from: String,
    /// The plan the deal crate runs at each start: every axis but `start_year`.
    pub plan: Plan,
    /// A swept `start_year` axis and the start at each of its values (empty when the
    /// start is not swept). It is the outermost axis of the grid.
    pub start_axis: Option<Axis>,
    pub starts: Vec<(f64, StartState)>,
    pub total: usize,
}

impl Prepared {
    /// Points per start.
    fn inner(&self) -> usize {
        self.plan.axes.iter().map(|a| a.values().len()).product()
    }

    /// Every point's axis values in index order (the start outermost when swept): what
    /// a checkpoint's indexes refer to.
    pub fn grid(&self) -> Vec<Vec<(AxisName, f64)>> {
        let inner = search::grid(&self.plan.axes);
        match &self.start_axis {
            None => inner,
            Some(a) => a
                .values()
                .into_iter()
                .flat_map(|v| {
                    inner.iter().map(move |p| {
                        let mut q = vec![(AxisName::StartYear, v)];
                        q.extend(p.iter().copied());
                        q
                    })
                })
                .collect(),
        }
    }

    /// The axes in grid order.
    pub fn axes(&self) -> Vec<Axis> {
        self.start_axis
            .iter()
            .cloned()
            .chain(self.plan.axes.iter().cloned())
            .collect()
    }
}

/// The date a decimal year stands for (2025.4: 26 May 2025).
fn date_of_year(y: f64) -> Option<verity_vocab::Date> {
    let year = y.floor();
    let start = verity_vocab::Date::constant(year as i16, 1, 1);
    let days = ((y - year) * 365.25).floor() as i32;
    verity_agreement::add_offset(
        start,
        verity_agreement::Offset {
            years: 0,
            months: 0,
            days,
        },
    )
}

/// Checks a search request (every field named on error).
pub fn prepare(
    req: &SearchRequest,
    evidence: &EvidenceSet,
    limits: &Limits,
) -> AppResult<Prepared> {
    let base = find(req.base.as_deref().unwrap_or(defaults::BASE))?;
    let mut axes = Vec::new();
    let texts: Vec<String> = req.axes.iter().map(AxisIn::text).collect();
    for (i, a) in texts.iter().enumerate() {
        axes.push(Axis::parse(a).map_err(|e| match e {
            verity_deal::DealError::Invalid { reason, .. } => {
                AppError::field(format!("axes[{i}]"), a, reason)
            }
            other => AppError::bad(other.to_string()),
        })?);
    }
    let plan = Plan {
        axes,
        target_days: req.target_days.unwrap_or(policy::TARGET_DAYS),
        confidence: req.confidence.unwrap_or(policy::CONFIDENCE),
        samples: samples(req.samples, defaults::SEARCH_SAMPLES, limits)?,
        seed: req.seed.unwrap_or(defaults::SEED),
    };
    let total = search::check(&plan, limits.max_points).map_err(|e| match e {
        verity_deal::DealError::Invalid { field, reason } => {
            let value = match field.as_str() {
                "target_days" => plan.target_days.to_string(),
                "confidence" => plan.confidence.to_string(),
                _ => texts.join(" "),
            };
            AppError::field(
                if field == "axis" {
                    "axes".into()
                } else {
                    field
                },
                value,
                reason,
            )
        }
        other => AppError::bad(other.to_string()),
    })?;
    // The start swept: one state of the record per value, the deal crate run at each.
    let mut plan = plan;
    let at = plan.axes.iter().position(|a| a.name == AxisName::StartYear);
    let start_axis = at.map(|i| plan.axes.remove(i));
    let mut starts = Vec::new();
    if let (Some(i), Some(a)) = (at, &start_axis) {
        if req.start.is_some() || req.from.is_some() {
            return Err(AppError::field(
                format!("axes[{i}]"),
                &texts[i],
                "the start_year axis is the starting state: give it without `from` or `start`",
            ));
        }
        let points = record_points(evidence);
        for v in a.values() {
            let date = date_of_year(v).ok_or_else(|| {
                AppError::field(format!("axes[{i}]"), &texts[i], format!("{v}: not a date"))
            })?;
            let s =
                record_start(&points, &date.to_string(), date, evidence).map_err(|e| match e {
                    AppError::BadInput { reason, .. } => {
                        AppError::field(format!("axes[{i}]"), &texts[i], format!("{v}: {reason}"))
                    }
                    other => other,
                })?;
            starts.push((v, s));
        }
    }
    let (from, start) = match starts.first() {
        Some((_, s)) => ("start_year".to_owned(), s.clone()),
        None => resolve_start(
            req.from.as_deref(),
            req.start.as_ref(),
            base.from.as_deref(),
            evidence,
        )?,
    };
    Ok(Prepared {
        base,
        start,
        from,
        plan,
        start_axis,
        starts,
        total,
    })
}

/// Runs a prepared search, resuming after `done`; `on_chunk` sees each chunk of points
/// as it finishes and returns false to stop (the answer is then partial).
pub fn run_search(
    prep: &Prepared,
    done: &BTreeMap<usize, Point>,
    on_chunk: &mut search::OnChunk<'_>,
) -> AppResult<SearchDoc> {
    let r = if prep.starts.is_empty() {
        search::run(
            &prep.base,
            &prep.start,
            &prep.plan,
            &verity_deal::Options::default(),
            done,
            on_chunk,
        )
        .map_err(deal_error)?
    } else {
        // One run per start; indexes are global (the start outermost), and each
        // point and frontier point names its start_year.
        let n = prep.inner();
        let mut all = search::SearchResult {
            points: Vec::new(),
            frontier: Vec::new(),
            complete: true,
        };
        // Points not run at all leave the answer partial.
        let mut stopped = false;
        for (k, (v, start)) in prep.starts.iter().enumerate() {
            let offset = k * n;
            let local: BTreeMap<usize, Point> = done
                .range(offset..offset + n)
                .map(|(i, p)| (i - offset, p.clone()))
                .collect();
            let mut r = if stopped {
                // Not run: what a checkpoint already holds stands.
                search::SearchResult {
                    points: local.into_values().collect(),
                    frontier: Vec::new(),
                    complete: false,
                }
            } else {
                let mut wrap = |chunk: &[(usize, Point)]| {
                    let global: Vec<(usize, Point)> = chunk
                        .iter()
                        .map(|(i, p)| (i + offset, with_start(p.clone(), *v)))
                        .collect();
                    let go_on = on_chunk(&global);
                    // A stop asked at a start's last chunk stops the starts after it.
                    stopped |= !go_on;
                    go_on
                };
                search::run(
                    &prep.base,
                    start,
                    &prep.plan,
                    &verity_deal::Options::default(),
                    &local,
                    &mut wrap,
                )
                .map_err(deal_error)?
            };
            stopped |= !r.complete;
            all.complete &= r.complete;
            all.points
                .extend(r.points.drain(..).map(|p| with_start(p, *v)));
            for mut f in r.frontier.drain(..) {
                f.axes.insert(AxisName::StartYear.as_str(), *v);
                all.frontier.push(f);
            }
        }
        all
    };
    let mut proposals = Vec::new();
    for p in shipped()? {
        let base = search::Base::new(&p, &prep.start).map_err(deal_error)?;
        proposals.push(Placed {
            id: p.id.clone(),
            axes: prep
                .plan
                .axes
                .iter()
                .map(|a| (a.name.as_str(), base.value(a.name)))
                .collect(),
            // A proposal sits at the first start, where the others are evaluated.
        });
    }
    Ok(SearchDoc {
        base: prep.base.id.clone(),
        from: prep.from.clone(),
        start: if prep.starts.is_empty() {
            prep.start.name.clone()
        } else {
            let mut names: Vec<&str> = prep.starts.iter().map(|(_, s)| s.name.as_str()).collect();
            names.dedup();
            names.join(", ")
        },
        target_days: prep.plan.target_days,
        confidence: prep.plan.confidence,
        samples: prep.plan.samples,
        seed: prep.plan.seed,
        axes: prep.axes(),
        points: r.points,
        frontier: r.frontier,
        complete: r.complete,
        proposals,
        method: SEARCH_METHOD,
    })
}

/// A point with the start it was evaluated from.
fn with_start(mut p: Point, start_year: f64) -> Point {
    p.axes.insert(AxisName::StartYear.as_str(), start_year);
    p
}

/// A whole search in one call (the API's).
pub fn search(
    req: &SearchRequest,
    evidence: &EvidenceSet,
    limits: &Limits,
) -> AppResult<SearchDoc> {
    let prep = prepare(req, evidence, limits)?;
    run_search(&prep, &BTreeMap::new(), &mut |_| true)
}
