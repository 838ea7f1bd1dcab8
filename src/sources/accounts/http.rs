//! One small HTTP GET client for the account systems' APIs (Sentry, Fastly, PagerDuty).
//!
//! - GETs only. Retries are bounded and reuse the GitHub client's pieces
//!   (`sources::github::rest::{backoff, retry_after, until_reset}`): a 5xx, a dropped
//!   connection or an unparsable body backs off exponentially; a 429 waits for `Retry-After`,
//!   else for the service's own documented reset header ([`RateLimit`]), bounded by
//!   [`RetryPolicy::max_wait`] and [`MAX_RATE_LIMIT_WAITS`]. Then the call fails and the system is
//!   unread (exit 3). An answer whose remaining count is 0 makes the next request wait for the
//!   reset first.
//! - Every wait goes through a [`Delay`], so tests inject [`NoDelay`] and never sleep.
//! - The token lives in a [`SecretString`] (its `Debug` prints `[REDACTED]`, it has no
//!   `Display`), is registered with the shared redaction list, and is never logged at any level;
//!   only the URL is.
//! - URLs from the API (Sentry's `Link`) are followed only when they stay under the base URL, so
//!   the token is never sent to another host.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use chrono::{DateTime, Utc};
use http::{HeaderMap, HeaderValue, Method, StatusCode, Uri};
use http_body_util::{BodyExt, Empty};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use secrecy::{ExposeSecret, SecretString};
use serde::de::DeserializeOwned;

use crate::access::System;
use crate::sources::github::rest::{backoff, redact, register_secret, retry_after, until_reset};

/// How many rate-limit waits one request may sit through before giving up.
pub const MAX_RATE_LIMIT_WAITS: u32 = 5;

/// How long one request (connect, send, read the whole answer) may take.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(60);

/// How a service takes its token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthScheme {
    /// `Authorization: Bearer <token>` (Sentry).
    Bearer,
    /// `Fastly-Key: <token>`.
    FastlyKey,
    /// `Authorization: Token token=<token>` (PagerDuty).
    PagerDutyToken,
}

/// How a service's reset header counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResetIn {
    /// UTC seconds since the epoch (Sentry `X-Sentry-Rate-Limit-Reset`, Fastly
    /// `Fastly-RateLimit-Reset`).
    EpochSeconds,
    /// Seconds from now (PagerDuty `ratelimit-reset`).
    SecondsFromNow,
}

/// A service's documented rate-limit headers.
#[derive(Debug, Clone, Copy)]
pub struct RateLimit {
    pub remaining: &'static str,
    pub reset: &'static str,
    pub reset_in: ResetIn,
}

/// Everything the client needs to know about one service.
#[derive(Debug)]
pub struct Service {
    pub system: System,
    /// Its name in messages ("Sentry").
    pub name: &'static str,
    pub auth: AuthScheme,
    /// The `Accept` header to send.
    pub accept: &'static str,
    pub rate_limit: RateLimit,
    /// The variable the token comes from, named in messages.
    pub token_var: &'static str,
    /// The least permission the token needs, named in 401/403/404 messages.
    pub permission: &'static str,
    /// The base-URL flag, named in messages.
    pub url_flag: &'static str,
    /// The default base URL.
    pub default_url: &'static str,
}

/// Retry and wait policy.
#[derive(Debug, Clone, Copy)]
pub struct RetryPolicy {
    /// Tries for a retryable failure (5xx, connection error, unparsable body).
    pub tries: u32,
    /// Base delay of the exponential backoff, in milliseconds.
    pub backoff_ms: u64,
    /// The longest single rate-limit wait, in seconds; a longer one gives up instead.
    pub max_wait: u64,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            tries: 3,
            backoff_ms: 1000,
            max_wait: 900,
        }
    }
}

/// Where waits go. Production sleeps ([`TokioDelay`]); tests record ([`NoDelay`]).
pub trait Delay: Send + Sync {
    fn wait(&self, d: Duration) -> Pin<Box<dyn Future<Output = ()> + Send + '_>>;
}

/// Sleeps on the tokio timer.
#[derive(Debug, Default)]
pub struct TokioDelay;

impl Delay for TokioDelay {
    fn wait(&self, d: Duration) -> Pin<Box<dyn Future<Output = ()> + Send + '_>> {
        Box::pin(async move {
            if !d.is_zero() {
                tokio::time::sleep(d).await;
            }
        })
    }
}

