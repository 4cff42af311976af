//! `podsec scan`.

use std::io::{self, IsTerminal, Write};

use super::{EXIT_ERROR, EXIT_FINDINGS, FormatSpec, ScanFormat, stdout, write_json_item};
use crate::dockerfile::index::{ImageIndex, from_compose, from_podsec_toml, from_skaffold};
use crate::engine::scan::{Diagnostic, Options, ScanFile, scan_dockerfile, scan_each_listing};
use crate::input::{
    InputError, Kind, Source, classify, gather, manifest_name, nothing_found, scan_name,
};
use crate::output::{concise, github, json, junit, markdown, sarif, text};
use crate::pss::Version;
use crate::rules::{Check, Lang, Rule, Selection, Severity};

pub struct Args {
    pub paths: Vec<String>,
    pub formats: Vec<FormatSpec>,
    /// Where the format without `=FILE` goes instead of stdout.
    pub output: Option<std::path::PathBuf>,
    pub selection: Selection,
    pub version: Version,
    pub lang: Lang,
    /// `None`: findings never fail the run.
    pub fail_on: Option<Severity>,
    pub color: ColorChoice,
    pub stdin_name: Option<String>,
    /// Print the report on stderr (stdout already holds the fixed text).
    pub report_to_stderr: bool,
    pub threads: usize,
}

#[derive(Clone, Copy, clap::ValueEnum, PartialEq, Eq)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

/// Where one report goes, wrapped as its format needs.
enum Sink {
    Plain(Box<dyn Write + Send>),
    Github(github::Limit<Box<dyn Write + Send>>),
    /// Markdown needs its totals first: details are collected (under the
    /// comment-size budget) and written at the end.
    Markdown(Box<dyn Write + Send>, markdown::Details),
}

impl Sink {
    fn writer(&mut self) -> &mut (dyn Write + Send) {
        match self {
            Sink::Plain(w) => w,
            Sink::Github(w) => w,
            Sink::Markdown(_, d) => d,
        }
    }
}

/// Opens the destination of every format; at most one is standard output.
fn open_outputs(args: &Args) -> Result<Vec<(ScanFormat, Sink, bool)>, String> {
    let to_stdout = args.formats.iter().filter(|f| f.path.is_none()).count();
    if to_stdout > 1 {
        return Err(
            "only one format can go to standard output; give the others a file (--format sarif=podsec.sarif)"
                .into(),
        );
    }
    let mut outs = Vec::new();
    for spec in &args.formats {
        let path = spec.path.as_ref().or(args.output.as_ref());
        let (w, terminal): (Box<dyn Write + Send>, bool) = match path {
            Some(p) => {
                let f = std::fs::File::create(p)
                    .map_err(|e| format!("cannot write {}: {e}", p.display()))?;
                (Box::new(io::BufWriter::with_capacity(64 * 1024, f)), false)
            }
            None if args.report_to_stderr => (Box::new(io::BufWriter::new(io::stderr())), false),
            None => (Box::new(stdout()), io::stdout().is_terminal()),
        };
        let sink = match spec.format {
            ScanFormat::Github => Sink::Github(github::Limit::new(w)),
            ScanFormat::Markdown => Sink::Markdown(w, markdown::Details::default()),
            _ => Sink::Plain(w),
        };
        outs.push((spec.format, sink, terminal));
    }
    Ok(outs)
}

/// What one file adds to the totals.
#[derive(Default)]
struct Tally {
    /// Findings per severity, in `Severity::ALL` order.
    by_severity: [usize; 5],
    failing: usize,
    workloads: usize,
    errors: Vec<InputError>,
}

fn severity_index(s: Severity) -> usize {
    Severity::ALL.iter().position(|x| *x == s).unwrap_or(0)
}

