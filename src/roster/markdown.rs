//! The roster as Markdown: a legend, one table of people x systems, the unread parts, and the
//! evidence.

use std::io::Write;

use super::{Roster, Status};
use crate::report::markdown::cell;

fn code(s: &str) -> String {
    format!(
        "`{}`",
        s.replace(['`', '\n', '\r'], "'").replace('|', "\\|")
    )
}

/// The emoji of a status, paired with its word so the table reads without colour.
pub fn badge(s: Status) -> &'static str {
    match s {
        Status::Ok => "✅ ok",
        Status::None => "—",
        Status::Pending => "🕓 pending",
        Status::Missing => "🟠 missing",
        Status::Excess => "🔴 excess",
        Status::Mismatch => "🔴 mismatch",
        Status::Unread => "⚫ unread",
    }
}

pub fn render(roster: &Roster, out: &mut impl Write) -> std::io::Result<()> {
    writeln!(out, "## access-reconciler roster")?;
    writeln!(out)?;
    writeln!(out, "**{}**", cell(&super::text::summary_line(roster)))?;
    writeln!(out)?;
    if !roster.complete {
        writeln!(
            out,
            "**Incomplete:** these parts were not read; what they hold is unknown:"
        )?;
        writeln!(out)?;
        for e in &roster.errors {
            let what = match (e.system, &e.resource) {
                (Some(s), Some(r)) => format!("{s} {r}"),
                (Some(s), None) => s.to_string(),
                _ => "(source)".to_owned(),
            };
            writeln!(out, "- {}: {}", code(&what), cell(&e.message))?;
        }
        writeln!(out)?;
    }
    write!(out, "Legend:")?;
    for s in Status::ALL {
        write!(out, " {}: {};", badge(s), s.meaning())?;
    }
    writeln!(out)?;
    writeln!(out)?;
    let mut header = vec![
        "Person".to_owned(),
        "Login".to_owned(),
        "Email".to_owned(),
        "Role (level)".to_owned(),
        "Clearance".to_owned(),
        "Probation".to_owned(),
        "Sponsor".to_owned(),
        "Checklist reviewer".to_owned(),
        "Absent since".to_owned(),
    ];
    header.extend(roster.systems.iter().map(|s| s.as_str().to_owned()));
    header.push("Findings".to_owned());
    writeln!(out, "| {} |", header.join(" | "))?;
    writeln!(
        out,
        "|{}",
        header.iter().map(|_| "---|").collect::<String>()
    )?;
    for r in &roster.rows {
        let person = match (&r.name, r.in_config, r.ignored) {
            (Some(n), _, _) => cell(n),
            (None, _, true) => "_not in the config (ignored)_".to_owned(),
            (None, _, false) => "_not in the config_".to_owned(),
        };
        let mut row = vec![
            person,
            r.github_username.as_deref().map(code).unwrap_or_default(),
            r.email.as_deref().map(code).unwrap_or_default(),
            match (&r.role, r.level) {
                (Some(role), Some(level)) => format!("{} ({level})", code(role)),
                (Some(role), None) => code(role),
                _ => String::new(),
            },
            r.security_clearance.unwrap_or_default().to_owned(),
            match r.probation_passed {
                Some(true) => "passed".to_owned(),
                Some(false) => "not passed".to_owned(),
                None => String::new(),
            },
            r.sponsor.as_deref().map(cell).unwrap_or_default(),
            r.admin_checklist_reviewed_by
                .as_deref()
                .map(cell)
                .unwrap_or_default(),
            r.absent_since.map(|d| d.to_string()).unwrap_or_default(),
        ];
        for c in &r.cells {
            let held = c.held_text();
            row.push(if held.is_empty() {
                badge(c.status).to_owned()
            } else {
                format!("{}: {}", badge(c.status), code(&held))
            });
        }
        row.push(if r.accepted > 0 {
            format!("{} (+{} accepted)", r.findings, r.accepted)
        } else {
            r.findings.to_string()
        });
        writeln!(out, "| {} |", row.join(" | "))?;
    }
    writeln!(out)?;
    crate::report::accepted::write_markdown(
        out,
        &[],
        &[],
        &roster.unused_exceptions,
        !roster.complete,
    )?;
    roster.evidence.write_markdown(out)
}
