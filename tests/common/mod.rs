//! Shared helpers for integration tests: run the real binary with a clean environment.
// Each test crate compiles this module and uses only part of it (tests/config.rs has no `bin`).
#![allow(dead_code)]

use std::path::PathBuf;

use assert_cmd::Command;

/// The account systems' token variables, cleared for every run.
pub const ACCOUNT_TOKENS: [&str; 3] = ["SENTRY_AUTH_TOKEN", "FASTLY_API_TOKEN", "PAGERDUTY_TOKEN"];

/// The real binary, with GH_*, GITHUB_*, NO_COLOR, RUST_LOG and the account systems' tokens
/// cleared so the developer's environment cannot change a test, run from the crate root.
pub fn bin() -> Command {
    let mut cmd = Command::cargo_bin("access-reconciler").expect("binary built");
    for (key, _) in std::env::vars_os() {
        let k = key.to_string_lossy();
        if k.starts_with("GH_")
            || k.starts_with("GITHUB_")
            || k == "NO_COLOR"
            || k == "RUST_LOG"
            || ACCOUNT_TOKENS.contains(&k.as_ref())
        {
            cmd.env_remove(&key);
        }
    }
    cmd.current_dir(root());
    cmd
}

/// The crate root (where fixtures/ is).
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A report without its evidence (which names the files, their SHA-256 and where each system
/// was read from, so it differs between runs on different inputs by design): the JSON `evidence`
/// key, or the text or Markdown footer. Other output is returned unchanged.
pub fn without_evidence(stdout: &str) -> String {
    if let Ok(serde_json::Value::Object(mut obj)) = serde_json::from_str(stdout) {
        if obj.remove("evidence").is_some() {
            return serde_json::to_string_pretty(&obj).expect("a JSON object serialises");
        }
        return stdout.to_owned();
    }
    for footer in ["\nEvidence: access-reconciler ", "\n#### Evidence\n"] {
        if let Some(i) = stdout.find(footer) {
            return stdout[..i].to_owned();
        }
    }
    stdout.to_owned()
}
