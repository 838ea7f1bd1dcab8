//! The mapping (`--mapping PATH`, or the built-in default): the valid roles, how much each grants,
//! and what each grants in every configured system.
//!
//! Two formats, both read into one [`Mapping`]:
//! - **v1** (no `version` key): top-level `org`, `everyone`, `roles` (role -> GitHub team slugs),
//!   `ignore`, `senior_tech`. It is read as v2 with only `systems.github`; role levels follow the
//!   role names the access rules use (see [`AccessLevel::of`]).
//! - **v2** (`version: 2`, `/work/shared/contract-v2.md`): `senior_tech`, `roles: {name: {level}}`
//!   and `systems: {github, aws, sentry, fastly, pagerduty, signon, gcp, logit}`. Each system
//!   section is parsed and validated by [`super::systems`].

use std::collections::BTreeMap;

use super::ConfigErrors;
use super::check::{self, Errors};
use super::yaml::{Node, NodeKind};
use crate::system::System;

pub use super::systems::{AccountMapping, AwsAccount, AwsMapping};

/// The keys of a v1 mapping file.
pub const MAPPING_KEYS: &[&str] = &[
    "org",
    "everyone",
    "roles",
    "ignore",
    "senior_tech",
    "extra_keys",
];

/// The top-level keys of a v2 mapping file.
pub const MAPPING_V2_KEYS: &[&str] = &["version", "senior_tech", "roles", "systems", "extra_keys"];

/// The keys of `systems.github` in a v2 mapping.
pub const GITHUB_KEYS: &[&str] = &["org", "everyone", "roles", "ignore"];

/// The built-in mapping, used when `--mapping` is not given.
pub const DEFAULT_MAPPING: &str = "\
org: alphagov
everyone: [gov-uk]          # teams that every person with a github_username should be in
roles:
  production_deploy_access: [gov-uk-production-deploy]
  production_admin_access: [gov-uk-production-admin]
  platformengineer: [gov-uk-production-admin]
ignore: [govuk-ci]          # logins allowed in managed teams without a config entry (bots)
senior_tech: []             # when non-empty, admin_checklist_reviewed_by must name one of these
";

/// The `path` of the built-in mapping, as shown in messages.
pub const BUILTIN_PATH: &str = "(built-in mapping)";

/// The role names with built-in meaning for the access rules.
pub const DEPLOY_ROLE: &str = "production_deploy_access";
pub const ADMIN_ROLE: &str = "production_admin_access";
pub const PLATFORM_ROLE: &str = "platformengineer";

/// How much a role grants, for the rules and for escalation ordering in `review`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum AccessLevel {
    Deploy,
    Admin,
    PlatformEngineer,
}

impl AccessLevel {
    /// The level a v1 mapping gives a role, from its name: the rules name
    /// `production_admin_access` and `platformengineer`; every other role is deploy-level.
    /// A v2 mapping declares each role's level; use [`Mapping::level`] everywhere else.
    pub fn of(role: &str) -> AccessLevel {
        match role {
            ADMIN_ROLE => AccessLevel::Admin,
            PLATFORM_ROLE => AccessLevel::PlatformEngineer,
            _ => AccessLevel::Deploy,
        }
    }

    /// Admin and platformengineer need probation and the admin checklist.
    pub fn is_admin(self) -> bool {
        self >= AccessLevel::Admin
    }

    /// The v2 `level` value.
    pub fn as_str(self) -> &'static str {
        match self {
            AccessLevel::Deploy => "deploy",
            AccessLevel::Admin => "admin",
            AccessLevel::PlatformEngineer => "platform",
        }
    }

    /// Every level, lowest first.
    pub const ALL: [AccessLevel; 3] = [
        AccessLevel::Deploy,
        AccessLevel::Admin,
        AccessLevel::PlatformEngineer,
    ];

    /// Parse a v2 `level` value (`deploy`, `admin`, `platform`).
    pub fn parse(s: &str) -> Option<AccessLevel> {
        AccessLevel::ALL.into_iter().find(|l| l.as_str() == s)
    }
}

/// A declared role: the valid `role` values of the config, and how much each grants.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RoleDef {
    pub level: AccessLevel,
}

/// `systems.github` (in v1: the top-level keys other than `senior_tech`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct GithubMapping {
    pub org: String,
    /// Teams every person with a github_username should be in.
    pub everyone: Vec<String>,
    /// Role name -> teams (BTreeMap for determinism).
    pub roles: BTreeMap<String, Vec<String>>,
    /// Logins allowed in managed teams without a config entry (bots), compared case-insensitively.
    pub ignore: Vec<String>,
}

