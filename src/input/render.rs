//! Helm charts and Kustomize overlays: rendered by the real tools (`helm
//! template`, `kubectl kustomize`), never by a template engine of our own,
//! and mapped back to the files the user owns.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use super::InputError;

/// How charts are rendered (`scan`/`fix`/`pss` flags).
#[derive(Clone, Debug, Default)]
pub struct HelmOptions {
    /// `--helm PATH` (else `PODSEC_HELM`, else `helm` on PATH).
    pub helm: Option<PathBuf>,
    pub values: Vec<PathBuf>,
    pub set: Vec<String>,
    pub set_string: Vec<String>,
    pub set_file: Vec<String>,
    pub release_name: Option<String>,
    pub namespace: Option<String>,
    pub kube_version: Option<String>,
    pub api_versions: Vec<String>,
}

static HELM: OnceLock<HelmOptions> = OnceLock::new();

/// Sets the rendering options for this process (once, before reading).
pub fn configure(opts: HelmOptions) {
    let _ = HELM.set(opts);
}

fn options() -> HelmOptions {
    HELM.get().cloned().unwrap_or_default()
}

/// Files that make a directory a chart or a Kustomize root.
pub const CHART_FILE: &str = "Chart.yaml";
pub const KUSTOMIZATION_FILES: &[&str] =
    &["kustomization.yaml", "kustomization.yml", "Kustomization"];

pub fn is_chart(dir: &Path) -> bool {
    dir.join(CHART_FILE).is_file()
}

pub fn is_kustomization(dir: &Path) -> bool {
    KUSTOMIZATION_FILES.iter().any(|f| dir.join(f).is_file())
}

fn helm_binary() -> PathBuf {
    if let Some(p) = options().helm {
        return p;
    }
    match std::env::var_os("PODSEC_HELM") {
        Some(p) if !p.is_empty() => PathBuf::from(p),
        _ => PathBuf::from("helm"),
    }
}

fn error(dir: &Path, message: String) -> InputError {
    InputError {
        file: dir.display().to_string(),
        line: 0,
        column: 0,
        message,
    }
}

/// `helm template` of the chart at `dir`, with the command line's values
/// and `extra` values files after them.
pub fn helm_template(dir: &Path, extra: &[PathBuf]) -> Result<Vec<u8>, InputError> {
    let mut values = options().values;
    values.extend(extra.iter().cloned());
    helm_template_values(dir, &values)
}

/// The command line's `-f` files, as given.
pub fn values_files() -> Vec<PathBuf> {
    options().values
}

/// `helm template` with exactly these values files (in order) and the
/// command line's other options.
pub fn helm_template_values(dir: &Path, values: &[PathBuf]) -> Result<Vec<u8>, InputError> {
    let o = options();
    let bin = helm_binary();
    let mut cmd = Command::new(&bin);
    cmd.arg("template")
        .arg(o.release_name.as_deref().unwrap_or("release-name"))
        .arg(dir);
    for v in values {
        cmd.arg("--values").arg(v);
    }
    for (flag, list) in [
        ("--set", &o.set),
        ("--set-string", &o.set_string),
        ("--set-file", &o.set_file),
        ("--api-versions", &o.api_versions),
    ] {
        for v in list {
            cmd.arg(flag).arg(v);
        }
    }
    if let Some(ns) = &o.namespace {
        cmd.arg("--namespace").arg(ns);
    }
    if let Some(kv) = &o.kube_version {
        cmd.arg("--kube-version").arg(kv);
    }
    let out = cmd.output().map_err(|e| {
        if e.kind() == std::io::ErrorKind::NotFound {
            error(
                dir,
                format!(
                    "this is a Helm chart, and rendering it needs helm, which was not found ({}): install helm (https://helm.sh/docs/intro/install/), name it with --helm PATH or PODSEC_HELM, or pipe the rendered chart: `helm template {} | podsec scan -`",
                    bin.display(),
                    dir.display()
                ),
            )
        } else {
            error(dir, format!("cannot run {}: {e}", bin.display()))
        }
    })?;
    if !out.status.success() {
        let stderr = String::from_utf8_lossy(&out.stderr);
        let mut msg = format!(
            "helm template failed ({}): {}",
            out.status,
            stderr.trim().replace('\n', "; ")
        );
        if stderr.contains("missing in charts/") || stderr.contains("dependencies") {
            msg.push_str(&format!(
                " (fetch the chart's dependencies first: `helm dependency build {}`)",
                dir.display()
            ));
        }
        return Err(error(dir, msg));
    }
    Ok(out.stdout)
}

