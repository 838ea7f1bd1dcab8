//! Issue 14 ("Hardening: what a new user ran into"): one test through the real binary per item,
//! each written to fail before its fix.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

const TODAY: &str = "2026-11-28";
const CONFIG: &str = "fixtures/govuk_tech.yml";
const SNAPSHOT: &str = "fixtures/github_snapshot.json";

/// Run the binary; (exit code, stdout, stderr).
fn run(args: &[&str]) -> (i32, String, String) {
    run_env(args, &[])
}

fn run_env(args: &[&str], env: &[(&str, &str)]) -> (i32, String, String) {
    let mut cmd = common::bin();
    cmd.args(args);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("the binary runs");
    (
        out.status.code().expect("exited, not killed"),
        String::from_utf8(out.stdout).expect("utf-8 stdout"),
        String::from_utf8(out.stderr).expect("utf-8 stderr"),
    )
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

/// A config with `n` entries, each with an error (a name but a role and no login).
fn config_with_errors(n: usize) -> String {
    let mut s = String::new();
    for i in 0..n {
        s.push_str(&format!(
            "- name: Person {i}\n  role: production_deploy_access\n"
        ));
    }
    s
}

/// The binary as a plain process (assert_cmd cannot close a pipe early).
fn raw_bin() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_access-reconciler"));
    for (key, _) in std::env::vars_os() {
        let k = key.to_string_lossy();
        if k.starts_with("GH_") || k.starts_with("GITHUB_") || k == "NO_COLOR" || k == "RUST_LOG" {
            cmd.env_remove(&key);
        }
    }
    cmd.current_dir(common::root());
    cmd
}

// ---- 1. A closed stderr or stdout ends the run quietly, with the normal exit code ----

#[test]
fn item1_closed_stderr_exits_2_without_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    let config = write(dir.path(), "c.yml", &config_with_errors(5000));
    let mut child = raw_bin()
        .args(["check", "--config", config.to_str().unwrap()])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Read one line, as `2>&1 | head -1` does, then close the pipe.
    let mut stderr = child.stderr.take().unwrap();
    let mut first = [0u8; 64];
    let _ = stderr.read(&mut first).unwrap();
    drop(stderr);
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(2), "{status:?}");
}

#[test]
fn item1_closed_stdout_keeps_the_exit_code() {
    let mut child = raw_bin()
        .args([
            "drift",
            "--config",
            CONFIG,
            "--snapshot",
            SNAPSHOT,
            "--today",
            TODAY,
            "-v",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    drop(child.stderr.take());
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(1), "{status:?}");
}

// ---- 2. Unknown keys in a person's entry are never silent ----

const TYPOS: &str = "\
- name: Abe Absent
  github_username: abe
  role: production_deploy_access
  security_clearance: SC
  sponsor: Sam Sponsor
  why_do_they_need_access: on call
  absent_from: 2026-01-01
- name: Ann Apprentice
  github_username: ann
  is_apprentice: true
  slack: '@ann'
";

#[test]
fn item2_unknown_keys_are_findings_in_every_format() {
    let dir = tempfile::tempdir().unwrap();
    let config = write(dir.path(), "c.yml", TYPOS);
    let c = config.to_str().unwrap();
    let (code, text, stderr) = run(&["check", "--config", c, "--today", TODAY]);
    assert_eq!(code, 1, "{stderr}");
    for key in ["absent_from", "is_apprentice", "slack"] {
        assert!(text.contains(&format!("`{key}`")), "{key}: {text}");
    }
    assert!(text.contains("[medium] unknown_key"), "{text}");
    assert!(text.contains(&format!("{c}:7")), "{text}");

    let (_, json, _) = run(&["check", "--config", c, "--today", TODAY, "--format", "json"]);
    let report: serde_json::Value = serde_json::from_str(&json).unwrap();
    let unknown: Vec<_> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["kind"] == "unknown_key")
        .collect();
    assert_eq!(unknown.len(), 3, "{json}");
    assert!(unknown.iter().all(|f| f["severity"] == "medium"));
    assert!(
        unknown
            .iter()
            .any(|f| f["line"] == 7 && f["github_username"] == "abe")
    );

    let (_, md, _) = run(&[
        "check", "--config", c, "--today", TODAY, "--format", "markdown",
    ]);
    assert!(
        md.contains("`unknown_key`") && md.contains("`absent_from`"),
        "{md}"
    );
    let (_, gh, _) = run(&[
        "check", "--config", c, "--today", TODAY, "--format", "github",
    ]);
    assert!(
        gh.contains(&format!(
            "::error file={c},line=7,title=unknown_key (medium)"
        )),
        "{gh}"
    );
}

