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

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Origin {
    Container,
    Pod,
    /// Not set anywhere: the runtime default applies.
    Default,
}

impl Origin {
    pub fn as_str(self) -> &'static str {
        match self {
            Origin::Container => "container",
            Origin::Pod => "pod",
            Origin::Default => "default",
        }
    }
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
            origin: Origin::Pod,
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
    }
}

/// One row of `podsec inspect`.
#[derive(Clone, Debug)]
pub struct Row {
    pub field: &'static str,
    /// The effective value, or what the runtime does when it is unset.
    pub value: Json,
    pub display: String,
    pub origin: Origin,
    pub node: Option<NodeId>,
}

fn opt_str(v: &Option<Val<&str>>) -> Option<String> {
    v.map(|x| x.v.to_string()).filter(|s| !s.is_empty())
}

impl EffectiveSecurityContext<'_, '_> {
    pub fn rows(&self) -> Vec<Row> {
        let mut rows = Vec::new();
        let mut push = |field, origin, node, value: Json, display: String| {
            rows.push(Row {
                field,
                value,
                display,
                origin,
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
            "the image's USER (root if it sets none)"
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
        rows
    }
}
