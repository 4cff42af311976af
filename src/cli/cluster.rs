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

/// `--live`: read the cluster instead of files.
#[cfg_attr(not(feature = "live"), allow(dead_code))]
pub struct Live {
    pub context: Option<String>,
    pub namespace: Option<String>,
    pub server_dry_run: bool,
}

#[cfg_attr(not(feature = "live"), allow(dead_code))]
fn live_error(e: impl std::fmt::Display) -> crate::input::InputError {
    crate::input::InputError {
        file: "cluster".into(),
        line: 0,
        column: 0,
        message: e.to_string(),
    }
}

/// Lists every resource the report reads, page by page into the
/// inventory; then, with `--server-dry-run`, asks the API server about
/// each label change the report considers.
#[cfg(feature = "live")]
fn read_live(
    live: &Live,
    inv: &mut Inventory,
    errors: &mut Vec<crate::input::InputError>,
    version: Version,
) -> Option<(tokio::runtime::Runtime, crate::input::live::Cluster)> {
    use crate::input::live::{Cluster, PAGE, RESOURCES};
    let rt = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            errors.push(live_error(e));
            return None;
        }
    };
    let cluster = match rt.block_on(Cluster::connect(live.context.as_deref())) {
        Ok(c) => c,
        Err(e) => {
            errors.push(live_error(e));
            return None;
        }
    };
    for resource in RESOURCES {
        let name = format!("cluster:{}", resource.resource);
        let listed =
            rt.block_on(
                cluster.list(resource, live.namespace.as_deref(), PAGE, |items| {
                    let list =
                        serde_json::json!({"apiVersion": "v1", "kind": "List", "items": items});
                    inv.add_value(&name, &list, version);
                }),
            );
        if let Err(e) = listed {
            errors.push(live_error(e));
        }
    }
    Some((rt, cluster))
}

pub fn report(
    paths: &[String],
    format: ReportFormat,
    version: Version,
    live: Option<Live>,
) -> io::Result<u8> {
    let mut errors = Vec::new();
    let mut inv = Inventory::default();
    #[cfg(feature = "live")]
    let connected = live
        .as_ref()
        .and_then(|l| read_live(l, &mut inv, &mut errors, version));
    #[cfg(not(feature = "live"))]
    let _ = &live;
    let gathered = if paths.is_empty() {
        crate::input::Gathered::default()
    } else {
        crate::input::gather(paths, crate::input::manifest_name, None)
    };
    errors.extend(gathered.errors);
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
    #[allow(unused_mut)]
    let mut report = inv.report(version);
    #[cfg(feature = "live")]
    if let (Some((rt, cluster)), Some(l)) = (&connected, &live)
        && l.server_dry_run
    {
        use crate::pss::Level;
        for r in &mut report {
            if !r.in_input {
                continue;
            }
            for level in [Level::Baseline, Level::Restricted] {
                if r.expected_warnings(level, version).is_none() {
                    continue;
                }
                let labels = [
                    (
                        format!("{}enforce", crate::pss::namespace::PREFIX),
                        level.as_str().to_string(),
                    ),
                    (
                        format!("{}enforce-version", crate::pss::namespace::PREFIX),
                        version.to_string(),
                    ),
                ];
                match rt.block_on(cluster.dry_run_label(&r.namespace, &labels)) {
                    Ok(w) => {
                        let check = r.compare(level, version, w);
                        r.server.push(check);
                    }
                    Err(e) => errors.push(live_error(e)),
                }
            }
        }
    }
    for e in &errors {
        eprintln!("{e}");
    }
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
        for c in &r.server {
            if c.differences.is_empty() {
                writeln!(out, "  API server (dry-run enforce={}): agrees", c.policy)?;
            } else {
                writeln!(out, "  API server (dry-run enforce={}): differs", c.policy)?;
                for d in &c.differences {
                    writeln!(out, "    {d}")?;
                }
            }
        }
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
        for c in &r.server {
            if c.differences.is_empty() {
                writeln!(out, "- API server, dry-run enforce={}: agrees", c.policy)?;
            } else {
                writeln!(out, "- API server, dry-run enforce={}: differs", c.policy)?;
                for d in &c.differences {
                    writeln!(out, "  - {d}")?;
                }
            }
        }
        writeln!(out, "\n```sh\n{}\n```", r.recommended)?;
    }
    Ok(())
}
