//! Fixing a Helm chart: fix the rendered objects as manifests, carry each
//! changed field back to the values key that builds it, and keep the
//! values edit only if rendering again gives exactly the intended fields
//! and no new finding. Templates are never edited; a field the template
//! builds is left to a human.

use serde_json::Value;

use super::fix::{FixOutcome, fix_text};
use super::kustomize::to_json;
use super::scan::{Options, scan_file};
use crate::dockerfile::index::ImageIndex;
use crate::fix::Applicability;
use crate::fix::editor::{Editor, V};
use crate::input::render::ValuesProbe;
use crate::rules::Lang;

/// One rendered field the manifest fix changes.
#[derive(Clone, Debug, PartialEq)]
pub struct Change {
    pub kind: String,
    pub name: String,
    /// As diagnostics write paths (`spec.template.spec.containers[name=a].securityContext.runAsNonRoot`).
    pub path: String,
    /// `None`: the field is gone.
    pub value: Option<Value>,
}

/// The fields that differ between two renderings, object by object (by
/// kind and name). Lists of named items are compared item by item; other
/// lists as a whole.
pub fn changes(before: &str, after: &str) -> Vec<Change> {
    let objects = |text: &str| -> Vec<(String, String, Value)> {
        let mut out = Vec::new();
        for doc in crate::source::yaml::Documents::new(text).flatten() {
            let Some(root) = doc.root else { continue };
            let v = to_json(&doc, root, 0);
            let kind = v["kind"].as_str().unwrap_or("").to_string();
            let name = v["metadata"]["name"].as_str().unwrap_or("").to_string();
            out.push((kind, name, v));
        }
        out
    };
    let (b, a) = (objects(before), objects(after));
    let mut out = Vec::new();
    for (kind, name, av) in &a {
        let bv = b
            .iter()
            .find(|(k, n, _)| k == kind && n == name)
            .map(|(_, _, v)| v.clone())
            .unwrap_or(Value::Null);
        diff(kind, name, "", &bv, av, &mut out);
    }
    out
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}

fn diff(kind: &str, name: &str, path: &str, b: &Value, a: &Value, out: &mut Vec<Change>) {
    if b == a {
        return;
    }
    let change = |value: Option<Value>, out: &mut Vec<Change>| {
        out.push(Change {
            kind: kind.to_string(),
            name: name.to_string(),
            path: path.to_string(),
            value,
        })
    };
    match (b, a) {
        (Value::Object(bm), Value::Object(am)) => {
            for (k, av) in am {
                diff(
                    kind,
                    name,
                    &join(path, k),
                    bm.get(k).unwrap_or(&Value::Null),
                    av,
                    out,
                );
            }
            for k in bm.keys().filter(|k| !am.contains_key(*k)) {
                out.push(Change {
                    kind: kind.to_string(),
                    name: name.to_string(),
                    path: join(path, k),
                    value: None,
                });
            }
        }
        (Value::Null, Value::Object(am)) => {
            for (k, av) in am {
                diff(kind, name, &join(path, k), &Value::Null, av, out);
            }
        }
        (Value::Array(bl), Value::Array(al)) if named(bl) && named(al) => {
            for item in al {
                let n = item["name"].as_str().unwrap_or("");
                let before = bl.iter().find(|x| x["name"] == n).unwrap_or(&Value::Null);
                let p = format!("{path}[name={n}]");
                if before.is_null() {
                    out.push(Change {
                        kind: kind.to_string(),
                        name: name.to_string(),
                        path: p,
                        value: Some(item.clone()),
                    });
                } else {
                    diff(kind, name, &p, before, item, out);
                }
            }
        }
        (_, Value::Null) => change(None, out),
        _ => change(Some(a.clone()), out),
    }
}

fn named(list: &[Value]) -> bool {
    !list.is_empty() && list.iter().all(|x| x["name"].is_string())
}

