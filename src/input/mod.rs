//! Where text comes from: the files and directories a command was given,
//! and standard input.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

pub use crate::source::error::{InputError, decode_text};

#[cfg(feature = "live")]
pub mod live;
pub mod render;

use crate::dockerfile::index::is_dockerfile_name;

/// File names a directory walk reads as manifests.
pub const MANIFEST_EXTS: &[&str] = &[".yaml", ".yml", ".json"];

/// Files larger than this are refused rather than read into memory.
pub const MAX_FILE_BYTES: u64 = 256 * 1024 * 1024;

/// The name standard input goes by in reports when `--stdin-filename` does
/// not give one.
pub const STDIN_NAME: &str = "-";

pub enum Source {
    /// Standard input, with the name it is reported under.
    Stdin(String),
    File(PathBuf),
    /// A Helm chart directory, read as `helm template` renders it.
    Chart(PathBuf),
    /// A Kustomize root, read as `kubectl kustomize` renders it.
    Kustomize(PathBuf),
}

/// Rendered charts and overlays, once per process (the namespace pass and
/// the scan read them both).
static RENDERED: Mutex<Vec<(PathBuf, Vec<u8>)>> = Mutex::new(Vec::new());

/// Standard input, read once per process: every later read (a scan after
/// `--fix`, say) sees the same bytes, or what `replace_stdin` put there.
static STDIN: Mutex<Option<Vec<u8>>> = Mutex::new(None);

fn stdin_bytes() -> std::io::Result<Vec<u8>> {
    let mut cache = STDIN.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(b) = cache.as_ref() {
        return Ok(b.clone());
    }
    let mut bytes = Vec::new();
    std::io::stdin()
        .take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)?;
    *cache = Some(bytes.clone());
    Ok(bytes)
}

/// What standard input holds from now on for this process (the fixed text,
/// after `scan --fix -`).
pub fn replace_stdin(bytes: Vec<u8>) {
    *STDIN.lock().unwrap_or_else(|e| e.into_inner()) = Some(bytes);
}

/// Drops the cached rendering of a chart or overlay (its files changed).
pub fn forget_rendered(dir: &Path) {
    RENDERED
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .retain(|(p, _)| p != dir);
}

impl Source {
    pub fn name(&self) -> String {
        match self {
            Source::Stdin(name) => name.clone(),
            Source::File(p) | Source::Chart(p) | Source::Kustomize(p) => p.display().to_string(),
        }
    }

    /// A chart or an overlay: its text is a tool's output.
    pub fn is_rendered(&self) -> bool {
        matches!(self, Source::Chart(_) | Source::Kustomize(_))
    }

    fn render(&self) -> Result<Vec<u8>, InputError> {
        let (Source::Chart(p) | Source::Kustomize(p)) = self else {
            return Ok(Vec::new());
        };
        {
            let cache = RENDERED.lock().unwrap_or_else(|e| e.into_inner());
            if let Some((_, b)) = cache.iter().find(|(q, _)| q == p) {
                return Ok(b.clone());
            }
        }
        let bytes = match self {
            Source::Chart(p) => render::helm_template(p, &[])?,
            _ => render::kustomize(p)?.0,
        };
        RENDERED
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push((p.clone(), bytes.clone()));
        Ok(bytes)
    }

    pub fn is_stdin(&self) -> bool {
        matches!(self, Source::Stdin(_))
    }

    pub fn read(&self) -> Result<Vec<u8>, InputError> {
        let err = |message: String| InputError {
            file: self.name(),
            line: 0,
            column: 0,
            message,
        };
        let bytes = match self {
            Source::Chart(_) | Source::Kustomize(_) => self.render()?,
            Source::Stdin(_) => {
                let bytes =
                    stdin_bytes().map_err(|e| err(format!("cannot read standard input: {e}")))?;
                if bytes.iter().all(|b| b.is_ascii_whitespace()) {
                    return Err(err(
                        "standard input is empty (did the command before the pipe fail?)".into(),
                    ));
                }
                bytes
            }
            Source::File(p) => {
                let f = std::fs::File::open(p).map_err(|e| err(format!("cannot read: {e}")))?;
                // One allocation of the file's size: growing by doubling
                // would hold two copies of a large file for a while.
                let size = f.metadata().map_or(0, |m| m.len()).min(MAX_FILE_BYTES + 1);
                let mut bytes = Vec::with_capacity(size as usize + 1);
                f.take(MAX_FILE_BYTES + 1)
                    .read_to_end(&mut bytes)
                    .map_err(|e| err(format!("cannot read: {e}")))?;
                bytes
            }
        };
        if bytes.len() as u64 > MAX_FILE_BYTES {
            return Err(err(format!(
                "the file is larger than {} MiB",
                MAX_FILE_BYTES >> 20
            )));
        }
        Ok(bytes)
    }
}

