//! Admission decisions: an `AdmissionReview` in, the review's response
//! out, by the same evaluator `podsec pss` uses. Pure: the namespace
//! labels and the pods a namespace holds come through `Lookup`, which the
//! webhook front end (`podsec serve`, `src/serve/`) answers from the API
//! server; this module moves no bytes itself.
//!
//! What is decided follows the Pod Security admission controller
//! (docs/webhook.md): each namespace has an enforce, a warn and an audit
//! policy (its `pod-security.kubernetes.io/*` labels over the configured
//! defaults); Pods are denied by enforce, warned by warn, annotated by
//! audit; workload controllers get warn and audit, and their enforce
//! level as a warning (or a denial when configured); Namespace label
//! changes are validated and answered with the existing pods' violations;
//! ignored operations and subresources are allowed untouched; exempt
//! namespaces, users and runtime classes are allowed with the `exempt`
//! audit annotation.

use std::borrow::Cow;

use serde_json::{Value, json};

use crate::pss::namespace::{
    Defaults, NamespacePolicy, PREFIX, Policy as LevelVersion, checks_existing_pods, label_errors,
};
use crate::pss::{Level, Version, aggregate};
use crate::rules::{Rule, Selection};

pub use crate::config::serve::{Controllers, Mode, NamespaceRule};

/// The policy a review is decided by.
#[derive(Clone, Debug)]
pub struct Policy {
    /// For a namespace without labels (the admission configuration's
    /// `defaults`).
    pub defaults: Defaults,
    /// Per-namespace defaults, first match wins.
    pub namespaces: Vec<NamespaceRule>,
    /// The namespace's own labels win over the configured policy.
    pub namespace_labels: bool,
    pub controllers: Controllers,
    /// podsec rules evaluated besides the Pod Security checks (none by
    /// default), and what their findings do.
    pub rules: Vec<&'static Rule>,
    pub rules_mode: Mode,
    pub exempt_namespaces: Vec<String>,
    pub exempt_users: Vec<String>,
    pub exempt_runtime_classes: Vec<String>,
}

impl Default for Policy {
    /// `restricted:latest` enforced everywhere, controllers warned.
    fn default() -> Policy {
        Policy {
            defaults: crate::config::serve::podsec_default(),
            namespaces: Vec::new(),
            namespace_labels: true,
            controllers: Controllers::Warn,
            rules: Vec::new(),
            rules_mode: Mode::Warn,
            exempt_namespaces: Vec::new(),
            exempt_users: Vec::new(),
            exempt_runtime_classes: Vec::new(),
        }
    }
}

impl Policy {
    /// The policy `[serve]` describes (unset fields as `Policy::default`).
    pub fn from_config(c: &crate::config::serve::ServeConfig) -> Policy {
        let d = Policy::default();
        Policy {
            defaults: c.defaults.unwrap_or(d.defaults),
            namespaces: c.namespaces.clone(),
            namespace_labels: c.namespace_labels.unwrap_or(d.namespace_labels),
            controllers: c.controllers.unwrap_or(d.controllers),
            rules: c.rules.clone(),
            rules_mode: c.rules_mode.unwrap_or(d.rules_mode),
            exempt_namespaces: c.exempt_namespaces.clone(),
            exempt_users: c.exempt_usernames.clone(),
            exempt_runtime_classes: c.exempt_runtime_classes.clone(),
        }
    }

    /// The `--level L --version V --mode M` shorthand: `M` at `L:V`, the
    /// other modes privileged.
    pub fn shorthand(level: Level, version: Version, mode: Mode) -> Policy {
        let p = LevelVersion { level, version };
        let mut d = Defaults::default();
        match mode {
            Mode::Enforce => d.enforce = p,
            Mode::Warn => d.warn = p,
            Mode::Audit => d.audit = p,
        }
        Policy {
            defaults: d,
            ..Policy::default()
        }
    }

    /// The configured defaults for namespace `name`.
    pub fn defaults_for(&self, name: &str) -> &Defaults {
        self.namespaces
            .iter()
            .find(|r| r.matcher.is_match(name))
            .map_or(&self.defaults, |r| &r.defaults)
    }

    /// The namespace's policy: its labels (when known and honoured) over
    /// the configured defaults.
    pub fn for_namespace(
        &self,
        name: &str,
        labels: Option<&[(String, String)]>,
    ) -> NamespacePolicy {
        let labels = if self.namespace_labels {
            labels.unwrap_or(&[])
        } else {
            &[]
        };
        NamespacePolicy::with_defaults(name, labels, self.defaults_for(name))
    }
}

/// What the decision needs from the cluster.
pub trait Lookup {
    /// The Pod Security labels of namespace `name`; `Ok(None)` when the
    /// front end does not read namespaces (the configured policy
    /// applies), `Err` when reading failed.
    fn labels(&mut self, name: &str) -> Result<Option<Vec<(String, String)>>, String>;
    /// The pods of namespace `name`, at most `max` (and how many there
    /// are), for a namespace whose enforce level is raised.
    fn pods(&mut self, name: &str, max: usize) -> Result<(Vec<Value>, usize), String>;
}

/// No cluster: the configured policy alone, no pods to check.
pub struct NoLookup;

impl Lookup for NoLookup {
    fn labels(&mut self, _: &str) -> Result<Option<Vec<(String, String)>>, String> {
        Ok(None)
    }
    fn pods(&mut self, _: &str, _: usize) -> Result<(Vec<Value>, usize), String> {
        Err("the webhook does not read pods (start it with --read-namespaces)".into())
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

/// Pods the controller checks at most when a namespace's enforce level
/// is raised.
pub const MAX_PODS_TO_CHECK: usize = 3000;

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

/// The parts of an AdmissionReview's request a decision reads, borrowed
/// from the body; the objects stay raw JSON until they are needed.
#[derive(serde::Deserialize, Default)]
struct Gvk<'a> {
    #[serde(borrow, default)]
    group: Cow<'a, str>,
    #[serde(borrow, default)]
    kind: Cow<'a, str>,
    #[serde(borrow, default)]
    resource: Cow<'a, str>,
}

#[derive(serde::Deserialize, Default)]
struct UserInfo<'a> {
    #[serde(borrow, default)]
    username: Cow<'a, str>,
}

