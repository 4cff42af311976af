//! `podsec scan`.

use std::io::{self, IsTerminal, Write};

use super::{EXIT_ERROR, EXIT_FINDINGS, FormatSpec, ScanFormat, stdout, write_json_item};
use std::sync::Arc;

use crate::config::{Config, Configs, Date, Discovery};
use crate::dockerfile::index::{ImageIndex, from_compose, from_skaffold};
use crate::engine::scan::{Diagnostic, Options, ScanFile, scan_dockerfile, scan_each_listing};
use crate::input::{InputError, Kind, Source, classify, manifest_name, nothing_found, scan_name};
use crate::output::{concise, github, json, junit, markdown, sarif, text};
use crate::pss::Version;
use crate::pss::namespace::{NamespacePolicy, Namespaces};
use crate::rules::{Check, Lang, Rule, Selection, Severity};

pub struct Args {
    pub paths: Vec<String>,
    pub formats: Vec<FormatSpec>,
    /// Where the format without `=FILE` goes instead of stdout.
    pub output: Option<std::path::PathBuf>,
    /// Selection, version, exit threshold, `--strict`, configuration.
    pub over: Overrides,
    pub lang: Lang,
    pub color: ColorChoice,
    /// `--baseline FILE`: findings recorded there are not reported.
    pub baseline: Option<std::path::PathBuf>,
    /// `baseline create -o FILE`: record the findings there instead of
    /// reporting them.
    pub baseline_out: Option<std::path::PathBuf>,
    /// Report suppressed findings too, marked.
    pub show_suppressed: bool,
    /// Keep suppressed findings in SARIF, with `suppressions`.
    pub sarif_include_suppressed: bool,
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
    suppressed: usize,
    /// Findings written to each JSON or SARIF output.
    written: Vec<usize>,
    /// For `baseline create`.
    recorded: Vec<crate::config::baseline::Entry>,
}

fn severity_index(s: Severity) -> usize {
    Severity::ALL.iter().position(|x| *x == s).unwrap_or(0)
}

/// Moves a finding on rendered output to the template, base or patch it
/// comes from; the rendered place becomes a note.
fn remap(d: &mut Diagnostic, loc: &mut crate::input::render::Locator) {
    let Some(mut at) = loc.locate(d.line, &d.kind, &d.object, d.container.as_deref(), &d.path)
    else {
        return;
    };
    let rendered = format!("rendered at {}:{}:{}", d.file, d.line, d.column);
    let template = format!("{}:{}", at.file, at.line);
    let what = match &at.values {
        Some(v) => format!(
            "set by the values key `{}`; template {template}; {rendered}",
            v.key
        ),
        None if at.exact => rendered.clone(),
        None => format!(
            "{rendered}; the template builds this field (no values key does), so this is the object's first line"
        ),
    };
    d.rendered = Some(crate::engine::scan::Rendered {
        output: rendered,
        template: (at.values.is_some() || !at.exact).then_some(template),
        values: at.values.clone(),
    });
    let mut key_len = None;
    if let Some(v) = at.values.take() {
        key_len = v.key.rsplit('.').next().map(|k| k.chars().count() as u32);
        at.file = v.file;
        at.line = v.line;
        at.column = v.column;
        at.exact = true;
    }
    d.note = Some(match d.note.take() {
        Some(n) => format!("{n}; {what}"),
        None => what,
    });
    if let Some(text) = loc.line(&at.file, at.line) {
        d.source_line = text;
    }
    let len = d.end_column.saturating_sub(d.column);
    d.file = at.file;
    d.line = at.line;
    d.column = at.column;
    d.end_line = at.line;
    d.end_column = match key_len {
        Some(n) => at.column + n,
        None if at.exact => at.column + len.max(1),
        None => at.column,
    };
    d.autofix = None;
    d.autofix_unavailable =
        Some("the finding is on rendered output: fix the chart or overlay it comes from");
}

/// SARIF reports GitHub code scanning accepts: 10 MB once gzipped.
const GITHUB_MAX_SARIF_GZIP: u64 = 10 * 1000 * 1000;

