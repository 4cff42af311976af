//! `podsec pss`.

use std::io::{self, Write};

use serde_json::{Value as Json, json};

use super::par::Chunk;
use super::{EXIT_ERROR, EXIT_FINDINGS, Format, stdout, write_json_item};
use crate::engine::PssOutcome;
use crate::engine::pss::pss_each_in;
use crate::input::InputError;
use crate::input::{decode_text, manifest_name, nothing_found};
use crate::pss::{Level, Version, Violation, aggregate};

fn violations_json(v: &[Violation]) -> Json {
    Json::Array(
        v.iter()
            .map(|x| json!({"check": x.check, "reason": x.reason, "detail": x.detail}))
            .collect(),
    )
}

/// What one file adds to the totals.
#[derive(Default)]
struct Tally {
    workloads: usize,
    forbidden: usize,
    /// Workloads whose strictest level is privileged, baseline, restricted.
    strictest: [usize; 3],
    skipped: usize,
    /// Workloads (or their pods) their namespace's enforce mode rejects.
    denied: usize,
    errors: Vec<InputError>,
}

fn level_index(l: Level) -> usize {
    match l {
        Level::Privileged => 0,
        Level::Baseline => 1,
        Level::Restricted => 2,
    }
}

/// One workload's report: a text line (or lines), or a JSON row.
fn render(
    out: &mut Chunk<'_, '_>,
    w: &PssOutcome,
    level: Option<Level>,
    version: Version,
    format: Format,
    scratch: &mut Vec<u8>,
) -> io::Result<()> {
    match (level, format) {
        (Some(level), Format::Text) => {
            let v = &w.results[0].1;
            if !v.is_empty() {
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
            writeln!(
                out,
                "{}:{}:{}: {}: {}",
                w.file,
                w.line,
                w.column,
                w.display_name(),
                strictest(w)
            )?;
            for (l, v) in &w.results {
                if !v.is_empty() {
                    writeln!(out, "  {l}: {}", aggregate(v))?;
                }
            }
            if let Some(a) = &w.admission {
                for e in &a.errors {
                    writeln!(out, "  namespace {}: {e}", a.namespace)?;
                }
                for m in &a.modes {
                    let what = match (&m.message, m.mode) {
                        (Some(msg), "enforce") => format!("denied: {msg}"),
                        (Some(msg), _) => msg.clone(),
                        (None, "warn") if !m.violations.is_empty() => {
                            "no warning (enforce rejects the request)".into()
                        }
                        (None, _) => "allowed".into(),
                    };
                    writeln!(
                        out,
                        "  namespace {}: {} {}: {what}",
                        a.namespace, m.mode, m.policy
                    )?;
                }
            }
        }
        (Some(_), Format::Json) => {
            let v = &w.results[0].1;
            let row = json!({
                "file": w.file, "line": w.line, "column": w.column,
                "kind": w.kind, "name": w.name, "namespace": w.namespace,
                "allowed": v.is_empty(),
                "message": aggregate(v),
                "violations": violations_json(v),
            });
            out.item(b',');
            write_json_item(out, &row, "    ", scratch)?;
        }
        (None, Format::Json) => {
            let mut levels = serde_json::Map::new();
            for (l, v) in &w.results {
                levels.insert(
                    l.to_string(),
                    json!({"allowed": v.is_empty(), "message": aggregate(v), "violations": violations_json(v)}),
                );
            }
            let mut row = json!({
                "file": w.file, "line": w.line, "column": w.column,
                "kind": w.kind, "name": w.name, "namespace": w.namespace,
                "strictest": strictest(w).as_str(),
                "levels": levels,
            });
            if let Some(a) = &w.admission {
                let mut modes = serde_json::Map::new();
                for m in &a.modes {
                    modes.insert(
                        m.mode.to_string(),
                        json!({
                            "policy": m.policy.to_string(),
                            "allowed": m.violations.is_empty(),
                            "message": m.message,
                            "violations": violations_json(&m.violations),
                        }),
                    );
                }
                row["admission"] = json!({
                    "namespace": a.namespace,
                    "modes": modes,
                    "label_errors": a.errors,
                });
            }
            out.item(b',');
            write_json_item(out, &row, "    ", scratch)?;
        }
    }
    Ok(())
}

pub struct Args<'a> {
    pub level: Option<Level>,
    pub version: Option<Version>,
    pub format: Format,
    pub paths: &'a [String],
    pub stdin_name: Option<&'a str>,
    pub threads: usize,
    pub discovery: crate::config::Discovery,
    pub no_ignore: bool,
}

