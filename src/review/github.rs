//! The review as GitHub Actions workflow commands: each introduced finding annotates its line
//! of the head config as an error, each access change as a notice.

use std::fmt::Write as _;

use super::Review;
use crate::report::github::{escape_data, escape_property};
use crate::report::text::label;

fn with_fix(message: &str, fix: &str) -> String {
    if fix.is_empty() {
        message.to_owned()
    } else {
        format!("{message} (fix: {fix})")
    }
}

/// Render a computed review.
pub fn render(review: &Review) -> String {
    let mut out = String::new();
    let file = escape_property(&review.head_path);
    // GitHub shows at most 10 annotations of each level per step: keep room for the notices
    // that say what was left out and the closing headline.
    let (mut notices_left, mut errors_left) = (PER_LEVEL - 2, PER_LEVEL);
    let (mut dropped_changes, mut dropped_findings) = (0usize, 0usize);
    for c in &review.diff.changes {
        if notices_left == 0 {
            dropped_changes += 1;
            continue;
        }
        notices_left -= 1;
        let who = match (&c.github_username, &c.previous_github_username) {
            (Some(new), Some(old)) => format!("{new} (was {old})"),
            (Some(login), None) => login.clone(),
            (None, _) => c.name.clone(),
        };
        let roles = if c.from_role == c.to_role {
            format!("{} unchanged", c.to_role.as_deref().unwrap_or("none"))
        } else {
            format!(
                "{} -> {}",
                c.from_role.as_deref().unwrap_or("none"),
                c.to_role.as_deref().unwrap_or("none")
            )
        };
        let msg = format!("{} {who}: {roles}", c.kind.as_str());
        if c.removed_from_file {
            let _ = writeln!(
                out,
                "::notice title=access {}::{} (removed from the file)",
                c.kind.as_str().replace('_', " "),
                escape_data(&msg)
            );
        } else {
            let _ = writeln!(
                out,
                "::notice file={file},line={},title=access {}::{}",
                c.line,
                c.kind.as_str().replace('_', " "),
                escape_data(&msg)
            );
        }
    }
    for f in review.introduced() {
        if errors_left == 0 {
            dropped_findings += 1;
            continue;
        }
        errors_left -= 1;
        let _ = writeln!(
            out,
            "::error file={file},line={},title={}::{}",
            f.line.unwrap_or(1),
            escape_property(label(f)),
            escape_data(&with_fix(&f.message, &f.fix))
        );
    }
    if dropped_changes + dropped_findings > 0 {
        let _ = writeln!(
            out,
            "::notice title=more annotations::{}",
            escape_data(&format!(
                "{dropped_changes} more access change(s) and {dropped_findings} more introduced finding(s) are not shown as annotations (GitHub shows {PER_LEVEL} per level and step); run with --format markdown or text for the full review"
            ))
        );
    }
    for e in &review.unused_exceptions {
        let _ = writeln!(
            out,
            "::notice file={},line={},title=unused exception::{}",
            escape_property(&e.file),
            e.line,
            escape_data(&format!(
                "This exception ({}) matches no finding; remove it.",
                crate::report::accepted::exception_target(e)
            ))
        );
    }
    let _ = writeln!(out, "{}", super::headline(&review.diff));
    out
}

/// GitHub shows at most this many annotations of one level per step.
const PER_LEVEL: usize = 10;
