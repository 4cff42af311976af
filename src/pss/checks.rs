//! The 19 Pod Security admission checks, revision by revision.

use super::Level;
use super::format::{containers, join_quote, plural, sorted};
use crate::model::{Container, PodTemplate, SecurityContext};

type Out = Option<(String, String)>;
type CheckFn = fn(&PodTemplate<'_>) -> Out;

/// One revision of a check, in force from `v1.<min_minor>`.
pub struct Revision {
    pub min_minor: u32,
    pub check: CheckFn,
    /// Baseline checks this (restricted) revision replaces.
    pub overrides: &'static [&'static str],
}

pub struct Check {
    pub id: &'static str,
    pub level: Level,
    pub revisions: &'static [Revision],
}

const fn rev(min_minor: u32, check: CheckFn) -> Revision {
    Revision {
        min_minor,
        check,
        overrides: &[],
    }
}

const fn rev_over(min_minor: u32, check: CheckFn, overrides: &'static [&'static str]) -> Revision {
    Revision {
        min_minor,
        check,
        overrides,
    }
}

pub static CHECKS: &[Check] = &[
    Check {
        id: "appArmorProfile",
        level: Level::Baseline,
        revisions: &[rev(0, app_armor_profile)],
    },
    Check {
        id: "capabilities_baseline",
        level: Level::Baseline,
        revisions: &[rev(0, capabilities_baseline)],
    },
    Check {
        id: "hostNamespaces",
        level: Level::Baseline,
        revisions: &[rev(0, host_namespaces)],
    },
    Check {
        id: "hostPathVolumes",
        level: Level::Baseline,
        revisions: &[rev(0, host_path_volumes)],
    },
    Check {
        id: "hostPorts",
        level: Level::Baseline,
        revisions: &[rev(0, host_ports)],
    },
    Check {
        id: "hostProbesAndHostLifecycle",
        level: Level::Baseline,
        revisions: &[rev(34, host_probes_and_host_lifecycle)],
    },
    Check {
        id: "privileged",
        level: Level::Baseline,
        revisions: &[rev(0, privileged)],
    },
    Check {
        id: "procMount",
        level: Level::Baseline,
        revisions: &[rev(0, proc_mount_1_0), rev(35, proc_mount_1_35)],
    },
    Check {
        id: "seLinuxOptions",
        level: Level::Baseline,
        revisions: &[rev(0, se_linux_options_1_0), rev(31, se_linux_options_1_31)],
    },
    Check {
        id: "seccompProfile_baseline",
        level: Level::Baseline,
        revisions: &[rev(0, seccomp_baseline_1_0), rev(19, seccomp_baseline_1_19)],
    },
    Check {
        id: "sysctls",
        level: Level::Baseline,
        revisions: &[
            rev(0, sysctls_1_0),
            rev(27, sysctls_1_27),
            rev(29, sysctls_1_29),
            rev(32, sysctls_1_32),
            rev(37, sysctls_1_37),
        ],
    },
    Check {
        id: "windowsHostProcess",
        level: Level::Baseline,
        revisions: &[rev(0, windows_host_process)],
    },
    Check {
        id: "allowPrivilegeEscalation",
        level: Level::Restricted,
        revisions: &[
            rev(8, allow_privilege_escalation_1_8),
            rev(25, allow_privilege_escalation_1_25),
        ],
    },
    Check {
        id: "capabilities_restricted",
        level: Level::Restricted,
        revisions: &[
            rev_over(22, capabilities_restricted_1_22, &["capabilities_baseline"]),
            rev_over(25, capabilities_restricted_1_25, &["capabilities_baseline"]),
        ],
    },
    Check {
        id: "procMount_restricted",
        level: Level::Restricted,
        revisions: &[rev_over(35, proc_mount_1_0, &["procMount"])],
    },
    Check {
        id: "restrictedVolumes",
        level: Level::Restricted,
        revisions: &[rev_over(0, restricted_volumes, &["hostPathVolumes"])],
    },
    Check {
        id: "runAsNonRoot",
        level: Level::Restricted,
        revisions: &[rev(0, run_as_non_root_1_0), rev(35, run_as_non_root_1_35)],
    },
    Check {
        id: "runAsUser",
        level: Level::Restricted,
        revisions: &[rev(23, run_as_user_1_23), rev(35, run_as_user_1_35)],
    },
    Check {
        id: "seccompProfile_restricted",
        level: Level::Restricted,
        revisions: &[
            rev_over(19, seccomp_restricted_1_19, &["seccompProfile_baseline"]),
            rev_over(25, seccomp_restricted_1_25, &["seccompProfile_baseline"]),
        ],
    },
];