#[test]
fn item2_strict_makes_unknown_keys_errors() {
    let dir = tempfile::tempdir().unwrap();
    let config = write(dir.path(), "c.yml", TYPOS);
    let c = config.to_str().unwrap();
    let (code, stdout, stderr) = run(&["check", "--config", c, "--today", TODAY, "--strict"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stdout.is_empty(), "{stdout}");
    assert!(
        stderr.contains(&format!("{c}:7:3: unknown key `absent_from`")),
        "{stderr}"
    );
    assert!(
        stderr.contains("rename it") && stderr.contains("absent_since"),
        "{stderr}"
    );
}

#[test]
fn item2_extra_keys_in_the_mapping_are_not_reported() {
    let dir = tempfile::tempdir().unwrap();
    let config = write(dir.path(), "c.yml", TYPOS);
    let builtin = std::fs::read_to_string(common::root().join("fixtures/mapping.yml")).unwrap();
    let mapping = write(
        dir.path(),
        "m.yml",
        &format!("{builtin}extra_keys: [slack, absent_from, is_apprentice]\n"),
    );
    let (code, stdout, stderr) = run(&[
        "check",
        "--config",
        config.to_str().unwrap(),
        "--mapping",
        mapping.to_str().unwrap(),
        "--today",
        TODAY,
        "--strict",
    ]);
    assert!(code < 2, "{stderr}");
    assert!(!stdout.contains("unknown_key"), "{stdout}");
}

#[test]
fn item2_commands_without_findings_warn_on_stderr() {
    let dir = tempfile::tempdir().unwrap();
    let config = write(dir.path(), "c.yml", TYPOS);
    let (_, _, stderr) = run(&[
        "review",
        "--base",
        config.to_str().unwrap(),
        "--head",
        config.to_str().unwrap(),
    ]);
    assert!(
        stderr.contains("warning:") && stderr.contains("`absent_from`"),
        "{stderr}"
    );
}

// ---- 4. Config errors in the github and markdown formats ----

#[test]
fn item4_config_errors_are_annotations_and_a_markdown_block() {
    let dir = tempfile::tempdir().unwrap();
    let config = write(dir.path(), "c.yml", &config_with_errors(12));
    let abs = config.to_str().unwrap();
    let ws = dir.path().to_str().unwrap();
    let (code, gh, _) = run_env(
        &["check", "--config", abs, "--format", "github"],
        &[("GITHUB_WORKSPACE", ws)],
    );
    assert_eq!(code, 2);
    assert_eq!(gh.matches("::error ").count(), 10, "{gh}");
    assert!(gh.starts_with("::error file=c.yml,line=1,col=3,"), "{gh}");
    assert!(
        gh.contains("::notice") && gh.contains("2 more config errors"),
        "{gh}"
    );

    let (code, md, _) = run(&["check", "--config", abs, "--format", "markdown"]);
    assert_eq!(code, 2);
    assert!(
        md.contains("12 errors") && md.contains(&format!("`{abs}:1:3`")),
        "{md}"
    );

    let summary = dir.path().join("summary.md");
    let (code, _, _) = run_env(
        &["drift", "--config", abs, "--snapshot", SNAPSHOT],
        &[("GITHUB_STEP_SUMMARY", summary.to_str().unwrap())],
    );
    assert_eq!(code, 2);
    let written = std::fs::read_to_string(&summary).unwrap();
    assert!(written.contains("12 errors"), "{written}");
}

#[test]
fn item4_at_most_ten_error_annotations_the_most_severe() {
    let (code, gh, _) = run(&[
        "drift",
        "--config",
        CONFIG,
        "--snapshot",
        SNAPSHOT,
        "--today",
        TODAY,
        "--format",
        "github",
    ]);
    assert_eq!(code, 1);
    assert_eq!(gh.matches("::error ").count(), 10, "{gh}");
    // 15 high and 7 medium: the ten kept are all high.
    assert!(!gh.contains("(medium)"), "{gh}");
    assert!(gh.contains("more findings are not shown"), "{gh}");
}

// ---- 3. Stale or future snapshots are flagged; fetched_at is shown in every format ----

fn snapshot_at(dir: &Path, fetched_at: &str) -> PathBuf {
    let text = std::fs::read_to_string(common::root().join(SNAPSHOT)).unwrap();
    let text = text.replace("2026-11-28T06:00:00Z", fetched_at);
    write(dir, "snap.json", &text)
}

#[test]
fn item3_old_and_future_snapshots_are_stale_evidence() {
    let dir = tempfile::tempdir().unwrap();
    for (fetched, today, stale) in [
        ("2019-01-01T00:00:00Z", TODAY, true),
        ("2026-11-29T00:00:00Z", TODAY, true),
        ("2026-11-28T23:00:00Z", TODAY, false),
        ("2026-11-21T00:00:00Z", TODAY, false),
        ("2026-11-20T00:00:00Z", TODAY, true),
    ] {
        let snap = snapshot_at(dir.path(), fetched);
        let (code, json, stderr) = run(&[
            "drift",
            "--config",
            CONFIG,
            "--snapshot",
            snap.to_str().unwrap(),
            "--today",
            today,
            "--format",
            "json",
        ]);
        assert_eq!(code, 1, "{stderr}");
        let r: serde_json::Value = serde_json::from_str(&json).unwrap();
        let found = r["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["kind"] == "stale_evidence")
            .inspect(|f| assert_eq!(f["severity"], "medium"))
            .count();
        assert_eq!(found, usize::from(stale), "{fetched} at {today}");
        assert_eq!(r["fetched_at"], fetched, "{json}");
    }
    // --max-age raises the limit.
    let snap = snapshot_at(dir.path(), "2019-01-01T00:00:00Z");
    let (_, text, _) = run(&[
        "drift",
        "--config",
        CONFIG,
        "--snapshot",
        snap.to_str().unwrap(),
        "--today",
        TODAY,
        "--max-age",
        "10000",
    ]);
    assert!(!text.contains("stale_evidence"), "{text}");
}

#[test]
fn item3_fetched_at_is_shown_in_text_markdown_and_github() {
    for format in ["text", "markdown", "github"] {
        let (_, out, _) = run(&[
            "drift",
            "--config",
            CONFIG,
            "--snapshot",
            SNAPSHOT,
            "--today",
            TODAY,
            "--format",
            format,
        ]);
        assert!(
            out.contains("recorded at 2026-11-28T06:00:00Z"),
            "{format}: {out}"
        );
    }
    let dir = tempfile::tempdir().unwrap();
    let snap = snapshot_at(dir.path(), "2019-01-01T00:00:00Z");
    let (_, text, _) = run(&[
        "drift",
        "--config",
        CONFIG,
        "--snapshot",
        snap.to_str().unwrap(),
        "--today",
        TODAY,
    ]);
    assert!(text.contains("[medium] stale_evidence"), "{text}");
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        flat.contains("2019-01-01T00:00:00Z, 2888 days before 2026-11-28"),
        "{text}"
    );
}

// ---- 5. Duplicate keys in a JSON input are refused, with the line ----

#[test]
fn item5_duplicate_keys_in_the_snapshot_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let snap = write(
        dir.path(),
        "snap.json",
        "{\"org\": \"alphagov\",\n \"teams\": {\"gov-uk\": {\"members\": []}},\n \"teams\": {}}\n",
    );
    let s = snap.to_str().unwrap();
    let (code, _, stderr) = run(&[
        "drift",
        "--config",
        CONFIG,
        "--snapshot",
        s,
        "--today",
        TODAY,
    ]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains(&format!("{s}:3:")), "{stderr}");
    assert!(stderr.contains("`teams` appears twice"), "{stderr}");
}

