//! Accepted exceptions (`--exceptions PATH`, default `access-exceptions.yml` beside the config):
//! known deviations that an approver accepted until a date, like cargo-deny's and zizmor's
//! ignores but with an expiry.
//!
//! ```yaml
//! exceptions:
//!   - who: jane-example            # a login or an email, any letter case
//!     kind: unexpected_member      # a finding kind or a rule code
//!     system: github               # optional
//!     resource: gov-uk-production-admin   # optional: a team, `<account>:<role>`, a system role
//!     reason: Covers the 2026 incident rota until her admin checklist is reviewed
//!     approved_by: Sam Lead
//!     expires: 2027-01-31          # YYYY-MM-DD; on this date and after, it is a finding again
//! ```
//!
//! Parsing ([`parse`]) reads the located YAML tree and collects every problem at once, as for
//! the config: a missing or unknown key, a wrong type, an unknown kind or system, a bad date, and
//! the same exception twice are located errors (exit 2). An `expires` more than
//! [`WARN_AFTER_DAYS`] after `--today` is a located warning.
//!
//! Matching ([`apply`]) is pure: a finding that an unexpired exception matches is accepted (it
//! leaves the findings and does not count towards the exit code); a finding whose only matching
//! exceptions have expired stays a finding and carries the expired exception; an exception that
//! matches nothing is returned as unused, so stale ones get cleaned up.

use std::collections::HashMap;

use chrono::NaiveDate;

use crate::access::System;
use crate::config::check::{self, Errors};
use crate::config::yaml::{Node, NodeKind};
use crate::config::{Config, ConfigError, ConfigErrors, Pos};
pub use crate::finding::{Applied, Exception};
use crate::finding::{Finding, Kind};
use crate::policy::Rule;

/// The file read when `--exceptions` is not given and it exists beside the config.
pub const DEFAULT_FILE_NAME: &str = "access-exceptions.yml";

/// The keys of one exception.
pub const KEYS: &[&str] = &[
    "who",
    "kind",
    "system",
    "resource",
    "reason",
    "approved_by",
    "expires",
];

/// An `expires` further than this many days after `--today` is warned about: an accepted
/// deviation should be looked at again at least once a quarter.
pub const WARN_AFTER_DAYS: i64 = 90;

/// Every finding kind an exception may name (besides the rule codes).
pub const KINDS: [Kind; 12] = [
    Kind::PolicyViolation(Rule::ClearanceRequired),
    Kind::Missing,
    Kind::PendingInvitation,
    Kind::UnexpectedMember,
    Kind::UnexpectedInvitation,
    Kind::WrongRole,
    Kind::LimitedServices,
    Kind::ExpiredTemporaryAccess,
    Kind::UntrustedPrincipal,
    Kind::MfaNotRequired,
    Kind::StaleEvidence,
    Kind::UnknownKey,
];

/// The valid `kind` values: the finding kinds, then the rule codes.
pub fn kind_names() -> Vec<&'static str> {
    KINDS
        .iter()
        .map(|k| k.as_str())
        .chain(Rule::ALL.iter().map(|r| r.code()))
        .collect()
}

impl Exception {
    /// Whether the exception still applies at `today` (it stops on its `expires` date).
    pub fn is_active(&self, today: NaiveDate) -> bool {
        today < self.expires
    }

    /// Whether this exception covers `finding`: same person (login or email), same kind or
    /// rule, and the same system and resource when the exception names them.
    pub fn matches(&self, f: &Finding) -> bool {
        let who = |s: &Option<String>| {
            s.as_deref()
                .is_some_and(|v| v.trim().eq_ignore_ascii_case(self.who.trim()))
        };
        let kind = match f.kind {
            Kind::PolicyViolation(rule) => self.kind == rule.code() || self.kind == f.kind.as_str(),
            other => self.kind == other.as_str(),
        };
        let system = self.system.is_none() || self.system == finding_system(f);
        let resource = match &self.resource {
            None => true,
            Some(r) => finding_resource(f).is_some_and(|fr| fr.eq_ignore_ascii_case(r)),
        };
        (who(&f.github_username) || who(&f.email)) && kind && system && resource
    }
}

