//! `verity breakout`: the least separative work, and the time, to make a bomb's worth
//! of highly enriched uranium from given stocks and enrichment capacity.

use std::io::IsTerminal;
use std::process::ExitCode;

use serde::Serialize;
use verity_physics::centrifuge::{self, Performance};
use verity_physics::montecarlo::{self, McConfig, McSummary};
use verity_physics::presets::{self, PRESETS, Preset};
use verity_physics::{
    Assay, BreakoutInput, BreakoutPlan, Capacity, Feed, MachineCount, PhysicsError, StagedPlan,
    Stock, Tails,
};

use super::swu::{assay_arg, mass_arg};
use super::{CliError, CmdResult, print_json};

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum PerfArg {
    Low,
    Central,
    High,
}

#[derive(Debug, clap::Args)]
#[command(allow_negative_numbers = true)]
pub struct Args {
    /// A built-in scenario (see --list-presets), e.g. `jcpoa-limits`.
    #[arg(long, value_name = "NAME", conflicts_with_all = ["stock", "swu_per_year", "centrifuges"])]
    pub preset: Option<String>,
    /// A stock of uranium, percent U-235 and kg U, e.g. `60:408.6`. Repeatable.
    #[arg(long = "stock", value_name = "PCT:KG_U")]
    pub stock: Vec<String>,
    /// Total enrichment capacity in kg-SWU per year.
    #[arg(long, value_name = "N", conflicts_with = "centrifuges")]
    pub swu_per_year: Option<f64>,
    /// Machines by catalogue type and count, e.g. `IR-6:1392`. Repeatable.
    #[arg(long = "centrifuges", value_name = "TYPE:COUNT")]
    pub centrifuges: Vec<String>,
    /// Tails assay, percent U-235 [default: 0.3].
    #[arg(long, value_name = "PCT", conflicts_with = "optimise_tails")]
    pub tails: Option<f64>,
    /// Choose the tails assay in 0.1–0.5 % that needs the least separative work.
    #[arg(long, visible_alias = "optimize-tails")]
    pub optimise_tails: bool,
    /// Target assay, percent U-235.
    #[arg(long, value_name = "PCT", default_value_t = 90.0)]
    pub target_pct: f64,
    /// Target quantity, kg of U-235 contained (one significant quantity: 25).
    #[arg(long, value_name = "KG", default_value_t = 25.0)]
    pub target_u235_kg: f64,
    /// Natural uranium is not available; only the given stocks can be fed.
    #[arg(long)]
    pub no_natural: bool,
    /// Cascade-efficiency factor in (0, 1]: share of nominal capacity doing useful work.
    #[arg(long, value_name = "F", default_value_t = 1.0)]
    pub efficiency: f64,
    /// Which catalogue figure to use for machine capacity.
    #[arg(long, value_enum, default_value_t = PerfArg::Central)]
    pub performance: PerfArg,
    /// LEU level of the staged plan (0.711 → LEU → 20 → 60 → target), percent.
    #[arg(long, value_name = "PCT", default_value_t = 3.67)]
    pub leu: f64,
    /// Monte Carlo samples for the uncertainty (0 turns it off).
    #[arg(long, value_name = "N", default_value_t = 100_000)]
    pub samples: usize,
    /// Seed of the Monte Carlo (same seed, same answer).
    #[arg(long, value_name = "N", default_value_t = 1)]
    pub seed: u64,
    /// Relative standard deviation of stock masses in the Monte Carlo, percent.
    #[arg(long, value_name = "PCT", default_value_t = 2.0)]
    pub stock_sigma: f64,
    /// Spread (±) of a --swu-per-year capacity in the Monte Carlo, percent.
    #[arg(long, value_name = "PCT", default_value_t = 20.0)]
    pub swu_spread: f64,
    /// List the built-in scenarios and exit.
    #[arg(long, conflicts_with_all = ["preset", "stock", "swu_per_year", "centrifuges"])]
    pub list_presets: bool,
    /// Print one JSON document instead of text.
    #[arg(long)]
    pub json: bool,
}

fn physics_err(context: &str, e: PhysicsError) -> CliError {
    match e {
        PhysicsError::NoConvergence { .. } => CliError::Failed(anyhow::anyhow!("{context}{e}")),
        other => CliError::bad_input(format!("{context}{other}")),
    }
}

