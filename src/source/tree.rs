//! A span-carrying document tree shared by the YAML and JSON readers.
//!
//! Nodes live in an arena (`Doc::nodes`) and are addressed by `NodeId`.
//! Aliases are kept as references to their anchor's node (never copied), so
//! a hostile document cannot make us allocate its expansion.

use std::borrow::Cow;

pub type NodeId = u32;

/// Where a node sits in the original text. `start`/`end` are byte offsets;
/// `line` is 1-based, `col` is the 1-based character column.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Pos {
    pub start: u32,
    pub end: u32,
    pub line: u32,
    pub col: u32,
}

/// The value of a scalar as Kubernetes' YAML reader (go-yaml v2) sees it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    Int(i64),
    /// Integers that only fit an unsigned 64-bit value.
    Uint(u64),
    Float(f64),
    Str,
}

#[derive(Debug)]
pub struct Scalar<'a> {
    /// The scalar's text after unescaping (for strings, the string itself).
    pub text: Cow<'a, str>,
    pub value: Value,
}

#[derive(Debug)]
pub enum NodeKind<'a> {
    Scalar(Scalar<'a>),
    /// Key/value pairs in source order (in `Doc::pairs`). Duplicates are
    /// kept; lookups take the last one, as go-yaml v2 does.
    Map(Children),
    /// Items in order (in `Doc::items`).
    Seq(Children),
    /// An alias to the node carrying the anchor.
    Alias(NodeId),
}

/// Where a collection's children sit in the document's arenas.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Children {
    pub start: u32,
    pub len: u32,
}

impl Children {
    fn range(self) -> std::ops::Range<usize> {
        self.start as usize..(self.start + self.len) as usize
    }
}

#[derive(Debug)]
pub struct Node<'a> {
    pub kind: NodeKind<'a>,
    pub pos: Pos,
    /// The node carries an anchor (`&a`): other places may share it.
    pub anchored: bool,
    /// A flow collection (`{…}`, `[…]`, and every JSON collection), as
    /// the parser read it; false for block collections and scalars.
    pub flow: bool,
}

/// Settles the spans the editor builds on, whatever the parser reported:
/// a scalar ends at its last character of content (a block scalar's span
/// would include its trailing line breaks), and an empty value (`key:`,
/// `{key}`, `{key:}`) is a zero-length span just after its key's colon, or
/// after the key when there is none (never on a bracket, never before the
/// colon). `text` is the parsed slice, which starts at byte `base` of the
/// whole text.
pub fn settle_spans(nodes: &mut [Node<'_>], pairs: &[(NodeId, NodeId)], text: &str, base: usize) {
    let local = |abs: u32| (abs as usize).saturating_sub(base).min(text.len());
    for n in nodes.iter_mut() {
        if let NodeKind::Scalar(s) = &n.kind
            && !s.text.is_empty()
        {
            let (s0, e0) = (local(n.pos.start), local(n.pos.end));
            if s0 < e0 {
                let trimmed = text[s0..e0].trim_end_matches([' ', '\t', '\r', '\n']);
                if !trimmed.is_empty() {
                    n.pos.end = (base + s0 + trimmed.len()) as u32;
                }
            }
        }
    }
    for &(k, v) in pairs {
        let empty = matches!(&nodes[v as usize].kind, NodeKind::Scalar(s) if s.text.is_empty() && s.value == Value::Null);
        if !empty || !matches!(nodes[k as usize].kind, NodeKind::Scalar(_)) {
            continue;
        }
        let kp = nodes[k as usize].pos;
        let (ks, ke) = (local(kp.start), local(kp.end));
        let rest = &text[ke..];
        let gap = rest.len() - rest.trim_start_matches([' ', '\t']).len();
        let at = if rest[gap..].starts_with(':') {
            ke + gap + 1
        } else {
            ke
        };
        if text[ks..at].contains('\n') {
            continue;
        }
        let col = kp.col + text[ks..at].chars().count() as u32;
        let abs = (base + at) as u32;
        nodes[v as usize].pos = Pos {
            start: abs,
            end: abs,
            line: kp.line,
            col,
        };
    }
}

/// One document of a stream.
#[derive(Debug)]
pub struct Doc<'a> {
    pub nodes: Vec<Node<'a>>,
    /// Every mapping's key/value pairs, one run per mapping.
    pub pairs: Vec<(NodeId, NodeId)>,
    /// Every sequence's items, one run per sequence.
    pub seq_items: Vec<NodeId>,
    pub root: Option<NodeId>,
    /// Position of the document's first content (or of the document marker).
    pub pos: Pos,
    /// Read from JSON (typed by the JSON grammar) rather than YAML.
    pub json: bool,
}

