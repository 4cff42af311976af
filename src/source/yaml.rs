//! YAML streams → span trees, with Kubernetes' (go-yaml v2) scalar typing.

use std::borrow::Cow;
use std::collections::HashMap;

use super::libyaml::{self, Event, Mark, Parser, ScalarStyle};

use super::tree::{Children, Doc, Node, NodeId, NodeKind, Pos, Scalar, Value};
use super::{ParseError, Stream};

/// Deeper nesting than this is refused, as go-yaml v2 refuses it (its
/// scanner's `max_flow_level` and `max_indents`).
pub const MAX_DEPTH: usize = 10_000;

/// How many bytes a file may be parsed again for go-yaml's differences
/// (see `Documents::patch`) before the difference is reported as an error.
const REPARSE: usize = 64 << 20;

/// An open collection; its children so far are `scratch[start..]`.
struct Open {
    id: NodeId,
    is_map: bool,
    start: usize,
    /// The start column of a block collection; `usize::MAX` for flow.
    col: usize,
}

/// Expanded-size bookkeeping, to refuse alias bombs the way go-yaml v2 does.
#[derive(Clone, Copy, Default)]
struct Cost {
    total: u64,
    aliased: u64,
    closed: bool,
}

struct Builder<'a> {
    nodes: Vec<Node<'a>>,
    pairs: Vec<(NodeId, NodeId)>,
    seq_items: Vec<NodeId>,
    cost: Vec<Cost>,
    stack: Vec<Open>,
    /// Children of all open collections, innermost last.
    scratch: Vec<NodeId>,
    anchors: HashMap<Vec<u8>, NodeId>,
    root: Option<NodeId>,
}

impl<'a> Builder<'a> {
    fn new(capacity: usize) -> Self {
        Builder {
            nodes: Vec::with_capacity(capacity),
            pairs: Vec::with_capacity(capacity / 2),
            seq_items: Vec::new(),
            cost: Vec::with_capacity(capacity),
            stack: Vec::new(),
            scratch: Vec::new(),
            anchors: HashMap::new(),
            root: None,
        }
    }

    fn push(&mut self, kind: NodeKind<'a>, pos: Pos, anchor: Option<&[u8]>) -> NodeId {
        let id = self.nodes.len() as NodeId;
        self.nodes.push(Node {
            kind,
            pos,
            anchored: anchor.is_some(),
            flow: false,
        });
        self.cost.push(Cost::default());
        if let Some(a) = anchor {
            self.anchors.insert(a.to_vec(), id);
        }
        id
    }

    /// Attaches a finished node to its parent (or makes it the root).
    fn attach(&mut self, id: NodeId) {
        if self.stack.is_empty() {
            self.root = Some(id);
        } else {
            self.scratch.push(id);
        }
    }

    fn close(&mut self, id: NodeId, children_cost: Cost) {
        self.cost[id as usize] = Cost {
            total: children_cost.total.saturating_add(1),
            aliased: children_cost.aliased,
            closed: true,
        };
    }

    /// A closed sequence's items.
    fn scratch_items(&self, c: Children) -> &[NodeId] {
        &self.seq_items[c.start as usize..(c.start + c.len) as usize]
    }

    fn sum(&self, ids: impl Iterator<Item = NodeId>) -> Cost {
        let mut c = Cost::default();
        for id in ids {
            let k = self.cost[id as usize];
            c.total = c.total.saturating_add(k.total);
            c.aliased = c.aliased.saturating_add(k.aliased);
        }
        c
    }

    /// Empties the builder for the next document, keeping what it
    /// allocated for its own bookkeeping.
    fn reset(&mut self) {
        self.cost.clear();
        self.stack.clear();
        self.scratch.clear();
        self.anchors.clear();
        self.root = None;
        self.nodes.clear();
        self.pairs.clear();
        self.seq_items.clear();
    }

