//! A located YAML tree built from saphyr-parser events: every node keeps its line:col, duplicate
//! keys are reported with both positions, aliases are expanded within a budget and nesting is
//! limited, so no input can exhaust memory or the stack.
//!
//! This is the only module that uses the YAML library; everything else works on [`Node`].
//!
//! # Positions
//! Every [`Node`] has a `start` and an `end` [`Mark`]: 1-based line and column (columns count
//! characters) and a 0-based byte offset into the text, so `&text[node.start.offset..node.end.offset]`
//! is exactly the source of the node. That makes the tree usable for format-preserving edits
//! (replace a value's bytes, insert a line after an entry) as well as for error messages.
//!
//! - A scalar spans its source text, quotes and block indicators included (`"x"`, `|` + body).
//!   An empty value (`role:` with nothing after it) is [`NodeKind::Null`] with `start == end`
//!   at the place the value would go.
//! - A block mapping or sequence starts at its first key or `-` and ends where its last entry's
//!   value ends (not at the following line). A flow collection spans `[` .. `]` / `{` .. `}`.
//! - If a node has an anchor (`&a`) or a tag (`!!str`), `start` is at the anchor or tag.
//! - An alias (`*a`) is expanded into a copy of the anchored node: the copy's own `start`/`end`
//!   are those of the `*a` text, while its children keep the positions of the anchored original.
//!
//! # Limits
//! Multiple documents, more than [`MAX_DEPTH`] levels of nesting, more than [`MAX_NODES`] nodes,
//! or aliases expanding to more than [`MAX_ALIAS_NODES`] nodes in total are errors, so a
//! "billion laughs" file or `[[[[...` costs little. Building the tree does not recurse.

use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt;

use saphyr_parser::{Event, Marker, Parser, ScanError, Span};

use super::Pos;

/// Deepest nesting of sequences and mappings accepted (the config needs 2).
pub const MAX_DEPTH: usize = 100;
/// Most nodes in one document, aliases expanded (a 10,000-person config has about 250,000).
pub const MAX_NODES: usize = 2_000_000;
/// Most nodes that alias expansion may add in total (stops "billion laughs").
pub const MAX_ALIAS_NODES: usize = 100_000;

/// A place in the text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Mark {
    /// 1-based line.
    pub line: usize,
    /// 1-based column, counted in characters.
    pub col: usize,
    /// 0-based byte offset into the text (always on a char boundary).
    pub offset: usize,
}

impl Mark {
    /// The line:col part, for messages.
    pub fn pos(self) -> Pos {
        Pos {
            line: self.line,
            col: self.col,
        }
    }
}

/// How a scalar was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ScalarStyle {
    /// `value`
    Plain,
    /// `'value'`
    SingleQuoted,
    /// `"value"`
    DoubleQuoted,
    /// `|` block
    Literal,
    /// `>` block
    Folded,
}

impl ScalarStyle {
    fn from_lib(style: saphyr_parser::ScalarStyle) -> Self {
        match style {
            saphyr_parser::ScalarStyle::Plain => ScalarStyle::Plain,
            saphyr_parser::ScalarStyle::SingleQuoted => ScalarStyle::SingleQuoted,
            saphyr_parser::ScalarStyle::DoubleQuoted => ScalarStyle::DoubleQuoted,
            saphyr_parser::ScalarStyle::Literal => ScalarStyle::Literal,
            saphyr_parser::ScalarStyle::Folded => ScalarStyle::Folded,
        }
    }
}

/// What a node holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NodeKind {
    /// An empty value, or a plain `null`, `Null`, `NULL` or `~` (without a tag).
    Null,
    /// Any other scalar. `value` is the content after unquoting and unescaping; the source text
    /// (quotes included) is [`Node::raw`].
    Scalar {
        value: String,
        style: ScalarStyle,
        /// The tag, if one was written (`!!str` is `Some("tag:yaml.org,2002:str")`).
        tag: Option<String>,
    },
    /// A sequence; `flow` is true for `[a, b]`, false for `- a` lines.
    Seq { items: Vec<Node>, flow: bool },
    /// A mapping, entries in file order as (key, value); `flow` is true for `{a: 1}`.
    /// Keys are unique when [`parse`] succeeds.
    Map {
        entries: Vec<(Node, Node)>,
        flow: bool,
    },
}

