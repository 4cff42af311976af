//! The JSON report of `podsec scan --format json` (schema in docs/json.md).

use serde_json::{Value, json};

use crate::engine::scan::Diagnostic;
use crate::input::InputError;

pub const SCHEMA_VERSION: u32 = 1;

pub fn report(
    diagnostics: &[Diagnostic],
    errors: &[InputError],
    target_version: &str,
    files: usize,
    workloads: usize,
) -> Value {
    let mut counts = serde_json::Map::new();
    for s in crate::rules::Severity::ALL {
        counts.insert(
            s.as_str().to_string(),
            json!(diagnostics.iter().filter(|d| d.severity == s).count()),
        );
    }
    json!({
        "schema_version": SCHEMA_VERSION,
        "target_version": target_version,
        "findings": diagnostics,
        "errors": errors,
        "summary": {
            "files": files,
            "workloads": workloads,
            "findings": diagnostics.len(),
            "by_severity": counts,
            "errors": errors.len(),
        },
    })
}

/// What the report's tail counts.
pub struct Totals<'a> {
    /// Items in the findings array (suppressed ones too, when shown).
    pub written: usize,
    /// Findings reported (not suppressed).
    pub findings: usize,
    pub suppressed: usize,
    pub by_severity: &'a [usize; 5],
    pub files: usize,
    pub workloads: usize,
}

/// Closes the streamed report that `podsec scan` opens (`schema_version`,
/// `target_version`, then `findings` one by one): the errors and the summary.
pub fn write_tail(
    out: &mut impl std::io::Write,
    totals: &Totals<'_>,
    errors: &[InputError],
) -> std::io::Result<()> {
    let Totals {
        written,
        findings,
        suppressed,
        by_severity,
        files,
        workloads,
    } = *totals;
    let mut counts = serde_json::Map::new();
    for (s, n) in crate::rules::Severity::ALL.iter().zip(by_severity) {
        counts.insert(s.as_str().to_string(), json!(n));
    }
    let tail = json!({
        "errors": errors,
        "summary": {
            "files": files,
            "workloads": workloads,
            "findings": findings,
            "suppressed": suppressed,
            "by_severity": counts,
            "errors": errors.len(),
        },
    });
    let tail = serde_json::to_string_pretty(&tail)?;
    // `tail` is `{\n  "errors": …\n}`: splice its members after the findings.
    let members = tail
        .strip_prefix("{\n")
        .and_then(|t| t.strip_suffix("\n}"))
        .unwrap_or_default();
    let close = if written > 0 { "\n  " } else { "" };
    writeln!(out, "{close}],\n{members}\n}}")
}
