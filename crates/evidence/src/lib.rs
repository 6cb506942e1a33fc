//! verity-evidence: see ARCHITECTURE.md.