/// A YAML node and where it is in the text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Node {
    pub kind: NodeKind,
    pub start: Mark,
    pub end: Mark,
}

impl Node {
    /// The start as line:col.
    pub fn pos(&self) -> Pos {
        self.start.pos()
    }

    /// The exact source text of this node.
    pub fn raw<'t>(&self, text: &'t str) -> &'t str {
        text.get(self.start.offset..self.end.offset).unwrap_or("")
    }

    pub fn is_null(&self) -> bool {
        matches!(self.kind, NodeKind::Null)
    }

    /// The value of a scalar (any style), `None` for null and collections.
    pub fn as_str(&self) -> Option<&str> {
        match &self.kind {
            NodeKind::Scalar { value, .. } => Some(value),
            _ => None,
        }
    }

    /// A plain, untagged `true`/`false` (also `True`, `TRUE`, `False`, `FALSE`, as in the YAML
    /// core schema). A quoted `"true"` is a string, not a bool.
    pub fn as_bool(&self) -> Option<bool> {
        match &self.kind {
            NodeKind::Scalar {
                value,
                style: ScalarStyle::Plain,
                tag: None,
            } => match value.as_str() {
                "true" | "True" | "TRUE" => Some(true),
                "false" | "False" | "FALSE" => Some(false),
                _ => None,
            },
            _ => None,
        }
    }

    /// The items of a sequence.
    pub fn as_seq(&self) -> Option<&[Node]> {
        match &self.kind {
            NodeKind::Seq { items, .. } => Some(items),
            _ => None,
        }
    }

    /// The (key, value) entries of a mapping, in file order.
    pub fn as_map(&self) -> Option<&[(Node, Node)]> {
        match &self.kind {
            NodeKind::Map { entries, .. } => Some(entries),
            _ => None,
        }
    }

    /// The (key, value) entry of a mapping whose key is the scalar `key`.
    pub fn entry(&self, key: &str) -> Option<(&Node, &Node)> {
        self.as_map()?
            .iter()
            .find(|(k, _)| k.as_str() == Some(key))
            .map(|(k, v)| (k, v))
    }

    /// The value for the scalar `key` in a mapping.
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.entry(key).map(|(_, v)| v)
    }

    /// What this node is, for messages: "a mapping", "a sequence", "a string", "null".
    pub fn describe(&self) -> &'static str {
        match &self.kind {
            NodeKind::Null => "null",
            NodeKind::Scalar { .. } => "a string",
            NodeKind::Seq { .. } => "a sequence",
            NodeKind::Map { .. } => "a mapping",
        }
    }
}

/// A problem in the YAML itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct YamlError {
    pub mark: Mark,
    pub message: String,
    pub help: Option<String>,
}

impl YamlError {
    fn new(mark: Mark, message: impl Into<String>) -> Self {
        Self {
            mark,
            message: message.into(),
            help: None,
        }
    }

    fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }
}

impl fmt::Display for YamlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.mark.line, self.mark.col, self.message)?;
        if let Some(help) = &self.help {
            write!(f, " (help: {help})")?;
        }
        Ok(())
    }
}

/// Parse one YAML document into a located tree. An empty stream (nothing but comments or
/// whitespace) is a [`NodeKind::Null`] at 1:1. Every error is returned; duplicate keys are
/// all reported, a syntax error stops parsing.
pub fn parse(text: &str) -> Result<Node, Vec<YamlError>> {
    let (node, errors) = parse_lenient(text);
    match node {
        Some(node) if errors.is_empty() => Ok(node),
        _ => Err(errors),
    }
}

