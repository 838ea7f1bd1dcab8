//! The roster as JSON, schema_version 1, `command: "roster"`:
//! `{"schema_version":1,"command":"roster","config":..,"complete":..,"errors":[..],
//!   "systems":[..],"people":[{..,"systems":{"github":{"held":[..],"granted":[..],"status":..}},
//!   "findings":n,"accepted":n}],"unused_exceptions":[..],"summary":{..},"evidence":{..}}`.

use std::io::Write;

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::{Map, Value, json};

use super::Roster;

#[derive(Serialize)]
struct HeldV1<'a> {
    resource: &'a str,
    pending: bool,
}

#[derive(Serialize)]
struct CellV1<'a> {
    held: Vec<HeldV1<'a>>,
    granted: &'a [String],
    status: &'static str,
}

#[derive(Serialize)]
struct PersonV1<'a> {
    name: Option<&'a str>,
    github_username: Option<&'a str>,
    email: Option<&'a str>,
    in_config: bool,
    line: Option<usize>,
    role: Option<&'a str>,
    level: Option<&'static str>,
    security_clearance: Option<&'static str>,
    probation_passed: Option<bool>,
    sponsor: Option<&'a str>,
    admin_checklist_reviewed_by: Option<&'a str>,
    absent_since: Option<String>,
    ignored: bool,
    systems: BTreeMap<&'static str, CellV1<'a>>,
    findings: usize,
    accepted: usize,
}

/// The roster's JSON value (its people are serialised from borrowed structs: 10,000 people x 8
/// systems stay quick).
pub fn value(roster: &Roster) -> Value {
    let mut v = head(roster);
    v["people"] = serde_json::to_value(people(roster)).unwrap_or(Value::Null);
    v
}

fn people(roster: &Roster) -> Vec<PersonV1<'_>> {
    roster
        .rows
        .iter()
        .map(|r| PersonV1 {
            name: r.name.as_deref(),
            github_username: r.github_username.as_deref(),
            email: r.email.as_deref(),
            in_config: r.in_config,
            line: r.line,
            role: r.role.as_deref(),
            level: r.level,
            security_clearance: r.security_clearance,
            probation_passed: r.probation_passed,
            sponsor: r.sponsor.as_deref(),
            admin_checklist_reviewed_by: r.admin_checklist_reviewed_by.as_deref(),
            absent_since: r.absent_since.map(|d| d.to_string()),
            ignored: r.ignored,
            systems: roster
                .systems
                .iter()
                .zip(&r.cells)
                .map(|(s, c)| {
                    (
                        s.as_str(),
                        CellV1 {
                            held: c
                                .held
                                .iter()
                                .map(|h| HeldV1 {
                                    resource: &h.resource,
                                    pending: h.pending,
                                })
                                .collect(),
                            granted: &c.expected,
                            status: c.status.as_str(),
                        },
                    )
                })
                .collect(),
            findings: r.findings,
            accepted: r.accepted,
        })
        .collect()
}

/// Everything but `people`.
fn head(roster: &Roster) -> Value {
    let mut by_status = Map::new();
    for (s, n) in super::counts(roster) {
        by_status.insert(s.as_str().to_owned(), Value::from(n));
    }
    json!({
        "schema_version": crate::report::json::SCHEMA_VERSION,
        "command": "roster",
        "config": roster.config_path,
        "complete": roster.complete,
        "errors": roster.errors.iter().map(|e| json!({
            "team": e.team,
            "system": e.system.map(|s| s.as_str()),
            "resource": e.resource,
            "message": e.message,
        })).collect::<Vec<_>>(),
        "systems": roster.systems.iter().map(|s| s.as_str()).collect::<Vec<_>>(),
        "people": [],
        "unused_exceptions": roster
            .unused_exceptions
            .iter()
            .map(|e| crate::report::json::exception_v1(e, e.expires <= roster.evidence.today))
            .collect::<Vec<_>>(),
        "summary": {
            "people": roster.people(),
            "not_in_config": roster.rows.len() - roster.people(),
            "findings": roster.findings,
            "accepted": roster.accepted,
            "cells_by_status": by_status,
        },
        "evidence": crate::report::evidence::evidence_v1(&roster.evidence),
    })
}

/// Write the roster as pretty JSON: the same document as [`value`], but the people are
/// serialised straight from borrowed structs (no intermediate value for them).
pub fn render(roster: &Roster, out: &mut impl Write) -> std::io::Result<()> {
    #[derive(Serialize)]
    struct Doc<'a> {
        #[serde(flatten)]
        head: Map<String, Value>,
        people: Vec<PersonV1<'a>>,
    }
    let mut head = match head(roster) {
        Value::Object(m) => m,
        _ => Map::new(),
    };
    head.remove("people");
    let doc = Doc {
        head,
        people: people(roster),
    };
    serde_json::to_writer_pretty(&mut *out, &doc)?;
    writeln!(out)
}
