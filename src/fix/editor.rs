//! Edits on YAML (block and flow) and JSON text, computed from node spans.
//! Indentation and style are taken from the surrounding lines, the file's
//! line ending is kept, and nodes an alias may share are never edited.

use super::Edit;
use super::gate::{Intent, Seg, path_to};
use crate::source::tree::{Doc, NodeId, NodeKind, Value};

/// A value to write.
#[derive(Clone, Debug, PartialEq)]
pub enum V {
    Bool(bool),
    Int(i64),
    Str(String),
    List(Vec<V>),
    Map(Vec<(String, V)>),
}

impl V {
    /// The value of an existing node (aliases followed), to move it.
    pub fn from_node(doc: &Doc<'_>, node: NodeId, depth: u32) -> Option<V> {
        if depth > 32 {
            return None;
        }
        Some(match doc.kind(node) {
            NodeKind::Scalar(s) => match s.value {
                Value::Bool(b) => V::Bool(b),
                Value::Int(i) => V::Int(i),
                Value::Str => V::Str(s.text.to_string()),
                _ => return None,
            },
            NodeKind::Seq(_) => V::List(
                doc.items(node)
                    .map(|i| V::from_node(doc, i, depth + 1))
                    .collect::<Option<_>>()?,
            ),
            NodeKind::Map(_) => V::Map(
                doc.entries(node)
                    .into_iter()
                    .map(|(k, _, v)| Some((k.into_owned(), V::from_node(doc, v, depth + 1)?)))
                    .collect::<Option<_>>()?,
            ),
            NodeKind::Alias(_) => return None,
        })
    }

    pub fn str(s: &str) -> V {
        V::Str(s.to_string())
    }

    pub fn map(entries: &[(&str, V)]) -> V {
        V::Map(
            entries
                .iter()
                .map(|(k, v)| (k.to_string(), v.clone()))
                .collect(),
        )
    }
}

/// Why no fix could be built.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NoFix(pub &'static str);

pub struct Editor<'a, 'd> {
    pub text: &'a str,
    pub doc: &'d Doc<'d>,
    json: bool,
    eol: &'static str,
    unit: usize,
    shared: Vec<bool>,
    /// The file ends inside a block scalar with no final line break.
    open_block_scalar: std::cell::OnceCell<bool>,
}

fn plain_ok(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"_./-".contains(&b))
        && !s.starts_with('-')
        && crate::source::yaml::resolve_plain(s) == Value::Str
}

impl<'a, 'd> Editor<'a, 'd> {
    pub fn new(text: &'a str, doc: &'d Doc<'d>, json: bool) -> Self {
        // The document's line ending, from its first line: looking at the
        // whole file for every document would make many documents quadratic.
        let from = (doc.pos.start as usize).min(text.len());
        let eol = match text[from..].find('\n') {
            Some(i) if i > 0 && text.as_bytes()[from + i - 1] == b'\r' => "\r\n",
            Some(_) => "\n",
            // A document on the last line: the file's style, if it has one.
            None if text[..from].ends_with("\r\n") => "\r\n",
            None => "\n",
        };
        let mut shared = vec![false; doc.nodes.len()];
        for (i, n) in doc.nodes.iter().enumerate() {
            if n.anchored {
                mark(doc, i as NodeId, &mut shared, 0);
            }
            if let NodeKind::Alias(t) = n.kind {
                mark(doc, t, &mut shared, 0);
            }
        }
        let mut e = Editor {
            text,
            doc,
            json,
            eol,
            unit: 2,
            shared,
            open_block_scalar: std::cell::OnceCell::new(),
        };
        e.unit = e.detect_unit();
        e
    }

