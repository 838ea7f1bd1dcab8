//! The fake GitHub: an in-memory model of one organization (teams with members, maintainers,
//! invitations and child teams; org memberships; the App installation) and of repositories
//! (branches, commits of one config file, contents, pull requests, issue comments), served as a
//! [`Service`] on the shared [`FakeServer`] (`server.rs`: HTTP, counters, ETags and 304s,
//! `Link` pagination, latency, fault injection).
//!
//! Lists are paged as GitHub pages them, with absolute `Link` headers: team lists point at
//! `/organizations/1/team/{slug}/...` as GitHub does; repository lists at their own path. Answers
//! carry every field GitHub's OpenAPI description requires (repository answers are GitHub's own
//! examples, `contract/github-examples.json`, patched with the model's state), so
//! `tests/contract.rs` can validate them with prism. Every request must carry
//! `X-GitHub-Api-Version: 2022-11-28` and `Authorization: Bearer {token}` (the App's endpoints
//! take the App's JWT).
//!
//! Tests change the model between runs through [`FakeGithub`] and [`Repo`], and inject faults
//! by method and path with [`FakeGithub::fault`] and [`FakeGithub::fault_on`].
#![allow(dead_code)]

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

pub use super::server::Fault;
use super::server::{Ctx, FakeServer, FaultRule, Paging, Request, Response, Service, paginate};

/// One team of the fake org.
#[derive(Debug, Clone, Default)]
pub struct FakeTeam {
    pub members: Vec<String>,
    pub maintainers: Vec<String>,
    /// (login, created_at RFC 3339)
    pub invitations: Vec<(String, String)>,
    pub children: Vec<String>,
}

impl FakeTeam {
    /// A team with `n` members named `{prefix}{i}`.
    pub fn sized(prefix: &str, n: usize) -> FakeTeam {
        FakeTeam {
            members: (0..n).map(|i| format!("{prefix}{i}")).collect(),
            ..FakeTeam::default()
        }
    }

    /// A team with these members and maintainers (maintainers are members too on GitHub:
    /// list them in both).
    pub fn of(members: &[&str], maintainers: &[&str]) -> FakeTeam {
        FakeTeam {
            members: members.iter().map(|m| (*m).to_owned()).collect(),
            maintainers: maintainers.iter().map(|m| (*m).to_owned()).collect(),
            ..FakeTeam::default()
        }
    }
}

/// A pull request of a fake repository.
#[derive(Debug, Clone)]
pub struct FakePull {
    pub number: u64,
    pub head: String,
    pub base: String,
    pub title: String,
    pub body: String,
    pub state: String,
    pub merged: bool,
}

/// An issue (or pull request) comment of a fake repository.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FakeComment {
    pub id: u64,
    /// The issue or pull request number.
    pub issue: u64,
    pub author: String,
    pub body: String,
}

/// The model of GitHub, and the service that answers for it.
#[derive(Default)]
struct Github {
    org: String,
    token: Option<String>,
    /// Who `GET /user` says the token belongs to.
    user: Mutex<String>,
    teams: Mutex<BTreeMap<String, FakeTeam>>,
    org_members: Mutex<HashMap<String, String>>,
    repos: Mutex<Vec<Repo>>,
    unauthenticated: AtomicU64,
    /// Where Link URLs point (a proxy in front of the fake), and whether they use the
    /// documented `/orgs/{org}/teams/{slug}/...` paths instead of GitHub's real
    /// `/organizations/{id}/team/{id}/...` ones (which the OpenAPI description does not list).
    link_base: Mutex<Option<(String, bool)>>,
    omit_last: AtomicBool,
    last_claim: Mutex<Option<usize>>,
    /// The minted installation token's `expires_at`, relative to now (default one hour).
    token_expires_in: Mutex<Option<chrono::Duration>>,
}

/// A repository of the fake GitHub; lock it to read or change its state between runs.
#[derive(Clone)]
pub struct Repo(Arc<Mutex<RepoState>>);

impl Repo {
    pub fn lock(&self) -> MutexGuard<'_, RepoState> {
        self.0.lock().expect("lock")
    }
}

/// One repository: commits of the one config file, branches, pull requests, issue comments.
pub struct RepoState {
    pub owner: String,
    pub name: String,
    /// The config file's path in the repository.
    pub path: String,
    pub default_branch: String,
    /// Branch -> commit sha.
    pub refs: BTreeMap<String, String>,
    /// Commit sha -> (parent, the file's text).
    pub commits: HashMap<String, (Option<String>, String)>,
    pub pulls: Vec<FakePull>,
    pub comments: Vec<FakeComment>,
    /// "METHOD path" of every mutation attempted (answered or faulted), the path after
    /// `/repos/{owner}/{name}`, percent-decoded.
    pub mutations: Vec<String>,
    /// GitHub's success examples, by "method /path/template" and status.
    examples: serde_json::Value,
}

