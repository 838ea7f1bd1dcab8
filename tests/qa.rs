//! Input a real user could produce, run through the real binary: odd names in reports,
//! odd bytes and line endings in files, odd snapshots, a closed stdout.

mod common;

use std::path::PathBuf;

use common::bin;

/// Write `contents` to a fresh file under the test's temporary directory.
fn temp_file(name: &str, contents: &[u8]) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("qa");
    std::fs::create_dir_all(&dir).expect("create the temporary directory");
    let path = dir.join(name);
    std::fs::write(&path, contents).expect("write the temporary file");
    path
}

fn stdout_of(cmd: &mut assert_cmd::Command, code: i32) -> String {
    let out = cmd.output().expect("run the binary");
    assert_eq!(
        out.status.code(),
        Some(code),
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("stdout is UTF-8")
}

const NASTY: &str = "\
- name: \"Zoë | Pipe _em_ <b>x</b> @octocat ~~s~~ [l](http://x) *b*\"
  github_username: zoe-pipe
  role: production_deploy_access
  security_clearance: BPSS
";

#[test]
fn markdown_cells_escape_what_a_name_can_hold() {
    let config = temp_file("nasty.yml", NASTY.as_bytes());
    let md = stdout_of(
        bin()
            .args([
                "check",
                "--today",
                "2026-11-28",
                "--format",
                "markdown",
                "--config",
            ])
            .arg(&config),
        1,
    );
    let row = md
        .lines()
        .find(|l| l.contains("zoe-pipe"))
        .expect("a row for the person");
    assert!(
        row.contains(
            "Zoë \\| Pipe \\_em\\_ &lt;b&gt;x&lt;/b&gt; @\u{200b}octocat \\~\\~s\\~\\~ \\[l\\](http://x) \\*b\\*"
        ),
        "{row}"
    );
    // Eight cells, whatever the name holds.
    assert_eq!(row.matches(" | ").count(), 7, "{row}");
    // The tool's own code spans in the fix stay code.
    assert!(row.contains("set `sponsor` to"), "{row}");
}

#[test]
fn review_markdown_escapes_what_a_name_can_hold() {
    let base = temp_file("nasty-base.yml", b"- name: Someone Else\n");
    let head = temp_file("nasty-head.yml", NASTY.as_bytes());
    let md = stdout_of(
        bin()
            .args(["review", "--today", "2026-11-28", "--format", "markdown"])
            .arg("--base")
            .arg(&base)
            .arg("--head")
            .arg(&head),
        1,
    );
    let row = md
        .lines()
        .find(|l| l.contains("granted"))
        .expect("a row for the change");
    assert!(
        row.contains("Zoë \\| Pipe \\_em\\_ &lt;b&gt;x&lt;/b&gt; @\u{200b}octocat"),
        "{row}"
    );
    assert!(!md.contains("\\@octocat"), "{md}");
}

#[test]
fn today_must_be_a_full_date() {
    for bad in [
        "26-11-28",
        "2026-11-28T00:00:00",
        "2026-02-30",
        "+2026-11-28",
        " 2026-11-28",
    ] {
        bin()
            .args([
                "check",
                "--config",
                "fixtures/govuk_tech.yml",
                "--today",
                bad,
            ])
            .assert()
            .code(2)
            .stdout("")
            .stderr(predicates::str::contains("is not a date; use YYYY-MM-DD"));
    }
    // Far in the past or the future is a date: the absence rule works from it.
    for (day, code) in [("1900-01-01", 1), ("9999-12-31", 1)] {
        bin()
            .args([
                "check",
                "--config",
                "fixtures/govuk_tech.yml",
                "--today",
                day,
            ])
            .assert()
            .code(code);
    }
}

#[test]
fn a_reader_that_stops_early_is_not_an_error() {
    use std::io::Read;
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_access-reconciler"))
        .current_dir(common::root())
        .args([
            "drift",
            "--config",
            "fixtures/govuk_tech.yml",
            "--snapshot",
            "fixtures/github_snapshot.json",
            "--today",
            "2026-11-28",
            "--format",
            "json",
        ])
        .env("NO_COLOR", "1")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn");
    // Close stdout at once, like `| head -0`.
    drop(child.stdout.take());
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .expect("stderr")
        .read_to_string(&mut stderr)
        .expect("read stderr");
    let status = child.wait().expect("wait");
    assert_eq!(status.code(), Some(1), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(!stderr.contains("could not write"), "{stderr}");
}

#[cfg(target_os = "linux")]
#[test]
fn a_report_that_cannot_be_written_is_not_a_clean_run() {
    let full = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .expect("open /dev/full");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_access-reconciler"))
        .current_dir(common::root())
        .args([
            "check",
            "--config",
            "fixtures/govuk_tech.yml",
            "--format",
            "json",
        ])
        .stdout(full)
        .output()
        .expect("run");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("error: could not write the report to stdout"),
        "{stderr}"
    );
}

#[test]
fn one_person_is_not_one_people() {
    let config = temp_file(
        "one.yml",
        b"- name: Ann Person\n  github_username: ann-person\n  role: production_deploy_access\n",
    );
    let text = stdout_of(
        bin()
            .args(["check", "--today", "2026-11-28", "--config"])
            .arg(&config),
        1,
    );
    assert!(text.contains("; 1 person in the config."), "{text}");
    let md = stdout_of(
        bin()
            .args([
                "check",
                "--today",
                "2026-11-28",
                "--format",
                "markdown",
                "--config",
            ])
            .arg(&config),
        1,
    );
    assert!(md.contains(" · 1 person in `"), "{md}");
}

#[test]
fn review_annotations_read_as_words() {
    let out = stdout_of(
        bin().args([
            "review",
            "--base",
            "fixtures/review/base.yml",
            "--head",
            "fixtures/review/head.yml",
            "--today",
            "2026-11-28",
            "--format",
            "github",
        ]),
        1,
    );
    assert!(out.contains(",title=access login changed::"), "{out}");
    assert!(!out.contains("login_changed::"), "{out}");
}

#[test]
fn an_unreadable_base_is_not_called_invalid() {
    bin()
        .args([
            "review",
            "--base-ref",
            "no-such-revision",
            "--config",
            "fixtures/govuk_tech.yml",
        ])
        .assert()
        .code(2)
        .stdout("")
        .stderr(predicates::str::contains(
            "the base version of the config could not be read or is invalid",
        ))
        .stderr(predicates::str::contains(
            "no-such-revision:fixtures/govuk_tech.yml",
        ));
}

#[test]
fn a_role_the_custom_mapping_lacks_names_the_mapping() {
    let mapping = temp_file(
        "deploy-only-mapping.yml",
        b"org: alphagov\neveryone: [gov-uk]\nroles:\n  production_deploy_access: [gov-uk-production-deploy]\n",
    );
    let out = bin()
        .args(["check", "--config", "fixtures/govuk_tech.yml", "--mapping"])
        .arg(&mapping)
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("error: fixtures/govuk_tech.yml:17:9: unknown role `platformengineer`"),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!(
            "the roles in the mapping {} are: production_deploy_access; use one of them, add `platformengineer` to that mapping's `roles`",
            mapping.display()
        )),
        "{stderr}"
    );
}

