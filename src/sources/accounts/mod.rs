//! The account systems: Sentry, Fastly and PagerDuty (read live), Signon, the GCP group and
//! Logit (read from export files), in one shape.
//!
//! - [`adapter`]: the account systems as adapters of the access model (wording, snapshots).
//! - [`http`]: the shared GET client (retries, rate limits, the token that cannot be printed).
//! - [`sentry`], [`fastly`], [`pagerduty`]: one live reader each, into its snapshot section.
//! - [`export`]: `--export SYSTEM=PATH` files (Signon's own CSV, the normalised `email,role` CSV).
//! - [`source`]: where each system is read from (live, `--export`, snapshot) and the reads.
//! - [`findings`]: pure (people, mapping section, holdings) -> findings for one system.
//!
//! Each system's data is recorded as its snapshot v2 section ([`SentrySection`], ...), exactly
//! as the contract shows, and turned into neutral [`Holding`]s for the findings.

pub mod adapter;
pub mod export;
pub mod fastly;
pub mod findings;
pub mod http;
pub mod pagerduty;
pub mod sentry;
pub mod source;

use std::path::PathBuf;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::access::System;

/// The account systems, in report order.
pub const ACCOUNT_SYSTEMS: [System; 6] = [
    System::Sentry,
    System::Fastly,
    System::Pagerduty,
    System::Signon,
    System::Gcp,
    System::Logit,
];

/// Whether `system` is one of the account systems of this module.
pub fn is_account_system(system: System) -> bool {
    ACCOUNT_SYSTEMS.contains(&system)
}

/// Whether a person may hold several rows (teams) in `system` (Logit), rather than one account
/// with one role.
pub fn is_multi_valued(system: System) -> bool {
    system == System::Logit
}

/// One account (or, for a multi-valued system, one team row) as read from a system.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Holding {
    /// The email as the system spells it.
    pub email: String,
    /// The system role (Logit: the team).
    pub role: String,
    /// Sentry: an invitation not yet accepted.
    pub pending: bool,
    /// Sentry: the invitation has expired.
    pub expired: bool,
    /// Fastly: the user is limited to some services.
    pub limit_services: bool,
}

impl Holding {
    pub fn new(email: &str, role: &str) -> Holding {
        Holding {
            email: email.to_owned(),
            role: role.to_owned(),
            ..Holding::default()
        }
    }
}

/// One account system's section of the mapping (`systems.<name>`), parsed by the access model.
pub use crate::config::systems::AccountMapping;

/// `email, role` rows: PagerDuty, Signon, GCP and Logit sections.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EmailRole {
    pub email: String,
    pub role: String,
}

/// Snapshot v2 `sentry` section.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SentrySection {
    pub org: String,
    pub members: Vec<SentryMember>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SentryMember {
    pub email: String,
    pub role: String,
    pub pending: bool,
    pub expired: bool,
}

/// Snapshot v2 `fastly` section.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FastlySection {
    pub customer_id: String,
    pub users: Vec<FastlyUser>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FastlyUser {
    pub login: String,
    pub role: String,
    pub limit_services: bool,
}

/// Snapshot v2 `pagerduty` and `signon` sections.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UsersSection {
    pub users: Vec<EmailRole>,
}

/// Snapshot v2 `gcp` and `logit` sections.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MembersSection {
    pub members: Vec<EmailRole>,
}

/// Snapshot v2 `pagerduty` section.
pub type PagerdutySection = UsersSection;
/// Snapshot v2 `signon` section.
pub type SignonSection = UsersSection;
/// Snapshot v2 `gcp` section.
pub type GcpSection = MembersSection;
/// Snapshot v2 `logit` section.
pub type LogitSection = MembersSection;

/// One account system's snapshot section, whichever it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AccountSection {
    Sentry(SentrySection),
    Fastly(FastlySection),
    Pagerduty(UsersSection),
    Signon(UsersSection),
    Gcp(MembersSection),
    Logit(MembersSection),
}

impl AccountSection {
    /// The system the section belongs to.
    pub fn system(&self) -> System {
        match self {
            AccountSection::Sentry(_) => System::Sentry,
            AccountSection::Fastly(_) => System::Fastly,
            AccountSection::Pagerduty(_) => System::Pagerduty,
            AccountSection::Signon(_) => System::Signon,
            AccountSection::Gcp(_) => System::Gcp,
            AccountSection::Logit(_) => System::Logit,
        }
    }

    /// The section of `system` built from `email, role` rows (an export file). Sentry rows are
    /// accepted members (not invitations); Fastly rows have access to all services; the org and
    /// customer id come from the mapping.
    pub fn from_rows(system: System, rows: Vec<EmailRole>, scope: &str) -> Option<AccountSection> {
        Some(match system {
            System::Sentry => AccountSection::Sentry(SentrySection {
                org: scope.to_owned(),
                members: rows
                    .into_iter()
                    .map(|r| SentryMember {
                        email: r.email,
                        role: r.role,
                        pending: false,
                        expired: false,
                    })
                    .collect(),
            }),
            System::Fastly => AccountSection::Fastly(FastlySection {
                customer_id: scope.to_owned(),
                users: rows
                    .into_iter()
                    .map(|r| FastlyUser {
                        login: r.email,
                        role: r.role,
                        limit_services: false,
                    })
                    .collect(),
            }),
            System::Pagerduty => AccountSection::Pagerduty(UsersSection { users: rows }),
            System::Signon => AccountSection::Signon(UsersSection { users: rows }),
            System::Gcp => AccountSection::Gcp(MembersSection { members: rows }),
            System::Logit => AccountSection::Logit(MembersSection { members: rows }),
            System::Github | System::Aws => return None,
        })
    }

