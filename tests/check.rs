//! `access-reconciler check` through the real binary: the fixture report in every format
//! (golden), exit codes 0/1/2, `--today`, global flags on either side of the subcommand, colour,
//! and every invalid fixture failing with a located message and no panic.
#![allow(clippy::unwrap_used)]

mod common;

use std::path::Path;

const TODAY: &str = "2026-11-28";
const CONFIG: &str = "fixtures/govuk_tech.yml";

/// Run the binary; (exit code, stdout, stderr).
fn run(args: &[&str]) -> (i32, String, String) {
    let out = common::bin().args(args).output().expect("the binary runs");
    (
        out.status.code().expect("exited, not killed"),
        String::from_utf8(out.stdout).expect("utf-8 stdout"),
        String::from_utf8(out.stderr).expect("utf-8 stderr"),
    )
}

fn check(format: &str) -> (i32, String, String) {
    run(&[
        "check", "--config", CONFIG, "--today", TODAY, "--format", format, "--color", "never",
    ])
}

fn json(stdout: &str) -> serde_json::Value {
    serde_json::from_str(stdout).expect("valid JSON")
}

/// (rule, login) of every finding in a JSON report.
fn rules(report: &serde_json::Value) -> Vec<(String, String)> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().unwrap_or_default().to_owned(),
                f["github_username"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

#[test]
fn fixture_text_report() {
    let (code, stdout, stderr) = check("text");
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.is_empty(), "{stderr}");
    insta::assert_snapshot!("check_text", stdout);
}

#[test]
fn fixture_json_report() {
    let (code, stdout, _) = check("json");
    assert_eq!(code, 1);
    let report = json(&stdout);
    assert_eq!(report["schema_version"], 1);
    assert_eq!(report["command"], "check");
    assert_eq!(report["complete"], true);
    assert!(report.get("org").is_none());
    assert_eq!(report["summary"]["people"], 34);
    assert_eq!(
        report["summary"]["findings"],
        report["findings"].as_array().unwrap().len()
    );
    // Every key of the finding shape is present on every finding.
    let keys = [
        "kind",
        "rule",
        "severity",
        "name",
        "github_username",
        "team",
        "declared_role",
        "in_config",
        "via_team",
        "expired",
        "line",
        "message",
        "fix",
        // Added with mapping v2: null for policy findings.
        "system",
        "resource",
        "email",
        "account",
        "expected_role",
        "actual_role",
        "accepted",
        "exception",
    ];
    for f in report["findings"].as_array().unwrap() {
        let obj = f.as_object().unwrap();
        assert_eq!(obj.len(), keys.len(), "{f}");
        for k in keys {
            assert!(obj.contains_key(k), "{k} missing in {f}");
        }
        // The fixture carries keys the tool does not read (unknown_key, issue 14 item 2).
        assert!(
            f["kind"] == "policy_violation" || f["kind"] == "unknown_key",
            "{f}"
        );
    }
    // Each rule the default mapping can break is broken by someone in the fixture.
    let found = rules(&report);
    for rule in [
        "clearance_required",
        "sponsor_required",
        "probation_required",
        "checklist_review_required",
        "apprentice_admin",
        "absence_revocation",
    ] {
        assert!(found.iter().any(|(r, _)| r == rule), "no {rule} finding");
    }
    insta::assert_snapshot!("check_json", stdout);
}

#[test]
fn fixture_markdown_report() {
    let (code, stdout, _) = check("markdown");
    assert_eq!(code, 1);
    assert!(stdout.contains("README.md#clearance_required"));
    insta::assert_snapshot!("check_markdown", stdout);
}

