//! Stored evidence: every import, and the measurements, events and knowledge gaps it
//! brought, with the file and line each record came from.
//!
//! - `evidence_imports(id, files, measurements, events, knowledge, log_index)`;
//! - `evidence_measurements`, `evidence_events`, `evidence_knowledge`: one row per
//!   record, `row_key` unique (the same key the importer uses to find duplicates).
//!
//! Architecture invariant: [`import`] runs inside the caller's write transaction and
//! checks every record against what is stored before writing any: an import lands
//! whole or not at all, and a record is never stored twice.

use verity_evidence::{
    Basis, Event, EvidenceSet, Grade, KnowledgeGap, Measurement, Origin, Quantity, Scope, Source,
};

use crate::migrate::Migration;
use crate::{StoreError, Tx};

const TABLES: &str = "
    CREATE TABLE evidence_imports (
        id BIGINT PRIMARY KEY,
        files TEXT NOT NULL,
        measurements BIGINT NOT NULL,
        events BIGINT NOT NULL,
        knowledge BIGINT NOT NULL,
        log_index BIGINT,
        imported_at TEXT NOT NULL
    );
    CREATE TABLE evidence_measurements (
        row_key TEXT PRIMARY KEY,
        import_id BIGINT NOT NULL REFERENCES evidence_imports (id),
        date TEXT NOT NULL,
        party TEXT NOT NULL,
        metric TEXT NOT NULL,
        value DOUBLE PRECISION,
        sigma DOUBLE PRECISION,
        low DOUBLE PRECISION,
        high DOUBLE PRECISION,
        reported_unit TEXT NOT NULL,
        basis TEXT NOT NULL,
        source TEXT NOT NULL,
        paragraph TEXT,
        report_date TEXT,
        via TEXT NOT NULL,
        note TEXT NOT NULL,
        file TEXT NOT NULL,
        line BIGINT NOT NULL
    );
    CREATE TABLE evidence_events (
        row_key TEXT PRIMARY KEY,
        import_id BIGINT NOT NULL REFERENCES evidence_imports (id),
        date TEXT NOT NULL,
        party TEXT NOT NULL,
        event TEXT NOT NULL,
        value DOUBLE PRECISION,
        source TEXT NOT NULL,
        paragraph TEXT,
        via TEXT NOT NULL,
        note TEXT NOT NULL,
        file TEXT NOT NULL,
        line BIGINT NOT NULL
    );
    CREATE TABLE evidence_knowledge (
        row_key TEXT PRIMARY KEY,
        import_id BIGINT NOT NULL REFERENCES evidence_imports (id),
        date_from TEXT NOT NULL,
        date_until TEXT,
        party TEXT NOT NULL,
        scope TEXT NOT NULL,
        source TEXT NOT NULL,
        paragraph TEXT,
        via TEXT NOT NULL,
        note TEXT NOT NULL,
        file TEXT NOT NULL,
        line BIGINT NOT NULL
    );";

/// Graded measurements, the report registry and recorded disagreements. A report or a
/// disagreement is kept as its element of the JSON import format, read back through the
/// importer, so that what is stored is exactly what the importer accepts.
const PROVENANCE: &str = "
    ALTER TABLE evidence_measurements ADD COLUMN grade TEXT;
    CREATE TABLE evidence_reports (
        row_key TEXT PRIMARY KEY,
        import_id BIGINT NOT NULL REFERENCES evidence_imports (id),
        record TEXT NOT NULL,
        file TEXT NOT NULL,
        line BIGINT NOT NULL
    );
    CREATE TABLE evidence_disagreements (
        row_key TEXT PRIMARY KEY,
        import_id BIGINT NOT NULL REFERENCES evidence_imports (id),
        record TEXT NOT NULL,
        file TEXT NOT NULL,
        line BIGINT NOT NULL
    );";

pub const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        description: "evidence tables: imports, measurements, events, knowledge gaps",
        sqlite: TABLES,
        postgres: TABLES,
    },
    Migration {
        version: 2,
        description: "evidence provenance: measurement grades, reports, disagreements",
        sqlite: PROVENANCE,
        postgres: PROVENANCE,
    },
    Migration {
        version: 3,
        description: "measurement lower bounds that are inclusive (\"at least\")",
        sqlite: "ALTER TABLE evidence_measurements ADD COLUMN low_inclusive BIGINT NOT NULL DEFAULT 0;",
        postgres: "ALTER TABLE evidence_measurements ADD COLUMN low_inclusive BIGINT NOT NULL DEFAULT 0;",
    },
];

