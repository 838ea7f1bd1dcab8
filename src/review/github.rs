//! The review as GitHub Actions workflow commands: each introduced finding annotates its line
//! of the head config as an error, each access change as a notice.

use std::fmt::Write as _;

use super::Review;
use crate::finding::Kind;

/// Escape a workflow-command message (`%`, CR, LF) or property (also `:` and `,`).
fn esc(s: &str, property: bool) -> String {
    let mut out = String::with_capacity(s.len());
    for ch in s.chars() {
        match ch {
            '%' => out.push_str("%25"),
            '\r' => out.push_str("%0D"),
            '\n' => out.push_str("%0A"),
            ':' if property => out.push_str("%3A"),
            ',' if property => out.push_str("%2C"),
            c => out.push(c),
        }
    }
    out
}

/// Render a computed review.
pub fn render(review: &Review) -> String {
    let mut out = String::new();
    let file = esc(&review.head_path, true);
    for c in review.diff.changes.iter().filter(|c| !c.removed_from_file) {
        let who = c.github_username.as_deref().unwrap_or(&c.name);
        let msg = format!(
            "{} {}: {} -> {}",
            c.kind.as_str(),
            who,
            c.from_role.as_deref().unwrap_or("none"),
            c.to_role.as_deref().unwrap_or("none")
        );
        let _ = writeln!(
            out,
            "::notice file={file},line={},title=access {}::{}",
            c.line,
            c.kind.as_str(),
            esc(&msg, false)
        );
    }
    for f in review.introduced() {
        let rule = match f.kind {
            Kind::PolicyViolation(rule) => rule.code(),
            kind => kind.as_str(),
        };
        let _ = writeln!(
            out,
            "::error file={file},line={},title={}::{}",
            f.line.unwrap_or(1),
            esc(rule, true),
            esc(format!("{} {}", f.message, f.fix).trim(), false)
        );
    }
    let _ = writeln!(out, "{}", super::headline(&review.diff));
    out
}