pub fn run(args: Args) -> io::Result<u8> {
    let unknown = args.selection.unknown();
    if !unknown.is_empty() {
        eprintln!(
            "podsec scan: error: no rule, code prefix or category matches {}",
            unknown.join(", ")
        );
        return Ok(EXIT_ERROR);
    }
    let mut outs = match open_outputs(&args) {
        Ok(o) => o,
        Err(e) => {
            eprintln!("podsec scan: error: {e}");
            return Ok(EXIT_ERROR);
        }
    };
    let color_allowed = match args.color {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()),
    };
    let opts = Options {
        minor: args.version.minor(),
        selection: args.selection.clone(),
        ..Default::default()
    };
    let Prepared {
        items,
        index,
        mut errors,
        files,
    } = prepare(&args.paths, &opts, args.lang, args.stdin_name.as_deref());
    let dockerfiles = items.iter().filter(|t| t.kind == Kind::Dockerfile).count();
    let rules = crate::engine::scan::enabled_rules(&opts.selection);
    let workload_rules: Vec<&'static Rule> = rules
        .iter()
        .copied()
        .filter(|r| matches!(r.check, Check::Workload(_)))
        .collect();
    let dockerfile_rules: Vec<&'static Rule> = rules
        .iter()
        .copied()
        .filter(|r| matches!(r.check, Check::Dockerfile(_)))
        .collect();
    // Heads first; JSON and SARIF are streamed: each finding as it is
    // found, then what is only known at the end.
    for (format, sink, _) in outs.iter_mut() {
        let mut w = sink.writer();
        let w = &mut w;
        match format {
            ScanFormat::Json => write!(
                w,
                "{{\n  \"schema_version\": {},\n  \"target_version\": {},\n  \"findings\": [",
                json::SCHEMA_VERSION,
                serde_json::Value::from(args.version.to_string())
            )?,
            ScanFormat::Sarif => sarif::write_head(w, &rules, args.lang)?,
            ScanFormat::Junit => junit::write_head(w)?,
            _ => {}
        }
    }
    let formats: Vec<(ScanFormat, text::Style)> = outs
        .iter()
        .map(|(f, _, terminal)| {
            (
                *f,
                text::Style {
                    color: color_allowed && (*terminal || args.color == ColorChoice::Always),
                },
            )
        })
        .collect();
    let per_file = formats
        .iter()
        .any(|(f, _)| matches!(f, ScanFormat::Junit | ScanFormat::Markdown));
    let (lang, fail_on) = (args.lang, args.fail_on);
    let mut err = io::stderr();
    let writers: Vec<&mut (dyn Write + Send)> =
        outs.iter_mut().map(|(_, s, _)| s.writer()).collect();
    let tallies = super::par::run(items.len(), args.threads, writers, &mut err, |i, chunk| {
        let mut t = Tally::default();
        let item = &items[i];
        let mut scratch = Vec::new();
        let mut kept: Vec<Diagnostic> = Vec::new();
        let mut emit = |d: Diagnostic, chunk: &mut super::par::Chunk<'_, '_>| {
            t.by_severity[severity_index(d.severity)] += 1;
            if fail_on.is_some_and(|f| d.severity >= f) {
                t.failing += 1;
            }
            for (k, (format, style)) in formats.iter().enumerate() {
                chunk.select(k);
                // A chunk buffers in memory: writing to it cannot fail.
                let _ = match format {
                    ScanFormat::Text => text::render(chunk, &d, *style, lang),
                    ScanFormat::Concise => concise::render(chunk, &d),
                    ScanFormat::Github => github::render(chunk, &d),
                    ScanFormat::Json => {
                        chunk.item(b',');
                        write_json_item(chunk, &d, "    ", &mut scratch)
                    }
                    ScanFormat::Sarif => {
                        chunk.item(b',');
                        write_json_item(chunk, &sarif::result(&d, &rules), "        ", &mut scratch)
                    }
                    ScanFormat::Junit | ScanFormat::Markdown => Ok(()),
                };
            }
            if per_file {
                kept.push(d);
            }
        };
        let (file_errors, objects, file_rules) = match &item.done {
            Some(file) => {
                file.diagnostics.iter().for_each(|d| emit(d.clone(), chunk));
                let objects = file
                    .built
                    .as_ref()
                    .map(|b| crate::engine::scan::ObjectRef {
                        kind: "Dockerfile".into(),
                        name: b.analysis.root_base.clone(),
                        namespace: String::new(),
                        line: 1,
                    })
                    .or_else(|| {
                        file.diagnostics
                            .first()
                            .map(|d| crate::engine::scan::ObjectRef {
                                kind: d.kind.clone(),
                                name: d.object.clone(),
                                namespace: String::new(),
                                line: 1,
                            })
                    })
                    .into_iter()
                    .collect();
                (file.errors.clone(), objects, &dockerfile_rules)
            }
            None => match item.read().and_then(|bytes| {
                crate::input::decode_text(&item.name, &bytes)?;
                Ok(bytes)
            }) {
                Err(e) => (vec![e], Vec::new(), &workload_rules),
                Ok(bytes) => {
                    let text = std::str::from_utf8(&bytes).unwrap_or_default();
                    let stats =
                        scan_each_listing(&item.name, text, &opts, lang, &index, per_file, |d| {
                            emit(d, chunk)
                        });
                    t.workloads = stats.workloads;
                    (stats.errors, stats.objects, &workload_rules)
                }
            },
        };
        for (k, (format, _)) in formats.iter().enumerate() {
            chunk.select(k);
            let _ = match format {
                ScanFormat::Junit => {
                    junit::testsuite(chunk, &item.name, &objects, file_rules, &kept, &file_errors)
                }
                ScanFormat::Markdown => markdown::file_section(chunk, &item.name, &kept),
                _ => Ok(()),
            };
        }
        for e in &file_errors {
            let _ = writeln!(chunk.err, "{e}");
        }
        t.errors = file_errors;
        t
    })?;
    let mut by_severity = [0usize; 5];
    let mut failing = 0;
    let mut workloads = 0;
    let mut per_file_counts = Vec::new();
    for (t, item) in tallies.into_iter().zip(&items) {
        for (a, b) in by_severity.iter_mut().zip(t.by_severity) {
            *a += b;
        }
        per_file_counts.push((item.name.clone(), t.by_severity));
        failing += t.failing;
        workloads += t.workloads;
        errors.extend(t.errors);
    }
    let findings: usize = by_severity.iter().sum();
    for (format, sink, _) in outs.iter_mut() {
        match (&*format, &mut *sink) {
            (ScanFormat::Json, s) => json::write_tail(
                &mut s.writer(),
                findings,
                &by_severity,
                &errors,
                files,
                workloads,
            )?,
            (ScanFormat::Sarif, s) => {
                sarif::write_tail(&mut s.writer(), findings, &errors)?;
                if findings > sarif::GITHUB_MAX_RESULTS {
                    eprintln!(
                        "podsec scan: warning: the SARIF report has {findings} results; GitHub code scanning keeps only {} per run (narrow it with --select or --fail-on)",
                        sarif::GITHUB_MAX_RESULTS
                    );
                }
            }
            (ScanFormat::Junit, s) => junit::write_tail(&mut s.writer())?,
            (_, Sink::Github(w)) => w.summary()?,
            (_, Sink::Markdown(w, details)) => markdown::write_report(
                w,
                &per_file_counts,
                files,
                workloads,
                errors.len(),
                details,
            )?,
            _ => {}
        }
        match sink {
            Sink::Plain(w) | Sink::Markdown(w, _) => w.flush()?,
            Sink::Github(w) => w.flush()?,
        }
    }
    let summary = summary(&by_severity, files, workloads, errors.len(), args.lang);
    if workloads == 0 && dockerfiles == 0 && errors.is_empty() {
        eprintln!(
            "{}",
            nothing_found("scan", &args.paths, files, "workloads or Dockerfiles")
        );
    }
    eprintln!("{summary}");
    Ok(if !errors.is_empty() {
        EXIT_ERROR
    } else if failing > 0 {
        EXIT_FINDINGS
    } else {
        0
    })
}

