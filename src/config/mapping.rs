//! The mapping from roles to GitHub teams (`--mapping PATH`, or the built-in default).

use std::collections::BTreeMap;

use super::ConfigErrors;
use super::check::{self, Errors};
use super::yaml::{Node, NodeKind};

/// The keys of a mapping file.
pub const MAPPING_KEYS: &[&str] = &[
    "org",
    "everyone",
    "roles",
    "ignore",
    "senior_tech",
    "extra_keys",
];

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
/// Roles the rules do not name are treated as deploy-level.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum AccessLevel {
    Deploy,
    Admin,
    PlatformEngineer,
}

impl AccessLevel {
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
}

/// A validated mapping.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mapping {
    /// The path as the user named it, or `(built-in mapping)`.
    pub path: String,
    pub org: String,
    /// Teams every person with a github_username should be in.
    pub everyone: Vec<String>,
    /// Role name -> teams, in file order of roles (BTreeMap for determinism).
    pub roles: BTreeMap<String, Vec<String>>,
    /// Logins allowed in managed teams without a config entry (bots), compared case-insensitively.
    pub ignore: Vec<String>,
    /// When non-empty, admin_checklist_reviewed_by must name one of these.
    pub senior_tech: Vec<String>,
    /// Person keys the config carries that the tool does not read (`extra_keys: [slack]`): not
    /// reported as unknown keys.
    pub extra_keys: Vec<String>,
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

    /// Parse and validate a mapping file, collecting every problem.
    pub fn parse(path: &str, text: &str) -> Result<Mapping, ConfigErrors> {
        let mut errors = Errors::new(path);
        let Some(root) = errors.parse_yaml(text) else {
            return Err(ConfigErrors(errors.into_sorted()));
        };
        let mapping = read_mapping(path, &root, text, &mut errors);
        match mapping {
            Some(m) if errors.list.is_empty() => Ok(m),
            _ => Err(ConfigErrors(errors.into_sorted())),
        }
    }

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
    let mut m = Mapping {
        path: path.to_owned(),
        org: String::new(),
        everyone: Vec::new(),
        roles: BTreeMap::new(),
        ignore: Vec::new(),
        senior_tech: Vec::new(),
        extra_keys: Vec::new(),
    };
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
                match value.as_str() {
                    Some(org) if check::is_valid_login(org) => m.org = org.to_owned(),
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
                m.senior_tech = strings(k, value, text, errors, |name, node, errors| {
                    if name.trim().is_empty() {
                        errors.at(
                            node.start,
                            "an empty name in `senior_tech`",
                            "list the Senior Tech members' names, as written in admin_checklist_reviewed_by",
                        );
                    }
                });
            }
            "extra_keys" => m.extra_keys = super::unknown::extra_keys(value, text, errors),
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
    Some(m)
}

/// A team in `everyone` is expected to hold every person with a github_username, so a role that
/// also lists it would make `drift` ask for everyone to be added to a role's team: refuse it.
fn everyone_in_a_role(everyone: &[String], roles: &[(Node, Node)], errors: &mut Errors<'_>) {
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
fn roles(
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
fn slugs(key: &str, value: &Node, text: &str, errors: &mut Errors<'_>) -> Vec<String> {
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
fn strings(
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
        assert_eq!(m.org, "alphagov");
        assert_eq!(m.everyone, vec!["gov-uk"]);
        assert_eq!(m.role_names(), vec![PLATFORM_ROLE, ADMIN_ROLE, DEPLOY_ROLE]);
        assert_eq!(m.roles[PLATFORM_ROLE], vec!["gov-uk-production-admin"]);
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
        assert!(m.everyone.is_empty() && m.ignore.is_empty());
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
