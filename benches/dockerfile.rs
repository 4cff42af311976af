//! `cargo bench --bench dockerfile`: `podsec scan` of every Dockerfile in
//! tests/corpus/dockerfiles (parse, analyse, run all Dockerfile
//! rules), per file, on one thread.

use std::time::{Duration, Instant};

use podsec::engine::scan::{Options, scan_dockerfile};
use podsec::rules::{Lang, Selection};

fn main() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus/dockerfiles");
    let mut files = Vec::new();
    for sub in std::fs::read_dir(&dir).expect("corpus").flatten() {
        if sub.path().is_dir() {
            for f in std::fs::read_dir(sub.path()).expect("corpus").flatten() {
                files.push((
                    f.path().display().to_string(),
                    std::fs::read_to_string(f.path()).expect("text"),
                ));
            }
        }
    }
    files.sort();
    let opts = Options {
        minor: 37,
        selection: Selection::default(),
        ..Default::default()
    };
    let bytes: usize = files.iter().map(|f| f.1.len()).sum();
    let rounds = 200;
    let mut best = Duration::MAX;
    let mut findings = 0;
    for _ in 0..5 {
        let t = Instant::now();
        findings = 0;
        for _ in 0..rounds {
            for (name, text) in &files {
                findings += scan_dockerfile(name, text, &opts, Lang::En)
                    .diagnostics
                    .len();
            }
        }
        best = best.min(t.elapsed());
    }
    let per_file = best.as_secs_f64() / (rounds * files.len()) as f64;
    println!(
        "{} Dockerfiles ({:.1} KB), {} findings per pass",
        files.len(),
        bytes as f64 / 1e3,
        findings / rounds
    );
    println!(
        "scan: {:.1} µs per file, {:.0} files/s, {:.1} MB/s",
        per_file * 1e6,
        1.0 / per_file,
        (bytes * rounds) as f64 / 1e6 / best.as_secs_f64()
    );
}
