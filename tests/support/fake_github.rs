//! A small fake GitHub REST API on 127.0.0.1 for the live-client tests and the benchmark
//! (`examples/bench_github.rs` includes this file). It serves team members (with
//! `role=maintainer`), invitations, child teams, org memberships (registered ones, else active
//! for anyone in a team) and `/user`, pages lists with
//! GitHub-style absolute `Link` headers (pointing at `/organizations/1/team/{slug}/...` as GitHub
//! does), answers `If-None-Match` with 304, adds a configurable latency to every request, counts
//! requests and the most in flight at once, and injects faults (a status with headers, a dropped
//! connection, a truncated body) for requests whose path contains a given string.
//!
//! With [`FakeGithub::repo`] it also serves one repository for `review --post-comment` and
//! `fix --open-pr` (issue comments, contents, refs, commits, blobs, pull requests), statefully,
//! answering with GitHub's own examples (`contract/github-examples.json`) patched with the
//! repository's state, so every answer has the fields GitHub's schemas require.
#![allow(dead_code)]

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

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
}

/// A fault to inject.
#[derive(Debug, Clone)]
pub enum Fault {
    /// Answer with this status, headers and body.
    Status {
        status: u16,
        headers: Vec<(String, String)>,
        body: String,
    },
    /// Close the connection without answering.
    Drop,
    /// Answer 200 with a body cut off in the middle of the JSON.
    Truncate,
}

impl Fault {
    pub fn status(status: u16, body: &str) -> Fault {
        Fault::Status {
            status,
            headers: vec![],
            body: body.to_owned(),
        }
    }

    pub fn with_headers(status: u16, headers: &[(&str, &str)], body: &str) -> Fault {
        Fault::Status {
            status,
            headers: headers
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
            body: body.to_owned(),
        }
    }
}

struct FaultRule {
    path_contains: String,
    fault: Fault,
    times: usize,
}

#[derive(Default)]
struct State {
    base: String,
    /// A path every request must start with (GitHub Enterprise Server's `/api/v3`), stripped
    /// before routing and put back into Link URLs; empty for api.github.com.
    prefix: Mutex<String>,
    /// Where Link URLs point (a proxy in front of the fake), and whether they use the
    /// documented `/orgs/{org}/teams/{slug}/...` paths instead of GitHub's real
    /// `/organizations/{id}/team/{id}/...` ones (which the OpenAPI description does not list).
    link_base: Mutex<Option<(String, bool)>>,
    org: String,
    token: Option<String>,
    user: String,
    teams: Mutex<BTreeMap<String, FakeTeam>>,
    org_members: Mutex<HashMap<String, String>>,
    latency: Mutex<Duration>,
    faults: Mutex<Vec<FaultRule>>,
    requests: AtomicU64,
    not_modified: AtomicU64,
    in_flight: AtomicU64,
    max_in_flight: AtomicU64,
    log: Mutex<Vec<String>>,
    unauthenticated: AtomicU64,
    /// Leave `rel="last"` out of Link headers (GitHub does on some endpoints).
    omit_last: AtomicBool,
    /// Claim this page number in `rel="last"` (a wrong or hostile Link header).
    last_override: Mutex<Option<usize>>,
    /// The minted installation token's `expires_at`, relative to now (default one hour).
    token_expires_in: Mutex<Option<chrono::Duration>>,
    /// The repository for `review --post-comment` and `fix --open-pr`, when served.
    repo: Mutex<Option<RepoState>>,
}

/// One repository: commits of the one config file, branches, pull requests, issue comments.
struct RepoState {
    owner: String,
    name: String,
    /// The config file's path in the repository.
    path: String,
    default_branch: String,
    refs: BTreeMap<String, String>,
    /// sha -> (parent, the file's text)
    commits: HashMap<String, (Option<String>, String)>,
    pulls: Vec<FakePull>,
    /// (id, author, body), on any issue or pull request.
    comments: Vec<(u64, String, String)>,
    /// "METHOD path" of every mutation, the path after `/repos/{owner}/{name}`.
    mutations: Vec<String>,
    /// GitHub's success examples, by "method /path/template" and status.
    examples: serde_json::Value,
}

