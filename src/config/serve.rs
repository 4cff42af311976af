//! The `[serve]` table of podsec.toml: the webhook's policy (docs/webhook.md,
//! "Configuration"). Checked like the rest of the file: every mistake is
//! an error at its line and column.

use serde::Deserialize;
use toml::Spanned;

use crate::pss::namespace::{Defaults, Policy as LevelVersion};
use crate::pss::{Level, Version};
use crate::rules::Rule;

/// What a violation of podsec's own rules does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    Enforce,
    Warn,
    Audit,
}

/// What a workload controller's enforce-level violations do (the
/// admission controller itself only enforces on Pods).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Controllers {
    /// As the controller: warn and audit levels only.
    Ignore,
    /// Also warn at the enforce level: its pods will be denied.
    Warn,
    /// Deny the controller.
    Deny,
}

/// Per-namespace defaults: the namespaces a glob matches.
#[derive(Clone, Debug)]
pub struct NamespaceRule {
    pub pattern: String,
    pub matcher: globset::GlobMatcher,
    pub defaults: Defaults,
}

#[derive(Clone, Debug, Default)]
pub struct ServeConfig {
    /// The cluster defaults (`enforce`, `enforce-version`, …); `None`:
    /// not in the file.
    pub defaults: Option<Defaults>,
    pub namespaces: Vec<NamespaceRule>,
    pub namespace_labels: Option<bool>,
    pub controllers: Option<Controllers>,
    pub rules: Vec<&'static Rule>,
    pub rules_mode: Option<Mode>,
    pub exempt_namespaces: Vec<String>,
    pub exempt_usernames: Vec<String>,
    pub exempt_runtime_classes: Vec<String>,
    /// Rules whose unsafe fixes `/mutate` applies.
    pub mutate_unsafe: Vec<&'static Rule>,
    /// The `runAsUser` `/mutate` sets where none is set (never by default:
    /// podsec cannot know the image's user).
    pub run_as_user: Option<i64>,
}

