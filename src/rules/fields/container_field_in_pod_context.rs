use crate::model::effective::Origin;
use crate::rules::{Category, Check, Ctx, Rule, Severity, Sink, Text};

pub static RULE: Rule = Rule {
    code: "PS601",
    name: "container-field-in-pod-context",
    category: Category::Correctness,
    severity: Severity::High,
    default_enabled: true,
    pss: None,
    mitigations: &[],
    enables: &[],
    en: Text {
        title: "Container-only field in the pod's securityContext",
        message: "{field} has no effect in the pod's securityContext: the API drops it",
        what: "Finds `privileged`, `allowPrivilegeEscalation`, `readOnlyRootFilesystem`, `capabilities` and `procMount` written in `spec.securityContext`.",
        why: "These fields exist only in a container's securityContext. In the pod's they are unknown fields: the API server drops them (or rejects the object under strict validation), so the protection the author wrote down does not exist.",
        fix: "Move the field into each container's `securityContext`.",
    },
    ko: Text {
        title: "파드 securityContext에 쓴 컨테이너 전용 필드",
        message: "{field}는 파드 securityContext에서는 효과가 없다: API가 버린다",
        what: "`spec.securityContext`에 쓴 `privileged`, `allowPrivilegeEscalation`, `readOnlyRootFilesystem`, `capabilities`, `procMount`를 찾는다.",
        why: "이 필드들은 컨테이너의 securityContext에만 있다. 파드 쪽에서는 알 수 없는 필드라 API 서버가 버리거나 (strict 검증에서는 오브젝트를 거부한다), 작성자가 적어 둔 보호는 실제로 존재하지 않는다.",
        fix: "필드를 각 컨테이너의 `securityContext`로 옮긴다.",
    },
    example: "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  securityContext:\n    readOnlyRootFilesystem: true\n  containers:\n    - name: web\n      image: example/web:1\n",
    use_instead: "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  containers:\n    - name: web\n      image: example/web:1\n      securityContext:\n        readOnlyRootFilesystem: true\n",
    references: &[
        "https://kubernetes.io/docs/reference/kubernetes-api/workload-resources/pod-v1/#security-context",
    ],
    check: Check::Workload(check),
};

const CONTAINER_ONLY: &[&str] = &[
    "privileged",
    "allowPrivilegeEscalation",
    "readOnlyRootFilesystem",
    "capabilities",
    "procMount",
];

fn check(ctx: &Ctx<'_, '_>, out: &mut Sink) {
    let Some(sc) = &ctx.pod.spec.security_context else {
        return;
    };
    for field in CONTAINER_ONLY {
        if let Some(k) = ctx.key_of(Some(sc.node), field) {
            out.report(&RULE, k)
                .arg("field", field)
                .value("(dropped)", Origin::Pod);
        }
    }
}
