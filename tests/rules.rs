//! The rulebook: fixtures, examples, both languages, PSS consistency, docs.

use std::collections::BTreeSet;
use std::path::PathBuf;

use podsec::dockerfile::index::ImageIndex;
use podsec::engine::scan::{Options, scan_dockerfile, scan_file};
use podsec::pss::{Level, Version};
use podsec::rules::{Lang, RULES, Selection, placeholders};

fn all_rules() -> Options {
    Options {
        minor: Version::Latest.minor(),
        selection: Selection {
            select: vec!["ALL".into()],
            ignore: vec![],
        },
        ..Default::default()
    }
}

/// Images the manifest fixtures may run: `web` ends with `USER node`,
/// `api` with `USER 10001`, `tool` never sets USER on a Debian base.
fn test_images() -> ImageIndex {
    let mut index = ImageIndex::default();
    for (path, text) in [
        (
            "web/Dockerfile",
            "FROM node:20-alpine\nWORKDIR /app\nUSER node\n",
        ),
        (
            "api/Dockerfile",
            "FROM golang:1.23 AS build\nRUN go build -o /api\nFROM gcr.io/distroless/static-debian12\nCOPY --from=build /api /api\nUSER 10001\n",
        ),
        ("tool/Dockerfile", "FROM debian:12\nRUN apt-get update\n"),
    ] {
        let f = scan_dockerfile(path, text, &all_rules(), Lang::En);
        index.add_dockerfile(f.built.unwrap());
    }
    index
}

fn is_dockerfile(text: &str) -> bool {
    text.lines()
        .map(str::trim)
        .find(|l| !l.is_empty() && !l.starts_with('#'))
        .is_some_and(|l| {
            let k = l
                .split_whitespace()
                .next()
                .unwrap_or("")
                .to_ascii_uppercase();
            k == "FROM" || k == "ARG"
        })
}

fn codes(text: &str, opts: &Options) -> Vec<&'static str> {
    let f = if is_dockerfile(text) {
        scan_dockerfile("Dockerfile", text, opts, Lang::En)
    } else {
        scan_file("case.yaml", text, opts, Lang::En, &test_images())
    };
    assert!(f.errors.is_empty(), "{:?}\n{text}", f.errors);
    f.diagnostics.iter().map(|d| d.code).collect()
}

fn fixtures_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/rules")
}

/// The documents of a fixture (split on `---` lines), each with its
/// `# expect:` codes (`none` for no finding of the fixture's rule) and an
/// optional `# target: v1.N`.
struct Case {
    text: String,
    expect: Vec<String>,
    target: Version,
    /// The object is invalid (an input error), so nothing is reported.
    error: bool,
}

fn cases(text: &str) -> Vec<Case> {
    let mut out = Vec::new();
    let sep = if is_dockerfile(text) || text.contains("\n#---\n") {
        "\n#---\n"
    } else {
        "\n---\n"
    };
    for chunk in text.split(sep) {
        let mut expect = Vec::new();
        let mut target = Version::Latest;
        let mut error = false;
        for line in chunk.lines() {
            error |= line.starts_with("# error:");
            if let Some(e) = line.strip_prefix("# expect:") {
                expect.extend(e.split_whitespace().map(String::from));
            }
            if let Some(t) = line.strip_prefix("# target:") {
                target = t.trim().parse().unwrap();
            }
        }
        assert!(
            !expect.is_empty(),
            "a fixture case lacks `# expect:`:\n{chunk}"
        );
        out.push(Case {
            text: chunk.to_string(),
            expect,
            target,
            error,
        });
    }
    out
}

/// The same pod as a Deployment and as a CronJob (the template's metadata
/// and spec indented under the controller's pod template).
fn controller_variants(pod: &str) -> Vec<String> {
    if !pod.contains("\nkind: Pod\n") {
        return Vec::new();
    }
    let body: Vec<&str> = pod
        .lines()
        .filter(|l| !l.starts_with("apiVersion:") && !l.starts_with("kind:") && !l.starts_with('#'))
        .collect();
    let indent = |n: usize| {
        body.iter()
            .map(|l| {
                if l.is_empty() {
                    String::new()
                } else {
                    format!("{}{l}\n", " ".repeat(n))
                }
            })
            .collect::<String>()
    };
    vec![
        format!(
            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: wrapped\nspec:\n  selector: {{matchLabels: {{app: x}}}}\n  template:\n{}",
            indent(4)
        ),
        format!(
            "apiVersion: batch/v1\nkind: CronJob\nmetadata:\n  name: wrapped\nspec:\n  schedule: '0 * * * *'\n  jobTemplate:\n    spec:\n      template:\n{}",
            indent(8)
        ),
    ]
}