fn summary(
    by_severity: &[usize; 5],
    files: usize,
    workloads: usize,
    errors: usize,
    lang: Lang,
) -> String {
    let by: Vec<String> = Severity::ALL
        .iter()
        .rev()
        .filter_map(|s| {
            let n = by_severity[severity_index(*s)];
            (n > 0).then(|| format!("{n} {}", s.as_str()))
        })
        .collect();
    let by = if by.is_empty() {
        String::new()
    } else {
        format!(" ({})", by.join(", "))
    };
    let total: usize = by_severity.iter().sum();
    match lang {
        Lang::En => format!(
            "podsec scan: {} {}{by} in {workloads} {} across {files} {}, {errors} {}",
            total,
            if total == 1 { "finding" } else { "findings" },
            if workloads == 1 {
                "workload"
            } else {
                "workloads"
            },
            if files == 1 { "file" } else { "files" },
            if errors == 1 { "error" } else { "errors" },
        ),
        Lang::Ko => format!(
            "podsec scan: 파일 {files}개, 워크로드 {workloads}개에서 발견 {total}건{by}, 오류 {errors}건"
        ),
    }
}

/// Everything read for a fix or an inspection: the files, and the image
/// index built from their Dockerfiles and mapping files.
pub struct Loaded {
    pub texts: Vec<Input>,
    pub index: ImageIndex,
    pub errors: Vec<InputError>,
}