/// Never sleeps; remembers every wait asked for (for tests).
#[derive(Debug, Default)]
pub struct NoDelay {
    waits: Mutex<Vec<Duration>>,
}

impl NoDelay {
    /// The waits asked for so far, in order.
    pub fn waits(&self) -> Vec<Duration> {
        self.waits.lock().map(|w| w.clone()).unwrap_or_default()
    }
}

impl Delay for NoDelay {
    fn wait(&self, d: Duration) -> Pin<Box<dyn Future<Output = ()> + Send + '_>> {
        if let Ok(mut w) = self.waits.lock() {
            w.push(d);
        }
        Box::pin(async {})
    }
}

/// Why a call failed. Every variant but [`HttpError::Usage`] leaves the system unread (exit 3);
/// `Usage` (a bad base URL or token value) is exit 2. Messages never contain the token.
#[derive(Debug, thiserror::Error)]
pub enum HttpError {
    #[error("{0}")]
    Usage(String),
    #[error(
        "{service} rejected the token on GET {url} (401): it is invalid, expired or revoked. Set \
         {token_var} to a valid token with {permission}"
    )]
    Unauthorized {
        service: &'static str,
        url: String,
        token_var: &'static str,
        permission: &'static str,
    },
    #[error(
        "{service} refused GET {url} ({status}): the token in {token_var} lacks the permission; it \
         needs {permission}"
    )]
    Forbidden {
        service: &'static str,
        url: String,
        status: StatusCode,
        token_var: &'static str,
        permission: &'static str,
    },
    #[error(
        "{service} answered 404 to GET {url}: it does not exist, or the token cannot see it; check \
         the mapping's systems.{system} section and that {token_var} has {permission}"
    )]
    NotFound {
        service: &'static str,
        system: System,
        url: String,
        token_var: &'static str,
        permission: &'static str,
    },
    #[error("{service} answered {status} to GET {url}: {detail}")]
    Status {
        service: &'static str,
        url: String,
        status: StatusCode,
        detail: String,
    },
    #[error("{service} rate limit on GET {url}: {detail}")]
    RateLimited {
        service: &'static str,
        url: String,
        detail: String,
    },
    #[error("GET {url} failed after {tries} tries: {detail}")]
    Network {
        url: String,
        tries: u32,
        detail: String,
    },
    #[error("GET {url}: the answer cannot be read: {detail}")]
    Body { url: String, detail: String },
}

impl HttpError {
    /// Whether this is the user's mistake (a bad base URL): exit 2 rather than 3.
    pub fn is_usage(&self) -> bool {
        matches!(self, HttpError::Usage(_))
    }
}

/// One answer that was read whole.
#[derive(Debug)]
pub struct Answer {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Bytes,
}

/// Request counters (for tests and -v logging).
#[derive(Debug, Default)]
pub struct Stats {
    pub requests: AtomicU64,
    pub retries: AtomicU64,
}

/// The base URL: scheme://authority and an optional path prefix (a self-hosted Sentry under
/// `/sentry`, a test fake).
#[derive(Debug, Clone)]
struct Base {
    origin: String,
    path: String,
}

impl Base {
    fn parse(flag: &str, url: &str) -> Result<Base, HttpError> {
        let trimmed = url.trim().trim_end_matches('/');
        let uri: Uri = trimmed
            .parse()
            .map_err(|_| HttpError::Usage(format!("{flag} {url:?} is not a URL")))?;
        let (Some(scheme), Some(authority)) = (uri.scheme_str(), uri.authority()) else {
            return Err(HttpError::Usage(format!(
                "{flag} {url:?} needs a scheme and a host, e.g. https://host"
            )));
        };
        if scheme != "https" && scheme != "http" {
            return Err(HttpError::Usage(format!(
                "{flag} {url:?} must be http or https"
            )));
        }
        if uri.query().is_some() {
            return Err(HttpError::Usage(format!(
                "{flag} {url:?} must not have a query"
            )));
        }
        Ok(Base {
            origin: format!("{scheme}://{authority}"),
            path: uri.path().trim_end_matches('/').to_owned(),
        })
    }

