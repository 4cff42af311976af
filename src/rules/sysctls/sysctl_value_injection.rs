use crate::model::effective::Origin;
use crate::rules::{Category, Check, Ctx, Rule, Severity, Sink, Text};

pub static RULE: Rule = Rule {
    code: "PS502",
    name: "sysctl-value-injection",
    category: Category::Hardening,
    severity: Severity::Critical,
    default_enabled: true,
    pss: None,
    mitigations: &["no_sysctls"],
    enables: &["pod_sysctls_allowed"],
    en: Text {
        title: "Sysctl value with `+` or `=`",
        message: "sysctl {name} has the value {value}, which contains {char}",
        what: "Finds sysctl values containing `+` or `=`.",
        why: "No legitimate sysctl value needs them. CRI-O passed values to a helper that read `+` as a separator, so `value: 1+kernel.core_pattern=|/malicious` set a second, unsafe sysctl and gave root on the node (CVE-2022-0811).",
        fix: "Remove the characters (or the sysctl).",
    },
    ko: Text {
        title: "`+`나 `=`가 들어간 sysctl 값",
        message: "sysctl {name}의 값에 들어가면 안 되는 문자가 있다 ({char}): {value}",
        what: "`+`나 `=`가 들어 있는 sysctl 값을 찾는다.",
        why: "정상적인 sysctl 값에는 이 문자가 필요 없다. CRI-O는 값을 `+`를 구분자로 읽는 도구에 넘겼기 때문에 `value: 1+kernel.core_pattern=|/malicious`처럼 안전하지 않은 두 번째 sysctl을 설정해 노드의 root를 얻을 수 있었다 (CVE-2022-0811).",
        fix: "그 문자를 지운다 (또는 sysctl을 지운다).",
    },
    example: "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  securityContext:\n    sysctls:\n      - name: kernel.shm_rmid_forced\n        value: \"1+kernel.core_pattern=|/tmp/x\"\n  containers:\n    - name: web\n      image: example/web:1\n",
    use_instead: "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  securityContext:\n    sysctls:\n      - name: kernel.shm_rmid_forced\n        value: \"1\"\n  containers:\n    - name: web\n      image: example/web:1\n",
    references: &[
        "https://www.crowdstrike.com/blog/cr8escape-new-vulnerability-discovered-in-cri-o-container-engine-cve-2022-0811/",
    ],
    check: Check::Workload(check),
    fix: None,
};

fn check(ctx: &Ctx<'_, '_>, out: &mut Sink) {
    let Some(sc) = &ctx.pod.spec.security_context else {
        return;
    };
    for s in &sc.sysctls {
        let Some(v) = s.value else { continue };
        if let Some(ch) = v.v.chars().find(|c| *c == '+' || *c == '=') {
            out.report(&RULE, v.node)
                .arg("name", s.name.v)
                .arg("value", format!("{:?}", v.v))
                .arg("char", format!("`{ch}`"))
                .value(v.v, Origin::Pod);
        }
    }
}
