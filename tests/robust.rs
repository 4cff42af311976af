//! The loader and evaluator never panic, whatever the input.

use podsec::engine::{for_each_workload, parse_file, pss_file};
use podsec::pss::{Level, Version};
use proptest::prelude::*;

fn run_everything(name: &str, text: &str) {
    for v in [Version::V1(0), Version::V1(24), Version::Latest] {
        let _ = pss_file(name, text, &[Level::Baseline, Level::Restricted], v);
    }
    let parsed = parse_file(name, text);
    let mut errors = Vec::new();
    for_each_workload(name, &parsed.docs, &mut errors, |_, w| {
        if let Some(pod) = &w.pod {
            for c in pod.spec.all_containers() {
                let _ = podsec::model::effective::effective(&pod.spec, c).rows();
            }
        }
    });
}

const SEED: &str = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: w, annotations: {a: b}}\nspec:\n  template:\n    metadata: {annotations: {container.apparmor.security.beta.kubernetes.io/a: unconfined}}\n    spec:\n      hostUsers: false\n      os: {name: windows}\n      securityContext: {runAsUser: 0, sysctls: [{name: a.b, value: '1'}], seLinuxOptions: {type: spc_t}}\n      volumes: [{name: v, hostPath: {path: /}}, {name: e}]\n      containers:\n      - name: a\n        ports: [{containerPort: 80, hostPort: 80}]\n        livenessProbe: {httpGet: {host: h, port: 1}}\n        securityContext: {privileged: true, capabilities: {add: [X], drop: [all]}, procMount: Unmasked}\n";

/// Tokens that make up YAML-shaped text, for structured fuzzing.
fn token() -> impl Strategy<Value = &'static str> {
    prop::sample::select(vec![
        "\n",
        "  ",
        "- ",
        ": ",
        "{",
        "}",
        "[",
        "]",
        ", ",
        "---\n",
        "&a ",
        "*a",
        "<<: ",
        "'",
        "\"",
        "kind: Pod\n",
        "kind: List\nitems:\n",
        "spec:\n",
        "containers:\n",
        "securityContext:\n",
        "privileged",
        "true",
        "yes",
        "0",
        "0644",
        "null",
        "~",
        "name",
        "capabilities",
        "add",
        "drop",
        "ALL",
        "volumes",
        "hostPath",
        "ports",
        "hostPort",
        "#c",
        "\t",
        "|\n",
        "!!str ",
        "seccompProfile",
        "type",
        "sysctls",
        "initContainers",
        "ephemeralContainers",
        "template",
        "ü",
        "\u{feff}",
        "\r\n",
    ])
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_text(s in ".{0,300}") {
        run_everything("x.yaml", &s);
        run_everything("x.json", &s);
    }

    #[test]
    fn yaml_shaped_text(tokens in prop::collection::vec(token(), 0..120)) {
        let s: String = tokens.concat();
        run_everything("x.yaml", &s);
    }

    #[test]
    fn mutated_manifest(edits in prop::collection::vec((0usize..SEED.len(), token()), 1..6)) {
        let mut s = SEED.to_string();
        for (at, tok) in edits {
            let mut at = at.min(s.len());
            while !s.is_char_boundary(at) { at -= 1; }
            s.insert_str(at, tok);
        }
        run_everything("x.yaml", &s);
    }
}

#[test]
fn byte_order_marks_keep_positions() {
    for (name, text) in [
        (
            "b.yaml",
            "\u{feff}apiVersion: v1\nkind: Pod\nmetadata: {name: b}\nspec:\n  hostPID: true\n",
        ),
        (
            "b.json",
            "\u{feff}{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"b\"},\"spec\":{\"hostPID\":true}}",
        ),
    ] {
        let opts = podsec::engine::scan::Options {
            minor: 37,
            selection: podsec::rules::Selection {
                select: vec!["PS302".into()],
                ignore: vec![],
            },
            ..Default::default()
        };
        let f = podsec::engine::scan::scan_file(
            name,
            text,
            &opts,
            podsec::rules::Lang::En,
            &Default::default(),
        );
        assert!(f.errors.is_empty(), "{name}: {:?}", f.errors);
        let d = &f.diagnostics[0];
        assert_eq!(
            d.source_line
                .chars()
                .skip(d.column as usize - 1)
                .take((d.end_column - d.column) as usize)
                .collect::<String>(),
            "true",
            "{name}"
        );
    }
}

#[test]
fn hostile_inputs() {
    let deep = "a:\n".to_string() + &"  [".repeat(5000);
    run_everything("deep.yaml", &deep);
    run_everything("deep.json", &"[".repeat(200_000));
    let mut bomb = String::from("a: &a [x,x,x,x,x,x,x,x,x,x]\n");
    for i in 0..9 {
        let p = if i == 0 {
            "a".to_string()
        } else {
            format!("l{}", i - 1)
        };
        bomb.push_str(&format!(
            "l{i}: &l{i} [*{p},*{p},*{p},*{p},*{p},*{p},*{p},*{p},*{p},*{p}]\n"
        ));
    }
    run_everything("bomb.yaml", &bomb);
    // Containers shared through aliases are fine (and evaluated once each).
    let shared = "kind: Pod\nmetadata: {name: p}\nspec:\n  containers: &c [{name: a, securityContext: &s {privileged: true}}]\n  initContainers: *c\n";
    let f = pss_file("s.yaml", shared, &[Level::Baseline], Version::Latest);
    assert_eq!(
        podsec::pss::aggregate(&f.workloads[0].results[0].1),
        "privileged (containers \"a\", \"a\" must not set securityContext.privileged=true)"
    );
    let long_line = format!("kind: Pod\nmetadata: {{name: {}}}\n", "x".repeat(1 << 20));
    run_everything("long.yaml", &long_line);
}

fn dockerfile_token() -> impl Strategy<Value = &'static str> {
    prop::sample::select(vec![
        "FROM ",
        "AS ",
        "USER ",
        "RUN ",
        "COPY ",
        "ARG ",
        "ENV ",
        "\n",
        " ",
        "\\\n",
        "`\n",
        "# escape=`\n",
        "<<EOF",
        "<<-\"X\"",
        "EOF\n",
        "X\n",
        "--chown=",
        "--from=",
        "[\"a\", \"b\"]",
        "$A",
        "${A:-b}",
        "${",
        "}",
        "useradd -u 10001 app",
        "adduser -D app",
        "&&",
        ";",
        "'",
        "\"",
        "#",
        "root",
        "0:0",
        "node:20-alpine",
        "ü",
        "\r\n",
        "\t",
    ])
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn dockerfile_parser_never_panics(tokens in prop::collection::vec(dockerfile_token(), 0..80), raw in ".{0,200}") {
        for text in [tokens.concat(), raw] {
            let df = podsec::dockerfile::parse(&text);
            let _ = podsec::dockerfile::user::analyze(&df);
            for i in &df.instructions {
                // Every span lies inside the text, on character boundaries.
                for sp in [i.span, i.keyword_span, i.args_span] {
                    prop_assert!(sp.start <= sp.end && sp.end as usize <= text.len());
                    prop_assert!(text.is_char_boundary(sp.start as usize) && text.is_char_boundary(sp.end as usize));
                }
            }
            let opts = podsec::engine::scan::Options { minor: 37, selection: podsec::rules::Selection { select: vec!["ALL".into()], ignore: vec![] }, ..Default::default() };
            let _ = podsec::engine::scan::scan_dockerfile("Dockerfile", &text, &opts, podsec::rules::Lang::En);
        }
    }
}
