//! AWS as a system of the neutral access model: a resource is `<account>:<role>` (the role name
//! ASCII-lower-cased, so names compare without case; the detail keeps AWS's spelling), a holder is
//! the lower-cased local part of the email the role is named after, each account is a
//! completeness scope, and the trust findings come from the extra-findings hook.
//!
//! The generic drift engine reports `missing` and `unexpected_member`; [`Adapter::describe`]
//! words them with the same code as [`super::findings`], turning an unexpected temporary role of
//! someone whose temporary_admin.yml entry expired into `expired_temporary_access`.

use chrono::{DateTime, NaiveDate, Utc};
use futures::future::LocalBoxFuture;
use serde_json::Value;

use super::client::RetryPolicy;
use super::credentials::AwsEnv;
use super::findings::{Checker, local_of};
use super::live::{AwsReader, ReadOptions};
use super::mapping::{AwsMapping, local_part};
use super::snapshot::{AccountRoles, AwsRead, AwsSection, RoleEntry};
use crate::access::{
    Adapter, Detail, Event, Expected, Grant, Provenance, Source, SourceError, System, SystemRead,
    Unread,
};
use crate::config::temporary_admin::TemporaryAdmin;
use crate::config::{Config, Person};
use crate::finding::Finding;

/// Detail keys of an AWS grant.
const ROLE: &str = "role";
const TRUST_POLICY: &str = "trust_policy";

/// What the AWS checks need beyond the mapping: the people (to word findings about roles the
/// engine cannot tie to an email), temporary admins and the date.
#[derive(Debug, Clone)]
pub struct AwsInputs {
    pub people: Vec<Person>,
    pub temporary: Vec<TemporaryAdmin>,
    pub today: NaiveDate,
}

impl AwsInputs {
    /// No people and no temporary admins (a snapshot only records).
    pub fn none(today: NaiveDate) -> Self {
        Self {
            people: Vec::new(),
            temporary: Vec::new(),
            today,
        }
    }
}

/// `systems.aws` as an [`Adapter`].
#[derive(Debug, Clone)]
pub struct AwsAdapter {
    pub mapping: AwsMapping,
    pub inputs: AwsInputs,
}

/// The resource of a role: `<account>:<role name, ASCII lower case>`.
pub fn resource(account: &str, role: &str) -> String {
    format!("{account}:{}", role.to_ascii_lowercase())
}

/// (account, role) of a resource.
fn split(resource: &str) -> (&str, &str) {
    resource.rsplit_once(':').unwrap_or((resource, ""))
}

impl AwsAdapter {
    pub fn new(mapping: &AwsMapping, inputs: AwsInputs) -> Self {
        Self {
            mapping: mapping.clone(),
            inputs,
        }
    }

    fn checker<'a>(&'a self, people: &'a [Person]) -> Checker<'a> {
        Checker::new(
            &self.mapping,
            people,
            &self.inputs.temporary,
            self.inputs.today,
        )
    }

    /// Take the wording (and, for an expired temporary role, the kind) of `from`.
    fn adopt(f: &mut Finding, from: Finding) {
        f.kind = from.kind;
        f.severity = from.severity;
        f.resource = from.resource;
        f.account = from.account;
        f.name = from.name;
        f.email = from.email;
        f.github_username = from.github_username;
        f.declared_role = from.declared_role;
        f.in_config = from.in_config;
        f.line = f.line.or(from.line);
        f.expired = from.expired;
        f.message = from.message;
        f.fix = from.fix;
    }
}

impl Adapter for AwsAdapter {
    fn system(&self) -> System {
        System::Aws
    }

    fn scopes(&self) -> Vec<String> {
        self.mapping.accounts.keys().cloned().collect()
    }

    fn scope_of(&self, resource: &str) -> String {
        split(resource).0.to_owned()
    }