#[test]
fn every_rule_has_a_fixture_and_every_fixture_holds() {
    let mut missing = Vec::new();
    for rule in RULES {
        let ext = if rule.is_dockerfile() {
            "Dockerfile"
        } else {
            "yaml"
        };
        let path = fixtures_dir().join(format!("{}.{ext}", rule.code));
        let Ok(text) = std::fs::read_to_string(&path) else {
            missing.push(rule.code);
            continue;
        };
        let (mut fired, mut quiet) = (0, 0);
        for case in cases(&text) {
            let opts = Options {
                minor: case.target.minor(),
                ..all_rules()
            };
            let want = case.expect.iter().any(|e| e == rule.code);
            if case.error {
                let f = scan_file(
                    "case.yaml",
                    &case.text,
                    &opts,
                    Lang::En,
                    &ImageIndex::default(),
                );
                assert!(
                    !f.errors.is_empty(),
                    "{}: expected an input error in\n{}",
                    rule.code,
                    case.text
                );
                assert!(f.diagnostics.is_empty());
                continue;
            }
            let mut texts = vec![case.text.clone()];
            texts.extend(controller_variants(&case.text));
            for t in &texts {
                let got = codes(t, &opts);
                assert_eq!(
                    got.contains(&rule.code),
                    want,
                    "{}: expected {} in\n{t}\ngot {got:?}",
                    rule.code,
                    if want { "a finding" } else { "no finding" }
                );
                // Other codes listed in `# expect:` must fire too.
                for e in case
                    .expect
                    .iter()
                    .filter(|e| e.starts_with("PS") || e.starts_with("DKF"))
                {
                    assert!(
                        got.contains(&e.as_str()),
                        "{}: expected {e} in\n{t}\ngot {got:?}",
                        rule.code
                    );
                }
            }
            if want { fired += 1 } else { quiet += 1 }
        }
        assert!(
            fired > 0 && quiet > 0,
            "{}: a fixture needs positive and negative cases",
            rule.code
        );
    }
    assert!(missing.is_empty(), "rules without a fixture: {missing:?}");
}

#[test]
fn examples_trigger_and_use_instead_does_not() {
    for rule in RULES {
        let opts = all_rules();
        let got = codes(rule.example, &opts);
        assert!(
            got.contains(&rule.code),
            "{}: Example does not trigger it: {got:?}",
            rule.code
        );
        let got = codes(rule.use_instead, &opts);
        assert!(
            !got.contains(&rule.code),
            "{}: Use instead triggers it",
            rule.code
        );
    }
}

#[test]
fn codes_and_names_are_unique_sorted_and_well_formed() {
    let codes: Vec<&str> = RULES.iter().map(|r| r.code).collect();
    let mut sorted = codes.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(
        codes, sorted,
        "RULES must be sorted by code, without duplicates"
    );
    let names: BTreeSet<&str> = RULES.iter().map(|r| r.name).collect();
    assert_eq!(names.len(), RULES.len());
    for r in RULES {
        let (prefix, digits) = r.code.split_at(r.code.len() - 3);
        assert!(
            (prefix == "PS" || prefix == "DKF") && digits.bytes().all(|b| b.is_ascii_digit()),
            "{}",
            r.code
        );
        assert_eq!(
            prefix == "DKF",
            r.is_dockerfile(),
            "{}: DKF codes are the Dockerfile rules",
            r.code
        );
        assert!(
            r.name
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'),
            "{}",
            r.name
        );
        assert!(
            !r.name.starts_with("no-"),
            "{}: name the bad pattern",
            r.name
        );
        assert!(!r.references.is_empty(), "{}: references", r.code);
        assert_eq!(
            r.category == podsec::rules::Category::PssBaseline,
            r.pss.is_some_and(|p| p.level == Level::Baseline),
            "{}",
            r.code
        );
        assert_eq!(
            r.category == podsec::rules::Category::PssRestricted,
            r.pss.is_some_and(|p| p.level == Level::Restricted),
            "{}",
            r.code
        );
    }
}

