//! `access-reconciler roster`: who holds what, everywhere. The same inputs as `drift` (live or
//! `--snapshot`, `--system`, `--exceptions`, `--fail-on`) and the same exit codes: 0 no findings,
//! 1 findings, 2 invalid input, 3 something could not be read.

use std::io::IsTerminal;

use crate::cli::{GlobalArgs, RosterArgs};
use crate::commands::common;
use crate::engine;
use crate::exit;
use crate::report::Command;
use crate::roster::{self, Roster, SystemInput};

pub fn run(global: &GlobalArgs, args: RosterArgs) -> u8 {
    let inputs = match common::load_inputs(global, &args.config.config) {
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
    let (_, adapters) = match common::select(&inputs.mapping, args.system.as_deref()) {
        Ok(s) => s,
        Err(code) => return code,
    };
    let runtime = match common::runtime() {
        Ok(rt) => rt,
        Err(code) => return code,
    };
    let progress = !global.quiet && std::io::stderr().is_terminal();
    let read_at = chrono::Utc::now();
    let reads = runtime.block_on(common::read_systems(
        args.snapshot.as_deref(),
        &args.github,
        &inputs.mapping,
        &adapters,
        progress,
    ));
    let reads = match reads {
        Ok(r) => r,
        Err(e) => return common::fail(&e, "error: no roster was made; a read failed (exit 3)"),
    };
    let outcome = engine::evaluate(&inputs, &adapters, reads);
    let reads = outcome.reads.clone();
    let mut report = engine::report(
        Command::Drift,
        &inputs.config.path,
        &inputs,
        &adapters,
        outcome,
    );
    common::seal_sources(&mut report.evidence, read_at);
    if let Some((exceptions, digest)) = &exceptions {
        report.evidence.exceptions = Some(digest.clone());
        report.apply_exceptions(exceptions, &inputs.config);
    }
    let systems: Vec<SystemInput<'_>> = adapters
        .iter()
        .zip(&reads)
        .map(|(a, r)| SystemInput {
            adapter: a.as_ref(),
            read: r,
        })
        .collect();
    let rows = roster::build(
        &inputs.config,
        &inputs.mapping,
        &systems,
        &report.findings,
        &report.accepted,
    );
    let roster = Roster {
        config_path: inputs.config.path.clone(),
        systems: report.systems.clone(),
        rows,
        complete: report.complete,
        errors: report.errors.clone(),
        findings: report.findings.len(),
        accepted: report.accepted.len(),
        unused_exceptions: report.unused_exceptions.clone(),
        evidence: report.evidence.clone(),
    };
    let mut out = Vec::new();
    if let Err(e) = roster::render(&roster, global.format, common::color(global), &mut out) {
        eprintln!("error: could not render the roster: {e}");
        return exit::USAGE;
    }
    common::write_stdout(&out);
    if !report.complete {
        eprintln!(
            "error: {} part(s) could not be read; the roster is incomplete (exit 3)",
            report.errors.len()
        );
    }
    exit::of_report_failing_on(&report, args.gate.fail_on.severity())
}