fn fail(reason: &str, detail: String) -> Out {
    Some((reason.to_string(), detail))
}

fn csc<'a, 'd>(c: &'a Container<'d>) -> Option<&'a SecurityContext<'d>> {
    c.security_context.as_ref()
}

fn psc<'a, 'd>(pod: &'a PodTemplate<'d>) -> Option<&'a SecurityContext<'d>> {
    pod.spec.security_context.as_ref()
}

/// `pod`, then `container[s] "…"`, joined by ` and `.
fn setters(pod: bool, names: &[&str]) -> Vec<String> {
    let mut s = Vec::new();
    if pod {
        s.push("pod".to_string());
    }
    if !names.is_empty() {
        s.push(containers(names));
    }
    s
}

// ---- baseline ----

const APPARMOR_ANNOTATION_PREFIX: &str = "container.apparmor.security.beta.kubernetes.io/";

fn allowed_profile_type(t: &str) -> bool {
    t == "RuntimeDefault" || t == "Localhost"
}

fn app_armor_profile(pod: &PodTemplate<'_>) -> Out {
    let mut bad_values: Vec<&str> = Vec::new();
    let mut bad_pod = false;
    if let Some(p) = psc(pod).and_then(|s| s.app_armor_profile.as_ref())
        && !allowed_profile_type(p.type_str())
    {
        bad_pod = true;
        bad_values.push(p.type_str());
    }
    let mut bad: Vec<&str> = Vec::new();
    for c in pod.spec.all_containers() {
        if let Some(p) = csc(c).and_then(|s| s.app_armor_profile.as_ref())
            && !allowed_profile_type(p.type_str())
        {
            bad.push(c.name);
            bad_values.push(p.type_str());
        }
    }
    let mut setters = setters(bad_pod, &bad);
    let mut annotations: Vec<String> = pod
        .annotations
        .iter()
        .filter(|(k, v)| {
            k.starts_with(APPARMOR_ANNOTATION_PREFIX)
                && !(v.v.is_empty() || v.v == "runtime/default" || v.v.starts_with("localhost/"))
        })
        .map(|(k, v)| format!("{k}={}", super::go_quote(v.v)))
        .collect();
    let mut values: Vec<String> = sorted(&bad_values).into_iter().map(String::from).collect();
    if !annotations.is_empty() {
        annotations.sort();
        setters.push(plural("annotation", "annotations", annotations.len()).to_string());
        values.extend(annotations);
    }
    if setters.is_empty() {
        return None;
    }
    fail(
        plural(
            "forbidden AppArmor profile",
            "forbidden AppArmor profiles",
            values.len(),
        ),
        format!(
            "{} must not set AppArmor profile type to {}",
            setters.join(" and "),
            join_quote(&values)
        ),
    )
}

/// Capabilities baseline allows in `capabilities.add` (exact names).
pub const BASELINE_CAPABILITIES: &[&str] = &[
    "AUDIT_WRITE",
    "CHOWN",
    "DAC_OVERRIDE",
    "FOWNER",
    "FSETID",
    "KILL",
    "MKNOD",
    "NET_BIND_SERVICE",
    "SETFCAP",
    "SETGID",
    "SETPCAP",
    "SETUID",
    "SYS_CHROOT",
];

fn capabilities_baseline(pod: &PodTemplate<'_>) -> Out {
    let mut bad: Vec<&str> = Vec::new();
    let mut caps: Vec<&str> = Vec::new();
    for c in pod.spec.all_containers() {
        let Some(k) = csc(c).and_then(|s| s.capabilities.as_ref()) else {
            continue;
        };
        let mut valid = true;
        for a in &k.add {
            if !BASELINE_CAPABILITIES.contains(&a.v) {
                valid = false;
                caps.push(a.v);
            }
        }
        if !valid {
            bad.push(c.name);
        }
    }
    if bad.is_empty() {
        return None;
    }
    fail(
        "non-default capabilities",
        format!(
            "{} must not include {} in securityContext.capabilities.add",
            containers(&bad),
            join_quote(&sorted(&caps))
        ),
    )
}

