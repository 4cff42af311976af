use crate::model::effective::Origin;
use crate::pss::Level;
use crate::rules::{Category, Check, Ctx, PssTag, Rule, Severity, Sink, Text};

pub static RULE: Rule = Rule {
    code: "PS303",
    name: "host-ipc",
    category: Category::PssBaseline,
    severity: Severity::High,
    default_enabled: true,
    pss: Some(PssTag {
        level: Level::Baseline,
        check: "hostNamespaces",
        since: 0,
    }),
    mitigations: &["no_host_ipc"],
    enables: &[],
    en: Text {
        title: "Host IPC namespace",
        message: "the pod sets hostIPC: true",
        what: "Finds pods with `hostIPC: true`.",
        why: "The pod shares the node's System V IPC and POSIX message queues and shared memory: it can read or tamper with shared memory of processes on the node.",
        fix: "Remove `hostIPC: true`.",
    },
    ko: Text {
        title: "호스트 IPC namespace",
        message: "파드에 hostIPC: true가 설정되어 있다",
        what: "`hostIPC: true`인 파드를 찾는다.",
        why: "파드가 노드의 System V IPC, POSIX 메시지 큐와 공유 메모리를 함께 쓴다. 노드 프로세스의 공유 메모리를 읽거나 바꿀 수 있다.",
        fix: "`hostIPC: true`를 지운다.",
    },
    example: "apiVersion: v1\nkind: Pod\nmetadata:\n  name: agent\nspec:\n  hostIPC: true\n  containers:\n    - name: agent\n      image: example/agent:1\n",
    use_instead: "apiVersion: v1\nkind: Pod\nmetadata:\n  name: agent\nspec:\n  containers:\n    - name: agent\n      image: example/agent:1\n",
    references: &["https://kubernetes.io/docs/concepts/security/pod-security-standards/#baseline"],
    check: Check::Workload(check),
    fix: None,
};

fn check(ctx: &Ctx<'_, '_>, out: &mut Sink) {
    if !ctx.pss_fails("hostNamespaces") {
        return;
    }
    if let Some(v) = ctx.pod.spec.host_ipc.filter(|v| v.v) {
        out.report(&RULE, v.node).value(true, Origin::Pod);
    }
}
