//! The shared GitHub REST layer: authentication, retries, rate limits, pagination and the
//! on-disk ETag cache. Every command that talks to GitHub goes through [`RestClient`].
//!
//! ```no_run
//! # async fn demo(args: &access_reconciler::cli::GithubArgs) -> Result<(), Box<dyn std::error::Error>> {
//! use access_reconciler::github::rest::{RestClient, encode};
//! let client = RestClient::connect(args, "alphagov").await?;
//! let path = format!("/orgs/{}/teams/{}/members?per_page=100", encode("alphagov"), encode("my-team"));
//! let members: Vec<serde_json::Value> = client.get_all_pages(&path).await?;
//! let login = client.whoami().await?;
//! # let _ = (members, login); Ok(()) }
//! ```
//!
//! Design (and why it departs from octocrab's typed API):
//! - octocrab 0.54.9 is built without its `retry` feature, so it has no retry layer at all (the
//!   equivalent of `RetryConfig::None`: its `Simple(3)` retries immediately, ignores
//!   `retry-after` and re-sends POSTs). Retries are ours, for GETs only.
//! - Requests go through octocrab's raw `execute` with a path-only URI, so its base-URI layer adds
//!   `--api-url` (keeping a GHES `/api/v3` prefix) and its auth layer adds the token. Link URLs are
//!   reduced to path + query after checking they point at `--api-url`, so page 2+ never loses
//!   the Authorization header (octocrab issue 738) and never sends it anywhere else.
//! - GitHub App auth mints an installation token for the owner's installation and builds a plain
//!   token client from it, re-minted 5 minutes before it expires.
//! - Bodies are read into the caller's own minimal serde structs; octocrab's models are strict
//!   about fields we never use.
//! - Path segments are percent-encoded by the caller with [`encode`].
//! - The token never appears in output: octocrab marks nothing of it loggable, and every message
//!   this module builds passes through [`redact`] as a second line of defence.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use bytes::Bytes;
use chrono::{DateTime, Utc};
use http::{HeaderMap, HeaderValue, Method, StatusCode, Uri};
use http_body_util::BodyExt;
use octocrab::Octocrab;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use tokio::sync::Semaphore;

use super::SourceError;
use crate::cli::GithubArgs;

/// How many primary rate-limit / retry-after waits one request may sit through.
const MAX_RATE_LIMIT_WAITS: u32 = 5;
/// Re-mint an installation token this long before it expires.
const TOKEN_REFRESH_MARGIN_SECS: i64 = 300;

/// What is needed to read team membership, named in errors and the README.
pub const MEMBERS_PERMISSION: &str = "a classic token with the read:org scope, or a fine-grained token or GitHub App \
     installation with the Organization permission \"Members: read\"";

/// Percent-encode one URL path segment (a team slug, a login, a file path component).
pub fn encode(segment: &str) -> String {
    use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
    // Unreserved characters (RFC 3986) stay as they are; everything else is encoded.
    const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
        .remove(b'-')
        .remove(b'_')
        .remove(b'.')
        .remove(b'~');
    utf8_percent_encode(segment, SEGMENT).to_string()
}

/// Secrets that must never be printed. Filled by [`RestClient::connect`].
fn secrets() -> &'static Mutex<Vec<String>> {
    static SECRETS: OnceLock<Mutex<Vec<String>>> = OnceLock::new();
    SECRETS.get_or_init(|| Mutex::new(Vec::new()))
}

fn register_secret(secret: &str) {
    if secret.len() >= 4 {
        if let Ok(mut list) = secrets().lock() {
            list.push(secret.to_owned());
        }
    }
}

/// Replace every known secret in `text` with `[REDACTED]`.
pub fn redact(text: &str) -> String {
    let mut out = text.to_owned();
    if let Ok(list) = secrets().lock() {
        for s in list.iter() {
            if out.contains(s.as_str()) {
                out = out.replace(s.as_str(), "[REDACTED]");
            }
        }
    }
    out
}

/// An error from one API call. Messages say what failed, why, and what to do.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// 401: the credentials are invalid, expired or revoked.
    #[error(
        "GitHub rejected the credentials on {method} {path} (401 {message}): the token is invalid, \
         expired or revoked. Set GITHUB_TOKEN (or GH_TOKEN) to a valid token: {permission}"
    )]
    Unauthorized {
        method: Method,
        path: String,
        message: String,
        permission: String,
    },
    /// 403 that is not a rate limit: the token lacks a permission.
    #[error(
        "GitHub refused {method} {path} (403 {message}): the token lacks a permission; it needs {permission}"
    )]
    Forbidden {
        method: Method,
        path: String,
        message: String,
        permission: String,
    },
    /// 404.
    #[error(
        "{method} {path}: not found, or the token cannot see it (404); the token needs {permission}"
    )]
    NotFound {
        method: Method,
        path: String,
        permission: String,
    },
    /// Any other unsuccessful status (after retries, for GETs).
    #[error("GitHub answered {status} to {method} {path}: {message}")]
    Status {
        status: StatusCode,
        method: Method,
        path: String,
        message: String,
    },
    /// The rate limit is exhausted and the wait would exceed --max-wait (or too many waits).
    #[error("{method} {path}: {detail}")]
    RateLimited {
        status: StatusCode,
        method: Method,
        path: String,
        detail: String,
        /// When the limit resets, if GitHub said.
        reset: Option<DateTime<Utc>>,
    },
    /// The connection failed (after retries, for GETs).
    #[error("network error on {method} {path} after {tries} tries: {detail}")]
    Network {
        method: Method,
        path: String,
        tries: u32,
        detail: String,
    },
    /// The body was truncated or not the JSON expected.
    #[error("the response to {method} {path} is not the JSON expected (truncated?): {detail}")]
    Body {
        method: Method,
        path: String,
        detail: String,
    },
    /// A path or Link URL that cannot be requested.
    #[error("{0}")]
    Request(String),
}

