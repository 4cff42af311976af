//! The parse-only floor of the benchmarks: one thread reads the same files
//! podsec would (walking directories, sorted) and pulls every event out of
//! the same YAML parser (libyaml), building nothing. `bench/run.sh` runs
//! it as a whole process beside `podsec`, so both pay the same start-up,
//! walking and reading.
//!
//! Usage: floor PATH...

use std::path::Path;

fn walk(p: &Path, out: &mut Vec<std::path::PathBuf>) {
    if p.is_dir() {
        let mut entries: Vec<_> = std::fs::read_dir(p)
            .map(|r| r.filter_map(|e| e.ok().map(|e| e.path())).collect())
            .unwrap_or_default();
        entries.sort();
        for e in entries {
            walk(&e, out);
        }
    } else if p
        .extension()
        .is_some_and(|e| e == "yaml" || e == "yml" || e == "json")
    {
        out.push(p.to_path_buf());
    }
}

fn main() {
    let mut files = Vec::new();
    for a in std::env::args().skip(1) {
        walk(Path::new(&a), &mut files);
    }
    let (mut events, mut bytes) = (0usize, 0usize);
    for f in &files {
        if let Ok(text) = std::fs::read_to_string(f) {
            bytes += text.len();
            events += podsec::source::yaml::pull_events(&text);
        }
    }
    println!("{} files, {bytes} bytes, {events} events", files.len());
}
