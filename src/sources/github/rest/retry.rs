//! Retries and waits for GETs: 5xx, dropped connections and unparsable bodies back off
//! exponentially with jitter; `retry-after`, an exhausted primary rate limit and secondary rate
//! limits wait as GitHub documents, bounded by `--max-wait`. Mutations are never retried.

use std::sync::atomic::Ordering;
use std::time::Duration;

use chrono::{DateTime, Utc};
use http::{HeaderMap, Method, StatusCode};

use super::cache::Page;
use super::error::{ApiError, github_message};
use super::link::parse_link;
use super::secrets::redact;
use super::{Inner, header_str};

/// How many primary rate-limit / retry-after waits one request may sit through.
pub(super) const MAX_RATE_LIMIT_WAITS: u32 = 5;

/// Retry and wait policy, from the CLI flags.
#[derive(Debug, Clone, Copy)]
pub(super) struct Policy {
    pub(super) tries: u32,
    pub(super) backoff_ms: u64,
    pub(super) secondary_wait: u64,
    pub(super) max_wait: u64,
}

/// Sleep. All waiting goes through here so tests shorten it with the flags.
pub(super) async fn pause(d: Duration) {
    if !d.is_zero() {
        tokio::time::sleep(d).await;
    }
}

/// Exponential backoff with jitter: base * 2^(n-1), scaled by a random factor in [0.5, 1.5).
pub(crate) fn backoff(base_ms: u64, n: u32) -> Duration {
    let exp = base_ms.saturating_mul(1u64 << n.saturating_sub(1).min(16));
    let jitter = 0.5 + fastrand::f64();
    Duration::from_millis((exp as f64 * jitter) as u64)
}

/// The wait for an exhausted primary rate limit (`x-ratelimit-remaining: 0`): until
/// `x-ratelimit-reset` (a second past it, as the reset is a whole second), zero when it is
/// already past, and a minute when GitHub gave no reset time.
pub(crate) fn until_reset(reset: Option<DateTime<Utc>>, now: DateTime<Utc>) -> Duration {
    match reset {
        Some(r) => {
            let d = (r - now).num_seconds();
            Duration::from_secs(if d > 0 { d as u64 + 1 } else { 0 })
        }
        None => Duration::from_secs(60),
    }
}

/// The wait after the `n`-th (1-based) secondary rate limit without headers: at least
/// `base_secs` (60 by default, as GitHub documents), doubling each time.
pub(super) fn secondary_backoff(base_secs: u64, n: u32) -> Duration {
    Duration::from_secs(base_secs.saturating_mul(1 << n.saturating_sub(1).min(10)))
}

