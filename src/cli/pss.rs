//! `podsec pss`.

use std::io::{self, Write};

use serde_json::{Value as Json, json};

use super::{EXIT_ERROR, EXIT_FINDINGS, Format, stdout, write_json};
use crate::engine::{PssOutcome, pss_file};
use crate::input::InputError;
use crate::input::{each_text, gather, manifest_name, nothing_found};
use crate::pss::{Level, Version, Violation, aggregate};

fn violations_json(v: &[Violation]) -> Json {
    Json::Array(
        v.iter()
            .map(|x| json!({"check": x.check, "reason": x.reason, "detail": x.detail}))
            .collect(),
    )
}

pub fn run(
    level: Option<Level>,
    version: Version,
    format: Format,
    paths: &[String],
    stdin_name: Option<&str>,
) -> io::Result<u8> {
    let levels: Vec<Level> = match level {
        Some(l) => vec![l],
        None => vec![Level::Baseline, Level::Restricted],
    };
    let gathered = gather(paths, manifest_name, stdin_name);
    let (sources, mut errors) = (gathered.sources, gathered.errors);
    for s in &gathered.skipped {
        eprintln!("{s}");
    }
    let mut out = stdout();
    let mut workloads: Vec<PssOutcome> = Vec::new();
    let mut skipped = 0;
    let mut forbidden = 0usize;
    let mut json_rows = Vec::new();
    for e in &errors {
        eprintln!("{e}");
    }
    let mut file_errors = Vec::new();
    each_text(&sources, &mut errors, |name, text| {
        let file = pss_file(name, text, &levels, version);
        for e in &file.errors {
            eprintln!("{e}");
        }
        file_errors.extend(file.errors);
        skipped += file.skipped;
        for w in file.workloads {
            match (level, format) {
                (Some(level), Format::Text) => {
                    let v = &w.results[0].1;
                    if !v.is_empty() {
                        forbidden += 1;
                        writeln!(
                            out,
                            "{}:{}:{}: {}: violates PodSecurity \"{}:{}\": {}",
                            w.file,
                            w.line,
                            w.column,
                            w.display_name(),
                            level,
                            version,
                            aggregate(v)
                        )?;
                    }
                }
                (None, Format::Text) => {
                    let best = strictest(&w);
                    writeln!(
                        out,
                        "{}:{}:{}: {}: {}",
                        w.file,
                        w.line,
                        w.column,
                        w.display_name(),
                        best
                    )?;
                    for (l, v) in &w.results {
                        if !v.is_empty() {
                            writeln!(out, "  {l}: {}", aggregate(v))?;
                        }
                    }
                }
                (Some(_), Format::Json) => {
                    let v = &w.results[0].1;
                    if !v.is_empty() {
                        forbidden += 1;
                    }
                    json_rows.push(json!({
                        "file": w.file, "line": w.line, "column": w.column,
                        "kind": w.kind, "name": w.name, "namespace": w.namespace,
                        "allowed": v.is_empty(),
                        "message": aggregate(v),
                        "violations": violations_json(v),
                    }));
                }
                (None, Format::Json) => {
                    let mut levels = serde_json::Map::new();
                    for (l, v) in &w.results {
                        levels.insert(
                            l.to_string(),
                            json!({"allowed": v.is_empty(), "message": aggregate(v), "violations": violations_json(v)}),
                        );
                    }
                    json_rows.push(json!({
                        "file": w.file, "line": w.line, "column": w.column,
                        "kind": w.kind, "name": w.name, "namespace": w.namespace,
                        "strictest": strictest(&w).as_str(),
                        "levels": levels,
                    }));
                }
            }
            workloads.push(w);
        }
        Ok(())
    })?;
    errors.extend(file_errors);
    let total = workloads.len();
    if format == Format::Json {
        let errors_json: Vec<Json> = errors.iter().map(error_json).collect();
        let mut doc = json!({
            "version": version.to_string(),
            "evaluated_version": format!("v1.{}", version.minor()),
            "workloads": json_rows,
            "errors": errors_json,
        });
        let summary = match level {
            Some(l) => {
                doc["level"] = json!(l.as_str());
                json!({"workloads": total, "allowed": total - forbidden, "forbidden": forbidden, "skipped": skipped, "errors": errors.len()})
            }
            None => {
                let count = |l: Level| workloads.iter().filter(|w| strictest(w) == l).count();
                json!({"workloads": total, "restricted": count(Level::Restricted), "baseline": count(Level::Baseline), "privileged": count(Level::Privileged), "skipped": skipped, "errors": errors.len()})
            }
        };
        doc["summary"] = summary;
        write_json(&mut out, &doc)?;
    }
    out.flush()?;
    let files = sources.len();
    let tail = format!(
        "{files} {}, {skipped} other {} skipped, {} {}",
        if files == 1 { "file" } else { "files" },
        if skipped == 1 { "object" } else { "objects" },
        errors.len(),
        if errors.len() == 1 { "error" } else { "errors" }
    );
    if total == 0 && errors.is_empty() {
        eprintln!("{}", nothing_found("pss", paths, files, "workloads"));
    }
    match level {
        Some(l) => eprintln!(
            "podsec pss: {total} {} checked, {forbidden} violating PodSecurity \"{l}:{version}\" ({tail})",
            if total == 1 { "workload" } else { "workloads" },
        ),
        None => {
            let count = |l: Level| workloads.iter().filter(|w| strictest(w) == l).count();
            eprintln!(
                "podsec pss: {total} {} at {version}: {} restricted, {} baseline, {} privileged ({tail})",
                if total == 1 { "workload" } else { "workloads" },
                count(Level::Restricted),
                count(Level::Baseline),
                count(Level::Privileged),
            );
        }
    }
    Ok(if !errors.is_empty() {
        EXIT_ERROR
    } else if forbidden > 0 {
        EXIT_FINDINGS
    } else {
        0
    })
}

/// The strictest level a workload satisfies. Levels are evaluated
/// independently, as the controller does: a Windows pod at v1.25+ can pass
/// restricted (capabilities are not checked there) while failing baseline.
fn strictest(w: &PssOutcome) -> Level {
    w.results
        .iter()
        .filter(|(_, v)| v.is_empty())
        .map(|(l, _)| *l)
        .max()
        .unwrap_or(Level::Privileged)
}

pub fn error_json(e: &InputError) -> Json {
    json!({"file": e.file, "line": e.line, "column": e.column, "message": e.message})
}
