use crate::model::effective::Origin;
use crate::pss::Level;
use crate::rules::{Category, Check, Ctx, PssTag, Rule, Severity, Sink, Text};

pub static RULE: Rule = Rule {
    code: "PS101",
    name: "privileged-container",
    category: Category::PssBaseline,
    severity: Severity::Critical,
    default_enabled: true,
    pss: Some(PssTag {
        level: Level::Baseline,
        check: "privileged",
        since: 0,
    }),
    mitigations: &["no_privileged"],
    enables: &["cap_sys_admin", "cap_net_admin", "cap_net_raw"],
    en: Text {
        title: "Privileged container",
        message: "container \"{container}\" runs privileged",
        what: "Finds containers with `securityContext.privileged: true`.",
        why: "A privileged container gets every capability, every host device, and no seccomp, AppArmor or SELinux confinement: root in it is root on the node. Most container escapes start from here.",
        fix: "Remove `privileged: true` (or set it to `false`) and add back only the capabilities the program needs.",
    },
    ko: Text {
        title: "특권(privileged) 컨테이너",
        message: "컨테이너 \"{container}\"에 privileged: true가 설정되어 있다",
        what: "`securityContext.privileged: true`인 컨테이너를 찾는다.",
        why: "privileged 컨테이너는 모든 capability와 호스트의 모든 디바이스를 갖고, seccomp·AppArmor·SELinux의 제한도 받지 않는다. 컨테이너 안의 root가 곧 노드의 root가 되므로 대부분의 컨테이너 탈출이 여기서 시작된다.",
        fix: "`privileged: true`를 지우거나 `false`로 바꾸고, 프로그램에 꼭 필요한 capability만 add로 추가한다.",
    },
    example: "apiVersion: v1\nkind: Pod\nmetadata:\n  name: agent\nspec:\n  containers:\n    - name: agent\n      image: example/agent:1\n      securityContext:\n        privileged: true\n",
    use_instead: "apiVersion: v1\nkind: Pod\nmetadata:\n  name: agent\nspec:\n  containers:\n    - name: agent\n      image: example/agent:1\n      securityContext:\n        privileged: false\n        capabilities:\n          drop: [ALL]\n          add: [NET_BIND_SERVICE]\n",
    references: &[
        "https://kubernetes.io/docs/concepts/security/pod-security-standards/#baseline",
        "https://kubernetes.io/docs/tasks/configure-pod-container/security-context/",
    ],
    check: Check::Workload(check),
    fix: None,
};

fn check(ctx: &Ctx<'_, '_>, out: &mut Sink) {
    if !ctx.pss_fails("privileged") {
        return;
    }
    for (c, eff) in ctx.containers() {
        if let Some(p) = eff.privileged.value.filter(|p| p.v) {
            out.report(&RULE, p.node)
                .container(c)
                .value(true, Origin::Container);
        }
    }
}
