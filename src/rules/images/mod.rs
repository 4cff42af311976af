pub mod image_runs_as_root;
pub mod image_user_not_numeric;
pub mod non_root_with_root_image;

use crate::dockerfile::index::ImageInfo;
use crate::model::Container;
use crate::model::effective::EffectiveSecurityContext;
use crate::rules::{Ctx, Finding};

/// Containers whose user is decided by their image (no runAsUser), with
/// what is known of that image.
pub(crate) fn image_decides<'c, 'd>(
    ctx: &'c Ctx<'_, 'd>,
) -> impl Iterator<
    Item = (
        &'c Container<'d>,
        &'c EffectiveSecurityContext<'c, 'd>,
        ImageInfo,
    ),
> + 'c {
    ctx.containers().filter_map(|(c, eff)| {
        if eff.run_as_user.value.is_some() {
            return None;
        }
        let image = c.image?;
        let info = ctx.images.lookup(image.v)?;
        Some((c, eff, info))
    })
}

/// `{source}`: the Dockerfile line, or the base image table's entry, with
/// the table's citation as the finding's note (headlines stay short).
pub(crate) fn source<'f>(f: &'f mut Finding, info: &ImageInfo) -> &'f mut Finding {
    match (&info.dockerfile, &info.table) {
        (Some(df), _) => f.arg("source", df).origin_detail_tr(
            &format!("the image built by {df}"),
            &format!("이미지 (빌드: {df})"),
        ),
        (None, Some((repo, citation))) => f
            .arg_tr(
                "source",
                &format!("podsec's base image table: {repo}"),
                &format!("podsec 베이스 이미지 표: {repo}"),
            )
            .origin_detail_tr(
                &format!("the image, per podsec's base image table: {repo}"),
                &format!("이미지 (podsec 베이스 이미지 표: {repo})"),
            )
            .note(citation),
        (None, None) => f.arg("source", "?"),
    }
}