fn parse_stock(s: &str) -> Result<Stock, CliError> {
    let (pct, kg) = s.split_once(':').ok_or_else(|| {
        CliError::bad_input(format!(
            "--stock {s}: expected PCT:KG_U (percent U-235 and kg U, e.g. 60:408.6)"
        ))
    })?;
    let num = |what: &str, v: &str| -> Result<f64, CliError> {
        v.trim()
            .parse::<f64>()
            .map_err(|_| CliError::bad_input(format!("--stock {s}: {what} `{v}` is not a number")))
    };
    Ok(Stock {
        assay: assay_arg(&format!("--stock {s}:"), num("PCT", pct)?)?,
        kg_u: mass_arg(&format!("--stock {s}:"), num("KG_U", kg)?)?,
    })
}

fn parse_machines(s: &str) -> Result<MachineCount, CliError> {
    let (kind, count) = s.split_once(':').ok_or_else(|| {
        CliError::bad_input(format!(
            "--centrifuges {s}: expected TYPE:COUNT (e.g. IR-1:5060)"
        ))
    })?;
    let c = centrifuge::find(kind)
        .map_err(|e| CliError::bad_input(format!("--centrifuges {s}: {e}")))?;
    let count = count.trim().parse::<u32>().map_err(|_| {
        CliError::bad_input(format!(
            "--centrifuges {s}: COUNT `{count}` is not a whole number ≥ 0"
        ))
    })?;
    Ok(MachineCount {
        kind: c.name.to_owned(),
        count,
    })
}

/// Builds the physics input from the flags (and the preset, if any).
fn build_input(args: &Args) -> Result<(BreakoutInput, Option<&'static Preset>), CliError> {
    let (mut input, preset) = match &args.preset {
        Some(name) => {
            let p = presets::find(name).map_err(|e| physics_err("--preset: ", e))?;
            (p.input().map_err(|e| physics_err("preset: ", e))?, Some(p))
        }
        None => {
            let stocks = args
                .stock
                .iter()
                .map(|s| parse_stock(s))
                .collect::<Result<Vec<_>, _>>()?;
            let capacity = match (args.swu_per_year, args.centrifuges.is_empty()) {
                (Some(s), true) => {
                    if !(s.is_finite() && s > 0.0) {
                        return Err(CliError::bad_input(format!(
                            "--swu-per-year {s}: the capacity must be a number > 0"
                        )));
                    }
                    Capacity::SwuPerYear(s)
                }
                (None, false) => Capacity::Centrifuges(
                    args.centrifuges
                        .iter()
                        .map(|s| parse_machines(s))
                        .collect::<Result<_, _>>()?,
                ),
                _ => {
                    return Err(CliError::bad_input(
                        "no enrichment capacity: give --preset NAME, or --swu-per-year N, or one or more --centrifuges TYPE:COUNT",
                    ));
                }
            };
            (BreakoutInput::new(stocks, capacity), None)
        }
    };
    input.tails = if args.optimise_tails {
        Tails::default_optimised()
    } else {
        Tails::Fixed(assay_arg("--tails", args.tails.unwrap_or(0.3))?)
    };
    input.target.assay = assay_arg("--target-pct", args.target_pct)?;
    if !(args.target_u235_kg.is_finite() && args.target_u235_kg > 0.0) {
        return Err(CliError::bad_input(format!(
            "--target-u235-kg {}: the target must be a mass > 0",
            args.target_u235_kg
        )));
    }
    input.target.u235_kg = args.target_u235_kg;
    input.natural_available = !args.no_natural;
    if !(args.efficiency > 0.0 && args.efficiency <= 1.0) {
        return Err(CliError::bad_input(format!(
            "--efficiency {}: the cascade-efficiency factor must lie in (0, 1]",
            args.efficiency
        )));
    }
    input.efficiency = args.efficiency;
    input.performance = match args.performance {
        PerfArg::Low => Performance::Low,
        PerfArg::Central => Performance::Central,
        PerfArg::High => Performance::High,
    };
    Ok((input, preset))
}

#[derive(Debug, Serialize)]
struct FeedOut {
    assay_pct: f64,
    kg_u: f64,
    /// The whole stock it comes from; null for natural uranium (unlimited) or the
    /// product of an earlier step.
    available_kg_u: Option<f64>,
}

impl From<&Feed> for FeedOut {
    fn from(f: &Feed) -> FeedOut {
        FeedOut {
            assay_pct: f.assay.pct(),
            kg_u: f.kg_u.kg(),
            available_kg_u: f.available_kg_u.map(|k| k.kg()),
        }
    }
}

#[derive(Debug, Serialize)]
struct StockOut {
    assay_pct: f64,
    kg_u: f64,
    source: Option<&'static str>,
}

