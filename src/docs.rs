//! Rule and CVE documentation, generated from the rules themselves: the
//! same text feeds `podsec explain` and `docs/rules/`.

use std::fmt::Write;

use crate::kb::{self, Cve};
use crate::rules::{Lang, RULES, Rule};

fn pss_line(rule: &Rule, lang: Lang) -> Option<String> {
    let p = rule.pss?;
    Some(match lang {
        Lang::En => format!(
            "Pod Security Standards: **{}**, control `{}`, from policy v1.{}.",
            p.level, p.check, p.since
        ),
        Lang::Ko => format!(
            "Pod Security Standards: **{}**, 검사 `{}`, 정책 v1.{}부터.",
            p.level, p.check, p.since
        ),
    })
}

/// Where the rule pages are published: the repository's `docs/rules/`
/// (the same page `podsec explain CODE` prints). One place to change when
/// the project moves.
pub const DOCS_BASE: &str = concat!(env!("CARGO_PKG_REPOSITORY"), "/blob/main/docs/rules/");

/// A rule's documentation page, for SARIF's `helpUri`.
pub fn rule_url(rule: &Rule) -> String {
    format!("{DOCS_BASE}{}.md", rule.code)
}

/// One rule as Markdown with the fixed headings.
pub fn rule_markdown(rule: &Rule, lang: Lang) -> String {
    let t = rule.text(lang);
    let h = |en: &'static str, ko: &'static str| if lang == Lang::En { en } else { ko };
    let mut s = String::new();
    let _ = writeln!(s, "# {} ({})\n", rule.name, rule.code);
    let _ = writeln!(s, "**{}**\n", t.title);
    let _ = writeln!(
        s,
        "{}: `{}` · {}: `{}` · {}: {}{}\n",
        h("Category", "분류"),
        rule.category.as_str(),
        h("Severity", "심각도"),
        rule.severity.as_str(),
        h("Fix", "수정"),
        match rule.fix.map(|f| f.applicability) {
            Some(crate::fix::Applicability::Safe) => h("automatic (safe)", "자동 (safe)"),
            Some(crate::fix::Applicability::Unsafe) => h(
                "automatic (unsafe: `--unsafe-fixes`)",
                "자동 (unsafe: `--unsafe-fixes`)"
            ),
            _ => h(
                "by hand (needs a human decision)",
                "직접 (사람의 판단이 필요하다)"
            ),
        },
        if rule.default_enabled {
            ""
        } else {
            h(
                " · opt-in (select it by code or name)",
                " · 선택 규칙 (코드나 이름으로 선택)",
            )
        }
    );
    if let Some(p) = pss_line(rule, lang) {
        let _ = writeln!(s, "{p}\n");
    }
    let _ = writeln!(s, "## {}\n\n{}\n", h("What it does", "하는 일"), t.what);
    let _ = writeln!(
        s,
        "## {}\n\n{}\n",
        h("Why is this bad?", "왜 문제인가?"),
        t.why
    );
    let _ = writeln!(
        s,
        "## {}\n\n```yaml\n{}```\n",
        h("Example", "예시"),
        rule.example
    );
    let _ = writeln!(
        s,
        "{}\n\n```yaml\n{}```\n",
        h("Use instead:", "이렇게 쓴다:"),
        rule.use_instead
    );
    let _ = writeln!(s, "## {}\n\n{}\n", h("Fix", "수정 방법"), t.fix);
    if let Some(f) = rule.fix {
        let _ = writeln!(
            s,
            "## {}\n\n`{}`: {}\n",
            h("Fix safety", "수정의 안전성"),
            f.applicability.as_str(),
            if lang == Lang::En { f.en } else { f.ko }
        );
    }
    let cves = rule.cves();
    if !cves.is_empty() {
        let _ = writeln!(s, "## CVE\n");
        for c in &cves {
            let summary = kb::find(c.id).map_or("", |x| x.summary.as_str());
            let mark = if c.inferred {
                h(" (inferred link)", " (추정한 연결)")
            } else {
                ""
            };
            let _ = writeln!(s, "- **{}**{mark}: {summary}", c.id);
        }
        let _ = writeln!(s);
    }
    let _ = writeln!(s, "## {}\n", h("References", "참고"));
    for r in rule.references {
        let _ = writeln!(s, "- <{r}>");
    }
    s
}

