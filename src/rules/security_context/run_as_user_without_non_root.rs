use crate::fix::Applicability;
use crate::fix::editor::V;
use crate::model::effective::Origin;
use crate::rules::FixDoc;
use crate::rules::{Category, Check, Ctx, Rule, Severity, Sink, Text};

pub static RULE: Rule = Rule {
    code: "PS109",
    name: "run-as-user-without-non-root",
    category: Category::Hardening,
    severity: Severity::Low,
    default_enabled: true,
    pss: None,
    mitigations: &["run_as_non_root"],
    enables: &[],
    en: Text {
        title: "runAsUser without runAsNonRoot",
        message: "container \"{container}\" runs as UID {uid} but does not require non-root",
        what: "Finds containers that get a non-zero `runAsUser` while their effective `runAsNonRoot` is not `true`.",
        why: "Today the container runs as UID {uid}, but nothing enforces it: if `runAsUser` is removed or overridden later, the container silently falls back to the image's user, which may be root. `runAsNonRoot: true` keeps the guarantee.",
        fix: "Add `runAsNonRoot: true` next to `runAsUser` (in the pod's securityContext to cover every container).",
    },
    ko: Text {
        title: "runAsNonRoot 없이 runAsUser만 설정",
        message: "컨테이너 \"{container}\"의 UID는 0이 아니지만 ({uid}) non-root가 강제되지 않는다",
        what: "0이 아닌 `runAsUser`를 받으면서 `runAsNonRoot`가 `true`가 아닌 컨테이너를 찾는다.",
        why: "지금은 UID {uid}로 실행되지만 이를 강제하는 것이 없다. 나중에 `runAsUser` 설정을 지우거나 덮어쓰면 컨테이너는 아무 경고 없이 이미지의 유저, 즉 root일 수도 있는 유저로 돌아간다. `runAsNonRoot: true`가 있어야 보장이 유지된다.",
        fix: "`runAsUser` 옆에 `runAsNonRoot: true`를 넣는다 (파드 securityContext에 넣으면 모든 컨테이너에 적용된다).",
    },
    example: "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  securityContext:\n    runAsUser: 10001\n  containers:\n    - name: web\n      image: example/web:1\n",
    use_instead: "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  securityContext:\n    runAsUser: 10001\n    runAsNonRoot: true\n  containers:\n    - name: web\n      image: example/web:1\n",
    references: &["https://kubernetes.io/docs/tasks/configure-pod-container/security-context/"],
    check: Check::Workload(check),
    fix: Some(FixDoc {
        applicability: Applicability::Safe,
        en: "Adds `runAsNonRoot: true` next to `runAsUser`. Safe: the container already runs as that non-zero UID, which the kubelet's check accepts.",
        ko: "`runAsUser` 옆에 `runAsNonRoot: true`를 넣는다. 컨테이너는 이미 0이 아닌 그 UID로 실행되고 kubelet 검사도 이를 통과하므로 safe다.",
    }),
};

fn check(ctx: &Ctx<'_, '_>, out: &mut Sink) {
    for (c, eff) in ctx.containers() {
        let non_root = eff.run_as_non_root.value.is_some_and(|v| v.v);
        if let Some(u) = eff
            .run_as_user
            .value
            .filter(|u| crate::model::non_root_id(u.v) && !non_root)
        {
            let edits = match (eff.run_as_non_root.value, eff.run_as_user.origin) {
                (Some(v), _) => ctx.replace(v.node, V::Bool(true)),
                (None, Origin::Inherited) => {
                    ctx.set_pod(vec![("runAsNonRoot".into(), V::Bool(true))])
                }
                (None, _) => ctx.set_container(c, "runAsNonRoot", V::Bool(true)),
            };
            out.report(&RULE, u.node)
                .container(c)
                .arg("uid", u.v)
                .value(u.v, eff.run_as_user.origin)
                .fix(
                    Applicability::Safe,
                    "add runAsNonRoot: true next to runAsUser",
                    edits,
                );
        }
    }
}
