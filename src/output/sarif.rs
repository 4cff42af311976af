//! SARIF 2.1.0 for `podsec scan --format sarif` (GitHub code scanning and
//! other SARIF consumers): every enabled rule, and one result per finding
//! with its region, its fix as byte-offset replacements, and a stable
//! fingerprint.

use std::io::{self, Write};

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

/// The document up to the opening of the results array: the tool and
/// every enabled rule. Results follow (`result`, each after a `,` but the
/// first, eight spaces deep), then `write_tail`.
pub fn write_head(out: &mut impl Write, rules: &[&'static Rule], lang: Lang) -> io::Result<()> {
    let tool = json!({
        "driver": {
            "name": "podsec",
            "version": env!("CARGO_PKG_VERSION"),
            "rules": rules.iter().map(|r| rule(r, lang)).collect::<Vec<_>>(),
        },
    });
    let tool = serde_json::to_string_pretty(&tool)?.replace('\n', "\n      ");
    write!(
        out,
        "{{\n  \"$schema\": \"https://json.schemastore.org/sarif-2.1.0.json\",\n  \"version\": \"2.1.0\",\n  \"runs\": [\n    {{\n      \"tool\": {tool},\n      \"columnKind\": \"unicodeCodePoints\",\n      \"results\": ["
    )
}

/// Closes what `write_head` opened, after `results` results.
pub fn write_tail(out: &mut impl Write, results: usize) -> io::Result<()> {
    let close = if results > 0 { "\n      " } else { "" };
    writeln!(out, "{close}]\n    }}\n  ]\n}}")
}

/// The whole document at once (for callers that hold every finding).
pub fn report(diagnostics: &[Diagnostic], rules: &[&'static Rule], lang: Lang) -> Value {
    let mut buf = Vec::new();
    let mut scratch = Vec::new();
    let _ = write_head(&mut buf, rules, lang);
    for (i, d) in diagnostics.iter().enumerate() {
        if i > 0 {
            buf.push(b',');
        }
        let _ =
            crate::output::write_json_item(&mut buf, &result(d, rules), "        ", &mut scratch);
    }
    let _ = write_tail(&mut buf, diagnostics.len());
    serde_json::from_slice(&buf).unwrap_or(Value::Null)
}

/// One finding as a SARIF result.
pub fn result(d: &Diagnostic, rules: &[&'static Rule]) -> Value {
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
}
