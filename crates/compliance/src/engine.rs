//! Verdicts per obligation and date.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt;
use std::sync::Arc;

use serde::Serialize;
use verity_agreement::{
    Agreement, Comparator, KeyDays, Obligation, ObligationKind, Occurrence, ReadingStatus,
};
use verity_evidence::{Basis, EvidenceSet, Quantity, Source};
use verity_vocab::Date;

/// A verdict on one obligation on one date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// The evidence shows the obligation met.
    Compliant,
    /// The evidence shows the obligation not met (beyond k·σ for a limit).
    Breach,
    /// The figure is within k·σ of the limit, or its interval straddles the limit.
    Indeterminate,
    /// The inspectors had lost continuity of knowledge over this metric.
    CannotVerify,
    /// In force, but nothing in the evidence bears on it on this date.
    NoEvidence,
    /// Under the reading shown: performance ceased, in whole or in part, as a remedy the
    /// agreement provides (JCPOA paras. 26 and 36), not a breach.
    Remedial,
    /// The parties' readings differ on whether the obligation applied as the text reads,
    /// which the evidence cannot settle (see `Verdict::readings`).
    Contested,
}

impl Status {
    pub const ALL: [Status; 7] = [
        Status::Compliant,
        Status::Breach,
        Status::Indeterminate,
        Status::CannotVerify,
        Status::NoEvidence,
        Status::Remedial,
        Status::Contested,
    ];

    /// The spelling used in JSON and on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Compliant => "compliant",
            Status::Breach => "breach",
            Status::Indeterminate => "indeterminate",
            Status::CannotVerify => "cannot_verify",
            Status::NoEvidence => "no_evidence",
            Status::Remedial => "remedial",
            Status::Contested => "contested",
        }
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How the assessment is run.
#[derive(Debug, Clone, PartialEq)]
pub struct Options {
    /// A figure within `sigma_k` standard deviations of a limit is indeterminate.
    pub sigma_k: f64,
    /// Only obligations binding this party (id or name; groups it belongs to included).
    pub party: Option<String>,
    /// Only dates on or after this.
    pub from: Option<Date>,
    /// Only dates on or before this.
    pub to: Option<Date>,
    /// Show each verdict under this party's stated positions (an agreement party id;
    /// a member reads as its groups do). `None`: the finding on the evidence.
    pub reading: Option<String>,
}

impl Default for Options {
    /// k = 2 (about 95 % one-sided confidence before a figure is called a breach).
    fn default() -> Options {
        Options {
            sigma_k: 2.0,
            party: None,
            from: None,
            to: None,
            reading: None,
        }
    }
}

/// One verdict, with what it rests on.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Verdict {
    /// Obligation id. (Shared, not copied, by the verdicts of one obligation.)
    pub obligation: Arc<str>,
    /// Id of the party (or group) bound.
    pub party: Arc<str>,
    /// The obligation's citation, e.g. `JCPOA Annex I, Section J, para. 56`.
    pub cite: Arc<str>,
    pub date: Date,
    /// The status under the reading asked for (the finding, by default).
    pub status: Status,
    /// What the evidence shows against the text, whatever any party reads into it.
    pub finding: Status,
    /// The parties' stated readings that differ from `status`.
    pub readings: Vec<ReadingView>,
    /// The figure tested (central value, or the bound a report gives), in `unit`.
    pub value: Option<f64>,
    /// The limit in the metric's unit (limits only).
    pub limit: Option<f64>,
    /// The metric's unit (limits only).
    pub unit: Option<String>,
    /// The evidence behind the verdict: report id, paragraph and date, or event.
    pub sources: Vec<String>,
    /// Why, in a few words (the comparison made, the gap, the event).
    #[serde(skip)]
    pub reason: Cow<'static, str>,
    /// The full figure with its uncertainty, for display.
    #[serde(skip)]
    pub quantity: Option<Quantity>,
}

/// A party's reading of one verdict: its status under that party's stated position.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReadingView {
    /// The party whose reading it is (agreement id).
    pub party: String,
    pub status: Status,
    /// Where the position is stated, and the provisions it invokes.
    pub cite: String,
    /// The position in the party's words.
    pub position: String,
    /// `justification` or `applicability` (see docs/verdicts.md).
    pub ground: &'static str,
    /// The reading's id in the agreement file.
    pub reading: String,
}

/// A change of status in an obligation's step function: `status` holds from `from`
/// until the next step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Step {
    pub from: Date,
    pub status: Status,
}

/// The result of an assessment.
#[derive(Debug, Clone, PartialEq)]
pub struct Assessment {
    /// Sorted by obligation (in agreement order), then date.
    pub verdicts: Vec<Verdict>,
    /// The key days as resolved against the evidence's events.
    pub key_days: KeyDays,
}

impl Assessment {
    /// The step function of every obligation assessed (see [`steps`]).
    pub fn steps(&self) -> BTreeMap<String, Vec<Step>> {
        steps(&self.verdicts)
    }

    /// The first breach of every obligation ever breached (see [`first_breaches`]).
    pub fn first_breaches(&self) -> BTreeMap<String, Date> {
        first_breaches(&self.verdicts)
    }
}

/// Per obligation, the dates on which its status changes. A date without evidence
/// does not change a status the evidence has established: it holds until a new figure,
/// event or loss of knowledge says otherwise (`no_evidence` shows only before any).
pub fn steps(verdicts: &[Verdict]) -> BTreeMap<String, Vec<Step>> {
    let mut out: BTreeMap<String, Vec<Step>> = BTreeMap::new();
    for v in verdicts {
        let s = out.entry(v.obligation.to_string()).or_default();
        if v.status == Status::NoEvidence && s.last().is_some() {
            continue;
        }
        if s.last().is_none_or(|l| l.status != v.status) {
            s.push(Step {
                from: v.date,
                status: v.status,
            });
        }
    }
    out
}

