//! `scan`: run the rulebook over a file's workloads. Pure: text in,
//! located diagnostics out.

use serde::Serialize;

use super::suppress::{apply, problems};
use crate::config::suppress::{ANNOTATION, Suppression};
use crate::dockerfile::index::{Built, ImageIndex};
use crate::engine::load::{doc_workloads, each_doc};
use crate::fix::Fix;
use crate::fix::editor::Editor;
use crate::input::InputError;
use crate::kb::CveLink;
use crate::rules::{
    At, Check, Ctx, DockerCtx, Finding, Lang, RULES, Rule, Selection, Severity, Sink, render,
};
use crate::source::{Doc, LineIndex, Pos};

#[derive(Clone, Debug)]
pub struct Options {
    pub minor: u32,
    pub selection: Selection,
    /// Severities and exemptions (the file's `podsec.toml`, or defaults).
    pub config: std::sync::Arc<crate::config::Config>,
    /// `--strict`: inline suppressions and annotations hide nothing.
    pub strict: bool,
    /// The day expiry dates are compared with.
    pub today: crate::config::Date,
    /// The input's namespaces: PSS findings their enforce label rejects
    /// say so.
    pub namespaces: std::sync::Arc<crate::pss::namespace::Namespaces>,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            minor: crate::pss::Version::Latest.minor(),
            selection: Selection::default(),
            config: Default::default(),
            strict: false,
            namespaces: Default::default(),
            today: crate::config::Date::today().unwrap_or(crate::config::Date {
                year: 1970,
                month: 1,
                day: 1,
            }),
        }
    }
}

/// A finding with its place in the file, ready to render.
#[derive(Clone, Debug, Serialize)]
pub struct Diagnostic {
    pub code: &'static str,
    pub name: &'static str,
    pub severity: Severity,
    pub category: &'static str,
    pub file: String,
    pub line: u32,
    pub column: u32,
    pub end_line: u32,
    pub end_column: u32,
    pub kind: String,
    pub object: String,
    pub namespace: String,
    pub container: Option<String>,
    pub message: String,
    /// The effective value (`null` when unset).
    pub value: Option<String>,
    /// `container`, `pod`, `image`, `implied` or `default`.
    pub origin: &'static str,
    /// For `image` and `implied`: where the value comes from (`privileged:
    /// true`, `the image nginx:1.27: it runs as root; …`).
    pub origin_detail: Option<String>,
    /// How text output words the origin (the pod cases apart).
    #[serde(skip)]
    pub origin_kind: crate::model::effective::Origin,
    pub fix: &'static str,
    pub cves: Vec<CveLink>,
    /// The automatic fix (`null` when the rule has none here).
    pub autofix: Option<Fix>,
    /// Why there is no automatic fix here, when the rule has one in general.
    pub autofix_unavailable: Option<&'static str>,
    /// Where a fact in the message comes from (`null` when nothing to add).
    pub note: Option<String>,
    #[serde(skip)]
    pub rule: &'static Rule,
    /// The text of the diagnostic's first line, for snippets.
    #[serde(skip)]
    pub source_line: String,
    /// The field the finding is on, from the document root, with list
    /// items that have a name written by name
    /// (`spec.containers[name=web].securityContext`); empty for
    /// Dockerfiles. Part of the stable fingerprint.
    pub path: String,
    /// The container's image, when the finding is about one container.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub image: Option<String>,
    /// Set when an exemption, a suppression or the baseline hides the
    /// finding (absent otherwise).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub suppressed: Option<super::suppress::Suppressed>,
    /// For a Pod Security finding: the enforce label of the object's
    /// namespace (in the input) that rejects it (absent otherwise).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enforced: Option<String>,
    /// For a chart or an overlay: where the rendered finding was, and the
    /// template and values key it comes from (absent for plain files).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rendered: Option<Rendered>,
}

/// Where a finding on rendered output comes from.
#[derive(Clone, Debug, Serialize)]
pub struct Rendered {
    /// `chart:line:col` of the rendered stream.
    pub output: String,
    /// `file:line` of the template object (charts), when the finding's
    /// location is not the field itself.
    pub template: Option<String>,
    /// The values key that builds the field, when one does.
    pub values: Option<crate::input::render::ValuesKey>,
}

