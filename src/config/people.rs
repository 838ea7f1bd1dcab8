//! The validated config: one [`Person`] per entry of `govuk_tech.yml`.

use std::collections::HashMap;

use chrono::NaiveDate;

use super::check::{self, Errors};
use super::fields::{self, FIELDS, Field, FieldKind, Required, Value};
use super::yaml::{Node, NodeKind};
use super::{ConfigErrors, Located, Mapping, Pos};
use crate::system::System;

/// Security clearance, in increasing order. BPSS is the minimum for any production role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Clearance {
    None,
    Bpss,
    Sc,
    Dv,
}

impl Clearance {
    /// The spelling used in the config file.
    pub fn as_str(self) -> &'static str {
        match self {
            Clearance::None => "none",
            Clearance::Bpss => "BPSS",
            Clearance::Sc => "SC",
            Clearance::Dv => "DV",
        }
    }
}

/// One person in the config. Every field keeps the position it was written at, so findings
/// and edits can point at the exact line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Person {
    /// 0-based index of the entry in the top-level sequence.
    pub index: usize,
    /// Where the entry starts (the first key of the mapping after `- `).
    pub pos: Pos,
    pub name: Located<String>,
    pub email: Option<Located<String>>,
    pub github_username: Option<Located<String>>,
    /// `None` when the key is absent or null (no production access).
    pub role: Option<Located<String>>,
    pub why_do_they_need_access: Option<Located<String>>,
    pub sponsor: Option<Located<String>>,
    pub security_clearance: Option<Located<Clearance>>,
    pub probation_passed: Option<Located<bool>>,
    pub admin_checklist_reviewed_by: Option<Located<String>>,
    pub apprentice: Option<Located<bool>>,
    pub secondary_on_call_approved_by: Option<Located<String>>,
    pub absent_since: Option<Located<NaiveDate>>,
}

impl Person {
    /// The GitHub login, if any.
    pub fn login(&self) -> Option<&str> {
        self.github_username.as_ref().map(|l| l.value.as_str())
    }

    /// The declared role, if any.
    pub fn role(&self) -> Option<&str> {
        self.role.as_ref().map(|r| r.value.as_str())
    }

    /// A person with only a name, at `line`; the building block for tests.
    pub fn named(name: &str, line: usize) -> Self {
        let pos = Pos { line, col: 3 };
        Person {
            index: 0,
            pos,
            name: Located::new(name.to_owned(), pos),
            email: None,
            github_username: None,
            role: None,
            why_do_they_need_access: None,
            sponsor: None,
            security_clearance: None,
            probation_passed: None,
            admin_checklist_reviewed_by: None,
            apprentice: None,
            secondary_on_call_approved_by: None,
            absent_since: None,
        }
    }
}

/// A parsed and validated config file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// The path as the user named it (used in messages and annotations).
    pub path: String,
    pub people: Vec<Person>,
}

impl Config {
    /// The person with this login, compared case-insensitively.
    pub fn by_login(&self, login: &str) -> Option<&Person> {
        self.people
            .iter()
            .find(|p| p.login().is_some_and(|l| l.eq_ignore_ascii_case(login)))
    }
}

/// An example entry, for help texts.
const ENTRY_EXAMPLE: &str = "`- name: Jane Example` followed by `  github_username: jane-example`";

/// Parse and validate config text. `path` is only used in messages. Every problem is
/// collected; the roles valid here are the mapping's.
pub fn parse(path: &str, text: &str, mapping: &Mapping) -> Result<Config, ConfigErrors> {
    let mut errors = Errors::new(path);
    let Some(root) = errors.parse_yaml(text) else {
        return Err(ConfigErrors(errors.into_sorted()));
    };

    let people = match &root.kind {
        NodeKind::Seq { items, .. } if !items.is_empty() => {
            let mut people = Vec::with_capacity(items.len());
            let mut idents = Vec::with_capacity(items.len());
            for (index, item) in items.iter().enumerate() {
                if let Some(p) = person(index, item, text, mapping, &mut idents, &mut errors) {
                    people.push(p);
                }
            }
            duplicates(&idents, &mut errors);
            people
        }
        NodeKind::Seq { .. } | NodeKind::Null => {
            errors.at(
                root.start,
                "the config lists no people",
                format!(
                    "the config is a YAML list with one entry per person, e.g. {ENTRY_EXAMPLE}"
                ),
            );
            Vec::new()
        }
        _ => {
            errors.at(
                root.start,
                format!(
                    "the top level must be a list of people, but it is {}",
                    root.describe()
                ),
                format!("start each person's entry with `- `, e.g. {ENTRY_EXAMPLE}"),
            );
            Vec::new()
        }
    };

    if errors.list.is_empty() {
        Ok(Config {
            path: path.to_owned(),
            people,
        })
    } else {
        Err(ConfigErrors(errors.into_sorted()))
    }
}

