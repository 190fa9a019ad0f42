//! Database: MariaDB's Service and StatefulSet.

use k8s_openapi::api::apps::v1::StatefulSet;

use super::{Run, explain};
use crate::api::labels::DATABASE;
use crate::engines::woocommerce;
use crate::operator::children::write::{self, Owned};
use crate::operator::error::Result;
use crate::operator::reconcile::observe::statefulset_state;
use crate::operator::reconcile::step::Step;
use crate::operator::reconcile::step::StepState;

pub async fn ensure(run: &Run<'_>, owned: &Owned) -> Result<StepState> {
    let store = run.store;
    write::ensure(run.children, owned, &woocommerce::database_service(store)).await?;
    let mut desired = woocommerce::database_statefulset(store);
    let existing = write::read(
        run.children,
        &run.children.caches.statefulsets,
        owned,
        DATABASE,
    )
    .await?;
    if let Some(existing) = &existing {
        keep_volume_claims(&mut desired, existing);
    }
    let set = write::ensure_and_read(run.children, owned, &desired, existing).await?;
    explain(
        run,
        owned,
        Step::Database,
        statefulset_state(&set, store.suspend),
    )
    .await
}

/// A StatefulSet's volume claims cannot change once made: a plan change
/// resizes the store's quota and containers, not its existing volumes.
fn keep_volume_claims(desired: &mut StatefulSet, existing: &StatefulSet) {
    let existing_claims = existing
        .spec
        .as_ref()
        .and_then(|s| s.volume_claim_templates.as_ref());
    if let (Some(spec), Some(claims)) = (desired.spec.as_mut(), existing_claims)
        && let Some(template) = spec.volume_claim_templates.as_mut()
    {
        for (want, have) in template.iter_mut().zip(claims) {
            if let (Some(want), Some(have)) = (want.spec.as_mut(), have.spec.as_ref()) {
                want.resources = have.resources.clone();
            }
        }
    }
}
