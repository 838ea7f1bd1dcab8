//! The systems production access is granted in, and how each identifies a person. A leaf
//! module: the config, findings and the access model all name systems, and none of them needs
//! the others for it.

use std::fmt;
use std::str::FromStr;

/// A system that production access is granted in. The order is the order systems are listed in
/// reports (GitHub first, as in v1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum System {
    Github,
    Aws,
    Sentry,
    Fastly,
    Pagerduty,
    Signon,
    Gcp,
    Logit,
}

impl System {
    /// Every system, in report order.
    pub const ALL: [System; 8] = [
        System::Github,
        System::Aws,
        System::Sentry,
        System::Fastly,
        System::Pagerduty,
        System::Signon,
        System::Gcp,
        System::Logit,
    ];

    /// The name used in the mapping (`systems.<name>`), in `--system`, in snapshots and in JSON.
    pub const fn as_str(self) -> &'static str {
        match self {
            System::Github => "github",
            System::Aws => "aws",
            System::Sentry => "sentry",
            System::Fastly => "fastly",
            System::Pagerduty => "pagerduty",
            System::Signon => "signon",
            System::Gcp => "gcp",
            System::Logit => "logit",
        }
    }

    /// Every system name, for messages ("the systems are github, aws, ...").
    pub fn names() -> Vec<&'static str> {
        System::ALL.iter().map(|s| s.as_str()).collect()
    }

    /// The roles of a single-valued account system, lowest first (the contract's ranks): a
    /// `wrong_role` is high when the role held ranks above the one expected. `None` for systems
    /// without a rank order (GitHub teams, AWS roles, Logit teams).
    pub const fn ranks(self) -> Option<&'static [&'static str]> {
        match self {
            System::Sentry => Some(&["member", "admin", "manager", "owner"]),
            System::Fastly => Some(&["user", "billing", "engineer", "superuser"]),
            System::Pagerduty => Some(&[
                "read_only_limited_user",
                "read_only_user",
                "observer",
                "limited_user",
                "restricted_access",
                "user",
                "manager",
                "admin",
                "owner",
            ]),
            System::Signon => Some(&[
                "Normal",
                "Organisation admin",
                "Super organisation admin",
                "Admin",
                "Superadmin",
            ]),
            System::Gcp => Some(&["member", "manager", "owner"]),
            System::Github | System::Aws | System::Logit => None,
        }
    }

    /// How a person is identified in this system: GitHub by `github_username`, every other
    /// system by `email` (both compared case-insensitively).
    pub const fn identity(self) -> Identity {
        match self {
            System::Github => Identity::Login,
            _ => Identity::Email,
        }
    }
}

impl fmt::Display for System {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A name that is not one of [`System::ALL`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown system {name:?}; the systems are {all}", name = .0, all = System::names().join(", "))]
pub struct UnknownSystem(pub String);

impl FromStr for System {
    type Err = UnknownSystem;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        System::ALL
            .into_iter()
            .find(|sys| sys.as_str() == s)
            .ok_or_else(|| UnknownSystem(s.to_owned()))
    }
}

/// Which config field identifies a person in a system.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Identity {
    /// `github_username`.
    Login,
    /// `email`.
    Email,
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_are_unique() {
        let mut seen = std::collections::HashSet::new();
        for sys in System::ALL {
            assert!(seen.insert(sys.as_str()), "{sys} twice");
            assert_eq!(sys.as_str().parse::<System>(), Ok(sys));
        }
        let err = "jira".parse::<System>().unwrap_err();
        assert!(err.to_string().contains("github, aws, sentry"), "{err}");
    }
}
