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
    OpenApiRouter::new().routes(routes!(what_if))
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