/// Reads every file (see `prepare`).
pub fn load(paths: &[String], opts: &Options, lang: Lang, stdin_name: Option<&str>) -> Loaded {
    let p = prepare(paths, opts, lang, stdin_name);
    let mut errors = p.errors;
    let mut texts = Vec::new();
    for item in p.items {
        match item.read() {
            Ok(bytes) => texts.push(Input {
                name: item.name,
                kind: item.kind,
                bytes,
                stdin: item.source.is_stdin(),
            }),
            Err(e) => {
                eprintln!("{e}");
                errors.push(e);
            }
        }
    }
    Loaded {
        texts,
        index: p.index,
        errors,
    }
}

/// The inputs of a scan, after the first pass.
pub struct Prepared {
    pub items: Vec<Item>,
    pub index: ImageIndex,
    pub errors: Vec<InputError>,
    pub files: usize,
}

/// One input. Manifests named as such are read when they are scanned, so a
/// scan never holds more than the files in flight.
pub struct Item {
    pub name: String,
    pub kind: Kind,
    pub source: Source,
    /// The bytes, when the first pass had to read them to tell the kind.
    bytes: Option<Vec<u8>>,
    /// A Dockerfile's results (the first pass scans Dockerfiles).
    pub done: Option<ScanFile>,
}

impl Item {
    pub fn read(&self) -> Result<Vec<u8>, InputError> {
        match &self.bytes {
            Some(b) => Ok(b.clone()),
            None => self.source.read(),
        }
    }
}

/// The first pass: Dockerfiles and mapping files feed the image index that
/// the manifests' cross-checks use, so they are read (and Dockerfiles
/// scanned) before any manifest.
pub fn prepare(paths: &[String], opts: &Options, lang: Lang, stdin_name: Option<&str>) -> Prepared {
    let gathered = gather(paths, scan_name, stdin_name);
    let mut errors = gathered.errors;
    for e in &errors {
        eprintln!("{e}");
    }
    for s in &gathered.skipped {
        eprintln!("{s}");
    }
    let files = gathered.sources.len();
    let mut index = ImageIndex::default();
    let mut items = Vec::new();
    for source in gathered.sources {
        let name = source.name();
        let base = name.rsplit('/').next().unwrap_or(&name).to_string();
        let mapping = base.starts_with("skaffold.") || base.contains("compose.");
        if !source.is_stdin() && manifest_name(&base) && !mapping {
            items.push(Item {
                name,
                kind: Kind::Manifest,
                source,
                bytes: None,
                done: None,
            });
            continue;
        }
        let bytes = match source.read() {
            Ok(b) => b,
            Err(e) => {
                eprintln!("{e}");
                errors.push(e);
                continue;
            }
        };
        let kind = classify(&name, &bytes);
        let mut item = Item {
            name,
            kind,
            source,
            bytes: None,
            done: None,
        };
        let text = match crate::input::decode_text(&item.name, &bytes) {
            Ok(t) => t,
            Err(e) => {
                // Manifests report their own decoding errors when scanned.
                if kind != Kind::Manifest {
                    errors.push(e);
                    continue;
                }
                item.bytes = Some(bytes);
                items.push(item);
                continue;
            }
        };
        match kind {
            Kind::Dockerfile => {
                let mut file = scan_dockerfile(&item.name, text, opts, lang);
                if let Some(b) = file.built.take() {
                    index.add_dockerfile(b);
                }
                item.done = Some(file);
            }
            Kind::PodsecToml => match from_podsec_toml(&item.name, text) {
                Ok(pairs) => pairs
                    .iter()
                    .for_each(|(img, df)| index.add_mapping(img, df)),
                Err(e) => errors.push(InputError {
                    file: item.name.clone(),
                    line: 0,
                    column: 0,
                    message: format!("invalid podsec.toml: {}", e.lines().next().unwrap_or("")),
                }),
            },
            Kind::Manifest => {
                if base.starts_with("skaffold.") {
                    from_skaffold(&item.name, text)
                        .iter()
                        .for_each(|(img, df)| index.add_mapping(img, df));
                } else if base.contains("compose.") {
                    from_compose(&item.name, text)
                        .iter()
                        .for_each(|(img, df)| index.add_mapping(img, df));
                }
            }
        }
        if kind != Kind::PodsecToml {
            if kind == Kind::Manifest {
                item.bytes = Some(bytes);
            }
            items.push(item);
        }
    }
    Prepared {
        items,
        index,
        errors,
        files,
    }
}

/// One input read for a fix or an inspection.
pub struct Input {
    pub name: String,
    pub kind: Kind,
    pub bytes: Vec<u8>,
    /// Read from standard input: a fix is printed, not written.
    pub stdin: bool,
}
