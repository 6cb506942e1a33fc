//! `/api/v1/me` and `/api/v1/tokens`: who am I, and token management (admin only).

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::{Admin, Caller, Role};
use crate::db::DbError;
use crate::db::TokenRecord;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::json::{Path, ValidJson};
use crate::{AppState, blocking};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(me))
        .routes(routes!(list_tokens, create_token))
        .routes(routes!(revoke_token))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Me {
    /// `anonymous`, `admin`, `inspector` or `analyst`.
    pub role: String,
}

/// The caller's role, as the server sees its token.
#[utoipa::path(get, path = "/api/v1/me", tag = "access",
    responses((status = 200, body = Me), (status = 401, body = ErrorBody)))]
async fn me(caller: Caller) -> Json<Me> {
    Json(Me {
        role: caller.role.map_or("anonymous", |r| r.as_str()).to_owned(),
    })
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewToken {
    /// `admin`, `inspector` or `analyst`.
    pub role: String,
    /// A note on whose token it is (at most 200 characters).
    #[serde(default)]
    pub label: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedToken {
    /// The token itself. Shown once: the server keeps only its SHA-256.
    pub token: String,
    #[serde(flatten)]
    pub record: TokenRecord,
}

/// Creates a token (admin only). The response is the only time its text is shown.
#[utoipa::path(post, path = "/api/v1/tokens", tag = "access", request_body = NewToken,
    security(("bearer" = [])),
    responses((status = 201, body = CreatedToken), (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
async fn create_token(
    State(state): State<AppState>,
    _admin: Admin,
    ValidJson(req): ValidJson<NewToken>,
) -> ApiResult<(StatusCode, Json<CreatedToken>)> {
    let role: Role = req
        .role
        .parse()
        .map_err(|e: String| ApiError::bad_field("role", e))?;
    let store = state.store.clone();
    let created = blocking(move || {
        verity_app::tokens::create(store.store(), role, &req.label).map_err(DbError::from)
    })
    .await?;
    let (token, record) = (
        created.token,
        crate::store_impl::token_record(created.record),
    );
    tracing::info!(id = record.id, role = %role, "token created");
    Ok((StatusCode::CREATED, Json(CreatedToken { token, record })))
}

/// Lists live tokens (admin only); never their text or hash.
#[utoipa::path(get, path = "/api/v1/tokens", tag = "access", security(("bearer" = [])),
    responses((status = 200, body = Vec<TokenRecord>), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody)))]
async fn list_tokens(
    State(state): State<AppState>,
    _admin: Admin,
) -> ApiResult<Json<Vec<TokenRecord>>> {
    let store = state.store.clone();
    let list = blocking(move || store.list_tokens()).await?;
    Ok(Json(list))
}

/// Revokes a token (admin only).
#[utoipa::path(delete, path = "/api/v1/tokens/{id}", tag = "access", security(("bearer" = [])),
    params(("id" = i64, Path, description = "The token's id")),
    responses((status = 204), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
async fn revoke_token(
    State(state): State<AppState>,
    _admin: Admin,
    Path(id): Path<i64>,
) -> ApiResult<StatusCode> {
    let store = state.store.clone();
    let found = blocking(move || store.revoke_token(id)).await?;
    if found {
        tracing::info!(id, "token revoked");
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::not_found(format!("no live token with id {id}")))
    }
}
