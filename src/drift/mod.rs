//! The drift engine: pure, no I/O. (config, mapping, membership) -> findings.
//!
//! For each managed team T (the mapping's `everyone` and `roles` teams) that was read whole:
//! expected(T) = people whose role maps to T, plus every person with a github_username when T is
//! in `everyone`. Logins compare case-insensitively; `ignore` logins never produce a finding.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, NaiveDate, Utc};

use crate::config::{Config, Mapping, Person};
use crate::finding::{Finding, Kind, Severity};
use crate::sources::github::{Invitation, Member, MemberRole, MembershipRead};

/// GitHub team invitations expire after this many days.
pub const INVITATION_EXPIRY_DAYS: i64 = 7;

/// Whether an invitation sent at `created_at` has expired at `today`: more than 7 days old,
/// comparing calendar dates in UTC.
pub fn invitation_expired(created_at: DateTime<Utc>, today: NaiveDate) -> bool {
    (today - created_at.date_naive()).num_days() > INVITATION_EXPIRY_DAYS
}

/// Compare the declared roles with the membership read. Teams in `read.errors` (or absent from
/// `read.teams`) yield no findings. Policy findings are not included here (see `policy::check`).
/// The result is in team order, then by login; callers sort with `finding::sort`.
pub fn membership_findings(
    config: &Config,
    mapping: &Mapping,
    read: &MembershipRead,
    today: NaiveDate,
) -> Vec<Finding> {
    let people: HashMap<String, &Person> = config
        .people
        .iter()
        .filter_map(|p| p.login().map(|l| (l.to_ascii_lowercase(), p)))
        .collect();
    let mut findings = Vec::new();
    for team in mapping.managed_teams() {
        if read.errors.iter().any(|e| e.team == team) {
            continue;
        }
        let Some(membership) = read.teams.get(&team) else {
            continue;
        };
        let everyone = mapping.everyone.contains(&team);
        let role_teams = |role: Option<&str>| {
            role.and_then(|r| mapping.roles.get(r))
                .is_some_and(|teams| teams.contains(&team))
        };
        let expected: BTreeMap<String, &Person> = config
            .people
            .iter()
            .filter(|p| everyone || role_teams(p.role()))
            .filter_map(|p| p.login().map(|l| (l.to_ascii_lowercase(), p)))
            .filter(|(l, _)| !mapping.is_ignored(l))
            .collect();
        let members = by_login(&membership.members, |m: &Member| &m.login, prefer_direct);
        let invitations = by_login(
            &membership.invitations,
            |i: &Invitation| &i.login,
            |_, _| false,
        );
        let ctx = TeamCtx {
            team: &team,
            everyone,
            mapping,
            today,
        };

        for (login, person) in &expected {
            if members.contains_key(login) {
                continue;
            }
            findings.push(match invitations.get(login) {
                Some(inv) => ctx.pending(person, inv),
                None => ctx.missing(person),
            });
        }
        for (login, member) in &members {
            if expected.contains_key(login) || mapping.is_ignored(login) {
                continue;
            }
            findings.push(ctx.unexpected_member(member, people.get(login).copied()));
        }
        for (login, inv) in &invitations {
            if expected.contains_key(login)
                || members.contains_key(login)
                || mapping.is_ignored(login)
            {
                continue;
            }
            findings.push(ctx.unexpected_invitation(inv, people.get(login).copied()));
        }
    }
    findings
}

/// Index by lower-cased login; when a login appears twice, `replace(old, new)` decides.
fn by_login<T>(
    items: &[T],
    login: impl Fn(&T) -> &String,
    replace: impl Fn(&T, &T) -> bool,
) -> BTreeMap<String, &T> {
    let mut map: BTreeMap<String, &T> = BTreeMap::new();
    for item in items {
        let key = login(item).to_ascii_lowercase();
        match map.get(&key) {
            Some(old) if !replace(old, item) => {}
            _ => {
                map.insert(key, item);
            }
        }
    }
    map
}

/// A direct membership explains more than one through a child team.
fn prefer_direct(old: &Member, new: &Member) -> bool {
    old.via_team.is_some() && new.via_team.is_none()
}

struct TeamCtx<'a> {
    team: &'a str,
    everyone: bool,
    mapping: &'a Mapping,
    today: NaiveDate,
}

