//! Where an account system is read from, and the reads themselves: live (the API), an
//! `--export SYSTEM=PATH` file, or a snapshot section. The precedence is the contract's: an
//! export wins over the snapshot and over live reading for that system; with `--snapshot`, the
//! snapshot; else live, which needs the system's token, or it is a usage error naming what to
//! set.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use futures::future::LocalBoxFuture;
use secrecy::SecretString;

use super::adapter::system_read;
use super::export::{self, ExportError};
use super::http::{AccountClient, Delay, HttpError, RetryPolicy, Service};
use super::{AccountRead, AccountSection, Origin, fastly, is_account_system, pagerduty, sentry};
use crate::access::{Source, SourceError, System, SystemRead};
use crate::config::Mapping;

/// One `--export SYSTEM=PATH`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportArg {
    pub system: System,
    pub path: PathBuf,
}

impl FromStr for ExportArg {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let Some((name, path)) = s.split_once('=') else {
            return Err(format!(
                "--export {s:?}: expected SYSTEM=PATH, e.g. signon=signon-users.csv"
            ));
        };
        let system: System = name
            .trim()
            .parse()
            .map_err(|e| format!("--export {s:?}: {e}"))?;
        if !is_account_system(system) {
            return Err(format!(
                "--export {s:?}: {system} is not read from export files; the account systems \
                 are sentry, fastly, pagerduty, signon, gcp and logit"
            ));
        }
        if path.trim().is_empty() {
            return Err(format!("--export {s:?}: the PATH is empty"));
        }
        Ok(ExportArg {
            system,
            path: PathBuf::from(path),
        })
    }
}

/// The live service of a system, if it has one.
pub fn service(system: System) -> Option<&'static Service> {
    match system {
        System::Sentry => Some(&sentry::SERVICE),
        System::Fastly => Some(&fastly::SERVICE),
        System::Pagerduty => Some(&pagerduty::SERVICE),
        _ => None,
    }
}

/// The system's token from its variable (`SENTRY_AUTH_TOKEN`, `FASTLY_API_TOKEN`,
/// `PAGERDUTY_TOKEN`), trimmed; `None` when unset or blank.
pub fn token_from_env(system: System) -> Option<SecretString> {
    let service = service(system)?;
    std::env::var(service.token_var)
        .ok()
        .map(|v| v.trim().to_owned())
        .filter(|v| !v.is_empty())
        .map(SecretString::from)
}

/// The usage error for a selected system with neither a credential, nor an export, nor (with
/// `--snapshot`) a snapshot section: what to set for it.
pub fn nothing_to_read(system: System) -> String {
    match service(system) {
        Some(s) => format!(
            "{system} is configured in the mapping but cannot be read: set {} (a token with {}), \
             or give --export {system}=PATH (a CSV with header email,role), or a --snapshot with \
             a {system} section, or leave it out with --system",
            s.token_var, s.permission
        ),
        None => {
            let formats = export::expected_headers(system);
            format!(
                "{system} is configured in the mapping but has no API this tool reads: give \
                 --export {system}=PATH ({formats}), or a --snapshot with a {system} section, \
                 or leave it out with --system"
            )
        }
    }
}

