//! Ingress: the public route. A store is routed (its Ingress and the network
//! policies that admit the ingress controller and cert-manager's solver) only
//! once its setup completed: until then WordPress's installer would belong to
//! whoever reaches it first. With TLS, the store is not Ready before its
//! certificate is.

use k8s_openapi::api::networking::v1::{Ingress, NetworkPolicy};
use kube::Api;
use kube::api::{ApiResource, DynamicObject, GroupVersionKind};

use super::Run;
use crate::api::labels::WORDPRESS;
use crate::engines::woocommerce;
use crate::guardrails::{ROUTE_POLICIES, route_policies};
use crate::operator::children::write::{self, Owned};
use crate::operator::error::{Error, Result};
use crate::operator::reconcile::context::all_stores;
use crate::operator::reconcile::host_routing::{Claimant, routed_at, taken_by_another};
use crate::operator::reconcile::observe::certificate_state;
use crate::operator::reconcile::step::Step;
use crate::operator::reconcile::step::StepState;

pub const NOT_ROUTED: &str = "NotRouted";

pub async fn route(run: &Run<'_>, owned: &Owned, setup_done: bool) -> Result<StepState> {
    let store = run.store;
    let client = run.client();
    let me = Claimant {
        uid: &store.uid,
        created: store.created.as_ref(),
        routed: routed_at(run.previous, &store.host),
    };
    let base = &store.settings.base_domain;
    // Only a domain of the store's own can be contested: no store may ask
    // for a host under the base domain but its own (ValidatedStore), so the
    // fleet is searched only for those.
    let own_domain = store.host != format!("{}.{base}", store.name);
    if own_domain && taken_by_another(&me, &store.host, base, &all_stores(run.stores)) {
        return Ok(StepState::failed(
            "DomainTaken",
            format!(
                "another store is served at {}: a host belongs to one store at a time; use another domain (or retry once that store is gone)",
                store.host
            ),
        ));
    }
    if !(setup_done || run.installed()) {
        // Removed once; later reconciles find the condition already says so.
        let said = run
            .previous(Step::Ingress)
            .is_some_and(|c| c.reason == NOT_ROUTED);
        if !said {
            let caches = &run.children.caches;
            // Unless the cache knows it is not there.
            let ns = Some(owned.namespace());
            if caches
                .ingresses
                .lookup(ns, WORDPRESS)
                .is_none_or(|i| i.is_some())
            {
                write::delete::<Ingress>(run.children, owned, WORDPRESS).await?;
            }
            for policy in ROUTE_POLICIES {
                if caches
                    .network_policies
                    .lookup(ns, policy)
                    .is_none_or(|p| p.is_some())
                {
                    write::delete::<NetworkPolicy>(run.children, owned, policy).await?;
                }
            }
        }
        return Ok(StepState::waiting(
            NOT_ROUTED,
            "the store gets its public route once its setup completed, so nobody can reach the WordPress installer",
        ));
    }
    for policy in route_policies(store) {
        write::ensure(run.children, owned, &policy).await?;
    }
    write::ensure(run.children, owned, &woocommerce::ingress(store)).await?;
    if !store.tls() {
        return Ok(routed(run));
    }
    let certificate = store.tls_secret();
    let resource = ApiResource::from_gvk(&GroupVersionKind::gvk(
        "cert-manager.io",
        "v1",
        "Certificate",
    ));
    let found = Api::<DynamicObject>::namespaced_with(client.clone(), owned.namespace(), &resource)
        .get_opt(&certificate)
        .await
        .map_err(Error::api(format!(
            "read Certificate {}/{certificate}",
            owned.namespace()
        )))?;
    Ok(match certificate_state(found.as_ref(), &certificate) {
        StepState::Done { .. } => routed(run),
        waiting => waiting,
    })
}

fn routed(run: &Run<'_>) -> StepState {
    StepState::done("Routed", format!("routes {} to WordPress", run.store.url))
}
