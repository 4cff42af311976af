//! The parts of a pod template that security decisions read, decoded with
//! the API's types and kept with their source nodes.

use super::decode::{Decoder, Int, Seg, Val};
use crate::source::tree::NodeId;

#[derive(Debug, Clone, PartialEq)]
pub struct SeLinuxOptions<'d> {
    pub node: NodeId,
    pub user: Option<Val<&'d str>>,
    pub role: Option<Val<&'d str>>,
    pub type_: Option<Val<&'d str>>,
    pub level: Option<Val<&'d str>>,
}

/// A `seccompProfile` or `appArmorProfile` object.
#[derive(Debug, Clone, PartialEq)]
pub struct Profile<'d> {
    pub node: NodeId,
    pub type_: Option<Val<&'d str>>,
    pub localhost_profile: Option<Val<&'d str>>,
}

impl Profile<'_> {
    /// The type as Go sees it: an absent type is the empty string.
    pub fn type_str(&self) -> &str {
        self.type_.map_or("", |t| t.v)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct WindowsOptions<'d> {
    pub node: NodeId,
    pub host_process: Option<Val<bool>>,
    pub run_as_user_name: Option<Val<&'d str>>,
    pub gmsa_credential_spec_name: Option<Val<&'d str>>,
    pub gmsa_credential_spec: Option<Val<&'d str>>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Capabilities<'d> {
    pub node: NodeId,
    pub add: Vec<Val<&'d str>>,
    pub drop: Vec<Val<&'d str>>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Sysctl<'d> {
    pub node: NodeId,
    pub name: Val<&'d str>,
    pub value: Option<Val<&'d str>>,
}

/// Which securityContext a struct was read from: the API has two types with
/// different fields, and a field written at the wrong level is dropped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Level {
    Pod,
    Container,
}

/// `PodSecurityContext` or `SecurityContext`, as the API would decode it:
/// fields that do not exist at `level` are left `None`.
#[derive(Debug, Clone, PartialEq)]
pub struct SecurityContext<'d> {
    pub node: NodeId,
    pub level: Level,
    // Both levels.
    pub run_as_user: Option<Val<i64>>,
    pub run_as_group: Option<Val<i64>>,
    pub run_as_non_root: Option<Val<bool>>,
    pub se_linux_options: Option<SeLinuxOptions<'d>>,
    pub seccomp_profile: Option<Profile<'d>>,
    pub app_armor_profile: Option<Profile<'d>>,
    pub windows_options: Option<WindowsOptions<'d>>,
    // Container only.
    pub privileged: Option<Val<bool>>,
    pub allow_privilege_escalation: Option<Val<bool>>,
    pub read_only_root_filesystem: Option<Val<bool>>,
    pub capabilities: Option<Capabilities<'d>>,
    pub proc_mount: Option<Val<&'d str>>,
    // Pod only.
    pub fs_group: Option<Val<i64>>,
    pub fs_group_change_policy: Option<Val<&'d str>>,
    pub supplemental_groups: Vec<Val<i64>>,
    pub sysctls: Vec<Sysctl<'d>>,
}

/// A probe or lifecycle handler's `host` fields.
#[derive(Debug, Clone, PartialEq)]
pub struct Handler<'d> {
    /// `livenessProbe`, `readinessProbe`, `startupProbe`,
    /// `lifecycle.postStart` or `lifecycle.preStop`.
    pub field: &'static str,
    pub http_get_host: Option<Val<&'d str>>,
    pub tcp_socket_host: Option<Val<&'d str>>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Port<'d> {
    pub node: NodeId,
    pub container_port: Option<Val<i64>>,
    pub host_port: Option<Val<i64>>,
    pub protocol: Option<Val<&'d str>>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum ContainerKind {
    Init,
    Regular,
    Ephemeral,
}

