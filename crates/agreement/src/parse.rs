//! Reading an agreement file: TOML syntax (via `toml`'s spanned document tree), then a
//! hand-written walk that checks every field and reports every problem it finds, each
//! located at the line and column of the offending value.

use std::collections::{HashMap, HashSet};
use std::ops::Range;

use toml::Spanned;
use toml::de::{DeTable, DeValue};
use verity_vocab::{Date, EventDef, MetricDef, Unit};

use crate::diag::{DiagKind, Diagnostic, Diagnostics, LineIndex};
use crate::model::{
    Agreement, Citation, Comparator, FINDINGS, Ground, HistoryEntry, KeyDay, Loc, Obligation,
    ObligationKind, ObligationPattern, Occurrence, Offset, Party, Reading, ReadingStatus, Step,
    TimeExpr, Window,
};
use crate::resolve::{add_offset, referenced_days};

type Val<'i> = Spanned<DeValue<'i>>;

mod proposal;
pub use proposal::parse_proposal;

/// Parses and validates an agreement. `file` is only used to label diagnostics.
///
/// All-or-nothing: on any problem, returns every diagnostic found (in file order) and
/// no agreement. Never panics, whatever the input.
pub fn parse(src: &str, file: &str) -> Result<Agreement, Diagnostics> {
    let mut cx = Cx::new(src, file);
    let root = match DeTable::parse(src) {
        Ok(t) => t,
        Err(e) => {
            let span = e.span().unwrap_or(0..0);
            let msg = e.message().trim().replace('\n', " ");
            cx.err(span, DiagKind::Syntax, format!("invalid TOML: {msg}"));
            return Err(cx.finish());
        }
    };
    let agreement = cx.document(root.get_ref(), root.span());
    let mut diags = cx.finish();
    match agreement {
        Some(a) if diags.0.is_empty() => Ok(a),
        _ => {
            if diags.0.is_empty() {
                // Defensive: a `None` always comes with a diagnostic.
                diags.0.push(Diagnostic {
                    file: file.to_owned(),
                    loc: Loc { line: 1, col: 1 },
                    kind: DiagKind::MissingField,
                    message: "the file does not describe an agreement".into(),
                });
            }
            Err(diags)
        }
    }
}

struct Cx<'s> {
    lines: LineIndex<'s>,
    file: &'s str,
    diags: Vec<Diagnostic>,
    parties: HashSet<String>,
    days: HashSet<String>,
}

/// The fields of one TOML table, tracking which were read so the rest can be reported
/// as unknown.
struct Fields<'a, 'i> {
    table: &'a DeTable<'i>,
    span: Range<usize>,
    what: String,
    used: HashSet<&'a str>,
}

impl<'a, 'i> Fields<'a, 'i> {
    fn new(table: &'a DeTable<'i>, span: Range<usize>, what: impl Into<String>) -> Self {
        Fields {
            table,
            span,
            what: what.into(),
            used: HashSet::new(),
        }
    }

    fn get(&mut self, key: &'a str) -> Option<&'a Val<'i>> {
        self.used.insert(key);
        self.table.get(key)
    }

    fn has(&self, key: &str) -> bool {
        self.table.get(key).is_some()
    }

