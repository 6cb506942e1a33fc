//! `verity log …`: the append-only, signed transparency log.
//!
//! The log lives in a database (`--db`, default `verity.db` in the current
//! directory; also `sqlite:PATH` or `postgres://…`). `init` records the log's
//! origin, its verifier key and the path of its private key file (never the key
//! itself); `checkpoint` signs with that file.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use serde_json::{Value, json};
use verity_ledger::log::{
    self as ledger_log, AuditOutcome, ConsistencyProofJson, InclusionProofJson, LogError,
};
use verity_ledger::{Hash, Kind, LogStorage, NoteVerifier, SignedEntry};
use verity_store::{Store, StoreError};

use super::key::read_signer;
use super::{CliError, CmdResult, print_json};

/// Where the log is when `--db` is not given.
pub const DEFAULT_DB: &str = verity_app::location::DEFAULT;

#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Create a log: its origin (the checkpoint's first line) and its signing key,
    /// whose name must equal the origin.
    Init {
        #[arg(long, value_name = "LOCATION", default_value = DEFAULT_DB)]
        db: String,
        /// The log's identity, e.g. `verity.example/jcpoa`.
        #[arg(long)]
        origin: String,
        /// The log's private key file (from `verity key generate --name ORIGIN`).
        #[arg(long, value_name = "KEYFILE")]
        key: PathBuf,
    },
    /// Sign JSON documents with KEYFILE and append them, all or none; prints each
    /// entry's index, one per line, in the order of the files.
    Append {
        #[arg(long, value_name = "LOCATION", default_value = DEFAULT_DB)]
        db: String,
        /// The author's private key file: who makes the statement.
        #[arg(long, value_name = "KEYFILE")]
        key: PathBuf,
        /// What the documents are: inspection_report, declaration or evidence_import.
        /// Default: the document's top-level "kind" if it names one, else
        /// inspection_report.
        #[arg(long)]
        kind: Option<String>,
        /// JSON documents, one entry each.
        #[arg(required = true, value_name = "FILE")]
        files: Vec<PathBuf>,
        /// Print one JSON document instead of the indices.
        #[arg(long)]
        json: bool,
    },
    /// Sign a checkpoint of the current tree with the log key and print it, exactly
    /// as c2sp.org/tlog-checkpoint specifies.
    Checkpoint {
        #[arg(long, value_name = "LOCATION", default_value = DEFAULT_DB)]
        db: String,
        /// The log's private key file, if not at the path recorded by `init`.
        #[arg(long, value_name = "KEYFILE")]
        key: Option<PathBuf>,
    },
    /// List entries: index, kind, signer, time and what they say (a channel header's
    /// message id and conduits, a receipt's conduit and verdict).
    Show {
        #[arg(long, value_name = "LOCATION", default_value = DEFAULT_DB)]
        db: String,
        /// The first index shown.
        #[arg(long, value_name = "N", default_value_t = 0)]
        from: u64,
        /// At most this many entries.
        #[arg(long, value_name = "N", default_value_t = 100)]
        limit: u64,
        /// Only this kind (inspection_report, declaration, evidence_import,
        /// channel_header, channel_receipt).
        #[arg(long, value_name = "KIND")]
        kind: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Write the log as static files in the C2SP tlog-tiles layout (DIR/checkpoint,
    /// DIR/tile/…, DIR/tile/entries/…), exactly as `verity serve` serves it under
    /// /log/, for any static host to serve; rerunning it writes only what is new.
    Publish {
        #[arg(long, value_name = "LOCATION", default_value = DEFAULT_DB)]
        db: String,
        /// The directory to write (created if missing).
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
        #[arg(long)]
        json: bool,
    },
    /// Submit the log's latest checkpoint to witnesses (C2SP tlog-witness), answering
    /// a witness's 409 with the consistency proof from the size it last co-signed, and
    /// keep their cosignatures with the checkpoint once --quorum of them co-signed
    /// (`log checkpoint` and /log/checkpoint then show them). Exit 1 below the quorum.
    Witness {
        #[arg(long, value_name = "LOCATION", default_value = DEFAULT_DB)]
        db: String,
        /// A witness: its add-checkpoint prefix and verifier key, `URL=VKEY` (the key
        /// inline or a .pub file). Repeatable.
        #[arg(long, value_name = "URL=VKEY", required = true)]
        witness: Vec<String>,
        /// Cosignatures needed before the checkpoint is kept (default: every witness).
        #[arg(long, value_name = "K")]
        quorum: Option<usize>,
        /// The log's private key file, if not at the path recorded by `init` (to sign
        /// a checkpoint of the current tree first).
        #[arg(long, value_name = "KEYFILE")]
        key: Option<PathBuf>,
        #[arg(long)]
        json: bool,
    },
    /// Co-sign a checkpoint as a witness: checks it against the log's key, then prints
    /// it with your timestamped cosignature (c2sp.org/tlog-cosignature, Ed25519) added.
    Cosign {
        /// The witness's private key file.
        #[arg(long, value_name = "KEYFILE")]
        key: PathBuf,
        /// The checkpoint file to co-sign; it must verify against --log-key.
        #[arg(value_name = "CHECKPOINT")]
        checkpoint: PathBuf,
        /// The log's verifier key (`name+hexid+base64`, or a .pub file).
        #[arg(long, value_name = "VKEY")]
        log_key: String,
        /// The witness's state: the last checkpoint it co-signed for each origin
        /// (default: the key file's path with `.state.json`). It co-signs only a
        /// consistent extension of that checkpoint.
        #[arg(long, value_name = "FILE")]
        state: Option<PathBuf>,
        /// The consistency proof from the size last co-signed to this checkpoint's
        /// (`verity log prove --consistency OLD NEW --json`), needed when the tree grew.
        #[arg(long, value_name = "FILE")]
        proof: Option<PathBuf>,
    },
    /// Print an inclusion proof (--inclusion INDEX [--size N]) or a consistency proof
    /// (--consistency OLD NEW).
    Prove {
        #[arg(long, value_name = "LOCATION", default_value = DEFAULT_DB)]
        db: String,
        #[arg(
            long,
            value_name = "INDEX",
            conflicts_with = "consistency",
            required_unless_present = "consistency"
        )]
        inclusion: Option<u64>,
        /// Tree size for the inclusion proof (default: the current size).
        #[arg(long, value_name = "N", requires = "inclusion")]
        size: Option<u64>,
        #[arg(long, num_args = 2, value_names = ["OLD", "NEW"])]
        consistency: Option<Vec<u64>>,
        /// `text` (default), `json` (as --json), or `tlog-proof`: an offline proof of
        /// the entry in the C2SP tlog-proof format, against the latest signed checkpoint
        /// (or the one of --size), with the entry on its `extra` line and the
        /// checkpoint's witness cosignatures.
        #[arg(long, value_name = "FORMAT", value_parser = ["text", "json", "tlog-proof"], default_value = "text")]
        format: String,
        #[arg(long)]
        json: bool,
    },
    /// Check a C2SP tlog-proof offline (no store needed): the checkpoint is signed by
    /// the log key, the entry (from the proof's extra line, or --entry) is included in
    /// it, its own signature holds, and, with --witness, enough witnesses co-signed.
    /// Exit 1 if it does not verify.
    CheckProof {
        /// The proof file (`verity log prove --inclusion N --format tlog-proof`).
        file: PathBuf,
        /// The log's verifier key (`name+hexid+base64`, or a .pub file).
        #[arg(long, value_name = "VKEY")]
        key: String,
        /// The entry's bytes, if the proof does not carry them.
        #[arg(long, value_name = "FILE")]
        entry: Option<PathBuf>,
        /// Witness verifier keys; with --quorum, how many must have co-signed.
        #[arg(long, value_name = "VKEY")]
        witness: Vec<String>,
        /// Cosignatures required from the --witness keys (default: all of them).
        #[arg(long, value_name = "K", requires = "witness")]
        quorum: Option<usize>,
        #[arg(long)]
        json: bool,
    },
    /// Recompute every entry's hash and signature and the whole tree, and check them
    /// against the stored tree and every signed checkpoint; every entry must be covered
    /// by one. Exit 1 naming the first bad entry.
    Verify {
        #[arg(long, value_name = "LOCATION", default_value = DEFAULT_DB)]
        db: String,
        /// A signed checkpoint you saw earlier (a file, as `log checkpoint` prints it):
        /// the store must extend it, so a rollback is caught without the old store.
        #[arg(long, value_name = "CHECKPOINT")]
        since: Option<PathBuf>,
        #[arg(long)]
        json: bool,
    },
    /// Check that the NEW checkpoint extends the OLD one (both signed by the log):
    /// exit 0 if consistent, 1 with the tree size and reason of the fork. Or, with
    /// --against, compare two copies of the log and name the first entry at which
    /// their histories diverge (exit 1).
    Audit {
        #[arg(long, value_name = "LOCATION", default_value = DEFAULT_DB)]
        db: String,
        #[arg(
            long,
            value_name = "CHECKPOINT",
            required_unless_present = "against",
            requires = "new"
        )]
        old: Option<PathBuf>,
        #[arg(
            long,
            value_name = "CHECKPOINT",
            required_unless_present = "against",
            requires = "old"
        )]
        new: Option<PathBuf>,
        /// Another copy of the log (a mirror, another party's store) to compare with
        /// --db entry by entry.
        #[arg(long, value_name = "LOCATION", conflicts_with_all = ["old", "new", "witness"])]
        against: Option<String>,
        /// Witness keys (`name+hexid+base64` or .pub files): the new checkpoint must be
        /// co-signed by --quorum of them (default: one), and none of their signatures
        /// may fail.
        #[arg(long, value_name = "VKEY")]
        witness: Vec<String>,
        /// How many of the --witness keys must have co-signed the new checkpoint.
        #[arg(
            long,
            value_name = "K",
            requires = "witness",
            conflicts_with = "against"
        )]
        quorum: Option<usize>,
        #[arg(long)]
        json: bool,
    },
}

