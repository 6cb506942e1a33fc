//! `/api/v1/agreements…`: the agreements the server holds, their key days and
//! obligations, with `on` (in force on a date) and `party` filters.

use axum::Json;
use axum::extract::State;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use verity_agreement::Agreement;
use verity_app::obligations::{self, KeyDayView, ObligationView};

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
pub struct AgreementDto {
    pub id: String,
    pub title: String,
    pub source: Option<String>,
    pub parties: Vec<PartyDto>,
    /// Resolved on the record held by the server.
    pub key_days: Vec<KeyDayView>,
    pub obligations: usize,
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
    let evidence = record(&state).await?;
    let days = obligations::resolve_key_days(a, &evidence)?;
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
        key_days: obligations::key_days(a, &days),
        obligations: a.obligations.len(),
    }))
}

/// The obligations of an agreement, optionally only those in force on a date and
/// binding a party: the `obligations` of `verity agreement show --json` for the same
/// filters, on the record the server holds.
#[utoipa::path(get, path = "/api/v1/agreements/{id}/obligations", tag = "agreements",
    params(("id" = String, Path, description = "Agreement id"), ObligationFilter),
    responses((status = 200, body = Vec<ObligationView>), (status = 400, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
async fn list_obligations(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Query(filter): Query<ObligationFilter>,
) -> ApiResult<Json<Vec<ObligationView>>> {
    let a = find(&state, &id)?;
    let evidence = record(&state).await?;
    let doc = obligations::show(a, &evidence, filter.on.as_deref(), filter.party.as_deref())?;
    Ok(Json(doc.obligations))
}

/// The record the server holds.
async fn record(state: &AppState) -> ApiResult<verity_evidence::EvidenceSet> {
    let store = state.store.clone();
    blocking(move || store.evidence_set()).await
}