fn to_v(v: &Value) -> Option<V> {
    Some(match v {
        Value::Bool(b) => V::Bool(*b),
        Value::Number(n) => V::Int(n.as_i64()?),
        Value::String(s) => V::Str(s.clone()),
        Value::Array(l) => V::List(l.iter().map(to_v).collect::<Option<_>>()?),
        Value::Object(m) => V::Map(
            m.iter()
                .map(|(k, v)| Some((k.clone(), to_v(v)?)))
                .collect::<Option<_>>()?,
        ),
        Value::Null => return None,
    })
}

/// Sets `path` to `value` in a values file's text, through the byte-range
/// editor (comments and layout kept). Creates the missing mappings.
pub fn set_value(text: &str, path: &[String], value: &Value) -> Result<String, String> {
    let stream = crate::source::yaml::parse(text);
    let doc = stream
        .docs
        .first()
        .ok_or("the values file holds no document")?;
    let root = doc.root.ok_or("the values file is empty")?;
    let mut cur = root;
    let mut depth = 0;
    // The key of `cur` and the mapping holding it.
    let mut above: Option<(crate::source::NodeId, crate::source::NodeId)> = None;
    while depth + 1 < path.len() {
        match doc.get(cur, &path[depth]) {
            Some((k, v)) if matches!(doc.kind(doc.resolve(v)), crate::source::NodeKind::Map(_)) => {
                above = Some((k, cur));
                cur = doc.resolve(v);
                depth += 1;
            }
            _ => break,
        }
    }
    let mut v = to_v(value).ok_or("the value cannot be written to a values file")?;
    let mut nested = value.clone();
    for k in path[depth + 1..].iter().rev() {
        v = V::Map(vec![(k.clone(), v)]);
        let mut m = serde_json::Map::new();
        m.insert(k.clone(), nested);
        nested = Value::Object(m);
    }
    // An empty `key: {}` (the scaffold's `securityContext: {}`) becomes a
    // block mapping under its key; the comments after it stay where they are.
    let empty = |n: crate::source::NodeId| {
        doc.node(n).flow
            && matches!(doc.kind(n), crate::source::NodeKind::Map(_))
            && doc.pairs_of(n).is_empty()
    };
    let replace = match doc.get(cur, &path[depth]) {
        Some((k, val)) if empty(val) && !doc.node(cur).flow && nested.is_object() => {
            Some((k, val, nested))
        }
        None if empty(cur) && above.is_some_and(|(_, m)| !doc.node(m).flow) => {
            let mut m = serde_json::Map::new();
            m.insert(path[depth].clone(), nested.clone());
            above.map(|(k, _)| (k, cur, Value::Object(m)))
        }
        _ => None,
    };
    if let Some((k, val, nested)) = replace {
        let node = doc.node(val);
        {
            let indent = " ".repeat(doc.node(k).pos.col as usize - 1 + 2);
            let block: String = super::kustomize::to_yaml(&nested)
                .lines()
                .map(|l| format!("\n{indent}{l}"))
                .collect();
            // From after the colon to the end of `{}`.
            let colon = text[doc.node(k).pos.end as usize..node.pos.start as usize]
                .find(':')
                .map(|i| doc.node(k).pos.end as usize + i + 1)
                .ok_or("no colon after the key")?;
            let end = text[node.pos.start as usize..]
                .find('}')
                .map(|i| node.pos.start as usize + i + 1)
                .ok_or("no closing brace")?;
            let mut out = text.to_string();
            out.replace_range(colon..end, &block);
            return Ok(out);
        }
    }
    let editor = Editor::new(text, doc, false);
    let edits = editor
        .set(cur, &path[depth], &v)
        .map_err(|e| e.0.to_string())?;
    let mut out = text.to_string();
    let mut edits = edits;
    edits.sort_by_key(|e| std::cmp::Reverse(e.start));
    for e in edits {
        out.replace_range(e.start as usize..e.end as usize, &e.text);
    }
    Ok(out)
}

/// Renders the chart with changed values files (`(file as reported, text)`,
/// each in its own place among the values) and changed templates (`(#
/// Source: path, text)`).
pub type Render<'a> =
    dyn Fn(&[(String, String)], &[(String, String)]) -> Result<String, String> + 'a;

