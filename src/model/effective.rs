//! The security context a container actually runs with: for every field,
//! the effective value and where it came from.
//!
//! Fields that exist at both levels (runAsUser, runAsGroup, runAsNonRoot,
//! seLinuxOptions, seccompProfile, appArmorProfile, windowsOptions.*) take
//! the container's value when set, else the pod's, as the kubelet does
//! (`DetermineEffectiveSecurityContext`). seLinuxOptions, seccompProfile and
//! appArmorProfile are replaced as whole objects; windowsOptions field by
//! field. Container-only and pod-only fields keep their level.

use serde_json::{Value as Json, json};

use super::decode::Val;
use super::pod::{
    Capabilities, Container, PodSpec, Profile, SeLinuxOptions, SecurityContext, Sysctl,
};
use crate::source::tree::NodeId;

/// Where an effective value comes from. JSON and `inspect` show the
/// stable names of `as_str` (`container`, `pod`, `image`, `implied`,
/// `default`); text output words the pod cases apart.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Origin {
    /// Set on the container.
    Container,
    /// Set on the pod: a pod-level field, or the pod's own value.
    Pod,
    /// A field of both levels that the container takes from the pod.
    Inherited,
    /// Set on the pod, but every container sets its own: it applies to
    /// none of them.
    Overridden,
    /// Not in the manifest: the image's user (its Dockerfile, or podsec's
    /// base image table).
    Image,
    /// Follows from another field (`privileged: true` gives every
    /// capability and allows escalation).
    Implied,
    /// Not set anywhere: the runtime default applies.
    Default,
}

impl Origin {
    pub fn as_str(self) -> &'static str {
        match self {
            Origin::Container => "container",
            Origin::Pod | Origin::Inherited | Origin::Overridden => "pod",
            Origin::Image => "image",
            Origin::Implied => "implied",
            Origin::Default => "default",
        }
    }
}

/// What podsec knows of the user a container's image runs as.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImageUser {
    pub uid: Option<i64>,
    pub gid: Option<i64>,
    /// Where that is known from: `the image node:20-alpine: user node`.
    pub source: String,
}

/// An effective value (`None` when unset) and its origin.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Eff<T> {
    pub value: Option<T>,
    pub origin: Origin,
}

impl<T> Eff<T> {
    fn unset() -> Self {
        Eff {
            value: None,
            origin: Origin::Default,
        }
    }
}

fn pick<T: Copy>(c: Option<T>, p: Option<T>) -> Eff<T> {
    match (c, p) {
        (Some(v), _) => Eff {
            value: Some(v),
            origin: Origin::Container,
        },
        (None, Some(v)) => Eff {
            value: Some(v),
            origin: Origin::Inherited,
        },
        (None, None) => Eff::unset(),
    }
}

fn own<T>(v: Option<T>, origin: Origin) -> Eff<T> {
    match v {
        Some(v) => Eff {
            value: Some(v),
            origin,
        },
        None => Eff::unset(),
    }
}

/// The effective security context of one container.
#[derive(Clone, Debug)]
pub struct EffectiveSecurityContext<'a, 'd> {
    pub run_as_user: Eff<Val<i64>>,
    pub run_as_group: Eff<Val<i64>>,
    pub run_as_non_root: Eff<Val<bool>>,
    pub se_linux_options: Eff<&'a SeLinuxOptions<'d>>,
    pub seccomp_profile: Eff<&'a Profile<'d>>,
    pub app_armor_profile: Eff<&'a Profile<'d>>,
    pub host_process: Eff<Val<bool>>,
    pub run_as_user_name: Eff<Val<&'d str>>,
    pub privileged: Eff<Val<bool>>,
    pub allow_privilege_escalation: Eff<Val<bool>>,
    pub read_only_root_filesystem: Eff<Val<bool>>,
    pub capabilities: Eff<&'a Capabilities<'d>>,
    pub proc_mount: Eff<Val<&'d str>>,
    pub fs_group: Eff<Val<i64>>,
    pub supplemental_groups: &'a [Val<i64>],
    pub sysctls: &'a [Sysctl<'d>],
    /// The image's user, when podsec knows it (for runAsUser and
    /// runAsGroup that the manifest leaves unset).
    pub image: Option<ImageUser>,
    /// `rows()`, computed once (findings ask for one row each).
    rows: std::cell::OnceCell<Vec<Row>>,
}