impl ApiError {
    /// The HTTP status GitHub answered, when it answered one.
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            ApiError::Unauthorized { .. } => Some(StatusCode::UNAUTHORIZED),
            ApiError::Forbidden { .. } => Some(StatusCode::FORBIDDEN),
            ApiError::NotFound { .. } => Some(StatusCode::NOT_FOUND),
            ApiError::Status { status, .. } | ApiError::RateLimited { status, .. } => Some(*status),
            ApiError::Network { .. } | ApiError::Body { .. } | ApiError::Request(_) => None,
        }
    }

    /// Whether the failure is about credentials or permissions (fails every call alike).
    pub fn is_auth(&self) -> bool {
        matches!(
            self,
            ApiError::Unauthorized { .. } | ApiError::Forbidden { .. }
        )
    }

    /// The message with every known secret redacted (use this, or `Display`, which is the same).
    pub fn redacted(&self) -> String {
        redact(&self.to_string())
    }
}

impl From<ApiError> for SourceError {
    fn from(e: ApiError) -> Self {
        SourceError::Api(e.redacted())
    }
}

/// The permission an endpoint needs, for error messages.
pub fn permission_for(method: &Method, path: &str) -> String {
    let write = *method != Method::GET;
    let p = path.split('?').next().unwrap_or(path);
    let rw = if write { "write" } else { "read" };
    if p.starts_with("/orgs/") || p.starts_with("/organizations/") || p == "/user" {
        if p.contains("/installation") {
            return "GitHub App authentication (a JWT for --app-id) and the App installed on the org".into();
        }
        return MEMBERS_PERMISSION.into();
    }
    if p.contains("/issues/") || p.contains("/comments") {
        return format!(
            "the repo scope (classic token), or the repository permission \"Pull requests: {rw}\" or \"Issues: {rw}\""
        );
    }
    if p.contains("/pulls") {
        return format!(
            "the repo scope (classic token), or the repository permission \"Pull requests: {rw}\""
        );
    }
    if p.contains("/contents/") || p.contains("/git/") {
        return format!(
            "the repo scope (classic token), or the repository permission \"Contents: {rw}\""
        );
    }
    if p.starts_with("/app") {
        return "GitHub App authentication (--app-id and --app-private-key)".into();
    }
    "the permission GitHub documents for this endpoint".into()
}

/// Counters for the benchmark and for -v logging.
#[derive(Debug, Default)]
pub struct Stats {
    /// HTTP requests sent (including retries and 304s).
    pub requests: AtomicU64,
    /// 304 Not Modified answers (served from the cache; no rate-limit point).
    pub not_modified: AtomicU64,
    /// Retries and waits.
    pub retries: AtomicU64,
}

impl Stats {
    /// Requests that cost a primary rate-limit point (everything but 304s).
    pub fn points(&self) -> u64 {
        self.requests.load(Ordering::Relaxed) - self.not_modified.load(Ordering::Relaxed)
    }
}

/// Retry and wait policy, from the CLI flags.
#[derive(Debug, Clone, Copy)]
struct Policy {
    tries: u32,
    backoff_ms: u64,
    secondary_wait: u64,
    max_wait: u64,
}

/// Sleep. All waiting goes through here so tests shorten it with the flags.
async fn pause(d: Duration) {
    if !d.is_zero() {
        tokio::time::sleep(d).await;
    }
}

/// Exponential backoff with jitter: base * 2^(n-1), scaled by a random factor in [0.5, 1.5).
fn backoff(base_ms: u64, n: u32) -> Duration {
    let exp = base_ms.saturating_mul(1u64 << n.saturating_sub(1).min(16));
    let jitter = 0.5 + fastrand::f64();
    Duration::from_millis((exp as f64 * jitter) as u64)
}

/// How the client authenticates.
enum Auth {
    /// A token client; `installation` when the token is an installation token (`ghs_`, e.g. the
    /// Actions GITHUB_TOKEN), which cannot call `GET /user`.
    Token {
        client: Octocrab,
        installation: bool,
    },
    App(Box<AppAuth>),
}

struct AppAuth {
    app_id: u64,
    app_client: Octocrab,
    installation_id: u64,
    slug: String,
    base: Uri,
    current: tokio::sync::Mutex<Option<(Octocrab, DateTime<Utc>)>>,
}

/// The origin and base path of `--api-url`.
#[derive(Debug, Clone)]
struct Base {
    uri: Uri,
    /// scheme://authority
    origin: String,
    /// "" for api.github.com, "/api/v3" for GHES.
    path: String,
}

impl Base {
    fn parse(api_url: &str) -> Result<Base, String> {
        let trimmed = api_url.trim_end_matches('/');
        let uri: Uri = trimmed.parse().map_err(|_| {
            format!("--api-url {api_url:?} is not a URL; use e.g. https://api.github.com or https://HOST/api/v3")
        })?;
        let (Some(scheme), Some(authority)) = (uri.scheme_str(), uri.authority()) else {
            return Err(format!(
                "--api-url {api_url:?} needs a scheme and host, e.g. https://api.github.com or https://HOST/api/v3"
            ));
        };
        if scheme != "https" && scheme != "http" {
            return Err(format!("--api-url {api_url:?} must be http or https"));
        }
        if uri.query().is_some() {
            return Err(format!("--api-url {api_url:?} must not have a query"));
        }
        Ok(Base {
            origin: format!("{scheme}://{authority}"),
            path: uri.path().trim_end_matches('/').to_owned(),
            uri,
        })
    }

