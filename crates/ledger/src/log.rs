//! The log's operations over any storage: appending signed entries, proofs,
//! checkpoints, full verification and auditing.
//!
//! Storage is a trait ([`LogStorage`]) so this crate stays free of databases:
//! `verity-store` implements it on its SQLite and PostgreSQL transactions, and
//! [`MemoryStorage`] implements it for tests. Every function here is meant to run
//! inside one storage transaction; the storage makes it atomic and serialises
//! writers.
//!
//! Architecture invariant: the storage holds, for a tree of size n, every entry
//! 0..n and the hash of every perfect subtree of 0..n (2n - popcount(n) nodes). A
//! proof therefore reads O(log n) stored nodes and never rehashes leaves.

use std::collections::BTreeMap;
use std::ops::Range;

use crate::checkpoint::{self, Checkpoint, CheckpointError, VerifiedCheckpoint};
use crate::entry::{EntryError, Kind, SignedEntry};
use crate::merkle::{self, FrontierBuilder, Hash, NodeId, ProofError};
use crate::note::{NoteError, NoteSigner, NoteVerifier};

/// Errors raised by a storage backend, boxed so backends keep their own types.
pub type StorageError = Box<dyn std::error::Error + Send + Sync>;

/// What a store knows about the log it holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogMeta {
    /// The checkpoint origin line, equal to the log key's name.
    pub origin: String,
    /// The log's verifier key (`name+hexid+base64`).
    pub verifier_key: String,
    /// Where the log's private key file lives (never the key itself).
    pub signer_key_path: String,
}

/// A stored entry row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredEntry {
    pub index: u64,
    pub kind: String,
    pub data: Vec<u8>,
}

/// A leaf to store.
#[derive(Debug, Clone, Copy)]
pub struct NewLeaf<'a> {
    pub kind: &'a str,
    pub data: &'a [u8],
}

/// The persistence a log needs. Implementations run inside a transaction.
pub trait LogStorage {
    fn log_meta(&mut self) -> Result<Option<LogMeta>, StorageError>;
    /// Creates the log; fails if one exists.
    fn init_log(&mut self, meta: &LogMeta) -> Result<(), StorageError>;
    /// The number of entries. Writers must hold the log's write lock from this
    /// read until their append is committed.
    fn tree_size(&mut self) -> Result<u64, StorageError>;
    /// Stored hashes of perfect nodes (None where absent), in the order asked.
    fn nodes(&mut self, ids: &[NodeId]) -> Result<Vec<Option<Hash>>, StorageError>;
    /// Stores leaves `first..first+leaves.len()`, the new perfect nodes, and the new
    /// tree size — all or nothing.
    fn append(
        &mut self,
        first: u64,
        leaves: &[NewLeaf<'_>],
        nodes: &[(NodeId, Hash)],
    ) -> Result<(), StorageError>;
    /// Stored entries with index in `range`, ascending (gaps show as absent rows).
    fn entries(&mut self, range: Range<u64>) -> Result<Vec<StoredEntry>, StorageError>;
    /// Records a signed checkpoint (replacing one of the same size).
    fn put_checkpoint(&mut self, size: u64, note: &str) -> Result<(), StorageError>;
    /// All recorded checkpoints, by ascending size.
    fn checkpoints(&mut self) -> Result<Vec<(u64, String)>, StorageError>;
    /// The recorded checkpoint of the largest size. A log checkpoints on every
    /// integration, so stores should answer this without reading them all.
    fn latest_checkpoint(&mut self) -> Result<Option<(u64, String)>, StorageError> {
        Ok(self.checkpoints()?.pop())
    }
    /// The recorded checkpoint of tree size `size`, if any.
    fn checkpoint_at(&mut self, size: u64) -> Result<Option<String>, StorageError> {
        Ok(self
            .checkpoints()?
            .into_iter()
            .find(|(n, _)| *n == size)
            .map(|(_, t)| t))
    }
}

#[derive(Debug, thiserror::Error)]
pub enum LogError {
    #[error("storage: {0}")]
    Storage(StorageError),
    #[error("no log here: run `verity log init` first")]
    NotInitialised,
    #[error("a log already exists here (origin {0})")]
    AlreadyInitialised(String),
    #[error(
        "the log key's name {key:?} must equal the origin {origin:?} (c2sp.org/tlog-checkpoint)"
    )]
    OriginMismatch { key: String, origin: String },
    #[error("entry {index}: {source}")]
    Entry { index: u64, source: EntryError },
    #[error(transparent)]
    Proof(#[from] ProofError),
    #[error(transparent)]
    Note(#[from] NoteError),
    #[error(transparent)]
    Checkpoint(#[from] CheckpointError),
    #[error("the store is missing node {0:?} of the Merkle tree")]
    MissingNode(NodeId),
    #[error("the new checkpoint is not co-signed by any of the required witnesses ({0})")]
    MissingWitness(String),
    #[error("the stored log key is invalid: {0}")]
    BadLogKey(NoteError),
    #[error("the pinned checkpoint is not one of this log's: {0}")]
    BadPinned(String),
    #[error(
        "entry {index} is {bytes} bytes; a log entry may be at most 65,535 (an entry bundle gives each a 2-byte length, c2sp.org/tlog-tiles)"
    )]
    EntryTooLarge { index: u64, bytes: usize },
    #[error("{}", match .0 {
        Some(n) => format!("the log has no signed checkpoint of tree size {n}"),
        None => "the log has no signed checkpoint yet: sign one with `verity log checkpoint`".to_owned(),
    })]
    NoCheckpoint(Option<u64>),
    #[error("{got} of the {of} witnesses co-signed the new checkpoint; the policy needs {quorum}")]
    BelowQuorum {
        got: usize,
        of: usize,
        quorum: usize,
    },
}

