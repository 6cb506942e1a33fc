//! `verity-server`: Verity's HTTP API and web dashboard.
//!
//! An axum application over a [`Db`] (the store, SQLite or PostgreSQL), serving:
//! - the JSON API under `/api/v1`, described by the OpenAPI document at
//!   `/api/v1/openapi.json`, generated from the handlers themselves;
//! - the dashboard at `/`, whose assets are compiled into the binary.
//!
//! Store calls are synchronous and run on tokio's blocking pool; handlers never block
//! the async workers. Every write is authorised by role, validated whole, and applied
//! in one store transaction.

pub mod api;
pub mod auth;
pub mod bootstrap;
mod cache;
pub mod dashboard;
pub mod db;
pub mod error;
mod evidence_store;
pub mod integrator;
mod json;
mod relay;
pub mod store_impl;
mod tiles;
pub mod witness;

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::Request;
use tokio::net::TcpListener;
use tower_http::LatencyUnit;
use tower_http::trace::{DefaultOnResponse, TraceLayer};
use verity_agreement::Agreement;

pub use crate::store_impl::StoreDb;

/// Body limit for every route except imports (which set their own).
pub const DEFAULT_BODY_LIMIT: usize = 64 * 1024;
/// Body limit for evidence imports and log submissions.
pub const IMPORT_BODY_LIMIT: usize = 8 * 1024 * 1024;

/// What every handler can reach. Cheap to clone.
#[derive(Clone)]
pub struct AppState {
    pub store: Arc<StoreDb>,
    /// The agreements served (the shipped JCPOA unless told otherwise).
    pub agreements: Arc<Vec<Agreement>>,
    pub(crate) cache: Arc<cache::Cache>,
    pub(crate) tiles: Arc<tiles::TileCache>,
    /// When this server is also a witness (`--witness-key`).
    pub witness: Option<Arc<witness::Witness>>,
    /// Where submitted log entries queue for integration.
    pub(crate) integrator: Arc<integrator::Integrator>,
    /// Whether this server keeps relay mailboxes (`--relay`).
    pub relay: bool,
}

impl AppState {
    pub fn new(store: Arc<StoreDb>, agreements: Vec<Agreement>) -> AppState {
        AppState::with_batching(store, agreements, integrator::Batching::default())
    }

    /// [`AppState::new`] with appends batched as `batching` says.
    pub fn with_batching(
        store: Arc<StoreDb>,
        agreements: Vec<Agreement>,
        batching: integrator::Batching,
    ) -> AppState {
        AppState {
            integrator: Arc::new(integrator::Integrator::start(store.clone(), batching)),
            store,
            agreements: Arc::new(agreements),
            cache: Arc::new(cache::Cache::default()),
            tiles: Arc::new(tiles::TileCache::default()),
            witness: None,
            relay: false,
        }
    }
}

/// The whole application: API, OpenAPI document and dashboard, with request logging
/// and body limits.
pub fn app(state: AppState) -> Router {
    let (api, openapi) = api::router().split_for_parts();
    let openapi = Arc::new(openapi);
    Router::new()
        .merge(api)
        .route(
            "/api/v1/openapi.json",
            axum::routing::get(move || {
                let doc = openapi.clone();
                async move { axum::Json(doc.as_ref().clone()) }
            }),
        )
        .merge(dashboard::router())
        .merge(tiles::router())
        .merge(witness::router())
        .merge(relay::router())
        // Unknown routes and methods get the API's JSON error, not an empty body.
        .fallback(|uri: axum::http::Uri| async move {
            error::ApiError::not_found(format!("no such route: {}", uri.path()))
        })
        .method_not_allowed_fallback(|method: axum::http::Method| async move {
            error::ApiError {
                status: axum::http::StatusCode::METHOD_NOT_ALLOWED,
                error: format!("method {method} is not allowed on this route"),
                field: None,
                problems: Vec::new(),
            }
        })
        .layer(DefaultBodyLimit::max(DEFAULT_BODY_LIMIT))
        // One structured line per response (method, path, status, latency) at INFO.
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(|req: &Request<_>| {
                    tracing::info_span!("request", method = %req.method(), path = %req.uri().path())
                })
                .on_request(())
                .on_response(
                    DefaultOnResponse::new()
                        .level(tracing::Level::INFO)
                        .latency_unit(LatencyUnit::Micros),
                ),
        )
        .with_state(state)
}