    fn expected(&self, config: &Config) -> Vec<Expected> {
        let checker = self.checker(&config.people);
        let mut out = Vec::new();
        for account in self.mapping.accounts.keys() {
            for (lower, (_, person, why)) in checker.expected(account) {
                let Some(index) = config.people.iter().position(|p| std::ptr::eq(p, person)) else {
                    continue;
                };
                let email = person.email.as_ref().map_or("", |e| e.value.as_str());
                out.push(Expected {
                    resource: format!("{account}:{lower}"),
                    holder: local_part(email).to_ascii_lowercase(),
                    person: index,
                    why: why.describe(),
                });
            }
        }
        out
    }

    fn is_managed(&self, resource: &str) -> bool {
        self.mapping.managed(split(resource).1).is_some()
    }

    fn is_ignored(&self, _holder: &str) -> bool {
        // `ignore` names roles: ignored roles are never read as grants.
        false
    }

    fn not_recorded(&self, scope: &str) -> String {
        format!("AWS account {scope} was not read")
    }

    fn describe(&self, event: &Event<'_>, f: &mut Finding) {
        let checker = self.checker(&self.inputs.people);
        match event {
            Event::Missing { person, expected } => {
                let (account, lower) = split(&expected.resource);
                let email = person.email.as_ref().map_or("", |e| e.value.as_str());
                let local = local_part(email);
                // The role as the config spells it: the email's local part, then the suffix.
                let name = format!("{local}{}", lower.get(local.len()..).unwrap_or(""));
                let from = checker.missing_because(account, &name, person, &expected.why);
                Self::adopt(f, from);
            }
            Event::UnexpectedMember { grant, .. } => {
                let (account, lower) = split(&grant.resource);
                let role = grant.detail_str(ROLE).unwrap_or(lower);
                match self.mapping.managed(role) {
                    Some((_, suffix)) => Self::adopt(f, checker.not_granted(account, role, suffix)),
                    None => {
                        f.account = Some(account.to_owned());
                        f.message = format!("the AWS role {role} in {account} is not expected");
                    }
                }
            }
            // AWS has no invitations and is not single-valued.
            Event::Pending { .. }
            | Event::UnexpectedInvitation { .. }
            | Event::WrongRole { .. } => {}
        }
    }

    fn extra_findings(&self, config: &Config, read: &SystemRead, today: NaiveDate) -> Vec<Finding> {
        let checker = Checker::new(&self.mapping, &config.people, &self.inputs.temporary, today);
        let mut out = Vec::new();
        for g in &read.grants {
            let (account, lower) = split(&g.resource);
            if !read.read_whole.contains(account) {
                continue;
            }
            let role = g.detail_str(ROLE).unwrap_or(lower);
            let policy = g.detail.get(TRUST_POLICY).cloned().unwrap_or(Value::Null);
            out.extend(checker.trust(account, role, &policy));
        }
        out
    }

    fn read_snapshot(
        &self,
        section: &Value,
        path: &str,
        fetched_at: Option<DateTime<Utc>>,
    ) -> Result<SystemRead, SourceError> {
        let section: AwsSection = serde_json::from_value(section.clone()).map_err(|e| {
            SourceError::Usage(format!(
                "{path}: the snapshot's `aws` section is not valid: {e}\n  help: record it again with `access-reconciler snapshot --out {path}`, or see the snapshot format in README.md"
            ))
        })?;
        let mut unread = std::collections::BTreeMap::new();
        let mut kept = AwsSection::default();
        for (name, account) in &self.mapping.accounts {
            match section.accounts.get(name) {
                Some(roles) if roles.id != account.id => {
                    unread.insert(
                        name.clone(),
                        format!(
                            "AWS account {name}: the snapshot {path} recorded account id {}, but the mapping says {}; record the snapshot again",
                            roles.id, account.id
                        ),
                    );
                }
                Some(roles) => {
                    kept.accounts.insert(name.clone(), roles.clone());
                }
                None => {
                    unread.insert(
                        name.clone(),
                        format!(
                            "AWS account {name} was not recorded in the snapshot {path}; record the snapshot again with the current mapping"
                        ),
                    );
                }
            }
        }
        let mut out = system_read(
            &self.mapping,
            AwsRead {
                section: kept,
                unread,
            },
        );
        out.provenance = Provenance::Snapshot {
            path: path.to_owned(),
            fetched_at,
        };
        Ok(out)
    }

