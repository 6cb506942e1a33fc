//! verity-agreement: see ARCHITECTURE.md.
