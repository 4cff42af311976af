use crate::model::effective::Origin;
use crate::pss::{Level, sysctl_allowed};
use crate::rules::{Category, Check, Ctx, PssTag, Rule, Severity, Sink, Text};

pub static RULE: Rule = Rule {
    code: "PS501",
    name: "unsafe-sysctl",
    category: Category::PssBaseline,
    severity: Severity::High,
    default_enabled: true,
    pss: Some(PssTag {
        level: Level::Baseline,
        check: "sysctls",
        since: 0,
    }),
    mitigations: &["no_unsafe_sysctls"],
    enables: &[],
    en: Text {
        title: "Sysctl outside the safe set",
        message: "the pod sets sysctl {name}, which is not in the safe set at v1.{minor}",
        what: "Finds `securityContext.sysctls` names that are not in the safe set of the target Pod Security version (the set grows at v1.27, v1.29, v1.32 and v1.37).",
        why: "Sysctls let a user change the kernel's behaviour. The safe set holds only namespaced settings that cannot affect other pods or the node; any other sysctl may change the kernel for the whole node (memory, networking, security limits).",
        fix: "Remove the sysctl, or check whether a newer Kubernetes version lists it as safe and target that version.",
    },
    ko: Text {
        title: "안전 집합 밖의 sysctl",
        message: "파드가 v1.{minor}의 안전 집합에 없는 sysctl을 설정한다: {name}",
        what: "대상 Pod Security 버전의 안전 집합에 없는 `securityContext.sysctls` 이름을 찾는다 (집합은 v1.27, v1.29, v1.32, v1.37에서 늘어난다).",
        why: "sysctl은 사용자가 커널 동작을 바꾸게 해 준다. 안전 집합에는 다른 파드나 노드에 영향을 줄 수 없는 namespace 단위 설정만 있다. 그 밖의 sysctl은 메모리, 네트워크, 보안 한도처럼 노드 전체의 커널을 바꿀 수 있다.",
        fix: "sysctl을 지운다. 더 새로운 쿠버네티스 버전에서 안전 집합에 들어갔는지 확인하고 그 버전을 대상으로 한다.",
    },
    example: "apiVersion: v1\nkind: Pod\nmetadata:\n  name: db\nspec:\n  securityContext:\n    sysctls:\n      - name: kernel.shmmax\n        value: \"68719476736\"\n  containers:\n    - name: db\n      image: example/db:1\n",
    use_instead: "apiVersion: v1\nkind: Pod\nmetadata:\n  name: db\nspec:\n  securityContext:\n    sysctls:\n      - name: net.ipv4.ip_local_port_range\n        value: \"32768 60999\"\n  containers:\n    - name: db\n      image: example/db:1\n",
    references: &[
        "https://kubernetes.io/docs/concepts/security/pod-security-standards/#baseline",
        "https://kubernetes.io/docs/tasks/administer-cluster/sysctl-cluster/",
    ],
    check: Check::Workload(check),
    fix: None,
};

fn check(ctx: &Ctx<'_, '_>, out: &mut Sink) {
    if !ctx.pss_fails("sysctls") {
        return;
    }
    let Some(sc) = &ctx.pod.spec.security_context else {
        return;
    };
    for s in sc
        .sysctls
        .iter()
        .filter(|s| !sysctl_allowed(s.name.v, ctx.minor))
    {
        out.report(&RULE, s.name.node)
            .arg("name", s.name.v)
            .arg("minor", ctx.minor)
            .value(s.value.map_or("", |v| v.v), Origin::Pod);
    }
}