    /// The indentation step of nested block mappings in this document.
    fn detect_unit(&self) -> usize {
        for (i, n) in self.doc.nodes.iter().enumerate() {
            if let NodeKind::Map(_) = &n.kind {
                for &(k, v) in self.doc.pairs_of(i as NodeId) {
                    if let Some(&(ck, _)) = self.doc.pairs_of(v).first()
                        && !self.is_flow(v)
                    {
                        let (pc, cc) = (self.doc.node(k).pos.col, self.doc.node(ck).pos.col);
                        if cc > pc {
                            return (cc - pc) as usize;
                        }
                    }
                }
            }
        }
        2
    }

    pub fn is_shared(&self, node: NodeId) -> bool {
        self.shared.get(node as usize).copied().unwrap_or(true)
    }

    fn is_flow(&self, node: NodeId) -> bool {
        self.doc.node(node).flow
    }

    // ---- rendering ----

    fn scalar(&self, v: &V) -> String {
        match v {
            V::Bool(b) => b.to_string(),
            V::Int(i) => i.to_string(),
            V::Str(s) if !self.json && plain_ok(s) => s.clone(),
            V::Str(s) => serde_json::to_string(s).unwrap_or_default(),
            V::List(items) => {
                let inner: Vec<String> = items.iter().map(|i| self.scalar(i)).collect();
                format!("[{}]", inner.join(", "))
            }
            V::Map(entries) => {
                let inner: Vec<String> = entries
                    .iter()
                    .map(|(k, v)| format!("{}: {}", self.key(k), self.scalar(v)))
                    .collect();
                format!("{{{}}}", inner.join(", "))
            }
        }
    }

    fn key(&self, k: &str) -> String {
        if self.json {
            serde_json::to_string(k).unwrap_or_default()
        } else {
            k.to_string()
        }
    }

    /// `key: value` as block lines starting at column `indent` (the first
    /// line has no leading indentation).
    fn block_entry(&self, key: &str, v: &V, indent: usize) -> String {
        match v {
            V::List(items) if !self.json && items.iter().any(|i| matches!(i, V::Map(_))) => {
                let mut s = format!("{key}:");
                for item in items {
                    s.push_str(self.eol);
                    s.push_str(&" ".repeat(indent + self.unit));
                    s.push_str("- ");
                    s.push_str(&self.block_item(item, indent + self.unit + 2));
                }
                s
            }
            V::Map(entries) if !self.json && !entries.is_empty() => {
                let mut s = format!("{key}:");
                for (k, child) in entries {
                    s.push_str(self.eol);
                    s.push_str(&" ".repeat(indent + self.unit));
                    s.push_str(&self.block_entry(k, child, indent + self.unit));
                }
                s
            }
            _ => format!("{}: {}", self.key(key), self.scalar(v)),
        }
    }

    /// A list item's text after its `- ` (mappings continue on further
    /// lines at `indent`).
    fn block_item(&self, v: &V, indent: usize) -> String {
        match v {
            V::Map(entries) if !entries.is_empty() => {
                let mut s = String::new();
                for (i, (k, child)) in entries.iter().enumerate() {
                    if i > 0 {
                        s.push_str(self.eol);
                        s.push_str(&" ".repeat(indent));
                    }
                    s.push_str(&self.block_entry(k, child, indent));
                }
                s
            }
            other => self.scalar(other),
        }
    }

    // ---- positions ----

    fn line_start(&self, at: usize) -> usize {
        self.text[..at].rfind('\n').map_or(0, |i| i + 1)
    }

    /// Where the line holding `at` ends (before `\r\n` or `\n`).
    fn line_end(&self, at: usize) -> usize {
        let e = self.text[at..]
            .find('\n')
            .map_or(self.text.len(), |i| at + i);
        if e > 0 && self.text.as_bytes().get(e - 1) == Some(&b'\r') && e > at {
            e - 1
        } else {
            e
        }
    }