/// A problem reading an export file: unreadable (exit 2, the user's input) or invalid (exit 2,
/// located).
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error("cannot read --export {system}={path}: {detail}")]
    Io {
        system: System,
        path: String,
        detail: String,
    },
    #[error(transparent)]
    Invalid(#[from] ExportError),
    #[error(transparent)]
    Http(#[from] HttpError),
}

/// Read an export file for `system`. `scope` is the mapping's org (Sentry) or customer id
/// (Fastly), recorded in the section. Its time is the export's `exported_at`, else the file's
/// modification time.
pub fn read_export(system: System, path: &Path, scope: &str) -> Result<AccountRead, ReadError> {
    let shown = path.display().to_string();
    let io = |e: std::io::Error| ReadError::Io {
        system,
        path: shown.clone(),
        detail: e.to_string(),
    };
    let bytes = std::fs::read(path).map_err(io)?;
    let modified = std::fs::metadata(path)
        .and_then(|m| m.modified())
        .ok()
        .map(DateTime::<Utc>::from);
    let parsed = export::parse(system, &shown, &bytes)?;
    let section =
        AccountSection::from_rows(system, parsed.rows, scope).ok_or_else(|| ReadError::Io {
            system,
            path: shown.clone(),
            detail: format!("{system} is not an account system"),
        })?;
    Ok(AccountRead {
        section,
        origin: Origin::Export {
            path: path.to_owned(),
            format: parsed.format,
        },
        at: parsed.exported_at.or(modified),
    })
}

/// A live client for `system` at `base_url`.
pub fn connect(
    system: System,
    base_url: &str,
    token: SecretString,
    policy: RetryPolicy,
    delay: Arc<dyn Delay>,
) -> Result<AccountClient, HttpError> {
    let Some(service) = service(system) else {
        return Err(HttpError::Usage(format!(
            "{system} has no API this tool reads; give --export {system}=PATH"
        )));
    };
    AccountClient::new(service, base_url, token, policy, delay)
}

/// Read `system` live. `scope` is the mapping's org (Sentry) or customer id (Fastly); `now` is
/// recorded as the read's time.
pub async fn read_live(
    client: &AccountClient,
    scope: &str,
    now: DateTime<Utc>,
) -> Result<AccountRead, HttpError> {
    let system = client.service().system;
    let (section, path) = match system {
        System::Sentry => (
            AccountSection::Sentry(sentry::read(client, scope).await?),
            format!(
                "/api/0/organizations/{}/members/",
                crate::sources::github::rest::encode(scope)
            ),
        ),
        System::Fastly => (
            AccountSection::Fastly(fastly::read(client, scope).await?),
            format!(
                "/customer/{}/users",
                crate::sources::github::rest::encode(scope)
            ),
        ),
        System::Pagerduty => (
            AccountSection::Pagerduty(pagerduty::read(client).await?),
            "/users".to_owned(),
        ),
        other => {
            return Err(HttpError::Usage(format!(
                "{other} has no API this tool reads"
            )));
        }
    };
    Ok(AccountRead {
        section,
        origin: Origin::Api {
            url: client.url(&path)?,
        },
        at: Some(now),
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn export_args_name_an_account_system_and_a_path() {
        assert_eq!(
            "signon=exports/signon.csv".parse::<ExportArg>().unwrap(),
            ExportArg {
                system: System::Signon,
                path: PathBuf::from("exports/signon.csv")
            }
        );
        assert!("logit=a=b.csv".parse::<ExportArg>().is_ok());
        for (arg, needle) in [
            ("signon", "SYSTEM=PATH"),
            ("jira=x.csv", "unknown system"),
            ("github=x.csv", "not read from export files"),
            ("gcp=", "PATH is empty"),
        ] {
            let err = arg.parse::<ExportArg>().unwrap_err();
            assert!(err.contains(needle), "{arg}: {err}");
        }
    }

    #[test]
    fn nothing_to_read_says_what_to_set() {
        let m = nothing_to_read(System::Sentry);
        assert!(
            m.contains("SENTRY_AUTH_TOKEN") && m.contains("--export sentry=PATH"),
            "{m}"
        );
        assert!(nothing_to_read(System::Fastly).contains("FASTLY_API_TOKEN"));
        assert!(nothing_to_read(System::Pagerduty).contains("PAGERDUTY_TOKEN"));
        let m = nothing_to_read(System::Signon);
        assert!(
            m.contains("--export signon=PATH") && m.contains("Name,Email,Role"),
            "{m}"
        );
        assert!(!m.contains("TOKEN"), "{m}");
    }

    #[test]
    fn export_files_record_their_format_and_time() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("logit.csv");
        std::fs::write(
            &path,
            "# exported_at: 2026-11-28T06:00:00Z\nemail,role\na@x,GOV.UK Users\n",
        )
        .unwrap();
        let read = read_export(System::Logit, &path, "").unwrap();
        assert_eq!(read.section.system(), System::Logit);
        assert_eq!(read.origin.kind(), "export");
        assert_eq!(read.at.unwrap().to_rfc3339(), "2026-11-28T06:00:00+00:00");
        let path = dir.path().join("sentry.csv");
        std::fs::write(&path, "email,role\na@x,admin\n").unwrap();
        let read = read_export(System::Sentry, &path, "govuk").unwrap();
        assert!(read.at.is_some(), "the file's modification time");
        assert_eq!(
            read.section.to_json()["org"],
            serde_json::Value::from("govuk")
        );
        let err = read_export(System::Gcp, &dir.path().join("none.csv"), "").unwrap_err();
        assert!(
            err.to_string().contains("cannot read --export gcp="),
            "{err}"
        );
    }
}

/// How the account systems are reached in one run (built from the command line at the CLI
/// edge; no clap types here).
#[derive(Debug, Clone)]
pub struct AccountOptions {
    pub sentry_url: String,
    pub fastly_url: String,
    pub pagerduty_url: String,
    /// `--export SYSTEM=PATH`, in the order given.
    pub exports: Vec<ExportArg>,
    pub policy: RetryPolicy,
}

impl AccountOptions {
    fn base_url(&self, system: System) -> &str {
        match system {
            System::Sentry => &self.sentry_url,
            System::Fastly => &self.fastly_url,
            _ => &self.pagerduty_url,
        }
    }
}

/// An account system read live or from an export file, as an access-model [`Source`].
pub enum AccountSource {
    Live {
        client: AccountClient,
        /// The Sentry org / Fastly customer id.
        scope: String,
    },
    Export {
        system: System,
        path: PathBuf,
        scope: String,
    },
}

impl AccountSource {
    pub fn is_export(&self) -> bool {
        matches!(self, AccountSource::Export { .. })
    }
}

impl Source for AccountSource {
    fn system(&self) -> System {
        match self {
            AccountSource::Live { client, .. } => client.service().system,
            AccountSource::Export { system, .. } => *system,
        }
    }

    /// Live: a failure that is the user's (a bad base URL) stops the run (exit 2); any other
    /// failure leaves this system unread (exit 3, named in `errors`), and the other systems are
    /// still reported. Export: an unreadable or invalid file stops the run (exit 2, located).
    fn read(&self) -> LocalBoxFuture<'_, Result<SystemRead, SourceError>> {
        Box::pin(async move {
            let system = self.system();
            match self {
                AccountSource::Live { client, scope } => {
                    match read_live(client, scope, Utc::now()).await {
                        Ok(read) => Ok(system_read(system, &read)),
                        Err(e) if e.is_usage() => Err(SourceError::Usage(e.to_string())),
                        Err(e) => {
                            tracing::warn!("{system} was not read: {e}");
                            Ok(SystemRead::unread(system, e.to_string()))
                        }
                    }
                }
                AccountSource::Export {
                    system,
                    path,
                    scope,
                } => read_export(*system, path, scope)
                    .map(|read| system_read(*system, &read))
                    .map_err(|e| SourceError::Usage(e.to_string())),
            }
        })
    }
}

/// The account-system sources of a run, one per selected account system that has one: its
/// `--export` file, else (live runs only) its API with the token from its variable. A selected
/// account system with neither, in a live run, is a usage error saying what to set; so is an
/// `--export` for a system the run does not cover, or two for one system.
pub fn account_sources(
    mapping: &Mapping,
    selected: &[System],
    options: &AccountOptions,
    from_snapshot: bool,
    delay: Arc<dyn Delay>,
) -> Result<Vec<AccountSource>, SourceError> {
    let mut exports: BTreeMap<System, &ExportArg> = BTreeMap::new();
    for e in &options.exports {
        if !selected.contains(&e.system) {
            let why = if mapping.accounts.contains_key(&e.system) {
                "--system leaves it out"
            } else {
                "the mapping does not configure it"
            };
            return Err(SourceError::Usage(format!(
                "--export {}={}: {why}; the run does not cover {}",
                e.system,
                e.path.display(),
                e.system
            )));
        }
        if let Some(first) = exports.insert(e.system, e) {
            return Err(SourceError::Usage(format!(
                "--export {}: given twice ({} and {}); give one file per system",
                e.system,
                first.path.display(),
                e.path.display()
            )));
        }
    }
    let mut out = Vec::new();
    for system in selected {
        let Some(section) = mapping.accounts.get(system) else {
            continue;
        };
        let scope = match system {
            System::Sentry => section.org.clone(),
            System::Fastly => section.customer_id.clone(),
            System::Gcp => section.group.clone(),
            _ => None,
        }
        .unwrap_or_default();
        if let Some(e) = exports.get(system) {
            out.push(AccountSource::Export {
                system: *system,
                path: e.path.clone(),
                scope,
            });
            continue;
        }
        if from_snapshot {
            continue;
        }
        let token =
            token_from_env(*system).ok_or_else(|| SourceError::Usage(nothing_to_read(*system)))?;
        let client = connect(
            *system,
            options.base_url(*system),
            token,
            options.policy,
            delay.clone(),
        )
        .map_err(|e| SourceError::Usage(e.to_string()))?;
        out.push(AccountSource::Live { client, scope });
    }
    Ok(out)
}