    /// The finished document. Its arenas leave the builder, which starts
    /// the next one with room for as much (documents of a stream tend to
    /// look alike).
    fn finish(&mut self, pos: Pos) -> Result<Doc<'a>, String> {
        let hint = |n: usize| n.next_power_of_two().max(16);
        let (n, p, q) = (
            hint(self.nodes.len()),
            hint(self.pairs.len()),
            hint(self.seq_items.len()),
        );
        let nodes = std::mem::replace(&mut self.nodes, Vec::with_capacity(n));
        let pairs = std::mem::replace(&mut self.pairs, Vec::with_capacity(p));
        let seq_items = std::mem::replace(&mut self.seq_items, Vec::with_capacity(q));
        let root = self.root;
        let result = Self::check_aliasing(&self.cost, root);
        self.reset();
        result?;
        let pos = root.map(|r| nodes[r as usize].pos).unwrap_or(pos);
        Ok(Doc {
            nodes,
            pairs,
            seq_items,
            root,
            pos,
            json: false,
        })
    }

    fn check_aliasing(cost: &[Cost], root: Option<NodeId>) -> Result<(), String> {
        if let Some(root) = root {
            let c = cost[root as usize];
            // go-yaml v2 (decode.go, allowedAliasRatio) refuses documents whose
            // decoding is mostly alias expansion.
            if c.aliased > 100 && c.total > 1000 {
                let ratio = c.aliased as f64 / c.total as f64;
                let allowed = if c.total <= 400_000 {
                    0.99
                } else if c.total >= 4_000_000 {
                    0.10
                } else {
                    0.99 - 0.89 * ((c.total - 400_000) as f64 / 3_600_000.0)
                };
                if ratio > allowed {
                    return Err("document contains excessive aliasing".into());
                }
            }
        }
        Ok(())
    }
}

/// Pulls every parse event out of a text and nothing more: the floor that
/// the benchmarks measure podsec against (the same parser, no tree).
/// Returns the number of events, or of events before the first error.
pub fn pull_events(text: &str) -> usize {
    let mut p = Parser::new(text.as_bytes());
    let mut n = 0;
    while let Some(Ok(_)) = p.next_event() {
        n += 1;
    }
    n
}

/// Parses a whole YAML stream (see `Documents`).
pub fn parse(text: &str) -> Stream<'_> {
    let mut stream = Stream::default();
    for doc in Documents::new(text) {
        match doc {
            Ok(d) => stream.docs.push(d),
            Err(e) => stream.errors.push(e),
        }
    }
    stream
}

/// The documents of a YAML stream, one at a time, so a large file never
/// holds more than one document's tree. A syntax error ends the document it
/// is in; parsing resumes at the next `---` line so later documents are
/// still read.
pub struct Documents<'a> {
    text: &'a str,
    parser: Parser<'a>,
    /// Where the text being parsed starts in `text` (byte, 0-based line).
    base: usize,
    base_line: usize,
    /// Where the current document starts (byte offset in `text`).
    doc_start: usize,
    /// Bytes parsed again for patches in this file (bounded: `REPARSE`).
    reparsed: usize,
    /// Bytes changed (offset in `text`, new byte) where go-yaml v2 accepts
    /// what libyaml refuses; the characters they decode to are turned back
    /// (`unmap`: placeholder, original).
    patches: Vec<(usize, u8)>,
    unmap: Vec<(char, char)>,
    /// The placeholders, chosen once per file (`None`: the text leaves none).
    quote_placeholder: Option<Option<(u8, char)>>,
    colon_placeholder: Option<Option<u8>>,
    b: Builder<'a>,
    doc_pos: Pos,
    in_doc: bool,
    flow_depth: usize,
    /// Start columns of the open block collections (go-yaml's indent stack).
    block_cols: Vec<usize>,
    done: bool,
}

