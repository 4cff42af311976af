use crate::fix::Applicability;
use crate::pss::Level;
use crate::rules::FixDoc;
use crate::rules::{Category, Check, Ctx, PssTag, Rule, Severity, Sink, Text};

pub static RULE: Rule = Rule {
    code: "PS115",
    name: "proc-mount-unmasked-user-namespace",
    category: Category::PssRestricted,
    severity: Severity::Medium,
    default_enabled: true,
    pss: Some(PssTag {
        level: Level::Restricted,
        check: "procMount_restricted",
        since: 35,
    }),
    mitigations: &["proc_mount_default"],
    enables: &[],
    en: Text {
        title: "Unmasked /proc in a user-namespace pod",
        message: "container \"{container}\" sets procMount: {value} (allowed by baseline in a hostUsers: false pod, not by restricted)",
        what: "Finds `procMount` other than `Default` in pods with `hostUsers: false`, which baseline allows from v1.35 and restricted still forbids.",
        why: "In a user namespace, root in the container is not root on the host, so baseline relaxes the procMount check. The unmasked `/proc` still exposes kernel interfaces that the masked paths hide; restricted keeps them hidden.",
        fix: "Remove `procMount` or set it to `Default`, unless the workload nests containers and runs at baseline.",
    },
    ko: Text {
        title: "user namespace 파드의 마스킹되지 않은 /proc",
        message: "컨테이너 \"{container}\"에 기본값이 아닌 procMount가 설정되어 있다 ({value}; hostUsers: false 파드라 baseline은 허용하지만 restricted는 허용하지 않는다)",
        what: "`hostUsers: false` 파드에서 `Default`가 아닌 `procMount`를 찾는다. baseline은 v1.35부터 이를 허용하고 restricted는 여전히 금지한다.",
        why: "user namespace 안에서는 컨테이너의 root가 호스트의 root가 아니라서 baseline은 procMount 검사를 완화한다. 그래도 마스킹되지 않은 `/proc`는 원래 가려져 있던 커널 인터페이스를 드러내므로 restricted는 계속 막는다.",
        fix: "중첩 컨테이너를 돌리는 baseline 워크로드가 아니라면 `procMount`를 지우거나 `Default`로 바꾼다.",
    },
    example: "apiVersion: v1\nkind: Pod\nmetadata:\n  name: builder\nspec:\n  hostUsers: false\n  containers:\n    - name: builder\n      image: example/builder:1\n      securityContext:\n        procMount: Unmasked\n",
    use_instead: "apiVersion: v1\nkind: Pod\nmetadata:\n  name: builder\nspec:\n  hostUsers: false\n  containers:\n    - name: builder\n      image: example/builder:1\n",
    references: &[
        "https://kubernetes.io/docs/concepts/security/pod-security-standards/#restricted",
    ],
    check: Check::Workload(check),
    fix: Some(FixDoc {
        applicability: Applicability::Unsafe,
        en: "Sets `procMount: Default` (the same fix as PS114).",
        ko: "`procMount: Default`로 바꾼다 (PS114와 같은 수정).",
    }),
};

fn check(ctx: &Ctx<'_, '_>, out: &mut Sink) {
    // Only the case baseline relaxes; everything else is PS114's.
    if ctx.pss_fails("procMount_restricted") && !ctx.pss_fails("procMount") {
        super::proc_mount_unmasked::report_unmasked(ctx, out, &RULE);
    }
}
