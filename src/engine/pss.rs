//! `pss`: a file's workloads at each evaluated level. Pure.

use serde::Serialize;

use super::load::{doc_workloads, each_doc};
use crate::input::InputError;
use crate::pss::namespace::{ModeOutcome, Namespaces, admit};
use crate::pss::{self, Level, Version, Violation};

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
    /// What the workload's namespace (when the input holds it) would do.
    #[serde(skip)]
    pub admission: Option<Admission>,
}

/// The namespace-label modes applied to one workload.
#[derive(Clone, Debug)]
pub struct Admission {
    pub namespace: String,
    pub modes: Vec<ModeOutcome>,
    /// The label errors the controller records.
    pub errors: Vec<String>,
}

impl Admission {
    /// Enforce rejects it (a Pod) or its pods (a controller).
    pub fn denied(&self) -> bool {
        self.modes
            .iter()
            .any(|m| m.mode == "enforce" && !m.violations.is_empty())
    }
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
    let mut workloads = Vec::new();
    let (errors, skipped) = pss_each(file, text, levels, version, |w| workloads.push(w));
    PssFile {
        workloads,
        errors,
        skipped,
    }
}

/// Evaluates the workloads of a file one document at a time, handing each
/// outcome to `emit` in order. Returns the file's errors and the number of
/// other objects skipped.
pub fn pss_each(
    file: &str,
    text: &str,
    levels: &[Level],
    version: Version,
    emit: impl FnMut(PssOutcome),
) -> (Vec<InputError>, usize) {
    pss_each_in(file, text, levels, version, &Namespaces::default(), emit)
}

/// `pss_each`, also applying the policy of each workload's namespace when
/// `namespaces` holds it.
pub fn pss_each_in(
    file: &str,
    text: &str,
    levels: &[Level],
    version: Version,
    namespaces: &Namespaces,
    mut emit: impl FnMut(PssOutcome),
) -> (Vec<InputError>, usize) {
    let mut errors = Vec::new();
    let mut doc_errors = Vec::new();
    let mut skipped = 0;
    each_doc(file, text, &mut errors, |doc| {
        skipped += doc_workloads(file, &doc, &mut doc_errors, |w| {
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
            emit(PssOutcome {
                file: file.to_string(),
                line: w.pos.line,
                column: w.pos.col,
                kind: w.kind.to_string(),
                name: w.name.to_string(),
                namespace: w.namespace.to_string(),
                results,
                admission: namespaces.get(w.namespace).map(|ns| Admission {
                    namespace: ns.name.clone(),
                    modes: admit(ns, w.kind, w.name, w.pod.as_ref()),
                    errors: ns.errors.clone(),
                }),
            });
        });
    });
    errors.append(&mut doc_errors);
    (errors, skipped)
}
