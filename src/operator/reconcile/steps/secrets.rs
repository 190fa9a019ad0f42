//! Secrets: made once from the OS CSPRNG, never regenerated. A Secret that
//! existed and is gone fails the store (the database keeps the old password).
//! The operator watches no Secret (it reads none across the cluster): each
//! operator process lists a store's Secrets once, through the binding it
//! holds in that namespace alone, and trusts its condition from then on. The
//! chart's policy keeps them from being deleted while the store lives.
//! The check token alone is made again when missing (a store made before
//! checkout checks had none).

use k8s_openapi::api::core::v1::Secret;
use kube::ResourceExt;
use kube::api::ListParams;

use super::Run;
use crate::api::labels::{ADMIN_SECRET, DATABASE};
use crate::engines::woocommerce;
use crate::operator::children::write::{self, Owned};
use crate::operator::error::{Error, Result};
use crate::operator::reconcile::step::Step;
use crate::operator::reconcile::step::StepState;

pub async fn ensure(run: &Run<'_>, owned: &Owned) -> Result<StepState> {
    let store = run.store;
    let client = run.client();
    let names = [
        woocommerce::DATABASE_SECRET,
        ADMIN_SECRET,
        woocommerce::SALTS_SECRET,
    ];
    let exist = || StepState::done("Created", "database, admin and salt secrets exist");
    let made_before = run
        .previous(Step::Secrets)
        .is_some_and(|c| c.status == "True");
    if made_before && run.children.secrets_checked.contains(&store.uid) {
        return Ok(exist());
    }
    let made_before = made_before
        || write::read(
            run.children,
            &run.children.caches.statefulsets,
            owned,
            DATABASE,
        )
        .await?
        .is_some();
    if !made_before {
        // A Secret that exists already (restored) is kept: its create conflicts.
        let generated = woocommerce::generate_secrets(store).map_err(|source| Error::Random {
            what: "the store's secrets",
            source,
        })?;
        for secret in &generated {
            write::create_once(client, owned, secret).await?;
        }
        run.children.secrets_checked.remember(&store.uid);
        return Ok(exist());
    }
    // The whole namespace is the store's: one list, names only.
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
    if !present.iter().any(|p| p == woocommerce::CHECK_TOKEN_SECRET) {
        let token = woocommerce::check_token_secret(store).map_err(|source| Error::Random {
            what: "the store's check token",
            source,
        })?;
        write::create_once(client, owned, &token).await?;
    }
    if missing.is_empty() {
        run.children.secrets_checked.remember(&store.uid);
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