impl From<StorageError> for LogError {
    fn from(e: StorageError) -> LogError {
        LogError::Storage(e)
    }
}

fn meta<S: LogStorage + ?Sized>(s: &mut S) -> Result<LogMeta, LogError> {
    s.log_meta()?.ok_or(LogError::NotInitialised)
}

/// Creates a log signed by `signer`, whose name must be the origin.
pub fn init<S: LogStorage + ?Sized>(
    s: &mut S,
    origin: &str,
    signer: &NoteSigner,
    signer_key_path: &str,
) -> Result<LogMeta, LogError> {
    if let Some(m) = s.log_meta()? {
        return Err(LogError::AlreadyInitialised(m.origin));
    }
    if signer.name() != origin {
        return Err(LogError::OriginMismatch {
            key: signer.name().into(),
            origin: origin.into(),
        });
    }
    let m = LogMeta {
        origin: origin.to_string(),
        verifier_key: signer.verifier().to_text(),
        signer_key_path: signer_key_path.to_string(),
    };
    s.init_log(&m)?;
    Ok(m)
}

/// The log's own verifier key, from the store.
pub fn log_verifier<S: LogStorage + ?Sized>(s: &mut S) -> Result<NoteVerifier, LogError> {
    NoteVerifier::from_text(&meta(s)?.verifier_key).map_err(LogError::BadLogKey)
}

fn fetch_nodes<S: LogStorage + ?Sized>(s: &mut S, ids: &[NodeId]) -> Result<Vec<Hash>, LogError> {
    let got = s.nodes(ids)?;
    ids.iter()
        .zip(got)
        .map(|(id, h)| h.ok_or(LogError::MissingNode(*id)))
        .collect()
}

/// Appends signed entries (whose signatures are checked by construction) in one
/// batch; returns their indices. Atomic when the storage call is.
pub fn append<S: LogStorage + ?Sized>(
    s: &mut S,
    entries: &[SignedEntry],
) -> Result<Range<u64>, LogError> {
    meta(s)?;
    let size = s.tree_size()?;
    if let Some((i, e)) = entries
        .iter()
        .enumerate()
        .find(|(_, e)| e.leaf().len() > crate::tiles::MAX_ENTRY_BYTES)
    {
        return Err(LogError::EntryTooLarge {
            index: size + i as u64,
            bytes: e.leaf().len(),
        });
    }
    let front = fetch_nodes(s, &merkle::frontier(size))?;
    let mut builder = FrontierBuilder::from_frontier(size, front).expect("frontier size");
    let mut nodes = Vec::with_capacity(entries.len() * 2 + 1);
    for e in entries {
        builder.push_with(e.leaf_hash(), |id, h| nodes.push((id, *h)));
    }
    let leaves: Vec<NewLeaf<'_>> = entries
        .iter()
        .map(|e| NewLeaf {
            kind: e.kind().as_str(),
            data: e.leaf(),
        })
        .collect();
    s.append(size, &leaves, &nodes)?;
    Ok(size..size + entries.len() as u64)
}

/// Signs `content` as an evidence import by `signer` and appends it: the one call
/// an importer needs. Run it in the same transaction as the import so both land
/// or neither does.
pub fn append_evidence_import<S: LogStorage + ?Sized>(
    s: &mut S,
    signer: &NoteSigner,
    content: serde_json::Value,
) -> Result<u64, LogError> {
    let e = SignedEntry::sign(signer, Kind::EvidenceImport, content);
    Ok(append(s, std::slice::from_ref(&e))?.start)
}

