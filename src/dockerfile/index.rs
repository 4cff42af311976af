//! Which Dockerfile builds which image, and what each image runs as.
//!
//! Mappings come from, in order: an explicit `[images]` table in
//! `podsec.toml`, `skaffold.yaml` artifacts, docker-compose `build`
//! contexts, and the convention that an image's last path component names
//! the Dockerfile's folder (`ghcr.io/acme/api` ↔ `api/Dockerfile`) or file
//! (`api.Dockerfile`, `Dockerfile.api`). Images without a Dockerfile fall
//! back to the base image table.

use serde::Deserialize;

use super::images::{self, normalize};
use super::user::{Analysis, FinalUser, UserKind};
use crate::source::{self, Doc, NodeKind, Value};

/// An analysed Dockerfile.
#[derive(Clone, Debug)]
pub struct Built {
    pub path: String,
    pub analysis: Analysis,
    /// 1-based line of the final `USER` (or of the final `FROM`).
    pub line: u32,
}

/// What is known of the user an image runs as.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImageInfo {
    pub runs_as_root: Option<bool>,
    pub numeric_uid: Option<u32>,
    /// The final `USER` as written (`node`, `1000`, `root`), or the base
    /// image's default.
    pub user: String,
    /// The final `USER` is a name, which the kubelet cannot verify.
    pub by_name: bool,
    /// Where the facts come from: `app/Dockerfile:12`, or `None` for the
    /// base image table.
    pub dockerfile: Option<String>,
    /// The base image table's entry (its repository name) and the source it
    /// cites, when the facts come from the table.
    pub table: Option<(String, String)>,
}

#[derive(Clone, Debug, Default)]
pub struct ImageIndex {
    built: Vec<Built>,
    /// (normalised repository, Dockerfile path)
    explicit: Vec<(String, String)>,
}

/// Lexically normalises a relative path (`./a/../b` → `b`).
pub fn clean(path: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    let absolute = path.starts_with('/');
    for p in path.split('/') {
        match p {
            "" | "." => {}
            ".." => {
                if parts.last().is_some_and(|l| *l != "..") {
                    parts.pop();
                } else if !absolute {
                    parts.push("..");
                }
            }
            p => parts.push(p),
        }
    }
    let joined = parts.join("/");
    if absolute {
        format!("/{joined}")
    } else {
        joined
    }
}

fn join(dir: &str, rel: &str) -> String {
    if rel.starts_with('/') || dir.is_empty() {
        clean(rel)
    } else {
        clean(&format!("{dir}/{rel}"))
    }
}

/// The folder of a file path (`""` for the current directory).
pub fn dir_of(path: &str) -> String {
    let c = clean(path);
    match c.rfind('/') {
        Some(i) => c[..i].to_string(),
        None => String::new(),
    }
}

#[derive(Deserialize)]
struct PodsecToml {
    #[serde(default)]
    images: std::collections::BTreeMap<String, String>,
}

/// `(image, Dockerfile path)` pairs from a `podsec.toml`.
pub fn from_podsec_toml(path: &str, text: &str) -> Result<Vec<(String, String)>, String> {
    let cfg: PodsecToml = toml::from_str(text).map_err(|e| e.to_string())?;
    let dir = dir_of(path);
    Ok(cfg
        .images
        .into_iter()
        .map(|(image, df)| (image, join(&dir, &df)))
        .collect())
}

fn scalar<'d>(doc: &'d Doc<'_>, map: Option<u32>, key: &str) -> Option<&'d str> {
    let (_, v) = doc.get(map?, key)?;
    match doc.kind(v) {
        NodeKind::Scalar(s) if s.value == Value::Str => Some(&s.text),
        _ => None,
    }
}

/// `(image, Dockerfile path)` pairs from a `skaffold.yaml`.
pub fn from_skaffold(path: &str, text: &str) -> Vec<(String, String)> {
    let dir = dir_of(path);
    let stream = source::yaml::parse(text);
    let mut out = Vec::new();
    for doc in &stream.docs {
        let Some(root) = doc.root else { continue };
        let build = doc.get(root, "build").map(|(_, v)| v);
        let Some((_, arts)) = build.and_then(|b| doc.get(b, "artifacts")) else {
            continue;
        };
        for a in doc.items(arts) {
            let Some(image) = scalar(doc, Some(a), "image") else {
                continue;
            };
            let context = scalar(doc, Some(a), "context").unwrap_or(".");
            let docker = doc.get(a, "docker").map(|(_, v)| v);
            let dockerfile = scalar(doc, docker, "dockerfile").unwrap_or("Dockerfile");
            out.push((image.to_string(), join(&join(&dir, context), dockerfile)));
        }
    }
    out
}

/// `(image, Dockerfile path)` pairs from a docker-compose file.
pub fn from_compose(path: &str, text: &str) -> Vec<(String, String)> {
    let dir = dir_of(path);
    let stream = source::yaml::parse(text);
    let mut out = Vec::new();
    for doc in &stream.docs {
        let Some(root) = doc.root else { continue };
        let Some((_, services)) = doc.get(root, "services") else {
            continue;
        };
        for (_, _, svc) in doc.entries(services) {
            let Some(image) = scalar(doc, Some(svc), "image") else {
                continue;
            };
            let Some((_, build)) = doc.get(svc, "build") else {
                continue;
            };
            let (context, dockerfile) = match doc.kind(build) {
                NodeKind::Scalar(s) => (s.text.to_string(), "Dockerfile".to_string()),
                NodeKind::Map(_) => (
                    scalar(doc, Some(build), "context")
                        .unwrap_or(".")
                        .to_string(),
                    scalar(doc, Some(build), "dockerfile")
                        .unwrap_or("Dockerfile")
                        .to_string(),
                ),
                _ => continue,
            };
            out.push((image.to_string(), join(&join(&dir, &context), &dockerfile)));
        }
    }
    out
}

