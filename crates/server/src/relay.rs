//! `verity serve --relay`: a store-and-forward mailbox an intermediary can operate for
//! a back channel. Senders deposit shares for a recipient's mailbox and the recipient
//! collects them, each with a bearer token from the relay's operator; the relay keeps
//! the share texts as they came and cannot read them (they are sealed to the
//! recipient, `verity-channel`).
//!
//! - `POST /relay/v1/<mailbox>`: deposit one share (its JSON text); 201 with its id.
//! - `GET /relay/v1/<mailbox>?after=ID&limit=N`: the shares after `ID`, oldest first.

use axum::Json;
use axum::Router;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::StatusCode;
use axum::routing::post;
use serde::{Deserialize, Serialize};

use crate::auth::{AnnouncedSize, Caller};
use crate::error::{ApiError, ApiResult};
use crate::json::{Path, Query};
use crate::{AppState, IMPORT_BODY_LIMIT, blocking};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/relay/v1/{mailbox}", post(deposit).get(collect))
        .layer(DefaultBodyLimit::max(IMPORT_BODY_LIMIT))
}

#[derive(Debug, Serialize)]
struct Deposited {
    id: i64,
    mailbox: String,
}

#[derive(Debug, Serialize)]
struct Collected {
    mailbox: String,
    shares: Vec<Item>,
}

#[derive(Debug, Serialize)]
struct Item {
    id: i64,
    deposited_at: String,
    share: String,
}

#[derive(Debug, Deserialize)]
struct Page {
    #[serde(default)]
    after: i64,
    #[serde(default)]
    limit: Option<i64>,
}

fn check(state: &AppState, mailbox: &str) -> Result<(), ApiError> {
    if !state.relay {
        return Err(ApiError::not_found(
            "this server is not a relay (start it with --relay)",
        ));
    }
    if mailbox.is_empty()
        || mailbox.len() > 200
        || mailbox.chars().any(|c| c.is_control() || c == '+')
    {
        return Err(ApiError::bad_field(
            "mailbox",
            "1–200 printable characters, no '+'",
        ));
    }
    Ok(())
}

fn now() -> String {
    jiff::Timestamp::now()
        .strftime("%Y-%m-%dT%H:%M:%SZ")
        .to_string()
}

async fn deposit(
    State(state): State<AppState>,
    caller: Caller,
    Path(mailbox): Path<String>,
    _size: AnnouncedSize,
    crate::json::Body(body): crate::json::Body,
) -> ApiResult<(StatusCode, Json<Deposited>)> {
    check(&state, &mailbox)?;
    caller.require_reader()?;
    let text = verity_app::text::utf8("body", body.to_vec()).map_err(ApiError::bad_request)?;
    // Opaque to the relay, but it must at least be one JSON object.
    if !serde_json::from_str::<serde_json::Value>(&text).is_ok_and(|v| v.is_object()) {
        return Err(ApiError::bad_request("a share is one JSON object"));
    }
    let store = state.store.clone();
    let mb = mailbox.clone();
    let id = blocking(move || store.relay_deposit(&mb, &text, &now())).await?;
    Ok((StatusCode::CREATED, Json(Deposited { id, mailbox })))
}

async fn collect(
    State(state): State<AppState>,
    caller: Caller,
    Path(mailbox): Path<String>,
    Query(page): Query<Page>,
) -> ApiResult<Json<Collected>> {
    check(&state, &mailbox)?;
    caller.require_reader()?;
    let limit = page.limit.unwrap_or(1000).clamp(1, 10_000);
    let store = state.store.clone();
    let mb = mailbox.clone();
    let rows = blocking(move || store.relay_collect(&mb, page.after, limit)).await?;
    Ok(Json(Collected {
        mailbox,
        shares: rows
            .into_iter()
            .map(|d| Item {
                id: d.id,
                deposited_at: d.deposited_at,
                share: d.body,
            })
            .collect(),
    }))
}