/// The table of every rule.
pub fn index_markdown() -> String {
    let mut s = String::from(
        "# Rules\n\nGenerated from the rules themselves (`UPDATE_DOCS=1 cargo test` rewrites these pages).\n\n| Code | Name | Category | Severity | PSS | Fix | Default |\n| --- | --- | --- | --- | --- | --- | --- |\n",
    );
    for r in RULES {
        let pss = r.pss.map_or(String::new(), |p| {
            format!("{} `{}` ≥ v1.{}", p.level, p.check, p.since)
        });
        let _ = writeln!(
            s,
            "| {} | [{}]({}.md) | {} | {} | {} | {} | {} |",
            r.code,
            r.name,
            r.code,
            r.category.as_str(),
            r.severity.as_str(),
            pss,
            r.fix.map_or("", |f| f.applicability.as_str()),
            if r.default_enabled { "on" } else { "opt-in" }
        );
    }
    s
}

/// A CVE entry as Markdown, with the rules that concern it.
pub fn cve_markdown(c: &Cve, lang: Lang) -> String {
    let h = |en: &'static str, ko: &'static str| if lang == Lang::En { en } else { ko };
    let mut s = String::new();
    let _ = writeln!(s, "# {} ({})\n", c.id, c.component);
    let _ = writeln!(s, "{}\n", c.summary);
    if !c.cvss.is_empty() {
        let _ = writeln!(s, "CVSS {} ({})\n", c.cvss, c.cvss_source);
    }
    let list = |xs: &[String], uncertain: &[String]| {
        xs.iter()
            .map(|x| {
                if uncertain.contains(x) {
                    format!("`{x}` ({})", h("inferred", "추정"))
                } else {
                    format!("`{x}`")
                }
            })
            .collect::<Vec<_>>()
            .join(", ")
    };
    let none = h(
        "none documented: patch the component",
        "문서화된 설정 없음: 컴포넌트를 패치한다",
    );
    let mitigated = if c.mitigated_by.is_empty() {
        none.to_string()
    } else {
        list(&c.mitigated_by, &c.uncertain)
    };
    let _ = writeln!(
        s,
        "## {}\n\n{mitigated}\n",
        h("Mitigated by", "완화하는 설정")
    );
    if !c.does_not_mitigate.is_empty() {
        let _ = writeln!(
            s,
            "## {}\n\n{}\n",
            h("Does not mitigate", "완화하지 못하는 설정"),
            list(&c.does_not_mitigate, &c.uncertain)
        );
    }
    if !c.requires.is_empty() || !c.requires_any.is_empty() {
        let _ = writeln!(s, "## {}\n", h("Needs", "필요 조건"));
        if !c.requires.is_empty() {
            let _ = writeln!(s, "- {}: {}", h("all of", "모두"), list(&c.requires, &[]));
        }
        if !c.requires_any.is_empty() {
            let _ = writeln!(
                s,
                "- {}: {}",
                h("one of", "하나 이상"),
                list(&c.requires_any, &[])
            );
        }
        let _ = writeln!(s);
    }
    let rules: Vec<String> = RULES
        .iter()
        .filter(|r| r.cves().iter().any(|x| x.id == c.id))
        .map(|r| format!("{} ({})", r.code, r.name))
        .collect();
    if !rules.is_empty() {
        let _ = writeln!(
            s,
            "## {}\n\n{}\n",
            h("podsec rules", "관련 podsec 규칙"),
            rules.join(", ")
        );
    }
    if !c.notes.is_empty() {
        let _ = writeln!(s, "## {}\n\n{}\n", h("Notes", "메모"), c.notes);
    }
    let _ = writeln!(s, "## {}\n", h("References", "참고"));
    for r in &c.references {
        let _ = writeln!(s, "- <{r}>");
    }
    s
}
