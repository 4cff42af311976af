//! JSON documents → span trees (JSON is typed by its own grammar).

use std::borrow::Cow;

use jsonc_parser::ast;
use jsonc_parser::{CollectOptions, ParseOptions, parse_to_ast};

use super::tree::{Children, Doc, Node, NodeId, NodeKind, Scalar, Value};
use super::{LineIndex, ParseError, Stream};

/// The JSON parser recurses, so nesting is checked before it runs.
const MAX_DEPTH: usize = super::yaml::MAX_DEPTH;

pub fn parse(full: &str) -> Stream<'_> {
    let index = LineIndex::new(full);
    // A byte-order mark is skipped; ranges are shifted back onto `full`.
    let base = if full.starts_with('\u{feff}') { 3 } else { 0 };
    let text = &full[base..];
    let mut stream = Stream::default();
    if let Some(at) = too_deep(text) {
        stream.errors.push(ParseError {
            pos: index.pos(base + at, base + at),
            message: super::TOO_DEEP.into(),
        });
        return stream;
    }
    let options = ParseOptions {
        allow_comments: false,
        allow_loose_object_property_names: false,
        allow_trailing_commas: false,
        allow_missing_commas: false,
        allow_single_quoted_strings: false,
        allow_hexadecimal_numbers: false,
        allow_unary_plus_numbers: false,
        ..ParseOptions::default()
    };
    match parse_to_ast(text, &CollectOptions::default(), &options) {
        Err(e) => stream.errors.push(ParseError {
            pos: index.pos(base + e.range().start, base + e.range().end),
            message: e.kind().to_string(),
        }),
        Ok(result) => {
            if let Some(value) = result.value {
                let mut b = JsonBuilder {
                    nodes: Vec::new(),
                    pairs: Vec::new(),
                    seq_items: Vec::new(),
                    index: &index,
                    base,
                };
                let root = b.add(&value);
                let pos = b.nodes[root as usize].pos;
                stream.docs.push(Doc {
                    nodes: b.nodes,
                    pairs: b.pairs,
                    seq_items: b.seq_items,
                    root: Some(root),
                    pos,
                    json: true,
                });
            }
        }
    }
    stream
}

