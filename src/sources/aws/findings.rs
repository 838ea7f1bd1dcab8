//! The AWS findings, pure: (people, `systems.aws`, temporary admins, the `aws` section read,
//! today) -> findings, as the contract's "AWS IAM" part says.
//!
//! Only accounts present in the section are checked: an account not read whole is left out of
//! the section by the reader (and named in `errors[]` by the caller), so it yields no findings.

use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDate;

use super::mapping::{AwsMapping, local_part, role_name};
use super::snapshot::{AccountRoles, AwsSection};
use super::trust;
use crate::access::System;
use crate::config::Person;
use crate::config::temporary_admin::TemporaryAdmin;
use crate::finding::{Finding, Kind, Severity};

/// Why a person is expected to hold a role.
#[derive(Debug, Clone, Copy)]
pub enum Why<'a> {
    /// Their config role grants the suffix in this account.
    Role(&'a str),
    /// An unexpired temporary_admin.yml entry.
    Temporary(&'a TemporaryAdmin),
}

impl Why<'_> {
    /// For messages: "`role: x`" or "their temporary admin entry (...)".
    pub fn describe(&self) -> String {
        match self {
            Why::Role(r) => format!("`role: {r}`"),
            Why::Temporary(t) => format!(
                "their temporary admin entry (temporary_admin.yml line {}, until {})",
                t.pos.line, t.expires_at.value
            ),
        }
    }
}

/// An expected role: its name as the config spells it, who, and why.
pub type ExpectedRole<'a> = (String, &'a Person, Why<'a>);

/// Every AWS finding for the accounts in `section`, in account order (as in the mapping), then
/// role name, then kind.
pub fn aws_findings(
    people: &[Person],
    mapping: &AwsMapping,
    temporary: &[TemporaryAdmin],
    section: &AwsSection,
    today: NaiveDate,
) -> Vec<Finding> {
    let checker = Checker::new(mapping, people, temporary, today);
    let mut out = Vec::new();
    for name in mapping.accounts.keys() {
        if let Some(read) = section.accounts.get(name) {
            out.extend(checker.account_findings(name, read));
        }
    }
    out
}

/// The AWS checks over one config, mapping, temporary admin list and date.
pub struct Checker<'a> {
    mapping: &'a AwsMapping,
    people: &'a [Person],
    /// People with an email, by lower-cased local part (several people may share one).
    by_local: HashMap<String, Vec<&'a Person>>,
    temporary: &'a [TemporaryAdmin],
    today: NaiveDate,
}

impl<'a> Checker<'a> {
    pub fn new(
        mapping: &'a AwsMapping,
        people: &'a [Person],
        temporary: &'a [TemporaryAdmin],
        today: NaiveDate,
    ) -> Self {
        let mut by_local: HashMap<String, Vec<&Person>> = HashMap::new();
        for p in people {
            if let Some(email) = &p.email {
                by_local
                    .entry(local_part(&email.value).to_ascii_lowercase())
                    .or_default()
                    .push(p);
            }
        }
        Checker {
            mapping,
            people,
            by_local,
            temporary,
            today,
        }
    }

    /// The people whose email's local part is `local` (case-insensitively).
    pub fn known(&self, local: &str) -> &[&'a Person] {
        self.by_local
            .get(&local.to_ascii_lowercase())
            .map(Vec::as_slice)
            .unwrap_or(&[])
    }