/// What one server accepts from its clients: no flood from one address takes the
/// connection slots of another, and the process never reaches its descriptor limit.
#[derive(Debug, Clone, Copy)]
pub struct ConnLimits {
    /// Open connections one client address may hold.
    pub per_client: usize,
    /// Open connections in all.
    pub total: usize,
    /// Time a client has to send a request's headers, counted from the connection's
    /// opening or the end of the previous response (so it is also the idle timeout of a
    /// kept-alive connection).
    pub header_read: Duration,
    /// Time a request may take from its headers to its response.
    pub request: Duration,
    /// Reads (GET, HEAD, OPTIONS) one client address may make per second, sustained,
    /// and in a burst; 0 for no limit. A dashboard's first load makes about 20.
    pub reads_per_second: u32,
    pub read_burst: u32,
    /// Writes (every other method) one client address may make per minute, sustained,
    /// and in a burst; 0 for no limit. Stricter than reads: each write is signed into
    /// the log and kept for good.
    pub writes_per_minute: u32,
    pub write_burst: u32,
}

impl Default for ConnLimits {
    fn default() -> ConnLimits {
        ConnLimits {
            per_client: 64,
            total: 1024,
            header_read: Duration::from_secs(10),
            request: Duration::from_secs(60),
            reads_per_second: 50,
            read_burst: 200,
            writes_per_minute: 60,
            write_burst: 15,
        }
    }
}

/// The client a rate limit counts: an IPv4 address, or an IPv6 /64 (one subscriber's
/// prefix: a client that holds a /64 must not get 2^64 separate budgets).
fn client_key(ip: std::net::IpAddr) -> std::net::IpAddr {
    match ip {
        std::net::IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => std::net::IpAddr::V4(v4),
            None => {
                let s = v6.segments();
                std::net::IpAddr::V6(std::net::Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0))
            }
        },
        v4 => v4,
    }
}

type Keyed = governor::DefaultKeyedRateLimiter<std::net::IpAddr>;

/// Per-client request budgets (GCRA, from the `governor` crate), for reads and for
/// writes.
struct RateLimits {
    reads: Option<Keyed>,
    writes: Option<Keyed>,
}

impl RateLimits {
    fn new(l: &ConnLimits) -> RateLimits {
        use std::num::NonZeroU32;
        let quota = |per: Option<governor::Quota>, burst: u32| {
            per.map(|q| q.allow_burst(NonZeroU32::new(burst).unwrap_or(NonZeroU32::MIN)))
        };
        RateLimits {
            reads: quota(
                NonZeroU32::new(l.reads_per_second).map(governor::Quota::per_second),
                l.read_burst,
            )
            .map(governor::RateLimiter::keyed),
            writes: quota(
                NonZeroU32::new(l.writes_per_minute).map(governor::Quota::per_minute),
                l.write_burst,
            )
            .map(governor::RateLimiter::keyed),
        }
    }

    /// `Err(wait)` when the client has spent its budget for this kind of request.
    fn check(
        &self,
        ip: std::net::IpAddr,
        method: &axum::http::Method,
        path: &str,
    ) -> Result<(), Duration> {
        use axum::http::Method;
        use governor::clock::Clock;
        // A witness submission stores nothing but a size and a root: a log that
        // checkpoints every second must not run out of write budget.
        let read = matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
            || path == "/witness/add-checkpoint";
        let limiter = if read { &self.reads } else { &self.writes };
        let Some(limiter) = limiter else {
            return Ok(());
        };
        limiter.check_key(&client_key(ip)).map_err(|not_until| {
            not_until.wait_time_from(governor::clock::DefaultClock::default().now())
        })
    }

    /// Forgets clients whose budgets are full again, so the tables stay bounded by the
    /// clients of the last few seconds.
    fn prune(&self) {
        for l in [&self.reads, &self.writes].into_iter().flatten() {
            l.retain_recent();
            l.shrink_to_fit();
        }
    }
}

