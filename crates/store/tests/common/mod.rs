//! Shared helpers: temporary stores on both backends.
#![allow(dead_code)]

use std::sync::atomic::{AtomicU32, Ordering};

use verity_store::Store;

/// A store for one test; drops its PostgreSQL schema afterwards.
pub struct TestStore {
    pub store: Store,
    pub location: String,
    _dir: Option<tempfile::TempDir>,
    pg_cleanup: Option<(String, String)>,
}

impl Drop for TestStore {
    fn drop(&mut self) {
        if let Some((url, schema)) = &self.pg_cleanup {
            if let Ok(mut c) = postgres::Client::connect(url, postgres::NoTls) {
                let _ = c.batch_execute(&format!("DROP SCHEMA IF EXISTS \"{schema}\" CASCADE"));
            }
        }
    }
}

pub fn sqlite() -> TestStore {
    let dir = tempfile::tempdir().unwrap();
    let location = format!("sqlite:{}", dir.path().join("t.db").display());
    let store = Store::open(&location).unwrap();
    TestStore {
        store,
        location,
        _dir: Some(dir),
        pg_cleanup: None,
    }
}

/// The first PostgreSQL URL that accepts a connection (trust auth, database `test`).
pub fn pg_url() -> Option<String> {
    let candidates = [
        std::env::var("VERITY_TEST_POSTGRES").ok(),
        Some("postgres://root@127.0.0.1:5432/test".to_string()),
        Some("postgres://postgres@127.0.0.1:5432/test".to_string()),
    ];
    candidates.into_iter().flatten().find(|u| {
        let cfg: Result<postgres::Config, _> = u.parse();
        cfg.ok()
            .map(|mut c| {
                c.connect_timeout(std::time::Duration::from_secs(2));
                c.connect(postgres::NoTls).is_ok()
            })
            .unwrap_or(false)
    })
}

pub fn postgres(test: &str) -> Option<TestStore> {
    static N: AtomicU32 = AtomicU32::new(0);
    let Some(url) = pg_url() else {
        // Written to the raw stderr, past the test harness's capture, so the reason
        // shows in every run.
        use std::io::Write;
        let _ = writeln!(
            std::io::stderr(),
            "SKIPPED {test} on PostgreSQL: no server reachable on 127.0.0.1:5432 (database `test`)"
        );
        return None;
    };
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    let schema = format!(
        "verity_t_{}_{}_{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed),
        nanos
    );
    let store = Store::open_postgres(&url, Some(&schema)).unwrap();
    Some(TestStore {
        store,
        location: format!("{url}#{schema}"),
        _dir: None,
        pg_cleanup: Some((url, schema)),
    })
}
