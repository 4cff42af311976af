use crate::fix::Applicability;
use crate::fix::editor::V;
use crate::model::effective::Origin;
use crate::rules::FixDoc;
use crate::rules::{Category, Check, Ctx, Rule, Severity, Sink, Text};

pub static RULE: Rule = Rule {
    code: "PS206",
    name: "capabilities-added-without-drop",
    category: Category::Hardening,
    severity: Severity::Low,
    default_enabled: true,
    pss: None,
    mitigations: &["drop_all_capabilities"],
    enables: &[],
    en: Text {
        title: "Capabilities added while none are dropped",
        message: "container \"{container}\" adds {value} but drops nothing",
        what: "Finds containers with a non-empty `capabilities.add` and an empty or missing `drop`.",
        why: "Adding a capability on top of the runtime's default set leaves every default capability in place as well. The intent was usually \"only this one\", which needs `drop: [ALL]` first.",
        fix: "Add `drop: [ALL]` next to the `add` list.",
    },
    ko: Text {
        title: "아무것도 drop하지 않고 capability 추가",
        message: "컨테이너 \"{container}\"에서 아무것도 drop하지 않고 capability를 추가한다: {value}",
        what: "`capabilities.add`는 있는데 `drop`이 비어 있거나 없는 컨테이너를 찾는다.",
        why: "런타임 기본 capability 위에 하나를 더하면 기본 capability도 모두 그대로 남는다. 보통 의도는 \"이것 하나만\"이고, 그러려면 먼저 `drop: [ALL]`이 필요하다.",
        fix: "`add` 목록 옆에 `drop: [ALL]`을 넣는다.",
    },
    example: "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  containers:\n    - name: web\n      image: example/web:1\n      securityContext:\n        capabilities:\n          add: [NET_BIND_SERVICE]\n",
    use_instead: "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  containers:\n    - name: web\n      image: example/web:1\n      securityContext:\n        capabilities:\n          drop: [ALL]\n          add: [NET_BIND_SERVICE]\n",
    references: &["https://man7.org/linux/man-pages/man7/capabilities.7.html"],
    check: Check::Workload(check),
    fix: Some(FixDoc {
        applicability: Applicability::Unsafe,
        en: "Adds `drop: [ALL]` next to `add`. Unsafe: the default capabilities the program may use are removed.",
        ko: "`add` 옆에 `drop: [ALL]`을 넣는다. 프로그램이 쓰던 기본 capability가 빠지므로 unsafe다.",
    }),
};

fn check(ctx: &Ctx<'_, '_>, out: &mut Sink) {
    for (c, eff) in ctx.containers() {
        let Some(k) = eff.capabilities.value else {
            continue;
        };
        if !k.add.is_empty() && k.drop.is_empty() {
            let added: Vec<&str> = k.add.iter().map(|a| a.v).collect();
            let node = ctx.key_of(Some(k.node), "add").unwrap_or(k.node);
            out.report(&RULE, node)
                .container(c)
                .arg("value", format!("[{}]", added.join(", ")))
                .value(format!("add [{}]", added.join(", ")), Origin::Container)
                .fix(
                    Applicability::Unsafe,
                    "drop ALL before adding",
                    ctx.edit.set(k.node, "drop", &V::List(vec![V::str("ALL")])),
                );
        }
    }
}