/// The six Pod Security fields, as the namespace labels name them.
#[derive(Default)]
struct RawModes {
    enforce: Option<Spanned<String>>,
    enforce_version: Option<Spanned<String>>,
    audit: Option<Spanned<String>>,
    audit_version: Option<Spanned<String>>,
    warn: Option<Spanned<String>>,
    warn_version: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(super) struct RawNamespace {
    name: Spanned<String>,
    enforce: Option<Spanned<String>>,
    enforce_version: Option<Spanned<String>>,
    audit: Option<Spanned<String>>,
    audit_version: Option<Spanned<String>>,
    warn: Option<Spanned<String>>,
    warn_version: Option<Spanned<String>>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(super) struct RawExemptions {
    namespaces: Option<Vec<String>>,
    usernames: Option<Vec<String>>,
    runtime_classes: Option<Vec<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(super) struct RawServe {
    enforce: Option<Spanned<String>>,
    enforce_version: Option<Spanned<String>>,
    audit: Option<Spanned<String>>,
    audit_version: Option<Spanned<String>>,
    warn: Option<Spanned<String>>,
    warn_version: Option<Spanned<String>>,
    namespace_labels: Option<bool>,
    controllers: Option<Spanned<String>>,
    rules: Option<Vec<Spanned<String>>>,
    rules_mode: Option<Spanned<String>>,
    exemptions: Option<RawExemptions>,
    namespace: Option<Vec<RawNamespace>>,
    mutate_unsafe: Option<Vec<Spanned<String>>>,
    run_as_user: Option<Spanned<i64>>,
}

type Err = (std::ops::Range<usize>, String);

/// podsec's defaults when neither `[serve]` nor the command line names a
/// mode: enforce `restricted:latest`, the other modes privileged.
pub fn podsec_default() -> Defaults {
    Defaults {
        enforce: LevelVersion {
            level: Level::Restricted,
            version: Version::Latest,
        },
        ..Defaults::default()
    }
}

fn modes(raw: RawModes, base: Defaults, key: &str) -> Result<(Defaults, bool), Err> {
    let mut d = base;
    let mut any = false;
    let mut set = |slot: &mut LevelVersion,
                   level: Option<Spanned<String>>,
                   version: Option<Spanned<String>>,
                   mode: &str|
     -> Result<(), Err> {
        if let Some(l) = level {
            slot.level = l
                .get_ref()
                .parse::<Level>()
                .map_err(|e| (l.span(), format!("{key}{mode}: {e}")))?;
            any = true;
        }
        if let Some(v) = version {
            slot.version = v
                .get_ref()
                .parse::<Version>()
                .map_err(|e| (v.span(), format!("{key}{mode}-version: {e}")))?;
            any = true;
        }
        Ok(())
    };
    set(&mut d.enforce, raw.enforce, raw.enforce_version, "enforce")?;
    set(&mut d.audit, raw.audit, raw.audit_version, "audit")?;
    set(&mut d.warn, raw.warn, raw.warn_version, "warn")?;
    Ok((d, any))
}

fn rules(list: Option<Vec<Spanned<String>>>, key: &str) -> Result<Vec<&'static Rule>, Err> {
    let mut out: Vec<&'static Rule> = Vec::new();
    for s in list.unwrap_or_default() {
        let matched: Vec<&'static Rule> = crate::rules::RULES
            .iter()
            .copied()
            .filter(|r| crate::rules::Selection::matches(r, s.get_ref()))
            .collect();
        if matched.is_empty() {
            return Err((
                s.span(),
                format!(
                    "serve.{key}: no rule, code prefix or category matches {:?} (`podsec rules` lists them)",
                    s.get_ref()
                ),
            ));
        }
        for r in matched {
            if !out.iter().any(|x| x.code == r.code) {
                out.push(r);
            }
        }
    }
    Ok(out)
}

pub(super) fn parse(raw: RawServe) -> Result<ServeConfig, Err> {
    let top = RawModes {
        enforce: raw.enforce,
        enforce_version: raw.enforce_version,
        audit: raw.audit,
        audit_version: raw.audit_version,
        warn: raw.warn,
        warn_version: raw.warn_version,
    };
    let (defaults, any) = modes(top, Defaults::default(), "serve.")?;
    let mut cfg = ServeConfig {
        defaults: any.then_some(defaults),
        namespace_labels: raw.namespace_labels,
        ..ServeConfig::default()
    };
    if let Some(c) = raw.controllers {
        cfg.controllers = Some(match c.get_ref().as_str() {
            "ignore" => Controllers::Ignore,
            "warn" => Controllers::Warn,
            "deny" => Controllers::Deny,
            other => {
                return Err((
                    c.span(),
                    format!(
                        "serve.controllers: invalid value {other:?}: expected ignore, warn or deny"
                    ),
                ));
            }
        });
    }
    cfg.rules = rules(raw.rules, "rules")?;
    if let Some(m) = raw.rules_mode {
        cfg.rules_mode = Some(match m.get_ref().as_str() {
            "enforce" => Mode::Enforce,
            "warn" => Mode::Warn,
            "audit" => Mode::Audit,
            other => {
                return Err((
                    m.span(),
                    format!(
                        "serve.rules-mode: invalid value {other:?}: expected enforce, warn or audit"
                    ),
                ));
            }
        });
    }
    let ex = raw.exemptions.unwrap_or_default();
    cfg.exempt_namespaces = ex.namespaces.unwrap_or_default();
    cfg.exempt_usernames = ex.usernames.unwrap_or_default();
    cfg.exempt_runtime_classes = ex.runtime_classes.unwrap_or_default();
    for ns in raw.namespace.unwrap_or_default() {
        let matcher = globset::Glob::new(ns.name.get_ref())
            .map_err(|e| (ns.name.span(), format!("serve.namespace.name: {e}")))?
            .compile_matcher();
        // Unset modes take the cluster defaults.
        let base = cfg.defaults.unwrap_or_else(podsec_default);
        let m = RawModes {
            enforce: ns.enforce,
            enforce_version: ns.enforce_version,
            audit: ns.audit,
            audit_version: ns.audit_version,
            warn: ns.warn,
            warn_version: ns.warn_version,
        };
        let (d, _) = modes(m, base, "serve.namespace.")?;
        cfg.namespaces.push(NamespaceRule {
            pattern: ns.name.into_inner(),
            matcher,
            defaults: d,
        });
    }
    cfg.mutate_unsafe = rules(raw.mutate_unsafe, "mutate-unsafe")?;
    if let Some(u) = raw.run_as_user {
        let v = *u.get_ref();
        if !(1..=2_147_483_647).contains(&v) {
            return Err((
                u.span(),
                format!("serve.run-as-user: {v} is not a non-root UID (1 to 2147483647)"),
            ));
        }
        cfg.run_as_user = Some(v);
    }
    Ok(cfg)
}

/// The `[serve]` policy as `podsec config` prints it.
pub fn describe(c: &ServeConfig) -> String {
    use std::fmt::Write as _;
    let mut out = String::new();
    let modes = |d: &Defaults| {
        format!(
            "enforce = \"{}\", enforce-version = \"{}\", audit = \"{}\", audit-version = \"{}\", warn = \"{}\", warn-version = \"{}\"",
            d.enforce.level,
            d.enforce.version,
            d.audit.level,
            d.audit.version,
            d.warn.level,
            d.warn.version
        )
    };
    let d = c.defaults.unwrap_or_else(podsec_default);
    let _ = writeln!(out, "{}", modes(&d));
    let _ = writeln!(
        out,
        "namespace-labels = {}",
        c.namespace_labels.unwrap_or(true)
    );
    let controllers = match c.controllers.unwrap_or(Controllers::Warn) {
        Controllers::Ignore => "ignore",
        Controllers::Warn => "warn",
        Controllers::Deny => "deny",
    };
    let _ = writeln!(out, "controllers = \"{controllers}\"");
    let codes = |rs: &[&'static Rule]| {
        rs.iter()
            .map(|r| format!("{:?}", r.code))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mode = match c.rules_mode.unwrap_or(Mode::Warn) {
        Mode::Enforce => "enforce",
        Mode::Warn => "warn",
        Mode::Audit => "audit",
    };
    let _ = writeln!(
        out,
        "rules = [{}]\nrules-mode = \"{mode}\"",
        codes(&c.rules)
    );
    let _ = writeln!(out, "mutate-unsafe = [{}]", codes(&c.mutate_unsafe));
    match c.run_as_user {
        Some(u) => {
            let _ = writeln!(out, "run-as-user = {u}");
        }
        None => out.push_str("run-as-user = (none: never set)\n"),
    }
    let _ = writeln!(
        out,
        "exemptions: namespaces = {:?}, usernames = {:?}, runtime-classes = {:?}",
        c.exempt_namespaces, c.exempt_usernames, c.exempt_runtime_classes
    );
    for n in &c.namespaces {
        let _ = writeln!(out, "namespace {:?}: {}", n.pattern, modes(&n.defaults));
    }
    out
}
