//! `podsec scan`, `explain` and `rules` through the built binary, with
//! snapshots of the text and JSON output.

use std::path::PathBuf;

use crate::util::Dir;

/// Compares with `tests/snapshots/NAME`; `UPDATE_SNAPSHOTS=1` rewrites it.
pub fn snapshot(name: &str, actual: &str) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/snapshots")
        .join(name);
    if std::env::var_os("UPDATE_SNAPSHOTS").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, actual).unwrap();
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        expected == actual,
        "snapshot {name} differs (UPDATE_SNAPSHOTS=1 cargo test to accept):\n--- expected\n{expected}\n--- actual\n{actual}"
    );
}

pub const NOTES_POD: &str = "apiVersion: v1
kind: Pod
metadata:
  name: notes
spec:
  securityContext:
    runAsUser: 1000
  containers:
    - name: app
      image: node:20-alpine
      securityContext:
        capabilities:
          drop:
              - all
          add: [\"MKNOD\"]
";

#[test]
fn text_output_snapshot() {
    let d = Dir::new("scan-text");
    d.create("pod.yaml", NOTES_POD);
    let out = d.run(&["scan", "pod.yaml"]);
    assert_eq!(out.code, 1, "{out:?}");
    snapshot("scan_notes.txt", &out.stdout);
    assert_eq!(
        out.stderr,
        "podsec scan: 8 findings (1 high, 5 medium, 2 low) in 1 workload across 1 file, 0 errors\n"
    );
}

#[test]
fn korean_output_snapshot() {
    let d = Dir::new("scan-ko");
    d.create("pod.yaml", NOTES_POD);
    let out = d.run(&["scan", "--lang", "ko", "pod.yaml"]);
    snapshot("scan_notes.ko.txt", &out.stdout);
    // A Korean locale selects Korean too.
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_podsec"));
    let o = cmd
        .args(["scan", "pod.yaml"])
        .current_dir(&d.path)
        .env("LANG", "ko_KR.UTF-8")
        .env_remove("LC_ALL")
        .env_remove("LC_MESSAGES")
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&o.stdout), out.stdout);
}

#[test]
fn json_output_snapshot_and_schema() {
    let d = Dir::new("scan-json");
    d.create("pod.yaml", NOTES_POD);
    let out = d.run(&["scan", "--format", "json", "pod.yaml"]);
    snapshot("scan_notes.json", &out.stdout);
    let v: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(v["schema_version"], 1);
    for f in v["findings"].as_array().unwrap() {
        for key in [
            "code",
            "name",
            "severity",
            "category",
            "file",
            "line",
            "column",
            "end_line",
            "end_column",
            "kind",
            "object",
            "namespace",
            "container",
            "message",
            "value",
            "origin",
            "fix",
            "cves",
        ] {
            assert!(f.get(key).is_some(), "missing {key} in {f}");
        }
    }
    let ps204 = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["code"] == "PS204")
        .unwrap();
    assert_eq!(ps204["line"], 14);
    assert_eq!(ps204["column"], 17);
    assert_eq!(ps204["end_column"], 20);
    assert_eq!(ps204["value"], "all");
    assert_eq!(ps204["origin"], "container");
    assert_eq!(ps204["container"], "app");
}

