pub mod image_runs_as_root;
pub mod image_user_not_numeric;
pub mod non_root_with_root_image;

use crate::dockerfile::index::ImageInfo;
use crate::model::Container;
use crate::model::effective::EffectiveSecurityContext;
use crate::rules::Ctx;

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
