//! Admission decisions: an `AdmissionReview` in, the review's response
//! out, by the same evaluator `podsec pss` uses. Pure (no I/O): the
//! webhook front end (`podsec serve`, `src/serve/`) only moves bytes.
//!
//! What is decided follows the Pod Security admission controller
//! (docs/webhook.md): Pods are enforced, workload controllers get
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
/// An AdmissionReview's request, its apiVersion and the request's uid.
fn envelope(body: &[u8]) -> Result<(Value, String, String), String> {
    let mut v: Value = serde_json::from_slice(body).map_err(|e| format!("invalid JSON: {e}"))?;
    if v["kind"] != "AdmissionReview" {
        return Err("not an AdmissionReview".into());
    }
    let api_version = v["apiVersion"]
        .as_str()
        .ok_or("the AdmissionReview has no apiVersion")?
        .to_string();
    let req = v
        .get_mut("request")
        .map(Value::take)
        .ok_or("the AdmissionReview has no request")?;
    let uid = req["uid"]
        .as_str()
        .ok_or("the request has no uid")?
        .to_string();
    Ok((req, api_version, uid))
}

pub fn review(body: &[u8], policy: &Policy) -> Result<Value, String> {
    let (req, api_version, uid) = envelope(body)?;
    let req = &req;
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

/// What `/mutate` applies: the safe fixes, or the unsafe ones too.
#[derive(Clone, Debug)]
pub struct MutatePolicy {
    pub unsafe_fixes: bool,
    pub exempt_namespaces: Vec<String>,
    pub exempt_users: Vec<String>,
}

/// RFC 4648 base64 (the AdmissionReview's `patch` field).
pub fn base64(bytes: &[u8]) -> String {
    const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(T[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

fn pointer_escape(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

/// An RFC 6902 patch that turns `from` into `to`: members added, removed
/// and replaced; arrays of one length item by item, others replaced whole.
pub fn json_patch(from: &Value, to: &Value) -> Vec<Value> {
    fn walk(path: &str, a: &Value, b: &Value, out: &mut Vec<Value>) {
        if a == b {
            return;
        }
        match (a, b) {
            (Value::Object(x), Value::Object(y)) => {
                for (k, bv) in y {
                    let p = format!("{path}/{}", pointer_escape(k));
                    match x.get(k) {
                        Some(av) => walk(&p, av, bv, out),
                        None => out.push(json!({"op": "add", "path": p, "value": bv})),
                    }
                }
                for k in x.keys().filter(|k| !y.contains_key(*k)) {
                    out.push(
                        json!({"op": "remove", "path": format!("{path}/{}", pointer_escape(k))}),
                    );
                }
            }
            (Value::Array(x), Value::Array(y)) if x.len() == y.len() => {
                for (i, (av, bv)) in x.iter().zip(y).enumerate() {
                    walk(&format!("{path}/{i}"), av, bv, out);
                }
            }
            _ => out.push(json!({"op": "replace", "path": path, "value": b})),
        }
    }
    let mut out = Vec::new();
    walk("", from, to, &mut out);
    out
}

/// Applies an RFC 6902 patch made of add, remove and replace operations
/// (what `json_patch` writes); `Err` when an operation does not apply.
pub fn apply_patch(doc: &Value, ops: &[Value]) -> Result<Value, String> {
    let mut doc = doc.clone();
    for op in ops {
        let path = op["path"].as_str().ok_or("an operation has no path")?;
        let (parent, last) = match path.rsplit_once('/') {
            Some(p) => p,
            None => return Err(format!("bad path {path:?}")),
        };
        let last = last.replace("~1", "/").replace("~0", "~");
        let target = if parent.is_empty() {
            &mut doc
        } else {
            doc.pointer_mut(parent)
                .ok_or_else(|| format!("no {parent:?} to apply {path:?} to"))?
        };
        match (op["op"].as_str(), target) {
            (Some("add" | "replace"), Value::Object(m)) => {
                if op["op"] == "replace" && !m.contains_key(&last) {
                    return Err(format!("nothing to replace at {path:?}"));
                }
                m.insert(last, op["value"].clone());
            }
            (Some("replace"), Value::Array(a)) => {
                let i: usize = last.parse().map_err(|_| format!("bad index in {path:?}"))?;
                *a.get_mut(i).ok_or_else(|| format!("no item at {path:?}"))? = op["value"].clone();
            }
            (Some("remove"), Value::Object(m)) => {
                m.remove(&last)
                    .ok_or_else(|| format!("nothing to remove at {path:?}"))?;
            }
            (o, _) => return Err(format!("cannot apply {o:?} at {path:?}")),
        }
    }
    Ok(doc)
}

/// Mutates one review: the fix engine's fixes (through its validation
/// gate) as a JSONPatch. Ignored and exempt requests, and objects with
/// nothing to fix, get no patch; the patched object sent again gets none.
pub fn mutate(body: &[u8], policy: &MutatePolicy) -> Result<Value, String> {
    let (req, api_version, uid) = envelope(body)?;
    let req = &req;
    let mut response = json!({"uid": uid, "allowed": true});
    let op = req["operation"].as_str().unwrap_or("");
    let sub = req["subResource"].as_str().unwrap_or("");
    let object = &req["object"];
    let namespace = req["namespace"].as_str().unwrap_or("");
    let user = req["userInfo"]["username"].as_str().unwrap_or("");
    let skip = !(op == "CREATE" || op == "UPDATE")
        || !sub.is_empty()
        || object.is_null()
        || policy.exempt_namespaces.iter().any(|n| n == namespace)
        || policy.exempt_users.iter().any(|u| u == user);
    if !skip {
        let text = serde_json::to_string_pretty(object).map_err(|e| e.to_string())?;
        let kind = object["kind"]
            .as_str()
            .unwrap_or("object")
            .to_ascii_lowercase();
        let opts = super::scan::Options::default();
        let threshold = if policy.unsafe_fixes {
            crate::fix::Applicability::Unsafe
        } else {
            crate::fix::Applicability::Safe
        };
        let index = crate::dockerfile::index::ImageIndex::default();
        if let Ok(out) = super::fix::fix_text(
            &format!("{kind}.json"),
            &text,
            &opts,
            threshold,
            &index,
            crate::rules::Lang::En,
        ) && let Ok(fixed) = serde_json::from_str::<Value>(&out.text)
        {
            let ops = json_patch(object, &fixed);
            if !ops.is_empty() {
                response["patchType"] = json!("JSONPatch");
                response["patch"] = json!(base64(Value::Array(ops).to_string().as_bytes()));
            }
        }
    }
    Ok(json!({"apiVersion": api_version, "kind": "AdmissionReview", "response": response}))
}

#[cfg(test)]
mod mutate_tests {
    use super::*;

    fn decode(s: &str) -> Vec<u8> {
        let t = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        let mut out = Vec::new();
        let vals: Vec<u32> = s
            .bytes()
            .filter(|b| *b != b'=')
            .map(|b| t.iter().position(|x| *x == b).unwrap() as u32)
            .collect();
        for c in vals.chunks(4) {
            let n = c
                .iter()
                .enumerate()
                .fold(0u32, |n, (i, v)| n | (v << (18 - 6 * i)));
            for i in 0..c.len() - 1 {
                out.push((n >> (16 - 8 * i)) as u8);
            }
        }
        out
    }

    fn request(object: &Value) -> Vec<u8> {
        serde_json::to_vec(&json!({"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "request": {
            "uid": "u-9", "kind": {"group": "", "version": "v1", "kind": "Pod"},
            "resource": {"group": "", "version": "v1", "resource": "pods"},
            "namespace": "prod", "operation": "CREATE", "userInfo": {"username": "alice"}, "object": object}}))
        .unwrap()
    }

    #[test]
    fn base64_matches_rfc4648() {
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foo"), "Zm9v");
        assert_eq!(base64(b"foobar"), "Zm9vYmFy");
        assert_eq!(
            decode(&base64(b"any bytes \x00\xff")),
            b"any bytes \x00\xff"
        );
    }

    #[test]
    fn patches_apply_harden_and_are_idempotent() {
        let policy = MutatePolicy {
            unsafe_fixes: true,
            exempt_namespaces: vec![],
            exempt_users: vec![],
        };
        for object in [
            json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web"},
                   "spec": {"containers": [{"name": "app", "image": "nginx:1.27"}]}}),
            json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "two"},
                   "spec": {"securityContext": {"runAsNonRoot": true},
                            "containers": [{"name": "a", "image": "example/a:1", "securityContext": {"capabilities": {"drop": ["NET_RAW"]}}},
                                           {"name": "b", "image": "example/b:1"}]}}),
        ] {
            let r = mutate(&request(&object), &policy).unwrap();
            assert_eq!(r["response"]["uid"], "u-9");
            assert_eq!(r["response"]["patchType"], "JSONPatch", "{r}");
            let ops: Vec<Value> =
                serde_json::from_slice(&decode(r["response"]["patch"].as_str().unwrap())).unwrap();
            let patched = apply_patch(&object, &ops).unwrap();
            // The patched object no longer has what the fixes fix, and sent
            // again gets no patch.
            let again = mutate(&request(&patched), &policy).unwrap();
            assert!(again["response"].get("patch").is_none(), "{again}");
            let before = super::super::pss::pss_file(
                "p.json",
                &object.to_string(),
                &[Level::Restricted],
                Version::Latest,
            );
            let after = super::super::pss::pss_file(
                "p.json",
                &patched.to_string(),
                &[Level::Restricted],
                Version::Latest,
            );
            assert!(after.workloads[0].results[0].1.len() < before.workloads[0].results[0].1.len());
        }
        // Exempt and ignored requests: no patch.
        let p = MutatePolicy {
            exempt_namespaces: vec!["prod".into()],
            ..policy
        };
        let object = json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web"}, "spec": {"containers": [{"name": "app", "image": "nginx"}]}});
        assert!(
            mutate(&request(&object), &p).unwrap()["response"]
                .get("patch")
                .is_none()
        );
    }

    #[test]
    fn json_patch_round_trips() {
        let a = json!({"a": 1, "b": {"c": [1, 2], "d/e": "x"}, "f": [1]});
        let b = json!({"a": 2, "b": {"c": [1, 3], "g~h": true}, "f": [1, 2]});
        let ops = json_patch(&a, &b);
        assert_eq!(apply_patch(&a, &ops).unwrap(), b);
        assert!(json_patch(&b, &b).is_empty());
    }
}
