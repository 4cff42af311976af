//! Text in, span trees out. Knows nothing about Kubernetes.

pub mod error;
pub mod json;
mod libyaml;
pub mod tree;
pub mod yaml;

pub use tree::{Doc, NodeId, NodeKind, Pos, Value};

/// A syntax error at a position in the text.
#[derive(Debug, Clone)]
pub struct ParseError {
    pub pos: Pos,
    pub message: String,
}

/// The documents of one file, and the syntax errors that cut some short.
#[derive(Debug, Default)]
pub struct Stream<'a> {
    pub docs: Vec<Doc<'a>>,
    pub errors: Vec<ParseError>,
}

/// The syntax a text is read with.
/// The one wording of a nesting-depth error, whichever reader hits it.
pub const TOO_DEEP: &str = "nesting is too deep";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Syntax {
    Yaml,
    Json,
}

/// `.json` files are JSON; so is any other text whose first non-blank
/// character is `{` (what `kubectl` does when it sniffs its input).
pub fn detect(path: &str, text: &str) -> Syntax {
    if path.ends_with(".json") {
        return Syntax::Json;
    }
    match text
        .trim_start_matches('\u{feff}')
        .trim_start()
        .as_bytes()
        .first()
    {
        Some(b'{') => Syntax::Json,
        _ => Syntax::Yaml,
    }
}

pub fn parse(syntax: Syntax, text: &str) -> Stream<'_> {
    match syntax {
        Syntax::Yaml => yaml::parse(text),
        Syntax::Json => json::parse(text),
    }
}

/// Byte offset → line and column, for text parsed without line markers.
pub struct LineIndex<'a> {
    starts: Vec<u32>,
    text_ascii: bool,
    text: &'a str,
}

impl<'a> LineIndex<'a> {
    pub fn new(text: &'a str) -> LineIndex<'a> {
        let mut starts = vec![0u32];
        starts.extend(
            text.bytes()
                .enumerate()
                .filter(|&(_, b)| b == b'\n')
                .map(|(i, _)| i as u32 + 1),
        );
        LineIndex {
            starts,
            text_ascii: text.is_ascii(),
            text,
        }
    }

    /// 1-based line and character column of a byte offset.
    pub fn line_col(&self, offset: usize) -> (u32, u32) {
        let offset = offset.min(self.text.len());
        let line = self.starts.partition_point(|&s| s as usize <= offset) - 1;
        let start = self.starts[line] as usize;
        let col = if self.text_ascii {
            offset - start
        } else {
            let mut o = offset;
            while !self.text.is_char_boundary(o) {
                o -= 1;
            }
            self.text[start..o].chars().count()
        };
        (line as u32 + 1, col as u32 + 1)
    }

    pub fn pos(&self, start: usize, end: usize) -> Pos {
        let (line, col) = self.line_col(start);
        Pos {
            start: start as u32,
            end: end as u32,
            line,
            col,
        }
    }
}
