//! `verity`: the command-line face of Verity. This crate is glue only: argument
//! parsing, calling the application layer (`verity-app`), and printing (human or
//! `--json`). Each subcommand lives in its own module under `cmd/`.

use std::process::ExitCode;
use std::sync::LazyLock;

use clap::{CommandFactory, Parser, Subcommand};

mod cmd;

/// `--version`: the program's version and the data vintage — the last report the
/// shipped record holds — since the record changes between releases.
static VERSION: LazyLock<String> = LazyLock::new(|| {
    let vintage = verity_app::data_vintage().unwrap_or_else(|| "no shipped record".to_owned());
    format!(
        "{} (record to {vintage}; agreement {})",
        env!("CARGO_PKG_VERSION"),
        verity_agreement::JCPOA_FILE
    )
});

const ABOUT: &str = "Open verification of nuclear agreements: the agreement as code, compliance on the evidence, breakout time, and a tamper-evident record.";

const LONG_ABOUT: &str = "\
Verity answers, with evidence and arithmetic anyone can rerun, what an agreement \
requires of whom and when, whether each party complied on the evidence, how close a \
programme is to a bomb's worth of material, and whether anyone tampered with the \
record. The 2015 JCPOA and the IAEA's reporting on Iran (2016–2025) are built in, so \
every command works offline.";

const EXAMPLES: &str = "\
Examples:
  verity report                                  compliance of every party, year by year
  verity report --party iran --as-of 2021-06-30  the record as it stood then
  verity breakout --preset iaea-2025-05          breakout time from the May 2025 record
  verity agreement show --on 2025-10-18          what bound whom on a day
  verity evidence check                          cross-check the shipped IAEA record
  verity deal evaluate --proposal jcpoa-2015     breakout over a deal's whole life
  verity serve                                   the HTTP API and dashboard on :8080
  verity completions bash > /etc/bash_completion.d/verity";

/// The `verity` command line.
#[derive(Debug, Parser)]
#[command(
    name = "verity",
    version = VERSION.as_str(),
    about = ABOUT,
    long_about = LONG_ABOUT,
    after_help = EXAMPLES
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Separative work for one enrichment step (product, feed and tails).
    #[command(after_help = "Examples:
  verity swu --product 4.5 --feed 0.711 --tails 0.25 --product-kg 1
  verity swu --product 90 --feed 0.711 --tails 0.3 --product-kg 27.78 --json")]
    Swu(cmd::swu::Args),
    /// Time and separative work to make a bomb's worth of material from given stocks.
    #[command(after_help = "Examples:
  verity breakout --preset jcpoa-limits
  verity breakout --list-presets
  verity breakout --stock 60:408.6 --stock 20:274.8 --centrifuges IR-6:1392 --json
  verity breakout --stock 3.67:202.8 --swu-per-year 4554 --optimise-tails")]
    Breakout(cmd::breakout::Args),
    /// The catalogue of centrifuge types and their separative capacity.
    #[command(after_help = "Examples:
  verity centrifuges
  verity centrifuges --json")]
    Centrifuges(cmd::centrifuges::Args),
    /// Check and show agreements written in Verity's agreement language.
    #[command(subcommand)]
    #[command(after_help = "Examples:
  verity agreement check data/agreements/jcpoa.toml
  verity agreement key-days
  verity agreement show --on 2017-01-01 --party iran --json")]
    Agreement(cmd::agreement::Command),
    /// Import, list and cross-check evidence (measurements, events, knowledge gaps).
    #[command(subcommand)]
    #[command(after_help = "Examples:
  verity evidence check
  verity evidence sources
  verity evidence list --report GOV/2023/8
  verity evidence import my-figures.csv --db verity.db")]
    Evidence(cmd::evidence::Command),
    /// Evaluate an agreement against the evidence over time.
    #[command(after_help = "Examples:
  verity assess --party iran --from 2019-01-01
  verity assess --reading iran --party iran --from 2019-05-01 --to 2019-12-31
  verity assess --json --db verity.db")]
    Assess(cmd::assess::Args),
    /// Every invocation of the dispute procedures (JCPOA para. 36, UNSCR 2231 snapback)
    /// in the record: who, when, the stages, the outcome.
    #[command(after_help = "Examples:
  verity disputes
  verity disputes --json")]
    Disputes(cmd::disputes::Args),
    /// A readable compliance report over time, with stockpile and breakout.
    #[command(after_help = "Examples:
  verity report
  verity report --party iran --from 2019-01-01 --to 2021-12-31
  verity report --as-of 2021-06-30 --format markdown
  verity report --reading e3 --from 2023-01-01
  verity report --format html --out report.html
  verity report --format pdf --out report.pdf")]
    Report(cmd::report::Args),
    /// Manage ed25519 signing keys.
    #[command(subcommand)]
    #[command(after_help = "Examples:
  verity key generate --name inspector.example/alice --out alice.key")]
    Key(cmd::key::Command),
    /// The append-only, signed transparency log.
    #[command(subcommand)]
    #[command(after_help = "Examples:
  verity log init --db verity.db --origin example.org/verity --key log.key
  verity log checkpoint --db verity.db
  verity log prove --inclusion 3 --db verity.db --json
  verity log verify --db verity.db")]
    Log(cmd::log::Command),
    /// Messages sealed across several conduits of a back channel.
    #[command(subcommand)]
    #[command(after_help = "Examples:
  verity channel keygen --name e3.example/desk --out keys
  verity channel seal --key keys/e3.example_desk.key --to keys/ir.example_desk.pub --conduits 5 --threshold 3 --out shares message.txt
  verity channel open --key keys/ir.example_desk.key --sender keys/e3.example_desk.pub shares/share-1 shares/share-3 shares/share-4")]
    Channel(cmd::channel::Command),
    /// The negotiation workbench: proposals, breakout over a deal's life, and a search
    /// of the deal space.
    #[command(subcommand)]
    #[command(after_help = "Examples:
  verity deal list
  verity deal show jcpoa-2015
  verity deal evaluate --proposal jcpoa-2015 --from pre-deal-2015
  verity deal evaluate --proposal jcpoa-2015 --from 2025-05-17 --json
  verity deal search --axis ir1=0..10000:11 --axis reinstall_per_month=0..2000:11 --from 2025-05-17
  verity deal search --axis stock_kg_u=0..1000:21 --csv frontier.csv --checkpoint sweep.ckpt")]
    Deal(cmd::deal::Command),
    /// Run the HTTP API and web dashboard.
    #[command(after_help = "Examples:
  verity serve
  verity serve --db postgres://verity@db.internal/verity --bind 0.0.0.0:8080")]
    Serve(cmd::serve::Args),
    /// Manage API access tokens.
    #[command(subcommand)]
    #[command(after_help = "Examples:
  verity token create --role analyst --label newsroom
  verity token list --db verity.db")]
    Token(cmd::token::Command),
    /// Print a shell completion script (bash, zsh, fish, powershell, elvish).
    #[command(after_help = "Examples:
  verity completions bash > ~/.local/share/bash-completion/completions/verity
  verity completions zsh > ~/.zfunc/_verity
  verity completions fish > ~/.config/fish/completions/verity.fish")]
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the manual page (roff), e.g. `verity man | man -l -`.
    #[command(after_help = "Examples:
  verity man > verity.1 && man ./verity.1")]
    Man,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let res = match cli.command {
        Command::Swu(args) => cmd::swu::run(args),
        Command::Breakout(args) => cmd::breakout::run(args),
        Command::Centrifuges(args) => cmd::centrifuges::run(args),
        Command::Agreement(c) => cmd::agreement::run(c),
        Command::Evidence(c) => cmd::evidence::run(c),
        Command::Assess(args) => cmd::assess::run(args),
        Command::Disputes(args) => cmd::disputes::run(args),
        Command::Report(args) => cmd::report::run(args),
        Command::Key(c) => cmd::key::run(c),
        Command::Log(c) => cmd::log::run(c),
        Command::Channel(c) => cmd::channel::run(c),
        Command::Deal(c) => cmd::deal::run(c),
        Command::Serve(args) => cmd::serve::run(args),
        Command::Token(c) => cmd::token::run(c),
        Command::Completions { shell } => completions(shell),
        Command::Man => man(),
    };
    match res {
        Ok(code) => code,
        Err(err) => {
            eprintln!("verity: error: {err}");
            err.exit_code()
        }
    }
}

