//! verity-ledger: see ARCHITECTURE.md.
