//! Fakes of the Sentry, Fastly and PagerDuty APIs: each a [`Service`] on its own
//! [`FakeServer`] (tests/support/server.rs: one server machinery for every fake, with its fault
//! queue). Each answers as the service's published API reference shows (see the module docs of
//! `src/sources/accounts/{sentry,fastly,pagerduty}.rs` for the versions followed):
//!
//! - Sentry `GET /api/0/organizations/{org}/members/`: `Authorization: Bearer <token>`, pages of
//!   members by `cursor=0:<offset>:0`, with Sentry's `Link` header (`rel="previous"` and
//!   `rel="next"`, each with `results` and `cursor`; absolute URLs) and its rate-limit headers.
//! - Fastly `GET /customer/{id}/users`: `Fastly-Key: <token>`, one JSON array.
//! - PagerDuty `GET /users?limit=&offset=`: `Authorization: Token token=<token>` and
//!   `Accept: application/vnd.pagerduty+json;version=2`, `{users, limit, offset, more, total}`.
//!
//! A wrong or missing token gets 401 with the service's error body; an unknown path 404. Faults
//! (a status with headers: 429 with `Retry-After` or a reset header, 5xx, a truncated body, an
//! off-host `Link`) go through the server's queue with [`Faults::inject`]. Every request that
//! reaches a fake is recorded with its headers ([`Seen`]), faulted or not.
#![allow(dead_code)]

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use serde_json::{Value, json};

use super::server::{self, Ctx, FakeServer, FaultRule, Request, Response, Service};

/// A request a fake received.
#[derive(Debug, Clone)]
pub struct Seen {
    /// Path and query.
    pub target: String,
    /// Header names lower-cased.
    pub headers: HashMap<String, String>,
}

impl Seen {
    /// The query string ("" when there is none).
    pub fn query(&self) -> &str {
        self.target.split_once('?').map_or("", |(_, q)| q)
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).map(String::as_str)
    }
}

#[derive(Default)]
pub struct Log(Mutex<Vec<Seen>>);

impl Log {
    fn record(&self, req: &Request) {
        if let Ok(mut seen) = self.0.lock() {
            seen.push(Seen {
                target: req.target.clone(),
                headers: req.headers.clone(),
            });
        }
    }

    fn all(&self) -> Vec<Seen> {
        self.0.lock().map(|s| s.clone()).unwrap_or_default()
    }
}

/// A fault answer (a status, headers and body) for [`Faults::inject`].
#[derive(Debug, Clone)]
pub struct Fault {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Fault {
    pub fn status(status: u16) -> Fault {
        Fault {
            status,
            headers: vec![],
            body: r#"{"detail":"injected fault"}"#.into(),
        }
    }

    pub fn with_header(mut self, name: &str, value: &str) -> Fault {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }
}

/// What every account fake shares: its server, and the requests it saw.
pub trait Faults {
    fn server(&self) -> &FakeServer;
    fn log(&self) -> &Log;

    /// Answer the next `times` GETs whose path and query contain `path` with `fault`.
    fn inject(&self, path: &str, fault: Fault, times: usize) -> impl Future<Output = ()> {
        self.server().fault(FaultRule {
            method: Some("GET".into()),
            path_contains: path.to_owned(),
            fault: server::Fault::Status {
                status: fault.status,
                headers: fault.headers,
                body: fault.body,
            },
            times,
        });
        async {}
    }

    /// Every request received so far, in order.
    fn requests(&self) -> impl Future<Output = Vec<Seen>> {
        let seen = self.log().all();
        async move { seen }
    }
}

fn unauthorized(body: Value) -> Response {
    Response::json(401, body)
}

// ---------------------------------------------------------------------------------- Sentry

/// One Sentry organization member (or pending invitation).
#[derive(Debug, Clone)]
pub struct SentryMember {
    pub email: String,
    pub role: String,
    pub pending: bool,
    pub expired: bool,
}

impl SentryMember {
    pub fn new(email: &str, role: &str) -> SentryMember {
        SentryMember {
            email: email.into(),
            role: role.into(),
            pending: false,
            expired: false,
        }
    }

    pub fn invited(email: &str, role: &str, expired: bool) -> SentryMember {
        SentryMember {
            pending: true,
            expired,
            ..SentryMember::new(email, role)
        }
    }