fn completions(shell: clap_complete::Shell) -> cmd::CmdResult {
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "verity", &mut out);
    cmd::print_stdout(String::from_utf8_lossy(&out).trim_end())?;
    Ok(ExitCode::SUCCESS)
}

fn man() -> cmd::CmdResult {
    let mut out = Vec::new();
    clap_mangen::Man::new(Cli::command())
        .render(&mut out)
        .map_err(|e| cmd::CliError::Failed(e.into()))?;
    cmd::print_stdout(String::from_utf8_lossy(&out).trim_end())?;
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    #[test]
    fn every_command_has_help_with_examples() {
        let cli = super::Cli::command();
        cli.clone().debug_assert();
        for sub in cli.get_subcommands() {
            let help = sub
                .get_after_help()
                .map(|h| h.to_string())
                .unwrap_or_default();
            assert!(
                help.starts_with("Examples:") && help.contains("verity "),
                "`verity {}` has no examples in its help",
                sub.get_name()
            );
        }
    }

    /// Every example the help shows parses: an example never names a flag that is
    /// not there.
    #[test]
    fn every_example_in_the_help_parses() {
        use clap::Parser;
        let cli = super::Cli::command();
        let mut helps: Vec<String> = vec![super::EXAMPLES.to_owned()];
        helps.extend(
            cli.get_subcommands()
                .filter_map(|s| s.get_after_help().map(|h| h.to_string())),
        );
        let mut n = 0;
        for help in helps {
            for line in help
                .lines()
                .filter_map(|l| l.trim().strip_prefix("verity "))
            {
                // Up to a shell redirection or `&&`; the text after two spaces is a
                // comment.
                let line = line.split("  ").next().unwrap_or(line);
                let words: Vec<&str> = std::iter::once("verity")
                    .chain(
                        line.split_whitespace()
                            .take_while(|w| *w != ">" && *w != "&&"),
                    )
                    .collect();
                if let Err(e) = super::Cli::try_parse_from(&words) {
                    panic!("example `{}` does not parse: {e}", words.join(" "));
                }
                n += 1;
            }
        }
        assert!(n >= 30, "{n} examples");
    }
}
