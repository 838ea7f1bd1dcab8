//! Every key of a person's entry, declared once in [`FIELDS`]: its kind (how it is parsed and
//! checked), when it is required, and how to read and write it on a [`Person`]. The parser
//! (`people::parse`), `review`'s change detection and `fix`'s re-validation all walk this table,
//! so a new key is one line here plus its `Person` field.
//!
//! Forgetting one of the two cannot compile: [`person_fields!`] destructures `Person`
//! exhaustively from the same list that builds the table, so a `Person` field missing from the
//! table (or a table key that is not a `Person` field) is a compile error.

use std::fmt;

use chrono::NaiveDate;

use super::Located;
use super::people::{Clearance, Person};

/// How a field's value is parsed and checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldKind {
    /// The person's name: text that must not be empty.
    Name,
    /// Free text.
    Text,
    /// An email address (text; duplicates across entries are an error).
    Email,
    /// A GitHub login (checked for GitHub's login rules; duplicates are an error).
    Login,
    /// A role of the mapping.
    Role,
    /// `true` or `false`.
    Bool,
    /// `YYYY-MM-DD`.
    Date,
    /// One of `BPSS`, `SC`, `DV`, `none`.
    Clearance,
}

/// When a field must be written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Required {
    /// Never required.
    No,
    /// Every entry has it.
    Always,
    /// Required when `key` is set; `otherwise` says what removing `key` means.
    When {
        key: &'static str,
        otherwise: &'static str,
    },
}

/// A field's value without its position. `fix` compares these exactly (a re-quoted or
/// re-indented value parses to the same value, so only a real change differs).
#[derive(Clone, PartialEq, Eq)]
pub enum Value {
    Text(String),
    Bool(bool),
    Date(NaiveDate),
    Clearance(Clearance),
}

impl fmt::Debug for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Text(v) => v.fmt(f),
            Value::Bool(v) => v.fmt(f),
            Value::Date(v) => v.fmt(f),
            Value::Clearance(v) => v.fmt(f),
        }
    }
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Text(v) => f.write_str(v),
            Value::Bool(v) => write!(f, "{v}"),
            Value::Date(v) => write!(f, "{}", v.format("%Y-%m-%d")),
            Value::Clearance(v) => f.write_str(v.as_str()),
        }
    }
}

/// One key of a person's entry.
pub struct Field {
    /// The key in the file, which is also the `Person` field's name.
    pub key: &'static str,
    pub kind: FieldKind,
    pub required: Required,
    /// What to write, in help texts: `add `name: <their full name>``.
    pub placeholder: &'static str,
    get: fn(&Person) -> Option<Value>,
    set: fn(&mut Person, Located<Value>),
}

impl fmt::Debug for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Field")
            .field("key", &self.key)
            .field("kind", &self.kind)
            .field("required", &self.required)
            .finish_non_exhaustive()
    }
}

impl Field {
    /// The field's value on `p`, if written.
    pub fn get(&self, p: &Person) -> Option<Value> {
        (self.get)(p)
    }

    /// Store a parsed value on `p`. The value's type follows the field's kind (the parser makes
    /// it so; `every_field_round_trips` checks it).
    pub fn set(&self, p: &mut Person, v: Located<Value>) {
        (self.set)(p, v)
    }
}

/// A Rust type a field holds.
trait Scalar: Sized {
    fn into_value(self) -> Value;
    fn from_value(v: Value) -> Option<Self>;
}

impl Scalar for String {
    fn into_value(self) -> Value {
        Value::Text(self)
    }
    fn from_value(v: Value) -> Option<Self> {
        match v {
            Value::Text(s) => Some(s),
            _ => None,
        }
    }
}

impl Scalar for bool {
    fn into_value(self) -> Value {
        Value::Bool(self)
    }
    fn from_value(v: Value) -> Option<Self> {
        match v {
            Value::Bool(b) => Some(b),
            _ => None,
        }
    }
}

impl Scalar for NaiveDate {
    fn into_value(self) -> Value {
        Value::Date(self)
    }
    fn from_value(v: Value) -> Option<Self> {
        match v {
            Value::Date(d) => Some(d),
            _ => None,
        }
    }
}

impl Scalar for Clearance {
    fn into_value(self) -> Value {
        Value::Clearance(self)
    }
    fn from_value(v: Value) -> Option<Self> {
        match v {
            Value::Clearance(c) => Some(c),
            _ => None,
        }
    }
}

/// A `Person` field: required (`Located<T>`) or optional (`Option<Located<T>>`).
trait Slot {
    fn value(&self) -> Option<Value>;
    fn put(&mut self, v: Located<Value>);
}

impl<T: Scalar + Clone> Slot for Located<T> {
    fn value(&self) -> Option<Value> {
        Some(self.value.clone().into_value())
    }
    fn put(&mut self, v: Located<Value>) {
        if let Some(x) = T::from_value(v.value) {
            *self = Located::new(x, v.pos);
        }
    }
}

impl<T: Scalar + Clone> Slot for Option<Located<T>> {
    fn value(&self) -> Option<Value> {
        self.as_ref().map(|l| l.value.clone().into_value())
    }
    fn put(&mut self, v: Located<Value>) {
        *self = T::from_value(v.value).map(|x| Located::new(x, v.pos));
    }
}

