//! `verity report --format pdf`: the HTML report printed by headless Chromium, whole
//! or not at all. Where Chromium is installed (CI installs it), the PDF and the HTML
//! it was printed from are kept under artifacts/report/.

use std::path::{Path, PathBuf};

use assert_cmd::Command;

const CHROMIUM: &str = "/usr/bin/chromium";

fn artifacts() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../artifacts/report");
    std::fs::create_dir_all(&dir).expect("artifacts dir");
    dir
}

#[test]
fn the_report_prints_to_pdf_where_chromium_is_installed() {
    if !Path::new(CHROMIUM).exists() {
        assert!(std::env::var_os("CI").is_none(), "CI must install chromium");
        return;
    }
    let dir = artifacts();
    let pdf = dir.join("report.pdf");
    let html = dir.join("report.html");
    let _ = std::fs::remove_file(&pdf);
    Command::cargo_bin("verity")
        .expect("binary")
        .args(["report", "--format", "pdf", "--out"])
        .arg(&pdf)
        .env("VERITY_CHROMIUM", CHROMIUM)
        .assert()
        .success();
    Command::cargo_bin("verity")
        .expect("binary")
        .args(["report", "--format", "html", "--out"])
        .arg(&html)
        .assert()
        .success();
    let bytes = std::fs::read(&pdf).expect("the PDF");
    assert!(bytes.starts_with(b"%PDF-"), "a PDF");
    // Several pages: the summary, the charts, every party's table, the timeline.
    let pages = bytes
        .windows(10)
        .filter(|w| w == b"/Type /Pag" || w == b"/Type/Page")
        .count();
    assert!(pages > 3, "{pages} page objects");
    assert!(bytes.len() > 50_000, "{} bytes", bytes.len());
}

#[test]
fn without_a_browser_or_a_file_nothing_is_written() {
    let tmp = tempfile::tempdir().expect("tmp");
    let out = tmp.path().join("r.pdf");
    let res = Command::cargo_bin("verity")
        .expect("binary")
        .args(["report", "--format", "pdf", "--out"])
        .arg(&out)
        .env("VERITY_CHROMIUM", tmp.path().join("no-such-browser"))
        .output()
        .expect("runs");
    assert!(!res.status.success());
    let err = String::from_utf8_lossy(&res.stderr);
    assert!(err.contains("no-such-browser"), "{err}");
    assert!(!out.exists(), "nothing half-written");
    assert_eq!(std::fs::read_dir(tmp.path()).expect("dir").count(), 0);
    let res = Command::cargo_bin("verity")
        .expect("binary")
        .args(["report", "--format", "pdf"])
        .output()
        .expect("runs");
    assert!(!res.status.success());
    assert!(String::from_utf8_lossy(&res.stderr).contains("--out"));
}
