//! A witness per C2SP tlog-witness (c2sp.org/tlog-witness): it co-signs a log's
//! checkpoint only as a consistent extension of the last one it co-signed for that
//! origin, so a log cannot show two histories to the parties that rely on the witness.
//!
//! Pure: the caller keeps the state (the last co-signed size and root per origin) and
//! must check-and-update it atomically with [`add_checkpoint`] (the spec's rollback race
//! otherwise reappears), persisting the new state before handing out the cosignature.

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;

use crate::checkpoint::Checkpoint;
use crate::merkle::{self, Hash};
use crate::note::{Note, NoteSigner, NoteVerifier};

/// The most consistency-proof lines a request may carry.
pub const MAX_PROOF_LINES: usize = 63;

/// An `add-checkpoint` request body: the old size, a consistency proof from it, and the
/// checkpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AddCheckpoint {
    pub old_size: u64,
    pub proof: Vec<Hash>,
    pub checkpoint: String,
}

/// What a witness remembers of one log: the last checkpoint it co-signed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Witnessed {
    pub size: u64,
    pub root: Hash,
    /// That checkpoint with the witness's cosignature (for monitors).
    pub checkpoint: String,
}

/// A refusal, with the HTTP status the spec gives it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WitnessError {
    /// 400: a malformed request, or an old size beyond the checkpoint's.
    #[error("{0}")]
    BadRequest(String),
    /// 403: no valid signature by a key the witness trusts for the origin.
    #[error("{0}")]
    Forbidden(String),
    /// 404: the witness does not know the log.
    #[error("unknown log origin {0:?}")]
    UnknownOrigin(String),
    /// 409: the old size is not the size the witness last co-signed.
    #[error("this witness last co-signed a tree of size {size}")]
    Conflict { size: u64 },
    /// 422: the checkpoint is not a consistent extension of what was co-signed.
    #[error("{0}")]
    Unprocessable(String),
}

impl WitnessError {
    /// The HTTP status for this refusal (c2sp.org/tlog-witness).
    pub fn status(&self) -> u16 {
        match self {
            WitnessError::BadRequest(_) => 400,
            WitnessError::Forbidden(_) => 403,
            WitnessError::UnknownOrigin(_) => 404,
            WitnessError::Conflict { .. } => 409,
            WitnessError::Unprocessable(_) => 422,
        }
    }
}

fn decimal(s: &str) -> Option<u64> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) || (s.len() > 1 && s.starts_with('0'))
    {
        return None;
    }
    s.parse().ok()
}

impl AddCheckpoint {
    /// Parses a request body: `old N`, proof lines, an empty line, the checkpoint.
    pub fn parse(body: &str) -> Result<AddCheckpoint, WitnessError> {
        let bad = |why: &str| WitnessError::BadRequest(why.to_owned());
        let (head, checkpoint) = body.split_once("\n\n").ok_or_else(|| {
            bad("expected `old N`, proof lines and an empty line before the checkpoint")
        })?;
        let mut lines = head.split('\n');
        let old = lines
            .next()
            .and_then(|l| l.strip_prefix("old "))
            .ok_or_else(|| bad("the first line must be `old N`"))?;
        let old_size = decimal(old)
            .ok_or_else(|| bad("the old size must be a decimal number without leading zeros"))?;
        let mut proof = Vec::new();
        for l in lines {
            let h: Hash = B64
                .decode(l)
                .ok()
                .and_then(|b| b.try_into().ok())
                .ok_or_else(|| bad("a consistency proof line must be one base64 SHA-256 hash"))?;
            proof.push(h);
        }
        if proof.len() > MAX_PROOF_LINES {
            return Err(bad("more than 63 consistency proof lines"));
        }
        Ok(AddCheckpoint {
            old_size,
            proof,
            checkpoint: checkpoint.to_owned(),
        })
    }