fn hangul(s: &str) -> bool {
    s.chars().any(|c| ('\u{ac00}'..='\u{d7a3}').contains(&c))
}

#[test]
fn every_rule_speaks_english_and_korean() {
    for r in RULES {
        for (lang, t) in [("en", &r.en), ("ko", &r.ko)] {
            for (field, v) in [
                ("title", t.title),
                ("message", t.message),
                ("what", t.what),
                ("why", t.why),
                ("fix", t.fix),
            ] {
                assert!(!v.trim().is_empty(), "{} {lang} {field} is empty", r.code);
                if lang == "ko" {
                    assert!(
                        hangul(v) || field == "title",
                        "{} ko {field} is not Korean: {v}",
                        r.code
                    );
                }
            }
        }
        assert!(
            hangul(r.ko.title) || r.ko.title == r.en.title,
            "{} ko title",
            r.code
        );
        assert_eq!(
            placeholders(r.en.message),
            placeholders(r.ko.message),
            "{}: both messages must use the same placeholders",
            r.code
        );
    }
}

#[test]
fn messages_are_fully_rendered_in_both_languages() {
    for r in RULES {
        for lang in [Lang::En, Lang::Ko] {
            let f = if r.is_dockerfile() {
                scan_dockerfile("Dockerfile", r.example, &all_rules(), lang)
            } else {
                scan_file("x.yaml", r.example, &all_rules(), lang, &test_images())
            };
            for d in f.diagnostics.iter().filter(|d| d.code == r.code) {
                assert!(
                    !d.message.contains('{'),
                    "{} {lang:?}: {}",
                    r.code,
                    d.message
                );
            }
        }
    }
}

/// A PSS rule fires exactly when its level fails, at every version.
fn assert_pss_consistent(name: &str, text: &str) {
    for minor in [0u32, 8, 18, 19, 22, 23, 25, 31, 34, 35, 37] {
        let version = Version::V1(minor);
        let opts = Options {
            minor,
            selection: Selection::default(),
            ..Default::default()
        };
        let f = scan_file(name, text, &opts, Lang::En, &ImageIndex::default());
        let pss =
            podsec::engine::pss_file(name, text, &[Level::Baseline, Level::Restricted], version);
        for w in &pss.workloads {
            let fired = |cats: &[&str]| {
                f.diagnostics.iter().any(|d| {
                    d.kind == w.kind
                        && d.object == w.name
                        && cats.contains(&d.category)
                        && d_in_workload(d, w)
                })
            };
            let baseline_fails = !w.results[0].1.is_empty();
            let restricted_fails = !w.results[1].1.is_empty();
            assert_eq!(
                fired(&["pss-baseline"]),
                baseline_fails,
                "{name} {} v1.{minor} baseline: {:?}",
                w.display_name(),
                w.results[0].1
            );
            assert_eq!(
                fired(&["pss-baseline", "pss-restricted"]),
                restricted_fails || baseline_fails,
                "{name} {} v1.{minor} restricted: {:?}",
                w.display_name(),
                w.results[1].1
            );
        }
    }
}

/// Diagnostics belong to the workload that starts at or before them.
fn d_in_workload(d: &podsec::engine::scan::Diagnostic, w: &podsec::engine::PssOutcome) -> bool {
    d.line >= w.line
}

#[test]
fn pss_rules_agree_with_the_evaluator() {
    for rule in RULES.iter().filter(|r| !r.is_dockerfile()) {
        assert_pss_consistent("example", rule.example);
        assert_pss_consistent("use_instead", rule.use_instead);
        if let Ok(text) =
            std::fs::read_to_string(fixtures_dir().join(format!("{}.yaml", rule.code)))
        {
            for (i, case) in cases(&text).iter().enumerate() {
                assert_pss_consistent(&format!("{}#{i}", rule.code), &case.text);
            }
        }
    }
}

