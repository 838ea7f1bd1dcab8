//! The roster as text: one block per row (the person, their declaration, then one line per
//! system), the unread parts, and the summary and evidence.

use std::io::Write;

use super::{Roster, Row, Status};
use crate::report::Color;
use crate::report::text::{Paint, count};

fn yes_no(b: Option<bool>) -> &'static str {
    match b {
        Some(true) => "yes",
        Some(false) => "no",
        None => "-",
    }
}

/// The declaration of a config row, on one line.
pub fn declaration(r: &Row) -> String {
    let mut parts = Vec::new();
    match (&r.role, r.level) {
        (Some(role), Some(level)) => parts.push(format!("role {role} ({level})")),
        (Some(role), None) => parts.push(format!("role {role}")),
        _ => parts.push("no role".to_owned()),
    }
    parts.push(format!("clearance {}", r.security_clearance.unwrap_or("-")));
    parts.push(format!("probation passed {}", yes_no(r.probation_passed)));
    parts.push(format!("sponsor {}", r.sponsor.as_deref().unwrap_or("-")));
    parts.push(format!(
        "checklist reviewed by {}",
        r.admin_checklist_reviewed_by.as_deref().unwrap_or("-")
    ));
    if let Some(d) = r.absent_since {
        parts.push(format!("absent since {d}"));
    }
    parts.join(" · ")
}

fn paint_status(p: &Paint, s: Status) -> String {
    use crate::finding::Severity;
    let text = format!("{:<8}", s.mark());
    match s {
        Status::Ok | Status::None => text,
        Status::Pending => p.severity(Severity::Info, &text),
        Status::Missing => p.severity(Severity::Medium, &text),
        Status::Excess | Status::Mismatch | Status::Unread => p.severity(Severity::High, &text),
    }
}

pub fn render(roster: &Roster, out: &mut impl Write, color: Color) -> std::io::Result<()> {
    let p = Paint(color);
    let width = roster
        .systems
        .iter()
        .map(|s| s.as_str().len())
        .max()
        .unwrap_or(6);
    writeln!(
        out,
        "{} ({})",
        p.bold("access-reconciler roster"),
        roster.config_path
    )?;
    for r in &roster.rows {
        writeln!(out)?;
        let mut head = p.bold(&r.label());
        if r.in_config {
            if let Some(line) = r.line {
                head.push_str(&p.dim(&format!(" · {}:{line}", roster.config_path)));
            }
        } else if r.ignored {
            head.push_str(" · not in the config (ignored by the mapping)");
        } else {
            head.push_str(" · not in the config");
        }
        head.push_str(&format!(" · {}", count(r.findings, "finding", "findings")));
        if r.accepted > 0 {
            head.push_str(&format!(" ({} accepted)", r.accepted));
        }
        writeln!(out, "{head}")?;
        if r.in_config {
            writeln!(out, "  {}", declaration(r))?;
        }
        for (sys, c) in roster.systems.iter().zip(&r.cells) {
            let mut line = format!("  {:<width$} {}", sys.as_str(), paint_status(&p, c.status));
            let held = c.held_text();
            line.push_str(&format!(
                " holds {}",
                if held.is_empty() { "nothing" } else { &held }
            ));
            let missing: Vec<&str> = c
                .expected
                .iter()
                .filter(|e| !c.held.iter().any(|h| h.resource.eq_ignore_ascii_case(e)))
                .map(String::as_str)
                .collect();
            if !missing.is_empty() {
                line.push_str(&format!("; granted, not held: {}", missing.join(", ")));
            }
            writeln!(out, "{}", line.trim_end())?;
        }
    }
    if !roster.errors.is_empty() {
        writeln!(out)?;
        writeln!(
            out,
            "{}",
            p.severity(
                crate::finding::Severity::High,
                "NOT READ: the roster is incomplete; these parts are not known"
            )
        )?;
        for e in &roster.errors {
            let what = match (e.system, &e.resource) {
                (Some(s), Some(r)) => format!("{s} {r}"),
                (Some(s), None) => s.to_string(),
                (None, Some(r)) => r.clone(),
                (None, None) => "(source)".to_owned(),
            };
            writeln!(out, "  {what}: {}", e.message)?;
        }
    }
    crate::report::accepted::write_text(out, &p, &[], &roster.unused_exceptions, !roster.complete)?;
    writeln!(out)?;
    writeln!(out, "{}", p.bold(&summary_line(roster)))?;
    roster.evidence.write_text(out)
}

/// `34 people in the config, 3 holders not in it; 4 systems; 25 findings (2 accepted).`
pub fn summary_line(roster: &Roster) -> String {
    let people = roster.people();
    let strangers = roster.rows.len() - people;
    let mut s = String::new();
    if !roster.complete {
        s.push_str(&format!(
            "INCOMPLETE: {} not read; ",
            count(roster.errors.len(), "part", "parts")
        ));
    }
    s.push_str(&format!(
        "{} in the config, {} not in it; {}: {}; {}",
        count(people, "person", "people"),
        count(strangers, "holder", "holders"),
        count(roster.systems.len(), "system", "systems"),
        roster
            .systems
            .iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join(", "),
        count(roster.findings, "finding", "findings"),
    ));
    if roster.accepted > 0 {
        s.push_str(&format!(" ({} accepted by exception)", roster.accepted));
    }
    s.push('.');
    s
}
