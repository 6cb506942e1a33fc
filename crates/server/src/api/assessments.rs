//! `/api/v1/assessments`, `/api/v1/report` and `/api/v1/breakout/timeline`: the
//! `verity assess` and `verity report` answers over the store's evidence, public and
//! cached.
//!
//! The bodies are the application layer's documents (`verity_app::assess::
//! AssessmentDoc`, `verity_app::report::ReportDoc`), the same values `verity assess
//! --json` and `verity report --format json` print; the `*Doc` types here only
//! describe them in the OpenAPI document (a test keeps the two in step).

use std::collections::BTreeMap;

use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use verity_app::assess::Timeline;

use crate::cache::Body;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::json::Query;
use crate::{AppState, blocking};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(get_assessment))
        .routes(routes!(get_report))
        .routes(routes!(get_disputes))
        .routes(routes!(breakout_timeline))
}

/// One verdict (the shape of `verity assess --json`'s `verdicts[]`).
#[derive(Debug, Serialize, ToSchema)]
pub struct VerdictDoc {
    pub obligation: String,
    pub party: String,
    pub cite: String,
    /// YYYY-MM-DD.
    pub date: String,
    /// `compliant`, `breach`, `indeterminate`, `cannot_verify`, `no_evidence`,
    /// `remedial` or `contested`, under the reading asked for.
    pub status: String,
    /// What the evidence shows against the text (the same statuses but the last two).
    pub finding: String,
    /// The parties' readings that differ from `status`.
    pub readings: Vec<ReadingDoc>,
    pub value: Option<f64>,
    pub limit: Option<f64>,
    pub unit: Option<String>,
    pub sources: Vec<String>,
}

/// A party's reading of a verdict that differs from the status shown.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReadingDoc {
    pub party: String,
    pub status: String,
    /// Where the position is stated, and the provisions it invokes.
    pub cite: String,
    pub position: String,
    /// `justification` or `applicability`.
    pub ground: String,
    /// The reading's id in the agreement file.
    pub reading: String,
}

/// One breakout estimate (the shape of `verity assess --json`'s `breakout[]`).
#[derive(Debug, Serialize, ToSchema)]
pub struct BreakoutPointDoc {
    pub date: String,
    pub days: f64,
    pub days_p05: f64,
    pub days_p95: f64,
}

/// The `verity assess --json` document.
#[derive(Debug, Serialize, ToSchema)]
pub struct AssessmentDoc {
    pub verdicts: Vec<VerdictDoc>,
    /// Obligation id → date of its first breach.
    pub first_breach: BTreeMap<String, String>,
    pub breakout: Vec<BreakoutPointDoc>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AssessQuery {
    /// Agreement id (default `jcpoa`).
    pub agreement: Option<String>,
    /// Only obligations binding this party (id or name).
    pub party: Option<String>,
    /// Only dates on or after this (YYYY-MM-DD).
    pub from: Option<String>,
    /// Only dates on or before this (YYYY-MM-DD).
    pub to: Option<String>,
    /// The record as it stood on this date (YYYY-MM-DD): what had been published.
    pub as_of: Option<String>,
    /// k in k·σ for calling a breach (default 2, at most 10).
    pub sigma: Option<f64>,
    /// Show the verdicts under this party's stated positions (id or name).
    pub reading: Option<String>,
}

/// A cached JSON body: 304 when the client has it, gzipped when it accepts that.
fn json_response(body: Body, req: &HeaderMap) -> Response {
    let etag = HeaderValue::from_str(&body.etag).ok();
    let not_modified = req
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == body.etag));
    let gzip = !body.gzip.is_empty()
        && req
            .get(header::ACCEPT_ENCODING)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.split(',').any(|e| e.trim().starts_with("gzip")));
    let mut res = if not_modified {
        StatusCode::NOT_MODIFIED.into_response()
    } else if gzip {
        let mut r = body.gzip.into_response();
        r.headers_mut()
            .insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
        r
    } else {
        body.raw.into_response()
    };
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    h.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    // Clients may keep it but must revalidate (cheap: a 304).
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    if let Some(etag) = etag {
        h.insert(header::ETAG, etag);
    }
    res
}

/// Which answer of one assessment a request wants.
#[derive(Clone, Copy)]
enum Answer {
    Assessment,
    Report,
}

