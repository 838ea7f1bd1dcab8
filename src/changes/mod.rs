//! `changes`: who gained or lost which access in which system between two snapshots (the "what
//! changed this quarter" page). Pure: two sets of normalised reads (and, optionally, the config
//! for names and roles) in, a sorted list of [`Change`]s out. A scope (a team, an account, a
//! system) not read whole in both snapshots is not compared, and says so: it yields no change
//! and is never reported as unchanged.

pub mod render;

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};

use crate::access::{Adapter, Identity, System, SystemRead};
use crate::config::Config;

/// A holder's state for one resource in one snapshot.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum State {
    None,
    /// Invited, not accepted yet.
    Pending,
    Held,
}

impl State {
    pub fn as_str(self) -> &'static str {
        match self {
            State::None => "none",
            State::Pending => "pending",
            State::Held => "held",
        }
    }
}

/// Gained or lost.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Direction {
    Gained,
    Lost,
}

impl Direction {
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::Gained => "gained",
            Direction::Lost => "lost",
        }
    }
}

/// One holder's access to one resource changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    pub system: System,
    pub resource: String,
    /// As the newer snapshot spells it (the older one for a loss).
    pub holder: String,
    pub direction: Direction,
    pub from: State,
    pub to: State,
    /// From the config, when given and the holder is in it.
    pub name: Option<String>,
    pub role: Option<String>,
    pub in_config: Option<bool>,
}

impl Change {
    /// Whether the change involves an invitation (a pending grant on either side).
    pub fn pending(&self) -> bool {
        self.from == State::Pending || self.to == State::Pending
    }

    /// `gained`, `gained (pending)`, `invitation accepted`, `lost`, `invitation withdrawn`.
    pub fn describe(&self) -> &'static str {
        match (self.from, self.to) {
            (State::None, State::Held) => "gained",
            (State::None, State::Pending) => "invited (pending)",
            (State::Pending, State::Held) => "invitation accepted",
            (State::Held, State::None) => "lost",
            (State::Pending, State::None) => "invitation withdrawn or expired",
            (State::Held, State::Pending) => "lost (now only invited)",
            _ => "unchanged",
        }
    }
}

/// A scope that could not be compared, and why.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct NotCompared {
    pub system: System,
    /// `None`: the whole system.
    pub resource: Option<String>,
    pub reason: String,
}

/// One snapshot, for the report: its path, digest and `fetched_at`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SnapshotInfo {
    pub path: String,
    pub sha256: String,
    pub version: u32,
    pub fetched_at: Option<DateTime<Utc>>,
}

/// Everything the renderers need.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Changes {
    pub from: SnapshotInfo,
    pub to: SnapshotInfo,
    /// The config used for names and roles, and its SHA-256.
    pub config: Option<crate::report::evidence::FileDigest>,
    pub systems: Vec<System>,
    /// Sorted by system, resource, direction, holder.
    pub changes: Vec<Change>,
    pub not_compared: Vec<NotCompared>,
    pub tool_version: String,
}

impl Changes {
    pub fn complete(&self) -> bool {
        self.not_compared.is_empty()
    }

    pub fn count(&self, d: Direction) -> usize {
        self.changes.iter().filter(|c| c.direction == d).count()
    }
}

/// The state of every (resource, lower-cased holder) in the scopes read whole.
fn states(adapter: &dyn Adapter, read: &SystemRead) -> BTreeMap<(String, String), (State, String)> {
    let mut out: BTreeMap<(String, String), (State, String)> = BTreeMap::new();
    for g in &read.grants {
        if !read.read_whole.contains(&adapter.scope_of(&g.resource)) {
            continue;
        }
        let state = if g.pending.is_some() {
            State::Pending
        } else {
            State::Held
        };
        let key = (g.resource.clone(), g.holder.trim().to_lowercase());
        let entry = out.entry(key).or_insert((state, g.holder.clone()));
        // Held beats pending (a member who also has an invitation holds the access).
        entry.0 = entry.0.max(state);
    }
    out
}

/// The scopes read whole in a read, and the reasons for those that were not.
fn unread_scopes(adapter: &dyn Adapter, read: &SystemRead, which: &str) -> Vec<NotCompared> {
    let mut out: Vec<NotCompared> = read
        .unread
        .iter()
        .map(|u| NotCompared {
            system: adapter.system(),
            resource: u.resource.clone(),
            reason: format!("{which}: {}", u.reason),
        })
        .collect();
    out.sort();
    out
}

