//! Human output in the style of rustc and ruff: the location, the
//! offending line with a caret, the effective value, the fix, the CVEs.

use std::io::{self, Write};

use crate::engine::scan::Diagnostic;
use crate::rules::{Lang, Severity};

/// ANSI styles, or nothing when colour is off.
#[derive(Clone, Copy)]
pub struct Style {
    pub color: bool,
}

impl Style {
    fn paint(&self, code: &str, s: &str) -> String {
        if self.color {
            format!("\x1b[{code}m{s}\x1b[0m")
        } else {
            s.to_string()
        }
    }

    fn severity(&self, sev: Severity, s: &str) -> String {
        let code = match sev {
            Severity::Critical => "1;35",
            Severity::High => "1;31",
            Severity::Medium => "1;33",
            Severity::Low => "1;36",
            Severity::Info => "1;34",
        };
        self.paint(code, s)
    }

    fn dim(&self, s: &str) -> String {
        self.paint("2", s)
    }

    fn bold(&self, s: &str) -> String {
        self.paint("1", s)
    }
}

struct Labels {
    object: &'static str,
    namespace: &'static str,
    container: &'static str,
    effective: &'static str,
    unset: &'static str,
    from_container: &'static str,
    from_pod: &'static str,
    on_pod: &'static str,
    overridden: &'static str,
    from_image: &'static str,
    implied: &'static str,
    default: &'static str,
    fix: &'static str,
    cves: &'static str,
    inferred: &'static str,
    note: &'static str,
    automatic: &'static str,
    not_automatic: &'static str,
}

fn labels(lang: Lang) -> Labels {
    match lang {
        Lang::En => Labels {
            object: "object",
            namespace: "namespace",
            container: "container",
            effective: "effective",
            unset: "unset (the runtime default applies)",
            from_container: "set on the container",
            from_pod: "inherited from the pod",
            on_pod: "set on the pod",
            overridden: "set on the pod; overridden by every container",
            from_image: "from",
            implied: "implied by",
            default: "not set: the runtime default",
            fix: "fix",
            cves: "CVEs",
            inferred: "inferred",
            note: "note",
            automatic: "podsec fix",
            not_automatic: "no automatic fix",
        },
        Lang::Ko => Labels {
            object: "오브젝트",
            namespace: "네임스페이스",
            container: "컨테이너",
            effective: "적용 값",
            unset: "설정 안 됨 (런타임 기본값이 적용된다)",
            from_container: "컨테이너에서 설정",
            from_pod: "파드에서 상속",
            on_pod: "파드에서 설정",
            overridden: "파드에서 설정했지만 모든 컨테이너가 덮어씀",
            from_image: "출처",
            implied: "다음 설정에 따름",
            default: "설정 안 됨: 런타임 기본값",
            fix: "수정",
            cves: "CVE",
            inferred: "추정",
            note: "참고",
            automatic: "podsec fix",
            not_automatic: "자동 수정 불가",
        },
    }
}

/// The caret span on the diagnostic's line, in characters.
fn caret_span(d: &Diagnostic) -> (usize, usize) {
    let line_chars = d.source_line.chars().count();
    let start = (d.column as usize).saturating_sub(1).min(line_chars);
    let end = if d.end_line == d.line && d.end_column > d.column {
        (d.end_column as usize - 1).min(line_chars)
    } else {
        // A node that runs past its first line: underline up to a colon or
        // a comment on that line.
        let rest: String = d.source_line.chars().skip(start).collect();
        let rest = rest.split(" #").next().unwrap_or("");
        start
            + rest
                .trim_end()
                .chars()
                .take_while(|c| *c != ':')
                .count()
                .max(1)
    };
    (start, end.max(start + 1))
}

/// CVEs listed per finding in text output.
const MAX_CVES: usize = 3;

/// Characters of a source line shown in a code frame at most.
const FRAME_WIDTH: usize = 120;

/// What a code frame prints: the (possibly cut) line, the indentation
/// before the carets and their number.
struct Frame {
    text: String,
    indent: String,
    carets: usize,
}

/// A window of at most `FRAME_WIDTH` characters around the caret span
/// `start..end` (in characters), with `…` where the line is cut, so a
/// 1 MB line prints a few hundred bytes.
fn window(line: &str, start: usize, end: usize) -> Frame {
    let chars = line.chars().count();
    let (from, to) = if chars <= FRAME_WIDTH {
        (0, chars)
    } else {
        let from = start.saturating_sub(FRAME_WIDTH / 3);
        let to = (from + FRAME_WIDTH).min(chars);
        (to.saturating_sub(FRAME_WIDTH).min(from), to)
    };
    let mut text = String::new();
    if from > 0 {
        text.push('…');
    }
    text.extend(line.chars().skip(from).take(to - from));
    if to < chars {
        text.push('…');
    }
    let mut indent: String = if from > 0 { " ".into() } else { String::new() };
    indent.extend(
        line.chars()
            .skip(from)
            .take(start.saturating_sub(from))
            .map(|c| if c == '\t' { '\t' } else { ' ' }),
    );
    let carets = end.min(to).saturating_sub(start.max(from)).max(1);
    Frame {
        text,
        indent,
        carets,
    }
}

