//! `verity token …`: API access tokens for `verity serve`. A token is printed once,
//! when created; the store keeps only its SHA-256.

use std::process::ExitCode;

use verity_app::Role;
use verity_store::Store;

use super::{CliError, CmdResult, print_json};

#[derive(Debug, clap::Args)]
pub struct Location {
    /// The store: a file path, sqlite://PATH or postgres://… [default: verity.db].
    #[arg(long, value_name = "LOCATION", conflicts_with = "database")]
    pub db: Option<String>,
    /// A PostgreSQL database instead: postgres://user@host/dbname.
    #[arg(long, value_name = "URL")]
    pub database: Option<String>,
}

#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Create a token and print it (only this once).
    Create {
        /// admin (manages tokens), inspector (submits evidence and signed reports) or
        /// analyst (reads everything).
        #[arg(long, value_name = "ROLE")]
        role: String,
        /// A note on whose token it is.
        #[arg(long, value_name = "TEXT", default_value = "")]
        label: String,
        #[command(flatten)]
        location: Location,
        #[arg(long)]
        json: bool,
    },
    /// List live tokens (never their text).
    List {
        #[command(flatten)]
        location: Location,
        #[arg(long)]
        json: bool,
    },
    /// Revoke a token by id.
    Revoke {
        #[arg(value_name = "ID")]
        id: i64,
        #[command(flatten)]
        location: Location,
    },
}

impl Location {
    fn text(&self) -> &str {
        match (&self.db, &self.database) {
            (_, Some(url)) => url,
            (Some(p), None) => p,
            (None, None) => verity_app::location::DEFAULT,
        }
    }
}

fn open(location: &Location) -> Result<Store, CliError> {
    super::open_or_create(location.text())
}

/// Opens a store that must already exist: listing or revoking in a misspelt path (or
/// another directory than the server's) must not quietly create an empty database.
fn open_existing(location: &Location) -> Result<Store, CliError> {
    super::open_existing(location.text())
}

pub fn run(command: Command) -> CmdResult {
    match command {
        Command::Create {
            role,
            label,
            location,
            json,
        } => {
            let role: Role = role
                .parse()
                .map_err(|e: String| CliError::bad_input(format!("--role: {e}")))?;
            let store = open(&location)?;
            let verity_app::tokens::Created { token, record: rec } =
                verity_app::tokens::create(&store, role, &label)?;
            if json {
                print_json(&serde_json::json!({
                    "id": rec.id, "role": rec.role, "label": rec.label,
                    "created_at": rec.created_at, "token": token,
                }))?;
            } else {
                println!("{token}");
                eprintln!(
                    "token #{} ({}) created; it is shown only now — the store keeps only its SHA-256",
                    rec.id, rec.role
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::List { location, json } => {
            let store = open_existing(&location)?;
            let list = verity_app::tokens::list(&store)?;
            if json {
                let v: Vec<_> = list
                    .iter()
                    .map(|r| serde_json::json!({"id": r.id, "role": r.role, "label": r.label, "created_at": r.created_at}))
                    .collect();
                print_json(&v)?;
            } else {
                for r in &list {
                    println!(
                        "{:>4}  {:<9}  {}  {}",
                        r.id,
                        r.role.as_str(),
                        r.created_at,
                        verity_app::text::field(&r.label)
                    );
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Revoke { id, location } => {
            let store = open_existing(&location)?;
            verity_app::tokens::revoke(&store, id)?;
            eprintln!("token #{id} revoked");
            Ok(ExitCode::SUCCESS)
        }
    }
}
