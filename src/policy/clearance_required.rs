//! `clearance_required`: any production role needs security clearance BPSS or higher (SC, DV).

use super::{Context, Held, Rule, line_of, violation};
use crate::config::{Clearance, Person};
use crate::finding::Finding;

pub const RULE: Rule = Rule::ClearanceRequired;

pub fn check(person: &Person, held: Held<'_>, _ctx: &Context<'_>) -> Option<Finding> {
    let clearance = person.security_clearance.as_ref().map(|c| c.value);
    if clearance.is_some_and(|c| c >= Clearance::Bpss) {
        return None;
    }
    let what = match clearance {
        None => "has no security_clearance".to_owned(),
        Some(c) => format!("has security_clearance {}", c.as_str()),
    };
    Some(violation(
        RULE,
        person,
        held,
        line_of(&person.security_clearance, person),
        format!(
            "{} holds {} but {what}; any production role needs BPSS or higher",
            person.name.value, held.role
        ),
        "record their clearance (BPSS, SC or DV) once confirmed, or remove the role".to_owned(),
    ))
}

#[cfg(test)]
mod tests {
    use super::super::tests::{at, codes, compliant, run};
    use crate::config::Mapping;
    use crate::config::{Clearance, Person};

    fn with(clearance: Option<Clearance>) -> Person {
        Person {
            security_clearance: clearance.and_then(|c| at(c, 30)),
            ..compliant("Cleo Clear", "cleo", Some("production_deploy_access"), 25)
        }
    }

    #[test]
    fn bpss_and_higher_pass() {
        for c in [Clearance::Bpss, Clearance::Sc, Clearance::Dv] {
            assert!(run(with(Some(c)), &Mapping::builtin()).is_empty(), "{c:?}");
        }
    }

    #[test]
    fn none_or_absent_fails() {
        let none = run(with(Some(Clearance::None)), &Mapping::builtin());
        assert_eq!(codes(&none), ["clearance_required"]);
        assert_eq!(
            none[0].line,
            Some(30),
            "points at the security_clearance line"
        );
        assert!(none[0].message.contains("security_clearance none"));
        let absent = run(with(None), &Mapping::builtin());
        assert_eq!(codes(&absent), ["clearance_required"]);
        assert_eq!(absent[0].line, Some(25), "points at the entry");
    }
}
