//! The account systems' findings, every branch, through the engine: the drift engine over
//! `AccountAdapter` for one system's holdings (src/sources/accounts/).
#![allow(clippy::unwrap_used)]

use chrono::NaiveDate;

use crate::access::{Adapter, System};
use crate::config::{Config, Located, Person, Pos};
use crate::finding::{Finding, Kind, Severity};
use crate::sources::accounts::adapter::{AccountAdapter, holdings_read};
use crate::sources::accounts::{AccountMapping, Holding};

/// The findings of one account system holding `held`, read whole.
fn account_findings(
    system: System,
    config: &Config,
    mapping: &AccountMapping,
    held: &[Holding],
    today: NaiveDate,
) -> Vec<Finding> {
    let adapter = AccountAdapter::new(system, mapping);
    crate::drift::findings(&adapter, config, &holdings_read(system, held), today)
}

fn run(
    system: System,
    people: &[Person],
    mapping: &AccountMapping,
    held: &[Holding],
) -> Vec<Finding> {
    let config = Config {
        path: "govuk_tech.yml".into(),
        people: people.to_vec(),
    };
    let today = NaiveDate::from_ymd_opt(2026, 11, 28).unwrap();
    account_findings(system, &config, mapping, held, today)
}

fn rank(system: System, role: &str) -> Option<usize> {
    AccountAdapter::new(system, &AccountMapping::default()).rank(role)
}

fn person(name: &str, email: Option<&str>, role: Option<&str>, line: usize) -> Person {
    Person {
        email: email.map(|e| {
            Located::new(
                e.to_owned(),
                Pos {
                    line: line + 1,
                    col: 10,
                },
            )
        }),
        role: role.map(|r| {
            Located::new(
                r.to_owned(),
                Pos {
                    line: line + 2,
                    col: 9,
                },
            )
        }),
        ..Person::named(name, line)
    }
}

fn mapping(roles: &[(&str, &str)]) -> AccountMapping {
    AccountMapping {
        roles: roles
            .iter()
            .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
            .collect(),
        ..AccountMapping::default()
    }
}

fn kinds(findings: &[Finding]) -> Vec<(Kind, Severity, String)> {
    let mut out: Vec<_> = findings
        .iter()
        .map(|f| {
            (
                f.kind,
                f.severity,
                f.email.clone().unwrap_or_default().to_lowercase(),
            )
        })
        .collect();
    out.sort();
    out
}

const ADMIN: &str = "production_admin_access";
const DEPLOY: &str = "production_deploy_access";

#[test]
fn ranks_follow_the_contract() {
    assert!(rank(System::Sentry, "owner") > rank(System::Sentry, "admin"));
    assert!(rank(System::Fastly, "superuser") > rank(System::Fastly, "engineer"));
    assert!(rank(System::Pagerduty, "observer") > rank(System::Pagerduty, "read_only_user"));
    assert!(rank(System::Pagerduty, "user") > rank(System::Pagerduty, "restricted_access"));
    assert!(rank(System::Signon, "superadmin") > rank(System::Signon, "Admin"));
    assert!(
        rank(System::Signon, "Super organisation admin")
            > rank(System::Signon, "Organisation admin")
    );
    assert!(rank(System::Gcp, "owner") > rank(System::Gcp, "manager"));
    assert_eq!(rank(System::Logit, "GOV.UK Users"), None);
    assert_eq!(rank(System::Sentry, "billing"), None);
}

#[test]
fn an_unranked_role_held_is_a_high_wrong_role() {
    let people = [person("Ann", Some("ann@x"), Some(ADMIN), 1)];
    let held = [Holding::new("ann@x", "billing")];
    let f = run(
        System::Sentry,
        &people,
        &mapping(&[(ADMIN, "admin")]),
        &held,
    );
    assert_eq!(
        kinds(&f),
        vec![(Kind::WrongRole, Severity::High, "ann@x".into())]
    );
}

#[test]
fn matching_accounts_give_nothing_and_emails_ignore_case() {
    let people = [person("Ann", Some("Ann@Example.gov.uk"), Some(ADMIN), 1)];
    let held = [Holding::new("ann@example.GOV.UK", "Admin")];
    let f = run(
        System::Sentry,
        &people,
        &mapping(&[(ADMIN, "admin")]),
        &held,
    );
    assert!(f.is_empty(), "{f:?}");
}

