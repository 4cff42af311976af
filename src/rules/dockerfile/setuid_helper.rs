use crate::rules::{Category, Check, DockerCtx, Rule, Severity, Sink, Text};

pub static RULE: Rule = Rule {
    code: "DKF105",
    name: "setuid-helper",
    category: Category::Hardening,
    severity: Severity::Medium,
    default_enabled: true,
    pss: None,
    mitigations: &["no_allow_privilege_escalation"],
    enables: &["setuid_binary_in_image"],
    en: Text {
        title: "sudo, su or gosu in the image",
        message: "the image installs or uses {tool}, a setuid-root helper",
        what: "Finds `sudo`, `su`, `gosu`, `su-exec` and `doas` installed (`apt-get install`, `apk add`, `dnf install`…) or run in the stages the final image is built from.",
        why: "These helpers switch a process to another user, usually root. Left in a runtime image they are a ready path from a compromised non-root process to root, and setuid binaries such as sudo and pkexec have had local root bugs of their own.",
        fix: "Do privileged work at build time before `USER`, and remove the helper from the final image (use a multi-stage build). Set `allowPrivilegeEscalation: false` in the manifest so setuid cannot raise privileges.",
    },
    ko: Text {
        title: "이미지 안의 sudo, su, gosu",
        message: "이미지가 setuid root 도구를 설치하거나 사용한다: {tool}",
        what: "최종 이미지를 만드는 스테이지에서 `sudo`, `su`, `gosu`, `su-exec`, `doas`를 설치(`apt-get install`, `apk add`, `dnf install` 등)하거나 실행하는 곳을 찾는다.",
        why: "이 도구들은 프로세스를 다른 유저, 대개 root로 바꾼다. 런타임 이미지에 남아 있으면 탈취된 non-root 프로세스가 root가 되는 지름길이 되고, sudo나 pkexec 같은 setuid 바이너리는 그 자체로 로컬 root 버그가 있었다.",
        fix: "권한이 필요한 작업은 빌드 중 `USER` 앞에서 끝내고, 최종 이미지에서는 도구를 뺀다 (멀티 스테이지 빌드). 매니페스트에는 `allowPrivilegeEscalation: false`를 넣어 setuid로 권한이 오르지 못하게 한다.",
    },
    example: "FROM ubuntu:24.04\nRUN apt-get update && apt-get install -y sudo\nUSER 10001\n",
    use_instead: "FROM ubuntu:24.04\nRUN apt-get update && apt-get install -y ca-certificates\nUSER 10001\n",
    references: &["https://kubernetes.io/docs/tasks/configure-pod-container/security-context/"],
    check: Check::Dockerfile(check),
    fix: None,
};

fn check(ctx: &DockerCtx<'_>, out: &mut Sink) {
    let Some(a) = ctx.analysis else { return };
    for (tool, span) in &a.setuid {
        out.report_span(&RULE, *span).arg("tool", tool);
    }
}
