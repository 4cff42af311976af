use crate::rules::{Category, Check, Ctx, Rule, Severity, Sink, Text};

pub static RULE: Rule = Rule {
    code: "PS111",
    name: "writable-root-filesystem",
    category: Category::Hardening,
    severity: Severity::Medium,
    default_enabled: true,
    pss: None,
    mitigations: &["read_only_root_fs"],
    enables: &[],
    en: Text {
        title: "Writable root filesystem",
        message: "container \"{container}\" can write to its root filesystem",
        what: "Finds containers whose `securityContext.readOnlyRootFilesystem` is not `true`.",
        why: "A writable root filesystem lets an attacker who gets code execution replace binaries, drop tools and persist changes for the life of the container. Some runtime escapes rely on overwriting a binary inside the container that an operator later runs.",
        fix: "Set `readOnlyRootFilesystem: true` and mount an `emptyDir` at each path the program writes to (often `/tmp`).",
    },
    ko: Text {
        title: "쓰기 가능한 루트 파일시스템",
        message: "컨테이너 \"{container}\"가 루트 파일시스템에 쓸 수 있다",
        what: "`securityContext.readOnlyRootFilesystem`이 `true`가 아닌 컨테이너를 찾는다.",
        why: "루트 파일시스템에 쓸 수 있으면, 코드 실행을 얻은 공격자가 바이너리를 바꾸고 도구를 내려받고 컨테이너가 살아 있는 동안 변경을 유지할 수 있다. 운영자가 나중에 실행할 컨테이너 안의 바이너리를 덮어쓰는 런타임 탈출도 있다.",
        fix: "`readOnlyRootFilesystem: true`를 설정하고, 프로그램이 쓰는 경로(보통 `/tmp`)마다 `emptyDir`를 마운트한다.",
    },
    example: "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  containers:\n    - name: web\n      image: example/web:1\n",
    use_instead: "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  containers:\n    - name: web\n      image: example/web:1\n      securityContext:\n        readOnlyRootFilesystem: true\n      volumeMounts:\n        - {name: tmp, mountPath: /tmp}\n  volumes:\n    - {name: tmp, emptyDir: {}}\n",
    references: &["https://kubernetes.io/docs/tasks/configure-pod-container/security-context/"],
    check: Check::Workload(check),
};

fn check(ctx: &Ctx<'_, '_>, out: &mut Sink) {
    for (c, eff) in ctx.containers() {
        match eff.read_only_root_filesystem.value {
            Some(v) if v.v => {}
            Some(v) => {
                out.report(&RULE, v.node)
                    .container(c)
                    .value(false, eff.read_only_root_filesystem.origin);
            }
            None => {
                out.report(&RULE, ctx.container_anchor(c))
                    .container(c)
                    .unset();
            }
        }
    }
}
