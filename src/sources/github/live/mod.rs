//! The GitHub REST API as a [`MembershipSource`](super::MembershipSource) (issue 4).
//!
//! Per managed team `T` of `org`, through [`RestClient`] (retries, rate limits, ETag cache):
//! - `GET /orgs/{org}/teams/{T}/members?per_page=100` (effective members, child teams included),
//! - `GET /orgs/{org}/teams/{T}/members?per_page=100&role=maintainer` (to mark maintainers),
//! - `GET /orgs/{org}/teams/{T}/invitations?per_page=100`,
//! - `GET /orgs/{org}/teams/{T}/teams?per_page=100` (child teams), and for each child team
//!   (recursively, at most [`MAX_DEPTH`] levels and [`MAX_DESCENDANTS`] teams) its members, so a
//!   member who is there through a child team gets `via_team`: the deepest team whose listing
//!   holds them (where they are a direct member; remove them there).
//!
//! Teams are read concurrently and lists are paged by the `Link` header (in parallel after the
//! first page); the in-flight bound is `--concurrency`. A team that fails after retries goes
//! into `errors` and yields nothing; 401 and 403 (missing permission) fail the whole read.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use chrono::{DateTime, Utc};
use futures::future::{BoxFuture, FutureExt, join_all};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde::Deserialize;

use super::rest::{ApiError, Credentials, MEMBERS_PERMISSION, RestClient, encode};
use super::{
    Invitation, Member, MemberRole, MembershipRead, MembershipSource, OrgMembership, SourceError,
    TeamError, TeamMembership,
};
use crate::sources::github::rest::ClientOptions;

/// How deep below a managed team child teams are followed for `via_team`.
pub const MAX_DEPTH: usize = 4;
/// How many descendant teams of one managed team are read at most.
pub const MAX_DESCENDANTS: usize = 50;

#[derive(Deserialize)]
struct MemberItem {
    login: String,
}

#[derive(Deserialize)]
struct InvitationItem {
    login: Option<String>,
    created_at: DateTime<Utc>,
}

#[derive(Deserialize)]
struct TeamItem {
    slug: String,
}

#[derive(Deserialize)]
struct OrgMembershipItem {
    state: String,
}

/// Reads team membership from the GitHub API.
pub struct LiveSource {
    client: RestClient,
    progress: bool,
    /// Logins read as team members (lower-cased) and a team holding each. A 404 from the org
    /// membership lookup for one of them means the token cannot see org memberships (GitHub
    /// answers 404 for everyone then): the lookup fails instead of reporting leavers.
    team_members: std::sync::Mutex<HashMap<String, String>>,
}

impl LiveSource {
    /// Authenticate (GITHUB_TOKEN, GH_TOKEN or GitHub App) and build the client.
    /// `progress` is true when progress may be drawn on stderr.
    pub async fn connect(
        args: &ClientOptions,
        org: &str,
        progress: bool,
    ) -> Result<Self, SourceError> {
        let client = RestClient::connect(args, org).await?;
        Ok(LiveSource {
            client,
            progress,
            team_members: std::sync::Mutex::new(HashMap::new()),
        })
    }

    /// [`LiveSource::connect`] with credentials given (tests, the benchmark).
    pub async fn connect_with(
        args: &ClientOptions,
        org: &str,
        progress: bool,
        creds: Credentials,
    ) -> Result<Self, SourceError> {
        let client = RestClient::connect_with(args, org, creds).await?;
        Ok(LiveSource {
            client,
            progress,
            team_members: std::sync::Mutex::new(HashMap::new()),
        })
    }

    /// The REST client (for request counters).
    pub fn client(&self) -> &RestClient {
        &self.client
    }

    fn progress_bar(&self, teams: usize) -> ProgressBar {
        if !self.progress {
            return ProgressBar::hidden();
        }
        let bar = ProgressBar::with_draw_target(Some(teams as u64), ProgressDrawTarget::stderr());
        if let Ok(style) =
            ProgressStyle::with_template("reading teams {bar:30} {pos}/{len} {msg} ({elapsed})")
        {
            bar.set_style(style);
        }
        bar
    }
}

