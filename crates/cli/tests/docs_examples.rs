//! The README's and the docs' examples are run: every ```console block in README.md
//! and docs/*.md holds `$ verity …` commands, each followed by the output it prints,
//! and this test runs each command and compares. An example can never drift from the
//! real output again.
//!
//! Conventions of an expected output (those of trycmd): a line `...` stands for any
//! number of lines; `[..]` within a line for any text; a first line `? 2` for the exit
//! code (default 0). Commands of one file run in order in one scratch directory whose
//! `data` and `docs` are the repository's, so `--db verity.db` and key files carry from
//! one example to the next. `VERITY_DOCS=overwrite cargo test --test docs_examples`
//! rewrites each output with what the command printed (then abridge with `...`).

use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// One example: where it is, the command's words, the expected output and code.
struct Example {
    line: usize,
    command: String,
    words: Vec<String>,
    /// `> FILE` (not shown) or `| tee FILE` (shown).
    to_file: Option<(String, bool)>,
    expected: Vec<String>,
    code: i32,
    /// Line range of the output in the file (for overwriting).
    out_lines: std::ops::Range<usize>,
}

/// Splits a command as a POSIX shell would for the simple cases examples use: words,
/// single and double quotes, backslash line continuations (already joined).
fn words(cmd: &str) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut in_word = false;
    let mut chars = cmd.chars();
    while let Some(c) = chars.next() {
        match c {
            '\'' => {
                in_word = true;
                for q in chars.by_ref() {
                    if q == '\'' {
                        break;
                    }
                    cur.push(q);
                }
            }
            '"' => {
                in_word = true;
                for q in chars.by_ref() {
                    if q == '"' {
                        break;
                    }
                    cur.push(q);
                }
            }
            '|' | '>' if !in_word => out.push(c.to_string()),
            '|' | '>' | '<' | ';' | '&' | '$' | '`' => {
                return Err(format!(
                    "`{c}` needs a shell; examples run the binary alone"
                ));
            }
            c if c.is_whitespace() => {
                if in_word {
                    out.push(std::mem::take(&mut cur));
                    in_word = false;
                }
            }
            c => {
                in_word = true;
                cur.push(c);
            }
        }
    }
    if in_word {
        out.push(cur);
    }
    Ok(out)
}

fn examples(text: &str) -> Vec<Example> {
    let lines: Vec<&str> = text.lines().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        if lines[i].trim_start() != "```console" {
            i += 1;
            continue;
        }
        i += 1;
        while i < lines.len() && lines[i].trim_start() != "```" {
            let Some(first) = lines[i].strip_prefix("$ ") else {
                i += 1;
                continue;
            };
            let line = i + 1;
            let mut command = first.to_owned();
            while command.ends_with('\\') && i + 1 < lines.len() {
                command.pop();
                i += 1;
                command.push(' ');
                command.push_str(lines[i].trim());
            }
            i += 1;
            let start = i;
            while i < lines.len() && !lines[i].starts_with("$ ") && lines[i].trim_start() != "```" {
                i += 1;
            }
            let mut expected: Vec<String> = lines[start..i]
                .iter()
                .map(|l| l.trim_end().to_owned())
                .collect();
            while expected.last().is_some_and(|l| l.is_empty()) {
                expected.pop();
            }
            let code = match expected.first().and_then(|l| l.strip_prefix("? ")) {
                Some(c) => {
                    let c = c.trim().parse().unwrap_or(-1);
                    expected.remove(0);
                    c
                }
                None => 0,
            };
            let words = words(&command).unwrap_or_else(|e| panic!("line {line}: {command}: {e}"));
            let (words, to_file) = redirect(&words);
            assert!(
                !words.iter().any(|w| w == "|" || w == ">"),
                "line {line}: {command}: only `> FILE` or `| tee FILE` at the end"
            );
            out.push(Example {
                line,
                command,
                words,
                to_file,
                expected,
                code,
                out_lines: start..i,
            });
        }
        i += 1;
    }
    out
}

fn line_matches(pattern: &str, text: &str) -> bool {
    let parts: Vec<&str> = pattern.split("[..]").collect();
    if parts.len() == 1 {
        return pattern == text;
    }
    let Some(mut rest) = text.strip_prefix(parts[0]) else {
        return false;
    };
    for (k, part) in parts.iter().enumerate().skip(1) {
        if k == parts.len() - 1 {
            return rest.ends_with(part);
        }
        match rest.find(part) {
            Some(at) => rest = &rest[at + part.len()..],
            None => return false,
        }
    }
    true
}