/// A running fake GitHub on its own [`FakeServer`]. Stops when the test process ends.
pub struct FakeGithub {
    /// `http://127.0.0.1:PORT`, for `--api-url`.
    pub url: String,
    pub server: FakeServer,
    gh: Arc<Github>,
}

impl FakeGithub {
    /// Start a fake for `org` that requires `Authorization: Bearer {token}` on every request.
    pub fn start(org: &str, token: &str) -> FakeGithub {
        let server = FakeServer::start();
        let gh = Arc::new(Github {
            org: org.to_owned(),
            token: Some(token.to_owned()),
            user: Mutex::new("reconciler-bot".into()),
            ..Github::default()
        });
        server.mount("", gh.clone());
        FakeGithub {
            url: server.url.clone(),
            server,
            gh,
        }
    }

    /// A fake serving exactly what a snapshot file records (child teams rebuilt from
    /// `via_team`), so a live run must see what a run from the snapshot sees.
    pub fn read_snapshot(path: &std::path::Path, org: &str, token: &str) -> FakeGithub {
        let text = std::fs::read_to_string(path).expect("snapshot file");
        let snap: serde_json::Value = serde_json::from_str(&text).expect("snapshot JSON");
        let gh = FakeGithub::start(org, token);
        let mut children: BTreeMap<String, FakeTeam> = BTreeMap::new();
        for (slug, team) in snap["teams"].as_object().expect("teams") {
            let mut fake = FakeTeam::default();
            for m in team["members"].as_array().expect("members") {
                let login = m["login"].as_str().expect("login").to_owned();
                if m["role"] == "maintainer" {
                    fake.maintainers.push(login.clone());
                }
                if let Some(via) = m["via_team"].as_str() {
                    if !fake.children.iter().any(|c| c == via) {
                        fake.children.push(via.to_owned());
                    }
                    children
                        .entry(via.to_owned())
                        .or_default()
                        .members
                        .push(login.clone());
                }
                fake.members.push(login);
            }
            for inv in team["invitations"].as_array().expect("invitations") {
                fake.invitations.push((
                    inv["login"].as_str().expect("login").to_owned(),
                    inv["created_at"].as_str().expect("created_at").to_owned(),
                ));
            }
            gh.team(slug, fake);
        }
        for (slug, team) in children {
            gh.team(&slug, team);
        }
        if let Some(members) = snap["org_membership"].as_object() {
            for (login, state) in members {
                if let Some(state) = state.as_str().filter(|s| *s != "none") {
                    gh.org_member(login, state);
                }
            }
        }
        gh
    }

    pub fn team(&self, slug: &str, team: FakeTeam) -> &Self {
        self.gh
            .teams
            .lock()
            .expect("lock")
            .insert(slug.to_owned(), team);
        self
    }

    pub fn org_member(&self, login: &str, state: &str) -> &Self {
        self.gh
            .org_members
            .lock()
            .expect("lock")
            .insert(login.to_lowercase(), state.to_owned());
        self
    }

    /// `GET /user` answers with this login.
    pub fn user(&self, login: &str) -> &Self {
        *self.gh.user.lock().expect("lock") = login.to_owned();
        self
    }

    /// Serve under `/api/v3` as GitHub Enterprise Server does: requests outside it are 404s and
    /// Link URLs carry it. Returns the URL to pass as `--api-url`.
    pub fn enterprise(&self) -> String {
        self.server.remount("", "/api/v3");
        format!("{}/api/v3", self.url)
    }

    /// Make Link URLs point at `base` (e.g. a validating proxy), with documented paths.
    pub fn link_base(&self, base: &str) -> &Self {
        *self.gh.link_base.lock().expect("lock") = Some((base.to_owned(), true));
        self
    }