/// The `= effective:` text: the value and where it was really set.
fn effective_text(d: &Diagnostic, l: &Labels) -> String {
    use crate::model::effective::Origin;
    let Some(v) = &d.value else {
        return l.unset.to_string();
    };
    let detail = d.origin_detail.as_deref().unwrap_or("");
    match d.origin_kind {
        Origin::Container => format!("{v} ({})", l.from_container),
        Origin::Inherited => format!("{v} ({})", l.from_pod),
        Origin::Pod => format!("{v} ({})", l.on_pod),
        Origin::Overridden => format!("{v} ({})", l.overridden),
        Origin::Image => format!("{v} ({} {detail})", l.from_image),
        Origin::Implied => format!("{v} ({} {detail})", l.implied),
        Origin::Default => format!("{v} ({})", l.default),
    }
}

pub fn render(out: &mut impl Write, d: &Diagnostic, style: Style, lang: Lang) -> io::Result<()> {
    let l = labels(lang);
    writeln!(
        out,
        "{}: {} {} {}: {}",
        style.bold(&format!("{}:{}:{}", d.file, d.line, d.column)),
        style.severity(d.severity, d.code),
        style.severity(d.severity, &format!("[{}]", d.severity.as_str())),
        d.name,
        d.message
    )?;
    let num = d.line.to_string();
    let pad = " ".repeat(num.len());
    let (start, end) = caret_span(d);
    let frame = window(&d.source_line, start, end);
    writeln!(out, "{pad} {}", style.dim("|"))?;
    writeln!(out, "{} {} {}", style.dim(&num), style.dim("|"), frame.text)?;
    writeln!(
        out,
        "{pad} {} {}{}",
        style.dim("|"),
        frame.indent,
        style.severity(d.severity, &"^".repeat(frame.carets))
    )?;
    let mut object = format!(
        "{}/{}",
        d.kind,
        if d.object.is_empty() {
            "(unnamed)"
        } else {
            &d.object
        }
    );
    if !d.namespace.is_empty() {
        object.push_str(&format!(" ({} {})", l.namespace, d.namespace));
    }
    if let Some(c) = &d.container {
        object.push_str(&format!(", {} \"{c}\"", l.container));
    }
    let meta = matches!(d.rule.check, crate::rules::Check::Meta);
    if !d.kind.is_empty() {
        writeln!(out, "{pad} = {}: {object}", l.object)?;
    }
    if !meta {
        let effective = effective_text(d, &l);
        writeln!(out, "{pad} = {}: {effective}", l.effective)?;
    }
    if let Some(e) = &d.enforced {
        let label = match lang {
            Lang::En => "admission",
            Lang::Ko => "승인",
        };
        writeln!(out, "{pad} = {label}: {e}")?;
    }
    if let Some(s) = &d.suppressed {
        let label = match lang {
            Lang::En => "suppressed",
            Lang::Ko => "억제됨",
        };
        writeln!(out, "{pad} = {label}: {} at {}: {}", s.kind, s.at, s.reason)?;
    }
    match (&d.autofix, d.autofix_unavailable) {
        (Some(f), _) => writeln!(
            out,
            "{pad} = {}: {} [{}: {}]",
            l.fix,
            d.fix,
            l.automatic,
            f.applicability.as_str()
        )?,
        (None, Some(why)) => writeln!(
            out,
            "{pad} = {}: {} [{}: {why}]",
            l.fix, d.fix, l.not_automatic
        )?,
        (None, None) => writeln!(out, "{pad} = {}: {}", l.fix, d.fix)?,
    }
    if let Some(note) = &d.note {
        writeln!(out, "{pad} = {}: {note}", l.note)?;
    }
    if !d.cves.is_empty() {
        // Direct links first; at most three here (all of them in JSON and
        // `podsec explain`).
        let mut cves: Vec<&crate::kb::CveLink> = d.cves.iter().collect();
        cves.sort_by_key(|c| c.inferred);
        let mut list: Vec<String> = cves
            .iter()
            .take(MAX_CVES)
            .map(|c| {
                if c.inferred {
                    format!("{} ({})", c.id, l.inferred)
                } else {
                    c.id.to_string()
                }
            })
            .collect();
        if cves.len() > MAX_CVES {
            let n = cves.len() - MAX_CVES;
            list.push(match lang {
                Lang::En => format!("+{n} more (podsec explain {})", d.code),
                Lang::Ko => format!("외 {n}건 (podsec explain {})", d.code),
            });
        }
        writeln!(out, "{pad} = {}: {}", l.cves, list.join(", "))?;
    }
    writeln!(out)
}
