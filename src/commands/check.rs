//! `access-reconciler check`: validate the config and check it against the production access
//! rules. Exit 0 when clean, 1 with findings, 2 when the config, mapping or flags are invalid.

use crate::cli::{CheckArgs, GlobalArgs};
use crate::commands::common;
use crate::exit;
use crate::finding;
use crate::policy;
use crate::report::{Command, Report, Summary};

pub fn run(global: &GlobalArgs, args: CheckArgs) -> u8 {
    let common::Inputs {
        today,
        mapping,
        config,
        unknown_keys,
        mut evidence,
        ..
    } = match common::load_inputs(global, &args.config.config) {
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
    let mut findings = policy::check(&config, &mapping, today);
    findings.extend(unknown_keys.iter().map(|u| u.finding()));
    finding::sort(&mut findings);
    tracing::info!(
        people = config.people.len(),
        findings = findings.len(),
        "checked the config"
    );
    evidence.exceptions = exceptions.as_ref().map(|(_, digest)| digest.clone());
    let mut report = Report {
        command: Command::Check,
        config_path: config.path.clone(),
        org: None,
        complete: true,
        errors: Vec::new(),
        findings,
        accepted: Vec::new(),
        unused_exceptions: Vec::new(),
        summary: Summary {
            people: config.people.len(),
            teams: None,
            members_read: None,
        },
        fetched_at: None,
        evidence,
        systems: Vec::new(),
    };
    if let Some((exceptions, _)) = &exceptions {
        report.apply_exceptions(exceptions, &config);
    }
    if let Err(code) = common::print_report(global, &report) {
        return code;
    }
    if report.fails(args.gate.fail_on.severity()) {
        exit::FINDINGS
    } else {
        exit::OK
    }
}
