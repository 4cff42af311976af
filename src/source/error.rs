//! Errors about the input itself: unreadable, not UTF-8, not YAML/JSON,
//! wrong types. Imports nothing above `source`.

use serde::Serialize;

/// A problem with the input itself: unreadable, not YAML/JSON, wrong types.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct InputError {
    pub file: String,
    pub line: u32,
    pub column: u32,
    pub message: String,
}

impl std::fmt::Display for InputError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.line == 0 {
            write!(f, "{}: error: {}", self.file, self.message)
        } else {
            write!(
                f,
                "{}:{}:{}: error: {}",
                self.file, self.line, self.column, self.message
            )
        }
    }
}

/// Turns raw bytes into text, or an error that says what the bytes are:
/// UTF-16 (a byte-order mark), binary (a NUL byte), or not UTF-8 at the
/// first bad byte.
pub fn decode_text<'a>(file: &str, bytes: &'a [u8]) -> Result<&'a str, InputError> {
    let at = |offset: usize, message: String| {
        let good = &bytes[..offset];
        let line = good.iter().filter(|&&b| b == b'\n').count() as u32 + 1;
        let line_start = good.iter().rposition(|&b| b == b'\n').map_or(0, |p| p + 1);
        let column = String::from_utf8_lossy(&good[line_start..]).chars().count() as u32 + 1;
        InputError {
            file: file.to_string(),
            line,
            column,
            message,
        }
    };
    if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
        return Err(at(
            0,
            "the file is UTF-16 (it starts with a UTF-16 byte-order mark); podsec reads UTF-8: \
             convert it with `iconv -f UTF-16 -t UTF-8`"
                .into(),
        ));
    }
    let head = &bytes[..bytes.len().min(8192)];
    if let Some(nul) = head.iter().position(|&b| b == 0) {
        return Err(at(
            nul,
            "the file is binary (it contains a NUL byte), not YAML, JSON or a Dockerfile".into(),
        ));
    }
    std::str::from_utf8(bytes)
        .map_err(|e| at(e.valid_up_to(), "the file is not valid UTF-8".into()))
}