/// Assesses the agreement against the store's evidence for the query and serialises
/// the answer asked for; cached per query until the evidence changes.
async fn answer(
    state: &AppState,
    q: &AssessQuery,
    headers: &HeaderMap,
    what: Answer,
) -> ApiResult<Response> {
    let agreement_id = q.agreement.clone().unwrap_or_else(|| "jcpoa".to_owned());
    let query = verity_app::assess::Query::parse(
        q.party.as_deref(),
        q.from.as_deref(),
        q.to.as_deref(),
        q.as_of.as_deref(),
        q.sigma,
    )?
    .with_reading(q.reading.as_deref());
    let Some(index) = state.agreements.iter().position(|a| a.id == agreement_id) else {
        return Err(ApiError::bad_field(
            "agreement",
            format!("no agreement `{agreement_id}`"),
        ));
    };
    let key = format!(
        "{}|{agreement_id}|{}|{:?}|{:?}|{:?}|{}|{}",
        match what {
            Answer::Assessment => "assess",
            Answer::Report => "report",
        },
        query.party.as_deref().unwrap_or("").to_lowercase(),
        query.from,
        query.to,
        query.as_of,
        query.sigma,
        query.reading.as_deref().unwrap_or("").to_lowercase()
    );
    let generation = state.cache.generation(&state.store).await?;
    if let Some(body) = state.cache.get(&key, generation) {
        return Ok(json_response(body, headers));
    }
    let evidence = evidence(state).await?;
    let timeline = breakout(state, generation, Some(evidence.clone())).await?;
    let agreement = state.agreements[index].clone();
    let cache_key = key.clone();
    let body = tokio::task::spawn_blocking(move || -> ApiResult<Body> {
        let run = verity_app::assess::run(agreement, &evidence, &query, Some(&timeline))?;
        let raw = match what {
            Answer::Assessment => serde_json::to_vec(&run.assessment_doc()),
            Answer::Report => serde_json::to_vec(&verity_app::report::ReportDoc::build(&run)),
        }
        .map_err(ApiError::internal)?;
        Ok(Body::new(Bytes::from(raw), &cache_key, generation))
    })
    .await
    .map_err(ApiError::internal)??;
    state.cache.put(key, generation, body.clone());
    Ok(json_response(body, headers))
}

/// Assesses the agreement against the store's evidence (same JSON as
/// `verity assess --json`). Public; cached until the evidence changes.
#[utoipa::path(get, path = "/api/v1/assessments", tag = "assessments", params(AssessQuery),
    responses((status = 200, body = AssessmentDoc), (status = 400, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
async fn get_assessment(
    State(state): State<AppState>,
    Query(q): Query<AssessQuery>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    answer(&state, &q, &headers, Answer::Assessment).await
}

/// The compliance report over the store's evidence: exactly the document
/// `verity report --format json` prints for the same query (per party the yearly
/// status summary, the stock against its limit, the breakout timeline with its basis,
/// the sources). Public; cached until the evidence changes.
#[utoipa::path(get, path = "/api/v1/report", tag = "assessments", params(AssessQuery),
    responses((status = 200, description = "The `verity report --format json` document", body = Object),
        (status = 400, body = ErrorBody)))]
async fn get_report(
    State(state): State<AppState>,
    Query(q): Query<AssessQuery>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    answer(&state, &q, &headers, Answer::Report).await
}

/// Every invocation of the agreement's dispute procedures in the store's record: the
/// `verity disputes --json` document. Public.
#[utoipa::path(get, path = "/api/v1/disputes", tag = "assessments",
    responses((status = 200, description = "The `verity disputes --json` document", body = Object)))]
async fn get_disputes(State(state): State<AppState>) -> ApiResult<axum::Json<serde_json::Value>> {
    let evidence = evidence(&state).await?;
    let agreement = state
        .agreements
        .first()
        .cloned()
        .ok_or_else(|| ApiError::not_found("no agreement"))?;
    let doc =
        tokio::task::spawn_blocking(move || verity_app::disputes::list(&agreement, &evidence))
            .await
            .map_err(ApiError::internal)?;
    Ok(axum::Json(
        serde_json::to_value(doc).map_err(ApiError::internal)?,
    ))
}

/// The breakout time at each report date (the `breakout` part of the assessment).
/// Public; cached until the evidence changes.
#[utoipa::path(get, path = "/api/v1/breakout/timeline", tag = "breakout",
    responses((status = 200, body = Vec<BreakoutPointDoc>)))]
async fn breakout_timeline(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let generation = state.cache.generation(&state.store).await?;
    let key = "breakout-json";
    if let Some(body) = state.cache.get(key, generation) {
        return Ok(json_response(body, &headers));
    }
    let timeline = breakout(&state, generation, None).await?;
    let raw = Bytes::from(serde_json::to_vec(&timeline.points).map_err(ApiError::internal)?);
    let body = Body::new(raw, key, generation);
    state.cache.put(key.to_owned(), generation, body.clone());
    Ok(json_response(body, &headers))
}

async fn evidence(state: &AppState) -> ApiResult<std::sync::Arc<verity_evidence::EvidenceSet>> {
    let store = state.store.clone();
    Ok(std::sync::Arc::new(
        blocking(move || store.evidence_set()).await?,
    ))
}

/// The breakout timeline for this generation: a Monte Carlo per report, so it is
/// computed once and shared by every query. The evidence is read from the store only
/// when the timeline must be computed and the caller has not read it already.
async fn breakout(
    state: &AppState,
    generation: crate::cache::Generation,
    evidence: Option<std::sync::Arc<verity_evidence::EvidenceSet>>,
) -> ApiResult<std::sync::Arc<Timeline>> {
    if let Some(points) = state.cache.breakout(generation) {
        return Ok(points);
    }
    let evidence = match evidence {
        Some(evidence) => evidence,
        None => self::evidence(state).await?,
    };
    let points = tokio::task::spawn_blocking(move || Timeline::of(&evidence))
        .await
        .map_err(ApiError::internal)?;
    let points = std::sync::Arc::new(points);
    state.cache.put_breakout(generation, points.clone());
    Ok(points)
}
