//! GitHub as a system of the neutral access model: a resource is a managed team (each team is
//! also a completeness scope), a holder is a login, an invitation is a pending grant (expired
//! after 7 calendar days), and `via_team`/maintainer are GitHub's own detail. The wording of
//! every finding is v1's, byte for byte.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use futures::future::LocalBoxFuture;
use serde_json::Value;

use super::snapshot::{SnapshotFile, SnapshotSource};
use super::{
    Invitation, Member, MemberRole, MembershipRead, MembershipSource, OrgMembership, TeamError,
    TeamMembership,
};
use crate::access::{
    Adapter, Detail, Event, Expected, Grant, Pending, Provenance, Source, SourceError, System,
    SystemRead, Unread,
};
use crate::config::mapping::GithubMapping;
use crate::config::{Config, Person};
use crate::finding::Finding;

/// GitHub team invitations expire after this many days.
pub const INVITATION_EXPIRY_DAYS: i64 = 7;

/// Whether an invitation sent at `created_at` has expired at `today`: more than 7 days old,
/// comparing calendar dates in UTC.
pub fn invitation_expired(created_at: DateTime<Utc>, today: NaiveDate) -> bool {
    (today - created_at.date_naive()).num_days() > INVITATION_EXPIRY_DAYS
}

/// Detail keys of a GitHub grant.
const VIA_TEAM: &str = "via_team";
const MAINTAINER: &str = "maintainer";
/// Detail keys of a GitHub read.
const ORG: &str = "org";
const ORG_MEMBERSHIP: &str = "org_membership";

/// `systems.github` as an [`Adapter`].
#[derive(Debug, Clone)]
pub struct GithubAdapter {
    pub mapping: GithubMapping,
}

impl GithubAdapter {
    pub fn new(mapping: &GithubMapping) -> Self {
        GithubAdapter {
            mapping: mapping.clone(),
        }
    }

    /// Why a person is expected in `team`, for messages.
    fn reason(&self, team: &str, person: &Person) -> String {
        match person.role() {
            Some(role)
                if self
                    .mapping
                    .roles
                    .get(role)
                    .is_some_and(|t| t.iter().any(|t| t == team)) =>
            {
                format!("their role {role} grants it")
            }
            _ if self.mapping.everyone.iter().any(|t| t == team) => {
                "every person with a github_username belongs there".to_owned()
            }
            _ => "the config expects it".to_owned(),
        }
    }
}

impl Adapter for GithubAdapter {
    fn system(&self) -> System {
        System::Github
    }

    fn scopes(&self) -> Vec<String> {
        self.mapping.managed_teams()
    }

    fn scope_of(&self, resource: &str) -> String {
        resource.to_owned()
    }

    fn expected(&self, config: &Config) -> Vec<Expected> {
        let mut out = Vec::new();
        for team in self.mapping.managed_teams() {
            let everyone = self.mapping.everyone.contains(&team);
            for (index, person) in config.people.iter().enumerate() {
                let Some(login) = person.login() else {
                    continue;
                };
                let by_role = person
                    .role()
                    .and_then(|r| self.mapping.roles.get(r))
                    .is_some_and(|teams| teams.contains(&team));
                if everyone || by_role {
                    out.push(Expected {
                        resource: team.clone(),
                        holder: login.to_owned(),
                        person: index,
                        why: self.reason(&team, person),
                    });
                }
            }
        }
        out
    }

    fn is_managed(&self, resource: &str) -> bool {
        self.mapping.managed_teams().iter().any(|t| t == resource)
    }

    fn is_ignored(&self, holder: &str) -> bool {
        self.mapping.is_ignored(holder)
    }

    /// A direct membership explains more than one through a child team.
    fn prefer(&self, old: &Grant, new: &Grant) -> bool {
        old.detail_str(VIA_TEAM).is_some() && new.detail_str(VIA_TEAM).is_none()
    }

    fn pending_expired(&self, pending: &Pending, today: NaiveDate) -> bool {
        match (pending.expired, pending.sent) {
            (Some(expired), _) => expired,
            (None, Some(sent)) => invitation_expired(sent, today),
            (None, None) => false,
        }
    }

    fn not_recorded(&self, scope: &str) -> String {
        format!("team {scope} was not recorded by the membership source")
    }

