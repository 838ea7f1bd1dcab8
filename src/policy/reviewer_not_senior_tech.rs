//! `reviewer_not_senior_tech`: when the mapping lists `senior_tech`, the named checklist reviewer
//! of an admin-level person must be one of them. Names compare case-insensitively after trimming.
//! No reviewer at all is `checklist_review_required` only.

use super::{Context, Held, Rule, given, violation};
use crate::config::Person;
use crate::finding::Finding;

pub const RULE: Rule = Rule::ReviewerNotSeniorTech;

/// Names compare case-insensitively after trimming (and inner runs of spaces count as one).
pub fn same_name(a: &str, b: &str) -> bool {
    let norm = |s: &str| {
        s.split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .to_lowercase()
    };
    norm(a) == norm(b)
}

pub fn check(person: &Person, held: Held<'_>, ctx: &Context<'_>) -> Option<Finding> {
    let senior = &ctx.mapping.senior_tech;
    if !held.level.is_admin() || senior.is_empty() {
        return None;
    }
    let reviewer = given(&person.admin_checklist_reviewed_by)?;
    if senior.iter().any(|s| same_name(s, &reviewer.value)) {
        return None;
    }
    Some(violation(
        RULE,
        person,
        held,
        reviewer.pos.line,
        format!(
            "{}'s admin checklist was reviewed by {:?}, who is not in the mapping's senior_tech list",
            person.name.value,
            reviewer.value.trim()
        ),
        "have a Senior Tech member review the checklist and name them, or add the reviewer to senior_tech in the mapping".to_owned(),
    ))
}

#[cfg(test)]
mod tests {
    use super::super::tests::{at, codes, compliant, run};
    use super::same_name;
    use crate::config::{Mapping, Person};

    fn senior() -> Mapping {
        Mapping {
            senior_tech: vec!["Sam Senior".to_owned(), "Rhea Review".to_owned()],
            ..Mapping::builtin()
        }
    }

    fn with(role: &str, reviewer: Option<&str>) -> Person {
        Person {
            admin_checklist_reviewed_by: reviewer.and_then(|r| at(r.to_owned(), 8)),
            ..compliant("Rex Reviewed", "rex", Some(role), 2)
        }
    }

    #[test]
    fn names_compare_case_insensitively_after_trimming() {
        assert!(same_name("  sam SENIOR ", "Sam Senior"));
        assert!(same_name("Sam  Senior", "Sam Senior"));
        assert!(!same_name("Sam Seniors", "Sam Senior"));
        let p = with("production_admin_access", Some("  sam senior  "));
        assert!(run(p, &senior()).is_empty());
    }

    #[test]
    fn a_reviewer_outside_senior_tech_fails() {
        for role in ["production_admin_access", "platformengineer"] {
            let f = run(with(role, Some("Someone Else")), &senior());
            assert_eq!(codes(&f), ["reviewer_not_senior_tech"], "{role}");
            assert_eq!(f[0].line, Some(8));
        }
    }

    #[test]
    fn empty_senior_tech_list_checks_nothing() {
        let p = with("production_admin_access", Some("Someone Else"));
        assert!(run(p, &Mapping::builtin()).is_empty());
    }

    #[test]
    fn no_reviewer_is_only_checklist_review_required() {
        let f = run(with("production_admin_access", None), &senior());
        assert_eq!(codes(&f), ["checklist_review_required"]);
    }

    #[test]
    fn deploy_reviewer_is_not_checked() {
        let p = with("production_deploy_access", Some("Someone Else"));
        assert!(run(p, &senior()).is_empty());
    }
}
