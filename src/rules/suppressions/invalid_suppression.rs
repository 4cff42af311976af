use crate::rules::{Category, Check, Rule, Severity, Text};

pub static RULE: Rule = Rule {
    code: "PS903",
    name: "invalid-suppression",
    category: Category::Suppression,
    severity: Severity::Low,
    default_enabled: true,
    pss: None,
    mitigations: &[],
    enables: &[],
    en: Text {
        title: "A suppression podsec cannot read",
        message: "this suppression does nothing: {problem}",
        what: "Finds a `# podsec:` comment or a `podsec.dev/ignore` annotation that is not of the form `ignore[CODE,…] reason` (`CODES; reason` for the annotation), or that names a code or rule name no rule has.",
        why: "A mistyped code (`PS1O1`) or a directive podsec does not know hides nothing, while its author believes the finding is accepted; the mistake should be visible where it was made.",
        fix: "Use `# podsec: ignore[CODE,…] reason` with codes or names from `podsec rules`.",
    },
    ko: Text {
        title: "podsec이 읽을 수 없는 억제",
        message: "이 억제는 아무 일도 하지 않는다: {problem}",
        what: "`ignore[CODE,…] 이유` 형식(어노테이션은 `CODES; 이유`)이 아닌 `# podsec:` 주석이나 `podsec.dev/ignore` 어노테이션, 또는 어떤 규칙에도 없는 코드나 이름을 쓴 억제를 찾는다.",
        why: "잘못 쓴 코드(`PS1O1`)나 podsec이 모르는 지시문은 아무것도 가리지 않는데, 쓴 사람은 발견이 받아들여졌다고 믿는다. 실수는 그것이 생긴 자리에서 보여야 한다.",
        fix: "`podsec rules`에 있는 코드나 이름으로 `# podsec: ignore[CODE,…] 이유`를 쓴다.",
    },
    example: r#"apiVersion: v1
kind: Pod
metadata:
  name: agent
spec:
  containers:
    - name: agent
      image: example/agent:1
      securityContext:
        privileged: true # podsec: ignore[PS1O1] the agent loads kernel modules
"#,
    use_instead: r#"apiVersion: v1
kind: Pod
metadata:
  name: agent
spec:
  containers:
    - name: agent
      image: example/agent:1
      securityContext:
        privileged: true # podsec: ignore[PS101] the agent loads kernel modules
"#,
    references: &["https://docs.astral.sh/ruff/rules/invalid-rule-code/"],
    check: Check::Meta,
    fix: None,
};
