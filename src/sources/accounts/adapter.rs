//! The account systems (sentry, fastly, pagerduty, signon, gcp, logit) as systems of the neutral
//! access model: a resource is a system role (a Logit team), a holder is an email, a Sentry
//! invitation is a pending grant (its `expired` as Sentry says), and Fastly's `limit_services` is
//! grant detail, reported by [`Adapter::extra_findings`] as `limited_services`. The whole system
//! is one completeness scope.

use chrono::{DateTime, NaiveDate, Utc};
use serde_json::Value;

use super::findings::{display, limited_services};
use super::{AccountRead, AccountSection, Holding, Origin, is_multi_valued};
use crate::access::{
    Adapter, Detail, Event, Expected, Grant, Pending, Provenance, SourceError, System, SystemRead,
};
use crate::config::Config;
use crate::config::systems::AccountMapping;
use crate::finding::Finding;

/// Grant detail keys.
pub const LIMIT_SERVICES: &str = "limit_services";
/// Read detail: the Sentry org / Fastly customer id the read covers.
pub const SCOPE: &str = "scope";

/// One account system's mapping section as an [`Adapter`].
#[derive(Debug, Clone)]
pub struct AccountAdapter {
    pub system: System,
    pub mapping: AccountMapping,
}

impl AccountAdapter {
    pub fn new(system: System, mapping: &AccountMapping) -> Self {
        AccountAdapter {
            system,
            mapping: mapping.clone(),
        }
    }

    /// The org (Sentry) or customer id (Fastly) the system is read in; "" for the others.
    pub fn scope_name(&self) -> String {
        match self.system {
            System::Sentry => self.mapping.org.clone(),
            System::Fastly => self.mapping.customer_id.clone(),
            System::Gcp => self.mapping.group.clone(),
            _ => None,
        }
        .unwrap_or_default()
    }
}

/// A read of `system` holding these rows, read whole (no provenance).
pub fn holdings_read(system: System, held: &[Holding]) -> SystemRead {
    let mut out = SystemRead::new(system);
    out.read_whole.insert(system.as_str().to_owned());
    out.grants = held.iter().map(|h| grant(system, h)).collect();
    out
}

/// The neutral read of an account section, with where it came from.
pub fn system_read(system: System, read: &AccountRead) -> SystemRead {
    let mut out = holdings_read(system, &read.section.holdings());
    match &read.section {
        AccountSection::Sentry(s) => {
            out.detail
                .insert(SCOPE.into(), Value::String(s.org.clone()));
        }
        AccountSection::Fastly(s) => {
            out.detail
                .insert(SCOPE.into(), Value::String(s.customer_id.clone()));
        }
        _ => {}
    }
    out.provenance = match &read.origin {
        Origin::Api { url } => Provenance::Live { url: url.clone() },
        Origin::Export { path, .. } => Provenance::Export {
            path: path.display().to_string(),
            modified: read.at,
        },
        Origin::Snapshot { path } => Provenance::Snapshot {
            path: path.display().to_string(),
            fetched_at: read.at,
        },
    };
    if let Some(at) = read.at {
        out.detail
            .insert("at".into(), Value::String(at.to_rfc3339()));
    }
    out
}

/// A role as the contract spells it when it names it in another case (Sentry `Admin` is
/// `admin`); unranked roles (Logit teams) are kept as the system spells them.
fn canonical(system: System, role: &str) -> String {
    let role = role.trim();
    system
        .ranks()
        .and_then(|ranks| ranks.iter().find(|r| r.eq_ignore_ascii_case(role)))
        .map_or_else(|| role.to_owned(), |r| (*r).to_owned())
}

fn grant(system: System, h: &Holding) -> Grant {
    let mut detail = Detail::new();
    if h.limit_services {
        detail.insert(LIMIT_SERVICES.into(), Value::Bool(true));
    }
    Grant {
        resource: canonical(system, &h.role),
        holder: h.email.trim().to_owned(),
        pending: h.pending.then_some(Pending {
            sent: None,
            expired: Some(h.expired),
        }),
        detail,
    }
}

