//! Pod Security Standards, decided as the Kubernetes Pod Security admission
//! controller decides them, at every policy version (see docs/pss.md).

mod checks;
mod format;
pub mod namespace;

use std::fmt;
use std::str::FromStr;

use crate::model::PodTemplate;

pub use checks::{
    ALLOWED_VOLUME_SOURCES, BASELINE_CAPABILITIES, CHECKS, Check, Revision, restricted_volume_type,
    sysctl_allowed,
};
pub use format::go_quote;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Level {
    Privileged,
    Baseline,
    Restricted,
}

impl Level {
    pub const ALL: [Level; 3] = [Level::Privileged, Level::Baseline, Level::Restricted];

    pub fn as_str(self) -> &'static str {
        match self {
            Level::Privileged => "privileged",
            Level::Baseline => "baseline",
            Level::Restricted => "restricted",
        }
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Level {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "privileged" => Ok(Level::Privileged),
            "baseline" => Ok(Level::Baseline),
            "restricted" => Ok(Level::Restricted),
            _ => Err(format!(
                "invalid level {s:?}: expected privileged, baseline or restricted"
            )),
        }
    }
}

/// The newest policy version the checks define (the latest revision of any
/// check). `latest` and newer versions are evaluated as this one.
pub const MAX_MINOR: u32 = 37;

/// A policy version as written in a namespace label: `latest` or `v1.N`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Version {
    Latest,
    V1(u32),
}

impl Version {
    /// The minor version the checks are evaluated at (clamped to `MAX_MINOR`).
    pub fn minor(self) -> u32 {
        match self {
            Version::Latest => MAX_MINOR,
            Version::V1(n) => n.min(MAX_MINOR),
        }
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Version::Latest => f.write_str("latest"),
            Version::V1(n) => write!(f, "v1.{n}"),
        }
    }
}

impl FromStr for Version {
    type Err = String;
    /// `latest`, or `v1.N` with no leading zeros (`^v1\.(0|[1-9][0-9]*)$`).
    fn from_str(s: &str) -> Result<Self, String> {
        if s == "latest" {
            return Ok(Version::Latest);
        }
        let err = || format!("invalid version {s:?}: expected \"latest\" or \"v1.N\"");
        let minor = s.strip_prefix("v1.").ok_or_else(err)?;
        let valid = !minor.is_empty()
            && minor.bytes().all(|b| b.is_ascii_digit())
            && (minor == "0" || !minor.starts_with('0'));
        if !valid {
            return Err(err());
        }
        minor.parse::<u32>().map(Version::V1).map_err(|_| err())
    }
}

/// One failing check: the controller's reason and detail texts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Violation {
    pub check: &'static str,
    pub reason: String,
    pub detail: String,
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.detail.is_empty() {
            f.write_str(&self.reason)
        } else {
            write!(f, "{} ({})", self.reason, self.detail)
        }
    }
}

/// The controller's aggregate text: `reason (detail), reason (detail)`.
pub fn aggregate(violations: &[Violation]) -> String {
    let mut s = String::new();
    for (i, v) in violations.iter().enumerate() {
        if i > 0 {
            s.push_str(", ");
        }
        s.push_str(&v.to_string());
    }
    s
}

/// The check revisions that run at `level` and `version`, in the
/// controller's evaluation order: baseline checks by ID (minus those a
/// running restricted check overrides), then restricted checks by ID.
pub fn active_checks(level: Level, version: Version) -> Vec<(&'static Check, &'static Revision)> {
    let minor = version.minor();
    let select = |c: &'static Check| {
        c.revisions
            .iter()
            .rev()
            .find(|r| r.min_minor <= minor)
            .map(|r| (c, r))
    };
    let wanted = |l: Level| {
        CHECKS
            .iter()
            .filter(move |c| c.level == l)
            .filter_map(select)
    };
    let mut out: Vec<(&Check, &Revision)> = Vec::new();
    if level == Level::Privileged {
        return out;
    }
    let restricted: Vec<_> = if level == Level::Restricted {
        wanted(Level::Restricted).collect()
    } else {
        Vec::new()
    };
    let overridden = |id: &str| restricted.iter().any(|(_, r)| r.overrides.contains(&id));
    out.extend(wanted(Level::Baseline).filter(|(c, _)| !overridden(c.id)));
    let mut restricted = restricted;
    out.sort_by_key(|(c, _)| c.id);
    restricted.sort_by_key(|(c, _)| c.id);
    out.extend(restricted);
    out
}

type Active = Vec<(&'static Check, &'static Revision)>;

/// `active_checks` for every level and minor version, computed once.
fn active_table() -> &'static [Vec<Active>; 3] {
    static TABLE: std::sync::OnceLock<[Vec<Active>; 3]> = std::sync::OnceLock::new();
    TABLE.get_or_init(|| {
        Level::ALL.map(|l| {
            (0..=MAX_MINOR)
                .map(|m| active_checks(l, Version::V1(m)))
                .collect()
        })
    })
}

/// Every violation of `level` at `version` (empty: allowed).
pub fn evaluate(pod: &PodTemplate<'_>, level: Level, version: Version) -> Vec<Violation> {
    active_table()[level as usize][version.minor() as usize]
        .iter()
        .filter_map(|&(c, r)| {
            (r.check)(pod).map(|(reason, detail)| Violation {
                check: c.id,
                reason,
                detail,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_parse_like_the_controller() {
        assert_eq!("latest".parse::<Version>(), Ok(Version::Latest));
        assert_eq!("v1.0".parse::<Version>(), Ok(Version::V1(0)));
        assert_eq!("v1.25".parse::<Version>(), Ok(Version::V1(25)));
        for bad in ["v1.01", "1.25", "v2.0", "v1.", "v1.x", "V1.2", "v1.-1", ""] {
            assert!(bad.parse::<Version>().is_err(), "{bad}");
        }
        assert_eq!(Version::V1(99).minor(), MAX_MINOR);
        assert_eq!(Version::Latest.minor(), MAX_MINOR);
    }

    #[test]
    fn evaluation_order_matches_the_controller() {
        let ids: Vec<_> = active_checks(Level::Restricted, Version::Latest)
            .iter()
            .map(|(c, _)| c.id)
            .collect();
        assert_eq!(
            ids,
            [
                "appArmorProfile",
                "hostNamespaces",
                "hostPorts",
                "hostProbesAndHostLifecycle",
                "privileged",
                "seLinuxOptions",
                "sysctls",
                "windowsHostProcess",
                "allowPrivilegeEscalation",
                "capabilities_restricted",
                "procMount_restricted",
                "restrictedVolumes",
                "runAsNonRoot",
                "runAsUser",
                "seccompProfile_restricted",
            ]
        );
        let ids: Vec<_> = active_checks(Level::Restricted, Version::V1(18))
            .iter()
            .map(|(c, _)| c.id)
            .collect();
        assert_eq!(
            ids,
            [
                "appArmorProfile",
                "capabilities_baseline",
                "hostNamespaces",
                "hostPorts",
                "privileged",
                "procMount",
                "seLinuxOptions",
                "seccompProfile_baseline",
                "sysctls",
                "windowsHostProcess",
                "allowPrivilegeEscalation",
                "restrictedVolumes",
                "runAsNonRoot",
            ]
        );
        assert!(active_checks(Level::Privileged, Version::Latest).is_empty());
    }
}
