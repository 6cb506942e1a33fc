//! Prints, as JSON, the inputs and answers of the deal benchmarks (`benches/deal.rs`):
//! the work of the benchmarks' stock, the sum of the 10⁵ deterministic points' days, and
//! a few points of the 10⁴-point sweep with their machines, work, central days and
//! probability of meeting the target — so that `bash bench/deal.sh` can give the NumPy
//! reference the same points and check it computes the same answers.

use std::collections::BTreeMap;
use std::error::Error;

use serde_json::json;
use verity_deal::search::{self, Base};
use verity_deal::{Options, StockOut, WorkCache, model, start};
use verity_physics::SqDefinition;
use verity_vocab::MachineType;

#[path = "../benches/workload/mod.rs"]
mod workload;

fn main() -> Result<(), Box<dyn Error>> {
    let proposals = verity_agreement::proposals().map_err(|d| d.to_string())?;
    let jcpoa = proposals
        .iter()
        .find(|p| p.id == "jcpoa-2015")
        .ok_or("jcpoa-2015 does not ship")?;
    let pre = start::named("pre-deal-2015").ok_or("no pre-deal-2015 state")?;

    let mut cache = WorkCache::default();
    let work = cache.get(
        &[StockOut {
            assay_pct: 3.67,
            kg_u: 202.8,
        }],
        SqDefinition::Iaea,
    )?;
    let ramps = workload::ramps()?;
    let total: f64 = ramps
        .iter()
        .map(|r| r.days(work.swu_kg).unwrap_or(0.0) + work.overhead_days)
        .sum();

    let plan = workload::sweep_plan();
    let result = search::run(
        jcpoa,
        &pre,
        &plan,
        &Options::default(),
        &BTreeMap::new(),
        &mut |_| true,
    )?;
    let base = Base::new(jcpoa, &pre)?;
    let grid = search::grid(&plan.axes);
    let mut points = Vec::new();
    // Two corners, and points whose probability of meeting the target is neither 0
    // nor 1 (where a Monte Carlo can be wrong), spread over the sweep.
    let open: Vec<usize> = (0..result.points.len())
        .filter(|&i| {
            result
                .points
                .get(i)
                .is_some_and(|p| p.p_meets_target > 0.05 && p.p_meets_target < 0.95)
        })
        .collect();
    let mut chosen = vec![0usize, grid.len().saturating_sub(1)];
    for k in 0..6 {
        if let Some(&i) = open.get(k * open.len() / 6) {
            chosen.push(i);
        }
    }
    chosen.sort_unstable();
    chosen.dedup();
    let mut types = std::collections::BTreeSet::new();
    for i in chosen {
        let (Some(values), Some(p)) = (grid.get(i), result.points.get(i)) else {
            return Err(format!("no sweep point {i}").into());
        };
        let (enriching, stored, stocks, per_month) = base.apply(values);
        let w = cache.get(&stocks, SqDefinition::Iaea)?;
        types.extend(enriching.iter().chain(&stored).map(|m| m.machine));
        points.push(json!({
            "index": i,
            "axes": p.axes,
            "enriching": enriching,
            "stored": stored,
            "per_month": per_month,
            "work": w,
            "days": p.days,
            "p_meets_target": p.p_meets_target,
        }));
    }
    let mut catalogue = serde_json::Map::new();
    types.extend([MachineType::Ir1, MachineType::Ir2m, MachineType::Ir6]);
    for m in types {
        let (low, central, high) = model::figures(m)?;
        catalogue.insert(m.label().into(), json!([low, central, high]));
    }
    let out = json!({
        "work": work,
        "deterministic": {"points": workload::N_POINTS, "sum_days": total},
        "sweep": {
            "points": result.points.len(),
            "samples": plan.samples,
            "target_days": plan.target_days,
            "sample_points": points,
        },
        "catalogue": catalogue,
    });
    println!("{}", serde_json::to_string_pretty(&out)?);
    Ok(())
}
