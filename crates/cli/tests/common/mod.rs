//! What the CLI tests that run the real binary share: running `verity`, and a
//! `verity serve` child with the address (and, on a new store, the token) it printed.

#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};

pub fn bin() -> std::path::PathBuf {
    assert_cmd::cargo::cargo_bin("verity")
}

/// Runs `verity ARGS` in `dir`.
pub fn run(dir: &Path, args: &[&str]) -> Output {
    Command::new(bin())
        .current_dir(dir)
        .args(args)
        .output()
        .expect("verity runs")
}

/// Runs `verity ARGS` in `dir`, which must succeed; its stdout.
pub fn ok(dir: &Path, args: &[&str]) -> String {
    let out = run(dir, args);
    assert!(
        out.status.success(),
        "verity {args:?}: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A running server, killed when dropped.
pub struct Served {
    pub child: Child,
    /// `host:port`.
    pub addr: String,
    /// The analyst token printed on a new store's first start.
    pub token: Option<String>,
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `verity serve --bind 127.0.0.1:0 ARGS` in `dir` (through `sh -c PREFIX exec`
/// when `shell_prefix` is given, e.g. `ulimit -n 2048 &&`), reads what it prints up to
/// its address (and, with `new_store`, the first-start token), and keeps reading the
/// rest, as a terminal would.
pub fn serve(dir: &Path, args: &[&str], shell_prefix: Option<&str>, new_store: bool) -> Served {
    let mut cmd = match shell_prefix {
        Some(p) => {
            let mut c = Command::new("sh");
            c.arg("-c")
                .arg(format!("{p} exec \"$0\" \"$@\""))
                .arg(bin());
            c
        }
        None => Command::new(bin()),
    };
    let mut child = cmd
        .current_dir(dir)
        .args(["serve", "--bind", "127.0.0.1:0"])
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("verity serve starts");
    let mut out = BufReader::new(child.stdout.take().expect("stdout"));
    let (mut addr, mut token) = (String::new(), None);
    loop {
        let mut line = String::new();
        if out.read_line(&mut line).unwrap_or(0) == 0 {
            break;
        }
        if addr.is_empty()
            && let Some(rest) = line.split("http://").nth(1)
        {
            addr = rest.split('/').next().unwrap_or_default().to_owned();
        }
        if let Some(t) = line.split("#token=").nth(1) {
            token = Some(t.trim().to_owned());
        }
        if !addr.is_empty() && (!new_store || token.is_some()) {
            break;
        }
    }
    std::thread::spawn(move || std::io::copy(&mut out, &mut std::io::sink()));
    assert!(!addr.is_empty(), "verity serve printed no address");
    Served { child, addr, token }
}
