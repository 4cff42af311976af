use super::suggest;
use crate::dockerfile::user::FinalUser;
use crate::rules::{Category, Check, DockerCtx, Rule, Severity, Sink, Text};

pub static RULE: Rule = Rule {
    code: "DKF101",
    name: "missing-user",
    category: Category::Hardening,
    severity: Severity::Medium,
    default_enabled: true,
    pss: None,
    mitigations: &["dockerfile_nonroot_user"],
    enables: &[],
    en: Text {
        title: "The image never sets USER",
        message: "the final stage never sets USER, so the container runs as {base_user}",
        what: "Finds Dockerfiles whose final stage (including the stages it builds on) never switches `USER`, on a base image that does not already run as non-root.",
        why: "Without `USER` the container runs as the base image's user, which for most images is root. Images often create a suitable user (node's images create `node`, UID 1000) but leave the switch to you, because building needs root and running does not. `runAsNonRoot: true` in the manifest then refuses to start the container.",
        fix: "Switch to a non-root user by numeric UID at the end of the final stage: the base image's own user if it has one, or one you create (`useradd ... -u 10001`, `COPY --chown`, `USER 10001`).",
    },
    ko: Text {
        title: "USER를 지정하지 않은 이미지",
        message: "마지막 스테이지에서 USER를 지정하지 않았다. 컨테이너는 다음 유저로 실행된다: {base_user}",
        what: "마지막 스테이지(와 그 스테이지가 기반으로 하는 스테이지)에서 `USER`를 한 번도 바꾸지 않은 Dockerfile을 찾는다. 베이스 이미지가 이미 non-root로 실행되는 경우는 제외한다.",
        why: "`USER`가 없으면 컨테이너는 베이스 이미지의 유저로 실행되고, 대부분의 이미지에서 그 유저는 root다. pull한 이미지는 보통 적절한 유저를 만들어 두지만 (node 이미지는 UID 1000인 `node`를 만든다) 그 유저로 바꾸는 일은 우리에게 맡긴다. 빌드할 때는 root가 필요하지만 실행할 때는 필요 없기 때문이다. 매니페스트에 `runAsNonRoot: true`가 있으면 이 컨테이너는 시작되지 않는다.",
        fix: "마지막 스테이지 끝에서 숫자 UID로 non-root 유저로 바꾼다: 베이스 이미지에 유저가 있으면 그 유저를, 없으면 직접 만든 유저를 쓴다 (`useradd ... -u 10001`, `COPY --chown`, `USER 10001`).",
    },
    example: "FROM node:20-alpine\nWORKDIR /app\nCOPY . .\nCMD [\"node\", \"server.js\"]\n",
    use_instead: "FROM node:20-alpine\nWORKDIR /app\nCOPY --chown=1000 . .\nUSER 1000\nCMD [\"node\", \"server.js\"]\n",
    references: &[
        "https://docs.docker.com/reference/dockerfile/#user",
        "https://github.com/nodejs/docker-node/blob/main/docs/BestPractices.md#non-root-user",
    ],
    check: Check::Dockerfile(check),
    fix: None,
};

fn check(ctx: &DockerCtx<'_>, out: &mut Sink) {
    let Some(a) = ctx.analysis else { return };
    let FinalUser::Base(base) = &a.final_user else {
        return;
    };
    let (en_user, ko_user) = match base {
        Some(b) if !b.runs_as_root() => return,
        Some(_) => ("root".to_string(), "root".to_string()),
        None => (
            format!("whatever {} sets (root unless it sets a USER)", a.root_base),
            format!(
                "베이스 이미지({})가 정한 유저 (USER를 정하지 않았다면 root)",
                a.root_base
            ),
        ),
    };
    let (en, ko) = suggest::non_root(a);
    let from = ctx.df.stages[a.final_stage].from;
    out.report_span(&RULE, ctx.df.instructions[from].span)
        .arg_tr("base_user", &en_user, &ko_user)
        .note_tr(&en, &ko);
}