impl Diagnostic {
    /// What identifies this finding across edits elsewhere in the file: the
    /// rule, the object, the container and the field; never a line number.
    /// The same in SARIF (`partialFingerprints`) and baselines.
    pub fn fingerprint(&self) -> String {
        format!(
            "{}:{}/{}/{}:{}:{}",
            self.code,
            self.kind,
            self.namespace,
            self.object,
            self.container.as_deref().unwrap_or(""),
            self.path
        )
    }
}

pub struct ScanFile {
    pub diagnostics: Vec<Diagnostic>,
    /// For a Dockerfile: what its final stage runs as.
    pub built: Option<Built>,
    pub errors: Vec<InputError>,
    pub workloads: usize,
    pub skipped: usize,
}

/// The rules that `selection` enables, in code order.
pub fn enabled_rules(selection: &Selection) -> Vec<&'static Rule> {
    RULES
        .iter()
        .copied()
        .filter(|r| selection.enabled(r))
        .collect()
}

pub fn scan_file(
    file: &str,
    text: &str,
    opts: &Options,
    lang: Lang,
    images: &ImageIndex,
) -> ScanFile {
    let mut diagnostics = Vec::new();
    let stats = scan_each(file, text, opts, lang, images, |d| diagnostics.push(d));
    ScanFile {
        built: None,
        diagnostics,
        errors: stats.errors,
        workloads: stats.workloads,
        skipped: stats.skipped,
    }
}

/// What a scan found in a file besides its diagnostics.
pub struct FileStats {
    pub errors: Vec<InputError>,
    pub workloads: usize,
    pub skipped: usize,
    /// Every workload checked, when asked for (`scan_each_listing`).
    pub objects: Vec<ObjectRef>,
}

/// A workload (or a Dockerfile) a scan checked.
#[derive(Clone, Debug)]
pub struct ObjectRef {
    pub kind: String,
    pub name: String,
    pub namespace: String,
    pub line: u32,
}

impl ObjectRef {
    pub fn display(&self) -> String {
        let name = if self.name.is_empty() {
            "(unnamed)"
        } else {
            &self.name
        };
        if self.namespace.is_empty() {
            format!("{}/{name}", self.kind)
        } else {
            format!("{}/{}/{name}", self.kind, self.namespace)
        }
    }

    /// Whether a finding is about this object.
    pub fn owns(&self, d: &Diagnostic) -> bool {
        d.kind == self.kind && d.object == self.name && d.namespace == self.namespace
    }
}

/// Scans a file one document at a time, handing each diagnostic to `emit`
/// in order (line, column, code): only one document's tree and findings
/// are alive at a time.
pub fn scan_each(
    file: &str,
    text: &str,
    opts: &Options,
    lang: Lang,
    images: &ImageIndex,
    emit: impl FnMut(Diagnostic),
) -> FileStats {
    scan_each_listing(file, text, opts, lang, images, false, emit)
}

/// `scan_each`, also listing every workload checked when `list` is set.
pub fn scan_each_listing(
    file: &str,
    text: &str,
    opts: &Options,
    lang: Lang,
    images: &ImageIndex,
    list: bool,
    mut emit: impl FnMut(Diagnostic),
) -> FileStats {
    let mut errors = Vec::new();
    let mut sc = Scanner::new(file, text, opts, lang, images);
    sc.list = list;
    each_doc(file, text, &mut errors, |doc| sc.doc(&doc, &mut emit));
    sc.finish(&mut emit);
    errors.append(&mut sc.errors);
    FileStats {
        errors,
        workloads: sc.workloads,
        skipped: sc.skipped,
        objects: sc.objects,
    }
}

/// `scan_each` over documents already parsed (the fixer's snapshots).
pub fn scan_docs(
    file: &str,
    text: &str,
    docs: &[Doc<'_>],
    opts: &Options,
    lang: Lang,
    images: &ImageIndex,
    mut emit: impl FnMut(Diagnostic),
) -> FileStats {
    let mut sc = Scanner::new(file, text, opts, lang, images);
    docs.iter().for_each(|d| sc.doc(d, &mut emit));
    sc.finish(&mut emit);
    FileStats {
        errors: sc.errors,
        workloads: sc.workloads,
        skipped: sc.skipped,
        objects: sc.objects,
    }
}

/// The rulebook run over a file's documents one by one.
struct Scanner<'a> {
    file: &'a str,
    text: &'a str,
    opts: &'a Options,
    lang: Lang,
    images: &'a ImageIndex,
    rules: Vec<&'static Rule>,
    json: bool,
    errors: Vec<InputError>,
    workloads: usize,
    skipped: usize,
    list: bool,
    objects: Vec<ObjectRef>,
    /// The file's `# podsec:` comments.
    comments: Vec<Suppression>,
    /// The file mentions the suppression annotation (searched once).
    annotations: bool,
    /// The first comment no document has taken yet.
    first_open: usize,
}