/// `kubectl kustomize` of the root at `dir`, through a temporary wrapper
/// kustomization that adds origin annotations (the user's files are not
/// touched). Returns the output and the wrapper's directory, which the
/// annotations' paths are relative to.
pub fn kustomize(dir: &Path) -> Result<(Vec<u8>, PathBuf), InputError> {
    let abs = crate::config::absolute(dir);
    let wrapper = std::env::temp_dir().join(format!(
        "podsec-kustomize-{}-{}",
        std::process::id(),
        WRAPPERS.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
    ));
    std::fs::create_dir_all(&wrapper)
        .map_err(|e| error(dir, format!("cannot create a temporary directory: {e}")))?;
    let rel = relative_path(&wrapper, &abs);
    let k = format!(
        "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - {}\nbuildMetadata: [originAnnotations]\n",
        rel.display()
    );
    let result = std::fs::write(wrapper.join("kustomization.yaml"), k)
        .map_err(|e| error(dir, format!("cannot write the temporary kustomization: {e}")))
        .and_then(|_| {
            let out = Command::new("kubectl")
                .arg("kustomize")
                .arg("--load-restrictor")
                .arg("LoadRestrictionsNone")
                .arg(&wrapper)
                .output()
                .map_err(|e| {
                    error(
                        dir,
                        if e.kind() == std::io::ErrorKind::NotFound {
                            format!(
                                "this is a Kustomize root, and rendering it needs kubectl, which was not found: install kubectl, or pipe the output: `kubectl kustomize {} | podsec scan -`",
                                dir.display()
                            )
                        } else {
                            format!("cannot run kubectl: {e}")
                        },
                    )
                })?;
            if !out.status.success() {
                return Err(error(
                    dir,
                    format!(
                        "kubectl kustomize failed ({}): {}",
                        out.status,
                        String::from_utf8_lossy(&out.stderr).trim().replace('\n', "; ")
                    ),
                ));
            }
            Ok(out.stdout)
        });
    let _ = std::fs::remove_dir_all(&wrapper);
    result.map(|o| (o, wrapper))
}

static WRAPPERS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

/// `to` relative to the directory `from` (both absolute).
fn relative_path(from: &Path, to: &Path) -> PathBuf {
    let f: Vec<_> = from.components().collect();
    let t: Vec<_> = to.components().collect();
    let common = f.iter().zip(&t).take_while(|(a, b)| a == b).count();
    let mut out = PathBuf::new();
    for _ in common..f.len() {
        out.push("..");
    }
    for c in &t[common..] {
        out.push(c);
    }
    out
}

/// Where a rendered object came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Origin {
    /// The file the user owns (a template, a base manifest), as reported.
    pub file: String,
}

/// The `# Source: chart/templates/x.yaml` of each line of a `helm template`
/// output: for a 1-based line, the template that produced it.
pub struct SourceMap {
    /// `(first line, source)`, ascending.
    starts: Vec<(u32, String)>,
}

impl SourceMap {
    /// Reads the `# Source:` comments of `text`; `root` is the directory
    /// the paths are relative to (the chart's parent), if known.
    pub fn helm(text: &str, root: Option<&Path>) -> SourceMap {
        let mut starts = Vec::new();
        for (i, line) in text.lines().enumerate() {
            if let Some(src) = line.strip_prefix("# Source: ") {
                let src = src.trim();
                let file = match root {
                    Some(r) => r.join(src).display().to_string(),
                    None => src.to_string(),
                };
                starts.push((i as u32 + 1, file));
            }
        }
        SourceMap { starts }
    }

    pub fn is_empty(&self) -> bool {
        self.starts.is_empty()
    }

    /// The source of line `line`.
    pub fn at(&self, line: u32) -> Option<&str> {
        let i = self.starts.partition_point(|(l, _)| *l <= line);
        (i > 0).then(|| self.starts[i - 1].1.as_str())
    }
}

