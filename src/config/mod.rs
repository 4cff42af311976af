//! `podsec.toml`: which rules run and how severe they are, when a run
//! fails, the Pod Security version and default level, what a directory
//! walk leaves out, which Dockerfile builds which image, and exemptions
//! with their reasons and expiry. Also the inline suppressions
//! ([`suppress`]) and the baseline ([`baseline`]).
//!
//! A file's configuration is the nearest `podsec.toml` in its directory or
//! an ancestor (the closest one alone applies, as with ruff), unless
//! `--config FILE` names one or `--isolated` turns them all off.

pub mod baseline;
pub mod date;
pub mod serve;
pub mod suppress;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::Deserialize;
use toml::Spanned;

pub use date::Date;

use crate::pss::{Level, Version};
use crate::rules::{RULES, Rule, Selection, Severity};
use crate::source::LineIndex;
use crate::source::error::InputError;

pub const FILE_NAME: &str = "podsec.toml";

/// A value and the line of `podsec.toml` it was read from.
#[derive(Clone, Debug)]
pub struct Set<T> {
    pub value: T,
    pub line: u32,
}

/// One `[[exemptions]]` entry.
#[derive(Debug)]
pub struct Exemption {
    /// Rule selectors (codes, prefixes, names, categories).
    pub rules: Vec<String>,
    // Scope: every field given must match (globs: `*`, `?`, `[…]`).
    /// Gitignore-style globs, relative to the configuration's directory.
    pub paths: Option<ignore::gitignore::Gitignore>,
    /// The same globs as written.
    pub path_globs: Vec<String>,
    pub kind: Option<globset::GlobMatcher>,
    pub name: Option<globset::GlobMatcher>,
    pub namespace: Option<globset::GlobMatcher>,
    pub container: Option<globset::GlobMatcher>,
    pub image: Option<globset::GlobMatcher>,
    pub reason: String,
    pub expires: Option<Date>,
    pub line: u32,
    pub column: u32,
}

/// What an exemption is matched against.
pub struct Subject<'a> {
    pub code: &'static str,
    pub rule: &'static Rule,
    /// The file as reported; relative names are taken from the current
    /// directory.
    pub file: &'a str,
    pub kind: &'a str,
    pub name: &'a str,
    pub namespace: &'a str,
    pub container: Option<&'a str>,
    pub image: Option<&'a str>,
    /// `(name, image)` of every container of the object: a pod-level
    /// finding (no container) is in a container or image scope when one
    /// of the pod's containers is.
    pub containers: &'a [(String, String)],
}

impl Exemption {
    pub fn applies(&self, s: &Subject<'_>) -> bool {
        let sel = |k: &String| Selection::matches(s.rule, k);
        if !self.rules.iter().any(sel) {
            return false;
        }
        if let Some(g) = &self.paths {
            let path = absolute(Path::new(s.file));
            if !g.matched_path_or_any_parents(&path, false).is_ignore() {
                return false;
            }
        }
        let m = |g: &Option<globset::GlobMatcher>, v: Option<&str>| match g {
            None => true,
            Some(g) => v.is_some_and(|v| g.is_match(v)),
        };
        let scoped = m(&self.kind, Some(s.kind))
            && m(&self.name, Some(s.name))
            && m(&self.namespace, Some(s.namespace));
        if !scoped {
            return false;
        }
        if s.container.is_some() {
            return m(&self.container, s.container) && m(&self.image, s.image);
        }
        if self.container.is_none() && self.image.is_none() {
            return true;
        }
        s.containers
            .iter()
            .any(|(n, i)| m(&self.container, Some(n)) && m(&self.image, Some(i)))
    }
}

