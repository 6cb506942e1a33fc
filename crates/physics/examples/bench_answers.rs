//! Prints, as JSON, the answers of the benchmark workloads (see benches/physics.rs), so
//! that `bash bench/physics.sh` can check the NumPy reference computes the same thing.

use verity_physics::marc;
use verity_physics::montecarlo::{self, McConfig};
use verity_physics::{Assay, Enrichment, PhysicsError};

#[path = "../benches/workload/mod.rs"]
mod workload;

fn main() -> Result<(), PhysicsError> {
    let input = workload::breakout_input()?;
    let plan = verity_physics::solve(&input)?;
    let mc = montecarlo::run(
        &input,
        &McConfig {
            samples: 1_000_000,
            ..McConfig::default()
        },
    )?;
    let heu = Enrichment::new(
        Assay::NATURAL,
        Assay::from_pct(90.0)?,
        Assay::from_pct(0.3)?,
    )?;
    let m = marc::solve(&workload::marc_spec()?)?;
    let mut opt = input.clone();
    opt.tails = verity_physics::Tails::Optimal;
    let single = verity_physics::solve(&opt)?;
    let staged = verity_physics::solve_staged(&opt, Assay::from_pct(3.67)?)?;
    let fixed = verity_physics::solve_fixed_cascades(
        &opt,
        Assay::from_pct(3.67)?,
        &workload::fixed_cascades(),
    )?;
    println!(
        "{{\"swu_per_kg_90pct_from_natural_at_0.3pct\": {}, \"breakout_swu_kg\": {}, \"breakout_days\": {}, \
         \"mc_p05_median_p95_days\": [{}, {}, {}], \"marc_check_nu\": {{\"m_star\": {}, \"flow_per_feed\": {}, \"swu_per_product\": {}}}, \
         \"routes\": {{\"tails_pct\": {}, \"single_swu_kg\": {}, \"single_days\": {}, \"staged_swu_kg\": {}, \"staged_days\": {}, \"fixed_swu_kg\": {}, \"fixed_days\": {}, \"fixed_steps\": {}}}}}",
        heu.swu_per_product(),
        plan.swu.kg_swu(),
        plan.days,
        mc.p05_days,
        mc.median_days,
        mc.p95_days,
        m.m_star,
        m.flow_per_feed,
        m.swu_per_product,
        single.tails_assay.pct(),
        single.swu.kg_swu(),
        single.days,
        staged.swu.kg_swu(),
        staged.days,
        fixed.staged.swu.kg_swu(),
        fixed.days,
        fixed.staged.steps.len()
    );
    Ok(())
}