    /// The path-and-query to request for a caller path or an absolute URL (a Link).
    /// Absolute URLs must be under --api-url, so the token is never sent elsewhere.
    fn request_path(&self, path_or_url: &str) -> Result<String, ApiError> {
        if path_or_url.starts_with('/') {
            return Ok(path_or_url.to_owned());
        }
        let Some(rest) = path_or_url.strip_prefix(&self.origin) else {
            return Err(ApiError::Request(format!(
                "GitHub pointed at {path_or_url}, which is not under --api-url {}; not following it \
                 (set --api-url to the server's API URL)",
                self.origin
            )));
        };
        if !rest.starts_with(&format!("{}/", self.path)) {
            return Err(ApiError::Request(format!(
                "GitHub pointed at {path_or_url}, outside --api-url {}{}; not following it",
                self.origin, self.path
            )));
        }
        // Keep the base path: octocrab's base-URI layer does not prefix it twice.
        Ok(rest.to_owned())
    }

    /// The full URL, for cache keys and messages.
    fn full_url(&self, request_path: &str) -> String {
        if request_path.starts_with(&format!("{}/", self.path)) && !self.path.is_empty() {
            format!("{}{}", self.origin, request_path)
        } else {
            format!("{}{}{}", self.origin, self.path, request_path)
        }
    }
}

/// One page as fetched (or reused from the cache).
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Page {
    body: String,
    link: Option<String>,
    etag: Option<String>,
}

/// The on-disk ETag cache: one JSON file per URL and token identity, written atomically.
#[derive(Debug, Clone)]
struct DiskCache {
    dir: PathBuf,
    identity: String,
}

impl DiskCache {
    fn file(&self, url: &str) -> PathBuf {
        let mut h = Sha256::new();
        h.update(self.identity.as_bytes());
        h.update(b"\n");
        h.update(url.as_bytes());
        let hex: String = h.finalize().iter().map(|b| format!("{b:02x}")).collect();
        self.dir.join(format!("{hex}.json"))
    }

    fn load(&self, url: &str) -> Option<Page> {
        let text = std::fs::read_to_string(self.file(url)).ok()?;
        match serde_json::from_str::<Page>(&text) {
            Ok(page) => Some(page),
            Err(e) => {
                tracing::debug!("ignoring unreadable cache entry for {url}: {e}");
                None
            }
        }
    }

    fn store(&self, url: &str, page: &Page) {
        let result = (|| -> std::io::Result<()> {
            std::fs::create_dir_all(&self.dir)?;
            let mut tmp = tempfile::NamedTempFile::new_in(&self.dir)?;
            serde_json::to_writer(&mut tmp, page)?;
            tmp.persist(self.file(url)).map_err(|e| e.error)?;
            Ok(())
        })();
        if let Err(e) = result {
            tracing::warn!("could not write the cache in {}: {e}", self.dir.display());
        }
    }
}

/// A GitHub REST client over octocrab. Cheap to clone; clones share the connection pool,
/// the in-flight bound and the counters.
#[derive(Clone)]
pub struct RestClient {
    inner: Arc<Inner>,
}

struct Inner {
    auth: Auth,
    base: Base,
    policy: Policy,
    cache: Option<DiskCache>,
    permits: Semaphore,
    stats: Stats,
    whoami: tokio::sync::OnceCell<String>,
}

/// Where the credentials come from, before any request. `Debug` never shows the secret.
pub enum Credentials {
    /// A token (classic, fine-grained, or an installation token).
    Token(String),
    /// A GitHub App: its id and private key (PEM text).
    App { app_id: u64, pem: String },
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Credentials::Token(_) => f.write_str("Credentials::Token([REDACTED])"),
            Credentials::App { app_id, .. } => {
                write!(
                    f,
                    "Credentials::App {{ app_id: {app_id}, pem: [REDACTED] }}"
                )
            }
        }
    }
}

impl Credentials {
    /// `GITHUB_TOKEN`, else `GH_TOKEN`, else the GitHub App from the flags/env; else a usage
    /// error saying what to set and which permission it needs.
    pub fn from_env(args: &GithubArgs) -> Result<Credentials, SourceError> {
        find_credentials(args)
    }
}

fn env_nonempty(key: &str) -> Option<String> {
    std::env::var(key)
        .ok()
        .map(|v| v.trim().to_owned())
        .filter(|v| !v.is_empty())
}

fn find_credentials(args: &GithubArgs) -> Result<Credentials, SourceError> {
    for key in ["GITHUB_TOKEN", "GH_TOKEN"] {
        if let Some(token) = env_nonempty(key) {
            if !token.bytes().all(|b| b.is_ascii_graphic()) {
                return Err(SourceError::Usage(format!(
                    "{key} contains spaces or control characters; set it to the token alone"
                )));
            }
            if args.app_id.is_some() {
                tracing::info!("{key} is set: using it, not the GitHub App");
            }
            return Ok(Credentials::Token(token));
        }
    }
    if let Some(app_id) = args.app_id {
        let pem = match &args.app_private_key {
            Some(path) => std::fs::read_to_string(path).map_err(|e| {
                SourceError::Usage(format!(
                    "cannot read the GitHub App private key {}: {e}",
                    path.display()
                ))
            })?,
            None => env_nonempty("GITHUB_APP_PRIVATE_KEY").ok_or_else(|| {
                SourceError::Usage(format!(
                    "GitHub App {app_id} has no private key: pass --app-private-key PATH (the .pem \
                     file) or set GITHUB_APP_PRIVATE_KEY to the PEM text"
                ))
            })?,
        };
        return Ok(Credentials::App { app_id, pem });
    }
    Err(SourceError::Usage(format!(
        "no GitHub credentials: set GITHUB_TOKEN (or GH_TOKEN) to {MEMBERS_PERMISSION}, or use a \
         GitHub App with --app-id ID and --app-private-key PATH (or GITHUB_APP_ID and \
         GITHUB_APP_PRIVATE_KEY). Offline, use --snapshot PATH instead."
    )))
}

