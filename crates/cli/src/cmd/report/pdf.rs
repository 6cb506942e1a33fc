//! The report as PDF: the self-contained HTML report printed by headless Chromium
//! (`--print-to-pdf`), where Chromium is installed. The file appears whole or not at
//! all: Chromium prints into a temporary directory, and the PDF is moved into place
//! only once it is one.

use std::path::{Path, PathBuf};
use std::process::Command;

use super::super::CliError;

/// The browsers tried, in order, when `VERITY_CHROMIUM` names none.
const BROWSERS: &[&str] = &[
    "chromium",
    "chromium-browser",
    "google-chrome",
    "google-chrome-stable",
];

fn browser() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("VERITY_CHROMIUM") {
        return Some(PathBuf::from(p));
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .flat_map(|dir| BROWSERS.iter().map(move |b| dir.join(b)))
        .find(|p| p.is_file())
}

pub fn print(html: &str, out: &Path) -> Result<(), CliError> {
    let Some(chrome) = browser() else {
        return Err(CliError::bad_input(format!(
            "--format pdf needs headless Chromium, and none was found (tried {} on PATH, and VERITY_CHROMIUM); install it (Debian: apt-get install chromium) or use --format html and print that",
            BROWSERS.join(", ")
        )));
    };
    let tmp = tempfile::tempdir()
        .map_err(|e| CliError::Failed(anyhow::anyhow!("cannot make a temporary directory: {e}")))?;
    let page = tmp.path().join("report.html");
    let pdf = tmp.path().join("report.pdf");
    std::fs::write(&page, html)
        .map_err(|e| CliError::Failed(anyhow::anyhow!("cannot write {}: {e}", page.display())))?;
    let run = Command::new(&chrome)
        .arg("--headless")
        .arg("--disable-gpu")
        .arg("--no-sandbox")
        .arg("--no-pdf-header-footer")
        .arg(format!(
            "--user-data-dir={}",
            tmp.path().join("profile").display()
        ))
        .arg(format!("--print-to-pdf={}", pdf.display()))
        .arg(format!("file://{}", page.display()))
        .output()
        .map_err(|e| CliError::Failed(anyhow::anyhow!("cannot run {}: {e}", chrome.display())))?;
    let bytes = std::fs::read(&pdf).unwrap_or_default();
    if !run.status.success() || !bytes.starts_with(b"%PDF-") {
        return Err(CliError::Failed(anyhow::anyhow!(
            "{} did not print the report to PDF ({}): {}",
            chrome.display(),
            run.status,
            String::from_utf8_lossy(&run.stderr)
                .lines()
                .last()
                .unwrap_or("")
        )));
    }
    // Into place whole: a sibling temporary file renamed over the target.
    let dir = out
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let mut part = tempfile::NamedTempFile::new_in(dir)
        .map_err(|e| CliError::Failed(anyhow::anyhow!("cannot write in {}: {e}", dir.display())))?;
    std::io::Write::write_all(&mut part, &bytes)
        .map_err(|e| CliError::Failed(anyhow::anyhow!("cannot write {}: {e}", out.display())))?;
    // Readable as any file the user writes (a temporary file starts private).
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let _ = part
            .as_file()
            .set_permissions(std::fs::Permissions::from_mode(0o644));
    }
    part.persist(out).map_err(|e| {
        CliError::Failed(anyhow::anyhow!(
            "cannot write {}: {}",
            out.display(),
            e.error
        ))
    })?;
    Ok(())
}