#[test]
fn the_42_day_boundary_through_the_binary() {
    // Omar has been away exactly 42 days on 2026-11-28 (fine), Bea 43 (revoke).
    let (_, stdout, _) = check("json");
    let found = rules(&json(&stdout));
    assert!(found.contains(&("absence_revocation".into(), "bea-fortythree".into())));
    assert!(!found.iter().any(|(_, l)| l == "omar-fortytwo"));
    // A day earlier Bea is at 42 days too.
    let (_, stdout, _) = run(&[
        "check",
        "--config",
        CONFIG,
        "--today",
        "2026-11-27",
        "--format",
        "json",
    ]);
    let found = rules(&json(&stdout));
    assert!(
        !found.iter().any(|(_, l)| l == "bea-fortythree"),
        "{found:?}"
    );
    assert!(found.contains(&("absence_revocation".into(), "lena-longleave".into())));
}

#[test]
fn reviewer_not_senior_tech_with_a_senior_tech_list() {
    let dir = tempfile::tempdir().unwrap();
    let mapping = dir.path().join("mapping.yml");
    let text = std::fs::read_to_string(common::root().join("fixtures/mapping.yml"))
        .unwrap()
        .replace(
            "senior_tech: []",
            "senior_tech: [Grace Hopwood, \"  ada lovelock \"]",
        );
    std::fs::write(&mapping, text).unwrap();
    let (code, stdout, stderr) = run(&[
        "check",
        "--config",
        CONFIG,
        "--today",
        TODAY,
        "--format",
        "json",
        "--mapping",
        mapping.to_str().unwrap(),
    ]);
    assert_eq!(code, 1, "{stderr}");
    let found = rules(&json(&stdout));
    let reviewer: Vec<_> = found
        .iter()
        .filter(|(r, _)| r == "reviewer_not_senior_tech")
        .collect();
    // Rita reviewed herself; everyone else was reviewed by Grace or Ada (compared without case).
    assert_eq!(
        reviewer,
        [&(
            "reviewer_not_senior_tech".to_owned(),
            "rita-selfreview".to_owned()
        )]
    );
}

#[test]
fn the_mapping_fixture_equals_the_builtin_default() {
    let (_, default, _) = check("json");
    let (_, explicit, _) = run(&[
        "check",
        "--config",
        CONFIG,
        "--today",
        TODAY,
        "--format",
        "json",
        "--mapping",
        "fixtures/mapping.yml",
    ]);
    // The same report, but for where the evidence says the mapping came from.
    let (mut default, mut explicit) = (json(&default), json(&explicit));
    assert_eq!(default["evidence"]["mapping"]["source"], "builtin");
    assert_eq!(explicit["evidence"]["mapping"]["source"], "file");
    assert_eq!(
        explicit["evidence"]["mapping"]["path"],
        "fixtures/mapping.yml"
    );
    default["evidence"]["mapping"] = serde_json::Value::Null;
    explicit["evidence"]["mapping"] = serde_json::Value::Null;
    assert_eq!(default, explicit);
}

#[test]
fn global_flags_before_or_after_the_subcommand() {
    let (_, after, _) = check("json");
    let (code, before, stderr) = run(&[
        "--today", TODAY, "--format", "json", "--color", "never", "check", "--config", CONFIG,
    ]);
    assert_eq!(code, 1, "{stderr}");
    assert_eq!(before, after);
}