    fn describe(&self, event: &Event<'_>, f: &mut Finding) {
        let (message, fix) = match *event {
            Event::Missing { person, expected } => {
                let login = person.login().unwrap_or_default();
                let team = &expected.resource;
                (
                    format!(
                        "{} ({login}) is not in {team} and has no pending invitation, but {}",
                        person.name.value, expected.why
                    ),
                    format!("add {login} to {team} on GitHub, or change their entry in the config"),
                )
            }
            Event::Pending {
                person,
                expected,
                grant,
                expired,
            } => {
                let login = person.login().unwrap_or_default();
                let team = &expected.resource;
                let sent = grant
                    .pending
                    .and_then(|p| p.sent)
                    .map(|s| s.date_naive().to_string())
                    .unwrap_or_default();
                if expired {
                    (
                        format!(
                            "{} ({login}) was invited to {team} on {sent} and has not accepted; the invitation has expired (more than {INVITATION_EXPIRY_DAYS} days old)",
                            person.name.value
                        ),
                        format!("cancel the expired invitation and invite {login} to {team} again"),
                    )
                } else {
                    (
                        format!(
                            "{} ({login}) was invited to {team} on {sent} and has not accepted yet",
                            person.name.value
                        ),
                        format!("ask {login} to accept the invitation to {team}"),
                    )
                }
            }
            Event::UnexpectedMember { grant, person } => {
                let team = &grant.resource;
                let login = &grant.holder;
                let via = grant.detail_str(VIA_TEAM);
                let maintainer = grant.detail_flag(MAINTAINER);
                let mut how = Vec::new();
                if maintainer {
                    how.push("a maintainer".to_owned());
                }
                if let Some(via) = via {
                    how.push(format!("through child team {via}"));
                }
                let how = if how.is_empty() {
                    String::new()
                } else {
                    format!(" ({})", how.join(", "))
                };
                let message = match person {
                    None => format!("{login} is a member of {team}{how} but is not in the config"),
                    Some(p) => match p.role() {
                        Some(role) => format!(
                            "{} ({login}) is a member of {team}{how}, but their role {role} does not grant it",
                            p.name.value
                        ),
                        None => format!(
                            "{} ({login}) is a member of {team}{how} but has no role in the config",
                            p.name.value
                        ),
                    },
                };
                let fix = match via {
                    Some(via) => format!(
                        "remove {login} from child team {via} (it grants {team}), or give them a role that grants it"
                    ),
                    None => format!(
                        "remove {login} from {team}, or give them a role in the config that grants it"
                    ),
                };
                f.via_team = via.map(str::to_owned);
                f.maintainer = maintainer;
                (message, fix)
            }
            Event::UnexpectedInvitation { grant, person, .. } => {
                let team = &grant.resource;
                let login = &grant.holder;
                let sent = grant
                    .pending
                    .and_then(|p| p.sent)
                    .map(|s| s.date_naive().to_string())
                    .unwrap_or_default();
                let message = match person {
                    None => format!(
                        "{login} has a pending invitation to {team} (sent {sent}) but is not in the config"
                    ),
                    Some(p) => match p.role() {
                        Some(role) => format!(
                            "{} ({login}) has a pending invitation to {team} (sent {sent}), but their role {role} does not grant it",
                            p.name.value
                        ),
                        None => format!(
                            "{} ({login}) has a pending invitation to {team} (sent {sent}) but has no role in the config",
                            p.name.value
                        ),
                    },
                };
                (
                    message,
                    format!(
                        "cancel the invitation of {login} to {team}, or give them a role in the config that grants it"
                    ),
                )
            }
            // GitHub is multi-valued: the engine never asks.
            Event::WrongRole { .. } => (String::new(), String::new()),
        };
        f.team = f.resource.clone();
        f.message = message;
        f.fix = fix;
    }

    fn read_snapshot(
        &self,
        section: &Value,
        path: &str,
        fetched_at: Option<DateTime<Utc>>,
    ) -> Result<SystemRead, SourceError> {
        let file: SnapshotFile = serde_json::from_value(section.clone()).map_err(|e| {
            SourceError::Usage(format!(
                "{path}: the snapshot's `github` section is not valid: {e}\n  help: record it again with `access-reconciler snapshot --out {path}`, or see the snapshot format in README.md"
            ))
        })?;
        let mut source = SnapshotSource::from_file(path, file)?;
        if source.read.fetched_at.is_none() {
            source.read.fetched_at = fetched_at;
        }
        self.from_source(&source)
    }

    fn write_snapshot(&self, read: &SystemRead) -> Result<Value, SourceError> {
        let mut file = super::snapshot::to_file(&membership_read(read));
        // The file's `fetched_at` is at the top of a v2 snapshot.
        file.fetched_at = None;
        serde_json::to_value(file)
            .map_err(|e| SourceError::Api(format!("cannot serialise the snapshot: {e}")))
    }
}

impl GithubAdapter {
    /// Read the managed teams of the mapping's org from a recorded snapshot.
    pub fn from_source(&self, source: &SnapshotSource) -> Result<SystemRead, SourceError> {
        let mut read = source.select(&self.mapping.org, &self.scopes())?;
        let fetched_at = read.fetched_at.take();
        let mut out = system_read(read);
        out.provenance = Provenance::Snapshot {
            path: source.path.clone(),
            fetched_at,
        };
        Ok(out)
    }
}

