//! The account-system readers (Sentry, Fastly, PagerDuty) against local fakes on 127.0.0.1
//! (tests/support/accounts.rs): pagination, 429 with `Retry-After` and with each service's reset
//! header, 5xx, a bad token, and the token never appearing in an error. Waits go to `NoDelay`,
//! so no test sleeps.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
#[path = "support/mod.rs"]
mod support;
use support::accounts as fake_accounts;

use std::sync::Arc;
use std::time::Duration;

use access_reconciler::sources::accounts::http::{
    AccountClient, HttpError, NoDelay, RetryPolicy, Service,
};
use access_reconciler::sources::accounts::{fastly, pagerduty, sentry};
use fake_accounts::{
    FakeFastly, FakePagerduty, FakeSentry, FastlyUser, Fault, Faults, SentryMember,
};
use secrecy::SecretString;

const SENTRY_TOKEN: &str = "sntrys_TESTTOKENabcdef0123456789";
const FASTLY_TOKEN: &str = "fastly_TESTTOKENabcdef0123456789";
const PD_TOKEN: &str = "pd_TESTTOKENabcdef0123456789";

fn policy() -> RetryPolicy {
    RetryPolicy {
        tries: 3,
        backoff_ms: 0,
        max_wait: 900,
    }
}

fn connect(service: &'static Service, url: &str, token: &str) -> (AccountClient, Arc<NoDelay>) {
    client_with(service, url, token, policy())
}

fn client_with(
    service: &'static Service,
    url: &str,
    token: &str,
    policy: RetryPolicy,
) -> (AccountClient, Arc<NoDelay>) {
    let delay = Arc::new(NoDelay::default());
    let client = AccountClient::new(
        service,
        url,
        SecretString::from(token.to_owned()),
        policy,
        delay.clone(),
    )
    .unwrap();
    (client, delay)
}

fn no_token_in(err: &HttpError) {
    let text = format!("{err} {err:?}");
    for token in [SENTRY_TOKEN, FASTLY_TOKEN, PD_TOKEN] {
        assert!(!text.contains(token), "token in {text}");
    }
}

fn sentry_members(n: usize) -> Vec<SentryMember> {
    (0..n)
        .map(|i| SentryMember::new(&format!("user{i}@example.gov.uk"), "member"))
        .collect()
}

// ---------------------------------------------------------------------------------- Sentry

#[tokio::test]
async fn sentry_follows_link_pages_until_results_false() {
    let mut members = sentry_members(248);
    members.push(SentryMember::new("boss@example.gov.uk", "owner"));
    members.push(SentryMember::invited("new@example.gov.uk", "admin", false));
    members.push(SentryMember::invited("old@example.gov.uk", "member", true));
    let fake = FakeSentry::start("govuk", SENTRY_TOKEN, members).await;
    let (client, delay) = connect(&sentry::SERVICE, &fake.url, SENTRY_TOKEN);
    let section = sentry::read(&client, "govuk").await.unwrap();
    assert_eq!(section.org, "govuk");
    assert_eq!(section.members.len(), 251);
    let boss = section
        .members
        .iter()
        .find(|m| m.email == "boss@example.gov.uk")
        .unwrap();
    assert_eq!(boss.role, "owner");
    let old = section
        .members
        .iter()
        .find(|m| m.email == "old@example.gov.uk")
        .unwrap();
    assert!(old.pending && old.expired);
    let requests = fake.requests().await;
    assert_eq!(requests.len(), 3, "3 pages of 100");
    assert!(requests[1].query().contains("cursor=0:100:0"));
    assert!(delay.waits().is_empty());
}

#[tokio::test]
async fn sentry_exact_multiple_of_the_page_size_stops_on_results_false() {
    let fake = FakeSentry::start("govuk", SENTRY_TOKEN, sentry_members(200)).await;
    let (client, _) = connect(&sentry::SERVICE, &fake.url, SENTRY_TOKEN);
    let section = sentry::read(&client, "govuk").await.unwrap();
    assert_eq!(section.members.len(), 200);
    assert_eq!(fake.requests().await.len(), 2);
}

#[tokio::test]
async fn sentry_waits_for_retry_after_on_429() {
    let fake = FakeSentry::start("govuk", SENTRY_TOKEN, sentry_members(3)).await;
    fake.inject(
        "/members/",
        Fault::status(429).with_header("retry-after", "7"),
        2,
    )
    .await;
    let (client, delay) = connect(&sentry::SERVICE, &fake.url, SENTRY_TOKEN);
    let section = sentry::read(&client, "govuk").await.unwrap();
    assert_eq!(section.members.len(), 3);
    assert_eq!(delay.waits(), vec![Duration::from_secs(7); 2]);
}

#[tokio::test]
async fn sentry_waits_for_its_reset_header_when_there_is_no_retry_after() {
    let fake = FakeSentry::start("govuk", SENTRY_TOKEN, sentry_members(3)).await;
    let reset = (chrono::Utc::now() + chrono::Duration::seconds(30)).timestamp();
    fake.inject(
        "/members/",
        Fault::status(429)
            .with_header("x-sentry-rate-limit-remaining", "0")
            .with_header("x-sentry-rate-limit-reset", &reset.to_string()),
        1,
    )
    .await;
    let (client, delay) = connect(&sentry::SERVICE, &fake.url, SENTRY_TOKEN);
    sentry::read(&client, "govuk").await.unwrap();
    let waits = delay.waits();
    assert_eq!(waits.len(), 1);
    assert!((29..=31).contains(&waits[0].as_secs()), "{waits:?}");
}

