use super::suggest;
use crate::dockerfile::user::{FinalUser, UserKind};
use crate::model::effective::Origin;
use crate::rules::{Category, Check, DockerCtx, Rule, Severity, Sink, Text};

pub static RULE: Rule = Rule {
    code: "DKF102",
    name: "root-user",
    category: Category::Hardening,
    severity: Severity::High,
    default_enabled: true,
    pss: None,
    mitigations: &["dockerfile_nonroot_user"],
    enables: &[],
    en: Text {
        title: "The image runs as root",
        message: "the final USER is {value}: the container runs as root{undone}",
        what: "Finds Dockerfiles whose final effective `USER` is `root` or `0` (also `0:0`, `root:root`), including a non-root `USER` undone by a later `USER root`.",
        why: "A container running as root is UID 0 on the node's kernel: any escape lands as root. `USER root` is often added for an install step and never switched back.",
        fix: "End the final stage with `USER <non-root UID>`; do root-only work before it.",
    },
    ko: Text {
        title: "root로 실행되는 이미지",
        message: "마지막 USER가 root 계정이다 ({value}): 컨테이너가 root로 실행된다{undone}",
        what: "마지막 `USER`가 `root`나 `0`(`0:0`, `root:root` 포함)인 Dockerfile을 찾는다. 앞에서 non-root로 바꿨다가 나중에 `USER root`로 되돌린 경우도 포함한다.",
        why: "root로 실행되는 컨테이너는 노드 커널에서 UID 0이다. 탈출하면 곧바로 root가 된다. 설치 단계에서 `USER root`를 넣고 다시 바꾸지 않는 실수가 흔하다.",
        fix: "마지막 스테이지를 `USER <non-root UID>`로 끝낸다. root가 필요한 작업은 그 앞에서 한다.",
    },
    example: "FROM node:20\nUSER node\nRUN npm ci\nUSER root\nCMD [\"node\", \"server.js\"]\n",
    use_instead: "FROM node:20\nUSER root\nRUN apt-get update\nUSER 1000\nCMD [\"node\", \"server.js\"]\n",
    references: &["https://docs.docker.com/reference/dockerfile/#user"],
    check: Check::Dockerfile(check),
    fix: None,
};

fn check(ctx: &DockerCtx<'_>, out: &mut Sink) {
    let Some(a) = ctx.analysis else { return };
    let FinalUser::Set(u) = &a.final_user else {
        return;
    };
    if u.kind != UserKind::Root {
        return;
    }
    let undone = a
        .users
        .iter()
        .rev()
        .skip(1)
        .any(|p| matches!(p.kind, UserKind::Uid(_) | UserKind::Name(_)));
    let (en, ko) = suggest::non_root(a);
    let f = out.report_span(&RULE, u.span);
    f.arg("value", &u.value)
        .note_tr(&en, &ko)
        .value(&u.value, Origin::Image)
        .origin_detail_tr("this USER instruction", "이 USER 명령");
    if undone {
        f.arg_tr(
            "undone",
            " (an earlier non-root USER is undone)",
            " (앞의 non-root USER가 되돌려졌다)",
        );
    } else {
        f.arg("undone", "");
    }
}
