//! The Markdown report, for `$GITHUB_STEP_SUMMARY` and issue/PR bodies: headline counts, a
//! role-mismatch table (findings grouped by person), one table per kind, `<details>` for long
//! lists, and links from rule codes to their documentation. No other raw HTML: text from the
//! config is escaped.

use std::io::Write;

use super::group::by_person;
use super::text::count;
use super::{KIND_ORDER, Report};
use crate::finding::{Finding, Kind};

/// Where the rules are documented; each rule code is a heading (anchor) in the README.
pub const RULES_DOC_URL: &str = "https://github.com/alphagov/access-reconciler/blob/main/README.md";

/// Tables longer than this are collapsed in `<details>`.
pub const COLLAPSE_AFTER: usize = 10;

/// Escape text for a table cell or a line of Markdown: no HTML, no table breaks, no line breaks,
/// no emphasis, no headings, no mentions. Code spans written by the tool (`like this`) are kept, with only pipes escaped
/// inside them (GitHub shows any other escape literally there); a text with an odd number of
/// backticks has them all replaced, so no span can open by accident.
pub fn cell(s: &str) -> String {
    let balanced = s.matches('`').count().is_multiple_of(2);
    let mut out = String::with_capacity(s.len());
    let mut in_code = false;
    for c in s.chars() {
        match c {
            '`' if balanced => {
                in_code = !in_code;
                out.push('`');
            }
            '`' => out.push('\''),
            '|' => out.push_str("\\|"),
            '\n' | '\r' => out.push(' '),
            c if c.is_control() => out.push_str(&super::visible(&c.to_string())),
            _ if in_code => out.push(c),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '*' | '_' | '~' | '[' | ']' | '\\' | '#' => {
                out.push('\\');
                out.push(c);
            }
            // An @ followed by a login would notify someone from a PR comment: GitHub finds
            // mentions in the rendered text, so a backslash does not stop it; a zero-width
            // space does.
            '@' => out.push_str("@\u{200b}"),
            c => out.push(c),
        }
    }
    out
}

/// A code span for a table cell: a pipe is escaped (GitHub still shows `|` inside the span).
fn code(s: &str) -> String {
    format!("`{}`", inline_code(s).trim_matches('`').replace('|', "\\|"))
}

/// A code span outside tables (headings, lists): no backtick or line break can end it early.
fn inline_code(s: &str) -> String {
    let clean: String = s
        .chars()
        .map(|c| match c {
            '`' => '\'',
            c if c.is_control() => ' ',
            c => c,
        })
        .collect();
    format!("`{clean}`")
}

fn code_opt(s: Option<&str>) -> String {
    s.map(code).unwrap_or_default()
}

fn code_list(list: &[&str]) -> String {
    list.iter().map(|t| code(t)).collect::<Vec<_>>().join(", ")
}

fn opt(s: Option<&str>) -> String {
    s.map(cell).unwrap_or_default()
}

fn person(f: &Finding) -> String {
    opt(f.name.as_deref())
}

/// Who, as the finding's system identifies them: the GitHub login, or (for the account systems)
/// the email, so an undeclared holder's row is never blank.
fn login(f: &Finding) -> String {
    let id = match f.system {
        Some(s) if s != crate::access::System::Github => {
            f.email.as_deref().or(f.github_username.as_deref())
        }
        _ => f.github_username.as_deref(),
    };
    code_opt(id)
}

/// A link to a rule's documentation.
pub fn rule_link(rule: crate::policy::Rule) -> String {
    format!("[`{}`]({RULES_DOC_URL}#{})", rule.code(), rule.doc_anchor())
}

fn title(kind: &str) -> &'static str {
    match kind {
        "unexpected_member" => "Unexpected members",
        "unexpected_invitation" => "Unexpected invitations",
        "policy_violation" => "Policy violations",
        "missing" => "Missing members",
        "pending_invitation" => "Pending invitations",
        "wrong_role" => "Wrong roles",
        "limited_services" => "Limited services",
        "expired_temporary_access" => "Expired temporary access",
        "untrusted_principal" => "Untrusted principals",
        "mfa_not_required" => "MFA not required",
        _ => "Findings",
    }
}

