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
    let file = esc(&review.head_path, true);
    for c in &review.diff.changes {
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
                esc(&msg, false)
            );
        } else {
            let _ = writeln!(
                out,
                "::notice file={file},line={},title=access {}::{}",
                c.line,
                c.kind.as_str().replace('_', " "),
                esc(&msg, false)
            );
        }
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
            esc(&with_fix(&f.message, &f.fix), false)
        );
    }
    let _ = writeln!(out, "{}", super::headline(&review.diff));
    out
}