fn host_namespaces(pod: &PodTemplate<'_>) -> Out {
    let s = &pod.spec;
    let mut set = Vec::new();
    if s.host_network.is_some_and(|v| v.v) {
        set.push("hostNetwork=true");
    }
    if s.host_pid.is_some_and(|v| v.v) {
        set.push("hostPID=true");
    }
    if s.host_ipc.is_some_and(|v| v.v) {
        set.push("hostIPC=true");
    }
    if set.is_empty() {
        return None;
    }
    fail("host namespaces", set.join(", "))
}

fn host_path_volumes(pod: &PodTemplate<'_>) -> Out {
    let bad: Vec<&str> = pod
        .spec
        .volumes
        .iter()
        .filter(|v| v.has("hostPath"))
        .map(|v| v.name)
        .collect();
    if bad.is_empty() {
        return None;
    }
    fail(
        "hostPath volumes",
        format!(
            "{} {}",
            plural("volume", "volumes", bad.len()),
            join_quote(&bad)
        ),
    )
}

fn host_ports(pod: &PodTemplate<'_>) -> Out {
    let mut bad: Vec<&str> = Vec::new();
    let mut ports: Vec<String> = Vec::new();
    for c in pod.spec.all_containers() {
        let mut valid = true;
        for p in &c.ports {
            if let Some(hp) = p.host_port.filter(|h| h.v != 0) {
                valid = false;
                ports.push(hp.v.to_string());
            }
        }
        if !valid {
            bad.push(c.name);
        }
    }
    if bad.is_empty() {
        return None;
    }
    let ports = sorted(&ports);
    fail(
        "hostPort",
        format!(
            "{} {} {} {}",
            containers(&bad),
            plural("uses", "use", bad.len()),
            plural("hostPort", "hostPorts", ports.len()),
            ports.join(", ")
        ),
    )
}

fn host_probes_and_host_lifecycle(pod: &PodTemplate<'_>) -> Out {
    let mut bad: Vec<&str> = Vec::new();
    let mut hosts: Vec<&str> = Vec::new();
    for c in pod.spec.all_containers() {
        let mut valid = true;
        for h in &c.handlers {
            for host in [h.http_get_host, h.tcp_socket_host].into_iter().flatten() {
                if !host.v.is_empty() {
                    valid = false;
                    hosts.push(host.v);
                }
            }
        }
        if !valid {
            bad.push(c.name);
        }
    }
    if bad.is_empty() {
        return None;
    }
    let bad = sorted(&bad);
    let hosts = sorted(&hosts);
    fail(
        "probe or lifecycle host",
        format!(
            "{} {} probe or lifecycle {} {}",
            containers(&bad),
            plural("uses", "use", bad.len()),
            plural("host", "hosts", hosts.len()),
            join_quote(&hosts)
        ),
    )
}

fn privileged(pod: &PodTemplate<'_>) -> Out {
    let bad: Vec<&str> = pod
        .spec
        .all_containers()
        .filter(|c| csc(c).and_then(|s| s.privileged).is_some_and(|p| p.v))
        .map(|c| c.name)
        .collect();
    if bad.is_empty() {
        return None;
    }
    fail(
        "privileged",
        format!(
            "{} must not set securityContext.privileged=true",
            containers(&bad)
        ),
    )
}

fn proc_mount_1_0(pod: &PodTemplate<'_>) -> Out {
    let mut bad: Vec<&str> = Vec::new();
    let mut types: Vec<&str> = Vec::new();
    for c in pod.spec.all_containers() {
        if let Some(pm) = csc(c).and_then(|s| s.proc_mount)
            && pm.v != "Default"
        {
            bad.push(c.name);
            types.push(pm.v);
        }
    }
    if bad.is_empty() {
        return None;
    }
    fail(
        "procMount",
        format!(
            "{} must not set securityContext.procMount to {}",
            containers(&bad),
            join_quote(&sorted(&types))
        ),
    )
}

