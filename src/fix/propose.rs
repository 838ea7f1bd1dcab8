//! What `fix` proposes: pure, no I/O. From the config, the findings (policy + membership), the
//! membership read and the org membership of the missing people, the [`Edit`]s that resolve
//! drift, each with the reasons for it. Nothing else is ever changed.
//!
//! - `absence_revocation` -> remove the role.
//! - A declared person with a role, missing from a team, whose org membership is `none` (they
//!   left the org) -> remove the role. Without org membership data, no such edits.
//! - A login that matches GitHub only case-insensitively -> rewrite it to GitHub's spelling.
//! - With `codify_unexpected`: each `unexpected_member` -> a new entry, or a raised role for a
//!   person already in the config.
//!
//! The revoke-ratio guard refuses a plan that revokes more than `max_revoke_ratio` of the roles
//! in the file.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use chrono::NaiveDate;

use super::Edit;
use crate::config::{Config, Mapping, Person};
use crate::finding::{Finding, Kind};
use crate::policy::Rule;
use crate::sources::github::{MembershipRead, OrgMembership};

/// Why an edit is proposed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reason {
    /// The absence rule: the finding's message.
    Absence(String),
    /// The login is not an org member any more, and is missing from these teams.
    LeftOrg { teams: Vec<String> },
    /// The config spells the login differently from GitHub.
    LoginCase { from: String, to: String },
    /// Found in these teams without the config granting it (`--codify-unexpected`).
    Codify { teams: Vec<String> },
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Reason::Absence(message) => write!(f, "absence_revocation: {message}"),
            Reason::LeftOrg { teams } => write!(
                f,
                "left the org: not a member of the organization any more (missing from {})",
                teams.join(", ")
            ),
            Reason::LoginCase { from, to } => write!(
                f,
                "the config spells the login {from}, GitHub spells it {to}"
            ),
            Reason::Codify { teams } => write!(
                f,
                "found in {} without the config granting it (--codify-unexpected)",
                teams.join(", ")
            ),
        }
    }
}

/// One proposed edit, who it is about, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Proposal {
    pub edit: Edit,
    /// The person's name (the login for a new entry).
    pub name: String,
    pub login: Option<String>,
    pub reasons: Vec<Reason>,
}

impl Proposal {
    /// One line for the summary: what changes, for whom, and why.
    pub fn summary(&self) -> String {
        let who = match &self.login {
            Some(l) => format!("{} ({l})", self.name),
            None => self.name.clone(),
        };
        let what = match &self.edit {
            Edit::RemoveRole { .. } => "remove the role of".to_owned(),
            Edit::SetLogin { new, .. } => format!("set github_username: {new} for"),
            Edit::AddPerson { role: Some(r), .. } => format!("add an entry with role {r} for"),
            Edit::AddPerson { role: None, .. } => "add an entry for".to_owned(),
            Edit::RaiseRole { role, .. } => format!("set role: {role} for"),
        };
        let why: Vec<String> = self.reasons.iter().map(ToString::to_string).collect();
        format!("{what} {who}: {}", why.join("; "))
    }
}

/// Options from the command line.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    pub codify_unexpected: bool,
    pub max_revoke_ratio: f64,
    /// The date written into codified entries.
    pub today: NaiveDate,
}

/// Something a reviewer should know that did not become an edit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Note(pub String);

/// The edits to make, in file order (new entries last), and notes about what was left alone.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Plan {
    pub proposals: Vec<Proposal>,
    pub notes: Vec<Note>,
}

impl Plan {
    pub fn edits(&self) -> Vec<Edit> {
        self.proposals.iter().map(|p| p.edit.clone()).collect()
    }

    pub fn is_empty(&self) -> bool {
        self.proposals.is_empty()
    }