fn what(kind: &str) -> &'static str {
    match kind {
        "unexpected_member" => "in a team the config does not grant: access nobody approved",
        "unexpected_invitation" => "invited to a team the config does not grant",
        "policy_violation" => "people whose declared access breaks the production access rules",
        "missing" => "the config grants the team, but they are not in it and not invited",
        "pending_invitation" => "invited, not yet accepted (invitations expire after 7 days)",
        "wrong_role" => "holding another role than the one the config expects",
        "limited_services" => "limited to some services, though the rules grant all of them",
        "expired_temporary_access" => {
            "temporary access whose temporary_admin.yml entry has expired"
        }
        "untrusted_principal" => "a role that someone other than its person can assume",
        "mfa_not_required" => "a role its person can assume without MFA",
        _ => "",
    }
}

struct Table {
    header: Vec<&'static str>,
    rows: Vec<Vec<String>>,
}

impl Table {
    fn write(&self, out: &mut impl Write, what: &str) -> std::io::Result<()> {
        let collapse = self.rows.len() > COLLAPSE_AFTER;
        if collapse {
            writeln!(
                out,
                "<details><summary>{} {what}</summary>",
                self.rows.len()
            )?;
            writeln!(out)?;
        }
        writeln!(out, "| {} |", self.header.join(" | "))?;
        writeln!(
            out,
            "|{}",
            self.header.iter().map(|_| "---|").collect::<String>()
        )?;
        for row in &self.rows {
            writeln!(out, "| {} |", row.join(" | "))?;
        }
        if collapse {
            writeln!(out)?;
            writeln!(out, "</details>")?;
        }
        writeln!(out)
    }
}

fn table_for(kind: &str, findings: &[&Finding], multi: bool) -> Table {
    let line = |f: &Finding| f.line.map(|l| l.to_string()).unwrap_or_default();
    let yes_no = |b: bool| if b { "yes" } else { "no" }.to_owned();
    match kind {
        "policy_violation" => Table {
            header: vec![
                "Person", "Login", "Role", "Rule", "Severity", "Line", "Problem", "Fix",
            ],
            rows: findings
                .iter()
                .map(|f| {
                    let rule = match f.kind {
                        Kind::PolicyViolation(r) => rule_link(r),
                        _ => String::new(),
                    };
                    vec![
                        person(f),
                        login(f),
                        code_opt(f.declared_role.as_deref()),
                        rule,
                        f.severity.as_str().to_owned(),
                        line(f),
                        cell(&f.message),
                        cell(&f.fix),
                    ]
                })
                .collect(),
        },
        "unexpected_member" | "unexpected_invitation" => Table {
            header: vec![
                "Login",
                "Team",
                "In config",
                "Declared role",
                "Via child team",
                "Fix",
            ],
            rows: findings
                .iter()
                .map(|f| {
                    let who = match &f.name {
                        Some(n) => format!("yes: {}, line {}", cell(n), line(f)),
                        None => "no".to_owned(),
                    };
                    let mut l = login(f);
                    if f.maintainer {
                        l.push_str(" (maintainer)");
                    }
                    vec![
                        l,
                        code_opt(f.place(multi).as_deref()),
                        who,
                        code_opt(f.declared_role.as_deref()),
                        code_opt(f.via_team.as_deref()),
                        cell(&f.fix),
                    ]
                })
                .collect(),
        },
        "missing" => Table {
            header: vec!["Person", "Login", "Team", "Declared role", "Line", "Fix"],
            rows: findings
                .iter()
                .map(|f| {
                    vec![
                        person(f),
                        login(f),
                        code_opt(f.place(multi).as_deref()),
                        code_opt(f.declared_role.as_deref()),
                        line(f),
                        cell(&f.fix),
                    ]
                })
                .collect(),
        },
        "pending_invitation" => Table {
            header: vec!["Person", "Login", "Team", "Invited", "Expired", "Fix"],
            rows: findings
                .iter()
                .map(|f| {
                    vec![
                        person(f),
                        login(f),
                        code_opt(f.place(multi).as_deref()),
                        f.invited_at
                            .map(|t| t.date_naive().to_string())
                            .unwrap_or_default(),
                        f.expired.map(yes_no).unwrap_or_default(),
                        cell(&f.fix),
                    ]
                })
                .collect(),
        },
        // The kinds of the other systems: who, where, what to do.
        _ => Table {
            header: vec!["Person", "Identity", "Where", "Severity", "Problem", "Fix"],
            rows: findings
                .iter()
                .map(|f| {
                    let identity = f
                        .email
                        .as_deref()
                        .or(f.github_username.as_deref())
                        .map(inline_code)
                        .unwrap_or_default();
                    vec![
                        person(f),
                        identity,
                        code_opt(f.place(true).as_deref()),
                        f.severity.as_str().to_owned(),
                        cell(&f.message),
                        cell(&f.fix),
                    ]
                })
                .collect(),
        },
    }
}

