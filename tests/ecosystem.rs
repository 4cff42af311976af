//! The files that put podsec in other tools: its own image and Pod, the
//! pre-commit hooks, the GitHub Actions example.

use crate::util::{Dir, repo_root};

#[test]
fn podsec_image_and_pod_pass_podsec() {
    let d = Dir::new("own-image");
    let dir = repo_root().join("deploy/image");
    let dir = dir.to_str().unwrap();
    let o = d.run(&["scan", "--select", "ALL", dir]);
    assert_eq!(o.code, 0, "{}{}", o.stdout, o.stderr);
    assert!(
        o.stderr.contains("0 findings in 1 workload across 2 files"),
        "{}",
        o.stderr
    );
    let o = d.run(&["pss", "--level", "restricted", &format!("{dir}/pod.yaml")]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    let df = std::fs::read_to_string(repo_root().join("deploy/image/Dockerfile")).unwrap();
    assert!(df.contains("FROM scratch") && df.contains("USER 65532:65532"));
}

fn load(path: &str) -> String {
    std::fs::read_to_string(repo_root().join(path)).unwrap()
}

#[test]
fn pre_commit_hooks_and_workflow_are_valid_yaml() {
    for path in [".pre-commit-hooks.yaml", "docs/ci/github-actions.yml"] {
        let text = load(path);
        let s = podsec::source::yaml::parse(&text);
        assert!(s.errors.is_empty(), "{path}: {:?}", s.errors);
        assert_eq!(s.docs.len(), 1);
    }
    let hooks = load(".pre-commit-hooks.yaml");
    for id in [
        "id: podsec-scan",
        "id: podsec-fix",
        "entry: podsec scan",
        "entry: podsec fix",
    ] {
        assert!(hooks.contains(id), "{id}");
    }
    let wf = load("docs/ci/github-actions.yml");
    assert!(wf.contains("--format sarif=podsec.sarif --exit-zero"));
    assert!(wf.contains("upload-sarif"));
}

#[test]
fn completions_and_man_page() {
    let d = Dir::new("completions");
    for shell in ["bash", "zsh", "fish"] {
        let o = d.run(&["completions", shell]);
        assert_eq!(o.code, 0, "{shell}: {}", o.stderr);
        for word in ["scan", "pss", "fix", "--format"] {
            assert!(o.stdout.contains(word), "{shell} completion lacks {word}");
        }
    }
    let o = d.run(&["man"]);
    assert_eq!(o.code, 0);
    assert!(
        o.stdout.starts_with(".ie") || o.stdout.contains(".TH podsec"),
        "{}",
        &o.stdout[..200.min(o.stdout.len())]
    );
    assert!(o.stdout.contains("Least privilege"));
}

#[test]
fn webhook_manifests_pass_podsec_and_follow_the_psa_layout() {
    let d = Dir::new("own-webhook");
    let path = repo_root().join("deploy/manifests");
    let path = path.to_str().unwrap();
    let o = d.run(&["scan", "--select", "ALL", path]);
    assert_eq!(o.code, 0, "{}{}", o.stdout, o.stderr);
    let o = d.run(&["pss", "--level", "restricted", path]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert!(
        o.stderr.contains("1 workload checked, 0 violating"),
        "{}",
        o.stderr
    );
    let text = load("deploy/manifests/podsec-webhook.yaml");
    // Pods fail closed (opt-in), controllers and mutation fail open; every
    // webhook answers within 5 s, has no side effects, speaks v1 only, and
    // never sees kube-system or podsec's own namespace.
    assert_eq!(text.matches("failurePolicy: Fail").count(), 1);
    assert_eq!(text.matches("failurePolicy: Ignore").count(), 2);
    assert_eq!(text.matches("timeoutSeconds: 5").count(), 3);
    assert_eq!(text.matches("sideEffects: None").count(), 3);
    assert_eq!(text.matches("admissionReviewVersions: [v1]").count(), 3);
    assert_eq!(
        text.matches("values: [kube-system, podsec-system]").count(),
        3
    );
    for never in ["leases", "endpoints", "configmaps"] {
        assert!(!text.contains(never), "{never}");
    }
    assert!(text.contains("replicas: 3") && text.contains("kind: PodDisruptionBudget"));
    // Every webhook skips podsec's own service account; the service account
    // may get namespaces and list pods, nothing else.
    assert_eq!(text.matches("name: not-podsec-itself").count(), 3);
    assert!(text.contains("- --read-namespaces"));
    assert_eq!(text.matches("verbs: [").count(), 2);
    assert!(text.contains("verbs: [get]") && text.contains("verbs: [list]"));
}
