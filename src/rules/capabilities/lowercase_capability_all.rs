use crate::fix::Applicability;
use crate::fix::editor::V;
use crate::model::effective::Origin;
use crate::rules::FixDoc;
use crate::rules::{Category, Check, Ctx, Rule, Severity, Sink, Text};

pub static RULE: Rule = Rule {
    code: "PS204",
    name: "lowercase-capability-all",
    category: Category::Correctness,
    severity: Severity::Medium,
    default_enabled: true,
    pss: None,
    mitigations: &[],
    enables: &[],
    en: Text {
        title: "`all` in lower case",
        message: "container \"{container}\" drops {value}: Pod Security only accepts ALL in upper case",
        what: "Finds `capabilities.drop` entries that spell `ALL` in another case (`all`, `All`).",
        why: "Container runtimes usually accept `all` and drop everything, so the container looks hardened; but the Pod Security restricted level compares the string exactly and rejects the pod, and other tools may not treat it as ALL.",
        fix: "Write `ALL` in upper case.",
    },
    ko: Text {
        title: "소문자 `all`",
        message: "컨테이너 \"{container}\"의 drop 목록에 대문자가 아닌 ALL이 있다 ({value}): Pod Security는 대문자 ALL만 인정한다",
        what: "`capabilities.drop`에서 `ALL`을 다른 대소문자(`all`, `All`)로 쓴 항목을 찾는다.",
        why: "컨테이너 런타임은 보통 `all`도 받아들여서 모두 drop하므로 겉보기에는 안전해 보인다. 하지만 Pod Security restricted 레벨은 문자열을 정확히 비교하므로 파드를 거부하고, 다른 도구도 이를 ALL로 보지 않을 수 있다.",
        fix: "대문자 `ALL`로 쓴다.",
    },
    example: "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  containers:\n    - name: web\n      image: example/web:1\n      securityContext:\n        capabilities:\n          drop:\n            - all\n          add: [\"MKNOD\"]\n",
    use_instead: "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  containers:\n    - name: web\n      image: example/web:1\n      securityContext:\n        capabilities:\n          drop:\n            - ALL\n          add: [\"MKNOD\"]\n",
    references: &[
        "https://kubernetes.io/docs/concepts/security/pod-security-standards/#restricted",
    ],
    check: Check::Workload(check),
    fix: Some(FixDoc {
        applicability: Applicability::Safe,
        en: "Writes `ALL` in upper case. Safe: container runtimes already read `all` as every capability.",
        ko: "`ALL`을 대문자로 쓴다. 컨테이너 런타임은 이미 `all`을 모든 capability로 읽으므로 safe다.",
    }),
};

fn check(ctx: &Ctx<'_, '_>, out: &mut Sink) {
    for (c, eff) in ctx.containers() {
        let Some(k) = eff.capabilities.value else {
            continue;
        };
        for d in k
            .drop
            .iter()
            .filter(|d| d.v != "ALL" && d.v.eq_ignore_ascii_case("all"))
        {
            out.report(&RULE, d.node)
                .container(c)
                .arg("value", d.v)
                .value(d.v, Origin::Container)
                .fix(
                    Applicability::Safe,
                    "write ALL in upper case",
                    ctx.replace(d.node, V::str("ALL")),
                );
        }
    }
}
