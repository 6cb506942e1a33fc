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
mod json;
pub mod store_impl;

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
}

impl AppState {
    pub fn new(store: Arc<StoreDb>, agreements: Vec<Agreement>) -> AppState {
        AppState {
            store,
            agreements: Arc::new(agreements),
            cache: Arc::new(cache::Cache::default()),
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
}

impl Default for ConnLimits {
    fn default() -> ConnLimits {
        ConnLimits {
            per_client: 64,
            total: 1024,
            header_read: Duration::from_secs(10),
            request: Duration::from_secs(60),
        }
    }
}

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
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let mut shutdown = std::pin::pin!(shutdown);
    // Refusals are bounded too: a flood of refused connections cannot pile up tasks.
    let refusing = std::sync::Arc::new(tokio::sync::Semaphore::new(256));
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
                let svc = hyper_util::service::TowerToHyperService::new(router.clone());
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
        Ok(Ok(v)) => Ok(v),
        Ok(Err(db::DbError::BadInput { field, message })) => Err(error::ApiError {
            status: axum::http::StatusCode::BAD_REQUEST,
            error: message,
            field,
            problems: Vec::new(),
        }),
        Ok(Err(db::DbError::NotFound(msg))) => Err(error::ApiError::not_found(msg)),
        Ok(Err(db::DbError::Rejected(r))) => Err(error::ApiError {
            status: axum::http::StatusCode::BAD_REQUEST,
            error: r.message,
            field: None,
            problems: Vec::new(),
        }
        .with_problems(r.problems)),
        Ok(Err(db::DbError::Other(err))) => Err(error::ApiError::internal(format!("{err:#}"))),
        Err(join) => Err(error::ApiError::internal(join)),
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
    let state = AppState::new(db, vec![agreement]);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    rt.block_on(async move {
        let listener = TcpListener::from_std(std_listener)
            .with_context(|| format!("listening on {}", cfg.bind))?;
        let addr = listener.local_addr()?;
        println!("Verity is serving the {backend} store {} at http://{addr}/", cfg.location);
        println!("API: http://{addr}/api/v1 (OpenAPI: http://{addr}/api/v1/openapi.json)");
        if let Some(n) = opened.imported_shipped {
            println!("Loaded the shipped IAEA record ({n} records) and logged the import.");
        }
        if let Some(token) = first_token {
            println!("Dashboard with an analyst token (shown only now; keep it): http://{addr}/#token={token}");
        }
        tracing::info!(%addr, backend, "listening");
        serve(listener, state, shutdown_signal(), Duration::from_secs(10)).await?;
        tracing::info!("stopped");
        Ok(())
    })
}
