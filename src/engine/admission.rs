//! Admission decisions: an `AdmissionReview` in, the review's response
//! out, by the same evaluator `podsec pss` uses. Pure (no I/O): the
//! webhook front end (`podsec serve`, `src/serve/`) only moves bytes.
//!
//! What is decided follows the Pod Security admission controller
//! (../shared/spec/pss.md): Pods are enforced, workload controllers get
//! warnings (or are denied when configured), ignored operations and
//! subresources are allowed untouched, exempt namespaces, users and runtime
//! classes are allowed with the `exempt` audit annotation.

use serde_json::{Value, json};

use crate::pss::{Level, Version, aggregate};

/// What a violation does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    Enforce,
    Warn,
    Audit,
}

/// The policy a review is decided by.
#[derive(Clone, Debug)]
pub struct Policy {
    pub level: Level,
    pub version: Version,
    pub mode: Mode,
    /// Deny controllers (Deployments…) whose pods would be denied, not only
    /// warn (the controller itself only enforces on Pods).
    pub enforce_controllers: bool,
    pub exempt_namespaces: Vec<String>,
    pub exempt_users: Vec<String>,
    pub exempt_runtime_classes: Vec<String>,
}

impl Default for Policy {
    fn default() -> Policy {
        Policy {
            level: Level::Restricted,
            version: Version::Latest,
            mode: Mode::Enforce,
            enforce_controllers: false,
            exempt_namespaces: Vec::new(),
            exempt_users: Vec::new(),
            exempt_runtime_classes: Vec::new(),
        }
    }
}

/// Pod subresources the controller does not evaluate.
const IGNORED_POD_SUBRESOURCES: &[&str] = &[
    "exec",
    "attach",
    "binding",
    "eviction",
    "log",
    "portforward",
    "proxy",
    "status",
];

/// Warnings longer than this may be cut by clients.
pub const MAX_WARNING: usize = 256;

fn truncate(s: &str, max: usize) -> String {
    if s.len() <= max {
        return s.to_string();
    }
    let mut end = max - 3;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}...", &s[..end])
}

/// Decides one review. `Err` when the body is not an AdmissionReview with
/// a request (the front end answers 400).
pub fn review(body: &[u8], policy: &Policy) -> Result<Value, String> {
    let v: Value = serde_json::from_slice(body).map_err(|e| format!("invalid JSON: {e}"))?;
    if v["kind"] != "AdmissionReview" {
        return Err("not an AdmissionReview".into());
    }
    let api_version = v["apiVersion"]
        .as_str()
        .ok_or("the AdmissionReview has no apiVersion")?
        .to_string();
    let req = v
        .get("request")
        .ok_or("the AdmissionReview has no request")?;
    let uid = req["uid"].as_str().ok_or("the request has no uid")?;
    let decision = decide(req, policy);
    let mut response = json!({"uid": uid, "allowed": decision.denied.is_none()});
    if let Some(message) = decision.denied {
        response["status"] = json!({
            "status": "Failure",
            "code": 403,
            "reason": "Forbidden",
            "message": message,
        });
    }
    if !decision.warnings.is_empty() {
        response["warnings"] = json!(decision.warnings);
    }
    if !decision.audit.is_empty() {
        response["auditAnnotations"] = Value::Object(
            decision
                .audit
                .into_iter()
                .map(|(k, v)| (k.to_string(), Value::String(v)))
                .collect(),
        );
    }
    Ok(json!({"apiVersion": api_version, "kind": "AdmissionReview", "response": response}))
}

