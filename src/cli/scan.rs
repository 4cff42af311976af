//! `podsec scan`.

use std::io::{self, IsTerminal, Write};

use super::input::gather;
use super::{EXIT_ERROR, EXIT_FINDINGS, Format, MANIFEST_EXTS, stdout, write_json};
use crate::output::{json, text};
use crate::pss::Version;
use crate::rules::{Lang, Selection, Severity};
use crate::scan::{Diagnostic, Options, scan_file};

pub struct Args {
    pub paths: Vec<String>,
    pub format: Format,
    pub selection: Selection,
    pub version: Version,
    pub lang: Lang,
    pub fail_on: Severity,
    pub color: ColorChoice,
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
    let (sources, mut errors) = gather(&args.paths, MANIFEST_EXTS);
    for e in &errors {
        eprintln!("{e}");
    }
    let mut out = stdout();
    let mut all: Vec<Diagnostic> = Vec::new();
    let mut workloads = 0;
    for src in &sources {
        let name = src.name();
        let bytes = match src.read() {
            Ok(b) => b,
            Err(e) => {
                eprintln!("{e}");
                errors.push(e);
                continue;
            }
        };
        let text = match crate::report::decode_text(&name, &bytes) {
            Ok(t) => t,
            Err(e) => {
                eprintln!("{e}");
                errors.push(e);
                continue;
            }
        };
        let file = scan_file(&name, text, &opts, args.lang);
        for e in &file.errors {
            eprintln!("{e}");
        }
        errors.extend(file.errors);
        workloads += file.workloads;
        if args.format == Format::Text {
            for d in &file.diagnostics {
                text::render(&mut out, d, text::Style { color }, args.lang)?;
            }
        }
        all.extend(file.diagnostics);
    }
    if args.format == Format::Json {
        let report = json::report(
            &all,
            &errors,
            &args.version.to_string(),
            sources.len(),
            workloads,
        );
        write_json(&mut out, &report)?;
    }
    out.flush()?;
    let failing = all.iter().filter(|d| d.severity >= args.fail_on).count();
    let summary = summary(&all, sources.len(), workloads, errors.len(), args.lang);
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
