//! Renderers: they see only diagnostics.

pub mod concise;
pub mod github;
pub mod json;
pub mod junit;
pub mod markdown;
pub mod sarif;
pub mod text;

use std::io::{self, Write};

/// Writes one element of a pretty-printed JSON array that sits `indent`
/// spaces deep, on a new line (the caller writes the `,` before it).
pub fn write_json_item(
    out: &mut impl Write,
    value: &impl serde::Serialize,
    indent: &str,
    scratch: &mut Vec<u8>,
) -> io::Result<()> {
    scratch.clear();
    serde_json::to_writer_pretty(&mut *scratch, value)?;
    out.write_all(b"\n")?;
    out.write_all(indent.as_bytes())?;
    // Strings never hold a raw line break, so every one is between values.
    for (i, line) in scratch.split(|&b| b == b'\n').enumerate() {
        if i > 0 {
            out.write_all(b"\n")?;
            out.write_all(indent.as_bytes())?;
        }
        out.write_all(line)?;
    }
    Ok(())
}
