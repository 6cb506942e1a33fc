//! Stored text made safe to print on a terminal. Labels, sources and notes come from
//! files and API clients; an ESC, CR or NUL in them would let a record move the cursor,
//! overwrite a line or draw a fake one (a fake `admin` token, say). Every
//! human-readable output passes stored text through here; JSON output needs no such
//! pass (its escaping is the format's).

use std::borrow::Cow;

/// Whether `c` must not reach a terminal raw: C0 and C1 controls, DEL, and the Unicode
/// bidirectional overrides and isolates, which reorder what is shown.
fn unsafe_char(c: char) -> bool {
    c.is_control() || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

fn escape(s: &str, keep_newlines: bool) -> Cow<'_, str> {
    if !s
        .chars()
        .any(|c| unsafe_char(c) && !(keep_newlines && c == '\n'))
    {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if unsafe_char(c) && !(keep_newlines && c == '\n') {
            out.push_str(&format!("\\u{{{:x}}}", u32::from(c)));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// One field (a label, a source, a note): every control character escaped, newlines
/// included, as `\u{1b}`.
pub fn field(s: &str) -> Cow<'_, str> {
    escape(s, false)
}

/// A whole text of lines, as a command prints it: controls escaped, line breaks kept.
/// (Not for output that colours itself with escape sequences: escape its fields.)
pub fn lines(s: &str) -> Cow<'_, str> {
    escape(s, true)
}

/// A value echoed in a message, cut to `max` characters with how much was left out: a
/// 5 MB id sent by a client is not sent back whole.
pub fn echo(s: &str, max: usize) -> Cow<'_, str> {
    let n = s.chars().count();
    if n <= max {
        return Cow::Borrowed(s);
    }
    let head: String = s.chars().take(max).collect();
    Cow::Owned(format!("{head}… ({} more characters)", n - max))
}

/// `bytes` as UTF-8 text, or an error naming `name`, the line and column (counted in
/// characters, from 1) of the first byte that is not UTF-8, and that byte.
pub fn utf8(name: &str, bytes: Vec<u8>) -> Result<String, String> {
    String::from_utf8(bytes).map_err(|e| {
        let bytes = e.as_bytes();
        let at = e.utf8_error().valid_up_to();
        // Everything before `at` is valid, so it can be counted as characters.
        let before = std::str::from_utf8(&bytes[..at]).unwrap_or_default();
        let line = before.matches('\n').count() + 1;
        let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
        format!(
            "{name}:{line}:{col}: not valid UTF-8 (byte 0x{:02X}); the file must be UTF-8 text",
            bytes[at]
        )
    })
}

/// Reads a text file: an unreadable file or one that is not UTF-8 is an error that names
/// it (and, for bad UTF-8, the line and column).
pub fn read_file(path: &std::path::Path) -> Result<String, String> {
    let name = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|e| format!("cannot read {name}: {e}"))?;
    utf8(&name, bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_utf8_is_located() {
        let e = utf8("f.csv", b"a,b\nc\xc3\xa9d,\xffx\n".to_vec()).unwrap_err();
        assert_eq!(
            e,
            "f.csv:2:5: not valid UTF-8 (byte 0xFF); the file must be UTF-8 text"
        );
        let e = utf8("f", vec![0x80]).unwrap_err();
        assert!(e.starts_with("f:1:1: "), "{e}");
        assert_eq!(utf8("f", "é\n".into()).unwrap(), "é\n");
    }

    #[test]
    fn controls_are_escaped_and_ordinary_text_is_untouched() {
        assert_eq!(field("newsroom"), "newsroom");
        assert!(matches!(field("Jürgen — GOV/2021/10"), Cow::Borrowed(_)));
        assert_eq!(field("a\u{1b}[2Kadmin"), "a\\u{1b}[2Kadmin");
        assert_eq!(field("x\ry\0z"), "x\\u{d}y\\u{0}z");
        assert_eq!(field("two\nlines"), "two\\u{a}lines");
        assert_eq!(lines("two\nlines\u{7}"), "two\nlines\\u{7}");
        assert_eq!(field("\u{202E}evil"), "\\u{202e}evil");
        assert_eq!(field("c1\u{9b}31m"), "c1\\u{9b}31m");
    }

    #[test]
    fn long_values_are_cut_when_echoed() {
        assert_eq!(echo("GOV/2021/10", 80), "GOV/2021/10");
        let big = "x".repeat(5_000_000);
        let e = echo(&big, 80);
        assert!(
            e.len() < 200 && e.ends_with("(4999920 more characters)"),
            "{e}"
        );
    }
}
