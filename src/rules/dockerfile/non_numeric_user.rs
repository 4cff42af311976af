use crate::dockerfile::user::{FinalUser, UserKind};
use crate::model::effective::Origin;
use crate::rules::{Category, Check, DockerCtx, Rule, Severity, Sink, Text};

pub static RULE: Rule = Rule {
    code: "DKF103",
    name: "non-numeric-user",
    category: Category::Correctness,
    severity: Severity::Medium,
    default_enabled: true,
    pss: None,
    mitigations: &[],
    enables: &["image_user_by_name"],
    en: Text {
        title: "USER by name",
        message: "USER {value} is a name: with runAsNonRoot: true the kubelet cannot verify it and refuses to start the container",
        what: "Finds a final `USER` given as a name rather than a numeric UID.",
        why: "The kubelet checks `runAsNonRoot` against the image's user before starting the container, and it cannot look names up: it fails with `image has non-numeric user (…), cannot verify user is non-root` (CreateContainerConfigError). A numeric UID also does not depend on the image's `/etc/passwd`.",
        fix: "Write the numeric UID (and GID): `USER 10001:10001`.",
    },
    ko: Text {
        title: "이름으로 쓴 USER",
        message: "USER를 이름으로 썼다 ({value}): runAsNonRoot: true이면 kubelet이 이를 확인할 수 없어 컨테이너를 시작하지 않는다",
        what: "마지막 `USER`를 숫자 UID가 아니라 이름으로 쓴 경우를 찾는다.",
        why: "kubelet은 컨테이너를 시작하기 전에 이미지 유저가 `runAsNonRoot`를 만족하는지 확인하는데, 이름은 조회할 수 없다. 그래서 `image has non-numeric user (…), cannot verify user is non-root` 오류(CreateContainerConfigError)로 실패한다. 숫자 UID는 이미지의 `/etc/passwd`에 기대지도 않는다.",
        fix: "숫자 UID(와 GID)로 쓴다: `USER 10001:10001`.",
    },
    example: "FROM node:20-alpine\nUSER node\nCMD [\"node\", \"server.js\"]\n",
    use_instead: "FROM node:20-alpine\nUSER 1000\nCMD [\"node\", \"server.js\"]\n",
    references: &[
        "https://kubernetes.io/docs/concepts/security/pod-security-standards/#restricted",
    ],
    check: Check::Dockerfile(check),
    fix: None,
};

fn check(ctx: &DockerCtx<'_>, out: &mut Sink) {
    let Some(a) = ctx.analysis else { return };
    let FinalUser::Set(u) = &a.final_user else {
        return;
    };
    let UserKind::Name(name) = &u.kind else {
        return;
    };
    let (en, ko) = match a.numeric_uid() {
        Some(uid) => (
            format!("{name} is UID {uid}: write `USER {uid}`"),
            format!("{name}의 UID: {uid}. 다음처럼 쓴다: `USER {uid}`"),
        ),
        None => (
            format!("write {name}'s numeric UID"),
            format!("숫자 UID로 쓴다 ({name})"),
        ),
    };
    out.report_span(&RULE, u.span)
        .arg("value", &u.value)
        .note_tr(&en, &ko)
        .value(&u.value, Origin::Image)
        .origin_detail_tr("this USER instruction", "이 USER 명령");
}
