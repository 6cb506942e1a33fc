//! `verity serve` as a C2SP tlog-witness: every status the spec gives, the state kept
//! per origin across restarts, monitors' retrieval, and the check-and-update being
//! atomic under concurrent requests.

mod common;

use std::sync::Arc;

use axum::Router;
use verity_ledger::merkle::{self, MemoryTree};
use verity_ledger::witness::AddCheckpoint;
use verity_ledger::{Checkpoint, Note, NoteSigner, NoteVerifier};

const ORIGIN: &str = "log.test/witnessed";

struct Log {
    key: NoteSigner,
    tree: MemoryTree,
}

impl Log {
    fn new() -> Log {
        Log {
            key: NoteSigner::generate(ORIGIN).unwrap(),
            tree: MemoryTree::new(),
        }
    }
    fn grow(&mut self, n: u64) {
        for _ in 0..n {
            let i = self.tree.size();
            self.tree
                .push(merkle::leaf_hash(format!("entry {i}").as_bytes()));
        }
    }
    fn checkpoint(&self) -> String {
        let size = self.tree.size();
        let root = if size == 0 {
            merkle::empty_root()
        } else {
            self.tree.root(size).unwrap()
        };
        Checkpoint::new(self.key.name(), size, root)
            .sign(&self.key)
            .unwrap()
            .to_string()
    }
    fn request(&self, old: u64) -> String {
        let proof = if old == 0 || old == self.tree.size() {
            Vec::new()
        } else {
            self.tree.consistency_proof(old, self.tree.size()).unwrap()
        };
        AddCheckpoint {
            old_size: old,
            proof,
            checkpoint: self.checkpoint(),
        }
        .to_text()
    }
}

struct Witness {
    app: Router,
    key: NoteSigner,
    _h: common::Harness,
}

fn witness(log: &Log, state: &std::path::Path) -> Witness {
    let h = common::sqlite();
    let key = NoteSigner::generate("witness.test/w1").unwrap();
    let mut st = h.state.clone();
    st.witness = Some(Arc::new(
        verity_server::witness::Witness::new(
            key.clone(),
            vec![log.key.verifier().clone()],
            state.to_path_buf(),
        )
        .unwrap(),
    ));
    Witness {
        app: verity_server::app(st),
        key,
        _h: h,
    }
}

async fn post(app: &Router, body: &str) -> common::Resp {
    common::call(
        app,
        "POST",
        "/witness/add-checkpoint",
        None,
        Some(("text/plain", body.as_bytes().to_vec())),
    )
    .await
}

fn text(r: &common::Resp) -> String {
    String::from_utf8_lossy(&r.bytes).into_owned()
}

/// The cosignature lines verify, as a tlog-cosignature/v1, on the checkpoint.
fn cosigned_by(checkpoint: &str, lines: &str, w: &NoteVerifier) -> bool {
    assert!(
        lines.starts_with("— witness.test/w1 ") && lines.ends_with('\n'),
        "{lines}"
    );
    let n = Note::parse(&format!("{checkpoint}{lines}")).unwrap();
    n.verify_known(std::slice::from_ref(w)).unwrap() == [w.name().to_owned()]
}

