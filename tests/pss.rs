//! Pod Security Standards cases written from docs/pss.md (the controller's
//! behaviour): every check, its version boundaries, pod versus container
//! level, init and ephemeral containers, Windows and user-namespace pods,
//! workload kinds, `latest`, and the exact reason/detail texts.

use podsec::engine::pss_file;
use podsec::pss::{Level, Version, aggregate};

/// The aggregate violation text of the single workload in `yaml`
/// (empty when allowed).
fn eval(yaml: &str, level: &str, version: &str) -> String {
    let level: Level = level.parse().unwrap();
    let version: Version = version.parse().unwrap();
    let f = pss_file("t.yaml", yaml, &[level], version);
    assert!(f.errors.is_empty(), "{:?}", f.errors);
    assert_eq!(f.workloads.len(), 1, "expected one workload");
    aggregate(&f.workloads[0].results[0].1)
}

/// A Pod with the given spec (YAML, indented by two spaces) and annotations.
fn pod_with(annotations: &str, spec: &str) -> String {
    format!(
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  annotations: {{{annotations}}}\nspec:\n{spec}"
    )
}

fn pod(spec: &str) -> String {
    pod_with("", spec)
}

/// A spec that passes restricted at every version, with `extra` spliced
/// into the pod spec and `csc` as extra container securityContext fields.
fn restricted_pod(extra: &str, csc: &str) -> String {
    pod(&format!(
        "  securityContext: {{runAsNonRoot: true, seccompProfile: {{type: RuntimeDefault}}}}\n  containers:\n  - name: a\n    image: x\n    securityContext: {{allowPrivilegeEscalation: false, capabilities: {{drop: [ALL]}}{csc}}}\n{extra}"
    ))
}

#[test]
fn hardened_pod_passes_every_level_and_version() {
    let y = restricted_pod("", "");
    for v in [
        "v1.0", "v1.8", "v1.19", "v1.22", "v1.25", "v1.35", "v1.37", "latest", "v1.99",
    ] {
        for l in ["privileged", "baseline", "restricted"] {
            assert_eq!(eval(&y, l, v), "", "{l} {v}");
        }
    }
}

#[test]
fn privileged_level_allows_everything() {
    let y = pod(
        "  hostNetwork: true\n  containers:\n  - name: a\n    securityContext: {privileged: true}\n",
    );
    assert_eq!(eval(&y, "privileged", "latest"), "");
}

#[test]
fn privileged_containers_in_visiting_order() {
    let y = pod(
        "  initContainers:\n  - {name: i, securityContext: {privileged: true}}\n  containers:\n  - {name: a, securityContext: {privileged: true}}\n  - {name: ok, securityContext: {privileged: false}}\n  ephemeralContainers:\n  - {name: e, securityContext: {privileged: true}}\n",
    );
    assert_eq!(
        eval(&y, "baseline", "v1.0"),
        r#"privileged (containers "i", "a", "e" must not set securityContext.privileged=true)"#
    );
    let one = pod("  containers:\n  - {name: a, securityContext: {privileged: yes}}\n");
    assert_eq!(
        eval(&one, "baseline", "latest"),
        r#"privileged (container "a" must not set securityContext.privileged=true)"#
    );
}

#[test]
fn host_namespaces_in_fixed_order() {
    let y = pod("  hostIPC: true\n  hostPID: true\n  hostNetwork: on\n  containers: [{name: a}]\n");
    assert_eq!(
        eval(&y, "baseline", "latest"),
        "host namespaces (hostNetwork=true, hostPID=true, hostIPC=true)"
    );
    let y = pod("  hostPID: false\n  hostNetwork: null\n  containers: [{name: a}]\n");
    assert_eq!(eval(&y, "baseline", "latest"), "");
}

