//! Evidence files, CSV and JSON (chosen by the first byte, as a user's file name would):
//! no input may panic; a refusal names this file; an accepted set survives a round trip
//! through the JSON format unchanged (nothing silently dropped or altered).
#![no_main]

use libfuzzer_sys::fuzz_target;
use verity_evidence::{Input, import, to_json};

fuzz_target!(|data: &[u8]| {
    let name = if data.first() == Some(&b'{') {
        "fuzz.json"
    } else {
        "fuzz.csv"
    };
    let Ok(text) = verity_app::text::utf8(name, data.to_vec()) else {
        return;
    };
    match import(&[Input::new(name, &text)]) {
        Ok(set) => {
            let json = to_json(&set);
            let again = import(&[Input::new("again.json", &json.to_string())])
                .expect("the JSON form of an accepted set imports");
            assert_eq!(to_json(&again), json, "the round trip changed the set");
        }
        Err(e) => {
            assert!(!e.diagnostics.is_empty());
            assert!(e.diagnostics.iter().all(|d| d.file == name));
            assert!(!e.to_string().is_empty());
        }
    }
});
