//! A small fake GitHub REST API on 127.0.0.1 for the live-client tests and the benchmark
//! (`examples/bench_github.rs` includes this file). It serves team members (with
//! `role=maintainer`), invitations, child teams, org memberships and `/user`, pages lists with
//! GitHub-style absolute `Link` headers (pointing at `/organizations/1/team/{slug}/...` as GitHub
//! does), answers `If-None-Match` with 304, adds a configurable latency to every request, counts
//! requests and the most in flight at once, and injects faults (a status with headers, a dropped
//! connection, a truncated body) for requests whose path contains a given string.
#![allow(dead_code)]

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicU64, Ordering};
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
}

async fn read_request(stream: &mut TcpStream, buf: &mut Vec<u8>) -> Option<Request> {
    loop {
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buf[..end]).into_owned();
            let mut lines = head.split("\r\n");
            let mut first = lines.next()?.split(' ');
            let method = first.next()?.to_owned();
            let target = first.next()?.to_owned();
            let headers: HashMap<String, String> = lines
                .filter_map(|l| l.split_once(':'))
                .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
                .collect();
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
            buf.drain(..total);
            return Some(Request {
                method,
                target,
                headers,
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
    while let Some(req) = read_request(&mut stream, &mut buf).await {
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
        let response = match fault {
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

fn not_found() -> Response {
    Response::json(
        404,
        r#"{"message":"Not Found","documentation_url":"https://docs.github.com/rest"}"#.into(),
    )
}

/// GitHub App endpoints, authenticated by the App's JWT (checked for shape only).
fn app_route(state: &State, req: &Request, path: &str) -> Option<Response> {
    let org_installation = format!("/orgs/{}/installation", state.org);
    if path != "/app" && path != org_installation && !path.starts_with("/app/installations/") {
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
    Some(if path == "/app" {
        Response::json(
            200,
            r#"{"id":1,"slug":"access-reconciler","name":"x"}"#.into(),
        )
    } else if path == org_installation {
        Response::json(200, r#"{"id":42,"app_id":1}"#.into())
    } else if path == "/app/installations/42/access_tokens" && req.method == "POST" {
        let expires = chrono::Utc::now() + chrono::Duration::hours(1);
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
        return Response::json(200, format!(r#"{{"login":"{}"}}"#, state.user));
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
                list.iter()
                    .map(|l| {
                        format!(
                            r#"{{"login":"{l}","id":1,"gravatar_id":null,"type":"User","site_admin":false}}"#
                        )
                    })
                    .collect()
            }
            "invitations" => team
                .invitations
                .iter()
                .map(|(l, at)| {
                    format!(
                        r#"{{"id":1,"login":"{l}","email":null,"role":"direct_member","created_at":"{at}"}}"#
                    )
                })
                .collect(),
            "teams" => team
                .children
                .iter()
                .map(|c| format!(r#"{{"id":2,"slug":"{c}","name":"{c}"}}"#))
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
            let url = |p: usize| {
                format!(
                    "{}/organizations/1/team/{slug}/{kind}?{others}page={p}",
                    state.base
                )
            };
            let mut links = vec![];
            if page > 1 {
                links.push(format!("<{}>; rel=\"prev\"", url(page - 1)));
            }
            if page < last {
                links.push(format!("<{}>; rel=\"next\"", url(page + 1)));
                links.push(format!("<{}>; rel=\"last\"", url(last)));
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
        return match state
            .org_members
            .lock()
            .expect("lock")
            .get(&login.to_lowercase())
        {
            Some(s) => Response::json(200, format!(r#"{{"state":"{s}","role":"member"}}"#)),
            None => not_found(),
        };
    }
    not_found()
}
