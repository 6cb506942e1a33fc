//! verity-server: see ARCHITECTURE.md.