impl GithubMapping {
    /// Every managed team (everyone + roles), sorted and deduplicated.
    pub fn managed_teams(&self) -> Vec<String> {
        let mut teams: Vec<String> = self
            .everyone
            .iter()
            .chain(self.roles.values().flatten())
            .cloned()
            .collect();
        teams.sort();
        teams.dedup();
        teams
    }

    /// The teams a person with `role` (and a github_username) should be in, sorted and deduplicated.
    pub fn teams_for(&self, role: Option<&str>) -> Vec<String> {
        let mut teams: Vec<String> = self.everyone.clone();
        if let Some(role) = role {
            teams.extend(self.roles.get(role).into_iter().flatten().cloned());
        }
        teams.sort();
        teams.dedup();
        teams
    }

    /// Whether this login is one of the ignored bots.
    pub fn is_ignored(&self, login: &str) -> bool {
        self.ignore.iter().any(|i| i.eq_ignore_ascii_case(login))
    }
}

/// A validated mapping (v1 or v2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mapping {
    /// The path as the user named it, or `(built-in mapping)`.
    pub path: String,
    /// 1 for a v1 file (no `version` key), 2 for `version: 2`.
    pub version: u32,
    /// The valid role names and their levels.
    pub roles: BTreeMap<String, RoleDef>,
    /// When non-empty, admin_checklist_reviewed_by must name one of these.
    pub senior_tech: Vec<String>,
    /// Person keys the config carries that the tool does not read (`extra_keys: [slack]`): not
    /// reported as unknown keys.
    pub extra_keys: Vec<String>,
    /// `systems.github`; `None` when GitHub is not configured (v2 only).
    pub github: Option<GithubMapping>,
    /// `systems.aws`.
    pub aws: Option<AwsMapping>,
    /// The account systems (sentry, fastly, pagerduty, signon, gcp, logit) that are configured.
    pub accounts: BTreeMap<System, AccountMapping>,
}

impl Mapping {
    /// The built-in default mapping.
    pub fn builtin() -> Mapping {
        match Mapping::parse(BUILTIN_PATH, DEFAULT_MAPPING) {
            Ok(m) => m,
            // The default is a constant covered by a unit test.
            Err(e) => panic!("the built-in mapping is invalid: {e}"),
        }
    }

    /// Parse and validate a mapping file (v1 or v2), collecting every problem.
    pub fn parse(path: &str, text: &str) -> Result<Mapping, ConfigErrors> {
        let mut errors = Errors::new(path);
        let Some(root) = errors.parse_yaml(text) else {
            return Err(ConfigErrors(errors.into_sorted()));
        };
        let mapping = if root.get("version").is_some() {
            super::systems::read_v2(path, &root, text, &mut errors)
        } else {
            read_mapping(path, &root, text, &mut errors)
        };
        match mapping {
            Some(m) if errors.list.is_empty() => Ok(m),
            _ => Err(ConfigErrors(errors.into_sorted())),
        }
    }

    /// The systems this mapping configures, in report order.
    pub fn systems(&self) -> Vec<System> {
        System::ALL
            .into_iter()
            .filter(|s| self.is_configured(*s))
            .collect()
    }

    /// Whether `systems.<system>` is in the mapping.
    pub fn is_configured(&self, system: System) -> bool {
        match system {
            System::Github => self.github.is_some(),
            System::Aws => self.aws.is_some(),
            other => self.accounts.contains_key(&other),
        }
    }

    /// How much `role` grants. A role the mapping does not declare is deploy-level (the config
    /// parser refuses such roles, so this only matters for hand-built findings).
    pub fn level(&self, role: &str) -> AccessLevel {
        self.roles
            .get(role)
            .map_or(AccessLevel::Deploy, |r| r.level)
    }

    /// The GitHub organisation, when GitHub is configured.
    pub fn org(&self) -> Option<&str> {
        self.github.as_ref().map(|g| g.org.as_str())
    }

    /// Every managed GitHub team (none when GitHub is not configured).
    pub fn managed_teams(&self) -> Vec<String> {
        self.github
            .as_ref()
            .map(GithubMapping::managed_teams)
            .unwrap_or_default()
    }

    /// The GitHub teams a person with `role` should be in (none when GitHub is not configured).
    pub fn teams_for(&self, role: Option<&str>) -> Vec<String> {
        self.github
            .as_ref()
            .map(|g| g.teams_for(role))
            .unwrap_or_default()
    }

