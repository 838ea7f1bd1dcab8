//! Sentry: the organization's members, including pending invitations.
//!
//! Built from Sentry's published API reference (docs.sentry.io/api, "List an Organization's
//! Members", "Paginating Results" and "Rate Limits"; web API v0, read 2026-12):
//! `GET {base}/api/0/organizations/{org}/members/` with `Authorization: Bearer <token>` (scope
//! `member:read`); pages by `Link: <url>; rel="next"; results="true"; cursor="..."`, stopping
//! when `results="false"`; rate-limit headers `X-Sentry-Rate-Limit-Remaining` and
//! `X-Sentry-Rate-Limit-Reset` (UTC epoch seconds). Fields used: `email` (else `user.email`),
//! `orgRole` (else `role`), `pending`, `expired`.

use std::collections::HashSet;

use serde::Deserialize;

use super::http::{AccountClient, AuthScheme, HttpError, RateLimit, ResetIn, Service};
use super::{SentryMember, SentrySection};
use crate::access::System;
use crate::sources::github::rest::encode;

/// Sentry, as the shared client sees it.
pub static SERVICE: Service = Service {
    system: System::Sentry,
    name: "Sentry",
    auth: AuthScheme::Bearer,
    accept: "application/json",
    rate_limit: RateLimit {
        remaining: "x-sentry-rate-limit-remaining",
        reset: "x-sentry-rate-limit-reset",
        reset_in: ResetIn::EpochSeconds,
    },
    token_var: "SENTRY_AUTH_TOKEN",
    permission: "the member:read scope (an organization or internal-integration token with \
                 Members: Read)",
    url_flag: "--sentry-url",
    default_url: "https://sentry.io",
};

/// The most pages one list may have (100 members each): a `Link` that goes on for longer is an
/// error, not a partial list.
pub const MAX_PAGES: usize = 1_000;

#[derive(Debug, Deserialize)]
struct MemberBody {
    email: Option<String>,
    #[serde(rename = "orgRole")]
    org_role: Option<String>,
    role: Option<String>,
    #[serde(default)]
    pending: bool,
    #[serde(default)]
    expired: bool,
    user: Option<UserBody>,
}

#[derive(Debug, Deserialize)]
struct UserBody {
    email: Option<String>,
}

/// The `rel="next"` link of a Sentry `Link` header and whether it has results.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NextLink {
    pub url: String,
    /// `results="true"`; `None` when the attribute is missing.
    pub results: Option<bool>,
}

/// Parse a Sentry `Link` header: `<url>; rel="previous"; results="false"; cursor="...",
/// <url>; rel="next"; results="true"; cursor="..."`.
pub fn next_link(header: &str) -> Option<NextLink> {
    // Split on the `,` before each `<`, not inside a URL.
    for part in header
        .split(", <")
        .map(|p| p.trim().trim_start_matches('<'))
    {
        let Some((url, params)) = part.split_once('>') else {
            continue;
        };
        let mut rel_next = false;
        let mut results = None;
        for param in params.split(';').map(str::trim) {
            let Some((key, value)) = param.split_once('=') else {
                continue;
            };
            let value = value.trim().trim_matches('"');
            match key.trim() {
                "rel" => rel_next = value.split_whitespace().any(|r| r == "next"),
                "results" => results = Some(value == "true"),
                _ => {}
            }
        }
        if rel_next {
            return Some(NextLink {
                url: url.trim().to_owned(),
                results,
            });
        }
    }
    None
}

