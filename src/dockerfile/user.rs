//! What the final image runs as, and the users a Dockerfile creates.

use super::images::{BaseImage, lookup};
use super::parse::{Dockerfile, Form, Span, arg_pairs, substitute};

/// The user part of a `USER` value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum UserKind {
    Root,
    Uid(u32),
    Name(String),
    /// A variable we could not resolve.
    Unknown(String),
}

impl UserKind {
    pub fn classify(user: &str) -> UserKind {
        let user = user.trim();
        if user == "root" || user == "0" {
            UserKind::Root
        } else if !user.is_empty() && user.bytes().all(|b| b.is_ascii_digit()) {
            match user.parse::<u32>() {
                Ok(0) => UserKind::Root,
                Ok(n) => UserKind::Uid(n),
                Err(_) => UserKind::Unknown(user.to_string()),
            }
        } else if user.contains('$') || user.is_empty() {
            UserKind::Unknown(user.to_string())
        } else {
            UserKind::Name(user.to_string())
        }
    }
}

/// A `USER` instruction.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UserSetting {
    /// The value after variable substitution (`app:app`).
    pub value: String,
    pub kind: UserKind,
    pub span: Span,
    pub stage: usize,
}

/// A user created by `useradd` or `adduser`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Created {
    pub name: String,
    pub uid: Option<u32>,
    pub span: Span,
    pub stage: usize,
}

/// Where the final user comes from.
#[derive(Clone, Debug)]
pub enum FinalUser {
    /// The last `USER` of the final stage or of the stages it builds on.
    Set(UserSetting),
    /// Never set: the base image's default, when the table knows it.
    Base(Option<BaseImage>),
}

#[derive(Clone, Debug)]
pub struct Analysis {
    pub final_stage: usize,
    /// The external image the final stage ultimately builds on.
    pub root_base: String,
    pub root_base_span: Span,
    pub base: Option<BaseImage>,
    /// `USER` instructions along the final stage's chain, in order.
    pub users: Vec<UserSetting>,
    pub final_user: FinalUser,
    /// Users created along the chain.
    pub created: Vec<Created>,
    /// `--chown` users of COPY/ADD in the final stage.
    pub chowns: Vec<(String, Span)>,
    /// setuid helpers installed or used along the chain: (what, span).
    pub setuid: Vec<(String, Span)>,
}

impl Analysis {
    /// The numeric UID the final image runs as, when it is known.
    pub fn numeric_uid(&self) -> Option<u32> {
        match &self.final_user {
            FinalUser::Set(u) => match &u.kind {
                UserKind::Uid(n) => Some(*n),
                UserKind::Root => Some(0),
                UserKind::Name(n) => self
                    .created
                    .iter()
                    .rev()
                    .find(|c| c.name == *n)
                    .and_then(|c| c.uid)
                    .or_else(|| {
                        self.base
                            .as_ref()
                            .and_then(|b| b.users.iter().find(|k| k.name == *n))
                            .map(|k| k.uid)
                    }),
                UserKind::Unknown(_) => None,
            },
            FinalUser::Base(Some(b)) => {
                if b.runs_as_root() {
                    Some(0)
                } else {
                    b.default_user.parse().ok()
                }
            }
            FinalUser::Base(None) => None,
        }
    }

    /// Whether the final image runs as root (when known).
    pub fn runs_as_root(&self) -> Option<bool> {
        match &self.final_user {
            FinalUser::Set(u) => match u.kind {
                UserKind::Root => Some(true),
                UserKind::Uid(_) => Some(false),
                UserKind::Name(_) => self.numeric_uid().map(|n| n == 0).or(Some(false)),
                UserKind::Unknown(_) => None,
            },
            FinalUser::Base(b) => b.as_ref().map(|b| b.runs_as_root()),
        }
    }
}

/// The stages the final stage builds on, oldest first.
fn chain(df: &Dockerfile) -> Vec<usize> {
    let mut out = Vec::new();
    let Some(mut i) = df.stages.len().checked_sub(1) else {
        return out;
    };
    loop {
        out.push(i);
        match df.stage_named(&df.stages[i].base) {
            Some(p) if p < i && !out.contains(&p) => i = p,
            _ => break,
        }
    }
    out.reverse();
    out
}

fn unquote(s: &str) -> String {
    s.trim_matches(|c| c == '"' || c == '\'').to_string()
}

const VALUE_OPTS: &[&str] = &[
    "-u",
    "-g",
    "-G",
    "-d",
    "-s",
    "-c",
    "-k",
    "-K",
    "-e",
    "-f",
    "-p",
    "-b",
    "-Z",
    "-R",
    "-P",
    "-h",
    "--uid",
    "--gid",
    "--groups",
    "--home-dir",
    "--home",
    "--shell",
    "--comment",
    "--skel",
    "--key",
    "--expiredate",
    "--inactive",
    "--password",
    "--base-dir",
    "--selinux-user",
    "--root",
    "--prefix",
    "--ingroup",
    "--gecos",
    "--firstuid",
    "--lastuid",
    "--conf",
];

