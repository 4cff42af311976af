//! `podsec fix` (and `podsec scan --fix`).

use std::io::{self, Write};
use std::path::{Path, PathBuf};

use serde_json::{Value as Json, json};

use super::scan::{Input, Loaded, load};
use super::write::write_atomic;
use super::{EXIT_ERROR, EXIT_FINDINGS, Format, stdout, write_json};
use crate::engine::fix::{FixOutcome, fix_text, human_violations, level_selection, unified_diff};
use crate::engine::{for_each_workload, parse_file};
use crate::fix::Applicability;
use crate::input::{InputError, Kind};
use crate::pss::{self, Level, Version};
use crate::rules::{Lang, Selection, Severity};

pub struct Args {
    pub paths: Vec<String>,
    pub unsafe_fixes: bool,
    pub diff: bool,
    pub level: Option<Level>,
    pub version: Option<Version>,
    pub selection: Selection,
    pub lang: Lang,
    pub emit_kustomize: Option<PathBuf>,
    pub stdin_name: Option<String>,
    pub format: Format,
    pub cfg: super::ConfigArgs,
}

/// A workload that still fails `--level` after fixing.
struct Violating {
    line: u32,
    column: u32,
    object: String,
    message: String,
    /// The reasons a person must decide.
    human: Vec<String>,
}

/// What happened to one file, for the text and JSON reports.
struct FileReport {
    file: String,
    written: bool,
    outcome: FixOutcome,
    violating: Vec<Violating>,
    /// The diff (`--diff`) or the fixed text (standard input), with
    /// `--format json`.
    output: Option<String>,
}

/// The words of the text report.
struct Words {
    fixes: &'static str,
    fix: &'static str,
    not_fixed: &'static str,
    container: &'static str,
    still: &'static str,
    human: &'static str,
    needs_unsafe: &'static str,
}

fn words(lang: Lang) -> Words {
    match lang {
        Lang::En => Words {
            fixes: "fixes",
            fix: "fix",
            not_fixed: "not fixed",
            container: "container",
            still: "still violates PodSecurity",
            human: "needs a human decision (podsec does not remove these)",
            needs_unsafe: "needs --unsafe-fixes for",
        },
        Lang::Ko => Words {
            fixes: "건 수정",
            fix: "건 수정",
            not_fixed: "수정하지 않음",
            container: "컨테이너",
            still: "여전히 PodSecurity 위반",
            human: "사람이 정해야 한다 (podsec이 지우지 않는다)",
            needs_unsafe: "--unsafe-fixes가 있어야 하는 수정",
        },
    }
}

/// A fix's title in the report's language: the fix's own title, or in
/// Korean the first sentence of the rule's documented fix.
fn title(a: &crate::engine::fix::Applied, lang: Lang) -> String {
    match (lang, &a.rule.fix) {
        (Lang::Ko, Some(doc)) => doc
            .ko
            .split(". ")
            .next()
            .unwrap_or(doc.ko)
            .trim_end_matches('.')
            .to_string(),
        _ => a.title.clone(),
    }
}

