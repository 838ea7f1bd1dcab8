//! The format-preserving editor: apply [`Edit`]s to the config text, changing only the lines that
//! must change. Comments, key order, quoting, blank lines, unknown keys and line endings stay as
//! they were. Pure: text in, text out.
//!
//! Every edit is turned into splices (byte range -> replacement) computed from the original
//! text's [`Layout`]; the splices are applied at once. [`verify`] then parses the result again and
//! checks it produces exactly the intended change.

use std::fmt;

use similar::TextDiff;

use super::layout::{self, EntryLoc, KeyLoc, Layout, Style};
use crate::config::fields::{self, FIELDS, Value};
use crate::config::{self, Config, Mapping, Person};

/// One change to the config, as data. `person` is the 0-based index of the entry in the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Edit {
    /// Delete the person's `role` line (the person stays).
    RemoveRole { person: usize },
    /// Rewrite the person's `github_username`.
    SetLogin { person: usize, new: String },
    /// Append a new entry at the end of the file.
    AddPerson {
        name: String,
        login: String,
        role: Option<String>,
        why: String,
    },
    /// Set the person's role (adding the key when absent or empty).
    RaiseRole { person: usize, role: String },
}

impl Edit {
    /// The entry this edit changes, if it changes an existing one.
    pub fn person(&self) -> Option<usize> {
        match self {
            Edit::RemoveRole { person }
            | Edit::SetLogin { person, .. }
            | Edit::RaiseRole { person, .. } => Some(*person),
            Edit::AddPerson { .. } => None,
        }
    }

    fn touches_role(&self) -> bool {
        matches!(self, Edit::RemoveRole { .. } | Edit::RaiseRole { .. })
    }
}

/// Why an edit could not be made. Any of these aborts `fix` with exit 2, the file untouched.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EditError {
    #[error("cannot locate the entries of the config: {0}")]
    Layout(String),
    #[error("entry {} of the config: {message}", .person + 1)]
    Entry { person: usize, message: String },
    #[error("two edits change the same text; nothing was changed")]
    Overlap,
    #[error(
        "the edited config does not validate, so nothing was changed:\n{0}\n  \
         help: {UNSAFE_EDIT_HELP}"
    )]
    Invalid(String),
    #[error(
        "the edited config does not produce the intended change, so nothing was changed: {0}\n  \
         help: {UNSAFE_EDIT_HELP}"
    )]
    Mismatch(String),
}

/// What to do when the edited text fails the re-validation.
const UNSAFE_EDIT_HELP: &str = "if the config uses YAML anchors and aliases (`&name`, `*name`) \
     near this entry, an edit to one value changes or breaks the others that refer to it: write \
     the values out in full, or make the edit by hand. Otherwise this is a bug in `fix`; please \
     report it with the config";

struct Splice {
    start: usize,
    end: usize,
    text: String,
}

/// Apply the edits to `text`. The result changes only the lines the edits must change.
pub fn apply(text: &str, edits: &[Edit]) -> Result<String, EditError> {
    let layout = layout::locate(text).map_err(EditError::Layout)?;
    let nl = if text.contains("\r\n") { "\r\n" } else { "\n" };

    // One role edit per person: two would fight over the same line.
    let mut role_edited = std::collections::BTreeSet::new();
    for e in edits.iter().filter(|e| e.touches_role()) {
        if let Some(p) = e.person()
            && !role_edited.insert(p)
        {
            return Err(EditError::Overlap);
        }
    }

    let mut splices = Vec::new();
    for edit in edits {
        match edit {
            Edit::RemoveRole { person } => {
                remove_role(text, entry(&layout, *person)?, *person, &mut splices)?
            }
            Edit::SetLogin { person, new } => {
                let e = entry(&layout, *person)?;
                let (_, key) = e.key("github_username").ok_or_else(|| EditError::Entry {
                    person: *person,
                    message: "has no github_username to rewrite".into(),
                })?;
                splices.push(Splice {
                    start: key.value_start,
                    end: key.value_end,
                    text: requote(key, new, *person)?,
                });
            }
            Edit::RaiseRole { person, role } => set_role(
                text,
                entry(&layout, *person)?,
                *person,
                role,
                nl,
                &mut splices,
            )?,
            Edit::AddPerson {
                name,
                login,
                role,
                why,
            } => splices.push(add_person(
                text,
                &layout,
                name,
                login,
                role.as_deref(),
                why,
                nl,
            )?),
        }
    }

    // Apply in text order; insertions at the same place keep the order of the edits.
    splices.sort_by_key(|s| (s.start, s.end));
    let mut out = String::with_capacity(text.len() + 256);
    let mut at = 0;
    for s in &splices {
        if s.start < at {
            return Err(EditError::Overlap);
        }
        out.push_str(&text[at..s.start]);
        out.push_str(&s.text);
        at = s.end;
    }
    out.push_str(&text[at..]);
    Ok(out)
}