#[derive(Debug, Serialize)]
struct MachinesOut {
    #[serde(rename = "type")]
    kind: String,
    count: u32,
    swu_per_machine_year: f64,
    figure_source: &'static str,
    count_source: Option<&'static str>,
}

#[derive(Debug, Serialize)]
struct CapacityOut {
    nominal_swu_per_year: f64,
    efficiency: f64,
    performance: Performance,
    centrifuges: Vec<MachinesOut>,
}

#[derive(Debug, Serialize)]
struct StepOut {
    from_pct: f64,
    to_pct: f64,
    tails_pct: f64,
    feeds: Vec<FeedOut>,
    product_kg_u: f64,
    tails_kg_u: f64,
    swu_kg: f64,
    days: f64,
}

#[derive(Debug, Serialize)]
struct StagedOut {
    leu_pct: f64,
    swu_kg: f64,
    days: f64,
    steps: Vec<StepOut>,
}

#[derive(Debug, Serialize)]
struct UncertaintyOut {
    median_days: f64,
    p05_days: f64,
    p95_days: f64,
    samples: usize,
    seed: u64,
    stock_sigma_pct: f64,
    swu_spread_pct: Option<f64>,
    infeasible_samples: usize,
}

#[derive(Debug, Serialize)]
struct Output {
    preset: Option<&'static str>,
    as_of: Option<&'static str>,
    swu_kg: f64,
    days: f64,
    swu_per_year: f64,
    feeds: Vec<FeedOut>,
    product_kg_u: f64,
    product_pct: f64,
    target_u235_kg: f64,
    tails_kg_u: f64,
    tails_pct: f64,
    tails_optimised: bool,
    natural_available: bool,
    stocks: Vec<StockOut>,
    capacity: CapacityOut,
    staged: StagedOut,
    uncertainty: Option<UncertaintyOut>,
    notes: Option<&'static str>,
}

/// 10⁸ samples take 0.8 GB and a few seconds; more is never needed for percentiles.
const MAX_SAMPLES: usize = 100_000_000;

pub fn run(args: Args) -> CmdResult {
    if args.list_presets {
        return list_presets(args.json);
    }
    let (input, preset) = build_input(&args)?;
    let plan = verity_physics::solve(&input).map_err(|e| physics_err("", e))?;
    let leu = assay_arg("--leu", args.leu)?;
    let staged =
        verity_physics::solve_staged(&input, leu).map_err(|e| physics_err("staged plan: ", e))?;
    if args.samples > MAX_SAMPLES {
        return Err(CliError::bad_input(format!(
            "--samples {}: at most {MAX_SAMPLES} samples (the run keeps every sample in memory)",
            args.samples
        )));
    }
    // Checked here, in the user's percent, before the Monte Carlo turns them into fractions.
    for (flag, pct) in [
        ("--stock-sigma", args.stock_sigma),
        ("--swu-spread", args.swu_spread),
    ] {
        if !(0.0..100.0).contains(&pct) {
            return Err(CliError::bad_input(format!(
                "{flag} {pct}: expected a percentage from 0 up to (not including) 100"
            )));
        }
    }
    let uncertainty = if args.samples > 0 {
        let cfg = McConfig {
            samples: args.samples,
            seed: args.seed,
            stock_sigma: args.stock_sigma / 100.0,
            swu_spread: args.swu_spread / 100.0,
        };
        Some((run_monte_carlo(&input, &cfg, args.json)?, cfg))
    } else {
        None
    };
    let out = output(&input, preset, &plan, &staged, leu, uncertainty)?;
    if args.json {
        print_json(&out)?;
    } else {
        print_human(&out, preset, &input);
    }
    Ok(ExitCode::SUCCESS)
}

