//! `/api/v1/breakout/what-if`: breakout time for stocks and capacity the caller
//! chooses. The body is `verity_app::breakout::BreakoutRequest` — the request
//! `verity breakout`'s flags build — and the answer is the `verity breakout --json`
//! document, computed by the same use case.

use axum::Json;
use axum::extract::State;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use verity_app::breakout::{self, BreakoutDoc, BreakoutRequest, Limits};

use crate::AppState;
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::json::ValidJson;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(what_if))
        .routes(routes!(list_presets))
}

/// One stock of a preset.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct PresetStockDoc {
    pub assay_pct: f64,
    pub kg_u: f64,
    pub source: String,
}

/// Machines of a preset.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct PresetMachinesDoc {
    pub kind: String,
    pub count: u32,
    pub site: String,
    pub source: String,
}

/// A built-in breakout scenario (the shape of `verity breakout --list-presets --json`).
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct PresetDoc {
    pub name: String,
    pub title: String,
    pub as_of: String,
    pub stocks: Vec<PresetStockDoc>,
    pub machines: Vec<PresetMachinesDoc>,
    pub notes: String,
}

/// The built-in breakout scenarios, each figure with its source. Public.
#[utoipa::path(get, path = "/api/v1/breakout/presets", tag = "breakout",
    responses((status = 200, body = [PresetDoc])))]
async fn list_presets() -> Json<&'static [breakout::Preset]> {
    Json(breakout::presets())
}

/// Breakout time for given stocks and centrifuges (any role): the answer of
/// `verity breakout --json` for the same inputs.
#[utoipa::path(post, path = "/api/v1/breakout/what-if", tag = "breakout",
    request_body = BreakoutRequest,
    security(("bearer" = [])),
    responses((status = 200, body = BreakoutDoc), (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody)))]
async fn what_if(
    State(_state): State<AppState>,
    caller: Caller,
    ValidJson(req): ValidJson<BreakoutRequest>,
) -> ApiResult<Json<BreakoutDoc>> {
    caller.require_reader()?;
    let doc = tokio::task::spawn_blocking(move || breakout::what_if(&req, Limits::SERVER, &|_| {}))
        .await
        .map_err(ApiError::internal)?
        .map_err(ApiError::from)?;
    Ok(Json(doc))
}
