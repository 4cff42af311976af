//! `podsec fix` (and `podsec scan --fix`).

use std::io::{self, Write};
use std::path::{Path, PathBuf};

use super::write::write_atomic;

use super::scan::{Loaded, load};
use super::{EXIT_ERROR, EXIT_FINDINGS, stdout};
use crate::engine::fix::{FixOutcome, fix_text, human_violations, level_selection, unified_diff};
use crate::engine::scan::Options;
use crate::engine::{for_each_workload, parse_file};
use crate::fix::Applicability;
use crate::input::InputError;
use crate::input::Kind;
use crate::pss::{self, Level, Version};
use crate::rules::{Lang, Selection, Severity};

pub struct Args {
    pub paths: Vec<String>,
    pub unsafe_fixes: bool,
    pub diff: bool,
    pub level: Option<Level>,
    pub version: Version,
    pub selection: Selection,
    pub lang: Lang,
    pub emit_kustomize: Option<PathBuf>,
    pub stdin_name: Option<String>,
}

pub fn run(args: Args) -> io::Result<u8> {
    let selection = match args.level {
        Some(l) => level_selection(l),
        None => args.selection.clone(),
    };
    let unknown = selection.unknown();
    if !unknown.is_empty() {
        eprintln!(
            "podsec fix: error: no rule, code prefix or category matches {}",
            unknown.join(", ")
        );
        return Ok(EXIT_ERROR);
    }
    let opts = Options {
        minor: args.version.minor(),
        selection,
    };
    let threshold = if args.unsafe_fixes {
        Applicability::Unsafe
    } else {
        Applicability::Safe
    };
    if !args.diff && args.emit_kustomize.is_none() {
        super::write::install_handler();
    }
    let Loaded {
        texts,
        index,
        mut errors,
        ..
    } = load(&args.paths, &opts, args.lang, args.stdin_name.as_deref());
    for e in &errors {
        eprintln!("{e}");
    }
    let mut out = stdout();
    let mut total = 0;
    let mut workloads = 0;
    let mut remaining = 0;
    let mut still_failing = 0;
    let mut skipped_unsafe = 0;
    let mut patches = Vec::new();
    for super::scan::Input {
        name,
        kind,
        bytes,
        stdin,
    } in &texts
    {
        if *kind != Kind::Manifest {
            continue;
        }
        let text = match crate::input::decode_text(name, bytes) {
            Ok(t) => t,
            Err(e) => {
                eprintln!("{e}");
                errors.push(e);
                continue;
            }
        };
        let outcome = match fix_text(name, text, &opts, threshold, &index, args.lang) {
            Ok(o) => o,
            Err(errs) => {
                for e in &errs {
                    eprintln!("{e}");
                }
                errors.extend(errs);
                continue;
            }
        };
        for r in &outcome.refused {
            eprintln!(
                "{name}:{}: not fixed: {} {}{}: {}",
                r.line,
                r.code,
                r.object,
                r.container
                    .as_ref()
                    .map_or(String::new(), |c| format!(", container {c:?}")),
                r.reason
            );
        }
        remaining += outcome
            .remaining
            .iter()
            .filter(|d| d.severity >= Severity::Low)
            .count();
        skipped_unsafe += outcome
            .remaining
            .iter()
            .filter(|d| {
                d.autofix
                    .as_ref()
                    .is_some_and(|f| f.applicability == Applicability::Unsafe)
                    && !args.unsafe_fixes
            })
            .count();
        if let Some(level) = args.level {
            still_failing += report_level(name, &outcome, level, args.version);
            if !args.unsafe_fixes {
                report_unsafe_needed(name, &outcome);
            }
        }
        workloads += outcome.workloads;
        // A Kustomize emit copies every manifest, patched or not, so its
        // rendering holds every object the inputs hold.
        if outcome.applied.is_empty() && args.emit_kustomize.is_some() {
            patches.push((name.clone(), text.to_string(), outcome.text.clone()));
            continue;
        }
        if outcome.applied.is_empty() {
            // Standard input is passed through, so `fix - < a > b` always
            // leaves a complete file.
            if *stdin && !args.diff && args.emit_kustomize.is_none() {
                write!(out, "{text}")?;
            }
            continue;
        }
        let written = if args.emit_kustomize.is_some() {
            patches.push((name.clone(), text.to_string(), outcome.text.clone()));
            true
        } else if args.diff {
            write!(out, "{}", unified_diff(name, text, &outcome.text))?;
            true
        } else if *stdin {
            write!(out, "{}", outcome.text)?;
            crate::input::replace_stdin(outcome.text.clone().into_bytes());
            true
        } else if let Err(e) = write_atomic(Path::new(name), &outcome.text) {
            let err = InputError {
                file: name.clone(),
                line: 0,
                column: 0,
                message: format!("cannot write: {e}"),
            };
            eprintln!("{err}");
            errors.push(err);
            false
        } else {
            true
        };
        // Only fixes that reached their destination are counted.
        if written {
            report_applied(name, &outcome);
            total += outcome.applied.len();
        }
    }
    if let Some(dir) = &args.emit_kustomize {
        match super::kustomize::emit(dir, &patches) {
            Ok(n) => eprintln!(
                "podsec fix: wrote {n} patches and kustomization.yaml to {}",
                dir.display()
            ),
            Err(e) => {
                eprintln!("podsec fix: error: cannot write {}: {e}", dir.display());
                return Ok(EXIT_ERROR);
            }
        }
    }
    out.flush()?;
    let dockerfiles = texts.iter().filter(|t| t.kind == Kind::Dockerfile).count();
    if workloads == 0 && dockerfiles == 0 && errors.is_empty() {
        eprintln!(
            "{}",
            crate::input::nothing_found("fix", &args.paths, texts.len(), "workloads")
        );
    }
    let verb = if args.diff { "would apply" } else { "applied" };
    let mut line = format!(
        "podsec fix: {verb} {total} {}",
        if total == 1 { "fix" } else { "fixes" }
    );
    line.push_str(&format!(
        ", {remaining} {} left",
        if remaining == 1 {
            "finding"
        } else {
            "findings"
        }
    ));
    if skipped_unsafe > 0 {
        line.push_str(&format!(" ({skipped_unsafe} fixable with --unsafe-fixes)"));
    }
    if let Some(l) = args.level {
        line.push_str(&format!(
            ", {still_failing} {} still violating {l}:{}",
            if still_failing == 1 {
                "workload"
            } else {
                "workloads"
            },
            args.version
        ));
    }
    eprintln!("{line}");
    Ok(if !errors.is_empty() {
        EXIT_ERROR
    } else if (args.level.is_some() && still_failing > 0) || (args.level.is_none() && remaining > 0)
    {
        EXIT_FINDINGS
    } else {
        0
    })
}