/// The line of a template (or base file) where its `nth` object (0-based,
/// counted among the documents with an `apiVersion` line) starts; 1 when
/// it cannot be told.
pub fn object_line(file: &Path, nth: usize) -> u32 {
    let Ok(text) = std::fs::read_to_string(file) else {
        return 1;
    };
    let mut seen = 0;
    let mut in_doc_has_object = false;
    for (i, line) in text.lines().enumerate() {
        if line.starts_with("---") {
            in_doc_has_object = false;
            continue;
        }
        if !in_doc_has_object && line.starts_with("apiVersion:") {
            in_doc_has_object = true;
            if seen == nth {
                return i as u32 + 1;
            }
            seen += 1;
        }
    }
    1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sources_by_line() {
        let t = "---\n# Source: c/templates/a.yaml\nkind: A\n---\n# Source: c/templates/b.yaml\nkind: B\n";
        let m = SourceMap::helm(t, Some(Path::new("charts")));
        assert_eq!(m.at(1), None);
        assert_eq!(m.at(3), Some("charts/c/templates/a.yaml"));
        assert_eq!(m.at(6), Some("charts/c/templates/b.yaml"));
        assert_eq!(
            relative_path(Path::new("/tmp/w"), Path::new("/home/u/app")),
            PathBuf::from("../../home/u/app")
        );
    }
}

/// Where a finding on a rendered object is, in the files the user owns.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Located {
    pub file: String,
    pub line: u32,
    pub column: u32,
    /// For a chart: the values key that builds the field.
    pub values: Option<ValuesKey>,
    /// `field`: the field itself; `object`: the object's first line (the
    /// field is built by the template, or absent).
    pub exact: bool,
}

enum Flavor {
    /// `helm template`: templates are not YAML, so the object's line, and
    /// the values key when one builds the field (probed on first use).
    Helm {
        chart: Option<PathBuf>,
        probe: Option<Option<ValuesProbe>>,
    },
    /// `kubectl kustomize`: bases and patches are YAML: the field's line.
    Kustomize { patches: Vec<PathBuf> },
}

/// Maps findings on a rendered stream back to templates, bases and patches.
pub struct Locator {
    /// `(first line of the document, its file, its index among that
    /// file's documents)`.
    docs: Vec<(u32, String, usize)>,
    flavor: Flavor,
    texts: std::collections::HashMap<String, Option<String>>,
}

impl Locator {
    /// For a chart or overlay, or a stream with `# Source:` comments (`helm
    /// template … | podsec scan -`); `None` for plain manifests.
    pub fn new(src: &super::Source, text: &str) -> Option<Locator> {
        match src {
            super::Source::Kustomize(dir) => Some(Locator::kustomize(dir, text)),
            super::Source::Chart(dir) => Some(Locator::helm(text, Some(dir))),
            _ if text.contains("\n# Source: ") || text.starts_with("# Source: ") => {
                Some(Locator::helm(text, None))
            }
            _ => None,
        }
    }

    fn helm(text: &str, chart: Option<&Path>) -> Locator {
        let mut docs: Vec<(u32, String, usize)> = Vec::new();
        let mut seen: std::collections::HashMap<String, usize> = Default::default();
        for (line, src) in SourceMap::helm(text, None).starts {
            // `chart/templates/x.yaml`: the chart's name, then its path.
            let file = match (chart, src.split_once('/')) {
                (Some(dir), Some((_, rest))) => {
                    crate::config::relative_to_cwd(&crate::config::absolute(&dir.join(rest)))
                }
                _ => src,
            };
            let nth = seen.entry(file.clone()).or_insert(0);
            docs.push((line, file, *nth));
            *nth += 1;
        }
        Locator {
            docs,
            flavor: Flavor::Helm {
                chart: chart.map(Path::to_path_buf),
                probe: None,
            },
            texts: Default::default(),
        }
    }

    fn kustomize(dir: &Path, text: &str) -> Locator {
        // The wrapper was a sibling of nothing: its origin paths are
        // relative to the temporary directory it lived in.
        let wrapper = std::env::temp_dir().join("podsec-kustomize-wrapper");
        let mut docs: Vec<(u32, String, usize)> = Vec::new();
        let mut seen: std::collections::HashMap<String, usize> = Default::default();
        let mut start = 1u32;
        let mut origin_next = false;
        for (i, line) in text.lines().enumerate() {
            let n = i as u32 + 1;
            if line == "---" {
                start = n + 1;
                continue;
            }
            if line
                .trim_start()
                .starts_with("config.kubernetes.io/origin:")
            {
                origin_next = true;
                continue;
            }
            if origin_next {
                origin_next = false;
                if let Some(p) = line.trim().strip_prefix("path: ") {
                    let abs = crate::config::absolute(&wrapper.join(p.trim()));
                    let file = crate::config::relative_to_cwd(&abs);
                    let nth = seen.entry(file.clone()).or_insert(0);
                    docs.push((start, file, *nth));
                    *nth += 1;
                }
            }
        }
        Locator {
            docs,
            flavor: Flavor::Kustomize {
                patches: patch_files(dir),
            },
            texts: Default::default(),
        }
    }

