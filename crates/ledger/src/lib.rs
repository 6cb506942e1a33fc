//! verity-ledger: a tamper-evident record. RFC 6962/9162 Merkle hashing and proofs
//! ([`merkle`]), signed statements ([`entry`]), C2SP signed notes ([`note`]) and
//! checkpoints ([`checkpoint`]), and the log's operations over any storage,
//! including the auditor ([`log`]). No I/O: storage is the [`log::LogStorage`] trait.

pub mod checkpoint;
pub mod entry;
pub mod log;
pub mod merkle;
pub mod note;
pub mod proof;
pub mod tiles;
pub mod witness;

pub use checkpoint::Checkpoint;
pub use entry::{Kind, SignedEntry};
pub use log::{LogError, LogStorage};
pub use merkle::{Hash, NodeId};
pub use note::{Note, NoteSigner, NoteVerifier};