    /// The end of the last scalar under `node` (its last line of content).
    fn content_end(&self, node: NodeId, depth: u32) -> usize {
        let n = self.doc.node(node);
        match &n.kind {
            NodeKind::Scalar(_) | NodeKind::Alias(_) => n.pos.end as usize,
            _ if self.is_flow(node) => self.flow_end(node, depth),
            // A block collection's children are in text order: its content
            // ends where its last child's does (the last key, if its value
            // is empty).
            NodeKind::Map(_) if depth < 64 => self
                .doc
                .pairs_of(node)
                .last()
                .map(|&(k, v)| {
                    self.content_end(k, depth + 1)
                        .max(self.content_end(v, depth + 1))
                })
                .unwrap_or(n.pos.start as usize),
            NodeKind::Seq(_) if depth < 64 => self
                .doc
                .items_of(node)
                .last()
                .map(|&c| self.content_end(c, depth + 1))
                .unwrap_or(n.pos.start as usize),
            _ => n.pos.end as usize,
        }
    }

    /// Just past the closing bracket of a flow collection (found from its
    /// last child, past commas, blanks and comments).
    fn flow_end(&self, node: NodeId, depth: u32) -> usize {
        let n = self.doc.node(node);
        let (close, last) = match &n.kind {
            NodeKind::Map(_) => ('}', self.doc.pairs_of(node).last().map(|&(_, v)| v)),
            NodeKind::Seq(_) => (']', self.doc.items_of(node).last().copied()),
            _ => return n.pos.end as usize,
        };
        let mut i = match last {
            Some(c) if depth < 64 => self.content_end(c, depth + 1),
            _ => n.pos.start as usize + 1,
        };
        let b = self.text.as_bytes();
        while i < b.len() {
            match b[i] {
                b' ' | b'\t' | b'\r' | b'\n' | b',' => i += 1,
                b'#' => {
                    while i < b.len() && b[i] != b'\n' {
                        i += 1;
                    }
                }
                c if c as char == close => return i + 1,
                _ => break,
            }
        }
        n.pos.end as usize
    }

    fn col0(&self, node: NodeId) -> usize {
        let start = self.doc.node(node).pos.start as usize;
        self.text[self.line_start(start)..start].chars().count()
    }

    fn indentation_ok(&self, at: usize) -> bool {
        let ls = self.line_start(at);
        !self.text[ls..at].contains('\t')
    }

    // ---- intents ----

    fn path(&self, node: NodeId) -> Vec<Seg> {
        path_to(self.doc, node)
    }

    /// Tags edits with what they mean to change: the subtree at `node`
    /// (and `key` under it), or new items at the end of the list `node`.
    fn intend(
        &self,
        mut edits: Vec<Edit>,
        node: NodeId,
        key: Option<&str>,
        append: bool,
    ) -> Vec<Edit> {
        let mut path = self.path(node);
        if let Some(k) = key {
            path.push(Seg::Key(k.to_string()));
        }
        let intent = Intent {
            doc: self.doc.pos.start,
            path,
            append,
        };
        for e in &mut edits {
            if e.intent.is_none() {
                e.intent = Some(intent.clone());
            }
        }
        edits
    }

    // ---- edits ----

    /// Sets `key` to `v` in mapping `map`: replaces a scalar value, fills a
    /// null one, merges into a mapping, or inserts the key.
    pub fn set(&self, map: NodeId, key: &str, v: &V) -> Result<Vec<Edit>, NoFix> {
        let edits = self.set_raw(map, key, v)?;
        self.not_after_open_block_scalar(&edits)?;
        Ok(self.intend(edits, map, Some(key), false))
    }

    /// A literal or folded scalar that ends the file without a line break
    /// has no line break in its value; anything written after it would add
    /// one. Such an edit is refused with the reason, not built.
    fn not_after_open_block_scalar(&self, edits: &[Edit]) -> Result<(), NoFix> {
        let t = self.text;
        if t.ends_with('\n') {
            return Ok(());
        }
        let end = t.trim_end_matches([' ', '\t', '\r']).len();
        let open = *self.open_block_scalar.get_or_init(|| {
            self.doc.nodes.iter().any(|n| {
                matches!(n.kind, NodeKind::Scalar(_))
                    && n.pos.end as usize >= end
                    && matches!(t.as_bytes().get(n.pos.start as usize), Some(b'|' | b'>'))
            })
        });
        if open && edits.iter().any(|e| e.start as usize >= end) {
            return Err(NoFix(
                "the file ends inside a block scalar (`|` or `>`) without a final line break: add one, then fix",
            ));
        }
        Ok(())
    }