    /// Whether this login is one of GitHub's ignored bots.
    pub fn is_ignored(&self, login: &str) -> bool {
        self.github.as_ref().is_some_and(|g| g.is_ignored(login))
    }

    /// The valid role names, sorted.
    pub fn role_names(&self) -> Vec<&str> {
        self.roles.keys().map(String::as_str).collect()
    }
}

/// Validate the mapping's tree; `None` when the top level is not a mapping at all.
fn read_mapping(path: &str, root: &Node, text: &str, errors: &mut Errors<'_>) -> Option<Mapping> {
    let Some(entries) = root.as_map() else {
        let what = if root.is_null() {
            "the mapping file is empty".to_owned()
        } else {
            format!(
                "the mapping file must be a mapping with the keys {}, but it is {}",
                MAPPING_KEYS.join(", "),
                root.describe()
            )
        };
        errors.at(
            root.start,
            what,
            "start from the built-in mapping shown in the README (`org: alphagov`, `roles: ...`)",
        );
        return None;
    };
    let mut m = GithubMapping::default();
    let mut senior_tech = Vec::new();
    let mut extra_keys = Vec::new();
    let (mut has_org, mut has_roles) = (false, false);
    let mut roles_node = None;
    for (key, value) in entries {
        let Some(k) = key.as_str() else {
            errors.at(
                key.start,
                format!(
                    "a key must be a plain word, but this one is {}",
                    key.describe()
                ),
                format!("the keys are {}", MAPPING_KEYS.join(", ")),
            );
            continue;
        };
        match k {
            "org" => {
                has_org = true;
                if let Some(org) = org(value, text, errors) {
                    m.org = org;
                }
            }
            "everyone" => m.everyone = slugs(k, value, text, errors),
            "roles" => {
                has_roles = true;
                roles_node = Some(value);
                roles(value, text, &mut m.roles, errors);
            }
            "ignore" => {
                m.ignore = strings(k, value, text, errors, |login, node, errors| {
                    if !check::is_valid_login(login) {
                        errors.at(
                            node.start,
                            format!(
                                "`{}` in `ignore` is not a valid GitHub login: {}",
                                check::show(node, text),
                                check::login_problem(login)
                            ),
                            "list the bots' GitHub logins, e.g. `ignore: [govuk-ci]`",
                        );
                    }
                });
            }
            "senior_tech" => {
                senior_tech = strings(k, value, text, errors, |name, node, errors| {
                    if name.trim().is_empty() {
                        errors.at(
                            node.start,
                            "an empty name in `senior_tech`",
                            "list the Senior Tech members' names, as written in admin_checklist_reviewed_by",
                        );
                    }
                });
            }
            "extra_keys" => extra_keys = super::unknown::extra_keys(value, text, errors),
            _ => {
                let (message, help) = match check::did_you_mean(k, MAPPING_KEYS) {
                    Some(known) => (
                        format!("unknown key `{k}` in the mapping: did you mean `{known}`?"),
                        format!("rename it to `{known}`"),
                    ),
                    None => (
                        format!("unknown key `{k}` in the mapping"),
                        format!("remove it; the keys are {}", MAPPING_KEYS.join(", ")),
                    ),
                };
                errors.at(key.start, message, help);
            }
        }
    }
    if let Some(role_entries) = roles_node.and_then(Node::as_map) {
        everyone_in_a_role(&m.everyone, role_entries, errors);
    }
    if !has_org {
        errors.at(
            root.start,
            "the mapping has no `org`",
            "add the GitHub organisation, e.g. `org: alphagov`",
        );
    }
    if !has_roles {
        errors.at(
            root.start,
            "the mapping has no `roles`",
            "add `roles:` with each role's teams, e.g. `production_deploy_access: [gov-uk-production-deploy]`",
        );
    }
    let roles = m
        .roles
        .keys()
        .map(|r| {
            (
                r.clone(),
                RoleDef {
                    level: AccessLevel::of(r),
                },
            )
        })
        .collect();
    Some(Mapping {
        path: path.to_owned(),
        version: 1,
        roles,
        senior_tech,
        extra_keys,
        github: Some(m),
        aws: None,
        accounts: BTreeMap::new(),
    })
}