pub fn run(command: Command) -> CmdResult {
    match command {
        Command::Init { db, origin, key } => init(&db, &origin, &key),
        Command::Append {
            db,
            key,
            kind,
            files,
            json,
        } => append(&db, &key, kind.as_deref(), &files, json),
        Command::Checkpoint { db, key } => checkpoint(&db, key.as_deref()),
        Command::Publish { db, out, json } => publish(&db, &out, json),
        Command::Show {
            db,
            from,
            limit,
            kind,
            json,
        } => show(&db, from, limit, kind.as_deref(), json),
        Command::Witness {
            db,
            witness,
            quorum,
            key,
            json,
        } => submit_to_witnesses(&db, &witness, quorum, key.as_deref(), json),
        Command::Cosign {
            key,
            checkpoint,
            log_key,
            state,
            proof,
        } => cosign(
            &key,
            &checkpoint,
            &log_key,
            state.as_deref(),
            proof.as_deref(),
        ),
        Command::Prove {
            db,
            inclusion,
            size,
            consistency,
            format,
            json,
        } => match (inclusion, consistency) {
            (Some(i), _) if format == "tlog-proof" => prove_tlog(&db, i, size),
            (None, Some(_)) if format == "tlog-proof" => Err(CliError::bad_input(
                "--format tlog-proof: a tlog-proof proves an entry's inclusion; give --inclusion INDEX",
            )),
            (Some(i), _) => prove_inclusion(&db, i, size, json || format == "json"),
            (None, Some(c)) => prove_consistency(&db, c[0], c[1], json || format == "json"),
            (None, None) => Err(CliError::bad_input(
                "give --inclusion INDEX or --consistency OLD NEW",
            )),
        },
        Command::Verify { db, since, json } => verify(&db, since.as_deref(), json),
        Command::CheckProof {
            file,
            key,
            entry,
            witness,
            quorum,
            json,
        } => check_proof(&file, &key, entry.as_deref(), &witness, quorum, json),
        Command::Audit {
            db,
            old,
            new,
            against,
            witness,
            quorum,
            json,
        } => match (against, old, new) {
            (Some(other), _, _) => compare(&db, &other, json),
            (None, Some(old), Some(new)) => audit(&db, &old, &new, &witness, quorum, json),
            _ => Err(CliError::bad_input(
                "log audit needs --old and --new checkpoints, or --against another store",
            )),
        },
    }
}