/// Validate one entry of the top-level list. Returns `None` when the entry has an error (the
/// errors are recorded), so a [`Config`] is only built from clean entries.
fn person(
    index: usize,
    item: &Node,
    text: &str,
    mapping: &Mapping,
    idents: &mut Vec<Ident>,
    errors: &mut Errors<'_>,
) -> Option<Person> {
    let Some(entries) = item.as_map() else {
        errors.at(
            item.start,
            format!(
                "entry {} of the list must be a mapping of keys to values, but it is {}",
                index + 1,
                item.describe()
            ),
            format!("write each person as keys under `- `, e.g. {ENTRY_EXAMPLE}"),
        );
        return None;
    };
    let before = errors.list.len();
    let pos = entries.first().map_or(item.pos(), |(k, _)| k.pos());
    let known = fields::keys();
    // Per field of FIELDS: whether the key was written, its value, and whether a misspelling of
    // it was reported (then a missing required key is not reported again).
    let mut seen = vec![false; FIELDS.len()];
    let mut values: Vec<Option<Located<Value>>> = vec![None; FIELDS.len()];
    let mut misspelt = vec![false; FIELDS.len()];

    for (key, value) in entries {
        let Some(k) = key.as_str() else {
            if !key.is_null() || !value.is_null() {
                errors.at(
                    key.start,
                    format!(
                        "a key must be a plain word, but this one is {}",
                        key.describe()
                    ),
                    "write `key: value` with a plain key such as `name`",
                );
            }
            continue;
        };
        if k == "<<" {
            // Merge keys are not expanded; ignoring one would silently drop the fields it holds.
            errors.at(
                key.start,
                "merge keys (`<<`) are not supported in the config",
                "write the keys out in each person's entry",
            );
            continue;
        }
        let Some(i) = fields::index(k) else {
            // Unknown keys that are not near misses are findings (config::unknown), not errors;
            // the mapping's `extra_keys` are neither.
            if mapping.extra_keys.iter().any(|e| e == k) {
                continue;
            }
            if let Some(near) = check::did_you_mean(k, &known) {
                if let Some(j) = fields::index(near) {
                    misspelt[j] = true;
                }
                errors.at(
                    key.start,
                    format!("unknown key `{k}`: did you mean `{near}`?"),
                    format!("rename it to `{near}`"),
                );
            }
            continue;
        };
        let field = &FIELDS[i];
        // The first `name` counts; a repeated key is already a YAML error.
        if field.kind == FieldKind::Name && seen[i] {
            continue;
        }
        seen[i] = true;
        let parsed = field_value(field, value, text, mapping, errors);
        if values[i].is_none() {
            values[i] = parsed.map(|v| Located::new(v, value.pos()));
        }
    }

    for (i, field) in FIELDS.iter().enumerate() {
        match field.required {
            Required::No => {}
            Required::Always => {
                if !seen[i] && !misspelt[i] {
                    errors.at_pos(
                        pos,
                        format!("this person's entry has no `{}`", field.key),
                        format!("add `{}: {}` to the entry", field.key, field.placeholder),
                    );
                }
            }
            // GitHub identifies people by login: without a github section, no login is needed.
            Required::When { .. } if field.key == "github_username" && mapping.github.is_none() => {
            }
            Required::When { key, otherwise } => {
                let other = fields::index(key).and_then(|j| values[j].as_ref());
                if let (Some(other), None) = (other, &values[i]) {
                    errors.at_pos(
                        pos,
                        format!(
                            "`{key}: {}` (line {}) is set but the entry has no `{}`",
                            other.value, other.pos.line, field.key
                        ),
                        format!(
                            "add `{}: {}`, or remove `{key}` {otherwise}",
                            field.key, field.placeholder
                        ),
                    );
                }
            }
        }
    }
    // Every other system identifies a person by email: with any of them configured, a role needs one.
    let role_i = fields::index("role");
    let email_i = fields::index("email");
    if let (Some(ri), Some(ei)) = (role_i, email_i)
        && let (Some(role), None) = (values[ri].as_ref(), values[ei].as_ref())
        && let Some(system) = mapping.systems().into_iter().find(|s| *s != System::Github)
    {
        errors.at_pos(
            pos,
            format!(
                "`role: {}` (line {}) is set but the entry has no `email`, which {system} identifies people by",
                role.value, role.pos.line
            ),
            "add `email: <their work email>`, or remove `role` if they need no production access",
        );
    }

    let of_kind = |kind: FieldKind| -> Option<Located<String>> {
        let i = FIELDS.iter().position(|f| f.kind == kind)?;
        values[i]
            .as_ref()
            .map(|v| Located::new(v.value.to_string(), v.pos))
    };
    idents.push(Ident {
        pos,
        name: of_kind(FieldKind::Name).map(|n| n.value),
        login: of_kind(FieldKind::Login),
        email: of_kind(FieldKind::Email),
    });

    if errors.list.len() > before {
        return None;
    }
    let mut person = Person::named("", pos.line);
    person.index = index;
    person.pos = pos;
    let mut named = false;
    for (field, value) in FIELDS.iter().zip(values) {
        if let Some(value) = value {
            named |= field.kind == FieldKind::Name;
            field.set(&mut person, value);
        }
    }
    named.then_some(person)
}