fn run_monte_carlo(
    input: &BreakoutInput,
    cfg: &McConfig,
    json: bool,
) -> Result<McSummary, CliError> {
    // A bar only when someone is watching and the run is long enough to notice.
    let show = !json && std::io::stdout().is_terminal() && cfg.samples >= 1_000_000;
    let bar = if show {
        let bar = indicatif::ProgressBar::new(cfg.samples as u64);
        bar.set_style(
            indicatif::ProgressStyle::with_template(
                "Monte Carlo {bar:40} {human_pos}/{human_len} samples ({eta})",
            )
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        Some(bar)
    } else {
        None
    };
    let progress = |done: usize| {
        if let Some(b) = &bar {
            b.set_position(done as u64);
        }
    };
    let res = montecarlo::run_with_progress(input, cfg, &progress);
    if let Some(b) = &bar {
        b.finish_and_clear();
    }
    res.map_err(|e| physics_err("Monte Carlo: ", e))
}

fn output(
    input: &BreakoutInput,
    preset: Option<&'static Preset>,
    plan: &BreakoutPlan,
    staged: &StagedPlan,
    leu: Assay,
    mc: Option<(McSummary, McConfig)>,
) -> Result<Output, CliError> {
    let nominal = input
        .capacity
        .swu_per_year(input.performance)
        .map_err(|e| physics_err("", e))?;
    let centrifuges = match &input.capacity {
        Capacity::SwuPerYear(_) => vec![],
        Capacity::Centrifuges(list) => list
            .iter()
            .map(|m| {
                let c = centrifuge::find(&m.kind).map_err(|e| physics_err("", e))?;
                let fig = match input.performance {
                    Performance::Low => c.low,
                    Performance::Central => c.central,
                    Performance::High => c.high,
                };
                Ok(MachinesOut {
                    kind: c.name.to_owned(),
                    count: m.count,
                    swu_per_machine_year: fig.swu_per_year,
                    figure_source: fig.source,
                    count_source: preset.and_then(|p| {
                        p.machines
                            .iter()
                            .find(|pm| pm.kind == c.name)
                            .map(|pm| pm.source)
                    }),
                })
            })
            .collect::<Result<_, CliError>>()?,
    };
    let stocks = input
        .stocks
        .iter()
        .enumerate()
        .map(|(i, s)| StockOut {
            assay_pct: s.assay.pct(),
            kg_u: s.kg_u.kg(),
            source: preset.and_then(|p| p.stocks.get(i)).map(|ps| ps.source),
        })
        .collect();
    Ok(Output {
        preset: preset.map(|p| p.name),
        as_of: preset.map(|p| p.as_of),
        swu_kg: plan.swu.kg_swu(),
        days: plan.days,
        swu_per_year: plan.swu_per_year,
        feeds: plan.feeds.iter().map(FeedOut::from).collect(),
        product_kg_u: plan.product.kg(),
        product_pct: plan.product_assay.pct(),
        target_u235_kg: input.target.u235_kg,
        tails_kg_u: plan.tails.kg(),
        tails_pct: plan.tails_assay.pct(),
        tails_optimised: matches!(input.tails, Tails::Optimised { .. }),
        natural_available: input.natural_available,
        stocks,
        capacity: CapacityOut {
            nominal_swu_per_year: nominal,
            efficiency: input.efficiency,
            performance: input.performance,
            centrifuges,
        },
        staged: StagedOut {
            leu_pct: leu.pct(),
            swu_kg: staged.swu.kg_swu(),
            days: staged.days,
            steps: staged
                .steps
                .iter()
                .map(|s| StepOut {
                    from_pct: s.from_assay.pct(),
                    to_pct: s.to_assay.pct(),
                    tails_pct: s.tails_assay.pct(),
                    feeds: s.feeds.iter().map(FeedOut::from).collect(),
                    product_kg_u: s.product.kg(),
                    tails_kg_u: s.tails.kg(),
                    swu_kg: s.swu.kg_swu(),
                    days: s.days,
                })
                .collect(),
        },
        uncertainty: mc.map(|(s, cfg)| UncertaintyOut {
            median_days: s.median_days,
            p05_days: s.p05_days,
            p95_days: s.p95_days,
            samples: s.samples,
            seed: s.seed,
            stock_sigma_pct: cfg.stock_sigma * 100.0,
            swu_spread_pct: matches!(input.capacity, Capacity::SwuPerYear(_))
                .then_some(cfg.swu_spread * 100.0),
            infeasible_samples: s.infeasible,
        }),
        notes: preset.map(|p| p.notes),
    })
}

/// 12345.6 → "12,346"; small values keep decimals.
fn num(x: f64, decimals: usize) -> String {
    let s = format!("{x:.decimals$}");
    let (int, frac) = match s.split_once('.') {
        Some((i, f)) => (i.to_owned(), format!(".{f}")),
        None => (s.clone(), String::new()),
    };
    let (sign, digits) = match int.strip_prefix('-') {
        Some(d) => ("-", d.to_owned()),
        None => ("", int),
    };
    let mut grouped = String::new();
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(ch);
    }
    format!("{sign}{grouped}{frac}")
}

fn pct(x: f64) -> String {
    Assay::from_pct(x)
        .map(|a| a.to_string())
        .unwrap_or_else(|_| format!("{x} %"))
}

