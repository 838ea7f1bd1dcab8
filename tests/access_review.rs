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
    // 31: the fixture config's 6 unknown_key findings too (harden, issue 14).
    assert_eq!(findings.len(), 31 - 2);
    assert_eq!(report["summary"]["findings"], 29);
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

/// `roster` on the fixtures.
fn roster(format: &str, extra: &[&str]) -> (i32, String, String) {
    let mut args = vec![
        "roster",
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

#[test]
fn roster_every_format_on_the_fixtures() {
    for format in ["text", "markdown", "csv", "html"] {
        let (code, stdout, stderr) = roster(format, &["--exceptions", EXCEPTIONS]);
        assert_eq!(code, 1, "{format}: {stderr}");
        insta::assert_snapshot!(format!("roster_{format}"), stdout);
    }
    let (code, stdout, stderr) = roster("json", &["--exceptions", EXCEPTIONS]);
    assert_eq!(code, 1, "{stderr}");
    let report = json(&stdout);
    assert_eq!(report["schema_version"], 1);
    assert_eq!(report["command"], "roster");
    insta::assert_json_snapshot!("roster_json", report);
}

#[test]
fn roster_rows_are_the_config_plus_holders_not_in_it() {
    let (_, stdout, _) = roster("json", &[]);
    let report = json(&stdout);
    let people = report["people"].as_array().unwrap();
    assert_eq!(report["summary"]["people"], 34);
    let strangers: Vec<&str> = people
        .iter()
        .filter(|p| p["in_config"] == false)
        .map(|p| p["github_username"].as_str().unwrap())
        .collect();
    assert_eq!(people.len(), 34 + strangers.len());
    assert!(strangers.contains(&"old-contractor"), "{strangers:?}");
    let dana = people
        .iter()
        .find(|p| p["github_username"] == "dana-deployer")
        .unwrap();
    assert_eq!(dana["systems"]["github"]["status"], "mismatch");
    assert_eq!(dana["level"], "deploy");
    assert_eq!(dana["findings"], 2);
    // The findings counted on rows are the report's findings.
    let total: u64 = people.iter().map(|p| p["findings"].as_u64().unwrap()).sum();
    assert_eq!(total, report["summary"]["findings"].as_u64().unwrap());
}

#[test]
fn roster_csv_is_rfc_4180_with_one_header_and_stable_columns() {
    let (_, csv, _) = roster("csv", &[]);
    assert!(csv.ends_with("\r\n"));
    let lines: Vec<&str> = csv.split("\r\n").filter(|l| !l.is_empty()).collect();
    assert_eq!(
        lines[0],
        "name,github_username,email,in_config,config_line,role,level,security_clearance,probation_passed,sponsor,admin_checklist_reviewed_by,absent_since,github_held,github_granted,github_status,findings,accepted,ignored"
    );
    let (_, json_out, _) = roster("json", &[]);
    assert_eq!(
        lines.len() - 1,
        json(&json_out)["people"].as_array().unwrap().len()
    );
}

#[test]
fn roster_html_is_well_formed_self_contained_and_names_everyone() {
    let (code, html, stderr) = roster("html", &[]);
    assert_eq!(code, 1, "{stderr}");
    // Well-formed: a strict XML parser reads the whole page.
    let doc = roxmltree::Document::parse_with_options(
        &html,
        roxmltree::ParsingOptions {
            allow_dtd: true,
            ..roxmltree::ParsingOptions::default()
        },
    )
    .unwrap_or_else(|e| panic!("not well-formed: {e}"));
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "html");
    // No network: no script, no external reference of any kind.
    for node in doc.descendants().filter(|n| n.is_element()) {
        let tag = node.tag_name().name();
        assert!(
            !matches!(
                tag,
                "script" | "link" | "img" | "iframe" | "object" | "embed"
            ),
            "<{tag}>"
        );
        for attr in node.attributes() {
            assert!(
                !matches!(
                    attr.name(),
                    "src" | "href" | "srcset" | "action" | "formaction"
                ),
                "<{tag} {}={}>",
                attr.name(),
                attr.value()
            );
        }
    }
    let style: String = doc
        .descendants()
        .filter(|n| n.has_tag_name("style"))
        .filter_map(|n| n.text())
        .collect();
    assert!(
        !style.contains("url(") && !style.contains("@import"),
        "{style}"
    );
    assert!(!style.contains("http"), "{style}");
    // Every person in the config, and every holder not in it, has a row.
    let rows: Vec<String> = doc
        .descendants()
        .filter(|n| n.has_tag_name("tr"))
        .filter(|n| n.ancestors().any(|a| a.has_tag_name("tbody")))
        .filter(|n| {
            n.ancestors()
                .any(|a| a.attribute("class") == Some("matrix"))
        })
        .map(|n| {
            n.descendants()
                .filter_map(|d| d.text())
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect();
    let config = std::fs::read_to_string(common::root().join(CONFIG)).unwrap();
    let names: Vec<&str> = config
        .lines()
        .filter_map(|l| l.strip_prefix("- name: "))
        .map(|n| n.split(" #").next().unwrap().trim())
        .collect();
    assert_eq!(names.len(), 34);
    for name in &names {
        assert!(rows.iter().any(|r| r.contains(name)), "{name} has no row");
    }
    assert!(rows.iter().any(|r| r.contains("old-contractor")));
    // A legend, and a print style.
    assert!(html.contains("<h2>Legend</h2>"));
    assert!(style.contains("@media print"));
}

#[test]
fn roster_refuses_formats_it_cannot_render_and_drift_refuses_html() {
    let (code, stdout, stderr) = roster("github", &[]);
    assert_eq!(code, 2);
    assert!(stdout.is_empty());
    assert!(
        stderr.contains("--format github is not available for `roster`"),
        "{stderr}"
    );
    let (code, _, stderr) = drift("html", &[]);
    assert_eq!(code, 2);
    assert!(
        stderr.contains("use text, json, markdown, github"),
        "{stderr}"
    );
}

const LATER: &str = "fixtures/changes/github_snapshot_2027-02-26.json";

fn changes(format: &str, extra: &[&str]) -> (i32, String, String) {
    let mut args = vec![
        "changes", "--from", SNAPSHOT, "--to", LATER, "--color", "never", "--format", format,
    ];
    args.extend_from_slice(extra);
    run(&args)
}

#[test]
fn changes_every_format_on_the_fixtures() {
    for format in ["text", "markdown", "csv"] {
        let (code, stdout, stderr) = changes(format, &["--config", CONFIG]);
        assert_eq!(code, 1, "{format}: {stderr}");
        insta::assert_snapshot!(format!("changes_{format}"), stdout);
    }
    let (code, stdout, stderr) = changes("json", &["--config", CONFIG]);
    assert_eq!(code, 1, "{stderr}");
    let report = json(&stdout);
    assert_eq!(report["command"], "changes");
    assert_eq!(report["from"]["version"], 1);
    assert_eq!(report["to"]["version"], 2);
    assert_eq!(report["summary"]["changes"], 6);
    assert_eq!(report["summary"]["pending"], 3);
    insta::assert_json_snapshot!("changes_json", report);
}

#[test]
fn changes_without_a_config_and_exit_codes() {
    // No config: holders only, no names.
    let (code, stdout, _) = changes("json", &[]);
    assert_eq!(code, 1);
    let report = json(&stdout);
    assert!(
        report["changes"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["name"].is_null() && c["in_config"].is_null())
    );
    // The same snapshot twice: nothing changed.
    let (code, stdout, _) = run(&["changes", "--from", SNAPSHOT, "--to", SNAPSHOT]);
    assert_eq!(code, 0);
    assert!(stdout.contains("No access changed"), "{stdout}");
    // A bad snapshot is bad input.
    let dir = tempfile::tempdir().unwrap();
    let bad = write(dir.path(), "bad.json", "{\"org\": ");
    let (code, stdout, stderr) = run(&["changes", "--from", SNAPSHOT, "--to", &bad]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stdout.is_empty());
    // A team missing from one snapshot is not compared: never "unchanged" (exit 3).
    let mut v: Value =
        serde_json::from_str(&std::fs::read_to_string(common::root().join(SNAPSHOT)).unwrap())
            .unwrap();
    v["teams"]
        .as_object_mut()
        .unwrap()
        .remove("gov-uk-production-admin");
    let partial = write(dir.path(), "partial.json", &v.to_string());
    let (code, stdout, _) = run(&[
        "changes", "--from", SNAPSHOT, "--to", &partial, "--format", "json",
    ]);
    assert_eq!(code, 3);
    let report = json(&stdout);
    assert_eq!(report["complete"], false);
    assert_eq!(
        report["not_compared"][0]["resource"],
        "gov-uk-production-admin"
    );
    assert_eq!(report["summary"]["changes"], 0);
}

fn explain(who: &str, format: &str) -> (i32, String, String) {
    run(&[
        "explain",
        who,
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
    ])
}

#[test]
fn explain_one_person_in_every_format() {
    for format in ["text", "markdown"] {
        let (code, stdout, stderr) = explain("DANA-Deployer", format);
        assert_eq!(code, 1, "{stderr}");
        insta::assert_snapshot!(format!("explain_{format}"), stdout);
    }
    let (code, stdout, _) = explain("dana.deployer@DIGITAL.example.gov.uk", "json");
    assert_eq!(code, 1);
    let page = json(&stdout);
    assert_eq!(page["command"], "explain");
    assert_eq!(page["person"]["github_username"], "dana-deployer");
    assert_eq!(page["entry"][0]["line"], 257);
    assert_eq!(page["rules"].as_array().unwrap().len(), 7);
    assert_eq!(page["systems"]["github"]["status"], "mismatch");
    assert_eq!(page["findings"].as_array().unwrap().len(), 2);
    insta::assert_json_snapshot!("explain_json", page);
}

#[test]
fn explain_exit_codes_and_candidates() {
    // Someone with no findings: exit 0, every rule passed or not applicable.
    let (code, stdout, stderr) = explain("ada lovelock", "json");
    assert_eq!(code, 0, "{stderr}");
    let page = json(&stdout);
    assert!(
        page["rules"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["outcome"] != "failed")
    );
    // A holder not in the config.
    let (code, stdout, _) = explain("OLD-CONTRACTOR", "text");
    assert_eq!(code, 1);
    assert!(stdout.contains("Not in the config"), "{stdout}");
    // No match, and an ambiguous one, list candidates and exit 2 with nothing on stdout.
    let (code, stdout, stderr) = explain("radia-perlman", "text");
    assert_eq!(code, 2);
    assert!(stdout.is_empty());
    assert!(
        stderr.contains("did you mean:") && stderr.contains("Radia Perlmann (radia-perlmann)"),
        "{stderr}"
    );
    let (code, stdout, stderr) = explain("hop", "text");
    assert_eq!(code, 2);
    assert!(stdout.is_empty());
    assert!(stderr.contains("matches more than one person"), "{stderr}");
    assert!(
        stderr.contains("Grace Hopwood") && stderr.contains("Hal Hopper"),
        "{stderr}"
    );
}