#[test]
fn baseline_capabilities() {
    let y = pod(
        "  containers:\n  - {name: a, securityContext: {capabilities: {add: [SYS_ADMIN, NET_RAW, CHOWN], drop: [ALL]}}}\n  - {name: b, securityContext: {capabilities: {add: [NET_RAW]}}}\n  - {name: c, securityContext: {capabilities: {add: [KILL, MKNOD, SYS_CHROOT]}}}\n",
    );
    assert_eq!(
        eval(&y, "baseline", "latest"),
        r#"non-default capabilities (containers "a", "b" must not include "NET_RAW", "SYS_ADMIN" in securityContext.capabilities.add)"#
    );
    // Exact, case-sensitive names: no CAP_ prefix stripping, no lower case, no ALL.
    let y = pod(
        "  containers:\n  - {name: a, securityContext: {capabilities: {add: [CAP_CHOWN, chown, ALL]}}}\n",
    );
    assert_eq!(
        eval(&y, "baseline", "v1.0"),
        r#"non-default capabilities (container "a" must not include "ALL", "CAP_CHOWN", "chown" in securityContext.capabilities.add)"#
    );
    // Restricted replaces the baseline check from v1.22 only.
    let y = restricted_pod("", ", runAsUser: 1000");
    let y = y.replace("drop: [ALL]", "drop: [ALL], add: [SYS_TIME]");
    assert_eq!(
        eval(&y, "restricted", "v1.21"),
        r#"non-default capabilities (container "a" must not include "SYS_TIME" in securityContext.capabilities.add)"#
    );
    assert_eq!(
        eval(&y, "restricted", "v1.22"),
        r#"unrestricted capabilities (container "a" must not include "SYS_TIME" in securityContext.capabilities.add)"#
    );
}

#[test]
fn the_notes_capabilities_example() {
    // drop: [all] (lower case) and add: [MKNOD], from the user's notes.
    let y = restricted_pod("", "").replace(
        "capabilities: {drop: [ALL]}",
        "capabilities: {drop: [all], add: [\"MKNOD\"]}",
    );
    assert_eq!(eval(&y, "baseline", "latest"), "");
    assert_eq!(
        eval(&y, "restricted", "latest"),
        r#"unrestricted capabilities (container "a" must set securityContext.capabilities.drop=["ALL"]; container "a" must not include "MKNOD" in securityContext.capabilities.add)"#
    );
    assert_eq!(eval(&y, "restricted", "v1.21"), "");
}

#[test]
fn restricted_capabilities_missing_and_net_bind_service() {
    let y = pod(
        "  securityContext: {runAsNonRoot: true, seccompProfile: {type: Localhost, localhostProfile: p.json}}\n  containers:\n  - {name: a, securityContext: {allowPrivilegeEscalation: false}}\n  - {name: b, securityContext: {allowPrivilegeEscalation: false, capabilities: {drop: [ALL], add: [NET_BIND_SERVICE]}}}\n  - {name: c, securityContext: {allowPrivilegeEscalation: false, capabilities: {}}}\n",
    );
    assert_eq!(
        eval(&y, "restricted", "v1.22"),
        r#"unrestricted capabilities (containers "a", "c" must set securityContext.capabilities.drop=["ALL"])"#
    );
}