#[test]
fn an_incomplete_run_never_leads_with_no_findings() {
    let config = temp_file(
        "incomplete.yml",
        b"- name: Ann Person\n  github_username: ann-person\n  role: production_deploy_access\n  sponsor: Sam\n  security_clearance: BPSS\n",
    );
    let snapshot = temp_file(
        "incomplete.json",
        br#"{"org":"alphagov","teams":{"gov-uk":{"members":[{"login":"ann-person"}]}}}"#,
    );
    let run = |format: &str| {
        stdout_of(
            bin()
                .args(["drift", "--today", "2026-11-28", "--format", format])
                .arg("--config")
                .arg(&config)
                .arg("--snapshot")
                .arg(&snapshot),
            3,
        )
    };
    let text = run("text");
    // The summary is the last line before the evidence footer.
    let (report, footer) = text.split_once("\nEvidence: ").expect("an evidence footer");
    assert!(footer.contains("github    snapshot "), "{footer}");
    let last = report.trim_end().lines().last().expect("a summary line");
    assert!(
        last.starts_with(
            "INCOMPLETE: 2 teams not read (gov-uk-production-admin, gov-uk-production-deploy); no findings in the teams that were read;"
        ),
        "{text}"
    );
    let md = run("markdown");
    assert!(!md.contains("**No findings.**"), "{md}");
    let incomplete = md.find("**Incomplete:**").expect("the incomplete note");
    let headline = md
        .find("**No findings in the teams that were read.**")
        .expect("the headline");
    assert!(incomplete < headline, "{md}");
    let gh = run("github");
    assert!(
        gh.lines()
            .last()
            .is_some_and(|l| l.contains("::INCOMPLETE: 2 teams not read")),
        "{gh}"
    );
}

