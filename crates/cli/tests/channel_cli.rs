//! `verity channel keygen|seal|open` as the contract gives them.

mod common;
use common::run as verity;

#[test]
fn seal_and_open_across_five_conduits() {
    let tmp = tempfile::tempdir().expect("tmp");
    let d = tmp.path();
    for name in ["e3.example/desk", "ir.example/desk"] {
        let out = verity(d, &["channel", "keygen", "--name", name, "--out", "keys"]);
        assert!(out.status.success());
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(d.join("keys/e3.example_desk.key"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let message = "Proposal: enrichment capped at 3.67 %; the Additional Protocol applied again.\n";
    std::fs::write(d.join("m.txt"), message).unwrap();
    let out = verity(
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
            "oman,qatar,switzerland,norway,japan",
            "--out",
            "shares",
            "m.txt",
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let id = String::from_utf8_lossy(&out.stdout).trim().to_owned();
    assert_eq!(id.len(), 32, "a 16-byte id in hex: {id}");
    for i in 1..=5 {
        let s = std::fs::read_to_string(d.join(format!("shares/share-{i}"))).unwrap();
        assert!(s.contains(&id));
        // No share carries the message in the clear, nor even a third of it.
        assert!(!s.contains("Additional Protocol"));
    }
    let open = |shares: &[&str]| {
        let mut args = vec![
            "channel",
            "open",
            "--key",
            "keys/ir.example_desk.key",
            "--sender",
            "keys/e3.example_desk.pub",
        ];
        args.extend_from_slice(shares);
        verity(d, &args)
    };
    let out = open(&["shares/share-2", "shares/share-4", "shares/share-5"]);
    assert!(out.status.success());
    assert_eq!(String::from_utf8_lossy(&out.stdout), message);
    // One share altered in transit (its conduit relabelled): named on stderr; with two
    // left the message cannot be opened.
    let s3 = std::fs::read_to_string(d.join("shares/share-3")).unwrap();
    std::fs::write(
        d.join("shares/share-3"),
        s3.replace("\"conduit\": \"switzerland\"", "\"conduit\": \"norway\""),
    )
    .unwrap();
    let out = open(&["shares/share-1", "shares/share-3", "shares/share-5"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("rejected shares/share-3 (conduit norway): altered"),
        "{err}"
    );
    assert!(err.contains("need 3 valid shares, have 2"), "{err}");
    // The recipient key of someone else opens nothing.
    verity(
        d,
        &[
            "channel",
            "keygen",
            "--name",
            "other.example",
            "--out",
            "keys",
        ],
    );
    let out = verity(
        d,
        &[
            "channel",
            "open",
            "--key",
            "keys/other.example.key",
            "--sender",
            "keys/e3.example_desk.pub",
            "shares/share-1",
            "shares/share-2",
            "shares/share-4",
        ],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("addressed to ir.example/desk+"));
    // Colluding conduits: a domain holding the threshold is refused, nothing written.
    let out = verity(
        d,
        &[
            "channel",
            "seal",
            "--key",
            "keys/e3.example_desk.key",
            "--to",
            "keys/ir.example_desk.pub",
            "--conduits",
            "4",
            "--threshold",
            "2",
            "--domain",
            "conduit-1+conduit-2",
            "--out",
            "nope",
            "m.txt",
        ],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains("trust domain conduit-1+conduit-2 holds 2 shares")
    );
    assert!(!d.join("nope").exists());
}
