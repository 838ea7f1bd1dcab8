//! `access-reconciler fix`: propose the config edits that resolve drift; print them (dry run, the
//! default), write them (`--write`), or put them in one pull request (`--open-pr`).
//!
//! Exit codes: 1 when there are edits (proposed, written or put in a PR), 0 when there are none
//! (an open drift PR is then closed), 2 usage/config error or the revoke guard, 3 API error or an
//! incomplete membership read (no edits are proposed from a partial read).

use std::collections::BTreeMap;
use std::io::IsTerminal;
use std::path::Path;
use std::time::Duration;

use chrono::NaiveDate;

use crate::access::System;
use crate::cli::{FixArgs, GlobalArgs};
use crate::commands::common;
use crate::commands::live::Live;
use crate::config::{self, Config, Mapping};
use crate::engine;
use crate::exit;
use crate::finding::{self, Finding};
use crate::fix;
use crate::fix::edit;
use crate::fix::json::{FixJson, Mode};
use crate::fix::pr::{BaseFile, Change, Outcome, PrWriter, Repo};
use crate::fix::propose::{self, Options, Plan, Reason};
use crate::report::evidence::{Evidence, FileDigest};
use crate::report::{self, Format, Report};
use crate::sources::aws::adapter::AwsInputs;
use crate::sources::github::adapter::{membership_read, org_membership};
use crate::sources::github::rest::RestClient;
use crate::sources::github::{MembershipRead, MembershipSource, OrgMembership, SourceError};

/// The PR body is cut to stay under GitHub's 65,536-character limit.
const MAX_BODY: usize = 60_000;

pub fn run(global: &GlobalArgs, args: FixArgs) -> u8 {
    let today = match common::today(global) {
        Ok(d) => d,
        Err(code) => return code,
    };
    if !(args.max_revoke_ratio.is_finite() && (0.0..=1.0).contains(&args.max_revoke_ratio)) {
        return usage(&format!(
            "--max-revoke-ratio {} is not a share between 0 and 1 (e.g. 0.25 for 25%)",
            args.max_revoke_ratio
        ));
    }
    if !(args.mutation_delay.is_finite() && args.mutation_delay >= 0.0) {
        return usage(&format!(
            "--mutation-delay {} is not a number of seconds",
            args.mutation_delay
        ));
    }
    let repo = match (&args.repo, args.open_pr) {
        (Some(r), true) => match Repo::parse(r) {
            Ok(repo) => Some(repo),
            Err(msg) => return usage(&msg),
        },
        (Some(_), false) => {
            return usage("--repo is only used with --open-pr; add --open-pr, or drop --repo");
        }
        _ => None,
    };
    if args.open_pr
        && let Err(msg) = check_branch_name(&args.branch)
    {
        return usage(&msg);
    }
    let (mapping, mapping_source) = match common::load_mapping_with_source(global) {
        Ok(m) => m,
        Err(code) => return code,
    };
    let runtime = match common::runtime() {
        Ok(rt) => rt,
        Err(code) => return code,
    };
    let mut evidence = Evidence::new(today);
    evidence.mapping = mapping_source;
    let run = Run {
        global,
        args: &args,
        mapping: &mapping,
        today,
        evidence,
    };
    runtime.block_on(run.go(repo))
}

/// Every error of `fix` is printed by `common::fail`, as for the other commands.
fn usage(msg: &str) -> u8 {
    common::fail(&engine::Error::Usage(msg.to_owned()), "")
}

/// An API error after the read (the pull request): printed by `common::fail`; exit 3.
fn api(msg: String) -> u8 {
    common::fail(&engine::Error::Source(msg), "")
}

fn source_error(e: SourceError) -> u8 {
    common::source_error(e, "No edits were made.")
}

struct Run<'a> {
    global: &'a GlobalArgs,
    args: &'a FixArgs,
    mapping: &'a Mapping,
    today: NaiveDate,
    /// The tool, date and mapping; the config and the source are added as they are read.
    evidence: Evidence,
}

/// What the read produced.
struct Drift {
    /// GitHub's own form of its read (empty when GitHub is not selected).
    read: MembershipRead,
    /// The report, findings sorted (its config path is set by [`Run::report`]).
    report: Report,
    org_membership: Option<BTreeMap<String, OrgMembership>>,
}