#[test]
fn logins_from_a_snapshot_cannot_break_reports() {
    let config = temp_file(
        "evil-config.yml",
        b"- name: Ann Person\n  github_username: ann-person\n  role: production_deploy_access\n  sponsor: Sam\n  security_clearance: BPSS\n",
    );
    // A login that is not a GitHub login is refused at the door (exit 2), so it never reaches
    // a report.
    let bad_login = temp_file(
        "evil-login-snapshot.json",
        br#"{"org":"alphagov","teams":{
            "gov-uk":{"members":[{"login":"ann-person"},{"login":"evil\u001b[2Jx"}]},
            "gov-uk-production-deploy":{"members":[{"login":"ann-person"}]},
            "gov-uk-production-admin":{"members":[]}}}"#,
    );
    let out = bin()
        .args(["drift", "--today", "2026-11-28", "--config"])
        .arg(&config)
        .arg("--snapshot")
        .arg(&bad_login)
        .output()
        .expect("run the binary");
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("not a GitHub login"), "{stderr}");
    assert!(!stderr.contains('\u{1b}'), "{stderr:?}");

    // Free text that does reach reports (here the child team a membership comes through) is
    // shown escaped, and cannot break a Markdown table.
    let snapshot = temp_file(
        "evil-snapshot.json",
        br#"{"org":"alphagov","teams":{
            "gov-uk":{"members":[{"login":"ann-person"},{"login":"evil-one","via_team":"evil\u001b[2Jx"}]},
            "gov-uk-production-deploy":{"members":[{"login":"ann-person"}]},
            "gov-uk-production-admin":{"members":[{"login":"pipe-one","via_team":"a|b `c` _e_"}]}}}"#,
    );
    let run = |format: &str| {
        stdout_of(
            bin()
                .args(["drift", "--today", "2026-11-28", "--color", "never"])
                .args(["--format", format])
                .arg("--config")
                .arg(&config)
                .arg("--snapshot")
                .arg(&snapshot),
            1,
        )
    };
    for format in ["text", "github"] {
        let out = run(format);
        assert!(!out.contains('\u{1b}'), "{format}: {out:?}");
        assert!(out.contains("evil\\u{1b}[2Jx"), "{format}: {out}");
    }
    let md = run("markdown");
    assert!(!md.contains('\u{1b}'), "{md:?}");
    let rows: Vec<&str> = md
        .lines()
        .filter(|l| l.starts_with("| `evil-one") || l.starts_with("| `pipe-one"))
        .collect();
    assert_eq!(rows.len(), 2, "{md}");
    for row in rows {
        // Six cells in the unexpected-members table: seven unescaped pipes.
        let unescaped = row.replace("\\|", "");
        assert_eq!(unescaped.matches('|').count(), 7, "{row}");
    }
}
