//! Export files (`--export SYSTEM=PATH`): pure parsing of the file's text into `email, role`
//! rows, with located errors (`file:line`).
//!
//! Two formats:
//! - [`Format::Signon`]: the CSV of Signon's "Export users as CSV" (signon only): header
//!   `Name,Email,Role,Organisation,...`; the columns after `Organisation` (sign-in counts,
//!   status, and one per application) are ignored.
//! - [`Format::EmailRole`]: the normalised CSV for any account system: header `email,role`, one
//!   row per account (per team for Logit). Lines starting with `#` before the header are
//!   comments; `# exported_at: 2026-11-28T06:00:00Z` records when the export was made.
//!
//! Both: RFC 4180 quoting (the `csv` crate), a UTF-8 byte-order mark is skipped, blank lines are
//! skipped, emails must contain `@`, roles must not be empty. For a single-valued system an email
//! listed twice is an error naming both lines; for Logit a repeated (email, team) row is kept
//! once.

use std::fmt;

use chrono::{DateTime, Utc};

use super::{EmailRole, is_multi_valued};
use crate::access::System;

/// The format of an export file, as recognised from its header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Signon's "Export users as CSV".
    Signon,
    /// The normalised `email,role` CSV.
    EmailRole,
}

impl Format {
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Signon => "signon-csv",
            Format::EmailRole => "email-role-csv",
        }
    }
}

/// The first columns of Signon's export.
pub const SIGNON_HEADER: [&str; 4] = ["Name", "Email", "Role", "Organisation"];

/// An export file read whole.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Export {
    pub format: Format,
    pub rows: Vec<EmailRole>,
    /// The `# exported_at:` comment, when the file has one.
    pub exported_at: Option<DateTime<Utc>>,
}

/// A problem in an export file, at a line (1-based; 0 when it is about the whole file).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct ExportError {
    pub path: String,
    pub line: usize,
    pub message: String,
}

impl fmt::Display for ExportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line == 0 {
            write!(f, "{}: {}", self.path, self.message)
        } else {
            write!(f, "{}:{}: {}", self.path, self.line, self.message)
        }
    }
}

/// What the header of an export for `system` must look like, for messages.
pub fn expected_headers(system: System) -> String {
    if system == System::Signon {
        "Signon's \"Export users as CSV\" (header Name,Email,Role,Organisation,...) or the \
         normalised CSV (header email,role)"
            .to_owned()
    } else {
        format!("the normalised CSV for {system} (header email,role)")
    }
}

