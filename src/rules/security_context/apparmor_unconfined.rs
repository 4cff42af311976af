use crate::fix::Applicability;
use crate::fix::editor::V;
use crate::model::effective::Origin;
use crate::pss::Level;
use crate::rules::FixDoc;
use crate::rules::{Category, Check, Ctx, PssTag, Rule, Severity, Sink, Text};

pub static RULE: Rule = Rule {
    code: "PS117",
    name: "apparmor-unconfined",
    category: Category::PssBaseline,
    severity: Severity::High,
    default_enabled: true,
    pss: Some(PssTag {
        level: Level::Baseline,
        check: "appArmorProfile",
        since: 0,
    }),
    mitigations: &["apparmor_runtime_default"],
    enables: &[],
    en: Text {
        title: "AppArmor disabled",
        message: "{subject} sets AppArmor profile {value}",
        what: "Finds `appArmorProfile.type` other than `RuntimeDefault` or `Localhost` (pod or container), and `container.apparmor.security.beta.kubernetes.io/*` annotations other than `runtime/default`, `localhost/*` or empty.",
        why: "AppArmor's default container profile blocks mounts, writes to `/proc` and `/sys` and other escape routes. `Unconfined` removes it; several escapes (cgroup `release_agent`, runc mount races) are stopped by the default profile alone.",
        fix: "Remove the setting (the runtime default applies) or set `appArmorProfile.type: RuntimeDefault`.",
    },
    ko: Text {
        title: "AppArmor 비활성화",
        message: "{subject}에 허용되지 않는 AppArmor 프로파일이 설정되어 있다: {value}",
        what: "`RuntimeDefault`나 `Localhost`가 아닌 `appArmorProfile.type`(파드나 컨테이너), 그리고 `runtime/default`, `localhost/*`, 빈 값이 아닌 `container.apparmor.security.beta.kubernetes.io/*` 어노테이션을 찾는다.",
        why: "AppArmor의 기본 컨테이너 프로파일은 mount, `/proc`·`/sys` 쓰기 같은 탈출 경로를 막는다. `Unconfined`는 이를 없앤다. cgroup `release_agent`나 runc mount 경쟁 같은 탈출 몇 가지는 기본 프로파일만으로도 막힌다.",
        fix: "설정을 지우거나 (런타임 기본값이 적용된다) `appArmorProfile.type: RuntimeDefault`로 바꾼다.",
    },
    example: "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  containers:\n    - name: web\n      image: example/web:1\n      securityContext:\n        appArmorProfile:\n          type: Unconfined\n",
    use_instead: "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  containers:\n    - name: web\n      image: example/web:1\n      securityContext:\n        appArmorProfile:\n          type: RuntimeDefault\n",
    references: &[
        "https://kubernetes.io/docs/concepts/security/pod-security-standards/#baseline",
        "https://kubernetes.io/docs/tutorials/security/apparmor/",
    ],
    check: Check::Workload(check),
    fix: Some(FixDoc {
        applicability: Applicability::Unsafe,
        en: "Sets `appArmorProfile.type: RuntimeDefault` (annotations: `runtime/default`). Unsafe: operations the default profile denies (mounts, some /proc writes) start failing.",
        ko: "`appArmorProfile.type: RuntimeDefault`(어노테이션은 `runtime/default`)로 바꾼다. 기본 프로파일이 막는 작업(mount, 일부 /proc 쓰기)이 실패하기 시작하므로 unsafe다.",
    }),
};

fn check(ctx: &Ctx<'_, '_>, out: &mut Sink) {
    if !ctx.pss_fails("appArmorProfile") {
        return;
    }
    ctx.report_weak_profiles(
        out,
        &RULE,
        |sc| sc.app_armor_profile.as_ref(),
        "use the RuntimeDefault AppArmor profile",
    );
    for (key, v) in &ctx.pod.annotations {
        if let Some(name) = key.strip_prefix("container.apparmor.security.beta.kubernetes.io/")
            && !(v.v.is_empty() || v.v == "runtime/default" || v.v.starts_with("localhost/"))
        {
            out.report(&RULE, v.node)
                .arg_tr(
                    "subject",
                    &format!("annotation {key} (container \"{name}\")"),
                    &format!("어노테이션 {key} (컨테이너 \"{name}\")"),
                )
                .arg("value", format!("{:?}", v.v))
                .value(v.v, Origin::Pod)
                .fix(
                    Applicability::Unsafe,
                    "use the runtime/default AppArmor profile",
                    ctx.replace(v.node, V::str("runtime/default")),
                );
        }
    }
}