#[test]
fn host_path_volumes_and_restricted_volume_types() {
    let y = pod(
        "  containers: [{name: a}]\n  volumes:\n  - {name: h1, hostPath: {path: /}}\n  - {name: nf, nfs: {server: s, path: /}}\n  - {name: h2, hostPath: {path: /var/run/docker.sock}}\n  - {name: nosource}\n  - {name: img, image: {reference: x}}\n  - {name: cm, configMap: {name: c}}\n  - {name: ed, emptyDir: {}}\n",
    );
    assert_eq!(
        eval(&y, "baseline", "latest"),
        r#"hostPath volumes (volumes "h1", "h2")"#
    );
    let r = eval(&y, "restricted", "v1.0");
    assert!(
        !r.contains("hostPath volumes"),
        "overridden at restricted: {r}"
    );
    assert!(
        r.contains(r#"restricted volume types (volumes "h1", "nf", "h2" use restricted volume types "hostPath", "nfs")"#),
        "{r}"
    );
    let one =
        pod("  containers: [{name: a}]\n  volumes:\n  - {name: g, gitRepo: {repository: r}}\n");
    assert!(
        eval(&one, "restricted", "latest").contains(
            r#"restricted volume types (volume "g" uses restricted volume type "gitRepo")"#
        )
    );
    // A null source is absent; an allowed source next to a forbidden one wins.
    let y = pod(
        "  containers: [{name: a}]\n  volumes:\n  - {name: v1, hostPath: null}\n  - {name: v2, emptyDir: {}, nfs: {server: s}}\n",
    );
    assert_eq!(eval(&y, "baseline", "latest"), "");
    assert!(!eval(&y, "restricted", "latest").contains("volume"));
}

#[test]
fn host_ports_sorted_as_strings() {
    let y = pod(
        "  containers:\n  - name: a\n    ports: [{containerPort: 80, hostPort: 8080}, {containerPort: 81, hostPort: 80}, {containerPort: 82, hostPort: 0}]\n  - name: b\n    ports: [{containerPort: 443, hostPort: 443}, {containerPort: 1, hostPort: 80}]\n  - name: c\n    ports: [{containerPort: 9}]\n",
    );
    assert_eq!(
        eval(&y, "baseline", "latest"),
        "hostPort (containers \"a\", \"b\" use hostPorts 443, 80, 8080)"
    );
    let y = pod("  containers:\n  - name: a\n    ports: [{containerPort: 80, hostPort: 80}]\n");
    assert_eq!(
        eval(&y, "baseline", "v1.0"),
        "hostPort (container \"a\" uses hostPort 80)"
    );
}

#[test]
fn probe_and_lifecycle_hosts_from_v1_34() {
    let y = pod(
        "  containers:\n  - name: b\n    livenessProbe: {httpGet: {host: h2, port: 80}}\n    readinessProbe: {tcpSocket: {host: h1, port: 80}}\n  - name: a\n    lifecycle: {preStop: {tcpSocket: {host: h1, port: 1}}, postStart: {exec: {command: [x]}}}\n    startupProbe: {grpc: {port: 1}}\n",
    );
    assert_eq!(eval(&y, "baseline", "v1.33"), "");
    assert_eq!(
        eval(&y, "baseline", "v1.34"),
        r#"probe or lifecycle host (containers "a", "b" use probe or lifecycle hosts "h1", "h2")"#
    );
    let y = pod(
        "  containers:\n  - name: a\n    lifecycle: {postStart: {httpGet: {host: 127.0.0.1, port: 1}}}\n    livenessProbe: {httpGet: {host: '', port: 1}}\n",
    );
    assert_eq!(
        eval(&y, "baseline", "latest"),
        r#"probe or lifecycle host (container "a" uses probe or lifecycle host "127.0.0.1")"#
    );
}

#[test]
fn proc_mount_and_user_namespaces() {
    let spec = "  containers:\n  - {name: a, securityContext: {procMount: Unmasked}}\n  - {name: b, securityContext: {procMount: Default}}\n  - {name: c, securityContext: {procMount: unmasked}}\n";
    let y = pod(spec);
    let msg = r#"procMount (containers "a", "c" must not set securityContext.procMount to "Unmasked", "unmasked")"#;
    assert_eq!(eval(&y, "baseline", "v1.0"), msg);
    let userns = pod(&format!("  hostUsers: false\n{spec}"));
    assert_eq!(eval(&userns, "baseline", "v1.34"), msg);
    assert_eq!(eval(&userns, "baseline", "v1.35"), "");
    // Restricted keeps forbidding it, through procMount_restricted.
    let r = restricted_pod("  hostUsers: false\n", ", procMount: Unmasked");
    assert_eq!(
        eval(&r, "restricted", "v1.35"),
        r#"procMount (container "a" must not set securityContext.procMount to "Unmasked")"#
    );
    assert_eq!(
        eval(&r, "restricted", "v1.34"),
        r#"procMount (container "a" must not set securityContext.procMount to "Unmasked")"#
    );
}

#[test]
fn se_linux_options_pod_and_containers() {
    let y = pod(
        "  securityContext: {seLinuxOptions: {type: spc_t, level: 's0:c1'}}\n  containers:\n  - {name: a, securityContext: {seLinuxOptions: {user: system_u}}}\n  - {name: b, securityContext: {seLinuxOptions: {role: r, type: container_engine_t}}}\n  - {name: c, securityContext: {seLinuxOptions: {type: container_t, level: s0}}}\n",
    );
    assert_eq!(
        eval(&y, "baseline", "v1.30"),
        r#"seLinuxOptions (pod and containers "a", "b" set forbidden securityContext.seLinuxOptions: types "container_engine_t", "spc_t"; user may not be set; role may not be set)"#
    );
    assert_eq!(
        eval(&y, "baseline", "v1.31"),
        r#"seLinuxOptions (pod and containers "a", "b" set forbidden securityContext.seLinuxOptions: type "spc_t"; user may not be set; role may not be set)"#
    );
    let only_user =
        pod("  containers:\n  - {name: a, securityContext: {seLinuxOptions: {user: u}}}\n");
    assert_eq!(
        eval(&only_user, "baseline", "latest"),
        r#"seLinuxOptions (container "a" set forbidden securityContext.seLinuxOptions: user may not be set)"#
    );
}

#[test]
fn seccomp_annotations_before_v1_19_fields_after() {
    let y = pod_with(
        "seccomp.security.alpha.kubernetes.io/pod: unconfined, container.seccomp.security.alpha.kubernetes.io/a: unconfined, container.seccomp.security.alpha.kubernetes.io/b: docker/default, container.seccomp.security.alpha.kubernetes.io/ghost: unconfined",
        "  securityContext: {seccompProfile: {type: Unconfined}}\n  containers: [{name: a}, {name: b}]\n",
    );
    assert_eq!(
        eval(&y, "baseline", "v1.18"),
        r#"seccompProfile (forbidden annotations container.seccomp.security.alpha.kubernetes.io/a="unconfined", seccomp.security.alpha.kubernetes.io/pod="unconfined")"#
    );
    assert_eq!(
        eval(&y, "baseline", "v1.19"),
        r#"seccompProfile (pod must not set securityContext.seccompProfile.type to "Unconfined")"#
    );
    let empty = pod_with(
        "seccomp.security.alpha.kubernetes.io/pod: ''",
        "  containers: [{name: a}]\n",
    );
    assert_eq!(
        eval(&empty, "baseline", "v1.0"),
        r#"seccompProfile (forbidden annotation seccomp.security.alpha.kubernetes.io/pod="")"#
    );
    // Before v1.19, restricted has no "must set a profile" requirement.
    let y = restricted_pod("", "").replace(", seccompProfile: {type: RuntimeDefault}", "");
    assert_eq!(eval(&y, "restricted", "v1.18"), "");
    assert_eq!(
        eval(&y, "restricted", "v1.19"),
        r#"seccompProfile (pod or container "a" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost")"#
    );
}

#[test]
fn seccomp_restricted_explicit_wins_over_missing() {
    let y = pod(
        "  securityContext: {runAsNonRoot: true}\n  initContainers:\n  - {name: i, securityContext: {allowPrivilegeEscalation: false, capabilities: {drop: [ALL]}, seccompProfile: {type: Unconfined}}}\n  containers:\n  - {name: a, securityContext: {allowPrivilegeEscalation: false, capabilities: {drop: [ALL]}}}\n  - {name: b, securityContext: {allowPrivilegeEscalation: false, capabilities: {drop: [ALL]}, seccompProfile: {}}}\n",
    );
    assert_eq!(
        eval(&y, "restricted", "latest"),
        r#"seccompProfile (containers "i", "b" must not set securityContext.seccompProfile.type to "", "Unconfined")"#
    );
    // A valid container profile covers that container; others need the pod's.
    let y = pod(
        "  securityContext: {runAsNonRoot: true}\n  containers:\n  - {name: a, securityContext: {allowPrivilegeEscalation: false, capabilities: {drop: [ALL]}, seccompProfile: {type: RuntimeDefault}}}\n  ephemeralContainers:\n  - {name: e, securityContext: {allowPrivilegeEscalation: false, capabilities: {drop: [ALL]}}}\n",
    );
    assert_eq!(
        eval(&y, "restricted", "latest"),
        r#"seccompProfile (pod or container "e" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost")"#
    );
    // A bad pod profile is not masked by valid container profiles.
    let y = restricted_pod("", ", seccompProfile: {type: RuntimeDefault}").replace(
        "seccompProfile: {type: RuntimeDefault}}\n  containers",
        "seccompProfile: {type: Unconfined}}\n  containers",
    );
    assert_eq!(
        eval(&y, "restricted", "latest"),
        r#"seccompProfile (pod must not set securityContext.seccompProfile.type to "Unconfined")"#
    );
}

#[test]
fn sysctls_by_version() {
    let with = |names: &[&str]| {
        let list: Vec<String> = names
            .iter()
            .map(|n| format!("{{name: {n}, value: '1'}}"))
            .collect();
        pod(&format!(
            "  securityContext: {{sysctls: [{}]}}\n  containers: [{{name: a}}]\n",
            list.join(", ")
        ))
    };
    for (name, from) in [
        ("kernel.shm_rmid_forced", 0),
        ("net.ipv4.ip_unprivileged_port_start", 0),
        ("net.ipv4.ip_local_reserved_ports", 27),
        ("net.ipv4.tcp_keepalive_time", 29),
        ("net.ipv4.tcp_keepalive_probes", 29),
        ("net.ipv4.tcp_wmem", 32),
        ("net.ipv4.tcp_slow_start_after_idle", 37),
        ("net.ipv4.tcp_notsent_lowat", 37),
    ] {
        let y = with(&[name]);
        assert_eq!(eval(&y, "baseline", &format!("v1.{from}")), "", "{name}");
        assert_eq!(eval(&y, "baseline", "latest"), "", "{name}");
        if from > 0 {
            assert_eq!(
                eval(&y, "baseline", &format!("v1.{}", from - 1)),
                format!("forbidden sysctls ({name})")
            );
        }
    }
    let y = with(&[
        "net/ipv4/tcp_syncookies",
        "kernel.msgmax",
        "net/ipv4/tcp_syncookies",
        "net.ipv4.tcp_syncookies",
    ]);
    assert_eq!(
        eval(&y, "baseline", "latest"),
        "forbidden sysctls (net/ipv4/tcp_syncookies, kernel.msgmax, net/ipv4/tcp_syncookies)"
    );
}

#[test]
fn app_armor_fields_and_annotations_from_v1_0() {
    let y = pod_with(
        "container.apparmor.security.beta.kubernetes.io/a: unconfined, container.apparmor.security.beta.kubernetes.io/ghost: 'x', container.apparmor.security.beta.kubernetes.io/b: runtime/default, container.apparmor.security.beta.kubernetes.io/c: '', container.apparmor.security.beta.kubernetes.io/d: localhost/p",
        "  securityContext: {appArmorProfile: {type: Unconfined}}\n  containers:\n  - {name: a, securityContext: {appArmorProfile: {type: Unconfined}}}\n  - {name: b, securityContext: {appArmorProfile: {type: Localhost, localhostProfile: p}}}\n  - {name: c, securityContext: {appArmorProfile: {type: RuntimeDefault}}}\n",
    );
    assert_eq!(
        eval(&y, "baseline", "v1.0"),
        r#"forbidden AppArmor profiles (pod and container "a" and annotations must not set AppArmor profile type to "Unconfined", "container.apparmor.security.beta.kubernetes.io/a="unconfined"", "container.apparmor.security.beta.kubernetes.io/ghost="x"")"#
    );
    let one = pod_with(
        "container.apparmor.security.beta.kubernetes.io/a: unconfined",
        "  containers: [{name: a}]\n",
    );
    assert_eq!(
        eval(&one, "baseline", "latest"),
        r#"forbidden AppArmor profile (annotation must not set AppArmor profile type to "container.apparmor.security.beta.kubernetes.io/a="unconfined"")"#
    );
    let field = pod(
        "  containers:\n  - {name: a, securityContext: {appArmorProfile: {type: Unconfined}}}\n  - {name: b, securityContext: {appArmorProfile: {}}}\n",
    );
    assert_eq!(
        eval(&field, "baseline", "latest"),
        r#"forbidden AppArmor profiles (containers "a", "b" must not set AppArmor profile type to "", "Unconfined")"#
    );
}

#[test]
fn windows_host_process() {
    let y = pod(
        "  securityContext: {windowsOptions: {hostProcess: true}}\n  containers:\n  - {name: a, securityContext: {windowsOptions: {hostProcess: true}}}\n  - {name: b, securityContext: {windowsOptions: {hostProcess: false}}}\n",
    );
    assert_eq!(
        eval(&y, "baseline", "latest"),
        r#"hostProcess (pod and container "a" must not set securityContext.windowsOptions.hostProcess=true)"#
    );
}

#[test]
fn allow_privilege_escalation_from_v1_8() {
    let y = restricted_pod("", "").replace("allowPrivilegeEscalation: false, ", "");
    assert_eq!(eval(&y, "restricted", "v1.7"), "");
    assert_eq!(
        eval(&y, "restricted", "v1.8"),
        r#"allowPrivilegeEscalation != false (container "a" must set securityContext.allowPrivilegeEscalation=false)"#
    );
    let y = restricted_pod("", "").replace(
        "allowPrivilegeEscalation: false",
        "allowPrivilegeEscalation: true",
    );
    assert!(eval(&y, "restricted", "latest").starts_with("allowPrivilegeEscalation != false"));
}

#[test]
fn windows_pods_from_v1_25() {
    // Only runAsNonRoot is left for a Windows pod at restricted v1.25+.
    let y = pod(
        "  os: {name: windows}\n  securityContext: {runAsNonRoot: true, seccompProfile: {type: Unconfined}}\n  containers:\n  - {name: a, securityContext: {capabilities: {add: [SYS_ADMIN]}}}\n",
    );
    assert_eq!(eval(&y, "restricted", "v1.25"), "");
    assert_eq!(
        eval(&y, "restricted", "v1.24"),
        r#"allowPrivilegeEscalation != false (container "a" must set securityContext.allowPrivilegeEscalation=false), unrestricted capabilities (container "a" must set securityContext.capabilities.drop=["ALL"]; container "a" must not include "SYS_ADMIN" in securityContext.capabilities.add), seccompProfile (pod must not set securityContext.seccompProfile.type to "Unconfined")"#
    );
    assert_eq!(
        eval(&y, "baseline", "latest"),
        r#"non-default capabilities (container "a" must not include "SYS_ADMIN" in securityContext.capabilities.add), seccompProfile (pod must not set securityContext.seccompProfile.type to "Unconfined")"#
    );
    let not_windows = y.replace("name: windows", "name: Windows");
    assert_ne!(eval(&not_windows, "restricted", "v1.25"), "");
    let no_root = y.replace("runAsNonRoot: true, ", "");
    assert_eq!(
        eval(&no_root, "restricted", "latest"),
        r#"runAsNonRoot != true (pod or container "a" must set securityContext.runAsNonRoot=true)"#
    );
}

#[test]
fn run_as_non_root_explicit_false_wins() {
    let base = |psc: &str, a: &str, b: &str| {
        pod(&format!(
            "  securityContext: {{seccompProfile: {{type: RuntimeDefault}}{psc}}}\n  containers:\n  - {{name: a, securityContext: {{allowPrivilegeEscalation: false, capabilities: {{drop: [ALL]}}{a}}}}}\n  - {{name: b, securityContext: {{allowPrivilegeEscalation: false, capabilities: {{drop: [ALL]}}{b}}}}}\n"
        ))
    };
    let r = |y: &str| eval(y, "restricted", "latest");
    assert_eq!(
        r(&base("", "", "")),
        r#"runAsNonRoot != true (pod or containers "a", "b" must set securityContext.runAsNonRoot=true)"#
    );
    assert_eq!(
        r(&base("", ", runAsNonRoot: true", ", runAsNonRoot: true")),
        ""
    );
    assert_eq!(
        r(&base("", ", runAsNonRoot: true", "")),
        r#"runAsNonRoot != true (pod or container "b" must set securityContext.runAsNonRoot=true)"#
    );
    assert_eq!(
        r(&base(", runAsNonRoot: true", ", runAsNonRoot: false", "")),
        r#"runAsNonRoot != true (container "a" must not set securityContext.runAsNonRoot=false)"#
    );
    assert_eq!(
        r(&base(", runAsNonRoot: false", ", runAsNonRoot: false", "")),
        r#"runAsNonRoot != true (pod and container "a" must not set securityContext.runAsNonRoot=false)"#
    );
    assert_eq!(
        r(&base(
            ", runAsNonRoot: false",
            ", runAsNonRoot: true",
            ", runAsNonRoot: true"
        )),
        r#"runAsNonRoot != true (pod must not set securityContext.runAsNonRoot=false)"#
    );
    // A non-zero runAsUser does not satisfy runAsNonRoot.
    assert_ne!(r(&base(", runAsUser: 1000", "", "")), "");
}

#[test]
fn run_as_user_zero_from_v1_23() {
    let y = restricted_pod("", ", runAsUser: 0")
        .replace("runAsNonRoot: true,", "runAsNonRoot: true, runAsUser: 0,");
    assert_eq!(eval(&y, "restricted", "v1.22"), "");
    assert_eq!(
        eval(&y, "restricted", "v1.23"),
        r#"runAsUser=0 (pod and container "a" must not set runAsUser=0)"#
    );
    // A container's non-zero value does not mask the pod's 0.
    let y = restricted_pod("", ", runAsUser: 1000")
        .replace("runAsNonRoot: true,", "runAsNonRoot: true, runAsUser: 0,");
    assert_eq!(
        eval(&y, "restricted", "latest"),
        r#"runAsUser=0 (pod must not set runAsUser=0)"#
    );
}

#[test]
fn user_namespace_pods_from_v1_35() {
    let y = pod(
        "  hostUsers: false\n  securityContext: {runAsUser: 0, seccompProfile: {type: RuntimeDefault}}\n  containers:\n  - {name: a, securityContext: {allowPrivilegeEscalation: false, capabilities: {drop: [ALL]}}}\n",
    );
    assert_eq!(eval(&y, "restricted", "v1.35"), "");
    assert_eq!(eval(&y, "restricted", "latest"), "");
    assert_eq!(
        eval(&y, "restricted", "v1.34"),
        r#"runAsNonRoot != true (pod or container "a" must set securityContext.runAsNonRoot=true), runAsUser=0 (pod must not set runAsUser=0)"#
    );
    // hostUsers: true is not a user-namespace pod.
    let host = y.replace("hostUsers: false", "hostUsers: true");
    assert_ne!(eval(&host, "restricted", "latest"), "");
}

#[test]
fn latest_is_the_newest_policy_version() {
    let y = pod(
        "  securityContext: {sysctls: [{name: net.ipv4.tcp_notsent_lowat, value: '1'}]}\n  containers: [{name: a}]\n",
    );
    assert_eq!(
        eval(&y, "baseline", "v1.36"),
        "forbidden sysctls (net.ipv4.tcp_notsent_lowat)"
    );
    assert_eq!(eval(&y, "baseline", "v1.37"), "");
    assert_eq!(eval(&y, "baseline", "latest"), "");
    assert_eq!(eval(&y, "baseline", "v1.120"), "");
}

#[test]
fn aggregate_follows_evaluation_order() {
    let y = pod(
        "  hostNetwork: true\n  securityContext: {sysctls: [{name: kernel.msgmax}]}\n  containers:\n  - name: a\n    ports: [{containerPort: 1, hostPort: 1}]\n    securityContext: {privileged: true, capabilities: {add: [NET_ADMIN]}, procMount: Unmasked}\n  volumes: [{name: v, hostPath: {path: /}}]\n",
    );
    assert_eq!(
        eval(&y, "baseline", "latest"),
        r#"non-default capabilities (container "a" must not include "NET_ADMIN" in securityContext.capabilities.add), host namespaces (hostNetwork=true), hostPath volumes (volume "v"), hostPort (container "a" uses hostPort 1), privileged (container "a" must not set securityContext.privileged=true), procMount (container "a" must not set securityContext.procMount to "Unmasked"), forbidden sysctls (kernel.msgmax)"#
    );
}

#[test]
fn every_workload_kind_evaluates_its_template() {
    let tmpl = "    metadata:\n      annotations: {container.apparmor.security.beta.kubernetes.io/a: unconfined}\n    spec:\n      hostPID: true\n      containers: [{name: a}]\n";
    let msg = r#"forbidden AppArmor profile (annotation must not set AppArmor profile type to "container.apparmor.security.beta.kubernetes.io/a="unconfined""), host namespaces (hostPID=true)"#;
    for (api, kind) in [
        ("apps/v1", "Deployment"),
        ("apps/v1", "DaemonSet"),
        ("apps/v1", "StatefulSet"),
        ("apps/v1", "ReplicaSet"),
        ("v1", "ReplicationController"),
        ("batch/v1", "Job"),
    ] {
        let y = format!(
            "apiVersion: {api}\nkind: {kind}\nmetadata: {{name: w}}\nspec:\n  template:\n{tmpl}"
        );
        assert_eq!(eval(&y, "baseline", "latest"), msg, "{kind}");
    }
    let indent = |s: &str, n: usize| {
        s.lines()
            .map(|l| format!("{}{l}\n", " ".repeat(n)))
            .collect::<String>()
    };
    let cron = format!(
        "apiVersion: batch/v1\nkind: CronJob\nmetadata: {{name: c}}\nspec:\n  schedule: '* * * * *'\n  jobTemplate:\n    spec:\n      template:\n{}",
        indent(tmpl, 4)
    );
    assert_eq!(eval(&cron, "baseline", "latest"), msg);
    let pt = format!(
        "apiVersion: v1\nkind: PodTemplate\nmetadata: {{name: t}}\ntemplate:\n{}",
        indent(tmpl, 0)
            .replace("\n    ", "\n  ")
            .trim_start_matches("  ")
            .replacen("metadata", "  metadata", 1)
    );
    assert_eq!(eval(&pt, "baseline", "latest"), msg);
}

#[test]
fn controllers_without_templates() {
    // A ReplicationController without a template runs nothing.
    let rc =
        "apiVersion: v1\nkind: ReplicationController\nmetadata: {name: r}\nspec: {replicas: 1}\n";
    assert_eq!(eval(rc, "restricted", "latest"), "");
    // A Deployment's template is not optional: it is an empty pod.
    let d = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\nspec: {}\n";
    assert_eq!(eval(d, "restricted", "latest"), "");
}

#[test]
fn lists_and_multi_document_files() {
    let y = "apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: Pod\n  metadata: {name: a}\n  spec: {hostIPC: true, containers: [{name: c}]}\n- apiVersion: v1\n  kind: Service\n  metadata: {name: s}\n---\n# only a comment\n---\napiVersion: v1\nkind: Pod\nmetadata: {name: b}\nspec: {containers: [{name: c}]}\n";
    let f = pss_file("t.yaml", y, &[Level::Baseline], Version::Latest);
    assert!(f.errors.is_empty());
    assert_eq!(f.skipped, 1);
    let names: Vec<_> = f
        .workloads
        .iter()
        .map(|w| (w.name.as_str(), w.line, w.column))
        .collect();
    assert_eq!(names, [("a", 4, 3), ("b", 14, 1)]);
    assert_eq!(
        aggregate(&f.workloads[0].results[0].1),
        "host namespaces (hostIPC=true)"
    );
}

#[test]
fn json_manifests() {
    let j = r#"{"apiVersion":"v1","kind":"Pod","metadata":{"name":"j"},
  "spec":{"hostNetwork":true,"containers":[{"name":"c\ud83d\ude00","securityContext":{"privileged":true}}]}}"#;
    let f = pss_file("p.json", j, &[Level::Baseline], Version::Latest);
    assert!(f.errors.is_empty(), "{:?}", f.errors);
    assert_eq!(
        aggregate(&f.workloads[0].results[0].1),
        "host namespaces (hostNetwork=true), privileged (container \"c😀\" must not set securityContext.privileged=true)"
    );
}

