//! The AWS findings, pure: (people, `systems.aws`, temporary admins, the `aws` section read,
//! today) -> findings, as the contract's "AWS IAM" part says.
//!
//! Only accounts present in the section are checked: an account not read whole is left out of
//! the section by the reader (and named in `errors[]` by the caller), so it yields no findings.

use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDate;

use super::mapping::{AwsAccount, AwsMapping, local_part, role_name};
use super::snapshot::{AccountRoles, AwsSection};
use super::trust;
use crate::access::System;
use crate::config::Person;
use crate::config::temporary_admin::TemporaryAdmin;
use crate::finding::{Finding, Kind, Severity};

/// Why a person is expected to hold a role.
#[derive(Debug, Clone, Copy)]
enum Grant<'a> {
    /// Their config role grants the suffix in this account.
    Role(&'a str),
    /// An unexpired temporary_admin.yml entry, until this date.
    Temporary(&'a TemporaryAdmin),
}

/// Every AWS finding for the accounts in `section`, in account order (as in the mapping), then
/// role name, then kind.
pub fn aws_findings(
    people: &[Person],
    mapping: &AwsMapping,
    temporary: &[TemporaryAdmin],
    section: &AwsSection,
    today: NaiveDate,
) -> Vec<Finding> {
    // People with an email, by lower-cased local part (several people may share one).
    let mut by_local: HashMap<String, Vec<&Person>> = HashMap::new();
    for p in people {
        if let Some(email) = &p.email {
            by_local
                .entry(local_part(&email.value).to_lowercase())
                .or_default()
                .push(p);
        }
    }
    let mut out = Vec::new();
    for (name, account) in &mapping.accounts {
        if let Some(read) = section.accounts.get(name) {
            let ctx = Account {
                name,
                account,
                read,
                mapping,
                people,
                by_local: &by_local,
                temporary,
                today,
            };
            out.extend(ctx.findings());
        }
    }
    out
}

struct Account<'a> {
    name: &'a str,
    account: &'a AwsAccount,
    read: &'a AccountRoles,
    mapping: &'a AwsMapping,
    people: &'a [Person],
    by_local: &'a HashMap<String, Vec<&'a Person>>,
    temporary: &'a [TemporaryAdmin],
    today: NaiveDate,
}

impl<'a> Account<'a> {
    /// Lower-cased role name -> (the role name as the config spells it, who, why).
    fn expected(&self) -> BTreeMap<String, (String, &'a Person, Grant<'a>)> {
        let mut expected = BTreeMap::new();
        for p in self.people {
            let Some(email) = p.email.as_ref().map(|e| e.value.as_str()) else {
                continue;
            };
            if let Some(role) = p.role() {
                for suffix in self.account.roles.get(role).into_iter().flatten() {
                    let name = role_name(email, suffix);
                    expected
                        .entry(name.to_lowercase())
                        .or_insert((name, p, Grant::Role(role)));
                }
            }
            let live = self
                .temporary
                .iter()
                .filter(|t| t.is_for(email) && !t.expired(self.today))
                .max_by_key(|t| t.expires_at.value);
            if let Some(entry) = live {
                for suffix in &self.account.temporary {
                    let name = role_name(email, suffix);
                    expected.entry(name.to_lowercase()).or_insert((
                        name,
                        p,
                        Grant::Temporary(entry),
                    ));
                }
            }
        }
        expected
    }

    fn resource(&self, role: &str) -> String {
        format!("{}:{}", self.name, role)
    }

    fn finding(&self, kind: Kind, severity: Severity, role: &str, who: Option<&Person>) -> Finding {
        let mut f = Finding::new(kind, severity, String::new());
        f.system = Some(System::Aws);
        f.resource = Some(self.resource(role));
        f.account = Some(self.name.to_owned());
        if let Some(p) = who {
            f.name = Some(p.name.value.clone());
            f.email = p.email.as_ref().map(|e| e.value.clone());
            f.github_username = p.login().map(str::to_owned);
            f.declared_role = p.role().map(str::to_owned);
            f.in_config = true;
            f.line = Some(p.pos.line);
        }
        f
    }

    fn where_(&self) -> String {
        format!("the {} account ({})", self.name, self.account.id)
    }

