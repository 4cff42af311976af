use crate::model::effective::Origin;
use crate::rules::{Category, Check, Ctx, Rule, Severity, Sink, Text};

pub static RULE: Rule = Rule {
    code: "PS305",
    name: "sensitive-host-path",
    category: Category::Hardening,
    severity: Severity::Critical,
    default_enabled: true,
    pss: None,
    mitigations: &["no_host_path"],
    enables: &[],
    en: Text {
        title: "hostPath to a sensitive node path",
        message: "volume \"{volume}\" mounts {path} from the node: {what}",
        what: "Finds `hostPath` volumes of paths that hand over the node: `/`, container runtime sockets, `/proc`, `/sys`, `/dev`, `/etc`, `/var/run` and `/run`, `/var/lib/kubelet`, `/var/lib/docker`, `/var/lib/containerd`, `/root`, `/boot`.",
        why: "These paths are the node. A runtime socket (`docker.sock`, `containerd.sock`, `crio.sock`) lets the pod start a privileged container on the node; `/` or `/etc` lets it rewrite the node's configuration and credentials; `/proc` and `/sys` expose every process and kernel settings; `/var/lib/kubelet` holds every pod's secrets.",
        fix: "Remove the volume. If the workload is a node agent that truly needs it, run it in a dedicated namespace at the privileged level, read-only where possible.",
    },
    ko: Text {
        title: "민감한 노드 경로의 hostPath",
        message: "볼륨 \"{volume}\"에 노드의 민감한 경로가 마운트된다 ({path}): {what}",
        what: "노드를 통째로 넘겨주는 경로의 `hostPath` 볼륨을 찾는다: `/`, 컨테이너 런타임 소켓, `/proc`, `/sys`, `/dev`, `/etc`, `/var/run`과 `/run`, `/var/lib/kubelet`, `/var/lib/docker`, `/var/lib/containerd`, `/root`, `/boot`.",
        why: "이 경로들이 곧 노드다. 런타임 소켓(`docker.sock`, `containerd.sock`, `crio.sock`)이 있으면 노드에 privileged 컨테이너를 띄울 수 있고, `/`나 `/etc`면 노드 설정과 자격 증명을 바꿀 수 있고, `/proc`와 `/sys`는 모든 프로세스와 커널 설정을 드러내며, `/var/lib/kubelet`에는 모든 파드의 시크릿이 있다.",
        fix: "볼륨을 지운다. 꼭 필요한 노드 에이전트라면 privileged 레벨의 전용 네임스페이스에서, 가능하면 읽기 전용으로 실행한다.",
    },
    example: "apiVersion: v1\nkind: Pod\nmetadata:\n  name: ci\nspec:\n  containers:\n    - name: ci\n      image: example/ci:1\n  volumes:\n    - name: docker\n      hostPath:\n        path: /var/run/docker.sock\n",
    use_instead: "apiVersion: v1\nkind: Pod\nmetadata:\n  name: ci\nspec:\n  containers:\n    - name: ci\n      image: example/ci:1\n  volumes:\n    - name: work\n      emptyDir: {}\n",
    references: &["https://kubernetes.io/docs/concepts/storage/volumes/#hostpath"],
    check: Check::Workload(check),
    fix: None,
};

/// Why a node path is sensitive, or `None`.
pub fn sensitive(path: &str) -> Option<(&'static str, &'static str)> {
    let p = path.trim_end_matches('/');
    let p = if p.is_empty() { "/" } else { p };
    let under = |root: &str| p == root || p.starts_with(&format!("{root}/"));
    if p.ends_with(".sock")
        && (p.contains("docker")
            || p.contains("containerd")
            || p.contains("crio")
            || p.contains("cri-dockerd")
            || p.contains("podman"))
    {
        return Some((
            "the container runtime socket: full control of the node",
            "컨테이너 런타임 소켓: 노드를 완전히 제어할 수 있다",
        ));
    }
    if p == "/" {
        return Some(("the node's whole file system", "노드의 파일시스템 전체"));
    }
    for (root, en, ko) in [
        (
            "/proc",
            "every process and kernel interface of the node",
            "노드의 모든 프로세스와 커널 인터페이스",
        ),
        (
            "/sys",
            "kernel and device settings of the node",
            "노드의 커널·디바이스 설정",
        ),
        ("/dev", "the node's devices", "노드의 디바이스"),
        (
            "/etc",
            "the node's configuration and credentials",
            "노드의 설정과 자격 증명",
        ),
        (
            "/var/run",
            "runtime sockets and state of the node",
            "노드의 런타임 소켓과 상태",
        ),
        (
            "/run",
            "runtime sockets and state of the node",
            "노드의 런타임 소켓과 상태",
        ),
        (
            "/var/lib/kubelet",
            "every pod's volumes and secrets",
            "모든 파드의 볼륨과 시크릿",
        ),
        (
            "/var/lib/docker",
            "every container's file system",
            "모든 컨테이너의 파일시스템",
        ),
        (
            "/var/lib/containerd",
            "every container's file system",
            "모든 컨테이너의 파일시스템",
        ),
        (
            "/root",
            "root's home directory on the node",
            "노드 root 유저의 홈 디렉터리",
        ),
        (
            "/boot",
            "the node's kernel and boot loader",
            "노드의 커널과 부트로더",
        ),
    ] {
        if under(root) {
            return Some((en, ko));
        }
    }
    None
}

fn check(ctx: &Ctx<'_, '_>, out: &mut Sink) {
    for v in &ctx.pod.spec.volumes {
        let Some(p) = v.host_path else { continue };
        if let Some((en, ko)) = sensitive(p.v) {
            out.report(&RULE, p.node)
                .arg("volume", v.name)
                .arg("path", p.v)
                .arg_tr("what", en, ko)
                .value(p.v, Origin::Pod);
        }
    }
}
