//! The JSON report, schema version 1: stable wire types, separate from the internal ones.
//! Documented field by field in docs/json.md (schema version 1). Never rename or remove a
//! field here; add new ones only with a new schema version or as optional extras.

use std::collections::BTreeMap;
use std::io::Write;

use serde::{Deserialize, Serialize};

use super::evidence::{EvidenceV1, evidence_v1};
use super::{KIND_ORDER, Report, V1_KINDS};
use crate::exceptions::Exception;
use crate::finding::{Finding, Kind};

pub const SCHEMA_VERSION: u32 = 1;

/// The whole report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportV1 {
    pub schema_version: u32,
    /// `check` or `drift`.
    pub command: String,
    /// The GitHub org (drift only; absent for check).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub org: Option<String>,
    /// False when some team could not be read whole.
    pub complete: bool,
    pub errors: Vec<ErrorV1>,
    /// Findings that still count (not accepted by an exception).
    pub findings: Vec<FindingV1>,
    /// Findings an unexpired exception accepts: `accepted: true`, with the `exception`.
    #[serde(default)]
    pub accepted: Vec<FindingV1>,
    /// Exceptions that matched no finding.
    #[serde(default)]
    pub unused_exceptions: Vec<ExceptionV1>,
    pub summary: SummaryV1,
    /// What the report was computed from.
    pub evidence: EvidenceV1,
    /// When the membership was recorded (a run from a snapshot); absent otherwise. Additive.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fetched_at: Option<String>,
}

/// An accepted exception, as written in the exceptions file, and whether it has expired.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExceptionV1 {
    pub who: String,
    pub kind: String,
    pub system: Option<String>,
    pub resource: Option<String>,
    pub reason: String,
    pub approved_by: String,
    /// YYYY-MM-DD: the first day it no longer applies.
    pub expires: String,
    /// On or after `expires` at `--today`.
    pub expired: bool,
    /// The exceptions file and the entry's line.
    pub file: String,
    pub line: usize,
}

/// A source that could not be read whole.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorV1 {
    pub team: Option<String>,
    pub message: String,
    /// Added with mapping v2: the system, and the scope in it (`null`: the whole system).
    #[serde(default)]
    pub system: Option<String>,
    #[serde(default)]
    pub resource: Option<String>,
}

/// One finding. The same shape for every command and kind; every key is always present, `null`
/// when it does not apply.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FindingV1 {
    /// `policy_violation`, `missing`, `pending_invitation`, `unexpected_member`,
    /// `unexpected_invitation`.
    pub kind: String,
    /// The rule code, for `policy_violation`.
    pub rule: Option<String>,
    /// `high`, `medium`, `low`, `info`.
    pub severity: String,
    /// The person's name, when they are in the config.
    pub name: Option<String>,
    pub github_username: Option<String>,
    /// The team, for membership findings.
    pub team: Option<String>,
    pub declared_role: Option<String>,
    /// Whether the login is in the config at all.
    pub in_config: bool,
    /// The child team a membership comes through.
    pub via_team: Option<String>,
    /// For invitations: more than 7 days old at `--today`.
    pub expired: Option<bool>,
    /// The config line, when the person is in the config.
    pub line: Option<usize>,
    pub message: String,
    pub fix: String,
    // Added with mapping v2 (after every v1 key; `null` where they do not apply).
    /// `github`, `aws`, ...; `null` for policy findings.
    #[serde(default)]
    pub system: Option<String>,
    /// The team slug, `<account>:<role>` or system role; `null` for policy findings.
    #[serde(default)]
    pub resource: Option<String>,
    /// The person's email as in the config, or the holder's for undeclared holders of an
    /// email-identified system.
    #[serde(default)]
    pub email: Option<String>,
    /// AWS only: the account's name in the mapping.
    #[serde(default)]
    pub account: Option<String>,
    /// `wrong_role` only.
    #[serde(default)]
    pub expected_role: Option<String>,
    #[serde(default)]
    pub actual_role: Option<String>,
    /// True when an unexpired exception accepts the finding (it is then in `accepted`).
    #[serde(default)]
    pub accepted: bool,
    /// The exception that accepts the finding, or the expired one that no longer does.
    #[serde(default)]
    pub exception: Option<ExceptionV1>,
}

