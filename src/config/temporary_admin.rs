//! `temporary_admin.yml`: time-boxed AWS admin access. A YAML list of
//! `{name, email_address, expires_at: YYYY-MM-DD, why_do_they_need_access}`; an entry holds the
//! mapping's `temporary` role suffixes until it expires (`expires_at` < today).
//!
//! Read into the located tree and validated like the config: every problem at once, each with
//! `file:line:col` and a help line; unknown keys are errors (with a "did you mean").

use std::collections::HashMap;

use chrono::NaiveDate;

use super::check::{self, Errors};
use super::yaml::{Node, NodeKind};
use super::{ConfigErrors, Located, Pos};

/// The keys of an entry, all required.
pub const KEYS: &[&str] = &[
    "name",
    "email_address",
    "expires_at",
    "why_do_they_need_access",
];

const EXAMPLE: &str = "`- name: Jane Example`, `  email_address: jane.example@digital.cabinet-office.gov.uk`, `  expires_at: 2026-01-31`, `  why_do_they_need_access: incident 123`";

/// One entry of `temporary_admin.yml`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemporaryAdmin {
    /// Where the entry starts.
    pub pos: Pos,
    pub name: Located<String>,
    pub email_address: Located<String>,
    pub expires_at: Located<NaiveDate>,
    pub why_do_they_need_access: Located<String>,
}

impl TemporaryAdmin {
    /// Expired when `expires_at` < `today` (the entry holds on its last day).
    pub fn expired(&self, today: NaiveDate) -> bool {
        self.expires_at.value < today
    }

    /// Whether the entry is for this email (case-insensitively).
    pub fn is_for(&self, email: &str) -> bool {
        self.email_address
            .value
            .trim()
            .eq_ignore_ascii_case(email.trim())
    }
}

/// Read and parse `temporary_admin.yml`; `display` is the path as the user named it.
pub fn read(path: &std::path::Path, display: &str) -> Result<Vec<TemporaryAdmin>, ConfigErrors> {
    let text = super::read_file(path, display)?;
    parse(display, &text)
}

/// Parse and validate the text of a temporary admin file. An empty file or `[]` is no entries.
pub fn parse(path: &str, text: &str) -> Result<Vec<TemporaryAdmin>, ConfigErrors> {
    let mut errors = Errors::new(path);
    let Some(root) = errors.parse_yaml(text) else {
        return Err(ConfigErrors(errors.into_sorted()));
    };
    let mut out = Vec::new();
    match &root.kind {
        NodeKind::Null => {}
        NodeKind::Seq { items, .. } => {
            for (i, item) in items.iter().enumerate() {
                if let Some(entry) = entry(i, item, text, &mut errors) {
                    out.push(entry);
                }
            }
            duplicates(&out, &mut errors);
        }
        _ => errors.at(
            root.start,
            format!(
                "the top level must be a list of temporary admin entries, but it is {}",
                root.describe()
            ),
            format!("start each entry with `- `, e.g. {EXAMPLE}"),
        ),
    }
    if errors.list.is_empty() {
        Ok(out)
    } else {
        Err(ConfigErrors(errors.into_sorted()))
    }
}