    /// Serve the repository `owner/name` whose default branch `main` holds `text` at `path`.
    pub fn repo(&self, owner: &str, name: &str, path: &str, text: &str) -> Repo {
        let examples_path =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("contract/github-examples.json");
        let examples: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string(&examples_path).expect("contract/github-examples.json"),
        )
        .expect("github-examples.json is JSON");
        let mut repo = RepoState {
            owner: owner.to_owned(),
            name: name.to_owned(),
            path: path.to_owned(),
            default_branch: "main".into(),
            refs: BTreeMap::new(),
            commits: HashMap::new(),
            pulls: vec![],
            comments: vec![],
            mutations: vec![],
            examples: examples["examples"].clone(),
        };
        let head = repo.commit(None, text);
        repo.refs.insert("main".into(), head);
        let repo = Repo(Arc::new(Mutex::new(repo)));
        let mut repos = self.gh.repos.lock().expect("lock");
        repos.retain(|r| {
            let r = r.lock();
            (r.owner.as_str(), r.name.as_str()) != (owner, name)
        });
        repos.push(repo.clone());
        repo
    }

    /// The first repository served.
    fn first_repo(&self) -> Repo {
        self.gh
            .repos
            .lock()
            .expect("lock")
            .first()
            .cloned()
            .expect("FakeGithub::repo was called")
    }

    /// The mutations the repository received ("METHOD /path" after `/repos/{owner}/{name}`).
    pub fn repo_mutations(&self) -> Vec<String> {
        self.first_repo().lock().mutations.clone()
    }

    /// The config file on `branch`, if the branch exists.
    pub fn repo_file_at(&self, branch: &str) -> Option<String> {
        self.first_repo().lock().file_at(branch)
    }

    /// The repository's pull requests.
    pub fn repo_pulls(&self) -> Vec<FakePull> {
        self.first_repo().lock().pulls.clone()
    }

    /// The bodies of the issue comments, in order.
    pub fn repo_comments(&self) -> Vec<String> {
        let repo = self.first_repo();
        let r = repo.lock();
        r.comments.iter().map(|c| c.body.clone()).collect()
    }

    /// Leave `rel="last"` out of Link headers.
    pub fn omit_last(&self) -> &Self {
        self.gh.omit_last.store(true, Ordering::SeqCst);
        self
    }

    /// Claim `page` as the last page in every Link header.
    pub fn last_page_claim(&self, page: usize) -> &Self {
        *self.gh.last_claim.lock().expect("lock") = Some(page);
        self
    }

    /// Minted installation tokens say they expire this long from now (negative: in the past,
    /// as a client whose clock runs ahead sees it).
    pub fn token_expires_in(&self, d: chrono::Duration) -> &Self {
        *self.gh.token_expires_in.lock().expect("lock") = Some(d);
        self
    }

    pub fn latency(&self, d: Duration) -> &Self {
        self.server.latency(d);
        self
    }

    /// Inject `fault` into the next `times` requests whose path and query contain `path_contains`.
    pub fn fault(&self, path_contains: &str, fault: Fault, times: usize) -> &Self {
        self.server.fault(FaultRule {
            method: None,
            path_contains: path_contains.to_owned(),
            fault,
            times,
        });
        self
    }

    /// [`FakeGithub::fault`] for requests with this method only.
    pub fn fault_on(&self, method: &str, path_contains: &str, fault: Fault, times: usize) -> &Self {
        self.server.fault(FaultRule {
            method: Some(method.to_owned()),
            path_contains: path_contains.to_owned(),
            fault,
            times,
        });
        self
    }

    /// Requests received (including 304s and faults).
    pub fn requests(&self) -> u64 {
        self.server.requests()
    }

    /// 304 answers given.
    pub fn not_modified(&self) -> u64 {
        self.server.not_modified()
    }

    /// Requests that cost a primary rate-limit point (all but 304s).
    pub fn points(&self) -> u64 {
        self.requests() - self.not_modified()
    }

    /// The most requests that were in flight at once.
    pub fn max_in_flight(&self) -> u64 {
        self.server.max_in_flight()
    }

    /// Requests that came without the expected Authorization header.
    pub fn unauthenticated(&self) -> u64 {
        self.gh.unauthenticated.load(Ordering::SeqCst)
    }

    /// "METHOD path?query" of every request, in arrival order.
    pub fn log(&self) -> Vec<String> {
        self.server.log()
    }

    /// Requests with this method, since the last reset.
    pub fn count(&self, method: &str) -> usize {
        let prefix = format!("{method} ");
        self.log().iter().filter(|l| l.starts_with(&prefix)).count()
    }

    /// Reset the counters (not the teams or faults).
    pub fn reset_counters(&self) {
        self.server.reset_counters();
    }
}

impl Service for Github {
    fn handle(&self, req: &Request, ctx: &Ctx) -> Response {
        route(self, req, ctx)
    }

    /// Record every mutation of a repository, answered or not.
    fn observe(&self, req: &Request) {
        if req.method == "GET" {
            return;
        }
        let segs = req.segments();
        let segs: Vec<&str> = segs.iter().map(String::as_str).collect();
        if let ["repos", owner, name, rest @ ..] = segs.as_slice()
            && let Some(repo) = self.repo(owner, name)
        {
            repo.lock()
                .mutations
                .push(format!("{} /{}", req.method, rest.join("/")));
        }
    }
}

impl Github {
    fn repo(&self, owner: &str, name: &str) -> Option<Repo> {
        self.repos
            .lock()
            .expect("lock")
            .iter()
            .find(|r| {
                let r = r.lock();
                r.owner == owner && r.name == name
            })
            .cloned()
    }

    fn paging(&self) -> Paging {
        Paging {
            omit_last: self.omit_last.load(Ordering::SeqCst),
            last_claim: *self.last_claim.lock().expect("lock"),
        }
    }
}

fn not_found() -> Response {
    Response::new(
        404,
        r#"{"message":"Not Found","documentation_url":"https://docs.github.com/rest"}"#,
    )
}