#[tokio::test]
async fn a_used_up_rate_limit_waits_for_the_reset_before_the_next_page() {
    let fake = FakeSentry::start("govuk", SENTRY_TOKEN, sentry_members(3)).await;
    let reset = (chrono::Utc::now() + chrono::Duration::seconds(40)).timestamp();
    let next = format!(
        "<{}/api/0/organizations/govuk/members/?&cursor=0:100:0>; rel=\"next\"; results=\"true\"; cursor=\"0:100:0\"",
        fake.url
    );
    fake.inject(
        "/members/",
        Fault {
            status: 200,
            headers: vec![
                ("link".into(), next),
                ("x-sentry-rate-limit-remaining".into(), "0".into()),
                ("x-sentry-rate-limit-reset".into(), reset.to_string()),
            ],
            body: r#"[{"email":"a@x","orgRole":"member","pending":false,"expired":false}]"#.into(),
        },
        1,
    )
    .await;
    let (client, delay) = connect(&sentry::SERVICE, &fake.url, SENTRY_TOKEN);
    let section = sentry::read(&client, "govuk").await.unwrap();
    assert_eq!(section.members.len(), 1, "page 2 (offset 100) is empty");
    let waits = delay.waits();
    assert_eq!(waits.len(), 1, "{waits:?}");
    assert!((39..=41).contains(&waits[0].as_secs()), "{waits:?}");
    assert_eq!(fake.requests().await.len(), 2);
}

#[tokio::test]
async fn a_rate_limit_longer_than_max_wait_gives_up() {
    let fake = FakeSentry::start("govuk", SENTRY_TOKEN, sentry_members(3)).await;
    fake.inject(
        "/members/",
        Fault::status(429).with_header("retry-after", "3600"),
        1,
    )
    .await;
    let (client, delay) = connect(&sentry::SERVICE, &fake.url, SENTRY_TOKEN);
    let err = sentry::read(&client, "govuk").await.unwrap_err();
    assert!(matches!(err, HttpError::RateLimited { .. }), "{err}");
    assert!(err.to_string().contains("--max-wait 900 s"), "{err}");
    assert!(delay.waits().is_empty());
    assert!(!err.is_usage());
}

#[tokio::test]
async fn endless_rate_limits_are_bounded() {
    let fake = FakeSentry::start("govuk", SENTRY_TOKEN, sentry_members(3)).await;
    fake.inject(
        "/members/",
        Fault::status(429).with_header("retry-after", "1"),
        100,
    )
    .await;
    let (client, delay) = connect(&sentry::SERVICE, &fake.url, SENTRY_TOKEN);
    let err = sentry::read(&client, "govuk").await.unwrap_err();
    assert!(
        err.to_string().contains("still limited after 5 waits"),
        "{err}"
    );
    assert_eq!(delay.waits().len(), 5);
}

#[tokio::test]
async fn server_errors_are_retried_then_the_read_fails() {
    let fake = FakeSentry::start("govuk", SENTRY_TOKEN, sentry_members(150)).await;
    fake.inject("/members/", Fault::status(503), 2).await;
    let (client, delay) = connect(&sentry::SERVICE, &fake.url, SENTRY_TOKEN);
    assert_eq!(
        sentry::read(&client, "govuk").await.unwrap().members.len(),
        150
    );
    assert_eq!(delay.waits().len(), 2);

    fake.inject("/members/", Fault::status(500), 3).await;
    let (client, _) = connect(&sentry::SERVICE, &fake.url, SENTRY_TOKEN);
    let err = sentry::read(&client, "govuk").await.unwrap_err();
    assert!(matches!(err, HttpError::Status { .. }), "{err}");
    assert!(err.to_string().contains("after 3 tries"), "{err}");
}

#[tokio::test]
async fn a_bad_token_is_a_401_naming_the_variable_and_never_the_token() {
    let fake = FakeSentry::start("govuk", SENTRY_TOKEN, sentry_members(3)).await;
    let (client, delay) = connect(&sentry::SERVICE, &fake.url, "sntrys_WRONGtoken0000");
    let err = sentry::read(&client, "govuk").await.unwrap_err();
    assert!(matches!(err, HttpError::Unauthorized { .. }), "{err}");
    let text = err.to_string();
    assert!(
        text.contains("SENTRY_AUTH_TOKEN") && text.contains("member:read"),
        "{text}"
    );
    assert!(!text.contains("WRONGtoken"), "{text}");
    assert!(delay.waits().is_empty(), "a 401 is not retried");
    assert_eq!(fake.requests().await.len(), 1);
}

#[tokio::test]
async fn a_wrong_org_is_a_404_naming_the_mapping_section() {
    let fake = FakeSentry::start("govuk", SENTRY_TOKEN, sentry_members(3)).await;
    let (client, _) = connect(&sentry::SERVICE, &fake.url, SENTRY_TOKEN);
    let err = sentry::read(&client, "other-org").await.unwrap_err();
    assert!(matches!(err, HttpError::NotFound { .. }), "{err}");
    assert!(err.to_string().contains("systems.sentry"), "{err}");
}