/// Per obligation, the earliest date with a breach.
pub fn first_breaches(verdicts: &[Verdict]) -> BTreeMap<String, Date> {
    let mut out: BTreeMap<String, Date> = BTreeMap::new();
    for v in verdicts.iter().filter(|v| v.status == Status::Breach) {
        out.entry(v.obligation.to_string())
            .and_modify(|d| *d = (*d).min(v.date))
            .or_insert(v.date);
    }
    out
}

/// The agreement's id for the party an evidence record names (by id or name, any
/// case); the name in lower case if the agreement has no such party.
///
/// A short name that begins exactly one party's name word for word (`UN` for `UN
/// Security Council`) also names that party, since records often abbreviate.
pub fn party_id(agreement: &Agreement, name: &str) -> String {
    resolve_party(agreement, name).unwrap_or_else(|| name.trim().to_lowercase())
}

/// The agreement's id for the party a record names, as [`party_id`]; `None` when the
/// agreement has no such party.
pub fn resolve_party(agreement: &Agreement, name: &str) -> Option<String> {
    if let Some(p) = agreement.party(name) {
        return Some(p.id.clone());
    }
    let prefix = format!("{} ", name.trim().to_lowercase());
    let mut found = agreement
        .parties
        .iter()
        .filter(|p| p.name.to_lowercase().starts_with(&prefix));
    match (found.next(), found.next()) {
        (Some(p), None) => Some(p.id.clone()),
        _ => None,
    }
}

/// Every record that names a party the agreement does not know, as located errors: such
/// a record would otherwise be evidence for no verdict at all, silently.
pub fn check_parties(
    agreement: &Agreement,
    set: &verity_evidence::EvidenceSet,
) -> Result<(), verity_evidence::ImportError> {
    let named = set
        .measurements
        .iter()
        .map(|m| (&m.party, &m.origin))
        .chain(set.events.iter().map(|e| (&e.party, &e.origin)))
        .chain(set.knowledge.iter().map(|g| (&g.party, &g.origin)))
        .chain(set.disagreements.iter().map(|d| (&d.party, &d.origin)));
    let mut known: Vec<&str> = agreement.parties.iter().map(|p| p.id.as_str()).collect();
    known.sort_unstable();
    let mut diagnostics: Vec<verity_evidence::Diagnostic> = named
        .filter(|(party, _)| resolve_party(agreement, party).is_none())
        .map(|(party, o)| verity_evidence::Diagnostic {
            file: o.file.clone(),
            line: o.line,
            col: o.col,
            field: Some("party".into()),
            message: format!(
                "unknown party `{party}`: the agreement `{}` has no such party (expected one of {}, by id or name)",
                agreement.id,
                known.join(", ")
            ),
        })
        .collect();
    diagnostics.extend(key_days_out_of_range(agreement, set));
    into_result(diagnostics)
}

/// Every event that puts a key day past the calendar's end, as located errors (see
/// [`check_parties`], which includes this check).
pub fn check_key_days(
    agreement: &Agreement,
    set: &verity_evidence::EvidenceSet,
) -> Result<(), verity_evidence::ImportError> {
    into_result(key_days_out_of_range(agreement, set))
}

fn into_result(
    mut diagnostics: Vec<verity_evidence::Diagnostic>,
) -> Result<(), verity_evidence::ImportError> {
    if diagnostics.is_empty() {
        return Ok(());
    }
    diagnostics.sort_by(|a, b| (&a.file, a.line).cmp(&(&b.file, b.line)));
    let more = diagnostics
        .len()
        .saturating_sub(verity_evidence::MAX_DIAGNOSTICS);
    diagnostics.truncate(verity_evidence::MAX_DIAGNOSTICS);
    Err(verity_evidence::ImportError { diagnostics, more })
}

/// Events whose dates put a key day past the calendar's end (an event in 9999 that
/// starts a period of years): a located error, where a resolver would otherwise show
/// the day as "not yet".
fn key_days_out_of_range(
    agreement: &Agreement,
    set: &verity_evidence::EvidenceSet,
) -> Vec<verity_evidence::Diagnostic> {
    let history = agreement.history();
    let occurrence = |e: &verity_evidence::Event| Occurrence {
        event: e.event.id.to_owned(),
        party: party_id(agreement, &e.party),
        date: e.date,
    };
    let mut all = history.clone();
    all.extend(set.events.iter().map(occurrence));
    if agreement
        .resolve_key_days(&all)
        .out_of_range()
        .next()
        .is_none()
    {
        return Vec::new();
    }
    // Blame each event that, alone with the agreement's own history, does it.
    set.events
        .iter()
        .filter_map(|e| {
            let mut occ = history.clone();
            occ.push(occurrence(e));
            let kd = agreement.resolve_key_days(&occ);
            let days: Vec<&str> = kd.out_of_range().map(|d| d.id.as_str()).collect();
            (!days.is_empty()).then(|| verity_evidence::Diagnostic {
                file: e.origin.file.clone(),
                line: e.origin.line,
                col: e.origin.col,
                field: Some("date".into()),
                message: format!(
                    "{}: this event puts key day{} {} past the calendar's end (9999-12-31)",
                    e.date,
                    if days.len() == 1 { "" } else { "s" },
                    days.join(", ")
                ),
            })
        })
        .collect()
}

/// A figure tested against a limit: a measurement, or one derived from an event.
#[derive(Debug, Clone)]
struct Obs<'a> {
    date: Date,
    quantity: Quantity,
    basis: Basis,
    source: &'a Source,
    report_date: Option<Date>,
    derived_from: Option<&'static str>,
}

