use crate::rules::{Category, Check, Rule, Severity, Text};

pub static RULE: Rule = Rule {
    code: "PS901",
    name: "unused-suppression",
    category: Category::Suppression,
    severity: Severity::Low,
    default_enabled: true,
    pss: None,
    mitigations: &[],
    enables: &[],
    en: Text {
        title: "A suppression that hides nothing",
        message: "the suppression of {code} hides nothing: {code} finds nothing {where}",
        what: "Finds a `# podsec: ignore[CODE]` comment or a `podsec.dev/ignore` annotation naming a rule that reports nothing where the suppression applies (the line it covers, or the object). Codes of rules that did not run (`--select`, `--ignore`) are not judged.",
        why: "A stale suppression outlives the weakness it excused: when someone later reintroduces it on that line, the finding is hidden without anyone having accepted it again. Reporting unused suppressions keeps the list of accepted risks true (ruff's RUF100 does the same for `# noqa`).",
        fix: "Remove the code from the suppression (or the whole comment or annotation when it names nothing else).",
    },
    ko: Text {
        title: "아무것도 가리지 않는 억제",
        message: "{code} 억제가 아무것도 가리지 않는다: {where} {code} 발견이 없다",
        what: "`# podsec: ignore[CODE]` 주석이나 `podsec.dev/ignore` 어노테이션이 이름 붙인 규칙이, 그 억제가 적용되는 곳(덮는 줄 또는 오브젝트)에서 아무것도 보고하지 않는 경우를 찾는다. 실행되지 않은 규칙(`--select`, `--ignore`)의 코드는 판단하지 않는다.",
        why: "낡은 억제는 그것이 눈감아 준 약점보다 오래 남는다. 나중에 누군가 그 줄에 약점을 다시 들이면, 아무도 다시 받아들이지 않았는데도 발견이 가려진다. 쓰이지 않는 억제를 보고해야 받아들인 위험의 목록이 참으로 남는다 (ruff의 RUF100이 `# noqa`에 하는 일).",
        fix: "억제에서 그 코드를 지운다 (다른 코드가 없으면 주석이나 어노테이션 전체를).",
    },
    example: r#"apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  securityContext:
    runAsNonRoot: true
    seccompProfile:
      type: RuntimeDefault
  containers:
    - name: web
      image: example/web:1
      securityContext:
        allowPrivilegeEscalation: false
        readOnlyRootFilesystem: true
        privileged: false # podsec: ignore[PS101] the agent needs host devices
        capabilities:
          drop: [ALL]
"#,
    use_instead: r#"apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  securityContext:
    runAsNonRoot: true
    seccompProfile:
      type: RuntimeDefault
  containers:
    - name: web
      image: example/web:1
      securityContext:
        allowPrivilegeEscalation: false
        readOnlyRootFilesystem: true
        privileged: false
        capabilities:
          drop: [ALL]
"#,
    references: &["https://docs.astral.sh/ruff/rules/unused-noqa/"],
    check: Check::Meta,
    fix: None,
};