/// The section of a neutral read (for `snapshot --out`).
pub fn section(system: System, read: &SystemRead, scope: &str) -> Option<AccountSection> {
    let scope = read
        .detail
        .get(SCOPE)
        .and_then(Value::as_str)
        .unwrap_or(scope);
    let rows: Vec<super::EmailRole> = read
        .grants
        .iter()
        .filter(|g| g.pending.is_none())
        .map(|g| super::EmailRole {
            email: g.holder.clone(),
            role: g.resource.clone(),
        })
        .collect();
    let mut section = AccountSection::from_rows(system, rows, scope)?;
    match &mut section {
        AccountSection::Sentry(s) => {
            s.members.extend(read.grants.iter().filter_map(|g| {
                g.pending.map(|p| super::SentryMember {
                    email: g.holder.clone(),
                    role: g.resource.clone(),
                    pending: true,
                    expired: p.expired.unwrap_or(false),
                })
            }));
        }
        AccountSection::Fastly(s) => {
            for (u, g) in s
                .users
                .iter_mut()
                .zip(read.grants.iter().filter(|g| g.pending.is_none()))
            {
                u.limit_services = g.detail_flag(LIMIT_SERVICES);
            }
        }
        _ => {}
    }
    Some(section)
}

/// "Name (email)" with the config's spelling of the email, or the email as the system spells it.
fn who(person: Option<&crate::config::Person>, holder: &str) -> String {
    match person {
        Some(p) => format!(
            "{} ({})",
            p.name.value,
            p.email.as_ref().map_or(holder, |e| e.value.as_str())
        ),
        None => holder.to_owned(),
    }
}

impl Adapter for AccountAdapter {
    fn system(&self) -> System {
        self.system
    }

    fn scopes(&self) -> Vec<String> {
        vec![self.system.as_str().to_owned()]
    }

    fn expected(&self, config: &Config) -> Vec<Expected> {
        config
            .people
            .iter()
            .enumerate()
            .filter_map(|(index, p)| {
                let email = p.email.as_ref()?.value.clone();
                let (resource, why) = match p
                    .role()
                    .and_then(|r| self.mapping.roles.get(r).map(|s| (r, s)))
                {
                    Some((config_role, role)) => {
                        (role.clone(), format!("their role {config_role} grants it"))
                    }
                    None => (
                        self.mapping.default.clone()?,
                        "it is the default for everyone in the config with an email".to_owned(),
                    ),
                };
                Some(Expected {
                    resource,
                    holder: email,
                    person: index,
                    why,
                })
            })
            .collect()
    }

    fn is_managed(&self, resource: &str) -> bool {
        self.mapping.is_managed(resource)
    }

    fn is_ignored(&self, holder: &str) -> bool {
        self.mapping.is_ignored(holder)
    }

    fn single_valued(&self) -> bool {
        !is_multi_valued(self.system)
    }

    fn rank(&self, resource: &str) -> Option<usize> {
        self.system
            .ranks()
            .and_then(|r| r.iter().position(|x| x.eq_ignore_ascii_case(resource)))
    }

    fn not_recorded(&self, _: &str) -> String {
        format!("{} was not read", self.system)
    }