/// One team's lists, read concurrently.
async fn read_team(client: &RestClient, org: &str, slug: &str) -> Result<TeamMembership, ApiError> {
    let base = format!("/orgs/{}/teams/{}", encode(org), encode(slug));
    let members_path = format!("{base}/members?per_page=100");
    let maintainers_path = format!("{base}/members?per_page=100&role=maintainer");
    let invitations_path = format!("{base}/invitations?per_page=100");
    let (members, maintainers, invitations, via) = futures::try_join!(
        client.get_all_pages::<MemberItem>(&members_path),
        client.get_all_pages::<MemberItem>(&maintainers_path),
        client.get_all_pages::<InvitationItem>(&invitations_path),
        descendants(client, org, slug),
    )?;
    let maintainers: std::collections::HashSet<String> = maintainers
        .into_iter()
        .map(|m| m.login.to_lowercase())
        .collect();
    let mut seen = std::collections::HashSet::new();
    let mut out = TeamMembership::default();
    for m in members {
        let key = m.login.to_lowercase();
        if !seen.insert(key.clone()) {
            continue;
        }
        out.members.push(Member {
            role: if maintainers.contains(&key) {
                MemberRole::Maintainer
            } else {
                MemberRole::Member
            },
            via_team: via.get(&key).cloned(),
            login: m.login,
        });
    }
    let mut by_email = 0;
    for inv in invitations {
        match inv.login {
            Some(login) => out.invitations.push(Invitation {
                login,
                created_at: inv.created_at,
            }),
            None => by_email += 1,
        }
    }
    if by_email > 0 {
        tracing::warn!(
            "team {slug} has {by_email} pending invitation(s) by email, which cannot be matched to a \
             github_username and are not checked"
        );
    }
    out.members.sort_by_key(|a| a.login.to_lowercase());
    out.invitations.sort_by_key(|a| a.login.to_lowercase());
    Ok(out)
}

/// For a team, lower-cased login -> the descendant team it is a member through (the deepest
/// team whose member list holds the login). Empty when the team has no child teams.
async fn descendants(
    client: &RestClient,
    org: &str,
    slug: &str,
) -> Result<HashMap<String, String>, ApiError> {
    let budget = Arc::new(std::sync::atomic::AtomicUsize::new(MAX_DESCENDANTS));
    let tree = child_tree(client.clone(), org.to_owned(), slug.to_owned(), 1, budget).await?;
    let mut via = HashMap::new();
    for child in &tree {
        attribute(child, &mut via);
    }
    Ok(via)
}

/// A child team, its member logins (lower-cased), and its own children.
struct Node {
    slug: String,
    members: Vec<String>,
    children: Vec<Node>,
}

/// Record, for each login in `node`, the deepest team under it that holds the login.
fn attribute(node: &Node, via: &mut HashMap<String, String>) {
    for login in &node.members {
        via.entry(login.clone())
            .or_insert_with(|| node.slug.clone());
    }
    for child in &node.children {
        let mut deeper = HashMap::new();
        attribute(child, &mut deeper);
        for (login, team) in deeper {
            // The deeper team wins: that is where the membership is.
            via.insert(login, team);
        }
    }
}

/// Read the child teams of `slug` and, for each, its members and (recursively) its children.
fn child_tree(
    client: RestClient,
    org: String,
    slug: String,
    depth: usize,
    budget: Arc<std::sync::atomic::AtomicUsize>,
) -> BoxFuture<'static, Result<Vec<Node>, ApiError>> {
    async move {
        let path = format!(
            "/orgs/{}/teams/{}/teams?per_page=100",
            encode(&org),
            encode(&slug)
        );
        let children: Vec<TeamItem> = client.get_all_pages(&path).await?;
        if depth > MAX_DEPTH && !children.is_empty() {
            tracing::warn!(
                "team {slug} has child teams nested deeper than {MAX_DEPTH} levels; members there \
                 are attributed to {slug}"
            );
            return Ok(vec![]);
        }
        let mut futures = vec![];
        for child in children {
            let left = budget.fetch_update(
                std::sync::atomic::Ordering::SeqCst,
                std::sync::atomic::Ordering::SeqCst,
                |n| n.checked_sub(1),
            );
            if left.is_err() {
                tracing::warn!(
                    "more than {MAX_DESCENDANTS} child teams under one managed team; team {} and \
                     its children are not attributed separately",
                    child.slug
                );
                continue;
            }
            let client = client.clone();
            let org = org.clone();
            let budget = budget.clone();
            futures.push(async move {
                let members_path = format!(
                    "/orgs/{}/teams/{}/members?per_page=100",
                    encode(&org),
                    encode(&child.slug)
                );
                let (members, children) = futures::try_join!(
                    client.get_all_pages::<MemberItem>(&members_path),
                    child_tree(
                        client.clone(),
                        org.clone(),
                        child.slug.clone(),
                        depth + 1,
                        budget
                    ),
                )?;
                Ok::<Node, ApiError>(Node {
                    slug: child.slug,
                    members: members
                        .into_iter()
                        .map(|m| m.login.to_lowercase())
                        .collect(),
                    children,
                })
            });
        }
        join_all(futures).await.into_iter().collect()
    }
    .boxed()
}

/// The reason a team could not be read, for the report.
fn team_reason(org: &str, slug: &str, e: &ApiError) -> String {
    match e {
        ApiError::NotFound { .. } => {
            format!("team {slug} not found in org {org}, or the token cannot see it (404)")
        }
        other => other.redacted(),
    }
}

