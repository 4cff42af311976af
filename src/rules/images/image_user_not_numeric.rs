use super::image_decides;
use crate::model::effective::Origin;
use crate::rules::{Category, Check, Ctx, Rule, Severity, Sink, Text};

pub static RULE: Rule = Rule {
    code: "PS701",
    name: "image-user-not-numeric",
    category: Category::Correctness,
    severity: Severity::High,
    default_enabled: true,
    pss: None,
    mitigations: &[],
    enables: &["image_user_by_name"],
    en: Text {
        title: "runAsNonRoot with an image USER given by name",
        message: "container \"{container}\" requires non-root, but its image runs as USER {user} ({source}): the kubelet cannot verify a name and will not start it",
        what: "Cross-check. Finds containers with `runAsNonRoot: true` and no `runAsUser` whose image (from its Dockerfile in the scan) ends with `USER <name>`.",
        why: "The kubelet verifies runAsNonRoot from the image's user before starting the container and cannot resolve names: the pod fails with `CreateContainerConfigError: image has non-numeric user (…), cannot verify user is non-root`.",
        fix: "Use a numeric `USER` in the Dockerfile, or set `runAsUser` to that user's UID in the manifest.",
    },
    ko: Text {
        title: "runAsNonRoot와 이름으로 쓴 이미지 USER",
        message: "컨테이너 \"{container}\"의 설정은 non-root를 요구하지만 이미지의 USER가 이름이다 ({user}, {source}): kubelet은 이름을 확인할 수 없어 시작하지 않는다",
        what: "교차 검사다. `runAsNonRoot: true`이고 `runAsUser`가 없는 컨테이너 중, 이미지(함께 검사한 Dockerfile)가 `USER <이름>`으로 끝나는 경우를 찾는다.",
        why: "kubelet은 컨테이너를 시작하기 전에 이미지 유저로 runAsNonRoot를 확인하는데 이름은 풀 수 없다. 파드는 `CreateContainerConfigError: image has non-numeric user (…), cannot verify user is non-root`로 실패한다.",
        fix: "Dockerfile의 `USER`를 숫자로 쓰거나, 매니페스트에 그 유저의 UID로 `runAsUser`를 지정한다.",
    },
    example: "# A Dockerfile in the scan builds `web` and ends with `USER node`.\napiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  securityContext:\n    runAsNonRoot: true\n  containers:\n    - name: web\n      image: web:1\n",
    use_instead: "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  securityContext:\n    runAsNonRoot: true\n    runAsUser: 1000\n  containers:\n    - name: web\n      image: web:1\n",
    references: &["https://kubernetes.io/docs/tasks/configure-pod-container/security-context/"],
    check: Check::Workload(check),
    fix: None,
};

fn check(ctx: &Ctx<'_, '_>, out: &mut Sink) {
    for (c, eff, info) in image_decides(ctx) {
        if eff.run_as_non_root.value.is_some_and(|v| v.v) && info.by_name {
            let node = c.image.map_or(c.node, |i| i.node);
            let f = out.report(&RULE, node);
            super::source(f, &info)
                .container(c)
                .arg("user", &info.user)
                .value(&info.user, Origin::Image);
        }
    }
}
