//! [`ApiError`], what each GitHub answer means for the person running the tool, and the
//! permission each endpoint needs (named in every 401/403/404 message).

use chrono::{DateTime, Utc};
use http::{Method, StatusCode};
use serde::Deserialize;

use super::retry::{is_rate_limited, reset_time};
use super::secrets::redact;
use super::{Inner, Raw, header_str};
use crate::sources::github::SourceError;

/// What is needed to read team membership, named in errors and the README.
pub const MEMBERS_PERMISSION: &str = "a classic token with the read:org scope, or a fine-grained token or GitHub App \
     installation with the Organization permission \"Members: read\"";

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
    /// 403 that is not a rate limit: a missing permission, a token not authorized for the org's
    /// SAML single sign-on, or an IP allow list (`advice` says which, when GitHub says).
    #[error("GitHub refused {method} {path} (403 {message}): {advice}")]
    Forbidden {
        method: Method,
        path: String,
        message: String,
        permission: String,
        advice: String,
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
    #[error("network error on {method} {path} after {}: {detail}", tries_text(*.tries))]
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

#[derive(Deserialize)]
struct ErrorBody {
    message: Option<String>,
    errors: Option<serde_json::Value>,
}

/// The text of an error and its causes, on one line.
pub(super) fn chain(e: &(dyn std::error::Error + 'static)) -> String {
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

pub(super) fn github_message(body: &[u8]) -> String {
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

/// What a 403 that is not a rate limit means, from what GitHub said.
fn forbidden_advice(headers: &http::HeaderMap, message: &str, permission: &str) -> String {
    let m = message.to_ascii_lowercase();
    let sso = header_str(headers, "x-github-sso");
    if sso.is_some_and(|v| v.trim_start().starts_with("required")) || m.contains("saml") {
        let at = sso
            .and_then(|v| v.split_once("url="))
            .map(|(_, url)| format!(" at {}", redact(url.trim())))
            .unwrap_or_default();
        return format!(
            "the token is not authorized for the organization's SAML single sign-on; authorize \
             it{at} (for a classic token: GitHub > Settings > Developer settings > Personal access \
             tokens > Configure SSO)"
        );
    }
    if m.contains("ip allow list") {
        return "the organization's IP allow list does not admit this machine's address; run from \
                an allowed network, or ask an org owner to add the runner's address"
            .to_owned();
    }
    if m.contains("resource not accessible")
        || m.contains("must have")
        || m.contains("permission")
        || m.contains("scope")
        || headers.contains_key("x-accepted-github-permissions")
    {
        return format!("the token lacks a permission; it needs {permission}");
    }
    format!(
        "GitHub did not say why; check that the token has {permission}, that it is authorized for \
         the organization's SAML single sign-on, and that the organization's IP allow list admits \
         this machine"
    )
}

impl Inner {
    /// Turn a non-success answer into an error (no waiting, no retrying).
    pub(super) fn check(&self, method: Method, path: &str, raw: Raw) -> Result<Raw, ApiError> {
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
                    advice: forbidden_advice(&raw.headers, &message, &permission),
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
}

/// "1 try", "3 tries".
fn tries_text(n: u32) -> String {
    format!("{n} {}", if n == 1 { "try" } else { "tries" })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn explains_each_kind_of_403() {
        let mut h = http::HeaderMap::new();
        let p = MEMBERS_PERMISSION;
        assert!(forbidden_advice(&h, "Resource not accessible by integration", p).contains(p));
        assert!(forbidden_advice(&h, "Forbidden", p).starts_with("GitHub did not say why"));
        assert!(
            forbidden_advice(&h, "Although you appear to have the correct authorization credentials, the `alphagov` organization has an IP allow list enabled", p)
                .contains("IP allow list does not admit")
        );
        h.insert(
            "x-github-sso",
            "required; url=https://github.com/orgs/alphagov/sso?authorization_request=AB"
                .parse()
                .unwrap(),
        );
        let sso = forbidden_advice(
            &h,
            "Resource protected by organization SAML enforcement.",
            p,
        );
        assert!(sso.contains("SAML single sign-on"), "{sso}");
        assert!(
            sso.contains("at https://github.com/orgs/alphagov/sso?authorization_request=AB"),
            "{sso}"
        );
    }

    #[test]
    fn names_the_permission() {
        assert!(permission_for(&Method::GET, "/orgs/a/teams/b/members").contains("Members: read"));
        assert!(permission_for(&Method::PATCH, "/repos/a/b/issues/comments/1").contains("write"));
        assert!(permission_for(&Method::PUT, "/repos/a/b/contents/x").contains("Contents: write"));
    }
}
