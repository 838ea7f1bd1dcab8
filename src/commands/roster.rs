//! `access-reconciler roster`: who holds what, everywhere. The same inputs as `drift` (live or
//! `--snapshot`, `--system`, `--exceptions`, `--fail-on`) and the same exit codes: 0 no findings,
//! 1 findings, 2 invalid input, 3 something could not be read.

use std::io::IsTerminal;

use crate::cli::{GlobalArgs, RosterArgs};
use crate::commands::common;
use crate::commands::live::Live;
use crate::engine;
use crate::exit;
use crate::report::{Command, Report};
use crate::roster::{self, Roster, SystemInput};

/// A run of the drift pipeline and its roster: what `roster` prints and `explain` reads.
pub struct Built {
    pub inputs: engine::Inputs,
    pub report: Report,
    pub roster: Roster,
}

pub fn run(global: &GlobalArgs, args: RosterArgs) -> u8 {
    let built = match build(global, &args) {
        Ok(b) => b,
        Err(code) => return code,
    };
    let mut out = Vec::new();
    if let Err(e) = roster::render(
        &built.roster,
        global.format,
        common::color(global),
        &mut out,
    ) {
        crate::errln!("error: could not render the roster: {e}");
        return exit::USAGE;
    }
    common::write_stdout(&out);
    if !built.report.complete {
        crate::errln!(
            "error: {} part(s) could not be read; the roster is incomplete (exit 3)",
            built.report.errors.len()
        );
    }
    exit::of_report_failing_on(&built.report, args.gate.fail_on.severity())
}

/// Load the inputs, read the systems, evaluate, apply the exceptions, and build the roster.
/// Errors are reported on stderr; `Err` holds the exit code.
pub fn build(global: &GlobalArgs, args: &RosterArgs) -> Result<Built, u8> {
    let inputs = common::load_inputs(global, &args.config.config)?;
    let exceptions = common::load_exceptions(
        args.gate.exceptions.as_deref(),
        &args.config.config,
        inputs.today,
    )?;
    let (_, adapters) = common::select(&inputs.mapping, args.system.as_deref(), &inputs.aws())?;
    let runtime = common::runtime()?;
    let progress = !global.quiet && std::io::stderr().is_terminal();
    let mut live = Live::new(&inputs.mapping, &args.github, progress);
    live.accounts = common::account_sources(
        &inputs.mapping,
        &adapters,
        &args.accounts.options(&args.github),
        args.snapshot.is_some(),
    )
    .map_err(|e| common::fail(&e, "Nothing was reported."))?;
    let snapshot = args
        .snapshot
        .as_deref()
        .map(common::open_snapshot)
        .transpose()
        .map_err(|e| common::fail(&e, "Nothing was reported."))?;
    let read_at = chrono::Utc::now();
    let reads = runtime
        .block_on(common::read_systems(snapshot.as_ref(), &live, &adapters))
        .map_err(|e| common::fail(&e, "Nothing was reported."))?;
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
    Ok(Built {
        inputs,
        report,
        roster,
    })
}
