//! Every `podsec scan` output format: snapshots, structure, several at
//! once, exit-code control, the SARIF schema, fingerprints.

use std::process::Command;

use crate::scan_cli::{NOTES_POD, snapshot};
use crate::util::{Dir, corpus};

/// A pod with many high findings, for GitHub's annotation limit.
fn many_privileged(n: usize) -> String {
    (0..n)
        .map(|i| {
            format!(
                "---\napiVersion: v1\nkind: Pod\nmetadata: {{name: p{i}}}\nspec:\n  containers:\n  - name: c\n    image: x\n    securityContext: {{privileged: true}}\n"
            )
        })
        .collect()
}

#[test]
fn concise_github_junit_and_markdown_snapshots() {
    let d = Dir::new("formats");
    d.create("pod.yaml", NOTES_POD);
    for (format, name) in [
        ("concise", "scan_notes.concise.txt"),
        ("github", "scan_notes.github.txt"),
        ("junit", "scan_notes.junit.xml"),
        ("markdown", "scan_notes.md"),
    ] {
        let o = d.run(&["scan", "--format", format, "pod.yaml"]);
        assert_eq!(o.code, 1, "{format}: {}", o.stderr);
        snapshot(name, &o.stdout);
    }
}

#[test]
fn concise_has_one_line_per_finding() {
    let d = Dir::new("concise");
    let k8s = corpus("k8s");
    let k8s = k8s.to_str().unwrap();
    let json = d.run(&["scan", "--format", "json", k8s]);
    let v: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    let findings = v["findings"].as_array().unwrap();
    let concise = d.run(&["scan", "--format", "concise", k8s]);
    let lines: Vec<&str> = concise.stdout.lines().collect();
    assert_eq!(lines.len(), findings.len());
    for (l, f) in lines.iter().zip(findings) {
        let head = format!(
            "{}:{}:{}: {} [{}] ",
            f["file"].as_str().unwrap(),
            f["line"],
            f["column"],
            f["code"].as_str().unwrap(),
            f["severity"].as_str().unwrap()
        );
        assert!(l.starts_with(&head), "{l} / {head}");
    }
}

#[test]
fn github_annotations_stop_at_ten_per_type_with_a_summary() {
    let d = Dir::new("github");
    d.create("a,b:c.yaml", many_privileged(14));
    let o = d.run(&["scan", "--format", "github", "--select", "PS101", "."]);
    let lines: Vec<&str> = o.stdout.lines().collect();
    assert_eq!(lines.len(), 15, "{}", o.stdout);
    let annotated = lines.iter().filter(|l| l.starts_with("::error ")).count();
    assert_eq!(annotated, 10);
    // Properties escape `,` and `:`.
    assert!(
        lines[0].starts_with("::error file=./a%2Cb%3Ac.yaml,line=9,col=35,"),
        "{}",
        lines[0]
    );
    assert!(
        lines[0].contains(",title=PS101 privileged-container::"),
        "{}",
        lines[0]
    );
    // The later ones stay in the log as plain lines.
    assert!(
        lines[10].starts_with("error: ./a,b:c.yaml:"),
        "{}",
        lines[10]
    );
    assert!(
        lines[14].starts_with("::warning title=podsec::14 findings: 14 errors"),
        "{}",
        lines[14]
    );
}

