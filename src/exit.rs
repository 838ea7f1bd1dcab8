//! Exit codes, the same for every command. Documented in README.md ("Exit codes").

/// No findings (for `fix`: no edits).
pub const OK: u8 = 0;
/// Findings were reported (for `fix`: edits were proposed, written or put in a PR).
pub const FINDINGS: u8 = 1;
/// Usage error, or the config/mapping/snapshot input is invalid.
pub const USAGE: u8 = 2;
/// The GitHub API, the network or the membership source failed; the report is incomplete.
pub const SOURCE: u8 = 3;
