//! `--format github`: GitHub Actions workflow commands, one annotation per
//! finding (`::error file=…,line=…,col=…,endLine=…,endColumn=…,title=CODE name::message`).
//!
//! GitHub shows at most 10 annotations of each type per step. `Limit`
//! passes the first 10 of each type through; later ones become plain log
//! lines (`file:line:col: CODE name: message`, so nothing is lost), and
//! `summary` adds one annotation with the totals when a limit was passed.

use std::io::{self, Write};

use crate::engine::scan::Diagnostic;
use crate::rules::Severity;

/// Annotations GitHub shows per type and step.
pub const SHOWN: usize = 10;

const TYPES: [&str; 3] = ["error", "warning", "notice"];

fn kind(s: Severity) -> &'static str {
    match s {
        Severity::Critical | Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low | Severity::Info => "notice",
    }
}

/// The escaping of a command's message.
fn data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// The escaping of a command's property values.
fn property(s: &str) -> String {
    data(s).replace(':', "%3A").replace(',', "%2C")
}

fn unescape(s: &str) -> String {
    s.replace("%0D", "\r")
        .replace("%0A", "\n")
        .replace("%3A", ":")
        .replace("%2C", ",")
        .replace("%25", "%")
}

pub fn render(out: &mut impl Write, d: &Diagnostic) -> io::Result<()> {
    writeln!(
        out,
        "::{} file={},line={},col={},endLine={},endColumn={},title={}::{}",
        kind(d.severity),
        property(&d.file),
        d.line,
        d.column,
        d.end_line,
        d.end_column,
        property(&format!("{} {}", d.code, d.name)),
        data(&d.message)
    )
}

/// A writer that lets the first `SHOWN` annotations of each type through
/// and turns later ones into plain lines. It sees the report in output
/// order (it wraps the final destination).
pub struct Limit<W: Write> {
    inner: W,
    line: Vec<u8>,
    /// Annotations seen per type (error, warning, notice).
    pub counts: [usize; 3],
}

impl<W: Write> Limit<W> {
    pub fn new(inner: W) -> Limit<W> {
        Limit {
            inner,
            line: Vec::new(),
            counts: [0; 3],
        }
    }

    fn line(&mut self) -> io::Result<()> {
        let line = String::from_utf8_lossy(&self.line).into_owned();
        self.line.clear();
        let t = TYPES
            .iter()
            .position(|t| line.starts_with(&format!("::{t} ")));
        let Some(t) = t else {
            return self.inner.write_all(line.as_bytes());
        };
        self.counts[t] += 1;
        if self.counts[t] <= SHOWN {
            return self.inner.write_all(line.as_bytes());
        }
        // `::type k=v,k=v::message` → `file:line:col: title: message`.
        let body = &line[TYPES[t].len() + 3..];
        let (props, message) = body.split_once("::").unwrap_or((body, ""));
        let get = |key: &str| {
            props
                .split(',')
                .find_map(|kv| kv.strip_prefix(key).and_then(|v| v.strip_prefix('=')))
                .map(unescape)
                .unwrap_or_default()
        };
        writeln!(
            self.inner,
            "{}: {}:{}:{}: {}: {}",
            TYPES[t],
            get("file"),
            get("line"),
            get("col"),
            get("title"),
            unescape(message.trim_end_matches('\n'))
        )
    }

    /// The summary annotation, when some type passed the limit.
    pub fn summary(&mut self) -> io::Result<()> {
        self.flush()?;
        if self.counts.iter().all(|&n| n <= SHOWN) {
            return Ok(());
        }
        let [e, w, n] = self.counts;
        writeln!(
            self.inner,
            "::warning title=podsec::{} findings: {e} errors, {w} warnings, {n} notices. GitHub shows {SHOWN} annotations of each type per step; every finding is in this step's log.",
            e + w + n
        )?;
        self.inner.flush()
    }
}

impl<W: Write> Write for Limit<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        for &b in buf {
            self.line.push(b);
            if b == b'\n' {
                self.line()?;
            }
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        if !self.line.is_empty() {
            self.line()?;
        }
        self.inner.flush()
    }
}
