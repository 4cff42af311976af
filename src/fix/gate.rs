//! The validation gate a fixed object passes before it is written: what the
//! API server's own validation (`ValidatePod`, `ValidateSecurityContext`,
//! the Windows and volume checks in `pkg/apis/core/validation`) refuses, for
//! the fields fixes touch, and the field-by-field comparison that a fix
//! changed only what it meant to.

use crate::model::pod::{Profile, SecurityContext};
use crate::model::{MAX_ID, PodSpec};
use crate::source::tree::{Doc, NodeId, NodeKind};

/// One reason the API server would refuse a pod template, with the field
/// path the API reports (`spec.containers[0].securityContext`).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct ApiError {
    pub path: String,
    pub message: String,
}

/// A DNS-1123 label: what a volume name must be.
pub fn dns1123_label(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty()
        && b.len() <= 63
        && b.iter()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-')
        && b[0] != b'-'
        && b[b.len() - 1] != b'-'
}

fn profile_errors(p: &Profile<'_>, path: &str, out: &mut Vec<ApiError>) {
    let mut err = |m: String| {
        out.push(ApiError {
            path: path.to_string(),
            message: m,
        })
    };
    match p.type_str() {
        "Localhost" => {
            if p.localhost_profile.is_none_or(|l| l.v.is_empty()) {
                err("localhostProfile: Required value: must be set when type is Localhost".into());
            }
        }
        "RuntimeDefault" | "Unconfined" => {
            if p.localhost_profile.is_some() {
                err(
                    "localhostProfile: Invalid value: can only be set when type is Localhost"
                        .into(),
                );
            }
        }
        other => err(format!(
            "type: Unsupported value: {other:?}: supported values: \"Localhost\", \"RuntimeDefault\", \"Unconfined\""
        )),
    }
}

/// The checks a pod's and a container's securityContext share: ID ranges,
/// profile shapes, and (for a Windows pod) the Linux-only fields both
/// levels have, plus `windows_only`, the level's own.
fn both_levels(
    sc: &SecurityContext<'_>,
    path: &str,
    windows: bool,
    windows_only: &[(bool, &str)],
    out: &mut Vec<ApiError>,
) {
    ids(sc, path, out);
    if let Some(p) = &sc.seccomp_profile {
        profile_errors(p, &format!("{path}.seccompProfile"), out);
    }
    if let Some(p) = &sc.app_armor_profile {
        profile_errors(p, &format!("{path}.appArmorProfile"), out);
    }
    if windows {
        forbid_on_windows(
            out,
            path,
            &[
                (sc.se_linux_options.is_some(), "seLinuxOptions"),
                (sc.seccomp_profile.is_some(), "seccompProfile"),
                (sc.app_armor_profile.is_some(), "appArmorProfile"),
                (sc.run_as_user.is_some(), "runAsUser"),
                (sc.run_as_group.is_some(), "runAsGroup"),
            ],
        );
        forbid_on_windows(out, path, windows_only);
    }
}

/// The Linux-only fields a Windows pod sets (`validateWindows`).
fn forbid_on_windows(out: &mut Vec<ApiError>, path: &str, fields: &[(bool, &str)]) {
    for (set, field) in fields {
        if *set {
            out.push(ApiError {
                path: format!("{path}.{field}"),
                message: "Forbidden: cannot be set for a windows pod".into(),
            });
        }
    }
}

fn ids(sc: &SecurityContext<'_>, path: &str, out: &mut Vec<ApiError>) {
    let mut check = |field: &str, v: i64| {
        if !(0..=MAX_ID).contains(&v) {
            out.push(ApiError {
                path: format!("{path}.{field}"),
                message: format!("Invalid value: {v}: must be between 0 and 2147483647, inclusive"),
            });
        }
    };
    for (f, v) in [
        ("runAsUser", sc.run_as_user),
        ("runAsGroup", sc.run_as_group),
        ("fsGroup", sc.fs_group),
    ] {
        if let Some(v) = v {
            check(f, v.v);
        }
    }
    for (i, g) in sc.supplemental_groups.iter().enumerate() {
        check(&format!("supplementalGroups[{i}]"), g.v);
    }
}

