//! Offline proofs in the C2SP tlog-proof format (c2sp.org/tlog-proof@v1): an entry's
//! index, its inclusion proof and the signed checkpoint (with any witness
//! cosignatures), in one text a reader checks with no access to the log.
//!
//! The leaf hash is application-specific in the format; Verity carries the entry's own
//! bytes on the `extra` line, so the proof is self-contained: the reader recomputes
//! SHA-256(0x00 ‖ entry) and also checks the entry's own signature.

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;

use crate::checkpoint::{self, CheckpointError, VerifiedCheckpoint};
use crate::merkle::{self, Hash, ProofError};
use crate::note::NoteVerifier;

/// The format's first line.
pub const HEADER: &str = "c2sp.org/tlog-proof@v1";

/// A parsed tlog-proof (not yet verified).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlogProof {
    /// The `extra` line's bytes: for Verity, the entry itself.
    pub extra: Option<Vec<u8>>,
    pub index: u64,
    /// Hashes from the leaf's sibling up to the root's child (RFC 6962, 2.1.1).
    pub proof: Vec<Hash>,
    /// The checkpoint, verbatim.
    pub checkpoint: String,
}

/// Why a proof is malformed or does not verify.
#[derive(Debug, thiserror::Error)]
pub enum TlogProofError {
    #[error("line {line}: {why}")]
    Malformed { line: usize, why: String },
    #[error("the checkpoint: {0}")]
    Checkpoint(#[from] CheckpointError),
    #[error("the checkpoint is for the log {found:?}, not {expected:?}")]
    Origin { found: String, expected: String },
    #[error("no entry: the proof has no extra line, and none was given")]
    NoEntry,
    #[error("the inclusion proof does not lead to the checkpoint's root: {0}")]
    Inclusion(#[from] ProofError),
}

impl TlogProof {
    /// The proof of entry `index` (whose bytes are `entry`) against `checkpoint`.
    pub fn new(entry: &[u8], index: u64, proof: Vec<Hash>, checkpoint: &str) -> TlogProof {
        TlogProof {
            extra: Some(entry.to_vec()),
            index,
            proof,
            checkpoint: checkpoint.to_owned(),
        }
    }

    /// The proof as text, as the format lays it out.
    pub fn to_text(&self) -> String {
        let mut s = format!("{HEADER}\n");
        if let Some(e) = &self.extra {
            s.push_str(&format!("extra {}\n", B64.encode(e)));
        }
        s.push_str(&format!("index {}\n", self.index));
        for h in &self.proof {
            s.push_str(&B64.encode(h));
            s.push('\n');
        }
        s.push('\n');
        s.push_str(&self.checkpoint);
        s
    }

    /// Parses a proof strictly: the header, an optional `extra`, `index` in decimal
    /// with no leading zeros, 32-byte base64 hashes, a blank line, then the checkpoint.
    pub fn parse(text: &str) -> Result<TlogProof, TlogProofError> {
        let bad = |line: usize, why: &str| TlogProofError::Malformed {
            line,
            why: why.to_owned(),
        };
        let (head, checkpoint) = text
            .split_once("\n\n")
            .ok_or_else(|| bad(1, "no blank line before the checkpoint"))?;
        let mut lines = head.split('\n').enumerate().map(|(i, l)| (i + 1, l));
        match lines.next() {
            Some((_, HEADER)) => {}
            _ => return Err(bad(1, &format!("the first line must be `{HEADER}`"))),
        }
        let mut next = lines.next();
        let mut extra = None;
        if let Some((n, l)) = next
            && let Some(b) = l.strip_prefix("extra ")
        {
            extra = Some(
                B64.decode(b)
                    .map_err(|e| bad(n, &format!("extra is not base64: {e}")))?,
            );
            next = lines.next();
        }
        let (n, l) = next.ok_or_else(|| bad(2, "missing the index line"))?;
        let digits = l
            .strip_prefix("index ")
            .ok_or_else(|| bad(n, "expected `index N`"))?;
        if digits.is_empty()
            || !digits.bytes().all(|b| b.is_ascii_digit())
            || (digits.len() > 1 && digits.starts_with('0'))
        {
            return Err(bad(
                n,
                "the index must be a decimal number without leading zeros",
            ));
        }
        let index: u64 = digits.parse().map_err(|_| bad(n, "index out of range"))?;
        let mut proof = Vec::new();
        for (n, l) in lines {
            let raw = B64
                .decode(l)
                .map_err(|e| bad(n, &format!("not a base64 hash: {e}")))?;
            let h: Hash = raw
                .try_into()
                .map_err(|_| bad(n, "a proof hash must be 32 bytes"))?;
            proof.push(h);
        }
        if proof.len() > 63 {
            return Err(bad(3, "more than 63 proof hashes"));
        }
        Ok(TlogProof {
            extra,
            index,
            proof,
            checkpoint: checkpoint.to_owned(),
        })
    }

    /// Verifies the proof: the checkpoint is signed by one of `log_keys` (for `origin`,
    /// when given), and the inclusion proof takes SHA-256(0x00 ‖ entry) to its root.
    /// `entry` overrides the `extra` line. Witness policy is the caller's: the
    /// returned checkpoint's note can be checked with `verify_known`.
    pub fn verify(
        &self,
        entry: Option<&[u8]>,
        log_keys: &[NoteVerifier],
        origin: Option<&str>,
    ) -> Result<VerifiedCheckpoint, TlogProofError> {
        let v = checkpoint::open(&self.checkpoint, log_keys, None)?;
        if let Some(o) = origin
            && v.checkpoint.origin != o
        {
            return Err(TlogProofError::Origin {
                found: v.checkpoint.origin.clone(),
                expected: o.to_owned(),
            });
        }
        let entry = entry
            .or(self.extra.as_deref())
            .ok_or(TlogProofError::NoEntry)?;
        merkle::verify_inclusion(
            self.index,
            v.checkpoint.size,
            &merkle::leaf_hash(entry),
            &self.proof,
            &v.checkpoint.root,
        )?;
        Ok(v)
    }
}