    fn findings(&self) -> Vec<Finding> {
        let expected = self.expected();
        let mut out = Vec::new();
        let mut held: HashMap<String, ()> = HashMap::new();
        let mut roles: Vec<_> = self.read.roles.iter().collect();
        roles.sort_by_key(|r| r.name.to_lowercase());
        for role in roles {
            let Some((local, suffix)) = self.mapping.managed(&role.name) else {
                continue;
            };
            let lower = role.name.to_lowercase();
            held.insert(lower.clone(), ());
            let known = self
                .by_local
                .get(&local.to_lowercase())
                .map(Vec::as_slice)
                .unwrap_or(&[]);
            if !expected.contains_key(&lower) {
                out.push(self.not_granted(&role.name, suffix, known));
            }
            if let Some(first) = known.first() {
                out.extend(self.trust(&role.name, &role.trust_policy, known, first));
            }
        }
        for (lower, (name, who, grant)) in &expected {
            if !held.contains_key(lower) {
                out.push(self.missing(name, who, *grant));
            }
        }
        out.sort_by(|a, b| {
            let key = |f: &Finding| f.resource.as_deref().map(str::to_lowercase);
            key(a).cmp(&key(b)).then(a.kind.cmp(&b.kind))
        });
        out
    }

    fn missing(&self, role: &str, who: &Person, grant: Grant<'_>) -> Finding {
        let mut f = self.finding(Kind::Missing, Severity::Medium, role, Some(who));
        let email = f.email.clone().unwrap_or_default();
        let because = match grant {
            Grant::Role(r) => format!("`role: {r}`"),
            Grant::Temporary(t) => format!(
                "their temporary admin entry (temporary_admin.yml line {}, until {})",
                t.pos.line, t.expires_at.value
            ),
        };
        f.message = format!(
            "{} should have the AWS role {role} in {} for {because}, but it does not exist",
            who.name.value,
            self.where_()
        );
        f.fix = format!(
            "create the role {role} in {}, trusting only {} with MFA, or change the config",
            self.name,
            self.mapping.user_arn(&email)
        );
        f
    }

    /// A managed role nobody is granted: `expired_temporary_access` when it is a temporary
    /// suffix of someone whose entry has expired, else `unexpected_member`.
    fn not_granted(&self, role: &str, suffix: &str, known: &[&Person]) -> Finding {
        let is_temporary = self
            .account
            .temporary
            .iter()
            .any(|s| s.eq_ignore_ascii_case(suffix));
        if is_temporary {
            let expired = known.iter().find_map(|p| {
                let email = &p.email.as_ref()?.value;
                self.temporary
                    .iter()
                    .filter(|t| t.is_for(email))
                    .max_by_key(|t| t.expires_at.value)
                    .map(|t| (*p, t))
            });
            if let Some((p, t)) = expired {
                let mut f =
                    self.finding(Kind::ExpiredTemporaryAccess, Severity::High, role, Some(p));
                f.expired = Some(true);
                f.message = format!(
                    "{}'s temporary admin access expired on {} (temporary_admin.yml line {}), but the role {role} still exists in {}",
                    p.name.value,
                    t.expires_at.value,
                    t.pos.line,
                    self.where_()
                );
                f.fix = format!(
                    "delete the role {role} from {}, or extend `expires_at` in temporary_admin.yml if the access is still needed",
                    self.name
                );
                return f;
            }
        }
        let who = known.first().copied();
        let mut f = self.finding(Kind::UnexpectedMember, Severity::High, role, who);
        f.message = match who {
            None => format!(
                "the AWS role {role} in {} belongs to no one in the config (no email has the local part {:?})",
                self.where_(),
                local_of(role, suffix)
            ),
            Some(p) => match p.role() {
                Some(r) => format!(
                    "{} has the AWS role {role} in {}, which `role: {r}` does not grant there",
                    p.name.value,
                    self.where_()
                ),
                None if is_temporary => format!(
                    "{} has the AWS role {role} in {}, with no role in the config and no temporary_admin.yml entry",
                    p.name.value,
                    self.where_()
                ),
                None => format!(
                    "{} has the AWS role {role} in {}, but no role in the config",
                    p.name.value,
                    self.where_()
                ),
            },
        };
        f.fix = format!(
            "delete the role {role} from {} (a stray role is access nobody approved), or grant it in the config",
            self.name
        );
        f
    }

