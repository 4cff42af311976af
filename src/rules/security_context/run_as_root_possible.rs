use crate::fix::editor::{NoFix, V};
use crate::fix::{Applicability, Edit};
use crate::model::Container;
use crate::model::effective::{EffectiveSecurityContext, Origin};
use crate::pss::Level;
use crate::rules::FixDoc;
use crate::rules::capabilities::capabilities_not_dropped::binds_low_port;
use crate::rules::{Category, Change, Check, Ctx, PssTag, Rule, Severity, Sink, Text};

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

/// Volume sources whose files keep their ownership across restarts, so a
/// new UID needs `fsGroup` to write them.
const PERSISTENT: &[&str] = &[
    "persistentVolumeClaim",
    "ephemeral",
    "csi",
    "gcePersistentDisk",
    "awsElasticBlockStore",
    "azureDisk",
    "cinder",
    "iscsi",
    "rbd",
    "fc",
    "vsphereVolume",
    "portworxVolume",
];

/// The user a container's fix gives it: `None` when its user is already
/// non-root (a non-root runAsUser, or an image with a numeric non-root
/// USER); otherwise the image's own non-root user from the Dockerfile or
/// the table (uid, gid), or `Some(None)` when nothing is known.
#[allow(clippy::option_option)]
fn needed_user(
    ctx: &Ctx<'_, '_>,
    c: &Container<'_>,
    eff: &EffectiveSecurityContext<'_, '_>,
) -> Option<Option<(u32, u32)>> {
    if eff
        .run_as_user
        .value
        .is_some_and(|u| crate::model::non_root_id(u.v))
    {
        return None;
    }
    let table = || {
        c.image
            .and_then(|im| ctx.base_image(im.v))
            .and_then(|b| b.suggested_user().map(|u| (u.uid, u.gid)))
    };
    match c.image.and_then(|i| ctx.images.lookup(i.v)) {
        Some(i) if i.runs_as_root == Some(false) && !i.by_name => None,
        Some(i) => Some(
            i.numeric_uid
                .filter(|u| *u != 0)
                .map(|u| (u, u))
                .or_else(table),
        ),
        None => Some(table()),
    }
}

/// What the fix writes for a set of containers: securityContext entries,
/// the pod-level entries it needs too (fsGroup, the port sysctl), the
/// title, and the containers that get the image's writable paths.
struct UserFix<'c, 'd> {
    applicability: Applicability,
    title: String,
    entries: Vec<(String, V)>,
    pod_entries: Vec<(String, V)>,
    writable: Vec<&'c Container<'d>>,
}