impl Inner {
    /// GET one page with retries, waits and (when `conditional`) the cache.
    pub(super) async fn get_page(&self, path: &str, conditional: bool) -> Result<Page, ApiError> {
        let url = self.base.full_url(&self.base.request_path(path)?);
        let mut cached = if conditional {
            self.cache.as_ref().and_then(|c| c.load(&url))
        } else {
            None
        };
        let mut tries = 0u32;
        let mut rate_waits = 0u32;
        let mut secondary = 0u32;
        let mut reminted = false;
        loop {
            let (client, generation) = self.client_gen().await?;
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
                    if let Some(mut page) = cached.clone() {
                        self.stats.not_modified.fetch_add(1, Ordering::Relaxed);
                        tracing::debug!("GET {path}: 304, reusing the cached page");
                        page.from_cache = true;
                        return Ok(page);
                    }
                    // A 304 to a request that was not conditional (a proxy's doing?): ask again;
                    // never read it as an empty page.
                    tries += 1;
                    if tries >= self.policy.tries {
                        return Err(ApiError::Status {
                            status: raw.status,
                            method: Method::GET,
                            path: path.to_owned(),
                            message: format!(
                                "304 Not Modified to a request without If-None-Match (after \
                                 {tries} tries)"
                            ),
                        });
                    }
                    tracing::info!("GET {path}: 304 to an unconditional request; retrying");
                    backoff(self.policy.backoff_ms, tries)
                }
                Ok(raw) if raw.status.is_success() => {
                    // A truncated, empty or unparsable body is an error, never an empty page;
                    // retried, and never cached.
                    if let Err(e) = serde_json::from_slice::<serde::de::IgnoredAny>(&raw.body) {
                        tries += 1;
                        if tries >= self.policy.tries {
                            return Err(ApiError::Body {
                                method: Method::GET,
                                path: path.to_owned(),
                                detail: redact(&format!("{e} (after {tries} tries)")),
                            });
                        }
                        tracing::info!("GET {path}: the body is not valid JSON ({e}); retrying");
                        // The cached copy may be what the server's ETag matched; ask afresh.
                        cached = None;
                        backoff(self.policy.backoff_ms, tries)
                    } else {
                        let page = Page {
                            body: String::from_utf8_lossy(&raw.body).into_owned(),
                            link: link_header(&raw.headers).map_err(|detail| ApiError::Body {
                                method: Method::GET,
                                path: path.to_owned(),
                                detail,
                            })?,
                            etag: header_str(&raw.headers, "etag").map(str::to_owned),
                            from_cache: false,
                        };
                        if let Some(cache) = &self.cache {
                            cache.store(&url, &page);
                        }
                        return Ok(page);
                    }
                }
                Ok(raw) if raw.status == StatusCode::UNAUTHORIZED && self.is_app() && !reminted => {
                    // The installation token expired or was revoked before we expected (a
                    // skewed clock): mint a new one once and ask again.
                    reminted = true;
                    tracing::info!(
                        "GET {path}: 401 with the installation token; minting a new one and retrying"
                    );
                    self.invalidate_app_token(generation).await;
                    Duration::ZERO
                }
                Ok(raw) => {
                    let status = raw.status;
                    let limited = status == StatusCode::TOO_MANY_REQUESTS
                        || (status == StatusCode::FORBIDDEN
                            && is_rate_limited(&raw.headers, &github_message(&raw.body)));
                    if limited {
                        let exhausted = header_str(&raw.headers, "x-ratelimit-remaining")
                            .map(str::trim)
                            == Some("0");
                        let reset = reset_time(&raw.headers);
                        let (wait, what) = if let Some(wait) = retry_after(&raw.headers) {
                            rate_waits += 1;
                            (
                                wait,
                                format!("GitHub asked to retry after {} s", wait.as_secs()),
                            )
                        } else if exhausted {
                            rate_waits += 1;
                            let wait = until_reset(reset, Utc::now());
                            let at = reset
                                .map(|r| r.format("%Y-%m-%d %H:%M:%S UTC").to_string())
                                .unwrap_or_else(|| "an unknown time".into());
                            (wait, format!("the rate limit is used up until {at}"))
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
                            (
                                secondary_backoff(self.policy.secondary_wait, secondary),
                                "GitHub's secondary rate limit was hit".to_owned(),
                            )
                        };
                        // A wait already over (a reset or retry-after date in the past, e.g. a
                        // skewed clock) still backs off, so a stale header cannot make the
                        // client hammer the API; MAX_RATE_LIMIT_WAITS bounds the repeats.
                        let wait = if wait.is_zero() {
                            backoff(self.policy.backoff_ms, rate_waits.max(1))
                        } else {
                            wait
                        };
                        if wait.as_secs() > self.policy.max_wait
                            || rate_waits > MAX_RATE_LIMIT_WAITS
                        {
                            let why = if rate_waits > MAX_RATE_LIMIT_WAITS {
                                format!("still limited after {MAX_RATE_LIMIT_WAITS} waits")
                            } else {
                                format!(
                                    "waiting {} s would exceed --max-wait {} s",
                                    wait.as_secs(),
                                    self.policy.max_wait
                                )
                            };
                            return Err(ApiError::RateLimited {
                                status,
                                method: Method::GET,
                                path: path.to_owned(),
                                reset,
                                detail: format!(
                                    "{what}; {why}, so giving up (run again after the reset, or \
                                     raise --max-wait)"
                                ),
                            });
                        }
                        tracing::warn!("GET {path}: {what}; waiting {} s", wait.as_secs());
                        wait
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

/// The `Link` header, all of its values joined (a proxy may split it). A Link header that is
/// there but cannot be read or names no known relation is an error: reading it as "no more
/// pages" would turn a long list into a short one.
pub(super) fn link_header(headers: &HeaderMap) -> Result<Option<String>, String> {
    let mut parts = vec![];
    for value in headers.get_all("link") {
        let text = value
            .to_str()
            .map_err(|_| "its Link header is not readable text".to_owned())?;
        if !text.trim().is_empty() {
            parts.push(text.trim().to_owned());
        }
    }
    if parts.is_empty() {
        return Ok(None);
    }
    let joined = parts.join(", ");
    let rels = parse_link(&joined);
    if !["next", "prev", "first", "last"]
        .iter()
        .any(|r| rels.contains_key(*r))
    {
        return Err(format!(
            "its Link header names no page (next, prev, first or last): {}",
            redact(&joined.chars().take(200).collect::<String>())
        ));
    }
    Ok(Some(joined))
}

/// `retry-after` as seconds or as an HTTP date (RFC 9110 allows both); a date in the past is
/// a zero wait.
pub(crate) fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let value = header_str(headers, "retry-after")?.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let at = DateTime::parse_from_rfc2822(value).ok()?;
    let secs = (at.with_timezone(&Utc) - Utc::now()).num_seconds();
    Some(Duration::from_secs(secs.max(0) as u64))
}

/// Whether a 403/429 answer is a rate limit (primary or secondary) rather than a permission.
pub(super) fn is_rate_limited(headers: &HeaderMap, message: &str) -> bool {
    let m = message.to_ascii_lowercase();
    headers.contains_key("retry-after")
        || header_str(headers, "x-ratelimit-remaining").map(str::trim) == Some("0")
        || m.contains("rate limit")
        || m.contains("abuse detection")
}

pub(super) fn reset_time(headers: &HeaderMap) -> Option<DateTime<Utc>> {
    header_str(headers, "x-ratelimit-reset")
        .and_then(|v| v.trim().parse::<i64>().ok())
        .and_then(|secs| DateTime::from_timestamp(secs, 0))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn link_headers_are_joined_and_must_be_readable() {
        let mut h = HeaderMap::new();
        assert_eq!(link_header(&h), Ok(None));
        h.append(
            "link",
            "<https://x/a?page=2>; rel=\"next\"".parse().unwrap(),
        );
        h.append(
            "link",
            "<https://x/a?page=5>; rel=\"last\"".parse().unwrap(),
        );
        let joined = link_header(&h).unwrap().unwrap();
        let rels = parse_link(&joined);
        assert!(rels.contains_key("next") && rels.contains_key("last"));
        let mut odd = HeaderMap::new();
        odd.insert("link", "<https://x/a?page=2>; rel='next'".parse().unwrap());
        assert!(link_header(&odd).unwrap_err().contains("names no page"));
        let mut binary = HeaderMap::new();
        binary.insert(
            "link",
            http::HeaderValue::from_bytes(b"<https://x/\xff>; rel=\"next\"").unwrap(),
        );
        assert!(link_header(&binary).is_err());
    }

    #[test]
    fn retry_after_is_seconds_or_an_http_date() {
        let mut h = HeaderMap::new();
        h.insert("retry-after", " 30 ".parse().unwrap());
        assert_eq!(retry_after(&h), Some(Duration::from_secs(30)));
        let later = (Utc::now() + chrono::Duration::seconds(120))
            .format("%a, %d %b %Y %H:%M:%S GMT")
            .to_string();
        h.insert("retry-after", later.parse().unwrap());
        let d = retry_after(&h).unwrap().as_secs();
        assert!((115..=120).contains(&d), "{d}");
        h.insert(
            "retry-after",
            "Wed, 21 Oct 2015 07:28:00 GMT".parse().unwrap(),
        );
        assert_eq!(retry_after(&h), Some(Duration::ZERO));
        h.insert("retry-after", "soon".parse().unwrap());
        assert_eq!(retry_after(&h), None);
    }

    #[test]
    fn an_exhausted_limit_waits_until_the_reset() {
        let now = Utc::now();
        let in_90s = now + chrono::Duration::seconds(90);
        assert_eq!(until_reset(Some(in_90s), now), Duration::from_secs(91));
        let past = now - chrono::Duration::seconds(5);
        assert_eq!(until_reset(Some(past), now), Duration::ZERO);
        assert_eq!(until_reset(None, now), Duration::from_secs(60));
    }

    #[test]
    fn secondary_limits_wait_a_minute_then_back_off_exponentially() {
        let waits: Vec<u64> = (1..=4)
            .map(|n| secondary_backoff(60, n).as_secs())
            .collect();
        assert_eq!(waits, [60, 120, 240, 480]);
        assert_eq!(secondary_backoff(0, 3), Duration::ZERO, "tests set it to 0");
    }

    #[test]
    fn backoff_grows_and_zero_stays_zero() {
        assert_eq!(backoff(0, 3), Duration::ZERO);
        let d = backoff(100, 3);
        assert!(d >= Duration::from_millis(200) && d < Duration::from_millis(600));
    }
}
