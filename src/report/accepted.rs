//! The exception sections every report shares (check, drift, fix, review): the findings accepted
//! by an exception, with its reason; the findings whose exception has expired; and the exceptions
//! that matched nothing.

use std::io::Write;

use super::markdown::cell;
use super::text::{Paint, label};
use crate::exceptions::{Applied, Exception};
use crate::finding::{Finding, Severity};

/// Who a finding is about, for one line: `Name (login)`, `login`, `email` or `Name`.
fn who(f: &Finding) -> String {
    let id = f.github_username.as_deref().or(f.email.as_deref());
    match (&f.name, id) {
        (Some(n), Some(l)) => format!("{n} ({l})"),
        (Some(n), None) => n.clone(),
        (None, Some(l)) => l.to_owned(),
        (None, None) => "(unknown)".to_owned(),
    }
}

/// The resource of a finding (its team for v1 findings), with its system when it has one.
fn resource(f: &Finding) -> Option<String> {
    let res = f.resource.as_deref().or(f.team.as_deref())?;
    Some(match f.system {
        Some(sys) if sys != crate::access::System::Github => format!("{sys} {res}"),
        _ => res.to_owned(),
    })
}

/// `file:line`.
pub fn place(e: &Exception) -> String {
    format!("{}:{}", e.file, e.line)
}

/// One line about an exception attached to a finding.
pub fn applied_line(a: &Applied) -> String {
    let e = &a.exception;
    if a.expired {
        format!(
            "exception expired on {} (approved by {}: {}; {})",
            e.expires,
            e.approved_by,
            e.reason,
            place(e)
        )
    } else {
        format!(
            "accepted until {} by {}: {} ({})",
            e.expires,
            e.approved_by,
            e.reason,
            place(e)
        )
    }
}

/// What an exception names: `who · kind · system resource`.
pub fn exception_target(e: &Exception) -> String {
    let mut s = format!("{} · {}", e.who, e.kind);
    if let Some(sys) = e.system {
        s.push_str(&format!(" · {sys}"));
    }
    if let Some(r) = &e.resource {
        s.push_str(&format!(" · {r}"));
    }
    s
}

/// The text sections: accepted findings, then unused exceptions. Nothing when both are empty.
pub fn write_text(
    out: &mut impl Write,
    p: &Paint,
    accepted: &[Finding],
    unused: &[Exception],
    incomplete: bool,
) -> std::io::Result<()> {
    if !accepted.is_empty() {
        writeln!(out)?;
        writeln!(
            out,
            "{}",
            p.bold(&format!(
                "ACCEPTED ({}: not counted, until the exception expires)",
                super::text::count(accepted.len(), "finding", "findings")
            ))
        )?;
        for f in accepted {
            let mut head = format!("  {} · {}", p.bold(&who(f)), label(f));
            if let Some(r) = resource(f) {
                head.push_str(&format!(" · {r}"));
            }
            head.push_str(&format!(" [{}]", f.severity.as_str()));
            writeln!(out, "{head}")?;
            if let Some(a) = &f.exception {
                writeln!(out, "    {}", applied_line(a))?;
            }
        }
    }
    if !unused.is_empty() {
        writeln!(out)?;
        let what = if incomplete {
            "they match no finding in what was read"
        } else {
            "they match no finding: remove them"
        };
        writeln!(
            out,
            "{}",
            p.bold(&format!("UNUSED EXCEPTIONS ({}; {what})", unused.len()))
        )?;
        for e in unused {
            writeln!(
                out,
                "  {} · expires {} · {}",
                exception_target(e),
                e.expires,
                p.dim(&place(e))
            )?;
        }
    }
    Ok(())
}

