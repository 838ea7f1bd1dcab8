//! `probation_required`: production admin and platformengineer access need `probation_passed: true`.

use super::{Context, Held, Rule, line_of, violation};
use crate::config::Person;
use crate::finding::Finding;

pub const RULE: Rule = Rule::ProbationRequired;

pub fn check(person: &Person, held: Held<'_>, _ctx: &Context<'_>) -> Option<Finding> {
    if !held.level.is_admin() || person.probation_passed.as_ref().is_some_and(|p| p.value) {
        return None;
    }
    let what = match &person.probation_passed {
        None => "probation_passed is not recorded",
        Some(_) => "probation_passed is false",
    };
    Some(violation(
        RULE,
        person,
        held,
        line_of(&person.probation_passed, person),
        format!(
            "{} holds {} but {what}; admin-level access needs probation passed",
            person.name.value, held.role
        ),
        "set `probation_passed: true` once probation is passed, or lower the role to production_deploy_access".to_owned(),
    ))
}

#[cfg(test)]
mod tests {
    use super::super::tests::{at, codes, compliant, run};
    use crate::config::Mapping;
    use crate::config::Person;

    fn with(role: &str, passed: Option<bool>) -> Person {
        Person {
            probation_passed: passed.and_then(|p| at(p, 7)),
            ..compliant("Pat Probation", "pat", Some(role), 2)
        }
    }

    #[test]
    fn admin_and_platformengineer_need_probation() {
        for role in ["production_admin_access", "platformengineer"] {
            assert!(run(with(role, Some(true)), &Mapping::builtin()).is_empty());
            let f = run(with(role, Some(false)), &Mapping::builtin());
            assert_eq!(codes(&f), ["probation_required"], "{role}");
            assert_eq!(f[0].line, Some(7));
            assert_eq!(
                codes(&run(with(role, None), &Mapping::builtin())),
                ["probation_required"]
            );
        }
    }

    #[test]
    fn deploy_does_not_need_probation() {
        assert!(
            run(
                with("production_deploy_access", Some(false)),
                &Mapping::builtin()
            )
            .is_empty()
        );
        assert!(run(with("production_deploy_access", None), &Mapping::builtin()).is_empty());
    }
}
