//! Helm charts and Kustomize overlays, rendered by the real helm and
//! kubectl, with findings mapped back to values.yaml, templates, bases and
//! patches.

use std::path::{Path, PathBuf};

use crate::util::Dir;

/// The helm binary: PODSEC_HELM, else `helm` on PATH. Without one the
/// chart tests skip, unless CI asks for them (PODSEC_REQUIRE_HELM).
fn helm() -> Option<PathBuf> {
    let found = std::env::var_os("PODSEC_HELM")
        .filter(|p| !p.is_empty())
        .map(PathBuf::from)
        .or_else(|| {
            std::env::var_os("PATH").and_then(|paths| {
                std::env::split_paths(&paths)
                    .map(|d| d.join("helm"))
                    .find(|p| p.is_file())
            })
        });
    if found.is_none() {
        assert!(
            std::env::var_os("PODSEC_REQUIRE_HELM").is_none(),
            "helm is required (PODSEC_REQUIRE_HELM) but neither PODSEC_HELM nor PATH has it"
        );
        eprintln!("skipped: no helm (set PODSEC_HELM or put helm on PATH)");
    }
    found
}

/// Whether kubectl is on PATH. Without it the Kustomize tests skip,
/// unless CI asks for them (PODSEC_REQUIRE_KUBECTL).
fn kubectl() -> bool {
    let found = std::env::var_os("PATH")
        .is_some_and(|paths| std::env::split_paths(&paths).any(|d| d.join("kubectl").is_file()));
    if !found {
        assert!(
            std::env::var_os("PODSEC_REQUIRE_KUBECTL").is_none(),
            "kubectl is required (PODSEC_REQUIRE_KUBECTL) but PATH has none"
        );
        eprintln!("skipped: no kubectl on PATH");
    }
    found
}

fn charts() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/charts")
}

/// Copies a chart of tests/charts into the scratch directory.
fn copy_chart(d: &Dir, name: &str) {
    copy_dir(&charts().join(name), &d.path.join(name));
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let target = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), &target).unwrap();
        }
    }
}

fn json(out: &crate::util::Output) -> serde_json::Value {
    serde_json::from_str(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}\n{}\n{}", out.stdout, out.stderr))
}