fn route(state: &Github, req: &Request, ctx: &Ctx) -> Response {
    if req.header("x-github-api-version") != Some("2022-11-28") {
        return Response::new(
            400,
            format!(
                r#"{{"message":"Invalid API version {:?}"}}"#,
                req.header("x-github-api-version")
            ),
        );
    }
    if let Some(r) = app_route(state, req, req.path()) {
        return r;
    }
    let expected = state.token.as_ref().map(|t| format!("Bearer {t}"));
    if expected.is_some() && req.headers.get("authorization") != expected.as_ref() {
        state.unauthenticated.fetch_add(1, Ordering::SeqCst);
        return Response::new(
            401,
            r#"{"message":"Bad credentials","documentation_url":"https://docs.github.com/rest"}"#,
        );
    }
    let segs = req.segments();
    let segs: Vec<&str> = segs.iter().map(String::as_str).collect();
    if segs == ["user"] {
        return Response::new(200, public_user_json(&state.user.lock().expect("lock")));
    }
    if let ["repos", owner, name, rest @ ..] = segs.as_slice() {
        return match state.repo(owner, name) {
            Some(repo) => {
                // Link URLs go where the team lists' go (a proxy in front, if any).
                let root = match &*state.link_base.lock().expect("lock") {
                    Some((base, _)) => base.clone(),
                    None => ctx.base.clone(),
                };
                let base = format!("{root}/repos/{owner}/{name}");
                let me = state.user.lock().expect("lock").clone();
                repo.lock().route(&me, req, rest, &base, state.paging())
            }
            None => not_found(),
        };
    }
    // /orgs/{org}/teams/{slug}/{kind} or /organizations/1/team/{slug}/{kind}
    let team_route = match segs.as_slice() {
        ["orgs", org, "teams", slug, kind] if *org == state.org => Some((*slug, *kind)),
        ["organizations", "1", "team", slug, kind] => Some((*slug, *kind)),
        _ => None,
    };
    if let Some((slug, kind)) = team_route {
        let teams = state.teams.lock().expect("lock");
        let Some(team) = teams.get(slug) else {
            return not_found();
        };
        let items: Vec<String> = match kind {
            "members" => {
                let list = if req.param("role").as_deref() == Some("maintainer") {
                    &team.maintainers
                } else {
                    &team.members
                };
                list.iter().map(|l| user_json(l)).collect()
            }
            "invitations" => team
                .invitations
                .iter()
                .map(|(l, at)| invitation_json(&state.org, l, at))
                .collect(),
            "teams" => team
                .children
                .iter()
                .map(|c| team_json(&state.org, c))
                .collect(),
            _ => return not_found(),
        };
        let link_base = state.link_base.lock().expect("lock").clone();
        let url = |query: &str| match &link_base {
            Some((base, true)) => {
                format!("{base}/orgs/{}/teams/{slug}/{kind}?{query}", state.org)
            }
            Some((base, false)) => format!("{base}/organizations/1/team/{slug}/{kind}?{query}"),
            None => format!("{}/organizations/1/team/{slug}/{kind}?{query}", ctx.base),
        };
        return paginate(req, &items, state.paging(), url);
    }
    if let ["orgs", org, "memberships", login] = segs.as_slice() {
        if *org != state.org {
            return not_found();
        }
        // Registered states first; anyone in a team is an active member.
        let registered = state
            .org_members
            .lock()
            .expect("lock")
            .get(&login.to_lowercase())
            .cloned();
        let in_a_team = state
            .teams
            .lock()
            .expect("lock")
            .values()
            .any(|t| t.members.iter().any(|m| m.eq_ignore_ascii_case(login)));
        let known = registered.or_else(|| in_a_team.then(|| "active".to_owned()));
        return match known {
            Some(s) => Response::new(
                200,
                format!(
                    r#"{{"url":"https://api.github.com/orgs/{org}/memberships/{login}","state":"{s}","role":"member","organization_url":"https://api.github.com/orgs/{org}","organization":{},"user":{}}}"#,
                    org_json(org),
                    user_json(login)
                ),
            ),
            None => not_found(),
        };
    }
    not_found()
}

/// A `simple-user` object with every field GitHub's OpenAPI description requires.
fn user_json(login: &str) -> String {
    let u = format!("https://api.github.com/users/{login}");
    format!(
        r#"{{"login":"{login}","id":1,"node_id":"MDQ6VXNlcjE=","avatar_url":"https://avatars.githubusercontent.com/u/1","gravatar_id":"","url":"{u}","html_url":"https://github.com/{login}","followers_url":"{u}/followers","following_url":"{u}/following{{/other_user}}","gists_url":"{u}/gists{{/gist_id}}","starred_url":"{u}/starred{{/owner}}{{/repo}}","subscriptions_url":"{u}/subscriptions","organizations_url":"{u}/orgs","repos_url":"{u}/repos","events_url":"{u}/events{{/privacy}}","received_events_url":"{u}/received_events","type":"User","site_admin":false,"user_view_type":"public"}}"#
    )
}

