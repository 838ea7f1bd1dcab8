//! The drift engine: pure, no I/O, and blind to which system it compares. For one system:
//! (adapter, config, read) -> findings.
//!
//! Per resource whose scope was read whole: every expected grant is held (fine), pending
//! (`pending_invitation`: info, low when expired; in a single-valued system also an invitation
//! to another resource) or neither (`missing`, or `wrong_role` in a single-valued system when the
//! person holds another resource there); every grant held in a
//! managed resource and not expected is `unexpected_member`, every pending one
//! `unexpected_invitation`. Holders compare case-insensitively; ignored holders are never
//! reported. Scopes not read whole yield no findings.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::NaiveDate;

use crate::access::{Adapter, Event, Expected, Grant, Identity, SystemRead};
use crate::config::{Config, Person};
use crate::finding::{Finding, Kind, Severity};

/// Compare what the config expects of one system with what was read from it. Policy findings
/// are not included (see `policy::check`). The result is in resource order, then by holder;
/// callers sort with `finding::sort`.
pub fn findings(
    adapter: &dyn Adapter,
    config: &Config,
    read: &SystemRead,
    today: NaiveDate,
) -> Vec<Finding> {
    let system = adapter.system();
    let whole = |resource: &str| read.read_whole.contains(&adapter.scope_of(resource));
    let identity = |p: &Person| -> Option<String> {
        match system.identity() {
            Identity::Login => p.login().map(str::to_owned),
            Identity::Email => p.email.as_ref().map(|e| e.value.clone()),
        }
    };
    let people: HashMap<String, &Person> = config
        .people
        .iter()
        .filter_map(|p| identity(p).map(|id| (id.to_lowercase(), p)))
        .collect();

    // resource -> lower-cased holder -> what.
    let mut expected: BTreeMap<&str, BTreeMap<String, &Expected>> = BTreeMap::new();
    let all_expected = adapter.expected(config);
    for e in &all_expected {
        if whole(&e.resource) && !adapter.is_ignored(&e.holder) {
            expected
                .entry(&e.resource)
                .or_default()
                .insert(e.holder.to_lowercase(), e);
        }
    }
    let mut held: BTreeMap<&str, BTreeMap<String, &Grant>> = BTreeMap::new();
    let mut pending: BTreeMap<&str, BTreeMap<String, &Grant>> = BTreeMap::new();
    for g in read.grants.iter().filter(|g| whole(&g.resource)) {
        let index = if g.pending.is_some() {
            &mut pending
        } else {
            &mut held
        };
        let by_holder = index.entry(&g.resource).or_default();
        let key = g.holder.to_lowercase();
        match by_holder.get(&key) {
            Some(old) if !adapter.prefer(old, g) => {}
            _ => {
                by_holder.insert(key, g);
            }
        }
    }
    let is_expected = |resource: &str, holder: &str| {
        expected
            .get(resource)
            .is_some_and(|by| by.contains_key(holder))
    };

    // Single-valued systems: an expected role not held, and another role held, is one wrong_role
    // (reported at the expected role, and the role held is then not also unexpected).
    let mut wrong: BTreeMap<(String, String), &Grant> = BTreeMap::new();
    if adapter.single_valued() {
        for (resource, by_holder) in &expected {
            for holder in by_holder.keys() {
                let holds_it = held.get(resource).is_some_and(|h| h.contains_key(holder));
                let invited = pending
                    .get(resource)
                    .is_some_and(|h| h.contains_key(holder));
                if holds_it || invited {
                    continue;
                }
                let other = held
                    .iter()
                    .filter(|(r, _)| !is_expected(r, holder))
                    .find_map(|(_, h)| h.get(holder));
                if let Some(g) = other {
                    wrong.insert(((*resource).to_owned(), holder.clone()), g);
                }
            }
        }
    }
    let wrong_held: BTreeSet<(String, String)> = wrong
        .values()
        .map(|g| (g.resource.clone(), g.holder.to_lowercase()))
        .collect();
    // Single-valued systems: an expected person invited in another role (and holding none) is
    // still invited, never `missing` (the contract: "no pending invitation either"); that
    // invitation is then reported as theirs, not as unexpected.
    let mut invited_elsewhere: BTreeMap<(String, String), &Grant> = BTreeMap::new();
    if adapter.single_valued() {
        for (resource, by_holder) in &expected {
            for holder in by_holder.keys() {
                let here = |index: &BTreeMap<&str, BTreeMap<String, &Grant>>| {
                    index.get(resource).is_some_and(|h| h.contains_key(holder))
                };
                if here(&held)
                    || here(&pending)
                    || wrong.contains_key(&((*resource).to_owned(), holder.clone()))
                {
                    continue;
                }
                let other = pending
                    .iter()
                    .filter(|(r, _)| !is_expected(r, holder))
                    .find_map(|(_, h)| h.get(holder));
                if let Some(g) = other {
                    invited_elsewhere.insert(((*resource).to_owned(), holder.clone()), g);
                }
            }
        }
    }
    let invited_held: BTreeSet<(String, String)> = invited_elsewhere
        .values()
        .map(|g| (g.resource.clone(), g.holder.to_lowercase()))
        .collect();

    let ctx = Ctx {
        adapter,
        system,
        config,
    };
    let mut out = Vec::new();
    let resources: BTreeSet<&str> = expected
        .keys()
        .chain(held.keys())
        .chain(pending.keys())
        .copied()
        .collect();
    let (no_expected, no_grants) = (BTreeMap::new(), BTreeMap::new());
    for resource in resources {
        let exp = expected.get(resource).unwrap_or(&no_expected);
        let members = held.get(resource).unwrap_or(&no_grants);
        let invitations = pending.get(resource).unwrap_or(&no_grants);
        for (holder, e) in exp {
            if members.contains_key(holder) {
                continue;
            }
            let person = &config.people[e.person];
            let invitation = invitations
                .get(holder)
                .or_else(|| invited_elsewhere.get(&(resource.to_owned(), holder.clone())));
            if let Some(inv) = invitation {
                let expired = inv
                    .pending
                    .as_ref()
                    .is_some_and(|p| adapter.pending_expired(p, today));
                let severity = if expired {
                    Severity::Low
                } else {
                    Severity::Info
                };
                let mut f = ctx.base(
                    Kind::PendingInvitation,
                    severity,
                    resource,
                    Some(person),
                    &inv.holder,
                );
                f.invited_at = inv.pending.and_then(|p| p.sent);
                f.expired = Some(expired);
                ctx.word(
                    &Event::Pending {
                        person,
                        expected: e,
                        grant: inv,
                        expired,
                    },
                    f,
                    &mut out,
                );
            } else if let Some(g) = wrong.get(&(resource.to_owned(), holder.clone())) {
                let severity = match (adapter.rank(&g.resource), adapter.rank(resource)) {
                    (Some(actual), Some(wanted)) if actual <= wanted => Severity::Medium,
                    _ => Severity::High,
                };
                let mut f = ctx.base(
                    Kind::WrongRole,
                    severity,
                    &g.resource,
                    Some(person),
                    &g.holder,
                );
                f.expected_role = Some(resource.to_owned());
                f.actual_role = Some(g.resource.clone());
                ctx.word(
                    &Event::WrongRole {
                        person,
                        expected: e,
                        grant: g,
                    },
                    f,
                    &mut out,
                );
            } else {
                let f = ctx.base(
                    Kind::Missing,
                    Severity::Medium,
                    resource,
                    Some(person),
                    &e.holder,
                );
                ctx.word(
                    &Event::Missing {
                        person,
                        expected: e,
                    },
                    f,
                    &mut out,
                );
            }
        }
        if !adapter.is_managed(resource) {
            continue;
        }
        for (holder, g) in members {
            if exp.contains_key(holder)
                || adapter.is_ignored(holder)
                || wrong_held.contains(&(resource.to_owned(), holder.clone()))
            {
                continue;
            }
            let person = people.get(holder).copied();
            let f = ctx.base(
                Kind::UnexpectedMember,
                Severity::High,
                resource,
                person,
                &g.holder,
            );
            ctx.word(&Event::UnexpectedMember { grant: g, person }, f, &mut out);
        }
        for (holder, g) in invitations {
            if exp.contains_key(holder)
                || members.contains_key(holder)
                || adapter.is_ignored(holder)
                || invited_held.contains(&(resource.to_owned(), holder.clone()))
            {
                continue;
            }
            let person = people.get(holder).copied();
            let expired = g
                .pending
                .as_ref()
                .is_some_and(|p| adapter.pending_expired(p, today));
            let mut f = ctx.base(
                Kind::UnexpectedInvitation,
                Severity::High,
                resource,
                person,
                &g.holder,
            );
            f.invited_at = g.pending.and_then(|p| p.sent);
            f.expired = Some(expired);
            ctx.word(
                &Event::UnexpectedInvitation {
                    grant: g,
                    person,
                    expired,
                },
                f,
                &mut out,
            );
        }
    }
    out.extend(adapter.extra_findings(config, read, today));
    out
}