impl ContainerKind {
    pub fn field(self) -> &'static str {
        match self {
            ContainerKind::Init => "initContainers",
            ContainerKind::Regular => "containers",
            ContainerKind::Ephemeral => "ephemeralContainers",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct VolumeMount<'d> {
    pub node: NodeId,
    pub name: Option<Val<&'d str>>,
    pub mount_path: Option<Val<&'d str>>,
    pub read_only: Option<Val<bool>>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Container<'d> {
    /// The container's mapping (or the `null` that stands for an empty one).
    pub node: NodeId,
    pub kind: ContainerKind,
    pub index: usize,
    pub name: &'d str,
    pub image: Option<Val<&'d str>>,
    pub ports: Vec<Port<'d>>,
    pub security_context: Option<SecurityContext<'d>>,
    pub handlers: Vec<Handler<'d>>,
    pub volume_mounts: Vec<VolumeMount<'d>>,
}

/// Every `VolumeSource` field of the core API, in the API's field order.
pub const VOLUME_SOURCES: &[&str] = &[
    "hostPath",
    "emptyDir",
    "gcePersistentDisk",
    "awsElasticBlockStore",
    "gitRepo",
    "secret",
    "nfs",
    "iscsi",
    "glusterfs",
    "persistentVolumeClaim",
    "rbd",
    "flexVolume",
    "cinder",
    "cephfs",
    "flocker",
    "downwardAPI",
    "fc",
    "azureFile",
    "configMap",
    "vsphereVolume",
    "quobyte",
    "azureDisk",
    "photonPersistentDisk",
    "projected",
    "portworxVolume",
    "scaleIO",
    "storageos",
    "csi",
    "ephemeral",
    "image",
];

#[derive(Debug, Clone, PartialEq)]
pub struct Volume<'d> {
    pub node: NodeId,
    pub name: &'d str,
    /// The volume sources present (non-null), in `VOLUME_SOURCES` order.
    /// Empty means the API defaults the volume to `emptyDir`.
    pub sources: Vec<(&'static str, NodeId)>,
    pub host_path: Option<Val<&'d str>>,
}

impl Volume<'_> {
    pub fn has(&self, source: &str) -> bool {
        self.sources.iter().any(|(s, _)| *s == source)
    }
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct PodSpec<'d> {
    pub node: Option<NodeId>,
    pub host_network: Option<Val<bool>>,
    pub host_pid: Option<Val<bool>>,
    pub host_ipc: Option<Val<bool>>,
    pub host_users: Option<Val<bool>>,
    pub os_name: Option<Val<&'d str>>,
    pub security_context: Option<SecurityContext<'d>>,
    pub volumes: Vec<Volume<'d>>,
    pub init_containers: Vec<Container<'d>>,
    pub containers: Vec<Container<'d>>,
    pub ephemeral_containers: Vec<Container<'d>>,
}

impl<'d> PodSpec<'d> {
    /// Containers in the order Pod Security admission visits them:
    /// init, regular, ephemeral.
    pub fn all_containers(&self) -> impl Iterator<Item = &Container<'d>> {
        self.init_containers
            .iter()
            .chain(&self.containers)
            .chain(&self.ephemeral_containers)
    }

    pub fn is_windows(&self) -> bool {
        self.os_name.is_some_and(|o| o.v == "windows")
    }

    /// `hostUsers: false`: the pod runs in its own user namespace.
    pub fn is_user_namespaced(&self) -> bool {
        self.host_users.is_some_and(|h| !h.v)
    }

    pub fn flag(v: Option<Val<bool>>) -> bool {
        v.is_some_and(|b| b.v)
    }
}

/// `metadata` + `spec` of a pod or of a pod template.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PodTemplate<'d> {
    pub metadata: Option<NodeId>,
    pub annotations: Vec<(String, Val<&'d str>)>,
    pub spec: PodSpec<'d>,
}

impl PodTemplate<'_> {
    pub fn annotation(&self, key: &str) -> Option<&str> {
        self.annotations
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.v)
    }
}

pub fn decode_template<'d>(
    d: &mut Decoder<'d, '_>,
    metadata: Option<NodeId>,
    spec: Option<NodeId>,
) -> PodTemplate<'d> {
    let mut annotations = Vec::new();
    d.push(Seg::Key("metadata"));
    if let Some(ann) = d.object(metadata, "annotations") {
        d.push(Seg::Key("annotations"));
        let doc = d.doc;
        // A null value decodes as "" into map[string]string.
        for (key, _, v) in doc.entries(ann) {
            if let Some(val) = d.str_node(v, Some(&key)) {
                annotations.push((key.into_owned(), val));
            }
        }
        d.pop();
    }
    d.pop();
    d.push(Seg::Key("spec"));
    let spec = decode_spec(d, spec);
    d.pop();
    PodTemplate {
        metadata,
        annotations,
        spec,
    }
}