/// Which files a directory walk picks up, by file name.
pub type Wanted = fn(&str) -> bool;

pub fn manifest_name(name: &str) -> bool {
    MANIFEST_EXTS.iter().any(|e| name.ends_with(e))
}

fn wanted(path: &Path, want: Wanted) -> bool {
    want(path.file_name().and_then(|n| n.to_str()).unwrap_or(""))
}

/// What a command was given, expanded.
#[derive(Default)]
pub struct Gathered {
    pub sources: Vec<Source>,
    /// Paths that cannot be read at all (exit 2).
    pub errors: Vec<InputError>,
    /// Entries of a walked directory that were not read, and why: special
    /// files, dangling links, link loops. Reported, never silently dropped.
    pub skipped: Vec<Skipped>,
}

pub struct Skipped {
    pub path: String,
    pub why: &'static str,
}

impl std::fmt::Display for Skipped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: warning: skipped: {}", self.path, self.why)
    }
}

/// What a directory walk leaves out besides hidden entries.
pub struct Filters<'c> {
    /// Each file's configuration (its `exclude` globs).
    pub configs: &'c mut crate::config::Configs,
    /// Read `.gitignore` files (`--no-ignore` turns it off; so does
    /// `respect-gitignore = false` in the configuration).
    pub gitignore: bool,
}

/// Expands the command-line paths: files as given, `-` as standard input
/// (reported as `stdin_name`), directories walked recursively (sorted,
/// hidden entries skipped, symbolic links to directories not followed)
/// for the files `want` accepts. Without `filters`, nothing is excluded.
pub fn gather(paths: &[String], want: Wanted, stdin_name: Option<&str>) -> Gathered {
    let mut configs = crate::config::Configs::new(crate::config::Discovery::Isolated);
    gather_filtered(
        paths,
        want,
        stdin_name,
        &mut Filters {
            configs: &mut configs,
            gitignore: false,
        },
    )
}

/// `gather`, leaving out of directory walks what the configuration's
/// `exclude` and the `.gitignore` files name. Files named on the command
/// line are always read.
pub fn gather_filtered(
    paths: &[String],
    want: Wanted,
    stdin_name: Option<&str>,
    filters: &mut Filters<'_>,
) -> Gathered {
    let mut g = Gathered::default();
    for p in paths {
        if p == "-" {
            g.sources
                .push(Source::Stdin(stdin_name.unwrap_or(STDIN_NAME).to_string()));
            continue;
        }
        let path = PathBuf::from(p);
        match std::fs::metadata(&path) {
            Ok(m) if m.is_dir() && render::is_chart(&path) => g.sources.push(Source::Chart(path)),
            Ok(m) if m.is_dir() && render::is_kustomization(&path) => {
                g.sources.push(Source::Kustomize(path))
            }
            Ok(m) if m.is_dir() => {
                let mut ignores = if filters.gitignore {
                    ancestor_gitignores(&path)
                } else {
                    Vec::new()
                };
                walk(&path, want, &mut g, filters, &mut ignores)
            }
            Ok(_) => g.sources.push(Source::File(path)),
            Err(e) => g.errors.push(InputError {
                file: p.clone(),
                line: 0,
                column: 0,
                message: format!("cannot read: {e}"),
            }),
        }
    }
    g
}

/// The `.gitignore` files of the directories above `dir`, up to the root
/// of its git work tree (the first one holding `.git`), outermost first.
/// Outside a work tree, none.
fn ancestor_gitignores(dir: &Path) -> Vec<ignore::gitignore::Gitignore> {
    let abs = crate::config::absolute(dir);
    let mut chain = Vec::new();
    let mut cur = abs.parent();
    let mut in_repo = abs.join(".git").exists();
    while let Some(d) = cur {
        if in_repo {
            break;
        }
        chain.push(d.to_path_buf());
        if d.join(".git").exists() {
            in_repo = true;
            break;
        }
        cur = d.parent();
    }
    if !in_repo {
        return Vec::new();
    }
    chain.iter().rev().filter_map(|d| gitignore_of(d)).collect()
}

fn gitignore_of(dir: &Path) -> Option<ignore::gitignore::Gitignore> {
    let file = dir.join(".gitignore");
    if !file.is_file() {
        return None;
    }
    let (g, _) = ignore::gitignore::Gitignore::new(&file);
    Some(g)
}