impl<'a> Scanner<'a> {
    fn new(
        file: &'a str,
        text: &'a str,
        opts: &'a Options,
        lang: Lang,
        images: &'a ImageIndex,
    ) -> Scanner<'a> {
        Scanner {
            file,
            text,
            opts,
            lang,
            images,
            rules: enabled_rules(&opts.selection),
            json: crate::source::detect(file, text) == crate::source::Syntax::Json,
            errors: Vec::new(),
            workloads: 0,
            skipped: 0,
            list: false,
            objects: Vec::new(),
            annotations: text.contains(ANNOTATION),
            first_open: 0,
            comments: if text.contains("podsec:") && !file.ends_with(".json") {
                crate::config::suppress::comments(text)
            } else {
                Vec::new()
            },
        }
    }

    fn doc(&mut self, doc: &Doc<'_>, emit: &mut impl FnMut(Diagnostic)) {
        let (file, text) = (self.file, self.text);
        let mut units: Vec<Unit> = Vec::new();
        let mut editor: Option<Editor<'_, '_>> = None;
        let mut workloads = 0;
        let (rules, opts, images, json) = (&self.rules, self.opts, self.images, self.json);
        let (list, objects) = (self.list, &mut self.objects);
        let suppressing = !self.comments.is_empty() || self.annotations;
        self.skipped += doc_workloads(file, doc, &mut self.errors, |w| {
            workloads += 1;
            if list {
                objects.push(ObjectRef {
                    kind: w.kind.to_string(),
                    name: w.name.to_string(),
                    namespace: w.namespace.to_string(),
                    line: w.pos.line,
                });
            }
            let Some(pod) = &w.pod else { return };
            let edit = editor.get_or_insert_with(|| Editor::new(text, doc, json));
            let ctx = Ctx::new(doc, w, pod, opts.minor, images, edit);
            let mut sink = Sink::default();
            for rule in rules {
                if let Check::Workload(check) = rule.check {
                    check(&ctx, &mut sink);
                }
            }
            let mut unit = Unit {
                kind: w.kind.to_string(),
                name: w.name.to_string(),
                namespace: w.namespace.to_string(),
                first_line: w.pos.line,
                last_line: w.pos.line,
                // Only a workload with findings needs its images (for the
                // findings' `image` and exemption scopes).
                images: if sink.findings.is_empty() {
                    Vec::new()
                } else {
                    pod.spec
                        .all_containers()
                        .filter_map(|c| c.image.map(|i| (c.name.to_string(), i.v.to_string())))
                        .collect()
                },
                annotations: Vec::new(),
                raw: Vec::new(),
            };
            if suppressing {
                let root = doc.node(w.root).pos;
                unit.last_line = w.pos.line
                    + text
                        .get(root.start as usize..root.end as usize)
                        .map_or(0, |t| t.bytes().filter(|&b| b == b'\n').count() as u32);
                let object_meta = doc.get(w.root, "metadata").map(|(_, v)| v);
                let mut metas = vec![object_meta];
                if pod.metadata != object_meta {
                    metas.push(pod.metadata);
                }
                for m in metas.into_iter().flatten() {
                    if let Some(s) = annotation_of(doc, m) {
                        unit.annotations.push(s);
                    }
                }
            }
            for f in sink.findings {
                let (pos, node) = match f.at {
                    At::Node(n) => (doc.node(n).pos, n),
                    At::Span(_) => continue,
                };
                unit.raw.push((
                    f,
                    pos,
                    [
                        w.kind.to_string(),
                        w.name.to_string(),
                        w.namespace.to_string(),
                        field_path(doc, node),
                    ],
                ));
            }
            units.push(unit);
        });
        self.workloads += workloads;
        // The comments this document can use: those before its end that an
        // earlier document did not take (comments are in text order).
        // (A comment after the last value, on its line, is the document's.)
        let end = doc.root.map_or(0, |r| {
            let e = (doc.node(r).pos.end as usize).min(text.len());
            text[e..].find('\n').map_or(text.len(), |n| e + n) as u32
        });
        let lo = self.first_open.min(self.comments.len());
        let hi = lo + self.comments[lo..].partition_point(|c| c.start < end);
        self.first_open = hi;
        let comments = &mut self.comments[lo..hi];
        // Comment candidates inside a scalar (a quoted or block string) are
        // text, not comments.
        if let Some(root) = doc.root {
            let span = doc.node(root).pos;
            for c in comments.iter_mut().filter(|c| !c.reported) {
                if c.start >= span.start
                    && c.start < span.end
                    && doc.nodes.iter().any(|n| {
                        matches!(n.kind, crate::source::NodeKind::Scalar(_))
                            && n.pos.start <= c.start
                            && c.start < n.pos.end
                    })
                {
                    c.reported = true;
                }
            }
        }
        let mut out = Vec::new();
        for mut unit in units {
            let mut ds = locate(file, text, std::mem::take(&mut unit.raw), self.lang);
            if let Some(ns) = opts.namespaces.get(&unit.namespace) {
                mark_enforced(&mut ds, ns, &unit.kind, self.lang);
            }
            let mut annotations = std::mem::take(&mut unit.annotations);
            let view = unit.view();
            apply(&mut ds, &view, comments, &mut annotations, opts, self.lang);
            for s in annotations.iter_mut() {
                problems(s, file, text, Some(&view), opts, self.lang, &mut out);
            }
            for c in comments.iter_mut() {
                if c.target >= view.first_line && c.target <= view.last_line {
                    problems(c, file, text, Some(&view), opts, self.lang, &mut out);
                }
            }
            out.append(&mut ds);
        }
        // Comments up to the end of this document that no object covered.
        for c in comments.iter_mut() {
            problems(c, file, text, None, opts, self.lang, &mut out);
        }
        out.sort_by(|a, b| (a.line, a.column, a.code).cmp(&(b.line, b.column, b.code)));
        out.into_iter().for_each(emit);
    }

    /// Reports the comments no document covered (after the last one).
    fn finish(&mut self, emit: &mut impl FnMut(Diagnostic)) {
        let mut out = Vec::new();
        let lo = self.first_open.min(self.comments.len());
        for c in self.comments[lo..].iter_mut() {
            problems(
                c, self.file, self.text, None, self.opts, self.lang, &mut out,
            );
        }
        out.into_iter().for_each(emit);
    }
}

