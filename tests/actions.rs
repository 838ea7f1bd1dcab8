//! The GitHub Actions files agree with the CLI and the docs, so the docs, the composite action
//! and the example workflows cannot drift apart:
//! - every flag the composite action's run script passes, and every flag a workflow passes through
//!   the action's inputs, is accepted by the real binary (`<command> ... --help` parses) and listed
//!   in `<command> --help`, and is mentioned in the actions page (docs/actions.md, which the
//!   README's actions section links);
//! - the action's run script, executed with bash and a stand-in binary, builds exactly the
//!   expected command line, passes the token only in the environment, and maps exit codes;
//! - every action input and output is documented in docs/actions.md;
//! - `ci.yml` runs the same cargo commands as `.ci/run`.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::Path;

use saphyr_parser::{Event, Parser};

const ACTION: &str = ".github/actions/access-reconciler/action.yml";
const WORKFLOWS: &[&str] = &[
    ".github/workflows/ci.yml",
    ".github/workflows/examples/drift-scheduled.yml",
    ".github/workflows/examples/review-pr.yml",
    ".github/workflows/examples/review-pr-comment.yml",
];
const COMMANDS: &[&str] = &["check", "drift", "snapshot", "review", "fix"];

// ---------------------------------------------------------------------------------------------
// A minimal YAML tree from saphyr-parser events (the crate's own YAML dependency).

#[derive(Debug, Clone)]
enum Node {
    Scalar(String),
    Seq(Vec<Node>),
    Map(Vec<(String, Node)>),
}

