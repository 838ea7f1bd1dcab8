//! The live GitHub client against a fake GitHub on 127.0.0.1 (tests/support/github.rs):
//! through the library (`LiveSource`, `RestClient`) for the fault matrix, and through the real
//! binary (`snapshot --out`) for exit codes, messages and the token never being printed.
//! Waits are shortened with the hidden flags (`--backoff-ms 0 --secondary-wait 0`) and
//! `--max-wait`; no test sleeps for more than about a second.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stderr)]

mod common;
#[path = "support/mod.rs"]
mod support;
use support::github as fake_github;

use std::time::Duration;

use access_reconciler::sources::github::live::LiveSource;
use access_reconciler::sources::github::rest::ClientOptions;
use access_reconciler::sources::github::rest::{Credentials, RestClient};
use access_reconciler::sources::github::{
    MemberRole, MembershipRead, MembershipSource, OrgMembership, SourceError,
};
use fake_github::{FakeGithub, FakeTeam, Fault};

const ORG: &str = "alphagov";
const TOKEN: &str = "ghp_TESTTOKENabcdef0123456789";

fn args(url: &str) -> ClientOptions {
    ClientOptions {
        api_url: url.to_owned(),
        app_id: None,
        app_private_key: None,
        cache_dir: None,
        max_wait: 900,
        concurrency: 8,
        retries: 2,
        backoff_ms: 0,
        secondary_wait: 0,
    }
}

async fn source(args: &ClientOptions, token: &str) -> Result<LiveSource, SourceError> {
    LiveSource::connect_with(args, ORG, false, Credentials::Token(token.to_owned())).await
}

async fn read(args: &ClientOptions, teams: &[&str]) -> Result<MembershipRead, SourceError> {
    let teams: Vec<String> = teams.iter().map(|t| (*t).to_owned()).collect();
    source(args, TOKEN).await?.read_teams(ORG, &teams).await
}

fn small_team() -> FakeTeam {
    FakeTeam {
        members: vec!["alice".into(), "Bob".into()],
        maintainers: vec!["alice".into()],
        invitations: vec![("carol".into(), "2026-11-20T10:00:00Z".into())],
        children: vec![],
    }
}

fn fake() -> FakeGithub {
    let gh = FakeGithub::start(ORG, TOKEN);
    gh.team("t", small_team());
    gh
}

// ---------------------------------------------------------------- through the library

#[tokio::test]
async fn pages_by_link_header_with_maintainers_and_invitations() {
    let gh = FakeGithub::start(ORG, TOKEN);
    let mut team = FakeTeam::sized("user", 250);
    team.maintainers = vec!["user7".into()];
    team.invitations = vec![("newbie".into(), "2026-11-20T10:00:00Z".into())];
    gh.team("big", team);
    let read = read(&args(&gh.url), &["big"]).await.unwrap();
    assert!(read.complete());
    let big = &read.teams["big"];
    assert_eq!(big.members.len(), 250);
    let maintainers: Vec<_> = big
        .members
        .iter()
        .filter(|m| m.role == MemberRole::Maintainer)
        .map(|m| m.login.as_str())
        .collect();
    assert_eq!(maintainers, ["user7"]);
    assert!(big.members.iter().all(|m| m.via_team.is_none()));
    assert_eq!(big.invitations.len(), 1);
    assert_eq!(big.invitations[0].login, "newbie");
    // The minimum: 3 member pages + maintainers + invitations + child teams.
    assert_eq!(gh.requests(), 6, "{:#?}", gh.log());
    assert_eq!(
        gh.unauthenticated(),
        0,
        "page 2+ kept the Authorization header"
    );
    // Pages 2 and 3 were requested by the Link URLs GitHub gave.
    assert!(
        gh.log()
            .iter()
            .any(|l| l.contains("/organizations/1/team/big/members?per_page=100&page=3"))
    );
}

#[tokio::test]
async fn fetches_the_remaining_pages_in_parallel() {
    let gh = FakeGithub::start(ORG, TOKEN);
    gh.team("big", FakeTeam::sized("u", 550));
    gh.latency(Duration::from_millis(50));
    let client = RestClient::connect_with(&args(&gh.url), ORG, Credentials::Token(TOKEN.into()))
        .await
        .unwrap();
    let items: Vec<serde_json::Value> = client
        .get_all_pages("/orgs/alphagov/teams/big/members?per_page=100")
        .await
        .unwrap();
    assert_eq!(items.len(), 550);
    assert_eq!(items[549]["login"], "u549", "items stay in page order");
    assert_eq!(gh.requests(), 6);
    // Pages 2..=6 were in flight together, not one after another.
    assert!(
        gh.max_in_flight() >= 4,
        "max in flight {}",
        gh.max_in_flight()
    );
}

#[tokio::test]
async fn teams_are_read_concurrently_within_the_in_flight_bound() {
    let gh = FakeGithub::start(ORG, TOKEN);
    let teams: Vec<String> = (0..12).map(|i| format!("team-{i}")).collect();
    for t in &teams {
        gh.team(t, FakeTeam::sized("u", 250));
    }
    gh.latency(Duration::from_millis(30));
    let refs: Vec<&str> = teams.iter().map(String::as_str).collect();
    // The default bound (8), then a lower one.
    for (concurrency, expected) in [(8, 8), (3, 3)] {
        gh.reset_counters();
        let mut a = args(&gh.url);
        a.concurrency = concurrency;
        let read = read(&a, &refs).await.unwrap();
        assert!(read.complete(), "{:?}", read.errors);
        assert_eq!(read.teams.len(), 12);
        let most = gh.max_in_flight();
        assert!(
            most <= expected && most >= expected.min(3),
            "--concurrency {concurrency}: teams read together, never more than the bound; most in flight {most}"
        );
        // 12 teams x (3 member pages + maintainers + invitations + child teams).
        assert_eq!(gh.requests(), 12 * 6);
    }
}

#[tokio::test]
async fn attributes_child_team_members_with_via_team() {
    let gh = FakeGithub::start(ORG, TOKEN);
    gh.team(
        "parent",
        FakeTeam {
            members: vec!["direct".into(), "kid".into(), "grandkid".into()],
            children: vec!["child".into()],
            ..FakeTeam::default()
        },
    );
    gh.team(
        "child",
        FakeTeam {
            members: vec!["kid".into(), "grandkid".into()],
            children: vec!["grandchild".into()],
            ..FakeTeam::default()
        },
    );
    gh.team(
        "grandchild",
        FakeTeam {
            members: vec!["grandkid".into()],
            ..FakeTeam::default()
        },
    );
    let read = read(&args(&gh.url), &["parent"]).await.unwrap();
    let via: Vec<(String, Option<String>)> = read.teams["parent"]
        .members
        .iter()
        .map(|m| (m.login.clone(), m.via_team.clone()))
        .collect();
    assert_eq!(
        via,
        [
            ("direct".to_owned(), None),
            ("grandkid".to_owned(), Some("grandchild".to_owned())),
            ("kid".to_owned(), Some("child".to_owned())),
        ]
    );
}

#[tokio::test]
async fn a_rerun_with_the_cache_costs_no_rate_limit_points() {
    let gh = FakeGithub::start(ORG, TOKEN);
    let mut team = FakeTeam::sized("user", 250);
    team.children = vec!["kids".into()];
    gh.team("big", team);
    gh.team("kids", FakeTeam::sized("user", 3));
    let dir = tempfile::tempdir().unwrap();
    let mut a = args(&gh.url);
    a.cache_dir = Some(dir.path().join("cache"));
    let first = read(&a, &["big"]).await.unwrap();
    let cold = gh.requests();
    assert_eq!(gh.not_modified(), 0);
    gh.reset_counters();
    let second = read(&a, &["big"]).await.unwrap();
    assert_eq!(first.teams, second.teams);
    assert_eq!(gh.requests(), cold, "the same requests, conditionally");
    assert_eq!(gh.not_modified(), cold, "every one answered 304");
    assert_eq!(gh.points(), 0);
    // A different token does not reuse another token's pages.
    gh.reset_counters();
    let other = LiveSource::connect_with(&a, ORG, false, Credentials::Token("ghp_other".into()))
        .await
        .unwrap();
    let _ = other.read_teams(ORG, &["big".to_owned()]).await;
    assert_eq!(gh.not_modified(), 0);
    // The token is not in the cache files, not even in their names.
    for entry in std::fs::read_dir(dir.path().join("cache")).unwrap() {
        let entry = entry.unwrap();
        assert!(!entry.file_name().to_string_lossy().contains(TOKEN));
        assert!(
            !std::fs::read_to_string(entry.path())
                .unwrap()
                .contains(TOKEN)
        );
    }
}

#[tokio::test]
async fn bad_credentials_fail_the_whole_read_naming_the_permission() {
    let gh = fake();
    let e = source(&args(&gh.url), "ghp_wrongtoken000")
        .await
        .unwrap()
        .read_teams(ORG, &["t".to_owned()])
        .await
        .unwrap_err();
    let SourceError::Api(msg) = e else {
        panic!("expected an API error, got {e:?}")
    };
    assert!(msg.contains("401 Bad credentials"), "{msg}");
    assert!(
        msg.contains("read:org") && msg.contains("Members: read"),
        "{msg}"
    );
    assert!(!msg.contains("ghp_wrongtoken000"));
}