    /// A short, stable fingerprint of what the plan changes (who, and to what), without the
    /// reasons, dates or positions that vary from run to run. The drift PR carries it, so a PR a
    /// human closed is recognised when the same edits are proposed again.
    pub fn fingerprint(&self) -> String {
        use sha2::{Digest, Sha256};
        let who = |p: &Proposal| {
            p.login
                .as_deref()
                .map(str::to_ascii_lowercase)
                .unwrap_or_else(|| p.name.clone())
        };
        let mut lines: Vec<String> = self
            .proposals
            .iter()
            .map(|p| match &p.edit {
                Edit::RemoveRole { .. } => format!("remove-role {}", who(p)),
                Edit::SetLogin { new, .. } => format!("set-login {} {new}", who(p)),
                Edit::RaiseRole { role, .. } => format!("set-role {} {role}", who(p)),
                Edit::AddPerson { login, role, .. } => format!(
                    "add {} {}",
                    login.to_ascii_lowercase(),
                    role.as_deref().unwrap_or("-")
                ),
            })
            .collect();
        lines.sort();
        let digest = Sha256::digest(lines.join("\n").as_bytes());
        digest.iter().take(8).map(|b| format!("{b:02x}")).collect()
    }

    /// How many roles the plan removes.
    pub fn revoked(&self) -> usize {
        self.proposals
            .iter()
            .filter(|p| matches!(p.edit, Edit::RemoveRole { .. }))
            .count()
    }
}

/// The revoke-ratio guard refused the plan.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error(
    "refusing: the edits would revoke {revoked} of the {roles} roles in the config ({:.0}%), more \
     than --max-revoke-ratio {ratio} ({:.0}%). A broken API read or a wrong mapping must not become \
     a mass revocation.\n  help: check the findings with `access-reconciler drift`; if the \
     revocations are right, run again with a higher --max-revoke-ratio",
    *revoked as f64 * 100.0 / (*roles).max(1) as f64,
    ratio * 100.0
)]
pub struct GuardError {
    pub revoked: usize,
    pub roles: usize,
    pub ratio: f64,
}

/// The logins whose org membership decides leaver edits: declared people with a role and a
/// `missing` finding. Only these are looked up. Sorted, lower-cased, deduplicated.
pub fn leaver_candidates(config: &Config, findings: &[Finding]) -> Vec<String> {
    let mut out = BTreeSet::new();
    for f in findings.iter().filter(|f| f.kind == Kind::Missing) {
        if let Some(p) = f
            .github_username
            .as_deref()
            .and_then(|l| config.by_login(l))
            && let (Some(_), Some(login)) = (p.role(), p.login())
        {
            out.insert(login.to_ascii_lowercase());
        }
    }
    out.into_iter().collect()
}

