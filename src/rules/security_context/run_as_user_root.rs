use crate::model::effective::Origin;
use crate::pss::Level;
use crate::rules::{Category, Check, Ctx, PssTag, Rule, Severity, Sink, Text};

pub static RULE: Rule = Rule {
    code: "PS104",
    name: "run-as-user-root",
    category: Category::PssRestricted,
    severity: Severity::High,
    default_enabled: true,
    pss: Some(PssTag {
        level: Level::Restricted,
        check: "runAsUser",
        since: 23,
    }),
    mitigations: &["run_as_non_root"],
    enables: &["root_in_container"],
    en: Text {
        title: "runAsUser: 0",
        message: "{subject} sets runAsUser: 0 (root)",
        what: "Finds `runAsUser: 0` in the pod's or a container's securityContext.",
        why: "`runAsUser: 0` explicitly runs the process as root, whatever the image's `USER` says. Root in the container is UID 0 on the host kernel.",
        fix: "Set `runAsUser` to a non-zero UID the image can run as (10000 or above avoids host users), and add `runAsNonRoot: true`.",
    },
    ko: Text {
        title: "runAsUser: 0",
        message: "{subject}에 runAsUser: 0(root)이 설정되어 있다",
        what: "파드나 컨테이너 securityContext의 `runAsUser: 0`을 찾는다.",
        why: "`runAsUser: 0`은 이미지의 `USER`와 상관없이 프로세스를 root로 실행한다. 컨테이너 안의 root는 호스트 커널에서도 UID 0이다.",
        fix: "`runAsUser`를 이미지가 실행될 수 있는 0이 아닌 UID로 바꾸고 (호스트 유저와 겹치지 않게 10000 이상), `runAsNonRoot: true`를 함께 넣는다.",
    },
    example: "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  securityContext:\n    runAsUser: 0\n  containers:\n    - name: web\n      image: example/web:1\n",
    use_instead: "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  securityContext:\n    runAsUser: 10001\n    runAsNonRoot: true\n  containers:\n    - name: web\n      image: example/web:1\n",
    references: &[
        "https://kubernetes.io/docs/concepts/security/pod-security-standards/#restricted",
    ],
    check: Check::Workload(check),
    fix: None,
};

fn check(ctx: &Ctx<'_, '_>, out: &mut Sink) {
    if !ctx.pss_fails("runAsUser") {
        return;
    }
    if let Some(u) = ctx
        .pod
        .spec
        .security_context
        .as_ref()
        .and_then(|s| s.run_as_user)
        .filter(|u| u.v == 0)
    {
        out.report(&RULE, u.node)
            .on_pod()
            .value(0, ctx.pod_value_origin(|s| s.run_as_user.is_some()));
    }
    for (c, _) in ctx.containers() {
        if let Some(u) = c
            .security_context
            .as_ref()
            .and_then(|s| s.run_as_user)
            .filter(|u| u.v == 0)
        {
            out.report(&RULE, u.node)
                .on_container(c)
                .value(0, Origin::Container);
        }
    }
}
