//! What a container really runs with, and where it was really set: `podsec
//! inspect` (text and JSON) and a finding's `= effective:` line, in English
//! and Korean, one case per rule of docs/effective.md.

use crate::util::{Dir, Output};

/// `inspect --format json`: the field `field` of container `container`.
fn field(out: &Output, container: &str, field: &str) -> serde_json::Value {
    let v: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    for w in v["workloads"].as_array().unwrap() {
        for c in w["containers"].as_array().unwrap() {
            if c["name"] == container {
                for f in c["fields"].as_array().unwrap() {
                    if f["field"] == field {
                        return f.clone();
                    }
                }
            }
        }
    }
    panic!("no {container}.{field} in {}", out.stdout)
}

/// The `= effective:` line of the finding `code` (for `container`).
fn effective_line(out: &Output, code: &str, container: &str) -> String {
    let mut lines = out.stdout.lines();
    while let Some(l) = lines.next() {
        if l.contains(&format!(": {code} ")) && l.contains(&format!("\"{container}\"")) {
            for l in lines.by_ref() {
                if let Some(e) = l
                    .split("= effective: ")
                    .nth(1)
                    .or_else(|| l.split("= 적용 값: ").nth(1))
                {
                    return e.to_string();
                }
            }
        }
    }
    panic!("no {code} for {container} in {}", out.stdout)
}

const PRIVILEGED: &str = "apiVersion: v1
kind: Pod
metadata: {name: p}
spec:
  containers:
    - name: agent
      image: example/agent:1
      securityContext:
        privileged: true
    - name: admin
      image: example/admin:1
      securityContext:
        capabilities:
          add: [SYS_ADMIN]
";

#[test]
fn privileged_and_sys_admin_imply_what_the_container_gets() {
    let d = Dir::new("eff-privileged");
    d.create("p.yaml", PRIVILEGED);
    let json = d.run(&["inspect", "--format", "json", "p.yaml"]);
    for (f, display) in [
        ("allowPrivilegeEscalation", "true"),
        ("capabilities", "all capabilities"),
        ("seccompProfile", "Unconfined"),
        ("appArmorProfile", "Unconfined"),
        ("procMount", "Unmasked"),
    ] {
        let v = field(&json, "agent", f);
        assert_eq!(v["origin"], "implied", "{f}: {v}");
        assert_eq!(v["display"], display, "{f}: {v}");
        assert!(
            v["origin_detail"]
                .as_str()
                .unwrap()
                .starts_with("privileged: true"),
            "{v}"
        );
    }
    let ape = field(&json, "admin", "allowPrivilegeEscalation");
    assert_eq!(ape["origin"], "implied");
    assert_eq!(ape["origin_detail"], "capabilities.add SYS_ADMIN");
    assert_eq!(field(&json, "admin", "capabilities")["origin"], "container");

    let text = d.run(&["inspect", "p.yaml"]);
    assert!(
        text.stdout.contains(
            "    capabilities                   implied    all capabilities (privileged: true)"
        ),
        "{}",
        text.stdout
    );
    assert!(
        !text.stdout.contains("the runtime's default set"),
        "a privileged container does not get the default set"
    );

    let scan = d.run(&["scan", "--select", "PS102,PS201,PS121", "p.yaml"]);
    assert_eq!(
        effective_line(&scan, "PS102", "agent"),
        "true (implied by privileged: true)"
    );
    assert_eq!(
        effective_line(&scan, "PS102", "admin"),
        "true (implied by capabilities.add SYS_ADMIN)"
    );
    assert_eq!(
        effective_line(&scan, "PS201", "agent"),
        "all capabilities (implied by privileged: true)"
    );
    assert!(
        effective_line(&scan, "PS121", "agent")
            .starts_with("Unconfined (implied by privileged: true;")
    );
    let ko = d.run(&["scan", "--lang", "ko", "--select", "PS102", "p.yaml"]);
    assert_eq!(
        effective_line(&ko, "PS102", "agent"),
        "true (다음 설정에 따름 privileged: true)"
    );
}