#[derive(serde::Deserialize)]
struct Request<'a> {
    #[serde(borrow)]
    uid: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    kind: Gvk<'a>,
    #[serde(borrow, default)]
    resource: Gvk<'a>,
    #[serde(rename = "subResource", borrow, default)]
    sub_resource: Cow<'a, str>,
    #[serde(borrow, default)]
    name: Cow<'a, str>,
    #[serde(borrow, default)]
    namespace: Cow<'a, str>,
    #[serde(borrow, default)]
    operation: Cow<'a, str>,
    #[serde(rename = "userInfo", borrow, default)]
    user_info: UserInfo<'a>,
    #[serde(borrow, default)]
    object: Option<&'a serde_json::value::RawValue>,
    #[serde(rename = "oldObject", borrow, default)]
    old_object: Option<&'a serde_json::value::RawValue>,
}

impl Request<'_> {
    fn object(&self) -> Value {
        self.object
            .and_then(|r| serde_json::from_str(r.get()).ok())
            .unwrap_or(Value::Null)
    }
    fn old_object(&self) -> Value {
        self.old_object
            .and_then(|r| serde_json::from_str(r.get()).ok())
            .unwrap_or(Value::Null)
    }
}

#[derive(serde::Deserialize)]
struct Review<'a> {
    #[serde(rename = "apiVersion", borrow)]
    api_version: Option<Cow<'a, str>>,
    #[serde(borrow)]
    kind: Option<Cow<'a, str>>,
    #[serde(borrow)]
    request: Option<Request<'a>>,
}

/// An AdmissionReview's request, its apiVersion and the request's uid.
fn envelope(body: &[u8]) -> Result<(Request<'_>, String, String), String> {
    let v: Review<'_> = serde_json::from_slice(body).map_err(|e| format!("invalid JSON: {e}"))?;
    if v.kind.as_deref() != Some("AdmissionReview") {
        return Err("not an AdmissionReview".into());
    }
    let api_version = v
        .api_version
        .ok_or("the AdmissionReview has no apiVersion")?
        .into_owned();
    let req = v.request.ok_or("the AdmissionReview has no request")?;
    let uid = req
        .uid
        .as_deref()
        .ok_or("the request has no uid")?
        .to_string();
    Ok((req, api_version, uid))
}

/// The trivial answer (the benchmark's baseline): the envelope read as
/// `review` reads it, the request allowed, nothing evaluated.
pub fn allow(body: &[u8]) -> Result<Answer, String> {
    let (req, api_version, uid) = envelope(body)?;
    Ok(Answer {
        kind: req.kind.kind.to_string(),
        review: json!({"apiVersion": api_version, "kind": "AdmissionReview", "response": {"uid": uid, "allowed": true}}),
    })
}

/// Decides one review. `Err` when the body is not an AdmissionReview with
/// a request (the front end answers 400).
pub fn review(body: &[u8], policy: &Policy, lookup: &mut dyn Lookup) -> Result<Value, String> {
    answer(body, policy, lookup).map(|a| a.review)
}

/// An answered review, and the kind of object it was about (the
/// request's `kind.kind`, for metrics).
pub struct Answer {
    pub review: Value,
    pub kind: String,
}

