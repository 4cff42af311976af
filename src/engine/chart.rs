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

/// What a chart fix does.
#[derive(Debug, Default)]
pub struct ChartFix {
    /// The values files to write: `(file, new text)`.
    pub values: Vec<(String, String)>,
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
    render: &dyn Fn(&[String]) -> Result<String, String>,
) -> ChartFix {
    let mut out = ChartFix::default();
    let Ok(outcome) = fix_text(chart, rendered, opts, threshold, index, lang) else {
        return out;
    };
    let wanted = changes(rendered, &outcome.text);
    let mut texts: Vec<(String, String)> = values.to_vec();
    let mut intended: Vec<Change> = Vec::new();
    for c in &wanted {
        let target = probe.and_then(|p| p.target_for(&c.kind, &c.name, &c.path));
        let (Some((file, keys)), Some(value)) = (target, &c.value) else {
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
    out.rendered = Some(outcome);
    if intended.is_empty() {
        return out;
    }
    // Render again with the edited values on top, and hold the result to
    // the intended fields.
    let edited: Vec<String> = texts
        .iter()
        .zip(values)
        .filter(|((_, new), (_, old))| new != old)
        .map(|((_, new), _)| new.clone())
        .collect();
    let again = match render(&edited) {
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
    out
}