/// A `public-user` (`GET /user`).
fn public_user_json(login: &str) -> String {
    let simple = user_json(login);
    format!(
        r#"{},"name":null,"company":null,"blog":"","location":null,"email":null,"hireable":null,"bio":null,"public_repos":0,"public_gists":0,"followers":0,"following":0,"created_at":"2020-01-01T00:00:00Z","updated_at":"2020-01-01T00:00:00Z"}}"#,
        simple.trim_end_matches('}')
    )
}

fn team_json(org: &str, slug: &str) -> String {
    format!(
        r#"{{"id":2,"node_id":"MDQ6VGVhbTI=","url":"https://api.github.com/organizations/1/team/2","html_url":"https://github.com/orgs/{org}/teams/{slug}","name":"{slug}","slug":"{slug}","description":null,"privacy":"closed","notification_setting":"notifications_enabled","permission":"pull","members_url":"https://api.github.com/organizations/1/team/2/members{{/member}}","repositories_url":"https://api.github.com/organizations/1/team/2/repos","parent":null,"type":"organization"}}"#
    )
}

fn invitation_json(org: &str, login: &str, created_at: &str) -> String {
    format!(
        r#"{{"id":1,"node_id":"MDIyOk9yZ2FuaXphdGlvbkludml0YXRpb24x","login":"{login}","email":null,"role":"direct_member","created_at":"{created_at}","inviter":{},"team_count":1,"invitation_teams_url":"https://api.github.com/organizations/{org}/invitations/1/teams"}}"#,
        user_json("inviter")
    )
}

fn org_json(org: &str) -> String {
    let u = format!("https://api.github.com/orgs/{org}");
    format!(
        r#"{{"login":"{org}","id":1,"node_id":"MDEyOk9yZ2FuaXphdGlvbjE=","url":"{u}","repos_url":"{u}/repos","events_url":"{u}/events","hooks_url":"{u}/hooks","issues_url":"{u}/issues","members_url":"{u}/members{{/member}}","public_members_url":"{u}/public_members{{/member}}","avatar_url":"https://avatars.githubusercontent.com/u/1","description":null}}"#
    )
}

/// GitHub App endpoints, authenticated by the App's JWT (checked for shape only).
fn app_route(state: &Github, req: &Request, path: &str) -> Option<Response> {
    let org_installation = format!("/orgs/{}/installation", state.org);
    let other_installation = path.starts_with("/orgs/")
        && path.ends_with("/installation")
        && path.matches('/').count() == 3
        && path != org_installation;
    if path != "/app"
        && path != org_installation
        && !other_installation
        && !path.starts_with("/app/installations/")
    {
        return None;
    }
    let jwt = req
        .headers
        .get("authorization")
        .and_then(|h| h.strip_prefix("Bearer "))
        .is_some_and(|t| t.split('.').count() == 3);
    if !jwt {
        return Some(Response::new(
            401,
            r#"{"message":"A JSON web token could not be decoded"}"#,
        ));
    }
    Some(if other_installation {
        // The App is installed on state.org only.
        not_found()
    } else if path == "/app" {
        Response::new(
            200,
            format!(
                r#"{{"id":1,"slug":"access-reconciler","node_id":"MDM6QXBwMQ==","owner":{},"name":"access-reconciler","description":null,"external_url":"https://example.org","html_url":"https://github.com/apps/access-reconciler","created_at":"2020-01-01T00:00:00Z","updated_at":"2020-01-01T00:00:00Z","permissions":{{"members":"read"}},"events":[]}}"#,
                user_json(&state.org)
            ),
        )
    } else if path == org_installation {
        Response::new(
            200,
            format!(
                r#"{{"id":42,"app_id":1,"app_slug":"access-reconciler","target_id":1,"target_type":"Organization","single_file_name":null,"repository_selection":"all","access_tokens_url":"https://api.github.com/app/installations/42/access_tokens","html_url":"https://github.com/organizations/{org}/settings/installations/42","repositories_url":"https://api.github.com/installation/repositories","events":[],"account":{},"permissions":{{"members":"read"}},"created_at":"2020-01-01T00:00:00Z","updated_at":"2020-01-01T00:00:00Z","suspended_by":null,"suspended_at":null}}"#,
                user_json(&state.org),
                org = state.org
            ),
        )
    } else if path == "/app/installations/42/access_tokens" && req.method == "POST" {
        let expires = chrono::Utc::now()
            + state
                .token_expires_in
                .lock()
                .expect("lock")
                .unwrap_or_else(|| chrono::Duration::hours(1));
        Response::new(
            201,
            format!(
                r#"{{"token":"{}","expires_at":"{}"}}"#,
                state.token.clone().unwrap_or_default(),
                expires.format("%Y-%m-%dT%H:%M:%SZ")
            ),
        )
    } else {
        not_found()
    })
}