#[test]
fn pss_rules_agree_with_the_evaluator_on_the_corpus() {
    let dir = crate::util::corpus("k8s");
    let mut files = Vec::new();
    fn walk(d: &std::path::Path, out: &mut Vec<PathBuf>) {
        for e in std::fs::read_dir(d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                walk(&p, out);
            } else if p.extension().is_some_and(|x| x == "yaml" || x == "yml") {
                out.push(p);
            }
        }
    }
    walk(&dir, &mut files);
    files.sort();
    for p in files {
        let text = std::fs::read_to_string(&p).unwrap();
        // One workload per document keeps the line-based attribution exact.
        for doc in text.split("\n---") {
            if doc.contains("\nkind: ") || doc.starts_with("kind: ") || doc.contains("\nkind:") {
                assert_pss_consistent(&p.display().to_string(), doc);
            }
        }
    }
}

#[test]
fn rule_docs_are_up_to_date() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("docs/rules");
    let update = std::env::var_os("UPDATE_DOCS").is_some();
    let mut expected = vec![("README.md".to_string(), podsec::docs::index_markdown())];
    for r in RULES {
        expected.push((
            format!("{}.md", r.code),
            podsec::docs::rule_markdown(r, Lang::En),
        ));
        expected.push((
            format!("{}.ko.md", r.code),
            podsec::docs::rule_markdown(r, Lang::Ko),
        ));
    }
    if update {
        std::fs::create_dir_all(&dir).unwrap();
        for (name, text) in &expected {
            std::fs::write(dir.join(name), text).unwrap();
        }
    }
    for (name, text) in &expected {
        let on_disk = std::fs::read_to_string(dir.join(name)).unwrap_or_default();
        assert!(
            on_disk == *text,
            "docs/rules/{name} is out of date: run `UPDATE_DOCS=1 cargo test rule_docs`"
        );
    }
    let files: BTreeSet<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    let want: BTreeSet<String> = expected.iter().map(|(n, _)| n.clone()).collect();
    assert_eq!(files, want, "docs/rules has stray or missing pages");
}

#[test]
fn doc_pages_have_the_required_headings() {
    for r in RULES {
        let md = podsec::docs::rule_markdown(r, Lang::En);
        for h in [
            "## What it does",
            "## Why is this bad?",
            "## Example",
            "Use instead:",
            "## Fix",
            "## References",
        ] {
            assert!(md.contains(h), "{}: missing {h}", r.code);
        }
    }
}

#[test]
fn cve_links_come_from_the_catalog_only() {
    for r in RULES {
        for c in r.cves() {
            assert!(
                podsec::kb::find(c.id).is_some(),
                "{} links unknown {}",
                r.code,
                c.id
            );
        }
    }
    // The headline mappings of the user's notes.
    let ids = |code: &str| {
        podsec::rules::find(code)
            .unwrap()
            .cves()
            .iter()
            .map(|c| c.id)
            .collect::<Vec<_>>()
    };
    assert!(ids("PS123").contains(&"CVE-2023-2431"));
    assert!(ids("PS502").contains(&"CVE-2022-0811"));
    assert!(ids("PS103").contains(&"CVE-2019-5736"));
    assert!(ids("PS102").contains(&"CVE-2021-4034"));
}

/// A Korean particle's form depends on the word before it (가/이, 는/은,
/// 를/을, 로/으로, 와/과, 다/이다), which a placeholder cannot know; so no
/// message may put one right after a placeholder. 에 and 의 never change.
#[test]
fn korean_messages_put_no_variable_particle_after_a_placeholder() {
    const VARIABLE: &[&str] = &[
        "가", "이", "는", "은", "를", "을", "로", "으로", "와", "과", "다", "이다",
    ];
    for r in RULES {
        let m = r.ko.message;
        let mut rest = m;
        while let Some(i) = rest.find('}') {
            let after = &rest[i + 1..];
            let after = after.trim_start_matches(['"', '`', ')']);
            for p in VARIABLE {
                let hit = after.starts_with(p)
                    && after[p.len()..]
                        .chars()
                        .next()
                        .is_none_or(|c| !('\u{ac00}'..='\u{d7a3}').contains(&c) || *p == "이다");
                assert!(
                    !hit,
                    "{}: a particle follows a placeholder in {m:?}",
                    r.code
                );
            }
            rest = &rest[i + 1..];
        }
    }
}