/// Errors inside a store transaction: the store's own, or the log's.
#[derive(Debug)]
enum TxError {
    Store(StoreError),
    Log(LogError),
}

impl From<StoreError> for TxError {
    fn from(e: StoreError) -> TxError {
        TxError::Store(e)
    }
}

impl From<LogError> for TxError {
    fn from(e: LogError) -> TxError {
        TxError::Log(e)
    }
}

impl From<verity_ledger::log::StorageError> for TxError {
    fn from(e: verity_ledger::log::StorageError) -> TxError {
        TxError::Log(LogError::Storage(e))
    }
}

impl From<TxError> for CliError {
    fn from(e: TxError) -> CliError {
        match e {
            TxError::Store(e) => CliError::Failed(e.into()),
            // Asking for something the log does not have is the user's input.
            TxError::Log(e @ (LogError::Proof(_) | LogError::NotInitialised)) => {
                CliError::bad_input(e)
            }
            TxError::Log(e) => CliError::Failed(e.into()),
        }
    }
}

/// Opens the store of an existing log (a missing store is an error here, not a new
/// empty log).
fn open_existing(db: &str) -> Result<Store, CliError> {
    super::open_existing(db)
}

fn hex(h: &Hash) -> String {
    h.iter().map(|b| format!("{b:02x}")).collect()
}

fn init(db: &str, origin: &str, key: &Path) -> CmdResult {
    let signer = read_signer(key)?;
    // Record an absolute path so `checkpoint` works from any directory.
    let key_abs = std::fs::canonicalize(key)
        .map_err(|e| CliError::bad_input(format!("key file {}: {e}", key.display())))?;
    let store = super::open_or_create(db)?;
    let res = store.write(|tx| -> Result<_, TxError> {
        Ok(ledger_log::init(
            tx,
            origin,
            &signer,
            &key_abs.display().to_string(),
        )?)
    });
    match res {
        Ok(m) => {
            println!("initialised log {} in {db}", m.origin);
            println!("log verifier key: {}", m.verifier_key);
            Ok(ExitCode::SUCCESS)
        }
        Err(TxError::Log(
            e @ (LogError::AlreadyInitialised(_) | LogError::OriginMismatch { .. }),
        )) => Err(CliError::bad_input(e)),
        Err(e) => Err(e.into()),
    }
}

/// Reads a JSON document, with a located error on bad input.
fn read_json(path: &Path) -> Result<Value, CliError> {
    let text = verity_app::text::read_file(path).map_err(CliError::bad_input)?;
    serde_json::from_str(&text).map_err(|e| {
        CliError::bad_input(format!(
            "{}:{}:{}: not valid JSON: {e}",
            path.display(),
            e.line(),
            e.column()
        ))
    })
}

