//! verity-physics: see ARCHITECTURE.md.
