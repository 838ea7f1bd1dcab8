//! Mapping v2 (`version: 2`): `senior_tech`, `roles` with a `level`, and one section per system
//! under `systems` (the contract, "Mapping v2"). Every section is validated here, including the
//! systems whose readers come later, so a typo is a located error today (exit 2) rather than a
//! silent gap when the reader lands.

use std::collections::BTreeMap;

use super::check::{self, Errors};
use super::mapping::{
    self, AccessLevel, GITHUB_KEYS, GithubMapping, MAPPING_V2_KEYS, Mapping, RoleDef,
};
use super::yaml::Node;
use crate::system::System;

/// `systems.aws`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AwsMapping {
    /// The account whose IAM users are the people (`arn:aws:iam::<users_account>:user/<email>`).
    pub users_account: String,
    /// Managed role-name suffixes: a role named `<local part>-<suffix>` is managed.
    pub suffixes: Vec<String>,
    /// Role names never reported.
    pub ignore: Vec<String>,
    /// Account name -> account, in name order.
    pub accounts: BTreeMap<String, AwsAccount>,
}

/// One account under `systems.aws.accounts`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AwsAccount {
    pub id: String,
    /// The role to assume to read this account; `None`: the ambient credentials.
    pub read_role: Option<String>,
    /// Config role -> the suffixes of the roles a person with it gets here.
    pub roles: BTreeMap<String, Vec<String>>,
    /// Suffixes held while a temporary_admin.yml entry is unexpired.
    pub temporary: Vec<String>,
}

/// One account system (sentry, fastly, pagerduty, signon, gcp, logit): one mapping shape.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AccountMapping {
    /// Config role -> the system role that person should hold.
    pub roles: BTreeMap<String, String>,
    /// The system role expected for every other person with an email; `None`: not expected.
    pub default: Option<String>,
    /// System roles whose holders must all be declared; `None`: every role.
    pub managed: Option<Vec<String>>,
    /// Emails never reported.
    pub ignore: Vec<String>,
    /// Sentry: the organisation slug.
    pub org: Option<String>,
    /// Fastly: the customer id.
    pub customer_id: Option<String>,
    /// GCP: the group's email.
    pub group: Option<String>,
}

impl AccountMapping {
    /// Whether holders of `role` must all be declared.
    pub fn is_managed(&self, role: &str) -> bool {
        self.managed
            .as_ref()
            .is_none_or(|m| m.iter().any(|r| r == role))
    }

    /// Whether this email is never reported (compared case-insensitively).
    pub fn is_ignored(&self, email: &str) -> bool {
        self.ignore.iter().any(|i| i.eq_ignore_ascii_case(email))
    }
}

/// The keys of an account system's section.
pub fn account_keys(system: System) -> &'static [&'static str] {
    match system {
        System::Sentry => &["roles", "default", "managed", "ignore", "org"],
        System::Fastly => &["roles", "default", "managed", "ignore", "customer_id"],
        System::Gcp => &["roles", "default", "managed", "ignore", "group"],
        _ => &["roles", "default", "managed", "ignore"],
    }
}

/// The keys of `systems.aws`, and of one of its accounts.
pub const AWS_KEYS: &[&str] = &["users_account", "suffixes", "ignore", "accounts"];
pub const AWS_ACCOUNT_KEYS: &[&str] = &["id", "read_role", "roles", "temporary"];

