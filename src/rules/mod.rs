//! The rulebook. A rule is one static [`Rule`] in its own file: metadata,
//! documentation in English and Korean, and the check. `RULES` lists them
//! sorted by code; codes are stable forever.

pub(crate) mod capabilities;
mod ctx;
mod dockerfile;
mod fields;
mod host;
mod images;
mod registry;
mod seccomp;
mod security_context;
pub mod suppressions;
mod sysctls;
mod volumes;

use serde::Serialize;

use crate::pss::Level;

pub use capabilities::capabilities_not_dropped::binds_low_port as capabilities_binds_low_port;
pub use ctx::{Arg, At, Change, Ctx, DockerCtx, Finding, Sink, image_user};
pub use registry::RULES;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Category {
    PssBaseline,
    PssRestricted,
    Hardening,
    Correctness,
    /// Findings about suppressions and exemptions themselves.
    Suppression,
}

impl Category {
    pub fn as_str(self) -> &'static str {
        match self {
            Category::PssBaseline => "pss-baseline",
            Category::PssRestricted => "pss-restricted",
            Category::Hardening => "hardening",
            Category::Correctness => "correctness",
            Category::Suppression => "suppression",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    pub const ALL: [Severity; 5] = [
        Severity::Info,
        Severity::Low,
        Severity::Medium,
        Severity::High,
        Severity::Critical,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }

    pub fn parse(s: &str) -> Option<Severity> {
        Severity::ALL.into_iter().find(|v| v.as_str() == s)
    }
}

/// The Pod Security control a rule implements, and from which policy
/// version it applies.
#[derive(Clone, Copy, Debug)]
pub struct PssTag {
    pub level: Level,
    /// The controller's check ID.
    pub check: &'static str,
    /// The first minor version (v1.N) at which the check runs.
    pub since: u32,
}

/// The texts of a rule in one language.
#[derive(Clone, Copy, Debug)]
pub struct Text {
    /// Short title.
    pub title: &'static str,
    /// The finding's one-line message; `{name}` placeholders are filled
    /// from the finding's arguments.
    pub message: &'static str,
    /// What the rule checks.
    pub what: &'static str,
    /// Why it matters.
    pub why: &'static str,
    /// How to fix it.
    pub fix: &'static str,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lang {
    En,
    Ko,
}

impl Lang {
    /// `ko` when the locale (`LC_ALL`, `LC_MESSAGES`, `LANG`, first set
    /// one wins) is Korean.
    pub fn from_env() -> Lang {
        for var in ["LC_ALL", "LC_MESSAGES", "LANG"] {
            if let Ok(v) = std::env::var(var) {
                if v.is_empty() {
                    continue;
                }
                return if v.starts_with("ko") {
                    Lang::Ko
                } else {
                    Lang::En
                };
            }
        }
        Lang::En
    }
}

pub struct Rule {
    /// Stable code, e.g. `PS101`.
    pub code: &'static str,
    /// kebab-case name of the bad pattern.
    pub name: &'static str,
    pub category: Category,
    pub severity: Severity,
    /// Opt-in rules run only when selected by code or name.
    pub default_enabled: bool,
    pub pss: Option<PssTag>,
    /// Catalog settings this weakness gives up (`run_as_non_root`…).
    pub mitigations: &'static [&'static str],
    /// Catalog conditions this weakness creates (`cap_sys_admin`…).
    pub enables: &'static [&'static str],
    pub en: Text,
    pub ko: Text,
    /// A manifest that triggers the rule.
    pub example: &'static str,
    /// The same manifest fixed: does not trigger it.
    pub use_instead: &'static str,
    pub references: &'static [&'static str],
    pub check: Check,
    /// The rule's automatic fix, if it has one, and why it is (un)safe.
    pub fix: Option<FixDoc>,
}

/// How a rule's fix behaves, for its documentation.
#[derive(Clone, Copy, Debug)]
pub struct FixDoc {
    /// The usual applicability (a finding may be safer: see `en`).
    pub applicability: crate::fix::Applicability,
    pub en: &'static str,
    pub ko: &'static str,
}