    /// Reports fields that were never read, naming the ones this table accepts.
    fn finish(self, cx: &mut Cx<'_>, accepted: &[&str]) {
        let mut unknown: Vec<(&Spanned<std::borrow::Cow<'i, str>>, _)> = self
            .table
            .iter()
            .filter(|(k, _)| !self.used.contains(k.get_ref().as_ref()))
            .collect();
        unknown.sort_by_key(|(k, _)| k.span().start);
        for (k, _) in unknown {
            cx.err(
                k.span(),
                DiagKind::UnknownField,
                format!(
                    "unknown field `{}` in {}; expected one of: {}",
                    k.get_ref(),
                    self.what,
                    accepted.join(", ")
                ),
            );
        }
    }
}

fn type_name(v: &DeValue<'_>) -> &'static str {
    match v {
        DeValue::String(_) => "a string",
        DeValue::Integer(_) => "an integer",
        DeValue::Float(_) => "a number",
        DeValue::Boolean(_) => "a boolean",
        DeValue::Datetime(_) => "a date",
        DeValue::Array(_) => "an array",
        DeValue::Table(_) => "a table",
    }
}

fn is_ident(s: &str) -> bool {
    !s.is_empty()
        && s.chars().all(|c| {
            c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '.' || c == '-'
        })
        && s.chars().next().is_some_and(|c| c.is_ascii_lowercase())
}

impl<'s> Cx<'s> {
    fn new(src: &'s str, file: &'s str) -> Self {
        Cx {
            lines: LineIndex::new(src),
            file,
            diags: Vec::new(),
            parties: HashSet::new(),
            days: HashSet::new(),
        }
    }

    fn err(&mut self, span: Range<usize>, kind: DiagKind, message: impl Into<String>) {
        self.diags.push(Diagnostic {
            file: self.file.to_owned(),
            loc: self.lines.locate(span.start),
            kind,
            message: message.into(),
        });
    }

    fn loc(&self, span: Range<usize>) -> Loc {
        self.lines.locate(span.start)
    }

    fn finish(mut self) -> Diagnostics {
        self.diags.sort_by_key(|d| d.loc);
        self.diags.dedup();
        Diagnostics(self.diags)
    }

    fn missing(&mut self, f: &Fields<'_, '_>, key: &str, expected: &str) {
        let span = f.span.clone();
        self.err(
            span,
            DiagKind::MissingField,
            format!("{} has no `{key}`; expected {expected}", f.what),
        );
    }

    fn string<'v>(&mut self, v: &'v Val<'_>, key: &str, expected: &str) -> Option<&'v str> {
        match v.get_ref() {
            DeValue::String(s) => Some(s.as_ref()),
            other => {
                self.err(
                    v.span(),
                    DiagKind::BadValue,
                    format!("`{key}` must be {expected}, found {}", type_name(other)),
                );
                None
            }
        }
    }

    fn req_string(
        &mut self,
        f: &mut Fields<'_, '_>,
        key: &'static str,
        expected: &str,
    ) -> Option<(String, Range<usize>)> {
        match f.get(key) {
            Some(v) => {
                let s = self.string(v, key, expected)?.trim().to_owned();
                if s.is_empty() {
                    self.err(
                        v.span(),
                        DiagKind::BadValue,
                        format!("`{key}` is empty; expected {expected}"),
                    );
                    return None;
                }
                Some((s, v.span()))
            }
            None => {
                self.missing(f, key, expected);
                None
            }
        }
    }

    fn opt_string(&mut self, f: &mut Fields<'_, '_>, key: &'static str) -> Option<String> {
        let v = f.get(key)?;
        self.string(v, key, "a string").map(|s| s.trim().to_owned())
    }

    fn ident(
        &mut self,
        f: &mut Fields<'_, '_>,
        key: &'static str,
    ) -> Option<(String, Range<usize>)> {
        let (s, span) = self.req_string(
            f,
            key,
            "an identifier (lower-case letters, digits, `_`, `.`, `-`)",
        )?;
        if !is_ident(&s) {
            self.err(
                span,
                DiagKind::BadValue,
                format!(
                    "`{s}` is not a valid {key}: expected lower-case letters, digits, `_`, `.` or `-`, starting with a letter"
                ),
            );
            return None;
        }
        Some((s, span))
    }

    fn array_of_tables<'a, 'i>(
        &mut self,
        v: &'a Val<'i>,
        key: &str,
    ) -> Vec<(&'a DeTable<'i>, Range<usize>)> {
        match v.get_ref() {
            DeValue::Array(items) => items
                .iter()
                .filter_map(|it| match it.get_ref() {
                    DeValue::Table(t) => Some((t, it.span())),
                    other => {
                        self.err(
                            it.span(),
                            DiagKind::BadValue,
                            format!(
                                "each `{key}` must be a table (`[[{key}]]`), found {}",
                                type_name(other)
                            ),
                        );
                        None
                    }
                })
                .collect(),
            other => {
                self.err(
                    v.span(),
                    DiagKind::BadValue,
                    format!(
                        "`{key}` must be an array of tables (`[[{key}]]`), found {}",
                        type_name(other)
                    ),
                );
                Vec::new()
            }
        }
    }

    fn party_ref(&mut self, id: &str, span: Range<usize>) -> bool {
        if self.parties.contains(id) {
            true
        } else {
            let mut known: Vec<&String> = self.parties.iter().collect();
            known.sort();
            let known: Vec<&str> = known.iter().map(|s| s.as_str()).collect();
            self.err(
                span,
                DiagKind::UnknownParty,
                format!(
                    "unknown party `{id}`; expected one declared in a [[party]] table: {}",
                    known.join(", ")
                ),
            );
            false
        }
    }

    fn event_ref(&mut self, id: &str, span: Range<usize>) -> Option<&'static EventDef> {
        match verity_vocab::event(id) {
            Ok(e) => Some(e),
            Err(e) => {
                self.err(span, DiagKind::UnknownEvent, e.to_string());
                None
            }
        }
    }

    fn date(&mut self, v: &Val<'_>, key: &str) -> Option<Date> {
        let text = match v.get_ref() {
            DeValue::Datetime(dt) if dt.time.is_none() && dt.offset.is_none() => dt.to_string(),
            DeValue::String(s) => s.to_string(),
            other => {
                self.err(
                    v.span(),
                    DiagKind::BadValue,
                    format!(
                        "`{key}` must be a calendar date YYYY-MM-DD, found {}",
                        type_name(other)
                    ),
                );
                return None;
            }
        };
        match verity_vocab::parse_date(text.trim()) {
            Ok(d) => Some(d),
            Err(e) => {
                self.err(v.span(), DiagKind::BadValue, e.to_string());
                None
            }
        }
    }

    // ---------------------------------------------------------------- the document

    fn document(&mut self, root: &DeTable<'_>, span: Range<usize>) -> Option<Agreement> {
        let mut f = Fields::new(root, span, "the file");
        const TOP: &[&str] = &[
            "agreement",
            "party",
            "key_day",
            "history",
            "obligation",
            "reading",
        ];

        let party_tables = f
            .get("party")
            .map(|v| self.array_of_tables(v, "party"))
            .unwrap_or_default();
        let day_tables = f
            .get("key_day")
            .map(|v| self.array_of_tables(v, "key_day"))
            .unwrap_or_default();
        // First pass: declared ids, so references can be checked wherever they appear.
        for (t, _) in &party_tables {
            if let Some(DeValue::String(s)) = t.get("id").map(|v| v.get_ref()) {
                self.parties.insert(s.trim().to_owned());
            }
        }
        for (t, _) in &day_tables {
            if let Some(DeValue::String(s)) = t.get("id").map(|v| v.get_ref()) {
                self.days.insert(s.trim().to_owned());
            }
        }

        let head = match f.get("agreement") {
            Some(v) => match v.get_ref() {
                DeValue::Table(t) => self.head(t, v.span()),
                other => {
                    self.err(
                        v.span(),
                        DiagKind::BadValue,
                        format!("`agreement` must be a table, found {}", type_name(other)),
                    );
                    None
                }
            },
            None => {
                self.err(
                    0..0,
                    DiagKind::MissingField,
                    "the file has no [agreement] table; expected one with `id` and `title`",
                );
                None
            }
        };

        let mut parties = Vec::new();
        let mut seen: HashMap<String, Loc> = HashMap::new();
        for (t, sp) in &party_tables {
            if let Some((p, id_span)) = self.party(t, sp.clone()) {
                self.unique(&mut seen, &p.id, id_span, "party");
                parties.push(p);
            }
        }
        self.group_cycles(&parties);

        let mut key_days = Vec::new();
        let mut seen: HashMap<String, Loc> = HashMap::new();
        for (t, sp) in &day_tables {
            if let Some((k, id_span)) = self.key_day(t, sp.clone()) {
                self.unique(&mut seen, &k.id, id_span, "key day");
                key_days.push(k);
            }
        }
        self.day_cycles(&key_days);

        let mut history = Vec::new();
        if let Some(v) = f.get("history") {
            for (t, sp) in self.array_of_tables(v, "history") {
                if let Some(h) = self.history(t, sp) {
                    history.push(h);
                }
            }
        }

        let mut obligations = Vec::new();
        let mut seen: HashMap<String, Loc> = HashMap::new();
        let mut windows = Vec::new();
        if let Some(v) = f.get("obligation") {
            for (t, sp) in self.array_of_tables(v, "obligation") {
                if let Some((o, id_span, until_span)) = self.obligation(t, sp) {
                    self.unique(&mut seen, &o.id, id_span, "obligation");
                    windows.push(until_span);
                    obligations.push(o);
                }
            }
        }
        let mut readings = Vec::new();
        let mut seen: HashMap<String, Loc> = HashMap::new();
        if let Some(v) = f.get("reading") {
            for (t, sp) in self.array_of_tables(v, "reading") {
                if let Some((r, id_span)) = self.reading(t, sp, &obligations) {
                    self.unique(&mut seen, &r.id, id_span, "reading");
                    readings.push(r);
                }
            }
        }
        f.finish(self, TOP);

        let (id, title, source) = head?;
        let agreement = Agreement {
            id,
            title,
            source,
            parties,
            key_days,
            history,
            obligations,
            readings,
        };
        if self.diags.is_empty() {
            self.check_days_in_range(&agreement, &day_tables);
            self.check_windows(&agreement, &windows);
        }
        Some(agreement)
    }

    fn unique(
        &mut self,
        seen: &mut HashMap<String, Loc>,
        id: &str,
        span: Range<usize>,
        what: &str,
    ) {
        let here = self.loc(span.clone());
        if let Some(first) = seen.get(id) {
            let msg = format!(
                "duplicate {what} id `{id}` (first declared at line {})",
                first.line
            );
            self.err(span, DiagKind::DuplicateId, msg);
        } else {
            seen.insert(id.to_owned(), here);
        }
    }

    fn head(
        &mut self,
        t: &DeTable<'_>,
        span: Range<usize>,
    ) -> Option<(String, String, Option<String>)> {
        let mut f = Fields::new(t, span, "[agreement]");
        let id = self.ident(&mut f, "id");
        let title = self.req_string(&mut f, "title", "the agreement's full title");
        let source = self.opt_string(&mut f, "source");
        f.finish(self, &["id", "title", "source"]);
        Some((id?.0, title?.0, source))
    }

    fn party(&mut self, t: &DeTable<'_>, span: Range<usize>) -> Option<(Party, Range<usize>)> {
        let mut f = Fields::new(t, span.clone(), "[[party]]");
        let id = self.ident(&mut f, "id");
        let name = self.req_string(&mut f, "name", "the party's name");
        let mut members = Vec::new();
        if let Some(v) = f.get("members") {
            match v.get_ref() {
                DeValue::Array(items) => {
                    for it in items.iter() {
                        if let Some(s) = self.string(it, "members", "a list of party ids") {
                            let s = s.trim().to_owned();
                            if self.party_ref(&s, it.span()) {
                                members.push(s);
                            }
                        }
                    }
                }
                other => self.err(
                    v.span(),
                    DiagKind::BadValue,
                    format!(
                        "`members` must be a list of party ids, found {}",
                        type_name(other)
                    ),
                ),
            }
        }
        f.finish(self, &["id", "name", "members"]);
        let (id, id_span) = id?;
        Some((
            Party {
                id,
                name: name?.0,
                members,
                loc: self.loc(span),
            },
            id_span,
        ))
    }

    fn group_cycles(&mut self, parties: &[Party]) {
        let by_id: HashMap<&str, &Party> = parties.iter().map(|p| (p.id.as_str(), p)).collect();
        for p in parties {
            // Is `p` reachable from its own members?
            let mut stack: Vec<&str> = p.members.iter().map(|m| m.as_str()).collect();
            let mut seen: HashSet<&str> = HashSet::new();
            while let Some(cur) = stack.pop() {
                if cur == p.id {
                    self.diags.push(Diagnostic {
                        file: self.file.to_owned(),
                        loc: p.loc,
                        kind: DiagKind::GroupCycle,
                        message: format!("group `{}` contains itself through its members", p.id),
                    });
                    break;
                }
                if seen.insert(cur)
                    && let Some(q) = by_id.get(cur)
                {
                    stack.extend(q.members.iter().map(|m| m.as_str()));
                }
            }
        }
    }

    fn key_day(&mut self, t: &DeTable<'_>, span: Range<usize>) -> Option<(KeyDay, Range<usize>)> {
        let mut f = Fields::new(t, span.clone(), "[[key_day]]");
        let id = self.ident(&mut f, "id");
        let name = self.req_string(&mut f, "name", "the day's name, e.g. \"Adoption Day\"");
        let cite = f.get("cite").and_then(|v| self.citation(v));
        let when = match f.get("when") {
            Some(v) => self.time(v, "when"),
            None => {
                self.missing(&f, "when", "a date, a key day (\"adoption_day + 8 years\") or a table with `event`, `earliest_of` or `latest_of`");
                None
            }
        };
        f.finish(self, &["id", "name", "cite", "when"]);
        let (id, id_span) = id?;
        Some((
            KeyDay {
                id,
                name: name?.0,
                cite,
                when: when?,
                loc: self.loc(span),
            },
            id_span,
        ))
    }

    fn day_cycles(&mut self, days: &[KeyDay]) {
        let deps: HashMap<&str, Vec<String>> = days
            .iter()
            .map(|k| {
                let mut out = Vec::new();
                referenced_days(&k.when, &mut out);
                (k.id.as_str(), out)
            })
            .collect();
        let mut reported: HashSet<String> = HashSet::new();
        for k in days {
            // Depth-first search for a path from k back to k.
            let mut path: Vec<String> = vec![k.id.clone()];
            let mut stack: Vec<(String, usize)> = vec![(k.id.clone(), 0)];
            let mut visited: HashSet<String> = HashSet::new();
            while let Some((cur, i)) = stack.pop() {
                let next = deps.get(cur.as_str()).and_then(|d| d.get(i)).cloned();
                match next {
                    Some(n) => {
                        stack.push((cur, i + 1));
                        if n == k.id {
                            path.push(n);
                            if !path.iter().any(|p| reported.contains(p)) {
                                reported.extend(path.iter().cloned());
                                self.diags.push(Diagnostic {
                                    file: self.file.to_owned(),
                                    loc: k.loc,
                                    kind: DiagKind::KeyDayCycle,
                                    message: format!(
                                        "key day `{}` depends on itself: {}",
                                        k.id,
                                        path.join(" → ")
                                    ),
                                });
                            }
                            stack.clear();
                        } else if visited.insert(n.clone()) {
                            path.push(n.clone());
                            stack.push((n, 0));
                        }
                    }
                    None => {
                        path.pop();
                    }
                }
            }
        }
    }

    fn history(&mut self, t: &DeTable<'_>, span: Range<usize>) -> Option<HistoryEntry> {
        let mut f = Fields::new(t, span.clone(), "[[history]]");
        let event = self
            .req_string(&mut f, "event", "a vocabulary event id")
            .and_then(|(s, sp)| self.event_ref(&s, sp));
        let party = self
            .req_string(&mut f, "party", "a party id")
            .filter(|(s, sp)| self.party_ref(s, sp.clone()));
        let date = match f.get("date") {
            Some(v) => self.date(v, "date"),
            None => {
                self.missing(&f, "date", "the date the event happened, YYYY-MM-DD");
                None
            }
        };
        let source = self.req_string(&mut f, "source", "where the date is documented");
        f.finish(self, &["event", "party", "date", "source"]);
        Some(HistoryEntry {
            occurrence: Occurrence {
                event: event?.id.to_owned(),
                party: party?.0,
                date: date?,
            },
            source: source?.0,
            loc: self.loc(span),
        })
    }

    fn reading(
        &mut self,
        t: &DeTable<'_>,
        span: Range<usize>,
        obligations: &[Obligation],
    ) -> Option<(Reading, Range<usize>)> {
        let mut f = Fields::new(t, span.clone(), "[[reading]]");
        let id = self.ident(&mut f, "id");
        if let Some((id, _)) = &id {
            f.what = format!("reading `{id}`");
        }
        let party = self
            .req_string(&mut f, "party", "the id of the party whose reading this is")
            .filter(|(s, sp)| self.party_ref(s, sp.clone()));
        let patterns = match f.get("obligations") {
            Some(v) => self.patterns(v, obligations),
            None => {
                self.missing(
                    &f,
                    "obligations",
                    "a list of obligation ids, or prefixes ending in `*` such as \"iran.*\"",
                );
                None
            }
        };
        let from = match f.get("from") {
            Some(v) => self.time(v, "from"),
            None => {
                self.missing(&f, "from", "the date or key day the position applies from");
                None
            }
        };
        let until = match f.get("until") {
            Some(v) => self.time(v, "until").map(Some),
            None => Some(None),
        };
        let when = match f.get("when") {
            Some(v) => self.findings(v),
            None => Some(Vec::new()),
        };
        let names: Vec<&str> = ReadingStatus::ALL.iter().map(|s| s.as_str()).collect();
        let expected = format!("one of {}", names.join(", "));
        let status = self
            .req_string(&mut f, "status", &expected)
            .and_then(|(s, sp)| {
                let found = ReadingStatus::ALL.into_iter().find(|x| x.as_str() == s);
                if found.is_none() {
                    self.err(
                        sp,
                        DiagKind::BadValue,
                        format!("unknown status `{s}`; expected {expected}"),
                    );
                }
                found
            });
        let ground = self
            .req_string(&mut f, "ground", "justification or applicability")
            .and_then(|(s, sp)| match s.as_str() {
                "justification" => Some(Ground::Justification),
                "applicability" => Some(Ground::Applicability),
                other => {
                    self.err(
                        sp,
                        DiagKind::BadValue,
                        format!(
                            "unknown ground `{other}`; expected justification (the facts stand, a provision excuses them) or applicability (the obligation did not apply as the text reads)"
                        ),
                    );
                    None
                }
            });
        let position = self.req_string(&mut f, "position", "the position as the party states it");
        let invokes = self.opt_string(&mut f, "invokes");
        let source = self.req_string(
            &mut f,
            "source",
            "where the position is stated (letter, statement, Council record)",
        );
        f.finish(
            self,
            &[
                "id",
                "party",
                "obligations",
                "from",
                "until",
                "when",
                "status",
                "ground",
                "position",
                "invokes",
                "source",
            ],
        );
        let (id, id_span) = id?;
        Some((
            Reading {
                id,
                party: party?.0,
                obligations: patterns?,
                window: Window {
                    from: from?,
                    until: until?,
                },
                when: when?,
                status: status?,
                ground: ground?,
                position: position?.0,
                invokes,
                source: source?.0,
                loc: self.loc(span),
            },
            id_span,
        ))
    }

    /// The items of a list field, or a located error: not a list, or (with `empty`
    /// given) an empty one.
    fn list<'v, 'i>(
        &mut self,
        v: &'v Val<'i>,
        key: &str,
        expected: &str,
        empty: Option<&str>,
    ) -> Option<&'v [Val<'i>]> {
        let DeValue::Array(items) = v.get_ref() else {
            self.err(
                v.span(),
                DiagKind::BadValue,
                format!(
                    "`{key}` must be {expected}, found {}",
                    type_name(v.get_ref())
                ),
            );
            return None;
        };
        if let Some(msg) = empty
            && items.is_empty()
        {
            self.err(v.span(), DiagKind::BadValue, msg.to_owned());
            return None;
        }
        Some(items)
    }

