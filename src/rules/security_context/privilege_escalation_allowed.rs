use crate::fix::Applicability;
use crate::fix::editor::V;
use crate::pss::Level;
use crate::rules::FixDoc;
use crate::rules::{Category, Change, Check, Ctx, PssTag, Rule, Severity, Sink, Text};

pub static RULE: Rule = Rule {
    code: "PS102",
    name: "privilege-escalation-allowed",
    category: Category::PssRestricted,
    severity: Severity::Medium,
    default_enabled: true,
    pss: Some(PssTag {
        level: Level::Restricted,
        check: "allowPrivilegeEscalation",
        since: 8,
    }),
    mitigations: &["no_allow_privilege_escalation"],
    enables: &["privilege_escalation_allowed"],
    en: Text {
        title: "Privilege escalation allowed",
        message: "container \"{container}\" does not set allowPrivilegeEscalation: false",
        what: "Finds containers whose `securityContext.allowPrivilegeEscalation` is not explicitly `false` (unset means allowed).",
        why: "Without `allowPrivilegeEscalation: false` the kernel's `no_new_privs` flag is not set, so setuid binaries such as `sudo` or `pkexec` in the image can still raise a process to root. Several local privilege-escalation CVEs need exactly that.",
        fix: "Set `allowPrivilegeEscalation: false` in every container's securityContext.",
    },
    ko: Text {
        title: "권한 상승 허용",
        message: "컨테이너 \"{container}\"에 allowPrivilegeEscalation: false가 없다",
        what: "`securityContext.allowPrivilegeEscalation`이 명시적으로 `false`가 아닌 컨테이너를 찾는다 (설정하지 않으면 허용이다).",
        why: "`allowPrivilegeEscalation: false`가 없으면 커널의 `no_new_privs` 플래그가 켜지지 않아서, 이미지 안의 `sudo`나 `pkexec` 같은 setuid 바이너리로 프로세스가 root 권한을 얻을 수 있다. 여러 로컬 권한 상승 CVE가 바로 이 경로를 쓴다.",
        fix: "모든 컨테이너의 securityContext에 `allowPrivilegeEscalation: false`를 넣는다.",
    },
    example: "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  containers:\n    - name: web\n      image: example/web:1\n",
    use_instead: "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  containers:\n    - name: web\n      image: example/web:1\n      securityContext:\n        allowPrivilegeEscalation: false\n",
    references: &[
        "https://kubernetes.io/docs/concepts/security/pod-security-standards/#restricted",
        "https://www.kernel.org/doc/html/latest/userspace-api/no_new_privs.html",
    ],
    check: Check::Workload(check),
    fix: Some(FixDoc {
        applicability: Applicability::Unsafe,
        en: "Sets `allowPrivilegeEscalation: false`. Unsafe: setuid programs (sudo, and ping on some images) stop gaining privileges.",
        ko: "`allowPrivilegeEscalation: false`를 넣는다. setuid 프로그램(sudo, 일부 이미지의 ping)이 더는 권한을 얻지 못하므로 unsafe다.",
    }),
};

fn check(ctx: &Ctx<'_, '_>, out: &mut Sink) {
    if !ctx.pss_fails("allowPrivilegeEscalation") {
        return;
    }
    for (c, eff) in ctx.containers() {
        match eff.allow_privilege_escalation.value {
            Some(v) if !v.v => {}
            Some(v) => {
                out.report(&RULE, v.node)
                    .container(c)
                    .value(true, eff.allow_privilege_escalation.origin)
                    .fix(
                        Applicability::Unsafe,
                        "set allowPrivilegeEscalation: false",
                        ctx.unless_human(Some((c, eff)), Change::Escalation, || {
                            ctx.replace(v.node, V::Bool(false))
                        }),
                    );
            }
            None => {
                out.report(&RULE, ctx.container_anchor(c))
                    .container(c)
                    .effective(eff.row("allowPrivilegeEscalation"))
                    .fix(
                        Applicability::Unsafe,
                        "set allowPrivilegeEscalation: false",
                        ctx.unless_human(Some((c, eff)), Change::Escalation, || {
                            ctx.set_container(c, "allowPrivilegeEscalation", V::Bool(false))
                        }),
                    );
            }
        }
    }
}