/// Whether the walk leaves `path` out: the configuration's `exclude`, then
/// the `.gitignore` files, the deepest deciding (a `!pattern` there brings
/// back what an outer one ignores).
fn filtered(
    path: &Path,
    is_dir: bool,
    filters: &mut Filters<'_>,
    ignores: &[ignore::gitignore::Gitignore],
) -> bool {
    let cfg = filters.configs.for_path(Some(path), false);
    if cfg.excludes(path, is_dir) {
        return true;
    }
    if !filters.gitignore || !cfg.respects_gitignore() {
        return false;
    }
    let abs = crate::config::absolute(path);
    for g in ignores.iter().rev() {
        match g.matched(&abs, is_dir) {
            ignore::Match::Ignore(_) => return true,
            ignore::Match::Whitelist(_) => return false,
            ignore::Match::None => {}
        }
    }
    false
}

/// Why a directory entry that is neither a directory nor a regular file
/// (nor a link to one) is not read.
fn special(meta: &std::fs::Metadata) -> Option<&'static str> {
    use std::os::unix::fs::FileTypeExt;
    let t = meta.file_type();
    if t.is_fifo() {
        Some("a named pipe (FIFO), not a regular file")
    } else if t.is_socket() {
        Some("a socket, not a regular file")
    } else if t.is_block_device() || t.is_char_device() {
        Some("a device, not a regular file")
    } else if t.is_file() || t.is_dir() {
        None
    } else {
        Some("not a regular file")
    }
}

fn walk(
    dir: &Path,
    want: Wanted,
    g: &mut Gathered,
    filters: &mut Filters<'_>,
    ignores: &mut Vec<ignore::gitignore::Gitignore>,
) {
    let pushed = match filters
        .gitignore
        .then(|| gitignore_of(&crate::config::absolute(dir)))
    {
        Some(Some(gi)) => {
            ignores.push(gi);
            true
        }
        _ => false,
    };
    walk_entries(dir, want, g, filters, ignores);
    if pushed {
        ignores.pop();
    }
}

fn walk_entries(
    dir: &Path,
    want: Wanted,
    g: &mut Gathered,
    filters: &mut Filters<'_>,
    ignores: &mut Vec<ignore::gitignore::Gitignore>,
) {
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) => {
            g.errors.push(InputError {
                file: dir.display().to_string(),
                line: 0,
                column: 0,
                message: format!("cannot read directory: {e}"),
            });
            return;
        }
    };
    // Names sort as their paths would (within one directory), and the
    // entry's own type spares a stat call for plain files and directories.
    let mut entries: Vec<(std::ffi::OsString, Option<std::fs::FileType>)> = entries
        .filter_map(|e| e.ok().map(|e| (e.file_name(), e.file_type().ok())))
        .collect();
    entries.sort_unstable_by(|a, b| a.0.cmp(&b.0));
    for (name, file_type) in entries {
        if name.as_encoded_bytes().first() == Some(&b'.') {
            continue;
        }
        let path = dir.join(&name);
        match file_type {
            Some(t) if t.is_dir() => {
                if filtered(&path, true, filters, ignores) {
                    continue;
                }
                // A chart or a Kustomize root is read rendered, as a whole:
                // its templates and patches are not manifests by themselves.
                if render::is_chart(&path) {
                    g.sources.push(Source::Chart(path));
                } else if render::is_kustomization(&path) {
                    g.sources.push(Source::Kustomize(path));
                } else {
                    walk(&path, want, g, filters, ignores);
                }
                continue;
            }
            Some(t) if t.is_file() => {
                if wanted(&path, want) && !filtered(&path, false, filters, ignores) {
                    g.sources.push(Source::File(path));
                }
                continue;
            }
            _ => {}
        }
        let skip = |g: &mut Gathered, why| {
            g.skipped.push(Skipped {
                path: path.display().to_string(),
                why,
            })
        };
        let Ok(meta) = std::fs::symlink_metadata(&path) else {
            skip(g, "it vanished while the directory was read");
            continue;
        };
        if meta.is_dir() {
            if !filtered(&path, true, filters, ignores) {
                walk(&path, want, g, filters, ignores);
            }
            continue;
        }
        let target = if meta.file_type().is_symlink() {
            match std::fs::metadata(&path) {
                Ok(t) => t,
                Err(e) if e.raw_os_error() == Some(40) => {
                    // ELOOP
                    skip(g, "a symbolic link loop");
                    continue;
                }
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                    skip(g, "a dangling symbolic link (its target does not exist)");
                    continue;
                }
                Err(_) => {
                    skip(g, "a symbolic link whose target cannot be read");
                    continue;
                }
            }
        } else {
            meta
        };
        if target.is_dir() {
            skip(g, "a symbolic link to a directory (not followed)");
        } else if let Some(why) = special(&target) {
            skip(g, why);
        } else if wanted(&path, want) && !filtered(&path, false, filters, ignores) {
            g.sources.push(Source::File(path));
        }
    }
}