impl Run<'_> {
    async fn go(&self, repo: Option<Repo>) -> u8 {
        let args = self.args;
        // The config: from the repository's default branch for --open-pr, else the local file.
        let client;
        let mut writer = None;
        let (display, text, base) = match repo {
            Some(repo) => {
                client = match RestClient::connect(&args.github.options(), &repo.owner).await {
                    Ok(c) => c,
                    // --open-pr reads and writes the repository: --snapshot is no way around it.
                    Err(SourceError::Usage(msg)) => {
                        return source_error(SourceError::Usage(
                            crate::sources::github::rest::without_offline_hint(&msg),
                        ));
                    }
                    Err(e) => return source_error(e),
                };
                let delay = Duration::from_secs_f64(args.mutation_delay);
                let display = format!("{repo}:{}", args.path.trim_matches('/'));
                let w = PrWriter::new(&client, repo, &args.path, &args.branch, delay);
                let base = match w.read_base().await {
                    Ok(b) => b,
                    Err(e) => return api(e.to_string()),
                };
                if base.default_branch == args.branch {
                    return usage(&format!(
                        "--branch {} is the repository's default branch; fix force-updates its \
                         branch, so it must be a branch of its own (the default is \
                         access-reconciler/drift)",
                        args.branch
                    ));
                }
                writer = Some(w);
                (display, base.text.clone(), Some(base))
            }
            None => {
                let display = args.config.config.display().to_string();
                match config::read_file(&args.config.config, &display) {
                    Ok(text) => (display, text, None),
                    Err(e) => return common::report_config_errors_as(self.global, &e.into()),
                }
            }
        };
        let config = match config::people::parse(&display, &text, self.mapping) {
            Ok(c) => c,
            Err(e) => return common::report_config_errors_as(self.global, &e),
        };
        match common::unknown_keys(self.global, &display, &text, self.mapping) {
            Ok(unknown) => common::warn_unknown_keys(&display, &unknown),
            Err(code) => return code,
        }

        let digest = FileDigest::of(&display, text.as_bytes());
        let drift = match self.drift(&config, &display, digest).await {
            Ok(d) => d,
            Err(code) => return code,
        };
        let plan = match propose::propose(
            &config,
            self.mapping,
            &drift.report.findings,
            &drift.read,
            drift.org_membership.as_ref(),
            Options {
                codify_unexpected: args.codify_unexpected,
                max_revoke_ratio: args.max_revoke_ratio,
                today: self.today,
            },
        ) {
            Ok(p) => p,
            Err(e) => return usage(&e.to_string()),
        };
        let edits = plan.edits();
        let (new_text, edited) = if edits.is_empty() {
            (text.clone(), None)
        } else {
            let applied = edit::apply(&text, &edits).and_then(|new| {
                edit::verify(&config, &new, &edits, self.mapping).map(|after| (new, Some(after)))
            });
            match applied {
                Ok(done) => done,
                Err(e) => return usage(&format!("{e}\nNothing was changed.")),
            }
        };
        // The diff names the file as a reviewer knows it: the repository path for --open-pr.
        let diff_path = if base.is_some() {
            args.path.trim_matches('/').to_owned()
        } else {
            display.clone()
        };
        let diff = edit::unified_diff(&text, &new_text, &diff_path);
        let report = self.report(&display, &drift);
        let mut out = Output {
            plan: &plan,
            diff: &diff,
            report: &report,
            config: &config,
            edited: edited.as_ref(),
            mode: self.mode(),
            written: false,
            pull_request: None,
        };

        // The policy findings the edits would create (a codified person without a sponsor...),
        // said before anything is written; under --strict they block the write.
        let created = if args.codify_unexpected && !edits.is_empty() {
            created_findings(&config, &display, &new_text, self.mapping, self.today)
        } else {
            Vec::new()
        };
        let created_text = created_text(&created);
        if !created.is_empty() && self.global.strict {
            crate::errln!("{}", created_text.trim_end());
            return usage(&format!(
                "--strict: the edits would create {} policy finding(s); nothing was written. Complete the new entries by hand, or run without --codify-unexpected.",
                created.len()
            ));
        }
        // The JSON has no tail: the created findings go to stderr there.
        if self.global.format == Format::Json && !created_text.is_empty() {
            crate::errln!("{}", created_text.trim_end());
        }

        match (writer, base) {
            (Some(mut w), Some(base)) => {
                self.open_pr(&mut w, &base, &new_text, out, &created_text)
                    .await
            }
            _ if args.write && !plan.is_empty() => {
                // A read-only file says "do not edit me": the rename would replace it anyway.
                if crate::fsutil::is_read_only(&args.config.config) && !args.force {
                    return usage(&format!(
                        "cannot write {}: the file is read-only\n  help: make it writable (chmod u+w), or pass --force to replace it anyway\nNothing was changed.",
                        args.config.config.display()
                    ));
                }
                if let Err(msg) = write_in_place(&args.config.config, &text, &new_text) {
                    return usage(&format!(
                        "cannot write {}: {msg}\nNothing was changed.",
                        args.config.config.display()
                    ));
                }
                out.written = true;
                self.print(
                    &out,
                    &format!("{created_text}Wrote the edits to {display}."),
                );
                exit::FINDINGS
            }
            _ => {
                let tail = if plan.is_empty() {
                    String::new()
                } else {
                    format!(
                        "{created_text}Dry run: nothing was written. Apply with --write, or propose with --open-pr --repo OWNER/NAME."
                    )
                };
                self.print(&out, &tail);
                if plan.is_empty() {
                    exit::OK
                } else {
                    exit::FINDINGS
                }
            }
        }
    }

    /// Read the selected systems (snapshot or live, concurrently), compute the findings, and
    /// look up the GitHub org membership of the missing people with a role. An incomplete read
    /// stops here (exit 3): fix never acts on a partial read.
    async fn drift(&self, config: &Config, display: &str, digest: FileDigest) -> Result<Drift, u8> {
        let temporary = engine::load_temporary(
            self.global.temporary_admin.as_deref(),
            &self.args.config.config,
            self.mapping,
        )
        .map_err(|e| common::fail(&e, ""))?;
        let aws_inputs = AwsInputs {
            people: config.people.clone(),
            temporary: temporary.clone(),
            today: self.today,
        };
        let (systems, adapters) =
            common::select(self.mapping, self.args.system.as_deref(), &aws_inputs)?;
        let snapshot = match self.args.snapshot.as_deref().map(common::open_snapshot) {
            None => None,
            Some(Ok(s)) => Some(s),
            Some(Err(e)) => return Err(common::fail(&e, "No edits were made.")),
        };
        if let Some(stale) = snapshot
            .as_ref()
            .and_then(|s| common::snapshot_evidence(s, self.today, self.args.max_age))
        {
            crate::errln!("warning: {}\n  help: {}", stale.message, stale.fix);
            if self.global.strict {
                return Err(usage("--strict: no edits are proposed from stale evidence"));
            }
        }
        let progress = !self.global.quiet && std::io::stderr().is_terminal();
        let mut live = Live::new(self.mapping, &self.args.github, progress);
        live.accounts = common::account_sources(
            self.mapping,
            &adapters,
            &self.args.accounts.options(&self.args.github),
            self.args.snapshot.is_some(),
        )
        .map_err(|e| common::fail(&e, "No edits were made."))?;
        let read_at = chrono::Utc::now();
        let reads = common::read_systems(snapshot.as_ref(), &live, &adapters)
            .await
            .map_err(|e| common::fail(&e, "No edits were made."))?;
        let mut evidence = self.evidence.clone();
        evidence.config = Some(digest);
        let inputs = engine::Inputs {
            today: self.today,
            mapping: self.mapping.clone(),
            config: config.clone(),
            // Said on stderr already (fix's report lists no unknown keys).
            unknown_keys: Vec::new(),
            evidence,
            temporary,
        };
        let outcome = engine::evaluate(&inputs, &adapters, reads);
        if !outcome.complete() {
            common::print_unread(&outcome.unread);
            if self.global.format == Format::Json {
                // The JSON still says what was read and what was not; no edits (exit 3).
                let report = Report {
                    config_path: display.to_owned(),
                    ..engine::report(
                        report::Command::Fix,
                        "",
                        &inputs,
                        &adapters,
                        outcome.clone(),
                    )
                };
                let json = fix::json::render(&FixJson {
                    report: &report,
                    mode: self.mode(),
                    plan: &Plan::default(),
                    config,
                    edited: None,
                    diff: "",
                    written: false,
                    pull_request: None,
                });
                common::write_stdout(json.as_bytes());
            }
            if systems == [System::Github] {
                crate::errln!(
                    "The membership read is incomplete, so no edits are proposed: fix never acts on a \
                     partial read. Run again when every managed team can be read."
                );
            } else {
                crate::errln!(
                    "The read is incomplete, so no edits are proposed: fix never acts on a partial \
                     read. Run again when every selected system can be read whole."
                );
            }
            return Err(exit::SOURCE);
        }
        let read = outcome
            .read(System::Github)
            .map(membership_read)
            .unwrap_or_default();
        let candidates = propose::leaver_candidates(config, &outcome.findings);
        let org_membership = if candidates.is_empty() || self.mapping.github.is_none() {
            Some(BTreeMap::new())
        } else {
            let org = self.mapping.org().unwrap_or_default();
            let states = match &self.args.snapshot {
                None => {
                    let source = live.github_connection().await.map_err(source_error)?;
                    source
                        .org_membership(org, &candidates)
                        .await
                        .map_err(source_error)?
                }
                Some(_) => outcome
                    .read(System::Github)
                    .and_then(org_membership)
                    .map(|all| {
                        candidates
                            .iter()
                            .filter_map(|l| {
                                let key = l.to_ascii_lowercase();
                                all.get(&key).map(|s| (key, *s))
                            })
                            .collect()
                    }),
            };
            if states.is_none() {
                tracing::info!(
                    "the snapshot has no org_membership, so no leaver edits are proposed"
                );
            }
            states
        };
        let mut report = engine::report(report::Command::Fix, "", &inputs, &adapters, outcome);
        common::seal_sources(&mut report.evidence, read_at);
        Ok(Drift {
            read,
            report,
            org_membership,
        })
    }

    fn report(&self, display: &str, drift: &Drift) -> Report {
        Report {
            config_path: display.to_owned(),
            ..drift.report.clone()
        }
    }

    /// What `fix` was asked to do with the edits.
    fn mode(&self) -> Mode {
        if self.args.open_pr {
            Mode::OpenPr
        } else if self.args.write {
            Mode::Write
        } else {
            Mode::DryRun
        }
    }

    /// The diff and the summary on stdout (the PR body for --format markdown, the fix JSON for
    /// --format json).
    fn print(&self, o: &Output<'_>, tail: &str) {
        let (plan, diff, report) = (o.plan, o.diff, o.report);
        let out = if self.global.format == Format::Json {
            fix::json::render(&FixJson {
                report,
                mode: o.mode,
                plan,
                config: o.config,
                edited: o.edited,
                diff,
                written: o.written,
                pull_request: o.pull_request,
            })
        } else if self.global.format == Format::Markdown {
            pr_body(plan, diff, report)
        } else {
            let mut s = String::new();
            s.push_str(diff);
            if !diff.is_empty() && !diff.ends_with('\n') {
                s.push('\n');
            }
            if !diff.is_empty() {
                s.push('\n');
            }
            s.push_str(&summary(plan, &report.config_path));
            if !tail.is_empty() {
                s.push_str(tail);
                s.push('\n');
            }
            s.push('\n');
            for line in report.evidence.text_lines() {
                s.push_str(&report::visible(&line));
                s.push('\n');
            }
            s
        };
        common::write_stdout(out.as_bytes());
    }

    async fn open_pr(
        &self,
        writer: &mut PrWriter<'_>,
        base: &BaseFile,
        new_text: &str,
        out: Output<'_>,
        created_text: &str,
    ) -> u8 {
        let (plan, diff, report) = (out.plan, out.diff, out.report);
        let outcome = if plan.is_empty() {
            writer.close_resolved().await
        } else {
            let title = format!(
                "access-reconciler: {} to resolve access drift",
                count(plan.proposals.len(), "config edit")
            );
            let body = pr_body(plan, diff, report);
            let fingerprint = plan.fingerprint();
            let mut commit_message = format!("{title}\n\n");
            for p in &plan.proposals {
                commit_message.push_str(&format!("- {}\n", p.summary()));
            }
            writer
                .publish(
                    base,
                    &Change {
                        text: new_text,
                        title: &title,
                        body: &body,
                        commit_message: &commit_message,
                        fingerprint: &fingerprint,
                    },
                )
                .await
        };
        match outcome {
            Ok(outcome) => {
                let tail = format!("{created_text}{outcome}\n");
                self.print(
                    &Output {
                        pull_request: Some(&outcome),
                        ..out
                    },
                    &tail,
                );
                if plan.is_empty() {
                    exit::OK
                } else {
                    exit::FINDINGS
                }
            }
            Err(e) => api(e.to_string()),
        }
    }
}

