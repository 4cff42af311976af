use crate::rules::{Category, Check, Rule, Severity, Text};

pub static RULE: Rule = Rule {
    code: "PS904",
    name: "expired-suppression",
    category: Category::Suppression,
    severity: Severity::Low,
    default_enabled: true,
    pss: None,
    mitigations: &[],
    enables: &[],
    en: Text {
        title: "An expired exemption or suppression",
        message: "the {what} of {codes} expired on {date}, so its findings are reported again: {reason}",
        what: "Finds an `[[exemptions]]` entry of podsec.toml whose `expires` date has passed, and an inline suppression whose `until=YYYY-MM-DD` has passed. Dates are compared with today's date in UTC (`PODSEC_TODAY=YYYY-MM-DD` sets another).",
        why: "Temporary exceptions are how risks become permanent: a date forces the question again. Once expired, the exemption no longer applies and this finding says which one lapsed and why it was granted, so the owner can fix the workload or renew the exemption deliberately.",
        fix: "Fix the findings the exemption covered, or extend `expires` after reviewing the reason again.",
    },
    ko: Text {
        title: "기한이 지난 예외나 억제",
        message: "{codes}의 {what} 기한이 {date}에 끝나 그 발견을 다시 보고한다: {reason}",
        what: "`expires` 날짜가 지난 podsec.toml의 `[[exemptions]]` 항목과, `until=YYYY-MM-DD`가 지난 인라인 억제를 찾는다. 날짜는 UTC 기준 오늘과 비교한다 (`PODSEC_TODAY=YYYY-MM-DD`로 다른 날을 정할 수 있다).",
        why: "임시 예외는 위험이 영구해지는 통로다. 날짜가 그 질문을 다시 하게 만든다. 기한이 지나면 예외는 더 이상 적용되지 않고, 이 발견이 어느 예외가 왜 주어졌는지 알려 주어 담당자가 워크로드를 고치거나 예외를 의식적으로 갱신할 수 있다.",
        fix: "예외가 덮던 발견을 고치거나, 이유를 다시 검토한 뒤 `expires`를 늘린다.",
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
        privileged: true # podsec: ignore[PS101] until=2020-01-31 migration to the device plugin
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
        privileged: true # podsec: ignore[PS101] until=2999-01-31 migration to the device plugin
"#,
    references: &[
        "https://kubernetes.io/docs/concepts/security/pod-security-admission/#exemptions",
    ],
    check: Check::Meta,
    fix: None,
};
