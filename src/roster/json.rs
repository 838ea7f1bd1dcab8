//! The roster as JSON, schema_version 1, `command: "roster"`:
//! `{"schema_version":1,"command":"roster","config":..,"complete":..,"errors":[..],
//!   "systems":[..],"people":[{..,"systems":{"github":{"held":[..],"granted":[..],"status":..}},
//!   "findings":n,"accepted":n}],"unused_exceptions":[..],"summary":{..},"evidence":{..}}`.

use std::io::Write;

use serde_json::{Map, Value, json};

use super::Roster;

pub fn value(roster: &Roster) -> Value {
    let people: Vec<Value> = roster
        .rows
        .iter()
        .map(|r| {
            let mut systems = Map::new();
            for (s, c) in roster.systems.iter().zip(&r.cells) {
                systems.insert(
                    s.as_str().to_owned(),
                    json!({
                        "held": c.held.iter().map(|h| json!({"resource": h.resource, "pending": h.pending})).collect::<Vec<_>>(),
                        "granted": c.expected,
                        "status": c.status.as_str(),
                    }),
                );
            }
            json!({
                "name": r.name,
                "github_username": r.github_username,
                "email": r.email,
                "in_config": r.in_config,
                "line": r.line,
                "role": r.role,
                "level": r.level,
                "security_clearance": r.security_clearance,
                "probation_passed": r.probation_passed,
                "sponsor": r.sponsor,
                "admin_checklist_reviewed_by": r.admin_checklist_reviewed_by,
                "absent_since": r.absent_since.map(|d| d.to_string()),
                "ignored": r.ignored,
                "systems": systems,
                "findings": r.findings,
                "accepted": r.accepted,
            })
        })
        .collect();
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
        "people": people,
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

pub fn render(roster: &Roster, out: &mut impl Write) -> std::io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, &value(roster))?;
    writeln!(out)
}
