//! `verity channel`: messages sealed across several conduits (crate `verity-channel`).

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use verity_channel::{PrivateKey, PublicKey, Spread};

use super::key::{create_private_dir, file_stem, write_new};
use super::{CliError, CmdResult};

#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Generate a party's channel keys: NAME.key (Ed25519 to sign, X25519 to receive;
    /// mode 0600) and NAME.pub.
    Keygen {
        #[arg(long)]
        name: String,
        #[arg(long, value_name = "DIR", default_value = ".")]
        out: PathBuf,
        #[arg(long)]
        json: bool,
    },
    /// Seal FILE for the recipient across N conduits, any K of which open it: writes
    /// DIR/share-1 … DIR/share-N (one per conduit) and prints the message id.
    Seal {
        /// The sender's private key (`verity channel keygen`).
        #[arg(long, value_name = "SENDER.key")]
        key: PathBuf,
        /// The recipient's public key.
        #[arg(long, value_name = "RECIPIENT.pub")]
        to: PathBuf,
        /// How many conduits (one share each).
        #[arg(long, value_name = "N")]
        conduits: usize,
        /// How many shares open the message.
        #[arg(long, value_name = "K")]
        threshold: usize,
        /// The conduits' names, comma-separated (default: conduit-1 … conduit-N).
        #[arg(long, value_name = "A,B,…")]
        conduit_names: Option<String>,
        /// Conduits that might collude, counted as one trust domain: `A+B` (repeatable);
        /// sealing refuses a threshold one domain could reach alone.
        #[arg(long, value_name = "A+B")]
        domain: Vec<String>,
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
        /// Log the header (no content: id, sender, recipient, n, k, conduits, Merkle
        /// root) in this store's transparency log, signed with the sender's key.
        #[arg(long, value_name = "LOCATION")]
        db: Option<String>,
        #[arg(long)]
        json: bool,
        /// The message.
        file: PathBuf,
    },
    /// Deposit each share at its conduit's relay (`verity serve --relay`), in the
    /// recipient's mailbox.
    Send {
        /// A conduit's relay: `CONDUIT=URL` (repeatable; every share's conduit needs one).
        #[arg(long, value_name = "CONDUIT=URL", required = true)]
        relay: Vec<String>,
        /// The relay's bearer token: `TOKEN` for all, or `CONDUIT=TOKEN` (repeatable).
        #[arg(long, value_name = "TOKEN")]
        token: Vec<String>,
        #[arg(long)]
        json: bool,
        #[arg(required = true, value_name = "SHARE")]
        shares: Vec<PathBuf>,
    },
    /// Collect the shares waiting in a mailbox at each relay into DIR
    /// (`CONDUIT-ID.share`); a relay that cannot be reached is named.
    Fetch {
        #[arg(long, value_name = "CONDUIT=URL", required = true)]
        relay: Vec<String>,
        #[arg(long, value_name = "TOKEN")]
        token: Vec<String>,
        /// The mailbox: the recipient's key name.
        #[arg(long, value_name = "NAME")]
        mailbox: String,
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
        #[arg(long)]
        json: bool,
    },
    /// Sign a receipt for every share received — its conduit, where it came from, when,
    /// valid or why not — print them (JSON lines) and, with --db, log them.
    Receipt {
        #[arg(long, value_name = "RECIPIENT.key")]
        key: PathBuf,
        #[arg(long, value_name = "SENDER.pub")]
        sender: PathBuf,
        #[arg(long, value_name = "LOCATION")]
        db: Option<String>,
        #[arg(required = true, value_name = "SHARE")]
        shares: Vec<PathBuf>,
    },
    /// Open a message from its shares: the message on stdout when at least K are valid;
    /// every rejected share named on stderr with its conduit and the reason.
    Open {
        /// The recipient's private key.
        #[arg(long, value_name = "RECIPIENT.key")]
        key: PathBuf,
        /// The sender's public key.
        #[arg(long, value_name = "SENDER.pub")]
        sender: PathBuf,
        #[arg(required = true, value_name = "SHARE")]
        shares: Vec<PathBuf>,
    },
}

