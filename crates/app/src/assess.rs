//! Assessing an agreement against a record: loading both, the query (party, period,
//! the record as of a date, σ), and the `verity assess --json` document.

use std::collections::BTreeMap;

use serde::Serialize;
use verity_agreement::Agreement;
use verity_compliance::{Assessment, BreakoutOptions, BreakoutPoint, Options, Skipped, breakout};
use verity_evidence::{EvidenceSet, Input};
use verity_vocab::Date;

use crate::{AppError, AppResult, policy};

/// Parses an agreement file; every diagnostic becomes a located problem.
pub fn load_agreement(src: &str, file: &str) -> AppResult<Agreement> {
    verity_agreement::parse(src, file).map_err(|diags| {
        let n = diags.0.len();
        AppError::BadInput {
            field: None,
            value: None,
            reason: format!("{file}: {n} problem{} found", if n == 1 { "" } else { "s" }),
            problems: diags.0.iter().map(|d| d.to_string()).collect(),
        }
    })
}

/// The JCPOA shipped with Verity.
pub fn shipped_agreement() -> AppResult<Agreement> {
    load_agreement(verity_agreement::JCPOA_SOURCE, verity_agreement::JCPOA_FILE)
}

/// Imports evidence files (name, text) together, all or nothing; none: the shipped
/// record.
pub fn load_evidence(files: &[(String, String)]) -> AppResult<EvidenceSet> {
    if files.is_empty() {
        return verity_evidence::shipped::load().map_err(|e| {
            AppError::Failed(anyhow::anyhow!("the shipped record does not import:\n{e}"))
        });
    }
    let inputs: Vec<Input<'_>> = files
        .iter()
        .map(|(name, text)| Input::new(name, text))
        .collect();
    verity_evidence::import(&inputs).map_err(|e| AppError::BadInput {
        field: None,
        value: None,
        reason: e.to_string(),
        problems: Vec::new(),
    })
}

/// Every record of `evidence` names a party of `agreement`: a record about a party
/// the agreement does not know would count for no verdict, silently.
pub fn check_parties(agreement: &Agreement, evidence: &EvidenceSet) -> AppResult<()> {
    verity_compliance::check_parties(agreement, evidence).map_err(bad_evidence)
}

/// No event of `evidence` puts a key day of `agreement` past the calendar's end.
pub fn check_key_days(agreement: &Agreement, evidence: &EvidenceSet) -> AppResult<()> {
    verity_compliance::check_key_days(agreement, evidence).map_err(bad_evidence)
}

fn bad_evidence(e: verity_evidence::ImportError) -> AppError {
    AppError::BadInput {
        field: None,
        value: None,
        reason: e.to_string(),
        problems: Vec::new(),
    }
}

/// What to assess: whose obligations, over which dates, on the record as it stood
/// when, and the σ rule.
#[derive(Debug, Clone, PartialEq)]
pub struct Query {
    pub party: Option<String>,
    pub from: Option<Date>,
    pub to: Option<Date>,
    /// The record as it stood on this date (what had been published by then).
    pub as_of: Option<Date>,
    pub sigma: f64,
    /// Show the verdicts under this party's stated positions (an id or name of the
    /// agreement's parties); `None`: the finding on the evidence.
    pub reading: Option<String>,
}

impl Default for Query {
    fn default() -> Query {
        Query {
            party: None,
            from: None,
            to: None,
            as_of: None,
            sigma: policy::DEFAULT_SIGMA,
            reading: None,
        }
    }
}

fn date(field: &str, text: Option<&str>) -> AppResult<Option<Date>> {
    text.map(|t| {
        verity_vocab::parse_date(t).map_err(|e| match e {
            verity_vocab::VocabError::BadDate { text, reason } => {
                AppError::field(field, text, reason)
            }
            other => AppError::field(field, t, other.to_string()),
        })
    })
    .transpose()
}

impl Query {
    /// A query from the text a user typed (flags or query parameters), each value
    /// checked; errors name the field (`party`, `from`, `to`, `as_of`, `sigma`).
    pub fn parse(
        party: Option<&str>,
        from: Option<&str>,
        to: Option<&str>,
        as_of: Option<&str>,
        sigma: Option<f64>,
    ) -> AppResult<Query> {
        let q = Query {
            party: party.map(str::to_owned),
            from: date("from", from)?,
            to: date("to", to)?,
            as_of: date("as_of", as_of)?,
            sigma: policy::check_sigma(sigma.unwrap_or(policy::DEFAULT_SIGMA))?,
            reading: None,
        };
        if let (Some(f), Some(t)) = (q.from, q.to)
            && t < f
        {
            return Err(AppError::field("to", t, format!("is before from ({f})")));
        }
        if let (Some(f), Some(a)) = (q.from, q.as_of)
            && a < f
        {
            return Err(AppError::field("as_of", a, format!("is before from ({f})")));
        }
        Ok(q)
    }

