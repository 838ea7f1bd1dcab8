//! The account-system findings: pure, no I/O. (people, mapping section, holdings) -> findings for
//! one system, as the contract's "Account systems" part says.
//!
//! Expected: a person with an email whose config role is in `roles` expects that system role;
//! every other person with an email expects `default`, when set. Emails compare
//! case-insensitively; `ignore` emails are never reported.
//!
//! Single-valued systems (one account per email):
//! - expected, no account: `missing` (medium; for Sentry, no pending invitation either);
//! - expected, another role: `wrong_role` (high when the held role ranks above the expected one,
//!   see [`rank`], else medium);
//! - held by an email not expected there, in a managed role: `unexpected_member` (high);
//! - Sentry invitations: [`invitation`] (`pending_invitation` / `unexpected_invitation`);
//! - Fastly: [`limited_services`] for an expected user with `limit_services: true`.
//!
//! Logit is multi-valued ([`super::is_multi_valued`]): each expected (email, team) not held is
//! `missing`; each held row in a managed team that is not expected is `unexpected_member`; no
//! `wrong_role`.
//!
//! The system-specific parts ([`rank`], [`invitation`], [`limited_services`]) are small
//! functions, so the generic parts can move into the access model's adapter unchanged.

use std::collections::{BTreeMap, BTreeSet};

use crate::access::System;
use crate::config::Person;
use crate::finding::{Finding, Kind, Severity};

use super::{AccountMapping, Holding, is_multi_valued};

/// The rank of `role` in `system` by the contract's order ([`System::ranks`], lowest first;
/// case-insensitive); `None` for a role the contract does not rank.
pub fn rank(system: System, role: &str) -> Option<usize> {
    system
        .ranks()?
        .iter()
        .position(|r| r.eq_ignore_ascii_case(role.trim()))
}

/// The severity of holding `actual` where `expected` is due: high when `actual` ranks above
/// `expected`, or when either is unranked (an unknown role may be a powerful one: fail closed);
/// medium when it ranks below.
pub fn wrong_role_severity(system: System, expected: &str, actual: &str) -> Severity {
    match (rank(system, expected), rank(system, actual)) {
        (Some(e), Some(a)) if a < e => Severity::Medium,
        _ => Severity::High,
    }
}

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

fn same(a: &str, b: &str) -> bool {
    a.trim().eq_ignore_ascii_case(b.trim())
}

fn key(email: &str) -> String {
    email.trim().to_lowercase()
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

/// Why (and which role) a person is expected to hold in a system.
#[derive(Debug, Clone)]
struct Expected<'a> {
    person: &'a Person,
    email: &'a str,
    role: &'a str,
    /// "their role production_admin_access grants it" / "the default for everyone in the
    /// config"
    reason: String,
}

fn expected_role<'a>(mapping: &'a AccountMapping, person: &'a Person) -> Option<(&'a str, String)> {
    match person
        .role()
        .and_then(|r| mapping.roles.get(r).map(|s| (r, s)))
    {
        Some((config_role, system_role)) => Some((
            system_role.as_str(),
            format!("their role {config_role} grants it"),
        )),
        None => mapping.default.as_deref().map(|d| {
            (
                d,
                "it is the default for everyone in the config with an email".to_owned(),
            )
        }),
    }
}

struct Ctx<'a> {
    system: System,
    mapping: &'a AccountMapping,
    /// Lower-cased email -> person, for everyone in the config with an email.
    people: BTreeMap<String, &'a Person>,
}

