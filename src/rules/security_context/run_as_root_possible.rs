use crate::pss::Level;
use crate::rules::{Category, Check, Ctx, PssTag, Rule, Severity, Sink, Text};

pub static RULE: Rule = Rule {
    code: "PS103",
    name: "run-as-root-possible",
    category: Category::PssRestricted,
    severity: Severity::High,
    default_enabled: true,
    pss: Some(PssTag {
        level: Level::Restricted,
        check: "runAsNonRoot",
        since: 0,
    }),
    mitigations: &["run_as_non_root"],
    enables: &[],
    en: Text {
        title: "Container may run as root",
        message: "{subject} is not required to run as non-root",
        what: "Finds containers whose effective `runAsNonRoot` (the container's, else the pod's) is not `true`.",
        why: "Containers run as the image's `USER`, and that is root unless the Dockerfile says otherwise. Root in a container is the same UID 0 as on the host: a kernel or runtime bug, a writable hostPath or a mounted secret is then one step from the node. `runAsNonRoot: true` makes the kubelet refuse to start the container as UID 0.",
        fix: "Set `runAsNonRoot: true` in the pod's securityContext, and make sure the image has a numeric non-root `USER` (or set `runAsUser`).",
    },
    ko: Text {
        title: "root로 실행될 수 있는 컨테이너",
        message: "{subject}에 non-root 실행이 강제되지 않는다",
        what: "실제로 적용되는 `runAsNonRoot`(컨테이너 값, 없으면 파드 값)가 `true`가 아닌 컨테이너를 찾는다.",
        why: "컨테이너는 이미지의 `USER`로 실행되고, Dockerfile에서 바꾸지 않았다면 그 유저는 root다. 컨테이너 안의 root는 호스트의 UID 0과 다르지 않아서, 커널이나 런타임 버그, 쓰기 가능한 hostPath, 마운트된 시크릿이 있으면 바로 노드까지 닿는다. `runAsNonRoot: true`를 쓰면 kubelet이 UID 0인 컨테이너를 시작하지 않는다.",
        fix: "파드 securityContext에 `runAsNonRoot: true`를 넣고, 이미지에 숫자로 된 non-root `USER`가 있는지 확인한다 (없으면 `runAsUser`를 지정한다).",
    },
    example: "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  containers:\n    - name: web\n      image: example/web:1\n",
    use_instead: "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  securityContext:\n    runAsNonRoot: true\n  containers:\n    - name: web\n      image: example/web:1\n",
    references: &[
        "https://kubernetes.io/docs/concepts/security/pod-security-standards/#restricted",
        "https://kubernetes.io/docs/tasks/configure-pod-container/security-context/",
    ],
    check: Check::Workload(check),
};

fn check(ctx: &Ctx<'_, '_>, out: &mut Sink) {
    if !ctx.pss_fails("runAsNonRoot") {
        return;
    }
    let pod_false = ctx
        .pod
        .spec
        .security_context
        .as_ref()
        .and_then(|s| s.run_as_non_root)
        .filter(|v| !v.v);
    for (c, eff) in ctx.containers() {
        match eff.run_as_non_root.value {
            Some(v) if v.v => {}
            Some(v) => {
                out.report(&RULE, v.node)
                    .on_container(c)
                    .value(false, eff.run_as_non_root.origin);
            }
            None => {
                out.report(&RULE, ctx.container_anchor(c))
                    .on_container(c)
                    .unset();
            }
        }
    }
    // An explicit pod-level false fails even when every container overrides it.
    if let Some(v) = pod_false
        && out
            .findings
            .iter()
            .all(|f| f.at != crate::rules::At::Node(v.node))
    {
        out.report(&RULE, v.node)
            .on_pod()
            .value(false, crate::model::effective::Origin::Pod);
    }
}