/// What the API server would refuse in a pod template, for the fields
/// podsec's fixes write. `prefix` is the template's path in its object
/// (`spec.template.`, or empty for a Pod).
pub fn api_errors(spec: &PodSpec<'_>, prefix: &str) -> Vec<ApiError> {
    let mut out = Vec::new();
    let windows = spec.is_windows();
    let push = |out: &mut Vec<ApiError>, path: String, message: &str| {
        out.push(ApiError {
            path,
            message: message.to_string(),
        })
    };
    if let Some(sc) = &spec.security_context {
        let path = format!("{prefix}spec.securityContext");
        both_levels(
            sc,
            &path,
            windows,
            &[
                (sc.fs_group.is_some(), "fsGroup"),
                (sc.fs_group_change_policy.is_some(), "fsGroupChangePolicy"),
                (!sc.sysctls.is_empty(), "sysctls"),
                (!sc.supplemental_groups.is_empty(), "supplementalGroups"),
            ],
            &mut out,
        );
    }
    let mut volume_names: Vec<&str> = Vec::new();
    for (i, v) in spec.volumes.iter().enumerate() {
        let path = format!("{prefix}spec.volumes[{i}].name");
        if !dns1123_label(v.name) {
            push(
                &mut out,
                path,
                "Invalid value: a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', start and end with an alphanumeric character, and be at most 63 characters",
            );
        } else if volume_names.contains(&v.name) {
            push(&mut out, path, "Duplicate value");
        } else {
            volume_names.push(v.name);
        }
    }
    for c in spec.all_containers() {
        let base = format!("{prefix}spec.{}[{}]", c.kind.field(), c.index);
        let mut paths: Vec<&str> = Vec::new();
        for (j, m) in c.volume_mounts.iter().enumerate() {
            let mp = format!("{base}.volumeMounts[{j}]");
            if let Some(n) = m.name
                && !spec.volumes.iter().any(|v| v.name == n.v)
            {
                push(&mut out, format!("{mp}.name"), "Not found");
            }
            if let Some(p) = m.mount_path {
                if paths.contains(&p.v) {
                    push(
                        &mut out,
                        format!("{mp}.mountPath"),
                        "Invalid value: must be unique",
                    );
                }
                paths.push(p.v);
            }
        }
        let Some(sc) = &c.security_context else {
            continue;
        };
        let path = format!("{base}.securityContext");
        if sc.allow_privilege_escalation.is_some_and(|v| !v.v) {
            if sc.privileged.is_some_and(|v| v.v) {
                push(
                    &mut out,
                    path.clone(),
                    "Invalid value: cannot set `allowPrivilegeEscalation` to false and `privileged` to true",
                );
            }
            if sc
                .capabilities
                .as_ref()
                .is_some_and(|caps| caps.add.iter().any(|a| a.v == "CAP_SYS_ADMIN"))
            {
                push(
                    &mut out,
                    path.clone(),
                    "Invalid value: cannot set `allowPrivilegeEscalation` to false and `capabilities.Add` CAP_SYS_ADMIN",
                );
            }
        }
        if let Some(p) = sc.proc_mount
            && p.v != "Default"
            && p.v != "Unmasked"
        {
            push(
                &mut out,
                format!("{path}.procMount"),
                "Unsupported value: supported values: \"Default\", \"Unmasked\"",
            );
        }
        both_levels(
            sc,
            &path,
            windows,
            &[
                (sc.capabilities.is_some(), "capabilities"),
                (
                    sc.read_only_root_filesystem.is_some(),
                    "readOnlyRootFilesystem",
                ),
                (sc.privileged.is_some(), "privileged"),
                (
                    sc.allow_privilege_escalation.is_some(),
                    "allowPrivilegeEscalation",
                ),
                (sc.proc_mount.is_some(), "procMount"),
            ],
            &mut out,
        );
    }
    out.sort();
    out
}

// ---- intended differences ----

/// One step of a path in a document.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Seg {
    Key(String),
    Index(u32),
}