/// The system a finding is about: its `system`, or GitHub for a v1 team finding.
fn finding_system(f: &Finding) -> Option<System> {
    f.system.or_else(|| f.team.as_ref().map(|_| System::Github))
}

/// The resource a finding is about: its `resource`, or the team of a v1 team finding.
fn finding_resource(f: &Finding) -> Option<&str> {
    f.resource.as_deref().or(f.team.as_deref())
}

/// A parsed exceptions file.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Exceptions {
    /// The file as the user named it.
    pub path: String,
    /// In file order.
    pub entries: Vec<Exception>,
}

/// The findings split by the exceptions.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Outcome {
    /// Findings that still count, in their order; those matched only by expired exceptions
    /// carry the expired one in `exception`.
    pub findings: Vec<Finding>,
    /// Findings an unexpired exception accepts, in their order, each with its exception.
    pub accepted: Vec<Finding>,
    /// Exceptions that matched no finding (expired or not), in file order.
    pub unused: Vec<Exception>,
}

/// Split `findings` by `exceptions` at `today`. The first unexpired matching exception (in file
/// order) accepts a finding; every exception that matches a finding, expired or not, is used.
pub fn apply(findings: Vec<Finding>, exceptions: &[Exception], today: NaiveDate) -> Outcome {
    let mut used = vec![false; exceptions.len()];
    let mut out = Outcome::default();
    for mut f in findings {
        f.exception = decide(&f, exceptions, today, &mut used);
        if f.exception.as_ref().is_some_and(|a| !a.expired) {
            out.accepted.push(f);
        } else {
            out.findings.push(f);
        }
    }
    out.unused = unused(exceptions, &used);
    out
}

/// The exception for one finding: the first unexpired match (it accepts the finding), else the
/// match that expired last (the finding counts again), else none. Marks every match in `used`
/// (indexed like `exceptions`).
pub fn decide(
    f: &Finding,
    exceptions: &[Exception],
    today: NaiveDate,
    used: &mut [bool],
) -> Option<Applied> {
    let matching: Vec<usize> = (0..exceptions.len())
        .filter(|&i| exceptions[i].matches(f))
        .collect();
    for &i in &matching {
        if let Some(u) = used.get_mut(i) {
            *u = true;
        }
    }
    let active = matching
        .iter()
        .copied()
        .find(|&i| exceptions[i].is_active(today));
    match active {
        Some(i) => Some(Applied {
            exception: exceptions[i].clone(),
            expired: false,
        }),
        None => matching
            .iter()
            .copied()
            .max_by_key(|&i| exceptions[i].expires)
            .map(|i| Applied {
                exception: exceptions[i].clone(),
                expired: true,
            }),
    }
}

/// The exceptions not marked in `used`, in file order.
pub fn unused(exceptions: &[Exception], used: &[bool]) -> Vec<Exception> {
    exceptions
        .iter()
        .zip(used)
        .filter(|(_, u)| !**u)
        .map(|(e, _)| e.clone())
        .collect()
}

/// Give findings about people in the config their email from the config (found by login, else
/// by name), so an exception can name a person by email whatever the finding's system.
pub fn fill_emails(findings: &mut [Finding], config: &Config) {
    let mut by_login: HashMap<String, &str> = HashMap::new();
    let mut by_name: HashMap<&str, &str> = HashMap::new();
    for p in &config.people {
        let Some(email) = p.email.as_ref().map(|e| e.value.as_str()) else {
            continue;
        };
        if let Some(login) = p.login() {
            by_login.insert(login.to_ascii_lowercase(), email);
        }
        by_name.entry(p.name.value.as_str()).or_insert(email);
    }
    for f in findings.iter_mut().filter(|f| f.email.is_none()) {
        let found = match (&f.github_username, &f.name) {
            (Some(login), _) => by_login.get(&login.to_ascii_lowercase()).copied(),
            (None, Some(name)) if f.in_config => by_name.get(name.as_str()).copied(),
            _ => None,
        };
        f.email = found.map(str::to_owned);
    }
}