/// A JSON 429 naming the wait.
fn too_many_requests(wait: Duration) -> axum::response::Response {
    use axum::response::IntoResponse;
    let secs = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
    let mut res = error::ApiError {
        status: axum::http::StatusCode::TOO_MANY_REQUESTS,
        error: format!("too many requests from this address: retry in {secs} s"),
        field: None,
        problems: Vec::new(),
    }
    .into_response();
    res.headers_mut().insert(
        axum::http::header::RETRY_AFTER,
        axum::http::HeaderValue::from(secs.max(1)),
    );
    res
}

/// Descriptors the server may spend on connections: its soft limit less what the store,
/// the refusals in flight and the runtime need.
fn descriptor_budget() -> usize {
    #[cfg(unix)]
    if let Some(soft) = rustix::process::getrlimit(rustix::process::Resource::Nofile).current {
        let soft = usize::try_from(soft).unwrap_or(usize::MAX);
        return soft.saturating_sub(REFUSING_AT_ONCE + 64);
    }
    usize::MAX
}

/// Refused connections answered at once; beyond, a refused connection is just closed.
const REFUSING_AT_ONCE: usize = 256;

/// The open connections by client address, and in all.
#[derive(Default)]
struct Slots {
    by_ip: std::sync::Mutex<std::collections::HashMap<std::net::IpAddr, usize>>,
    total: std::sync::atomic::AtomicUsize,
}

/// A connection's place in [`Slots`], given back when the connection ends.
struct Slot {
    slots: std::sync::Arc<Slots>,
    ip: std::net::IpAddr,
}

impl Slots {
    fn admit(self: &std::sync::Arc<Self>, ip: std::net::IpAddr, l: &ConnLimits) -> Option<Slot> {
        use std::sync::atomic::Ordering;
        let mut by_ip = self.by_ip.lock().unwrap_or_else(|e| e.into_inner());
        let mine = by_ip.entry(ip).or_insert(0);
        if *mine >= l.per_client || self.total.load(Ordering::Relaxed) >= l.total {
            return None;
        }
        *mine += 1;
        self.total.fetch_add(1, Ordering::Relaxed);
        Some(Slot {
            slots: self.clone(),
            ip,
        })
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        use std::sync::atomic::Ordering;
        let mut by_ip = self.slots.by_ip.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(n) = by_ip.get_mut(&self.ip) {
            *n -= 1;
            if *n == 0 {
                by_ip.remove(&self.ip);
            }
        }
        self.slots.total.fetch_sub(1, Ordering::Relaxed);
    }
}

/// A refused connection gets a JSON 503 and is closed, within a second.
async fn refuse(mut stream: tokio::net::TcpStream) {
    use tokio::io::AsyncWriteExt;
    let body = r#"{"error":"too many connections from this address: close some and retry"}"#;
    let msg = format!(
        "HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/json\r\nretry-after: 1\r\nconnection: close\r\ncontent-length: {}\r\n\r\n{body}",
        body.len()
    );
    let _ = tokio::time::timeout(Duration::from_secs(1), async {
        let _ = stream.write_all(msg.as_bytes()).await;
        let _ = stream.shutdown().await;
    })
    .await;
}

/// Serves `app` on `listener` until `shutdown` completes, then stops accepting
/// connections and lets requests in flight finish (at most `grace`).
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
    grace: Duration,
) -> std::io::Result<()> {
    serve_with(listener, state, shutdown, grace, ConnLimits::default()).await
}