fn proc_mount_1_35(pod: &PodTemplate<'_>) -> Out {
    if pod.spec.is_user_namespaced() {
        return None;
    }
    proc_mount_1_0(pod)
}

const SELINUX_TYPES_1_0: &[&str] = &["", "container_t", "container_init_t", "container_kvm_t"];
const SELINUX_TYPES_1_31: &[&str] = &[
    "",
    "container_t",
    "container_init_t",
    "container_kvm_t",
    "container_engine_t",
];

fn se_linux_options<'d>(pod: &PodTemplate<'d>, allowed: &[&str]) -> Out {
    let mut bad_types: Vec<&'d str> = Vec::new();
    let mut set_user = false;
    let mut set_role = false;
    let mut check = |o: &crate::model::pod::SeLinuxOptions<'d>| -> bool {
        let mut valid = true;
        let t = o.type_.map_or("", |t| t.v);
        if !allowed.contains(&t) {
            valid = false;
            bad_types.push(o.type_.map_or("", |t| t.v));
        }
        if o.user.is_some_and(|u| !u.v.is_empty()) {
            valid = false;
            set_user = true;
        }
        if o.role.is_some_and(|r| !r.v.is_empty()) {
            valid = false;
            set_role = true;
        }
        valid
    };
    let bad_pod = psc(pod)
        .and_then(|s| s.se_linux_options.as_ref())
        .is_some_and(|o| !check(o));
    let mut bad: Vec<&str> = Vec::new();
    for c in pod.spec.all_containers() {
        if let Some(o) = csc(c).and_then(|s| s.se_linux_options.as_ref())
            && !check(o)
        {
            bad.push(c.name);
        }
    }
    let setters = setters(bad_pod, &bad);
    if setters.is_empty() {
        return None;
    }
    let mut parts = Vec::new();
    if !bad_types.is_empty() {
        let t = sorted(&bad_types);
        parts.push(format!(
            "{} {}",
            plural("type", "types", t.len()),
            join_quote(&t)
        ));
    }
    if set_user {
        parts.push("user may not be set".to_string());
    }
    if set_role {
        parts.push("role may not be set".to_string());
    }
    fail(
        "seLinuxOptions",
        format!(
            "{} set forbidden securityContext.seLinuxOptions: {}",
            setters.join(" and "),
            parts.join("; ")
        ),
    )
}

fn se_linux_options_1_0(pod: &PodTemplate<'_>) -> Out {
    se_linux_options(pod, SELINUX_TYPES_1_0)
}

fn se_linux_options_1_31(pod: &PodTemplate<'_>) -> Out {
    se_linux_options(pod, SELINUX_TYPES_1_31)
}

const SECCOMP_POD_ANNOTATION: &str = "seccomp.security.alpha.kubernetes.io/pod";
const SECCOMP_CONTAINER_ANNOTATION_PREFIX: &str = "container.seccomp.security.alpha.kubernetes.io/";

fn seccomp_baseline_1_0(pod: &PodTemplate<'_>) -> Out {
    let valid =
        |v: &str| v == "runtime/default" || v == "docker/default" || v.starts_with("localhost/");
    let mut forbidden: Vec<String> = Vec::new();
    if let Some(v) = pod.annotation(SECCOMP_POD_ANNOTATION)
        && !valid(v)
    {
        forbidden.push(format!("{SECCOMP_POD_ANNOTATION}={}", super::go_quote(v)));
    }
    for c in pod.spec.all_containers() {
        let key = format!("{SECCOMP_CONTAINER_ANNOTATION_PREFIX}{}", c.name);
        if let Some(v) = pod.annotation(&key)
            && !valid(v)
        {
            forbidden.push(format!("{key}={}", super::go_quote(v)));
        }
    }
    if forbidden.is_empty() {
        return None;
    }
    let forbidden = sorted(&forbidden);
    fail(
        "seccompProfile",
        format!(
            "forbidden {} {}",
            plural("annotation", "annotations", forbidden.len()),
            forbidden.join(", ")
        ),
    )
}