#[test]
fn missing_when_expected_and_absent() {
    let people = [person("Ann", Some("ann@x"), Some(ADMIN), 4)];
    let f = run(
        System::Pagerduty,
        &people,
        &mapping(&[(ADMIN, "user")]),
        &[],
    );
    assert_eq!(f.len(), 1);
    let m = &f[0];
    assert_eq!((m.kind, m.severity), (Kind::Missing, Severity::Medium));
    assert_eq!(m.system, Some(System::Pagerduty));
    assert_eq!(
        m.resource.as_deref(),
        Some("user"),
        "missing: the expected role"
    );
    assert_eq!(m.email.as_deref(), Some("ann@x"));
    assert_eq!(m.line, Some(6), "the role's line");
    assert!(m.in_config);
    assert!(
        m.message.contains("production_admin_access grants it"),
        "{}",
        m.message
    );
}

#[test]
fn wrong_role_carries_both_roles_and_the_actual_one_as_resource() {
    let people = [
        person("Ann", Some("ann@x"), Some(ADMIN), 1),
        person("Bob", Some("bob@x"), Some(ADMIN), 10),
    ];
    let held = [
        Holding::new("ann@x", "owner"),
        Holding::new("bob@x", "member"),
    ];
    let f = run(
        System::Sentry,
        &people,
        &mapping(&[(ADMIN, "admin")]),
        &held,
    );
    let ann = f
        .iter()
        .find(|f| f.email.as_deref() == Some("ann@x"))
        .unwrap();
    assert_eq!((ann.kind, ann.severity), (Kind::WrongRole, Severity::High));
    assert_eq!(ann.expected_role.as_deref(), Some("admin"));
    assert_eq!(ann.actual_role.as_deref(), Some("owner"));
    assert_eq!(ann.resource.as_deref(), Some("owner"));
    let bob = f
        .iter()
        .find(|f| f.email.as_deref() == Some("bob@x"))
        .unwrap();
    assert_eq!(
        (bob.kind, bob.severity),
        (Kind::WrongRole, Severity::Medium)
    );
    assert!(bob.message.contains("less than"), "{}", bob.message);
}

#[test]
fn unexpected_member_only_in_managed_roles() {
    let people = [person("Cat", Some("cat@x"), Some(DEPLOY), 1)];
    let mut m = mapping(&[(ADMIN, "Superadmin"), (DEPLOY, "Normal")]);
    m.managed = Some(vec!["Superadmin".into(), "Admin".into()]);
    let held = [
        Holding::new("stranger@x", "Superadmin"),
        Holding::new("visitor@x", "Normal"),
        Holding::new("cat@x", "Normal"),
    ];
    let f = run(System::Signon, &people, &m, &held);
    assert_eq!(
        kinds(&f),
        vec![(Kind::UnexpectedMember, Severity::High, "stranger@x".into())]
    );
    assert!(!f[0].in_config);
    assert_eq!(f[0].resource.as_deref(), Some("Superadmin"));
    assert!(
        f[0].message.contains("not in the config"),
        "{}",
        f[0].message
    );
}

#[test]
fn without_managed_every_role_is_managed_and_a_known_person_is_named() {
    // Dan is in the config but expected nowhere in PagerDuty (no role maps, no default).
    let people = [person("Dan", Some("dan@x"), Some(DEPLOY), 7)];
    let held = [Holding::new("DAN@x", "observer")];
    let f = run(
        System::Pagerduty,
        &people,
        &mapping(&[(ADMIN, "user")]),
        &held,
    );
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].kind, Kind::UnexpectedMember);
    assert_eq!(f[0].name.as_deref(), Some("Dan"));
    assert!(f[0].in_config);
    assert_eq!(
        f[0].email.as_deref(),
        Some("dan@x"),
        "the config's spelling"
    );
    assert!(
        f[0].message.contains(
            "Dan (dan@x) holds observer in PagerDuty, but their role \
                 production_deploy_access does not grant it"
        ),
        "{}",
        f[0].message
    );
}

#[test]
fn default_applies_to_everyone_else_with_an_email() {
    let people = [
        person("Ann", Some("ann@x"), Some(ADMIN), 1),
        person("Eve", Some("eve@x"), Some(DEPLOY), 10),
        person("Fay", Some("fay@x"), None, 20),
        person("Gus", None, Some(DEPLOY), 30),
    ];
    let mut m = mapping(&[(ADMIN, "admin")]);
    m.default = Some("member".into());
    let held = [
        Holding::new("ann@x", "admin"),
        Holding::new("eve@x", "member"),
    ];
    let f = run(System::Sentry, &people, &m, &held);
    assert_eq!(
        kinds(&f),
        vec![(Kind::Missing, Severity::Medium, "fay@x".into())]
    );
    assert_eq!(f[0].resource.as_deref(), Some("member"));
    assert!(f[0].message.contains("default"), "{}", f[0].message);
}

#[test]
fn ignored_emails_are_never_reported() {
    let people = [person("Ann", Some("ann@x"), Some(ADMIN), 1)];
    let mut m = mapping(&[(ADMIN, "admin")]);
    m.ignore = vec!["ANN@x".into(), "bot@x".into()];
    let held = [Holding::new("bot@x", "owner")];
    assert!(run(System::Sentry, &people, &m, &held).is_empty());
}

