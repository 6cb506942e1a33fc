//! A back channel over five relays on loopback (`verity serve --relay`), with a relay
//! that is down (a drop), one whose stored share is altered (tampering), one handed
//! the same share twice (a replay) and one that delivers late (a delay): each is named
//! in the signed receipts, the message still opens from the three good shares, and
//! the log holds the header and the receipts, which verify.

use std::path::Path;

mod common;
use common::{ok, run as verity};

struct Relay {
    _served: common::Served,
    url: String,
    token: String,
    db: std::path::PathBuf,
}

fn relay(dir: &Path, name: &str) -> Relay {
    let db = dir.join(format!("{name}.db"));
    let key = dir.join(format!("{name}-log.key"));
    let (dbs, keys) = (db.display().to_string(), key.display().to_string());
    let s = common::serve(
        dir,
        &["--relay", "--db", &dbs, "--log-key", &keys],
        None,
        true,
    );
    let token = s.token.clone().expect("a new store's token");
    Relay {
        url: format!("http://{}", s.addr),
        _served: s,
        token,
        db,
    }
}

#[test]
fn drops_tampering_replays_and_delays_are_pinned_on_their_relays() {
    let tmp = tempfile::tempdir().expect("tmp");
    let d = tmp.path();
    for n in ["e3.example/desk", "ir.example/desk"] {
        ok(d, &["channel", "keygen", "--name", n, "--out", "keys"]);
    }
    ok(
        d,
        &[
            "key",
            "generate",
            "--name",
            "channel.example/log",
            "--out",
            "keys",
        ],
    );
    ok(
        d,
        &[
            "log",
            "init",
            "--db",
            "log.db",
            "--origin",
            "channel.example/log",
            "--key",
            "keys/channel.example_log.key",
        ],
    );
    let names = ["oman", "qatar", "switzerland", "norway", "japan"];
    // Qatar's relay is never started: its share is dropped.
    let relays: Vec<Option<Relay>> = names
        .iter()
        .map(|n| (*n != "qatar").then(|| relay(d, n)))
        .collect();
    let relay_args: Vec<String> = names
        .iter()
        .zip(&relays)
        .map(|(n, r)| {
            format!(
                "{n}={}",
                r.as_ref()
                    .map_or("http://127.0.0.1:9".to_owned(), |r| r.url.clone())
            )
        })
        .collect();
    let token_args: Vec<String> = names
        .iter()
        .zip(&relays)
        .filter_map(|(n, r)| r.as_ref().map(|r| format!("{n}={}", r.token)))
        .collect();
    let mut relay_flags: Vec<&str> = Vec::new();
    for r in &relay_args {
        relay_flags.extend(["--relay", r.as_str()]);
    }
    for t in &token_args {
        relay_flags.extend(["--token", t.as_str()]);
    }

    std::fs::write(
        d.join("m.txt"),
        "Ready to resume talks on the basis of 3.67 %.\n",
    )
    .unwrap();
    let id = ok(
        d,
        &[
            "channel",
            "seal",
            "--key",
            "keys/e3.example_desk.key",
            "--to",
            "keys/ir.example_desk.pub",
            "--conduits",
            "5",
            "--threshold",
            "3",
            "--conduit-names",
            &names.join(","),
            "--db",
            "log.db",
            "--out",
            "shares",
            "m.txt",
        ],
    )
    .trim()
    .to_owned();

    // Send all but Japan's now; Norway's twice (a replay).
    let mut args = vec!["channel", "send"];
    args.extend(&relay_flags);
    args.extend([
        "shares/share-1",
        "shares/share-2",
        "shares/share-3",
        "shares/share-4",
        "shares/share-4",
    ]);
    let out = verity(d, &args);
    assert_eq!(out.status.code(), Some(1), "Qatar's relay is down");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("share 2 → qatar") && text.contains("unreachable"),
        "{text}"
    );
    assert_eq!(text.matches("deposited").count(), 4, "{text}");
    // Switzerland's operator alters the stored share.
    let swiss = relays[2].as_ref().unwrap();
    let c = std::process::Command::new("python3")
        .arg("-c")
        .arg(format!(
            "import sqlite3; c=sqlite3.connect('{}'); c.execute(\"UPDATE relay_shares SET body=replace(body, '\\\"index\\\": 3', '\\\"index\\\": 2')\"); c.commit()",
            swiss.db.display()
        ))
        .status()
        .expect("python3");
    assert!(c.success());

    let mut fetch = vec![
        "channel",
        "fetch",
        "--mailbox",
        "ir.example/desk",
        "--out",
        "inbox",
    ];
    fetch.extend(&relay_flags);
    ok(d, &fetch);
    let inbox = || -> Vec<String> {
        std::fs::read_dir(d.join("inbox"))
            .unwrap()
            .map(|e| e.unwrap().path().display().to_string())
            .collect()
    };
    let open_inbox = || {
        let files = inbox();
        let mut open = vec![
            "channel",
            "open",
            "--key",
            "keys/ir.example_desk.key",
            "--sender",
            "keys/e3.example_desk.pub",
        ];
        open.extend(files.iter().map(String::as_str));
        verity(d, &open)
    };
    // Only two valid shares so far (Oman, Norway): not enough.
    let out = open_inbox();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("need 3 valid shares, have 2"));

    // Japan's share arrives late; the second fetch gets it.
    let mut late = vec!["channel", "send"];
    late.extend(&relay_flags);
    late.push("shares/share-5");
    ok(d, &late);
    ok(d, &fetch);
    let out = open_inbox();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "Ready to resume talks on the basis of 3.67 %.\n"
    );

    // Signed receipts, logged: valid for Oman, Norway, Japan; Switzerland's altered;
    // Norway's second copy a replay.
    let files = inbox();
    let mut receipt = vec![
        "channel",
        "receipt",
        "--key",
        "keys/ir.example_desk.key",
        "--sender",
        "keys/e3.example_desk.pub",
        "--db",
        "log.db",
    ];
    receipt.extend(files.iter().map(String::as_str));
    let lines = ok(d, &receipt);
    let receipts: Vec<serde_json::Value> = lines
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(receipts.len(), 5, "{lines}");
    let by = |conduit: &str| {
        receipts
            .iter()
            .filter(|r| r["conduit"] == conduit)
            .collect::<Vec<_>>()
    };
    for c in ["oman", "japan"] {
        assert_eq!(by(c).len(), 1);
        assert_eq!(by(c)[0]["valid"], true, "{c}");
    }
    let norway = by("norway");
    assert_eq!(norway.len(), 2);
    assert!(
        norway
            .iter()
            .any(|r| r["valid"] == false && r["reason"].as_str().unwrap().contains("replay"))
    );
    let swiss_r = by("switzerland");
    assert_eq!(swiss_r.len(), 1);
    assert_eq!(swiss_r[0]["valid"], false);
    assert!(receipts.iter().all(|r| r["message_id"] == id.as_str()));
    // The log holds the header and the five receipts, and verifies.
    let shown = ok(d, &["log", "show", "--db", "log.db", "--json"]);
    let entries: Vec<serde_json::Value> = serde_json::from_str(&shown).unwrap();
    assert_eq!(entries[0]["kind"], "channel_header");
    assert_eq!(entries[0]["signer"], "e3.example/desk");
    assert!(!shown.contains("3.67"), "the log holds no content");
    let receipts_logged: Vec<_> = entries
        .iter()
        .filter(|e| e["kind"] == "channel_receipt")
        .collect();
    assert_eq!(receipts_logged.len(), 5);
    assert!(
        receipts_logged
            .iter()
            .all(|e| e["signer"] == "ir.example/desk")
    );
    let text = ok(
        d,
        &["log", "show", "--db", "log.db", "--kind", "channel_receipt"],
    );
    assert!(text.contains("via switzerland: rejected"), "{text}");
    ok(d, &["log", "verify", "--db", "log.db"]);
}