    /// A reading's `obligations`: ids of obligations declared above, or prefixes ending in
    /// `*` that match at least one.
    fn patterns(
        &mut self,
        v: &Val<'_>,
        obligations: &[Obligation],
    ) -> Option<Vec<ObligationPattern>> {
        let items = self.list(
            v,
            "obligations",
            "a list of obligation ids",
            Some("`obligations` is empty; expected at least one obligation id"),
        )?;
        let mut out = Vec::new();
        let mut ok = true;
        for it in items {
            let Some(s) = self.string(it, "obligations", "an obligation id") else {
                ok = false;
                continue;
            };
            let s = s.trim();
            let pat = match s.strip_suffix('*') {
                Some(p) => ObligationPattern::Prefix(p.to_owned()),
                None => ObligationPattern::Id(s.to_owned()),
            };
            if !obligations.iter().any(|o| pat.matches(&o.id)) {
                self.err(
                    it.span(),
                    DiagKind::BadValue,
                    format!("`{s}` matches no obligation declared in this file"),
                );
                ok = false;
                continue;
            }
            out.push(pat);
        }
        ok.then_some(out)
    }

    fn findings(&mut self, v: &Val<'_>) -> Option<Vec<String>> {
        let expected = format!("a list of findings ({})", FINDINGS.join(", "));
        let items = self.list(v, "when", &expected, None)?;
        let mut out = Vec::new();
        let mut ok = true;
        for it in items {
            let Some(s) = self.string(it, "when", "a finding") else {
                ok = false;
                continue;
            };
            if FINDINGS.contains(&s.trim()) {
                out.push(s.trim().to_owned());
            } else {
                self.err(
                    it.span(),
                    DiagKind::BadValue,
                    format!(
                        "unknown finding `{s}`; expected one of {}",
                        FINDINGS.join(", ")
                    ),
                );
                ok = false;
            }
        }
        ok.then_some(out)
    }

