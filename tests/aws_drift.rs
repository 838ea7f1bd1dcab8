//! AWS through the real binary: the shipped fixtures (snapshot v2 + temporary_admin.yml), the
//! located errors of temporary_admin.yml, unread accounts, and live reads against a local fake
//! of IAM and STS (throttling then success, URL-encoded trust policies, 5xx to the end, web
//! identity, no credentials). No credential material reaches stdout or stderr at -vvv.

mod common;
mod support;

use std::path::Path;

use assert_cmd::Command;
use std::sync::Arc;

use support::aws::{FakeAws, FakeRole};
use support::server::FakeServer;

const SECRET: &str = "wJalrXUtnFEMI-fake-secret-key";
const TOKEN: &str = "FwoGZXIvYXdzEfake-session-token";
const WEB_TOKEN: &str = "eyJhbGciOiJSUzI1NiJ9.fake-oidc-token";

/// The binary with no AWS_* variables and HOME in `home`, so nothing of the developer's leaks in.
fn bin(home: &Path) -> Command {
    let mut cmd = common::bin();
    for (key, _) in std::env::vars_os() {
        if key.to_string_lossy().starts_with("AWS_") {
            cmd.env_remove(&key);
        }
    }
    cmd.env("HOME", home);
    cmd
}

fn fixture_drift(home: &Path) -> Command {
    let mut cmd = bin(home);
    cmd.args([
        "drift",
        "--config",
        "fixtures/govuk_tech.yml",
        "--mapping",
        "fixtures/mapping_aws.yml",
        "--snapshot",
        "fixtures/snapshot_v2.json",
        "--today",
        "2026-11-28",
        "--system",
        "aws",
    ]);
    cmd
}

#[test]
fn fixtures_hold_every_aws_finding_kind() {
    let home = tempfile::tempdir().expect("tempdir");
    let out = fixture_drift(home.path()).output().expect("run");
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&out.stdout);
    insta::assert_snapshot!("aws_fixture_text", stdout);
    let out = fixture_drift(home.path())
        .args(["--format", "json"])
        .output()
        .expect("run");
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let kinds: Vec<&str> = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter_map(|f| f["kind"].as_str())
        .collect();
    for kind in [
        "missing",
        "unexpected_member",
        "expired_temporary_access",
        "untrusted_principal",
        "mfa_not_required",
    ] {
        assert!(kinds.contains(&kind), "{kind} not in {kinds:?}");
    }
    assert_eq!(report["complete"], true);
}

#[test]
fn temporary_admin_errors_are_located_and_exit_2() {
    let home = tempfile::tempdir().expect("tempdir");
    let bad = home.path().join("temporary_admin.yml");
    std::fs::write(
        &bad,
        "- name: A\n  email_address: a@x\n  expires_at: 2026-02-30\n  why_do_they_need_access: x\n  expire: 1\n",
    )
    .expect("write");
    let out = fixture_drift(home.path())
        .arg("--temporary-admin")
        .arg(&bad)
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    let shown = bad.display().to_string();
    assert!(
        stderr.contains(&format!(
            "{shown}:3:15: `expires_at`: `2026-02-30` is not a real date"
        )),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!("{shown}:5:3: unknown key `expire`")),
        "{stderr}"
    );
    assert!(out.stdout.is_empty());
}

#[test]
fn an_account_missing_from_the_snapshot_is_unread_exit_3() {
    let home = tempfile::tempdir().expect("tempdir");
    let mut snap: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(common::root().join("fixtures/snapshot_v2.json")).expect("read"),
    )
    .expect("json");
    snap["aws"]["accounts"]
        .as_object_mut()
        .expect("accounts")
        .remove("production");
    let path = home.path().join("snap.json");
    std::fs::write(&path, snap.to_string()).expect("write");
    let out = bin(home.path())
        .args([
            "drift",
            "--config",
            "fixtures/govuk_tech.yml",
            "--mapping",
            "fixtures/mapping_aws.yml",
            "--today",
            "2026-11-28",
            "--system",
            "aws",
            "--format",
            "json",
            "--snapshot",
        ])
        .arg(&path)
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(3));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(report["complete"], false);
    let errors = report["errors"].to_string();
    assert!(
        errors.contains("AWS account production was not recorded"),
        "{errors}"
    );
    // The staging account is still reported; nothing about production is.
    let resources = report["findings"].to_string();
    assert!(
        resources.contains("katherine.jonson-developer"),
        "{resources}"
    );
    assert!(!resources.contains("tim.bernard-tempadmin"), "{resources}");
}

