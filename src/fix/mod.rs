//! Fixes: byte-range edits on the original text. The file is never
//! re-serialised, so comments, key order, quoting and layout survive.

pub mod editor;
pub mod gate;

use serde::Serialize;

/// How far a fix may be trusted (ordered: `Safe` is the highest).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Applicability {
    /// Needs a human decision; shown, never applied.
    DisplayOnly,
    /// Changes what the running container may do.
    Unsafe,
    /// The running container cannot behave differently.
    Safe,
}

impl Applicability {
    pub fn as_str(self) -> &'static str {
        match self {
            Applicability::DisplayOnly => "display-only",
            Applicability::Unsafe => "unsafe",
            Applicability::Safe => "safe",
        }
    }
}

/// Replace `start..end` with `text` (an insertion when the range is empty).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Edit {
    pub start: u32,
    pub end: u32,
    pub text: String,
    /// What the edit means to change in the document, which the gate
    /// holds it to.
    #[serde(skip)]
    pub intent: Option<gate::Intent>,
}

impl Edit {
    pub fn insert(at: u32, text: impl Into<String>) -> Edit {
        Edit::replace(at, at, text)
    }

    pub fn replace(start: u32, end: u32, text: impl Into<String>) -> Edit {
        Edit {
            start,
            end,
            text: text.into(),
            intent: None,
        }
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct Fix {
    pub title: String,
    pub applicability: Applicability,
    /// Sorted by start.
    pub edits: Vec<Edit>,
}

/// Applies the fixes allowed at `threshold`, skipping any fix that
/// overlaps (or touches) one already taken; returns the new text and the
/// positions in `fixes` of the fixes applied.
pub fn apply(text: &str, fixes: &[&Fix], threshold: Applicability) -> (String, Vec<usize>) {
    let mut chosen: Vec<&Fix> = Vec::new();
    let mut chosen_at: Vec<usize> = Vec::new();
    // Ranges taken so far, by start; they never overlap one another, so an
    // edit need only be checked against its neighbours (linear in fixes).
    let mut taken: std::collections::BTreeMap<u32, u32> = std::collections::BTreeMap::new();
    let clashes = |taken: &std::collections::BTreeMap<u32, u32>, e: &Edit| {
        let before = taken.range(..=e.start).next_back();
        let after = taken.range(e.start..).next();
        before.is_some_and(|(_, &t)| e.start <= t) || after.is_some_and(|(&s, _)| s <= e.end)
    };
    let mut order: Vec<(usize, &&Fix)> = fixes
        .iter()
        .enumerate()
        .filter(|(_, f)| {
            f.applicability >= threshold && f.applicability > Applicability::DisplayOnly
        })
        .collect();
    order.sort_by_key(|(_, f)| f.edits.first().map_or(0, |e| e.start));
    'fixes: for (i, f) in order {
        // A fix's own edits may touch each other; other fixes' may not.
        if f.edits.iter().any(|e| clashes(&taken, e)) {
            continue 'fixes;
        }
        for e in &f.edits {
            let end = taken.get(&e.start).copied().unwrap_or(0).max(e.end);
            taken.insert(e.start, end);
        }
        chosen.push(f);
        chosen_at.push(i);
    }
    let mut edits: Vec<&Edit> = chosen.iter().flat_map(|f| &f.edits).collect();
    // Two insertions at one offset (a key that ends a nested mapping and a
    // key of the mapping around it, both at the end of the same line): the
    // more deeply indented one goes first, or it would land under the other.
    // A list item (`- `) at the indentation of a key belongs to the key
    // before it (an indentless sequence), so it counts as deeper.
    edits.sort_by_key(|e| (e.start, e.end, std::cmp::Reverse(inserted_depth(&e.text))));
    let mut out = String::with_capacity(text.len() + 256);
    let mut last = 0usize;
    for e in edits {
        let (s, t) = (e.start as usize, e.end as usize);
        if s < last || t > text.len() {
            continue;
        }
        out.push_str(&text[last..s]);
        out.push_str(&e.text);
        last = t;
    }
    out.push_str(&text[last..]);
    (out, chosen_at)
}

/// How deep the first line an insertion starts is: its indentation, and
/// whether it is a list item (`\n    key: …` is (4, false); text that does
/// not start a line is (0, false)).
fn inserted_depth(text: &str) -> (usize, bool) {
    let Some(rest) = text
        .strip_prefix("\r\n")
        .or_else(|| text.strip_prefix('\n'))
    else {
        return (0, false);
    };
    let body = rest.trim_start_matches(' ');
    (
        rest.len() - body.len(),
        body.starts_with("- ") || body == "-",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fix(a: Applicability, edits: Vec<Edit>) -> Fix {
        Fix {
            title: String::new(),
            applicability: a,
            edits,
        }
    }

    #[test]
    fn overlaps_and_thresholds() {
        let t = "abcdef";
        let a = fix(Applicability::Safe, vec![Edit::replace(0, 1, "A")]);
        let b = fix(Applicability::Unsafe, vec![Edit::insert(3, "-")]);
        let c = fix(Applicability::Safe, vec![Edit::replace(1, 3, "x")]); // touches a
        let d = fix(Applicability::DisplayOnly, vec![Edit::replace(5, 6, "F")]);
        assert_eq!(
            apply(t, &[&a, &b, &c, &d], Applicability::Safe),
            ("Abcdef".into(), vec![0])
        );
        assert_eq!(
            apply(t, &[&a, &b, &d], Applicability::Unsafe),
            ("Abc-def".into(), vec![0, 1])
        );
        assert_eq!(
            apply(t, &[&c, &b], Applicability::Unsafe),
            ("axdef".into(), vec![0])
        );
    }

    #[test]
    fn a_list_item_goes_before_a_key_at_its_indentation() {
        let t = "spec:\n  volumes:\n  - name: a\n";
        let at = t.len() as u32 - 1;
        let f = fix(
            Applicability::Safe,
            vec![
                Edit::insert(at, "\n  securityContext: {}"),
                Edit::insert(at, "\n  - name: b"),
            ],
        );
        assert_eq!(
            apply(t, &[&f], Applicability::Safe).0,
            "spec:\n  volumes:\n  - name: a\n  - name: b\n  securityContext: {}\n"
        );
    }

    #[test]
    fn insertions_at_one_offset_go_inner_first() {
        let t = "c:\n  sc:\n    a: 1\nnext: 2\n";
        let at = t.find("\nnext").unwrap() as u32;
        let f = fix(
            Applicability::Safe,
            vec![
                Edit::insert(at, "\n  mounts: []"),
                Edit::insert(at, "\n    b: 2"),
            ],
        );
        assert_eq!(
            apply(t, &[&f], Applicability::Safe).0,
            "c:\n  sc:\n    a: 1\n    b: 2\n  mounts: []\nnext: 2\n"
        );
    }
}