pub fn effective<'a, 'd>(
    pod: &'a PodSpec<'d>,
    c: &'a Container<'d>,
) -> EffectiveSecurityContext<'a, 'd> {
    let p: Option<&SecurityContext> = pod.security_context.as_ref();
    let s: Option<&SecurityContext> = c.security_context.as_ref();
    let win = |sc: Option<&'a SecurityContext<'d>>| sc.and_then(|x| x.windows_options.as_ref());
    EffectiveSecurityContext {
        run_as_user: pick(s.and_then(|x| x.run_as_user), p.and_then(|x| x.run_as_user)),
        run_as_group: pick(
            s.and_then(|x| x.run_as_group),
            p.and_then(|x| x.run_as_group),
        ),
        run_as_non_root: pick(
            s.and_then(|x| x.run_as_non_root),
            p.and_then(|x| x.run_as_non_root),
        ),
        se_linux_options: pick(
            s.and_then(|x| x.se_linux_options.as_ref()),
            p.and_then(|x| x.se_linux_options.as_ref()),
        ),
        seccomp_profile: pick(
            s.and_then(|x| x.seccomp_profile.as_ref()),
            p.and_then(|x| x.seccomp_profile.as_ref()),
        ),
        app_armor_profile: pick(
            s.and_then(|x| x.app_armor_profile.as_ref()),
            p.and_then(|x| x.app_armor_profile.as_ref()),
        ),
        host_process: pick(
            win(s).and_then(|w| w.host_process),
            win(p).and_then(|w| w.host_process),
        ),
        run_as_user_name: pick(
            win(s).and_then(|w| w.run_as_user_name),
            win(p).and_then(|w| w.run_as_user_name),
        ),
        privileged: own(s.and_then(|x| x.privileged), Origin::Container),
        allow_privilege_escalation: own(
            s.and_then(|x| x.allow_privilege_escalation),
            Origin::Container,
        ),
        read_only_root_filesystem: own(
            s.and_then(|x| x.read_only_root_filesystem),
            Origin::Container,
        ),
        capabilities: own(s.and_then(|x| x.capabilities.as_ref()), Origin::Container),
        proc_mount: own(s.and_then(|x| x.proc_mount), Origin::Container),
        fs_group: own(p.and_then(|x| x.fs_group), Origin::Pod),
        supplemental_groups: p.map_or(&[], |x| &x.supplemental_groups[..]),
        sysctls: p.map_or(&[], |x| &x.sysctls[..]),
        image: None,
        rows: std::cell::OnceCell::new(),
    }
}

/// One field of what a container runs with, for `podsec inspect` and for
/// a finding's `= effective:` line.
#[derive(Clone, Debug)]
pub struct Row {
    pub field: &'static str,
    /// The effective value, or what the runtime does when it is unset.
    pub value: Json,
    pub display: String,
    pub origin: Origin,
    /// For `image` and `implied`: where the value comes from
    /// (`the image node:20-alpine: user node`, `privileged: true`).
    pub detail: Option<String>,
    pub node: Option<NodeId>,
}

fn opt_str(v: &Option<Val<&str>>) -> Option<String> {
    v.map(|x| x.v.to_string()).filter(|s| !s.is_empty())
}

impl EffectiveSecurityContext<'_, '_> {
    /// `privileged: true`: the runtime gives every capability, masks no
    /// /proc path, applies no seccomp profile and no default AppArmor
    /// profile, and escalation is always allowed.
    pub fn is_privileged(&self) -> bool {
        self.privileged.value.is_some_and(|v| v.v)
    }

    /// `capabilities.add` holds SYS_ADMIN (or CAP_SYS_ADMIN).
    pub fn adds_sys_admin(&self) -> bool {
        self.capabilities.value.is_some_and(|c| {
            c.add
                .iter()
                .any(|a| a.v == "SYS_ADMIN" || a.v == "CAP_SYS_ADMIN")
        })
    }