impl<'a> Documents<'a> {
    pub fn new(text: &'a str) -> Documents<'a> {
        // The byte-order mark is left out of what libyaml reads: it would
        // count it as a column of the first line.
        let base = if text.starts_with('\u{feff}') { 3 } else { 0 };
        Documents {
            text,
            parser: Parser::new(&text.as_bytes()[base..]),
            base,
            base_line: 0,
            doc_start: base,
            reparsed: 0,
            patches: Vec::new(),
            unmap: Vec::new(),
            quote_placeholder: None,
            colon_placeholder: None,
            b: Builder::new(0),
            doc_pos: Pos::default(),
            in_doc: false,
            flow_depth: 0,
            block_cols: Vec::new(),
            done: false,
        }
    }

    fn pos(&self, start: Mark, end: Mark) -> Pos {
        let col = start.column as u32 + 1;
        Pos {
            start: (self.base + start.index) as u32,
            end: (self.base + end.index) as u32,
            line: (self.base_line + start.line + 1) as u32,
            col,
        }
    }

    fn error_at(&self, m: Mark, message: String) -> ParseError {
        ParseError {
            pos: self.pos(m, m),
            message,
        }
    }

    /// Starts parsing `segment` (an offset in `text`) afresh.
    fn restart(&mut self, segment: usize) {
        let line_base = if segment == self.base {
            self.base_line
        } else {
            self.base_line
                + self.text.as_bytes()[self.base..segment]
                    .iter()
                    .filter(|&&b| b == b'\n')
                    .count()
        };
        let rest = &self.text.as_bytes()[segment..];
        let patches = self
            .patches
            .iter()
            .filter(|p| p.0 >= segment)
            .map(|&(at, b)| (at - segment, b))
            .collect();
        self.parser = Parser::with_patches(rest, patches);
        self.base = segment;
        self.base_line = line_base;
        self.b.reset();
        self.in_doc = false;
        self.flow_depth = 0;
        self.block_cols.clear();
    }

    /// Where libyaml refuses what go-yaml v2 (a port of an older libyaml)
    /// reads, parse the segment again with the spot patched to bytes of the
    /// same length that nothing else in the text produces, and turn them
    /// back in the scalars. Two cases: the `\'` escape in a double-quoted
    /// scalar (go-yaml reads `'`), and `:` followed by `,[]{}?` inside a
    /// plain scalar in a flow collection (go-yaml keeps the colon in the
    /// scalar: `{a:}` is the key `a:`).
    fn patch(&mut self, e: &libyaml::Error) -> bool {
        let at = self.base + e.mark.index;
        // Each patch parses the document again up to it: bounded, so that
        // no input makes this quadratic without limit.
        self.reparsed += at.saturating_sub(self.doc_start).max(16 << 10);
        if self.reparsed > REPARSE {
            return false;
        }
        let rest = &self.text.as_bytes()[at..];
        let t = self.text;
        let (offset, byte, placeholder, original) =
            if e.problem == "found unknown escape character" && rest.starts_with(b"\\'") {
                // An escape letter the text never uses (nor any hex escape
                // that could spell its byte): what it decodes to can only
                // come from a patch.
                let found = *self.quote_placeholder.get_or_insert_with(|| {
                    if t.contains("\\x") || t.contains("\\u") || t.contains("\\U") {
                        return None;
                    }
                    [
                        (b'a', '\u{7}'),
                        (b'e', '\u{1b}'),
                        (b'v', '\u{b}'),
                        (b'f', '\u{c}'),
                    ]
                    .into_iter()
                    .find(|(l, _)| !t.contains(&format!("\\{}", *l as char)))
                });
                let Some((letter, decoded)) = found else {
                    return false;
                };
                (at + 1, letter, decoded, '\'')
            } else if e.problem == "found unexpected ':'"
                && rest.first() == Some(&b':')
                && rest.get(1).is_some_and(|c| b",[]{}?".contains(c))
            {
                // A plain-scalar character the text never uses.
                let found = *self.colon_placeholder.get_or_insert_with(|| {
                    b"^~`;=$"
                        .iter()
                        .copied()
                        .find(|p| !t.as_bytes().contains(p))
                });
                let Some(p) = found else {
                    return false;
                };
                (at, p, p as char, ':')
            } else {
                return false;
            };
        if self.patches.iter().any(|p| p.0 == offset) {
            return false;
        }
        if !self.unmap.contains(&(placeholder, original)) {
            self.unmap.push((placeholder, original));
        }
        self.patches.push((offset, byte));
        self.restart(self.doc_start);
        true
    }

    /// One event; `Ok(Some(doc))` when it ends a document.
    fn step(&mut self, raw: &libyaml::RawEvent) -> Result<Option<Doc<'a>>, ParseError> {
        let (sm, em) = (raw.start(), raw.end());
        let err = |this: &Self, msg: String| ParseError {
            pos: this.pos(sm, em),
            message: msg,
        };
        match raw.event() {
            Event::StreamStart | Event::StreamEnd => {}
            Event::DocumentStart { version } => {
                if let Some((major, minor)) = version
                    && (major != 1 || minor != 1)
                {
                    return Err(err(self, "found incompatible YAML document".into()));
                }
                self.b.reset();
                self.doc_pos = self.pos(sm, em);
                self.doc_start = self.base + sm.index;
                self.in_doc = true;
            }
            Event::DocumentEnd => {
                if self.in_doc {
                    self.in_doc = false;
                    super::tree::settle_spans(&mut self.b.nodes, &self.b.pairs, self.text, 0);
                    let doc = self.b.finish(self.doc_pos).map_err(|m| err(self, m))?;
                    return Ok(Some(doc));
                }
            }
            Event::Scalar {
                anchor,
                tag,
                value,
                style,
            } => {
                let pos = self.pos(sm, em);
                if style == ScalarStyle::DoubleQuoted
                    && let Some(at) = slash_escape(self.text, pos.start as usize, pos.end as usize)
                {
                    return Err(ParseError {
                        pos: Pos {
                            start: at as u32,
                            end: at as u32,
                            line: pos.line,
                            col: pos.col,
                        },
                        message: "found unknown escape character while parsing a quoted scalar"
                            .into(),
                    });
                }
                if style == ScalarStyle::Plain
                    && self.flow_depth > 0
                    && let Some(q) = self.text[pos.start as usize..pos.end as usize]
                        .char_indices()
                        .skip(1)
                        .find(|&(_, c)| c == '?')
                {
                    // go-yaml v2 ends a plain scalar at `?` in a flow
                    // collection, and the `?` that follows is out of place.
                    let in_map = self.b.stack.last().is_some_and(|o| o.is_map);
                    let at = pos.start + q.0 as u32;
                    return Err(ParseError {
                        pos: Pos {
                            start: at,
                            end: at,
                            line: pos.line,
                            col: pos.col
                                + self.text[pos.start as usize..at as usize].chars().count() as u32,
                        },
                        message: format!(
                            "did not find expected ',' or '{}'",
                            if in_map { '}' } else { ']' }
                        ),
                    });
                }
                let text = self.scalar_text(value, pos, style);
                let value = match (style, tag) {
                    (_, Some(t)) => resolve_full_tag(t, &text),
                    (ScalarStyle::Plain, None) => resolve_plain(&text),
                    // Quoted and block scalars are always strings.
                    _ => Value::Str,
                };
                let id = self
                    .b
                    .push(NodeKind::Scalar(Scalar { text, value }), pos, anchor);
                self.b.close(id, Cost::default());
                self.b.attach(id);
            }
            Event::Alias { anchor } => {
                let Some(&target) = self.b.anchors.get(anchor) else {
                    return Err(err(
                        self,
                        format!(
                            "unknown anchor '{}' referenced",
                            String::from_utf8_lossy(anchor)
                        ),
                    ));
                };
                let tc = self.b.cost[target as usize];
                if !tc.closed {
                    return Err(err(
                        self,
                        "an alias may not refer to a node that contains it".into(),
                    ));
                }
                let id = self.b.push(NodeKind::Alias(target), self.pos(sm, em), None);
                self.b.cost[id as usize] = Cost {
                    total: tc.total.saturating_add(1),
                    aliased: tc.total,
                    closed: true,
                };
                self.b.attach(id);
            }
            ev @ (Event::SequenceStart { .. } | Event::MappingStart { .. }) => {
                let (anchor, flow, is_map) = match ev {
                    Event::SequenceStart { anchor, flow } => (anchor, flow, false),
                    Event::MappingStart { anchor, flow } => (anchor, flow, true),
                    _ => unreachable!(),
                };
                if flow {
                    self.flow_depth += 1;
                } else if self.flow_depth == 0
                    && self.block_cols.last().is_none_or(|&c| sm.column > c)
                {
                    self.block_cols.push(sm.column);
                }
                if self.flow_depth > MAX_DEPTH || self.block_cols.len() > MAX_DEPTH {
                    return Err(err(self, super::TOO_DEEP.into()));
                }
                let pos = self.pos(sm, em);
                let kind = if is_map {
                    NodeKind::Map(Children::default())
                } else {
                    NodeKind::Seq(Children::default())
                };
                let id = self.b.push(kind, pos, anchor);
                let start = self.b.scratch.len();
                self.b.stack.push(Open {
                    id,
                    is_map,
                    start,
                    col: if flow { usize::MAX } else { sm.column },
                });
            }
            Event::SequenceEnd | Event::MappingEnd => {
                // A flow collection's end event covers its closing bracket;
                // a block collection's is empty, at the next token.
                let ep = self.pos(sm, em);
                let b = &mut self.b;
                let Some(open) = b.stack.pop() else {
                    return Err(err(self, "unbalanced collection end".into()));
                };
                let flow = open.col == usize::MAX;
                if flow {
                    self.flow_depth -= 1;
                } else if self.flow_depth == 0
                    && self.block_cols.last() == Some(&open.col)
                    && !b.stack.iter().any(|o| o.col == open.col)
                {
                    self.block_cols.pop();
                }
                let end = if flow { ep.end } else { ep.start };
                let id = open.id;
                let children = &b.scratch[open.start..];
                let cost = b.sum(children.iter().copied());
                if open.is_map
                    && let Some(m) = invalid_pair(b, children)
                {
                    return Err(err(self, m));
                }
                let kind = if open.is_map {
                    let start = b.pairs.len() as u32;
                    b.pairs
                        .extend(children.chunks_exact(2).map(|kv| (kv[0], kv[1])));
                    NodeKind::Map(Children {
                        start,
                        len: b.pairs.len() as u32 - start,
                    })
                } else {
                    let start = b.seq_items.len() as u32;
                    b.seq_items.extend_from_slice(children);
                    NodeKind::Seq(Children {
                        start,
                        len: children.len() as u32,
                    })
                };
                b.scratch.truncate(open.start);
                b.nodes[id as usize].kind = kind;
                let node = &mut b.nodes[id as usize];
                node.pos.end = end.max(node.pos.start);
                node.flow = flow;
                b.close(id, cost);
                b.attach(id);
            }
        }
        Ok(None)
    }

