use crate::fix::Applicability;
use crate::fix::editor::V;
use crate::model::effective::Origin;
use crate::pss::Level;
use crate::rules::FixDoc;
use crate::rules::{Category, Check, Ctx, PssTag, Rule, Severity, Sink, Text};

pub static RULE: Rule = Rule {
    code: "PS103",
    name: "run-as-root-possible",
    category: Category::PssRestricted,
    severity: Severity::High,
    default_enabled: true,
    pss: Some(PssTag {
        level: Level::Restricted,
        check: "runAsNonRoot",
        since: 0,
    }),
    mitigations: &["run_as_non_root"],
    enables: &[],
    en: Text {
        title: "Container may run as root",
        message: "{subject} is not required to run as non-root",
        what: "Finds containers whose effective `runAsNonRoot` (the container's, else the pod's) is not `true`.",
        why: "Containers run as the image's `USER`, and that is root unless the Dockerfile says otherwise. Root in a container is the same UID 0 as on the host: a kernel or runtime bug, a writable hostPath or a mounted secret is then one step from the node. `runAsNonRoot: true` makes the kubelet refuse to start the container as UID 0.",
        fix: "Set `runAsNonRoot: true` in the pod's securityContext, and make sure the image has a numeric non-root `USER` (or set `runAsUser`).",
    },
    ko: Text {
        title: "root로 실행될 수 있는 컨테이너",
        message: "{subject}에 non-root 실행이 강제되지 않는다",
        what: "실제로 적용되는 `runAsNonRoot`(컨테이너 값, 없으면 파드 값)가 `true`가 아닌 컨테이너를 찾는다.",
        why: "컨테이너는 이미지의 `USER`로 실행되고, Dockerfile에서 바꾸지 않았다면 그 유저는 root다. 컨테이너 안의 root는 호스트의 UID 0과 다르지 않아서, 커널이나 런타임 버그, 쓰기 가능한 hostPath, 마운트된 시크릿이 있으면 바로 노드까지 닿는다. `runAsNonRoot: true`를 쓰면 kubelet이 UID 0인 컨테이너를 시작하지 않는다.",
        fix: "파드 securityContext에 `runAsNonRoot: true`를 넣고, 이미지에 숫자로 된 non-root `USER`가 있는지 확인한다 (없으면 `runAsUser`를 지정한다).",
    },
    example: "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  containers:\n    - name: web\n      image: example/web:1\n",
    use_instead: "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  securityContext:\n    runAsNonRoot: true\n  containers:\n    - name: web\n      image: example/web:1\n",
    references: &[
        "https://kubernetes.io/docs/concepts/security/pod-security-standards/#restricted",
        "https://kubernetes.io/docs/tasks/configure-pod-container/security-context/",
    ],
    check: Check::Workload(check),
    fix: Some(FixDoc {
        applicability: Applicability::Unsafe,
        en: "Sets `runAsNonRoot: true` on the pod, with `runAsUser`/`runAsGroup` taken from the image's numeric non-root user when it is known (its Dockerfile in the scan, or the base image table), otherwise 10001. Safe when every container already runs as a non-zero UID; unsafe otherwise, since the process changes user and may lose access to files it owned.",
        ko: "파드에 `runAsNonRoot: true`를 넣고, 이미지의 숫자 non-root 유저를 알면 (함께 검사한 Dockerfile이나 베이스 이미지 표) 그 값으로, 모르면 10001로 `runAsUser`/`runAsGroup`을 넣는다. 모든 컨테이너가 이미 0이 아닌 UID로 실행되면 safe이고, 그렇지 않으면 프로세스의 유저가 바뀌어 소유하던 파일에 접근하지 못할 수 있으므로 unsafe다.",
    }),
};

