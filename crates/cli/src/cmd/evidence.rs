//! `verity evidence …`: import evidence files (all or nothing) and list evidence.
//!
//! Without `--db`, `import` checks the files and reports what would be stored, and
//! `list` shows the record shipped inside the binary.

use std::path::PathBuf;
use std::process::ExitCode;

use verity_evidence::{EvidenceSet, Input, fmt_num};

use super::assess::{emit, emit_json as print_json, read_files};
use super::{CliError, CmdResult};

#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Validate evidence files (CSV or JSON, see docs/evidence-format.md) together and
    /// store all of their records, or none: every problem is listed with its file, line
    /// and column (exit 2).
    Import {
        /// The files; their records are checked together (duplicates across files too).
        #[arg(required = true, value_name = "FILE")]
        files: Vec<PathBuf>,
        /// The database to store into (`sqlite:PATH`, a file path, or `postgres://…`).
        /// Without it the files are only checked.
        #[arg(long, value_name = "PATH")]
        db: Option<String>,
        /// Print one JSON document instead of text.
        #[arg(long)]
        json: bool,
    },
    /// List evidence: the measurements, events and knowledge gaps, by date.
    List {
        /// The database to read; default: the record shipped with Verity.
        #[arg(long, value_name = "PATH")]
        db: Option<String>,
        /// Print the evidence as one JSON document in the import format.
        #[arg(long)]
        json: bool,
    },
}

pub fn run(command: Command) -> CmdResult {
    match command {
        Command::Import { files, db, json } => import(&files, db.as_deref(), json),
        Command::List { db, json } => list(db.as_deref(), json),
    }
}

fn validate(files: &[PathBuf]) -> Result<(EvidenceSet, Vec<String>), CliError> {
    let texts = read_files(files)?;
    let inputs: Vec<Input<'_>> = texts
        .iter()
        .map(|(name, text)| Input::new(name, text))
        .collect();
    let set = verity_evidence::import(&inputs).map_err(CliError::bad_input)?;
    Ok((set, texts.into_iter().map(|(n, _)| n).collect()))
}

fn import(files: &[PathBuf], db: Option<&str>, json: bool) -> CmdResult {
    let (set, names) = validate(files)?;
    let stored = match db {
        Some(db) => Some(store::import(db, &set, &names)?),
        None => None,
    };
    if json {
        print_json(&serde_json::json!({
            "files": names,
            "measurements": set.measurements.len(),
            "events": set.events.len(),
            "knowledge": set.knowledge.len(),
            "stored": stored.is_some(),
            "import_id": stored.as_ref().map(|s| s.import_id),
            "log_index": stored.as_ref().and_then(|s| s.log_index),
        }))?;
        return Ok(ExitCode::SUCCESS);
    }
    let counts = format!(
        "{} measurements, {} events, {} knowledge gaps",
        set.measurements.len(),
        set.events.len(),
        set.knowledge.len()
    );
    match (db, stored) {
        (Some(db), Some(s)) => {
            println!(
                "imported {counts} from {} file(s) into {db} (import #{})",
                names.len(),
                s.import_id
            );
            match s.log_index {
                Some(i) => {
                    println!("signed evidence_import entry appended to the log at index {i}")
                }
                None => println!(
                    "no log in this database: nothing signed (run `verity log init` to keep one)"
                ),
            }
        }
        _ => println!(
            "checked {counts} in {} file(s): all valid; nothing stored (give --db PATH to store)",
            names.len()
        ),
    }
    Ok(ExitCode::SUCCESS)
}

fn list(db: Option<&str>, json: bool) -> CmdResult {
    let set = match db {
        Some(db) => store::load(db)?,
        None => verity_evidence::shipped::load().map_err(|e| {
            CliError::Failed(anyhow::anyhow!("the shipped record does not import:\n{e}"))
        })?,
    };
    if json {
        print_json(&verity_evidence::to_json(&set))?;
        return Ok(ExitCode::SUCCESS);
    }
    emit(&text(&set))?;
    Ok(ExitCode::SUCCESS)
}

fn text(set: &EvidenceSet) -> String {
    use std::fmt::Write;
    let mut o = String::new();
    let _ = writeln!(o, "MEASUREMENTS ({})", set.measurements.len());
    let _ = writeln!(
        o,
        "  {:<10}  {:<6}  {:<36}  {:>12} {:<8}  {:<9}  source",
        "as of", "party", "metric", "value", "unit", "basis"
    );
    for m in &set.measurements {
        let _ = writeln!(
            o,
            "  {}  {:<6}  {:<36}  {:>12} {:<8}  {:<9}  {}",
            m.date,
            m.party,
            m.metric.id,
            m.quantity.to_string(),
            m.metric.unit.as_str(),
            m.basis.as_str(),
            m.source
        );
    }
    let _ = writeln!(o, "\nEVENTS ({})", set.events.len());
    for e in &set.events {
        let value = e
            .value
            .map_or(String::new(), |v| format!(" {}", fmt_num(v)));
        let _ = writeln!(
            o,
            "  {}  {:<6}  {}{value}  — {}",
            e.date, e.party, e.event.id, e.source
        );
    }
    let _ = writeln!(o, "\nKNOWLEDGE GAPS ({})", set.knowledge.len());
    for g in &set.knowledge {
        let until = g.until.map_or("(still lost)".to_owned(), |d| d.to_string());
        let _ = writeln!(
            o,
            "  {} – {}  {:<6}  scope {}  — {}",
            g.from, until, g.party, g.scope, g.source
        );
    }
    o
}