    fn trust(
        &self,
        role: &str,
        policy: &serde_json::Value,
        known: &[&Person],
        first: &Person,
    ) -> Vec<Finding> {
        let own: Vec<String> = known
            .iter()
            .filter_map(|p| p.email.as_ref())
            .map(|e| self.mapping.user_arn(&e.value))
            .collect();
        let check = trust::check(policy, &own);
        let own_list = own.join(" or ");
        let mut out = Vec::new();
        if let Some(why) = &check.unparsable {
            let mut f = self.finding(Kind::UntrustedPrincipal, Severity::High, role, Some(first));
            f.message = format!(
                "the trust policy of the AWS role {role} in {} cannot be parsed ({why}), so who can assume it is unknown",
                self.where_()
            );
            f.fix =
                format!("rewrite the trust policy of {role} to allow only {own_list}, with MFA");
            out.push(f);
        } else if !check.untrusted.is_empty() {
            let mut f = self.finding(Kind::UntrustedPrincipal, Severity::High, role, Some(first));
            f.message = format!(
                "the AWS role {role} in {} can be assumed by {}, not only by {own_list}",
                self.where_(),
                check.untrusted.join(", ")
            );
            f.fix =
                format!("remove every principal but {own_list} from the trust policy of {role}");
            out.push(f);
        }
        if check.mfa_not_required {
            let mut f = self.finding(Kind::MfaNotRequired, Severity::High, role, Some(first));
            f.message = format!(
                "the AWS role {role} in {} can be assumed by {own_list} without MFA",
                self.where_()
            );
            f.fix = format!(
                "add the condition {{\"Bool\": {{\"aws:MultiFactorAuthPresent\": \"true\"}}}} to the statement of {role}'s trust policy that allows {own_list}"
            );
            out.push(f);
        }
        out
    }
}

