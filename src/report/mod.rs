//! Rendering reports. Renderers are plain functions over a [`Report`] writing to `impl Write`,
//! one module per format; the JSON wire format (schema v1) is separate from internal types.

use std::collections::BTreeMap;

use crate::config::Config;
use crate::exceptions::{self, Exception, Exceptions};
use crate::finding::{Finding, Kind, Severity};
use crate::policy::Rule;
use crate::system::System;
use evidence::Evidence;

/// Which command produced the report (the JSON `command` field).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Command {
    Check,
    Drift,
    Fix,
}

impl Command {
    pub fn as_str(self) -> &'static str {
        match self {
            Command::Check => "check",
            Command::Drift => "drift",
            Command::Fix => "fix",
        }
    }
}

/// Output format (`--format`; its command-line spelling is in `cli.rs`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Format {
    #[default]
    Text,
    Json,
    Markdown,
    /// GitHub Actions workflow commands (annotations).
    Github,
    /// Comma-separated values, RFC 4180 (`roster`, `changes`).
    Csv,
    /// One self-contained HTML page (`roster`).
    Html,
}

impl Format {
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Text => "text",
            Format::Json => "json",
            Format::Markdown => "markdown",
            Format::Github => "github",
            Format::Csv => "csv",
            Format::Html => "html",
        }
    }
}

/// Whether to colour text output.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Color {
    Always,
    Never,
}

/// A source that could not be read whole (a team, an account, a system), listed in `errors`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportError {
    /// The team slug, when the error is about one GitHub team (v1's key).
    pub team: Option<String>,
    /// The system, and the scope in it (`None`: the whole system).
    pub system: Option<System>,
    pub resource: Option<String>,
    pub message: String,
}

/// Counts for the summary line and the JSON `summary` object.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Summary {
    pub people: usize,
    /// For drift: teams read whole, and members read across them.
    pub teams: Option<usize>,
    pub members_read: Option<usize>,
}

/// Everything a renderer needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    pub command: Command,
    /// The config path as the user named it (for annotations and headings).
    pub config_path: String,
    /// The org, for drift.
    pub org: Option<String>,
    /// False when some source could not be read whole.
    pub complete: bool,
    pub errors: Vec<ReportError>,
    /// Sorted with `finding::sort`. Findings an exception accepts are not here but in `accepted`.
    pub findings: Vec<Finding>,
    /// Findings an unexpired exception accepts, each with its exception; they do not count.
    pub accepted: Vec<Finding>,
    /// Exceptions that matched no finding.
    pub unused_exceptions: Vec<Exception>,
    pub summary: Summary,
    /// When the membership was recorded, for a run from a snapshot (shown in every format).
    pub fetched_at: Option<chrono::DateTime<chrono::Utc>>,
    /// What the report was computed from: the footer of text and Markdown, `evidence` in JSON.
    pub evidence: Evidence,
    /// The systems the run covered (empty for `check`), in report order.
    pub systems: Vec<System>,
}

impl Report {
    /// Whether more than one system is in the report: only then do text, Markdown and
    /// annotations name the system (so single-system, v1 runs read exactly as before).
    pub fn multi_system(&self) -> bool {
        self.systems.len() > 1
    }

    /// Findings counted by JSON kind string.
    pub fn counts_by_kind(&self) -> BTreeMap<&'static str, usize> {
        let mut counts = BTreeMap::new();
        for f in &self.findings {
            *counts.entry(f.kind.as_str()).or_insert(0) += 1;
        }
        counts
    }

    /// Move the findings that `exceptions` accepts at `today` into `accepted`, attach expired
    /// exceptions to the findings they no longer accept, and list the unused ones. Emails come
    /// from `config`, so an exception may name a person by email.
    pub fn apply_exceptions(&mut self, exceptions: &Exceptions, config: &Config) {
        let mut findings = std::mem::take(&mut self.findings);
        exceptions::fill_emails(&mut findings, config);
        let outcome = exceptions::apply(findings, &exceptions.entries, self.evidence.today);
        self.findings = outcome.findings;
        self.accepted = outcome.accepted;
        self.unused_exceptions = outcome.unused;
    }

    /// Whether a finding at or above `fail_on` remains (accepted findings do not count).
    pub fn fails(&self, fail_on: Severity) -> bool {
        accepted::fails(&self.findings, fail_on)
    }
}

pub mod accepted;
pub mod errors;
pub mod evidence;
pub mod github;
pub mod group;
pub mod json;
pub mod markdown;
pub mod text;
pub mod wrap;

/// Every finding kind string (as `Kind::as_str` spells it), in the order reports list them.
pub const KIND_ORDER: [&str; 12] = [
    Kind::UnexpectedMember.as_str(),
    Kind::UnexpectedInvitation.as_str(),
    Kind::ExpiredTemporaryAccess.as_str(),
    Kind::UntrustedPrincipal.as_str(),
    Kind::MfaNotRequired.as_str(),
    Kind::WrongRole.as_str(),
    // One string for every rule; the rule here only names the variant.
    Kind::PolicyViolation(Rule::ClearanceRequired).as_str(),
    Kind::Missing.as_str(),
    Kind::LimitedServices.as_str(),
    Kind::PendingInvitation.as_str(),
    Kind::StaleEvidence.as_str(),
    Kind::UnknownKey.as_str(),
];

