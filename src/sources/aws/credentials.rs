//! Where the ambient AWS credentials come from: the standard chain, in the SDKs' order.
//!
//! 1. Environment: `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, optional `AWS_SESSION_TOKEN`.
//! 2. Web identity (GitHub Actions OIDC): `AWS_WEB_IDENTITY_TOKEN_FILE` + `AWS_ROLE_ARN`
//!    (optional `AWS_ROLE_SESSION_NAME`), exchanged with sts:AssumeRoleWithWebIdentity.
//! 3. Shared files for `AWS_PROFILE` (else `default`): `AWS_SHARED_CREDENTIALS_FILE` (else
//!    `~/.aws/credentials`) and `AWS_CONFIG_FILE` (else `~/.aws/config`): static keys, or
//!    `role_arn` with `source_profile` (static keys) or with `web_identity_token_file`.
//!
//! Not supported (named in the error when a profile uses them): `credential_process`, SSO, and
//! the container and instance metadata endpoints.
//!
//! Secrets live in [`SecretString`], whose `Debug` prints `[REDACTED]`; [`Credentials`] prints
//! only where it came from. Nothing here logs a key, a token or a file's contents.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use secrecy::{ExposeSecret, SecretString};

/// The process environment as far as AWS is concerned, injectable for tests.
#[derive(Clone, Default)]
pub struct AwsEnv {
    vars: BTreeMap<String, String>,
    home: Option<PathBuf>,
}

impl fmt::Debug for AwsEnv {
    /// Only the names of the variables: their values may be secrets.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AwsEnv")
            .field("vars", &self.vars.keys().collect::<Vec<_>>())
            .field("home", &self.home)
            .finish()
    }
}

impl AwsEnv {
    /// The `AWS_*` variables and the home directory of this process.
    pub fn from_process() -> Self {
        let vars = std::env::vars_os()
            .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
            .filter(|(k, _)| k.starts_with("AWS_"))
            .collect();
        let home = std::env::var_os("HOME").map(PathBuf::from);
        Self { vars, home }
    }

    /// An environment made of these variables and home directory (tests, embedding).
    pub fn from_pairs<K: Into<String>, V: Into<String>>(
        pairs: impl IntoIterator<Item = (K, V)>,
        home: Option<PathBuf>,
    ) -> Self {
        Self {
            vars: pairs
                .into_iter()
                .map(|(k, v)| (k.into(), v.into()))
                .collect(),
            home,
        }
    }

    /// A variable's value, `None` when unset or empty.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.vars
            .get(name)
            .map(String::as_str)
            .filter(|v| !v.trim().is_empty())
    }

    /// `AWS_REGION`, else `AWS_DEFAULT_REGION`, else `us-east-1`.
    pub fn region(&self) -> String {
        self.get("AWS_REGION")
            .or_else(|| self.get("AWS_DEFAULT_REGION"))
            .unwrap_or("us-east-1")
            .trim()
            .to_owned()
    }

    fn file(&self, var: &str, default: &str) -> Option<PathBuf> {
        match self.get(var) {
            Some(p) => Some(PathBuf::from(p)),
            None => self.home.as_ref().map(|h| h.join(".aws").join(default)),
        }
    }
}

/// A set of AWS credentials. Its `Debug` shows only where it came from.
#[derive(Clone)]
pub struct Credentials {
    access_key_id: SecretString,
    secret_access_key: SecretString,
    session_token: Option<SecretString>,
    /// Where they came from, for messages ("environment", "profile ci", "role ...").
    pub source: String,
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("source", &self.source)
            .finish_non_exhaustive()
    }
}

impl Credentials {
    pub fn new(
        access_key_id: String,
        secret_access_key: String,
        session_token: Option<String>,
        source: impl Into<String>,
    ) -> Self {
        Self {
            access_key_id: access_key_id.into(),
            secret_access_key: secret_access_key.into(),
            session_token: session_token.filter(|t| !t.is_empty()).map(Into::into),
            source: source.into(),
        }
    }

    pub(super) fn access_key_id(&self) -> &str {
        self.access_key_id.expose_secret()
    }

    pub(super) fn secret_access_key(&self) -> &str {
        self.secret_access_key.expose_secret()
    }

    pub(super) fn session_token(&self) -> Option<&str> {
        self.session_token.as_ref().map(|t| t.expose_secret())
    }
}