/// Offset of the first bracket nested deeper than `MAX_DEPTH`, outside strings.
fn too_deep(text: &str) -> Option<usize> {
    let mut depth = 0usize;
    let mut in_str = false;
    let mut escaped = false;
    for (i, b) in text.bytes().enumerate() {
        if in_str {
            if escaped {
                escaped = false;
            } else if b == b'\\' {
                escaped = true;
            } else if b == b'"' {
                in_str = false;
            }
            continue;
        }
        match b {
            b'"' => in_str = true,
            b'{' | b'[' => {
                depth += 1;
                if depth > MAX_DEPTH {
                    return Some(i);
                }
            }
            b'}' | b']' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    None
}

struct JsonBuilder<'a, 'i> {
    nodes: Vec<Node<'a>>,
    pairs: Vec<(NodeId, NodeId)>,
    seq_items: Vec<NodeId>,
    index: &'i LineIndex<'i>,
    base: usize,
}

impl<'a> JsonBuilder<'a, '_> {
    fn push(&mut self, kind: NodeKind<'a>, start: usize, end: usize) -> NodeId {
        let id = self.nodes.len() as NodeId;
        let flow = !matches!(kind, NodeKind::Scalar(_) | NodeKind::Alias(_));
        self.nodes.push(Node {
            kind,
            pos: self.index.pos(self.base + start, self.base + end),
            anchored: false,
            flow,
        });
        id
    }

    fn scalar(
        &mut self,
        text: Cow<'a, str>,
        value: Value,
        r: jsonc_parser::common::Range,
    ) -> NodeId {
        self.push(NodeKind::Scalar(Scalar { text, value }), r.start, r.end)
    }

    fn add(&mut self, v: &ast::Value<'a>) -> NodeId {
        match v {
            ast::Value::StringLit(s) => self.scalar(s.value.clone(), Value::Str, s.range),
            ast::Value::NumberLit(n) => {
                let value = if let Ok(i) = n.value.parse::<i64>() {
                    Value::Int(i)
                } else if let Ok(u) = n.value.parse::<u64>() {
                    Value::Uint(u)
                } else {
                    Value::Float(n.value.parse::<f64>().unwrap_or(f64::NAN))
                };
                self.scalar(Cow::Borrowed(n.value), value, n.range)
            }
            ast::Value::BooleanLit(b) => {
                let t = if b.value { "true" } else { "false" };
                self.scalar(Cow::Borrowed(t), Value::Bool(b.value), b.range)
            }
            ast::Value::NullKeyword(n) => self.scalar(Cow::Borrowed("null"), Value::Null, n.range),
            ast::Value::Array(a) => {
                let id = self.push(
                    NodeKind::Seq(Children::default()),
                    a.range.start,
                    a.range.end,
                );
                let items: Vec<NodeId> = a.elements.iter().map(|e| self.add(e)).collect();
                let start = self.seq_items.len() as u32;
                self.seq_items.extend_from_slice(&items);
                self.nodes[id as usize].kind = NodeKind::Seq(Children {
                    start,
                    len: items.len() as u32,
                });
                id
            }
            ast::Value::Object(o) => {
                let id = self.push(
                    NodeKind::Map(Children::default()),
                    o.range.start,
                    o.range.end,
                );
                let mut entries = Vec::with_capacity(o.properties.len());
                for p in &o.properties {
                    let k = match &p.name {
                        ast::ObjectPropName::String(s) => {
                            self.scalar(s.value.clone(), Value::Str, s.range)
                        }
                        ast::ObjectPropName::Word(w) => {
                            self.scalar(Cow::Borrowed(w.value), Value::Str, w.range)
                        }
                    };
                    let v = self.add(&p.value);
                    entries.push((k, v));
                }
                let start = self.pairs.len() as u32;
                self.pairs.extend_from_slice(&entries);
                self.nodes[id as usize].kind = NodeKind::Map(Children {
                    start,
                    len: entries.len() as u32,
                });
                id
            }
        }
    }
}

/// A document read straight from JSON text (an admission request's object,
/// already decoded once by the API server): one pass with serde_json, no
/// intermediate value, strings borrowed from `text` when they have no
/// escapes; no positions.
pub fn from_json(text: &str) -> Result<Doc<'_>, String> {
    let mut de = serde_json::Deserializer::from_str(text);
    let doc = build(&mut de).map_err(|e| e.to_string())?;
    de.end().map_err(|e| e.to_string())?;
    Ok(doc)
}

/// A document from JSON already parsed (a page of a live list): the same
/// tree, strings borrowed from `v`.
pub fn from_value(v: &serde_json::Value) -> Doc<'_> {
    build(v).unwrap_or_else(|_| Doc {
        nodes: Vec::new(),
        pairs: Vec::new(),
        seq_items: Vec::new(),
        root: None,
        pos: super::Pos::default(),
        json: true,
    })
}

