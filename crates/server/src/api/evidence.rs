//! `/api/v1/evidence`: the measurements, events and knowledge gaps in the store
//! (any role), and imports (inspector) that are validated whole, stored, and logged as
//! a signed `evidence_import` entry in one transaction.

use axum::Json;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, StatusCode, header};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::{OpenApiRouter, UtoipaMethodRouterExt};
use utoipa_axum::routes;
use verity_evidence::Source;
use verity_vocab::Date;

use crate::auth::{AnnouncedSize, Caller, Inspector};
use crate::db::{ImportOutcome, Upload};
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::json::Query;
use crate::{AppState, IMPORT_BODY_LIMIT, blocking};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(
        routes!(list_evidence, import_evidence).layer(DefaultBodyLimit::max(IMPORT_BODY_LIMIT)),
    )
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SourceDto {
    /// Report id, e.g. `GOV/2019/32`.
    pub report: String,
    pub paragraph: Option<String>,
    pub report_date: Option<String>,
}

impl From<&Source> for SourceDto {
    fn from(s: &Source) -> SourceDto {
        SourceDto {
            report: s.report.clone(),
            paragraph: s.paragraph.clone(),
            report_date: s.report_date.map(|d| d.to_string()),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MeasurementDto {
    pub date: String,
    pub party: String,
    /// Vocabulary metric id.
    pub metric: String,
    pub label: String,
    /// Central value (null when the report gives only bounds).
    pub value: Option<f64>,
    pub sigma: Option<f64>,
    /// "More than", or "at least" when `low_inclusive`.
    pub low: Option<f64>,
    pub low_inclusive: bool,
    pub high: Option<f64>,
    /// The metric's unit, in which the figures are stated.
    pub unit: String,
    /// `verified`, `declared` or `estimated`.
    pub basis: String,
    pub source: SourceDto,
    pub note: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct EventDto {
    pub date: String,
    pub party: String,
    pub event: String,
    pub label: String,
    pub value: Option<f64>,
    pub source: SourceDto,
    pub note: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct KnowledgeGapDto {
    pub from: String,
    pub until: Option<String>,
    pub party: String,
    /// `*` or the metrics covered, `;`-separated.
    pub scope: String,
    pub source: SourceDto,
    pub note: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct EvidenceDto {
    pub measurements: Vec<MeasurementDto>,
    pub events: Vec<EventDto>,
    pub knowledge: Vec<KnowledgeGapDto>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EvidenceQuery {
    /// Only this metric (exact id).
    pub metric: Option<String>,
    /// Only metrics whose id starts with this (e.g. `enriched_uranium_stock`).
    pub metric_prefix: Option<String>,
    /// Only this party.
    pub party: Option<String>,
    /// Only dates on or after this (YYYY-MM-DD).
    pub from: Option<String>,
    /// Only dates on or before this (YYYY-MM-DD).
    pub to: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ImportQuery {
    /// The file's name, used in error locations (default `upload.csv` or
    /// `upload.json` by content type). Its extension picks the format.
    pub name: Option<String>,
}

fn date_param(field: &str, v: &Option<String>) -> ApiResult<Option<Date>> {
    match v {
        Some(s) => s.parse().map(Some).map_err(|_| {
            ApiError::bad_field(field, format!("`{s}` is not a date (expected YYYY-MM-DD)"))
        }),
        None => Ok(None),
    }
}

/// The evidence in the store, filtered (any role).
#[utoipa::path(get, path = "/api/v1/evidence", tag = "evidence", params(EvidenceQuery),
    security(("bearer" = [])),
    responses((status = 200, body = EvidenceDto), (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody)))]
async fn list_evidence(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<EvidenceQuery>,
) -> ApiResult<Json<EvidenceDto>> {
    caller.require_reader()?;
    let from = date_param("from", &q.from)?;
    let to = date_param("to", &q.to)?;
    if let Some(m) = &q.metric
        && verity_vocab::metric(m).is_err()
    {
        return Err(ApiError::bad_field(
            "metric",
            format!("`{m}` is not a metric of the vocabulary (docs/vocabulary.md)"),
        ));
    }
    let store = state.store.clone();
    let set = blocking(move || store.evidence_set()).await?;
    let party = q.party.as_deref().map(|p| p.trim().to_lowercase());
    let in_range = |d: Date| from.is_none_or(|f| d >= f) && to.is_none_or(|t| d <= t);
    let party_ok = |p: &str| {
        party
            .as_deref()
            .is_none_or(|q| p.trim().to_lowercase() == q)
    };
    let measurements = set
        .measurements
        .iter()
        .filter(|m| q.metric.as_deref().is_none_or(|id| m.metric.id == id))
        .filter(|m| {
            q.metric_prefix
                .as_deref()
                .is_none_or(|p| m.metric.id.starts_with(p))
        })
        .filter(|m| in_range(m.date) && party_ok(&m.party))
        .map(|m| MeasurementDto {
            date: m.date.to_string(),
            party: m.party.clone(),
            metric: m.metric.id.to_owned(),
            label: m.metric.label.to_owned(),
            value: m.quantity.value,
            sigma: m.quantity.sigma,
            low: m.quantity.low,
            low_inclusive: m.quantity.low_inclusive,
            high: m.quantity.high,
            unit: m.metric.unit.as_str().to_owned(),
            basis: m.basis.as_str().to_owned(),
            source: (&m.source).into(),
            note: m.note.clone(),
        })
        .collect();
    let metric_only = q.metric.is_some() || q.metric_prefix.is_some();
    let events = if metric_only {
        Vec::new()
    } else {
        set.events
            .iter()
            .filter(|e| in_range(e.date) && party_ok(&e.party))
            .map(|e| EventDto {
                date: e.date.to_string(),
                party: e.party.clone(),
                event: e.event.id.to_owned(),
                label: e.event.label.to_owned(),
                value: e.value,
                source: (&e.source).into(),
                note: e.note.clone(),
            })
            .collect()
    };
    let knowledge = set
        .knowledge
        .iter()
        .filter(|g| party_ok(&g.party))
        .filter(|g| q.metric.as_deref().is_none_or(|m| g.scope.covers(m)))
        .map(|g| KnowledgeGapDto {
            from: g.from.to_string(),
            until: g.until.map(|d| d.to_string()),
            party: g.party.clone(),
            scope: g.scope.to_string(),
            source: (&g.source).into(),
            note: g.note.clone(),
        })
        .collect();
    Ok(Json(EvidenceDto {
        measurements,
        events,
        knowledge,
    }))
}

/// Imports one evidence file (inspector only): CSV (`text/csv`) or JSON
/// (`application/json`) in the formats of `docs/evidence-format.md`. The file is
/// validated whole; its records, a signed `evidence_import` log entry and a new
/// checkpoint are stored in one transaction, or nothing is (400 lists every problem
/// with its line and column).
#[utoipa::path(post, path = "/api/v1/evidence", tag = "evidence", params(ImportQuery),
    security(("bearer" = [])),
    request_body(content = String, content_type = "text/csv"),
    responses((status = 201, body = ImportOutcome), (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 413, description = "body larger than 8 MiB")))]
async fn import_evidence(
    State(state): State<AppState>,
    Inspector(caller): Inspector,
    _size: AnnouncedSize,
    Query(q): Query<ImportQuery>,
    headers: HeaderMap,
    crate::json::Body(body): crate::json::Body,
) -> ApiResult<(StatusCode, Json<ImportOutcome>)> {
    let ct = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let default_name = if ct.starts_with("application/json") {
        "upload.json"
    } else if ct.starts_with("text/csv") || ct.starts_with("text/plain") {
        "upload.csv"
    } else {
        return Err(ApiError::bad_request(
            "Content-Type must be text/csv or application/json",
        ));
    };
    let name = q.name.unwrap_or_else(|| default_name.to_owned());
    if name.is_empty() || name.len() > 200 || name.chars().any(char::is_control) {
        return Err(ApiError::bad_field(
            "name",
            "must be 1–200 printable characters",
        ));
    }
    let text = verity_app::text::utf8(&name, body.to_vec()).map_err(ApiError::bad_request)?;
    if text.trim().is_empty() {
        return Err(ApiError::bad_request(format!("{name}: the file is empty")));
    }
    let submitted_by = json!({
        "token_id": caller.token_id,
        "role": caller.role.map(|r| r.as_str()),
    });
    let store = state.store.clone();
    let outcome =
        blocking(move || store.import_evidence(vec![Upload { name, text }], submitted_by)).await?;
    state.cache.invalidate();
    tracing::info!(
        import_id = outcome.import_id,
        log_index = outcome.log_index,
        measurements = outcome.measurements,
        events = outcome.events,
        "evidence imported"
    );
    Ok((StatusCode::CREATED, Json(outcome)))
}
