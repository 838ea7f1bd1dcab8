//! The production access rules (`rules-for-getting-production-access.md`), one file per rule.
//! Each rule has a stable code used in reports and docs.

mod absence_revocation;
mod apprentice_admin;
mod checklist_review_required;
mod clearance_required;
mod probation_required;
mod reviewer_not_senior_tech;
mod sponsor_required;

use chrono::NaiveDate;

use crate::config::mapping::AccessLevel;
use crate::config::{Config, Located, Mapping, Person};
pub use crate::finding::Rule;
use crate::finding::{Finding, Kind};

/// Days of absence after which a role should be revoked ("absent more than 6 weeks").
pub const MAX_ABSENCE_DAYS: i64 = 42;

/// Check every person against every rule. One finding per person per broken rule, in config
/// order (then rule order). People without a role break no rule.
pub fn check(config: &Config, mapping: &Mapping, today: NaiveDate) -> Vec<Finding> {
    let ctx = Context { mapping, today };
    let mut findings = Vec::new();
    for person in &config.people {
        let Some(role) = person.role() else { continue };
        let held = Held {
            role,
            level: mapping.level(role),
        };
        for rule in Rule::ALL {
            if let Some(f) = check_rule(rule, person, held, &ctx) {
                findings.push(f);
            }
        }
    }
    findings
}

/// What the rules see besides the person.
#[derive(Debug, Clone, Copy)]
pub struct Context<'a> {
    pub mapping: &'a Mapping,
    /// The date the date rules are checked at (`--today`).
    pub today: NaiveDate,
}

/// The role a person holds, and how much it grants.
#[derive(Debug, Clone, Copy)]
pub struct Held<'a> {
    pub role: &'a str,
    pub level: AccessLevel,
}

/// Run one rule against one person who holds a role.
pub fn check_rule(
    rule: Rule,
    person: &Person,
    held: Held<'_>,
    ctx: &Context<'_>,
) -> Option<Finding> {
    match rule {
        Rule::ClearanceRequired => clearance_required::check(person, held, ctx),
        Rule::SponsorRequired => sponsor_required::check(person, held, ctx),
        Rule::ProbationRequired => probation_required::check(person, held, ctx),
        Rule::ChecklistReviewRequired => checklist_review_required::check(person, held, ctx),
        Rule::ReviewerNotSeniorTech => reviewer_not_senior_tech::check(person, held, ctx),
        Rule::ApprenticeAdmin => apprentice_admin::check(person, held, ctx),
        Rule::AbsenceRevocation => absence_revocation::check(person, held, ctx),
    }
}

/// A policy finding about `person`, located at `line`.
fn violation(
    rule: Rule,
    person: &Person,
    held: Held<'_>,
    line: usize,
    message: String,
    fix: String,
) -> Finding {
    Finding {
        name: Some(person.name.value.clone()),
        github_username: person.login().map(str::to_owned),
        declared_role: Some(held.role.to_owned()),
        in_config: true,
        line: Some(line),
        fix,
        ..Finding::new(Kind::PolicyViolation(rule), rule.severity(), message)
    }
}

/// A free-text field that is present and not blank.
fn given(field: &Option<Located<String>>) -> Option<&Located<String>> {
    field.as_ref().filter(|v| !v.value.trim().is_empty())
}

/// The line of a key when it is written, else the line where the person's entry starts.
fn line_of<T>(field: &Option<Located<T>>, person: &Person) -> usize {
    field.as_ref().map_or(person.pos.line, |v| v.pos.line)
}