/// What a chart fix does.
#[derive(Debug, Default)]
pub struct ChartFix {
    /// The values files to write: `(file, new text)`.
    pub values: Vec<(String, String)>,
    /// The templates to write: `(file, new text)`, for fields written
    /// literally in them.
    pub templates: Vec<(String, String)>,
    /// The fields written: `(values file, key path, rendered field)`.
    pub written: Vec<(String, String, String)>,
    /// Rendered fields no values key builds: a human edits the template.
    pub human: Vec<String>,
    /// Why the values edits were not kept, when rendering again disagreed.
    pub refused: Option<String>,
    /// The manifest fixer's outcome on the rendered chart.
    pub rendered: Option<FixOutcome>,
}

/// Fixes a chart whose rendering is `rendered`. `values` are the values
/// files' names and texts (as the probe knows them); `render` renders
/// the chart with extra values files (their texts) on top.
#[allow(clippy::too_many_arguments)]
pub fn fix_chart(
    chart: &str,
    rendered: &str,
    probe: Option<&ValuesProbe>,
    values: &[(String, String)],
    opts: &Options,
    threshold: Applicability,
    index: &ImageIndex,
    lang: Lang,
    render: &Render<'_>,
    template: &dyn Fn(&str) -> Option<(String, String)>,
) -> ChartFix {
    let mut out = ChartFix::default();
    let Ok(outcome) = fix_text(chart, rendered, opts, threshold, index, lang) else {
        return out;
    };
    let wanted = changes(rendered, &outcome.text);
    let mut texts: Vec<(String, String)> = values.to_vec();
    let mut templates: Vec<(String, String, String)> = Vec::new();
    let sources = sources_of(rendered);
    let mut intended: Vec<Change> = Vec::new();
    // Fields for templates: (source, object line, literal ancestor mapping, change, value).
    let mut literal: Vec<(String, u32, String, Change, Value)> = Vec::new();
    for c in &wanted {
        let target = probe.and_then(|p| p.target_for(&c.kind, &c.name, &c.path));
        let (Some((file, keys)), Some(value)) = (target, &c.value) else {
            // Written literally in the template: edited there, below.
            if let Some(value) = &c.value
                && let Some(src) = sources
                    .iter()
                    .find(|(k, n, _, _)| *k == c.kind && *n == c.name)
                && let Some(anc) = ancestor(rendered, src.3, &c.path)
            {
                literal.push((src.2.clone(), src.3, anc, c.clone(), value.clone()));
                continue;
            }
            out.human.push(format!("{}/{}: {}", c.kind, c.name, c.path));
            continue;
        };
        let Some(entry) = texts.iter_mut().find(|(f, _)| *f == file) else {
            out.human.push(format!("{}/{}: {}", c.kind, c.name, c.path));
            continue;
        };
        match set_value(&entry.1, &keys, value) {
            Ok(t) => {
                entry.1 = t;
                out.written.push((file, keys.join("."), c.path.clone()));
                intended.push(c.clone());
            }
            Err(why) => out
                .human
                .push(format!("{}/{}: {} ({why})", c.kind, c.name, c.path)),
        }
    }
    // One insertion per literal mapping, holding all its new fields.
    // (source, object line, literal mapping, its new fields)
    let mut groups: Vec<LiteralGroup> = Vec::new();
    for (src, line, anc, c, v) in literal {
        match groups
            .iter_mut()
            .find(|(s, l, a, _)| *s == src && *l == line && *a == anc)
        {
            Some(g) => g.3.push((c, v)),
            None => groups.push((src, line, anc, vec![(c, v)])),
        }
    }
    for (src, line, anc, fields) in groups {
        let mut nested = serde_json::Map::new();
        for (c, v) in &fields {
            let rest = c.path[anc.len()..].trim_start_matches('.');
            insert_path(&mut nested, rest, v.clone());
        }
        let current = templates
            .iter()
            .find(|(_, f, _)| *f == src)
            .map(|(p, _, t)| (p.clone(), t.clone()))
            .or_else(|| template(&src));
        let edit = current.and_then(|(file, text)| {
            literal_edit(&text, rendered, line, &anc, &Value::Object(nested)).map(|t| (file, t))
        });
        match edit {
            Some((file, new)) => {
                match templates.iter_mut().find(|(p, _, _)| *p == file) {
                    Some(t) => t.2 = new,
                    None => templates.push((file.clone(), src.clone(), new)),
                }
                for (c, _) in fields {
                    out.written
                        .push((file.clone(), String::new(), c.path.clone()));
                    intended.push(c);
                }
            }
            None => {
                for (c, _) in fields {
                    out.human.push(format!("{}/{}: {}", c.kind, c.name, c.path));
                }
            }
        }
    }
    out.rendered = Some(outcome);
    if intended.is_empty() {
        return out;
    }
    // Render again with the edited values on top, and hold the result to
    // the intended fields.
    let edited: Vec<(String, String)> = texts
        .iter()
        .zip(values)
        .filter(|((_, new), (_, old))| new != old)
        .map(|((f, new), _)| (f.clone(), new.clone()))
        .collect();
    let template_texts: Vec<(String, String)> = templates
        .iter()
        .map(|(_, src, t)| (src.clone(), t.clone()))
        .collect();
    let again = match render(&edited, &template_texts) {
        Ok(t) => t,
        Err(e) => {
            out.refused = Some(format!("rendering with the fixed values failed: {e}"));
            return out;
        }
    };
    let got = changes(rendered, &again);
    let unintended: Vec<&Change> = got.iter().filter(|c| !intended.contains(c)).collect();
    let missing: Vec<&Change> = intended.iter().filter(|c| !got.contains(c)).collect();
    if !unintended.is_empty() || !missing.is_empty() {
        let mut why = Vec::new();
        if let Some(c) = unintended.first() {
            why.push(format!("it also changes {}/{}: {}", c.kind, c.name, c.path));
        }
        if let Some(c) = missing.first() {
            why.push(format!(
                "{}/{}: {} does not render as intended",
                c.kind, c.name, c.path
            ));
        }
        out.refused = Some(why.join("; "));
        return out;
    }
    let before: std::collections::HashSet<String> = scan_file(chart, rendered, opts, lang, index)
        .diagnostics
        .iter()
        .map(|d| d.fingerprint())
        .collect();
    if let Some(d) = scan_file(chart, &again, opts, lang, index)
        .diagnostics
        .iter()
        .find(|d| !before.contains(&d.fingerprint()))
    {
        out.refused = Some(format!(
            "rendering with the fixed values adds a finding: {} {}",
            d.code, d.message
        ));
        return out;
    }
    out.values = texts
        .into_iter()
        .zip(values)
        .filter(|((_, new), (_, old))| new != old)
        .map(|((f, new), _)| (f, new))
        .collect();
    out.templates = templates.into_iter().map(|(p, _, t)| (p, t)).collect();
    out
}

