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

pub fn render(report: &Report, out: &mut impl Write) -> std::io::Result<()> {
    let file = escape_property(&report.config_path);
    for f in &report.findings {
        let level = match f.severity {
            Severity::High | Severity::Medium => "error",
            Severity::Low => "warning",
            Severity::Info => "notice",
        };
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
    fn escapes_per_the_actions_toolkit() {
        assert_eq!(escape_data("50%\nnext"), "50%25%0Anext");
        assert_eq!(escape_property("a:b,c"), "a%3Ab%2Cc");
    }
}
