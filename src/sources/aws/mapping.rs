//! The naming rules of per-person roles (`<local part of the email>-<suffix>`) over `systems.aws`
//! of the v2 mapping (parsed in `config::systems`).

pub use crate::config::systems::{AwsAccount, AwsMapping};

impl AwsMapping {
    /// The trust principal of the person with this email.
    pub fn user_arn(&self, email: &str) -> String {
        format!("arn:aws:iam::{}:user/{}", self.users_account, email)
    }

    /// Whether a role name is in `ignore`.
    pub fn is_ignored(&self, role: &str) -> bool {
        self.ignore.iter().any(|i| i.eq_ignore_ascii_case(role))
    }

    /// Split a managed role name into (local part, suffix as in `suffixes`): the name ends with
    /// `-<suffix>` for a managed suffix (the longest one that fits), the local part is not empty,
    /// and the name is not ignored. `None` for every other role.
    pub fn managed<'m>(&'m self, role: &str) -> Option<(String, &'m str)> {
        if self.is_ignored(role) {
            return None;
        }
        let lower = role.to_ascii_lowercase();
        self.suffixes
            .iter()
            .filter(|s| {
                let tail = format!("-{}", s.to_ascii_lowercase());
                lower.len() > tail.len() && lower.ends_with(&tail)
            })
            .max_by_key(|s| s.len())
            .map(|s| (role[..role.len() - s.len() - 1].to_owned(), s.as_str()))
    }
}

/// The local part of an email (before the last `@`), or the whole text when it has none.
pub fn local_part(email: &str) -> &str {
    email
        .rsplit_once('@')
        .map_or(email, |(local, _)| local)
        .trim()
}

/// The name of a person's role for a suffix: `<local part>-<suffix>`.
pub fn role_name(email: &str, suffix: &str) -> String {
    format!("{}-{}", local_part(email), suffix)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn mapping() -> AwsMapping {
        AwsMapping {
            users_account: "999999999999".into(),
            suffixes: vec!["developer".into(), "admin".into(), "fulladmin".into()],
            ignore: vec!["ci-Developer".into()],
            accounts: BTreeMap::new(),
        }
    }

    #[test]
    fn managed_roles_split_on_the_longest_suffix() {
        let m = mapping();
        assert_eq!(
            m.managed("jane.doe-developer"),
            Some(("jane.doe".into(), "developer"))
        );
        assert_eq!(
            m.managed("Jane.Doe-FULLADMIN"),
            Some(("Jane.Doe".into(), "fulladmin"))
        );
        assert_eq!(
            m.managed("jane-full-admin"),
            Some(("jane-full".into(), "admin"))
        );
        assert_eq!(m.managed("-developer"), None);
        assert_eq!(m.managed("developer"), None);
        assert_eq!(m.managed("jane.doe-readonly"), None);
        assert_eq!(m.managed("jane.doedeveloper"), None);
        assert_eq!(
            m.managed("CI-developer"),
            None,
            "ignored, case-insensitively"
        );
    }

    #[test]
    fn names_and_arns() {
        let m = mapping();
        assert_eq!(local_part("Jane.Doe@x.gov.uk"), "Jane.Doe");
        assert_eq!(local_part("nobody"), "nobody");
        assert_eq!(role_name("jane.doe@x", "developer"), "jane.doe-developer");
        assert_eq!(
            m.user_arn("jane.doe@x"),
            "arn:aws:iam::999999999999:user/jane.doe@x"
        );
    }
}
