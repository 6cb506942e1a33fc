//! `verity log …` — not built yet; see its issue.

use super::{CliError, CmdResult};

#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Not built yet.
    Pending,
}

pub fn run(_command: Command) -> CmdResult {
    Err(CliError::Failed(anyhow::anyhow!(
        "`verity log` is not built yet"
    )))
}