#[tokio::test]
async fn missing_permission_fails_the_whole_read_naming_it() {
    let gh = fake();
    gh.fault(
        "/members",
        Fault::with_headers(
            403,
            &[("x-accepted-github-permissions", "members=read")],
            r#"{"message":"Resource not accessible by integration"}"#,
        ),
        10,
    );
    let e = read(&args(&gh.url), &["t"]).await.unwrap_err();
    let msg = e.to_string();
    assert!(
        msg.contains("Resource not accessible by integration"),
        "{msg}"
    );
    assert!(msg.contains("\"Members: read\""), "{msg}");
    assert!(msg.contains("members=read"), "{msg}");
}

#[tokio::test]
async fn a_missing_team_is_an_error_for_that_team_only() {
    let gh = fake();
    let read = read(&args(&gh.url), &["t", "nope"]).await.unwrap();
    assert!(!read.complete());
    assert!(read.teams.contains_key("t"));
    assert!(!read.teams.contains_key("nope"));
    assert_eq!(read.errors.len(), 1);
    assert_eq!(read.errors[0].team, "nope");
    assert_eq!(
        read.errors[0].reason,
        "team nope not found in org alphagov, or the token cannot see it (404)"
    );
}

#[tokio::test]
async fn server_errors_are_retried_then_fail_the_team() {
    let gh = fake();
    gh.fault("/teams/t/invitations", Fault::status(502, "bad gateway"), 2);
    let read1 = read(&args(&gh.url), &["t"]).await.unwrap();
    assert!(read1.complete(), "{:?}", read1.errors);
    assert_eq!(read1.teams["t"].invitations.len(), 1);
    assert_eq!(gh.requests(), 4 + 2);

    gh.fault("/teams/t/invitations", Fault::status(502, "bad gateway"), 3);
    let read2 = read(&args(&gh.url), &["t"]).await.unwrap();
    assert!(!read2.complete());
    assert!(read2.errors[0].reason.contains("502"), "{:?}", read2.errors);
    assert!(
        read2.errors[0].reason.contains("after 3 tries"),
        "{:?}",
        read2.errors
    );
    assert!(read2.teams.is_empty(), "no partial team");
}