impl MembershipSource for LiveSource {
    async fn read_teams(&self, org: &str, teams: &[String]) -> Result<MembershipRead, SourceError> {
        let bar = self.progress_bar(teams.len());
        let results = join_all(teams.iter().map(|slug| {
            let bar = bar.clone();
            async move {
                let r = read_team(&self.client, org, slug).await;
                bar.inc(1);
                bar.set_message(format!(
                    "{} requests",
                    self.client
                        .stats()
                        .requests
                        .load(std::sync::atomic::Ordering::Relaxed)
                ));
                (slug.clone(), r)
            }
        }))
        .await;
        bar.finish_and_clear();
        let mut read = MembershipRead {
            org: org.to_owned(),
            fetched_at: Some(Utc::now()),
            ..MembershipRead::default()
        };
        for (slug, result) in results {
            match result {
                Ok(team) => {
                    read.teams.insert(slug, team);
                }
                // Credentials or permissions are wrong for every team alike.
                Err(e) if e.is_auth() => return Err(SourceError::from(e)),
                Err(e) => {
                    let reason = team_reason(org, &slug, &e);
                    tracing::warn!("team {slug} could not be read: {reason}");
                    read.errors.push(TeamError { team: slug, reason });
                }
            }
        }
        if let Ok(mut known) = self.team_members.lock() {
            for (slug, team) in &read.teams {
                for m in &team.members {
                    known
                        .entry(m.login.to_lowercase())
                        .or_insert_with(|| slug.clone());
                }
            }
        }
        tracing::info!(
            "read {} team(s): {} requests, {} answered 304 from the cache",
            read.teams.len(),
            self.client
                .stats()
                .requests
                .load(std::sync::atomic::Ordering::Relaxed),
            self.client
                .stats()
                .not_modified
                .load(std::sync::atomic::Ordering::Relaxed)
        );
        Ok(read)
    }

    async fn org_membership(
        &self,
        org: &str,
        logins: &[String],
    ) -> Result<Option<BTreeMap<String, OrgMembership>>, SourceError> {
        let results = join_all(logins.iter().map(|login| async move {
            let path = format!("/orgs/{}/memberships/{}", encode(org), encode(login));
            let state = match self.client.get_json::<OrgMembershipItem>(&path).await {
                Ok(item) => match item.state.as_str() {
                    "active" => Ok(OrgMembership::Active),
                    "pending" => Ok(OrgMembership::Pending),
                    other => Err(SourceError::Api(format!(
                        "GET {path}: unknown membership state {other:?}"
                    ))),
                },
                Err(ApiError::NotFound { .. }) => Ok(OrgMembership::None),
                Err(e) => Err(SourceError::from(e)),
            };
            (login.to_lowercase(), state)
        }))
        .await;
        let mut out = BTreeMap::new();
        for (login, state) in results {
            out.insert(login, state?);
        }
        // Someone just read as a team member cannot have left the org.
        let known = self
            .team_members
            .lock()
            .map(|k| k.clone())
            .unwrap_or_default();
        let blind = |login: &str, team: &str| {
            SourceError::Api(format!(
                "GitHub says {login} is not a member of {org} (404 from GET \
                 /orgs/{org}/memberships/{login}), yet they were just read as a member of team \
                 {team}: the token cannot see org memberships, so leavers cannot be told \
                 apart. It needs {MEMBERS_PERMISSION}"
            ))
        };
        for (login, state) in &out {
            if let (OrgMembership::None, Some(team)) = (state, known.get(login)) {
                return Err(blind(login, team));
            }
        }
        // Before anyone is called a leaver on a 404, make sure a 404 means something: when no
        // looked-up login was also read in a team, ask once about someone who was (the first in
        // order, so runs are repeatable). One extra request, only when there is a leaver to
        // report; GitHub answers 404 for everyone to a token that cannot see memberships.
        let any_none = out.values().any(|s| *s == OrgMembership::None);
        let checked = out.keys().any(|l| known.contains_key(l));
        if any_none && !checked {
            let canary = known.iter().min_by(|a, b| a.0.cmp(b.0));
            let Some((login, team)) = canary else {
                return Err(SourceError::Api(format!(
                    "GitHub says some declared people are not members of {org}, but no team \
                     member was read to confirm the token can see org memberships; leavers are \
                     not reported. The token needs {MEMBERS_PERMISSION}"
                )));
            };
            let path = format!("/orgs/{}/memberships/{}", encode(org), encode(login));
            match self.client.get_json::<OrgMembershipItem>(&path).await {
                Ok(_) => {}
                Err(ApiError::NotFound { .. }) => return Err(blind(login, team)),
                Err(e) => return Err(SourceError::from(e)),
            }
        }
        Ok(Some(out))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deepest_team_wins_for_via_team() {
        let tree = vec![Node {
            slug: "child".into(),
            members: vec!["a".into(), "b".into()],
            children: vec![Node {
                slug: "grandchild".into(),
                members: vec!["b".into()],
                children: vec![],
            }],
        }];
        let mut via = HashMap::new();
        for n in &tree {
            attribute(n, &mut via);
        }
        assert_eq!(via.get("a").map(String::as_str), Some("child"));
        assert_eq!(via.get("b").map(String::as_str), Some("grandchild"));
    }
}
