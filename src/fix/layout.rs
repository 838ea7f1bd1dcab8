//! Where each entry of the config and each key in it sits in the text, as byte offsets: the
//! positions the format-preserving editor works from.
//!
//! Built from saphyr-parser events (the same parser the config module uses). Only the top-level
//! sequence of mappings is described; values are kept as spans, never re-serialised.

use saphyr_parser::{Event, Parser, ScalarStyle};

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

/// Describe the entries of a config. Fails on text that is not a sequence of mappings with
/// scalar keys (the config parser reports such files properly; the editor only refuses them).
pub fn locate(text: &str) -> Result<Layout, String> {
    // Marker indices count characters; map them to byte offsets.
    let mut bytes_at: Vec<usize> = text.char_indices().map(|(b, _)| b).collect();
    bytes_at.push(text.len());
    let byte = |char_index: usize| bytes_at.get(char_index).copied().unwrap_or(text.len());

    let mut layout = Layout {
        flow_sequence: false,
        entries: Vec::new(),
    };
    // Depth: 0 outside the top sequence, 1 inside it, 2 inside an entry, >2 inside a value.
    let mut depth = 0usize;
    let mut seen_top = false;
    let mut entry: Option<EntryLoc> = None;
    // The key waiting for its value (depth 2), and where a collection value started.
    let mut pending_key: Option<(String, usize)> = None;
    let mut collection: Option<(String, usize, usize)> = None; // key, key_start, value_start
    let mut last_end = 0usize;

    for item in Parser::new_from_str(text) {
        let (event, span) = item.map_err(|e| format!("the YAML does not parse: {e}"))?;
        let start = byte(span.start.index());
        let end = byte(span.end.index());
        match event {
            Event::StreamStart | Event::StreamEnd | Event::DocumentEnd | Event::Nothing => {}
            Event::DocumentStart(_) => {
                if seen_top {
                    return Err("the file holds more than one YAML document".into());
                }
            }
            Event::SequenceStart(..) | Event::MappingStart(..) => {
                let is_map = matches!(event, Event::MappingStart(..));
                match depth {
                    0 => {
                        if is_map || seen_top {
                            return Err("the top level is not a sequence of people".into());
                        }
                        seen_top = true;
                        layout.flow_sequence = text[start..].starts_with('[');
                    }
                    1 => {
                        if !is_map {
                            return Err(format!(
                                "entry {} is not a mapping",
                                layout.entries.len() + 1
                            ));
                        }
                        entry = Some(EntryLoc {
                            flow: text[start..].starts_with('{'),
                            start,
                            end: start,
                            keys: Vec::new(),
                        });
                    }
                    2 => match pending_key.take() {
                        Some((key, key_start)) => collection = Some((key, key_start, start)),
                        None => return Err("a key that is not a plain string".into()),
                    },
                    _ => {}
                }
                if end > start {
                    last_end = end;
                }
                depth += 1;
            }
            Event::SequenceEnd | Event::MappingEnd => {
                depth = depth.saturating_sub(1);
                // Flow collections end at their bracket; block ones end at their last value.
                if end > start {
                    last_end = end;
                }
                match depth {
                    1 => {
                        if let Some(mut e) = entry.take() {
                            e.end = if e.flow {
                                end
                            } else {
                                e.keys.last().map_or(e.start, |k| k.value_end)
                            };
                            layout.entries.push(e);
                        }
                    }
                    2 => {
                        if let (Some((key, key_start, value_start)), Some(e)) =
                            (collection.take(), entry.as_mut())
                        {
                            e.keys.push(KeyLoc {
                                key,
                                key_start,
                                value_start,
                                value_end: last_end.max(value_start),
                                style: Style::Collection,
                                value: None,
                            });
                        }
                    }
                    _ => {}
                }
            }
            Event::Scalar(_, style, ..) if depth != 2 => {
                if depth < 2 {
                    return Err("the top level is not a sequence of people".into());
                }
                last_end = match style {
                    ScalarStyle::Literal | ScalarStyle::Folded => {
                        block_scalar_end(text, start, end)
                    }
                    _ => end.max(start),
                };
            }
            Event::Alias(..) if depth != 2 => {
                if depth < 2 {
                    return Err("the top level is not a sequence of people".into());
                }
                last_end = end.max(start);
            }
            Event::Alias(..) => {
                // An alias as a key or value at entry level: describe it as a plain value.
                match pending_key.take() {
                    None => return Err("an alias used as a key".into()),
                    Some((key, key_start)) => {
                        if let Some(e) = entry.as_mut() {
                            e.keys.push(KeyLoc {
                                key,
                                key_start,
                                value_start: start,
                                value_end: end,
                                style: Style::Collection,
                                value: None,
                            });
                        }
                    }
                }
                last_end = end;
            }
            Event::Scalar(value, style, ..) => match pending_key.take() {
                None => pending_key = Some((value.into_owned(), start)),
                Some((key, key_start)) => {
                    let (style, value_start, value_end) = match style {
                        ScalarStyle::Literal | ScalarStyle::Folded => {
                            (Style::Block, start, block_scalar_end(text, start, end))
                        }
                        ScalarStyle::SingleQuoted => {
                            (Style::SingleQuoted, start, quoted_end(text, start, end))
                        }
                        ScalarStyle::DoubleQuoted => {
                            (Style::DoubleQuoted, start, quoted_end(text, start, end))
                        }
                        ScalarStyle::Plain if end == start => {
                            let after = after_colon(text, key_start);
                            (Style::Empty, after, after)
                        }
                        ScalarStyle::Plain => (Style::Plain, start, end),
                    };
                    last_end = value_end;
                    if let Some(e) = entry.as_mut() {
                        e.keys.push(KeyLoc {
                            key,
                            key_start,
                            value_start,
                            value_end,
                            style,
                            value: Some(value.into_owned()),
                        });
                    }
                }
            },
        }
    }
    Ok(layout)
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

/// The end of a `|`/`>` scalar's last content line. The parser's span runs on to the next
/// token, which may be past comment lines; the content is the lines indented at least as far
/// as the first content line (or blank).
fn block_scalar_end(text: &str, start: usize, span_end: usize) -> usize {
    let line_start = text[..start].rfind('\n').map_or(0, |i| i + 1);
    let indent = start - line_start;
    let mut end = start;
    let mut pos = line_start;
    while pos < span_end.min(text.len()) {
        let line_end = text[pos..].find('\n').map_or(text.len(), |i| pos + i);
        let line = text[pos..line_end].trim_end_matches('\r');
        let blank = line.trim().is_empty();
        let leading = line.len() - line.trim_start_matches(' ').len();
        if !blank {
            if leading < indent {
                break;
            }
            end = pos + line.len();
        }
        pos = line_end + 1;
    }
    end.max(start)
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
    fn refuses_what_is_not_a_sequence_of_mappings() {
        assert!(locate("a: 1\n").is_err());
        assert!(locate("- a\n").is_err());
        assert!(locate("- name: [\n").is_err());
    }
}
