//! `podsec explain` and `podsec rules`.

use std::io::{self, Write};

use serde_json::{Value, json};

use super::{EXIT_ERROR, Format, stdout, write_json};
use crate::docs::{cve_markdown, rule_markdown};
use crate::kb;
use crate::rules::{self, Lang, RULES, Rule};

pub fn rule_json(r: &Rule, lang: Lang) -> Value {
    let t = r.text(lang);
    json!({
        "code": r.code,
        "name": r.name,
        "category": r.category.as_str(),
        "severity": r.severity.as_str(),
        "fixable": r.fix.is_some(),
        "fix_safety": r.fix.map(|f| json!({"applicability": f.applicability.as_str(), "why": if lang == Lang::En { f.en } else { f.ko }})),
        "default_enabled": r.default_enabled,
        "pss": r.pss.map(|p| json!({"level": p.level.as_str(), "check": p.check, "since": format!("v1.{}", p.since)})),
        "title": t.title,
        "message": t.message,
        "what": t.what,
        "why": t.why,
        "fix": t.fix,
        "example": r.example,
        "use_instead": r.use_instead,
        "references": r.references,
        "cves": r.cves(),
    })
}

pub fn explain(key: &str, format: Format, lang: Lang) -> io::Result<u8> {
    let mut out = stdout();
    if let Some(r) = rules::find(key) {
        match format {
            Format::Text => write!(out, "{}", rule_markdown(r, lang))?,
            Format::Json => write_json(&mut out, &rule_json(r, lang))?,
        }
    } else if let Some(c) = kb::find(key) {
        match format {
            Format::Text => write!(out, "{}", cve_markdown(c, lang))?,
            Format::Json => {
                let mut v = serde_json::to_value(c).unwrap_or(Value::Null);
                let related: Vec<&str> = RULES
                    .iter()
                    .filter(|r| r.cves().iter().any(|x| x.id == c.id))
                    .map(|r| r.code)
                    .collect();
                v["rules"] = json!(related);
                write_json(&mut out, &v)?;
            }
        }
    } else {
        eprintln!(
            "podsec explain: error: {key:?} is not a rule code, rule name or CVE in the catalog (see `podsec rules`)"
        );
        return Ok(EXIT_ERROR);
    }
    out.flush()?;
    Ok(0)
}

pub fn list(format: Format, lang: Lang) -> io::Result<u8> {
    let mut out = stdout();
    match format {
        Format::Json => {
            let v: Vec<Value> = RULES.iter().map(|r| rule_json(r, lang)).collect();
            write_json(&mut out, &Value::Array(v))?;
        }
        Format::Text => {
            writeln!(
                out,
                "code   {:<36} {:<15} {:<9} {:<8} title",
                "name", "category", "severity", "fixable"
            )?;
            for r in RULES {
                let opt = if r.default_enabled { "" } else { " (opt-in)" };
                writeln!(
                    out,
                    "{:<6} {:<36} {:<15} {:<9} {:<8} {}{opt}",
                    r.code,
                    r.name,
                    r.category.as_str(),
                    r.severity.as_str(),
                    r.fix.map_or("no", |f| f.applicability.as_str()),
                    r.text(lang).title
                )?;
            }
        }
    }
    out.flush()?;
    Ok(0)
}
