//! AWS through the real binary: the shipped fixtures (snapshot v2 + temporary_admin.yml), the
//! located errors of temporary_admin.yml, unread accounts, and live reads against a local fake
//! of IAM and STS (throttling then success, URL-encoded trust policies, 5xx to the end, web
//! identity, no credentials). No credential material reaches stdout or stderr at -vvv.

mod common;

use std::path::Path;

use assert_cmd::Command;
use wiremock::matchers::{body_string_contains, method};
use wiremock::{Mock, MockServer, ResponseTemplate};

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
        "fixtures/mapping_v2.yml",
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
            "fixtures/mapping_v2.yml",
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

fn caller(account: &str) -> String {
    format!(
        "<GetCallerIdentityResponse><GetCallerIdentityResult><Arn>arn:aws:iam::{account}:user/reader</Arn><UserId>AIDA</UserId><Account>{account}</Account></GetCallerIdentityResult></GetCallerIdentityResponse>"
    )
}

/// One page of ListRoles: jane.doe-developer with a URL-encoded trust policy lacking MFA, and
/// a stray fulladmin role.
fn roles() -> String {
    let doc = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::999999999999:user/jane.doe@example.gov.uk"},"Action":"sts:AssumeRole"}]}"#;
    let encoded: String = doc
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    format!(
        "<ListRolesResponse><ListRolesResult><IsTruncated>false</IsTruncated><Roles>\
         <member><RoleName>jane.doe-developer</RoleName><Arn>arn:aws:iam::123456789012:role/jane.doe-developer</Arn><AssumeRolePolicyDocument>{encoded}</AssumeRolePolicyDocument></member>\
         <member><RoleName>ghost-fulladmin</RoleName><Arn>arn:aws:iam::123456789012:role/ghost-fulladmin</Arn><AssumeRolePolicyDocument>{encoded}</AssumeRolePolicyDocument></member>\
         </Roles></ListRolesResult></ListRolesResponse>"
    )
}

fn throttled() -> ResponseTemplate {
    ResponseTemplate::new(400).set_body_string(
        "<ErrorResponse><Error><Type>Sender</Type><Code>Throttling</Code><Message>Rate exceeded</Message></Error></ErrorResponse>",
    )
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

    fn drift(&self, server: &MockServer) -> Command {
        let mut cmd = bin(self.home.path());
        cmd.args([
            "drift",
            "--today",
            "2026-11-28",
            "--backoff-ms",
            "0",
            "--retries",
            "3",
            "-vvv",
        ])
        .arg("--config")
        .arg(self.home.path().join("govuk_tech.yml"))
        .arg("--mapping")
        .arg(self.home.path().join("mapping.yml"))
        .env("AWS_ENDPOINT_URL", server.uri());
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

#[tokio::test]
async fn live_throttling_is_retried_and_url_encoded_policies_are_read() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(body_string_contains("Action=GetCallerIdentity"))
        .respond_with(ResponseTemplate::new(200).set_body_string(caller("123456789012")))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(body_string_contains("Action=ListRoles"))
        .respond_with(throttled())
        .up_to_n_times(2)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(body_string_contains("Action=ListRoles"))
        .respond_with(ResponseTemplate::new(200).set_body_string(roles()))
        .mount(&server)
        .await;
    let live = Live::new(false);
    let out = keys(&mut live.drift(&server)).output().expect("run");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("the AWS role jane.doe-developer in the staging account (123456789012) can be assumed by arn:aws:iam::999999999999:user/jane.doe@example.gov.uk without MFA"), "{stdout}");
    assert!(stdout.contains("ghost-fulladmin"), "{stdout}");
    assert_no_secrets(&out);
    let requests = server.received_requests().await.expect("recorded");
    // GetCallerIdentity, two throttled ListRoles, then the page.
    assert_eq!(requests.len(), 4);
    for r in &requests {
        let auth = r
            .headers
            .get("authorization")
            .expect("signed")
            .to_str()
            .expect("ascii");
        assert!(
            auth.starts_with("AWS4-HMAC-SHA256 Credential=AKIAFAKEKEY0000000/"),
            "{auth}"
        );
        assert_eq!(r.headers.get("x-amz-security-token").expect("token"), TOKEN);
    }
}

#[tokio::test]
async fn live_5xx_to_the_end_leaves_the_account_unread_exit_3() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(body_string_contains("Action=GetCallerIdentity"))
        .respond_with(ResponseTemplate::new(200).set_body_string(caller("123456789012")))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(body_string_contains("Action=ListRoles"))
        .respond_with(ResponseTemplate::new(503).set_body_string("busy"))
        .mount(&server)
        .await;
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

#[tokio::test]
async fn live_wrong_account_is_unread_not_reported() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(body_string_contains("Action=GetCallerIdentity"))
        .respond_with(ResponseTemplate::new(200).set_body_string(caller("999999999999")))
        .mount(&server)
        .await;
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
    assert_eq!(server.received_requests().await.expect("recorded").len(), 1);
}

#[tokio::test]
async fn live_web_identity_then_read_role() {
    let server = MockServer::start().await;
    let creds = |key: &str, secret: &str, role: &str| {
        format!(
            "<R><Result><Credentials><AccessKeyId>{key}</AccessKeyId><SecretAccessKey>{secret}</SecretAccessKey><SessionToken>tok-{key}</SessionToken></Credentials><AssumedRoleUser><Arn>arn:aws:sts::123456789012:assumed-role/{role}/access-reconciler</Arn></AssumedRoleUser></Result></R>"
        )
    };
    Mock::given(method("POST"))
        .and(body_string_contains("Action=AssumeRoleWithWebIdentity"))
        .respond_with(ResponseTemplate::new(200).set_body_string(creds(
            "ASIAOIDCKEY",
            "OIDCSECRET",
            "ci",
        )))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(body_string_contains("Action=AssumeRole&"))
        .respond_with(ResponseTemplate::new(200).set_body_string(creds(
            "ASIAROLEKEY",
            "ROLESECRET",
            "reader",
        )))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(body_string_contains("Action=ListRoles"))
        .respond_with(ResponseTemplate::new(200).set_body_string(roles()))
        .mount(&server)
        .await;
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
    let requests = server.received_requests().await.expect("recorded");
    assert_eq!(requests.len(), 3);
    // The web identity exchange is unsigned; the AssumeRole is signed with its keys, and the
    // read with the read role's.
    assert!(requests[0].headers.get("authorization").is_none());
    let auth = |i: usize| {
        requests[i]
            .headers
            .get("authorization")
            .expect("signed")
            .to_str()
            .expect("ascii")
            .to_owned()
    };
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

#[tokio::test]
async fn live_snapshot_records_the_aws_section_and_reads_back_the_same() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(body_string_contains("Action=GetCallerIdentity"))
        .respond_with(ResponseTemplate::new(200).set_body_string(caller("123456789012")))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(body_string_contains("Action=ListRoles"))
        .respond_with(ResponseTemplate::new(200).set_body_string(roles()))
        .mount(&server)
        .await;
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
        .env("AWS_ENDPOINT_URL", server.uri())
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
