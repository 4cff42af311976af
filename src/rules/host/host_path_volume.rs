use crate::model::effective::Origin;
use crate::pss::Level;
use crate::rules::{Category, Check, Ctx, PssTag, Rule, Severity, Sink, Text};

pub static RULE: Rule = Rule {
    code: "PS304",
    name: "host-path-volume",
    category: Category::PssBaseline,
    severity: Severity::High,
    default_enabled: true,
    pss: Some(PssTag {
        level: Level::Baseline,
        check: "hostPathVolumes",
        since: 0,
    }),
    mitigations: &["no_host_path"],
    enables: &[],
    en: Text {
        title: "hostPath volume",
        message: "volume \"{volume}\" mounts the node's {path}",
        what: "Finds `hostPath` volumes.",
        why: "A hostPath volume gives the pod a directory or file of the node itself. Writable, it lets the pod change the node (and, through symlinks and subPaths, reach further than the path suggests); even read-only it can leak credentials and other pods' data.",
        fix: "Use a `persistentVolumeClaim`, `configMap`, `secret`, `emptyDir` or CSI volume instead; keep node-level agents in namespaces at the privileged level.",
    },
    ko: Text {
        title: "hostPath 볼륨",
        message: "볼륨 \"{volume}\"에 노드의 경로가 마운트된다: {path}",
        what: "`hostPath` 볼륨을 찾는다.",
        why: "hostPath 볼륨은 노드 자신의 디렉터리나 파일을 파드에 준다. 쓰기가 가능하면 파드가 노드를 바꿀 수 있고 (심볼릭 링크와 subPath로 경로보다 더 멀리 닿기도 한다), 읽기 전용이어도 자격 증명과 다른 파드의 데이터가 샐 수 있다.",
        fix: "`persistentVolumeClaim`, `configMap`, `secret`, `emptyDir`, CSI 볼륨을 쓴다. 노드 수준 에이전트는 privileged 레벨 네임스페이스에 둔다.",
    },
    example: "apiVersion: v1\nkind: Pod\nmetadata:\n  name: logs\nspec:\n  containers:\n    - name: logs\n      image: example/logs:1\n  volumes:\n    - name: varlog\n      hostPath:\n        path: /var/log\n",
    use_instead: "apiVersion: v1\nkind: Pod\nmetadata:\n  name: logs\nspec:\n  containers:\n    - name: logs\n      image: example/logs:1\n  volumes:\n    - name: data\n      persistentVolumeClaim:\n        claimName: logs\n",
    references: &[
        "https://kubernetes.io/docs/concepts/security/pod-security-standards/#baseline",
        "https://kubernetes.io/docs/concepts/storage/volumes/#hostpath",
    ],
    check: Check::Workload(check),
    fix: None,
};

fn check(ctx: &Ctx<'_, '_>, out: &mut Sink) {
    if !ctx.pss_fails("hostPathVolumes") {
        return;
    }
    for v in &ctx.pod.spec.volumes {
        let Some(&(_, node)) = v.sources.iter().find(|(s, _)| *s == "hostPath") else {
            continue;
        };
        let path = v.host_path.map_or("", |p| p.v);
        let at = v.host_path.map_or(node, |p| p.node);
        out.report(&RULE, at)
            .arg("volume", v.name)
            .arg("path", path)
            .value(path, Origin::Pod);
    }
}
