//! `access-reconciler drift`: policy findings plus the comparison of declared roles with GitHub
//! team membership, read live or from `--snapshot`. Exit 0 when clean, 1 with findings, 2 for
//! invalid input (config, mapping, snapshot, org mismatch), 3 when a team could not be read.

use std::io::{IsTerminal, Write};

use crate::access::System;
use crate::cli::{DriftArgs, GlobalArgs};
use crate::commands::common;
use crate::config::{Config, Mapping};
use crate::exit;
use crate::finding;
use crate::github::live::LiveSource;
use crate::github::snapshot::SnapshotSource;
use crate::github::{MembershipRead, MembershipSource, SourceError, TeamError};
use crate::report::evidence::{Evidence, Origin};
use crate::report::{self, Color, Command, Format, Report, ReportError, Summary};

pub fn run(global: &GlobalArgs, args: DriftArgs) -> u8 {
    let common::Inputs {
        today,
        mapping,
        config,
        mut evidence,
    } = match common::Inputs::load(global, &args.config.config) {
        Ok(inputs) => inputs,
        Err(code) => return code,
    };
    let exceptions = match common::load_exceptions(
        args.gate.exceptions.as_deref(),
        &args.config.config,
        today,
    ) {
        Ok(e) => e,
        Err(code) => return code,
    };
    evidence.exceptions = exceptions.as_ref().map(|(_, digest)| digest.clone());
    let managed = mapping.managed_teams();
    let read_at = chrono::Utc::now();
    let read = match read_membership(global, &args, &mapping, &managed) {
        Ok(read) => read,
        Err(e) => {
            return common::source_error(
                e,
                "error: nothing was compared; the GitHub read failed (exit 3)",
            );
        }
    };
    let origin = match &args.snapshot {
        Some(path) => common::snapshot_origin(path, read.fetched_at),
        None => Origin::Api {
            url: args.github.api_url.clone(),
            read_at,
        },
    };
    evidence.add_source(System::Github, origin);
    let mut report = build_report(&config, &mapping, read, &managed, today);
    report.evidence = evidence;
    if let Some((exceptions, _)) = &exceptions {
        report.apply_exceptions(exceptions, &config);
    }

    if let Err(code) = common::print_report(global, &report) {
        return code;
    }
    append_step_summary(&report);

    if !report.complete {
        eprintln!(
            "error: {} of {} managed teams could not be read; the report is incomplete (exit 3)",
            report.errors.len(),
            managed.len()
        );
        exit::SOURCE
    } else if report.fails(args.gate.fail_on.severity()) {
        exit::FINDINGS
    } else {
        exit::OK
    }
}

/// Read the managed teams from the snapshot or the live API.
fn read_membership(
    global: &GlobalArgs,
    args: &DriftArgs,
    mapping: &Mapping,
    managed: &[String],
) -> Result<MembershipRead, SourceError> {
    if let Some(path) = &args.snapshot {
        let source = SnapshotSource::open(path, &path.display().to_string())?;
        tracing::info!(snapshot = %path.display(), fetched_at = ?source.read.fetched_at, "reading the snapshot");
        return source.select(&mapping.org, managed);
    }
    let progress = !global.quiet && std::io::stderr().is_terminal();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| SourceError::Api(format!("could not start the async runtime: {e}")))?;
    runtime.block_on(async {
        let source = LiveSource::connect(&args.github, &mapping.org, progress).await?;
        source.read_teams(&mapping.org, managed).await
    })
}

/// Policy findings plus membership findings, and the counts. Fails closed: a managed team the
/// source returned neither whole nor as an error is treated as unread.
pub fn build_report(
    config: &Config,
    mapping: &Mapping,
    mut read: MembershipRead,
    managed: &[String],
    today: chrono::NaiveDate,
) -> Report {
    for team in managed {
        let errored = read.errors.iter().any(|e| &e.team == team);
        if errored {
            read.teams.remove(team);
        } else if !read.teams.contains_key(team) {
            read.errors.push(TeamError {
                team: team.clone(),
                reason: format!("team {team} was not recorded by the membership source"),
            });
        }
    }
    read.errors.sort_by(|a, b| a.team.cmp(&b.team));

    let mut findings = crate::policy::check(config, mapping, today);
    findings.extend(crate::drift::membership_findings(
        config, mapping, &read, today,
    ));
    finding::sort(&mut findings);

    let read_whole: Vec<&String> = managed
        .iter()
        .filter(|t| read.teams.contains_key(*t))
        .collect();
    let members_read = read_whole
        .iter()
        .filter_map(|t| read.teams.get(*t))
        .map(|t| t.members.len())
        .sum();
    Report {
        command: Command::Drift,
        config_path: config.path.clone(),
        org: Some(mapping.org.clone()),
        complete: read.errors.is_empty(),
        errors: read
            .errors
            .iter()
            .map(|e| ReportError {
                team: Some(e.team.clone()),
                message: e.reason.clone(),
            })
            .collect(),
        findings,
        accepted: Vec::new(),
        unused_exceptions: Vec::new(),
        summary: Summary {
            people: config.people.len(),
            teams: Some(read_whole.len()),
            members_read: Some(members_read),
        },
        evidence: Evidence::new(today),
    }
}

/// When `$GITHUB_STEP_SUMMARY` names a file, append the Markdown report to it. A failure is
/// reported on stderr and does not change the exit code.
fn append_step_summary(report: &Report) {
    let Some(path) = std::env::var_os("GITHUB_STEP_SUMMARY").filter(|p| !p.is_empty()) else {
        return;
    };
    let mut md = Vec::new();
    if let Err(e) = report::render(report, Format::Markdown, Color::Never, &mut md) {
        eprintln!("warning: could not render the step summary: {e}");
        return;
    }
    let result = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        .and_then(|mut f| f.write_all(&md));
    if let Err(e) = result {
        eprintln!(
            "warning: could not append the report to $GITHUB_STEP_SUMMARY ({}): {e}",
            std::path::Path::new(&path).display()
        );
    }
}