fn decode_spec<'d>(d: &mut Decoder<'d, '_>, spec: Option<NodeId>) -> PodSpec<'d> {
    let os = d.object(spec, "os");
    d.push(Seg::Key("os"));
    let os_name = d.str(os, "name");
    d.pop();
    let sc = d.object(spec, "securityContext");
    let security_context = sc.map(|sc| {
        d.push(Seg::Key("securityContext"));
        let sc = decode_sc(d, sc, Level::Pod);
        d.pop();
        sc
    });
    let mut volumes = Vec::new();
    let items = d.objects(spec, "volumes");
    d.push(Seg::Key("volumes"));
    for (i, v) in items.into_iter().enumerate() {
        d.push(Seg::Index(i));
        volumes.push(decode_volume(d, v));
        d.pop();
    }
    d.pop();
    PodSpec {
        node: spec,
        host_network: d.bool(spec, "hostNetwork"),
        host_pid: d.bool(spec, "hostPID"),
        host_ipc: d.bool(spec, "hostIPC"),
        host_users: d.bool(spec, "hostUsers"),
        os_name,
        security_context,
        volumes,
        init_containers: decode_containers(d, spec, ContainerKind::Init),
        containers: decode_containers(d, spec, ContainerKind::Regular),
        ephemeral_containers: decode_containers(d, spec, ContainerKind::Ephemeral),
    }
}

fn decode_volume<'d>(d: &mut Decoder<'d, '_>, node: NodeId) -> Volume<'d> {
    let v = Some(node);
    let mut sources = Vec::new();
    let mut host_path = None;
    for &src in VOLUME_SOURCES {
        if let Some(node) = d.object(v, src) {
            if src == "hostPath" {
                d.push(Seg::Key("hostPath"));
                host_path = d.str(Some(node), "path");
                d.pop();
            }
            sources.push((src, node));
        }
    }
    Volume {
        node,
        name: d.str(v, "name").map_or("", |n| n.v),
        sources,
        host_path,
    }
}

fn decode_containers<'d>(
    d: &mut Decoder<'d, '_>,
    spec: Option<NodeId>,
    kind: ContainerKind,
) -> Vec<Container<'d>> {
    let key = kind.field();
    let items = d.objects(spec, key);
    d.push(Seg::Key(key));
    let mut out = Vec::with_capacity(items.len());
    for (index, c) in items.into_iter().enumerate() {
        d.push(Seg::Index(index));
        out.push(decode_container(d, c, kind, index));
        d.pop();
    }
    d.pop();
    out
}

fn decode_container<'d>(
    d: &mut Decoder<'d, '_>,
    node: NodeId,
    kind: ContainerKind,
    index: usize,
) -> Container<'d> {
    let c = Some(node);
    let mut ports = Vec::new();
    let items = d.objects(c, "ports");
    d.push(Seg::Key("ports"));
    for (i, node) in items.into_iter().enumerate() {
        d.push(Seg::Index(i));
        let p = Some(node);
        ports.push(Port {
            node,
            container_port: d.lenient(|d| d.int(p, "containerPort", Int::I32)),
            host_port: d.int(p, "hostPort", Int::I32),
            protocol: d.lenient(|d| d.str(p, "protocol")),
        });
        d.pop();
    }
    d.pop();
    let mut volume_mounts = Vec::new();
    let items = d
        .lenient(|d| Some(d.objects(c, "volumeMounts")))
        .unwrap_or_default();
    d.push(Seg::Key("volumeMounts"));
    for (i, node) in items.into_iter().enumerate() {
        d.push(Seg::Index(i));
        let m = Some(node);
        volume_mounts.push(VolumeMount {
            node,
            name: d.lenient(|d| d.str(m, "name")),
            mount_path: d.lenient(|d| d.str(m, "mountPath")),
            read_only: d.lenient(|d| d.bool(m, "readOnly")),
        });
        d.pop();
    }
    d.pop();
    let mut handlers = Vec::new();
    for probe in ["livenessProbe", "readinessProbe", "startupProbe"] {
        if let Some(p) = d.object(c, probe) {
            d.push(Seg::Key(probe));
            handlers.push(decode_handler(d, p, probe));
            d.pop();
        }
    }
    if let Some(lc) = d.object(c, "lifecycle") {
        d.push(Seg::Key("lifecycle"));
        for (hook, field) in [
            ("postStart", "lifecycle.postStart"),
            ("preStop", "lifecycle.preStop"),
        ] {
            if let Some(h) = d.object(Some(lc), hook) {
                d.push(Seg::Key(hook));
                handlers.push(decode_handler(d, h, field));
                d.pop();
            }
        }
        d.pop();
    }
    let sc = d.object(c, "securityContext");
    let security_context = sc.map(|sc| {
        d.push(Seg::Key("securityContext"));
        let sc = decode_sc(d, sc, Level::Container);
        d.pop();
        sc
    });
    Container {
        node,
        kind,
        index,
        name: d.str(c, "name").map_or("", |n| n.v),
        image: d.lenient(|d| d.str(c, "image")),
        ports,
        security_context,
        handlers,
        volume_mounts,
    }
}