    /// The full URL for a path (relative to the base) or an absolute URL, which must be under
    /// the base (the token is never sent elsewhere).
    fn url(&self, flag: &str, path_or_url: &str) -> Result<String, HttpError> {
        if path_or_url.starts_with('/') {
            return Ok(format!("{}{}{}", self.origin, self.path, path_or_url));
        }
        let prefix = format!("{}{}/", self.origin, self.path);
        if path_or_url.starts_with(&prefix) {
            Ok(path_or_url.to_owned())
        } else {
            Err(HttpError::Body {
                url: path_or_url.to_owned(),
                detail: format!(
                    "the API pointed at a URL outside {flag} {}{}; not following it (the token \
                     is only sent to {flag})",
                    self.origin, self.path
                ),
            })
        }
    }
}

type Https = hyper_rustls::HttpsConnector<HttpConnector>;

/// A GET client for one service. Cheap to clone.
#[derive(Clone)]
pub struct AccountClient {
    inner: Arc<Inner>,
}

struct Inner {
    service: &'static Service,
    base: Base,
    token: SecretString,
    policy: RetryPolicy,
    delay: Arc<dyn Delay>,
    http: Client<Https, Empty<Bytes>>,
    stats: Stats,
    /// A wait owed before the next request: the last answer said the rate limit is used up
    /// (its remaining count was 0) until the reset.
    owed: Mutex<Option<Duration>>,
}

impl std::fmt::Debug for AccountClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AccountClient")
            .field("service", &self.inner.service.name)
            .field("base", &self.inner.base)
            .field("token", &self.inner.token)
            .finish()
    }
}

