//! `access-reconciler explain WHO`: one page about one person (a login, an email or a name, in
//! any letter case). The same inputs as `drift`. Exit 0 when they have no findings, 1 when they
//! have some, 2 when WHO is ambiguous or matches nobody (the candidates are listed) or the input
//! is invalid, 3 when a system could not be read whole.

use crate::cli::{ExplainArgs, GlobalArgs};
use crate::commands::common;
use crate::commands::roster::{Built, build};
use crate::exit;
use crate::explain::{self, Explanation, Found};
use crate::finding::Finding;
use crate::report::Format;

pub fn run(global: &GlobalArgs, args: ExplainArgs) -> u8 {
    let Built {
        inputs,
        report,
        roster,
    } = match build(global, &args.inputs) {
        Ok(b) => b,
        Err(code) => return code,
    };
    let config = &inputs.config;
    let (row, person) = match explain::find(&args.who, config, &roster.rows) {
        Found::Person(i) => {
            let p = &config.people[i];
            let row = roster
                .rows
                .iter()
                .find(|r| r.in_config && r.line == Some(p.pos.line))
                .cloned();
            (row, Some(p))
        }
        Found::Holder(i) => (roster.rows.get(i).cloned(), None),
        Found::Ambiguous(candidates) => {
            crate::errln!(
                "error: {:?} matches more than one person; name one of them by login or email:",
                args.who
            );
            for c in candidates {
                crate::errln!("  {c}");
            }
            return exit::USAGE;
        }
        Found::NotFound(candidates) => {
            crate::errln!(
                "error: nobody in {} or in the systems read matches {:?} (by login, email or name, in any letter case)",
                config.path,
                args.who
            );
            if !candidates.is_empty() {
                crate::errln!("  did you mean:");
                for c in candidates {
                    crate::errln!("  {c}");
                }
            }
            return exit::USAGE;
        }
    };
    let Some(row) = row else {
        crate::errln!("error: {:?} has no roster row (this is a bug)", args.who);
        return exit::USAGE;
    };
    let about = |f: &&Finding| {
        let login = matches!((&f.github_username, &row.github_username), (Some(a), Some(b)) if a.eq_ignore_ascii_case(b));
        let email = matches!((&f.email, &row.email), (Some(a), Some(b)) if a.trim().eq_ignore_ascii_case(b.trim()));
        let name = f.github_username.is_none()
            && f.email.is_none()
            && f.name.is_some()
            && f.name == row.name;
        f.in_config == row.in_config && (login || email || name)
    };
    let findings: Vec<Finding> = report.findings.iter().filter(about).cloned().collect();
    let accepted: Vec<Finding> = report.accepted.iter().filter(about).cloned().collect();
    let refs: Vec<&Finding> = findings.iter().chain(&accepted).collect();
    let page = Explanation {
        config_path: config.path.clone(),
        entry: person.map(explain::entry).unwrap_or_default(),
        rules: person
            .map(|p| explain::rules(p, &inputs.mapping, inputs.today, &refs))
            .unwrap_or_default(),
        row,
        systems: roster.systems.clone(),
        findings,
        accepted,
        complete: report.complete,
        evidence: report.evidence.clone(),
    };
    let mut out = Vec::new();
    let rendered = match global.format {
        Format::Json => serde_json::to_writer_pretty(&mut out, &explain::value(&page))
            .map_err(std::io::Error::other)
            .map(|()| out.push(b'\n')),
        Format::Markdown => explain::markdown(&page, &mut out),
        _ => explain::text(&page, &mut out, common::color(global)),
    };
    if let Err(e) = rendered {
        crate::errln!("error: could not render the page: {e}");
        return exit::USAGE;
    }
    common::write_stdout(&out);
    if !page.complete {
        crate::errln!("error: some systems were not read whole; the page is incomplete (exit 3)");
        exit::SOURCE
    } else if page
        .findings
        .iter()
        .any(|f| f.severity >= args.inputs.gate.fail_on.severity())
    {
        exit::FINDINGS
    } else {
        exit::OK
    }
}
