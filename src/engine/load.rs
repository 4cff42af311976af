//! Reading a file's documents and the workloads in them, for every
//! pipeline. Pure: the caller reads the files.

use crate::input::InputError;
use crate::model::{self, Object, Workload};
use crate::source::{self, Doc, ParseError};

/// Everything found in one file's documents.
pub struct Parsed<'a> {
    pub docs: Vec<Doc<'a>>,
    pub errors: Vec<InputError>,
}

fn input_error(file: &str, e: &ParseError) -> InputError {
    InputError {
        file: file.to_string(),
        line: e.pos.line,
        column: e.pos.col,
        message: e.message.clone(),
    }
}

/// Every document of a file at once (for the fixer, which edits and
/// re-reads whole files).
pub fn parse_file<'a>(file: &str, text: &'a str) -> Parsed<'a> {
    let mut parsed = Parsed {
        docs: Vec::new(),
        errors: Vec::new(),
    };
    each_doc(file, text, &mut parsed.errors, |d| parsed.docs.push(d));
    parsed
}

/// Calls `f` with each document of a file in turn, so that only one
/// document's tree is alive at a time; syntax errors go to `errors`.
pub fn each_doc<'a>(
    file: &str,
    text: &'a str,
    errors: &mut Vec<InputError>,
    mut f: impl FnMut(Doc<'a>),
) {
    match source::detect(file, text) {
        source::Syntax::Yaml => {
            for d in source::yaml::Documents::new(text) {
                match d {
                    Ok(d) => f(d),
                    Err(e) => errors.push(input_error(file, &e)),
                }
            }
        }
        source::Syntax::Json => {
            let stream = source::json::parse(text);
            errors.extend(stream.errors.iter().map(|e| input_error(file, e)));
            stream.docs.into_iter().for_each(f);
        }
    }
}

/// Calls `f` for every workload of every document, and collects the
/// errors of objects that cannot be decoded. Returns the number of
/// non-workload objects skipped.
pub fn for_each_workload<'d>(
    file: &str,
    docs: &'d [Doc<'_>],
    errors: &mut Vec<InputError>,
    mut f: impl FnMut(&'d Doc<'_>, &Workload<'d>),
) -> usize {
    docs.iter()
        .map(|doc| doc_workloads(file, doc, errors, |w| f(doc, w)))
        .sum()
}

/// Calls `f` for every workload of one document; returns the number of
/// non-workload objects skipped.
pub fn doc_workloads<'d>(
    file: &str,
    doc: &'d Doc<'_>,
    errors: &mut Vec<InputError>,
    mut f: impl FnMut(&Workload<'d>),
) -> usize {
    let mut skipped = 0;
    for obj in model::objects(doc) {
        match obj {
            Object::Workload(w) => f(&w),
            Object::Other { .. } => skipped += 1,
            Object::Invalid {
                kind, name, error, ..
            } => errors.push(InputError {
                file: file.to_string(),
                line: error.pos.line,
                column: error.pos.col,
                message: format!(
                    "{kind}/{}: {}",
                    if name.is_empty() { "(unnamed)" } else { name },
                    error.message
                ),
            }),
        }
    }
    skipped
}

/// The Namespace objects of a file, for the namespace-label modes. Only
/// the documents that may hold one are parsed: a YAML stream is cut at its
/// `---` lines (as kubectl cuts it) around each line that names both
/// `kind` and `Namespace`, so a large stream with a few namespaces costs a
/// text search, not a second parse.
pub fn namespaces_of(file: &str, text: &str) -> Vec<crate::model::workload::NamespaceObject> {
    let mut out = Vec::new();
    if !text.contains("Namespace") {
        return out;
    }
    let mut errors = Vec::new();
    let mut collect = |part: &str| {
        each_doc(file, part, &mut errors, |doc| {
            out.extend(crate::model::workload::namespaces(&doc));
        })
    };
    if source::detect(file, text) == source::Syntax::Json {
        collect(text);
        return out;
    }
    let bytes = text.as_bytes();
    let is_marker = |at: usize| {
        bytes[at..].starts_with(b"---")
            && matches!(bytes.get(at + 3), None | Some(b' ' | b'\t' | b'\r' | b'\n'))
    };
    let mut done = 0;
    for (i, _) in text.match_indices("Namespace") {
        if i < done {
            continue;
        }
        let line_start = text[..i].rfind('\n').map_or(0, |n| n + 1);
        if !text[line_start..i].contains("kind") {
            continue;
        }
        // Back to the marker line that opens the document (or the start).
        let mut start = line_start;
        while start > 0 && !is_marker(start) {
            start = text[..start - 1].rfind('\n').map_or(0, |n| n + 1);
        }
        // On to the next marker line (or the end).
        let mut end = text[i..].find('\n').map_or(text.len(), |n| i + n + 1);
        while end < text.len() && !is_marker(end) {
            end = text[end..].find('\n').map_or(text.len(), |n| end + n + 1);
        }
        collect(&text[start.max(done)..end]);
        done = end;
    }
    out
}