fn entry(index: usize, item: &Node, text: &str, errors: &mut Errors<'_>) -> Option<TemporaryAdmin> {
    let Some(entries) = item.as_map() else {
        errors.at(
            item.start,
            format!(
                "entry {} must be a mapping of keys to values, but it is {}",
                index + 1,
                item.describe()
            ),
            format!("write each entry as keys under `- `, e.g. {EXAMPLE}"),
        );
        return None;
    };
    let before = errors.list.len();
    let pos = entries.first().map_or(item.pos(), |(k, _)| k.pos());
    let mut name = None;
    let mut email = None;
    let mut expires = None;
    let mut why = None;
    for (key, value) in entries {
        let Some(k) = key.as_str() else {
            errors.at(
                key.start,
                format!(
                    "a key must be a plain word, but this one is {}",
                    key.describe()
                ),
                "write `key: value` with a plain key such as `name`",
            );
            continue;
        };
        match k {
            "name" => name = text_value(k, value, text, errors).map(|v| Located::new(v, value.pos())),
            "email_address" => {
                email = text_value(k, value, text, errors).and_then(|v| {
                    let ok = v.split_once('@').is_some_and(|(l, d)| {
                        !l.trim().is_empty() && !d.trim().is_empty() && !d.contains('@')
                    });
                    if ok {
                        Some(Located::new(v, value.pos()))
                    } else {
                        errors.at(
                            value.start,
                            format!("`email_address`: `{}` is not an email address", check::show(value, text)),
                            "write the person's email address as in the config, e.g. `jane.example@digital.cabinet-office.gov.uk`",
                        );
                        None
                    }
                })
            }
            "expires_at" => expires = date(value, text, errors),
            "why_do_they_need_access" => {
                why = text_value(k, value, text, errors).map(|v| Located::new(v, value.pos()))
            }
            _ => {
                let hint = check::did_you_mean(k, KEYS)
                    .map(|known| format!("did you mean `{known}`? "))
                    .unwrap_or_default();
                errors.at(
                    key.start,
                    format!("unknown key `{k}` in a temporary admin entry"),
                    format!("{hint}an entry has exactly these keys: {}", KEYS.join(", ")),
                );
            }
        }
    }
    let missing: Vec<&str> = [
        ("name", name.is_some()),
        ("email_address", email.is_some()),
        ("expires_at", expires.is_some()),
        ("why_do_they_need_access", why.is_some()),
    ]
    .into_iter()
    .filter(|(k, present)| !present && item.get(k).is_none())
    .map(|(k, _)| k)
    .collect();
    if !missing.is_empty() {
        errors.at_pos(
            pos,
            format!(
                "this temporary admin entry has no `{}`",
                missing.join("`, `")
            ),
            format!("every entry needs all of: {}", KEYS.join(", ")),
        );
    }
    if errors.list.len() > before {
        return None;
    }
    Some(TemporaryAdmin {
        pos,
        name: name?,
        email_address: email?,
        expires_at: expires?,
        why_do_they_need_access: why?,
    })
}