/// What is printed: the plan, its diff and report, and what was done with them.
#[derive(Clone, Copy)]
struct Output<'a> {
    plan: &'a Plan,
    diff: &'a str,
    report: &'a Report,
    config: &'a Config,
    /// The edited config, re-validated (`None` without edits).
    edited: Option<&'a Config>,
    mode: Mode,
    written: bool,
    pull_request: Option<&'a Outcome>,
}

/// The policy findings on the edited config that the original did not have (same person and
/// rule), sorted.
fn created_findings(
    config: &Config,
    display: &str,
    new_text: &str,
    mapping: &Mapping,
    today: NaiveDate,
) -> Vec<Finding> {
    let Ok(edited) = config::people::parse(display, new_text, mapping) else {
        // edit::verify already re-validated the text; nothing to add.
        return Vec::new();
    };
    let before = crate::policy::check(config, mapping, today);
    let mut created: Vec<Finding> = crate::policy::check(&edited, mapping, today)
        .into_iter()
        .filter(|f| {
            !before
                .iter()
                .any(|b| b.kind == f.kind && b.person_key() == f.person_key())
        })
        .collect();
    finding::sort(&mut created);
    created
}

/// The created findings as text lines, or "" when there are none.
fn created_text(created: &[Finding]) -> String {
    if created.is_empty() {
        return String::new();
    }
    let mut s = format!(
        "The edits would create {} policy finding{}:\n",
        created.len(),
        if created.len() == 1 { "" } else { "s" }
    );
    for f in created {
        s.push_str(&format!(
            "  - [{}] {}: {} (fix: {})\n",
            f.severity.as_str(),
            crate::report::text::label(f),
            f.message,
            f.fix
        ));
    }
    s
}