/// Why an import or a read failed.
#[derive(Debug, thiserror::Error)]
pub enum EvidenceStoreError {
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Records already in the database; each message names the file and line.
    #[error("{}\n{} record{} already in the database; nothing was imported", .0.join("\n"), .0.len(), if .0.len() == 1 { "" } else { "s" })]
    AlreadyStored(Vec<String>),
    /// A stored row this program cannot read back (e.g. a metric since removed).
    #[error("stored evidence row {0}")]
    Unreadable(String),
}

/// What an import stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportSummary {
    pub import_id: i64,
    pub measurements: usize,
    pub events: usize,
    pub knowledge: usize,
}

/// A past import.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportRecord {
    pub id: i64,
    pub files: String,
    pub measurements: i64,
    pub events: i64,
    pub knowledge: i64,
    pub log_index: Option<i64>,
    pub imported_at: String,
}

/// A value bound to a statement on either backend.
enum Val<'a> {
    Text(&'a str),
    OptText(Option<&'a str>),
    Real(Option<f64>),
    Int(i64),
    OptInt(Option<i64>),
}

impl rusqlite::ToSql for Val<'_> {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        match self {
            Val::Text(s) => s.to_sql(),
            Val::OptText(s) => s.to_sql(),
            Val::Real(v) => v.to_sql(),
            Val::Int(v) => v.to_sql(),
            Val::OptInt(v) => v.to_sql(),
        }
    }
}

fn sq(e: rusqlite::Error) -> StoreError {
    StoreError::Sqlite {
        path: "(evidence)".into(),
        source: e,
    }
}

/// `?1, ?2` placeholders become `$1, $2` for PostgreSQL.
fn pg(sql: &str) -> String {
    sql.replace('?', "$")
}

fn exec(tx: &mut Tx<'_>, sql: &str, vals: &[Val<'_>]) -> Result<(), StoreError> {
    match tx {
        Tx::Sqlite(t) => {
            let params: Vec<&dyn rusqlite::ToSql> =
                vals.iter().map(|v| v as &dyn rusqlite::ToSql).collect();
            t.execute(sql, params.as_slice()).map_err(sq)?;
        }
        Tx::Postgres(t) => {
            let owned: Vec<Box<dyn postgres::types::ToSql + Sync>> = vals
                .iter()
                .map(|v| -> Box<dyn postgres::types::ToSql + Sync> {
                    match v {
                        Val::Text(s) => Box::new((*s).to_owned()),
                        Val::OptText(s) => Box::new(s.map(str::to_owned)),
                        Val::Real(x) => Box::new(*x),
                        Val::Int(i) => Box::new(*i),
                        Val::OptInt(i) => Box::new(*i),
                    }
                })
                .collect();
            let refs: Vec<&(dyn postgres::types::ToSql + Sync)> =
                owned.iter().map(|b| b.as_ref()).collect();
            t.execute(pg(sql).as_str(), refs.as_slice())?;
        }
    }
    Ok(())
}

/// The import that stored `key` in `table`, if any.
fn stored_in(tx: &mut Tx<'_>, table: &str, key: &str) -> Result<Option<i64>, StoreError> {
    let sql = format!("SELECT import_id FROM {table} WHERE row_key = ?1");
    match tx {
        Tx::Sqlite(t) => {
            use rusqlite::OptionalExtension;
            t.query_row(&sql, [key], |r| r.get(0))
                .optional()
                .map_err(sq)
        }
        Tx::Postgres(t) => Ok(t
            .query_opt(pg(&sql).as_str(), &[&key])?
            .map(|r| r.get::<_, i64>(0))),
    }
}

fn next_import_id(tx: &mut Tx<'_>) -> Result<i64, StoreError> {
    let sql = "SELECT COALESCE(MAX(id), 0) + 1 FROM evidence_imports";
    match tx {
        Tx::Sqlite(t) => t.query_row(sql, [], |r| r.get(0)).map_err(sq),
        Tx::Postgres(t) => Ok(t.query_one(sql, &[])?.get::<_, i64>(0)),
    }
}

fn now_utc(tx: &mut Tx<'_>) -> Result<String, StoreError> {
    match tx {
        Tx::Sqlite(t) => t
            .query_row("SELECT strftime('%Y-%m-%dT%H:%M:%SZ', 'now')", [], |r| {
                r.get(0)
            })
            .map_err(sq),
        Tx::Postgres(t) => Ok(t
            .query_one(
                "SELECT to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')",
                &[],
            )?
            .get::<_, String>(0)),
    }
}

