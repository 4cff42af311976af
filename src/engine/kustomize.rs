//! Strategic-merge patches that turn original workloads into fixed ones,
//! for manifests the user must not edit (`podsec fix --emit kustomize`).

use serde_json::{Map, Value};

use crate::engine::{for_each_workload, parse_file};
use crate::source::tree::{Doc, NodeId, NodeKind, Value as Scalar};

/// A node as JSON, the way the API server would read it.
pub fn to_json(doc: &Doc<'_>, node: NodeId, depth: u32) -> Value {
    if depth > 128 {
        return Value::Null;
    }
    match doc.kind(node) {
        NodeKind::Scalar(s) => match s.value {
            Scalar::Null => Value::Null,
            Scalar::Bool(b) => Value::Bool(b),
            Scalar::Int(i) => Value::from(i),
            Scalar::Uint(u) => Value::from(u),
            Scalar::Float(f) => serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number),
            Scalar::Str => Value::String(s.text.to_string()),
        },
        NodeKind::Seq(_) => Value::Array(
            doc.items(node)
                .map(|i| to_json(doc, i, depth + 1))
                .collect(),
        ),
        NodeKind::Map(_) => {
            let mut m = Map::new();
            for (k, _, v) in doc.entries(node) {
                m.insert(k.into_owned(), to_json(doc, v, depth + 1));
            }
            Value::Object(m)
        }
        NodeKind::Alias(_) => Value::Null,
    }
}

/// The merge key of a list field, per the Kubernetes API's patch strategy.
fn merge_key(field: &str) -> Option<&'static str> {
    match field {
        "containers"
        | "initContainers"
        | "ephemeralContainers"
        | "volumes"
        | "env"
        | "imagePullSecrets" => Some("name"),
        "volumeMounts" => Some("mountPath"),
        "ports" => Some("containerPort"),
        _ => None,
    }
}

/// The strategic-merge patch from `orig` to `fixed` (`None`: no change).
pub fn diff(field: &str, orig: &Value, fixed: &Value) -> Option<Value> {
    if orig == fixed {
        return None;
    }
    match (orig, fixed) {
        (Value::Object(o), Value::Object(f)) => {
            let mut out = Map::new();
            for (k, fv) in f {
                match o.get(k) {
                    None => {
                        out.insert(k.clone(), fv.clone());
                    }
                    Some(ov) => {
                        if let Some(d) = diff(k, ov, fv) {
                            out.insert(k.clone(), d);
                        }
                    }
                }
            }
            for k in o.keys().filter(|k| !f.contains_key(*k)) {
                out.insert(k.clone(), Value::Null);
            }
            (!out.is_empty()).then_some(Value::Object(out))
        }
        (Value::Array(o), Value::Array(f)) => match merge_key(field) {
            Some(key) => {
                let mut items = Vec::new();
                for fi in f {
                    let id = fi.get(key);
                    match o.iter().find(|oi| oi.get(key) == id && id.is_some()) {
                        None => items.push(fi.clone()),
                        Some(oi) => {
                            if let Some(Value::Object(mut d)) = diff("", oi, fi) {
                                if let Some(id) = id {
                                    d.insert(key.to_string(), id.clone());
                                }
                                items.push(Value::Object(d));
                            }
                        }
                    }
                }
                (!items.is_empty()).then_some(Value::Array(items))
            }
            None => Some(fixed.clone()),
        },
        _ => Some(fixed.clone()),
    }
}

/// A workload's patch: its identity plus the changes.
#[derive(Clone, Debug)]
pub struct Patch {
    pub kind: String,
    pub name: String,
    pub namespace: String,
    pub body: Value,
}

/// Patches for every workload of `fixed` that differs from `orig` (the
/// two texts hold the same documents and workloads, in the same order).
pub fn patches(file: &str, orig: &str, fixed: &str) -> Vec<Patch> {
    let (po, pf) = (parse_file(file, orig), parse_file(file, fixed));
    let collect = |p: &crate::engine::Parsed<'_>| {
        let mut out = Vec::new();
        let mut errs = Vec::new();
        for_each_workload(file, &p.docs, &mut errs, |doc, w| {
            out.push((
                w.kind.to_string(),
                w.api_version.to_string(),
                w.name.to_string(),
                w.namespace.to_string(),
                to_json(doc, w.root, 0),
            ));
        });
        out
    };
    let (wo, wf) = (collect(&po), collect(&pf));
    let mut out = Vec::new();
    for (o, f) in wo.iter().zip(&wf) {
        let Some(Value::Object(mut d)) = diff("", &o.4, &f.4) else {
            continue;
        };
        let mut meta = match d.remove("metadata") {
            Some(Value::Object(m)) => m,
            _ => Map::new(),
        };
        meta.insert("name".into(), Value::String(f.2.clone()));
        if !f.3.is_empty() {
            meta.insert("namespace".into(), Value::String(f.3.clone()));
        }
        let mut body = Map::new();
        body.insert("apiVersion".into(), Value::String(f.1.clone()));
        body.insert("kind".into(), Value::String(f.0.clone()));
        body.insert("metadata".into(), Value::Object(meta));
        body.extend(d);
        out.push(Patch {
            kind: f.0.clone(),
            name: f.2.clone(),
            namespace: f.3.clone(),
            body: Value::Object(body),
        });
    }
    out
}

