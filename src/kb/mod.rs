//! The CVE catalog (`data/cves.toml`, shipped inside the binary): which
//! settings mitigate which CVEs and which conditions enable them.

use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

pub const CATALOG_TOML: &str = include_str!("../../data/cves.toml");

#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct Cve {
    pub id: String,
    pub component: String,
    pub summary: String,
    #[serde(default)]
    pub cvss: String,
    #[serde(default)]
    pub cvss_source: String,
    #[serde(default)]
    pub mitigated_by: Vec<String>,
    #[serde(default)]
    pub does_not_mitigate: Vec<String>,
    #[serde(default)]
    pub requires: Vec<String>,
    #[serde(default)]
    pub requires_any: Vec<String>,
    #[serde(default)]
    pub uncertain: Vec<String>,
    #[serde(default)]
    pub notes: String,
    #[serde(default)]
    pub references: Vec<String>,
}

#[derive(Deserialize)]
struct Catalog {
    cve: Vec<Cve>,
}

pub fn catalog() -> &'static [Cve] {
    static CATALOG: OnceLock<Vec<Cve>> = OnceLock::new();
    CATALOG.get_or_init(|| {
        // The catalog is compiled in; the kb tests parse it, so this cannot fail
        // at run time for a built binary.
        toml::from_str::<Catalog>(CATALOG_TOML)
            .map(|c| c.cve)
            .unwrap_or_default()
    })
}

pub fn find(id: &str) -> Option<&'static Cve> {
    catalog().iter().find(|c| c.id.eq_ignore_ascii_case(id))
}

/// A CVE linked to a finding, and whether the link is the catalog's
/// inference (`uncertain`) rather than a documented fact.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CveLink {
    pub id: &'static str,
    pub inferred: bool,
}

/// CVEs that a missing `mitigations` setting leaves open, or that an
/// enabling `conditions` key makes possible, in catalog order.
pub fn links(mitigations: &[&str], conditions: &[&str]) -> Vec<CveLink> {
    let mut out = Vec::new();
    for c in catalog() {
        let mitigated: Vec<&str> = mitigations
            .iter()
            .copied()
            .filter(|m| c.mitigated_by.iter().any(|x| x == m))
            .collect();
        let enabled = conditions
            .iter()
            .any(|k| c.requires.iter().chain(&c.requires_any).any(|x| x == k));
        if mitigated.is_empty() && !enabled {
            continue;
        }
        let inferred = !enabled && mitigated.iter().all(|m| c.uncertain.iter().any(|u| u == m));
        out.push(CveLink {
            id: &c.id,
            inferred,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalog_parses_with_unique_ids() {
        let c = catalog();
        assert!(c.len() >= 30, "{}", c.len());
        let mut ids: Vec<&str> = c.iter().map(|c| c.id.as_str()).collect();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), c.len());
        // Every uncertain key refers to a listed mitigation or non-mitigation.
        for cve in c {
            for u in &cve.uncertain {
                assert!(
                    cve.mitigated_by.contains(u) || cve.does_not_mitigate.contains(u),
                    "{} {u}",
                    cve.id
                );
            }
        }
    }

    #[test]
    fn links_follow_the_catalog() {
        let l = links(&[], &["seccomp_localhost_empty_profile"]);
        assert_eq!(
            l,
            [CveLink {
                id: "CVE-2023-2431",
                inferred: false
            }]
        );
        let l = links(&["read_only_root_fs"], &[]);
        let runc = l.iter().find(|x| x.id == "CVE-2019-5736").unwrap();
        assert!(
            runc.inferred,
            "read_only_root_fs is marked uncertain for CVE-2019-5736"
        );
        let l = links(&["no_host_pid"], &[]);
        assert!(l.is_empty());
    }
}