/// A configuration: a `podsec.toml`, or the defaults.
#[derive(Debug, Default)]
pub struct Config {
    /// The file (`None`: the defaults).
    pub file: Option<PathBuf>,
    /// Its directory, absolute: globs are relative to it.
    pub dir: PathBuf,
    pub select: Option<Set<Vec<String>>>,
    pub extend_select: Option<Set<Vec<String>>>,
    pub ignore: Option<Set<Vec<String>>>,
    /// Per-rule severities, by code.
    pub severity: Vec<(&'static str, Set<Severity>)>,
    /// `Some(None)`: `fail-on = "never"`.
    pub fail_on: Option<Set<Option<Severity>>>,
    pub target_version: Option<Set<Version>>,
    pub level: Option<Set<Level>>,
    pub exclude: Vec<Set<String>>,
    excluder: Option<ignore::gitignore::Gitignore>,
    pub respect_gitignore: Option<Set<bool>>,
    /// `(image, Dockerfile path relative to the current directory, line)`.
    pub images: Vec<(String, String, u32)>,
    pub exemptions: Vec<Exemption>,
    /// The webhook's policy (`[serve]`).
    pub serve: Option<serve::ServeConfig>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct Raw {
    select: Option<Spanned<Vec<Spanned<String>>>>,
    extend_select: Option<Spanned<Vec<Spanned<String>>>>,
    ignore: Option<Spanned<Vec<Spanned<String>>>>,
    severity: Option<std::collections::BTreeMap<Spanned<String>, Spanned<String>>>,
    fail_on: Option<Spanned<String>>,
    target_version: Option<Spanned<String>>,
    level: Option<Spanned<String>>,
    exclude: Option<Vec<Spanned<String>>>,
    respect_gitignore: Option<Spanned<bool>>,
    images: Option<std::collections::BTreeMap<String, Spanned<String>>>,
    exemptions: Option<Vec<Spanned<RawExemption>>>,
    serve: Option<serve::RawServe>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawExemption {
    rules: Spanned<Vec<Spanned<String>>>,
    paths: Option<Vec<Spanned<String>>>,
    kind: Option<Spanned<String>>,
    name: Option<Spanned<String>>,
    namespace: Option<Spanned<String>>,
    container: Option<Spanned<String>>,
    image: Option<Spanned<String>>,
    reason: Spanned<String>,
    expires: Option<Spanned<DateValue>>,
}

/// `expires = 2027-01-31` (a TOML date) or `expires = "2027-01-31"`.
#[derive(Deserialize)]
#[serde(untagged)]
enum DateValue {
    Toml(toml::value::Datetime),
    Text(String),
}

/// The absolute form of `p` (relative to the current directory), without
/// touching the file system.
/// `.` and `..` components are resolved lexically (as the shell's `cd`
/// does without `-P`).
pub fn absolute(p: &Path) -> PathBuf {
    use std::path::Component;
    let p = if p.as_os_str().is_empty() {
        Path::new(".")
    } else {
        p
    };
    let joined = std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf());
    let mut out = PathBuf::new();
    for c in joined.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

impl Config {
    /// Reads and checks a `podsec.toml`. Every mistake is an error at its
    /// line and column.
    pub fn load(path: &Path) -> Result<Config, InputError> {
        let name = path.display().to_string();
        let err = |message: String| InputError {
            file: name.clone(),
            line: 0,
            column: 0,
            message,
        };
        let bytes = std::fs::read(path).map_err(|e| err(format!("cannot read: {e}")))?;
        let text = crate::source::error::decode_text(&name, &bytes)?;
        Config::parse(path, text)
    }

    /// `load` for text already read.
    pub fn parse(path: &Path, text: &str) -> Result<Config, InputError> {
        let name = path.display().to_string();
        let index = LineIndex::new(text);
        let at = |span: std::ops::Range<usize>, message: String| {
            let (line, column) = index.line_col(span.start);
            InputError {
                file: name.clone(),
                line,
                column,
                message,
            }
        };
        let raw: Raw = toml::from_str(text).map_err(|e| {
            let msg = e.message().trim_end().replace('\n', "; ");
            at(
                e.span().unwrap_or(0..0),
                format!("invalid podsec.toml: {msg}"),
            )
        })?;
        let line_of = |span: std::ops::Range<usize>| index.line_col(span.start).0;
        let dir = absolute(path.parent().unwrap_or(Path::new(".")));
        let mut cfg = Config {
            file: Some(path.to_path_buf()),
            dir: dir.clone(),
            ..Config::default()
        };
        let selectors = |v: Option<Spanned<Vec<Spanned<String>>>>,
                         key: &str|
         -> Result<Option<Set<Vec<String>>>, InputError> {
            let Some(v) = v else { return Ok(None) };
            let line = line_of(v.span());
            let mut out = Vec::new();
            for s in v.into_inner() {
                let probe = Selection {
                    select: vec![s.get_ref().clone()],
                    ignore: vec![],
                };
                if !probe.unknown().is_empty() {
                    return Err(at(
                        s.span(),
                        format!(
                            "{key}: no rule, code prefix or category matches {:?} (`podsec rules` lists them)",
                            s.get_ref()
                        ),
                    ));
                }
                out.push(s.into_inner());
            }
            Ok(Some(Set { value: out, line }))
        };
        cfg.select = selectors(raw.select, "select")?;
        cfg.extend_select = selectors(raw.extend_select, "extend-select")?;
        cfg.ignore = selectors(raw.ignore, "ignore")?;
        for (k, v) in raw.severity.unwrap_or_default() {
            let Some(rule) = crate::rules::find(k.get_ref()) else {
                return Err(at(
                    k.span(),
                    format!("severity: no rule has the code or name {:?}", k.get_ref()),
                ));
            };
            let Some(sev) = Severity::parse(v.get_ref()) else {
                return Err(at(
                    v.span(),
                    format!(
                        "severity.{}: invalid severity {:?}: expected info, low, medium, high or critical",
                        k.get_ref(),
                        v.get_ref()
                    ),
                ));
            };
            cfg.severity.push((
                rule.code,
                Set {
                    value: sev,
                    line: line_of(v.span()),
                },
            ));
        }
        if let Some(v) = raw.fail_on {
            let value = if v.get_ref() == "never" {
                None
            } else {
                Some(Severity::parse(v.get_ref()).ok_or_else(|| {
                    at(
                        v.span(),
                        format!(
                            "fail-on: invalid value {:?}: expected info, low, medium, high, critical or never",
                            v.get_ref()
                        ),
                    )
                })?)
            };
            cfg.fail_on = Some(Set {
                value,
                line: line_of(v.span()),
            });
        }
        if let Some(v) = raw.target_version {
            let value: Version = v
                .get_ref()
                .parse()
                .map_err(|e| at(v.span(), format!("target-version: {e}")))?;
            cfg.target_version = Some(Set {
                value,
                line: line_of(v.span()),
            });
        }
        if let Some(v) = raw.level {
            let value: Level = v
                .get_ref()
                .parse()
                .map_err(|e| at(v.span(), format!("level: {e}")))?;
            cfg.level = Some(Set {
                value,
                line: line_of(v.span()),
            });
        }
        if let Some(v) = raw.respect_gitignore {
            cfg.respect_gitignore = Some(Set {
                value: *v.get_ref(),
                line: line_of(v.span()),
            });
        }
        if let Some(ex) = raw.exclude {
            let mut b = ignore::gitignore::GitignoreBuilder::new(&dir);
            for pat in ex {
                b.add_line(None, pat.get_ref())
                    .map_err(|e| at(pat.span(), format!("exclude: {e}")))?;
                cfg.exclude.push(Set {
                    value: pat.get_ref().clone(),
                    line: line_of(pat.span()),
                });
            }
            cfg.excluder = Some(b.build().map_err(|e| at(0..0, format!("exclude: {e}")))?);
        }
        for (image, df) in raw.images.unwrap_or_default() {
            let p = dir.join(df.get_ref());
            let shown = relative_to_cwd(&p);
            cfg.images.push((image, shown, line_of(df.span())));
        }
        if let Some(sv) = raw.serve {
            cfg.serve = Some(serve::parse(sv).map_err(|(span, m)| at(span, m))?);
        }
        for e in raw.exemptions.unwrap_or_default() {
            let span = e.span();
            let e = e.into_inner();
            let (line, column) = index.line_col(span.start);
            let rules = selectors(Some(e.rules), "exemptions.rules")?
                .map(|s| s.value)
                .unwrap_or_default();
            if rules.is_empty() {
                return Err(at(span, "exemptions: `rules` names no rule".into()));
            }
            if e.reason.get_ref().trim().is_empty() {
                return Err(at(
                    e.reason.span(),
                    "exemptions: `reason` must say why the finding is accepted".into(),
                ));
            }
            let glob = |v: Option<Spanned<String>>, key: &str| match v {
                None => Ok(None),
                Some(v) => globset::GlobBuilder::new(v.get_ref())
                    .literal_separator(false)
                    .build()
                    .map(|g| Some(g.compile_matcher()))
                    .map_err(|err| at(v.span(), format!("exemptions.{key}: {err}"))),
            };
            let path_globs: Vec<String> = e
                .paths
                .iter()
                .flatten()
                .map(|p| p.get_ref().clone())
                .collect();
            let paths = match e.paths {
                None => None,
                Some(list) => {
                    let mut b = ignore::gitignore::GitignoreBuilder::new(&dir);
                    for p in &list {
                        b.add_line(None, p.get_ref())
                            .map_err(|err| at(p.span(), format!("exemptions.paths: {err}")))?;
                    }
                    Some(
                        b.build()
                            .map_err(|err| at(span.clone(), format!("exemptions.paths: {err}")))?,
                    )
                }
            };
            let expires = match e.expires {
                None => None,
                Some(v) => {
                    let text = match v.get_ref() {
                        DateValue::Toml(d) => d.to_string(),
                        DateValue::Text(s) => s.clone(),
                    };
                    Some(
                        Date::parse(&text)
                            .map_err(|err| at(v.span(), format!("exemptions.expires: {err}")))?,
                    )
                }
            };
            cfg.exemptions.push(Exemption {
                rules,
                paths,
                path_globs,
                kind: glob(e.kind, "kind")?,
                name: glob(e.name, "name")?,
                namespace: glob(e.namespace, "namespace")?,
                container: glob(e.container, "container")?,
                image: glob(e.image, "image")?,
                reason: e.reason.into_inner(),
                expires,
                line,
                column,
            });
        }
        Ok(cfg)
    }

    /// The rule selection: the command line's `--select` replaces the
    /// file's `select` and `extend-select`; `--ignore` adds to `ignore`.
    pub fn selection(&self, cli: &Selection) -> Selection {
        let mut select = if !cli.select.is_empty() {
            cli.select.clone()
        } else {
            let mut s = self
                .select
                .as_ref()
                .map(|s| s.value.clone())
                .unwrap_or_default();
            if let Some(extra) = &self.extend_select {
                if s.is_empty() {
                    // Extending the defaults: every default rule, plus these.
                    s.extend(
                        RULES
                            .iter()
                            .filter(|r| r.default_enabled)
                            .map(|r| r.code.to_string()),
                    );
                }
                s.extend(extra.value.iter().cloned());
            }
            s
        };
        select.dedup();
        let mut ignore = self
            .ignore
            .as_ref()
            .map(|s| s.value.clone())
            .unwrap_or_default();
        ignore.extend(cli.ignore.iter().cloned());
        Selection { select, ignore }
    }

    /// The severity findings of `rule` carry.
    pub fn severity_of(&self, rule: &Rule) -> Severity {
        self.severity
            .iter()
            .find(|(c, _)| *c == rule.code)
            .map_or(rule.severity, |(_, s)| s.value)
    }

    /// Whether a directory walk leaves `path` out by the file's `exclude`.
    pub fn excludes(&self, path: &Path, is_dir: bool) -> bool {
        self.excluder.as_ref().is_some_and(|g| {
            g.matched_path_or_any_parents(absolute(path), is_dir)
                .is_ignore()
        })
    }

    pub fn respects_gitignore(&self) -> bool {
        self.respect_gitignore.as_ref().is_none_or(|s| s.value)
    }

    /// The exemptions whose `expires` date is before `today`.
    pub fn expired(&self, today: Date) -> impl Iterator<Item = &Exemption> {
        self.exemptions
            .iter()
            .filter(move |e| e.expires.is_some_and(|d| d < today))
    }

    /// The first exemption that covers the subject and has not expired.
    pub fn exemption(&self, s: &Subject<'_>, today: Date) -> Option<&Exemption> {
        self.exemptions
            .iter()
            .filter(|e| e.expires.is_none_or(|d| d >= today))
            .find(|e| e.applies(s))
    }

    /// The file's name as reports show it.
    pub fn display_name(&self) -> String {
        self.file
            .as_ref()
            .map_or_else(|| "(defaults)".into(), |p| p.display().to_string())
    }
}

/// `p` relative to the current directory when it lies beneath it.
pub fn relative_to_cwd(p: &Path) -> String {
    let cwd = absolute(Path::new("."));
    match p.strip_prefix(&cwd) {
        Ok(r) => r.display().to_string(),
        Err(_) => p.display().to_string(),
    }
}

/// How configurations are found.
#[derive(Clone, Debug, Default)]
pub enum Discovery {
    /// The nearest `podsec.toml` of each file.
    #[default]
    Nearest,
    /// `--config FILE`: this one for every file.
    File(PathBuf),
    /// `--isolated`: none; the defaults.
    Isolated,
}

/// Finds and caches the configuration of each directory.
pub struct Configs {
    by_dir: HashMap<PathBuf, Arc<Config>>,
    fixed: Option<Arc<Config>>,
    defaults: Arc<Config>,
    /// Every configuration read, in the order first read.
    pub all: Vec<Arc<Config>>,
    pub errors: Vec<InputError>,
}

impl Configs {
    pub fn new(discovery: Discovery) -> Configs {
        let defaults = Arc::new(Config {
            dir: absolute(Path::new(".")),
            ..Config::default()
        });
        let mut c = Configs {
            by_dir: HashMap::new(),
            fixed: None,
            defaults: defaults.clone(),
            all: Vec::new(),
            errors: Vec::new(),
        };
        match discovery {
            Discovery::File(p) => match Config::load(&p) {
                Ok(cfg) => {
                    let cfg = Arc::new(cfg);
                    c.all.push(cfg.clone());
                    c.fixed = Some(cfg);
                }
                Err(e) => {
                    c.errors.push(e);
                    c.fixed = Some(defaults);
                }
            },
            Discovery::Isolated => c.fixed = Some(defaults),
            Discovery::Nearest => {}
        }
        c
    }

    /// The configuration of a file or directory at `path` (`None`:
    /// standard input, taken from the current directory).
    pub fn for_path(&mut self, path: Option<&Path>, is_dir: bool) -> Arc<Config> {
        if let Some(f) = &self.fixed {
            return f.clone();
        }
        let start = match path {
            None => absolute(Path::new(".")),
            Some(p) if is_dir => absolute(p),
            Some(p) => absolute(p)
                .parent()
                .map_or_else(|| PathBuf::from("/"), Path::to_path_buf),
        };
        self.for_dir(&start)
    }

    fn for_dir(&mut self, dir: &Path) -> Arc<Config> {
        if let Some(c) = self.by_dir.get(dir) {
            return c.clone();
        }
        let candidate = dir.join(FILE_NAME);
        let found = if candidate.is_file() {
            match Config::load(&shown_path(&candidate)) {
                Ok(cfg) => {
                    let cfg = Arc::new(cfg);
                    self.all.push(cfg.clone());
                    cfg
                }
                Err(e) => {
                    self.errors.push(e);
                    self.defaults.clone()
                }
            }
        } else {
            match dir.parent() {
                Some(parent) => self.for_dir(parent),
                None => self.defaults.clone(),
            }
        };
        self.by_dir.insert(dir.to_path_buf(), found.clone());
        found
    }
}

/// An absolute path shown relative to the current directory when under it.
fn shown_path(p: &Path) -> PathBuf {
    PathBuf::from(relative_to_cwd(p))
}

/// `podsec config`: the effective settings for `path` and where each comes
/// from, as lines of TOML with comments.
pub fn describe(cfg: &Config) -> String {
    use std::fmt::Write as _;
    let mut out = String::new();
    let from = |line: Option<u32>| match (line, &cfg.file) {
        (Some(l), Some(f)) => format!("{}:{l}", f.display()),
        _ => "default".into(),
    };
    let _ = writeln!(
        out,
        "# configuration: {}",
        cfg.file.as_ref().map_or_else(
            || "none found (defaults)".into(),
            |f| f.display().to_string()
        )
    );
    let list = |v: &[String]| {
        let items: Vec<String> = v.iter().map(|s| format!("{s:?}")).collect();
        format!("[{}]", items.join(", "))
    };
    let sel = cfg.selection(&Selection::default());
    let enabled: Vec<String> = RULES
        .iter()
        .filter(|r| sel.enabled(r))
        .map(|r| r.code.to_string())
        .collect();
    let opt_line = |s: &Option<Set<Vec<String>>>| s.as_ref().map(|s| s.line);
    let _ = writeln!(
        out,
        "select = {}  # {}",
        list(cfg.select.as_ref().map_or(&[][..], |s| &s.value[..])),
        from(opt_line(&cfg.select))
    );
    let _ = writeln!(
        out,
        "extend-select = {}  # {}",
        list(cfg.extend_select.as_ref().map_or(&[][..], |s| &s.value[..])),
        from(opt_line(&cfg.extend_select))
    );
    let _ = writeln!(
        out,
        "ignore = {}  # {}",
        list(cfg.ignore.as_ref().map_or(&[][..], |s| &s.value[..])),
        from(opt_line(&cfg.ignore))
    );
    let _ = writeln!(
        out,
        "# enabled rules ({}): {}",
        enabled.len(),
        enabled.join(" ")
    );
    let fail = cfg.fail_on.as_ref();
    let _ = writeln!(
        out,
        "fail-on = {:?}  # {}",
        fail.map_or("low", |s| s.value.map_or("never", Severity::as_str)),
        from(fail.map(|s| s.line))
    );
    let tv = cfg.target_version.as_ref();
    let _ = writeln!(
        out,
        "target-version = {:?}  # {}",
        tv.map_or("latest".to_string(), |s| s.value.to_string()),
        from(tv.map(|s| s.line))
    );
    match cfg.level.as_ref() {
        Some(s) => {
            let _ = writeln!(
                out,
                "level = {:?}  # {}",
                s.value.as_str(),
                from(Some(s.line))
            );
        }
        None => {
            let _ = writeln!(
                out,
                "# level: not set (pss shows each workload's strictest level)"
            );
        }
    }
    let rg = cfg.respect_gitignore.as_ref();
    let _ = writeln!(
        out,
        "respect-gitignore = {}  # {}",
        cfg.respects_gitignore(),
        from(rg.map(|s| s.line))
    );
    let ex: Vec<String> = cfg.exclude.iter().map(|s| s.value.clone()).collect();
    let _ = writeln!(
        out,
        "exclude = {}  # {}",
        list(&ex),
        from(cfg.exclude.first().map(|s| s.line))
    );
    let _ = writeln!(out, "\n[severity]");
    for (code, s) in &cfg.severity {
        let _ = writeln!(
            out,
            "{code} = {:?}  # {}",
            s.value.as_str(),
            from(Some(s.line))
        );
    }
    let _ = writeln!(out, "\n[images]");
    for (image, df, line) in &cfg.images {
        let _ = writeln!(out, "{image:?} = {df:?}  # {}", from(Some(*line)));
    }
    for e in &cfg.exemptions {
        let _ = writeln!(out, "\n[[exemptions]]  # {}", from(Some(e.line)));
        let _ = writeln!(out, "rules = {}", list(&e.rules));
        if !e.path_globs.is_empty() {
            let _ = writeln!(out, "paths = {}", list(&e.path_globs));
        }
        for (key, g) in [
            ("kind", &e.kind),
            ("name", &e.name),
            ("namespace", &e.namespace),
            ("container", &e.container),
            ("image", &e.image),
        ] {
            if let Some(g) = g {
                let _ = writeln!(out, "{key} = {:?}", g.glob().glob());
            }
        }
        let _ = writeln!(out, "reason = {:?}", e.reason);
        if let Some(d) = e.expires {
            let _ = writeln!(out, "expires = {d}");
        }
    }
    if let Some(sv) = &cfg.serve {
        let _ = writeln!(out, "\n[serve]  # the webhook's policy (docs/webhook.md)");
        out.push_str(&serve::describe(sv));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Config, InputError> {
        Config::parse(Path::new("repo/podsec.toml"), text)
    }

    #[test]
    fn errors_have_positions() {
        let e = parse("select = [\"PS1\"]\nunknown-key = 1\n").unwrap_err();
        assert_eq!((e.line, e.column), (2, 1), "{e}");
        assert!(e.message.contains("unknown field `unknown-key`"), "{e}");
        let e = parse("fail-on = 3\n").unwrap_err();
        assert_eq!((e.line, e.column), (1, 11), "{e}");
        let e = parse("select = [\"PS1\", \"PSX9\"]\n").unwrap_err();
        assert_eq!((e.line, e.column), (1, 18), "{e}");
        let e = parse("[severity]\nPS101 = \"huge\"\n").unwrap_err();
        assert_eq!(e.line, 2, "{e}");
        let e = parse("[[exemptions]]\nrules = [\"PS101\"]\n").unwrap_err();
        assert!(e.message.contains("reason"), "{e}");
        let e = parse(
            "[[exemptions]]\nrules = [\"PS101\"]\nreason = \"x\"\nexpires = \"2025-02-30\"\n",
        )
        .unwrap_err();
        assert_eq!(e.line, 4, "{e}");
    }

    #[test]
    fn selection_merges_cli() {
        let c = parse("select = [\"PS1\"]\nignore = [\"PS102\"]\n").unwrap();
        let s = c.selection(&Selection::default());
        assert!(s.enabled(crate::rules::find("PS101").unwrap()));
        assert!(!s.enabled(crate::rules::find("PS102").unwrap()));
        assert!(!s.enabled(crate::rules::find("PS201").unwrap()));
        let s = c.selection(&Selection {
            select: vec!["PS201".into()],
            ignore: vec!["PS101".into()],
        });
        assert!(s.enabled(crate::rules::find("PS201").unwrap()));
        assert!(!s.enabled(crate::rules::find("PS101").unwrap()));
        let c = parse("extend-select = [\"PS117\"]\n").unwrap();
        let s = c.selection(&Selection::default());
        assert!(s.enabled(crate::rules::find("PS101").unwrap()));
    }
}
