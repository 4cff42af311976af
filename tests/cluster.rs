//! `podsec cluster report` on a recorded `kubectl get -A -o json` dump
//! (tests/fixtures/cluster/dump.json: labelled, unlabelled and mislabelled
//! namespaces; a Deployment with its ReplicaSet and pods; pods whose
//! controller is not in the dump; a privileged DaemonSet and its pod).

use std::path::PathBuf;

use crate::scan_cli::snapshot;
use crate::util::Dir;

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
    let ns = |name: &str| {
        v["namespaces"]
            .as_array()
            .unwrap()
            .iter()
            .find(|n| n["namespace"] == name)
            .unwrap()
            .clone()
    };
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
