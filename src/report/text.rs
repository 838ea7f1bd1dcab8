//! The text report: grouped by severity, then by person, with a one-line summary at the end.
//! Coloured only when asked (`Color::Always`): the caller decides from --color, NO_COLOR and
//! whether stdout is a terminal.

use std::io::Write;

use super::group::{PersonGroup, by_person};
use super::{Color, Report};
use crate::finding::{Finding, Kind, Severity};

/// The text styling shared by the text reports of `check`, `drift` and `review`: ANSI
/// codes when `Color::Always`, the text unchanged otherwise.
pub struct Paint(pub Color);

impl Paint {
    fn wrap(&self, code: &str, s: &str) -> String {
        match self.0 {
            Color::Always => format!("\x1b[{code}m{s}\x1b[0m"),
            Color::Never => s.to_owned(),
        }
    }

    /// Coloured by severity: high red, medium yellow, low cyan, info blue (all bold).
    pub fn severity(&self, sev: Severity, s: &str) -> String {
        let code = match sev {
            Severity::High => "1;31",
            Severity::Medium => "1;33",
            Severity::Low => "1;36",
            Severity::Info => "1;34",
        };
        self.wrap(code, s)
    }

    pub fn bold(&self, s: &str) -> String {
        self.wrap("1", s)
    }

    pub fn dim(&self, s: &str) -> String {
        self.wrap("2", s)
    }
}

/// The finding's label: the rule code for policy findings, else the kind.
pub fn label(f: &Finding) -> &'static str {
    match f.kind {
        Kind::PolicyViolation(rule) => rule.code(),
        other => other.as_str(),
    }
}

pub fn render(report: &Report, out: &mut impl Write, color: Color) -> std::io::Result<()> {
    let p = Paint(color);
    let mut title = format!("access-reconciler {}", report.command.as_str());
    if let Some(org) = &report.org {
        title.push_str(&format!(": org {org}"));
    }
    writeln!(out, "{} ({})", p.bold(&title), report.config_path)?;

    // What could not be read comes first, as in Markdown: a reader must not miss it.
    if !report.errors.is_empty() {
        writeln!(out)?;
        writeln!(
            out,
            "{}",
            p.severity(
                Severity::High,
                if unread_are_teams(report) {
                    "NOT READ: the report is incomplete; these teams are not known to be clean"
                } else {
                    "NOT READ: the report is incomplete; these are not known to be clean"
                }
            )
        )?;
        for e in &report.errors {
            match e.place(report.multi_system()) {
                Some(place) => writeln!(out, "  {place}: {}", e.message)?,
                None => writeln!(out, "  {}", e.message)?,
            }
        }
    }

    let groups = by_person(&report.findings);
    for sev in [
        Severity::High,
        Severity::Medium,
        Severity::Low,
        Severity::Info,
    ] {
        let in_sev: Vec<&PersonGroup<'_>> = groups.iter().filter(|g| g.worst == sev).collect();
        if in_sev.is_empty() {
            continue;
        }
        writeln!(out)?;
        let heading = format!(
            "{} ({} {})",
            sev.as_str().to_uppercase(),
            in_sev.len(),
            if in_sev.len() == 1 {
                "person"
            } else {
                "people"
            }
        );
        writeln!(out, "{}", p.severity(sev, &heading))?;
        for group in in_sev {
            person(out, &p, report, group)?;
        }
    }

    super::accepted::write_text(
        out,
        &p,
        &report.accepted,
        &report.unused_exceptions,
        !report.complete,
    )?;

    writeln!(out)?;
    if let Some(line) = fetched_line(report) {
        writeln!(out, "{line}")?;
    }
    writeln!(out, "{}", p.bold(&summary_line(report)))?;
    report.evidence.write_text(out)
}