/// A path as the user reads it: `spec.containers[0].securityContext`.
pub fn display(path: &[Seg]) -> String {
    let mut s = String::new();
    for seg in path {
        match seg {
            Seg::Key(k) => {
                if !s.is_empty() {
                    s.push('.');
                }
                s.push_str(k);
            }
            Seg::Index(i) => s.push_str(&format!("[{i}]")),
        }
    }
    if s.is_empty() {
        "(the document)".into()
    } else {
        s
    }
}

/// What an edit means to change: the subtree at `path` of the document
/// whose root starts at byte `doc`, or (with `append`) only new items at
/// the end of the list at `path`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Intent {
    pub doc: u32,
    pub path: Vec<Seg>,
    pub append: bool,
}

/// Each node's parent and the step from it, for computing paths.
pub fn parents(doc: &Doc<'_>) -> Vec<Option<(NodeId, Seg)>> {
    let mut p = vec![None; doc.nodes.len()];
    for (i, n) in doc.nodes.iter().enumerate() {
        match &n.kind {
            NodeKind::Map(_) => {
                for &(k, v) in doc.pairs_of(i as NodeId) {
                    let key = Seg::Key(doc.key_str(k).into_owned());
                    p[v as usize] = Some((i as NodeId, key.clone()));
                    p[k as usize] = Some((i as NodeId, key));
                }
            }
            NodeKind::Seq(_) => {
                for (j, &item) in doc.items_of(i as NodeId).iter().enumerate() {
                    p[item as usize] = Some((i as NodeId, Seg::Index(j as u32)));
                }
            }
            _ => {}
        }
    }
    p
}

/// The path from the root to `node`, found by descending: nodes are
/// numbered in document order and a subtree is a run of numbers, so each
/// level is a binary search (no parent table to build).
pub fn path_to(doc: &Doc<'_>, node: NodeId) -> Vec<Seg> {
    descend(doc, node).into_iter().map(|(seg, _)| seg).collect()
}

/// `path_to`, with the node each step leads to.
pub fn descend(doc: &Doc<'_>, node: NodeId) -> Vec<(Seg, NodeId)> {
    let mut out = Vec::new();
    let Some(mut cur) = doc.root else {
        return out;
    };
    while cur != node {
        match doc.kind(cur) {
            NodeKind::Map(_) => {
                let pairs = doc.pairs_of(cur);
                let i = pairs.partition_point(|&(k, _)| k <= node);
                let Some(&(k, v)) = i.checked_sub(1).and_then(|i| pairs.get(i)) else {
                    break;
                };
                let seg = Seg::Key(doc.key_str(k).into_owned());
                if node < v {
                    out.push((seg, k));
                    break;
                }
                out.push((seg, v));
                cur = v;
            }
            NodeKind::Seq(_) => {
                let items = doc.items_of(cur);
                let i = items.partition_point(|&x| x <= node);
                let Some(&item) = i.checked_sub(1).and_then(|j| items.get(j)) else {
                    break;
                };
                out.push((Seg::Index((i - 1) as u32), item));
                cur = item;
            }
            _ => break,
        }
    }
    out
}

pub fn path_of(parents: &[Option<(NodeId, Seg)>], mut node: NodeId) -> Vec<Seg> {
    let mut out = Vec::new();
    let mut guard = 0;
    while let Some(Some((parent, seg))) = parents.get(node as usize) {
        out.push(seg.clone());
        node = *parent;
        guard += 1;
        if guard > 10_000 {
            break;
        }
    }
    out.reverse();
    out
}

