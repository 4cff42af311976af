use crate::model::effective::Origin;
use crate::model::pod::SeLinuxOptions;
use crate::pss::Level;
use crate::rules::{Category, Check, Ctx, PssTag, Rule, Severity, Sink, Text};

pub static RULE: Rule = Rule {
    code: "PS116",
    name: "selinux-options-forbidden",
    category: Category::PssBaseline,
    severity: Severity::High,
    default_enabled: true,
    pss: Some(PssTag {
        level: Level::Baseline,
        check: "seLinuxOptions",
        since: 0,
    }),
    mitigations: &["selinux_confined"],
    enables: &[],
    en: Text {
        title: "Custom SELinux user, role or type",
        message: "{subject} sets seLinuxOptions.{field}: {value}",
        what: "Finds `seLinuxOptions` with a `user` or `role`, or a `type` other than the container types baseline allows (`container_t`, `container_init_t`, `container_kvm_t`, and `container_engine_t` from v1.31).",
        why: "SELinux labels decide what a process may touch. A custom type such as `spc_t` (super-privileged container) or `unconfined_t` switches confinement off, and a custom user or role can grant more than containers get.",
        fix: "Remove `user`, `role` and custom `type` values; set only `level` if you need MCS separation.",
    },
    ko: Text {
        title: "임의의 SELinux user, role, type",
        message: "{subject}에 허용되지 않는 seLinuxOptions.{field} 값이 설정되어 있다: {value}",
        what: "`user`나 `role`이 있거나, baseline이 허용하는 컨테이너 타입(`container_t`, `container_init_t`, `container_kvm_t`, v1.31부터 `container_engine_t`)이 아닌 `type`을 쓴 `seLinuxOptions`를 찾는다.",
        why: "SELinux 라벨은 프로세스가 무엇에 접근할 수 있는지 정한다. `spc_t`(super-privileged container)나 `unconfined_t` 같은 타입은 격리를 꺼 버리고, 임의의 user나 role은 컨테이너가 원래 받는 것보다 많은 권한을 줄 수 있다.",
        fix: "`user`, `role`, 임의의 `type`을 지운다. MCS 분리가 필요하면 `level`만 지정한다.",
    },
    example: "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  securityContext:\n    seLinuxOptions:\n      type: spc_t\n  containers:\n    - name: web\n      image: example/web:1\n",
    use_instead: "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  securityContext:\n    seLinuxOptions:\n      level: \"s0:c123,c456\"\n  containers:\n    - name: web\n      image: example/web:1\n",
    references: &["https://kubernetes.io/docs/concepts/security/pod-security-standards/#baseline"],
    check: Check::Workload(check),
    fix: None,
};

fn check(ctx: &Ctx<'_, '_>, out: &mut Sink) {
    if !ctx.pss_fails("seLinuxOptions") {
        return;
    }
    let mut allowed = vec!["", "container_t", "container_init_t", "container_kvm_t"];
    if ctx.minor >= 31 {
        allowed.push("container_engine_t");
    }
    fn bad<'d>(
        o: &SeLinuxOptions<'d>,
        allowed: &[&str],
    ) -> Vec<(&'static str, crate::model::Val<&'d str>)> {
        let mut v = Vec::new();
        if let Some(t) = o.type_.filter(|t| !allowed.contains(&t.v)) {
            v.push(("type", t));
        }
        for (f, x) in [("user", o.user), ("role", o.role)] {
            if let Some(x) = x.filter(|x| !x.v.is_empty()) {
                v.push((f, x));
            }
        }
        v
    }
    if let Some(o) = ctx
        .pod
        .spec
        .security_context
        .as_ref()
        .and_then(|s| s.se_linux_options.as_ref())
    {
        for (field, x) in bad(o, &allowed) {
            out.report(&RULE, x.node)
                .on_pod()
                .arg("field", field)
                .arg("value", x.v)
                .value(x.v, Origin::Pod);
        }
    }
    for (c, _) in ctx.containers() {
        if let Some(o) = c
            .security_context
            .as_ref()
            .and_then(|s| s.se_linux_options.as_ref())
        {
            for (field, x) in bad(o, &allowed) {
                out.report(&RULE, x.node)
                    .on_container(c)
                    .arg("field", field)
                    .arg("value", x.v)
                    .value(x.v, Origin::Container);
            }
        }
    }
}
