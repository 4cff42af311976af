use crate::model::effective::Origin;
use crate::pss::Level;
use crate::rules::{Category, Check, Ctx, PssTag, Rule, Severity, Sink, Text};

pub static RULE: Rule = Rule {
    code: "PS301",
    name: "host-network",
    category: Category::PssBaseline,
    severity: Severity::High,
    default_enabled: true,
    pss: Some(PssTag {
        level: Level::Baseline,
        check: "hostNamespaces",
        since: 0,
    }),
    mitigations: &["no_host_network"],
    enables: &["host_network"],
    en: Text {
        title: "Host network",
        message: "the pod sets hostNetwork: true",
        what: "Finds pods with `hostNetwork: true`.",
        why: "The pod shares the node's network namespace: it sees every interface, can bind any port on the node, and reaches services listening on the node's localhost (kubelet, container runtime, cloud metadata proxies). NetworkPolicies no longer apply to it.",
        fix: "Remove `hostNetwork: true`.",
    },
    ko: Text {
        title: "호스트 네트워크",
        message: "파드에 hostNetwork: true가 설정되어 있다",
        what: "`hostNetwork: true`인 파드를 찾는다.",
        why: "파드가 노드의 네트워크 namespace를 함께 쓴다. 모든 인터페이스를 보고, 노드의 어떤 포트에도 바인드할 수 있고, 노드의 localhost에서 듣는 서비스(kubelet, 컨테이너 런타임, 클라우드 메타데이터 프록시)에 닿는다. NetworkPolicy도 더 이상 적용되지 않는다.",
        fix: "`hostNetwork: true`를 지운다.",
    },
    example: "apiVersion: v1\nkind: Pod\nmetadata:\n  name: agent\nspec:\n  hostNetwork: true\n  containers:\n    - name: agent\n      image: example/agent:1\n",
    use_instead: "apiVersion: v1\nkind: Pod\nmetadata:\n  name: agent\nspec:\n  containers:\n    - name: agent\n      image: example/agent:1\n",
    references: &["https://kubernetes.io/docs/concepts/security/pod-security-standards/#baseline"],
    check: Check::Workload(check),
    fix: None,
};

fn check(ctx: &Ctx<'_, '_>, out: &mut Sink) {
    if !ctx.pss_fails("hostNamespaces") {
        return;
    }
    if let Some(v) = ctx.pod.spec.host_network.filter(|v| v.v) {
        out.report(&RULE, v.node).value(true, Origin::Pod);
    }
}
