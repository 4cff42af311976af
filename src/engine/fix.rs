//! Fixing a file: scan, apply the allowed fixes, re-parse, repeat until
//! nothing changes. Pure: text in, text out.

use crate::dockerfile::index::ImageIndex;
use crate::engine::scan::{Diagnostic, Options, scan_file};
use crate::input::InputError;
use crate::rules::Lang;

use crate::fix::{Applicability, Fix, apply};

/// Pod Security checks whose failures podsec never fixes automatically:
/// removing host namespaces, volumes, ports, privileges, capabilities,
/// sysctls or SELinux labels, or choosing a UID over an explicit 0, needs
/// someone who knows the workload.
pub const HUMAN_CHECKS: &[&str] = &[
    "hostNamespaces",
    "hostPathVolumes",
    "restrictedVolumes",
    "hostPorts",
    "privileged",
    "windowsHostProcess",
    "capabilities_baseline",
    "sysctls",
    "seLinuxOptions",
    "hostProbesAndHostLifecycle",
    "runAsUser",
];

/// The rules `fix --level` applies: the PSS rules of that level and below.
pub fn level_selection(level: crate::pss::Level) -> crate::rules::Selection {
    use crate::pss::Level;
    use crate::rules::{Category, RULES};
    let mut cats = vec![];
    if level >= Level::Baseline {
        cats.push(Category::PssBaseline);
    }
    if level >= Level::Restricted {
        cats.push(Category::PssRestricted);
    }
    crate::rules::Selection {
        select: RULES
            .iter()
            .filter(|r| cats.contains(&r.category))
            .map(|r| r.code.to_string())
            .collect(),
        ignore: Vec::new(),
    }
}

/// At most this many passes (each pass applies non-overlapping fixes).
pub const MAX_PASSES: usize = 10;

#[derive(Clone, Debug)]
pub struct Applied {
    pub code: &'static str,
    pub title: String,
    pub object: String,
    /// 1-based line in the text the fix was applied to.
    pub line: u32,
}

#[derive(Debug)]
pub struct FixOutcome {
    pub text: String,
    pub applied: Vec<Applied>,
    /// Findings left after fixing.
    pub remaining: Vec<Diagnostic>,
    pub passes: usize,
    /// Workloads in the file.
    pub workloads: usize,
}

/// Fixes `text`; `Err` when it does not parse (it is then never touched)
/// or when a pass would break it (a bug, reported rather than written).
pub fn fix_text(
    file: &str,
    text: &str,
    opts: &Options,
    threshold: Applicability,
    images: &ImageIndex,
    lang: Lang,
) -> Result<FixOutcome, Vec<InputError>> {
    let mut current = text.to_string();
    let mut applied = Vec::new();
    let first = scan_file(file, &current, opts, lang, images);
    if !first.errors.is_empty() {
        return Err(first.errors);
    }
    let (docs, workloads) = shape(file, &current);
    let found = first.workloads;
    let mut scan = first;
    let mut passes = 0;
    while passes < MAX_PASSES {
        let fixes: Vec<&Diagnostic> = scan
            .diagnostics
            .iter()
            .filter(|d| {
                d.autofix
                    .as_ref()
                    .is_some_and(|f| f.applicability >= threshold)
            })
            .collect();
        if fixes.is_empty() {
            break;
        }
        let list: Vec<&Fix> = fixes.iter().filter_map(|d| d.autofix.as_ref()).collect();
        let (next, n) = apply(&current, &list, threshold);
        if n == 0 || next == current {
            break;
        }
        let after = scan_file(file, &next, opts, lang, images);
        if !after.errors.is_empty() || shape(file, &next) != (docs, workloads) {
            let mut errs = after.errors;
            errs.push(InputError {
                file: file.to_string(),
                line: 0,
                column: 0,
                message:
                    "a fix would have broken the file; nothing was written (please report this)"
                        .into(),
            });
            return Err(errs);
        }
        // Record what was applied: the fixes whose edits made it in order.
        let mut taken: Vec<(u32, u32)> = Vec::new();
        let mut ordered = fixes.clone();
        ordered.sort_by_key(|d| {
            d.autofix
                .as_ref()
                .and_then(|f| f.edits.first())
                .map_or(0, |e| e.start)
        });
        for d in ordered {
            let Some(f) = &d.autofix else { continue };
            if f.edits
                .iter()
                .any(|e| taken.iter().any(|&(s, t)| e.start <= t && s <= e.end))
            {
                continue;
            }
            taken.extend(f.edits.iter().map(|e| (e.start, e.end)));
            applied.push(Applied {
                code: d.code,
                title: f.title.clone(),
                object: format!("{}/{}", d.kind, d.object),
                line: d.line,
            });
        }
        current = next;
        scan = after;
        passes += 1;
    }
    Ok(FixOutcome {
        text: current,
        applied,
        remaining: scan.diagnostics,
        passes,
        workloads: found,
    })
}

/// The number of documents and workloads, which fixing must not change.
fn shape(file: &str, text: &str) -> (usize, usize) {
    let parsed = crate::engine::parse_file(file, text);
    let mut errors = Vec::new();
    let mut n = 0;
    crate::engine::for_each_workload(file, &parsed.docs, &mut errors, |_, _| n += 1);
    (parsed.docs.len(), n)
}

/// A unified diff between two versions of a file.
pub fn unified_diff(path: &str, before: &str, after: &str) -> String {
    similar::TextDiff::from_lines(before, after)
        .unified_diff()
        .context_radius(3)
        .header(&format!("a/{path}"), &format!("b/{path}"))
        .to_string()
}