#[tokio::test]
async fn retry_after_is_waited_or_refused_beyond_max_wait() {
    let gh = fake();
    gh.fault(
        "/teams/t/teams",
        Fault::with_headers(429, &[("retry-after", "1")], r#"{"message":"slow down"}"#),
        1,
    );
    let started = std::time::Instant::now();
    let ok = read(&args(&gh.url), &["t"]).await.unwrap();
    assert!(ok.complete());
    assert!(
        started.elapsed() >= Duration::from_millis(900),
        "waited retry-after"
    );

    gh.fault(
        "/teams/t/teams",
        Fault::with_headers(429, &[("retry-after", "120")], r#"{"message":"slow down"}"#),
        1,
    );
    let mut a = args(&gh.url);
    a.max_wait = 5;
    let failed = read(&a, &["t"]).await.unwrap();
    assert!(!failed.complete());
    assert!(
        failed.errors[0].reason.contains("--max-wait 5 s"),
        "{:?}",
        failed.errors
    );
}

#[tokio::test]
async fn an_exhausted_rate_limit_waits_for_the_reset_or_gives_up_with_the_time() {
    let gh = fake();
    let past = (chrono::Utc::now().timestamp() - 10).to_string();
    gh.fault(
        "/teams/t/members?per_page=100&role",
        Fault::with_headers(
            403,
            &[
                ("x-ratelimit-remaining", "0"),
                ("x-ratelimit-reset", past.as_str()),
            ],
            r#"{"message":"API rate limit exceeded"}"#,
        ),
        1,
    );
    let mut a = args(&gh.url);
    a.max_wait = 0;
    assert!(read(&a, &["t"]).await.unwrap().complete());

    let reset = chrono::Utc::now().timestamp() + 3600;
    let reset_s = reset.to_string();
    gh.fault(
        "/teams/t/members?per_page=100&role",
        Fault::with_headers(
            403,
            &[
                ("x-ratelimit-remaining", "0"),
                ("x-ratelimit-reset", reset_s.as_str()),
            ],
            r#"{"message":"API rate limit exceeded"}"#,
        ),
        1,
    );
    let failed = read(&a, &["t"]).await.unwrap();
    let when = chrono::DateTime::from_timestamp(reset, 0)
        .unwrap()
        .format("%Y-%m-%d %H:%M:%S UTC")
        .to_string();
    assert!(
        failed.errors[0].reason.contains(&when),
        "{:?}",
        failed.errors
    );
    assert!(
        failed.errors[0].reason.contains("--max-wait"),
        "{:?}",
        failed.errors
    );
}

#[tokio::test]
async fn a_secondary_rate_limit_without_headers_is_waited_out() {
    let gh = fake();
    gh.fault(
        "/teams/t/members?per_page=100&role",
        Fault::status(
            403,
            r#"{"message":"You have exceeded a secondary rate limit. Please wait a few minutes before you try again."}"#,
        ),
        2,
    );
    let read = read(&args(&gh.url), &["t"]).await.unwrap();
    assert!(read.complete(), "{:?}", read.errors);
    assert_eq!(gh.requests(), 4 + 2);
}

#[tokio::test]
async fn dropped_connections_are_retried() {
    let gh = fake();
    gh.fault("/teams/t/members?per_page=100&role", Fault::Drop, 2);
    assert!(read(&args(&gh.url), &["t"]).await.unwrap().complete());
    gh.fault("/teams/t/members?per_page=100&role", Fault::Drop, 3);
    let failed = read(&args(&gh.url), &["t"]).await.unwrap();
    assert!(
        failed.errors[0].reason.contains("network error"),
        "{:?}",
        failed.errors
    );
}

#[tokio::test]
async fn truncated_json_is_an_error_never_an_empty_page() {
    let gh = fake();
    gh.fault("/teams/t/invitations", Fault::Truncate, 1);
    let ok = read(&args(&gh.url), &["t"]).await.unwrap();
    assert_eq!(
        ok.teams["t"].invitations.len(),
        1,
        "retried, not read as empty"
    );
    gh.fault("/teams/t/invitations", Fault::Truncate, 3);
    let failed = read(&args(&gh.url), &["t"]).await.unwrap();
    assert!(
        failed.errors[0].reason.contains("not the JSON expected"),
        "{:?}",
        failed.errors
    );
    assert!(failed.teams.is_empty());
}

#[tokio::test]
async fn org_membership_active_pending_and_none() {
    let gh = fake();
    gh.org_member("alice", "active")
        .org_member("bob", "pending");
    let src = source(&args(&gh.url), TOKEN).await.unwrap();
    let logins = ["Alice".to_owned(), "bob".to_owned(), "gone".to_owned()];
    // Before any team is read, a 404 cannot be told from a token that sees no memberships:
    // nobody is called a leaver.
    let blind = src.org_membership(ORG, &logins).await.unwrap_err();
    assert!(
        blind.to_string().contains("leavers are not reported"),
        "{blind}"
    );
    // Once a team is read, one of its members confirms that a 404 means "not a member".
    src.read_teams(ORG, &["t".into()]).await.unwrap();
    let m = src.org_membership(ORG, &logins).await.unwrap().unwrap();
    assert_eq!(m["alice"], OrgMembership::Active);
    assert_eq!(m["bob"], OrgMembership::Pending);
    assert_eq!(m["gone"], OrgMembership::None);
}

#[tokio::test]
async fn whoami_and_mutations_are_never_retried() {
    let gh = fake();
    let client = RestClient::connect_with(&args(&gh.url), ORG, Credentials::Token(TOKEN.into()))
        .await
        .unwrap();
    assert_eq!(client.whoami().await.unwrap(), "reconciler-bot");
    gh.reset_counters();
    gh.fault(
        "/repos/o/r/issues/1/comments",
        Fault::status(502, "oops"),
        5,
    );
    let e = client
        .send_json::<serde_json::Value>(
            http::Method::POST,
            "/repos/o/r/issues/1/comments",
            &serde_json::json!({"body": "hi"}),
        )
        .await
        .unwrap_err();
    assert_eq!(e.status(), Some(http::StatusCode::BAD_GATEWAY));
    assert_eq!(gh.requests(), 1, "a POST is sent once");
    let e = client
        .get_json::<serde_json::Value>("/repos/o/r/nothing")
        .await
        .unwrap_err();
    assert!(
        e.to_string()
            .contains("not found, or the token cannot see it"),
        "{e}"
    );
}

#[tokio::test]
async fn an_api_url_that_is_not_a_url_is_a_usage_error() {
    let a = args("http://127.0.0.1:9");
    let e = LiveSource::connect_with(
        &ClientOptions {
            api_url: "not a url".into(),
            ..a
        },
        ORG,
        false,
        Credentials::Token(TOKEN.into()),
    )
    .await
    .err()
    .unwrap();
    assert!(matches!(e, SourceError::Usage(_)), "{e:?}");
}

/// A throwaway RSA key for GitHub App tests, made with openssl (None when it is missing).
fn app_key() -> Option<String> {
    let out = std::process::Command::new("openssl")
        .args([
            "genpkey",
            "-algorithm",
            "RSA",
            "-pkeyopt",
            "rsa_keygen_bits:2048",
        ])
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}

#[tokio::test]
async fn github_app_auth_mints_an_installation_token_that_pages_keep() {
    let Some(pem) = app_key() else {
        eprintln!("skipped: openssl is not installed, cannot make a test App key");
        return;
    };
    let gh = FakeGithub::start(ORG, TOKEN);
    gh.team("big", FakeTeam::sized("u", 230));
    let a = args(&gh.url);
    let creds = Credentials::App { app_id: 1, pem };
    let client = RestClient::connect_with(&a, ORG, creds).await.unwrap();
    assert_eq!(client.whoami().await.unwrap(), "access-reconciler[bot]");
    let items: Vec<serde_json::Value> = client
        .get_all_pages("/orgs/alphagov/teams/big/members?per_page=100")
        .await
        .unwrap();
    assert_eq!(items.len(), 230);
    assert_eq!(
        gh.unauthenticated(),
        0,
        "page 2+ carried the installation token"
    );
    let log = gh.log();
    assert!(
        log.contains(&"POST /app/installations/42/access_tokens".to_owned()),
        "{log:#?}"
    );
}

// ---------------------------------------------------------------- through the binary

const CONFIG: &str = "\
- name: Alice Admin
  email: alice@digital.cabinet-office.gov.uk
  github_username: alice
  role: production_admin_access
- name: Bob Deployer
  email: bob@digital.cabinet-office.gov.uk
  github_username: bob
  role: production_deploy_access
- name: Dave Leaver
  email: dave@digital.cabinet-office.gov.uk
  github_username: dave
  role: production_deploy_access
";

/// A fake with the built-in mapping's three teams.
fn fake_org() -> FakeGithub {
    let gh = FakeGithub::start(ORG, TOKEN);
    gh.team(
        "gov-uk",
        FakeTeam {
            members: vec!["alice".into(), "Bob".into(), "govuk-ci".into()],
            ..FakeTeam::default()
        },
    );
    gh.team(
        "gov-uk-production-admin",
        FakeTeam {
            members: vec!["alice".into(), "mallory".into()],
            maintainers: vec!["alice".into()],
            ..FakeTeam::default()
        },
    );
    gh.team(
        "gov-uk-production-deploy",
        FakeTeam {
            members: vec!["Bob".into()],
            invitations: vec![("dave".into(), "2026-11-20T10:00:00Z".into())],
            ..FakeTeam::default()
        },
    );
    gh.org_member("dave", "pending");
    gh
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
    snapshot: Option<serde_json::Value>,
}

fn snapshot_run(gh: &FakeGithub, token: Option<&str>, extra: &[&str]) -> Run {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("govuk_tech.yml");
    std::fs::write(&config, CONFIG).unwrap();
    let out = dir.path().join("snapshot.json");
    let mut cmd = common::bin();
    cmd.args(["snapshot", "--config"])
        .arg(&config)
        .arg("--out")
        .arg(&out)
        .args([
            "--api-url",
            &gh.url,
            "--backoff-ms",
            "0",
            "--secondary-wait",
            "0",
        ])
        .args(extra);
    if let Some(t) = token {
        cmd.env("GITHUB_TOKEN", t);
    }
    let output = cmd.output().unwrap();
    Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        snapshot: std::fs::read_to_string(&out)
            .ok()
            .map(|t| serde_json::from_str(&t).unwrap()),
    }
}

#[test]
fn snapshot_records_the_managed_teams_and_org_membership() {
    let gh = fake_org();
    let run = snapshot_run(&gh, Some(TOKEN), &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.stdout, "");
    let s = run.snapshot.unwrap();
    // Snapshot v2: GitHub is a section of its own.
    assert_eq!(s["version"], 2);
    assert!(s["fetched_at"].is_string());
    let s = &s["github"];
    assert_eq!(s["org"], "alphagov");
    assert_eq!(
        s["teams"]["gov-uk-production-admin"]["members"],
        serde_json::json!([{"login":"alice","role":"maintainer"},{"login":"mallory","role":"member"}])
    );
    assert_eq!(
        s["teams"]["gov-uk-production-deploy"]["invitations"],
        serde_json::json!([{"login":"dave","created_at":"2026-11-20T10:00:00Z"}])
    );
    // Only people with a role missing from one of their teams are looked up: dave.
    assert_eq!(s["org_membership"], serde_json::json!({"dave": "pending"}));
}

#[test]
fn snapshot_without_credentials_exits_2_saying_what_to_set() {
    let gh = fake_org();
    let run = snapshot_run(&gh, None, &[]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("GITHUB_TOKEN"), "{}", run.stderr);
    assert!(run.stderr.contains("read:org"), "{}", run.stderr);
    assert!(run.stderr.contains("--app-id"), "{}", run.stderr);
    assert_eq!(gh.requests(), 0);
    assert!(run.snapshot.is_none());
}

#[test]
fn snapshot_with_github_app_credentials_from_the_environment() {
    let Some(pem) = app_key() else {
        eprintln!("skipped: openssl is not installed, cannot make a test App key");
        return;
    };
    let gh = fake_org();
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("govuk_tech.yml");
    std::fs::write(&config, CONFIG).unwrap();
    let out = dir.path().join("snapshot.json");
    let output = common::bin()
        .args(["snapshot", "--config"])
        .arg(&config)
        .arg("--out")
        .arg(&out)
        .args(["--api-url", &gh.url, "-vvv"])
        .env("GITHUB_APP_ID", "1")
        .env("GITHUB_APP_PRIVATE_KEY", &pem)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert!(out.exists());
    assert!(
        !stderr.contains(TOKEN),
        "the installation token leaked:\n{stderr}"
    );
    assert!(!stderr.contains("PRIVATE KEY"), "the key leaked");
}

#[test]
fn github_app_private_key_from_the_environment_may_name_the_pem_file() {
    let Some(pem) = app_key() else {
        eprintln!("skipped: openssl is not installed, cannot make a test App key");
        return;
    };
    let gh = fake_org();
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("govuk_tech.yml");
    std::fs::write(&config, CONFIG).unwrap();
    let key = dir.path().join("app.pem");
    std::fs::write(&key, &pem).unwrap();
    let out = dir.path().join("snapshot.json");
    let run = |key_env: &std::ffi::OsStr| {
        common::bin()
            .args(["snapshot", "--config"])
            .arg(&config)
            .arg("--out")
            .arg(&out)
            .args(["--api-url", &gh.url])
            .env("GITHUB_APP_ID", "1")
            .env("GITHUB_APP_PRIVATE_KEY", key_env)
            .output()
            .unwrap()
    };
    // `--app-private-key PATH (or env GITHUB_APP_PRIVATE_KEY)`: the path of the .pem file...
    let output = run(key.as_os_str());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert!(out.exists());
    // ...and a path that does not exist says so, naming the variable.
    let output = run(dir.path().join("missing.pem").as_os_str());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("GITHUB_APP_PRIVATE_KEY") && stderr.contains("missing.pem"),
        "{stderr}"
    );
    // A long value that is neither (a key with its armour lost) is never echoed.
    let mangled: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    let output = run(std::ffi::OsStr::new(&mangled));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("is not PEM text"), "{stderr}");
    assert!(!stderr.contains(&mangled[..40]), "the key leaked: {stderr}");
}

#[test]
fn an_unreachable_api_exits_3_and_writes_nothing() {
    let gh = fake_org();
    let _ = &gh;
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("govuk_tech.yml");
    std::fs::write(&config, CONFIG).unwrap();
    let out = dir.path().join("snapshot.json");
    let output = common::bin()
        .args(["snapshot", "--config"])
        .arg(&config)
        .arg("--out")
        .arg(&out)
        .args(["--api-url", "http://127.0.0.1:9", "--backoff-ms", "0"])
        .env("GITHUB_TOKEN", TOKEN)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(3), "{stderr}");
    assert!(stderr.contains("network error"), "{stderr}");
    assert!(stderr.contains("no snapshot was written"), "{stderr}");
    assert!(
        !stderr.contains("ERROR"),
        "no octocrab noise at the default level: {stderr}"
    );
    assert!(!out.exists());
}

#[test]
fn snapshot_with_bad_credentials_exits_3() {
    let gh = fake_org();
    let run = snapshot_run(&gh, Some("ghp_revokedrevoked"), &["-vvv"]);
    assert_eq!(run.code, 3, "{}", run.stderr);
    assert!(run.stderr.contains("401 Bad credentials"), "{}", run.stderr);
    assert!(!run.stderr.contains("ghp_revokedrevoked"));
    assert!(run.snapshot.is_none());
}

#[test]
fn a_team_that_fails_is_left_out_and_the_exit_code_is_3() {
    let gh = fake_org();
    gh.fault(
        "/teams/gov-uk-production-admin/",
        Fault::status(500, "{}"),
        100,
    );
    let run = snapshot_run(&gh, Some(TOKEN), &[]);
    assert_eq!(run.code, 3, "{}", run.stderr);
    assert!(
        run.stderr.contains("gov-uk-production-admin"),
        "{}",
        run.stderr
    );
    let s = &run.snapshot.unwrap()["github"];
    assert!(s["teams"].get("gov-uk-production-admin").is_none());
    assert!(s["teams"].get("gov-uk").is_some());
}

