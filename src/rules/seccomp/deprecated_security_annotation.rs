use crate::model::effective::Origin;
use crate::rules::{Category, Check, Ctx, Rule, Severity, Sink, Text};

pub static RULE: Rule = Rule {
    code: "PS124",
    name: "deprecated-security-annotation",
    category: Category::Correctness,
    severity: Severity::Low,
    default_enabled: true,
    pss: None,
    mitigations: &[],
    enables: &[],
    en: Text {
        title: "Deprecated seccomp or AppArmor annotation",
        message: "annotation {key} is deprecated: use securityContext.{field}",
        what: "Finds the `seccomp.security.alpha.kubernetes.io/pod`, `container.seccomp.security.alpha.kubernetes.io/*` and `container.apparmor.security.beta.kubernetes.io/*` annotations.",
        why: "These annotations predate the `seccompProfile` (v1.19) and `appArmorProfile` (v1.30) fields. Current kubelets act on the fields; an annotation that is still present suggests a protection that may not be applied, and Pod Security at v1.19+ ignores the seccomp ones entirely.",
        fix: "Move the setting to `securityContext.{field}` and delete the annotation.",
    },
    ko: Text {
        title: "더 이상 쓰지 않는 seccomp/AppArmor 어노테이션",
        message: "더 이상 쓰지 않는 어노테이션이 있다: {key}. 대신 securityContext.{field} 필드를 쓴다",
        what: "`seccomp.security.alpha.kubernetes.io/pod`, `container.seccomp.security.alpha.kubernetes.io/*`, `container.apparmor.security.beta.kubernetes.io/*` 어노테이션을 찾는다.",
        why: "이 어노테이션들은 `seccompProfile`(v1.19), `appArmorProfile`(v1.30) 필드가 생기기 전의 방식이다. 지금의 kubelet은 필드를 기준으로 동작하므로, 어노테이션이 남아 있으면 실제로는 적용되지 않을 수 있는 보호를 믿게 된다. v1.19 이상의 Pod Security는 seccomp 어노테이션을 아예 보지 않는다.",
        fix: "설정을 `securityContext.{field}`로 옮기고 어노테이션을 지운다.",
    },
    example: "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\n  annotations:\n    seccomp.security.alpha.kubernetes.io/pod: runtime/default\nspec:\n  containers:\n    - name: web\n      image: example/web:1\n",
    use_instead: "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  securityContext:\n    seccompProfile:\n      type: RuntimeDefault\n  containers:\n    - name: web\n      image: example/web:1\n",
    references: &[
        "https://kubernetes.io/docs/tutorials/security/seccomp/",
        "https://kubernetes.io/docs/tutorials/security/apparmor/",
    ],
    check: Check::Workload(check),
    fix: None,
};

fn check(ctx: &Ctx<'_, '_>, out: &mut Sink) {
    for (key, v) in &ctx.pod.annotations {
        let field = if key == "seccomp.security.alpha.kubernetes.io/pod"
            || key.starts_with("container.seccomp.security.alpha.kubernetes.io/")
        {
            "seccompProfile"
        } else if key.starts_with("container.apparmor.security.beta.kubernetes.io/") {
            "appArmorProfile"
        } else {
            continue;
        };
        let node = ctx
            .pod
            .metadata
            .and_then(|m| ctx.raw(Some(m), "annotations"))
            .and_then(|a| ctx.key_of(Some(a), key))
            .unwrap_or(v.node);
        out.report(&RULE, node)
            .arg("key", key)
            .arg("field", field)
            .value(v.v, Origin::Pod);
    }
}