#[test]
fn the_scaffold_findings_point_at_values_yaml() {
    let Some(helm) = helm() else { return };
    let helm = helm.to_str().unwrap();
    let d = Dir::new("helm-scaffold");
    copy_chart(&d, "mychart");
    let out = d.run(&["scan", "--helm", helm, "--format", "concise", "mychart"]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    let lines: Vec<&str> = out.stdout.lines().collect();
    // The deployment's container: the empty `securityContext: {}` of
    // values.yaml (line 44) is where its fields go.
    assert!(
        lines.contains(&"mychart/values.yaml:44:1: PS102 [medium] container \"mychart\" does not set allowPrivilegeEscalation: false"),
        "{}",
        out.stdout
    );
    // The test pod's securityContext is not values-driven: its template.
    assert!(
        lines.contains(&"mychart/templates/tests/test-connection.yaml:1:1: PS102 [medium] container \"wget\" does not set allowPrivilegeEscalation: false"),
        "{}",
        out.stdout
    );
    let out = d.run(&[
        "scan", "--helm", helm, "--format", "json", "--select", "PS102", "mychart",
    ]);
    let v = json(&out);
    let f = &v["findings"][0];
    assert_eq!(f["file"], "mychart/values.yaml");
    assert_eq!(f["rendered"]["values"]["key"], "securityContext");
    assert_eq!(f["rendered"]["values"]["line"], 44);
    assert_eq!(
        f["rendered"]["template"],
        "mychart/templates/deployment.yaml:1"
    );
    assert!(
        f["rendered"]["output"]
            .as_str()
            .unwrap()
            .starts_with("rendered at mychart:")
    );
    assert_eq!(
        v["findings"][1]["rendered"]["values"],
        serde_json::Value::Null
    );
    // A key inside the values mapping is named by its own line.
    let values = std::fs::read_to_string(d.path.join("mychart/values.yaml")).unwrap();
    std::fs::write(
        d.path.join("mychart/values.yaml"),
        values.replace(
            "securityContext: {}\n",
            "securityContext:\n  runAsUser: 0\n",
        ),
    )
    .unwrap();
    let out = d.run(&[
        "scan", "--helm", helm, "--format", "json", "--select", "PS104", "mychart",
    ]);
    let v = json(&out);
    let f = &v["findings"][0];
    assert_eq!(
        f["rendered"]["values"]["key"], "securityContext.runAsUser",
        "{f}"
    );
    assert_eq!(f["line"], 45);
    assert_eq!(f["column"], 3);
}

#[test]
fn a_template_that_switches_branches_is_not_credited_to_values() {
    let Some(helm) = helm() else { return };
    let d = Dir::new("helm-branch");
    copy_chart(&d, "ingress-nginx");
    let out = d.run(&[
        "scan",
        "--helm",
        helm.to_str().unwrap(),
        "--format",
        "json",
        "ingress-nginx",
    ]);
    let v = json(&out);
    // `containerSecurityContext: {}` is replaced by a default from a helper
    // when empty: the finding stays on the template.
    for f in v["findings"].as_array().unwrap() {
        assert_eq!(f["rendered"]["values"], serde_json::Value::Null, "{f}");
        assert!(
            f["file"]
                .as_str()
                .unwrap()
                .starts_with("ingress-nginx/templates/"),
            "{f}"
        );
    }
}

#[test]
fn chart_inputs_options_and_errors() {
    let Some(helm) = helm() else { return };
    let helm = helm.to_str().unwrap();
    let d = Dir::new("helm-options");
    copy_chart(&d, "mychart");
    copy_chart(&d, "nginx");
    // -f: the override file's key is where the field comes from.
    d.create("prod.yaml", "securityContext:\n  privileged: true\n");
    let out = d.run(&[
        "scan",
        "--helm",
        helm,
        "-f",
        "prod.yaml",
        "--format",
        "concise",
        "--select",
        "PS101",
        "mychart",
    ]);
    assert!(
        out.stdout
            .starts_with("prod.yaml:2:3: PS101 [critical] container \"mychart\" runs privileged"),
        "{}\n{}",
        out.stdout,
        out.stderr
    );
    // --set and --release-name reach helm.
    let out = d.run(&[
        "scan",
        "--helm",
        helm,
        "--set",
        "securityContext.privileged=true",
        "--release-name",
        "shop",
        "--format",
        "json",
        "--select",
        "PS101",
        "mychart",
    ]);
    let v = json(&out);
    assert_eq!(v["findings"][0]["object"], "shop-mychart", "{}", out.stdout);
    // A walk finds charts and reads them rendered (templates are not YAML).
    let out = d.run(&["pss", "--helm", helm, "."]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stdout.contains(
            "mychart/templates/deployment.yaml:1:1: Deployment/release-name-mychart: baseline"
        ),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains(
            "nginx/templates/deployment.yaml:6:1: Deployment/release-name-nginx: restricted"
        ),
        "{}",
        out.stdout
    );
    // `helm template … | podsec scan -`: the `# Source:` comments name the template.
    let rendered = std::process::Command::new(helm)
        .args(["template", "mychart"])
        .current_dir(&d.path)
        .output()
        .unwrap();
    let out = d.run_stdin(
        &["scan", "--format", "concise", "--select", "PS102", "-"],
        Some(&String::from_utf8_lossy(&rendered.stdout)),
    );
    assert!(
        out.stdout
            .starts_with("mychart/templates/deployment.yaml:1:1: PS102"),
        "{}",
        out.stdout
    );
    // A missing dependency names `helm dependency build`.
    std::fs::remove_dir_all(d.path.join("nginx/charts")).unwrap();
    let out = d.run(&["scan", "--helm", helm, "nginx"]);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.contains("helm dependency build nginx"),
        "{}",
        out.stderr
    );
    // No helm: one error that says what to do.
    let out = d.run(&["scan", "--helm", "/nonexistent/helm", "mychart"]);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr
            .contains("mychart: error: this is a Helm chart, and rendering it needs helm"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr
            .contains("`helm template mychart | podsec scan -`"),
        "{}",
        out.stderr
    );
}

