use crate::model::effective::Origin;
use crate::rules::{Category, Check, Ctx, Rule, Severity, Sink, Text};

pub static RULE: Rule = Rule {
    code: "PS112",
    name: "privileged-and-no-escalation",
    category: Category::Correctness,
    severity: Severity::High,
    default_enabled: true,
    pss: None,
    mitigations: &[],
    enables: &[],
    en: Text {
        title: "privileged: true with allowPrivilegeEscalation: false",
        message: "container \"{container}\" sets both privileged: true and allowPrivilegeEscalation: false: the API server rejects it",
        what: "Finds containers with `privileged: true` and `allowPrivilegeEscalation: false` together.",
        why: "A privileged container always allows privilege escalation, so the API server refuses this combination (`cannot set allowPrivilegeEscalation to false and privileged to true`). The author believed escalation was blocked; in fact the object does not apply at all.",
        fix: "Drop `privileged: true` (and add only the capabilities needed); keep `allowPrivilegeEscalation: false`.",
    },
    ko: Text {
        title: "privileged: true와 allowPrivilegeEscalation: false를 함께 설정",
        message: "컨테이너 \"{container}\"에 privileged: true와 allowPrivilegeEscalation: false가 함께 있다: API 서버가 거부한다",
        what: "`privileged: true`와 `allowPrivilegeEscalation: false`를 함께 쓴 컨테이너를 찾는다.",
        why: "privileged 컨테이너는 항상 권한 상승이 허용되므로 API 서버는 이 조합을 거부한다 (`cannot set allowPrivilegeEscalation to false and privileged to true`). 작성자는 권한 상승을 막았다고 믿지만 실제로는 오브젝트가 적용되지도 않는다.",
        fix: "`privileged: true`를 빼고 필요한 capability만 추가한다. `allowPrivilegeEscalation: false`는 그대로 둔다.",
    },
    example: "apiVersion: v1\nkind: Pod\nmetadata:\n  name: agent\nspec:\n  containers:\n    - name: agent\n      image: example/agent:1\n      securityContext:\n        privileged: true\n        allowPrivilegeEscalation: false\n",
    use_instead: "apiVersion: v1\nkind: Pod\nmetadata:\n  name: agent\nspec:\n  containers:\n    - name: agent\n      image: example/agent:1\n      securityContext:\n        allowPrivilegeEscalation: false\n",
    references: &["https://kubernetes.io/docs/tasks/configure-pod-container/security-context/"],
    check: Check::Workload(check),
    fix: None,
};

fn check(ctx: &Ctx<'_, '_>, out: &mut Sink) {
    for (c, eff) in ctx.containers() {
        let privileged = eff.privileged.value.is_some_and(|p| p.v);
        if let Some(a) = eff
            .allow_privilege_escalation
            .value
            .filter(|a| !a.v && privileged)
        {
            out.report(&RULE, a.node)
                .container(c)
                .value(false, Origin::Container);
        }
    }
}
