//! `explain WHO`: one page about one person. Pure: finding the person ([`find`]), and the page
//! ([`Explanation`]): their config entry with its lines, every access rule passed, failed or not
//! applicable with the evidence, what each system says they hold (a roster row), and every
//! finding with its fix (accepted ones with their exception).

use std::io::Write;

use chrono::NaiveDate;
use serde_json::{Value, json};

use crate::config::mapping::AccessLevel;
use crate::config::{Config, Located, Mapping, Person};
use crate::finding::{Finding, Kind};
use crate::policy::{MAX_ABSENCE_DAYS, Rule};
use crate::report::Color;
use crate::report::evidence::Evidence;
use crate::report::text::{Paint, label};
use crate::roster::{Row, Status};
use crate::system::System;

/// Who WHO names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Found {
    /// A person in the config (index into `Config::people`).
    Person(usize),
    /// A holder not in the config (index into the roster rows).
    Holder(usize),
    /// Several people match: their labels.
    Ambiguous(Vec<String>),
    /// Nobody matches: the closest candidates (maybe none).
    NotFound(Vec<String>),
}

/// Find WHO (a login, an email or a name, any letter case) among the config's people, then among
/// the holders not in the config (`rows` where `!in_config`).
pub fn find(who: &str, config: &Config, rows: &[Row]) -> Found {
    let w = who.trim().to_lowercase();
    let eq = |s: Option<&str>| s.is_some_and(|s| s.trim().to_lowercase() == w);
    let exact: Vec<usize> = config
        .people
        .iter()
        .enumerate()
        .filter(|(_, p)| {
            eq(p.login())
                || eq(p.email.as_ref().map(|e| e.value.as_str()))
                || eq(Some(p.name.value.as_str()))
        })
        .map(|(i, _)| i)
        .collect();
    let label = |p: &Person| match p.login() {
        Some(l) => format!("{} ({l}), line {}", p.name.value, p.pos.line),
        None => format!("{}, line {}", p.name.value, p.pos.line),
    };
    match exact.as_slice() {
        [one] => return Found::Person(*one),
        [] => {}
        many => {
            return Found::Ambiguous(many.iter().map(|&i| label(&config.people[i])).collect());
        }
    }
    let holders: Vec<usize> = rows
        .iter()
        .enumerate()
        .filter(|(_, r)| {
            !r.in_config && (eq(r.github_username.as_deref()) || eq(r.email.as_deref()))
        })
        .map(|(i, _)| i)
        .collect();
    if let [one] = holders.as_slice() {
        return Found::Holder(*one);
    }
    // Candidates: a part of a name, login or email, or a near miss of one.
    let near = |s: &str| {
        let s = s.to_lowercase();
        s.contains(&w) || crate::config::check::edit_distance(&s, &w, 2) <= 2
    };
    let mut candidates: Vec<String> = config
        .people
        .iter()
        .filter(|p| {
            near(&p.name.value)
                || p.login().is_some_and(near)
                || p.email.as_ref().is_some_and(|e| near(&e.value))
        })
        .map(label)
        .collect();
    candidates.extend(
        rows.iter()
            .filter(|r| !r.in_config)
            .filter(|r| {
                r.github_username
                    .as_deref()
                    .or(r.email.as_deref())
                    .is_some_and(near)
            })
            .map(|r| format!("{} (not in the config)", r.label())),
    );
    if candidates.len() > 1 && w.len() >= 2 {
        Found::Ambiguous(candidates)
    } else {
        Found::NotFound(candidates)
    }
}

/// One field of the config entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntryLine {
    pub line: usize,
    pub key: &'static str,
    pub value: String,
}

/// The outcome of one rule for the person.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Passed,
    Failed,
    NotApplicable,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Passed => "passed",
            Outcome::Failed => "failed",
            Outcome::NotApplicable => "not applicable",
        }
    }
}

