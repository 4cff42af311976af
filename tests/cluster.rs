//! `podsec cluster report` on a recorded `kubectl get -A -o json` dump
//! (tests/fixtures/cluster/dump.json: labelled, unlabelled and mislabelled
//! namespaces; a Deployment with its ReplicaSet and pods; pods whose
//! controller is not in the dump; a privileged DaemonSet and its pod).

use std::path::PathBuf;

use crate::scan_cli::snapshot;
use crate::util::Dir;

/// One namespace of a JSON report.
fn namespace(report: &serde_json::Value, name: &str) -> serde_json::Value {
    report["namespaces"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["namespace"] == name)
        .unwrap()
        .clone()
}

fn dump() -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/cluster/dump.json")
        .display()
        .to_string()
}

#[test]
fn report_per_namespace() {
    let d = Dir::new("cluster");
    let out = d.run(&["cluster", "report", &dump()]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    snapshot("cluster_report.txt", &out.stdout);
    let out = d.run(&["cluster", "report", "--format", "markdown", &dump()]);
    snapshot("cluster_report.md", &out.stdout);
    let out = d.run(&["cluster", "report", "--format", "json", &dump()]);
    let v: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let ns = |name: &str| namespace(&v, name);
    // A Deployment, its ReplicaSet and its three pods count once; pods of a
    // controller the dump lacks count once; a lone pod counts once.
    let prod = ns("prod");
    assert_eq!(prod["workloads"], 3);
    assert_eq!(prod["strictest"], "baseline");
    assert_eq!(prod["current_enforce"], "baseline:v1.30");
    let group = &prod["blocked"][0]["groups"][0];
    assert_eq!(
        group["workloads"],
        serde_json::json!(["Pod/debug", "Deployment/web"])
    );
    assert_eq!(
        group["warning"],
        "debug (and 1 other pod): allowPrivilegeEscalation != false, unrestricted capabilities, runAsNonRoot != true, seccompProfile"
    );
    assert!(
        prod["recommended"]
            .as_str()
            .unwrap()
            .contains("pod-security.kubernetes.io/enforce=baseline")
    );
    assert_eq!(ns("secure")["strictest"], "restricted");
    assert_eq!(ns("kube-system")["strictest"], "privileged");
    // An invalid label is reported as the controller reads it.
    assert_eq!(
        ns("typo")["label_errors"][0],
        "pod-security.kubernetes.io/enforce: invalid level \"restrictd\": treated as restricted (fail closed)"
    );
    // The same dump on standard input.
    let yaml = std::process::Command::new("python3")
        .args([
            "-c",
            "import json,sys; d=json.load(open(sys.argv[1])); print(json.dumps(d))",
            &dump(),
        ])
        .output()
        .unwrap();
    let out = d.run_stdin(
        &["cluster", "report", "-"],
        Some(&String::from_utf8_lossy(&yaml.stdout)),
    );
    assert!(
        out.stdout
            .contains("namespace prod (enforce=baseline, enforce-version=v1.30)"),
        "{}",
        out.stdout
    );
    // A bad file is an error, the others are still reported.
    d.create("bad.yaml", "kind: [\n");
    let out = d.run(&["cluster", "report", &dump(), "bad.yaml"]);
    assert_eq!(out.code, 2);
    assert!(out.stdout.contains("namespace secure"), "{}", out.stdout);
}

/// A mock API server: plain HTTP/1.1 on loopback, answering from the
/// recorded dump as the API server pages lists (two items per page, a
/// `continue` token), with `403` for the resources in `forbidden`, and
/// the recorded dry-run warnings for namespace patches. Every request line
/// is logged.
pub mod mock {
    use std::collections::HashMap;
    use std::io::{BufRead, BufReader, Read, Write};
    use std::net::TcpListener;
    use std::sync::{Arc, Mutex};

    pub struct Server {
        pub url: String,
        pub log: Arc<Mutex<Vec<String>>>,
    }

    type Reply = (u16, Vec<(String, String)>, String);

    fn lists(dump: &serde_json::Value) -> HashMap<String, Vec<serde_json::Value>> {
        let mut by: HashMap<String, Vec<serde_json::Value>> = HashMap::new();
        for it in dump["items"].as_array().unwrap() {
            let resource = match it["kind"].as_str().unwrap() {
                "Namespace" => "/api/v1/namespaces",
                "Pod" => "/api/v1/pods",
                "Deployment" => "/apis/apps/v1/deployments",
                "ReplicaSet" => "/apis/apps/v1/replicasets",
                "DaemonSet" => "/apis/apps/v1/daemonsets",
                other => panic!("no route for {other}"),
            };
            // List items come without kind and apiVersion.
            let mut item = it.clone();
            item.as_object_mut().unwrap().remove("kind");
            item.as_object_mut().unwrap().remove("apiVersion");
            by.entry(resource.to_string()).or_default().push(item);
        }
        by
    }

    fn answer(
        lists: &HashMap<String, Vec<serde_json::Value>>,
        forbidden: &[&str],
        dry_run: &HashMap<String, Vec<String>>,
        method: &str,
        target: &str,
        body: &str,
    ) -> Reply {
        let (path, query) = target.split_once('?').unwrap_or((target, ""));
        let q: HashMap<&str, &str> = query
            .split('&')
            .filter_map(|kv| kv.split_once('='))
            .collect();
        if method == "PATCH" {
            let ns = path.rsplit('/').next().unwrap();
            assert_eq!(q.get("dryRun"), Some(&"All"), "{target}");
            let v: serde_json::Value = serde_json::from_str(body).unwrap();
            let level = v["metadata"]["labels"]["pod-security.kubernetes.io/enforce"]
                .as_str()
                .unwrap();
            let headers = dry_run
                .get(&format!("{ns}={level}"))
                .cloned()
                .unwrap_or_default()
                .into_iter()
                .map(|w| {
                    (
                        "Warning".to_string(),
                        format!("299 - \"{}\"", w.replace('"', "\\\"")),
                    )
                })
                .collect();
            return (
                200,
                headers,
                format!(r#"{{"kind":"Namespace","apiVersion":"v1","metadata":{{"name":"{ns}"}}}}"#),
            );
        }
        assert_eq!(method, "GET", "the client is read-only: {method} {target}");
        // One namespace: GET /api/v1/namespaces/NAME.
        if let Some(name) = path.strip_prefix("/api/v1/namespaces/")
            && !name.contains('/')
        {
            return match lists["/api/v1/namespaces"]
                .iter()
                .find(|n| n["metadata"]["name"] == name)
            {
                Some(n) => (200, vec![], n.to_string()),
                None => (
                    404,
                    vec![],
                    format!(
                        r#"{{"kind":"Status","apiVersion":"v1","status":"Failure","message":"namespaces \"{name}\" not found","reason":"NotFound","code":404}}"#
                    ),
                ),
            };
        }
        // A namespaced list: /PREFIX/namespaces/NS/RESOURCE.
        let (path, only): (String, Option<String>) = match path.split_once("/namespaces/") {
            Some((prefix, rest)) if rest.contains('/') => {
                let (ns, resource) = rest.split_once('/').unwrap();
                (format!("{prefix}/{resource}"), Some(ns.to_string()))
            }
            _ => (path.to_string(), None),
        };
        let path = path.as_str();
        let resource = path.rsplit('/').next().unwrap();
        if forbidden.contains(&resource) {
            return (
                403,
                vec![],
                format!(
                    r#"{{"kind":"Status","apiVersion":"v1","metadata":{{}},"status":"Failure","message":"{resource} is forbidden: User \"system:serviceaccount:x:y\" cannot list resource \"{resource}\" at the cluster scope","reason":"Forbidden","details":{{"kind":"{resource}"}},"code":403}}"#
                ),
            );
        }
        assert_eq!(q.get("limit"), Some(&"500"), "{target}");
        let all: Vec<serde_json::Value> = lists
            .get(path)
            .cloned()
            .unwrap_or_default()
            .into_iter()
            .filter(|i| {
                only.as_ref()
                    .is_none_or(|ns| i["metadata"]["namespace"] == ns.as_str())
            })
            .collect();
        let start: usize = q
            .get("continue")
            .map(|c| c.strip_prefix("page").unwrap().parse().unwrap())
            .unwrap_or(0);
        let end = (start + 2).min(all.len());
        let cont = if end < all.len() {
            format!("page{end}")
        } else {
            String::new()
        };
        let body = serde_json::json!({
            "kind": "List", "apiVersion": "v1",
            "metadata": {"resourceVersion": "1", "continue": cont},
            "items": all[start..end],
        });
        (200, vec![], body.to_string())
    }

    pub fn start(
        dump: serde_json::Value,
        forbidden: &'static [&'static str],
        dry_run: HashMap<String, Vec<String>>,
    ) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let log = Arc::new(Mutex::new(Vec::new()));
        let lists = Arc::new(lists(&dump));
        let dry_run = Arc::new(dry_run);
        let log2 = log.clone();
        std::thread::spawn(move || {
            for conn in listener.incoming() {
                let Ok(conn) = conn else { continue };
                let (lists, dry_run, log) = (lists.clone(), dry_run.clone(), log2.clone());
                std::thread::spawn(move || {
                    let mut reader = BufReader::new(conn.try_clone().unwrap());
                    let mut conn = conn;
                    loop {
                        let mut line = String::new();
                        if reader.read_line(&mut line).unwrap_or(0) == 0 {
                            return;
                        }
                        let mut parts = line.split_whitespace();
                        let (method, target) = (
                            parts.next().unwrap().to_string(),
                            parts.next().unwrap().to_string(),
                        );
                        let mut length = 0;
                        let mut auth = String::new();
                        loop {
                            let mut h = String::new();
                            reader.read_line(&mut h).unwrap();
                            let h = h.trim_end();
                            if h.is_empty() {
                                break;
                            }
                            let (k, v) = h.split_once(':').unwrap();
                            match k.to_ascii_lowercase().as_str() {
                                "content-length" => length = v.trim().parse().unwrap(),
                                "authorization" => auth = v.trim().to_string(),
                                _ => {}
                            }
                        }
                        let mut body = vec![0; length];
                        reader.read_exact(&mut body).unwrap();
                        log.lock()
                            .unwrap()
                            .push(format!("{method} {target} {auth}"));
                        let (code, headers, text) = answer(
                            &lists,
                            forbidden,
                            &dry_run,
                            &method,
                            &target,
                            &String::from_utf8_lossy(&body),
                        );
                        let mut out = format!(
                            "HTTP/1.1 {code} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\n",
                            text.len()
                        );
                        for (k, v) in headers {
                            out.push_str(&format!("{k}: {v}\r\n"));
                        }
                        out.push_str("\r\n");
                        out.push_str(&text);
                        if conn.write_all(out.as_bytes()).is_err() {
                            return;
                        }
                    }
                });
            }
        });
        Server { url, log }
    }
}

