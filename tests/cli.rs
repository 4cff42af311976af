//! The command-line contract, through the built binary.

use crate::util::{Dir, corpus};

const BAD_POD: &str = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: bad\nspec:\n  hostNetwork: true\n  containers:\n  - name: a\n    image: x\n";
const GOOD_POD: &str = "apiVersion: v1\nkind: Pod\nmetadata: {name: good}\nspec:\n  securityContext: {runAsNonRoot: true, seccompProfile: {type: RuntimeDefault}}\n  containers:\n  - name: a\n    image: x\n    securityContext: {allowPrivilegeEscalation: false, capabilities: {drop: [ALL]}}\n";

#[test]
fn pss_level_prints_one_line_per_violating_workload() {
    let d = Dir::new("pss-lines");
    d.create(
        "a.yaml",
        format!("# leading comment\n---\n{BAD_POD}---\n{GOOD_POD}"),
    );
    let out = d.run(&["pss", "--level", "baseline", "a.yaml"]);
    assert_eq!(out.code, 1, "{out:?}");
    assert_eq!(
        out.stdout,
        "a.yaml:3:1: Pod/bad: violates PodSecurity \"baseline:latest\": host namespaces (hostNetwork=true)\n"
    );
    assert_eq!(
        out.stderr,
        "podsec pss: 2 workloads checked, 1 violating PodSecurity \"baseline:latest\" (1 file, 0 other objects skipped, 0 errors)\n"
    );
    let out = d.run(&[
        "pss",
        "--level",
        "restricted",
        "--version",
        "v1.24",
        "a.yaml",
    ]);
    assert!(
        out.stdout
            .contains("violates PodSecurity \"restricted:v1.24\": host namespaces")
    );
}

#[test]
fn pss_exit_zero_when_everything_is_allowed() {
    let d = Dir::new("pss-ok");
    d.create("good.yaml", GOOD_POD).create(
        "svc.yaml",
        "apiVersion: v1\nkind: Service\nmetadata: {name: s}\n",
    );
    let out = d.run(&["pss", "--level", "restricted", "."]);
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(out.stdout, "");
    assert!(
        out.stderr.contains("1 workload checked, 0 violating"),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("1 other object skipped"));
}

#[test]
fn pss_reads_stdin() {
    let d = Dir::new("pss-stdin");
    let out = d.run_stdin(&["pss", "--level", "baseline", "-"], Some(BAD_POD));
    assert_eq!(out.code, 1);
    assert!(
        out.stdout.starts_with("-:1:1: Pod/bad: violates"),
        "{}",
        out.stdout
    );
    let json = "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"j\"},\"spec\":{\"hostPID\":true}}";
    let out = d.run_stdin(&["pss", "--level", "baseline", "-"], Some(json));
    assert_eq!(
        out.stdout,
        "-:1:1: Pod/j: violates PodSecurity \"baseline:latest\": host namespaces (hostPID=true)\n"
    );
}

#[test]
fn bad_input_is_reported_and_the_rest_still_checked() {
    let d = Dir::new("pss-bad");
    d.create("1-broken.yaml", "kind: Pod\nmetadata: {name: x\nspec: {}\n")
        .create("2-types.yaml", "kind: Pod\nmetadata: {name: t}\nspec:\n  containers:\n  - name: a\n    securityContext:\n      privileged: \"yes please\"\n")
        .create("3-binary.yaml", b"kind: Pod\nname: \xff\xfe\n".as_slice())
        .create("4-bad.yaml", BAD_POD)
        .create("5-good.yml", GOOD_POD);
    let out = d.run(&["pss", "--level", "baseline", ".", "missing.yaml"]);
    assert_eq!(out.code, 2, "{out:?}");
    assert_eq!(
        out.stdout,
        "./4-bad.yaml:1:1: Pod/bad: violates PodSecurity \"baseline:latest\": host namespaces (hostNetwork=true)\n"
    );
    let err: Vec<&str> = out.stderr.lines().collect();
    assert!(
        err[0].starts_with("missing.yaml: error: cannot read"),
        "{err:?}"
    );
    assert!(err[1].starts_with("./1-broken.yaml:3:"), "{err:?}");
    assert_eq!(
        err[2],
        "./2-types.yaml:7:19: error: Pod/t: spec.containers[0].securityContext.privileged: expected a boolean, found string \"yes please\""
    );
    assert_eq!(
        err[3],
        "./3-binary.yaml:2:7: error: the file is not valid UTF-8"
    );
    assert!(
        err[4].contains("2 workloads checked, 1 violating") && err[4].contains("4 errors"),
        "{err:?}"
    );
}

#[test]
fn usage_errors_exit_2() {
    let d = Dir::new("usage");
    d.create("a.yaml", GOOD_POD);
    for args in [
        vec!["pss", "--level", "strict", "a.yaml"],
        vec!["pss", "--level", "baseline", "--version", "v1.01", "a.yaml"],
        vec!["pss", "--level", "baseline"],
        vec!["frobnicate"],
    ] {
        let out = d.run(&args);
        assert_eq!(out.code, 2, "{args:?}: {out:?}");
        assert!(out.stderr.contains("error"), "{args:?}");
    }
    assert_eq!(d.run(&["--help"]).code, 0);
    assert_eq!(d.run(&["--version"]).code, 0);
}

