//! The API's JSON bodies, parsed as the server parses them: a what-if breakout request
//! (and its computation, with a small sample budget), and a log submission (canonical
//! JSON, then a signed entry). No input may panic; every breakout answer is finite.
#![no_main]

use libfuzzer_sys::fuzz_target;
use verity_app::breakout::{BreakoutRequest, Limits, what_if};

fuzz_target!(|data: &[u8]| {
    if let Ok(req) = serde_json::from_slice::<BreakoutRequest>(data) {
        let limits = Limits { max_samples: 2_000 };
        if let Ok(doc) = what_if(&req, limits, &|_| {}) {
            let v = serde_json::to_value(&doc).expect("a breakout answer serialises");
            assert!(
                no_infinite(&v),
                "a breakout answer holds a non-finite number"
            );
        }
    }
    if let Ok(v) = serde_json::from_slice::<serde_json::Value>(data) {
        let canonical = verity_ledger::entry::canonical_json(&v);
        if let Ok(e) = verity_ledger::SignedEntry::from_leaf(canonical.as_bytes()) {
            assert_eq!(e.leaf(), canonical.as_bytes());
        }
    }
});

/// serde_json writes a non-finite float as null, so a number that is there is finite;
/// check the parse agrees.
fn no_infinite(v: &serde_json::Value) -> bool {
    match v {
        serde_json::Value::Number(n) => n.as_f64().is_none_or(f64::is_finite),
        serde_json::Value::Array(a) => a.iter().all(no_infinite),
        serde_json::Value::Object(o) => o.values().all(no_infinite),
        _ => true,
    }
}