    /// The request body.
    pub fn to_text(&self) -> String {
        let mut s = format!("old {}\n", self.old_size);
        for h in &self.proof {
            s.push_str(&B64.encode(h));
            s.push('\n');
        }
        s.push('\n');
        s.push_str(&self.checkpoint);
        s
    }
}

/// The origin a request's checkpoint claims (for the caller to look its state up
/// before [`add_checkpoint`]), without checking anything else.
pub fn origin_of(req: &AddCheckpoint) -> Result<String, WitnessError> {
    let note = Note::parse(&req.checkpoint).map_err(|e| {
        WitnessError::BadRequest(format!("the checkpoint is not a signed note: {e}"))
    })?;
    Checkpoint::parse_body(note.text())
        .map(|c| c.origin)
        .map_err(|e| WitnessError::BadRequest(format!("not a checkpoint: {e}")))
}

/// Checks a request against the logs the witness trusts and its state for that origin
/// (`last`, `None` if it never co-signed one), and, if it passes, co-signs: returns the
/// new state and the cosignature line(s) to send back.
pub fn add_checkpoint(
    req: &AddCheckpoint,
    logs: &[NoteVerifier],
    last: Option<&Witnessed>,
    witness: &NoteSigner,
    now: u64,
) -> Result<(Witnessed, String), WitnessError> {
    let mut note = Note::parse(&req.checkpoint).map_err(|e| {
        WitnessError::BadRequest(format!("the checkpoint is not a signed note: {e}"))
    })?;
    let cp = Checkpoint::parse_body(note.text())
        .map_err(|e| WitnessError::BadRequest(format!("not a checkpoint: {e}")))?;
    let trusted: Vec<NoteVerifier> = logs
        .iter()
        .filter(|k| k.name() == cp.origin)
        .cloned()
        .collect();
    if trusted.is_empty() {
        return Err(WitnessError::UnknownOrigin(cp.origin));
    }
    note.verify(&trusted).map_err(|e| {
        WitnessError::Forbidden(format!(
            "the checkpoint is not signed by the log's key: {e}"
        ))
    })?;
    if req.old_size > cp.size {
        return Err(WitnessError::BadRequest(format!(
            "the old size {} is larger than the checkpoint's {}",
            req.old_size, cp.size
        )));
    }
    let (last_size, last_root) = last.map_or((0, merkle::empty_root()), |w| (w.size, w.root));
    if req.old_size != last_size {
        return Err(WitnessError::Conflict { size: last_size });
    }
    if cp.size == 0 && cp.root != merkle::empty_root() {
        return Err(WitnessError::Unprocessable(
            "a checkpoint of size 0 must carry the empty tree's root".into(),
        ));
    }
    if req.old_size == 0 {
        if !req.proof.is_empty() {
            return Err(WitnessError::Unprocessable(
                "from size 0 the consistency proof must be empty".into(),
            ));
        }
    } else if req.old_size == cp.size {
        if cp.root != last_root {
            return Err(WitnessError::Unprocessable(format!(
                "a different tree of the size this witness co-signed ({}): a fork",
                cp.size
            )));
        }
    } else {
        merkle::verify_consistency(req.old_size, cp.size, &last_root, &cp.root, &req.proof)
            .map_err(|e| {
                WitnessError::Unprocessable(format!(
                    "the checkpoint does not extend the tree of size {} this witness co-signed: {e}",
                    req.old_size
                ))
            })?;
    }
    let before = note.signatures().len();
    note.cosign(witness, now)
        .map_err(|e| WitnessError::BadRequest(e.to_string()))?;
    let text = note.to_string();
    // The signature lines added: the last `after - before` lines.
    let added = note.signatures().len() - before;
    let lines: Vec<&str> = text.lines().collect();
    let mut cosig = lines[lines.len() - added..].join("\n");
    cosig.push('\n');
    Ok((
        Witnessed {
            size: cp.size,
            root: cp.root,
            checkpoint: text,
        },
        cosig,
    ))
}
