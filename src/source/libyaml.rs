//! libyaml's event parser (the `unsafe-libyaml` transpilation of the C
//! library that go-yaml v2, Kubernetes' YAML reader, was ported from),
//! behind a safe API. This is the only module of podsec with `unsafe`
//! code; it is fuzzed through the `loader` target.

use std::mem::MaybeUninit;

use unsafe_libyaml as unsafe_sys;

/// A place in the input: byte offset, 0-based line, 0-based character column.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Mark {
    pub index: usize,
    pub line: usize,
    pub column: usize,
}

impl From<unsafe_sys::yaml_mark_t> for Mark {
    fn from(m: unsafe_sys::yaml_mark_t) -> Mark {
        Mark {
            index: m.index as usize,
            line: m.line as usize,
            column: m.column as usize,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ScalarStyle {
    Plain,
    SingleQuoted,
    DoubleQuoted,
    Literal,
    Folded,
}

/// One parse event. Borrowed slices live as long as the event.
#[derive(Debug)]
pub enum Event<'e> {
    StreamStart,
    StreamEnd,
    /// `version` is the `%YAML` directive, when there is one.
    DocumentStart {
        version: Option<(i32, i32)>,
    },
    DocumentEnd,
    Alias {
        anchor: &'e [u8],
    },
    Scalar {
        anchor: Option<&'e [u8]>,
        tag: Option<&'e [u8]>,
        value: &'e [u8],
        style: ScalarStyle,
    },
    SequenceStart {
        anchor: Option<&'e [u8]>,
        flow: bool,
    },
    SequenceEnd,
    MappingStart {
        anchor: Option<&'e [u8]>,
        flow: bool,
    },
    MappingEnd,
}

/// A syntax error, worded as libyaml (and go-yaml v2) word it.
#[derive(Clone, Debug)]
pub struct Error {
    pub problem: String,
    pub mark: Mark,
    /// What the parser was in the middle of, and where that started.
    pub context: Option<(String, Mark)>,
}

/// An event as the parser allocated it; freed on drop.
pub struct RawEvent {
    raw: unsafe_sys::yaml_event_t,
}

impl Drop for RawEvent {
    fn drop(&mut self) {
        // SAFETY: `raw` was filled by a successful `yaml_parser_parse` and is
        // deleted exactly once.
        unsafe { unsafe_sys::yaml_event_delete(&mut self.raw) }
    }
}

/// # Safety
/// `p` is null or points to `len` bytes that outlive the returned slice.
unsafe fn bytes<'e>(p: *const u8, len: usize) -> &'e [u8] {
    if p.is_null() || len == 0 {
        &[]
    } else {
        // SAFETY: the caller's contract.
        unsafe { std::slice::from_raw_parts(p, len) }
    }
}

/// # Safety
/// `p` is null or a NUL-terminated string that outlives the returned slice.
unsafe fn c_bytes<'e>(p: *const u8) -> Option<&'e [u8]> {
    if p.is_null() {
        None
    } else {
        // SAFETY: the caller's contract.
        Some(unsafe { std::ffi::CStr::from_ptr(p.cast()) }.to_bytes())
    }
}

impl RawEvent {
    pub fn start(&self) -> Mark {
        self.raw.start_mark.into()
    }

    pub fn end(&self) -> Mark {
        self.raw.end_mark.into()
    }

    pub fn event(&self) -> Event<'_> {
        let e = &self.raw;
        // SAFETY: each arm reads the union field that `type_` says is
        // initialized; the pointers are owned by the event, which `self`
        // keeps alive for the returned borrows.
        unsafe {
            match e.type_ {
                unsafe_sys::YAML_STREAM_START_EVENT => Event::StreamStart,
                unsafe_sys::YAML_STREAM_END_EVENT => Event::StreamEnd,
                unsafe_sys::YAML_DOCUMENT_START_EVENT => {
                    let v = e.data.document_start.version_directive;
                    Event::DocumentStart {
                        version: (!v.is_null()).then(|| ((*v).major, (*v).minor)),
                    }
                }
                unsafe_sys::YAML_DOCUMENT_END_EVENT => Event::DocumentEnd,
                unsafe_sys::YAML_ALIAS_EVENT => Event::Alias {
                    anchor: c_bytes(e.data.alias.anchor).unwrap_or_default(),
                },
                unsafe_sys::YAML_SCALAR_EVENT => {
                    let s = e.data.scalar;
                    Event::Scalar {
                        anchor: c_bytes(s.anchor),
                        tag: c_bytes(s.tag),
                        value: bytes(s.value, s.length as usize),
                        style: match s.style {
                            unsafe_sys::YAML_SINGLE_QUOTED_SCALAR_STYLE => {
                                ScalarStyle::SingleQuoted
                            }
                            unsafe_sys::YAML_DOUBLE_QUOTED_SCALAR_STYLE => {
                                ScalarStyle::DoubleQuoted
                            }
                            unsafe_sys::YAML_LITERAL_SCALAR_STYLE => ScalarStyle::Literal,
                            unsafe_sys::YAML_FOLDED_SCALAR_STYLE => ScalarStyle::Folded,
                            _ => ScalarStyle::Plain,
                        },
                    }
                }
                unsafe_sys::YAML_SEQUENCE_START_EVENT => {
                    let s = e.data.sequence_start;
                    Event::SequenceStart {
                        anchor: c_bytes(s.anchor),
                        flow: s.style == unsafe_sys::YAML_FLOW_SEQUENCE_STYLE,
                    }
                }
                unsafe_sys::YAML_SEQUENCE_END_EVENT => Event::SequenceEnd,
                unsafe_sys::YAML_MAPPING_START_EVENT => {
                    let m = e.data.mapping_start;
                    Event::MappingStart {
                        anchor: c_bytes(m.anchor),
                        flow: m.style == unsafe_sys::YAML_FLOW_MAPPING_STYLE,
                    }
                }
                _ => Event::MappingEnd,
            }
        }
    }
}

/// Bytes read through a list of single-byte replacements.
struct Patched<'a> {
    input: &'a [u8],
    pos: usize,
    /// (offset in `input`, byte), sorted by offset.
    patches: Vec<(usize, u8)>,
}

