use crate::fix::Applicability;
use crate::fix::editor::V;
use crate::model::effective::Origin;
use crate::pss::Level;
use crate::rules::FixDoc;
use crate::rules::{Category, Check, Ctx, PssTag, Rule, Severity, Sink, Text};

pub static RULE: Rule = Rule {
    code: "PS114",
    name: "proc-mount-unmasked",
    category: Category::PssBaseline,
    severity: Severity::High,
    default_enabled: true,
    pss: Some(PssTag {
        level: Level::Baseline,
        check: "procMount",
        since: 0,
    }),
    mitigations: &["proc_mount_default"],
    enables: &[],
    en: Text {
        title: "Unmasked /proc",
        message: "container \"{container}\" sets procMount: {value}",
        what: "Finds containers whose `securityContext.procMount` is set to anything but `Default`.",
        why: "The runtime masks and makes read-only the parts of `/proc` that expose the host (`/proc/kcore`, `/proc/sys`, `/proc/sysrq-trigger`…). `Unmasked` removes that protection, letting the container read kernel memory maps and change kernel parameters.",
        fix: "Remove `procMount` or set it to `Default`.",
    },
    ko: Text {
        title: "마스킹되지 않은 /proc",
        message: "컨테이너 \"{container}\"에 기본값이 아닌 procMount가 설정되어 있다: {value}",
        what: "`securityContext.procMount`가 `Default`가 아닌 값으로 설정된 컨테이너를 찾는다.",
        why: "컨테이너 런타임은 호스트를 드러내는 `/proc`의 일부(`/proc/kcore`, `/proc/sys`, `/proc/sysrq-trigger` 등)를 기본으로 가리고 읽기 전용으로 만든다. `Unmasked`는 이 보호를 없애서 컨테이너가 커널 정보를 읽고 커널 파라미터를 바꿀 수 있게 한다.",
        fix: "`procMount`를 지우거나 `Default`로 바꾼다.",
    },
    example: "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  containers:\n    - name: web\n      image: example/web:1\n      securityContext:\n        procMount: Unmasked\n",
    use_instead: "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  containers:\n    - name: web\n      image: example/web:1\n      securityContext:\n        procMount: Default\n",
    references: &["https://kubernetes.io/docs/concepts/security/pod-security-standards/#baseline"],
    check: Check::Workload(check),
    fix: Some(FixDoc {
        applicability: Applicability::Unsafe,
        en: "Sets `procMount: Default`. Unsafe: a workload that needs the unmasked /proc (nested containers) breaks.",
        ko: "`procMount: Default`로 바꾼다. 마스킹되지 않은 /proc가 필요한 워크로드(중첩 컨테이너)는 깨지므로 unsafe다.",
    }),
};

fn check(ctx: &Ctx<'_, '_>, out: &mut Sink) {
    if !ctx.pss_fails("procMount") {
        return;
    }
    report_unmasked(ctx, out, &RULE);
}

pub(crate) fn report_unmasked(ctx: &Ctx<'_, '_>, out: &mut Sink, rule: &'static Rule) {
    for (c, eff) in ctx.containers() {
        if let Some(p) = eff.proc_mount.value.filter(|p| p.v != "Default") {
            out.report(rule, p.node)
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