    fn describe(&self, event: &Event<'_>, f: &mut Finding) {
        let sys = display(self.system);
        let (message, fix) = match *event {
            Event::Missing { person, expected } => {
                let no_invite = if self.system == System::Sentry {
                    " and no pending invitation"
                } else {
                    ""
                };
                (
                    format!(
                        "{} ({}) has no {} account in {sys}{no_invite}, but {}",
                        person.name.value, expected.holder, expected.resource, expected.why
                    ),
                    format!(
                        "give {} the {} role in {sys}, or change their entry in the config",
                        expected.holder, expected.resource
                    ),
                )
            }
            Event::Pending {
                person,
                expected,
                grant,
                expired,
            } => {
                let state = if expired {
                    "the invitation has expired"
                } else {
                    "it has not been accepted yet"
                };
                let other = if grant.resource.eq_ignore_ascii_case(&expected.resource) {
                    String::new()
                } else {
                    format!(", but the config expects {}", expected.resource)
                };
                (
                    format!(
                        "{} ({}) was invited to {sys} as {}{other}; {state}",
                        person.name.value, grant.holder, grant.resource
                    ),
                    if expired {
                        format!(
                            "cancel the expired invitation and invite {} to {sys} again as {}",
                            grant.holder, expected.resource
                        )
                    } else {
                        format!("ask {} to accept the invitation to {sys}", grant.holder)
                    },
                )
            }
            Event::UnexpectedMember { grant, person } => {
                let who = who(person, &grant.holder);
                let why = match person {
                    Some(p) => match p.role() {
                        Some(role) => format!("their role {role} does not grant it"),
                        None => "they have no role in the config".to_owned(),
                    },
                    None => "the email is not in the config".to_owned(),
                };
                (
                    format!("{who} holds {} in {sys}, but {why}", grant.resource),
                    format!(
                        "remove {} from {} in {sys}, or give them a role in the config that \
                         grants it",
                        grant.holder, grant.resource
                    ),
                )
            }
            Event::UnexpectedInvitation {
                grant,
                person,
                expired,
            } => {
                let who = who(person, &grant.holder);
                let state = if expired { " (expired)" } else { "" };
                (
                    format!(
                        "{who} has a pending invitation{state} to {sys} as {}, but the config \
                         does not expect them there",
                        grant.resource
                    ),
                    format!("cancel the invitation of {} to {sys}", grant.holder),
                )
            }
            Event::WrongRole {
                person,
                expected,
                grant,
            } => {
                let direction = if f.severity == crate::finding::Severity::High {
                    "more than"
                } else {
                    "less than"
                };
                (
                    format!(
                        "{} ({}) holds {} in {sys}, {direction} the {} the config expects ({})",
                        person.name.value,
                        grant.holder,
                        grant.resource,
                        expected.resource,
                        expected.why
                    ),
                    format!(
                        "change {}'s role in {sys} from {} to {}, or change their entry in the \
                         config",
                        grant.holder, grant.resource, expected.resource
                    ),
                )
            }
        };
        f.message = message;
        f.fix = fix;
    }

    fn extra_findings(&self, config: &Config, read: &SystemRead, _: NaiveDate) -> Vec<Finding> {
        if self.system != System::Fastly || !read.read_whole.contains(self.system.as_str()) {
            return Vec::new();
        }
        let expected = self.expected(config);
        let mut out = Vec::new();
        for g in read.grants.iter().filter(|g| g.pending.is_none()) {
            if !g.detail_flag(LIMIT_SERVICES) || self.is_ignored(&g.holder) {
                continue;
            }
            let Some(e) = expected
                .iter()
                .find(|e| e.holder.eq_ignore_ascii_case(&g.holder))
            else {
                continue;
            };
            let holding = Holding {
                limit_services: true,
                ..Holding::new(&g.holder, &g.resource)
            };
            if let Some(f) = limited_services(&config.people[e.person], &holding) {
                out.push(f);
            }
        }
        out
    }

    fn read_snapshot(
        &self,
        section: &Value,
        path: &str,
        fetched_at: Option<DateTime<Utc>>,
    ) -> Result<SystemRead, SourceError> {
        let section = AccountSection::from_json(self.system, section.clone()).map_err(|e| {
            SourceError::Usage(format!(
                "{path}: {e}\n  help: record it again with `access-reconciler snapshot --out {path}`, or see the snapshot format in README.md"
            ))
        })?;
        Ok(system_read(
            self.system,
            &AccountRead {
                section,
                origin: Origin::Snapshot { path: path.into() },
                at: fetched_at,
            },
        ))
    }

    fn write_snapshot(&self, read: &SystemRead) -> Result<Value, SourceError> {
        section(self.system, read, &self.scope_name())
            .map(|s| s.to_json())
            .ok_or_else(|| SourceError::Api(format!("{} is not an account system", self.system)))
    }
}