fn build_client(base: &Uri, token: Option<&str>) -> Result<Octocrab, SourceError> {
    let builder = Octocrab::builder()
        .base_uri(base.clone())
        .map_err(|e| SourceError::Usage(format!("--api-url {base} is not usable: {e}")))?
        .set_connect_timeout(Some(Duration::from_secs(10)))
        .set_read_timeout(Some(Duration::from_secs(60)));
    let built = match token {
        Some(t) => builder.personal_token(t.to_owned()).build(),
        None => builder.build(),
    };
    built.map_err(|e| SourceError::Api(redact(&format!("cannot build the HTTP client: {e}"))))
}

#[derive(Deserialize)]
struct Installation {
    id: u64,
}

#[derive(Deserialize)]
struct InstallationTokenBody {
    token: String,
    expires_at: Option<DateTime<Utc>>,
}

#[derive(Deserialize)]
struct AppBody {
    slug: String,
}

#[derive(Deserialize)]
struct UserBody {
    login: String,
}

#[derive(Deserialize)]
struct ErrorBody {
    message: Option<String>,
    errors: Option<serde_json::Value>,
}

/// What one HTTP exchange gave.
struct Raw {
    status: StatusCode,
    headers: HeaderMap,
    body: Bytes,
}

/// The text of an error and its causes, on one line.
fn chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut parts = vec![];
    let mut cur: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(err) = cur {
        let text = err.to_string();
        // octocrab's Display appends a backtrace to some variants; keep the first line.
        let first = text.lines().next().unwrap_or("").trim().to_owned();
        if !first.is_empty() && !parts.iter().any(|p: &String| p.contains(&first)) {
            parts.push(first);
        }
        cur = err.source();
    }
    redact(&parts.join(": "))
}

fn header_str<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

fn github_message(body: &[u8]) -> String {
    match serde_json::from_slice::<ErrorBody>(body) {
        Ok(ErrorBody {
            message: Some(message),
            errors,
        }) => {
            let mut m = message;
            if let Some(errors) = errors {
                let mut e = errors.to_string();
                if e.len() > 500 {
                    e.truncate(500);
                    e.push('…');
                }
                m = format!("{m} {e}");
            }
            redact(m.trim())
        }
        _ => {
            let text = String::from_utf8_lossy(body);
            let mut t: String = text.chars().take(300).collect();
            if t.is_empty() {
                t = "(empty body)".into();
            }
            redact(&t)
        }
    }
}

/// The parts of a `Link` header, by rel.
pub fn parse_link(header: &str) -> HashMap<String, String> {
    let mut out = HashMap::new();
    for part in header.split(',') {
        let part = part.trim();
        let (Some(start), Some(end)) = (part.find('<'), part.find('>')) else {
            continue;
        };
        if end <= start {
            continue;
        }
        let url = &part[start + 1..end];
        for param in part[end + 1..].split(';') {
            let param = param.trim();
            if let Some(rel) = param.strip_prefix("rel=") {
                for r in rel.trim_matches('"').split_whitespace() {
                    out.insert(r.to_owned(), url.to_owned());
                }
            }
        }
    }
    out
}

/// The value of the `page` query parameter of a URL.
fn page_number(url: &str) -> Option<u64> {
    let query = url.split_once('?')?.1;
    query
        .split('&')
        .find_map(|kv| kv.strip_prefix("page="))
        .and_then(|v| v.parse().ok())
}

/// The same URL with `page=n`.
fn with_page(url: &str, n: u64) -> Option<String> {
    let (head, query) = url.split_once('?')?;
    let mut found = false;
    let parts: Vec<String> = query
        .split('&')
        .map(|kv| {
            if kv.starts_with("page=") {
                found = true;
                format!("page={n}")
            } else {
                kv.to_owned()
            }
        })
        .collect();
    found.then(|| format!("{head}?{}", parts.join("&")))
}

impl RestClient {
    /// Authenticate and build the client.
    ///
    /// Credentials, in order: `GITHUB_TOKEN`, `GH_TOKEN`, then a GitHub App (`--app-id` /
    /// `GITHUB_APP_ID` with `--app-private-key PATH` or `GITHUB_APP_PRIVATE_KEY` PEM text), whose
    /// installation on `owner` is looked up and an installation token minted. No credentials:
    /// [`SourceError::Usage`] saying what to set. App lookups that fail: [`SourceError::Api`].
    pub async fn connect(args: &GithubArgs, owner: &str) -> Result<RestClient, SourceError> {
        let creds = find_credentials(args)?;
        RestClient::connect_with(args, owner, creds).await
    }