/// Marks the Pod Security findings that the namespace's enforce label
/// rejects (at its level and version).
fn mark_enforced(
    ds: &mut [Diagnostic],
    ns: &crate::pss::namespace::NamespacePolicy,
    kind: &str,
    lang: Lang,
) {
    let p = ns.enforce;
    for d in ds.iter_mut() {
        let Some(tag) = d.rule.pss else { continue };
        if tag.level > p.level || tag.since > p.version.minor() {
            continue;
        }
        let pod = crate::pss::namespace::enforced_on(kind);
        d.enforced = Some(match (lang, pod) {
            (Lang::En, true) => format!(
                "namespace {} enforces {p}: the API server rejects this Pod",
                ns.name
            ),
            (Lang::En, false) => format!(
                "namespace {} enforces {p}: the API server rejects this {kind}'s pods",
                ns.name
            ),
            (Lang::Ko, true) => format!(
                "네임스페이스 {}가 {p}를 강제한다: API 서버가 이 파드를 거부한다",
                ns.name
            ),
            (Lang::Ko, false) => format!(
                "네임스페이스 {}가 {p}를 강제한다: API 서버가 이 {kind}의 파드를 거부한다",
                ns.name
            ),
        });
    }
}

/// One object's findings before they are located, with what suppression
/// needs to know about it.
struct Unit {
    kind: String,
    name: String,
    namespace: String,
    first_line: u32,
    last_line: u32,
    images: Vec<(String, String)>,
    annotations: Vec<Suppression>,
    raw: Vec<(Finding, Pos, [String; 4])>,
}

