//! `--format junit`: JUnit XML, as CI systems show test results. One test
//! suite per file; one test case per workload and rule evaluated, failing
//! with the message and location of each finding of that rule on that
//! workload. Input errors are test cases with an `<error>`.

use std::io::{self, Write};

use crate::engine::scan::{Diagnostic, ObjectRef};
use crate::input::InputError;
use crate::rules::Rule;

fn xml(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&apos;"),
            // XML 1.0 has no place for other control characters.
            c if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') => o.push('\u{fffd}'),
            c => o.push(c),
        }
    }
    o
}

pub fn write_head(out: &mut impl Write) -> io::Result<()> {
    writeln!(
        out,
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"podsec\">"
    )
}

pub fn write_tail(out: &mut impl Write) -> io::Result<()> {
    writeln!(out, "</testsuites>")
}

/// One file's suite.
pub fn testsuite(
    out: &mut impl Write,
    file: &str,
    objects: &[ObjectRef],
    rules: &[&'static Rule],
    diagnostics: &[Diagnostic],
    errors: &[InputError],
) -> io::Result<()> {
    let tests = objects.len() * rules.len() + errors.len();
    let failures = objects
        .iter()
        .map(|o| {
            rules
                .iter()
                .filter(|r| diagnostics.iter().any(|d| d.code == r.code && o.owns(d)))
                .count()
        })
        .sum::<usize>();
    writeln!(
        out,
        "  <testsuite name=\"{}\" tests=\"{tests}\" failures=\"{failures}\" errors=\"{}\">",
        xml(file),
        errors.len()
    )?;
    for e in errors {
        writeln!(
            out,
            "    <testcase classname=\"{f}\" name=\"read {f}\" file=\"{f}\" line=\"{}\">\n      <error message=\"{}\">{}</error>\n    </testcase>",
            e.line,
            xml(&e.message),
            xml(&e.to_string()),
            f = xml(file),
        )?;
    }
    for o in objects {
        let object = o.display();
        for r in rules {
            write!(
                out,
                "    <testcase classname=\"{}\" name=\"{} {} {}\" file=\"{}\" line=\"{}\"",
                xml(file),
                xml(&object),
                r.code,
                r.name,
                xml(file),
                o.line
            )?;
            let found: Vec<&Diagnostic> = diagnostics
                .iter()
                .filter(|d| d.code == r.code && o.owns(d))
                .collect();
            if found.is_empty() {
                writeln!(out, "/>")?;
                continue;
            }
            writeln!(out, ">")?;
            for d in found {
                writeln!(
                    out,
                    "      <failure message=\"{}\" type=\"{}\">{}:{}:{}: {} [{}] {}\nfix: {}</failure>",
                    xml(&d.message),
                    d.code,
                    xml(&d.file),
                    d.line,
                    d.column,
                    d.code,
                    d.severity.as_str(),
                    xml(&d.message),
                    xml(d.fix)
                )?;
            }
            writeln!(out, "    </testcase>")?;
        }
    }
    writeln!(out, "  </testsuite>")
}
