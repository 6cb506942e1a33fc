//! C2SP tlog-checkpoint (c2sp.org/tlog-checkpoint): the signed head of a log.
//!
//! The body is `origin\nsize\nbase64(root)\n` plus optional extension lines; it is
//! signed as a C2SP signed note by the log's key (whose name is the origin) and,
//! optionally, co-signed by witnesses.

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;

use crate::merkle::Hash;
use crate::note::{Note, NoteError, NoteSigner, NoteVerifier};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    pub origin: String,
    pub size: u64,
    pub root: Hash,
    /// Opaque extension lines (kept, never interpreted).
    pub extensions: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CheckpointError {
    #[error("malformed checkpoint, line {line}: {why}")]
    Malformed { line: usize, why: String },
    #[error(transparent)]
    Note(#[from] NoteError),
}

impl Checkpoint {
    pub fn new(origin: &str, size: u64, root: Hash) -> Checkpoint {
        Checkpoint {
            origin: origin.to_string(),
            size,
            root,
            extensions: Vec::new(),
        }
    }

    /// The note text (with its final newline).
    pub fn body(&self) -> String {
        let mut s = format!(
            "{}\n{}\n{}\n",
            self.origin,
            self.size,
            B64.encode(self.root)
        );
        for e in &self.extensions {
            s.push_str(e);
            s.push('\n');
        }
        s
    }

    /// Parses a note text as a checkpoint body.
    pub fn parse_body(text: &str) -> Result<Checkpoint, CheckpointError> {
        let bad = |line: usize, why: &str| CheckpointError::Malformed {
            line,
            why: why.to_string(),
        };
        let body = text
            .strip_suffix('\n')
            .ok_or_else(|| bad(1, "the text must end with a newline"))?;
        let lines: Vec<&str> = body.split('\n').collect();
        if lines.len() < 3 {
            return Err(bad(
                lines.len() + 1,
                "expected origin, tree size and root hash lines",
            ));
        }
        let origin = lines[0];
        if origin.is_empty() {
            return Err(bad(1, "the origin must not be empty"));
        }
        let size_s = lines[1];
        let size_ok = !size_s.is_empty()
            && size_s.bytes().all(|b| b.is_ascii_digit())
            && (size_s == "0" || !size_s.starts_with('0'));
        let size: u64 = size_ok
            .then(|| size_s.parse().ok())
            .flatten()
            .ok_or_else(|| {
                bad(
                    2,
                    "the tree size must be a decimal number without leading zeros",
                )
            })?;
        let root: Hash = B64
            .decode(lines[2])
            .ok()
            .and_then(|r| r.try_into().ok())
            .ok_or_else(|| bad(3, "the root hash must be 32 bytes in base64"))?;
        let mut extensions = Vec::new();
        for (i, e) in lines[3..].iter().enumerate() {
            if e.is_empty() {
                return Err(bad(4 + i, "extension lines must not be empty"));
            }
            extensions.push((*e).to_string());
        }
        Ok(Checkpoint {
            origin: origin.to_string(),
            size,
            root,
            extensions,
        })
    }

    /// Signs the checkpoint with the log's key, giving the signed note.
    pub fn sign(&self, signer: &NoteSigner) -> Result<Note, NoteError> {
        let mut n = Note::new(&self.body())?;
        n.sign(signer)?;
        Ok(n)
    }
}

/// A checkpoint read from a signed note whose signature checked out.
#[derive(Debug, Clone)]
pub struct VerifiedCheckpoint {
    pub checkpoint: Checkpoint,
    pub note: Note,
    /// Names of the trusted keys whose signatures verified (log and witnesses).
    pub signed_by: Vec<String>,
}

/// Parses a signed checkpoint and verifies it against the trusted keys (see
/// [`Note::verify`] for the rules). `origin`, when given, must match.
pub fn open(
    text: &str,
    trusted: &[NoteVerifier],
    origin: Option<&str>,
) -> Result<VerifiedCheckpoint, CheckpointError> {
    let note = Note::parse(text)?;
    let signed_by = note
        .verify(trusted)?
        .into_iter()
        .map(|v| v.name().to_string())
        .collect();
    let checkpoint = Checkpoint::parse_body(note.text())?;
    if let Some(o) = origin {
        if checkpoint.origin != o {
            return Err(CheckpointError::Malformed {
                line: 1,
                why: format!("origin {:?} is not this log's ({o:?})", checkpoint.origin),
            });
        }
    }
    Ok(VerifiedCheckpoint {
        checkpoint,
        note,
        signed_by,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn body_round_trips_and_rejects_leading_zeros() {
        let c = Checkpoint::new("example.org/log", 42, [7u8; 32]);
        assert_eq!(Checkpoint::parse_body(&c.body()).unwrap(), c);
        let bad = c.body().replacen("\n42\n", "\n042\n", 1);
        assert!(matches!(
            Checkpoint::parse_body(&bad),
            Err(CheckpointError::Malformed { line: 2, .. })
        ));
    }
}