    /// A scalar's text, borrowed from the input when it is written there
    /// as is (most scalars), else the parser's decoded copy.
    fn scalar_text(&self, value: &[u8], pos: Pos, style: ScalarStyle) -> Cow<'a, str> {
        let (s, e) = (pos.start as usize, pos.end as usize);
        let raw = match style {
            ScalarStyle::Plain => self.text.get(s..e),
            ScalarStyle::SingleQuoted | ScalarStyle::DoubleQuoted if e >= s + 2 => {
                self.text.get(s + 1..e - 1)
            }
            _ => None,
        };
        if let Some(r) = raw
            && r.as_bytes() == value
        {
            return Cow::Borrowed(r);
        }
        let mut owned = String::from_utf8_lossy(value).into_owned();
        for &(p, o) in &self.unmap {
            if owned.contains(p) {
                owned = owned.replace(p, o.encode_utf8(&mut [0; 4]));
            }
        }
        Cow::Owned(owned)
    }
}

impl<'a> Iterator for Documents<'a> {
    type Item = Result<Doc<'a>, ParseError>;

    fn next(&mut self) -> Option<Self::Item> {
        while !self.done {
            let Some(item) = self.parser.next_event() else {
                self.done = true;
                break;
            };
            let result = match item {
                Ok(raw) => self.step(&raw),
                Err(e) => {
                    if self.patch(&e) {
                        continue;
                    }
                    let mut message = e.problem.clone();
                    if let Some((c, m)) = &e.context {
                        message =
                            format!("{message} ({c} at line {})", self.base_line + m.line + 1);
                    }
                    Err(self.error_at(e.mark, message))
                }
            };
            match result {
                Ok(None) => {}
                Ok(Some(doc)) => return Some(Ok(doc)),
                Err(err) => {
                    // Resume at the next line that starts a document.
                    let from = (err.pos.start as usize).max(self.base);
                    match next_document_start(self.text, from, self.base) {
                        Some(next) => {
                            self.patches.clear();
                            self.unmap.clear();
                            self.restart(next);
                        }
                        None => self.done = true,
                    }
                    return Some(Err(err));
                }
            }
        }
        None
    }
}

