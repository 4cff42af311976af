use crate::fix::Applicability;
use crate::model::effective::Origin;
use crate::pss::BASELINE_CAPABILITIES;
use crate::pss::Level;
use crate::rules::FixDoc;
use crate::rules::{Category, Check, Ctx, PssTag, Rule, Severity, Sink, Text};

pub static RULE: Rule = Rule {
    code: "PS203",
    name: "restricted-capability",
    category: Category::PssRestricted,
    severity: Severity::Low,
    default_enabled: true,
    pss: Some(PssTag {
        level: Level::Restricted,
        check: "capabilities_restricted",
        since: 22,
    }),
    mitigations: &["drop_all_capabilities"],
    enables: &[],
    en: Text {
        title: "Capability beyond NET_BIND_SERVICE",
        message: "container \"{container}\" adds capability {cap}, which restricted does not allow",
        what: "Finds `capabilities.add` entries that baseline allows but restricted does not: restricted allows adding only `NET_BIND_SERVICE`. (Capabilities outside the baseline set are reported by PS202.)",
        why: "Capabilities such as `CHOWN`, `SETUID`, `MKNOD` or `DAC_OVERRIDE` are in the runtime's default set, and baseline tolerates them, but each still lets a compromised process do something root-like: change file owners, switch users, create device nodes, ignore file permissions.",
        fix: "Remove the capability, or change the program or image so it no longer needs it (for example, set file ownership at build time with `COPY --chown`).",
    },
    ko: Text {
        title: "NET_BIND_SERVICE 외의 capability",
        message: "컨테이너 \"{container}\"에 restricted가 허용하지 않는 capability가 추가되어 있다: {cap}",
        what: "baseline은 허용하지만 restricted는 허용하지 않는 `capabilities.add` 항목을 찾는다. restricted에서는 `NET_BIND_SERVICE`만 추가할 수 있다 (baseline 집합 밖의 capability는 PS202가 보고한다).",
        why: "`CHOWN`, `SETUID`, `MKNOD`, `DAC_OVERRIDE` 같은 capability는 런타임 기본 집합에 있어 baseline이 허용하지만, 각각 탈취된 프로세스가 root처럼 행동하게 해 준다: 파일 소유자 변경, 유저 전환, 디바이스 노드 생성, 파일 권한 무시.",
        fix: "capability를 지우거나 프로그램·이미지를 고쳐서 필요 없게 만든다 (예: 파일 소유권은 빌드할 때 `COPY --chown`으로 정한다).",
    },
    example: "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  containers:\n    - name: web\n      image: example/web:1\n      securityContext:\n        capabilities:\n          drop: [ALL]\n          add: [CHOWN]\n",
    use_instead: "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  containers:\n    - name: web\n      image: example/web:1\n      securityContext:\n        capabilities:\n          drop: [ALL]\n          add: [NET_BIND_SERVICE]\n",
    references: &[
        "https://kubernetes.io/docs/concepts/security/pod-security-standards/#restricted",
    ],
    check: Check::Workload(check),
    fix: Some(FixDoc {
        applicability: Applicability::Unsafe,
        en: "Removes the capability from `add`. Unsafe: the program loses it.",
        ko: "`add`에서 그 capability를 지운다. 프로그램이 그 권한을 잃으므로 unsafe다.",
    }),
};

fn check(ctx: &Ctx<'_, '_>, out: &mut Sink) {
    if !ctx.pss_fails("capabilities_restricted") {
        return;
    }
    for (c, eff) in ctx.containers() {
        let Some(k) = eff.capabilities.value else {
            continue;
        };
        let seq = ctx.raw(Some(k.node), "add");
        for (i, a) in k.add.iter().enumerate() {
            if a.v != "NET_BIND_SERVICE" && BASELINE_CAPABILITIES.contains(&a.v) {
                let edits = match seq {
                    Some(s) => ctx.edit.remove_item(s, i).map(|e| vec![e]),
                    None => Err(crate::fix::editor::NoFix("no add list")),
                };
                out.report(&RULE, a.node)
                    .container(c)
                    .arg("cap", a.v)
                    .value(a.v, Origin::Container)
                    .fix(
                        Applicability::Unsafe,
                        format!("remove {} from capabilities.add", a.v),
                        edits,
                    );
            }
        }
    }
}