/// `review`, with the request's kind.
pub fn answer(body: &[u8], policy: &Policy, lookup: &mut dyn Lookup) -> Result<Answer, String> {
    let (req, api_version, uid) = envelope(body)?;
    let decision = decide(&req, policy, lookup);
    let mut response = json!({"uid": uid, "allowed": decision.status.is_none()});
    if let Some(status) = decision.status {
        response["status"] = status;
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
    Ok(Answer {
        kind: req.kind.kind.to_string(),
        review: json!({"apiVersion": api_version, "kind": "AdmissionReview", "response": response}),
    })
}

/// What one review decided. Audit annotation keys are unqualified: the
/// API server prefixes them with the webhook's name.
#[derive(Default)]
struct Decision {
    /// The `metav1.Status` of a denial.
    status: Option<Value>,
    warnings: Vec<String>,
    audit: Vec<(&'static str, String)>,
}

impl Decision {
    fn warn(&mut self, w: String) {
        let w = truncate(&w, MAX_WARNING);
        if !self.warnings.contains(&w) {
            self.warnings.push(w);
        }
    }
}

/// The qualified resource (`pods`, `deployments.apps`), as API errors
/// name it.
fn group_resource(req: &Request<'_>) -> String {
    match req.resource.group.as_ref() {
        "" => req.resource.resource.to_string(),
        g => format!("{}.{g}", req.resource.resource),
    }
}

/// A Forbidden status, worded as `apierrors.NewForbidden`.
fn forbidden(req: &Request<'_>, name: &str, why: &str) -> Value {
    let gr = group_resource(req);
    let message = if name.is_empty() {
        format!("{gr} is forbidden: {why}")
    } else {
        format!("{gr} {name:?} is forbidden: {why}")
    };
    json!({
        "status": "Failure",
        "message": message,
        "reason": "Forbidden",
        "details": {"name": name, "group": req.resource.group, "kind": req.resource.resource},
        "code": 403,
    })
}

fn decide(req: &Request<'_>, policy: &Policy, lookup: &mut dyn Lookup) -> Decision {
    let op = req.operation.as_ref();
    if op != "CREATE" && op != "UPDATE" {
        return Decision::default();
    }
    let kind = req.kind.kind.as_ref();
    let sub = req.sub_resource.as_ref();
    if kind == "Namespace" {
        return if sub.is_empty() {
            decide_namespace(req, policy, lookup)
        } else {
            Decision::default()
        };
    }
    let is_pod = kind == "Pod";
    if is_pod && IGNORED_POD_SUBRESOURCES.contains(&sub) {
        return Decision::default();
    }
    if !is_pod && !sub.is_empty() {
        return Decision::default();
    }
    let Some(raw) = req.object else {
        return Decision::default();
    };
    let namespace = req.namespace.as_ref();
    let user = req.user_info.username.as_ref();
    let mut d = Decision::default();
    let exempt = |why: &str| {
        let mut d = Decision::default();
        d.audit.push(("exempt", why.to_string()));
        d
    };
    if !namespace.is_empty() && policy.exempt_namespaces.iter().any(|n| n == namespace) {
        return exempt("namespace");
    }
    if !user.is_empty() && policy.exempt_users.iter().any(|u| u == user) {
        return exempt("user");
    }
    let labels = match lookup.labels(namespace) {
        Ok(l) => l,
        Err(e) => {
            let why = format!("failed to lookup namespace {namespace:?}: {e}");
            if is_pod {
                d.status = Some(json!({
                    "status": "Failure",
                    "message": format!("Internal error occurred: failed to lookup namespace {namespace:?}"),
                    "reason": "InternalError",
                    "code": 500,
                }));
            }
            d.audit.push(("error", why));
            return d;
        }
    };
    let ns = policy.for_namespace(namespace, labels.as_deref());
    // Pod updates (the ephemeralcontainers subresource too) are evaluated
    // only when what runs changes, as the controller does.
    if is_pod && op == "UPDATE" && !runs_differently(&req.object(), &req.old_object()) {
        return d;
    }
    let no_errors = ns.errors.is_empty();
    if no_errors && policy.rules.is_empty() {
        let warn_or_audit =
            ns.warn.level != Level::Privileged || ns.audit.level != Level::Privileged;
        let enforce_counts = is_pod || policy.controllers != Controllers::Ignore;
        if !warn_or_audit && (ns.enforce.level == Level::Privileged || !enforce_counts) {
            return d;
        }
    }
    let file = format!("{}.json", kind.to_ascii_lowercase());
    // The object is read once, straight from the request's JSON; each
    // distinct LEVEL:VERSION is evaluated once.
    let mut wanted: Vec<LevelVersion> = Vec::new();
    for p in [ns.enforce, ns.audit, ns.warn] {
        if p.level != Level::Privileged && !wanted.contains(&p) {
            wanted.push(p);
        }
    }
    let Some(evaluated) = evaluate_json(&file, raw.get(), &wanted) else {
        // A workload podsec does not read, or one without a pod template.
        return d;
    };
    let name = if evaluated.name.is_empty() {
        req.name.to_string()
    } else {
        evaluated.name
    };
    let name = name.as_str();
    let results = evaluated.results;
    // Privileged (not evaluated) has no violations.
    let eval = |p: LevelVersion| -> &[crate::pss::Violation] {
        results
            .iter()
            .find(|(q, _)| *q == p)
            .map_or(&[], |(_, v)| v.as_slice())
    };
    let runtime_class = evaluated.runtime_class.as_deref();
    if runtime_class
        .is_some_and(|r| !r.is_empty() && policy.exempt_runtime_classes.iter().any(|x| x == r))
    {
        return exempt("runtimeClass");
    }
    if !no_errors {
        d.audit.push((
            "error",
            format!("Failed to parse policy: {}", ns.errors.join("; ")),
        ));
    }
    if is_pod {
        d.audit.push(("enforce-policy", ns.enforce.to_string()));
    }
    let enforce_v = eval(ns.enforce);
    if !enforce_v.is_empty() {
        let why = format!(
            "violates PodSecurity \"{}\": {}",
            ns.enforce,
            aggregate(enforce_v)
        );
        match (is_pod, policy.controllers) {
            (true, _) | (false, Controllers::Deny) => d.status = Some(forbidden(req, name, &why)),
            (false, Controllers::Warn) => d.warn(format!(
                "would violate PodSecurity \"{}\": {}",
                ns.enforce,
                aggregate(enforce_v)
            )),
            (false, Controllers::Ignore) => {}
        }
    }
    let audit_v = eval(ns.audit);
    if !audit_v.is_empty() {
        d.audit.push((
            "audit-violations",
            format!(
                "would violate PodSecurity \"{}\": {}",
                ns.audit,
                aggregate(audit_v)
            ),
        ));
    }
    // No warning is added to a request already denied.
    if d.status.is_none() {
        let warn_v = eval(ns.warn);
        if !warn_v.is_empty() {
            d.warn(format!(
                "would violate PodSecurity \"{}\": {}",
                ns.warn,
                aggregate(warn_v)
            ));
        }
    }
    if !policy.rules.is_empty() {
        podsec_rules(&file, raw.get(), req, name, policy, &mut d);
    }
    d
}

/// What the first workload of an object is, for a decision.
struct Evaluated {
    name: String,
    runtime_class: Option<String>,
    results: Vec<(LevelVersion, Vec<crate::pss::Violation>)>,
}

/// The Pod Security violations of the first workload of `doc` at each of
/// `levels`; `None` when it holds no workload with a pod template.
fn evaluate_doc(
    file: &str,
    doc: &crate::source::Doc<'_>,
    levels: &[LevelVersion],
) -> Option<Evaluated> {
    let mut errors = Vec::new();
    let mut out = None;
    super::load::doc_workloads(file, doc, &mut errors, |w| {
        if out.is_some() {
            return;
        }
        if let Some(pod) = &w.pod {
            let runtime_class = pod
                .spec
                .node
                .and_then(|n| doc.get(n, "runtimeClassName"))
                .map(|(_, v)| doc.key_str(v).into_owned());
            out = Some(Evaluated {
                name: w.name.to_string(),
                runtime_class,
                results: levels
                    .iter()
                    .map(|&p| (p, crate::pss::evaluate(pod, p.level, p.version)))
                    .collect(),
            });
        }
    });
    out
}

/// `evaluate_doc` on JSON text.
fn evaluate_json(file: &str, text: &str, levels: &[LevelVersion]) -> Option<Evaluated> {
    let doc = crate::source::json::from_json(text).ok()?;
    evaluate_doc(file, &doc, levels)
}

/// podsec's own rules (`[serve] rules`): their findings deny, warn or are
/// recorded, as `rules-mode` says.
fn podsec_rules(
    file: &str,
    text: &str,
    req: &Request<'_>,
    name: &str,
    policy: &Policy,
    d: &mut Decision,
) {
    let opts = super::scan::Options {
        selection: Selection {
            select: policy.rules.iter().map(|r| r.code.to_string()).collect(),
            ignore: Vec::new(),
        },
        ..super::scan::Options::default()
    };
    let index = crate::dockerfile::index::ImageIndex::default();
    let found = super::scan::scan_file(file, text, &opts, crate::rules::Lang::En, &index);
    let findings: Vec<String> = found
        .diagnostics
        .iter()
        .filter(|x| x.suppressed.is_none())
        .map(|x| format!("{} {}: {}", x.code, x.name, x.message))
        .collect();
    if findings.is_empty() {
        return;
    }
    let joined = findings.join("; ");
    match policy.rules_mode {
        Mode::Enforce if d.status.is_none() => {
            d.status = Some(forbidden(
                req,
                name,
                &format!("violates podsec rules: {joined}"),
            ));
            d.warnings.clear();
        }
        Mode::Enforce => {}
        Mode::Warn => {
            if d.status.is_none() {
                for f in findings {
                    d.warn(format!("podsec: {f}"));
                }
            }
        }
        Mode::Audit => d.audit.push(("podsec-violations", joined)),
    }
}

/// A Namespace CREATE or UPDATE, as the controller answers it: invalid
/// Pod Security labels are refused (on update, only when they change);
/// raising the enforce level answers with the existing pods that would
/// violate it, never blocking the update for that.
fn decide_namespace(req: &Request<'_>, policy: &Policy, lookup: &mut dyn Lookup) -> Decision {
    let mut d = Decision::default();
    let object = req.object();
    let name = object["metadata"]["name"]
        .as_str()
        .unwrap_or(&req.name)
        .to_string();
    let name = name.as_str();
    let labels = crate::pss::namespace::labels_of(&object);
    let errors = label_errors(&labels);
    let new = policy.for_namespace(name, Some(&labels));
    let invalid = |d: &mut Decision| {
        let causes: Vec<Value> = errors
            .iter()
            .map(|e| json!({"reason": "FieldValueInvalid", "message": format!("Invalid value: {}: {}", crate::pss::go_quote(&e.value), e.message), "field": format!("metadata.labels[{}]", e.key)}))
            .collect();
        let list: Vec<String> = errors.iter().map(ToString::to_string).collect();
        let agg = if list.len() == 1 {
            list[0].clone()
        } else {
            format!("[{}]", list.join(", "))
        };
        d.status = Some(json!({
            "status": "Failure",
            "message": format!("Namespace {name:?} is invalid: {agg}"),
            "reason": "Invalid",
            "details": {"name": name, "kind": "Namespace", "causes": causes},
            "code": 422,
        }));
    };
    let exempt = policy.exempt_namespaces.iter().any(|n| n == name);
    let op = req.operation.as_ref();
    if op == "CREATE" {
        if !errors.is_empty() {
            invalid(&mut d);
        } else if exempt && let Some(w) = exempt_warning(name, &new, &labels, policy) {
            d.warn(w);
        }
        return d;
    }
    let old_labels = crate::pss::namespace::labels_of(&req.old_object());
    let old_errors = label_errors(&old_labels);
    if !errors.is_empty() && (old_errors.is_empty() || errors != old_errors) {
        invalid(&mut d);
        return d;
    }
    let old = policy.for_namespace(name, Some(&old_labels));
    if !checks_existing_pods(old.enforce, new.enforce) {
        return d;
    }
    if exempt {
        if let Some(w) = exempt_warning(name, &new, &labels, policy) {
            d.warn(w);
        }
        return d;
    }
    match lookup.pods(name, MAX_PODS_TO_CHECK) {
        Ok((pods, total)) => {
            for w in existing_pods_warnings(name, new.enforce, &pods, total, policy) {
                // Kept whole, as the controller sends them.
                if !d.warnings.contains(&w) {
                    d.warnings.push(w);
                }
            }
        }
        Err(_) => d
            .warnings
            .push("failed to list pods while checking new PodSecurity enforce level".into()),
    }
    d
}

/// The controller's warning for labels set on an exempt namespace.
fn exempt_warning(
    name: &str,
    p: &NamespacePolicy,
    labels: &[(String, String)],
    policy: &Policy,
) -> Option<String> {
    let d = policy.defaults_for(name);
    if p.is_privileged() || (p.enforce == d.enforce && p.audit == d.audit && p.warn == d.warn) {
        return None;
    }
    let has = |k: &str| {
        labels
            .iter()
            .any(|(l, _)| l.strip_prefix(PREFIX) == Some(k))
    };
    let mut parts = Vec::new();
    for (mode, lv) in [("enforce", p.enforce), ("audit", p.audit), ("warn", p.warn)] {
        if lv.level != Level::Privileged && (has(mode) || has(&format!("{mode}-version"))) {
            parts.push(format!("{mode}={lv}"));
        }
    }
    Some(format!(
        "namespace {name:?} is exempt from Pod Security, and the policy ({}) will be ignored",
        parts.join(", ")
    ))
}

/// The controller's warnings for the pods of a namespace whose enforce
/// level is raised to `enforce`: one pod per controller first, pods of
/// exempt runtime classes skipped; grouped by reasons, each group named by
/// its lexically first pod, `(and N other pods)`, sorted; after the
/// heading `existing pods in namespace "NS" violate the new PodSecurity
/// enforce level "LEVEL:VERSION"`.
pub fn existing_pods_warnings(
    namespace: &str,
    enforce: LevelVersion,
    pods: &[Value],
    total: usize,
    policy: &Policy,
) -> Vec<String> {
    let mut first: Vec<&Value> = Vec::new();
    let mut later: Vec<&Value> = Vec::new();
    let mut seen: std::collections::HashSet<&str> = Default::default();
    for p in pods {
        let rc = p["spec"]["runtimeClassName"].as_str().unwrap_or("");
        if !rc.is_empty() && policy.exempt_runtime_classes.iter().any(|x| x == rc) {
            continue;
        }
        let owner = p["metadata"]["ownerReferences"]
            .as_array()
            .and_then(|a| a.iter().find(|r| r["controller"] == true))
            .and_then(|r| r["uid"].as_str());
        match owner {
            Some(uid) if !seen.insert(uid) => later.push(p),
            _ => first.push(p),
        }
    }
    first.extend(later);
    let checked = first.len().min(MAX_PODS_TO_CHECK);
    let mut order: Vec<String> = Vec::new();
    let mut groups: std::collections::HashMap<String, (String, usize)> = Default::default();
    for p in &first[..checked] {
        let mut pod = (*p).clone();
        if let Value::Object(m) = &mut pod {
            m.insert("kind".into(), json!("Pod"));
            m.insert("apiVersion".into(), json!("v1"));
        }
        let doc = crate::source::json::from_value(&pod);
        let Some(mut r) = evaluate_doc("pod.json", &doc, &[enforce]) else {
            continue;
        };
        let v = r.results.remove(0).1;
        if v.is_empty() {
            continue;
        }
        let mut reasons: Vec<&str> = Vec::new();
        for x in &v {
            if !reasons.contains(&x.reason.as_str()) {
                reasons.push(&x.reason);
            }
        }
        let key = reasons.join(", ");
        let pod_name = p["metadata"]["name"].as_str().unwrap_or("").to_string();
        match groups.get_mut(&key) {
            Some((n, c)) => {
                *c += 1;
                if pod_name < *n {
                    *n = pod_name;
                }
            }
            None => {
                order.push(key.clone());
                groups.insert(key, (pod_name, 1));
            }
        }
    }
    let mut out = Vec::new();
    let total = total.max(first.len());
    if checked < total {
        out.push(format!(
            "new PodSecurity enforce level only checked against the first {checked} of {total} existing pods"
        ));
    }
    if !order.is_empty() {
        out.push(format!(
            "existing pods in namespace {namespace:?} violate the new PodSecurity enforce level \"{enforce}\""
        ));
    }
    let mut lines: Vec<String> = order
        .iter()
        .map(|k| {
            let (n, c) = &groups[k];
            match c {
                1 => format!("{n}: {k}"),
                2 => format!("{n} (and 1 other pod): {k}"),
                c => format!("{n} (and {} other pods): {k}", c - 1),
            }
        })
        .collect();
    lines.sort();
    out.extend(lines);
    out
}

/// Whether a Pod update changes what runs: container or init container
/// images or counts, ephemeral containers added or changed.
fn runs_differently(new: &Value, old: &Value) -> bool {
    if old.is_null() {
        return true;
    }
    let list = |v: &Value, key: &str| -> Vec<(String, String)> {
        v["spec"][key]
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|c| {
                        (
                            c["name"].as_str().unwrap_or("").to_string(),
                            c["image"].as_str().unwrap_or("").to_string(),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default()
    };
    for key in ["containers", "initContainers"] {
        let (a, b) = (list(new, key), list(old, key));
        if a.len() != b.len() || a.iter().zip(&b).any(|(x, y)| x.1 != y.1) {
            return true;
        }
    }
    let old_e = list(old, "ephemeralContainers");
    list(new, "ephemeralContainers")
        .iter()
        .any(|(n, i)| !old_e.iter().any(|(on, oi)| on == n && oi == i))
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

    /// The review's answer under `p` (no cluster lookups).
    fn decided(body: Vec<u8>, p: &Policy) -> Value {
        review(&body, p, &mut NoLookup).unwrap()
    }

    fn weak_pod() -> Value {
        json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web", "namespace": "prod"},
               "spec": {"containers": [{"name": "app", "image": "nginx"}]}})
    }

    #[test]
    fn pods_are_denied_in_the_controllers_words() {
        let r = decided(
            review_of("CREATE", "Pod", "pods", weak_pod(), json!({})),
            &Policy::default(),
        );
        assert_eq!(r["response"]["uid"], "705ab4f5-6393-11e8-b7cc-42010a800002");
        assert_eq!(r["response"]["allowed"], false);
        assert_eq!(
            r["response"]["status"]["message"],
            "pods \"web\" is forbidden: violates PodSecurity \"restricted:latest\": allowPrivilegeEscalation != false (container \"app\" must set securityContext.allowPrivilegeEscalation=false), unrestricted capabilities (container \"app\" must set securityContext.capabilities.drop=[\"ALL\"]), runAsNonRoot != true (pod or container \"app\" must set securityContext.runAsNonRoot=true), seccompProfile (pod or container \"app\" must set securityContext.seccompProfile.type to \"RuntimeDefault\" or \"Localhost\")"
        );
        // dryRun: the same decision.
        let dry = decided(
            review_of("CREATE", "Pod", "pods", weak_pod(), json!({"dryRun": true})),
            &Policy::default(),
        );
        assert_eq!(dry["response"]["allowed"], false);
        // Baseline allows it.
        let p = Policy::shorthand(Level::Baseline, Version::Latest, Mode::Enforce);
        let ok = decided(
            review_of("CREATE", "Pod", "pods", weak_pod(), json!({})),
            &p,
        );
        assert_eq!(ok["response"]["allowed"], true);
        assert!(ok["response"].get("warnings").is_none());
    }

    #[test]
    fn controllers_warn_ignored_requests_pass_exemptions_are_annotated() {
        let deploy = json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"},
            "spec": {"selector": {"matchLabels": {"a": "b"}}, "template": {"metadata": {"labels": {"a": "b"}},
            "spec": {"containers": [{"name": "app", "image": "nginx", "securityContext": {"privileged": true}}]}}}});
        let r = decided(
            review_of(
                "CREATE",
                "Deployment",
                "deployments",
                deploy.clone(),
                json!({}),
            ),
            &Policy::default(),
        );
        assert_eq!(r["response"]["allowed"], true);
        let w = r["response"]["warnings"][0].as_str().unwrap();
        assert!(
            w.starts_with("would violate PodSecurity \"restricted:latest\": privileged"),
            "{w}"
        );
        assert!(w.len() <= MAX_WARNING);
        let p = Policy {
            controllers: Controllers::Deny,
            ..Policy::default()
        };
        let r = decided(
            review_of("CREATE", "Deployment", "deployments", deploy, json!({})),
            &p,
        );
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
            let r = decided(
                review_of(op, "Pod", "pods", weak_pod(), extra),
                &Policy::default(),
            );
            assert_eq!(r["response"]["allowed"], true, "{op}");
        }
        let p = Policy {
            exempt_namespaces: vec!["prod".into()],
            ..Policy::default()
        };
        let r = decided(
            review_of("CREATE", "Pod", "pods", weak_pod(), json!({})),
            &p,
        );
        assert_eq!(r["response"]["allowed"], true);
        assert_eq!(r["response"]["auditAnnotations"]["exempt"], "namespace");
        let p = Policy {
            exempt_users: vec!["alice".into()],
            ..Policy::default()
        };
        let r = decided(
            review_of("CREATE", "Pod", "pods", weak_pod(), json!({})),
            &p,
        );
        assert_eq!(r["response"]["auditAnnotations"]["exempt"], "user");
        // An update that changes no image is not evaluated.
        let r = decided(
            review_of(
                "UPDATE",
                "Pod",
                "pods",
                weak_pod(),
                json!({"oldObject": weak_pod()}),
            ),
            &Policy::default(),
        );
        assert_eq!(r["response"]["allowed"], true);
        // Audit mode: allowed, annotated.
        let p = Policy::shorthand(Level::Restricted, Version::Latest, Mode::Audit);
        let r = decided(
            review_of("CREATE", "Pod", "pods", weak_pod(), json!({})),
            &p,
        );
        assert_eq!(r["response"]["allowed"], true);
        assert!(
            r["response"]["auditAnnotations"]["audit-violations"]
                .as_str()
                .unwrap()
                .starts_with("would violate")
        );
        // The review's version is echoed; malformed bodies are errors.
        let mut b: Value =
            serde_json::from_slice(&review_of("CREATE", "Pod", "pods", weak_pod(), json!({})))
                .unwrap();
        b["apiVersion"] = json!("admission.k8s.io/v1beta1");
        let r = review(
            &serde_json::to_vec(&b).unwrap(),
            &Policy::default(),
            &mut NoLookup,
        )
        .unwrap();
        assert_eq!(r["apiVersion"], "admission.k8s.io/v1beta1");
        assert!(review(b"{", &Policy::default(), &mut NoLookup).is_err());
        assert!(
            review(
                b"{\"kind\": \"AdmissionReview\", \"apiVersion\": \"admission.k8s.io/v1\"}",
                &Policy::default(),
                &mut NoLookup
            )
            .is_err()
        );
    }
}