/// Counts. `teams`, `members_read` and `by_kind` are drift only (absent for check).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SummaryV1 {
    pub people: usize,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub teams: Option<usize>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub members_read: Option<usize>,
    pub findings: usize,
    /// Findings accepted by an exception (not in `findings`).
    #[serde(default)]
    pub accepted: usize,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub by_kind: Option<BTreeMap<String, usize>>,
    /// Findings per selected system (policy findings are not counted: they have no system);
    /// drift and fix only, like `by_kind`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub by_system: Option<BTreeMap<String, usize>>,
}

/// The wire form of one finding (also used by `review`).
pub fn finding_v1(f: &Finding) -> FindingV1 {
    FindingV1 {
        kind: f.kind.as_str().to_owned(),
        rule: match f.kind {
            Kind::PolicyViolation(rule) => Some(rule.code().to_owned()),
            _ => None,
        },
        severity: f.severity.as_str().to_owned(),
        name: f.name.clone(),
        github_username: f.github_username.clone(),
        team: f.team.clone(),
        declared_role: f.declared_role.clone(),
        in_config: f.in_config,
        via_team: f.via_team.clone(),
        expired: f.expired,
        line: f.line,
        message: f.message.clone(),
        fix: f.fix.clone(),
        system: f.system.map(|s| s.as_str().to_owned()),
        resource: f.resource.clone(),
        email: f.email.clone(),
        account: f.account.clone(),
        expected_role: f.expected_role.clone(),
        actual_role: f.actual_role.clone(),
        accepted: f.exception.as_ref().is_some_and(|a| !a.expired),
        exception: f
            .exception
            .as_ref()
            .map(|a| exception_v1(&a.exception, a.expired)),
    }
}

/// The wire form of an exception.
pub fn exception_v1(e: &Exception, expired: bool) -> ExceptionV1 {
    ExceptionV1 {
        who: e.who.clone(),
        kind: e.kind.clone(),
        system: e.system.map(|s| s.as_str().to_owned()),
        resource: e.resource.clone(),
        reason: e.reason.clone(),
        approved_by: e.approved_by.clone(),
        expires: e.expires.to_string(),
        expired,
        file: e.file.clone(),
        line: e.line,
    }
}

/// The wire form of a report.
pub fn report_v1(report: &Report) -> ReportV1 {
    let drift = report.summary.teams.is_some();
    ReportV1 {
        schema_version: SCHEMA_VERSION,
        command: report.command.as_str().to_owned(),
        org: report.org.clone(),
        complete: report.complete,
        errors: report
            .errors
            .iter()
            .map(|e| ErrorV1 {
                team: e.team.clone(),
                message: e.message.clone(),
                system: e.system.map(|s| s.as_str().to_owned()),
                resource: e.resource.clone(),
            })
            .collect(),
        findings: report.findings.iter().map(finding_v1).collect(),
        fetched_at: report
            .fetched_at
            .map(|at| at.format("%Y-%m-%dT%H:%M:%SZ").to_string()),
        accepted: report.accepted.iter().map(finding_v1).collect(),
        unused_exceptions: report
            .unused_exceptions
            .iter()
            .map(|e| exception_v1(e, e.expires <= report.evidence.today))
            .collect(),
        evidence: evidence_v1(&report.evidence),
        summary: SummaryV1 {
            people: report.summary.people,
            teams: report.summary.teams,
            members_read: report.summary.members_read,
            findings: report.findings.len(),
            accepted: report.accepted.len(),
            by_kind: drift.then(|| {
                let counts = report.counts_by_kind();
                let mut by_kind: BTreeMap<String, usize> = KIND_ORDER
                    .iter()
                    .filter(|k| V1_KINDS.contains(k) || counts.contains_key(*k))
                    .map(|k| ((*k).to_owned(), counts.get(k).copied().unwrap_or(0)))
                    .collect();
                // Kinds added after v1 (unknown_key, stale_evidence) appear only when present.
                for (k, c) in counts {
                    by_kind.entry(k.to_owned()).or_insert(c);
                }
                by_kind
            }),
            by_system: drift.then(|| {
                crate::finding::by_system(&report.systems, &report.findings)
                    .into_iter()
                    .map(|(s, n)| (s.as_str().to_owned(), n))
                    .collect()
            }),
        },
    }
}

/// Write the report as pretty JSON with a final newline.
pub fn render(report: &Report, out: &mut impl Write) -> std::io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, &report_v1(report))?;
    writeln!(out)
}
