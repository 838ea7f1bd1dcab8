//! The roster as one self-contained HTML page, for an auditor or a tech lead: no network, no
//! script, no external asset (the CSS is inline). A colour-coded matrix of people x systems with
//! a legend; every cell also says its status in words, so the page reads in black and white and
//! on paper (`@media print`: landscape, colours kept, the filter hidden). A checkbox filters the
//! matrix to the rows that need attention, with CSS alone.
//!
//! The markup is well-formed XML as well as HTML (every element closed, attributes quoted, only
//! the five XML escapes and numeric references), so a test can parse it with an XML parser.

use std::io::Write;

use super::{Roster, Row, Status};

/// Escape text or an attribute value.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            // Control characters cannot appear in XML 1.0; show them as escapes.
            c if c.is_control() && c != '\n' && c != '\t' => {
                out.push_str(&crate::report::visible(&c.to_string()))
            }
            c => out.push(c),
        }
    }
    out
}

/// The CSS class of a status.
fn class(s: Status) -> &'static str {
    s.as_str()
}

const CSS: &str = r#"
:root { --ok: #d9f2d9; --none: #ffffff; --pending: #dde8fb; --missing: #ffe3b3; --excess: #f8c4c4; --mismatch: #f19c9c; --unread: #d4d4d4; }
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; font-size: 13px; margin: 1.5em; color: #111; }
h1 { font-size: 1.4em; margin: 0 0 0.3em 0; }
h2 { font-size: 1.1em; margin: 1.4em 0 0.4em 0; }
p.summary { font-weight: 600; }
table { border-collapse: collapse; }
th, td { border: 1px solid #999; padding: 3px 6px; vertical-align: top; text-align: left; }
thead th { background: #eee; position: sticky; top: 0; }
td.ok { background: var(--ok); }
td.none { background: var(--none); color: #777; }
td.pending { background: var(--pending); }
td.missing { background: var(--missing); }
td.excess { background: var(--excess); }
td.mismatch { background: var(--mismatch); font-weight: 600; }
td.unread { background: var(--unread); font-style: italic; }
td .mark { font-weight: 700; display: block; }
td .res { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: 0.92em; }
tr.stranger td.person { font-style: italic; }
.legend td.swatch { width: 7em; }
.warn { border: 2px solid #b00; padding: 0.5em 0.8em; background: #fff2f2; }
#only-attention:checked ~ table.matrix tbody tr.clean { display: none; }
label.filter { display: inline-block; margin: 0.6em 0; }
footer { margin-top: 2em; font-size: 0.9em; color: #333; }
footer code { font-size: 0.95em; }
@page { size: landscape; margin: 1cm; }
@media print {
  body { margin: 0; font-size: 10px; }
  #only-attention, label.filter { display: none; }
  thead th { position: static; }
  td, th { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  tr { break-inside: avoid; }
}
"#;

fn person_cells(out: &mut impl Write, r: &Row) -> std::io::Result<()> {
    let person = match (&r.name, r.ignored) {
        (Some(n), _) => esc(n),
        (None, true) => "(not in the config; ignored by the mapping)".to_owned(),
        (None, false) => "(not in the config)".to_owned(),
    };
    let yes_no = |b: Option<bool>| match b {
        Some(true) => "passed",
        Some(false) => "not passed",
        None => "",
    };
    let role = match (&r.role, r.level) {
        (Some(role), Some(level)) => format!("{} ({level})", esc(role)),
        (Some(role), None) => esc(role),
        _ => String::new(),
    };
    write!(
        out,
        "<td class=\"person\">{person}</td><td>{}</td><td>{}</td><td>{role}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>",
        esc(r.github_username.as_deref().unwrap_or_default()),
        esc(r.email.as_deref().unwrap_or_default()),
        r.security_clearance.unwrap_or_default(),
        yes_no(r.probation_passed),
        esc(r.sponsor.as_deref().unwrap_or_default()),
        esc(r.admin_checklist_reviewed_by.as_deref().unwrap_or_default()),
        r.absent_since.map(|d| d.to_string()).unwrap_or_default(),
    )
}

pub fn render(roster: &Roster, out: &mut impl Write) -> std::io::Result<()> {
    writeln!(out, "<!DOCTYPE html>")?;
    writeln!(out, "<html lang=\"en\">")?;
    writeln!(out, "<head>")?;
    writeln!(out, "<meta charset=\"utf-8\"/>")?;
    writeln!(
        out,
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>"
    )?;
    writeln!(
        out,
        "<title>Production access roster: {} ({})</title>",
        esc(&roster.config_path),
        roster.evidence.today
    )?;
    writeln!(out, "<style>{CSS}</style>")?;
    writeln!(out, "</head>")?;
    writeln!(out, "<body>")?;
    writeln!(out, "<h1>Production access roster</h1>")?;
    writeln!(
        out,
        "<p>Who holds what, in every system read, against <code>{}</code>, at {}.</p>",
        esc(&roster.config_path),
        roster.evidence.today
    )?;
    writeln!(
        out,
        "<p class=\"summary\">{}</p>",
        esc(&super::text::summary_line(roster))
    )?;
    if !roster.complete {
        writeln!(
            out,
            "<div class=\"warn\"><p><strong>Incomplete:</strong> these parts were not read whole; what they hold is unknown and never shown as clean.</p><ul>"
        )?;
        for e in &roster.errors {
            let what = match (e.system, &e.resource) {
                (Some(s), Some(r)) => format!("{s} {r}"),
                (Some(s), None) => s.to_string(),
                _ => "(source)".to_owned(),
            };
            writeln!(
                out,
                "<li><strong>{}</strong>: {}</li>",
                esc(&what),
                esc(&e.message)
            )?;
        }
        writeln!(out, "</ul></div>")?;
    }

    writeln!(out, "<h2>Legend</h2>")?;
    writeln!(out, "<table class=\"legend\"><tbody>")?;
    for s in Status::ALL {
        writeln!(
            out,
            "<tr><td class=\"swatch {}\"><span class=\"mark\">{}</span></td><td>{}</td></tr>",
            class(s),
            s.mark(),
            esc(s.meaning())
        )?;
    }
    writeln!(out, "</tbody></table>")?;

    writeln!(out, "<h2>People and systems</h2>")?;
    writeln!(out, "<main>")?;
    writeln!(out, "<input type=\"checkbox\" id=\"only-attention\"/>")?;
    writeln!(
        out,
        "<label class=\"filter\" for=\"only-attention\">Show only the rows that need attention (findings, or a system that does not match)</label>"
    )?;
    writeln!(out, "<table class=\"matrix\">")?;
    write!(
        out,
        "<thead><tr><th>Person</th><th>Login</th><th>Email</th><th>Role (level)</th><th>Clearance</th><th>Probation</th><th>Sponsor</th><th>Checklist reviewer</th><th>Absent since</th>"
    )?;
    for s in &roster.systems {
        write!(out, "<th>{}</th>", s.as_str())?;
    }
    writeln!(out, "<th>Findings</th></tr></thead>")?;
    writeln!(out, "<tbody>")?;
    for r in &roster.rows {
        let attention = r.findings > 0
            || r.cells
                .iter()
                .any(|c| !matches!(c.status, Status::Ok | Status::None));
        let mut classes = vec![if attention { "attention" } else { "clean" }];
        if !r.in_config {
            classes.push("stranger");
        }
        write!(out, "<tr class=\"{}\">", classes.join(" "))?;
        person_cells(out, r)?;
        for c in &r.cells {
            let granted = if c.expected.is_empty() {
                "granted: nothing".to_owned()
            } else {
                format!("granted: {}", c.expected.join(", "))
            };
            write!(
                out,
                "<td class=\"{}\" title=\"{}\"><span class=\"mark\">{}</span>",
                class(c.status),
                esc(&granted),
                c.status.mark()
            )?;
            let held = c.held_text();
            if !held.is_empty() {
                write!(out, "<span class=\"res\">{}</span>", esc(&held))?;
            }
            write!(out, "</td>")?;
        }
        let findings = if r.accepted > 0 {
            format!("{} (+{} accepted)", r.findings, r.accepted)
        } else {
            r.findings.to_string()
        };
        writeln!(out, "<td>{findings}</td></tr>")?;
    }
    writeln!(out, "</tbody>")?;
    writeln!(out, "</table>")?;
    writeln!(out, "</main>")?;

    if !roster.unused_exceptions.is_empty() {
        writeln!(out, "<h2>Unused exceptions</h2>")?;
        writeln!(
            out,
            "<p>These exceptions match no finding: remove them.</p><ul>"
        )?;
        for e in &roster.unused_exceptions {
            writeln!(
                out,
                "<li>{} (expires {}; {})</li>",
                esc(&crate::report::accepted::exception_target(e)),
                e.expires,
                esc(&crate::report::accepted::place(e))
            )?;
        }
        writeln!(out, "</ul>")?;
    }

    writeln!(out, "<footer>")?;
    writeln!(out, "<h2>Evidence</h2>")?;
    writeln!(out, "<ul>")?;
    for line in roster.evidence.text_lines() {
        writeln!(out, "<li><code>{}</code></li>", esc(line.trim()))?;
    }
    writeln!(out, "</ul>")?;
    writeln!(out, "</footer>")?;
    writeln!(out, "</body>")?;
    writeln!(out, "</html>")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_quotes() {
        assert_eq!(
            esc("<a href='x'>&\"</a>"),
            "&lt;a href=&#39;x&#39;&gt;&amp;&quot;&lt;/a&gt;"
        );
        assert_eq!(esc("bell\u{7}"), "bell\\u{7}");
    }
}