/// A pull request of the fake repository.
#[derive(Debug, Clone)]
pub struct FakePull {
    pub number: u64,
    pub head: String,
    pub base: String,
    pub title: String,
    pub body: String,
    pub state: String,
}

/// A running fake GitHub. Stops when the test process ends.
pub struct FakeGithub {
    /// `http://127.0.0.1:PORT`, for `--api-url`.
    pub url: String,
    state: Arc<State>,
}

impl FakeGithub {
    /// Start a fake for `org` that requires `Authorization: Bearer {token}` on every request.
    pub fn start(org: &str, token: &str) -> FakeGithub {
        let (tx, rx) = std::sync::mpsc::channel();
        let org = org.to_owned();
        let token = token.to_owned();
        std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .expect("fake GitHub runtime");
            rt.block_on(async move {
                let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
                let addr = listener.local_addr().expect("addr");
                let state = Arc::new(State {
                    base: format!("http://{addr}"),
                    org,
                    token: Some(token),
                    user: "reconciler-bot".into(),
                    ..State::default()
                });
                tx.send(state.clone()).expect("send state");
                loop {
                    let Ok((stream, _)) = listener.accept().await else {
                        continue;
                    };
                    let state = state.clone();
                    tokio::spawn(async move {
                        let _ = serve(stream, state).await;
                    });
                }
            });
        });
        let state = rx.recv().expect("fake GitHub started");
        FakeGithub {
            url: state.base.clone(),
            state,
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
        self.state
            .teams
            .lock()
            .expect("lock")
            .insert(slug.to_owned(), team);
        self
    }

    pub fn org_member(&self, login: &str, state: &str) -> &Self {
        self.state
            .org_members
            .lock()
            .expect("lock")
            .insert(login.to_lowercase(), state.to_owned());
        self
    }

    /// Serve under `/api/v3` as GitHub Enterprise Server does: requests outside it are 404s and
    /// Link URLs carry it. Returns the URL to pass as `--api-url`.
    pub fn enterprise(&self) -> String {
        *self.state.prefix.lock().expect("lock") = "/api/v3".to_owned();
        format!("{}/api/v3", self.url)
    }

    /// Make Link URLs point at `base` (e.g. a validating proxy), with documented paths.
    pub fn link_base(&self, base: &str) -> &Self {
        *self.state.link_base.lock().expect("lock") = Some((base.to_owned(), true));
        self
    }

    /// Serve the repository `owner/name` whose default branch `main` holds `text` at `path`.
    pub fn repo(&self, owner: &str, name: &str, path: &str, text: &str) -> &Self {
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
        *self.state.repo.lock().expect("lock") = Some(repo);
        self
    }

    /// The mutations the repository received ("METHOD /path" after `/repos/{owner}/{name}`).
    pub fn repo_mutations(&self) -> Vec<String> {
        self.with_repo(|r| r.mutations.clone())
    }

    /// The config file on `branch`, if the branch exists.
    pub fn repo_file_at(&self, branch: &str) -> Option<String> {
        self.with_repo(|r| {
            r.refs
                .get(branch)
                .and_then(|sha| r.commits.get(sha))
                .map(|(_, text)| text.clone())
        })
    }

    /// The repository's pull requests.
    pub fn repo_pulls(&self) -> Vec<FakePull> {
        self.with_repo(|r| r.pulls.clone())
    }

    /// The bodies of the issue comments, in order.
    pub fn repo_comments(&self) -> Vec<String> {
        self.with_repo(|r| r.comments.iter().map(|c| c.2.clone()).collect())
    }

    fn with_repo<T>(&self, f: impl FnOnce(&RepoState) -> T) -> T {
        f(self
            .state
            .repo
            .lock()
            .expect("lock")
            .as_ref()
            .expect("FakeGithub::repo was called"))
    }

    /// Leave `rel="last"` out of Link headers.
    pub fn omit_last(&self) -> &Self {
        self.state.omit_last.store(true, Ordering::SeqCst);
        self
    }

    /// Claim `page` as the last page in every Link header.
    pub fn last_page_claim(&self, page: usize) -> &Self {
        *self.state.last_override.lock().expect("lock") = Some(page);
        self
    }

    /// Minted installation tokens say they expire this long from now (negative: in the past,
    /// as a client whose clock runs ahead sees it).
    pub fn token_expires_in(&self, d: chrono::Duration) -> &Self {
        *self.state.token_expires_in.lock().expect("lock") = Some(d);
        self
    }

    pub fn latency(&self, d: Duration) -> &Self {
        *self.state.latency.lock().expect("lock") = d;
        self
    }

    /// Inject `fault` into the next `times` requests whose path and query contain `path_contains`.
    pub fn fault(&self, path_contains: &str, fault: Fault, times: usize) -> &Self {
        self.state.faults.lock().expect("lock").push(FaultRule {
            path_contains: path_contains.to_owned(),
            fault,
            times,
        });
        self
    }

    /// Requests received (including 304s and faults).
    pub fn requests(&self) -> u64 {
        self.state.requests.load(Ordering::SeqCst)
    }

    /// 304 answers given.
    pub fn not_modified(&self) -> u64 {
        self.state.not_modified.load(Ordering::SeqCst)
    }

    /// Requests that cost a primary rate-limit point (all but 304s).
    pub fn points(&self) -> u64 {
        self.requests() - self.not_modified()
    }

    /// The most requests that were in flight at once.
    pub fn max_in_flight(&self) -> u64 {
        self.state.max_in_flight.load(Ordering::SeqCst)
    }

    /// Requests that came without the expected Authorization header.
    pub fn unauthenticated(&self) -> u64 {
        self.state.unauthenticated.load(Ordering::SeqCst)
    }

    /// "METHOD path?query" of every request, in arrival order.
    pub fn log(&self) -> Vec<String> {
        self.state.log.lock().expect("lock").clone()
    }

    /// Reset the counters (not the teams or faults).
    pub fn reset_counters(&self) {
        self.state.requests.store(0, Ordering::SeqCst);
        self.state.not_modified.store(0, Ordering::SeqCst);
        self.state.max_in_flight.store(0, Ordering::SeqCst);
        self.state.log.lock().expect("lock").clear();
    }
}

