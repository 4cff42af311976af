use crate::rules::{Category, Check, Rule, Severity, Text};

pub static RULE: Rule = Rule {
    code: "PS902",
    name: "suppression-without-reason",
    category: Category::Suppression,
    severity: Severity::Low,
    default_enabled: true,
    pss: None,
    mitigations: &[],
    enables: &[],
    en: Text {
        title: "A suppression without a reason",
        message: "the suppression of {codes} gives no reason, so it hides nothing: write why the finding is accepted after the codes",
        what: "Finds a `# podsec: ignore[CODE]` comment with no text after the codes, or a `podsec.dev/ignore` annotation with nothing after `;`.",
        why: "A suppression accepts a risk on someone's behalf; without a reason, the next reader cannot tell a considered exception from a silenced warning, and an auditor cannot review it. podsec therefore does not honour a suppression until it says why (as Biome refuses a `biome-ignore` without one).",
        fix: "Add the reason after the codes: `# podsec: ignore[PS102] the init step must write /etc` or `podsec.dev/ignore: \"PS102; the init step must write /etc\"`.",
    },
    ko: Text {
        title: "이유 없는 억제",
        message: "{codes} 억제에 이유가 없어 아무것도 가리지 않는다: 코드 뒤에 발견을 받아들이는 이유를 쓴다",
        what: "코드 뒤에 글이 없는 `# podsec: ignore[CODE]` 주석이나, `;` 뒤에 아무것도 없는 `podsec.dev/ignore` 어노테이션을 찾는다.",
        why: "억제는 누군가를 대신해 위험을 받아들이는 일이다. 이유가 없으면 다음 사람은 숙고한 예외와 꺼 버린 경고를 구별할 수 없고, 감사자는 검토할 수 없다. 그래서 podsec은 이유를 밝히기 전까지 억제를 따르지 않는다 (Biome이 이유 없는 `biome-ignore`를 거부하듯).",
        fix: "코드 뒤에 이유를 쓴다: `# podsec: ignore[PS102] init 단계가 /etc에 써야 함` 또는 `podsec.dev/ignore: \"PS102; init 단계가 /etc에 써야 함\"`.",
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
        privileged: true # podsec: ignore[PS101]
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
        privileged: true # podsec: ignore[PS101] the agent loads kernel modules (SEC-1234)
"#,
    references: &["https://biomejs.dev/linter/#ignore-code"],
    check: Check::Meta,
    fix: None,
};