impl AccountClient {
    /// A client for `service` at `base_url` (its `--*-url` flag). The token must be non-empty
    /// printable ASCII; it is registered for redaction before any request.
    pub fn new(
        service: &'static Service,
        base_url: &str,
        token: SecretString,
        policy: RetryPolicy,
        delay: Arc<dyn Delay>,
    ) -> Result<AccountClient, HttpError> {
        let base = Base::parse(service.url_flag, base_url)?;
        let secret = token.expose_secret();
        if secret.is_empty() || !secret.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(HttpError::Usage(format!(
                "{} is empty or contains spaces or control characters; set it to the token alone",
                service.token_var
            )));
        }
        register_secret(secret);
        let connector = hyper_rustls::HttpsConnectorBuilder::new()
            .with_native_roots()
            .map_err(|e| HttpError::Network {
                url: base.origin.clone(),
                tries: 0,
                detail: format!("no TLS root certificates could be loaded: {e}"),
            })?
            .https_or_http()
            .enable_http1()
            .build();
        let http = Client::builder(TokioExecutor::new()).build(connector);
        Ok(AccountClient {
            inner: Arc::new(Inner {
                service,
                base,
                token,
                policy: RetryPolicy {
                    tries: policy.tries.max(1),
                    ..policy
                },
                delay,
                http,
                stats: Stats::default(),
                owed: Mutex::new(None),
            }),
        })
    }

    /// The service this client talks to.
    pub fn service(&self) -> &'static Service {
        self.inner.service
    }

    /// Request counters.
    pub fn stats(&self) -> &Stats {
        &self.inner.stats
    }

    /// The full URL of a path (for messages and provenance).
    pub fn url(&self, path_or_url: &str) -> Result<String, HttpError> {
        self.inner
            .base
            .url(self.inner.service.url_flag, path_or_url)
    }

    /// GET a path (or an absolute URL under the base) and parse the JSON body; also returns the
    /// headers (for `Link`). Retried and rate-limited as the module describes.
    pub async fn get_json<T: DeserializeOwned>(
        &self,
        path_or_url: &str,
    ) -> Result<(T, HeaderMap), HttpError> {
        let url = self.url(path_or_url)?;
        let answer = self.get_with_retries(&url).await?;
        let value = serde_json::from_slice(&answer.body).map_err(|e| HttpError::Body {
            url: url.clone(),
            // serde quotes what it rejects: never let an echoed secret through.
            detail: redact(&e.to_string()),
        })?;
        Ok((value, answer.headers))
    }

    async fn get_with_retries(&self, url: &str) -> Result<Answer, HttpError> {
        let inner = &self.inner;
        let service = inner.service;
        let mut tries = 0u32;
        let mut rate_waits = 0u32;
        loop {
            let owed = inner.owed.lock().ok().and_then(|mut o| o.take());
            if let Some(wait) = owed {
                tracing::info!(
                    "{}'s rate limit is used up; waiting {} s before GET {url}",
                    service.name,
                    wait.as_secs()
                );
                inner.delay.wait(wait).await;
            }
            let outcome = self.send_once(url).await;
            let wait = match outcome {
                Err(detail) => {
                    tries += 1;
                    if tries >= inner.policy.tries {
                        return Err(HttpError::Network {
                            url: url.to_owned(),
                            tries,
                            detail,
                        });
                    }
                    tracing::info!(
                        "GET {url}: {detail}; retrying ({tries}/{})",
                        inner.policy.tries
                    );
                    backoff(inner.policy.backoff_ms, tries)
                }
                Ok(a) if a.status.is_success() => {
                    if serde_json::from_slice::<serde::de::IgnoredAny>(&a.body).is_ok() {
                        self.note_exhausted(&a.headers);
                        return Ok(a);
                    }
                    // A truncated or empty body is never an empty list: ask again.
                    tries += 1;
                    if tries >= inner.policy.tries {
                        return Err(HttpError::Body {
                            url: url.to_owned(),
                            detail: format!("the body is not valid JSON (after {tries} tries)"),
                        });
                    }
                    tracing::info!("GET {url}: the body is not valid JSON; retrying");
                    backoff(inner.policy.backoff_ms, tries)
                }
                Ok(a) if a.status == StatusCode::UNAUTHORIZED => {
                    return Err(HttpError::Unauthorized {
                        service: service.name,
                        url: url.to_owned(),
                        token_var: service.token_var,
                        permission: service.permission,
                    });
                }
                Ok(a) if a.status == StatusCode::TOO_MANY_REQUESTS => {
                    rate_waits += 1;
                    let (wait, what) = rate_limit_wait(service, &a.headers, Utc::now());
                    let wait = if wait.is_zero() {
                        // A reset already past (a skewed clock) still backs off.
                        backoff(inner.policy.backoff_ms, rate_waits)
                    } else {
                        wait
                    };
                    if rate_waits > MAX_RATE_LIMIT_WAITS || wait.as_secs() > inner.policy.max_wait {
                        let why = if rate_waits > MAX_RATE_LIMIT_WAITS {
                            format!("still limited after {MAX_RATE_LIMIT_WAITS} waits")
                        } else {
                            format!(
                                "waiting {} s would exceed --max-wait {} s",
                                wait.as_secs(),
                                inner.policy.max_wait
                            )
                        };
                        return Err(HttpError::RateLimited {
                            service: service.name,
                            url: url.to_owned(),
                            detail: format!("{what}; {why}, so giving up (run again later)"),
                        });
                    }
                    tracing::warn!("GET {url}: {what}; waiting {} s", wait.as_secs());
                    wait
                }
                Ok(a) if a.status.is_server_error() => {
                    tries += 1;
                    if tries >= inner.policy.tries {
                        return Err(HttpError::Status {
                            service: service.name,
                            url: url.to_owned(),
                            status: a.status,
                            detail: format!("{} (after {tries} tries)", body_excerpt(&a.body)),
                        });
                    }
                    tracing::info!(
                        "GET {url}: {}; retrying ({tries}/{})",
                        a.status,
                        inner.policy.tries
                    );
                    // A 503 may say when to come back.
                    retry_after(&a.headers)
                        .filter(|d| d.as_secs() <= inner.policy.max_wait)
                        .unwrap_or_else(|| backoff(inner.policy.backoff_ms, tries))
                }
                Ok(a) if a.status == StatusCode::NOT_FOUND => {
                    return Err(HttpError::NotFound {
                        service: service.name,
                        system: service.system,
                        url: url.to_owned(),
                        token_var: service.token_var,
                        permission: service.permission,
                    });
                }
                Ok(a) if a.status == StatusCode::FORBIDDEN => {
                    return Err(HttpError::Forbidden {
                        service: service.name,
                        url: url.to_owned(),
                        status: a.status,
                        token_var: service.token_var,
                        permission: service.permission,
                    });
                }
                Ok(a) => {
                    return Err(HttpError::Status {
                        service: service.name,
                        url: url.to_owned(),
                        status: a.status,
                        detail: body_excerpt(&a.body),
                    });
                }
            };
            inner.stats.retries.fetch_add(1, Ordering::Relaxed);
            inner.delay.wait(wait).await;
        }
    }

    /// After a success: when the service says no requests remain in this window, owe a wait
    /// until its reset before the next request (within --max-wait; a longer one is left to the
    /// 429 that would follow, which gives up properly).
    fn note_exhausted(&self, headers: &HeaderMap) {
        let service = self.inner.service;
        let remaining = headers
            .get(service.rate_limit.remaining)
            .and_then(|v| v.to_str().ok())
            .map(str::trim);
        if remaining != Some("0") || headers.get(service.rate_limit.reset).is_none() {
            return;
        }
        let (wait, _) = rate_limit_wait(service, headers, Utc::now());
        if !wait.is_zero()
            && wait.as_secs() <= self.inner.policy.max_wait
            && let Ok(mut owed) = self.inner.owed.lock()
        {
            *owed = Some(wait);
        }
    }

    /// One exchange; `Err` is a network-level failure (retryable), as a message.
    async fn send_once(&self, url: &str) -> Result<Answer, String> {
        let inner = &self.inner;
        let service = inner.service;
        let uri: Uri = url
            .parse()
            .map_err(|_| format!("{url} is not a valid URL"))?;
        let mut auth = match service.auth {
            AuthScheme::Bearer => {
                HeaderValue::from_str(&format!("Bearer {}", inner.token.expose_secret()))
            }
            AuthScheme::FastlyKey => HeaderValue::from_str(inner.token.expose_secret()),
            AuthScheme::PagerDutyToken => {
                HeaderValue::from_str(&format!("Token token={}", inner.token.expose_secret()))
            }
        }
        .map_err(|_| format!("{} cannot be sent in a header", service.token_var))?;
        auth.set_sensitive(true);
        let auth_name = match service.auth {
            AuthScheme::FastlyKey => "fastly-key",
            _ => "authorization",
        };
        let request = http::Request::builder()
            .method(Method::GET)
            .uri(uri)
            .header(http::header::ACCEPT, service.accept)
            .header(
                http::header::USER_AGENT,
                concat!("access-reconciler/", env!("CARGO_PKG_VERSION")),
            )
            .header(auth_name, auth)
            .body(Empty::<Bytes>::new())
            .map_err(|e| format!("cannot build the request: {e}"))?;
        inner.stats.requests.fetch_add(1, Ordering::Relaxed);
        tracing::debug!("GET {url}");
        let exchange = async {
            let response = inner
                .http
                .request(request)
                .await
                .map_err(|e| redact(&error_chain(&e)))?;
            let status = response.status();
            let (parts, body) = response.into_parts();
            let body = body
                .collect()
                .await
                .map_err(|e| {
                    format!(
                        "the connection dropped while reading the answer: {}",
                        redact(&error_chain(&e))
                    )
                })?
                .to_bytes();
            tracing::trace!("GET {url} -> {status} ({} bytes)", body.len());
            Ok::<Answer, String>(Answer {
                status,
                headers: parts.headers,
                body,
            })
        };
        tokio::time::timeout(REQUEST_TIMEOUT, exchange)
            .await
            .map_err(|_| format!("no answer within {} s", REQUEST_TIMEOUT.as_secs()))?
    }
}