/// A branch name GitHub accepts and that cannot escape `refs/heads/`.
fn check_branch_name(branch: &str) -> Result<(), String> {
    let bad = branch.is_empty()
        || branch.starts_with(['/', '-', '.'])
        || branch.ends_with(['/', '.'])
        || branch.ends_with(".lock")
        || branch.contains("..")
        || branch.contains("//")
        || branch.contains("@{")
        || branch
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || "~^:?*[\\".contains(c));
    if bad {
        Err(format!(
            "--branch {branch:?} is not a valid branch name (e.g. access-reconciler/drift)"
        ))
    } else {
        Ok(())
    }
}

fn count(n: usize, what: &str) -> String {
    format!("{n} {what}{}", if n == 1 { "" } else { "s" })
}

/// The plain-text summary: one line per edit, then what was left alone.
fn summary(plan: &Plan, path: &str) -> String {
    let mut s = String::new();
    if plan.is_empty() {
        s.push_str(&format!(
            "fix: no edits for {path}: nothing that fix can change is out of step with GitHub.\n"
        ));
    } else {
        s.push_str(&format!(
            "fix: {} for {path} ({} revoked):\n",
            count(plan.proposals.len(), "edit"),
            count(plan.revoked(), "role")
        ));
        for p in &plan.proposals {
            s.push_str(&format!("  - {}\n", p.summary()));
        }
    }
    for n in &plan.notes {
        s.push_str(&format!("  note: {}\n", n.0));
    }
    s
}

