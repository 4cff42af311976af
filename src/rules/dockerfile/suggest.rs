//! Fix suggestions for Dockerfiles, following the user's notes: switch to
//! the base image's own non-root user by UID, or create one.

use crate::dockerfile::user::Analysis;

/// `(English, Korean)` advice for an image that should run as non-root.
pub fn non_root(a: &Analysis) -> (String, String) {
    if let Some((name, uid)) = a.created.iter().rev().find_map(|c| Some((&c.name, c.uid?))) {
        return (
            format!("switch to the user {name} it creates: `USER {uid}`"),
            format!("직접 만든 유저로 바꾼다 ({name}): `USER {uid}`"),
        );
    }
    if let Some(u) = a.base.as_ref().and_then(|b| b.suggested_user()) {
        return (
            format!(
                "{} ships the user {} (UID {}): add `USER {}` (numeric, so runAsNonRoot can verify it)",
                a.root_base, u.name, u.uid, u.uid
            ),
            format!(
                "{}에는 non-root 유저가 들어 있다: {} (UID {}). 다음을 추가한다: `USER {}` (숫자로 써야 runAsNonRoot가 확인할 수 있다)",
                a.root_base, u.name, u.uid, u.uid
            ),
        );
    }
    let alpine = a.base.as_ref().is_some_and(|b| b.alpine) || a.root_base.contains("alpine");
    let create = if alpine {
        "RUN addgroup -g 10001 app && adduser -D -u 10001 -G app app"
    } else {
        "RUN useradd app -u 10001 --create-home --user-group"
    };
    (
        format!(
            "create a user and switch to it: `{create}`, `COPY --chown=10001 . /home/app/`, `USER 10001`"
        ),
        format!(
            "유저를 만들고 그 유저로 바꾼다: `{create}`, `COPY --chown=10001 . /home/app/`, `USER 10001`"
        ),
    )
}
