//! Credentials: `GITHUB_TOKEN` / `GH_TOKEN`, or a GitHub App whose installation on the org is
//! looked up and whose installation token is minted (and re-minted before it expires) into a
//! plain token client, so page 2+ keeps the Authorization header (octocrab issue 738).

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use chrono::{DateTime, Utc};
use http::{Method, Uri};
use octocrab::Octocrab;
use serde::Deserialize;

use super::ClientOptions;
use super::error::{ApiError, MEMBERS_PERMISSION};
use super::retry::{backoff, pause};
use super::secrets::{redact, register_secret};
use super::{Inner, Raw, encode, header_str};
use crate::sources::github::SourceError;

/// Re-mint an installation token this long before it expires.
const TOKEN_REFRESH_MARGIN_SECS: i64 = 300;

/// How the client authenticates.
pub(super) enum Auth {
    /// A token client; `installation` when the token is an installation token (`ghs_`, e.g. the
    /// Actions GITHUB_TOKEN), which cannot call `GET /user`.
    Token {
        client: Octocrab,
        installation: bool,
    },
    App(Box<AppAuth>),
}

pub(super) struct AppAuth {
    pub(super) app_id: u64,
    pub(super) app_client: Octocrab,
    pub(super) installation_id: u64,
    pub(super) slug: String,
    pub(super) base: Uri,
    /// The installation token client in use, if one was minted.
    pub(super) current: tokio::sync::Mutex<Option<Minted>>,
    /// How many tokens were minted (the generation of the current one).
    pub(super) minted: AtomicU64,
}

/// An installation token client and when to replace it (by the local clock).
pub(super) struct Minted {
    client: Octocrab,
    refresh_at: DateTime<Utc>,
    generation: u64,
}

/// How long after minting to mint the next token: [`TOKEN_REFRESH_MARGIN_SECS`] before it
/// expires, or at half its life when it lives shorter than twice that. Measured from GitHub's
/// clock (its `Date` header) when known, so a skewed local clock cannot make every request
/// mint a token; a lifetime that is already over or longer than GitHub's documented hour counts
/// as an hour (a token that dies sooner is replaced on its first 401).
pub(super) fn refresh_after(
    expires_at: Option<DateTime<Utc>>,
    server_now: Option<DateTime<Utc>>,
) -> chrono::Duration {
    let hour = chrono::Duration::minutes(60);
    let now = server_now.unwrap_or_else(Utc::now);
    let lifetime = expires_at.map_or(hour, |e| e - now);
    let lifetime = if lifetime <= chrono::Duration::zero() {
        hour
    } else {
        lifetime.min(hour)
    };
    let margin = chrono::Duration::seconds(TOKEN_REFRESH_MARGIN_SECS);
    if lifetime > margin * 2 {
        lifetime - margin
    } else {
        lifetime / 2
    }
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
    pub fn from_env(args: &ClientOptions) -> Result<Credentials, SourceError> {
        find_credentials(args)
    }
}

fn env_nonempty(key: &str) -> Option<String> {
    std::env::var(key)
        .ok()
        .map(|v| v.trim().to_owned())
        .filter(|v| !v.is_empty())
}

/// The end of the no-credentials message, for the commands that take `--snapshot` (`drift`,
/// `fix` without `--open-pr`); the others remove it with [`without_offline_hint`].
pub const OFFLINE_HINT: &str = " Offline, use --snapshot PATH instead.";

/// A credentials message for a command that has no `--snapshot`.
pub fn without_offline_hint(msg: &str) -> String {
    msg.replace(OFFLINE_HINT, "")
}

pub(super) fn find_credentials(args: &ClientOptions) -> Result<Credentials, SourceError> {
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
            None => {
                let value = env_nonempty("GITHUB_APP_PRIVATE_KEY").ok_or_else(|| {
                    SourceError::Usage(format!(
                        "GitHub App {app_id} has no private key: pass --app-private-key PATH (the \
                         .pem file) or set GITHUB_APP_PRIVATE_KEY to the PEM text or the .pem \
                         file's path"
                    ))
                })?;
                // The PEM text itself (a CI secret), or, like --app-private-key, its path.
                if value.contains("-----BEGIN") {
                    value
                } else {
                    std::fs::read_to_string(&value).map_err(|e| {
                        // A path is short; anything longer may be a mangled key: never print it.
                        let what = if value.len() <= 255 && !value.contains('\n') {
                            format!("cannot read {value}: {e}")
                        } else {
                            format!("its value ({} characters) is not PEM text", value.len())
                        };
                        SourceError::Usage(format!(
                            "GITHUB_APP_PRIVATE_KEY is neither the PEM text (-----BEGIN ... \
                             PRIVATE KEY-----) nor the path of a readable .pem file: {what}"
                        ))
                    })?
                }
            }
        };
        return Ok(Credentials::App { app_id, pem });
    }
    Err(SourceError::Usage(format!(
        "no GitHub credentials: set GITHUB_TOKEN (or GH_TOKEN) to {MEMBERS_PERMISSION}, or use a \
         GitHub App with --app-id ID and --app-private-key PATH (or GITHUB_APP_ID and \
         GITHUB_APP_PRIVATE_KEY).{OFFLINE_HINT}"
    )))
}