// ---- 6. Messages are written for a person; columns count from 1 ----

#[test]
fn item6_snapshot_messages_name_no_rust_types_and_columns_start_at_1() {
    let dir = tempfile::tempdir().unwrap();
    for (text, want, not) in [
        ("[]", "found a list, expected a JSON object", "struct"),
        (
            "{\"org\":\"alphagov\",\"fetched_at\":\"2026-13-01\",\"teams\":{}}",
            "not a date and time in the form 2026-11-28T09:00:00Z",
            "invalid characters",
        ),
        ("", ":1:1:", ":1:0:"),
    ] {
        let snap = write(dir.path(), "s.json", text);
        let (code, _, stderr) = run(&[
            "drift",
            "--config",
            CONFIG,
            "--snapshot",
            snap.to_str().unwrap(),
            "--today",
            TODAY,
        ]);
        assert_eq!(code, 2, "{stderr}");
        assert!(stderr.contains(want), "{text}: {stderr}");
        assert!(!stderr.contains(not), "{text}: {stderr}");
    }
}

#[test]
fn item6_logs_show_no_debug_formatting() {
    let (_, _, stderr) = run(&[
        "drift",
        "--config",
        CONFIG,
        "--snapshot",
        SNAPSHOT,
        "--today",
        TODAY,
        "-v",
    ]);
    assert!(
        stderr.contains("recorded at 2026-11-28T06:00:00Z"),
        "{stderr}"
    );
    assert!(!stderr.contains("Some("), "{stderr}");
}

