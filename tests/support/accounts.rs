//! Thin fakes of the Sentry, Fastly and PagerDuty APIs on 127.0.0.1 (wiremock), for the account
//! readers' wire tests. Each answers as the service's published API reference shows (see the
//! module docs of `src/sources/accounts/{sentry,fastly,pagerduty}.rs` for the versions):
//!
//! - Sentry `GET /api/0/organizations/{org}/members/`: `Authorization: Bearer <token>`, pages of
//!   [`FakeSentry::page_size`] members by `cursor=0:<offset>:0`, with Sentry's `Link` header
//!   (`rel="previous"` and `rel="next"`, each with `results` and `cursor`; absolute URLs).
//! - Fastly `GET /customer/{id}/users`: `Fastly-Key: <token>`, one JSON array.
//! - PagerDuty `GET /users?limit=&offset=`: `Authorization: Token token=<token>` and
//!   `Accept: application/vnd.pagerduty+json;version=2`, `{users, limit, offset, more, total}`.
//!
//! A wrong or missing token gets 401 with the service's error body. Faults (a status with
//! headers, e.g. 429 with `Retry-After`, or 503) are injected in front of the next N requests
//! whose path contains a string, with [`Faults::inject`].
#![allow(dead_code)]

use serde_json::{Value, json};
use wiremock::matchers::{method, path, path_regex};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

/// A fault answer.
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

/// Fault injection shared by the fakes.
pub trait Faults {
    fn server(&self) -> &MockServer;

    /// Answer the next `times` GETs whose path matches `path_re` with `fault`.
    fn inject(
        &self,
        path_re: &str,
        fault: Fault,
        times: u64,
    ) -> impl std::future::Future<Output = ()> {
        let mut template = ResponseTemplate::new(fault.status).set_body_string(fault.body.clone());
        for (k, v) in &fault.headers {
            template = template.insert_header(k.as_str(), v.as_str());
        }
        let mock = Mock::given(method("GET"))
            .and(path_regex(path_re))
            .respond_with(template)
            .up_to_n_times(times)
            .with_priority(1);
        async move { mock.mount(self.server()).await }
    }

    /// Every request received so far: (path and query, the authorization-ish header values).
    fn requests(&self) -> impl std::future::Future<Output = Vec<Request>> {
        async move { self.server().received_requests().await.unwrap_or_default() }
    }
}

fn header<'a>(req: &'a Request, name: &str) -> Option<&'a str> {
    req.headers.get(name).and_then(|v| v.to_str().ok())
}

fn query(req: &Request, key: &str) -> Option<String> {
    req.url
        .query_pairs()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.into_owned())
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

pub struct FakeSentry {
    pub server: MockServer,
    pub url: String,
}

impl Faults for FakeSentry {
    fn server(&self) -> &MockServer {
        &self.server
    }
}

struct SentryMembers {
    token: String,
    members: Vec<SentryMember>,
    page_size: usize,
    base: String,
    org: String,
}