/// `org`: a valid GitHub organisation login.
pub(super) fn org(value: &Node, text: &str, errors: &mut Errors<'_>) -> Option<String> {
    match value.as_str() {
        Some(org) if check::is_valid_login(org) => return Some(org.to_owned()),
        Some(org) => errors.at(
            value.start,
            format!(
                "`org: {}` is not a valid GitHub organisation login: {}",
                check::show(value, text),
                check::login_problem(org)
            ),
            "write the organisation's login as in its GitHub URL, e.g. `org: alphagov`",
        ),
        None => errors.at(
            value.start,
            format!(
                "`org` must be the organisation's login, but it is {}",
                value.describe()
            ),
            "write e.g. `org: alphagov`",
        ),
    }
    None
}

/// A team in `everyone` is expected to hold every person with a github_username, so a role that
/// also lists it would make `drift` ask for everyone to be added to a role's team: refuse it.
pub(super) fn everyone_in_a_role(
    everyone: &[String],
    roles: &[(Node, Node)],
    errors: &mut Errors<'_>,
) {
    for (role, teams) in roles {
        let role = role.as_str().unwrap_or_default();
        for team in teams.as_seq().unwrap_or_default() {
            let Some(slug) = team.as_str() else { continue };
            if everyone.iter().any(|e| e == slug) {
                errors.at(
                    team.start,
                    format!(
                        "team `{slug}` is in `everyone` and also in role `{role}`: everyone with a github_username would be expected in it, so the role would grant nothing"
                    ),
                    format!(
                        "remove `{slug}` from `everyone` if `{role}` is what grants it, or from `{role}` if every person belongs in it"
                    ),
                );
            }
        }
    }
}

/// `roles`: a non-empty mapping of role name -> non-empty list of team slugs.
pub(super) fn roles(
    value: &Node,
    text: &str,
    out: &mut BTreeMap<String, Vec<String>>,
    errors: &mut Errors<'_>,
) {
    let example = "e.g. `production_deploy_access: [gov-uk-production-deploy]`";
    let Some(entries) = value.as_map() else {
        errors.at(
            value.start,
            format!(
                "`roles` must map each role to its teams, but it is {}",
                value.describe()
            ),
            format!("write one role per line under `roles:`, {example}"),
        );
        return;
    };
    if entries.is_empty() {
        errors.at(
            value.start,
            "`roles` is empty",
            format!("list at least one role, {example}"),
        );
    }
    for (key, teams) in entries {
        let role = match key.as_str() {
            Some(r) if !r.trim().is_empty() && !r.contains(char::is_whitespace) => r,
            _ => {
                errors.at(
                    key.start,
                    format!("`{}` is not a valid role name", check::show(key, text)),
                    "a role name is one word, e.g. `production_deploy_access`",
                );
                continue;
            }
        };
        let slugs = slugs(role, teams, text, errors);
        if slugs.is_empty() && matches!(teams.kind, NodeKind::Seq { .. } | NodeKind::Null) {
            errors.at(
                teams.start,
                format!("role `{role}` has no teams"),
                format!("list the GitHub teams that grant `{role}`, e.g. `{role}: [gov-uk-production-deploy]`"),
            );
        }
        out.entry(role.to_owned()).or_insert(slugs);
    }
}

/// A list of team slugs (null means empty).
pub(super) fn slugs(key: &str, value: &Node, text: &str, errors: &mut Errors<'_>) -> Vec<String> {
    strings(key, value, text, errors, |slug, node, errors| {
        if !check::is_valid_slug(slug) {
            errors.at(
                node.start,
                format!("`{}` is not a valid team slug", check::show(node, text)),
                "use the team's slug from its GitHub URL: lowercase letters, digits, `-`, `_` or `.`, starting with a letter or digit, at most 100 characters",
            );
        }
    })
}