struct Ctx<'a> {
    adapter: &'a dyn Adapter,
    system: crate::access::System,
    config: &'a Config,
}

impl Ctx<'_> {
    /// A finding with the generic fields set: who (the config's spelling when the holder is
    /// declared, else the system's), the system and the resource.
    fn base(
        &self,
        kind: Kind,
        severity: Severity,
        resource: &str,
        person: Option<&Person>,
        holder: &str,
    ) -> Finding {
        let _ = self.config;
        let mut f = Finding::new(kind, severity, String::new());
        f.system = Some(self.system);
        f.resource = Some(resource.to_owned());
        match person {
            Some(p) => {
                f.name = Some(p.name.value.clone());
                f.github_username = p.login().map(str::to_owned);
                f.email = p.email.as_ref().map(|e| e.value.clone());
                f.declared_role = p.role().map(str::to_owned);
                f.in_config = true;
                f.line = Some(person_line(p, self.system.identity()));
            }
            None => match self.system.identity() {
                Identity::Login => f.github_username = Some(holder.to_owned()),
                Identity::Email => f.email = Some(holder.to_owned()),
            },
        }
        f
    }

    fn word(&self, event: &Event<'_>, mut f: Finding, out: &mut Vec<Finding>) {
        self.adapter.describe(event, &mut f);
        out.push(f);
    }
}

