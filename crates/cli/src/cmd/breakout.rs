//! `verity breakout`: the least separative work, and the time, to make a bomb's worth
//! of highly enriched uranium from given stocks and enrichment capacity.

use std::io::IsTerminal;
use std::process::ExitCode;

use serde::Serialize;
use verity_app::breakout::{
    self, BreakoutDoc, BreakoutRequest, CascadesIn, Limits, MachinesIn, PerformanceIn,
    SqDefinitionIn, StockIn, StockOut,
};
use verity_physics::Assay;
use verity_physics::centrifuge::Performance;
use verity_physics::presets::{self, PRESETS};

use super::{CliError, CmdResult, print_json};

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum PerfArg {
    Low,
    Central,
    High,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum SqArg {
    Iaea,
    Wgu,
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
    /// Choose the tails assay that needs the least separative work, over the whole
    /// admissible range (below the lowest assay fed; natural uranium at most to 0.5 %).
    #[arg(long, visible_alias = "optimize-tails")]
    pub optimise_tails: bool,
    /// Target assay, percent U-235.
    #[arg(long, value_name = "PCT", default_value_t = 90.0)]
    pub target_pct: f64,
    /// Target quantity, kg of U-235 contained [default: one significant quantity, 25
    /// (iaea) or 22.5 (wgu)].
    #[arg(long, value_name = "KG")]
    pub target_u235_kg: Option<f64>,
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
    /// With --preset: only the machines at this site (natanz_fep, natanz_pfep, fordow),
    /// with all the stocks, as single-site estimates are stated.
    #[arg(long, value_name = "SITE", requires = "preset")]
    pub site: Option<String>,
    /// Also the time to the 1st, 2nd, … Nth significant quantity (`cumulative_days`).
    #[arg(long, value_name = "N")]
    pub quantity: Option<u32>,
    /// What one significant quantity is: `iaea` (25 kg U-235 contained) or `wgu` (25 kg
    /// of 90 % uranium, as ISIS counts it). --target-u235-kg overrides both.
    #[arg(long, value_enum, default_value_t = SqArg::Iaea)]
    pub sq_definition: SqArg,
    /// Cascades for the fixed-cascade route: TYPE:COUNT or TYPE:COUNT:MACHINES (machines
    /// per cascade; default 164 for IR-1 and IR-4, 174 for IR-2m and IR-6). Repeatable.
    #[arg(long = "cascades", value_name = "TYPE:COUNT[:MACHINES]")]
    pub cascades: Vec<String>,
    /// Days to equilibrium per step of the fixed-cascade route [default: 1].
    #[arg(long, value_name = "DAYS", requires = "cascades")]
    pub equilibrium_days: Option<f64>,
    /// Days to reconnect between steps of the fixed-cascade route [default: 1].
    #[arg(long, value_name = "DAYS", requires = "cascades")]
    pub interconnect_days: Option<f64>,
    /// List the built-in scenarios and exit.
    #[arg(long, conflicts_with_all = ["preset", "stock", "swu_per_year", "centrifuges"])]
    pub list_presets: bool,
    /// Print one JSON document instead of text.
    #[arg(long)]
    pub json: bool,
}

/// Splits `A:B` of a repeatable flag, naming the flag and the syntax on error.
fn pair<'s>(flag: &str, s: &'s str, syntax: &str) -> Result<(&'s str, &'s str), CliError> {
    s.split_once(':')
        .ok_or_else(|| CliError::bad_input(format!("{flag} {s}: expected {syntax}")))
}

/// `--stock PCT:KG_U`, as `verity breakout` and `verity deal` take it.
pub(super) fn parse_stock(s: &str) -> Result<StockIn, CliError> {
    let (pct, kg) = pair(
        "--stock",
        s,
        "PCT:KG_U (percent U-235 and kg U, e.g. 60:408.6)",
    )?;
    let num = |what: &str, v: &str| -> Result<f64, CliError> {
        v.trim()
            .parse::<f64>()
            .map_err(|_| CliError::bad_input(format!("--stock {s}: {what} `{v}` is not a number")))
    };
    Ok(StockIn {
        assay_pct: num("PCT", pct)?,
        kg_u: num("KG_U", kg)?,
    })
}

fn parse_machines(s: &str) -> Result<MachinesIn, CliError> {
    let (kind, count) = pair("--centrifuges", s, "TYPE:COUNT (e.g. IR-1:5060)")?;
    let count = count.trim().parse::<u32>().map_err(|_| {
        CliError::bad_input(format!(
            "--centrifuges {s}: COUNT `{count}` is not a whole number ≥ 0"
        ))
    })?;
    Ok(MachinesIn {
        kind: kind.to_owned(),
        count,
    })
}

