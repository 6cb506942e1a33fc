//! The benchmark workloads' inputs, shared by `benches/deal.rs` and
//! `examples/bench_answers.rs` (which prints them for the NumPy reference).

use verity_deal::search::{Axis, Plan};
use verity_deal::{DealError, Machines, Ramp, ramp_of};
use verity_vocab::MachineType;

/// Deterministic points: `N_POINTS` capacity mixes — IR-1 and IR-6 enriching, IR-2m
/// stored and reinstalled — of point `i` (`bench/deal_reference.py` builds the same).
pub const N_POINTS: u32 = 100_000;

pub fn point_mix(i: u32) -> ([Machines; 2], [Machines; 1], f64) {
    (
        [
            Machines {
                machine: MachineType::Ir1,
                count: 1000 + i % 9000,
            },
            Machines {
                machine: MachineType::Ir6,
                count: i % 500,
            },
        ],
        [Machines {
            machine: MachineType::Ir2m,
            count: i % 3000,
        }],
        f64::from(i % 7) * 100.0,
    )
}

pub fn ramps() -> Result<Vec<Ramp>, DealError> {
    (0..N_POINTS)
        .map(|i| {
            let (enriching, stored, per_month) = point_mix(i);
            ramp_of(&enriching, &stored, per_month)
        })
        .collect()
}

/// The sweep: the JCPOA from the 2015 state, IR-1 × reinstallation rate, 100 × 100
/// points, 1,000 Monte Carlo samples each.
pub fn sweep_plan() -> Plan {
    Plan {
        axes: vec![
            Axis::parse("ir1=0..10000:100").expect("a valid axis"),
            Axis::parse("reinstall_per_month=0..2000:100").expect("a valid axis"),
        ],
        target_days: 365.0,
        confidence: 0.9,
        samples: 1000,
        seed: 1,
    }
}
