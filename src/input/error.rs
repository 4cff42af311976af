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

/// Turns raw bytes into text, or an error naming the first bad byte.
pub fn decode_text<'a>(file: &str, bytes: &'a [u8]) -> Result<&'a str, InputError> {
    std::str::from_utf8(bytes).map_err(|e| {
        let good = &bytes[..e.valid_up_to()];
        let line = good.iter().filter(|&&b| b == b'\n').count() as u32 + 1;
        let line_start = good.iter().rposition(|&b| b == b'\n').map_or(0, |p| p + 1);
        let column = String::from_utf8_lossy(&good[line_start..]).chars().count() as u32 + 1;
        InputError {
            file: file.to_string(),
            line,
            column,
            message: "the file is not valid UTF-8".into(),
        }
    })
}
