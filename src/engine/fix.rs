//! Fixing a file: scan, apply the allowed fixes, check the result through
//! the gate, re-scan, repeat until nothing changes. Pure: text in, text out.

use crate::dockerfile::index::ImageIndex;
use crate::engine::scan::{Diagnostic, Options, scan_file};
use crate::input::InputError;
use crate::rules::Lang;

use crate::fix::{Applicability, Fix, apply, gate};

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

/// The violations of `restricted` (or any level) that podsec leaves to a
/// person, given the workload's `baseline` violations: the checks in
/// `HUMAN_CHECKS`, capabilities beyond the baseline set, privilege
/// escalation, capabilities and runAsNonRoot of a privileged container
/// (the API server refuses `allowPrivilegeEscalation: false` next to
/// `privileged: true`), runAsNonRoot where a container runs as UID 0 on
/// purpose, and runAsNonRoot of a Windows pod (`windows`).
pub fn human_violations<'v>(
    violations: &'v [crate::pss::Violation],
    baseline: &[crate::pss::Violation],
    windows: bool,
) -> Vec<&'v crate::pss::Violation> {
    let fails = |check: &str| {
        violations.iter().any(|x| x.check == check) || baseline.iter().any(|x| x.check == check)
    };
    violations
        .iter()
        .filter(|x| {
            HUMAN_CHECKS.contains(&x.check)
                || (x.check == "capabilities_restricted"
                    && (fails("capabilities_baseline") || fails("privileged")))
                || (x.check == "allowPrivilegeEscalation" && fails("privileged"))
                || (x.check == "runAsNonRoot"
                    && (fails("runAsUser") || fails("privileged") || windows))
        })
        .collect()
}

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

#[derive(Clone, Debug, serde::Serialize)]
pub struct Applied {
    pub code: &'static str,
    pub title: String,
    pub object: String,
    pub container: Option<String>,
    /// 1-based line in the text the fix was applied to.
    pub line: u32,
    /// Each edit: the text it replaced and the text it wrote.
    pub edits: Vec<AppliedEdit>,
    #[serde(skip)]
    pub rule: &'static crate::rules::Rule,
}

#[derive(Clone, Debug, serde::Serialize)]
pub struct AppliedEdit {
    /// 1-based line of the edit in the text it was applied to.
    pub line: u32,
    pub before: String,
    pub after: String,
}

/// A fix the gate kept from being written, and why.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Refused {
    pub code: &'static str,
    pub object: String,
    pub container: Option<String>,
    /// 1-based line of the finding in the text the fix was built for.
    pub line: u32,
    pub reason: String,
}

#[derive(Debug)]
pub struct FixOutcome {
    pub text: String,
    pub applied: Vec<Applied>,
    /// Fixes the gate refused (the findings stay).
    pub refused: Vec<Refused>,
    /// Findings left after fixing.
    pub remaining: Vec<Diagnostic>,
    pub passes: usize,
    /// Workloads in the file.
    pub workloads: usize,
}

/// A finding's identity across passes (lines move as fixes land).
fn identity(d: &Diagnostic) -> (&'static str, String, Option<String>, String) {
    (
        d.code,
        format!("{}/{}", d.kind, d.object),
        d.container.clone(),
        d.message.clone(),
    )
}

/// The correctness rules, which no fix may make fire.
fn correctness(opts: &Options) -> Options {
    Options {
        minor: opts.minor,
        selection: crate::rules::Selection {
            select: vec!["correctness".into()],
            ignore: Vec::new(),
        },
        ..Default::default()
    }
}

/// What one text holds, per document, for the gate to compare.
struct Snapshot<'t> {
    parsed: crate::engine::Parsed<'t>,
    /// Correctness findings per document: (code, object, container).
    findings: Vec<Vec<(&'static str, String, Option<String>)>>,
    /// What the API server would refuse, per document.
    api: Vec<Vec<String>>,
}

fn doc_index(starts: &[u32], offset: u32) -> usize {
    starts.partition_point(|&s| s <= offset).saturating_sub(1)
}

