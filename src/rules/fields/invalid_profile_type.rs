use crate::fix::Applicability;
use crate::fix::editor::V;
use crate::model::effective::Origin;
use crate::model::pod::Profile;
use crate::rules::FixDoc;
use crate::rules::{Category, Check, Ctx, Rule, Severity, Sink, Text};

pub static RULE: Rule = Rule {
    code: "PS603",
    name: "invalid-profile-type",
    category: Category::Correctness,
    severity: Severity::High,
    default_enabled: true,
    pss: None,
    mitigations: &[],
    enables: &[],
    en: Text {
        title: "Invalid seccomp or AppArmor profile type",
        message: "{subject} sets {field}.type to {value}, which is not RuntimeDefault, Localhost or Unconfined",
        what: "Finds `seccompProfile.type` and `appArmorProfile.type` values other than `RuntimeDefault`, `Localhost` and `Unconfined` (including a missing type), such as the annotation spelling `runtime/default`.",
        why: "The API server rejects the object: the workload does not deploy, and the profile the author meant is not applied.",
        fix: "Use `RuntimeDefault` (or `Localhost` with `localhostProfile`).",
    },
    ko: Text {
        title: "잘못된 seccomp/AppArmor 프로파일 타입",
        message: "{subject}의 {field}.type 값이 잘못되었다 ({value}): RuntimeDefault, Localhost, Unconfined 중 하나여야 한다",
        what: "`RuntimeDefault`, `Localhost`, `Unconfined`가 아닌 (타입이 없는 경우도 포함) `seccompProfile.type`, `appArmorProfile.type` 값을 찾는다. 예를 들어 어노테이션 표기인 `runtime/default`.",
        why: "API 서버가 오브젝트를 거부한다. 워크로드는 배포되지 않고, 작성자가 의도한 프로파일도 적용되지 않는다.",
        fix: "`RuntimeDefault`(또는 `localhostProfile`과 함께 `Localhost`)를 쓴다.",
    },
    example: "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  securityContext:\n    seccompProfile:\n      type: runtime/default\n  containers:\n    - name: web\n      image: example/web:1\n",
    use_instead: "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  securityContext:\n    seccompProfile:\n      type: RuntimeDefault\n  containers:\n    - name: web\n      image: example/web:1\n",
    references: &[
        "https://kubernetes.io/docs/reference/kubernetes-api/workload-resources/pod-v1/#security-context",
    ],
    check: Check::Workload(check),
    fix: Some(FixDoc {
        applicability: Applicability::Unsafe,
        en: "Rewrites the annotation spellings (`runtime/default`, `docker/default`) and wrong case as the field value they mean. Unsafe only in that the object, rejected before, now deploys.",
        ko: "어노테이션 표기(`runtime/default`, `docker/default`)와 잘못된 대소문자를 필드 값으로 고쳐 쓴다. 전에는 거부되던 오브젝트가 이제 배포된다는 점만 unsafe다.",
    }),
};

fn invalid(p: &Profile<'_>) -> bool {
    !matches!(p.type_str(), "RuntimeDefault" | "Localhost" | "Unconfined")
}

fn check(ctx: &Ctx<'_, '_>, out: &mut Sink) {
    let mut scan = |sc: &crate::model::SecurityContext<'_>,
                    c: Option<&crate::model::Container<'_>>| {
        for (field, p) in [
            ("seccompProfile", &sc.seccomp_profile),
            ("appArmorProfile", &sc.app_armor_profile),
        ] {
            let Some(p) = p.as_ref().filter(|p| invalid(p)) else {
                continue;
            };
            let f = out.report(&RULE, p.type_.map_or(p.node, |t| t.node));
            f.arg("field", field)
                .arg("value", format!("{:?}", p.type_str()));
            let meant = match p.type_str().to_ascii_lowercase().as_str() {
                "runtime/default" | "docker/default" | "runtimedefault" => Some("RuntimeDefault"),
                "unconfined" => Some("Unconfined"),
                "localhost" => Some("Localhost"),
                _ => None,
            };
            let edits = match (meant, p.type_) {
                (Some(m), Some(t)) => ctx.replace(t.node, V::str(m)),
                _ => Err(crate::fix::editor::NoFix(
                    "which profile was meant needs a human decision",
                )),
            };
            f.fix(
                Applicability::Unsafe,
                format!("write the profile type as {}", meant.unwrap_or("?")),
                edits,
            );
            match c {
                Some(c) => f.on_container(c).value(p.type_str(), Origin::Container),
                None => f.on_pod().value(p.type_str(), Origin::Pod),
            };
        }
    };
    if let Some(sc) = &ctx.pod.spec.security_context {
        scan(sc, None);
    }
    for (c, _) in ctx.containers() {
        if let Some(sc) = &c.security_context {
            scan(sc, Some(c));
        }
    }
}