impl Node {
    fn get(&self, key: &str) -> Option<&Node> {
        match self {
            Node::Map(entries) => entries.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    fn str(&self) -> Option<&str> {
        match self {
            Node::Scalar(s) => Some(s),
            _ => None,
        }
    }

    fn seq(&self) -> &[Node] {
        match self {
            Node::Seq(items) => items,
            _ => &[],
        }
    }

    fn entries(&self) -> &[(String, Node)] {
        match self {
            Node::Map(entries) => entries,
            _ => &[],
        }
    }

    fn get_str(&self, key: &str) -> Option<&str> {
        self.get(key).and_then(Node::str)
    }
}

fn parse_yaml(path: &str) -> Node {
    let text = read(path);
    let mut events = Parser::new_from_str(&text).map(|e| {
        e.unwrap_or_else(|err| panic!("{path}: YAML error: {err}"))
            .0
    });
    loop {
        match events.next() {
            Some(Event::StreamStart | Event::DocumentStart(_)) => continue,
            Some(event) => return build(event, &mut events, path),
            None => panic!("{path}: empty YAML"),
        }
    }
}

fn build<'a>(first: Event<'a>, events: &mut impl Iterator<Item = Event<'a>>, path: &str) -> Node {
    match first {
        Event::Scalar(value, ..) => Node::Scalar(value.into_owned()),
        Event::SequenceStart(..) => {
            let mut items = Vec::new();
            loop {
                match events.next().expect("sequence ends") {
                    Event::SequenceEnd => return Node::Seq(items),
                    event => items.push(build(event, events, path)),
                }
            }
        }
        Event::MappingStart(..) => {
            let mut entries = Vec::new();
            loop {
                match events.next().expect("mapping ends") {
                    Event::MappingEnd => return Node::Map(entries),
                    event => {
                        let key = match build(event, events, path) {
                            Node::Scalar(k) => k,
                            other => panic!("{path}: non-scalar key {other:?}"),
                        };
                        let value = build(events.next().expect("mapping value"), events, path);
                        entries.push((key, value));
                    }
                }
            }
        }
        other => panic!("{path}: unexpected YAML event {other:?} (aliases are not used here)"),
    }
}

// ---------------------------------------------------------------------------------------------
// Helpers

fn read(rel: &str) -> String {
    let path = common::root().join(rel);
    fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

/// The actions page, docs/actions.md: the full setup, every input and output of the action.
const ACTIONS_DOC: &str = "docs/actions.md";

/// The README's "Use it in GitHub Actions" section, up to the next `## ` heading.
fn readme_actions_section() -> String {
    let readme = read("README.md");
    let heading = "\n## Use it in GitHub Actions\n";
    let start = readme
        .find(heading)
        .expect("README has the \"Use it in GitHub Actions\" section");
    let rest = &readme[start + heading.len()..];
    let end = rest.find("\n## ").unwrap_or(rest.len());
    let section = rest[..end].to_string();
    assert!(
        section.contains("(docs/actions.md)"),
        "README's actions section links docs/actions.md"
    );
    section
}

/// The actions documentation: docs/actions.md, the page the README's actions section links.
fn actions_doc() -> String {
    readme_actions_section();
    read(ACTIONS_DOC)
}

/// `--long-flag` tokens in a piece of shell or an args string.
fn long_flags(text: &str) -> Vec<String> {
    let mut flags = Vec::new();
    for token in text.split(|c: char| c.is_whitespace() || "()\"'".contains(c)) {
        if let Some(name) = token.strip_prefix("--")
            && name.starts_with(|c: char| c.is_ascii_lowercase())
            && name
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        {
            flags.push(token.to_string());
        }
    }
    flags
}

/// Replace every `${{ ... }}` expression with a value any of our flags accepts.
fn without_expressions(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(start) = rest.find("${{") {
        out.push_str(&rest[..start]);
        let end = rest[start..]
            .find("}}")
            .unwrap_or_else(|| panic!("unclosed expression in {text:?}"));
        out.push('1');
        rest = &rest[start + end + 2..];
    }
    out.push_str(rest);
    out
}

fn help(args: &[&str]) -> (bool, String) {
    let output = common::bin()
        .args(args)
        .arg("--help")
        .output()
        .expect("run the binary");
    let text = String::from_utf8_lossy(&output.stdout).to_string()
        + &String::from_utf8_lossy(&output.stderr);
    (output.status.success(), text)
}

fn flag_listed_in_help(help_text: &str, flag: &str) -> bool {
    help_text.match_indices(flag).any(|(i, _)| {
        !help_text[i + flag.len()..].starts_with(|c: char| c.is_ascii_lowercase() || c == '-')
    })
}

fn mentioned_in(text: &str, flag: &str) -> bool {
    flag_listed_in_help(text, flag)
}

/// The composite action's step that runs the tool.
fn action_run_step(action: &Node) -> &Node {
    action
        .get("runs")
        .and_then(|r| r.get("steps"))
        .expect("runs.steps")
        .seq()
        .iter()
        .find(|s| s.get_str("id") == Some("run"))
        .expect("a step with id: run")
}

/// The flags the action's run script adds to the tool's command line (`args=(...)`, `args+=(...)`).
fn action_script_flags(script: &str) -> BTreeSet<String> {
    let mut flags = BTreeSet::new();
    for line in script.lines() {
        let line = line.trim();
        if line.starts_with("args=(") || line.starts_with("args+=(") {
            flags.extend(long_flags(line));
        }
    }
    flags
}

/// One use of the composite action in a workflow: the command line it produces.
#[derive(Debug)]
struct Use {
    at: String,
    command: String,
    argv: Vec<String>,
}

fn action_uses_in(path: &str) -> Vec<Use> {
    let workflow = parse_yaml(path);
    let defaults = action_input_defaults();
    let mut uses = Vec::new();
    for (job_name, job) in workflow.get("jobs").expect("jobs").entries() {
        for (i, step) in job
            .get("steps")
            .map(Node::seq)
            .unwrap_or(&[])
            .iter()
            .enumerate()
        {
            let Some(target) = step.get_str("uses") else {
                continue;
            };
            let target = target.split('@').next().unwrap_or(target);
            if !target.ends_with(".github/actions/access-reconciler") {
                continue;
            }
            let with = step.get("with").expect("the action's step has with:");
            let input = |name: &str| -> String {
                with.get_str(name)
                    .map(without_expressions)
                    .unwrap_or_else(|| defaults.get(name).cloned().unwrap_or_default())
            };
            let command = input("command");
            assert!(
                COMMANDS.contains(&command.as_str()),
                "{path}: job {job_name} step {i}: unknown command {command:?}"
            );
            // The same construction as the action's run script (checked by `action_script_runs`).
            let mut argv = vec![command.clone()];
            if command != "snapshot" {
                argv.extend(["--format".into(), input("format")]);
            }
            argv.extend(["--config".into(), input("config")]);
            let mapping = input("mapping");
            if !mapping.is_empty() {
                argv.extend(["--mapping".into(), mapping]);
            }
            let extra = input("args");
            let from_snapshot = extra
                .split_whitespace()
                .any(|a| a == "--snapshot" || a.starts_with("--snapshot="));
            if command != "check" && !from_snapshot {
                argv.extend(["--api-url".into(), input("api-url")]);
            }
            argv.extend(extra.split_whitespace().map(String::from));
            uses.push(Use {
                at: format!("{path}: job {job_name} step {i}"),
                command,
                argv,
            });
        }
    }
    uses
}

fn action_input_defaults() -> BTreeMap<String, String> {
    let action = parse_yaml(ACTION);
    action
        .get("inputs")
        .expect("inputs")
        .entries()
        .iter()
        .map(|(name, spec)| {
            (
                name.clone(),
                spec.get_str("default").unwrap_or("").to_string(),
            )
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Tests

#[test]
fn action_script_flags_are_accepted_by_every_command_and_documented() {
    let action = parse_yaml(ACTION);
    let script = action_run_step(&action).get_str("run").expect("run script");
    let flags = action_script_flags(script);
    assert_eq!(
        flags,
        ["--api-url", "--config", "--format", "--mapping"]
            .map(String::from)
            .into(),
        "the action's command line changed: update this test and docs/actions.md"
    );
    let doc = actions_doc();
    for command in COMMANDS {
        let (ok, text) = help(&[command]);
        assert!(ok, "{command} --help failed: {text}");
        for flag in &flags {
            if (*command == "check" && flag == "--api-url")
                || (*command == "snapshot" && flag == "--format")
            {
                continue; // the script does not pass these
            }
            assert!(
                flag_listed_in_help(&text, flag),
                "`{command} --help` does not list {flag}"
            );
        }
    }
    for flag in &flags {
        assert!(
            mentioned_in(&doc, flag),
            "{ACTIONS_DOC} does not mention {flag}"
        );
    }
}

#[test]
fn workflow_invocations_parse_and_are_documented() {
    let doc = actions_doc();
    let mut seen = 0;
    for path in WORKFLOWS {
        for u in action_uses_in(path) {
            seen += 1;
            let argv: Vec<&str> = u.argv.iter().map(String::as_str).collect();
            let (ok, text) = help(&argv);
            assert!(
                ok,
                "{}: `access-reconciler {}` does not parse:\n{text}",
                u.at,
                argv.join(" ")
            );
            let (_, command_help) = help(&[&u.command]);
            for flag in long_flags(&u.argv.join(" ")) {
                assert!(
                    flag_listed_in_help(&command_help, &flag),
                    "{}: `{} --help` does not list {flag}",
                    u.at,
                    u.command
                );
                assert!(
                    mentioned_in(&doc, &flag),
                    "{}: {ACTIONS_DOC} does not mention {flag}",
                    u.at
                );
            }
        }
    }
    // ci.yml smoke run, drift, fix, review, review with --post-comment.
    assert!(
        seen >= 5,
        "expected at least 5 uses of the action, found {seen}"
    );
}

#[test]
fn readme_flags_in_the_actions_section_exist() {
    // Every --flag the README's section and the actions page name is accepted by some command
    // (or is a global flag).
    let texts = [
        ("README's actions section", readme_actions_section()),
        (ACTIONS_DOC, read(ACTIONS_DOC)),
    ];
    let helps: Vec<String> = COMMANDS.iter().map(|c| help(&[c]).1).collect();
    // Other programs' flags named in the prose (cargo, zizmor) and clap's own.
    let own = ["--locked", "--git", "--offline", "--help"];
    for (name, text) in &texts {
        for flag in long_flags(&text.replace('`', " ")) {
            if own.contains(&flag.as_str()) {
                continue;
            }
            assert!(
                helps.iter().any(|h| flag_listed_in_help(h, &flag)),
                "{name} names {flag}, which no command accepts"
            );
        }
    }
}

#[test]
fn action_inputs_and_outputs_are_documented() {
    let action = parse_yaml(ACTION);
    let doc = actions_doc();
    for key in ["inputs", "outputs"] {
        for (name, _) in action.get(key).expect(key).entries() {
            assert!(
                doc.contains(&format!("| `{name}` |")),
                "{ACTIONS_DOC} does not document action {key} `{name}`"
            );
        }
    }
    // Inputs reach run scripts only through env:, never as expressions inside run:.
    for step in action
        .get("runs")
        .and_then(|r| r.get("steps"))
        .expect("steps")
        .seq()
    {
        if let Some(script) = step.get_str("run") {
            assert!(
                !script.contains("${{"),
                "an expression inside a run: script of {ACTION}"
            );
        }
    }
}

#[test]
fn workflows_keep_expressions_out_of_run_scripts_and_pin_actions() {
    for path in WORKFLOWS {
        let workflow = parse_yaml(path);
        for (job_name, job) in workflow.get("jobs").expect("jobs").entries() {
            assert!(
                job.get("permissions").is_some(),
                "{path}: job {job_name} has no permissions:"
            );
            for step in job.get("steps").map(Node::seq).unwrap_or(&[]) {
                if let Some(script) = step.get_str("run") {
                    assert!(
                        !script.contains("${{"),
                        "{path}: job {job_name}: expression inside run:"
                    );
                }
            }
        }
        for line in read(path).lines().chain(read(ACTION).lines()) {
            let Some((_, target)) = line.split_once("uses: ") else {
                continue;
            };
            if target.starts_with("./") {
                continue;
            }
            let (_, rest) = target
                .split_once('@')
                .unwrap_or_else(|| panic!("{path}: unpinned {target}"));
            let sha = &rest[..rest.find(' ').unwrap_or(rest.len())];
            assert!(
                sha.len() == 40 && sha.chars().all(|c| c.is_ascii_hexdigit()),
                "{path}: {target} is not pinned by a full commit SHA"
            );
            assert!(
                rest.contains(" # "),
                "{path}: {target} has no version comment"
            );
        }
    }
}

#[test]
fn ci_workflow_runs_the_same_cargo_commands_as_ci_run() {
    let ci = parse_yaml(".github/workflows/ci.yml");
    let mut runs = BTreeSet::new();
    for (_, job) in ci.get("jobs").expect("jobs").entries() {
        for step in job.get("steps").map(Node::seq).unwrap_or(&[]) {
            if let Some(script) = step.get_str("run") {
                runs.extend(script.lines().map(|l| l.trim().to_string()));
            }
        }
    }
    let ci_run = read(".ci/run");
    let cargo_lines: Vec<&str> = ci_run
        .lines()
        .map(str::trim)
        .filter(|l| l.starts_with("cargo "))
        .collect();
    assert!(cargo_lines.len() >= 3, ".ci/run has fmt, clippy and test");
    for line in cargo_lines {
        assert!(
            runs.contains(line),
            ".ci/run runs `{line}` but .github/workflows/ci.yml does not"
        );
    }
}

#[test]
fn comment_workflow_follows_the_review_workflow() {
    let review = parse_yaml(".github/workflows/examples/review-pr.yml");
    let comment = parse_yaml(".github/workflows/examples/review-pr-comment.yml");
    let name = review.get_str("name").expect("review-pr.yml has a name");
    let followed: Vec<&str> = comment
        .get("on")
        .and_then(|on| on.get("workflow_run"))
        .and_then(|w| w.get("workflows"))
        .expect("on.workflow_run.workflows")
        .seq()
        .iter()
        .filter_map(Node::str)
        .collect();
    assert_eq!(followed, [name]);
    assert!(
        review
            .get("on")
            .and_then(|on| on.get("pull_request_target"))
            .is_none()
    );
    // The artifact the privileged half downloads is the one the unprivileged half uploads.
    let uploaded = read(".github/workflows/examples/review-pr.yml");
    assert!(uploaded.contains("name: access-review\n"));
    assert!(
        read(".github/workflows/examples/review-pr-comment.yml").contains("name: access-review\n")
    );
}

// ---------------------------------------------------------------------------------------------
// Run the action's scripts with bash.

#[cfg(unix)]
mod scripts {
    use std::os::unix::fs::PermissionsExt;
    use std::process::Command;

    use super::*;

    struct Run {
        code: i32,
        argv: Option<Vec<String>>,
        child_token: Option<String>,
        outputs: BTreeMap<String, String>,
        report: Option<String>,
        log: String,
    }

    /// Run the action's `run` step with a stand-in binary that records its argv and token.
    fn run_step(inputs: &[(&str, &str)], fake_exit: i32) -> Run {
        let action = parse_yaml(ACTION);
        let step = action_run_step(&action);
        let script = step.get_str("run").expect("run script").to_string();
        let env_keys: BTreeSet<&str> = step
            .get("env")
            .expect("env")
            .entries()
            .iter()
            .map(|(k, _)| k.as_str())
            .collect();

        let dir = tempfile::tempdir().expect("temp dir");
        let root = dir.path().join("root");
        fs::create_dir_all(root.join("bin")).expect("bin dir");
        let fake = root.join("bin/access-reconciler");
        fs::write(
            &fake,
            "#!/usr/bin/env bash\n\
             printf '%s\\n' \"$@\" > \"$FAKE_DIR/argv\"\n\
             printf '%s' \"${GITHUB_TOKEN-<unset>}\" > \"$FAKE_DIR/token\"\n\
             echo 'the report'\n\
             exit \"$FAKE_EXIT\"\n",
        )
        .expect("write fake");
        fs::set_permissions(&fake, fs::Permissions::from_mode(0o755)).expect("chmod");
        let temp = dir.path().join("runner-temp");
        fs::create_dir_all(&temp).expect("runner temp");
        let output_file = dir.path().join("github-output");
        fs::write(&output_file, "").expect("output file");
        // A file a glob in the extra args would match: the script must not expand it.
        fs::write(dir.path().join("snap.json"), "{}").expect("glob bait");

        let defaults = action_input_defaults();
        let value = |input: &str| -> String {
            inputs
                .iter()
                .find(|(k, _)| *k == input)
                .map(|(_, v)| v.to_string())
                .unwrap_or_else(|| defaults.get(input).cloned().unwrap_or_default())
        };
        let mut cmd = Command::new("bash");
        cmd.arg("-c").arg(&script).current_dir(dir.path());
        cmd.env("GITHUB_TOKEN", "parent-token-must-not-leak");
        let env = [
            ("ROOT", root.display().to_string()),
            ("COMMAND", value("command")),
            ("CONFIG", value("config")),
            ("MAPPING", value("mapping")),
            ("TOKEN", value("token")),
            ("API_URL", value("api-url")),
            ("FORMAT", value("format")),
            ("EXTRA_ARGS", value("args")),
            ("OK_EXIT_CODES", value("ok-exit-codes")),
        ];
        assert_eq!(
            env.iter().map(|(k, _)| *k).collect::<BTreeSet<_>>(),
            env_keys,
            "the run step's env: changed; update this test"
        );
        cmd.envs(env.iter().map(|(k, v)| (*k, v.as_str())));
        cmd.env("RUNNER_TEMP", &temp)
            .env("GITHUB_OUTPUT", &output_file)
            .env("GITHUB_RUN_ID", "42")
            .env("GITHUB_RUN_ATTEMPT", "1")
            .env("FAKE_DIR", dir.path())
            .env("FAKE_EXIT", fake_exit.to_string());
        let out = cmd.output().expect("run bash");

        let outputs: BTreeMap<String, String> = fs::read_to_string(&output_file)
            .expect("read outputs")
            .lines()
            .filter_map(|l| l.split_once('='))
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let report = outputs
            .get("report-path")
            .and_then(|p| fs::read_to_string(p).ok());
        Run {
            code: out.status.code().unwrap_or(-1),
            argv: fs::read_to_string(dir.path().join("argv"))
                .ok()
                .map(|s| s.lines().map(String::from).collect()),
            child_token: fs::read_to_string(dir.path().join("token")).ok(),
            outputs,
            report,
            log: String::from_utf8_lossy(&out.stdout).to_string()
                + &String::from_utf8_lossy(&out.stderr),
        }
    }

    #[test]
    fn drift_with_token_and_extra_args() {
        let run = run_step(
            &[
                ("command", "drift"),
                ("token", "ghs_example_token"),
                ("args", "--snapshot  *.json\n--today 2026-11-28\n"),
            ],
            1,
        );
        assert_eq!(
            run.code, 0,
            "exit 1 (findings) is in ok-exit-codes by default: {}",
            run.log
        );
        let argv = run.argv.expect("the tool ran");
        assert_eq!(
            argv,
            [
                "drift",
                "--format",
                "json",
                "--config",
                "config/govuk_tech.yml",
                "--snapshot",
                "*.json",
                "--today",
                "2026-11-28"
            ]
        );
        assert_eq!(run.child_token.as_deref(), Some("ghs_example_token"));
        assert!(
            !run.log.contains("ghs_example_token"),
            "the token was printed: {}",
            run.log
        );
        assert_eq!(run.outputs.get("exit-code").map(String::as_str), Some("1"));
        assert!(run.outputs["report-path"].ends_with(".json"));
        assert_eq!(run.report.as_deref(), Some("the report\n"));
        assert!(
            !run.log.contains("the report"),
            "a JSON report stays in its file"
        );

        // The real binary accepts that command line.
        let args: Vec<&str> = argv.iter().map(String::as_str).collect();
        let (ok, text) = help(&args);
        assert!(ok, "{text}");
    }

    #[test]
    fn check_gets_no_api_url_and_no_inherited_token_and_fails_on_exit_2() {
        let run = run_step(
            &[
                ("command", "check"),
                ("mapping", "config/mapping.yml"),
                ("format", "markdown"),
            ],
            2,
        );
        assert_eq!(run.code, 2, "exit 2 is not ok by default: {}", run.log);
        let argv = run.argv.expect("the tool ran");
        assert_eq!(
            argv,
            [
                "check",
                "--format",
                "markdown",
                "--config",
                "config/govuk_tech.yml",
                "--mapping",
                "config/mapping.yml"
            ]
        );
        assert_eq!(run.child_token.as_deref(), Some("<unset>"));
        assert_eq!(run.outputs.get("exit-code").map(String::as_str), Some("2"));
        assert!(run.outputs["report-path"].ends_with(".md"));
        assert!(run.log.contains("::error"), "{}", run.log);
        assert!(
            !run.log.contains("the report"),
            "a Markdown report stays in its file"
        );
        // text and github reports are copied to the log (github: so they become annotations).
        let run = run_step(&[("command", "check"), ("format", "github")], 1);
        assert_eq!(run.code, 0, "{}", run.log);
        assert!(run.log.contains("the report\n"), "{}", run.log);
        let args: Vec<&str> = argv.iter().map(String::as_str).collect();
        let (ok, text) = help(&args);
        assert!(ok, "{text}");
    }

    #[test]
    fn ok_exit_codes_and_bad_inputs() {
        let run = run_step(&[("command", "review"), ("ok-exit-codes", "0 1 2")], 2);
        assert_eq!(run.code, 0, "{}", run.log);
        let run = run_step(&[("command", "fix")], 3);
        assert_eq!(run.code, 3, "{}", run.log);
        let run = run_step(&[("command", "drift; rm -rf /")], 0);
        assert_eq!(run.code, 2);
        assert!(
            run.argv.is_none(),
            "the tool must not run for an unknown command"
        );
        let run = run_step(&[("command", "drift"), ("format", "yaml")], 0);
        assert_eq!(run.code, 2);
        assert!(run.argv.is_none());
    }

    #[test]
    fn install_step_keys_the_cache_by_the_actions_own_source() {
        let action = parse_yaml(ACTION);
        let step = action
            .get("runs")
            .and_then(|r| r.get("steps"))
            .expect("steps")
            .seq()
            .iter()
            .find(|s| s.get_str("id") == Some("source"))
            .expect("the source step");
        let script = step.get_str("run").expect("run");
        let dir = tempfile::tempdir().expect("temp dir");
        let output_file = dir.path().join("out");
        fs::write(&output_file, "").expect("output file");
        let out = Command::new("bash")
            .arg("-c")
            .arg(script)
            .env("REV", "")
            .env(
                "REPOSITORY",
                "https://github.com/alphagov/access-reconciler",
            )
            .env(
                "GITHUB_ACTION_PATH",
                common::root().join(".github/actions/access-reconciler"),
            )
            .env("GITHUB_OUTPUT", &output_file)
            .env("RUNNER_OS", "Linux")
            .env("RUNNER_ARCH", "X64")
            .env("RUNNER_TOOL_CACHE", dir.path())
            .output()
            .expect("run bash");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let outputs = fs::read_to_string(&output_file).expect("outputs");
        let root = common::root().canonicalize().expect("root");
        assert!(
            outputs.contains(&format!("src={}\n", root.display())),
            "{outputs}"
        );
        assert!(
            outputs.contains("key=access-reconciler-bin-Linux-X64-src-"),
            "{outputs}"
        );

        // A pinned rev: the key names neither the source tree nor anything from the environment.
        fs::write(&output_file, "").expect("reset");
        let out = Command::new("bash")
            .arg("-c")
            .arg(script)
            .env("REV", "0123456789abcdef0123456789abcdef01234567")
            .env(
                "REPOSITORY",
                "https://github.com/alphagov/access-reconciler",
            )
            .env("GITHUB_ACTION_PATH", Path::new("/nonexistent"))
            .env("GITHUB_OUTPUT", &output_file)
            .env("RUNNER_OS", "Linux")
            .env("RUNNER_ARCH", "X64")
            .env("RUNNER_TOOL_CACHE", dir.path())
            .output()
            .expect("run bash");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let outputs = fs::read_to_string(&output_file).expect("outputs");
        assert!(
            outputs.contains("key=access-reconciler-bin-Linux-X64-git-"),
            "{outputs}"
        );
        assert!(!outputs.contains("src="), "{outputs}");
    }
}
