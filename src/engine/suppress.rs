//! Applying exemptions (podsec.toml) and inline suppressions (comments,
//! annotations) to one object's findings, and reporting the suppressions
//! that are unused, without a reason, malformed or expired (PS901–PS904).

use serde::Serialize;

use super::scan::{Diagnostic, Options, end_of, line_text};
use crate::config::Subject;
use crate::config::suppress::Suppression;
use crate::rules::{Lang, Rule, render};
use crate::source::Pos;

/// Why a finding is not reported (shown with `--show-suppressed`, and in
/// SARIF with `--sarif-include-suppressed`).
#[derive(Clone, Debug, Serialize)]
pub struct Suppressed {
    /// `comment`, `annotation`, `exemption` or `baseline`.
    pub kind: &'static str,
    pub reason: String,
    /// Where the suppression is: `file:line`.
    pub at: String,
}

/// The object a group of findings belongs to.
pub struct Unit<'a> {
    pub kind: &'a str,
    pub name: &'a str,
    pub namespace: &'a str,
    pub first_line: u32,
    pub last_line: u32,
    /// `(container name, image)` of the object's containers.
    pub images: &'a [(String, String)],
}

/// One meta finding (PS901–PS904) at `s`.
#[allow(clippy::too_many_arguments)]
fn meta(
    rule: &'static Rule,
    file: &str,
    text: &str,
    s: &Suppression,
    unit: Option<&Unit<'_>>,
    args: &[(&'static str, String)],
    lang: Lang,
    tag: &str,
) -> Diagnostic {
    let pos = Pos {
        start: s.start,
        end: s.end,
        line: s.line,
        col: s.column,
    };
    let (end_line, end_column) = end_of(text, pos);
    Diagnostic {
        code: rule.code,
        name: rule.name,
        severity: rule.severity,
        category: rule.category.as_str(),
        file: file.to_string(),
        line: s.line,
        column: s.column,
        end_line,
        end_column,
        kind: unit.map_or(String::new(), |u| u.kind.to_string()),
        object: unit.map_or(String::new(), |u| u.name.to_string()),
        namespace: unit.map_or(String::new(), |u| u.namespace.to_string()),
        container: None,
        message: render(rule.text(lang).message, args),
        value: None,
        origin: "default",
        origin_detail: None,
        origin_kind: crate::model::effective::Origin::Default,
        fix: rule.text(lang).fix,
        cves: Vec::new(),
        autofix: None,
        autofix_unavailable: None,
        note: None,
        rule,
        source_line: line_text(text, s.start as usize).to_string(),
        path: format!("suppression[{}]{tag}", s.codes_text()),
        image: None,
        suppressed: None,
        enforced: None,
        rendered: None,
    }
}

/// The problems of one suppression, once all the findings it could cover
/// have been seen. `what`: `comment` or `annotation`.
pub fn problems(
    s: &mut Suppression,
    file: &str,
    text: &str,
    unit: Option<&Unit<'_>>,
    opts: &Options,
    lang: Lang,
    out: &mut Vec<Diagnostic>,
) {
    use crate::rules::suppressions;
    if s.reported {
        return;
    }
    s.reported = true;
    let on = |r: &Rule| opts.selection.enabled(r);
    if let Some(problem) = &s.malformed {
        if on(&suppressions::invalid_suppression::RULE) {
            let r = &suppressions::invalid_suppression::RULE;
            out.push(meta(
                r,
                file,
                text,
                s,
                unit,
                &[("problem", problem.clone())],
                lang,
                "",
            ));
        }
        return;
    }
    for c in &s.codes {
        if c.rule.is_none() && on(&suppressions::invalid_suppression::RULE) {
            let r = &suppressions::invalid_suppression::RULE;
            let problem = match lang {
                Lang::En => format!(
                    "no rule has the code or name {:?} (`podsec rules` lists them)",
                    c.text
                ),
                Lang::Ko => format!(
                    "{:?} 코드나 이름의 규칙이 없다 (`podsec rules`로 목록을 본다)",
                    c.text
                ),
            };
            out.push(meta(
                r,
                file,
                text,
                s,
                unit,
                &[("problem", problem)],
                lang,
                &format!("~{}", c.text),
            ));
        }
    }
    let expired = s.until.is_some_and(|d| d < opts.today);
    if expired && on(&suppressions::expired_suppression::RULE) {
        let r = &suppressions::expired_suppression::RULE;
        let what = match lang {
            Lang::En => "inline suppression",
            Lang::Ko => "인라인 억제",
        };
        out.push(meta(
            r,
            file,
            text,
            s,
            unit,
            &[
                ("what", what.into()),
                ("codes", s.codes_text()),
                ("date", s.until.map(|d| d.to_string()).unwrap_or_default()),
                ("reason", s.reason.clone().unwrap_or_default()),
            ],
            lang,
            "",
        ));
    }
    if s.reason.is_none()
        && !s.codes.is_empty()
        && on(&suppressions::suppression_without_reason::RULE)
    {
        let r = &suppressions::suppression_without_reason::RULE;
        out.push(meta(
            r,
            file,
            text,
            s,
            unit,
            &[("codes", s.codes_text())],
            lang,
            "",
        ));
    }
    if on(&suppressions::unused_suppression::RULE) {
        let r = &suppressions::unused_suppression::RULE;
        for c in &s.codes {
            let Some(rule) = c.rule else { continue };
            if c.used || !opts.selection.enabled(rule) {
                continue;
            }
            let place = match (lang, s.target == s.line) {
                (Lang::En, true) => "on this line".to_string(),
                (Lang::En, false) => format!("on line {}", s.target),
                (Lang::Ko, true) => "이 줄에".to_string(),
                (Lang::Ko, false) => format!("{}번 줄에", s.target),
            };
            let place = match unit {
                Some(u) if s.target == u.first_line => match lang {
                    Lang::En => "in this object".to_string(),
                    Lang::Ko => "이 오브젝트에".to_string(),
                },
                _ => place,
            };
            out.push(meta(
                r,
                file,
                text,
                s,
                unit,
                &[("code", c.text.clone()), ("where", place)],
                lang,
                &format!("~{}", c.text),
            ));
        }
    }
}

/// Applies exemptions, comments and annotations to one object's findings:
/// a suppressed finding gets `suppressed` set (the caller drops it or
/// shows it); under `--strict` inline suppressions hide nothing and the
/// finding says what would have hidden it.
pub fn apply(
    ds: &mut [Diagnostic],
    unit: &Unit<'_>,
    comments: &mut [Suppression],
    annotations: &mut [Suppression],
    opts: &Options,
    lang: Lang,
) {
    for d in ds.iter_mut() {
        d.image = d.container.as_ref().and_then(|c| {
            unit.images
                .iter()
                .find(|(n, _)| n == c)
                .map(|(_, i)| i.clone())
        });
        let cfg = &opts.config;
        let severity = cfg.severity_of(d.rule);
        d.severity = severity;
        if !cfg.exemptions.is_empty() {
            let subject = Subject {
                code: d.code,
                rule: d.rule,
                file: &d.file,
                kind: &d.kind,
                name: &d.object,
                namespace: &d.namespace,
                container: d.container.as_deref(),
                image: d.image.as_deref(),
                containers: unit.images,
            };
            if let Some(e) = cfg.exemption(&subject, opts.today) {
                d.suppressed = Some(Suppressed {
                    kind: "exemption",
                    reason: e.reason.clone(),
                    at: format!("{}:{}", cfg.display_name(), e.line),
                });
                continue;
            }
        }
        let covering = comments
            .iter_mut()
            .filter(|s| s.target == d.line || s.target == unit.first_line)
            .map(|s| (s, "comment"))
            .chain(annotations.iter_mut().map(|s| (s, "annotation")));
        for (s, kind) in covering {
            let Some(i) = s.names(d.rule) else { continue };
            s.codes[i].used = true;
            let Some(reason) = s.reason.clone() else {
                continue;
            };
            if s.until.is_some_and(|u| u < opts.today) {
                continue;
            }
            if d.suppressed.is_some() {
                continue;
            }
            if opts.strict {
                let would = match lang {
                    Lang::En => format!(
                        "--strict: the {kind} at line {} would hide this finding ({reason})",
                        s.line
                    ),
                    Lang::Ko => format!(
                        "--strict: {}번 줄의 {kind}이(가) 이 발견을 가렸을 것이다 ({reason})",
                        s.line
                    ),
                };
                d.note = Some(match d.note.take() {
                    Some(n) => format!("{n}; {would}"),
                    None => would,
                });
                continue;
            }
            d.suppressed = Some(Suppressed {
                kind,
                reason,
                at: format!("{}:{}", d.file, s.line),
            });
        }
    }
}

/// PS904 for an `[[exemptions]]` entry of `file` (a podsec.toml) whose
/// date has passed; `None` when the rule is not selected.
pub fn expired_exemption(
    file: &str,
    text: &str,
    e: &crate::config::Exemption,
    opts: &Options,
    lang: Lang,
) -> Option<Diagnostic> {
    let rule = &crate::rules::suppressions::expired_suppression::RULE;
    if !opts.selection.enabled(rule) {
        return None;
    }
    let line_start = text
        .split_inclusive('\n')
        .take(e.line.saturating_sub(1) as usize)
        .map(str::len)
        .sum::<usize>();
    let line_len = text[line_start.min(text.len())..]
        .find('\n')
        .unwrap_or(text.len() - line_start.min(text.len()));
    let s = Suppression {
        codes: Vec::new(),
        reason: Some(e.reason.clone()),
        until: e.expires,
        malformed: None,
        line: e.line,
        column: e.column,
        start: line_start as u32,
        end: (line_start + line_len) as u32,
        target: e.line,
        reported: true,
    };
    let what = match lang {
        Lang::En => "podsec.toml exemption",
        Lang::Ko => "podsec.toml 예외",
    };
    let mut d = meta(
        rule,
        file,
        text,
        &s,
        None,
        &[
            ("what", what.into()),
            ("codes", e.rules.join(",")),
            ("date", e.expires.map(|d| d.to_string()).unwrap_or_default()),
            ("reason", e.reason.clone()),
        ],
        lang,
        "",
    );
    d.path = format!("exemptions[{}]", e.rules.join(","));
    Some(d)
}
