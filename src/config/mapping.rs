//! The mapping from roles to GitHub teams (`--mapping PATH`, or the built-in default).

use std::collections::BTreeMap;

use super::ConfigErrors;

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
}

impl Mapping {
    /// The built-in default mapping.
    pub fn builtin() -> Mapping {
        match Mapping::parse("(built-in mapping)", DEFAULT_MAPPING) {
            Ok(m) => m,
            // The default is a constant covered by a unit test.
            Err(e) => panic!("the built-in mapping is invalid: {e}"),
        }
    }

    /// Parse and validate a mapping file, collecting every problem.
    pub fn parse(path: &str, text: &str) -> Result<Mapping, ConfigErrors> {
        let _ = (path, text);
        todo!("mapping parser (issue 2)")
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