#[cfg(test)]
pub(crate) mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use crate::config::{Clearance, Pos};

    pub(crate) fn at<T>(value: T, line: usize) -> Option<Located<T>> {
        Some(Located::new(value, Pos { line, col: 5 }))
    }

    /// A person who meets every rule for `role`, starting at `line` (keys on the lines after).
    pub(crate) fn compliant(name: &str, login: &str, role: Option<&str>, line: usize) -> Person {
        Person {
            github_username: at(login.to_owned(), line + 1),
            role: role.and_then(|r| at(r.to_owned(), line + 2)),
            sponsor: at("Tess Lead".to_owned(), line + 3),
            security_clearance: at(Clearance::Sc, line + 4),
            probation_passed: at(true, line + 5),
            admin_checklist_reviewed_by: at("Sam Senior".to_owned(), line + 6),
            ..Person::named(name, line)
        }
    }

    pub(crate) fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 28).unwrap()
    }

    pub(crate) fn run(person: Person, mapping: &Mapping) -> Vec<Finding> {
        let config = Config {
            path: "govuk_tech.yml".to_owned(),
            people: vec![person],
        };
        check(&config, mapping, today())
    }

    pub(crate) fn codes(findings: &[Finding]) -> Vec<&'static str> {
        findings
            .iter()
            .map(|f| match f.kind {
                Kind::PolicyViolation(r) => r.code(),
                other => other.as_str(),
            })
            .collect()
    }

    #[test]
    fn codes_are_unique_and_snake_case() {
        let mut seen = std::collections::BTreeSet::new();
        for rule in Rule::ALL {
            assert!(seen.insert(rule.code()), "duplicate code {}", rule.code());
            assert!(
                rule.code()
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c == '_')
            );
            assert!(!rule.description().is_empty());
        }
    }

    #[test]
    fn compliant_people_break_nothing() {
        for role in [
            "production_deploy_access",
            "production_admin_access",
            "platformengineer",
        ] {
            let findings = run(
                compliant("Ann Able", "ann-able", Some(role), 10),
                &Mapping::builtin(),
            );
            assert!(findings.is_empty(), "{role}: {findings:?}");
        }
    }

    #[test]
    fn people_without_a_role_break_nothing() {
        // No clearance, no sponsor, no probation, long absent, apprentice: still nothing.
        let person = Person {
            github_username: at("no-role".to_owned(), 2),
            apprentice: at(true, 3),
            absent_since: at(NaiveDate::from_ymd_opt(2020, 1, 1).unwrap(), 4),
            security_clearance: at(Clearance::None, 5),
            ..Person::named("No Role", 1)
        };
        assert!(run(person, &Mapping::builtin()).is_empty());
    }

    #[test]
    fn one_finding_per_broken_rule_with_person_login_line_and_fix() {
        let person = Person {
            github_username: at("bare".to_owned(), 21),
            role: at("platformengineer".to_owned(), 22),
            ..Person::named("Bare Minimum", 20)
        };
        let findings = run(person, &Mapping::builtin());
        assert_eq!(
            codes(&findings),
            [
                "clearance_required",
                "sponsor_required",
                "probation_required",
                "checklist_review_required"
            ]
        );
        for f in &findings {
            assert_eq!(f.name.as_deref(), Some("Bare Minimum"));
            assert_eq!(f.github_username.as_deref(), Some("bare"));
            assert_eq!(f.declared_role.as_deref(), Some("platformengineer"));
            assert!(f.in_config);
            assert_eq!(f.line, Some(20), "missing keys point at the entry");
            assert!(!f.fix.is_empty() && !f.fix.contains('\n'));
            assert!(!f.message.contains('\n'));
        }
    }

    #[test]
    fn a_custom_role_follows_its_level() {
        let m = crate::config::Mapping::parse(
            "m.yml",
            "version: 2\nroles:\n  support: {level: admin}\nsystems:\n  github: {org: o, roles: {support: [t]}}\n",
        )
        .unwrap();
        assert!(m.level("support").is_admin());
        assert_eq!(m.systems(), vec![crate::system::System::Github]);
        // The admin rules follow the level: `support` needs probation and the checklist.
        let c = crate::config::people::parse(
            "c.yml",
            "- name: A\n  github_username: a\n  role: support\n  security_clearance: SC\n  sponsor: S\n",
            &m,
        )
        .unwrap();
        let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 28).unwrap();
        let rules: Vec<&str> = check(&c, &m, today)
            .iter()
            .filter_map(|f| match f.kind {
                crate::finding::Kind::PolicyViolation(r) => Some(r.code()),
                _ => None,
            })
            .collect();
        assert_eq!(rules, ["probation_required", "checklist_review_required"]);
    }
}
