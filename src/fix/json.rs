//! `fix --format json`: the report (schema version 1, `command: "fix"`, the same `complete`,
//! `errors`, `findings` and `summary` as `drift`), plus the edits, each with the line it changes
//! and its reasons (each reason with the findings that caused it), the notes, the diff, and the
//! pull request it opened, updated or closed. Pure: no I/O.

use serde_json::{Map, Value, json};

use super::Edit;
use super::pr::Outcome;
use super::propose::{Plan, Proposal, Reason};
use crate::config::Config;
use crate::finding::{Finding, Kind};
use crate::policy::Rule;
use crate::report::Report;
use crate::report::json::{finding_v1, report_v1};

/// What `fix` was asked to do with the edits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Print them (the default).
    DryRun,
    /// `--write`: write them to the config file.
    Write,
    /// `--open-pr`: put them in one pull request.
    OpenPr,
}

impl Mode {
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::DryRun => "dry_run",
            Mode::Write => "write",
            Mode::OpenPr => "open_pr",
        }
    }
}

/// Everything the JSON needs.
pub struct FixJson<'a> {
    pub report: &'a Report,
    pub mode: Mode,
    pub plan: &'a Plan,
    /// The config as read, for the lines the edits change.
    pub config: &'a Config,
    /// The edited config (re-validated), for the lines of new entries; `None` without edits.
    pub edited: Option<&'a Config>,
    pub diff: &'a str,
    /// `--write`: whether the file was written.
    pub written: bool,
    /// `--open-pr`: what happened to the pull request.
    pub pull_request: Option<&'a Outcome>,
}

/// The JSON (pretty, with a final newline).
pub fn render(fix: &FixJson<'_>) -> String {
    let mut obj = match serde_json::to_value(report_v1(fix.report)) {
        Ok(Value::Object(m)) => m,
        // ReportV1 is a plain struct: always an object.
        _ => Map::new(),
    };
    let edits: Vec<Value> = fix.plan.proposals.iter().map(|p| edit(p, fix)).collect();
    obj.insert("config".into(), json!(fix.report.config_path));
    obj.insert("mode".into(), json!(fix.mode.as_str()));
    obj.insert("edits".into(), Value::Array(edits));
    obj.insert(
        "notes".into(),
        fix.plan.notes.iter().map(|n| json!(n.0)).collect(),
    );
    obj.insert("diff".into(), json!(fix.diff));
    obj.insert("written".into(), json!(fix.written));
    obj.insert(
        "pull_request".into(),
        fix.pull_request.map_or(Value::Null, pull_request),
    );
    if let Some(Value::Object(summary)) = obj.get_mut("summary") {
        summary.insert("edits".into(), json!(fix.plan.proposals.len()));
        summary.insert("roles_revoked".into(), json!(fix.plan.revoked()));
    }
    let mut s = serde_json::to_string_pretty(&Value::Object(obj)).unwrap_or_else(|e| {
        // Serialising a Value built above cannot fail; say so if it ever does.
        format!("{{\"error\":\"cannot serialise the report: {e}\"}}")
    });
    s.push('\n');
    s
}

