use crate::model::effective::Origin;
use crate::rules::{Category, Check, Ctx, Rule, Severity, Sink, Text};

pub static RULE: Rule = Rule {
    code: "PS606",
    name: "duplicate-container-name",
    category: Category::Correctness,
    severity: Severity::Medium,
    default_enabled: true,
    pss: None,
    mitigations: &[],
    enables: &[],
    en: Text {
        title: "Two containers with one name",
        message: "container name \"{container}\" is used twice in the pod, so the API server rejects the object",
        what: "Finds a container, init container or ephemeral container whose name an earlier one of the same pod already has.",
        why: "Container names must be unique across `containers`, `initContainers` and `ephemeralContainers` (`Duplicate value`): the object is refused. A tool that keys settings by container name would also apply one container's settings to the other.",
        fix: "Give every container of the pod its own name.",
    },
    ko: Text {
        title: "이름이 같은 두 컨테이너",
        message: "파드 안에서 컨테이너 이름이 두 번 쓰여 API 서버가 오브젝트를 거부한다: \"{container}\"",
        what: "같은 파드에서 앞선 컨테이너, init 컨테이너, ephemeral 컨테이너와 이름이 같은 컨테이너를 찾는다.",
        why: "컨테이너 이름은 `containers`, `initContainers`, `ephemeralContainers` 전체에서 유일해야 한다 (`Duplicate value`). 오브젝트가 거부되고, 컨테이너 이름으로 설정을 찾는 도구는 한 컨테이너의 설정을 다른 컨테이너에 적용하게 된다.",
        fix: "파드의 컨테이너마다 다른 이름을 준다.",
    },
    example: r#"apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  initContainers:
    - name: web
      image: example/setup:1
  containers:
    - name: web
      image: example/web:1
"#,
    use_instead: r#"apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  initContainers:
    - name: setup
      image: example/setup:1
  containers:
    - name: web
      image: example/web:1
"#,
    references: &[
        "https://kubernetes.io/docs/reference/kubernetes-api/workload-resources/pod-v1/#Container",
    ],
    check: Check::Workload(check),
    fix: None,
};

fn check(ctx: &Ctx<'_, '_>, out: &mut Sink) {
    let mut seen: Vec<&str> = Vec::new();
    for (c, _) in ctx.containers() {
        if c.name.is_empty() {
            continue;
        }
        if seen.contains(&c.name) {
            out.report(&RULE, ctx.key_of(Some(c.node), "name").unwrap_or(c.node))
                .container(c)
                .value(c.name, Origin::Container);
        } else {
            seen.push(c.name);
        }
    }
}
