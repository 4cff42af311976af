use crate::model::effective::Origin;
use crate::pss::Level;
use crate::rules::{Category, Check, Ctx, PssTag, Rule, Severity, Sink, Text};

pub static RULE: Rule = Rule {
    code: "PS113",
    name: "windows-host-process",
    category: Category::PssBaseline,
    severity: Severity::Critical,
    default_enabled: true,
    pss: Some(PssTag {
        level: Level::Baseline,
        check: "windowsHostProcess",
        since: 0,
    }),
    mitigations: &[],
    enables: &["windows_node"],
    en: Text {
        title: "Windows HostProcess container",
        message: "{subject} sets windowsOptions.hostProcess: true",
        what: "Finds `securityContext.windowsOptions.hostProcess: true` on the pod or a container.",
        why: "A Windows HostProcess container runs directly on the node, with the node's network and file system and as a node account: it is not isolated at all.",
        fix: "Remove `hostProcess: true`; run node-management tools only in namespaces with the privileged level.",
    },
    ko: Text {
        title: "Windows HostProcess 컨테이너",
        message: "{subject}에 windowsOptions.hostProcess: true가 설정되어 있다",
        what: "파드나 컨테이너의 `securityContext.windowsOptions.hostProcess: true`를 찾는다.",
        why: "Windows HostProcess 컨테이너는 노드 위에서 직접, 노드의 네트워크와 파일시스템으로, 노드 계정으로 실행된다. 격리가 전혀 없다.",
        fix: "`hostProcess: true`를 지운다. 노드 관리 도구는 privileged 레벨의 네임스페이스에서만 실행한다.",
    },
    example: "apiVersion: v1\nkind: Pod\nmetadata:\n  name: win\nspec:\n  securityContext:\n    windowsOptions:\n      hostProcess: true\n  containers:\n    - name: win\n      image: example/win:1\n",
    use_instead: "apiVersion: v1\nkind: Pod\nmetadata:\n  name: win\nspec:\n  containers:\n    - name: win\n      image: example/win:1\n",
    references: &[
        "https://kubernetes.io/docs/tasks/configure-pod-container/create-hostprocess-pod/",
    ],
    check: Check::Workload(check),
    fix: None,
};

fn check(ctx: &Ctx<'_, '_>, out: &mut Sink) {
    if !ctx.pss_fails("windowsHostProcess") {
        return;
    }
    let hp = |sc: Option<&crate::model::SecurityContext<'_>>| {
        sc.and_then(|s| s.windows_options.as_ref())
            .and_then(|w| w.host_process)
            .filter(|h| h.v)
    };
    if let Some(h) = hp(ctx.pod.spec.security_context.as_ref()) {
        out.report(&RULE, h.node).on_pod().value(true, Origin::Pod);
    }
    for (c, _) in ctx.containers() {
        if let Some(h) = hp(c.security_context.as_ref()) {
            out.report(&RULE, h.node)
                .on_container(c)
                .value(true, Origin::Container);
        }
    }
}
