//! `checklist_review_required`: production admin and platformengineer access need the Production
//! Admin preparedness checklist reviewed by Senior Tech (`admin_checklist_reviewed_by`).

use super::{Context, Held, Rule, given, line_of, violation};
use crate::config::Person;
use crate::finding::Finding;

pub const RULE: Rule = Rule::ChecklistReviewRequired;

pub fn check(person: &Person, held: Held<'_>, _ctx: &Context<'_>) -> Option<Finding> {
    if !held.level.is_admin() || given(&person.admin_checklist_reviewed_by).is_some() {
        return None;
    }
    Some(violation(
        RULE,
        person,
        held,
        line_of(&person.admin_checklist_reviewed_by, person),
        format!(
            "{} holds {} but nobody reviewed their Production Admin preparedness checklist",
            person.name.value, held.role
        ),
        "set `admin_checklist_reviewed_by` to the Senior Tech member who reviewed the checklist"
            .to_owned(),
    ))
}

#[cfg(test)]
mod tests {
    use super::super::tests::{at, codes, compliant, run};
    use crate::config::Mapping;
    use crate::config::Person;

    fn with(role: &str, reviewer: Option<&str>) -> Person {
        Person {
            admin_checklist_reviewed_by: reviewer.and_then(|r| at(r.to_owned(), 8)),
            ..compliant("Cher Checklist", "cher", Some(role), 2)
        }
    }

    #[test]
    fn admin_levels_need_a_reviewer() {
        for role in ["production_admin_access", "platformengineer"] {
            assert!(run(with(role, Some("Sam Senior")), &Mapping::builtin()).is_empty());
            assert_eq!(
                codes(&run(with(role, None), &Mapping::builtin())),
                ["checklist_review_required"]
            );
            let blank = run(with(role, Some("")), &Mapping::builtin());
            assert_eq!(codes(&blank), ["checklist_review_required"]);
            assert_eq!(blank[0].line, Some(8));
        }
    }

    #[test]
    fn deploy_needs_no_reviewer() {
        assert!(run(with("production_deploy_access", None), &Mapping::builtin()).is_empty());
    }
}
