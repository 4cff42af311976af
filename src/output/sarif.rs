//! SARIF 2.1.0 for `podsec scan --format sarif` (GitHub code scanning and
//! other SARIF consumers): every enabled rule, and one result per finding
//! with its region, its fix as byte-offset replacements, and a stable
//! fingerprint.

use serde_json::{Value, json};

use crate::engine::scan::Diagnostic;
use crate::rules::{Lang, Rule, Severity};

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Critical | Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low | Severity::Info => "note",
    }
}

fn rule(r: &Rule, lang: Lang) -> Value {
    let t = r.text(lang);
    json!({
        "id": r.code,
        "name": r.name,
        "shortDescription": {"text": t.title},
        "fullDescription": {"text": t.what},
        "help": {
            "text": format!("{}\n\n{}", t.why, t.fix),
            "markdown": crate::docs::rule_markdown(r, lang),
        },
        "defaultConfiguration": {"level": level(r.severity)},
        "properties": {
            "category": r.category.as_str(),
            "severity": r.severity.as_str(),
            "tags": ["security", "kubernetes", r.category.as_str()],
        },
    })
}

pub fn report(diagnostics: &[Diagnostic], rules: &[&'static Rule], lang: Lang) -> Value {
    let results: Vec<Value> = diagnostics
        .iter()
        .map(|d| {
            let index = rules.iter().position(|r| r.code == d.code);
            let mut result = json!({
                "ruleId": d.code,
                "level": level(d.severity),
                "message": {"text": d.message},
                "locations": [{
                    "physicalLocation": {
                        "artifactLocation": {"uri": d.file},
                        "region": {
                            "startLine": d.line,
                            "startColumn": d.column,
                            "endLine": d.end_line,
                            "endColumn": d.end_column,
                        },
                    },
                }],
                "partialFingerprints": {
                    "podsec/v1": format!(
                        "{}:{}/{}/{}:{}",
                        d.code,
                        d.kind,
                        d.namespace,
                        d.object,
                        d.container.as_deref().unwrap_or("")
                    ),
                },
                "properties": {
                    "severity": d.severity.as_str(),
                    "origin": d.origin,
                    "value": d.value,
                    "cves": d.cves,
                },
            });
            if let Some(i) = index {
                result["ruleIndex"] = json!(i);
            }
            if let Some(f) = &d.autofix {
                let replacements: Vec<Value> = f
                    .edits
                    .iter()
                    .map(|e| {
                        json!({
                            "deletedRegion": {"byteOffset": e.start, "byteLength": e.end - e.start},
                            "insertedContent": {"text": e.text},
                        })
                    })
                    .collect();
                result["fixes"] = json!([{
                    "description": {"text": format!("{} ({})", f.title, f.applicability.as_str())},
                    "artifactChanges": [{
                        "artifactLocation": {"uri": d.file},
                        "replacements": replacements,
                    }],
                }]);
            }
            result
        })
        .collect();
    json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {
                "driver": {
                    "name": "podsec",
                    "version": env!("CARGO_PKG_VERSION"),
                    "rules": rules.iter().map(|r| rule(r, lang)).collect::<Vec<_>>(),
                },
            },
            "columnKind": "unicodeCodePoints",
            "results": results,
        }],
    })
}
