//! YAML streams → span trees, with Kubernetes' (go-yaml v2) scalar typing.

use std::borrow::Cow;
use std::collections::HashMap;

use saphyr_parser::{Event, Marker, Parser, ScalarStyle, Span};

use super::tree::{Children, Doc, Node, NodeId, NodeKind, Pos, Scalar, Value};
use super::{ParseError, Stream};

/// Deeper nesting than this is refused (no Kubernetes object comes close).
pub const MAX_DEPTH: usize = 512;

/// Maps the parser's character indices to byte offsets.
struct Offsets {
    /// Byte offset of every char, plus the text length; empty for ASCII text.
    table: Vec<u32>,
}

impl Offsets {
    fn new(text: &str) -> Offsets {
        if text.is_ascii() {
            return Offsets { table: Vec::new() };
        }
        let mut table: Vec<u32> = text.char_indices().map(|(b, _)| b as u32).collect();
        table.push(text.len() as u32);
        Offsets { table }
    }

    fn byte(&self, char_index: usize) -> u32 {
        if self.table.is_empty() {
            char_index as u32
        } else {
            let i = char_index.min(self.table.len() - 1);
            self.table[i]
        }
    }

    fn char_index(&self, byte: usize) -> usize {
        if self.table.is_empty() {
            byte
        } else {
            self.table.partition_point(|&b| (b as usize) < byte)
        }
    }
}

/// Where the slice being parsed starts in the whole text.
#[derive(Clone, Copy)]
struct Base {
    char_index: usize,
    line: usize,
}

struct Ctx<'o> {
    offsets: &'o Offsets,
    base: Base,
}

impl Ctx<'_> {
    fn pos(&self, span: &Span) -> Pos {
        Pos {
            start: self.offsets.byte(self.base.char_index + span.start.index()),
            end: self.offsets.byte(self.base.char_index + span.end.index()),
            line: (self.base.line + span.start.line() - 1) as u32,
            col: span.start.col() as u32 + 1,
        }
    }

    fn marker_pos(&self, m: &Marker) -> Pos {
        let start = self.offsets.byte(self.base.char_index + m.index());
        Pos {
            start,
            end: start,
            line: (self.base.line + m.line() - 1) as u32,
            col: m.col() as u32 + 1,
        }
    }
}

/// An open collection; its children so far are `scratch[start..]`.
struct Open {
    id: NodeId,
    is_map: bool,
    start: usize,
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
    anchors: HashMap<usize, NodeId>,
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

