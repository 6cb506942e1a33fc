//! verity-physics: enrichment physics for breakout estimates. Pure computation, no I/O.
//!
//! - [`Assay`], [`KgU`], [`Swu`]: domain types that reject impossible values;
//! - [`value_function`], [`Enrichment`]: two-stream balances and separative work;
//! - [`marc`]: multicomponent (U-234/235/236/238) matched-abundance-ratio cascades;
//! - [`centrifuge`]: the catalogue of machines with sourced SWU/yr figures;
//! - [`breakout`]: the least-SWU plan from stocks at several assays, staged plans,
//!   optimised tails;
//! - [`montecarlo`]: seeded, reproducible uncertainty of the breakout time;
//! - [`presets`]: the JCPOA limits and states read from IAEA reports.
//!
//! For other crates the entry points are [`breakout::solve`] and
//! [`montecarlo::run`], both taking a [`BreakoutInput`]:
//!
//! ```
//! use verity_physics::montecarlo::{self, McConfig};
//! use verity_physics::{Assay, BreakoutInput, Capacity, KgU, MachineCount, Stock};
//! # fn main() -> Result<(), verity_physics::PhysicsError> {
//! // 408.6 kg U at 60 % (IAEA, May 2025) and eight cascades of 174 IR-6.
//! let input = BreakoutInput::new(
//!     vec![Stock { assay: Assay::from_pct(60.0)?, kg_u: KgU::new(408.6)? }],
//!     Capacity::Centrifuges(vec![MachineCount { kind: "IR-6".into(), count: 1392 }]),
//! );
//! let plan = verity_physics::solve(&input)?;
//! assert!(plan.days < 7.0);
//! assert_eq!(plan.feeds[0].assay, Assay::from_pct(60.0)?);
//! let mc = montecarlo::run(&input, &McConfig { samples: 10_000, seed: 1, ..McConfig::default() })?;
//! assert!(mc.p05_days <= mc.median_days && mc.median_days <= mc.p95_days);
//! # Ok(())
//! # }
//! ```

pub mod breakout;
pub mod centrifuge;
mod error;
pub mod marc;
pub mod montecarlo;
pub mod presets;
pub mod routes;
mod swu;
mod units;

pub use breakout::{
    BreakoutInput, BreakoutPlan, Capacity, Feed, MachineCount, StagedPlan, Stock, Tails, Target,
    solve, solve_staged,
};
pub use centrifuge::Performance;
pub use error::PhysicsError;
pub use montecarlo::{McConfig, McSummary};
pub use routes::{
    CascadeSet, FixedCascadePlan, FixedCascades, RouteKind, RouteSummary, SqDefinition,
    solve_fixed_cascades,
};
pub use swu::{Enrichment, Quantity, Streams, swu_per_product_curve};
pub use units::{Assay, KgU, Swu, value_function};
