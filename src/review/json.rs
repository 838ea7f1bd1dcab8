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

/// The review's wire form: keys in a fixed order, `schema_version` first, as `check` and
/// `drift` write theirs (a `serde_json::Value` would sort them alphabetically).
#[derive(serde::Serialize)]
struct ReviewV1<'a> {
    schema_version: u32,
    command: &'static str,
    base: &'a str,
    head: &'a str,
    complete: bool,
    errors: [(); 0],
    headline: String,
    changes: Vec<ChangeV1<'a>>,
    findings: Vec<FindingWithIntroduced>,
    /// Findings an unexpired exception accepts (`introduced` null: they count either way).
    accepted: Vec<FindingWithIntroduced>,
    unused_exceptions: Vec<crate::report::json::ExceptionV1>,
    summary: SummaryV1,
    evidence: crate::report::evidence::EvidenceV1,
}

#[derive(serde::Serialize)]
struct ChangeV1<'a> {
    github_username: &'a Option<String>,
    previous_github_username: &'a Option<String>,
    name: &'a str,
    change: &'static str,
    from_role: &'a Option<String>,
    to_role: &'a Option<String>,
    teams_added: &'a [String],
    teams_removed: &'a [String],
    line: usize,
    removed_from_file: bool,
    /// The access per system, for any mapping but GitHub alone (see [`access`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    access: Option<Value>,
}

#[derive(serde::Serialize)]
struct FindingWithIntroduced {
    #[serde(flatten)]
    finding: crate::report::json::FindingV1,
    introduced: Option<bool>,
}

#[derive(serde::Serialize)]
struct SummaryV1 {
    people: usize,
    changes: usize,
    by_change: std::collections::BTreeMap<String, usize>,
    other_entries_changed: usize,
    findings: usize,
    findings_introduced: usize,
    findings_present: usize,
    accepted: usize,
}

/// Render a computed review (pretty-printed, with a final newline).
pub fn render(review: &Review) -> String {
    let introduced = review.introduced_count();
    let value = ReviewV1 {
        schema_version: crate::report::json::SCHEMA_VERSION,
        command: "review",
        base: &review.base_path,
        head: &review.head_path,
        complete: true,
        errors: [],
        headline: super::headline(&review.diff),
        changes: review
            .diff
            .changes
            .iter()
            .map(|c| ChangeV1 {
                github_username: &c.github_username,
                previous_github_username: &c.previous_github_username,
                name: &c.name,
                change: c.kind.as_str(),
                from_role: &c.from_role,
                to_role: &c.to_role,
                teams_added: &c.teams_added,
                teams_removed: &c.teams_removed,
                line: c.line,
                removed_from_file: c.removed_from_file,
                // With GitHub alone the v1 keys say it all, and the v1 output is unchanged.
                access: review.per_system().then(|| access(c)),
            })
            .collect(),
        findings: review
            .findings
            .iter()
            .map(|f| FindingWithIntroduced {
                finding: crate::report::json::finding_v1(&f.finding),
                introduced: Some(f.introduced),
            })
            .collect(),
        accepted: review
            .accepted
            .iter()
            // Accepted findings do not count either way: `introduced` is null.
            .map(|f| FindingWithIntroduced {
                finding: crate::report::json::finding_v1(f),
                introduced: None,
            })
            .collect(),
        unused_exceptions: review
            .unused_exceptions
            .iter()
            .map(|e| crate::report::json::exception_v1(e, e.expires <= review.evidence.today))
            .collect(),
        summary: SummaryV1 {
            people: review.people,
            changes: review.diff.changes.len(),
            by_change: review
                .counts_by_kind()
                .into_iter()
                .map(|(k, n)| (k.as_str().to_owned(), n))
                .collect(),
            other_entries_changed: review.diff.other_edits,
            findings: review.findings.len(),
            findings_introduced: introduced,
            findings_present: review.findings.len() - introduced,
            accepted: review.accepted.len(),
        },
        evidence: crate::report::evidence::evidence_v1(&review.evidence),
    };
    let mut s = serde_json::to_string_pretty(&value).unwrap_or_else(|e| {
        // Serialising these plain structs cannot fail; say so if it ever does.
        format!("{{\"error\":\"cannot serialise the report: {e}\"}}")
    });
    s.push('\n');
    s
}