pub fn run(command: Command) -> CmdResult {
    match command {
        Command::Keygen { name, out, json } => keygen(&name, &out, json),
        Command::Seal {
            key,
            to,
            conduits,
            threshold,
            conduit_names,
            domain,
            out,
            db,
            json,
            file,
        } => {
            let spread = spread_of(conduits, threshold, conduit_names.as_deref(), &domain)?;
            seal(&key, &to, &spread, &out, db.as_deref(), json, &file)
        }
        Command::Send {
            relay,
            token,
            json,
            shares,
        } => send(&relay, &token, &shares, json),
        Command::Fetch {
            relay,
            token,
            mailbox,
            out,
            json,
        } => fetch(&relay, &token, &mailbox, &out, json),
        Command::Receipt {
            key,
            sender,
            db,
            shares,
        } => receipt(&key, &sender, db.as_deref(), &shares),
        Command::Open {
            key,
            sender,
            shares,
        } => open(&key, &sender, &shares),
    }
}

fn keygen(name: &str, out: &Path, json: bool) -> CmdResult {
    let key =
        PrivateKey::generate(name).map_err(|e| CliError::bad_input(format!("--name: {e}")))?;
    create_private_dir(out)?;
    let stem = file_stem(name);
    let (kp, pp) = (
        out.join(format!("{stem}.key")),
        out.join(format!("{stem}.pub")),
    );
    write_new(&kp, &format!("{}\n", key.to_text().as_str()), true)?;
    write_new(&pp, &format!("{}\n", key.public().to_text()), false)?;
    if json {
        super::print_json(&serde_json::json!({
            "private_key": kp.display().to_string(),
            "public_key": pp.display().to_string(),
            "public_key_text": key.public().to_text(),
        }))?;
        return Ok(ExitCode::SUCCESS);
    }
    println!("private key: {} (mode 0600; keep it secret)", kp.display());
    println!("public key:  {}", pp.display());
    Ok(ExitCode::SUCCESS)
}

/// Share files as `open` takes them: each named by its path, read and parsed (or why
/// not).
fn read_shares(paths: &[PathBuf]) -> Vec<(String, Result<verity_channel::Share, String>)> {
    paths
        .iter()
        .map(|p| {
            let parsed =
                verity_app::text::read_file(p).and_then(|t| verity_channel::parse_share(&t));
            (p.display().to_string(), parsed)
        })
        .collect()
}

fn read_private(path: &Path) -> Result<PrivateKey, CliError> {
    let text =
        zeroize::Zeroizing::new(verity_app::text::read_file(path).map_err(CliError::bad_input)?);
    PrivateKey::from_text(&text)
        .map_err(|e| CliError::bad_input(format!("{}: {e}", path.display())))
}

fn read_public(path: &Path) -> Result<PublicKey, CliError> {
    let text = verity_app::text::read_file(path).map_err(CliError::bad_input)?;
    PublicKey::from_text(&text).map_err(|e| CliError::bad_input(format!("{}: {e}", path.display())))
}

fn spread_of(
    n: usize,
    k: usize,
    names: Option<&str>,
    domains: &[String],
) -> Result<Spread, CliError> {
    let conduits: Vec<String> = match names {
        Some(list) => list.split(',').map(|s| s.trim().to_owned()).collect(),
        None => (1..=n).map(|i| format!("conduit-{i}")).collect(),
    };
    if conduits.len() != n {
        return Err(CliError::bad_input(format!(
            "--conduit-names names {} conduits, --conduits says {n}",
            conduits.len()
        )));
    }
    Ok(Spread {
        conduits,
        k,
        domains: domains
            .iter()
            .map(|d| d.split('+').map(|s| s.trim().to_owned()).collect())
            .collect(),
    })
}

