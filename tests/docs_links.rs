//! The user's manual holds together: README.md and docs/*.md.
//! - every relative link resolves to a file in the repository, and every `#anchor` (in the same
//!   page or another Markdown page) names a heading of that page, by GitHub's anchor rules
//!   (lowercase, spaces to `-`, punctuation removed, `-1`, `-2`... for repeated headings);
//! - the Markdown reports link each rule code to `README.md#<code>`: that anchor exists;
//! - the `--help` blocks in docs/commands.md are the real binary's `--help` output. To regenerate
//!   them after changing a flag: `UPDATE_DOCS=1 cargo test --test docs_links`.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Component, Path, PathBuf};

use access_reconciler::finding::Rule;

/// The Markdown files of the manual, relative to the crate root.
fn manual_pages() -> Vec<PathBuf> {
    let root = common::root();
    let mut pages = vec![PathBuf::from("README.md")];
    let mut docs: Vec<PathBuf> = fs::read_dir(root.join("docs"))
        .expect("docs/ exists")
        .map(|e| e.expect("docs/ entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
        .map(|p| p.strip_prefix(&root).expect("under the root").to_path_buf())
        .collect();
    docs.sort();
    pages.extend(docs);
    pages
}

fn read(rel: &Path) -> String {
    let path = common::root().join(rel);
    fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

/// The lines of a Markdown text that are not inside a fenced code block, with their numbers.
fn prose_lines(text: &str) -> Vec<(usize, &str)> {
    let mut fence: Option<&str> = None;
    let mut lines = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let trimmed = line.trim_start();
        let marker = if trimmed.starts_with("```") {
            Some("```")
        } else if trimmed.starts_with("~~~") {
            Some("~~~")
        } else {
            None
        };
        match (fence, marker) {
            (None, Some(m)) => fence = Some(m),
            (Some(f), Some(m)) if f == m => fence = None,
            (None, None) => lines.push((i + 1, line)),
            _ => {}
        }
    }
    lines
}

/// GitHub's anchor for a heading's text: lowercase; letters, digits, `-` and `_` kept; spaces
/// become `-`; everything else (punctuation, backticks, symbols) is removed.
fn slug(heading: &str) -> String {
    heading
        .trim()
        .to_lowercase()
        .chars()
        .filter_map(|c| match c {
            ' ' => Some('-'),
            '-' | '_' => Some(c),
            c if c.is_alphanumeric() => Some(c),
            _ => None,
        })
        .collect()
}

/// Every anchor a page defines: its headings (repeats get `-1`, `-2`, ...) and any
/// `<a id="...">` or `<a name="...">`.
fn anchors(text: &str) -> BTreeSet<String> {
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    let mut out = BTreeSet::new();
    for (_, line) in prose_lines(text) {
        let hashes = line.chars().take_while(|&c| c == '#').count();
        if (1..=6).contains(&hashes) && line[hashes..].starts_with(' ') {
            let base = slug(&line[hashes..]);
            let n = seen.entry(base.clone()).or_insert(0);
            out.insert(if *n == 0 {
                base.clone()
            } else {
                format!("{base}-{n}")
            });
            *n += 1;
        }
        for attr in ["<a id=\"", "<a name=\""] {
            for (i, _) in line.match_indices(attr) {
                let rest = &line[i + attr.len()..];
                if let Some(end) = rest.find('"') {
                    out.insert(rest[..end].to_string());
                }
            }
        }
    }
    out
}

/// A line with its inline code spans removed (so `[a](b)` written as code is not a link).
fn without_code_spans(line: &str) -> String {
    let mut out = String::new();
    let mut rest = line;
    while let Some(start) = rest.find('`') {
        out.push_str(&rest[..start]);
        let ticks = rest[start..].chars().take_while(|&c| c == '`').count();
        let after = &rest[start + ticks..];
        let closing = "`".repeat(ticks);
        match after.find(&closing) {
            Some(end) => rest = &after[end + ticks..],
            None => {
                out.push_str(&rest[start..]);
                return out;
            }
        }
    }
    out.push_str(rest);
    out
}

/// The targets of the inline links `[text](target)` in a page, with their line numbers.
fn links(text: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    for (number, line) in prose_lines(text) {
        let line = without_code_spans(line);
        for (i, _) in line.match_indices("](") {
            let rest = &line[i + 2..];
            let mut depth = 0usize;
            let mut end = None;
            for (j, c) in rest.char_indices() {
                match c {
                    '(' => depth += 1,
                    ')' if depth == 0 => {
                        end = Some(j);
                        break;
                    }
                    ')' => depth -= 1,
                    _ => {}
                }
            }
            let target = &rest[..end.unwrap_or(rest.len())];
            // A title after the URL: [x](url "title").
            let target = target.split_whitespace().next().unwrap_or("");
            out.push((number, target.to_string()));
        }
    }
    out
}

/// `a/b/../c` -> `a/c`, without touching the file system.
fn normalise(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for part in path.components() {
        match part {
            Component::ParentDir => {
                assert!(out.pop(), "{} leaves the repository", path.display());
            }
            Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

/// Every broken relative link or anchor in the manual, as `page:line: target: why`.
fn broken_links() -> Vec<String> {
    let root = common::root();
    let pages = manual_pages();
    let texts: BTreeMap<PathBuf, String> = pages.iter().map(|p| (p.clone(), read(p))).collect();
    let page_anchors: BTreeMap<&PathBuf, BTreeSet<String>> =
        texts.iter().map(|(p, t)| (p, anchors(t))).collect();
    let mut broken = Vec::new();
    for (page, text) in &texts {
        for (line, target) in links(text) {
            if target.is_empty() {
                broken.push(format!("{}:{line}: an empty link", page.display()));
                continue;
            }
            if target.contains("://") || target.starts_with("mailto:") {
                continue;
            }
            let (path_part, anchor) = match target.split_once('#') {
                Some((p, a)) => (p, Some(a)),
                None => (target.as_str(), None),
            };
            let file = if path_part.is_empty() {
                page.clone()
            } else {
                if path_part.starts_with('/') {
                    broken.push(format!(
                        "{}:{line}: {target}: use a relative path",
                        page.display()
                    ));
                    continue;
                }
                normalise(&page.parent().unwrap_or(Path::new("")).join(path_part))
            };
            if !root.join(&file).exists() {
                broken.push(format!(
                    "{}:{line}: {target}: {} does not exist",
                    page.display(),
                    file.display()
                ));
                continue;
            }
            let Some(anchor) = anchor else { continue };
            if file.extension().is_none_or(|e| e != "md") {
                continue; // a line anchor in a source file, say
            }
            let defined = match page_anchors.get(&file) {
                Some(a) => a.clone(),
                None => anchors(&read(&file)),
            };
            if !defined.contains(anchor) {
                broken.push(format!(
                    "{}:{line}: {target}: {} has no heading with the anchor #{anchor}",
                    page.display(),
                    file.display()
                ));
            }
        }
    }
    broken
}

#[test]
fn every_relative_link_and_anchor_in_the_manual_resolves() {
    let broken = broken_links();
    assert!(
        broken.is_empty(),
        "broken links in the manual:\n{}",
        broken.join("\n")
    );
}

#[test]
fn the_markdown_reports_rule_links_resolve() {
    // src/report/markdown.rs links each rule code to RULES_DOC_URL#<anchor>, the README.
    assert!(access_reconciler::report::markdown::RULES_DOC_URL.ends_with("/README.md"));
    let readme = anchors(&read(Path::new("README.md")));
    for rule in Rule::ALL {
        assert!(
            readme.contains(rule.doc_anchor()),
            "README.md has no heading #{} (the Markdown reports link to it)",
            rule.doc_anchor()
        );
    }
}

#[test]
fn anchors_follow_githubs_rules() {
    assert_eq!(
        slug("The config file (`govuk_tech.yml`)"),
        "the-config-file-govuk_techyml"
    );
    assert_eq!(
        slug("`check`: the config against the access rules"),
        "check-the-config-against-the-access-rules"
    );
    assert_eq!(
        slug("temporary_admin.yml (`--temporary-admin PATH`)"),
        "temporary_adminyml---temporary-admin-path"
    );
    assert_eq!(slug("1. Create a GitHub App"), "1-create-a-github-app");
    let text = "# A\n```\n# not a heading\n```\n## A\n<a id=\"x\"></a>\n";
    assert_eq!(
        anchors(text),
        ["a", "a-1", "x"].map(String::from).into_iter().collect()
    );
    assert_eq!(
        links("see [`x`](a.md#b) and `[c](d)` and [e](f (g))"),
        vec![(1, "a.md#b".to_string()), (1, "f".to_string())]
    );
}

// ---------------------------------------------------------------------------------------------
// docs/commands.md: the `--help` blocks.

const COMMANDS_MD: &str = "docs/commands.md";
const BEGIN: &str = "<!-- help: ";
const END: &str = "<!-- end help -->";

/// `access-reconciler <args> --help`, at a fixed width so the text does not depend on the terminal.
fn help_text(args: &str) -> String {
    let output = common::bin()
        .args(args.split_whitespace())
        .arg("--help")
        .env("COLUMNS", "100")
        .output()
        .expect("run the binary");
    assert!(
        output.status.success(),
        "`access-reconciler {args} --help` failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    // clap pads some blank lines with spaces; a Markdown file keeps no trailing whitespace.
    let text = String::from_utf8(output.stdout).expect("UTF-8 help");
    text.lines()
        .map(str::trim_end)
        .collect::<Vec<_>>()
        .join("\n")
}

/// docs/commands.md with every `<!-- help: ARGS -->` ... `<!-- end help -->` block replaced by
/// the binary's help for ARGS, and the ARGS in order.
fn regenerate_commands_md(text: &str) -> (String, Vec<String>) {
    let mut out = String::new();
    let mut seen = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find(BEGIN) {
        let header_end = start + rest[start..].find("-->").expect("a closed marker") + 3;
        let args = rest[start + BEGIN.len()..header_end - 3].trim().to_string();
        let end = header_end
            + rest[header_end..]
                .find(END)
                .unwrap_or_else(|| panic!("{COMMANDS_MD}: no {END} after the help of {args:?}"));
        out.push_str(&rest[..header_end]);
        out.push_str("\n```text\n");
        out.push_str(help_text(&args).trim_end());
        out.push_str("\n```\n");
        out.push_str(END);
        rest = &rest[end + END.len()..];
        seen.push(args);
    }
    out.push_str(rest);
    (out, seen)
}

#[test]
fn commands_md_help_blocks_are_the_binarys_help() {
    let path = common::root().join(COMMANDS_MD);
    let text = read(Path::new(COMMANDS_MD));
    let (fresh, seen) = regenerate_commands_md(&text);
    // Every subcommand the binary offers has its help block (and the top level, "").
    let top = help_text("");
    let commands: Vec<&str> = top
        .split("Commands:")
        .nth(1)
        .expect("the top-level help lists commands")
        .lines()
        .skip(1)
        .take_while(|l| l.starts_with("  "))
        // A command's name is indented two spaces; a wrapped description, more.
        .filter(|l| !l.starts_with("   "))
        .filter_map(|l| l.split_whitespace().next())
        .filter(|c| *c != "help")
        .collect();
    for command in &commands {
        assert!(
            seen.iter().any(|s| s == command),
            "{COMMANDS_MD} has no `{BEGIN}{command} -->` block"
        );
    }
    assert!(seen.iter().any(|s| s.is_empty()), "no top-level help block");
    if std::env::var_os("UPDATE_DOCS").is_some() {
        fs::write(&path, &fresh).expect("write docs/commands.md");
        return;
    }
    assert!(
        fresh == text,
        "{COMMANDS_MD}'s --help blocks differ from the binary's --help: run \
         `UPDATE_DOCS=1 cargo test --test docs_links` and review the diff"
    );
}