fn user_fix<'c, 'd>(
    ctx: &'c Ctx<'_, 'd>,
    containers: &[(&'c Container<'d>, &'c EffectiveSecurityContext<'c, 'd>)],
    existing: Option<&crate::model::SecurityContext<'_>>,
) -> UserFix<'c, 'd> {
    let mut entries = vec![("runAsNonRoot".to_string(), V::Bool(true))];
    let mut pod_entries = Vec::new();
    let needs: Vec<(&Container<'_>, Option<(u32, u32)>)> = containers
        .iter()
        .filter(|(_, e)| e.run_as_non_root.value.is_none())
        .filter_map(|(c, e)| needed_user(ctx, c, e).map(|u| (*c, u)))
        .collect();
    if needs.is_empty() {
        return UserFix {
            applicability: Applicability::Safe,
            title: "set runAsNonRoot: true (every container already runs as a non-root UID)".into(),
            entries,
            pod_entries,
            writable: Vec::new(),
        };
    }
    let first = needs[0].1;
    let ((uid, gid), why) = match first {
        Some(u) if needs.iter().all(|(_, x)| *x == Some(u)) => (u, "the image's own non-root user"),
        _ => (
            (10001, 10001),
            "no image user known: 10001 is outside the host's user range",
        ),
    };
    if existing.and_then(|s| s.run_as_user).is_none() {
        entries.push(("runAsUser".into(), V::Int(uid as i64)));
    }
    if existing.and_then(|s| s.run_as_group).is_none() {
        entries.push(("runAsGroup".into(), V::Int(gid as i64)));
    }
    let pod = ctx.pod.spec.security_context.as_ref();
    // A new UID cannot write a persistent volume's files unless the pod's
    // fsGroup gives it their group.
    let persistent = needs.iter().any(|(c, _)| {
        c.volume_mounts.iter().any(|m| {
            ctx.pod.spec.volumes.iter().any(|v| {
                m.name.is_some_and(|n| n.v == v.name)
                    && v.sources.iter().any(|(s, _)| PERSISTENT.contains(s))
            })
        })
    });
    let mut title = format!("set runAsNonRoot: true and runAsUser/runAsGroup: {uid} ({why})");
    if persistent && pod.and_then(|s| s.fs_group).is_none() {
        pod_entries.push(("fsGroup".into(), V::Int(gid as i64)));
        pod_entries.push(("fsGroupChangePolicy".into(), V::str("OnRootMismatch")));
        title.push_str(&format!(
            ", and fsGroup: {gid} so it can write its persistent volumes"
        ));
    }
    // A non-root process gets no ambient capabilities in Kubernetes, so
    // NET_BIND_SERVICE alone does not let it bind a port below 1024; the
    // pod-scoped (and baseline-allowed) sysctl does.
    let low_port = needs.iter().any(|(c, _)| binds_low_port(ctx, c));
    let has_sysctls = pod.is_some_and(|s| !s.sysctls.is_empty());
    if low_port && !has_sysctls {
        pod_entries.push((
            "sysctls".into(),
            V::List(vec![V::map(&[
                ("name", V::str("net.ipv4.ip_unprivileged_port_start")),
                ("value", V::str("0")),
            ])]),
        ));
    }
    // The image's own user needs the directories the table lists (nginx's
    // cache and pid paths belong to root in the image).
    let writable: Vec<&Container<'_>> = needs
        .iter()
        .filter(|(_, u)| u.is_some())
        .map(|(c, _)| *c)
        .filter(|c| super::image_writable_paths(ctx, c).is_some_and(|p| !p.is_empty()))
        .collect();
    UserFix {
        applicability: Applicability::Unsafe,
        title,
        entries,
        pod_entries,
        writable,
    }
}

/// The edits of a user fix: at the pod (`container: None`) or on one
/// container, plus the pod-level entries and the writable directories.
fn user_edits(
    ctx: &Ctx<'_, '_>,
    fix: &UserFix<'_, '_>,
    container: Option<&Container<'_>>,
) -> Result<Vec<Edit>, NoFix> {
    let mut edits = match container {
        None => {
            let mut all = fix.entries.clone();
            all.extend(fix.pod_entries.iter().cloned());
            ctx.set_pod(all)?
        }
        Some(c) => {
            if !matches!(ctx.doc.kind(c.node), crate::source::tree::NodeKind::Map(_)) {
                return Err(NoFix("the container is not a mapping"));
            }
            let mut e = ctx
                .edit
                .set(c.node, "securityContext", &V::Map(fix.entries.clone()))?;
            if !fix.pod_entries.is_empty() {
                e.extend(ctx.set_pod(fix.pod_entries.clone())?);
            }
            e
        }
    };
    for c in &fix.writable {
        let paths = super::image_writable_paths(ctx, c).unwrap_or_default();
        edits.extend(super::emptydirs(ctx, c, &paths)?);
    }
    Ok(edits)
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
                        ctx.unless_human(Some((c, eff)), Change::User, || {
                            ctx.replace(v.node, V::Bool(true))
                        }),
                    );
            }
            Some(v) => {
                out.report(&RULE, v.node)
                    .on_container(c)
                    .value(false, eff.run_as_non_root.origin);
            }
            None => {
                let f = out
                    .report(&RULE, ctx.container_anchor(c))
                    .on_container(c)
                    .effective(eff.row("runAsNonRoot"));
                if let Some(why) = ctx.human_decision(Some((c, eff)), Change::User) {
                    f.fix(
                        Applicability::Unsafe,
                        "set runAsNonRoot: true",
                        Err(NoFix(why)),
                    );
                    continue;
                }
                // At the pod when every container without its own setting
                // can take it; otherwise on this container only.
                let all: Vec<_> = ctx.containers().collect();
                let every = all
                    .iter()
                    .filter(|(_, e)| e.run_as_non_root.value.is_none())
                    .all(|(c2, e2)| ctx.human_decision(Some((c2, e2)), Change::User).is_none());
                if every {
                    let fix = user_fix(ctx, &all, ctx.pod.spec.security_context.as_ref());
                    f.fix(fix.applicability, &fix.title, user_edits(ctx, &fix, None));
                } else {
                    let fix = user_fix(ctx, &[(c, eff)], c.security_context.as_ref());
                    f.fix(
                        fix.applicability,
                        format!(
                            "{} on this container (the pod's other containers are left to a person)",
                            fix.title
                        ),
                        user_edits(ctx, &fix, Some(c)),
                    );
                }
            }
        }
    }
    // An explicit pod-level false fails even when every container overrides it.
    if let Some(v) = pod_false {
        let all: Vec<_> = ctx.containers().collect();
        let fix = user_fix(ctx, &all, ctx.pod.spec.security_context.as_ref());
        let f = out
            .report(&RULE, v.node)
            .on_pod()
            .value(false, ctx.pod_value_origin(|s| s.run_as_non_root.is_some()));
        let human = all
            .iter()
            .find_map(|(c, e)| ctx.human_decision(Some((c, e)), Change::User));
        f.fix(
            fix.applicability,
            fix.title.replacen(
                "set runAsNonRoot: true",
                "set the pod's runAsNonRoot: true",
                1,
            ),
            match human {
                Some(why) => Err(NoFix(why)),
                None => ctx.replace(v.node, V::Bool(true)),
            },
        );
    }
}