fn seal(
    key: &Path,
    to: &Path,
    spread: &Spread,
    out: &Path,
    db: Option<&str>,
    json: bool,
    file: &Path,
) -> CmdResult {
    let sender = read_private(key)?;
    let recipient = read_public(to)?;
    let store = db.map(super::open_existing).transpose()?;
    let message = std::fs::read(file)
        .map_err(|e| CliError::bad_input(format!("cannot read {}: {e}", file.display())))?;
    let sealed = verity_channel::seal(&sender, &recipient, spread, &message)
        .map_err(|e| CliError::bad_input(e.to_string()))?;
    std::fs::create_dir_all(out)
        .map_err(|e| CliError::Failed(anyhow::anyhow!("cannot create {}: {e}", out.display())))?;
    // All or nothing: the shares are written to temporary names, then renamed.
    let mut written = Vec::new();
    for s in &sealed.shares {
        let tmp = out.join(format!(".share-{}.part", s.index));
        std::fs::write(&tmp, verity_channel::share_text(s)).map_err(|e| {
            CliError::Failed(anyhow::anyhow!("cannot write {}: {e}", tmp.display()))
        })?;
        written.push((tmp, out.join(format!("share-{}", s.index))));
    }
    for (tmp, dest) in written {
        std::fs::rename(&tmp, &dest).map_err(|e| {
            CliError::Failed(anyhow::anyhow!("cannot write {}: {e}", dest.display()))
        })?;
    }
    let mut logged = None;
    if let Some(store) = &store {
        let header = serde_json::json!({
            "header": sealed.header,
            "header_signature": sealed.shares.first().map(|s| s.header_signature.clone()),
        });
        let index = log_entry(store, &sender, verity_ledger::Kind::ChannelHeader, header)?;
        eprintln!("verity: header logged as entry {index}");
        logged = Some(index);
    }
    if json {
        super::print_json(&serde_json::json!({
            "message_id": sealed.message_id,
            "n": sealed.header.n,
            "k": sealed.header.k,
            "shares": sealed.shares.iter().map(|s| serde_json::json!({
                "index": s.index,
                "conduit": s.conduit,
                "file": out.join(format!("share-{}", s.index)).display().to_string(),
            })).collect::<Vec<_>>(),
            "log_index": logged,
        }))?;
        return Ok(ExitCode::SUCCESS);
    }
    println!("{}", sealed.message_id);
    Ok(ExitCode::SUCCESS)
}

/// Appends one entry signed with a channel key, and a checkpoint, to a store's log.
fn log_entry(
    store: &verity_store::Store,
    who: &PrivateKey,
    kind: verity_ledger::Kind,
    content: serde_json::Value,
) -> Result<u64, CliError> {
    let signer = who
        .note_signer()
        .map_err(|e| CliError::bad_input(e.to_string()))?;
    let entry = verity_ledger::SignedEntry::sign(&signer, kind, content);
    let meta = store
        .read(|tx| -> Result<_, verity_store::StoreError> {
            verity_ledger::LogStorage::log_meta(tx)
                .map_err(|e| verity_store::StoreError::Invalid(e.to_string()))
        })
        .map_err(|e| CliError::Failed(e.into()))?
        .ok_or_else(|| CliError::bad_input("that store has no log (verity log init)"))?;
    let log_key = super::key::read_signer(Path::new(&meta.signer_key_path))?;
    store
        .write(|tx| -> Result<u64, verity_store::StoreError> {
            let inv = |e: verity_ledger::LogError| verity_store::StoreError::Invalid(e.to_string());
            let r = verity_ledger::log::append(tx, std::slice::from_ref(&entry)).map_err(inv)?;
            verity_ledger::log::checkpoint(tx, &log_key).map_err(inv)?;
            Ok(r.start)
        })
        .map_err(|e| CliError::Failed(e.into()))
}

