//! The live reader, read-only: every account of `systems.aws`, concurrently.
//!
//! Per account: assume `read_role` when given (sts:AssumeRole), else use the ambient
//! credentials and check the account with sts:GetCallerIdentity; then iam:ListRoles, every page
//! (`Marker`/`IsTruncated`). An account whose identity does not match its `id`, or whose read
//! fails in any way, is unread: it is left out of the section and its reason recorded, never
//! reported clean and never read as the wrong account.

use std::collections::BTreeMap;
use std::time::Duration;

use futures::future::join_all;
use tokio::sync::OnceCell;

use super::client::{CallError, QueryClient, RetryPolicy, Service, child_text, find};
use super::credentials::{self, Ambient, AwsEnv, Credentials, CredentialsError};
use super::mapping::{AwsAccount, AwsMapping};
use super::snapshot::{AccountRoles, AwsRead, RoleEntry, decode_trust_policy};

/// Names the docs section (docs/aws.md) that lists the read-only permissions.
pub const POLICY_HELP: &str = "attach a read-only policy allowing iam:ListRoles and sts:GetCallerIdentity to the identity that reads this account, and sts:AssumeRole on the account's read_role if it has one (docs/aws.md: \"AWS: the read-only policy\")";

/// The most pages of roles one account may have before the read is refused.
pub const MAX_PAGES: usize = 1_000;

/// How to read.
#[derive(Debug, Clone, Copy)]
pub struct ReadOptions {
    pub retry: RetryPolicy,
    /// `MaxItems` of iam:ListRoles (1-1000).
    pub page_size: u32,
}

impl Default for ReadOptions {
    fn default() -> Self {
        Self {
            retry: RetryPolicy::default(),
            page_size: 1000,
        }
    }
}

/// Why one account was not read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AccountError {
    #[error("{0}")]
    Credentials(#[from] CredentialsError),
    #[error("{err}; {help}", help = POLICY_HELP)]
    Denied { err: CallError },
    #[error("{0}")]
    Call(CallError),
    #[error(
        "the credentials are for account {actual} ({arn}), not {expected}: not reading it, so no other account's roles are reported as this one's; give the account a read_role, or run with credentials for {expected}"
    )]
    WrongAccount {
        expected: String,
        actual: String,
        arn: String,
    },
    #[error(
        "its read_role {role} is in account {actual}, not {expected}; fix read_role in the mapping"
    )]
    ReadRoleElsewhere {
        role: String,
        expected: String,
        actual: String,
    },
    #[error(
        "iam:ListRoles returned more than {MAX_PAGES} pages, or the same Marker twice; not reading further"
    )]
    TooManyPages,
}

impl From<CallError> for AccountError {
    fn from(err: CallError) -> Self {
        match err {
            CallError::AccessDenied { .. } => AccountError::Denied { err },
            other => AccountError::Call(other),
        }
    }
}

/// Reads AWS accounts with one client and one set of ambient credentials.
#[derive(Debug)]
pub struct AwsReader {
    client: QueryClient,
    ambient: Ambient,
    resolved: OnceCell<Result<Credentials, AccountError>>,
    options: ReadOptions,
}

impl AwsReader {
    /// A reader for the credentials and endpoints in `env`. Fails when there are no
    /// credentials at all (a usage error: name what to set) or an endpoint variable is bad.
    pub fn new(env: &AwsEnv, options: ReadOptions) -> Result<Self, ReaderError> {
        let ambient = credentials::find(env)?;
        let client = QueryClient::new(env, options.retry)?;
        Ok(Self {
            client,
            ambient,
            resolved: OnceCell::new(),
            options,
        })
    }

    /// The IAM endpoint read (for provenance).
    pub fn iam_url(&self) -> String {
        self.client.iam_url()
    }

