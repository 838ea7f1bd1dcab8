//! The review as text for a terminal or a log, coloured like the `check` report when asked
//! (`--color`, NO_COLOR).

use std::fmt::Write as _;

use super::{Change, Direction, Review};
use crate::finding::Finding;
use crate::report::Color;
use crate::report::text::{Paint, label};

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

fn finding_line(out: &mut String, p: &Paint, f: &Finding) {
    let rule = label(f);
    let who = f
        .github_username
        .as_deref()
        .or(f.name.as_deref())
        .unwrap_or("-");
    let line = f
        .line
        .map(|l| p.dim(&format!(" line {l}")))
        .unwrap_or_default();
    let severity = p.severity(f.severity, &format!("{:<6}", f.severity.as_str()));
    let _ = writeln!(out, "  {severity} {who} {rule}{line}: {}", f.message);
    if !f.fix.is_empty() {
        let _ = writeln!(out, "         {} {}", p.dim("fix:"), f.fix);
    }
    if let Some(a) = &f.exception {
        let _ = writeln!(out, "         {}", crate::report::accepted::applied_line(a));
    }
}

/// The access a change adds and removes, per system (any mapping but GitHub alone):
/// `access added: github: gov-uk, gov-uk-production-admin; pagerduty: user`, and a role change
/// in a single-valued system as `role changed: sentry: member -> admin`.
fn access_lines(out: &mut String, c: &Change) {
    for (direction, what) in [
        (Direction::Added, "access added"),
        (Direction::Removed, "access removed"),
    ] {
        let groups: Vec<String> = c
            .access
            .iter()
            .filter_map(|a| {
                let (list, holder) = a.listed(direction);
                if list.is_empty() {
                    return None;
                }
                let mut s = format!("{}: {}", a.system, list.join(", "));
                if let Some(h) = holder {
                    let _ = write!(s, " (as {h})");
                }
                Some(s)
            })
            .collect();
        if !groups.is_empty() {
            let _ = writeln!(out, "                {what}: {}", groups.join("; "));
        }
    }
    let changed: Vec<String> = c
        .access
        .iter()
        .filter_map(|a| {
            let (from, to) = a.role_change()?;
            Some(format!("{}: {from} -> {to}", a.system))
        })
        .collect();
    if !changed.is_empty() {
        let _ = writeln!(out, "                role changed: {}", changed.join("; "));
    }
}

/// Render a computed review; `color` as for the other text reports.
pub fn render(review: &Review, color: Color) -> String {
    let p = Paint(color);
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{} {} -> {}",
        p.bold("Production access review:"),
        review.base_path,
        review.head_path
    );
    let _ = writeln!(out, "{}", super::headline(&review.diff));
    if !review.diff.changes.is_empty() {
        let _ = writeln!(out, "\n{}", p.bold("Changes:"));
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
                "  {} {}: {roles} ({at})",
                p.bold(&format!("{:<13}", c.kind.as_str())),
                person(c),
            );
            let (new, old) = match (&c.github_username, &c.previous_github_username) {
                (Some(new), Some(old)) => (format!(" (as {new})"), format!(" (as {old})")),
                _ => (String::new(), String::new()),
            };
            if review.per_system() {
                access_lines(&mut out, c);
                continue;
            }
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
        let heading = format!(
            "Policy findings introduced by this change ({}):",
            introduced.len()
        );
        let _ = writeln!(out, "\n{}", p.bold(&heading));
        for f in &introduced {
            finding_line(&mut out, &p, f);
        }
    }
    if !present.is_empty() {
        let heading = format!(
            "Policy findings already present on the base ({}):",
            present.len()
        );
        let _ = writeln!(out, "\n{}", p.bold(&heading));
        for f in &present {
            finding_line(&mut out, &p, f);
        }
    }
    let mut sections = Vec::new();
    let _ = crate::report::accepted::write_text(
        &mut sections,
        &p,
        &review.accepted,
        &review.unused_exceptions,
        false,
    );
    out.push_str(&String::from_utf8_lossy(&sections));
    let summary = format!(
        "{} access change{}, {} other edit{}; {} finding{} introduced, {} already present{}.",
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
        crate::report::accepted::summary_suffix(review.accepted.len()),
    );
    let _ = writeln!(out, "\n{}", p.bold(&summary));
    let mut footer = Vec::new();
    let _ = review.evidence.write_text(&mut footer);
    out.push_str(&String::from_utf8_lossy(&footer));
    out
}