/// Parse and validate an exceptions file at `today`, collecting every problem. `Ok` holds the
/// exceptions and the warnings (located, like errors).
pub fn parse(
    path: &str,
    text: &str,
    today: NaiveDate,
) -> Result<(Exceptions, Vec<ConfigError>), ConfigErrors> {
    let mut errors = Errors::new(path);
    let Some(root) = errors.parse_yaml(text) else {
        return Err(ConfigErrors(errors.into_sorted()));
    };
    let mut warnings = Vec::new();
    let entries = read_root(path, &root, text, today, &mut errors, &mut warnings);
    if errors.list.is_empty() {
        warnings.sort_by_key(|w: &ConfigError| (w.line, w.col));
        Ok((
            Exceptions {
                path: path.to_owned(),
                entries,
            },
            warnings,
        ))
    } else {
        Err(ConfigErrors(errors.into_sorted()))
    }
}

const EXAMPLE: &str = "`exceptions:` followed by entries such as `- who: jane-example`, `kind: unexpected_member`, `reason: ...`, `approved_by: ...`, `expires: 2027-01-31`";

fn read_root(
    path: &str,
    root: &Node,
    text: &str,
    today: NaiveDate,
    errors: &mut Errors<'_>,
    warnings: &mut Vec<ConfigError>,
) -> Vec<Exception> {
    let Some(top) = root.as_map() else {
        let what = if root.is_null() {
            "the exceptions file is empty".to_owned()
        } else {
            format!(
                "the exceptions file must be a mapping with the key `exceptions`, but it is {}",
                root.describe()
            )
        };
        errors.at(root.start, what, format!("write {EXAMPLE}"));
        return Vec::new();
    };
    let mut list = None;
    for (key, value) in top {
        match key.as_str() {
            Some("exceptions") => list = Some(value),
            Some(k) => errors.at(
                key.start,
                format!("unknown key `{k}`{}", suggestion(k, &["exceptions"])),
                "the file has one key, `exceptions`, a list of exceptions",
            ),
            None => errors.at(
                key.start,
                format!(
                    "a key must be a plain word, but this one is {}",
                    key.describe()
                ),
                "the file has one key, `exceptions`",
            ),
        }
    }
    let Some(list) = list else {
        errors.at(
            root.start,
            "the exceptions file has no `exceptions` key",
            format!("write {EXAMPLE}"),
        );
        return Vec::new();
    };
    let items = match &list.kind {
        NodeKind::Seq { items, .. } => items.as_slice(),
        // `exceptions:` with nothing under it: no exceptions.
        NodeKind::Null => &[],
        _ => {
            errors.at(
                list.start,
                format!("`exceptions` must be a list, but it is {}", list.describe()),
                format!("write {EXAMPLE}"),
            );
            return Vec::new();
        }
    };
    let mut out = Vec::new();
    for (i, item) in items.iter().enumerate() {
        if let Some(e) = entry(path, i, item, text, today, errors, warnings) {
            out.push(e);
        }
    }
    duplicates(&out, errors);
    out
}

fn suggestion(word: &str, known: &[&str]) -> String {
    check::did_you_mean(word, known)
        .map(|k| format!(": did you mean `{k}`?"))
        .unwrap_or_default()
}