/// "354 days (11.6 months)" or "4.1 days".
fn duration(days: f64) -> String {
    if days >= 60.0 {
        format!("{} days ({:.1} months)", num(days, 0), days / 30.44)
    } else {
        format!("{days:.1} days")
    }
}

fn print_human(out: &Output, preset: Option<&'static Preset>, input: &BreakoutInput) {
    match preset {
        Some(p) => println!(
            "Breakout estimate: {}\nPreset {}, figures as of {}",
            p.title, p.name, p.as_of
        ),
        None => println!("Breakout estimate"),
    }
    println!(
        "Target: {} kg U-235 in {} kg U at {}{}",
        num(out.target_u235_kg, 1),
        num(out.product_kg_u, 1),
        pct(out.product_pct),
        if (out.target_u235_kg - 25.0).abs() < 1e-9 {
            " (1 significant quantity)"
        } else {
            ""
        }
    );

    let mut sources: Vec<&str> = Vec::new();
    let mut cite = |s: Option<&'static str>| -> String {
        match s {
            Some(s) => {
                let n = match sources.iter().position(|x| *x == s) {
                    Some(i) => i + 1,
                    None => {
                        sources.push(s);
                        sources.len()
                    }
                };
                format!(" [{n}]")
            }
            None => String::new(),
        }
    };

    println!("\nInputs");
    for s in &out.stocks {
        println!(
            "  stock      {:>10} kg U at {}{}",
            num(s.kg_u, 1),
            pct(s.assay_pct),
            cite(s.source)
        );
    }
    println!(
        "  natural    {}",
        if out.natural_available {
            "unlimited uranium at 0.711 %"
        } else {
            "none (--no-natural)"
        }
    );
    let perf = match out.capacity.performance {
        Performance::Low => "low",
        Performance::Central => "central",
        Performance::High => "high",
    };
    for m in &out.capacity.centrifuges {
        println!(
            "  machines   {:>10} × {:<6} at {:.2} kg-SWU/yr ({perf}){}{}",
            num(f64::from(m.count), 0),
            m.kind,
            m.swu_per_machine_year,
            cite(m.count_source),
            cite(Some(m.figure_source)),
        );
    }
    println!(
        "  capacity   {:>10} kg-SWU/yr nominal × efficiency {:.2} = {} kg-SWU/yr",
        num(out.capacity.nominal_swu_per_year, 0),
        out.capacity.efficiency,
        num(out.swu_per_year, 0)
    );

    println!(
        "\nLeast-work plan (one ideal cascade stripping every feed to {}{})",
        pct(out.tails_pct),
        if out.tails_optimised {
            ", optimised in 0.1–0.5 %"
        } else {
            ""
        }
    );
    for f in &out.feeds {
        let whence = match f.available_kg_u {
            Some(a) if (a - f.kg_u).abs() <= 1e-9 * a.max(1.0) => "all of the stock".to_owned(),
            Some(a) => format!("of {} kg U in stock", num(a, 1)),
            None => "natural uranium".to_owned(),
        };
        println!(
            "  feed       {:>10} kg U at {:<8} {whence}",
            num(f.kg_u, 1),
            pct(f.assay_pct)
        );
    }
    println!(
        "  product    {:>10} kg U at {}",
        num(out.product_kg_u, 1),
        pct(out.product_pct)
    );
    println!(
        "  tails      {:>10} kg U at {}",
        num(out.tails_kg_u, 1),
        pct(out.tails_pct)
    );
    println!("  work       {:>10} kg-SWU", num(out.swu_kg, 0));
    println!("  time       {}", duration(out.days));

    let chain: Vec<String> = std::iter::once(pct(0.711))
        .chain(
            [out.staged.leu_pct, 20.0, 60.0]
                .into_iter()
                .filter(|l| *l < out.product_pct)
                .map(pct),
        )
        .chain(std::iter::once(pct(out.product_pct)))
        .collect();
    println!(
        "\nStaged plan (batch recycling {}; each step's tails = the feed level of the step before)",
        chain.join(" → ")
    );
    println!(
        "  {:<18} {:>8} {:>12} {:>12} {:>10} {:>9} {:>8}",
        "step", "tails", "feed kg U", "from stocks", "product", "kg-SWU", "days"
    );
    for s in &out.staged.steps {
        let feed: f64 = s.feeds.iter().map(|f| f.kg_u).sum();
        let stocks: f64 = s
            .feeds
            .iter()
            .filter(|f| f.available_kg_u.is_some())
            .fold(0.0, |acc, f| acc + f.kg_u);
        println!(
            "  {:<18} {:>8} {:>12} {:>12} {:>10} {:>9} {:>8}",
            format!("{} → {}", pct(s.from_pct), pct(s.to_pct)),
            pct(s.tails_pct),
            num(feed, 1),
            num(stocks, 1),
            num(s.product_kg_u, 1),
            num(s.swu_kg, 0),
            num(s.days, 1)
        );
    }
    println!(
        "  {:<18} {:>8} {:>12} {:>12} {:>10} {:>9} {:>8}",
        "total",
        "",
        "",
        "",
        "",
        num(out.staged.swu_kg, 0),
        num(out.staged.days, 1)
    );

    if let Some(u) = &out.uncertainty {
        let what = match input.capacity {
            Capacity::SwuPerYear(_) => format!(
                "capacity ±{}% triangular",
                num(u.swu_spread_pct.unwrap_or(0.0), 0)
            ),
            Capacity::Centrifuges(_) => {
                "machine figures triangular over the catalogue's low–central–high".to_owned()
            }
        };
        println!(
            "\nUncertainty of the least-work plan (Monte Carlo, {} samples, seed {}; {what}; stocks ±{}% (1σ))",
            num(u.samples as f64, 0),
            u.seed,
            num(u.stock_sigma_pct, 1)
        );
        println!(
            "  median {}; 90 % interval {} – {}",
            duration(u.median_days),
            duration(u.p05_days),
            duration(u.p95_days)
        );
        if u.infeasible_samples > 0 {
            println!(
                "  {} samples could not reach the target with the stocks drawn",
                num(u.infeasible_samples as f64, 0)
            );
        }
    }

    if let Some(n) = out.notes {
        println!("\nNotes: {n}");
    }
    println!(
        "\nMethod: ideal-cascade separative work, V(x) = (2x−1)·ln(x/(1−x)); time = SWU ÷ capacity × 365.25 days; \
         no equilibrium or reconfiguration time."
    );
    if !sources.is_empty() {
        println!("\nSources");
        for (i, s) in sources.iter().enumerate() {
            println!("  [{}] {s}", i + 1);
        }
    }
}