#[test]
fn rate_limit_reset_beyond_max_wait_exits_3_with_the_reset_time() {
    let gh = fake_org();
    let reset = chrono::Utc::now().timestamp() + 7200;
    let reset_s = reset.to_string();
    gh.fault(
        "/teams/gov-uk/members",
        Fault::with_headers(
            403,
            &[
                ("x-ratelimit-remaining", "0"),
                ("x-ratelimit-reset", reset_s.as_str()),
            ],
            r#"{"message":"API rate limit exceeded"}"#,
        ),
        100,
    );
    let run = snapshot_run(&gh, Some(TOKEN), &["--max-wait", "60"]);
    assert_eq!(run.code, 3, "{}", run.stderr);
    let when = chrono::DateTime::from_timestamp(reset, 0)
        .unwrap()
        .format("%Y-%m-%d %H:%M:%S UTC")
        .to_string();
    assert!(run.stderr.contains(&when), "{}", run.stderr);
}

#[test]
fn the_token_is_never_printed_even_at_vvv() {
    let gh = fake_org();
    gh.fault("/teams/gov-uk/invitations", Fault::status(502, "{}"), 1);
    gh.fault("/teams/gov-uk-production-deploy/teams", Fault::Drop, 1);
    let dir = tempfile::tempdir().unwrap();
    let cache = dir.path().join("cache");
    let cache_s = cache.to_str().unwrap();
    for _ in 0..2 {
        let run = snapshot_run(&gh, Some(TOKEN), &["-vvv", "--cache-dir", cache_s]);
        assert_eq!(run.code, 0, "{}", run.stderr);
        assert!(
            run.stderr.contains("TRACE") || run.stderr.contains("DEBUG"),
            "logging is on"
        );
        assert!(!run.stdout.contains(TOKEN));
        assert!(!run.stderr.contains(TOKEN), "token leaked:\n{}", run.stderr);
        assert!(!run.stderr.contains("TESTTOKEN"));
    }
    assert!(gh.not_modified() > 0, "the second run used the cache");
}

// ---------------------------------------------------------------- drift, live

/// A fake GitHub serving exactly what fixtures/github_snapshot.json records.
fn fake_from_fixture() -> FakeGithub {
    FakeGithub::read_snapshot(
        &common::root().join("fixtures/github_snapshot.json"),
        ORG,
        TOKEN,
    )
}

/// `drift` on the fixture config; its stdout without the evidence (which names where the
/// membership came from, so it differs between a live and a snapshot run by design).
fn drift_run(args: &[&str], token: Option<&str>) -> (i32, String, String) {
    let (code, stdout, stderr) = drift_run_raw(args, token);
    (code, common::without_evidence(&stdout), stderr)
}

fn drift_run_raw(args: &[&str], token: Option<&str>) -> (i32, String, String) {
    let mut cmd = common::bin();
    cmd.args([
        "drift",
        "--config",
        "fixtures/govuk_tech.yml",
        "--today",
        "2026-11-28",
        "--color",
        "never",
    ])
    .args(args);
    if let Some(t) = token {
        cmd.env("GITHUB_TOKEN", t);
    }
    let out = cmd.output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn live_drift_evidence_names_the_api_url() {
    let gh = fake_from_fixture();
    let (_, stdout, stderr) = drift_run_raw(
        &[
            "--api-url",
            &gh.url,
            "--backoff-ms",
            "0",
            "--format",
            "json",
        ],
        Some(TOKEN),
    );
    let report: serde_json::Value = serde_json::from_str(&stdout).expect(&stderr);
    let github = &report["evidence"]["sources"][0];
    assert_eq!(github["system"], "github");
    assert_eq!(github["source"], "api");
    assert_eq!(github["url"], gh.url.as_str());
    assert!(
        github["read_at"].as_str().is_some_and(|t| t.ends_with('Z')),
        "{github}"
    );
    assert!(github.get("path").is_none());
}

#[test]
fn live_drift_reports_what_the_snapshot_run_reports() {
    let gh = fake_from_fixture();
    for format in ["json", "text", "markdown", "github"] {
        let (code_snap, snap, _) = drift_run(
            &[
                "--snapshot",
                "fixtures/github_snapshot.json",
                "--format",
                format,
            ],
            None,
        );
        let (code_live, live, stderr) = drift_run(
            &[
                "--api-url",
                &gh.url,
                "--backoff-ms",
                "0",
                "--format",
                format,
            ],
            Some(TOKEN),
        );
        assert_eq!(code_live, code_snap, "{stderr}");
        assert_eq!(code_live, 1);
        assert_eq!(
            live,
            without_fetched_at(format, &snap),
            "{format} report differs between live and snapshot"
        );
    }
}

/// A report from a snapshot without the line (or JSON key) saying when it was recorded: the
/// only thing a live run reports differently.
fn without_fetched_at(format: &str, report: &str) -> String {
    if format == "json" {
        // The report as a JSON object (key order aside: `common::without_evidence` already
        // re-serialised it), without its top-level `fetched_at`.
        let mut v: serde_json::Value = serde_json::from_str(report).unwrap();
        if let Some(obj) = v.as_object_mut() {
            obj.remove("fetched_at");
        }
        return serde_json::to_string_pretty(&v).unwrap();
    }
    let mut out = String::new();
    let mut skip_blank = false;
    for line in report.split_inclusive('\n') {
        if line.contains("Membership as recorded at") {
            skip_blank = format == "markdown";
            continue;
        }
        if skip_blank && line.trim().is_empty() {
            skip_blank = false;
            continue;
        }
        skip_blank = false;
        out.push_str(line);
    }
    out
}

#[test]
fn live_snapshot_of_the_fixture_org_records_the_same_teams() {
    let gh = fake_from_fixture();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("s.json");
    let output = common::bin()
        .args(["snapshot", "--config", "fixtures/govuk_tech.yml", "--out"])
        .arg(&out)
        .args(["--api-url", &gh.url])
        .env("GITHUB_TOKEN", TOKEN)
        .output()
        .unwrap();
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let written: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    let fixture: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(common::root().join("fixtures/github_snapshot.json")).unwrap(),
    )
    .unwrap();
    let sorted = |v: &serde_json::Value| {
        let mut teams = v["teams"].clone();
        for team in teams.as_object_mut().unwrap().values_mut() {
            for list in ["members", "invitations"] {
                team[list]
                    .as_array_mut()
                    .unwrap()
                    .sort_by_key(|m| m["login"].as_str().unwrap().to_lowercase());
            }
        }
        teams
    };
    assert_eq!(sorted(&written["github"]), sorted(&fixture));
}

