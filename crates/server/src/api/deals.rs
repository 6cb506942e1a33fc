//! `/api/v1/deals`: the negotiation workbench. The bodies are
//! `verity_app::deals::{EvaluateRequest, SearchRequest}` — what `verity deal evaluate`
//! and `verity deal search` build from their flags — and the answers are the same
//! documents those commands print with `--json`, computed by the same use cases over
//! the store's record.

use axum::Json;
use axum::extract::{Path, State};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use verity_app::deals::{
    self, EvaluateRequest, EvaluationDoc, Limits, ListDoc, SearchDoc, SearchRequest, ShowDoc,
};

use crate::AppState;
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::json::ValidJson;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list))
        .routes(routes!(show))
        .routes(routes!(evaluate))
        .routes(routes!(search))
}

/// The shipped proposals, the named starting states and the search axes. Public.
#[utoipa::path(get, path = "/api/v1/deals", tag = "deals",
    responses((status = 200, body = ListDoc)))]
async fn list() -> ApiResult<Json<ListDoc>> {
    Ok(Json(deals::list().map_err(ApiError::from)?))
}

/// One proposal's terms, each with its years and source (`verity deal show --json`).
/// Public.
#[utoipa::path(get, path = "/api/v1/deals/{name}", tag = "deals",
    params(("name" = String, Path, description = "A shipped proposal")),
    responses((status = 200, body = ShowDoc), (status = 404, body = ErrorBody)))]
async fn show(Path(name): Path<String>) -> ApiResult<Json<ShowDoc>> {
    Ok(Json(deals::show(&name).map_err(ApiError::from)?))
}

async fn record(state: &AppState) -> ApiResult<verity_evidence::EvidenceSet> {
    let store = state.store.clone();
    tokio::task::spawn_blocking(move || store.evidence_set())
        .await
        .map_err(ApiError::internal)?
        .map_err(ApiError::internal)
}

/// A proposal's breakout for every year of its life, its sneakout time and the
/// verification it provides (any role): the document of `verity deal evaluate --json`.
#[utoipa::path(post, path = "/api/v1/deals/evaluate", tag = "deals",
    request_body = EvaluateRequest,
    security(("bearer" = [])),
    responses((status = 200, description = "The evaluation (as `verity deal evaluate --json`)"),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody)))]
async fn evaluate(
    State(state): State<AppState>,
    caller: Caller,
    ValidJson(req): ValidJson<EvaluateRequest>,
) -> ApiResult<Json<EvaluationDoc>> {
    caller.require_reader()?;
    let evidence = record(&state).await?;
    let doc = tokio::task::spawn_blocking(move || {
        deals::evaluate(&req, None, &evidence, &Limits::SERVER)
    })
    .await
    .map_err(ApiError::internal)?
    .map_err(ApiError::from)?;
    Ok(Json(doc))
}

/// A sweep of the deal space and its frontier (any role): the document of
/// `verity deal search --json`. At most 10,000 points and 10,000 samples a point.
#[utoipa::path(post, path = "/api/v1/deals/search", tag = "deals",
    request_body = SearchRequest,
    security(("bearer" = [])),
    responses((status = 200, description = "The search (as `verity deal search --json`)"),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody)))]
async fn search(
    State(state): State<AppState>,
    caller: Caller,
    ValidJson(req): ValidJson<SearchRequest>,
) -> ApiResult<Json<SearchDoc>> {
    caller.require_reader()?;
    let evidence = record(&state).await?;
    let doc = tokio::task::spawn_blocking(move || deals::search(&req, &evidence, &Limits::SERVER))
        .await
        .map_err(ApiError::internal)?
        .map_err(ApiError::from)?;
    Ok(Json(doc))
}
