//! `/api/v1/agreements…`: the agreements the server holds, their key days and
//! obligations, with `on` (in force on a date) and `party` filters.

use axum::Json;
use axum::extract::State;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use verity_agreement::{Agreement, Obligation, ObligationKind, Occurrence};
use verity_vocab::Date;

use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::json::{Path, Query};
use crate::{AppState, blocking};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_agreements))
        .routes(routes!(get_agreement))
        .routes(routes!(list_obligations))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AgreementSummary {
    pub id: String,
    pub title: String,
    pub source: Option<String>,
    pub obligations: usize,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PartyDto {
    pub id: String,
    pub name: String,
    /// For a group of parties, the ids of its members.
    pub members: Vec<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct KeyDayDto {
    pub id: String,
    pub name: String,
    /// How the agreement defines it (a date, a key day or an event plus an offset).
    pub when: String,
    /// Its date on the record held by the server; null while an event it depends on
    /// has not happened.
    pub date: Option<String>,
    pub cite: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AgreementDto {
    pub id: String,
    pub title: String,
    pub source: Option<String>,
    pub parties: Vec<PartyDto>,
    pub key_days: Vec<KeyDayDto>,
    pub obligations: usize,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ObligationDto {
    pub id: String,
    pub party: String,
    /// The citation, e.g. `JCPOA Annex I, Section F, para. 56`.
    pub cite: String,
    pub text: String,
    /// `limit`, `prohibition`, `undertaking` or `procedure`.
    pub kind: String,
    /// For a limit: the vocabulary metric, comparator, value and unit as written,
    /// and the value in the metric's own unit.
    pub metric: Option<String>,
    pub op: Option<String>,
    pub value: Option<f64>,
    pub unit: Option<String>,
    pub limit_in_metric_unit: Option<f64>,
    /// For a prohibition or undertaking: the vocabulary event.
    pub event: Option<String>,
    /// The window as written, and as resolved on the record held by the server.
    pub from: String,
    pub until: Option<String>,
    pub from_date: Option<String>,
    pub until_date: Option<String>,
    pub note: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ObligationFilter {
    /// Only obligations in force on this date (YYYY-MM-DD).
    pub on: Option<String>,
    /// Only obligations binding this party (directly or as a member of a group).
    pub party: Option<String>,
}

fn find<'a>(state: &'a AppState, id: &str) -> ApiResult<&'a Agreement> {
    state
        .agreements
        .iter()
        .find(|a| a.id == id)
        .ok_or_else(|| ApiError::not_found(format!("no agreement `{id}`")))
}

/// Lists the agreements the server holds.
#[utoipa::path(get, path = "/api/v1/agreements", tag = "agreements",
    responses((status = 200, body = Vec<AgreementSummary>)))]
async fn list_agreements(State(state): State<AppState>) -> Json<Vec<AgreementSummary>> {
    Json(
        state
            .agreements
            .iter()
            .map(|a| AgreementSummary {
                id: a.id.clone(),
                title: a.title.clone(),
                source: a.source.clone(),
                obligations: a.obligations.len(),
            })
            .collect(),
    )
}

/// One agreement: parties and key days (resolved on the record).
#[utoipa::path(get, path = "/api/v1/agreements/{id}", tag = "agreements",
    params(("id" = String, Path, description = "Agreement id, e.g. `jcpoa`")),
    responses((status = 200, body = AgreementDto), (status = 404, body = ErrorBody)))]
