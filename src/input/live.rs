//! Reading a live cluster, read-only: the objects `podsec cluster report
//! --live` and the webhook's namespace lookups need, listed with the
//! kubeconfig's credentials (or the pod's service account in a cluster)
//! through kube-rs over rustls. Only GET requests, except the opt-in
//! server-side dry-run label patch (`dryRun=All`, nothing is written).
//!
//! Lists are paged (`limit`/`continue`): each page is handed on and
//! dropped, so memory stays flat in the cluster's size. List items come
//! without `kind`/`apiVersion` (the API server puts them on the list);
//! they are put back, as `kubectl get -o json` does.

use http::{Method, Request};
use serde_json::Value;

/// A resource the report lists.
pub struct Resource {
    /// `/api/v1` or `/apis/GROUP/VERSION`.
    pub prefix: &'static str,
    pub resource: &'static str,
    pub kind: &'static str,
    pub api_version: &'static str,
}

const fn r(
    prefix: &'static str,
    resource: &'static str,
    kind: &'static str,
    api_version: &'static str,
) -> Resource {
    Resource {
        prefix,
        resource,
        kind,
        api_version,
    }
}

/// What the report lists (what `kubectl get namespaces,pods,deployments,…
/// -A` prints), owners before what they own (CronJobs before Jobs,
/// Deployments before ReplicaSets, every controller before pods): the
/// report then keeps one record per controller, not one per pod.
pub const RESOURCES: &[Resource] = &[
    r("/api/v1", "namespaces", "Namespace", "v1"),
    r("/apis/apps/v1", "deployments", "Deployment", "apps/v1"),
    r("/apis/apps/v1", "daemonsets", "DaemonSet", "apps/v1"),
    r("/apis/apps/v1", "statefulsets", "StatefulSet", "apps/v1"),
    r("/apis/batch/v1", "cronjobs", "CronJob", "batch/v1"),
    r("/apis/batch/v1", "jobs", "Job", "batch/v1"),
    r("/apis/apps/v1", "replicasets", "ReplicaSet", "apps/v1"),
    r(
        "/api/v1",
        "replicationcontrollers",
        "ReplicationController",
        "v1",
    ),
    r("/api/v1", "pods", "Pod", "v1"),
];

/// The pods, for the webhook's namespace check.
pub const PODS: &Resource = &RESOURCES[8];

/// Objects per page: the API server's own pagers use 500.
pub const PAGE: u32 = 500;

/// An API failure, with the status the API server sent when it sent one.
#[derive(Debug)]
pub struct LiveError {
    pub code: Option<u16>,
    pub message: String,
}

impl std::fmt::Display for LiveError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

fn api_error(what: &str, e: kube::Error) -> LiveError {
    match e {
        kube::Error::Api(s) => {
            let hint = if s.code == 403 {
                " (podsec reads with list permission only: the built-in `view` ClusterRole suffices)"
            } else {
                ""
            };
            LiveError {
                code: Some(s.code),
                message: format!("{what}: {} {}: {}{hint}", s.code, s.reason, s.message),
            }
        }
        other => LiveError {
            code: None,
            message: format!("{what}: {other}"),
        },
    }
}

/// A connection to one cluster.
#[derive(Clone)]
pub struct Cluster {
    client: kube::Client,
}

impl Cluster {
    /// The kubeconfig's current context (or `context`), else the in-cluster
    /// service account. Needs a tokio runtime.
    pub async fn connect(context: Option<&str>) -> Result<Cluster, LiveError> {
        let err = |m: String| LiveError {
            code: None,
            message: m,
        };
        let config = match context {
            Some(c) => kube::Config::from_kubeconfig(&kube::config::KubeConfigOptions {
                context: Some(c.to_string()),
                ..Default::default()
            })
            .await
            .map_err(|e| err(format!("kubeconfig context {c:?}: {e}")))?,
            None => kube::Config::infer()
                .await
                .map_err(|e| err(format!("no kubeconfig and not in a cluster: {e}")))?,
        };
        let client = kube::Client::try_from(config)
            .map_err(|e| err(format!("cannot build the client: {e}")))?;
        Ok(Cluster { client })
    }