#[test]
fn a_clean_config_exits_0() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("clean.yml");
    std::fs::write(
        &config,
        "# OK: one compliant deploy person and one person without a role\n\
         - name: Ann Able\n  github_username: ann-able\n  role: production_deploy_access\n  sponsor: Tess Lead\n  security_clearance: BPSS\n\
         - name: No Role\n  security_clearance: none\n",
    )
    .unwrap();
    let (code, stdout, stderr) = run(&[
        "check",
        "--config",
        config.to_str().unwrap(),
        "--today",
        TODAY,
    ]);
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert!(stdout.contains("No findings"), "{stdout}");
    let (code, stdout, _) = run(&[
        "check",
        "--config",
        config.to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert_eq!(code, 0);
    assert_eq!(json(&stdout)["findings"], serde_json::json!([]));
}

#[test]
fn bad_today_is_a_usage_error() {
    for bad in ["2026-13-01", "yesterday", "28/11/2026", ""] {
        let (code, stdout, stderr) = run(&["check", "--config", CONFIG, "--today", bad]);
        assert_eq!(code, 2, "{bad}");
        assert!(stdout.is_empty());
        assert!(stderr.contains("YYYY-MM-DD"), "{bad}: {stderr}");
    }
}

#[test]
fn usage_errors_exit_2() {
    let (code, _, _) = run(&["check", "--no-such-flag"]);
    assert_eq!(code, 2);
    let (code, _, _) = run(&["check", "--format", "yaml"]);
    assert_eq!(code, 2);
    let (code, stdout, stderr) = run(&["check", "--config", "fixtures/no-such-file.yml"]);
    assert_eq!(code, 2);
    assert!(stdout.is_empty());
    assert!(
        stderr.contains("fixtures/no-such-file.yml: file not found"),
        "{stderr}"
    );
    let (code, _, stderr) = run(&["check", "--config", "fixtures"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("is a directory"), "{stderr}");
}

/// Whether `stderr` names `file:line:col`.
fn located(stderr: &str, file: &str) -> bool {
    stderr.match_indices(&format!("{file}:")).any(|(i, m)| {
        let rest = &stderr[i + m.len()..];
        let mut parts = rest.splitn(3, ':');
        let line = parts.next().unwrap_or_default();
        let col = parts.next().unwrap_or_default();
        !line.is_empty()
            && line.chars().all(|c| c.is_ascii_digit())
            && !col.is_empty()
            && col.chars().all(|c| c.is_ascii_digit())
    })
}

fn yml_files(dir: &Path) -> Vec<String> {
    let mut files: Vec<String> = std::fs::read_dir(common::root().join(dir))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yml"))
        .map(|p| {
            format!(
                "{}/{}",
                dir.display(),
                p.file_name().unwrap().to_string_lossy()
            )
        })
        .collect();
    files.sort();
    files
}

#[test]
fn every_invalid_config_exits_2_with_a_located_message() {
    let files = yml_files(Path::new("fixtures/invalid"));
    assert!(files.len() >= 10, "{files:?}");
    for file in files {
        let (code, stdout, stderr) = run(&["check", "--config", &file, "--today", TODAY]);
        assert_eq!(code, 2, "{file}: {stderr}");
        assert!(stdout.is_empty(), "{file}: {stdout}");
        assert!(!stderr.contains("panicked"), "{file}: {stderr}");
        assert!(
            located(&stderr, &file),
            "{file}: no file:line:col in {stderr}"
        );
    }
}

#[test]
fn every_invalid_mapping_exits_2_with_a_located_message() {
    let files = yml_files(Path::new("fixtures/invalid/mapping"));
    assert!(!files.is_empty());
    for file in files {
        let (code, stdout, stderr) = run(&["check", "--config", CONFIG, "--mapping", &file]);
        assert_eq!(code, 2, "{file}: {stderr}");
        assert!(stdout.is_empty());
        assert!(!stderr.contains("panicked"), "{file}: {stderr}");
        assert!(
            located(&stderr, &file),
            "{file}: no file:line:col in {stderr}"
        );
    }
}

#[test]
fn colour_only_when_asked_or_on_a_terminal() {
    let (_, plain, _) = check("text");
    assert!(!plain.contains('\u{1b}'));
    let (_, auto, _) = run(&["check", "--config", CONFIG, "--today", TODAY]);
    assert!(!auto.contains('\u{1b}'), "stdout is a pipe: no colour");
    let (_, always, _) = run(&[
        "check", "--config", CONFIG, "--today", TODAY, "--color", "always",
    ]);
    assert!(always.contains("\u{1b}[1;31mHIGH"), "{always}");
    // NO_COLOR does not override an explicit --color always, and `auto` honours it.
    let out = common::bin()
        .env("NO_COLOR", "1")
        .args(["check", "--config", CONFIG, "--today", TODAY])
        .output()
        .unwrap();
    assert!(!String::from_utf8_lossy(&out.stdout).contains('\u{1b}'));
}