    /// [`RestClient::connect`] with credentials given (tests, the benchmark).
    pub async fn connect_with(
        args: &GithubArgs,
        owner: &str,
        creds: Credentials,
    ) -> Result<RestClient, SourceError> {
        let base = Base::parse(&args.api_url).map_err(SourceError::Usage)?;
        let policy = Policy {
            tries: args.retries.max(1),
            backoff_ms: args.backoff_ms,
            secondary_wait: args.secondary_wait,
            max_wait: args.max_wait,
        };
        let (auth, identity) = match creds {
            Credentials::Token(token) => {
                register_secret(&token);
                let mut h = Sha256::new();
                h.update(b"token:");
                h.update(token.as_bytes());
                let id: String = h.finalize().iter().map(|b| format!("{b:02x}")).collect();
                let client = build_client(&base.uri, Some(&token))?;
                let installation = token.starts_with("ghs_");
                (
                    Auth::Token {
                        client,
                        installation,
                    },
                    id,
                )
            }
            Credentials::App { app_id, pem } => {
                register_secret(pem.trim());
                let key = octocrab::EncodingKey::from_rsa_pem(pem.as_bytes()).map_err(|e| {
                    SourceError::Usage(format!(
                        "the GitHub App private key is not an RSA PEM key ({e}); use the .pem file \
                         GitHub generated for App {app_id}"
                    ))
                })?;
                let app_client = Octocrab::builder()
                    .base_uri(base.uri.clone())
                    .map_err(|e| SourceError::Usage(format!("--api-url is not usable: {e}")))?
                    .app(octocrab::models::AppId(app_id), key)
                    .build()
                    .map_err(|e| SourceError::Api(format!("cannot build the HTTP client: {e}")))?;
                (
                    Auth::App(Box::new(AppAuth {
                        app_id,
                        app_client,
                        installation_id: 0,
                        slug: String::new(),
                        base: base.uri.clone(),
                        current: tokio::sync::Mutex::new(None),
                    })),
                    String::new(),
                )
            }
        };
        let mut inner = Inner {
            auth,
            cache: None,
            base,
            policy,
            permits: Semaphore::new(args.concurrency.max(1)),
            stats: Stats::default(),
            whoami: tokio::sync::OnceCell::new(),
        };
        let found = match &inner.auth {
            Auth::App(app) => Some(inner.find_installation(app, owner).await?),
            Auth::Token { .. } => None,
        };
        let identity = match (&mut inner.auth, found) {
            (Auth::App(app), Some((installation_id, slug))) => {
                app.installation_id = installation_id;
                app.slug = slug;
                let mut h = Sha256::new();
                h.update(format!("app:{}:installation:{installation_id}", app.app_id).as_bytes());
                h.finalize().iter().map(|b| format!("{b:02x}")).collect()
            }
            _ => identity,
        };
        inner.cache = args.cache_dir.as_ref().map(|dir| DiskCache {
            dir: dir.clone(),
            identity,
        });
        let client = RestClient {
            inner: Arc::new(inner),
        };
        if let Auth::App(app) = &client.inner.auth {
            // Mint the first installation token now, so a permission problem shows up once.
            client
                .inner
                .app_token(app)
                .await
                .map_err(SourceError::from)?;
        }
        Ok(client)
    }

    /// GET `path` (relative to --api-url, segments encoded with [`encode`]) and parse the JSON.
    /// Retried; uses the ETag cache when --cache-dir is set.
    pub async fn get_json<T: DeserializeOwned>(&self, path: &str) -> Result<T, ApiError> {
        let page = self.inner.get_page(path).await?;
        self.inner.parse(Method::GET, path, page.body.as_bytes())
    }

    /// GET every page of a list, following the `Link` header. Once page 1 names the last page,
    /// the remaining pages are fetched in parallel (bounded by --concurrency). Items come back
    /// in page order.
    pub async fn get_all_pages<T: DeserializeOwned>(&self, path: &str) -> Result<Vec<T>, ApiError> {
        let first = self.inner.get_page(path).await?;
        let mut items: Vec<T> = self.inner.parse(Method::GET, path, first.body.as_bytes())?;
        let links = first.link.as_deref().map(parse_link).unwrap_or_default();
        let mut next = links.get("next").cloned();
        if let (Some(next_url), Some(last_url)) = (links.get("next"), links.get("last")) {
            if let (Some(from), Some(to)) = (page_number(next_url), page_number(last_url)) {
                if from <= to && to - from < 10_000 {
                    let urls: Vec<String> =
                        (from..=to).filter_map(|n| with_page(last_url, n)).collect();
                    let pages =
                        futures::future::join_all(urls.iter().map(|u| self.inner.get_page(u)))
                            .await;
                    next = None;
                    for (url, page) in urls.iter().zip(pages) {
                        let page = page?;
                        let more: Vec<T> =
                            self.inner.parse(Method::GET, url, page.body.as_bytes())?;
                        items.extend(more);
                        // The list may have grown while we read it: follow on from the last page.
                        next = page
                            .link
                            .as_deref()
                            .map(parse_link)
                            .and_then(|l| l.get("next").cloned());
                    }
                }
            }
        }
        let mut guard = 0;
        while let Some(url) = next {
            guard += 1;
            if guard > 10_000 {
                return Err(ApiError::Request(format!(
                    "GET {path}: more than 10,000 pages; giving up"
                )));
            }
            let page = self.inner.get_page(&url).await?;
            let more: Vec<T> = self.inner.parse(Method::GET, &url, page.body.as_bytes())?;
            items.extend(more);
            next = page
                .link
                .as_deref()
                .map(parse_link)
                .and_then(|l| l.get("next").cloned());
        }
        Ok(items)
    }

    /// Send a mutation (POST, PATCH, PUT, DELETE) with a JSON body and parse the JSON answer
    /// (an empty answer, e.g. 204, parses as `null`, so `T` may be `()` or `serde_json::Value`).
    /// NEVER retried: after a failure, re-read and check before trying again.
    pub async fn send_json<T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        body: &serde_json::Value,
    ) -> Result<T, ApiError> {
        let client = self.inner.client().await?;
        let raw = self
            .inner
            .send_once(&client, method.clone(), path, Some(body))
            .await?;
        let raw = self.inner.check(method.clone(), path, raw)?;
        let bytes: &[u8] = if raw.body.iter().all(u8::is_ascii_whitespace) {
            b"null"
        } else {
            &raw.body
        };
        self.inner.parse(method, path, bytes)
    }

    /// The login comments and pull requests are authored as: the token's user
    /// (`GET /user`), or `<app-slug>[bot]` for GitHub App auth (`--app-id`). For an installation
    /// token in GITHUB_TOKEN (`ghs_...`, as in GitHub Actions), where `GET /user` answers 403,
    /// `github-actions[bot]`. Cached after the first call.
    pub async fn whoami(&self) -> Result<String, ApiError> {
        self.inner
            .whoami
            .get_or_try_init(|| async {
                match &self.inner.auth {
                    Auth::App(app) => Ok(format!("{}[bot]", app.slug)),
                    Auth::Token { installation, .. } => {
                        match self.get_json::<UserBody>("/user").await {
                            Ok(user) => Ok(user.login),
                            // An installation token has no user; the Actions GITHUB_TOKEN
                            // authors as github-actions[bot]. (Another App's installation token
                            // cannot tell its slug: use --app-id auth for that App.)
                            Err(ApiError::Forbidden { .. }) if *installation => {
                                tracing::info!(
                                    "GET /user is not available to an installation token; \
                                     assuming the author is github-actions[bot]"
                                );
                                Ok("github-actions[bot]".to_owned())
                            }
                            Err(e) => Err(e),
                        }
                    }
                }
            })
            .await
            .cloned()
    }

    /// Request counters (for the benchmark and logging).
    pub fn stats(&self) -> &Stats {
        &self.inner.stats
    }
}