/// Read a v2 mapping; `None` when the top level is not a mapping.
pub(super) fn read_v2(
    path: &str,
    root: &Node,
    text: &str,
    errors: &mut Errors<'_>,
) -> Option<Mapping> {
    let entries = root.as_map()?;
    let mut m = Mapping {
        path: path.to_owned(),
        version: 2,
        roles: BTreeMap::new(),
        senior_tech: Vec::new(),
        extra_keys: Vec::new(),
        github: None,
        aws: None,
        accounts: BTreeMap::new(),
    };
    let mut systems_node = None;
    for (key, value) in known_keys(entries, "the mapping", MAPPING_V2_KEYS, text, errors) {
        match key {
            "version" if value.as_str() != Some("2") => {
                errors.at(
                    value.start,
                    format!(
                        "`version: {}` is not a mapping version this tool reads",
                        check::show(value, text)
                    ),
                    "write `version: 2`, or remove `version` for a v1 mapping (top-level `org`, `roles` as team lists)",
                );
            }
            "senior_tech" => {
                m.senior_tech = mapping::strings(key, value, text, errors, |name, node, errors| {
                    if name.trim().is_empty() {
                        errors.at(
                            node.start,
                            "an empty name in `senior_tech`",
                            "list the Senior Tech members' names, as written in admin_checklist_reviewed_by",
                        );
                    }
                });
            }
            "roles" => m.roles = role_levels(value, text, errors),
            "systems" => systems_node = Some(value),
            "extra_keys" => m.extra_keys = super::unknown::extra_keys(value, text, errors),
            _ => {}
        }
    }
    if root.get("roles").is_none() {
        errors.at(
            root.start,
            "the mapping has no `roles`",
            "add `roles:` with each role's level, e.g. `production_deploy_access: {level: deploy}`",
        );
    }
    let Some(systems) = systems_node else {
        errors.at(
            root.start,
            "the mapping has no `systems`",
            "add `systems:` with at least `github:` (org, everyone, roles, ignore)",
        );
        return Some(m);
    };
    let Some(sections) = systems.as_map() else {
        errors.at(
            systems.start,
            format!(
                "`systems` must map each system to its section, but it is {}",
                systems.describe()
            ),
            format!(
                "write one system per line under `systems:`; the systems are {}",
                System::names().join(", ")
            ),
        );
        return Some(m);
    };
    let declared = m.roles.clone();
    for (key, value) in sections {
        let Some(name) = key.as_str() else {
            errors.at(
                key.start,
                format!(
                    "a system name must be a word, but this one is {}",
                    key.describe()
                ),
                format!("the systems are {}", System::names().join(", ")),
            );
            continue;
        };
        let system = match name.parse::<System>() {
            Ok(s) => s,
            Err(_) => {
                let names = System::names();
                let help = match check::did_you_mean(name, &names) {
                    Some(known) => format!("did you mean `{known}`?"),
                    None => format!("remove it; the systems are {}", names.join(", ")),
                };
                errors.at(
                    key.start,
                    format!("unknown system `{name}` in `systems`"),
                    help,
                );
                continue;
            }
        };
        let Some(section) = section(system, value, errors) else {
            continue;
        };
        let ctx = Section {
            system,
            node: value,
            entries: section,
            text,
            declared: &declared,
        };
        match system {
            System::Github => m.github = Some(github(&ctx, errors)),
            System::Aws => m.aws = Some(aws(&ctx, errors)),
            other => {
                m.accounts.insert(other, account(&ctx, errors));
            }
        }
    }
    if m.systems().is_empty() && errors.list.is_empty() {
        errors.at(
            systems.start,
            "`systems` is empty: nothing would be checked",
            "configure at least one system, e.g. `github: {org: alphagov, roles: {...}}`",
        );
    }
    Some(m)
}

/// The entries of one system's section, or an error when it is not a mapping.
fn section<'n>(
    system: System,
    value: &'n Node,
    errors: &mut Errors<'_>,
) -> Option<&'n [(Node, Node)]> {
    match value.as_map() {
        Some(entries) => Some(entries),
        None => {
            errors.at(
                value.start,
                format!(
                    "`systems.{system}` must be a mapping of its keys, but it is {}",
                    value.describe()
                ),
                "see the contract's \"Mapping v2\" for the keys of each system",
            );
            None
        }
    }
}

/// One system's section being read.
struct Section<'a> {
    system: System,
    node: &'a Node,
    entries: &'a [(Node, Node)],
    text: &'a str,
    declared: &'a BTreeMap<String, RoleDef>,
}