fn entry(layout: &Layout, person: usize) -> Result<&EntryLoc, EditError> {
    layout.entries.get(person).ok_or(EditError::Entry {
        person,
        message: "is not in the file".into(),
    })
}

/// Start of the line holding `pos`.
fn line_start(text: &str, pos: usize) -> usize {
    text[..pos].rfind('\n').map_or(0, |i| i + 1)
}

/// Just after the line break ending the line holding `pos` (or the end of the text).
fn next_line(text: &str, pos: usize) -> usize {
    text[pos..].find('\n').map_or(text.len(), |i| pos + i + 1)
}

/// Whether the entry's last value is a block scalar with keep chomping (`|+`, `>+`): the blank
/// lines after it are part of its value.
fn ends_in_kept_block(text: &str, e: &EntryLoc) -> bool {
    e.keys.last().is_some_and(|k| {
        // The header (`|+`, `>2+`) is on the key's line, after the last colon before any
        // comment; the value's span starts at its content.
        let line = text[k.key_start..k.value_start]
            .split('\n')
            .next()
            .unwrap_or_default();
        let line = line.split(" #").next().unwrap_or_default();
        k.style == Style::Block
            && line
                .rsplit(':')
                .next()
                .is_some_and(|header| header.contains('+'))
    })
}

/// Where a line added after the entry goes: the start of the line after its last value, past
/// the blank lines that belong to a keep-chomped block scalar.
fn after_entry(text: &str, e: &EntryLoc) -> usize {
    let mut at = next_line(text, e.end);
    if ends_in_kept_block(text, e) {
        while at < text.len() {
            let next = next_line(text, at);
            if !text[at..next].trim().is_empty() {
                break;
            }
            at = next;
        }
    }
    at
}

fn remove_role(
    text: &str,
    e: &EntryLoc,
    person: usize,
    splices: &mut Vec<Splice>,
) -> Result<(), EditError> {
    let err = |message: &str| EditError::Entry {
        person,
        message: message.into(),
    };
    let (i, role) = e.key("role").ok_or_else(|| err("has no role to remove"))?;
    if matches!(role.style, Style::Block | Style::Collection) {
        return Err(err("its role is not a single-line value; edit it by hand"));
    }
    let next = e.keys.get(i + 1);
    if e.flow {
        // `{name: A, role: x}` -> `{name: A}`; `{role: x, name: A}` -> `{name: A}`.
        match (i.checked_sub(1).map(|p| &e.keys[p]), next) {
            (Some(prev), _) => splices.push(Splice {
                start: prev.value_end,
                end: role.value_end,
                text: String::new(),
            }),
            (None, Some(next)) => splices.push(Splice {
                start: role.key_start,
                end: next.key_start,
                text: String::new(),
            }),
            (None, None) => return Err(err("role is its only key")),
        }
        return Ok(());
    }
    let ls = line_start(text, role.key_start);
    if i > 0 {
        if !text[ls..role.key_start].trim().is_empty() {
            return Err(err("its role key shares a line with other text"));
        }
        splices.push(Splice {
            start: ls,
            end: next_line(text, role.value_end),
            text: String::new(),
        });
        return Ok(());
    }
    // `- role: x` starts the entry: the next key moves up to take the `- `. Comment lines
    // between the two move above the entry, unchanged.
    let next = next.ok_or_else(|| err("role is its only key"))?;
    let between_start = next_line(text, role.value_end);
    let between_end = line_start(text, next.key_start);
    if between_start < between_end {
        splices.push(Splice {
            start: ls,
            end: ls,
            text: text[between_start..between_end].to_owned(),
        });
    }
    splices.push(Splice {
        start: role.key_start,
        end: next.key_start,
        text: String::new(),
    });
    Ok(())
}

fn set_role(
    text: &str,
    e: &EntryLoc,
    person: usize,
    role: &str,
    nl: &str,
    splices: &mut Vec<Splice>,
) -> Result<(), EditError> {
    if let Some((_, key)) = e.key("role") {
        let new = match key.style {
            Style::Empty => format!(" {}", quote(role)),
            _ => requote(key, role, person)?,
        };
        splices.push(Splice {
            start: key.value_start,
            end: key.value_end,
            text: new,
        });
        return Ok(());
    }
    let last = e.keys.last().ok_or(EditError::Entry {
        person,
        message: "has no keys".into(),
    })?;
    if e.flow {
        splices.push(Splice {
            start: last.value_end,
            end: last.value_end,
            text: format!(", role: {}", quote(role)),
        });
        return Ok(());
    }
    let pad = " ".repeat(last.key_start - line_start(text, last.key_start));
    let at = after_entry(text, e);
    let lead = if at == text.len() && !text.ends_with('\n') {
        nl
    } else {
        ""
    };
    splices.push(Splice {
        start: at,
        end: at,
        text: format!("{lead}{pad}role: {}{nl}", quote(role)),
    });
    Ok(())
}

