//! Secrets: made once from the OS CSPRNG, never regenerated. A Secret that
//! existed and is gone fails the store (the database keeps the old password).

use k8s_openapi::api::core::v1::Secret;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use kube::ResourceExt;
use kube::api::ListParams;

use super::{Run, Step};
use crate::api::labels::{ADMIN_SECRET, DATABASE};
use crate::engines::woocommerce as wc;
use crate::operator::apply::{self, Owned, create_once, read};
use crate::operator::error::{Error, Result};
use crate::operator::status::StepState;
use crate::validated::ValidatedStore;

pub async fn ensure(run: &Run<'_>, owned: &Owned) -> Result<StepState> {
    let store = run.store;
    let client = run.client();
    let names = [wc::DATABASE_SECRET, ADMIN_SECRET, wc::SALTS_SECRET];
    let exist = || StepState::done("Created", "database, admin and salt secrets exist");
    // Whether the cache holds the Secret; None while it has not listed.
    let in_cache = |name: &str| {
        run.ctx
            .caches
            .secrets
            .lookup(Some(owned.namespace()), name)
            .map(|s| s.is_some())
    };
    let cached = |name: &str| in_cache(name) == Some(true);
    if names.iter().all(|name| cached(name)) {
        return Ok(exist());
    }
    let made_before = run
        .previous(Step::Secrets)
        .is_some_and(|c| c.status == "True")
        || read(client, &run.ctx.caches.statefulsets, owned, DATABASE)
            .await?
            .is_some();
    if !made_before {
        // A Secret that exists already (restored, unlabelled) is kept.
        let generated = wc::generate_secrets(store).map_err(|e| Error::Random(e.to_string()))?;
        for secret in generated.iter().filter(|s| !cached(&s.name_any())) {
            create_once(client, owned, secret).await?;
        }
        return Ok(exist());
    }
    // The whole namespace is the store's: one list, and a Secret restored
    // without our labels (so not in the cache) still counts.
    let present: Vec<String> = owned
        .api::<Secret>(client)
        .list_metadata(&ListParams::default())
        .await
        .map_err(Error::api(format!("list Secrets in {}", owned.namespace())))?
        .items
        .iter()
        .map(|s| s.name_any())
        .collect();
    let missing: Vec<&str> = names
        .into_iter()
        .filter(|name| !present.iter().any(|p| p == name))
        .collect();
    if missing.is_empty() {
        // Ones the listed cache lacks (restored without our labels, or made
        // before the store moved to this shard) are labelled as ours: in the
        // cache from now on, a resync lists nothing.
        for name in names
            .into_iter()
            .filter(|name| in_cache(name) == Some(false))
        {
            apply::ensure(run.ctx, owned, &labelled(store, owned, name)).await?;
        }
        return Ok(exist());
    }
    Ok(StepState::failed(
        "CredentialsLost",
        format!(
            "secret(s) {} in {} were deleted; they are not regenerated because the database still uses the old passwords: restore them from a backup and run `kubectl nexus store retry {}`, or delete and recreate the store",
            missing.join(", "),
            store.namespace,
            store.name
        ),
    ))
}

/// Only the labels of a Secret, applied: its data stays as it is.
fn labelled(store: &ValidatedStore<'_>, owned: &Owned, name: &str) -> Secret {
    Secret {
        metadata: ObjectMeta {
            name: Some(name.into()),
            namespace: Some(owned.namespace().into()),
            labels: Some(store.labels(None)),
            ..ObjectMeta::default()
        },
        ..Secret::default()
    }
}
