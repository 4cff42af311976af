use crate::model::effective::Origin;
use crate::model::{MAX_ID, Val};
use crate::rules::{Category, Check, Ctx, Rule, Severity, Sink, Text};

pub static RULE: Rule = Rule {
    code: "PS605",
    name: "id-out-of-range",
    category: Category::Correctness,
    severity: Severity::Medium,
    default_enabled: true,
    pss: None,
    mitigations: &[],
    enables: &[],
    en: Text {
        title: "User or group ID out of range",
        message: "{field}: {id} is not between 0 and 2147483647, so the API server rejects the object",
        what: "Finds `runAsUser`, `runAsGroup`, `fsGroup` and `supplementalGroups` values below 0 or above 2147483647, in the pod's and every container's securityContext.",
        why: "The API server validates every ID as a 32-bit value between 0 and 2147483647 (`must be between 0 and 2147483647, inclusive`): the object is refused, and a value such as -1 is not a non-root user either, so no other rule treats it as one.",
        fix: "Use a valid non-root ID (for example 10001), or remove the field.",
    },
    ko: Text {
        title: "범위를 벗어난 유저/그룹 ID",
        message: "{field} 값이 0 이상 2147483647 이하가 아니라서 API 서버가 오브젝트를 거부한다: {id}",
        what: "파드와 모든 컨테이너의 securityContext에서 0보다 작거나 2147483647보다 큰 `runAsUser`, `runAsGroup`, `fsGroup`, `supplementalGroups` 값을 찾는다.",
        why: "API 서버는 모든 ID를 0에서 2147483647 사이의 32비트 값으로 검증한다 (`must be between 0 and 2147483647, inclusive`). 오브젝트가 거부되고, -1 같은 값은 non-root 유저도 아니므로 다른 규칙도 그렇게 보지 않는다.",
        fix: "올바른 non-root ID(예: 10001)를 쓰거나 필드를 지운다.",
    },
    example: r#"apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  securityContext:
    runAsUser: -1
  containers:
    - name: web
      image: example/web:1
"#,
    use_instead: r#"apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  securityContext:
    runAsNonRoot: true
    runAsUser: 10001
  containers:
    - name: web
      image: example/web:1
"#,
    references: &[
        "https://kubernetes.io/docs/reference/kubernetes-api/workload-resources/pod-v1/#security-context",
    ],
    check: Check::Workload(check),
    fix: None,
};

fn out_of_range(v: &Val<i64>) -> bool {
    !(0..=MAX_ID).contains(&v.v)
}

fn check(ctx: &Ctx<'_, '_>, out: &mut Sink) {
    if let Some(sc) = &ctx.pod.spec.security_context {
        for (field, v) in [
            ("runAsUser", sc.run_as_user),
            ("runAsGroup", sc.run_as_group),
            ("fsGroup", sc.fs_group),
        ] {
            if let Some(v) = v.filter(out_of_range) {
                out.report(&RULE, v.node)
                    .arg("field", field)
                    .arg("id", v.v)
                    .value(v.v, Origin::Pod);
            }
        }
        for g in sc.supplemental_groups.iter().filter(|g| out_of_range(g)) {
            out.report(&RULE, g.node)
                .arg("field", "supplementalGroups")
                .arg("id", g.v)
                .value(g.v, Origin::Pod);
        }
    }
    for (c, _) in ctx.containers() {
        let Some(sc) = &c.security_context else {
            continue;
        };
        for (field, v) in [
            ("runAsUser", sc.run_as_user),
            ("runAsGroup", sc.run_as_group),
        ] {
            if let Some(v) = v.filter(out_of_range) {
                out.report(&RULE, v.node)
                    .container(c)
                    .arg("field", field)
                    .arg("id", v.v)
                    .value(v.v, Origin::Container);
            }
        }
    }
}
