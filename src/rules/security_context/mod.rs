pub mod apparmor_unconfined;
pub mod fs_group_root;
pub mod low_uid;
pub mod non_root_with_root_uid;
pub mod privilege_escalation_allowed;
pub mod privileged_and_no_escalation;
pub mod privileged_container;
pub mod proc_mount_unmasked;
pub mod proc_mount_unmasked_user_namespace;
pub mod run_as_group_root;
pub mod run_as_root_possible;
pub mod run_as_user_root;
pub mod run_as_user_without_non_root;
pub mod selinux_options_forbidden;
pub mod supplemental_group_root;
pub mod windows_host_process;
pub mod writable_root_filesystem;

use crate::fix::Edit;
use crate::fix::editor::{NoFix, V};
use crate::model::Container;
use crate::rules::Ctx;
use crate::source::tree::NodeKind;

/// `some/path` → a volume-name fragment (`some-path`).
fn slug(s: &str) -> String {
    let s: String = s
        .trim_matches('/')
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    if s.is_empty() { "root".into() } else { s }
}

/// A volume name for `container`'s emptyDir at `path`: a DNS-1123 label
/// (at most 63 characters, no `-` at either end), made unique with a short
/// hash when the container's name is too long to keep whole.
pub(crate) fn volume_name(container: &str, path: &str) -> String {
    let full = format!("{}-{}", slug(container), slug(path));
    let clean = |s: &str| s.trim_matches('-').to_string();
    if full.len() <= 63 {
        return clean(&full);
    }
    // FNV-1a: stable across runs and platforms.
    let mut h: u32 = 0x811c9dc5;
    for b in full.bytes() {
        h = (h ^ b as u32).wrapping_mul(0x0100_0193);
    }
    format!("{}-{h:08x}", clean(&full[..54]))
}

/// Edits that mount an emptyDir at each of `paths` in container `c` (those
/// not mounted already), adding the volumes to the pod.
pub(crate) fn emptydirs(
    ctx: &Ctx<'_, '_>,
    c: &Container<'_>,
    paths: &[String],
) -> Result<Vec<Edit>, NoFix> {
    let mounted: Vec<&str> = c
        .volume_mounts
        .iter()
        .filter_map(|m| m.mount_path.map(|p| p.v))
        .collect();
    let taken: Vec<&str> = ctx.pod.spec.volumes.iter().map(|v| v.name).collect();
    let mut mounts = Vec::new();
    let mut volumes = Vec::new();
    for p in paths.iter().filter(|p| {
        !mounted
            .iter()
            .any(|m| m.trim_end_matches('/') == p.trim_end_matches('/'))
    }) {
        let mut name = volume_name(c.name, p);
        while taken.contains(&name.as_str()) {
            name = volume_name(&format!("{name}-podsec"), "");
        }
        mounts.push(V::map(&[("name", V::str(&name)), ("mountPath", V::str(p))]));
        volumes.push(V::map(&[
            ("name", V::str(&name)),
            ("emptyDir", V::Map(Vec::new())),
        ]));
    }
    let mut edits = Vec::new();
    if mounts.is_empty() {
        return Ok(edits);
    }
    match ctx.raw(Some(c.node), "volumeMounts") {
        Some(seq) if matches!(ctx.doc.kind(seq), NodeKind::Seq(_)) && !ctx.doc.is_null(seq) => {
            for m in &mounts {
                edits.push(ctx.edit.append(seq, m)?);
            }
        }
        _ => edits.extend(ctx.edit.set(c.node, "volumeMounts", &V::List(mounts))?),
    }
    let spec = ctx
        .pod
        .spec
        .node
        .ok_or(NoFix("the pod template has no spec"))?;
    match ctx.raw(Some(spec), "volumes") {
        Some(seq) if matches!(ctx.doc.kind(seq), NodeKind::Seq(_)) => {
            for v in &volumes {
                edits.push(ctx.edit.append(seq, v)?);
            }
        }
        _ => edits.extend(ctx.edit.set(spec, "volumes", &V::List(volumes))?),
    }
    Ok(edits)
}

/// The paths the image table says `c`'s image writes to, when it knows
/// the image.
pub(crate) fn image_writable_paths(ctx: &Ctx<'_, '_>, c: &Container<'_>) -> Option<Vec<String>> {
    c.image
        .and_then(|i| ctx.base_image(i.v))
        .map(|b| b.entry.writable_paths.clone())
}

#[cfg(test)]
mod tests {
    use super::volume_name;

    #[test]
    fn volume_names_are_dns_labels() {
        assert_eq!(volume_name("web", "/tmp"), "web-tmp");
        assert_eq!(
            volume_name("web", "/var/cache/nginx"),
            "web-var-cache-nginx"
        );
        let long = "a".repeat(60);
        let a = volume_name(&long, "/tmp");
        let b = volume_name(&long, "/var/run");
        assert!(a.len() <= 63 && b.len() <= 63, "{a} {b}");
        assert_ne!(a, b);
        assert!(crate::fix::gate::dns1123_label(&a), "{a}");
        let dashy = format!("{}-x", "b".repeat(53));
        assert!(crate::fix::gate::dns1123_label(&volume_name(
            &dashy, "/tmp"
        )));
    }
}