#[cfg(test)]
mod namespace_tests {
    use super::*;

    /// A cluster in memory: namespace labels and pods.
    struct Fake {
        labels: Vec<(String, String)>,
        pods: Vec<Value>,
        asked: Vec<String>,
    }

    impl Lookup for Fake {
        fn labels(&mut self, name: &str) -> Result<Option<Vec<(String, String)>>, String> {
            self.asked.push(name.to_string());
            Ok(Some(self.labels.clone()))
        }
        fn pods(&mut self, _: &str, max: usize) -> Result<(Vec<Value>, usize), String> {
            Ok((
                self.pods.iter().take(max).cloned().collect(),
                self.pods.len(),
            ))
        }
    }

    fn pod(name: &str, owner: Option<&str>, privileged: bool) -> Value {
        let mut p = json!({"metadata": {"name": name, "namespace": "team"},
            "spec": {"containers": [{"name": "app", "image": "nginx"}]}});
        if let Some(o) = owner {
            p["metadata"]["ownerReferences"] = json!([{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "rs", "uid": o, "controller": true}]);
        }
        if privileged {
            p["spec"]["containers"][0]["securityContext"] = json!({"privileged": true});
        }
        p
    }

    fn ns_review(op: &str, labels: Value, old: Option<Value>) -> Vec<u8> {
        let mut req = json!({
            "uid": "ns-1", "kind": {"group": "", "version": "v1", "kind": "Namespace"},
            "resource": {"group": "", "version": "v1", "resource": "namespaces"},
            "name": "team", "operation": op, "userInfo": {"username": "admin"},
            "object": {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "team", "labels": labels}},
        });
        if let Some(o) = old {
            req["oldObject"] = json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "team", "labels": o}});
        }
        serde_json::to_vec(&json!({"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "request": req})).unwrap()
    }

    #[test]
    fn label_changes_as_the_controller_answers_them() {
        let mut fake = Fake {
            labels: vec![],
            pods: vec![
                pod("web-b", Some("rs1"), false),
                pod("web-a", Some("rs1"), false),
                pod("agent", None, true),
                pod("lone", None, false),
            ],
            asked: vec![],
        };
        let p = Policy::shorthand(Level::Privileged, Version::Latest, Mode::Enforce);
        // Raising enforce: allowed, with the existing pods' violations.
        let r = review(
            &ns_review(
                "UPDATE",
                json!({"pod-security.kubernetes.io/enforce": "restricted"}),
                Some(json!({})),
            ),
            &p,
            &mut fake,
        )
        .unwrap();
        assert_eq!(r["response"]["allowed"], true);
        assert_eq!(
            r["response"]["warnings"],
            json!([
                "existing pods in namespace \"team\" violate the new PodSecurity enforce level \"restricted:latest\"",
                "agent: privileged, allowPrivilegeEscalation != false, unrestricted capabilities, runAsNonRoot != true, seccompProfile",
                "lone (and 2 other pods): allowPrivilegeEscalation != false, unrestricted capabilities, runAsNonRoot != true, seccompProfile",
            ])
        );
        // Relaxing, or leaving enforce as it is: no check.
        let r = review(
            &ns_review(
                "UPDATE",
                json!({"pod-security.kubernetes.io/enforce": "baseline"}),
                Some(json!({"pod-security.kubernetes.io/enforce": "restricted"})),
            ),
            &p,
            &mut fake,
        )
        .unwrap();
        assert!(r["response"].get("warnings").is_none(), "{r}");
        // Invalid labels: refused on create, in the API server's words.
        let r = review(
            &ns_review("CREATE", json!({"pod-security.kubernetes.io/enforce": "strict", "pod-security.kubernetes.io/warn-version": "1.30"}), None),
            &p,
            &mut fake,
        )
        .unwrap();
        assert_eq!(r["response"]["allowed"], false);
        assert_eq!(r["response"]["status"]["code"], 422);
        assert_eq!(
            r["response"]["status"]["message"],
            "Namespace \"team\" is invalid: [metadata.labels[pod-security.kubernetes.io/enforce]: Invalid value: \"strict\": must be one of privileged, baseline, restricted, metadata.labels[pod-security.kubernetes.io/warn-version]: Invalid value: \"1.30\": must be \"latest\" or \"v1.x\"]"
        );
        // An update that keeps the same invalid label passes.
        let bad = json!({"pod-security.kubernetes.io/enforce": "strict"});
        let r = review(&ns_review("UPDATE", bad.clone(), Some(bad)), &p, &mut fake).unwrap();
        assert_eq!(r["response"]["allowed"], true);
        // An exempt namespace's labels are valid but ignored, and said so.
        let exempt = Policy {
            exempt_namespaces: vec!["team".into()],
            ..p.clone()
        };
        let r = review(
            &ns_review("CREATE", json!({"pod-security.kubernetes.io/enforce": "baseline", "pod-security.kubernetes.io/audit": "restricted"}), None),
            &exempt,
            &mut fake,
        )
        .unwrap();
        assert_eq!(
            r["response"]["warnings"][0],
            "namespace \"team\" is exempt from Pod Security, and the policy (enforce=baseline:latest, audit=restricted:latest) will be ignored"
        );
        // More pods than the controller checks.
        let many: Vec<Value> = (0..MAX_PODS_TO_CHECK + 2)
            .map(|i| pod(&format!("p{i:05}"), None, false))
            .collect();
        let w = existing_pods_warnings(
            "team",
            LevelVersion {
                level: Level::Restricted,
                version: Version::Latest,
            },
            &many,
            many.len(),
            &p,
        );
        assert_eq!(
            w[0],
            "new PodSecurity enforce level only checked against the first 3000 of 3002 existing pods"
        );
        assert_eq!(
            w[2],
            "p00000 (and 2999 other pods): allowPrivilegeEscalation != false, unrestricted capabilities, runAsNonRoot != true, seccompProfile"
        );
    }

    #[test]
    fn namespace_labels_and_configured_namespaces_decide_pods() {
        let weak = json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web", "namespace": "team"},
            "spec": {"containers": [{"name": "app", "image": "nginx"}]}});
        let body = serde_json::to_vec(&json!({"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "request": {
            "uid": "u", "kind": {"group": "", "version": "v1", "kind": "Pod"},
            "resource": {"group": "", "version": "v1", "resource": "pods"},
            "namespace": "team", "operation": "CREATE", "userInfo": {"username": "bob"}, "object": weak}})).unwrap();
        // Labelled baseline, warn restricted: allowed with the warning.
        let mut fake = Fake {
            labels: vec![
                (
                    "pod-security.kubernetes.io/enforce".into(),
                    "baseline".into(),
                ),
                (
                    "pod-security.kubernetes.io/warn".into(),
                    "restricted".into(),
                ),
            ],
            pods: vec![],
            asked: vec![],
        };
        let r = review(&body, &Policy::default(), &mut fake).unwrap();
        assert_eq!(r["response"]["allowed"], true, "{r}");
        assert!(
            r["response"]["warnings"][0]
                .as_str()
                .unwrap()
                .starts_with("would violate PodSecurity \"restricted:latest\"")
        );
        assert_eq!(
            r["response"]["auditAnnotations"]["enforce-policy"],
            "baseline:latest"
        );
        assert_eq!(fake.asked, ["team"]);
        // Labels not honoured: the configured namespace rule decides.
        let cfg = crate::config::Config::parse(
            std::path::Path::new("podsec.toml"),
            "[serve]\nenforce = \"baseline\"\nnamespace-labels = false\nrules = [\"PS1\"]\nrules-mode = \"audit\"\n[[serve.namespace]]\nname = \"te*\"\nenforce = \"restricted\"\nenforce-version = \"v1.30\"\n",
        )
        .unwrap();
        let p = Policy::from_config(cfg.serve.as_ref().unwrap());
        let r = review(&body, &p, &mut fake).unwrap();
        assert_eq!(r["response"]["allowed"], false);
        assert!(
            r["response"]["status"]["message"]
                .as_str()
                .unwrap()
                .starts_with(
                    "pods \"web\" is forbidden: violates PodSecurity \"restricted:v1.30\""
                )
        );
        // podsec's own rules, recorded in audit mode.
        assert!(
            r["response"]["auditAnnotations"]["podsec-violations"]
                .as_str()
                .unwrap()
                .contains("PS1"),
            "{r}"
        );
        // Config mistakes are errors at their place.
        let e = crate::config::Config::parse(
            std::path::Path::new("podsec.toml"),
            "[serve]\nwarn = \"strict\"\n",
        )
        .unwrap_err();
        assert_eq!((e.line, e.column), (2, 8), "{e}");
        let e = crate::config::Config::parse(
            std::path::Path::new("podsec.toml"),
            "[serve]\nrules = [\"PS9999\"]\n",
        )
        .unwrap_err();
        assert!(e.message.contains("serve.rules"), "{e}");
    }

    #[test]
    fn run_as_user_only_when_configured() {
        let pod = json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web"},
            "spec": {"containers": [{"name": "app", "image": "registry.example/app:1"}]}});
        let plain = mutated(&pod, &MutatePolicy::default()).unwrap();
        assert!(
            plain
                .pointer("/spec/containers/0/securityContext/runAsUser")
                .is_none(),
            "{plain}"
        );
        let set = mutated(
            &pod,
            &MutatePolicy {
                run_as_user: Some(10001),
                ..MutatePolicy::default()
            },
        )
        .unwrap();
        assert_eq!(
            set.pointer("/spec/containers/0/securityContext/runAsUser"),
            Some(&json!(10001))
        );
        // Sent again: nothing more to change.
        let again = mutated(
            &set,
            &MutatePolicy {
                run_as_user: Some(10001),
                ..MutatePolicy::default()
            },
        )
        .unwrap();
        assert_eq!(again, set);
    }
}

