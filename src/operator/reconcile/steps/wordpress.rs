//! WordPress: its content claim, Service and Deployment. Reports whether its
//! pod is placed: the setup runs beside it before WordPress is Ready.

use super::{Run, explain};
use crate::api::labels::WORDPRESS;
use crate::engines::woocommerce;
use crate::operator::children::write::{self, Owned};
use crate::operator::error::Result;
use crate::operator::reconcile::observe::deployment_state;
use crate::operator::reconcile::step::Step;
use crate::operator::reconcile::step::StepState;

pub async fn ensure(run: &Run<'_>, owned: &Owned) -> Result<(StepState, bool)> {
    let store = run.store;
    let mut volume = woocommerce::wordpress_volume(store);
    // A bound claim keeps its size (shrinking is refused, growing needs a
    // StorageClass that allows expansion).
    if let Some(existing) = write::read(
        run.children,
        &run.children.caches.volume_claims,
        owned,
        woocommerce::WORDPRESS_VOLUME,
    )
    .await?
        && let (Some(want), Some(have)) = (volume.spec.as_mut(), existing.spec.as_ref())
    {
        want.resources = have.resources.clone();
    }
    write::ensure(run.children, owned, &volume).await?;
    write::ensure(run.children, owned, &woocommerce::wordpress_service(store)).await?;
    let current = write::read(
        run.children,
        &run.children.caches.deployments,
        owned,
        WORDPRESS,
    )
    .await?;
    let deployment = write::ensure_and_read(
        run.children,
        owned,
        &woocommerce::wordpress_deployment(store),
        current,
    )
    .await?;
    let (state, placed) = deployment_state(&deployment, store.suspend);
    Ok((explain(run, owned, Step::WordPress, state).await?, placed))
}