struct Request {
    method: String,
    target: String,
    headers: HashMap<String, String>,
    body: Vec<u8>,
}

async fn read_request(stream: &mut TcpStream, buf: &mut Vec<u8>) -> Option<Request> {
    loop {
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buf[..end]).into_owned();
            let mut lines = head.split("\r\n");
            let mut first = lines.next()?.split(' ');
            let method = first.next()?.to_owned();
            let target = first.next()?.to_owned();
            // Repeated headers are joined, as a server would see them.
            let mut headers: HashMap<String, String> = HashMap::new();
            for (k, v) in lines.filter_map(|l| l.split_once(':')) {
                headers
                    .entry(k.trim().to_ascii_lowercase())
                    .and_modify(|old| {
                        old.push_str(", ");
                        old.push_str(v.trim());
                    })
                    .or_insert_with(|| v.trim().to_owned());
            }
            let len: usize = headers
                .get("content-length")
                .and_then(|v| v.parse().ok())
                .unwrap_or(0);
            let total = end + 4 + len;
            while buf.len() < total {
                let mut chunk = [0u8; 4096];
                let n = stream.read(&mut chunk).await.ok()?;
                if n == 0 {
                    return None;
                }
                buf.extend_from_slice(&chunk[..n]);
            }
            let body = buf[end + 4..total].to_vec();
            buf.drain(..total);
            return Some(Request {
                method,
                target,
                headers,
                body,
            });
        }
        let mut chunk = [0u8; 4096];
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
}