/// What `/mutate` applies: the safe fixes, and the unsafe ones of the
/// rules opted in (or of every rule).
#[derive(Clone, Debug, Default)]
pub struct MutatePolicy {
    /// Every rule's unsafe fixes (`--mutate-unsafe`).
    pub unsafe_fixes: bool,
    /// These rules' unsafe fixes (`[serve] mutate-unsafe`).
    pub unsafe_rules: Vec<&'static Rule>,
    /// Set on containers that run without a `runAsUser` (`[serve]
    /// run-as-user`; never otherwise: the image's user is unknown here).
    pub run_as_user: Option<i64>,
    pub exempt_namespaces: Vec<String>,
    pub exempt_users: Vec<String>,
}

impl MutatePolicy {
    pub fn from_config(c: &crate::config::serve::ServeConfig) -> MutatePolicy {
        MutatePolicy {
            unsafe_fixes: false,
            unsafe_rules: c.mutate_unsafe.clone(),
            run_as_user: c.run_as_user,
            exempt_namespaces: c.exempt_namespaces.clone(),
            exempt_users: c.exempt_usernames.clone(),
        }
    }
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
    mutate_answer(body, policy).map(|a| a.review)
}

/// `mutate`, with the request's kind.
pub fn mutate_answer(body: &[u8], policy: &MutatePolicy) -> Result<Answer, String> {
    let (req, api_version, uid) = envelope(body)?;
    let mut response = json!({"uid": uid, "allowed": true});
    let op = req.operation.as_ref();
    let sub = req.sub_resource.as_ref();
    let object = &req.object();
    let namespace = req.namespace.as_ref();
    let user = req.user_info.username.as_ref();
    let skip = !(op == "CREATE" || op == "UPDATE")
        || !sub.is_empty()
        || object.is_null()
        || policy.exempt_namespaces.iter().any(|n| n == namespace)
        || policy.exempt_users.iter().any(|u| u == user);
    if !skip && let Some(fixed) = mutated(object, policy) {
        let ops = json_patch(object, &fixed);
        if !ops.is_empty() {
            response["patchType"] = json!("JSONPatch");
            response["patch"] = json!(base64(Value::Array(ops).to_string().as_bytes()));
        }
    }
    Ok(Answer {
        kind: req.kind.kind.to_string(),
        review: json!({"apiVersion": api_version, "kind": "AdmissionReview", "response": response}),
    })
}