/// The root hash of the first `size` entries.
pub fn root_at<S: LogStorage + ?Sized>(s: &mut S, size: u64) -> Result<Hash, LogError> {
    let f = fetch_nodes(s, &merkle::frontier(size))?;
    Ok(merkle::root_from_frontier(&f))
}

/// An inclusion proof with everything needed to check it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InclusionProof {
    pub leaf_index: u64,
    pub tree_size: u64,
    pub leaf_hash: Hash,
    pub root_hash: Hash,
    pub proof: Vec<Hash>,
}

impl InclusionProof {
    /// Checks the proof against its own root (RFC 9162 §2.1.3.2).
    pub fn verify(&self) -> Result<(), merkle::ProofError> {
        merkle::verify_inclusion(
            self.leaf_index,
            self.tree_size,
            &self.leaf_hash,
            &self.proof,
            &self.root_hash,
        )
    }
}

/// The JSON shape of an inclusion proof (CLI `verity log prove --inclusion … --json`
/// and the HTTP API), fields in this order, hashes in lowercase hex.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct InclusionProofJson {
    pub leaf_index: u64,
    pub tree_size: u64,
    pub leaf_hash_hex: String,
    pub root_hash_hex: String,
    pub proof_hex: Vec<String>,
}

impl From<&InclusionProof> for InclusionProofJson {
    fn from(p: &InclusionProof) -> Self {
        InclusionProofJson {
            leaf_index: p.leaf_index,
            tree_size: p.tree_size,
            leaf_hash_hex: hex::encode(p.leaf_hash),
            root_hash_hex: hex::encode(p.root_hash),
            proof_hex: p.proof.iter().map(hex::encode).collect(),
        }
    }
}

/// The JSON shape of a consistency proof (`verity log prove --consistency … --json`).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ConsistencyProofJson {
    pub old_size: u64,
    pub new_size: u64,
    pub old_root_hex: String,
    pub new_root_hex: String,
    pub proof_hex: Vec<String>,
}

impl From<&ConsistencyProof> for ConsistencyProofJson {
    fn from(p: &ConsistencyProof) -> Self {
        ConsistencyProofJson {
            old_size: p.old_size,
            new_size: p.new_size,
            old_root_hex: hex::encode(p.old_root),
            new_root_hex: hex::encode(p.new_root),
            proof_hex: p.proof.iter().map(hex::encode).collect(),
        }
    }
}

/// A consistency proof with both roots.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsistencyProof {
    pub old_size: u64,
    pub new_size: u64,
    pub old_root: Hash,
    pub new_root: Hash,
    pub proof: Vec<Hash>,
}

impl ConsistencyProof {
    /// Checks the proof between its own two roots (RFC 9162 §2.1.4.2).
    pub fn verify(&self) -> Result<(), merkle::ProofError> {
        merkle::verify_consistency(
            self.old_size,
            self.new_size,
            &self.old_root,
            &self.new_root,
            &self.proof,
        )
    }
}

fn check_size<S: LogStorage + ?Sized>(s: &mut S, size: u64) -> Result<(), LogError> {
    let current = s.tree_size()?;
    if size > current {
        return Err(ProofError::IndexOutOfRange {
            index: size,
            size: current + 1,
        }
        .into());
    }
    Ok(())
}

/// Proves entry `index` is in the tree of `size` entries. One batched node read.
pub fn prove_inclusion<S: LogStorage + ?Sized>(
    s: &mut S,
    index: u64,
    size: u64,
) -> Result<InclusionProof, LogError> {
    check_size(s, size)?;
    let plan = merkle::inclusion_plan(index, size)?;
    let mut ids = plan.nodes().to_vec();
    let front = merkle::frontier(size);
    ids.extend(&front);
    ids.push(NodeId::new(0, index));
    let hashes = fetch_nodes(s, &ids)?;
    let n = plan.nodes().len();
    let proof = plan.assemble(&hashes[..n])?;
    Ok(InclusionProof {
        leaf_index: index,
        tree_size: size,
        leaf_hash: hashes[hashes.len() - 1],
        root_hash: merkle::root_from_frontier(&hashes[n..hashes.len() - 1]),
        proof,
    })
}

/// Proves the tree of `old` entries is a prefix of the tree of `new` entries.
pub fn prove_consistency<S: LogStorage + ?Sized>(
    s: &mut S,
    old: u64,
    new: u64,
) -> Result<ConsistencyProof, LogError> {
    check_size(s, new)?;
    let plan = merkle::consistency_plan(old, new)?;
    let mut ids = plan.nodes().to_vec();
    let (fo, fnew) = (merkle::frontier(old), merkle::frontier(new));
    ids.extend(&fo);
    ids.extend(&fnew);
    let hashes = fetch_nodes(s, &ids)?;
    let n = plan.nodes().len();
    Ok(ConsistencyProof {
        old_size: old,
        new_size: new,
        old_root: merkle::root_from_frontier(&hashes[n..n + fo.len()]),
        new_root: merkle::root_from_frontier(&hashes[n + fo.len()..]),
        proof: plan.assemble(&hashes[..n])?,
    })
}