impl Unit {
    fn view(&self) -> super::suppress::Unit<'_> {
        super::suppress::Unit {
            kind: &self.kind,
            name: &self.name,
            namespace: &self.namespace,
            first_line: self.first_line,
            last_line: self.last_line,
            images: &self.images,
        }
    }
}

/// The `podsec.dev/ignore` annotation of a `metadata` mapping.
fn annotation_of(doc: &Doc<'_>, metadata: crate::source::NodeId) -> Option<Suppression> {
    let (_, ann) = doc.get(metadata, "annotations")?;
    if !matches!(doc.kind(ann), crate::source::NodeKind::Map(_)) {
        return None;
    }
    let (_, v) = doc.get(ann, ANNOTATION)?;
    let node = doc.node(v);
    let value = match &node.kind {
        crate::source::NodeKind::Scalar(s) => s.text.to_string(),
        _ => return None,
    };
    Some(crate::config::suppress::annotation(
        &value,
        node.pos.line,
        node.pos.col,
        node.pos.start,
        node.pos.end,
    ))
}

/// Runs the Dockerfile rules over one Dockerfile.
pub fn scan_dockerfile(file: &str, text: &str, opts: &Options, lang: Lang) -> ScanFile {
    let df = crate::dockerfile::parse(text);
    let analysis = crate::dockerfile::user::analyze(&df);
    let index = LineIndex::new(text);
    let errors: Vec<InputError> = df
        .errors
        .iter()
        .map(|(span, message)| {
            let (line, column) = index.line_col(span.start as usize);
            InputError {
                file: file.to_string(),
                line,
                column,
                message: message.clone(),
            }
        })
        .collect();
    let ctx = DockerCtx {
        df: &df,
        text,
        analysis: analysis.as_ref(),
    };
    let mut sink = Sink::default();
    if errors.is_empty() {
        for rule in enabled_rules(&opts.selection) {
            if let Check::Dockerfile(check) = rule.check {
                check(&ctx, &mut sink);
            }
        }
    }
    let object = analysis
        .as_ref()
        .map_or(String::new(), |a| a.root_base.clone());
    let raw = sink
        .findings
        .into_iter()
        .filter_map(|f| match f.at {
            At::Span(sp) => {
                let (line, col) = index.line_col(sp.start as usize);
                let pos = Pos {
                    start: sp.start,
                    end: sp.end,
                    line,
                    col,
                };
                // The instruction, by a hash of its text: stable when
                // other lines move (occurrences are numbered below).
                let line = line_text(text, sp.start as usize).trim();
                let keyword = line
                    .split_whitespace()
                    .next()
                    .unwrap_or("")
                    .to_ascii_uppercase();
                let hash = line.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
                    (h ^ b as u64).wrapping_mul(0x100_0000_01b3)
                });
                Some((
                    f,
                    pos,
                    [
                        "Dockerfile".to_string(),
                        object.clone(),
                        String::new(),
                        format!("{keyword}#{:08x}", hash as u32),
                    ],
                ))
            }
            At::Node(_) => None,
        })
        .collect::<Vec<_>>();
    // The same instruction text twice: number the later ones.
    let mut raw = raw;
    let mut seen: std::collections::HashMap<(String, &'static str), u32> = Default::default();
    for (f, _, ids) in raw.iter_mut() {
        let n = seen.entry((ids[3].clone(), f.rule.code)).or_insert(0);
        *n += 1;
        if *n > 1 {
            ids[3] = format!("{}~{n}", ids[3]);
        }
    }
    let built = analysis.map(|a| {
        let at = match &a.final_user {
            crate::dockerfile::user::FinalUser::Set(u) => u.span.start,
            _ => df
                .stages
                .last()
                .map_or(0, |s| df.instructions[s.from].span.start),
        };
        Built {
            path: file.to_string(),
            line: index.line_col(at as usize).0,
            analysis: a,
        }
    });
    // Severities, exemptions and `# podsec: ignore[DKF…] reason` comments
    // apply as in manifests; the whole file is the object.
    let mut diagnostics = locate(file, text, raw, lang);
    // A `#` after an instruction is part of it, not a comment.
    let mut comments = if text.contains("podsec:") {
        let mut c = crate::config::suppress::comments(text);
        c.retain(|c| c.target != c.line);
        c
    } else {
        Vec::new()
    };
    let unit = super::suppress::Unit {
        kind: "Dockerfile",
        name: &object,
        namespace: "",
        first_line: 1,
        last_line: u32::MAX,
        images: &[],
    };
    apply(&mut diagnostics, &unit, &mut comments, &mut [], opts, lang);
    for c in comments.iter_mut() {
        problems(c, file, text, Some(&unit), opts, lang, &mut diagnostics);
    }
    diagnostics.sort_by(|a, b| (a.line, a.column, a.code).cmp(&(b.line, b.column, b.code)));
    ScanFile {
        built,
        diagnostics,
        errors,
        workloads: 0,
        skipped: 0,
    }
}