/// What a scalar or collection is, for messages.
pub fn type_name(kind: &NodeKind<'_>) -> &'static str {
    match kind {
        NodeKind::Scalar(s) => match s.value {
            Value::Null => "null",
            Value::Bool(_) => "boolean",
            Value::Int(_) | Value::Uint(_) => "integer",
            Value::Float(_) => "number",
            Value::Str => "string",
        },
        NodeKind::Map(_) => "mapping",
        NodeKind::Seq(_) => "sequence",
        NodeKind::Alias(_) => "alias",
    }
}

pub const MERGE_KEY: &str = "<<";

impl<'a> Doc<'a> {
    pub fn node(&self, id: NodeId) -> &Node<'a> {
        &self.nodes[id as usize]
    }

    /// Follows an alias to the node it names (aliases never point at aliases).
    pub fn resolve(&self, id: NodeId) -> NodeId {
        match self.nodes[id as usize].kind {
            NodeKind::Alias(t) => t,
            _ => id,
        }
    }

    /// The pairs of a mapping node (empty for anything else).
    pub fn pairs_of(&self, id: NodeId) -> &[(NodeId, NodeId)] {
        match self.nodes[id as usize].kind {
            NodeKind::Map(c) => &self.pairs[c.range()],
            _ => &[],
        }
    }

    /// The items of a sequence node (empty for anything else).
    pub fn items_of(&self, id: NodeId) -> &[NodeId] {
        match self.nodes[id as usize].kind {
            NodeKind::Seq(c) => &self.seq_items[c.range()],
            _ => &[],
        }
    }

    pub fn kind(&self, id: NodeId) -> &NodeKind<'a> {
        &self.nodes[self.resolve(id) as usize].kind
    }

    pub fn is_null(&self, id: NodeId) -> bool {
        matches!(
            self.kind(id),
            NodeKind::Scalar(Scalar {
                value: Value::Null,
                ..
            })
        )
    }

    /// The text of a key node, as Kubernetes stringifies map keys.
    pub fn key_str(&self, id: NodeId) -> Cow<'_, str> {
        match self.kind(id) {
            NodeKind::Scalar(s) => match s.value {
                Value::Str => Cow::Borrowed(&*s.text),
                Value::Bool(b) => Cow::Borrowed(if b { "true" } else { "false" }),
                Value::Int(i) => Cow::Owned(i.to_string()),
                Value::Uint(u) => Cow::Owned(u.to_string()),
                Value::Null => Cow::Borrowed("null"),
                Value::Float(_) => Cow::Borrowed(&*s.text),
            },
            _ => Cow::Borrowed(""),
        }
    }

    fn key_is(&self, id: NodeId, key: &str) -> bool {
        match self.kind(id) {
            NodeKind::Scalar(s) => match s.value {
                Value::Str => s.text == key,
                _ => self.key_str(id) == key,
            },
            _ => false,
        }
    }

    /// A YAML merge key (`<<`). JSON has none: Kubernetes decodes JSON
    /// with a JSON decoder, and every JSON key is a quoted string.
    fn is_merge_key(&self, id: NodeId) -> bool {
        if self.json {
            return false;
        }
        let n = self.node(id);
        matches!(&n.kind, NodeKind::Scalar(s) if s.text == MERGE_KEY && s.value == Value::Str)
    }

    /// Looks `key` up in mapping `map` (after following an alias). The last
    /// occurrence wins, and YAML merge keys (`<<: *base`) are honoured with
    /// go-yaml v2's precedence. Returns `(key node, value node)`, the value
    /// with its alias followed.
    pub fn get(&self, map: NodeId, key: &str) -> Option<(NodeId, NodeId)> {
        self.get_depth(map, key, 0)
    }

    fn get_depth(&self, map: NodeId, key: &str, depth: u32) -> Option<(NodeId, NodeId)> {
        let map = self.resolve(map);
        if !matches!(self.nodes[map as usize].kind, NodeKind::Map(_)) || depth > 16 {
            return None;
        }
        let pairs = self.pairs_of(map);
        // JSON keys are all quoted: none is a merge key.
        if self.json {
            return pairs
                .iter()
                .rev()
                .find(|&&(k, _)| self.key_is(k, key))
                .map(|&(k, v)| (k, self.resolve(v)));
        }
        for &(k, v) in pairs.iter().rev() {
            if self.is_merge_key(k) {
                let v = self.resolve(v);
                match &self.node(v).kind {
                    NodeKind::Map(_) => {
                        if let Some(hit) = self.get_depth(v, key, depth + 1) {
                            return Some(hit);
                        }
                    }
                    // Earlier mappings of a merge sequence take precedence.
                    NodeKind::Seq(_) => {
                        for &item in self.items_of(v) {
                            if let Some(hit) = self.get_depth(item, key, depth + 1) {
                                return Some(hit);
                            }
                        }
                    }
                    _ => {}
                }
            } else if self.key_is(k, key) {
                return Some((k, self.resolve(v)));
            }
        }
        None
    }

    /// Every effective `(key, value)` of a mapping, merges expanded, last
    /// occurrence of each key winning, in first-seen order.
    pub fn entries(&self, map: NodeId) -> Vec<(Cow<'_, str>, NodeId, NodeId)> {
        let mut out: Vec<(Cow<'_, str>, NodeId, NodeId)> = Vec::new();
        self.collect_entries(map, &mut out, 0);
        out
    }

    fn collect_entries<'s>(
        &'s self,
        map: NodeId,
        out: &mut Vec<(Cow<'s, str>, NodeId, NodeId)>,
        depth: u32,
    ) {
        let map = self.resolve(map);
        if !matches!(self.nodes[map as usize].kind, NodeKind::Map(_)) || depth > 16 {
            return;
        }
        for &(k, v) in self.pairs_of(map) {
            if self.is_merge_key(k) {
                let v = self.resolve(v);
                match &self.node(v).kind {
                    NodeKind::Map(_) => self.collect_entries(v, out, depth + 1),
                    NodeKind::Seq(_) => {
                        for &item in self.items_of(v).iter().rev() {
                            self.collect_entries(item, out, depth + 1);
                        }
                    }
                    _ => {}
                }
                continue;
            }
            let name = self.key_str(k);
            let v = self.resolve(v);
            if let Some(slot) = out.iter_mut().find(|e| e.0 == name) {
                slot.1 = k;
                slot.2 = v;
            } else {
                out.push((name, k, v));
            }
        }
    }

    /// Items of a sequence (aliases followed).
    pub fn items(&self, seq: NodeId) -> impl Iterator<Item = NodeId> + '_ {
        self.items_of(self.resolve(seq))
            .iter()
            .map(|&i| self.resolve(i))
    }
}
