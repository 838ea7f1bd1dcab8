//! `access-reconciler review` through the real binary: the fixture pair (snapshots of Markdown
//! and JSON), exit codes, config errors, `--base-ref` in a temporary git repository, and the
//! sticky comment against the shared fake GitHub on 127.0.0.1 (tests/support).
#![allow(clippy::unwrap_used)]

mod common;
#[path = "support/mod.rs"]
mod support;

use std::path::Path;

use serde_json::{Value, json};
use support::github::{FakeGithub, Fault, Repo};

const MARKER: &str = "<!-- access-reconciler:review -->";
const TODAY: &str = "2026-11-28";

fn review(args: &[&str]) -> assert_cmd::Command {
    let mut cmd = common::bin();
    cmd.arg("review").args(args).args(["--today", TODAY]);
    cmd
}

fn pair(format: &str) -> assert_cmd::Command {
    review(&[
        "--base",
        "fixtures/review/base.yml",
        "--head",
        "fixtures/review/head.yml",
        "--format",
        format,
    ])
}

fn stdout(out: &std::process::Output) -> String {
    String::from_utf8(out.stdout.clone()).expect("utf-8 stdout")
}

fn stderr(out: &std::process::Output) -> String {
    String::from_utf8(out.stderr.clone()).expect("utf-8 stderr")
}

#[test]
fn fixture_pair_markdown_snapshot() {
    let out = pair("markdown").output().unwrap();
    assert_eq!(out.status.code(), Some(1), "stderr: {}", stderr(&out));
    let md = stdout(&out);
    assert!(md.starts_with(MARKER));
    let md = md.replace(env!("CARGO_PKG_VERSION"), "[version]");
    insta::assert_snapshot!("fixture_pair_markdown", md);
}

#[test]
fn fixture_pair_json_snapshot() {
    let out = pair("json").output().unwrap();
    assert_eq!(out.status.code(), Some(1), "stderr: {}", stderr(&out));
    let v: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(v["schema_version"], 1);
    assert_eq!(v["command"], "review");
    insta::assert_json_snapshot!("fixture_pair_json", v);
}