/// Signs a checkpoint of the current tree with the log key, records it, and
/// returns its text. The key must be the log's own.
pub fn checkpoint<S: LogStorage + ?Sized>(
    s: &mut S,
    signer: &NoteSigner,
) -> Result<String, LogError> {
    let m = meta(s)?;
    if signer.verifier().to_text() != m.verifier_key {
        return Err(LogError::OriginMismatch {
            key: signer.verifier().to_text(),
            origin: m.verifier_key,
        });
    }
    let size = s.tree_size()?;
    let root = root_at(s, size)?;
    // The tree has not grown since the last checkpoint: that one stands, with the
    // witness cosignatures gathered for it (signing again would give the same body and,
    // Ed25519 being deterministic, the same signature, but none of the cosignatures).
    if let Some((n, text)) = s.latest_checkpoint()?
        && n == size
        && let Ok(note) = crate::note::Note::parse(&text)
        && note.verify(std::slice::from_ref(signer.verifier())).is_ok()
        && Checkpoint::parse_body(note.text()).is_ok_and(|c| c.root == root && c.origin == m.origin)
    {
        return Ok(text);
    }
    let note = Checkpoint::new(&m.origin, size, root).sign(signer)?;
    let text = note.to_string();
    s.put_checkpoint(size, &text)?;
    Ok(text)
}

/// The first problem `verify` found: the entry (or tree size) and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub index: u64,
    pub reason: String,
}

/// Result of a full recomputation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifyReport {
    pub tree_size: u64,
    pub root: Hash,
    pub checkpoints_checked: usize,
    /// `None` when everything matched.
    pub problem: Option<Problem>,
}

/// Entries are read and recomputed in chunks of this many.
const VERIFY_CHUNK: u64 = 8192;