/// Events that state a metric's value (documented in docs/evidence-format.md): when the
/// record has no measurement of the metric that day, the event stands for one.
fn derived_metric(event: &str, value: Option<f64>) -> Option<(&'static str, Quantity)> {
    match event {
        // The new level is the event's value.
        "enrichment_level_begun" => value.map(|v| ("max_enrichment_level", Quantity::point(v))),
        "additional_protocol_suspended" => {
            Some(("additional_protocol_applied", Quantity::point(0.0)))
        }
        // Feeding uranium into the Fordow cascades puts nuclear material there.
        "enrichment_at_fordow_begun" => Some(("nuclear_material_at_fordow", Quantity::point(1.0))),
        // Some metal, amount unknown: "more than 0".
        "uranium_metal_produced" => Some((
            "uranium_metal",
            value.map_or(
                Quantity {
                    low: Some(0.0),
                    ..Quantity::default()
                },
                Quantity::point,
            ),
        )),
        _ => None,
    }
}

/// Centrifuges of all types at a site, where a report counts them only by type: on each
/// date with per-type counts (machines) and no all-types figure, the sum of the types
/// counted is a lower bound on the total (at least the sum). A type's installed count is at least its enriching count. Without
/// this, an all-types limit such as Fordow's 1,044 (JCPOA Annex I para. 46) would see
/// no evidence when the Agency reports advanced machines there by type.
fn derive_type_sums<'a>(obs: &mut HashMap<(String, &'static str), Vec<Obs<'a>>>) {
    use verity_vocab::{CentrifugeKey, Counted, MachineState, MachineType};
    // (party, state, site) → date → type → (count, source of the first figure).
    type Counts<'a> = BTreeMap<Date, BTreeMap<MachineType, (f64, &'a Source)>>;
    let mut by: HashMap<(String, MachineState, verity_vocab::Site), Counts<'a>> = HashMap::new();
    for ((party, metric), list) in obs.iter() {
        let Some(k) = CentrifugeKey::parse(metric) else {
            continue;
        };
        if k.counted != Counted::Machines || k.machine == MachineType::All {
            continue;
        }
        // An enriching machine is installed: it counts towards both totals.
        let states: &[MachineState] = match k.state {
            MachineState::Enriching => &[MachineState::Enriching, MachineState::Installed],
            MachineState::Installed => &[MachineState::Installed],
        };
        for o in list.iter().filter(|o| o.derived_from.is_none()) {
            let Some(n) = o.quantity.central() else {
                continue;
            };
            for &state in states {
                let slot = by
                    .entry((party.clone(), state, k.site))
                    .or_default()
                    .entry(o.date)
                    .or_default()
                    .entry(k.machine)
                    .or_insert((n, o.source));
                slot.0 = slot.0.max(n);
            }
        }
    }
    for ((party, state, site), dates) in by {
        let total = CentrifugeKey {
            counted: Counted::Machines,
            machine: MachineType::All,
            state,
            site,
        };
        let Ok(metric) = verity_vocab::metric(&total.id()) else {
            continue;
        };
        let list = obs.entry((party, metric.id)).or_default();
        for (date, types) in dates {
            if list.iter().any(|o| o.date == date) {
                continue;
            }
            let sum: f64 = types.values().map(|(n, _)| n).sum();
            let Some((_, source)) = types.values().next() else {
                continue;
            };
            list.push(Obs {
                date,
                quantity: Quantity {
                    low: Some(sum),
                    low_inclusive: true,
                    ..Quantity::default()
                },
                basis: Basis::Verified,
                source,
                report_date: source.report_date,
                derived_from: Some("sum of the types counted"),
            });
        }
    }
}

/// An event that records the decision not to do what an undertaking requires.
fn declines(fulfilling: &str, event: &str) -> bool {
    matches!(
        (fulfilling, event),
        ("sanctions_lifted", "sanctions_retained")
    )
}

/// An event that undoes the fulfilment of an undertaking fulfilled by another.
fn reverses(fulfilling: &str, event: &str) -> bool {
    matches!(
        (fulfilling, event),
        (
            "sanctions_lifted",
            "sanctions_reimposed" | "un_sanctions_reimposed"
        )
    )
}

fn source_text(s: &Source, derived_from: Option<&str>) -> String {
    let mut t = s.to_string();
    if let Some(d) = s.report_date {
        t.push_str(&format!(" ({d})"));
    }
    match derived_from {
        // A figure derived from other figures, not from an event.
        Some(d) if d.contains(' ') => t.push_str(&format!(" [{d}]")),
        Some(e) => t.push_str(&format!(" [event {e}]")),
        None => {}
    }
    t
}

/// The lowest enrichment that is highly enriched uranium in the JCPOA's terms: "highly
/// enriched uranium (20 % or more U-235)" (Annex I, Section E, para. 26).
pub const HEU_MIN_PCT: f64 = 20.0;

/// Days within which a Security Council re-imposition follows a snapback
/// notification: the 30 days of UNSCR 2231 para. 12, with the days the Council's
/// record takes to state it.
pub const SNAPBACK_DAYS: i32 = 45;

/// Relative distance within which an interval bound is taken to be the limit itself.
const BOUND_IS_LIMIT_REL: f64 = 5e-4;

