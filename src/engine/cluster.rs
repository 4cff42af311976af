//! `podsec cluster report`: per namespace, the Pod Security level every
//! workload passes today, what blocks the stricter ones (worded as the
//! controller's namespace-label warning), and the labels to set. Pure:
//! objects in, report out.

use std::collections::BTreeMap;

use serde::Serialize;

use super::load::{doc_workloads, each_doc};
use crate::input::InputError;
use crate::pss::namespace::{NamespacePolicy, PREFIX};
use crate::pss::{Level, Version, evaluate};
use crate::source::Doc;

/// One workload as the report counts it.
#[derive(Clone, Debug)]
struct Counted {
    /// Index into `Inventory::strings`.
    kind: u16,
    name: String,
    /// Check reasons failing at baseline and at restricted (sorted as
    /// the controller aggregates them: in check order).
    baseline: Vec<u16>,
    restricted: Vec<u16>,
    checks: Vec<&'static str>,
    uid: Option<String>,
    owner: Option<String>,
}

/// What the report reads: namespaces and the workloads in them.
#[derive(Default)]
pub struct Inventory {
    namespaces: BTreeMap<String, Option<Vec<(String, String)>>>,
    workloads: BTreeMap<String, Vec<Counted>>,
    /// Kinds and check reasons, each stored once (records hold indices:
    /// a 50,000-pod cluster repeats a handful of them).
    strings: Vec<String>,
    string_ids: std::collections::HashMap<String, u16>,
    /// `namespace/owner uid` of the pods kept: a controller's further pods
    /// are not kept (they count once anyway), so memory grows with the
    /// controllers, not with the pods.
    pod_owners: std::collections::HashSet<String>,
    /// `namespace/uid` of the controllers counted (or standing under one
    /// that is).
    known: std::collections::HashSet<String>,
    pub errors: Vec<InputError>,
}

fn meta_str(doc: &Doc<'_>, root: crate::source::NodeId, key: &str) -> Option<String> {
    let (_, m) = doc.get(root, "metadata")?;
    doc.get(m, key).map(|(_, v)| doc.key_str(v).into_owned())
}

/// The uid of the object's controlling owner (`ownerReferences[]` with
/// `controller: true`).
fn controller_of(doc: &Doc<'_>, root: crate::source::NodeId) -> Option<String> {
    let (_, m) = doc.get(root, "metadata")?;
    let (_, refs) = doc.get(m, "ownerReferences")?;
    doc.items(refs).find_map(|r| {
        let ctl = doc
            .get(r, "controller")
            .is_some_and(|(_, v)| doc.key_str(v) == "true");
        ctl.then(|| doc.get(r, "uid").map(|(_, v)| doc.key_str(v).into_owned()))
            .flatten()
    })
}

fn intern(
    strings: &mut Vec<String>,
    ids: &mut std::collections::HashMap<String, u16>,
    s: &str,
) -> u16 {
    if let Some(&i) = ids.get(s) {
        return i;
    }
    let i = strings.len() as u16;
    strings.push(s.to_string());
    ids.insert(s.to_string(), i);
    i
}

impl Inventory {
    /// Adds the objects of one file (a `kubectl get -A -o json|yaml` dump,
    /// or manifests).
    pub fn add(&mut self, file: &str, text: &str, version: Version) {
        let mut errors = Vec::new();
        let mut doc_errors = Vec::new();
        each_doc(file, text, &mut errors, |doc| {
            self.add_doc(file, &doc, version, &mut doc_errors);
        });
        self.errors.extend(errors);
        self.errors.extend(doc_errors);
    }

    /// Adds objects already parsed (a page of a live list), without
    /// writing them out as text first.
    pub fn add_value(&mut self, name: &str, objects: &serde_json::Value, version: Version) {
        let doc = crate::source::json::from_value(objects);
        let mut errors = Vec::new();
        self.add_doc(name, &doc, version, &mut errors);
        self.errors.extend(errors);
    }

