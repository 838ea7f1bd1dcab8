//! `access-reconciler check`: validate the config and check it against the production access
//! rules. Exit 0 when clean, 1 with findings, 2 when the config, mapping or flags are invalid.

use crate::cli::{CheckArgs, GlobalArgs};
use crate::commands::common;
use crate::exit;
use crate::finding;
use crate::policy;
use crate::report::{self, Command, Report, Summary};

pub fn run(global: &GlobalArgs, args: CheckArgs) -> u8 {
    let today = match common::today(global) {
        Ok(d) => d,
        Err(msg) => {
            eprintln!("error: {msg}");
            return exit::USAGE;
        }
    };
    let mapping = match common::load_mapping(global) {
        Ok(m) => m,
        Err(e) => return common::report_config_errors(&e),
    };
    let config = match common::load_config(&args.config.config, &mapping) {
        Ok(c) => c,
        Err(e) => return common::report_config_errors(&e),
    };
    let mut findings = policy::check(&config, &mapping, today);
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
    };
    let mut out = Vec::new();
    if let Err(e) = report::render(&report, global.format, common::color(global), &mut out) {
        eprintln!("error: could not render the report: {e}");
        return exit::USAGE;
    }
    common::write_stdout(&out);
    if report.findings.is_empty() {
        exit::OK
    } else {
        exit::FINDINGS
    }
}