impl<'t> Snapshot<'t> {
    fn new(file: &str, text: &'t str, opts: &Options, images: &ImageIndex) -> Snapshot<'t> {
        let parsed = crate::engine::parse_file(file, text);
        let n = parsed.docs.len();
        let lines: Vec<u32> = parsed.docs.iter().map(|d| d.pos.line).collect();
        let mut findings = vec![Vec::new(); n];
        if n > 0 {
            let correctness = correctness(opts);
            crate::engine::scan::scan_docs(
                file,
                text,
                &parsed.docs,
                &correctness,
                Lang::En,
                images,
                |d| {
                    let i = doc_index(&lines, d.line);
                    findings[i].push((d.code, format!("{}/{}", d.kind, d.object), d.container));
                },
            );
        }
        let mut api = vec![Vec::new(); n];
        for (i, doc) in parsed.docs.iter().enumerate() {
            for obj in crate::model::objects(doc) {
                if let crate::model::Object::Workload(w) = obj
                    && let Some(pod) = &w.pod
                {
                    let prefix = if w.template_path.is_empty() {
                        String::new()
                    } else {
                        format!("{}.", w.template_path)
                    };
                    api[i].extend(
                        gate::api_errors(&pod.spec, &prefix)
                            .into_iter()
                            .map(|e| format!("{}/{}: {}: {}", w.kind, w.name, e.path, e.message)),
                    );
                }
            }
        }
        Snapshot {
            parsed,
            findings,
            api,
        }
    }

    fn starts(&self) -> Vec<u32> {
        self.parsed.docs.iter().map(|d| d.pos.start).collect()
    }
}

/// Why document `i` of `after` may not be written, given the fixes
/// (`fixes`, all of that document) that made it from `before`.
fn refusal(
    before: &Snapshot<'_>,
    after: &Snapshot<'_>,
    i: usize,
    fixes: &[&Diagnostic],
) -> Option<String> {
    let intents: Vec<gate::Intent> = fixes
        .iter()
        .filter_map(|d| d.autofix.as_ref())
        .flat_map(|f| f.edits.iter().filter_map(|e| e.intent.clone()))
        .collect();
    let (b, a) = (&before.parsed.docs[i], &after.parsed.docs[i]);
    if let Some(d) = gate::unintended(b, a, &intents) {
        return Some(format!("{d} (a bug in the fix; please report it)"));
    }
    if let Some(e) = after.api[i].iter().find(|e| !before.api[i].contains(e)) {
        return Some(format!("the API server would refuse the result: {e}"));
    }
    if let Some((code, _, c)) = after.findings[i]
        .iter()
        .find(|x| !before.findings[i].contains(x))
    {
        let rule = crate::rules::find(code).map_or("", |r| r.name);
        return Some(format!(
            "the result would have a new {code} {rule} finding{}",
            c.as_ref()
                .map_or(String::new(), |c| format!(" for container {c:?}"))
        ));
    }
    None
}

/// What `attempt` returns: the new text and the fixes applied, or the
/// fixes to refuse with their reasons.
type Attempt<'d> = Result<(String, Vec<&'d Diagnostic>), Vec<(&'d Diagnostic, String)>>;

/// Applies `fixes` to `current` and checks the result document by
/// document. Returns the new text and the fixes applied, or the fixes to
/// refuse with the reason (at least one, so the caller makes progress).
fn attempt<'d>(
    file: &str,
    current: &str,
    before: &Snapshot<'_>,
    fixes: &[&'d Diagnostic],
    threshold: Applicability,
    opts: &Options,
    images: &ImageIndex,
) -> Attempt<'d> {
    let list: Vec<&Fix> = fixes.iter().filter_map(|d| d.autofix.as_ref()).collect();
    let (next, chosen) = apply(current, &list, threshold);
    let chosen: Vec<&Diagnostic> = chosen.iter().map(|&i| fixes[i]).collect();
    let starts = before.starts();
    let doc_of = |d: &Diagnostic| {
        let at = d
            .autofix
            .as_ref()
            .and_then(|f| f.edits.first())
            .map_or(0, |e| e.start);
        doc_index(&starts, at)
    };
    let after = Snapshot::new(file, &next, opts, images);
    let broken =
        !after.parsed.errors.is_empty() || after.parsed.docs.len() != before.parsed.docs.len();
    // The chosen fixes of each document, grouped once.
    let mut by_doc: std::collections::BTreeMap<usize, Vec<&Diagnostic>> = Default::default();
    for d in &chosen {
        by_doc.entry(doc_of(d)).or_default().push(d);
    }
    let docs: Vec<usize> = by_doc
        .iter()
        .filter(|(i, own)| broken || refusal(before, &after, **i, own).is_some())
        .map(|(i, _)| *i)
        .collect();
    // In each failing document, keep fixes one by one while the result
    // still passes; refuse the ones that make it fail.
    let mut refused = Vec::new();
    for i in docs {
        let mut kept: Vec<&Diagnostic> = Vec::new();
        for d in by_doc[&i].iter().copied() {
            let mut trial = kept.clone();
            trial.push(d);
            let list: Vec<&Fix> = trial.iter().filter_map(|x| x.autofix.as_ref()).collect();
            let (text, _) = apply(current, &list, threshold);
            let snap = Snapshot::new(file, &text, opts, images);
            let why = if snap.parsed.errors.is_empty()
                && snap.parsed.docs.len() == before.parsed.docs.len()
            {
                refusal(before, &snap, i, &trial)
            } else {
                Some("the fix would break the file's YAML (a bug; please report it)".into())
            };
            match why {
                Some(why) => refused.push((d, why)),
                None => kept.push(d),
            }
        }
    }
    if refused.is_empty() {
        Ok((next, chosen))
    } else {
        Err(refused)
    }
}

