//! Findings grouped by person, so a deploy person sitting in the admin team reads as one role
//! mismatch rather than two unrelated lines.

use crate::finding::{Finding, Kind, Severity};

/// Every finding about one person (or one undeclared login), in report order.
#[derive(Debug)]
pub struct PersonGroup<'a> {
    pub name: Option<&'a str>,
    pub login: Option<&'a str>,
    pub declared_role: Option<&'a str>,
    pub in_config: bool,
    /// The entry's line (the smallest line among the findings).
    pub line: Option<usize>,
    /// The most severe finding's severity.
    pub worst: Severity,
    pub findings: Vec<&'a Finding>,
}

impl PersonGroup<'_> {
    /// `Name (login)`, `Name`, or `login`.
    pub fn label(&self) -> String {
        match (self.name, self.login) {
            (Some(n), Some(l)) => format!("{n} ({l})"),
            (Some(n), None) => n.to_owned(),
            (None, Some(l)) => l.to_owned(),
            (None, None) => "(unknown)".to_owned(),
        }
    }

    /// When the person sits in teams their role does not grant and is missing from teams it
    /// does grant: (teams they are in without cause, teams they are missing from).
    pub fn role_mismatch(&self) -> Option<(Vec<&str>, Vec<&str>)> {
        if !self.in_config {
            return None;
        }
        let teams = |kind: Kind| -> Vec<&str> {
            self.findings
                .iter()
                .filter(|f| f.kind == kind)
                .filter_map(|f| f.team.as_deref())
                .collect()
        };
        let extra = teams(Kind::UnexpectedMember);
        let mut missing = teams(Kind::Missing);
        missing.extend(teams(Kind::PendingInvitation));
        (!extra.is_empty() && !missing.is_empty()).then_some((extra, missing))
    }
}

/// Group findings by person (`Finding::person_key`), most severe group first, then by key;
/// within a group, findings keep their order (already sorted by severity).
pub fn by_person(findings: &[Finding]) -> Vec<PersonGroup<'_>> {
    let mut groups: Vec<(String, PersonGroup<'_>)> = Vec::new();
    let mut index: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    for f in findings {
        let key = f.person_key();
        let group = match index.get(&key) {
            Some(&i) => &mut groups[i].1,
            None => {
                index.insert(key.clone(), groups.len());
                groups.push((
                    key,
                    PersonGroup {
                        name: None,
                        login: None,
                        declared_role: None,
                        in_config: false,
                        line: None,
                        worst: f.severity,
                        findings: Vec::new(),
                    },
                ));
                let last = groups.len() - 1;
                &mut groups[last].1
            }
        };
        group.name = group.name.or(f.name.as_deref());
        // An undeclared holder of an email-identified system is named by the email.
        group.login = group
            .login
            .or(f.github_username.as_deref())
            .or(if f.in_config {
                None
            } else {
                f.email.as_deref()
            });
        group.declared_role = group.declared_role.or(f.declared_role.as_deref());
        group.in_config |= f.in_config;
        group.line = match (group.line, f.line) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        group.worst = group.worst.max(f.severity);
        group.findings.push(f);
    }
    groups.sort_by(|(ka, a), (kb, b)| b.worst.cmp(&a.worst).then_with(|| ka.cmp(kb)));
    groups.into_iter().map(|(_, g)| g).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f(kind: Kind, sev: Severity, login: &str, team: &str) -> Finding {
        Finding {
            github_username: Some(login.to_owned()),
            team: Some(team.to_owned()),
            in_config: true,
            ..Finding::new(kind, sev, "m")
        }
    }

    #[test]
    fn groups_by_person_worst_first_and_spots_role_mismatch() {
        let mut findings = vec![
            f(Kind::Missing, Severity::Medium, "zed", "deploy"),
            f(Kind::Missing, Severity::Medium, "dee", "deploy"),
            f(Kind::UnexpectedMember, Severity::High, "Dee", "admin"),
        ];
        crate::finding::sort(&mut findings);
        let groups = by_person(&findings);
        assert_eq!(groups.len(), 2);
        assert_eq!(groups[0].worst, Severity::High);
        assert_eq!(groups[0].findings.len(), 2);
        assert_eq!(
            groups[0].role_mismatch(),
            Some((vec!["admin"], vec!["deploy"]))
        );
        assert_eq!(groups[1].login, Some("zed"));
        assert_eq!(groups[1].role_mismatch(), None);
    }
}
