//! `fix`: format-preserving config edits for drift, and the drift PR (issue 6).
