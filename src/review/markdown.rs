//! The review as GitHub-flavoured Markdown: the sticky PR comment and `--format markdown`.
//!
//! The hidden marker comes first. Logins are written in code spans so the comment never
//! @-mentions anyone; every table cell is escaped.

use std::fmt::Write as _;

use super::{Change, ChangeKind, Direction, MARKER, Review};
use crate::config::ConfigErrors;
use crate::finding::Finding;
use crate::report::text::label;

const TITLE: &str = "### Production access review";

/// Escape text for a table cell or a line of Markdown: the same rules as the other reports.
pub fn escape(s: &str) -> String {
    crate::report::markdown::cell(s)
}

/// A code span that cannot be broken by the text inside it (logins, roles, teams, paths).
fn code(s: &str) -> String {
    let clean: String = s
        .chars()
        .map(|c| match c {
            '`' => '\'',
            '|' => '/',
            '\n' | '\r' => ' ',
            c => c,
        })
        .collect();
    format!("`{clean}`")
}

fn teams(list: &[String], login: Option<&str>) -> String {
    if list.is_empty() {
        return "—".to_owned();
    }
    let mut s = list.iter().map(|t| code(t)).collect::<Vec<_>>().join(", ");
    if let Some(login) = login {
        let _ = write!(s, " (as {})", code(login));
    }
    s
}

/// The access added (or removed) per system (any mapping but GitHub alone):
/// `github: gov-uk`, `github: gov-uk-production-admin` (as `new-login`); `pagerduty: user`. A
/// role change in a single-valued system is in the added cell: `sentry: member → admin`.
fn access_cell(c: &Change, direction: Direction) -> String {
    let mut groups: Vec<String> = Vec::new();
    for a in &c.access {
        if let (Some((from, to)), Direction::Added) = (a.role_change(), direction) {
            groups.push(code(&format!("{}: {from} → {to}", a.system)));
            continue;
        }
        let (list, holder) = a.listed(direction);
        if list.is_empty() {
            continue;
        }
        let mut s = list
            .iter()
            .map(|r| code(&format!("{}: {r}", a.system)))
            .collect::<Vec<_>>()
            .join(", ");
        if let Some(h) = holder {
            let _ = write!(s, " (as {})", code(h));
        }
        groups.push(s);
    }
    if groups.is_empty() {
        "—".to_owned()
    } else {
        groups.join("; ")
    }
}

fn roles(c: &Change) -> String {
    if c.from_role == c.to_role {
        format!("{} (unchanged)", role(c.to_role.as_deref()))
    } else {
        format!(
            "{} → {}",
            role(c.from_role.as_deref()),
            role(c.to_role.as_deref())
        )
    }
}

fn role(r: Option<&str>) -> String {
    r.map(code).unwrap_or_else(|| "none".to_owned())
}

fn kind_cell(kind: ChangeKind) -> &'static str {
    match kind {
        ChangeKind::Granted => "🟢 **granted**",
        ChangeKind::Escalated => "🔺 **escalated**",
        ChangeKind::Reduced => "🔻 reduced",
        ChangeKind::Revoked => "⚪ revoked",
        ChangeKind::LoginChanged => "🔁 login changed",
    }
}

fn person_cell(c: &Change) -> String {
    let mut s = escape(&c.name);
    match (&c.github_username, &c.previous_github_username) {
        (Some(login), Some(prev)) => {
            let _ = write!(s, " ({} ← {})", code(login), code(prev));
        }
        (Some(login), None) => {
            let _ = write!(s, " ({})", code(login));
        }
        (None, _) => {}
    }
    s
}

fn line_cell(c: &Change) -> String {
    if c.removed_from_file {
        format!("removed (base line {})", c.line)
    } else {
        c.line.to_string()
    }
}

fn rule(f: &Finding) -> String {
    code(label(f))
}

fn who(f: &Finding) -> String {
    match (&f.name, &f.github_username) {
        (Some(name), Some(login)) => format!("{} ({})", escape(name), code(login)),
        (Some(name), None) => escape(name),
        (None, Some(login)) => code(login),
        (None, None) => "—".to_owned(),
    }
}

fn findings_table(out: &mut String, findings: &[&Finding]) {
    out.push_str("| Severity | Person | Rule | Line | Problem | Fix |\n");
    out.push_str("|---|---|---|---|---|---|\n");
    for f in findings {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} |",
            f.severity.as_str(),
            who(f),
            rule(f),
            f.line.map(|l| l.to_string()).unwrap_or_else(|| "—".into()),
            escape(&f.message),
            escape(&f.fix),
        );
    }
}

