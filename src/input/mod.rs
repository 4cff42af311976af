//! Where text comes from: the files and directories a command was given,
//! and standard input.

use std::io::Read;
use std::path::{Path, PathBuf};

pub use error::{InputError, decode_text};

mod error;

use crate::dockerfile::index::is_dockerfile_name;

/// File names a directory walk reads as manifests.
pub const MANIFEST_EXTS: &[&str] = &[".yaml", ".yml", ".json"];

/// Files larger than this are refused rather than read into memory.
pub const MAX_FILE_BYTES: u64 = 256 * 1024 * 1024;

pub enum Source {
    Stdin,
    File(PathBuf),
}

impl Source {
    pub fn name(&self) -> String {
        match self {
            Source::Stdin => "-".to_string(),
            Source::File(p) => p.display().to_string(),
        }
    }

    pub fn read(&self) -> Result<Vec<u8>, InputError> {
        let err = |message: String| InputError {
            file: self.name(),
            line: 0,
            column: 0,
            message,
        };
        let mut bytes = Vec::new();
        match self {
            Source::Stdin => {
                std::io::stdin()
                    .take(MAX_FILE_BYTES + 1)
                    .read_to_end(&mut bytes)
                    .map_err(|e| err(format!("cannot read standard input: {e}")))?;
            }
            Source::File(p) => {
                let f = std::fs::File::open(p).map_err(|e| err(format!("cannot read: {e}")))?;
                f.take(MAX_FILE_BYTES + 1)
                    .read_to_end(&mut bytes)
                    .map_err(|e| err(format!("cannot read: {e}")))?;
            }
        }
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

/// Expands the command-line paths: files as given, directories walked
/// recursively (sorted, hidden entries skipped, symlinked directories not
/// followed) for files ending in one of `exts`.
pub fn gather(paths: &[String], want: Wanted) -> (Vec<Source>, Vec<InputError>) {
    let mut out = Vec::new();
    let mut errors = Vec::new();
    for p in paths {
        if p == "-" {
            out.push(Source::Stdin);
            continue;
        }
        let path = PathBuf::from(p);
        match std::fs::metadata(&path) {
            Ok(m) if m.is_dir() => walk(&path, want, &mut out, &mut errors),
            Ok(_) => out.push(Source::File(path)),
            Err(e) => errors.push(InputError {
                file: p.clone(),
                line: 0,
                column: 0,
                message: format!("cannot read: {e}"),
            }),
        }
    }
    (out, errors)
}

fn walk(dir: &Path, want: Wanted, out: &mut Vec<Source>, errors: &mut Vec<InputError>) {
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) => {
            errors.push(InputError {
                file: dir.display().to_string(),
                line: 0,
                column: 0,
                message: format!("cannot read directory: {e}"),
            });
            return;
        }
    };
    let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    paths.sort();
    for path in paths {
        let hidden = path
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.starts_with('.'));
        if hidden {
            continue;
        }
        let Ok(meta) = std::fs::symlink_metadata(&path) else {
            continue;
        };
        if meta.is_dir() {
            walk(&path, want, out, errors);
        } else if wanted(&path, want) && std::fs::metadata(&path).is_ok_and(|m| m.is_file()) {
            out.push(Source::File(path));
        }
    }
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

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Manifest,
    Dockerfile,
    PodsecToml,
}

/// Files a directory walk picks up: manifests, Dockerfiles, podsec.toml.
pub fn scan_name(name: &str) -> bool {
    manifest_name(name) || is_dockerfile_name(name) || name == "podsec.toml"
}

/// A file given explicitly that is neither a manifest nor podsec.toml is
/// read as a Dockerfile, whatever its name.
pub fn classify(path: &str, explicit: bool) -> Kind {
    let name = path.rsplit('/').next().unwrap_or(path);
    if name == "podsec.toml" {
        Kind::PodsecToml
    } else if is_dockerfile_name(name) || (explicit && path != "-" && !manifest_name(name)) {
        Kind::Dockerfile
    } else {
        Kind::Manifest
    }
}
