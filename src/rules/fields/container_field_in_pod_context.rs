use crate::fix::editor::{NoFix, V};
use crate::fix::{Applicability, Edit};
use crate::model::effective::Origin;
use crate::rules::FixDoc;
use crate::rules::{Category, Check, Ctx, Rule, Severity, Sink, Text};
use crate::source::tree::NodeId;

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
        message: "파드 securityContext에 쓴 {field} 필드는 효과가 없다: API가 버린다",
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
    fix: Some(FixDoc {
        applicability: Applicability::Unsafe,
        en: "Moves the field into each container's securityContext (containers that set it keep their value). Unsafe: the protection starts to apply.",
        ko: "필드를 각 컨테이너의 securityContext로 옮긴다 (이미 설정한 컨테이너는 그 값을 유지한다). 보호가 실제로 적용되기 시작하므로 unsafe다.",
    }),
};

const CONTAINER_ONLY: &[&str] = &[
    "privileged",
    "allowPrivilegeEscalation",
    "readOnlyRootFilesystem",
    "capabilities",
    "procMount",
];

/// Moves the field into every container that does not set it already.
fn move_down(ctx: &Ctx<'_, '_>, sc: NodeId, field: &str) -> Result<Vec<Edit>, NoFix> {
    let value = ctx
        .raw(Some(sc), field)
        .and_then(|v| V::from_node(ctx.doc, v, 0))
        .ok_or(NoFix("the value cannot be copied"))?;
    let mut edits = vec![ctx.edit.remove(sc, field)?];
    for (c, _) in ctx.containers() {
        let has = c
            .security_context
            .as_ref()
            .and_then(|s| ctx.raw(Some(s.node), field))
            .is_some();
        if !has {
            edits.extend(ctx.set_container(c, field, value.clone())?);
        }
    }
    Ok(edits)
}

fn check(ctx: &Ctx<'_, '_>, out: &mut Sink) {
    let Some(sc) = &ctx.pod.spec.security_context else {
        return;
    };
    for field in CONTAINER_ONLY {
        if let Some(k) = ctx.key_of(Some(sc.node), field) {
            out.report(&RULE, k)
                .arg("field", field)
                .value("(dropped)", Origin::Pod)
                .fix(
                    Applicability::Unsafe,
                    format!("move {field} into each container's securityContext"),
                    move_down(ctx, sc.node, field),
                );
        }
    }
}