    fn add_doc(
        &mut self,
        file: &str,
        doc: &Doc<'_>,
        version: Version,
        doc_errors: &mut Vec<InputError>,
    ) {
        for ns in crate::model::workload::namespaces(doc) {
            let labels: Vec<(String, String)> = ns
                .labels
                .into_iter()
                .filter(|(k, _)| k.starts_with(PREFIX))
                .collect();
            self.namespaces.insert(ns.name, Some(labels));
        }
        doc_workloads(file, doc, doc_errors, |w| {
            let Some(pod) = &w.pod else { return };
            let ns = if w.namespace.is_empty() {
                "default".to_string()
            } else {
                w.namespace.to_string()
            };
            self.namespaces.entry(ns.clone()).or_insert(None);
            let owner = controller_of(doc, w.root);
            let uid = meta_str(doc, w.root, "uid");
            // An object whose controller is already counted changes no
            // count (a live read lists controllers before pods).
            let referenced = w.kind != "Pod"
                && uid
                    .as_ref()
                    .is_some_and(|u| self.pod_owners.contains(&format!("{ns}/{u}")));
            if let Some(o) = &owner
                && !referenced
                && self.known.contains(&format!("{ns}/{o}"))
            {
                if w.kind != "Pod"
                    && let Some(u) = &uid
                {
                    self.known.insert(format!("{ns}/{u}"));
                }
                return;
            }
            // Pods own nothing, so a sibling of a pod already kept
            // changes no count.
            if w.kind == "Pod"
                && let Some(o) = &owner
                && !self.pod_owners.insert(format!("{ns}/{o}"))
            {
                return;
            }
            if w.kind != "Pod"
                && let Some(u) = &uid
            {
                self.known.insert(format!("{ns}/{u}"));
            }
            let b = evaluate(pod, Level::Baseline, version);
            let r = evaluate(pod, Level::Restricted, version);
            let mut checks: Vec<&'static str> = r.iter().map(|v| v.check).collect();
            checks.dedup();
            let (strings, ids) = (&mut self.strings, &mut self.string_ids);
            let mut reasons = |v: &[crate::pss::Violation]| {
                let mut out: Vec<u16> = Vec::new();
                for x in v {
                    let id = intern(strings, ids, &x.reason);
                    if !out.contains(&id) {
                        out.push(id);
                    }
                }
                out
            };
            let (baseline, restricted) = (reasons(&b), reasons(&r));
            let kind = intern(&mut self.strings, &mut self.string_ids, w.kind);
            self.workloads.entry(ns).or_default().push(Counted {
                kind,
                name: w.name.to_string(),
                baseline,
                restricted,
                checks,
                uid,
                owner,
            });
        });
    }

    /// A namespace's workloads, a controller and everything it owns
    /// (ReplicaSets, pods) counted once, as the top controller when the
    /// input holds it.
    fn counted(&self, ns: &str) -> Vec<&Counted> {
        let Some(all) = self.workloads.get(ns) else {
            return Vec::new();
        };
        let owner: std::collections::HashMap<&str, &str> = all
            .iter()
            .filter_map(|w| Some((w.uid.as_deref()?, w.owner.as_deref()?)))
            .collect();
        let root = |w: &Counted| -> Option<String> {
            let mut cur = w.owner.as_deref().or(w.uid.as_deref())?;
            for _ in 0..16 {
                match owner.get(cur) {
                    Some(next) => cur = next,
                    None => break,
                }
            }
            Some(cur.to_string())
        };
        let mut seen: std::collections::HashMap<String, usize> = Default::default();
        let mut out: Vec<&Counted> = Vec::new();
        for w in all {
            let Some(r) = root(w) else {
                out.push(w);
                continue;
            };
            match seen.get(&r) {
                // The top controller itself replaces a pod standing for it.
                Some(&i) => {
                    if w.uid.as_deref() == Some(r.as_str()) {
                        out[i] = w;
                    }
                }
                None => {
                    seen.insert(r, out.len());
                    out.push(w);
                }
            }
        }
        out
    }