    /// The roles expected in `account`: ASCII-lower-cased role name -> (name, who, why).
    pub fn expected(&self, account: &str) -> BTreeMap<String, ExpectedRole<'a>> {
        let mut expected = BTreeMap::new();
        let Some(acct) = self.mapping.accounts.get(account) else {
            return expected;
        };
        for p in self.people {
            let Some(email) = p.email.as_ref().map(|e| e.value.as_str()) else {
                continue;
            };
            if let Some(role) = p.role.as_ref().map(|r| r.value.as_str()) {
                for suffix in acct.roles.get(role).into_iter().flatten() {
                    let name = role_name(email, suffix);
                    expected
                        .entry(name.to_ascii_lowercase())
                        .or_insert((name, p, Why::Role(role)));
                }
            }
            let live = self
                .temporary
                .iter()
                .filter(|t| t.is_for(email) && !t.expired(self.today))
                .max_by_key(|t| t.expires_at.value);
            if let Some(entry) = live {
                for suffix in &acct.temporary {
                    let name = role_name(email, suffix);
                    expected.entry(name.to_ascii_lowercase()).or_insert((
                        name,
                        p,
                        Why::Temporary(entry),
                    ));
                }
            }
        }
        expected
    }

    fn where_(&self, account: &str) -> String {
        let id = self
            .mapping
            .accounts
            .get(account)
            .map_or("", |a| a.id.as_str());
        format!("the {account} account ({id})")
    }

    fn finding(
        &self,
        kind: Kind,
        severity: Severity,
        account: &str,
        role: &str,
        who: Option<&Person>,
    ) -> Finding {
        let mut f = Finding::new(kind, severity, String::new());
        f.system = Some(System::Aws);
        f.resource = Some(format!("{account}:{role}"));
        f.account = Some(account.to_owned());
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

    /// Every finding of one account read whole.
    pub fn account_findings(&self, account: &str, read: &AccountRoles) -> Vec<Finding> {
        let expected = self.expected(account);
        let mut out = Vec::new();
        let mut held: HashMap<String, ()> = HashMap::new();
        let mut roles: Vec<_> = read.roles.iter().collect();
        roles.sort_by_key(|r| r.name.to_ascii_lowercase());
        for role in roles {
            let Some((_, suffix)) = self.mapping.managed(&role.name) else {
                continue;
            };
            let lower = role.name.to_ascii_lowercase();
            held.insert(lower.clone(), ());
            if !expected.contains_key(&lower) {
                out.push(self.not_granted(account, &role.name, suffix));
            }
            out.extend(self.trust(account, &role.name, &role.trust_policy));
        }
        for (lower, (name, who, why)) in &expected {
            if !held.contains_key(lower) {
                out.push(self.missing(account, name, who, *why));
            }
        }
        out.sort_by(|a, b| {
            let key = |f: &Finding| f.resource.as_deref().map(str::to_ascii_lowercase);
            key(a).cmp(&key(b)).then(a.kind.cmp(&b.kind))
        });
        out
    }

    /// `missing`: `who` should hold `role` in `account` because `why`.
    pub fn missing(&self, account: &str, role: &str, who: &Person, why: Why<'_>) -> Finding {
        self.missing_because(account, role, who, &why.describe())
    }

    /// `missing`, with the reason already worded.
    pub fn missing_because(&self, account: &str, role: &str, who: &Person, why: &str) -> Finding {
        let mut f = self.finding(Kind::Missing, Severity::Medium, account, role, Some(who));
        let email = f.email.clone().unwrap_or_default();
        f.message = format!(
            "{} should have the AWS role {role} in {} for {why}, but it does not exist",
            who.name.value,
            self.where_(account),
        );
        f.fix = format!(
            "create the role {role} in {account}, trusting only {} with MFA, or change the config",
            self.mapping.user_arn(&email)
        );
        f
    }

    /// A managed role nobody is granted: `expired_temporary_access` when it is a temporary
    /// suffix of someone whose entry has expired, else `unexpected_member`.
    pub fn not_granted(&self, account: &str, role: &str, suffix: &str) -> Finding {
        let local = local_of(role, suffix);
        let known = self.known(local);
        let is_temporary = self
            .mapping
            .accounts
            .get(account)
            .is_some_and(|a| a.temporary.iter().any(|s| s.eq_ignore_ascii_case(suffix)));
        let where_ = self.where_(account);
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
                let mut f = self.finding(
                    Kind::ExpiredTemporaryAccess,
                    Severity::High,
                    account,
                    role,
                    Some(p),
                );
                f.expired = Some(true);
                f.message = format!(
                    "{}'s temporary admin access expired on {} (temporary_admin.yml line {}), but the role {role} still exists in {where_}",
                    p.name.value, t.expires_at.value, t.pos.line,
                );
                f.fix = format!(
                    "delete the role {role} from {account}, or extend `expires_at` in temporary_admin.yml if the access is still needed"
                );
                return f;
            }
        }
        let who = known.first().copied();
        let mut f = self.finding(Kind::UnexpectedMember, Severity::High, account, role, who);
        f.message = match who {
            None => format!(
                "the AWS role {role} in {where_} belongs to no one in the config (no email has the local part {local:?})"
            ),
            Some(p) => match p.role() {
                Some(r) => format!(
                    "{} has the AWS role {role} in {where_}, which `role: {r}` does not grant there",
                    p.name.value
                ),
                None if is_temporary => format!(
                    "{} has the AWS role {role} in {where_}, with no role in the config and no temporary_admin.yml entry",
                    p.name.value
                ),
                None => format!(
                    "{} has the AWS role {role} in {where_}, but no role in the config",
                    p.name.value
                ),
            },
        };
        f.fix = format!(
            "delete the role {role} from {account} (a stray role is access nobody approved), or grant it in the config"
        );
        f
    }

    /// `untrusted_principal` and `mfa_not_required` for a role of a known person.
    pub fn trust(&self, account: &str, role: &str, policy: &serde_json::Value) -> Vec<Finding> {
        let Some((local, _)) = self.mapping.managed(role) else {
            return Vec::new();
        };
        let known = self.known(&local);
        let Some(first) = known.first().copied() else {
            return Vec::new();
        };
        let own: Vec<String> = known
            .iter()
            .filter_map(|p| p.email.as_ref())
            .map(|e| self.mapping.user_arn(&e.value))
            .collect();
        let check = trust::check(policy, &own);
        let own_list = own.join(" or ");
        let where_ = self.where_(account);
        let mut out = Vec::new();
        if let Some(why) = &check.unparsable {
            let mut f = self.finding(
                Kind::UntrustedPrincipal,
                Severity::High,
                account,
                role,
                Some(first),
            );
            f.message = format!(
                "the trust policy of the AWS role {role} in {where_} cannot be parsed ({why}), so who can assume it is unknown"
            );
            f.fix =
                format!("rewrite the trust policy of {role} to allow only {own_list}, with MFA");
            out.push(f);
        } else if !check.untrusted.is_empty() {
            let mut f = self.finding(
                Kind::UntrustedPrincipal,
                Severity::High,
                account,
                role,
                Some(first),
            );
            f.message = format!(
                "the AWS role {role} in {where_} can be assumed by {}, not only by {own_list}",
                check.untrusted.join(", ")
            );
            f.fix =
                format!("remove every principal but {own_list} from the trust policy of {role}");
            out.push(f);
        }
        if check.mfa_not_required {
            let mut f = self.finding(
                Kind::MfaNotRequired,
                Severity::High,
                account,
                role,
                Some(first),
            );
            f.message =
                format!("the AWS role {role} in {where_} can be assumed by {own_list} without MFA");
            f.fix = format!(
                "add the condition {{\"Bool\": {{\"aws:MultiFactorAuthPresent\": \"true\"}}}} to the statement of {role}'s trust policy that allows {own_list}"
            );
            out.push(f);
        }
        out
    }
}

/// The local part of a managed role name whose suffix is `suffix`.
pub fn local_of<'r>(role: &'r str, suffix: &str) -> &'r str {
    &role[..role.len().saturating_sub(suffix.len() + 1)]
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::config::{Located, Pos};
    use crate::sources::aws::mapping::AwsAccount;
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

    /// (account name, id, roles as (name, trust policy)).
    type Accounts<'a> = [(&'a str, &'a str, Vec<(&'a str, Value)>)];

    fn section(accounts: &Accounts<'_>) -> AwsSection {
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