fn append(db: &str, key: &Path, kind: Option<&str>, files: &[PathBuf], json: bool) -> CmdResult {
    let signer = read_signer(key)?;
    let forced: Option<Kind> = kind
        .map(|k| {
            k.parse()
                .map_err(|e| CliError::bad_input(format!("--kind: {e}")))
        })
        .transpose()?;
    let mut entries = Vec::with_capacity(files.len());
    for f in files {
        let doc = read_json(f)?;
        let kind = match forced {
            Some(k) => k,
            None => match doc.get("kind").and_then(Value::as_str) {
                Some(k) => k.parse().map_err(|e| {
                    CliError::bad_input(format!("{}: field `kind`: {e}", f.display()))
                })?,
                None => Kind::InspectionReport,
            },
        };
        entries.push(SignedEntry::sign(&signer, kind, doc));
    }
    let store = open_existing(db)?;
    // The entries and a checkpoint of the grown tree, signed with the log's key, in one
    // transaction: no entry is ever in the log without a signed checkpoint covering it
    // (which `log verify` checks).
    let meta = store.read(|tx| -> Result<_, TxError> {
        tx.log_meta()?.ok_or(TxError::Log(LogError::NotInitialised))
    })?;
    let log_signer = read_signer(Path::new(&meta.signer_key_path)).map_err(|e| {
        CliError::bad_input(format!(
            "the log's key {} is needed to sign the checkpoint that covers the new entries: {e}",
            meta.signer_key_path
        ))
    })?;
    let range = store.write(|tx| -> Result<_, TxError> {
        let range = ledger_log::append(tx, &entries)?;
        ledger_log::checkpoint(tx, &log_signer)?;
        Ok(range)
    })?;
    if json {
        let out: Vec<Value> = files
            .iter()
            .zip(range.clone())
            .zip(&entries)
            .map(|((f, i), e)| {
                json!({
                    "file": f.display().to_string(),
                    "index": i,
                    "kind": e.kind().as_str(),
                    "leaf_hash_hex": hex(&e.leaf_hash()),
                })
            })
            .collect();
        print_json(&out)?;
    } else {
        for i in range {
            println!("{i}");
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn checkpoint(db: &str, key: Option<&Path>) -> CmdResult {
    let store = open_existing(db)?;
    let meta = store.read(|tx| -> Result<_, TxError> {
        tx.log_meta()?.ok_or(TxError::Log(LogError::NotInitialised))
    })?;
    let key_path = key.map_or_else(|| PathBuf::from(&meta.signer_key_path), Path::to_path_buf);
    let signer = read_signer(&key_path)?;
    let text = store.write(|tx| -> Result<_, TxError> { Ok(ledger_log::checkpoint(tx, &signer)?) });
    match text {
        Ok(t) => {
            print!("{t}");
            Ok(ExitCode::SUCCESS)
        }
        Err(TxError::Log(e @ LogError::OriginMismatch { .. })) => Err(CliError::bad_input(
            format!("{} is not this log's key: {e}", key_path.display()),
        )),
        Err(e) => Err(e.into()),
    }
}

/// A verifier key given inline or as a file holding one.
fn read_vkey(s: &str) -> Result<NoteVerifier, CliError> {
    let text = if Path::new(s).is_file() {
        verity_app::text::read_file(Path::new(s)).map_err(CliError::bad_input)?
    } else {
        s.to_string()
    };
    NoteVerifier::from_text(&text)
        .map_err(|e| CliError::bad_input(format!("verifier key {s}: {e}")))
}

fn read_text(path: &Path) -> Result<String, CliError> {
    verity_app::text::read_file(path).map_err(CliError::bad_input)
}

/// Parses 64 hex digits.
fn hash_hex(field: &str, s: &str) -> Result<[u8; 32], CliError> {
    if s.len() != 64 || !s.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(CliError::bad_input(format!(
            "{field}: expected 64 hex digits"
        )));
    }
    let mut out = [0u8; 32];
    for (i, o) in out.iter_mut().enumerate() {
        *o = u8::from_str_radix(&s[2 * i..2 * i + 2], 16)
            .map_err(|e| CliError::bad_input(format!("{field}: {e}")))?;
    }
    Ok(out)
}

fn cosign(
    key: &Path,
    cp_path: &Path,
    log_key: &str,
    state: Option<&Path>,
    proof: Option<&Path>,
) -> CmdResult {
    use verity_ledger::witness::{self, AddCheckpoint, WitnessError};
    let witness_key = read_signer(key)?;
    let log_vkey = read_vkey(log_key)?;
    let text = read_text(cp_path)?;
    let v = verity_ledger::checkpoint::open(&text, std::slice::from_ref(&log_vkey), None)
        .map_err(|e| CliError::bad_input(format!("{}: {e}", cp_path.display())))?;
    let cp = v.checkpoint;
    // What this witness co-signed before for this origin — the same state file a
    // `verity serve --witness-key` witness keeps: it signs only a consistent extension
    // of it (c2sp.org/tlog-witness), so a log cannot show it two histories.
    let state_path = state.map_or_else(|| key.with_extension("state.json"), Path::to_path_buf);
    let mut seen = verity_server::witness::read_state(&state_path)
        .map_err(|e| CliError::bad_input(format!("{e:#}")))?;
    let last = seen.get(&cp.origin).cloned();
    let old = last.as_ref().map_or(0, |w| w.size);
    if cp.size < old {
        return Err(CliError::bad_input(format!(
            "refused: {} is for {} entries, but this witness co-signed {old} for {} (a rollback)",
            cp_path.display(),
            cp.size,
            cp.origin
        )));
    }
    let hashes = if old > 0 && cp.size > old {
        let Some(p) = proof else {
            return Err(CliError::bad_input(format!(
                "the tree grew from {old} to {} entries since this witness last co-signed: give --proof with the consistency proof (verity log prove --consistency {old} {} --json)",
                cp.size, cp.size
            )));
        };
        let j: Value = serde_json::from_str(&read_text(p)?)
            .map_err(|e| CliError::bad_input(format!("{}: {e}", p.display())))?;
        if j["old_size"].as_u64() != Some(old) || j["new_size"].as_u64() != Some(cp.size) {
            return Err(CliError::bad_input(format!(
                "{}: the proof is not from {old} to {} entries",
                p.display(),
                cp.size
            )));
        }
        j["proof_hex"]
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|h| hash_hex("proof_hex", h.as_str().unwrap_or("")))
                    .collect::<Result<Vec<_>, _>>()
            })
            .transpose()?
            .unwrap_or_default()
    } else {
        Vec::new()
    };
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_err(|e| CliError::Failed(anyhow::anyhow!("system clock before 1970: {e}")))?
        .as_secs();
    let req = AddCheckpoint {
        old_size: old,
        proof: hashes,
        checkpoint: text,
    };
    let (new, _) = witness::add_checkpoint(
        &req,
        std::slice::from_ref(&log_vkey),
        last.as_ref(),
        &witness_key,
        now,
    )
    .map_err(|e| match e {
        WitnessError::Unprocessable(m) if cp.size == old => CliError::bad_input(format!(
            "refused: a fork — this witness co-signed another tree of {old} entries for {} (root {}): {m}",
            cp.origin,
            last.as_ref().map_or_else(String::new, |w| hex(&w.root))
        )),
        other => CliError::bad_input(format!("refused: {other}")),
    })?;
    // Record before printing: a cosignature is never handed out unrecorded.
    let printed = new.checkpoint.clone();
    seen.insert(cp.origin.clone(), new);
    verity_server::witness::write_state(&state_path, &seen).map_err(|e| {
        CliError::Failed(anyhow::anyhow!(
            "cannot record the witness state in {}: {e}",
            state_path.display()
        ))
    })?;
    print!("{printed}");
    Ok(ExitCode::SUCCESS)
}