    /// The section as the JSON value the snapshot holds under the system's name.
    pub fn to_json(&self) -> serde_json::Value {
        let value = match self {
            AccountSection::Sentry(s) => serde_json::to_value(s),
            AccountSection::Fastly(s) => serde_json::to_value(s),
            AccountSection::Pagerduty(s) | AccountSection::Signon(s) => serde_json::to_value(s),
            AccountSection::Gcp(s) | AccountSection::Logit(s) => serde_json::to_value(s),
        };
        value.unwrap_or(serde_json::Value::Null)
    }

    /// Read `system`'s section from the snapshot's JSON value.
    pub fn from_json(system: System, value: serde_json::Value) -> Result<AccountSection, String> {
        let err = |e: serde_json::Error| format!("the snapshot's {system} section: {e}");
        Ok(match system {
            System::Sentry => AccountSection::Sentry(serde_json::from_value(value).map_err(err)?),
            System::Fastly => AccountSection::Fastly(serde_json::from_value(value).map_err(err)?),
            System::Pagerduty => {
                AccountSection::Pagerduty(serde_json::from_value(value).map_err(err)?)
            }
            System::Signon => AccountSection::Signon(serde_json::from_value(value).map_err(err)?),
            System::Gcp => AccountSection::Gcp(serde_json::from_value(value).map_err(err)?),
            System::Logit => AccountSection::Logit(serde_json::from_value(value).map_err(err)?),
            System::Github | System::Aws => {
                return Err(format!("{system} is not an account system"));
            }
        })
    }

    /// The neutral holdings the findings compare.
    pub fn holdings(&self) -> Vec<Holding> {
        let rows = |rows: &[EmailRole]| -> Vec<Holding> {
            rows.iter()
                .map(|r| Holding::new(&r.email, &r.role))
                .collect()
        };
        match self {
            AccountSection::Sentry(s) => s
                .members
                .iter()
                .map(|m| Holding {
                    pending: m.pending,
                    expired: m.expired,
                    ..Holding::new(&m.email, &m.role)
                })
                .collect(),
            AccountSection::Fastly(s) => s
                .users
                .iter()
                .map(|u| Holding {
                    limit_services: u.limit_services,
                    ..Holding::new(&u.login, &u.role)
                })
                .collect(),
            AccountSection::Pagerduty(s) | AccountSection::Signon(s) => rows(&s.users),
            AccountSection::Gcp(s) | AccountSection::Logit(s) => rows(&s.members),
        }
    }
}

/// Where a system's data came from, and when: recorded in the report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// Read live from the API at this URL.
    Api { url: String },
    /// Read from an `--export` file, in this format.
    Export {
        path: PathBuf,
        format: export::Format,
    },
    /// Read from a `--snapshot` file.
    Snapshot { path: PathBuf },
}

impl Origin {
    /// `api`, `export` or `snapshot`.
    pub fn kind(&self) -> &'static str {
        match self {
            Origin::Api { .. } => "api",
            Origin::Export { .. } => "export",
            Origin::Snapshot { .. } => "snapshot",
        }
    }
}

/// One account system read whole.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountRead {
    pub section: AccountSection,
    pub origin: Origin,
    /// When the data was read (API), exported (an export's `exported_at`, else the file's
    /// modification time) or fetched (the snapshot's `fetched_at`).
    pub at: Option<DateTime<Utc>>,
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn sections_have_the_contract_shape() {
        let sentry = AccountSection::Sentry(SentrySection {
            org: "govuk".into(),
            members: vec![SentryMember {
                email: "a@x".into(),
                role: "admin".into(),
                pending: false,
                expired: false,
            }],
        });
        assert_eq!(
            sentry.to_json(),
            serde_json::json!({"org": "govuk", "members": [{"email": "a@x", "role": "admin", "pending": false, "expired": false}]})
        );
        let fastly = serde_json::json!({"customer_id": "abc123", "users": [{"login": "a@x", "role": "engineer", "limit_services": false}]});
        let read = AccountSection::from_json(System::Fastly, fastly.clone()).unwrap();
        assert_eq!(read.to_json(), fastly);
        for (system, key) in [
            (System::Pagerduty, "users"),
            (System::Signon, "users"),
            (System::Gcp, "members"),
            (System::Logit, "members"),
        ] {
            let value = serde_json::json!({key: [{"email": "a@x", "role": "r"}]});
            let section = AccountSection::from_json(system, value.clone()).unwrap();
            assert_eq!(section.system(), system);
            assert_eq!(section.to_json(), value);
            assert_eq!(section.holdings(), vec![Holding::new("a@x", "r")]);
        }
        let err = AccountSection::from_json(System::Sentry, serde_json::json!({"members": []}))
            .unwrap_err();
        assert!(
            err.contains("sentry section") && err.contains("org"),
            "{err}"
        );
        assert!(AccountSection::from_json(System::Github, serde_json::json!({})).is_err());
    }

    #[test]
    fn rows_become_sections_with_their_scope() {
        let rows = vec![EmailRole {
            email: "a@x".into(),
            role: "engineer".into(),
        }];
        let s = AccountSection::from_rows(System::Fastly, rows.clone(), "abc123").unwrap();
        assert_eq!(
            s.to_json(),
            serde_json::json!({"customer_id": "abc123", "users": [{"login": "a@x", "role": "engineer", "limit_services": false}]})
        );
        let s = AccountSection::from_rows(System::Sentry, rows.clone(), "govuk").unwrap();
        assert!(!s.holdings()[0].pending);
        assert!(AccountSection::from_rows(System::Aws, rows, "").is_none());
        assert!(is_multi_valued(System::Logit) && !is_multi_valued(System::Signon));
        assert!(is_account_system(System::Gcp) && !is_account_system(System::Github));
    }
}
