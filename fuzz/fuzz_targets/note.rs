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
    // A key file's surrounding whitespace (its final newline) is not part of the key,
    // and its hex key id may be in either case (as Go's note package reads it): what
    // parses prints back as the same name, id and key, and reads back to itself.
    if let Ok(v) = NoteVerifier::from_text(text) {
        let printed = v.to_text();
        let given: Vec<&str> = text.trim().splitn(3, '+').collect();
        let shown: Vec<&str> = printed.splitn(3, '+').collect();
        assert_eq!(given.len(), 3);
        assert_eq!(given[0], shown[0], "the name prints back as it was");
        assert!(
            given[1].eq_ignore_ascii_case(shown[1]),
            "the key id prints back"
        );
        assert_eq!(given[2], shown[2], "the key prints back as it was");
        let again = NoteVerifier::from_text(&printed).expect("a printed key parses");
        assert_eq!(again.to_text(), printed);
    }
});