    /// The report, namespace by namespace (sorted by name).
    pub fn report(&self, version: Version) -> Vec<NamespaceReport> {
        let mut out = Vec::new();
        for (name, labels) in &self.namespaces {
            let ws = self.counted(name);
            let strictest = if ws.iter().any(|w| !w.baseline.is_empty()) {
                Level::Privileged
            } else if ws.iter().any(|w| !w.restricted.is_empty()) {
                Level::Baseline
            } else {
                Level::Restricted
            };
            let mut blocked = Vec::new();
            for level in [Level::Baseline, Level::Restricted] {
                if level <= strictest {
                    continue;
                }
                let failing: Vec<&Counted> = ws
                    .iter()
                    .copied()
                    .filter(|w| {
                        !(if level == Level::Baseline {
                            &w.baseline
                        } else {
                            &w.restricted
                        })
                        .is_empty()
                    })
                    .collect();
                // Grouped by reason set, as the controller's warning does.
                let mut groups: BTreeMap<Vec<u16>, Vec<&Counted>> = BTreeMap::new();
                for w in &failing {
                    let reasons = if level == Level::Baseline {
                        w.baseline.clone()
                    } else {
                        w.restricted.clone()
                    };
                    groups.entry(reasons).or_default().push(w);
                }
                let mut gs: Vec<Group> = groups
                    .into_iter()
                    .map(|(ids, mut members)| {
                        let reasons: Vec<String> = ids
                            .iter()
                            .map(|&i| self.strings[i as usize].clone())
                            .collect();
                        members.sort_by(|a, b| a.name.cmp(&b.name));
                        let first = &members[0];
                        let others = members.len() - 1;
                        let mut codes: Vec<&'static str> = Vec::new();
                        for m in &members {
                            for c in &m.checks {
                                for r in crate::rules::RULES.iter().filter(|r| {
                                    r.pss.is_some_and(|t| t.check == *c && t.level <= level)
                                }) {
                                    if !codes.contains(&r.code) {
                                        codes.push(r.code);
                                    }
                                }
                            }
                        }
                        codes.sort();
                        Group {
                            warning: format!(
                                "{}{}: {}",
                                first.name,
                                match others {
                                    0 => String::new(),
                                    1 => " (and 1 other pod)".into(),
                                    n => format!(" (and {n} other pods)"),
                                },
                                reasons.join(", ")
                            ),
                            workloads: members
                                .iter()
                                .map(|m| format!("{}/{}", self.strings[m.kind as usize], m.name))
                                .collect(),
                            reasons,
                            rules: codes,
                        }
                    })
                    .collect();
                // Sorted as the controller sorts its warning lines.
                gs.sort_by(|a, b| a.warning.cmp(&b.warning));
                blocked.push(Blocked {
                    level: level.as_str(),
                    heading: format!(
                        "existing pods in namespace {name:?} violate the new PodSecurity enforce level \"{level}:{version}\""
                    ),
                    violating: failing.len(),
                    groups: gs,
                });
            }
            let current = labels.clone().unwrap_or_default();
            let policy = NamespacePolicy::from_labels(name, &current);
            let v = version.to_string();
            let label = format!(
                "kubectl label --overwrite namespace {name} {PREFIX}enforce={strictest} {PREFIX}enforce-version={v} {PREFIX}warn=restricted {PREFIX}warn-version={v} {PREFIX}audit=restricted {PREFIX}audit-version={v}"
            );
            out.push(NamespaceReport {
                namespace: name.clone(),
                in_input: labels.is_some(),
                labels: current.into_iter().collect(),
                label_errors: policy.errors.clone(),
                current_enforce: policy.enforce.to_string(),
                workloads: ws.len(),
                strictest: strictest.as_str(),
                blocked,
                recommended: label,
                server: Vec::new(),
            });
        }
        out
    }
}

/// The API server's own answer to one label change (`--server-dry-run`).
#[derive(Debug, Serialize)]
pub struct ServerCheck {
    /// The enforce policy dry-run (`LEVEL:VERSION`).
    pub policy: String,
    /// The warnings the API server returned.
    pub warnings: Vec<String>,
    /// Where they and podsec's differ (empty: they agree).
    pub differences: Vec<String>,
}

/// The reasons of a namespace-check warning line (`NAME (and N other
/// pods): REASONS`); `None` for the heading and the truncation notice.
fn warning_reasons(w: &str) -> Option<&str> {
    if w.starts_with("existing pods in namespace ")
        || w.starts_with("new PodSecurity enforce level only checked")
    {
        return None;
    }
    w.split_once(": ").map(|(_, r)| r)
}

