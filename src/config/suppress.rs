//! Inline suppressions: `# podsec: ignore[PS102,PS111] reason` comments and
//! the `podsec.dev/ignore: "PS102,PS111; reason"` annotation.
//!
//! A comment on its own line covers the next line that holds something
//! other than comments; a comment after content covers its own line; a
//! comment that covers an object's first line covers the whole object.
//! `until=YYYY-MM-DD` anywhere in the reason makes it stop applying after
//! that day.

use super::Date;
use crate::rules::{Rule, find};

/// The annotation that suppresses findings of its object.
pub const ANNOTATION: &str = "podsec.dev/ignore";

/// One rule a suppression names.
#[derive(Clone, Debug)]
pub struct Code {
    pub text: String,
    /// `None`: no rule has this code or name.
    pub rule: Option<&'static Rule>,
    /// It hid (or, under `--strict`, would have hidden) a finding.
    pub used: bool,
}

/// One suppression comment or annotation.
#[derive(Clone, Debug)]
pub struct Suppression {
    pub codes: Vec<Code>,
    /// The text after the codes, without `until=`; `None` when empty.
    pub reason: Option<String>,
    pub until: Option<Date>,
    /// What is wrong with its form (`None`: well formed).
    pub malformed: Option<String>,
    /// Where it is: the `#` of a comment, the annotation's value.
    pub line: u32,
    pub column: u32,
    pub start: u32,
    pub end: u32,
    /// The line a comment covers (annotations: the object's first line).
    pub target: u32,
    /// Set once its problems have been reported.
    pub reported: bool,
}

impl Suppression {
    /// Whether it names `rule`.
    pub fn names(&self, rule: &Rule) -> Option<usize> {
        self.codes
            .iter()
            .position(|c| c.rule.is_some_and(|r| r.code == rule.code))
    }

    /// The source form, for messages: `# podsec: ignore[PS101] reason`.
    pub fn codes_text(&self) -> String {
        self.codes
            .iter()
            .map(|c| c.text.as_str())
            .collect::<Vec<_>>()
            .join(",")
    }
}

/// Parses `CODES` and the rest (`reason`, `until=`) of a suppression.
fn parse_body(
    codes: &str,
    rest: &str,
) -> (Vec<Code>, Option<String>, Option<Date>, Option<String>) {
    let mut malformed = None;
    let list: Vec<Code> = codes
        .split(',')
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .map(|c| Code {
            text: c.to_string(),
            rule: find(c),
            used: false,
        })
        .collect();
    if list.is_empty() {
        malformed = Some("it names no rule".to_string());
    }
    let mut until = None;
    let mut words = Vec::new();
    for w in rest.split_whitespace() {
        match w.strip_prefix("until=") {
            Some(d) => match Date::parse(d) {
                Ok(d) => until = Some(d),
                Err(e) => malformed = Some(format!("until: {e}")),
            },
            None => words.push(w),
        }
    }
    let reason = words.join(" ");
    let reason = reason
        .trim_start_matches(['-', ':', '—'])
        .trim()
        .to_string();
    (
        list,
        (!reason.is_empty()).then_some(reason),
        until,
        malformed,
    )
}

/// The text of a comment after `#`, if it is a podsec directive:
/// `(codes, rest)` or a description of what is malformed.
fn directive(after_hash: &str) -> Option<Result<(&str, &str), String>> {
    let t = after_hash.trim_start();
    let t = t.strip_prefix("podsec:")?.trim_start();
    let Some(rest) = t.strip_prefix("ignore") else {
        let word = t.split_whitespace().next().unwrap_or("");
        return Some(Err(format!(
            "`podsec: {word}` is not a directive; the form is `# podsec: ignore[CODE,…] reason`"
        )));
    };
    let rest = rest.trim_start();
    let Some(inner) = rest.strip_prefix('[') else {
        return Some(Err(
            "it names no rule; the form is `# podsec: ignore[CODE,…] reason` (a blanket ignore is not accepted)"
                .into(),
        ));
    };
    let Some(close) = inner.find(']') else {
        return Some(Err("the list of codes has no closing `]`".into()));
    };
    Some(Ok((&inner[..close], &inner[close + 1..])))
}