    /// Requests sent so far (retries included) and retries.
    pub fn requests(&self) -> (u64, u64) {
        use std::sync::atomic::Ordering;
        (
            self.client.stats.requests.load(Ordering::Relaxed),
            self.client.stats.retries.load(Ordering::Relaxed),
        )
    }

    /// Read every account of the mapping, concurrently (or only those named in `only`).
    pub async fn read(&self, mapping: &AwsMapping, only: Option<&[String]>) -> AwsRead {
        let accounts: Vec<(&String, &AwsAccount)> = mapping
            .accounts
            .iter()
            .filter(|(name, _)| only.is_none_or(|o| o.contains(name)))
            .collect();
        let results = join_all(
            accounts
                .iter()
                .map(|(name, account)| self.read_account(name, account, mapping)),
        )
        .await;
        let mut out = AwsRead::default();
        for ((name, account), result) in accounts.into_iter().zip(results) {
            match result {
                Ok(roles) => {
                    out.section.accounts.insert(name.clone(), roles);
                }
                Err(e) => {
                    let reason = format!("AWS account {name} ({}): {e}", account.id);
                    tracing::warn!("{reason}");
                    out.unread.insert(name.clone(), reason);
                }
            }
        }
        out
    }

    /// The ambient credentials, exchanged once (web identity, profile roles).
    async fn ambient(&self) -> Result<Credentials, AccountError> {
        self.resolved
            .get_or_init(|| async {
                match &self.ambient {
                    Ambient::Static(c) => Ok(c.clone()),
                    Ambient::AssumeRole {
                        role_arn,
                        with,
                        source,
                    } => self.assume(role_arn, with, source).await.map(|(c, _)| c),
                    Ambient::WebIdentity {
                        role_arn,
                        token_file,
                        session_name,
                        source,
                    } => {
                        self.web_identity(role_arn, token_file, session_name, source)
                            .await
                    }
                }
            })
            .await
            .clone()
    }

    async fn web_identity(
        &self,
        role_arn: &str,
        token_file: &std::path::Path,
        session_name: &str,
        source: &str,
    ) -> Result<Credentials, AccountError> {
        let token = tokio::fs::read_to_string(token_file).await.map_err(|e| {
            CredentialsError::Invalid(format!(
                "cannot read the web identity token file {}: {}",
                token_file.display(),
                e.kind()
            ))
        })?;
        let body = self
            .client
            .call(
                Service::Sts,
                "AssumeRoleWithWebIdentity",
                &[
                    ("RoleArn", role_arn),
                    ("RoleSessionName", session_name),
                    ("WebIdentityToken", token.trim()),
                ],
                None,
            )
            .await?;
        parse_credentials(
            &body,
            "AssumeRoleWithWebIdentity",
            &format!("{source}: role {role_arn}"),
        )
        .map(|(c, _)| c)
    }

    /// sts:AssumeRole: the role's credentials and the assumed role's ARN.
    async fn assume(
        &self,
        role_arn: &str,
        with: &Credentials,
        source: &str,
    ) -> Result<(Credentials, String), AccountError> {
        let body = self
            .client
            .call(
                Service::Sts,
                "AssumeRole",
                &[
                    ("RoleArn", role_arn),
                    ("RoleSessionName", credentials::SESSION_NAME),
                    ("DurationSeconds", "900"),
                ],
                Some(with),
            )
            .await?;
        parse_credentials(&body, "AssumeRole", &format!("{source}: role {role_arn}"))
    }

