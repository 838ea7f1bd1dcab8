//! The one strict JSON reader for every JSON input (the snapshot today; exports later): an
//! object with a key twice is refused with its `line:col` (serde_json would let the last one
//! win silently), and serde's messages are rewritten for a person (no Rust type names, columns
//! counted from 1).

use std::collections::HashSet;
use std::fmt;

use serde::de::{self, DeserializeOwned, DeserializeSeed, MapAccess, SeqAccess, Visitor};

/// A located problem in a JSON input. `line` and `col` count from 1.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{line}:{col}: {message}")]
pub struct JsonError {
    pub line: usize,
    pub col: usize,
    pub message: String,
}

impl JsonError {
    fn from_serde(e: &serde_json::Error) -> JsonError {
        let message = e.to_string();
        // serde_json ends its message with " at line L column C": we say where first.
        let message = message
            .rsplit_once(" at line ")
            .map_or(message.as_str(), |(m, _)| m);
        JsonError {
            line: e.line().max(1),
            col: e.column().max(1),
            message: for_a_person(message),
        }
    }
}

/// Parse `text` (a leading byte-order mark is skipped) as `T`, refusing duplicate object keys.
pub fn from_str<T: DeserializeOwned>(text: &str) -> Result<T, JsonError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut de = serde_json::Deserializer::from_str(text);
    NoDuplicates
        .deserialize(&mut de)
        .and_then(|()| de.end())
        .map_err(|e| JsonError::from_serde(&e))?;
    serde_json::from_str(text).map_err(|e| JsonError::from_serde(&e))
}

/// Whether text that should be JSON looks like YAML instead (a config given as a snapshot):
/// its first meaningful line is a list item, a document marker, a comment or `key: value`.
pub fn looks_like_yaml(text: &str) -> bool {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let Some(first) = text.lines().map(str::trim).find(|l| !l.is_empty()) else {
        return false;
    };
    if first.starts_with(['{', '[', '"']) {
        return false;
    }
    first.starts_with("- ")
        || first == "-"
        || first.starts_with("---")
        || first.starts_with('#')
        || first
            .split_once(':')
            .is_some_and(|(k, _)| !k.is_empty() && !k.contains(char::is_whitespace))
}

/// serde's wording, in a person's words: no Rust type names.
fn for_a_person(message: &str) -> String {
    // serde reads a list given for a struct as the struct's fields in order.
    if message.starts_with("invalid length") && message.contains("expected struct") {
        return "wrong type: found a list, expected a JSON object".to_owned();
    }
    let mut s = message.to_owned();
    // "struct SnapshotFile with 4 elements", "struct MemberFile": a JSON object.
    while let Some(at) = s.find("struct ") {
        let rest = &s[at + "struct ".len()..];
        let name_len = rest
            .find(|c: char| !c.is_alphanumeric() && c != '_')
            .unwrap_or(rest.len());
        let mut end = at + "struct ".len() + name_len;
        let tail = &s[end..];
        if let Some(after) = tail.strip_prefix(" with ")
            && let Some(n) = after.find(" element")
        {
            let skip = " with ".len() + n + " element".len();
            end += skip + usize::from(s[end + skip..].starts_with('s'));
        }
        s.replace_range(at..end, "a JSON object");
    }
    s = s
        .replace("a map", "a JSON object")
        .replace("a sequence", "a list")
        .replace("invalid type: map", "invalid type: a JSON object")
        .replace("invalid type: sequence", "invalid type: a list")
        .replace("invalid type:", "wrong type: found")
        .replace("invalid length", "wrong number of items:");
    // chrono's parse errors, for a timestamp.
    for chrono_msg in [
        "input contains invalid characters",
        "premature end of input",
        "trailing input",
        "input is out of range",
        "input is not enough for unique date and time",
        "no possible date and time matching input",
        "bad or unsupported format string",
    ] {
        if s.contains(chrono_msg) {
            return "not a date and time in the form 2026-11-28T09:00:00Z (RFC 3339, UTC)"
                .to_owned();
        }
    }
    s
}

/// Walks any JSON value, failing on the first object with a repeated key.
struct NoDuplicates;

impl<'de> DeserializeSeed<'de> for NoDuplicates {
    type Value = ();

    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(NoDuplicates)
    }
}

impl<'de> Visitor<'de> for NoDuplicates {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E>(self, _: bool) -> Result<(), E> {
        Ok(())
    }
    fn visit_i64<E>(self, _: i64) -> Result<(), E> {
        Ok(())
    }
    fn visit_u64<E>(self, _: u64) -> Result<(), E> {
        Ok(())
    }
    fn visit_f64<E>(self, _: f64) -> Result<(), E> {
        Ok(())
    }
    fn visit_str<E>(self, _: &str) -> Result<(), E> {
        Ok(())
    }
    fn visit_unit<E>(self) -> Result<(), E> {
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while seq.next_element_seed(NoDuplicates)?.is_some() {}
        Ok(())
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let mut seen = HashSet::new();
        while let Some(key) = map.next_key::<String>()? {
            if !seen.insert(key.clone()) {
                return Err(de::Error::custom(format!(
                    "the key `{key}` appears twice in the same object; the second would silently replace the first, so remove one"
                )));
            }
            map.next_value_seed(NoDuplicates)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct File {
        org: String,
        at: Option<chrono::DateTime<chrono::Utc>>,
    }

    #[test]
    fn duplicate_keys_are_refused_with_their_line() {
        let e = from_str::<File>("{\n  \"org\": \"a\",\n  \"org\": \"b\"\n}").err();
        let e = e.map(|e| (e.line, e.message.contains("`org` appears twice")));
        assert_eq!(e, Some((3, true)));
        // Nested objects too.
        assert!(from_str::<serde_json::Value>("{\"a\": {\"x\": 1, \"x\": 2}}").is_err());
        assert!(from_str::<serde_json::Value>("{\"a\": {\"x\": 1}, \"b\": {\"x\": 2}}").is_ok());
    }

    #[test]
    fn messages_name_no_rust_types() {
        let e = from_str::<File>("[]").err().map(|e| e.message);
        assert_eq!(
            e.as_deref(),
            Some("wrong type: found a list, expected a JSON object")
        );
        let e = from_str::<File>("{\"org\": \"a\", \"at\": \"2019-13-01\"}").err();
        let e = e.map(|e| e.message).unwrap_or_default();
        assert!(e.starts_with("not a date and time"), "{e}");
        let e = from_str::<File>("").err().map(|e| (e.line, e.col));
        assert_eq!(e, Some((1, 1)));
    }

    #[test]
    fn yaml_is_recognised() {
        assert!(looks_like_yaml("# people\n- name: A\n"));
        assert!(looks_like_yaml("org: alphagov\n"));
        assert!(!looks_like_yaml("  {\"org\": \"a\"}"));
        assert!(!looks_like_yaml(""));
    }
}