/// Like [`parse`], but also returns the tree when the only problems are duplicate keys (both
/// entries are kept in the tree), so a caller can report those together with its own checks.
/// The node is `None` when the text could not be parsed at all.
pub fn parse_lenient(text: &str) -> (Option<Node>, Vec<YamlError>) {
    // The parser is not expected to panic; if it ever does, fail closed with an error instead
    // of taking the program down.
    match std::panic::catch_unwind(|| Builder::new(text).run()) {
        Ok(result) => result,
        Err(_) => (
            None,
            vec![
                YamlError::new(
                    Mark {
                        line: 1,
                        col: 1,
                        offset: 0,
                    },
                    "the YAML parser failed on this file",
                )
                .help("check the file is valid YAML; please report this as a bug"),
            ],
        ),
    }
}

/// Converts the parser's character indexes to byte offsets, walking from the last position
/// (events come almost in order, so this is linear overall).
struct Offsets<'t> {
    text: &'t str,
    ascii: bool,
    chars: usize,
    bytes: usize,
}

impl<'t> Offsets<'t> {
    fn new(text: &'t str) -> Self {
        Self {
            text,
            ascii: text.is_ascii(),
            chars: 0,
            bytes: 0,
        }
    }

    fn byte(&mut self, char_index: usize) -> usize {
        if self.ascii {
            return char_index.min(self.text.len());
        }
        while self.chars < char_index {
            match self.text[self.bytes..].chars().next() {
                Some(c) => {
                    self.bytes += c.len_utf8();
                    self.chars += 1;
                }
                None => return self.bytes,
            }
        }
        while self.chars > char_index {
            match self.text[..self.bytes].chars().next_back() {
                Some(c) => {
                    self.bytes -= c.len_utf8();
                    self.chars -= 1;
                }
                None => break,
            }
        }
        self.bytes
    }

    fn mark(&mut self, m: &Marker) -> Mark {
        Mark {
            line: m.line().max(1),
            col: m.col() + 1,
            offset: self.byte(m.index()),
        }
    }
}

/// The line:col of a byte offset (on a char boundary), counting from the start of the text.
fn mark_at(text: &str, offset: usize) -> Mark {
    let before = text.get(..offset).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let col = before[line_start..].chars().count() + 1;
    Mark {
        line,
        col,
        offset: before.len(),
    }
}

/// The place just after the `:` that follows a key ending at `key_end` (on the same line), or
/// `key_end` itself when there is no such `:`.
fn after_colon(text: &str, key_end: Mark) -> Mark {
    let rest = text.get(key_end.offset..).unwrap_or("");
    let mut col = key_end.col;
    for (i, c) in rest.char_indices() {
        match c {
            ':' => {
                return Mark {
                    line: key_end.line,
                    col: col + 1,
                    offset: key_end.offset + i + 1,
                };
            }
            ' ' | '\t' => col += 1,
            _ => break,
        }
    }
    key_end
}

/// A collection being built.
struct Frame {
    start: Mark,
    anchor: usize,
    /// Nodes in this subtree so far (itself included).
    count: usize,
    /// Height of the tallest child.
    child_height: usize,
    kind: FrameKind,
}

enum FrameKind {
    Seq(Vec<Node>),
    Map {
        entries: Vec<(Node, Node)>,
        key: Option<Node>,
        /// Scalar key -> where it was first written.
        seen: HashMap<String, Mark>,
    },
}

/// A finished node with its size, for the budgets.
struct Built {
    node: Node,
    /// An empty scalar (nothing written): its position is fixed up by the parent.
    empty: bool,
    count: usize,
    height: usize,
}

struct Anchored {
    node: Node,
    count: usize,
    height: usize,
}

