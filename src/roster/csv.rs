//! The roster as CSV (RFC 4180): one header row, then one row per person; CRLF line ends; a
//! field is quoted when it holds a comma, a quote or a line break. The columns are stable: the
//! person's fields, then three per system (held, granted, status), then the counts.
//!
//! A field that a spreadsheet would run as a formula (starting with `=`, `+`, `-`, `@`, a tab or
//! a carriage return) is written with a leading `'`, as OWASP advises for CSV exports.

use std::io::Write;

use super::Roster;

/// The columns before the per-system ones.
pub const PERSON_COLUMNS: [&str; 12] = [
    "name",
    "github_username",
    "email",
    "in_config",
    "config_line",
    "role",
    "level",
    "security_clearance",
    "probation_passed",
    "sponsor",
    "admin_checklist_reviewed_by",
    "absent_since",
];

/// One field, quoted and neutralised as needed.
pub fn field(s: &str) -> String {
    let s = if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{s}")
    } else {
        s.to_owned()
    };
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s
    }
}

/// Write one record with CRLF.
pub fn record<S: AsRef<str>>(out: &mut impl Write, fields: &[S]) -> std::io::Result<()> {
    let line: Vec<String> = fields.iter().map(|f| field(f.as_ref())).collect();
    write!(out, "{}\r\n", line.join(","))
}

pub fn render(roster: &Roster, out: &mut impl Write) -> std::io::Result<()> {
    let mut header: Vec<String> = PERSON_COLUMNS.iter().map(|s| (*s).to_owned()).collect();
    for s in &roster.systems {
        header.push(format!("{s}_held"));
        header.push(format!("{s}_granted"));
        header.push(format!("{s}_status"));
    }
    header.extend([
        "findings".to_owned(),
        "accepted".to_owned(),
        "ignored".to_owned(),
    ]);
    record(out, &header)?;
    let b = |v: bool| if v { "true" } else { "false" }.to_owned();
    for r in &roster.rows {
        let mut row = vec![
            r.name.clone().unwrap_or_default(),
            r.github_username.clone().unwrap_or_default(),
            r.email.clone().unwrap_or_default(),
            b(r.in_config),
            r.line.map(|l| l.to_string()).unwrap_or_default(),
            r.role.clone().unwrap_or_default(),
            r.level.unwrap_or_default().to_owned(),
            r.security_clearance.unwrap_or_default().to_owned(),
            r.probation_passed.map(b).unwrap_or_default(),
            r.sponsor.clone().unwrap_or_default(),
            r.admin_checklist_reviewed_by.clone().unwrap_or_default(),
            r.absent_since.map(|d| d.to_string()).unwrap_or_default(),
        ];
        for c in &r.cells {
            // Resources are joined with "; " so one cell lists them all.
            row.push(
                c.held
                    .iter()
                    .map(|h| {
                        if h.pending {
                            format!("{} (pending)", h.resource)
                        } else {
                            h.resource.clone()
                        }
                    })
                    .collect::<Vec<_>>()
                    .join("; "),
            );
            row.push(c.expected.join("; "));
            row.push(c.status.as_str().to_owned());
        }
        row.push(r.findings.to_string());
        row.push(r.accepted.to_string());
        row.push(b(r.ignored));
        record(out, &row)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_follow_rfc_4180_and_never_run_as_formulas() {
        assert_eq!(field("plain"), "plain");
        assert_eq!(field("a,b"), "\"a,b\"");
        assert_eq!(field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(field("two\nlines"), "\"two\nlines\"");
        assert_eq!(field("=HYPERLINK(1)"), "'=HYPERLINK(1)");
        assert_eq!(field("-1,2"), "\"'-1,2\"");
        let mut out = Vec::new();
        record(&mut out, &["a", "b,c"]).unwrap_or_default();
        assert_eq!(out, b"a,\"b,c\"\r\n");
    }
}