/// One entry; `None` when it has an error (recorded).
fn entry(
    path: &str,
    index: usize,
    item: &Node,
    text: &str,
    today: NaiveDate,
    errors: &mut Errors<'_>,
    warnings: &mut Vec<ConfigError>,
) -> Option<Exception> {
    let Some(fields) = item.as_map() else {
        errors.at(
            item.start,
            format!(
                "exception {} must be a mapping of keys to values, but it is {}",
                index + 1,
                item.describe()
            ),
            format!("write {EXAMPLE}"),
        );
        return None;
    };
    let before = errors.list.len();
    let pos = fields.first().map_or(item.pos(), |(k, _)| k.pos());
    let mut seen: HashMap<&str, &Node> = HashMap::new();
    for (key, value) in fields {
        match key.as_str() {
            Some(k) if KEYS.contains(&k) => {
                seen.entry(k).or_insert(value);
            }
            Some(k) => errors.at(
                key.start,
                format!("unknown key `{k}`{}", suggestion(k, KEYS)),
                format!("the keys of an exception are {}", KEYS.join(", ")),
            ),
            None => errors.at(
                key.start,
                format!(
                    "a key must be a plain word, but this one is {}",
                    key.describe()
                ),
                format!("the keys of an exception are {}", KEYS.join(", ")),
            ),
        }
    }
    for (key, what) in [
        (
            "who",
            "the login or email of the person the exception is about",
        ),
        ("kind", "the finding kind or rule code it accepts"),
        ("reason", "why the deviation is accepted"),
        ("approved_by", "who approved it"),
        ("expires", "the date it stops applying, YYYY-MM-DD"),
    ] {
        if !seen.contains_key(key) {
            errors.at_pos(
                pos,
                format!("this exception has no `{key}`"),
                format!("add `{key}:` with {what}"),
            );
        }
    }

    let who = seen
        .get("who")
        .and_then(|v| required(v, "who", text, errors));
    if let (Some(w), Some(node)) = (&who, seen.get("who"))
        && !(w.contains('@') || check::is_valid_login(w))
    {
        errors.at(
            node.start,
            format!(
                "`who: {}` is neither a GitHub login nor an email",
                check::show(node, text)
            ),
            "write the person's GitHub login (as in the config's github_username) or their email",
        );
    }
    let kind = seen
        .get("kind")
        .and_then(|v| required(v, "kind", text, errors));
    if let (Some(k), Some(node)) = (&kind, seen.get("kind")) {
        let names = kind_names();
        if !names.contains(&k.as_str()) {
            errors.at(
                node.start,
                format!(
                    "unknown kind `{}`{}",
                    check::show(node, text),
                    suggestion(k, &names)
                ),
                format!("the kinds are {}", names.join(", ")),
            );
        }
    }
    let system = seen.get("system").and_then(|node| {
        let s = optional(node, "system", text, errors)?;
        match s.parse::<System>() {
            Ok(sys) => Some(sys),
            Err(e) => {
                errors.at(
                    node.start,
                    e.to_string(),
                    "name one of the systems, or leave `system` out to match any",
                );
                None
            }
        }
    });
    let resource = seen
        .get("resource")
        .and_then(|v| optional(v, "resource", text, errors));
    let reason = seen
        .get("reason")
        .and_then(|v| required(v, "reason", text, errors));
    let approved_by = seen
        .get("approved_by")
        .and_then(|v| required(v, "approved_by", text, errors));
    let expires = seen.get("expires").and_then(|node| {
        let s = required(node, "expires", text, errors)?;
        match check::parse_date(&s) {
            Ok(d) => Some(d),
            Err(why) => {
                errors.at(
                    node.start,
                    format!("`expires: {}` {why}", check::show(node, text)),
                    "write the date as YYYY-MM-DD, e.g. `expires: 2027-01-31`",
                );
                None
            }
        }
    });
    if let (Some(d), Some(node)) = (expires, seen.get("expires")) {
        let days = (d - today).num_days();
        if days > WARN_AFTER_DAYS {
            warnings.push(
                ConfigError::new(
                    path,
                    node.pos(),
                    format!(
                        "`expires: {d}` is {days} days after {today}, more than {WARN_AFTER_DAYS}"
                    ),
                )
                .with_help("accepted deviations should be reviewed at least every 90 days: set an earlier date and renew it at the review"),
            );
        }
    }
    if errors.list.len() > before {
        return None;
    }
    Some(Exception {
        who: who?,
        kind: kind?,
        system,
        resource,
        reason: reason?,
        approved_by: approved_by?,
        expires: expires?,
        file: path.to_owned(),
        line: pos.line,
        col: pos.col,
    })
}

