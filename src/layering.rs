//! Guardrails on the library's layering, checked by reading the source: the library does not
//! import clap (only `cli.rs` and `main.rs` do), and the top-level modules import each other
//! without cycles (the command-line edge, `cli` and `commands`, counts as one module).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Every `.rs` file under `src/`, as (path relative to `src/`, text).
fn sources() -> Vec<(String, String)> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        let entries = std::fs::read_dir(dir).expect("src/ is readable");
        for entry in entries {
            let path = entry.expect("a directory entry").path();
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut paths = Vec::new();
    walk(&src, &mut paths);
    paths.sort();
    paths
        .into_iter()
        .map(|p| {
            let rel = p
                .strip_prefix(&src)
                .expect("under src/")
                .to_string_lossy()
                .replace('\\', "/");
            let text = std::fs::read_to_string(&p).expect("a readable source file");
            (rel, text)
        })
        .collect()
}

/// The code of a file: lines that are not comments (doc comments mention crates freely).
fn code_lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    text.lines()
        .enumerate()
        .map(|(i, l)| (i + 1, l))
        .filter(|(_, l)| !l.trim_start().starts_with("//"))
}

/// The top-level module a file belongs to: `github/rest/mod.rs` -> `github`.
fn top_module(rel: &str) -> String {
    let first = rel.split('/').next().unwrap_or(rel);
    let name = first.strip_suffix(".rs").unwrap_or(first);
    // The command-line edge: clap parsing and the command runners that take its arguments.
    if name == "commands" {
        "cli".to_owned()
    } else {
        name.to_owned()
    }
}

/// The names `crate::NAME` refers to in `line`.
fn crate_refs(line: &str) -> Vec<String> {
    line.match_indices("crate::")
        .filter(|(i, _)| {
            // `crate::`, not `access_crate::` or `$crate::`.
            !line[..*i]
                .chars()
                .next_back()
                .is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '$')
        })
        .map(|(i, m)| {
            line[i + m.len()..]
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect::<String>()
        })
        .filter(|name| !name.is_empty())
        .collect()
}

#[test]
fn only_the_cli_imports_clap() {
    let mut offenders = Vec::new();
    for (rel, text) in sources() {
        // This file names clap in its patterns.
        if rel == "cli.rs" || rel == "main.rs" || rel == "layering.rs" {
            continue;
        }
        for (n, line) in code_lines(&text) {
            let l = line.trim_start();
            if line.contains("clap::")
                || l.starts_with("use clap")
                || l.contains("extern crate clap")
            {
                offenders.push(format!("src/{rel}:{n}: {}", line.trim()));
            }
        }
    }
    assert!(
        offenders.is_empty(),
        "library code imports clap (give it its own type and convert in cli.rs):\n{}",
        offenders.join("\n")
    );
}

#[test]
fn top_level_modules_import_each_other_without_cycles() {
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut tops = BTreeSet::new();
    let files = sources();
    for (rel, _) in &files {
        tops.insert(top_module(rel));
    }
    for (rel, text) in &files {
        let from = top_module(rel);
        for (_, line) in code_lines(text) {
            for to in crate_refs(line) {
                let to = top_module(&to);
                if to != from && tops.contains(&to) {
                    graph.entry(from.clone()).or_default().insert(to);
                }
            }
        }
    }
    // A cycle exists when some module reaches itself.
    let reaches = |start: &str| -> BTreeSet<String> {
        let mut seen = BTreeSet::new();
        let mut todo: Vec<String> = graph
            .get(start)
            .map(|s| s.iter().cloned().collect())
            .unwrap_or_default();
        while let Some(m) = todo.pop() {
            if seen.insert(m.clone()) {
                todo.extend(graph.get(&m).into_iter().flatten().cloned());
            }
        }
        seen
    };
    let cyclic: Vec<String> = graph
        .keys()
        .filter(|m| reaches(m).contains(*m))
        .map(|m| {
            let back: Vec<&String> = graph[m].iter().filter(|t| reaches(t).contains(m)).collect();
            format!("{m} -> {back:?} -> ... -> {m}")
        })
        .collect();
    assert!(
        cyclic.is_empty(),
        "top-level modules import each other in a cycle:\n{}",
        cyclic.join("\n")
    );
}

#[test]
fn the_scanner_sees_imports() {
    assert_eq!(
        crate_refs("use crate::finding::{Finding, Kind}; $crate::x; my_crate::y"),
        ["finding"]
    );
    assert_eq!(top_module("github/rest/mod.rs"), "github");
    assert_eq!(top_module("commands/fix.rs"), "cli");
    assert_eq!(top_module("finding.rs"), "finding");
}
