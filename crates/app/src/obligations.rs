//! What an agreement requires of whom and when: its key days and obligations resolved
//! on a record, optionally only those in force on a date or binding a party.
//! [`ObligationsDoc`] is the `verity agreement show --json` document; its
//! `obligations` are the body of `GET /api/v1/agreements/{id}/obligations` and its
//! `key_days` those of `GET /api/v1/agreements/{id}`.

use serde::Serialize;
use verity_agreement::{Agreement, KeyDays, Obligation, ObligationKind, Occurrence};
use verity_evidence::EvidenceSet;
use verity_vocab::Date;

use crate::{AppError, AppResult};

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct KeyDayView {
    pub id: String,
    pub name: String,
    /// Its date on the record; null while an event it depends on has not happened.
    pub date: Option<String>,
    /// How the agreement defines it.
    pub rule: String,
    /// Where the agreement defines it.
    pub cite: Option<String>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct StepView {
    pub name: String,
    pub days: u32,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ObligationView {
    pub id: String,
    pub party: String,
    /// The citation, e.g. `JCPOA Annex I, Section J, para. 56`.
    pub cite: String,
    /// Whether the citation was checked against the treaty text.
    pub cite_verified: bool,
    pub text: String,
    /// `limit`, `prohibition`, `undertaking` or `procedure`.
    pub kind: &'static str,
    /// For a limit: the vocabulary metric, comparator, limit and unit as written, and
    /// the limit in the metric's own unit (300 kg UF6 → 202.8 kg U).
    pub metric: Option<&'static str>,
    pub op: Option<&'static str>,
    pub limit: Option<f64>,
    pub unit: Option<&'static str>,
    pub limit_in_metric_unit: Option<f64>,
    /// For a prohibition, undertaking or procedure: the vocabulary event.
    pub event: Option<&'static str>,
    /// For an undertaking with a deadline: the deadline on the record.
    pub by: Option<String>,
    /// For a procedure: its steps.
    pub steps: Option<Vec<StepView>>,
    /// The window on the record (from inclusive, until exclusive); null while not
    /// known.
    pub from: Option<String>,
    pub until: Option<String>,
    /// The window as written.
    pub from_rule: String,
    pub until_rule: Option<String>,
    pub note: Option<String>,
}

/// The agreement's obligations for a query.
#[derive(Debug, Clone, Serialize)]
pub struct ObligationsDoc {
    pub agreement: String,
    pub title: String,
    pub on: Option<String>,
    /// The party asked for, as its id.
    pub party: Option<String>,
    pub key_days: Vec<KeyDayView>,
    pub obligations: Vec<ObligationView>,
}

/// The dated events key days resolve against: the agreement's own recorded history
/// and the record's events (as the assessment does).
pub fn occurrences(a: &Agreement, evidence: &EvidenceSet) -> Vec<Occurrence> {
    let mut out = a.history();
    out.extend(evidence.events.iter().map(|e| Occurrence {
        event: e.event.id.to_owned(),
        party: verity_compliance::party_id(a, &e.party),
        date: e.date,
    }));
    out
}

/// The key days resolved on the record; an event that puts a key day past the
/// calendar's end is a located error, not a day "still to come".
pub fn resolve_key_days(a: &Agreement, evidence: &EvidenceSet) -> AppResult<KeyDays> {
    crate::assess::check_key_days(a, evidence)?;
    Ok(a.resolve_key_days(&occurrences(a, evidence)))
}

/// The key days on the record.
pub fn key_days(a: &Agreement, kd: &KeyDays) -> Vec<KeyDayView> {
    a.key_days
        .iter()
        .map(|k| KeyDayView {
            id: k.id.clone(),
            name: k.name.clone(),
            date: kd.get(&k.id).map(|d| d.to_string()),
            rule: k.when.to_string(),
            cite: k.cite.as_ref().map(|c| c.to_string()),
        })
        .collect()
}

fn view(o: &Obligation, kd: &KeyDays) -> ObligationView {
    let (from, until) = kd.window(&o.window);
    let mut out = ObligationView {
        id: o.id.clone(),
        party: o.party.clone(),
        cite: o.cite.to_string(),
        cite_verified: o.cite.verified,
        text: o.text.clone(),
        kind: o.kind.name(),
        metric: None,
        op: None,
        limit: None,
        unit: None,
        limit_in_metric_unit: o.kind.limit_in_metric_unit(),
        event: None,
        by: None,
        steps: None,
        from: from.map(|d| d.to_string()),
        until: until.map(|d| d.to_string()),
        from_rule: o.window.from.to_string(),
        until_rule: o.window.until.as_ref().map(|u| u.to_string()),
        note: o.note.clone(),
    };
    match &o.kind {
        ObligationKind::Limit {
            metric,
            op,
            value,
            unit,
        } => {
            out.metric = Some(metric.id);
            out.op = Some(op.as_str());
            out.limit = Some(*value);
            out.unit = Some(unit.as_str());
        }
        ObligationKind::Prohibition { event } => out.event = Some(event.id),
        ObligationKind::Undertaking { event, by } => {
            out.event = event.map(|e| e.id);
            out.by = by
                .as_ref()
                .and_then(|b| kd.resolve(b))
                .map(|d| d.to_string());
        }
        ObligationKind::Procedure { trigger, steps } => {
            out.event = trigger.map(|e| e.id);
            out.steps = Some(
                steps
                    .iter()
                    .map(|s| StepView {
                        name: s.name.clone(),
                        days: s.days,
                    })
                    .collect(),
            );
        }
    }
    out
}

/// The obligations of `a` on the record `evidence`, in force on `on` (text as typed,
/// field `on`) and binding `party` (field `party`) when given.
pub fn show(
    a: &Agreement,
    evidence: &EvidenceSet,
    on: Option<&str>,
    party: Option<&str>,
) -> AppResult<ObligationsDoc> {
    let on: Option<Date> = on
        .map(|s| {
            verity_vocab::parse_date(s).map_err(|e| match e {
                verity_vocab::VocabError::BadDate { text, reason } => {
                    AppError::field("on", text, reason)
                }
                other => AppError::field("on", s, other.to_string()),
            })
        })
        .transpose()?;
    let kd = resolve_key_days(a, evidence)?;
    let mut obligations: Vec<&Obligation> = match party {
        Some(p) => a.obligations_of(p).ok_or_else(|| {
            let known: Vec<&str> = a.parties.iter().map(|p| p.id.as_str()).collect();
            AppError::field(
                "party",
                p,
                format!(
                    "no such party in {}; expected one of: {}",
                    a.id,
                    known.join(", ")
                ),
            )
        })?,
        None => a.obligations.iter().collect(),
    };
    if let Some(date) = on {
        obligations.retain(|o| kd.in_force(&o.window, date));
    }
    Ok(ObligationsDoc {
        agreement: a.id.clone(),
        title: a.title.clone(),
        on: on.map(|d| d.to_string()),
        party: party.and_then(|p| a.party(p)).map(|p| p.id.clone()),
        key_days: key_days(a, &kd),
        obligations: obligations.iter().map(|o| view(o, &kd)).collect(),
    })
}