#[test]
fn kustomize_findings_point_at_the_base_or_the_patch() {
    if !kubectl() {
        return;
    }
    let d = Dir::new("kustomize");
    d.create("base/kustomization.yaml", "resources: [deploy.yaml]\n");
    d.create(
        "base/deploy.yaml",
        "apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      hostPID: true
      containers:
        - name: web
          image: nginx
",
    );
    d.create(
        "overlays/prod/kustomization.yaml",
        "resources: [../../base]\nnamespace: prod\npatches:\n  - path: patch.yaml\n",
    );
    d.create(
        "overlays/prod/patch.yaml",
        "apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  template:
    spec:
      containers:
        - name: web
          securityContext:
            privileged: true
",
    );
    let out = d.run(&[
        "scan",
        "--format",
        "concise",
        "--select",
        "PS101,PS302",
        "overlays/prod",
    ]);
    assert_eq!(
        out.stdout,
        // In the rendered order.
        "overlays/prod/patch.yaml:11:13: PS101 [critical] container \"web\" runs privileged\nbase/deploy.yaml:10:7: PS302 [high] the pod sets hostPID: true\n",
        "{}",
        out.stderr
    );
    // A walk reads each root rendered: the loose patch is not a workload
    // of its own (it would be rated as one).
    let out = d.run(&["pss", "."]);
    assert!(!out.stdout.contains("patch.yaml"), "{}", out.stdout);
    assert!(
        out.stdout
            .contains("base/deploy.yaml:1:1: Deployment/web: privileged"),
        "{}",
        out.stdout
    );
    assert!(out.stderr.contains("2 workloads"), "{}", out.stderr);
    // kubectl's errors are the root's input error.
    d.create("broken/kustomization.yaml", "resources: [missing.yaml]\n");
    let out = d.run(&["scan", "broken"]);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr
            .contains("broken: error: kubectl kustomize failed"),
        "{}",
        out.stderr
    );
}

#[test]
fn fixing_the_scaffold_writes_values_yaml_and_keeps_its_comments() {
    let Some(helm) = helm() else { return };
    let helm = helm.to_str().unwrap();
    let d = Dir::new("helm-fix");
    copy_chart(&d, "mychart");
    let templates_before =
        std::fs::read_to_string(d.path.join("mychart/templates/deployment.yaml")).unwrap();
    let out = d.run(&[
        "fix",
        "--helm",
        helm,
        "--unsafe-fixes",
        "--level",
        "restricted",
        "--diff",
        "mychart",
    ]);
    assert!(
        out.stdout
            .contains("+securityContext:\n+  allowPrivilegeEscalation: false"),
        "{}\n{}",
        out.stdout,
        out.stderr
    );
    // --diff writes nothing.
    assert!(
        std::fs::read_to_string(d.path.join("mychart/values.yaml"))
            .unwrap()
            .contains("securityContext: {}")
    );
    let out = d.run(&[
        "fix",
        "--helm",
        helm,
        "--unsafe-fixes",
        "--level",
        "restricted",
        "mychart",
    ]);
    let values = std::fs::read_to_string(d.path.join("mychart/values.yaml")).unwrap();
    assert!(
        values.contains("securityContext:\n  allowPrivilegeEscalation: false\n"),
        "{values}"
    );
    assert!(
        values.contains("podSecurityContext:\n  runAsGroup: 101\n  runAsNonRoot: true\n"),
        "{values}"
    );
    // The scaffold's suggestions stay, as comments.
    assert!(values.contains("  # fsGroup: 2000\n"), "{values}");
    assert!(
        values.contains("  # capabilities:\n  #   drop:\n  #   - ALL\n"),
        "{values}"
    );
    // Templates are never edited; the test pod's template builds its
    // fields, so a human must.
    assert_eq!(
        std::fs::read_to_string(d.path.join("mychart/templates/deployment.yaml")).unwrap(),
        templates_before
    );
    assert!(
        out.stderr.contains(
            "mychart: needs a human: the template builds Pod/release-name-mychart-test-connection"
        ),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr
            .contains("mychart/values.yaml: set securityContext.allowPrivilegeEscalation"),
        "{}",
        out.stderr
    );
    // The chart, rendered again, passes restricted except the test pod.
    let out = d.run(&["pss", "--helm", helm, "--level", "restricted", "mychart"]);
    assert_eq!(out.stdout.lines().count(), 1, "{}", out.stdout);
    assert!(out.stdout.starts_with("mychart/templates/tests/test-connection.yaml:1:1: Pod/release-name-mychart-test-connection: violates"), "{}", out.stdout);
    // And a second fix has nothing left to write.
    let again = d.run(&[
        "fix",
        "--helm",
        helm,
        "--unsafe-fixes",
        "--level",
        "restricted",
        "mychart",
    ]);
    assert_eq!(
        std::fs::read_to_string(d.path.join("mychart/values.yaml")).unwrap(),
        values,
        "{}",
        again.stderr
    );
}

