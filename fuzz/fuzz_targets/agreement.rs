//! The agreement parser and, when a file parses, key-day resolution and the in-force
//! query: no input may panic, and a refusal always says why.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(src) = std::str::from_utf8(data) else {
        return;
    };
    match verity_agreement::parse(src, "fuzz.toml") {
        Ok(a) => {
            let kd = a.resolve_key_days(&a.history());
            // A file that parses has no key day past the calendar (that is an error).
            assert!(kd.out_of_range().next().is_none());
            for k in kd.iter() {
                if let Some(date) = k.date {
                    let _ = a.obligations_in_force(date, &kd);
                }
            }
            for p in &a.parties {
                let _ = a.obligations_of(&p.id);
            }
        }
        Err(diags) => {
            assert!(!diags.0.is_empty());
            assert!(!diags.to_string().is_empty());
        }
    }
});