impl Inner {
    /// The App's installation on `owner`, and the App's slug.
    async fn find_installation(
        &self,
        app: &AppAuth,
        owner: &str,
    ) -> Result<(u64, String), SourceError> {
        let path = format!("/orgs/{}/installation", encode(owner));
        let raw = self
            .send_once(&app.app_client, Method::GET, &path, None)
            .await
            .map_err(SourceError::from)?;
        let installation: Installation = self
            .check(Method::GET, &path, raw)
            .and_then(|raw| self.parse(Method::GET, &path, &raw.body))
            .map_err(|e| match e {
                ApiError::NotFound { .. } => SourceError::Api(format!(
                    "GitHub App {} is not installed on {owner} (GET {path} answered 404); install \
                     it on the org with the Organization permission \"Members: read\"",
                    app.app_id
                )),
                ApiError::Unauthorized { message, .. } => SourceError::Api(format!(
                    "GitHub rejected the GitHub App's credentials (401 {message}): check that \
                     --app-id {} is the App's id and that the private key is one of its keys \
                     (and not revoked)",
                    app.app_id
                )),
                other => SourceError::from(other),
            })?;
        let raw = self
            .send_once(&app.app_client, Method::GET, "/app", None)
            .await
            .map_err(SourceError::from)?;
        let me: AppBody = self
            .check(Method::GET, "/app", raw)
            .and_then(|raw| self.parse(Method::GET, "/app", &raw.body))
            .map_err(SourceError::from)?;
        Ok((installation.id, me.slug))
    }

    /// The token client to use now (re-minting an installation token near expiry).
    async fn client(&self) -> Result<Octocrab, ApiError> {
        match &self.auth {
            Auth::Token { client, .. } => Ok(client.clone()),
            Auth::App(app) => self.app_token(app).await,
        }
    }

    async fn app_token(&self, app: &AppAuth) -> Result<Octocrab, ApiError> {
        let mut current = app.current.lock().await;
        if let Some((client, expires)) = current.as_ref() {
            if *expires - Utc::now() > chrono::Duration::seconds(TOKEN_REFRESH_MARGIN_SECS) {
                return Ok(client.clone());
            }
        }
        let path = format!("/app/installations/{}/access_tokens", app.installation_id);
        let raw = self
            .send_once(
                &app.app_client,
                Method::POST,
                &path,
                Some(&serde_json::json!({})),
            )
            .await?;
        let raw = self.check(Method::POST, &path, raw)?;
        let minted: InstallationTokenBody = self.parse(Method::POST, &path, &raw.body)?;
        register_secret(&minted.token);
        let client = build_client(&app.base, Some(&minted.token))
            .map_err(|e| ApiError::Request(e.to_string()))?;
        let expires = minted
            .expires_at
            .unwrap_or_else(|| Utc::now() + chrono::Duration::minutes(55));
        tracing::debug!("minted a GitHub App installation token, expires {expires}");
        *current = Some((client.clone(), expires));
        Ok(client)
    }