#[derive(Default)]
struct Decision {
    denied: Option<String>,
    warnings: Vec<String>,
    audit: Vec<(&'static str, String)>,
}

fn decide(req: &Value, policy: &Policy) -> Decision {
    let mut d = Decision::default();
    let op = req["operation"].as_str().unwrap_or("");
    if op != "CREATE" && op != "UPDATE" {
        return d;
    }
    let kind = req["kind"]["kind"].as_str().unwrap_or("");
    let sub = req["subResource"].as_str().unwrap_or("");
    let is_pod = kind == "Pod";
    if is_pod && IGNORED_POD_SUBRESOURCES.contains(&sub) {
        return d;
    }
    if !is_pod && !sub.is_empty() {
        return d;
    }
    let object = &req["object"];
    if object.is_null() {
        return d;
    }
    // A Pod update is evaluated only when what runs changes (images,
    // containers, ephemeral containers), as the controller does.
    if is_pod
        && op == "UPDATE"
        && sub != "ephemeralcontainers"
        && !runs_differently(object, &req["oldObject"])
    {
        return d;
    }
    let namespace = req["namespace"].as_str().unwrap_or("");
    let user = req["userInfo"]["username"].as_str().unwrap_or("");
    let runtime_class = if is_pod {
        object["spec"]["runtimeClassName"].as_str()
    } else {
        None
    };
    let exempt = if policy.exempt_namespaces.iter().any(|n| n == namespace) {
        Some("namespace")
    } else if policy.exempt_users.iter().any(|u| u == user) {
        Some("user")
    } else if runtime_class.is_some_and(|r| policy.exempt_runtime_classes.iter().any(|x| x == r)) {
        Some("runtimeClass")
    } else {
        None
    };
    if let Some(why) = exempt {
        d.audit
            .push(("pod-security.kubernetes.io/exempt", why.to_string()));
        return d;
    }
    let text = object.to_string();
    let file = format!("{}.json", kind.to_ascii_lowercase());
    let parsed = super::pss::pss_file(&file, &text, &[policy.level], policy.version);
    let Some(w) = parsed.workloads.first() else {
        return d;
    };
    let violations = &w.results[0].1;
    if violations.is_empty() {
        return d;
    }
    let label = format!("{}:{}", policy.level, policy.version);
    let agg = aggregate(violations);
    let would = format!("would violate PodSecurity \"{label}\": {agg}");
    let enforced = policy.mode == Mode::Enforce && (is_pod || policy.enforce_controllers);
    if enforced {
        let resource = req["resource"]["resource"].as_str().unwrap_or("pods");
        let name = object["metadata"]["name"].as_str().unwrap_or("");
        let subject = if name.is_empty() {
            resource.to_string()
        } else {
            format!("{resource} {name:?}")
        };
        d.denied = Some(format!(
            "{subject} is forbidden: violates PodSecurity \"{label}\": {agg}"
        ));
        d.audit
            .push(("pod-security.kubernetes.io/enforce-policy", label.clone()));
        return d;
    }
    match policy.mode {
        Mode::Audit => d
            .audit
            .push(("pod-security.kubernetes.io/audit-violations", would)),
        // Warn mode, and controllers under enforce (their pods will be
        // denied: say so at `kubectl apply`).
        _ => d.warnings.push(truncate(&would, MAX_WARNING)),
    }
    d
}

/// Whether a Pod update changes what runs: container or init container
/// images or counts, ephemeral containers.
fn runs_differently(new: &Value, old: &Value) -> bool {
    let images = |v: &Value, key: &str| -> Vec<String> {
        v["spec"][key]
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|c| c["image"].as_str().unwrap_or("").to_string())
                    .collect()
            })
            .unwrap_or_default()
    };
    old.is_null()
        || ["containers", "initContainers", "ephemeralContainers"]
            .iter()
            .any(|k| images(new, k) != images(old, k))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn review_of(op: &str, kind: &str, resource: &str, object: Value, extra: Value) -> Vec<u8> {
        let mut req = json!({
            "uid": "705ab4f5-6393-11e8-b7cc-42010a800002",
            "kind": {"group": if kind == "Pod" { "" } else { "apps" }, "version": "v1", "kind": kind},
            "resource": {"group": "", "version": "v1", "resource": resource},
            "namespace": "prod",
            "operation": op,
            "userInfo": {"username": "alice"},
            "object": object,
            "dryRun": false,
        });
        if let (Value::Object(r), Value::Object(e)) = (&mut req, extra) {
            r.extend(e);
        }
        serde_json::to_vec(&json!({"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "request": req})).unwrap()
    }

    fn weak_pod() -> Value {
        json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web", "namespace": "prod"},
               "spec": {"containers": [{"name": "app", "image": "nginx"}]}})
    }

    #[test]
    fn pods_are_denied_in_the_controllers_words() {
        let r = review(
            &review_of("CREATE", "Pod", "pods", weak_pod(), json!({})),
            &Policy::default(),
        )
        .unwrap();
        assert_eq!(r["response"]["uid"], "705ab4f5-6393-11e8-b7cc-42010a800002");
        assert_eq!(r["response"]["allowed"], false);
        assert_eq!(
            r["response"]["status"]["message"],
            "pods \"web\" is forbidden: violates PodSecurity \"restricted:latest\": allowPrivilegeEscalation != false (container \"app\" must set securityContext.allowPrivilegeEscalation=false), unrestricted capabilities (container \"app\" must set securityContext.capabilities.drop=[\"ALL\"]), runAsNonRoot != true (pod or container \"app\" must set securityContext.runAsNonRoot=true), seccompProfile (pod or container \"app\" must set securityContext.seccompProfile.type to \"RuntimeDefault\" or \"Localhost\")"
        );
        // dryRun: the same decision.
        let dry = review(
            &review_of("CREATE", "Pod", "pods", weak_pod(), json!({"dryRun": true})),
            &Policy::default(),
        )
        .unwrap();
        assert_eq!(dry["response"]["allowed"], false);
        // Baseline allows it.
        let p = Policy {
            level: Level::Baseline,
            ..Policy::default()
        };
        let ok = review(
            &review_of("CREATE", "Pod", "pods", weak_pod(), json!({})),
            &p,
        )
        .unwrap();
        assert_eq!(ok["response"]["allowed"], true);
        assert!(ok["response"].get("warnings").is_none());
    }

    #[test]
    fn controllers_warn_ignored_requests_pass_exemptions_are_annotated() {
        let deploy = json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"},
            "spec": {"selector": {"matchLabels": {"a": "b"}}, "template": {"metadata": {"labels": {"a": "b"}},
            "spec": {"containers": [{"name": "app", "image": "nginx", "securityContext": {"privileged": true}}]}}}});
        let r = review(
            &review_of(
                "CREATE",
                "Deployment",
                "deployments",
                deploy.clone(),
                json!({}),
            ),
            &Policy::default(),
        )
        .unwrap();
        assert_eq!(r["response"]["allowed"], true);
        let w = r["response"]["warnings"][0].as_str().unwrap();
        assert!(
            w.starts_with("would violate PodSecurity \"restricted:latest\": privileged"),
            "{w}"
        );
        assert!(w.len() <= MAX_WARNING);
        let p = Policy {
            enforce_controllers: true,
            ..Policy::default()
        };
        let r = review(
            &review_of("CREATE", "Deployment", "deployments", deploy, json!({})),
            &p,
        )
        .unwrap();
        assert!(
            r["response"]["status"]["message"]
                .as_str()
                .unwrap()
                .starts_with("deployments \"web\" is forbidden: violates PodSecurity")
        );
        for (op, extra) in [
            ("DELETE", json!({})),
            ("CREATE", json!({"subResource": "exec"})),
            ("CONNECT", json!({})),
        ] {
            let r = review(
                &review_of(op, "Pod", "pods", weak_pod(), extra),
                &Policy::default(),
            )
            .unwrap();
            assert_eq!(r["response"]["allowed"], true, "{op}");
        }
        let p = Policy {
            exempt_namespaces: vec!["prod".into()],
            ..Policy::default()
        };
        let r = review(
            &review_of("CREATE", "Pod", "pods", weak_pod(), json!({})),
            &p,
        )
        .unwrap();
        assert_eq!(r["response"]["allowed"], true);
        assert_eq!(
            r["response"]["auditAnnotations"]["pod-security.kubernetes.io/exempt"],
            "namespace"
        );
        let p = Policy {
            exempt_users: vec!["alice".into()],
            ..Policy::default()
        };
        let r = review(
            &review_of("CREATE", "Pod", "pods", weak_pod(), json!({})),
            &p,
        )
        .unwrap();
        assert_eq!(
            r["response"]["auditAnnotations"]["pod-security.kubernetes.io/exempt"],
            "user"
        );
        // An update that changes no image is not evaluated.
        let r = review(
            &review_of(
                "UPDATE",
                "Pod",
                "pods",
                weak_pod(),
                json!({"oldObject": weak_pod()}),
            ),
            &Policy::default(),
        )
        .unwrap();
        assert_eq!(r["response"]["allowed"], true);
        // Audit mode: allowed, annotated.
        let p = Policy {
            mode: Mode::Audit,
            ..Policy::default()
        };
        let r = review(
            &review_of("CREATE", "Pod", "pods", weak_pod(), json!({})),
            &p,
        )
        .unwrap();
        assert_eq!(r["response"]["allowed"], true);
        assert!(
            r["response"]["auditAnnotations"]["pod-security.kubernetes.io/audit-violations"]
                .as_str()
                .unwrap()
                .starts_with("would violate")
        );
        // The review's version is echoed; malformed bodies are errors.
        let mut b: Value =
            serde_json::from_slice(&review_of("CREATE", "Pod", "pods", weak_pod(), json!({})))
                .unwrap();
        b["apiVersion"] = json!("admission.k8s.io/v1beta1");
        let r = review(&serde_json::to_vec(&b).unwrap(), &Policy::default()).unwrap();
        assert_eq!(r["apiVersion"], "admission.k8s.io/v1beta1");
        assert!(review(b"{", &Policy::default()).is_err());
        assert!(
            review(
                b"{\"kind\": \"AdmissionReview\", \"apiVersion\": \"admission.k8s.io/v1\"}",
                &Policy::default()
            )
            .is_err()
        );
    }
}
