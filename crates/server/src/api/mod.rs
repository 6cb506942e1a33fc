//! The JSON API under `/api/v1`: one module per area, each registering its handlers
//! (and through them, the OpenAPI document).

use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_axum::router::OpenApiRouter;

use crate::AppState;

pub mod agreements;
pub mod assessments;
pub mod breakout;
pub mod deals;
pub mod evidence;
pub mod log;
pub mod tokens;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Verity API",
        description = "Open verification of nuclear agreements: the agreement as code, compliance on the evidence, breakout time, and a signed transparency log.",
        license(name = "Apache-2.0 OR MIT")
    ),
    modifiers(&BearerAuth),
    tags(
        (name = "access", description = "Tokens and roles"),
        (name = "agreements", description = "Agreements, key days and obligations"),
        (name = "assessments", description = "Compliance verdicts over time (the `verity assess` result)"),
        (name = "breakout", description = "Breakout time: the record's timeline and what-if computations"),
        (name = "deals", description = "The negotiation workbench: proposals, breakout over a deal's life, the deal space"),
        (name = "evidence", description = "Measurements, events and knowledge gaps, with their sources"),
        (name = "log", description = "The signed Merkle transparency log"),
    )
)]
struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .merge(tokens::router())
        .merge(agreements::router())
        .merge(assessments::router())
        .merge(breakout::router())
        .merge(deals::router())
        .merge(evidence::router())
        .merge(log::router())
}
