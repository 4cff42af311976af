//! Typed reads from a span tree, with the strictness of Go's JSON decoding
//! into Kubernetes API structs: `null` means absent, a value of the wrong
//! type is an error for the whole object, unknown fields are ignored.

use crate::source::tree::{Doc, NodeId, NodeKind, Pos, Scalar, Value, type_name};

/// A value read from the document, with the node it came from.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Val<T> {
    pub v: T,
    pub node: NodeId,
}

/// A field of the wrong type: the object cannot be decoded.
#[derive(Clone, Debug, PartialEq)]
pub struct TypeError {
    pub pos: Pos,
    pub path: String,
    pub message: String,
}

/// One step of a field path, for error messages.
#[derive(Clone, Copy)]
pub enum Seg<'p> {
    Key(&'p str),
    Index(usize),
}

pub struct Decoder<'d, 'a> {
    pub doc: &'d Doc<'a>,
    path: Vec<Seg<'static>>,
    pub error: Option<TypeError>,
}

/// Which integer width the API field has.
#[derive(Clone, Copy)]
pub enum Int {
    I32,
    I64,
}

impl<'d, 'a> Decoder<'d, 'a> {
    pub fn new(doc: &'d Doc<'a>, prefix: &[Seg<'static>]) -> Self {
        Decoder {
            doc,
            path: prefix.to_vec(),
            error: None,
        }
    }

    pub fn push(&mut self, seg: Seg<'static>) {
        self.path.push(seg);
    }

    pub fn pop(&mut self) {
        self.path.pop();
    }

    fn path_string(&self, last: Option<&str>) -> String {
        let mut s = String::new();
        for seg in &self.path {
            match seg {
                Seg::Key(k) => {
                    if !s.is_empty() {
                        s.push('.');
                    }
                    s.push_str(k);
                }
                Seg::Index(i) => {
                    s.push('[');
                    s.push_str(&i.to_string());
                    s.push(']');
                }
            }
        }
        if let Some(k) = last {
            if !s.is_empty() {
                s.push('.');
            }
            s.push_str(k);
        }
        s
    }

    pub fn fail(&mut self, node: NodeId, field: Option<&str>, expected: &str) {
        if self.error.is_some() {
            return;
        }
        let n = self.doc.node(node);
        let found = match self.doc.kind(node) {
            NodeKind::Scalar(s) => match s.value {
                Value::Str => format!("string {:?}", clip(&s.text)),
                _ => format!("{} {}", type_name(self.doc.kind(node)), clip(&s.text)),
            },
            k => type_name(k).to_string(),
        };
        let path = self.path_string(field);
        self.error = Some(TypeError {
            pos: n.pos,
            message: format!("{path}: expected {expected}, found {found}"),
            path,
        });
    }

    /// The value node of `key` in `map`, unless absent or null.
    pub fn field(&self, map: Option<NodeId>, key: &'static str) -> Option<NodeId> {
        let (_, v) = self.doc.get(map?, key)?;
        if self.doc.is_null(v) { None } else { Some(v) }
    }

    /// A nested object: `None` when absent or null, an error when not a mapping.
    pub fn object(&mut self, map: Option<NodeId>, key: &'static str) -> Option<NodeId> {
        let v = self.field(map, key)?;
        match self.doc.kind(v) {
            NodeKind::Map(_) => Some(v),
            _ => {
                self.fail(v, Some(key), "an object");
                None
            }
        }
    }

    pub fn list(&mut self, map: Option<NodeId>, key: &'static str) -> Option<NodeId> {
        let v = self.field(map, key)?;
        match self.doc.kind(v) {
            NodeKind::Seq(_) => Some(v),
            _ => {
                self.fail(v, Some(key), "a list");
                None
            }
        }
    }

    fn scalar(&self, v: NodeId) -> Option<&'d Scalar<'a>> {
        match self.doc.kind(v) {
            NodeKind::Scalar(s) => Some(s),
            _ => None,
        }
    }

    pub fn bool(&mut self, map: Option<NodeId>, key: &'static str) -> Option<Val<bool>> {
        let v = self.field(map, key)?;
        match self.scalar(v).map(|s| s.value) {
            Some(Value::Bool(b)) => Some(Val { v: b, node: v }),
            _ => {
                self.fail(v, Some(key), "a boolean");
                None
            }
        }
    }

    pub fn str(&mut self, map: Option<NodeId>, key: &'static str) -> Option<Val<&'d str>> {
        let v = self.field(map, key)?;
        self.str_node(v, Some(key))
    }

    pub fn str_node(&mut self, v: NodeId, key: Option<&str>) -> Option<Val<&'d str>> {
        match self.scalar(v) {
            Some(s) if s.value == Value::Str => Some(Val {
                v: &s.text,
                node: v,
            }),
            _ if self.doc.is_null(v) => Some(Val { v: "", node: v }),
            _ => {
                self.fail(v, key, "a string");
                None
            }
        }
    }

    pub fn int(&mut self, map: Option<NodeId>, key: &'static str, width: Int) -> Option<Val<i64>> {
        let v = self.field(map, key)?;
        self.int_node(v, Some(key), width)
    }

    pub fn int_node(&mut self, v: NodeId, key: Option<&str>, width: Int) -> Option<Val<i64>> {
        let n = match self.scalar(v).map(|s| s.value) {
            Some(Value::Int(i)) => Some(i),
            // YAML floats reach the API re-encoded as JSON numbers, so
            // integral ones decode; in a JSON file `1.0` stays `1.0`, which
            // Go's decoder refuses for an integer field.
            Some(Value::Float(f)) if !self.doc.json && f.fract() == 0.0 && f.abs() < 9.2e18 => {
                Some(f as i64)
            }
            _ => None,
        };
        let (lo, hi, what) = match width {
            Int::I32 => (i32::MIN as i64, i32::MAX as i64, "a 32-bit integer"),
            Int::I64 => (i64::MIN, i64::MAX, "an integer"),
        };
        match n {
            Some(i) if (lo..=hi).contains(&i) => Some(Val { v: i, node: v }),
            _ => {
                self.fail(v, key, what);
                None
            }
        }
    }

    /// A value of a field no security decision depends on: a wrong type
    /// (as in an unrendered template, `containerPort: ${PORT}`) reads as
    /// absent instead of invalidating the object.
    pub fn lenient<T>(&mut self, read: impl FnOnce(&mut Self) -> Option<T>) -> Option<T> {
        let before = self.error.is_some();
        let v = read(self);
        if !before && self.error.is_some() {
            self.error = None;
            return None;
        }
        v
    }

    /// A list of strings (`null` items read as "").
    pub fn str_list(
        &mut self,
        map: Option<NodeId>,
        key: &'static str,
    ) -> Option<Vec<Val<&'d str>>> {
        let list = self.list(map, key)?;
        self.push(Seg::Key(key));
        let mut out = Vec::new();
        for (i, item) in self.doc.items(list).enumerate() {
            self.push(Seg::Index(i));
            if let Some(s) = self.str_node(item, None) {
                out.push(s);
            }
            self.pop();
        }
        self.pop();
        Some(out)
    }

    /// Items of a list of objects. A `null` item is kept (it decodes as an
    /// empty object: every field lookup on it finds nothing).
    pub fn objects(&mut self, map: Option<NodeId>, key: &'static str) -> Vec<NodeId> {
        let Some(list) = self.list(map, key) else {
            return Vec::new();
        };
        let mut out = Vec::new();
        self.push(Seg::Key(key));
        for (i, item) in self.doc.items(list).enumerate() {
            match self.doc.kind(item) {
                NodeKind::Map(_) => out.push(item),
                _ if self.doc.is_null(item) => out.push(item),
                _ => {
                    self.push(Seg::Index(i));
                    self.fail(item, None, "an object");
                    self.pop();
                }
            }
        }
        self.pop();
        out
    }
}

fn clip(s: &str) -> String {
    if s.chars().count() > 40 {
        let mut t: String = s.chars().take(40).collect();
        t.push('…');
        t
    } else {
        s.to_string()
    }
}