fn prove_inclusion(db: &str, index: u64, size: Option<u64>, json: bool) -> CmdResult {
    let store = open_existing(db)?;
    let p = store.read(|tx| -> Result<_, TxError> {
        let size = match size {
            Some(s) => s,
            None => tx.tree_size()?,
        };
        Ok(ledger_log::prove_inclusion(tx, index, size)?)
    })?;
    // Check what we hand out.
    p.verify()
        .map_err(|e| CliError::Failed(anyhow::anyhow!("the store produced a bad proof: {e}")))?;
    let proof: Vec<String> = p.proof.iter().map(hex).collect();
    if json {
        print_json(&InclusionProofJson::from(&p))?;
    } else {
        println!(
            "entry {} is in the tree of size {}",
            p.leaf_index, p.tree_size
        );
        println!("leaf hash: {}", hex(&p.leaf_hash));
        println!("root hash: {}", hex(&p.root_hash));
        println!("proof ({} hashes, leaf upward):", proof.len());
        for h in proof {
            println!("  {h}");
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn prove_tlog(db: &str, index: u64, size: Option<u64>) -> CmdResult {
    let store = open_existing(db)?;
    let proof = store.read(|tx| -> Result<_, TxError> {
        match ledger_log::tlog_proof(tx, index, size) {
            Ok(p) => Ok(Ok(p)),
            Err(e @ (LogError::NoCheckpoint(_) | LogError::Proof(_))) => Ok(Err(e.to_string())),
            Err(e) => Err(e.into()),
        }
    })?;
    let proof = proof.map_err(CliError::bad_input)?;
    super::assess::emit(&proof.to_text())?;
    Ok(ExitCode::SUCCESS)
}

fn check_proof(
    file: &Path,
    key: &str,
    entry: Option<&Path>,
    witnesses: &[String],
    quorum: Option<usize>,
    json: bool,
) -> CmdResult {
    use verity_ledger::proof::TlogProof;
    let text = read_text(file)?;
    let proof = TlogProof::parse(&text)
        .map_err(|e| CliError::bad_input(format!("{}:{e}", file.display())))?;
    let log_key = read_vkey(key)?;
    let witnesses: Vec<NoteVerifier> = witnesses
        .iter()
        .map(|w| read_vkey(w))
        .collect::<Result<_, _>>()?;
    let given = entry
        .map(|p| {
            std::fs::read(p)
                .map_err(|e| CliError::bad_input(format!("cannot read {}: {e}", p.display())))
        })
        .transpose()?;
    // Everything below is a finding about the proof (exit 1), not bad input.
    let outcome = (|| -> Result<Value, String> {
        let v = proof
            .verify(given.as_deref(), std::slice::from_ref(&log_key), None)
            .map_err(|e| e.to_string())?;
        let bytes = given
            .as_deref()
            .or(proof.extra.as_deref())
            .unwrap_or_default();
        let e = verity_ledger::SignedEntry::from_leaf(bytes)
            .map_err(|e| format!("the entry is not a signed Verity entry: {e}"))?;
        let cosigned = if witnesses.is_empty() {
            Vec::new()
        } else {
            v.note
                .verify_known(&witnesses)
                .map_err(|e| format!("a witness cosignature does not verify: {e}"))?
        };
        let need = quorum.unwrap_or(witnesses.len());
        if cosigned.len() < need {
            return Err(format!(
                "{} of the {} witnesses co-signed the checkpoint; the policy needs {need}",
                cosigned.len(),
                witnesses.len()
            ));
        }
        Ok(json!({
            "ok": true,
            "index": proof.index,
            "tree_size": v.checkpoint.size,
            "origin": v.checkpoint.origin,
            "root_hash_hex": hex(&v.checkpoint.root),
            "leaf_hash_hex": hex(&e.leaf_hash()),
            "kind": e.kind().as_str(),
            "signer": e.signer().name(),
            "signed_at": e.signed_at().to_string(),
            "witnesses": cosigned,
        }))
    })();
    match outcome {
        Ok(v) => {
            if json {
                print_json(&v)?;
            } else {
                let w = v["witnesses"].as_array().map_or(0, Vec::len);
                println!(
                    "ok: entry {} ({}, signed by {} at {}) is in the tree of size {} of {}, root {}{}",
                    v["index"],
                    v["kind"].as_str().unwrap_or_default(),
                    verity_app::text::field(v["signer"].as_str().unwrap_or_default()),
                    v["signed_at"].as_str().unwrap_or_default(),
                    v["tree_size"],
                    verity_app::text::field(v["origin"].as_str().unwrap_or_default()),
                    v["root_hash_hex"].as_str().unwrap_or_default(),
                    if w > 0 {
                        format!("; co-signed by {w} witness(es)")
                    } else {
                        String::new()
                    }
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        Err(reason) => {
            if json {
                print_json(&json!({"ok": false, "reason": reason}))?;
            } else {
                println!("FAILED: {reason}");
            }
            Ok(ExitCode::from(1))
        }
    }
}

fn prove_consistency(db: &str, old: u64, new: u64, json: bool) -> CmdResult {
    let store = open_existing(db)?;
    let p = store
        .read(|tx| -> Result<_, TxError> { Ok(ledger_log::prove_consistency(tx, old, new)?) })?;
    p.verify()
        .map_err(|e| CliError::Failed(anyhow::anyhow!("the store produced a bad proof: {e}")))?;
    let proof: Vec<String> = p.proof.iter().map(hex).collect();
    if json {
        print_json(&ConsistencyProofJson::from(&p))?;
    } else {
        println!(
            "the tree of size {} extends the tree of size {}",
            p.new_size, p.old_size
        );
        println!("old root: {}", hex(&p.old_root));
        println!("new root: {}", hex(&p.new_root));
        println!("proof ({} hashes):", proof.len());
        for h in proof {
            println!("  {h}");
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn verify(db: &str, since: Option<&Path>, json: bool) -> CmdResult {
    let pinned = since
        .map(|p| verity_app::text::read_file(p).map_err(CliError::bad_input))
        .transpose()?;
    let store = open_existing(db)?;
    let bar = (std::io::stdout().is_terminal() && !json).then(|| {
        let b = indicatif::ProgressBar::new(0);
        b.set_style(
            indicatif::ProgressStyle::with_template("verifying {pos}/{len} entries {bar:40} {eta}")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        b
    });
    let report = store.read(|tx| -> Result<_, TxError> {
        Ok(ledger_log::verify_since(
            tx,
            pinned.as_deref(),
            &mut |done, total| {
                if let Some(b) = &bar {
                    b.set_length(total);
                    b.set_position(done);
                }
            },
        )?)
    })?;
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    match &report.problem {
        None => {
            if json {
                print_json(&json!({
                    "ok": true,
                    "tree_size": report.tree_size,
                    "root_hash_hex": hex(&report.root),
                    "checkpoints_checked": report.checkpoints_checked,
                }))?;
            } else {
                println!(
                    "ok: {} entries, every hash and signature recomputed; root {}; {} signed checkpoint(s) match",
                    report.tree_size,
                    hex(&report.root),
                    report.checkpoints_checked
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        Some(p) => {
            if json {
                print_json(&json!({"ok": false, "index": p.index, "reason": p.reason}))?;
            } else {
                // Every reason names the entry (or tree size) at fault.
                println!("NOT OK: {}", p.reason);
            }
            Ok(ExitCode::from(1))
        }
    }
}

fn show(db: &str, from: u64, limit: u64, kind: Option<&str>, json: bool) -> CmdResult {
    let kind: Option<verity_ledger::Kind> = kind
        .map(|k| {
            k.parse().map_err(|e: verity_ledger::entry::EntryError| {
                CliError::bad_input(format!("--kind: {e}"))
            })
        })
        .transpose()?;
    let store = open_existing(db)?;
    let rows = store.read(|tx| -> Result<_, TxError> {
        let size = tx.tree_size()?;
        let end = from.saturating_add(limit.min(100_000)).min(size);
        Ok(tx.entries(from.min(end)..end)?)
    })?;
    let mut out = Vec::new();
    for r in rows {
        let e = verity_ledger::SignedEntry::from_leaf(&r.data)
            .map_err(|e| CliError::Failed(anyhow::anyhow!("entry {}: {e}", r.index)))?;
        if kind.is_some_and(|k| k != e.kind()) {
            continue;
        }
        let c = e.content();
        let summary = match e.kind() {
            verity_ledger::Kind::ChannelHeader => format!(
                "message {} to {}: {} of {} shares via {}",
                c["header"]["message_id"].as_str().unwrap_or("?"),
                c["header"]["recipient"]
                    .as_str()
                    .and_then(|r| r.split('+').next())
                    .unwrap_or("?"),
                c["header"]["k"],
                c["header"]["n"],
                c["header"]["conduits"]
                    .as_array()
                    .map(|a| a
                        .iter()
                        .filter_map(Value::as_str)
                        .collect::<Vec<_>>()
                        .join(", "))
                    .unwrap_or_default()
            ),
            verity_ledger::Kind::ChannelReceipt => format!(
                "message {} share {} via {}: {}",
                c["message_id"].as_str().unwrap_or("?"),
                c["index"],
                c["conduit"].as_str().unwrap_or("?"),
                if c["valid"] == Value::Bool(true) {
                    "valid".to_owned()
                } else {
                    format!("rejected: {}", c["reason"].as_str().unwrap_or("?"))
                }
            ),
            _ => verity_app::text::echo(&verity_ledger::entry::canonical_json(c), 100).into_owned(),
        };
        out.push(json!({
            "index": r.index, "kind": e.kind().as_str(), "signer": e.signer().name(),
            "signed_at": e.signed_at().to_string(), "summary": summary, "content": c,
        }));
    }
    if json {
        print_json(&out)?;
    } else {
        for v in &out {
            println!(
                "{:>6}  {:<17}  {}  {}  {}",
                v["index"],
                v["kind"].as_str().unwrap_or_default(),
                verity_app::text::field(v["signer"].as_str().unwrap_or_default()),
                v["signed_at"].as_str().unwrap_or_default(),
                verity_app::text::field(v["summary"].as_str().unwrap_or_default())
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// One witness's answer to `log witness`.
struct WitnessAnswer {
    url: String,
    name: String,
    outcome: Result<String, String>,
}

/// POSTs one add-checkpoint request; the status and body.
fn post_add_checkpoint(
    agent: &ureq::Agent,
    url: &str,
    body: &str,
) -> Result<(u16, String), String> {
    let target = format!("{}/add-checkpoint", url.trim_end_matches('/'));
    let res = agent
        .post(&target)
        .header("content-type", "text/plain; charset=utf-8")
        .send(body)
        .map_err(|e| format!("{target}: {e}"))?;
    let status = res.status().as_u16();
    let text = res
        .into_body()
        .with_config()
        .limit(64 * 1024)
        .read_to_string()
        .map_err(|e| format!("{target}: reading the answer: {e}"))?;
    Ok((status, text))
}

fn submit_to_witnesses(
    db: &str,
    witnesses: &[String],
    quorum: Option<usize>,
    key: Option<&Path>,
    json: bool,
) -> CmdResult {
    use verity_ledger::witness::AddCheckpoint;
    let parsed: Vec<(String, NoteVerifier)> = witnesses
        .iter()
        .map(|w| {
            let (url, vkey) = w.split_once('=').ok_or_else(|| {
                CliError::bad_input(format!("--witness {w}: expected URL=VERIFIER_KEY"))
            })?;
            if !(url.starts_with("http://") || url.starts_with("https://")) {
                return Err(CliError::bad_input(format!(
                    "--witness {w}: the URL must start with http:// or https://"
                )));
            }
            Ok((url.to_owned(), read_vkey(vkey)?))
        })
        .collect::<Result<_, _>>()?;
    let need = quorum.unwrap_or(parsed.len());
    if need == 0 || need > parsed.len() {
        return Err(CliError::bad_input(format!(
            "--quorum {need}: expected 1 to {} (the witnesses given)",
            parsed.len()
        )));
    }
    let store = open_existing(db)?;
    let meta = store.read(|tx| -> Result<_, TxError> {
        tx.log_meta()?.ok_or(TxError::Log(LogError::NotInitialised))
    })?;
    let key_path = key.map_or_else(|| PathBuf::from(&meta.signer_key_path), Path::to_path_buf);
    let signer = read_signer(&key_path)?;
    // The checkpoint of the current tree (the stored one if the tree has not grown).
    let text =
        store.write(|tx| -> Result<_, TxError> { Ok(ledger_log::checkpoint(tx, &signer)?) })?;
    let note = verity_ledger::Note::parse(&text).map_err(|e| CliError::Failed(e.into()))?;
    let size = verity_ledger::Checkpoint::parse_body(note.text())
        .map_err(|e| CliError::Failed(e.into()))?
        .size;
    let agent = super::http_agent();
    let mut answers = Vec::new();
    for (url, vkey) in &parsed {
        let ask = |old: u64| -> Result<(u16, String), String> {
            let proof = if old == 0 || old == size {
                Vec::new()
            } else {
                store
                    .read(|tx| -> Result<_, TxError> {
                        Ok(ledger_log::prove_consistency(tx, old, size)?)
                    })
                    .map_err(|e| format!("a consistency proof from {old}: {}", CliError::from(e)))?
                    .proof
            };
            let body = AddCheckpoint {
                old_size: old,
                proof,
                checkpoint: text.clone(),
            }
            .to_text();
            post_add_checkpoint(&agent, url, &body)
        };
        // Ask from 0; a witness that co-signed before answers 409 with its size, and the
        // second request carries the consistency proof from there (c2sp.org/tlog-witness).
        let mut answer = ask(0);
        if let Ok((409, body)) = &answer {
            answer = match body.trim().parse::<u64>() {
                Ok(old) if old <= size => ask(old),
                Ok(old) => Err(format!(
                    "the witness co-signed {old} entries, more than the log's {size}: it has seen a longer history"
                )),
                Err(_) => Err(format!("409 without a size: {}", body.trim())),
            };
        }
        let outcome = match answer {
            Ok((200, lines)) => {
                // Its lines must be a valid cosignature of this checkpoint by this witness.
                let with = format!("{text}{lines}");
                match verity_ledger::Note::parse(&with)
                    .map_err(|e| e.to_string())
                    .and_then(|n| {
                        n.verify_known(std::slice::from_ref(vkey))
                            .map_err(|e| e.to_string())
                    }) {
                    Ok(names) if names.iter().any(|n| n == vkey.name()) => Ok(lines),
                    Ok(_) => Err("the answer holds no cosignature by this witness's key".into()),
                    Err(e) => Err(format!("the cosignature does not verify: {e}")),
                }
            }
            Ok((status, body)) => Err(format!(
                "HTTP {status}: {}",
                verity_app::text::echo(body.trim(), 300)
            )),
            Err(e) => Err(e),
        };
        answers.push(WitnessAnswer {
            url: url.clone(),
            name: vkey.name().to_owned(),
            outcome,
        });
    }
    let cosigned: Vec<&WitnessAnswer> = answers.iter().filter(|a| a.outcome.is_ok()).collect();
    let met = cosigned.len() >= need;
    let mut gathered = text.clone();
    for a in &cosigned {
        if let Ok(lines) = &a.outcome {
            gathered.push_str(lines);
        }
    }
    if met {
        store.write(|tx| -> Result<_, TxError> {
            tx.put_checkpoint(size, &gathered)?;
            Ok(())
        })?;
    }
    if json {
        print_json(&json!({
            "tree_size": size,
            "quorum": need,
            "cosigned": cosigned.len(),
            "kept": met,
            "witnesses": answers.iter().map(|a| json!({
                "url": a.url, "name": a.name, "ok": a.outcome.is_ok(),
                "error": a.outcome.as_ref().err(),
            })).collect::<Vec<_>>(),
            "checkpoint": if met { Some(&gathered) } else { None },
        }))?;
    } else {
        for a in &answers {
            match &a.outcome {
                Ok(_) => println!(
                    "{}: co-signed ({})",
                    verity_app::text::field(&a.name),
                    a.url
                ),
                Err(e) => println!(
                    "{}: refused or unreachable ({}): {}",
                    verity_app::text::field(&a.name),
                    a.url,
                    verity_app::text::field(e)
                ),
            }
        }
        if met {
            println!(
                "{} of {} witnesses co-signed the tree of size {size} (quorum {need}); kept:",
                cosigned.len(),
                answers.len()
            );
            print!("{gathered}");
        } else {
            println!(
                "{} of {} witnesses co-signed the tree of size {size}: below the quorum of {need}; nothing kept",
                cosigned.len(),
                answers.len()
            );
        }
    }
    Ok(if met {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn publish(db: &str, out: &Path, json: bool) -> CmdResult {
    let store = open_existing(db)?;
    let bar = (std::io::stdout().is_terminal() && !json).then(|| {
        let b = indicatif::ProgressBar::new(0);
        b.set_style(
            indicatif::ProgressStyle::with_template("publishing {pos}/{len} tiles {bar:40} {eta}")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        b
    });
    let done = verity_app::publish::publish(&store, out, &mut |i, n| {
        if let Some(b) = &bar {
            b.set_length(n as u64);
            b.set_position(i as u64);
        }
    })?;
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    if json {
        print_json(&done)?;
    } else {
        println!(
            "published the tree of size {} to {}: {} tiles written ({} bytes), {} already there",
            done.tree_size, done.out, done.tiles_written, done.bytes_written, done.tiles_kept
        );
        if done.unpublished_entries > 0 {
            println!(
                "{} newer entries are not covered by a signed checkpoint yet: run `verity log checkpoint`, then publish again",
                done.unpublished_entries
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Compares two copies of a log: exit 0 when one extends the other, 1 naming the first
/// entry at which they diverge.
fn compare(db: &str, other: &str, json: bool) -> CmdResult {
    let (a, b) = (open_existing(db)?, open_existing(other)?);
    let origins =
        |s: &Store| s.read(|tx| -> Result<_, TxError> { Ok(tx.log_meta()?.map(|m| m.origin)) });
    let (oa, ob) = (origins(&a)?, origins(&b)?);
    // Names as shown: a PostgreSQL URL's password never is.
    let (db, other) = (
        &verity_store::redact_url(db),
        &verity_store::redact_url(other),
    );
    let (Some(oa), Some(ob)) = (oa, ob) else {
        return Err(CliError::bad_input(format!(
            "{}: no log here (create one with `verity log init`)",
            if origins(&a)?.is_none() { db } else { other }
        )));
    };
    if oa != ob {
        return Err(CliError::bad_input(format!(
            "the two stores hold different logs: `{oa}` and `{ob}`"
        )));
    }
    let outcome =
        a.read(|ta| b.read(|tb| -> Result<_, TxError> { Ok(ledger_log::compare(ta, tb)?) }));
    let outcome = outcome?;
    match outcome {
        ledger_log::Comparison::Agree {
            common,
            a_size,
            b_size,
        } => {
            if json {
                print_json(&json!({
                    "consistent": true, "common": common, "size": a_size, "other_size": b_size,
                }))?;
            } else {
                let tail = match a_size.cmp(&b_size) {
                    std::cmp::Ordering::Equal => "the same history".to_owned(),
                    std::cmp::Ordering::Less => {
                        format!("{other} extends it by {}", entries(b_size - a_size))
                    }
                    std::cmp::Ordering::Greater => {
                        format!("it extends {other} by {}", entries(a_size - b_size))
                    }
                };
                println!("consistent: the first {common} entries agree; {tail}");
            }
            Ok(ExitCode::SUCCESS)
        }
        ledger_log::Comparison::Diverge {
            index,
            a_leaf,
            b_leaf,
            a_size,
            b_size,
        } => {
            if json {
                print_json(&json!({
                    "consistent": false, "index": index, "common": index,
                    "leaf_hash": hex(&a_leaf), "other_leaf_hash": hex(&b_leaf),
                    "size": a_size, "other_size": b_size,
                }))?;
            } else {
                println!(
                    "DIVERGED at entry {index}: the first {index} entries agree; entry {index} has leaf hash {} here and {} in {other}",
                    hex(&a_leaf),
                    hex(&b_leaf)
                );
            }
            Ok(ExitCode::from(1))
        }
    }
}

fn entries(n: u64) -> String {
    format!("{n} entr{}", if n == 1 { "y" } else { "ies" })
}

fn audit(
    db: &str,
    old: &Path,
    new: &Path,
    witnesses: &[String],
    quorum: Option<usize>,
    json: bool,
) -> CmdResult {
    let (old_text, new_text) = (read_text(old)?, read_text(new)?);
    // Malformed files are bad input; a well-formed checkpoint that does not verify
    // is an audit finding (exit 1).
    for (p, t) in [(old, &old_text), (new, &new_text)] {
        let n = verity_ledger::Note::parse(t)
            .map_err(|e| CliError::bad_input(format!("{}: {e}", p.display())))?;
        verity_ledger::Checkpoint::parse_body(n.text())
            .map_err(|e| CliError::bad_input(format!("{}: {e}", p.display())))?;
    }
    let witnesses: Vec<NoteVerifier> = witnesses
        .iter()
        .map(|w| read_vkey(w))
        .collect::<Result<_, _>>()?;
    let store = open_existing(db)?;
    let out = store.read(|tx| -> Result<_, TxError> {
        match ledger_log::audit_with_quorum(
            tx,
            &old_text,
            &new_text,
            &witnesses,
            // Without a policy, one of the witnesses named (as before --quorum).
            quorum.unwrap_or(1),
        ) {
            Ok(o) => Ok(Ok(o)),
            Err(LogError::Checkpoint(e)) => Ok(Err(format!(
                "a checkpoint does not verify against the log's key: {e}"
            ))),
            Err(e @ (LogError::MissingWitness(_) | LogError::BelowQuorum { .. })) => {
                Ok(Err(e.to_string()))
            }
            Err(LogError::Note(e)) => Ok(Err(format!("a witness signature does not verify: {e}"))),
            Err(e) => Err(e.into()),
        }
    })?;
    // A checkpoint whose signatures do not check out cannot be audited at all.
    let out = match out {
        Ok(o) => o,
        Err(reason) => {
            if json {
                print_json(&json!({"consistent": false, "index": null, "reason": reason}))?;
            } else {
                println!("REJECTED: {reason}");
            }
            return Ok(ExitCode::from(1));
        }
    };
    match out {
        AuditOutcome::Consistent {
            old_size,
            new_size,
            proof_len,
        } => {
            if json {
                print_json(
                    &json!({"consistent": true, "old_size": old_size, "new_size": new_size, "proof_hashes": proof_len}),
                )?;
            } else {
                println!(
                    "consistent: the tree of size {new_size} extends the tree of size {old_size} ({proof_len}-hash consistency proof checked)"
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        AuditOutcome::Fork {
            size,
            reason,
            proof,
        } => {
            let evidence = proof.as_ref().map(ConsistencyProofJson::from);
            if json {
                print_json(&json!({
                    "consistent": false,
                    "index": size,
                    "reason": reason,
                    "fork_proof": evidence,
                }))?;
            } else {
                println!("INCONSISTENT at tree size {size}: {reason}");
                if let Some(e) = evidence {
                    println!(
                        "evidence: the new checkpoint's tree has root {} at size {} (consistency proof to size {}: {})",
                        e.old_root_hex,
                        e.old_size,
                        e.new_size,
                        e.proof_hex.join(" ")
                    );
                }
            }
            Ok(ExitCode::from(1))
        }
    }
}
