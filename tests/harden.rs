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
            "drift", "--config", CONFIG, "--snapshot", SNAPSHOT, "--today", TODAY, "-v",
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
    assert!(unknown.iter().any(|f| f["line"] == 7 && f["github_username"] == "abe"));

    let (_, md, _) = run(&["check", "--config", c, "--today", TODAY, "--format", "markdown"]);
    assert!(md.contains("`unknown_key`") && md.contains("`absent_from`"), "{md}");
    let (_, gh, _) = run(&["check", "--config", c, "--today", TODAY, "--format", "github"]);
    assert!(gh.contains(&format!("::error file={c},line=7,title=unknown_key (medium)")), "{gh}");
}

#[test]
fn item2_strict_makes_unknown_keys_errors() {
    let dir = tempfile::tempdir().unwrap();
    let config = write(dir.path(), "c.yml", TYPOS);
    let c = config.to_str().unwrap();
    let (code, stdout, stderr) = run(&["check", "--config", c, "--today", TODAY, "--strict"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stdout.is_empty(), "{stdout}");
    assert!(stderr.contains(&format!("{c}:7:3: unknown key `absent_from`")), "{stderr}");
    assert!(stderr.contains("rename it") && stderr.contains("absent_since"), "{stderr}");
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
    assert!(stderr.contains("warning:") && stderr.contains("`absent_from`"), "{stderr}");
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
    assert!(gh.contains("::notice") && gh.contains("2 more config errors"), "{gh}");

    let (code, md, _) = run(&["check", "--config", abs, "--format", "markdown"]);
    assert_eq!(code, 2);
    assert!(md.contains("12 errors") && md.contains(&format!("`{abs}:1:3`")), "{md}");

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
        "drift", "--config", CONFIG, "--snapshot", SNAPSHOT, "--today", TODAY, "--format", "github",
    ]);
    assert_eq!(code, 1);
    assert_eq!(gh.matches("::error ").count(), 10, "{gh}");
    // 15 high and 7 medium: the ten kept are all high.
    assert!(!gh.contains("(medium)"), "{gh}");
    assert!(gh.contains("more findings are not shown"), "{gh}");
}