    fn citation(&mut self, v: &Val<'_>) -> Option<Citation> {
        let DeValue::Table(t) = v.get_ref() else {
            self.err(
                v.span(),
                DiagKind::BadValue,
                format!(
                    "`cite` must be a table such as {{ document = \"JCPOA\", annex = \"I\", paragraph = \"28\" }}, found {}",
                    type_name(v.get_ref())
                ),
            );
            return None;
        };
        let mut f = Fields::new(t, v.span(), "`cite`");
        let document = self.req_string(&mut f, "document", "the instrument, e.g. \"JCPOA\"");
        let annex = self.opt_string(&mut f, "annex");
        let section = self.opt_string(&mut f, "section");
        let paragraph = self.req_string(&mut f, "paragraph", "the paragraph number, e.g. \"28\"");
        let verified = match f.get("verified") {
            Some(b) => match b.get_ref() {
                DeValue::Boolean(x) => *x,
                other => {
                    self.err(
                        b.span(),
                        DiagKind::BadValue,
                        format!(
                            "`verified` must be true or false, found {}",
                            type_name(other)
                        ),
                    );
                    false
                }
            },
            None => false,
        };
        f.finish(
            self,
            &["document", "annex", "section", "paragraph", "verified"],
        );
        Some(Citation {
            document: document?.0,
            annex,
            section,
            paragraph: paragraph?.0,
            verified,
        })
    }