/// Builds the tree from any serde deserializer of JSON (text or value),
/// without positions.
fn build<'de, D: serde::Deserializer<'de>>(de: D) -> Result<Doc<'de>, D::Error> {
    use serde::de::{DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};

    struct Build<'a> {
        nodes: Vec<Node<'a>>,
        pairs: Vec<(NodeId, NodeId)>,
        items: Vec<NodeId>,
        /// Children of the collections being read, innermost last: moved
        /// into `pairs`/`items` when their collection ends (no allocation
        /// per collection).
        pair_stack: Vec<(NodeId, NodeId)>,
        item_stack: Vec<NodeId>,
    }

    impl<'a> Build<'a> {
        fn push(&mut self, kind: NodeKind<'a>) -> NodeId {
            let flow = !matches!(kind, NodeKind::Scalar(_));
            self.nodes.push(Node {
                kind,
                pos: super::Pos::default(),
                anchored: false,
                flow,
            });
            (self.nodes.len() - 1) as NodeId
        }
        fn scalar(&mut self, text: Cow<'a, str>, value: Value) -> NodeId {
            self.push(NodeKind::Scalar(Scalar { text, value }))
        }
    }

    struct Seed<'b, 'a>(&'b mut Build<'a>);

    impl<'de: 'a, 'a> DeserializeSeed<'de> for Seed<'_, 'a> {
        type Value = NodeId;
        fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<NodeId, D::Error> {
            d.deserialize_any(self)
        }
    }

    impl<'de: 'a, 'a> Visitor<'de> for Seed<'_, 'a> {
        type Value = NodeId;
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("JSON")
        }
        fn visit_unit<E>(self) -> Result<NodeId, E> {
            Ok(self.0.scalar(Cow::Borrowed("null"), Value::Null))
        }
        fn visit_bool<E>(self, b: bool) -> Result<NodeId, E> {
            let t = if b { "true" } else { "false" };
            Ok(self.0.scalar(Cow::Borrowed(t), Value::Bool(b)))
        }
        fn visit_i64<E>(self, i: i64) -> Result<NodeId, E> {
            Ok(self.0.scalar(Cow::Owned(i.to_string()), Value::Int(i)))
        }
        fn visit_u64<E>(self, u: u64) -> Result<NodeId, E> {
            let value = i64::try_from(u).map_or(Value::Uint(u), Value::Int);
            Ok(self.0.scalar(Cow::Owned(u.to_string()), value))
        }
        fn visit_f64<E>(self, f: f64) -> Result<NodeId, E> {
            Ok(self.0.scalar(Cow::Owned(f.to_string()), Value::Float(f)))
        }
        fn visit_borrowed_str<E>(self, s: &'de str) -> Result<NodeId, E> {
            Ok(self.0.scalar(Cow::Borrowed(s), Value::Str))
        }
        fn visit_str<E>(self, s: &str) -> Result<NodeId, E> {
            Ok(self.0.scalar(Cow::Owned(s.to_string()), Value::Str))
        }
        fn visit_string<E>(self, s: String) -> Result<NodeId, E> {
            Ok(self.0.scalar(Cow::Owned(s), Value::Str))
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<NodeId, A::Error> {
            let id = self.0.push(NodeKind::Seq(Children::default()));
            let mark = self.0.item_stack.len();
            while let Some(x) = seq.next_element_seed(Seed(&mut *self.0))? {
                self.0.item_stack.push(x);
            }
            let b = &mut *self.0;
            let start = b.items.len() as u32;
            b.items.extend(b.item_stack.drain(mark..));
            b.nodes[id as usize].kind = NodeKind::Seq(Children {
                start,
                len: b.items.len() as u32 - start,
            });
            Ok(id)
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<NodeId, A::Error> {
            let id = self.0.push(NodeKind::Map(Children::default()));
            let mark = self.0.pair_stack.len();
            while let Some(k) = map.next_key_seed(Seed(&mut *self.0))? {
                let v = map.next_value_seed(Seed(&mut *self.0))?;
                self.0.pair_stack.push((k, v));
            }
            let b = &mut *self.0;
            let start = b.pairs.len() as u32;
            b.pairs.extend(b.pair_stack.drain(mark..));
            b.nodes[id as usize].kind = NodeKind::Map(Children {
                start,
                len: b.pairs.len() as u32 - start,
            });
            Ok(id)
        }
    }

    let mut b = Build {
        nodes: Vec::with_capacity(256),
        pairs: Vec::with_capacity(128),
        items: Vec::new(),
        pair_stack: Vec::new(),
        item_stack: Vec::new(),
    };
    let root = Seed(&mut b).deserialize(de)?;
    Ok(Doc {
        nodes: b.nodes,
        pairs: b.pairs,
        seq_items: b.items,
        root: Some(root),
        pos: super::Pos::default(),
        json: true,
    })
}