/// One rule: its outcome and the evidence (the values it looked at, with their lines).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleCheck {
    pub rule: Rule,
    pub outcome: Outcome,
    pub evidence: String,
}

/// The page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Explanation {
    pub config_path: String,
    /// The roster row: the declaration and what each system holds.
    pub row: Row,
    pub systems: Vec<System>,
    /// The entry's fields with their lines; empty for a holder not in the config.
    pub entry: Vec<EntryLine>,
    pub rules: Vec<RuleCheck>,
    /// Findings about them that count, and those an exception accepts.
    pub findings: Vec<Finding>,
    pub accepted: Vec<Finding>,
    pub complete: bool,
    pub evidence: Evidence,
}

fn field<T>(
    out: &mut Vec<EntryLine>,
    key: &'static str,
    v: &Option<Located<T>>,
    show: impl Fn(&T) -> String,
) {
    if let Some(l) = v {
        out.push(EntryLine {
            line: l.pos.line,
            key,
            value: show(&l.value),
        });
    }
}

/// The entry's fields, in line order.
pub fn entry(p: &Person) -> Vec<EntryLine> {
    let s = |v: &String| v.clone();
    let b = |v: &bool| v.to_string();
    let mut out = vec![EntryLine {
        line: p.name.pos.line,
        key: "name",
        value: p.name.value.clone(),
    }];
    field(&mut out, "email", &p.email, s);
    field(&mut out, "github_username", &p.github_username, s);
    field(&mut out, "role", &p.role, s);
    field(
        &mut out,
        "why_do_they_need_access",
        &p.why_do_they_need_access,
        s,
    );
    field(&mut out, "sponsor", &p.sponsor, s);
    field(&mut out, "security_clearance", &p.security_clearance, |c| {
        c.as_str().to_owned()
    });
    field(&mut out, "probation_passed", &p.probation_passed, b);
    field(
        &mut out,
        "admin_checklist_reviewed_by",
        &p.admin_checklist_reviewed_by,
        s,
    );
    field(&mut out, "apprentice", &p.apprentice, b);
    field(
        &mut out,
        "secondary_on_call_approved_by",
        &p.secondary_on_call_approved_by,
        s,
    );
    field(
        &mut out,
        "absent_since",
        &p.absent_since,
        |d: &NaiveDate| d.to_string(),
    );
    out.sort_by_key(|e| e.line);
    out
}

fn shown<T>(key: &str, v: &Option<Located<T>>, show: impl Fn(&T) -> String) -> String {
    match v {
        Some(l) => format!("{key}: {} (line {})", show(&l.value), l.pos.line),
        None => format!("no {key}"),
    }
}