    fn set_raw(&self, map: NodeId, key: &str, v: &V) -> Result<Vec<Edit>, NoFix> {
        if self.is_shared(map) {
            return Err(NoFix("the mapping is shared through a YAML anchor"));
        }
        let NodeKind::Map(_) = self.doc.node(map).kind else {
            return Err(NoFix("not a mapping"));
        };
        match self.doc.get(map, key) {
            Some((k, val)) => {
                if self.is_shared(val) || val != self.raw_value(map, k) {
                    return Err(NoFix("the value is shared through a YAML anchor"));
                }
                match (&self.doc.node(val).kind, v) {
                    // `{}`: write the whole mapping at once.
                    (NodeKind::Map(c), V::Map(_)) if c.len == 0 => {
                        let p = self.doc.node(val).pos;
                        Ok(vec![Edit::replace(p.start, p.end, self.scalar(v))])
                    }
                    (NodeKind::Map(_), V::Map(entries)) => {
                        let mut edits = Vec::new();
                        for (ck, cv) in entries {
                            edits.extend(self.set(val, ck, cv)?);
                        }
                        Ok(edits)
                    }
                    (NodeKind::Scalar(s), _) if s.value == Value::Null => {
                        self.fill_null(map, k, val, v)
                    }
                    (NodeKind::Scalar(_), _) | (NodeKind::Seq(_), _) | (NodeKind::Map(_), _) => {
                        let p = self.doc.node(val).pos;
                        if self.is_flow(val)
                            || matches!(self.doc.node(val).kind, NodeKind::Scalar(_))
                        {
                            Ok(vec![Edit::replace(p.start, p.end, self.scalar(v))])
                        } else {
                            Err(NoFix("a block collection would have to be rewritten"))
                        }
                    }
                    _ => Err(NoFix("unexpected value")),
                }
            }
            None => self.insert(map, key, v).map(|e| vec![e]),
        }
    }

    /// The value node written in `map` for key node `k` (not through a merge).
    fn raw_value(&self, map: NodeId, k: NodeId) -> NodeId {
        match &self.doc.node(map).kind {
            NodeKind::Map(_) => self
                .doc
                .pairs_of(map)
                .iter()
                .find(|(kk, _)| *kk == k)
                .map_or(NodeId::MAX, |(_, v)| self.doc.resolve(*v)),
            _ => NodeId::MAX,
        }
    }

    fn fill_null(&self, map: NodeId, k: NodeId, null: NodeId, v: &V) -> Result<Vec<Edit>, NoFix> {
        let np = self.doc.node(null).pos;
        if self.json || self.is_flow(map) {
            if np.end > np.start {
                return Ok(vec![Edit::replace(np.start, np.end, self.scalar(v))]);
            }
            return Err(NoFix("empty value in a flow mapping"));
        }
        // `key:` or `key: ~` / `key: null` in a block mapping.
        let kend = self.doc.node(k).pos.end as usize;
        let Some(colon) = self.text[kend..].find(':').map(|i| kend + i) else {
            return Err(NoFix("no colon after the key"));
        };
        let after = colon + 1;
        let end = if np.end as usize > after && (np.end as usize) <= self.line_end(after) {
            np.end as usize
        } else {
            after
        };
        let indent = self.col0(k);
        if !self.indentation_ok(self.doc.node(k).pos.start as usize) {
            return Err(NoFix("tab indentation"));
        }
        let rendered = self.block_entry("", v, indent);
        // block_entry renders `: value` or `:\n  child…`; drop its empty key.
        let rest = rendered.strip_prefix(':').unwrap_or(&rendered);
        let rest = if rest.starts_with(' ') || rest.starts_with(self.eol) {
            rest.to_string()
        } else {
            format!(" {rest}")
        };
        Ok(vec![Edit::replace(after as u32, end as u32, rest)])
    }