#[test]
fn live_drift_with_one_team_failing_reports_the_others_and_exits_3() {
    let gh = fake_from_fixture();
    gh.fault(
        "/teams/gov-uk-production-admin/",
        Fault::status(502, "{}"),
        1000,
    );
    let (code, stdout, stderr) = drift_run(
        &[
            "--api-url",
            &gh.url,
            "--backoff-ms",
            "0",
            "--format",
            "json",
            "-vvv",
        ],
        Some(TOKEN),
    );
    assert_eq!(code, 3, "{stderr}");
    let report: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(report["complete"], false);
    assert_eq!(report["errors"][0]["team"], "gov-uk-production-admin");
    assert!(
        report["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("502"),
        "{}",
        report["errors"]
    );
    let findings = report["findings"].as_array().unwrap();
    assert!(
        findings
            .iter()
            .all(|f| f["team"] != "gov-uk-production-admin")
    );
    assert!(
        findings
            .iter()
            .any(|f| f["team"] == "gov-uk-production-deploy")
    );
    assert!(!stdout.contains(TOKEN) && !stderr.contains(TOKEN));
}

#[test]
fn live_drift_without_a_token_exits_2() {
    let gh = fake_from_fixture();
    let (code, stdout, stderr) = drift_run(&["--api-url", &gh.url], None);
    assert_eq!(code, 2, "{stderr}");
    assert_eq!(stdout, "");
    assert!(
        stderr.contains("GITHUB_TOKEN") && stderr.contains("--snapshot"),
        "{stderr}"
    );
}

#[test]
fn live_drift_with_a_rate_limit_beyond_max_wait_exits_3() {
    let gh = fake_from_fixture();
    let reset = (chrono::Utc::now().timestamp() + 3600).to_string();
    gh.fault(
        "/members",
        Fault::with_headers(
            429,
            &[
                ("x-ratelimit-remaining", "0"),
                ("x-ratelimit-reset", reset.as_str()),
            ],
            r#"{"message":"API rate limit exceeded"}"#,
        ),
        1000,
    );
    let (code, stdout, stderr) = drift_run(
        &["--api-url", &gh.url, "--max-wait", "0", "--format", "json"],
        Some(TOKEN),
    );
    assert_eq!(code, 3, "{stderr}");
    let report: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(report["complete"], false);
    assert_eq!(report["errors"].as_array().unwrap().len(), 3);
    assert!(stdout.contains("--max-wait"), "{stdout}");
}

#[tokio::test]
async fn whoami_with_an_actions_installation_token_is_github_actions_bot() {
    let token = "ghs_actionsinstallationtoken";
    let gh = FakeGithub::start(ORG, token);
    gh.fault(
        "/user",
        Fault::status(
            403,
            r#"{"message":"Resource not accessible by integration"}"#,
        ),
        1,
    );
    let client = RestClient::connect_with(&args(&gh.url), ORG, Credentials::Token(token.into()))
        .await
        .unwrap();
    assert_eq!(client.whoami().await.unwrap(), "github-actions[bot]");
}

#[tokio::test]
async fn progress_off_a_terminal_draws_nothing_and_reads_the_same() {
    let gh = fake();
    let src = LiveSource::connect_with(&args(&gh.url), ORG, true, Credentials::Token(TOKEN.into()))
        .await
        .unwrap();
    let read = src.read_teams(ORG, &["t".to_owned()]).await.unwrap();
    assert!(read.complete());
    assert_eq!(read.teams["t"].members.len(), 2);
}

// ---------------------------------------------------------------- fail closed: the audit
// A partial or failed read must never produce a clean report or a false missing/unexpected
// finding: each case below either reads the team whole or reports it unread.

fn post_mints(gh: &FakeGithub) -> usize {
    gh.log()
        .iter()
        .filter(|l| l.starts_with("POST /app/installations/42/access_tokens"))
        .count()
}

fn cache_files(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    files
}

#[tokio::test]
async fn next_without_last_is_followed_page_by_page() {
    let gh = FakeGithub::start(ORG, TOKEN);
    gh.team("big", FakeTeam::sized("user", 250)).omit_last();
    let read = read(&args(&gh.url), &["big"]).await.unwrap();
    assert!(read.complete(), "{:?}", read.errors);
    assert_eq!(read.teams["big"].members.len(), 250);
    assert_eq!(gh.requests(), 6, "{:#?}", gh.log());
}

#[tokio::test]
async fn an_absurd_last_page_is_refused_not_fetched() {
    let gh = FakeGithub::start(ORG, TOKEN);
    gh.team("big", FakeTeam::sized("user", 250))
        .last_page_claim(100_000);
    gh.team("t", small_team());
    let read = read(&args(&gh.url), &["big", "t"]).await.unwrap();
    assert!(!read.complete());
    assert!(read.teams.contains_key("t"));
    assert!(!read.teams.contains_key("big"), "no partial team");
    assert!(
        read.errors[0].reason.contains("100000 pages"),
        "{:?}",
        read.errors
    );
    assert!(
        gh.requests() <= 8,
        "pages 2.. were not fetched: {}",
        gh.requests()
    );
}

#[tokio::test]
async fn a_link_loop_is_an_error_not_an_endless_read() {
    let gh = fake();
    let again = format!(
        "<{}/orgs/alphagov/teams/t/invitations?per_page=100>; rel=\"next\"",
        gh.url
    );
    gh.fault(
        "/teams/t/invitations",
        Fault::with_headers(200, &[("link", again.as_str())], "[]"),
        100,
    );
    let read = read(&args(&gh.url), &["t"]).await.unwrap();
    assert!(!read.complete());
    assert!(read.teams.is_empty());
    assert!(
        read.errors[0]
            .reason
            .contains("points back at a page already read"),
        "{:?}",
        read.errors
    );
    assert!(gh.requests() <= 6, "{:#?}", gh.log());
}

#[tokio::test]
async fn link_urls_to_another_host_are_not_followed_with_the_token() {
    let gh = FakeGithub::start(ORG, TOKEN);
    let elsewhere = FakeGithub::start(ORG, TOKEN);
    gh.team("big", FakeTeam::sized("user", 250))
        .link_base(&elsewhere.url);
    let read = read(&args(&gh.url), &["big"]).await.unwrap();
    assert!(!read.complete());
    assert!(read.teams.is_empty());
    assert!(
        read.errors[0].reason.contains("not under --api-url"),
        "{:?}",
        read.errors
    );
    assert_eq!(
        elsewhere.requests(),
        0,
        "nothing was sent to the other host"
    );
}

#[tokio::test]
async fn a_corrupt_or_missing_cache_entry_is_refetched_unconditionally() {
    let gh = FakeGithub::start(ORG, TOKEN);
    gh.team("big", FakeTeam::sized("user", 250));
    let dir = tempfile::tempdir().unwrap();
    let cache = dir.path().join("cache");
    let mut a = args(&gh.url);
    a.cache_dir = Some(cache.clone());
    let first = read(&a, &["big"]).await.unwrap();
    let files = cache_files(&cache);
    assert_eq!(files.len(), 6, "one entry per request");
    // A truncated file, an entry whose body is not the list the caller expects, a lost file.
    std::fs::write(&files[0], "{\"url\":").unwrap();
    let mut entry: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&files[1]).unwrap()).unwrap();
    entry["body"] = r#"{"message":"not a list"}"#.into();
    std::fs::write(&files[1], entry.to_string()).unwrap();
    std::fs::remove_file(&files[2]).unwrap();
    gh.reset_counters();
    let second = read(&a, &["big"]).await.unwrap();
    assert!(second.complete(), "{:?}", second.errors);
    assert_eq!(first.teams, second.teams);
    // 4 conditional requests answered 304 (one of them unusable, so fetched again), and 2
    // unconditional ones for the truncated and the lost entries.
    assert_eq!(gh.not_modified(), 4, "{:#?}", gh.log());
    assert_eq!(gh.requests(), 7, "{:#?}", gh.log());
    // The cache is whole again.
    gh.reset_counters();
    let third = read(&a, &["big"]).await.unwrap();
    assert_eq!(first.teams, third.teams);
    assert_eq!(gh.points(), 0);
}

#[tokio::test]
async fn a_304_to_an_unconditional_request_is_asked_again_never_read_as_empty() {
    let gh = fake();
    gh.fault("/teams/t/invitations", Fault::status(304, ""), 1);
    let ok = read(&args(&gh.url), &["t"]).await.unwrap();
    assert_eq!(ok.teams["t"].invitations.len(), 1);
    gh.fault("/teams/t/invitations", Fault::status(304, ""), 3);
    let failed = read(&args(&gh.url), &["t"]).await.unwrap();
    assert!(failed.teams.is_empty());
    assert!(
        failed.errors[0].reason.contains("304"),
        "{:?}",
        failed.errors
    );
}

#[tokio::test]
async fn concurrent_runs_share_a_cache_dir_safely() {
    let gh = FakeGithub::start(ORG, TOKEN);
    gh.team("big", FakeTeam::sized("user", 250));
    let dir = tempfile::tempdir().unwrap();
    let mut a = args(&gh.url);
    a.cache_dir = Some(dir.path().join("cache"));
    let (r1, r2, r3) = tokio::join!(read(&a, &["big"]), read(&a, &["big"]), read(&a, &["big"]));
    let (r1, r2, r3) = (r1.unwrap(), r2.unwrap(), r3.unwrap());
    assert!(r1.complete() && r2.complete() && r3.complete());
    assert_eq!(r1.teams, r2.teams);
    assert_eq!(r1.teams, r3.teams);
    assert_eq!(
        cache_files(&dir.path().join("cache")).len(),
        6,
        "no stray files"
    );
    gh.reset_counters();
    let r4 = read(&a, &["big"]).await.unwrap();
    assert_eq!(r1.teams, r4.teams);
    assert_eq!(gh.points(), 0);
}

