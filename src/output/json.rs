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