/// The ambient identity, before any STS exchange.
#[derive(Debug, Clone)]
pub enum Ambient {
    /// Keys to use as they are.
    Static(Credentials),
    /// Exchange the token in this file for the role (sts:AssumeRoleWithWebIdentity).
    WebIdentity {
        role_arn: String,
        token_file: PathBuf,
        session_name: String,
        source: String,
    },
    /// Assume the role with these keys (a profile's `role_arn` + `source_profile`).
    AssumeRole {
        role_arn: String,
        with: Credentials,
        source: String,
    },
}

/// No usable credentials, or a broken credentials setup.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CredentialsError {
    #[error(
        "no AWS credentials found: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN for temporary keys), or AWS_WEB_IDENTITY_TOKEN_FILE and AWS_ROLE_ARN (GitHub Actions OIDC), or AWS_PROFILE with a profile in ~/.aws/credentials"
    )]
    None,
    #[error("{0}")]
    Invalid(String),
}

/// The session name of every role this tool assumes (shown in CloudTrail).
pub const SESSION_NAME: &str = "access-reconciler";

/// Find the ambient credentials in `env` (reads the shared files, no network).
pub fn find(env: &AwsEnv) -> Result<Ambient, CredentialsError> {
    match (
        env.get("AWS_ACCESS_KEY_ID"),
        env.get("AWS_SECRET_ACCESS_KEY"),
    ) {
        (Some(id), Some(secret)) => {
            return Ok(Ambient::Static(Credentials::new(
                id.trim().to_owned(),
                secret.trim().to_owned(),
                env.get("AWS_SESSION_TOKEN").map(|t| t.trim().to_owned()),
                "environment variables",
            )));
        }
        (Some(_), None) => {
            return Err(CredentialsError::Invalid(
                "AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not; set both".into(),
            ));
        }
        (None, Some(_)) => {
            return Err(CredentialsError::Invalid(
                "AWS_SECRET_ACCESS_KEY is set but AWS_ACCESS_KEY_ID is not; set both".into(),
            ));
        }
        (None, None) => {}
    }
    match (
        env.get("AWS_WEB_IDENTITY_TOKEN_FILE"),
        env.get("AWS_ROLE_ARN"),
    ) {
        (Some(file), Some(role)) => {
            return Ok(Ambient::WebIdentity {
                role_arn: role.trim().to_owned(),
                token_file: PathBuf::from(file),
                session_name: env
                    .get("AWS_ROLE_SESSION_NAME")
                    .unwrap_or(SESSION_NAME)
                    .to_owned(),
                source: "web identity (AWS_WEB_IDENTITY_TOKEN_FILE)".into(),
            });
        }
        (Some(_), None) => {
            return Err(CredentialsError::Invalid(
                "AWS_WEB_IDENTITY_TOKEN_FILE is set but AWS_ROLE_ARN is not; set the role to assume".into(),
            ));
        }
        _ => {}
    }
    profile(env)
}

/// One profile's keys, merged from both files (the credentials file wins).
type Profile = BTreeMap<String, String>;

fn profile(env: &AwsEnv) -> Result<Ambient, CredentialsError> {
    let explicit = env.get("AWS_PROFILE");
    let name = explicit.unwrap_or("default").trim();
    let creds_file = env.file("AWS_SHARED_CREDENTIALS_FILE", "credentials");
    let config_file = env.file("AWS_CONFIG_FILE", "config");
    let creds = read_ini(creds_file.as_deref(), false)?;
    let config = read_ini(config_file.as_deref(), true)?;
    let lookup = |n: &str| -> Option<Profile> {
        let mut merged = config.get(n).cloned();
        if let Some(c) = creds.get(n) {
            merged.get_or_insert_with(Profile::new).extend(c.clone());
        }
        merged
    };
    let Some(p) = lookup(name) else {
        return match explicit {
            Some(_) => Err(CredentialsError::Invalid(format!(
                "AWS_PROFILE is {name:?}, but no such profile is in the shared credentials or config file"
            ))),
            None => Err(CredentialsError::None),
        };
    };
    let source = format!("profile {name}");
    if let Some(role) = p.get("role_arn") {
        if let Some(file) = p.get("web_identity_token_file") {
            return Ok(Ambient::WebIdentity {
                role_arn: role.clone(),
                token_file: PathBuf::from(file),
                session_name: p
                    .get("role_session_name")
                    .cloned()
                    .unwrap_or_else(|| SESSION_NAME.into()),
                source,
            });
        }
        let Some(src) = p.get("source_profile") else {
            return Err(CredentialsError::Invalid(format!(
                "profile {name} has role_arn but neither source_profile nor web_identity_token_file; credential_source is not supported"
            )));
        };
        let Some(sp) = lookup(src) else {
            return Err(CredentialsError::Invalid(format!(
                "profile {name}'s source_profile {src:?} does not exist"
            )));
        };
        let with = static_keys(&sp, src)?.ok_or_else(|| {
            CredentialsError::Invalid(format!(
                "profile {name}'s source_profile {src:?} has no aws_access_key_id and aws_secret_access_key (chains of roles are not supported)"
            ))
        })?;
        return Ok(Ambient::AssumeRole {
            role_arn: role.clone(),
            with,
            source,
        });
    }
    if let Some(c) = static_keys(&p, name)? {
        return Ok(Ambient::Static(c));
    }
    let unsupported = [
        "credential_process",
        "sso_session",
        "sso_start_url",
        "credential_source",
    ]
    .into_iter()
    .find(|k| p.contains_key(*k));
    Err(CredentialsError::Invalid(match unsupported {
        Some(k) => format!(
            "profile {name} uses {k}, which this tool does not support; use static keys, role_arn with source_profile, or web identity"
        ),
        None => format!("profile {name} has no aws_access_key_id and aws_secret_access_key"),
    }))
}

