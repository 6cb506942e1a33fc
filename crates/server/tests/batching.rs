//! Appends integrated in batches: concurrent submissions share one transaction and one
//! signed checkpoint, a batch never exceeds its size, and every submission gets its own
//! indices and a checkpoint that covers them.

mod common;

use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;
use verity_server::integrator::Batching;

fn submit_concurrently(h: &common::Harness, batching: Batching, n: usize) -> Vec<Value> {
    let state = verity_server::AppState::with_batching(
        h.state.store.clone(),
        vec![verity_agreement::jcpoa().unwrap()],
        batching,
    );
    let app = verity_server::app(state);
    let key = Arc::new(verity_ledger::NoteSigner::generate("inspector.example/bob").unwrap());
    common::runtime().block_on(async {
        let tasks: Vec<_> = (0..n)
            .map(|i| {
                let (app, key, token) = (app.clone(), key.clone(), h.inspector.clone());
                tokio::spawn(async move {
                    let e = verity_ledger::SignedEntry::sign(
                        &key,
                        verity_ledger::Kind::InspectionReport,
                        serde_json::json!({"site": "Natanz", "visit": i}),
                    );
                    let leaf: Value = serde_json::from_slice(e.leaf()).unwrap();
                    let r =
                        common::post_json(&app, "/api/v1/log/entries", Some(&token), &leaf).await;
                    assert_eq!(r.status, 201, "{}", String::from_utf8_lossy(&r.bytes));
                    r.json()
                })
            })
            .collect();
        let mut out = Vec::new();
        for t in tasks {
            out.push(t.await.unwrap());
        }
        out
    })
}

fn check(answers: &[Value]) -> std::collections::BTreeMap<u64, usize> {
    let mut indices: Vec<u64> = answers
        .iter()
        .map(|a| a["indices"][0].as_u64().unwrap())
        .collect();
    indices.sort_unstable();
    indices.dedup();
    assert_eq!(
        indices.len(),
        answers.len(),
        "every submission has its own index"
    );
    assert_eq!(
        indices.last().unwrap() - indices[0] + 1,
        answers.len() as u64,
        "contiguous"
    );
    // Each answer's checkpoint covers its entry; count the submissions per checkpoint.
    let mut per_size = std::collections::BTreeMap::new();
    for a in answers {
        let size = a["tree_size"].as_u64().unwrap();
        assert!(size > a["indices"][0].as_u64().unwrap());
        let note = verity_ledger::Note::parse(a["checkpoint"].as_str().unwrap()).unwrap();
        let cp = verity_ledger::Checkpoint::parse_body(note.text()).unwrap();
        assert_eq!(cp.size, size);
        *per_size.entry(size).or_insert(0) += 1;
    }
    per_size
}

#[test]
fn concurrent_submissions_share_a_checkpoint() {
    let h = common::sqlite();
    let answers = submit_concurrently(
        &h,
        Batching {
            max_entries: 4096,
            delay: Duration::from_millis(200),
        },
        24,
    );
    let per = check(&answers);
    // Within the delay all 24 are batched: far fewer checkpoints than submissions.
    assert!(per.len() <= 3, "{per:?}");
}

#[test]
fn a_batch_never_exceeds_its_size() {
    let h = common::sqlite();
    let answers = submit_concurrently(
        &h,
        Batching {
            max_entries: 5,
            delay: Duration::from_millis(100),
        },
        20,
    );
    let per = check(&answers);
    assert!(per.values().all(|n| *n <= 5), "{per:?}");
    assert!(per.len() >= 4, "{per:?}");
}
