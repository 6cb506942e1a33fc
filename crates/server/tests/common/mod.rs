//! Test harness: a server over a fresh store on either backend, with one token per
//! role, driven in-process (tower `oneshot`) or over loopback.

#![allow(dead_code)]

use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt;
use serde_json::Value;
use tower::ServiceExt;
use verity_server::{AppState, StoreDb, auth, bootstrap};
use verity_store::Store;

pub const PG_URL: &str = "postgres://postgres@127.0.0.1:5432/test";

pub struct Harness {
    pub name: &'static str,
    pub app: Router,
    pub state: AppState,
    pub admin: String,
    pub inspector: String,
    pub analyst: String,
    pub dir: tempfile::TempDir,
    pub pg_schema: Option<String>,
}

impl Drop for Harness {
    fn drop(&mut self) {
        if let Some(schema) = &self.pg_schema
            && let Ok(mut c) = postgres::Client::connect(PG_URL, postgres::NoTls)
        {
            let _ = c.batch_execute(&format!("DROP SCHEMA IF EXISTS \"{schema}\" CASCADE"));
        }
    }
}

fn token(db: &StoreDb, role: &str) -> String {
    let t = auth::generate_token().unwrap();
    db.create_token(role.parse().unwrap(), "test", &auth::hash_token(&t))
        .unwrap();
    t
}

fn harness(
    name: &'static str,
    store: Store,
    dir: tempfile::TempDir,
    pg_schema: Option<String>,
) -> Harness {
    let opened = bootstrap::setup(store, &dir.path().join("log.key"), "test.example/log").unwrap();
    assert!(opened.created_log);
    assert!(opened.imported_shipped.is_some());
    let db = Arc::new(opened.db);
    let admin = token(db.as_ref(), "admin");
    let inspector = token(db.as_ref(), "inspector");
    let analyst = token(db.as_ref(), "analyst");
    let state = AppState::new(db, vec![verity_agreement::jcpoa().unwrap()]);
    Harness {
        name,
        app: verity_server::app(state.clone()),
        state,
        admin,
        inspector,
        analyst,
        dir,
        pg_schema,
    }
}

pub fn sqlite() -> Harness {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open_sqlite(&dir.path().join("verity.db")).unwrap();
    harness("sqlite", store, dir, None)
}

/// A harness on PostgreSQL in a schema of its own, or None (with the reason printed)
/// when no server is reachable.
pub fn postgres(tag: &str) -> Option<Harness> {
    let schema = format!("verity_server_test_{tag}_{}", std::process::id());
    match Store::open_postgres(PG_URL, Some(&schema)) {
        Ok(store) => Some(harness(
            "postgres",
            store,
            tempfile::tempdir().unwrap(),
            Some(schema),
        )),
        Err(e) => {
            println!("skipping the PostgreSQL run: {PG_URL} is unreachable ({e})");
            None
        }
    }
}

pub struct Resp {
    pub status: StatusCode,
    pub headers: axum::http::HeaderMap,
    pub bytes: Vec<u8>,
}

impl Resp {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.bytes)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&self.bytes)))
    }
    pub fn field(&self) -> Option<String> {
        self.json()["field"].as_str().map(str::to_owned)
    }
}

pub async fn call(
    app: &Router,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Option<(&str, Vec<u8>)>,
) -> Resp {
    let mut req = Request::builder().method(method).uri(path);
    if let Some(t) = token {
        req = req.header("authorization", format!("Bearer {t}"));
    }
    let req = match body {
        Some((ct, bytes)) => req.header("content-type", ct).body(Body::from(bytes)),
        None => req.body(Body::empty()),
    }
    .unwrap();
    let res = app.clone().oneshot(req).await.unwrap();
    let status = res.status();
    let headers = res.headers().clone();
    let bytes = res.into_body().collect().await.unwrap().to_bytes().to_vec();
    Resp {
        status,
        headers,
        bytes,
    }
}

/// GET with extra request headers.
pub async fn get_with(app: &Router, path: &str, headers: &[(&str, &str)]) -> Resp {
    let mut req = Request::builder().method("GET").uri(path);
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let res = app
        .clone()
        .oneshot(req.body(Body::empty()).unwrap())
        .await
        .unwrap();
    let status = res.status();
    let headers = res.headers().clone();
    let bytes = res.into_body().collect().await.unwrap().to_bytes().to_vec();
    Resp {
        status,
        headers,
        bytes,
    }
}

pub async fn get(app: &Router, path: &str, token: Option<&str>) -> Resp {
    call(app, "GET", path, token, None).await
}

pub async fn post_json(app: &Router, path: &str, token: Option<&str>, body: &Value) -> Resp {
    call(
        app,
        "POST",
        path,
        token,
        Some(("application/json", serde_json::to_vec(body).unwrap())),
    )
    .await
}

pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

/// The store's evidence, read on the blocking pool (the PostgreSQL client must not
/// run on an async worker).
pub async fn evidence(h: &Harness) -> verity_evidence::EvidenceSet {
    let db = h.state.store.clone();
    tokio::task::spawn_blocking(move || db.evidence_set().unwrap())
        .await
        .unwrap()
}