/// The config line a finding about a declared person points at: the role line when there is a
/// role, else the line of the system's identity field, else the entry.
fn person_line(person: &Person, identity: Identity) -> usize {
    let id = match identity {
        Identity::Login => person.github_username.as_ref().map(|g| g.pos.line),
        Identity::Email => person.email.as_ref().map(|e| e.pos.line),
    };
    person
        .role
        .as_ref()
        .map(|r| r.pos.line)
        .or(id)
        .unwrap_or(person.pos.line)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use chrono::{TimeZone, Utc};

    use super::*;
    use crate::config::Mapping;
    use crate::policy::tests::{compliant, today};
    use crate::sources::github::adapter::{GithubAdapter, system_read};
    use crate::sources::github::{
        Invitation, Member, MemberRole, MembershipRead, TeamError, TeamMembership,
    };

    /// v1's entry point, through the neutral model: the GitHub adapter and the generic engine,
    /// with completeness normalised as the pipeline does.
    fn membership_findings(
        config: &Config,
        mapping: &Mapping,
        read: &MembershipRead,
        today: NaiveDate,
    ) -> Vec<Finding> {
        let adapter = GithubAdapter::new(mapping.github.as_ref().unwrap());
        let mut read = system_read(read.clone());
        crate::access::normalise(&adapter, &mut read);
        findings(&adapter, config, &read, today)
    }

    const EVERYONE: &str = "gov-uk";
    const DEPLOY: &str = "gov-uk-production-deploy";
    const ADMIN: &str = "gov-uk-production-admin";

    fn config(people: Vec<Person>) -> Config {
        Config {
            path: "govuk_tech.yml".to_owned(),
            people,
        }
    }

    fn member(login: &str) -> Member {
        Member {
            login: login.to_owned(),
            role: MemberRole::Member,
            via_team: None,
        }
    }

    fn invite(login: &str, y: i32, m: u32, d: u32, h: u32) -> Invitation {
        Invitation {
            login: login.to_owned(),
            created_at: Utc.with_ymd_and_hms(y, m, d, h, 0, 0).unwrap(),
        }
    }

    /// A read where every managed team exists with the given members.
    fn read(teams: &[(&str, Vec<Member>, Vec<Invitation>)]) -> MembershipRead {
        let mut read = MembershipRead {
            org: "alphagov".to_owned(),
            ..MembershipRead::default()
        };
        for (team, members, invitations) in teams {
            read.teams.insert(
                (*team).to_owned(),
                TeamMembership {
                    members: members.clone(),
                    invitations: invitations.clone(),
                },
            );
        }
        read
    }

    fn deploy(name: &str, login: &str, line: usize) -> Person {
        compliant(name, login, Some("production_deploy_access"), line)
    }

    fn admin(name: &str, login: &str, line: usize) -> Person {
        compliant(name, login, Some("production_admin_access"), line)
    }

    fn kinds(findings: &[Finding]) -> Vec<(&'static str, String, String)> {
        findings
            .iter()
            .map(|f| {
                (
                    f.kind.as_str(),
                    f.team.clone().unwrap_or_default(),
                    f.github_username.clone().unwrap_or_default(),
                )
            })
            .collect()
    }

    fn k(kind: &'static str, team: &str, login: &str) -> (&'static str, String, String) {
        (kind, team.to_owned(), login.to_owned())
    }

    #[test]
    fn agreement_gives_no_findings() {
        let cfg = config(vec![deploy("Dee", "dee", 1), admin("Ada", "ada", 10)]);
        let r = read(&[
            (EVERYONE, vec![member("dee"), member("ada")], vec![]),
            (DEPLOY, vec![member("dee")], vec![]),
            (ADMIN, vec![member("ada")], vec![]),
        ]);
        assert!(membership_findings(&cfg, &Mapping::builtin(), &r, today()).is_empty());
    }

    #[test]
    fn missing_from_role_team_and_everyone_team() {
        let no_role = compliant("Nora", "nora", None, 20);
        let cfg = config(vec![deploy("Dee", "dee", 1), no_role]);
        let r = read(&[
            (EVERYONE, vec![member("dee")], vec![]),
            (DEPLOY, vec![], vec![]),
            (ADMIN, vec![], vec![]),
        ]);
        let f = membership_findings(&cfg, &Mapping::builtin(), &r, today());
        assert_eq!(
            kinds(&f),
            [k("missing", EVERYONE, "nora"), k("missing", DEPLOY, "dee")]
        );
        assert_eq!(f[0].severity, Severity::Medium);
        assert!(
            f[0].message.contains("every person with a github_username"),
            "{}",
            f[0].message
        );
        assert!(
            f[1].message
                .contains("role production_deploy_access grants it")
        );
        assert_eq!(f[1].line, Some(3), "points at the role line");
        assert_eq!(
            f[0].line,
            Some(21),
            "no role: points at the github_username line"
        );
        assert!(f.iter().all(|f| f.in_config && !f.fix.is_empty()));
    }

    #[test]
    fn people_without_a_login_are_expected_nowhere() {
        let mut p = deploy("Nolan", "x", 1);
        p.github_username = None;
        let cfg = config(vec![p]);
        let r = read(&[
            (EVERYONE, vec![], vec![]),
            (DEPLOY, vec![], vec![]),
            (ADMIN, vec![], vec![]),
        ]);
        assert!(membership_findings(&cfg, &Mapping::builtin(), &r, today()).is_empty());
    }

    #[test]
    fn logins_compare_case_insensitively() {
        let cfg = config(vec![deploy("Kay", "KJonson", 1)]);
        let r = read(&[
            (EVERYONE, vec![member("kjonson")], vec![]),
            (DEPLOY, vec![member("KJONSON")], vec![]),
            (ADMIN, vec![], vec![invite("kJonSon", 2026, 11, 27, 9)]),
        ]);
        let f = membership_findings(&cfg, &Mapping::builtin(), &r, today());
        assert_eq!(kinds(&f), [k("unexpected_invitation", ADMIN, "KJonson")]);
    }

    #[test]
    fn ignored_logins_never_produce_a_finding() {
        let cfg = config(vec![]);
        let r = read(&[
            (EVERYONE, vec![member("GovUK-CI")], vec![]),
            (DEPLOY, vec![member("govuk-ci")], vec![]),
            (ADMIN, vec![], vec![invite("govuk-ci", 2026, 11, 1, 0)]),
        ]);
        assert!(membership_findings(&cfg, &Mapping::builtin(), &r, today()).is_empty());
        // Even when the bot is declared with a role and missing from its team.
        let bot = Person {
            name: crate::config::Located::new("CI bot".to_owned(), Default::default()),
            ..deploy("CI bot", "govuk-ci", 1)
        };
        let r = read(&[
            (EVERYONE, vec![], vec![]),
            (DEPLOY, vec![], vec![]),
            (ADMIN, vec![], vec![]),
        ]);
        assert!(
            membership_findings(&config(vec![bot]), &Mapping::builtin(), &r, today()).is_empty()
        );
    }

    #[test]
    fn unexpected_members_say_who_they_are() {
        let no_role = compliant("Nora", "nora", None, 20);
        let cfg = config(vec![deploy("Dee", "dee", 1), no_role]);
        let maintainer = Member {
            role: MemberRole::Maintainer,
            ..member("stranger")
        };
        let r = read(&[
            (
                EVERYONE,
                vec![member("dee"), member("nora"), member("stranger")],
                vec![],
            ),
            (DEPLOY, vec![member("dee"), member("nora")], vec![]),
            (ADMIN, vec![maintainer], vec![]),
        ]);
        let f = membership_findings(&cfg, &Mapping::builtin(), &r, today());
        assert_eq!(
            kinds(&f),
            [
                k("unexpected_member", EVERYONE, "stranger"),
                k("unexpected_member", ADMIN, "stranger"),
                k("unexpected_member", DEPLOY, "nora"),
            ]
        );
        let stranger = &f[1];
        assert_eq!(stranger.severity, Severity::High);
        assert!(!stranger.in_config && stranger.name.is_none() && stranger.line.is_none());
        assert!(stranger.maintainer);
        assert!(
            stranger.message.contains("a maintainer"),
            "{}",
            stranger.message
        );
        assert!(stranger.message.contains("not in the config"));
        let nora = &f[2];
        assert!(nora.in_config && nora.declared_role.is_none());
        assert!(nora.message.contains("no role"), "{}", nora.message);
    }

    #[test]
    fn child_team_members_carry_via_team() {
        let cfg = config(vec![admin("Ada", "ada", 1)]);
        let via = |login: &str| Member {
            via_team: Some("platform-reliability".to_owned()),
            ..member(login)
        };
        let r = read(&[
            (EVERYONE, vec![member("ada")], vec![]),
            (DEPLOY, vec![], vec![]),
            (ADMIN, vec![via("ada"), via("eve")], vec![]),
        ]);
        let f = membership_findings(&cfg, &Mapping::builtin(), &r, today());
        // ada is expected there, so a child-team membership counts; eve is not.
        assert_eq!(kinds(&f), [k("unexpected_member", ADMIN, "eve")]);
        assert_eq!(f[0].via_team.as_deref(), Some("platform-reliability"));
        assert!(
            f[0].message
                .contains("through child team platform-reliability")
        );
        assert!(f[0].fix.contains("child team platform-reliability"));
    }

    #[test]
    fn a_direct_membership_wins_over_a_child_team_one() {
        let cfg = config(vec![]);
        let r = read(&[
            (EVERYONE, vec![], vec![]),
            (DEPLOY, vec![], vec![]),
            (
                ADMIN,
                vec![
                    Member {
                        via_team: Some("child".to_owned()),
                        ..member("eve")
                    },
                    member("EVE"),
                ],
                vec![],
            ),
        ]);
        let f = membership_findings(&cfg, &Mapping::builtin(), &r, today());
        assert_eq!(f.len(), 1, "one finding per login per team");
        assert_eq!(f[0].via_team, None);
        assert_eq!(f[0].github_username.as_deref(), Some("EVE"));
    }

    #[test]
    fn pending_invitations_expire_after_seven_calendar_days() {
        let cfg = config(vec![deploy("Dee", "dee", 1)]);
        let at = |inv: Invitation| {
            let r = read(&[
                (EVERYONE, vec![member("dee")], vec![]),
                (DEPLOY, vec![], vec![inv]),
                (ADMIN, vec![], vec![]),
            ]);
            let f = membership_findings(&cfg, &Mapping::builtin(), &r, today());
            assert_eq!(kinds(&f), [k("pending_invitation", DEPLOY, "dee")]);
            f.into_iter().next().unwrap()
        };
        // today is 2026-11-28: sent on the 21st (any time of day) is 7 days old: not expired.
        let fresh = at(invite("dee", 2026, 11, 21, 23));
        assert_eq!(
            (fresh.expired, fresh.severity),
            (Some(false), Severity::Info)
        );
        assert!(fresh.message.contains("2026-11-21"));
        let fresh = at(invite("dee", 2026, 11, 21, 0));
        assert_eq!(fresh.expired, Some(false));
        // Sent on the 20th, even a minute before midnight UTC: 8 days: expired.
        let old = at(Invitation {
            login: "dee".to_owned(),
            created_at: Utc.with_ymd_and_hms(2026, 11, 20, 23, 59, 0).unwrap(),
        });
        assert_eq!((old.expired, old.severity), (Some(true), Severity::Low));
        assert!(old.message.contains("expired"));
        assert!(old.fix.contains("again"));
    }

    #[test]
    fn unexpected_invitations_are_high() {
        let cfg = config(vec![deploy("Dee", "dee", 1)]);
        let r = read(&[
            (EVERYONE, vec![member("dee")], vec![]),
            (DEPLOY, vec![member("dee")], vec![]),
            (
                ADMIN,
                vec![],
                vec![
                    invite("dee", 2026, 11, 27, 0),
                    invite("newbie", 2026, 11, 1, 0),
                ],
            ),
        ]);
        let f = membership_findings(&cfg, &Mapping::builtin(), &r, today());
        assert_eq!(
            kinds(&f),
            [
                k("unexpected_invitation", ADMIN, "dee"),
                k("unexpected_invitation", ADMIN, "newbie")
            ]
        );
        assert!(f.iter().all(|f| f.severity == Severity::High));
        assert!(
            f[0].in_config
                && f[0]
                    .message
                    .contains("their role production_deploy_access does not grant it")
        );
        assert!(!f[1].in_config && f[1].message.contains("not in the config"));
        assert_eq!(f[1].expired, Some(true));
    }

    #[test]
    fn deploy_person_in_admin_team_is_a_role_mismatch() {
        let cfg = config(vec![deploy("Dee", "dee", 1)]);
        let r = read(&[
            (EVERYONE, vec![member("dee")], vec![]),
            (DEPLOY, vec![], vec![]),
            (ADMIN, vec![member("dee")], vec![]),
        ]);
        let f = membership_findings(&cfg, &Mapping::builtin(), &r, today());
        assert_eq!(
            kinds(&f),
            [
                k("unexpected_member", ADMIN, "dee"),
                k("missing", DEPLOY, "dee")
            ]
        );
        assert!(
            f[0].message
                .contains("their role production_deploy_access does not grant it")
        );
        assert!(f.iter().all(|f| f.person_key() == "dee"));
    }

    #[test]
    fn platformengineer_and_admin_share_a_team() {
        let pe = compliant("Pia", "pia", Some("platformengineer"), 1);
        let cfg = config(vec![pe, admin("Ada", "ada", 10)]);
        let r = read(&[
            (EVERYONE, vec![member("pia"), member("ada")], vec![]),
            (DEPLOY, vec![], vec![]),
            (ADMIN, vec![member("pia"), member("ada")], vec![]),
        ]);
        assert!(membership_findings(&cfg, &Mapping::builtin(), &r, today()).is_empty());
    }

    #[test]
    fn unread_teams_yield_no_findings() {
        let cfg = config(vec![deploy("Dee", "dee", 1)]);
        let mut r = read(&[(EVERYONE, vec![member("dee"), member("stranger")], vec![])]);
        // DEPLOY is in errors, ADMIN is absent altogether: neither yields findings.
        r.errors.push(TeamError {
            team: DEPLOY.to_owned(),
            reason: "403".to_owned(),
        });
        let f = membership_findings(&cfg, &Mapping::builtin(), &r, today());
        assert_eq!(kinds(&f), [k("unexpected_member", EVERYONE, "stranger")]);
    }

    #[test]
    fn teams_outside_the_mapping_are_never_read() {
        let cfg = config(vec![]);
        let r = read(&[
            (EVERYONE, vec![], vec![]),
            (DEPLOY, vec![], vec![]),
            (ADMIN, vec![], vec![]),
            ("some-other-team", vec![member("stranger")], vec![]),
        ]);
        assert!(membership_findings(&cfg, &Mapping::builtin(), &r, today()).is_empty());
    }
}