/// What go-yaml v2 refuses when it decodes a mapping into Go values: a
/// collection as a key, and a merge (`<<`) of anything but a mapping or a
/// sequence of mappings.
fn invalid_pair(b: &Builder<'_>, children: &[NodeId]) -> Option<String> {
    let resolve = |id: NodeId| match b.nodes[id as usize].kind {
        NodeKind::Alias(t) => t,
        _ => id,
    };
    let is_map = |id: NodeId| matches!(b.nodes[resolve(id) as usize].kind, NodeKind::Map(_));
    for kv in children.chunks_exact(2) {
        match &b.nodes[resolve(kv[0]) as usize].kind {
            NodeKind::Map(_) => return Some("invalid map key: a mapping".into()),
            NodeKind::Seq(_) => return Some("invalid map key: a sequence".into()),
            NodeKind::Scalar(s) if s.text == super::tree::MERGE_KEY && s.value == Value::Str => {
                let ok = match &b.nodes[resolve(kv[1]) as usize].kind {
                    NodeKind::Map(_) => true,
                    NodeKind::Seq(c) => b.scratch_items(*c).iter().all(|&i| is_map(i)),
                    _ => false,
                };
                if !ok {
                    return Some("map merge requires map or sequence of maps as the value".into());
                }
            }
            _ => {}
        }
    }
    None
}