impl Section<'_> {
    fn name(&self) -> String {
        format!("systems.{}", self.system)
    }

    fn require(&self, key: &str, example: &str, errors: &mut Errors<'_>) {
        if self.node.get(key).is_none() {
            errors.at(
                self.node.start,
                format!("`{}` has no `{key}`", self.name()),
                format!("add `{key}`, e.g. `{example}`"),
            );
        }
    }

    /// A role name used in this section must be declared in the top-level `roles`.
    fn declared_role(&self, key: &Node, where_: &str, errors: &mut Errors<'_>) -> Option<String> {
        let role = key.as_str()?;
        if self.declared.contains_key(role) {
            return Some(role.to_owned());
        }
        let names: Vec<&str> = self.declared.keys().map(String::as_str).collect();
        let hint = check::did_you_mean(role, &names)
            .map(|r| format!("did you mean `{r}`? "))
            .unwrap_or_default();
        errors.at(
            key.start,
            format!("role `{role}` in `{where_}` is not declared in the mapping's `roles`"),
            format!(
                "{hint}the declared roles are: {}; add `{role}` to `roles` with its level, or use one of them",
                names.join(", ")
            ),
        );
        None
    }
}

/// `roles: {name: {level: deploy|admin|platform}}`.
fn role_levels(value: &Node, text: &str, errors: &mut Errors<'_>) -> BTreeMap<String, RoleDef> {
    let example = "e.g. `production_admin_access: {level: admin}`";
    let mut out = BTreeMap::new();
    let Some(entries) = value.as_map() else {
        errors.at(
            value.start,
            format!(
                "`roles` must map each role to its level, but it is {}",
                value.describe()
            ),
            format!("write one role per line under `roles:`, {example}"),
        );
        return out;
    };
    if entries.is_empty() {
        errors.at(
            value.start,
            "`roles` is empty",
            format!("declare at least one role, {example}"),
        );
    }
    let levels: Vec<&str> = AccessLevel::ALL.iter().map(|l| l.as_str()).collect();
    for (key, def) in entries {
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
        let Some(fields) = def.as_map() else {
            errors.at(
                def.start,
                format!(
                    "role `{role}` must be a mapping with its `level`, but it is {}",
                    def.describe()
                ),
                format!("write `{role}: {{level: deploy}}` (deploy, admin or platform)"),
            );
            out.insert(
                role.to_owned(),
                RoleDef {
                    level: AccessLevel::Deploy,
                },
            );
            continue;
        };
        // A role with a bad level is still declared, so its uses are not reported twice.
        let mut level = Some(AccessLevel::Deploy);
        for (k, v) in known_keys(fields, &format!("role `{role}`"), &["level"], text, errors) {
            if k == "level" {
                match v.as_str().and_then(AccessLevel::parse) {
                    Some(l) => level = Some(l),
                    None => errors.at(
                        v.start,
                        format!("`level: {}` is not a level", check::show(v, text)),
                        format!(
                            "the levels are {}: admin and platform need probation and the admin checklist",
                            levels.join(", ")
                        ),
                    ),
                }
            }
        }
        if def.get("level").is_none() {
            errors.at(
                def.start,
                format!("role `{role}` has no `level`"),
                format!(
                    "add `level: deploy`, `admin` or `platform`, e.g. `{role}: {{level: deploy}}`"
                ),
            );
        }
        if let Some(level) = level {
            out.insert(role.to_owned(), RoleDef { level });
        }
    }
    out
}