/// How long a 429 asks us to wait, and why: `Retry-After` first, then the service's reset header
/// (when its remaining count is 0 or absent), else zero (the caller backs off).
pub fn rate_limit_wait(
    service: &Service,
    headers: &HeaderMap,
    now: DateTime<Utc>,
) -> (Duration, String) {
    if let Some(wait) = retry_after(headers) {
        return (
            wait,
            format!("{} asked to retry after {} s", service.name, wait.as_secs()),
        );
    }
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
    };
    let reset = header(service.rate_limit.reset).and_then(|v| v.parse::<i64>().ok());
    match (reset, service.rate_limit.reset_in) {
        (Some(secs), ResetIn::EpochSeconds) => {
            let at = DateTime::from_timestamp(secs, 0);
            let wait = until_reset(at, now);
            let when = at
                .map(|r| r.format("%Y-%m-%d %H:%M:%S UTC").to_string())
                .unwrap_or_else(|| "an unknown time".into());
            (
                wait,
                format!(
                    "{}'s rate limit is used up until {when} ({})",
                    service.name, service.rate_limit.reset
                ),
            )
        }
        (Some(secs), ResetIn::SecondsFromNow) => (
            Duration::from_secs(secs.max(0) as u64),
            format!(
                "{}'s rate limit resets in {secs} s ({})",
                service.name, service.rate_limit.reset
            ),
        ),
        (None, _) => (
            Duration::ZERO,
            format!("{} answered 429 Too Many Requests", service.name),
        ),
    }
}

