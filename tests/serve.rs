//! `podsec serve`: the webhook over real HTTPS (curl as the client,
//! certificates made by `podsec serve certs` and by openssl), with
//! AdmissionReviews recorded as the API server sends them
//! (tests/fixtures/admission/), and a mock API server for the namespace
//! lookups.

use std::io::{BufRead, Read, Write};
use std::path::PathBuf;
use std::process::{Command, Stdio};

use crate::util::Dir;

fn cert(d: &Dir, name: &str, cn: &str) {
    let out = Command::new("openssl")
        .args([
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
            "-keyout",
            &format!("{name}.key"),
            "-out",
            &format!("{name}.pem"),
            "-subj",
            &format!("/CN={cn}"),
            "-addext",
            "subjectAltName=DNS:localhost,IP:127.0.0.1",
            "-days",
            "2",
        ])
        .current_dir(&d.path)
        .output()
        .expect("openssl makes the test certificates");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// `curl` against the server: (HTTP code, body).
fn curl(d: &Dir, ca: &str, url: &str, extra: &[&str]) -> (String, String) {
    let out = Command::new("curl")
        .args(["-s", "--cacert", ca, "-w", "\n%{http_code}", url])
        .args(extra)
        .current_dir(&d.path)
        .output()
        .expect("curl is the HTTPS client of these tests");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let (body, code) = text.rsplit_once('\n').unwrap_or(("", &text));
    (code.to_string(), body.to_string())
}

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/admission")
        .join(name)
}

/// POSTs a recorded review: the parsed AdmissionReview answer.
fn post(d: &Dir, base: &str, endpoint: &str, file: &str) -> serde_json::Value {
    let (code, body) = curl(
        d,
        "a.pem",
        &format!("{base}/{endpoint}?timeout=10s"),
        &[
            "-H",
            "content-type: application/json",
            "--data-binary",
            &format!("@{}", fixture(file).display()),
        ],
    );
    assert_eq!(code, "200", "{file}: {body}");
    serde_json::from_str(&body).unwrap()
}

const WEAK_POD: &str = r#"{"apiVersion":"v1","kind":"Pod","metadata":{"name":"web","namespace":"prod"},"spec":{"containers":[{"name":"app","image":"registry.example/app:1"}]}}"#;

fn review(kind: &str, resource: &str, object: &str) -> String {
    format!(
        r#"{{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{{"uid":"3f2c-{kind}","kind":{{"group":"","version":"v1","kind":"{kind}"}},"resource":{{"group":"","version":"v1","resource":"{resource}"}},"namespace":"prod","operation":"CREATE","userInfo":{{"username":"alice"}},"object":{object},"dryRun":false}}}}"#
    )
}

struct Server {
    child: std::process::Child,
    base: String,
    logs: Option<std::thread::JoinHandle<Vec<String>>>,
}

impl Server {
    /// SIGTERM, a clean exit, and the log lines.
    fn stop(mut self) -> Vec<String> {
        Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .unwrap();
        let status = self.child.wait().unwrap();
        assert!(status.success(), "{status:?}");
        self.logs.take().unwrap().join().unwrap()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
    }
}

/// Starts `podsec serve` on a free port with certificate `a`.
fn start(d: &Dir, extra: &[&str], env: &[(&str, &str)]) -> Server {
    cert(d, "a", "podsec-a");
    let mut child = Command::new(env!("CARGO_BIN_EXE_podsec"))
        .args([
            "serve",
            "--addr",
            "127.0.0.1:0",
            "--tls-cert",
            "a.pem",
            "--tls-key",
            "a.key",
        ])
        .args(extra)
        .envs(env.iter().copied())
        .current_dir(&d.path)
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = std::io::BufReader::new(child.stderr.take().unwrap()).lines();
    let first = lines.next().unwrap().unwrap();
    let log: serde_json::Value = serde_json::from_str(&first).unwrap_or_else(|_| panic!("{first}"));
    assert_eq!(log["msg"], "listening", "{first}");
    let base =
        format!("https://{}", log["addr"].as_str().unwrap()).replace("127.0.0.1", "localhost");
    // Keep reading the log so the server never blocks on a full pipe.
    let logs = std::thread::spawn(move || lines.map_while(Result::ok).collect::<Vec<_>>());
    Server {
        child,
        base,
        logs: Some(logs),
    }
}

