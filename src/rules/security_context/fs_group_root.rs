use crate::model::effective::Origin;
use crate::rules::{Category, Check, Ctx, Rule, Severity, Sink, Text};

pub static RULE: Rule = Rule {
    code: "PS106",
    name: "fs-group-root",
    category: Category::Hardening,
    severity: Severity::Low,
    default_enabled: true,
    pss: None,
    mitigations: &[],
    enables: &[],
    en: Text {
        title: "fsGroup: 0",
        message: "the pod sets fsGroup: 0 (the root group)",
        what: "Finds `fsGroup: 0` in the pod's securityContext.",
        why: "`fsGroup` is added to every container's groups and the kubelet makes volumes group-owned by it. With 0, every container joins the root group and volume files become root-group files.",
        fix: "Set `fsGroup` to a non-zero GID (10000 or above), usually the same as `runAsGroup`.",
    },
    ko: Text {
        title: "fsGroup: 0",
        message: "파드에 fsGroup: 0(root 그룹)이 설정되어 있다",
        what: "파드 securityContext의 `fsGroup: 0`을 찾는다.",
        why: "`fsGroup`은 모든 컨테이너의 그룹에 추가되고, kubelet은 볼륨의 그룹 소유자를 이 값으로 바꾼다. 0이면 모든 컨테이너가 root 그룹에 들어가고 볼륨 파일도 root 그룹 소유가 된다.",
        fix: "`fsGroup`을 0이 아닌 GID(10000 이상)로 바꾼다. 보통 `runAsGroup`과 같은 값을 쓴다.",
    },
    example: "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  securityContext:\n    fsGroup: 0\n  containers:\n    - name: web\n      image: example/web:1\n",
    use_instead: "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  securityContext:\n    fsGroup: 10001\n  containers:\n    - name: web\n      image: example/web:1\n",
    references: &["https://kubernetes.io/docs/tasks/configure-pod-container/security-context/"],
    check: Check::Workload(check),
    fix: None,
};

fn check(ctx: &Ctx<'_, '_>, out: &mut Sink) {
    if let Some(g) = ctx
        .pod
        .spec
        .security_context
        .as_ref()
        .and_then(|s| s.fs_group)
        .filter(|g| g.v == 0)
    {
        out.report(&RULE, g.node).value(0, Origin::Pod);
    }
}
