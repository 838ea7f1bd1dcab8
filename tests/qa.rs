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
