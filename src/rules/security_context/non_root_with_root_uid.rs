use crate::rules::{Category, Check, Ctx, Rule, Severity, Sink, Text};

pub static RULE: Rule = Rule {
    code: "PS108",
    name: "non-root-with-root-uid",
    category: Category::Correctness,
    severity: Severity::High,
    default_enabled: true,
    pss: None,
    mitigations: &[],
    enables: &[],
    en: Text {
        title: "runAsNonRoot: true with runAsUser: 0",
        message: "container \"{container}\" requires non-root but runs as UID 0: the kubelet will refuse to start it",
        what: "Finds containers whose effective `runAsNonRoot` is `true` while their effective `runAsUser` is `0`.",
        why: "The two settings contradict each other. The kubelet checks them before starting the container and fails with `container's runAsUser breaks non-root policy`: the pod never runs.",
        fix: "Set `runAsUser` to a non-zero UID (or remove it so the image's numeric non-root `USER` applies).",
    },
    ko: Text {
        title: "runAsNonRoot: true와 runAsUser: 0을 함께 설정",
        message: "컨테이너 \"{container}\"의 설정은 non-root를 요구하면서 UID 0으로 실행한다: kubelet이 시작을 거부한다",
        what: "실제로 적용되는 `runAsNonRoot`가 `true`인데 `runAsUser`가 `0`인 컨테이너를 찾는다.",
        why: "두 설정이 서로 모순된다. kubelet은 컨테이너를 시작하기 전에 이를 검사해서 `container's runAsUser breaks non-root policy` 오류를 내고, 파드는 끝내 실행되지 않는다.",
        fix: "`runAsUser`를 0이 아닌 UID로 바꾸거나, 지워서 이미지의 숫자 non-root `USER`가 쓰이게 한다.",
    },
    example: "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  securityContext:\n    runAsNonRoot: true\n  containers:\n    - name: web\n      image: example/web:1\n      securityContext:\n        runAsUser: 0\n",
    use_instead: "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  securityContext:\n    runAsNonRoot: true\n  containers:\n    - name: web\n      image: example/web:1\n      securityContext:\n        runAsUser: 10001\n",
    references: &["https://kubernetes.io/docs/tasks/configure-pod-container/security-context/"],
    check: Check::Workload(check),
    fix: None,
};

fn check(ctx: &Ctx<'_, '_>, out: &mut Sink) {
    for (c, eff) in ctx.containers() {
        let non_root = eff.run_as_non_root.value.is_some_and(|v| v.v);
        if let Some(u) = eff.run_as_user.value.filter(|u| u.v == 0 && non_root) {
            out.report(&RULE, u.node)
                .container(c)
                .value(0, eff.run_as_user.origin);
        }
    }
}
