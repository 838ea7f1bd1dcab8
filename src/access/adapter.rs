//! What a system plugs in: an [`Adapter`] (pure: its mapping section -> expected grants, which
//! resources are managed, the wording of findings, its snapshot section) and a [`Source`] (async:
//! reads the system into a [`SystemRead`]).

use chrono::NaiveDate;
use futures::future::LocalBoxFuture;

use super::System;
use super::read::{Grant, Pending, SystemRead};
use crate::config::{Config, Person};
use crate::finding::Finding;

/// A grant the config expects: `holder` (as the config spells the system's identity field) should
/// hold `resource`, because `why`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expected {
    pub resource: String,
    pub holder: String,
    /// The person's index in `Config::people`.
    pub person: usize,
    /// Why, for messages ("their role production_admin_access grants it").
    pub why: String,
}

/// What the drift engine found, handed to the adapter to word (message, fix, and its own fields
/// such as GitHub's `team`/`via_team`). The generic fields of the finding are already set.
#[derive(Debug, Clone, Copy)]
pub enum Event<'a> {
    /// Expected, not held, not pending.
    Missing {
        person: &'a Person,
        expected: &'a Expected,
    },
    /// Expected and offered, not accepted yet.
    Pending {
        person: &'a Person,
        expected: &'a Expected,
        grant: &'a Grant,
        expired: bool,
    },
    /// Held in a managed resource, not expected there. `person` when the holder is in the config.
    UnexpectedMember {
        grant: &'a Grant,
        person: Option<&'a Person>,
    },
    /// Offered in a managed resource, not expected there.
    UnexpectedInvitation {
        grant: &'a Grant,
        person: Option<&'a Person>,
        expired: bool,
    },
    /// Single-valued systems: the person holds `grant.resource` instead of `expected.resource`.
    WrongRole {
        person: &'a Person,
        expected: &'a Expected,
        grant: &'a Grant,
    },
}

/// One system's knowledge, for the generic drift engine and the pipeline. Pure: no I/O.
///
/// A new system implements this (plus a [`Source`] for live reading), parses its mapping section
/// in `config::systems`, and is registered with one arm in `engine::adapter` (its live source:
/// one arm in `commands::live::Live::source`). Snapshots, `--system`, reports and `review` need
/// no edit.
pub trait Adapter {
    fn system(&self) -> System;

    /// The scopes a complete read covers: GitHub's managed teams, AWS's accounts, or the system
    /// as a whole (`[system name]`). A scope neither read whole nor named unread is unread.
    fn scopes(&self) -> Vec<String>;

    /// The scope a resource belongs to (default: the whole system).
    fn scope_of(&self, resource: &str) -> String {
        let _ = resource;
        self.system().as_str().to_owned()
    }

    /// The grants the config expects.
    fn expected(&self, config: &Config) -> Vec<Expected>;

    /// Whether every holder of `resource` must be expected there.
    fn is_managed(&self, resource: &str) -> bool;

    /// Holders never reported (bots).
    fn is_ignored(&self, holder: &str) -> bool;

    /// True when a person holds one resource at most (account systems other than Logit): an
    /// expected role not held plus another role held is one `wrong_role`.
    fn single_valued(&self) -> bool {
        false
    }

    /// The rank of a resource, for `wrong_role` severity (higher ranks grant more).
    fn rank(&self, resource: &str) -> Option<usize> {
        let _ = resource;
        None
    }

    /// When a holder holds the same resource twice, whether `new` explains it better than `old`.
    fn prefer(&self, old: &Grant, new: &Grant) -> bool {
        let _ = (old, new);
        false
    }

    /// Whether a pending grant has expired at `today` (default: what the system said).
    fn pending_expired(&self, pending: &Pending, today: NaiveDate) -> bool {
        let _ = today;
        pending.expired.unwrap_or(false)
    }

    /// The reason for a scope the source neither read nor reported.
    fn not_recorded(&self, scope: &str) -> String {
        format!("{scope} was not recorded by the {} source", self.system())
    }

    /// Word a finding: set its message and fix, and any fields of this system's own.
    fn describe(&self, event: &Event<'_>, finding: &mut Finding);

    /// System-specific findings beyond membership (AWS trust policies, Fastly limited
    /// services): the hook for them. Only scopes in `read.read_whole` may yield findings.
    fn extra_findings(&self, config: &Config, read: &SystemRead, today: NaiveDate) -> Vec<Finding> {
        let _ = (config, read, today);
        Vec::new()
    }

    /// Read this system's section of a snapshot (`path` and `fetched_at` for messages and
    /// provenance). Scopes the section does not hold are unread, never empty.
    fn read_snapshot(
        &self,
        section: &serde_json::Value,
        path: &str,
        fetched_at: Option<chrono::DateTime<chrono::Utc>>,
    ) -> Result<SystemRead, SourceError>;

    /// This system's section of a snapshot, from a read. Scopes not read whole are left out, so
    /// reading the snapshot back reports them unread.
    fn write_snapshot(&self, read: &SystemRead) -> Result<serde_json::Value, SourceError>;
}

/// An error that stops a whole read (as opposed to one scope failing, which is an `Unread`).
#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    /// Bad input from the user (snapshot file invalid, org mismatch, no token): exit 2.
    #[error("{0}")]
    Usage(String),
    /// The API or network failed, or permissions are missing: exit 3.
    #[error("{0}")]
    Api(String),
}

/// A source of one system's grants: its API, an export file or a snapshot section.
pub trait Source {
    fn system(&self) -> System;

    /// Read every scope the adapter names. Scopes that fail are `unread`, never left out
    /// silently and never returned empty.
    fn read(&self) -> LocalBoxFuture<'_, Result<SystemRead, SourceError>>;
}

/// The adapter of a configured system that has no reader yet (AWS and the account systems until
/// their issues land): it expects nothing, and any read of it is unread, so selecting it gives
/// `complete: false` and exit 3, naming it: never skipped silently.
#[derive(Debug, Clone, Copy)]
pub struct NoReader(pub System);

impl NoReader {
    pub fn reason(self) -> String {
        format!(
            "{} cannot be read yet: this version of access-reconciler has no reader for it",
            self.0
        )
    }
}

impl Adapter for NoReader {
    fn system(&self) -> System {
        self.0
    }

    fn scopes(&self) -> Vec<String> {
        vec![self.0.as_str().to_owned()]
    }

    fn expected(&self, _: &Config) -> Vec<Expected> {
        Vec::new()
    }

    fn is_managed(&self, _: &str) -> bool {
        false
    }

    fn is_ignored(&self, _: &str) -> bool {
        false
    }

    fn describe(&self, _: &Event<'_>, _: &mut Finding) {}

    fn read_snapshot(
        &self,
        _: &serde_json::Value,
        _: &str,
        _: Option<chrono::DateTime<chrono::Utc>>,
    ) -> Result<SystemRead, SourceError> {
        Ok(SystemRead::unread(self.0, self.reason()))
    }

    fn write_snapshot(&self, _: &SystemRead) -> Result<serde_json::Value, SourceError> {
        Err(SourceError::Api(self.reason()))
    }
}
