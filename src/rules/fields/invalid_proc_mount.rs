use crate::fix::Applicability;
use crate::fix::editor::V;
use crate::model::effective::Origin;
use crate::rules::FixDoc;
use crate::rules::{Category, Check, Ctx, Rule, Severity, Sink, Text};

pub static RULE: Rule = Rule {
    code: "PS604",
    name: "invalid-proc-mount",
    category: Category::Correctness,
    severity: Severity::Medium,
    default_enabled: true,
    pss: None,
    mitigations: &[],
    enables: &[],
    en: Text {
        title: "Invalid procMount value",
        message: "container \"{container}\" sets procMount: {value}, which is neither Default nor Unmasked",
        what: "Finds `procMount` values other than `Default` and `Unmasked` (the API's spelling is case-sensitive).",
        why: "The API server rejects the object, so the workload does not deploy.",
        fix: "Remove `procMount` (the default is `Default`).",
    },
    ko: Text {
        title: "잘못된 procMount 값",
        message: "컨테이너 \"{container}\"의 procMount 값이 잘못되었다 ({value}): Default나 Unmasked여야 한다",
        what: "`Default`, `Unmasked`가 아닌 `procMount` 값을 찾는다 (API 표기는 대소문자를 구분한다).",
        why: "API 서버가 오브젝트를 거부하므로 워크로드가 배포되지 않는다.",
        fix: "`procMount`를 지운다 (기본값이 `Default`다).",
    },
    example: "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  containers:\n    - name: web\n      image: example/web:1\n      securityContext:\n        procMount: default\n",
    use_instead: "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  containers:\n    - name: web\n      image: example/web:1\n",
    references: &[
        "https://kubernetes.io/docs/reference/kubernetes-api/workload-resources/pod-v1/#security-context-1",
    ],
    check: Check::Workload(check),
    fix: Some(FixDoc {
        applicability: Applicability::Unsafe,
        en: "Sets `procMount: Default`. Unsafe only in that the object, rejected before, now deploys.",
        ko: "`procMount: Default`로 바꾼다. 전에는 거부되던 오브젝트가 이제 배포된다는 점만 unsafe다.",
    }),
};

fn check(ctx: &Ctx<'_, '_>, out: &mut Sink) {
    for (c, eff) in ctx.containers() {
        if let Some(p) = eff
            .proc_mount
            .value
            .filter(|p| p.v != "Default" && p.v != "Unmasked")
        {
            out.report(&RULE, p.node)
                .container(c)
                .arg("value", p.v)
                .value(p.v, Origin::Container)
                .fix(
                    Applicability::Unsafe,
                    "set procMount: Default",
                    ctx.replace(p.node, V::str("Default")),
                );
        }
    }
}
