//! PagerDuty: the account's users.
//!
//! Built from PagerDuty's published REST API v2 reference (developer.pagerduty.com/api-reference,
//! "List users", "Pagination" (classic: `limit`, `offset`, `more`) and the "REST API Rate
//! Limits" page, read 2026-12): `GET {base}/users?limit=100&offset=N` with
//! `Authorization: Token token=<token>` and `Accept: application/vnd.pagerduty+json;version=2`;
//! `users[].email`, `users[].role`, `more`; rate-limit headers `ratelimit-remaining` and
//! `ratelimit-reset` (seconds to wait).

use std::collections::HashSet;

use serde::Deserialize;

use super::http::{AccountClient, AuthScheme, HttpError, RateLimit, ResetIn, Service};
use super::{EmailRole, UsersSection};
use crate::access::System;

/// PagerDuty, as the shared client sees it.
pub static SERVICE: Service = Service {
    system: System::Pagerduty,
    name: "PagerDuty",
    auth: AuthScheme::PagerDutyToken,
    accept: "application/vnd.pagerduty+json;version=2",
    rate_limit: RateLimit {
        remaining: "ratelimit-remaining",
        reset: "ratelimit-reset",
        reset_in: ResetIn::SecondsFromNow,
    },
    token_var: "PAGERDUTY_TOKEN",
    permission: "a read-only REST API key (account-level, or a user key of a user who can see \
                 every user)",
    url_flag: "--pagerduty-url",
    default_url: "https://api.pagerduty.com",
};

/// Users per page (PagerDuty's maximum).
pub const LIMIT: usize = 100;

/// The most pages read: PagerDuty's classic pagination stops at offset + limit = 10000.
pub const MAX_PAGES: usize = 100;

#[derive(Debug, Deserialize)]
struct PageBody {
    users: Vec<UserBody>,
    /// Required: a page that does not say whether more follow cannot end the list.
    more: bool,
}

#[derive(Debug, Deserialize)]
struct UserBody {
    id: Option<String>,
    email: Option<String>,
    role: Option<String>,
}

/// Read every user. Fails closed: a page that says `more` but is empty, a user without an email
/// or role, or more than [`MAX_PAGES`] pages is an error, never a shorter list. A user seen on
/// two pages (the list moved while it was read) is kept once.
pub async fn read(client: &AccountClient) -> Result<UsersSection, HttpError> {
    let mut users = Vec::new();
    let mut ids = HashSet::new();
    for page in 0..MAX_PAGES {
        let path = format!("/users?limit={LIMIT}&offset={}", page * LIMIT);
        let url = client.url(&path)?;
        let (body, _): (PageBody, _) = client.get_json(&path).await?;
        let empty = body.users.is_empty();
        for u in body.users {
            if let Some(id) = &u.id
                && !ids.insert(id.clone())
            {
                continue;
            }
            users.push(user(&url, u)?);
        }
        if !body.more {
            return Ok(UsersSection { users });
        }
        if empty {
            return Err(HttpError::Body {
                url,
                detail: "PagerDuty says more users follow, but the page is empty; the list \
                         cannot be read whole"
                    .into(),
            });
        }
    }
    Err(HttpError::Body {
        url: client.url("/users")?,
        detail: format!(
            "more than {} users; PagerDuty's offset pagination cannot list them all",
            MAX_PAGES * LIMIT
        ),
    })
}

fn user(url: &str, u: UserBody) -> Result<EmailRole, HttpError> {
    let email = u.email.filter(|e| !e.trim().is_empty());
    let role = u.role.filter(|r| !r.trim().is_empty());
    match (email, role) {
        (Some(email), Some(role)) => Ok(EmailRole {
            email: email.trim().to_owned(),
            role: role.trim().to_owned(),
        }),
        (None, _) => Err(HttpError::Body {
            url: url.to_owned(),
            detail: "a user has no email; the list cannot be compared".into(),
        }),
        (Some(email), None) => Err(HttpError::Body {
            url: url.to_owned(),
            detail: format!("the user {email} has no role"),
        }),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn pages_need_more_and_users_need_email_and_role() {
        assert!(serde_json::from_str::<PageBody>(r#"{"users":[]}"#).is_err());
        let page: PageBody =
            serde_json::from_str(r#"{"users":[{"email":"a@x","role":"user"}],"more":false}"#)
                .unwrap();
        assert!(!page.more);
        let body = |json: &str| serde_json::from_str::<UserBody>(json).unwrap();
        assert_eq!(
            user("u", body(r#"{"email":"a@x","role":"admin"}"#)).unwrap(),
            EmailRole {
                email: "a@x".into(),
                role: "admin".into()
            }
        );
        assert!(user("u", body(r#"{"role":"admin"}"#)).is_err());
        assert!(user("u", body(r#"{"email":"a@x"}"#)).is_err());
    }
}
