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
        ..
    } = match common::load_inputs(global, &args.config.config) {
        Ok(inputs) => inputs,
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
    let report = Report {
        command: Command::Check,
        config_path: config.path.clone(),
        org: None,
        complete: true,
        errors: Vec::new(),
        findings,
        summary: Summary {
            people: config.people.len(),
            teams: None,
            members_read: None,
        },
        fetched_at: None,
        systems: Vec::new(),
    };
    if let Err(code) = common::print_report(global, &report) {
        return code;
    }
    if report.findings.is_empty() {
        exit::OK
    } else {
        exit::FINDINGS
    }
}