/// [`serve`] with the connection limits given.
pub async fn serve_with(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
    grace: Duration,
    limits: ConnLimits,
) -> std::io::Result<()> {
    use hyper_util::rt::{TokioIo, TokioTimer};
    let router = app(state).layer(tower_http::timeout::TimeoutLayer::with_status_code(
        axum::http::StatusCode::SERVICE_UNAVAILABLE,
        limits.request,
    ));
    let slots = std::sync::Arc::new(Slots::default());
    // Never more connections than descriptors: the listener must keep accepting (and
    // refusing) rather than fail with EMFILE.
    let mut limits = limits;
    limits.total = limits.total.min(descriptor_budget()).max(1);
    let rates = Arc::new(RateLimits::new(&limits));
    let pruner = {
        let rates = rates.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_secs(10));
            loop {
                tick.tick().await;
                rates.prune();
            }
        })
    };
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let mut shutdown = std::pin::pin!(shutdown);
    // Refusals are bounded too: a flood of refused connections cannot pile up tasks.
    let refusing = std::sync::Arc::new(tokio::sync::Semaphore::new(REFUSING_AT_ONCE));
    loop {
        tokio::select! {
            () = &mut shutdown => break,
            accepted = listener.accept() => {
                let (stream, peer) = match accepted {
                    Ok(a) => a,
                    Err(e) => {
                        // Out of descriptors (EMFILE) or a connection reset before it
                        // was accepted: the listener stays up; wait a moment.
                        tracing::warn!("accept failed: {e}");
                        tokio::time::sleep(Duration::from_millis(20)).await;
                        continue;
                    }
                };
                let Some(slot) = slots.admit(peer.ip(), &limits) else {
                    match refusing.clone().try_acquire_owned() {
                        Ok(permit) => {
                            tokio::spawn(async move {
                                refuse(stream).await;
                                drop(permit);
                            });
                        }
                        Err(_) => drop(stream),
                    }
                    continue;
                };
                let ip = peer.ip();
                let (router, rates) = (router.clone(), rates.clone());
                let svc = hyper::service::service_fn(move |req: Request<hyper::body::Incoming>| {
                    let refused = rates.check(ip, req.method(), req.uri().path()).err();
                    let mut router = router.clone();
                    async move {
                        match refused {
                            Some(wait) => Ok(too_many_requests(wait)),
                            None => tower::Service::call(&mut router, req).await,
                        }
                    }
                });
                let conn = hyper::server::conn::http1::Builder::new()
                    .timer(TokioTimer::new())
                    .header_read_timeout(limits.header_read)
                    .keep_alive(true)
                    .serve_connection(TokioIo::new(stream), svc);
                let conn = graceful.watch(conn);
                tokio::spawn(async move {
                    let _slot = slot;
                    let _ = conn.await;
                });
            }
        }
    }
    drop(listener);
    pruner.abort();
    tracing::info!("shutting down: finishing requests in flight");
    tokio::select! {
        () = graceful.shutdown() => {}
        () = tokio::time::sleep(grace) => {
            tracing::warn!("requests still in flight after {grace:?}; stopping anyway");
        }
    }
    Ok(())
}

/// Runs a store call on the blocking pool and maps its failure to an HTTP error.
pub(crate) async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> db::DbResult<T> + Send + 'static,
) -> error::ApiResult<T> {
    match tokio::task::spawn_blocking(f).await {
        Ok(r) => r.map_err(api_error),
        Err(join) => Err(error::ApiError::internal(join)),
    }
}

/// A store call's failure as the HTTP error it is.
pub(crate) fn api_error(e: db::DbError) -> error::ApiError {
    match e {
        db::DbError::BadInput { field, message } => error::ApiError {
            status: axum::http::StatusCode::BAD_REQUEST,
            error: message,
            field,
            problems: Vec::new(),
        },
        db::DbError::NotFound(msg) => error::ApiError::not_found(msg),
        db::DbError::Rejected(r) => error::ApiError {
            status: axum::http::StatusCode::BAD_REQUEST,
            error: r.message,
            field: None,
            problems: Vec::new(),
        }
        .with_problems(r.problems),
        db::DbError::Other(err) => error::ApiError::internal(format!("{err:#}")),
    }
}

/// Resolves on Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
}

/// Structured request logs on stderr; `RUST_LOG` overrides the default level.
pub fn init_tracing() {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,tower_http=info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_writer(std::io::stderr)
        .try_init();
}

/// The context of the error [`run`] returns when it cannot listen on its address
/// (the cause is the `std::io::Error`); nothing has been created in the store then.
#[derive(Debug, Clone, Copy)]
pub struct ListenError(pub std::net::SocketAddr);

impl std::fmt::Display for ListenError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "cannot listen on {}", self.0)
    }
}

/// How `verity serve` runs.
#[derive(Debug, Clone)]
pub struct RunConfig {
    /// The store (a file path, `sqlite://PATH` or `postgres://…`).
    pub location: verity_app::Location,
    pub bind: std::net::SocketAddr,
    /// Where to write the log key if the store has no log yet.
    pub key_path: Option<std::path::PathBuf>,
    /// The origin of a log created here.
    pub origin: String,
    /// What the server accepts from its clients.
    pub limits: ConnLimits,
    /// Act as a witness too.
    pub witness: Option<WitnessConfig>,
    /// How submitted log entries are integrated.
    pub batching: integrator::Batching,
    /// Keep relay mailboxes for a back channel.
    pub relay: bool,
}

