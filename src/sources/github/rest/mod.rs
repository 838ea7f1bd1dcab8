//! The shared GitHub REST layer: authentication, retries, rate limits, pagination and the
//! on-disk ETag cache. Every command that talks to GitHub goes through [`RestClient`].
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use access_reconciler::sources::github::rest::{ClientOptions, RestClient, encode};
//! let client = RestClient::connect(&ClientOptions::default(), "alphagov").await?;
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
//!
//! Submodules, by responsibility: `auth` (credentials, App installation tokens), `cache` (the
//! on-disk ETag cache), `retry` (the GET retry and wait policy), `link` (`--api-url` and `Link`
//! headers), `error` ([`ApiError`] and permission messages), `secrets` (redaction).

mod auth;
mod cache;
mod error;
mod link;
mod retry;
mod secrets;

use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use bytes::Bytes;
use http::{HeaderMap, HeaderValue, Method, StatusCode, Uri};
use http_body_util::BodyExt;
use octocrab::Octocrab;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use sha2::{Digest, Sha256};
use tokio::sync::Semaphore;

use super::SourceError;

pub use auth::{Credentials, OFFLINE_HINT, without_offline_hint};
pub use cache::check_cache_dir;
pub use error::{ApiError, MEMBERS_PERMISSION, permission_for};
pub use link::parse_link;
pub use secrets::redact;

use auth::{AppAuth, Auth, build_client, find_credentials};
use cache::{DiskCache, Page};
use error::chain;
use link::{Base, page_number, with_page};
use retry::Policy;

// Shared with the account-system clients (`crate::sources::accounts::http`), so every API is
// retried and waited for the same way.
pub(crate) use retry::{backoff, retry_after, until_reset};
pub(crate) use secrets::register_secret;

/// The most pages one list may have (100 items each): a `last` page beyond it is refused
/// rather than fetched, so a wrong Link header cannot spend the rate limit.
pub const MAX_PAGES: u64 = 1_000;

/// The media type every request asks for (part of the cache key).
const ACCEPT: &str = "application/vnd.github+json";
/// The REST API version octocrab sends in `X-GitHub-Api-Version` (part of the cache key).
const API_VERSION: &str = "2022-11-28";

fn too_many_pages(path: &str, pages: u64) -> ApiError {
    ApiError::Request(format!(
        "GET {path}: GitHub's Link header says the list has {pages} pages, more than the \
         {MAX_PAGES} this tool reads ({} items); not reading it",
        MAX_PAGES * 100
    ))
}

fn next_link(page: &Page) -> Option<String> {
    page.link
        .as_deref()
        .map(parse_link)
        .and_then(|l| l.get("next").cloned())
}

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
        self.requests
            .load(Ordering::Relaxed)
            .saturating_sub(self.not_modified.load(Ordering::Relaxed))
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

#[derive(Deserialize)]
struct UserBody {
    login: String,
}

/// What one HTTP exchange gave.
pub(super) struct Raw {
    status: StatusCode,
    headers: HeaderMap,
    body: Bytes,
}

/// How to reach GitHub: the library's own options. The CLI builds them from its flags
/// (`GithubArgs::options` in `cli.rs`); tests and the benchmark build them directly. The
/// defaults are the CLI's defaults.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientOptions {
    /// GitHub API base URL (GitHub Enterprise: `https://HOST/api/v3`).
    pub api_url: String,
    /// GitHub App id, to authenticate as the App's installation for the owner.
    pub app_id: Option<u64>,
    /// The GitHub App's private key (PEM file); else env `GITHUB_APP_PRIVATE_KEY`.
    pub app_private_key: Option<std::path::PathBuf>,
    /// Where conditional-request (ETag) pages are kept.
    pub cache_dir: Option<std::path::PathBuf>,
    /// Give up rather than wait longer than this many seconds for a rate limit.
    pub max_wait: u64,
    /// Requests in flight at once.
    pub concurrency: usize,
    /// Retries after the first try for a retryable failure (5xx, connection error) before
    /// giving up: 2 means at most 3 tries.
    pub retries: u32,
    /// Base delay for exponential backoff, in milliseconds.
    pub backoff_ms: u64,
    /// Minimum wait for a secondary rate limit without headers, in seconds.
    pub secondary_wait: u64,
}

impl Default for ClientOptions {
    fn default() -> Self {
        ClientOptions {
            api_url: "https://api.github.com".to_owned(),
            app_id: None,
            app_private_key: None,
            cache_dir: None,
            max_wait: 900,
            concurrency: 8,
            retries: 2,
            backoff_ms: 1000,
            secondary_wait: 60,
        }
    }
}

pub(super) fn header_str<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

impl RestClient {
    /// Authenticate and build the client.
    ///
    /// Credentials, in order: `GITHUB_TOKEN`, `GH_TOKEN`, then a GitHub App (`--app-id` /
    /// `GITHUB_APP_ID` with `--app-private-key PATH` or `GITHUB_APP_PRIVATE_KEY`, PEM text or path), whose
    /// installation on `owner` is looked up and an installation token minted. No credentials:
    /// [`SourceError::Usage`] saying what to set. App lookups that fail: [`SourceError::Api`].
    pub async fn connect(args: &ClientOptions, owner: &str) -> Result<RestClient, SourceError> {
        let creds = find_credentials(args)?;
        RestClient::connect_with(args, owner, creds).await
    }

