//! A small RFC 4180 reader that keeps the line and column of every field, so that a
//! validation error can point at the exact cell. (General CSV crates report a record's
//! position but not each field's.)

/// One field with where it starts (1-based line and column, columns in characters).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field {
    pub text: String,
    pub line: usize,
    pub col: usize,
}

/// One record: its fields, and the line it starts on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    pub line: usize,
    pub fields: Vec<Field>,
}

/// A syntax error with its position.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntaxError {
    pub line: usize,
    pub col: usize,
    pub message: String,
}

/// Splits `text` into records. Accepts `\n` and `\r\n` line ends, a final line without
/// one, and a leading UTF-8 byte-order mark. Blank lines are skipped.
pub fn parse(text: &str) -> Result<Vec<Record>, SyntaxError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut records = Vec::new();
    let mut chars = text.chars().peekable();
    let (mut line, mut col) = (1usize, 1usize);
    let mut fields: Vec<Field> = Vec::new();
    let mut record_line = 1;
    let mut at_field_start = true;
    let mut cur = Field {
        text: String::new(),
        line,
        col,
    };
    let mut quoted = false;
    // After a closing quote only a separator or line end may follow.
    let mut after_quote = false;

    macro_rules! end_record {
        () => {{
            let f = std::mem::replace(
                &mut cur,
                Field {
                    text: String::new(),
                    line: line + 1,
                    col: 1,
                },
            );
            fields.push(f);
            let blank = fields.len() == 1 && fields[0].text.is_empty() && !after_quote;
            if !blank {
                records.push(Record {
                    line: record_line,
                    fields: std::mem::take(&mut fields),
                });
            } else {
                fields.clear();
            }
            at_field_start = true;
            after_quote = false;
            line += 1;
            col = 1;
            record_line = line;
        }};
    }

    while let Some(c) = chars.next() {
        if quoted {
            match c {
                '"' if chars.peek() == Some(&'"') => {
                    chars.next();
                    cur.text.push('"');
                    col += 2;
                }
                '"' => {
                    quoted = false;
                    after_quote = true;
                    col += 1;
                }
                '\n' => {
                    cur.text.push('\n');
                    line += 1;
                    col = 1;
                }
                _ => {
                    cur.text.push(c);
                    col += 1;
                }
            }
            continue;
        }
        match c {
            ',' => {
                let f = std::mem::replace(
                    &mut cur,
                    Field {
                        text: String::new(),
                        line,
                        col: col + 1,
                    },
                );
                fields.push(f);
                at_field_start = true;
                after_quote = false;
                col += 1;
            }
            '\r' if chars.peek() == Some(&'\n') => {
                chars.next();
                end_record!();
            }
            '\n' => end_record!(),
            '"' if at_field_start => {
                quoted = true;
                at_field_start = false;
                col += 1;
            }
            _ if after_quote => {
                return Err(SyntaxError {
                    line,
                    col,
                    message: format!(
                        "unexpected `{c}` after a closing quote (expected `,` or end of line)"
                    ),
                });
            }
            '"' => {
                return Err(SyntaxError {
                    line,
                    col,
                    message: "a quote inside an unquoted field (quote the whole field and double the quote)".into(),
                });
            }
            _ => {
                cur.text.push(c);
                at_field_start = false;
                col += 1;
            }
        }
    }
    if quoted {
        return Err(SyntaxError {
            line: cur.line,
            col: cur.col,
            message: "quoted field is never closed".into(),
        });
    }
    if !(fields.is_empty() && cur.text.is_empty() && !after_quote) {
        fields.push(cur);
        records.push(Record {
            line: record_line,
            fields,
        });
    }
    Ok(records)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(r: &Record) -> Vec<&str> {
        r.fields.iter().map(|f| f.text.as_str()).collect()
    }

    #[test]
    fn plain_quoted_and_positions() {
        let recs = parse("a,b,c\r\n1,\"x, \"\"y\"\"\",3\n\n4,,6").expect("valid");
        assert_eq!(recs.len(), 3);
        assert_eq!(texts(&recs[1]), ["1", "x, \"y\"", "3"]);
        assert_eq!((recs[1].fields[2].line, recs[1].fields[2].col), (2, 14));
        assert_eq!(recs[2].line, 4);
        assert_eq!(texts(&recs[2]), ["4", "", "6"]);
        assert_eq!(recs[2].fields[2].col, 4);
    }

    #[test]
    fn multiline_field_keeps_lines() {
        let recs = parse("a,\"b\nc\",d\ne,f,g\n").expect("valid");
        assert_eq!(texts(&recs[0]), ["a", "b\nc", "d"]);
        assert_eq!(recs[1].line, 3);
    }

    #[test]
    fn errors_are_located() {
        let e = parse("a,b\n1,\"x\"y\n").expect_err("junk after quote");
        assert_eq!((e.line, e.col), (2, 6));
        let e = parse("a,b\n1,x\"y\n").expect_err("stray quote");
        assert_eq!((e.line, e.col), (2, 4));
        let e = parse("a,b\n1,\"open\n").expect_err("unclosed");
        assert_eq!((e.line, e.col), (2, 3));
    }
}
