//! `verity report` — not built yet; see its issue.

use super::{CliError, CmdResult};

#[derive(Debug, clap::Args)]
pub struct Args {}

pub fn run(_args: Args) -> CmdResult {
    Err(CliError::Failed(anyhow::anyhow!(
        "`verity report` is not built yet"
    )))
}
