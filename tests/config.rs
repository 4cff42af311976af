//! podsec.toml, exemptions, inline suppressions, baselines, excludes.

use crate::util::Dir;

const PRIVILEGED: &str = "apiVersion: v1
kind: Pod
metadata:
  name: agent
spec:
  containers:
    - name: agent
      image: example/agent:1
      securityContext:
        privileged: true
";

/// The codes of `--format concise` lines.
fn codes(stdout: &str) -> Vec<String> {
    stdout
        .lines()
        .filter_map(|l| l.split(": ").nth(1))
        .filter_map(|rest| rest.split_whitespace().next())
        .map(String::from)
        .collect()
}

#[test]
fn config_errors_have_positions_and_exit_2() {
    let d = Dir::new("cfg-errors");
    d.create("pod.yaml", PRIVILEGED);
    for (toml, want) in [
        (
            "fail-on = \"medium\"\nselct = [\"PS1\"]\n",
            "podsec.toml:2:1: error: invalid podsec.toml: unknown field `selct`",
        ),
        (
            "fail-on = 3\n",
            "podsec.toml:1:11: error: invalid podsec.toml: invalid type: integer `3`, expected a string",
        ),
        (
            "select = [\"PS1\", \"PSX9\"]\n",
            "podsec.toml:1:18: error: select: no rule, code prefix or category matches \"PSX9\"",
        ),
        (
            "[severity]\nPS101 = \"huge\"\n",
            "podsec.toml:2:9: error: severity.PS101: invalid severity \"huge\"",
        ),
        (
            "target-version = \"1.30\"\n",
            "podsec.toml:1:18: error: target-version: invalid version \"1.30\"",
        ),
        (
            "[[exemptions]]\nrules = [\"PS101\"]\n",
            "missing field `reason`",
        ),
        (
            "[[exemptions]]\nrules = [\"PS101\"]\nreason = \"x\"\nexpires = 2025-02-30\n",
            "podsec.toml:4:11: error: ",
        ),
        (
            "[[exemptions]]\nrules = [\"PS101\"]\nreason = \"  \"\n",
            "podsec.toml:3:10: error: exemptions: `reason` must say why",
        ),
    ] {
        d.create("podsec.toml", toml);
        let out = d.run(&["scan", "--format", "concise", "pod.yaml"]);
        assert_eq!(out.code, 2, "{toml}\n{}", out.stderr);
        assert!(
            out.stderr.contains(want),
            "{toml}\nwant {want:?}\n{}",
            out.stderr
        );
        // The file is still scanned (with the defaults).
        assert!(out.stdout.contains("PS101"), "{}", out.stdout);
    }
}

#[test]
fn config_selects_rules_and_severities_and_fail_on() {
    let d = Dir::new("cfg-select");
    d.create("pod.yaml", PRIVILEGED);
    d.create(
        "podsec.toml",
        "select = [\"PS101\", \"PS102\"]\nfail-on = \"critical\"\n[severity]\nPS102 = \"critical\"\n",
    );
    let out = d.run(&["scan", "--format", "concise"]);
    assert_eq!(codes(&out.stdout), ["PS102", "PS101"], "{}", out.stdout);
    assert!(out.stdout.contains("PS102 [critical]"), "{}", out.stdout);
    assert_eq!(out.code, 1);
    // The command line wins: --select replaces, --fail-on overrides.
    let out = d.run(&[
        "scan",
        "--format",
        "concise",
        "--select",
        "PS103",
        "--fail-on",
        "never",
    ]);
    assert_eq!(codes(&out.stdout), ["PS103"], "{}", out.stdout);
    assert_eq!(out.code, 0);
    // A lower threshold in the file: a medium finding passes.
    d.create("podsec.toml", "select = [\"PS102\"]\nfail-on = \"high\"\n");
    assert_eq!(d.run(&["scan", "--format", "concise"]).code, 0);
    // --isolated: the defaults.
    let out = d.run(&["scan", "--format", "concise", "--isolated"]);
    assert!(codes(&out.stdout).len() > 2, "{}", out.stdout);
    assert_eq!(out.code, 1);
    // --config FILE: that one for every file.
    d.create("other.toml", "select = [\"PS101\"]\n");
    let out = d.run(&["scan", "--format", "concise", "--config", "other.toml"]);
    assert_eq!(codes(&out.stdout), ["PS101"], "{}", out.stdout);
}