    /// Lists `resource` (all namespaces, or `namespace`), handing `page`
    /// each page's items with `kind`/`apiVersion` set.
    pub async fn list(
        &self,
        what: &Resource,
        namespace: Option<&str>,
        limit: u32,
        mut page: impl FnMut(Vec<Value>),
    ) -> Result<(), LiveError> {
        let (prefix, resource, kind, api_version) =
            (what.prefix, what.resource, what.kind, what.api_version);
        // One namespace: GET it (a namespace-scoped reader may not list
        // every namespace).
        if let (Some(ns), "namespaces") = (namespace, resource) {
            let uri = format!("/api/v1/namespaces/{}", encode(ns));
            let mut obj: Value = self
                .client
                .request(get(&uri)?)
                .await
                .map_err(|e| api_error(&format!("get namespace {ns}"), e))?;
            if let Value::Object(m) = &mut obj {
                m.insert("kind".into(), Value::String(kind.into()));
                m.insert("apiVersion".into(), Value::String(api_version.into()));
            }
            page(vec![obj]);
            return Ok(());
        }
        let base = match namespace {
            Some(ns) if resource != "namespaces" => {
                format!("{prefix}/namespaces/{}/{resource}", encode(ns))
            }
            _ => format!("{prefix}/{resource}"),
        };
        let mut cont = String::new();
        loop {
            let mut uri = format!("{base}?limit={limit}");
            if !cont.is_empty() {
                uri.push_str("&continue=");
                uri.push_str(&encode(&cont));
            }
            let req = get(&uri)?;
            let mut list: Value = self
                .client
                .request(req)
                .await
                .map_err(|e| api_error(&format!("list {resource}"), e))?;
            cont = list["metadata"]["continue"]
                .as_str()
                .unwrap_or("")
                .to_string();
            let mut items = match list.get_mut("items").map(Value::take) {
                Some(Value::Array(a)) => a,
                _ => Vec::new(),
            };
            for it in &mut items {
                if let Value::Object(m) = it {
                    m.insert("kind".into(), Value::String(kind.into()));
                    m.insert("apiVersion".into(), Value::String(api_version.into()));
                }
            }
            page(items);
            if cont.is_empty() {
                return Ok(());
            }
        }
    }

    /// One namespace's labels (`GET /api/v1/namespaces/NAME`).
    pub async fn namespace_labels(&self, name: &str) -> Result<Vec<(String, String)>, LiveError> {
        let uri = format!("/api/v1/namespaces/{}", encode(name));
        let req = get(&uri)?;
        let ns: Value = self
            .client
            .request(req)
            .await
            .map_err(|e| api_error(&format!("get namespace {name}"), e))?;
        Ok(crate::pss::namespace::labels_of(&ns))
    }

    /// The API server's own answer to setting `labels` on namespace `name`:
    /// a server-side dry-run merge patch (`kubectl label --dry-run=server`;
    /// needs `patch namespaces`, writes nothing). Returns its warnings.
    pub async fn dry_run_label(
        &self,
        name: &str,
        labels: &[(String, String)],
    ) -> Result<Vec<String>, LiveError> {
        use http_body_util::BodyExt;
        let uri = format!(
            "/api/v1/namespaces/{}?dryRun=All&fieldManager=podsec",
            encode(name)
        );
        let body = serde_json::json!({"metadata": {"labels": labels
            .iter()
            .map(|(k, v)| (k.clone(), Value::String(v.clone())))
            .collect::<serde_json::Map<_, _>>()}});
        let req = Request::builder()
            .method(Method::PATCH)
            .uri(&uri)
            .header("content-type", "application/merge-patch+json")
            .header("accept", "application/json")
            .body(kube::client::Body::from(body.to_string().into_bytes()))
            .map_err(|e| LiveError {
                code: None,
                message: format!("{uri}: {e}"),
            })?;
        let what = format!("dry-run label namespace {name}");
        let res = self
            .client
            .send(req)
            .await
            .map_err(|e| api_error(&what, e))?;
        let status = res.status();
        let warnings: Vec<String> = res
            .headers()
            .get_all("warning")
            .iter()
            .filter_map(|h| h.to_str().ok())
            .filter_map(parse_warning)
            .collect();
        if !status.is_success() {
            let bytes = res
                .into_body()
                .collect()
                .await
                .map(|b| b.to_bytes())
                .unwrap_or_default();
            let v: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
            let hint = if status.as_u16() == 403 {
                " (--server-dry-run needs `patch namespaces`)"
            } else {
                ""
            };
            return Err(LiveError {
                code: Some(status.as_u16()),
                message: format!(
                    "{what}: {status}: {}{hint}",
                    v["message"].as_str().unwrap_or("")
                ),
            });
        }
        Ok(warnings)
    }
}

/// A GET of `uri` asking for JSON.
fn get(uri: &str) -> Result<Request<Vec<u8>>, LiveError> {
    Request::builder()
        .method(Method::GET)
        .uri(uri)
        .header("accept", "application/json")
        .body(Vec::new())
        .map_err(|e| LiveError {
            code: None,
            message: format!("{uri}: {e}"),
        })
}

/// The text of an HTTP `Warning` header (RFC 7234: `299 - "text"`, with
/// `\"` and `\\` escapes), as kubectl prints it.
pub fn parse_warning(h: &str) -> Option<String> {
    let rest = h.trim().strip_prefix("299")?.trim_start();
    let rest = rest.strip_prefix('-')?.trim_start();
    let body = rest.strip_prefix('"')?;
    let mut out = String::new();
    let mut chars = body.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.push(chars.next()?),
            '"' => return Some(out),
            c => out.push(c),
        }
    }
    None
}

/// Percent-encodes a path segment or query value.
fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn warnings_and_encoding() {
        assert_eq!(
            parse_warning(r#"299 - "existing pods in namespace \"a\" violate""#).as_deref(),
            Some(r#"existing pods in namespace "a" violate"#)
        );
        assert_eq!(parse_warning("199 - \"x\""), None);
        assert_eq!(encode("a b/c=d"), "a%20b%2Fc%3Dd");
    }
}