/// Every rule for the person: failed when a finding says so, else passed or not applicable,
/// with the values the rule looks at.
pub fn rules(
    p: &Person,
    mapping: &Mapping,
    today: NaiveDate,
    findings: &[&Finding],
) -> Vec<RuleCheck> {
    let failed = |rule: Rule| {
        findings
            .iter()
            .any(|f| f.kind == Kind::PolicyViolation(rule))
    };
    let level = p.role().map(|r| mapping.level(r));
    let s = |v: &String| v.trim().to_owned();
    Rule::ALL
        .iter()
        .map(|&rule| {
            let applies = match (rule, level) {
                (_, None) => false,
                (Rule::ProbationRequired | Rule::ChecklistReviewRequired, Some(l)) => l.is_admin(),
                (Rule::ReviewerNotSeniorTech, Some(l)) => {
                    l.is_admin() && !mapping.senior_tech.is_empty()
                }
                (Rule::ApprenticeAdmin, Some(_)) => {
                    p.apprentice.as_ref().is_some_and(|a| a.value)
                }
                _ => true,
            };
            let evidence = match rule {
                Rule::ClearanceRequired => {
                    shown("security_clearance", &p.security_clearance, |c| c.as_str().to_owned())
                }
                Rule::SponsorRequired => shown("sponsor", &p.sponsor, s),
                Rule::ProbationRequired => shown("probation_passed", &p.probation_passed, |b| b.to_string()),
                Rule::ChecklistReviewRequired => {
                    shown("admin_checklist_reviewed_by", &p.admin_checklist_reviewed_by, s)
                }
                Rule::ReviewerNotSeniorTech => format!(
                    "{}; senior_tech in the mapping: {}",
                    shown("admin_checklist_reviewed_by", &p.admin_checklist_reviewed_by, s),
                    if mapping.senior_tech.is_empty() {
                        "(none listed)".to_owned()
                    } else {
                        mapping.senior_tech.join(", ")
                    }
                ),
                Rule::ApprenticeAdmin => format!(
                    "{}; {}",
                    shown("apprentice", &p.apprentice, |b| b.to_string()),
                    shown("secondary_on_call_approved_by", &p.secondary_on_call_approved_by, s)
                ),
                Rule::AbsenceRevocation => match &p.absent_since {
                    Some(d) => format!(
                        "absent_since: {} (line {}): {} days at {today}; the limit is {MAX_ABSENCE_DAYS}",
                        d.value,
                        d.pos.line,
                        (today - d.value).num_days()
                    ),
                    None => "no absent_since".to_owned(),
                },
            };
            let evidence = match (level, p.role()) {
                (None, _) => format!("no role, so no rule applies; {evidence}"),
                (Some(l), Some(role)) if !applies => format!(
                    "role {role} ({}){}; {evidence}",
                    l.as_str(),
                    if matches!(l, AccessLevel::Deploy) { ", deploy level" } else { "" }
                ),
                _ => evidence,
            };
            let outcome = if failed(rule) {
                Outcome::Failed
            } else if applies {
                Outcome::Passed
            } else {
                Outcome::NotApplicable
            };
            RuleCheck {
                rule,
                outcome,
                evidence,
            }
        })
        .collect()
}

impl Explanation {
    /// 1 when something counts against them, else 0 (the caller handles unread parts).
    pub fn has_findings(&self) -> bool {
        !self.findings.is_empty()
    }
}

fn status_word(s: Status) -> &'static str {
    s.as_str()
}

pub fn text(e: &Explanation, out: &mut impl Write, color: Color) -> std::io::Result<()> {
    let p = Paint(color);
    writeln!(
        out,
        "{}",
        p.bold(&format!("access-reconciler explain: {}", e.row.label()))
    )?;
    writeln!(out)?;
    if e.row.in_config {
        writeln!(
            out,
            "{}",
            p.bold(&format!("Config entry ({})", e.config_path))
        )?;
        for l in &e.entry {
            writeln!(out, "  {:>5}  {}: {}", l.line, l.key, l.value)?;
        }
    } else {
        writeln!(
            out,
            "{}",
            p.bold("Not in the config: found as a holder in a system the mapping manages.")
        )?;
    }
    writeln!(out)?;
    writeln!(out, "{}", p.bold("Access rules"))?;
    if e.rules.is_empty() {
        writeln!(out, "  none apply: not in the config")?;
    }
    for r in &e.rules {
        let mark = match r.outcome {
            Outcome::Passed => "pass",
            Outcome::Failed => "FAIL",
            Outcome::NotApplicable => "n/a ",
        };
        writeln!(out, "  {mark}  {:<26} {}", r.rule.code(), r.evidence)?;
    }
    writeln!(out)?;
    writeln!(out, "{}", p.bold("What each system says they hold"))?;
    for (sys, c) in e.systems.iter().zip(&e.row.cells) {
        let held = c.held_text();
        writeln!(
            out,
            "  {:<9} {:<8} holds {}; the config grants {}",
            sys.as_str(),
            status_word(c.status),
            if held.is_empty() { "nothing" } else { &held },
            if c.expected.is_empty() {
                "nothing".to_owned()
            } else {
                c.expected.join(", ")
            }
        )?;
    }
    writeln!(out)?;
    writeln!(
        out,
        "{}",
        p.bold(&format!("Findings ({})", e.findings.len()))
    )?;
    if e.findings.is_empty() {
        writeln!(out, "  none")?;
    }
    for f in &e.findings {
        writeln!(
            out,
            "  {} {}{}",
            p.severity(f.severity, &format!("[{}]", f.severity.as_str())),
            label(f),
            f.resource
                .as_deref()
                .or(f.team.as_deref())
                .map(|r| format!(" · {r}"))
                .unwrap_or_default()
        )?;
        writeln!(out, "      {}", f.message)?;
        writeln!(out, "      {} {}", p.dim("fix:"), f.fix)?;
        if let Some(a) = &f.exception {
            writeln!(out, "      {}", crate::report::accepted::applied_line(a))?;
        }
    }
    if !e.accepted.is_empty() {
        writeln!(out)?;
        writeln!(
            out,
            "{}",
            p.bold(&format!("Accepted by exception ({})", e.accepted.len()))
        )?;
        for f in &e.accepted {
            writeln!(out, "  [{}] {}", f.severity.as_str(), label(f))?;
            if let Some(a) = &f.exception {
                writeln!(out, "      {}", crate::report::accepted::applied_line(a))?;
            }
        }
    }
    if !e.complete {
        writeln!(out)?;
        writeln!(
            out,
            "{}",
            p.severity(
                crate::finding::Severity::High,
                "INCOMPLETE: some systems were not read whole; what they hold there is unknown."
            )
        )?;
    }
    e.evidence.write_text(out)
}

