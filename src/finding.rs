//! Findings: what every check reports. Internal types; the JSON wire format (schema v1) lives in
//! `report::json` and is built from these.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};

use crate::system::System;

/// How bad a finding is. Ordered from least to most severe.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    Info,
    Low,
    Medium,
    High,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
        }
    }
}

/// A production access rule: data a finding carries (`Kind::PolicyViolation`). The checks live
/// in `policy`, which depends on this module and never the other way round. The codes are part
/// of the JSON interface: never rename one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Rule {
    ClearanceRequired,
    SponsorRequired,
    ProbationRequired,
    ChecklistReviewRequired,
    ReviewerNotSeniorTech,
    ApprenticeAdmin,
    AbsenceRevocation,
}

impl Rule {
    pub const ALL: [Rule; 7] = [
        Rule::ClearanceRequired,
        Rule::SponsorRequired,
        Rule::ProbationRequired,
        Rule::ChecklistReviewRequired,
        Rule::ReviewerNotSeniorTech,
        Rule::ApprenticeAdmin,
        Rule::AbsenceRevocation,
    ];

    /// The stable rule code.
    pub fn code(self) -> &'static str {
        match self {
            Rule::ClearanceRequired => "clearance_required",
            Rule::SponsorRequired => "sponsor_required",
            Rule::ProbationRequired => "probation_required",
            Rule::ChecklistReviewRequired => "checklist_review_required",
            Rule::ReviewerNotSeniorTech => "reviewer_not_senior_tech",
            Rule::ApprenticeAdmin => "apprentice_admin",
            Rule::AbsenceRevocation => "absence_revocation",
        }
    }

    /// What the access rules say, in one line.
    pub fn description(self) -> &'static str {
        match self {
            Rule::ClearanceRequired => {
                "any production role needs security clearance BPSS or higher (SC, DV)"
            }
            Rule::SponsorRequired => "any production role needs a sponsor",
            Rule::ProbationRequired => {
                "production admin and platformengineer access need probation passed"
            }
            Rule::ChecklistReviewRequired => {
                "production admin and platformengineer access need the admin checklist reviewed by Senior Tech"
            }
            Rule::ReviewerNotSeniorTech => "the checklist reviewer must be a Senior Tech member",
            Rule::ApprenticeAdmin => {
                "an apprentice may hold only deploy access, unless approved for Secondary on-call"
            }
            Rule::AbsenceRevocation => {
                "access is revoked after more than 6 weeks (42 days) of absence"
            }
        }
    }

    pub fn severity(self) -> Severity {
        match self {
            Rule::ClearanceRequired
            | Rule::ProbationRequired
            | Rule::ApprenticeAdmin
            | Rule::AbsenceRevocation => Severity::High,
            Rule::SponsorRequired | Rule::ChecklistReviewRequired | Rule::ReviewerNotSeniorTech => {
                Severity::Medium
            }
        }
    }

    /// The README anchor documenting this rule.
    pub fn doc_anchor(self) -> &'static str {
        self.code()
    }
}

/// The kind of a finding; the JSON `kind` field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Kind {
    /// A person breaks one of the production access rules.
    PolicyViolation(Rule),
    /// Expected in a team, not a member, no pending invitation.
    Missing,
    /// Expected in a team and invited, not yet accepted.
    PendingInvitation,
    /// A member of a team who is not expected in it: access nobody approved.
    UnexpectedMember,
    /// A pending invitation to a team for someone not expected in it.
    UnexpectedInvitation,
    /// An account system: the person holds another role than the one the config expects.
    WrongRole,
    /// Fastly: an expected user limited to some services (the rules grant "Access all services").
    LimitedServices,
    /// AWS: a temporary role whose temporary_admin.yml entry has expired.
    ExpiredTemporaryAccess,
    /// AWS: a person's role can be assumed by a principal other than that person's user.
    UntrustedPrincipal,
    /// AWS: a person's role can be assumed without MFA.
    MfaNotRequired,
    /// A snapshot or export older than `--max-age`, or dated after `--today`.
    StaleEvidence,
    /// A key in a person's entry (or another input's entry) that the tool does not know.
    UnknownKey,
}

impl Kind {
    /// The JSON `kind` string.
    pub const fn as_str(self) -> &'static str {
        match self {
            Kind::PolicyViolation(_) => "policy_violation",
            Kind::Missing => "missing",
            Kind::PendingInvitation => "pending_invitation",
            Kind::UnexpectedMember => "unexpected_member",
            Kind::UnexpectedInvitation => "unexpected_invitation",
            Kind::WrongRole => "wrong_role",
            Kind::LimitedServices => "limited_services",
            Kind::ExpiredTemporaryAccess => "expired_temporary_access",
            Kind::UntrustedPrincipal => "untrusted_principal",
            Kind::MfaNotRequired => "mfa_not_required",
            Kind::StaleEvidence => "stale_evidence",
            Kind::UnknownKey => "unknown_key",
        }
    }
}