/// Parse and check one field's value by its kind; `None` when absent or invalid (the error is
/// recorded).
fn field_value(
    field: &Field,
    value: &Node,
    text: &str,
    mapping: &Mapping,
    errors: &mut Errors<'_>,
) -> Option<Value> {
    let k = field.key;
    match field.kind {
        FieldKind::Name => {
            let name = string(k, value, text, errors);
            let empty = match &name {
                Some(n) => n.trim().is_empty(),
                None => value.is_null(),
            };
            if empty {
                errors.at(
                    value.start,
                    format!("`{k}` is empty"),
                    format!("write the person's full name, e.g. `{k}: Jane Example`"),
                );
            }
            name.filter(|_| !empty).map(Value::Text)
        }
        FieldKind::Text | FieldKind::Email => string(k, value, text, errors).map(Value::Text),
        FieldKind::Login => {
            let login = string(k, value, text, errors);
            if let Some(login) = &login
                && !check::is_valid_login(login)
            {
                errors.at(
                        value.start,
                        format!(
                            "`{}` is not a valid GitHub login: {}",
                            check::show(value, text),
                            check::login_problem(login)
                        ),
                        "use the login shown on the person's GitHub profile (1-39 characters: letters, digits and single hyphens, not at the start or end)",
                    );
            }
            login.map(Value::Text)
        }
        FieldKind::Role => {
            let role = string(k, value, text, errors);
            if let Some(role) = &role
                && !mapping.roles.contains_key(role)
            {
                let valid = mapping.role_names();
                let hint = check::did_you_mean(role, &valid)
                    .map(|r| format!("did you mean `{r}`? "))
                    .unwrap_or_default();
                // A role the config uses but a custom mapping lacks: the mapping may
                // be the file to change, so name it.
                let help = if mapping.path == super::mapping::BUILTIN_PATH {
                    format!(
                        "{hint}the valid roles are: {}; or remove `{k}` for no production access",
                        valid.join(", ")
                    )
                } else {
                    format!(
                        "{hint}the roles in the mapping {} are: {}; use one of them, add `{role}` to that mapping's `roles`, or remove `{k}` for no production access",
                        mapping.path,
                        valid.join(", ")
                    )
                };
                errors.at(
                    value.start,
                    format!("unknown role `{}`", check::show(value, text)),
                    help,
                );
            }
            role.map(Value::Text)
        }
        FieldKind::Bool => boolean(k, value, text, errors).map(Value::Bool),
        FieldKind::Date => date(k, value, text, errors).map(Value::Date),
        FieldKind::Clearance => clearance(value, text, errors).map(Value::Clearance),
    }
}

/// A string field: any scalar; null or empty means absent; a list or mapping is an error.
fn string(key: &str, value: &Node, text: &str, errors: &mut Errors<'_>) -> Option<String> {
    match &value.kind {
        NodeKind::Null => None,
        NodeKind::Scalar { value: s, .. } => {
            // Text from the config is printed in reports, on terminals and in PR comments: a
            // control or bidi-override character there (written with a YAML escape such as
            // "\e") could hide or disguise what a reviewer reads.
            if let Some(c) = s.chars().find(|&c| is_hidden_control(c)) {
                errors.at(
                    value.start,
                    format!(
                        "`{key}` contains the invisible control character U+{:04X}, which could disguise the reports",
                        u32::from(c)
                    ),
                    format!("remove it from `{key}`: it comes from a copy and paste, or from an escape such as `\\e` or `\\u202e` in a double-quoted value"),
                );
                return None;
            }
            Some(s.clone())
        }
        NodeKind::Seq { .. } | NodeKind::Map { .. } => {
            errors.at(
                value.start,
                format!(
                    "`{key}` must be a single value, but it is {}",
                    value.describe()
                ),
                format!(
                    "write it on one line, e.g. `{key}: some text`; found `{}`",
                    check::show(value, text)
                ),
            );
            None
        }
    }
}