/// Read every member (and pending invitation) of `org`. Fails closed: any page that cannot be
/// read, a member without an email or role, a `Link` back to a page already read or more than
/// [`MAX_PAGES`] pages is an error, never a shorter list.
pub async fn read(client: &AccountClient, org: &str) -> Result<SentrySection, HttpError> {
    let first = format!("/api/0/organizations/{}/members/", encode(org));
    let mut url = client.url(&first)?;
    let mut seen = HashSet::from([url.clone()]);
    let mut members = Vec::new();
    for _ in 0..MAX_PAGES {
        let (page, headers): (Vec<MemberBody>, _) = client.get_json(&url).await?;
        let empty = page.is_empty();
        for m in page {
            members.push(member(&url, m)?);
        }
        let link = headers
            .get_all("link")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .collect::<Vec<_>>()
            .join(", ");
        let next = match next_link(&link) {
            Some(NextLink {
                results: Some(false),
                ..
            })
            | None => {
                return Ok(SentrySection {
                    org: org.to_owned(),
                    members,
                });
            }
            // Without the results attribute, an empty page ends the list.
            Some(NextLink { results: None, .. }) if empty => {
                return Ok(SentrySection {
                    org: org.to_owned(),
                    members,
                });
            }
            Some(next) => client.url(&next.url)?,
        };
        if !seen.insert(next.clone()) {
            return Err(HttpError::Body {
                url,
                detail: format!(
                    "Sentry's Link header points back at a page already read ({next}); the \
                     member list cannot be read whole"
                ),
            });
        }
        url = next;
    }
    Err(HttpError::Body {
        url,
        detail: format!("the member list has more than {MAX_PAGES} pages; not reading it"),
    })
}

fn member(url: &str, m: MemberBody) -> Result<SentryMember, HttpError> {
    let email = m
        .email
        .filter(|e| !e.trim().is_empty())
        .or_else(|| m.user.and_then(|u| u.email))
        .filter(|e| !e.trim().is_empty());
    let role = m.org_role.or(m.role).filter(|r| !r.trim().is_empty());
    match (email, role) {
        (Some(email), Some(role)) => Ok(SentryMember {
            email: email.trim().to_owned(),
            role: role.trim().to_owned(),
            pending: m.pending,
            expired: m.expired,
        }),
        (None, _) => Err(HttpError::Body {
            url: url.to_owned(),
            detail: "a member has no email; the list cannot be compared".into(),
        }),
        (Some(email), None) => Err(HttpError::Body {
            url: url.to_owned(),
            detail: format!("the member {email} has neither orgRole nor role"),
        }),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_next_link_and_its_results_flag() {
        let h = r#"<https://sentry.io/api/0/organizations/acme/members/?&cursor=0:0:1>; rel="previous"; results="false"; cursor="0:0:1", <https://sentry.io/api/0/organizations/acme/members/?&cursor=0:100:0>; rel="next"; results="true"; cursor="0:100:0""#;
        assert_eq!(
            next_link(h),
            Some(NextLink {
                url: "https://sentry.io/api/0/organizations/acme/members/?&cursor=0:100:0".into(),
                results: Some(true),
            })
        );
        let last = h.replace(
            r#"rel="next"; results="true""#,
            r#"rel="next"; results="false""#,
        );
        assert_eq!(next_link(&last).unwrap().results, Some(false));
        let bare = r#"<https://x/a?cursor=1>; rel="next""#;
        assert_eq!(next_link(bare).unwrap().results, None);
        assert_eq!(next_link(""), None);
        assert_eq!(next_link(r#"<https://x/a>; rel="previous""#), None);
    }

    #[test]
    fn a_member_takes_org_role_else_role_and_needs_an_email() {
        let body = |json: &str| serde_json::from_str::<MemberBody>(json).unwrap();
        let m = member(
            "u",
            body(r#"{"email":"a@x","orgRole":"admin","role":"member"}"#),
        )
        .unwrap();
        assert_eq!(m.role, "admin");
        assert!(!m.pending && !m.expired);
        let m = member(
            "u",
            body(r#"{"email":"","user":{"email":"b@x"},"role":"owner","pending":true,"expired":true}"#),
        )
        .unwrap();
        assert_eq!((m.email.as_str(), m.role.as_str()), ("b@x", "owner"));
        assert!(m.pending && m.expired);
        assert!(member("u", body(r#"{"orgRole":"admin"}"#)).is_err());
        assert!(member("u", body(r#"{"email":"a@x"}"#)).is_err());
    }
}