/// libyaml's read callback for `Patched` input.
///
/// # Safety
/// `data` is the `Patched` the parser was given, alive and not otherwise
/// borrowed while the parser runs; `buffer` has room for `size` bytes.
unsafe fn read_patched(
    data: *mut std::ffi::c_void,
    buffer: *mut u8,
    size: u64,
    size_read: *mut u64,
) -> std::ffi::c_int {
    // SAFETY: the function's contract.
    let src = unsafe { &mut *data.cast::<Patched<'_>>() };
    let n = (size as usize).min(src.input.len() - src.pos);
    // SAFETY: libyaml hands a buffer of at least `size` bytes.
    let out = unsafe { std::slice::from_raw_parts_mut(buffer, n) };
    out.copy_from_slice(&src.input[src.pos..src.pos + n]);
    let first = src.patches.partition_point(|p| p.0 < src.pos);
    for &(at, b) in &src.patches[first..] {
        if at >= src.pos + n {
            break;
        }
        out[at - src.pos] = b;
    }
    src.pos += n;
    // SAFETY: libyaml passes a valid pointer for the count.
    unsafe { *size_read = n as u64 };
    1
}

/// Pulls events out of a UTF-8 text. After an error or the end of the
/// stream it yields nothing more.
pub struct Parser<'a> {
    // Boxed: libyaml keeps a pointer to the parser for its string reader,
    // so it must not move.
    raw: Box<MaybeUninit<unsafe_sys::yaml_parser_t>>,
    // Read by libyaml through raw pointers: boxed, so it does not move
    // with `Parser`, and dropped after the parser (see `Drop`).
    _patched: Option<Box<Patched<'a>>>,
    done: bool,
}

