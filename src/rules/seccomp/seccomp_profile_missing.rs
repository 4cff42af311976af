use crate::fix::Applicability;
use crate::fix::editor::V;
use crate::pss::Level;
use crate::rules::FixDoc;
use crate::rules::{Category, Change, Check, Ctx, PssTag, Rule, Severity, Sink, Text};

pub static RULE: Rule = Rule {
    code: "PS121",
    name: "seccomp-profile-missing",
    category: Category::PssRestricted,
    severity: Severity::Medium,
    default_enabled: true,
    pss: Some(PssTag {
        level: Level::Restricted,
        check: "seccompProfile_restricted",
        since: 19,
    }),
    mitigations: &["seccomp_runtime_default"],
    enables: &[],
    en: Text {
        title: "No seccomp profile",
        message: "container \"{container}\" has no seccomp profile (neither its own nor the pod's)",
        what: "Finds containers without a `RuntimeDefault` or `Localhost` seccomp profile of their own or from the pod.",
        why: "Without a profile the kubelet runs containers `Unconfined` (unless its `SeccompDefault` feature is on): every system call reaches the kernel, including the ones (`unshare`, `keyctl`, `bpf`, `mount`…) that most kernel exploits and container escapes use. `RuntimeDefault` blocks those and almost never breaks an application.",
        fix: "Set `seccompProfile: {type: RuntimeDefault}` in the pod's securityContext.",
    },
    ko: Text {
        title: "seccomp 프로파일 없음",
        message: "컨테이너 \"{container}\"에 seccomp 프로파일이 없다 (컨테이너에도 파드에도)",
        what: "자신의 것이든 파드에서 물려받은 것이든 `RuntimeDefault`나 `Localhost` seccomp 프로파일이 없는 컨테이너를 찾는다.",
        why: "secure computing mode(seccomp)는 커널 호출을 제한하는 리눅스 기능이다. 프로파일이 없으면 kubelet은 (`SeccompDefault` 기능을 켜지 않은 한) 컨테이너를 `Unconfined`로 실행해서, 대부분의 커널 익스플로잇과 컨테이너 탈출이 쓰는 호출(`unshare`, `keyctl`, `bpf`, `mount` 등)까지 모두 커널에 닿는다. `RuntimeDefault`는 이를 막으면서 애플리케이션을 거의 깨뜨리지 않는다.",
        fix: "파드 securityContext에 `seccompProfile: {type: RuntimeDefault}`를 넣는다.",
    },
    example: "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  containers:\n    - name: web\n      image: example/web:1\n",
    use_instead: "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  securityContext:\n    seccompProfile:\n      type: RuntimeDefault\n  containers:\n    - name: web\n      image: example/web:1\n",
    references: &[
        "https://kubernetes.io/docs/concepts/security/pod-security-standards/#restricted",
        "https://kubernetes.io/docs/tutorials/security/seccomp/",
    ],
    check: Check::Workload(check),
    fix: Some(FixDoc {
        applicability: Applicability::Unsafe,
        en: "Sets `seccompProfile: {type: RuntimeDefault}` on the pod. Unsafe: a program that makes a system call the runtime's profile blocks will fail (rare).",
        ko: "파드에 `seccompProfile: {type: RuntimeDefault}`를 넣는다. 런타임 프로파일이 막는 시스템 호출을 쓰는 프로그램은 실패하므로 (드물다) unsafe다.",
    }),
};

fn check(ctx: &Ctx<'_, '_>, out: &mut Sink) {
    if !ctx.pss_fails("seccompProfile_restricted") {
        return;
    }
    let valid = |t: &str| t == "RuntimeDefault" || t == "Localhost";
    let pod_ok = ctx
        .pod
        .spec
        .security_context
        .as_ref()
        .and_then(|s| s.seccomp_profile.as_ref())
        .is_some_and(|p| valid(p.type_str()));
    for (c, eff) in ctx.containers() {
        let own = c
            .security_context
            .as_ref()
            .and_then(|s| s.seccomp_profile.as_ref());
        if own.is_none() && !pod_ok {
            out.report(&RULE, ctx.container_anchor(c))
                .container(c)
                .effective(eff.row("seccompProfile"))
                .fix(
                    Applicability::Unsafe,
                    "set seccompProfile.type: RuntimeDefault on the pod",
                    ctx.unless_human(None, Change::Seccomp, || {
                        ctx.set_pod(vec![(
                            "seccompProfile".into(),
                            V::map(&[("type", V::str("RuntimeDefault"))]),
                        )])
                    }),
                );
        }
    }
}