#[tokio::test]
async fn a_link_to_another_host_is_not_followed() {
    let fake = FakeSentry::start("govuk", SENTRY_TOKEN, sentry_members(3)).await;
    fake.inject(
        "/members/",
        Fault {
            status: 200,
            headers: vec![(
                "link".into(),
                r#"<http://127.0.0.1:9/api/0/organizations/govuk/members/?cursor=0:100:0>; rel="next"; results="true"; cursor="0:100:0""#.into(),
            )],
            body: r#"[{"email":"a@x","orgRole":"member","pending":false,"expired":false}]"#.into(),
        },
        1,
    )
    .await;
    let (client, _) = connect(&sentry::SERVICE, &fake.url, SENTRY_TOKEN);
    let err = sentry::read(&client, "govuk").await.unwrap_err();
    assert!(err.to_string().contains("not following it"), "{err}");
    no_token_in(&err);
}

#[tokio::test]
async fn a_truncated_body_is_retried_never_read_as_empty() {
    let fake = FakeSentry::start("govuk", SENTRY_TOKEN, sentry_members(3)).await;
    fake.inject(
        "/members/",
        Fault {
            status: 200,
            headers: vec![],
            body: r#"[{"email":"a@x","orgRo"#.into(),
        },
        3,
    )
    .await;
    let (client, _) = connect(&sentry::SERVICE, &fake.url, SENTRY_TOKEN);
    let err = sentry::read(&client, "govuk").await.unwrap_err();
    assert!(matches!(err, HttpError::Body { .. }), "{err}");
}

#[tokio::test]
async fn a_closed_port_is_a_network_error_after_the_tries() {
    let (client, delay) = connect(&sentry::SERVICE, "http://127.0.0.1:9", SENTRY_TOKEN);
    let err = sentry::read(&client, "govuk").await.unwrap_err();
    assert!(matches!(err, HttpError::Network { tries: 3, .. }), "{err}");
    assert_eq!(delay.waits().len(), 2);
    no_token_in(&err);
}

// ---------------------------------------------------------------------------------- Fastly

#[tokio::test]
async fn fastly_reads_users_in_one_request() {
    let users = vec![
        FastlyUser::new("ann@example.gov.uk", "engineer", false),
        FastlyUser::new("bob@example.gov.uk", "superuser", false),
        FastlyUser::new("cat@example.gov.uk", "engineer", true),
    ];
    let fake = FakeFastly::start("abc123", FASTLY_TOKEN, users).await;
    let (client, _) = connect(&fastly::SERVICE, &fake.url, FASTLY_TOKEN);
    let section = fastly::read(&client, "abc123").await.unwrap();
    assert_eq!(section.customer_id, "abc123");
    assert_eq!(section.users.len(), 3);
    assert!(section.users[2].limit_services);
    let requests = fake.requests().await;
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].header("fastly-key").unwrap(), FASTLY_TOKEN);
    assert!(requests[0].header("authorization").is_none());
}

#[tokio::test]
async fn fastly_bad_token_and_rate_limit_reset() {
    let fake = FakeFastly::start("abc123", FASTLY_TOKEN, vec![]).await;
    let (client, _) = connect(&fastly::SERVICE, &fake.url, "fastly_WRONG000");
    let err = fastly::read(&client, "abc123").await.unwrap_err();
    assert!(err.to_string().contains("FASTLY_API_TOKEN"), "{err}");
    assert!(err.to_string().contains("read-only"), "{err}");

    let reset = (chrono::Utc::now() + chrono::Duration::seconds(20)).timestamp();
    fake.inject(
        "/users",
        Fault::status(429)
            .with_header("fastly-ratelimit-remaining", "0")
            .with_header("fastly-ratelimit-reset", &reset.to_string()),
        1,
    )
    .await;
    let (client, delay) = connect(&fastly::SERVICE, &fake.url, FASTLY_TOKEN);
    assert!(
        fastly::read(&client, "abc123")
            .await
            .unwrap()
            .users
            .is_empty()
    );
    let waits = delay.waits();
    assert!((19..=21).contains(&waits[0].as_secs()), "{waits:?}");
}

// ------------------------------------------------------------------------------- PagerDuty

fn pd_users(n: usize) -> Vec<(String, String)> {
    (0..n)
        .map(|i| (format!("user{i}@example.gov.uk"), "user".to_owned()))
        .collect()
}

#[tokio::test]
async fn pagerduty_pages_by_offset_until_more_is_false() {
    let users = pd_users(230);
    let refs: Vec<(&str, &str)> = users
        .iter()
        .map(|(e, r)| (e.as_str(), r.as_str()))
        .collect();
    let fake = FakePagerduty::start(PD_TOKEN, &refs).await;
    let (client, _) = connect(&pagerduty::SERVICE, &fake.url, PD_TOKEN);
    let section = pagerduty::read(&client).await.unwrap();
    assert_eq!(section.users.len(), 230);
    let offsets: Vec<String> = fake
        .requests()
        .await
        .iter()
        .map(|r| r.query().to_owned())
        .collect();
    assert_eq!(
        offsets,
        [
            "limit=100&offset=0",
            "limit=100&offset=100",
            "limit=100&offset=200"
        ]
    );
}

#[tokio::test]
async fn pagerduty_rate_limit_reset_is_seconds_and_5xx_is_retried() {
    let fake = FakePagerduty::start(PD_TOKEN, &[("ann@x", "admin")]).await;
    fake.inject(
        "/users",
        Fault::status(429)
            .with_header("ratelimit-remaining", "0")
            .with_header("ratelimit-reset", "12"),
        1,
    )
    .await;
    let (client, delay) = connect(&pagerduty::SERVICE, &fake.url, PD_TOKEN);
    let section = pagerduty::read(&client).await.unwrap();
    assert_eq!(section.users[0].role, "admin");
    assert_eq!(delay.waits(), vec![Duration::from_secs(12)]);

    fake.inject("/users", Fault::status(503), 1).await;
    let (client, delay) = connect(&pagerduty::SERVICE, &fake.url, PD_TOKEN);
    assert_eq!(pagerduty::read(&client).await.unwrap().users.len(), 1);
    assert_eq!(delay.waits().len(), 1);
}