/// Work out the edits. `org_membership` maps lower-cased logins to their org membership; `None`
/// when the source could not tell (then no leaver edits).
pub fn propose(
    config: &Config,
    mapping: &Mapping,
    findings: &[Finding],
    read: &MembershipRead,
    org_membership: Option<&BTreeMap<String, OrgMembership>>,
    opts: Options,
) -> Result<Plan, GuardError> {
    // Per person index: the role edit and the login edit, with reasons.
    let mut removals: BTreeMap<usize, Vec<Reason>> = BTreeMap::new();
    let mut logins: BTreeMap<usize, (String, Reason)> = BTreeMap::new();
    let mut raises: BTreeMap<usize, (String, Reason)> = BTreeMap::new();
    let mut additions: BTreeMap<String, Proposal> = BTreeMap::new();
    let mut notes = Vec::new();

    // 1. absence_revocation.
    for f in findings
        .iter()
        .filter(|f| f.kind == Kind::PolicyViolation(Rule::AbsenceRevocation))
    {
        match person_of(config, f) {
            Some(p) if p.role().is_some() => removals
                .entry(p.index)
                .or_default()
                .push(Reason::Absence(f.message.clone())),
            _ => notes.push(Note(format!(
                "could not find the entry for the absence finding about {}; left alone",
                f.name.as_deref().unwrap_or("an unnamed person")
            ))),
        }
    }

    // 2. Leavers: missing, with a role, and not an org member.
    if let Some(states) = org_membership {
        let mut missing_teams: BTreeMap<usize, BTreeSet<String>> = BTreeMap::new();
        for f in findings.iter().filter(|f| f.kind == Kind::Missing) {
            if let Some(p) = person_of(config, f).filter(|p| p.role().is_some()) {
                missing_teams
                    .entry(p.index)
                    .or_default()
                    .extend(f.team.clone());
            }
        }
        for (index, teams) in missing_teams {
            let p = &config.people[index];
            let Some(login) = p.login() else { continue };
            if states.get(&login.to_ascii_lowercase()) == Some(&OrgMembership::None) {
                removals.entry(index).or_default().push(Reason::LeftOrg {
                    teams: teams.into_iter().collect(),
                });
            }
        }
    }

    // 3. Logins GitHub spells differently.
    let spelling = github_spellings(read);
    for p in &config.people {
        let Some(login) = p.login() else { continue };
        if let Some(gh) = spelling.get(&login.to_ascii_lowercase())
            && gh != login
        {
            logins.insert(
                p.index,
                (
                    gh.clone(),
                    Reason::LoginCase {
                        from: login.to_owned(),
                        to: gh.clone(),
                    },
                ),
            );
        }
    }

    // 4. --codify-unexpected.
    if opts.codify_unexpected {
        let mut unexpected: BTreeMap<String, (String, BTreeSet<String>)> = BTreeMap::new();
        for f in findings.iter().filter(|f| f.kind == Kind::UnexpectedMember) {
            let (Some(login), Some(team)) = (&f.github_username, &f.team) else {
                continue;
            };
            unexpected
                .entry(login.to_ascii_lowercase())
                .or_insert_with(|| (login.clone(), BTreeSet::new()))
                .1
                .insert(team.clone());
        }
        for (lower, (login, teams)) in unexpected {
            let teams: Vec<String> = teams.into_iter().collect();
            let role = covering_role(mapping, &teams);
            match config.by_login(&lower) {
                Some(p) => {
                    let Some(role) = role else { continue };
                    if removals.contains_key(&p.index) {
                        notes.push(Note(format!(
                            "{} ({login}) is in {} but their role is being removed; not codified",
                            p.name.value,
                            teams.join(", ")
                        )));
                        continue;
                    }
                    let raise = match p.role() {
                        None => true,
                        Some(current) => mapping.level(&role) > mapping.level(current),
                    };
                    if raise {
                        raises.insert(p.index, (role, Reason::Codify { teams }));
                    } else {
                        notes.push(Note(format!(
                            "{} ({login}) is in {} but {role} would not raise their role {}; not codified",
                            p.name.value,
                            teams.join(", "),
                            p.role().unwrap_or_default()
                        )));
                    }
                }
                None if !crate::config::check::is_valid_login(&login) => {
                    // A legacy GitHub login (e.g. a trailing hyphen) that the config's login
                    // rule refuses: an entry for it could not be merged, so say so instead.
                    notes.push(Note(format!(
                        "{login} is in {} but its login is not one the config accepts ({}); not codified: add them by hand or remove them from the team",
                        teams.join(", "),
                        crate::config::check::login_problem(&login)
                    )));
                }
                None => {
                    let why = format!(
                        "Added outside the config: found in team {} on {}; confirm or remove",
                        teams.join(", "),
                        opts.today
                    );
                    additions.insert(
                        lower,
                        Proposal {
                            edit: Edit::AddPerson {
                                name: login.clone(),
                                login: login.clone(),
                                role,
                                why,
                            },
                            name: login.clone(),
                            login: Some(login),
                            reasons: vec![Reason::Codify { teams }],
                        },
                    );
                }
            }
        }
    }

    // In file order: per person the role edit, then the login edit; new entries last.
    let mut proposals = Vec::new();
    for p in &config.people {
        let base = |edit: Edit, reasons: Vec<Reason>| Proposal {
            edit,
            name: p.name.value.clone(),
            login: p.login().map(str::to_owned),
            reasons,
        };
        if let Some(reasons) = removals.remove(&p.index) {
            proposals.push(base(Edit::RemoveRole { person: p.index }, reasons));
        } else if let Some((role, reason)) = raises.remove(&p.index) {
            proposals.push(base(
                Edit::RaiseRole {
                    person: p.index,
                    role,
                },
                vec![reason],
            ));
        }
        if let Some((new, reason)) = logins.remove(&p.index) {
            proposals.push(base(
                Edit::SetLogin {
                    person: p.index,
                    new,
                },
                vec![reason],
            ));
        }
    }
    proposals.extend(additions.into_values());
    let plan = Plan { proposals, notes };

    let roles = config.people.iter().filter(|p| p.role().is_some()).count();
    let revoked = plan.revoked();
    // revoked / roles, not ratio * roles: the quotient of two integers rounds to the same
    // double as the decimal ratio it equals (29 / 100 == 0.29), while 0.29 * 100 rounds below
    // 29 and would refuse a plan exactly at the limit.
    if revoked > 0 && revoked as f64 / roles.max(1) as f64 > opts.max_revoke_ratio {
        return Err(GuardError {
            revoked,
            roles,
            ratio: opts.max_revoke_ratio,
        });
    }
    Ok(plan)
}