struct Builder<'t> {
    text: &'t str,
    offsets: Offsets<'t>,
    stack: Vec<Frame>,
    anchors: HashMap<usize, Anchored>,
    root: Option<Node>,
    documents: usize,
    nodes: usize,
    alias_nodes: usize,
    errors: Vec<YamlError>,
}

/// The outcome of one step: keep going, or stop (an error was recorded).
type Step = Result<(), ()>;

impl<'t> Builder<'t> {
    fn new(text: &'t str) -> Self {
        Self {
            text,
            offsets: Offsets::new(text),
            stack: Vec::new(),
            anchors: HashMap::new(),
            root: None,
            documents: 0,
            nodes: 0,
            alias_nodes: 0,
            errors: Vec::new(),
        }
    }

    fn run(mut self) -> (Option<Node>, Vec<YamlError>) {
        let mut parser = Parser::new_from_str(self.text);
        loop {
            let (event, span) = match parser.next_event() {
                None => break,
                Some(Ok(x)) => x,
                Some(Err(e)) => {
                    let err = self.scan_error(&e);
                    self.errors.push(err);
                    return (None, self.errors);
                }
            };
            if matches!(event, Event::StreamEnd) {
                break;
            }
            if self.event(event, span).is_err() {
                return (None, self.errors);
            }
        }
        let root = self.root.take().unwrap_or(Node {
            kind: NodeKind::Null,
            start: Mark {
                line: 1,
                col: 1,
                offset: 0,
            },
            end: Mark {
                line: 1,
                col: 1,
                offset: 0,
            },
        });
        (Some(root), self.errors)
    }

    fn scan_error(&mut self, e: &ScanError) -> YamlError {
        let mut mark = self.offsets.mark(e.marker());
        let info = e.info();
        if info.contains("tab") {
            // The parser may point at the end of the previous value; point at the tab itself.
            if let Some(tab) = self
                .text
                .get(mark.offset..)
                .and_then(|rest| rest.find('\t'))
            {
                mark = mark_at(self.text, mark.offset + tab);
            }
            YamlError::new(mark, format!("invalid YAML: {info}"))
                .help("indent with spaces; YAML does not allow tabs for indentation")
        } else if info.contains("recursion limit") {
            YamlError::new(mark, "invalid YAML: the YAML is nested too deeply")
                .help("the config needs only two levels: a list of people, each a mapping")
        } else {
            let help = if info.contains("mapping values are not allowed") {
                "quote a value that contains `: `, e.g. `sponsor: \"Pat: Lead\"`, or check the indentation"
            } else if info.contains("did not find expected") || info.contains("indentation") {
                "check the indentation of this line and of the line before it"
            } else {
                "fix the YAML syntax at this position"
            };
            YamlError::new(mark, format!("invalid YAML: {info}")).help(help)
        }
    }

    fn fail(&mut self, err: YamlError) -> Step {
        self.errors.push(err);
        Err(())
    }

