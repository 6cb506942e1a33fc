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
pub mod channel;
pub mod deal;
pub mod disputes;
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

/// The flag a request field comes from: `as_of` → `--as-of`, `store` → `--db`.
pub fn flag_of(field: &str) -> String {
    match field {
        "store" => "--db".to_owned(),
        f => format!("--{}", f.replace('_', "-")),
    }
}

impl CliError {
    /// An application error in the CLI's terms, the request field named by its flag
    /// (`flag` maps fields whose flag is not simply `--field-name`).
    pub fn from_app(e: verity_app::AppError, flag: impl Fn(&str) -> Option<String>) -> CliError {
        use verity_app::AppError;
        match e {
            AppError::BadInput {
                field,
                value,
                reason,
                problems,
            } => {
                let mut text = String::new();
                for p in &problems {
                    text.push_str(p);
                    text.push('\n');
                }
                match (field, value) {
                    (Some(f), v) => {
                        let name = flag(&f).unwrap_or_else(|| flag_of(&f));
                        match v {
                            Some(v) if !name.contains(' ') => {
                                text.push_str(&format!("{name} {v}: {reason}"))
                            }
                            _ => text.push_str(&format!("{name}: {reason}")),
                        }
                    }
                    (None, _) => text.push_str(&reason),
                }
                CliError::BadInput(text)
            }
            AppError::NotFound(what) => CliError::BadInput(what),
            AppError::Failed(e) => CliError::Failed(e),
        }
    }
}

impl From<verity_app::AppError> for CliError {
    fn from(e: verity_app::AppError) -> CliError {
        CliError::from_app(e, |_| None)
    }
}

impl From<anyhow::Error> for CliError {
    fn from(err: anyhow::Error) -> CliError {
        CliError::Failed(err)
    }
}

/// A store's location as the user gave it (`--db`): a file path, `sqlite://PATH` or
/// `postgres://…`, parsed once by the application layer.
pub fn location(text: &str) -> Result<verity_app::Location, CliError> {
    text.parse::<verity_app::Location>().map_err(CliError::from)
}

/// Opens a store that must exist (commands that read never create one).
pub fn open_existing(text: &str) -> Result<verity_store::Store, CliError> {
    Ok(location(text)?.open_existing()?)
}

/// Opens a store, creating it if needed (commands that write).
pub fn open_or_create(text: &str) -> Result<verity_store::Store, CliError> {
    Ok(location(text)?.open_or_create()?)
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

/// The HTTP client the commands that talk to other servers use (witnesses, relays): an
/// HTTP status is an answer to read, not an error; nothing waits more than 30 s.
pub(crate) fn http_agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(std::time::Duration::from_secs(30)))
        .build()
        .into()
}