#[tokio::test]
async fn pagerduty_bad_token() {
    let fake = FakePagerduty::start(PD_TOKEN, &[]).await;
    let (client, _) = connect(&pagerduty::SERVICE, &fake.url, "pd_WRONG0000");
    let err = pagerduty::read(&client).await.unwrap_err();
    assert!(matches!(err, HttpError::Unauthorized { .. }), "{err}");
    assert!(err.to_string().contains("PAGERDUTY_TOKEN"), "{err}");
    assert!(!err.to_string().contains("WRONG"), "{err}");
}

#[tokio::test]
async fn pagerduty_more_with_an_empty_page_fails_closed() {
    let fake = FakePagerduty::start(PD_TOKEN, &[]).await;
    fake.inject(
        "/users",
        Fault {
            status: 200,
            headers: vec![],
            body: r#"{"users":[],"limit":100,"offset":0,"more":true,"total":null}"#.into(),
        },
        1,
    )
    .await;
    let (client, _) = connect(&pagerduty::SERVICE, &fake.url, PD_TOKEN);
    let err = pagerduty::read(&client).await.unwrap_err();
    assert!(err.to_string().contains("page is empty"), "{err}");
}

#[tokio::test]
async fn retries_follow_the_policy() {
    let fake = FakePagerduty::start(PD_TOKEN, &[("ann@x", "user")]).await;
    fake.inject("/users", Fault::status(500), 1).await;
    let once = RetryPolicy {
        tries: 1,
        ..policy()
    };
    let (client, delay) = client_with(&pagerduty::SERVICE, &fake.url, PD_TOKEN, once);
    let err = pagerduty::read(&client).await.unwrap_err();
    assert!(err.to_string().contains("after 1 tries"), "{err}");
    assert!(delay.waits().is_empty());
}

// ------------------------------------------------------------------------- source dispatch

#[tokio::test]
async fn a_live_read_records_the_url_and_time() {
    use access_reconciler::access::System;
    use access_reconciler::sources::accounts::source::{connect as connect_system, read_live};
    use access_reconciler::sources::accounts::{Holding, Origin};

    let fake = FakeSentry::start(
        "govuk",
        SENTRY_TOKEN,
        vec![SentryMember::invited("a@x", "admin", false)],
    )
    .await;
    let client = connect_system(
        System::Sentry,
        &fake.url,
        SecretString::from(SENTRY_TOKEN.to_owned()),
        policy(),
        Arc::new(NoDelay::default()),
    )
    .unwrap();
    let now = chrono::Utc::now();
    let read = read_live(&client, "govuk", now).await.unwrap();
    assert_eq!(
        read.origin,
        Origin::Api {
            url: format!("{}/api/0/organizations/govuk/members/", fake.url)
        }
    );
    assert_eq!(read.at, Some(now));
    assert_eq!(
        read.section.holdings(),
        vec![Holding {
            pending: true,
            ..Holding::new("a@x", "admin")
        }]
    );
    assert!(
        connect_system(
            System::Signon,
            &fake.url,
            SecretString::from(SENTRY_TOKEN.to_owned()),
            policy(),
            Arc::new(NoDelay::default()),
        )
        .is_err()
    );
}

// -------------------------------------------------------------------------------- fixtures