/// `systems.github`: today's keys (org, everyone, roles, ignore), with roles declared at the top.
fn github(s: &Section<'_>, errors: &mut Errors<'_>) -> GithubMapping {
    let mut g = GithubMapping::default();
    let text = s.text;
    for (key, value) in known_keys(s.entries, "systems.github", GITHUB_KEYS, text, errors) {
        match key {
            "org" => {
                if let Some(org) = mapping::org(value, text, errors) {
                    g.org = org;
                }
            }
            "everyone" => g.everyone = mapping::slugs(key, value, text, errors),
            "roles" => {
                mapping::roles(value, text, &mut g.roles, errors);
                for (role, _) in value.as_map().unwrap_or_default() {
                    if s.declared_role(role, "systems.github.roles", errors)
                        .is_none()
                        && let Some(r) = role.as_str()
                    {
                        g.roles.remove(r);
                    }
                }
                mapping::everyone_in_a_role(
                    &g.everyone,
                    value.as_map().unwrap_or_default(),
                    errors,
                );
            }
            "ignore" => {
                g.ignore = mapping::strings(key, value, text, errors, |login, node, errors| {
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
            _ => {}
        }
    }
    s.require("org", "org: alphagov", errors);
    s.require(
        "roles",
        "roles: {production_deploy_access: [gov-uk-production-deploy]}",
        errors,
    );
    g
}

/// `systems.aws`.
fn aws(s: &Section<'_>, errors: &mut Errors<'_>) -> AwsMapping {
    let mut a = AwsMapping::default();
    let text = s.text;
    let mut accounts_node = None;
    for (key, value) in known_keys(s.entries, "systems.aws", AWS_KEYS, text, errors) {
        match key {
            "users_account" => {
                a.users_account = account_id(key, value, text, errors).unwrap_or_default()
            }
            "suffixes" => {
                a.suffixes = mapping::strings(key, value, text, errors, |sfx, node, errors| {
                    if !is_role_name(sfx) {
                        errors.at(
                            node.start,
                            format!(
                                "`{}` is not a valid IAM role-name suffix",
                                check::show(node, text)
                            ),
                            "use letters, digits and `+=,.@_-`, e.g. `developer`",
                        );
                    }
                });
                if a.suffixes.is_empty() {
                    errors.at(
                        value.start,
                        "`systems.aws.suffixes` is empty",
                        "list the managed suffixes, e.g. `[developer, fulladmin]`",
                    );
                }
            }
            "ignore" => a.ignore = mapping::strings(key, value, text, errors, |_, _, _| {}),
            "accounts" => accounts_node = Some(value),
            _ => {}
        }
    }
    s.require("users_account", "users_account: \"999999999999\"", errors);
    s.require("suffixes", "suffixes: [developer, fulladmin]", errors);
    s.require(
        "accounts",
        "accounts: {staging: {id: \"111111111111\", roles: {...}}}",
        errors,
    );
    let Some(accounts) = accounts_node else {
        return a;
    };
    let Some(entries) = accounts.as_map() else {
        errors.at(
            accounts.start,
            format!(
                "`systems.aws.accounts` must map account names to accounts, but it is {}",
                accounts.describe()
            ),
            "write e.g. `accounts: {staging: {id: \"111111111111\", roles: {...}}}`",
        );
        return a;
    };
    for (key, value) in entries {
        let Some(name) = key
            .as_str()
            .filter(|n| !n.trim().is_empty() && !n.contains(':'))
        else {
            errors.at(
                key.start,
                format!("`{}` is not a valid account name", check::show(key, text)),
                "an account name is one word without `:`, e.g. `staging`",
            );
            continue;
        };
        let Some(fields) = value.as_map() else {
            errors.at(
                value.start,
                format!(
                    "account `{name}` must be a mapping, but it is {}",
                    value.describe()
                ),
                "write e.g. `staging: {id: \"111111111111\", roles: {...}}`",
            );
            continue;
        };
        let where_ = format!("systems.aws.accounts.{name}");
        let mut acct = AwsAccount::default();
        for (k, v) in known_keys(fields, &where_, AWS_ACCOUNT_KEYS, text, errors) {
            match k {
                "id" => acct.id = account_id(k, v, text, errors).unwrap_or_default(),
                "read_role" => match v.as_str() {
                    Some(arn) if arn.starts_with("arn:") && arn.contains(":role/") => {
                        acct.read_role = Some(arn.to_owned());
                    }
                    _ => errors.at(
                        v.start,
                        format!("`read_role: {}` is not an IAM role ARN", check::show(v, text)),
                        "write e.g. `read_role: arn:aws:iam::111111111111:role/access-reconciler-read`, or remove it to use the ambient credentials",
                    ),
                },
                "roles" => {
                    let Some(roles) = v.as_map() else {
                        errors.at(
                            v.start,
                            format!("`{where_}.roles` must map config roles to suffixes, but it is {}", v.describe()),
                            "write e.g. `roles: {production_deploy_access: [developer]}`",
                        );
                        continue;
                    };
                    for (rk, rv) in roles {
                        let suffixes = suffix_list(&a.suffixes, rk.as_str().unwrap_or("roles"), rv, text, errors);
                        if let Some(role) = s.declared_role(rk, &format!("{where_}.roles"), errors) {
                            acct.roles.insert(role, suffixes);
                        }
                    }
                }
                "temporary" => acct.temporary = suffix_list(&a.suffixes, "temporary", v, text, errors),
                _ => {}
            }
        }
        if value.get("id").is_none() {
            errors.at(
                value.start,
                format!("account `{name}` has no `id`"),
                "add its 12-digit id, e.g. `id: \"111111111111\"`",
            );
        }
        a.accounts.insert(name.to_owned(), acct);
    }
    a
}

/// A list of suffixes that must each be one of the managed `suffixes`.
fn suffix_list(
    managed: &[String],
    key: &str,
    value: &Node,
    text: &str,
    errors: &mut Errors<'_>,
) -> Vec<String> {
    mapping::strings(key, value, text, errors, |sfx, node, errors| {
        if !managed.iter().any(|m| m.eq_ignore_ascii_case(sfx)) {
            errors.at(
                node.start,
                format!("suffix `{sfx}` is not in `systems.aws.suffixes`"),
                format!(
                    "add it to `suffixes`, or use one of: {}",
                    managed.join(", ")
                ),
            );
        }
    })
}

/// A 12-digit AWS account id.
fn account_id(key: &str, value: &Node, text: &str, errors: &mut Errors<'_>) -> Option<String> {
    match value.as_str() {
        Some(id) if id.len() == 12 && id.bytes().all(|b| b.is_ascii_digit()) => Some(id.to_owned()),
        _ => {
            errors.at(
                value.start,
                format!(
                    "`{key}: {}` is not a 12-digit AWS account id",
                    check::show(value, text)
                ),
                format!("write it quoted, e.g. `{key}: \"111111111111\"`"),
            );
            None
        }
    }
}

/// An IAM role name (or part of one): letters, digits and `+=,.@_-`.
fn is_role_name(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 64
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"+=,.@_-".contains(&b))
}

/// An account system's section (sentry, fastly, pagerduty, signon, gcp, logit).
fn account(s: &Section<'_>, errors: &mut Errors<'_>) -> AccountMapping {
    let mut a = AccountMapping::default();
    let text = s.text;
    let where_ = s.name();
    let system = s.system;
    let system_role = |v: &Node, errors: &mut Errors<'_>| -> Option<String> {
        let Some(role) = v.as_str().filter(|r| !r.trim().is_empty()) else {
            errors.at(
                v.start,
                format!("a {system} role must be a name, but it is {}", v.describe()),
                "write the role as the system names it, e.g. `admin`",
            );
            return None;
        };
        if let Some(ranks) = system.ranks()
            && !ranks.contains(&role)
        {
            let hint = check::did_you_mean(role, ranks)
                .map(|r| format!("did you mean `{r}`? "))
                .unwrap_or_default();
            errors.at(
                v.start,
                format!("`{role}` is not a {system} role"),
                format!("{hint}the {system} roles are: {}", ranks.join(", ")),
            );
            return None;
        }
        Some(role.to_owned())
    };
    for (key, value) in known_keys(s.entries, &where_, account_keys(system), text, errors) {
        match key {
            "roles" => {
                let Some(roles) = value.as_map() else {
                    errors.at(
                        value.start,
                        format!("`{where_}.roles` must map config roles to {system} roles, but it is {}", value.describe()),
                        "write e.g. `roles: {production_admin_access: admin}`",
                    );
                    continue;
                };
                for (rk, rv) in roles {
                    let role = system_role(rv, errors);
                    if let (Some(config_role), Some(role)) = (
                        s.declared_role(rk, &format!("{where_}.roles"), errors),
                        role,
                    ) {
                        a.roles.insert(config_role, role);
                    }
                }
            }
            "default" => a.default = system_role(value, errors),
            "managed" => {
                let mut managed = Vec::new();
                match value.as_seq() {
                    Some(items) => {
                        for item in items {
                            managed.extend(system_role(item, errors));
                        }
                    }
                    None => errors.at(
                        value.start,
                        format!("`{where_}.managed` must be a list of {system} roles, but it is {}", value.describe()),
                        "write e.g. `managed: [Superadmin, Admin]`, or remove it to manage every role",
                    ),
                }
                a.managed = Some(managed);
            }
            "ignore" => {
                a.ignore = mapping::strings(key, value, text, errors, |email, node, errors| {
                    if !email.contains('@') {
                        errors.at(
                            node.start,
                            format!(
                                "`{}` in `{where_}.ignore` is not an email",
                                check::show(node, text)
                            ),
                            "list the emails never reported, e.g. `ignore: [bot@example.gov.uk]`",
                        );
                    }
                });
            }
            "org" => a.org = required_string(key, value, text, errors),
            "customer_id" => a.customer_id = required_string(key, value, text, errors),
            "group" => a.group = required_string(key, value, text, errors),
            _ => {}
        }
    }
    s.require("roles", "roles: {production_admin_access: admin}", errors);
    match system {
        System::Sentry => s.require("org", "org: govuk", errors),
        System::Fastly => s.require("customer_id", "customer_id: \"abc123\"", errors),
        System::Gcp => s.require("group", "group: govuk-gcp-access@example.gov.uk", errors),
        _ => {}
    }
    a
}

fn required_string(key: &str, value: &Node, text: &str, errors: &mut Errors<'_>) -> Option<String> {
    match value.as_str().filter(|v| !v.trim().is_empty()) {
        Some(v) => Some(v.to_owned()),
        None => {
            errors.at(
                value.start,
                format!(
                    "`{key}` must be a single value, but it is {}",
                    value.describe()
                ),
                format!("write e.g. `{key}: {}`", check::show(value, text)),
            );
            None
        }
    }
}

/// The entries whose keys are in `known`; every other key is a located error (with "did you
/// mean"), and so is a key that is not a plain word.
fn known_keys<'n>(
    entries: &'n [(Node, Node)],
    where_: &str,
    known: &[&str],
    text: &str,
    errors: &mut Errors<'_>,
) -> Vec<(&'n str, &'n Node)> {
    let mut out = Vec::new();
    for (key, value) in entries {
        let Some(k) = key.as_str() else {
            errors.at(
                key.start,
                format!(
                    "a key must be a plain word, but this one is {}",
                    key.describe()
                ),
                format!("the keys of {where_} are {}", known.join(", ")),
            );
            continue;
        };
        if known.contains(&k) {
            out.push((k, value));
            continue;
        }
        let (message, help) = match check::did_you_mean(k, known) {
            Some(found) => (
                format!("unknown key `{k}` in {where_}: did you mean `{found}`?"),
                format!("rename it to `{found}`"),
            ),
            None => {
                let moved = if where_ == "the mapping" && mapping::MAPPING_KEYS.contains(&k) {
                    format!("; in a version 2 mapping, `{k}` goes under `systems.github`")
                } else {
                    String::new()
                };
                (
                    format!("unknown key `{k}` in {where_}"),
                    format!("remove it{moved}; the keys are {}", known.join(", ")),
                )
            }
        };
        let _ = text;
        errors.at(key.start, message, help);
    }
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    /// The contract's example mapping, verbatim.
    pub const CONTRACT_EXAMPLE: &str = r#"version: 2
senior_tech: []
roles:                               # the valid `role` values, and which rules each needs
  production_deploy_access: {level: deploy}
  production_admin_access: {level: admin}
  platformengineer: {level: platform}   # deploy < admin < platform; admin and platform need the admin rules
systems:
  github:
    org: alphagov
    everyone: [gov-uk]
    roles:
      production_deploy_access: [gov-uk-production-deploy]
      production_admin_access: [gov-uk-production-admin]
      platformengineer: [gov-uk-production-admin]
    ignore: [govuk-ci]
  aws:
    users_account: "999999999999"    # trust principal of a person: arn:aws:iam::<users_account>:user/<email>
    suffixes: [developer, fulladmin, platformengineer, readonly, tempadmin]   # managed role-name suffixes
    ignore: []                        # role names never reported
    accounts:
      staging:
        id: "111111111111"
        read_role: arn:aws:iam::111111111111:role/access-reconciler-read      # optional
        roles:                        # config role -> suffixes of the roles a person gets here
          production_deploy_access: [developer]
          production_admin_access: [developer, fulladmin]
          platformengineer: [developer, fulladmin, platformengineer]
        temporary: [tempadmin]        # suffixes held while a temporary_admin.yml entry is unexpired
      production:
        id: "222222222222"
        roles:
          production_admin_access: [developer]
          platformengineer: [developer, fulladmin, platformengineer]
        temporary: [tempadmin]
  sentry:     {org: govuk, roles: {production_admin_access: admin, platformengineer: admin}, default: member, ignore: []}
  fastly:     {customer_id: "abc123", roles: {production_admin_access: engineer, platformengineer: engineer}}
  pagerduty:  {roles: {production_admin_access: user, platformengineer: user}}
  signon:     {roles: {production_admin_access: Superadmin, platformengineer: Superadmin, production_deploy_access: Normal}, managed: [Superadmin, Admin]}
  gcp:        {group: govuk-gcp-access@example.gov.uk, roles: {production_admin_access: member, platformengineer: member}}
  logit:      {roles: {production_deploy_access: GOV.UK Users, production_admin_access: GOV.UK Users, platformengineer: GOV.UK Users}}
"#;

    fn errors(text: &str) -> Vec<String> {
        match Mapping::parse("m.yml", text) {
            Ok(m) => panic!("expected errors, got {m:?}"),
            Err(e) => e.0.iter().map(ToString::to_string).collect(),
        }
    }

    #[test]
    fn the_contract_example_parses_whole() {
        let m = Mapping::parse("m.yml", CONTRACT_EXAMPLE).unwrap();
        assert_eq!(m.version, 2);
        assert_eq!(m.systems(), System::ALL.to_vec());
        assert_eq!(m.level("platformengineer"), AccessLevel::PlatformEngineer);
        let gh = m.github.as_ref().unwrap();
        assert_eq!(gh.org, "alphagov");
        // The GitHub section means what the v1 mapping means.
        assert_eq!(gh, Mapping::builtin().github.as_ref().unwrap());
        let aws = m.aws.as_ref().unwrap();
        assert_eq!(aws.users_account, "999999999999");
        assert_eq!(aws.accounts["staging"].roles["platformengineer"].len(), 3);
        assert_eq!(
            aws.accounts["staging"].read_role.as_deref(),
            Some("arn:aws:iam::111111111111:role/access-reconciler-read")
        );
        assert_eq!(aws.accounts["production"].read_role, None);
        let sentry = &m.accounts[&System::Sentry];
        assert_eq!(sentry.org.as_deref(), Some("govuk"));
        assert_eq!(sentry.default.as_deref(), Some("member"));
        assert!(sentry.is_managed("owner"));
        let signon = &m.accounts[&System::Signon];
        assert!(signon.is_managed("Admin") && !signon.is_managed("Normal"));
        assert_eq!(
            m.accounts[&System::Logit].roles["platformengineer"],
            "GOV.UK Users"
        );
        assert_eq!(
            m.accounts[&System::Fastly].customer_id.as_deref(),
            Some("abc123")
        );
        assert_eq!(
            m.accounts[&System::Gcp].group.as_deref(),
            Some("govuk-gcp-access@example.gov.uk")
        );
    }

    #[test]
    fn only_some_systems() {
        let m = Mapping::parse(
            "m.yml",
            "version: 2\nroles: {r: {level: deploy}}\nsystems:\n  pagerduty: {roles: {r: user}}\n",
        )
        .unwrap();
        assert_eq!(m.systems(), vec![System::Pagerduty]);
        assert!(m.github.is_none() && m.org().is_none() && m.managed_teams().is_empty());
    }

    #[test]
    fn every_problem_is_located() {
        let e = errors(
            "version: 2\norg: x\nroles:\n  r: {level: admn}\n  s: {}\nsystems:\n  jira: {}\n  githb: {}\n  github: {org: o, roles: {q: [t]}, ignor: []}\n  sentry: {roles: {r: amdin}}\n  aws: {users_account: 12, suffixes: [dev], accounts: {a: {id: \"111111111111\", roles: {r: [ops]}, color: x}}}\n",
        );
        let joined = e.join("\n");
        for want in [
            "m.yml:2:1: unknown key `org` in the mapping",
            "`org` goes under `systems.github`",
            "m.yml:4:14: `level: admn` is not a level",
            "m.yml:5:6: role `s` has no `level`",
            "m.yml:7:3: unknown system `jira` in `systems`",
            "m.yml:8:3: unknown system `githb` in `systems`",
            "did you mean `github`?",
            "m.yml:9:28: role `q` in `systems.github.roles` is not declared in the mapping's `roles`",
            "m.yml:9:37: unknown key `ignor` in systems.github: did you mean `ignore`?",
            "m.yml:10:11: `systems.sentry` has no `org`",
            "m.yml:10:23: `amdin` is not a sentry role",
            "did you mean `admin`?",
            "m.yml:11:24: `users_account: 12` is not a 12-digit AWS account id",
            "m.yml:11:92: suffix `ops` is not in `systems.aws.suffixes`",
            "m.yml:11:99: unknown key `color` in systems.aws.accounts.a",
        ] {
            assert!(joined.contains(want), "missing {want:?} in:\n{joined}");
        }
    }

    #[test]
    fn version_and_required_keys() {
        assert!(errors("version: 3\nroles: {r: {level: deploy}}\nsystems: {pagerduty: {roles: {r: user}}}\n")[0]
            .contains("`version: 3` is not a mapping version"));
        let e = errors("version: 2\n");
        assert!(e.iter().any(|e| e.contains("no `roles`")), "{e:?}");
        assert!(e.iter().any(|e| e.contains("no `systems`")), "{e:?}");
        let e = errors("version: 2\nroles: {r: {level: deploy}}\nsystems: {}\n");
        assert!(e[0].contains("`systems` is empty"), "{e:?}");
    }

    #[test]
    fn each_system_needs_its_identity_field_with_a_role() {
        let parse = |mapping: &str, config: &str| {
            let m = Mapping::parse("m.yml", mapping).unwrap();
            crate::config::people::parse("c.yml", config, &m)
                .map(|_| ())
                .map_err(|e| e.to_string())
        };
        let pagerduty_only =
            "version: 2\nroles: {r: {level: deploy}}\nsystems:\n  pagerduty: {roles: {r: user}}\n";
        let github_only = "version: 2\nroles: {r: {level: deploy}}\nsystems:\n  github: {org: o, roles: {r: [t]}}\n";
        // No github configured: no github_username needed; an email is.
        assert!(parse(pagerduty_only, "- name: A\n  email: a@x\n  role: r\n").is_ok());
        let e = parse(
            pagerduty_only,
            "- name: A\n  github_username: a\n  role: r\n",
        )
        .unwrap_err();
        assert!(
            e.contains("c.yml:1:3: `role: r` (line 3) is set but the entry has no `email`, which pagerduty identifies people by"),
            "{e}"
        );
        // GitHub only: as v1, a login and no email.
        assert!(parse(github_only, "- name: A\n  github_username: a\n  role: r\n").is_ok());
        assert!(parse(github_only, "- name: A\n  email: a@x\n  role: r\n").is_err());
    }
}
