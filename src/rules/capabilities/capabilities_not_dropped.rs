use crate::fix::editor::{NoFix, V};
use crate::fix::{Applicability, Edit};
use crate::model::effective::Origin;
use crate::pss::Level;
use crate::rules::FixDoc;
use crate::rules::{Category, Change, Check, Ctx, PssTag, Rule, Severity, Sink, Text};
use crate::source::NodeKind;

pub static RULE: Rule = Rule {
    code: "PS201",
    name: "capabilities-not-dropped",
    category: Category::PssRestricted,
    severity: Severity::Medium,
    default_enabled: true,
    pss: Some(PssTag {
        level: Level::Restricted,
        check: "capabilities_restricted",
        since: 22,
    }),
    mitigations: &[
        "drop_all_capabilities",
        "drop_cap_net_raw",
        "drop_cap_dac_override",
    ],
    enables: &["cap_net_raw", "cap_dac_override"],
    en: Text {
        title: "Capabilities not dropped",
        message: "container \"{container}\" does not drop ALL capabilities",
        what: "Finds containers whose `capabilities.drop` does not contain `ALL` (exactly, in upper case).",
        why: "Containers start with the runtime's default capability set, which includes `NET_RAW` (forge packets, used by several network and kernel exploits), `DAC_OVERRIDE`, `SETUID`, `SETGID`, `CHOWN` and more. Few programs need any of them. Drop everything and add back what is needed.",
        fix: "Set `capabilities: {drop: [ALL]}` and add back only what the program needs (for example `NET_BIND_SERVICE` to listen below port 1024).",
    },
    ko: Text {
        title: "capability를 drop하지 않음",
        message: "컨테이너 \"{container}\"에서 capability를 ALL로 drop하지 않는다",
        what: "`capabilities.drop`에 대문자 `ALL`이 정확히 들어 있지 않은 컨테이너를 찾는다.",
        why: "컨테이너는 런타임의 기본 capability를 갖고 시작한다. 여기에는 `NET_RAW`(패킷 위조, 여러 네트워크·커널 익스플로잇이 사용), `DAC_OVERRIDE`, `SETUID`, `SETGID`, `CHOWN` 등이 들어 있지만 대부분의 프로그램은 하나도 필요 없다. 일단 모두 drop하고 필요한 것만 add하는 것이 안전하다.",
        fix: "`capabilities: {drop: [ALL]}`로 설정하고 프로그램에 필요한 것만 다시 추가한다 (예: 1024 미만 포트를 열려면 `NET_BIND_SERVICE`).",
    },
    example: "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  containers:\n    - name: web\n      image: example/web:1\n      securityContext:\n        capabilities:\n          drop: [NET_RAW]\n",
    use_instead: "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  containers:\n    - name: web\n      image: example/web:1\n      securityContext:\n        capabilities:\n          drop: [ALL]\n",
    references: &[
        "https://kubernetes.io/docs/concepts/security/pod-security-standards/#restricted",
        "https://man7.org/linux/man-pages/man7/capabilities.7.html",
    ],
    check: Check::Workload(check),
    fix: Some(FixDoc {
        applicability: Applicability::Unsafe,
        en: "Adds `ALL` to `capabilities.drop` (or writes `all` in upper case), and keeps `NET_BIND_SERVICE` in `add` when the container listens on a port below 1024 or its image is known to (nginx). Added capabilities still allowed are kept. Unsafe: a program that relied on a default capability (chown, setuid, raw sockets) fails.",
        ko: "`capabilities.drop`에 `ALL`을 넣고 (소문자 `all`이면 대문자로 바꾸고), 컨테이너가 1024 미만 포트를 쓰거나 그렇다고 알려진 이미지(nginx)면 `add`에 `NET_BIND_SERVICE`를 남긴다. 여전히 허용되는 add는 그대로 둔다. 기본 capability(chown, setuid, raw 소켓)에 기대던 프로그램은 실패하므로 unsafe다.",
    }),
};

