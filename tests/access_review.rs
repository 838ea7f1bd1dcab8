//! The access review (issue 13) through the real binary: accepted exceptions, `--fail-on`, and
//! the evidence on every report.
#![allow(clippy::unwrap_used)]

mod common;

use std::path::Path;

use serde_json::Value;

const TODAY: &str = "2026-11-28";
const CONFIG: &str = "fixtures/govuk_tech.yml";
const SNAPSHOT: &str = "fixtures/github_snapshot.json";
const EXCEPTIONS: &str = "fixtures/exceptions/access-exceptions.yml";

/// Run the binary; (exit code, stdout, stderr).
fn run(args: &[&str]) -> (i32, String, String) {
    let out = common::bin().args(args).output().expect("the binary runs");
    (
        out.status.code().expect("exited, not killed"),
        String::from_utf8(out.stdout).expect("utf-8 stdout"),
        String::from_utf8(out.stderr).expect("utf-8 stderr"),
    )
}

/// `drift` on the fixtures with `extra` arguments.
fn drift(format: &str, extra: &[&str]) -> (i32, String, String) {
    let mut args = vec![
        "drift",
        "--config",
        CONFIG,
        "--snapshot",
        SNAPSHOT,
        "--today",
        TODAY,
        "--color",
        "never",
        "--format",
        format,
    ];
    args.extend_from_slice(extra);
    run(&args)
}

/// `drift` on the fixtures with the fixture exceptions.
fn drift_with_exceptions(format: &str, extra: &[&str]) -> (i32, String, String) {
    let mut args = vec!["--exceptions", EXCEPTIONS];
    args.extend_from_slice(extra);
    drift(format, &args)
}

fn json(stdout: &str) -> Value {
    serde_json::from_str(stdout).expect("valid JSON")
}

fn write(dir: &Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path.to_str().unwrap().to_owned()
}