    fn event(&mut self, event: Event<'_>, span: Span) -> Step {
        match event {
            Event::Nothing | Event::StreamStart | Event::StreamEnd | Event::DocumentEnd => Ok(()),
            Event::DocumentStart(_) => {
                self.documents += 1;
                if self.documents > 1 {
                    let mark = self.offsets.mark(&span.start);
                    return self.fail(
                        YamlError::new(mark, "a second YAML document starts here")
                            .help("the file must hold one document: remove the `---` line or split the file"),
                    );
                }
                Ok(())
            }
            Event::Scalar(value, style, anchor, tag) => {
                let start = self.offsets.mark(&span.start);
                let end = self.offsets.mark(&span.end);
                let tag = tag.map(|t| format!("{}{}", t.handle, t.suffix));
                let style = ScalarStyle::from_lib(style);
                let null = style == ScalarStyle::Plain
                    && tag.is_none()
                    && matches!(value.as_ref(), "" | "~" | "null" | "Null" | "NULL");
                let empty = null && value.is_empty() && anchor == 0;
                let kind = if null {
                    NodeKind::Null
                } else {
                    NodeKind::Scalar {
                        value: Cow::into_owned(value),
                        style,
                        tag,
                    }
                };
                self.count_node(start)?;
                self.finish(
                    Built {
                        node: Node { kind, start, end },
                        empty,
                        count: 1,
                        height: 0,
                    },
                    anchor,
                )
            }
            Event::SequenceStart(anchor, _) | Event::MappingStart(anchor, _) => {
                let start = self.offsets.mark(&span.start);
                if self.stack.len() >= MAX_DEPTH {
                    return self.fail(
                        YamlError::new(
                            start,
                            format!("the YAML is nested more than {MAX_DEPTH} levels deep"),
                        )
                        .help("the config needs only two levels: a list of people, each a mapping"),
                    );
                }
                self.count_node(start)?;
                let kind = if matches!(event, Event::SequenceStart(..)) {
                    FrameKind::Seq(Vec::new())
                } else {
                    FrameKind::Map {
                        entries: Vec::new(),
                        key: None,
                        seen: HashMap::new(),
                    }
                };
                self.stack.push(Frame {
                    start,
                    anchor,
                    count: 1,
                    child_height: 0,
                    kind,
                });
                Ok(())
            }
            Event::SequenceEnd | Event::MappingEnd => {
                let Some(frame) = self.stack.pop() else {
                    let mark = self.offsets.mark(&span.start);
                    return self.fail(YamlError::new(mark, "unbalanced YAML collection end"));
                };
                // A flow collection ends with a visible `]` or `}`; a block one with an empty span.
                let end_mark = self.offsets.mark(&span.end);
                let closing = self
                    .text
                    .get(..end_mark.offset)
                    .and_then(|s| s.chars().next_back());
                let flow = !span.is_empty() && matches!(closing, Some(']' | '}'));
                let (kind, last_end) = match frame.kind {
                    FrameKind::Seq(items) => {
                        let last = items.last().map(|n| n.end);
                        (NodeKind::Seq { items, flow }, last)
                    }
                    FrameKind::Map { entries, key, .. } => {
                        // A dangling key cannot happen with a well-formed event stream; keep it
                        // out rather than lose the mapping.
                        let _ = key;
                        let last = entries.last().map(|(_, v)| v.end);
                        (NodeKind::Map { entries, flow }, last)
                    }
                };
                let end = if flow {
                    end_mark
                } else {
                    last_end.unwrap_or(frame.start)
                };
                let height = frame.child_height + 1;
                self.finish(
                    Built {
                        node: Node {
                            kind,
                            start: frame.start,
                            end,
                        },
                        empty: false,
                        count: frame.count,
                        height,
                    },
                    frame.anchor,
                )
            }
            Event::Alias(id) => {
                let start = self.offsets.mark(&span.start);
                let end = self.offsets.mark(&span.end);
                let Some(anchored) = self.anchors.get(&id) else {
                    return self.fail(
                        YamlError::new(start, "this alias refers to the collection it is inside")
                            .help("remove the recursive alias"),
                    );
                };
                let (count, height) = (anchored.count, anchored.height);
                if self.stack.len() + height > MAX_DEPTH {
                    return self.fail(
                        YamlError::new(
                            start,
                            format!(
                                "expanding this alias nests the YAML more than {MAX_DEPTH} levels deep"
                            ),
                        )
                        .help("write the values out instead of using anchors and aliases"),
                    );
                }
                self.alias_nodes = self.alias_nodes.saturating_add(count);
                if self.alias_nodes > MAX_ALIAS_NODES {
                    return self.fail(
                        YamlError::new(
                            start,
                            format!(
                                "aliases expand to more than {MAX_ALIAS_NODES} nodes (an alias bomb?)"
                            ),
                        )
                        .help("write the values out instead of using anchors and aliases"),
                    );
                }
                self.nodes = self.nodes.saturating_add(count);
                if self.nodes > MAX_NODES {
                    return self.too_many(start);
                }
                let mut node = anchored.node.clone();
                node.start = start;
                node.end = end;
                self.finish(
                    Built {
                        node,
                        empty: false,
                        count,
                        height,
                    },
                    0,
                )
            }
        }
    }