#[test]
fn fixture_pair_json_has_every_change_kind() {
    let out = pair("json").output().unwrap();
    let v: Value = serde_json::from_str(&stdout(&out)).unwrap();
    let changes = v["changes"].as_array().unwrap();
    let get = |login: &str| {
        changes
            .iter()
            .find(|c| c["github_username"] == login)
            .unwrap_or_else(|| panic!("no change for {login}: {changes:#?}"))
    };
    assert_eq!(get("jo-fabricated")["change"], "granted");
    assert_eq!(get("basil-example")["change"], "escalated");
    assert_eq!(get("cora-sample")["change"], "reduced");
    assert_eq!(get("dev-placeholder")["change"], "revoked");
    let eli = get("eli-madeup");
    assert_eq!(eli["change"], "revoked");
    assert_eq!(
        eli["teams_removed"],
        json!(["gov-uk", "gov-uk-production-deploy"])
    );
    let fen = get("fen-invented");
    assert_eq!(fen["change"], "login_changed");
    assert_eq!(fen["previous_github_username"], "fen-old-login");
    let gil = get("gil-new-login");
    assert_eq!(gil["change"], "escalated");
    assert_eq!(gil["previous_github_username"], "gil-notreal");
    assert_eq!(changes.len(), 7);
    // Ada moved and re-indented, Hana and Ira edited: counted, not listed.
    assert_eq!(v["summary"]["other_entries_changed"], 2);

    let findings = v["findings"].as_array().unwrap();
    let introduced: Vec<_> = findings
        .iter()
        .filter(|f| f["introduced"] == true)
        .map(|f| {
            (
                f["github_username"].as_str().unwrap(),
                f["rule"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(introduced, vec![("jo-fabricated", "probation_required")]);
    assert!(
        findings
            .iter()
            .any(|f| f["github_username"] == "hana-pretend"
                && f["rule"] == "sponsor_required"
                && f["introduced"] == false)
    );
}

#[test]
fn fixture_pair_text() {
    let out = pair("text").output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    assert!(
        text.contains("This PR grants production admin access to 1 person"),
        "{text}"
    );
    assert!(text.contains("login_changed"), "{text}");
    assert!(text.contains("2 other edits"), "{text}");
}

/// The text with its ANSI colour codes removed.
fn strip_ansi(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            // ESC [ digits/semicolons m
            for c in chars.by_ref() {
                if c == 'm' {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

#[test]
fn text_is_coloured_only_when_asked_like_check() {
    let plain = stdout(&pair("text").output().unwrap());
    assert!(!plain.contains('\u{1b}'), "stdout is a pipe: no colour");
    let out = pair("text").args(["--color", "always"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let coloured = stdout(&out);
    // The check report's scheme: severity in its colour (high is bold red), headings bold.
    assert!(
        coloured.contains("\u{1b}[1;31mhigh  \u{1b}[0m"),
        "{coloured}"
    );
    assert!(
        coloured.contains("\u{1b}[1mChanges:\u{1b}[0m"),
        "{coloured}"
    );
    assert_eq!(strip_ansi(&coloured), plain);
    // NO_COLOR turns `auto` off (and would on a terminal too).
    let out = pair("text")
        .args(["--color", "auto"])
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    assert!(!stdout(&out).contains('\u{1b}'));
}

#[test]
fn fixture_pair_github_annotations() {
    let out = pair("github").output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    assert!(
        text.lines().any(|l| l.starts_with(
            "::error file=fixtures/review/head.yml,line=67,title=probation_required::"
        )),
        "{text}"
    );
    // Only introduced findings are errors; Hana's sponsor finding was already there.
    assert_eq!(text.matches("::error").count(), 1, "{text}");
    assert!(
        text.contains("::notice title=access revoked::revoked eli-madeup"),
        "{text}"
    );
}

#[test]
fn the_same_file_on_both_sides_changes_nothing_and_exits_0() {
    let out = review(&[
        "--base",
        "fixtures/review/base.yml",
        "--head",
        "fixtures/review/base.yml",
        "--format",
        "markdown",
    ])
    .output()
    .unwrap();
    assert_eq!(out.status.code(), Some(0), "stderr: {}", stderr(&out));
    let md = stdout(&out);
    assert!(
        md.contains("This PR does not change anyone's production access."),
        "{md}"
    );
    // The finding on the base is shown as already present, not introduced.
    assert!(md.contains("already present before this PR"), "{md}");
    assert!(md.contains("introduces no policy findings"), "{md}");
}

#[test]
fn a_reordered_reindented_file_changes_nothing() {
    let out = review(&[
        "--base",
        "fixtures/review/base.yml",
        "--head",
        "fixtures/review/reordered.yml",
        "--format",
        "json",
    ])
    .output()
    .unwrap();
    assert_eq!(out.status.code(), Some(0), "stderr: {}", stderr(&out));
    let v: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(v["changes"], json!([]));
    assert_eq!(v["summary"]["other_entries_changed"], 0);
    assert_eq!(v["summary"]["findings_introduced"], 0);
    assert_eq!(v["summary"]["findings_present"], 1);
}

#[test]
fn head_config_errors_exit_2_with_locations_and_lead_the_markdown() {
    let out = review(&[
        "--base",
        "fixtures/review/base.yml",
        "--head",
        "fixtures/review/invalid_head.yml",
        "--format",
        "markdown",
    ])
    .output()
    .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(err.contains("fixtures/review/invalid_head.yml:"), "{err}");
    let md = stdout(&out);
    assert!(md.starts_with(MARKER), "{md}");
    let first_table_row = md
        .lines()
        .find(|l| l.starts_with("| `fixtures/review/invalid_head.yml:"))
        .unwrap_or_else(|| panic!("no located error row: {md}"));
    // file:line:col
    let at = first_table_row.split('`').nth(1).unwrap();
    assert_eq!(at.split(':').count(), 3, "{at}");
}

/// A base that does not parse (the branch the PR merges into is broken) is not blamed on the
/// PR's author: the Markdown says it is the base, and that the head is valid. Still exit 2:
/// the access the PR changes cannot be worked out.
#[test]
fn a_base_that_does_not_parse_is_named_as_the_base_and_exits_2() {
    let out = review(&[
        "--base",
        "fixtures/review/invalid_head.yml",
        "--head",
        "fixtures/review/head.yml",
        "--format",
        "markdown",
    ])
    .output()
    .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let md = stdout(&out);
    assert!(md.starts_with(MARKER), "{md}");
    assert!(
        md.contains("The base version of the config (`fixtures/review/invalid_head.yml`)"),
        "{md}"
    );
    assert!(md.contains("The head version is valid"), "{md}");
    assert!(!md.contains("Fix it first"), "{md}");

    // Both broken: the head's errors lead, then the base's, each under its own heading.
    let out = review(&[
        "--base",
        "fixtures/review/invalid_head.yml",
        "--head",
        "fixtures/invalid/yaml_syntax.yml",
        "--format",
        "markdown",
    ])
    .output()
    .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let md = stdout(&out);
    let head_at = md
        .find("| `fixtures/invalid/yaml_syntax.yml:")
        .expect("head row");
    let base_heading = md
        .find("The base version of the config")
        .expect("base heading");
    let base_at = md
        .find("| `fixtures/review/invalid_head.yml:")
        .expect("base row");
    assert!(head_at < base_heading && base_heading < base_at, "{md}");
}

/// Adversarial pair: a login renamed (same email) with a raised role, a person removed and
/// re-added under another login and another email, and names that @-mention a user and a team.
/// The rename is one `escalated` change carrying the old login; the re-add is a revoke and a
/// grant; nobody is mentioned by the comment.
#[test]
fn rename_with_role_change_readd_under_another_login_and_mentions_in_names() {
    let dir = tempfile::tempdir().unwrap();
    let entry = |name: &str, email: &str, login: &str, role: &str| {
        format!(
            "- name: \"{name}\"\n  email: {email}\n  github_username: {login}\n  role: {role}\n  \
             sponsor: \"@tess-lead\"\n  security_clearance: SC\n  probation_passed: true\n  \
             admin_checklist_reviewed_by: Sam Senior\n"
        )
    };
    let base = [
        entry(
            "@octocat Ada",
            "ada@example.gov.uk",
            "ada-one",
            "production_deploy_access",
        ),
        entry(
            "Bo @alphagov/gov-uk",
            "bo@example.gov.uk",
            "bo-old",
            "production_deploy_access",
        ),
    ]
    .concat();
    let head = [
        entry(
            "@octocat Ada",
            "ada@example.gov.uk",
            "ada-two",
            "production_admin_access",
        ),
        entry(
            "Bo @alphagov/gov-uk",
            "bo.new@example.gov.uk",
            "bo-new",
            "production_deploy_access",
        ),
    ]
    .concat();
    let (b, h) = (dir.path().join("base.yml"), dir.path().join("head.yml"));
    std::fs::write(&b, base).unwrap();
    std::fs::write(&h, head).unwrap();
    let (b, h) = (b.display().to_string(), h.display().to_string());

    let out = review(&["--base", &b, "--head", &h, "--format", "json"])
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let changes: Vec<(String, String, String)> = v["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["change"].as_str().unwrap().to_owned(),
                c["github_username"].as_str().unwrap().to_owned(),
                c["previous_github_username"]
                    .as_str()
                    .unwrap_or("")
                    .to_owned(),
            )
        })
        .collect();
    let s = |a: &str, b: &str, c: &str| (a.to_owned(), b.to_owned(), c.to_owned());
    assert_eq!(
        changes,
        vec![
            s("granted", "bo-new", ""),
            s("escalated", "ada-two", "ada-one"),
            s("revoked", "bo-old", ""),
        ]
    );

    let out = review(&["--base", &b, "--head", &h, "--format", "markdown"])
        .output()
        .unwrap();
    let md = stdout(&out);
    assert!(md.contains("`ada-two` ← `ada-one`"), "{md}");
    // Every @ outside a code span is followed by a zero-width space, so nobody is notified.
    for (i, _) in md.match_indices('@') {
        let before_in_code = md[..i].matches('`').count() % 2 == 1;
        assert!(
            before_in_code || md[i + 1..].starts_with('\u{200b}'),
            "a live mention at {i}: {md}"
        );
    }
    assert!(md.contains("@\u{200b}octocat Ada"), "{md}");
}

#[test]
fn base_is_required_in_one_form() {
    let out = common::bin()
        .args(["review", "--head", "x.yml"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

fn git(dir: &Path, args: &[&str]) {
    let status = std::process::Command::new("git")
        .args(["-c", "user.name=Test", "-c", "user.email=test@example.com"])
        .args([
            "-c",
            "commit.gpgsign=false",
            "-c",
            "init.defaultBranch=main",
        ])
        .args(args)
        .current_dir(dir)
        .env_remove("GIT_DIR")
        .env_remove("GIT_WORK_TREE")
        .status()
        .unwrap();
    assert!(status.success(), "git {args:?}");
}

#[test]
fn base_ref_reads_the_base_with_git_show() {
    let dir = tempfile::tempdir().unwrap();
    let root = common::root();
    std::fs::create_dir_all(dir.path().join("config")).unwrap();
    let cfg = dir.path().join("config/govuk_tech.yml");
    std::fs::copy(root.join("fixtures/review/base.yml"), &cfg).unwrap();
    git(dir.path(), &["init", "-q"]);
    git(dir.path(), &["add", "."]);
    git(dir.path(), &["commit", "-q", "-m", "base"]);
    std::fs::copy(root.join("fixtures/review/head.yml"), &cfg).unwrap();

    let via_git = |args: &[&str]| {
        let mut cmd = common::bin();
        cmd.current_dir(dir.path())
            .args(["review", "--today", TODAY, "--format", "json"])
            .args(args);
        let out = cmd.output().unwrap();
        assert_eq!(out.status.code(), Some(1), "stderr: {}", stderr(&out));
        serde_json::from_str::<Value>(&stdout(&out)).unwrap()
    };
    let from_git = via_git(&["--base-ref", "HEAD"]);
    let from_git_abs = via_git(&["--base-ref", "HEAD", "--config", cfg.to_str().unwrap()]);
    let from_files: Value = serde_json::from_str(&stdout(&pair("json").output().unwrap())).unwrap();
    assert_eq!(from_git["changes"], from_files["changes"]);
    assert_eq!(from_git["findings"], from_files["findings"]);
    assert_eq!(from_git["base"], "HEAD:config/govuk_tech.yml");
    assert_eq!(from_git_abs["changes"], from_files["changes"]);

    // A revision that does not exist: exit 2, naming it.
    let out = common::bin()
        .current_dir(dir.path())
        .args(["review", "--base-ref", "no-such-rev"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("no-such-rev:config/govuk_tech.yml"),
        "{}",
        stderr(&out)
    );
}

// ---------------------------------------------------------------------------------------------
// The sticky comment against the shared fake GitHub (tests/support/github.rs).

const ME: &str = "review-bot";
const TOKEN: &str = "ghp_test_token_never_printed";
const OWNER: &str = "alphagov";
const REPO: &str = "govuk-user-reviewer";
const PR: u64 = 7;
const COMMENTS: &str = "/repos/alphagov/govuk-user-reviewer/issues/7/comments";

/// A fake GitHub serving the PR's repository; the token belongs to `ME`.
fn fake_github() -> (FakeGithub, Repo) {
    let gh = FakeGithub::start(OWNER, TOKEN);
    gh.user(ME);
    let config = std::fs::read_to_string(common::root().join("fixtures/review/base.yml")).unwrap();
    let repo = gh.repo(OWNER, REPO, "config/govuk_tech.yml", &config);
    (gh, repo)
}

/// The PR's comments, as (id, author, body).
fn comments(repo: &Repo) -> Vec<(u64, String, String)> {
    repo.lock()
        .comments
        .iter()
        .filter(|c| c.issue == PR)
        .map(|c| (c.id, c.author.clone(), c.body.clone()))
        .collect()
}

/// Run `review --post-comment` against the fake (blocking, off the async runtime's threads).
async fn post(gh: &FakeGithub, head: &str) -> std::process::Output {
    post_with_env(gh, head, &[]).await
}

/// `post`, with extra environment variables for the binary.
async fn post_with_env(
    gh: &FakeGithub,
    head: &str,
    env: &[(&'static str, &'static str)],
) -> std::process::Output {
    let uri = gh.url.clone();
    let head = head.to_owned();
    let env = env.to_vec();
    tokio::task::spawn_blocking(move || {
        let mut cmd = review(&[
            "--base",
            "fixtures/review/base.yml",
            "--head",
            &head,
            "--post-comment",
            "--repo",
            "alphagov/govuk-user-reviewer",
            "--pr",
            "7",
            "--api-url",
            &uri,
            "--backoff-ms",
            "0",
            "-vvv",
        ]);
        cmd.env("GITHUB_TOKEN", TOKEN);
        cmd.envs(env);
        cmd.output().unwrap()
    })
    .await
    .unwrap()
}

fn count(gh: &FakeGithub, verb: &str) -> usize {
    gh.count(verb)
}

#[tokio::test(flavor = "multi_thread")]
async fn first_run_creates_second_run_updates_the_same_comment() {
    let (gh, repo) = fake_github();

    let out = post(&gh, "fixtures/review/head.yml").await;
    assert_eq!(out.status.code(), Some(1), "stderr: {}", stderr(&out));
    assert!(!stdout(&out).contains(TOKEN) && !stderr(&out).contains(TOKEN));
    assert_eq!(count(&gh, "POST"), 1);
    assert_eq!(count(&gh, "PATCH"), 0);
    {
        let s = comments(&repo);
        assert_eq!(s.len(), 1);
        assert!(s[0].2.starts_with(MARKER));
        assert!(s[0].2.contains("grants production admin access"));
    }
    // The PR no longer changes access: the same comment is updated to say so.
    let out = post(&gh, "fixtures/review/base.yml").await;
    assert_eq!(out.status.code(), Some(0), "stderr: {}", stderr(&out));
    // Still the one POST of the first run; one PATCH for the second.
    assert_eq!(count(&gh, "POST"), 1);
    assert_eq!(count(&gh, "PATCH"), 1);
    let s = comments(&repo);
    assert_eq!(s.len(), 1);
    assert!(s[0].2.starts_with(MARKER));
    assert!(
        s[0].2
            .contains("This PR does not change anyone's production access."),
        "{}",
        s[0].2
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_marker_comment_by_another_user_is_not_touched() {
    let theirs = format!("{MARKER}\nsomeone else's copy");
    let (gh, repo) = fake_github();
    repo.lock().add_comment(5, PR, "someone-else", &theirs);
    let out = post(&gh, "fixtures/review/head.yml").await;
    assert_eq!(out.status.code(), Some(1), "stderr: {}", stderr(&out));
    assert_eq!(count(&gh, "PATCH"), 0);
    assert_eq!(count(&gh, "POST"), 1);
    let s = comments(&repo);
    assert_eq!(s.len(), 2);
    assert_eq!(s[0], (5, "someone-else".to_owned(), theirs));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_502_on_create_does_not_produce_two_comments() {
    // GitHub stored the comment but the gateway answered 502: re-list finds it, no second POST.
    let (gh, repo) = fake_github();
    gh.fault_on(
        "POST",
        COMMENTS,
        Fault::status(502, "Bad Gateway").after(),
        1,
    );
    let out = post(&gh, "fixtures/review/head.yml").await;
    assert_eq!(out.status.code(), Some(1), "stderr: {}", stderr(&out));
    assert_eq!(count(&gh, "POST"), 1);
    assert_eq!(comments(&repo).len(), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_502_that_stored_nothing_is_posted_once_more_and_then_gives_up_with_exit_3() {
    let (gh, repo) = fake_github();
    gh.fault_on("POST", COMMENTS, Fault::status(502, "Bad Gateway"), 1);
    let out = post(&gh, "fixtures/review/head.yml").await;
    assert_eq!(out.status.code(), Some(1), "stderr: {}", stderr(&out));
    assert_eq!(count(&gh, "POST"), 2);
    assert_eq!(comments(&repo).len(), 1);

    let (gh, repo) = fake_github();
    gh.fault_on("POST", COMMENTS, Fault::status(502, "Bad Gateway"), 10);
    let out = post(&gh, "fixtures/review/head.yml").await;
    assert_eq!(out.status.code(), Some(3), "stderr: {}", stderr(&out));
    assert_eq!(count(&gh, "POST"), 2);
    assert!(comments(&repo).is_empty());
    let err = stderr(&out);
    assert!(err.contains("could not post the review comment"), "{err}");
    assert!(err.contains("502"), "{err}");
    // Not a permission problem, so no permission advice.
    assert!(!err.contains("needs the repository permission"), "{err}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_forbidden_create_exits_3_naming_the_permission() {
    let (gh, _repo) = fake_github();
    let forbidden = json!({"message": "Resource not accessible by integration"}).to_string();
    gh.fault_on("POST", COMMENTS, Fault::status(403, &forbidden), usize::MAX);
    let out = post(&gh, "fixtures/review/head.yml").await;
    assert_eq!(out.status.code(), Some(3), "stderr: {}", stderr(&out));
    // Not retried: a 403 cannot have created anything.
    assert_eq!(count(&gh, "POST"), 1);
    let err = stderr(&out);
    assert!(err.contains("Pull requests: write"), "{err}");
    assert!(err.contains("Issues: write"), "{err}");
    assert!(!err.contains(TOKEN));
}

#[tokio::test(flavor = "multi_thread")]
async fn head_config_errors_are_posted_first_and_exit_2() {
    let (gh, repo) = fake_github();
    let out = post(&gh, "fixtures/review/invalid_head.yml").await;
    assert_eq!(out.status.code(), Some(2), "stderr: {}", stderr(&out));
    let s = comments(&repo);
    assert_eq!(s.len(), 1);
    let body = &s[0].2;
    assert!(body.starts_with(MARKER));
    assert!(body.contains("[!CAUTION]"), "{body}");
}

#[tokio::test(flavor = "multi_thread")]
async fn in_actions_a_token_that_cannot_read_user_is_github_actions_bot() {
    let (gh, repo) = fake_github();
    let forbidden = json!({"message": "Resource not accessible by integration"}).to_string();
    gh.fault_on("GET", "/user", Fault::status(403, &forbidden), usize::MAX);
    let old = format!("{MARKER}\nold");
    repo.lock().add_comment(41, PR, "github-actions[bot]", &old);
    let out = post_with_env(
        &gh,
        "fixtures/review/head.yml",
        &[("GITHUB_ACTIONS", "true")],
    )
    .await;
    assert_eq!(out.status.code(), Some(1), "stderr: {}", stderr(&out));
    assert_eq!(count(&gh, "POST"), 0);
    assert_eq!(count(&gh, "PATCH"), 1);
    let s = comments(&repo);
    assert_eq!((s.len(), s[0].0), (1, 41));
    assert_ne!(s[0].2, old, "comment 41 was the one updated");
}

#[tokio::test(flavor = "multi_thread")]
async fn our_comment_on_a_later_page_is_found_and_updated() {
    let (gh, repo) = fake_github();
    {
        let mut r = repo.lock();
        for i in 1..=100 {
            r.add_comment(i, PR, "someone", "lgtm");
        }
        r.add_comment(555, PR, ME, &format!("{MARKER}\nold"));
    }
    let out = post(&gh, "fixtures/review/head.yml").await;
    assert_eq!(out.status.code(), Some(1), "stderr: {}", stderr(&out));
    assert_eq!(count(&gh, "POST"), 0);
    assert_eq!(count(&gh, "PATCH"), 1);
    assert!(
        gh.log()
            .iter()
            .any(|l| l.starts_with(&format!("GET {COMMENTS}")) && l.contains("page=2")),
        "page 2 was read through the Link header: {:?}",
        gh.log()
    );
    assert!(
        gh.log()
            .contains(&"PATCH /repos/alphagov/govuk-user-reviewer/issues/comments/555".to_owned())
    );
}

#[test]
fn with_more_than_one_system_the_access_is_listed_per_system() {
    // mapping_v2 configures GitHub and the six account systems: the reports name the system of
    // each grant, and a role change in a single-valued system reads `sentry: member -> admin`.
    let run = |format: &str| {
        let out = review(&[
            "--base",
            "fixtures/review/base.yml",
            "--head",
            "fixtures/review/head.yml",
            "--mapping",
            "fixtures/mapping_v2.yml",
            "--format",
            format,
        ])
        .output()
        .unwrap();
        assert_eq!(out.status.code(), Some(1), "stderr: {}", stderr(&out));
        stdout(&out)
    };
    let text = run("text");
    // Text reports wrap at 100 columns off a terminal: compare with the whitespace squashed.
    let squash = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        squash(&text).contains(&squash(
            "  granted       Jo Fabricated (jo-fabricated): none -> production_admin_access (line 67)\n                access added: github: gov-uk, gov-uk-production-admin; sentry: admin; fastly: engineer; pagerduty: user; signon: Superadmin; gcp: member; logit: GOV.UK Users\n"
        )),
        "{text}"
    );
    assert!(
        text.contains("                access removed: github: gov-uk, gov-uk-production-deploy (as gil-notreal)\n"),
        "{text}"
    );
    assert!(
        text.contains(
            "                role changed: sentry: member -> admin; signon: Normal -> Superadmin\n"
        ),
        "{text}"
    );
    assert!(!text.contains("teams added"), "{text}");
    let md = run("markdown");
    assert!(
        md.contains("| Change | Person | Role | Access added | Access removed | Line |"),
        "{md}"
    );
    assert!(
        md.contains(
            "| `github: gov-uk-production-admin`; `sentry: member → admin`; `fastly: engineer`; `pagerduty: user`; `signon: Normal → Superadmin`; `gcp: member` | `github: gov-uk-production-deploy` | 6 |"
        ),
        "{md}"
    );
    let v: Value = serde_json::from_str(&run("json")).unwrap();
    let basil = v["changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["github_username"] == "basil-example")
        .unwrap();
    assert_eq!(
        basil["access"],
        json!([{"system": "github", "added": ["gov-uk-production-admin"],
            "removed": ["gov-uk-production-deploy"]},
            {"system": "sentry", "added": ["admin"], "removed": ["member"]},
            {"system": "fastly", "added": ["engineer"], "removed": []},
            {"system": "pagerduty", "added": ["user"], "removed": []},
            {"system": "signon", "added": ["Superadmin"], "removed": ["Normal"]},
            {"system": "gcp", "added": ["member"], "removed": []}])
    );
    // The v1 keys keep their meaning.
    assert_eq!(basil["teams_added"], json!(["gov-uk-production-admin"]));
}