fn decode_handler<'d>(d: &mut Decoder<'d, '_>, h: NodeId, field: &'static str) -> Handler<'d> {
    let http = d.object(Some(h), "httpGet");
    d.push(Seg::Key("httpGet"));
    let http_get_host = d.str(http, "host");
    d.pop();
    let tcp = d.object(Some(h), "tcpSocket");
    d.push(Seg::Key("tcpSocket"));
    let tcp_socket_host = d.str(tcp, "host");
    d.pop();
    Handler {
        field,
        http_get_host,
        tcp_socket_host,
    }
}

fn decode_profile<'d>(
    d: &mut Decoder<'d, '_>,
    sc: NodeId,
    key: &'static str,
) -> Option<Profile<'d>> {
    let p = d.object(Some(sc), key)?;
    d.push(Seg::Key(key));
    let out = Profile {
        node: p,
        type_: d.str(Some(p), "type"),
        localhost_profile: d.str(Some(p), "localhostProfile"),
    };
    d.pop();
    Some(out)
}

pub fn decode_sc<'d>(d: &mut Decoder<'d, '_>, sc: NodeId, level: Level) -> SecurityContext<'d> {
    let s = Some(sc);
    let se_linux_options = d.object(s, "seLinuxOptions").map(|o| {
        d.push(Seg::Key("seLinuxOptions"));
        let out = SeLinuxOptions {
            node: o,
            user: d.str(Some(o), "user"),
            role: d.str(Some(o), "role"),
            type_: d.str(Some(o), "type"),
            level: d.str(Some(o), "level"),
        };
        d.pop();
        out
    });
    let windows_options = d.object(s, "windowsOptions").map(|o| {
        d.push(Seg::Key("windowsOptions"));
        let out = WindowsOptions {
            node: o,
            host_process: d.bool(Some(o), "hostProcess"),
            run_as_user_name: d.str(Some(o), "runAsUserName"),
            gmsa_credential_spec_name: d.str(Some(o), "gmsaCredentialSpecName"),
            gmsa_credential_spec: d.str(Some(o), "gmsaCredentialSpec"),
        };
        d.pop();
        out
    });
    let mut out = SecurityContext {
        node: sc,
        level,
        run_as_user: d.int(s, "runAsUser", Int::I64),
        run_as_group: d.int(s, "runAsGroup", Int::I64),
        run_as_non_root: d.bool(s, "runAsNonRoot"),
        se_linux_options,
        seccomp_profile: decode_profile(d, sc, "seccompProfile"),
        app_armor_profile: decode_profile(d, sc, "appArmorProfile"),
        windows_options,
        privileged: None,
        allow_privilege_escalation: None,
        read_only_root_filesystem: None,
        capabilities: None,
        proc_mount: None,
        fs_group: None,
        fs_group_change_policy: None,
        supplemental_groups: Vec::new(),
        sysctls: Vec::new(),
    };
    match level {
        Level::Container => {
            out.privileged = d.bool(s, "privileged");
            out.allow_privilege_escalation = d.bool(s, "allowPrivilegeEscalation");
            out.read_only_root_filesystem = d.bool(s, "readOnlyRootFilesystem");
            out.proc_mount = d.str(s, "procMount");
            out.capabilities = d.object(s, "capabilities").map(|c| {
                d.push(Seg::Key("capabilities"));
                let caps = Capabilities {
                    node: c,
                    add: d.str_list(Some(c), "add").unwrap_or_default(),
                    drop: d.str_list(Some(c), "drop").unwrap_or_default(),
                };
                d.pop();
                caps
            });
        }
        Level::Pod => {
            out.fs_group = d.int(s, "fsGroup", Int::I64);
            out.fs_group_change_policy = d.str(s, "fsGroupChangePolicy");
            if let Some(list) = d.list(s, "supplementalGroups") {
                d.push(Seg::Key("supplementalGroups"));
                let doc = d.doc;
                for (i, item) in doc.items(list).enumerate() {
                    d.push(Seg::Index(i));
                    if let Some(g) = d.int_node(item, None, Int::I64) {
                        out.supplemental_groups.push(g);
                    }
                    d.pop();
                }
                d.pop();
            }
            let items = d.objects(s, "sysctls");
            d.push(Seg::Key("sysctls"));
            for (i, node) in items.into_iter().enumerate() {
                d.push(Seg::Index(i));
                let item = Some(node);
                let name = d.str(item, "name");
                let value = d.str(item, "value");
                out.sysctls.push(Sysctl {
                    node,
                    name: name.unwrap_or(Val { v: "", node }),
                    value,
                });
                d.pop();
            }
            d.pop();
        }
    }
    out
}