/// Stores a validated evidence set as one import, or nothing if any record is already
/// stored (all such records are listed). Run inside [`crate::Store::write`].
pub fn import(
    tx: &mut Tx<'_>,
    set: &EvidenceSet,
    files: &[String],
) -> Result<ImportSummary, EvidenceStoreError> {
    let mut dups = Vec::new();
    let tables = set
        .measurements
        .iter()
        .map(|m| ("evidence_measurements", m.key(), &m.origin))
        .chain(
            set.events
                .iter()
                .map(|e| ("evidence_events", e.key(), &e.origin)),
        )
        .chain(
            set.knowledge
                .iter()
                .map(|g| ("evidence_knowledge", g.key(), &g.origin)),
        )
        .chain(
            set.reports
                .iter()
                .map(|r| ("evidence_reports", report_key(r), &r.origin)),
        )
        .chain(
            set.disagreements
                .iter()
                .map(|d| ("evidence_disagreements", disagreement_key(d), &d.origin)),
        );
    for (table, key, o) in tables {
        if let Some(id) = stored_in(tx, table, &key)? {
            dups.push(format!(
                "{}:{}: {key} is already stored (import #{id})",
                o.file, o.line
            ));
        }
    }
    if !dups.is_empty() {
        return Err(EvidenceStoreError::AlreadyStored(dups));
    }
    let id = next_import_id(tx)?;
    let now = now_utc(tx)?;
    let files_text = files.join(" ");
    exec(
        tx,
        "INSERT INTO evidence_imports (id, files, measurements, events, knowledge, imported_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        &[
            Val::Int(id),
            Val::Text(&files_text),
            Val::Int(set.measurements.len() as i64),
            Val::Int(set.events.len() as i64),
            Val::Int(set.knowledge.len() as i64),
            Val::Text(&now),
        ],
    )?;
    for m in &set.measurements {
        let (date, rd, via) = (
            m.date.to_string(),
            m.source.report_date.map(|d| d.to_string()),
            m.source.via.join(" ; "),
        );
        exec(
            tx,
            "INSERT INTO evidence_measurements (row_key, import_id, date, party, metric, value, sigma, low, high, reported_unit, basis, source, paragraph, report_date, via, note, file, line, grade, low_inclusive) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20)",
            &[
                Val::Text(&m.key()),
                Val::Int(id),
                Val::Text(&date),
                Val::Text(&m.party),
                Val::Text(m.metric.id),
                Val::Real(m.quantity.value),
                Val::Real(m.quantity.sigma),
                Val::Real(m.quantity.low),
                Val::Real(m.quantity.high),
                Val::Text(m.reported_unit.as_str()),
                Val::Text(m.basis.as_str()),
                Val::Text(&m.source.report),
                Val::OptText(m.source.paragraph.as_deref()),
                Val::OptText(rd.as_deref()),
                Val::Text(&via),
                Val::Text(&m.note),
                Val::Text(&m.origin.file),
                Val::Int(m.origin.line as i64),
                Val::OptText(m.grade.map(|g| g.as_str())),
                Val::Int(i64::from(m.quantity.low_inclusive)),
            ],
        )?;
    }
    // Reports and disagreements are stored as their element of the import format.
    let json = verity_evidence::to_json(set);
    let records = [
        ("evidence_reports", "reports"),
        ("evidence_disagreements", "disagreements"),
    ];
    for (table, kind) in records {
        let keyed: Vec<(String, &Origin)> = match kind {
            "reports" => set
                .reports
                .iter()
                .map(|r| (report_key(r), &r.origin))
                .collect(),
            _ => set
                .disagreements
                .iter()
                .map(|d| (disagreement_key(d), &d.origin))
                .collect(),
        };
        let elements = json[kind].as_array().cloned().unwrap_or_default();
        for ((key, origin), element) in keyed.into_iter().zip(elements) {
            exec(
                tx,
                &format!(
                    "INSERT INTO {table} (row_key, import_id, record, file, line) VALUES (?1, ?2, ?3, ?4, ?5)"
                ),
                &[
                    Val::Text(&key),
                    Val::Int(id),
                    Val::Text(&element.to_string()),
                    Val::Text(&origin.file),
                    Val::Int(origin.line as i64),
                ],
            )?;
        }
    }
    for e in &set.events {
        let (date, via) = (e.date.to_string(), e.source.via.join(" ; "));
        exec(
            tx,
            "INSERT INTO evidence_events (row_key, import_id, date, party, event, value, source, paragraph, via, note, file, line) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
            &[
                Val::Text(&e.key()),
                Val::Int(id),
                Val::Text(&date),
                Val::Text(&e.party),
                Val::Text(e.event.id),
                Val::Real(e.value),
                Val::Text(&e.source.report),
                Val::OptText(e.source.paragraph.as_deref()),
                Val::Text(&via),
                Val::Text(&e.note),
                Val::Text(&e.origin.file),
                Val::Int(e.origin.line as i64),
            ],
        )?;
    }
    for g in &set.knowledge {
        let (from, until, scope, via) = (
            g.from.to_string(),
            g.until.map(|d| d.to_string()),
            g.scope.to_string(),
            g.source.via.join(" ; "),
        );
        exec(
            tx,
            "INSERT INTO evidence_knowledge (row_key, import_id, date_from, date_until, party, scope, source, paragraph, via, note, file, line) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
            &[
                Val::Text(&g.key()),
                Val::Int(id),
                Val::Text(&from),
                Val::OptText(until.as_deref()),
                Val::Text(&g.party),
                Val::Text(&scope),
                Val::Text(&g.source.report),
                Val::OptText(g.source.paragraph.as_deref()),
                Val::Text(&via),
                Val::Text(&g.note),
                Val::Text(&g.origin.file),
                Val::Int(g.origin.line as i64),
            ],
        )?;
    }
    Ok(ImportSummary {
        import_id: id,
        measurements: set.measurements.len(),
        events: set.events.len(),
        knowledge: set.knowledge.len(),
    })
}

