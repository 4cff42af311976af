use crate::model::effective::Origin;
use crate::pss::Level;
use crate::rules::{Category, Check, Ctx, PssTag, Rule, Severity, Sink, Text};

pub static RULE: Rule = Rule {
    code: "PS307",
    name: "probe-host",
    category: Category::PssBaseline,
    severity: Severity::Medium,
    default_enabled: true,
    pss: Some(PssTag {
        level: Level::Baseline,
        check: "hostProbesAndHostLifecycle",
        since: 34,
    }),
    mitigations: &[],
    enables: &[],
    en: Text {
        title: "Probe or lifecycle handler with a host",
        message: "container \"{container}\" {field} sends requests to host {host}",
        what: "Finds `httpGet.host` or `tcpSocket.host` in liveness, readiness and startup probes and in postStart/preStop handlers.",
        why: "The kubelet performs these requests from the node. A `host` other than the pod's own IP turns the kubelet into a proxy towards any address the node can reach, including node-local services and cloud metadata endpoints.",
        fix: "Remove `host`: the kubelet then targets the pod's IP. Use an `exec` handler if a different address is really needed.",
    },
    ko: Text {
        title: "host를 지정한 probe나 lifecycle 핸들러",
        message: "컨테이너 \"{container}\"의 핸들러가 지정한 host로 요청을 보낸다 ({field}, host {host})",
        what: "liveness, readiness, startup probe와 postStart/preStop 핸들러의 `httpGet.host`, `tcpSocket.host`를 찾는다.",
        why: "kubelet은 이 요청을 노드에서 보낸다. 파드 자신의 IP가 아닌 `host`를 쓰면 kubelet이 노드가 닿을 수 있는 모든 주소, 노드 로컬 서비스와 클라우드 메타데이터 엔드포인트까지 가는 프록시가 된다.",
        fix: "`host`를 지운다. 그러면 kubelet은 파드 IP로 요청한다. 정말 다른 주소가 필요하면 `exec` 핸들러를 쓴다.",
    },
    example: "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  containers:\n    - name: web\n      image: example/web:1\n      livenessProbe:\n        httpGet:\n          host: 169.254.169.254\n          path: /\n          port: 80\n",
    use_instead: "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  containers:\n    - name: web\n      image: example/web:1\n      livenessProbe:\n        httpGet:\n          path: /healthz\n          port: 8080\n",
    references: &["https://kubernetes.io/docs/concepts/security/pod-security-standards/#baseline"],
    check: Check::Workload(check),
    fix: None,
};

fn check(ctx: &Ctx<'_, '_>, out: &mut Sink) {
    if !ctx.pss_fails("hostProbesAndHostLifecycle") {
        return;
    }
    for (c, _) in ctx.containers() {
        for h in &c.handlers {
            for (kind, host) in [
                ("httpGet", h.http_get_host),
                ("tcpSocket", h.tcp_socket_host),
            ] {
                if let Some(host) = host.filter(|x| !x.v.is_empty()) {
                    out.report(&RULE, host.node)
                        .container(c)
                        .arg("field", format!("{}.{kind}", h.field))
                        .arg("host", host.v)
                        .value(host.v, Origin::Container);
                }
            }
        }
    }
}