// ---- 7. A YAML file given as the snapshot: said so, and no hint to write over an input ----

#[test]
fn item7_a_config_given_as_the_snapshot_is_recognised() {
    let (code, _, stderr) = run(&["drift", "--config", CONFIG, "--snapshot", CONFIG]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("looks like a YAML file"), "{stderr}");
    assert!(!stderr.contains(&format!("--out {CONFIG}")), "{stderr}");
}

#[test]
fn item7_snapshot_out_never_overwrites_an_input() {
    for out in [CONFIG, "fixtures/mapping.yml"] {
        let (code, _, stderr) = run(&[
            "snapshot",
            "--config",
            CONFIG,
            "--mapping",
            "fixtures/mapping.yml",
            "--out",
            out,
            "--api-url",
            "http://127.0.0.1:9",
        ]);
        assert_eq!(code, 2, "{stderr}");
        assert!(stderr.contains("would overwrite"), "{stderr}");
    }
}

// ---- 9. Flags that would be ignored are refused with a reason; --retries counts retries ----

#[test]
fn item9_ignored_flags_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("s.json");
    let out = out.to_str().unwrap();
    for (args, needle) in [
        (
            vec!["snapshot", "--out", out, "--format", "json"],
            "snapshot does not take --format",
        ),
        (
            vec!["--format", "json", "snapshot", "--out", out],
            "snapshot does not take --format",
        ),
        (
            vec!["snapshot", "--out", out, "--today", TODAY],
            "snapshot does not take --today",
        ),
        (
            vec![
                "drift",
                "--snapshot",
                SNAPSHOT,
                "--api-url",
                "http://127.0.0.1:9",
            ],
            "--api-url would be ignored",
        ),
        (
            vec!["drift", "--snapshot", SNAPSHOT, "--app-id", "1"],
            "--app-id would be ignored",
        ),
        (
            vec!["fix", "--snapshot", SNAPSHOT, "--retries", "1"],
            "--retries would be ignored",
        ),
        (
            vec![
                "review", "--base", CONFIG, "--head", CONFIG, "--config", CONFIG,
            ],
            "--config is only used with --base-ref",
        ),
        (
            vec!["review", "--base", CONFIG, "--head", CONFIG, "--pr", "3"],
            "only used with --post-comment",
        ),
        (vec!["check", "-q", "-v"], "cannot be used with"),
        (
            vec![
                "review",
                "--base",
                CONFIG,
                "--head",
                CONFIG,
                "--post-comment",
                "--repo",
                "a/b",
                "--pr",
                "0",
            ],
            "--pr",
        ),
        (vec!["drift", "--concurrency", "0"], "must be 1 or more"),
    ] {
        let (code, stdout, stderr) = run(&args);
        assert_eq!(code, 2, "{args:?}: {stderr}");
        assert!(stdout.is_empty(), "{args:?}");
        assert!(stderr.contains(needle), "{args:?}: {stderr}");
    }
    // From the environment (a workflow's GITHUB_APP_ID), a GitHub flag is not refused.
    let (code, _, stderr) = run_env(
        &[
            "drift",
            "--config",
            CONFIG,
            "--snapshot",
            SNAPSHOT,
            "--today",
            TODAY,
        ],
        &[("GITHUB_APP_ID", "1")],
    );
    assert_eq!(code, 1, "{stderr}");
}