    fn parse<T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        body: &[u8],
    ) -> Result<T, ApiError> {
        serde_json::from_slice(body).map_err(|e| ApiError::Body {
            method,
            path: path.to_owned(),
            detail: e.to_string(),
        })
    }

    /// Send one request, holding an in-flight permit, and read the whole body.
    async fn send_once(
        &self,
        client: &Octocrab,
        method: Method,
        path: &str,
        body: Option<&serde_json::Value>,
    ) -> Result<Raw, ApiError> {
        self.send_with(client, method, path, body, None).await
    }

    async fn send_with(
        &self,
        client: &Octocrab,
        method: Method,
        path: &str,
        body: Option<&serde_json::Value>,
        etag: Option<&str>,
    ) -> Result<Raw, ApiError> {
        let req_path = self.base.request_path(path)?;
        let uri: Uri = req_path
            .parse()
            .map_err(|_| ApiError::Request(format!("{path} is not a valid request path")))?;
        let mut builder = http::Request::builder()
            .method(method.clone())
            .uri(uri)
            .header(http::header::ACCEPT, "application/vnd.github+json");
        // octocrab's build_request adds `X-GitHub-Api-Version: 2022-11-28` itself; sending it
        // twice would make the value a list GitHub may refuse.
        if let Some(etag) = etag.and_then(|e| HeaderValue::from_str(e).ok()) {
            builder = builder.header(http::header::IF_NONE_MATCH, etag);
        }
        let request = client
            .build_request(builder, body)
            .map_err(|e| ApiError::Request(chain(&e)))?;
        let network = |detail: String| ApiError::Network {
            method: method.clone(),
            path: path.to_owned(),
            tries: 1,
            detail,
        };
        let _permit = self
            .permits
            .acquire()
            .await
            .map_err(|_| network("the client was shut down".into()))?;
        self.stats.requests.fetch_add(1, Ordering::Relaxed);
        tracing::debug!("{method} {}", self.base.full_url(&req_path));
        let response = client
            .execute(request)
            .await
            .map_err(|e| network(chain(&e)))?;
        let status = response.status();
        let (parts, body) = response.into_parts();
        let body = body
            .collect()
            .await
            .map_err(|e| {
                network(format!(
                    "the connection dropped while reading the answer: {}",
                    chain(&e)
                ))
            })?
            .to_bytes();
        tracing::trace!("{method} {req_path} -> {status} ({} bytes)", body.len());
        Ok(Raw {
            status,
            headers: parts.headers,
            body,
        })
    }

    /// Turn a non-success answer into an error (no waiting, no retrying).
    fn check(&self, method: Method, path: &str, raw: Raw) -> Result<Raw, ApiError> {
        let status = raw.status;
        if status.is_success() || status == StatusCode::NOT_MODIFIED {
            return Ok(raw);
        }
        let message = github_message(&raw.body);
        let mut permission = permission_for(&method, path);
        if let Some(accepted) = header_str(&raw.headers, "x-accepted-github-permissions") {
            permission = format!("{permission} (GitHub says: {accepted})");
        }
        let path = path.to_owned();
        Err(match status {
            StatusCode::UNAUTHORIZED => ApiError::Unauthorized {
                method,
                path,
                message,
                permission,
            },
            StatusCode::NOT_FOUND => ApiError::NotFound {
                method,
                path,
                permission,
            },
            StatusCode::FORBIDDEN if !is_rate_limited(&raw.headers, &message) => {
                ApiError::Forbidden {
                    method,
                    path,
                    message,
                    permission,
                }
            }
            _ if is_rate_limited(&raw.headers, &message)
                || status == StatusCode::TOO_MANY_REQUESTS =>
            {
                ApiError::RateLimited {
                    status,
                    method,
                    path,
                    reset: reset_time(&raw.headers),
                    detail: format!(
                        "GitHub's rate limit was hit ({status} {message}); not retried"
                    ),
                }
            }
            _ => ApiError::Status {
                status,
                method,
                path,
                message,
            },
        })
    }

    /// GET one page with retries, waits and the cache.
    async fn get_page(&self, path: &str) -> Result<Page, ApiError> {
        let url = self.base.full_url(&self.base.request_path(path)?);
        let cached = self.cache.as_ref().and_then(|c| c.load(&url));
        let mut tries = 0u32;
        let mut rate_waits = 0u32;
        let mut secondary = 0u32;
        loop {
            let client = self.client().await?;
            let etag = cached.as_ref().and_then(|p| p.etag.as_deref());
            let outcome = self.send_with(&client, Method::GET, path, None, etag).await;
            let wait = match outcome {
                Err(ApiError::Network { detail, .. }) => {
                    tries += 1;
                    if tries >= self.policy.tries {
                        return Err(ApiError::Network {
                            method: Method::GET,
                            path: path.to_owned(),
                            tries,
                            detail,
                        });
                    }
                    tracing::info!(
                        "GET {path}: {detail}; retrying ({tries}/{})",
                        self.policy.tries
                    );
                    backoff(self.policy.backoff_ms, tries)
                }
                Err(other) => return Err(other),
                Ok(raw) if raw.status == StatusCode::NOT_MODIFIED => {
                    if let Some(page) = cached.clone() {
                        self.stats.not_modified.fetch_add(1, Ordering::Relaxed);
                        tracing::debug!("GET {path}: 304, reusing the cached page");
                        return Ok(page);
                    }
                    return Err(ApiError::Status {
                        status: raw.status,
                        method: Method::GET,
                        path: path.to_owned(),
                        message: "304 Not Modified for a page that is not cached".into(),
                    });
                }
                Ok(raw) if raw.status.is_success() => {
                    // A truncated or unparsable body is an error, never an empty page; retried,
                    // and never cached.
                    if let Err(e) = serde_json::from_slice::<serde::de::IgnoredAny>(&raw.body) {
                        tries += 1;
                        if tries >= self.policy.tries {
                            return Err(ApiError::Body {
                                method: Method::GET,
                                path: path.to_owned(),
                                detail: format!("{e} (after {tries} tries)"),
                            });
                        }
                        tracing::info!("GET {path}: the body is not valid JSON ({e}); retrying");
                        backoff(self.policy.backoff_ms, tries)
                    } else {
                        let page = Page {
                            body: String::from_utf8_lossy(&raw.body).into_owned(),
                            link: header_str(&raw.headers, "link").map(str::to_owned),
                            etag: header_str(&raw.headers, "etag").map(str::to_owned),
                        };
                        if let (Some(cache), Some(_)) = (&self.cache, &page.etag) {
                            cache.store(&url, &page);
                        }
                        return Ok(page);
                    }
                }
                Ok(raw) => {
                    let status = raw.status;
                    let limited = status == StatusCode::TOO_MANY_REQUESTS
                        || (status == StatusCode::FORBIDDEN
                            && is_rate_limited(&raw.headers, &github_message(&raw.body)));
                    if limited {
                        let retry_after = header_str(&raw.headers, "retry-after")
                            .and_then(|v| v.trim().parse::<u64>().ok());
                        let exhausted = header_str(&raw.headers, "x-ratelimit-remaining")
                            .map(str::trim)
                            == Some("0");
                        let reset = reset_time(&raw.headers);
                        let (secs, what) = if let Some(secs) = retry_after {
                            rate_waits += 1;
                            (secs, format!("GitHub asked to retry after {secs} s"))
                        } else if exhausted {
                            rate_waits += 1;
                            let secs = reset
                                .map(|r| {
                                    let d = (r - Utc::now()).num_seconds();
                                    if d > 0 { d as u64 + 1 } else { 0 }
                                })
                                .unwrap_or(60);
                            let at = reset
                                .map(|r| r.format("%Y-%m-%d %H:%M:%S UTC").to_string())
                                .unwrap_or_else(|| "an unknown time".into());
                            (secs, format!("the rate limit is used up until {at}"))
                        } else {
                            // A secondary rate limit without headers: wait at least
                            // --secondary-wait, doubling each time.
                            secondary += 1;
                            if secondary >= self.policy.tries {
                                return Err(ApiError::RateLimited {
                                    status,
                                    method: Method::GET,
                                    path: path.to_owned(),
                                    reset,
                                    detail: format!(
                                        "GitHub's secondary rate limit was still hit after {secondary} waits; \
                                         try again later or lower --concurrency"
                                    ),
                                });
                            }
                            let secs = self
                                .policy
                                .secondary_wait
                                .saturating_mul(1 << (secondary - 1).min(10));
                            (secs, "GitHub's secondary rate limit was hit".to_owned())
                        };
                        if secs > self.policy.max_wait || rate_waits > MAX_RATE_LIMIT_WAITS {
                            return Err(ApiError::RateLimited {
                                status,
                                method: Method::GET,
                                path: path.to_owned(),
                                reset,
                                detail: format!(
                                    "{what}; waiting {secs} s would exceed --max-wait {} s, so giving up \
                                     (run again after the reset, or raise --max-wait)",
                                    self.policy.max_wait
                                ),
                            });
                        }
                        tracing::warn!("GET {path}: {what}; waiting {secs} s");
                        Duration::from_secs(secs)
                    } else if status.is_server_error() {
                        tries += 1;
                        if tries >= self.policy.tries {
                            return Err(ApiError::Status {
                                status,
                                method: Method::GET,
                                path: path.to_owned(),
                                message: format!(
                                    "{} (after {tries} tries)",
                                    github_message(&raw.body)
                                ),
                            });
                        }
                        tracing::info!(
                            "GET {path}: {status}; retrying ({tries}/{})",
                            self.policy.tries
                        );
                        backoff(self.policy.backoff_ms, tries)
                    } else {
                        return Err(self.check(Method::GET, path, raw).err().unwrap_or_else(
                            || ApiError::Request(format!("GET {path}: unexpected {status}")),
                        ));
                    }
                }
            };
            self.stats.retries.fetch_add(1, Ordering::Relaxed);
            pause(wait).await;
        }
    }
}

