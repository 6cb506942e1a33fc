//! One module per subcommand. Each exposes `Args` (or `Command`) and `run`.
//!
//! Conventions shared by every command:
//! - `--json` prints one JSON document on stdout and nothing else there;
//! - bad input (a wrong flag value, impossible physics, a malformed file) is
//!   [`CliError::BadInput`] and exits 2 with a message naming the value and why;
//! - any other failure is [`CliError::Failed`] and exits 1.

use std::fmt;
use std::process::ExitCode;

pub mod agreement;
pub mod assess;
pub mod breakout;
pub mod centrifuges;
pub mod evidence;
pub mod key;
pub mod log;
pub mod report;
pub mod serve;
pub mod swu;
pub mod token;

/// The result of a command: an exit code on success (a verifier may report a
/// mismatch with exit 1 without it being an error of the tool).
pub type CmdResult = Result<ExitCode, CliError>;

#[derive(Debug)]
pub enum CliError {
    /// The user gave a value or file that cannot be accepted: exit code 2.
    BadInput(String),
    /// Anything else went wrong: exit code 1.
    Failed(anyhow::Error),
}

impl CliError {
    pub fn bad_input(msg: impl fmt::Display) -> CliError {
        CliError::BadInput(msg.to_string())
    }

    pub fn exit_code(&self) -> ExitCode {
        match self {
            CliError::BadInput(_) => ExitCode::from(2),
            CliError::Failed(_) => ExitCode::from(1),
        }
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CliError::BadInput(msg) => f.write_str(msg),
            CliError::Failed(err) => write_causes(f, err),
        }
    }
}

/// Writes an error and its causes, `a: b: c`, each once. Many errors (the store's,
/// rusqlite's, PostgreSQL's) already print their source in their own message; once a
/// cause's text is part of what was written, the rest of the chain is that same cause
/// again in other words, so it stops there.
fn write_causes(f: &mut fmt::Formatter<'_>, err: &anyhow::Error) -> fmt::Result {
    let mut written = String::new();
    for cause in err.chain() {
        let text = cause.to_string();
        if written.contains(&text) {
            break;
        }
        if !written.is_empty() {
            written.push_str(": ");
        }
        written.push_str(&text);
    }
    f.write_str(&written)
}

impl From<anyhow::Error> for CliError {
    fn from(err: anyhow::Error) -> CliError {
        CliError::Failed(err)
    }
}

/// Prints a value as pretty JSON on stdout.
pub fn print_json<T: serde::Serialize>(value: &T) -> Result<(), CliError> {
    let text = serde_json::to_string_pretty(value).map_err(|e| CliError::Failed(e.into()))?;
    print_stdout(&text)
}

/// Writes a line to stdout. A reader that closes the pipe early (`verity … | head`)
/// is not an error of the command, so a broken pipe ends output quietly.
pub fn print_stdout(text: &str) -> Result<(), CliError> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    match writeln!(out, "{text}").and_then(|()| out.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(CliError::Failed(e.into())),
    }
}