async fn get_agreement(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<Json<AgreementDto>> {
    let a = find(&state, &id)?;
    let days = a.resolve_key_days(&occurrences(&state, a).await?);
    Ok(Json(AgreementDto {
        id: a.id.clone(),
        title: a.title.clone(),
        source: a.source.clone(),
        parties: a
            .parties
            .iter()
            .map(|p| PartyDto {
                id: p.id.clone(),
                name: p.name.clone(),
                members: p.members.clone(),
            })
            .collect(),
        key_days: a
            .key_days
            .iter()
            .map(|k| KeyDayDto {
                id: k.id.clone(),
                name: k.name.clone(),
                when: k.when.to_string(),
                date: days.get(&k.id).map(|d| d.to_string()),
                cite: k.cite.as_ref().map(|c| c.to_string()),
            })
            .collect(),
        obligations: a.obligations.len(),
    }))
}

/// The obligations of an agreement, optionally only those in force on a date and
/// binding a party.
#[utoipa::path(get, path = "/api/v1/agreements/{id}/obligations", tag = "agreements",
    params(("id" = String, Path, description = "Agreement id"), ObligationFilter),
    responses((status = 200, body = Vec<ObligationDto>), (status = 400, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
async fn list_obligations(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Query(filter): Query<ObligationFilter>,
) -> ApiResult<Json<Vec<ObligationDto>>> {
    let a = find(&state, &id)?;
    let on: Option<Date> = match &filter.on {
        Some(s) => Some(s.parse().map_err(|_| {
            ApiError::bad_field("on", format!("`{s}` is not a date (expected YYYY-MM-DD)"))
        })?),
        None => None,
    };
    let party = match &filter.party {
        Some(p) => match a.party(p) {
            Some(found) => Some(found.id.clone()),
            None => {
                return Err(ApiError::bad_field(
                    "party",
                    format!(
                        "`{p}` is not a party to `{}` (parties: {})",
                        a.id,
                        a.parties
                            .iter()
                            .map(|x| x.id.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                ));
            }
        },
        None => None,
    };
    let days = a.resolve_key_days(&occurrences(&state, a).await?);
    let out = a
        .obligations
        .iter()
        .filter(|o| on.is_none_or(|d| days.in_force(&o.window, d)))
        .filter(|o| party.as_deref().is_none_or(|p| binds(a, &o.party, p)))
        .map(|o| obligation_dto(o, &days))
        .collect();
    Ok(Json(out))
}

/// The dated events key days resolve against: the agreement's own recorded history
/// and the events in the store's evidence (as `verity assess` does).
async fn occurrences(state: &AppState, a: &Agreement) -> ApiResult<Vec<Occurrence>> {
    let store = state.store.clone();
    let evidence = blocking(move || store.evidence_set()).await?;
    let mut out = a.history();
    out.extend(evidence.events.iter().map(|e| Occurrence {
        event: e.event.id.to_owned(),
        party: verity_compliance::party_id(a, &e.party),
        date: e.date,
    }));
    Ok(out)
}

/// Whether an obligation of `bound` (a party or group) binds `party`.
fn binds(a: &Agreement, bound: &str, party: &str) -> bool {
    fn contains(a: &Agreement, group: &str, party: &str, depth: usize) -> bool {
        if group.eq_ignore_ascii_case(party) {
            return true;
        }
        // Groups are acyclic (checked at parse time); the depth bound is a backstop.
        depth < 16
            && a.parties
                .iter()
                .find(|p| p.id.eq_ignore_ascii_case(group))
                .is_some_and(|g| g.members.iter().any(|m| contains(a, m, party, depth + 1)))
    }
    contains(a, bound, party, 0)
}

fn obligation_dto(o: &Obligation, days: &verity_agreement::KeyDays) -> ObligationDto {
    let (from_date, until_date) = days.window(&o.window);
    let (mut metric, mut op, mut value, mut unit, mut event) = (None, None, None, None, None);
    match &o.kind {
        ObligationKind::Limit {
            metric: m,
            op: c,
            value: v,
            unit: u,
        } => {
            metric = Some(m.id.to_owned());
            op = Some(c.as_str().to_owned());
            value = Some(*v);
            unit = Some(u.as_str().to_owned());
        }
        ObligationKind::Prohibition { event: e } => event = Some(e.id.to_owned()),
        ObligationKind::Undertaking { event: e, .. } => event = e.map(|e| e.id.to_owned()),
        ObligationKind::Procedure { trigger, .. } => event = trigger.map(|e| e.id.to_owned()),
    }
    ObligationDto {
        id: o.id.clone(),
        party: o.party.clone(),
        cite: o.cite.to_string(),
        text: o.text.clone(),
        kind: o.kind.name().to_owned(),
        metric,
        op,
        value,
        unit,
        limit_in_metric_unit: o.kind.limit_in_metric_unit(),
        event,
        from: o.window.from.to_string(),
        until: o.window.until.as_ref().map(|u| u.to_string()),
        from_date: from_date.map(|d| d.to_string()),
        until_date: until_date.map(|d| d.to_string()),
        note: o.note.clone(),
    }
}
