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

fn security_severity(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "9.5",
        Severity::High => "8.0",
        Severity::Medium => "5.5",
        Severity::Low => "3.0",
        Severity::Info => "0.0",
    }
}

/// A file name as a URI reference relative to `%SRCROOT%` (the directory
/// podsec runs in): relative paths stay relative, absolute ones under it
/// are made relative, and characters URIs reserve are escaped.
pub fn artifact_uri(file: &str) -> (String, bool) {
    // Asked once per process, not once per result.
    static CWD: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let cwd = CWD.get_or_init(|| {
        std::env::current_dir()
            .ok()
            .and_then(|c| c.to_str().map(str::to_string))
            .unwrap_or_default()
    });
    let (rel, relative) = match file.strip_prefix(cwd).and_then(|r| r.strip_prefix('/')) {
        Some(r) if !cwd.is_empty() => (r, true),
        _ if file.starts_with('/') => (file, false),
        _ => (file.strip_prefix("./").unwrap_or(file), true),
    };
    let mut out = String::with_capacity(rel.len());
    for b in rel.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    if relative {
        (out, true)
    } else {
        (format!("file://{out}"), false)
    }
}

fn location(file: &str) -> Value {
    match artifact_uri(file) {
        (uri, true) => json!({"uri": uri, "uriBaseId": "%SRCROOT%"}),
        (uri, false) => json!({"uri": uri}),
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
        "helpUri": crate::docs::rule_url(r),
        "defaultConfiguration": {"level": level(r.severity)},
        "properties": {
            "category": r.category.as_str(),
            "severity": r.severity.as_str(),
            // GitHub ranks alerts by this CVSS-like score: 9.0+ critical,
            // 7.0+ high, 4.0+ medium, above 0 low.
            "security-severity": security_severity(r.severity),
            // Every check is exact on the manifest; hardening rules depend
            // on what the workload needs, so they are one step lower.
            "precision": match r.category {
                crate::rules::Category::Hardening => "high",
                _ => "very-high",
            },
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
    let root = std::env::current_dir()
        .ok()
        .and_then(|d| {
            d.to_str()
                .map(|d| format!("file://{}/", d.trim_end_matches('/')))
        })
        .unwrap_or_else(|| "file:///".into());
    let bases = serde_json::to_string(&json!({"%SRCROOT%": {"uri": root}}))?;
    write!(
        out,
        "{{\n  \"$schema\": \"https://json.schemastore.org/sarif-2.1.0.json\",\n  \"version\": \"2.1.0\",\n  \"runs\": [\n    {{\n      \"tool\": {tool},\n      \"originalUriBaseIds\": {bases},\n      \"columnKind\": \"unicodeCodePoints\",\n      \"results\": ["
    )
}

/// Closes what `write_head` opened, after `results` results: the input
/// errors become the invocation's notifications.
pub fn write_tail(
    out: &mut impl Write,
    results: usize,
    errors: &[crate::input::InputError],
) -> io::Result<()> {
    let close = if results > 0 { "\n      " } else { "" };
    let notifications: Vec<Value> = errors
        .iter()
        .map(|e| {
            let mut physical = json!({"artifactLocation": location(&e.file)});
            if e.line > 0 {
                physical["region"] = json!({"startLine": e.line, "startColumn": e.column.max(1)});
            }
            json!({
                "level": "error",
                "message": {"text": e.message},
                "locations": [{"physicalLocation": physical}],
            })
        })
        .collect();
    let invocation = json!([{
        "executionSuccessful": errors.is_empty(),
        "toolExecutionNotifications": notifications,
    }]);
    let invocation = serde_json::to_string_pretty(&invocation)?.replace('\n', "\n      ");
    writeln!(
        out,
        "{close}],\n      \"invocations\": {invocation}\n    }}\n  ]\n}}"
    )
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
    let _ = write_tail(&mut buf, diagnostics.len(), &[]);
    serde_json::from_slice(&buf).unwrap_or(Value::Null)
}

/// Results GitHub code scanning accepts in one run.
pub const GITHUB_MAX_RESULTS: usize = 25_000;

/// One finding as a SARIF result.
pub fn result(d: &Diagnostic, rules: &[&'static Rule]) -> Value {
    let index = rules.iter().position(|r| r.code == d.code);
    let mut result = json!({
        "ruleId": d.code,
        "level": level(d.severity),
        "message": {"text": d.message},
        "locations": [{
            "physicalLocation": {
                "artifactLocation": location(&d.file),
                "region": {
                    "startLine": d.line,
                    "startColumn": d.column,
                    "endLine": d.end_line,
                    "endColumn": d.end_column,
                },
            },
        }],
        // Rule, object, container and field: unique per file, and stable
        // when lines move (see `Diagnostic::fingerprint`).
        "partialFingerprints": {
            "podsec/v2": d.fingerprint(),
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
    if let Some(e) = &d.enforced {
        result["properties"]["enforced"] = json!(e);
    }
    if let Some(r) = &d.rendered {
        result["properties"]["rendered"] = json!(r);
    }
    // Present only with --sarif-include-suppressed (or --show-suppressed).
    if let Some(s) = &d.suppressed {
        let kind = match s.kind {
            "comment" | "annotation" => "inSource",
            _ => "external",
        };
        result["suppressions"] = json!([{
            "kind": kind,
            "status": "accepted",
            "justification": s.reason,
            "properties": {"podsec-kind": s.kind, "at": s.at},
        }]);
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
                "artifactLocation": location(&d.file),
                "replacements": replacements,
            }],
        }]);
    }
    result
}