#[test]
fn drift_reports_accepted_expired_and_unused_exceptions_in_json() {
    let (code, stdout, stderr) = drift_with_exceptions("json", &[]);
    assert_eq!(code, 1, "{stderr}");
    let report = json(&stdout);
    assert_eq!(report["schema_version"], 1);

    let accepted = report["accepted"].as_array().unwrap();
    let who: Vec<(&str, &str)> = accepted
        .iter()
        .map(|f| {
            (
                f["github_username"].as_str().unwrap(),
                f["rule"].as_str().unwrap_or(f["kind"].as_str().unwrap()),
            )
        })
        .collect();
    assert_eq!(
        who,
        vec![
            ("dana-deployer", "unexpected_member"),
            ("nora-everything", "sponsor_required"),
        ]
    );
    for f in accepted {
        assert_eq!(f["accepted"], true);
        assert_eq!(f["exception"]["expired"], false);
        assert_eq!(f["exception"]["file"], EXCEPTIONS);
    }
    assert_eq!(
        accepted[0]["exception"]["reason"],
        "Covers the incident rota while her deploy role is reviewed"
    );
    assert_eq!(accepted[0]["exception"]["line"], 8);

    // The accepted findings left `findings`; the rest are all there and not accepted.
    let findings = report["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 25 - 2);
    assert_eq!(report["summary"]["findings"], 23);
    assert_eq!(report["summary"]["accepted"], 2);
    assert!(findings.iter().all(|f| f["accepted"] == false));
    // Dana's missing deploy team is not covered: the exception names the admin team.
    assert!(
        findings
            .iter()
            .any(|f| f["github_username"] == "dana-deployer" && f["kind"] == "missing")
    );

    // Lena's exception expired on 2026-11-01: the finding counts again and says so.
    let lena = findings
        .iter()
        .find(|f| f["github_username"] == "lena-longleave")
        .unwrap();
    assert_eq!(lena["exception"]["expired"], true);
    assert_eq!(lena["exception"]["expires"], "2026-11-01");

    let unused = report["unused_exceptions"].as_array().unwrap();
    assert_eq!(unused.len(), 1);
    assert_eq!(unused[0]["who"], "someone-gone");
    assert_eq!(unused[0]["line"], 28);

    let evidence = &report["evidence"];
    assert_eq!(evidence["exceptions"]["path"], EXCEPTIONS);
    assert_eq!(evidence["exceptions"]["sha256"].as_str().unwrap().len(), 64);
}

#[test]
fn drift_text_and_markdown_with_exceptions() {
    let (code, text, stderr) = drift_with_exceptions("text", &[]);
    assert_eq!(code, 1, "{stderr}");
    insta::assert_snapshot!("drift_exceptions_text", text);
    let (_, md, _) = drift_with_exceptions("markdown", &[]);
    insta::assert_snapshot!("drift_exceptions_markdown", md);
    let (_, annotations, _) = drift_with_exceptions("github", &[]);
    assert!(
        annotations.contains(&format!(
            "::notice file={},line=28,title=unused exception::",
            EXCEPTIONS.replace(':', "%3A")
        )),
        "{annotations}"
    );
    assert!(
        !annotations.contains("title=unexpected_member (high) in gov-uk-production-admin::Dana")
    );
}

#[test]
fn fail_on_sets_the_threshold_and_accepted_findings_never_count() {
    let dir = tempfile::tempdir().unwrap();
    // One person whose only finding is a missing sponsor (medium).
    let config = write(
        dir.path(),
        "govuk_tech.yml",
        "- name: Ann Person\n  email: ann@example.org\n  github_username: ann-person\n  role: production_deploy_access\n  security_clearance: BPSS\n",
    );
    let check = |extra: &[&str]| {
        let mut args = vec!["check", "--config", &config, "--today", TODAY];
        args.extend_from_slice(extra);
        run(&args)
    };
    assert_eq!(check(&[]).0, 1);
    assert_eq!(check(&["--fail-on", "medium"]).0, 1);
    let (code, stdout, _) = check(&["--fail-on", "high"]);
    assert_eq!(code, 0);
    // The finding is still reported: --fail-on only changes the exit code.
    assert!(stdout.contains("sponsor_required"), "{stdout}");
    let (code, _, stderr) = check(&["--fail-on", "urgent"]);
    assert_eq!(code, 2, "{stderr}");

    // access-exceptions.yml beside the config is read by default: the finding is accepted.
    write(
        dir.path(),
        "access-exceptions.yml",
        "exceptions:\n  - who: ANN@example.org\n    kind: sponsor_required\n    reason: sponsor on leave\n    approved_by: Sam Lead\n    expires: 2026-12-01\n",
    );
    let (code, stdout, stderr) = check(&["--format", "json"]);
    assert_eq!(code, 0, "{stderr}");
    let report = json(&stdout);
    assert_eq!(report["summary"]["accepted"], 1);
    assert_eq!(report["findings"].as_array().unwrap().len(), 0);
    assert!(
        report["evidence"]["exceptions"]["path"]
            .as_str()
            .unwrap()
            .ends_with("access-exceptions.yml")
    );
    // On the expiry date it counts again.
    let (code, stdout, _) = run(&["check", "--config", &config, "--today", "2026-12-01"]);
    assert_eq!(code, 1);
    assert!(
        stdout.contains("exception expired on 2026-12-01"),
        "{stdout}"
    );
    // A summary line says how many were accepted.
    let (_, stdout, _) = check(&[]);
    assert!(stdout.contains("; 1 accepted by exception."), "{stdout}");
}

#[test]
fn an_invalid_exceptions_file_is_every_located_error_and_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let bad = write(
        dir.path(),
        "ex.yml",
        "exceptions:\n  - who: dana-deployer\n    kind: unexpected_membr\n    expires: 2026-12-31\n    approver: x\n",
    );
    let (code, stdout, stderr) = drift("json", &["--exceptions", &bad]);
    assert_eq!(code, 2);
    assert!(stdout.is_empty(), "{stdout}");
    for expected in [
        format!("{bad}:2:5: this exception has no `reason`"),
        format!("{bad}:2:5: this exception has no `approved_by`"),
        format!("{bad}:3:11: unknown kind `unexpected_membr`: did you mean `unexpected_member`?"),
        format!("{bad}:5:5: unknown key `approver`"),
        "help: ".to_owned(),
        "4 errors found; nothing was checked.".to_owned(),
    ] {
        assert!(stderr.contains(&expected), "{expected}\n{stderr}");
    }
    let (code, _, stderr) = drift("json", &["--exceptions", "no/such.yml"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("no/such.yml: file not found"), "{stderr}");
}

#[test]
fn a_far_expiry_warns_on_stderr() {
    let dir = tempfile::tempdir().unwrap();
    let far = write(
        dir.path(),
        "ex.yml",
        "exceptions:\n  - who: dana-deployer\n    kind: unexpected_member\n    reason: r\n    approved_by: a\n    expires: 2027-06-30\n",
    );
    let (code, _, stderr) = drift("json", &["--exceptions", &far]);
    assert_eq!(code, 1);
    assert!(
        stderr.contains(&format!(
            "warning: {far}:6:14: `expires: 2027-06-30` is 214 days after 2026-11-28, more than 90"
        )),
        "{stderr}"
    );
}

#[test]
fn review_counts_only_introduced_findings_that_are_not_accepted() {
    let dir = tempfile::tempdir().unwrap();
    let base = write(
        dir.path(),
        "base.yml",
        "- name: Ann Person\n  email: ann@example.org\n  github_username: ann-person\n",
    );
    let head = write(
        dir.path(),
        "head.yml",
        "- name: Ann Person\n  email: ann@example.org\n  github_username: ann-person\n  role: production_deploy_access\n  security_clearance: BPSS\n",
    );
    let review = |extra: &[&str]| {
        let mut args = vec!["review", "--base", &base, "--head", &head, "--today", TODAY];
        args.extend_from_slice(extra);
        run(&args)
    };
    let (code, stdout, stderr) = review(&["--format", "json"]);
    assert_eq!(code, 1, "{stderr}");
    let report = json(&stdout);
    assert_eq!(report["summary"]["findings_introduced"], 1);
    assert_eq!(report["evidence"]["base_config"]["path"], base.as_str());
    assert_eq!(report["evidence"]["config"]["path"], head.as_str());
    assert_eq!(review(&["--fail-on", "high"]).0, 0);

    let ex = write(
        dir.path(),
        "ex.yml",
        "exceptions:\n  - who: ann-person\n    kind: sponsor_required\n    reason: r\n    approved_by: a\n    expires: 2026-12-01\n",
    );
    let (code, stdout, stderr) = review(&["--exceptions", &ex, "--format", "json"]);
    assert_eq!(code, 0, "{stderr}");
    let report = json(&stdout);
    assert_eq!(report["summary"]["accepted"], 1);
    assert_eq!(report["accepted"][0]["accepted"], true);
    assert_eq!(report["accepted"][0]["introduced"], Value::Null);
    let (_, md, _) = review(&["--exceptions", &ex, "--format", "markdown"]);
    assert!(md.contains("### Accepted by exception (1)"), "{md}");
    assert!(md.contains("#### Evidence"), "{md}");
}

#[test]
fn every_report_carries_its_evidence() {
    // check: text footer and JSON.
    let (_, text, _) = run(&["check", "--config", CONFIG, "--today", TODAY]);
    let footer = text.split_once("\nEvidence: access-reconciler ").unwrap().1;
    assert!(footer.contains("today 2026-11-28"), "{footer}");
    assert!(
        footer.contains("config    fixtures/govuk_tech.yml (sha256 "),
        "{footer}"
    );
    // drift from a snapshot: its path, digest and fetched_at.
    let (_, stdout, _) = run(&[
        "drift",
        "--config",
        CONFIG,
        "--snapshot",
        SNAPSHOT,
        "--today",
        TODAY,
        "--format",
        "json",
    ]);
    let source = &json(&stdout)["evidence"]["sources"][0];
    assert_eq!(source["system"], "github");
    assert_eq!(source["source"], "snapshot");
    assert_eq!(source["path"], SNAPSHOT);
    assert_eq!(source["fetched_at"], "2026-11-28T06:00:00Z");
    let bytes = std::fs::read(common::root().join(SNAPSHOT)).unwrap();
    let digest = access_reconciler::report::evidence::sha256_hex(&bytes);
    assert_eq!(source["sha256"], digest.as_str());
    // fix: the footer of the dry run.
    let (_, fix, _) = run(&[
        "fix",
        "--config",
        CONFIG,
        "--snapshot",
        SNAPSHOT,
        "--today",
        TODAY,
    ]);
    assert!(
        fix.contains(&format!(
            "github    snapshot {SNAPSHOT}, fetched 2026-11-28T06:00:00Z (sha256 {digest})"
        )),
        "{fix}"
    );
}