/// Each rendered object's `(kind, name, # Source: path, first line)`.
fn sources_of(rendered: &str) -> Vec<(String, String, String, u32)> {
    let mut out = Vec::new();
    let map = crate::input::render::SourceMap::helm(rendered, None);
    for doc in crate::source::yaml::Documents::new(rendered).flatten() {
        let Some(root) = doc.root else { continue };
        let line = doc.node(root).pos.line;
        let kind = doc
            .get(root, "kind")
            .map(|(_, v)| doc.key_str(v).into_owned());
        let name = doc
            .get(root, "metadata")
            .and_then(|(_, m)| doc.get(m, "name"))
            .map(|(_, v)| doc.key_str(v).into_owned());
        if let (Some(k), Some(n), Some(s)) = (kind, name, map.at(line)) {
            out.push((k, n, s.to_string(), line));
        }
    }
    out
}

/// New fields for one literal mapping of a template: its `# Source:` path,
/// the object's first rendered line, the mapping's path, the fields.
type LiteralGroup = (String, u32, String, Vec<(Change, Value)>);

/// Sets `rest` (`a.b.c`) in a JSON map, creating the mappings on the way.
fn insert_path(map: &mut serde_json::Map<String, Value>, rest: &str, v: Value) {
    match rest.split_once('.') {
        None => {
            map.insert(rest.to_string(), v);
        }
        Some((first, tail)) => {
            let e = map
                .entry(first.to_string())
                .or_insert_with(|| Value::Object(Default::default()));
            if let Value::Object(m) = e {
                insert_path(m, tail, v);
            }
        }
    }
}

