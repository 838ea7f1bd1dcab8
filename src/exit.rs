//! Exit codes, the same for every command. Documented in README.md ("Exit codes").

/// No findings (for `fix`: no edits).
pub const OK: u8 = 0;
/// Findings were reported (for `fix`: edits were proposed, written or put in a PR).
pub const FINDINGS: u8 = 1;
/// Usage error, or the config/mapping/snapshot input is invalid.
pub const USAGE: u8 = 2;
/// The GitHub API, the network or the membership source failed; the report is incomplete.
pub const SOURCE: u8 = 3;

/// The exit code of a run that stopped without a report: the one place errors become codes.
pub fn of_error(e: &crate::engine::Error) -> u8 {
    match e {
        crate::engine::Error::Config(_) | crate::engine::Error::Usage(_) => USAGE,
        crate::engine::Error::Source(_) => SOURCE,
    }
}

/// The exit code of a report: incomplete (3) beats findings (1). Findings accepted by an
/// exception are not in `report.findings` and never count.
pub fn of_report(report: &crate::report::Report) -> u8 {
    of_report_failing_on(report, crate::finding::Severity::Info)
}

/// [`of_report`] counting only findings at or above `fail_on` (`--fail-on`).
pub fn of_report_failing_on(
    report: &crate::report::Report,
    fail_on: crate::finding::Severity,
) -> u8 {
    if !report.complete {
        SOURCE
    } else if report.fails(fail_on) {
        FINDINGS
    } else {
        OK
    }
}