fn add_person(
    text: &str,
    layout: &Layout,
    name: &str,
    login: &str,
    role: Option<&str>,
    why: &str,
    nl: &str,
) -> Result<Splice, EditError> {
    let layout_err = |m: &str| EditError::Layout(m.to_owned());
    if layout.flow_sequence {
        return Err(layout_err(
            "the people are a flow sequence `[...]`; add the entry by hand",
        ));
    }
    let last = layout
        .entries
        .last()
        .ok_or_else(|| layout_err("the file has no entries to add after"))?;
    // Copy the last entry's `- ` prefix and key column.
    let ls = line_start(text, last.start);
    let col = last.start - ls;
    let prefix = if text[ls..last.start].trim() == "-" {
        text[ls..last.start].to_owned()
    } else {
        format!("{}- ", " ".repeat(col.saturating_sub(2)))
    };
    let pad = " ".repeat(prefix.len());
    let at = after_entry(text, last);
    let mut s = String::new();
    if at == text.len() && !text.ends_with('\n') {
        s.push_str(nl);
    }
    // Entries separated by blank lines get one before the new entry too.
    // A blank line after a keep-chomped block scalar would join its value.
    let separated = !ends_in_kept_block(text, last)
        && layout.entries.len() > 1
        && ls > 0
        && text[..ls - 1]
            .rsplit('\n')
            .next()
            .is_some_and(|line| line.trim().is_empty());
    if separated {
        s.push_str(nl);
    }
    s.push_str(&format!("{prefix}name: {}{nl}", quote(name)));
    s.push_str(&format!("{pad}github_username: {}{nl}", quote(login)));
    if let Some(role) = role {
        s.push_str(&format!("{pad}role: {}{nl}", quote(role)));
    }
    s.push_str(&format!("{pad}why_do_they_need_access: {}{nl}", quote(why)));
    Ok(Splice {
        start: at,
        end: at,
        text: s,
    })
}

/// `new` written in the same style as the key's current value.
fn requote(key: &KeyLoc, new: &str, person: usize) -> Result<String, EditError> {
    Ok(match key.style {
        Style::Plain | Style::Empty => quote(new),
        Style::SingleQuoted => format!("'{}'", new.replace('\'', "''")),
        Style::DoubleQuoted => double_quoted(new),
        Style::Block | Style::Collection => {
            return Err(EditError::Entry {
                person,
                message: format!(
                    "its `{}` is not a single-line value; edit it by hand",
                    key.key
                ),
            });
        }
    })
}

/// A plain scalar when that reads back as the same string, else double-quoted.
pub fn quote(s: &str) -> String {
    if plain_safe(s) {
        s.to_owned()
    } else {
        double_quoted(s)
    }
}