/// The PR body: what changes and why, leavers called out, the diff, then the drift report.
pub(crate) fn pr_body(plan: &Plan, diff: &str, report: &Report) -> String {
    let mut s = String::new();
    s.push_str(&format!(
        "Opened by `access-reconciler fix`. It edits `{}` so the config matches GitHub where the \
         config is what is out of date. Review every change: where GitHub is wrong instead, close \
         this pull request and correct GitHub.\n\n",
        report.config_path
    ));
    s.push_str("### Proposed changes\n\n");
    if plan.is_empty() {
        s.push_str("None.\n");
    }
    for p in &plan.proposals {
        s.push_str(&format!("- {}\n", report::markdown::cell(&p.summary())));
    }
    let leavers: Vec<_> = plan
        .proposals
        .iter()
        .filter(|p| {
            p.reasons
                .iter()
                .any(|r| matches!(r, Reason::LeftOrg { .. }))
        })
        .collect();
    if !leavers.is_empty() {
        s.push_str("\n### Left the organization\n\n");
        s.push_str(
            "These people are no longer members of the GitHub organization, so their role is removed:\n\n",
        );
        for p in leavers {
            s.push_str(&format!(
                "- {} (`{}`)\n",
                report::markdown::cell(&p.name),
                p.login.as_deref().unwrap_or_default()
            ));
        }
    }
    if !plan.notes.is_empty() {
        s.push_str("\n### Not changed\n\n");
        for n in &plan.notes {
            s.push_str(&format!("- {}\n", report::markdown::cell(&n.0)));
        }
    }
    let mut rendered = Vec::new();
    let _ = report::markdown::render(report, &mut rendered);
    let report_md = String::from_utf8_lossy(&rendered).into_owned();
    // A fence longer than any run of backticks in the file, so the diff cannot close it.
    let longest = diff.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat((longest + 1).max(3));
    let diff_block = format!(
        "\n<details><summary>Diff</summary>\n\n{fence}diff\n{}{}{fence}\n\n</details>\n\n",
        diff,
        if diff.ends_with('\n') || diff.is_empty() {
            ""
        } else {
            "\n"
        }
    );
    if s.len() + diff_block.len() + report_md.len() <= MAX_BODY {
        s.push_str(&diff_block);
        s.push_str(&report_md);
    } else if s.len() + diff_block.len() <= MAX_BODY {
        s.push_str(&diff_block);
        s.push_str("The drift report is too long for this description; run `access-reconciler drift` to see it.\n");
    } else {
        s.push_str("\nThe diff is too long for this description; see the Files changed tab.\n");
    }
    s
}