    /// The row of one field (`allowPrivilegeEscalation`, `runAsUser`…).
    pub fn row(&self, field: &str) -> Option<Row> {
        self.rows
            .get_or_init(|| self.compute_rows())
            .iter()
            .find(|r| r.field == field)
            .cloned()
    }

    /// Every field's row. Set `image` before the first call.
    pub fn rows(&self) -> Vec<Row> {
        self.rows.get_or_init(|| self.compute_rows()).clone()
    }

    fn compute_rows(&self) -> Vec<Row> {
        let mut rows = Vec::new();
        let mut push = |field, origin, node, value: Json, display: String| {
            rows.push(Row {
                field,
                value,
                display,
                origin,
                detail: None,
                node,
            })
        };
        macro_rules! scalar {
            ($field:literal, $eff:expr, $default:literal) => {
                match $eff.value {
                    Some(v) => push(
                        $field,
                        $eff.origin,
                        Some(v.node),
                        json!(v.v),
                        v.v.to_string(),
                    ),
                    None => push(
                        $field,
                        Origin::Default,
                        None,
                        Json::Null,
                        $default.to_string(),
                    ),
                }
            };
        }
        scalar!(
            "runAsNonRoot",
            self.run_as_non_root,
            "not enforced (the image's USER decides)"
        );
        scalar!(
            "runAsUser",
            self.run_as_user,
            "the image's USER (unknown to podsec; root if the image sets none)"
        );
        scalar!("runAsGroup", self.run_as_group, "the image's group");
        match self.se_linux_options.value {
            Some(o) => {
                let parts = [&o.user, &o.role, &o.type_, &o.level].map(opt_str);
                let display = parts
                    .iter()
                    .map(|p| p.as_deref().unwrap_or(""))
                    .collect::<Vec<_>>()
                    .join(":");
                let value = json!({"user": parts[0], "role": parts[1], "type": parts[2], "level": parts[3]});
                push(
                    "seLinuxOptions",
                    self.se_linux_options.origin,
                    Some(o.node),
                    value,
                    display,
                )
            }
            None => push(
                "seLinuxOptions",
                Origin::Default,
                None,
                Json::Null,
                "assigned by the runtime".into(),
            ),
        }
        for (field, eff, default) in [
            (
                "seccompProfile",
                self.seccomp_profile,
                "Unconfined (RuntimeDefault only where the kubelet runs with SeccompDefault)",
            ),
            (
                "appArmorProfile",
                self.app_armor_profile,
                "the runtime's default profile on AppArmor nodes",
            ),
        ] {
            match eff.value {
                Some(p) => {
                    let t = p.type_str();
                    let lp = opt_str(&p.localhost_profile);
                    let display = match &lp {
                        Some(l) => format!("{t} ({l})"),
                        None => t.to_string(),
                    };
                    push(
                        field,
                        eff.origin,
                        Some(p.node),
                        json!({"type": t, "localhostProfile": lp}),
                        display,
                    )
                }
                None => push(field, Origin::Default, None, Json::Null, default.into()),
            }
        }
        scalar!("windowsOptions.hostProcess", self.host_process, "false");
        scalar!(
            "windowsOptions.runAsUserName",
            self.run_as_user_name,
            "the image's user"
        );
        scalar!("privileged", self.privileged, "false");
        scalar!(
            "allowPrivilegeEscalation",
            self.allow_privilege_escalation,
            "true (no_new_privs is not set)"
        );
        scalar!(
            "readOnlyRootFilesystem",
            self.read_only_root_filesystem,
            "false"
        );
        match self.capabilities.value {
            Some(c) => {
                let add: Vec<&str> = c.add.iter().map(|v| v.v).collect();
                let drop: Vec<&str> = c.drop.iter().map(|v| v.v).collect();
                let display = format!("drop [{}] add [{}]", drop.join(", "), add.join(", "));
                push(
                    "capabilities",
                    Origin::Container,
                    Some(c.node),
                    json!({"add": add, "drop": drop}),
                    display,
                )
            }
            None => push(
                "capabilities",
                Origin::Default,
                None,
                Json::Null,
                "the runtime's default set (includes NET_RAW, DAC_OVERRIDE, SETUID…)".into(),
            ),
        }
        scalar!("procMount", self.proc_mount, "Default");
        scalar!("fsGroup", self.fs_group, "none");
        if self.supplemental_groups.is_empty() {
            push(
                "supplementalGroups",
                Origin::Default,
                None,
                Json::Null,
                "none".into(),
            );
        } else {
            let g: Vec<i64> = self.supplemental_groups.iter().map(|v| v.v).collect();
            let display = g
                .iter()
                .map(|x| x.to_string())
                .collect::<Vec<_>>()
                .join(", ");
            push(
                "supplementalGroups",
                Origin::Pod,
                Some(self.supplemental_groups[0].node),
                json!(g),
                display,
            );
        }
        if self.sysctls.is_empty() {
            push("sysctls", Origin::Default, None, Json::Null, "none".into());
        } else {
            let v: Vec<Json> = self
                .sysctls
                .iter()
                .map(|s| json!({"name": s.name.v, "value": s.value.map(|v| v.v)}))
                .collect();
            let display = self
                .sysctls
                .iter()
                .map(|s| format!("{}={}", s.name.v, s.value.map_or("", |v| v.v)))
                .collect::<Vec<_>>()
                .join(", ");
            push(
                "sysctls",
                Origin::Pod,
                Some(self.sysctls[0].node),
                Json::Array(v),
                display,
            );
        }
        self.settle(&mut rows);
        rows
    }