pub fn run(mut args: Args) -> io::Result<u8> {
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
    let mut resolver = match super::scan::Resolver::new(super::scan::Overrides {
        selection,
        exact_selection: args.level.is_some(),
        version: args.version,
        fail_on: None,
        strict: false,
        discovery: args.cfg.discovery(),
        no_ignore: args.cfg.no_ignore,
    }) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("podsec fix: error: {e}");
            return Ok(EXIT_ERROR);
        }
    };
    let threshold = if args.unsafe_fixes {
        Applicability::Unsafe
    } else {
        Applicability::Safe
    };
    if !args.diff && args.emit_kustomize.is_none() {
        super::write::install_handler();
    }
    let json = args.format == Format::Json;
    let w = words(args.lang);
    let Loaded {
        texts,
        index,
        mut errors,
        ..
    } = load(
        &args.paths,
        &mut resolver,
        args.lang,
        args.stdin_name.as_deref(),
    );
    // The version reports name: the command line's, else the first file's
    // configuration's.
    let first = texts.first().map(|t| t.opts.clone());
    args.version = Some(args.version.unwrap_or_else(|| {
        first
            .and_then(|o| o.config.target_version.as_ref().map(|s| s.value))
            .unwrap_or(Version::Latest)
    }));
    let mut out = stdout();
    let mut reports: Vec<FileReport> = Vec::new();
    let mut patches = Vec::new();
    for Input {
        name,
        kind,
        bytes,
        stdin,
        opts,
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
        let version = args.version.unwrap_or(Version::Latest);
        let outcome = match fix_text(name, text, opts, threshold, &index, args.lang) {
            Ok(o) => o,
            Err(errs) => {
                for e in &errs {
                    eprintln!("{e}");
                }
                errors.extend(errs);
                continue;
            }
        };
        let violating = match args.level {
            Some(level) => violating(name, &outcome.text, level, version),
            None => Vec::new(),
        };
        let mut report = FileReport {
            file: name.clone(),
            written: false,
            outcome,
            violating,
            output: None,
        };
        let outcome = &report.outcome;
        // A Kustomize emit copies every manifest, patched or not, so its
        // rendering holds every object the inputs hold.
        if args.emit_kustomize.is_some() {
            patches.push((name.clone(), text.to_string(), outcome.text.clone()));
            report.written = !outcome.applied.is_empty();
        } else if outcome.applied.is_empty() {
            // Standard input is passed through, so `fix - < a > b` always
            // leaves a complete file.
            if *stdin && !args.diff {
                if json {
                    report.output = Some(text.to_string());
                } else {
                    write!(out, "{text}")?;
                }
            }
        } else if args.diff || *stdin {
            let shown = if args.diff {
                unified_diff(name, text, &outcome.text)
            } else {
                crate::input::replace_stdin(outcome.text.clone().into_bytes());
                outcome.text.clone()
            };
            if json {
                report.output = Some(shown);
            } else {
                write!(out, "{shown}")?;
            }
            report.written = true;
        } else if let Err(e) = write_atomic(Path::new(name), &outcome.text) {
            let err = InputError {
                file: name.clone(),
                line: 0,
                column: 0,
                message: format!("cannot write: {e}"),
            };
            eprintln!("{err}");
            errors.push(err);
        } else {
            report.written = true;
        }
        if !json {
            print_file(&report, &args, &w);
        }
        reports.push(report);
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
    // Only fixes that reached their destination are counted.
    let total: usize = reports
        .iter()
        .filter(|r| r.written)
        .map(|r| r.outcome.applied.len())
        .sum();
    let left = |r: &FileReport| {
        r.outcome
            .remaining
            .iter()
            .filter(|d| d.severity >= Severity::Low)
            .count()
    };
    let remaining: usize = reports.iter().map(left).sum();
    let skipped_unsafe: usize = if args.unsafe_fixes {
        0
    } else {
        reports
            .iter()
            .flat_map(|r| &r.outcome.remaining)
            .filter(|d| {
                d.autofix
                    .as_ref()
                    .is_some_and(|f| f.applicability == Applicability::Unsafe)
            })
            .count()
    };
    let still_failing: usize = reports.iter().map(|r| r.violating.len()).sum();
    let workloads: usize = reports.iter().map(|r| r.outcome.workloads).sum();
    if json {
        write_json(
            &mut out,
            &json_report(&reports, &errors, &args, total, remaining, still_failing),
        )?;
    }
    out.flush()?;
    let dockerfiles = texts.iter().filter(|t| t.kind == Kind::Dockerfile).count();
    if workloads == 0 && dockerfiles == 0 && errors.is_empty() {
        eprintln!(
            "{}",
            crate::input::nothing_found("fix", &args.paths, texts.len(), "workloads")
        );
    }
    eprintln!(
        "{}",
        summary(&args, total, remaining, skipped_unsafe, still_failing)
    );
    Ok(if !errors.is_empty() {
        EXIT_ERROR
    } else if (args.level.is_some() && still_failing > 0) || (args.level.is_none() && remaining > 0)
    {
        EXIT_FINDINGS
    } else {
        0
    })
}

fn summary(
    args: &Args,
    total: usize,
    remaining: usize,
    skipped_unsafe: usize,
    still_failing: usize,
) -> String {
    let plural = |n: usize, one: &str, many: &str| {
        if n == 1 {
            format!("{n} {one}")
        } else {
            format!("{n} {many}")
        }
    };
    match args.lang {
        Lang::En => {
            let verb = if args.diff { "would apply" } else { "applied" };
            let mut line = format!(
                "podsec fix: {verb} {}, {} left",
                plural(total, "fix", "fixes"),
                plural(remaining, "finding", "findings")
            );
            if skipped_unsafe > 0 {
                line.push_str(&format!(" ({skipped_unsafe} fixable with --unsafe-fixes)"));
            }
            if let Some(l) = args.level {
                line.push_str(&format!(
                    ", {} still violating {l}:{}",
                    plural(still_failing, "workload", "workloads"),
                    args.version.unwrap_or(Version::Latest)
                ));
            }
            line
        }
        Lang::Ko => {
            let verb = if args.diff { "적용 예정" } else { "적용" };
            let mut line = format!("podsec fix: 수정 {total}건 {verb}, 남은 발견 {remaining}건");
            if skipped_unsafe > 0 {
                line.push_str(&format!(
                    " (--unsafe-fixes로 고칠 수 있는 것 {skipped_unsafe}건)"
                ));
            }
            if let Some(l) = args.level {
                line.push_str(&format!(
                    ", 여전히 {l}:{} 위반인 워크로드 {still_failing}개",
                    args.version.unwrap_or(Version::Latest)
                ));
            }
            line
        }
    }
}

