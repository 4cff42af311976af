use super::image_decides;
use crate::model::effective::Origin;
use crate::rules::{Category, Check, Ctx, Rule, Severity, Sink, Text};

pub static RULE: Rule = Rule {
    code: "PS703",
    name: "image-runs-as-root",
    category: Category::Hardening,
    severity: Severity::High,
    default_enabled: true,
    pss: None,
    mitigations: &["run_as_non_root", "dockerfile_nonroot_user"],
    enables: &["root_in_container"],
    en: Text {
        title: "The container will run as root",
        message: "container \"{container}\" will run as root: runAsNonRoot is not set and its image runs as root ({source})",
        what: "Cross-check. Finds containers without `runAsNonRoot: true` or `runAsUser` whose image runs as root (from its Dockerfile in the scan, or the base image table).",
        why: "Nothing in the manifest or the image moves the process off UID 0, so it runs as root on the node's kernel.",
        fix: "Give the image a numeric non-root `USER` and set `runAsNonRoot: true`; or set `runAsUser` to a non-root UID the image supports.",
    },
    ko: Text {
        title: "root로 실행될 컨테이너",
        message: "컨테이너 \"{container}\"의 프로세스가 root로 실행된다: runAsNonRoot가 없고 이미지가 root로 실행된다 ({source})",
        what: "교차 검사다. `runAsNonRoot: true`도 `runAsUser`도 없는 컨테이너 중 이미지가 root로 실행되는 경우를 찾는다 (함께 검사한 Dockerfile이나 베이스 이미지 표 기준).",
        why: "매니페스트에도 이미지에도 프로세스를 UID 0에서 옮기는 설정이 없어서, 노드 커널에서 root로 실행된다.",
        fix: "이미지에 숫자 non-root `USER`를 주고 `runAsNonRoot: true`를 설정한다. 또는 이미지가 지원하는 non-root UID로 `runAsUser`를 지정한다.",
    },
    example: "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  containers:\n    - name: web\n      image: nginx:1.27\n",
    use_instead: "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  securityContext:\n    runAsNonRoot: true\n  containers:\n    - name: web\n      image: nginxinc/nginx-unprivileged:1.27\n",
    references: &["https://kubernetes.io/docs/tasks/configure-pod-container/security-context/"],
    check: Check::Workload(check),
    fix: None,
};

fn check(ctx: &Ctx<'_, '_>, out: &mut Sink) {
    for (c, eff, info) in image_decides(ctx) {
        if eff.run_as_non_root.value.is_none_or(|v| !v.v) && info.runs_as_root == Some(true) {
            let node = c.image.map_or(c.node, |i| i.node);
            let f = out.report(&RULE, node);
            super::source(f, &info)
                .container(c)
                .value(&info.user, Origin::Image);
        }
    }
}
