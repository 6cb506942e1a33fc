//! `/api/v1/breakout/what-if`: breakout time for stocks and centrifuges the caller
//! chooses, computed with `verity-physics` (least-SWU plan plus a seeded Monte Carlo
//! for its uncertainty).

use axum::Json;
use axum::extract::State;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use verity_physics::{
    Assay, BreakoutInput, Capacity, KgU, MachineCount, McConfig, Performance, PhysicsError, Stock,
    Tails, Target,
};

use crate::AppState;
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::json::ValidJson;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(what_if))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StockIn {
    /// Percent U-235, in (0, target).
    pub assay_pct: f64,
    /// kg of uranium (element mass), ≥ 0.
    pub kg_u: f64,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CentrifugesIn {
    /// Catalogue type: IR-1, IR-2m, IR-4, IR-6, P-1 or P-2.
    pub kind: String,
    pub count: u32,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WhatIf {
    /// Stocks of enriched uranium available as feed.
    #[serde(default)]
    pub stocks: Vec<StockIn>,
    /// Operating centrifuges by type (their capacity comes from the catalogue) …
    #[serde(default)]
    pub centrifuges: Vec<CentrifugesIn>,
    /// … or a total capacity in kg-SWU per year instead.
    pub swu_per_year: Option<f64>,
    /// kg U-235 to make (default 25, one significant quantity).
    pub target_kg_u235: Option<f64>,
    /// Product assay in percent (default 90).
    pub target_assay_pct: Option<f64>,
    /// Cascade efficiency in (0, 1] (default 1).
    pub efficiency: Option<f64>,
    /// Fixed tails assay in percent (default 0.3).
    pub tails_pct: Option<f64>,
    /// Monte Carlo samples for the uncertainty (default 2000, at most 20000).
    pub samples: Option<usize>,
    /// Monte Carlo seed (default 1), so a result can be rerun exactly.
    pub seed: Option<u64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct FeedOut {
    pub assay_pct: f64,
    pub kg_u: f64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct WhatIfResult {
    /// Days to the target with the least-SWU plan, at central machine figures.
    pub days: f64,
    /// 5th and 95th percentiles and median from the Monte Carlo.
    pub days_p05: f64,
    pub days_p50: f64,
    pub days_p95: f64,
    /// Separative work the plan needs, kg-SWU.
    pub swu: f64,
    /// Effective capacity, kg-SWU per year.
    pub swu_per_year: f64,
    pub product_assay_pct: f64,
    pub product_kg_u: f64,
    pub tails_assay_pct: f64,
    pub feeds: Vec<FeedOut>,
    pub samples: usize,
    pub seed: u64,
}

fn physics_error(err: PhysicsError) -> ApiError {
    match err {
        PhysicsError::InvalidParameter { field, reason } => {
            let field = match field.as_str() {
                "target_u235_kg" => "target_kg_u235".to_owned(),
                "capacity" => "centrifuges".to_owned(),
                _ => field,
            };
            ApiError::bad_field(field, reason)
        }
        PhysicsError::UnknownCentrifuge { .. } => {
            ApiError::bad_field("centrifuges", err.to_string())
        }
        other => ApiError::bad_request(other.to_string()),
    }
}

/// Validates the request whole and turns it into the physics input.
fn input_of(req: &WhatIf) -> ApiResult<(BreakoutInput, McConfig)> {
    let mut stocks = Vec::with_capacity(req.stocks.len());
    for (i, s) in req.stocks.iter().enumerate() {
        let assay = Assay::from_pct(s.assay_pct)
            .map_err(|e| ApiError::bad_field(format!("stocks[{i}].assay_pct"), e.to_string()))?;
        let kg_u = KgU::new(s.kg_u)
            .map_err(|e| ApiError::bad_field(format!("stocks[{i}].kg_u"), e.to_string()))?;
        stocks.push(Stock { assay, kg_u });
    }
    let capacity = match (req.swu_per_year, req.centrifuges.is_empty()) {
        (Some(_), false) => {
            return Err(ApiError::bad_field(
                "swu_per_year",
                "give either centrifuges or swu_per_year, not both",
            ));
        }
        (Some(s), true) => Capacity::SwuPerYear(s),
        (None, false) => {
            for (i, c) in req.centrifuges.iter().enumerate() {
                verity_physics::centrifuge::find(&c.kind).map_err(|e| {
                    ApiError::bad_field(format!("centrifuges[{i}].kind"), e.to_string())
                })?;
            }
            Capacity::Centrifuges(
                req.centrifuges
                    .iter()
                    .map(|c| MachineCount {
                        kind: c.kind.clone(),
                        count: c.count,
                    })
                    .collect(),
            )
        }
        (None, true) => {
            return Err(ApiError::bad_field(
                "centrifuges",
                "give the operating centrifuges (or swu_per_year)",
            ));
        }
    };
    let mut input = BreakoutInput::new(stocks, capacity);
    input.performance = Performance::Central;
    if let Some(e) = req.efficiency {
        input.efficiency = e;
    }
    if let Some(t) = req.tails_pct {
        input.tails = Tails::Fixed(
            Assay::from_pct(t).map_err(|e| ApiError::bad_field("tails_pct", e.to_string()))?,
        );
    }
    let assay = match req.target_assay_pct {
        Some(p) => Assay::from_pct(p)
            .map_err(|e| ApiError::bad_field("target_assay_pct", e.to_string()))?,
        None => Target::one_sq().assay,
    };
    input.target = Target {
        assay,
        u235_kg: req.target_kg_u235.unwrap_or(Target::one_sq().u235_kg),
    };
    let samples = req.samples.unwrap_or(2000);
    if !(1..=20_000).contains(&samples) {
        return Err(ApiError::bad_field(
            "samples",
            "must be between 1 and 20000",
        ));
    }
    let mc = McConfig {
        samples,
        seed: req.seed.unwrap_or(1),
        ..McConfig::default()
    };
    Ok((input, mc))
}

/// Breakout time for given stocks and centrifuges (any role).
#[utoipa::path(post, path = "/api/v1/breakout/what-if", tag = "breakout", request_body = WhatIf,
    security(("bearer" = [])),
    responses((status = 200, body = WhatIfResult), (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody)))]
async fn what_if(
    State(_state): State<AppState>,
    caller: Caller,
    ValidJson(req): ValidJson<WhatIf>,
) -> ApiResult<Json<WhatIfResult>> {
    caller.require_reader()?;
    let (input, mc) = input_of(&req)?;
    let res = tokio::task::spawn_blocking(move || {
        let plan = verity_physics::solve(&input)?;
        let summary = verity_physics::montecarlo::run(&input, &mc)?;
        Ok::<_, PhysicsError>((plan, summary))
    })
    .await
    .map_err(ApiError::internal)?;
    let (plan, summary) = res.map_err(physics_error)?;
    Ok(Json(WhatIfResult {
        days: plan.days,
        days_p05: summary.p05_days,
        days_p50: summary.median_days,
        days_p95: summary.p95_days,
        swu: plan.swu.kg_swu(),
        swu_per_year: plan.swu_per_year,
        product_assay_pct: plan.product_assay.pct(),
        product_kg_u: plan.product.kg(),
        tails_assay_pct: plan.tails_assay.pct(),
        feeds: plan
            .feeds
            .iter()
            .map(|f| FeedOut {
                assay_pct: f.assay.pct(),
                kg_u: f.kg_u.kg(),
            })
            .collect(),
        samples: summary.samples,
        seed: summary.seed,
    }))
}