fn parse_cascades(s: &str) -> Result<CascadesIn, CliError> {
    let parts: Vec<&str> = s.split(':').collect();
    let whole = |what: &str, v: &str| -> Result<u32, CliError> {
        v.trim().parse::<u32>().map_err(|_| {
            CliError::bad_input(format!(
                "--cascades {s}: {what} `{v}` is not a whole number ≥ 0"
            ))
        })
    };
    match parts.as_slice() {
        [kind, count] => Ok(CascadesIn {
            kind: (*kind).to_owned(),
            count: whole("COUNT", count)?,
            machines_per_cascade: None,
        }),
        [kind, count, machines] => Ok(CascadesIn {
            kind: (*kind).to_owned(),
            count: whole("COUNT", count)?,
            machines_per_cascade: Some(whole("MACHINES", machines)?),
        }),
        _ => Err(CliError::bad_input(format!(
            "--cascades {s}: expected TYPE:COUNT or TYPE:COUNT:MACHINES (e.g. IR-6:3:174)"
        ))),
    }
}

/// The request the flags make: the same type `POST /api/v1/breakout/what-if` takes.
pub fn request(args: &Args) -> Result<BreakoutRequest, CliError> {
    let mut req = BreakoutRequest::new(
        args.stock
            .iter()
            .map(|s| parse_stock(s))
            .collect::<Result<_, _>>()?,
    );
    req.centrifuges = args
        .centrifuges
        .iter()
        .map(|s| parse_machines(s))
        .collect::<Result<_, _>>()?;
    req.swu_per_year = args.swu_per_year;
    req.preset = args.preset.clone();
    req.site = args.site.clone();
    req.tails_pct = args.tails;
    req.optimise_tails = args.optimise_tails;
    req.target_pct = Some(args.target_pct);
    req.target_u235_kg = args.target_u235_kg;
    req.quantity = args.quantity;
    req.sq_definition = Some(match args.sq_definition {
        SqArg::Iaea => SqDefinitionIn::Iaea,
        SqArg::Wgu => SqDefinitionIn::Wgu,
    });
    req.cascades = args
        .cascades
        .iter()
        .map(|s| parse_cascades(s))
        .collect::<Result<_, _>>()?;
    req.equilibrium_days = args.equilibrium_days;
    req.interconnect_days = args.interconnect_days;
    req.natural = Some(!args.no_natural);
    req.efficiency = Some(args.efficiency);
    req.performance = Some(match args.performance {
        PerfArg::Low => PerformanceIn::Low,
        PerfArg::Central => PerformanceIn::Central,
        PerfArg::High => PerformanceIn::High,
    });
    req.leu_pct = Some(args.leu);
    req.samples = Some(args.samples);
    req.seed = Some(args.seed);
    req.stock_sigma_pct = Some(args.stock_sigma);
    req.swu_spread_pct = Some(args.swu_spread);
    Ok(req)
}

/// The flag a request field comes from.
fn flag(args: &Args, field: &str) -> Option<String> {
    let index = |prefix: &str| -> Option<usize> {
        field.strip_prefix(prefix)?.split(']').next()?.parse().ok()
    };
    if let Some(i) = index("stocks[") {
        return Some(format!("--stock {}", args.stock.get(i)?));
    }
    if let Some(i) = index("centrifuges[") {
        return Some(format!("--centrifuges {}", args.centrifuges.get(i)?));
    }
    if let Some(i) = index("cascades[") {
        return Some(format!("--cascades {}", args.cascades.get(i)?));
    }
    Some(
        match field {
            "tails_pct" => "--tails",
            "leu_pct" => "--leu",
            "stock_sigma_pct" => "--stock-sigma",
            "swu_spread_pct" => "--swu-spread",
            "centrifuges" => "--centrifuges",
            _ => return None,
        }
        .to_owned(),
    )
}

pub fn run(args: Args) -> CmdResult {
    if args.list_presets {
        return list_presets(args.json);
    }
    let req = request(&args)?;
    let doc =
        run_what_if(&req, args.json).map_err(|e| CliError::from_app(e, |f| flag(&args, f)))?;
    if args.json {
        print_json(&doc)?;
    } else {
        print_human(&doc);
    }
    Ok(ExitCode::SUCCESS)
}

