//! `verity key …`: Ed25519 signing keys in the C2SP signed-note text forms.
//!
//! `generate` writes `NAME.key` (the signer key, `PRIVATE+KEY+name+id+base64`, file
//! mode 0600) and `NAME.pub` (the verifier key, `name+id+base64`), where NAME is the
//! key name with any character other than letters, digits, `.`, `-` and `_`
//! replaced by `_` (key names are often URL-like, `example.org/log`).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use verity_ledger::NoteSigner;
use verity_ledger::note::valid_key_name;

use super::{CliError, CmdResult, print_json};

#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Generate a named Ed25519 key pair: NAME.key (private, mode 0600) and NAME.pub.
    Generate {
        /// The key's name: who signs (e.g. `iaea.example/inspector-7`). No spaces or '+'.
        #[arg(long)]
        name: String,
        /// Directory to write the two files into (created if missing).
        #[arg(long, value_name = "DIR", default_value = ".")]
        out: PathBuf,
        /// Print one JSON document instead of text.
        #[arg(long)]
        json: bool,
    },
}

pub fn run(command: Command) -> CmdResult {
    match command {
        Command::Generate { name, out, json } => generate(&name, &out, json),
    }
}

/// The file stem used for a key name.
pub fn file_stem(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// Creates the key directory (and its missing parents) as 0700, whatever the umask;
/// an existing directory is left as its owner set it.
pub(crate) fn create_private_dir(out: &Path) -> Result<(), CliError> {
    let fail = |e: std::io::Error| {
        CliError::Failed(anyhow::anyhow!("cannot create {}: {e}", out.display()))
    };
    if out.is_dir() {
        return Ok(());
    }
    let mut b = std::fs::DirBuilder::new();
    b.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        b.mode(0o700);
    }
    b.create(out).map_err(fail)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(out, std::fs::Permissions::from_mode(0o700)).map_err(fail)?;
    }
    Ok(())
}

fn generate(name: &str, out: &Path, json: bool) -> CmdResult {
    if !valid_key_name(name) {
        return Err(CliError::bad_input(format!(
            "--name {name:?}: a key name must be non-empty and contain no spaces or '+'"
        )));
    }
    let signer = NoteSigner::generate(name).map_err(CliError::bad_input)?;
    create_private_dir(out)?;
    let stem = file_stem(name);
    let key_path = out.join(format!("{stem}.key"));
    let pub_path = out.join(format!("{stem}.pub"));
    for p in [&key_path, &pub_path] {
        if p.exists() {
            return Err(CliError::bad_input(format!(
                "{} already exists; not overwriting a key",
                p.display()
            )));
        }
    }
    write_new(&key_path, &format!("{}\n", signer.to_text()), true)?;
    let vkey = signer.verifier().to_text();
    write_new(&pub_path, &format!("{vkey}\n"), false)?;
    if json {
        print_json(&serde_json::json!({
            "name": name,
            "key_id_hex": format!("{:08x}", signer.key_id()),
            "verifier_key": vkey,
            "private_key_file": key_path.display().to_string(),
            "public_key_file": pub_path.display().to_string(),
        }))?;
    } else {
        println!(
            "private key: {} (mode 0600; keep it secret)",
            key_path.display()
        );
        println!("public key:  {}", pub_path.display());
        println!("verifier key: {vkey}");
    }
    Ok(ExitCode::SUCCESS)
}

/// Creates a file that must not exist yet; private files get mode 0600 from the
/// start (never briefly readable by others).
pub(crate) fn write_new(path: &Path, text: &str, private: bool) -> Result<(), CliError> {
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(if private { 0o600 } else { 0o644 });
    }
    #[cfg(not(unix))]
    let _ = private;
    let mut f = opts
        .open(path)
        .map_err(|e| CliError::Failed(anyhow::anyhow!("cannot create {}: {e}", path.display())))?;
    f.write_all(text.as_bytes())
        .and_then(|()| f.sync_all())
        .map_err(|e| CliError::Failed(anyhow::anyhow!("cannot write {}: {e}", path.display())))
}

/// Reads a signer key file written by `generate`.
pub fn read_signer(path: &Path) -> Result<NoteSigner, CliError> {
    let text = verity_app::text::read_file(path)
        .map_err(|e| CliError::bad_input(format!("key file: {e}")))?;
    NoteSigner::from_text(&text)
        .map_err(|e| CliError::bad_input(format!("key file {}: {e}", path.display())))
}