    /// Inserts a new `key: value` into a mapping.
    fn insert(&self, map: NodeId, key: &str, v: &V) -> Result<Edit, NoFix> {
        let NodeKind::Map(_) = &self.doc.node(map).kind else {
            return Err(NoFix("not a mapping"));
        };
        let entries = self.doc.pairs_of(map);
        let p = self.doc.node(map).pos;
        if self.json || self.is_flow(map) {
            let entry = format!("{}: {}", self.key(key), self.scalar(v));
            let (Some(&(fk, _)), Some(&(_, lv))) = (entries.first(), entries.last()) else {
                // `{}`: write inside the braces.
                let close = self.text[p.start as usize..]
                    .find('}')
                    .map(|i| p.start as usize + i);
                return match close {
                    Some(c) => Ok(Edit::insert(c as u32, entry)),
                    None => Err(NoFix("no closing brace")),
                };
            };
            let last_end = self.content_end(lv, 0);
            let multiline = self.line_start(self.doc.node(fk).pos.start as usize)
                != self.line_start(p.start as usize);
            if multiline {
                let indent = self.col0(fk);
                return Ok(Edit::insert(
                    last_end as u32,
                    format!(",{}{}{entry}", self.eol, " ".repeat(indent)),
                ));
            }
            return Ok(Edit::insert(last_end as u32, format!(", {entry}")));
        }
        let Some(&(first_key, _)) = entries.first() else {
            return Err(NoFix("empty block mapping"));
        };
        let fk_start = self.doc.node(first_key).pos.start as usize;
        if !self.indentation_ok(fk_start) {
            return Err(NoFix("tab indentation"));
        }
        let indent = self.col0(first_key);
        let end = self.content_end(map, 0);
        let at = self.line_end(end.max(fk_start));
        Ok(Edit::insert(
            at as u32,
            format!(
                "{}{}{}",
                self.eol,
                " ".repeat(indent),
                self.block_entry(key, v, indent)
            ),
        ))
    }

    /// Replaces a scalar's text.
    pub fn replace_scalar(&self, node: NodeId, v: &V) -> Result<Edit, NoFix> {
        let e = self.replace_scalar_raw(node, v)?;
        Ok(self.intend(vec![e], node, None, false).remove(0))
    }

    fn replace_scalar_raw(&self, node: NodeId, v: &V) -> Result<Edit, NoFix> {
        if self.is_shared(node) {
            return Err(NoFix("the value is shared through a YAML anchor"));
        }
        let p = self.doc.node(node).pos;
        match self.doc.node(node).kind {
            NodeKind::Scalar(_) if p.end > p.start => {
                Ok(Edit::replace(p.start, p.end, self.scalar(v)))
            }
            _ => Err(NoFix("not a written scalar")),
        }
    }

    /// Appends an item to a sequence, keeping its style.
    pub fn append(&self, seq: NodeId, v: &V) -> Result<Edit, NoFix> {
        let e = self.append_raw(seq, v)?;
        self.not_after_open_block_scalar(std::slice::from_ref(&e))?;
        Ok(self.intend(vec![e], seq, None, true).remove(0))
    }