fn run_what_if(req: &BreakoutRequest, json: bool) -> verity_app::AppResult<BreakoutDoc> {
    // A bar only when someone is watching and the run is long enough to notice.
    let samples = breakout::samples_of(req);
    let show = !json && std::io::stdout().is_terminal() && samples >= 1_000_000;
    let bar = show.then(|| {
        let bar = indicatif::ProgressBar::new(samples as u64);
        bar.set_style(
            indicatif::ProgressStyle::with_template(
                "Monte Carlo {bar:40} {human_pos}/{human_len} samples ({eta})",
            )
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        bar
    });
    let progress = |done: usize| {
        if let Some(b) = &bar {
            b.set_position(done as u64);
        }
    };
    let res = breakout::what_if(req, Limits::LOCAL, &progress);
    if let Some(b) = &bar {
        b.finish_and_clear();
    }
    res
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

fn print_human(out: &BreakoutDoc) {
    match out.preset.and_then(|name| presets::find(name).ok()) {
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
        "\nSingle cascade (least work: one ideal cascade stripping every feed to {}{})",
        pct(out.tails_pct),
        if out.tails_optimised {
            ", optimised over the admissible range; natural uranium only with tails up to 0.5 %"
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
    if let Some(single) = out.routes.iter().find(|r| r.kind == "single_cascade") {
        println!(
            "  work       {:>10} kg-SWU",
            num(single.swu_kg.unwrap_or(0.0), 0)
        );
        println!("  time       {}", duration(single.days.unwrap_or(0.0)));
    }
    print_staged(out);
    if let Some(f) = &out.fixed_cascades {
        let sets: Vec<String> = f
            .cascades
            .iter()
            .map(|c| format!("{} × {} {}", c.count, c.machines_per_cascade, c.kind))
            .collect();
        println!(
            "\nFixed cascades ({}; {} kg-SWU/yr; the staged steps without reconfiguration, {} day(s) to equilibrium per step and {} between steps)",
            sets.join(" + "),
            num(f.swu_per_year, 0),
            num(f.equilibrium_days, 1),
            num(f.interconnect_days, 1)
        );
        println!(
            "  work       {:>10} kg-SWU in {} step(s)",
            num(f.swu_kg, 0),
            f.steps.len()
        );
        println!(
            "  time       {} (of which {} equilibrium and interconnection)",
            duration(f.days),
            duration(f.overhead_days)
        );
    }
    println!("\nRoutes (the headline is the fastest feasible one)");
    for r in &out.routes {
        let mark = if r.kind == out.route { "→" } else { " " };
        match (r.feasible, r.days, r.swu_kg) {
            (true, Some(d), Some(w)) => println!(
                "  {mark} {:<15} {:>10} kg-SWU  {}",
                r.kind,
                num(w, 0),
                duration(d)
            ),
            _ => println!(
                "  {mark} {:<15} infeasible: {}",
                r.kind,
                r.reason.as_deref().unwrap_or("")
            ),
        }
    }
    if let Some(days) = &out.cumulative_days {
        let list: Vec<String> = days
            .iter()
            .enumerate()
            .map(|(i, d)| match d {
                Some(d) => format!("{}: {}", i + 1, duration(*d)),
                None => format!("{}: not reachable", i + 1),
            })
            .collect();
        println!(
            "\nTime to hold N significant quantities ({}): {}",
            if out.sq_definition == "wgu" {
                "25 kg of 90 % uranium each"
            } else {
                "25 kg U-235 each"
            },
            list.join("; ")
        );
    }

    print_uncertainty_and_sources(out, &sources);
}

fn print_staged(out: &BreakoutDoc) {
    let Some(staged) = &out.staged else {
        let why = out
            .routes
            .iter()
            .find(|r| r.kind == "staged")
            .and_then(|r| r.reason.as_deref())
            .unwrap_or("");
        println!("\nStaged plan: infeasible: {why}");
        return;
    };
    let chain: Vec<String> = std::iter::once(pct(0.711))
        .chain(
            [staged.leu_pct, 20.0, 60.0]
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
    for s in &staged.steps {
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
        num(staged.swu_kg, 0),
        num(staged.days, 1)
    );
}

fn print_uncertainty_and_sources(out: &BreakoutDoc, sources: &[&str]) {
    if let Some(u) = &out.uncertainty {
        let what = match u.swu_spread_pct {
            Some(spread) => format!("capacity ±{}% triangular", num(spread, 0)),
            None => "machine figures triangular over the catalogue's low–central–high".to_owned(),
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
    println!("\nMethod: {}", out.method);
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
    site: &'static str,
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
                    site: m.site,
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
                "    machines  {} × {} at {}: {}",
                num(f64::from(m.count), 0),
                m.kind,
                m.site,
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