    fn text(&mut self, file: &str) -> Option<&str> {
        self.texts
            .entry(file.to_string())
            .or_insert_with(|| std::fs::read_to_string(file).ok())
            .as_deref()
    }

    /// The files the rendered objects come from (templates, bases), once
    /// each, in order.
    pub fn files(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for (_, f, _) in &self.docs {
            if !out.contains(f) {
                out.push(f.clone());
            }
        }
        out
    }

    /// The text of a line of a file the locator read (for code frames).
    pub fn line(&mut self, file: &str, line: u32) -> Option<String> {
        let text = self.text(file)?;
        text.lines()
            .nth(line.checked_sub(1)? as usize)
            .map(|l| l.trim_end_matches('\r').to_string())
    }

    /// The place of a finding on the object whose document holds rendered
    /// line `line` (`kind`, `name` and the field `path` as in diagnostics).
    pub fn locate(
        &mut self,
        line: u32,
        kind: &str,
        name: &str,
        container: Option<&str>,
        path: &str,
    ) -> Option<Located> {
        let i = self.docs.partition_point(|(l, _, _)| *l <= line);
        let (_, file, nth) = self.docs.get(i.checked_sub(1)?)?.clone();
        match &mut self.flavor {
            Flavor::Helm { chart, probe } => {
                let values = match chart {
                    Some(dir) if !path.is_empty() => probe
                        .get_or_insert_with(|| ValuesProbe::new(dir))
                        .as_ref()
                        .and_then(|p| p.key_for(kind, name, container, path)),
                    _ => None,
                };
                Some(Located {
                    line: object_line(Path::new(&file), nth),
                    file,
                    column: 1,
                    values,
                    exact: false,
                })
            }
            Flavor::Kustomize { patches } => {
                let patches = patches.clone();
                let base = self.text(&file).map(str::to_string);
                if let Some(text) = &base
                    && let Some((l, c, exact)) = field_in(text, kind, nth, None, path)
                    && exact
                {
                    return Some(Located {
                        file,
                        line: l,
                        column: c,
                        values: None,
                        exact: true,
                    });
                }
                // Not in the base: a patch that sets it.
                for p in &patches {
                    let name = p.display().to_string();
                    let Some(text) = self.text(&name).map(str::to_string) else {
                        continue;
                    };
                    if let Some((l, c, true)) = field_in(&text, kind, 0, Some(()), path) {
                        return Some(Located {
                            file: crate::config::relative_to_cwd(&crate::config::absolute(p)),
                            line: l,
                            column: c,
                            values: None,
                            exact: true,
                        });
                    }
                }
                let (l, c) = base
                    .and_then(|t| field_in(&t, kind, nth, None, path).map(|(l, c, _)| (l, c)))
                    .unwrap_or((1, 1));
                Some(Located {
                    file,
                    line: l,
                    column: c,
                    values: None,
                    exact: false,
                })
            }
        }
    }
}

/// The patch files of a Kustomize root and of the roots it builds on
/// (`patches[].path`, `patchesStrategicMerge`), nearest first.
pub fn patch_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut seen = Vec::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        if seen.contains(&d) || seen.len() > 64 {
            continue;
        }
        seen.push(d.clone());
        let Some(k) = KUSTOMIZATION_FILES
            .iter()
            .map(|f| d.join(f))
            .find(|p| p.is_file())
        else {
            continue;
        };
        let Ok(text) = std::fs::read_to_string(&k) else {
            continue;
        };
        let stream = crate::source::yaml::parse(&text);
        for doc in &stream.docs {
            let Some(root) = doc.root else { continue };
            let strings = |key: &str| -> Vec<String> {
                let Some((_, v)) = doc.get(root, key) else {
                    return Vec::new();
                };
                doc.items(v)
                    .filter_map(|item| match doc.kind(item) {
                        crate::source::NodeKind::Scalar(s) => Some(s.text.to_string()),
                        crate::source::NodeKind::Map(_) => doc
                            .get(item, "path")
                            .map(|(_, p)| doc.key_str(p).into_owned()),
                        _ => None,
                    })
                    .collect()
            };
            for p in strings("patches")
                .into_iter()
                .chain(strings("patchesStrategicMerge"))
            {
                out.push(d.join(p));
            }
            for r in strings("resources").into_iter().chain(strings("bases")) {
                let rd = d.join(&r);
                if rd.is_dir() {
                    todo.push(rd);
                }
            }
        }
    }
    out
}