#[test]
fn pss_without_level_reports_the_strictest_level() {
    let d = Dir::new("pss-levels");
    d.create("a.yaml", format!("{BAD_POD}---\n{GOOD_POD}"));
    let out = d.run(&["pss", "a.yaml"]);
    assert_eq!(out.code, 0, "{out:?}");
    let lines: Vec<&str> = out.stdout.lines().collect();
    assert_eq!(lines[0], "a.yaml:1:1: Pod/bad: privileged");
    assert_eq!(lines[1], "  baseline: host namespaces (hostNetwork=true)");
    assert!(lines[2].starts_with(
        "  restricted: host namespaces (hostNetwork=true), allowPrivilegeEscalation != false"
    ));
    assert_eq!(lines[3], "a.yaml:11:1: Pod/good: restricted");
    assert_eq!(lines.len(), 4);
}

#[test]
fn pss_json_is_stable() {
    let d = Dir::new("pss-json");
    d.create("a.yaml", format!("{BAD_POD}---\n{GOOD_POD}"));
    let out = d.run(&[
        "pss",
        "--level",
        "baseline",
        "--version",
        "v1.99",
        "--format",
        "json",
        "a.yaml",
    ]);
    assert_eq!(out.code, 1);
    let v: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(v["level"], "baseline");
    assert_eq!(v["version"], "v1.99");
    assert_eq!(v["evaluated_version"], "v1.37");
    let w = &v["workloads"][0];
    assert_eq!(w["file"], "a.yaml");
    assert_eq!(w["line"], 1);
    assert_eq!(w["column"], 1);
    assert_eq!(w["kind"], "Pod");
    assert_eq!(w["name"], "bad");
    assert_eq!(w["allowed"], false);
    assert_eq!(w["message"], "host namespaces (hostNetwork=true)");
    assert_eq!(w["violations"][0]["check"], "hostNamespaces");
    assert_eq!(w["violations"][0]["reason"], "host namespaces");
    assert_eq!(w["violations"][0]["detail"], "hostNetwork=true");
    assert_eq!(v["workloads"][1]["allowed"], true);
    assert_eq!(v["summary"]["forbidden"], 1);
    assert_eq!(v["summary"]["allowed"], 1);

    let out = d.run(&["pss", "--format", "json", "a.yaml"]);
    let v: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(v["workloads"][0]["strictest"], "privileged");
    assert_eq!(v["workloads"][0]["levels"]["baseline"]["allowed"], false);
    assert_eq!(v["workloads"][1]["strictest"], "restricted");
    assert_eq!(v["summary"]["restricted"], 1);
}

#[test]
fn inspect_shows_effective_values_and_origins() {
    let d = Dir::new("inspect");
    d.create(
        "d.yaml",
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  template:\n    spec:\n      securityContext:\n        runAsNonRoot: true\n        runAsUser: 1000\n      containers:\n      - name: app\n        securityContext:\n          runAsUser: 2000\n          privileged: false\n",
    );
    let out = d.run(&["inspect", "d.yaml"]);
    assert_eq!(out.code, 0, "{out:?}");
    let text = out.stdout;
    assert!(text.starts_with("d.yaml:1:1: Deployment/web\n  container \"app\" (spec.template.spec.containers[0]) at 11:9\n"), "{text}");
    let row = |f: &str| {
        text.lines()
            .find(|l| l.trim_start().starts_with(f))
            .unwrap()
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
    };
    assert_eq!(row("runAsNonRoot"), "runAsNonRoot pod true (at 8:23)");
    assert_eq!(row("runAsUser"), "runAsUser container 2000 (at 13:22)");
    assert!(row("seccompProfile").starts_with("seccompProfile default Unconfined"));

    let out = d.run(&["inspect", "--format", "json", "d.yaml"]);
    let v: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let fields = &v["workloads"][0]["containers"][0]["fields"];
    let f = |name: &str| {
        fields
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["field"] == name)
            .unwrap()
            .clone()
    };
    assert_eq!(f("runAsUser")["value"], 2000);
    assert_eq!(f("runAsUser")["origin"], "container");
    assert_eq!(f("runAsUser")["line"], 13);
    assert_eq!(f("runAsNonRoot")["origin"], "pod");
    assert_eq!(f("privileged")["value"], false);
    assert_eq!(f("readOnlyRootFilesystem")["origin"], "default");
}

#[test]
fn examples_from_the_readme() {
    let root = crate::util::repo_root();
    let d = Dir::new("readme");
    let ex = root.join("examples/manifests");
    let out = d.run(&["pss", "--level", "restricted", ex.to_str().unwrap()]);
    assert_eq!(out.code, 1, "{out:?}");
    assert_eq!(out.stdout.lines().count(), 2);
}

#[test]
fn whole_corpus_without_errors() {
    let d = Dir::new("corpus");
    let k8s = corpus("k8s");
    assert!(k8s.is_dir(), "the corpus is expected at {}", k8s.display());
    let out = d.run(&["pss", "--level", "restricted", k8s.to_str().unwrap()]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(out.stderr.contains(", 0 errors)"), "{}", out.stderr);
    assert!(out.stdout.lines().count() > 400);
}
