//! A namespace's Pod Security policy, read from its labels as the admission
//! controller reads them (docs/config.md, "Namespace labels"): invalid `enforce`
//! levels fail closed (restricted), invalid `warn`/`audit` levels fail open
//! (privileged), invalid versions are `latest`; `warn` follows `enforce`
//! when it is not labelled. Missing labels are the cluster defaults, which
//! a file does not show: podsec takes the built-in ones (privileged,
//! latest).

use std::collections::HashMap;

use super::{Level, Version, Violation, aggregate, evaluate};
use crate::model::pod::PodTemplate;

pub const PREFIX: &str = "pod-security.kubernetes.io/";

/// One mode's policy.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Policy {
    pub level: Level,
    pub version: Version,
}

impl std::fmt::Display for Policy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.level, self.version)
    }
}

#[derive(Clone, Debug)]
pub struct NamespacePolicy {
    pub name: String,
    pub enforce: Policy,
    pub audit: Policy,
    pub warn: Policy,
    /// What is wrong with the labels, as the controller records it.
    pub errors: Vec<String>,
}

const DEFAULT: Policy = Policy {
    level: Level::Privileged,
    version: Version::Latest,
};

/// What a namespace without labels gets: the admission configuration's
/// `defaults` (each privileged:latest unless configured).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Defaults {
    pub enforce: Policy,
    pub audit: Policy,
    pub warn: Policy,
}

impl Default for Defaults {
    fn default() -> Defaults {
        Defaults {
            enforce: DEFAULT,
            audit: DEFAULT,
            warn: DEFAULT,
        }
    }
}

/// One invalid label as the API server reports it: the field error
/// `metadata.labels[KEY]: Invalid value: "VALUE": MESSAGE`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LabelError {
    pub key: String,
    pub value: String,
    pub message: &'static str,
}

impl std::fmt::Display for LabelError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "metadata.labels[{}]: Invalid value: {}: {}",
            self.key,
            super::go_quote(&self.value),
            self.message
        )
    }
}

/// The invalid Pod Security labels, in the controller's order (enforce,
/// enforce-version, audit, audit-version, warn, warn-version).
pub fn label_errors(labels: &[(String, String)]) -> Vec<LabelError> {
    let mut out = Vec::new();
    for mode in ["enforce", "audit", "warn"] {
        for (key, is_level) in [(mode.to_string(), true), (format!("{mode}-version"), false)] {
            let full = format!("{PREFIX}{key}");
            let Some((_, v)) = labels.iter().rev().find(|(k, _)| *k == full) else {
                continue;
            };
            let bad = if is_level {
                v.parse::<Level>().is_err()
            } else {
                v.parse::<Version>().is_err()
            };
            if bad {
                out.push(LabelError {
                    key: full,
                    value: v.clone(),
                    message: if is_level {
                        "must be one of privileged, baseline, restricted"
                    } else {
                        "must be \"latest\" or \"v1.x\""
                    },
                });
            }
        }
    }
    out
}

impl NamespacePolicy {
    /// The policy its labels make.
    pub fn from_labels(name: &str, labels: &[(String, String)]) -> NamespacePolicy {
        NamespacePolicy::with_defaults(name, labels, &Defaults::default())
    }

    /// The policy its labels make over `defaults`.
    pub fn with_defaults(
        name: &str,
        labels: &[(String, String)],
        defaults: &Defaults,
    ) -> NamespacePolicy {
        let get = |key: &str| {
            labels
                .iter()
                .rev()
                .find(|(k, _)| k.strip_prefix(PREFIX) == Some(key))
                .map(|(_, v)| v.as_str())
        };
        let mut errors = Vec::new();
        let mut level = |mode: &str, fail: Level, default: Level| -> (Level, bool) {
            match get(mode) {
                None => (default, false),
                Some(v) => match v.parse::<Level>() {
                    Ok(l) => (l, true),
                    Err(_) => {
                        errors.push(format!(
                            "{PREFIX}{mode}: invalid level {v:?}: treated as {fail} ({})",
                            if fail == Level::Restricted {
                                "fail closed"
                            } else {
                                "fail open"
                            }
                        ));
                        (fail, false)
                    }
                },
            }
        };
        let (enforce_level, enforce_valid) =
            level("enforce", Level::Restricted, defaults.enforce.level);
        let (audit_level, _) = level("audit", Level::Privileged, defaults.audit.level);
        let (warn_level, _) = level("warn", Level::Privileged, defaults.warn.level);
        let mut version = |mode: &str, default: Version| -> Version {
            let key = format!("{mode}-version");
            match get(&key) {
                None => default,
                Some(v) => v.parse().unwrap_or_else(|_| {
                    errors.push(format!(
                        "{PREFIX}{key}: invalid version {v:?}: treated as latest"
                    ));
                    Version::Latest
                }),
            }
        };
        let enforce = Policy {
            level: enforce_level,
            version: version("enforce", defaults.enforce.version),
        };
        let audit = Policy {
            level: audit_level,
            version: version("audit", defaults.audit.version),
        };
        let mut warn = Policy {
            level: warn_level,
            version: version("warn", defaults.warn.version),
        };
        // Warn follows a valid enforce label when warn is not labelled.
        if get("warn").is_none() && enforce_valid && enforce.level > warn.level {
            warn.level = enforce.level;
            if get("warn-version").is_none() {
                warn.version = enforce.version;
            }
        }
        NamespacePolicy {
            name: name.to_string(),
            enforce,
            audit,
            warn,
            errors,
        }
    }

    pub fn is_privileged(&self) -> bool {
        [self.enforce, self.audit, self.warn]
            .iter()
            .all(|p| p.level == Level::Privileged)
    }
}