const CONFIG: &str = "\
- name: Jane Doe
  email: jane.doe@example.gov.uk
  github_username: jane-doe
  role: production_deploy_access
  security_clearance: SC
  sponsor: Someone
  why_do_they_need_access: deploys
";

fn mapping(read_role: bool) -> String {
    let role = if read_role {
        "\n        read_role: arn:aws:iam::123456789012:role/reader"
    } else {
        ""
    };
    format!(
        "version: 2\nroles:\n  production_deploy_access: {{level: deploy}}\nsystems:\n  aws:\n    users_account: \"999999999999\"\n    suffixes: [developer, fulladmin]\n    accounts:\n      staging:\n        id: \"123456789012\"{role}\n        roles:\n          production_deploy_access: [developer]\n"
    )
}

const JANE_POLICY: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::999999999999:user/jane.doe@example.gov.uk"},"Action":"sts:AssumeRole"}]}"#;

/// The fake IAM/STS on its own server: account 123456789012 holds jane.doe-developer (a trust
/// policy without MFA) and a stray ghost-fulladmin.
fn fake(account: &str) -> (FakeServer, Arc<FakeAws>) {
    let roles = ["jane.doe-developer", "ghost-fulladmin"]
        .into_iter()
        .map(|name| FakeRole {
            name: name.to_owned(),
            trust_policy: JANE_POLICY.to_owned(),
        })
        .collect();
    let aws = Arc::new(FakeAws::new(account, roles));
    let server = FakeServer::start();
    server.mount("", aws.clone());
    (server, aws)
}

struct Live {
    home: tempfile::TempDir,
}

impl Live {
    fn new(read_role: bool) -> Live {
        let home = tempfile::tempdir().expect("tempdir");
        std::fs::write(home.path().join("govuk_tech.yml"), CONFIG).expect("config");
        std::fs::write(home.path().join("mapping.yml"), mapping(read_role)).expect("mapping");
        Live { home }
    }

    fn drift(&self, server: &FakeServer) -> Command {
        let mut cmd = bin(self.home.path());
        cmd.args([
            "drift",
            "--today",
            "2026-11-28",
            "--backoff-ms",
            "0",
            // 2 retries after the first try: 3 tries.
            "--retries",
            "2",
            "-vvv",
        ])
        .arg("--config")
        .arg(self.home.path().join("govuk_tech.yml"))
        .arg("--mapping")
        .arg(self.home.path().join("mapping.yml"))
        .env("AWS_ENDPOINT_URL", &server.url);
        cmd
    }
}

fn keys(cmd: &mut Command) -> &mut Command {
    cmd.env("AWS_ACCESS_KEY_ID", "AKIAFAKEKEY0000000")
        .env("AWS_SECRET_ACCESS_KEY", SECRET)
        .env("AWS_SESSION_TOKEN", TOKEN)
}

fn assert_no_secrets(out: &std::process::Output) {
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    for secret in [
        SECRET,
        TOKEN,
        WEB_TOKEN,
        "AKIAFAKEKEY0000000",
        "ASIAROLEKEY",
        "ROLESECRET",
    ] {
        assert!(!all.contains(secret), "{secret} printed:\n{all}");
    }
}