/// Whether a 403/429 answer is a rate limit (primary or secondary) rather than a permission.
fn is_rate_limited(headers: &HeaderMap, message: &str) -> bool {
    let m = message.to_ascii_lowercase();
    headers.contains_key("retry-after")
        || header_str(headers, "x-ratelimit-remaining").map(str::trim) == Some("0")
        || m.contains("rate limit")
        || m.contains("abuse detection")
}

fn reset_time(headers: &HeaderMap) -> Option<DateTime<Utc>> {
    header_str(headers, "x-ratelimit-reset")
        .and_then(|v| v.trim().parse::<i64>().ok())
        .and_then(|secs| DateTime::from_timestamp(secs, 0))
}

/// Whether a cache directory is usable, for an early, clear error.
pub fn check_cache_dir(dir: &Path) -> Result<(), SourceError> {
    std::fs::create_dir_all(dir).map_err(|e| {
        SourceError::Usage(format!(
            "--cache-dir {} cannot be created: {e}",
            dir.display()
        ))
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn encodes_path_segments() {
        assert_eq!(encode("gov-uk_prod.x~"), "gov-uk_prod.x~");
        assert_eq!(encode("a/b c?d#e%"), "a%2Fb%20c%3Fd%23e%25");
    }

    #[test]
    fn parses_link_headers() {
        let h = r#"<https://api.github.com/organizations/1/team/2/members?per_page=100&page=2>; rel="next", <https://api.github.com/organizations/1/team/2/members?per_page=100&page=7>; rel="last""#;
        let l = parse_link(h);
        assert_eq!(page_number(&l["next"]), Some(2));
        assert_eq!(page_number(&l["last"]), Some(7));
        assert_eq!(
            with_page(&l["last"], 3).unwrap(),
            "https://api.github.com/organizations/1/team/2/members?per_page=100&page=3"
        );
        assert!(parse_link("garbage").is_empty());
    }

    #[test]
    fn link_urls_must_stay_under_the_api_url() {
        let ghes = Base::parse("https://ghe.example/api/v3/").unwrap();
        assert_eq!(
            ghes.request_path("https://ghe.example/api/v3/orgs/x?page=2")
                .unwrap(),
            "/api/v3/orgs/x?page=2"
        );
        assert_eq!(
            ghes.full_url("/api/v3/orgs/x?page=2"),
            "https://ghe.example/api/v3/orgs/x?page=2"
        );
        assert_eq!(
            ghes.full_url("/orgs/x"),
            "https://ghe.example/api/v3/orgs/x"
        );
        assert!(
            ghes.request_path("https://evil.example/api/v3/orgs/x")
                .is_err()
        );
        assert!(ghes.request_path("https://ghe.example/other").is_err());
        let dotcom = Base::parse("https://api.github.com").unwrap();
        assert_eq!(
            dotcom
                .request_path("https://api.github.com/x?page=2")
                .unwrap(),
            "/x?page=2"
        );
        assert!(Base::parse("api.github.com").is_err());
    }

    #[test]
    fn redacts_registered_secrets() {
        register_secret("ghp_secretsecret123");
        assert_eq!(
            redact("token ghp_secretsecret123 here"),
            "token [REDACTED] here"
        );
    }

    #[test]
    fn names_the_permission() {
        assert!(permission_for(&Method::GET, "/orgs/a/teams/b/members").contains("Members: read"));
        assert!(permission_for(&Method::PATCH, "/repos/a/b/issues/comments/1").contains("write"));
        assert!(permission_for(&Method::PUT, "/repos/a/b/contents/x").contains("Contents: write"));
    }

    #[test]
    fn backoff_grows_and_zero_stays_zero() {
        assert_eq!(backoff(0, 3), Duration::ZERO);
        let d = backoff(100, 3);
        assert!(d >= Duration::from_millis(200) && d < Duration::from_millis(600));
    }
}
