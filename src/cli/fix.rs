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
    pub fix_into: FixInto,
}

/// Where an overlay's fix is written.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum FixInto {
    Overlay,
    Base,
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
    // Charts and overlays: fields written, findings left, workloads still
    // violating --level.
    let (mut chart_written, mut chart_left, mut chart_failing, mut chart_workloads) =
        (0usize, 0usize, 0usize, 0usize);
    let mut patches = Vec::new();
    for Input {
        name,
        kind,
        bytes,
        stdin,
        opts,
        chart,
        overlay,
    } in &texts
    {
        if *kind != Kind::Manifest {
            continue;
        }
        // A chart or an overlay: fixed through its values or a patch.
        let rendered_fix = match (chart, overlay) {
            (Some(dir), _) => Some((dir, fix_one_chart as RenderedFix)),
            (None, Some(dir)) => Some((dir, fix_one_overlay as RenderedFix)),
            _ => None,
        };
        if let Some((dir, fix)) = rendered_fix {
            let text = String::from_utf8_lossy(bytes);
            match fix(dir, &text, opts, threshold, &index, &args) {
                Ok(c) => {
                    chart_written += c.0;
                    chart_left += c.1;
                    chart_failing += c.2;
                    chart_workloads += c.3;
                }
                Err(e) => {
                    eprintln!("{e}");
                    errors.push(e);
                }
            }
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
    let still_failing: usize =
        reports.iter().map(|r| r.violating.len()).sum::<usize>() + chart_failing;
    let total = total + chart_written;
    let remaining = remaining + chart_left;
    let workloads: usize =
        reports.iter().map(|r| r.outcome.workloads).sum::<usize>() + chart_workloads;
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

/// A chart's or an overlay's fixer: (fields or fixes written, findings
/// left, workloads still violating --level, workloads).
type RenderedFix = fn(
    &Path,
    &str,
    &crate::engine::scan::Options,
    Applicability,
    &crate::dockerfile::index::ImageIndex,
    &Args,
) -> Result<(usize, usize, usize, usize), InputError>;

/// `podsec fix CHART`: the rendered chart is fixed as a manifest, each
/// changed field is written to the values key that builds it, and the
/// values edits are kept only if rendering again gives exactly those
/// fields and no new finding. Returns (fields written, findings left,
/// workloads still violating --level).
fn fix_one_chart(
    dir: &Path,
    rendered: &str,
    opts: &crate::engine::scan::Options,
    threshold: Applicability,
    index: &crate::dockerfile::index::ImageIndex,
    args: &Args,
) -> Result<(usize, usize, usize, usize), InputError> {
    use crate::input::render::ValuesProbe;
    let name = dir.display().to_string();
    let probe = ValuesProbe::new(dir);
    let files: Vec<(String, String)> = probe
        .as_ref()
        .map(|p| p.files().to_vec())
        .unwrap_or_default();
    // Renders with changed values files in their own places: the chart's
    // values.yaml (and changed templates) in a copy of the chart, a changed
    // `-f` file as a temporary file where it was in the list.
    let render =
        |values: &[(String, String)], templates: &[(String, String)]| -> Result<String, String> {
            let shown = |p: &Path| crate::config::relative_to_cwd(&crate::config::absolute(p));
            let own = shown(&dir.join("values.yaml"));
            let mut temps = Vec::new();
            let mut list = Vec::new();
            for (i, f) in crate::input::render::values_files().into_iter().enumerate() {
                match values.iter().find(|(name, _)| *name == shown(&f)) {
                    Some((_, text)) => {
                        let p = std::env::temp_dir()
                            .join(format!("podsec-values-{}-{i}.yaml", std::process::id()));
                        std::fs::write(&p, text).map_err(|e| e.to_string())?;
                        temps.push(p.clone());
                        list.push(p);
                    }
                    None => list.push(f),
                }
            }
            let own_text = values.iter().find(|(name, _)| *name == own).map(|(_, t)| t);
            let scratch = std::env::temp_dir().join(format!("podsec-chart-{}", std::process::id()));
            let copy = scratch.join(dir.file_name().and_then(|n| n.to_str()).unwrap_or("chart"));
            let copied = !templates.is_empty() || own_text.is_some();
            let from = if copied {
                let _ = std::fs::remove_dir_all(&scratch);
                copy_tree(dir, &copy).map_err(|e| e.to_string())?;
                if let Some(t) = own_text {
                    std::fs::write(copy.join("values.yaml"), t).map_err(|e| e.to_string())?;
                }
                for (src, text) in templates {
                    let rel = src.split_once('/').map_or(src.as_str(), |(_, r)| r);
                    std::fs::write(copy.join(rel), text).map_err(|e| e.to_string())?;
                }
                copy.clone()
            } else {
                dir.to_path_buf()
            };
            let r = crate::input::render::helm_template_values(&from, &list);
            for p in &temps {
                let _ = std::fs::remove_file(p);
            }
            if copied {
                let _ = std::fs::remove_dir_all(&scratch);
            }
            r.map_err(|e| e.message)
                .and_then(|b| String::from_utf8(b).map_err(|e| e.to_string()))
        };
    // A template by its `# Source:` path (`chart/templates/x.yaml`).
    let template = |src: &str| -> Option<(String, String)> {
        let rel = src.split_once('/')?.1;
        let p = dir.join(rel);
        let text = std::fs::read_to_string(&p).ok()?;
        Some((p.display().to_string(), text))
    };
    let cf = crate::engine::chart::fix_chart(
        &name,
        rendered,
        probe.as_ref(),
        &files,
        opts,
        threshold,
        index,
        args.lang,
        &render,
        &template,
    );
    for h in &cf.human {
        eprintln!(
            "{name}: needs a human: the template builds {h} (no values key sets it and it is not literal YAML in the template)"
        );
    }
    if let Some(why) = &cf.refused {
        eprintln!("{name}: the values fix was not kept: {why}");
    }
    let mut written = 0;
    if cf.refused.is_none() {
        for (file, key, field) in &cf.written {
            if key.is_empty() {
                eprintln!("{file}: wrote {field} where the template writes its securityContext");
            } else {
                eprintln!("{file}: set {key} (renders {field})");
            }
        }
        let templates_before: Vec<(String, String)> = cf
            .templates
            .iter()
            .filter_map(|(f, _)| std::fs::read_to_string(f).ok().map(|t| (f.clone(), t)))
            .collect();
        for (file, text) in cf.values.iter().chain(&cf.templates) {
            let old = files
                .iter()
                .chain(&templates_before)
                .find(|(f, _)| f == file)
                .map(|(_, t)| t.as_str())
                .unwrap_or("");
            if args.diff {
                print!("{}", unified_diff(file, old, text));
            } else {
                write_atomic(Path::new(file), text).map_err(|e| InputError {
                    file: file.clone(),
                    line: 0,
                    column: 0,
                    message: format!("cannot write: {e}"),
                })?;
            }
        }
        written = cf.written.len();
    }
    // What is left: the chart rendered as it now is (or would be).
    let now = if cf.refused.is_none() && !(cf.values.is_empty() && cf.templates.is_empty()) {
        crate::input::forget_rendered(dir);
        if args.diff {
            let templates: Vec<(String, String)> = Vec::new();
            render(&cf.values, &templates).unwrap_or_else(|_| rendered.to_string())
        } else {
            render(&[], &[]).unwrap_or_else(|_| rendered.to_string())
        }
    } else {
        rendered.to_string()
    };
    let left = crate::engine::scan::scan_file(&name, &now, opts, args.lang, index)
        .diagnostics
        .iter()
        .filter(|d| d.suppressed.is_none() && d.severity >= Severity::Low)
        .count();
    let failing = match args.level {
        Some(level) => violating(&name, &now, level, args.version.unwrap_or(Version::Latest)).len(),
        None => 0,
    };
    let workloads = cf.rendered.as_ref().map_or(0, |o| o.workloads);
    Ok((written, left, failing, workloads))
}

/// `podsec fix OVERLAY`: the rendered overlay is fixed as a manifest and
/// the difference is added to the overlay as strategic-merge patches (one
/// file per workload, listed in its kustomization), kept only if rendering
/// again gives the fixed objects.
fn fix_one_overlay(
    dir: &Path,
    rendered: &str,
    opts: &crate::engine::scan::Options,
    threshold: Applicability,
    index: &crate::dockerfile::index::ImageIndex,
    args: &Args,
) -> Result<(usize, usize, usize, usize), InputError> {
    if args.fix_into == FixInto::Base {
        return fix_overlay_base(dir, rendered, opts, threshold, index, args);
    }
    let name = dir.display().to_string();
    let err = |message: String| InputError {
        file: name.clone(),
        line: 0,
        column: 0,
        message,
    };
    let outcome = fix_text(&name, rendered, opts, threshold, index, args.lang)
        .map_err(|mut e| e.remove(0))?;
    let mut patches = crate::engine::kustomize::patches(&name, rendered, &outcome.text);
    // Kustomize matches a patch to its target before the overlay's own
    // namespace is set: the patch names the object without it.
    patches.retain(|p| !p.name.is_empty());
    for p in patches.iter_mut() {
        if let Some(m) = p.body.get_mut("metadata").and_then(|m| m.as_object_mut()) {
            m.remove("namespace");
        }
    }
    let left_before = || {
        crate::engine::scan::scan_file(&name, rendered, opts, args.lang, index)
            .diagnostics
            .iter()
            .filter(|d| d.suppressed.is_none())
            .count()
    };
    let kfile = crate::input::render::KUSTOMIZATION_FILES
        .iter()
        .map(|f| dir.join(f))
        .find(|p| p.is_file())
        .ok_or_else(|| err("no kustomization file".into()))?;
    let ktext = std::fs::read_to_string(&kfile).map_err(|e| err(format!("cannot read: {e}")))?;
    let mut new_files = Vec::new();
    let mut k = ktext.clone();
    for p in &patches {
        let slug = |s: &str| {
            s.to_ascii_lowercase()
                .replace(|c: char| !c.is_ascii_alphanumeric() && c != '-', "-")
        };
        let file = format!("podsec-{}-{}.yaml", slug(&p.kind), slug(&p.name));
        let body = format!(
            "# Written by podsec fix: hardens {}/{}.\n{}",
            p.kind,
            p.name,
            crate::engine::kustomize::to_yaml(&p.body)
        );
        k = add_patch(&k, &file).map_err(err)?;
        new_files.push((dir.join(&file), body));
    }
    if patches.is_empty() {
        let left = outcome.remaining.len();
        return Ok((0, left, 0, outcome.workloads));
    }
    // Verify in a copy: the overlay with the patches must render the fixed
    // objects.
    let verified = (|| -> Result<(), String> {
        // A sibling of the overlay, so that its relative paths
        // (`../../base`) resolve as from the overlay itself; removed after.
        let parent = dir
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        let probe = parent.join(format!(
            ".podsec-verify-{}-{}",
            std::process::id(),
            dir.file_name()
                .and_then(|n| n.to_str())
                .unwrap_or("overlay")
        ));
        let _ = std::fs::remove_dir_all(&probe);
        copy_tree(dir, &probe).map_err(|e| e.to_string())?;
        std::fs::write(probe.join(kfile.file_name().unwrap_or_default()), &k)
            .map_err(|e| e.to_string())?;
        for (p, body) in &new_files {
            std::fs::write(probe.join(p.file_name().unwrap_or_default()), body)
                .map_err(|e| e.to_string())?;
        }
        let rendered_again = crate::input::render::kustomize(&probe).map(|(b, _)| b);
        let _ = std::fs::remove_dir_all(&probe);
        let again =
            String::from_utf8(rendered_again.map_err(|e| e.message)?).map_err(|e| e.to_string())?;
        let left = crate::engine::chart::changes(&outcome.text, &again);
        let left: Vec<_> = left
            .into_iter()
            .filter(|c| !c.path.starts_with("metadata.annotations"))
            .collect();
        match left.first() {
            None => Ok(()),
            Some(c) => Err(format!(
                "with the patches, {}/{}: {} renders differently from the fix",
                c.kind, c.name, c.path
            )),
        }
    })();
    if let Err(why) = verified {
        eprintln!("{name}: the overlay patches were not kept: {why}");
        return Ok((0, left_before(), 0, outcome.workloads));
    }
    for (p, body) in &new_files {
        eprintln!("{}: patch for the overlay", p.display());
        if args.diff {
            print!("{}", unified_diff(&p.display().to_string(), "", body));
        } else {
            std::fs::write(p, body)
                .map_err(|e| err(format!("cannot write {}: {e}", p.display())))?;
        }
    }
    if args.diff {
        print!("{}", unified_diff(&kfile.display().to_string(), &ktext, &k));
    } else {
        write_atomic(&kfile, &k)
            .map_err(|e| err(format!("cannot write {}: {e}", kfile.display())))?;
    }
    let failing = match args.level {
        Some(level) => violating(
            &name,
            &outcome.text,
            level,
            args.version.unwrap_or(Version::Latest),
        )
        .len(),
        None => 0,
    };
    Ok((
        outcome.applied.len(),
        outcome.remaining.len(),
        failing,
        outcome.workloads,
    ))
}

/// Adds `- path: FILE` to a kustomization's `patches` (creating the list).
fn add_patch(k: &str, file: &str) -> Result<String, String> {
    let stream = crate::source::yaml::parse(k);
    let doc = stream.docs.first().ok_or("the kustomization is empty")?;
    let root = doc.root.ok_or("the kustomization is empty")?;
    let editor = crate::fix::editor::Editor::new(k, doc, false);
    let item = crate::fix::editor::V::map(&[("path", crate::fix::editor::V::str(file))]);
    let edits = match doc.get(root, "patches") {
        Some((_, list)) if matches!(doc.kind(list), crate::source::NodeKind::Seq(_)) => {
            vec![editor.append(list, &item).map_err(|e| e.0.to_string())?]
        }
        _ => editor
            .set(root, "patches", &crate::fix::editor::V::List(vec![item]))
            .map_err(|e| e.0.to_string())?,
    };
    let mut out = k.to_string();
    let mut edits = edits;
    edits.sort_by_key(|e| std::cmp::Reverse(e.start));
    for e in edits {
        out.replace_range(e.start as usize..e.end as usize, &e.text);
    }
    Ok(out)
}

fn copy_tree(from: &Path, to: &Path) -> io::Result<()> {
    std::fs::create_dir_all(to)?;
    for e in std::fs::read_dir(from)? {
        let e = e?;
        let t = to.join(e.file_name());
        if e.file_type()?.is_dir() {
            copy_tree(&e.path(), &t)?;
        } else {
            std::fs::copy(e.path(), &t)?;
        }
    }
    Ok(())
}

/// `fix --fix-into base OVERLAY`: the base files the overlay's objects come
/// from are fixed as manifests, except a file whose fix would set a field an
/// overlay patch sets (the patch would win). The fixed bases are written,
/// the overlay rendered again, and the bases restored unless the rendering
/// has no new finding and fewer findings than before.
fn fix_overlay_base(
    dir: &Path,
    rendered: &str,
    opts: &crate::engine::scan::Options,
    threshold: Applicability,
    index: &crate::dockerfile::index::ImageIndex,
    args: &Args,
) -> Result<(usize, usize, usize, usize), InputError> {
    use crate::input::render::{Locator, patch_files, patch_sets};
    let name = dir.display().to_string();
    let err = |message: String| InputError {
        file: name.clone(),
        line: 0,
        column: 0,
        message,
    };
    let src = crate::input::Source::Kustomize(dir.to_path_buf());
    let bases = Locator::new(&src, rendered)
        .map(|l| l.files())
        .unwrap_or_default();
    let patches: Vec<(PathBuf, String)> = patch_files(dir)
        .into_iter()
        .filter_map(|p| std::fs::read_to_string(&p).ok().map(|t| (p, t)))
        .collect();
    let scan = |text: &str| {
        crate::engine::scan::scan_file(&name, text, opts, args.lang, index).diagnostics
    };
    let before = scan(rendered);
    let workloads =
        crate::engine::scan::scan_file(&name, rendered, opts, args.lang, index).workloads;
    let mut edits: Vec<(String, String, String)> = Vec::new();
    let mut applied = 0;
    for file in &bases {
        let Ok(text) = std::fs::read_to_string(file) else {
            continue;
        };
        let Ok(outcome) = fix_text(file, &text, opts, threshold, index, args.lang) else {
            continue;
        };
        if outcome.applied.is_empty() {
            continue;
        }
        let changed = crate::engine::chart::changes(&text, &outcome.text);
        if let Some((c, p)) = changed.iter().find_map(|c| {
            patches
                .iter()
                .find(|(_, t)| patch_sets(t, &c.kind, &c.path))
                .map(|(p, _)| (c, p))
        }) {
            eprintln!(
                "{file}: not fixed in the base: the overlay's patch {} sets {}/{}: {} (use --fix-into overlay)",
                p.display(),
                c.kind,
                c.name,
                c.path
            );
            continue;
        }
        applied += outcome.applied.len();
        edits.push((file.clone(), text, outcome.text));
    }
    if edits.is_empty() {
        return Ok((0, before.len(), 0, workloads));
    }
    if args.diff {
        for (file, old, new) in &edits {
            print!("{}", unified_diff(file, old, new));
        }
        return Ok((applied, before.len(), 0, workloads));
    }
    for (file, _, new) in &edits {
        write_atomic(Path::new(file), new).map_err(|e| err(format!("cannot write {file}: {e}")))?;
    }
    crate::input::forget_rendered(dir);
    let again = crate::input::render::kustomize(dir)
        .map_err(|e| e.message)
        .and_then(|(b, _)| String::from_utf8(b).map_err(|e| e.to_string()));
    let verdict = again.as_ref().map_err(|e| e.clone()).and_then(|t| {
        let seen: std::collections::HashSet<String> =
            before.iter().map(|d| d.fingerprint()).collect();
        let after = scan(t);
        match after.iter().find(|d| !seen.contains(&d.fingerprint())) {
            Some(d) => Err(format!(
                "the overlay would get a new finding: {} {}",
                d.code, d.message
            )),
            None if after.len() >= before.len() => {
                Err("the overlay's findings did not go down".into())
            }
            None => Ok(after.len()),
        }
    });
    match verdict {
        Ok(left) => {
            for (file, _, _) in &edits {
                eprintln!("{file}: fixed in the base");
            }
            let failing = match (args.level, &again) {
                (Some(level), Ok(t)) => {
                    violating(&name, t, level, args.version.unwrap_or(Version::Latest)).len()
                }
                _ => 0,
            };
            Ok((applied, left, failing, workloads))
        }
        Err(why) => {
            for (file, old, _) in &edits {
                write_atomic(Path::new(file), old)
                    .map_err(|e| err(format!("cannot restore {file}: {e}")))?;
            }
            eprintln!("{name}: the base fixes were not kept (the files are restored): {why}");
            Ok((0, before.len(), 0, workloads))
        }
    }
}
