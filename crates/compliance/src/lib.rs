//! verity-compliance: see ARCHITECTURE.md.