struct Response {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

impl Response {
    fn json(status: u16, body: String) -> Response {
        Response {
            status,
            headers: vec![],
            body,
        }
    }
}

async fn serve(mut stream: TcpStream, state: Arc<State>) -> std::io::Result<()> {
    let mut buf = Vec::new();
    while let Some(mut req) = read_request(&mut stream, &mut buf).await {
        state.requests.fetch_add(1, Ordering::SeqCst);
        let now = state.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
        state.max_in_flight.fetch_max(now, Ordering::SeqCst);
        state
            .log
            .lock()
            .expect("lock")
            .push(format!("{} {}", req.method, req.target));
        let latency = *state.latency.lock().expect("lock");
        if !latency.is_zero() {
            tokio::time::sleep(latency).await;
        }
        let fault = {
            let mut faults = state.faults.lock().expect("lock");
            faults
                .iter_mut()
                .find(|f| f.times > 0 && req.target.contains(&f.path_contains))
                .map(|f| {
                    f.times -= 1;
                    f.fault.clone()
                })
        };
        let prefix = state.prefix.lock().expect("lock").clone();
        let outside_prefix = match req.target.strip_prefix(&prefix) {
            Some(rest) if rest.starts_with('/') => {
                req.target = rest.to_owned();
                false
            }
            _ => true,
        };
        let response = match fault {
            _ if outside_prefix => not_found(),
            Some(Fault::Drop) => {
                state.in_flight.fetch_sub(1, Ordering::SeqCst);
                return Ok(());
            }
            Some(Fault::Truncate) => Response::json(200, "[{\"login\":\"trunc".into()),
            Some(Fault::Status {
                status,
                headers,
                body,
            }) => Response {
                status,
                headers,
                body,
            },
            None => route(&state, &req),
        };
        let response = conditional(&state, &req, response);
        let reason = match response.status {
            200 => "OK",
            201 => "Created",
            204 => "No Content",
            409 => "Conflict",
            422 => "Unprocessable Entity",
            304 => "Not Modified",
            401 => "Unauthorized",
            403 => "Forbidden",
            404 => "Not Found",
            429 => "Too Many Requests",
            _ => "Status",
        };
        let mut out = format!(
            "HTTP/1.1 {} {reason}\r\ncontent-type: application/json; charset=utf-8\r\ncontent-length: {}\r\n",
            response.status,
            response.body.len()
        );
        for (k, v) in &response.headers {
            out.push_str(&format!("{k}: {v}\r\n"));
        }
        out.push_str("\r\n");
        out.push_str(&response.body);
        state.in_flight.fetch_sub(1, Ordering::SeqCst);
        stream.write_all(out.as_bytes()).await?;
    }
    Ok(())
}

/// Add an ETag to 200s and answer a matching If-None-Match with 304.
fn conditional(state: &State, req: &Request, mut response: Response) -> Response {
    if response.status != 200 {
        return response;
    }
    let mut h: u64 = 1469598103934665603;
    for b in response.body.bytes() {
        h = (h ^ b as u64).wrapping_mul(1099511628211);
    }
    let etag = format!("W/\"{h:016x}\"");
    if req.headers.get("if-none-match") == Some(&etag) {
        state.not_modified.fetch_add(1, Ordering::SeqCst);
        return Response {
            status: 304,
            headers: vec![("etag".into(), etag)],
            body: String::new(),
        };
    }
    response.headers.push(("etag".into(), etag));
    response
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

fn not_found() -> Response {
    Response::json(
        404,
        r#"{"message":"Not Found","documentation_url":"https://docs.github.com/rest"}"#.into(),
    )
}

/// GitHub App endpoints, authenticated by the App's JWT (checked for shape only).
fn app_route(state: &State, req: &Request, path: &str) -> Option<Response> {
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
        return Some(Response::json(
            401,
            r#"{"message":"A JSON web token could not be decoded"}"#.into(),
        ));
    }
    Some(if other_installation {
        // The App is installed on state.org only.
        not_found()
    } else if path == "/app" {
        Response::json(
            200,
            format!(
                r#"{{"id":1,"slug":"access-reconciler","node_id":"MDM6QXBwMQ==","owner":{},"name":"access-reconciler","description":null,"external_url":"https://example.org","html_url":"https://github.com/apps/access-reconciler","created_at":"2020-01-01T00:00:00Z","updated_at":"2020-01-01T00:00:00Z","permissions":{{"members":"read"}},"events":[]}}"#,
                user_json(&state.org)
            ),
        )
    } else if path == org_installation {
        Response::json(
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
        Response::json(
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

fn route(state: &State, req: &Request) -> Response {
    if req.headers.get("x-github-api-version").map(String::as_str) != Some("2022-11-28") {
        return Response::json(
            400,
            format!(
                r#"{{"message":"Invalid API version {:?}"}}"#,
                req.headers.get("x-github-api-version")
            ),
        );
    }
    if let Some(r) = app_route(state, req, req.target.split('?').next().unwrap_or("")) {
        return r;
    }
    let expected = state.token.as_ref().map(|t| format!("Bearer {t}"));
    if expected.is_some() && req.headers.get("authorization") != expected.as_ref() {
        state.unauthenticated.fetch_add(1, Ordering::SeqCst);
        return Response::json(
            401,
            r#"{"message":"Bad credentials","documentation_url":"https://docs.github.com/rest"}"#
                .into(),
        );
    }
    let (path, query) = req.target.split_once('?').unwrap_or((&req.target, ""));
    let params: Vec<(String, String)> = query
        .split('&')
        .filter(|kv| !kv.is_empty())
        .map(|kv| {
            let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
            (k.to_owned(), v.to_owned())
        })
        .collect();
    let param = |k: &str| params.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
    let segs: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    if segs == ["user"] {
        return Response::json(200, public_user_json(&state.user));
    }
    if let ["repos", owner, name, rest @ ..] = segs.as_slice() {
        let mut repo = state.repo.lock().expect("lock");
        if let Some(repo) = repo
            .as_mut()
            .filter(|r| r.owner == *owner && r.name == *name)
        {
            let rest: Vec<String> = rest.iter().map(|s| decode(s)).collect();
            let rest: Vec<&str> = rest.iter().map(String::as_str).collect();
            let params: HashMap<String, String> =
                params.iter().map(|(k, v)| (k.clone(), decode(v))).collect();
            return repo.route(&state.user, req, &rest, &params);
        }
        return not_found();
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
                let list = if param("role").as_deref() == Some("maintainer") {
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
        let per_page: usize = param("per_page")
            .and_then(|v| v.parse().ok())
            .unwrap_or(30)
            .clamp(1, 100);
        let page: usize = param("page")
            .and_then(|v| v.parse().ok())
            .unwrap_or(1)
            .max(1);
        let last = items.len().div_ceil(per_page).max(1);
        let start = ((page - 1) * per_page).min(items.len());
        let end = (start + per_page).min(items.len());
        let body = format!("[{}]", items[start..end].join(","));
        let mut headers = vec![];
        if last > 1 {
            let others: String = params
                .iter()
                .filter(|(k, _)| k != "page")
                .map(|(k, v)| format!("{k}={v}&"))
                .collect();
            let link_base = state.link_base.lock().expect("lock").clone();
            let url = |p: usize| match &link_base {
                Some((base, true)) => format!(
                    "{base}/orgs/{}/teams/{slug}/{kind}?{others}page={p}",
                    state.org
                ),
                Some((base, false)) => {
                    format!("{base}/organizations/1/team/{slug}/{kind}?{others}page={p}")
                }
                None => format!(
                    "{}{}/organizations/1/team/{slug}/{kind}?{others}page={p}",
                    state.base,
                    state.prefix.lock().expect("lock")
                ),
            };
            let mut links = vec![];
            if page > 1 {
                links.push(format!("<{}>; rel=\"prev\"", url(page - 1)));
            }
            if page < last {
                links.push(format!("<{}>; rel=\"next\"", url(page + 1)));
                if !state.omit_last.load(Ordering::SeqCst) {
                    let claimed = state.last_override.lock().expect("lock").unwrap_or(last);
                    links.push(format!("<{}>; rel=\"last\"", url(claimed)));
                }
            }
            if page > 1 {
                links.push(format!("<{}>; rel=\"first\"", url(1)));
            }
            headers.push(("link".to_owned(), links.join(", ")));
        }
        return Response {
            status: 200,
            headers,
            body,
        };
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
            Some(s) => Response::json(
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

fn decode(s: &str) -> String {
    percent_encoding::percent_decode_str(s)
        .decode_utf8_lossy()
        .into_owned()
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
    Response::json(status, v.to_string())
}

fn message(status: u16, text: &str) -> Response {
    json_response(
        status,
        serde_json::json!({"message": text, "documentation_url": "https://docs.github.com/rest"}),
    )
}

impl RepoState {
    fn commit(&mut self, parent: Option<String>, text: &str) -> String {
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
        v["head"]["ref"] = p.head.clone().into();
        v["head"]["label"] = format!("{}:{}", self.owner, p.head).into();
        v["base"]["ref"] = p.base.clone().into();
        // GitHub's example team lacks `type`, which its schema requires.
        v["requested_teams"] = serde_json::json!([]);
        v
    }

    fn comment(&self, mut v: serde_json::Value, c: &(u64, String, String)) -> serde_json::Value {
        v["id"] = c.0.into();
        v["body"] = c.2.clone().into();
        v["user"]["login"] = c.1.clone().into();
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
        v["content"] = base64(text).into();
        v["sha"] = sha_of("blob", text).into();
        v
    }

    fn route(
        &mut self,
        me: &str,
        req: &Request,
        rest: &[&str],
        params: &HashMap<String, String>,
    ) -> Response {
        let body: serde_json::Value = serde_json::from_slice(&req.body).unwrap_or_default();
        let joined = format!("/{}", rest.join("/"));
        if req.method != "GET" {
            self.mutations.push(format!("{} {joined}", req.method));
        }
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
                    Some(_) => Response::json(204, String::new()),
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
                let list: Vec<serde_json::Value> = self
                    .pulls
                    .iter()
                    .filter(|p| p.state == state || state == "all")
                    .filter(|p| {
                        head.as_ref()
                            .is_none_or(|h| *h == format!("{}:{}", self.owner, p.head))
                    })
                    .map(|p| self.pull(template.clone(), p))
                    .collect();
                json_response(200, list.into())
            }
            ("POST", ["pulls"]) => {
                let pull = FakePull {
                    number: self.pulls.len() as u64 + 1,
                    head: s(&body["head"]),
                    base: s(&body["base"]),
                    title: s(&body["title"]),
                    body: s(&body["body"]),
                    state: "open".into(),
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
            ("GET", ["issues", _, "comments"]) => {
                let template = self.example(
                    "get /repos/{owner}/{repo}/issues/{issue_number}/comments",
                    "200",
                )[0]
                .clone();
                let list: Vec<serde_json::Value> = self
                    .comments
                    .iter()
                    .map(|c| self.comment(template.clone(), c))
                    .collect();
                json_response(200, list.into())
            }
            ("POST", ["issues", _, "comments"]) => {
                let c = (
                    1000 + self.comments.len() as u64,
                    me.to_owned(),
                    s(&body["body"]),
                );
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
                let Some(c) = self.comments.iter_mut().find(|c| c.0 == id) else {
                    return not_found();
                };
                c.2 = s(&body["body"]);
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