    /// What the manifest does not say but the container still gets: the
    /// image's user, and what privileged (or SYS_ADMIN) implies. The rules
    /// follow the kubelet and the container runtimes; docs/effective.md
    /// names the source of each.
    fn settle(&self, rows: &mut [Row]) {
        let set = |rows: &mut [Row],
                   field: &str,
                   value: Json,
                   display: &str,
                   origin: Origin,
                   detail: &str| {
            if let Some(r) = rows.iter_mut().find(|r| r.field == field) {
                r.value = value;
                r.display = display.to_string();
                r.origin = origin;
                r.detail = Some(detail.to_string());
            }
        };
        if let Some(img) = &self.image {
            if self.run_as_user.value.is_none()
                && let Some(uid) = img.uid
            {
                set(
                    rows,
                    "runAsUser",
                    json!(uid),
                    &uid.to_string(),
                    Origin::Image,
                    &img.source,
                );
            }
            if self.run_as_group.value.is_none()
                && let Some(gid) = img.gid
            {
                set(
                    rows,
                    "runAsGroup",
                    json!(gid),
                    &gid.to_string(),
                    Origin::Image,
                    &img.source,
                );
            }
        }
        if self.is_privileged() {
            let why = "privileged: true";
            set(
                rows,
                "allowPrivilegeEscalation",
                json!(true),
                "true",
                Origin::Implied,
                why,
            );
            set(
                rows,
                "capabilities",
                json!("all"),
                "all capabilities",
                Origin::Implied,
                why,
            );
            set(
                rows,
                "seccompProfile",
                json!({"type": "Unconfined"}),
                "Unconfined",
                Origin::Implied,
                "privileged: true; the runtime applies no seccomp profile to a privileged container",
            );
            if self
                .app_armor_profile
                .value
                .is_none_or(|p| p.type_str() == "RuntimeDefault")
            {
                set(
                    rows,
                    "appArmorProfile",
                    json!({"type": "Unconfined"}),
                    "Unconfined",
                    Origin::Implied,
                    "privileged: true; the runtime applies no default AppArmor profile to a privileged container",
                );
            }
            set(
                rows,
                "procMount",
                json!("Unmasked"),
                "Unmasked",
                Origin::Implied,
                "privileged: true; no /proc path is masked for a privileged container",
            );
        } else if self.adds_sys_admin() {
            set(
                rows,
                "allowPrivilegeEscalation",
                json!(true),
                "true",
                Origin::Implied,
                "capabilities.add SYS_ADMIN",
            );
        }
    }
}