    // ---------------------------------------------------------------- time

    fn offset(&mut self, text: &str, span: Range<usize>) -> Option<Offset> {
        let bad = |cx: &mut Self| {
            cx.err(
                span.clone(),
                DiagKind::BadValue,
                format!(
                    "bad duration `{text}`: expected whole numbers of years, months, weeks or days, e.g. \"90 days\" or \"8 years 6 months\""
                ),
            );
            None
        };
        let cleaned = text.replace(',', " ");
        let words: Vec<&str> = cleaned.split_whitespace().filter(|w| *w != "and").collect();
        if words.is_empty() || words.len() % 2 != 0 {
            return bad(self);
        }
        let mut o = Offset::ZERO;
        for pair in words.chunks(2) {
            let Ok(n) = pair[0].parse::<i32>() else {
                return bad(self);
            };
            if !(0..=10_000).contains(&n) {
                return bad(self);
            }
            // Checked sums: a long enough list of periods must be an error, not an overflow.
            let sum = match pair[1] {
                "year" | "years" => o.years.checked_add(n).map(|v| o.years = v),
                "month" | "months" => o.months.checked_add(n).map(|v| o.months = v),
                "week" | "weeks" => o.days.checked_add(7 * n).map(|v| o.days = v),
                "day" | "days" => o.days.checked_add(n).map(|v| o.days = v),
                _ => None,
            };
            if sum.is_none() {
                return bad(self);
            }
        }
        Some(o)
    }

    fn day_ref(&mut self, id: &str, span: Range<usize>) -> bool {
        if self.days.contains(id) {
            true
        } else {
            let mut known: Vec<&str> = self.days.iter().map(|s| s.as_str()).collect();
            known.sort_unstable();
            self.err(
                span,
                DiagKind::UnknownKeyDay,
                format!(
                    "unknown key day `{id}`; expected one declared in a [[key_day]] table: {}",
                    known.join(", ")
                ),
            );
            false
        }
    }