fn locate(
    file: &str,
    text: &str,
    raw: Vec<(Finding, Pos, [String; 4])>,
    lang: Lang,
) -> Vec<Diagnostic> {
    let mut diagnostics = Vec::with_capacity(raw.len());
    for (f, pos, [kind, object, namespace, path]) in raw {
        let (end_line, end_column) = end_of(text, pos);
        let args = f.args_in(lang);
        let note = f.note_in(lang);
        let mut cves = f.rule.cves();
        for c in f.extra_cves {
            if !cves.iter().any(|x| x.id == c.id) {
                cves.push(c);
            }
        }
        diagnostics.push(Diagnostic {
            code: f.rule.code,
            name: f.rule.name,
            severity: f.rule.severity,
            category: f.rule.category.as_str(),
            file: file.to_string(),
            line: pos.line,
            column: pos.col,
            end_line,
            end_column,
            kind,
            object,
            namespace,
            container: f.container,
            message: render(f.rule.text(lang).message, &args),
            value: f.value,
            origin: f.origin.as_str(),
            origin_detail: f.origin_detail.as_ref().map(|a| a.text(lang).to_string()),
            origin_kind: f.origin,
            fix: f.rule.text(lang).fix,
            cves,
            autofix: f.fix,
            autofix_unavailable: f.no_fix,
            note,
            rule: f.rule,
            source_line: line_text(text, pos.start as usize).to_string(),
            path,
            image: None,
            suppressed: None,
            enforced: None,
            rendered: None,
        });
    }
    diagnostics.sort_by(|a, b| (a.line, a.column, a.code).cmp(&(b.line, b.column, b.code)));
    diagnostics
}

/// The path of `node` from the document root; list items with a `name`
/// are written by name, so the path survives reordering and insertions.
fn field_path(doc: &Doc<'_>, node: crate::source::NodeId) -> String {
    use crate::fix::gate::Seg;
    use crate::source::NodeKind;
    let mut out = String::new();
    for (seg, child) in crate::fix::gate::descend(doc, node) {
        match seg {
            Seg::Key(k) => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(&k);
            }
            Seg::Index(i) => {
                let name = match doc.kind(child) {
                    NodeKind::Map(_) => doc.get(child, "name").map(|(_, v)| doc.key_str(v)),
                    _ => None,
                };
                match name {
                    Some(n) => {
                        out.push_str("[name=");
                        out.push_str(&n);
                        out.push(']');
                    }
                    None => out.push_str(&format!("[{i}]")),
                }
            }
        }
    }
    out
}

/// The 1-based line and character column where a span ends, counted from
/// its start (spans are short: no line table needed).
pub(crate) fn end_of(text: &str, pos: Pos) -> (u32, u32) {
    let (s, e) = (
        pos.start as usize,
        (pos.end.max(pos.start) as usize).min(text.len()),
    );
    let Some(span) = text.get(s..e) else {
        return (pos.line, pos.col);
    };
    match span.rfind('\n') {
        None => (pos.line, pos.col + span.chars().count() as u32),
        Some(last) => (
            pos.line + span.bytes().filter(|&b| b == b'\n').count() as u32,
            span[last + 1..].chars().count() as u32 + 1,
        ),
    }
}

pub(crate) fn line_text(text: &str, offset: usize) -> &str {
    let offset = offset.min(text.len());
    let start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
    let end = text[offset..].find('\n').map_or(text.len(), |i| offset + i);
    text[start..end].trim_end_matches('\r')
}