    /// As the API answers: `orgRole` (and the deprecated `role`), a `user` for accepted members.
    fn json(&self, i: usize) -> Value {
        json!({
            "id": format!("{}", 1000 + i),
            "email": self.email,
            "name": self.email,
            "user": if self.pending { Value::Null } else { json!({"id": format!("{}", 2000 + i), "email": self.email}) },
            "orgRole": self.role,
            "role": self.role,
            "pending": self.pending,
            "expired": self.expired,
            "inviteStatus": "approved",
            "dateCreated": "2026-11-01T10:00:00Z",
        })
    }
}

struct SentryService {
    token: String,
    org: String,
    members: Vec<SentryMember>,
    page_size: usize,
    log: Arc<Log>,
}

impl Service for SentryService {
    fn observe(&self, req: &Request) {
        self.log.record(req);
    }

    fn handle(&self, req: &Request, ctx: &Ctx) -> Response {
        let list = format!("/api/0/organizations/{}/members/", self.org);
        if req.method != "GET" || req.path() != list {
            return Response::json(
                404,
                json!({"detail": "The requested resource does not exist"}),
            );
        }
        if req.header("authorization") != Some(&format!("Bearer {}", self.token)) {
            return unauthorized(json!({"detail": "Invalid token"}));
        }
        let offset: usize = req
            .param("cursor")
            .and_then(|c| c.split(':').nth(1).and_then(|o| o.parse().ok()))
            .unwrap_or(0);
        let end = (offset + self.page_size).min(self.members.len());
        let page: Vec<Value> = (offset.min(end)..end)
            .map(|i| self.members[i].json(i))
            .collect();
        let url = format!("{}{list}", ctx.base);
        let prev = offset.saturating_sub(self.page_size);
        let link = format!(
            "<{url}?&cursor=0:{prev}:1>; rel=\"previous\"; results=\"{}\"; cursor=\"0:{prev}:1\", \
             <{url}?&cursor=0:{end}:0>; rel=\"next\"; results=\"{}\"; cursor=\"0:{end}:0\"",
            offset > 0,
            end < self.members.len(),
        );
        Response::json(200, Value::Array(page))
            .header("link", &link)
            .header("x-sentry-rate-limit-remaining", "39")
            .header("x-sentry-rate-limit-limit", "40")
    }
}

pub struct FakeSentry {
    pub server: FakeServer,
    pub url: String,
    log: Arc<Log>,
}

impl Faults for FakeSentry {
    fn server(&self) -> &FakeServer {
        &self.server
    }

    fn log(&self) -> &Log {
        &self.log
    }
}

impl FakeSentry {
    pub const PAGE_SIZE: usize = 100;

    pub async fn start(org: &str, token: &str, members: Vec<SentryMember>) -> FakeSentry {
        FakeSentry::start_paged(org, token, members, FakeSentry::PAGE_SIZE).await
    }

    pub async fn start_paged(
        org: &str,
        token: &str,
        members: Vec<SentryMember>,
        page_size: usize,
    ) -> FakeSentry {
        let server = FakeServer::start();
        let log = Arc::new(Log::default());
        server.mount(
            "",
            Arc::new(SentryService {
                token: token.into(),
                org: org.into(),
                members,
                page_size,
                log: log.clone(),
            }),
        );
        let url = server.url.clone();
        FakeSentry { server, url, log }
    }
}

// ---------------------------------------------------------------------------------- Fastly

/// One Fastly user.
#[derive(Debug, Clone)]
pub struct FastlyUser {
    pub login: String,
    pub role: String,
    pub limit_services: bool,
}

impl FastlyUser {
    pub fn new(login: &str, role: &str, limit_services: bool) -> FastlyUser {
        FastlyUser {
            login: login.into(),
            role: role.into(),
            limit_services,
        }
    }
}

struct FastlyService {
    token: String,
    customer_id: String,
    users: Vec<FastlyUser>,
    log: Arc<Log>,
}

impl Service for FastlyService {
    fn observe(&self, req: &Request) {
        self.log.record(req);
    }