/// A character that changes how a terminal or a browser shows the text around it: C0/C1
/// controls other than tab and newline, and the Unicode bidi embedding, override and isolate
/// characters.
fn is_hidden_control(c: char) -> bool {
    (c.is_control() && c != '\n' && c != '\t')
        || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// A bool field: `true` or `false`; null means absent.
fn boolean(key: &str, value: &Node, text: &str, errors: &mut Errors<'_>) -> Option<bool> {
    if value.is_null() {
        return None;
    }
    let b = value.as_bool();
    if b.is_none() {
        errors.at(
            value.start,
            format!(
                "`{key}` must be true or false, but it is `{}`",
                check::show(value, text)
            ),
            format!("write `{key}: true` or `{key}: false` (without quotes)"),
        );
    }
    b
}

/// A `YYYY-MM-DD` date; null means absent.
fn date(key: &str, value: &Node, text: &str, errors: &mut Errors<'_>) -> Option<NaiveDate> {
    if value.is_null() {
        return None;
    }
    let result = match value.as_str() {
        Some(s) => check::parse_date(s),
        None => Err("is not a date in the form YYYY-MM-DD"),
    };
    match result {
        Ok(d) => Some(d),
        Err(why) => {
            errors.at(
                value.start,
                format!("`{key}`: `{}` {why}", check::show(value, text)),
                format!("write the date as YYYY-MM-DD, e.g. `{key}: 2026-01-31`"),
            );
            None
        }
    }
}

/// `BPSS`, `SC`, `DV` or `none`, exactly; null means absent.
fn clearance(value: &Node, text: &str, errors: &mut Errors<'_>) -> Option<Clearance> {
    const ALL: [Clearance; 4] = [
        Clearance::Bpss,
        Clearance::Sc,
        Clearance::Dv,
        Clearance::None,
    ];
    if value.is_null() {
        return None;
    }
    let s = value.as_str().unwrap_or("");
    if let Some(c) = ALL.iter().find(|c| c.as_str() == s) {
        return Some(*c);
    }
    let hint = ALL
        .iter()
        .find(|c| c.as_str().eq_ignore_ascii_case(s.trim()))
        .map(|c| format!("did you mean `{}`? ", c.as_str()))
        .unwrap_or_default();
    errors.at(
        value.start,
        format!(
            "`security_clearance` must be one of BPSS, SC, DV or none, but it is `{}`",
            check::show(value, text)
        ),
        format!("{hint}write it exactly as BPSS, SC, DV or none"),
    );
    None
}

/// What duplicate detection needs from every entry, valid or not.
struct Ident {
    pos: Pos,
    name: Option<String>,
    login: Option<Located<String>>,
    email: Option<Located<String>>,
}

impl Ident {
    fn who(&self) -> &str {
        self.name.as_deref().unwrap_or("an entry without a name")
    }
}

/// The same github_username or email twice (case-insensitively): an error at the second,
/// naming the first.
fn duplicates(idents: &[Ident], errors: &mut Errors<'_>) {
    let mut logins: HashMap<String, (&Ident, Pos)> = HashMap::new();
    let mut emails: HashMap<String, (&Ident, Pos)> = HashMap::new();
    for p in idents {
        if let Some(login) = &p.login {
            match logins.get(&login.value.to_ascii_lowercase()) {
                Some((first, first_pos)) => errors.at_pos(
                    login.pos,
                    format!(
                        "github_username `{}` is also used at line {} ({})",
                        login.value,
                        first_pos.line,
                        first.who()
                    ),
                    format!(
                        "each person appears once: merge or remove one of the entries at lines {} and {}",
                        first.pos.line, p.pos.line
                    ),
                ),
                None => {
                    logins.insert(login.value.to_ascii_lowercase(), (p, login.pos));
                }
            }
        }
        if let Some(email) = &p.email {
            let key = email.value.trim().to_lowercase();
            if key.is_empty() {
                continue;
            }
            match emails.get(&key) {
                Some((first, first_pos)) => errors.at_pos(
                    email.pos,
                    format!(
                        "email `{}` is also used at line {} ({})",
                        email.value,
                        first_pos.line,
                        first.who()
                    ),
                    format!(
                        "each person appears once: merge the entries at lines {} and {} or correct the email",
                        first.pos.line, p.pos.line
                    ),
                ),
                None => {
                    emails.insert(key, (p, email.pos));
                }
            }
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn ok(text: &str) -> Config {
        match parse("c.yml", text, &Mapping::builtin()) {
            Ok(c) => c,
            Err(e) => panic!("expected {text:?} to parse, got:\n{e}"),
        }
    }

    /// Every error as `line:col: message` (help left out).
    fn errors(text: &str) -> Vec<String> {
        match parse("c.yml", text, &Mapping::builtin()) {
            Ok(c) => panic!("expected errors, got {c:?}"),
            Err(e) => {
                e.0.iter()
                    .map(|e| format!("{}:{}: {}", e.line, e.col, e.message))
                    .collect()
            }
        }
    }

    const FULL: &str = "\
# people
- name: Jane Example
  email: jane@example.org
  github_username: jane-example
  role: production_admin_access
  why_do_they_need_access: 2nd line
  sponsor: Sam Lead
  security_clearance: SC
  probation_passed: true
  admin_checklist_reviewed_by: Pat Senior
  apprentice: false
  secondary_on_call_approved_by: ~
  absent_since: 2026-01-31
  team: platform         # unknown keys are kept and ignored
- name: No Access
  role: null
";

    #[test]
    fn a_full_entry() {
        let c = ok(FULL);
        assert_eq!(c.people.len(), 2);
        let p = &c.people[0];
        assert_eq!(p.pos, Pos { line: 2, col: 3 });
        assert_eq!(p.name.value, "Jane Example");
        assert_eq!(p.name.pos, Pos { line: 2, col: 9 });
        assert_eq!(p.login(), Some("jane-example"));
        assert_eq!(p.role(), Some("production_admin_access"));
        assert_eq!(p.role.as_ref().unwrap().pos, Pos { line: 5, col: 9 });
        assert_eq!(p.security_clearance.as_ref().unwrap().value, Clearance::Sc);
        assert!(p.probation_passed.as_ref().unwrap().value);
        assert!(!p.apprentice.as_ref().unwrap().value);
        assert_eq!(p.secondary_on_call_approved_by, None);
        assert_eq!(
            p.absent_since.as_ref().unwrap().value,
            NaiveDate::from_ymd_opt(2026, 1, 31).unwrap()
        );
        let q = &c.people[1];
        assert_eq!((q.index, q.role(), q.pos.line), (1, None, 15));
        assert!(c.by_login("JANE-EXAMPLE").is_some());
    }

    #[test]
    fn empty_and_comments_only() {
        assert_eq!(errors(""), vec!["1:1: the config lists no people"]);
        assert_eq!(
            errors("# a\n# b\n"),
            vec!["1:1: the config lists no people"]
        );
        assert_eq!(errors("[]\n"), vec!["1:1: the config lists no people"]);
    }

    #[test]
    fn top_level_and_items() {
        assert_eq!(
            errors("name: x\n"),
            vec!["1:1: the top level must be a list of people, but it is a mapping"]
        );
        assert_eq!(
            errors("- name: A\n- just text\n- [a]\n"),
            vec![
                "2:3: entry 2 of the list must be a mapping of keys to values, but it is a string",
                "3:3: entry 3 of the list must be a mapping of keys to values, but it is a sequence",
            ]
        );
    }

    #[test]
    fn wrong_types() {
        let e = errors(
            "- name: A\n  email: [a, b]\n  probation_passed: yes\n  apprentice: 'true'\n  absent_since: 2026-02-30\n  security_clearance: sc\n",
        );
        assert_eq!(
            e,
            vec![
                "2:10: `email` must be a single value, but it is a sequence",
                "3:21: `probation_passed` must be true or false, but it is `yes`",
                "4:15: `apprentice` must be true or false, but it is `'true'`",
                "5:17: `absent_since`: `2026-02-30` is not a real date",
                "6:23: `security_clearance` must be one of BPSS, SC, DV or none, but it is `sc`",
            ]
        );
        let full = parse(
            "c.yml",
            "- name: A\n  security_clearance: sc\n",
            &Mapping::builtin(),
        )
        .unwrap_err();
        assert_eq!(
            full.0[0].help.as_deref(),
            Some("did you mean `SC`? write it exactly as BPSS, SC, DV or none")
        );
    }

    #[test]
    fn missing_name_and_role_without_login() {
        assert_eq!(
            errors("- email: a@x\n  role: production_deploy_access\n"),
            vec![
                "1:3: this person's entry has no `name`",
                "1:3: `role: production_deploy_access` (line 2) is set but the entry has no `github_username`",
            ]
        );
        assert_eq!(errors("- name: ''\n"), vec!["1:9: `name` is empty"]);
        assert_eq!(errors("- name:\n"), vec!["1:8: `name` is empty"]);
    }

    #[test]
    fn unknown_role_lists_valid_ones() {
        let e = parse(
            "c.yml",
            "- name: A\n  github_username: a\n  role: production_deploy\n",
            &Mapping::builtin(),
        )
        .unwrap_err();
        assert_eq!(e.0.len(), 1);
        assert_eq!((e.0[0].line, e.0[0].col), (3, 9));
        assert_eq!(e.0[0].message, "unknown role `production_deploy`");
        let help = e.0[0].help.as_deref().unwrap();
        assert!(
            help.contains("platformengineer, production_admin_access, production_deploy_access"),
            "{help}"
        );
    }

    #[test]
    fn invalid_logins() {
        let e = errors(
            "- name: A\n  github_username: -a\n- name: B\n  github_username: a--b\n- name: C\n  github_username: 'x y'\n",
        );
        assert_eq!(e.len(), 3, "{e:?}");
        assert!(
            e[0].starts_with("2:20: `-a` is not a valid GitHub login"),
            "{e:?}"
        );
        assert!(
            e[2].starts_with("6:20: `'x y'` is not a valid GitHub login"),
            "{e:?}"
        );
    }

    #[test]
    fn duplicates_name_both_lines() {
        let e = errors(
            "- name: A\n  github_username: Jane\n  email: J@X.org\n- name: B\n  github_username: jane\n  email: j@x.org\n",
        );
        assert_eq!(
            e,
            vec![
                "5:20: github_username `jane` is also used at line 2 (A)",
                "6:10: email `j@x.org` is also used at line 3 (A)",
            ]
        );
    }

    #[test]
    fn misspelt_keys() {
        let e = errors("- name: A\n  githhub_username: a\n  probation_pased: true\n  slack: x\n");
        assert_eq!(
            e,
            vec![
                "2:3: unknown key `githhub_username`: did you mean `github_username`?",
                "3:3: unknown key `probation_pased`: did you mean `probation_passed`?",
            ]
        );
        // A misspelt `name` is not also reported as a missing name.
        assert_eq!(
            errors("- nmae: A\n"),
            vec!["1:3: unknown key `nmae`: did you mean `name`?"]
        );
    }

    #[test]
    fn duplicate_keys_and_other_errors_together() {
        let e = errors("- name: A\n  name: B\n- name: C\n  role: nope\n  github_username: c\n");
        assert_eq!(e.len(), 2, "{e:?}");
        assert!(e[0].starts_with("2:3: duplicate key `name`"));
        assert!(e[1].starts_with("4:9: unknown role `nope`"));
    }

    #[test]
    fn merge_keys_are_refused() {
        assert_eq!(
            errors("- &d {name: A}\n- <<: *d\n  name: B\n"),
            vec!["2:3: merge keys (`<<`) are not supported in the config"]
        );
    }

    #[test]
    fn flow_entries_start_at_their_first_key() {
        let c = ok("- {name: A, github_username: a}\n-   name: B\n");
        assert_eq!(c.people[0].pos, Pos { line: 1, col: 4 });
        assert_eq!(
            c.people[0].github_username.as_ref().unwrap().pos,
            Pos { line: 1, col: 30 }
        );
        assert_eq!(c.people[1].pos, Pos { line: 2, col: 5 });
    }

    #[test]
    fn role_null_forms_mean_no_role() {
        let c = ok("- name: A\n  role: ~\n- name: B\n  role:\n- name: C\n  role: null\n");
        assert!(c.people.iter().all(|p| p.role.is_none()));
    }

    #[test]
    fn yaml_errors_are_located() {
        let e = errors("- name: A\n\tgithub_username: a\n");
        assert_eq!(e.len(), 1);
        assert!(e[0].starts_with("2:1: invalid YAML"), "{e:?}");
    }
}
