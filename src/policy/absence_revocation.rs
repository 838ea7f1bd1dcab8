//! `absence_revocation`: someone absent for more than 6 weeks (42 days) before `--today` should
//! have their access revoked.

use super::{Context, Held, MAX_ABSENCE_DAYS, Rule, violation};
use crate::config::Person;
use crate::finding::Finding;

pub const RULE: Rule = Rule::AbsenceRevocation;

pub fn check(person: &Person, held: Held<'_>, ctx: &Context<'_>) -> Option<Finding> {
    let since = person.absent_since.as_ref()?;
    let days = (ctx.today - since.value).num_days();
    if days <= MAX_ABSENCE_DAYS {
        return None;
    }
    Some(violation(
        RULE,
        person,
        held,
        since.pos.line,
        format!(
            "{} has been absent since {} ({days} days, more than {MAX_ABSENCE_DAYS}) and still holds {}",
            person.name.value, since.value, held.role
        ),
        "remove the role while they are away; restore it when they return".to_owned(),
    ))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use chrono::Days;

    use super::super::tests::{at, codes, compliant, run, today};
    use crate::config::Mapping;
    use crate::config::Person;

    fn absent_days(days: u64) -> Person {
        Person {
            absent_since: at(today().checked_sub_days(Days::new(days)).unwrap(), 11),
            ..compliant("Abe Absent", "abe", Some("production_deploy_access"), 2)
        }
    }

    #[test]
    fn forty_two_days_is_fine() {
        assert!(run(absent_days(42), &Mapping::builtin()).is_empty());
        assert!(run(absent_days(0), &Mapping::builtin()).is_empty());
    }

    #[test]
    fn forty_three_days_is_a_finding() {
        let f = run(absent_days(43), &Mapping::builtin());
        assert_eq!(codes(&f), ["absence_revocation"]);
        assert_eq!(f[0].line, Some(11));
        assert!(f[0].message.contains("43 days"), "{}", f[0].message);
    }

    #[test]
    fn a_future_absence_is_fine() {
        let p = Person {
            absent_since: at(today().checked_add_days(Days::new(30)).unwrap(), 11),
            ..compliant("Abe Absent", "abe", Some("production_deploy_access"), 2)
        };
        assert!(run(p, &Mapping::builtin()).is_empty());
    }
}