/// The pod-level fix: runAsNonRoot, plus a UID when some container's user
/// is decided by an image that runs as root (or is unknown).
fn pod_fix(ctx: &Ctx<'_, '_>) -> (Applicability, String, Vec<(String, V)>) {
    let mut entries = vec![("runAsNonRoot".to_string(), V::Bool(true))];
    let mut uids: Vec<Option<u32>> = Vec::new();
    let mut needs_uid = false;
    for (c, eff) in ctx.containers() {
        if eff.run_as_non_root.value.is_some() {
            continue;
        }
        if eff
            .run_as_user
            .value
            .is_some_and(|u| crate::model::non_root_id(u.v))
        {
            continue;
        }
        let info = c.image.and_then(|i| ctx.images.lookup(i.v));
        match info {
            Some(i) if i.runs_as_root == Some(false) && !i.by_name => continue,
            Some(i) => uids.push(i.numeric_uid.filter(|u| *u != 0).or_else(|| {
                c.image
                    .and_then(|im| ctx.base_image(im.v))
                    .and_then(|b| b.suggested_user().map(|u| u.uid))
            })),
            None => uids.push(
                c.image
                    .and_then(|im| ctx.base_image(im.v))
                    .and_then(|b| b.suggested_user().map(|u| u.uid)),
            ),
        }
        needs_uid = true;
    }
    if !needs_uid {
        return (
            Applicability::Safe,
            "set runAsNonRoot: true (every container already runs as a non-root UID)".into(),
            entries,
        );
    }
    let first = uids.first().copied().flatten();
    let (uid, why) = match first {
        Some(u) if uids.iter().all(|x| *x == Some(u)) => (u, "the image's own non-root user"),
        _ => (
            10001,
            "no image user known: 10001 is outside the host's user range",
        ),
    };
    let pod = ctx.pod.spec.security_context.as_ref();
    if pod.and_then(|s| s.run_as_user).is_none() {
        entries.push(("runAsUser".into(), V::Int(uid as i64)));
    }
    if pod.and_then(|s| s.run_as_group).is_none() {
        entries.push(("runAsGroup".into(), V::Int(uid as i64)));
    }
    // A non-root process gets no ambient capabilities in Kubernetes, so
    // NET_BIND_SERVICE alone does not let it bind a port below 1024; the
    // pod-scoped (and baseline-allowed) sysctl does.
    let low_port = ctx
        .containers()
        .any(|(c, _)| crate::rules::capabilities_binds_low_port(ctx, c));
    let has_sysctls = pod.is_some_and(|s| !s.sysctls.is_empty());
    if low_port && !has_sysctls {
        entries.push((
            "sysctls".into(),
            V::List(vec![V::map(&[
                ("name", V::str("net.ipv4.ip_unprivileged_port_start")),
                ("value", V::str("0")),
            ])]),
        ));
    }
    (
        Applicability::Unsafe,
        format!("set runAsNonRoot: true and runAsUser/runAsGroup: {uid} ({why})"),
        entries,
    )
}

fn check(ctx: &Ctx<'_, '_>, out: &mut Sink) {
    if !ctx.pss_fails("runAsNonRoot") {
        return;
    }
    let pod_false = ctx
        .pod
        .spec
        .security_context
        .as_ref()
        .and_then(|s| s.run_as_non_root)
        .filter(|v| !v.v);
    for (c, eff) in ctx.containers() {
        match eff.run_as_non_root.value {
            Some(v) if v.v => {}
            Some(v) if eff.run_as_non_root.origin == Origin::Container => {
                let safe = if eff
                    .run_as_user
                    .value
                    .is_some_and(|u| crate::model::non_root_id(u.v))
                {
                    Applicability::Safe
                } else {
                    Applicability::Unsafe
                };
                out.report(&RULE, v.node)
                    .on_container(c)
                    .value(false, eff.run_as_non_root.origin)
                    .fix(
                        safe,
                        "set runAsNonRoot: true",
                        ctx.replace(v.node, V::Bool(true)),
                    );
            }
            Some(v) => {
                out.report(&RULE, v.node)
                    .on_container(c)
                    .value(false, eff.run_as_non_root.origin);
            }
            None => {
                let (app, title, entries) = pod_fix(ctx);
                out.report(&RULE, ctx.container_anchor(c))
                    .on_container(c)
                    .unset()
                    .fix(app, title, ctx.set_pod(entries));
            }
        }
    }
    // An explicit pod-level false fails even when every container overrides it.
    if let Some(v) = pod_false {
        let (app, title, _) = pod_fix(ctx);
        let f = out.report(&RULE, v.node).on_pod().value(false, Origin::Pod);
        f.fix(
            app,
            title.replacen(
                "set runAsNonRoot: true",
                "set the pod's runAsNonRoot: true",
                1,
            ),
            ctx.replace(v.node, V::Bool(true)),
        );
    }
}