/// The offset of a `\/` escape in a double-quoted scalar's source: libyaml
/// reads it as `/`, go-yaml v2 refuses it.
fn slash_escape(text: &str, start: usize, end: usize) -> Option<usize> {
    let raw = text.as_bytes().get(start..end)?;
    if !raw.windows(2).any(|w| w == b"\\/") {
        return None;
    }
    let mut i = 0;
    while i + 1 < raw.len() {
        if raw[i] == b'\\' {
            if raw[i + 1] == b'/' {
                return Some(start + i);
            }
            i += 2;
        } else {
            i += 1;
        }
    }
    None
}

/// The first line at or after the line holding `from` that starts with
/// `---`, and that begins after `after` (so parsing always moves on).
fn next_document_start(text: &str, from: usize, after: usize) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut i = text[..from].rfind('\n').map_or(0, |n| n + 1);
    while i < bytes.len() {
        let rest = &bytes[i..];
        if i > after
            && rest.starts_with(b"---")
            && rest
                .get(3)
                .is_none_or(|c| matches!(c, b' ' | b'\t' | b'\r' | b'\n'))
        {
            return Some(i);
        }
        while i < bytes.len() && bytes[i] != b'\n' {
            i += 1;
        }
        i += 1;
    }
    None
}

/// A tag as libyaml resolves it (`!!int` is `tag:yaml.org,2002:int`).
fn resolve_full_tag(tag: &[u8], text: &str) -> Value {
    let tag = String::from_utf8_lossy(tag);
    match tag.strip_prefix("tag:yaml.org,2002:") {
        Some(suffix) => resolve_tagged("!!", suffix, text),
        None => Value::Str,
    }
}

/// Types a plain scalar the way go-yaml v2 (`resolve.go`) does when decoding
/// into an untyped value, which is what `kubectl` and the API server do.
pub fn resolve_plain(s: &str) -> Value {
    match s {
        "" | "~" | "null" | "Null" | "NULL" => return Value::Null,
        "y" | "Y" | "yes" | "Yes" | "YES" | "on" | "On" | "ON" | "true" | "True" | "TRUE" => {
            return Value::Bool(true);
        }
        "n" | "N" | "no" | "No" | "NO" | "off" | "Off" | "OFF" | "false" | "False" | "FALSE" => {
            return Value::Bool(false);
        }
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => {
            return Value::Float(f64::INFINITY);
        }
        "-.inf" | "-.Inf" | "-.INF" => return Value::Float(f64::NEG_INFINITY),
        ".nan" | ".NaN" | ".NAN" => return Value::Float(f64::NAN),
        _ => {}
    }
    let first = s.as_bytes()[0];
    if !(first.is_ascii_digit() || matches!(first, b'+' | b'-' | b'.')) {
        return Value::Str;
    }
    let plain: Cow<'_, str> = if s.contains('_') {
        Cow::Owned(s.replace('_', ""))
    } else {
        Cow::Borrowed(s)
    };
    if let Some(v) = go_parse_int(&plain) {
        return v;
    }
    if is_yaml_float(&plain)
        && let Ok(f) = plain.parse::<f64>()
    {
        return Value::Float(f);
    }
    // go-yaml v2 also reads "0b…"/"-0b…" as binary; ParseInt base 0 already did.
    Value::Str
}

/// Go's `strconv.ParseInt(s, 0, 64)`, then `ParseUint(s, 0, 64)`.
fn go_parse_int(s: &str) -> Option<Value> {
    let (neg, body) = match s.as_bytes().first()? {
        b'-' => (true, &s[1..]),
        b'+' => (false, &s[1..]),
        _ => (false, s),
    };
    if body.is_empty() {
        return None;
    }
    let (radix, digits) = if let Some(r) = body.strip_prefix("0x").or(body.strip_prefix("0X")) {
        (16, r)
    } else if let Some(r) = body.strip_prefix("0o").or(body.strip_prefix("0O")) {
        (8, r)
    } else if let Some(r) = body.strip_prefix("0b").or(body.strip_prefix("0B")) {
        (2, r)
    } else if body.len() > 1 && body.starts_with('0') {
        (8, &body[1..])
    } else {
        (10, body)
    };
    if digits.is_empty() || !digits.bytes().all(|c| (c as char).is_digit(radix)) {
        return None;
    }
    let mag = u64::from_str_radix(digits, radix).ok()?;
    if neg {
        if mag <= i64::MAX as u64 + 1 {
            Some(Value::Int((mag as i64).wrapping_neg()))
        } else {
            None
        }
    } else if mag <= i64::MAX as u64 {
        Some(Value::Int(mag as i64))
    } else {
        Some(Value::Uint(mag))
    }
}