    fn append_raw(&self, seq: NodeId, v: &V) -> Result<Edit, NoFix> {
        if self.is_shared(seq) {
            return Err(NoFix("the list is shared through a YAML anchor"));
        }
        let NodeKind::Seq(_) = &self.doc.node(seq).kind else {
            return Err(NoFix("not a list"));
        };
        let items = self.doc.items_of(seq);
        let item = self.scalar(v);
        if self.json || self.is_flow(seq) {
            return match items.last() {
                Some(&last) => Ok(Edit::insert(
                    self.content_end(last, 0) as u32,
                    format!(", {item}"),
                )),
                None => {
                    let s = self.doc.node(seq).pos.start as usize;
                    let close = self.text[s..].find(']').map(|i| s + i);
                    close
                        .map(|c| Edit::insert(c as u32, item))
                        .ok_or(NoFix("no closing bracket"))
                }
            };
        }
        let Some(&first) = items.first() else {
            return Err(NoFix("empty block list"));
        };
        // The dash of the first item sets the column.
        let fs = self.doc.node(first).pos.start as usize;
        let ls = self.line_start(fs);
        let Some(dash) = self.text[ls..fs].rfind('-').map(|i| ls + i) else {
            return Err(NoFix("no dash before the first item"));
        };
        if !self.indentation_ok(dash) {
            return Err(NoFix("tab indentation"));
        }
        let indent = self.text[ls..dash].chars().count();
        let item_col = self.col0(first);
        let at = self.line_end(self.content_end(seq, 0));
        let item = self.block_item(v, item_col);
        Ok(Edit::insert(
            at as u32,
            format!("{}{}- {item}", self.eol, " ".repeat(indent)),
        ))
    }

    /// Removes item `index` from a sequence.
    pub fn remove_item(&self, seq: NodeId, index: usize) -> Result<Edit, NoFix> {
        let e = self.remove_item_raw(seq, index)?;
        Ok(self.intend(vec![e], seq, None, false).remove(0))
    }

    fn remove_item_raw(&self, seq: NodeId, index: usize) -> Result<Edit, NoFix> {
        if self.is_shared(seq) {
            return Err(NoFix("the list is shared through a YAML anchor"));
        }
        let NodeKind::Seq(_) = &self.doc.node(seq).kind else {
            return Err(NoFix("not a list"));
        };
        let items = self.doc.items_of(seq);
        let Some(&item) = items.get(index) else {
            return Err(NoFix("no such item"));
        };
        let is = self.doc.node(item).pos.start as usize;
        let ie = self.content_end(item, 0);
        if self.json || self.is_flow(seq) {
            if index + 1 < items.len() {
                let next = self.doc.node(items[index + 1]).pos.start as usize;
                return Ok(Edit::replace(is as u32, next as u32, ""));
            }
            if index > 0 {
                let prev = self.content_end(items[index - 1], 0);
                return Ok(Edit::replace(prev as u32, ie as u32, ""));
            }
            return Ok(Edit::replace(is as u32, ie as u32, ""));
        }
        if items.len() == 1 {
            return Err(NoFix("the item is the list's only entry"));
        }
        let ls = self.line_start(is);
        let dash_only = self.text[ls..is].trim() == "-";
        if !dash_only {
            return Err(NoFix("the item does not start its own line"));
        }
        let le = self.line_end(ie);
        let next = if self.text[le..].starts_with("\r\n") {
            le + 2
        } else {
            (le + 1).min(self.text.len())
        };
        Ok(Edit::replace(ls as u32, next as u32, ""))
    }

    /// Removes `key` (and its value) from a block or flow mapping.
    pub fn remove(&self, map: NodeId, key: &str) -> Result<Edit, NoFix> {
        let e = self.remove_raw(map, key)?;
        Ok(self.intend(vec![e], map, Some(key), false).remove(0))
    }

