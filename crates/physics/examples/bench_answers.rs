//! Prints, as JSON, the answers of the benchmark workloads (see benches/physics.rs), so
//! that `bash bench/physics.sh` can check the NumPy reference computes the same thing.

use verity_physics::marc::{self, MarcSpec};
use verity_physics::montecarlo::{self, McConfig};
use verity_physics::{
    Assay, BreakoutInput, Capacity, Enrichment, KgU, MachineCount, PhysicsError, Stock,
};

fn main() -> Result<(), PhysicsError> {
    let stock = |pct: f64, kg: f64| -> Result<Stock, PhysicsError> {
        Ok(Stock {
            assay: Assay::from_pct(pct)?,
            kg_u: KgU::new(kg)?,
        })
    };
    let input = BreakoutInput::new(
        vec![
            stock(2.0, 1367.9)?,
            stock(4.5, 1773.2)?,
            stock(19.75, 62.8)?,
            stock(60.0, 2.4)?,
        ],
        Capacity::Centrifuges(vec![
            MachineCount {
                kind: "IR-1".into(),
                count: 5060,
            },
            MachineCount {
                kind: "IR-2m".into(),
                count: 1044,
            },
        ]),
    );
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
    let m = marc::solve(&MarcSpec::uranium(
        [5.5e-5, 0.0072, 0.0, 0.992745],
        0.05,
        0.0025,
    )?)?;
    println!(
        "{{\"swu_per_kg_90pct_from_natural_at_0.3pct\": {}, \"breakout_swu_kg\": {}, \"breakout_days\": {}, \
         \"mc_p05_median_p95_days\": [{}, {}, {}], \"marc_check_nu\": {{\"m_star\": {}, \"flow_per_feed\": {}, \"swu_per_product\": {}}}}}",
        heu.swu_per_product(),
        plan.swu.kg_swu(),
        plan.days,
        mc.p05_days,
        mc.median_days,
        mc.p95_days,
        m.m_star,
        m.flow_per_feed,
        m.swu_per_product
    );
    Ok(())
}