/// `CONDUIT=VALUE` pairs; a bare value applies to every conduit (key "").
fn pairs(list: &[String], what: &str, bare_ok: bool) -> Result<Vec<(String, String)>, CliError> {
    list.iter()
        .map(|p| match p.split_once('=') {
            Some((c, v)) if !c.is_empty() && !c.contains('/') => Ok((c.to_owned(), v.to_owned())),
            _ if bare_ok => Ok((String::new(), p.clone())),
            _ => Err(CliError::bad_input(format!(
                "--{what} {p}: expected CONDUIT=VALUE"
            ))),
        })
        .collect()
}

fn lookup<'a>(pairs: &'a [(String, String)], conduit: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(c, _)| c == conduit)
        .or_else(|| pairs.iter().find(|(c, _)| c.is_empty()))
        .map(|(_, v)| v.as_str())
}

fn mailbox_url(base: &str, mailbox: &str) -> String {
    let enc: String = form_urlencoded::byte_serialize(mailbox.as_bytes()).collect();
    format!("{}/relay/v1/{enc}", base.trim_end_matches('/'))
}

fn send(relays: &[String], tokens: &[String], shares: &[PathBuf], json: bool) -> CmdResult {
    let relays = pairs(relays, "relay", false)?;
    let tokens = pairs(tokens, "token", true)?;
    let agent = super::http_agent();
    let mut failed = 0;
    let mut results = Vec::new();
    for p in shares {
        let text = verity_app::text::read_file(p).map_err(CliError::bad_input)?;
        let share = verity_channel::parse_share(&text)
            .map_err(|e| CliError::bad_input(format!("{}: {e}", p.display())))?;
        let mailbox = share
            .header
            .recipient
            .split_once('+')
            .map_or(share.header.recipient.as_str(), |(n, _)| n)
            .to_owned();
        let Some(base) = lookup(&relays, &share.conduit) else {
            return Err(CliError::bad_input(format!(
                "{}: no --relay for its conduit {:?}",
                p.display(),
                share.conduit
            )));
        };
        let mut req = agent.post(mailbox_url(base, &mailbox));
        if let Some(t) = lookup(&tokens, &share.conduit) {
            req = req.header("authorization", format!("Bearer {t}"));
        }
        let outcome = match req.header("content-type", "application/json").send(&text) {
            Ok(r) if r.status().as_u16() == 201 => Ok(()),
            Ok(r) => Err(format!("refused, HTTP {}", r.status().as_u16())),
            Err(e) => Err(format!("unreachable: {e}")),
        };
        if outcome.is_err() {
            failed += 1;
        }
        results.push(serde_json::json!({
            "index": share.index, "conduit": share.conduit, "relay": base,
            "deposited": outcome.is_ok(), "error": outcome.as_ref().err(),
        }));
        if !json {
            match &outcome {
                Ok(()) => println!(
                    "share {} → {} ({base}): deposited",
                    share.index, share.conduit
                ),
                Err(e) => println!("share {} → {} ({base}): {e}", share.index, share.conduit),
            }
        }
    }
    if json {
        super::print_json(&results)?;
    }
    Ok(if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn fetch(relays: &[String], tokens: &[String], mailbox: &str, out: &Path, json: bool) -> CmdResult {
    let relays = pairs(relays, "relay", false)?;
    let tokens = pairs(tokens, "token", true)?;
    std::fs::create_dir_all(out)
        .map_err(|e| CliError::Failed(anyhow::anyhow!("cannot create {}: {e}", out.display())))?;
    let agent = super::http_agent();
    let mut got = 0;
    let mut results = Vec::new();
    for (conduit, base) in &relays {
        let mut req = agent.get(mailbox_url(base, mailbox));
        if let Some(t) = lookup(&tokens, conduit) {
            req = req.header("authorization", format!("Bearer {t}"));
        }
        let body = match req.call() {
            Ok(r) if r.status().as_u16() == 200 => r
                .into_body()
                .with_config()
                .limit(256 * 1024 * 1024)
                .read_to_string()
                .map_err(|e| e.to_string()),
            Ok(r) => Err(format!("HTTP {}", r.status().as_u16())),
            Err(e) => Err(e.to_string()),
        };
        let items = body.and_then(|b| {
            serde_json::from_str::<serde_json::Value>(&b)
                .map_err(|e| format!("not a mailbox listing: {e}"))
        });
        match items {
            Ok(v) => {
                let shares = v["shares"].as_array().cloned().unwrap_or_default();
                for s in &shares {
                    let id = s["id"].as_i64().unwrap_or(0);
                    let text = s["share"].as_str().unwrap_or_default();
                    let name = format!("{}-{id}.share", super::key::file_stem(conduit));
                    std::fs::write(out.join(&name), text).map_err(|e| {
                        CliError::Failed(anyhow::anyhow!("cannot write {name}: {e}"))
                    })?;
                }
                got += shares.len();
                results.push(serde_json::json!({"conduit": conduit, "relay": base, "shares": shares.len(), "error": null}));
                if !json {
                    println!("{conduit} ({base}): {} share(s)", shares.len());
                }
            }
            Err(e) => {
                results.push(
                    serde_json::json!({"conduit": conduit, "relay": base, "shares": 0, "error": e}),
                );
                if !json {
                    println!("{conduit} ({base}): unreachable or refused: {e}");
                }
            }
        }
    }
    if json {
        super::print_json(
            &serde_json::json!({"out": out.display().to_string(), "shares": got, "relays": results}),
        )?;
        return Ok(ExitCode::SUCCESS);
    }
    println!("{got} share(s) written to {}", out.display());
    Ok(ExitCode::SUCCESS)
}

fn receipt(key: &Path, sender: &Path, db: Option<&str>, shares: &[PathBuf]) -> CmdResult {
    let recipient = read_private(key)?;
    let sender = read_public(sender)?;
    let store = db.map(super::open_existing).transpose()?;
    let inputs = read_shares(shares);
    let out = verity_channel::open(&recipient, &sender, &inputs);
    let now = jiff::Timestamp::now()
        .strftime("%Y-%m-%dT%H:%M:%SZ")
        .to_string();
    let message_id = out.header.as_ref().map(|h| h.message_id.clone());
    let mut receipts = Vec::new();
    for (index, conduit, source) in &out.accepted {
        receipts.push(serde_json::json!({
            "message_id": message_id, "index": index, "conduit": conduit, "source": source,
            "received_at": now, "valid": true, "reason": null,
        }));
    }
    for r in &out.rejected {
        receipts.push(serde_json::json!({
            "message_id": message_id, "index": r.index, "conduit": r.conduit, "source": r.source,
            "received_at": now, "valid": false, "reason": r.reason,
        }));
    }
    let opened = out.message.is_ok();
    for mut r in receipts {
        r["opened"] = serde_json::Value::Bool(opened);
        if let Some(store) = &store {
            let i = log_entry(
                store,
                &recipient,
                verity_ledger::Kind::ChannelReceipt,
                r.clone(),
            )?;
            r["log_index"] = serde_json::Value::from(i);
        }
        println!("{}", serde_json::to_string(&r).unwrap_or_default());
    }
    Ok(ExitCode::SUCCESS)
}

fn open(key: &Path, sender: &Path, shares: &[PathBuf]) -> CmdResult {
    let recipient = read_private(key)?;
    let sender = read_public(sender)?;
    let inputs = read_shares(shares);
    let out = verity_channel::open(&recipient, &sender, &inputs);
    for r in &out.rejected {
        eprintln!(
            "verity: rejected {} (conduit {}): {}",
            r.source,
            verity_app::text::field(r.conduit.as_deref().unwrap_or("unknown")),
            r.reason
        );
    }
    match out.message {
        Ok(m) => {
            use std::io::Write;
            let mut o = std::io::stdout().lock();
            o.write_all(&m)
                .and_then(|()| o.flush())
                .map_err(|e| CliError::Failed(anyhow::anyhow!("writing the message: {e}")))?;
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => {
            eprintln!("verity: error: {e}");
            Ok(ExitCode::from(1))
        }
    }
}