    /// The last date assessed: `to`, no later than `as_of`.
    pub fn until(&self) -> Option<Date> {
        match (self.to, self.as_of) {
            (Some(t), Some(a)) => Some(t.min(a)),
            (t, a) => t.or(a),
        }
    }

    /// The same query under `party`'s reading (checked against the agreement when run).
    pub fn with_reading(mut self, party: Option<&str>) -> Query {
        self.reading = party.map(|p| p.trim().to_owned());
        self
    }

    /// Whether `d` lies in the query's period (from, to and as_of).
    pub fn in_range(&self, d: Date) -> bool {
        self.from.is_none_or(|f| d >= f) && self.until().is_none_or(|t| d <= t)
    }
}

/// The breakout timeline of a record: an estimate per report with stocks, and the
/// reports that have none, with why. It is the costly part (a Monte Carlo per report),
/// so callers that answer many queries (the server) compute it once per record.
#[derive(Debug, Clone, Default)]
pub struct Timeline {
    pub points: Vec<BreakoutPoint>,
    pub skipped: Vec<Skipped>,
}

impl Timeline {
    pub fn of(evidence: &EvidenceSet) -> Timeline {
        let (points, skipped) =
            breakout::timeline_all_explained(evidence, &BreakoutOptions::default());
        Timeline { points, skipped }
    }
}

/// Everything an assessment shows, computed once.
pub struct Run {
    pub agreement: Agreement,
    /// The record assessed (already cut to `query.as_of`).
    pub evidence: EvidenceSet,
    pub query: Query,
    pub options: Options,
    pub assessment: Assessment,
    pub breakout: Vec<BreakoutPoint>,
    /// Reports with a stock figure but no breakout estimate, and why.
    pub breakout_skipped: Vec<Skipped>,
}

/// Assesses `agreement` against `evidence` for `query`. `timeline` is the breakout
/// timeline of the same record if the caller has it (see [`Timeline`]); it is computed
/// otherwise.
pub fn run(
    agreement: Agreement,
    evidence: &EvidenceSet,
    query: &Query,
    timeline: Option<&Timeline>,
) -> AppResult<Run> {
    policy::check_sigma(query.sigma)?;
    if let Some(p) = &query.party
        && agreement.party(p).is_none()
    {
        let known: Vec<&str> = agreement.parties.iter().map(|p| p.id.as_str()).collect();
        return Err(AppError::field(
            "party",
            p,
            format!(
                "no such party in {} (known: {})",
                agreement.id,
                known.join(", ")
            ),
        ));
    }
    let reading = match &query.reading {
        None => None,
        Some(p) => Some(match agreement.party(p) {
            Some(found) => found.id.clone(),
            None => {
                let mut holders: Vec<&str> = agreement
                    .readings
                    .iter()
                    .map(|r| r.party.as_str())
                    .collect();
                holders.sort_unstable();
                holders.dedup();
                return Err(AppError::field(
                    "reading",
                    p,
                    format!(
                        "no such party in {} (parties with stated readings: {})",
                        agreement.id,
                        holders.join(", ")
                    ),
                ));
            }
        }),
    };
    let evidence = match query.as_of {
        Some(d) => evidence.as_of(d),
        None => evidence.clone(),
    };
    check_parties(&agreement, &evidence)?;
    let options = Options {
        sigma_k: query.sigma,
        party: query.party.clone(),
        from: query.from,
        to: query.until(),
        reading,
    };
    let assessment = verity_compliance::assess(&agreement, &evidence, &options);
    // Breakout concerns the party whose stocks are measured: every party with stock
    // figures (in the JCPOA record, Iran). A timeline of the whole record serves a
    // query "as of" a date only up to that date's reports.
    let own;
    let timeline = match (timeline, query.as_of) {
        (Some(t), None) => t,
        _ => {
            own = Timeline::of(&evidence);
            &own
        }
    };
    let breakout = timeline
        .points
        .iter()
        .filter(|p| query.in_range(p.date))
        .cloned()
        .collect();
    let breakout_skipped = timeline
        .skipped
        .iter()
        .filter(|s| query.in_range(s.date))
        .cloned()
        .collect();
    Ok(Run {
        agreement,
        evidence,
        query: query.clone(),
        options,
        assessment,
        breakout,
        breakout_skipped,
    })
}

/// The `verity assess --json` document and `GET /api/v1/assessments`.
#[derive(Debug, Clone, Serialize)]
pub struct AssessmentDoc {
    pub verdicts: Vec<verity_compliance::Verdict>,
    /// Obligation id → date of its first breach.
    pub first_breach: BTreeMap<String, Date>,
    pub breakout: Vec<BreakoutPoint>,
}

impl Run {
    pub fn assessment_doc(&self) -> AssessmentDoc {
        AssessmentDoc {
            verdicts: self.assessment.verdicts.clone(),
            first_breach: self.assessment.first_breaches(),
            breakout: self.breakout.clone(),
        }
    }
}
