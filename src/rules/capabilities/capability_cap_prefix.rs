use crate::fix::Applicability;
use crate::fix::editor::V;
use crate::model::effective::Origin;
use crate::rules::FixDoc;
use crate::rules::{Category, Check, Ctx, Rule, Severity, Sink, Text};

pub static RULE: Rule = Rule {
    code: "PS205",
    name: "capability-cap-prefix",
    category: Category::Correctness,
    severity: Severity::Medium,
    default_enabled: true,
    pss: None,
    mitigations: &[],
    enables: &[],
    en: Text {
        title: "Capability written with CAP_",
        message: "container \"{container}\" lists {value} in capabilities.{list}: write it without the CAP_ prefix",
        what: "Finds `capabilities.add` or `drop` entries starting with `CAP_`.",
        why: "The Kubernetes API names capabilities without the prefix (`NET_ADMIN`, not `CAP_NET_ADMIN`); runtimes add it themselves. Depending on the runtime a prefixed name is rejected, doubled (`CAP_CAP_…`) or ignored, so a `drop` may silently drop nothing, and policies (Pod Security included) do not recognise it.",
        fix: "Remove the `CAP_` prefix.",
    },
    ko: Text {
        title: "CAP_ 접두어가 붙은 capability",
        message: "컨테이너 \"{container}\"의 capabilities.{list}에 CAP_ 접두어가 붙은 이름이 있다 ({value}): 접두어 없이 쓴다",
        what: "`CAP_`로 시작하는 `capabilities.add`, `drop` 항목을 찾는다.",
        why: "쿠버네티스 API는 capability 이름을 접두어 없이 쓴다 (`CAP_NET_ADMIN`이 아니라 `NET_ADMIN`). 접두어는 런타임이 붙인다. 런타임에 따라 접두어가 붙은 이름은 거부되거나, 두 번 붙거나(`CAP_CAP_…`), 무시되어서 `drop`이 아무것도 drop하지 않을 수 있고, Pod Security를 비롯한 정책도 이를 알아보지 못한다.",
        fix: "`CAP_` 접두어를 지운다.",
    },
    example: "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  containers:\n    - name: web\n      image: example/web:1\n      securityContext:\n        capabilities:\n          drop: [CAP_NET_RAW]\n",
    use_instead: "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  containers:\n    - name: web\n      image: example/web:1\n      securityContext:\n        capabilities:\n          drop: [NET_RAW]\n",
    references: &[
        "https://kubernetes.io/docs/tasks/configure-pod-container/security-context/#set-capabilities-for-a-container",
    ],
    check: Check::Workload(check),
    fix: Some(FixDoc {
        applicability: Applicability::Unsafe,
        en: "Removes the `CAP_` prefix. Unsafe: a `drop` that silently did nothing starts dropping the capability.",
        ko: "`CAP_` 접두어를 지운다. 아무 효과 없던 `drop`이 실제로 capability를 빼기 시작하므로 unsafe다.",
    }),
};

fn check(ctx: &Ctx<'_, '_>, out: &mut Sink) {
    for (c, eff) in ctx.containers() {
        let Some(k) = eff.capabilities.value else {
            continue;
        };
        for (list, items) in [("add", &k.add), ("drop", &k.drop)] {
            let seq = ctx.raw(Some(k.node), list);
            for (i, v) in items.iter().enumerate() {
                if !(v.v.len() > 4 && v.v[..4].eq_ignore_ascii_case("CAP_")) {
                    continue;
                }
                let bare = v.v[4..].to_ascii_uppercase();
                // Already listed without the prefix: drop the duplicate.
                let edits = if items.iter().any(|o| o.v == bare) {
                    match seq {
                        Some(s) => ctx.edit.remove_item(s, i).map(|e| vec![e]),
                        None => Err(crate::fix::editor::NoFix("no list")),
                    }
                } else {
                    ctx.replace(v.node, V::str(&bare))
                };
                out.report(&RULE, v.node)
                    .container(c)
                    .arg("list", list)
                    .arg("value", v.v)
                    .value(v.v, Origin::Container)
                    .fix(Applicability::Unsafe, "remove the CAP_ prefix", edits);
            }
        }
    }
}