fn python_ok(script: &str, arg: &str) -> Result<(), String> {
    let out = Command::new("python3")
        .args(["-c", script, arg])
        .output()
        .map_err(|e| format!("python3: {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).into_owned())
    }
}

#[test]
fn junit_is_well_formed_with_a_case_per_workload_and_rule() {
    let d = Dir::new("junit");
    d.create("pods.yaml", many_privileged(3))
        .create("bad.yaml", "kind: [\n");
    let o = d.run(&["scan", "--format", "junit", "--select", "PS101,PS301", "."]);
    assert_eq!(o.code, 2);
    let xml = d.path.join("out.xml");
    std::fs::write(&xml, &o.stdout).unwrap();
    python_ok(
        "import sys, xml.etree.ElementTree as E\nr = E.parse(sys.argv[1]).getroot()\nassert r.tag == 'testsuites'\ns = {x.get('name'): x for x in r}\np = s['./pods.yaml']\nassert p.get('tests') == '6' and p.get('failures') == '3', p.attrib\ncases = p.findall('testcase')\nassert len(cases) == 6\nassert len([c for c in cases if c.find('failure') is not None]) == 3\nb = s['./bad.yaml']\nassert b.get('errors') == '1' and b.find('testcase/error') is not None",
        xml.to_str().unwrap(),
    )
    .unwrap();
}

#[test]
fn several_formats_at_once_and_one_to_stdout() {
    let d = Dir::new("multi");
    d.create("pod.yaml", NOTES_POD);
    let o = d.run(&[
        "scan",
        "--format",
        "concise",
        "--format",
        "sarif=out.sarif",
        "--format",
        "junit=report.xml",
        "--format",
        "json=out.json",
        "pod.yaml",
    ]);
    assert_eq!(o.code, 1, "{}", o.stderr);
    let n = o.stdout.lines().count();
    assert!(n >= 3);
    let sarif: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(d.path.join("out.sarif")).unwrap()).unwrap();
    assert_eq!(sarif["runs"][0]["results"].as_array().unwrap().len(), n);
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(d.path.join("out.json")).unwrap()).unwrap();
    assert_eq!(json["findings"].as_array().unwrap().len(), n);
    assert!(
        std::fs::read_to_string(d.path.join("report.xml"))
            .unwrap()
            .contains("<testsuites")
    );
    // -o sends the one stdout format to a file.
    let o = d.run(&["scan", "--format", "json", "-o", "o.json", "pod.yaml"]);
    assert!(o.stdout.is_empty());
    assert!(d.path.join("o.json").exists());
    // Two formats on stdout cannot be told apart: refused.
    let o = d.run(&["scan", "--format", "json", "--format", "text", "pod.yaml"]);
    assert_eq!(o.code, 2);
    assert!(
        o.stderr
            .contains("only one format can go to standard output"),
        "{}",
        o.stderr
    );
}

#[test]
fn exit_zero_and_fail_on_never() {
    let d = Dir::new("exit");
    d.create("pod.yaml", NOTES_POD);
    assert_eq!(d.run(&["scan", "pod.yaml"]).code, 1);
    assert_eq!(d.run(&["scan", "--exit-zero", "pod.yaml"]).code, 0);
    assert_eq!(d.run(&["scan", "--fail-on", "never", "pod.yaml"]).code, 0);
    // Input errors still fail.
    d.create("bad.yaml", "kind: [\n");
    assert_eq!(d.run(&["scan", "--exit-zero", "."]).code, 2);
    let o = d.run(&["scan", "--fail-on", "sometimes", "pod.yaml"]);
    assert_eq!(o.code, 2);
    assert!(o.stderr.contains("critical or never"), "{}", o.stderr);
}