fn kubeconfig(d: &Dir, url: &str) -> String {
    d.create(
        "kubeconfig",
        format!(
            "apiVersion: v1\nkind: Config\nclusters:\n- name: mock\n  cluster:\n    server: {url}\nusers:\n- name: reader\n  user:\n    token: r3ad0nly\ncontexts:\n- name: mock\n  context:\n    cluster: mock\n    user: reader\ncurrent-context: mock\n"
        ),
    );
    d.path.join("kubeconfig").display().to_string()
}

fn recorded_dump() -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(dump()).unwrap()).unwrap()
}

#[test]
fn live_report_pages_through_a_mock_api_server() {
    let d = Dir::new("cluster-live");
    let server = mock::start(recorded_dump(), &[], Default::default());
    let kc = kubeconfig(&d, &server.url);
    let out = d.run_env(&["cluster", "report", "--live"], &[("KUBECONFIG", &kc)]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    // The same report as from the dump itself.
    let from_file = d.run(&["cluster", "report", &dump()]);
    assert_eq!(out.stdout, from_file.stdout);
    let log = server.log.lock().unwrap().clone();
    // Pages followed (6 + 1 pods in prod, more than one page), every
    // request a GET with the kubeconfig's token.
    assert!(
        log.iter()
            .any(|l| l.starts_with("GET /api/v1/pods?limit=500&continue=page2 ")),
        "{log:?}"
    );
    assert!(
        log.iter()
            .all(|l| l.starts_with("GET ") && l.ends_with("Bearer r3ad0nly")),
        "{log:?}"
    );
    for r in ["jobs", "cronjobs", "replicationcontrollers", "statefulsets"] {
        assert!(
            log.iter().any(|l| l.contains(&format!("/{r}?limit=500"))),
            "{r}: {log:?}"
        );
    }
    // One namespace.
    let out = d.run_env(
        &[
            "cluster",
            "report",
            "--live",
            "--namespace",
            "prod",
            "--format",
            "json",
        ],
        &[("KUBECONFIG", &kc)],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    let v: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let names: Vec<&str> = v["namespaces"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["namespace"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["prod"]);
    assert_eq!(v["namespaces"][0]["workloads"], 3);
    let log = server.log.lock().unwrap().clone();
    assert!(
        log.iter()
            .any(|l| l.starts_with("GET /api/v1/namespaces/prod/pods?limit=500"))
    );
    // The namespace itself is read with a GET (the first run listed them
    // all; this one does not).
    assert!(
        log.iter()
            .any(|l| l.starts_with("GET /api/v1/namespaces/prod ")),
        "{log:?}"
    );
    assert_eq!(
        log.iter()
            .filter(|l| l.starts_with("GET /api/v1/namespaces?limit=500 "))
            .count(),
        1,
        "{log:?}"
    );
}

#[test]
fn live_report_with_an_exec_credential_plugin_and_a_context() {
    let d = Dir::new("cluster-live-exec");
    let server = mock::start(recorded_dump(), &[], Default::default());
    // A credential plugin (client.authentication.k8s.io/v1), as cloud
    // kubeconfigs use, in a context that is not the current one.
    d.create(
        "plugin.sh",
        "#!/bin/sh\necho '{\"apiVersion\":\"client.authentication.k8s.io/v1\",\"kind\":\"ExecCredential\",\"status\":{\"token\":\"fr0m-exec\"}}'\n",
    );
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(
        d.path.join("plugin.sh"),
        std::fs::Permissions::from_mode(0o755),
    )
    .unwrap();
    let plugin = d.path.join("plugin.sh").display().to_string();
    d.create(
        "kubeconfig",
        format!(
            "apiVersion: v1\nkind: Config\nclusters:\n- name: mock\n  cluster:\n    server: {url}\n- name: nowhere\n  cluster:\n    server: http://127.0.0.1:9\nusers:\n- name: exec\n  user:\n    exec:\n      apiVersion: client.authentication.k8s.io/v1\n      command: {plugin}\n      interactiveMode: Never\n- name: none\n  user: {{}}\ncontexts:\n- name: other\n  context:\n    cluster: nowhere\n    user: none\n- name: mock\n  context:\n    cluster: mock\n    user: exec\ncurrent-context: other\n",
            url = server.url
        ),
    );
    let kc = d.path.join("kubeconfig").display().to_string();
    let out = d.run_env(
        &[
            "cluster",
            "report",
            "--live",
            "--context",
            "mock",
            "--namespace",
            "secure",
        ],
        &[("KUBECONFIG", &kc)],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stdout.contains("namespace secure"), "{}", out.stdout);
    let log = server.log.lock().unwrap().clone();
    assert!(
        !log.is_empty() && log.iter().all(|l| l.ends_with("Bearer fr0m-exec")),
        "{log:?}"
    );
    // An unknown context is a clear error.
    let out = d.run_env(
        &["cluster", "report", "--live", "--context", "nope"],
        &[("KUBECONFIG", &kc)],
    );
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.contains("kubeconfig context \"nope\""),
        "{}",
        out.stderr
    );
}

#[test]
fn live_report_forbidden_and_server_dry_run() {
    let d = Dir::new("cluster-live-403");
    // Deployments may not be listed: a clear error, exit 2, the rest
    // reported.
    let server = mock::start(recorded_dump(), &["deployments"], Default::default());
    let kc = kubeconfig(&d, &server.url);
    let out = d.run_env(&["cluster", "report", "--live"], &[("KUBECONFIG", &kc)]);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.contains("list deployments: 403 Forbidden")
            && out
                .stderr
                .contains("the built-in `view` ClusterRole suffices"),
        "{}",
        out.stderr
    );
    assert!(out.stdout.contains("namespace secure"), "{}", out.stdout);

    // The API server's dry-run warnings, as a real one words them: prod
    // agrees with podsec; kube-system's server counts a reason set
    // podsec does not have.
    let mut dry = std::collections::HashMap::new();
    dry.insert(
        "prod=restricted".to_string(),
        vec![
            "existing pods in namespace \"prod\" violate the new PodSecurity enforce level \"restricted:latest\"".to_string(),
            "debug (and 3 other pods): allowPrivilegeEscalation != false, unrestricted capabilities, runAsNonRoot != true, seccompProfile".to_string(),
        ],
    );
    dry.insert(
        "kube-system=baseline".to_string(),
        vec![
            "existing pods in namespace \"kube-system\" violate the new PodSecurity enforce level \"baseline:latest\"".to_string(),
            "node-agent-x1: host namespaces".to_string(),
        ],
    );
    let server = mock::start(recorded_dump(), &[], dry);
    let kc = kubeconfig(&d, &server.url);
    let out = d.run_env(
        &[
            "cluster",
            "report",
            "--live",
            "--server-dry-run",
            "--format",
            "json",
        ],
        &[("KUBECONFIG", &kc)],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    let v: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let ns = |name: &str| namespace(&v, name);
    let prod = ns("prod");
    // prod is enforce=baseline:v1.30: baseline at latest is a version
    // change, so the server checks both levels.
    let checks = prod["server"].as_array().unwrap();
    let restricted = checks
        .iter()
        .find(|c| c["policy"] == "restricted:latest")
        .unwrap();
    assert_eq!(
        restricted["differences"],
        serde_json::json!([]),
        "{restricted}"
    );
    let ks = ns("kube-system");
    let baseline = &ks["server"].as_array().unwrap()[0];
    assert_eq!(baseline["policy"], "baseline:latest");
    let diffs: Vec<&str> = baseline["differences"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d.as_str().unwrap())
        .collect();
    assert_eq!(
        diffs,
        [
            "the API server warns of pods with host namespaces; podsec has no workload with exactly these reasons",
            "podsec has workloads with host namespaces, privileged; the API server did not warn of them",
        ]
    );
    // The only writes were dry runs.
    let log = server.log.lock().unwrap().clone();
    assert!(
        log.iter()
            .filter(|l| l.starts_with("PATCH "))
            .all(|l| l.contains("dryRun=All"))
    );
    assert!(
        log.iter()
            .any(|l| l.starts_with("PATCH /api/v1/namespaces/prod?dryRun=All"))
    );
}