    fn push(&mut self, kind: NodeKind<'a>, pos: Pos, anchor: usize) -> NodeId {
        let id = self.nodes.len() as NodeId;
        self.nodes.push(Node {
            kind,
            pos,
            anchored: anchor != 0,
            flow: false,
        });
        self.cost.push(Cost::default());
        if anchor != 0 {
            self.anchors.insert(anchor, id);
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

    fn sum(&self, ids: impl Iterator<Item = NodeId>) -> Cost {
        let mut c = Cost::default();
        for id in ids {
            let k = self.cost[id as usize];
            c.total = c.total.saturating_add(k.total);
            c.aliased = c.aliased.saturating_add(k.aliased);
        }
        c
    }

    fn finish(mut self, pos: Pos) -> Result<Doc<'a>, String> {
        self.nodes.shrink_to_fit();
        self.pairs.shrink_to_fit();
        self.seq_items.shrink_to_fit();
        if let Some(root) = self.root {
            let c = self.cost[root as usize];
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
        let pos = self.root.map(|r| self.nodes[r as usize].pos).unwrap_or(pos);
        Ok(Doc {
            nodes: self.nodes,
            pairs: self.pairs,
            seq_items: self.seq_items,
            root: self.root,
            pos,
            json: false,
        })
    }
}

/// Parses a YAML stream. A syntax error ends the document it is in; parsing
/// resumes at the next `---` line so later documents are still read.
pub fn parse(text: &str) -> Stream<'_> {
    let offsets = Offsets::new(text);
    let mut stream = Stream::default();
    let mut base = Base {
        char_index: 0,
        line: 1,
    };
    let mut byte_base = 0usize;
    loop {
        let ctx = Ctx {
            offsets: &offsets,
            base,
        };
        match parse_from(&text[byte_base..], &ctx, &mut stream) {
            Ok(()) => break,
            Err(err) => {
                let resume_from = err.pos.start as usize;
                stream.errors.push(err);
                // Resume at the next line that starts a document.
                let Some(next) = next_document_start(text, resume_from.max(byte_base), byte_base)
                else {
                    break;
                };
                byte_base = next;
                base = Base {
                    char_index: offsets.char_index(next),
                    line: 1 + text.as_bytes()[..next]
                        .iter()
                        .filter(|&&b| b == b'\n')
                        .count(),
                };
            }
        }
    }
    stream
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

fn parse_from<'a>(text: &'a str, ctx: &Ctx<'_>, stream: &mut Stream<'a>) -> Result<(), ParseError> {
    let mut parser = Parser::new_from_str(text);
    // Documents start small and grow: reserving for the whole file in every
    // document made a many-document file allocate quadratically.
    let capacity = 64;
    let mut b = Builder::new(0);
    let mut doc_pos = Pos::default();
    let mut in_doc = false;
    while let Some(item) = parser.next_event() {
        let (event, span) = item.map_err(|e| ParseError {
            pos: ctx.marker_pos(e.marker()),
            // saphyr's own depth limit (flow collections) gets the same
            // wording as ours.
            message: match e.info() {
                "recursion limit exceeded" => super::TOO_DEEP.to_string(),
                other => other.to_string(),
            },
        })?;
        let err = |msg: &str| ParseError {
            pos: ctx.pos(&span),
            message: msg.to_string(),
        };
        match event {
            Event::StreamStart | Event::StreamEnd | Event::Nothing => {}
            Event::DocumentStart(_) => {
                b = Builder::new(capacity);
                doc_pos = ctx.pos(&span);
                in_doc = true;
            }
            Event::DocumentEnd => {
                if in_doc {
                    let mut done = std::mem::replace(&mut b, Builder::new(0));
                    let base = ctx.offsets.byte(ctx.base.char_index) as usize;
                    super::tree::settle_spans(&mut done.nodes, &done.pairs, text, base);
                    let doc = done.finish(doc_pos).map_err(|m| err(&m))?;
                    stream.docs.push(doc);
                }
                in_doc = false;
            }
            Event::Scalar(text, style, anchor, tag) => {
                let value = match (style, &tag) {
                    (_, Some(t)) => resolve_tagged(&t.handle, &t.suffix, &text),
                    (ScalarStyle::Plain, None) => resolve_plain(&text),
                    // Quoted and block scalars are always strings.
                    _ => Value::Str,
                };
                let id = b.push(
                    NodeKind::Scalar(Scalar { text, value }),
                    ctx.pos(&span),
                    anchor,
                );
                b.close(id, Cost::default());
                b.attach(id);
            }
            Event::Alias(anchor) => {
                let Some(&target) = b.anchors.get(&anchor) else {
                    return Err(err("unknown anchor"));
                };
                let tc = b.cost[target as usize];
                if !tc.closed {
                    return Err(err("an alias may not refer to a node that contains it"));
                }
                let id = b.push(NodeKind::Alias(target), ctx.pos(&span), 0);
                b.cost[id as usize] = Cost {
                    total: tc.total.saturating_add(1),
                    aliased: tc.total,
                    closed: true,
                };
                b.attach(id);
            }
            Event::SequenceStart(anchor, _) | Event::MappingStart(anchor, _) => {
                if b.stack.len() >= MAX_DEPTH {
                    return Err(err(super::TOO_DEEP));
                }
                let is_map = matches!(event, Event::MappingStart(..));
                let pos = ctx.pos(&span);
                let kind = if is_map {
                    NodeKind::Map(Children::default())
                } else {
                    NodeKind::Seq(Children::default())
                };
                let id = b.push(kind, pos, anchor);
                let start = b.scratch.len();
                b.stack.push(Open { id, is_map, start });
            }
            Event::SequenceEnd | Event::MappingEnd => {
                // A flow collection's end event covers its closing bracket;
                // a block collection's is empty, at the next token.
                let ep = ctx.pos(&span);
                let flow = ep.end > ep.start;
                let end = if flow { ep.end } else { ep.start };
                let Some(open) = b.stack.pop() else {
                    return Err(err("unbalanced collection end"));
                };
                let id = open.id;
                let children = &b.scratch[open.start..];
                let cost = b.sum(children.iter().copied());
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
    }
    Ok(())
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
    fn deep_nesting_is_an_error_not_a_crash() {
        let t = "[".repeat(100_000);
        let s = parse(&t);
        assert_eq!(s.errors.len(), 1);
    }
}
