//! GitHub Actions workflow commands: one annotation per finding. Findings about declared people
//! annotate their config line; undeclared logins annotate line 1 of the config. High and medium
//! findings are errors, low are warnings, info are notices; unread teams are errors without a
//! file. A closing notice carries the summary line.

use std::io::Write;

use super::Report;
use super::text::{label, summary_line};
use crate::finding::Severity;

/// Escape a workflow-command message (data).
pub fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escape a workflow-command property value.
pub fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

/// GitHub shows at most 10 annotations of each level per step. The findings are sorted most
/// severe first, so the ones kept are the most severe; unread teams are always kept.
const PER_LEVEL: usize = 10;

pub fn render(report: &Report, out: &mut impl Write) -> std::io::Result<()> {
    let file = escape_property(&report.config_path);
    let mut left = [
        PER_LEVEL.saturating_sub(report.errors.len()),
        PER_LEVEL,
        // Room for the "more" notice and the closing summary.
        PER_LEVEL - 2,
    ];
    let mut dropped = 0usize;
    for f in &report.findings {
        let (level, slot) = match f.severity {
            Severity::High | Severity::Medium => ("error", 0),
            Severity::Low => ("warning", 1),
            Severity::Info => ("notice", 2),
        };
        if left[slot] == 0 {
            dropped += 1;
            continue;
        }
        left[slot] -= 1;
        let mut title = format!("{} ({})", label(f), f.severity.as_str());
        if let Some(place) = f.place(report.multi_system()) {
            title.push_str(&format!(" in {place}"));
        }
        let line = f.line.unwrap_or(1);
        let mut message = format!("{} Fix: {}", f.message, f.fix);
        if let Some(a) = &f.exception {
            message.push_str(&format!(" ({})", super::accepted::applied_line(a)));
        }
        writeln!(
            out,
            "::{level} file={file},line={line},title={}::{}",
            escape_property(&title),
            escape_data(&message)
        )?;
    }
    for e in &report.unused_exceptions {
        writeln!(
            out,
            "::notice file={},line={},title={}::{}",
            escape_property(&e.file),
            e.line,
            escape_property("unused exception"),
            escape_data(&format!(
                "This exception ({}) matches no finding; remove it.",
                super::accepted::exception_target(e)
            ))
        )?;
    }
    for e in &report.errors {
        let title = match (&e.team, e.place(report.multi_system())) {
            (Some(t), _) if !report.multi_system() => format!("team {t} not read"),
            (_, Some(place)) => format!("{place} not read"),
            (_, None) => "membership not read".to_owned(),
        };
        writeln!(
            out,
            "::error title={}::{}",
            escape_property(&title),
            escape_data(&e.message)
        )?;
    }
    if let Some(line) = super::text::fetched_line(report) {
        writeln!(out, "::notice title=evidence::{}", escape_data(&line))?;
    }
    if dropped > 0 {
        writeln!(
            out,
            "::notice title=more findings::{}",
            escape_data(&format!(
                "{dropped} more finding{} not shown as annotations (GitHub shows {PER_LEVEL} per level and step); the full report is in the job summary, or run with --format text or json",
                if dropped == 1 { " is" } else { "s are" }
            ))
        )?;
    }
    writeln!(
        out,
        "::notice title={}::{}",
        escape_property(&format!("access-reconciler {}", report.command.as_str())),
        escape_data(&summary_line(report))
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn undeclared_logins_annotate_line_1_and_levels_are_capped() {
        use crate::finding::{Finding, Kind};
        let f = |sev| Finding {
            github_username: Some("shadow".into()),
            ..Finding::new(Kind::UnexpectedMember, sev, "m")
        };
        let mut findings = vec![f(Severity::High); 12];
        findings.push(f(Severity::Low));
        let report = Report {
            command: super::super::Command::Drift,
            config_path: "c.yml".into(),
            org: None,
            complete: true,
            errors: vec![],
            findings,
            accepted: vec![],
            unused_exceptions: vec![],
            summary: Default::default(),
            fetched_at: None,
            evidence: Default::default(),
            systems: vec![],
        };
        let mut out = Vec::new();
        render(&report, &mut out).unwrap_or_default();
        let out = String::from_utf8_lossy(&out);
        assert!(out.starts_with("::error file=c.yml,line=1,"), "{out}");
        assert_eq!(out.matches("::error ").count(), 10, "{out}");
        assert_eq!(out.matches("::warning ").count(), 1, "{out}");
        assert!(out.contains("2 more findings are not shown"), "{out}");
    }

    #[test]
    fn escapes_per_the_actions_toolkit() {
        assert_eq!(escape_data("50%\nnext"), "50%25%0Anext");
        assert_eq!(escape_property("a:b,c"), "a%3Ab%2Cc");
    }
}
