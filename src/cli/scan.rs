//! `podsec scan`.

use std::io::{self, IsTerminal, Write};

use super::{EXIT_ERROR, EXIT_FINDINGS, ScanFormat, stdout, write_json};
use crate::dockerfile::index::{ImageIndex, from_compose, from_podsec_toml, from_skaffold};
use crate::engine::scan::{Diagnostic, Options, ScanFile, scan_dockerfile, scan_file};
use crate::input::{Kind, classify, gather, nothing_found, scan_name};
use crate::output::{json, sarif, text};
use crate::pss::Version;
use crate::rules::{Lang, Selection, Severity};

pub struct Args {
    pub paths: Vec<String>,
    pub format: ScanFormat,
    pub selection: Selection,
    pub version: Version,
    pub lang: Lang,
    pub fail_on: Severity,
    pub color: ColorChoice,
    pub stdin_name: Option<String>,
    /// Print the report on stderr (stdout already holds the fixed text).
    pub report_to_stderr: bool,
}

#[derive(Clone, Copy, clap::ValueEnum, PartialEq, Eq)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
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
    let color = match args.color {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
        }
    };
    let opts = Options {
        minor: args.version.minor(),
        selection: args.selection,
    };
    let Loaded {
        texts,
        index,
        mut results,
        mut errors,
        files,
    } = load(&args.paths, &opts, args.lang, args.stdin_name.as_deref());
    for (
        i,
        Input {
            name, kind, bytes, ..
        },
    ) in texts.iter().enumerate()
    {
        if *kind != Kind::Manifest {
            continue;
        }
        let text = match crate::input::decode_text(name, bytes) {
            Ok(t) => t,
            Err(e) => {
                results.push((
                    i,
                    ScanFile {
                        diagnostics: Vec::new(),
                        built: None,
                        errors: vec![e],
                        workloads: 0,
                        skipped: 0,
                    },
                ));
                continue;
            }
        };
        results.push((i, scan_file(name, text, &opts, args.lang, &index)));
    }
    let dockerfiles = texts.iter().filter(|t| t.kind == Kind::Dockerfile).count();
    results.sort_by_key(|(i, _)| *i);
    let mut out: Box<dyn Write> = if args.report_to_stderr {
        Box::new(io::stderr().lock())
    } else {
        Box::new(stdout())
    };
    let mut all: Vec<Diagnostic> = Vec::new();
    let mut workloads = 0;
    for (_, file) in results {
        for e in &file.errors {
            eprintln!("{e}");
        }
        errors.extend(file.errors);
        workloads += file.workloads;
        if args.format == ScanFormat::Text {
            for d in &file.diagnostics {
                text::render(&mut out, d, text::Style { color }, args.lang)?;
            }
        }
        all.extend(file.diagnostics);
    }
    if args.format == ScanFormat::Sarif {
        let rules = crate::engine::scan::enabled_rules(&opts.selection);
        write_json(&mut out, &sarif::report(&all, &rules, args.lang))?;
    }
    if args.format == ScanFormat::Json {
        let report = json::report(&all, &errors, &args.version.to_string(), files, workloads);
        write_json(&mut out, &report)?;
    }
    out.flush()?;
    let failing = all.iter().filter(|d| d.severity >= args.fail_on).count();
    let summary = summary(&all, files, workloads, errors.len(), args.lang);
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
    all: &[Diagnostic],
    files: usize,
    workloads: usize,
    errors: usize,
    lang: Lang,
) -> String {
    let by: Vec<String> = Severity::ALL
        .iter()
        .rev()
        .filter_map(|s| {
            let n = all.iter().filter(|d| d.severity == *s).count();
            (n > 0).then(|| format!("{n} {}", s.as_str()))
        })
        .collect();
    let by = if by.is_empty() {
        String::new()
    } else {
        format!(" ({})", by.join(", "))
    };
    match lang {
        Lang::En => format!(
            "podsec scan: {} {}{by} in {workloads} {} across {files} {}, {errors} {}",
            all.len(),
            if all.len() == 1 {
                "finding"
            } else {
                "findings"
            },
            if workloads == 1 {
                "workload"
            } else {
                "workloads"
            },
            if files == 1 { "file" } else { "files" },
            if errors == 1 { "error" } else { "errors" },
        ),
        Lang::Ko => format!(
            "podsec scan: 파일 {files}개, 워크로드 {workloads}개에서 발견 {}건{by}, 오류 {errors}건",
            all.len()
        ),
    }
}