/// The text report of one file, on stderr.
fn print_file(r: &FileReport, args: &Args, w: &Words) {
    let name = &r.file;
    let o = &r.outcome;
    for x in &o.refused {
        eprintln!(
            "{name}:{}: {}: {} {}{}: {}",
            x.line,
            w.not_fixed,
            x.code,
            x.object,
            x.container
                .as_ref()
                .map_or(String::new(), |c| format!(", {} {c:?}", w.container)),
            x.reason
        );
    }
    // Findings whose fix podsec would not build here, and why (a person's
    // decision, an anchor-shared node).
    for d in &o.remaining {
        if let (None, Some(why), Some(_)) = (&d.autofix, d.autofix_unavailable, &d.rule.fix) {
            eprintln!(
                "{name}:{}: {}: {} {}/{}{}: {why}",
                d.line,
                w.not_fixed,
                d.code,
                d.kind,
                d.object,
                d.container
                    .as_ref()
                    .map_or(String::new(), |c| format!(", {} {c:?}", w.container)),
            );
        }
    }
    for v in &r.violating {
        let level = args.level.map_or("", |l| l.as_str());
        eprintln!(
            "{name}:{}:{}: {}: {} \"{level}:{}\": {}",
            v.line,
            v.column,
            v.object,
            w.still,
            args.version.unwrap_or(Version::Latest),
            v.message
        );
        if !v.human.is_empty() {
            eprintln!("  {}: {}", w.human, v.human.join(", "));
        }
    }
    if args.level.is_some() && !args.unsafe_fixes {
        print_unsafe_needed(name, o, w);
    }
    if r.written && !o.applied.is_empty() {
        let n = o.applied.len();
        match args.lang {
            Lang::En => eprintln!("{name}: {n} {}", if n == 1 { w.fix } else { w.fixes }),
            Lang::Ko => eprintln!("{name}: {n}{}", w.fixes),
        }
        for a in &o.applied {
            let c = a
                .container
                .as_ref()
                .map_or(String::new(), |c| format!(", {} {c:?}", w.container));
            eprintln!("  {} {}{c}: {}", a.code, a.object, title(a, args.lang));
        }
    }
}

/// With `--level` but without `--unsafe-fixes`: the unsafe fixes each
/// workload still needs for the level.
fn print_unsafe_needed(name: &str, outcome: &FixOutcome, w: &Words) {
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
        eprintln!("{name}:{line}: {object}: {}:", w.needs_unsafe);
        for f in fixes {
            eprintln!("  {f}");
        }
    }
}

/// After fixing, which workloads still fail the level, and why.
fn violating(name: &str, text: &str, level: Level, version: Version) -> Vec<Violating> {
    let parsed = parse_file(name, text);
    let mut errs = Vec::new();
    let mut out = Vec::new();
    for_each_workload(name, &parsed.docs, &mut errs, |_, w| {
        let Some(pod) = &w.pod else { return };
        let v = pss::evaluate(pod, level, version);
        if v.is_empty() {
            return;
        }
        let baseline = pss::evaluate(pod, Level::Baseline, version);
        let human = human_violations(&v, &baseline, pod.spec.is_windows())
            .iter()
            .map(|x| x.reason.clone())
            .collect();
        out.push(Violating {
            line: w.pos.line,
            column: w.pos.col,
            object: w.display_name(),
            message: pss::aggregate(&v),
            human,
        });
    });
    out
}

/// `podsec fix --format json` (schema in docs/json.md).
fn json_report(
    reports: &[FileReport],
    errors: &[InputError],
    args: &Args,
    total: usize,
    remaining: usize,
    still_failing: usize,
) -> Json {
    let files: Vec<Json> = reports
        .iter()
        .map(|r| {
            let mut f = json!({
                "file": r.file,
                "written": r.written,
                "applied": r.outcome.applied.iter().map(|a| {
                    let mut v = serde_json::to_value(a).unwrap_or(Json::Null);
                    v["title"] = json!(title(a, args.lang));
                    v["rule"] = json!(a.rule.name);
                    v
                }).collect::<Vec<_>>(),
                "refused": r.outcome.refused,
                "findings": r.outcome.remaining,
            });
            if args.level.is_some() {
                f["still_violating"] = Json::Array(
                    r.violating
                        .iter()
                        .map(|v| {
                            json!({"line": v.line, "column": v.column, "object": v.object,
                                   "message": v.message, "needs_a_human": v.human})
                        })
                        .collect(),
                );
            }
            if let Some(o) = &r.output {
                f[if args.diff { "diff" } else { "text" }] = json!(o);
            }
            f
        })
        .collect();
    json!({
        "schema_version": crate::output::json::SCHEMA_VERSION,
        "level": args.level.map(|l| l.as_str()),
        "version": args.version.unwrap_or(Version::Latest).to_string(),
        "unsafe_fixes": args.unsafe_fixes,
        "dry_run": args.diff,
        "files": files,
        "errors": errors,
        "summary": {
            "files": reports.len(),
            "applied": total,
            "refused": reports.iter().map(|r| r.outcome.refused.len()).sum::<usize>(),
            "findings": remaining,
            "still_violating": args.level.map(|_| still_failing),
            "errors": errors.len(),
        },
    })
}
