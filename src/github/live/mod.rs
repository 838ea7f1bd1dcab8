//! The GitHub REST API as a [`MembershipSource`](super::MembershipSource) (issue 4).

use std::collections::BTreeMap;

use super::{MembershipRead, MembershipSource, OrgMembership, SourceError};
use crate::cli::GithubArgs;

/// Reads team membership from the GitHub API.
pub struct LiveSource {
    _private: (),
}

impl LiveSource {
    /// Authenticate (GITHUB_TOKEN, GH_TOKEN or GitHub App) and build the client.
    /// `progress` is true when progress may be drawn on stderr.
    pub async fn connect(
        args: &GithubArgs,
        org: &str,
        progress: bool,
    ) -> Result<Self, SourceError> {
        let _ = (args, org, progress);
        Err(SourceError::Usage(
            "live GitHub reads are not built yet; use --snapshot".into(),
        ))
    }
}

impl MembershipSource for LiveSource {
    async fn read_teams(&self, org: &str, teams: &[String]) -> Result<MembershipRead, SourceError> {
        let _ = (org, teams);
        Err(SourceError::Usage(
            "live GitHub reads are not built yet".into(),
        ))
    }

    async fn org_membership(
        &self,
        org: &str,
        logins: &[String],
    ) -> Result<Option<BTreeMap<String, OrgMembership>>, SourceError> {
        let _ = (org, logins);
        Ok(None)
    }
}
