//! `apprentice_admin`: a technologist apprentice may hold only deploy access, unless their line
//! manager approved an in-hours Secondary on-call shift (`secondary_on_call_approved_by`).

use super::{Context, Held, Rule, given, line_of, violation};
use crate::config::Person;
use crate::finding::Finding;

pub const RULE: Rule = Rule::ApprenticeAdmin;

pub fn check(person: &Person, held: Held<'_>, _ctx: &Context<'_>) -> Option<Finding> {
    let apprentice = person.apprentice.as_ref().is_some_and(|a| a.value);
    if !apprentice
        || !held.level.is_admin()
        || given(&person.secondary_on_call_approved_by).is_some()
    {
        return None;
    }
    Some(violation(
        RULE,
        person,
        held,
        line_of(&person.role, person),
        format!(
            "{} is an apprentice holding {}; apprentices are limited to production_deploy_access",
            person.name.value, held.role
        ),
        "lower the role to production_deploy_access, or set `secondary_on_call_approved_by` to the line manager who approved Secondary on-call".to_owned(),
    ))
}

#[cfg(test)]
mod tests {
    use super::super::tests::{at, codes, compliant, run};
    use crate::config::Mapping;
    use crate::config::Person;

    fn with(role: &str, apprentice: Option<bool>, approved_by: Option<&str>) -> Person {
        Person {
            apprentice: apprentice.and_then(|a| at(a, 9)),
            secondary_on_call_approved_by: approved_by.and_then(|a| at(a.to_owned(), 10)),
            ..compliant("Ari Apprentice", "ari", Some(role), 2)
        }
    }

    #[test]
    fn apprentice_with_admin_level_fails() {
        for role in ["production_admin_access", "platformengineer"] {
            let f = run(with(role, Some(true), None), &Mapping::builtin());
            assert_eq!(codes(&f), ["apprentice_admin"], "{role}");
            assert_eq!(f[0].line, Some(4), "points at the role line");
        }
    }

    #[test]
    fn approved_secondary_on_call_passes() {
        let p = with("production_admin_access", Some(true), Some("Lena Manager"));
        assert!(run(p, &Mapping::builtin()).is_empty());
    }

    #[test]
    fn apprentice_deploy_and_non_apprentices_pass() {
        assert!(
            run(
                with("production_deploy_access", Some(true), None),
                &Mapping::builtin()
            )
            .is_empty()
        );
        assert!(
            run(
                with("production_admin_access", Some(false), None),
                &Mapping::builtin()
            )
            .is_empty()
        );
        assert!(
            run(
                with("production_admin_access", None, None),
                &Mapping::builtin()
            )
            .is_empty()
        );
    }
}