/// A git-like sha (40 hex digits) of some text.
fn sha_of(kind: &str, text: &str) -> String {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    h.update(kind.as_bytes());
    h.update(text.as_bytes());
    h.finalize()
        .iter()
        .take(20)
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn base64(text: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(text.as_bytes())
}

fn unbase64(text: &str) -> Option<String> {
    use base64::Engine;
    let clean: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(clean)
        .ok()?;
    String::from_utf8(bytes).ok()
}

fn json_response(status: u16, v: serde_json::Value) -> Response {
    Response::json(status, v)
}

fn message(status: u16, text: &str) -> Response {
    json_response(
        status,
        serde_json::json!({"message": text, "documentation_url": "https://docs.github.com/rest"}),
    )
}

impl RepoState {
    /// A new commit of `text` on `parent`; returns its sha (no branch moves).
    pub fn commit(&mut self, parent: Option<String>, text: &str) -> String {
        let sha = sha_of(
            "commit",
            &format!(
                "{}{text}{}",
                parent.as_deref().unwrap_or(""),
                self.commits.len()
            ),
        );
        self.commits.insert(sha.clone(), (parent, text.to_owned()));
        sha
    }

    /// Commit `text` on `branch`'s head and move the branch to it (a push).
    pub fn push(&mut self, branch: &str, text: &str) -> String {
        let head = self.refs.get(branch).cloned();
        let sha = self.commit(head, text);
        self.refs.insert(branch.to_owned(), sha.clone());
        sha
    }

    /// The config file at a branch or commit.
    pub fn file_at(&self, reference: &str) -> Option<String> {
        let sha = self.resolve(reference)?;
        self.commits.get(&sha).map(|(_, text)| text.clone())
    }

    /// The parent of a branch's head commit.
    pub fn parent_of(&self, branch: &str) -> Option<String> {
        let head = self.refs.get(branch)?;
        self.commits.get(head).and_then(|(p, _)| p.clone())
    }

    /// Add a comment on issue (or pull request) `issue` by `author`, with this id.
    pub fn add_comment(&mut self, id: u64, issue: u64, author: &str, body: &str) {
        self.comments.push(FakeComment {
            id,
            issue,
            author: author.to_owned(),
            body: body.to_owned(),
        });
    }

    /// GitHub's example answer for `op` ("get /repos/{owner}/{repo}") with `status`.
    fn example(&self, op: &str, status: &str) -> serde_json::Value {
        self.examples[op][status].clone()
    }

    fn api_url(&self) -> String {
        format!("https://api.github.com/repos/{}/{}", self.owner, self.name)
    }

    /// A commit sha, or a branch name, to the commit sha.
    fn resolve(&self, reference: &str) -> Option<String> {
        if self.commits.contains_key(reference) {
            return Some(reference.to_owned());
        }
        self.refs.get(reference).cloned()
    }

    fn git_ref(&self, op: &str, status: &str, branch: &str, sha: &str) -> serde_json::Value {
        let mut v = self.example(op, status);
        v["ref"] = format!("refs/heads/{branch}").into();
        v["url"] = format!("{}/git/refs/heads/{branch}", self.api_url()).into();
        v["object"]["sha"] = sha.into();
        v["object"]["type"] = "commit".into();
        v["object"]["url"] = format!("{}/git/commits/{sha}", self.api_url()).into();
        v
    }

    fn pull(&self, mut v: serde_json::Value, p: &FakePull) -> serde_json::Value {
        v["number"] = p.number.into();
        v["state"] = p.state.clone().into();
        v["title"] = p.title.clone().into();
        v["body"] = p.body.clone().into();
        v["html_url"] = format!(
            "https://github.com/{}/{}/pull/{}",
            self.owner, self.name, p.number
        )
        .into();
        v["merged_at"] = if p.merged {
            "2026-11-28T10:00:00Z".into()
        } else {
            serde_json::Value::Null
        };
        v["head"]["ref"] = p.head.clone().into();
        v["head"]["label"] = format!("{}:{}", self.owner, p.head).into();
        v["base"]["ref"] = p.base.clone().into();
        // GitHub's example team lacks `type`, which its schema requires.
        v["requested_teams"] = serde_json::json!([]);
        v
    }

    fn comment(&self, mut v: serde_json::Value, c: &FakeComment) -> serde_json::Value {
        v["id"] = c.id.into();
        v["body"] = c.body.clone().into();
        v["user"]["login"] = c.author.clone().into();
        v
    }

    fn content_file(&self, text: &str) -> serde_json::Value {
        let mut v = self.example("get /repos/{owner}/{repo}/contents/{path}", "200");
        let name = self
            .path
            .rsplit('/')
            .next()
            .unwrap_or(&self.path)
            .to_owned();
        v["type"] = "file".into();
        v["encoding"] = "base64".into();
        v["size"] = text.len().into();
        v["name"] = name.into();
        v["path"] = self.path.clone().into();
        // GitHub wraps the Base64 at 60 characters.
        let b64 = base64(text);
        let lines: Vec<&str> = b64
            .as_bytes()
            .chunks(60)
            .map(|c| std::str::from_utf8(c).expect("Base64 is ASCII"))
            .collect();
        v["content"] = format!("{}\n", lines.join("\n")).into();
        v["sha"] = sha_of("blob", text).into();
        v
    }

    /// Answer a request under `/repos/{owner}/{name}` (`rest` is the path after it; `base` its
    /// absolute URL, for Link headers).
    fn route(
        &mut self,
        me: &str,
        req: &Request,
        rest: &[&str],
        base: &str,
        paging: Paging,
    ) -> Response {
        let body = req.json();
        let params: HashMap<String, String> = req.params().into_iter().collect();
        let page_url = |path: String| move |query: &str| format!("{base}/{path}?{query}");
        let s = |v: &serde_json::Value| v.as_str().unwrap_or_default().to_owned();
        match (req.method.as_str(), rest) {
            ("GET", []) => {
                let mut v = self.example("get /repos/{owner}/{repo}", "200");
                v["name"] = self.name.clone().into();
                v["full_name"] = format!("{}/{}", self.owner, self.name).into();
                v["owner"]["login"] = self.owner.clone().into();
                v["default_branch"] = self.default_branch.clone().into();
                // GitHub's example omits `language`, which its schema requires.
                v["language"] = "Ruby".into();
                if v["source"].is_object() {
                    v["source"]["language"] = "Ruby".into();
                }
                json_response(200, v)
            }
            ("GET", ["git", "ref", "heads", branch @ ..]) => {
                let branch = branch.join("/");
                match self.refs.get(&branch) {
                    Some(sha) => json_response(
                        200,
                        self.git_ref(
                            "get /repos/{owner}/{repo}/git/ref/{ref}",
                            "200",
                            &branch,
                            sha,
                        ),
                    ),
                    None => not_found(),
                }
            }
            ("POST", ["git", "refs"]) => {
                let (name, sha) = (s(&body["ref"]), s(&body["sha"]));
                let Some(branch) = name.strip_prefix("refs/heads/") else {
                    return message(422, "Reference name is invalid");
                };
                if self.refs.contains_key(branch) {
                    return message(422, "Reference already exists");
                }
                self.refs.insert(branch.to_owned(), sha.clone());
                json_response(
                    201,
                    self.git_ref("post /repos/{owner}/{repo}/git/refs", "201", branch, &sha),
                )
            }
            ("PATCH", ["git", "refs", "heads", branch @ ..]) => {
                let branch = branch.join("/");
                let sha = s(&body["sha"]);
                if !self.refs.contains_key(&branch) || !self.commits.contains_key(&sha) {
                    return message(422, "Reference does not exist");
                }
                self.refs.insert(branch.clone(), sha.clone());
                json_response(
                    200,
                    self.git_ref(
                        "patch /repos/{owner}/{repo}/git/refs/{ref}",
                        "200",
                        &branch,
                        &sha,
                    ),
                )
            }
            ("DELETE", ["git", "refs", "heads", branch @ ..]) => {
                match self.refs.remove(&branch.join("/")) {
                    Some(_) => Response::new(204, ""),
                    None => message(422, "Reference does not exist"),
                }
            }
            ("GET", ["git", "commits", sha]) => match self.commits.get(*sha) {
                Some((parent, _)) => {
                    let mut v =
                        self.example("get /repos/{owner}/{repo}/git/commits/{commit_sha}", "200");
                    let template = v["parents"][0].clone();
                    let parents: Vec<serde_json::Value> = parent
                        .iter()
                        .map(|p| {
                            let mut t = template.clone();
                            t["sha"] = p.clone().into();
                            t
                        })
                        .collect();
                    v["sha"] = (*sha).into();
                    v["parents"] = parents.into();
                    json_response(200, v)
                }
                None => not_found(),
            },
            ("GET", ["git", "blobs", sha]) => {
                let text = self
                    .commits
                    .values()
                    .map(|(_, t)| t)
                    .find(|t| sha_of("blob", t) == *sha)
                    .cloned();
                match text {
                    Some(text) => {
                        let mut v =
                            self.example("get /repos/{owner}/{repo}/git/blobs/{file_sha}", "200");
                        v["sha"] = (*sha).into();
                        v["content"] = base64(&text).into();
                        v["encoding"] = "base64".into();
                        v["size"] = text.len().into();
                        json_response(200, v)
                    }
                    None => not_found(),
                }
            }
            ("GET", ["contents", ..]) => {
                let path = rest[1..].join("/");
                let reference = params
                    .get("ref")
                    .cloned()
                    .unwrap_or_else(|| self.default_branch.clone());
                match self.resolve(&reference) {
                    Some(sha) if path == self.path => {
                        let text = self.commits[&sha].1.clone();
                        json_response(200, self.content_file(&text))
                    }
                    _ => not_found(),
                }
            }
            ("PUT", ["contents", ..]) => {
                let branch = s(&body["branch"]);
                let Some(head) = self.refs.get(&branch).cloned() else {
                    return message(422, "Branch not found");
                };
                let current = sha_of("blob", &self.commits[&head].1);
                if s(&body["sha"]) != current {
                    return message(409, &format!("{} does not match {current}", self.path));
                }
                let Some(text) = unbase64(&s(&body["content"])) else {
                    return message(422, "content is not valid Base64");
                };
                let sha = self.commit(Some(head), &text);
                self.refs.insert(branch, sha.clone());
                let mut v = self.example("put /repos/{owner}/{repo}/contents/{path}", "200");
                let file = self.content_file(&text);
                for key in ["name", "path", "sha", "size"] {
                    v["content"][key] = file[key].clone();
                }
                v["commit"]["sha"] = sha.into();
                json_response(200, v)
            }
            ("GET", ["pulls"]) => {
                let state = params.get("state").cloned().unwrap_or("open".into());
                let head = params.get("head").cloned();
                let template = self.example("get /repos/{owner}/{repo}/pulls", "200")[0].clone();
                let mut list: Vec<&FakePull> = self
                    .pulls
                    .iter()
                    .filter(|p| p.state == state || state == "all")
                    .filter(|p| {
                        head.as_ref()
                            .is_none_or(|h| *h == format!("{}:{}", self.owner, p.head))
                    })
                    .collect();
                // Newest first unless asked otherwise (GitHub's default for sort=created).
                list.sort_by_key(|p| std::cmp::Reverse(p.number));
                if params.get("direction").map(String::as_str) == Some("asc") {
                    list.reverse();
                }
                let items: Vec<String> = list
                    .into_iter()
                    .map(|p| self.pull(template.clone(), p).to_string())
                    .collect();
                paginate(req, &items, paging, page_url("pulls".into()))
            }
            ("POST", ["pulls"]) => {
                let pull = FakePull {
                    number: self.pulls.iter().map(|p| p.number).max().unwrap_or(0) + 1,
                    head: s(&body["head"]),
                    base: s(&body["base"]),
                    title: s(&body["title"]),
                    body: s(&body["body"]),
                    state: "open".into(),
                    merged: false,
                };
                let v = self.pull(
                    self.example("post /repos/{owner}/{repo}/pulls", "201"),
                    &pull,
                );
                self.pulls.push(pull);
                json_response(201, v)
            }
            ("PATCH", ["pulls", n]) => {
                let n: u64 = n.parse().unwrap_or(0);
                let Some(i) = self.pulls.iter().position(|p| p.number == n) else {
                    return not_found();
                };
                let p = &mut self.pulls[i];
                for (key, field) in [
                    ("title", &mut p.title),
                    ("body", &mut p.body),
                    ("state", &mut p.state),
                ] {
                    if let Some(v) = body[key].as_str() {
                        *field = v.to_owned();
                    }
                }
                let p = self.pulls[i].clone();
                json_response(
                    200,
                    self.pull(
                        self.example("patch /repos/{owner}/{repo}/pulls/{pull_number}", "200"),
                        &p,
                    ),
                )
            }
            ("GET", ["issues", n, "comments"]) => {
                let n: u64 = n.parse().unwrap_or(0);
                let template = self.example(
                    "get /repos/{owner}/{repo}/issues/{issue_number}/comments",
                    "200",
                )[0]
                .clone();
                let items: Vec<String> = self
                    .comments
                    .iter()
                    .filter(|c| c.issue == n)
                    .map(|c| self.comment(template.clone(), c).to_string())
                    .collect();
                paginate(
                    req,
                    &items,
                    paging,
                    page_url(format!("issues/{n}/comments")),
                )
            }
            ("POST", ["issues", n, "comments"]) => {
                let issue: u64 = n.parse().unwrap_or(0);
                let id = self
                    .comments
                    .iter()
                    .map(|c| c.id + 1)
                    .max()
                    .unwrap_or(0)
                    .max(1000 + self.comments.len() as u64);
                let c = FakeComment {
                    id,
                    issue,
                    author: me.to_owned(),
                    body: s(&body["body"]),
                };
                let v = self.comment(
                    self.example(
                        "post /repos/{owner}/{repo}/issues/{issue_number}/comments",
                        "201",
                    ),
                    &c,
                );
                self.comments.push(c);
                json_response(201, v)
            }
            ("PATCH", ["issues", "comments", id]) => {
                let id: u64 = id.parse().unwrap_or(0);
                let Some(c) = self.comments.iter_mut().find(|c| c.id == id) else {
                    return not_found();
                };
                c.body = s(&body["body"]);
                let c = c.clone();
                json_response(
                    200,
                    self.comment(
                        self.example(
                            "patch /repos/{owner}/{repo}/issues/comments/{comment_id}",
                            "200",
                        ),
                        &c,
                    ),
                )
            }
            _ => not_found(),
        }
    }
}
