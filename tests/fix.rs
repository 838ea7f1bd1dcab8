//! `access-reconciler fix` through the real binary: every proposal kind, the revoke guard,
//! `--write` (atomic, and untouched when the result does not validate), and `--open-pr` against
//! the shared stateful fake GitHub on 127.0.0.1 (tests/support): one branch and one PR across runs, updated in
//! place, closed when the drift is resolved, a stale blob sha retried once, and no half-made PR
//! left behind by a failure.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stderr)]

mod common;
#[path = "support/mod.rs"]
mod support;

use std::path::Path;
use std::sync::MutexGuard;

use serde_json::{Value, json};
use support::github::{FakeGithub, FakeTeam, Fault, Repo, RepoState};

const CONFIG: &str = "fixtures/fix/govuk_tech.yml";
const SNAPSHOT: &str = "fixtures/fix/github_snapshot.json";
const TODAY: &str = "2026-11-28";

fn fix(extra: &[&str]) -> std::process::Output {
    fix_from(SNAPSHOT, extra)
}

/// `fix` reading the membership from `snapshot`, with `extra` arguments.
fn fix_from(snapshot: &str, extra: &[&str]) -> std::process::Output {
    let mut cmd = common::bin();
    cmd.args(["fix", "--snapshot", snapshot, "--today", TODAY]);
    cmd.args(extra);
    cmd.output().expect("runs")
}