#[test]
fn pod_values_are_set_on_the_pod_and_may_be_overridden() {
    let d = Dir::new("eff-pod");
    d.create(
        "p.yaml",
        "apiVersion: v1
kind: Pod
metadata: {name: p}
spec:
  hostPID: true
  securityContext:
    runAsGroup: 0
    runAsUser: 1000
    sysctls: [{name: kernel.msgmax, value: '1'}]
  containers:
    - name: a
      image: example/a:1
      securityContext: {runAsGroup: 1000}
    - name: b
      image: example/b:1
      securityContext: {runAsGroup: 2000}
",
    );
    let scan = d.run(&["scan", "--select", "PS105,PS302,PS501,PS109", "p.yaml"]);
    let line = |needle: &str| {
        let mut it = scan.stdout.lines();
        while let Some(l) = it.next() {
            if l.contains(needle) {
                return it
                    .find_map(|l| l.split("= effective: ").nth(1).map(str::to_string))
                    .unwrap();
            }
        }
        panic!("{needle}: {}", scan.stdout)
    };
    assert_eq!(
        line(": PS105 "),
        "0 (set on the pod; overridden by every container)"
    );
    assert_eq!(line(": PS302 "), "true (set on the pod)");
    assert_eq!(line(": PS501 "), "1 (set on the pod)");
    // A field of both levels that the container takes from the pod.
    assert_eq!(line(": PS109 "), "1000 (inherited from the pod)");
    let ko = d.run(&["scan", "--lang", "ko", "--select", "PS105", "p.yaml"]);
    assert!(
        ko.stdout
            .contains("= 적용 값: 0 (파드에서 설정했지만 모든 컨테이너가 덮어씀)"),
        "{}",
        ko.stdout
    );
    let json = d.run(&["inspect", "--format", "json", "p.yaml"]);
    let v = field(&json, "a", "runAsUser");
    assert_eq!(v["origin"], "pod");
    assert_eq!(v["value"], 1000);
}

#[test]
fn the_image_user_is_part_of_the_effective_user() {
    let d = Dir::new("eff-image");
    d.create("app/Dockerfile", "FROM alpine:3.20\nUSER root\n");
    d.create(
        "k8s/app.yaml",
        "apiVersion: v1
kind: Pod
metadata: {name: p}
spec:
  containers:
    - name: app
      image: registry.example.com/app:1
    - name: web
      image: nginx:1.27
    - name: node
      image: node:20-alpine
    - name: mystery
      image: example/unknown:1
",
    );
    let json = d.run(&["inspect", "--format", "json", "."]);
    let app = field(&json, "app", "runAsUser");
    assert_eq!(app["origin"], "image", "{app}");
    assert_eq!(app["value"], 0);
    assert_eq!(
        app["origin_detail"],
        "the image built by ./app/Dockerfile:2: USER root"
    );
    let web = field(&json, "web", "runAsUser");
    assert_eq!(web["origin"], "image");
    assert!(
        web["origin_detail"]
            .as_str()
            .unwrap()
            .contains("podsec's base image table, nginx"),
        "{web}"
    );
    assert_eq!(field(&json, "web", "runAsGroup")["value"], 0);
    let node = field(&json, "node", "runAsUser");
    assert_eq!(node["value"], 0, "node:20-alpine sets no USER: root");
    // Unknown stays unknown.
    let mystery = field(&json, "mystery", "runAsUser");
    assert_eq!(mystery["origin"], "default");
    assert!(mystery["value"].is_null());
    assert!(
        mystery["display"]
            .as_str()
            .unwrap()
            .contains("unknown to podsec")
    );

    let text = d.run(&["inspect", "."]);
    assert!(
        text.stdout.contains("    runAsUser                      image      0 (the image built by ./app/Dockerfile:2: USER root)"),
        "{}",
        text.stdout
    );

    // A Dockerfile's USER root is set in the image, on that line.
    let scan = d.run(&["scan", "--select", "DKF102,PS703", "."]);
    assert!(
        scan.stdout
            .contains("= effective: root (from this USER instruction)"),
        "{}",
        scan.stdout
    );
    assert!(
        scan.stdout
            .contains("= effective: root (from the image built by ./app/Dockerfile:2)"),
        "{}",
        scan.stdout
    );
    assert!(
        scan.stdout
            .contains("= effective: root (from the image, per podsec's base image table: nginx)"),
        "{}",
        scan.stdout
    );
    let ko = d.run(&["scan", "--lang", "ko", "--select", "DKF102", "."]);
    assert!(
        ko.stdout.contains("= 적용 값: root (출처 이 USER 명령)"),
        "{}",
        ko.stdout
    );
}
