//! The base image table (`data/base-images.toml`, shipped in the binary).

use std::sync::OnceLock;

use serde::Deserialize;

pub const TABLE_TOML: &str = include_str!("../../data/base-images.toml");

#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
pub struct KnownUser {
    pub name: String,
    pub uid: u32,
    pub gid: u32,
}

#[derive(Clone, Debug, Deserialize)]
pub struct Entry {
    pub repo: String,
    #[serde(default)]
    pub prefix: bool,
    pub default_user: String,
    #[serde(default)]
    pub users: Vec<KnownUser>,
    #[serde(default)]
    pub alpine_users: Vec<KnownUser>,
    #[serde(default)]
    pub alpine: bool,
    #[serde(default)]
    pub nonroot_tags: Vec<String>,
    #[serde(default)]
    pub nonroot_default: Option<String>,
    #[serde(default)]
    pub unknown_tags: Vec<String>,
    #[serde(default)]
    pub root_repos: Vec<String>,
    #[serde(default)]
    pub writable_paths: Vec<String>,
    #[serde(default)]
    pub listens_below_1024: bool,
    pub source: String,
}

#[derive(Deserialize)]
struct Table {
    image: Vec<Entry>,
}

pub fn table() -> &'static [Entry] {
    static T: OnceLock<Vec<Entry>> = OnceLock::new();
    T.get_or_init(|| {
        toml::from_str::<Table>(TABLE_TOML)
            .map(|t| t.image)
            .unwrap_or_default()
    })
}

/// `docker.io/library/node:20-alpine@sha256:…` → (`node`, `20-alpine`).
pub fn normalize(reference: &str) -> (String, String) {
    let r = reference.split('@').next().unwrap_or(reference);
    // A tag is after the last ':' that follows the last '/'.
    let slash = r.rfind('/').map_or(0, |i| i + 1);
    let (repo, tag) = match r[slash..].rfind(':') {
        Some(i) => (&r[..slash + i], &r[slash + i + 1..]),
        None => (r, "latest"),
    };
    let mut repo = repo.to_ascii_lowercase();
    for p in ["docker.io/", "index.docker.io/", "registry-1.docker.io/"] {
        if let Some(rest) = repo.strip_prefix(p) {
            repo = rest.to_string();
        }
    }
    if let Some(rest) = repo.strip_prefix("library/") {
        repo = rest.to_string();
    }
    (repo, tag.to_string())
}

/// What the table knows of an image reference.
#[derive(Clone, Debug)]
pub struct BaseImage {
    pub entry: &'static Entry,
    /// The user it runs as by default (`root`, or a numeric UID).
    pub default_user: String,
    /// Its non-root users, for this tag (Alpine variants may differ).
    pub users: Vec<KnownUser>,
    pub alpine: bool,
}

impl BaseImage {
    pub fn runs_as_root(&self) -> bool {
        self.default_user == "root" || self.default_user == "0"
    }

    /// The first non-root user other than `nobody`.
    pub fn suggested_user(&self) -> Option<&KnownUser> {
        self.users.iter().find(|u| u.uid != 0 && u.name != "nobody")
    }
}

pub fn lookup(reference: &str) -> Option<BaseImage> {
    let (repo, tag) = normalize(reference);
    let entry = table().iter().find(|e| {
        if e.prefix {
            repo == e.repo
                || repo
                    .strip_prefix(e.repo.as_str())
                    .is_some_and(|rest| rest.starts_with('/'))
        } else {
            repo == e.repo
        }
    })?;
    if entry.unknown_tags.iter().any(|t| tag.contains(t.as_str())) {
        return None;
    }
    let mut default_user = entry.default_user.clone();
    if entry.root_repos.contains(&repo) {
        default_user = "root".into();
    }
    if let Some(nr) = &entry.nonroot_default
        && entry.nonroot_tags.iter().any(|t| tag.contains(t.as_str()))
    {
        default_user = nr.clone();
    }
    let alpine = entry.alpine || tag.contains("alpine") || repo.ends_with("alpine");
    let users = if alpine && !entry.alpine_users.is_empty() {
        entry.alpine_users.clone()
    } else {
        entry.users.clone()
    };
    Some(BaseImage {
        entry,
        default_user,
        users,
        alpine,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_parses_and_cites_every_entry() {
        assert!(table().len() >= 15);
        for e in table() {
            assert!(e.source.starts_with("https://"), "{}", e.repo);
        }
    }

    #[test]
    fn references_normalise() {
        assert_eq!(normalize("node"), ("node".into(), "latest".into()));
        assert_eq!(
            normalize("docker.io/library/node:20-alpine@sha256:ab"),
            ("node".into(), "20-alpine".into())
        );
        assert_eq!(
            normalize("localhost:5000/team/app:1.2"),
            ("localhost:5000/team/app".into(), "1.2".into())
        );
        assert_eq!(
            normalize("ghcr.io/acme/api"),
            ("ghcr.io/acme/api".into(), "latest".into())
        );
    }

    #[test]
    fn lookups() {
        let n = lookup("node:20-alpine").unwrap();
        assert!(n.runs_as_root() && n.alpine);
        assert_eq!(n.suggested_user().unwrap().uid, 1000);
        assert_eq!(
            lookup("postgres:16-alpine")
                .unwrap()
                .suggested_user()
                .unwrap()
                .uid,
            70
        );
        assert_eq!(
            lookup("postgres:16").unwrap().suggested_user().unwrap().uid,
            999
        );
        assert_eq!(
            lookup("gcr.io/distroless/static-debian12:nonroot")
                .unwrap()
                .default_user,
            "65532"
        );
        assert!(
            lookup("gcr.io/distroless/static-debian12")
                .unwrap()
                .runs_as_root()
        );
        assert_eq!(
            lookup("cgr.dev/chainguard/python:latest")
                .unwrap()
                .default_user,
            "65532"
        );
        assert!(lookup("cgr.dev/chainguard/python:latest-dev").is_none());
        assert_eq!(lookup("bitnami/redis:7.2").unwrap().default_user, "1001");
        assert!(lookup("bitnami/minideb").unwrap().runs_as_root());
        assert!(lookup("example.com/unknown/app").is_none());
    }
}
