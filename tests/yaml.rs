//! The loader against go-yaml v2, Kubernetes' YAML reader: the recorded
//! verdicts in tests/fixtures/yaml/verdicts.tsv (how to re-derive them:
//! tests/goyaml/README.md), and a live differential run when go-yaml v2 is
//! installed.

use std::path::{Path, PathBuf};
use std::process::Command;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/yaml")
}

/// Our verdict on a file: `Ok` when every document loads.
fn ours(path: &Path) -> Result<(), String> {
    let bytes = std::fs::read(path).unwrap();
    let text = String::from_utf8(bytes).map_err(|e| e.to_string())?;
    let stream = podsec::source::yaml::parse(&text);
    match stream.errors.first() {
        None => Ok(()),
        Some(e) => Err(format!("{}:{}: {}", e.pos.line, e.pos.col, e.message)),
    }
}

fn recorded() -> Vec<(String, Option<String>)> {
    std::fs::read_to_string(fixtures().join("verdicts.tsv"))
        .unwrap()
        .lines()
        .map(|l| {
            let mut f = l.split('\t');
            let name = f.next().unwrap().to_string();
            let err = match f.next() {
                Some("ok") => None,
                _ => Some(f.next().unwrap_or_default().to_string()),
            };
            (name, err)
        })
        .collect()
}

/// The one known difference, kept visible: go-yaml v2 counts a simple
/// key's 1,024-unit limit in characters, libyaml in bytes, so a key of more
/// than 1,024 bytes but at most 1,024 characters of multibyte text is
/// refused by podsec. No Kubernetes object has such a key (names, labels
/// and annotation keys are at most 317 characters).
const KNOWN_DIFFERENCES: &[&str] = &["long-multibyte-key.yaml"];

fn known(path: &Path) -> bool {
    path.file_name()
        .is_some_and(|n| KNOWN_DIFFERENCES.iter().any(|k| n == *k))
}

#[test]
fn every_recorded_go_yaml_verdict_is_ours() {
    let mut wrong = Vec::new();
    let cases = recorded();
    assert!(cases.len() >= 60);
    for (name, go) in &cases {
        let mine = ours(&fixtures().join(name));
        if (mine.is_ok() != go.is_none()) != known(Path::new(name)) {
            wrong.push(format!("{name}: go-yaml {go:?}, podsec {mine:?}"));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// Every file of a folder, recursively.
fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            files(&p, out);
        } else if p.extension().is_some_and(|x| x == "yaml" || x == "yml") {
            out.push(p);
        }
    }
}

/// Builds tests/goyaml against the system's go-yaml v2 (Debian's
/// golang-go and golang-gopkg-yaml.v2-dev), or says why not.
fn go_yaml() -> Result<PathBuf, String> {
    let gopath = "/usr/share/gocode";
    if !Path::new(gopath)
        .join("src/gopkg.in/yaml.v2/yaml.go")
        .exists()
    {
        return Err(
            "go-yaml v2 is not installed (apt-get install golang-go golang-gopkg-yaml.v2-dev)"
                .into(),
        );
    }
    let out = std::env::temp_dir().join(format!("podsec-goyaml-{}", std::process::id()));
    let status = Command::new("go")
        .args(["build", "-o"])
        .arg(&out)
        .arg(".")
        .current_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/goyaml"))
        .env("GOPATH", gopath)
        .env("GO111MODULE", "off")
        .env("GOCACHE", std::env::temp_dir().join("podsec-gocache"))
        .env("GOFLAGS", "")
        .status()
        .map_err(|e| format!("go: {e}"))?;
    if !status.success() {
        return Err("go build of tests/goyaml failed".into());
    }
    Ok(out)
}

#[test]
fn same_verdicts_as_go_yaml_v2_on_fixtures_and_corpus() {
    let bin = match go_yaml() {
        Ok(b) => b,
        Err(why) => {
            // CI installs go-yaml (.ci/run) and sets this, so there a
            // missing tool fails instead of skipping.
            if std::env::var_os("PODSEC_REQUIRE_GO_YAML").is_some() {
                panic!("{why}");
            }
            eprintln!("skipped: {why}");
            return;
        }
    };
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut all = Vec::new();
    files(&fixtures(), &mut all);
    files(&root.join("tests/corpus"), &mut all);
    files(&root.join("tests/fixtures/rules"), &mut all);
    files(&root.join("tests/fixtures/fix"), &mut all);
    files(&root.join("examples"), &mut all);
    // More folders to compare on (outside the repository, for example):
    // PODSEC_YAML_DIFF_DIRS=dir1:dir2 cargo test same_verdicts
    let extra = std::env::var("PODSEC_YAML_DIFF_DIRS").unwrap_or_default();
    for d in extra.split(':').filter(|d| !d.is_empty()) {
        files(Path::new(d), &mut all);
    }
    let mut wrong = Vec::new();
    for chunk in all.chunks(500) {
        let out = Command::new(&bin).args(chunk).output().unwrap();
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        for (line, path) in text.lines().zip(chunk) {
            let go_ok = line.starts_with("ok ");
            let mine = ours(path);
            if (go_ok != mine.is_ok()) != known(path) {
                wrong.push(format!(
                    "{}: go-yaml `{line}`, podsec {mine:?}",
                    path.display()
                ));
            }
        }
    }
    let _ = std::fs::remove_file(&bin);
    assert!(all.len() > 1000, "{}", all.len());
    assert!(
        wrong.is_empty(),
        "{} differences:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
}