#[derive(Debug, Serialize)]
struct PresetOut {
    name: &'static str,
    title: &'static str,
    as_of: &'static str,
    stocks: Vec<StockOut>,
    centrifuges: Vec<PresetMachinesOut>,
    notes: &'static str,
}

#[derive(Debug, Serialize)]
struct PresetMachinesOut {
    #[serde(rename = "type")]
    kind: &'static str,
    count: u32,
    source: &'static str,
}

fn list_presets(json: bool) -> CmdResult {
    let list: Vec<PresetOut> = PRESETS
        .iter()
        .map(|p| PresetOut {
            name: p.name,
            title: p.title,
            as_of: p.as_of,
            stocks: p
                .stocks
                .iter()
                .map(|s| StockOut {
                    assay_pct: s.assay_pct,
                    kg_u: s.kg_u,
                    source: Some(s.source),
                })
                .collect(),
            centrifuges: p
                .machines
                .iter()
                .map(|m| PresetMachinesOut {
                    kind: m.kind,
                    count: m.count,
                    source: m.source,
                })
                .collect(),
            notes: p.notes,
        })
        .collect();
    if json {
        #[derive(Serialize)]
        struct All {
            presets: Vec<PresetOut>,
        }
        print_json(&All { presets: list })?;
        return Ok(ExitCode::SUCCESS);
    }
    println!("Breakout presets (use with `verity breakout --preset NAME`)\n");
    for p in &list {
        println!("{}  —  {} (as of {})", p.name, p.title, p.as_of);
        for s in &p.stocks {
            println!(
                "    stock     {} kg U at {}: {}",
                num(s.kg_u, 1),
                pct(s.assay_pct),
                s.source.unwrap_or("")
            );
        }
        for m in &p.centrifuges {
            println!(
                "    machines  {} × {}: {}",
                num(f64::from(m.count), 0),
                m.kind,
                m.source
            );
        }
        println!("    note      {}\n", p.notes);
    }
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::num;

    #[test]
    fn thousands_separators() {
        assert_eq!(num(4415.2, 0), "4,415");
        assert_eq!(num(1234567.891, 1), "1,234,567.9");
        assert_eq!(num(27.78, 1), "27.8");
        assert_eq!(num(-1000.0, 0), "-1,000");
    }
}