/// A list of strings (null means empty), each checked by `check`.
pub(super) fn strings(
    key: &str,
    value: &Node,
    text: &str,
    errors: &mut Errors<'_>,
    check: impl Fn(&str, &Node, &mut Errors<'_>),
) -> Vec<String> {
    if value.is_null() {
        return Vec::new();
    }
    let Some(items) = value.as_seq() else {
        errors.at(
            value.start,
            format!("`{key}` must be a list, but it is {}", value.describe()),
            format!("write a list, e.g. `{key}: [{}]`", check::show(value, text)),
        );
        return Vec::new();
    };
    let mut out = Vec::with_capacity(items.len());
    for item in items {
        match item.as_str() {
            Some(s) => {
                check(s, item, errors);
                out.push(s.to_owned());
            }
            None => errors.at(
                item.start,
                format!(
                    "an item of `{key}` must be a single value, but it is {}",
                    item.describe()
                ),
                format!("write `{key}` as a list of names, e.g. `{key}: [a, b]`"),
            ),
        }
    }
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn errors(text: &str) -> Vec<String> {
        match Mapping::parse("m.yml", text) {
            Ok(m) => panic!("expected errors, got {m:?}"),
            Err(e) => e.0.iter().map(ToString::to_string).collect(),
        }
    }

    #[test]
    fn builtin_parses() {
        let m = Mapping::builtin();
        let gh = m.github.as_ref().unwrap();
        assert_eq!(gh.org, "alphagov");
        assert_eq!(gh.everyone, vec!["gov-uk"]);
        assert_eq!(m.role_names(), vec![PLATFORM_ROLE, ADMIN_ROLE, DEPLOY_ROLE]);
        assert_eq!(gh.roles[PLATFORM_ROLE], vec!["gov-uk-production-admin"]);
        assert_eq!(m.version, 1);
        assert_eq!(m.systems(), vec![System::Github]);
        assert_eq!(m.level(PLATFORM_ROLE), AccessLevel::PlatformEngineer);
        assert_eq!(m.level(DEPLOY_ROLE), AccessLevel::Deploy);
        assert!(m.is_ignored("GOVUK-CI"));
        assert!(m.senior_tech.is_empty());
        assert_eq!(
            m.managed_teams(),
            vec![
                "gov-uk",
                "gov-uk-production-admin",
                "gov-uk-production-deploy"
            ]
        );
    }

    #[test]
    fn minimal_mapping() {
        let m = Mapping::parse("m.yml", "org: x\nroles:\n  r: [t]\n").unwrap();
        let gh = m.github.as_ref().unwrap();
        assert!(gh.everyone.is_empty() && gh.ignore.is_empty());
        assert_eq!(m.teams_for(Some("r")), vec!["t"]);
    }

    #[test]
    fn every_problem_is_reported() {
        let e = errors(
            "org: -bad\neveryone: [Gov-UK]\nroles:\n  a: []\n  b: [ok, 'no spaces']\n  c:\nignore: [bot_1]\nsenior_tech: [[x]]\nsenoir_tech: []\n",
        );
        let joined = e.join("\n");
        assert!(
            joined.contains("m.yml:1:6: `org: -bad` is not a valid GitHub organisation login"),
            "{joined}"
        );
        assert!(
            joined.contains("m.yml:2:12: `Gov-UK` is not a valid team slug"),
            "{joined}"
        );
        assert!(
            joined.contains("m.yml:4:6: role `a` has no teams"),
            "{joined}"
        );
        assert!(
            joined.contains("m.yml:5:11: `'no spaces'` is not a valid team slug"),
            "{joined}"
        );
        assert!(
            joined.contains("m.yml:6:5: role `c` has no teams"),
            "{joined}"
        );
        assert!(
            joined.contains("m.yml:7:10: `bot_1` in `ignore` is not a valid GitHub login"),
            "{joined}"
        );
        assert!(
            joined.contains("m.yml:8:15: an item of `senior_tech` must be a single value"),
            "{joined}"
        );
        assert!(
            joined.contains("m.yml:9:1: unknown key `senoir_tech` in the mapping"),
            "{joined}"
        );
        assert!(joined.contains("did you mean `senior_tech`?"), "{joined}");
        assert_eq!(e.len(), 8, "{joined}");
    }

    #[test]
    fn a_team_in_everyone_and_in_a_role_is_refused() {
        let e = errors(
            "org: x\neveryone: [gov-uk, deploy]\nroles:\n  d: [deploy]\n  a: [admin, gov-uk]\n",
        );
        assert_eq!(e.len(), 2, "{e:?}");
        assert!(
            e[0].starts_with("m.yml:4:7: team `deploy` is in `everyone` and also in role `d`"),
            "{e:?}"
        );
        assert!(
            e[1].starts_with("m.yml:5:14: team `gov-uk` is in `everyone` and also in role `a`"),
            "{e:?}"
        );
    }

    #[test]
    fn required_keys() {
        let e = errors("everyone: []\n");
        assert_eq!(e.len(), 2, "{e:?}");
        assert!(e[0].contains("no `org`"));
        assert!(e[1].contains("no `roles`"));
        assert!(errors("")[0].contains("the mapping file is empty"));
        assert!(errors("- a\n")[0].contains("but it is a sequence"));
        assert!(errors("org: x\nroles: {}\n")[0].contains("`roles` is empty"));
    }
}