fn static_keys(p: &Profile, name: &str) -> Result<Option<Credentials>, CredentialsError> {
    match (p.get("aws_access_key_id"), p.get("aws_secret_access_key")) {
        (Some(id), Some(secret)) => Ok(Some(Credentials::new(
            id.clone(),
            secret.clone(),
            p.get("aws_session_token").cloned(),
            format!("profile {name}"),
        ))),
        (None, None) => Ok(None),
        _ => Err(CredentialsError::Invalid(format!(
            "profile {name} has only one of aws_access_key_id and aws_secret_access_key"
        ))),
    }
}

/// Read an AWS shared file (INI): `[name]` sections (`[profile name]` in the config file,
/// where `[default]` stays as it is), `key = value` lines, `#`/`;` comments. A missing file is
/// empty; an unreadable one is an error naming the file, never showing its contents.
fn read_ini(
    path: Option<&Path>,
    config: bool,
) -> Result<BTreeMap<String, Profile>, CredentialsError> {
    let Some(path) = path else {
        return Ok(BTreeMap::new());
    };
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(BTreeMap::new()),
        Err(e) => {
            return Err(CredentialsError::Invalid(format!(
                "cannot read {}: {}",
                path.display(),
                e.kind()
            )));
        }
    };
    Ok(parse_ini(&text, config))
}