/// Explicitly bad seccomp profiles (pod and containers), and the containers
/// left without a valid profile.
fn seccomp_fields<'d>(pod: &PodTemplate<'d>) -> (Option<String>, Vec<&'d str>) {
    let mut bad_values: Vec<&str> = Vec::new();
    let mut bad_pod = false;
    let mut pod_set = false;
    if let Some(p) = psc(pod).and_then(|s| s.seccomp_profile.as_ref()) {
        if allowed_profile_type(p.type_str()) {
            pod_set = true;
        } else {
            bad_pod = true;
            bad_values.push(p.type_str());
        }
    }
    let mut explicit: Vec<&str> = Vec::new();
    let mut implicit: Vec<&str> = Vec::new();
    for c in pod.spec.all_containers() {
        match csc(c).and_then(|s| s.seccomp_profile.as_ref()) {
            Some(p) => {
                if !allowed_profile_type(p.type_str()) {
                    explicit.push(c.name);
                    bad_values.push(p.type_str());
                }
            }
            None => {
                if !pod_set {
                    implicit.push(c.name);
                }
            }
        }
    }
    let setters = setters(bad_pod, &explicit);
    let explicit = (!setters.is_empty()).then(|| {
        format!(
            "{} must not set securityContext.seccompProfile.type to {}",
            setters.join(" and "),
            join_quote(&sorted(&bad_values))
        )
    });
    (explicit, implicit)
}

fn seccomp_baseline_1_19(pod: &PodTemplate<'_>) -> Out {
    let (explicit, _) = seccomp_fields(pod);
    fail("seccompProfile", explicit?)
}

fn seccomp_restricted_1_19(pod: &PodTemplate<'_>) -> Out {
    let (explicit, implicit) = seccomp_fields(pod);
    if let Some(detail) = explicit {
        return fail("seccompProfile", detail);
    }
    if implicit.is_empty() {
        return None;
    }
    fail(
        "seccompProfile",
        format!(
            "pod or {} must set securityContext.seccompProfile.type to \"RuntimeDefault\" or \"Localhost\"",
            containers(&implicit)
        ),
    )
}

fn seccomp_restricted_1_25(pod: &PodTemplate<'_>) -> Out {
    if pod.spec.is_windows() {
        return None;
    }
    seccomp_restricted_1_19(pod)
}

const SYSCTLS_1_0: &[&str] = &[
    "kernel.shm_rmid_forced",
    "net.ipv4.ip_local_port_range",
    "net.ipv4.tcp_syncookies",
    "net.ipv4.ping_group_range",
    "net.ipv4.ip_unprivileged_port_start",
];
const SYSCTLS_1_27: &[&str] = &["net.ipv4.ip_local_reserved_ports"];
const SYSCTLS_1_29: &[&str] = &[
    "net.ipv4.tcp_keepalive_time",
    "net.ipv4.tcp_fin_timeout",
    "net.ipv4.tcp_keepalive_intvl",
    "net.ipv4.tcp_keepalive_probes",
];
const SYSCTLS_1_32: &[&str] = &["net.ipv4.tcp_rmem", "net.ipv4.tcp_wmem"];
const SYSCTLS_1_37: &[&str] = &[
    "net.ipv4.tcp_slow_start_after_idle",
    "net.ipv4.tcp_notsent_lowat",
];

/// Whether a sysctl name is in the allowed ("safe") set at `minor`.
pub fn sysctl_allowed(name: &str, minor: u32) -> bool {
    [
        (0, SYSCTLS_1_0),
        (27, SYSCTLS_1_27),
        (29, SYSCTLS_1_29),
        (32, SYSCTLS_1_32),
        (37, SYSCTLS_1_37),
    ]
    .iter()
    .any(|(from, set)| *from <= minor && set.contains(&name))
}

fn sysctls(pod: &PodTemplate<'_>, minor: u32) -> Out {
    let bad: Vec<&str> = psc(pod)
        .map(|s| {
            s.sysctls
                .iter()
                .map(|x| x.name.v)
                .filter(|n| !sysctl_allowed(n, minor))
                .collect()
        })
        .unwrap_or_default();
    if bad.is_empty() {
        return None;
    }
    fail("forbidden sysctls", bad.join(", "))
}

