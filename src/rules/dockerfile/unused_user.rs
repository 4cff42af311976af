use crate::dockerfile::user::{FinalUser, UserKind};
use crate::rules::{Category, Check, DockerCtx, Rule, Severity, Sink, Text};

pub static RULE: Rule = Rule {
    code: "DKF104",
    name: "unused-user",
    category: Category::Hardening,
    severity: Severity::Medium,
    default_enabled: true,
    pss: None,
    mitigations: &["dockerfile_nonroot_user"],
    enables: &[],
    en: Text {
        title: "A user created (or chowned to) but not run as",
        message: "{what} {name}, but the final stage runs as {final_user}: switch with `USER {switch}`",
        what: "Finds users created with `useradd`/`adduser` (Debian and Alpine spellings) and `COPY`/`ADD --chown` targets that the final stage does not run as.",
        why: "Creating a user does not use it: the container still runs as the final `USER` (root if none). `--chown` to another user suggests the author expected the program to run as that user.",
        fix: "Add `USER <that user's UID>` at the end of the final stage.",
    },
    ko: Text {
        title: "만들기만 하고 쓰지 않은 유저",
        message: "{what} {name}. 하지만 마지막 스테이지는 다른 유저로 실행된다 ({final_user}). 다음을 넣는다: `USER {switch}`",
        what: "`useradd`/`adduser`(Debian·Alpine 표기)로 만든 유저와 `COPY`/`ADD --chown` 대상 중 마지막 스테이지가 실행하지 않는 유저를 찾는다.",
        why: "유저를 만드는 것만으로는 그 유저를 쓰지 않는다. 컨테이너는 여전히 마지막 `USER`(없으면 root)로 실행된다. 다른 유저로 `--chown`했다면 작성자는 그 유저로 실행될 것이라 기대했을 것이다.",
        fix: "마지막 스테이지 끝에 `USER <그 유저의 UID>`를 넣는다.",
    },
    example: "FROM debian:12\nRUN useradd somebody -u 10001 --create-home --user-group\nCOPY --chown=somebody . /home/somebody/app/\nCMD [\"/home/somebody/app/run\"]\n",
    use_instead: "FROM debian:12\nRUN useradd somebody -u 10001 --create-home --user-group\nCOPY --chown=somebody . /home/somebody/app/\nUSER 10001\nCMD [\"/home/somebody/app/run\"]\n",
    references: &["https://docs.docker.com/reference/dockerfile/#user"],
    check: Check::Dockerfile(check),
    fix: None,
};

fn check(ctx: &DockerCtx<'_>, out: &mut Sink) {
    let Some(a) = ctx.analysis else { return };
    let (final_name, final_uid, final_display) = match &a.final_user {
        FinalUser::Set(u) => match &u.kind {
            UserKind::Name(n) => (Some(n.clone()), a.numeric_uid(), u.value.clone()),
            UserKind::Unknown(_) => return,
            _ => (None, a.numeric_uid(), u.value.clone()),
        },
        FinalUser::Base(Some(b)) => (None, a.numeric_uid(), b.default_user.clone()),
        FinalUser::Base(None) => return,
    };
    let runs_as = |name: &str, uid: Option<u32>| {
        final_name.as_deref() == Some(name) || (uid.is_some() && uid == final_uid)
    };
    for c in &a.created {
        if !runs_as(&c.name, c.uid) {
            let switch = c.uid.map_or(c.name.clone(), |u| u.to_string());
            out.report_span(&RULE, c.span)
                .arg_tr(
                    "what",
                    "the Dockerfile creates the user",
                    "Dockerfile이 만든 유저:",
                )
                .arg("name", &c.name)
                .arg("final_user", &final_display)
                .arg("switch", switch);
        }
    }
    for (who, span) in &a.chowns {
        let uid = who.parse::<u32>().ok().or_else(|| {
            a.created
                .iter()
                .find(|c| c.name == *who)
                .and_then(|c| c.uid)
        });
        if who.is_empty() || runs_as(who, uid) {
            continue;
        }
        // Already reported through the user's creation.
        if a.created.iter().any(|c| c.name == *who) {
            continue;
        }
        let switch = uid.map_or(who.clone(), |u| u.to_string());
        out.report_span(&RULE, *span)
            .arg_tr("what", "files are chowned to", "파일 소유자로 지정한 유저:")
            .arg("name", who)
            .arg("final_user", &final_display)
            .arg("switch", switch);
    }
}