#[tokio::test]
async fn a_json_object_where_a_list_belongs_fails_the_team() {
    let gh = fake();
    gh.fault(
        "/teams/t/invitations",
        Fault::status(200, r#"{"message":"not a list"}"#),
        1,
    );
    let read = read(&args(&gh.url), &["t"]).await.unwrap();
    assert!(read.teams.is_empty(), "no partial team");
    let reason = &read.errors[0].reason;
    assert!(reason.contains("not the JSON expected"), "{reason}");
    assert!(reason.contains("expected a sequence"), "{reason}");
}

#[tokio::test]
async fn an_empty_200_body_is_retried_then_fails_the_team() {
    let gh = fake();
    gh.fault("/teams/t/teams", Fault::status(200, ""), 1);
    assert!(read(&args(&gh.url), &["t"]).await.unwrap().complete());
    gh.fault("/teams/t/teams", Fault::status(200, ""), 3);
    let failed = read(&args(&gh.url), &["t"]).await.unwrap();
    assert!(failed.teams.is_empty());
    assert!(
        failed.errors[0].reason.contains("not the JSON expected"),
        "{:?}",
        failed.errors
    );
}

#[tokio::test]
async fn a_reset_in_the_past_is_retried_a_bounded_number_of_times() {
    let gh = fake();
    let past = (chrono::Utc::now().timestamp() - 600).to_string();
    gh.fault(
        "/teams/t/teams",
        Fault::with_headers(
            403,
            &[
                ("x-ratelimit-remaining", "0"),
                ("x-ratelimit-reset", past.as_str()),
            ],
            r#"{"message":"API rate limit exceeded"}"#,
        ),
        100,
    );
    let failed = read(&args(&gh.url), &["t"]).await.unwrap();
    assert!(failed.teams.is_empty());
    assert!(
        failed.errors[0]
            .reason
            .contains("still limited after 5 waits"),
        "{:?}",
        failed.errors
    );
    let tries = gh
        .log()
        .iter()
        .filter(|l| l.contains("/teams/t/teams"))
        .count();
    assert_eq!(tries, 6);
}

#[tokio::test]
async fn retry_after_as_an_http_date_is_honoured() {
    let gh = fake();
    gh.fault(
        "/teams/t/teams",
        Fault::with_headers(
            429,
            &[("retry-after", "Wed, 21 Oct 2015 07:28:00 GMT")],
            r#"{"message":"slow down"}"#,
        ),
        1,
    );
    assert!(read(&args(&gh.url), &["t"]).await.unwrap().complete());
    let later = (chrono::Utc::now() + chrono::Duration::hours(1))
        .format("%a, %d %b %Y %H:%M:%S GMT")
        .to_string();
    gh.fault(
        "/teams/t/teams",
        Fault::with_headers(
            429,
            &[("retry-after", later.as_str())],
            r#"{"message":"slow down"}"#,
        ),
        1,
    );
    let mut a = args(&gh.url);
    a.max_wait = 5;
    let failed = read(&a, &["t"]).await.unwrap();
    assert!(failed.teams.is_empty());
    assert!(
        failed.errors[0].reason.contains("--max-wait 5 s"),
        "{:?}",
        failed.errors
    );
}

#[tokio::test]
async fn a_403_that_is_neither_rate_limit_nor_permission_fails_closed_unretried() {
    let gh = fake();
    gh.fault(
        "/teams/t/invitations",
        Fault::status(403, r#"{"message":"Forbidden"}"#),
        10,
    );
    let e = read(&args(&gh.url), &["t"]).await.unwrap_err();
    let msg = e.to_string();
    assert!(msg.contains("403 Forbidden"), "{msg}");
    assert!(msg.contains("GitHub did not say why"), "{msg}");
    assert!(
        msg.contains("SAML") && msg.contains("IP allow list"),
        "{msg}"
    );
    let tries = gh
        .log()
        .iter()
        .filter(|l| l.contains("/invitations"))
        .count();
    assert_eq!(tries, 1, "a 403 is not retried");
}

#[tokio::test]
async fn an_error_body_echoing_the_token_is_redacted() {
    let gh = fake();
    let body = format!(r#"{{"message":"Bad token {TOKEN}"}}"#);
    gh.fault("/teams/t/members", Fault::status(401, &body), 10);
    let e = read(&args(&gh.url), &["t"]).await.unwrap_err();
    assert!(!e.to_string().contains(TOKEN), "{e}");
    assert!(!format!("{e:?}").contains(TOKEN), "{e:?}");
    assert!(e.to_string().contains("[REDACTED]"), "{e}");
}

#[test]
fn credentials_debug_never_shows_the_secret() {
    let token = format!("{:?}", Credentials::Token(TOKEN.into()));
    assert!(!token.contains(TOKEN), "{token}");
    let app = format!(
        "{:?}",
        Credentials::App {
            app_id: 7,
            pem: "-----BEGIN PRIVATE KEY-----\nMIIsecret\n".into()
        }
    );
    assert!(app.contains("app_id: 7"), "{app}");
    assert!(
        !app.contains("PRIVATE") && !app.contains("MIIsecret"),
        "{app}"
    );
    let a = args("http://127.0.0.1:9");
    assert!(!format!("{a:?}").contains(TOKEN));
}

#[tokio::test]
async fn an_installation_token_rejected_mid_run_is_minted_again_once() {
    let Some(pem) = app_key() else {
        eprintln!("skipped: openssl is not installed, cannot make a test App key");
        return;
    };
    let gh = FakeGithub::start(ORG, TOKEN);
    gh.team("big", FakeTeam::sized("u", 230));
    let client = RestClient::connect_with(&args(&gh.url), ORG, Credentials::App { app_id: 1, pem })
        .await
        .unwrap();
    gh.fault(
        "page=2",
        Fault::status(401, r#"{"message":"Bad credentials"}"#),
        1,
    );
    let items: Vec<serde_json::Value> = client
        .get_all_pages("/orgs/alphagov/teams/big/members?per_page=100")
        .await
        .unwrap();
    assert_eq!(items.len(), 230);
    assert_eq!(post_mints(&gh), 2, "{:#?}", gh.log());
    // A token that keeps being refused is an error, not a loop.
    gh.fault(
        "page=3",
        Fault::status(401, r#"{"message":"Bad credentials"}"#),
        10,
    );
    let e = client
        .get_all_pages::<serde_json::Value>("/orgs/alphagov/teams/big/members?per_page=100")
        .await
        .unwrap_err();
    assert!(e.to_string().contains("401 Bad credentials"), "{e}");
    assert_eq!(post_mints(&gh), 3);
}

#[tokio::test]
async fn a_skewed_clock_does_not_mint_a_token_per_request() {
    let Some(pem) = app_key() else {
        eprintln!("skipped: openssl is not installed, cannot make a test App key");
        return;
    };
    let gh = FakeGithub::start(ORG, TOKEN);
    // Our clock runs two hours ahead: every token looks expired when it arrives.
    gh.token_expires_in(chrono::Duration::hours(-2));
    gh.team("big", FakeTeam::sized("u", 230));
    gh.team("t", small_team());
    let mut a = args(&gh.url);
    a.cache_dir = Some(tempfile::tempdir().unwrap().path().join("cache"));
    let src = LiveSource::connect_with(&a, ORG, false, Credentials::App { app_id: 1, pem })
        .await
        .unwrap();
    let read = src
        .read_teams(ORG, &["big".to_owned(), "t".to_owned()])
        .await
        .unwrap();
    assert!(read.complete(), "{:?}", read.errors);
    assert_eq!(post_mints(&gh), 1, "{:#?}", gh.log());
}

#[tokio::test]
async fn app_auth_cache_files_hold_neither_the_token_nor_the_key() {
    let Some(pem) = app_key() else {
        eprintln!("skipped: openssl is not installed, cannot make a test App key");
        return;
    };
    let gh = FakeGithub::start(ORG, TOKEN);
    gh.team("big", FakeTeam::sized("u", 230));
    let dir = tempfile::tempdir().unwrap();
    let mut a = args(&gh.url);
    a.cache_dir = Some(dir.path().join("cache"));
    let key_line = pem.lines().nth(1).unwrap().to_owned();
    let src = LiveSource::connect_with(&a, ORG, false, Credentials::App { app_id: 1, pem })
        .await
        .unwrap();
    assert!(
        src.read_teams(ORG, &["big".to_owned()])
            .await
            .unwrap()
            .complete()
    );
    let files = cache_files(&dir.path().join("cache"));
    assert!(!files.is_empty());
    for f in files {
        let name = f.file_name().unwrap().to_string_lossy().into_owned();
        let text = std::fs::read_to_string(&f).unwrap();
        for secret in [TOKEN, "TESTTOKEN", "PRIVATE KEY", key_line.as_str()] {
            assert!(
                !name.contains(secret) && !text.contains(secret),
                "{secret} in {name}"
            );
        }
    }
}

#[test]
fn an_unusable_cache_dir_warns_and_the_run_goes_on() {
    let gh = fake_org();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("not-a-dir");
    std::fs::write(&file, "").unwrap();
    let cache = file.join("cache");
    let run = snapshot_run(&gh, Some(TOKEN), &["--cache-dir", cache.to_str().unwrap()]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stderr.contains("is not usable"), "{}", run.stderr);
    assert!(run.stderr.contains("without the cache"), "{}", run.stderr);
    assert_eq!(run.stderr.matches("--cache-dir").count(), 1, "warned once");
    assert!(run.snapshot.is_some());
}

#[test]
fn a_403_for_saml_sso_exits_3_saying_to_authorize_the_token() {
    let gh = fake_org();
    gh.fault(
        "/members",
        Fault::with_headers(
            403,
            &[(
                "x-github-sso",
                "required; url=https://github.com/orgs/alphagov/sso?authorization_request=XYZ",
            )],
            r#"{"message":"Resource protected by organization SAML enforcement. You must grant your Personal Access token access to this organization."}"#,
        ),
        1000,
    );
    let run = snapshot_run(&gh, Some(TOKEN), &[]);
    assert_eq!(run.code, 3, "{}", run.stderr);
    assert!(run.stderr.contains("SAML single sign-on"), "{}", run.stderr);
    assert!(
        run.stderr
            .contains("https://github.com/orgs/alphagov/sso?authorization_request=XYZ"),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains("rate limit"), "{}", run.stderr);
    assert!(run.snapshot.is_none());
}

#[test]
fn a_github_app_not_installed_on_the_org_exits_3_saying_so() {
    let Some(pem) = app_key() else {
        eprintln!("skipped: openssl is not installed, cannot make a test App key");
        return;
    };
    // The App is installed on another org only.
    let gh = FakeGithub::start("someone-else", TOKEN);
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("govuk_tech.yml");
    std::fs::write(&config, CONFIG).unwrap();
    let out = dir.path().join("snapshot.json");
    let output = common::bin()
        .args(["snapshot", "--config"])
        .arg(&config)
        .arg("--out")
        .arg(&out)
        .args(["--api-url", &gh.url])
        .env("GITHUB_APP_ID", "1")
        .env("GITHUB_APP_PRIVATE_KEY", &pem)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(3), "{stderr}");
    assert!(
        stderr.contains("GitHub App 1 is not installed on alphagov"),
        "{stderr}"
    );
    assert!(stderr.contains("Members: read"), "{stderr}");
    assert!(!out.exists());
}

#[tokio::test]
async fn a_body_echoing_the_token_where_a_list_belongs_is_redacted() {
    let gh = fake();
    let body = format!(r#"{{"token":"{TOKEN}"}}"#);
    gh.fault(
        "/teams/t/teams",
        Fault::status(200, &format!("[\"{TOKEN}\"]")),
        1,
    );
    gh.fault("/teams/t/invitations", Fault::status(200, &body), 1);
    let read = read(&args(&gh.url), &["t"]).await.unwrap();
    assert!(read.teams.is_empty());
    let text = format!("{read:?}");
    assert!(!text.contains(TOKEN), "{text}");
}

#[test]
fn a_token_that_cannot_see_org_memberships_fails_rather_than_reporting_leavers() {
    let gh = fake_org();
    // dave (deploy role) is in gov-uk but missing from the deploy team: he is looked up.
    gh.team(
        "gov-uk",
        FakeTeam {
            members: vec!["alice".into(), "Bob".into(), "dave".into()],
            ..FakeTeam::default()
        },
    );
    // GitHub answers 404 for every membership when the token cannot see them.
    gh.fault(
        "/memberships/",
        Fault::status(404, r#"{"message":"Not Found"}"#),
        100,
    );
    let run = snapshot_run(&gh, Some(TOKEN), &[]);
    assert_eq!(run.code, 3, "{}", run.stderr);
    assert!(
        run.stderr.contains("the token cannot see org memberships"),
        "{}",
        run.stderr
    );
    assert!(run.snapshot.is_none(), "no snapshot claiming dave left");
    // No extra request: dave's own lookup contradicts the team read.
    let lookups: Vec<String> = gh
        .log()
        .into_iter()
        .filter(|l| l.contains("/memberships/"))
        .collect();
    assert_eq!(lookups, ["GET /orgs/alphagov/memberships/dave"]);
}

#[tokio::test]
async fn an_unreadable_link_header_is_an_error_not_the_last_page() {
    let gh = fake();
    let odd = format!(
        "<{}/orgs/alphagov/teams/t/members?per_page=100&page=2>; rel='next'",
        gh.url
    );
    gh.fault(
        "/teams/t/members?per_page=100",
        Fault::with_headers(200, &[("link", odd.as_str())], r#"[{"login":"alice"}]"#),
        3,
    );
    let read = read(&args(&gh.url), &["t"]).await.unwrap();
    assert!(read.teams.is_empty(), "not read as a one-page list");
    assert!(
        read.errors[0].reason.contains("names no page"),
        "{:?}",
        read.errors
    );
}

#[tokio::test]
async fn app_lookups_and_minting_are_retried_on_server_errors() {
    let Some(pem) = app_key() else {
        eprintln!("skipped: openssl is not installed, cannot make a test App key");
        return;
    };
    let gh = fake();
    gh.fault("/orgs/alphagov/installation", Fault::status(502, "{}"), 1);
    gh.fault("/access_tokens", Fault::status(503, "{}"), 1);
    let src = LiveSource::connect_with(
        &args(&gh.url),
        ORG,
        false,
        Credentials::App { app_id: 1, pem },
    )
    .await
    .unwrap();
    assert!(
        src.read_teams(ORG, &["t".to_owned()])
            .await
            .unwrap()
            .complete()
    );
    assert_eq!(post_mints(&gh), 2, "{:#?}", gh.log());
}

// ---------------------------------------------------------------- GitHub Enterprise Server

#[tokio::test]
async fn an_enterprise_api_url_keeps_its_path_for_every_page_and_the_cache() {
    let gh = FakeGithub::start(ORG, TOKEN);
    let mut team = FakeTeam::sized("user", 250);
    team.maintainers = vec!["user7".into()];
    team.children = vec!["kids".into()];
    gh.team("big", team);
    gh.team("kids", FakeTeam::sized("user", 3));
    let url = gh.enterprise();
    let dir = tempfile::tempdir().unwrap();
    let mut a = args(&url);
    a.cache_dir = Some(dir.path().join("cache"));
    let first = read(&a, &["big"]).await.unwrap();
    assert!(first.complete(), "{:?}", first.errors);
    let big = &first.teams["big"];
    assert_eq!(big.members.len(), 250);
    assert_eq!(
        big.members.iter().filter(|m| m.via_team.is_some()).count(),
        3
    );
    let log = gh.log();
    assert!(
        log.iter().all(|l| l.contains(" /api/v3/")),
        "every request under /api/v3: {log:#?}"
    );
    assert!(
        log.iter()
            .any(|l| l.contains("/api/v3/organizations/1/team/big/members?per_page=100&page=3")),
        "pages 2+ by the Link URLs: {log:#?}"
    );
    assert_eq!(gh.unauthenticated(), 0);
    // The rerun is answered from the cache, so the cache keys agree for pages 1 and 2+.
    let cold = gh.requests();
    gh.reset_counters();
    let second = read(&a, &["big"]).await.unwrap();
    assert_eq!(first.teams, second.teams);
    assert_eq!(gh.requests(), cold);
    assert_eq!(gh.points(), 0, "{:#?}", gh.log());
}

#[tokio::test]
async fn github_app_auth_against_an_enterprise_api_url() {
    let Some(pem) = app_key() else {
        eprintln!("skipped: openssl is not installed, cannot make a test App key");
        return;
    };
    let gh = FakeGithub::start(ORG, TOKEN);
    gh.team("big", FakeTeam::sized("u", 230));
    let url = gh.enterprise();
    let creds = Credentials::App { app_id: 1, pem };
    let client = RestClient::connect_with(&args(&url), ORG, creds)
        .await
        .unwrap();
    let items: Vec<serde_json::Value> = client
        .get_all_pages("/orgs/alphagov/teams/big/members?per_page=100")
        .await
        .unwrap();
    assert_eq!(items.len(), 230);
    assert_eq!(
        gh.unauthenticated(),
        0,
        "page 2+ carried the installation token"
    );
    let log = gh.log();
    assert!(
        log.contains(&"POST /api/v3/app/installations/42/access_tokens".to_owned()),
        "{log:#?}"
    );
    assert!(log.iter().all(|l| l.contains(" /api/v3/")), "{log:#?}");
}

#[test]
fn live_drift_against_an_enterprise_api_url_reports_what_the_snapshot_run_reports() {
    let gh = fake_from_fixture();
    let url = gh.enterprise();
    let (code_snap, snap, _) = drift_run(
        &[
            "--snapshot",
            "fixtures/github_snapshot.json",
            "--format",
            "json",
        ],
        None,
    );
    let (code_live, live, stderr) = drift_run(
        &["--api-url", &url, "--backoff-ms", "0", "--format", "json"],
        Some(TOKEN),
    );
    assert_eq!((code_live, code_snap), (1, 1), "{stderr}");
    assert_eq!(live, without_fetched_at("json", &snap));
}

// ---------------------------------------------------------------- issue 4's faults, through the binary

/// `drift --format json -vvv` against `gh`, checking the token is in neither stream.
fn live_json(gh_url: &str, extra: &[&str]) -> (i32, Option<serde_json::Value>, String) {
    let mut args = vec![
        "--api-url",
        gh_url,
        "--backoff-ms",
        "0",
        "--secondary-wait",
        "0",
        "--format",
        "json",
        "-vvv",
    ];
    args.extend_from_slice(extra);
    let (code, stdout, stderr) = drift_run(&args, Some(TOKEN));
    assert!(
        !stdout.contains("TESTTOKEN") && !stderr.contains("TESTTOKEN"),
        "the token leaked:\n{stderr}"
    );
    (code, serde_json::from_str(&stdout).ok(), stderr)
}

#[test]
fn every_fault_the_live_issue_names_through_the_binary() {
    let (_, snap, _) = drift_run(
        &[
            "--snapshot",
            "fixtures/github_snapshot.json",
            "--format",
            "json",
        ],
        None,
    );
    let mut snap: serde_json::Value = serde_json::from_str(&snap).unwrap();
    // A run from a snapshot says when it was recorded; a live run reads GitHub now.
    snap.as_object_mut().unwrap().remove("fetched_at");
    let admin = "/teams/gov-uk-production-admin/members?per_page=100";
    let past = (chrono::Utc::now().timestamp() - 10).to_string();
    let secondary = r#"{"message":"You have exceeded a secondary rate limit. Please wait a few minutes before you try again."}"#;
    // Faults that retries get past: the report is the snapshot run's, exit 1.
    let recovered: Vec<(&str, Fault, usize)> = vec![
        ("502 twice", Fault::status(502, "bad gateway"), 2),
        (
            "429 with retry-after",
            Fault::with_headers(429, &[("retry-after", "0")], r#"{"message":"slow down"}"#),
            1,
        ),
        (
            "403 with remaining 0 and a reset",
            Fault::with_headers(
                403,
                &[
                    ("x-ratelimit-remaining", "0"),
                    ("x-ratelimit-reset", past.as_str()),
                ],
                r#"{"message":"API rate limit exceeded"}"#,
            ),
            1,
        ),
        (
            "a secondary rate limit without headers",
            Fault::status(403, secondary),
            2,
        ),
        ("a dropped connection", Fault::Drop, 2),
        ("truncated JSON", Fault::Truncate, 1),
    ];
    for (what, fault, times) in recovered {
        let gh = fake_from_fixture();
        gh.fault(admin, fault, times);
        let (code, report, stderr) = live_json(&gh.url, &[]);
        assert_eq!(code, 1, "{what}: {stderr}");
        assert_eq!(report.as_ref(), Some(&snap), "{what}: {stderr}");
        assert_eq!(
            gh.requests(),
            14 + times as u64,
            "{what}: retried once each"
        );
    }

    // 404 for one team: that team is unread, the others are reported, exit 3.
    let gh = fake_from_fixture();
    gh.fault(admin, Fault::status(404, r#"{"message":"Not Found"}"#), 1);
    let (code, report, stderr) = live_json(&gh.url, &[]);
    assert_eq!(code, 3, "{stderr}");
    let report = report.expect("a JSON report");
    assert_eq!(report["complete"], false);
    assert_eq!(
        report["errors"],
        serde_json::json!([{"team": "gov-uk-production-admin",
            "message": "team gov-uk-production-admin not found in org alphagov, or the token cannot see it (404)",
            "system": "github", "resource": "gov-uk-production-admin"}])
    );
    let findings = report["findings"].as_array().unwrap();
    assert!(
        findings
            .iter()
            .all(|f| f["team"] != "gov-uk-production-admin")
    );
    assert!(findings.iter().any(|f| f["kind"] == "missing"));

    // 401 and 403 (missing permission): the whole read fails, naming the permission; exit 3.
    // GitHub is then an unread system: the report says so (complete: false, GitHub named in
    // errors), with no finding from GitHub, never a clean one.
    for (status, body) in [
        (401, r#"{"message":"Bad credentials"}"#),
        (
            403,
            r#"{"message":"Resource not accessible by integration"}"#,
        ),
    ] {
        let gh = fake_from_fixture();
        gh.fault("/teams/", Fault::status(status, body), 1000);
        let (code, report, stderr) = live_json(&gh.url, &[]);
        assert_eq!(code, 3, "{status}: {stderr}");
        assert!(
            stderr.contains("read:org") && stderr.contains("\"Members: read\""),
            "{status}: {stderr}"
        );
        assert!(stderr.contains("error: github was not read: "), "{stderr}");
        let report = report.expect("a JSON report naming GitHub unread");
        assert_eq!(report["complete"], false, "{status}");
        let errors = report["errors"].as_array().unwrap();
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert_eq!(
            (
                &errors[0]["system"],
                &errors[0]["resource"],
                &errors[0]["team"]
            ),
            (
                &serde_json::json!("github"),
                &serde_json::Value::Null,
                &serde_json::Value::Null
            )
        );
        assert!(errors[0]["message"].as_str().unwrap().contains("read:org"));
        assert!(
            report["findings"]
                .as_array()
                .unwrap()
                .iter()
                .all(|f| f["system"].is_null()),
            "{status}: only policy findings: {report}"
        );
        assert_eq!(report["summary"]["teams"], 0);
        // The text names GitHub as what was not read, not as a team.
        let (code, text, _) = drift_run(&["--api-url", &gh.url, "--backoff-ms", "0"], Some(TOKEN));
        assert_eq!(code, 3, "{status}");
        assert!(
            text.contains("INCOMPLETE: 1 part not read (github); "),
            "{status}: {text}"
        );
    }
}

#[test]
fn a_failed_github_never_hides_the_other_selected_systems() {
    // GitHub rejects the token; PagerDuty (selected by the v2 mapping, read from an export file)
    // is still reported on, and so are the policy findings. Nothing stops at the first failure.
    let gh = fake_from_fixture();
    gh.fault(
        "/teams/",
        Fault::status(401, r#"{"message":"Bad credentials"}"#),
        1000,
    );
    let (code, report, stderr) = live_json(
        &gh.url,
        &[
            "--mapping",
            "fixtures/mapping_v2.yml",
            "--system",
            "github,pagerduty",
            "--export",
            "pagerduty=tests/data/pagerduty_users.csv",
        ],
    );
    assert_eq!(code, 3, "{stderr}");
    let report = report.expect("a JSON report");
    assert_eq!(report["complete"], false);
    let unread: Vec<(&str, &str)> = report["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["system"].as_str().unwrap(),
                e["message"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(unread.len(), 1, "{unread:?}");
    assert_eq!(unread[0].0, "github");
    assert!(unread[0].1.contains("401 Bad credentials"), "{unread:?}");
    assert_eq!(
        report["summary"]["by_system"],
        serde_json::json!({"github": 0, "pagerduty": 4})
    );
    assert!(
        report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["kind"] == "policy_violation"),
        "policy findings are still reported: {report}"
    );
    assert!(stderr.contains("error: github was not read: "), "{stderr}");
    assert!(!stderr.contains("pagerduty was not read"), "{stderr}");

    // A usage error (no token at all) still stops the run before any report: exit 2.
    let (code, stdout, stderr) = drift_run(
        &[
            "--api-url",
            &gh.url,
            "--mapping",
            "fixtures/mapping_v2.yml",
            "--format",
            "json",
        ],
        None,
    );
    assert_eq!((code, stdout.as_str()), (2, ""), "{stderr}");
}

#[test]
fn pagination_and_the_cache_through_the_binary() {
    let gh = fake_from_fixture();
    // 250 bots in gov-uk: three pages of members, fetched by the Link header.
    let bots: Vec<String> = (0..250).map(|i| format!("bot-{i}")).collect();
    let dir = tempfile::tempdir().unwrap();
    let mapping = dir.path().join("mapping.yml");
    std::fs::write(
        &mapping,
        format!(
            "org: alphagov\neveryone: [gov-uk]\nroles:\n  production_deploy_access: [gov-uk-production-deploy]\n  production_admin_access: [gov-uk-production-admin]\n  platformengineer: [gov-uk-production-admin]\nignore: [govuk-ci, {}]\n",
            bots.join(", ")
        ),
    )
    .unwrap();
    let mapping = mapping.to_str().unwrap();
    let mut snap = tempfile::NamedTempFile::new().unwrap();
    {
        // The same membership, recorded, for the expected report.
        let text =
            std::fs::read_to_string(common::root().join("fixtures/github_snapshot.json")).unwrap();
        let mut v: serde_json::Value = serde_json::from_str(&text).unwrap();
        let members = v["teams"]["gov-uk"]["members"].as_array_mut().unwrap();
        members.extend(bots.iter().map(|b| serde_json::json!({"login": b})));
        std::io::Write::write_all(&mut snap, v.to_string().as_bytes()).unwrap();
    }
    let snap_path = snap.path().to_str().unwrap();
    let (code, expected, _) = drift_run(
        &[
            "--snapshot",
            snap_path,
            "--mapping",
            mapping,
            "--format",
            "json",
        ],
        None,
    );
    assert_eq!(code, 1);
    let mut expected: serde_json::Value = serde_json::from_str(&expected).unwrap();
    assert_eq!(expected["summary"]["members_read"], 64 + 250);
    // A run from a snapshot says when it was recorded; a live run reads GitHub now.
    expected.as_object_mut().unwrap().remove("fetched_at");

    {
        let mut team = FakeTeam::default();
        let text =
            std::fs::read_to_string(common::root().join("fixtures/github_snapshot.json")).unwrap();
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        for m in v["teams"]["gov-uk"]["members"].as_array().unwrap() {
            let login = m["login"].as_str().unwrap().to_owned();
            if m["role"] == "maintainer" {
                team.maintainers.push(login.clone());
            }
            team.members.push(login);
        }
        team.members.extend(bots.iter().cloned());
        gh.team("gov-uk", team);
    }
    let cache = dir.path().join("cache");
    let cache = cache.to_str().unwrap();
    let (code, live, stderr) = live_json(&gh.url, &["--mapping", mapping, "--cache-dir", cache]);
    assert_eq!(code, 1, "{stderr}");
    assert_eq!(live.as_ref(), Some(&expected), "{stderr}");
    let log = gh.log();
    for page in [2, 3] {
        assert!(
            log.iter().any(|l| l.contains(&format!(
                "/organizations/1/team/gov-uk/members?per_page=100&page={page}"
            ))),
            "page {page} by its Link URL: {log:#?}"
        );
    }
    // The rerun with --cache-dir: every request answered 304, no rate-limit point.
    let cold = gh.requests();
    gh.reset_counters();
    let (code, again, stderr) = live_json(&gh.url, &["--mapping", mapping, "--cache-dir", cache]);
    assert_eq!(code, 1, "{stderr}");
    assert_eq!(again, live);
    assert_eq!(gh.requests(), cold);
    assert_eq!(gh.points(), 0, "{:#?}", gh.log());
}
