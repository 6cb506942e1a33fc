//! Checkpoints (c2sp.org/tlog-checkpoint): a body that parses prints back exactly; a
//! signed checkpoint is opened against a fixed key without panicking, and is accepted
//! only if that key's signature verifies.
#![no_main]

use libfuzzer_sys::fuzz_target;
use verity_ledger::NoteVerifier;
use verity_ledger::checkpoint::{self, Checkpoint};

/// The verifier key of the seeds (generated once; its private half is not needed).
const KEY: &str = "verity.test/log+c019994c+ATPydHchUJ0FRp+R9w0hYUhUXtVlJHAfuHVrIKuw7w4n";

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(cp) = Checkpoint::parse_body(text) {
        assert_eq!(cp.body(), text, "a parsed checkpoint prints back as it was");
    }
    let Ok(key) = NoteVerifier::from_text(KEY) else {
        return;
    };
    if let Ok(v) = checkpoint::open(text, std::slice::from_ref(&key), None) {
        assert!(v.signed_by.iter().any(|n| n == key.name()));
        assert!(v.note.verify_known(std::slice::from_ref(&key)).is_ok());
    }
});
