//! Config errors (exit 2) in the report formats, so a CI run shows them where it shows findings:
//! `::error file=...,line=...,col=...::` annotations for `--format github`, and a Markdown error
//! block for `--format markdown` and `$GITHUB_STEP_SUMMARY`. The text on stderr is unchanged.

use std::fmt::Write as _;
use std::path::Path;

use super::github::{escape_data, escape_property};
use crate::config::{ConfigError, ConfigErrors};

/// GitHub shows at most this many annotations of one level per step; the rest are dropped.
pub const MAX_ANNOTATIONS: usize = 10;

/// The path an annotation names: relative to `workspace` (`$GITHUB_WORKSPACE`) when the path is
/// absolute and inside it, else as given.
pub fn annotation_path(file: &str, workspace: Option<&str>) -> String {
    let path = Path::new(file);
    if path.is_absolute()
        && let Some(ws) = workspace.filter(|w| !w.is_empty())
        && let Ok(rel) = path.strip_prefix(ws)
    {
        return rel.display().to_string();
    }
    file.to_owned()
}

/// `file:line:col`, leaving out what is unknown (0).
pub fn location(e: &ConfigError) -> String {
    let mut at = e.file.clone();
    if e.line > 0 {
        let _ = write!(at, ":{}", e.line);
        if e.col > 0 {
            let _ = write!(at, ":{}", e.col);
        }
    }
    at
}

/// One `::error` annotation per error, at most [`MAX_ANNOTATIONS`]; then a notice saying how many
/// more there are and where the full list is.
pub fn annotations(errors: &ConfigErrors, workspace: Option<&str>) -> String {
    let mut out = String::new();
    for e in errors.0.iter().take(MAX_ANNOTATIONS) {
        let mut props = format!(
            "file={}",
            escape_property(&annotation_path(&e.file, workspace))
        );
        if e.line > 0 {
            let _ = write!(props, ",line={}", e.line);
            if e.col > 0 {
                let _ = write!(props, ",col={}", e.col);
            }
        }
        let mut message = e.message.clone();
        if let Some(help) = &e.help {
            let _ = write!(message, " (fix: {help})");
        }
        let _ = writeln!(
            out,
            "::error {props},title=config error::{}",
            escape_data(&message)
        );
    }
    let n = errors.0.len();
    if n > MAX_ANNOTATIONS {
        let _ = writeln!(
            out,
            "::notice title=access-reconciler::{}",
            escape_data(&format!(
                "{} more config errors are not shown as annotations (GitHub shows {MAX_ANNOTATIONS} per step); every error is listed in this step's log (stderr)",
                n - MAX_ANNOTATIONS
            ))
        );
    }
    let _ = writeln!(
        out,
        "::notice title=access-reconciler::{}",
        escape_data(&format!(
            "{n} config error{} found; nothing was checked",
            if n == 1 { "" } else { "s" }
        ))
    );
    out
}

/// A Markdown block listing every error, for `--format markdown` and the step summary.
pub fn markdown(command: &str, errors: &ConfigErrors) -> String {
    let n = errors.0.len();
    let mut out = format!("## access-reconciler {command}\n\n");
    let _ = writeln!(
        out,
        "> [!CAUTION]\n> **{n} error{} in the input; nothing was checked.** Fix {} and run again.\n",
        if n == 1 { "" } else { "s" },
        if n == 1 { "it" } else { "them" }
    );
    out.push_str("| Where | Problem | How to fix |\n|---|---|---|\n");
    for e in &errors.0 {
        let _ = writeln!(
            out,
            "| `{}` | {} | {} |",
            location(e).replace('`', "'").replace('|', "\\|"),
            super::markdown::cell(&e.message),
            e.help
                .as_deref()
                .map(super::markdown::cell)
                .unwrap_or_else(|| "—".into()),
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Pos;

    #[test]
    fn paths_are_made_relative_to_the_workspace() {
        assert_eq!(
            annotation_path("/w/repo/config/a.yml", Some("/w/repo")),
            "config/a.yml"
        );
        assert_eq!(
            annotation_path("config/a.yml", Some("/w/repo")),
            "config/a.yml"
        );
        assert_eq!(
            annotation_path("/elsewhere/a.yml", Some("/w/repo")),
            "/elsewhere/a.yml"
        );
    }

    #[test]
    fn at_most_ten_annotations_then_a_notice() {
        let errors = ConfigErrors(
            (1..=12)
                .map(|l| ConfigError::new("c.yml", Pos { line: l, col: 3 }, "bad"))
                .collect(),
        );
        let out = annotations(&errors, None);
        assert_eq!(out.matches("::error ").count(), 10);
        assert!(out.contains("2 more config errors"), "{out}");
        assert!(out.contains("::error file=c.yml,line=1,col=3,title=config error::bad"));
    }
}