#[test]
fn select_ignore_and_fail_on() {
    let d = Dir::new("scan-select");
    d.create("pod.yaml", NOTES_POD);
    let codes = |args: &[&str]| {
        let mut a = vec!["scan", "--format", "json"];
        a.extend_from_slice(args);
        a.push("pod.yaml");
        let out = d.run(&a);
        let v: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
        let mut c: Vec<String> = v["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["code"].as_str().unwrap().to_string())
            .collect();
        c.dedup();
        (out.code, c)
    };
    assert_eq!(codes(&["--select", "PS204"]).1, ["PS204"]);
    assert_eq!(
        codes(&["--select", "lowercase-capability-all"]).1,
        ["PS204"]
    );
    assert_eq!(codes(&["--select", "correctness"]).1, ["PS204"]);
    assert!(
        codes(&["--select", "PS2"])
            .1
            .iter()
            .all(|c| c.starts_with("PS2"))
    );
    assert!(
        !codes(&["--ignore", "PS2,PS111"])
            .1
            .iter()
            .any(|c| c.starts_with("PS2") || c == "PS111")
    );
    // Opt-in rules run only when named; UID 1000 is below 10000.
    assert!(!codes(&[]).1.contains(&"PS110".to_string()));
    assert!(
        codes(&["--select", "PS110"])
            .1
            .contains(&"PS110".to_string())
    );
    assert_eq!(
        codes(&["--select", "PS110"]).0,
        0,
        "info does not fail by default"
    );
    assert_eq!(codes(&["--select", "PS110", "--fail-on", "info"]).0, 1);
    assert_eq!(codes(&["--fail-on", "critical"]).0, 0);
    let bad = d.run(&["scan", "--select", "PS999", "pod.yaml"]);
    assert_eq!(bad.code, 2);
    assert!(bad.stderr.contains("PS999"));
}

#[test]
fn target_version_changes_pss_rules() {
    let d = Dir::new("scan-version");
    d.create("pod.yaml", "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  securityContext: {sysctls: [{name: net.ipv4.tcp_rmem, value: '1'}]}\n  containers: [{name: a, image: x}]\n");
    let run = |v: &str| {
        d.run(&[
            "scan",
            "--select",
            "PS501",
            "--target-version",
            v,
            "pod.yaml",
        ])
    };
    assert_eq!(run("v1.31").code, 1);
    assert_eq!(run("v1.32").code, 0);
    assert_eq!(run("latest").code, 0);
    assert_eq!(run("v1.2x").code, 2);
}

#[test]
fn scan_defaults_to_the_current_directory_and_reports_bad_files() {
    let d = Dir::new("scan-dir");
    d.create("ok/pod.yaml", NOTES_POD)
        .create("bad.yaml", "kind: Pod\nspec: [\n");
    let out = d.run(&["scan", "--select", "PS204"]);
    assert_eq!(out.code, 2, "{out:?}");
    assert!(out.stdout.contains("./ok/pod.yaml:14:17: PS204"));
    assert!(
        out.stderr.starts_with("./bad.yaml:3:1: error:"),
        "{}",
        out.stderr
    );
}

#[test]
fn explain_rules_and_cves() {
    let d = Dir::new("explain");
    let out = d.run(&["explain", "PS204"]);
    assert_eq!(out.code, 0);
    assert!(
        out.stdout
            .starts_with("# lowercase-capability-all (PS204)\n")
    );
    assert!(out.stdout.contains("## What it does") && out.stdout.contains("Use instead:"));
    let by_name = d.run(&["explain", "lowercase-capability-all"]);
    assert_eq!(by_name.stdout, out.stdout);
    let ko = d.run(&["explain", "ps204", "--lang", "ko"]);
    assert!(ko.stdout.contains("## 왜 문제인가?"), "{}", ko.stdout);
    let cve = d.run(&["explain", "CVE-2022-0811"]);
    assert_eq!(cve.code, 0);
    assert!(cve.stdout.starts_with("# CVE-2022-0811 (CRI-O)"));
    assert!(cve.stdout.contains("PS502 (sysctl-value-injection)"));
    let json = d.run(&["explain", "PS502", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(v["code"], "PS502");
    assert_eq!(v["cves"][0]["id"], "CVE-2022-0811");
    assert_eq!(v["cves"][0]["inferred"], false);
    let missing = d.run(&["explain", "PS999"]);
    assert_eq!(missing.code, 2);
}

#[test]
fn rules_lists_every_rule() {
    let d = Dir::new("rules");
    let out = d.run(&["rules"]);
    assert_eq!(out.code, 0);
    assert_eq!(out.stdout.lines().count(), podsec::rules::RULES.len() + 1);
    assert!(out.stdout.contains("PS110  low-uid"));
    let json = d.run(&["rules", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(v.as_array().unwrap().len(), podsec::rules::RULES.len());
    let ps101 = v
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["code"] == "PS101")
        .unwrap();
    assert_eq!(ps101["pss"]["level"], "baseline");
    assert_eq!(v[0]["code"], "DKF101");
}

#[test]
fn colour_only_when_asked_or_on_a_terminal() {
    let d = Dir::new("colour");
    d.create("pod.yaml", NOTES_POD);
    assert!(!d.run(&["scan", "pod.yaml"]).stdout.contains('\x1b'));
    assert!(
        d.run(&["scan", "--color", "always", "pod.yaml"])
            .stdout
            .contains("\x1b[")
    );
}

#[test]
fn cross_check_example_repository() {
    let root = crate::util::repo_root().join("examples/crosscheck");
    let d = Dir::new("crosscheck");
    let out = d.run(&[
        "scan",
        "--format",
        "json",
        "--select",
        "DKF,PS7",
        root.to_str().unwrap(),
    ]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    let v: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let found: Vec<(String, String, u64)> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let file = f["file"].as_str().unwrap();
            let short = file[file.find("crosscheck/").unwrap() + 11..].to_string();
            (
                f["code"].as_str().unwrap().to_string(),
                short,
                f["line"].as_u64().unwrap(),
            )
        })
        .collect();
    let want = [
        ("PS701", "k8s/app.yaml", 17), // storefront: USER node, mapped by podsec.toml
        ("PS703", "k8s/app.yaml", 58), // tool: root image, mapped by folder name
        ("DKF101", "tool/Dockerfile", 2),
        ("DKF105", "tool/Dockerfile", 3),
        ("DKF104", "tool/Dockerfile", 5),
        ("DKF103", "web/Dockerfile", 8),
    ];
    let want: Vec<(String, String, u64)> = want
        .iter()
        .map(|(c, f, l)| (c.to_string(), f.to_string(), *l))
        .collect();
    assert_eq!(found, want);
    let field = |code: &str, key: &str| {
        v["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["code"] == code)
            .unwrap()[key]
            .as_str()
            .unwrap()
            .to_string()
    };
    let msg = |code: &str| field(code, "message");
    // Suggestions with commands are notes; the headline stays short.
    assert!(field("DKF103", "note").contains("node is UID 1000: write `USER 1000`"));
    assert!(
        field("DKF101", "note").contains("switch to the user tool it creates: `USER 10001`"),
        "{}",
        field("DKF101", "note")
    );
    assert!(!msg("DKF101").contains('`'), "{}", msg("DKF101"));
    assert!(msg("PS701").contains("web/Dockerfile:8"));
}

#[test]
fn dockerfiles_are_found_by_name_or_given_explicitly() {
    let d = Dir::new("dockerfiles");
    d.create("a/Dockerfile", "FROM node:20\n")
        .create("b.Dockerfile", "FROM node:20\nUSER 1000\n")
        .create("Dockerfile.dev", "FROM node:20\nUSER root\n")
        .create("Containerfile", "FROM node:20\nUSER node\n")
        .create("build/custom-name", "FROM node:20\n")
        .create("notes.txt", "FROM node:20\n");
    let out = d.run(&["scan", "--select", "DKF"]);
    let files: Vec<&str> = out
        .stdout
        .lines()
        .filter(|l| l.contains(": DKF"))
        .map(|l| l.split(':').next().unwrap())
        .collect();
    assert_eq!(
        files,
        ["./Containerfile", "./Dockerfile.dev", "./a/Dockerfile"],
        "{}",
        out.stdout
    );
    let out = d.run(&["scan", "--select", "DKF", "build/custom-name"]);
    assert!(
        out.stdout.starts_with("build/custom-name:1:1: DKF101"),
        "{}",
        out.stdout
    );
    // A broken heredoc is an input error, not a silent pass.
    d.create(
        "c/Dockerfile",
        "FROM debian\nRUN <<EOF\necho never closed\n",
    );
    let out = d.run(&["scan", "c"]);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr
            .contains("c/Dockerfile:2:1: error: unterminated heredoc"),
        "{}",
        out.stderr
    );
}

#[test]
fn every_corpus_dockerfile_parses() {
    let dir = crate::util::corpus("dockerfiles");
    let mut n = 0;
    for sub in std::fs::read_dir(&dir).unwrap() {
        let sub = sub.unwrap().path();
        if !sub.is_dir() {
            continue;
        }
        for f in std::fs::read_dir(&sub).unwrap() {
            let p = f.unwrap().path();
            let text = std::fs::read_to_string(&p).unwrap();
            let df = podsec::dockerfile::parse(&text);
            assert!(df.errors.is_empty(), "{}: {:?}", p.display(), df.errors);
            assert!(!df.stages.is_empty(), "{}", p.display());
            assert!(podsec::dockerfile::user::analyze(&df).is_some());
            n += 1;
        }
    }
    assert!(n > 50, "{n}");
}

#[test]
fn scan_of_the_whole_corpus_has_no_errors() {
    let d = Dir::new("scan-corpus");
    for sub in ["k8s", "dockerfiles"] {
        let path = crate::util::corpus(sub);
        let out = d.run(&["scan", "--format", "json", path.to_str().unwrap()]);
        assert_eq!(out.code, 1, "{sub}: {}", out.stderr);
        let v: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
        assert_eq!(v["summary"]["errors"], 0, "{sub}: {}", v["errors"]);
        assert!(v["summary"]["findings"].as_u64().unwrap() > 100, "{sub}");
    }
}

#[test]
fn sarif_output() {
    let d = Dir::new("sarif");
    d.create("pod.yaml", NOTES_POD);
    let out = d.run(&["scan", "--format", "sarif", "pod.yaml"]);
    assert_eq!(out.code, 1);
    let v: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(v["version"], "2.1.0");
    let run = &v["runs"][0];
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    assert!(
        rules
            .iter()
            .any(|r| r["id"] == "PS204" && r["defaultConfiguration"]["level"] == "warning")
    );
    let results = run["results"].as_array().unwrap();
    let ps204 = results.iter().find(|r| r["ruleId"] == "PS204").unwrap();
    assert_eq!(
        rules[ps204["ruleIndex"].as_u64().unwrap() as usize]["id"],
        "PS204"
    );
    let region = &ps204["locations"][0]["physicalLocation"]["region"];
    assert_eq!(
        (region["startLine"].as_u64(), region["startColumn"].as_u64()),
        (Some(14), Some(17))
    );
    assert_eq!(
        ps204["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "pod.yaml"
    );
    // The fix is a byte-offset replacement that turns `all` into `ALL`.
    let rep = &ps204["fixes"][0]["artifactChanges"][0]["replacements"][0];
    let start = rep["deletedRegion"]["byteOffset"].as_u64().unwrap() as usize;
    let len = rep["deletedRegion"]["byteLength"].as_u64().unwrap() as usize;
    assert_eq!(&NOTES_POD[start..start + len], "all");
    assert_eq!(rep["insertedContent"]["text"], "ALL");
    assert_eq!(
        ps204["partialFingerprints"]["podsec/v2"],
        "PS204:Pod//notes:app:spec.containers[name=app].securityContext.capabilities.drop[0]"
    );
}