/// The kinds of v1: the JSON `summary.by_kind` always lists these (0 when none); later kinds
/// are listed only when they occur, so a v1 run's JSON keeps v1's keys.
pub const V1_KINDS: [&str; 5] = [
    Kind::UnexpectedMember.as_str(),
    Kind::UnexpectedInvitation.as_str(),
    Kind::PolicyViolation(Rule::ClearanceRequired).as_str(),
    Kind::Missing.as_str(),
    Kind::PendingInvitation.as_str(),
];

impl Finding {
    /// Where a finding is, for reports: with more than one system in the report,
    /// `system: resource`; else the team (v1) or the resource.
    pub fn place(&self, multi_system: bool) -> Option<String> {
        match (&self.system, &self.resource) {
            (Some(system), Some(resource)) if multi_system => Some(format!("{system}: {resource}")),
            _ => self.team.clone().or_else(|| self.resource.clone()),
        }
    }
}

impl ReportError {
    /// What was not read, for reports: the team (v1), else `system resource` or the system.
    pub fn place(&self, multi_system: bool) -> Option<String> {
        match (&self.team, self.system, &self.resource) {
            (Some(team), _, _) if !multi_system => Some(team.clone()),
            (_, Some(system), Some(resource)) => Some(format!("{system}: {resource}")),
            (_, Some(system), None) => Some(system.as_str().to_owned()),
            (team, None, _) => team.clone(),
        }
    }
}

/// Render `report` in `format` to `out`. `color` only affects the text format.
pub fn render(
    report: &Report,
    format: Format,
    color: Color,
    out: &mut impl std::io::Write,
) -> std::io::Result<()> {
    match format {
        Format::Text => text::render(&report.visible(), out, color),
        Format::Json => json::render(report, out),
        Format::Markdown => markdown::render(report, out),
        Format::Github => github::render(&report.visible(), out),
        // Refused before the run (`commands::run` checks each command's formats).
        Format::Csv | Format::Html => Err(std::io::Error::new(
            std::io::ErrorKind::Unsupported,
            format!(
                "--format {} is not available for this command",
                format.as_str()
            ),
        )),
    }
}

/// `s` with every control character written as an escape (`\u{1b}`), so text from a snapshot
/// or the API cannot move the cursor, clear a terminal or colour the Actions log.
pub fn visible(s: &str) -> String {
    if !s.chars().any(char::is_control) {
        return s.to_owned();
    }
    s.chars()
        .map(|c| {
            if c.is_control() {
                c.escape_unicode().to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
}

impl Report {
    /// A copy whose text fields are [`visible`]: for the formats printed to a terminal or log.
    pub fn visible(&self) -> Report {
        let opt = |s: &Option<String>| s.as_deref().map(visible);
        Report {
            config_path: visible(&self.config_path),
            org: opt(&self.org),
            errors: self
                .errors
                .iter()
                .map(|e| ReportError {
                    team: opt(&e.team),
                    resource: opt(&e.resource),
                    message: visible(&e.message),
                    ..e.clone()
                })
                .collect(),
            findings: self.findings.iter().map(visible_finding).collect(),
            accepted: self.accepted.iter().map(visible_finding).collect(),
            unused_exceptions: self
                .unused_exceptions
                .iter()
                .map(visible_exception)
                .collect(),
            ..self.clone()
        }
    }
}

/// A copy of a finding whose text fields are [`visible`].
pub fn visible_finding(f: &Finding) -> Finding {
    let opt = |s: &Option<String>| s.as_deref().map(visible);
    Finding {
        name: opt(&f.name),
        github_username: opt(&f.github_username),
        team: opt(&f.team),
        declared_role: opt(&f.declared_role),
        via_team: opt(&f.via_team),
        email: opt(&f.email),
        resource: opt(&f.resource),
        account: opt(&f.account),
        expected_role: opt(&f.expected_role),
        actual_role: opt(&f.actual_role),
        message: visible(&f.message),
        fix: visible(&f.fix),
        exception: f.exception.as_ref().map(|a| exceptions::Applied {
            exception: visible_exception(&a.exception),
            expired: a.expired,
        }),
        ..f.clone()
    }
}

/// A copy of an exception whose text fields are [`visible`].
pub fn visible_exception(e: &Exception) -> Exception {
    Exception {
        who: visible(&e.who),
        kind: visible(&e.kind),
        resource: e.resource.as_deref().map(visible),
        reason: visible(&e.reason),
        approved_by: visible(&e.approved_by),
        file: visible(&e.file),
        ..e.clone()
    }
}