/// Whether a patch text sets `path` on an object of `kind`.
pub fn patch_sets(text: &str, kind: &str, path: &str) -> bool {
    field_in(text, kind, 0, Some(()), path).is_some_and(|(_, _, exact)| exact)
}

/// The line and column of `path` in the `nth` object of `kind` in `text`
/// (`any`: the first object of that kind that has the field), and whether
/// the field itself is there (else: the deepest existing parent's line).
fn field_in(
    text: &str,
    kind: &str,
    nth: usize,
    any: Option<()>,
    path: &str,
) -> Option<(u32, u32, bool)> {
    let stream = crate::source::yaml::parse(text);
    let mut index = 0;
    for doc in &stream.docs {
        let Some(root) = doc.root else { continue };
        let k = doc
            .get(root, "kind")
            .map(|(_, v)| doc.key_str(v).into_owned())
            .unwrap_or_default();
        if k != kind {
            if any.is_none() {
                index += 1;
            }
            continue;
        }
        if any.is_none() && index != nth {
            index += 1;
            continue;
        }
        index += 1;
        let (node, exact) = walk_path(doc, root, path);
        if any.is_some() && !exact {
            continue;
        }
        let pos = doc.node(node).pos;
        return Some((pos.line, pos.col, exact));
    }
    None
}

/// Follows a diagnostic's field path (`spec.containers[name=a].x`,
/// `volumes[0]`) as far as it goes: the node reached (the key node of the
/// Follows a diagnostic's field path: the node reached and whether the
/// whole path exists (see `walk_path`).
pub fn walk(
    doc: &crate::source::Doc<'_>,
    root: crate::source::NodeId,
    path: &str,
) -> (crate::source::NodeId, bool) {
    walk_path(doc, root, path)
}

/// last mapping entry) and whether it went all the way.
fn walk_path(
    doc: &crate::source::Doc<'_>,
    root: crate::source::NodeId,
    path: &str,
) -> (crate::source::NodeId, bool) {
    use crate::source::NodeKind;
    let mut cur = root;
    let mut at = root;
    let mut rest = path;
    while !rest.is_empty() {
        let (seg, tail) = match rest.find(['.', '[']) {
            Some(0) if rest.starts_with('[') => {
                let close = rest.find(']').unwrap_or(rest.len() - 1);
                (&rest[..=close], rest[close + 1..].trim_start_matches('.'))
            }
            Some(i) => (&rest[..i], rest[i..].trim_start_matches('.')),
            None => (rest, ""),
        };
        rest = tail;
        let next = if let Some(inner) = seg.strip_prefix('[').and_then(|s| s.strip_suffix(']')) {
            if !matches!(doc.kind(cur), NodeKind::Seq(_)) {
                return (at, false);
            }
            match inner.strip_prefix("name=") {
                Some(name) => doc.items(cur).find(|&item| {
                    doc.get(item, "name")
                        .is_some_and(|(_, v)| doc.key_str(v) == name)
                }),
                None => inner
                    .parse::<usize>()
                    .ok()
                    .and_then(|i| doc.items(cur).nth(i)),
            }
            .map(|item| (item, item))
        } else {
            if !matches!(doc.kind(cur), NodeKind::Map(_)) {
                return (at, false);
            }
            doc.get(cur, seg)
        };
        match next {
            Some((key, value)) => {
                at = key;
                cur = doc.resolve(value);
            }
            None => return (at, false),
        }
    }
    (at, true)
}

/// A values key that produces a rendered field.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct ValuesKey {
    pub file: String,
    pub line: u32,
    pub column: u32,
    /// `securityContext`, `controller.podSecurityContext.fsGroup`.
    pub key: String,
}

/// Which values mappings flow into which rendered mappings, found by
/// rendering once more with a marker key added to every mapping of the
/// values files (`podsecProbeN: N`) and seeing where the markers land.
/// A rendered mapping that holds marker N is built from values mapping N
/// (`toYaml .Values.securityContext`, `with .Values.x`); a field whose
/// mapping holds no marker is built by the template.
pub struct ValuesProbe {
    /// The values mappings: `(file, key path, line, column)`.
    keys: Vec<(String, Vec<String>, u32, u32)>,
    /// Where each key sits in the parent chart's values: a subchart's
    /// keys under the subchart's name.
    prefixes: Vec<Vec<String>>,
    /// The parent chart's `values.yaml`, as reported (fixes go there).
    parent: Option<String>,
    /// `(kind, name, rendered mapping path, probe index)`.
    landed: Vec<(String, String, String, usize)>,
    /// The values files' texts, for keys inside a mapping.
    texts: Vec<(String, String)>,
}