#[test]
fn item9_retries_counts_retries_after_the_first_try() {
    // Nothing listens on port 9 of 127.0.0.1: every try is a connection error.
    for (retries, want) in [("0", "after 1 try:"), ("2", "after 3 tries:")] {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("s.json");
        let (code, _, stderr) = run_env(
            &[
                "snapshot",
                "--config",
                CONFIG,
                "--out",
                out.to_str().unwrap(),
                "--api-url",
                "http://127.0.0.1:9",
                "--retries",
                retries,
                "--backoff-ms",
                "0",
            ],
            &[("GITHUB_TOKEN", "ghp_TESTTOKENabcdef0123456789")],
        );
        assert_eq!(code, 3, "{stderr}");
        assert!(stderr.contains(want), "--retries {retries}: {stderr}");
    }
    let (_, help, _) = run(&["drift", "--help"]);
    assert!(help.contains("0 means one try and no retry"), "{help}");
}

// ---- 10. Checks that come first, and messages that name only what the command takes ----

#[test]
fn item10_snapshot_out_is_checked_before_any_request() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("no/such/dir/s.json");
    // No token: had it got as far as GitHub, the error would be about credentials.
    let (code, _, stderr) = run(&[
        "snapshot",
        "--config",
        CONFIG,
        "--out",
        missing.to_str().unwrap(),
    ]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("cannot write in"), "{stderr}");
    assert!(!stderr.contains("credentials"), "{stderr}");
}

