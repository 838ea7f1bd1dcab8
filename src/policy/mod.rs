//! The production access rules (`rules-for-getting-production-access.md`), one file per rule.
//! Each rule has a stable code used in reports and docs.

use chrono::NaiveDate;

use crate::config::{Config, Mapping};
use crate::finding::{Finding, Severity};

/// A production access rule. The codes are part of the JSON interface: never rename one.
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

/// Check every person against every rule. One finding per person per broken rule, in config
/// order. People without a role break no rule.
pub fn check(config: &Config, mapping: &Mapping, today: NaiveDate) -> Vec<Finding> {
    let _ = (config, mapping, today);
    todo!("policy rules (issue 2)")
}