/// Parse the text of an export file for `system`. `path` is only used in messages.
pub fn parse(system: System, path: &str, bytes: &[u8]) -> Result<Export, ExportError> {
    let err = |line: usize, message: String| ExportError {
        path: path.to_owned(),
        line,
        message,
    };
    let text = std::str::from_utf8(bytes).map_err(|e| {
        let line = bytes[..e.valid_up_to()]
            .iter()
            .filter(|b| **b == b'\n')
            .count()
            + 1;
        err(
            line,
            "the file is not UTF-8 text; save the export as UTF-8 CSV".into(),
        )
    })?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);

    // Leading comment lines (and blank lines): `# exported_at: ...`.
    let mut exported_at = None;
    let mut skipped = 0usize;
    let mut rest = text;
    loop {
        let (line, after) = match rest.split_once('\n') {
            Some((l, a)) => (l, a),
            None => (rest, ""),
        };
        let trimmed = line.trim();
        // A blank line, or a comment; the last line of the file is never skipped as blank.
        let blank = trimmed.is_empty() && !after.is_empty();
        if !blank && !trimmed.starts_with('#') {
            break;
        }
        skipped += 1;
        if let Some(value) = trimmed
            .trim_start_matches('#')
            .trim()
            .strip_prefix("exported_at:")
        {
            let at = DateTime::parse_from_rfc3339(value.trim()).map_err(|e| {
                err(
                    skipped,
                    format!(
                        "exported_at {:?} is not an RFC 3339 time ({e}), e.g. 2026-11-28T06:00:00Z",
                        value.trim()
                    ),
                )
            })?;
            exported_at = Some(at.with_timezone(&Utc));
        }
        rest = after;
        if rest.is_empty() {
            break;
        }
    }

    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(rest.as_bytes());
    let line_of =
        |record: &csv::StringRecord| record.position().map_or(0, |p| p.line() as usize) + skipped;
    let mut records = reader.records();
    let header = match records.next() {
        Some(Ok(h)) => h,
        Some(Err(e)) => return Err(err(csv_line(&e) + skipped, csv_message(&e))),
        None => {
            return Err(err(
                0,
                format!("the file is empty; expected {}", expected_headers(system)),
            ));
        }
    };
    let names: Vec<String> = header.iter().map(|h| h.trim().to_owned()).collect();
    let format = if names.len() >= 4
        && names[..4]
            .iter()
            .zip(SIGNON_HEADER)
            .all(|(a, b)| a.eq_ignore_ascii_case(b))
    {
        if system != System::Signon {
            return Err(err(
                line_of(&header),
                format!(
                    "this is Signon's own export, but it was given for {system}; expected {}",
                    expected_headers(system)
                ),
            ));
        }
        Format::Signon
    } else if names.len() == 2
        && names[0].eq_ignore_ascii_case("email")
        && names[1].eq_ignore_ascii_case("role")
    {
        Format::EmailRole
    } else {
        return Err(err(
            line_of(&header),
            format!(
                "the header is {:?}; expected {}",
                names.join(","),
                expected_headers(system)
            ),
        ));
    };
    let (email_col, role_col, min_cols) = match format {
        Format::Signon => (1, 2, 4),
        Format::EmailRole => (0, 1, 2),
    };

    let mut rows: Vec<EmailRole> = Vec::new();
    let mut first_line: std::collections::HashMap<(String, String), usize> = Default::default();
    for record in records {
        let record = record.map_err(|e| err(csv_line(&e) + skipped, csv_message(&e)))?;
        let line = line_of(&record);
        if record.iter().all(|f| f.trim().is_empty()) {
            continue;
        }
        if record.len() < min_cols || (format == Format::EmailRole && record.len() != 2) {
            return Err(err(
                line,
                format!(
                    "{} fields where the header has {}",
                    record.len(),
                    header.len()
                ),
            ));
        }
        let email = record.get(email_col).unwrap_or_default().trim();
        let role = record.get(role_col).unwrap_or_default().trim();
        if !email.contains('@') || email.chars().any(char::is_whitespace) {
            return Err(err(line, format!("{email:?} is not an email address")));
        }
        if role.is_empty() {
            return Err(err(line, format!("{email} has no role")));
        }
        let key_role = if is_multi_valued(system) {
            role.to_lowercase()
        } else {
            String::new()
        };
        let key = (email.to_lowercase(), key_role);
        if let Some(first) = first_line.get(&key) {
            if is_multi_valued(system) {
                continue;
            }
            return Err(err(
                line,
                format!(
                    "{email} is listed again (first at line {first}); {system} has one account \
                     per email"
                ),
            ));
        }
        first_line.insert(key, line);
        rows.push(EmailRole {
            email: email.to_owned(),
            role: role.to_owned(),
        });
    }
    Ok(Export {
        format,
        rows,
        exported_at,
    })
}

fn csv_line(e: &csv::Error) -> usize {
    e.position().map_or(0, |p| p.line() as usize)
}