/// The line a command prints on stderr when its inputs held nothing to
/// check: `podsec scan: no workloads found in charts/, - (3 files read)`.
pub fn nothing_found(command: &str, paths: &[String], files: usize, what: &str) -> String {
    format!(
        "podsec {command}: no {what} found in {} ({files} {} read)",
        paths.join(", "),
        if files == 1 { "file" } else { "files" }
    )
}

/// Reads each source and hands its text to `f`; unreadable or non-UTF-8
/// files are reported on stderr and collected in `errors`.
pub fn each_text(
    sources: &[Source],
    errors: &mut Vec<InputError>,
    mut f: impl FnMut(&str, &str) -> std::io::Result<()>,
) -> std::io::Result<()> {
    for src in sources {
        let name = src.name();
        let decoded = src.read().and_then(|bytes| {
            decode_text(&name, &bytes)?;
            Ok(bytes)
        });
        match decoded {
            // Valid UTF-8 was just checked.
            Ok(bytes) => f(&name, std::str::from_utf8(&bytes).unwrap_or_default())?,
            Err(e) => {
                eprintln!("{e}");
                errors.push(e);
            }
        }
    }
    Ok(())
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Manifest,
    Dockerfile,
    PodsecToml,
}

/// Files a directory walk picks up: manifests, Dockerfiles, podsec.toml.
pub fn scan_name(name: &str) -> bool {
    manifest_name(name) || is_dockerfile_name(name) || name == "podsec.toml"
}

/// What a file is: by its name when the name says (`podsec.toml`, a
/// Dockerfile name, `.yaml`/`.yml`/`.json`), otherwise (standard input, a
/// named file such as `pod`, `manifest.txt` or `/dev/fd/63`) by its content.
pub fn classify(path: &str, bytes: &[u8]) -> Kind {
    let name = path.rsplit('/').next().unwrap_or(path);
    if name == "podsec.toml" {
        Kind::PodsecToml
    } else if is_dockerfile_name(name) {
        Kind::Dockerfile
    } else if manifest_name(name) {
        Kind::Manifest
    } else if looks_like_dockerfile(bytes) {
        Kind::Dockerfile
    } else {
        Kind::Manifest
    }
}

/// A Dockerfile starts (after blank lines and comments) with a parser
/// directive (`# syntax=`, `# escape=`, `# check=`), `FROM` or `ARG`; no
/// Kubernetes manifest does (`FROM: x` is a YAML key, not an instruction).
pub fn looks_like_dockerfile(bytes: &[u8]) -> bool {
    let text = String::from_utf8_lossy(&bytes[..bytes.len().min(64 * 1024)]);
    let text = text.trim_start_matches('\u{feff}');
    for line in text.lines() {
        let t = line.trim();
        if t.is_empty() {
            continue;
        }
        if let Some(c) = t.strip_prefix('#') {
            let c = c.trim_start().to_ascii_lowercase();
            let key = c.split('=').next().unwrap_or("").trim_end();
            if c.contains('=') && matches!(key, "syntax" | "escape" | "check") {
                return true;
            }
            continue;
        }
        let mut words = t.splitn(2, |c: char| c.is_ascii_whitespace());
        let word = words.next().unwrap_or("");
        let rest = words.next().unwrap_or("").trim_start();
        return (word.eq_ignore_ascii_case("FROM") || word.eq_ignore_ascii_case("ARG"))
            && !rest.is_empty()
            && !rest.starts_with(':');
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dockerfiles_by_content() {
        for yes in [
            "FROM alpine\n",
            "\n# a comment\nfrom alpine:3 AS build\n",
            "ARG BASE=alpine\nFROM $BASE\n",
            "# syntax=docker/dockerfile:1\n",
            "\u{feff}# escape=`\nFROM x\n",
        ] {
            assert!(looks_like_dockerfile(yes.as_bytes()), "{yes:?}");
        }
        for no in [
            "apiVersion: v1\nkind: Pod\n",
            "FROM: x\n",
            "{\"kind\": \"Pod\"}",
            "# FROM alpine\napiVersion: v1\n",
            "",
            "FROM\n",
        ] {
            assert!(!looks_like_dockerfile(no.as_bytes()), "{no:?}");
        }
        assert_eq!(classify("a/manifest.txt", b"kind: Pod\n"), Kind::Manifest);
        assert_eq!(classify("/dev/fd/63", b"FROM x\n"), Kind::Dockerfile);
        assert_eq!(classify("Dockerfile", b"kind: Pod\n"), Kind::Dockerfile);
        assert_eq!(classify("x.yaml", b"FROM x\n"), Kind::Manifest);
    }
}