impl ValuesProbe {
    /// Probes the chart at `dir` (its `values.yaml`, then each `--values`
    /// file). `None` when there is nothing to probe or the probe render
    /// fails (then provenance is not claimed).
    pub fn new(dir: &Path) -> Option<ValuesProbe> {
        // Lowest precedence first: vendored subcharts' defaults (under
        // their names), the chart's values.yaml, then each -f file.
        let mut files: Vec<(PathBuf, Vec<String>)> = Vec::new();
        if let Ok(entries) = std::fs::read_dir(dir.join("charts")) {
            let mut subs: Vec<PathBuf> = entries
                .flatten()
                .map(|e| e.path())
                .filter(|p| p.join("values.yaml").is_file())
                .collect();
            subs.sort();
            for sub in subs {
                let name = sub
                    .file_name()
                    .and_then(|n| n.to_str())
                    .unwrap_or("")
                    .to_string();
                files.push((sub.join("values.yaml"), vec![name]));
            }
        }
        files.push((dir.join("values.yaml"), Vec::new()));
        files.extend(options().values.into_iter().map(|f| (f, Vec::new())));
        let mut keys = Vec::new();
        let mut prefixes = Vec::new();
        let mut texts = Vec::new();
        let mut parent = None;
        for (f, prefix) in &files {
            let Ok(text) = std::fs::read_to_string(f) else {
                continue;
            };
            let shown = crate::config::relative_to_cwd(&crate::config::absolute(f));
            if prefix.is_empty() && parent.is_none() && f == &dir.join("values.yaml") {
                parent = Some(shown.clone());
            }
            let stream = crate::source::yaml::parse(&text);
            if let Some(doc) = stream.docs.first()
                && let Some(root) = doc.root
            {
                let before = keys.len();
                mappings(doc, root, &mut Vec::new(), &shown, &mut keys);
                prefixes.extend(std::iter::repeat_n(prefix.clone(), keys.len() - before));
            }
            texts.push((shown, text));
        }
        if keys.is_empty() {
            return None;
        }
        // The probe overlay, as JSON (a YAML subset helm reads).
        let mut overlay = serde_json::Map::new();
        fn insert(map: &mut serde_json::Map<String, serde_json::Value>, path: &[String], i: usize) {
            match path.split_first() {
                None => {
                    map.insert(format!("podsecProbe{i}"), serde_json::Value::from(i));
                }
                Some((first, rest)) => {
                    let entry = map
                        .entry(first.clone())
                        .or_insert_with(|| serde_json::Value::Object(Default::default()));
                    if let serde_json::Value::Object(m) = entry {
                        insert(m, rest, i);
                    }
                }
            }
        }
        for (i, (_, path, _, _)) in keys.iter().enumerate() {
            let mut full = prefixes[i].clone();
            full.extend(path.iter().cloned());
            insert(&mut overlay, &full, i);
        }
        let file = std::env::temp_dir().join(format!(
            "podsec-probe-{}-{}.json",
            std::process::id(),
            WRAPPERS.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
        ));
        std::fs::write(&file, serde_json::Value::Object(overlay).to_string()).ok()?;
        let rendered = helm_template(dir, std::slice::from_ref(&file));
        let _ = std::fs::remove_file(&file);
        let rendered = String::from_utf8(rendered.ok()?).ok()?;
        let original =
            String::from_utf8(super::Source::Chart(dir.to_path_buf()).read().ok()?).ok()?;
        let original_docs = source_docs(&original);
        let ident = |doc: &crate::source::Doc<'_>| {
            let root = doc.root?;
            let kind = doc
                .get(root, "kind")
                .map(|(_, v)| doc.key_str(v).into_owned())?;
            let name = doc
                .get(root, "metadata")
                .and_then(|(_, m)| doc.get(m, "name"))
                .map(|(_, v)| doc.key_str(v).into_owned())
                .unwrap_or_default();
            Some((kind, name))
        };
        let mut landed = Vec::new();
        for doc in source_docs(&rendered) {
            let Some(root) = doc.root else { continue };
            let kind = doc
                .get(root, "kind")
                .map(|(_, v)| doc.key_str(v).into_owned())
                .unwrap_or_default();
            let name = doc
                .get(root, "metadata")
                .and_then(|(_, m)| doc.get(m, "name"))
                .map(|(_, v)| doc.key_str(v).into_owned())
                .unwrap_or_default();
            let before = original_docs
                .iter()
                .find(|d| ident(d) == Some((kind.clone(), name.clone())));
            markers(&doc, root, String::new(), &mut |path, n, keys| {
                // The marker must have added itself and changed nothing
                // else: a template that renders the values mapping only
                // when it is not empty (`if .Values.x` … `else` a default)
                // takes another branch with the marker, and then the
                // values key does not build what is rendered today.
                let same = match before.and_then(|b| b.root.map(|r| (b, r))) {
                    None => false,
                    Some((b, r)) => {
                        let (node, exact) = walk_path(b, r, &path);
                        if !exact {
                            true
                        } else {
                            let mut had: Vec<String> = b
                                .entries(b.resolve(node_value(b, node)))
                                .into_iter()
                                .map(|(k, _, _)| k.into_owned())
                                .collect();
                            had.sort();
                            let mut now = keys;
                            now.sort();
                            had == now
                        }
                    }
                };
                if same {
                    landed.push((kind.clone(), name.clone(), path, n));
                }
            });
        }
        Some(ValuesProbe {
            keys,
            prefixes,
            parent,
            landed,
            texts,
        })
    }

    /// The values files read (`(file as reported, text)`), in order.
    pub fn files(&self) -> &[(String, String)] {
        &self.texts
    }

    /// Where to write the field `path` of the object in the values: the
    /// file and the key path (the values mapping that builds the field's
    /// mapping, then the field's own keys). `None` when no values mapping
    /// builds it, or the rest of the path goes through a list.
    pub fn target_for(&self, kind: &str, name: &str, path: &str) -> Option<(String, Vec<String>)> {
        let covers = |p: &str| path == p || p.is_empty() || path.starts_with(&format!("{p}."));
        let (p, n) = self
            .landed
            .iter()
            .filter(|(k, o, p, _)| k == kind && o == name && covers(p))
            .max_by_key(|(_, _, p, n)| (p.len(), *n))
            .map(|(_, _, p, n)| (p.clone(), *n))?;
        let rest = path[p.len()..].trim_start_matches('.');
        if rest.contains('[') {
            return None;
        }
        let (file, keys, _, _) = self.keys.get(n)?;
        // A subchart's default is overridden from the parent chart's
        // values, which the user owns (the vendored subchart stays as is).
        let prefix = self.prefixes.get(n)?;
        let (file, mut full) = if prefix.is_empty() {
            (file.clone(), Vec::new())
        } else {
            (self.parent.clone()?, prefix.clone())
        };
        full.extend(keys.iter().cloned());
        full.extend(rest.split('.').filter(|s| !s.is_empty()).map(String::from));
        Some((file, full))
    }

    /// The values key that builds the field `path` of the object, if a
    /// values mapping flows into it or into a mapping above it.
    ///
    /// A finding on a field that is not rendered (the scaffold's empty
    /// `securityContext: {}` renders nothing) sits on the container's name
    /// or the pod spec; its field belongs in the container's (or pod's)
    /// `securityContext`, so that mapping is looked up too.
    pub fn key_for(
        &self,
        kind: &str,
        name: &str,
        container: Option<&str>,
        path: &str,
    ) -> Option<ValuesKey> {
        let mut candidates = vec![path.to_string()];
        match container {
            Some(c) => {
                let tag = format!("[name={c}]");
                if let Some(i) = path.find(&tag) {
                    candidates.push(format!("{}.securityContext", &path[..i + tag.len()]));
                }
            }
            None => {
                let spec = match kind {
                    "Pod" => "spec",
                    "CronJob" => "spec.jobTemplate.spec.template.spec",
                    "PodTemplate" => "template.spec",
                    _ => "spec.template.spec",
                };
                candidates.push(format!("{spec}.securityContext"));
            }
        }
        let covers = |p: &str, path: &str| {
            path == p
                || p.is_empty()
                || path.starts_with(&format!("{p}."))
                || path.starts_with(&format!("{p}["))
        };
        // The longest mapping wins, then the later values file, then the
        // finding's own path over the derived one.
        let (p, n, path, _) = candidates
            .iter()
            .enumerate()
            .flat_map(|(ci, c)| {
                self.landed
                    .iter()
                    .filter(move |(k, o, p, _)| k == kind && o == name && covers(p, c))
                    .map(move |(_, _, p, n)| (p.clone(), *n, c.clone(), ci))
            })
            .max_by_key(|(p, n, _, ci)| (p.len(), *n, std::cmp::Reverse(*ci)))?;
        let path = path.as_str();
        let (file, keypath, line, column) = self.keys.get(n)?.clone();
        // A key inside the values mapping (`runAsUser` under
        // `securityContext`) is named when it is written there.
        let rest = path[p.len()..].trim_start_matches('.');
        let first = rest.split(['.', '[']).next().unwrap_or("");
        if !first.is_empty()
            && let Some((_, text)) = self.texts.iter().find(|(f, _)| *f == file)
        {
            let stream = crate::source::yaml::parse(text);
            if let Some(doc) = stream.docs.first()
                && let Some(root) = doc.root
            {
                let mut cur = root;
                let mut ok = true;
                for seg in &keypath {
                    match doc.get(cur, seg) {
                        Some((_, v)) => cur = doc.resolve(v),
                        None => ok = false,
                    }
                }
                if ok && let Some((k, _)) = doc.get(cur, first) {
                    let pos = doc.node(k).pos;
                    let mut key = keypath.join(".");
                    key.push('.');
                    key.push_str(first);
                    return Some(ValuesKey {
                        file,
                        line: pos.line,
                        column: pos.col,
                        key,
                    });
                }
            }
        }
        Some(ValuesKey {
            file,
            line,
            column,
            key: keypath.join("."),
        })
    }
}