/// Evaluates a limit `value op limit` on a figure with its uncertainty.
fn judge(q: &Quantity, op: Comparator, limit: f64, k: f64) -> (Status, String) {
    let n = verity_evidence::fmt_num;
    if let Some(v) = q.value {
        let s = q.sigma.unwrap_or(0.0);
        if s > 0.0 && (v - limit).abs() <= k * s {
            return (
                Status::Indeterminate,
                format!(
                    "{} ± {} is within {}σ of the limit {op} {}",
                    n(v),
                    n(s),
                    n(k),
                    n(limit)
                ),
            );
        }
        return if op.holds(v, limit) {
            (Status::Compliant, format!("{} {op} {}", n(v), n(limit)))
        } else {
            (Status::Breach, format!("{} is not {op} {}", n(v), n(limit)))
        };
    }
    // `low`: the quantity is more than low; `high`: it is at most high. A bound that
    // matches the limit to within 0.05 % is the report restating the limit in its own
    // rounding (the IAEA writes 300 kg UF6 = 202.84 kg U as 202.8 kg U): it is the limit.
    let snap = |b: f64| {
        if (b - limit).abs() <= BOUND_IS_LIMIT_REL * limit.abs() {
            limit
        } else {
            b
        }
    };
    let (lo, hi) = (q.low.map(snap), q.high.map(snap));
    // `lo` is "more than lo", or "at least lo" when inclusive: at least the limit does
    // not exceed a `<=` limit, it may equal it.
    let incl = q.low_inclusive;
    let lo_above = |x: f64| lo.is_some_and(|l| l > x || (!incl && l >= x));
    let lo_at_least = |x: f64| lo.is_some_and(|l| l >= x);
    let (ok, bad) = match op {
        Comparator::Le => (hi.is_some_and(|h| h <= limit), lo_above(limit)),
        Comparator::Lt => (hi.is_some_and(|h| h < limit), lo_at_least(limit)),
        Comparator::Ge => (lo_at_least(limit), hi.is_some_and(|h| h < limit)),
        Comparator::Gt => (lo_above(limit), hi.is_some_and(|h| h <= limit)),
        Comparator::Eq => (false, lo_above(limit) || hi.is_some_and(|h| h < limit)),
    };
    let shown = verity_evidence::fmt_num;
    let range = match (lo, hi) {
        (Some(l), Some(h)) => format!("between {} and {}", shown(l), shown(h)),
        (Some(l), None) if incl => format!("at least {}", shown(l)),
        (Some(l), None) => format!("more than {}", shown(l)),
        (None, Some(h)) => format!("at most {}", shown(h)),
        (None, None) => "unknown".into(),
    };
    let limit = shown(limit);
    if ok {
        (Status::Compliant, format!("{range}, so {op} {limit}"))
    } else if bad {
        (Status::Breach, format!("{range}, so not {op} {limit}"))
    } else {
        (
            Status::Indeterminate,
            format!("{range}: cannot tell whether {op} {limit}"),
        )
    }
}

/// One obligation with what is computed once for all its dates.
struct Ob<'o> {
    ob: &'o Obligation,
    id: Arc<str>,
    party: Arc<str>,
    cite: Arc<str>,
    /// The window resolved to dates (see `KeyDays::in_force` for the semantics).
    from: Option<Date>,
    until: Option<Date>,
}

impl Ob<'_> {
    fn in_force(&self, date: Date) -> bool {
        self.from.is_some_and(|f| f <= date) && self.until.is_none_or(|u| date < u)
    }
}

