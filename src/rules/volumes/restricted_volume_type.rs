use crate::model::effective::Origin;
use crate::pss::{Level, restricted_volume_type};
use crate::rules::{Category, Check, Ctx, PssTag, Rule, Severity, Sink, Text};

pub static RULE: Rule = Rule {
    code: "PS401",
    name: "restricted-volume-type",
    category: Category::PssRestricted,
    severity: Severity::Medium,
    default_enabled: true,
    pss: Some(PssTag {
        level: Level::Restricted,
        check: "restrictedVolumes",
        since: 0,
    }),
    mitigations: &[],
    enables: &[],
    en: Text {
        title: "Volume type outside the restricted set",
        message: "volume \"{volume}\" uses volume type {type}",
        what: "Finds volumes whose type is not one restricted allows (`configMap`, `csi`, `downwardAPI`, `emptyDir`, `ephemeral`, `image`, `persistentVolumeClaim`, `projected`, `secret`). hostPath volumes are reported by PS304.",
        why: "In-tree volume types such as `nfs`, `iscsi`, `rbd`, `gitRepo` or `flexVolume` are mounted by the kubelet on the node with the pod's chosen parameters: the pod decides what the node mounts. `gitRepo` even runs `git` on the node. Restricted only allows types whose access goes through objects an administrator controls.",
        fix: "Use a `persistentVolumeClaim` (the storage is then described by an administrator's PersistentVolume or StorageClass), or a CSI or projected volume.",
    },
    ko: Text {
        title: "restricted 집합 밖의 볼륨 타입",
        message: "볼륨 \"{volume}\"에 restricted가 허용하지 않는 볼륨 타입을 썼다: {type}",
        what: "restricted가 허용하는 타입(`configMap`, `csi`, `downwardAPI`, `emptyDir`, `ephemeral`, `image`, `persistentVolumeClaim`, `projected`, `secret`)이 아닌 볼륨을 찾는다. hostPath 볼륨은 PS304가 보고한다.",
        why: "`nfs`, `iscsi`, `rbd`, `gitRepo`, `flexVolume` 같은 in-tree 볼륨은 kubelet이 파드가 정한 파라미터로 노드에 마운트한다. 즉 파드가 노드의 마운트를 정한다. `gitRepo`는 노드에서 `git`까지 실행한다. restricted는 관리자가 통제하는 오브젝트를 거치는 타입만 허용한다.",
        fix: "`persistentVolumeClaim`(스토리지는 관리자의 PersistentVolume이나 StorageClass가 정한다), CSI, projected 볼륨을 쓴다.",
    },
    example: "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  containers:\n    - name: web\n      image: example/web:1\n  volumes:\n    - name: shared\n      nfs:\n        server: nfs.example.com\n        path: /exports\n",
    use_instead: "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  containers:\n    - name: web\n      image: example/web:1\n  volumes:\n    - name: shared\n      persistentVolumeClaim:\n        claimName: shared\n",
    references: &[
        "https://kubernetes.io/docs/concepts/security/pod-security-standards/#restricted",
    ],
    check: Check::Workload(check),
    fix: None,
};

fn check(ctx: &Ctx<'_, '_>, out: &mut Sink) {
    if !ctx.pss_fails("restrictedVolumes") {
        return;
    }
    for v in &ctx.pod.spec.volumes {
        let Some(t) = restricted_volume_type(v).filter(|t| *t != "hostPath") else {
            continue;
        };
        let node = ctx.key_of(Some(v.node), t).unwrap_or(v.node);
        out.report(&RULE, node)
            .arg("volume", v.name)
            .arg("type", t)
            .value(t, Origin::Pod);
    }
}