fn body_excerpt(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let short: String = text.trim().chars().take(200).collect();
    if short.is_empty() {
        "no message".to_owned()
    } else {
        redact(&short)
    }
}

fn error_chain(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        out.push_str(": ");
        out.push_str(&s.to_string());
        source = s.source();
    }
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::sources::accounts::{fastly, pagerduty, sentry};

    fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(
                http::HeaderName::from_bytes(k.as_bytes()).unwrap(),
                v.parse().unwrap(),
            );
        }
        h
    }

    #[test]
    fn retry_after_wins_over_reset_headers() {
        let now = Utc::now();
        let h = headers(&[("retry-after", "7"), ("x-sentry-rate-limit-reset", "1")]);
        let (wait, what) = rate_limit_wait(&sentry::SERVICE, &h, now);
        assert_eq!(wait, Duration::from_secs(7));
        assert!(what.contains("retry after 7 s"), "{what}");
    }

    #[test]
    fn each_service_reset_header_is_read_its_own_way() {
        let now = DateTime::from_timestamp(1_000_000, 0).unwrap();
        let h = headers(&[("x-sentry-rate-limit-reset", "1000030")]);
        assert_eq!(
            rate_limit_wait(&sentry::SERVICE, &h, now).0,
            Duration::from_secs(31)
        );
        let h = headers(&[("fastly-ratelimit-reset", "1000010")]);
        assert_eq!(
            rate_limit_wait(&fastly::SERVICE, &h, now).0,
            Duration::from_secs(11)
        );
        let h = headers(&[("ratelimit-reset", "12")]);
        assert_eq!(
            rate_limit_wait(&pagerduty::SERVICE, &h, now).0,
            Duration::from_secs(12)
        );
        let (wait, what) = rate_limit_wait(&pagerduty::SERVICE, &HeaderMap::new(), now);
        assert_eq!(wait, Duration::ZERO);
        assert!(what.contains("429"), "{what}");
    }

    #[test]
    fn links_must_stay_under_the_base_url() {
        let base = Base::parse("--sentry-url", "https://sentry.example/prefix/").unwrap();
        assert_eq!(
            base.url("--sentry-url", "/api/0/x/").unwrap(),
            "https://sentry.example/prefix/api/0/x/"
        );
        assert!(
            base.url(
                "--sentry-url",
                "https://sentry.example/prefix/api/0/x/?cursor=1"
            )
            .is_ok()
        );
        assert!(
            base.url("--sentry-url", "https://evil.example/prefix/api/0/x/")
                .is_err()
        );
        assert!(
            base.url("--sentry-url", "https://sentry.example/other")
                .is_err()
        );
        assert!(
            Base::parse("--sentry-url", "sentry.example")
                .unwrap_err()
                .is_usage()
        );
        assert!(Base::parse("--sentry-url", "ftp://x").is_err());
        assert!(Base::parse("--sentry-url", "https://x/?a=1").is_err());
    }

    #[test]
    fn the_token_is_never_in_debug_output() {
        let client = AccountClient::new(
            &sentry::SERVICE,
            "http://127.0.0.1:9",
            SecretString::from("sntrys_DEBUGSECRET123".to_owned()),
            RetryPolicy::default(),
            Arc::new(NoDelay::default()),
        )
        .unwrap();
        let shown = format!("{client:?}");
        assert!(!shown.contains("DEBUGSECRET"), "{shown}");
        assert!(shown.contains("REDACTED"), "{shown}");
    }

    #[test]
    fn a_token_with_spaces_is_refused() {
        let err = AccountClient::new(
            &fastly::SERVICE,
            "http://127.0.0.1:9",
            SecretString::from("two words".to_owned()),
            RetryPolicy::default(),
            Arc::new(NoDelay::default()),
        )
        .unwrap_err();
        assert!(err.is_usage());
        assert!(err.to_string().contains("FASTLY_API_TOKEN"), "{err}");
        assert!(!err.to_string().contains("two words"), "{err}");
    }
}
