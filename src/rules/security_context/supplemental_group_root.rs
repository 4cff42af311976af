use crate::model::effective::Origin;
use crate::rules::{Category, Check, Ctx, Rule, Severity, Sink, Text};

pub static RULE: Rule = Rule {
    code: "PS107",
    name: "supplemental-group-root",
    category: Category::Hardening,
    severity: Severity::Low,
    default_enabled: true,
    pss: None,
    mitigations: &[],
    enables: &[],
    en: Text {
        title: "Root group in supplementalGroups",
        message: "the pod adds group 0 (root) to supplementalGroups",
        what: "Finds a `0` in the pod's `securityContext.supplementalGroups`.",
        why: "Every container of the pod joins the supplemental groups; group 0 gives access to whatever is group-readable or group-writable by root.",
        fix: "Remove 0 from `supplementalGroups`.",
    },
    ko: Text {
        title: "supplementalGroups의 root 그룹",
        message: "파드의 supplementalGroups에 그룹 0(root)이 들어 있다",
        what: "파드 `securityContext.supplementalGroups`의 `0`을 찾는다.",
        why: "파드의 모든 컨테이너가 supplemental 그룹에 들어간다. 그룹 0이면 root 그룹 권한으로 열린 파일에 접근할 수 있다.",
        fix: "`supplementalGroups`에서 0을 뺀다.",
    },
    example: "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  securityContext:\n    supplementalGroups: [0, 10001]\n  containers:\n    - name: web\n      image: example/web:1\n",
    use_instead: "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  securityContext:\n    supplementalGroups: [10001]\n  containers:\n    - name: web\n      image: example/web:1\n",
    references: &["https://kubernetes.io/docs/tasks/configure-pod-container/security-context/"],
    check: Check::Workload(check),
    fix: None,
};

fn check(ctx: &Ctx<'_, '_>, out: &mut Sink) {
    if let Some(sc) = &ctx.pod.spec.security_context {
        for g in sc.supplemental_groups.iter().filter(|g| g.v == 0) {
            out.report(&RULE, g.node).value(0, Origin::Pod);
        }
    }
}