/// One finding. Fields that do not apply to a kind are `None`/`false`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub kind: Kind,
    pub severity: Severity,
    /// The person's name when they are in the config.
    pub name: Option<String>,
    /// The login as written in the config, or as GitHub spells it for undeclared logins.
    pub github_username: Option<String>,
    /// The team, for membership findings.
    pub team: Option<String>,
    /// The role declared in the config, if the person is there and has one.
    pub declared_role: Option<String>,
    /// Whether the login is in the config at all.
    pub in_config: bool,
    /// For members who hold the team's access through a child team.
    pub via_team: Option<String>,
    /// For `unexpected_member`: the member is a team maintainer.
    pub maintainer: bool,
    /// For invitations: when it was sent, and whether it is more than 7 days old.
    pub invited_at: Option<DateTime<Utc>>,
    pub expired: Option<bool>,
    /// The config line of the person's entry (or of the offending key), when in the config.
    pub line: Option<usize>,
    /// The system the finding is about; `None` for policy findings.
    pub system: Option<System>,
    /// The resource in that system: a team slug, `<account>:<role>`, a system role.
    pub resource: Option<String>,
    /// The person's email, as in the config (or as the system spells it for undeclared holders).
    pub email: Option<String>,
    /// AWS only: the account's name in the mapping.
    pub account: Option<String>,
    /// `wrong_role` only: the role the config expects, and the role held.
    pub expected_role: Option<String>,
    pub actual_role: Option<String>,
    /// The accepted exception that covers this finding (see [`crate::exceptions`]), or the
    /// expired one that no longer does.
    pub exception: Option<Applied>,
    /// One sentence saying what is wrong.
    pub message: String,
    /// One line saying what to do about it.
    pub fix: String,
}

impl Finding {
    /// A finding with only its kind, severity and message; set the rest with struct update.
    pub fn new(kind: Kind, severity: Severity, message: impl Into<String>) -> Self {
        Finding {
            kind,
            severity,
            name: None,
            github_username: None,
            team: None,
            declared_role: None,
            in_config: false,
            via_team: None,
            maintainer: false,
            invited_at: None,
            expired: None,
            line: None,
            system: None,
            resource: None,
            email: None,
            account: None,
            expected_role: None,
            actual_role: None,
            exception: None,
            message: message.into(),
            fix: String::new(),
        }
    }

    /// A key that groups findings by person: the lower-cased login, else the name, else the
    /// lower-cased email (an undeclared holder of an email-identified system).
    pub fn person_key(&self) -> String {
        match (&self.github_username, &self.name, &self.email) {
            (Some(login), _, _) => login.to_ascii_lowercase(),
            (None, Some(name), _) => name.clone(),
            (None, None, Some(email)) => email.to_lowercase(),
            (None, None, None) => String::new(),
        }
    }
}

// The exception types live here, beside the finding they annotate, so the finding does not
// depend on the exceptions module (which matches and parses them: see `crate::exceptions`).

/// One accepted exception, as written in the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exception {
    /// A login or an email, compared case-insensitively.
    pub who: String,
    /// A finding kind (`unexpected_member`) or a rule code (`clearance_required`).
    pub kind: String,
    pub system: Option<System>,
    /// A team slug, `<account>:<role>` or a system role, compared case-insensitively.
    pub resource: Option<String>,
    pub reason: String,
    pub approved_by: String,
    /// The first day on which the exception no longer applies.
    pub expires: NaiveDate,
    /// The file as the user named it, and where the entry starts.
    pub file: String,
    pub line: usize,
    pub col: usize,
}

/// The exception attached to a finding: the one that accepts it, or (when every matching
/// exception has expired) the one that accepted it last.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Applied {
    pub exception: Exception,
    /// True when the exception has expired: the finding counts again.
    pub expired: bool,
}

/// Sort findings deterministically: by severity (highest first), then person, team, system,
/// resource, kind. (For GitHub the resource is the team, so v1 order is unchanged.)
pub fn sort(findings: &mut [Finding]) {
    findings.sort_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then_with(|| a.person_key().cmp(&b.person_key()))
            .then_with(|| a.team.cmp(&b.team))
            .then_with(|| a.system.cmp(&b.system))
            .then_with(|| a.resource.cmp(&b.resource))
            .then_with(|| a.kind.cmp(&b.kind))
            .then_with(|| a.line.cmp(&b.line))
    });
}

/// Findings counted per system (policy findings, which have no system, are not counted); every
/// selected system is listed, with 0 when it has none.
pub fn by_system(systems: &[System], findings: &[Finding]) -> BTreeMap<System, usize> {
    let mut counts: BTreeMap<System, usize> = systems.iter().map(|s| (*s, 0)).collect();
    for f in findings {
        if let Some(s) = f.system {
            *counts.entry(s).or_insert(0) += 1;
        }
    }
    counts
}