fn local_of<'r>(role: &'r str, suffix: &str) -> &'r str {
    &role[..role.len().saturating_sub(suffix.len() + 1)]
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::config::{Located, Pos};
    use crate::sources::aws::snapshot::RoleEntry;
    use serde_json::{Value, json};

    const USERS: &str = "999999999999";

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn person(name: &str, email: &str, role: Option<&str>, line: usize) -> Person {
        let mut p = Person::named(name, line);
        let pos = Pos { line, col: 3 };
        p.email = Some(Located::new(email.to_owned(), pos));
        p.role = role.map(|r| Located::new(r.to_owned(), pos));
        p
    }

    fn temp(email: &str, expires: &str, line: usize) -> TemporaryAdmin {
        let pos = Pos { line, col: 3 };
        TemporaryAdmin {
            pos,
            name: Located::new("x".into(), pos),
            email_address: Located::new(email.into(), pos),
            expires_at: Located::new(day(expires), pos),
            why_do_they_need_access: Located::new("incident".into(), pos),
        }
    }

    fn mapping() -> AwsMapping {
        let staging = AwsAccount {
            id: "111111111111".into(),
            read_role: None,
            roles: BTreeMap::from([
                ("production_deploy_access".into(), vec!["developer".into()]),
                (
                    "production_admin_access".into(),
                    vec!["developer".into(), "fulladmin".into()],
                ),
            ]),
            temporary: vec!["tempadmin".into()],
        };
        let production = AwsAccount {
            id: "222222222222".into(),
            read_role: None,
            roles: BTreeMap::from([("production_admin_access".into(), vec!["developer".into()])]),
            temporary: vec!["tempadmin".into()],
        };
        AwsMapping {
            users_account: USERS.into(),
            suffixes: ["developer", "fulladmin", "platformengineer", "tempadmin"]
                .map(String::from)
                .to_vec(),
            ignore: vec!["break.glass-fulladmin".into()],
            accounts: BTreeMap::from([
                ("staging".into(), staging),
                ("production".into(), production),
            ]),
        }
    }

    fn good(email: &str) -> Value {
        json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
            "Principal": {"AWS": format!("arn:aws:iam::{USERS}:user/{email}")},
            "Action": "sts:AssumeRole",
            "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}}}]})
    }

    fn section(accounts: &[(&str, &str, Vec<(&str, Value)>)]) -> AwsSection {
        AwsSection {
            accounts: accounts
                .iter()
                .map(|(name, id, roles)| {
                    let roles = roles
                        .iter()
                        .map(|(n, p)| RoleEntry {
                            name: (*n).to_owned(),
                            trust_policy: p.clone(),
                        })
                        .collect();
                    (
                        (*name).to_owned(),
                        AccountRoles {
                            id: (*id).to_owned(),
                            roles,
                        },
                    )
                })
                .collect(),
        }
    }

    fn kinds(findings: &[Finding]) -> Vec<(String, &'static str)> {
        findings
            .iter()
            .map(|f| (f.resource.clone().unwrap(), f.kind.as_str()))
            .collect()
    }

    const JANE: &str = "jane.doe@x.gov.uk";
    const BOB: &str = "bob@x.gov.uk";

    fn people() -> Vec<Person> {
        vec![
            person("Jane Doe", JANE, Some("production_admin_access"), 2),
            person("Bob", BOB, Some("production_deploy_access"), 8),
            person("No Role", "norole@x.gov.uk", None, 14),
        ]
    }

    #[test]
    fn a_clean_account_has_no_findings() {
        let s = section(&[(
            "staging",
            "111111111111",
            vec![
                ("jane.doe-developer", good(JANE)),
                ("Jane.Doe-FullAdmin", good("JANE.DOE@x.gov.uk")),
                ("bob-developer", good(BOB)),
                ("some-service-role", json!("unparsable but not managed")),
                ("break.glass-fulladmin", json!("ignored")),
            ],
        )]);
        let f = aws_findings(&people(), &mapping(), &[], &s, day("2026-01-01"));
        assert_eq!(kinds(&f), vec![]);
    }

    #[test]
    fn missing_and_unexpected_roles() {
        let s = section(&[(
            "staging",
            "111111111111",
            vec![
                ("jane.doe-developer", good(JANE)),
                ("bob-developer", good(BOB)),
                ("bob-fulladmin", good(BOB)),
                ("ghost-platformengineer", json!({"Statement": []})),
                ("norole-developer", good("norole@x.gov.uk")),
            ],
        )]);
        let f = aws_findings(&people(), &mapping(), &[], &s, day("2026-01-01"));
        assert_eq!(
            kinds(&f),
            vec![
                ("staging:bob-fulladmin".into(), "unexpected_member"),
                ("staging:ghost-platformengineer".into(), "unexpected_member"),
                ("staging:jane.doe-fulladmin".into(), "missing"),
                ("staging:norole-developer".into(), "unexpected_member"),
            ]
        );
        let missing = &f[2];
        assert_eq!(missing.severity, Severity::Medium);
        assert_eq!(missing.system, Some(System::Aws));
        assert_eq!(missing.account.as_deref(), Some("staging"));
        assert_eq!(missing.email.as_deref(), Some(JANE));
        assert_eq!(missing.line, Some(2));
        assert!(missing.message.contains("`role: production_admin_access`"));
        assert!(
            missing
                .fix
                .contains("arn:aws:iam::999999999999:user/jane.doe@x.gov.uk")
        );
        assert_eq!(f[0].severity, Severity::High);
        assert!(
            f[0].message
                .contains("`role: production_deploy_access` does not grant")
        );
        assert!(!f[1].in_config);
        assert_eq!(f[1].email, None);
        assert!(
            f[1].message
                .contains("no email has the local part \"ghost\""),
            "{}",
            f[1].message
        );
        assert!(f[3].message.contains("no role in the config"));
    }

    #[test]
    fn temporary_access_while_unexpired_and_after() {
        let s = section(&[
            (
                "staging",
                "111111111111",
                vec![
                    ("jane.doe-developer", good(JANE)),
                    ("jane.doe-fulladmin", good(JANE)),
                    ("bob-developer", good(BOB)),
                    ("bob-tempadmin", good(BOB)),
                    ("norole-tempadmin", good("norole@x.gov.uk")),
                ],
            ),
            (
                "production",
                "222222222222",
                vec![("jane.doe-developer", good(JANE))],
            ),
        ]);
        let temporary = [
            temp(BOB, "2026-01-10", 1),
            temp("NoRole@x.gov.uk", "2025-12-31", 6),
        ];
        // Bob's entry holds on its last day: his tempadmin is expected in both accounts.
        let f = aws_findings(&people(), &mapping(), &temporary, &s, day("2026-01-10"));
        assert_eq!(
            kinds(&f),
            vec![
                (
                    "staging:norole-tempadmin".into(),
                    "expired_temporary_access"
                ),
                ("production:bob-tempadmin".into(), "missing"),
            ]
            .into_iter()
            .rev()
            .collect::<Vec<_>>()
        );
        assert!(
            f[0].message
                .contains("temporary admin entry (temporary_admin.yml line 1, until 2026-01-10)")
        );
        assert_eq!(f[1].severity, Severity::High);
        assert!(
            f[1].message
                .contains("expired on 2025-12-31 (temporary_admin.yml line 6)")
        );
        // A day later Bob's has expired too.
        let f = aws_findings(&people(), &mapping(), &temporary, &s, day("2026-01-11"));
        assert_eq!(
            kinds(&f),
            vec![
                ("staging:bob-tempadmin".into(), "expired_temporary_access"),
                (
                    "staging:norole-tempadmin".into(),
                    "expired_temporary_access"
                ),
            ]
        );
        // Without any entry, a tempadmin role is simply unexpected.
        let f = aws_findings(&people(), &mapping(), &[], &s, day("2026-01-11"));
        assert_eq!(f[0].kind, Kind::UnexpectedMember);
        assert!(
            f[1].message.contains("no temporary_admin.yml entry"),
            "{}",
            f[1].message
        );
    }

    #[test]
    fn trust_findings_apply_to_expected_and_unexpected_roles() {
        let mut open = good(JANE);
        open["Statement"][0]["Principal"]["AWS"] = json!([
            format!("arn:aws:iam::{USERS}:user/{JANE}"),
            "arn:aws:iam::999999999999:root"
        ]);
        let mut no_mfa = good(JANE);
        no_mfa["Statement"][0]
            .as_object_mut()
            .unwrap()
            .remove("Condition");
        let mut star = no_mfa.clone();
        star["Statement"][0]["Principal"] = json!("*");
        let s = section(&[(
            "staging",
            "111111111111",
            vec![
                ("jane.doe-developer", open),
                ("jane.doe-fulladmin", no_mfa),
                ("jane.doe-platformengineer", json!("%7Bnot json")),
                ("bob-developer", star),
                (
                    "ghost-developer",
                    json!("unknown people get no trust findings"),
                ),
            ],
        )]);
        let f = aws_findings(&people(), &mapping(), &[], &s, day("2026-01-01"));
        assert_eq!(
            kinds(&f),
            vec![
                ("staging:bob-developer".into(), "untrusted_principal"),
                ("staging:ghost-developer".into(), "unexpected_member"),
                ("staging:jane.doe-developer".into(), "untrusted_principal"),
                ("staging:jane.doe-fulladmin".into(), "mfa_not_required"),
                (
                    "staging:jane.doe-platformengineer".into(),
                    "unexpected_member"
                ),
                (
                    "staging:jane.doe-platformengineer".into(),
                    "untrusted_principal"
                ),
            ]
        );
        assert!(
            f[0].message.contains("can be assumed by *,"),
            "{}",
            f[0].message
        );
        assert!(
            f[2].message
                .contains("by arn:aws:iam::999999999999:root, not only")
        );
        assert!(f[3].message.contains("without MFA"));
        assert!(
            f[5].message
                .contains("cannot be parsed (the trust policy is not JSON)")
        );
        assert!(f.iter().all(|f| f.severity == Severity::High));
    }

    #[test]
    fn unread_accounts_and_accounts_outside_the_mapping_give_nothing() {
        let s = section(&[(
            "elsewhere",
            "333333333333",
            vec![("bob-fulladmin", json!(1))],
        )]);
        let f = aws_findings(&people(), &mapping(), &[], &s, day("2026-01-01"));
        assert!(f.is_empty(), "{f:?}");
    }

    #[test]
    fn people_sharing_a_local_part_each_trust_their_own_user() {
        let mut ps = people();
        ps.push(person("Jane Other", "jane.doe@other.gov.uk", None, 20));
        let mut both = good(JANE);
        both["Statement"][0]["Principal"]["AWS"] = json!([
            format!("arn:aws:iam::{USERS}:user/{JANE}"),
            format!("arn:aws:iam::{USERS}:user/jane.doe@other.gov.uk"),
        ]);
        let s = section(&[(
            "staging",
            "111111111111",
            vec![
                ("jane.doe-developer", both),
                ("jane.doe-fulladmin", good(JANE)),
                ("bob-developer", good(BOB)),
            ],
        )]);
        let f = aws_findings(&ps, &mapping(), &[], &s, day("2026-01-01"));
        assert!(f.is_empty(), "{:?}", kinds(&f));
    }
}
