//! WordPress: its content claim, Service and Deployment. Reports whether its
//! pod is placed: the setup runs beside it before WordPress is Ready.

use super::{Run, explain};
use crate::api::labels::WORDPRESS;
use crate::engines::woocommerce as wc;
use crate::operator::children::apply::{Owned, apply as apply_object, ensure, read};
use crate::operator::error::Result;
use crate::operator::reconcile::readers::deployment_state;
use crate::operator::reconcile::step::Step;
use crate::operator::reconcile::step::StepState;

pub async fn apply(run: &Run<'_>, owned: &Owned) -> Result<(StepState, bool)> {
    let store = run.store;
    let mut volume = wc::wordpress_volume(store);
    // A bound claim keeps its size (shrinking is refused, growing needs a
    // StorageClass that allows expansion).
    if let Some(existing) = read(
        run.client(),
        &run.children.caches.claims,
        owned,
        wc::WORDPRESS_VOLUME,
    )
    .await?
        && let (Some(want), Some(have)) = (volume.spec.as_mut(), existing.spec.as_ref())
    {
        want.resources = have.resources.clone();
    }
    ensure(run.children, owned, &volume).await?;
    ensure(run.children, owned, &wc::wordpress_service(store)).await?;
    let current = read(
        run.client(),
        &run.children.caches.deployments,
        owned,
        WORDPRESS,
    )
    .await?;
    let deployment = apply_object(
        run.children,
        owned,
        &wc::wordpress_deployment(store),
        current,
    )
    .await?;
    let (state, placed) = deployment_state(&deployment, store.suspend);
    Ok((explain(run, owned, Step::WordPress, state).await?, placed))
}