/// The first place where `after` differs from `before` outside what the
/// intents allow, or where `after` has a duplicate key `before` did not.
pub fn unintended(before: &Doc<'_>, after: &Doc<'_>, intents: &[Intent]) -> Option<String> {
    let mut path = Vec::new();
    if let Some(d) = diff(
        before,
        before.root,
        after,
        after.root,
        intents,
        &mut path,
        0,
    ) {
        return Some(d);
    }
    let dups = |doc: &Doc<'_>| {
        let parents = parents(doc);
        let mut found = Vec::new();
        for (i, n) in doc.nodes.iter().enumerate() {
            if let NodeKind::Map(_) = n.kind {
                let mut keys: Vec<String> = doc
                    .pairs_of(i as NodeId)
                    .iter()
                    .map(|&(k, _)| doc.key_str(k).into_owned())
                    .collect();
                keys.sort();
                for w in keys.windows(2) {
                    if w[0] == w[1] && w[0] != "<<" {
                        let mut p = path_of(&parents, i as NodeId);
                        p.push(Seg::Key(w[0].clone()));
                        found.push(p);
                    }
                }
            }
        }
        found
    };
    let had = dups(before);
    dups(after)
        .into_iter()
        .find(|p| !had.contains(p))
        .map(|p| format!("{} would be a duplicate key", display(&p)))
}

fn covered(intents: &[Intent], path: &[Seg]) -> bool {
    intents
        .iter()
        .any(|i| !i.append && path.starts_with(&i.path))
}