    fn remove_raw(&self, map: NodeId, key: &str) -> Result<Edit, NoFix> {
        if self.is_shared(map) {
            return Err(NoFix("the mapping is shared through a YAML anchor"));
        }
        let NodeKind::Map(_) = &self.doc.node(map).kind else {
            return Err(NoFix("not a mapping"));
        };
        let entries = self.doc.pairs_of(map);
        let Some(idx) = entries
            .iter()
            .position(|(k, _)| self.doc.key_str(*k) == key)
        else {
            return Err(NoFix("no such key"));
        };
        if entries.len() == 1 {
            return Err(NoFix("the key is the mapping's only entry"));
        }
        let (k, v) = entries[idx];
        let ks = self.doc.node(k).pos.start as usize;
        let ve = self.content_end(v, 0);
        if self.json || self.is_flow(map) {
            // Remove with the following comma, or the preceding one if last.
            if idx + 1 < entries.len() {
                let next = self.doc.node(entries[idx + 1].0).pos.start as usize;
                return Ok(Edit::replace(ks as u32, next as u32, ""));
            }
            let prev_end = self.content_end(entries[idx - 1].1, 0);
            return Ok(Edit::replace(prev_end as u32, ve as u32, ""));
        }
        let ls = self.line_start(ks);
        if self.text[ls..ks].trim().is_empty() {
            // Whole lines, from this key's line to the end of its value's
            // line; their comments stay, as comment lines.
            let le = self.line_end(ve);
            let next = if self.text[le..].starts_with("\r\n") {
                le + 2
            } else {
                (le + 1).min(self.text.len())
            };
            let indent = " ".repeat(self.col0(k));
            let kept: String = comments_of(&self.text[ls..le])
                .iter()
                .map(|c| format!("{indent}{c}{}", self.eol))
                .collect();
            return Ok(Edit::replace(ls as u32, next as u32, kept));
        }
        Err(NoFix("the key shares its line with a list dash"))
    }
}

/// The comments (`# …`) on some lines of YAML, outside quotes.
fn comments_of(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    for line in text.lines() {
        let mut quote: Option<char> = None;
        let mut prev = ' ';
        for (i, c) in line.char_indices() {
            match (quote, c) {
                (None, '\'' | '"') => quote = Some(c),
                (Some(q), c) if c == q => quote = None,
                (None, '#') if prev.is_whitespace() => {
                    out.push(line[i..].trim_end());
                    break;
                }
                _ => {}
            }
            prev = c;
        }
    }
    out
}