/// The neutral form of a membership read: one grant per member and per invitation.
pub fn system_read(read: MembershipRead) -> SystemRead {
    let mut out = SystemRead::new(System::Github);
    out.detail
        .insert(ORG.to_owned(), Value::String(read.org.clone()));
    if let Some(states) = &read.org_membership {
        let map: serde_json::Map<String, Value> = states
            .iter()
            .map(|(login, state)| (login.clone(), Value::String(state.as_str().to_owned())))
            .collect();
        out.detail
            .insert(ORG_MEMBERSHIP.to_owned(), Value::Object(map));
    }
    if let Some(at) = read.fetched_at {
        out.detail
            .insert("fetched_at".to_owned(), Value::String(at.to_rfc3339()));
    }
    for (team, membership) in read.teams {
        if read.errors.iter().any(|e| e.team == team) {
            continue;
        }
        for m in membership.members {
            let mut detail = Detail::new();
            if let Some(via) = m.via_team {
                detail.insert(VIA_TEAM.to_owned(), Value::String(via));
            }
            if m.role == MemberRole::Maintainer {
                detail.insert(MAINTAINER.to_owned(), Value::Bool(true));
            }
            out.grants.push(Grant {
                resource: team.clone(),
                holder: m.login,
                pending: None,
                detail,
            });
        }
        for i in membership.invitations {
            out.grants.push(Grant {
                resource: team.clone(),
                holder: i.login,
                pending: Some(Pending {
                    sent: Some(i.created_at),
                    expired: None,
                }),
                detail: Detail::new(),
            });
        }
        out.read_whole.insert(team);
    }
    out.unread = read
        .errors
        .into_iter()
        .map(|e| Unread {
            system: System::Github,
            resource: Some(e.team),
            reason: e.reason,
        })
        .collect();
    out
}

/// GitHub's own form of a neutral read (for `fix`'s spelling edits and for snapshots). Only the
/// scopes read whole become teams; unread ones are errors.
pub fn membership_read(read: &SystemRead) -> MembershipRead {
    let mut teams: BTreeMap<String, TeamMembership> = read
        .read_whole
        .iter()
        .map(|t| (t.clone(), TeamMembership::default()))
        .collect();
    for g in &read.grants {
        let Some(team) = teams.get_mut(&g.resource) else {
            continue;
        };
        match g.pending {
            None => team.members.push(Member {
                login: g.holder.clone(),
                role: if g.detail_flag(MAINTAINER) {
                    MemberRole::Maintainer
                } else {
                    MemberRole::Member
                },
                via_team: g.detail_str(VIA_TEAM).map(str::to_owned),
            }),
            Some(p) => team.invitations.push(Invitation {
                login: g.holder.clone(),
                created_at: p.sent.unwrap_or_default(),
            }),
        }
    }
    MembershipRead {
        org: read
            .detail
            .get(ORG)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned(),
        fetched_at: read
            .detail
            .get("fetched_at")
            .and_then(Value::as_str)
            .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
            .map(|d| d.with_timezone(&Utc)),
        teams,
        errors: read
            .unread
            .iter()
            .map(|u| TeamError {
                team: u.resource.clone().unwrap_or_default(),
                reason: u.reason.clone(),
            })
            .collect(),
        org_membership: org_membership(read),
    }
}

/// The org membership recorded with a read (a snapshot's `org_membership`), if any.
pub fn org_membership(read: &SystemRead) -> Option<BTreeMap<String, OrgMembership>> {
    let map = read.detail.get(ORG_MEMBERSHIP)?.as_object()?;
    Some(
        map.iter()
            .filter_map(|(login, state)| {
                let state = match state.as_str()? {
                    "active" => OrgMembership::Active,
                    "pending" => OrgMembership::Pending,
                    _ => OrgMembership::None,
                };
                Some((login.clone(), state))
            })
            .collect(),
    )
}

/// A [`MembershipSource`] (live API or snapshot) as a [`Source`] of the managed teams.
pub struct GithubSource<S> {
    pub source: S,
    pub org: String,
    pub teams: Vec<String>,
    /// Where the data comes from, for provenance.
    pub provenance: Provenance,
}

impl<S: MembershipSource> Source for GithubSource<S> {
    fn system(&self) -> System {
        System::Github
    }

    fn read(&self) -> LocalBoxFuture<'_, Result<SystemRead, SourceError>> {
        Box::pin(async move {
            let read = self.source.read_teams(&self.org, &self.teams).await?;
            let mut out = system_read(read);
            out.provenance = self.provenance.clone();
            Ok(out)
        })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

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
    fn a_read_survives_the_round_trip_through_the_neutral_model() {
        let text = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/fixtures/github_snapshot.json"
        ))
        .unwrap();
        let source = SnapshotSource::parse("s.json", &text).unwrap();
        let back = membership_read(&system_read(source.read.clone()));
        assert_eq!(
            super::super::snapshot::to_file(&back),
            super::super::snapshot::to_file(&source.read)
        );
    }
}