/// The `pod-security.kubernetes.io/*` labels of a Namespace object as
/// JSON (an admission request's, or the API server's answer).
pub fn labels_of(obj: &serde_json::Value) -> Vec<(String, String)> {
    obj["metadata"]["labels"]
        .as_object()
        .map(|m| {
            m.iter()
                .filter(|(k, _)| k.starts_with(PREFIX))
                .map(|(k, v)| (k.clone(), v.as_str().unwrap_or("").to_string()))
                .collect()
        })
        .unwrap_or_default()
}

/// Whether changing a namespace's enforce policy from `old` to `new` makes
/// the controller check the namespace's existing pods: not when it is
/// unchanged, not when the new level is privileged, not when the version
/// is the same and the level is not stricter.
pub fn checks_existing_pods(old: Policy, new: Policy) -> bool {
    !(new == old
        || new.level == Level::Privileged
        || (new.version == old.version && new.level <= old.level))
}

/// The namespaces of an input, by name.
#[derive(Clone, Debug, Default)]
pub struct Namespaces {
    pub by_name: HashMap<String, NamespacePolicy>,
}

impl Namespaces {
    pub fn get(&self, name: &str) -> Option<&NamespacePolicy> {
        self.by_name.get(name)
    }

    pub fn is_empty(&self) -> bool {
        self.by_name.is_empty()
    }
}

/// What one mode does with one workload.
#[derive(Clone, Debug)]
pub struct ModeOutcome {
    /// `enforce`, `warn` or `audit`.
    pub mode: &'static str,
    pub policy: Policy,
    pub violations: Vec<Violation>,
    /// What the controller says, or `None` when it says nothing (allowed,
    /// or a warning not sent because enforce rejects the pod).
    pub message: Option<String>,
}

/// Whether the controller evaluates the `enforce` mode for `kind` (Pods
/// only; controllers get audit and warn, their pods enforce).
pub fn enforced_on(kind: &str) -> bool {
    kind == "Pod"
}

/// What each mode of `ns` does with a workload.
pub fn admit(
    ns: &NamespacePolicy,
    kind: &str,
    name: &str,
    pod: Option<&PodTemplate<'_>>,
) -> Vec<ModeOutcome> {
    let eval = |p: Policy| match pod {
        Some(pod) if p.level != Level::Privileged => evaluate(pod, p.level, p.version),
        _ => Vec::new(),
    };
    let enforce_v = eval(ns.enforce);
    let denied = !enforce_v.is_empty();
    let is_pod = enforced_on(kind);
    let resource = if is_pod { "pods" } else { "its pods" };
    let enforce_msg = denied.then(|| {
        let agg = aggregate(&enforce_v);
        if is_pod {
            let subject = if name.is_empty() {
                "pods".to_string()
            } else {
                format!("pods {name:?}")
            };
            format!(
                "{subject} is forbidden: violates PodSecurity \"{}\": {agg}",
                ns.enforce
            )
        } else {
            format!(
                "{resource} would be forbidden: violates PodSecurity \"{}\": {agg}",
                ns.enforce
            )
        }
    });
    let mut out = vec![ModeOutcome {
        mode: "enforce",
        policy: ns.enforce,
        violations: enforce_v,
        message: enforce_msg,
    }];
    for (mode, p) in [("warn", ns.warn), ("audit", ns.audit)] {
        let v = eval(p);
        // No warning is added to a request that enforce rejects.
        let silenced = mode == "warn" && denied && is_pod;
        let message = (!v.is_empty() && !silenced)
            .then(|| format!("would violate PodSecurity \"{p}\": {}", aggregate(&v)));
        out.push(ModeOutcome {
            mode,
            policy: p,
            violations: v,
            message,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (format!("{PREFIX}{k}"), v.to_string()))
            .collect()
    }

    #[test]
    fn labels_as_the_controller_reads_them() {
        let p = NamespacePolicy::from_labels(
            "a",
            &labels(&[("enforce", "baseline"), ("enforce-version", "v1.30")]),
        );
        assert_eq!(p.enforce.to_string(), "baseline:v1.30");
        // warn follows enforce, version too.
        assert_eq!(p.warn.to_string(), "baseline:v1.30");
        assert_eq!(p.audit.to_string(), "privileged:latest");
        let p = NamespacePolicy::from_labels(
            "a",
            &labels(&[("enforce", "baseline"), ("warn-version", "v1.25")]),
        );
        assert_eq!(p.warn.to_string(), "baseline:v1.25");
        // Invalid enforce: fail closed; it does not lead warn.
        let p =
            NamespacePolicy::from_labels("a", &labels(&[("enforce", "strict"), ("audit", "nope")]));
        assert_eq!(p.enforce.level, Level::Restricted);
        assert_eq!(p.audit.level, Level::Privileged);
        assert_eq!(p.warn.level, Level::Privileged);
        assert_eq!(p.errors.len(), 2, "{:?}", p.errors);
        let p = NamespacePolicy::from_labels(
            "a",
            &labels(&[("enforce", "restricted"), ("enforce-version", "1.30")]),
        );
        assert_eq!(p.enforce.to_string(), "restricted:latest");
        assert!(p.errors[0].contains("invalid version"));
        // An explicit warn label is kept, even if laxer.
        let p = NamespacePolicy::from_labels(
            "a",
            &labels(&[("enforce", "restricted"), ("warn", "privileged")]),
        );
        assert_eq!(p.warn.level, Level::Privileged);
        assert!(NamespacePolicy::from_labels("a", &[]).is_privileged());
    }
}
