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
        /// The message.
        file: PathBuf,
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
        Command::Keygen { name, out } => keygen(&name, &out),
        Command::Seal {
            key,
            to,
            conduits,
            threshold,
            conduit_names,
            domain,
            out,
            file,
        } => seal(
            &key,
            &to,
            conduits,
            threshold,
            conduit_names.as_deref(),
            &domain,
            &out,
            &file,
        ),
        Command::Open {
            key,
            sender,
            shares,
        } => open(&key, &sender, &shares),
    }
}

fn keygen(name: &str, out: &Path) -> CmdResult {
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
    println!("private key: {} (mode 0600; keep it secret)", kp.display());
    println!("public key:  {}", pp.display());
    Ok(ExitCode::SUCCESS)
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

#[allow(clippy::too_many_arguments)]
fn seal(
    key: &Path,
    to: &Path,
    n: usize,
    k: usize,
    names: Option<&str>,
    domains: &[String],
    out: &Path,
    file: &Path,
) -> CmdResult {
    let sender = read_private(key)?;
    let recipient = read_public(to)?;
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
    let spread = Spread {
        conduits,
        k,
        domains: domains
            .iter()
            .map(|d| d.split('+').map(|s| s.trim().to_owned()).collect())
            .collect(),
    };
    let message = std::fs::read(file)
        .map_err(|e| CliError::bad_input(format!("cannot read {}: {e}", file.display())))?;
    let sealed = verity_channel::seal(&sender, &recipient, &spread, &message)
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
    println!("{}", sealed.message_id);
    Ok(ExitCode::SUCCESS)
}

fn open(key: &Path, sender: &Path, shares: &[PathBuf]) -> CmdResult {
    let recipient = read_private(key)?;
    let sender = read_public(sender)?;
    let inputs: Vec<(String, Result<verity_channel::Share, String>)> = shares
        .iter()
        .map(|p| {
            let parsed =
                verity_app::text::read_file(p).and_then(|t| verity_channel::parse_share(&t));
            (p.display().to_string(), parsed)
        })
        .collect();
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