/// `^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$`
fn is_yaml_float(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    if i < b.len() && (b[i] == b'-' || b[i] == b'+') {
        i += 1;
    }
    let digits = |i: &mut usize| {
        let s = *i;
        while *i < b.len() && b[*i].is_ascii_digit() {
            *i += 1;
        }
        *i - s
    };
    if i < b.len() && b[i] == b'.' {
        i += 1;
        if digits(&mut i) == 0 {
            return false;
        }
    } else {
        if digits(&mut i) == 0 {
            return false;
        }
        if i < b.len() && b[i] == b'.' {
            i += 1;
            digits(&mut i);
        }
    }
    if i < b.len() && (b[i] == b'e' || b[i] == b'E') {
        i += 1;
        if i < b.len() && (b[i] == b'-' || b[i] == b'+') {
            i += 1;
        }
        if digits(&mut i) == 0 {
            return false;
        }
    }
    i == b.len()
}

fn resolve_tagged(handle: &str, suffix: &str, text: &str) -> Value {
    if handle != "!!" && handle != "tag:yaml.org,2002:" {
        return Value::Str;
    }
    match suffix {
        "str" | "binary" | "timestamp" => Value::Str,
        "null" | "bool" | "int" | "float" => match resolve_plain(text) {
            v @ Value::Null if suffix == "null" => v,
            v @ Value::Bool(_) if suffix == "bool" => v,
            v @ (Value::Int(_) | Value::Uint(_)) if suffix == "int" || suffix == "float" => v,
            v @ Value::Float(_) if suffix == "float" => v,
            _ => Value::Str,
        },
        _ => Value::Str,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_yaml_v2_scalars() {
        assert_eq!(resolve_plain("yes"), Value::Bool(true));
        assert_eq!(resolve_plain("On"), Value::Bool(true));
        assert_eq!(resolve_plain("n"), Value::Bool(false));
        assert_eq!(resolve_plain("0644"), Value::Int(420));
        assert_eq!(resolve_plain("0o644"), Value::Int(420));
        assert_eq!(resolve_plain("0x1F"), Value::Int(31));
        assert_eq!(resolve_plain("0b101"), Value::Int(5));
        assert_eq!(resolve_plain("-0b101"), Value::Int(-5));
        assert_eq!(resolve_plain("1_000"), Value::Int(1000));
        assert_eq!(resolve_plain("+7"), Value::Int(7));
        assert_eq!(resolve_plain("12:30"), Value::Str);
        assert_eq!(resolve_plain("1e3"), Value::Float(1000.0));
        assert_eq!(resolve_plain(".5"), Value::Float(0.5));
        // "08" is not octal, but it matches the float pattern.
        assert_eq!(resolve_plain("08"), Value::Float(8.0));
        assert_eq!(resolve_plain("2001-12-14"), Value::Str);
        assert_eq!(resolve_plain("~"), Value::Null);
        assert_eq!(resolve_plain("nginx"), Value::Str);
        assert_eq!(resolve_plain("-"), Value::Str);
        assert_eq!(resolve_plain("18446744073709551615"), Value::Uint(u64::MAX));
        assert_eq!(resolve_plain("-9223372036854775808"), Value::Int(i64::MIN));
    }

    #[test]
    fn positions_are_bytes_lines_and_char_columns() {
        let text = "a: \"ü\"\n---\nkind: Pod\nspec:\n  x: ü\n";
        let s = parse(text);
        assert!(s.errors.is_empty(), "{:?}", s.errors);
        assert_eq!(s.docs.len(), 2);
        let d = &s.docs[1];
        let (_, spec) = d.get(d.root.unwrap(), "spec").unwrap();
        let (k, v) = d.get(spec, "x").unwrap();
        let kp = d.node(k).pos;
        assert_eq!((kp.line, kp.col), (5, 3));
        let vp = d.node(v).pos;
        assert_eq!(&text[vp.start as usize..vp.end as usize], "ü");
    }

    #[test]
    fn recovers_after_a_broken_document() {
        let s = parse("kind: A\n---\nkind: [B\n---\nkind: C\n");
        assert_eq!(s.errors.len(), 1);
        let kinds: Vec<_> = s
            .docs
            .iter()
            .map(|d| {
                d.key_str(d.get(d.root.unwrap(), "kind").unwrap().1)
                    .into_owned()
            })
            .collect();
        assert_eq!(kinds, ["A", "C"]);
        assert_eq!(s.errors[0].pos.line, 4);
    }

    #[test]
    fn merge_keys_and_last_wins() {
        let s = parse("base: &b {x: 1, z: 2}\nm:\n  x: 0\n  <<: *b\n  z: 3\n  z: 4\n  y: 5\n");
        let d = &s.docs[0];
        let (_, m) = d.get(d.root.unwrap(), "m").unwrap();
        let val = |k| match d.kind(d.get(m, k).unwrap().1) {
            NodeKind::Scalar(s) => s.value,
            _ => panic!(),
        };
        // go-yaml v2 applies the merge where it stands: it overrides x: 0.
        assert_eq!(val("x"), Value::Int(1));
        assert_eq!(val("z"), Value::Int(4));
        // `y` is a YAML 1.1 boolean, so the key is "true".
        assert!(d.get(m, "y").is_none());
        assert_eq!(val("true"), Value::Int(5));
    }

    #[test]
    fn alias_bombs_are_refused() {
        let mut t = String::from("a: &a [x,x,x,x,x,x,x,x,x,x]\n");
        for i in 0..8 {
            let prev = if i == 0 {
                "a".to_string()
            } else {
                format!("l{}", i - 1)
            };
            t.push_str(&format!(
                "l{i}: &l{i} [*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev}]\n"
            ));
        }
        let s = parse(&t);
        assert!(s.docs.is_empty());
        assert_eq!(s.errors[0].message, "document contains excessive aliasing");
    }

    #[test]
    fn go_yaml_readings_libyaml_refuses() {
        let t = "a: 1\n---\nb: \"it\\'s \\'x\\'\"\nc: {d:}\ne: [f:, g]\n---\nh: \"\\'\"\n";
        let s = parse(t);
        assert!(s.errors.is_empty(), "{:?}", s.errors);
        assert_eq!(s.docs.len(), 3);
        let d = &s.docs[1];
        let r = d.root.unwrap();
        let text = |id| match d.kind(id) {
            NodeKind::Scalar(s) => s.text.to_string(),
            _ => panic!(),
        };
        assert_eq!(text(d.get(r, "b").unwrap().1), "it's 'x'");
        let (_, c) = d.get(r, "c").unwrap();
        // go-yaml keeps the colon: the key is `d:`.
        assert!(d.get(c, "d:").is_some() && d.get(c, "d").is_none());
        let (_, e) = d.get(r, "e").unwrap();
        assert_eq!(text(d.items(e).next().unwrap()), "f:");
        let d = &s.docs[2];
        let (_, h) = d.get(d.root.unwrap(), "h").unwrap();
        assert!(matches!(d.kind(h), NodeKind::Scalar(s) if s.text == "'"));
        // Spans still point into the original text.
        let (_, b) = s.docs[1].get(s.docs[1].root.unwrap(), "b").unwrap();
        let p = s.docs[1].node(b).pos;
        assert_eq!(&t[p.start as usize..p.end as usize], "\"it\\'s \\'x\\'\"");
    }

    #[test]
    fn many_patches_in_one_document() {
        let mut t = String::from("x: 1\n---\na: \"");
        for _ in 0..2_000 {
            t.push_str("\\'");
        }
        t.push_str("\"\n");
        let s = parse(&t);
        assert!(s.errors.is_empty(), "{:?}", s.errors);
        let d = &s.docs[1];
        let (_, a) = d.get(d.root.unwrap(), "a").unwrap();
        assert!(matches!(d.kind(a), NodeKind::Scalar(s) if s.text == "'".repeat(2_000)));
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        let t = "[".repeat(100_000);
        let s = parse(&t);
        assert_eq!(s.errors.len(), 1);
    }
}