    fn write_snapshot(&self, read: &SystemRead) -> Result<Value, SourceError> {
        let mut section = AwsSection::default();
        for (name, account) in &self.mapping.accounts {
            if !read.read_whole.contains(name) {
                continue;
            }
            let mut roles: Vec<RoleEntry> = read
                .grants
                .iter()
                .filter(|g| split(&g.resource).0 == name)
                .map(|g| RoleEntry {
                    name: g
                        .detail_str(ROLE)
                        .unwrap_or(split(&g.resource).1)
                        .to_owned(),
                    trust_policy: g.detail.get(TRUST_POLICY).cloned().unwrap_or(Value::Null),
                })
                .collect();
            roles.sort_by(|a, b| a.name.cmp(&b.name));
            section.accounts.insert(
                name.clone(),
                AccountRoles {
                    id: account.id.clone(),
                    roles,
                },
            );
        }
        serde_json::to_value(section)
            .map_err(|e| SourceError::Api(format!("cannot serialise the snapshot: {e}")))
    }
}

/// The neutral form of an AWS read: one grant per managed role of each account read whole, and
/// one unread scope per account that was not.
pub fn system_read(mapping: &AwsMapping, read: AwsRead) -> SystemRead {
    let mut out = SystemRead::new(System::Aws);
    for (account, roles) in read.section.accounts {
        for role in roles.roles {
            let Some((local, suffix)) = mapping.managed(&role.name) else {
                continue;
            };
            debug_assert_eq!(local_of(&role.name, suffix), local);
            let mut detail = Detail::new();
            detail.insert(ROLE.to_owned(), Value::String(role.name.clone()));
            detail.insert(TRUST_POLICY.to_owned(), role.trust_policy);
            out.grants.push(Grant {
                resource: resource(&account, &role.name),
                holder: local.to_ascii_lowercase(),
                pending: None,
                detail,
            });
        }
        out.read_whole.insert(account);
    }
    for (account, reason) in read.unread {
        out.unread.push(Unread {
            system: System::Aws,
            resource: Some(account),
            reason,
        });
    }
    out
}

/// AWS read live, every account of the mapping concurrently.
pub struct AwsSource {
    pub mapping: AwsMapping,
    pub reader: AwsReader,
    /// The IAM endpoint, for provenance.
    pub url: String,
}

impl Source for AwsSource {
    fn system(&self) -> System {
        System::Aws
    }

    fn read(&self) -> LocalBoxFuture<'_, Result<SystemRead, SourceError>> {
        Box::pin(async move {
            let read = self.reader.read(&self.mapping, None).await;
            let (requests, retries) = self.reader.requests();
            tracing::info!(requests, retries, "read AWS");
            let mut out = system_read(&self.mapping, read);
            out.provenance = Provenance::Live {
                url: self.url.clone(),
            };
            Ok(out)
        })
    }
}

/// AWS read live from the process's credentials and endpoints, or why it cannot be (no
/// credentials at all: a usage error naming what to set, exit 2).
pub enum LiveAws {
    Ready(Box<AwsSource>),
    Unusable(String),
}

impl LiveAws {
    /// The live AWS source of a mapping that configures AWS (`None` otherwise), with `tries`
    /// attempts and `backoff_ms` base backoff for throttling and 5xx (the GitHub flags
    /// `--retries` and `--backoff-ms`).
    pub fn for_mapping(
        mapping: &crate::config::Mapping,
        tries: u32,
        backoff_ms: u64,
    ) -> Option<LiveAws> {
        let aws = mapping.aws.as_ref()?;
        let options = ReadOptions {
            retry: RetryPolicy {
                tries: tries.max(1),
                base_delay: std::time::Duration::from_millis(backoff_ms),
                ..RetryPolicy::default()
            },
            ..ReadOptions::default()
        };
        Some(Self::from_env(aws, &AwsEnv::from_process(), options))
    }