fn report_key(r: &verity_evidence::Report) -> String {
    r.key()
}

fn disagreement_key(d: &verity_evidence::Disagreement) -> String {
    format!("{} value {} via {}", d.key(), d.quantity, d.via.join(" ; "))
}

/// The log entry and checkpoint that signed an import.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoggedImport {
    pub log_index: u64,
    /// The signed checkpoint after the entry (a C2SP note).
    pub checkpoint: String,
}

/// Why an import could not be logged.
#[derive(Debug, thiserror::Error)]
pub enum LogImportError {
    #[error(transparent)]
    Log(#[from] verity_ledger::LogError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Signs the statement of a stored import into the log as an `evidence_import` entry,
/// records its index on the import and signs a new checkpoint. The statement names the
/// import, its files and counts, and the SHA-256 of the set's canonical JSON export,
/// followed by `extra` fields (the server adds each file's SHA-256 and the submitter).
/// Run inside the same [`crate::Store::write`] as [`import`], so the records, the entry
/// and the checkpoint land together or not at all.
pub fn log_import(
    tx: &mut Tx<'_>,
    signer: &verity_ledger::NoteSigner,
    set: &EvidenceSet,
    files: &[String],
    summary: &ImportSummary,
    extra: serde_json::Map<String, serde_json::Value>,
) -> Result<LoggedImport, LogImportError> {
    let evidence = verity_evidence::to_json(set);
    let mut content = serde_json::json!({
        "import_id": summary.import_id,
        "files": files,
        "measurements": summary.measurements,
        "events": summary.events,
        "knowledge": summary.knowledge,
        "evidence_sha256": hex::encode(verity_ledger::entry::content_hash(&evidence)),
    });
    if let Some(fields) = content.as_object_mut() {
        fields.extend(extra);
    }
    let log_index = verity_ledger::log::append_evidence_import(tx, signer, content)?;
    set_log_index(tx, summary.import_id, log_index)?;
    let checkpoint = verity_ledger::log::checkpoint(tx, signer)?;
    Ok(LoggedImport {
        log_index,
        checkpoint,
    })
}

/// Records the log entry that signed an import.
pub fn set_log_index(tx: &mut Tx<'_>, import_id: i64, log_index: u64) -> Result<(), StoreError> {
    exec(
        tx,
        "UPDATE evidence_imports SET log_index = ?1 WHERE id = ?2",
        &[
            Val::OptInt(i64::try_from(log_index).ok()),
            Val::Int(import_id),
        ],
    )
}

/// A stored row as text/number cells, read the same way from both backends.
#[derive(Debug)]
enum Cell {
    T(Option<String>),
    R(Option<f64>),
    I(i64),
}

fn rows(tx: &mut Tx<'_>, sql: &str, kinds: &[char]) -> Result<Vec<Vec<Cell>>, StoreError> {
    match tx {
        Tx::Sqlite(t) => {
            let mut st = t.prepare(sql).map_err(sq)?;
            let out = st
                .query_map([], |r| {
                    kinds
                        .iter()
                        .enumerate()
                        .map(|(i, k)| {
                            Ok(match k {
                                't' => Cell::T(r.get(i)?),
                                'r' => Cell::R(r.get(i)?),
                                _ => Cell::I(r.get(i)?),
                            })
                        })
                        .collect::<rusqlite::Result<Vec<Cell>>>()
                })
                .map_err(sq)?
                .collect::<rusqlite::Result<Vec<_>>>()
                .map_err(sq)?;
            Ok(out)
        }
        Tx::Postgres(t) => Ok(t
            .query(sql, &[])?
            .iter()
            .map(|r| {
                kinds
                    .iter()
                    .enumerate()
                    .map(|(i, k)| match k {
                        't' => Cell::T(r.get(i)),
                        'r' => Cell::R(r.get(i)),
                        _ => Cell::I(r.get(i)),
                    })
                    .collect()
            })
            .collect()),
    }
}

struct RowReader {
    cells: std::vec::IntoIter<Cell>,
    what: &'static str,
}

impl RowReader {
    fn text(&mut self) -> Result<String, EvidenceStoreError> {
        self.opt_text()?
            .ok_or_else(|| EvidenceStoreError::Unreadable(format!("{}: missing text", self.what)))
    }
    fn opt_text(&mut self) -> Result<Option<String>, EvidenceStoreError> {
        match self.cells.next() {
            Some(Cell::T(t)) => Ok(t),
            other => Err(EvidenceStoreError::Unreadable(format!(
                "{}: expected text, found {other:?}",
                self.what
            ))),
        }
    }
    fn real(&mut self) -> Result<Option<f64>, EvidenceStoreError> {
        match self.cells.next() {
            Some(Cell::R(v)) => Ok(v),
            other => Err(EvidenceStoreError::Unreadable(format!(
                "{}: expected a number, found {other:?}",
                self.what
            ))),
        }
    }
    fn int(&mut self) -> Result<i64, EvidenceStoreError> {
        match self.cells.next() {
            Some(Cell::I(v)) => Ok(v),
            other => Err(EvidenceStoreError::Unreadable(format!(
                "{}: expected an integer, found {other:?}",
                self.what
            ))),
        }
    }
    fn date(&mut self) -> Result<verity_evidence::Date, EvidenceStoreError> {
        let t = self.text()?;
        verity_vocab::parse_date(&t)
            .map_err(|e| EvidenceStoreError::Unreadable(format!("{}: {e}", self.what)))
    }
    fn opt_date(&mut self) -> Result<Option<verity_evidence::Date>, EvidenceStoreError> {
        match self.opt_text()? {
            Some(t) => verity_vocab::parse_date(&t)
                .map(Some)
                .map_err(|e| EvidenceStoreError::Unreadable(format!("{}: {e}", self.what))),
            None => Ok(None),
        }
    }
    /// The columns every record table ends with: `source, paragraph`, `report_date`
    /// for measurements, then `via, note, file, line`.
    fn provenance(
        &mut self,
        with_report_date: bool,
    ) -> Result<(Source, String, Origin), EvidenceStoreError> {
        let report = self.text()?;
        let paragraph = self.opt_text()?;
        let report_date = if with_report_date {
            self.opt_date()?
        } else {
            None
        };
        let via = via(&self.text()?);
        let note = self.opt_text()?.unwrap_or_default();
        let file = self.text()?;
        let line = self.int()?;
        Ok((
            Source {
                report,
                paragraph,
                report_date,
                via,
            },
            note,
            Origin {
                file,
                line: usize::try_from(line).unwrap_or(0),
                // The store keeps the file and line a record came from, not its column.
                col: 1,
            },
        ))
    }
    fn bad(&self, e: impl std::fmt::Display) -> EvidenceStoreError {
        EvidenceStoreError::Unreadable(format!("{}: {e}", self.what))
    }
}

fn via(text: &str) -> Vec<String> {
    text.split(" ; ")
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

/// Every stored record, as one evidence set (sorted by date).
pub fn load(tx: &mut Tx<'_>) -> Result<EvidenceSet, EvidenceStoreError> {
    let mut set = EvidenceSet::default();
    let ms = rows(
        tx,
        "SELECT date, party, metric, value, sigma, low, high, reported_unit, basis, source, paragraph, report_date, via, note, file, line, grade, low_inclusive FROM evidence_measurements",
        &[
            't', 't', 't', 'r', 'r', 'r', 'r', 't', 't', 't', 't', 't', 't', 't', 't', 'i', 't',
            'i',
        ],
    )?;
    for cells in ms {
        let mut r = RowReader {
            cells: cells.into_iter(),
            what: "evidence_measurements",
        };
        let date = r.date()?;
        let party = r.text()?;
        let metric = verity_vocab::metric(&r.text()?).map_err(|e| r.bad(e))?;
        let mut quantity = Quantity {
            value: r.real()?,
            sigma: r.real()?,
            low: r.real()?,
            high: r.real()?,
            low_inclusive: false,
        };
        let reported_unit = verity_vocab::Unit::parse(&r.text()?).map_err(|e| r.bad(e))?;
        let basis_text = r.text()?;
        let basis =
            Basis::parse(&basis_text).ok_or_else(|| r.bad(format!("basis {basis_text}")))?;
        let (source, note, origin) = r.provenance(true)?;
        let grade = match r.opt_text()? {
            Some(t) => Some(Grade::parse(&t).ok_or_else(|| r.bad(format!("grade {t}")))?),
            None => None,
        };
        quantity.low_inclusive = r.int()? != 0;
        set.measurements.push(Measurement {
            date,
            party,
            metric,
            quantity,
            reported_unit,
            basis,
            grade,
            source,
            note,
            origin,
        });
    }
    let es = rows(
        tx,
        "SELECT date, party, event, value, source, paragraph, via, note, file, line FROM evidence_events",
        &['t', 't', 't', 'r', 't', 't', 't', 't', 't', 'i'],
    )?;
    for cells in es {
        let mut r = RowReader {
            cells: cells.into_iter(),
            what: "evidence_events",
        };
        let date = r.date()?;
        let party = r.text()?;
        let event = verity_vocab::event(&r.text()?).map_err(|e| r.bad(e))?;
        let value = r.real()?;
        let (source, note, origin) = r.provenance(false)?;
        set.events.push(Event {
            date,
            party,
            event,
            value,
            source,
            note,
            origin,
        });
    }
    let ks = rows(
        tx,
        "SELECT date_from, date_until, party, scope, source, paragraph, via, note, file, line FROM evidence_knowledge",
        &['t', 't', 't', 't', 't', 't', 't', 't', 't', 'i'],
    )?;
    for cells in ks {
        let mut r = RowReader {
            cells: cells.into_iter(),
            what: "evidence_knowledge",
        };
        let from = r.date()?;
        let until = r.opt_date()?;
        let party = r.text()?;
        let scope_text = r.text()?;
        let scope = if scope_text == "*" {
            Scope::All
        } else {
            Scope::Metrics(
                scope_text
                    .split(';')
                    .map(|id| verity_vocab::metric(id).map(|m| m.id))
                    .collect::<Result<_, _>>()
                    .map_err(|e| r.bad(e))?,
            )
        };
        let (source, note, origin) = r.provenance(false)?;
        set.knowledge.push(KnowledgeGap {
            from,
            until,
            party,
            scope,
            source,
            note,
            origin,
        });
    }
    load_json_records(tx, &mut set)?;
    set.sort();
    Ok(set)
}

/// Reads the stored reports and disagreements back through the importer.
fn load_json_records(tx: &mut Tx<'_>, set: &mut EvidenceSet) -> Result<(), EvidenceStoreError> {
    let mut doc = serde_json::Map::new();
    let mut origins = std::collections::HashMap::new();
    for (table, kind) in [
        ("evidence_reports", "reports"),
        ("evidence_disagreements", "disagreements"),
    ] {
        let rs = rows(
            tx,
            &format!("SELECT row_key, record, file, line FROM {table}"),
            &['t', 't', 't', 'i'],
        )?;
        let mut elements = Vec::new();
        for cells in rs {
            let mut r = RowReader {
                cells: cells.into_iter(),
                what: table,
            };
            let key = r.text()?;
            let record: serde_json::Value =
                serde_json::from_str(&r.text()?).map_err(|e| r.bad(e))?;
            elements.push(record);
            let file = r.text()?;
            let line = usize::try_from(r.int()?).unwrap_or(0);
            origins.insert(key, Origin { file, line, col: 1 });
        }
        doc.insert(kind.to_owned(), serde_json::Value::Array(elements));
    }
    let text = serde_json::Value::Object(doc).to_string();
    let read = verity_evidence::import(&[verity_evidence::Input::new("(stored).json", &text)])
        .map_err(|e| EvidenceStoreError::Unreadable(format!("reports or disagreements: {e}")))?;
    // Each record gets back the file and line it was imported from.
    set.reports = read.reports;
    for r in &mut set.reports {
        if let Some(o) = origins.remove(&report_key(r)) {
            r.origin = o;
        }
    }
    set.disagreements = read.disagreements;
    for d in &mut set.disagreements {
        if let Some(o) = origins.remove(&disagreement_key(d)) {
            d.origin = o;
        }
    }
    Ok(())
}

/// Every import, oldest first.
pub fn imports(tx: &mut Tx<'_>) -> Result<Vec<ImportRecord>, EvidenceStoreError> {
    let sql = "SELECT id, files, measurements, events, knowledge, COALESCE(log_index, -1), imported_at FROM evidence_imports ORDER BY id";
    let rs = rows(tx, sql, &['i', 't', 'i', 'i', 'i', 'i', 't'])?;
    rs.into_iter()
        .map(|cells| {
            let mut r = RowReader {
                cells: cells.into_iter(),
                what: "evidence_imports",
            };
            let id = r.int()?;
            let files = r.text()?;
            let measurements = r.int()?;
            let events = r.int()?;
            let knowledge = r.int()?;
            let log_index = Some(r.int()?).filter(|i| *i >= 0);
            let imported_at = r.text()?;
            Ok(ImportRecord {
                id,
                files,
                measurements,
                events,
                knowledge,
                log_index,
                imported_at,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Store;
    use verity_evidence::{Input, import as parse};

    const M: &str =
        "date,party,metric,value,sigma,low,high,unit,basis,source,paragraph,report_date,via,note
2019-05-20,Iran,enriched_uranium_stock,174.1,0.5,,,kg_u,verified,GOV/2019/21,8,2019-05-31,a ; b,
2019-07-01,Iran,enriched_uranium_stock,,,202.8,,kg_u,verified,GOV/INF/2019/8,2,2019-07-01,,exceeded
2020-11-14,Iran,centrifuges_ir1_installed_natanz_fep,,,>=5060,,count,verified,GOV/2020/51,3,2020-11-17,,at least
";
    const E: &str = "date,party,event,value,source,paragraph,via,note
2019-07-08,Iran,enrichment_level_begun,4.5,GOV/INF/2019/9,2,,
";
    const K: &str = "from,until,party,scope,source,paragraph,via,note
2021-02-23,,Iran,heavy_water_stock;uranium_metal,GOV/2021/10,3,,
";

    fn set(files: &[(&str, &str)]) -> EvidenceSet {
        let inputs: Vec<Input<'_>> = files.iter().map(|(n, t)| Input::new(n, t)).collect();
        parse(&inputs).expect("valid test evidence")
    }

    fn counts(store: &Store) -> (usize, usize, usize, usize) {
        store
            .read(|tx| -> Result<_, EvidenceStoreError> {
                let s = load(tx)?;
                Ok((
                    s.measurements.len(),
                    s.events.len(),
                    s.knowledge.len(),
                    imports(tx)?.len(),
                ))
            })
            .expect("read")
    }

    fn pg_url() -> Option<String> {
        [
            std::env::var("VERITY_TEST_POSTGRES").ok(),
            Some("postgres://root@127.0.0.1:5432/test".to_string()),
            Some("postgres://postgres@127.0.0.1:5432/test".to_string()),
        ]
        .into_iter()
        .flatten()
        .find(|u| {
            u.parse::<postgres::Config>().is_ok_and(|mut c| {
                c.connect_timeout(std::time::Duration::from_secs(2));
                c.connect(postgres::NoTls).is_ok()
            })
        })
    }

    /// Runs `body` on SQLite, and on PostgreSQL when a server is reachable (in a
    /// schema of its own, dropped afterwards).
    fn on_both(name: &str, body: impl Fn(&Store)) {
        let dir = tempfile::tempdir().expect("tempdir");
        let sqlite = Store::open(&format!("sqlite:{}", dir.path().join("e.db").display()))
            .expect("sqlite store");
        body(&sqlite);
        let Some(url) = pg_url() else {
            eprintln!("SKIPPED {name} on PostgreSQL: no server on 127.0.0.1:5432");
            return;
        };
        let schema = format!(
            "verity_ev_{}_{}",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.subsec_nanos())
        );
        let pg = Store::open_postgres(&url, Some(&schema)).expect("postgres store");
        body(&pg);
        drop(pg);
        if let Ok(mut c) = postgres::Client::connect(&url, postgres::NoTls) {
            let _ = c.batch_execute(&format!("DROP SCHEMA IF EXISTS \"{schema}\" CASCADE"));
        }
    }

    #[test]
    fn placeholders_are_rewritten_for_postgres() {
        assert_eq!(pg("a = ?1 AND b = ?2"), "a = $1 AND b = $2");
    }

    #[test]
    fn import_and_read_back() {
        on_both("import_and_read_back", |store| {
            let s = set(&[("m.csv", M), ("e.csv", E), ("k.csv", K)]);
            let files = vec!["m.csv".to_owned(), "e.csv".to_owned(), "k.csv".to_owned()];
            let sum = store.write(|tx| import(tx, &s, &files)).expect("import");
            assert_eq!((sum.measurements, sum.events, sum.knowledge), (3, 1, 1));
            let back = store.read(load).expect("load");
            assert_eq!(back.measurements.len(), 3);
            // "At least" survives the store; "more than" stays strict.
            assert!(back.measurements[2].quantity.low_inclusive);
            assert_eq!(back.measurements[2].quantity.low, Some(5060.0));
            assert!(!back.measurements[1].quantity.low_inclusive);
            let m = &back.measurements[0];
            assert_eq!(m.metric.id, "enriched_uranium_stock");
            assert_eq!(m.quantity.value, Some(174.1));
            assert_eq!(m.quantity.sigma, Some(0.5));
            assert_eq!(m.source.via, ["a", "b"]);
            assert_eq!(m.source.paragraph.as_deref(), Some("8"));
            assert_eq!((m.origin.file.as_str(), m.origin.line), ("m.csv", 2));
            assert_eq!(back.measurements[1].quantity.low, Some(202.8));
            assert_eq!(back.events[0].value, Some(4.5));
            assert_eq!(back.knowledge[0].until, None);
            assert!(back.knowledge[0].scope.covers("uranium_metal"));
            // Read back equals what was imported.
            assert_eq!(back, s);
            let imps = store.read(imports).expect("imports");
            assert_eq!(imps.len(), 1);
            assert_eq!(imps[0].files, "m.csv e.csv k.csv");
            assert_eq!(imps[0].log_index, None);
            store
                .write(|tx| set_log_index(tx, sum.import_id, 7))
                .expect("log index");
            let imps = store.read(imports).expect("imports");
            assert_eq!(imps[0].log_index, Some(7));
        });
    }

    #[test]
    fn an_import_with_a_stored_record_stores_nothing() {
        on_both("an_import_with_a_stored_record_stores_nothing", |store| {
            let first = set(&[("m.csv", M)]);
            store
                .write(|tx| import(tx, &first, &["m.csv".to_owned()]))
                .expect("first import");
            assert_eq!(counts(store), (3, 0, 0, 1));
            // A second import with two new records and one already stored.
            let again = format!(
                "{M}2019-08-19,Iran,enriched_uranium_stock,241.6,,,,kg_u,verified,GOV/2019/32,3,2019-08-30,,\n"
            );
            let second = set(&[("again.csv", &again), ("e.csv", E)]);
            let err = store
                .write(|tx| import(tx, &second, &["again.csv".to_owned(), "e.csv".to_owned()]))
                .expect_err("duplicates");
            match &err {
                EvidenceStoreError::AlreadyStored(list) => {
                    assert_eq!(list.len(), 3, "{list:?}");
                    assert!(list[0].starts_with("again.csv:2: "), "{}", list[0]);
                    assert!(
                        list[0].ends_with("is already stored (import #1)"),
                        "{}",
                        list[0]
                    );
                    assert!(list[1].starts_with("again.csv:3: "), "{}", list[1]);
                }
                other => panic!("unexpected {other:?}"),
            }
            assert_eq!(counts(store), (3, 0, 0, 1), "store changed");
        });
    }

    #[test]
    fn a_failure_later_in_the_transaction_rolls_the_import_back() {
        on_both(
            "a_failure_later_in_the_transaction_rolls_the_import_back",
            |store| {
                let s = set(&[("m.csv", M), ("e.csv", E)]);
                let res: Result<(), EvidenceStoreError> = store.write(|tx| {
                    import(tx, &s, &["m.csv".to_owned()])?;
                    // E.g. the log append that follows an import fails.
                    Err(EvidenceStoreError::Unreadable("simulated failure".into()))
                });
                assert!(res.is_err());
                assert_eq!(counts(store), (0, 0, 0, 0));
            },
        );
    }
}