/// The object as the fix engine leaves it (through its validation gate):
/// the configured `runAsUser`, the safe fixes, then the unsafe fixes of
/// the opted-in rules. `None` when the engine cannot read it.
pub fn mutated(object: &Value, policy: &MutatePolicy) -> Option<Value> {
    let kind = object["kind"]
        .as_str()
        .unwrap_or("object")
        .to_ascii_lowercase();
    let file = format!("{kind}.json");
    let index = crate::dockerfile::index::ImageIndex::default();
    let pass = |v: &Value, opts: &super::scan::Options, threshold| -> Option<Value> {
        let text = serde_json::to_string_pretty(v).ok()?;
        let out = super::fix::fix_text(
            &file,
            &text,
            opts,
            threshold,
            &index,
            crate::rules::Lang::En,
        )
        .ok()?;
        serde_json::from_str::<Value>(&out.text).ok()
    };
    let all = super::scan::Options::default();
    // The configured user first: the fixes it allows (runAsNonRoot) are
    // then made in the same pass, so a second pass changes nothing.
    let mut start = object.clone();
    if let Some(uid) = policy.run_as_user {
        set_run_as_user(&mut start, uid);
    }
    let mut fixed = if policy.unsafe_fixes {
        pass(&start, &all, crate::fix::Applicability::Unsafe)?
    } else {
        pass(&start, &all, crate::fix::Applicability::Safe)?
    };
    if !policy.unsafe_fixes && !policy.unsafe_rules.is_empty() {
        let some = super::scan::Options {
            selection: Selection {
                select: policy
                    .unsafe_rules
                    .iter()
                    .map(|r| r.code.to_string())
                    .collect(),
                ignore: Vec::new(),
            },
            ..super::scan::Options::default()
        };
        fixed = pass(&fixed, &some, crate::fix::Applicability::Unsafe)?;
    }
    Some(fixed)
}

/// Sets `runAsUser` on every container (and init and ephemeral
/// container) of the pod template that has none, when the pod sets none.
fn set_run_as_user(object: &mut Value, uid: i64) {
    let spec = if object["kind"] == "Pod" {
        object.pointer_mut("/spec")
    } else if object["kind"] == "CronJob" {
        object.pointer_mut("/spec/jobTemplate/spec/template/spec")
    } else {
        object.pointer_mut("/spec/template/spec")
    };
    let Some(Value::Object(spec)) = spec else {
        return;
    };
    if spec
        .get("securityContext")
        .and_then(|s| s.get("runAsUser"))
        .is_some()
    {
        return;
    }
    for key in ["initContainers", "containers", "ephemeralContainers"] {
        let Some(Value::Array(cs)) = spec.get_mut(key) else {
            continue;
        };
        for c in cs {
            let Value::Object(c) = c else { continue };
            let sc = c.entry("securityContext").or_insert_with(|| json!({}));
            if let Value::Object(sc) = sc
                && !sc.contains_key("runAsUser")
            {
                sc.insert("runAsUser".into(), json!(uid));
            }
        }
    }
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
            ..MutatePolicy::default()
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