/// Recomputes every leaf hash and every Merkle node from the stored entries,
/// checks every entry's signature and content hash, compares with the stored
/// nodes and with every recorded signed checkpoint, and names the first entry that
/// does not match. `progress(done, total)` is called after each chunk.
pub fn verify<S: LogStorage + ?Sized>(
    s: &mut S,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<VerifyReport, LogError> {
    verify_with(s, None, false, progress)
}

/// [`verify`] as an auditor runs it (`verity log verify`): every entry must also be
/// covered by a signed checkpoint — Verity signs one with every append — so deleted
/// checkpoints are caught; and with `since`, a signed checkpoint the caller saw earlier
/// (kept outside the store), the stored log must extend it — as many entries at
/// least, and the same root over its first `since.size` entries — so that a rollback
/// or a rewritten history is caught even when the store is consistent in itself.
pub fn verify_since<S: LogStorage + ?Sized>(
    s: &mut S,
    since: Option<&str>,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<VerifyReport, LogError> {
    verify_with(s, since, true, progress)
}

fn verify_with<S: LogStorage + ?Sized>(
    s: &mut S,
    since: Option<&str>,
    require_coverage: bool,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<VerifyReport, LogError> {
    let m = meta(s)?;
    let log_key = NoteVerifier::from_text(&m.verifier_key).map_err(LogError::BadLogKey)?;
    let size = s.tree_size()?;
    // Checkpoint roots by size, to compare while we rebuild.
    let mut cps: BTreeMap<u64, Hash> = BTreeMap::new();
    for (cp_size, text) in s.checkpoints()? {
        match checkpoint::open(&text, std::slice::from_ref(&log_key), Some(&m.origin)) {
            Ok(v) if v.checkpoint.size == cp_size && cp_size <= size => {
                cps.insert(cp_size, v.checkpoint.root);
            }
            Ok(v) => {
                return Ok(report_problem(
                    size,
                    cps.len(),
                    cp_size,
                    format!(
                        "recorded checkpoint for size {cp_size} states size {} (log has {size} entries)",
                        v.checkpoint.size
                    ),
                ));
            }
            Err(e) => {
                return Ok(report_problem(
                    size,
                    cps.len(),
                    cp_size,
                    format!("recorded checkpoint for size {cp_size} does not verify: {e}"),
                ));
            }
        }
    }
    // Every append signs a checkpoint of the whole tree in the same transaction, so the
    // latest recorded checkpoint covers every entry; entries beyond it, or entries
    // with no checkpoint at all, mean checkpoints were deleted (or a write was forged
    // around the log).
    let covered = cps.keys().next_back().copied().unwrap_or(0);
    if require_coverage && covered < size {
        return Ok(report_problem(
            size,
            cps.len(),
            covered,
            if cps.is_empty() {
                format!(
                    "no signed checkpoint covers the {size} entries (checkpoints deleted?): entries from {covered} on are unsigned"
                )
            } else {
                format!(
                    "entries {covered}..{size} are not covered by a signed checkpoint (the latest is for {covered}; checkpoints deleted?)"
                )
            },
        ));
    }
    // The checkpoint the caller pinned: signed by the log, and not beyond the store.
    if let Some(text) = since {
        let v = checkpoint::open(text, std::slice::from_ref(&log_key), Some(&m.origin))
            .map_err(|e| LogError::BadPinned(e.to_string()))?;
        let pinned = v.checkpoint;
        if pinned.size > size {
            return Ok(report_problem(
                size,
                cps.len(),
                size,
                format!(
                    "rolled back: the checkpoint you pinned is for {} entries, the store has {size}",
                    pinned.size
                ),
            ));
        }
        match cps.get(&pinned.size) {
            Some(root) if *root != pinned.root => {
                return Ok(report_problem(
                    size,
                    cps.len(),
                    pinned.size.saturating_sub(1),
                    format!(
                        "the store's checkpoint for size {} differs from the one you pinned: the history was rewritten (a fork)",
                        pinned.size
                    ),
                ));
            }
            _ => {
                cps.insert(pinned.size, pinned.root);
            }
        }
    }
    let checkpoints_checked = cps.len();
    if let Some(&root) = cps.get(&0) {
        if root != merkle::empty_root() {
            return Ok(report_problem(
                size,
                checkpoints_checked,
                0,
                "checkpoint of the empty log has the wrong root".into(),
            ));
        }
    }
    let mut builder = FrontierBuilder::default();
    let mut start = 0u64;
    while start < size {
        let end = (start + VERIFY_CHUNK).min(size);
        let rows = s.entries(start..end)?;
        let mut expected = start;
        let mut computed: Vec<(NodeId, Hash)> = Vec::new();
        for row in &rows {
            if row.index != expected {
                let missing = expected.min(row.index);
                return Ok(report_problem(
                    size,
                    checkpoints_checked,
                    missing,
                    format!("entry {missing} is missing from the store"),
                ));
            }
            expected += 1;
        }
        if expected != end {
            return Ok(report_problem(
                size,
                checkpoints_checked,
                expected,
                format!("entry {expected} is missing from the store"),
            ));
        }
        let datas: Vec<&[u8]> = rows.iter().map(|r| r.data.as_slice()).collect();
        let parsed = match SignedEntry::from_leaves(&datas) {
            Ok(p) => p,
            Err((i, err)) => {
                let index = rows[i].index;
                return Ok(report_problem(
                    size,
                    checkpoints_checked,
                    index,
                    format!("entry {index} was altered: {err}"),
                ));
            }
        };
        for (row, e) in rows.iter().zip(&parsed) {
            if e.kind().as_str() != row.kind {
                return Ok(report_problem(
                    size,
                    checkpoints_checked,
                    row.index,
                    format!(
                        "entry {} is stored as kind {:?} but its signed statement says {:?}",
                        row.index,
                        row.kind,
                        e.kind().as_str()
                    ),
                ));
            }
        }
        // A checkpoint mismatch is reported after the stored hashes are compared: a
        // stored leaf that disagrees names the entry exactly, the checkpoint only a range.
        let mut cp_mismatch: Option<VerifyReport> = None;
        for e in &parsed {
            builder.push_with(e.leaf_hash(), |id, h| computed.push((id, *h)));
            if let Some(root) = cps.get(&builder.size()) {
                if builder.root() != *root && cp_mismatch.is_none() {
                    let i = builder.size() - 1;
                    cp_mismatch = Some(report_problem(
                        size,
                        checkpoints_checked,
                        i,
                        format!(
                            "the first {} entries do not match the signed checkpoint of that size (entry {i} or an earlier one was altered after signing)",
                            builder.size()
                        ),
                    ));
                }
            }
        }
        let ids: Vec<NodeId> = computed.iter().map(|(id, _)| *id).collect();
        let stored = s.nodes(&ids)?;
        for ((id, h), st) in computed.iter().zip(stored) {
            if st.as_ref() != Some(h) {
                let what = if id.level == 0 {
                    format!(
                        "entry {} does not match its stored leaf hash (altered, deleted or moved)",
                        id.index
                    )
                } else {
                    format!(
                        "stored Merkle node {:?} over entries {}..{} does not match the entries",
                        id,
                        id.start(),
                        id.end()
                    )
                };
                return Ok(report_problem(size, checkpoints_checked, id.start(), what));
            }
        }
        if let Some(r) = cp_mismatch {
            return Ok(r);
        }
        start = end;
        progress(start, size);
    }
    let extra = s.entries(size..size.saturating_add(1))?;
    if let Some(x) = extra.first() {
        return Ok(report_problem(
            size,
            checkpoints_checked,
            x.index,
            format!("entry {} lies beyond the tree size {size}", x.index),
        ));
    }
    Ok(VerifyReport {
        tree_size: size,
        root: builder.root(),
        checkpoints_checked,
        problem: None,
    })
}

fn report_problem(size: u64, checked: usize, index: u64, reason: String) -> VerifyReport {
    VerifyReport {
        tree_size: size,
        root: [0; 32],
        checkpoints_checked: checked,
        problem: Some(Problem { index, reason }),
    }
}

/// A C2SP tlog-proof of entry `index` against a signed checkpoint the store holds:
/// the checkpoint of tree size `size` if given, else the latest one.
pub fn tlog_proof<S: LogStorage + ?Sized>(
    s: &mut S,
    index: u64,
    size: Option<u64>,
) -> Result<crate::proof::TlogProof, LogError> {
    let chosen = match size {
        Some(n) => s.checkpoint_at(n)?.map(|t| (n, t)),
        None => s.latest_checkpoint()?,
    };
    let Some((size, text)) = chosen else {
        return Err(LogError::NoCheckpoint(size));
    };
    let p = prove_inclusion(s, index, size)?;
    let cp = Checkpoint::parse_body(crate::note::Note::parse(&text)?.text())?;
    if cp.root != p.root_hash {
        return Err(LogError::BadPinned(format!(
            "the stored checkpoint of size {size} does not match the stored tree"
        )));
    }
    let entry = s
        .entries(index..index + 1)?
        .pop()
        .ok_or(LogError::MissingNode(NodeId::new(0, index)))?;
    Ok(crate::proof::TlogProof::new(
        &entry.data,
        index,
        p.proof,
        &text,
    ))
}

/// Where two copies of a log (a primary and a mirror, or two parties' stores) part.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Comparison {
    /// One history is a prefix of the other (or both are the same): `common` entries
    /// agree, and the longer has `extra` more.
    Agree {
        common: u64,
        a_size: u64,
        b_size: u64,
    },
    /// The first `index` entries agree; entry `index` differs (its leaf hashes are
    /// given as each store holds them), so every tree from size `index + 1` differs.
    Diverge {
        index: u64,
        a_leaf: Hash,
        b_leaf: Hash,
        a_size: u64,
        b_size: u64,
    },
}

/// Compares two copies of a log and names the first entry at which they diverge.
/// Prefix roots are compared by bisection (a tree of size `k` agrees only if every
/// smaller one does), so it reads O(log² n) stored nodes, then the two entries found.
pub fn compare<A: LogStorage + ?Sized, B: LogStorage + ?Sized>(
    a: &mut A,
    b: &mut B,
) -> Result<Comparison, LogError> {
    let (a_size, b_size) = (a.tree_size()?, b.tree_size()?);
    let n = a_size.min(b_size);
    if n == 0 || root_at(a, n)? == root_at(b, n)? {
        return Ok(Comparison::Agree {
            common: n,
            a_size,
            b_size,
        });
    }
    // Invariant: prefixes of size `lo` agree, prefixes of size `hi` differ.
    let (mut lo, mut hi) = (0u64, n);
    while hi - lo > 1 {
        let mid = lo + (hi - lo) / 2;
        if root_at(a, mid)? == root_at(b, mid)? {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    let leaf = |s: &mut dyn FnMut(Range<u64>) -> Result<Vec<StoredEntry>, StorageError>| {
        s(lo..lo + 1).map(|e| e.first().map_or([0; 32], |e| merkle::leaf_hash(&e.data)))
    };
    let a_leaf = leaf(&mut |r| a.entries(r))?;
    let b_leaf = leaf(&mut |r| b.entries(r))?;
    Ok(Comparison::Diverge {
        index: lo,
        a_leaf,
        b_leaf,
        a_size,
        b_size,
    })
}

/// What the auditor concluded about two checkpoints.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuditOutcome {
    /// The new checkpoint's tree extends the old one's (proof checked).
    Consistent {
        old_size: u64,
        new_size: u64,
        proof_len: usize,
    },
    /// The two cannot both be honest views of one append-only log.
    Fork {
        /// The tree size at which the views diverge.
        size: u64,
        reason: String,
        /// When the store's tree matches the new checkpoint: a consistency proof from
        /// the store's root at the old size to the new root. It verifies against the
        /// new checkpoint, so together with the old checkpoint it shows the log key
        /// signed two different trees of the same size (equivocation).
        proof: Option<ConsistencyProof>,
    },
}

/// Audits two signed checkpoints against the log's key and the store: both must
/// carry a valid signature by the log's key, and a consistency proof built from the
/// store must take the old root to the new root. With `witnesses`, the new
/// checkpoint must also be co-signed by at least one of them (and no known
/// witness signature may fail). A failure says where the views part.
pub fn audit<S: LogStorage + ?Sized>(
    s: &mut S,
    old_text: &str,
    new_text: &str,
    witnesses: &[NoteVerifier],
) -> Result<AuditOutcome, LogError> {
    audit_with_quorum(s, old_text, new_text, witnesses, 1)
}

/// [`audit`] under a "`quorum` of these witnesses" policy: the new checkpoint must carry
/// valid cosignatures by at least `quorum` of `witnesses` (a policy of 0 needs none).
pub fn audit_with_quorum<S: LogStorage + ?Sized>(
    s: &mut S,
    old_text: &str,
    new_text: &str,
    witnesses: &[NoteVerifier],
    quorum: usize,
) -> Result<AuditOutcome, LogError> {
    let m = meta(s)?;
    let log_key = NoteVerifier::from_text(&m.verifier_key).map_err(LogError::BadLogKey)?;
    // The log's own signature is required on both; a witness can add trust, never
    // replace the log's.
    let old: VerifiedCheckpoint =
        checkpoint::open(old_text, std::slice::from_ref(&log_key), Some(&m.origin))?;
    let new: VerifiedCheckpoint =
        checkpoint::open(new_text, std::slice::from_ref(&log_key), Some(&m.origin))?;
    if !witnesses.is_empty() {
        // Known witnesses' signatures (plain, or tlog-cosignature/v1) must verify
        // wherever they appear, and at least one must have signed the new checkpoint.
        old.note.verify_known(witnesses)?;
        let got = new.note.verify_known(witnesses)?.len();
        if got == 0 && quorum > 0 {
            let names: Vec<&str> = witnesses.iter().map(NoteVerifier::name).collect();
            return Err(LogError::MissingWitness(names.join(", ")));
        }
        if got < quorum {
            return Err(LogError::BelowQuorum {
                got,
                of: witnesses.len(),
                quorum,
            });
        }
    }
    let (o, n) = (&old.checkpoint, &new.checkpoint);
    if o.size > n.size {
        return Ok(AuditOutcome::Fork {
            size: n.size,
            proof: None,
            reason: format!(
                "the new checkpoint has {} entries, fewer than the old one's {}: the log shrank",
                n.size, o.size
            ),
        });
    }
    if o.size == n.size && o.root != n.root {
        return Ok(AuditOutcome::Fork {
            size: o.size,
            proof: None,
            reason: format!(
                "two signed checkpoints of size {} with different roots ({} vs {})",
                o.size,
                hex::encode(o.root),
                hex::encode(n.root)
            ),
        });
    }
    if o.size == 0 {
        // Every tree extends the empty one; its root is fixed.
        return Ok(if o.root == merkle::empty_root() {
            AuditOutcome::Consistent {
                old_size: 0,
                new_size: n.size,
                proof_len: 0,
            }
        } else {
            AuditOutcome::Fork {
                size: 0,
                proof: None,
                reason: "the old checkpoint gives the empty tree a root other than SHA-256(\"\")"
                    .into(),
            }
        });
    }
    let current = s.tree_size()?;
    if n.size > current {
        return Ok(AuditOutcome::Fork {
            size: current,
            proof: None,
            reason: format!(
                "the new checkpoint claims {} entries but the store holds {current}",
                n.size
            ),
        });
    }
    let p = prove_consistency(s, o.size, n.size)?;
    if p.new_root != n.root {
        return Ok(AuditOutcome::Fork {
            size: n.size,
            proof: None,
            reason: format!(
                "the store's tree of size {} has root {}, the new checkpoint says {}",
                n.size,
                hex::encode(p.new_root),
                hex::encode(n.root)
            ),
        });
    }
    if let Err(e) = merkle::verify_consistency(o.size, n.size, &o.root, &n.root, &p.proof) {
        // The new tree is the store's, so the old checkpoint's tree is another
        // history of the first `o.size` entries: a root commits to its whole prefix,
        // so the views part at or before that size. Hand over the evidence.
        return Ok(AuditOutcome::Fork {
            size: o.size,
            proof: Some(p.clone()),
            reason: format!(
                "no consistency: the old checkpoint's tree of size {} (root {}) is not a prefix of the new one; the store's first {} entries hash to {} ({e})",
                o.size,
                hex::encode(o.root),
                o.size,
                hex::encode(p.old_root)
            ),
        });
    }
    Ok(AuditOutcome::Consistent {
        old_size: o.size,
        new_size: n.size,
        proof_len: p.proof.len(),
    })
}

/// An in-memory [`LogStorage`], for tests and tools.
#[derive(Debug, Clone, Default)]
pub struct MemoryStorage {
    pub meta: Option<LogMeta>,
    pub entries: BTreeMap<u64, StoredEntry>,
    pub nodes: BTreeMap<NodeId, Hash>,
    pub size: u64,
    pub checkpoints: BTreeMap<u64, String>,
}

impl LogStorage for MemoryStorage {
    fn log_meta(&mut self) -> Result<Option<LogMeta>, StorageError> {
        Ok(self.meta.clone())
    }
    fn init_log(&mut self, meta: &LogMeta) -> Result<(), StorageError> {
        self.meta = Some(meta.clone());
        Ok(())
    }
    fn tree_size(&mut self) -> Result<u64, StorageError> {
        Ok(self.size)
    }
    fn nodes(&mut self, ids: &[NodeId]) -> Result<Vec<Option<Hash>>, StorageError> {
        Ok(ids.iter().map(|id| self.nodes.get(id).copied()).collect())
    }
    fn append(
        &mut self,
        first: u64,
        leaves: &[NewLeaf<'_>],
        nodes: &[(NodeId, Hash)],
    ) -> Result<(), StorageError> {
        for (i, l) in leaves.iter().enumerate() {
            let index = first + i as u64;
            self.entries.insert(
                index,
                StoredEntry {
                    index,
                    kind: l.kind.to_string(),
                    data: l.data.to_vec(),
                },
            );
        }
        self.nodes.extend(nodes.iter().copied());
        self.size = first + leaves.len() as u64;
        Ok(())
    }
    fn entries(&mut self, range: Range<u64>) -> Result<Vec<StoredEntry>, StorageError> {
        Ok(self.entries.range(range).map(|(_, e)| e.clone()).collect())
    }
    fn put_checkpoint(&mut self, size: u64, note: &str) -> Result<(), StorageError> {
        self.checkpoints.insert(size, note.to_string());
        Ok(())
    }
    fn checkpoints(&mut self) -> Result<Vec<(u64, String)>, StorageError> {
        Ok(self
            .checkpoints
            .iter()
            .map(|(k, v)| (*k, v.clone()))
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn evidence_import_entries_are_signed_appended_and_provable() {
        let mut s = MemoryStorage::default();
        let log_key = NoteSigner::generate("log.example").unwrap();
        init(&mut s, "log.example", &log_key, "/keys/log.key").unwrap();
        let importer = NoteSigner::generate("analyst.example/importer").unwrap();
        let content = json!({"files": ["iaea-2021.csv"], "records": 42});
        let i = append_evidence_import(&mut s, &importer, content.clone()).unwrap();
        let j = append_evidence_import(&mut s, &importer, json!({"records": 1})).unwrap();
        assert_eq!((i, j), (0, 1));
        let e = SignedEntry::from_leaf(&s.entries[&0].data).unwrap();
        assert_eq!(e.kind(), Kind::EvidenceImport);
        assert_eq!(e.content(), &content);
        assert_eq!(e.signer(), importer.verifier());
        assert_eq!(s.entries[&0].kind, "evidence_import");
        let p = prove_inclusion(&mut s, 0, 2).unwrap();
        merkle::verify_inclusion(0, 2, &e.leaf_hash(), &p.proof, &p.root_hash).unwrap();
        // A proof checks itself against its own root, and fails once altered.
        p.verify().unwrap();
        let mut bad = p.clone();
        bad.leaf_hash[0] ^= 1;
        assert!(bad.verify().is_err());
        let c = prove_consistency(&mut s, 1, 2).unwrap();
        c.verify().unwrap();
        let mut bad = c.clone();
        bad.old_root[0] ^= 1;
        assert!(bad.verify().is_err());
        // Only the log's own key signs its checkpoints.
        assert!(checkpoint(&mut s, &importer).is_err());
        let cp = checkpoint(&mut s, &log_key).unwrap();
        assert!(cp.starts_with("log.example\n2\n"));
        assert_eq!(verify(&mut s, &mut |_, _| {}).unwrap().problem, None);
        // A second log in the same storage is refused, as is a key not named
        // after the origin.
        assert!(matches!(
            init(&mut s, "log.example", &log_key, "/k"),
            Err(LogError::AlreadyInitialised(_))
        ));
        assert!(matches!(
            init(
                &mut MemoryStorage::default(),
                "other.example",
                &log_key,
                "/k"
            ),
            Err(LogError::OriginMismatch { .. })
        ));
    }
}
