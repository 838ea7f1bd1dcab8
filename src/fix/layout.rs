//! Where each entry of the config and each key in it sits in the text, as byte offsets: the
//! positions the format-preserving editor works from.
//!
//! Built from the config module's located YAML tree ([`crate::config::yaml`]). Only the top-level
//! sequence of mappings is described; values are kept as spans, never re-serialised.

use crate::config::yaml::{self, Node, NodeKind, ScalarStyle};

/// How a scalar value (or a key) is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    Plain,
    SingleQuoted,
    DoubleQuoted,
    /// `|` or `>` block scalars.
    Block,
    /// The value is a sequence or a mapping.
    Collection,
    /// Nothing written after the colon (`role:`).
    Empty,
}

/// One `key: value` pair of an entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyLoc {
    /// The key as parsed (quotes removed).
    pub key: String,
    /// Byte offset where the key starts (at the quote for a quoted key).
    pub key_start: usize,
    /// Byte offset where the value starts (at the quote for a quoted value). For an empty value,
    /// just after the colon.
    pub value_start: usize,
    /// Byte offset just after the last character of the value (not counting comments or the
    /// line break).
    pub value_end: usize,
    pub style: Style,
    /// The scalar value as parsed, for scalars.
    pub value: Option<String>,
}

/// One entry (person) of the top-level sequence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntryLoc {
    /// Written as `- {name: A, role: x}`.
    pub flow: bool,
    /// Byte offset of the mapping: the first key for a block mapping, the `{` for a flow one.
    pub start: usize,
    /// Byte offset just after the mapping's last value (after the `}` for a flow mapping).
    pub end: usize,
    pub keys: Vec<KeyLoc>,
}

impl EntryLoc {
    pub fn key(&self, name: &str) -> Option<(usize, &KeyLoc)> {
        self.keys.iter().enumerate().find(|(_, k)| k.key == name)
    }
}

/// The whole file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Layout {
    /// The top-level sequence is written `[...]`.
    pub flow_sequence: bool,
    pub entries: Vec<EntryLoc>,
}

/// Describe the entries of a config, from the located YAML tree. Fails on text that is not a
/// sequence of mappings with string keys (the config parser reports such files properly; the
/// editor only refuses them).
pub fn locate(text: &str) -> Result<Layout, String> {
    let root = yaml::parse(text).map_err(|errors| match errors.first() {
        Some(e) => format!("the YAML does not parse: {e}"),
        None => "the YAML does not parse".to_owned(),
    })?;
    let NodeKind::Seq { items, flow } = &root.kind else {
        return Err("the top level is not a sequence of people".into());
    };
    let mut layout = Layout {
        flow_sequence: *flow || opens_with(text, &root, '['),
        entries: Vec::with_capacity(items.len()),
    };
    for (i, item) in items.iter().enumerate() {
        let NodeKind::Map { entries, flow } = &item.kind else {
            return Err(format!("entry {} is not a mapping", i + 1));
        };
        // The tree tells flow from block by the closing bracket, which a trailing comma
        // (`{a: 1, }`) can hide; the opening bracket in the text is certain.
        let flow = &(*flow || opens_with(text, item, '{'));
        let mut keys = Vec::with_capacity(entries.len());
        for (k, v) in entries {
            let key = k
                .as_str()
                .ok_or_else(|| format!("entry {} has a key that is not a string", i + 1))?;
            keys.push(key_loc(text, key, k, v));
        }
        let end = if *flow {
            item.end.offset
        } else {
            keys.last()
                .map_or(item.end.offset, |k: &KeyLoc| k.value_end)
        };
        layout.entries.push(EntryLoc {
            flow: *flow,
            start: item.start.offset,
            end,
            keys,
        });
    }
    Ok(layout)
}

fn key_loc(text: &str, key: &str, k: &Node, v: &Node) -> KeyLoc {
    let (start, end) = (v.start.offset, v.end.offset);
    // An anchor or tag before a scalar (`&cam cam-case`, `!!str x`) stays where it is: only the
    // scalar itself is the value an edit replaces, so an alias elsewhere still resolves.
    let start = match &v.kind {
        NodeKind::Scalar { .. } => skip_properties(text, start, end),
        _ => start,
    };
    let (style, value_start, value_end) = match &v.kind {
        NodeKind::Null if start == end => {
            let after = after_colon(text, k.start.offset);
            (Style::Empty, after, after)
        }
        NodeKind::Null => (Style::Plain, start, end),
        NodeKind::Scalar { style, .. } => match style {
            ScalarStyle::Plain => (Style::Plain, start, end),
            ScalarStyle::SingleQuoted => (Style::SingleQuoted, start, quoted_end(text, start, end)),
            ScalarStyle::DoubleQuoted => (Style::DoubleQuoted, start, quoted_end(text, start, end)),
            ScalarStyle::Literal | ScalarStyle::Folded => {
                (Style::Block, start, trim_end(text, start, end))
            }
        },
        NodeKind::Seq { .. } | NodeKind::Map { .. } => {
            (Style::Collection, start, trim_end(text, start, end))
        }
    };
    KeyLoc {
        key: key.to_owned(),
        key_start: k.start.offset,
        value_start,
        value_end,
        style,
        value: match &v.kind {
            NodeKind::Scalar { value, .. } => Some(value.clone()),
            NodeKind::Null => Some(v.raw(text).to_owned()),
            _ => None,
        },
    }
}

