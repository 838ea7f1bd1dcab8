//! Contract test: every request the client makes (snapshot, drift, review --post-comment, fix
//! --open-pr), and every answer of the fake GitHub the other tests rely on, is validated against
//! GitHub's own OpenAPI description (reduced to the operations we use:
//! contract/github-reduced.json) by a prism proxy in `--errors` mode, which turns any violation
//! into an error status the client then reports (exit 3).
//!
//! Runs when ACCESS_RECONCILER_PRISM names the prism binary (`.ci/contract` installs the pinned
//! version with `npm ci` and sets it); otherwise it says it is skipped and passes.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stderr)]

mod common;
#[path = "support/mod.rs"]
mod support;
use support::github as fake_github;

use std::io::Read;
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fake_github::FakeGithub;

const ORG: &str = "alphagov";
const TOKEN: &str = "ghp_CONTRACTtoken0123456789";
const REPO: &str = "govuk-user-reviewer";

/// The prism proxy, killed when dropped.
struct Prism {
    child: Child,
    url: String,
}

impl Drop for Prism {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Prism {
    /// The proxy's log so far (violations are listed there).
    fn log(&mut self) -> String {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let mut out = String::new();
        if let Some(stdout) = self.child.stdout.as_mut() {
            let _ = stdout.read_to_string(&mut out);
        }
        out
    }
}

fn start_prism(prism: &str, upstream: &str) -> Prism {
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let spec = common::root().join("contract/github-reduced.json");
    let child = Command::new(prism)
        .args([
            "proxy",
            "--errors",
            "-h",
            "127.0.0.1",
            "-p",
            &port.to_string(),
        ])
        .arg(&spec)
        .arg(upstream)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("prism starts");
    let started = Instant::now();
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            started.elapsed() < Duration::from_secs(90),
            "prism did not listen on {port} within 90 s"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    Prism {
        child,
        url: format!("http://127.0.0.1:{port}"),
    }
}

fn run(args: &[&str], env: &[(&str, &str)]) -> (i32, String, String) {
    let mut cmd = common::bin();
    cmd.args(args);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn app_key() -> Option<String> {
    let out = Command::new("openssl")
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

#[test]
fn the_live_client_keeps_to_githubs_openapi_description() {
    let Ok(prism) = std::env::var("ACCESS_RECONCILER_PRISM") else {
        eprintln!(
            "skipped: the contract test needs prism; run .ci/contract (node and npm required)"
        );
        return;
    };
    let gh = FakeGithub::read_snapshot(
        &common::root().join("fixtures/github_snapshot.json"),
        ORG,
        TOKEN,
    );
    // A big team, so pagination (Link, page=N) goes through the proxy too.
    gh.team("gov-uk", fake_github::FakeTeam::sized("user", 230));
    let mut prism = start_prism(&prism, &gh.url);
    gh.link_base(&prism.url);
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("snapshot.json");
    let out_s = out.to_str().unwrap();
    let common_args = [
        "--api-url",
        prism.url.as_str(),
        "--backoff-ms",
        "0",
        "--retries",
        "0",
    ];

    let mut failures = vec![];
    let mut check = |what: &str, (code, _stdout, stderr): (i32, String, String), want: i32| {
        if code != want {
            failures.push(format!("{what}: exit {code}, want {want}\n{stderr}"));
        }
    };
    let mut args = vec![
        "snapshot",
        "--config",
        "fixtures/govuk_tech.yml",
        "--out",
        out_s,
    ];
    args.extend(common_args);
    check(
        "snapshot (token)",
        run(&args, &[("GITHUB_TOKEN", TOKEN)]),
        0,
    );

    let mut args = vec![
        "drift",
        "--config",
        "fixtures/govuk_tech.yml",
        "--today",
        "2026-11-28",
        "--format",
        "json",
    ];
    args.extend(common_args);
    let drift = run(&args, &[("GITHUB_TOKEN", TOKEN)]);
    if drift.0 == 1 {
        let report: serde_json::Value = serde_json::from_str(&drift.1).unwrap();
        assert_eq!(report["complete"], true);
    }
    check("drift (token)", drift, 1);

    if let Some(pem) = app_key() {
        let mut args = vec![
            "snapshot",
            "--config",
            "fixtures/govuk_tech.yml",
            "--out",
            out_s,
        ];
        args.extend(common_args);
        check(
            "snapshot (GitHub App)",
            run(
                &args,
                &[
                    ("GITHUB_APP_ID", "1"),
                    ("GITHUB_APP_PRIVATE_KEY", pem.as_str()),
                ],
            ),
            0,
        );
    } else {
        eprintln!("GitHub App auth not checked: openssl is not installed");
    }

    // review --post-comment: list the PR's comments and create the sticky one; then, with the
    // PR no longer changing access, update it in place.
    let config =
        std::fs::read_to_string(common::root().join("fixtures/fix/govuk_tech.yml")).unwrap();
    gh.repo(ORG, REPO, "config/govuk_tech.yml", &config);
    let repo = format!("{ORG}/{REPO}");
    for (head, want) in [
        ("fixtures/review/head.yml", 1),
        ("fixtures/review/base.yml", 0),
    ] {
        let mut args = vec![
            "review",
            "--base",
            "fixtures/review/base.yml",
            "--head",
            head,
            "--post-comment",
            "--repo",
            repo.as_str(),
            "--pr",
            "7",
        ];
        args.extend(common_args);
        check(
            &format!("review --post-comment (head {head})"),
            run(&args, &[("GITHUB_TOKEN", TOKEN)]),
            want,
        );
    }

    // fix --open-pr: read the repository, the default branch and the config on it; make the
    // branch, commit, open the PR. Then again: the branch is current, the PR is updated.
    for round in ["opens", "updates"] {
        let mut args = vec![
            "fix",
            "--snapshot",
            "fixtures/fix/github_snapshot.json",
            "--today",
            "2026-11-28",
            "--open-pr",
            "--repo",
            repo.as_str(),
            "--mutation-delay",
            "0",
        ];
        args.extend(common_args);
        check(
            &format!("fix --open-pr ({round} the PR)"),
            run(&args, &[("GITHUB_TOKEN", TOKEN)]),
            1,
        );
    }
    let mutations = gh.repo_mutations();
    let expected = [
        "POST /issues/7/comments",
        "PATCH /issues/comments/1000",
        "POST /git/refs",
        "PUT /contents/config/govuk_tech.yml",
        "POST /pulls",
        "PATCH /pulls/1",
    ];
    if mutations != expected {
        failures.push(format!(
            "the writes through the proxy were {mutations:#?}, expected {expected:#?}"
        ));
    }

    let rt = tokio::runtime::Runtime::new().unwrap();
    let args = access_reconciler::sources::github::rest::ClientOptions {
        api_url: prism.url.clone(),
        app_id: None,
        app_private_key: None,
        cache_dir: None,
        max_wait: 0,
        concurrency: 8,
        retries: 0,
        backoff_ms: 0,
        secondary_wait: 0,
    };
    let whoami = rt.block_on(async {
        let client = access_reconciler::sources::github::rest::RestClient::connect_with(
            &args,
            ORG,
            access_reconciler::sources::github::rest::Credentials::Token(TOKEN.into()),
        )
        .await
        .unwrap();
        client.whoami().await
    });
    if let Err(e) = &whoami {
        failures.push(format!("whoami: {e}"));
    }

    let requests = gh.requests();
    let log = prism.log();
    assert!(
        failures.is_empty(),
        "{}\n--- prism log ---\n{log}",
        failures.join("\n\n")
    );
    assert!(
        requests >= 20,
        "the traffic went through the proxy ({requests})"
    );
    eprintln!(
        "contract: {requests} requests validated by prism against contract/github-reduced.json"
    );
}