/// Every `# podsec:` comment of a YAML text, in order. A candidate inside
/// a quoted or block scalar is not a comment: the caller drops those with
/// `in_scalar`, which knows the parsed documents.
pub fn comments(text: &str) -> Vec<Suppression> {
    let mut out = Vec::new();
    if !text.contains("podsec:") {
        return out;
    }
    let bytes = text.as_bytes();
    let mut line = 1u32;
    let mut line_start = 0usize;
    let mut counted = 0usize;
    for (i, _) in text.match_indices("podsec:") {
        // Count lines up to i.
        for (j, b) in bytes[counted..i].iter().enumerate() {
            if *b == b'\n' {
                line += 1;
                line_start = counted + j + 1;
            }
        }
        counted = i;
        // The `#` before it, with only blanks in between.
        let before = &text[line_start..i];
        let trimmed = before.trim_end_matches([' ', '\t']);
        let Some(prefix) = trimmed.strip_suffix('#') else {
            continue;
        };
        if !(prefix.is_empty() || prefix.ends_with([' ', '\t'])) {
            continue;
        }
        let hash = line_start + prefix.len();
        let line_end = text[i..].find('\n').map_or(text.len(), |n| i + n);
        let body = text[hash + 1..line_end].trim_end_matches('\r');
        let Some(parsed) = directive(body) else {
            continue;
        };
        let own_line = prefix.trim().is_empty();
        let target = if own_line {
            next_content_line(text, line_end, line)
        } else {
            line
        };
        let column = text[line_start..hash].chars().count() as u32 + 1;
        let (codes, reason, until, malformed) = match parsed {
            Ok((codes, rest)) => parse_body(codes, rest),
            Err(m) => (Vec::new(), None, None, Some(m)),
        };
        out.push(Suppression {
            codes,
            reason,
            until,
            malformed,
            line,
            column,
            start: hash as u32,
            end: line_end as u32,
            target,
            reported: false,
        });
    }
    out
}

/// The number of the first line after `from` (the end of line `line`)
/// holding something besides blanks and comments.
fn next_content_line(text: &str, from: usize, line: u32) -> u32 {
    let mut n = line;
    for l in text[from..].split('\n').skip(1) {
        n += 1;
        let t = l.trim();
        if !t.is_empty() && !t.starts_with('#') {
            return n;
        }
    }
    n + 1
}

/// The annotation's value: `CODES; reason`.
pub fn annotation(value: &str, line: u32, column: u32, start: u32, end: u32) -> Suppression {
    let (codes, rest) = value.split_once(';').unwrap_or((value, ""));
    let (codes, reason, until, malformed) = parse_body(codes, rest);
    Suppression {
        codes,
        reason,
        until,
        malformed,
        line,
        column,
        start,
        end,
        target: line,
        reported: false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comment_forms() {
        let text = "a: 1  # podsec: ignore[PS101, privilege-escalation-allowed] accepted: init only\n\
                    # podsec: ignore[PS102]\n\
                    \n\
                    # other comment\n\
                    b: 2\n\
                    c: \"x # podsec: ignore[PS101] in a string\"\n\
                    d: 3 #podsec:ignore[PSX1] until=2020-01-01 old\n\
                    e: x# podsec: ignore[PS101] not a comment\n\
                    # podsec: ignore\n\
                    # podsec: disable[PS101]\n";
        let c = comments(text);
        assert_eq!(c.len(), 6, "{c:#?}");
        assert_eq!(c[0].line, 1);
        assert_eq!(c[0].target, 1);
        assert_eq!(c[0].column, 7);
        assert_eq!(c[0].codes.len(), 2);
        assert_eq!(c[0].codes[1].rule.unwrap().code, "PS102");
        assert_eq!(c[0].reason.as_deref(), Some("accepted: init only"));
        assert_eq!(c[1].target, 5);
        assert_eq!(c[1].reason, None);
        // The string's text is found here; the engine drops it (in a scalar).
        assert_eq!(c[2].line, 6);
        assert!(c[3].codes[0].rule.is_none());
        assert_eq!(c[3].until.unwrap().to_string(), "2020-01-01");
        assert_eq!(c[3].reason.as_deref(), Some("old"));
        assert!(c[4].malformed.is_some());
        assert!(c[5].malformed.as_deref().unwrap().contains("disable"));
    }

    #[test]
    fn annotation_forms() {
        let a = annotation("PS102,PS111; needs root for the legacy agent", 3, 5, 0, 0);
        assert_eq!(a.codes.len(), 2);
        assert_eq!(a.reason.as_deref(), Some("needs root for the legacy agent"));
        let a = annotation("PS102", 3, 5, 0, 0);
        assert_eq!(a.reason, None);
        let a = annotation("; why", 3, 5, 0, 0);
        assert!(a.malformed.is_some());
    }
}
