//! `/api/v1/assessments` and `/api/v1/breakout/timeline`: the `verity assess` result
//! over the store's evidence, public and cached.
//!
//! The body is serialised from `verity-compliance`'s own types, so it is the same
//! JSON `verity assess --json` prints; the `*Doc` types here only describe it in the
//! OpenAPI document (a test keeps the two in step).

use std::collections::BTreeMap;

use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use verity_compliance::{BreakoutOptions, BreakoutPoint, Options, Verdict};
use verity_vocab::Date;

use crate::cache::Body;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::json::Query;
use crate::{AppState, blocking};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(get_assessment))
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
    /// `compliant`, `breach`, `indeterminate`, `cannot_verify` or `no_evidence`.
    pub status: String,
    pub value: Option<f64>,
    pub limit: Option<f64>,
    pub unit: Option<String>,
    pub sources: Vec<String>,
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

/// What is actually serialised.
#[derive(Serialize)]
struct AssessmentOut<'a> {
    verdicts: &'a [Verdict],
    first_breach: BTreeMap<String, Date>,
    breakout: &'a [BreakoutPoint],
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
    /// k in k·σ for calling a breach (default 2).
    pub sigma: Option<f64>,
}

fn parse_date(field: &str, s: &Option<String>) -> ApiResult<Option<Date>> {
    match s {
        Some(s) => s.parse().map(Some).map_err(|_| {
            ApiError::bad_field(field, format!("`{s}` is not a date (expected YYYY-MM-DD)"))
        }),
        None => Ok(None),
    }
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
    let agreement_id = q.agreement.clone().unwrap_or_else(|| "jcpoa".to_owned());
    let from = parse_date("from", &q.from)?;
    let to = parse_date("to", &q.to)?;
    if let (Some(f), Some(t)) = (from, to)
        && f > t
    {
        return Err(ApiError::bad_field("to", "`to` is before `from`"));
    }
    let sigma = q.sigma.unwrap_or(Options::default().sigma_k);
    if !(sigma.is_finite() && sigma > 0.0 && sigma <= 10.0) {
        return Err(ApiError::bad_field("sigma", "must be a number in (0, 10]"));
    }
    let Some(index) = state.agreements.iter().position(|a| a.id == agreement_id) else {
        return Err(ApiError::bad_field(
            "agreement",
            format!("no agreement `{agreement_id}`"),
        ));
    };
    let agreement = &state.agreements[index];
    if let Some(p) = &q.party
        && agreement.party(p).is_none()
    {
        return Err(ApiError::bad_field(
            "party",
            format!("`{p}` is not a party to `{agreement_id}`"),
        ));
    }
    let key = format!(
        "assess|{agreement_id}|{}|{from:?}|{to:?}|{sigma}",
        q.party.as_deref().unwrap_or("").to_lowercase()
    );
    let generation = state.cache.generation(&state.store).await?;
    if let Some(body) = state.cache.get(&key, generation) {
        return Ok(json_response(body, &headers));
    }
    let evidence = evidence(&state).await?;
    let breakout = breakout(&state, generation, Some(evidence.clone())).await?;
    let agreements = state.agreements.clone();
    let party = q.party.clone();
    let cache_key = key.clone();
    let body = tokio::task::spawn_blocking(move || {
        let agreement = &agreements[index];
        let opts = Options {
            sigma_k: sigma,
            party,
            from,
            to,
        };
        let a = verity_compliance::assess(agreement, &evidence, &opts);
        let points: Vec<BreakoutPoint> = breakout
            .iter()
            .filter(|p| from.is_none_or(|f| p.date >= f) && to.is_none_or(|t| p.date <= t))
            .cloned()
            .collect();
        serde_json::to_vec(&AssessmentOut {
            verdicts: &a.verdicts,
            first_breach: a.first_breaches(),
            breakout: &points,
        })
        .map(|raw| Body::new(Bytes::from(raw), &cache_key, generation))
    })
    .await
    .map_err(ApiError::internal)?
    .map_err(ApiError::internal)?;
    state.cache.put(key, generation, body.clone());
    Ok(json_response(body, &headers))
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
    let points = breakout(&state, generation, None).await?;
    let raw = Bytes::from(serde_json::to_vec(&*points).map_err(ApiError::internal)?);
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
) -> ApiResult<std::sync::Arc<Vec<BreakoutPoint>>> {
    if let Some(points) = state.cache.breakout(generation) {
        return Ok(points);
    }
    let evidence = match evidence {
        Some(evidence) => evidence,
        None => self::evidence(state).await?,
    };
    let points = tokio::task::spawn_blocking(move || {
        verity_compliance::breakout::timeline_all(&evidence, &BreakoutOptions::default())
    })
    .await
    .map_err(ApiError::internal)?;
    let points = std::sync::Arc::new(points);
    state.cache.put_breakout(generation, points.clone());
    Ok(points)
}
