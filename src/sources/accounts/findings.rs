//! The account-system findings, as the contract's "Account systems" part says. The generic
//! comparison is the access model's drift engine (`drift::findings`) over
//! [`super::adapter::AccountAdapter`]; this module keeps what is specific to the account
//! systems, small and easy to move: the wording of system names ([`display`]) and Fastly's
//! [`limited_services`]. Every branch is tested through the engine in
//! `engine/account_tests.rs`.
//!
//! What the engine and the adapter give, per account system:
//! - expected: a person with an email whose config role is in `roles` expects that system role;
//!   every other person with an email expects `default`, when set. Emails compare
//!   case-insensitively; `ignore` emails are never reported.
//! - expected, no account: `missing` (medium; for Sentry, an invitation in any role counts);
//! - expected, another role (single-valued systems): `wrong_role`, high when the held role ranks
//!   above the expected one ([`crate::access::System::ranks`]) or either is unranked, else medium;
//! - held by an email not expected there, in a managed role: `unexpected_member` (high);
//! - Sentry invitations: `pending_invitation` (info; low when expired) / `unexpected_invitation`;
//! - Fastly: `limited_services` for an expected user with `limit_services: true`;
//! - Logit is multi-valued: each expected (email, team) not held is `missing`, each held row in a
//!   managed team that is not expected is `unexpected_member`; no `wrong_role`.

use crate::access::System;
use crate::config::Person;
use crate::finding::{Finding, Kind, Severity};

use super::Holding;

/// The display name of a system in messages.
pub fn display(system: System) -> &'static str {
    match system {
        System::Github => "GitHub",
        System::Aws => "AWS",
        System::Sentry => "Sentry",
        System::Fastly => "Fastly",
        System::Pagerduty => "PagerDuty",
        System::Signon => "Signon",
        System::Gcp => "the GCP group",
        System::Logit => "Logit",
    }
}

/// The line a person's findings point at: their role, else their email, else the entry.
fn person_line(person: &Person) -> usize {
    person
        .role
        .as_ref()
        .map(|r| r.pos.line)
        .or_else(|| person.email.as_ref().map(|e| e.pos.line))
        .unwrap_or(person.pos.line)
}

/// Fastly: an expected user limited to some services (the rules grant "Access all services").
pub fn limited_services(person: &Person, held: &Holding) -> Option<Finding> {
    if !held.limit_services {
        return None;
    }
    Some(Finding {
        system: Some(System::Fastly),
        resource: Some(held.role.clone()),
        name: Some(person.name.value.clone()),
        github_username: person.login().map(str::to_owned),
        email: person.email.as_ref().map(|e| e.value.clone()),
        declared_role: person.role().map(str::to_owned),
        in_config: true,
        line: Some(person_line(person)),
        fix: format!(
            "give {} \"Access all services\" in Fastly (untick \"limit services\")",
            held.email
        ),
        ..Finding::new(
            Kind::LimitedServices,
            Severity::Medium,
            format!(
                "{} ({}) is limited to some services in Fastly, but the access rules grant \
                 \"Access all services\"",
                person.name.value, held.email
            ),
        )
    })
}