/// Everything read for a scan or a fix: the files, the image index built
/// from their Dockerfiles and mapping files, and the Dockerfiles' results.
pub struct Loaded {
    pub texts: Vec<Input>,
    pub index: ImageIndex,
    /// Scan results of the Dockerfiles, by position in `texts`.
    pub results: Vec<(usize, ScanFile)>,
    pub errors: Vec<crate::input::InputError>,
    pub files: usize,
}

pub fn load(paths: &[String], opts: &Options, lang: Lang, stdin_name: Option<&str>) -> Loaded {
    let gathered = gather(paths, scan_name, stdin_name);
    let mut errors = gathered.errors;
    for e in &errors {
        eprintln!("{e}");
    }
    for s in &gathered.skipped {
        eprintln!("{s}");
    }
    // Read everything first: Dockerfiles and mapping files feed the image
    // index that the manifests' cross-checks use.
    let mut texts: Vec<Input> = Vec::new();
    for src in &gathered.sources {
        let name = src.name();
        match src.read() {
            Ok(bytes) => texts.push(Input {
                kind: classify(&name, &bytes),
                name,
                bytes,
                stdin: src.is_stdin(),
            }),
            Err(e) => {
                eprintln!("{e}");
                errors.push(e);
            }
        }
    }
    let mut index = ImageIndex::default();
    let mut results: Vec<(usize, ScanFile)> = Vec::new();
    for (
        i,
        Input {
            name, kind, bytes, ..
        },
    ) in texts.iter().enumerate()
    {
        let kind = *kind;
        if kind == Kind::Manifest && !name.contains("skaffold.") && !name.contains("compose.") {
            continue;
        }
        let text = match crate::input::decode_text(name, bytes) {
            Ok(t) => t,
            Err(e) => {
                // Manifests report their own decoding errors below.
                if kind != Kind::Manifest {
                    errors.push(e);
                }
                continue;
            }
        };
        match kind {
            Kind::Dockerfile => {
                let mut file = scan_dockerfile(name, text, opts, lang);
                if let Some(b) = file.built.take() {
                    index.add_dockerfile(b);
                }
                results.push((i, file));
            }
            Kind::PodsecToml => match from_podsec_toml(name, text) {
                Ok(pairs) => pairs
                    .iter()
                    .for_each(|(img, df)| index.add_mapping(img, df)),
                Err(e) => errors.push(crate::input::InputError {
                    file: name.clone(),
                    line: 0,
                    column: 0,
                    message: format!("invalid podsec.toml: {}", e.lines().next().unwrap_or("")),
                }),
            },
            Kind::Manifest => {
                let base = name.rsplit('/').next().unwrap_or(name);
                if base.starts_with("skaffold.") {
                    from_skaffold(name, text)
                        .iter()
                        .for_each(|(img, df)| index.add_mapping(img, df));
                } else if base.contains("compose.") {
                    from_compose(name, text)
                        .iter()
                        .for_each(|(img, df)| index.add_mapping(img, df));
                }
            }
        }
    }
    Loaded {
        files: gathered.sources.len(),
        texts,
        index,
        results,
        errors,
    }
}

/// One input read for a scan or a fix.
pub struct Input {
    pub name: String,
    pub kind: Kind,
    pub bytes: Vec<u8>,
    /// Read from standard input: a fix is printed, not written.
    pub stdin: bool,
}