#[test]
fn item10_credentials_message_names_only_flags_the_command_takes() {
    let (code, _, stderr) = run(&[
        "review",
        "--base",
        CONFIG,
        "--head",
        CONFIG,
        "--post-comment",
        "--repo",
        "a/b",
        "--pr",
        "1",
        "--api-url",
        "http://127.0.0.1:9",
    ]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("no GitHub credentials"), "{stderr}");
    assert!(!stderr.contains("--snapshot"), "{stderr}");
    let (code, _, stderr) = run(&[
        "fix",
        "--config",
        CONFIG,
        "--open-pr",
        "--repo",
        "a/b",
        "--api-url",
        "http://127.0.0.1:9",
    ]);
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("no GitHub credentials") && !stderr.contains("--snapshot"),
        "{stderr}"
    );
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("s.json");
    let (_, _, stderr) = run(&[
        "snapshot",
        "--config",
        CONFIG,
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(
        stderr.contains("no GitHub credentials") && !stderr.contains("--snapshot"),
        "{stderr}"
    );
    // drift does take --snapshot: the hint stays.
    let (_, _, stderr) = run(&["drift", "--config", CONFIG]);
    assert!(stderr.contains("use --snapshot PATH"), "{stderr}");
}

// ---- 8. fix --write refuses a read-only file unless --force ----

const FIX_CONFIG: &str = "fixtures/fix/govuk_tech.yml";
const FIX_SNAPSHOT: &str = "fixtures/fix/github_snapshot.json";

#[cfg(unix)]
#[test]
fn item8_fix_write_refuses_a_read_only_file_unless_forced() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("govuk_tech.yml");
    std::fs::copy(common::root().join(FIX_CONFIG), &config).unwrap();
    std::fs::set_permissions(&config, std::fs::Permissions::from_mode(0o444)).unwrap();
    let before = std::fs::read_to_string(&config).unwrap();
    let c = config.to_str().unwrap();
    let base = [
        "fix",
        "--snapshot",
        FIX_SNAPSHOT,
        "--today",
        TODAY,
        "--config",
        c,
        "--write",
    ];
    let (code, _, stderr) = run(&base);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("the file is read-only"), "{stderr}");
    assert_eq!(std::fs::read_to_string(&config).unwrap(), before);
    let mut forced = base.to_vec();
    forced.push("--force");
    let (code, _, stderr) = run(&forced);
    assert_eq!(code, 1, "{stderr}");
    assert_ne!(std::fs::read_to_string(&config).unwrap(), before);
}

// ---- 13. fix --codify-unexpected reports the policy findings its edits would create ----

#[test]
fn item13_codify_reports_created_findings_and_strict_blocks_the_write() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("govuk_tech.yml");
    std::fs::copy(common::root().join(FIX_CONFIG), &config).unwrap();
    let before = std::fs::read_to_string(&config).unwrap();
    let c = config.to_str().unwrap();
    let args = [
        "fix",
        "--snapshot",
        FIX_SNAPSHOT,
        "--today",
        TODAY,
        "--config",
        c,
        "--codify-unexpected",
    ];
    let (code, stdout, stderr) = run(&args);
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stdout.contains("The edits would create 6 policy findings"),
        "{stdout}"
    );
    assert!(
        stdout.contains("sponsor_required: zed-stranger"),
        "{stdout}"
    );
    // The fixture carries a `team` key: declared, so --strict is only about the created findings.
    let builtin = std::fs::read_to_string(common::root().join("fixtures/mapping.yml")).unwrap();
    let mapping = write(
        dir.path(),
        "m.yml",
        &format!("{builtin}extra_keys: [team]\n"),
    );
    let mut strict = args.to_vec();
    strict.extend([
        "--write",
        "--strict",
        "--mapping",
        mapping.to_str().unwrap(),
    ]);
    let (code, stdout, stderr) = run(&strict);
    assert_eq!(code, 2, "{stderr}");
    assert!(stdout.is_empty(), "{stdout}");
    assert!(
        stderr.contains("sponsor_required: zed-stranger"),
        "{stderr}"
    );
    assert!(stderr.contains("nothing was written"), "{stderr}");
    assert_eq!(std::fs::read_to_string(&config).unwrap(), before);
}

// ---- 11. Colour: --color never also in log lines; auto never colours a non-terminal ----

#[test]
fn item11_log_lines_follow_color() {
    let args = |color: &'static str| {
        vec![
            "drift",
            "--config",
            CONFIG,
            "--snapshot",
            SNAPSHOT,
            "--today",
            TODAY,
            "-v",
            "--color",
            color,
        ]
    };
    // stderr is a pipe here: auto does not colour it, never never does, always does.
    for (color, coloured) in [("auto", false), ("never", false), ("always", true)] {
        let (_, stdout, stderr) = run(&args(color));
        assert!(stderr.contains("INFO"), "{stderr}");
        assert_eq!(
            stderr.contains('\x1b'),
            coloured,
            "--color {color}: {stderr:?}"
        );
        assert_eq!(stdout.contains('\x1b'), coloured, "--color {color}");
    }
}