struct Ctx<'a> {
    agreement: &'a Agreement,
    key_days: KeyDays,
    k: f64,
    /// (party id, metric id) → observations sorted by date.
    obs: HashMap<(String, &'static str), Vec<Obs<'a>>>,
    /// party id → the dates on which it has measurements, and the reports of each date.
    party_dates: HashMap<String, BTreeMap<Date, BTreeSet<&'a str>>>,
    /// Every date any evidence speaks of.
    all_dates: BTreeSet<Date>,
    /// (party id, event id, date, source, value) for every event.
    events: Vec<(String, &'static str, Date, &'a Source)>,
    /// Knowledge gaps with the agreement's id of their party.
    gaps: Vec<(String, &'a verity_evidence::KnowledgeGap)>,
}

/// Assesses every obligation (or those binding `opts.party`) on every date the evidence
/// speaks of, within `opts.from..=opts.to`.
pub fn assess(agreement: &Agreement, evidence: &EvidenceSet, opts: &Options) -> Assessment {
    let mut occurrences = agreement.history();
    occurrences.extend(evidence.events.iter().map(|e| Occurrence {
        event: e.event.id.to_owned(),
        party: party_id(agreement, &e.party),
        date: e.date,
    }));
    let key_days = agreement.resolve_key_days(&occurrences);

    let mut ctx = Ctx {
        agreement,
        key_days,
        k: opts.sigma_k,
        obs: HashMap::new(),
        party_dates: HashMap::new(),
        all_dates: BTreeSet::new(),
        events: Vec::new(),
        gaps: evidence
            .knowledge
            .iter()
            .map(|g| (party_id(agreement, &g.party), g))
            .collect(),
    };
    // An explicit "not reported" row is no evidence for a verdict.
    for m in evidence.figures() {
        let p = party_id(agreement, &m.party);
        ctx.obs
            .entry((p.clone(), m.metric.id))
            .or_default()
            .push(Obs {
                date: m.date,
                quantity: m.quantity,
                basis: m.basis,
                source: &m.source,
                report_date: m.source.report_date,
                derived_from: None,
            });
        ctx.party_dates
            .entry(p)
            .or_default()
            .entry(m.date)
            .or_default()
            .insert(m.source.report.as_str());
        ctx.all_dates.insert(m.date);
    }
    for e in &evidence.events {
        let p = party_id(agreement, &e.party);
        ctx.all_dates.insert(e.date);
        ctx.events.push((p.clone(), e.event.id, e.date, &e.source));
        // The JCPOA defines highly enriched uranium as 20 % or more U-235 (Annex I,
        // para. 26): enrichment begun at such a level is HEU produced.
        if e.event.id == "enrichment_level_begun" && e.value.is_some_and(|v| v >= HEU_MIN_PCT) {
            ctx.events
                .push((p.clone(), "heu_or_plutonium_acquired", e.date, &e.source));
        }
        if let Some((metric, q)) = derived_metric(e.event.id, e.value) {
            let list = ctx.obs.entry((p.clone(), metric)).or_default();
            // A measurement on the same day takes precedence over the event.
            if !list.iter().any(|o| o.date == e.date) {
                list.push(Obs {
                    date: e.date,
                    quantity: q,
                    basis: Basis::Declared,
                    source: &e.source,
                    report_date: None,
                    derived_from: Some(e.event.id),
                });
                ctx.party_dates
                    .entry(p)
                    .or_default()
                    .entry(e.date)
                    .or_default();
            }
        }
    }
    for g in &evidence.knowledge {
        let p = party_id(agreement, &g.party);
        let dates = ctx.party_dates.entry(p).or_default();
        dates.entry(g.from).or_default();
        ctx.all_dates.insert(g.from);
        if let Some(u) = g.until {
            dates.entry(u).or_default();
            ctx.all_dates.insert(u);
        }
    }
    derive_type_sums(&mut ctx.obs);
    for list in ctx.obs.values_mut() {
        list.sort_by_key(|o| (o.date, o.report_date));
    }

    let wanted: Option<Vec<&Obligation>> = opts
        .party
        .as_deref()
        .map(|p| agreement.obligations_of(p).unwrap_or_default());
    let in_range = |d: &Date| opts.from.is_none_or(|f| *d >= f) && opts.to.is_none_or(|t| *d <= t);

    let mut verdicts = Vec::new();
    for ob in &agreement.obligations {
        if let Some(w) = &wanted {
            if !w.iter().any(|o| o.id == ob.id) {
                continue;
            }
        }
        let (from, until) = ctx.key_days.window(&ob.window);
        let ob = Ob {
            ob,
            id: ob.id.as_str().into(),
            party: ob.party.as_str().into(),
            cite: ob.cite.to_string().into(),
            from,
            until,
        };
        match &ob.ob.kind {
            ObligationKind::Limit { metric, op, .. } => {
                let Some(limit) = ob.ob.kind.limit_in_metric_unit() else {
                    continue;
                };
                ctx.limit(&ob, metric.id, *op, limit, &in_range, &mut verdicts);
            }
            ObligationKind::Prohibition { event } => {
                ctx.prohibition(&ob, event.id, &in_range, &mut verdicts);
            }
            ObligationKind::Undertaking { event, by } => {
                let due = by.as_ref().and_then(|b| ctx.key_days.resolve(b));
                ctx.undertaking(&ob, event.map(|e| e.id), due, &in_range, &mut verdicts);
            }
            // A procedure is a mechanism the parties may use, not a state to verify.
            ObligationKind::Procedure { .. } => {}
        }
    }
    apply_readings(
        agreement,
        &ctx.key_days,
        opts.reading.as_deref(),
        &mut verdicts,
    );
    Assessment {
        verdicts,
        key_days: ctx.key_days,
    }
}

fn reading_status(s: ReadingStatus) -> Status {
    match s {
        ReadingStatus::Compliant => Status::Compliant,
        ReadingStatus::Breach => Status::Breach,
        ReadingStatus::Remedial => Status::Remedial,
    }
}

/// Whether `party` reads as `holder` does: the same party, or a member (at any depth) of
/// the group `holder` (France reads as the E3).
fn reads_as(agreement: &Agreement, party: &str, holder: &str) -> bool {
    let mut todo = vec![holder];
    let mut seen = Vec::new();
    while let Some(h) = todo.pop() {
        if h == party {
            return true;
        }
        if seen.contains(&h) {
            continue;
        }
        seen.push(h);
        if let Some(p) = agreement.parties.iter().find(|p| p.id == h) {
            todo.extend(p.members.iter().map(String::as_str));
        }
    }
    false
}

/// Sets each verdict's status under the reading asked for and lists the parties'
/// readings that differ from it.
///
/// The finding is what the evidence shows against the text. By default it is shown,
/// except where a party reads the obligation as not applying as the text reads
/// (ground `applicability`) and so reaches another status: the evidence cannot settle
/// that question, and the verdict is `contested`. Under `reading` = a party, that
/// party's status is shown wherever one of its readings applies.
fn apply_readings(
    agreement: &Agreement,
    key_days: &KeyDays,
    reading: Option<&str>,
    verdicts: &mut [Verdict],
) {
    if agreement.readings.is_empty() {
        return;
    }
    let windows: Vec<(Option<Date>, Option<Date>)> = agreement
        .readings
        .iter()
        .map(|r| key_days.window(&r.window))
        .collect();
    for v in verdicts.iter_mut() {
        let finding = v.finding;
        let applying: Vec<&verity_agreement::Reading> = agreement
            .readings
            .iter()
            .zip(&windows)
            .filter(|(r, (from, until))| {
                r.covers(&v.obligation)
                    && from.is_some_and(|f| f <= v.date)
                    && until.is_none_or(|u| v.date < u)
                    && (r.when.is_empty() || r.when.iter().any(|w| w == finding.as_str()))
            })
            .map(|(r, _)| r)
            .collect();
        if applying.is_empty() {
            continue;
        }
        let contested = applying.iter().any(|r| {
            r.ground == verity_agreement::Ground::Applicability
                && reading_status(r.status) != finding
        });
        let default = if contested {
            Status::Contested
        } else {
            finding
        };
        let chosen = reading.and_then(|p| {
            applying
                .iter()
                .find(|r| reads_as(agreement, p, &r.party))
                .copied()
        });
        v.status = chosen.map_or(default, |r| reading_status(r.status));
        if let Some(r) = chosen {
            v.sources
                .push(format!("{} [reading {} of {}]", r.source, r.id, r.party));
            v.reason = format!(
                "{}; under the reading of {}: {}",
                v.reason, r.party, r.position
            )
            .into();
        } else if contested {
            v.reason = format!(
                "{}; contested: the parties' readings differ on whether it applied",
                v.reason
            )
            .into();
        }
        let mut listed: Vec<&str> = Vec::new();
        for r in &applying {
            let status = reading_status(r.status);
            if status == v.status || listed.contains(&r.party.as_str()) {
                continue;
            }
            listed.push(&r.party);
            let cite = match &r.invokes {
                Some(inv) => format!("{} (invoking {inv})", r.source),
                None => r.source.clone(),
            };
            v.readings.push(ReadingView {
                party: r.party.clone(),
                status,
                cite,
                position: r.position.clone(),
                ground: r.ground.as_str(),
                reading: r.id.clone(),
            });
        }
    }
}

impl<'a> Ctx<'a> {
    fn verdict(
        &self,
        ob: &Ob<'_>,
        date: Date,
        status: Status,
        reason: impl Into<Cow<'static, str>>,
    ) -> Verdict {
        Verdict {
            obligation: ob.id.clone(),
            party: ob.party.clone(),
            cite: ob.cite.clone(),
            date,
            status,
            finding: status,
            readings: Vec::new(),
            value: None,
            limit: None,
            unit: None,
            sources: Vec::new(),
            reason: reason.into(),
            quantity: None,
        }
    }

    /// The parties whose records bear on an obligation: the party bound, and for a
    /// group, every member (an act of a member is an act within the group).
    fn parties_of(&self, ob: &Ob<'_>) -> Vec<String> {
        let mut out = vec![ob.ob.party.clone()];
        let mut i = 0;
        while i < out.len() {
            if let Some(p) = self.agreement.parties.iter().find(|p| p.id == out[i]) {
                for m in &p.members {
                    if !out.contains(m) {
                        out.push(m.clone());
                    }
                }
            }
            i += 1;
        }
        out
    }

    fn limit(
        &self,
        ob: &Ob<'_>,
        metric: &'static str,
        op: Comparator,
        limit: f64,
        in_range: &dyn Fn(&Date) -> bool,
        out: &mut Vec<Verdict>,
    ) {
        let unit = verity_vocab::metric(metric)
            .map(|m| m.unit.as_str().to_owned())
            .ok();
        for party in self.parties_of(ob) {
            let Some(dates) = self.party_dates.get(&party) else {
                continue;
            };
            let obs = self.obs.get(&(party.clone(), metric));
            for (&date, reports) in dates {
                if !in_range(&date) || !ob.in_force(date) {
                    continue;
                }
                let gap = self
                    .gaps
                    .iter()
                    .find(|(p, g)| *p == party && g.scope.covers(metric) && g.contains(date))
                    .map(|(_, g)| *g);
                // The most recent report's figure for that date.
                let here = obs.and_then(|l| l.iter().rfind(|o| o.date == date));
                let mut v = match here {
                    Some(o) => {
                        let (mut status, mut reason) = judge(&o.quantity, op, limit, self.k);
                        if let Some(g) = gap {
                            // A breach shown by the figure stands; anything else could
                            // not be verified without continuity of knowledge.
                            if status != Status::Breach {
                                status = Status::CannotVerify;
                                reason = format!(
                                    "{reason}; but continuity of knowledge lost since {} ({})",
                                    g.from, g.source
                                );
                            }
                        }
                        let mut v = self.verdict(ob, date, status, reason);
                        v.value = o.quantity.central();
                        v.quantity = Some(o.quantity);
                        v.sources.push(source_text(o.source, o.derived_from));
                        if o.basis != Basis::Verified && o.derived_from.is_none() {
                            v.reason = format!("{} ({} figure)", v.reason, o.basis).into();
                        }
                        v
                    }
                    None => {
                        // The same report gives this metric at another "as of" date:
                        // it is judged there.
                        if obs.is_some_and(|l| {
                            l.iter().any(|o| reports.contains(o.source.report.as_str()))
                        }) {
                            continue;
                        }
                        match gap {
                            Some(g) => {
                                let mut v = self.verdict(
                                    ob,
                                    date,
                                    Status::CannotVerify,
                                    format!("continuity of knowledge lost since {}", g.from),
                                );
                                v.sources.push(source_text(&g.source, None));
                                v
                            }
                            None => self.verdict(
                                ob,
                                date,
                                Status::NoEvidence,
                                format!("no figure for {metric} on this date"),
                            ),
                        }
                    }
                };
                v.limit = Some(limit);
                v.unit.clone_from(&unit);
                out.push(v);
            }
        }
    }

    /// Occurrences of `event` by the parties of `ob`, on or before `date`, on or after
    /// `since`.
    fn occurred(
        &self,
        parties: &[String],
        event: &str,
        since: Option<Date>,
        date: Date,
    ) -> Vec<&(String, &'static str, Date, &'a Source)> {
        self.events
            .iter()
            .filter(|(p, e, d, _)| {
                *e == event && parties.contains(p) && *d <= date && since.is_none_or(|s| *d >= s)
            })
            .collect()
    }

    fn event_dates(&self, in_range: &dyn Fn(&Date) -> bool) -> impl Iterator<Item = Date> {
        self.all_dates
            .iter()
            .copied()
            .filter(|d| in_range(d))
            .collect::<Vec<_>>()
            .into_iter()
    }

    fn prohibition(
        &self,
        ob: &Ob<'_>,
        event: &'static str,
        in_range: &dyn Fn(&Date) -> bool,
        out: &mut Vec<Verdict>,
    ) {
        let parties = self.parties_of(ob);
        let since = ob.from;
        for date in self.event_dates(in_range) {
            if !ob.in_force(date) {
                continue;
            }
            let hits = self.occurred(&parties, event, since, date);
            let v = if hits.is_empty() {
                self.absence(ob, &parties, event, date)
            } else {
                let mut v = self.verdict(
                    ob,
                    date,
                    Status::Breach,
                    format!("{event} by {} on {}", hits[0].0, hits[0].2),
                );
                v.sources = hits
                    .iter()
                    .map(|(p, e, d, s)| format!("{} [event {e} by {p} on {d}]", s))
                    .collect();
                v
            };
            out.push(v);
        }
    }

    /// A prohibited event not recorded on `date`: compliance only where a verification
    /// report covers the party on that date (the Agency verified its programme under
    /// the Additional Protocol and reported no such activity); "cannot verify" inside a
    /// loss of continuity of knowledge; otherwise no evidence either way.
    fn absence(&self, ob: &Ob<'_>, parties: &[String], event: &str, date: Date) -> Verdict {
        if let Some((_, g)) = self.gaps.iter().find(|(p, g)| {
            parties.contains(p)
                && matches!(g.scope, verity_evidence::Scope::All)
                && g.contains(date)
        }) {
            return self.verdict(
                ob,
                date,
                Status::CannotVerify,
                format!(
                    "no {event} recorded, but continuity of knowledge lost since {} ({}): absence cannot be verified",
                    g.from, g.source
                ),
            );
        }
        // The party's Additional Protocol status on the date (the latest figure), and a
        // report verifying its programme that day.
        for p in parties {
            let ap = self
                .obs
                .get(&(p.clone(), "additional_protocol_applied"))
                .and_then(|l| l.iter().filter(|o| o.date <= date).max_by_key(|o| o.date))
                .and_then(|o| o.quantity.central());
            if ap != Some(1.0) {
                continue;
            }
            let report = self
                .party_dates
                .get(p)
                .and_then(|d| d.get(&date))
                .and_then(|r| r.iter().next());
            if let Some(report) = report {
                let mut v = self.verdict(
                    ob,
                    date,
                    Status::Compliant,
                    format!(
                        "no {event} recorded; the Agency verified {p}'s programme under the Additional Protocol on this date and reported none"
                    ),
                );
                v.sources.push((*report).to_owned());
                return v;
            }
        }
        self.verdict(
            ob,
            date,
            Status::NoEvidence,
            format!("no {event} recorded, and no verification report covers the date"),
        )
    }

    fn undertaking(
        &self,
        ob: &Ob<'_>,
        event: Option<&'static str>,
        due: Option<Date>,
        in_range: &dyn Fn(&Date) -> bool,
        out: &mut Vec<Verdict>,
    ) {
        let parties = self.parties_of(ob);
        for date in self.event_dates(in_range) {
            if !ob.in_force(date) {
                continue;
            }
            let Some(event) = event else {
                out.push(self.verdict(
                    ob,
                    date,
                    Status::NoEvidence,
                    "no event in the vocabulary records this undertaking",
                ));
                continue;
            };
            // Only an act within the window fulfils it: sanctions lifted on Implementation
            // Day do not fulfil the lifting due on Transition Day.
            let done = self.occurred(&parties, event, ob.from, date);
            let v = match done.first() {
                Some(first) => {
                    let undone: Vec<_> = self
                        .events
                        .iter()
                        .filter(|(p, e, d, _)| {
                            reverses(event, e) && parties.contains(p) && *d >= first.2 && *d <= date
                        })
                        .collect();
                    // Sanctions re-imposed by the snapback of UNSCR 2231 paras. 11–12,
                    // after a notification, are the resolution's own mechanism: the
                    // Council does what the resolution prescribes, not a breach.
                    let snapback = undone
                        .first()
                        .filter(|u| u.1 == "un_sanctions_reimposed")
                        .and_then(|u| {
                            self.events
                                .iter()
                                .find(|(_, e, d, _)| {
                                    *e == "snapback_notified"
                                        && *d <= u.2
                                        && (u.2 - *d).get_days() <= SNAPBACK_DAYS
                                })
                                .map(|n| (*u, n))
                        });
                    match (undone.first(), snapback) {
                        (Some(_), Some((u, n))) => {
                            let mut v = self.verdict(
                                ob,
                                date,
                                Status::Compliant,
                                format!(
                                    "{event} on {}; {} on {} under the snapback of UNSCR 2231 paras. 11–12, notified by {} on {}: the resolution's mechanism, not a breach",
                                    first.2, u.1, u.2, n.0, n.2
                                ),
                            );
                            v.sources = vec![
                                format!("{} [event {} by {} on {}]", n.3, n.1, n.0, n.2),
                                format!("{} [event {} by {} on {}]", u.3, u.1, u.0, u.2),
                            ];
                            v
                        }
                        (Some(u), None) => {
                            let mut v = self.verdict(
                                ob,
                                date,
                                Status::Breach,
                                format!(
                                    "{event} on {}, undone by {} by {} on {}",
                                    first.2, u.1, u.0, u.2
                                ),
                            );
                            v.sources = undone
                                .iter()
                                .map(|(p, e, d, s)| format!("{s} [event {e} by {p} on {d}]"))
                                .collect();
                            v
                        }
                        (None, _) => {
                            let mut v = self.verdict(
                                ob,
                                date,
                                Status::Compliant,
                                format!("{event} by {} on {}", first.0, first.2),
                            );
                            v.sources.push(format!(
                                "{} [event {} by {} on {}]",
                                first.3, first.1, first.0, first.2
                            ));
                            v
                        }
                    }
                }
                None => match due {
                    Some(d) if date >= d => {
                        let declined = self.events.iter().find(|(p, e, on, _)| {
                            declines(event, e)
                                && parties.contains(p)
                                && *on <= date
                                && ob.from.is_none_or(|f| (f - *on).get_days() <= 31)
                        });
                        match declined {
                            Some((p, e, on, src)) => {
                                let mut v = self.verdict(
                                    ob,
                                    date,
                                    Status::Breach,
                                    format!("due by {d}; {e} by {p} on {on}"),
                                );
                                v.sources.push(format!("{src} [event {e} by {p} on {on}]"));
                                v
                            }
                            None => self.verdict(
                                ob,
                                date,
                                Status::Breach,
                                format!("due by {d}; no {event} recorded"),
                            ),
                        }
                    }
                    _ => self.verdict(
                        ob,
                        date,
                        Status::NoEvidence,
                        format!("no {event} recorded yet"),
                    ),
                },
            };
            out.push(v);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(value: Option<f64>, sigma: Option<f64>, low: Option<f64>, high: Option<f64>) -> Quantity {
        Quantity {
            value,
            sigma,
            low,
            high,
            low_inclusive: false,
        }
    }

    #[test]
    fn an_inclusive_lower_bound_at_the_limit_is_indeterminate() {
        use Comparator::*;
        let at_least = |l: f64| Quantity {
            low: Some(l),
            low_inclusive: true,
            ..Quantity::default()
        };
        let j = |qq: Quantity, op, l| judge(&qq, op, l, 2.0).0;
        // "5060 IR-1 in use; installed but not in use not stated" against "up to 5060".
        assert_eq!(j(at_least(5060.0), Le, 5060.0), Status::Indeterminate);
        assert_eq!(j(at_least(5234.0), Le, 5060.0), Status::Breach);
        assert_eq!(j(at_least(5060.0), Lt, 5060.0), Status::Breach);
        assert_eq!(j(at_least(5060.0), Ge, 5060.0), Status::Compliant);
        assert_eq!(j(at_least(5060.0), Gt, 5060.0), Status::Indeterminate);
        assert_eq!(j(at_least(5060.0), Eq, 5060.0), Status::Indeterminate);
        // "More than 5060" is still a breach of "up to 5060".
        assert_eq!(
            j(q(None, None, Some(5060.0), None), Le, 5060.0),
            Status::Breach
        );
        assert!(
            judge(&at_least(5060.0), Le, 5060.0, 2.0)
                .1
                .starts_with("at least 5060")
        );
    }

    #[test]
    fn point_values_with_sigma() {
        use Comparator::*;
        let j = |qq: Quantity, op, l| judge(&qq, op, l, 2.0).0;
        assert_eq!(j(Quantity::point(174.1), Le, 202.8), Status::Compliant);
        assert_eq!(j(Quantity::point(213.5), Le, 202.8), Status::Breach);
        assert_eq!(j(Quantity::point(202.8), Le, 202.8), Status::Compliant);
        assert_eq!(j(Quantity::point(202.8), Lt, 202.8), Status::Breach);
        // 205 ± 2: 2.2 above the limit is within 2σ = 4.
        assert_eq!(
            j(q(Some(205.0), Some(2.0), None, None), Le, 202.8),
            Status::Indeterminate
        );
        // With k = 1 it is a breach.
        assert_eq!(
            judge(&q(Some(205.0), Some(2.0), None, None), Le, 202.8, 1.0).0,
            Status::Breach
        );
        assert_eq!(
            j(q(Some(195.0), Some(2.0), None, None), Le, 202.8),
            Status::Compliant
        );
        assert_eq!(j(Quantity::point(1.0), Eq, 1.0), Status::Compliant);
        assert_eq!(j(Quantity::point(0.0), Eq, 1.0), Status::Breach);
        assert_eq!(j(Quantity::point(5060.0), Ge, 5000.0), Status::Compliant);
    }

    #[test]
    fn intervals() {
        use Comparator::*;
        let j = |qq: Quantity, op, l| judge(&qq, op, l, 2.0).0;
        // "did not exceed 300 kg UF6" = at most 202.8 kg U.
        assert_eq!(
            j(q(None, None, None, Some(202.8)), Le, 202.8),
            Status::Compliant
        );
        assert_eq!(
            j(q(None, None, None, Some(202.8)), Lt, 202.8),
            Status::Indeterminate
        );
        // "exceeded 300 kg UF6" = more than 202.8 kg U.
        assert_eq!(
            j(q(None, None, Some(202.8), None), Le, 202.8),
            Status::Breach
        );
        assert_eq!(
            j(q(None, None, Some(100.0), Some(300.0)), Le, 202.8),
            Status::Indeterminate
        );
        assert_eq!(j(q(None, None, Some(0.0), None), Le, 0.0), Status::Breach);
        assert_eq!(
            j(q(None, None, Some(10.0), None), Ge, 5.0),
            Status::Compliant
        );
        assert_eq!(j(q(None, None, None, Some(4.0)), Ge, 5.0), Status::Breach);
        assert_eq!(j(q(None, None, None, Some(4.0)), Eq, 5.0), Status::Breach);
    }

    #[test]
    fn steps_merge_runs_and_first_breach() {
        let v = |d: &str, s: Status| Verdict {
            obligation: "o".into(),
            party: "iran".into(),
            cite: "".into(),
            date: d.parse().expect("date"),
            status: s,
            finding: s,
            readings: vec![],
            value: None,
            limit: None,
            unit: None,
            sources: vec![],
            reason: "".into(),
            quantity: None,
        };
        let vs = [
            v("2015-06-01", Status::NoEvidence),
            v("2016-01-01", Status::Compliant),
            v("2016-03-01", Status::NoEvidence),
            v("2016-06-01", Status::Compliant),
            v("2019-07-01", Status::Breach),
            v("2019-09-01", Status::Breach),
            v("2025-07-01", Status::CannotVerify),
        ];
        let s = steps(&vs);
        let st: Vec<_> = s["o"]
            .iter()
            .map(|s| (s.from.to_string(), s.status))
            .collect();
        assert_eq!(
            st,
            [
                ("2015-06-01".to_owned(), Status::NoEvidence),
                ("2016-01-01".to_owned(), Status::Compliant),
                ("2019-07-01".to_owned(), Status::Breach),
                ("2025-07-01".to_owned(), Status::CannotVerify)
            ]
        );
        assert_eq!(first_breaches(&vs)["o"].to_string(), "2019-07-01");
    }
}