impl Respond for SentryMembers {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        if header(req, "authorization") != Some(&format!("Bearer {}", self.token)) {
            return ResponseTemplate::new(401).set_body_json(json!({"detail": "Invalid token"}));
        }
        let offset: usize = query(req, "cursor")
            .and_then(|c| c.split(':').nth(1).and_then(|o| o.parse().ok()))
            .unwrap_or(0);
        let end = (offset + self.page_size).min(self.members.len());
        let page: Vec<Value> = (offset.min(end)..end)
            .map(|i| self.members[i].json(i))
            .collect();
        let url = format!("{}/api/0/organizations/{}/members/", self.base, self.org);
        let prev = offset.saturating_sub(self.page_size);
        let link = format!(
            "<{url}?&cursor=0:{prev}:1>; rel=\"previous\"; results=\"{}\"; cursor=\"0:{prev}:1\", \
             <{url}?&cursor=0:{end}:0>; rel=\"next\"; results=\"{}\"; cursor=\"0:{end}:0\"",
            offset > 0,
            end < self.members.len(),
        );
        ResponseTemplate::new(200)
            .insert_header("link", link.as_str())
            .insert_header("x-sentry-rate-limit-remaining", "39")
            .insert_header("x-sentry-rate-limit-limit", "40")
            .set_body_json(Value::Array(page))
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
        let server = MockServer::start().await;
        let url = server.uri();
        Mock::given(method("GET"))
            .and(path(format!("/api/0/organizations/{org}/members/")))
            .respond_with(SentryMembers {
                token: token.into(),
                members,
                page_size,
                base: url.clone(),
                org: org.into(),
            })
            .mount(&server)
            .await;
        FakeSentry { server, url }
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

pub struct FakeFastly {
    pub server: MockServer,
    pub url: String,
}

impl Faults for FakeFastly {
    fn server(&self) -> &MockServer {
        &self.server
    }
}

struct FastlyUsers {
    token: String,
    customer_id: String,
    users: Vec<FastlyUser>,
}

impl Respond for FastlyUsers {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        if header(req, "fastly-key") != Some(self.token.as_str()) {
            return ResponseTemplate::new(401)
                .set_body_json(json!({"msg": "Provided credentials are missing or invalid"}));
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
        ResponseTemplate::new(200).set_body_json(Value::Array(users))
    }
}

impl FakeFastly {
    pub async fn start(customer_id: &str, token: &str, users: Vec<FastlyUser>) -> FakeFastly {
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .and(path(format!("/customer/{customer_id}/users")))
            .respond_with(FastlyUsers {
                token: token.into(),
                customer_id: customer_id.into(),
                users,
            })
            .mount(&server)
            .await;
        let url = server.uri();
        FakeFastly { server, url }
    }
}

// ------------------------------------------------------------------------------- PagerDuty

pub struct FakePagerduty {
    pub server: MockServer,
    pub url: String,
}

impl Faults for FakePagerduty {
    fn server(&self) -> &MockServer {
        &self.server
    }
}

struct PagerdutyUsers {
    token: String,
    /// (email, role)
    users: Vec<(String, String)>,
}

impl Respond for PagerdutyUsers {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        if header(req, "authorization") != Some(&format!("Token token={}", self.token)) {
            return ResponseTemplate::new(401).set_body_json(
                json!({"error": {"message": "Authentication required", "code": 2006}}),
            );
        }
        if header(req, "accept") != Some("application/vnd.pagerduty+json;version=2") {
            return ResponseTemplate::new(406)
                .set_body_json(json!({"error": {"message": "Not Acceptable"}}));
        }
        let limit: usize = query(req, "limit")
            .and_then(|l| l.parse().ok())
            .unwrap_or(25)
            .min(100);
        let offset: usize = query(req, "offset")
            .and_then(|o| o.parse().ok())
            .unwrap_or(0);
        let end = (offset + limit).min(self.users.len());
        let users: Vec<Value> = (offset.min(end)..end)
            .map(|i| {
                let (email, role) = &self.users[i];
                json!({"id": format!("P{i:06}"), "type": "user", "name": email, "email": email, "role": role, "time_zone": "Europe/London"})
            })
            .collect();
        ResponseTemplate::new(200)
            .insert_header("ratelimit-limit", "960")
            .insert_header("ratelimit-remaining", "959")
            .insert_header("ratelimit-reset", "60")
            .set_body_json(json!({
                "users": users,
                "limit": limit,
                "offset": offset,
                "more": end < self.users.len(),
                "total": null,
            }))
    }
}

impl FakePagerduty {
    pub async fn start(token: &str, users: &[(&str, &str)]) -> FakePagerduty {
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .and(path("/users"))
            .respond_with(PagerdutyUsers {
                token: token.into(),
                users: users
                    .iter()
                    .map(|(e, r)| ((*e).to_owned(), (*r).to_owned()))
                    .collect(),
            })
            .mount(&server)
            .await;
        let url = server.uri();
        FakePagerduty { server, url }
    }
}