/// Storage of evidence (see `verity_store::evidence`): the import, its signed log
/// entry and a new checkpoint land in one transaction, or none of them does.
mod store {
    use std::path::Path;

    use verity_evidence::EvidenceSet;
    use verity_ledger::LogStorage;
    use verity_store::evidence::{EvidenceStoreError, LogImportError};
    use verity_store::{Store, StoreError};

    use super::super::CliError;

    pub struct Stored {
        pub import_id: i64,
        pub log_index: Option<u64>,
    }

    enum TxErr {
        Store(StoreError),
        Evidence(EvidenceStoreError),
        Cli(CliError),
    }

    impl From<StoreError> for TxErr {
        fn from(e: StoreError) -> TxErr {
            TxErr::Store(e)
        }
    }

    fn open(db: &str) -> Result<Store, CliError> {
        Store::open(db).map_err(|e| match e {
            StoreError::BadLocation(_) => CliError::bad_input(format!("--db: {e}")),
            other => CliError::Failed(anyhow::anyhow!("opening {db}: {other}")),
        })
    }

    pub fn import(db: &str, set: &EvidenceSet, files: &[String]) -> Result<Stored, CliError> {
        let store = open(db)?;
        let out = store.write(|tx| -> Result<Stored, TxErr> {
            let summary =
                verity_store::evidence::import(tx, set, files).map_err(TxErr::Evidence)?;
            let meta = tx.log_meta().map_err(|e| {
                TxErr::Cli(CliError::Failed(anyhow::anyhow!("reading the log: {e}")))
            })?;
            let Some(meta) = meta else {
                return Ok(Stored {
                    import_id: summary.import_id,
                    log_index: None,
                });
            };
            // The database keeps a log: the import is signed with the log's key and
            // appended, or nothing is stored.
            let signer = super::super::key::read_signer(Path::new(&meta.signer_key_path))
                .map_err(TxErr::Cli)?;
            let logged = verity_store::evidence::log_import(
                tx,
                &signer,
                set,
                files,
                &summary,
                serde_json::Map::new(),
            )
            .map_err(|e| match e {
                LogImportError::Log(e) => TxErr::Cli(CliError::Failed(anyhow::anyhow!(
                    "appending to the log: {e}"
                ))),
                LogImportError::Store(e) => TxErr::Store(e),
            })?;
            Ok(Stored {
                import_id: summary.import_id,
                log_index: Some(logged.log_index),
            })
        });
        out.map_err(|e| match e {
            TxErr::Evidence(EvidenceStoreError::AlreadyStored(list)) => {
                // As many as any import lists; the count below still gives them all.
                let shown = list.len().min(verity_evidence::MAX_DIAGNOSTICS);
                let mut lines = list[..shown].join("\n");
                if list.len() > shown {
                    lines.push_str(&format!("\n… and {} more", list.len() - shown));
                }
                CliError::bad_input(format!(
                    "{lines}\n{} record{} already in {db}; nothing was imported",
                    list.len(),
                    if list.len() == 1 { "" } else { "s" }
                ))
            }
            TxErr::Evidence(e) => CliError::Failed(e.into()),
            TxErr::Store(e) => CliError::Failed(e.into()),
            TxErr::Cli(e) => e,
        })
    }

    pub fn load(db: &str) -> Result<EvidenceSet, CliError> {
        // Listing reads: a misspelt path must not quietly create an empty database.
        if !db.contains("://") {
            let path = Path::new(db.strip_prefix("sqlite:").unwrap_or(db));
            if !path.exists() {
                return Err(CliError::bad_input(format!(
                    "no database at {} (import into one with `verity evidence import FILE… --db {db}`)",
                    path.display()
                )));
            }
        }
        let store = open(db)?;
        store
            .read(|tx| -> Result<EvidenceSet, TxErr> {
                verity_store::evidence::load(tx).map_err(TxErr::Evidence)
            })
            .map_err(|e| match e {
                TxErr::Evidence(e) => CliError::Failed(e.into()),
                TxErr::Store(e) => CliError::Failed(e.into()),
                TxErr::Cli(e) => e,
            })
    }
}
