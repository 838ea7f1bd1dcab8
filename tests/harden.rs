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
