use crate::model::effective::Origin;
use crate::rules::{Category, Check, Ctx, Rule, Severity, Sink, Text};

pub static RULE: Rule = Rule {
    code: "PS110",
    name: "low-uid",
    category: Category::Hardening,
    severity: Severity::Info,
    default_enabled: false,
    pss: None,
    mitigations: &[],
    enables: &[],
    en: Text {
        title: "UID or GID below 10000",
        message: "{field}: {id} is below 10000 and may be a user or group on the host",
        what: "Opt-in. Finds non-zero `runAsUser`, `runAsGroup`, `fsGroup` and `supplementalGroups` values below 10000.",
        why: "Without user namespaces, container UIDs are host UIDs. Low IDs are where distributions put system and login users (1000 is usually the first person on the machine); a container that escapes as UID 1000 acts as that user on the node.",
        fix: "Use IDs of 10000 or above that no host user has (for example 10001).",
    },
    ko: Text {
        title: "10000 미만의 UID/GID",
        message: "{field} 값이 10000 미만이라 호스트의 유저나 그룹과 겹칠 수 있다: {id}",
        what: "선택 규칙이다. 0이 아닌 `runAsUser`, `runAsGroup`, `fsGroup`, `supplementalGroups` 값 중 10000 미만을 찾는다.",
        why: "user namespace가 없으면 컨테이너의 UID가 곧 호스트의 UID다. 낮은 번호는 배포판이 시스템 유저와 로그인 유저에게 주는 범위라서 (보통 1000이 그 머신의 첫 사용자다), UID 1000으로 탈출한 컨테이너는 노드에서 그 유저로 행동한다.",
        fix: "호스트 유저가 쓰지 않는 10000 이상의 ID를 쓴다 (예: 10001).",
    },
    example: "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  securityContext:\n    runAsNonRoot: true\n    runAsUser: 1000\n  containers:\n    - name: web\n      image: example/web:1\n",
    use_instead: "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  securityContext:\n    runAsNonRoot: true\n    runAsUser: 10001\n  containers:\n    - name: web\n      image: example/web:1\n",
    references: &[
        "https://kubernetes.io/docs/concepts/security/linux-kernel-security-constraints/",
    ],
    check: Check::Workload(check),
    fix: None,
};

fn check(ctx: &Ctx<'_, '_>, out: &mut Sink) {
    let low = |v: i64| v > 0 && v < 10000;
    let mut report = |field: &str,
                      v: crate::model::Val<i64>,
                      origin: Origin,
                      c: Option<&crate::model::Container<'_>>| {
        let f = out.report(&RULE, v.node);
        f.arg("field", field).arg("id", v.v).value(v.v, origin);
        if let Some(c) = c {
            f.container(c);
        }
    };
    if let Some(sc) = &ctx.pod.spec.security_context {
        for (field, v) in [
            ("runAsUser", sc.run_as_user),
            ("runAsGroup", sc.run_as_group),
            ("fsGroup", sc.fs_group),
        ] {
            if let Some(v) = v.filter(|v| low(v.v)) {
                report(field, v, Origin::Pod, None);
            }
        }
        for g in sc.supplemental_groups.iter().filter(|g| low(g.v)) {
            report("supplementalGroups", *g, Origin::Pod, None);
        }
    }
    for (c, _) in ctx.containers() {
        if let Some(sc) = &c.security_context {
            for (field, v) in [
                ("runAsUser", sc.run_as_user),
                ("runAsGroup", sc.run_as_group),
            ] {
                if let Some(v) = v.filter(|v| low(v.v)) {
                    report(field, v, Origin::Container, Some(c));
                }
            }
        }
    }
}