pub fn run(args: Args<'_>) -> io::Result<u8> {
    let Args {
        level,
        version,
        format,
        paths,
        stdin_name,
        threads,
        ..
    } = args;
    // The level and version a podsec.toml sets are those of the first
    // path's configuration (one report has one level).
    let mut configs = crate::config::Configs::new(args.discovery.clone());
    let first = paths
        .iter()
        .find(|p| *p != "-")
        .map(std::path::PathBuf::from);
    let base = configs.for_path(first.as_deref(), first.as_ref().is_some_and(|p| p.is_dir()));
    let level = level.or(base.level.as_ref().map(|s| s.value));
    let version = version
        .or(base.target_version.as_ref().map(|s| s.value))
        .unwrap_or(Version::Latest);
    let levels: Vec<Level> = match level {
        Some(l) => vec![l],
        None => vec![Level::Baseline, Level::Restricted],
    };
    let gathered = crate::input::gather_filtered(
        paths,
        manifest_name,
        stdin_name,
        &mut crate::input::Filters {
            configs: &mut configs,
            gitignore: !args.no_ignore,
        },
    );
    let (sources, mut errors) = (gathered.sources, gathered.errors);
    errors.append(&mut configs.errors);
    for s in &gathered.skipped {
        eprintln!("{s}");
    }
    for e in &errors {
        eprintln!("{e}");
    }
    let mut out = stdout();
    if format == Format::Json {
        // Streamed: the rows come as the files are read.
        write!(
            out,
            "{{\n  \"version\": {},\n  \"evaluated_version\": \"v1.{}\",",
            Json::from(version.to_string()),
            version.minor()
        )?;
        if let Some(l) = level {
            write!(out, "\n  \"level\": \"{}\",", l.as_str())?;
        }
        write!(out, "\n  \"workloads\": [")?;
    }
    // Namespaces first: a workload's namespace may be in another file.
    let namespaces = if level.is_none() {
        super::scan::collect_namespaces(sources.len(), threads, |i| {
            // A pipe (`<(cat a.yaml)`) can be read only once: the pass
            // that evaluates it is the one that reads it.
            let src = &sources[i];
            let again = match src {
                crate::input::Source::Stdin(_)
                | crate::input::Source::Chart(_)
                | crate::input::Source::Kustomize(_) => true,
                crate::input::Source::File(p) => std::fs::metadata(p).is_ok_and(|m| m.is_file()),
            };
            again
                .then(|| src.read().ok().map(|b| (src.name(), b)))
                .flatten()
        })
    } else {
        Default::default()
    };
    let mut err = io::stderr();
    let tallies = super::par::run(
        sources.len(),
        threads,
        vec![&mut out],
        &mut err,
        |i, chunk| {
            let mut t = Tally::default();
            let src = &sources[i];
            let name = src.name();
            let bytes = match src.read() {
                Ok(b) => b,
                Err(e) => {
                    let _ = writeln!(chunk.err, "{e}");
                    t.errors.push(e);
                    return t;
                }
            };
            let text = match decode_text(&name, &bytes) {
                Ok(text) => text,
                Err(e) => {
                    let _ = writeln!(chunk.err, "{e}");
                    t.errors.push(e);
                    return t;
                }
            };
            let mut scratch = Vec::new();
            // A chart's or an overlay's workloads are reported at their
            // template or base file.
            let mut locator = crate::input::render::Locator::new(src, text);
            let (file_errors, skipped) =
                pss_each_in(&name, text, &levels, version, &namespaces, |mut w| {
                    if let Some(at) = locator
                        .as_mut()
                        .and_then(|l| l.locate(w.line, &w.kind, &w.name, None, ""))
                    {
                        w.file = at.file;
                        w.line = at.line;
                        w.column = at.column;
                    }
                    t.workloads += 1;
                    let s = strictest(&w);
                    t.strictest[level_index(s)] += 1;
                    if level.is_some() && !w.results[0].1.is_empty() {
                        t.forbidden += 1;
                    }
                    if w.admission.as_ref().is_some_and(|a| a.denied()) {
                        t.denied += 1;
                    }
                    // A chunk buffers in memory: writing to it cannot fail.
                    let _ = render(chunk, &w, level, version, format, &mut scratch);
                });
            for e in &file_errors {
                let _ = writeln!(chunk.err, "{e}");
            }
            t.errors = file_errors;
            t.skipped = skipped;
            t
        },
    )?;
    let mut total = Tally::default();
    for t in tallies {
        total.workloads += t.workloads;
        total.forbidden += t.forbidden;
        total.skipped += t.skipped;
        total.denied += t.denied;
        for i in 0..3 {
            total.strictest[i] += t.strictest[i];
        }
        errors.extend(t.errors);
    }
    let (workloads, forbidden, skipped) = (total.workloads, total.forbidden, total.skipped);
    // Without --level, a workload its namespace's enforce mode rejects
    // fails the run.
    let forbidden = forbidden + total.denied;
    let count = |l: Level| total.strictest[level_index(l)];
    if format == Format::Json {
        let errors_json: Vec<Json> = errors.iter().map(error_json).collect();
        let summary = match level {
            Some(_) => {
                json!({"workloads": workloads, "allowed": workloads - forbidden, "forbidden": forbidden, "skipped": skipped, "errors": errors.len()})
            }
            None => {
                json!({"workloads": workloads, "restricted": count(Level::Restricted), "baseline": count(Level::Baseline), "privileged": count(Level::Privileged), "denied_by_namespace": total.denied, "skipped": skipped, "errors": errors.len()})
            }
        };
        let mut scratch = Vec::new();
        write!(
            out,
            "{}],\n  \"errors\": [",
            if workloads > 0 { "\n  " } else { "" }
        )?;
        for (i, e) in errors_json.iter().enumerate() {
            if i > 0 {
                out.write_all(b",")?;
            }
            write_json_item(&mut out, e, "    ", &mut scratch)?;
        }
        write!(
            out,
            "{}],\n  \"summary\": ",
            if errors_json.is_empty() { "" } else { "\n  " }
        )?;
        scratch.clear();
        serde_json::to_writer_pretty(&mut scratch, &summary)?;
        out.write_all(
            &String::from_utf8_lossy(&scratch)
                .replace('\n', "\n  ")
                .into_bytes(),
        )?;
        writeln!(out, "\n}}")?;
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
    if workloads == 0 && errors.is_empty() {
        eprintln!("{}", nothing_found("pss", paths, files, "workloads"));
    }
    match level {
        Some(l) => eprintln!(
            "podsec pss: {workloads} {} checked, {forbidden} violating PodSecurity \"{l}:{version}\" ({tail})",
            if workloads == 1 {
                "workload"
            } else {
                "workloads"
            },
        ),
        None => {
            let denied = if namespaces.is_empty() {
                String::new()
            } else {
                format!(
                    "; {} denied by their namespace's enforce label",
                    total.denied
                )
            };
            eprintln!(
                "podsec pss: {workloads} {} at {version}: {} restricted, {} baseline, {} privileged{denied} ({tail})",
                if workloads == 1 {
                    "workload"
                } else {
                    "workloads"
                },
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
