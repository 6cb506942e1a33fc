//! Signed notes (c2sp.org/signed-note) and verifier keys: what parses prints back
//! exactly; verification against a fixed key never panics.
#![no_main]

use libfuzzer_sys::fuzz_target;
use verity_ledger::{Note, NoteVerifier};

const KEY: &str = "verity.test/log+c019994c+ATPydHchUJ0FRp+R9w0hYUhUXtVlJHAfuHVrIKuw7w4n";

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(note) = Note::parse(text) {
        assert_eq!(
            note.to_string(),
            text,
            "a parsed note prints back as it was"
        );
        if let Ok(key) = NoteVerifier::from_text(KEY) {
            let _ = note.verify_known(std::slice::from_ref(&key));
            let _ = note.verify(std::slice::from_ref(&key));
        }
    }
    if let Ok(v) = NoteVerifier::from_text(text.trim_end()) {
        assert_eq!(
            v.to_text(),
            text.trim_end(),
            "a parsed key prints back as it was"
        );
    }
});