impl TeamCtx<'_> {
    /// Why a person is expected in this team, for messages.
    fn reason(&self, person: &Person) -> String {
        match person.role() {
            Some(role)
                if self
                    .mapping
                    .roles
                    .get(role)
                    .is_some_and(|t| t.iter().any(|t| t == self.team)) =>
            {
                format!("their role {role} grants it")
            }
            _ if self.everyone => "every person with a github_username belongs there".to_owned(),
            _ => "the config expects it".to_owned(),
        }
    }

    fn declared(
        &self,
        kind: Kind,
        severity: Severity,
        person: &Person,
        message: String,
    ) -> Finding {
        Finding {
            name: Some(person.name.value.clone()),
            github_username: person.login().map(str::to_owned),
            team: Some(self.team.to_owned()),
            declared_role: person.role().map(str::to_owned),
            in_config: true,
            line: Some(person_line(person)),
            ..Finding::new(kind, severity, message)
        }
    }

    fn missing(&self, person: &Person) -> Finding {
        let login = person.login().unwrap_or_default();
        Finding {
            fix: format!(
                "add {login} to {} on GitHub, or change their entry in the config",
                self.team
            ),
            ..self.declared(
                Kind::Missing,
                Severity::Medium,
                person,
                format!(
                    "{} ({login}) is not in {} and has no pending invitation, but {}",
                    person.name.value,
                    self.team,
                    self.reason(person)
                ),
            )
        }
    }

    fn pending(&self, person: &Person, inv: &Invitation) -> Finding {
        let login = person.login().unwrap_or_default();
        let sent = inv.created_at.date_naive();
        let expired = invitation_expired(inv.created_at, self.today);
        let (severity, message, fix) = if expired {
            (
                Severity::Low,
                format!(
                    "{} ({login}) was invited to {} on {sent} and has not accepted; the invitation has expired (more than {INVITATION_EXPIRY_DAYS} days old)",
                    person.name.value, self.team
                ),
                format!(
                    "cancel the expired invitation and invite {login} to {} again",
                    self.team
                ),
            )
        } else {
            (
                Severity::Info,
                format!(
                    "{} ({login}) was invited to {} on {sent} and has not accepted yet",
                    person.name.value, self.team
                ),
                format!("ask {login} to accept the invitation to {}", self.team),
            )
        };
        Finding {
            invited_at: Some(inv.created_at),
            expired: Some(expired),
            fix,
            ..self.declared(Kind::PendingInvitation, severity, person, message)
        }
    }

    fn undeclared(
        &self,
        kind: Kind,
        login: &str,
        person: Option<&Person>,
        message: String,
    ) -> Finding {
        match person {
            // A declared person is named with the config's spelling of the login.
            Some(p) => self.declared(kind, Severity::High, p, message),
            None => Finding {
                github_username: Some(login.to_owned()),
                team: Some(self.team.to_owned()),
                ..Finding::new(kind, Severity::High, message)
            },
        }
    }

    fn unexpected_member(&self, member: &Member, person: Option<&Person>) -> Finding {
        let mut how = Vec::new();
        if member.role == MemberRole::Maintainer {
            how.push("a maintainer".to_owned());
        }
        if let Some(via) = &member.via_team {
            how.push(format!("through child team {via}"));
        }
        let how = if how.is_empty() {
            String::new()
        } else {
            format!(" ({})", how.join(", "))
        };
        let message = match person {
            None => format!(
                "{} is a member of {}{how} but is not in the config",
                member.login, self.team
            ),
            Some(p) => match p.role() {
                Some(role) => format!(
                    "{} ({}) is a member of {}{how}, but their role {role} does not grant it",
                    p.name.value, member.login, self.team
                ),
                None => format!(
                    "{} ({}) is a member of {}{how} but has no role in the config",
                    p.name.value, member.login, self.team
                ),
            },
        };
        let fix = match &member.via_team {
            Some(via) => format!(
                "remove {} from child team {via} (it grants {}), or give them a role that grants it",
                member.login, self.team
            ),
            None => format!(
                "remove {} from {}, or give them a role in the config that grants it",
                member.login, self.team
            ),
        };
        Finding {
            via_team: member.via_team.clone(),
            maintainer: member.role == MemberRole::Maintainer,
            fix,
            ..self.undeclared(Kind::UnexpectedMember, &member.login, person, message)
        }
    }

    fn unexpected_invitation(&self, inv: &Invitation, person: Option<&Person>) -> Finding {
        let sent = inv.created_at.date_naive();
        let message = match person {
            None => format!(
                "{} has a pending invitation to {} (sent {sent}) but is not in the config",
                inv.login, self.team
            ),
            Some(p) => match p.role() {
                Some(role) => format!(
                    "{} ({}) has a pending invitation to {} (sent {sent}), but their role {role} does not grant it",
                    p.name.value, inv.login, self.team
                ),
                None => format!(
                    "{} ({}) has a pending invitation to {} (sent {sent}) but has no role in the config",
                    p.name.value, inv.login, self.team
                ),
            },
        };
        Finding {
            invited_at: Some(inv.created_at),
            expired: Some(invitation_expired(inv.created_at, self.today)),
            fix: format!(
                "cancel the invitation of {} to {}, or give them a role in the config that grants it",
                inv.login, self.team
            ),
            ..self.undeclared(Kind::UnexpectedInvitation, &inv.login, person, message)
        }
    }
}

/// The config line a membership finding points at: the role line when there is a role, else the
/// github_username line, else the entry.
fn person_line(person: &Person) -> usize {
    person
        .role
        .as_ref()
        .map(|r| r.pos.line)
        .or_else(|| person.github_username.as_ref().map(|g| g.pos.line))
        .unwrap_or(person.pos.line)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use chrono::TimeZone;

    use super::*;
    use crate::policy::tests::{compliant, today};
    use crate::sources::github::{TeamError, TeamMembership};

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
    fn invitation_expiry_compares_utc_dates() {
        let t = NaiveDate::from_ymd_opt(2026, 11, 28).unwrap();
        let created = DateTime::parse_from_rfc3339("2026-11-21T01:00:00+03:00")
            .unwrap()
            .with_timezone(&Utc);
        // 2026-11-20T22:00Z in UTC: 8 days.
        assert!(invitation_expired(created, t));
        let created = DateTime::parse_from_rfc3339("2026-11-20T23:00:00-02:00")
            .unwrap()
            .with_timezone(&Utc);
        // 2026-11-21T01:00Z: 7 days.
        assert!(!invitation_expired(created, t));
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