/// A string value that must not be empty.
fn required(node: &Node, key: &str, text: &str, errors: &mut Errors<'_>) -> Option<String> {
    let s = optional(node, key, text, errors);
    if s.is_none() && (node.is_null() || node.as_str().is_some()) {
        errors.at(
            node.start,
            format!("`{key}` is empty"),
            format!("write a value for `{key}`"),
        );
    }
    s
}

/// A string value; null or blank is `None`; a list or mapping is an error.
fn optional(node: &Node, key: &str, _text: &str, errors: &mut Errors<'_>) -> Option<String> {
    match &node.kind {
        NodeKind::Null => None,
        NodeKind::Scalar { value, .. } => {
            if value
                .chars()
                .any(|c| c.is_control() && c != '\n' && c != '\t')
            {
                errors.at(
                    node.start,
                    format!("`{key}` contains a control character"),
                    format!("remove it from `{key}`"),
                );
                return None;
            }
            let v = value.trim();
            (!v.is_empty()).then(|| v.to_owned())
        }
        _ => {
            errors.at(
                node.start,
                format!(
                    "`{key}` must be a single value, but it is {}",
                    node.describe()
                ),
                format!("write `{key}: <value>` on one line"),
            );
            None
        }
    }
}

/// The same (who, kind, system, resource) twice: an error naming both lines.
fn duplicates(entries: &[Exception], errors: &mut Errors<'_>) {
    let mut seen: HashMap<(String, String, Option<System>, Option<String>), usize> = HashMap::new();
    for e in entries {
        let key = (
            e.who.to_lowercase(),
            e.kind.clone(),
            e.system,
            e.resource.as_ref().map(|r| r.to_lowercase()),
        );
        match seen.get(&key) {
            Some(&first) => errors.at_pos(
                Pos {
                    line: e.line,
                    col: e.col,
                },
                format!(
                    "this exception (who `{}`, kind `{}`) is also written at line {first}",
                    e.who, e.kind
                ),
                format!("keep one of the entries at lines {first} and {}", e.line),
            ),
            None => {
                seen.insert(key, e.line);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::Severity;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 28).unwrap_or_default()
    }

    fn errors(text: &str) -> Vec<String> {
        match parse("x.yml", text, today()) {
            Ok(_) => Vec::new(),
            Err(e) => {
                e.0.iter()
                    .map(|e| format!("{}:{}: {}", e.line, e.col, e.message))
                    .collect()
            }
        }
    }

    const ONE: &str = "exceptions:\n  - who: Jane-Example\n    kind: unexpected_member\n    system: github\n    resource: gov-uk-production-admin\n    reason: incident rota\n    approved_by: Sam Lead\n    expires: 2026-12-31\n";

    #[test]
    fn every_kind_is_listed() {
        // A new kind makes this match fail to compile: add it to KINDS as well.
        for k in KINDS {
            match k {
                Kind::PolicyViolation(_)
                | Kind::Missing
                | Kind::PendingInvitation
                | Kind::UnexpectedMember
                | Kind::UnexpectedInvitation
                | Kind::WrongRole
                | Kind::LimitedServices
                | Kind::ExpiredTemporaryAccess
                | Kind::UntrustedPrincipal
                | Kind::MfaNotRequired
                | Kind::StaleEvidence
                | Kind::UnknownKey => {}
            }
        }
        let names = kind_names();
        let unique: std::collections::HashSet<_> = names.iter().collect();
        assert_eq!(unique.len(), names.len());
    }

    #[test]
    fn parses_a_valid_file() {
        let (ex, warnings) = parse("x.yml", ONE, today()).expect("valid");
        assert!(warnings.is_empty());
        assert_eq!(ex.entries.len(), 1);
        let e = &ex.entries[0];
        assert_eq!(e.who, "Jane-Example");
        assert_eq!(e.system, Some(System::Github));
        assert_eq!(e.line, 2);
        assert_eq!(
            e.expires,
            NaiveDate::from_ymd_opt(2026, 12, 31).unwrap_or_default()
        );
        // An empty list is valid.
        assert!(parse("x.yml", "exceptions: []\n", today()).is_ok());
        assert!(parse("x.yml", "exceptions:\n", today()).is_ok());
    }

    #[test]
    fn every_problem_is_located_at_once() {
        let text = "exceptions:\n  - who: jane\n    kind: unexpected_membr\n    reasn: x\n    approved_by: Sam\n    expires: 2026-13-01\n  - who: bad login!\n    kind: missing\n    system: jira\n    reason: ''\n    approved_by: [a]\n    expires: 2027-01-01\n";
        assert_eq!(
            errors(text),
            vec![
                "2:5: this exception has no `reason`",
                "3:11: unknown kind `unexpected_membr`: did you mean `unexpected_member`?",
                "4:5: unknown key `reasn`: did you mean `reason`?",
                "6:14: `expires: 2026-13-01` is not a real date",
                "7:10: `who: bad login!` is neither a GitHub login nor an email",
                "9:13: unknown system \"jira\"; the systems are github, aws, sentry, fastly, pagerduty, signon, gcp, logit",
                "10:13: `reason` is empty",
                "11:18: `approved_by` must be a single value, but it is a sequence",
            ]
        );
    }

    #[test]
    fn file_level_problems() {
        assert_eq!(errors(""), vec!["1:1: the exceptions file is empty"]);
        assert_eq!(
            errors("- who: x\n"),
            vec![
                "1:1: the exceptions file must be a mapping with the key `exceptions`, but it is a sequence"
            ]
        );
        assert_eq!(
            errors("exception: []\n"),
            vec![
                "1:1: unknown key `exception`: did you mean `exceptions`?",
                "1:1: the exceptions file has no `exceptions` key",
            ]
        );
        assert_eq!(
            errors("exceptions: {who: x}\n"),
            vec!["1:13: `exceptions` must be a list, but it is a mapping"]
        );
    }

    #[test]
    fn duplicates_name_both_lines() {
        let mut text = ONE.to_owned();
        text.push_str(&ONE["exceptions:\n".len()..].replace("Jane-Example", "jane-example"));
        assert_eq!(
            errors(&text),
            vec![
                "9:5: this exception (who `jane-example`, kind `unexpected_member`) is also written at line 2"
            ]
        );
    }

    #[test]
    fn far_expiry_is_a_located_warning() {
        let text = ONE.replace("2026-12-31", "2027-03-01");
        let (_, warnings) = parse("x.yml", &text, today()).expect("valid");
        assert_eq!(warnings.len(), 1);
        assert_eq!((warnings[0].line, warnings[0].col), (8, 14));
        assert!(
            warnings[0].message.contains("93 days after 2026-11-28"),
            "{}",
            warnings[0]
        );
        // 90 days exactly is fine.
        let text = ONE.replace("2026-12-31", "2027-02-26");
        assert!(parse("x.yml", &text, today()).expect("valid").1.is_empty());
    }

    fn team_finding(kind: Kind, login: &str, team: &str) -> Finding {
        Finding {
            github_username: Some(login.to_owned()),
            team: Some(team.to_owned()),
            ..Finding::new(kind, Severity::High, "m")
        }
    }

    fn exception(who: &str, kind: &str, expires: (i32, u32, u32)) -> Exception {
        Exception {
            who: who.to_owned(),
            kind: kind.to_owned(),
            system: None,
            resource: None,
            reason: "r".to_owned(),
            approved_by: "a".to_owned(),
            expires: NaiveDate::from_ymd_opt(expires.0, expires.1, expires.2).unwrap_or_default(),
            file: "x.yml".to_owned(),
            line: 2,
            col: 5,
        }
    }

    #[test]
    fn matching_by_login_email_kind_rule_system_and_resource() {
        let f = team_finding(
            Kind::UnexpectedMember,
            "Jane-Example",
            "gov-uk-production-admin",
        );
        let mut e = exception("jane-example", "unexpected_member", (2027, 1, 1));
        assert!(e.matches(&f));
        e.system = Some(System::Github);
        e.resource = Some("GOV-UK-production-admin".to_owned());
        assert!(e.matches(&f));
        e.resource = Some("gov-uk".to_owned());
        assert!(!e.matches(&f));
        e.resource = None;
        e.system = Some(System::Aws);
        assert!(!e.matches(&f));
        assert!(!exception("jane-example", "missing", (2027, 1, 1)).matches(&f));
        assert!(!exception("john", "unexpected_member", (2027, 1, 1)).matches(&f));

        let mut policy = Finding {
            name: Some("Jane".to_owned()),
            github_username: Some("jane-example".to_owned()),
            email: Some("Jane@Example.org".to_owned()),
            in_config: true,
            ..Finding::new(
                Kind::PolicyViolation(Rule::SponsorRequired),
                Severity::Medium,
                "m",
            )
        };
        assert!(exception("jane@example.org", "sponsor_required", (2027, 1, 1)).matches(&policy));
        assert!(exception("jane-example", "policy_violation", (2027, 1, 1)).matches(&policy));
        assert!(!exception("jane-example", "clearance_required", (2027, 1, 1)).matches(&policy));
        // A policy finding is about no system: an exception naming one does not match it.
        let mut with_system = exception("jane-example", "sponsor_required", (2027, 1, 1));
        with_system.system = Some(System::Github);
        assert!(!with_system.matches(&policy));
        policy.email = None;
        assert!(!exception("jane@example.org", "sponsor_required", (2027, 1, 1)).matches(&policy));
    }

    #[test]
    fn apply_accepts_until_the_expiry_date_and_lists_unused() {
        let findings = vec![
            team_finding(Kind::UnexpectedMember, "a", "t"),
            team_finding(Kind::UnexpectedMember, "b", "t"),
            team_finding(Kind::Missing, "c", "t"),
        ];
        let exceptions = vec![
            exception("a", "unexpected_member", (2026, 11, 29)),
            // Expires today: no longer applies.
            exception("b", "unexpected_member", (2026, 11, 28)),
            exception("nobody", "missing", (2027, 1, 1)),
        ];
        let out = apply(findings, &exceptions, today());
        assert_eq!(out.accepted.len(), 1);
        assert_eq!(out.accepted[0].github_username.as_deref(), Some("a"));
        let applied = out.accepted[0].exception.as_ref().expect("attached");
        assert!(!applied.expired);
        assert_eq!(out.findings.len(), 2);
        let b = &out.findings[0];
        assert_eq!(b.github_username.as_deref(), Some("b"));
        assert!(b.exception.as_ref().is_some_and(|a| a.expired));
        assert!(out.findings[1].exception.is_none());
        assert_eq!(out.unused.len(), 1);
        assert_eq!(out.unused[0].who, "nobody");
    }

    #[test]
    fn emails_come_from_the_config() {
        let text = "- name: Jane\n  github_username: jane\n  email: jane@x.org\n- name: Nolog\n  email: n@x.org\n";
        let config =
            crate::config::people::parse("c.yml", text, &crate::config::Mapping::builtin())
                .expect("valid config");
        let mut findings = vec![
            Finding {
                github_username: Some("JANE".to_owned()),
                ..Finding::new(Kind::Missing, Severity::Medium, "m")
            },
            Finding {
                name: Some("Nolog".to_owned()),
                in_config: true,
                ..Finding::new(Kind::Missing, Severity::Medium, "m")
            },
        ];
        fill_emails(&mut findings, &config);
        assert_eq!(findings[0].email.as_deref(), Some("jane@x.org"));
        assert_eq!(findings[1].email.as_deref(), Some("n@x.org"));
    }
}