    /// The credentials to read `account` with, checked to be that account's.
    async fn account_credentials(&self, account: &AwsAccount) -> Result<Credentials, AccountError> {
        let ambient = self.ambient().await?;
        if let Some(role) = &account.read_role {
            let role_account = arn_account(role).unwrap_or_default();
            if role_account != account.id {
                return Err(AccountError::ReadRoleElsewhere {
                    role: role.clone(),
                    expected: account.id.clone(),
                    actual: role_account.to_owned(),
                });
            }
            let (creds, arn) = self.assume(role, &ambient, &ambient.source).await?;
            check_account(&arn, &account.id)?;
            return Ok(creds);
        }
        let body = self
            .client
            .call(Service::Sts, "GetCallerIdentity", &[], Some(&ambient))
            .await?;
        let doc = parse(&body, "sts:GetCallerIdentity")?;
        let result = find(&doc, "GetCallerIdentityResult")
            .ok_or_else(|| malformed("sts:GetCallerIdentity", "no GetCallerIdentityResult"))?;
        let actual = child_text(result, "Account").unwrap_or("").trim();
        let arn = child_text(result, "Arn").unwrap_or("").trim();
        if actual != account.id {
            return Err(AccountError::WrongAccount {
                expected: account.id.clone(),
                actual: actual.to_owned(),
                arn: arn.to_owned(),
            });
        }
        Ok(ambient)
    }

    async fn read_account(
        &self,
        name: &str,
        account: &AwsAccount,
        mapping: &AwsMapping,
    ) -> Result<AccountRoles, AccountError> {
        let creds = self.account_credentials(account).await?;
        let page_size = self.options.page_size.clamp(1, 1000).to_string();
        let mut marker: Option<String> = None;
        let mut seen_markers = std::collections::HashSet::new();
        let mut roles = BTreeMap::new();
        for _ in 0..MAX_PAGES {
            let mut params = vec![("MaxItems", page_size.as_str())];
            if let Some(m) = &marker {
                params.push(("Marker", m.as_str()));
            }
            let body = self
                .client
                .call(Service::Iam, "ListRoles", &params, Some(&creds))
                .await?;
            let page = parse_roles(&body)?;
            for role in page.roles {
                // Roles of another account: the credentials are not what they claim.
                if let Some(acct) = arn_account(&role.arn)
                    && acct != account.id
                {
                    return Err(AccountError::WrongAccount {
                        expected: account.id.clone(),
                        actual: acct.to_owned(),
                        arn: role.arn.clone(),
                    });
                }
                if mapping.managed(&role.name).is_some() {
                    roles.insert(
                        role.name.clone(),
                        RoleEntry {
                            trust_policy: decode_trust_policy(&role.document),
                            name: role.name,
                        },
                    );
                }
            }
            match page.next {
                None => {
                    tracing::debug!("AWS account {name}: {} managed roles", roles.len());
                    return Ok(AccountRoles {
                        id: account.id.clone(),
                        roles: roles.into_values().collect(),
                    });
                }
                Some(m) => {
                    if !seen_markers.insert(m.clone()) {
                        return Err(AccountError::TooManyPages);
                    }
                    marker = Some(m);
                }
            }
        }
        Err(AccountError::TooManyPages)
    }
}

/// Why a reader could not be made at all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReaderError {
    #[error("{0}")]
    Credentials(#[from] CredentialsError),
    #[error("{0}")]
    Endpoint(#[from] CallError),
}

impl ReaderError {
    /// No credentials at all: a usage error (exit 2), not a failed read.
    pub fn is_no_credentials(&self) -> bool {
        matches!(self, ReaderError::Credentials(CredentialsError::None))
    }
}

/// The account id of an ARN (`arn:aws:iam::<account>:...`).
pub fn arn_account(arn: &str) -> Option<&str> {
    let mut parts = arn.split(':');
    let (Some("arn"), Some(_), Some(_), Some(_), Some(account)) = (
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
    ) else {
        return None;
    };
    Some(account).filter(|a| !a.is_empty())
}

fn check_account(arn: &str, expected: &str) -> Result<(), AccountError> {
    match arn_account(arn) {
        Some(a) if a == expected => Ok(()),
        other => Err(AccountError::WrongAccount {
            expected: expected.to_owned(),
            actual: other.unwrap_or("unknown").to_owned(),
            arn: arn.to_owned(),
        }),
    }
}

fn malformed(action: &str, detail: &str) -> AccountError {
    AccountError::Call(CallError::Malformed {
        action: action.to_owned(),
        detail: detail.to_owned(),
    })
}

fn parse<'a>(body: &'a str, action: &str) -> Result<roxmltree::Document<'a>, AccountError> {
    // The body is never shown: STS answers hold keys.
    roxmltree::Document::parse(body).map_err(|e| malformed(action, &format!("not XML: {e}")))
}