/// Fixes `text`; `Err` when it does not parse (it is then never touched).
/// Every pass goes through the gate: a fix whose result the API server
/// would refuse, that adds a correctness finding, or that changes anything
/// it does not mean to is refused (and reported), and the others are
/// applied without it.
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
    let mut refused: Vec<Refused> = Vec::new();
    let mut blocked: Vec<(&'static str, String, Option<String>, String)> = Vec::new();
    let first = scan_file(file, &current, opts, lang, images);
    if !first.errors.is_empty() {
        return Err(first.errors);
    }
    let found = first.workloads;
    let mut scan = first;
    let mut passes = 0;
    while passes < MAX_PASSES {
        let mut fixes: Vec<&Diagnostic> = scan
            .diagnostics
            .iter()
            .filter(|d| {
                // A suppressed finding was accepted: its fix is not applied.
                d.suppressed.is_none()
                    && d.autofix
                        .as_ref()
                        .is_some_and(|f| f.applicability >= threshold)
                    && !blocked.contains(&identity(d))
            })
            .collect();
        if fixes.is_empty() {
            break;
        }
        let before = Snapshot::new(file, &current, opts, images);
        let outcome = loop {
            match attempt(file, &current, &before, &fixes, threshold, opts, images) {
                Ok(ok) => break Some(ok),
                Err(bad) => {
                    for (d, reason) in bad {
                        blocked.push(identity(d));
                        refused.push(Refused {
                            code: d.code,
                            object: format!("{}/{}", d.kind, d.object),
                            container: d.container.clone(),
                            line: d.line,
                            reason,
                        });
                        fixes.retain(|x| !std::ptr::eq(*x, d));
                    }
                    if fixes.is_empty() {
                        break None;
                    }
                }
            }
        };
        let Some((next, chosen)) = outcome else { break };
        if chosen.is_empty() || next == current {
            break;
        }
        let lines = crate::source::LineIndex::new(&current);
        for d in chosen {
            let Some(f) = &d.autofix else { continue };
            let edits = f
                .edits
                .iter()
                .map(|e| AppliedEdit {
                    line: lines.line_col(e.start as usize).0,
                    before: current[e.start as usize..e.end as usize].to_string(),
                    after: e.text.clone(),
                })
                .collect();
            applied.push(Applied {
                code: d.code,
                title: f.title.clone(),
                object: format!("{}/{}", d.kind, d.object),
                container: d.container.clone(),
                line: d.line,
                edits,
                rule: d.rule,
            });
        }
        let after = scan_file(file, &next, opts, lang, images);
        current = next;
        scan = after;
        passes += 1;
    }
    Ok(FixOutcome {
        text: current,
        applied,
        refused,
        remaining: scan
            .diagnostics
            .into_iter()
            .filter(|d| d.suppressed.is_none())
            .collect(),
        passes,
        workloads: found,
    })
}

/// A unified diff between two versions of a file.
pub fn unified_diff(path: &str, before: &str, after: &str) -> String {
    // Patience: fast on large files with many small insertions, where
    // Myers' middle-snake search is quadratic.
    similar::TextDiff::configure()
        .algorithm(similar::Algorithm::Patience)
        .diff_lines(before, after)
        .unified_diff()
        .context_radius(3)
        .header(&format!("a/{path}"), &format!("b/{path}"))
        .to_string()
}