pub(super) fn build_client(base: &Uri, token: Option<&str>) -> Result<Octocrab, SourceError> {
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
pub(super) struct InstallationTokenBody {
    token: String,
    expires_at: Option<DateTime<Utc>>,
}

#[derive(Deserialize)]
struct AppBody {
    slug: String,
}

impl Inner {
    /// The App's installation on `owner`, and the App's slug.
    pub(super) async fn find_installation(
        &self,
        app: &AppAuth,
        owner: &str,
    ) -> Result<(u64, String), SourceError> {
        let path = format!("/orgs/{}/installation", encode(owner));
        let raw = self
            .send_app(app, Method::GET, &path)
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
                     --app-id {} is the App's id, that the private key is one of its keys (and \
                     not revoked), and that this machine's clock is right (the JWT is dated)",
                    app.app_id
                )),
                other => SourceError::from(other),
            })?;
        let raw = self
            .send_app(app, Method::GET, "/app")
            .await
            .map_err(SourceError::from)?;
        let me: AppBody = self
            .check(Method::GET, "/app", raw)
            .and_then(|raw| self.parse(Method::GET, "/app", &raw.body))
            .map_err(SourceError::from)?;
        Ok((installation.id, me.slug))
    }

    /// A request with the App's JWT client. These calls are safe to repeat (reads, and minting a
    /// token), so a 5xx or a dropped connection is retried like a GET.
    async fn send_app(&self, app: &AppAuth, method: Method, path: &str) -> Result<Raw, ApiError> {
        let body = (method == Method::POST).then(|| serde_json::json!({}));
        let mut tries = 0;
        loop {
            tries += 1;
            let sent = self
                .send_once(&app.app_client, method.clone(), path, body.as_ref())
                .await;
            let transient = match &sent {
                Err(ApiError::Network { .. }) => true,
                Ok(raw) => raw.status.is_server_error(),
                Err(_) => false,
            };
            if !transient || tries >= self.policy.tries {
                return sent;
            }
            tracing::info!(
                "{method} {path}: failed; retrying ({tries}/{})",
                self.policy.tries
            );
            pause(backoff(self.policy.backoff_ms, tries)).await;
        }
    }

    /// The token client to use now (re-minting an installation token near expiry).
    pub(super) async fn client(&self) -> Result<Octocrab, ApiError> {
        Ok(self.client_gen().await?.0)
    }

    /// The token client and its generation (0 for a plain token), for
    /// [`Inner::invalidate_app_token`].
    pub(super) async fn client_gen(&self) -> Result<(Octocrab, u64), ApiError> {
        match &self.auth {
            Auth::Token { client, .. } => Ok((client.clone(), 0)),
            Auth::App(app) => {
                let minted = self.app_token_gen(app).await?;
                Ok(minted)
            }
        }
    }

    /// Whether the client authenticates as a GitHub App (with installation tokens).
    pub(super) fn is_app(&self) -> bool {
        matches!(self.auth, Auth::App(_))
    }

    /// Drop the installation token of `generation` (GitHub answered 401 to it), so the next
    /// request mints a new one. Concurrent requests that saw the same 401 mint only once.
    pub(super) async fn invalidate_app_token(&self, generation: u64) {
        if let Auth::App(app) = &self.auth {
            let mut current = app.current.lock().await;
            if current.as_ref().is_some_and(|m| m.generation == generation) {
                *current = None;
            }
        }
    }

    pub(super) async fn app_token(&self, app: &AppAuth) -> Result<Octocrab, ApiError> {
        Ok(self.app_token_gen(app).await?.0)
    }

    async fn app_token_gen(&self, app: &AppAuth) -> Result<(Octocrab, u64), ApiError> {
        let mut current = app.current.lock().await;
        if let Some(m) = current.as_ref()
            && Utc::now() < m.refresh_at
        {
            return Ok((m.client.clone(), m.generation));
        }
        let path = format!("/app/installations/{}/access_tokens", app.installation_id);
        // Minting is safe to repeat (each POST makes a new token).
        let raw = self.send_app(app, Method::POST, &path).await?;
        let server_now = header_str(&raw.headers, "date")
            .and_then(|d| DateTime::parse_from_rfc2822(d).ok())
            .map(|d| d.with_timezone(&Utc));
        let raw = self.check(Method::POST, &path, raw).map_err(|e| match e {
            ApiError::NotFound { .. } => ApiError::Request(format!(
                "GitHub App {} has no installation {} any more (POST {path} answered 404): it was \
                 uninstalled from the org during the run; install it again",
                app.app_id, app.installation_id
            )),
            other => other,
        })?;
        let minted: InstallationTokenBody = self.parse(Method::POST, &path, &raw.body)?;
        register_secret(&minted.token);
        let client = build_client(&app.base, Some(&minted.token))
            .map_err(|e| ApiError::Request(e.to_string()))?;
        let after = refresh_after(minted.expires_at, server_now);
        let generation = app.minted.fetch_add(1, Ordering::SeqCst) + 1;
        tracing::debug!(
            "minted a GitHub App installation token (expires {}); the next one in {} s",
            minted.expires_at.map_or_else(
                || "at a time GitHub did not say".to_owned(),
                |at| format!("at {}", at.format("%Y-%m-%dT%H:%M:%SZ"))
            ),
            after.num_seconds()
        );
        *current = Some(Minted {
            client: client.clone(),
            refresh_at: Utc::now() + after,
            generation,
        });
        Ok((client, generation))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn installation_tokens_are_refreshed_by_githubs_clock() {
        let mins = |m: i64| chrono::Duration::minutes(m);
        let server = Utc::now() - mins(120);
        // An hour-long token, our clock two hours ahead: still 55 minutes.
        assert_eq!(
            refresh_after(Some(server + mins(60)), Some(server)),
            mins(55)
        );
        // No Date header and an expiry in our past: an hour, not "now" for every request.
        assert_eq!(refresh_after(Some(server + mins(60)), None), mins(55));
        // A short-lived token: at half its life.
        assert_eq!(refresh_after(Some(server + mins(6)), Some(server)), mins(3));
        assert_eq!(refresh_after(None, None), mins(55));
    }
}