    /// A time expression: `"key_day"`, `"key_day + 8 years"`, a date, or a table with
    /// one of `date`, `day`, `event`, `earliest_of`, `latest_of` (and `plus`, `party`).
    fn time(&mut self, v: &Val<'_>, key: &str) -> Option<TimeExpr> {
        match v.get_ref() {
            DeValue::Datetime(_) => self.date(v, key).map(TimeExpr::Date),
            DeValue::String(s) => {
                let s = s.trim();
                if s.len() == 10
                    && s.as_bytes().get(4) == Some(&b'-')
                    && s.as_bytes().get(7) == Some(&b'-')
                {
                    return self.date(v, key).map(TimeExpr::Date);
                }
                let (day, plus) = match s.split_once('+') {
                    Some((d, p)) => (d.trim(), Some(p.trim())),
                    None => (s, None),
                };
                if !is_ident(day) {
                    self.err(
                        v.span(),
                        DiagKind::BadValue,
                        format!("bad time `{s}` in `{key}`: expected a key day id optionally followed by `+ <duration>`, e.g. \"implementation_day + 15 years\", or a date YYYY-MM-DD"),
                    );
                    return None;
                }
                let plus = match plus {
                    Some(p) => self.offset(p, v.span())?,
                    None => Offset::ZERO,
                };
                self.day_ref(day, v.span()).then(|| TimeExpr::Day {
                    day: day.to_owned(),
                    plus,
                })
            }
            DeValue::Table(t) => {
                let mut f = Fields::new(t, v.span(), format!("time `{key}`"));
                const FORMS: [&str; 5] = ["date", "day", "event", "earliest_of", "latest_of"];
                let present: Vec<&str> = FORMS.iter().copied().filter(|k| f.has(k)).collect();
                if present.len() != 1 {
                    self.err(
                        v.span(),
                        DiagKind::BadValue,
                        format!(
                            "time `{key}` must have exactly one of `date`, `day`, `event`, `earliest_of`, `latest_of`; found {}",
                            if present.is_empty() { "none".to_owned() } else { present.join(", ") }
                        ),
                    );
                    return None;
                }
                let plus = match f.get("plus") {
                    Some(p) => {
                        let text = self.string(p, "plus", "a duration such as \"90 days\"")?;
                        self.offset(text, p.span())?
                    }
                    None => Offset::ZERO,
                };
                let accepted: &[&str];
                let out = match present[0] {
                    "date" => {
                        accepted = &["date"];
                        let d = f.get("date").and_then(|d| self.date(d, "date"));
                        if !plus.is_zero() {
                            self.err(
                                v.span(),
                                DiagKind::UnknownField,
                                "`plus` does not apply to a fixed `date`; write the date itself",
                            );
                        }
                        d.map(TimeExpr::Date)
                    }
                    "day" => {
                        accepted = &["day", "plus"];
                        let d = f.get("day").and_then(|d| {
                            let s = self.string(d, "day", "a key day id")?.trim().to_owned();
                            self.day_ref(&s, d.span()).then_some(s)
                        });
                        d.map(|day| TimeExpr::Day { day, plus })
                    }
                    "event" => {
                        accepted = &["event", "party", "plus"];
                        let e = f.get("event").and_then(|e| {
                            let s = self
                                .string(e, "event", "a vocabulary event id")?
                                .trim()
                                .to_owned();
                            self.event_ref(&s, e.span())
                        });
                        let party = match f.get("party") {
                            Some(p) => {
                                let s = self.string(p, "party", "a party id")?.trim().to_owned();
                                if !self.party_ref(&s, p.span()) {
                                    return None;
                                }
                                Some(s)
                            }
                            None => None,
                        };
                        e.map(|event| TimeExpr::Event { event, party, plus })
                    }
                    which => {
                        accepted = if which == "earliest_of" {
                            &["earliest_of"]
                        } else {
                            &["latest_of"]
                        };
                        if !plus.is_zero() {
                            self.err(
                                v.span(),
                                DiagKind::UnknownField,
                                format!(
                                    "`plus` does not apply to `{which}`; put it on the alternatives"
                                ),
                            );
                        }
                        let arr = f.get(if which == "earliest_of" {
                            "earliest_of"
                        } else {
                            "latest_of"
                        })?;
                        let DeValue::Array(items) = arr.get_ref() else {
                            self.err(
                                arr.span(),
                                DiagKind::BadValue,
                                format!(
                                    "`{which}` must be a list of times, found {}",
                                    type_name(arr.get_ref())
                                ),
                            );
                            return None;
                        };
                        if items.len() < 2 {
                            self.err(
                                arr.span(),
                                DiagKind::BadValue,
                                format!("`{which}` needs at least two alternatives"),
                            );
                            return None;
                        }
                        let xs: Vec<Option<TimeExpr>> =
                            items.iter().map(|x| self.time(x, which)).collect();
                        xs.into_iter().collect::<Option<Vec<_>>>().map(|xs| {
                            if which == "earliest_of" {
                                TimeExpr::EarliestOf(xs)
                            } else {
                                TimeExpr::LatestOf(xs)
                            }
                        })
                    }
                };
                f.finish(self, accepted);
                out
            }
            other => {
                self.err(
                    v.span(),
                    DiagKind::BadValue,
                    format!(
                        "`{key}` must be a key day (\"adoption_day + 8 years\"), a date, or a table with `event`, `earliest_of` or `latest_of`; found {}",
                        type_name(other)
                    ),
                );
                None
            }
        }
    }

    // ---------------------------------------------------------------- obligations