/// Replace the config in place, atomically: a temporary file in the same directory with the same
/// permissions, renamed over the original. Refuses when the file changed since it was read.
fn write_in_place(path: &Path, old: &str, new: &str) -> Result<(), String> {
    // Write to the real file when the config is a symlink.
    let path = std::fs::canonicalize(path).map_err(|e| e.to_string())?;
    let now = std::fs::read(&path).map_err(|e| e.to_string())?;
    if now != old.as_bytes() {
        return Err("the file changed while fix was running; run fix again".to_owned());
    }
    crate::fsutil::write_atomic(&path, new.as_bytes()).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn branch_names() {
        assert!(check_branch_name("access-reconciler/drift").is_ok());
        for bad in ["", "-x", "a..b", "a b", "a/", "x.lock", "a:b", "/a", "a//b"] {
            assert!(check_branch_name(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_diff_fence_outlasts_backticks_in_the_file() {
        let report = Report {
            command: report::Command::Fix,
            config_path: "c.yml".into(),
            org: None,
            complete: true,
            errors: vec![],
            findings: vec![],
            accepted: vec![],
            unused_exceptions: vec![],
            evidence: crate::report::evidence::Evidence::default(),
            summary: crate::report::Summary::default(),
            fetched_at: None,
            systems: vec![],
        };
        let body = pr_body(&Plan::default(), "+ why: ```x```\n", &report);
        assert!(
            body.contains("\n````diff\n+ why: ```x```\n````\n"),
            "{body}"
        );
    }

    #[test]
    fn write_in_place_keeps_permissions_and_refuses_a_changed_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.yml");
        std::fs::write(&path, "a\n").unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o640)).unwrap();
        }
        assert!(write_in_place(&path, "other\n", "b\n").is_err());
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "a\n");
        write_in_place(&path, "a\n", "b\n").unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "b\n");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o640);
        }
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }
}
