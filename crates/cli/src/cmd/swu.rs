//! `verity swu`: separative work for one enrichment step.

use std::process::ExitCode;

use serde::Serialize;
use verity_physics::{Assay, Enrichment, KgU, Quantity};

use super::{CliError, CmdResult, print_json};

#[derive(Debug, clap::Args)]
#[command(allow_negative_numbers = true)]
#[command(group(clap::ArgGroup::new("quantity").required(true).args(["product_kg", "feed_kg"])))]
pub struct Args {
    /// Product assay, percent U-235 (e.g. 4.5).
    #[arg(long, value_name = "PCT")]
    pub product: f64,
    /// Feed assay, percent U-235 (natural uranium: 0.711).
    #[arg(long, value_name = "PCT")]
    pub feed: f64,
    /// Tails assay, percent U-235 (e.g. 0.25).
    #[arg(long, value_name = "PCT")]
    pub tails: f64,
    /// Mass of product to make, kg U.
    #[arg(long, value_name = "KG")]
    pub product_kg: Option<f64>,
    /// Mass of feed to enrich, kg U.
    #[arg(long, value_name = "KG")]
    pub feed_kg: Option<f64>,
    /// Print one JSON document instead of text.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Serialize)]
struct Output {
    product_pct: f64,
    feed_pct: f64,
    tails_pct: f64,
    product_kg_u: f64,
    feed_kg_u: f64,
    tails_kg_u: f64,
    swu_kg: f64,
}

/// Parses a percent flag into an assay, naming the flag on error.
pub(crate) fn assay_arg(flag: &str, pct: f64) -> Result<Assay, CliError> {
    Assay::from_pct(pct).map_err(|e| CliError::bad_input(format!("{flag} {pct}: {e}")))
}

/// Parses a mass flag, naming the flag on error.
pub(crate) fn mass_arg(flag: &str, kg: f64) -> Result<KgU, CliError> {
    KgU::new(kg).map_err(|e| CliError::bad_input(format!("{flag} {kg}: {e}")))
}

pub fn run(args: Args) -> CmdResult {
    let product = assay_arg("--product", args.product)?;
    let feed = assay_arg("--feed", args.feed)?;
    let tails = assay_arg("--tails", args.tails)?;
    let step = Enrichment::new(feed, product, tails).map_err(CliError::bad_input)?;
    let quantity = match (args.product_kg, args.feed_kg) {
        (Some(p), None) => Quantity::Product(mass_arg("--product-kg", p)?),
        (None, Some(f)) => Quantity::Feed(mass_arg("--feed-kg", f)?),
        _ => {
            return Err(CliError::bad_input(
                "give exactly one of --product-kg and --feed-kg",
            ));
        }
    };
    let s = step.streams(quantity);
    let out = Output {
        product_pct: product.pct(),
        feed_pct: feed.pct(),
        tails_pct: tails.pct(),
        product_kg_u: s.product.kg(),
        feed_kg_u: s.feed.kg(),
        tails_kg_u: s.tails.kg(),
        swu_kg: s.swu.kg_swu(),
    };
    if args.json {
        print_json(&out)?;
    } else {
        println!("Enrichment step {feed} → {product}, tails {tails}");
        println!("  product  {:>12.3} kg U at {product}", out.product_kg_u);
        println!("  feed     {:>12.3} kg U at {feed}", out.feed_kg_u);
        println!("  tails    {:>12.3} kg U at {tails}", out.tails_kg_u);
        let per_kg = if out.product_kg_u > 0.0 {
            format!(" ({:.4} kg-SWU per kg of product)", step.swu_per_product())
        } else {
            String::new()
        };
        println!("  work     {:>12.3} kg-SWU{per_kg}", out.swu_kg);
    }
    Ok(ExitCode::SUCCESS)
}
