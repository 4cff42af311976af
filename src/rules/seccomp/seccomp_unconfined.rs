use crate::fix::Applicability;
use crate::model::effective::Origin;
use crate::pss::Level;
use crate::rules::FixDoc;
use crate::rules::{Category, Check, Ctx, PssTag, Rule, Severity, Sink, Text};

pub static RULE: Rule = Rule {
    code: "PS122",
    name: "seccomp-unconfined",
    category: Category::PssBaseline,
    severity: Severity::High,
    default_enabled: true,
    pss: Some(PssTag {
        level: Level::Baseline,
        check: "seccompProfile_baseline",
        since: 0,
    }),
    mitigations: &["seccomp_runtime_default"],
    enables: &["seccomp_unconfined"],
    en: Text {
        title: "seccomp explicitly disabled",
        message: "{subject} sets seccomp profile {value}",
        what: "Finds seccomp profiles set to anything but `RuntimeDefault` or `Localhost` (from v1.19: `securityContext.seccompProfile.type`; before: the `seccomp.security.alpha.kubernetes.io` annotations, whose valid values are `runtime/default`, `docker/default` and `localhost/*`).",
        why: "`Unconfined` turns seccomp off for the container: every system call reaches the kernel, including those that kernel exploits and container escapes rely on.",
        fix: "Set `seccompProfile.type: RuntimeDefault` (or a `Localhost` profile you maintain).",
    },
    ko: Text {
        title: "seccomp를 명시적으로 끔",
        message: "{subject}에 허용되지 않는 seccomp 프로파일이 설정되어 있다: {value}",
        what: "`RuntimeDefault`나 `Localhost`가 아닌 seccomp 프로파일을 찾는다 (v1.19부터는 `securityContext.seccompProfile.type`, 그 전에는 `seccomp.security.alpha.kubernetes.io` 어노테이션이며 허용 값은 `runtime/default`, `docker/default`, `localhost/*`다).",
        why: "`Unconfined`는 컨테이너의 seccomp를 끈다. 커널 익스플로잇과 컨테이너 탈출이 쓰는 호출까지 모든 시스템 호출이 커널에 닿는다.",
        fix: "`seccompProfile.type: RuntimeDefault`(또는 직접 관리하는 `Localhost` 프로파일)로 바꾼다.",
    },
    example: "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  securityContext:\n    seccompProfile:\n      type: Unconfined\n  containers:\n    - name: web\n      image: example/web:1\n",
    use_instead: "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  securityContext:\n    seccompProfile:\n      type: RuntimeDefault\n  containers:\n    - name: web\n      image: example/web:1\n",
    references: &[
        "https://kubernetes.io/docs/concepts/security/pod-security-standards/#baseline",
        "https://kubernetes.io/docs/tutorials/security/seccomp/",
    ],
    check: Check::Workload(check),
    fix: Some(FixDoc {
        applicability: Applicability::Unsafe,
        en: "Replaces `Unconfined` (or an invalid type) with `RuntimeDefault`. Unsafe: system calls the default profile blocks start failing.",
        ko: "`Unconfined`(또는 잘못된 타입)를 `RuntimeDefault`로 바꾼다. 기본 프로파일이 막는 시스템 호출이 실패하기 시작하므로 unsafe다.",
    }),
};

const POD_ANNOTATION: &str = "seccomp.security.alpha.kubernetes.io/pod";
const CONTAINER_ANNOTATION: &str = "container.seccomp.security.alpha.kubernetes.io/";

fn check(ctx: &Ctx<'_, '_>, out: &mut Sink) {
    if !ctx.pss_fails("seccompProfile_baseline") {
        return;
    }
    if ctx.minor < 19 {
        let valid = |v: &str| {
            v == "runtime/default" || v == "docker/default" || v.starts_with("localhost/")
        };
        let names: Vec<String> = ctx
            .containers()
            .map(|(c, _)| format!("{CONTAINER_ANNOTATION}{}", c.name))
            .collect();
        for (key, v) in &ctx.pod.annotations {
            if (key == POD_ANNOTATION || names.contains(key)) && !valid(v.v) {
                out.report(&RULE, v.node)
                    .arg_tr(
                        "subject",
                        &format!("annotation {key}"),
                        &format!("어노테이션 {key}"),
                    )
                    .arg("value", format!("{:?}", v.v))
                    .value(v.v, Origin::Pod);
            }
        }
        return;
    }
    ctx.report_weak_profiles(
        out,
        &RULE,
        |sc| sc.seccomp_profile.as_ref(),
        "use the RuntimeDefault seccomp profile",
    );
}