fn double_quoted(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn plain_safe(s: &str) -> bool {
    let Some(first) = s.chars().next() else {
        return false;
    };
    const SPECIAL: [&str; 9] = ["null", "~", "true", "false", "yes", "no", "on", "off", "y"];
    first.is_alphanumeric()
        && !s.ends_with(' ')
        && s.chars()
            .all(|c| c.is_alphanumeric() || " -_.@()'".contains(c))
        && !SPECIAL.iter().any(|w| w.eq_ignore_ascii_case(s))
        && !(s.eq_ignore_ascii_case("n"))
        && s.parse::<f64>().is_err()
        && !s.starts_with("0x")
        && !s.starts_with("0o")
}

/// The values of one person, without positions, one per field of [`FIELDS`]: what an edit may
/// change is compared on these, so every key the parser knows is re-validated.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Values(Vec<Option<Value>>);

impl Values {
    fn of(p: &Person) -> Values {
        Values(fields::values(p))
    }

    /// Set the field `key` (a key of [`FIELDS`]).
    fn set(&mut self, key: &str, value: Option<&str>) -> Result<(), EditError> {
        let i = fields::index(key).ok_or_else(|| {
            EditError::Mismatch(format!("the edit sets `{key}`, which is not a config key"))
        })?;
        self.0[i] = value.map(|v| Value::Text(v.to_owned()));
        Ok(())
    }

    fn name(&self) -> String {
        fields::index("name")
            .and_then(|i| self.0[i].as_ref())
            .map(Value::to_string)
            .unwrap_or_default()
    }

    /// One line per field that differs: `sponsor would be "A", expected "a"`.
    fn differences(&self, expected: &Values) -> Vec<String> {
        fn show(v: &Option<Value>) -> String {
            v.as_ref()
                .map_or_else(|| "absent".to_owned(), |v| format!("{v:?}"))
        }
        FIELDS
            .iter()
            .zip(self.0.iter().zip(&expected.0))
            .filter(|(_, (got, want))| got != want)
            .map(|(f, (got, want))| {
                format!("{} would be {}, expected {}", f.key, show(got), show(want))
            })
            .collect()
    }

    fn new_person(
        name: &str,
        login: &str,
        role: Option<&str>,
        why: &str,
    ) -> Result<Values, EditError> {
        let mut v = Values(vec![None; FIELDS.len()]);
        v.set("name", Some(name))?;
        v.set("github_username", Some(login))?;
        v.set("role", role)?;
        v.set("why_do_they_need_access", Some(why))?;
        Ok(v)
    }
}

/// Parse the edited text again and check it validates and differs from `before` by exactly the
/// edits. Returns the new config.
pub fn verify(
    before: &Config,
    new_text: &str,
    edits: &[Edit],
    mapping: &Mapping,
) -> Result<Config, EditError> {
    let after = config::people::parse(&before.path, new_text, mapping)
        .map_err(|e| EditError::Invalid(e.to_string()))?;
    let mut expected: Vec<Values> = before.people.iter().map(Values::of).collect();
    for edit in edits {
        let slot = |p: usize, expected: &mut Vec<Values>| -> Result<usize, EditError> {
            if p < expected.len() {
                Ok(p)
            } else {
                Err(EditError::Mismatch(format!(
                    "entry {} does not exist",
                    p + 1
                )))
            }
        };
        match edit {
            Edit::RemoveRole { person } => {
                let i = slot(*person, &mut expected)?;
                expected[i].set("role", None)?;
            }
            Edit::SetLogin { person, new } => {
                let i = slot(*person, &mut expected)?;
                expected[i].set("github_username", Some(new))?;
            }
            Edit::RaiseRole { person, role } => {
                let i = slot(*person, &mut expected)?;
                expected[i].set("role", Some(role))?;
            }
            Edit::AddPerson {
                name,
                login,
                role,
                why,
            } => expected.push(Values::new_person(name, login, role.as_deref(), why)?),
        }
    }
    let got: Vec<Values> = after.people.iter().map(Values::of).collect();
    if got.len() != expected.len() {
        return Err(EditError::Mismatch(format!(
            "expected {} people, found {}",
            expected.len(),
            got.len()
        )));
    }
    if let Some((i, (g, x))) = got
        .iter()
        .zip(&expected)
        .enumerate()
        .find(|(_, (g, x))| g != x)
    {
        return Err(EditError::Mismatch(format!(
            "entry {} ({}) would change where no edit was meant: {}",
            i + 1,
            x.name(),
            g.differences(x).join("; ")
        )));
    }
    Ok(after)
}

/// The unified diff between the old and new text, with `a/PATH` and `b/PATH` headers.
pub fn unified_diff(old: &str, new: &str, path: &str) -> String {
    TextDiff::from_lines(old, new)
        .unified_diff()
        .context_radius(3)
        .header(&format!("a/{path}"), &format!("b/{path}"))
        .to_string()
}

impl fmt::Display for Edit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Edit::RemoveRole { person } => write!(f, "remove the role of entry {}", person + 1),
            Edit::SetLogin { person, new } => {
                write!(
                    f,
                    "set the github_username of entry {} to {new}",
                    person + 1
                )
            }
            Edit::AddPerson { login, .. } => write!(f, "add an entry for {login}"),
            Edit::RaiseRole { person, role } => {
                write!(f, "set the role of entry {} to {role}", person + 1)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn diff(text: &str, edits: &[Edit]) -> String {
        let new = apply(text, edits).expect("edits apply");
        unified_diff(text, &new, "c.yml")
    }

    const COMMENTED: &str = "\
# GOV.UK production access
# Keep entries in alphabetical order.

- name: Alice Example   # platform team
  email: alice@example.gov.uk
  github_username: alice-example
  role: production_admin_access  # approved 2026-01-02
  team: platform            # unknown key, kept
  sponsor: Bob

# Contractors
- name: Carol Example
  github_username: 'Carol-Ex'   # it's 'Carol'
  role: production_deploy_access
  sponsor: \"Dan\"
";

    #[test]
    fn removing_a_role_deletes_only_its_line_in_a_commented_file() {
        assert_eq!(
            diff(COMMENTED, &[Edit::RemoveRole { person: 0 }]),
            "\
--- a/c.yml
+++ b/c.yml
@@ -4,7 +4,6 @@
 - name: Alice Example   # platform team
   email: alice@example.gov.uk
   github_username: alice-example
-  role: production_admin_access  # approved 2026-01-02
   team: platform            # unknown key, kept
   sponsor: Bob
 
"
        );
    }

    #[test]
    fn rewriting_a_login_keeps_its_quotes() {
        assert_eq!(
            diff(
                COMMENTED,
                &[Edit::SetLogin {
                    person: 1,
                    new: "carol-ex".into()
                }]
            ),
            "\
--- a/c.yml
+++ b/c.yml
@@ -10,6 +10,6 @@
 
 # Contractors
 - name: Carol Example
-  github_username: 'Carol-Ex'   # it's 'Carol'
+  github_username: 'carol-ex'   # it's 'Carol'
   role: production_deploy_access
   sponsor: \"Dan\"
"
        );
    }

    #[test]
    fn role_as_first_key_hands_the_dash_to_the_next_key() {
        let text = "\
-   role: production_deploy_access   # first
    # who
    name: Odd Indent
    github_username: odd
-   name: Next
";
        assert_eq!(
            diff(text, &[Edit::RemoveRole { person: 0 }]),
            "\
--- a/c.yml
+++ b/c.yml
@@ -1,5 +1,4 @@
--   role: production_deploy_access   # first
     # who
-    name: Odd Indent
+-   name: Odd Indent
     github_username: odd
 -   name: Next
"
        );
    }

    #[test]
    fn odd_indentation_is_kept_when_adding_and_raising() {
        let text = "   -    name: Deep\n        github_username: deep\n";
        let d = diff(
            text,
            &[
                Edit::RaiseRole {
                    person: 0,
                    role: "production_deploy_access".into(),
                },
                Edit::AddPerson {
                    name: "new-login".into(),
                    login: "new-login".into(),
                    role: Some("production_admin_access".into()),
                    why: "Added outside the config: found in team gov-uk-production-admin on 2026-11-28; confirm or remove".into(),
                },
            ],
        );
        assert_eq!(
            d,
            "\
--- a/c.yml
+++ b/c.yml
@@ -1,2 +1,7 @@
    -    name: Deep
         github_username: deep
+        role: production_deploy_access
+   -    name: new-login
+        github_username: new-login
+        role: production_admin_access
+        why_do_they_need_access: \"Added outside the config: found in team gov-uk-production-admin on 2026-11-28; confirm or remove\"
"
        );
    }

    #[test]
    fn flow_entries_lose_the_role_pair_and_its_comma() {
        let text = "\
- {name: A, github_username: a, role: production_deploy_access, sponsor: S}
- {role: production_deploy_access, name: B, github_username: b}
- {name: C, github_username: c, role: production_deploy_access}
- {name: D, github_username: D-Case}
";
        assert_eq!(
            diff(
                text,
                &[
                    Edit::RemoveRole { person: 0 },
                    Edit::RemoveRole { person: 1 },
                    Edit::RemoveRole { person: 2 },
                    Edit::RaiseRole {
                        person: 3,
                        role: "production_deploy_access".into()
                    },
                    Edit::SetLogin {
                        person: 3,
                        new: "d-case".into()
                    },
                ]
            ),
            "\
--- a/c.yml
+++ b/c.yml
@@ -1,4 +1,4 @@
-- {name: A, github_username: a, role: production_deploy_access, sponsor: S}
-- {role: production_deploy_access, name: B, github_username: b}
-- {name: C, github_username: c, role: production_deploy_access}
-- {name: D, github_username: D-Case}
+- {name: A, github_username: a, sponsor: S}
+- {name: B, github_username: b}
+- {name: C, github_username: c}
+- {name: D, github_username: d-case, role: production_deploy_access}
"
        );
    }

    /// A flow mapping with a trailing comma (`{a: 1, }`) is still a flow mapping.
    #[test]
    fn flow_entries_with_a_trailing_comma() {
        let text = "\
- {name: A, github_username: a, role: production_deploy_access, }
- {name: B, github_username: b,}
";
        let edits = [
            Edit::RemoveRole { person: 0 },
            Edit::RaiseRole {
                person: 1,
                role: "production_deploy_access".into(),
            },
        ];
        assert_eq!(
            diff(text, &edits),
            "\
--- a/c.yml
+++ b/c.yml
@@ -1,2 +1,2 @@
-- {name: A, github_username: a, role: production_deploy_access, }
-- {name: B, github_username: b,}
+- {name: A, github_username: a, }
+- {name: B, github_username: b, role: production_deploy_access,}
"
        );
        let mapping = Mapping::builtin();
        let before = config::people::parse("c.yml", text, &mapping).expect("valid");
        let new = apply(text, &edits).expect("applies");
        verify(&before, &new, &edits, &mapping).expect("exactly the intended change");
    }

    #[test]
    fn quoted_keys_and_values() {
        let text = "\
- \"name\": \"Q\"
  \"github_username\": \"Q-Login\"
  \"role\": \"production_admin_access\"
  'sponsor': 'S'
- name: R
  github_username: r
  role:
";
        assert_eq!(
            diff(
                text,
                &[
                    Edit::RemoveRole { person: 0 },
                    Edit::SetLogin {
                        person: 0,
                        new: "q-login".into()
                    },
                    Edit::RaiseRole {
                        person: 1,
                        role: "production_deploy_access".into()
                    },
                ]
            ),
            "\
--- a/c.yml
+++ b/c.yml
@@ -1,7 +1,6 @@
 - \"name\": \"Q\"
-  \"github_username\": \"Q-Login\"
-  \"role\": \"production_admin_access\"
+  \"github_username\": \"q-login\"
   'sponsor': 'S'
 - name: R
   github_username: r
-  role:
+  role: production_deploy_access
"
        );
    }

    #[test]
    fn crlf_stays_crlf() {
        let text = "# c\r\n- name: A\r\n  github_username: a\r\n  role: production_deploy_access\r\n  sponsor: S\r\n";
        let new = apply(
            text,
            &[
                Edit::RemoveRole { person: 0 },
                Edit::AddPerson {
                    name: "b".into(),
                    login: "b".into(),
                    role: None,
                    why: "w".into(),
                },
            ],
        )
        .expect("applies");
        assert_eq!(
            new,
            "# c\r\n- name: A\r\n  github_username: a\r\n  sponsor: S\r\n- name: b\r\n  github_username: b\r\n  why_do_they_need_access: w\r\n"
        );
        assert_eq!(
            unified_diff(text, &new, "c.yml"),
            "--- a/c.yml\n+++ b/c.yml\n@@ -1,5 +1,7 @@\n # c\r\n - name: A\r\n   github_username: a\r\n-  role: production_deploy_access\r\n   sponsor: S\r\n+- name: b\r\n+  github_username: b\r\n+  why_do_they_need_access: w\r\n"
        );
    }

    #[test]
    fn duplicate_looking_names_edit_the_indexed_entry_only() {
        let text = "\
- name: Sam Smith
  github_username: sam-smith
  role: production_deploy_access
- name: Sam Smith
  github_username: sam-smith-2
  role: production_deploy_access
- name: \"Sam Smith \"
  github_username: sam-smith-3
  role: production_deploy_access
";
        assert_eq!(
            diff(text, &[Edit::RemoveRole { person: 1 }]),
            "\
--- a/c.yml
+++ b/c.yml
@@ -3,7 +3,6 @@
   role: production_deploy_access
 - name: Sam Smith
   github_username: sam-smith-2
-  role: production_deploy_access
 - name: \"Sam Smith \"
   github_username: sam-smith-3
   role: production_deploy_access
"
        );
    }

    #[test]
    fn last_entry_without_final_newline_and_block_scalar_before_role() {
        let text = "- name: A\n  why_do_they_need_access: |\n    on call\n  # the role\n  role: x\n- name: B\n  github_username: b";
        let new = apply(
            text,
            &[
                Edit::RemoveRole { person: 0 },
                Edit::RaiseRole {
                    person: 1,
                    role: "x".into(),
                },
            ],
        )
        .expect("applies");
        assert_eq!(
            new,
            "- name: A\n  why_do_they_need_access: |\n    on call\n  # the role\n- name: B\n  github_username: b\n  role: x\n"
        );
    }

    #[test]
    fn conflicting_and_impossible_edits_are_refused() {
        let text = "- name: A\n  github_username: a\n  role: x\n";
        assert_eq!(
            apply(
                text,
                &[
                    Edit::RemoveRole { person: 0 },
                    Edit::RaiseRole {
                        person: 0,
                        role: "y".into()
                    }
                ]
            ),
            Err(EditError::Overlap)
        );
        assert!(matches!(
            apply(text, &[Edit::RemoveRole { person: 3 }]),
            Err(EditError::Entry { person: 3, .. })
        ));
        assert!(matches!(
            apply("- name: A\n", &[Edit::RemoveRole { person: 0 }]),
            Err(EditError::Entry { .. })
        ));
        assert!(matches!(
            apply(
                "[{name: A}]\n",
                &[Edit::AddPerson {
                    name: "b".into(),
                    login: "b".into(),
                    role: None,
                    why: "w".into()
                }]
            ),
            Err(EditError::Layout(_))
        ));
    }

    #[test]
    fn verify_accepts_exactly_the_intended_change() {
        let mapping = Mapping::builtin();
        let before = config::people::parse("c.yml", COMMENTED, &mapping).expect("valid");
        let edits = [
            Edit::RemoveRole { person: 0 },
            Edit::SetLogin {
                person: 1,
                new: "carol-ex".into(),
            },
        ];
        let new = apply(COMMENTED, &edits).expect("applies");
        let after = verify(&before, &new, &edits, &mapping).expect("verifies");
        assert_eq!(after.people[0].role, None);
        // The same text does not verify against a different intent.
        assert!(matches!(
            verify(&before, &new, &edits[..1], &mapping),
            Err(EditError::Mismatch(_))
        ));
        // A result that does not validate is refused.
        let bad = [Edit::AddPerson {
            name: "x".into(),
            login: "not_a_login".into(),
            role: None,
            why: "w".into(),
        }];
        let new = apply(COMMENTED, &bad).expect("applies");
        assert!(matches!(
            verify(&before, &new, &bad, &mapping),
            Err(EditError::Invalid(_))
        ));
    }

    /// Every edit kind on every entry of the shipped fixture verifies, and changes only the
    /// lines it must.
    #[test]
    fn every_edit_on_every_entry_of_the_fixture_verifies() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/govuk_tech.yml");
        let text = std::fs::read_to_string(path).expect("fixture");
        let mapping = Mapping::builtin();
        let before = config::people::parse("f.yml", &text, &mapping).expect("valid fixture");
        let lines = text.lines().count();
        for p in &before.people {
            let mut cases = Vec::new();
            if p.login().is_some() {
                cases.push(Edit::RaiseRole {
                    person: p.index,
                    role: "platformengineer".into(),
                });
            }
            if p.role().is_some() {
                cases.push(Edit::RemoveRole { person: p.index });
            }
            if let Some(login) = p.login() {
                cases.push(Edit::SetLogin {
                    person: p.index,
                    new: login.to_ascii_uppercase(),
                });
            }
            for edit in cases {
                let edits = [edit];
                let new = apply(&text, &edits).expect("applies");
                verify(&before, &new, &edits, &mapping)
                    .unwrap_or_else(|e| panic!("{}: {e}", edits[0]));
                let changed = TextDiff::from_lines(text.as_str(), new.as_str())
                    .iter_all_changes()
                    .filter(|c| c.tag() != similar::ChangeTag::Equal)
                    .count();
                assert!(changed <= 3, "{}: {changed} lines changed", edits[0]);
                assert!(new.lines().count().abs_diff(lines) <= 1);
            }
        }
    }

    /// Text that looks like a role but is not one (a comment, a line of a block scalar) is
    /// never what an edit touches; `role: ~` and `role: null` are raised in place.
    #[test]
    fn role_lookalikes_in_comments_and_block_scalars_are_left_alone() {
        let text = "\
- name: A
  # role: production_admin_access
  github_username: a
  why_do_they_need_access: |
    role: production_admin_access
  role: production_deploy_access # role: x
- name: B
  github_username: b
  why_do_they_need_access: |
    role: production_admin_access
- name: C
  github_username: c
  role: ~
- name: D
  github_username: d
  role: null # later
";
        let edits = [
            Edit::RemoveRole { person: 0 },
            Edit::RaiseRole {
                person: 1,
                role: "production_deploy_access".into(),
            },
            Edit::RaiseRole {
                person: 2,
                role: "production_deploy_access".into(),
            },
            Edit::RaiseRole {
                person: 3,
                role: "production_deploy_access".into(),
            },
        ];
        assert_eq!(
            diff(text, &edits),
            "\
--- a/c.yml
+++ b/c.yml
@@ -3,14 +3,14 @@
   github_username: a
   why_do_they_need_access: |
     role: production_admin_access
-  role: production_deploy_access # role: x
 - name: B
   github_username: b
   why_do_they_need_access: |
     role: production_admin_access
+  role: production_deploy_access
 - name: C
   github_username: c
-  role: ~
+  role: production_deploy_access
 - name: D
   github_username: d
-  role: null # later
+  role: production_deploy_access # later
"
        );
        let mapping = Mapping::builtin();
        let before = config::people::parse("c.yml", text, &mapping).expect("valid");
        let new = apply(text, &edits).expect("applies");
        verify(&before, &new, &edits, &mapping).expect("exactly the intended change");
    }

    /// The role on the last line of a file without a final newline (LF or CRLF) goes with its
    /// line and nothing else.
    #[test]
    fn a_role_on_the_last_line_without_a_final_newline() {
        for nl in ["\n", "\r\n"] {
            let text =
                format!("- name: A{nl}  github_username: a{nl}  role: production_deploy_access");
            let new = apply(&text, &[Edit::RemoveRole { person: 0 }]).expect("applies");
            assert_eq!(new, format!("- name: A{nl}  github_username: a{nl}"));
        }
    }

    /// A keep-chomped block scalar (`|+`) owns the blank lines after it: a role or an entry
    /// added after it goes after them, so its value is unchanged.
    #[test]
    fn additions_after_a_keep_chomped_block_scalar_keep_its_value() {
        let mapping = Mapping::builtin();
        let text = "- name: A\n  github_username: a\n  why_do_they_need_access: |+\n    on call\n\n- name: B\n  github_username: b\n  why_do_they_need_access: >+ # kept\n    x\n\n";
        let before = config::people::parse("c.yml", text, &mapping).expect("valid");
        let edits = [
            Edit::RaiseRole {
                person: 0,
                role: "production_deploy_access".into(),
            },
            Edit::AddPerson {
                name: "z".into(),
                login: "z".into(),
                role: None,
                why: "w".into(),
            },
        ];
        let new = apply(text, &edits).expect("applies");
        verify(&before, &new, &edits, &mapping).expect("exactly the intended change");
        assert_eq!(
            new,
            "- name: A\n  github_username: a\n  why_do_they_need_access: |+\n    on call\n\n  role: production_deploy_access\n- name: B\n  github_username: b\n  why_do_they_need_access: >+ # kept\n    x\n\n- name: z\n  github_username: z\n  why_do_they_need_access: w\n"
        );
    }

    /// Anchors and aliases: an edit that would change another entry through an alias is caught
    /// by `verify` (the file is left untouched); editing the alias itself is fine.
    #[test]
    fn edits_through_anchors_fail_closed() {
        let text = "\
- name: A
  github_username: &l a
  role: &r production_deploy_access
  sponsor: *l
- name: B
  github_username: b
  role: *r
";
        let mapping = Mapping::builtin();
        let before = config::people::parse("c.yml", text, &mapping).expect("valid");
        let check = |edits: &[Edit]| {
            let new = apply(text, edits).expect("applies");
            verify(&before, &new, edits, &mapping)
        };
        // Removing the anchored role would leave B's alias dangling.
        assert!(matches!(
            check(&[Edit::RemoveRole { person: 0 }]),
            Err(EditError::Invalid(_))
        ));
        // Raising the anchored role would raise B's too.
        assert!(matches!(
            check(&[Edit::RaiseRole {
                person: 0,
                role: "production_admin_access".into()
            }]),
            Err(EditError::Mismatch(_))
        ));
        // Rewriting the anchored login would rewrite A's sponsor too; the message names the
        // field that would change and points at the anchors.
        let err = check(&[Edit::SetLogin {
            person: 0,
            new: "A".into(),
        }])
        .expect_err("the sponsor would change");
        assert!(matches!(err, EditError::Mismatch(_)));
        let msg = err.to_string();
        assert!(
            msg.contains(
                "entry 1 (A) would change where no edit was meant: sponsor would be \"A\", expected \"a\""
            ),
            "{msg}"
        );
        assert!(msg.contains("anchors and aliases"), "{msg}");
        // The alias's own entry is edited alone.
        check(&[Edit::RemoveRole { person: 1 }]).expect("only B changes");
        check(&[Edit::RaiseRole {
            person: 1,
            role: "production_admin_access".into(),
        }])
        .expect("only B changes");
    }

    /// Re-validation covers every key the parser knows: a change to any field of
    /// `config::fields::FIELDS` that no edit meant is refused, naming the field.
    #[test]
    fn every_field_is_re_validated() {
        use crate::config::fields::tests::entry;
        let mapping = Mapping::builtin();
        let before = config::people::parse("c.yml", &entry(None), &mapping).unwrap();
        verify(&before, &entry(None), &[], &mapping).expect("unchanged");
        for f in FIELDS {
            let err = verify(&before, &entry(Some(f.key)), &[], &mapping)
                .expect_err(f.key)
                .to_string();
            assert!(
                err.contains(&format!(": {} would be ", f.key)),
                "{}: {err}",
                f.key
            );
        }
    }

    #[test]
    fn quoting_new_values() {
        assert_eq!(quote("alice"), "alice");
        assert_eq!(quote("Jane Example"), "Jane Example");
        assert_eq!(quote("1234"), "\"1234\"");
        assert_eq!(quote("no"), "\"no\"");
        assert_eq!(quote("a: b"), "\"a: b\"");
        assert_eq!(quote("say \"hi\""), "\"say \\\"hi\\\"\"");
    }
}