fn stdout(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// A copy of a fixture in a temporary directory.
fn copy(dir: &Path, from: &str, name: &str) -> String {
    let to = dir.join(name);
    std::fs::copy(common::root().join(from), &to).unwrap();
    to.display().to_string()
}

/// The fixture snapshot, changed by `f`, written to `dir`.
fn snapshot_with(dir: &Path, f: impl FnOnce(&mut Value)) -> String {
    let text = std::fs::read_to_string(common::root().join(SNAPSHOT)).unwrap();
    let mut v: Value = serde_json::from_str(&text).unwrap();
    f(&mut v);
    let path = dir.join("snapshot.json");
    std::fs::write(&path, serde_json::to_string(&v).unwrap()).unwrap();
    path.display().to_string()
}

// ------------------------------------------------------------------ dry run and proposals

#[test]
fn dry_run_prints_the_exact_diff_and_leaves_the_file() {
    let before = std::fs::read_to_string(common::root().join(CONFIG)).unwrap();
    let out = fix(&["--config", CONFIG]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    insta::assert_snapshot!("dry_run", stdout(&out));
    assert_eq!(
        std::fs::read_to_string(common::root().join(CONFIG)).unwrap(),
        before
    );
}

#[test]
fn codify_unexpected_adds_and_raises() {
    let out = fix(&["--config", CONFIG, "--codify-unexpected"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    insta::assert_snapshot!("codify_unexpected", stdout(&out));
}

#[test]
fn without_org_membership_no_leaver_is_proposed() {
    let dir = tempfile::tempdir().unwrap();
    let snap = snapshot_with(dir.path(), |v| {
        v.as_object_mut().unwrap().remove("org_membership");
    });
    let out = fix_from(&snap, &["--config", CONFIG]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let s = stdout(&out);
    assert!(!s.contains("Lee Leaver (lee-leaver)"), "{s}");
    assert!(s.contains("fix: 2 edits"), "{s}");
}

#[test]
fn the_revoke_guard_refuses_with_exit_2() {
    let out = fix(&["--config", CONFIG, "--max-revoke-ratio", "0.2"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    let e = stderr(&out);
    assert!(
        e.contains(
            "would revoke 2 of the 8 roles in the config (25%), more than --max-revoke-ratio 0.2"
        ),
        "{e}"
    );
    // A ratio that is not a share is a usage error.
    let out = fix(&["--config", CONFIG, "--max-revoke-ratio", "2"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn write_applies_in_place_and_a_second_run_has_nothing_to_do() {
    let dir = tempfile::tempdir().unwrap();
    let config = copy(dir.path(), CONFIG, "govuk_tech.yml");
    let dry = fix(&["--config", CONFIG]);
    let out = fix(&["--config", &config, "--write"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    // The same diff as the dry run (apart from the path in the headers).
    let diff = |s: &str| {
        s.lines()
            .skip(2)
            .take_while(|l| !l.starts_with("fix:"))
            .collect::<Vec<_>>()
            .join("\n")
    };
    assert_eq!(diff(&stdout(&out)), diff(&stdout(&dry)));
    let written = std::fs::read_to_string(&config).unwrap();
    assert!(written.contains("\"github_username\": 'Cam-Case'"));
    assert!(written.contains("-   name: Lee Leaver\n"));
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        1,
        "no temp file left"
    );
    let again = fix(&["--config", &config, "--write"]);
    assert_eq!(again.status.code(), Some(0), "{}", stdout(&again));
    assert!(stdout(&again).contains("fix: no edits"));
    assert_eq!(std::fs::read_to_string(&config).unwrap(), written);
}

#[test]
fn write_leaves_the_file_intact_when_the_result_does_not_validate() {
    let dir = tempfile::tempdir().unwrap();
    // Abe's role (revoked: absent) carries an anchor that Cam's role refers to. Deleting Abe's
    // role line would leave `*deploy` dangling: the result does not parse, so nothing is written.
    let text = std::fs::read_to_string(common::root().join(CONFIG))
        .unwrap()
        .replacen(
            "  github_username: abe-absent\n  role: production_deploy_access\n",
            "  github_username: abe-absent\n  role: &deploy production_deploy_access\n",
            1,
        )
        .replacen(
            "  \"github_username\": 'cam-case'\n  role: production_deploy_access\n",
            "  \"github_username\": 'cam-case'\n  role: *deploy\n",
            1,
        );
    assert_eq!(text.matches("deploy production").count(), 1);
    assert!(text.contains("role: *deploy"));
    let config = dir.path().join("govuk_tech.yml");
    std::fs::write(&config, &text).unwrap();
    let config = config.display().to_string();
    let before = std::fs::read(&config).unwrap();
    let out = fix(&["--config", &config, "--write"]);
    assert_eq!(out.status.code(), Some(2), "{}", stdout(&out));
    let e = stderr(&out);
    assert!(e.contains("does not validate"), "{e}");
    assert!(e.contains("Nothing was changed."), "{e}");
    assert_eq!(std::fs::read(&config).unwrap(), before);
    assert!(out.stdout.is_empty());
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        1,
        "no temp file left"
    );
}

#[test]
fn codify_notes_a_legacy_login_the_config_refuses_instead_of_failing() {
    let dir = tempfile::tempdir().unwrap();
    let snap = snapshot_with(dir.path(), |v| {
        v["teams"]["gov-uk"]["members"]
            .as_array_mut()
            .unwrap()
            .push(json!({"login": "legacy-login-"}));
    });
    let out = fix_from(&snap, &["--config", CONFIG, "--codify-unexpected"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let all = format!("{}{}", stdout(&out), stderr(&out));
    assert!(all.contains("legacy-login- is in gov-uk"), "{all}");
    assert!(!stdout(&out).contains("+  github_username: legacy-login-"));
}

#[test]
fn nothing_to_fix_exits_0() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("c.yml");
    std::fs::write(
        &config,
        "- name: Ann\n  github_username: ann\n  role: production_deploy_access\n  sponsor: S\n  security_clearance: BPSS\n",
    )
    .unwrap();
    let snap = dir.path().join("s.json");
    std::fs::write(
        &snap,
        r#"{"org":"alphagov","teams":{"gov-uk":{"members":[{"login":"ann"}]},
            "gov-uk-production-deploy":{"members":[{"login":"ann"}]},
            "gov-uk-production-admin":{"members":[]}}}"#,
    )
    .unwrap();
    let out = fix_from(
        snap.to_str().unwrap(),
        &["--config", config.to_str().unwrap()],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stdout(&out).starts_with("fix: no edits"));
}

#[test]
fn an_incomplete_read_proposes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let snap = snapshot_with(dir.path(), |v| {
        v["teams"]
            .as_object_mut()
            .unwrap()
            .remove("gov-uk-production-admin");
    });
    let out = fix_from(&snap, &["--config", CONFIG]);
    assert_eq!(out.status.code(), Some(3));
    assert!(out.stdout.is_empty());
    assert!(stderr(&out).contains("no edits are proposed"));
}

#[test]
fn json_lists_each_edit_with_its_line_and_the_findings_behind_it() {
    let out = fix(&[
        "--config",
        CONFIG,
        "--codify-unexpected",
        "--format",
        "json",
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let v: Value = serde_json::from_str(&stdout(&out)).expect("JSON on stdout");
    assert_eq!(v["schema_version"], 1);
    assert_eq!(v["command"], "fix");
    assert_eq!(v["mode"], "dry_run");
    assert_eq!(v["config"], CONFIG);
    assert_eq!(v["complete"], true);
    assert_eq!(v["written"], false);
    assert_eq!(v["pull_request"], Value::Null);
    let edits = v["edits"].as_array().unwrap();
    let find = |action: &str, login: &str| {
        edits
            .iter()
            .find(|e| e["action"] == action && e["github_username"] == login)
            .unwrap_or_else(|| panic!("no {action} for {login}: {edits:#?}"))
    };
    // Abe: the role line goes; the reason is the absence finding, in full.
    let abe = find("remove_role", "abe-absent");
    assert_eq!(abe["line"], 17);
    assert_eq!(abe["in_edited_file"], false);
    let reason = &abe["reasons"][0];
    assert_eq!(reason["kind"], "absence_revocation");
    assert_eq!(reason["findings"][0]["rule"], "absence_revocation");
    assert_eq!(reason["findings"][0]["github_username"], "abe-absent");
    // Lee left the org: the missing findings that showed it.
    let lee = find("remove_role", "lee-leaver");
    assert_eq!(lee["line"], 22);
    let reason = &lee["reasons"][0];
    assert_eq!(reason["kind"], "left_org");
    let teams: Vec<&str> = reason["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            assert_eq!(f["kind"], "missing");
            f["team"].as_str().unwrap()
        })
        .collect();
    assert_eq!(teams, ["gov-uk", "gov-uk-production-deploy"]);
    let cam = find("set_github_username", "cam-case");
    assert_eq!(cam["new_github_username"], "Cam-Case");
    assert_eq!(cam["line"], 29);
    assert_eq!(cam["reasons"][0]["kind"], "login_case");
    // A codified stranger: a new entry, its line in the edited file, the finding behind it.
    let zed = find("add_entry", "zed-stranger");
    assert_eq!(zed["in_edited_file"], true);
    assert!(zed["line"].as_u64().unwrap() > 29, "{zed}");
    assert_eq!(zed["reasons"][0]["kind"], "codify_unexpected");
    assert_eq!(
        zed["reasons"][0]["findings"][0]["kind"],
        "unexpected_member"
    );
    assert_eq!(v["summary"]["edits"], edits.len());
    assert_eq!(v["summary"]["roles_revoked"], 2);
    assert!(v["summary"]["by_system"]["github"].as_u64().unwrap() > 0);
    // The diff is the text mode's.
    let text = stdout(&fix(&["--config", CONFIG, "--codify-unexpected"]));
    let diff = v["diff"].as_str().unwrap();
    assert!(
        diff.starts_with("--- a/fixtures/fix/govuk_tech.yml\n"),
        "{diff}"
    );
    assert!(text.starts_with(diff), "{text}");

    // Nothing to do: an empty list, still JSON, exit 0. An incomplete read: JSON naming what
    // was not read, no edits, exit 3.
    let dir = tempfile::tempdir().unwrap();
    let snap = snapshot_with(dir.path(), |v| {
        v["teams"]
            .as_object_mut()
            .unwrap()
            .remove("gov-uk-production-admin");
    });
    let out = fix_from(&snap, &["--config", CONFIG, "--format", "json"]);
    assert_eq!(out.status.code(), Some(3));
    let v: Value = serde_json::from_str(&stdout(&out)).expect("JSON on stdout");
    assert_eq!(v["complete"], false);
    assert_eq!(v["edits"], json!([]));
    assert_eq!(v["errors"][0]["team"], "gov-uk-production-admin");
    assert!(stderr(&out).contains("no edits are proposed"));
}

#[test]
fn live_mode_asks_the_org_about_the_missing_people_only() {
    const TOKEN: &str = "ghp_LIVEtoken0123456789";
    let gh = FakeGithub::start("alphagov", TOKEN);
    let team = |members: &[&str], maintainers: &[&str]| FakeTeam {
        members: members.iter().map(|m| (*m).to_owned()).collect(),
        maintainers: maintainers.iter().map(|m| (*m).to_owned()).collect(),
        ..FakeTeam::default()
    };
    gh.team(
        "gov-uk",
        team(
            &[
                "ada-admin",
                "abe-absent",
                "Cam-Case",
                "flo-flow",
                "dee-deploy",
                "bo-basic",
                "ivy-ink",
                "nan-norole",
                "zed-stranger",
                "govuk-ci",
            ],
            &[],
        ),
    );
    gh.team(
        "gov-uk-production-deploy",
        team(
            &[
                "abe-absent",
                "Cam-Case",
                "flo-flow",
                "dee-deploy",
                "bo-basic",
                "ivy-ink",
            ],
            &[],
        ),
    );
    gh.team(
        "gov-uk-production-admin",
        team(&["ada-admin", "dee-deploy", "zed-stranger"], &["ada-admin"]),
    );
    let live_fix = || {
        common::bin()
            .env("GITHUB_TOKEN", TOKEN)
            .args([
                "fix",
                "--config",
                CONFIG,
                "--today",
                TODAY,
                "--api-url",
                &gh.url,
            ])
            .args(["--backoff-ms", "0", "--secondary-wait", "0"])
            .output()
            .unwrap()
    };
    // lee-leaver is not an org member (404): a leaver.
    let out = live_fix();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let s = stdout(&out);
    assert!(
        s.contains("remove the role of Lee Leaver (lee-leaver): left the org"),
        "{s}"
    );
    assert!(s.contains("fix: 3 edits"), "{s}");
    let lookups: Vec<String> = gh
        .log()
        .into_iter()
        .filter(|l| l.contains("/memberships/"))
        .collect();
    // lee-leaver, and once someone read in a team (the first in order), to be sure a 404 means
    // "not a member" and not "cannot see memberships".
    assert_eq!(lookups.len(), 2, "{lookups:?}");
    assert!(
        lookups
            .iter()
            .any(|l| l.contains("/orgs/alphagov/memberships/lee-leaver"))
    );
    assert!(
        lookups
            .iter()
            .any(|l| l.contains("/orgs/alphagov/memberships/abe-absent"))
    );

    // A token that cannot see memberships gets 404 for everyone: no leaver is proposed, exit 3.
    gh.fault(
        "/memberships/",
        Fault::status(404, r#"{"message":"Not Found"}"#),
        100,
    );
    let out = live_fix();
    assert_eq!(out.status.code(), Some(3), "{}", stdout(&out));
    let e = stderr(&out);
    assert!(e.contains("the token cannot see org memberships"), "{e}");
    assert!(!stdout(&out).contains("left the org"));
}

// ------------------------------------------------------------------ the fake GitHub

const OWNER: &str = "alphagov";
const REPO: &str = "govuk-user-reviewer";
const PATH: &str = "config/govuk_tech.yml";
const BRANCH: &str = "access-reconciler/drift";
const TOKEN: &str = "ghp_FAKEtoken0123456789";

/// The shared fake GitHub (tests/support/github.rs) serving one repository.
struct FakeRepo {
    gh: FakeGithub,
    repo: Repo,
}

impl FakeRepo {
    /// A repository whose default branch `main` holds the fix fixture as config/govuk_tech.yml.
    async fn start() -> FakeRepo {
        let text = std::fs::read_to_string(common::root().join(CONFIG)).unwrap();
        let gh = FakeGithub::start(OWNER, TOKEN);
        let repo = gh.repo(OWNER, REPO, PATH, &text);
        FakeRepo { gh, repo }
    }

    fn state(&self) -> MutexGuard<'_, RepoState> {
        self.repo.lock()
    }

    /// Answer the next `n` PUTs of the file with 409 (a stale blob sha).
    fn conflict_puts(&self, n: usize) {
        let body = format!(r#"{{"message":"{PATH} does not match"}}"#);
        self.gh
            .fault_on("PUT", "/contents/", Fault::status(409, &body), n);
    }

    /// Answer every PUT of the file with `status`.
    fn fail_puts(&self, status: u16, message: &str) {
        let body = format!(r#"{{"message":"{message}"}}"#);
        self.gh.fault_on(
            "PUT",
            "/contents/",
            Fault::status(status, &body),
            usize::MAX,
        );
    }

    /// Answer PR creation with 500, creating nothing.
    fn fail_pull_create(&self) {
        let body = r#"{"message":"Server Error"}"#;
        self.gh
            .fault_on("POST", "/pulls", Fault::status(500, body), usize::MAX);
    }

    /// Create the PR but answer 502 (the create "failed" as far as the client can tell).
    fn pull_create_lies(&self) {
        let body = r#"{"message":"Bad Gateway"}"#;
        self.gh
            .fault_on("POST", "/pulls", Fault::status(502, body).after(), 1);
    }

    /// Run `fix --open-pr` against this repository (off the async runtime's thread).
    async fn run(&self, extra: &[&str]) -> std::process::Output {
        self.run_with_delay("0", extra).await
    }

    async fn run_with_delay(&self, delay: &str, extra: &[&str]) -> std::process::Output {
        let mut cmd = common::bin();
        cmd.env("GITHUB_TOKEN", TOKEN);
        cmd.args(["fix", "--snapshot", SNAPSHOT, "--today", TODAY, "--open-pr"]);
        cmd.args([
            "--repo",
            &format!("{OWNER}/{REPO}"),
            "--api-url",
            &self.gh.url,
        ]);
        cmd.args([
            "--mutation-delay",
            delay,
            "--backoff-ms",
            "0",
            "--secondary-wait",
            "0",
        ]);
        cmd.args(extra);
        tokio::task::spawn_blocking(move || cmd.output().expect("runs"))
            .await
            .unwrap()
    }

    fn take_mutations(&self) -> Vec<String> {
        std::mem::take(&mut self.state().mutations)
    }

    fn branch_file(&self) -> Option<String> {
        self.state().file_at(BRANCH)
    }

    /// The branch is exactly one commit on main's head.
    fn assert_one_commit_on_main(&self) {
        let s = self.state();
        let head = s.refs[BRANCH].clone();
        assert_eq!(s.commits[&head].0.as_ref(), Some(&s.refs["main"]));
    }
}

fn strings(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| (*s).to_owned()).collect()
}

#[tokio::test]
async fn three_runs_make_one_branch_and_one_pr_updated_in_place_then_closed() {
    let gh = FakeRepo::start().await;
    let put = format!("PUT /contents/{PATH}");

    // Run 1: branch, one commit, PR.
    let out = gh.run(&[]).await;
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("opened pull request #1"),
        "{}",
        stdout(&out)
    );
    assert_eq!(
        gh.take_mutations(),
        strings(&["POST /git/refs", &put, "POST /pulls"])
    );
    gh.assert_one_commit_on_main();
    let file = gh.branch_file().unwrap();
    assert!(file.contains("\"github_username\": 'Cam-Case'"));
    assert!(!file.contains("-   role: production_deploy_access"));
    {
        let s = gh.state();
        assert_eq!(s.pulls.len(), 1);
        let p = &s.pulls[0];
        assert_eq!((p.head.as_str(), p.base.as_str()), (BRANCH, "main"));
        assert_eq!(
            p.title,
            "access-reconciler: 3 config edits to resolve access drift"
        );
        assert!(p.body.contains("### Left the organization"), "{}", p.body);
        assert!(p.body.contains("Lee Leaver (`lee-leaver`)"));
        assert!(
            p.body
                .contains("```diff\n--- a/config/govuk_tech.yml\n+++ b/config/govuk_tech.yml\n")
        );
        assert!(
            p.body.contains("## access-reconciler fix"),
            "the drift report is in the body"
        );
    }

    // Run 2: the same drift. Nothing to commit; the PR is updated, not duplicated. In JSON,
    // the pull request is named with what was done to it.
    let out = gh.run(&["--format", "json"]).await;
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let v: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(v["mode"], "open_pr");
    assert_eq!(v["pull_request"]["action"], "updated");
    assert_eq!(v["pull_request"]["number"], 1);
    assert!(
        v["pull_request"]["url"]
            .as_str()
            .unwrap()
            .ends_with("/pull/1"),
        "{v}"
    );
    assert_eq!(gh.take_mutations(), strings(&["PATCH /pulls/1"]));

    // Run 3: the drift changed (codify). The branch is forced back to main with one new commit.
    let out = gh.run(&["--codify-unexpected"]).await;
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert_eq!(
        gh.take_mutations(),
        strings(&[
            &format!("PATCH /git/refs/heads/{BRANCH}"),
            &put,
            "PATCH /pulls/1"
        ])
    );
    gh.assert_one_commit_on_main();
    assert!(gh.branch_file().unwrap().contains("name: zed-stranger"));
    {
        let s = gh.state();
        assert_eq!(s.pulls.len(), 1, "one PR across all runs");
        assert_eq!(s.refs.len(), 2, "main and the drift branch only");
        assert!(s.pulls[0].body.contains("zed-stranger"));
        assert_eq!(
            s.pulls[0].title,
            "access-reconciler: 5 config edits to resolve access drift"
        );
    }

    // The PR is merged: main now holds the fixed file. The next run finds nothing and closes it.
    {
        let mut s = gh.state();
        let fixed = s.file_at(BRANCH).unwrap();
        let main = s.refs["main"].clone();
        let merged = s.commit(Some(main), &fixed);
        s.refs.insert("main".into(), merged);
        // Merging by hand does not close it here, so the tool must.
    }
    let out = gh.run(&[]).await;
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        stdout(&out),
        stderr(&out)
    );
    assert!(stdout(&out).contains("closed pull request #1"));
    assert_eq!(
        gh.take_mutations(),
        strings(&["POST /issues/1/comments", "PATCH /pulls/1"])
    );
    {
        let s = gh.state();
        assert_eq!(s.pulls[0].state, "closed");
        assert!(
            s.comments[0]
                .body
                .contains("drift this pull request resolved is gone")
        );
    }

    // And once closed, a clean run does nothing at all.
    let out = gh.run(&[]).await;
    assert_eq!(out.status.code(), Some(0));
    assert!(gh.take_mutations().is_empty());
}

/// A PR a human closed without merging declined its edits: the next run with exactly the same
/// edits opens no new PR (and changes nothing); a run whose edits differ opens a new one. A PR
/// the tool itself closed (drift resolved) or one that was merged never blocks a new one.
#[tokio::test]
async fn a_pr_closed_by_a_human_is_not_reopened_or_repeated_for_the_same_edits() {
    let gh = FakeRepo::start().await;
    let out = gh.run(&[]).await;
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    gh.take_mutations();
    assert!(
        gh.state().pulls[0]
            .body
            .contains("<!-- access-reconciler:fix edits=")
    );

    // A human closes #1 without merging: "GitHub is wrong, I will fix GitHub instead".
    gh.state().pulls[0].state = "closed".into();
    let out = gh.run(&[]).await;
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.contains(
            "pull request #1 proposed exactly these edits and was closed without being merged"
        ),
        "{text}"
    );
    assert!(
        text.contains("--- a/config/govuk_tech.yml"),
        "the diff is still shown: {text}"
    );
    assert!(gh.take_mutations().is_empty(), "nothing is changed");
    assert_eq!(gh.state().pulls.len(), 1);

    // The proposed edits change: a new PR.
    let out = gh.run(&["--codify-unexpected"]).await;
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("opened pull request #2"),
        "{}",
        stdout(&out)
    );
    gh.take_mutations();

    // #2 is merged (and closed). The newest PR was not declined, so the edits #1 proposed,
    // proposed again, open a new PR.
    {
        let mut s = gh.state();
        s.pulls[1].state = "closed".into();
        s.pulls[1].merged = true;
    }
    let out = gh.run(&[]).await;
    assert!(
        stdout(&out).contains("opened pull request #3"),
        "{}",
        stdout(&out)
    );

    // The tool closes #3 when the drift is resolved; when the same drift comes back, a new PR.
    let fixed = gh.branch_file().unwrap();
    let original = {
        let mut s = gh.state();
        let original = s.file_at("main").unwrap();
        let main = s.refs["main"].clone();
        let c = s.commit(Some(main), &fixed);
        s.refs.insert("main".into(), c);
        original
    };
    let out = gh.run(&[]).await;
    assert!(
        stdout(&out).contains("closed pull request #3"),
        "{}",
        stdout(&out)
    );
    assert!(
        gh.state().pulls[2]
            .body
            .contains("<!-- access-reconciler:fix resolved-edits=")
    );
    {
        let mut s = gh.state();
        let main = s.refs["main"].clone();
        let c = s.commit(Some(main), &original);
        s.refs.insert("main".into(), c);
    }
    let out = gh.run(&[]).await;
    assert!(
        stdout(&out).contains("opened pull request #4"),
        "{}",
        stdout(&out)
    );
}

/// The default branch moved since the last run: the branch is rebuilt as one commit on the new
/// head (keeping what landed on main), and the open PR updated. A branch left without a PR
/// (closed and deleted by hand, or a run that died) gets a PR without a second branch.
#[tokio::test]
async fn a_moved_default_branch_rebuilds_the_branch_and_a_branch_without_a_pr_gets_one() {
    let gh = FakeRepo::start().await;
    let out = gh.run(&[]).await;
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    gh.take_mutations();
    {
        let mut s = gh.state();
        let text = format!("# a comment landed on main\n{}", s.file_at("main").unwrap());
        let main = s.refs["main"].clone();
        let c = s.commit(Some(main), &text);
        s.refs.insert("main".into(), c);
    }
    let out = gh.run(&[]).await;
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert_eq!(
        gh.take_mutations(),
        strings(&[
            &format!("PATCH /git/refs/heads/{BRANCH}"),
            &format!("PUT /contents/{PATH}"),
            "PATCH /pulls/1"
        ])
    );
    gh.assert_one_commit_on_main();
    assert!(
        gh.branch_file()
            .unwrap()
            .starts_with("# a comment landed on main\n")
    );

    // The PR disappears (the branch stays): the next run opens one from the same branch.
    gh.state().pulls.clear();
    let out = gh.run(&[]).await;
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("opened pull request #1"),
        "{}",
        stdout(&out)
    );
    assert_eq!(gh.take_mutations(), strings(&["POST /pulls"]));
    assert_eq!(gh.state().refs.len(), 2);
}

#[tokio::test]
async fn a_stale_blob_sha_is_read_again_and_retried_once() {
    let gh = FakeRepo::start().await;
    gh.conflict_puts(1);
    let out = gh.run(&[]).await;
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let put = format!("PUT /contents/{PATH}");
    assert_eq!(
        gh.take_mutations(),
        strings(&["POST /git/refs", &put, &put, "POST /pulls"])
    );
    gh.assert_one_commit_on_main();
    assert_eq!(gh.state().pulls.len(), 1);
}

#[tokio::test]
async fn a_second_conflict_fails_and_leaves_no_branch_and_no_pr() {
    let gh = FakeRepo::start().await;
    gh.conflict_puts(2);
    let out = gh.run(&[]).await;
    assert_eq!(out.status.code(), Some(3));
    let e = stderr(&out);
    eprintln!("{e}");
    assert!(e.contains("after one retry"), "{e}");
    assert!(e.contains("made by this run) was deleted"), "{e}");
    let put = format!("PUT /contents/{PATH}");
    assert_eq!(
        gh.take_mutations(),
        strings(&[
            "POST /git/refs",
            &put,
            &put,
            &format!("DELETE /git/refs/heads/{BRANCH}")
        ])
    );
    let s = gh.state();
    assert!(s.pulls.is_empty());
    assert!(!s.refs.contains_key(BRANCH));
}

#[tokio::test]
async fn a_failed_pr_create_is_checked_and_leaves_nothing_half_made() {
    let gh = FakeRepo::start().await;
    gh.fail_pull_create();
    let out = gh.run(&[]).await;
    assert_eq!(out.status.code(), Some(3));
    let e = stderr(&out);
    assert!(e.contains("cannot open the pull request"), "{e}");
    assert!(e.contains("Pull requests: write"), "{e}");
    let s = gh.state();
    assert!(s.pulls.is_empty());
    assert!(
        !s.refs.contains_key(BRANCH),
        "the branch this run made is gone"
    );
    // One create, never retried blindly.
    assert_eq!(
        s.mutations.iter().filter(|m| *m == "POST /pulls").count(),
        1
    );
}

#[tokio::test]
async fn a_create_that_happened_despite_an_error_is_found_not_repeated() {
    let gh = FakeRepo::start().await;
    gh.pull_create_lies();
    let out = gh.run(&[]).await;
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let put = format!("PUT /contents/{PATH}");
    assert_eq!(
        gh.take_mutations(),
        strings(&["POST /git/refs", &put, "POST /pulls", "PATCH /pulls/1"])
    );
    assert_eq!(gh.state().pulls.len(), 1);
}

#[tokio::test]
async fn a_failure_on_an_existing_pr_puts_its_branch_back() {
    let gh = FakeRepo::start().await;
    let out = gh.run(&[]).await;
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let before = gh.state().refs[BRANCH].clone();
    let file_before = gh.branch_file();
    gh.take_mutations();
    gh.fail_puts(500, "Server Error");
    let out = gh.run(&["--codify-unexpected"]).await;
    assert_eq!(out.status.code(), Some(3));
    assert!(stderr(&out).contains("was put back at"), "{}", stderr(&out));
    let s = gh.state();
    assert_eq!(
        s.refs[BRANCH], before,
        "the open PR still shows the last good commit"
    );
    assert_eq!(s.file_at(BRANCH), file_before);
    assert_eq!(s.pulls.len(), 1);
    assert_eq!(s.pulls[0].state, "open");
}

#[tokio::test]
async fn mutations_are_spaced_by_the_mutation_delay() {
    let gh = FakeRepo::start().await;
    let started = std::time::Instant::now();
    // 0.2 s between each of the 3 mutations.
    let out = gh.run_with_delay("0.2", &[]).await;
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert_eq!(gh.take_mutations().len(), 3);
    assert!(started.elapsed() >= std::time::Duration::from_millis(400));
}

#[tokio::test]
async fn the_default_branch_is_never_the_fix_branch() {
    let gh = FakeRepo::start().await;
    let out = gh.run(&["--branch", "main"]).await;
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("is the repository's default branch"));
    assert!(gh.take_mutations().is_empty());
}

#[tokio::test]
async fn missing_permissions_are_named() {
    let gh = FakeRepo::start().await;
    gh.fail_puts(403, "Resource not accessible by integration");
    let out = gh.run(&[]).await;
    assert_eq!(out.status.code(), Some(3));
    let e = stderr(&out);
    assert!(e.contains("Contents: write"), "{e}");
    assert!(!e.contains("ghp_FAKEtoken"), "the token is never printed");
    assert!(gh.state().pulls.is_empty());
    assert!(!gh.state().refs.contains_key(BRANCH));
}
