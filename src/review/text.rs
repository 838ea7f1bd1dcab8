//! The review as plain text for a terminal or a log.

use std::fmt::Write as _;

use super::{Change, Review};
use crate::finding::Finding;
use crate::report::text::label;

fn role(r: Option<&str>) -> &str {
    r.unwrap_or("none")
}

fn person(c: &Change) -> String {
    let mut s = c.name.clone();
    match (&c.github_username, &c.previous_github_username) {
        (Some(login), Some(prev)) => {
            let _ = write!(s, " ({login}, was {prev})");
        }
        (Some(login), None) => {
            let _ = write!(s, " ({login})");
        }
        (None, _) => {}
    }
    s
}

fn finding_line(out: &mut String, f: &Finding) {
    let rule = label(f);
    let who = f
        .github_username
        .as_deref()
        .or(f.name.as_deref())
        .unwrap_or("-");
    let line = f.line.map(|l| format!(" line {l}")).unwrap_or_default();
    let _ = writeln!(
        out,
        "  {:<6} {who} {rule}{line}: {}",
        f.severity.as_str(),
        f.message
    );
    if !f.fix.is_empty() {
        let _ = writeln!(out, "         fix: {}", f.fix);
    }
}

/// Render a computed review.
pub fn render(review: &Review) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Production access review: {} -> {}",
        review.base_path, review.head_path
    );
    let _ = writeln!(out, "{}", super::headline(&review.diff));
    if !review.diff.changes.is_empty() {
        out.push_str("\nChanges:\n");
        for c in &review.diff.changes {
            let at = if c.removed_from_file {
                format!("removed from the file; base line {}", c.line)
            } else {
                format!("line {}", c.line)
            };
            let roles = if c.from_role == c.to_role {
                format!("{} (unchanged)", role(c.to_role.as_deref()))
            } else {
                format!(
                    "{} -> {}",
                    role(c.from_role.as_deref()),
                    role(c.to_role.as_deref())
                )
            };
            let _ = writeln!(
                out,
                "  {:<13} {}: {roles} ({at})",
                c.kind.as_str(),
                person(c),
            );
            let (new, old) = match (&c.github_username, &c.previous_github_username) {
                (Some(new), Some(old)) => (format!(" (as {new})"), format!(" (as {old})")),
                _ => (String::new(), String::new()),
            };
            if !c.teams_added.is_empty() {
                let _ = writeln!(
                    out,
                    "                teams added{new}: {}",
                    c.teams_added.join(", ")
                );
            }
            if !c.teams_removed.is_empty() {
                let _ = writeln!(
                    out,
                    "                teams removed{old}: {}",
                    c.teams_removed.join(", ")
                );
            }
        }
    }
    if let Some(s) = super::other_edits_sentence(review.diff.other_edits) {
        let _ = writeln!(out, "\n{s}");
    }
    let introduced: Vec<&Finding> = review.introduced().collect();
    let present: Vec<&Finding> = review.present().collect();
    if !introduced.is_empty() {
        let _ = writeln!(
            out,
            "\nPolicy findings introduced by this change ({}):",
            introduced.len()
        );
        for f in &introduced {
            finding_line(&mut out, f);
        }
    }
    if !present.is_empty() {
        let _ = writeln!(
            out,
            "\nPolicy findings already present on the base ({}):",
            present.len()
        );
        for f in &present {
            finding_line(&mut out, f);
        }
    }
    let _ = writeln!(
        out,
        "\n{} access change{}, {} other edit{}; {} finding{} introduced, {} already present.",
        review.diff.changes.len(),
        if review.diff.changes.len() == 1 {
            ""
        } else {
            "s"
        },
        review.diff.other_edits,
        if review.diff.other_edits == 1 {
            ""
        } else {
            "s"
        },
        introduced.len(),
        if introduced.len() == 1 { "" } else { "s" },
        present.len(),
    );
    out
}