fn sysctls_1_0(pod: &PodTemplate<'_>) -> Out {
    sysctls(pod, 0)
}
fn sysctls_1_27(pod: &PodTemplate<'_>) -> Out {
    sysctls(pod, 27)
}
fn sysctls_1_29(pod: &PodTemplate<'_>) -> Out {
    sysctls(pod, 29)
}
fn sysctls_1_32(pod: &PodTemplate<'_>) -> Out {
    sysctls(pod, 32)
}
fn sysctls_1_37(pod: &PodTemplate<'_>) -> Out {
    sysctls(pod, 37)
}

fn windows_host_process(pod: &PodTemplate<'_>) -> Out {
    let hp = |s: Option<&SecurityContext<'_>>| {
        s.and_then(|s| s.windows_options.as_ref())
            .and_then(|w| w.host_process)
            .is_some_and(|h| h.v)
    };
    let bad: Vec<&str> = pod
        .spec
        .all_containers()
        .filter(|c| hp(csc(c)))
        .map(|c| c.name)
        .collect();
    let setters = setters(hp(psc(pod)), &bad);
    if setters.is_empty() {
        return None;
    }
    fail(
        "hostProcess",
        format!(
            "{} must not set securityContext.windowsOptions.hostProcess=true",
            setters.join(" and ")
        ),
    )
}

// ---- restricted ----

fn allow_privilege_escalation_1_8(pod: &PodTemplate<'_>) -> Out {
    let bad: Vec<&str> = pod
        .spec
        .all_containers()
        .filter(|c| {
            csc(c)
                .and_then(|s| s.allow_privilege_escalation)
                .is_none_or(|a| a.v)
        })
        .map(|c| c.name)
        .collect();
    if bad.is_empty() {
        return None;
    }
    fail(
        "allowPrivilegeEscalation != false",
        format!(
            "{} must set securityContext.allowPrivilegeEscalation=false",
            containers(&bad)
        ),
    )
}

fn allow_privilege_escalation_1_25(pod: &PodTemplate<'_>) -> Out {
    if pod.spec.is_windows() {
        return None;
    }
    allow_privilege_escalation_1_8(pod)
}

fn capabilities_restricted_1_22(pod: &PodTemplate<'_>) -> Out {
    let mut missing_drop: Vec<&str> = Vec::new();
    let mut adding: Vec<&str> = Vec::new();
    let mut caps: Vec<&str> = Vec::new();
    for c in pod.spec.all_containers() {
        let Some(k) = csc(c).and_then(|s| s.capabilities.as_ref()) else {
            missing_drop.push(c.name);
            continue;
        };
        if !k.drop.iter().any(|d| d.v == "ALL") {
            missing_drop.push(c.name);
        }
        let mut forbidden = false;
        for a in &k.add {
            if a.v != "NET_BIND_SERVICE" {
                forbidden = true;
                caps.push(a.v);
            }
        }
        if forbidden {
            adding.push(c.name);
        }
    }
    let mut details = Vec::new();
    if !missing_drop.is_empty() {
        details.push(format!(
            "{} must set securityContext.capabilities.drop=[\"ALL\"]",
            containers(&missing_drop)
        ));
    }
    if !adding.is_empty() {
        details.push(format!(
            "{} must not include {} in securityContext.capabilities.add",
            containers(&adding),
            join_quote(&sorted(&caps))
        ));
    }
    if details.is_empty() {
        return None;
    }
    fail("unrestricted capabilities", details.join("; "))
}

fn capabilities_restricted_1_25(pod: &PodTemplate<'_>) -> Out {
    if pod.spec.is_windows() {
        return None;
    }
    capabilities_restricted_1_22(pod)
}

/// Volume sources Restricted allows.
pub const ALLOWED_VOLUME_SOURCES: &[&str] = &[
    "configMap",
    "csi",
    "downwardAPI",
    "emptyDir",
    "ephemeral",
    "image",
    "persistentVolumeClaim",
    "projected",
    "secret",
];

