//! `verity centrifuges`: the catalogue of centrifuge types and their sourced capacity.

use std::process::ExitCode;

use serde::Serialize;
use verity_physics::centrifuge::CATALOGUE;

use super::{CmdResult, print_json};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Print one JSON document instead of text.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Serialize)]
struct Entry {
    name: &'static str,
    description: &'static str,
    low_swu_per_year: f64,
    central_swu_per_year: f64,
    high_swu_per_year: f64,
    sources: Sources,
}

#[derive(Debug, Serialize)]
struct Sources {
    low: &'static str,
    central: &'static str,
    high: &'static str,
}

#[derive(Debug, Serialize)]
struct Output {
    unit: &'static str,
    centrifuges: Vec<Entry>,
}

pub fn run(args: Args) -> CmdResult {
    let out = Output {
        unit: "kg-SWU per machine-year",
        centrifuges: CATALOGUE
            .iter()
            .map(|c| Entry {
                name: c.name,
                description: c.description,
                low_swu_per_year: c.low.swu_per_year,
                central_swu_per_year: c.central.swu_per_year,
                high_swu_per_year: c.high.swu_per_year,
                sources: Sources {
                    low: c.low.source,
                    central: c.central.source,
                    high: c.high.source,
                },
            })
            .collect(),
    };
    if args.json {
        print_json(&out)?;
        return Ok(ExitCode::SUCCESS);
    }
    println!("Centrifuge catalogue (effective kg-SWU per machine-year in cascades)\n");
    println!(
        "  {:<6} {:>6} {:>8} {:>6}  description",
        "type", "low", "central", "high"
    );
    for c in &out.centrifuges {
        println!(
            "  {:<6} {:>6.2} {:>8.2} {:>6.2}  {}",
            c.name, c.low_swu_per_year, c.central_swu_per_year, c.high_swu_per_year, c.description
        );
    }
    println!("\nSources");
    for c in &out.centrifuges {
        println!("  {}", c.name);
        println!("    low      {}", c.sources.low);
        println!("    central  {}", c.sources.central);
        println!("    high     {}", c.sources.high);
    }
    Ok(ExitCode::SUCCESS)
}