/// The shipped export fixtures give the findings their header comments promise, against the
/// contract's v2 mapping sections for signon and logit.
#[test]
fn the_signon_and_logit_fixtures_give_their_documented_findings() {
    use access_reconciler::access::System;
    use access_reconciler::config::{Mapping, people};
    use access_reconciler::finding::{Kind, Severity};
    use access_reconciler::sources::accounts::AccountMapping;
    use access_reconciler::sources::accounts::adapter::{AccountAdapter, holdings_read};

    let account_findings = |system: System,
                            config: &access_reconciler::config::Config,
                            mapping: &AccountMapping,
                            held: &[access_reconciler::sources::accounts::Holding],
                            today: chrono::NaiveDate| {
        let adapter = AccountAdapter::new(system, mapping);
        access_reconciler::drift::findings(&adapter, config, &holdings_read(system, held), today)
    };
    use access_reconciler::sources::accounts::source::read_export;

    let text = std::fs::read_to_string("fixtures/govuk_tech.yml").unwrap();
    let config = people::parse("fixtures/govuk_tech.yml", &text, &Mapping::builtin()).unwrap();
    let roles = |pairs: &[(&str, &str)]| {
        pairs
            .iter()
            .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
            .collect()
    };
    let summary = |system: System, path: &str, mapping: &AccountMapping| {
        let read = read_export(system, std::path::Path::new(path), "").unwrap();
        let mut out: Vec<(Kind, Severity, String)> = account_findings(
            system,
            &config,
            mapping,
            &read.section.holdings(),
            chrono::NaiveDate::from_ymd_opt(2026, 11, 28).unwrap(),
        )
        .into_iter()
        .map(|f| {
            (
                f.kind,
                f.severity,
                format!(
                    "{} {}",
                    f.email.unwrap_or_default(),
                    f.resource.unwrap_or_default()
                ),
            )
        })
        .collect();
        out.sort();
        out
    };

    let signon = AccountMapping {
        roles: roles(&[
            ("production_admin_access", "Superadmin"),
            ("platformengineer", "Superadmin"),
            ("production_deploy_access", "Normal"),
        ]),
        managed: Some(vec!["Superadmin".into(), "Admin".into()]),
        ..AccountMapping::default()
    };
    let d = "@digital.example.gov.uk";
    assert_eq!(
        summary(System::Signon, "fixtures/signon_users.csv", &signon),
        vec![
            (
                Kind::Missing,
                Severity::Medium,
                format!("mo.missing{d} Normal")
            ),
            (
                Kind::Missing,
                Severity::Medium,
                format!("zoe.zhang{d} Normal")
            ),
            (
                Kind::UnexpectedMember,
                Severity::High,
                format!("edsger.dijkman{d} Admin")
            ),
            (
                Kind::UnexpectedMember,
                Severity::High,
                "former.contractor@example.com Superadmin".into()
            ),
            (
                Kind::WrongRole,
                Severity::Medium,
                format!("hal.hopper{d} Admin")
            ),
            (
                Kind::WrongRole,
                Severity::High,
                format!("dana.deployer{d} Superadmin")
            ),
        ]
    );

    let logit = AccountMapping {
        roles: roles(&[
            ("production_deploy_access", "GOV.UK Users"),
            ("production_admin_access", "GOV.UK Users"),
            ("platformengineer", "GOV.UK Users"),
        ]),
        ..AccountMapping::default()
    };
    let read = read_export(
        System::Logit,
        std::path::Path::new("fixtures/logit_members.csv"),
        "",
    )
    .unwrap();
    assert_eq!(read.at.unwrap().to_rfc3339(), "2026-11-28T06:00:00+00:00");
    assert_eq!(
        summary(System::Logit, "fixtures/logit_members.csv", &logit),
        vec![
            (
                Kind::Missing,
                Severity::Medium,
                format!("mo.missing{d} GOV.UK Users")
            ),
            (
                Kind::Missing,
                Severity::Medium,
                format!("yusuf.yilmaz{d} GOV.UK Users")
            ),
            (
                Kind::UnexpectedMember,
                Severity::High,
                format!("ada.lovelock{d} GOV.UK Admins")
            ),
            (
                Kind::UnexpectedMember,
                Severity::High,
                format!("ken.thomsen{d} GOV.UK Users")
            ),
            (
                Kind::UnexpectedMember,
                Severity::High,
                format!("old.leaver{d} GOV.UK Users")
            ),
        ]
    );
}

// ------------------------------------------------------------------ through the real binary

mod bin {
    use super::*;
    use serde_json::Value;

    const CONFIG: &str = "fixtures/govuk_tech.yml";
    const MAPPING: &str = "fixtures/mapping_v2.yml";
    const SNAPSHOT: &str = "fixtures/snapshot_v2.json";
    const SIGNON: &str = "signon=fixtures/signon_users.csv";
    const LOGIT: &str = "logit=fixtures/logit_members.csv";
    const TODAY: &str = "2026-11-28";
    /// Every account system, without GitHub (no GitHub fake needed).
    const ACCOUNTS: &str = "sentry,fastly,pagerduty,signon,gcp,logit";

    pub struct Run {
        pub code: i32,
        pub stdout: String,
        pub stderr: String,
    }

    impl Run {
        pub fn json(&self) -> Value {
            serde_json::from_str(&self.stdout).unwrap_or_else(|e| panic!("{e}: {}", self.stdout))
        }
    }