/// The order in which the controller names a forbidden volume's type.
const RESTRICTED_VOLUME_ORDER: &[&str] = &[
    "hostPath",
    "gcePersistentDisk",
    "awsElasticBlockStore",
    "gitRepo",
    "nfs",
    "iscsi",
    "glusterfs",
    "rbd",
    "flexVolume",
    "cinder",
    "cephfs",
    "flocker",
    "fc",
    "azureFile",
    "vsphereVolume",
    "quobyte",
    "azureDisk",
    "photonPersistentDisk",
    "portworxVolume",
    "scaleIO",
    "storageos",
];

/// The type the controller reports for a volume Restricted forbids, or
/// `None` when the volume is allowed (a source-less volume is `emptyDir`).
pub fn restricted_volume_type(v: &crate::model::pod::Volume<'_>) -> Option<&'static str> {
    if v.sources.is_empty() || ALLOWED_VOLUME_SOURCES.iter().any(|s| v.has(s)) {
        return None;
    }
    Some(
        RESTRICTED_VOLUME_ORDER
            .iter()
            .find(|s| v.has(s))
            .copied()
            .unwrap_or("unknown"),
    )
}

fn restricted_volumes(pod: &PodTemplate<'_>) -> Out {
    let mut bad: Vec<&str> = Vec::new();
    let mut types: Vec<&str> = Vec::new();
    for v in &pod.spec.volumes {
        if let Some(t) = restricted_volume_type(v) {
            bad.push(v.name);
            types.push(t);
        }
    }
    if bad.is_empty() {
        return None;
    }
    let types = sorted(&types);
    fail(
        "restricted volume types",
        format!(
            "{} {} {} {} {}",
            plural("volume", "volumes", bad.len()),
            join_quote(&bad),
            plural("uses", "use", bad.len()),
            plural(
                "restricted volume type",
                "restricted volume types",
                types.len()
            ),
            join_quote(&types)
        ),
    )
}

fn run_as_non_root_1_0(pod: &PodTemplate<'_>) -> Out {
    let mut bad_pod = false;
    let mut pod_true = false;
    if let Some(v) = psc(pod).and_then(|s| s.run_as_non_root) {
        if v.v {
            pod_true = true;
        } else {
            bad_pod = true;
        }
    }
    let mut explicit: Vec<&str> = Vec::new();
    let mut implicit: Vec<&str> = Vec::new();
    for c in pod.spec.all_containers() {
        match csc(c).and_then(|s| s.run_as_non_root) {
            Some(v) => {
                if !v.v {
                    explicit.push(c.name);
                }
            }
            None => {
                if !pod_true {
                    implicit.push(c.name);
                }
            }
        }
    }
    let setters = setters(bad_pod, &explicit);
    if !setters.is_empty() {
        return fail(
            "runAsNonRoot != true",
            format!(
                "{} must not set securityContext.runAsNonRoot=false",
                setters.join(" and ")
            ),
        );
    }
    if implicit.is_empty() {
        return None;
    }
    fail(
        "runAsNonRoot != true",
        format!(
            "pod or {} must set securityContext.runAsNonRoot=true",
            containers(&implicit)
        ),
    )
}

fn run_as_non_root_1_35(pod: &PodTemplate<'_>) -> Out {
    if pod.spec.is_user_namespaced() {
        return None;
    }
    run_as_non_root_1_0(pod)
}

fn run_as_user_1_23(pod: &PodTemplate<'_>) -> Out {
    let bad_pod = psc(pod)
        .and_then(|s| s.run_as_user)
        .is_some_and(|u| u.v == 0);
    let bad: Vec<&str> = pod
        .spec
        .all_containers()
        .filter(|c| csc(c).and_then(|s| s.run_as_user).is_some_and(|u| u.v == 0))
        .map(|c| c.name)
        .collect();
    let setters = setters(bad_pod, &bad);
    if setters.is_empty() {
        return None;
    }
    fail(
        "runAsUser=0",
        format!("{} must not set runAsUser=0", setters.join(" and ")),
    )
}

fn run_as_user_1_35(pod: &PodTemplate<'_>) -> Out {
    if pod.spec.is_user_namespaced() {
        return None;
    }
    run_as_user_1_23(pod)
}