/// One edit: what it does, to whom, on which line, and why.
fn edit(p: &Proposal, fix: &FixJson<'_>) -> Value {
    let person = p.edit.person().and_then(|i| fix.config.people.get(i));
    let line = match (&p.edit, person) {
        (Edit::RemoveRole { .. } | Edit::RaiseRole { .. }, Some(person)) => {
            Some(person.role.as_ref().map_or(person.pos.line, |r| r.pos.line))
        }
        (Edit::SetLogin { .. }, Some(person)) => Some(
            person
                .github_username
                .as_ref()
                .map_or(person.pos.line, |l| l.pos.line),
        ),
        (Edit::AddPerson { login, .. }, _) => fix.edited.and_then(|after| {
            after
                .people
                .iter()
                .skip(fix.config.people.len())
                .find(|q| q.login().is_some_and(|l| l.eq_ignore_ascii_case(login)))
                .map(|q| q.pos.line)
        }),
        _ => None,
    };
    let (action, role, new_login) = match &p.edit {
        Edit::RemoveRole { .. } => ("remove_role", None, None),
        Edit::SetLogin { new, .. } => ("set_github_username", None, Some(new.as_str())),
        Edit::AddPerson { role, .. } => ("add_entry", role.as_deref(), None),
        Edit::RaiseRole { role, .. } => ("set_role", Some(role.as_str()), None),
    };
    json!({
        "action": action,
        "name": p.name,
        "github_username": p.login,
        "line": line,
        "in_edited_file": matches!(p.edit, Edit::AddPerson { .. }),
        "role": role,
        "new_github_username": new_login,
        "summary": p.summary(),
        "reasons": p.reasons.iter().map(|r| reason(r, p, &fix.report.findings)).collect::<Vec<_>>(),
    })
}

/// One reason, with the findings that caused it.
fn reason(r: &Reason, p: &Proposal, findings: &[Finding]) -> Value {
    let key = p
        .login
        .as_deref()
        .map(str::to_ascii_lowercase)
        .unwrap_or_else(|| p.name.clone());
    let in_teams =
        |f: &Finding, teams: &[String]| f.team.as_ref().is_some_and(|t| teams.contains(t));
    let (kind, caused_by): (&str, Vec<&Finding>) = match r {
        Reason::Absence(_) => (
            "absence_revocation",
            findings
                .iter()
                .filter(|f| f.kind == Kind::PolicyViolation(Rule::AbsenceRevocation))
                .filter(|f| f.person_key() == key)
                .collect(),
        ),
        Reason::LeftOrg { teams } => (
            "left_org",
            findings
                .iter()
                .filter(|f| f.kind == Kind::Missing && f.person_key() == key && in_teams(f, teams))
                .collect(),
        ),
        // Logins match case-insensitively, so no finding: the read's spelling is the cause.
        Reason::LoginCase { .. } => ("login_case", Vec::new()),
        Reason::Codify { teams } => (
            "codify_unexpected",
            findings
                .iter()
                .filter(|f| {
                    f.kind == Kind::UnexpectedMember && f.person_key() == key && in_teams(f, teams)
                })
                .collect(),
        ),
    };
    json!({
        "kind": kind,
        "message": r.to_string(),
        "findings": caused_by.into_iter().map(finding_v1).collect::<Vec<_>>(),
    })
}

/// The pull request: `action` opened, updated, closed or none (`declined`: the same edits were
/// proposed before and a human closed that pull request, so none was opened).
fn pull_request(outcome: &Outcome) -> Value {
    let (action, number, url, declined) = match outcome {
        Outcome::Opened { number, url } => ("opened", Some(*number), Some(url), false),
        Outcome::Updated { number, url } => ("updated", Some(*number), Some(url), false),
        Outcome::Closed { number, url } => ("closed", Some(*number), Some(url), false),
        Outcome::Nothing => ("none", None, None, false),
        Outcome::Declined { number, url } => ("none", Some(*number), Some(url), true),
    };
    json!({
        "action": action,
        "number": number,
        "url": url,
        "declined": declined,
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn pull_request_actions() {
        let url = "https://github.com/o/r/pull/7".to_owned();
        let v = pull_request(&Outcome::Opened {
            number: 7,
            url: url.clone(),
        });
        assert_eq!(
            v,
            json!({"action": "opened", "number": 7, "url": url, "declined": false})
        );
        let v = pull_request(&Outcome::Declined {
            number: 7,
            url: url.clone(),
        });
        assert_eq!(
            v,
            json!({"action": "none", "number": 7, "url": url, "declined": true})
        );
        assert_eq!(
            pull_request(&Outcome::Nothing),
            json!({"action": "none", "number": null, "url": null, "declined": false})
        );
    }
}
