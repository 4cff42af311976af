use crate::model::effective::Origin;
use crate::pss::Level;
use crate::rules::{Category, Check, Ctx, PssTag, Rule, Severity, Sink, Text};

pub static RULE: Rule = Rule {
    code: "PS302",
    name: "host-pid",
    category: Category::PssBaseline,
    severity: Severity::High,
    default_enabled: true,
    pss: Some(PssTag {
        level: Level::Baseline,
        check: "hostNamespaces",
        since: 0,
    }),
    mitigations: &["no_host_pid"],
    enables: &[],
    en: Text {
        title: "Host PID namespace",
        message: "the pod sets hostPID: true",
        what: "Finds pods with `hostPID: true`.",
        why: "The pod sees every process on the node, can read their environment and command lines (often holding secrets) and, with enough privilege, signal or ptrace them.",
        fix: "Remove `hostPID: true`.",
    },
    ko: Text {
        title: "호스트 PID namespace",
        message: "파드에 hostPID: true가 설정되어 있다",
        what: "`hostPID: true`인 파드를 찾는다.",
        why: "파드가 노드의 모든 프로세스를 본다. 프로세스의 환경 변수와 명령행(종종 시크릿이 들어 있다)을 읽을 수 있고, 권한이 충분하면 시그널을 보내거나 ptrace할 수 있다.",
        fix: "`hostPID: true`를 지운다.",
    },
    example: "apiVersion: v1\nkind: Pod\nmetadata:\n  name: agent\nspec:\n  hostPID: true\n  containers:\n    - name: agent\n      image: example/agent:1\n",
    use_instead: "apiVersion: v1\nkind: Pod\nmetadata:\n  name: agent\nspec:\n  containers:\n    - name: agent\n      image: example/agent:1\n",
    references: &["https://kubernetes.io/docs/concepts/security/pod-security-standards/#baseline"],
    check: Check::Workload(check),
    fix: None,
};

fn check(ctx: &Ctx<'_, '_>, out: &mut Sink) {
    if !ctx.pss_fails("hostNamespaces") {
        return;
    }
    if let Some(v) = ctx.pod.spec.host_pid.filter(|v| v.v) {
        out.report(&RULE, v.node).value(true, Origin::Pod);
    }
}