#[test]
fn sarif_validates_against_the_official_schema() {
    let d = Dir::new("sarif-schema");
    d.create("pod.yaml", NOTES_POD)
        .create("bad.yaml", "kind: [\n")
        .create(
            "z-suppressed.yaml",
            "apiVersion: v1\nkind: Pod\nmetadata: {name: z}\nspec:\n  containers:\n    - name: a # podsec: ignore[PS102] checked by hand (SEC-9)\n      image: x\n",
        );
    let o = d.run(&[
        "scan",
        "--format",
        "sarif",
        "--sarif-include-suppressed",
        ".",
    ]);
    let out = d.path.join("out.sarif");
    std::fs::write(&out, &o.stdout).unwrap();
    let schema = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/sarif/sarif-2.1.0.json");
    let script = format!(
        "import json, sys\ntry:\n    import jsonschema\nexcept ImportError:\n    sys.exit('missing: python3 -m pip install jsonschema')\ns = json.load(open({:?}))\nd = json.load(open(sys.argv[1]))\njsonschema.validate(d, s)\ninv = d['runs'][0]['invocations'][0]\nassert inv['executionSuccessful'] is False\nassert inv['toolExecutionNotifications'][0]['locations'][0]['physicalLocation']['artifactLocation']['uri'] == 'bad.yaml'\nr = d['runs'][0]['results'][0]['locations'][0]['physicalLocation']['artifactLocation']\nassert r == {{'uri': 'pod.yaml', 'uriBaseId': '%SRCROOT%'}}, r\nrule = d['runs'][0]['tool']['driver']['rules'][0]['properties']\nassert float(rule['security-severity']) >= 0 and rule['precision'] in ('very-high', 'high')\nassert d['runs'][0]['tool']['driver']['rules'][0]['helpUri'].startswith('https://')\nsup = [x for x in d['runs'][0]['results'] if 'suppressions' in x]\nassert len(sup) == 1 and sup[0]['suppressions'][0]['justification'] == 'checked by hand (SEC-9)', sup",
        schema.to_str().unwrap()
    );
    match python_ok(&script, out.to_str().unwrap()) {
        Ok(()) => {}
        Err(e)
            if e.contains("missing:")
                && std::env::var_os("PODSEC_REQUIRE_JSONSCHEMA").is_none() =>
        {
            eprintln!("skipped: {e}");
        }
        Err(e) => panic!("{e}"),
    }
}

#[test]
fn fingerprints_are_unique_on_the_corpus_and_ignore_line_moves() {
    let d = Dir::new("fingerprints");
    let root = corpus("");
    let o = d.run(&["scan", "--format", "sarif", root.to_str().unwrap()]);
    let v: serde_json::Value = serde_json::from_str(&o.stdout).unwrap();
    let results = v["runs"][0]["results"].as_array().unwrap();
    assert!(results.len() > 2000);
    let mut seen = std::collections::HashSet::new();
    for r in results {
        let key = (
            r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].to_string(),
            r["partialFingerprints"]["podsec/v2"].to_string(),
        );
        assert!(seen.insert(key.clone()), "duplicate fingerprint {key:?}");
    }
    // Unrelated lines above a finding leave its fingerprint alone.
    let before = NOTES_POD.to_string();
    let after = before.replace(
        "metadata:\n",
        "metadata:\n  labels: {a: b}\n  annotations:\n    x: z\n",
    );
    let prints = |text: &str| {
        d.create("moved.yaml", text);
        let o = d.run(&["scan", "--format", "sarif", "moved.yaml"]);
        let v: serde_json::Value = serde_json::from_str(&o.stdout).unwrap();
        let mut p: Vec<(String, u64)> = v["runs"][0]["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                (
                    r["partialFingerprints"]["podsec/v2"]
                        .as_str()
                        .unwrap()
                        .to_string(),
                    r["locations"][0]["physicalLocation"]["region"]["startLine"]
                        .as_u64()
                        .unwrap(),
                )
            })
            .collect();
        p.sort();
        p
    };
    let (a, b) = (prints(&before), prints(&after));
    assert_eq!(a.len(), b.len());
    for (x, y) in a.iter().zip(&b) {
        assert_eq!(x.0, y.0);
        assert_eq!(x.1 + 3, y.1, "the lines did move");
    }
}

#[test]
fn no_arguments_prints_the_help() {
    let d = Dir::new("help");
    let o = d.run(&[]);
    assert_eq!(o.code, 0);
    assert!(o.stdout.contains("Usage: podsec"), "{}", o.stdout);
    let o = d.run(&["scan", "--help"]);
    for v in ["concise", "junit", "github", "markdown", "never"] {
        assert!(o.stdout.contains(v), "scan --help lacks {v}");
    }
    let o = d.run(&["pss", "--help"]);
    assert!(o.stdout.contains("privileged, baseline or restricted"));
}