/// The credentials (and assumed role ARN) in an AssumeRole* answer.
fn parse_credentials(
    body: &str,
    action: &str,
    source: &str,
) -> Result<(Credentials, String), AccountError> {
    let name = format!("sts:{action}");
    let doc = parse(body, &name)?;
    let creds = find(&doc, "Credentials").ok_or_else(|| malformed(&name, "no Credentials"))?;
    let field = |n: &str| {
        child_text(creds, n)
            .map(|t| t.trim().to_owned())
            .filter(|t| !t.is_empty())
            .ok_or_else(|| malformed(&name, &format!("no {n}")))
    };
    let arn = find(&doc, "AssumedRoleUser")
        .and_then(|u| child_text(u, "Arn"))
        .unwrap_or("")
        .trim()
        .to_owned();
    Ok((
        Credentials::new(
            field("AccessKeyId")?,
            field("SecretAccessKey")?,
            Some(field("SessionToken")?),
            source,
        ),
        arn,
    ))
}

/// One page of iam:ListRoles.
struct RolePage {
    roles: Vec<ListedRole>,
    /// The Marker of the next page, when `IsTruncated` is true.
    next: Option<String>,
}

struct ListedRole {
    name: String,
    arn: String,
    document: String,
}

fn parse_roles(body: &str) -> Result<RolePage, AccountError> {
    const ACTION: &str = "iam:ListRoles";
    let doc = parse(body, ACTION)?;
    let result =
        find(&doc, "ListRolesResult").ok_or_else(|| malformed(ACTION, "no ListRolesResult"))?;
    let list = result
        .children()
        .find(|n| n.is_element() && n.tag_name().name() == "Roles");
    let mut roles = Vec::new();
    for member in list
        .into_iter()
        .flat_map(|l| l.children())
        .filter(|n| n.is_element() && n.tag_name().name() == "member")
    {
        let name = child_text(member, "RoleName")
            .map(str::trim)
            .filter(|n| !n.is_empty())
            .ok_or_else(|| malformed(ACTION, "a role without RoleName"))?;
        roles.push(ListedRole {
            name: name.to_owned(),
            arn: child_text(member, "Arn").unwrap_or("").trim().to_owned(),
            document: child_text(member, "AssumeRolePolicyDocument")
                .unwrap_or("")
                .trim()
                .to_owned(),
        });
    }
    let truncated = child_text(result, "IsTruncated").map(str::trim) == Some("true");
    let next = if truncated {
        let marker = child_text(result, "Marker")
            .map(str::trim)
            .filter(|m| !m.is_empty())
            .ok_or_else(|| malformed(ACTION, "IsTruncated is true but there is no Marker"))?;
        Some(marker.to_owned())
    } else {
        None
    };
    Ok(RolePage { roles, next })
}