#[test]
fn the_witness_co_signs_only_consistent_extensions() {
    let rt = common::runtime();
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("w.state.json");
    let mut log = Log::new();
    log.grow(10);
    let w = witness(&log, &state);
    rt.block_on(async {
        // First contact, from 0: co-signed.
        let r = post(&w.app, &log.request(0)).await;
        assert_eq!(r.status, 200, "{}", text(&r));
        assert!(cosigned_by(&log.checkpoint(), &text(&r), w.key.verifier()));
        // The same request again: the witness is at 10 now, so 409 with its size.
        let r = post(&w.app, &log.request(0)).await;
        assert_eq!(r.status, 409);
        assert_eq!(r.headers["content-type"], "text/x.tlog.size");
        assert_eq!(text(&r), "10\n");
        // The same tree again, from 10: co-signed (a repeat is consistent).
        assert_eq!(post(&w.app, &log.request(10)).await.status, 200);
        // Growth with the right consistency proof: co-signed.
        log.grow(7);
        let r = post(&w.app, &log.request(10)).await;
        assert_eq!(r.status, 200, "{}", text(&r));
        // A wrong proof: 422.
        log.grow(5);
        let mut req = AddCheckpoint::parse(&log.request(17)).unwrap();
        req.proof[0][0] ^= 1;
        assert_eq!(post(&w.app, &req.to_text()).await.status, 422);
        // A proof from 0 must be empty: 422 — but first, a stale old size is 409.
        assert_eq!(post(&w.app, &log.request(10)).await.status, 409);
        // A fork: another tree of the size co-signed (17), signed by the log's key.
        let mut fork = Log {
            key: log.key.clone(),
            tree: MemoryTree::new(),
        };
        for i in 0..17u64 {
            fork.tree
                .push(merkle::leaf_hash(format!("forged {i}").as_bytes()));
        }
        let r = post(&w.app, &fork.request(17)).await;
        assert_eq!(r.status, 422, "{}", text(&r));
        assert!(text(&r).contains("fork"), "{}", text(&r));
        // A rollback: an old size above the checkpoint's is 400.
        let mut small = Log {
            key: log.key.clone(),
            tree: MemoryTree::new(),
        };
        small.grow(3);
        let body = AddCheckpoint {
            old_size: 17,
            proof: vec![],
            checkpoint: small.checkpoint(),
        }
        .to_text();
        assert_eq!(post(&w.app, &body).await.status, 400);
        // Another origin: 404. A checkpoint not signed by the log's key: 403.
        let mut other = Log {
            key: NoteSigner::generate("other.test/log").unwrap(),
            tree: MemoryTree::new(),
        };
        other.grow(2);
        assert_eq!(post(&w.app, &other.request(0)).await.status, 404);
        let impostor = Log {
            key: NoteSigner::generate(ORIGIN).unwrap(),
            tree: log.tree.clone(),
        };
        assert_eq!(post(&w.app, &impostor.request(17)).await.status, 403);
        // An empty tree whose root is not the empty root: 422 (the witness is at 17, so
        // this needs a fresh origin state: checked on a new witness below). Garbage: 400.
        for garbage in ["", "old 01\n\nx", "old 1\nnot base64!\n\n", "old x\n\n"] {
            assert_eq!(post(&w.app, garbage).await.status, 400, "{garbage:?}");
        }
        // Monitors: the last co-signed checkpoint, with the witness's cosignature.
        use sha2::Digest;
        let hash = hex::encode(sha2::Sha256::digest(ORIGIN.as_bytes()));
        let r = common::get(&w.app, &format!("/witness/{hash}/checkpoint"), None).await;
        assert_eq!(r.status, 200);
        let n = Note::parse(&text(&r)).unwrap();
        assert_eq!(Checkpoint::parse_body(n.text()).unwrap().size, 17);
        assert_eq!(
            n.verify_known(std::slice::from_ref(w.key.verifier()))
                .unwrap()
                .len(),
            1
        );
        let r = common::get(
            &w.app,
            &format!("/witness/{}/checkpoint", "0".repeat(64)),
            None,
        )
        .await;
        assert_eq!(r.status, 404);
    });
    // The state survives a restart: a new witness on the same file is at 17.
    let again = Witness {
        key: w.key.clone(),
        ..witness(&log, &state)
    };
    let app = {
        let h = common::sqlite();
        let mut st = h.state.clone();
        st.witness = Some(Arc::new(
            verity_server::witness::Witness::new(
                again.key.clone(),
                vec![log.key.verifier().clone()],
                state.clone(),
            )
            .unwrap(),
        ));
        (verity_server::app(st), h)
    };
    rt.block_on(async {
        let r = post(&app.0, &log.request(0)).await;
        assert_eq!(r.status, 409);
        assert_eq!(text(&r), "17\n");
    });
}

#[test]
fn an_empty_tree_must_have_the_empty_root() {
    let rt = common::runtime();
    let dir = tempfile::tempdir().unwrap();
    let log = Log::new();
    let w = witness(&log, &dir.path().join("s.json"));
    rt.block_on(async {
        let bad = Checkpoint::new(ORIGIN, 0, [7; 32])
            .sign(&log.key)
            .unwrap()
            .to_string();
        let body = AddCheckpoint {
            old_size: 0,
            proof: vec![],
            checkpoint: bad,
        }
        .to_text();
        assert_eq!(post(&w.app, &body).await.status, 422);
        assert_eq!(post(&w.app, &log.request(0)).await.status, 200);
    });
}

#[test]
fn concurrent_submissions_cannot_roll_the_witness_back() {
    let rt = common::runtime();
    let dir = tempfile::tempdir().unwrap();
    let mut log = Log::new();
    log.grow(4);
    let w = witness(&log, &dir.path().join("s.json"));
    rt.block_on(async {
        assert_eq!(post(&w.app, &log.request(0)).await.status, 200);
        // Sixteen requests from size 4, to trees of sizes 5..=20, at once: each is a
        // valid extension of 4, but once one is co-signed the others are stale.
        let mut reqs = Vec::new();
        for k in 1..=16u64 {
            let mut l = Log {
                key: log.key.clone(),
                tree: log.tree.clone(),
            };
            l.grow(k);
            reqs.push(l.request(4));
        }
        let handles: Vec<_> = reqs
            .into_iter()
            .map(|b| {
                let app = w.app.clone();
                tokio::spawn(async move { post(&app, &b).await.status.as_u16() })
            })
            .collect();
        let mut codes = Vec::new();
        for h in handles {
            codes.push(h.await.unwrap());
        }
        assert_eq!(codes.iter().filter(|c| **c == 200).count(), 1, "{codes:?}");
        assert_eq!(codes.iter().filter(|c| **c == 409).count(), 15, "{codes:?}");
    });
}

#[test]
fn a_server_that_is_not_a_witness_says_so() {
    let h = common::sqlite();
    common::runtime().block_on(async {
        let r = post(&h.app, "old 0\n\nx").await;
        assert_eq!(r.status, 404);
        assert!(text(&r).contains("not a witness"));
    });
}