    fn handle(&self, req: &Request, _: &Ctx) -> Response {
        if req.method != "GET" || req.path() != format!("/customer/{}/users", self.customer_id) {
            return Response::json(404, json!({"msg": "Record not found"}));
        }
        if req.header("fastly-key") != Some(self.token.as_str()) {
            return unauthorized(json!({"msg": "Provided credentials are missing or invalid"}));
        }
        let users: Vec<Value> = self
            .users
            .iter()
            .enumerate()
            .map(|(i, u)| {
                json!({
                    "id": format!("u{i}"),
                    "login": u.login,
                    "name": u.login,
                    "role": u.role,
                    "limit_services": u.limit_services,
                    "locked": false,
                    "require_new_password": false,
                    "two_factor_auth_enabled": true,
                    "customer_id": self.customer_id,
                    "created_at": "2026-01-01T00:00:00Z",
                    "deleted_at": null,
                })
            })
            .collect();
        Response::json(200, Value::Array(users))
    }
}

pub struct FakeFastly {
    pub server: FakeServer,
    pub url: String,
    log: Arc<Log>,
}

impl Faults for FakeFastly {
    fn server(&self) -> &FakeServer {
        &self.server
    }

    fn log(&self) -> &Log {
        &self.log
    }
}

impl FakeFastly {
    pub async fn start(customer_id: &str, token: &str, users: Vec<FastlyUser>) -> FakeFastly {
        let server = FakeServer::start();
        let log = Arc::new(Log::default());
        server.mount(
            "",
            Arc::new(FastlyService {
                token: token.into(),
                customer_id: customer_id.into(),
                users,
                log: log.clone(),
            }),
        );
        let url = server.url.clone();
        FakeFastly { server, url, log }
    }
}

// ------------------------------------------------------------------------------- PagerDuty

struct PagerdutyService {
    token: String,
    /// (email, role)
    users: Vec<(String, String)>,
    log: Arc<Log>,
}

impl Service for PagerdutyService {
    fn observe(&self, req: &Request) {
        self.log.record(req);
    }

    fn handle(&self, req: &Request, _: &Ctx) -> Response {
        if req.method != "GET" || req.path() != "/users" {
            return Response::json(
                404,
                json!({"error": {"message": "Not Found", "code": 2100}}),
            );
        }
        if req.header("authorization") != Some(&format!("Token token={}", self.token)) {
            return unauthorized(
                json!({"error": {"message": "Authentication required", "code": 2006}}),
            );
        }
        if req.header("accept") != Some("application/vnd.pagerduty+json;version=2") {
            return Response::json(406, json!({"error": {"message": "Not Acceptable"}}));
        }
        let limit: usize = req
            .param("limit")
            .and_then(|l| l.parse().ok())
            .unwrap_or(25)
            .min(100);
        let offset: usize = req
            .param("offset")
            .and_then(|o| o.parse().ok())
            .unwrap_or(0);
        let end = (offset + limit).min(self.users.len());
        let users: Vec<Value> = (offset.min(end)..end)
            .map(|i| {
                let (email, role) = &self.users[i];
                json!({"id": format!("P{i:06}"), "type": "user", "name": email, "email": email, "role": role, "time_zone": "Europe/London"})
            })
            .collect();
        Response::json(
            200,
            json!({
                "users": users,
                "limit": limit,
                "offset": offset,
                "more": end < self.users.len(),
                "total": null,
            }),
        )
        .header("ratelimit-limit", "960")
        .header("ratelimit-remaining", "959")
        .header("ratelimit-reset", "60")
    }
}

pub struct FakePagerduty {
    pub server: FakeServer,
    pub url: String,
    log: Arc<Log>,
}

impl Faults for FakePagerduty {
    fn server(&self) -> &FakeServer {
        &self.server
    }

    fn log(&self) -> &Log {
        &self.log
    }
}

impl FakePagerduty {
    pub async fn start(token: &str, users: &[(&str, &str)]) -> FakePagerduty {
        let server = FakeServer::start();
        let log = Arc::new(Log::default());
        server.mount(
            "",
            Arc::new(PagerdutyService {
                token: token.into(),
                users: users
                    .iter()
                    .map(|(e, r)| ((*e).to_owned(), (*r).to_owned()))
                    .collect(),
                log: log.clone(),
            }),
        );
        let url = server.url.clone();
        FakePagerduty { server, url, log }
    }
}