/// A short retry policy for tests and benchmarks against local servers: no waiting.
pub fn no_wait(tries: u32) -> RetryPolicy {
    RetryPolicy {
        tries,
        base_delay: Duration::ZERO,
        timeout: Duration::from_secs(10),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn role_pages_are_read() {
        let xml = r#"<ListRolesResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><ListRolesResult>
  <IsTruncated>true</IsTruncated><Marker>abc</Marker>
  <Roles><member><Path>/</Path><RoleName>jane.doe-developer</RoleName>
    <Arn>arn:aws:iam::111111111111:role/jane.doe-developer</Arn>
    <AssumeRolePolicyDocument>%7B%22Statement%22%3A%5B%5D%7D</AssumeRolePolicyDocument>
    <Tags><member><Key>RoleName</Key><Value>x</Value></member></Tags></member>
  <member><RoleName>other</RoleName><AssumeRolePolicyDocument>{"Statement": []}</AssumeRolePolicyDocument></member></Roles>
</ListRolesResult></ListRolesResponse>"#;
        let page = parse_roles(xml).unwrap();
        assert_eq!(page.next.as_deref(), Some("abc"));
        assert_eq!(page.roles.len(), 2);
        assert_eq!(page.roles[0].name, "jane.doe-developer");
        assert_eq!(
            page.roles[0].arn,
            "arn:aws:iam::111111111111:role/jane.doe-developer"
        );
        assert_eq!(
            decode_trust_policy(&page.roles[0].document),
            serde_json::json!({"Statement": []})
        );
        assert_eq!(
            decode_trust_policy(&page.roles[1].document),
            serde_json::json!({"Statement": []})
        );
        let last = parse_roles("<ListRolesResponse><ListRolesResult><IsTruncated>false</IsTruncated><Roles/></ListRolesResult></ListRolesResponse>").unwrap();
        assert!(last.next.is_none() && last.roles.is_empty());
        for bad in [
            "nope",
            "<X/>",
            "<ListRolesResult><IsTruncated>true</IsTruncated></ListRolesResult>",
            "<ListRolesResult><Roles><member><Arn>x</Arn></member></Roles></ListRolesResult>",
        ] {
            assert!(parse_roles(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn assumed_credentials_are_read_and_hidden() {
        let xml = "<AssumeRoleResponse><AssumeRoleResult><Credentials><AccessKeyId>ASIAKEY</AccessKeyId><SecretAccessKey>SECRETKEY</SecretAccessKey><SessionToken>TOKEN</SessionToken><Expiration>2026-01-01T00:00:00Z</Expiration></Credentials><AssumedRoleUser><Arn>arn:aws:sts::111111111111:assumed-role/reader/access-reconciler</Arn></AssumedRoleUser></AssumeRoleResult></AssumeRoleResponse>";
        let (c, arn) = parse_credentials(xml, "AssumeRole", "role x").unwrap();
        assert_eq!(arn_account(&arn), Some("111111111111"));
        assert_eq!(c.session_token(), Some("TOKEN"));
        let shown = format!("{c:?}");
        assert!(
            !shown.contains("SECRETKEY") && !shown.contains("ASIAKEY") && !shown.contains("TOKEN"),
            "{shown}"
        );
        let err = parse_credentials(
            "<AssumeRoleResponse><Credentials/></AssumeRoleResponse>",
            "AssumeRole",
            "x",
        )
        .unwrap_err();
        assert!(err.to_string().contains("no AccessKeyId"), "{err}");
    }

    #[test]
    fn arns_and_account_checks() {
        assert_eq!(
            arn_account("arn:aws:iam::111111111111:role/r"),
            Some("111111111111")
        );
        assert_eq!(arn_account("arn:aws:sts::2:assumed-role/r/s"), Some("2"));
        assert_eq!(arn_account("arn:aws:s3:::bucket"), None);
        assert_eq!(arn_account("role/r"), None);
        assert!(check_account("arn:aws:sts::1:assumed-role/r/s", "1").is_ok());
        let err = check_account("arn:aws:sts::2:assumed-role/r/s", "1").unwrap_err();
        assert!(err.to_string().contains("for account 2"), "{err}");
        let denied: AccountError = CallError::AccessDenied {
            action: "iam:ListRoles".into(),
            code: "AccessDenied".into(),
            message: "no".into(),
        }
        .into();
        let text = denied.to_string();
        assert!(
            text.contains("AWS denied iam:ListRoles") && text.contains("read-only policy"),
            "{text}"
        );
    }
}
