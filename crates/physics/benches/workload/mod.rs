//! The benchmark workloads that have an answer to check: used by `benches/physics.rs`
//! and by `examples/bench_answers.rs`, which prints their answers so that
//! `bash bench/physics.sh` can compare them with the NumPy reference
//! (bench/physics_reference.py). One definition, so the two cannot drift apart.

use verity_physics::marc::MarcSpec;
use verity_physics::{Assay, BreakoutInput, Capacity, KgU, MachineCount, PhysicsError, Stock};

/// Stocks at four assays and two machine types: the breakout LP and Monte Carlo input.
pub fn breakout_input() -> Result<BreakoutInput, PhysicsError> {
    let stock = |pct: f64, kg: f64| -> Result<Stock, PhysicsError> {
        Ok(Stock {
            assay: Assay::from_pct(pct)?,
            kg_u: KgU::new(kg)?,
        })
    };
    Ok(BreakoutInput::new(
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
    ))
}

/// The fixed-cascade route's cascades for that input: the IR-1 in 30 cascades of 164
/// and the IR-2m in 6 of 174, the HEU steps (from 20 % up) on the IR-2m cascades only,
/// as the record's timeline runs them on the advanced cascades.
pub fn fixed_cascades() -> verity_physics::routes::FixedCascades {
    use verity_physics::CascadeSet;
    let ir2m = CascadeSet {
        kind: "IR-2m".into(),
        cascades: 6,
        machines_per_cascade: 174,
    };
    verity_physics::routes::FixedCascades::new(vec![
        CascadeSet {
            kind: "IR-1".into(),
            cascades: 30,
            machines_per_cascade: 164,
        },
        ir2m.clone(),
    ])
    .with_heu_sets(vec![ir2m])
}

/// Natural uranium (U-234/235/236/238) to 5 % at 0.25 % tails.
pub fn marc_spec() -> Result<MarcSpec, PhysicsError> {
    MarcSpec::uranium([5.5e-5, 0.0072, 0.0, 0.992745], 0.05, 0.0025)
}
