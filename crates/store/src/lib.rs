//! verity-store: see ARCHITECTURE.md.