    fn number(&mut self, v: &Val<'_>, key: &str) -> Option<f64> {
        let parsed = match v.get_ref() {
            DeValue::Integer(i) => i64::from_str_radix(&i.as_str().replace('_', ""), i.radix())
                .ok()
                .map(|n| n as f64),
            DeValue::Float(x) => x.as_str().replace('_', "").parse::<f64>().ok(),
            other => {
                self.err(
                    v.span(),
                    DiagKind::BadValue,
                    format!("`{key}` must be a number, found {}", type_name(other)),
                );
                return None;
            }
        };
        match parsed {
            Some(x) if x.is_finite() => Some(x),
            _ => {
                self.err(
                    v.span(),
                    DiagKind::BadValue,
                    format!("`{key}` must be a finite number"),
                );
                None
            }
        }
    }

    fn vocab_metric(
        &mut self,
        f: &mut Fields<'_, '_>,
    ) -> Option<(&'static MetricDef, Range<usize>)> {
        let (s, span) = self.req_string(
            f,
            "metric",
            "a vocabulary metric id (see docs/vocabulary.md)",
        )?;
        match verity_vocab::metric(&s) {
            Ok(m) => Some((m, span)),
            Err(e) => {
                self.err(span, DiagKind::UnknownMetric, e.to_string());
                None
            }
        }
    }

    #[allow(clippy::type_complexity)]
    fn obligation(
        &mut self,
        t: &DeTable<'_>,
        span: Range<usize>,
    ) -> Option<(Obligation, Range<usize>, Option<Range<usize>>)> {
        let mut f = Fields::new(t, span.clone(), "[[obligation]]");
        let id = self.ident(&mut f, "id");
        if let Some((id, _)) = &id {
            f.what = format!("obligation `{id}`");
        }
        let party = self
            .req_string(&mut f, "party", "the id of the party bound")
            .filter(|(s, sp)| self.party_ref(s, sp.clone()));
        let cite = match f.get("cite") {
            Some(v) => self.citation(v),
            None => {
                self.missing(&f, "cite", "a citation such as { document = \"JCPOA\", annex = \"I\", paragraph = \"28\" }");
                None
            }
        };
        let text = self.req_string(&mut f, "text", "the treaty text or a faithful paraphrase");
        let note = self.opt_string(&mut f, "note");
        let from = match f.get("from") {
            Some(v) => self.time(v, "from"),
            None => {
                self.missing(
                    &f,
                    "from",
                    "the key day the obligation starts, e.g. \"implementation_day\"",
                );
                None
            }
        };
        let until_v = f.get("until");
        let until = match until_v {
            Some(v) => self.time(v, "until").map(Some),
            None => Some(None),
        };
        const COMMON: &[&str] = &[
            "id", "party", "cite", "text", "kind", "note", "from", "until",
        ];
        let kind_name = self.req_string(
            &mut f,
            "kind",
            "one of limit, prohibition, undertaking, procedure",
        );
        let (kind, extra): (Option<ObligationKind>, &[&str]) = match kind_name
            .as_ref()
            .map(|(k, sp)| (k.as_str(), sp.clone()))
        {
            Some(("limit", _)) => (self.limit(&mut f), &["metric", "op", "limit", "unit"]),
            Some(("prohibition", _)) => {
                let e = self
                    .req_string(&mut f, "event", "the vocabulary event prohibited")
                    .and_then(|(s, sp)| self.event_ref(&s, sp));
                (
                    e.map(|event| ObligationKind::Prohibition { event }),
                    &["event"],
                )
            }
            Some(("undertaking", _)) => {
                let event = match f.get("event") {
                    Some(v) => self
                        .string(v, "event", "a vocabulary event id")
                        .map(|s| s.trim().to_owned())
                        .and_then(|s| self.event_ref(&s, v.span()))
                        .map(Some),
                    None => Some(None),
                };
                let by = match f.get("by") {
                    Some(v) => self.time(v, "by").map(Some),
                    None => Some(None),
                };
                let kind = match (event, by) {
                    (Some(event), Some(by)) => Some(ObligationKind::Undertaking { event, by }),
                    _ => None,
                };
                (kind, &["event", "by"])
            }
            Some(("procedure", _)) => (self.procedure(&mut f), &["trigger", "steps"]),
            Some((other, sp)) => {
                self.err(
                    sp,
                    DiagKind::BadValue,
                    format!("unknown kind `{other}`; expected one of limit, prohibition, undertaking, procedure"),
                );
                (None, &[])
            }
            None => (None, &[]),
        };
        let accepted: Vec<&str> = COMMON.iter().chain(extra).copied().collect();
        if kind_name.is_some() {
            f.finish(self, &accepted);
        }
        let (id, id_span) = id?;
        Some((
            Obligation {
                id,
                party: party?.0,
                cite: cite?,
                text: text?.0,
                kind: kind?,
                window: Window {
                    from: from?,
                    until: until?,
                },
                note,
                loc: self.loc(span),
            },
            id_span,
            until_v.map(|v| v.span()),
        ))
    }

    fn limit(&mut self, f: &mut Fields<'_, '_>) -> Option<ObligationKind> {
        let metric = self.vocab_metric(f);
        let op = self
            .req_string(f, "op", "one of <, <=, ==, >=, >")
            .and_then(|(s, sp)| match Comparator::parse(&s) {
                Some(c) => Some(c),
                None => {
                    self.err(
                        sp,
                        DiagKind::BadValue,
                        format!("unknown comparator `{s}`; expected one of <, <=, ==, >=, >"),
                    );
                    None
                }
            });
        let value = match f.get("limit") {
            Some(v) => self.number(v, "limit"),
            None => {
                self.missing(f, "limit", "the limit's value, a number");
                None
            }
        };
        let unit = self
            .req_string(f, "unit", "a vocabulary unit such as kg_u, pct_u235, count")
            .and_then(|(s, sp)| match Unit::parse(&s) {
                Ok(u) => Some((u, sp)),
                Err(e) => {
                    self.err(sp, DiagKind::UnknownUnit, e.to_string());
                    None
                }
            });
        let (metric, _) = metric?;
        let (unit, unit_span) = unit?;
        if verity_vocab::convert(1.0, unit, metric.unit).is_err() {
            self.err(
                unit_span,
                DiagKind::UnitMismatch,
                format!(
                    "unit mismatch: metric `{}` is measured in {}, but the limit is stated in {unit}",
                    metric.id, metric.unit
                ),
            );
            return None;
        }
        Some(ObligationKind::Limit {
            metric,
            op: op?,
            value: value?,
            unit,
        })
    }