// ---- 12. Text width: 100 columns off a terminal, long tokens unbroken; long PR headlines ----

#[test]
fn item12_text_reports_wrap_at_100_columns_without_breaking_tokens() {
    let dir = tempfile::tempdir().unwrap();
    let long_token = format!("https://example.com/{}", "x".repeat(120));
    let config = write(
        dir.path(),
        "c.yml",
        &format!(
            "- name: Long Why\n  github_username: long-why\n  role: production_deploy_access\n  security_clearance: SC\n  why_do_they_need_access: on call\n  {long_token}: x\n"
        ),
    );
    let (code, text, stderr) = run(&[
        "check",
        "--config",
        config.to_str().unwrap(),
        "--today",
        TODAY,
    ]);
    assert_eq!(code, 1, "{stderr}");
    // The evidence footer (main's, one file per line with its SHA-256) is kept as written.
    let (report, _footer) = text
        .split_once("\nEvidence: access-reconciler ")
        .expect("an evidence footer");
    for line in report.lines() {
        assert!(
            line.chars().count() <= 100 || !line.trim().contains(' '),
            "over 100 columns: {line:?}"
        );
    }
    assert!(
        text.contains(&long_token),
        "a long token is not broken: {text}"
    );
    let (_, text, _) = run(&[
        "drift",
        "--config",
        CONFIG,
        "--snapshot",
        SNAPSHOT,
        "--today",
        TODAY,
    ]);
    // Every line but the one-line summary (kept whole) and the evidence footer after it.
    let (report, _footer) = text
        .split_once("\nEvidence: access-reconciler ")
        .expect("an evidence footer");
    let lines: Vec<&str> = report.lines().collect();
    let body = &lines[..lines.len() - 1];
    assert!(body.iter().all(|l| l.chars().count() <= 100), "{text}");
}

#[test]
fn item12_a_long_pr_headline_becomes_a_short_one_and_a_list() {
    let dir = tempfile::tempdir().unwrap();
    let entry = |name: &str, role: &str| {
        format!(
            "- name: {name}\n  github_username: {name}\n  role: {role}\n  security_clearance: SC\n  sponsor: S\n  why_do_they_need_access: x\n  probation_passed: true\n  admin_checklist_reviewed_by: R\n"
        )
    };
    let base = [
        entry("a1", "production_deploy_access"),
        entry("a2", "production_admin_access"),
        entry("a3", "platformengineer"),
        entry("a4", "production_admin_access"),
    ]
    .concat();
    let head = [
        entry("a1", "production_admin_access"),
        entry("a2", "production_deploy_access"),
        entry("b1", "production_deploy_access"),
        entry("b2", "production_admin_access"),
        entry("b3", "platformengineer"),
        entry("a4", "platformengineer"),
    ]
    .concat();
    let base = write(dir.path(), "base.yml", &base);
    let head = write(dir.path(), "head.yml", &head);
    let (_, md, stderr) = run(&[
        "review",
        "--base",
        base.to_str().unwrap(),
        "--head",
        head.to_str().unwrap(),
        "--today",
        TODAY,
        "--format",
        "markdown",
    ]);
    let bold: Vec<&str> = md.lines().filter(|l| l.starts_with("**")).collect();
    assert!(!bold.is_empty(), "{md}{stderr}");
    assert!(bold.iter().all(|l| l.chars().count() <= 200), "{md}");
    assert!(md.contains("**This PR changes production access"), "{md}");
    assert!(md.contains("\n- grants "), "{md}");
}

// ---- And: NOT READ first; review's JSON key order; --help headings, exit codes, examples ----