    /// [`RestClient::connect`] with credentials given (tests, the benchmark).
    pub async fn connect_with(
        args: &ClientOptions,
        owner: &str,
        creds: Credentials,
    ) -> Result<RestClient, SourceError> {
        let base = Base::parse(&args.api_url).map_err(SourceError::Usage)?;
        let policy = Policy {
            // --retries N: N retries after the first try.
            tries: args.retries.saturating_add(1),
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
                        minted: AtomicU64::new(0),
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
        inner.cache = args
            .cache_dir
            .as_ref()
            .and_then(|dir| DiskCache::open(dir, identity, &format!("{ACCEPT}; {API_VERSION}")));
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
        Ok(self.inner.get_parsed(path).await?.0)
    }

    /// GET every page of a list, following the `Link` header. Once page 1 names the last page,
    /// the remaining pages are fetched in parallel (bounded by --concurrency). Items come back
    /// in page order. Fails closed: any page that cannot be read fails the whole list, a list
    /// of more than [`MAX_PAGES`] pages (or a `last` page beyond it) is refused, and a `next`
    /// link back to a page already read is an error, never an endless loop.
    ///
    /// The pages are not one transaction: when the list changes while it is read, an item can
    /// move across a page boundary. An added item can then be read twice (callers deduplicate)
    /// and, when an item before it is removed, one item can be missed for this run. The window
    /// is one round trip (pages 2+ are read together) and the next run reads the list again.
    pub async fn get_all_pages<T: DeserializeOwned>(&self, path: &str) -> Result<Vec<T>, ApiError> {
        let (mut items, first): (Vec<T>, Page) = self.inner.get_parsed(path).await?;
        // Pages read, by full URL (a relative path and GitHub's absolute Link URL compare equal).
        let key = |url: &str| {
            self.inner
                .base
                .request_path(url)
                .map(|p| self.inner.base.full_url(&p))
        };
        let mut seen: HashSet<String> = HashSet::from([key(path)?]);
        let mut pages_read: u64 = 1;
        let links = first.link.as_deref().map(parse_link).unwrap_or_default();
        let mut next = links.get("next").cloned();
        if let (Some(next_url), Some(last_url)) = (links.get("next"), links.get("last")) {
            let current = page_number(path).unwrap_or(1);
            if let (Some(from), Some(to)) = (page_number(next_url), page_number(last_url)) {
                if to > MAX_PAGES {
                    return Err(too_many_pages(path, to));
                }
                // Only when the links are consistent (next is the page after this one);
                // otherwise follow `next` one page at a time, as GitHub gave it.
                if from == current + 1 && from <= to {
                    let urls: Vec<String> =
                        (from..=to).filter_map(|n| with_page(next_url, n)).collect();
                    let pages = futures::future::join_all(
                        urls.iter().map(|u| self.inner.get_parsed::<Vec<T>>(u)),
                    )
                    .await;
                    next = None;
                    for (url, page) in urls.iter().zip(pages) {
                        let (more, page) = page?;
                        items.extend(more);
                        pages_read += 1;
                        seen.insert(key(url)?);
                        // The list may have grown while we read it: follow on from the last page.
                        next = next_link(&page);
                    }
                }
            }
        }
        while let Some(url) = next {
            if pages_read >= MAX_PAGES {
                return Err(too_many_pages(path, pages_read + 1));
            }
            if !seen.insert(key(&url)?) {
                return Err(ApiError::Request(format!(
                    "GET {path}: GitHub's Link header points back at a page already read \
                     ({url}); the list cannot be read whole"
                )));
            }
            let (more, page) = self.inner.get_parsed::<Vec<T>>(&url).await?;
            items.extend(more);
            pages_read += 1;
            next = next_link(&page);
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
    /// GET one page and parse it. A cached page (after a 304) that does not parse as `T` is
    /// forgotten and fetched again unconditionally, never read as empty.
    async fn get_parsed<T: DeserializeOwned>(&self, path: &str) -> Result<(T, Page), ApiError> {
        let page = self.get_page(path, true).await?;
        match self.parse(Method::GET, path, page.body.as_bytes()) {
            Ok(value) => Ok((value, page)),
            Err(e) if page.from_cache => {
                tracing::warn!("GET {path}: the cached copy is unusable ({e}); fetching it again");
                if let Some(cache) = &self.cache {
                    cache.forget(&self.base.full_url(&self.base.request_path(path)?));
                }
                let page = self.get_page(path, false).await?;
                let value = self.parse(Method::GET, path, page.body.as_bytes())?;
                Ok((value, page))
            }
            Err(e) => Err(e),
        }
    }

    pub(super) fn parse<T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        body: &[u8],
    ) -> Result<T, ApiError> {
        serde_json::from_slice(body).map_err(|e| ApiError::Body {
            method,
            path: path.to_owned(),
            // serde quotes the values it rejects: never let an echoed secret through.
            detail: redact(&e.to_string()),
        })
    }

    /// Send one request, holding an in-flight permit, and read the whole body.
    pub(super) async fn send_once(
        &self,
        client: &Octocrab,
        method: Method,
        path: &str,
        body: Option<&serde_json::Value>,
    ) -> Result<Raw, ApiError> {
        self.send_with(client, method, path, body, None).await
    }

    pub(super) async fn send_with(
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
            .header(http::header::ACCEPT, ACCEPT);
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
}
