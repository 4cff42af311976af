use crate::kb;
use crate::model::effective::Origin;
use crate::pss::BASELINE_CAPABILITIES;
use crate::pss::Level;
use crate::rules::{Category, Check, Ctx, PssTag, Rule, Severity, Sink, Text};

pub static RULE: Rule = Rule {
    code: "PS202",
    name: "non-default-capability",
    category: Category::PssBaseline,
    severity: Severity::High,
    default_enabled: true,
    pss: Some(PssTag {
        level: Level::Baseline,
        check: "capabilities_baseline",
        since: 0,
    }),
    mitigations: &[],
    enables: &[],
    en: Text {
        title: "Dangerous capability added",
        message: "container \"{container}\" adds capability {cap}",
        what: "Finds `capabilities.add` entries outside the baseline set (`AUDIT_WRITE`, `CHOWN`, `DAC_OVERRIDE`, `FOWNER`, `FSETID`, `KILL`, `MKNOD`, `NET_BIND_SERVICE`, `SETFCAP`, `SETGID`, `SETPCAP`, `SETUID`, `SYS_CHROOT`), matched exactly as the API compares them.",
        why: "Capabilities outside that set hand over parts of root's power on the node: `SYS_ADMIN` (mounts, namespaces: close to privileged), `NET_ADMIN` (firewall and routing, reaches netfilter bugs), `SYS_PTRACE` (read other processes' memory), `SYS_MODULE` (load kernel modules), `DAC_READ_SEARCH` (read any file by handle), `BPF`/`PERFMON` (kernel programs), `NET_RAW` (forge packets). `ALL` adds every one of them.",
        fix: "Remove the capability; if the program truly needs it, run it in a namespace at the privileged level and document why.",
    },
    ko: Text {
        title: "위험한 capability 추가",
        message: "컨테이너 \"{container}\"에 위험한 capability가 추가되어 있다: {cap}",
        what: "baseline 집합(`AUDIT_WRITE`, `CHOWN`, `DAC_OVERRIDE`, `FOWNER`, `FSETID`, `KILL`, `MKNOD`, `NET_BIND_SERVICE`, `SETFCAP`, `SETGID`, `SETPCAP`, `SETUID`, `SYS_CHROOT`)에 없는 `capabilities.add` 항목을 API와 똑같이 정확한 문자열로 비교해 찾는다.",
        why: "이 집합 밖의 capability는 노드의 root 권한 일부를 넘겨준다. `SYS_ADMIN`(mount, namespace: privileged에 가깝다), `NET_ADMIN`(방화벽·라우팅, netfilter 버그에 닿는다), `SYS_PTRACE`(다른 프로세스 메모리 읽기), `SYS_MODULE`(커널 모듈 로드), `DAC_READ_SEARCH`(핸들로 아무 파일이나 읽기), `BPF`/`PERFMON`(커널 프로그램), `NET_RAW`(패킷 위조). `ALL`은 이 모두를 추가한다.",
        fix: "capability를 지운다. 정말 필요하다면 privileged 레벨 네임스페이스에서 실행하고 이유를 기록한다.",
    },
    example: "apiVersion: v1\nkind: Pod\nmetadata:\n  name: vpn\nspec:\n  containers:\n    - name: vpn\n      image: example/vpn:1\n      securityContext:\n        capabilities:\n          add: [NET_ADMIN]\n",
    use_instead: "apiVersion: v1\nkind: Pod\nmetadata:\n  name: vpn\nspec:\n  containers:\n    - name: vpn\n      image: example/vpn:1\n      securityContext:\n        capabilities:\n          drop: [ALL]\n",
    references: &[
        "https://kubernetes.io/docs/concepts/security/pod-security-standards/#baseline",
        "https://man7.org/linux/man-pages/man7/capabilities.7.html",
    ],
    check: Check::Workload(check),
    fix: None,
};

/// The catalog settings and conditions an added capability concerns.
pub fn capability_links(cap: &str) -> Vec<kb::CveLink> {
    let cap = cap.trim_start_matches("CAP_").to_ascii_uppercase();
    let (m, e): (&[&str], &[&str]) = match cap.as_str() {
        "SYS_ADMIN" => (&["no_cap_sys_admin"], &["cap_sys_admin"]),
        "NET_ADMIN" => (&["no_cap_net_admin"], &["cap_net_admin"]),
        "NET_RAW" => (&["drop_cap_net_raw"], &["cap_net_raw"]),
        "SYS_PTRACE" => (&["no_cap_sys_ptrace"], &[]),
        "DAC_READ_SEARCH" => (&["no_cap_dac_read_search"], &[]),
        "ALL" => (
            &[
                "no_cap_sys_admin",
                "no_cap_net_admin",
                "drop_cap_net_raw",
                "drop_all_capabilities",
            ],
            &["cap_sys_admin", "cap_net_admin", "cap_net_raw"],
        ),
        _ => (&[], &[]),
    };
    kb::links(m, e)
}

fn check(ctx: &Ctx<'_, '_>, out: &mut Sink) {
    if !ctx.pss_fails("capabilities_baseline") {
        return;
    }
    for (c, eff) in ctx.containers() {
        let Some(k) = eff.capabilities.value else {
            continue;
        };
        for a in k
            .add
            .iter()
            .filter(|a| !BASELINE_CAPABILITIES.contains(&a.v))
        {
            out.report(&RULE, a.node)
                .container(c)
                .arg("cap", a.v)
                .value(a.v, Origin::Container)
                .cves(capability_links(a.v));
        }
    }
}
