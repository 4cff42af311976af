//! `podsec inspect`: the effective security context of every container.

use std::io::{self, Write};

use serde_json::{Value as Json, json};

use super::pss::error_json;
use super::scan::{Input, Loaded, load};
use super::{EXIT_ERROR, Format, stdout, write_json};
use crate::engine::{for_each_workload, parse_file};
use crate::input::{Kind, nothing_found};
use crate::model::effective::effective;
use crate::rules::{Lang, image_user};

pub fn run(format: Format, paths: &[String], stdin_name: Option<&str>) -> io::Result<u8> {
    // Dockerfiles are read too: the image's user is part of what a
    // container runs with.
    let mut resolver = match super::scan::Resolver::new(super::scan::Overrides {
        selection: crate::rules::Selection {
            select: vec!["DKF".into()],
            ignore: Vec::new(),
        },
        exact_selection: true,
        ..Default::default()
    }) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("podsec inspect: error: {e}");
            return Ok(super::EXIT_ERROR);
        }
    };
    let Loaded {
        texts,
        index,
        mut errors,
        ..
    } = load(paths, &mut resolver, Lang::En, stdin_name);
    let sources: Vec<&Input> = texts.iter().filter(|t| t.kind == Kind::Manifest).collect();
    let mut out = stdout();
    let mut rows = Vec::new();
    let mut parse_errors = Vec::new();
    for Input { name, bytes, .. } in sources.iter().copied() {
        let text = match crate::input::decode_text(name, bytes) {
            Ok(t) => t,
            Err(e) => {
                eprintln!("{e}");
                errors.push(e);
                continue;
            }
        };
        let name = name.to_string();
        let parsed = parse_file(&name, text);
        let mut file_errors = parsed.errors;
        let mut io_result = Ok(());
        for_each_workload(&name, &parsed.docs, &mut file_errors, |doc, w| {
            let Some(pod) = &w.pod else {
                return;
            };
            let at = |node: u32| {
                let p = doc.node(node).pos;
                (p.line, p.col)
            };
            let mut containers = Vec::new();
            if format == Format::Text && io_result.is_ok() {
                io_result = writeln!(
                    out,
                    "{}:{}:{}: {}",
                    name,
                    w.pos.line,
                    w.pos.col,
                    w.display_name()
                );
            }
            for c in pod.spec.all_containers() {
                let mut eff = effective(&pod.spec, c);
                eff.image = image_user(&index, c);
                let (cl, cc) = at(c.node);
                let path = if w.template_path.is_empty() {
                    format!("spec.{}[{}]", c.kind.field(), c.index)
                } else {
                    format!("{}.spec.{}[{}]", w.template_path, c.kind.field(), c.index)
                };
                let fields = eff.rows();
                if format == Format::Text && io_result.is_ok() {
                    io_result = (|| {
                        writeln!(out, "  container {:?} ({path}) at {cl}:{cc}", c.name)?;
                        for r in &fields {
                            let loc = match r.node {
                                Some(n) => {
                                    let (l, col) = at(n);
                                    format!("{l}:{col}")
                                }
                                None => String::new(),
                            };
                            let display = match &r.detail {
                                Some(d) => format!("{} ({d})", r.display),
                                None => r.display.clone(),
                            };
                            writeln!(
                                out,
                                "    {:<30} {:<10} {}{}",
                                r.field,
                                r.origin.as_str(),
                                display,
                                if loc.is_empty() {
                                    String::new()
                                } else {
                                    format!("  (at {loc})")
                                }
                            )?;
                        }
                        Ok(())
                    })();
                }
                let fields_json: Vec<Json> = fields
                    .iter()
                    .map(|r| {
                        let (l, col) = r.node.map_or((Json::Null, Json::Null), |n| {
                            let (l, col) = at(n);
                            (json!(l), json!(col))
                        });
                        json!({"field": r.field, "value": r.value, "display": r.display,
                               "origin": r.origin.as_str(), "origin_detail": r.detail,
                               "line": l, "column": col})
                    })
                    .collect();
                containers.push(json!({
                    "name": c.name, "type": c.kind.field(), "index": c.index, "path": path,
                    "line": cl, "column": cc, "fields": fields_json,
                }));
            }
            rows.push(json!({
                "file": name, "line": w.pos.line, "column": w.pos.col,
                "kind": w.kind, "name": w.name, "namespace": w.namespace,
                "containers": containers,
            }));
        });
        io_result?;
        for e in &file_errors {
            eprintln!("{e}");
        }
        parse_errors.extend(file_errors);
    }
    errors.extend(parse_errors);
    if rows.is_empty() && errors.is_empty() {
        eprintln!(
            "{}",
            nothing_found("inspect", paths, sources.len(), "workloads")
        );
    }
    if format == Format::Json {
        let errs: Vec<Json> = errors.iter().map(error_json).collect();
        write_json(&mut out, &json!({"workloads": rows, "errors": errs}))?;
    }
    out.flush()?;
    Ok(if errors.is_empty() { 0 } else { EXIT_ERROR })
}