    /// Run the binary (blocking, off the runtime the fakes answer on).
    pub async fn run(args: Vec<String>, env: Vec<(&'static str, String)>) -> Run {
        tokio::task::spawn_blocking(move || {
            let mut cmd = common::bin();
            for (k, v) in env {
                cmd.env(k, v);
            }
            let out = cmd.args(&args).output().expect("the binary runs");
            Run {
                code: out.status.code().expect("exited"),
                stdout: String::from_utf8(out.stdout).unwrap(),
                stderr: String::from_utf8(out.stderr).unwrap(),
            }
        })
        .await
        .unwrap()
    }

    fn args(list: &[&str]) -> Vec<String> {
        let mut out: Vec<String> = [
            "drift",
            "--config",
            CONFIG,
            "--mapping",
            MAPPING,
            "--today",
            TODAY,
            "--color",
            "never",
            "--backoff-ms",
            "0",
        ]
        .iter()
        .map(|s| (*s).to_owned())
        .collect();
        out.extend(list.iter().map(|s| (*s).to_owned()));
        out
    }

    /// (system, kind, severity, email, resource) of every account-system finding, sorted.
    fn account_findings(report: &Value) -> Vec<String> {
        let mut out: Vec<String> = report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| !f["system"].is_null() && f["system"] != "github")
            .map(|f| {
                format!(
                    "{} {} {} {} {}",
                    f["system"].as_str().unwrap(),
                    f["kind"].as_str().unwrap(),
                    f["severity"].as_str().unwrap(),
                    f["email"].as_str().unwrap_or("-"),
                    f["resource"].as_str().unwrap_or("-"),
                )
            })
            .collect();
        out.sort();
        out
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn the_fixtures_give_every_account_finding_kind() {
        let r = run(
            args(&[
                "--snapshot",
                SNAPSHOT,
                "--export",
                SIGNON,
                "--export",
                LOGIT,
                "--format",
                "json",
            ]),
            vec![],
        )
        .await;
        assert_eq!(r.code, 1, "{}", r.stderr);
        let report = r.json();
        assert_eq!(report["complete"], true);
        assert_eq!(
            report["summary"]["by_system"],
            serde_json::json!({"github": 12, "sentry": 7, "fastly": 4, "pagerduty": 4,
                "signon": 6, "gcp": 3, "logit": 5})
        );
        let kinds: std::collections::BTreeSet<&str> = report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| !f["system"].is_null() && f["system"] != "github")
            .map(|f| f["kind"].as_str().unwrap())
            .collect();
        assert_eq!(
            kinds.into_iter().collect::<Vec<_>>(),
            [
                "limited_services",
                "missing",
                "pending_invitation",
                "unexpected_invitation",
                "unexpected_member",
                "wrong_role"
            ]
        );
        let wrong: Vec<&Value> = report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["kind"] == "wrong_role" && f["system"] == "sentry")
            .collect();
        assert_eq!(wrong.len(), 2);
        let dana = wrong.iter().find(|f| f["resource"] == "admin").unwrap();
        assert_eq!(dana["severity"], "high");
        assert_eq!(dana["expected_role"], "member");
        assert_eq!(dana["actual_role"], "admin");
        assert_eq!(dana["name"], "Dana Deployer");
        // The export wins over the snapshot's signon section.
        let signon: Vec<String> = account_findings(&report)
            .into_iter()
            .filter(|f| f.starts_with("signon "))
            .collect();
        assert_eq!(signon.len(), 6, "{signon:?}");
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn markdown_names_undeclared_holders_by_email() {
        let r = run(
            args(&[
                "--snapshot",
                SNAPSHOT,
                "--system",
                "sentry",
                "--format",
                "markdown",
            ]),
            vec![],
        )
        .await;
        assert_eq!(r.code, 1, "{}", r.stderr);
        assert!(
            r.stdout
                .contains("| `old.contractor@example.com` | `owner` | no |"),
            "{}",
            r.stdout
        );
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn an_export_wins_over_the_snapshot() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("signon.csv");
        std::fs::write(&path, "email,role\nstray@example.com,Superadmin\n").unwrap();
        let export = format!("signon={}", path.display());
        let r = run(
            args(&[
                "--snapshot",
                SNAPSHOT,
                "--system",
                "signon",
                "--export",
                &export,
                "--format",
                "json",
            ]),
            vec![],
        )
        .await;
        assert_eq!(r.code, 1, "{}", r.stderr);
        let f = account_findings(&r.json());
        assert!(
            f.contains(&"signon unexpected_member high stray@example.com Superadmin".to_owned()),
            "{f:?}"
        );
        // Each of the 30 people with a role is missing from this one-row export.
        assert_eq!(
            f.iter().filter(|f| f.contains(" missing ")).count(),
            30,
            "{f:?}"
        );
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn a_selected_system_with_nothing_to_read_exits_2_naming_what_to_set() {
        for (system, needle) in [
            ("sentry", "set SENTRY_AUTH_TOKEN"),
            ("fastly", "set FASTLY_API_TOKEN"),
            ("pagerduty", "set PAGERDUTY_TOKEN"),
            ("signon", "give --export signon=PATH"),
            ("gcp", "give --export gcp=PATH"),
            ("logit", "give --export logit=PATH"),
        ] {
            let r = run(args(&["--system", system]), vec![]).await;
            assert_eq!(r.code, 2, "{system}: {}", r.stderr);
            assert!(r.stderr.contains(needle), "{system}: {}", r.stderr);
            assert!(r.stdout.is_empty(), "{}", r.stdout);
        }
        // An export for a system the run does not cover, or twice for one system.
        let r = run(
            args(&[
                "--snapshot",
                SNAPSHOT,
                "--system",
                "github",
                "--export",
                SIGNON,
            ]),
            vec![],
        )
        .await;
        assert_eq!(r.code, 2, "{}", r.stderr);
        assert!(r.stderr.contains("--system leaves it out"), "{}", r.stderr);
        let r = run(
            args(&[
                "--snapshot",
                SNAPSHOT,
                "--export",
                SIGNON,
                "--export",
                SIGNON,
            ]),
            vec![],
        )
        .await;
        assert_eq!(r.code, 2, "{}", r.stderr);
        assert!(r.stderr.contains("given twice"), "{}", r.stderr);
        let r = run(args(&["--export", "jira=x.csv"]), vec![]).await;
        assert_eq!(r.code, 2, "{}", r.stderr);
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn a_bad_base_url_or_token_value_is_a_usage_error() {
        let token = vec![("SENTRY_AUTH_TOKEN", SENTRY_TOKEN.to_owned())];
        let r = run(
            args(&["--system", "sentry", "--sentry-url", "ftp://sentry.example"]),
            token,
        )
        .await;
        assert_eq!(r.code, 2, "{}", r.stderr);
        assert!(r.stderr.contains("--sentry-url"), "{}", r.stderr);
        let r = run(
            args(&["--system", "sentry"]),
            vec![("SENTRY_AUTH_TOKEN", "two words".to_owned())],
        )
        .await;
        assert_eq!(r.code, 2, "{}", r.stderr);
        assert!(r.stderr.contains("SENTRY_AUTH_TOKEN"), "{}", r.stderr);
        assert!(!r.stderr.contains("two words"), "{}", r.stderr);
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn an_invalid_export_is_a_located_usage_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("gcp.csv");
        std::fs::write(&path, "email,role\na@x,member\nnot-an-email,member\n").unwrap();
        let export = format!("gcp={}", path.display());
        let r = run(
            args(&[
                "--snapshot",
                SNAPSHOT,
                "--system",
                "gcp",
                "--export",
                &export,
            ]),
            vec![],
        )
        .await;
        assert_eq!(r.code, 2, "{}", r.stderr);
        assert!(
            r.stderr.contains(&format!("{}:3: ", path.display())),
            "{}",
            r.stderr
        );
        std::fs::write(&path, "Member Email,Role\n").unwrap();
        let r = run(
            args(&[
                "--snapshot",
                SNAPSHOT,
                "--system",
                "gcp",
                "--export",
                &export,
            ]),
            vec![],
        )
        .await;
        assert_eq!(r.code, 2, "{}", r.stderr);
        assert!(r.stderr.contains("header email,role"), "{}", r.stderr);
    }

    struct Fakes {
        sentry: FakeSentry,
        fastly: FakeFastly,
        pagerduty: FakePagerduty,
    }

    /// Fakes holding what the snapshot fixture records, so a live run gives the same findings.
    async fn fakes() -> Fakes {
        let snapshot: Value =
            serde_json::from_str(&std::fs::read_to_string(SNAPSHOT).unwrap()).unwrap();
        let members = snapshot["sentry"]["members"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| SentryMember {
                email: m["email"].as_str().unwrap().into(),
                role: m["role"].as_str().unwrap().into(),
                pending: m["pending"].as_bool().unwrap(),
                expired: m["expired"].as_bool().unwrap(),
            })
            .collect();
        let users = snapshot["fastly"]["users"]
            .as_array()
            .unwrap()
            .iter()
            .map(|u| {
                FastlyUser::new(
                    u["login"].as_str().unwrap(),
                    u["role"].as_str().unwrap(),
                    u["limit_services"].as_bool().unwrap(),
                )
            })
            .collect();
        let pd: Vec<(String, String)> = snapshot["pagerduty"]["users"]
            .as_array()
            .unwrap()
            .iter()
            .map(|u| {
                (
                    u["email"].as_str().unwrap().to_owned(),
                    u["role"].as_str().unwrap().to_owned(),
                )
            })
            .collect();
        let refs: Vec<(&str, &str)> = pd.iter().map(|(e, r)| (e.as_str(), r.as_str())).collect();
        Fakes {
            // Pages of 10, so the fixture's 36 members take 4 pages.
            sentry: FakeSentry::start_paged("govuk", SENTRY_TOKEN, members, 10).await,
            fastly: FakeFastly::start("abc123", FASTLY_TOKEN, users).await,
            pagerduty: FakePagerduty::start(PD_TOKEN, &refs).await,
        }
    }

    fn tokens() -> Vec<(&'static str, String)> {
        vec![
            ("SENTRY_AUTH_TOKEN", SENTRY_TOKEN.to_owned()),
            ("FASTLY_API_TOKEN", FASTLY_TOKEN.to_owned()),
            ("PAGERDUTY_TOKEN", PD_TOKEN.to_owned()),
        ]
    }

    fn live_args(f: &Fakes, extra: &[&str]) -> Vec<String> {
        let mut list = vec![
            "--system",
            ACCOUNTS,
            "--sentry-url",
            &f.sentry.url,
            "--fastly-url",
            &f.fastly.url,
            "--pagerduty-url",
            &f.pagerduty.url,
            "--export",
            SIGNON,
            "--export",
            LOGIT,
            "--export",
            "gcp=tests/data/gcp_members.csv",
        ];
        list.extend(extra);
        args(&list)
    }

    fn no_tokens_in(r: &Run) {
        for t in [SENTRY_TOKEN, FASTLY_TOKEN, PD_TOKEN] {
            assert!(!r.stdout.contains(t), "token on stdout");
            assert!(!r.stderr.contains(t), "token on stderr");
        }
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn live_reads_give_the_same_findings_as_the_snapshot_and_never_print_tokens() {
        let f = fakes().await;
        let live = run(live_args(&f, &["--format", "json", "-vvv"]), tokens()).await;
        assert_eq!(live.code, 1, "{}", live.stderr);
        no_tokens_in(&live);
        let offline = run(
            args(&[
                "--snapshot",
                SNAPSHOT,
                "--system",
                ACCOUNTS,
                "--export",
                SIGNON,
                "--export",
                LOGIT,
                "--export",
                "gcp=tests/data/gcp_members.csv",
                "--format",
                "json",
            ]),
            vec![],
        )
        .await;
        assert_eq!(offline.code, 1, "{}", offline.stderr);
        assert_eq!(
            account_findings(&live.json()),
            account_findings(&offline.json())
        );
        assert_eq!(f.sentry.requests().await.len(), 4, "4 pages of 10");
        assert_eq!(f.fastly.requests().await.len(), 1);
        assert_eq!(f.pagerduty.requests().await.len(), 1);
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn a_bad_token_leaves_that_system_unread_and_the_others_reported() {
        let f = fakes().await;
        let mut env = tokens();
        env[0].1 = "sntrys_WRONGwrongWRONG".into();
        let r = run(live_args(&f, &["--format", "json"]), env).await;
        assert_eq!(r.code, 3, "{}", r.stderr);
        let report = r.json();
        assert_eq!(report["complete"], false);
        let errors = report["errors"].as_array().unwrap();
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert_eq!(errors[0]["system"], "sentry");
        let message = errors[0]["message"].as_str().unwrap();
        assert!(
            message.contains("401") && message.contains("SENTRY_AUTH_TOKEN"),
            "{message}"
        );
        assert!(!r.stdout.contains("WRONGwrong") && !r.stderr.contains("WRONGwrong"));
        // No sentry finding; the others are reported.
        let found = account_findings(&report);
        assert!(!found.iter().any(|f| f.starts_with("sentry ")), "{found:?}");
        assert!(found.iter().any(|f| f.starts_with("fastly ")), "{found:?}");
        assert_eq!(report["summary"]["by_system"]["sentry"], 0);
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn rate_limits_and_server_errors_through_the_binary() {
        let f = fakes().await;
        // A 429 with Retry-After: 0 and a 503 are retried; the run completes.
        f.pagerduty
            .inject(
                "/users",
                Fault::status(429).with_header("retry-after", "0"),
                1,
            )
            .await;
        f.fastly.inject("/users", Fault::status(503), 1).await;
        let r = run(live_args(&f, &["--format", "json"]), tokens()).await;
        assert_eq!(r.code, 1, "{}", r.stderr);
        assert_eq!(r.json()["complete"], true);
        assert_eq!(f.pagerduty.requests().await.len(), 2);
        assert_eq!(f.fastly.requests().await.len(), 2);

        // A Retry-After beyond --max-wait, and a 500 that does not pass: both unread (exit 3).
        let f = fakes().await;
        f.sentry
            .inject(
                "/members/",
                Fault::status(429).with_header("retry-after", "3600"),
                1,
            )
            .await;
        f.pagerduty.inject("/users", Fault::status(500), 10).await;
        let r = run(
            live_args(&f, &["--format", "json", "--max-wait", "5"]),
            tokens(),
        )
        .await;
        assert_eq!(r.code, 3, "{}", r.stderr);
        let report = r.json();
        let systems: Vec<&str> = report["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["system"].as_str().unwrap())
            .collect();
        assert_eq!(systems, ["sentry", "pagerduty"]);
        let text = report["errors"].to_string();
        assert!(text.contains("--max-wait 5 s"), "{text}");
        assert!(text.contains("after 3 tries"), "{text}");
        assert_eq!(
            f.pagerduty.requests().await.len(),
            3,
            "the default --retries 2: 3 tries"
        );
        no_tokens_in(&r);
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn snapshot_records_live_reads_and_exports_and_reads_back_the_same() {
        let f = fakes().await;
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("snap.json");
        let mut list: Vec<String> = live_args(&f, &[]);
        // drift args -> snapshot args: same flags, minus --today and --color, plus --out.
        list[0] = "snapshot".into();
        let today = list.iter().position(|a| a == "--today").unwrap();
        list.drain(today..today + 4);
        list.extend(["--out".to_owned(), out.display().to_string()]);
        let r = run(list, tokens()).await;
        assert_eq!(r.code, 0, "{}", r.stderr);
        no_tokens_in(&r);
        let written: Value = serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
        assert_eq!(written["version"], 2);
        assert_eq!(written["sentry"]["org"], "govuk");
        assert_eq!(written["fastly"]["customer_id"], "abc123");
        let fixture: Value =
            serde_json::from_str(&std::fs::read_to_string(SNAPSHOT).unwrap()).unwrap();
        for system in ["pagerduty", "signon", "logit"] {
            assert_eq!(written[system], fixture[system], "{system}");
        }
        assert_eq!(
            written["sentry"]["members"].as_array().unwrap().len(),
            fixture["sentry"]["members"].as_array().unwrap().len()
        );
        // Read back: the same findings as the live run.
        let back = run(
            args(&[
                "--snapshot",
                &out.display().to_string(),
                "--system",
                ACCOUNTS,
                "--format",
                "json",
            ]),
            vec![],
        )
        .await;
        let live = run(live_args(&f, &["--format", "json"]), tokens()).await;
        assert_eq!(
            account_findings(&back.json()),
            account_findings(&live.json())
        );
    }
}

/// Issue 13: an export older than --max-age (or dated after --today) is stale evidence, as a
/// snapshot is; the fixtures' exports are dated 2026-11-28, so they are fresh on that day.
#[test]
fn an_old_export_is_stale_evidence() {
    let run = |today: &str| -> serde_json::Value {
        let out = common::bin()
            .args([
                "drift",
                "--config",
                "fixtures/govuk_tech.yml",
                "--mapping",
                "fixtures/mapping_v2.yml",
                "--snapshot",
                "fixtures/snapshot_v2.json",
                "--export",
                "logit=fixtures/logit_members.csv",
                "--export",
                "signon=fixtures/signon_users.csv",
                "--system",
                "signon,logit",
                "--format",
                "json",
                "--today",
                today,
            ])
            .output()
            .expect("run");
        serde_json::from_slice(&out.stdout).expect("json")
    };
    let stale = |report: &serde_json::Value| -> Vec<String> {
        report["findings"]
            .as_array()
            .expect("findings")
            .iter()
            .filter(|f| f["kind"] == "stale_evidence")
            .map(|f| f["resource"].as_str().unwrap_or_default().to_owned())
            .collect()
    };
    assert_eq!(stale(&run("2026-11-28")), Vec::<String>::new());
    let later = stale(&run("2027-01-10"));
    for export in [
        "the logit export fixtures/logit_members.csv",
        "the signon export fixtures/signon_users.csv",
    ] {
        assert!(
            later.iter().any(|r| r == export),
            "{export} not in {later:?}"
        );
    }
}