/// The Markdown sections: accepted findings, expired exceptions, unused exceptions.
pub fn write_markdown(
    out: &mut impl Write,
    findings: &[&Finding],
    accepted: &[Finding],
    unused: &[Exception],
    incomplete: bool,
) -> std::io::Result<()> {
    let code = |s: &str| {
        format!(
            "`{}`",
            s.replace(['`', '\n', '\r'], "'").replace('|', "\\|")
        )
    };
    if !accepted.is_empty() {
        writeln!(out, "### Accepted by exception ({})", accepted.len())?;
        writeln!(out)?;
        writeln!(
            out,
            "Known deviations an approver accepted; they do not count until the exception expires."
        )?;
        writeln!(out)?;
        writeln!(
            out,
            "| Who | Finding | Resource | Severity | Reason | Approved by | Expires | Exception |"
        )?;
        writeln!(out, "|---|---|---|---|---|---|---|---|")?;
        for f in accepted {
            let Some(a) = &f.exception else { continue };
            let e = &a.exception;
            writeln!(
                out,
                "| {} | {} | {} | {} | {} | {} | {} | {} |",
                cell(&who(f)),
                code(label(f)),
                resource(f).map(|r| code(&r)).unwrap_or_default(),
                f.severity.as_str(),
                cell(&e.reason),
                cell(&e.approved_by),
                e.expires,
                code(&place(e)),
            )?;
        }
        writeln!(out)?;
    }
    let expired: Vec<&&Finding> = findings
        .iter()
        .filter(|f| f.exception.as_ref().is_some_and(|a| a.expired))
        .collect();
    if !expired.is_empty() {
        writeln!(out, "### Expired exceptions ({})", expired.len())?;
        writeln!(out)?;
        writeln!(
            out,
            "These findings were accepted until the date shown and count again (they are listed above too)."
        )?;
        writeln!(out)?;
        writeln!(
            out,
            "| Who | Finding | Resource | Expired on | Approved by | Reason | Exception |"
        )?;
        writeln!(out, "|---|---|---|---|---|---|---|")?;
        for f in expired {
            let Some(a) = &f.exception else { continue };
            let e = &a.exception;
            writeln!(
                out,
                "| {} | {} | {} | {} | {} | {} | {} |",
                cell(&who(f)),
                code(label(f)),
                resource(f).map(|r| code(&r)).unwrap_or_default(),
                e.expires,
                cell(&e.approved_by),
                cell(&e.reason),
                code(&place(e)),
            )?;
        }
        writeln!(out)?;
    }
    if !unused.is_empty() {
        writeln!(out, "### Unused exceptions ({})", unused.len())?;
        writeln!(out)?;
        writeln!(
            out,
            "{}",
            if incomplete {
                "These exceptions match no finding in what was read (some sources were not read whole)."
            } else {
                "These exceptions match no finding: remove them from the file."
            }
        )?;
        writeln!(out)?;
        writeln!(
            out,
            "| Who | Kind | System | Resource | Expires | Approved by | Exception |"
        )?;
        writeln!(out, "|---|---|---|---|---|---|---|")?;
        for e in unused {
            writeln!(
                out,
                "| {} | {} | {} | {} | {} | {} | {} |",
                code(&e.who),
                code(&e.kind),
                e.system.map(|s| code(s.as_str())).unwrap_or_default(),
                e.resource.as_deref().map(code).unwrap_or_default(),
                e.expires,
                cell(&e.approved_by),
                code(&place(e)),
            )?;
        }
        writeln!(out)?;
    }
    Ok(())
}

/// `; 2 accepted by exception` for summary lines, empty when none.
pub fn summary_suffix(accepted: usize) -> String {
    if accepted == 0 {
        String::new()
    } else {
        format!("; {accepted} accepted by exception")
    }
}

/// Whether any finding at or above `fail_on` remains (accepted ones are not in `findings`).
pub fn fails(findings: &[Finding], fail_on: Severity) -> bool {
    findings.iter().any(|f| f.severity >= fail_on)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::Kind;

    #[test]
    fn fail_on_counts_findings_at_or_above_the_threshold() {
        let f = |sev| Finding::new(Kind::Missing, sev, "m");
        let findings = vec![f(Severity::Medium), f(Severity::Info)];
        assert!(fails(&findings, Severity::Info));
        assert!(fails(&findings, Severity::Medium));
        assert!(!fails(&findings, Severity::High));
        assert!(!fails(&[], Severity::Info));
    }
}