/// `verity serve --witness-key … --witness-log …`.
#[derive(Debug, Clone)]
pub struct WitnessConfig {
    pub key_path: std::path::PathBuf,
    /// Verifier keys of the logs it witnesses (their names are the logs' origins).
    pub logs: Vec<String>,
    /// The state file (default: the key's path with `.state.json`).
    pub state_path: Option<std::path::PathBuf>,
}

/// Opens the store (creating the log and loading the shipped record if it is new),
/// then serves until Ctrl-C or SIGTERM. What it prints on stdout: where it listens
/// and, the first time a store is set up, an analyst token for the dashboard (shown
/// once; only its hash is stored).
pub fn run(cfg: RunConfig) -> anyhow::Result<()> {
    use anyhow::Context;
    init_tracing();
    // Bind before touching the store: a busy port must not leave behind a new
    // database, log key and analyst token that were never shown to anyone.
    let std_listener = std::net::TcpListener::bind(cfg.bind)
        .and_then(|l| l.set_nonblocking(true).map(|()| l))
        .map_err(|e| anyhow::Error::new(e).context(ListenError(cfg.bind)))?;
    let opened = bootstrap::open(&cfg.location, cfg.key_path.as_deref(), &cfg.origin)?;
    let first_token = if opened.created_log {
        let created = verity_app::tokens::create(
            opened.db.store(),
            auth::Role::Analyst,
            "created by `verity serve` on first start",
        )
        .map_err(|e| anyhow::anyhow!("storing the first analyst token: {e}"))?;
        Some(created.token)
    } else {
        None
    };
    let db = Arc::new(opened.db);
    let backend = db.backend();
    let agreement = verity_agreement::jcpoa()
        .map_err(|d| anyhow::anyhow!("the shipped JCPOA does not parse:\n{d}"))?;
    let mut state = AppState::with_batching(db, vec![agreement], cfg.batching);
    state.relay = cfg.relay;
    if let Some(w) = &cfg.witness {
        let text = std::fs::read_to_string(&w.key_path)
            .with_context(|| format!("reading the witness key {}", w.key_path.display()))?;
        let signer = verity_ledger::NoteSigner::from_text(&text)
            .map_err(|e| anyhow::anyhow!("witness key {}: {e}", w.key_path.display()))?;
        let logs = w
            .logs
            .iter()
            .map(|k| {
                let t = if std::path::Path::new(k).is_file() {
                    std::fs::read_to_string(k).with_context(|| format!("reading {k}"))?
                } else {
                    k.clone()
                };
                verity_ledger::NoteVerifier::from_text(&t)
                    .map_err(|e| anyhow::anyhow!("--witness-log {k}: {e}"))
            })
            .collect::<anyhow::Result<Vec<_>>>()?;
        let state_path = w
            .state_path
            .clone()
            .unwrap_or_else(|| w.key_path.with_extension("state.json"));
        state.witness = Some(Arc::new(witness::Witness::new(signer, logs, state_path)?));
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    rt.block_on(async move {
        let listener = TcpListener::from_std(std_listener)
            .with_context(|| format!("listening on {}", cfg.bind))?;
        let addr = listener.local_addr()?;
        // What is shown to the operator goes to stdout; a closed stdout (`| head -1`)
        // must not bring the server down, so write errors are ignored.
        let say = |line: String| {
            use std::io::Write;
            let mut out = std::io::stdout().lock();
            let _ = writeln!(out, "{line}").and_then(|()| out.flush());
        };
        say(format!("Verity is serving the {backend} store {} at http://{addr}/", cfg.location));
        say(format!("API: http://{addr}/api/v1 (OpenAPI: http://{addr}/api/v1/openapi.json)"));
        if let Some(n) = opened.imported_shipped {
            say(format!("Loaded the shipped IAEA record ({n} records) and logged the import."));
        }
        if let Some(token) = first_token {
            say(format!("Dashboard with an analyst token (shown only now; keep it): http://{addr}/#token={token}"));
        }
        tracing::info!(%addr, backend, "listening");
        serve_with(listener, state, shutdown_signal(), Duration::from_secs(10), cfg.limits).await?;
        tracing::info!("stopped");
        Ok(())
    })
}
