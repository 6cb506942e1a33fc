//! `verity`: the command-line face of Verity. This crate is glue only: argument
//! parsing, calling the library crates, and printing (human or `--json`). Each
//! subcommand lives in its own module under `cmd/`.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod cmd;

/// Verity: open verification of nuclear agreements — the agreement as code, compliance
/// on the evidence, enrichment physics and breakout time, and a tamper-evident record.
#[derive(Debug, Parser)]
#[command(name = "verity", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Separative work for one enrichment step (product, feed and tails).
    Swu(cmd::swu::Args),
    /// Time and separative work to make a bomb's worth of material from given stocks.
    Breakout(cmd::breakout::Args),
    /// The catalogue of centrifuge types and their separative capacity.
    Centrifuges(cmd::centrifuges::Args),
    /// Check and show agreements written in Verity's agreement language.
    #[command(subcommand)]
    Agreement(cmd::agreement::Command),
    /// Import and list evidence (measurements and events).
    #[command(subcommand)]
    Evidence(cmd::evidence::Command),
    /// Evaluate an agreement against the evidence over time.
    Assess(cmd::assess::Args),
    /// A readable compliance report over time, with stockpile and breakout.
    Report(cmd::report::Args),
    /// Manage ed25519 signing keys.
    #[command(subcommand)]
    Key(cmd::key::Command),
    /// The append-only, signed transparency log.
    #[command(subcommand)]
    Log(cmd::log::Command),
    /// Run the HTTP API and web dashboard.
    Serve(cmd::serve::Args),
    /// Manage API access tokens.
    #[command(subcommand)]
    Token(cmd::token::Command),
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
        Command::Report(args) => cmd::report::run(args),
        Command::Key(c) => cmd::key::run(c),
        Command::Log(c) => cmd::log::run(c),
        Command::Serve(args) => cmd::serve::run(args),
        Command::Token(c) => cmd::token::run(c),
    };
    match res {
        Ok(code) => code,
        Err(err) => {
            eprintln!("verity: error: {err}");
            err.exit_code()
        }
    }
}
