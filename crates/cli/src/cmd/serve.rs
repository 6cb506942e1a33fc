//! `verity serve`: the HTTP API and web dashboard (crate `verity-server`).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use super::{CliError, CmdResult};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The store: a file path, sqlite://PATH or postgres://… (created, with the
    /// JCPOA's record loaded, if new) [default: verity.db].
    #[arg(long, value_name = "LOCATION", conflicts_with = "database")]
    pub db: Option<String>,
    /// A PostgreSQL database instead: postgres://user@host/dbname.
    #[arg(long, value_name = "URL")]
    pub database: Option<String>,
    /// Address to listen on.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8080")]
    pub bind: SocketAddr,
    /// Where to write the log's private key if the store has no log yet (default:
    /// beside the SQLite file, or ./verity-log.key for PostgreSQL).
    #[arg(long, value_name = "PATH")]
    pub log_key: Option<PathBuf>,
    /// The origin (name) of a log created here.
    #[arg(long, value_name = "ORIGIN", default_value = verity_server::bootstrap::DEFAULT_ORIGIN)]
    pub origin: String,
    /// Open connections in all (fewer if the process may open fewer files).
    #[arg(long, value_name = "N", default_value_t = verity_server::ConnLimits::default().total,
          value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..))]
    pub max_connections: usize,
    /// Open connections one client address may hold.
    #[arg(long, value_name = "N", default_value_t = verity_server::ConnLimits::default().per_client,
          value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..))]
    pub max_connections_per_client: usize,
    /// Reads (GET) per second one client address may make, sustained (bursts of four
    /// times as many); 0 for no limit.
    #[arg(long, value_name = "N", default_value_t = verity_server::ConnLimits::default().reads_per_second)]
    pub read_rate: u32,
    /// Writes (POST, DELETE) per minute one client address may make, sustained (bursts
    /// of a quarter as many); 0 for no limit.
    #[arg(long, value_name = "N", default_value_t = verity_server::ConnLimits::default().writes_per_minute)]
    pub write_rate: u32,
    /// Also act as a C2SP tlog-witness (POST /witness/add-checkpoint), co-signing with
    /// this private key (`verity key generate`).
    #[arg(long, value_name = "KEYFILE", requires = "witness_log")]
    pub witness_key: Option<PathBuf>,
    /// A log this witness co-signs for: its verifier key (`name+hexid+base64` or a .pub
    /// file; the name is the log's origin). Repeatable.
    #[arg(long, value_name = "VERIFIER_KEY", requires = "witness_key")]
    pub witness_log: Vec<String>,
    /// The witness's state file (default: the key's path with `.state.json`, as
    /// `verity log cosign` keeps it).
    #[arg(long, value_name = "FILE", requires = "witness_key")]
    pub witness_state: Option<PathBuf>,
    /// Submitted log entries integrated in one transaction (and one checkpoint) at most.
    #[arg(long, value_name = "N", default_value_t = verity_server::integrator::Batching::default().max_entries,
          value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..))]
    pub batch_size: usize,
    /// Milliseconds the integrator waits after a submission for more to batch with it
    /// (0: integrate what is queued at once).
    #[arg(long, value_name = "MS", default_value_t = 0)]
    pub batch_delay: u64,
    /// Also keep relay mailboxes for a back channel (`verity channel send|fetch`):
    /// token-authenticated deposit and pickup of sealed shares it cannot read.
    #[arg(long)]
    pub relay: bool,
}

pub fn run(args: Args) -> CmdResult {
    let location = match (args.db, args.database) {
        (_, Some(url)) => {
            if !(url.starts_with("postgres://") || url.starts_with("postgresql://")) {
                return Err(CliError::bad_input(format!(
                    "--database {url}: expected a postgres:// URL"
                )));
            }
            super::location(&url)?
        }
        (Some(path), None) => super::location(&path)?,
        (None, None) => verity_app::Location::default(),
    };
    verity_server::run(verity_server::RunConfig {
        location,
        bind: args.bind,
        key_path: args.log_key,
        origin: args.origin,
        limits: verity_server::ConnLimits {
            total: args.max_connections,
            per_client: args.max_connections_per_client,
            reads_per_second: args.read_rate,
            read_burst: args.read_rate.saturating_mul(4),
            writes_per_minute: args.write_rate,
            write_burst: (args.write_rate / 4).max(1),
            ..verity_server::ConnLimits::default()
        },
        relay: args.relay,
        batching: verity_server::integrator::Batching {
            max_entries: args.batch_size,
            delay: std::time::Duration::from_millis(args.batch_delay),
        },
        witness: args
            .witness_key
            .map(|key_path| verity_server::WitnessConfig {
                key_path,
                logs: args.witness_log,
                state_path: args.witness_state,
            }),
    })
    .map_err(listen_error)?;
    Ok(ExitCode::SUCCESS)
}

/// A failure to listen (reported before the store is touched): an address that is not
/// this machine's is bad input (exit 2); a busy port is a failure (exit 1) with a hint.
fn listen_error(err: anyhow::Error) -> CliError {
    if err.downcast_ref::<verity_server::ListenError>().is_none() {
        return CliError::Failed(err);
    }
    let kind = err
        .chain()
        .find_map(|c| c.downcast_ref::<std::io::Error>())
        .map(std::io::Error::kind);
    match kind {
        Some(std::io::ErrorKind::AddrNotAvailable) => {
            CliError::bad_input(format!("--bind: {err:#} (not an address of this machine)"))
        }
        Some(std::io::ErrorKind::AddrInUse) => CliError::Failed(anyhow::anyhow!(
            "{err:#} (another program is listening there; stop it or choose another \
             address with --bind)"
        )),
        _ => CliError::Failed(err),
    }
}