/// `(name, uid)` of a `useradd`/`adduser` command's words (after the command).
fn parse_user_add(
    words: &[String],
    vars: &[(String, String)],
    escape: char,
) -> Option<(String, Option<u32>)> {
    let mut uid = None;
    let mut positional = Vec::new();
    let mut i = 0;
    while i < words.len() {
        let w = &words[i];
        if let Some((opt, val)) = w.split_once('=').filter(|(o, _)| o.starts_with("--")) {
            if opt == "--uid" {
                uid = substitute(val, vars, escape).parse().ok();
            }
        } else if VALUE_OPTS.contains(&w.as_str()) {
            if (w == "-u" || w == "--uid") && i + 1 < words.len() {
                uid = substitute(&words[i + 1], vars, escape).parse().ok();
            }
            i += 1;
        } else if w.starts_with('-') {
            // A flag without a value, or short flags run together (`-Du`).
        } else {
            positional.push(w.clone());
        }
        i += 1;
    }
    // `adduser USER GROUP` adds an existing user to a group.
    if positional.len() != 1 {
        return None;
    }
    Some((substitute(&positional[0], vars, escape), uid))
}

/// Splits a shell script into simple commands of unquoted words, each
/// with the byte offset of its first word.
fn commands(script: &str) -> Vec<(usize, Vec<String>)> {
    let mut out = Vec::new();
    let mut words: Vec<String> = Vec::new();
    let mut word = String::new();
    let mut start = None;
    let mut quote: Option<char> = None;
    let flush_word = |word: &mut String, words: &mut Vec<String>| {
        if !word.is_empty() {
            words.push(std::mem::take(word));
        }
    };
    let mut chars = script.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if let Some(q) = quote {
            if c == q {
                quote = None;
            } else {
                word.push(c);
            }
            continue;
        }
        match c {
            '\'' | '"' => {
                quote = Some(c);
                start.get_or_insert(i);
            }
            '&' | '|' | ';' | '\n' | '(' | ')' => {
                flush_word(&mut word, &mut words);
                if !words.is_empty() {
                    out.push((start.unwrap_or(0), std::mem::take(&mut words)));
                }
                start = None;
            }
            '\\' => {
                if let Some((_, n)) = chars.next()
                    && n != '\n'
                {
                    word.push(n);
                }
            }
            c if c.is_whitespace() => flush_word(&mut word, &mut words),
            // A comment runs to the end of the line.
            '#' if word.is_empty() => {
                while chars.peek().is_some_and(|(_, n)| *n != '\n') {
                    chars.next();
                }
            }
            c => {
                if words.is_empty() && word.is_empty() {
                    start = Some(i);
                }
                word.push(c);
            }
        }
    }
    flush_word(&mut word, &mut words);
    if !words.is_empty() {
        out.push((start.unwrap_or(0), words));
    }
    out
}

const SETUID_HELPERS: &[&str] = &["sudo", "su", "gosu", "su-exec", "doas"];
const INSTALLERS: &[(&str, &str)] = &[
    ("apt-get", "install"),
    ("apt", "install"),
    ("apk", "add"),
    ("yum", "install"),
    ("dnf", "install"),
    ("microdnf", "install"),
    ("zypper", "install"),
];

