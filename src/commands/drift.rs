//! `access-reconciler drift`: policy findings plus the comparison of what the config expects with
//! what every selected system holds, read live or from `--snapshot`. Exit 0 when clean, 1 with
//! findings, 2 for invalid input (config, mapping, snapshot, org mismatch, `--system`), 3 when
//! something could not be read.

use std::io::{IsTerminal, Write};

use crate::access::System;
use crate::cli::{DriftArgs, GlobalArgs};
use crate::commands::common;
use crate::commands::live::Live;
use crate::engine;
use crate::exit;
use crate::finding;
use crate::report::{self, Color, Command, Format, Report};

pub fn run(global: &GlobalArgs, args: DriftArgs) -> u8 {
    let inputs = match common::load_inputs_with_summary(global, &args.config.config, true) {
        Ok(inputs) => inputs,
        Err(code) => return code,
    };
    let exceptions = match common::load_exceptions(
        args.gate.exceptions.as_deref(),
        &args.config.config,
        inputs.today,
    ) {
        Ok(e) => e,
        Err(code) => return code,
    };
    let (systems, adapters) =
        match common::select(&inputs.mapping, args.system.as_deref(), &inputs.aws()) {
            Ok(s) => s,
            Err(code) => return code,
        };
    let snapshot = match args.snapshot.as_deref().map(common::open_snapshot) {
        None => None,
        Some(Ok(s)) => Some(s),
        Some(Err(e)) => return common::fail(&e, "Nothing was compared."),
    };
    let runtime = match common::runtime() {
        Ok(rt) => rt,
        Err(code) => return code,
    };
    let progress = !global.quiet && std::io::stderr().is_terminal();
    let mut live = Live::new(&inputs.mapping, &args.github, progress);
    live.accounts = match common::account_sources(
        &inputs.mapping,
        &adapters,
        &args.accounts.options(&args.github),
        args.snapshot.is_some(),
    ) {
        Ok(a) => a,
        Err(e) => return common::fail(&e, "Nothing was compared."),
    };
    let read_at = chrono::Utc::now();
    let reads = runtime.block_on(common::read_systems(snapshot.as_ref(), &live, &adapters));
    // Only a usage error stops the run here (exit 2): a system whose API failed is unread.
    let reads = match reads {
        Ok(r) => r,
        Err(e) => return common::fail(&e, "Nothing was compared."),
    };
    let outcome = engine::evaluate(&inputs, &adapters, reads);
    let scopes: usize = adapters.iter().map(|a| a.scopes().len()).sum();
    let mut report = engine::report(
        Command::Drift,
        &inputs.config.path,
        &inputs,
        &adapters,
        outcome,
    );
    report
        .findings
        .extend(inputs.unknown_keys.iter().map(|u| u.finding()));
    if let Some(snapshot) = &snapshot {
        report.fetched_at = snapshot.fetched_at;
        report.findings.extend(common::snapshot_evidence(
            snapshot,
            inputs.today,
            args.max_age,
        ));
    }
    common::seal_sources(&mut report.evidence, read_at);
    let stale_exports = common::export_evidence(&report.evidence, inputs.today, args.max_age);
    report.findings.extend(stale_exports);
    finding::sort(&mut report.findings);
    if let Some((exceptions, digest)) = &exceptions {
        report.evidence.exceptions = Some(digest.clone());
        report.apply_exceptions(exceptions, &inputs.config);
    }

    if let Err(code) = common::print_report(global, &report) {
        return code;
    }
    append_step_summary(&report);

    if !report.complete {
        // A system that failed as a whole: its reason, which the report also lists.
        for e in report.errors.iter().filter(|e| e.resource.is_none()) {
            if let Some(system) = e.system {
                crate::errln!("error: {system} was not read: {}", e.message);
            }
        }
        if systems == [System::Github] && report.errors.iter().all(|e| e.resource.is_some()) {
            crate::errln!(
                "error: {} of {} managed teams could not be read; the report is incomplete (exit 3)",
                report.errors.len(),
                scopes
            );
        } else {
            let names: Vec<String> = report
                .errors
                .iter()
                .map(|e| match &e.resource {
                    Some(r) => format!("{} {r}", e.system.map_or("", |s| s.as_str())),
                    None => e.system.map_or("", |s| s.as_str()).to_owned(),
                })
                .collect();
            crate::errln!(
                "error: {} part(s) of the selected systems could not be read ({}); the report is incomplete (exit 3)",
                report.errors.len(),
                names.join(", ")
            );
        }
    }
    exit::of_report_failing_on(&report, args.gate.fail_on.severity())
}

/// When `$GITHUB_STEP_SUMMARY` names a file, append the Markdown report to it. A failure is
/// reported on stderr and does not change the exit code.
fn append_step_summary(report: &Report) {
    let Some(path) = std::env::var_os("GITHUB_STEP_SUMMARY").filter(|p| !p.is_empty()) else {
        return;
    };
    let mut md = Vec::new();
    if let Err(e) = report::render(report, Format::Markdown, Color::Never, &mut md) {
        crate::errln!("warning: could not render the step summary: {e}");
        return;
    }
    let result = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        .and_then(|mut f| f.write_all(&md));
    if let Err(e) = result {
        crate::errln!(
            "warning: could not append the report to $GITHUB_STEP_SUMMARY ({}): {e}",
            std::path::Path::new(&path).display()
        );
    }
}