/// Whether the container needs NET_BIND_SERVICE: it listens below 1024,
/// or its image is known to.
pub fn binds_low_port(ctx: &Ctx<'_, '_>, c: &crate::model::Container<'_>) -> bool {
    c.ports
        .iter()
        .any(|p| p.container_port.is_some_and(|n| n.v > 0 && n.v < 1024))
        || c.image
            .and_then(|i| ctx.base_image(i.v))
            .is_some_and(|b| b.entry.listens_below_1024)
}

/// Edits that make a container drop ALL (keeping NET_BIND_SERVICE when it
/// binds a low port).
pub(crate) fn drop_all(
    ctx: &Ctx<'_, '_>,
    c: &crate::model::Container<'_>,
) -> Result<Vec<Edit>, NoFix> {
    let nbs = binds_low_port(ctx, c);
    let caps = c
        .security_context
        .as_ref()
        .and_then(|s| s.capabilities.as_ref());
    let Some(k) = caps else {
        let mut m = vec![("drop", V::List(vec![V::str("ALL")]))];
        if nbs {
            m.push(("add", V::List(vec![V::str("NET_BIND_SERVICE")])));
        }
        return ctx.set_container(c, "capabilities", V::map(&m));
    };
    let mut edits = Vec::new();
    if let Some(lower) = k.drop.iter().find(|d| d.v.eq_ignore_ascii_case("all")) {
        edits.push(ctx.edit.replace_scalar(lower.node, &V::str("ALL"))?);
    } else {
        match ctx
            .raw(Some(k.node), "drop")
            .filter(|d| matches!(ctx.doc.kind(*d), NodeKind::Seq(_)))
        {
            Some(seq) => edits.push(ctx.edit.append(seq, &V::str("ALL"))?),
            None => edits.extend(
                ctx.edit
                    .set(k.node, "drop", &V::List(vec![V::str("ALL")]))?,
            ),
        }
    }
    if nbs && !k.add.iter().any(|a| a.v == "NET_BIND_SERVICE") {
        match ctx
            .raw(Some(k.node), "add")
            .filter(|d| matches!(ctx.doc.kind(*d), NodeKind::Seq(_)))
        {
            Some(seq) => edits.push(ctx.edit.append(seq, &V::str("NET_BIND_SERVICE"))?),
            None => edits.extend(ctx.edit.set(
                k.node,
                "add",
                &V::List(vec![V::str("NET_BIND_SERVICE")]),
            )?),
        }
    }
    Ok(edits)
}

fn check(ctx: &Ctx<'_, '_>, out: &mut Sink) {
    if !ctx.pss_fails("capabilities_restricted") {
        return;
    }
    for (c, eff) in ctx.containers() {
        let title = if binds_low_port(ctx, c) {
            "drop ALL capabilities, keeping NET_BIND_SERVICE for its port below 1024"
        } else {
            "drop ALL capabilities"
        };
        match eff.capabilities.value {
            Some(k) if k.drop.iter().any(|d| d.v == "ALL") => {}
            Some(k) => {
                let drop: Vec<&str> = k.drop.iter().map(|d| d.v).collect();
                let node = ctx.key_of(Some(k.node), "drop").unwrap_or(k.node);
                out.report(&RULE, node)
                    .container(c)
                    .value(format!("[{}]", drop.join(", ")), Origin::Container)
                    .fix(
                        Applicability::Unsafe,
                        title,
                        ctx.unless_human(Some((c, eff)), Change::Capabilities, || drop_all(ctx, c)),
                    );
            }
            None => {
                out.report(&RULE, ctx.container_anchor(c))
                    .container(c)
                    .effective(eff.row("capabilities"))
                    .fix(
                        Applicability::Unsafe,
                        title,
                        ctx.unless_human(Some((c, eff)), Change::Capabilities, || drop_all(ctx, c)),
                    );
            }
        }
    }
}