/// Whether `actual` matches `expected` with `...` lines and `[..]` wildcards: glob
/// matching over lines, backtracking to the last `...` (linear in practice).
fn matches(expected: &[String], actual: &[String]) -> bool {
    let (mut i, mut j) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while j < actual.len() {
        if i < expected.len() && expected[i] == "..." {
            star = Some((i, j));
            i += 1;
        } else if i < expected.len() && line_matches(&expected[i], &actual[j]) {
            i += 1;
            j += 1;
        } else if let Some((si, sj)) = star {
            i = si + 1;
            j = sj + 1;
            star = Some((si, sj + 1));
        } else {
            return false;
        }
    }
    expected[i..].iter().all(|l| l == "...")
}

/// The command's own words, and a file its output also goes to (`> FILE` or
/// `| tee FILE`, the one redirection examples may use) and whether it is still shown.
fn redirect(words: &[String]) -> (Vec<String>, Option<(String, bool)>) {
    match words {
        [head @ .., op, file] if op == ">" => (head.to_vec(), Some((file.clone(), false))),
        [head @ .., pipe, tee, file] if pipe == "|" && tee == "tee" => {
            (head.to_vec(), Some((file.clone(), true)))
        }
        _ => (words.to_vec(), None),
    }
}

fn run_file(rel: &str) -> usize {
    let path = root().join(rel);
    let text = std::fs::read_to_string(&path).unwrap();
    let list = examples(&text);
    let scratch = tempfile::tempdir().unwrap();
    for dir in ["data", "docs"] {
        std::os::unix::fs::symlink(root().join(dir), scratch.path().join(dir)).unwrap();
    }
    let overwrite = std::env::var("VERITY_DOCS").is_ok_and(|v| v == "overwrite");
    let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
    let mut failures = Vec::new();
    // Overwrite from the end so earlier ranges stay valid.
    let mut replacements = Vec::new();
    for ex in &list {
        assert_eq!(
            ex.words.first().map(String::as_str),
            Some("verity"),
            "{rel}:{}",
            ex.line
        );
        let out = assert_cmd::Command::cargo_bin("verity")
            .unwrap()
            .args(&ex.words[1..])
            .current_dir(scratch.path())
            .env("COLUMNS", "160")
            .env("NO_COLOR", "1")
            .output()
            .unwrap();
        let mut stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        if let Some((file, shown)) = &ex.to_file {
            std::fs::write(scratch.path().join(file), &stdout).unwrap();
            if !shown {
                stdout.clear();
            }
        }
        let mut actual: Vec<String> = stdout
            .lines()
            .chain(String::from_utf8_lossy(&out.stderr).lines())
            .map(|l| l.trim_end().to_owned())
            .collect();
        while actual.last().is_some_and(|l| l.is_empty()) {
            actual.pop();
        }
        let code = out.status.code().unwrap_or(-1);
        if overwrite {
            let mut new = Vec::new();
            if code != 0 {
                new.push(format!("? {code}"));
            }
            new.extend(actual.iter().cloned());
            if ex.out_lines.end < lines.len() && lines[ex.out_lines.end].starts_with("$ ") {
                new.push(String::new());
            }
            replacements.push((ex.out_lines.clone(), new));
            continue;
        }
        if code != ex.code || !matches(&ex.expected, &actual) {
            failures.push(format!(
                "{rel}:{}: $ {}\n--- expected (exit {})\n{}\n--- actual (exit {code})\n{}",
                ex.line,
                ex.command,
                ex.code,
                ex.expected.join("\n"),
                actual.join("\n")
            ));
        }
    }
    if overwrite {
        for (range, new) in replacements.into_iter().rev() {
            lines.splice(range, new);
        }
        std::fs::write(&path, lines.join("\n") + "\n").unwrap();
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
    list.len()
}

#[test]
fn the_readme_examples_print_what_the_readme_says() {
    let n = run_file("README.md");
    assert!(n >= 15, "only {n} examples in the README");
}

#[test]
fn the_docs_examples_print_what_the_docs_say() {
    for entry in std::fs::read_dir(root().join("docs")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "md") {
            let rel = format!("docs/{}", path.file_name().unwrap().to_string_lossy());
            run_file(&rel);
        }
    }
}

#[test]
fn the_matcher_honours_its_wildcards() {
    let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
    assert!(matches(&s(&["a", "...", "d"]), &s(&["a", "b", "c", "d"])));
    assert!(matches(&s(&["a [..] c"]), &s(&["a bbb c"])));
    assert!(!matches(&s(&["a [..] c"]), &s(&["a bbb d"])));
    assert!(!matches(&s(&["a", "d"]), &s(&["a", "b", "d"])));
    assert!(matches(&s(&["..."]), &s(&[])));
    assert_eq!(
        words("verity a 'b c' \"d\"").unwrap(),
        ["verity", "a", "b c", "d"]
    );
    assert!(words("verity a ; b").is_err());
    let w = words("verity log checkpoint | tee cp.txt").unwrap();
    assert_eq!(redirect(&w).1, Some(("cp.txt".to_owned(), true)));
}