pub fn render(report: &Report, out: &mut impl Write) -> std::io::Result<()> {
    let mut heading = format!("## access-reconciler {}", report.command.as_str());
    if let Some(org) = &report.org {
        heading.push_str(&format!(": {}", inline_code(org)));
    }
    writeln!(out, "{heading}")?;
    writeln!(out)?;

    // What could not be read comes first: it is what a reader must not miss.
    if !report.complete {
        writeln!(
            out,
            "**Incomplete:** {} could not be read. {} no findings here and {} not known to be clean.",
            {
                let (one, many) = if super::text::unread_are_teams(report) {
                    ("team", "teams")
                } else {
                    ("part", "parts")
                };
                count(report.errors.len(), one, many)
            },
            if report.errors.len() == 1 {
                "It yields"
            } else {
                "They yield"
            },
            if report.errors.len() == 1 {
                "is"
            } else {
                "are"
            },
        )?;
        writeln!(out)?;
        for e in &report.errors {
            match e.place(report.multi_system()) {
                Some(t) => writeln!(out, "- {}: {}", inline_code(&t), cell(&e.message))?,
                None => writeln!(out, "- {}", cell(&e.message))?,
            }
        }
        writeln!(out)?;
    }

    let n = report.findings.len();
    let people = by_person(&report.findings);
    let mut headline = if n == 0 && report.complete {
        "**No findings.**".to_owned()
    } else if n == 0 {
        "**No findings in the teams that were read.**".to_owned()
    } else {
        format!(
            "**{n} finding{}** about {} {}",
            if n == 1 { "" } else { "s" },
            people.len(),
            if people.len() == 1 {
                "person"
            } else {
                "people"
            }
        )
    };
    headline.push_str(&format!(
        " · {} in {}",
        count(report.summary.people, "person", "people"),
        inline_code(&report.config_path)
    ));
    if let Some(teams) = report.summary.teams {
        headline.push_str(&format!(
            " · {} read, {}",
            count(teams, "team", "teams"),
            count(
                report.summary.members_read.unwrap_or(0),
                "member",
                "members"
            )
        ));
    }
    writeln!(out, "{headline}")?;
    writeln!(out)?;

    let counts = report.counts_by_kind();
    if n > 0 {
        writeln!(out, "| Kind | Count |")?;
        writeln!(out, "|---|---:|")?;
        for kind in KIND_ORDER.into_iter().filter(|k| has_own_table(k)) {
            if let Some(c) = counts.get(kind) {
                writeln!(out, "| {} | {c} |", title(kind))?;
            }
        }
        for (kind, c) in counts.iter().filter(|(k, _)| !has_own_table(k)) {
            writeln!(out, "| `{kind}` | {c} |")?;
        }
        writeln!(out)?;
    }

    let mismatches: Vec<_> = people
        .iter()
        .filter_map(|g| g.role_mismatch().map(|m| (g, m)))
        .collect();
    if !mismatches.is_empty() {
        writeln!(out, "### Role mismatches ({})", mismatches.len())?;
        writeln!(out)?;
        writeln!(
            out,
            "In a team their declared role does not grant, and missing from one it does (one problem, listed under both kinds below)."
        )?;
        writeln!(out)?;
        let table = Table {
            header: vec!["Person", "Login", "Declared role", "In", "Missing from"],
            rows: mismatches
                .iter()
                .map(|(g, (extra, missing))| {
                    vec![
                        opt(g.name),
                        code_opt(g.login),
                        code_opt(g.declared_role),
                        code_list(extra),
                        code_list(missing),
                    ]
                })
                .collect(),
        };
        table.write(out, "role mismatches")?;
    }

    for kind in KIND_ORDER.into_iter().filter(|k| has_own_table(k)) {
        let mut of_kind: Vec<&Finding> = report
            .findings
            .iter()
            .filter(|f| f.kind.as_str() == kind)
            .collect();
        // One person's rows together (the sort is stable: severity order stays within a person).
        of_kind.sort_by_key(|f| f.person_key());
        if of_kind.is_empty() {
            continue;
        }
        writeln!(out, "### {} ({})", title(kind), of_kind.len())?;
        writeln!(out)?;
        writeln!(out, "{}.", capitalise(what(kind)))?;
        writeln!(out)?;
        table_for(kind, &of_kind, report.multi_system()).write(out, &title(kind).to_lowercase())?;
    }

    other_kinds(report, out)?;
    let all: Vec<&Finding> = report.findings.iter().collect();
    super::accepted::write_markdown(
        out,
        &all,
        &report.accepted,
        &report.unused_exceptions,
        !report.complete,
    )?;

    if let Some(line) = super::text::fetched_line(report) {
        writeln!(out, "_{}_", cell(&line))?;
        writeln!(out)?;
    }
    writeln!(out, "_{}_", cell(&super::text::summary_line(report)))?;
    report.evidence.write_markdown(out)
}