/// What a rule looks at.
#[derive(Clone, Copy)]
pub enum Check {
    /// A workload's pod template (manifests).
    Workload(fn(&Ctx<'_, '_>, &mut Sink)),
    /// A Dockerfile.
    Dockerfile(fn(&DockerCtx<'_>, &mut Sink)),
    /// Reported by the engine while it applies suppressions.
    Meta,
}

impl Rule {
    pub fn is_dockerfile(&self) -> bool {
        matches!(self.check, Check::Dockerfile(_))
    }
}

impl Rule {
    pub fn text(&self, lang: Lang) -> &Text {
        match lang {
            Lang::En => &self.en,
            Lang::Ko => &self.ko,
        }
    }

    /// The CVEs the catalog links to this rule's settings.
    /// The CVEs the catalog links to this rule's setting (computed once
    /// per rule: every finding of the rule carries them).
    pub fn cves(&self) -> Vec<crate::kb::CveLink> {
        static CACHE: std::sync::OnceLock<
            std::collections::HashMap<&'static str, Vec<crate::kb::CveLink>>,
        > = std::sync::OnceLock::new();
        let table = CACHE.get_or_init(|| {
            RULES
                .iter()
                .map(|r| (r.code, crate::kb::links(r.mitigations, r.enables)))
                .collect()
        });
        match table.get(self.code) {
            Some(v) => v.clone(),
            None => crate::kb::links(self.mitigations, self.enables),
        }
    }
}

impl std::fmt::Debug for Rule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.code, self.name)
    }
}

/// Finds a rule by code (any case) or name.
pub fn find(key: &str) -> Option<&'static Rule> {
    RULES
        .iter()
        .copied()
        .find(|r| r.code.eq_ignore_ascii_case(key) || r.name == key)
}

/// Fills the `{placeholders}` of a message template.
pub fn render(template: &str, args: &[(&'static str, String)]) -> String {
    let mut out = String::with_capacity(template.len() + 16);
    let mut rest = template;
    while let Some(i) = rest.find('{') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        match after.find('}') {
            Some(j) => {
                let key = &after[..j];
                match args.iter().find(|(k, _)| *k == key) {
                    Some((_, v)) => out.push_str(v),
                    None => {
                        out.push('{');
                        out.push_str(key);
                        out.push('}');
                    }
                }
                rest = &after[j + 1..];
            }
            None => {
                out.push_str(&rest[i..]);
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}

/// The placeholders a template uses, for the docs tests.
pub fn placeholders(template: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = template;
    while let Some(i) = rest.find('{') {
        let after = &rest[i + 1..];
        let Some(j) = after.find('}') else { break };
        out.push(&after[..j]);
        rest = &after[j + 1..];
    }
    out.sort();
    out.dedup();
    out
}

/// Which rules run: `--select`/`--ignore` by code, code prefix (`PS2`),
/// name or category; `ALL` selects every rule, opt-in ones included.
#[derive(Clone, Debug, Default)]
pub struct Selection {
    pub select: Vec<String>,
    pub ignore: Vec<String>,
}

impl Selection {
    /// Whether one selector (code, prefix, name, category, ALL) covers `rule`.
    pub fn matches(rule: &Rule, key: &str) -> bool {
        key == "ALL"
            || rule.name == key
            || rule.category.as_str() == key
            || (key.len() >= 3
                && key.len() <= rule.code.len()
                && rule.code[..key.len()].eq_ignore_ascii_case(key))
    }

    /// Selectors that match no rule.
    pub fn unknown(&self) -> Vec<String> {
        self.select
            .iter()
            .chain(&self.ignore)
            .filter(|k| !RULES.iter().any(|r| Self::matches(r, k)))
            .cloned()
            .collect()
    }

    pub fn enabled(&self, rule: &Rule) -> bool {
        let named = |k: &String| rule.code.eq_ignore_ascii_case(k) || rule.name == k.as_str();
        let selected = if self.select.is_empty() {
            rule.default_enabled
        } else {
            self.select.iter().any(named)
                || self.select.iter().any(|k| k == "ALL")
                || (rule.default_enabled && self.select.iter().any(|k| Self::matches(rule, k)))
        };
        selected && !self.ignore.iter().any(|k| Self::matches(rule, k))
    }
}
