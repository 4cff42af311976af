use super::image_decides;
use crate::model::effective::Origin;
use crate::rules::{Category, Check, Ctx, Rule, Severity, Sink, Text};

pub static RULE: Rule = Rule {
    code: "PS702",
    name: "non-root-with-root-image",
    category: Category::Correctness,
    severity: Severity::High,
    default_enabled: true,
    pss: None,
    mitigations: &[],
    enables: &[],
    en: Text {
        title: "runAsNonRoot with an image that runs as root",
        message: "container \"{container}\" requires non-root, but its image runs as root ({source}): the kubelet will refuse to start it",
        what: "Cross-check. Finds containers with `runAsNonRoot: true` and no `runAsUser` whose image runs as root: its Dockerfile's final `USER` is root or unset on a root base, or a well-known public image that runs as root.",
        why: "The kubelet refuses the container (`container has runAsNonRoot and image will run as root`): the pod never starts. The fix belongs in the image, or in an explicit `runAsUser`.",
        fix: "Add a numeric non-root `USER` to the Dockerfile (the base image's own user if it ships one), or set `runAsUser` to a UID the image can run as.",
    },
    ko: Text {
        title: "runAsNonRoot와 root로 실행되는 이미지",
        message: "컨테이너 \"{container}\"의 설정은 non-root를 요구하지만 이미지가 root로 실행된다 ({source}): kubelet이 시작을 거부한다",
        what: "교차 검사다. `runAsNonRoot: true`이고 `runAsUser`가 없는 컨테이너 중 이미지가 root로 실행되는 경우를 찾는다: Dockerfile의 마지막 `USER`가 root이거나, root 베이스 위에서 USER가 없거나, root로 실행되는 잘 알려진 공개 이미지다.",
        why: "kubelet은 이 컨테이너를 거부한다 (`container has runAsNonRoot and image will run as root`). 파드는 끝내 시작되지 않는다. 고칠 곳은 이미지이거나 명시적인 `runAsUser`다.",
        fix: "Dockerfile에 숫자 non-root `USER`를 넣거나 (베이스 이미지에 유저가 있으면 그 유저), 이미지가 실행될 수 있는 UID로 `runAsUser`를 지정한다.",
    },
    example: "apiVersion: v1\nkind: Pod\nmetadata:\n  name: cache\nspec:\n  securityContext:\n    runAsNonRoot: true\n  containers:\n    - name: redis\n      image: redis:7\n",
    use_instead: "apiVersion: v1\nkind: Pod\nmetadata:\n  name: cache\nspec:\n  securityContext:\n    runAsNonRoot: true\n    runAsUser: 999\n  containers:\n    - name: redis\n      image: redis:7\n",
    references: &["https://kubernetes.io/docs/tasks/configure-pod-container/security-context/"],
    check: Check::Workload(check),
    fix: None,
};

fn check(ctx: &Ctx<'_, '_>, out: &mut Sink) {
    for (c, eff, info) in image_decides(ctx) {
        if eff.run_as_non_root.value.is_some_and(|v| v.v) && info.runs_as_root == Some(true) {
            let node = c.image.map_or(c.node, |i| i.node);
            let f = out.report(&RULE, node);
            super::source(f, &info)
                .container(c)
                .value(&info.user, Origin::Image);
        }
    }
}