/// Compare one system's two reads (both normalised against the same adapter).
pub fn compare(
    adapter: &dyn Adapter,
    old: &SystemRead,
    new: &SystemRead,
    config: Option<&Config>,
) -> (Vec<Change>, Vec<NotCompared>) {
    let system = adapter.system();
    let mut not_compared = unread_scopes(adapter, old, "the older snapshot");
    not_compared.extend(unread_scopes(adapter, new, "the newer snapshot"));
    let whole_unread = not_compared.iter().any(|n| n.resource.is_none());
    let both: BTreeSet<&String> = old.read_whole.intersection(&new.read_whole).collect();
    let comparable = |resource: &str| !whole_unread && both.contains(&adapter.scope_of(resource));

    let (a, b) = (states(adapter, old), states(adapter, new));
    let keys: BTreeSet<&(String, String)> = a.keys().chain(b.keys()).collect();
    let people: BTreeMap<String, usize> = config
        .map(|c| {
            c.people
                .iter()
                .enumerate()
                .filter_map(|(i, p)| {
                    let id = match system.identity() {
                        Identity::Login => p.login(),
                        Identity::Email => p.email.as_ref().map(|e| e.value.as_str()),
                    }?;
                    Some((id.trim().to_lowercase(), i))
                })
                .collect()
        })
        .unwrap_or_default();
    let mut changes = Vec::new();
    for key in keys {
        if !comparable(&key.0) {
            continue;
        }
        let (from, old_name) = a.get(key).cloned().unwrap_or((State::None, String::new()));
        let (to, new_name) = b.get(key).cloned().unwrap_or((State::None, String::new()));
        if from == to {
            continue;
        }
        let direction = if to > from {
            Direction::Gained
        } else {
            Direction::Lost
        };
        let holder = if new_name.is_empty() {
            old_name
        } else {
            new_name
        };
        let person = config.and_then(|c| people.get(&key.1).map(|&i| &c.people[i]));
        changes.push(Change {
            system,
            resource: key.0.clone(),
            holder,
            direction,
            from,
            to,
            name: person.map(|p| p.name.value.clone()),
            role: person.and_then(|p| p.role().map(str::to_owned)),
            in_config: config.map(|_| person.is_some()),
        });
    }
    sort(&mut changes);
    (changes, not_compared)
}

/// Sort changes: by system, resource, direction (gained first), holder.
pub fn sort(changes: &mut [Change]) {
    changes.sort_by(|x, y| {
        x.system
            .cmp(&y.system)
            .then_with(|| x.resource.cmp(&y.resource))
            .then_with(|| x.direction.cmp(&y.direction))
            .then_with(|| x.holder.to_lowercase().cmp(&y.holder.to_lowercase()))
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::access::{Grant, Pending};
    use crate::config::Mapping;
    use crate::sources::github::adapter::GithubAdapter;

    fn read(grants: Vec<Grant>, whole: &[&str]) -> SystemRead {
        SystemRead {
            grants,
            read_whole: whole.iter().map(|s| (*s).to_owned()).collect(),
            ..SystemRead::new(System::Github)
        }
    }

    fn invited(team: &str, login: &str) -> Grant {
        let mut g = Grant::held(team, login);
        g.pending = Some(Pending::default());
        g
    }

    const ALL: [&str; 3] = [
        "gov-uk",
        "gov-uk-production-admin",
        "gov-uk-production-deploy",
    ];

    #[test]
    fn gains_losses_and_invitations() {
        let mapping = Mapping::builtin();
        let adapter = GithubAdapter::new(mapping.github.as_ref().expect("github"));
        let old = read(
            vec![
                Grant::held("gov-uk", "ann"),
                Grant::held("gov-uk-production-admin", "ann"),
                invited("gov-uk", "bob"),
                invited("gov-uk", "cat"),
            ],
            &ALL,
        );
        let new = read(
            vec![
                Grant::held("gov-uk", "ANN"),
                Grant::held("gov-uk", "bob"),
                invited("gov-uk-production-deploy", "dee"),
            ],
            &ALL,
        );
        let (changes, not_compared) = compare(&adapter, &old, &new, None);
        assert!(not_compared.is_empty());
        let got: Vec<(&str, &str, &str)> = changes
            .iter()
            .map(|c| (c.resource.as_str(), c.holder.as_str(), c.describe()))
            .collect();
        assert_eq!(
            got,
            vec![
                ("gov-uk", "bob", "invitation accepted"),
                ("gov-uk", "cat", "invitation withdrawn or expired"),
                ("gov-uk-production-admin", "ann", "lost"),
                ("gov-uk-production-deploy", "dee", "invited (pending)"),
            ]
        );
        assert!(changes[3].pending() && changes[3].direction == Direction::Gained);
    }

    #[test]
    fn a_scope_not_read_in_either_snapshot_is_not_compared() {
        let mapping = Mapping::builtin();
        let adapter = GithubAdapter::new(mapping.github.as_ref().expect("github"));
        let mut old = read(vec![Grant::held("gov-uk-production-admin", "ann")], &ALL);
        let mut new = read(vec![], &["gov-uk", "gov-uk-production-deploy"]);
        new.unread.push(crate::access::Unread {
            system: System::Github,
            resource: Some("gov-uk-production-admin".to_owned()),
            reason: "not recorded".to_owned(),
        });
        old.unread.clear();
        let (changes, not_compared) = compare(&adapter, &old, &new, None);
        assert!(changes.is_empty(), "{changes:?}");
        assert_eq!(not_compared.len(), 1);
        assert_eq!(
            not_compared[0].resource.as_deref(),
            Some("gov-uk-production-admin")
        );
    }
}