impl<'a> Parser<'a> {
    pub fn new(input: &'a [u8]) -> Parser<'a> {
        Parser::with_patches(input, Vec::new())
    }

    /// A parser that reads `input` with some bytes replaced: `patches` are
    /// (offset, byte) pairs.
    pub fn with_patches(input: &'a [u8], mut patches: Vec<(usize, u8)>) -> Parser<'a> {
        let mut raw: Box<MaybeUninit<unsafe_sys::yaml_parser_t>> = Box::new(MaybeUninit::uninit());
        let p = raw.as_mut_ptr();
        patches.retain(|&(at, _)| at < input.len());
        patches.sort_unstable();
        let mut patched = (!patches.is_empty()).then(|| {
            Box::new(Patched {
                input,
                pos: 0,
                patches,
            })
        });
        // SAFETY: `p` points to memory for a parser that never moves (boxed);
        // initialize succeeds unless allocation fails, which aborts. The
        // input (and the patched reader's state, boxed and kept in the
        // returned value) outlive the parser and are never written through.
        unsafe {
            if unsafe_sys::yaml_parser_initialize(p).fail {
                std::process::abort();
            }
            match patched.as_mut() {
                None => {
                    unsafe_sys::yaml_parser_set_input_string(p, input.as_ptr(), input.len() as u64)
                }
                Some(src) => unsafe_sys::yaml_parser_set_input(
                    p,
                    read_patched,
                    (&mut **src as *mut Patched<'_>).cast(),
                ),
            }
            unsafe_sys::yaml_parser_set_encoding(p, unsafe_sys::YAML_UTF8_ENCODING);
        }
        Parser {
            raw,
            _patched: patched,
            done: false,
        }
    }

    /// The next event, an error, or `None` after the stream end or an error.
    pub fn next_event(&mut self) -> Option<Result<RawEvent, Error>> {
        if self.done {
            return None;
        }
        let p = self.raw.as_mut_ptr();
        let mut event = MaybeUninit::<unsafe_sys::yaml_event_t>::uninit();
        // SAFETY: the parser was initialized in `new` and is used by one
        // thread at a time (`&mut self`); on success the event is
        // initialized and handed to `RawEvent`, which deletes it.
        unsafe {
            if unsafe_sys::yaml_parser_parse(p, event.as_mut_ptr()).fail {
                self.done = true;
                let parser = &*p;
                let text = |s: *const std::ffi::c_char| {
                    (!s.is_null())
                        .then(|| std::ffi::CStr::from_ptr(s).to_string_lossy().into_owned())
                };
                return Some(Err(Error {
                    problem: text(parser.problem)
                        .unwrap_or_else(|| "unknown problem parsing YAML content".into()),
                    mark: parser.problem_mark.into(),
                    context: text(parser.context).map(|c| (c, parser.context_mark.into())),
                }));
            }
            let raw = RawEvent {
                raw: event.assume_init(),
            };
            if raw.raw.type_ == unsafe_sys::YAML_STREAM_END_EVENT {
                self.done = true;
            }
            Some(Ok(raw))
        }
    }
}

impl Drop for Parser<'_> {
    fn drop(&mut self) {
        // SAFETY: initialized in `new`, deleted once.
        unsafe { unsafe_sys::yaml_parser_delete(self.raw.as_mut_ptr()) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn events(text: &str) -> Vec<String> {
        let mut p = Parser::new(text.as_bytes());
        let mut out = Vec::new();
        while let Some(e) = p.next_event() {
            match e {
                Ok(e) => out.push(format!(
                    "{:?}@{}-{}",
                    e.event(),
                    e.start().index,
                    e.end().index
                )),
                Err(e) => out.push(format!("error {} at {}", e.problem, e.mark.index)),
            }
        }
        out
    }

    #[test]
    fn byte_offsets_and_errors() {
        let ev = events("é: [x]\n");
        assert!(
            ev.iter()
                .any(|e| e.contains("value: [120]") && e.ends_with("@5-6")),
            "{ev:?}"
        );
        let ev = events("a: [\n");
        assert!(ev.last().unwrap().starts_with("error"), "{ev:?}");
    }
}
