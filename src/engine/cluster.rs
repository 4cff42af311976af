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
    kind: String,
    name: String,
    /// Check reasons failing at baseline and at restricted (sorted as
    /// the controller aggregates them: in check order).
    baseline: Vec<String>,
    restricted: Vec<String>,
    checks: Vec<&'static str>,
    uid: Option<String>,
    owner: Option<String>,
}

/// What the report reads: namespaces and the workloads in them.
#[derive(Default)]
pub struct Inventory {
    namespaces: BTreeMap<String, Option<Vec<(String, String)>>>,
    workloads: BTreeMap<String, Vec<Counted>>,
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

impl Inventory {
    /// Adds the objects of one file (a `kubectl get -A -o json|yaml` dump,
    /// or manifests).
    pub fn add(&mut self, file: &str, text: &str, version: Version) {
        let mut errors = Vec::new();
        let mut doc_errors = Vec::new();
        each_doc(file, text, &mut errors, |doc| {
            for ns in crate::model::workload::namespaces(&doc) {
                let labels: Vec<(String, String)> = ns
                    .labels
                    .into_iter()
                    .filter(|(k, _)| k.starts_with(PREFIX))
                    .collect();
                self.namespaces.insert(ns.name, Some(labels));
            }
            doc_workloads(file, &doc, &mut doc_errors, |w| {
                let Some(pod) = &w.pod else { return };
                let b = evaluate(pod, Level::Baseline, version);
                let r = evaluate(pod, Level::Restricted, version);
                let mut checks: Vec<&'static str> = r.iter().map(|v| v.check).collect();
                checks.dedup();
                let reasons = |v: &[crate::pss::Violation]| {
                    let mut out: Vec<String> = Vec::new();
                    for x in v {
                        if !out.contains(&x.reason) {
                            out.push(x.reason.clone());
                        }
                    }
                    out
                };
                let ns = if w.namespace.is_empty() {
                    "default".to_string()
                } else {
                    w.namespace.to_string()
                };
                self.namespaces.entry(ns.clone()).or_insert(None);
                self.workloads.entry(ns).or_default().push(Counted {
                    kind: w.kind.to_string(),
                    name: w.name.to_string(),
                    baseline: reasons(&b),
                    restricted: reasons(&r),
                    checks,
                    uid: meta_str(&doc, w.root, "uid"),
                    owner: controller_of(&doc, w.root),
                });
            });
        });
        self.errors.extend(errors);
        self.errors.extend(doc_errors);
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
                let mut groups: BTreeMap<Vec<String>, Vec<&Counted>> = BTreeMap::new();
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
                    .map(|(reasons, mut members)| {
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
                                .map(|m| format!("{}/{}", m.kind, m.name))
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
            });
        }
        out
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