#[test]
fn the_nearest_config_applies_to_each_file() {
    let d = Dir::new("cfg-nearest");
    d.create("podsec.toml", "select = [\"PS101\"]\n");
    d.create("a/pod.yaml", PRIVILEGED);
    d.create("b/podsec.toml", "select = [\"PS102\"]\n");
    d.create("b/pod.yaml", PRIVILEGED);
    let out = d.run(&["scan", "--format", "concise"]);
    assert!(
        out.stdout.contains("a/pod.yaml:10:21: PS101"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains("b/pod.yaml:9:7: PS102"),
        "{}",
        out.stdout
    );
    assert_eq!(codes(&out.stdout).len(), 2, "{}", out.stdout);
    // `podsec config` says which file and which line.
    let out = d.run(&["config", "b"]);
    assert!(
        out.stdout.contains("# configuration: b/podsec.toml"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout
            .contains("select = [\"PS102\"]  # b/podsec.toml:1"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains("fail-on = \"low\"  # default"),
        "{}",
        out.stdout
    );
}

#[test]
fn excludes_and_gitignore_in_directory_walks() {
    let d = Dir::new("cfg-exclude");
    d.create(".git/HEAD", "ref: refs/heads/main\n");
    // As git: a file cannot be re-included once its directory is ignored,
    // so the directory's contents are ignored instead.
    d.create(".gitignore", "generated/*\n!generated/keep.yaml\n");
    d.create(
        "podsec.toml",
        "exclude = [\"vendor/\", \"*.tmp.yaml\"]\nselect = [\"PS101\"]\n",
    );
    for f in [
        "app/pod.yaml",
        "vendor/pod.yaml",
        "app/x.tmp.yaml",
        "generated/pod.yaml",
        "generated/keep.yaml",
    ] {
        d.create(f, PRIVILEGED);
    }
    let files = |out: &crate::util::Output| {
        let mut v: Vec<String> = out
            .stdout
            .lines()
            .map(|l| {
                l.split(':')
                    .next()
                    .unwrap()
                    .trim_start_matches("./")
                    .to_string()
            })
            .collect();
        v.sort();
        v
    };
    let out = d.run(&["scan", "--format", "concise"]);
    assert_eq!(
        files(&out),
        ["app/pod.yaml", "generated/keep.yaml"],
        "{}",
        out.stderr
    );
    // The .gitignore of the work tree applies when a subdirectory is scanned.
    let out = d.run(&["scan", "--format", "concise", "generated"]);
    assert_eq!(files(&out), ["generated/keep.yaml"]);
    let out = d.run(&["scan", "--format", "concise", "--no-ignore"]);
    assert_eq!(
        files(&out),
        ["app/pod.yaml", "generated/keep.yaml", "generated/pod.yaml"]
    );
    // A file named on the command line is read whatever excludes it.
    let out = d.run(&["scan", "--format", "concise", "vendor/pod.yaml"]);
    assert_eq!(files(&out), ["vendor/pod.yaml"]);
    // pss walks the same way.
    let out = d.run(&["pss", "--level", "baseline", "."]);
    assert_eq!(out.stdout.lines().count(), 2, "{}", out.stdout);
}

#[test]
fn exemptions_match_their_scope_and_expire() {
    let d = Dir::new("cfg-exempt");
    d.create(
        "podsec.toml",
        "select = [\"PS101\", \"PS301\", \"PS904\"]

[[exemptions]]
rules = [\"PS301\"]
paths = [\"monitoring/\"]
kind = \"DaemonSet\"
container = \"node-*\"
image = \"quay.io/prometheus/*\"
reason = \"node-exporter reads host metrics\"
expires = 2027-01-31

[[exemptions]]
rules = [\"privileged-container\"]
namespace = \"legacy\"
reason = \"old agent, ticket OPS-12\"
",
    );
    let ds = "apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: ne
  namespace: legacy
spec:
  selector: {matchLabels: {app: ne}}
  template:
    spec:
      hostNetwork: true
      containers:
        - name: node-exporter
          image: quay.io/prometheus/node-exporter:v1.8
          securityContext:
            privileged: true
";
    d.create("monitoring/ds.yaml", ds);
    d.create("apps/ds.yaml", ds);
    d.create(
        "monitoring/other.yaml",
        ds.replace("quay.io/prometheus", "docker.io/me"),
    );
    let before = [("PODSEC_TODAY", "2027-01-31")];
    let out = d.run_env(&["scan", "--format", "concise"], &before);
    let lines: Vec<&str> = out.stdout.lines().collect();
    // Exempt in monitoring/ with the image; not in apps/, not for another image.
    assert_eq!(lines.len(), 2, "{}", out.stdout);
    assert!(
        lines[0].starts_with("./apps/ds.yaml:10:20: PS301"),
        "{}",
        out.stdout
    );
    assert!(
        lines[1].starts_with("./monitoring/other.yaml:10:20: PS301"),
        "{}",
        out.stdout
    );
    assert!(out.stderr.contains("4 suppressed"), "{}", out.stderr);
    // The day after: the exemption stops applying and is reported.
    let after = [("PODSEC_TODAY", "2027-02-01")];
    let out = d.run_env(&["scan", "--format", "concise"], &after);
    assert!(
        out.stdout.contains("podsec.toml:3:1: PS904 [low] the podsec.toml exemption of PS301 expired on 2027-01-31, so its findings are reported again: node-exporter reads host metrics"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains("./monitoring/ds.yaml:10:20: PS301"),
        "{}",
        out.stdout
    );
    let bad = d.run_env(&["scan"], &[("PODSEC_TODAY", "tomorrow")]);
    assert_eq!(bad.code, 2);
    assert!(
        bad.stderr.contains("PODSEC_TODAY: invalid date"),
        "{}",
        bad.stderr
    );
}

#[test]
fn inline_suppressions() {
    let d = Dir::new("suppress");
    d.create(
        "pods.yaml",
        "apiVersion: v1
kind: Pod
metadata:
  name: several
spec:
  containers:
    - name: a
      image: x
      securityContext: # podsec: ignore[PS102,PS103, PS111] the init image needs it (SEC-1)
        privileged: true # podsec: ignore[PS101]
---
# podsec: ignore[PS101,PS301] whole object: the node agent (SEC-2)
apiVersion: v1
kind: Pod
metadata:
  name: object
spec:
  containers:
    - name: a
      image: x
      securityContext:
        privileged: true
---
{apiVersion: v1, kind: Pod, metadata: {name: flow}, spec: {containers: [{name: a, image: x, securityContext: {privileged: true}}]}} # podsec: ignore[PS101] flow style (SEC-3)
---
apiVersion: v1
kind: Pod
metadata:
  name: template
  annotations:
    podsec.dev/ignore: \"PS101, PS999; the agent loads kernel modules\"
spec:
  containers:
    - name: a
      image: x
      securityContext:
        privileged: true
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: deploy
spec:
  selector: {matchLabels: {app: x}}
  template:
    metadata:
      annotations:
        podsec.dev/ignore: \"PS101; pod-template annotation\"
    spec:
      containers:
        - name: a
          image: x
          securityContext:
            privileged: true
",
    );
    let out = d.run(&[
        "scan",
        "--format",
        "concise",
        "--select",
        "PS101,PS301,PS9",
        "pods.yaml",
    ]);
    let got: Vec<&str> = out.stdout.lines().collect();
    assert_eq!(
        got,
        [
            // No reason: not honoured, and said so.
            "pods.yaml:10:21: PS101 [critical] container \"a\" runs privileged",
            "pods.yaml:10:26: PS902 [low] the suppression of PS101 gives no reason, so it hides nothing: write why the finding is accepted after the codes",
            // On the object's first line: the whole object; PS301 unused.
            "pods.yaml:12:1: PS901 [low] the suppression of PS301 hides nothing: PS301 finds nothing in this object",
            // The flow mapping's trailing comment covers it; the annotations
            // (object, pod template) hide PS101; PS999 is no rule.
            "pods.yaml:31:24: PS903 [low] this suppression does nothing: no rule has the code or name \"PS999\" (`podsec rules` lists them)",
        ],
        "{}",
        out.stdout
    );
    assert!(out.stderr.contains("4 suppressed"), "{}", out.stderr);
    // Several codes in one comment, on the key the findings are on.
    let out = d.run(&[
        "scan",
        "--format",
        "concise",
        "--select",
        "PS102,PS103,PS111",
        "pods.yaml",
    ]);
    assert!(!out.stdout.contains("pods.yaml:9:"), "{}", out.stdout);
    assert!(out.stderr.contains("3 suppressed"), "{}", out.stderr);
    // --strict: nothing hidden, each finding says what would have hidden it.
    let out = d.run(&[
        "scan",
        "--format",
        "json",
        "--strict",
        "--select",
        "PS101",
        "pods.yaml",
    ]);
    let v: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let findings = v["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 5, "{}", out.stdout);
    assert!(
        findings[1]["note"]
            .as_str()
            .unwrap()
            .contains("--strict: the comment at line 12 would hide this finding (whole object: the node agent (SEC-2))"),
        "{}",
        findings[1]
    );
    // --show-suppressed: hidden findings come back, marked.
    let out = d.run(&[
        "scan",
        "--format",
        "json",
        "--show-suppressed",
        "--select",
        "PS101",
        "pods.yaml",
    ]);
    let v: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let marked: Vec<&serde_json::Value> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f.get("suppressed").is_some())
        .collect();
    assert_eq!(marked.len(), 4, "{}", out.stdout);
    assert_eq!(marked[0]["suppressed"]["kind"], "comment");
    assert_eq!(marked[0]["suppressed"]["at"], "pods.yaml:12");
    assert_eq!(marked[2]["suppressed"]["kind"], "annotation");
    assert_eq!(v["summary"]["suppressed"], 4);
    assert_eq!(v["summary"]["findings"], 1);
}

#[test]
fn sarif_leaves_suppressed_results_out_unless_asked() {
    let d = Dir::new("sarif-suppressed");
    d.create(
        "pod.yaml",
        PRIVILEGED.replace(
            "privileged: true",
            "privileged: true # podsec: ignore[PS101] agent (SEC-4)",
        ),
    );
    let results = |args: &[&str]| {
        let out = d.run(args);
        let v: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
        v["runs"][0]["results"].as_array().unwrap().clone()
    };
    let plain = results(&["scan", "--format", "sarif"]);
    assert!(plain.iter().all(|r| r["ruleId"] != "PS101"));
    let kept = results(&["scan", "--format", "sarif", "--sarif-include-suppressed"]);
    assert_eq!(kept.len(), plain.len() + 1);
    let r = kept.iter().find(|r| r["ruleId"] == "PS101").unwrap();
    assert_eq!(r["suppressions"][0]["kind"], "inSource");
    assert_eq!(r["suppressions"][0]["justification"], "agent (SEC-4)");
}

#[test]
fn baseline_survives_edits_elsewhere_and_reports_what_is_gone() {
    let d = Dir::new("baseline");
    let two = format!(
        "{PRIVILEGED}---\n{}",
        PRIVILEGED.replace("name: agent\n", "name: other\n")
    );
    d.create("pods.yaml", &two);
    let out = d.run(&[
        "baseline",
        "create",
        "-o",
        "podsec-baseline.json",
        "pods.yaml",
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stderr.contains("recorded"), "{}", out.stderr);
    let recorded: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(d.path.join("podsec-baseline.json")).unwrap(),
    )
    .unwrap();
    let n = recorded["findings"].as_array().unwrap().len();
    assert!(n > 4, "{recorded}");
    let out = d.run(&[
        "scan",
        "--format",
        "concise",
        "--baseline",
        "podsec-baseline.json",
        "pods.yaml",
    ]);
    assert_eq!(out.stdout, "", "{}", out.stdout);
    assert_eq!(out.code, 0);
    // Unrelated lines above the findings: still all baselined.
    d.create(
        "pods.yaml",
        format!(
            "# a comment\n# another\n{}",
            two.replace("  name: agent\n", "  name: agent\n  labels: {app: agent}\n")
        ),
    );
    let out = d.run(&[
        "scan",
        "--format",
        "concise",
        "--baseline",
        "podsec-baseline.json",
        "pods.yaml",
    ]);
    assert_eq!(out.stdout, "", "{}", out.stdout);
    // A new finding is reported; a fixed one is counted as gone.
    d.create(
        "pods.yaml",
        two.replacen("privileged: true", "privileged: false", 1)
            .replace(
                "image: example/agent:1\n",
                "image: example/agent:1\n      ports: [{containerPort: 80, hostPort: 80}]\n",
            ),
    );
    let out = d.run(&[
        "scan",
        "--format",
        "concise",
        "--baseline",
        "podsec-baseline.json",
        "pods.yaml",
    ]);
    assert_eq!(codes(&out.stdout), ["PS306", "PS306"], "{}", out.stdout);
    assert!(
        out.stderr
            .contains(&format!("1 of the baseline's {n} findings are gone")),
        "{}",
        out.stderr
    );
    // A broken baseline is an error.
    d.create("bad.json", "{\"schema_version\": 1");
    let out = d.run(&["scan", "--baseline", "bad.json", "pods.yaml"]);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr
            .contains("bad.json: error: invalid baseline at line 1"),
        "{}",
        out.stderr
    );
}

const NAMESPACES: &str = "apiVersion: v1
kind: Namespace
metadata:
  name: prod
  labels:
    pod-security.kubernetes.io/enforce: baseline
    pod-security.kubernetes.io/enforce-version: v1.30
    pod-security.kubernetes.io/audit: restricted
---
apiVersion: v1
kind: Namespace
metadata:
  name: typo
  labels:
    pod-security.kubernetes.io/enforce: restrictd
    pod-security.kubernetes.io/warn: baseline
---
apiVersion: v1
kind: Namespace
metadata:
  name: plain
";

#[test]
fn namespace_labels_as_the_admission_controller_reads_them() {
    let d = Dir::new("ns-modes");
    d.create("namespaces.yaml", NAMESPACES);
    d.create(
        "apps.yaml",
        "apiVersion: v1
kind: Pod
metadata: {name: web, namespace: prod}
spec:
  containers: [{name: a, image: x, securityContext: {privileged: true}}]
---
apiVersion: v1
kind: Pod
metadata: {name: ok, namespace: prod}
spec:
  containers: [{name: a, image: x}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: api, namespace: typo}
spec:
  selector: {matchLabels: {app: x}}
  template:
    spec:
      containers: [{name: a, image: x}]
---
apiVersion: v1
kind: Pod
metadata: {name: free, namespace: plain}
spec:
  containers: [{name: a, image: x, securityContext: {privileged: true}}]
",
    );
    let out = d.run(&["pss", "namespaces.yaml", "apps.yaml"]);
    assert_eq!(out.code, 1, "{}\n{}", out.stdout, out.stderr);
    let lines: Vec<&str> = out.stdout.lines().collect();
    let denied = "  namespace prod: enforce baseline:v1.30: denied: pods \"web\" is forbidden: violates PodSecurity \"baseline:v1.30\": privileged (container \"a\" must not set securityContext.privileged=true)";
    assert!(lines.contains(&denied), "{}", out.stdout);
    // The request enforce rejects gets no warning; audit still records.
    assert!(
        lines.contains(
            &"  namespace prod: warn baseline:v1.30: no warning (enforce rejects the request)"
        ),
        "{}",
        out.stdout
    );
    assert!(lines.iter().any(|l| l.starts_with("  namespace prod: audit restricted:latest: would violate PodSecurity \"restricted:latest\": privileged")), "{}", out.stdout);
    assert!(
        lines.contains(&"  namespace prod: enforce baseline:v1.30: allowed"),
        "{}",
        out.stdout
    );
    // An invalid enforce level fails closed; the warn label stays its own.
    assert!(lines.contains(&"  namespace typo: pod-security.kubernetes.io/enforce: invalid level \"restrictd\": treated as restricted (fail closed)"), "{}", out.stdout);
    assert!(lines.iter().any(|l| l.starts_with("  namespace typo: enforce restricted:latest: denied: its pods would be forbidden: violates PodSecurity \"restricted:latest\": allowPrivilegeEscalation != false")), "{}", out.stdout);
    assert!(
        lines.contains(&"  namespace typo: warn baseline:latest: allowed"),
        "{}",
        out.stdout
    );
    // A namespace without Pod Security labels says nothing.
    assert!(!out.stdout.contains("namespace plain"), "{}", out.stdout);
    assert!(
        out.stderr
            .contains("2 denied by their namespace's enforce label"),
        "{}",
        out.stderr
    );
    // JSON.
    let out = d.run(&["pss", "--format", "json", "namespaces.yaml", "apps.yaml"]);
    let v: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let web = &v["workloads"][0]["admission"];
    assert_eq!(web["namespace"], "prod");
    assert_eq!(web["modes"]["enforce"]["policy"], "baseline:v1.30");
    assert_eq!(web["modes"]["enforce"]["allowed"], false);
    assert_eq!(web["modes"]["warn"]["message"], serde_json::Value::Null);
    assert_eq!(
        v["workloads"][2]["admission"]["label_errors"][0],
        "pod-security.kubernetes.io/enforce: invalid level \"restrictd\": treated as restricted (fail closed)"
    );
    assert_eq!(v["summary"]["denied_by_namespace"], 2);
    // With --level the labels are not consulted.
    let out = d.run(&[
        "pss",
        "--level",
        "privileged",
        "namespaces.yaml",
        "apps.yaml",
    ]);
    assert_eq!(out.code, 0, "{}", out.stdout);
    // scan marks the findings the namespace enforces, and only those.
    let out = d.run(&[
        "scan",
        "--format",
        "json",
        "--select",
        "PS101,PS102",
        "namespaces.yaml",
        "apps.yaml",
    ]);
    let v: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let f = v["findings"].as_array().unwrap();
    let by = |obj: &str, code: &str| {
        f.iter()
            .find(|x| x["object"] == obj && x["code"] == code)
            .unwrap_or_else(|| panic!("{obj} {code}: {}", out.stdout))["enforced"]
            .clone()
    };
    assert_eq!(
        by("web", "PS101"),
        "namespace prod enforces baseline:v1.30: the API server rejects this Pod"
    );
    // PS102 is a restricted check: baseline does not enforce it.
    assert_eq!(by("web", "PS102"), serde_json::Value::Null);
    assert_eq!(
        by("api", "PS102"),
        "namespace typo enforces restricted:latest: the API server rejects this Deployment's pods"
    );
    assert_eq!(by("free", "PS101"), serde_json::Value::Null);
}

#[test]
fn fix_leaves_accepted_findings_alone_and_pss_takes_the_configured_level() {
    let d = Dir::new("cfg-fix");
    let text = "apiVersion: v1
kind: Pod
metadata:
  name: agent
spec:
  containers:
    - name: agent
      image: example/agent:1
      securityContext:
        allowPrivilegeEscalation: true # podsec: ignore[PS102] sudo in the entrypoint (SEC-7)
";
    d.create("pod.yaml", text);
    d.create(
        "podsec.toml",
        "select = [\"PS102\", \"PS111\"]\nlevel = \"baseline\"\n",
    );
    let out = d.run(&["fix", "--unsafe-fixes", "pod.yaml"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let fixed = std::fs::read_to_string(d.path.join("pod.yaml")).unwrap();
    assert!(
        fixed.contains("allowPrivilegeEscalation: true # podsec: ignore[PS102]"),
        "{fixed}"
    );
    // Only the selected rules were fixed: PS111 (readOnlyRootFilesystem).
    assert!(fixed.contains("readOnlyRootFilesystem: true"), "{fixed}");
    assert!(!fixed.contains("drop:"), "{fixed}");
    // `level` in podsec.toml: pss checks baseline without --level.
    let out = d.run(&["pss", "pod.yaml"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stderr
            .contains("violating PodSecurity \"baseline:latest\""),
        "{}",
        out.stderr
    );
}

#[test]
fn dockerfile_findings_take_comments_exemptions_and_severities() {
    let d = Dir::new("cfg-dockerfile");
    d.create(
        "Dockerfile",
        "# podsec: ignore[DKF101] the entrypoint drops to uid 10001 with gosu (OPS-3)\nFROM debian:12\nRUN apt-get update # podsec: ignore[DKF105] not a comment in a Dockerfile\n",
    );
    let out = d.run(&["scan", "--format", "concise", "Dockerfile"]);
    assert_eq!(out.stdout, "", "{}", out.stdout);
    assert!(out.stderr.contains("1 suppressed"), "{}", out.stderr);
    d.create("Dockerfile", "FROM debian:12\nRUN apt-get update\n");
    d.create("podsec.toml", "[severity]\nDKF101 = \"critical\"\n");
    let out = d.run(&["scan", "--format", "concise", "Dockerfile"]);
    assert!(out.stdout.contains("DKF101 [critical]"), "{}", out.stdout);
    d.create(
        "podsec.toml",
        "[[exemptions]]\nrules = [\"DKF101\"]\npaths = [\"Dockerfile\"]\nreason = \"gosu drops privileges (OPS-3)\"\n",
    );
    let out = d.run(&["scan", "--format", "concise", "Dockerfile"]);
    assert_eq!(out.stdout, "", "{}", out.stdout);
}

#[test]
fn config_prints_the_webhook_policy() {
    let d = Dir::new("config-serve");
    d.create(
        "podsec.toml",
        "[serve]\nrules = [\"PS101\"]\ncontrollers = \"deny\"\n[[serve.namespace]]\nname = \"legacy-*\"\nenforce = \"baseline\"\n",
    );
    let o = d.run(&["config"]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    // No mode named: podsec's default (enforce restricted), which the
    // namespace rule builds on.
    assert!(
        o.stdout.contains(
            "enforce = \"restricted\", enforce-version = \"latest\", audit = \"privileged\""
        ),
        "{}",
        o.stdout
    );
    assert!(o.stdout.contains("controllers = \"deny\""), "{}", o.stdout);
    assert!(
        o.stdout
            .contains("namespace \"legacy-*\": enforce = \"baseline\""),
        "{}",
        o.stdout
    );
    d.create("podsec.toml", "[serve]\ncontrollers = \"block\"\n");
    let o = d.run(&["config"]);
    assert_eq!(o.code, 2);
    assert!(
        o.stderr.contains("podsec.toml:2:15") && o.stderr.contains("expected ignore, warn or deny"),
        "{}",
        o.stderr
    );
}
