//! Where team membership comes from. Everything that reads GitHub sits behind
//! [`MembershipSource`]; the drift engine only sees the data it returns, so tests and offline
//! snapshots plug in without HTTP.
//!
//! - [`snapshot`]: the recorded JSON snapshot (`--snapshot PATH`, written by `snapshot --out`).
//! - `live` (issue 4): the GitHub REST API.

pub mod adapter;
pub mod live;
pub mod rest;
pub mod snapshot;

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};

/// A member's role in a team.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub enum MemberRole {
    #[default]
    Member,
    Maintainer,
}

/// One effective member of a team.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    /// The login as GitHub spells it.
    pub login: String,
    pub role: MemberRole,
    /// The child team the membership comes through; `None` for direct members.
    pub via_team: Option<String>,
}

/// A pending invitation to a team.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invitation {
    pub login: String,
    pub created_at: DateTime<Utc>,
}

/// Everything read about one team.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TeamMembership {
    pub members: Vec<Member>,
    pub invitations: Vec<Invitation>,
}

/// A person's membership of the org (`GET /orgs/{org}/memberships/{username}`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum OrgMembership {
    Active,
    Pending,
    /// Not a member (404).
    None,
}

impl OrgMembership {
    pub fn as_str(self) -> &'static str {
        match self {
            OrgMembership::Active => "active",
            OrgMembership::Pending => "pending",
            OrgMembership::None => "none",
        }
    }
}

/// A team that could not be read whole, and why. Such a team yields no findings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TeamError {
    pub team: String,
    pub reason: String,
}

/// The membership of the managed teams, as read from one source.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct MembershipRead {
    pub org: String,
    pub fetched_at: Option<DateTime<Utc>>,
    /// Teams read whole, by slug.
    pub teams: BTreeMap<String, TeamMembership>,
    /// Teams not read whole. A team is in `teams` or in `errors`, never both.
    pub errors: Vec<TeamError>,
    /// Org membership of logins looked up (for `fix`), lower-cased login -> state.
    /// `None` when the source did not record it.
    pub org_membership: Option<BTreeMap<String, OrgMembership>>,
}

impl MembershipRead {
    /// Whether every requested team was read whole.
    pub fn complete(&self) -> bool {
        self.errors.is_empty()
    }

    /// Total members read across teams.
    pub fn members_read(&self) -> usize {
        self.teams.values().map(|t| t.members.len()).sum()
    }
}

/// An error that stops the whole read (the neutral model's).
pub use crate::access::SourceError;

/// A source of team membership.
#[allow(async_fn_in_trait)]
pub trait MembershipSource {
    /// Read the given teams of `org`. Teams that fail are listed in `errors`, not left out
    /// silently and never returned empty.
    async fn read_teams(&self, org: &str, teams: &[String]) -> Result<MembershipRead, SourceError>;

    /// Look up org membership for these logins (for `fix`'s leaver detection).
    /// `Ok(None)` when the source cannot tell (a snapshot without `org_membership`).
    async fn org_membership(
        &self,
        org: &str,
        logins: &[String],
    ) -> Result<Option<BTreeMap<String, OrgMembership>>, SourceError>;
}
