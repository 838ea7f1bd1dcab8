//! `sponsor_required`: any production role needs a sponsor (their tech lead or a Senior Tech member).

use super::{Context, Held, Rule, given, line_of, violation};
use crate::config::Person;
use crate::finding::Finding;

pub const RULE: Rule = Rule::SponsorRequired;

pub fn check(person: &Person, held: Held<'_>, _ctx: &Context<'_>) -> Option<Finding> {
    if given(&person.sponsor).is_some() {
        return None;
    }
    Some(violation(
        RULE,
        person,
        held,
        line_of(&person.sponsor, person),
        format!(
            "{} holds {} but no sponsor approved it",
            person.name.value, held.role
        ),
        "set `sponsor` to the tech lead or Senior Tech member who approved the access".to_owned(),
    ))
}

#[cfg(test)]
mod tests {
    use super::super::tests::{at, codes, compliant, run};
    use crate::config::Mapping;
    use crate::config::Person;

    #[test]
    fn a_sponsor_passes() {
        let p = compliant("Sid", "sid", Some("production_deploy_access"), 1);
        assert!(run(p, &Mapping::builtin()).is_empty());
    }

    #[test]
    fn absent_or_blank_sponsor_fails() {
        let absent = Person {
            sponsor: None,
            ..compliant("Sid", "sid", Some("production_deploy_access"), 1)
        };
        assert_eq!(
            codes(&run(absent, &Mapping::builtin())),
            ["sponsor_required"]
        );
        let blank = Person {
            sponsor: at("  ".to_owned(), 9),
            ..compliant("Sid", "sid", Some("production_admin_access"), 1)
        };
        let f = run(blank, &Mapping::builtin());
        assert_eq!(codes(&f), ["sponsor_required"]);
        assert_eq!(f[0].line, Some(9));
    }
}