fn parse_ini(text: &str, config: bool) -> BTreeMap<String, Profile> {
    let mut out: BTreeMap<String, Profile> = BTreeMap::new();
    let mut current: Option<String> = None;
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
            continue;
        }
        if let Some(section) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            let section = section.trim();
            current = if config {
                match section.strip_prefix("profile ") {
                    Some(n) => Some(n.trim().to_owned()),
                    None if section == "default" => Some("default".into()),
                    None => None, // sso-session and other sections
                }
            } else {
                Some(section.to_owned())
            };
            continue;
        }
        if let (Some(section), Some((k, v))) = (&current, line.split_once('=')) {
            out.entry(section.clone())
                .or_default()
                .insert(k.trim().to_ascii_lowercase(), v.trim().to_owned());
        }
    }
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)], home: Option<&Path>) -> AwsEnv {
        AwsEnv::from_pairs(pairs.iter().copied(), home.map(Path::to_path_buf))
    }

    #[test]
    fn environment_keys_come_first() {
        let e = env(
            &[
                ("AWS_ACCESS_KEY_ID", "AKIAEXAMPLE"),
                ("AWS_SECRET_ACCESS_KEY", "s3cr3t-value"),
                ("AWS_SESSION_TOKEN", "tok3n-value"),
                ("AWS_WEB_IDENTITY_TOKEN_FILE", "/x"),
                ("AWS_ROLE_ARN", "arn:aws:iam::1:role/r"),
            ],
            None,
        );
        let Ambient::Static(c) = find(&e).unwrap() else {
            panic!("expected static keys")
        };
        assert_eq!(c.access_key_id(), "AKIAEXAMPLE");
        assert_eq!(c.secret_access_key(), "s3cr3t-value");
        assert_eq!(c.session_token(), Some("tok3n-value"));
        // Nothing secret in Debug, of the credentials or of the environment.
        let shown = format!("{c:?} {:?} {e:?}", find(&e).unwrap());
        for secret in ["AKIAEXAMPLE", "s3cr3t-value", "tok3n-value"] {
            assert!(!shown.contains(secret), "{shown}");
        }
        let half = env(&[("AWS_ACCESS_KEY_ID", "AKIAEXAMPLE")], None);
        assert!(
            find(&half)
                .unwrap_err()
                .to_string()
                .contains("AWS_SECRET_ACCESS_KEY is not")
        );
    }

    #[test]
    fn web_identity_for_github_actions() {
        let e = env(
            &[
                ("AWS_WEB_IDENTITY_TOKEN_FILE", "/tmp/token"),
                ("AWS_ROLE_ARN", "arn:aws:iam::1:role/reader"),
            ],
            None,
        );
        match find(&e).unwrap() {
            Ambient::WebIdentity {
                role_arn,
                token_file,
                session_name,
                ..
            } => {
                assert_eq!(role_arn, "arn:aws:iam::1:role/reader");
                assert_eq!(token_file, PathBuf::from("/tmp/token"));
                assert_eq!(session_name, SESSION_NAME);
            }
            other => panic!("{other:?}"),
        }
        let e = env(&[("AWS_WEB_IDENTITY_TOKEN_FILE", "/tmp/token")], None);
        assert!(find(&e).is_err());
    }

    #[test]
    fn shared_files_and_profiles() {
        let dir = tempfile::tempdir().unwrap();
        let aws = dir.path().join(".aws");
        std::fs::create_dir(&aws).unwrap();
        std::fs::write(
            aws.join("credentials"),
            "# keys\n[default]\naws_access_key_id = AKIADEFAULT\naws_secret_access_key = sdefault\n\n[ci]\naws_access_key_id=AKIACI\naws_secret_access_key=sci\naws_session_token=tci\n[half]\naws_access_key_id=A\n",
        )
        .unwrap();
        std::fs::write(
            aws.join("config"),
            "[default]\nregion = eu-west-2\n[profile reader]\nrole_arn = arn:aws:iam::1:role/reader\nsource_profile = ci\n[profile oidc]\nrole_arn = arn:aws:iam::1:role/r\nweb_identity_token_file = /t\n[profile sso]\nsso_session = x\n[sso-session x]\nsso_start_url = https://x\n[profile dangling]\nrole_arn = arn:aws:iam::1:role/r\nsource_profile = nope\n",
        )
        .unwrap();
        let home = Some(dir.path());
        let Ambient::Static(c) = find(&env(&[], home)).unwrap() else {
            panic!()
        };
        assert_eq!(
            (c.access_key_id(), c.source.as_str()),
            ("AKIADEFAULT", "profile default")
        );
        let Ambient::Static(c) = find(&env(&[("AWS_PROFILE", "ci")], home)).unwrap() else {
            panic!()
        };
        assert_eq!(c.session_token(), Some("tci"));
        match find(&env(&[("AWS_PROFILE", "reader")], home)).unwrap() {
            Ambient::AssumeRole { role_arn, with, .. } => {
                assert_eq!(role_arn, "arn:aws:iam::1:role/reader");
                assert_eq!(with.access_key_id(), "AKIACI");
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            find(&env(&[("AWS_PROFILE", "oidc")], home)).unwrap(),
            Ambient::WebIdentity { .. }
        ));
        let err = |p: &str| {
            find(&env(&[("AWS_PROFILE", p)], home))
                .unwrap_err()
                .to_string()
        };
        assert!(err("sso").contains("uses sso_session"), "{}", err("sso"));
        assert!(err("half").contains("only one of"));
        assert!(err("dangling").contains("does not exist"));
        assert!(err("missing").contains("no such profile"));
        // An explicit file path wins over the home directory.
        let other = dir.path().join("other");
        std::fs::write(
            &other,
            "[default]\naws_access_key_id=AKIAOTHER\naws_secret_access_key=x\n",
        )
        .unwrap();
        let e = env(
            &[("AWS_SHARED_CREDENTIALS_FILE", other.to_str().unwrap())],
            home,
        );
        let Ambient::Static(c) = find(&e).unwrap() else {
            panic!()
        };
        assert_eq!(c.access_key_id(), "AKIAOTHER");
    }

    #[test]
    fn nothing_at_all_is_none() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(
            find(&env(&[], Some(dir.path()))).unwrap_err(),
            CredentialsError::None
        );
        assert_eq!(find(&env(&[], None)).unwrap_err(), CredentialsError::None);
    }

    #[test]
    fn region_defaults() {
        assert_eq!(env(&[], None).region(), "us-east-1");
        assert_eq!(
            env(&[("AWS_DEFAULT_REGION", "eu-west-1")], None).region(),
            "eu-west-1"
        );
        assert_eq!(
            env(
                &[
                    ("AWS_DEFAULT_REGION", "eu-west-1"),
                    ("AWS_REGION", "eu-west-2")
                ],
                None
            )
            .region(),
            "eu-west-2"
        );
    }
}