/// The documents of a rendered stream, parsed (errors skipped).
fn source_docs(text: &str) -> Vec<crate::source::Doc<'_>> {
    crate::source::yaml::Documents::new(text)
        .filter_map(Result::ok)
        .collect()
}

/// Every mapping-valued key under `node` (not inside lists), with its
/// position.
fn mappings(
    doc: &crate::source::Doc<'_>,
    node: crate::source::NodeId,
    path: &mut Vec<String>,
    file: &str,
    out: &mut Vec<(String, Vec<String>, u32, u32)>,
) {
    use crate::source::NodeKind;
    let node = doc.resolve(node);
    if !matches!(doc.kind(node), NodeKind::Map(_)) || path.len() > 32 {
        return;
    }
    for (k, key, v) in doc.entries(node) {
        let v = doc.resolve(v);
        if matches!(doc.kind(v), NodeKind::Map(_)) {
            path.push(k.into_owned());
            let pos = doc.node(key).pos;
            out.push((file.to_string(), path.clone(), pos.line, pos.col));
            mappings(doc, v, path, file, out);
            path.pop();
        }
    }
}

/// The value node of the mapping entry whose key is `key` (or `key`
/// itself when it is not a key).
fn node_value(doc: &crate::source::Doc<'_>, key: crate::source::NodeId) -> crate::source::NodeId {
    doc.pairs
        .iter()
        .find(|(k, _)| *k == key)
        .map_or(key, |(_, v)| *v)
}