fn csv_message(e: &csv::Error) -> String {
    match e.kind() {
        csv::ErrorKind::Utf8 { .. } => "the file is not UTF-8 text".to_owned(),
        _ => format!("not valid CSV: {e}"),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn row(email: &str, role: &str) -> EmailRole {
        EmailRole {
            email: email.into(),
            role: role.into(),
        }
    }

    #[test]
    fn reads_signons_own_export_and_ignores_the_application_columns() {
        let text = "\u{feff}Name,Email,Role,Organisation,Sign-in count,Last sign-in,Created,Status,2SV Status,Whitehall,Publisher\n\
                    \"Doe, Jane\",jane@example.gov.uk,Superadmin,Government Digital Service,12,2026-11-01,2020-01-01,Active,Enabled,signin,\"signin, editor\"\n\
                    Bob,bob@example.gov.uk,Normal,GDS,1,,2021-01-01,Active,Enabled,,\n";
        let e = parse(System::Signon, "signon.csv", text.as_bytes()).unwrap();
        assert_eq!(e.format, Format::Signon);
        assert_eq!(
            e.rows,
            vec![
                row("jane@example.gov.uk", "Superadmin"),
                row("bob@example.gov.uk", "Normal")
            ]
        );
        assert_eq!(e.exported_at, None);
    }

    #[test]
    fn reads_the_normalised_csv_with_exported_at() {
        let text = "# Logit teams, exported by hand\n# exported_at: 2026-11-28T06:00:00Z\nemail,role\nann@x,GOV.UK Users\nann@x,GOV.UK Admins\nANN@x,gov.uk users\n\n";
        let e = parse(System::Logit, "logit.csv", text.as_bytes()).unwrap();
        assert_eq!(e.format, Format::EmailRole);
        assert_eq!(
            e.rows,
            vec![row("ann@x", "GOV.UK Users"), row("ann@x", "GOV.UK Admins")]
        );
        assert_eq!(
            e.exported_at.unwrap().to_rfc3339(),
            "2026-11-28T06:00:00+00:00"
        );
    }

    #[test]
    fn a_wrong_header_says_which_format_was_expected() {
        let e = parse(System::Signon, "s.csv", b"Email,Name\na@x,A\n").unwrap_err();
        assert_eq!(e.line, 1);
        assert!(e.to_string().starts_with("s.csv:1: "), "{e}");
        assert!(e.message.contains("Name,Email,Role,Organisation"), "{e}");
        let e = parse(System::Gcp, "g.csv", b"# note\nmember,type\n").unwrap_err();
        assert_eq!(e.line, 2);
        assert!(e.message.contains("header email,role"), "{e}");
        assert!(!e.message.contains("Signon"), "{e}");
        let e = parse(
            System::Sentry,
            "x.csv",
            b"Name,Email,Role,Organisation\nA,a@x,admin,GDS\n",
        )
        .unwrap_err();
        assert!(e.message.contains("Signon's own export"), "{e}");
    }

    #[test]
    fn errors_are_located() {
        let cases: [(&[u8], usize, &str); 7] = [
            (
                b"email,role\na@x,admin\nnot-an-email,admin\n",
                3,
                "not an email",
            ),
            (b"email,role\na@x,\n", 2, "no role"),
            (b"email,role\na@x,admin,extra\n", 2, "3 fields"),
            (b"email,role\na@x,admin\nA@X,member\n", 3, "first at line 2"),
            (b"email,role\n\"a@x,admin\n", 2, "1 fields"),
            (b"# exported_at: yesterday\nemail,role\n", 1, "RFC 3339"),
            (b"email,role\na@x,\xff\n", 2, "UTF-8"),
        ];
        for (text, line, needle) in cases {
            let e = parse(System::Pagerduty, "p.csv", text).unwrap_err();
            assert_eq!(e.line, line, "{e}");
            assert!(e.message.contains(needle), "{needle}: {e}");
        }
        let e = parse(
            System::Signon,
            "s.csv",
            b"Name,Email,Role,Organisation\nA,a@x\n",
        )
        .unwrap_err();
        assert!(e.message.contains("2 fields"), "{e}");
        let e = parse(System::Signon, "empty.csv", b"").unwrap_err();
        assert_eq!(
            e.to_string(),
            format!(
                "empty.csv: the file is empty; expected {}",
                expected_headers(System::Signon)
            )
        );
    }

    #[test]
    fn a_header_only_file_is_an_empty_list() {
        let e = parse(System::Gcp, "g.csv", b"email,role").unwrap();
        assert!(e.rows.is_empty());
    }
}
