//! Any Kubernetes object → the pod template Pod Security admission evaluates.

use super::decode::{Decoder, Seg, TypeError};
use super::pod::{PodTemplate, decode_template};
use crate::source::tree::{Doc, NodeId, NodeKind, Pos};

/// Where the pod template of a kind lives, as field path segments.
fn template_path(kind: &str) -> Option<&'static [&'static str]> {
    Some(match kind {
        "Pod" => &[],
        "PodTemplate" => &["template"],
        "ReplicationController"
        | "ReplicaSet"
        | "Deployment"
        | "DaemonSet"
        | "StatefulSet"
        | "Job" => &["spec", "template"],
        "CronJob" => &["spec", "jobTemplate", "spec", "template"],
        _ => return None,
    })
}

/// A workload object: its identity and the pod template it runs.
#[derive(Debug, Clone, PartialEq)]
pub struct Workload<'d> {
    pub kind: &'d str,
    pub api_version: &'d str,
    pub name: &'d str,
    pub namespace: &'d str,
    /// The object's mapping node.
    pub root: NodeId,
    pub pos: Pos,
    /// Field path of the pod template (`""` for a Pod, `spec.template`, …).
    pub template_path: &'static str,
    /// `None` for a ReplicationController without a template (nothing runs).
    pub pod: Option<PodTemplate<'d>>,
}

/// What one document (or `List` item) turned out to be.
#[derive(Debug)]
pub enum Object<'d> {
    Workload(Box<Workload<'d>>),
    /// A Kubernetes object of a kind that runs no pods (Service, ConfigMap…).
    Other {
        kind: &'d str,
    },
    /// A workload whose fields have the wrong types: the API would refuse it.
    Invalid {
        kind: &'d str,
        name: &'d str,
        pos: Pos,
        error: TypeError,
    },
}

/// Reads the objects of a document: nothing for empty documents and for
/// YAML that is not a Kubernetes object, the items of a `List`.
pub fn objects<'d>(doc: &'d Doc<'_>) -> Vec<Object<'d>> {
    let mut out = Vec::new();
    if let Some(root) = doc.root {
        collect(doc, root, &mut out, 0);
    }
    out
}

fn str_at<'d>(doc: &'d Doc<'_>, map: NodeId, key: &str) -> Option<&'d str> {
    let (_, v) = doc.get(map, key)?;
    match doc.kind(v) {
        NodeKind::Scalar(s) if s.value == crate::source::Value::Str => Some(&s.text),
        _ => None,
    }
}

fn collect<'d>(doc: &'d Doc<'_>, root: NodeId, out: &mut Vec<Object<'d>>, depth: u32) {
    let root = doc.resolve(root);
    if !matches!(doc.kind(root), NodeKind::Map(_)) {
        return;
    }
    let Some(kind) = str_at(doc, root, "kind") else {
        return;
    };
    if kind.ends_with("List") && depth < 4 {
        if let Some((_, items)) = doc.get(root, "items") {
            for item in doc.items(items) {
                collect(doc, item, out, depth + 1);
            }
        }
        return;
    }
    let Some(path) = template_path(kind) else {
        out.push(Object::Other { kind });
        return;
    };
    let meta = doc.get(root, "metadata").map(|(_, m)| m);
    let name = meta.and_then(|m| str_at(doc, m, "name")).unwrap_or("");
    let namespace = meta.and_then(|m| str_at(doc, m, "namespace")).unwrap_or("");
    let api_version = str_at(doc, root, "apiVersion").unwrap_or("");
    let pos = doc.node(root).pos;

    let mut d = Decoder::new(doc, &[]);
    // Walk down to the template; a missing step yields the zero template,
    // except ReplicationController whose template is a pointer.
    let mut template = Some(root);
    let mut missing = false;
    for &step in path {
        match d.object(template, step) {
            Some(t) => {
                d.push(Seg::Key(step));
                template = Some(t);
            }
            None => {
                missing = true;
                template = None;
                break;
            }
        }
    }
    let pod = if missing && kind == "ReplicationController" {
        None
    } else {
        let (metadata, spec) = match (kind, template) {
            ("Pod", _) => (
                d.object(Some(root), "metadata"),
                d.object(Some(root), "spec"),
            ),
            (_, Some(t)) => (d.object(Some(t), "metadata"), d.object(Some(t), "spec")),
            (_, None) => (None, None),
        };
        Some(decode_template(&mut d, metadata, spec))
    };
    if let Some(error) = d.error {
        out.push(Object::Invalid {
            kind,
            name,
            pos,
            error,
        });
        return;
    }
    out.push(Object::Workload(Box::new(Workload {
        kind,
        api_version,
        name,
        namespace,
        root,
        pos,
        template_path: match kind {
            "Pod" => "",
            "PodTemplate" => "template",
            "CronJob" => "spec.jobTemplate.spec.template",
            _ => "spec.template",
        },
        pod,
    })));
}

impl<'d> Workload<'d> {
    pub fn display_name(&self) -> String {
        let name = if self.name.is_empty() {
            "(unnamed)"
        } else {
            self.name
        };
        format!("{}/{}", self.kind, name)
    }
}

/// A `Namespace` object of the input: its name and labels.
#[derive(Clone, Debug, Default)]
pub struct NamespaceObject {
    pub name: String,
    pub labels: Vec<(String, String)>,
}

/// The `v1` Namespace objects of a document (Lists included).
pub fn namespaces(doc: &Doc<'_>) -> Vec<NamespaceObject> {
    fn walk(doc: &Doc<'_>, node: NodeId, out: &mut Vec<NamespaceObject>, depth: u32) {
        let node = doc.resolve(node);
        if !matches!(doc.kind(node), NodeKind::Map(_)) {
            return;
        }
        let Some(kind) = str_at(doc, node, "kind") else {
            return;
        };
        if kind.ends_with("List") && depth < 4 {
            if let Some((_, items)) = doc.get(node, "items") {
                for item in doc.items(items) {
                    walk(doc, item, out, depth + 1);
                }
            }
            return;
        }
        if kind != "Namespace" || str_at(doc, node, "apiVersion") != Some("v1") {
            return;
        }
        let meta = doc.get(node, "metadata").map(|(_, m)| doc.resolve(m));
        let name = meta.and_then(|m| str_at(doc, m, "name")).unwrap_or("");
        let mut labels = Vec::new();
        if let Some((_, l)) = meta.and_then(|m| doc.get(m, "labels")) {
            let l = doc.resolve(l);
            if matches!(doc.kind(l), NodeKind::Map(_)) {
                for (k, _, v) in doc.entries(l) {
                    let v = match doc.kind(doc.resolve(v)) {
                        NodeKind::Scalar(s) => s.text.to_string(),
                        _ => continue,
                    };
                    labels.push((k.into_owned(), v));
                }
            }
        }
        out.push(NamespaceObject {
            name: name.to_string(),
            labels,
        });
    }
    let mut out = Vec::new();
    if let Some(root) = doc.root {
        walk(doc, root, &mut out, 0);
    }
    out
}
