//! The account-system readers (Sentry, Fastly, PagerDuty) against local fakes on 127.0.0.1
//! (tests/support/accounts.rs): pagination, 429 with `Retry-After` and with each service's reset
//! header, 5xx, a bad token, and the token never appearing in an error. Waits go to `NoDelay`,
//! so no test sleeps.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "support/accounts.rs"]
mod fake_accounts;

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
    assert!(requests[1].url.query().unwrap().contains("cursor=0:100:0"));
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
    assert_eq!(
        requests[0]
            .headers
            .get("fastly-key")
            .unwrap()
            .to_str()
            .unwrap(),
        FASTLY_TOKEN
    );
    assert!(requests[0].headers.get("authorization").is_none());
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
        .map(|r| r.url.query().unwrap_or_default().to_owned())
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
    use access_reconciler::sources::accounts::findings::account_findings;
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
        let mut out: Vec<(Kind, Severity, String)> =
            account_findings(system, &config.people, mapping, &read.section.holdings())
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