/// A required, single-line text value; empty is an error.
fn text_value(key: &str, value: &Node, text: &str, errors: &mut Errors<'_>) -> Option<String> {
    match &value.kind {
        NodeKind::Scalar { value: s, .. } if !s.trim().is_empty() => {
            if s.chars().any(|c| c.is_control() && c != '\t') {
                errors.at(
                    value.start,
                    format!("`{key}` contains a control character or a line break"),
                    format!("write `{key}` on one line, without escapes"),
                );
                return None;
            }
            Some(s.clone())
        }
        NodeKind::Scalar { .. } | NodeKind::Null => {
            errors.at(
                value.start,
                format!("`{key}` is empty"),
                format!("give `{key}` a value"),
            );
            None
        }
        _ => {
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

fn date(value: &Node, text: &str, errors: &mut Errors<'_>) -> Option<Located<NaiveDate>> {
    let result = match value.as_str() {
        Some(s) => check::parse_date(s),
        None => Err("is not a date in the form YYYY-MM-DD"),
    };
    match result {
        Ok(d) => Some(Located::new(d, value.pos())),
        Err(why) => {
            errors.at(
                value.start,
                format!("`expires_at`: `{}` {why}", check::show(value, text)),
                "write the last day of the access as YYYY-MM-DD, e.g. `expires_at: 2026-01-31`",
            );
            None
        }
    }
}

/// The same email twice (case-insensitively): an error at the second, naming the first.
fn duplicates(entries: &[TemporaryAdmin], errors: &mut Errors<'_>) {
    let mut seen: HashMap<String, Pos> = HashMap::new();
    for e in entries {
        let key = e.email_address.value.trim().to_lowercase();
        match seen.get(&key) {
            Some(first) => errors.at_pos(
                e.email_address.pos,
                format!(
                    "`{}` already has an entry at line {}",
                    e.email_address.value, first.line
                ),
                format!(
                    "keep one entry per person: change its `expires_at` and remove the other (lines {} and {})",
                    first.line, e.pos.line
                ),
            ),
            None => {
                seen.insert(key, e.pos);
            }
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn errors(text: &str) -> Vec<String> {
        match parse("temporary_admin.yml", text) {
            Ok(v) => panic!("expected errors, got {v:?}"),
            Err(e) => e.0.iter().map(ToString::to_string).collect(),
        }
    }

    #[test]
    fn parses_entries_and_expiry() {
        let text = "# temporary admins\n- name: Jane Doe\n  email_address: Jane.Doe@x.gov.uk\n  expires_at: 2026-12-01\n  why_do_they_need_access: incident 42\n";
        let list = parse("t.yml", text).unwrap();
        assert_eq!(list.len(), 1);
        let e = &list[0];
        assert_eq!(e.pos, Pos { line: 2, col: 3 });
        assert_eq!(e.expires_at.pos, Pos { line: 4, col: 15 });
        let day = |s| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        assert!(!e.expired(day("2026-12-01")), "holds on its last day");
        assert!(e.expired(day("2026-12-02")));
        assert!(e.is_for("jane.doe@X.gov.uk"));
        assert!(!e.is_for("jane@x.gov.uk"));
    }

    #[test]
    fn empty_file_and_empty_list_are_no_entries() {
        assert_eq!(parse("t.yml", "").unwrap(), vec![]);
        assert_eq!(parse("t.yml", "# none\n").unwrap(), vec![]);
        assert_eq!(parse("t.yml", "[]\n").unwrap(), vec![]);
    }

    #[test]
    fn every_problem_is_reported_at_once_with_its_place() {
        let text = "\
- name: A
  email_address: a@x
  expires_at: 2026-02-30
  why_do_they_need_access: x
  expire_at: 2026-01-01
- name: B
  email_adress: b@x
  expires_at: 2026-01-01
  why_do_they_need_access: y
- name: [C]
  email_address: not-an-email
  expires_at: 1/1/2026
  why_do_they_need_access: ''
- just a string
- name: D
  email_address: A@X
  expires_at: 2026-01-01
  why_do_they_need_access: z
- name: E
  email_address: a@x
  expires_at: 2026-01-01
  why_do_they_need_access: z
";
        let got = errors(text);
        let want = [
            "temporary_admin.yml:3:15: `expires_at`: `2026-02-30` is not a real date",
            "temporary_admin.yml:5:3: unknown key `expire_at` in a temporary admin entry\n  help: did you mean `expires_at`? an entry has exactly these keys: name, email_address, expires_at, why_do_they_need_access",
            "temporary_admin.yml:6:3: this temporary admin entry has no `email_address`",
            "temporary_admin.yml:7:3: unknown key `email_adress` in a temporary admin entry\n  help: did you mean `email_address`?",
            "temporary_admin.yml:10:9: `name` must be a single value, but it is a sequence",
            "temporary_admin.yml:11:18: `email_address`: `not-an-email` is not an email address",
            "temporary_admin.yml:12:15: `expires_at`: `1/1/2026` is not a date in the form YYYY-MM-DD",
            "temporary_admin.yml:13:28: `why_do_they_need_access` is empty",
            "temporary_admin.yml:14:3: entry 4 must be a mapping of keys to values, but it is a string",
            "temporary_admin.yml:20:18: `a@x` already has an entry at line 15",
        ];
        assert_eq!(got.len(), want.len(), "{got:#?}");
        for (g, w) in got.iter().zip(want) {
            assert!(g.starts_with(w), "got {g:?}\nwant {w:?}");
        }
    }

    #[test]
    fn wrong_top_level_and_yaml_errors() {
        let got = errors("name: A\n");
        assert!(got[0].contains("must be a list"), "{got:?}");
        let got = errors("- name: A\n  name: B\n");
        assert!(
            got.iter().any(|e| e.contains("duplicate key `name`")),
            "{got:?}"
        );
        let got = errors("- [\n");
        assert!(got[0].contains("invalid YAML"), "{got:?}");
    }
}