pub fn value(e: &Explanation) -> Value {
    let finding = |f: &Finding| {
        serde_json::to_value(crate::report::json::finding_v1(f)).unwrap_or(Value::Null)
    };
    let mut systems = serde_json::Map::new();
    for (s, c) in e.systems.iter().zip(&e.row.cells) {
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
        "schema_version": crate::report::json::SCHEMA_VERSION,
        "command": "explain",
        "config": e.config_path,
        "complete": e.complete,
        "person": {
            "name": e.row.name,
            "github_username": e.row.github_username,
            "email": e.row.email,
            "in_config": e.row.in_config,
            "role": e.row.role,
            "level": e.row.level,
        },
        "entry": e.entry.iter().map(|l| json!({"line": l.line, "key": l.key, "value": l.value})).collect::<Vec<_>>(),
        "rules": e.rules.iter().map(|r| json!({"rule": r.rule.code(), "outcome": r.outcome.as_str(), "evidence": r.evidence})).collect::<Vec<_>>(),
        "systems": systems,
        "findings": e.findings.iter().map(finding).collect::<Vec<_>>(),
        "accepted": e.accepted.iter().map(finding).collect::<Vec<_>>(),
        "evidence": crate::report::evidence::evidence_v1(&e.evidence),
    })
}

pub fn markdown(e: &Explanation, out: &mut impl Write) -> std::io::Result<()> {
    use crate::report::markdown::cell;
    let code = |s: &str| {
        format!(
            "`{}`",
            s.replace(['`', '\n', '\r'], "'").replace('|', "\\|")
        )
    };
    writeln!(
        out,
        "## access-reconciler explain: {}",
        cell(&e.row.label())
    )?;
    writeln!(out)?;
    if e.row.in_config {
        writeln!(out, "### Config entry ({})", code(&e.config_path))?;
        writeln!(out)?;
        writeln!(out, "| Line | Key | Value |")?;
        writeln!(out, "|---:|---|---|")?;
        for l in &e.entry {
            writeln!(out, "| {} | `{}` | {} |", l.line, l.key, cell(&l.value))?;
        }
    } else {
        writeln!(
            out,
            "Not in the config: found as a holder in a system the mapping manages."
        )?;
    }
    writeln!(out)?;
    writeln!(out, "### Access rules")?;
    writeln!(out)?;
    writeln!(out, "| Rule | Outcome | Evidence |")?;
    writeln!(out, "|---|---|---|")?;
    for r in &e.rules {
        writeln!(
            out,
            "| {} | {} | {} |",
            crate::report::markdown::rule_link(r.rule),
            r.outcome.as_str(),
            cell(&r.evidence)
        )?;
    }
    writeln!(out)?;
    writeln!(out, "### What each system says they hold")?;
    writeln!(out)?;
    writeln!(out, "| System | Status | Holds | The config grants |")?;
    writeln!(out, "|---|---|---|---|")?;
    for (sys, c) in e.systems.iter().zip(&e.row.cells) {
        writeln!(
            out,
            "| {sys} | {} | {} | {} |",
            crate::roster::markdown::badge(c.status),
            code(&c.held_text()),
            code(&c.expected.join(", "))
        )?;
    }
    writeln!(out)?;
    writeln!(out, "### Findings ({})", e.findings.len())?;
    writeln!(out)?;
    for f in &e.findings {
        writeln!(
            out,
            "- **{}** {}: {} Fix: {}",
            f.severity.as_str(),
            code(label(f)),
            cell(&f.message),
            cell(&f.fix)
        )?;
    }
    if e.findings.is_empty() {
        writeln!(out, "None.")?;
    }
    let all: Vec<&Finding> = e.findings.iter().collect();
    writeln!(out)?;
    crate::report::accepted::write_markdown(out, &all, &e.accepted, &[], !e.complete)?;
    e.evidence.write_markdown(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> Config {
        let text = "- name: Ann Able\n  github_username: ann\n  email: Ann@X.org\n- name: Ann Other\n  github_username: ann-o\n- name: Bob\n  github_username: bob\n  role: production_admin_access\n  security_clearance: SC\n";
        crate::config::people::parse("c.yml", text, &Mapping::builtin()).expect("valid")
    }

    #[test]
    fn finds_by_login_email_or_name_in_any_case() {
        let c = config();
        assert_eq!(find("ANN", &c, &[]), Found::Person(0));
        assert_eq!(find("ann@x.ORG", &c, &[]), Found::Person(0));
        assert_eq!(find("ann other", &c, &[]), Found::Person(1));
        match find("an", &c, &[]) {
            Found::Ambiguous(list) => assert_eq!(list.len(), 2, "{list:?}"),
            other => panic!("{other:?}"),
        }
        assert!(matches!(find("zed", &c, &[]), Found::NotFound(l) if l.is_empty()));
        assert!(matches!(find("bbo", &c, &[]), Found::NotFound(l) if l.len() == 1));
    }

    #[test]
    fn every_rule_passed_failed_or_not_applicable_with_evidence() {
        let c = config();
        let bob = &c.people[2];
        let findings = crate::policy::check(&c, &Mapping::builtin(), NaiveDate::default());
        let mine: Vec<&Finding> = findings
            .iter()
            .filter(|f| f.github_username.as_deref() == Some("bob"))
            .collect();
        let checks = rules(bob, &Mapping::builtin(), NaiveDate::default(), &mine);
        assert_eq!(checks.len(), Rule::ALL.len());
        let get = |r: Rule| {
            checks
                .iter()
                .find(|c| c.rule == r)
                .map(|c| (c.outcome, c.evidence.clone()))
        };
        assert_eq!(
            get(Rule::ClearanceRequired),
            Some((
                Outcome::Passed,
                "security_clearance: SC (line 9)".to_owned()
            ))
        );
        assert_eq!(
            get(Rule::SponsorRequired).map(|x| x.0),
            Some(Outcome::Failed)
        );
        assert_eq!(
            get(Rule::ApprenticeAdmin).map(|x| x.0),
            Some(Outcome::NotApplicable)
        );
        let ann = rules(&c.people[0], &Mapping::builtin(), NaiveDate::default(), &[]);
        assert!(ann.iter().all(|r| r.outcome == Outcome::NotApplicable));
    }
}
