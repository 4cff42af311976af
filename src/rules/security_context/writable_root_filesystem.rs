use crate::fix::editor::{NoFix, V};
use crate::fix::{Applicability, Edit};
use crate::rules::FixDoc;
use crate::rules::{Category, Change, Check, Ctx, Rule, Severity, Sink, Text};

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
        message: "컨테이너 \"{container}\"에서 루트 파일시스템에 쓸 수 있다",
        what: "`securityContext.readOnlyRootFilesystem`이 `true`가 아닌 컨테이너를 찾는다.",
        why: "루트 파일시스템에 쓸 수 있으면, 코드 실행을 얻은 공격자가 바이너리를 바꾸고 도구를 내려받고 컨테이너가 살아 있는 동안 변경을 유지할 수 있다. 운영자가 나중에 실행할 컨테이너 안의 바이너리를 덮어쓰는 런타임 탈출도 있다.",
        fix: "`readOnlyRootFilesystem: true`를 설정하고, 프로그램이 쓰는 경로(보통 `/tmp`)마다 `emptyDir`를 마운트한다.",
    },
    example: "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  containers:\n    - name: web\n      image: example/web:1\n",
    use_instead: "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  containers:\n    - name: web\n      image: example/web:1\n      securityContext:\n        readOnlyRootFilesystem: true\n      volumeMounts:\n        - {name: tmp, mountPath: /tmp}\n  volumes:\n    - {name: tmp, emptyDir: {}}\n",
    references: &["https://kubernetes.io/docs/tasks/configure-pod-container/security-context/"],
    check: Check::Workload(check),
    fix: Some(FixDoc {
        applicability: Applicability::Unsafe,
        en: "Sets `readOnlyRootFilesystem: true` and mounts an `emptyDir` at `/tmp` and at the paths the image is known to write to (nginx: its cache and run directories), unless they are already mounted. Unsafe: a program writing anywhere else fails.",
        ko: "`readOnlyRootFilesystem: true`를 넣고, 이미 마운트된 곳이 아니면 `/tmp`와 이미지가 쓰는 것으로 알려진 경로(nginx: 캐시와 run 디렉터리)에 `emptyDir`를 마운트한다. 그 밖의 경로에 쓰는 프로그램은 실패하므로 unsafe다.",
    }),
};

/// Edits: readOnlyRootFilesystem, an emptyDir at /tmp and at the image's
/// known writable paths (unless already mounted).
fn fix(
    ctx: &Ctx<'_, '_>,
    c: &crate::model::Container<'_>,
    current: Option<crate::model::Val<bool>>,
) -> Result<Vec<Edit>, NoFix> {
    let mut edits = match current {
        Some(v) => vec![ctx.edit.replace_scalar(v.node, &V::Bool(true))?],
        None => ctx.set_container(c, "readOnlyRootFilesystem", V::Bool(true))?,
    };
    edits.extend(super::emptydirs(ctx, c, &paths(ctx, c))?);
    Ok(edits)
}

/// /tmp and the paths the image table lists for the image.
fn paths(ctx: &Ctx<'_, '_>, c: &crate::model::Container<'_>) -> Vec<String> {
    let mut paths = vec!["/tmp".to_string()];
    for p in super::image_writable_paths(ctx, c).unwrap_or_default() {
        if !paths.contains(&p) {
            paths.push(p);
        }
    }
    paths
}

/// The fix's title, which says where the paths come from.
fn title(ctx: &Ctx<'_, '_>, c: &crate::model::Container<'_>) -> String {
    let paths = paths(ctx, c).join(", ");
    match super::image_writable_paths(ctx, c) {
        Some(listed) if !listed.is_empty() => format!(
            "set readOnlyRootFilesystem: true and mount an emptyDir at {paths} (the paths podsec's image table lists)"
        ),
        Some(_) => format!(
            "set readOnlyRootFilesystem: true and mount an emptyDir at {paths} (podsec's image table lists no other writable path)"
        ),
        None => {
            format!(
                "set readOnlyRootFilesystem: true and mount an emptyDir at {paths} (guessed: the image is not in podsec's table; add every path it writes to)"
            )
        }
    }
}

fn check(ctx: &Ctx<'_, '_>, out: &mut Sink) {
    for (c, eff) in ctx.containers() {
        let title = title(ctx, c);
        match eff.read_only_root_filesystem.value {
            Some(v) if v.v => {}
            Some(v) => {
                out.report(&RULE, v.node)
                    .container(c)
                    .value(false, eff.read_only_root_filesystem.origin)
                    .fix(
                        Applicability::Unsafe,
                        &title,
                        ctx.unless_human(Some((c, eff)), Change::ReadOnlyRoot, || {
                            fix(ctx, c, Some(v))
                        }),
                    );
            }
            None => {
                out.report(&RULE, ctx.container_anchor(c))
                    .container(c)
                    .effective(eff.row("readOnlyRootFilesystem"))
                    .fix(
                        Applicability::Unsafe,
                        &title,
                        ctx.unless_human(Some((c, eff)), Change::ReadOnlyRoot, || {
                            fix(ctx, c, None)
                        }),
                    );
            }
        }
    }
}