fn person(
    out: &mut impl Write,
    p: &Paint,
    report: &Report,
    group: &PersonGroup<'_>,
) -> std::io::Result<()> {
    let about_no_one = group.name.is_none() && group.login.is_none() && !group.in_config;
    // Only evidence findings are about no holder at all; a stray AWS role or account keeps
    // main's `(unknown) · not in the config` heading.
    let resource = group
        .findings
        .first()
        .filter(|f| f.kind == Kind::StaleEvidence)
        .and_then(|f| f.resource.as_deref());
    let mut head = match resource.filter(|_| about_no_one) {
        // Not about a person (stale_evidence): name what it is about.
        Some(what) => format!("  {}", p.bold(what)),
        None => format!("  {}", p.bold(&group.label())),
    };
    if about_no_one && resource.is_some() {
        // Nothing to add: it is not about a person in the config.
    } else if group.in_config {
        match group.declared_role {
            Some(role) => head.push_str(&format!(" · role {role}")),
            None => head.push_str(" · no role"),
        }
        if let Some(line) = group.line {
            head.push_str(&p.dim(&format!(" · {}:{line}", report.config_path)));
        }
    } else {
        head.push_str(" · not in the config");
    }
    writeln!(out, "{head}")?;
    if let Some((extra, missing)) = group.role_mismatch() {
        writeln!(
            out,
            "    {} in {} but missing from {}: GitHub does not match the declared role {}",
            p.bold("role mismatch:"),
            extra.join(", "),
            missing.join(", "),
            group.declared_role.unwrap_or("(none)")
        )?;
    }
    for f in &group.findings {
        let mut line = format!(
            "    {} {}",
            p.severity(f.severity, &format!("[{}]", f.severity.as_str())),
            label(f)
        );
        if let Some(place) = f.place(report.multi_system()) {
            line.push_str(&format!(" · {place}"));
        }
        if let Some(n) = f.line.filter(|&n| Some(n) != group.line) {
            line.push_str(&p.dim(&format!(" · line {n}")));
        }
        writeln!(out, "{line}")?;
        writeln!(out, "      {}", f.message)?;
        writeln!(out, "      {} {}", p.dim("fix:"), f.fix)?;
        if let Some(a) = &f.exception {
            writeln!(out, "      {}", super::accepted::applied_line(a))?;
        }
    }
    Ok(())
}

/// Whether the report is about GitHub alone (or no system: `check`), so v1's words fit.
pub fn github_only(report: &Report) -> bool {
    report
        .systems
        .iter()
        .all(|s| *s == crate::system::System::Github)
}

/// Whether everything not read is a GitHub team (v1's wording: "3 teams not read"), rather
/// than parts of several systems or a whole system ("1 part not read (github)").
pub fn unread_are_teams(report: &Report) -> bool {
    github_only(report) && report.errors.iter().all(|e| e.resource.is_some())
}

/// `1 person`, `2 people`.
pub fn count(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// The one-line summary (also used for the GitHub format's closing notice).
pub fn summary_line(report: &Report) -> String {
    let n = report.findings.len();
    // An incomplete run says so first: "No findings" must never lead when teams were not read.
    let mut s = String::new();
    if !report.complete {
        let unread: Vec<String> = report
            .errors
            .iter()
            .map(|e| {
                e.place(report.multi_system())
                    .unwrap_or_else(|| "(source)".to_owned())
            })
            .collect();
        let (one, many) = if unread_are_teams(report) {
            ("team", "teams")
        } else {
            ("part", "parts")
        };
        s.push_str(&format!(
            "INCOMPLETE: {} not read ({}); ",
            count(unread.len(), one, many),
            unread.join(", ")
        ));
    }
    if n == 0 {
        s.push_str(if report.complete {
            "No findings"
        } else {
            "no findings in the teams that were read"
        });
    } else {
        let mut by_sev = Vec::new();
        for sev in [
            Severity::High,
            Severity::Medium,
            Severity::Low,
            Severity::Info,
        ] {
            let c = report.findings.iter().filter(|f| f.severity == sev).count();
            if c > 0 {
                by_sev.push(format!("{c} {}", sev.as_str()));
            }
        }
        let people = by_person(&report.findings).len();
        s.push_str(&format!(
            "{} ({}) about {}",
            count(n, "finding", "findings"),
            by_sev.join(", "),
            count(people, "person", "people")
        ));
    }
    s.push_str(&format!(
        "; {} in the config",
        count(report.summary.people, "person", "people")
    ));
    if let Some(teams) = report.summary.teams {
        s.push_str(&format!(
            ", {} read ({})",
            count(teams, "team", "teams"),
            count(
                report.summary.members_read.unwrap_or(0),
                "member",
                "members"
            )
        ));
    }
    s.push_str(&super::accepted::summary_suffix(report.accepted.len()));
    s.push('.');
    s
}

/// "Membership as recorded at 2026-11-28T06:00:00Z (snapshot).", for a run from a snapshot.
pub fn fetched_line(report: &Report) -> Option<String> {
    report.fetched_at.map(|at| {
        format!(
            "Membership as recorded at {} (snapshot).",
            at.format("%Y-%m-%dT%H:%M:%SZ")
        )
    })
}