fn footer(out: &mut String, base: &str, head: &str) {
    let _ = write!(
        out,
        "\n---\n<sub>access-reconciler {} · base {} · head {}</sub>\n",
        env!("CARGO_PKG_VERSION"),
        code(base),
        code(head),
    );
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// A headline longer than this (characters) becomes a short headline plus a list.
pub const MAX_HEADLINE: usize = 200;

/// Render a computed review.
pub fn render(review: &Review) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{MARKER}");
    let _ = writeln!(out, "{TITLE}\n");
    let headline = super::headline(&review.diff);
    if headline.chars().count() > MAX_HEADLINE {
        // A sentence that long is not read: a short headline, then one line per kind of change.
        let n = review.diff.changes.len();
        let _ = writeln!(
            out,
            "**This PR changes production access {}:**\n",
            if n == 1 {
                "once".to_owned()
            } else {
                format!("{n} times")
            }
        );
        for part in super::headline_parts(&review.diff) {
            let _ = writeln!(out, "- {}", escape(&part));
        }
        out.push('\n');
    } else {
        let _ = writeln!(out, "**{}**\n", escape(&headline));
    }

    if !review.diff.changes.is_empty() && review.per_system() {
        out.push_str("| Change | Person | Role | Access added | Access removed | Line |\n");
        out.push_str("|---|---|---|---|---|---|\n");
        for c in &review.diff.changes {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} | {} |",
                kind_cell(c.kind),
                person_cell(c),
                roles(c),
                access_cell(c, Direction::Added),
                access_cell(c, Direction::Removed),
                line_cell(c),
            );
        }
        out.push('\n');
    } else if !review.diff.changes.is_empty() {
        out.push_str("| Change | Person | Role | Teams added | Teams removed | Line |\n");
        out.push_str("|---|---|---|---|---|---|\n");
        for c in &review.diff.changes {
            // For a rename the old login leaves the teams and the new one joins them.
            let renamed = c.previous_github_username.is_some();
            let new = c.github_username.as_deref().unwrap_or_default();
            let old = c.previous_github_username.as_deref().unwrap_or_default();
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} | {} |",
                kind_cell(c.kind),
                person_cell(c),
                roles(c),
                teams(&c.teams_added, renamed.then_some(new)),
                teams(&c.teams_removed, renamed.then_some(old)),
                line_cell(c),
            );
        }
        out.push('\n');
    }
    if let Some(s) = super::other_edits_sentence(review.diff.other_edits) {
        let _ = writeln!(out, "{s}\n");
    }

    let introduced: Vec<&Finding> = review.introduced().collect();
    let present: Vec<&Finding> = review.present().collect();
    if introduced.is_empty() {
        out.push_str("✅ This PR introduces no policy findings.\n");
    } else {
        let _ = writeln!(
            out,
            "#### ❌ {} introduced by this PR\n",
            plural(introduced.len(), "policy finding", "policy findings")
        );
        findings_table(&mut out, &introduced);
    }
    if !present.is_empty() {
        let _ = writeln!(
            out,
            "\n<details><summary>{} already present before this PR</summary>\n",
            plural(present.len(), "policy finding", "policy findings")
        );
        findings_table(&mut out, &present);
        out.push_str("\n</details>\n");
    }
    let all: Vec<&Finding> = review.findings.iter().map(|f| &f.finding).collect();
    let mut sections = Vec::new();
    if !review.accepted.is_empty()
        || !review.unused_exceptions.is_empty()
        || all.iter().any(|f| f.exception.is_some())
    {
        sections.push(b'\n');
    }
    let _ = crate::report::accepted::write_markdown(
        &mut sections,
        &all,
        &review.accepted,
        &review.unused_exceptions,
        false,
    );
    let _ = review.evidence.write_markdown(&mut sections);
    out.push_str(&String::from_utf8_lossy(&sections));
    footer(&mut out, &review.base_path, &review.head_path);
    out
}

/// The comment when a config does not load: the head's errors lead (they are what the author
/// must fix), then the base's. A broken base is named as the base, so the author is not told to
/// fix what their PR did not break.
pub fn render_errors(
    head_errors: &ConfigErrors,
    base_errors: &ConfigErrors,
    base: &str,
    head: &str,
) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{MARKER}");
    let _ = writeln!(out, "{TITLE}\n");
    let (h, b) = (head_errors.0.len(), base_errors.0.len());
    if h > 0 {
        let _ = writeln!(
            out,
            "> [!CAUTION]\n> **{} in the config. Fix {} first: the access this PR changes cannot be \
             worked out until the file is valid.**\n",
            plural(h, "error", "errors"),
            if h == 1 { "it" } else { "them" },
        );
        error_table(&mut out, head_errors);
    }
    if b > 0 {
        if h > 0 {
            out.push('\n');
        }
        let _ = writeln!(
            out,
            "> [!CAUTION]\n> **The base version of the config ({}) has {}, so the access this PR \
             changes cannot be worked out.**{}\n",
            code(base),
            plural(b, "error", "errors"),
            if h == 0 {
                " The head version is valid: the base branch must be repaired first (or this PR \
                 is the repair: review its diff by hand)."
            } else {
                ""
            },
        );
        error_table(&mut out, base_errors);
    }
    footer(&mut out, base, head);
    out
}

fn error_table(out: &mut String, errors: &ConfigErrors) {
    out.push_str("| Where | Problem | How to fix |\n|---|---|---|\n");
    for e in &errors.0 {
        let mut at = e.file.clone();
        if e.line > 0 {
            let _ = write!(at, ":{}", e.line);
            if e.col > 0 {
                let _ = write!(at, ":{}", e.col);
            }
        }
        let _ = writeln!(
            out,
            "| {} | {} | {} |",
            code(&at),
            escape(&e.message),
            e.help.as_deref().map(escape).unwrap_or_else(|| "—".into()),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_neutralises_markdown_and_mentions() {
        assert_eq!(
            escape("a|b <x> @bob *hi*"),
            "a\\|b &lt;x&gt; @\u{200b}bob \\*hi\\*"
        );
        assert_eq!(escape("_em_ `a_b`"), "\\_em\\_ `a_b`");
        assert_eq!(code("a`b|c"), "`a'b/c`");
    }
}
