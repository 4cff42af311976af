use crate::fix::editor::{NoFix, V};
use crate::fix::{Applicability, Edit};
use crate::model::effective::Origin;
use crate::rules::FixDoc;
use crate::rules::{Category, Check, Ctx, Rule, Severity, Sink, Text};

pub static RULE: Rule = Rule {
    code: "PS602",
    name: "pod-field-in-container-context",
    category: Category::Correctness,
    severity: Severity::Medium,
    default_enabled: true,
    pss: None,
    mitigations: &[],
    enables: &[],
    en: Text {
        title: "Pod-only field in a container's securityContext",
        message: "{field} has no effect in container \"{container}\"'s securityContext: the API drops it",
        what: "Finds `fsGroup`, `fsGroupChangePolicy`, `supplementalGroups`, `supplementalGroupsPolicy`, `sysctls` and `seLinuxChangePolicy` written in a container's securityContext.",
        why: "These fields exist only in the pod's securityContext. In a container's they are unknown fields that the API server drops (or rejects under strict validation): the setting never applies.",
        fix: "Move the field to `spec.securityContext`.",
    },
    ko: Text {
        title: "컨테이너 securityContext에 쓴 파드 전용 필드",
        message: "컨테이너 \"{container}\"의 securityContext에 쓴 {field} 필드는 효과가 없다: API가 버린다",
        what: "컨테이너 securityContext에 쓴 `fsGroup`, `fsGroupChangePolicy`, `supplementalGroups`, `supplementalGroupsPolicy`, `sysctls`, `seLinuxChangePolicy`를 찾는다.",
        why: "이 필드들은 파드의 securityContext에만 있다. 컨테이너 쪽에서는 알 수 없는 필드라 API 서버가 버리거나 (strict 검증에서는 거부한다), 설정이 적용되지 않는다.",
        fix: "필드를 `spec.securityContext`로 옮긴다.",
    },
    example: "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  containers:\n    - name: web\n      image: example/web:1\n      securityContext:\n        fsGroup: 10001\n",
    use_instead: "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  securityContext:\n    fsGroup: 10001\n  containers:\n    - name: web\n      image: example/web:1\n",
    references: &[
        "https://kubernetes.io/docs/reference/kubernetes-api/workload-resources/pod-v1/#security-context-1",
    ],
    check: Check::Workload(check),
    fix: Some(FixDoc {
        applicability: Applicability::Unsafe,
        en: "Moves the field to the pod's securityContext (when the pod does not set it). Unsafe: the setting starts to apply, to every container.",
        ko: "파드가 설정하지 않았다면 필드를 파드 securityContext로 옮긴다. 설정이 모든 컨테이너에 적용되기 시작하므로 unsafe다.",
    }),
};

const POD_ONLY: &[&str] = &[
    "fsGroup",
    "fsGroupChangePolicy",
    "supplementalGroups",
    "supplementalGroupsPolicy",
    "sysctls",
    "seLinuxChangePolicy",
];

/// Moves the field to the pod, unless the pod sets it already.
fn move_up(
    ctx: &Ctx<'_, '_>,
    sc: crate::source::tree::NodeId,
    field: &str,
) -> Result<Vec<Edit>, NoFix> {
    let pod_has = ctx
        .pod
        .spec
        .security_context
        .as_ref()
        .and_then(|s| ctx.raw(Some(s.node), field))
        .is_some();
    if pod_has {
        return Err(NoFix("the pod sets a different value: choose one"));
    }
    let value = ctx
        .raw(Some(sc), field)
        .and_then(|v| V::from_node(ctx.doc, v, 0))
        .ok_or(NoFix("the value cannot be copied"))?;
    let mut edits = vec![ctx.edit.remove(sc, field)?];
    edits.extend(ctx.set_pod(vec![(field.to_string(), value)])?);
    Ok(edits)
}

fn check(ctx: &Ctx<'_, '_>, out: &mut Sink) {
    for (c, _) in ctx.containers() {
        let Some(sc) = &c.security_context else {
            continue;
        };
        for field in POD_ONLY {
            if let Some(k) = ctx.key_of(Some(sc.node), field) {
                out.report(&RULE, k)
                    .container(c)
                    .arg("field", field)
                    .value("(dropped)", Origin::Container)
                    .fix(
                        Applicability::Unsafe,
                        format!("move {field} to the pod's securityContext"),
                        move_up(ctx, sc.node, field),
                    );
            }
        }
    }
}