fn diff(
    b: &Doc<'_>,
    bn: Option<NodeId>,
    a: &Doc<'_>,
    an: Option<NodeId>,
    intents: &[Intent],
    path: &mut Vec<Seg>,
    depth: u32,
) -> Option<String> {
    if covered(intents, path) {
        return None;
    }
    let changed = |path: &[Seg]| Some(format!("{} would change", display(path)));
    let (bn, an) = match (bn.map(|n| b.resolve(n)), an.map(|n| a.resolve(n))) {
        (None, None) => return None,
        (Some(x), Some(y)) => (x, y),
        _ => return changed(path),
    };
    if depth > 200 {
        return None;
    }
    match (b.kind(bn), a.kind(an)) {
        (NodeKind::Scalar(x), NodeKind::Scalar(y)) => {
            if x.value != y.value || x.text != y.text {
                return changed(path);
            }
        }
        (NodeKind::Map(_), NodeKind::Map(_)) => {
            let be = b.entries(bn);
            let ae = a.entries(an);
            let mut keys: Vec<String> = be
                .iter()
                .map(|(k, _, _)| k.to_string())
                .chain(ae.iter().map(|(k, _, _)| k.to_string()))
                .collect();
            keys.sort();
            keys.dedup();
            for k in keys {
                let bv = be.iter().find(|(x, _, _)| *x == k).map(|e| e.2);
                let av = ae.iter().find(|(x, _, _)| *x == k).map(|e| e.2);
                path.push(Seg::Key(k));
                let d = diff(b, bv, a, av, intents, path, depth + 1);
                path.pop();
                if d.is_some() {
                    return d;
                }
            }
        }
        (NodeKind::Seq(_), NodeKind::Seq(_)) => {
            let bi: Vec<NodeId> = b.items(bn).collect();
            let ai: Vec<NodeId> = a.items(an).collect();
            let append = intents.iter().any(|i| i.append && i.path == *path);
            if ai.len() < bi.len() || (ai.len() != bi.len() && !append) {
                return changed(path);
            }
            for (i, (&x, &y)) in bi.iter().zip(&ai).enumerate() {
                path.push(Seg::Index(i as u32));
                let d = diff(b, Some(x), a, Some(y), intents, path, depth + 1);
                path.pop();
                if d.is_some() {
                    return d;
                }
            }
        }
        _ => return changed(path),
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(t: &str) -> Doc<'_> {
        crate::source::yaml::parse(t)
            .docs
            .into_iter()
            .next()
            .unwrap()
    }

    fn api(t: &str) -> Vec<String> {
        let stream = crate::source::yaml::parse(t);
        let mut out = Vec::new();
        for obj in crate::model::objects(&stream.docs[0]) {
            if let crate::model::Object::Workload(w) = obj {
                let pod = w.pod.unwrap();
                out.extend(
                    api_errors(&pod.spec, "")
                        .into_iter()
                        .map(|e| format!("{}: {}", e.path, e.message)),
                );
            }
        }
        out
    }

    #[test]
    fn what_the_api_server_refuses() {
        let pod =
            |spec: &str| format!("apiVersion: v1\nkind: Pod\nmetadata: {{name: p}}\nspec:\n{spec}");
        assert_eq!(
            api(&pod(
                "  containers:\n  - name: a\n    securityContext: {privileged: true, allowPrivilegeEscalation: false}\n"
            )),
            [
                "spec.containers[0].securityContext: Invalid value: cannot set `allowPrivilegeEscalation` to false and `privileged` to true"
            ]
        );
        assert_eq!(
            api(&pod(
                "  containers:\n  - name: a\n    securityContext: {allowPrivilegeEscalation: false, capabilities: {add: [CAP_SYS_ADMIN]}}\n"
            )),
            [
                "spec.containers[0].securityContext: Invalid value: cannot set `allowPrivilegeEscalation` to false and `capabilities.Add` CAP_SYS_ADMIN"
            ]
        );
        assert_eq!(
            api(&pod(
                "  os: {name: windows}\n  securityContext: {runAsUser: 1000}\n  containers:\n  - name: a\n    securityContext: {readOnlyRootFilesystem: true}\n"
            )),
            [
                "spec.containers[0].securityContext.readOnlyRootFilesystem: Forbidden: cannot be set for a windows pod",
                "spec.securityContext.runAsUser: Forbidden: cannot be set for a windows pod",
            ]
        );
        let bad = api(&pod(
            "  volumes: [{name: web-, emptyDir: {}}, {name: a, emptyDir: {}}, {name: a, emptyDir: {}}]\n  containers:\n  - name: a\n    volumeMounts: [{name: a, mountPath: /x}, {name: a, mountPath: /x}, {name: b, mountPath: /y}]\n",
        ));
        assert_eq!(bad.len(), 4, "{bad:?}");
        assert!(
            bad.iter()
                .any(|e| e.starts_with("spec.volumes[0].name: Invalid value"))
        );
        assert!(
            bad.iter()
                .any(|e| e == "spec.volumes[2].name: Duplicate value")
        );
        assert!(
            bad.iter().any(|e| e
                == "spec.containers[0].volumeMounts[1].mountPath: Invalid value: must be unique")
        );
        assert!(
            bad.iter()
                .any(|e| e == "spec.containers[0].volumeMounts[2].name: Not found")
        );
        assert_eq!(
            api(&pod(
                "  securityContext: {runAsUser: -1, seccompProfile: {type: Localhost}}\n  containers: [{name: a}]\n"
            )),
            [
                "spec.securityContext.runAsUser: Invalid value: -1: must be between 0 and 2147483647, inclusive",
                "spec.securityContext.seccompProfile: localhostProfile: Required value: must be set when type is Localhost",
            ]
        );
    }

    #[test]
    fn labels() {
        assert!(dns1123_label("web-tmp"));
        assert!(!dns1123_label("web-"));
        assert!(!dns1123_label("Web"));
        assert!(!dns1123_label(&"a".repeat(64)));
    }

    #[test]
    fn only_intended_paths_may_change() {
        let before = doc("a: {b: 1, c: [1, 2]}\nd: x\n");
        let after = doc("a: {b: 2, c: [1, 2, 3]}\nd: x\n");
        let sub = |p: &[&str]| Intent {
            doc: 0,
            path: p.iter().map(|k| Seg::Key(k.to_string())).collect(),
            append: false,
        };
        let app = |p: &[&str]| Intent {
            append: true,
            ..sub(p)
        };
        assert_eq!(
            unintended(&before, &after, &[]),
            Some("a.b would change".into())
        );
        assert_eq!(
            unintended(&before, &after, &[sub(&["a", "b"])]),
            Some("a.c would change".into())
        );
        assert_eq!(
            unintended(&before, &after, &[sub(&["a", "b"]), app(&["a", "c"])]),
            None
        );
        let dup = doc("a: {b: 1, b: 2}\nd: x\n");
        assert_eq!(
            unintended(&before, &dup, &[sub(&["a"])]),
            Some("a.b would be a duplicate key".into())
        );
    }
}
