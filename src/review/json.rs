//! The review as JSON, schema_version 1:
//! `{"schema_version":1,"command":"review","base":..,"head":..,"complete":true,"errors":[],
//!   "changes":[..],"findings":[..each with "introduced"],"summary":{..}}`.

use serde_json::{Map, Value, json};

use super::{Change, Review};
use crate::finding::Finding;

/// One change as its JSON object.
pub fn change(c: &Change) -> Value {
    json!({
        "github_username": c.github_username,
        "previous_github_username": c.previous_github_username,
        "name": c.name,
        "change": c.kind.as_str(),
        "from_role": c.from_role,
        "to_role": c.to_role,
        "teams_added": c.teams_added,
        "teams_removed": c.teams_removed,
        "line": c.line,
        "removed_from_file": c.removed_from_file,
    })
}

/// A change's access per system (`access`, for any mapping but GitHub alone):
/// `[{"system": "github", "added": [..], "removed": [..]}, ..]`.
pub fn access(c: &Change) -> Value {
    c.access
        .iter()
        .map(|a| {
            json!({
                "system": a.system.as_str(),
                "added": a.added,
                "removed": a.removed,
            })
        })
        .collect()
}

/// One finding as the v1 JSON object (the same shape as `check` and `drift`, from
/// [`report::json::finding_v1`](crate::report::json::finding_v1)), plus `introduced`.
pub fn finding(f: &Finding, introduced: impl Into<Option<bool>>) -> Value {
    let mut obj = match serde_json::to_value(crate::report::json::finding_v1(f)) {
        Ok(Value::Object(m)) => m,
        // FindingV1 is a plain struct of strings, numbers and options: always an object.
        _ => Map::new(),
    };
    obj.insert(
        "introduced".to_owned(),
        introduced.into().map_or(Value::Null, Value::Bool),
    );
    Value::Object(obj)
}

/// Render a computed review (pretty-printed, with a final newline).
pub fn render(review: &Review) -> String {
    let mut by_change = Map::new();
    for (kind, n) in review.counts_by_kind() {
        by_change.insert(kind.as_str().to_owned(), Value::from(n));
    }
    let introduced = review.introduced_count();
    let value = json!({
        "schema_version": crate::report::json::SCHEMA_VERSION,
        "command": "review",
        "base": review.base_path,
        "head": review.head_path,
        "complete": true,
        "errors": [],
        "headline": super::headline(&review.diff),
        "changes": review
            .diff
            .changes
            .iter()
            .map(|c| {
                let mut v = change(c);
                // With GitHub alone the v1 keys say it all, and the v1 output is unchanged.
                if review.per_system()
                    && let Value::Object(m) = &mut v
                {
                    m.insert("access".to_owned(), access(c));
                }
                v
            })
            .collect::<Vec<_>>(),
        "findings": review
            .findings
            .iter()
            .map(|f| finding(&f.finding, f.introduced))
            .collect::<Vec<_>>(),
        "accepted": review
            .accepted
            .iter()
            // Accepted findings do not count either way: `introduced` is null.
            .map(|f| finding(f, None))
            .collect::<Vec<_>>(),
        "unused_exceptions": review
            .unused_exceptions
            .iter()
            .map(|e| crate::report::json::exception_v1(e, e.expires <= review.evidence.today))
            .collect::<Vec<_>>(),
        "evidence": crate::report::evidence::evidence_v1(&review.evidence),
        "summary": {
            "people": review.people,
            "changes": review.diff.changes.len(),
            "by_change": by_change,
            "other_entries_changed": review.diff.other_edits,
            "findings": review.findings.len(),
            "findings_introduced": introduced,
            "findings_present": review.findings.len() - introduced,
            "accepted": review.accepted.len(),
        },
    });
    let mut s = serde_json::to_string_pretty(&value).unwrap_or_else(|e| {
        // Serialising a Value built above cannot fail; say so if it ever does.
        format!("{{\"error\":\"cannot serialise the report: {e}\"}}")
    });
    s.push('\n');
    s
}
