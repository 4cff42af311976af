//! `podsec serve`: the webhook over real HTTPS (curl as the client,
//! certificates made with openssl), recorded AdmissionReviews.

use std::io::BufRead;
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

fn review(kind: &str, resource: &str, object: &str) -> String {
    format!(
        r#"{{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{{"uid":"3f2c-{kind}","kind":{{"group":"","version":"v1","kind":"{kind}"}},"resource":{{"group":"","version":"v1","resource":"{resource}"}},"namespace":"prod","operation":"CREATE","userInfo":{{"username":"alice"}},"object":{object},"dryRun":false}}}}"#
    )
}

const WEAK_POD: &str = r#"{"apiVersion":"v1","kind":"Pod","metadata":{"name":"web","namespace":"prod"},"spec":{"containers":[{"name":"app","image":"nginx"}]}}"#;

/// Starts `podsec serve` on a free port with certificate `a`: the child,
/// the base URL, and the thread collecting its log lines.
fn start(
    d: &Dir,
    extra: &[&str],
) -> (
    std::process::Child,
    String,
    std::thread::JoinHandle<Vec<String>>,
) {
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
        .current_dir(&d.path)
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = std::io::BufReader::new(child.stderr.take().unwrap()).lines();
    let first = lines.next().unwrap().unwrap();
    let log: serde_json::Value = serde_json::from_str(&first).unwrap();
    assert_eq!(log["msg"], "listening", "{first}");
    let base =
        format!("https://{}", log["addr"].as_str().unwrap()).replace("127.0.0.1", "localhost");
    // Keep reading the log so the server never blocks on a full pipe.
    let logs = std::thread::spawn(move || lines.map_while(Result::ok).collect::<Vec<_>>());
    (child, base, logs)
}

#[test]
fn webhook_over_https() {
    let d = Dir::new("serve");
    let (mut child, base, logs) = start(&d, &[]);

    assert_eq!(curl(&d, "a.pem", &format!("{base}/healthz"), &[]).0, "200");
    assert_eq!(
        curl(&d, "a.pem", &format!("{base}/readyz"), &["--http2"]).0,
        "200"
    );
    d.create("pod.json", review("Pod", "pods", WEAK_POD));
    let (code, body) = curl(
        &d,
        "a.pem",
        &format!("{base}/validate?timeout=10s"),
        &["--data-binary", "@pod.json"],
    );
    assert_eq!(code, "200");
    let v: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(v["response"]["uid"], "3f2c-Pod");
    assert_eq!(v["response"]["allowed"], false);
    assert!(v["response"]["status"]["message"]
        .as_str()
        .unwrap()
        .starts_with("pods \"web\" is forbidden: violates PodSecurity \"restricted:latest\": allowPrivilegeEscalation != false"));
    // Malformed and oversized bodies.
    d.create("bad.json", "{");
    assert_eq!(
        curl(
            &d,
            "a.pem",
            &format!("{base}/validate"),
            &["--data-binary", "@bad.json"]
        )
        .0,
        "400"
    );
    d.create("big.json", vec![b' '; 3 * 1024 * 1024 + 1]);
    assert_eq!(
        curl(
            &d,
            "a.pem",
            &format!("{base}/validate"),
            &["--data-binary", "@big.json"]
        )
        .0,
        "413"
    );
    assert_eq!(
        curl(&d, "a.pem", &format!("{base}/mutate-nothing"), &[]).0,
        "404"
    );
    let (_, metrics) = curl(&d, "a.pem", &format!("{base}/metrics"), &[]);
    assert!(
        metrics.contains("podsec_requests_total{endpoint=\"validate\",decision=\"denied\"} 1"),
        "{metrics}"
    );
    assert!(
        metrics.contains("podsec_requests_total{endpoint=\"validate\",decision=\"error\"} 2"),
        "{metrics}"
    );
    // The certificate is replaced while the server runs: new connections
    // get the new one.
    cert(&d, "b", "podsec-b");
    std::fs::copy(d.path.join("b.key"), d.path.join("a.key")).unwrap();
    std::fs::copy(d.path.join("b.pem"), d.path.join("a.pem")).unwrap();
    assert_eq!(curl(&d, "b.pem", &format!("{base}/healthz"), &[]).0, "200");
    let (_, metrics) = curl(&d, "b.pem", &format!("{base}/metrics"), &[]);
    assert!(
        metrics.contains("podsec_certificate_reloads_total 1"),
        "{metrics}"
    );
    // SIGTERM: a clean stop.
    Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    let status = child.wait().unwrap();
    assert!(status.success(), "{status:?}");
    let logs = logs.join().unwrap();
    assert!(
        logs.iter().any(|l| l.contains("\"msg\":\"stopped\"")),
        "{logs:?}"
    );
    assert!(
        logs.iter()
            .any(|l| l.contains("\"msg\":\"review\"") && l.contains("3f2c-Pod")),
        "{logs:?}"
    );
}

#[test]
fn mutate_returns_a_patch_that_applies_and_converges() {
    let d = Dir::new("serve-mutate");
    let (mut child, base, drain) = start(&d, &["--mutate-unsafe"]);
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
    // applier; sent again, the patched Pod gets no patch.
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
    Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(child.wait().unwrap().success());
    drain.join().unwrap();
}