#[test]
fn live_throttling_is_retried_and_url_encoded_policies_are_read() {
    let (server, aws) = fake("123456789012");
    aws.throttle_list_roles(2);
    let live = Live::new(false);
    let out = keys(&mut live.drift(&server)).output().expect("run");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Text reports wrap at 100 columns off a terminal: compare with the whitespace squashed.
    let squashed = stdout.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(squashed.contains("the AWS role jane.doe-developer in the staging account (123456789012) can be assumed by arn:aws:iam::999999999999:user/jane.doe@example.gov.uk without MFA"), "{stdout}");
    assert!(stdout.contains("ghost-fulladmin"), "{stdout}");
    assert_no_secrets(&out);
    let seen = aws.seen();
    let actions: Vec<&str> = seen.iter().map(|r| r.action.as_str()).collect();
    // Two throttled ListRoles, then the page.
    assert_eq!(
        actions,
        ["GetCallerIdentity", "ListRoles", "ListRoles", "ListRoles"]
    );
    for r in &seen {
        let auth = r.authorization.as_deref().expect("signed");
        assert!(
            auth.starts_with("AWS4-HMAC-SHA256 Credential=AKIAFAKEKEY0000000/"),
            "{auth}"
        );
        assert_eq!(r.security_token.as_deref(), Some(TOKEN));
    }
}

#[test]
fn live_5xx_to_the_end_leaves_the_account_unread_exit_3() {
    let (server, aws) = fake("123456789012");
    aws.list_roles_unavailable();
    let live = Live::new(false);
    let out = keys(&mut live.drift(&server))
        .args(["--format", "json"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(3));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(report["complete"], false);
    let errors = report["errors"].to_string();
    assert!(
        errors.contains(
            "AWS account staging (123456789012): iam:ListRoles still failed after 3 tries: HTTP 503"
        ),
        "{errors}"
    );
    // No AWS finding from a partial read.
    assert!(!report["findings"].to_string().contains("AWS role"));
    assert_no_secrets(&out);
}

#[test]
fn live_wrong_account_is_unread_not_reported() {
    let (server, aws) = fake("999999999999");
    let live = Live::new(false);
    let out = keys(&mut live.drift(&server)).output().expect("run");
    assert_eq!(out.status.code(), Some(3));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("the credentials are for account 999999999999"),
        "{stdout}"
    );
    assert!(!stdout.contains("jane.doe-developer"), "{stdout}");
    // ListRoles was never called.
    assert_eq!(aws.seen().len(), 1);
}

#[test]
fn live_web_identity_then_read_role() {
    let (server, aws) = fake("123456789012");
    let live = Live::new(true);
    let token = live.home.path().join("token");
    std::fs::write(&token, WEB_TOKEN).expect("token");
    let out = live
        .drift(&server)
        .env("AWS_WEB_IDENTITY_TOKEN_FILE", &token)
        .env("AWS_ROLE_ARN", "arn:aws:iam::123456789012:role/ci")
        .output()
        .expect("run");
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_no_secrets(&out);
    let seen = aws.seen();
    let actions: Vec<&str> = seen.iter().map(|r| r.action.as_str()).collect();
    assert_eq!(
        actions,
        ["AssumeRoleWithWebIdentity", "AssumeRole", "ListRoles"]
    );
    // The web identity exchange is unsigned and carries the token; the AssumeRole is signed
    // with its keys, and the read with the read role's.
    assert!(seen[0].authorization.is_none());
    assert!(seen[0].body.contains("WebIdentityToken="));
    let auth = |i: usize| seen[i].authorization.clone().expect("signed");
    assert!(auth(1).contains("Credential=ASIAOIDCKEY/"), "{}", auth(1));
    assert!(auth(2).contains("Credential=ASIAROLEKEY/"), "{}", auth(2));
}

#[test]
fn live_without_credentials_is_a_usage_error_naming_what_to_set() {
    let live = Live::new(false);
    let out = bin(live.home.path())
        .args(["drift", "--today", "2026-11-28"])
        .arg("--config")
        .arg(live.home.path().join("govuk_tech.yml"))
        .arg("--mapping")
        .arg(live.home.path().join("mapping.yml"))
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr
            .contains("no AWS credentials found: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"),
        "{stderr}"
    );
}

