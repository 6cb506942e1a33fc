//! The architecture's boundaries, checked: the front-ends reach the compliance engine
//! only through this crate, and no renderer or dashboard script keeps a policy of its
//! own (a status ranking, a breakout threshold, a tolerance on a limit).

use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn read(rel: &str) -> String {
    let p = root().join(rel);
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// The `[dependencies]` table of a manifest, as text.
fn dependencies(manifest: &str) -> String {
    let text = read(manifest);
    let start = text
        .find("\n[dependencies]")
        .expect("a [dependencies] table");
    let rest = &text[start + 1..];
    let end = rest[1..].find("\n[").map_or(rest.len(), |i| i + 1);
    rest[..end].to_owned()
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn the_front_ends_depend_on_the_app_not_on_the_engine() {
    for manifest in ["crates/cli/Cargo.toml", "crates/server/Cargo.toml"] {
        let deps = dependencies(manifest);
        assert!(
            deps.contains("verity-app"),
            "{manifest} must use verity-app"
        );
        assert!(
            !deps.contains("verity-compliance"),
            "{manifest}: the front-ends reach the compliance engine through verity-app only"
        );
    }
    let mut files = Vec::new();
    rust_files(&root().join("crates/cli/src"), &mut files);
    rust_files(&root().join("crates/server/src"), &mut files);
    assert!(files.len() > 20, "{files:?}");
    for f in files {
        let text = std::fs::read_to_string(&f).unwrap();
        assert!(
            !text.contains("verity_compliance"),
            "{} names verity_compliance",
            f.display()
        );
    }
}

#[test]
fn renderers_take_their_judgements_from_the_answer() {
    let mut files = Vec::new();
    rust_files(&root().join("crates/cli/src/cmd/report"), &mut files);
    files.push(root().join("crates/cli/src/cmd/report.rs"));
    for f in &files {
        let text = std::fs::read_to_string(f).unwrap();
        for needle in ["1.0005", "days < 30", "days < 180", "fn severity", "365.25"] {
            assert!(
                !text.contains(needle),
                "{}: `{needle}` is policy; it belongs in verity-app",
                f.display()
            );
        }
    }
    let js = read("crates/server/assets/app.js");
    for needle in ["RANK", "median estimate", "y: 365"] {
        assert!(
            !js.contains(needle),
            "the dashboard keeps a policy of its own: `{needle}`"
        );
    }
    assert!(
        js.contains("assess.legend"),
        "the legend's order comes from the report"
    );
}