/// Whether a file name is one `podsec scan` reads as a Dockerfile.
pub fn is_dockerfile_name(name: &str) -> bool {
    name == "Dockerfile"
        || name == "Containerfile"
        || name.ends_with(".Dockerfile")
        || name.ends_with(".dockerfile")
        || name.starts_with("Dockerfile.")
        || name.starts_with("Containerfile.")
}

impl ImageIndex {
    pub fn add_dockerfile(&mut self, built: Built) {
        self.built.push(built);
    }

    pub fn add_mapping(&mut self, image: &str, dockerfile: &str) {
        self.explicit.push((normalize(image).0, clean(dockerfile)));
    }

    pub fn dockerfiles(&self) -> &[Built] {
        &self.built
    }

    /// The Dockerfile that builds `image`, if one was scanned.
    pub fn dockerfile_for(&self, image: &str) -> Option<&Built> {
        let (repo, _) = normalize(image);
        if let Some((_, path)) = self.explicit.iter().rev().find(|(r, _)| *r == repo) {
            return self.built.iter().find(|b| clean(&b.path) == *path);
        }
        let last = repo.rsplit('/').next().unwrap_or(&repo);
        let matches: Vec<&Built> = self
            .built
            .iter()
            .filter(|b| {
                let p = clean(&b.path);
                let file = p.rsplit('/').next().unwrap_or(&p);
                let folder = dir_of(&p);
                let folder = folder.rsplit('/').next().unwrap_or("");
                let stem = file
                    .strip_suffix(".Dockerfile")
                    .or_else(|| file.strip_suffix(".dockerfile"))
                    .or_else(|| file.strip_prefix("Dockerfile."));
                stem == Some(last)
                    || ((file == "Dockerfile" || file == "Containerfile") && folder == last)
            })
            .collect();
        (matches.len() == 1).then(|| matches[0])
    }

    /// What the image runs as: from its Dockerfile, else the base table.
    pub fn lookup(&self, image: &str) -> Option<ImageInfo> {
        if let Some(b) = self.dockerfile_for(image) {
            let a = &b.analysis;
            let (user, by_name) = match &a.final_user {
                FinalUser::Set(u) => (u.value.clone(), matches!(u.kind, UserKind::Name(_))),
                FinalUser::Base(Some(base)) => (base.default_user.clone(), false),
                FinalUser::Base(None) => ("(the base image's default)".to_string(), false),
            };
            return Some(ImageInfo {
                runs_as_root: a.runs_as_root(),
                numeric_uid: a.numeric_uid(),
                user,
                by_name,
                dockerfile: Some(format!("{}:{}", b.path, b.line)),
                table: None,
            });
        }
        let base = images::lookup(image)?;
        Some(ImageInfo {
            runs_as_root: Some(base.runs_as_root()),
            numeric_uid: if base.runs_as_root() {
                Some(0)
            } else {
                base.default_user.parse().ok()
            },
            user: base.default_user.clone(),
            by_name: false,
            dockerfile: None,
            table: Some((base.entry.repo.clone(), base.entry.source.clone())),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths() {
        assert_eq!(clean("./a/../b/./c"), "b/c");
        assert_eq!(
            join("examples/x", "../y/Dockerfile"),
            "examples/y/Dockerfile"
        );
        assert_eq!(dir_of("Dockerfile"), "");
        assert!(is_dockerfile_name("api.Dockerfile") && is_dockerfile_name("Dockerfile.dev"));
        assert!(!is_dockerfile_name("Dockerfile-notes.md") && !is_dockerfile_name("docker.yaml"));
    }

    #[test]
    fn config_sources() {
        let t = from_podsec_toml(
            "repo/podsec.toml",
            "[images]\n\"ghcr.io/acme/api\" = \"services/api/Dockerfile\"\n",
        )
        .unwrap();
        assert_eq!(
            t,
            [(
                "ghcr.io/acme/api".to_string(),
                "repo/services/api/Dockerfile".to_string()
            )]
        );
        let s = from_skaffold(
            "skaffold.yaml",
            "apiVersion: skaffold/v4beta11\nkind: Config\nbuild:\n  artifacts:\n  - image: web\n    context: src/web\n  - image: worker\n    context: src\n    docker: {dockerfile: worker.Dockerfile}\n",
        );
        assert_eq!(s[0], ("web".into(), "src/web/Dockerfile".into()));
        assert_eq!(s[1], ("worker".into(), "src/worker.Dockerfile".into()));
        let c = from_compose(
            "deploy/compose.yaml",
            "services:\n  vote:\n    image: example/vote\n    build: ./vote\n  db:\n    image: postgres:16\n  result:\n    image: example/result\n    build: {context: ../result, dockerfile: Containerfile}\n",
        );
        assert_eq!(
            c,
            [
                ("example/vote".into(), "deploy/vote/Dockerfile".into()),
                ("example/result".into(), "result/Containerfile".into())
            ]
        );
    }
}