/// Whether the node's text (after any anchor or tag) starts with `open`.
fn opens_with(text: &str, node: &Node, open: char) -> bool {
    let start = skip_properties(
        text,
        node.start.offset,
        node.end.offset.max(node.start.offset),
    );
    text.get(start..).is_some_and(|rest| rest.starts_with(open))
}

/// `start` moved past any node properties (`&anchor`, `!tag`) and the spaces after them (never
/// past `end`).
fn skip_properties(text: &str, mut start: usize, end: usize) -> usize {
    let end = end.min(text.len());
    while start < end && matches!(text.as_bytes()[start], b'&' | b'!') {
        let rest = &text[start..end];
        let Some(ws) = rest.find(char::is_whitespace) else {
            break;
        };
        let after = &rest[ws..];
        start += ws + (after.len() - after.trim_start().len());
    }
    start
}

/// `end` moved back over trailing whitespace and line breaks (never before `start`).
fn trim_end(text: &str, start: usize, end: usize) -> usize {
    let end = end.min(text.len()).max(start);
    start + text[start..end].trim_end().len()
}

/// Just after the closing quote of a quoted scalar starting at `start`. (The parser's span may
/// run on over trailing spaces and a comment.)
fn quoted_end(text: &str, start: usize, span_end: usize) -> usize {
    let mut chars = text[start..].char_indices();
    let Some((_, q)) = chars.next() else {
        return span_end;
    };
    let mut escaped = false;
    let mut iter = chars.peekable();
    while let Some((i, c)) = iter.next() {
        if q == '"' {
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                return start + i + 1;
            }
        } else if c == '\'' {
            // `''` is an escaped quote inside a single-quoted scalar.
            if iter.peek().is_some_and(|&(_, n)| n == '\'') {
                iter.next();
            } else {
                return start + i + 1;
            }
        }
    }
    span_end
}

/// The byte just after the `:` that follows a key starting at `key_start`.
fn after_colon(text: &str, key_start: usize) -> usize {
    let rest = &text[key_start..];
    // A quoted key may hold a colon; skip it first.
    let skip = match rest.chars().next() {
        Some(q @ ('"' | '\'')) => rest[1..].find(q).map_or(0, |i| i + 2),
        _ => 0,
    };
    rest[skip..]
        .find(':')
        .map_or(text.len(), |i| key_start + skip + i + 1)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn block_and_flow_entries() {
        let text = "# top\n- name: \"A\"   # c\n  role: x\n\n-   role: y\n    name: B\n- {name: C, \"role\": z}\n";
        let l = locate(text).expect("locates");
        assert_eq!(l.entries.len(), 3);
        let a = &l.entries[0];
        assert!(!a.flow);
        assert_eq!(&text[a.start..a.end], "name: \"A\"   # c\n  role: x");
        let (_, name) = a.key("name").unwrap();
        assert_eq!(&text[name.value_start..name.value_end], "\"A\"");
        assert_eq!(name.style, Style::DoubleQuoted);
        let c = &l.entries[2];
        assert!(c.flow);
        assert_eq!(&text[c.start..c.end], "{name: C, \"role\": z}");
        let (i, role) = c.key("role").unwrap();
        assert_eq!(i, 1);
        assert_eq!(&text[role.key_start..role.value_end], "\"role\": z");
    }

    #[test]
    fn block_scalar_stops_before_comments_and_empty_values_sit_after_the_colon() {
        let text = "- name: D\n  why: |\n    line1\n\n    line2\n  # about role\n  role:\n";
        let l = locate(text).expect("locates");
        let e = &l.entries[0];
        let (_, why) = e.key("why").unwrap();
        assert_eq!(&text[why.value_start..why.value_end], "line1\n\n    line2");
        let (_, role) = e.key("role").unwrap();
        assert_eq!(role.style, Style::Empty);
        assert_eq!(&text[role.key_start..role.value_end], "role:");
        assert_eq!(e.end, role.value_end);
    }

    #[test]
    fn multibyte_text_maps_to_byte_offsets() {
        let text = "- name: Zoë Ñandú\n  role: x\n";
        let l = locate(text).expect("locates");
        let (_, role) = l.entries[0].key("role").unwrap();
        assert_eq!(&text[role.value_start..role.value_end], "x");
    }

    #[test]
    fn anchors_and_tags_are_not_part_of_the_value() {
        let text = "- name: !!str D\n  \"github_username\": &cam 'cam-case'\n  role: &r x # c\n";
        let l = locate(text).expect("locates");
        let e = &l.entries[0];
        let (_, login) = e.key("github_username").unwrap();
        assert_eq!(&text[login.value_start..login.value_end], "'cam-case'");
        let (_, role) = e.key("role").unwrap();
        assert_eq!(&text[role.value_start..role.value_end], "x");
        let (_, name) = e.key("name").unwrap();
        assert_eq!(&text[name.value_start..name.value_end], "D");
    }

    #[test]
    fn refuses_what_is_not_a_sequence_of_mappings() {
        assert!(locate("a: 1\n").is_err());
        assert!(locate("- a\n").is_err());
        assert!(locate("- name: [\n").is_err());
    }
}