fn report_applied(name: &str, outcome: &FixOutcome) {
    eprintln!(
        "{name}: {} {}",
        outcome.applied.len(),
        if outcome.applied.len() == 1 {
            "fix"
        } else {
            "fixes"
        }
    );
    for a in &outcome.applied {
        eprintln!("  {} {}: {}", a.code, a.object, a.title);
    }
}

/// With `--level` but without `--unsafe-fixes`: the unsafe fixes each
/// workload still needs for the level.
fn report_unsafe_needed(name: &str, outcome: &FixOutcome) {
    // Per workload (first line it was seen at), its fixes in order.
    let mut by_object: Vec<(String, u32, Vec<String>)> = Vec::new();
    for d in &outcome.remaining {
        let Some(f) = d
            .autofix
            .as_ref()
            .filter(|f| f.applicability == Applicability::Unsafe)
        else {
            continue;
        };
        let object = format!("{}/{}", d.kind, d.object);
        let fix = format!("{} {}", d.code, f.title);
        match by_object.iter_mut().find(|(o, _, _)| *o == object) {
            Some((_, _, fixes)) if !fixes.contains(&fix) => fixes.push(fix),
            Some(_) => {}
            None => by_object.push((object, d.line, vec![fix])),
        }
    }
    for (object, line, fixes) in by_object {
        eprintln!("{name}:{line}: {object}: needs --unsafe-fixes for:");
        for f in fixes {
            eprintln!("  {f}");
        }
    }
}

/// After fixing, which workloads still fail the level, and why.
fn report_level(name: &str, outcome: &FixOutcome, level: Level, version: Version) -> usize {
    let parsed = parse_file(name, &outcome.text);
    let mut errs = Vec::new();
    let mut failing = 0;
    for_each_workload(name, &parsed.docs, &mut errs, |_, w| {
        let Some(pod) = &w.pod else { return };
        let v = pss::evaluate(pod, level, version);
        if v.is_empty() {
            return;
        }
        failing += 1;
        eprintln!(
            "{name}:{}:{}: {}: still violates PodSecurity \"{level}:{version}\": {}",
            w.pos.line,
            w.pos.col,
            w.display_name(),
            pss::aggregate(&v)
        );
        let baseline = pss::evaluate(pod, Level::Baseline, version);
        let human: Vec<&str> = human_violations(&v, &baseline, pod.spec.is_windows())
            .iter()
            .map(|x| x.reason.as_str())
            .collect();
        if !human.is_empty() {
            eprintln!(
                "  needs a human decision (podsec does not remove these): {}",
                human.join(", ")
            );
        }
    });
    failing
}
