//! `--format markdown`: a summary table per file, then every finding, for
//! pull-request comments. GitHub refuses comments over 65,536 characters:
//! the details stop before that, with a line saying how many were left out.

use std::io::{self, Write};

use crate::engine::scan::Diagnostic;
use crate::rules::Severity;

/// Characters of details kept (the summary needs the rest of a comment).
pub const DETAILS_BUDGET: usize = 50_000;

fn cell(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

/// One file's details: a heading and a table of its findings.
pub fn file_section(
    out: &mut impl Write,
    file: &str,
    diagnostics: &[Diagnostic],
) -> io::Result<()> {
    if diagnostics.is_empty() {
        return Ok(());
    }
    writeln!(out, "\n### `{}`\n", cell(file))?;
    writeln!(out, "| Line | Rule | Severity | Object | Finding | Fix |")?;
    writeln!(out, "| ---: | --- | --- | --- | --- | --- |")?;
    for d in diagnostics {
        let object = match &d.container {
            Some(c) => format!("{}/{} `{}`", d.kind, d.object, cell(c)),
            None => format!("{}/{}", d.kind, d.object),
        };
        writeln!(
            out,
            "| {} | {} `{}` | {} | {} | {} | {} |",
            d.line,
            d.code,
            d.name,
            d.severity.as_str(),
            cell(&object),
            cell(&d.message),
            cell(d.fix)
        )?;
    }
    Ok(())
}

/// Collects the details under a size budget.
#[derive(Default)]
pub struct Details {
    pub text: Vec<u8>,
    /// Sections left out for the budget.
    pub left_out: usize,
}

impl Details {
    /// Adds one rendered section, if it fits.
    pub fn add(&mut self, section: &[u8]) {
        if self.text.len() + section.len() <= DETAILS_BUDGET {
            self.text.extend_from_slice(section);
        } else if !section.is_empty() {
            self.left_out += 1;
        }
    }
}

impl Write for Details {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.add(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// The whole comment: totals, the per-file table, then the details.
pub fn write_report(
    out: &mut impl Write,
    files: &[(String, [usize; 5])],
    scanned: usize,
    workloads: usize,
    errors: usize,
    details: &Details,
) -> io::Result<()> {
    let total: usize = files.iter().map(|(_, c)| c.iter().sum::<usize>()).sum();
    writeln!(out, "## podsec scan\n")?;
    writeln!(
        out,
        "**{total} {}** in {workloads} {} across {scanned} {}{}.",
        if total == 1 { "finding" } else { "findings" },
        if workloads == 1 {
            "workload"
        } else {
            "workloads"
        },
        if scanned == 1 { "file" } else { "files" },
        match errors {
            0 => String::new(),
            1 => ", 1 input error".into(),
            n => format!(", {n} input errors"),
        }
    )?;
    if total == 0 {
        return Ok(());
    }
    let order = [
        Severity::Critical,
        Severity::High,
        Severity::Medium,
        Severity::Low,
        Severity::Info,
    ];
    writeln!(out, "\n| File | Critical | High | Medium | Low | Info |")?;
    writeln!(out, "| --- | ---: | ---: | ---: | ---: | ---: |")?;
    for (file, counts) in files.iter().filter(|(_, c)| c.iter().sum::<usize>() > 0) {
        let by = |s: Severity| counts[Severity::ALL.iter().position(|x| *x == s).unwrap_or(0)];
        let cells: Vec<String> = order.iter().map(|s| by(*s).to_string()).collect();
        writeln!(out, "| `{}` | {} |", cell(file), cells.join(" | "))?;
    }
    out.write_all(&details.text)?;
    if details.left_out > 0 {
        writeln!(
            out,
            "\n_{} more {} not shown (comment size limit); run `podsec scan` for every finding._",
            details.left_out,
            if details.left_out == 1 {
                "file"
            } else {
                "files"
            }
        )?;
    }
    Ok(())
}
