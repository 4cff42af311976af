use crate::fix::Applicability;
use crate::fix::editor::V;
use crate::model::effective::Origin;
use crate::rules::FixDoc;
use crate::rules::{Category, Check, Ctx, Rule, Severity, Sink, Text};

pub static RULE: Rule = Rule {
    code: "PS503",
    name: "sysctl-slash-name",
    category: Category::Correctness,
    severity: Severity::Low,
    default_enabled: true,
    pss: None,
    mitigations: &[],
    enables: &[],
    en: Text {
        title: "Sysctl name with slashes",
        message: "sysctl {name} uses slashes: write {dotted}",
        what: "Finds sysctl names written with `/` separators (`net/ipv4/ip_local_port_range`).",
        why: "The kernel accepts both spellings, but Pod Security compares names exactly: a slash-separated safe sysctl fails baseline, and allow-lists in other tools miss it.",
        fix: "Write the name with dots.",
    },
    ko: Text {
        title: "슬래시로 쓴 sysctl 이름",
        message: "sysctl {name}에 슬래시가 쓰였다. 점으로 구분해 쓴다: {dotted}",
        what: "`/`로 구분한 sysctl 이름(`net/ipv4/ip_local_port_range`)을 찾는다.",
        why: "커널은 두 표기를 모두 받아들이지만 Pod Security는 이름을 정확히 비교한다. 슬래시로 쓴 안전한 sysctl도 baseline을 통과하지 못하고, 다른 도구의 허용 목록에서도 빠진다.",
        fix: "점으로 구분해 쓴다.",
    },
    example: "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  securityContext:\n    sysctls:\n      - name: net/ipv4/ip_local_port_range\n        value: \"32768 60999\"\n  containers:\n    - name: web\n      image: example/web:1\n",
    use_instead: "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  securityContext:\n    sysctls:\n      - name: net.ipv4.ip_local_port_range\n        value: \"32768 60999\"\n  containers:\n    - name: web\n      image: example/web:1\n",
    references: &["https://kubernetes.io/docs/tasks/administer-cluster/sysctl-cluster/"],
    check: Check::Workload(check),
    fix: Some(FixDoc {
        applicability: Applicability::Safe,
        en: "Writes the name with dots. Safe: the kernel reads both spellings as the same sysctl.",
        ko: "이름을 점으로 쓴다. 커널은 두 표기를 같은 sysctl로 읽으므로 safe다.",
    }),
};

fn check(ctx: &Ctx<'_, '_>, out: &mut Sink) {
    let Some(sc) = &ctx.pod.spec.security_context else {
        return;
    };
    for s in sc.sysctls.iter().filter(|s| s.name.v.contains('/')) {
        out.report(&RULE, s.name.node)
            .arg("name", s.name.v)
            .arg("dotted", s.name.v.replace('/', "."))
            .value(s.name.v, Origin::Pod)
            .fix(
                Applicability::Safe,
                "write the sysctl name with dots",
                ctx.replace(s.name.node, V::str(&s.name.v.replace('/', "."))),
            );
    }
}