#[test]
fn recorded_reviews_as_the_api_server_sends_them() {
    let d = Dir::new("serve-recorded");
    let server = crate::cluster::mock::start(
        serde_json::from_str(
            &std::fs::read_to_string(
                PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/cluster/dump.json"),
            )
            .unwrap(),
        )
        .unwrap(),
        &[],
        Default::default(),
    );
    d.create(
        "kubeconfig",
        format!(
            "apiVersion: v1\nkind: Config\nclusters:\n- name: mock\n  cluster:\n    server: {}\nusers:\n- name: webhook\n  user:\n    token: w3bh00k\ncontexts:\n- name: mock\n  context:\n    cluster: mock\n    user: webhook\ncurrent-context: mock\n",
            server.url
        ),
    );
    let kc = d.path.join("kubeconfig").display().to_string();
    // The cluster default is privileged (nothing configured); namespace
    // prod is labelled enforce=baseline:v1.30 in the mock cluster; the
    // command line adds restricted warnings everywhere.
    d.create(
        "podsec.toml",
        "[serve]\nwarn = \"restricted\"\n[serve.exemptions]\nnamespaces = [\"kube-system\"]\nusernames = [\"system:serviceaccount:kube-system:break-glass\"]\n",
    );
    let s = start(
        &d,
        &["--config", "podsec.toml", "--read-namespaces"],
        &[("KUBECONFIG", &kc)],
    );
    let base = s.base.clone();
    let r = |file: &str| post(&d, &base, "validate", file)["response"].clone();

    // Pod CREATE: baseline:v1.30 (from the namespace's labels) allows the
    // root nginx; restricted warns; the uid is echoed.
    let pod = r("pod-create.json");
    assert_eq!(pod["uid"], "a1b2c3d4-0001-4000-8000-000000000001");
    assert_eq!(pod["allowed"], true, "{pod}");
    assert_eq!(pod["auditAnnotations"]["enforce-policy"], "baseline:v1.30");
    let w = pod["warnings"][0].as_str().unwrap();
    assert!(
        w.starts_with("would violate PodSecurity \"restricted:latest\": allowPrivilegeEscalation != false (containers \"app\", \"sidecar\" must set"),
        "{w}"
    );
    assert!(w.len() <= 256);
    // dryRun: the same decision.
    assert_eq!(r("pod-dryrun.json")["warnings"], pod["warnings"]);
    // DELETE: not evaluated.
    let del = r("pod-delete.json");
    assert_eq!(
        del,
        serde_json::json!({"uid": "a1b2c3d4-0003-4000-8000-000000000003", "allowed": true})
    );
    // Exempt namespace and user.
    assert_eq!(
        r("pod-exempt-namespace.json")["auditAnnotations"]["exempt"],
        "namespace"
    );
    assert_eq!(
        r("pod-exempt-user.json")["auditAnnotations"]["exempt"],
        "user"
    );
    // A privileged ephemeral container added to a compliant pod: denied by
    // baseline, in the controller's words.
    let eph = r("pod-ephemeralcontainers.json");
    assert_eq!(eph["allowed"], false);
    assert_eq!(
        eph["status"]["message"],
        "pods \"debug-me\" is forbidden: violates PodSecurity \"baseline:v1.30\": privileged (container \"debugger-x2\" must not set securityContext.privileged=true)"
    );
    assert_eq!(eph["status"]["code"], 403);
    // Deployment CREATE: allowed, warned that its pods will be denied.
    let dep = r("deployment-create.json");
    assert_eq!(dep["allowed"], true);
    assert_eq!(
        dep["warnings"][0],
        "would violate PodSecurity \"baseline:v1.30\": privileged (container \"api\" must not set securityContext.privileged=true)"
    );
    // CronJob UPDATE adding hostNetwork and runAsUser 0.
    let cj = r("cronjob-update.json");
    assert_eq!(cj["allowed"], true);
    assert!(
        cj["warnings"][0].as_str().unwrap().starts_with(
            "would violate PodSecurity \"baseline:v1.30\": host namespaces (hostNetwork=true)"
        ),
        "{cj}"
    );
    // Namespace label change raising enforce: allowed, the existing pods
    // that would violate it listed as `kubectl label --dry-run=server`
    // shows them.
    let ns = r("namespace-label.json");
    assert_eq!(ns["allowed"], true);
    assert_eq!(
        ns["warnings"],
        serde_json::json!([
            "existing pods in namespace \"prod\" violate the new PodSecurity enforce level \"restricted:latest\"",
            "debug (and 3 other pods): allowPrivilegeEscalation != false, unrestricted capabilities, runAsNonRoot != true, seccompProfile"
        ])
    );
    let asked = server.log.lock().unwrap().clone();
    assert!(
        asked
            .iter()
            .any(|l| l.starts_with("GET /api/v1/namespaces/prod ") && l.ends_with("Bearer w3bh00k")),
        "{asked:?}"
    );
    assert!(
        asked
            .iter()
            .any(|l| l.starts_with("GET /api/v1/namespaces/prod/pods?limit=500")),
        "{asked:?}"
    );

    // HTTP/2 (ALPN) as well as HTTP/1.1.
    let (code, body) = curl(
        &d,
        "a.pem",
        &format!("{base}/validate"),
        &[
            "--http2",
            "-H",
            "content-type: application/json",
            "--data-binary",
            &format!("@{}", fixture("pod-ephemeralcontainers.json").display()),
        ],
    );
    assert_eq!(code, "200");
    assert!(body.contains("\"allowed\":false"), "{body}");
    let out = Command::new("curl")
        .args([
            "-s",
            "--http2",
            "--cacert",
            "a.pem",
            "-o",
            "/dev/null",
            "-w",
            "%{http_version}",
        ])
        .arg(format!("{base}/healthz"))
        .current_dir(&d.path)
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout), "2");

    // Malformed and oversized bodies.
    d.create("bad.json", "{");
    let (code, _) = curl(
        &d,
        "a.pem",
        &format!("{base}/validate"),
        &["--data-binary", "@bad.json"],
    );
    assert_eq!(code, "400");
    d.create("big.json", vec![b' '; 3 * 1024 * 1024 + 1]);
    let (code, _) = curl(
        &d,
        "a.pem",
        &format!("{base}/validate"),
        &["--data-binary", "@big.json"],
    );
    assert_eq!(code, "413");

    // A slow client: it sends half a body and stalls. It is answered 408
    // within the request's own ?timeout=, and other requests go on
    // meanwhile.
    let port = base.rsplit(':').next().unwrap().to_string();
    let mut slow = Command::new("openssl")
        .args([
            "s_client",
            "-quiet",
            "-connect",
            &format!("127.0.0.1:{port}"),
            "-servername",
            "localhost",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut stdin = slow.stdin.take().unwrap();
    stdin
        .write_all(b"POST /validate?timeout=1s HTTP/1.1\r\nHost: localhost\r\nContent-Length: 1000\r\n\r\n{\"kind\":")
        .unwrap();
    stdin.flush().unwrap();
    let t = std::time::Instant::now();
    assert_eq!(curl(&d, "a.pem", &format!("{base}/healthz"), &[]).0, "200");
    let mut answer = String::new();
    let mut out = slow.stdout.take().unwrap();
    let mut buf = [0u8; 4096];
    while !answer.contains("\r\n\r\n") {
        let n = out.read(&mut buf).unwrap();
        if n == 0 {
            break;
        }
        answer.push_str(&String::from_utf8_lossy(&buf[..n]));
    }
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer:?}");
    assert!(t.elapsed() < std::time::Duration::from_secs(5));
    drop(stdin);
    let _ = slow.kill();
    let _ = slow.wait();

    // Metrics by endpoint, kind and decision.
    let (_, metrics) = curl(&d, "a.pem", &format!("{base}/metrics"), &[]);
    for line in [
        "podsec_requests_total{endpoint=\"validate\",kind=\"Pod\",decision=\"denied\"} 2",
        "podsec_requests_total{endpoint=\"validate\",kind=\"Pod\",decision=\"allowed\"} 5",
        "podsec_requests_total{endpoint=\"validate\",kind=\"controller\",decision=\"allowed\"} 2",
        "podsec_requests_total{endpoint=\"validate\",kind=\"Namespace\",decision=\"allowed\"} 1",
    ] {
        assert!(metrics.contains(line), "{line}\n{metrics}");
    }
    assert!(metrics.contains("podsec_request_duration_seconds_count{endpoint=\"validate\"}"));

    // The configuration is read again when it changes: now restricted is
    // enforced, so the same pod is denied; a broken file keeps it.
    std::thread::sleep(std::time::Duration::from_millis(1100));
    d.create(
        "podsec.toml",
        "[serve]\nenforce = \"restricted\"\nnamespace-labels = false\n",
    );
    let mut denied = false;
    for _ in 0..50 {
        if r("pod-create.json")["allowed"] == false {
            denied = true;
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
    assert!(denied, "the configuration was not reloaded");
    d.create("podsec.toml", "[serve]\nenforce = \"strict\"\n");
    let mut counted = false;
    for _ in 0..50 {
        let (_, m) = curl(&d, "a.pem", &format!("{base}/metrics"), &[]);
        if m.contains("podsec_config_reloads_total{result=\"error\"} 1") {
            counted = true;
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
    assert!(counted);
    assert_eq!(r("pod-create.json")["allowed"], false);
    let logs = s.stop();
    assert!(
        logs.iter()
            .any(|l| l.contains("configuration not reloaded") && l.contains("podsec.toml:2:11")),
        "{logs:?}"
    );
    assert!(
        logs.iter().any(|l| l.contains("\"msg\":\"stopped\"")),
        "{logs:?}"
    );
}

#[test]
fn certificates_reload_while_requests_run() {
    let d = Dir::new("serve-certs");
    // `podsec serve certs`: a CA and a serving certificate.
    let out = d.run(&[
        "serve",
        "certs",
        "--out",
        "certs",
        "--dns",
        "localhost",
        "--dns",
        "podsec-webhook.podsec.svc",
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let bundle = out.stdout.trim();
    let ca = std::fs::read_to_string(d.path.join("certs/ca.crt")).unwrap();
    let decoded = Command::new("base64")
        .args(["-d"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .and_then(|mut c| {
            c.stdin.take().unwrap().write_all(bundle.as_bytes())?;
            c.wait_with_output()
        })
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&decoded.stdout), ca);
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(d.path.join("certs/tls.key"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600);

    let s = start(&d, &[], &[]);
    let base = s.base.clone();
    // Requests run in a loop, trusting both the openssl certificate and
    // podsec's CA, while the files are replaced by podsec's pair.
    let trust = format!(
        "{}{}",
        std::fs::read_to_string(d.path.join("a.pem")).unwrap(),
        ca
    );
    d.create("trust.pem", trust);
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let runner = {
        let (stop, base, path) = (stop.clone(), base.clone(), d.path.clone());
        std::thread::spawn(move || {
            let mut codes = Vec::new();
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                let out = Command::new("curl")
                    .args([
                        "-s",
                        "--cacert",
                        "trust.pem",
                        "-w",
                        "%{http_code}",
                        "-o",
                        "/dev/null",
                    ])
                    .arg(format!("{base}/healthz"))
                    .current_dir(&path)
                    .output()
                    .unwrap();
                codes.push(String::from_utf8_lossy(&out.stdout).into_owned());
            }
            codes
        })
    };
    std::thread::sleep(std::time::Duration::from_millis(300));
    std::fs::copy(d.path.join("certs/tls.key"), d.path.join("a.key")).unwrap();
    std::fs::copy(d.path.join("certs/tls.crt"), d.path.join("a.pem")).unwrap();
    // New connections get the new certificate: verified against podsec's
    // CA alone.
    let mut switched = false;
    for _ in 0..50 {
        if curl(&d, "certs/ca.crt", &format!("{base}/healthz"), &[]).0 == "200" {
            switched = true;
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    assert!(switched);
    std::thread::sleep(std::time::Duration::from_millis(300));
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let codes = runner.join().unwrap();
    assert!(codes.len() > 3, "{codes:?}");
    assert!(codes.iter().all(|c| c == "200"), "{codes:?}");
    let (_, metrics) = curl(&d, "certs/ca.crt", &format!("{base}/metrics"), &[]);
    assert!(
        metrics.contains("podsec_certificate_reloads_total 1"),
        "{metrics}"
    );
    s.stop();
}

#[test]
fn mutate_returns_a_patch_that_applies_converges_and_passes() {
    let d = Dir::new("serve-mutate");
    d.create(
        "podsec.toml",
        "[serve]\nenforce = \"restricted\"\nrun-as-user = 10001\nmutate-unsafe = [\"ALL\"]\n",
    );
    let s = start(&d, &["--config", "podsec.toml"], &[]);
    let base = s.base.clone();
    d.create("pod.json", review("Pod", "pods", WEAK_POD));
    let (code, body) = curl(
        &d,
        "a.pem",
        &format!("{base}/mutate"),
        &["--data-binary", "@pod.json"],
    );
    assert_eq!(code, "200", "{body}");
    let v: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(v["response"]["allowed"], true);
    assert_eq!(v["response"]["patchType"], "JSONPatch");
    // Decode with Python's base64 and apply the patch with the engine's
    // applier; sent again, the patched Pod gets no patch; validated, it
    // passes restricted.
    let out = Command::new("python3")
        .args([
            "-c",
            "import base64,sys; sys.stdout.write(base64.b64decode(sys.argv[1]).decode())",
            v["response"]["patch"].as_str().unwrap(),
        ])
        .output()
        .unwrap();
    let ops: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
    let pod: serde_json::Value = serde_json::from_str(WEAK_POD).unwrap();
    let patched = podsec::engine::admission::apply_patch(&pod, &ops).unwrap();
    d.create("again.json", review("Pod", "pods", &patched.to_string()));
    let (_, body) = curl(
        &d,
        "a.pem",
        &format!("{base}/mutate"),
        &["--data-binary", "@again.json"],
    );
    let v: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert!(v["response"].get("patch").is_none(), "{v}");
    let (_, body) = curl(
        &d,
        "a.pem",
        &format!("{base}/validate"),
        &["--data-binary", "@again.json"],
    );
    let v: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(v["response"]["allowed"], true, "{v}");
    // The original is denied.
    let (_, body) = curl(
        &d,
        "a.pem",
        &format!("{base}/validate"),
        &["--data-binary", "@pod.json"],
    );
    let v: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(v["response"]["allowed"], false, "{v}");
    s.stop();
}

mod patches {
    //! `/mutate` on generated objects: every patch applies cleanly to its
    //! input and yields what the fix engine made, sending the patched
    //! object again yields no patch, and no setting gets weaker.
    use podsec::engine::admission::{MutatePolicy, apply_patch, mutate};
    use proptest::prelude::*;
    use serde_json::{Value, json};

    fn tri() -> impl Strategy<Value = Option<bool>> {
        prop_oneof![Just(None), Just(Some(true)), Just(Some(false))]
    }

    fn security_context() -> impl Strategy<Value = Value> {
        (
            tri(),
            tri(),
            tri(),
            prop_oneof![Just(None), Just(Some(0)), Just(Some(1000))],
            tri(),
            proptest::sample::subsequence(vec!["NET_RAW", "SYS_ADMIN", "NET_BIND_SERVICE"], 0..=2),
            proptest::sample::subsequence(vec!["ALL", "NET_RAW"], 0..=2),
            prop_oneof![
                Just(None),
                Just(Some("RuntimeDefault")),
                Just(Some("Unconfined"))
            ],
        )
            .prop_map(
                |(privileged, ape, non_root, user, ro, add, drop, seccomp)| {
                    let mut sc = serde_json::Map::new();
                    if let Some(v) = privileged {
                        sc.insert("privileged".into(), json!(v));
                    }
                    if let Some(v) = ape {
                        sc.insert("allowPrivilegeEscalation".into(), json!(v));
                    }
                    if let Some(v) = non_root {
                        sc.insert("runAsNonRoot".into(), json!(v));
                    }
                    if let Some(v) = user {
                        sc.insert("runAsUser".into(), json!(v));
                    }
                    if let Some(v) = ro {
                        sc.insert("readOnlyRootFilesystem".into(), json!(v));
                    }
                    if !add.is_empty() || !drop.is_empty() {
                        let mut caps = serde_json::Map::new();
                        if !add.is_empty() {
                            caps.insert("add".into(), json!(add));
                        }
                        if !drop.is_empty() {
                            caps.insert("drop".into(), json!(drop));
                        }
                        sc.insert("capabilities".into(), Value::Object(caps));
                    }
                    if let Some(t) = seccomp {
                        sc.insert("seccompProfile".into(), json!({"type": t}));
                    }
                    Value::Object(sc)
                },
            )
    }

    fn object() -> impl Strategy<Value = Value> {
        (
            proptest::collection::vec(
                (
                    prop_oneof![Just("nginx:1.27"), Just("registry.example/app:1"), Just("gcr.io/distroless/static:nonroot")],
                    proptest::option::of(security_context()),
                ),
                1..=3,
            ),
            proptest::option::of(security_context()),
            any::<bool>(),
            any::<bool>(),
        )
            .prop_map(|(containers, pod_sc, host_network, deployment)| {
                let cs: Vec<Value> = containers
                    .into_iter()
                    .enumerate()
                    .map(|(i, (image, sc))| {
                        let mut c = json!({"name": format!("c{i}"), "image": image});
                        if let Some(sc) = sc {
                            c["securityContext"] = sc;
                        }
                        c
                    })
                    .collect();
                let mut spec = json!({"containers": cs});
                if let Some(sc) = pod_sc {
                    // Container-only fields are not pod fields.
                    let mut sc = sc;
                    if let Value::Object(m) = &mut sc {
                        for k in ["privileged", "allowPrivilegeEscalation", "readOnlyRootFilesystem", "capabilities"] {
                            m.remove(k);
                        }
                    }
                    spec["securityContext"] = sc;
                }
                if host_network {
                    spec["hostNetwork"] = json!(true);
                }
                if deployment {
                    json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "gen"},
                        "spec": {"selector": {"matchLabels": {"a": "b"}}, "template": {"metadata": {"labels": {"a": "b"}}, "spec": spec}}})
                } else {
                    json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "gen"}, "spec": spec})
                }
            })
    }

    fn review(object: &Value) -> Vec<u8> {
        let kind = object["kind"].as_str().unwrap();
        serde_json::to_vec(&json!({"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "request": {
            "uid": "gen", "kind": {"group": "", "version": "v1", "kind": kind},
            "resource": {"group": "", "version": "v1", "resource": "pods"},
            "namespace": "default", "operation": "CREATE", "userInfo": {"username": "u"}, "object": object}}))
        .unwrap()
    }

    fn patch_of(answer: &Value) -> Option<Vec<Value>> {
        let p = answer["response"]["patch"].as_str()?;
        let out = std::process::Command::new("base64")
            .arg("-d")
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .and_then(|mut c| {
                use std::io::Write;
                c.stdin.take().unwrap().write_all(p.as_bytes())?;
                c.wait_with_output()
            })
            .unwrap();
        Some(serde_json::from_slice(&out.stdout).unwrap())
    }

    /// The Pod Security checks an object fails, at both levels.
    fn failing(object: &Value) -> Vec<&'static str> {
        let text = object.to_string();
        let mut out = Vec::new();
        for level in [podsec::pss::Level::Baseline, podsec::pss::Level::Restricted] {
            let r = podsec::engine::pss::pss_file(
                "o.json",
                &text,
                &[level],
                podsec::pss::Version::Latest,
            );
            for v in &r.workloads[0].results[0].1 {
                out.push(v.check);
            }
        }
        out
    }

    /// Settings that are already hardened, by JSON pointer.
    fn hardened(object: &Value) -> Vec<(String, Value)> {
        let mut out = Vec::new();
        fn walk(path: String, v: &Value, out: &mut Vec<(String, Value)>) {
            match v {
                Value::Object(m) => {
                    for (k, x) in m {
                        let p = format!("{path}/{k}");
                        let secure = matches!(
                            (k.as_str(), x),
                            (
                                "allowPrivilegeEscalation" | "privileged" | "hostNetwork",
                                Value::Bool(false)
                            ) | ("runAsNonRoot" | "readOnlyRootFilesystem", Value::Bool(true))
                        );
                        if secure {
                            out.push((p.clone(), x.clone()));
                        }
                        walk(p, x, out);
                    }
                }
                Value::Array(a) => {
                    for (i, x) in a.iter().enumerate() {
                        walk(format!("{path}/{i}"), x, out);
                    }
                }
                _ => {}
            }
        }
        walk(String::new(), object, &mut out);
        out
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 48, failure_persistence: None, ..ProptestConfig::default() })]
        #[test]
        fn patches_apply_converge_and_never_weaken(obj in object(), unsafe_fixes in any::<bool>()) {
            let policy = MutatePolicy { unsafe_fixes, ..MutatePolicy::default() };
            let answer = mutate(&review(&obj), &policy).unwrap();
            prop_assert_eq!(&answer["response"]["allowed"], &json!(true));
            let Some(ops) = patch_of(&answer) else { return Ok(()) };
            let patched = apply_patch(&obj, &ops).map_err(TestCaseError::fail)?;
            prop_assert_eq!(&Some(patched.clone()), &podsec::engine::admission::mutated(&obj, &policy));
            let again = mutate(&review(&patched), &policy).unwrap();
            prop_assert!(again["response"].get("patch").is_none(), "not idempotent: {}", again);
            let (before, after) = (failing(&obj), failing(&patched));
            for c in &after {
                prop_assert!(before.contains(c), "{} newly failing after the patch: {}", c, patched);
            }
            for (p, v) in hardened(&obj) {
                prop_assert_eq!(patched.pointer(&p), Some(&v), "{} weakened", p);
            }
        }
    }
}
