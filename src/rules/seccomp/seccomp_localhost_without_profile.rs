use crate::model::effective::Origin;
use crate::model::pod::Profile;
use crate::rules::{Category, Check, Ctx, Rule, Severity, Sink, Text};

pub static RULE: Rule = Rule {
    code: "PS123",
    name: "seccomp-localhost-without-profile",
    category: Category::Correctness,
    severity: Severity::High,
    default_enabled: true,
    pss: None,
    mitigations: &[],
    enables: &["seccomp_localhost_empty_profile"],
    en: Text {
        title: "Localhost seccomp profile without a file",
        message: "{subject} sets seccompProfile.type: Localhost without localhostProfile",
        what: "Finds seccomp profiles of type `Localhost` whose `localhostProfile` is missing or empty.",
        why: "`Localhost` needs the path of a profile file on the node. With an empty path, some kubelet versions ran the container with no seccomp filter at all while reporting a profile (CVE-2023-2431); newer API servers reject the pod.",
        fix: "Set `localhostProfile` to the profile's path under the kubelet's seccomp directory, or use `type: RuntimeDefault`.",
    },
    ko: Text {
        title: "파일 없는 Localhost seccomp 프로파일",
        message: "{subject}에 localhostProfile 없이 seccompProfile.type: Localhost가 설정되어 있다",
        what: "`localhostProfile`이 없거나 빈 `Localhost` 타입 seccomp 프로파일을 찾는다.",
        why: "`Localhost`는 노드에 있는 프로파일 파일 경로가 필요하다. 경로가 비어 있으면 일부 kubelet 버전은 프로파일이 있다고 보고하면서 실제로는 seccomp 필터 없이 컨테이너를 실행했다 (CVE-2023-2431). 최신 API 서버는 이런 파드를 거부한다.",
        fix: "`localhostProfile`에 kubelet seccomp 디렉터리 아래의 프로파일 경로를 넣거나 `type: RuntimeDefault`를 쓴다.",
    },
    example: "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  securityContext:\n    seccompProfile:\n      type: Localhost\n  containers:\n    - name: web\n      image: example/web:1\n",
    use_instead: "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  securityContext:\n    seccompProfile:\n      type: Localhost\n      localhostProfile: profiles/web.json\n  containers:\n    - name: web\n      image: example/web:1\n",
    references: &["https://github.com/kubernetes/kubernetes/issues/118690"],
    check: Check::Workload(check),
    fix: None,
};

fn empty_localhost(p: &Profile<'_>) -> bool {
    p.type_str() == "Localhost" && p.localhost_profile.is_none_or(|l| l.v.is_empty())
}

fn check(ctx: &Ctx<'_, '_>, out: &mut Sink) {
    if let Some(p) = ctx
        .pod
        .spec
        .security_context
        .as_ref()
        .and_then(|s| s.seccomp_profile.as_ref())
        .filter(|p| empty_localhost(p))
    {
        out.report(&RULE, p.type_.map_or(p.node, |t| t.node))
            .on_pod()
            .value("Localhost", Origin::Pod);
    }
    for (c, _) in ctx.containers() {
        if let Some(p) = c
            .security_context
            .as_ref()
            .and_then(|s| s.seccomp_profile.as_ref())
            .filter(|p| empty_localhost(p))
        {
            out.report(&RULE, p.type_.map_or(p.node, |t| t.node))
                .on_container(c)
                .value("Localhost", Origin::Container);
        }
    }
}