/// The table, and an exhaustive destructuring of `Person` built from the same list: adding a
/// `Person` field without a row here does not compile.
macro_rules! person_fields {
    ($($key:ident: $kind:expr, $required:expr, $placeholder:literal;)*) => {
        /// Every key of a person's entry, in the order the parser reports and `fix` compares.
        pub static FIELDS: &[Field] = &[$(Field {
            key: stringify!($key),
            kind: $kind,
            required: $required,
            placeholder: $placeholder,
            get: |p| Slot::value(&p.$key),
            set: |p, v| Slot::put(&mut p.$key, v),
        }),*];

        /// Never called: it fails to compile when `Person` and [`FIELDS`] disagree.
        #[allow(dead_code)]
        fn person_has_exactly_these_fields(p: Person) {
            let Person { index: _, pos: _, $($key: _),* } = p;
        }
    };
}

person_fields! {
    name: FieldKind::Name, Required::Always, "<their full name>";
    email: FieldKind::Email, Required::No, "<their email>";
    github_username: FieldKind::Login, Required::When {
        key: "role",
        otherwise: "if they need no production access",
    }, "<their GitHub login>";
    role: FieldKind::Role, Required::No, "<a role of the mapping>";
    why_do_they_need_access: FieldKind::Text, Required::No, "<why>";
    sponsor: FieldKind::Text, Required::No, "<their sponsor>";
    security_clearance: FieldKind::Clearance, Required::No, "BPSS";
    probation_passed: FieldKind::Bool, Required::No, "true";
    admin_checklist_reviewed_by: FieldKind::Text, Required::No, "<a Senior Tech member>";
    apprentice: FieldKind::Bool, Required::No, "false";
    secondary_on_call_approved_by: FieldKind::Text, Required::No, "<who approved>";
    absent_since: FieldKind::Date, Required::No, "YYYY-MM-DD";
}

/// The keys a person entry may have.
pub fn keys() -> Vec<&'static str> {
    FIELDS.iter().map(|f| f.key).collect()
}

/// The position of `key` in [`FIELDS`].
pub fn index(key: &str) -> Option<usize> {
    FIELDS.iter().position(|f| f.key == key)
}

/// Every field's value on `p`, in [`FIELDS`] order: equal for two entries exactly when no
/// field differs (positions aside).
pub fn values(p: &Person) -> Vec<Option<Value>> {
    FIELDS.iter().map(|f| f.get(p)).collect()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
pub(crate) mod tests {
    use super::*;
    use crate::config::Mapping;

    /// A valid value of each kind, and a second, different one.
    pub(crate) fn samples(kind: FieldKind) -> (&'static str, &'static str) {
        match kind {
            FieldKind::Name => ("Ann Example", "Ann Other"),
            FieldKind::Text => ("some text", "other text"),
            FieldKind::Email => ("ann@example.org", "ann@example.com"),
            FieldKind::Login => ("ann-example", "ann-other"),
            FieldKind::Role => ("production_deploy_access", "production_admin_access"),
            FieldKind::Bool => ("true", "false"),
            FieldKind::Date => ("2026-01-31", "2026-02-01"),
            FieldKind::Clearance => ("SC", "DV"),
        }
    }

    /// One entry with every field of [`FIELDS`] written, `changed` (if any) with its second
    /// sample value.
    pub(crate) fn entry(changed: Option<&str>) -> String {
        let mut text = String::new();
        for (i, f) in FIELDS.iter().enumerate() {
            let (a, b) = samples(f.kind);
            let v = if changed == Some(f.key) { b } else { a };
            text.push_str(if i == 0 { "- " } else { "  " });
            text.push_str(&format!("{}: {v}\n", f.key));
        }
        text
    }

    fn parse(text: &str) -> Person {
        let c = crate::config::people::parse("c.yml", text, &Mapping::builtin()).unwrap();
        c.people.into_iter().next().unwrap()
    }

    /// Every key parses, is stored on `Person` under its kind, and reads back; changing any one
    /// key changes exactly that one value.
    #[test]
    fn every_field_round_trips() {
        let p = parse(&entry(None));
        let all = values(&p);
        for (f, v) in FIELDS.iter().zip(&all) {
            let v = v
                .as_ref()
                .unwrap_or_else(|| panic!("`{}` was parsed but not stored on Person", f.key));
            assert_eq!(v.to_string(), samples(f.kind).0, "{}", f.key);
        }
        for (i, f) in FIELDS.iter().enumerate() {
            let changed = values(&parse(&entry(Some(f.key))));
            for (j, g) in FIELDS.iter().enumerate() {
                assert_eq!(
                    changed[j] != all[j],
                    i == j,
                    "changing `{}` changed `{}`?",
                    f.key,
                    g.key
                );
            }
        }
    }

    #[test]
    fn keys_are_unique_and_requirements_name_real_keys() {
        let keys = keys();
        for (i, k) in keys.iter().enumerate() {
            assert!(!keys[..i].contains(k), "{k} twice");
        }
        for f in FIELDS {
            if let Required::When { key, .. } = f.required {
                assert!(index(key).is_some(), "{} requires unknown {key}", f.key);
            }
        }
    }
}