impl Ctx<'_> {
    fn ignored(&self, email: &str) -> bool {
        self.mapping.ignore.iter().any(|i| same(i, email))
    }

    fn managed(&self, role: &str) -> bool {
        self.mapping
            .managed
            .as_ref()
            .is_none_or(|m| m.iter().any(|r| same(r, role)))
    }

    fn base(&self, kind: Kind, severity: Severity, resource: &str, message: String) -> Finding {
        Finding {
            system: Some(self.system),
            resource: Some(resource.to_owned()),
            ..Finding::new(kind, severity, message)
        }
    }

    /// A finding about a declared person.
    fn declared(
        &self,
        kind: Kind,
        severity: Severity,
        resource: &str,
        person: &Person,
        message: String,
    ) -> Finding {
        Finding {
            name: Some(person.name.value.clone()),
            github_username: person.login().map(str::to_owned),
            email: person.email.as_ref().map(|e| e.value.clone()),
            declared_role: person.role().map(str::to_owned),
            in_config: true,
            line: Some(person_line(person)),
            ..self.base(kind, severity, resource, message)
        }
    }

    /// A finding about a holder the config may or may not name.
    fn holder(
        &self,
        kind: Kind,
        severity: Severity,
        holding: &Holding,
        message: String,
    ) -> Finding {
        match self.people.get(&key(&holding.email)) {
            Some(person) => self.declared(kind, severity, &holding.role, person, message),
            None => Finding {
                email: Some(holding.email.clone()),
                ..self.base(kind, severity, &holding.role, message)
            },
        }
    }

    fn who(&self, email: &str) -> String {
        match self.people.get(&key(email)) {
            Some(p) => format!("{} ({email})", p.name.value),
            None => email.to_owned(),
        }
    }

    fn missing(&self, e: &Expected) -> Finding {
        let sys = display(self.system);
        let no_invite = if self.system == System::Sentry {
            " and no pending invitation"
        } else {
            ""
        };
        Finding {
            fix: format!(
                "give {} the {} role in {sys}, or change their entry in the config",
                e.email, e.role
            ),
            ..self.declared(
                Kind::Missing,
                Severity::Medium,
                e.role,
                e.person,
                format!(
                    "{} ({}) has no {} account in {sys}{no_invite}, but {}",
                    e.person.name.value, e.email, e.role, e.reason
                ),
            )
        }
    }

    fn wrong_role(&self, e: &Expected, held: &Holding) -> Finding {
        let sys = display(self.system);
        let severity = wrong_role_severity(self.system, e.role, &held.role);
        let direction = if severity == Severity::High {
            "more than"
        } else {
            "less than"
        };
        Finding {
            expected_role: Some(e.role.to_owned()),
            actual_role: Some(held.role.clone()),
            fix: format!(
                "change {}'s role in {sys} from {} to {}, or change their entry in the config",
                e.email, held.role, e.role
            ),
            ..self.declared(
                Kind::WrongRole,
                severity,
                &held.role,
                e.person,
                format!(
                    "{} ({}) holds {} in {sys}, {direction} the {} the config expects ({})",
                    e.person.name.value, e.email, held.role, e.role, e.reason
                ),
            )
        }
    }

    fn unexpected(&self, held: &Holding) -> Finding {
        let sys = display(self.system);
        let why = match self.people.get(&key(&held.email)) {
            Some(_) => "the config does not expect them there",
            None => "the email is not in the config",
        };
        Finding {
            fix: format!(
                "remove {} from {sys} (or from {}), or add them to the config with a role that \
                 grants it",
                held.email, held.role
            ),
            ..self.holder(
                Kind::UnexpectedMember,
                Severity::High,
                held,
                format!(
                    "{} holds {} in {sys}, but {why}",
                    self.who(&held.email),
                    held.role
                ),
            )
        }
    }
}

