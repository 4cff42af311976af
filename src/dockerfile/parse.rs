//! A Dockerfile parser with byte ranges, following BuildKit's grammar:
//! parser directives, the escape character, line continuations (with
//! comments and blank lines inside), heredocs, JSON (exec) and shell forms,
//! `--flags`, multi-stage builds and global `ARG` substitution in `FROM`.

/// A byte range in the Dockerfile text.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Span {
    pub start: u32,
    pub end: u32,
}

/// A piece of text with the range it came from. For text joined across
/// continuation lines, `map` lets any offset be traced back.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Word {
    pub text: String,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Flag {
    /// Without the leading `--`.
    pub name: String,
    pub value: Option<String>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Heredoc {
    pub delimiter: String,
    /// The body (without the delimiter line).
    pub body: String,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Form {
    /// `["a", "b"]`
    Exec(Vec<String>),
    Shell,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Instruction {
    /// Upper-cased keyword (`RUN`, `USER`…).
    pub keyword: String,
    pub keyword_span: Span,
    pub flags: Vec<Flag>,
    /// The arguments after the flags, continuations joined, comments removed.
    pub args: String,
    /// Where `args` starts in the text (its first character).
    pub args_span: Span,
    pub form: Form,
    pub heredocs: Vec<Heredoc>,
    /// The whole instruction, continuation lines and heredocs included.
    pub span: Span,
    /// Segments `(offset in args, offset in text)` to map `args` back.
    map: Vec<(u32, u32)>,
}

impl Instruction {
    /// The text offset of a byte offset within `args`.
    pub fn source_offset(&self, args_offset: usize) -> u32 {
        let o = args_offset as u32;
        let i = self.map.partition_point(|(a, _)| *a <= o).saturating_sub(1);
        let (a, s) = self
            .map
            .get(i)
            .copied()
            .unwrap_or((0, self.args_span.start));
        s + (o - a)
    }

    /// The span of `len` bytes of `args` starting at `args_offset`.
    pub fn args_subspan(&self, args_offset: usize, len: usize) -> Span {
        let start = self.source_offset(args_offset);
        let end = self.source_offset(args_offset + len).max(start);
        Span { start, end }
    }

    pub fn flag(&self, name: &str) -> Option<&Flag> {
        self.flags
            .iter()
            .find(|f| f.name.eq_ignore_ascii_case(name))
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Stage {
    /// Index of the `FROM` instruction.
    pub from: usize,
    /// The base image after global `ARG` substitution.
    pub base: String,
    pub base_span: Span,
    /// `AS name`, lower-cased as BuildKit compares it.
    pub name: Option<String>,
    /// Indices of the stage's instructions (after `FROM`).
    pub instructions: std::ops::Range<usize>,
}

#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Dockerfile {
    /// `(name, value)` of parser directives, names lower-cased.
    pub directives: Vec<(String, String)>,
    pub escape: char,
    pub instructions: Vec<Instruction>,
    pub stages: Vec<Stage>,
    /// Problems that stop a build (unterminated heredoc, missing FROM…).
    pub errors: Vec<(Span, String)>,
}

impl Dockerfile {
    pub fn final_stage(&self) -> Option<&Stage> {
        self.stages.last()
    }

    /// The stage a `FROM` or `--from` names, by name or index.
    pub fn stage_named(&self, name: &str) -> Option<usize> {
        let lower = name.to_ascii_lowercase();
        self.stages
            .iter()
            .position(|s| s.name.as_deref() == Some(lower.as_str()))
            .or_else(|| {
                name.parse::<usize>()
                    .ok()
                    .filter(|i| *i < self.stages.len())
            })
    }
}

const HEREDOC_KEYWORDS: &[&str] = &["RUN", "COPY", "ADD"];

struct Lines<'a> {
    text: &'a str,
    pos: usize,
}

impl<'a> Lines<'a> {
    /// The next physical line: `(start, line without the newline)`.
    fn next(&mut self) -> Option<(usize, &'a str)> {
        if self.pos >= self.text.len() {
            return None;
        }
        let start = self.pos;
        let end = self.text[start..]
            .find('\n')
            .map_or(self.text.len(), |i| start + i);
        self.pos = (end + 1).min(self.text.len() + 1);
        if end == self.text.len() {
            self.pos = self.text.len();
        }
        Some((start, self.text[start..end].trim_end_matches('\r')))
    }
}

fn is_comment(line: &str) -> bool {
    line.trim_start().starts_with('#')
}

/// Parser directives: `# key=value` lines at the very top.
fn directives(text: &str) -> (Vec<(String, String)>, char) {
    let mut out = Vec::new();
    let mut escape = '\\';
    for line in text.lines() {
        let l = line.trim();
        let Some(rest) = l.strip_prefix('#') else {
            break;
        };
        let Some((k, v)) = rest.split_once('=') else {
            break;
        };
        let k = k.trim().to_ascii_lowercase();
        if k.is_empty() || k.contains(char::is_whitespace) || out.iter().any(|(n, _)| *n == k) {
            break;
        }
        let v = v.trim().to_string();
        if k == "escape" {
            escape = match v.as_str() {
                "`" => '`',
                _ => '\\',
            };
        }
        out.push((k, v));
    }
    (out, escape)
}

/// Strips a trailing escape character (continuation); returns the content.
fn continued(line: &str, escape: char) -> Option<&str> {
    let t = line.trim_end();
    t.strip_suffix(escape)
}

pub fn parse(text: &str) -> Dockerfile {
    // A byte-order mark is skipped in place, so spans stay offsets of `text`.
    let bom = if text.starts_with('\u{feff}') { 3 } else { 0 };
    let (directives, escape) = directives(&text[bom..]);
    let mut df = Dockerfile {
        directives,
        escape,
        ..Dockerfile::default()
    };
    let mut lines = Lines { text, pos: bom };
    while let Some((start, line)) = lines.next() {
        let trimmed = line.trim_start();
        if trimmed.is_empty() || is_comment(line) {
            continue;
        }
        let lead = line.len() - trimmed.len();
        let kw_start = start + lead;
        let kw_len = trimmed.find(char::is_whitespace).unwrap_or(trimmed.len());
        let keyword = trimmed[..kw_len].to_ascii_uppercase();
        // Join continuation lines into one logical argument string.
        let mut args = String::new();
        let mut map: Vec<(u32, u32)> = Vec::new();
        let first_rest_off = kw_start + kw_len;
        let mut segment = |args: &mut String, src_start: usize, s: &str| {
            map.push((args.len() as u32, src_start as u32));
            args.push_str(s);
        };
        let first = &text[first_rest_off..start + line.len()];
        let mut end = start + line.len();
        match continued(first, escape) {
            Some(body) => {
                segment(&mut args, first_rest_off, body);
                while let Some((s, l)) = lines.next() {
                    end = s + l.len();
                    if is_comment(l) || l.trim().is_empty() {
                        continue;
                    }
                    match continued(l, escape) {
                        Some(body) => segment(&mut args, s, body),
                        None => {
                            segment(&mut args, s, l);
                            break;
                        }
                    }
                }
            }
            None => segment(&mut args, first_rest_off, first),
        }
        // Trim leading blanks of the arguments, keeping the map right.
        let lead_ws = args.len() - args.trim_start().len();
        let args_owned = args.trim_start().trim_end().to_string();
        let mut map: Vec<(u32, u32)> = map
            .into_iter()
            .filter_map(|(a, s)| {
                let a = a as i64 - lead_ws as i64;
                if a >= 0 { Some((a as u32, s)) } else { None }
            })
            .collect();
        if map.first().is_none_or(|(a, _)| *a != 0) {
            let src = {
                let mut o = first_rest_off;
                while o < text.len()
                    && text.as_bytes()[o].is_ascii_whitespace()
                    && text.as_bytes()[o] != b'\n'
                {
                    o += 1;
                }
                o
            };
            map.insert(0, (0, src as u32));
        }
        let args_start = map[0].1;
        let mut inst = Instruction {
            keyword: keyword.clone(),
            keyword_span: Span {
                start: kw_start as u32,
                end: (kw_start + kw_len) as u32,
            },
            flags: Vec::new(),
            args: String::new(),
            args_span: Span {
                start: args_start,
                end: end as u32,
            },
            form: Form::Shell,
            heredocs: Vec::new(),
            span: Span {
                start: kw_start as u32,
                end: end as u32,
            },
            map: Vec::new(),
        };
        // Flags: leading `--name[=value]` words.
        let mut rest = args_owned.as_str();
        let mut consumed = 0usize;
        loop {
            let r = rest.trim_start();
            consumed += rest.len() - r.len();
            rest = r;
            if !rest.starts_with("--") {
                break;
            }
            let wlen = rest.find(char::is_whitespace).unwrap_or(rest.len());
            let word = &rest[2..wlen];
            let (name, value) = match word.split_once('=') {
                Some((n, v)) => (n.to_string(), Some(v.to_string())),
                None => (word.to_string(), None),
            };
            let tmp = Instruction {
                map: map.clone(),
                ..inst.clone()
            };
            inst.flags.push(Flag {
                name,
                value,
                span: tmp.args_subspan(consumed, wlen),
            });
            consumed += wlen;
            rest = &rest[wlen..];
        }
        let rest_trimmed = rest.trim_start();
        consumed += rest.len() - rest_trimmed.len();
        inst.args = rest_trimmed.to_string();
        inst.map = map
            .iter()
            .filter_map(|&(a, s)| {
                let a = a as i64 - consumed as i64;
                (a >= 0).then_some((a as u32, s))
            })
            .collect();
        let base = Instruction {
            map: map.clone(),
            ..inst.clone()
        };
        let first_src = base.source_offset(consumed);
        if inst.map.first().is_none_or(|(a, _)| *a != 0) {
            inst.map.insert(0, (0, first_src));
        }
        inst.args_span.start = first_src.min(inst.args_span.end);
        // Exec form.
        if inst.args.starts_with('[')
            && let Ok(v) = serde_json::from_str::<Vec<String>>(&inst.args)
        {
            inst.form = Form::Exec(v);
        }
        // Heredocs.
        if HEREDOC_KEYWORDS.contains(&keyword.as_str()) && inst.form == Form::Shell {
            for (delim, strip_tabs) in heredoc_markers(&inst.args) {
                let mut body = String::new();
                let mut closed = false;
                let body_start = lines.pos;
                while let Some((s, l)) = lines.next() {
                    end = s + l.len();
                    let cmp = if strip_tabs {
                        l.trim_start_matches('\t')
                    } else {
                        l
                    };
                    if cmp == delim {
                        closed = true;
                        break;
                    }
                    body.push_str(cmp);
                    body.push('\n');
                }
                if !closed {
                    df.errors.push((
                        Span {
                            start: kw_start as u32,
                            end: end as u32,
                        },
                        format!("unterminated heredoc: no line `{delim}` closes it"),
                    ));
                }
                inst.heredocs.push(Heredoc {
                    delimiter: delim,
                    body,
                    span: Span {
                        start: body_start as u32,
                        end: end as u32,
                    },
                });
            }
            inst.span.end = end as u32;
        }
        df.instructions.push(inst);
    }
    build_stages(&mut df);
    df
}

/// `<<EOF`, `<<-EOF`, `<<"EOF"`, `<<'EOF'` markers in order.
fn heredoc_markers(args: &str) -> Vec<(String, bool)> {
    let mut out = Vec::new();
    let b = args.as_bytes();
    let mut i = 0;
    let mut quote: Option<u8> = None;
    while i + 2 < b.len() {
        match (quote, b[i]) {
            (None, q @ (b'"' | b'\''))
                if !(i >= 2 && &b[i - 2..i] == b"<<" || i >= 3 && &b[i - 3..i] == b"<<-") =>
            {
                quote = Some(q);
                i += 1;
                continue;
            }
            (Some(q), c) if c == q => {
                quote = None;
                i += 1;
                continue;
            }
            (Some(_), _) => {
                i += 1;
                continue;
            }
            _ => {}
        }
        if b[i] == b'<' && b[i + 1] == b'<' && b.get(i + 2) != Some(&b'<') {
            let mut j = i + 2;
            let strip = b.get(j) == Some(&b'-');
            if strip {
                j += 1;
            }
            let q = match b.get(j) {
                Some(&c @ (b'"' | b'\'')) => {
                    j += 1;
                    Some(c)
                }
                _ => None,
            };
            let start = j;
            while j < b.len()
                && (b[j].is_ascii_alphanumeric() || b[j] == b'_' || b[j] == b'-' || b[j] == b'.')
            {
                j += 1;
            }
            if j > start {
                let word = args[start..j].to_string();
                if let Some(c) = q
                    && b.get(j) == Some(&c)
                {
                    j += 1;
                }
                out.push((word, strip));
                i = j;
                continue;
            }
        }
        i += 1;
    }
    out
}

/// Expands `$VAR`, `${VAR}`, `${VAR:-default}` and `${VAR:+alt}` with the
/// given variables (unknown variables expand to nothing, as BuildKit does).
pub fn substitute(s: &str, vars: &[(String, String)], escape: char) -> String {
    let get = |name: &str| {
        vars.iter()
            .rev()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    let mut out = String::new();
    let chars: Vec<char> = s.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == escape && chars.get(i + 1) == Some(&'$') {
            out.push('$');
            i += 2;
            continue;
        }
        if c != '$' {
            out.push(c);
            i += 1;
            continue;
        }
        if chars.get(i + 1) == Some(&'{') {
            let Some(close) = chars[i + 2..].iter().position(|&c| c == '}') else {
                out.push(c);
                i += 1;
                continue;
            };
            let inner: String = chars[i + 2..i + 2 + close].iter().collect();
            let value = if let Some((name, def)) = inner.split_once(":-") {
                get(name)
                    .filter(|v| !v.is_empty())
                    .unwrap_or(def)
                    .to_string()
            } else if let Some((name, alt)) = inner.split_once(":+") {
                if get(name).is_some_and(|v| !v.is_empty()) {
                    alt.to_string()
                } else {
                    String::new()
                }
            } else if let Some((name, def)) = inner.split_once('-') {
                get(name).unwrap_or(def).to_string()
            } else {
                get(&inner).unwrap_or("").to_string()
            };
            out.push_str(&value);
            i += 3 + close;
        } else {
            let mut j = i + 1;
            while j < chars.len() && (chars[j].is_ascii_alphanumeric() || chars[j] == '_') {
                j += 1;
            }
            if j == i + 1 {
                out.push('$');
                i += 1;
                continue;
            }
            let name: String = chars[i + 1..j].iter().collect();
            out.push_str(get(&name).unwrap_or(""));
            i = j;
        }
    }
    out
}

/// `ARG` declarations: `NAME` or `NAME=value` words.
pub fn arg_pairs(args: &str) -> Vec<(String, Option<String>)> {
    args.split_whitespace()
        .map(|w| match w.split_once('=') {
            Some((k, v)) => (
                k.to_string(),
                Some(v.trim_matches('"').trim_matches('\'').to_string()),
            ),
            None => (w.to_string(), None),
        })
        .collect()
}

fn build_stages(df: &mut Dockerfile) {
    let mut globals: Vec<(String, String)> = Vec::new();
    let mut seen_from = false;
    let n = df.instructions.len();
    for i in 0..n {
        let inst = &df.instructions[i];
        match inst.keyword.as_str() {
            "ARG" if !seen_from => {
                for (k, v) in arg_pairs(&inst.args) {
                    globals.push((k, v.unwrap_or_default()));
                }
            }
            "FROM" => {
                seen_from = true;
                let words: Vec<&str> = inst.args.split_whitespace().collect();
                let raw = words.first().copied().unwrap_or("");
                let base = substitute(raw, &globals, df.escape);
                let name = match words.as_slice() {
                    [_, as_, name, ..] if as_.eq_ignore_ascii_case("as") => {
                        Some(name.to_ascii_lowercase())
                    }
                    _ => None,
                };
                if let Some(prev) = df.stages.last_mut() {
                    prev.instructions.end = i;
                }
                let base_span = inst.args_subspan(0, raw.len());
                df.stages.push(Stage {
                    from: i,
                    base,
                    base_span,
                    name,
                    instructions: i + 1..n,
                });
            }
            _ => {}
        }
    }
    if df.stages.is_empty() && !df.instructions.is_empty() {
        df.errors.push((
            df.instructions[0].span,
            "no FROM instruction: this is not a buildable Dockerfile".into(),
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str, s: Span) -> &str {
        &text[s.start as usize..s.end as usize]
    }

    #[test]
    fn continuations_comments_and_spans() {
        let t = "FROM alpine:3.19\nRUN apk add --no-cache \\\n    # a comment inside\n    curl \\\n\n    jq\nUSER 1000\n";
        let d = parse(t);
        assert!(d.errors.is_empty(), "{:?}", d.errors);
        assert_eq!(d.instructions.len(), 3);
        let run = &d.instructions[1];
        assert_eq!(run.keyword, "RUN");
        assert_eq!(
            run.args.split_whitespace().collect::<Vec<_>>(),
            ["apk", "add", "--no-cache", "curl", "jq"]
        );
        let jq = run.args.find("jq").unwrap();
        assert_eq!(at(t, run.args_subspan(jq, 2)), "jq");
        let user = &d.instructions[2];
        assert_eq!(at(t, user.args_span), "1000");
        assert_eq!(at(t, user.keyword_span), "USER");
    }

    #[test]
    fn escape_directive_and_exec_form() {
        let t = "# escape=`\n# syntax=docker/dockerfile:1\nFROM mcr.microsoft.com/windows/servercore:ltsc2022\nRUN dir `\n  C:\\\nCMD [\"cmd\", \"/c\", \"echo hi\"]\n";
        let d = parse(t);
        assert_eq!(d.escape, '`');
        assert_eq!(
            d.directives[1],
            ("syntax".into(), "docker/dockerfile:1".into())
        );
        assert_eq!(
            d.instructions[1]
                .args
                .split_whitespace()
                .collect::<Vec<_>>(),
            ["dir", "C:\\"]
        );
        assert_eq!(
            d.instructions[2].form,
            Form::Exec(vec!["cmd".into(), "/c".into(), "echo hi".into()])
        );
    }

    #[test]
    fn heredocs() {
        let t = "FROM debian\nRUN <<EOF bash\nset -e\nuseradd -u 10001 app\nEOF\nCOPY <<-\"A\" /a <<B /b\n\tone\n\tA\ntwo\nB\nUSER 10001\n";
        let d = parse(t);
        assert!(d.errors.is_empty(), "{:?}", d.errors);
        let run = &d.instructions[1];
        assert_eq!(run.heredocs[0].delimiter, "EOF");
        assert_eq!(run.heredocs[0].body, "set -e\nuseradd -u 10001 app\n");
        let copy = &d.instructions[2];
        assert_eq!(copy.heredocs.len(), 2);
        assert_eq!(copy.heredocs[0].body, "one\n");
        assert_eq!(copy.heredocs[1].body, "two\n");
        assert_eq!(d.instructions[3].keyword, "USER");
        let bad = parse("FROM a\nRUN <<EOF\nnever closed\n");
        assert_eq!(bad.errors.len(), 1);
    }

    #[test]
    fn stages_flags_and_arg_substitution() {
        let t = "ARG BASE=node\nARG TAG\nFROM ${BASE}:${TAG:-20}-alpine AS Build\nRUN npm ci\nFROM gcr.io/distroless/nodejs20-debian12\nCOPY --from=build --chown=nonroot:nonroot /app /app\n";
        let d = parse(t);
        assert_eq!(d.stages.len(), 2);
        assert_eq!(d.stages[0].base, "node:20-alpine");
        assert_eq!(d.stages[0].name.as_deref(), Some("build"));
        assert_eq!(d.stage_named("BUILD"), Some(0));
        assert_eq!(d.stages[0].instructions, 3..4);
        let copy = &d.instructions[5];
        assert_eq!(copy.flag("from").unwrap().value.as_deref(), Some("build"));
        assert_eq!(
            at(t, copy.flag("chown").unwrap().span),
            "--chown=nonroot:nonroot"
        );
        assert_eq!(copy.args, "/app /app");
        assert_eq!(at(t, d.stages[0].base_span), "${BASE}:${TAG:-20}-alpine");
    }

    #[test]
    fn substitution_forms() {
        let v = vec![
            ("A".to_string(), "x".to_string()),
            ("E".to_string(), String::new()),
        ];
        assert_eq!(
            substitute("$A-${A}-${B:-d}-${E:-d}-${E-d}-${A:+y}-$$", &v, '\\'),
            "x-x-d-d--y-$$"
        );
    }
}