/// The deepest mapping above the field `path` that the rendering of the
/// object at `first_line` has, when the rest of the path is keys only.
fn ancestor(rendered: &str, first_line: u32, path: &str) -> Option<String> {
    let doc = crate::source::yaml::Documents::new(rendered)
        .flatten()
        .find(|d| d.root.is_some_and(|r| d.node(r).pos.line == first_line))?;
    let root = doc.root?;
    let mut p = path;
    while let Some((parent, _)) = p.rsplit_once('.') {
        if parent.ends_with(']') {
            return None;
        }
        let (node, exact) = crate::input::render::walk(&doc, root, parent);
        if exact {
            // Only inside a securityContext the template writes out: a
            // template without one builds the field (a human adds it).
            if !parent.split('.').any(|s| s == "securityContext") {
                return None;
            }
            let value = doc
                .pairs
                .iter()
                .find(|(k, _)| *k == node)
                .map(|(_, v)| doc.resolve(*v))?;
            return matches!(doc.kind(value), crate::source::NodeKind::Map(_))
                .then(|| parent.to_string());
        }
        p = parent;
    }
    None
}

/// Writes fields into a template where their mapping (`anc`, a field path)
/// is literal YAML: the mapping's key line (`securityContext:`) must occur
/// once in the template at the indentation it renders at, with its entries
/// on the lines below; the new entries go first among them. `None` when
/// that cannot be told (the caller leaves the fields to a human; the
/// re-render checks the rest).
fn literal_edit(
    template: &str,
    rendered: &str,
    first_line: u32,
    anc: &str,
    fields: &Value,
) -> Option<String> {
    let key_of = anc.rsplit(['.', ']']).next()?;
    if key_of.is_empty() {
        return None;
    }
    let doc = crate::source::yaml::Documents::new(rendered)
        .flatten()
        .find(|d| d.root.is_some_and(|r| d.node(r).pos.line == first_line))?;
    let root = doc.root?;
    let (node, exact) = crate::input::render::walk(&doc, root, anc);
    if !exact {
        return None;
    }
    let col = doc.node(node).pos.col as usize;
    let wanted = format!("{}{key_of}:", " ".repeat(col - 1));
    let lines: Vec<&str> = template.lines().collect();
    let hits: Vec<usize> = lines
        .iter()
        .enumerate()
        .filter(|(_, l)| l.trim_end() == wanted)
        .map(|(i, _)| i)
        .collect();
    let [at] = hits[..] else { return None };
    // The entries' indentation: the next line's, when deeper.
    let next = lines.get(at + 1)?;
    let child = next.len() - next.trim_start().len();
    if child < col || next.trim_start().starts_with("{{") {
        return None;
    }
    let Value::Object(m) = fields else {
        return None;
    };
    let body: Vec<&str> = lines[at + 1..]
        .iter()
        .take_while(|l| l.trim().is_empty() || l.len() - l.trim_start().len() >= child)
        .copied()
        .collect();
    if m.keys().any(|k| {
        body.iter().any(|l| {
            l.len() - l.trim_start().len() == child && l.trim_start().starts_with(&format!("{k}:"))
        })
    }) {
        return None;
    }
    let pad = " ".repeat(child);
    let block: String = super::kustomize::to_yaml(fields)
        .lines()
        .map(|l| format!("{pad}{l}\n"))
        .collect();
    let offset: usize = lines[..=at].iter().map(|l| l.len() + 1).sum();
    let mut out = template.to_string();
    out.insert_str(offset.min(out.len()), &block);
    Some(out)
}