    fn procedure(&mut self, f: &mut Fields<'_, '_>) -> Option<ObligationKind> {
        let trigger = match f.get("trigger") {
            Some(v) => self
                .string(v, "trigger", "a vocabulary event id")
                .map(|s| s.trim().to_owned())
                .and_then(|s| self.event_ref(&s, v.span()))
                .map(Some),
            None => Some(None),
        };
        let Some(v) = f.get("steps") else {
            self.missing(f, "steps", "a list of { name = \"…\", days = N }");
            return None;
        };
        let items = self.list(
            v,
            "steps",
            "a list of { name = \"…\", days = N }",
            Some("`steps` is empty; a procedure needs at least one step"),
        )?;
        let mut steps = Vec::new();
        let mut ok = true;
        for it in items.iter() {
            let DeValue::Table(t) = it.get_ref() else {
                self.err(
                    it.span(),
                    DiagKind::BadValue,
                    format!(
                        "each step must be a table {{ name = \"…\", days = N }}, found {}",
                        type_name(it.get_ref())
                    ),
                );
                ok = false;
                continue;
            };
            let mut sf = Fields::new(t, it.span(), "a step");
            let name = self.req_string(&mut sf, "name", "what happens in this step");
            let days = match sf.get("days") {
                Some(d) => match d.get_ref() {
                    DeValue::Integer(i) => {
                        match u32::from_str_radix(&i.as_str().replace('_', ""), i.radix()) {
                            Ok(n) => Some(n),
                            Err(_) => {
                                self.err(
                                    d.span(),
                                    DiagKind::BadValue,
                                    "`days` must be a whole number of days, 0 or more",
                                );
                                None
                            }
                        }
                    }
                    other => {
                        self.err(
                            d.span(),
                            DiagKind::BadValue,
                            format!(
                                "`days` must be a whole number of days, found {}",
                                type_name(other)
                            ),
                        );
                        None
                    }
                },
                None => {
                    self.missing(&sf, "days", "the number of days this step may take");
                    None
                }
            };
            sf.finish(self, &["name", "days"]);
            match (name, days) {
                (Some((name, _)), Some(days)) => steps.push(Step { name, days }),
                _ => ok = false,
            }
        }
        let trigger = trigger?;
        ok.then_some(ObligationKind::Procedure { trigger, steps })
    }

    /// Key days that the file's own dates and history put past the calendar's end (a
    /// date plus an offset beyond 9999-12-31): an error, not a day still to come.
    fn check_days_in_range(&mut self, a: &Agreement, tables: &[(&DeTable<'_>, Range<usize>)]) {
        let kd = a.resolve_key_days(&a.history());
        for day in kd.out_of_range() {
            let Some(pos) = a.key_days.iter().position(|k| k.id == day.id) else {
                continue;
            };
            let span = tables.get(pos).map_or(0..0, |(t, sp)| {
                t.get("when").map_or(sp.clone(), |v| v.span())
            });
            self.err(
                span,
                DiagKind::BadValue,
                format!(
                    "key day `{}` falls outside the calendar: its date plus the offset is past 9999-12-31",
                    day.id
                ),
            );
        }
    }

    /// Windows that end on or before they start. Checked on the dates the file's own
    /// history gives, and, where a date cannot be resolved, symbolically when both ends
    /// count from the same key day or event.
    fn check_windows(&mut self, a: &Agreement, until_spans: &[Option<Range<usize>>]) {
        let kd = a.resolve_key_days(&a.history());
        for (o, span) in a.obligations.iter().zip(until_spans) {
            let (Some(until), Some(span)) = (&o.window.until, span) else {
                continue;
            };
            let from = &o.window.from;
            let dates = (kd.resolve(from), kd.resolve(until));
            let inverted = match dates {
                (Some(f), Some(u)) => Some((u <= f, format!("{f}"), format!("{u}"))),
                _ => same_base_inverted(from, until)
                    .map(|b| (b, format!("{from}"), format!("{until}"))),
            };
            if let Some((true, f, u)) = inverted {
                self.err(
                    span.clone(),
                    DiagKind::WindowEndsBeforeStart,
                    format!(
                        "window of obligation `{}` ends before it starts: until {u} is not after from {f}",
                        o.id
                    ),
                );
            }
        }
    }
}

/// If both ends count from the same key day or the same event, whether the end is not
/// after the start (tested on a reference date; offsets are monotone in the base date).
fn same_base_inverted(from: &TimeExpr, until: &TimeExpr) -> Option<bool> {
    let (a, b) = match (from, until) {
        (TimeExpr::Day { day: d1, plus: a }, TimeExpr::Day { day: d2, plus: b }) if d1 == d2 => {
            (a, b)
        }
        (
            TimeExpr::Event {
                event: e1,
                party: p1,
                plus: a,
            },
            TimeExpr::Event {
                event: e2,
                party: p2,
                plus: b,
            },
        ) if e1.id == e2.id && p1 == p2 => (a, b),
        _ => return None,
    };
    let base = Date::new(2001, 1, 15).ok()?;
    Some(add_offset(base, *b)? <= add_offset(base, *a)?)
}