/// The config entry a finding is about: by login, else by name and line.
fn person_of<'c>(config: &'c Config, f: &Finding) -> Option<&'c Person> {
    if let Some(p) = f
        .github_username
        .as_deref()
        .and_then(|l| config.by_login(l))
    {
        return Some(p);
    }
    let name = f.name.as_deref()?;
    let mut named = config.people.iter().filter(|p| p.name.value == name);
    match (named.next(), named.next()) {
        (Some(p), None) => Some(p),
        // Two entries with the same name and no login: only the line can tell.
        _ => config
            .people
            .iter()
            .find(|p| p.name.value == name && Some(p.pos.line) == f.line),
    }
}

/// Lower-cased login -> GitHub's spelling, from every member and invitation read.
fn github_spellings(read: &MembershipRead) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for team in read.teams.values() {
        for login in team
            .members
            .iter()
            .map(|m| &m.login)
            .chain(team.invitations.iter().map(|i| &i.login))
        {
            out.entry(login.to_ascii_lowercase())
                .or_insert_with(|| login.clone());
        }
    }
    out
}

/// The role that grants the most of `teams`; ties go to the least access, then the name.
/// `None` when no role grants any of them (e.g. only `everyone` teams).
fn covering_role(mapping: &Mapping, teams: &[String]) -> Option<String> {
    let github = mapping.github.as_ref()?;
    github
        .roles
        .iter()
        .map(|(role, granted)| {
            let covered = teams.iter().filter(|t| granted.contains(t)).count();
            (covered, role)
        })
        .filter(|(covered, _)| *covered > 0)
        .min_by(|(ca, ra), (cb, rb)| {
            cb.cmp(ca)
                .then_with(|| mapping.level(ra).cmp(&mapping.level(rb)))
                .then_with(|| ra.cmp(rb))
        })
        .map(|(_, role)| role.clone())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::config::{Located, Pos};
    use crate::finding::Severity;
    use crate::sources::github::{Member, MemberRole, TeamMembership};

    fn person(index: usize, name: &str, login: &str, role: Option<&str>) -> Person {
        let line = index * 4 + 1;
        let pos = Pos { line, col: 3 };
        let mut p = Person::named(name, line);
        p.index = index;
        p.github_username = Some(Located::new(login.to_owned(), pos));
        p.role = role.map(|r| Located::new(r.to_owned(), pos));
        p
    }

    fn config(people: Vec<Person>) -> Config {
        Config {
            path: "c.yml".into(),
            people,
        }
    }

    fn finding(kind: Kind, login: &str, team: Option<&str>) -> Finding {
        Finding {
            github_username: Some(login.into()),
            team: team.map(str::to_owned),
            ..Finding::new(kind, Severity::High, format!("about {login}"))
        }
    }

    fn opts() -> Options {
        Options {
            codify_unexpected: false,
            max_revoke_ratio: 1.0,
            today: NaiveDate::from_ymd_opt(2026, 11, 28).unwrap(),
        }
    }

    fn edits(plan: &Plan) -> Vec<Edit> {
        plan.edits()
    }

    #[test]
    fn absence_removes_the_role() {
        let c = config(vec![
            person(0, "A", "a", Some("production_deploy_access")),
            person(1, "B", "b", Some("production_deploy_access")),
        ]);
        let f = finding(Kind::PolicyViolation(Rule::AbsenceRevocation), "B", None);
        let plan = propose(
            &c,
            &Mapping::builtin(),
            &[f],
            &MembershipRead::default(),
            None,
            opts(),
        )
        .expect("within the guard");
        assert_eq!(edits(&plan), vec![Edit::RemoveRole { person: 1 }]);
        assert!(plan.proposals[0].summary().contains("absence_revocation"));
    }

    #[test]
    fn leavers_need_org_membership_none() {
        let c = config(vec![
            person(0, "A", "a", Some("production_deploy_access")),
            person(1, "B", "b", Some("production_deploy_access")),
            person(2, "C", "c", None),
            person(3, "D", "d", Some("production_deploy_access")),
        ]);
        let findings = vec![
            finding(Kind::Missing, "a", Some("gov-uk")),
            finding(Kind::Missing, "a", Some("gov-uk-production-deploy")),
            finding(Kind::Missing, "b", Some("gov-uk")),
            finding(Kind::Missing, "c", Some("gov-uk")),
        ];
        assert_eq!(leaver_candidates(&c, &findings), vec!["a", "b"]);
        let mut states = BTreeMap::new();
        states.insert("a".to_owned(), OrgMembership::None);
        states.insert("b".to_owned(), OrgMembership::Pending);
        states.insert("c".to_owned(), OrgMembership::None);
        states.insert("d".to_owned(), OrgMembership::None);
        let read = MembershipRead::default();
        let plan = propose(
            &c,
            &Mapping::builtin(),
            &findings,
            &read,
            Some(&states),
            opts(),
        )
        .expect("guard");
        assert_eq!(edits(&plan), vec![Edit::RemoveRole { person: 0 }]);
        assert_eq!(
            plan.proposals[0].reasons,
            vec![Reason::LeftOrg {
                teams: vec!["gov-uk".into(), "gov-uk-production-deploy".into()]
            }]
        );
        // Without org membership data (a snapshot without it): no leaver edits.
        let plan = propose(&c, &Mapping::builtin(), &findings, &read, None, opts()).expect("guard");
        assert!(plan.is_empty());
    }

    #[test]
    fn logins_take_githubs_spelling() {
        let c = config(vec![
            person(0, "A", "alice-EX", None),
            person(1, "B", "bob", None),
        ]);
        let mut read = MembershipRead::default();
        read.teams.insert(
            "gov-uk".into(),
            TeamMembership {
                members: vec![
                    Member {
                        login: "Alice-Ex".into(),
                        role: MemberRole::Member,
                        via_team: None,
                    },
                    Member {
                        login: "bob".into(),
                        role: MemberRole::Member,
                        via_team: None,
                    },
                ],
                invitations: vec![],
            },
        );
        let plan = propose(&c, &Mapping::builtin(), &[], &read, None, opts()).expect("guard");
        assert_eq!(
            edits(&plan),
            vec![Edit::SetLogin {
                person: 0,
                new: "Alice-Ex".into()
            }]
        );
    }

    #[test]
    fn codify_adds_unknown_logins_and_raises_known_ones() {
        let c = config(vec![
            person(0, "Dee", "dee", Some("production_deploy_access")),
            person(1, "Pat", "pat", Some("platformengineer")),
            person(2, "Nor", "nor", None),
        ]);
        let findings = vec![
            finding(
                Kind::UnexpectedMember,
                "dee",
                Some("gov-uk-production-admin"),
            ),
            finding(
                Kind::UnexpectedMember,
                "pat",
                Some("gov-uk-production-deploy"),
            ),
            finding(
                Kind::UnexpectedMember,
                "nor",
                Some("gov-uk-production-deploy"),
            ),
            finding(Kind::UnexpectedMember, "Zed", Some("gov-uk")),
            finding(
                Kind::UnexpectedMember,
                "Zed",
                Some("gov-uk-production-admin"),
            ),
            finding(Kind::UnexpectedMember, "yan", Some("gov-uk")),
            finding(Kind::UnexpectedInvitation, "inv", Some("gov-uk")),
        ];
        let read = MembershipRead::default();
        // Off by default.
        let plan = propose(&c, &Mapping::builtin(), &findings, &read, None, opts()).expect("guard");
        assert!(plan.is_empty());
        let plan = propose(
            &c,
            &Mapping::builtin(),
            &findings,
            &read,
            None,
            Options {
                codify_unexpected: true,
                ..opts()
            },
        )
        .expect("guard");
        assert_eq!(
            edits(&plan),
            vec![
                Edit::RaiseRole {
                    person: 0,
                    role: "production_admin_access".into()
                },
                Edit::RaiseRole {
                    person: 2,
                    role: "production_deploy_access".into()
                },
                Edit::AddPerson {
                    name: "yan".into(),
                    login: "yan".into(),
                    role: None,
                    why: "Added outside the config: found in team gov-uk on 2026-11-28; confirm or remove".into()
                },
                Edit::AddPerson {
                    name: "Zed".into(),
                    login: "Zed".into(),
                    role: Some("production_admin_access".into()),
                    why: "Added outside the config: found in team gov-uk, gov-uk-production-admin on 2026-11-28; confirm or remove".into()
                },
            ]
        );
        // The platform engineer in the deploy team is not lowered, but it is said.
        assert_eq!(plan.notes.len(), 1);
        assert!(plan.notes[0].0.contains("Pat (pat)"));
    }

    #[test]
    fn codify_leaves_a_login_the_config_refuses_with_a_note() {
        let c = config(vec![person(
            0,
            "Dee",
            "dee",
            Some("production_deploy_access"),
        )]);
        let findings = vec![finding(
            Kind::UnexpectedMember,
            "legacy-",
            Some("gov-uk-production-admin"),
        )];
        let plan = propose(
            &c,
            &Mapping::builtin(),
            &findings,
            &MembershipRead::default(),
            None,
            Options {
                codify_unexpected: true,
                ..opts()
            },
        )
        .expect("guard");
        assert!(plan.proposals.is_empty());
        assert_eq!(plan.notes.len(), 1);
        assert!(
            plan.notes[0]
                .0
                .contains("legacy- is in gov-uk-production-admin")
        );
        assert!(plan.notes[0].0.contains("not codified"));
    }

    /// A config of `n` people `p0`..`pN` with deploy access.
    fn deploy_people(n: usize) -> Config {
        config(
            (0..n)
                .map(|i| {
                    person(
                        i,
                        &format!("P{i}"),
                        &format!("p{i}"),
                        Some("production_deploy_access"),
                    )
                })
                .collect(),
        )
    }

    /// `absence_revocation` findings for `p0`..`p(n-1)`.
    fn absent(n: usize) -> Vec<Finding> {
        (0..n)
            .map(|i| {
                finding(
                    Kind::PolicyViolation(Rule::AbsenceRevocation),
                    &format!("p{i}"),
                    None,
                )
            })
            .collect()
    }

    #[test]
    fn revoke_guard_counts_roles_in_the_file() {
        let c = deploy_people(8);
        let o = Options {
            max_revoke_ratio: 0.25,
            ..opts()
        };
        let read = MembershipRead::default();
        // 2 of 8 = 25%: allowed.
        let plan =
            propose(&c, &Mapping::builtin(), &absent(2), &read, None, o).expect("at the limit");
        assert_eq!(plan.revoked(), 2);
        // 3 of 8 = 37.5%: refused.
        let err = propose(&c, &Mapping::builtin(), &absent(3), &read, None, o).expect_err("over");
        assert_eq!(
            err,
            GuardError {
                revoked: 3,
                roles: 8,
                ratio: 0.25
            }
        );
        assert!(err.to_string().contains("revoke 3 of the 8 roles"));
    }

    /// A share exactly at the limit is allowed whatever the float rounding of ratio x roles:
    /// 0.29 * 100 is 28.999999999999996, yet 29 of 100 is 29%, not more.
    #[test]
    fn revoke_guard_allows_exactly_the_ratio() {
        let c = deploy_people(100);
        let read = MembershipRead::default();
        for (ratio, at_limit) in [(0.29, 29), (0.57, 57), (0.58, 58), (0.07, 7)] {
            let o = Options {
                max_revoke_ratio: ratio,
                ..opts()
            };
            let plan = propose(&c, &Mapping::builtin(), &absent(at_limit), &read, None, o)
                .unwrap_or_else(|e| panic!("{at_limit} of 100 at {ratio}: {e}"));
            assert_eq!(plan.revoked(), at_limit);
            assert!(
                propose(
                    &c,
                    &Mapping::builtin(),
                    &absent(at_limit + 1),
                    &read,
                    None,
                    o
                )
                .is_err(),
                "{} of 100 at {ratio}",
                at_limit + 1
            );
        }
    }

    #[test]
    fn the_fingerprint_names_the_edits_not_the_reasons_or_positions() {
        let plan = |index: usize, message: &str| Plan {
            proposals: vec![Proposal {
                edit: Edit::RemoveRole { person: index },
                name: "A".into(),
                login: Some("Alice".into()),
                reasons: vec![Reason::Absence(message.into())],
            }],
            notes: vec![],
        };
        let a = plan(0, "absent for 43 days");
        assert_eq!(a.fingerprint(), plan(7, "absent for 44 days").fingerprint());
        assert_eq!(a.fingerprint().len(), 16);
        let mut b = plan(0, "x");
        b.proposals[0].edit = Edit::RaiseRole {
            person: 0,
            role: "production_admin_access".into(),
        };
        assert_ne!(a.fingerprint(), b.fingerprint());
        assert_ne!(a.fingerprint(), Plan::default().fingerprint());
    }

    #[test]
    fn one_removal_per_person_with_every_reason() {
        let c = config(vec![person(0, "A", "a", Some("production_deploy_access"))]);
        let findings = vec![
            finding(Kind::PolicyViolation(Rule::AbsenceRevocation), "a", None),
            finding(Kind::Missing, "a", Some("gov-uk")),
            finding(Kind::UnexpectedMember, "a", Some("gov-uk-production-admin")),
        ];
        let mut states = BTreeMap::new();
        states.insert("a".to_owned(), OrgMembership::None);
        let plan = propose(
            &c,
            &Mapping::builtin(),
            &findings,
            &MembershipRead::default(),
            Some(&states),
            Options {
                codify_unexpected: true,
                ..opts()
            },
        )
        .expect("guard");
        assert_eq!(edits(&plan), vec![Edit::RemoveRole { person: 0 }]);
        assert_eq!(plan.proposals[0].reasons.len(), 2);
        assert_eq!(plan.notes.len(), 1);
    }
}
