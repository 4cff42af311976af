use crate::model::effective::Origin;
use crate::rules::{Category, Check, Ctx, Rule, Severity, Sink, Text};

pub static RULE: Rule = Rule {
    code: "PS105",
    name: "run-as-group-root",
    category: Category::Hardening,
    severity: Severity::Medium,
    default_enabled: true,
    pss: None,
    mitigations: &[],
    enables: &[],
    en: Text {
        title: "runAsGroup: 0",
        message: "{subject} sets runAsGroup: 0 (the root group)",
        what: "Finds `runAsGroup: 0` in the pod's or a container's securityContext.",
        why: "GID 0 owns many files on the node and in images (`/etc`, sockets, devices created for root). A process in the root group can read or write whatever is group-accessible to root, even when its UID is not 0.",
        fix: "Set `runAsGroup` to a non-zero GID (10000 or above).",
    },
    ko: Text {
        title: "runAsGroup: 0",
        message: "{subject}에 runAsGroup: 0(root 그룹)이 설정되어 있다",
        what: "파드나 컨테이너 securityContext의 `runAsGroup: 0`을 찾는다.",
        why: "노드와 이미지의 많은 파일(`/etc`, 소켓, root용 디바이스)은 GID 0 소유다. root 그룹의 프로세스는 UID가 0이 아니어도 root 그룹 권한으로 열린 파일을 읽고 쓸 수 있다.",
        fix: "`runAsGroup`을 0이 아닌 GID(10000 이상)로 바꾼다.",
    },
    example: "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  securityContext:\n    runAsUser: 10001\n    runAsGroup: 0\n  containers:\n    - name: web\n      image: example/web:1\n",
    use_instead: "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  securityContext:\n    runAsUser: 10001\n    runAsGroup: 10001\n  containers:\n    - name: web\n      image: example/web:1\n",
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
        .and_then(|s| s.run_as_group)
        .filter(|g| g.v == 0)
    {
        out.report(&RULE, g.node)
            .on_pod()
            .value(0, ctx.pod_value_origin(|s| s.run_as_group.is_some()));
    }
    for (c, _) in ctx.containers() {
        if let Some(g) = c
            .security_context
            .as_ref()
            .and_then(|s| s.run_as_group)
            .filter(|g| g.v == 0)
        {
            out.report(&RULE, g.node)
                .on_container(c)
                .value(0, Origin::Container);
        }
    }
}