/// Calls `found(path, n, other keys)` for each mapping holding a
/// `podsecProbeN` key; paths are written as diagnostics write them.
fn markers(
    doc: &crate::source::Doc<'_>,
    node: crate::source::NodeId,
    path: String,
    found: &mut impl FnMut(String, usize, Vec<String>),
) {
    use crate::source::NodeKind;
    let node = doc.resolve(node);
    match doc.kind(node) {
        NodeKind::Map(_) => {
            let others: Vec<String> = doc
                .entries(node)
                .into_iter()
                .map(|(k, _, _)| k.into_owned())
                .filter(|k| !k.starts_with("podsecProbe"))
                .collect();
            for (k, _, v) in doc.entries(node) {
                if let Some(n) = k.strip_prefix("podsecProbe").and_then(|n| n.parse().ok()) {
                    found(path.clone(), n, others.clone());
                    continue;
                }
                let p = if path.is_empty() {
                    k.into_owned()
                } else {
                    format!("{path}.{k}")
                };
                markers(doc, v, p, found);
            }
        }
        NodeKind::Seq(_) => {
            for (i, item) in doc.items(node).enumerate() {
                let name = doc
                    .get(item, "name")
                    .filter(|_| matches!(doc.kind(doc.resolve(item)), NodeKind::Map(_)))
                    .map(|(_, v)| doc.key_str(v).into_owned());
                let p = match name {
                    Some(n) => format!("{path}[name={n}]"),
                    None => format!("{path}[{i}]"),
                };
                markers(doc, item, p, found);
            }
        }
        _ => {}
    }
}
