//! What a source read from one system: the grants held (and pending), which scopes were read
//! whole, what could not be read and why, and where the data came from.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};

use super::System;

/// Opaque, per-system detail of a grant or a read, for that system's adapter only (messages,
/// snapshots): e.g. GitHub's `via_team` and `maintainer`, AWS's trust policy. The drift engine
/// never looks inside.
pub type Detail = BTreeMap<String, serde_json::Value>;

/// One grant held (or offered) in a system.
#[derive(Debug, Clone, PartialEq)]
pub struct Grant {
    /// The resource: a team slug, `<account>:<role>`, a system role.
    pub resource: String,
    /// Who holds it, as the system spells it (a login, an email).
    pub holder: String,
    /// `Some` when the grant is offered and not yet accepted (an invitation).
    pub pending: Option<Pending>,
    pub detail: Detail,
}

impl Grant {
    /// A grant held (not pending), without detail.
    pub fn held(resource: impl Into<String>, holder: impl Into<String>) -> Grant {
        Grant {
            resource: resource.into(),
            holder: holder.into(),
            pending: None,
            detail: Detail::new(),
        }
    }

    /// A string in the detail, if present.
    pub fn detail_str(&self, key: &str) -> Option<&str> {
        self.detail.get(key).and_then(serde_json::Value::as_str)
    }

    /// A boolean in the detail (`false` when absent).
    pub fn detail_flag(&self, key: &str) -> bool {
        self.detail
            .get(key)
            .and_then(serde_json::Value::as_bool)
            .unwrap_or(false)
    }
}

/// A grant offered and not yet accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Pending {
    /// When it was sent, when the system says.
    pub sent: Option<DateTime<Utc>>,
    /// Whether the system says it has expired; `None` when the adapter works it out from `sent`.
    pub expired: Option<bool>,
}

/// Something that could not be read whole: a scope (a team, an account) or, with `resource:
/// None`, the whole system. It yields no findings and makes the report incomplete.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Unread {
    pub system: System,
    /// The scope not read (team slug, account name); `None`: the whole system.
    pub resource: Option<String>,
    pub reason: String,
}

/// Where a read came from.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Provenance {
    /// Not recorded (built in memory).
    #[default]
    Unknown,
    /// The system's API.
    Live { url: String },
    /// A snapshot file, and when it was recorded.
    Snapshot {
        path: String,
        fetched_at: Option<DateTime<Utc>>,
    },
    /// An export file, and when it was written.
    Export {
        path: String,
        modified: Option<DateTime<Utc>>,
    },
}

/// Everything read from one system.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SystemRead {
    pub system: Option<System>,
    /// Every grant read, in the scopes of `read_whole` (grants outside them are ignored).
    pub grants: Vec<Grant>,
    /// The scopes read whole (see [`super::Adapter::scope_of`]).
    pub read_whole: BTreeSet<String>,
    /// What could not be read, and why.
    pub unread: Vec<Unread>,
    pub provenance: Provenance,
    /// System-level detail for the adapter (GitHub: the org and recorded org membership).
    pub detail: Detail,
}

impl SystemRead {
    /// An empty read of `system`.
    pub fn new(system: System) -> SystemRead {
        SystemRead {
            system: Some(system),
            ..SystemRead::default()
        }
    }

    /// A read of `system` that failed whole: nothing read, one [`Unread`] saying why.
    pub fn unread(system: System, reason: impl Into<String>) -> SystemRead {
        SystemRead {
            unread: vec![Unread {
                system,
                resource: None,
                reason: reason.into(),
            }],
            ..SystemRead::new(system)
        }
    }

    /// Whether everything asked for was read whole.
    pub fn complete(&self) -> bool {
        self.unread.is_empty()
    }

    /// Grants held (not pending) in the scopes read whole, counted.
    pub fn held_in(&self, scope_of: impl Fn(&str) -> String) -> usize {
        self.grants
            .iter()
            .filter(|g| g.pending.is_none() && self.read_whole.contains(&scope_of(&g.resource)))
            .count()
    }
}

/// Normalise a read's completeness against its adapter's scopes, once: a scope named unread is
/// not read whole (whatever else the source said), and a scope neither read whole nor named is
/// unread. Unread items are sorted.
pub fn normalise(adapter: &dyn super::Adapter, read: &mut SystemRead) {
    let system = adapter.system();
    read.system = Some(system);
    let whole_system_unread = read.unread.iter().any(|u| u.resource.is_none());
    for scope in adapter.scopes() {
        let named = read
            .unread
            .iter()
            .any(|u| u.resource.as_deref() == Some(scope.as_str()));
        if named || whole_system_unread {
            read.read_whole.remove(&scope);
        } else if !read.read_whole.contains(&scope) {
            read.unread.push(Unread {
                system,
                resource: Some(scope.clone()),
                reason: adapter.not_recorded(&scope),
            });
        }
    }
    if whole_system_unread {
        read.read_whole.clear();
    }
    read.unread.sort();
}