#[test]
fn sentry_invitations_pending_expired_and_unexpected() {
    let people = [
        person("Ann", Some("ann@x"), Some(ADMIN), 1),
        person("Bob", Some("bob@x"), Some(ADMIN), 10),
        person("Dan", Some("dan@x"), Some(DEPLOY), 20),
    ];
    let invite = |email: &str, role: &str, expired: bool| Holding {
        pending: true,
        expired,
        ..Holding::new(email, role)
    };
    let held = [
        invite("ann@x", "admin", false),
        invite("bob@x", "member", true),
        invite("dan@x", "member", false),
        invite("zed@x", "owner", true),
    ];
    let f = run(
        System::Sentry,
        &people,
        &mapping(&[(ADMIN, "admin")]),
        &held,
    );
    assert_eq!(
        kinds(&f),
        vec![
            (Kind::PendingInvitation, Severity::Info, "ann@x".into()),
            (Kind::PendingInvitation, Severity::Low, "bob@x".into()),
            (Kind::UnexpectedInvitation, Severity::High, "dan@x".into()),
            (Kind::UnexpectedInvitation, Severity::High, "zed@x".into()),
        ]
    );
    let bob = f
        .iter()
        .find(|f| f.email.as_deref() == Some("bob@x"))
        .unwrap();
    assert_eq!(bob.expired, Some(true));
    assert!(bob.message.contains("expects admin"), "{}", bob.message);
    assert!(
        bob.fix.contains("invite bob@x to Sentry again"),
        "{}",
        bob.fix
    );
    let dan = f
        .iter()
        .find(|f| f.email.as_deref() == Some("dan@x"))
        .unwrap();
    assert_eq!(dan.name.as_deref(), Some("Dan"));
}

#[test]
fn fastly_limited_services_for_expected_users_only() {
    let people = [
        person("Ann", Some("ann@x"), Some(ADMIN), 1),
        person("Bob", Some("bob@x"), Some(ADMIN), 10),
    ];
    let limited = |email: &str, role: &str| Holding {
        limit_services: true,
        ..Holding::new(email, role)
    };
    let held = [
        limited("ann@x", "engineer"),
        limited("bob@x", "superuser"),
        limited("zed@x", "user"),
    ];
    let f = run(
        System::Fastly,
        &people,
        &mapping(&[(ADMIN, "engineer")]),
        &held,
    );
    assert_eq!(
        kinds(&f),
        vec![
            (Kind::UnexpectedMember, Severity::High, "zed@x".into()),
            (Kind::WrongRole, Severity::High, "bob@x".into()),
            (Kind::LimitedServices, Severity::Medium, "ann@x".into()),
            (Kind::LimitedServices, Severity::Medium, "bob@x".into()),
        ]
    );
    // Other systems ignore the flag.
    let f = run(
        System::Sentry,
        &people[..1],
        &mapping(&[(ADMIN, "engineer")]),
        &held[..1],
    );
    assert!(f.is_empty(), "{f:?}");
}

#[test]
fn logit_rows_are_multi_valued() {
    let people = [
        person("Ann", Some("ann@x"), Some(DEPLOY), 1),
        person("Bob", Some("bob@x"), Some(DEPLOY), 10),
    ];
    let mut m = mapping(&[(DEPLOY, "GOV.UK Users")]);
    m.managed = Some(vec!["GOV.UK Users".into(), "GOV.UK Admins".into()]);
    let held = [
        Holding::new("ann@x", "GOV.UK Users"),
        Holding::new("ann@x", "GOV.UK Admins"),
        Holding::new("ann@x", "Sandbox"),
        Holding::new("zed@x", "GOV.UK Users"),
        Holding::new("zed@x", "GOV.UK Users"),
    ];
    let f = run(System::Logit, &people, &m, &held);
    assert_eq!(
        kinds(&f),
        vec![
            (Kind::Missing, Severity::Medium, "bob@x".into()),
            (Kind::UnexpectedMember, Severity::High, "ann@x".into()),
            (Kind::UnexpectedMember, Severity::High, "zed@x".into()),
        ]
    );
    let ann = f
        .iter()
        .find(|f| f.email.as_deref() == Some("ann@x"))
        .unwrap();
    assert_eq!(ann.resource.as_deref(), Some("GOV.UK Admins"));
    assert!(f.iter().all(|f| f.kind != Kind::WrongRole));
}

#[test]
fn people_without_email_are_not_expected() {
    let people = [person("Gus", None, Some(ADMIN), 1)];
    assert!(run(System::Gcp, &people, &mapping(&[(ADMIN, "member")]), &[]).is_empty());
}