/// Kinds about the inputs rather than about access (`unknown_key`, `stale_evidence`): listed
/// together in one table with their config line ([`other_kinds`]), not a section each.
const OTHER_KINDS: [&str; 2] = [Kind::StaleEvidence.as_str(), Kind::UnknownKey.as_str()];

/// Whether findings of `kind` get a section and table of their own.
fn has_own_table(kind: &str) -> bool {
    KIND_ORDER.contains(&kind) && !OTHER_KINDS.contains(&kind)
}

/// Findings of kinds without a table of their own (`unknown_key`, `stale_evidence`, ...): one
/// table, so no finding is left out of the Markdown report.
fn other_kinds(report: &Report, out: &mut impl Write) -> std::io::Result<()> {
    let others: Vec<&Finding> = report
        .findings
        .iter()
        .filter(|f| !has_own_table(f.kind.as_str()))
        .collect();
    if others.is_empty() {
        return Ok(());
    }
    writeln!(out, "### Other findings ({})", others.len())?;
    writeln!(out)?;
    let line = |f: &Finding| f.line.map(|l| l.to_string()).unwrap_or_default();
    Table {
        header: vec![
            "Kind", "Severity", "Person", "Login", "Line", "Problem", "Fix",
        ],
        rows: others
            .iter()
            .map(|f| {
                vec![
                    code(f.kind.as_str()),
                    f.severity.as_str().to_owned(),
                    person(f),
                    login(f),
                    line(f),
                    cell(&f.message),
                    cell(&f.fix),
                ]
            })
            .collect(),
    }
    .write(out, "other findings")
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(first) => first.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_cannot_break_tables_or_inject_html() {
        assert_eq!(
            cell("a|b<script>\n@bob"),
            "a\\|b&lt;script&gt; @\u{200b}bob"
        );
        assert_eq!(cell("snake_case *x*"), "snake\\_case \\*x\\*");
        assert_eq!(cell("_em_ ~~s~~"), "\\_em\\_ \\~\\~s\\~\\~");
        // The tool's own code spans stay code; only pipes are escaped inside them.
        assert_eq!(cell("set `a_b|c` now"), "set `a_b\\|c` now");
        // An odd backtick (from a name) cannot open a span.
        assert_eq!(cell("O`Brien set `x`"), "O'Brien set 'x'");
    }
}
