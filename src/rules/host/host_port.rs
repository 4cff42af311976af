use crate::model::effective::Origin;
use crate::pss::Level;
use crate::rules::{Category, Check, Ctx, PssTag, Rule, Severity, Sink, Text};

pub static RULE: Rule = Rule {
    code: "PS306",
    name: "host-port",
    category: Category::PssBaseline,
    severity: Severity::Medium,
    default_enabled: true,
    pss: Some(PssTag {
        level: Level::Baseline,
        check: "hostPorts",
        since: 0,
    }),
    mitigations: &[],
    enables: &[],
    en: Text {
        title: "hostPort",
        message: "container \"{container}\" binds port {port} on the node",
        what: "Finds container ports with a non-zero `hostPort`.",
        why: "A hostPort opens the port on the node's own addresses, bypassing Services and usually NetworkPolicies, and ties the pod to nodes where the port is free.",
        fix: "Remove `hostPort` and expose the port through a Service (NodePort or LoadBalancer if it must be reachable from outside).",
    },
    ko: Text {
        title: "hostPort",
        message: "컨테이너 \"{container}\"에서 노드의 포트를 연다: {port}",
        what: "`hostPort`가 0이 아닌 컨테이너 포트를 찾는다.",
        why: "hostPort는 노드 자신의 주소에 포트를 열어서 Service와 대개 NetworkPolicy도 우회하고, 파드를 그 포트가 비어 있는 노드에만 묶는다.",
        fix: "`hostPort`를 지우고 Service로 포트를 노출한다 (밖에서 닿아야 하면 NodePort나 LoadBalancer).",
    },
    example: "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  containers:\n    - name: web\n      image: example/web:1\n      ports:\n        - containerPort: 8080\n          hostPort: 80\n",
    use_instead: "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  containers:\n    - name: web\n      image: example/web:1\n      ports:\n        - containerPort: 8080\n",
    references: &["https://kubernetes.io/docs/concepts/security/pod-security-standards/#baseline"],
    check: Check::Workload(check),
    fix: None,
};

fn check(ctx: &Ctx<'_, '_>, out: &mut Sink) {
    if !ctx.pss_fails("hostPorts") {
        return;
    }
    for (c, _) in ctx.containers() {
        for p in &c.ports {
            if let Some(h) = p.host_port.filter(|h| h.v != 0) {
                out.report(&RULE, h.node)
                    .container(c)
                    .arg("port", h.v)
                    .value(h.v, Origin::Container);
            }
        }
    }
}
