//! `--format concise`: one line per finding (`file:line:col: CODE [severity] message`),
//! for editors, grep and quick reading, as ruff's concise output.

use std::io::{self, Write};

use crate::engine::scan::Diagnostic;

pub fn render(out: &mut impl Write, d: &Diagnostic) -> io::Result<()> {
    write!(
        out,
        "{}:{}:{}: {} [{}] {}",
        d.file,
        d.line,
        d.column,
        d.code,
        d.severity.as_str(),
        d.message
    )?;
    // Suppressed findings are shown only with --show-suppressed.
    match &d.suppressed {
        Some(s) => writeln!(out, " (suppressed by {} at {}: {})", s.kind, s.at, s.reason),
        None => writeln!(out),
    }
}