pub fn analyze(df: &Dockerfile) -> Option<Analysis> {
    let chain = chain(df);
    let first = *chain.first()?;
    let final_stage = *chain.last()?;
    let root = &df.stages[first];
    let base = lookup(&root.base);
    let mut vars: Vec<(String, String)> = Vec::new();
    // Global ARG defaults are visible to stages that redeclare them; we
    // make them available throughout (a redeclaration without a value
    // keeps the default).
    for inst in &df.instructions[..root.from] {
        if inst.keyword == "ARG" {
            for (k, v) in arg_pairs(&inst.args) {
                vars.push((k, v.unwrap_or_default()));
            }
        }
    }
    let mut a = Analysis {
        final_stage,
        root_base: root.base.clone(),
        root_base_span: root.base_span,
        base: base.clone(),
        users: Vec::new(),
        final_user: FinalUser::Base(base),
        created: Vec::new(),
        chowns: Vec::new(),
        setuid: Vec::new(),
    };
    for &s in &chain {
        let stage = &df.stages[s];
        for idx in stage.instructions.clone() {
            let inst = &df.instructions[idx];
            match inst.keyword.as_str() {
                "ARG" | "ENV" => {
                    for (k, v) in arg_pairs(&inst.args) {
                        match v {
                            Some(v) => vars.push((k, substitute(&v, &vars, df.escape))),
                            None if inst.keyword == "ENV" => {}
                            None => {}
                        }
                    }
                }
                "USER" => {
                    let raw = inst.args.split_whitespace().next().unwrap_or("");
                    let value = substitute(raw, &vars, df.escape);
                    let user = value.split(':').next().unwrap_or("");
                    let setting = UserSetting {
                        kind: UserKind::classify(user),
                        value: value.clone(),
                        span: inst.args_subspan(0, raw.len()),
                        stage: s,
                    };
                    a.users.push(setting.clone());
                    a.final_user = FinalUser::Set(setting);
                }
                "COPY" | "ADD" if s == final_stage => {
                    if let Some(f) = inst.flag("chown") {
                        let v = substitute(f.value.as_deref().unwrap_or(""), &vars, df.escape);
                        a.chowns
                            .push((v.split(':').next().unwrap_or("").to_string(), f.span));
                    }
                }
                "RUN" => {
                    let mut scripts: Vec<(String, Option<Span>)> = match &inst.form {
                        Form::Exec(v) => vec![(v.join(" "), Some(inst.args_span))],
                        Form::Shell => vec![(inst.args.clone(), None)],
                    };
                    for h in &inst.heredocs {
                        scripts.push((h.body.clone(), Some(h.span)));
                    }
                    for (script, fixed) in scripts {
                        for (off, words) in commands(&script) {
                            let at =
                                |len: usize| fixed.unwrap_or_else(|| inst.args_subspan(off, len));
                            // Skip `VAR=x` prefixes.
                            let mut w = words
                                .iter()
                                .skip_while(|w| w.contains('=') && !w.starts_with('-'));
                            let Some(cmd) = w.next() else { continue };
                            let rest: Vec<String> = w.map(|s| unquote(s)).collect();
                            let cmd_base = cmd.rsplit('/').next().unwrap_or(cmd);
                            if cmd_base == "useradd" || cmd_base == "adduser" {
                                if let Some((name, uid)) = parse_user_add(&rest, &vars, df.escape) {
                                    a.created.push(Created {
                                        name,
                                        uid,
                                        span: at(cmd.len()),
                                        stage: s,
                                    });
                                }
                            } else if SETUID_HELPERS.contains(&cmd_base) {
                                a.setuid.push((cmd_base.to_string(), at(cmd.len())));
                            } else if let Some((_, sub)) =
                                INSTALLERS.iter().find(|(m, _)| *m == cmd_base)
                                && rest.iter().any(|r| r == sub)
                            {
                                for pkg in rest.iter().filter(|r| !r.starts_with('-')) {
                                    let name = pkg.split(['=', '@']).next().unwrap_or("");
                                    if ["sudo", "gosu", "su-exec", "doas"].contains(&name) {
                                        a.setuid.push((name.to_string(), at(cmd.len())));
                                    }
                                }
                            }
                        }
                    }
                }
                _ => {}
            }
        }
    }
    Some(a)
}

#[cfg(test)]
mod tests {
    use super::super::parse::parse;
    use super::*;

    #[test]
    fn the_notes_pattern() {
        let t = "FROM debian:12\nRUN useradd somebody -u 10001 --create-home --user-group  # <--- Create a user\nCOPY --chown=somebody . /home/somebody/app/\nUSER 10001\n";
        let a = analyze(&parse(t)).unwrap();
        assert_eq!(
            a.created,
            vec![Created {
                name: "somebody".into(),
                uid: Some(10001),
                span: a.created[0].span,
                stage: 0
            }]
        );
        assert_eq!(
            &t[a.created[0].span.start as usize..a.created[0].span.end as usize],
            "useradd"
        );
        assert_eq!(a.chowns[0].0, "somebody");
        assert_eq!(a.numeric_uid(), Some(10001));
        assert_eq!(a.runs_as_root(), Some(false));
    }

    #[test]
    fn alpine_spelling_and_names() {
        let t = "FROM node:20-alpine\nRUN addgroup -g 1000 app \\\n    && adduser -u 1001 -G app -s /bin/sh -D app\nUSER app\n";
        let a = analyze(&parse(t)).unwrap();
        assert_eq!(a.created[0].name, "app");
        assert_eq!(a.created[0].uid, Some(1001));
        assert!(
            matches!(&a.final_user, FinalUser::Set(u) if u.kind == UserKind::Name("app".into()))
        );
        assert_eq!(a.numeric_uid(), Some(1001));
    }

    #[test]
    fn stages_inherit_and_later_root_undoes() {
        let t = "FROM node:20 AS base\nUSER node\nFROM base\nUSER root\nRUN apt-get update && apt-get install -y sudo\n";
        let a = analyze(&parse(t)).unwrap();
        assert_eq!(a.users.len(), 2);
        assert_eq!(a.runs_as_root(), Some(true));
        assert_eq!(a.setuid[0].0, "sudo");
        let t = "FROM node:20 AS base\nUSER node\nFROM base\nCMD [\"node\"]\n";
        let a = analyze(&parse(t)).unwrap();
        assert_eq!(
            a.numeric_uid(),
            Some(1000),
            "node is UID 1000 in the base table"
        );
    }

    #[test]
    fn variables_and_base_defaults() {
        let t = "ARG UID=10001\nFROM alpine:3.20\nARG UID\nUSER ${UID}:${UID}\n";
        let a = analyze(&parse(t)).unwrap();
        assert_eq!(a.numeric_uid(), Some(10001));
        let a = analyze(&parse(
            "FROM gcr.io/distroless/static:nonroot\nCOPY app /\n",
        ))
        .unwrap();
        assert_eq!(a.runs_as_root(), Some(false));
        let a = analyze(&parse("FROM example.com/private/base:1\n")).unwrap();
        assert_eq!(a.runs_as_root(), None);
    }
}
