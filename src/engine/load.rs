//! Reading a file's documents and the workloads in them, for every
//! pipeline. Pure: the caller reads the files.

use crate::input::InputError;
use crate::model::{self, Object, Workload};
use crate::source::{self, Doc};

/// Everything found in one file's documents.
pub struct Parsed<'a> {
    pub docs: Vec<Doc<'a>>,
    pub errors: Vec<InputError>,
}

pub fn parse_file<'a>(file: &str, text: &'a str) -> Parsed<'a> {
    let stream = source::parse(source::detect(file, text), text);
    let errors = stream
        .errors
        .iter()
        .map(|e| InputError {
            file: file.to_string(),
            line: e.pos.line,
            column: e.pos.col,
            message: e.message.clone(),
        })
        .collect();
    Parsed {
        docs: stream.docs,
        errors,
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
    let mut skipped = 0;
    for doc in docs {
        for obj in model::objects(doc) {
            match obj {
                Object::Workload(w) => f(doc, &w),
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
    }
    skipped
}
