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
//! [`montecarlo::run`], both taking a [`BreakoutInput`].

pub mod breakout;
pub mod centrifuge;
mod error;
pub mod marc;
pub mod montecarlo;
pub mod presets;
mod swu;
mod units;

pub use breakout::{
    BreakoutInput, BreakoutPlan, Capacity, Feed, MachineCount, StagedPlan, Stock, Tails, Target,
    solve, solve_staged,
};
pub use centrifuge::Performance;
pub use error::PhysicsError;
pub use montecarlo::{McConfig, McSummary};
pub use swu::{Enrichment, Quantity, Streams, swu_per_product_curve};
pub use units::{Assay, KgU, Swu, value_function};