#[test]
fn live_snapshot_records_the_aws_section_and_reads_back_the_same() {
    let (server, _aws) = fake("123456789012");
    let live = Live::new(false);
    let snap = live.home.path().join("snap.json");
    let out = keys(&mut bin(live.home.path()))
        .args(["snapshot", "--backoff-ms", "0"])
        .arg("--config")
        .arg(live.home.path().join("govuk_tech.yml"))
        .arg("--mapping")
        .arg(live.home.path().join("mapping.yml"))
        .arg("--out")
        .arg(&snap)
        .env("AWS_ENDPOINT_URL", &server.url)
        .output()
        .expect("run");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let written: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&snap).expect("read")).expect("json");
    let staging = &written["aws"]["accounts"]["staging"];
    assert_eq!(staging["id"], "123456789012");
    assert_eq!(staging["roles"][1]["name"], "jane.doe-developer");
    // Decoded from the URL-encoded text into the JSON document.
    assert_eq!(staging["roles"][1]["trust_policy"]["Version"], "2012-10-17");
    let live_out = keys(&mut live.drift(&server)).output().expect("run");
    let offline = bin(live.home.path())
        .args(["drift", "--today", "2026-11-28"])
        .arg("--config")
        .arg(live.home.path().join("govuk_tech.yml"))
        .arg("--mapping")
        .arg(live.home.path().join("mapping.yml"))
        .arg("--snapshot")
        .arg(&snap)
        .output()
        .expect("run");
    assert_eq!(offline.status.code(), Some(1));
    let body = |o: &std::process::Output| {
        String::from_utf8_lossy(&o.stdout)
            .lines()
            .filter(|l| l.contains("AWS role"))
            .map(str::to_owned)
            .collect::<Vec<_>>()
    };
    assert_eq!(body(&offline), body(&live_out));
    assert_eq!(body(&offline).len(), 2);
}

/// The generic drift engine with the AWS adapter gives exactly the findings (kind, resource,
/// message, account) of the pure reference, `aws_findings`, on the shipped fixtures.
#[test]
fn the_engine_and_the_reference_agree_on_the_fixtures() {
    use access_reconciler::access::Adapter;
    use access_reconciler::config::Mapping;
    use access_reconciler::finding::Finding;
    use access_reconciler::sources::aws::adapter::{AwsAdapter, AwsInputs};
    use access_reconciler::sources::aws::{AwsSection, aws_findings};

    let root = common::root();
    let read = |p: &str| std::fs::read_to_string(root.join(p)).expect("fixture");
    let mapping =
        Mapping::parse("mapping_aws.yml", &read("fixtures/mapping_aws.yml")).expect("mapping");
    let config = access_reconciler::config::people::parse(
        "govuk_tech.yml",
        &read("fixtures/govuk_tech.yml"),
        &mapping,
    )
    .expect("config");
    let temporary = access_reconciler::config::temporary_admin::parse(
        "temporary_admin.yml",
        &read("fixtures/temporary_admin.yml"),
    )
    .expect("temporary");
    let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 28).expect("date");
    let aws = mapping.aws.clone().expect("aws");
    let snapshot: serde_json::Value =
        serde_json::from_str(&read("fixtures/snapshot_v2.json")).expect("json");
    let adapter = AwsAdapter::new(
        &aws,
        AwsInputs {
            people: config.people.clone(),
            temporary: temporary.clone(),
            today,
        },
    );
    let system_read = adapter
        .read_snapshot(&snapshot["aws"], "snapshot_v2.json", None)
        .expect("read");
    assert!(system_read.unread.is_empty(), "{:?}", system_read.unread);
    let key = |f: &Finding| {
        (
            f.resource.clone().unwrap_or_default(),
            f.kind.as_str(),
            f.message.clone(),
            f.account.clone().unwrap_or_default(),
        )
    };
    let mut engine: Vec<_> =
        access_reconciler::drift::findings(&adapter, &config, &system_read, today)
            .iter()
            .map(key)
            .collect();
    let section: AwsSection = serde_json::from_value(snapshot["aws"].clone()).expect("section");
    let mut reference: Vec<_> = aws_findings(&config.people, &aws, &temporary, &section, today)
        .iter()
        .map(key)
        .collect();
    engine.sort();
    reference.sort();
    assert_eq!(engine, reference);
    let kinds: std::collections::BTreeSet<_> = engine.iter().map(|k| k.1).collect();
    assert_eq!(
        kinds.into_iter().collect::<Vec<_>>(),
        [
            "expired_temporary_access",
            "mfa_not_required",
            "missing",
            "unexpected_member",
            "untrusted_principal"
        ]
    );
}