impl NamespaceReport {
    /// The warnings podsec expects from setting enforce to `level` (the
    /// heading, then one line per reason set), or `None` when the
    /// controller would not check the existing pods for that change.
    pub fn expected_warnings(&self, level: Level, version: Version) -> Option<Vec<String>> {
        let labels: Vec<(String, String)> = self.labels.clone().into_iter().collect();
        let old = NamespacePolicy::from_labels(&self.namespace, &labels).enforce;
        let new = crate::pss::namespace::Policy { level, version };
        if !crate::pss::namespace::checks_existing_pods(old, new) {
            return None;
        }
        let mut out = Vec::new();
        if let Some(b) = self.blocked.iter().find(|b| b.level == level.as_str()) {
            out.push(b.heading.clone());
            out.extend(b.groups.iter().map(|g| g.warning.clone()));
        }
        Some(out)
    }

    /// Compares the API server's warnings for `level` with podsec's, by
    /// heading and reason sets (the server names and counts pods, podsec
    /// controllers, so names and counts may differ).
    pub fn compare(&self, level: Level, version: Version, server: Vec<String>) -> ServerCheck {
        let policy = format!("{level}:{version}");
        let expected = self.expected_warnings(level, version).unwrap_or_default();
        let mut differences = Vec::new();
        let has_heading = |ws: &[String]| {
            ws.iter()
                .any(|w| w.starts_with("existing pods in namespace "))
        };
        match (has_heading(&expected), has_heading(&server)) {
            (true, false) => differences.push(format!(
                "podsec expects existing pods to violate {policy}; the API server did not warn"
            )),
            (false, true) => differences.push(format!(
                "the API server warns that existing pods violate {policy}; podsec found none"
            )),
            _ => {}
        }
        let sets = |ws: &[String]| -> std::collections::BTreeSet<String> {
            ws.iter()
                .filter_map(|w| warning_reasons(w))
                .map(str::to_string)
                .collect()
        };
        let (ours, theirs) = (sets(&expected), sets(&server));
        for r in theirs.difference(&ours) {
            differences.push(format!(
                "the API server warns of pods with {r}; podsec has no workload with exactly these reasons"
            ));
        }
        for r in ours.difference(&theirs) {
            differences.push(format!(
                "podsec has workloads with {r}; the API server did not warn of them"
            ));
        }
        if let Some(n) = server
            .iter()
            .find(|w| w.starts_with("new PodSecurity enforce level only checked"))
        {
            differences.push(format!("the API server did not check every pod: {n}"));
        }
        ServerCheck {
            policy,
            warnings: server,
            differences,
        }
    }
}

#[derive(Debug, Serialize)]
pub struct NamespaceReport {
    pub namespace: String,
    /// The input holds the Namespace object.
    pub in_input: bool,
    /// Its `pod-security.kubernetes.io/` labels.
    pub labels: BTreeMap<String, String>,
    pub label_errors: Vec<String>,
    /// The enforce policy the labels make today.
    pub current_enforce: String,
    /// Workloads counted (a controller and its pods once).
    pub workloads: usize,
    /// The strictest level every workload passes.
    pub strictest: &'static str,
    /// For each stricter level, what violates it.
    pub blocked: Vec<Blocked>,
    /// The `kubectl label` command for the recommended labels.
    pub recommended: String,
    /// The API server's answers (`--server-dry-run`), per level.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub server: Vec<ServerCheck>,
}

#[derive(Debug, Serialize)]
pub struct Blocked {
    pub level: &'static str,
    /// The controller's warning heading for this level.
    pub heading: String,
    pub violating: usize,
    pub groups: Vec<Group>,
}

#[derive(Debug, Serialize)]
pub struct Group {
    /// `web-7d4 (and 3 other pods): REASONS`, as the controller warns.
    pub warning: String,
    pub reasons: Vec<String>,
    pub workloads: Vec<String>,
    /// The podsec rules whose fixes address these reasons.
    pub rules: Vec<&'static str>,
}