    fn count_node(&mut self, at: Mark) -> Step {
        self.nodes += 1;
        if self.nodes > MAX_NODES {
            return self.too_many(at);
        }
        Ok(())
    }

    fn too_many(&mut self, at: Mark) -> Step {
        self.fail(
            YamlError::new(
                at,
                format!("the YAML has more than {MAX_NODES} values; this is not a config file"),
            )
            .help("check you named the right file"),
        )
    }

    /// Attach a finished node to its parent (or make it the document root).
    fn finish(&mut self, built: Built, anchor: usize) -> Step {
        if anchor != 0 {
            self.anchors.insert(
                anchor,
                Anchored {
                    node: built.node.clone(),
                    count: built.count,
                    height: built.height,
                },
            );
            // The anchored copy counts against the budget too, so anchors cannot be used to
            // hold more than the budget in memory.
            self.alias_nodes = self.alias_nodes.saturating_add(built.count);
            if self.alias_nodes > MAX_ALIAS_NODES {
                let at = built.node.start;
                return self.fail(
                    YamlError::new(
                        at,
                        format!("anchors and aliases hold more than {MAX_ALIAS_NODES} nodes"),
                    )
                    .help("write the values out instead of using anchors and aliases"),
                );
            }
        }
        let Some(parent) = self.stack.last_mut() else {
            self.root = Some(built.node);
            return Ok(());
        };
        parent.count = parent.count.saturating_add(built.count);
        parent.child_height = parent.child_height.max(built.height);
        match &mut parent.kind {
            FrameKind::Seq(items) => items.push(built.node),
            FrameKind::Map { entries, key, seen } => match key.take() {
                None => {
                    let node = built.node;
                    let name = match &node.kind {
                        NodeKind::Scalar { value, .. } => Some(value.clone()),
                        NodeKind::Null => Some("null".to_owned()),
                        _ => None,
                    };
                    if let Some(name) = name {
                        if let Some(first) = seen.get(&name) {
                            let first = *first;
                            self.errors.push(
                                YamlError::new(
                                    node.start,
                                    format!(
                                        "duplicate key `{name}`: it is already set at line {}:{}",
                                        first.line, first.col
                                    ),
                                )
                                .help(format!(
                                    "remove one of the two `{name}` keys (lines {} and {})",
                                    first.line, node.start.line
                                )),
                            );
                        } else {
                            seen.insert(name, node.start);
                        }
                    }
                    *key = Some(node);
                }
                Some(k) => {
                    let mut value = built.node;
                    if built.empty {
                        // The parser places an empty value at the next token; put it right
                        // after the key's `:` instead, where a value would be written.
                        let at = after_colon(self.text, k.end);
                        value.start = at;
                        value.end = at;
                    }
                    entries.push((k, value));
                }
            },
        }
        Ok(())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn ok(text: &str) -> Node {
        match parse(text) {
            Ok(n) => n,
            Err(e) => panic!("expected {text:?} to parse, got {e:?}"),
        }
    }

    fn err(text: &str) -> Vec<YamlError> {
        match parse(text) {
            Ok(n) => panic!("expected {text:?} to fail, got {n:?}"),
            Err(e) => e,
        }
    }

    #[test]
    fn block_positions_and_offsets() {
        let text = "# comment\n- name: Ann\n  email: 'a@x'\n- name: Bob\n";
        let root = ok(text);
        let items = root.as_seq().unwrap();
        assert_eq!(items.len(), 2);
        let first = &items[0];
        assert_eq!((first.start.line, first.start.col), (2, 3));
        let (k, v) = first.entry("email").unwrap();
        assert_eq!((k.start.line, k.start.col), (3, 3));
        assert_eq!((v.start.line, v.start.col), (3, 10));
        assert_eq!(v.raw(text), "'a@x'");
        assert_eq!(v.as_str(), Some("a@x"));
        assert!(matches!(
            v.kind,
            NodeKind::Scalar {
                style: ScalarStyle::SingleQuoted,
                ..
            }
        ));
        // A block mapping ends where its last value ends.
        assert_eq!(first.raw(text), "name: Ann\n  email: 'a@x'");
        assert_eq!(root.raw(text), "- name: Ann\n  email: 'a@x'\n- name: Bob");
    }

    #[test]
    fn multibyte_offsets() {
        let text = "- name: Zoë Ærø\n  email: \"é@x\"\n";
        let root = ok(text);
        let p = &root.as_seq().unwrap()[0];
        let name = p.get("name").unwrap();
        assert_eq!(name.raw(text), "Zoë Ærø");
        assert_eq!(name.start.offset, 8);
        let email = p.get("email").unwrap();
        // Columns count characters, offsets count bytes.
        assert_eq!((email.start.line, email.start.col), (2, 10));
        assert_eq!(email.raw(text), "\"é@x\"");
        assert_eq!(&text[email.start.offset..], "\"é@x\"\n");
    }

    #[test]
    fn crlf_lines() {
        let text = "- name: A\r\n  role: x\r\n- name: B\r\n";
        let root = ok(text);
        let items = root.as_seq().unwrap();
        let role = items[0].get("role").unwrap();
        assert_eq!((role.start.line, role.start.col), (2, 9));
        assert_eq!(role.raw(text), "x");
        assert_eq!(items[1].start.line, 3);
    }

    #[test]
    fn null_values() {
        let text = "a:\nb: ~\nc: null\nd: 'null'\ne: !!str null\n";
        let root = ok(text);
        assert!(root.get("a").unwrap().is_null());
        assert!(root.get("b").unwrap().is_null());
        assert!(root.get("c").unwrap().is_null());
        assert_eq!(root.get("d").unwrap().as_str(), Some("null"));
        assert_eq!(root.get("e").unwrap().as_str(), Some("null"));
        let a = root.get("a").unwrap();
        assert_eq!(a.start, a.end);
        assert_eq!((a.start.line, a.start.col, a.start.offset), (1, 3, 2));
        assert_eq!(root.get("b").unwrap().raw(text), "~");
    }

    #[test]
    fn empty_value_sits_after_the_colon() {
        let text = "- name: A\n  role:\n- name: B\n";
        let root = ok(text);
        let first = &root.as_seq().unwrap()[0];
        let role = first.get("role").unwrap();
        assert!(role.is_null());
        assert_eq!((role.start.line, role.start.col), (2, 8), "{role:?}");
        assert_eq!(role.start, role.end);
        assert_eq!(first.raw(text).trim_end(), "name: A\n  role:");
    }

    #[test]
    fn bools() {
        let root = ok("a: true\nb: FALSE\nc: 'true'\nd: yes\n");
        assert_eq!(root.get("a").unwrap().as_bool(), Some(true));
        assert_eq!(root.get("b").unwrap().as_bool(), Some(false));
        assert_eq!(root.get("c").unwrap().as_bool(), None);
        assert_eq!(root.get("d").unwrap().as_bool(), None);
    }

    #[test]
    fn flow_style() {
        let text = "everyone: [gov-uk, 'x']\nroles: {a: [b]}\n";
        let root = ok(text);
        let everyone = root.get("everyone").unwrap();
        assert!(matches!(everyone.kind, NodeKind::Seq { flow: true, .. }));
        assert_eq!(everyone.raw(text), "[gov-uk, 'x']");
        let roles = root.get("roles").unwrap();
        assert!(matches!(roles.kind, NodeKind::Map { flow: true, .. }));
        assert_eq!(roles.raw(text), "{a: [b]}");
        assert!(matches!(root.kind, NodeKind::Map { flow: false, .. }));
        let empty = ok("a: []\n");
        assert_eq!(empty.get("a").unwrap().as_seq().map(<[Node]>::len), Some(0));
    }

    #[test]
    fn block_scalars() {
        let text = "a: |\n  line one\n  line two\nb: >\n  folded\n  text\n";
        let root = ok(text);
        let a = root.get("a").unwrap();
        assert_eq!(a.as_str(), Some("line one\nline two\n"));
        assert!(matches!(
            a.kind,
            NodeKind::Scalar {
                style: ScalarStyle::Literal,
                ..
            }
        ));
        let b = root.get("b").unwrap();
        assert_eq!(b.as_str(), Some("folded text\n"));
    }

    #[test]
    fn duplicate_keys_name_both_lines() {
        let errors = err("- name: A\n  role: x\n  name: B\n");
        assert_eq!(errors.len(), 1);
        assert_eq!((errors[0].mark.line, errors[0].mark.col), (3, 3));
        assert!(
            errors[0].message.contains("line 1:3"),
            "{}",
            errors[0].message
        );
        // Lenient parsing keeps the tree.
        let (node, errors) = parse_lenient("a: 1\na: 2\nb: 1\nb: 2\n");
        assert_eq!(errors.len(), 2);
        assert!(node.is_some());
    }

    #[test]
    fn aliases_expand() {
        let text = "base: &b {x: 1}\ncopy: *b\n";
        let root = ok(text);
        let copy = root.get("copy").unwrap();
        assert_eq!(copy.get("x").unwrap().as_str(), Some("1"));
        assert_eq!(copy.raw(text), "*b");
    }

    #[test]
    fn alias_bomb_is_refused() {
        let mut text = String::from("a: &a [x, x, x, x, x, x, x, x, x, x]\n");
        let mut prev = 'a';
        for c in 'b'..='k' {
            let refs = vec![format!("*{prev}"); 10].join(", ");
            text.push_str(&format!("{c}: &{c} [{refs}]\n"));
            prev = c;
        }
        let errors = err(&text);
        assert!(errors[0].message.contains("alias"), "{errors:?}");
    }

    #[test]
    fn deep_nesting_is_refused() {
        let errors = err(&"[".repeat(150));
        assert!(errors[0].message.contains("nested"), "{errors:?}");
        // Far deeper: the scanner's own limit may answer first; either way it is one error.
        assert_eq!(err(&"[".repeat(100_000)).len(), 1);
        let mut block = String::new();
        for i in 0..120 {
            block.push_str(&format!("{}k{i}:\n", " ".repeat(i)));
        }
        let errors = err(&block);
        assert!(errors[0].message.contains("nested"), "{errors:?}");
        assert_eq!(errors[0].mark.line, 101);
        let ok_depth = format!("{}{}", "[".repeat(50), "]".repeat(50));
        ok(&ok_depth);
    }

    #[test]
    fn recursive_alias_is_refused() {
        let errors = err("a: &a [*a]\n");
        assert_eq!(errors.len(), 1);
    }

    #[test]
    fn multiple_documents_are_refused() {
        let errors = err("- a\n---\n- b\n");
        assert_eq!(errors[0].mark.line, 2);
        assert!(errors[0].message.contains("second YAML document"));
    }

    #[test]
    fn empty_and_comment_only_are_null() {
        assert!(ok("").is_null());
        assert!(ok("# just a comment\n\n").is_null());
    }

    #[test]
    fn syntax_errors_are_located() {
        let errors = err("- name: A\n\trole: x\n");
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert_eq!(errors[0].mark.line, 2, "{errors:?}");
        let errors = err("a: [b\n");
        assert_eq!(errors.len(), 1);
        assert!(errors[0].message.starts_with("invalid YAML"));
    }
}