#[test]
fn fixing_an_overlay_adds_a_verified_patch() {
    if !kubectl() {
        return;
    }
    let d = Dir::new("kustomize-fix");
    d.create("base/kustomization.yaml", "resources: [deploy.yaml]\n");
    d.create(
        "base/deploy.yaml",
        "apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
spec:
  selector: {matchLabels: {app: api}}
  template:
    metadata: {labels: {app: api}}
    spec:
      containers:
        - name: api
          image: example/api:1
",
    );
    d.create(
        "overlays/prod/kustomization.yaml",
        "# production\nresources: [../../base]\nnamespace: prod\n",
    );
    let base_before = std::fs::read_to_string(d.path.join("base/deploy.yaml")).unwrap();
    let out = d.run(&[
        "fix",
        "--unsafe-fixes",
        "--level",
        "restricted",
        "overlays/prod",
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let k = std::fs::read_to_string(d.path.join("overlays/prod/kustomization.yaml")).unwrap();
    assert!(k.starts_with("# production\n"), "{k}");
    assert!(
        k.contains("patches:\n  - path: podsec-deployment-api.yaml"),
        "{k}"
    );
    assert!(
        d.path
            .join("overlays/prod/podsec-deployment-api.yaml")
            .is_file()
    );
    assert_eq!(
        std::fs::read_to_string(d.path.join("base/deploy.yaml")).unwrap(),
        base_before
    );
    // No verification copy is left behind.
    assert_eq!(
        std::fs::read_dir(d.path.join("overlays")).unwrap().count(),
        1
    );
    let out = d.run(&["pss", "--level", "restricted", "overlays/prod"]);
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
}

#[test]
fn fixing_into_the_base_keeps_fields_an_overlay_patch_sets() {
    if !kubectl() {
        return;
    }
    let d = Dir::new("kustomize-base");
    let deploy = "apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
spec:
  selector: {matchLabels: {app: api}}
  template:
    metadata: {labels: {app: api}}
    spec:
      containers:
        - name: api
          image: example/api:1 # the API
";
    d.create("base/kustomization.yaml", "resources: [deploy.yaml]\n");
    d.create("base/deploy.yaml", deploy);
    d.create(
        "overlays/prod/kustomization.yaml",
        "resources: [../../base]\nnamespace: prod\n",
    );
    let out = d.run(&[
        "fix",
        "--unsafe-fixes",
        "--level",
        "restricted",
        "--fix-into",
        "base",
        "overlays/prod",
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let base = std::fs::read_to_string(d.path.join("base/deploy.yaml")).unwrap();
    assert!(base.contains("allowPrivilegeEscalation: false"), "{base}");
    assert!(base.contains("image: example/api:1 # the API"), "{base}");
    assert!(
        !d.path
            .join("overlays/prod/podsec-deployment-api.yaml")
            .exists()
    );
    assert_eq!(
        d.run(&["pss", "--level", "restricted", "overlays/prod"])
            .code,
        0
    );
    // A patch that sets a field the fix would write: the base is left alone.
    d.create("base/deploy.yaml", deploy);
    d.create(
        "overlays/prod/kustomization.yaml",
        "resources: [../../base]\npatches:\n  - path: p.yaml\n",
    );
    d.create(
        "overlays/prod/p.yaml",
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: api}\nspec:\n  template:\n    spec:\n      containers:\n        - name: api\n          securityContext:\n            allowPrivilegeEscalation: true\n",
    );
    let out = d.run(&[
        "fix",
        "--unsafe-fixes",
        "--fix-into",
        "base",
        "overlays/prod",
    ]);
    assert!(
        out.stderr
            .contains("not fixed in the base: the overlay's patch"),
        "{}",
        out.stderr
    );
    assert_eq!(
        std::fs::read_to_string(d.path.join("base/deploy.yaml")).unwrap(),
        deploy
    );
}

#[test]
fn a_literal_security_context_is_fixed_in_its_template() {
    let Some(helm) = helm() else { return };
    let helm = helm.to_str().unwrap();
    let d = Dir::new("helm-literal");
    copy_chart(&d, "podsec-edge");
    let out = d.run(&[
        "scan",
        "--helm",
        helm,
        "--format",
        "concise",
        "--select",
        "PS102",
        "podsec-edge",
    ]);
    // The app's securityContext is literal in the template; the sidecar's
    // comes from values.
    // A vendored subchart's default is reported in its values.yaml.
    assert_eq!(
        out.stdout,
        "podsec-edge/charts/worker/values.yaml:2:1: PS102 [medium] container \"worker\" does not set allowPrivilegeEscalation: false\npodsec-edge/templates/deployment.yaml:1:1: PS102 [medium] container \"app\" does not set allowPrivilegeEscalation: false\npodsec-edge/values.yaml:10:3: PS102 [medium] container \"sidecar\" does not set allowPrivilegeEscalation: false\n",
        "{}",
        out.stderr
    );
    let worker_values =
        std::fs::read_to_string(d.path.join("podsec-edge/charts/worker/values.yaml")).unwrap();
    let out = d.run(&[
        "fix",
        "--helm",
        helm,
        "--unsafe-fixes",
        "--level",
        "restricted",
        "podsec-edge",
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let t = std::fs::read_to_string(d.path.join("podsec-edge/templates/deployment.yaml")).unwrap();
    assert!(
        t.contains("          # Written here, not in values.\n          securityContext:\n            allowPrivilegeEscalation: false\n            capabilities:\n              drop:\n                - ALL\n            runAsNonRoot: true\n"),
        "{t}"
    );
    // The sidecar's line, built by toYaml, is not touched.
    assert!(
        t.contains("securityContext: {{- toYaml .Values.sidecar.securityContext | nindent 12 }}"),
        "{t}"
    );
    let v = std::fs::read_to_string(d.path.join("podsec-edge/values.yaml")).unwrap();
    assert!(v.contains("  # The sidecar's securityContext, rendered with toYaml.\n  securityContext:\n    allowPrivilegeEscalation: false\n"), "{v}");
    // The subchart is overridden from the parent's values (the vendored
    // chart is not edited), and `global` reaches the subchart's pod.
    assert!(
        v.contains("\nworker:\n  securityContext:\n    allowPrivilegeEscalation: false\n"),
        "{v}"
    );
    assert!(v.contains("global:\n  # Every pod of the chart and its subcharts.\n  podSecurityContext:\n    runAsGroup: 10001\n"), "{v}");
    assert_eq!(
        std::fs::read_to_string(d.path.join("podsec-edge/charts/worker/values.yaml")).unwrap(),
        worker_values
    );
    let out = d.run(&[
        "pss",
        "--helm",
        helm,
        "--level",
        "restricted",
        "podsec-edge",
    ]);
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
    // The conditional sidecar: rendered off, nothing of it is reported.
    let out = d.run(&[
        "scan",
        "--helm",
        helm,
        "--set",
        "sidecar.enabled=false",
        "--format",
        "concise",
        "podsec-edge",
    ]);
    assert!(!out.stdout.contains("sidecar"), "{}", out.stdout);
}

/// Every file of a tree, with its text.
fn tree(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(tree(&p));
        } else {
            out.push((p.clone(), std::fs::read(&p).unwrap()));
        }
    }
    out.sort();
    out
}

#[test]
fn every_test_chart_fixed_to_restricted_passes_or_names_what_a_human_must_do() {
    let Some(helm) = helm() else { return };
    let helm = helm.to_str().unwrap();
    for chart in [
        "mychart",
        "ingress-nginx",
        "metrics-server",
        "nginx",
        "podsec-edge",
    ] {
        let d = Dir::new("helm-every");
        copy_chart(&d, chart);
        let before = tree(&d.path.join(chart));
        let fix = d.run(&[
            "fix",
            "--helm",
            helm,
            "--unsafe-fixes",
            "--level",
            "restricted",
            chart,
        ]);
        assert_ne!(fix.code, 2, "{chart}: {}", fix.stderr);
        let out = d.run(&["pss", "--helm", helm, "--level", "restricted", chart]);
        // What still fails is what the fix said a human must do.
        for line in out.stdout.lines() {
            let object = line.split(": ").nth(1).unwrap_or("");
            assert!(
                fix.stderr
                    .contains(&format!("needs a human: the template builds {object}")),
                "{chart}: {line}\n{}",
                fix.stderr
            );
        }
        // Only values files change, and templates where they are literal.
        for (path, bytes) in before {
            let now = std::fs::read(&path).unwrap();
            if now != bytes {
                let name = path.file_name().unwrap().to_str().unwrap();
                assert!(
                    name == "values.yaml" || (chart == "podsec-edge" && name == "deployment.yaml"),
                    "{chart}: {} changed",
                    path.display()
                );
                assert!(
                    !path.to_str().unwrap().contains("/charts/worker/"),
                    "{chart}: a vendored subchart changed: {}",
                    path.display()
                );
            }
        }
    }
}

#[test]
fn chart_fixes_hold_under_other_values() {
    // For several starting values (a sidecar on or off, a weak field set
    // in values, an override of the pod's securityContext), the fix
    // re-renders to objects that pass restricted, and a second fix finds
    // nothing more to write.
    let Some(helm) = helm() else { return };
    let helm = helm.to_str().unwrap();
    let cases = [
        "",
        "sidecar:\n  enabled: false\n",
        "sidecar:\n  securityContext:\n    allowPrivilegeEscalation: true\n",
        "podSecurityContext:\n  fsGroup: 2000\n",
    ];
    for (i, extra) in cases.iter().enumerate() {
        let d = Dir::new("helm-property");
        copy_chart(&d, "podsec-edge");
        let mut args = vec!["--helm", helm];
        if !extra.is_empty() {
            d.create("extra.yaml", extra);
            args.extend(["-f", "extra.yaml"]);
        }
        let run = |cmd: &[&str]| {
            let mut all: Vec<&str> = cmd.to_vec();
            all.extend(&args);
            all.push("podsec-edge");
            d.run(&all)
        };
        let fix = run(&["fix", "--unsafe-fixes", "--level", "restricted"]);
        assert_ne!(fix.code, 2, "case {i}: {}", fix.stderr);
        let out = run(&["pss", "--level", "restricted"]);
        assert_eq!(out.code, 0, "case {i}: {}\n{}", out.stdout, fix.stderr);
        let snapshot = (
            tree(&d.path.join("podsec-edge")),
            std::fs::read(d.path.join("extra.yaml")).ok(),
        );
        run(&["fix", "--unsafe-fixes", "--level", "restricted"]);
        assert_eq!(
            (
                tree(&d.path.join("podsec-edge")),
                std::fs::read(d.path.join("extra.yaml")).ok()
            ),
            snapshot,
            "case {i}: a second fix changed files"
        );
    }
}

#[test]
fn the_webhook_chart_passes_podsec() {
    let Some(helm) = helm() else { return };
    let helm = helm.to_str().unwrap();
    let d = Dir::new("own-chart");
    let chart = Path::new(env!("CARGO_MANIFEST_DIR")).join("deploy/helm/podsec");
    let chart = chart.to_str().unwrap();
    let o = d.run(&[
        "pss",
        "--helm",
        helm,
        "--helm-namespace",
        "podsec-system",
        "--level",
        "restricted",
        chart,
    ]);
    assert_eq!(o.code, 0, "{}{}", o.stdout, o.stderr);
    let o = d.run(&["scan", "--helm", helm, "--select", "ALL", chart]);
    assert_eq!(o.code, 0, "{}{}", o.stdout, o.stderr);
    let rendered = std::process::Command::new(helm)
        .args(["template", "podsec", chart, "-n", "podsec-system"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&rendered.stdout);
    assert_eq!(text.matches("timeoutSeconds: 5").count(), 3, "{text}");
    assert!(
        text.contains("values: [kube-system, podsec-system]"),
        "{text}"
    );
    assert!(
        text.contains("system:serviceaccount:podsec-system:podsec"),
        "{text}"
    );
    // Namespaces are read with get namespaces and list pods, nothing else.
    assert!(text.contains("- --read-namespaces"), "{text}");
    assert!(text.contains("kind: ClusterRole\n"), "{text}");
    assert_eq!(text.matches("verbs: [").count(), 2, "{text}");
    assert!(
        text.contains("verbs: [get]") && text.contains("verbs: [list]"),
        "{text}"
    );
    assert_eq!(text.matches("name: not-podsec-itself").count(), 3, "{text}");
}