fn gzipped_size(path: &std::path::Path) -> io::Result<u64> {
    struct Count(u64);
    impl Write for Count {
        fn write(&mut self, b: &[u8]) -> io::Result<usize> {
            self.0 += b.len() as u64;
            Ok(b.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }
    let mut enc = flate2::write::GzEncoder::new(Count(0), flate2::Compression::default());
    io::copy(&mut std::fs::File::open(path)?, &mut enc)?;
    Ok(enc.finish()?.0)
}

/// The PS904 findings of the configurations' expired exemptions.
fn expired_exemptions(configs: &Configs, today: Date, lang: Lang, opts: &Options) -> Vec<Item> {
    let mut out = Vec::new();
    for cfg in &configs.all {
        let Some(path) = &cfg.file else { continue };
        let name = path.display().to_string();
        let text = std::fs::read_to_string(path).unwrap_or_default();
        let diagnostics: Vec<Diagnostic> = cfg
            .expired(today)
            .filter_map(|e| crate::engine::suppress::expired_exemption(&name, &text, e, opts, lang))
            .collect();
        if diagnostics.is_empty() {
            continue;
        }
        out.push(Item {
            name,
            kind: Kind::PodsecToml,
            source: Source::File(path.clone()),
            bytes: None,
            done: Some(ScanFile {
                diagnostics,
                built: None,
                errors: Vec::new(),
                workloads: 0,
                skipped: 0,
            }),
            opts: Arc::new(opts.clone()),
            fail_on: Some(Severity::Low),
        });
    }
    out
}

pub fn run(args: Args) -> io::Result<u8> {
    let unknown = args.over.selection.unknown();
    if !unknown.is_empty() {
        eprintln!(
            "podsec scan: error: no rule, code prefix or category matches {}",
            unknown.join(", ")
        );
        return Ok(EXIT_ERROR);
    }
    let mut resolver = match Resolver::new(args.over.clone()) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("podsec scan: error: {e}");
            return Ok(EXIT_ERROR);
        }
    };
    let baseline = match &args.baseline {
        None => None,
        Some(p) => match std::fs::read_to_string(p)
            .map_err(|e| e.to_string())
            .and_then(|t| crate::config::baseline::Baseline::parse(&t))
        {
            Ok(b) => Some(b),
            Err(e) => {
                eprintln!("{}: error: {e}", p.display());
                return Ok(EXIT_ERROR);
            }
        },
    };
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
    let Prepared {
        mut items,
        index,
        mut errors,
        files,
    } = prepare(
        &args.paths,
        &mut resolver,
        args.lang,
        args.stdin_name.as_deref(),
    );
    if resolver.all_options().next().is_none() {
        // Nothing was read: the options of the current directory.
        resolver.for_file(None);
    }
    let base_opts = resolver.for_file(None).0;
    items.extend(expired_exemptions(
        &resolver.configs,
        resolver.today(),
        args.lang,
        &base_opts,
    ));
    let dockerfiles = items.iter().filter(|t| t.kind == Kind::Dockerfile).count();
    // Every rule some file runs, for the SARIF rule table.
    let mut rules: Vec<&'static Rule> = Vec::new();
    for o in resolver.all_options() {
        for r in crate::engine::scan::enabled_rules(&o.selection) {
            if !rules.iter().any(|x| x.code == r.code) {
                rules.push(r);
            }
        }
    }
    rules.sort_by_key(|r| crate::rules::RULES.iter().position(|x| x.code == r.code));
    // Heads first; JSON and SARIF are streamed: each finding as it is
    // found, then what is only known at the end.
    let version = args.over.version.unwrap_or_else(|| {
        base_opts
            .config
            .target_version
            .as_ref()
            .map_or(Version::Latest, |s| s.value)
    });
    for (format, sink, _) in outs.iter_mut() {
        let mut w = sink.writer();
        let w = &mut w;
        match format {
            ScanFormat::Json => write!(
                w,
                "{{\n  \"schema_version\": {},\n  \"target_version\": {},\n  \"findings\": [",
                json::SCHEMA_VERSION,
                serde_json::Value::from(version.to_string())
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
    let lang = args.lang;
    let (show, sarif_show) = (
        args.show_suppressed,
        args.show_suppressed || args.sarif_include_suppressed,
    );
    let recording = args.baseline_out.is_some();
    let baseline = baseline.as_ref();
    let mut err = io::stderr();
    let writers: Vec<&mut (dyn Write + Send)> =
        outs.iter_mut().map(|(_, s, _)| s.writer()).collect();
    let tallies = super::par::run(items.len(), args.threads, writers, &mut err, |i, chunk| {
        let mut t = Tally {
            written: vec![0; formats.len()],
            ..Tally::default()
        };
        let item = &items[i];
        let fail_on = item.fail_on;
        let mut scratch = Vec::new();
        let mut kept: Vec<Diagnostic> = Vec::new();
        // For a chart or an overlay: the files the user owns.
        let locator: std::cell::RefCell<Option<crate::input::render::Locator>> =
            std::cell::RefCell::new(None);
        let mut emit = |mut d: Diagnostic, chunk: &mut super::par::Chunk<'_, '_>| {
            if let Some(loc) = locator.borrow_mut().as_mut() {
                remap(&mut d, loc);
            }
            if d.suppressed.is_none()
                && let Some(b) = baseline
                && b.take(&d.file, &d.fingerprint())
            {
                d.suppressed = Some(crate::engine::suppress::Suppressed {
                    kind: "baseline",
                    reason: "recorded in the baseline".into(),
                    at: args
                        .baseline
                        .as_ref()
                        .map(|p| p.display().to_string())
                        .unwrap_or_default(),
                });
            }
            let hidden = d.suppressed.is_some();
            if hidden {
                t.suppressed += 1;
            } else {
                t.by_severity[severity_index(d.severity)] += 1;
                if fail_on.is_some_and(|f| d.severity >= f) {
                    t.failing += 1;
                }
                if recording {
                    t.recorded.push(crate::config::baseline::Entry {
                        file: crate::config::baseline::file_key(&d.file),
                        fingerprint: d.fingerprint(),
                        code: d.code.to_string(),
                        object: format!("{}/{}", d.kind, d.object),
                        line: d.line,
                        message: d.message.clone(),
                    });
                }
            }
            for (k, (format, style)) in formats.iter().enumerate() {
                let shown = !hidden
                    || if *format == ScanFormat::Sarif {
                        sarif_show
                    } else {
                        show
                    };
                if !shown {
                    continue;
                }
                chunk.select(k);
                // A chunk buffers in memory: writing to it cannot fail.
                let _ = match format {
                    ScanFormat::Text => text::render(chunk, &d, *style, lang),
                    ScanFormat::Concise => concise::render(chunk, &d),
                    ScanFormat::Github => github::render(chunk, &d),
                    ScanFormat::Json => {
                        t.written[k] += 1;
                        chunk.item(b',');
                        write_json_item(chunk, &d, "    ", &mut scratch)
                    }
                    ScanFormat::Sarif => {
                        t.written[k] += 1;
                        chunk.item(b',');
                        write_json_item(chunk, &sarif::result(&d, &rules), "        ", &mut scratch)
                    }
                    ScanFormat::Junit | ScanFormat::Markdown => Ok(()),
                };
            }
            if per_file && (!hidden || show) {
                kept.push(d);
            }
        };
        let opts = &*item.opts;
        let enabled = crate::engine::scan::enabled_rules(&opts.selection);
        let file_rules: Vec<&'static Rule> = enabled
            .iter()
            .copied()
            .filter(|r| match item.kind {
                Kind::Dockerfile => matches!(r.check, Check::Dockerfile(_)),
                _ => !matches!(r.check, Check::Dockerfile(_)),
            })
            .collect();
        let (file_errors, objects) = match &item.done {
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
                (file.errors.clone(), objects)
            }
            None => match item.read().and_then(|bytes| {
                crate::input::decode_text(&item.name, &bytes)?;
                Ok(bytes)
            }) {
                Err(e) => (vec![e], Vec::new()),
                Ok(bytes) => {
                    let text = std::str::from_utf8(&bytes).unwrap_or_default();
                    *locator.borrow_mut() = crate::input::render::Locator::new(&item.source, text);
                    let stats =
                        scan_each_listing(&item.name, text, opts, lang, &index, per_file, |d| {
                            emit(d, chunk)
                        });
                    t.workloads = stats.workloads;
                    (stats.errors, stats.objects)
                }
            },
        };
        // Findings about suppressions are test cases only where they occur.
        let file_rules: Vec<&'static Rule> = file_rules
            .into_iter()
            .filter(|r| !matches!(r.check, Check::Meta) || kept.iter().any(|d| d.code == r.code))
            .collect();
        for (k, (format, _)) in formats.iter().enumerate() {
            chunk.select(k);
            let _ = match format {
                ScanFormat::Junit => junit::testsuite(
                    chunk,
                    &item.name,
                    &objects,
                    &file_rules,
                    &kept,
                    &file_errors,
                ),
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
    let mut suppressed = 0;
    let mut written = vec![0usize; formats.len()];
    let mut recorded = Vec::new();
    let mut per_file_counts = Vec::new();
    for (t, item) in tallies.into_iter().zip(&items) {
        for (a, b) in by_severity.iter_mut().zip(t.by_severity) {
            *a += b;
        }
        for (a, b) in written.iter_mut().zip(&t.written) {
            *a += b;
        }
        per_file_counts.push((item.name.clone(), t.by_severity));
        failing += t.failing;
        workloads += t.workloads;
        suppressed += t.suppressed;
        recorded.extend(t.recorded);
        errors.extend(t.errors);
    }
    let findings: usize = by_severity.iter().sum();
    for (k, (format, sink, _)) in outs.iter_mut().enumerate() {
        match (&*format, &mut *sink) {
            (ScanFormat::Json, s) => json::write_tail(
                &mut s.writer(),
                &json::Totals {
                    written: written[k],
                    findings,
                    suppressed,
                    by_severity: &by_severity,
                    files,
                    workloads,
                },
                &errors,
            )?,
            (ScanFormat::Sarif, s) => {
                sarif::write_tail(&mut s.writer(), written[k], &errors)?;
                if written[k] > sarif::GITHUB_MAX_RESULTS {
                    eprintln!(
                        "podsec scan: warning: the SARIF report has {} results; GitHub code scanning keeps only {} per run (narrow it with --select, or adopt a baseline)",
                        written[k],
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
    // GitHub refuses a SARIF upload over 10 MB gzipped.
    for spec in &args.formats {
        if spec.format != ScanFormat::Sarif {
            continue;
        }
        let Some(path) = spec.path.as_ref().or(args.output.as_ref()) else {
            continue;
        };
        let raw = std::fs::metadata(path).map_or(0, |m| m.len());
        if raw > GITHUB_MAX_SARIF_GZIP {
            let gz = gzipped_size(path)?;
            if gz > GITHUB_MAX_SARIF_GZIP {
                eprintln!(
                    "podsec scan: warning: {} is {:.1} MB gzipped; GitHub code scanning refuses uploads over 10 MB (narrow it with --select, or adopt a baseline)",
                    path.display(),
                    gz as f64 / 1e6
                );
            }
        }
    }
    if let Some(path) = &args.baseline_out {
        let n = recorded.len();
        let write = || -> io::Result<()> {
            let mut f = io::BufWriter::new(std::fs::File::create(path)?);
            crate::config::baseline::write(&mut f, recorded)?;
            f.flush()
        };
        if let Err(e) = write() {
            eprintln!(
                "podsec baseline: error: cannot write {}: {e}",
                path.display()
            );
            return Ok(EXIT_ERROR);
        }
        eprintln!(
            "podsec baseline: recorded {n} {} in {}",
            if n == 1 { "finding" } else { "findings" },
            path.display()
        );
        return Ok(if errors.is_empty() { 0 } else { EXIT_ERROR });
    }
    let mut summary = summary(&by_severity, files, workloads, errors.len(), args.lang);
    if suppressed > 0 {
        summary.push_str(&match args.lang {
            Lang::En => format!(", {suppressed} suppressed"),
            Lang::Ko => format!(", 억제 {suppressed}건"),
        });
    }
    if workloads == 0 && dockerfiles == 0 && errors.is_empty() {
        eprintln!(
            "{}",
            nothing_found("scan", &args.paths, files, "workloads or Dockerfiles")
        );
    }
    eprintln!("{summary}");
    if let Some(b) = baseline {
        let gone = b.gone();
        if gone > 0 {
            eprintln!(
                "podsec scan: {gone} of the baseline's {} findings are gone; shrink it with `podsec baseline create -o {}`",
                b.total,
                args.baseline
                    .as_ref()
                    .map_or(String::new(), |p| p.display().to_string())
            );
        }
    }
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

/// What the command line sets over every configuration.
#[derive(Clone, Default)]
pub struct Overrides {
    pub selection: Selection,
    /// Use `selection` as it is, whatever the configurations select
    /// (`fix --level`).
    pub exact_selection: bool,
    pub version: Option<Version>,
    /// `Some(None)`: never fail on findings.
    pub fail_on: Option<Option<Severity>>,
    pub strict: bool,
    pub discovery: Discovery,
    pub no_ignore: bool,
}

/// The options of each file: its configuration under the command line's
/// overrides, computed once per configuration.
pub struct Resolver {
    pub configs: Configs,
    /// The input's namespaces, for PSS findings their labels enforce.
    pub namespaces: Arc<Namespaces>,
    over: Overrides,
    today: Date,
    cache: Vec<(Arc<Config>, Arc<Options>, Option<Severity>)>,
}

impl Resolver {
    pub fn new(over: Overrides) -> Result<Resolver, String> {
        let today = Date::today()?;
        Ok(Resolver {
            configs: Configs::new(over.discovery.clone()),
            namespaces: Default::default(),
            over,
            today,
            cache: Vec::new(),
        })
    }

    /// The options and the failing severity (`None`: never) of a file
    /// (`None`: standard input).
    pub fn for_file(&mut self, path: Option<&std::path::Path>) -> (Arc<Options>, Option<Severity>) {
        let cfg = self.configs.for_path(path, false);
        self.for_config(cfg)
    }

    pub fn for_config(&mut self, cfg: Arc<Config>) -> (Arc<Options>, Option<Severity>) {
        if let Some((_, o, f)) = self.cache.iter().find(|(c, _, _)| Arc::ptr_eq(c, &cfg)) {
            return (o.clone(), *f);
        }
        let selection = if self.over.exact_selection {
            self.over.selection.clone()
        } else {
            cfg.selection(&self.over.selection)
        };
        let version = self
            .over
            .version
            .or(cfg.target_version.as_ref().map(|s| s.value))
            .unwrap_or(Version::Latest);
        let fail_on = self
            .over
            .fail_on
            .or(cfg.fail_on.as_ref().map(|s| s.value))
            .unwrap_or(Some(Severity::Low));
        let opts = Arc::new(Options {
            minor: version.minor(),
            selection,
            config: cfg.clone(),
            strict: self.over.strict,
            today: self.today,
            namespaces: self.namespaces.clone(),
        });
        self.cache.push((cfg, opts.clone(), fail_on));
        (opts, fail_on)
    }

    /// From now on the options carry `namespaces`; `items` get them too.
    pub fn set_namespaces(&mut self, namespaces: Arc<Namespaces>, items: &mut [Item]) {
        self.namespaces = namespaces.clone();
        let mut renamed: Vec<(Arc<Options>, Arc<Options>)> = Vec::new();
        for (_, o, _) in self.cache.iter_mut() {
            let new = Arc::new(Options {
                namespaces: namespaces.clone(),
                ..(**o).clone()
            });
            renamed.push((o.clone(), new.clone()));
            *o = new;
        }
        for item in items {
            if let Some((_, new)) = renamed.iter().find(|(old, _)| Arc::ptr_eq(old, &item.opts)) {
                item.opts = new.clone();
            }
        }
    }

    /// Every distinct set of options in use.
    pub fn all_options(&self) -> impl Iterator<Item = &Arc<Options>> {
        self.cache.iter().map(|(_, o, _)| o)
    }

    pub fn today(&self) -> Date {
        self.today
    }

    /// The files a command reads, with the configurations' excludes and
    /// the `.gitignore` files applied to directory walks.
    pub fn gather(
        &mut self,
        paths: &[String],
        want: crate::input::Wanted,
        stdin_name: Option<&str>,
    ) -> crate::input::Gathered {
        let gitignore = !self.over.no_ignore;
        crate::input::gather_filtered(
            paths,
            want,
            stdin_name,
            &mut crate::input::Filters {
                configs: &mut self.configs,
                gitignore,
            },
        )
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
pub fn load(
    paths: &[String],
    resolver: &mut Resolver,
    lang: Lang,
    stdin_name: Option<&str>,
) -> Loaded {
    let p = prepare(paths, resolver, lang, stdin_name);
    let mut errors = p.errors;
    let mut texts = Vec::new();
    for item in p.items {
        match item.read() {
            Ok(bytes) => texts.push(Input {
                name: item.name,
                kind: item.kind,
                bytes,
                stdin: item.source.is_stdin(),
                opts: item.opts,
                chart: match &item.source {
                    Source::Chart(p) => Some(p.clone()),
                    _ => None,
                },
                overlay: match &item.source {
                    Source::Kustomize(p) => Some(p.clone()),
                    _ => None,
                },
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
    /// Its configuration under the command line's overrides.
    pub opts: Arc<Options>,
    /// The lowest severity that fails the run (`None`: never).
    pub fail_on: Option<Severity>,
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
pub fn prepare(
    paths: &[String],
    resolver: &mut Resolver,
    lang: Lang,
    stdin_name: Option<&str>,
) -> Prepared {
    let gathered = resolver.gather(paths, scan_name, stdin_name);
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
        let (opts, fail_on) = match &source {
            Source::Stdin(_) => resolver.for_file(None),
            Source::File(p) => resolver.for_file(Some(p)),
            Source::Chart(p) | Source::Kustomize(p) => {
                let cfg = resolver.configs.for_path(Some(p), true);
                resolver.for_config(cfg)
            }
        };
        let base = name.rsplit('/').next().unwrap_or(&name).to_string();
        let mapping = base.starts_with("skaffold.") || base.contains("compose.");
        if base == crate::config::FILE_NAME && !source.is_stdin() {
            // Read as a configuration (its [images] join the index below),
            // even where no scanned file is under it.
            if let Source::File(p) = &source {
                let dir = p.parent().filter(|d| !d.as_os_str().is_empty());
                resolver
                    .configs
                    .for_path(Some(dir.unwrap_or(std::path::Path::new("."))), true);
            }
            continue;
        }
        if source.is_rendered() || (!source.is_stdin() && manifest_name(&base) && !mapping) {
            items.push(Item {
                name,
                kind: Kind::Manifest,
                source,
                bytes: None,
                done: None,
                opts,
                fail_on,
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
            opts,
            fail_on,
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
                let mut file = scan_dockerfile(&item.name, text, &item.opts, lang);
                if let Some(b) = file.built.take() {
                    index.add_dockerfile(b);
                }
                item.done = Some(file);
            }
            Kind::PodsecToml => {
                // Standard input named podsec.toml: nothing to scan.
                continue;
            }
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
                item.bytes = Some(bytes);
            }
        }
        items.push(item);
    }
    // The namespaces of the whole input, for the PSS findings their labels
    // enforce (read through the items: a pipe is read only once).
    let namespaces = collect_namespaces(items.len(), super::par::default_threads(), |i| {
        let item = &items[i];
        (item.kind == Kind::Manifest)
            .then(|| item.read().ok().map(|b| (item.name.clone(), b)))
            .flatten()
    });
    if !namespaces.is_empty() {
        resolver.set_namespaces(Arc::new(namespaces), &mut items);
    }
    // The configurations' image tables come first (explicit beats found).
    for cfg in &resolver.configs.all {
        for (image, df, _) in &cfg.images {
            index.add_mapping(image, df);
        }
    }
    for e in resolver.configs.errors.drain(..) {
        eprintln!("{e}");
        errors.push(e);
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
    /// Its configuration under the command line's overrides.
    pub opts: Arc<Options>,
    /// A chart's or an overlay's directory (the text is its rendering).
    pub chart: Option<std::path::PathBuf>,
    pub overlay: Option<std::path::PathBuf>,
}

/// The namespace policies of every Namespace object of `n` inputs (`read`
/// gives one's name and bytes), read in parallel; files that do not
/// mention `Namespace` are not parsed.
pub fn collect_namespaces(
    n: usize,
    threads: usize,
    read: impl Fn(usize) -> Option<(String, Vec<u8>)> + Sync,
) -> Namespaces {
    let next = std::sync::atomic::AtomicUsize::new(0);
    let found = std::sync::Mutex::new(Vec::new());
    std::thread::scope(|s| {
        for _ in 0..threads.clamp(1, n.max(1)) {
            s.spawn(|| {
                loop {
                    let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    if i >= n {
                        break;
                    }
                    let Some((name, bytes)) = read(i) else {
                        continue;
                    };
                    let Ok(text) = crate::input::decode_text(&name, &bytes) else {
                        continue;
                    };
                    let ns = crate::engine::load::namespaces_of(&name, text);
                    if !ns.is_empty() {
                        found
                            .lock()
                            .unwrap_or_else(|e| e.into_inner())
                            .push((i, ns));
                    }
                }
            });
        }
    });
    let mut found = found.into_inner().unwrap_or_else(|e| e.into_inner());
    // Input order: a later Namespace object of one name wins, as applying
    // the files in order would.
    found.sort_by_key(|(i, _)| *i);
    let mut out = Namespaces::default();
    for (_, list) in found {
        for n in list {
            // Only namespaces that set Pod Security labels say anything.
            if !n
                .labels
                .iter()
                .any(|(k, _)| k.starts_with(crate::pss::namespace::PREFIX))
            {
                out.by_name.remove(&n.name);
                continue;
            }
            let p = NamespacePolicy::from_labels(&n.name, &n.labels);
            out.by_name.insert(n.name, p);
        }
    }
    out
}