fn mark(doc: &Doc<'_>, node: NodeId, shared: &mut [bool], depth: u32) {
    if depth > 600 || shared.get(node as usize).copied().unwrap_or(true) {
        return;
    }
    shared[node as usize] = true;
    match &doc.node(node).kind {
        NodeKind::Map(_) => {
            for &(k, v) in doc.pairs_of(node) {
                mark(doc, k, shared, depth + 1);
                mark(doc, v, shared, depth + 1);
            }
        }
        NodeKind::Seq(_) => {
            for &i in doc.items_of(node) {
                mark(doc, i, shared, depth + 1);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fix::{Applicability, Fix, apply};

    /// Sets `spec.securityContext.runAsNonRoot: true` (and a nested value)
    /// in the first document of `text`.
    fn set_in(text: &str, json: bool) -> String {
        let stream = crate::source::parse(
            if json {
                crate::source::Syntax::Json
            } else {
                crate::source::Syntax::Yaml
            },
            text,
        );
        let doc = &stream.docs[0];
        let e = Editor::new(text, doc, json);
        let (_, spec) = doc.get(doc.root.unwrap(), "spec").unwrap();
        let v = V::map(&[
            ("runAsNonRoot", V::Bool(true)),
            (
                "seccompProfile",
                V::map(&[("type", V::str("RuntimeDefault"))]),
            ),
        ]);
        let edits = e.set(spec, "securityContext", &v).unwrap();
        let fix = Fix {
            title: String::new(),
            applicability: Applicability::Safe,
            edits,
        };
        apply(text, &[&fix], Applicability::Safe).0
    }

    #[test]
    fn absent_in_block_mapping() {
        let t = "spec:\n  containers:\n  - name: a   # keep me\n    image: x\n";
        assert_eq!(
            set_in(t, false),
            "spec:\n  containers:\n  - name: a   # keep me\n    image: x\n  securityContext:\n    runAsNonRoot: true\n    seccompProfile:\n      type: RuntimeDefault\n"
        );
    }

    #[test]
    fn four_spaces_crlf_no_final_newline() {
        let t = "spec:\r\n    containers:\r\n        -   name: a";
        assert_eq!(
            set_in(t, false),
            "spec:\r\n    containers:\r\n        -   name: a\r\n    securityContext:\r\n        runAsNonRoot: true\r\n        seccompProfile:\r\n            type: RuntimeDefault"
        );
    }

    #[test]
    fn null_and_empty_security_contexts() {
        assert_eq!(
            set_in("spec:\n  securityContext:\n  containers: []\n", false),
            "spec:\n  securityContext:\n    runAsNonRoot: true\n    seccompProfile:\n      type: RuntimeDefault\n  containers: []\n"
        );
        assert_eq!(
            set_in(
                "spec:\n  securityContext: ~   # nothing yet\n  containers: []\n",
                false
            ),
            "spec:\n  securityContext:\n    runAsNonRoot: true\n    seccompProfile:\n      type: RuntimeDefault   # nothing yet\n  containers: []\n"
        );
        assert_eq!(
            set_in("spec:\n  securityContext: {}\n", false),
            "spec:\n  securityContext: {runAsNonRoot: true, seccompProfile: {type: RuntimeDefault}}\n"
        );
        assert_eq!(
            set_in(
                "spec: {securityContext: {runAsUser: 1}, containers: []}\n",
                false
            ),
            "spec: {securityContext: {runAsUser: 1, runAsNonRoot: true, seccompProfile: {type: RuntimeDefault}}, containers: []}\n"
        );
    }

    #[test]
    fn existing_block_security_context_is_merged() {
        let t =
            "spec:\n  securityContext:\n    # comment\n    runAsNonRoot: false\n  containers: []\n";
        assert_eq!(
            set_in(t, false),
            "spec:\n  securityContext:\n    # comment\n    runAsNonRoot: true\n    seccompProfile:\n      type: RuntimeDefault\n  containers: []\n"
        );
    }

    #[test]
    fn json_pretty_and_compact() {
        let t = "{\n  \"spec\": {\n    \"containers\": []\n  }\n}\n";
        assert_eq!(
            set_in(t, true),
            "{\n  \"spec\": {\n    \"containers\": [],\n    \"securityContext\": {\"runAsNonRoot\": true, \"seccompProfile\": {\"type\": \"RuntimeDefault\"}}\n  }\n}\n"
        );
        assert_eq!(
            set_in("{\"spec\":{}}", true),
            "{\"spec\":{\"securityContext\": {\"runAsNonRoot\": true, \"seccompProfile\": {\"type\": \"RuntimeDefault\"}}}}"
        );
    }

    #[test]
    fn anchors_are_left_alone() {
        let t = "base: &b {runAsUser: 1}\nspec:\n  securityContext: *b\n";
        let stream = crate::source::yaml::parse(t);
        let doc = &stream.docs[0];
        let e = Editor::new(t, doc, false);
        let (_, spec) = doc.get(doc.root.unwrap(), "spec").unwrap();
        assert!(
            e.set(
                spec,
                "securityContext",
                &V::map(&[("runAsNonRoot", V::Bool(true))])
            )
            .is_err()
        );
    }

    #[test]
    fn appending_to_lists() {
        for (t, want) in [
            ("drop:\n- NET_RAW\n", "drop:\n- NET_RAW\n- ALL\n"),
            (
                "drop:\n    - NET_RAW  # c\n",
                "drop:\n    - NET_RAW  # c\n    - ALL\n",
            ),
            ("drop: [NET_RAW]\n", "drop: [NET_RAW, ALL]\n"),
            ("drop: []\n", "drop: [ALL]\n"),
        ] {
            let stream = crate::source::yaml::parse(t);
            let doc = &stream.docs[0];
            let e = Editor::new(t, doc, false);
            let (_, seq) = doc.get(doc.root.unwrap(), "drop").unwrap();
            let fix = Fix {
                title: String::new(),
                applicability: Applicability::Safe,
                edits: vec![e.append(seq, &V::str("ALL")).unwrap()],
            };
            assert_eq!(apply(t, &[&fix], Applicability::Safe).0, want);
        }
    }
}
