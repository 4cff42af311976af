//! Streaming and parallel output: every format is the same, byte for byte,
//! whatever the number of threads, and stays valid JSON at the edges (no
//! finding, no workload, errors in the middle of the files).

use crate::util::{Dir, corpus};

fn run(dir: &Dir, args: &[&str], threads: &str) -> (String, String, i32) {
    let mut a = args.to_vec();
    a.extend(["--threads", threads]);
    let o = dir.run(&a);
    (o.stdout, o.stderr, o.code)
}

#[test]
fn output_is_the_same_on_one_thread_and_many() {
    let d = Dir::new("threads");
    // A tree with bad files among good ones, so error lines interleave.
    let k8s = corpus("k8s");
    let k8s = k8s.to_str().unwrap();
    d.create("mix/a.yaml", "apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec:\n  containers: [{name: c, image: x}]\n")
        .create("mix/b.yaml", "kind: [\n")
        .create("mix/c.yaml", "apiVersion: v1\nkind: Pod\nmetadata: {name: c}\nspec:\n  hostPID: true\n  containers: [{name: c, image: x}]\n");
    for args in [
        vec!["pss", k8s, "mix"],
        vec!["pss", "--level", "restricted", k8s, "mix"],
        vec!["pss", "--format", "json", k8s, "mix"],
        vec!["pss", "--level", "baseline", "--format", "json", k8s, "mix"],
        vec!["scan", k8s, "mix"],
        vec!["scan", "--format", "json", k8s, "mix"],
        vec!["scan", "--format", "sarif", k8s, "mix"],
    ] {
        let one = run(&d, &args, "1");
        assert!(one.0.len() > 1000, "{args:?}: {}", one.1);
        for n in ["2", "5"] {
            let many = run(&d, &args, n);
            assert!(one == many, "{args:?} differs with --threads {n}");
        }
        if args.contains(&"json") || args.contains(&"sarif") {
            let v: serde_json::Value = serde_json::from_str(&one.0).expect("valid JSON");
            assert!(v.is_object());
        }
        assert_eq!(one.2, 2, "{args:?}: the broken file makes it exit 2");
        assert!(one.1.contains("mix/b.yaml:"), "{}", one.1);
    }
}

#[test]
fn json_reports_are_valid_when_empty() {
    let d = Dir::new("empty-json");
    d.create(
        "ok.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n",
    );
    for args in [
        ["pss", "--format", "json", "ok.yaml"].as_slice(),
        &[
            "pss",
            "--level",
            "restricted",
            "--format",
            "json",
            "ok.yaml",
        ],
        &["scan", "--format", "json", "ok.yaml"],
        &["scan", "--format", "sarif", "ok.yaml"],
    ] {
        let o = d.run(args);
        let v: serde_json::Value = serde_json::from_str(&o.stdout)
            .unwrap_or_else(|e| panic!("{args:?}: {e}\n{}", o.stdout));
        let rows = v
            .get("findings")
            .or(v.get("workloads"))
            .or(v.pointer("/runs/0/results"))
            .unwrap();
        assert_eq!(rows.as_array().unwrap().len(), 0, "{args:?}");
    }
    let o = d.run(&["scan", "--format", "json", "ok.yaml"]);
    let v: serde_json::Value = serde_json::from_str(&o.stdout).unwrap();
    assert_eq!(v["summary"]["findings"], 0);
    assert_eq!(v["schema_version"], 1);
}

#[test]
fn a_large_stream_is_reported_whole_and_in_order() {
    // Many documents in one file: the head file streams straight to the
    // output while it is read; nothing may be lost or reordered.
    let d = Dir::new("big-stream");
    let mut text = String::new();
    for i in 0..3000 {
        text.push_str(&format!(
            "---\napiVersion: v1\nkind: Pod\nmetadata: {{name: p{i}}}\nspec:\n  hostNetwork: true\n  containers: [{{name: c, image: x}}]\n"
        ));
    }
    d.create("a.yaml", &text).create("b.yaml", &text);
    let o = d.run(&[
        "scan",
        "--format",
        "json",
        "--select",
        "PS301",
        "--threads",
        "2",
        ".",
    ]);
    let v: serde_json::Value = serde_json::from_str(&o.stdout).unwrap();
    let f = v["findings"].as_array().unwrap();
    assert_eq!(f.len(), 6000);
    let names: Vec<String> = f
        .iter()
        .map(|x| {
            format!(
                "{}:{}",
                x["file"].as_str().unwrap(),
                x["object"].as_str().unwrap()
            )
        })
        .collect();
    let expected: Vec<String> = ["./a.yaml", "./b.yaml"]
        .iter()
        .flat_map(|file| (0..3000).map(move |i| format!("{file}:p{i}")))
        .collect();
    assert_eq!(names, expected);
}
