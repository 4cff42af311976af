//! `podsec cluster report`: the front end of `engine::cluster`.

use std::io::{self, Write};

use super::{EXIT_ERROR, stdout};
use crate::engine::cluster::{Inventory, NamespaceReport};
use crate::pss::Version;

#[derive(Clone, Copy, clap::ValueEnum, PartialEq, Eq)]
pub enum ReportFormat {
    Text,
    Json,
    Markdown,
}

pub fn report(paths: &[String], format: ReportFormat, version: Version) -> io::Result<u8> {
    let gathered = crate::input::gather(paths, crate::input::manifest_name, None);
    let mut errors = gathered.errors;
    let mut inv = Inventory::default();
    for src in &gathered.sources {
        let name = src.name();
        match src.read().and_then(|b| {
            crate::input::decode_text(&name, &b)?;
            Ok(b)
        }) {
            Ok(bytes) => inv.add(
                &name,
                std::str::from_utf8(&bytes).unwrap_or_default(),
                version,
            ),
            Err(e) => errors.push(e),
        }
    }
    errors.append(&mut inv.errors);
    for e in &errors {
        eprintln!("{e}");
    }
    let report = inv.report(version);
    let mut out = stdout();
    match format {
        ReportFormat::Json => {
            serde_json::to_writer_pretty(
                &mut out,
                &serde_json::json!({"version": version.to_string(), "namespaces": report, "errors": errors}),
            )?;
            writeln!(out)?;
        }
        ReportFormat::Text => text(&mut out, &report)?,
        ReportFormat::Markdown => markdown(&mut out, &report, version)?,
    }
    out.flush()?;
    eprintln!(
        "podsec cluster: {} {}, {} workloads counted, {} {}",
        report.len(),
        if report.len() == 1 {
            "namespace"
        } else {
            "namespaces"
        },
        report.iter().map(|r| r.workloads).sum::<usize>(),
        errors.len(),
        if errors.len() == 1 { "error" } else { "errors" },
    );
    Ok(if errors.is_empty() { 0 } else { EXIT_ERROR })
}

fn labels(r: &NamespaceReport) -> String {
    if !r.in_input {
        return "no Namespace object in the input".into();
    }
    if r.labels.is_empty() {
        return "no Pod Security labels".into();
    }
    r.labels
        .iter()
        .map(|(k, v)| {
            format!(
                "{}={v}",
                k.trim_start_matches(crate::pss::namespace::PREFIX)
            )
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn text(out: &mut impl Write, report: &[NamespaceReport]) -> io::Result<()> {
    for r in report {
        writeln!(out, "namespace {} ({})", r.namespace, labels(r))?;
        for e in &r.label_errors {
            writeln!(out, "  label error: {e}")?;
        }
        writeln!(
            out,
            "  {} {}; every one passes {}",
            r.workloads,
            if r.workloads == 1 {
                "workload"
            } else {
                "workloads"
            },
            r.strictest
        )?;
        for b in &r.blocked {
            writeln!(out, "  {}: {} violating", b.level, b.violating)?;
            writeln!(out, "    {}:", b.heading)?;
            for g in &b.groups {
                writeln!(out, "    {}", g.warning)?;
                if !g.rules.is_empty() {
                    writeln!(
                        out,
                        "      fix: podsec fix --level {} (rules {})",
                        b.level,
                        g.rules.join(", ")
                    )?;
                }
            }
        }
        writeln!(out, "  recommended: {}", r.recommended)?;
        writeln!(out)?;
    }
    Ok(())
}

fn markdown(out: &mut impl Write, report: &[NamespaceReport], version: Version) -> io::Result<()> {
    writeln!(out, "## Pod Security readiness ({version})\n")?;
    writeln!(
        out,
        "| Namespace | Labels today | Workloads | Passes | Blocks the next level |"
    )?;
    writeln!(out, "| --- | --- | ---: | --- | --- |")?;
    for r in report {
        let next = r
            .blocked
            .first()
            .and_then(|b| {
                b.groups
                    .first()
                    .map(|g| format!("{}: {}", b.level, g.warning))
            })
            .unwrap_or_else(|| "—".into());
        writeln!(
            out,
            "| `{}` | {} | {} | {} | {} |",
            r.namespace,
            labels(r),
            r.workloads,
            r.strictest,
            next.replace('|', "\\|")
        )?;
    }
    for r in report {
        writeln!(out, "\n### `{}`\n", r.namespace)?;
        for b in &r.blocked {
            writeln!(out, "- **{}**: {} violating", b.level, b.violating)?;
            for g in &b.groups {
                writeln!(
                    out,
                    "  - {} (podsec rules: {})",
                    g.warning,
                    g.rules.join(", ")
                )?;
            }
        }
        writeln!(out, "\n```sh\n{}\n```", r.recommended)?;
    }
    Ok(())
}