/// Sentry invitations: `pending_invitation` (info; low when expired) for an expected person,
/// `unexpected_invitation` (high) otherwise. `expected` is the role the config expects, if any.
pub fn invitation(
    system: System,
    held: &Holding,
    expected: Option<(&Person, &str)>,
    known: Option<&Person>,
) -> Finding {
    let sys = display(system);
    let state = if held.expired {
        "the invitation has expired"
    } else {
        "it has not been accepted yet"
    };
    let base = |kind, severity, message: String| Finding {
        system: Some(system),
        resource: Some(held.role.clone()),
        expired: Some(held.expired),
        ..Finding::new(kind, severity, message)
    };
    let declared = |f: Finding, person: &Person| Finding {
        name: Some(person.name.value.clone()),
        github_username: person.login().map(str::to_owned),
        email: person.email.as_ref().map(|e| e.value.clone()),
        declared_role: person.role().map(str::to_owned),
        in_config: true,
        line: Some(person_line(person)),
        ..f
    };
    match expected {
        Some((person, role)) => {
            let as_role = if same(role, &held.role) {
                String::new()
            } else {
                format!(" (the config expects {role})")
            };
            let (severity, fix) = if held.expired {
                (
                    Severity::Low,
                    format!(
                        "cancel the expired invitation and invite {} to {sys} again as {role}",
                        held.email
                    ),
                )
            } else {
                (
                    Severity::Info,
                    format!("ask {} to accept the invitation to {sys}", held.email),
                )
            };
            Finding {
                fix,
                ..declared(
                    base(
                        Kind::PendingInvitation,
                        severity,
                        format!(
                            "{} ({}) was invited to {sys} as {}{as_role}; {state}",
                            person.name.value, held.email, held.role
                        ),
                    ),
                    person,
                )
            }
        }
        None => {
            let f = base(
                Kind::UnexpectedInvitation,
                Severity::High,
                format!(
                    "{} has a pending invitation to {sys} as {}, but the config does not expect \
                     them there; {state}",
                    held.email, held.role
                ),
            );
            let f = Finding {
                fix: format!("cancel the invitation of {} to {sys}", held.email),
                ..f
            };
            match known {
                Some(person) => declared(f, person),
                None => Finding {
                    email: Some(held.email.clone()),
                    ..f
                },
            }
        }
    }
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

/// Compare one account system's holdings with the config. Only call this for a system read
/// whole: an unread system yields no findings. The result is unsorted (callers use
/// `finding::sort`).
pub fn account_findings(
    system: System,
    people: &[Person],
    mapping: &AccountMapping,
    held: &[Holding],
) -> Vec<Finding> {
    let people_by_email: BTreeMap<String, &Person> = people
        .iter()
        .filter_map(|p| p.email.as_ref().map(|e| (key(&e.value), p)))
        .collect();
    let ctx = Ctx {
        system,
        mapping,
        people: people_by_email,
    };
    let expected: BTreeMap<String, Expected> = people
        .iter()
        .filter_map(|p| {
            let email = p.email.as_ref()?.value.as_str();
            let (role, reason) = expected_role(mapping, p)?;
            Some((
                key(email),
                Expected {
                    person: p,
                    email,
                    role,
                    reason,
                },
            ))
        })
        .filter(|(k, _)| !ctx.ignored(k))
        .collect();
    if is_multi_valued(system) {
        multi_valued(&ctx, &expected, held)
    } else {
        single_valued(&ctx, &expected, held)
    }
}

fn single_valued(
    ctx: &Ctx,
    expected: &BTreeMap<String, Expected>,
    held: &[Holding],
) -> Vec<Finding> {
    // One account per email: when a system lists an email twice, the highest-ranked role counts
    // (fail closed), and an accepted account outranks an invitation.
    let mut accounts: BTreeMap<String, &Holding> = BTreeMap::new();
    for h in held {
        let k = key(&h.email);
        let replace = match accounts.get(&k) {
            None => true,
            Some(old) => {
                (old.pending && !h.pending)
                    || (old.pending == h.pending
                        && wrong_role_severity(ctx.system, &old.role, &h.role) == Severity::High
                        && !same(&old.role, &h.role))
            }
        };
        if replace {
            accounts.insert(k, h);
        }
    }
    let mut findings = Vec::new();
    for (k, e) in expected {
        match accounts.get(k) {
            None => findings.push(ctx.missing(e)),
            Some(h) if h.pending => {
                findings.push(invitation(ctx.system, h, Some((e.person, e.role)), None));
            }
            Some(h) => {
                if !same(&h.role, e.role) {
                    findings.push(ctx.wrong_role(e, h));
                }
                if ctx.system == System::Fastly
                    && let Some(f) = limited_services(e.person, h)
                {
                    findings.push(f);
                }
            }
        }
    }
    for (k, h) in &accounts {
        if expected.contains_key(k) || ctx.ignored(&h.email) || !ctx.managed(&h.role) {
            continue;
        }
        if h.pending {
            findings.push(invitation(ctx.system, h, None, ctx.people.get(k).copied()));
        } else {
            findings.push(ctx.unexpected(h));
        }
    }
    findings
}

fn multi_valued(
    ctx: &Ctx,
    expected: &BTreeMap<String, Expected>,
    held: &[Holding],
) -> Vec<Finding> {
    let rows: BTreeSet<(String, String)> = held
        .iter()
        .map(|h| (key(&h.email), h.role.trim().to_lowercase()))
        .collect();
    let mut findings = Vec::new();
    for (k, e) in expected {
        if !rows.contains(&(k.clone(), e.role.trim().to_lowercase())) {
            findings.push(ctx.missing(e));
        }
    }
    let mut reported = BTreeSet::new();
    for h in held {
        let k = key(&h.email);
        let is_expected = expected.get(&k).is_some_and(|e| same(e.role, &h.role));
        if is_expected || ctx.ignored(&h.email) || !ctx.managed(&h.role) {
            continue;
        }
        if reported.insert((k, h.role.trim().to_lowercase())) {
            findings.push(ctx.unexpected(h));
        }
    }
    findings
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::config::{Located, Pos};

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
    fn wrong_role_is_high_above_medium_below_and_high_when_unranked() {
        assert_eq!(
            wrong_role_severity(System::Sentry, "member", "admin"),
            Severity::High
        );
        assert_eq!(
            wrong_role_severity(System::Sentry, "admin", "member"),
            Severity::Medium
        );
        assert_eq!(
            wrong_role_severity(System::Sentry, "admin", "billing"),
            Severity::High
        );
        assert_eq!(
            wrong_role_severity(System::Fastly, "nobody", "user"),
            Severity::High
        );
    }

    #[test]
    fn matching_accounts_give_nothing_and_emails_ignore_case() {
        let people = [person("Ann", Some("Ann@Example.gov.uk"), Some(ADMIN), 1)];
        let held = [Holding::new("ann@example.GOV.UK", "Admin")];
        let f = account_findings(
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
        let f = account_findings(
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
        let f = account_findings(
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
        let f = account_findings(System::Signon, &people, &m, &held);
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
        let f = account_findings(
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
            f[0].message.contains("does not expect them"),
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
        let f = account_findings(System::Sentry, &people, &m, &held);
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
        assert!(account_findings(System::Sentry, &people, &m, &held).is_empty());
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
        let f = account_findings(
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
    fn an_accepted_account_outranks_an_invitation_and_the_higher_role_counts() {
        let people = [person("Ann", Some("ann@x"), Some(ADMIN), 1)];
        let held = [
            Holding {
                pending: true,
                ..Holding::new("ann@x", "admin")
            },
            Holding::new("ann@x", "member"),
            Holding::new("ann@x", "owner"),
        ];
        let f = account_findings(
            System::Sentry,
            &people,
            &mapping(&[(ADMIN, "admin")]),
            &held,
        );
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].kind, Kind::WrongRole);
        assert_eq!(f[0].actual_role.as_deref(), Some("owner"));
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
        let f = account_findings(
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
        let f = account_findings(
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
            Holding::new("ann@x", "gov.uk users"),
            Holding::new("ann@x", "GOV.UK Admins"),
            Holding::new("ann@x", "Sandbox"),
            Holding::new("zed@x", "GOV.UK Users"),
            Holding::new("zed@x", "GOV.UK Users"),
        ];
        let f = account_findings(System::Logit, &people, &m, &held);
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
        assert!(
            account_findings(System::Gcp, &people, &mapping(&[(ADMIN, "member")]), &[]).is_empty()
        );
    }
}
