use crate::model::effective::Origin;
use crate::pss::Level;
use crate::rules::{Category, Check, Ctx, PssTag, Rule, Severity, Sink, Text};

pub static RULE: Rule = Rule {
    code: "PS201",
    name: "capabilities-not-dropped",
    category: Category::PssRestricted,
    severity: Severity::Medium,
    default_enabled: true,
    pss: Some(PssTag {
        level: Level::Restricted,
        check: "capabilities_restricted",
        since: 22,
    }),
    mitigations: &[
        "drop_all_capabilities",
        "drop_cap_net_raw",
        "drop_cap_dac_override",
    ],
    enables: &["cap_net_raw", "cap_dac_override"],
    en: Text {
        title: "Capabilities not dropped",
        message: "container \"{container}\" does not drop ALL capabilities",
        what: "Finds containers whose `capabilities.drop` does not contain `ALL` (exactly, in upper case).",
        why: "Containers start with the runtime's default capability set, which includes `NET_RAW` (forge packets, used by several network and kernel exploits), `DAC_OVERRIDE`, `SETUID`, `SETGID`, `CHOWN` and more. Few programs need any of them. Drop everything and add back what is needed.",
        fix: "Set `capabilities: {drop: [ALL]}` and add back only what the program needs (for example `NET_BIND_SERVICE` to listen below port 1024).",
    },
    ko: Text {
        title: "capability를 drop하지 않음",
        message: "컨테이너 \"{container}\"가 capability를 ALL로 drop하지 않는다",
        what: "`capabilities.drop`에 대문자 `ALL`이 정확히 들어 있지 않은 컨테이너를 찾는다.",
        why: "컨테이너는 런타임의 기본 capability를 갖고 시작한다. 여기에는 `NET_RAW`(패킷 위조, 여러 네트워크·커널 익스플로잇이 사용), `DAC_OVERRIDE`, `SETUID`, `SETGID`, `CHOWN` 등이 들어 있지만 대부분의 프로그램은 하나도 필요 없다. 일단 모두 drop하고 필요한 것만 add하는 것이 안전하다.",
        fix: "`capabilities: {drop: [ALL]}`로 설정하고 프로그램에 필요한 것만 다시 추가한다 (예: 1024 미만 포트를 열려면 `NET_BIND_SERVICE`).",
    },
    example: "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  containers:\n    - name: web\n      image: example/web:1\n      securityContext:\n        capabilities:\n          drop: [NET_RAW]\n",
    use_instead: "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  containers:\n    - name: web\n      image: example/web:1\n      securityContext:\n        capabilities:\n          drop: [ALL]\n",
    references: &[
        "https://kubernetes.io/docs/concepts/security/pod-security-standards/#restricted",
        "https://man7.org/linux/man-pages/man7/capabilities.7.html",
    ],
    check: Check::Workload(check),
};

fn check(ctx: &Ctx<'_, '_>, out: &mut Sink) {
    if !ctx.pss_fails("capabilities_restricted") {
        return;
    }
    for (c, eff) in ctx.containers() {
        match eff.capabilities.value {
            Some(k) if k.drop.iter().any(|d| d.v == "ALL") => {}
            Some(k) => {
                let drop: Vec<&str> = k.drop.iter().map(|d| d.v).collect();
                let node = ctx.key_of(Some(k.node), "drop").unwrap_or(k.node);
                out.report(&RULE, node)
                    .container(c)
                    .value(format!("[{}]", drop.join(", ")), Origin::Container);
            }
            None => {
                out.report(&RULE, ctx.container_anchor(c))
                    .container(c)
                    .unset();
            }
        }
    }
}
