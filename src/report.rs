//! Per-file pipelines (text → findings) shared by the CLI and the tests.
//! Pure: the caller reads the files.

use serde::Serialize;

use crate::input::InputError;
use crate::model::{self, Object, Workload};
use crate::pss::{self, Level, Version, Violation};
use crate::source::{self, Doc};

/// Everything found in one file's documents.
pub struct Parsed<'a> {
    pub docs: Vec<Doc<'a>>,
    pub errors: Vec<InputError>,
}

pub fn parse_file<'a>(file: &str, text: &'a str) -> Parsed<'a> {
    let stream = source::parse(source::detect(file, text), text);
    let errors = stream
        .errors
        .iter()
        .map(|e| InputError {
            file: file.to_string(),
            line: e.pos.line,
            column: e.pos.col,
            message: e.message.clone(),
        })
        .collect();
    Parsed {
        docs: stream.docs,
        errors,
    }
}

/// Calls `f` for every workload of every document, and collects the
/// errors of objects that cannot be decoded. Returns the number of
/// non-workload objects skipped.
pub fn for_each_workload<'d>(
    file: &str,
    docs: &'d [Doc<'_>],
    errors: &mut Vec<InputError>,
    mut f: impl FnMut(&'d Doc<'_>, &Workload<'d>),
) -> usize {
    let mut skipped = 0;
    for doc in docs {
        for obj in model::objects(doc) {
            match obj {
                Object::Workload(w) => f(doc, &w),
                Object::Other { .. } => skipped += 1,
                Object::Invalid {
                    kind, name, error, ..
                } => errors.push(InputError {
                    file: file.to_string(),
                    line: error.pos.line,
                    column: error.pos.col,
                    message: format!(
                        "{kind}/{}: {}",
                        if name.is_empty() { "(unnamed)" } else { name },
                        error.message
                    ),
                }),
            }
        }
    }
    skipped
}

/// A workload's Pod Security verdicts.
#[derive(Clone, Debug, Serialize)]
pub struct PssOutcome {
    pub file: String,
    pub line: u32,
    pub column: u32,
    pub kind: String,
    pub name: String,
    pub namespace: String,
    /// Violations per evaluated level (empty: allowed).
    #[serde(skip)]
    pub results: Vec<(Level, Vec<Violation>)>,
}

impl PssOutcome {
    pub fn display_name(&self) -> String {
        let name = if self.name.is_empty() {
            "(unnamed)"
        } else {
            &self.name
        };
        format!("{}/{}", self.kind, name)
    }
}

pub struct PssFile {
    pub workloads: Vec<PssOutcome>,
    pub errors: Vec<InputError>,
    pub skipped: usize,
}

/// Evaluates every workload of a file at each of `levels`.
pub fn pss_file(file: &str, text: &str, levels: &[Level], version: Version) -> PssFile {
    let parsed = parse_file(file, text);
    let mut errors = parsed.errors;
    let mut workloads = Vec::new();
    let skipped = for_each_workload(file, &parsed.docs, &mut errors, |_, w| {
        let results = levels
            .iter()
            .map(|&level| {
                let v = match &w.pod {
                    Some(pod) => pss::evaluate(pod, level, version),
                    None => Vec::new(),
                };
                (level, v)
            })
            .collect();
        workloads.push(PssOutcome {
            file: file.to_string(),
            line: w.pos.line,
            column: w.pos.col,
            kind: w.kind.to_string(),
            name: w.name.to_string(),
            namespace: w.namespace.to_string(),
            results,
        });
    });
    PssFile {
        workloads,
        errors,
        skipped,
    }
}