#[test]
fn and_not_read_is_at_the_top_of_the_text_report() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(common::root().join(SNAPSHOT)).unwrap();
    let mut v: serde_json::Value = serde_json::from_str(&text).unwrap();
    v["teams"]
        .as_object_mut()
        .unwrap()
        .remove("gov-uk-production-admin");
    let snap = write(dir.path(), "s.json", &v.to_string());
    let (code, text, _) = run(&[
        "drift",
        "--config",
        CONFIG,
        "--snapshot",
        snap.to_str().unwrap(),
        "--today",
        TODAY,
    ]);
    assert_eq!(code, 3);
    let not_read = text.find("NOT READ").expect("NOT READ is shown");
    let high = text.find("HIGH (").expect("findings are shown");
    assert!(not_read < high, "{text}");
}

#[test]
fn and_review_json_keys_come_in_a_fixed_order() {
    let (_, json, stderr) = run(&[
        "review",
        "--base",
        "fixtures/review/base.yml",
        "--head",
        "fixtures/review/head.yml",
        "--today",
        TODAY,
        "--format",
        "json",
    ]);
    let keys: Vec<&str> = json
        .lines()
        .filter(|l| l.starts_with("  \"") && !l.starts_with("   "))
        .filter_map(|l| l.trim().split('"').nth(1))
        .collect();
    assert_eq!(
        keys,
        [
            "schema_version",
            "command",
            "base",
            "head",
            "complete",
            "errors",
            "headline",
            "changes",
            "findings",
            "accepted",
            "unused_exceptions",
            "summary",
            "evidence"
        ],
        "{json}{stderr}"
    );
    // Each finding keeps the v1 finding order (kind first), then `introduced`.
    let first_finding_key = json
        .split("\"findings\": [")
        .nth(1)
        .and_then(|s| s.lines().nth(2))
        .unwrap_or_default()
        .trim();
    assert!(first_finding_key.starts_with("\"kind\""), "{json}");
}

#[test]
fn and_help_groups_options_and_ends_with_exit_codes_examples_and_token_variables() {
    for command in ["check", "drift", "snapshot", "review", "fix"] {
        let (code, help, _) = run(&[command, "--help"]);
        assert_eq!(code, 0);
        for heading in [
            "Input:",
            "Output:",
            "Safety:",
            "Exit codes: 0",
            "Examples:\n  access-reconciler",
            "Examples:",
        ] {
            if heading.starts_with("Examples:\n") && !help.contains(heading) {
                // Examples that set a token first.
                assert!(
                    help.contains("Examples:\n  GITHUB_TOKEN=..."),
                    "{command}: {help}"
                );
                continue;
            }
            assert!(
                help.contains(heading),
                "{command}: no {heading:?} in {help}"
            );
        }
        if command != "check" {
            assert!(
                help.contains("GITHUB_TOKEN or GH_TOKEN"),
                "{command}: {help}"
            );
        }
    }
}

#[test]
fn item4_review_annotations_stop_at_ten_per_level() {
    let dir = tempfile::tempdir().unwrap();
    let base = write(dir.path(), "base.yml", "- name: Z\n  github_username: z\n");
    let mut head = String::from("- name: Z\n  github_username: z\n");
    for i in 0..12 {
        // Granted without a sponsor: a change (notice) and an introduced finding (error) each.
        head.push_str(&format!(
            "- name: P{i}\n  github_username: p{i}\n  role: production_deploy_access\n  security_clearance: SC\n  why_do_they_need_access: x\n"
        ));
    }
    let head = write(dir.path(), "head.yml", &head);
    let (code, gh, stderr) = run(&[
        "review",
        "--base",
        base.to_str().unwrap(),
        "--head",
        head.to_str().unwrap(),
        "--today",
        TODAY,
        "--format",
        "github",
    ]);
    assert_eq!(code, 1, "{stderr}");
    assert_eq!(gh.matches("::error ").count(), 10, "{gh}");
    assert!(gh.matches("::notice ").count() <= 10, "{gh}");
    assert!(
        gh.contains("4 more access change(s) and 2 more introduced finding(s)"),
        "{gh}"
    );
}