    pub fn from_env(mapping: &AwsMapping, env: &AwsEnv, options: ReadOptions) -> LiveAws {
        match AwsReader::new(env, options) {
            Ok(reader) => LiveAws::Ready(Box::new(AwsSource {
                mapping: mapping.clone(),
                url: reader.iam_url(),
                reader,
            })),
            Err(e) => LiveAws::Unusable(format!("AWS cannot be read: {e}")),
        }
    }
}

impl Source for LiveAws {
    fn system(&self) -> System {
        System::Aws
    }

    fn read(&self) -> LocalBoxFuture<'_, Result<SystemRead, SourceError>> {
        match self {
            LiveAws::Ready(source) => source.read(),
            LiveAws::Unusable(reason) => {
                let reason = reason.clone();
                Box::pin(async move { Err(SourceError::Usage(reason)) })
            }
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::config::Mapping;

    fn inputs() -> (Config, AwsMapping, Vec<TemporaryAdmin>, NaiveDate) {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mapping_text = std::fs::read_to_string(root.join("fixtures/mapping_aws.yml")).unwrap();
        let mapping = Mapping::parse("mapping_aws.yml", &mapping_text).unwrap();
        let config_text = std::fs::read_to_string(root.join("fixtures/govuk_tech.yml")).unwrap();
        let config =
            crate::config::people::parse("govuk_tech.yml", &config_text, &mapping).unwrap();
        let temporary = crate::config::temporary_admin::read(
            &root.join("fixtures/temporary_admin.yml"),
            "temporary_admin.yml",
        )
        .unwrap();
        let today = NaiveDate::from_ymd_opt(2026, 11, 28).unwrap();
        (config, mapping.aws.unwrap(), temporary, today)
    }

    fn section() -> Value {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let text = std::fs::read_to_string(root.join("fixtures/snapshot_v2.json")).unwrap();
        let snap: Value = serde_json::from_str(&text).unwrap();
        snap["aws"].clone()
    }

    #[test]
    fn snapshots_round_trip_and_a_changed_account_id_is_unread() {
        let (_, aws, _, today) = inputs();
        let adapter = AwsAdapter::new(&aws, AwsInputs::none(today));
        let read = adapter
            .read_snapshot(&section(), "snap.json", None)
            .unwrap();
        let written = adapter.write_snapshot(&read).unwrap();
        // Ignored roles are not recorded; everything else is, as it was.
        let mut want = section();
        let prod = want["accounts"]["production"]["roles"]
            .as_array_mut()
            .unwrap();
        prod.retain(|r| r["name"] != "break.glass-fulladmin");
        assert_eq!(written, want);

        let mut moved = section();
        moved["accounts"]["staging"]["id"] = Value::from("333333333333");
        let read = adapter.read_snapshot(&moved, "snap.json", None).unwrap();
        assert_eq!(read.read_whole.iter().collect::<Vec<_>>(), ["production"]);
        assert!(
            read.unread[0]
                .reason
                .contains("recorded account id 333333333333")
        );
        assert_eq!(read.unread[0].resource.as_deref(), Some("staging"));

        let bad = adapter
            .read_snapshot(&Value::from(3), "snap.json", None)
            .unwrap_err();
        assert!(
            bad.to_string().contains("`aws` section is not valid"),
            "{bad}"
        );
    }

    #[test]
    fn resources_and_scopes() {
        let (_, aws, _, today) = inputs();
        let adapter = AwsAdapter::new(&aws, AwsInputs::none(today));
        assert_eq!(
            resource("staging", "Jane.Doe-Developer"),
            "staging:jane.doe-developer"
        );
        assert_eq!(adapter.scope_of("staging:jane.doe-developer"), "staging");
        assert!(adapter.is_managed("staging:jane.doe-developer"));
        assert!(!adapter.is_managed("staging:break.glass-fulladmin"));
        assert!(!adapter.is_managed("staging:AWSServiceRoleForSupport"));
    }
}