#[test]
fn integral_floats_decode_from_yaml_but_not_from_json() {
    let y = "kind: Pod\nmetadata: {name: f}\nspec:\n  securityContext: {runAsUser: 0.0}\n  containers: [{name: a}]\n";
    let f = pss_file("t.yaml", y, &[Level::Restricted], Version::Latest);
    assert!(f.errors.is_empty());
    assert!(
        aggregate(&f.workloads[0].results[0].1)
            .contains("runAsUser=0 (pod must not set runAsUser=0)")
    );
    let j =
        r#"{"kind":"Pod","metadata":{"name":"f"},"spec":{"securityContext":{"runAsUser":0.0}}}"#;
    let f = pss_file("t.json", j, &[Level::Restricted], Version::Latest);
    assert_eq!(f.errors.len(), 1);
    assert!(
        f.errors[0]
            .message
            .contains("runAsUser: expected an integer, found number 0.0"),
        "{:?}",
        f.errors
    );
}

#[test]
fn wrong_types_are_errors_for_that_object_only() {
    for (field, msg) in [
        (
            "containers: [{name: a, securityContext: {privileged: \"yes please\"}}]",
            "spec.containers[0].securityContext.privileged: expected a boolean, found string \"yes please\"",
        ),
        (
            "containers: [{name: a, securityContext: {capabilities: 3}}]",
            "spec.containers[0].securityContext.capabilities: expected an object, found integer 3",
        ),
        (
            "containers: {}",
            "spec.containers: expected a list, found mapping",
        ),
        (
            "containers: [{name: a, securityContext: {runAsUser: \"0\"}}]",
            "spec.containers[0].securityContext.runAsUser: expected an integer, found string \"0\"",
        ),
        (
            "hostNetwork: \"true\"\n  containers: []",
            "spec.hostNetwork: expected a boolean, found string \"true\"",
        ),
        // YAML 1.1: `n` is the boolean false, as Kubernetes reads it.
        (
            "volumes: [{name: n, emptyDir: {}}]",
            "spec.volumes[0].name: expected a string, found boolean n",
        ),
        (
            "containers: [{name: a, ports: [{hostPort: 99999999999}]}]",
            "spec.containers[0].ports[0].hostPort: expected a 32-bit integer, found integer 99999999999",
        ),
    ] {
        let y = format!(
            "kind: Pod\nmetadata: {{name: bad}}\nspec:\n  {field}\n---\nkind: Pod\nmetadata: {{name: good}}\nspec: {{containers: [{{name: a}}]}}\n"
        );
        let f = pss_file("t.yaml", &y, &[Level::Baseline], Version::Latest);
        assert_eq!(f.errors.len(), 1, "{field}");
        assert_eq!(f.errors[0].message, format!("Pod/bad: {msg}"));
        assert_eq!(f.workloads.len(), 1);
        assert_eq!(f.workloads[0].name, "good");
    }
}
