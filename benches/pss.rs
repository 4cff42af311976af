//! `cargo bench --bench pss`: `podsec pss --level restricted` throughput
//! against a parse-only baseline (libyaml events, the same parser,
//! the same texts), on one thread.
//!
//! The input is every corpus file (tests/corpus/k8s) that holds at
//! least one workload, repeated until there are at least 10,000 workload
//! documents.

use std::time::{Duration, Instant};

use podsec::engine::pss_file;
use podsec::pss::{Level, Version};

fn corpus_files(dir: &std::path::Path, out: &mut Vec<(String, String)>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .expect("corpus directory")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            corpus_files(&p, out);
        } else if p.extension().is_some_and(|e| e == "yaml" || e == "yml")
            && let Ok(text) = std::fs::read_to_string(&p)
        {
            out.push((p.display().to_string(), text));
        }
    }
}

fn best_of<T>(runs: usize, mut f: impl FnMut() -> T) -> (Duration, T) {
    let mut best = Duration::MAX;
    let mut last = None;
    for _ in 0..runs {
        let t = Instant::now();
        let v = f();
        best = best.min(t.elapsed());
        last = Some(v);
    }
    (best, last.unwrap())
}

fn main() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus/k8s");
    let mut files = Vec::new();
    corpus_files(&dir, &mut files);
    let with_workloads: Vec<(String, String, usize)> = files
        .into_iter()
        .filter_map(|(name, text)| {
            let n = pss_file(&name, &text, &[Level::Restricted], Version::Latest)
                .workloads
                .len();
            (n > 0).then_some((name, text, n))
        })
        .collect();
    let per_round: usize = with_workloads.iter().map(|f| f.2).sum();
    let rounds = 10_000usize.div_ceil(per_round.max(1));
    let inputs: Vec<&(String, String, usize)> =
        (0..rounds).flat_map(|_| with_workloads.iter()).collect();
    let bytes: usize = inputs.iter().map(|f| f.1.len()).sum();
    let workloads = per_round * rounds;

    let parse_only = || {
        let mut events = 0usize;
        for f in &inputs {
            events += podsec::source::yaml::pull_events(&f.1);
        }
        events
    };
    let full_run = || {
        let mut forbidden = 0usize;
        for f in &inputs {
            let r = pss_file(&f.0, &f.1, &[Level::Restricted], Version::Latest);
            forbidden += r
                .workloads
                .iter()
                .filter(|w| !w.results[0].1.is_empty())
                .count();
        }
        forbidden
    };
    // Interleaved, best of each: drift in machine load hits both alike.
    let (mut parse, mut full) = (Duration::MAX, Duration::MAX);
    let (mut events, mut forbidden) = (0, 0);
    for _ in 0..7 {
        let (t, e) = best_of(1, parse_only);
        parse = parse.min(t);
        events = e;
        let (t, f) = best_of(1, full_run);
        full = full.min(t);
        forbidden = f;
    }
    let mb = bytes as f64 / 1e6;
    println!(
        "input: {} files ({} distinct), {workloads} workloads, {mb:.1} MB, {events} parser events",
        inputs.len(),
        with_workloads.len()
    );
    println!(
        "parse only (libyaml events): {:>8.1} ms  {:>7.1} MB/s  {:>9.0} workloads/s",
        parse.as_secs_f64() * 1e3,
        mb / parse.as_secs_f64(),
        workloads as f64 / parse.as_secs_f64()
    );
    println!(
        "pss --level restricted:            {:>8.1} ms  {:>7.1} MB/s  {:>9.0} workloads/s  ({forbidden} forbidden)",
        full.as_secs_f64() * 1e3,
        mb / full.as_secs_f64(),
        workloads as f64 / full.as_secs_f64()
    );
    println!(
        "ratio full / parse-only: {:.2}x (target: within 1.5x)",
        full.as_secs_f64() / parse.as_secs_f64()
    );
}