fn scalar(v: &Value) -> String {
    match v {
        Value::String(s) => {
            let plain = !s.is_empty()
                && s.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"_./-".contains(&b))
                && !s.starts_with('-')
                && crate::source::yaml::resolve_plain(s) == Scalar::Str;
            if plain {
                s.clone()
            } else {
                serde_json::to_string(s).unwrap_or_default()
            }
        }
        Value::Object(m) if m.is_empty() => "{}".into(),
        Value::Array(a) if a.is_empty() => "[]".into(),
        other => other.to_string(),
    }
}

fn is_leaf(v: &Value) -> bool {
    match v {
        Value::Object(m) => m.is_empty(),
        Value::Array(a) => a.is_empty(),
        _ => true,
    }
}

/// Block-style YAML for a JSON value.
pub fn to_yaml(v: &Value) -> String {
    let mut s = String::new();
    emit(v, 0, &mut s);
    s
}

fn emit(v: &Value, indent: usize, s: &mut String) {
    let pad = " ".repeat(indent);
    match v {
        Value::Object(m) => {
            // Identity first, as people write manifests; the rest sorted.
            const FIRST: [&str; 4] = ["apiVersion", "kind", "metadata", "name"];
            let mut keys: Vec<&String> = m.keys().collect();
            keys.sort_by_key(|k| {
                (
                    FIRST.iter().position(|f| f == k).unwrap_or(FIRST.len()),
                    k.as_str(),
                )
            });
            for k in keys {
                let val = &m[k];
                let key = scalar(&Value::String(k.clone()));
                if is_leaf(val) {
                    s.push_str(&format!("{pad}{key}: {}\n", scalar(val)));
                } else {
                    s.push_str(&format!("{pad}{key}:\n"));
                    emit(val, indent + 2, s);
                }
            }
        }
        Value::Array(items) => {
            for item in items {
                if is_leaf(item) {
                    s.push_str(&format!("{pad}- {}\n", scalar(item)));
                } else {
                    let mut inner = String::new();
                    emit(item, indent + 2, &mut inner);
                    // The first line of the item goes after the dash.
                    let trimmed = inner.trim_start_matches(' ');
                    s.push_str(&format!("{pad}- {trimmed}"));
                }
            }
        }
        other => s.push_str(&format!("{pad}{}\n", scalar(other))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn strategic_merge_diffs() {
        let o = json!({"spec": {"containers": [{"name": "a", "image": "x"}, {"name": "b"}], "volumes": [{"name": "v", "emptyDir": {}}]}});
        let f = json!({"spec": {"containers": [{"name": "a", "image": "x", "securityContext": {"capabilities": {"drop": ["ALL"]}}}, {"name": "b"}], "volumes": [{"name": "v", "emptyDir": {}}, {"name": "a-tmp", "emptyDir": {}}]}});
        assert_eq!(
            diff("", &o, &f).unwrap(),
            json!({"spec": {"containers": [{"name": "a", "securityContext": {"capabilities": {"drop": ["ALL"]}}}], "volumes": [{"name": "a-tmp", "emptyDir": {}}]}})
        );
        let o = json!({"securityContext": {"privileged": true, "runAsUser": 1}});
        let f = json!({"securityContext": {"runAsUser": 1}});
        assert_eq!(
            diff("", &o, &f).unwrap(),
            json!({"securityContext": {"privileged": null}})
        );
    }

    #[test]
    fn yaml_rendering() {
        let v = json!({"kind": "Pod", "spec": {"containers": [{"name": "a", "securityContext": {"drop": ["ALL"], "runAsUser": 1}}], "volumes": [{"name": "t", "emptyDir": {}}]}});
        assert_eq!(
            to_yaml(&v),
            "kind: Pod\nspec:\n  containers:\n    - name: a\n      securityContext:\n        drop:\n          - ALL\n        runAsUser: 1\n  volumes:\n    - name: t\n      emptyDir: {}\n"
        );
    }
}
