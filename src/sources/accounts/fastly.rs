//! Fastly: the customer's users.
//!
//! Built from Fastly's published API reference (fastly.com/documentation/reference/api,
//! "Customer > List users" and "Rate limiting", API spec 1.0.0, read 2026-12):
//! `GET {base}/customer/{customer_id}/users` with `Fastly-Key: <token>`; one request, no pages;
//! fields `login`, `role`, `limit_services`. Reads are not rate-limited by Fastly, but a 429 is
//! still honoured with `Retry-After` or `Fastly-RateLimit-Reset` (UTC epoch seconds).

use serde::Deserialize;

use super::http::{AccountClient, AuthScheme, HttpError, RateLimit, ResetIn, Service};
use super::{FastlySection, FastlyUser};
use crate::access::System;
use crate::sources::github::rest::encode;

/// Fastly, as the shared client sees it.
pub static SERVICE: Service = Service {
    system: System::Fastly,
    name: "Fastly",
    auth: AuthScheme::FastlyKey,
    accept: "application/json",
    rate_limit: RateLimit {
        remaining: "fastly-ratelimit-remaining",
        reset: "fastly-ratelimit-reset",
        reset_in: ResetIn::EpochSeconds,
    },
    token_var: "FASTLY_API_TOKEN",
    permission: "a read-only API token (scope global:read) of a user who can see the \
                 customer's users",
    url_flag: "--fastly-url",
    default_url: "https://api.fastly.com",
};

#[derive(Debug, Deserialize)]
struct UserBody {
    login: Option<String>,
    role: Option<String>,
    #[serde(default)]
    limit_services: Option<bool>,
}

/// Read every user of `customer_id`. A user without a login or role is an error (fail closed).
pub async fn read(client: &AccountClient, customer_id: &str) -> Result<FastlySection, HttpError> {
    let path = format!("/customer/{}/users", encode(customer_id));
    let url = client.url(&path)?;
    let (users, _): (Vec<UserBody>, _) = client.get_json(&path).await?;
    let users = users
        .into_iter()
        .map(|u| user(&url, u))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(FastlySection {
        customer_id: customer_id.to_owned(),
        users,
    })
}

fn user(url: &str, u: UserBody) -> Result<FastlyUser, HttpError> {
    let login = u.login.filter(|l| !l.trim().is_empty());
    let role = u.role.filter(|r| !r.trim().is_empty());
    match (login, role) {
        (Some(login), Some(role)) => Ok(FastlyUser {
            login: login.trim().to_owned(),
            role: role.trim().to_owned(),
            limit_services: u.limit_services.unwrap_or(false),
        }),
        (None, _) => Err(HttpError::Body {
            url: url.to_owned(),
            detail: "a user has no login; the list cannot be compared".into(),
        }),
        (Some(login), None) => Err(HttpError::Body {
            url: url.to_owned(),
            detail: format!("the user {login} has no role"),
        }),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn users_need_a_login_and_a_role() {
        let body = |json: &str| serde_json::from_str::<UserBody>(json).unwrap();
        let u = user(
            "u",
            body(r#"{"login":"a@x","role":"engineer","limit_services":true}"#),
        )
        .unwrap();
        assert!(u.limit_services);
        let u = user("u", body(r#"{"login":"a@x","role":"user"}"#)).unwrap();
        assert!(!u.limit_services);
        assert!(user("u", body(r#"{"role":"user"}"#)).is_err());
        assert!(user("u", body(r#"{"login":"a@x","role":" "}"#)).is_err());
    }
}
