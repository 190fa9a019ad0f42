//! What a store runs. Each engine builds its objects as typed values by pure
//! functions; the operator applies them.

pub mod woocommerce;

use std::collections::BTreeMap;

use crate::api::{Store, store_namespace};
use crate::operator::config::{PlanSpec, Settings};

pub const MANAGED_BY: &str = "app.kubernetes.io/managed-by";
pub const MANAGER: &str = "nexus";
pub const COMPONENT: &str = "app.kubernetes.io/component";
/// The store's name, on every object made for it.
pub const STORE_LABEL: &str = "nexus.dev/store";
/// The namespace of the Store object, on every object made for it.
pub const STORE_NAMESPACE_LABEL: &str = "nexus.dev/store-namespace";
/// The Store's UID, on its namespace: the proof of ownership.
pub const STORE_UID_LABEL: &str = "nexus.dev/store-uid";

/// A store as the builders see it: names resolved, plan looked up.
#[derive(Debug, Clone)]
pub struct StoreContext<'a> {
    pub name: String,
    /// The tenant namespace the Store lives in.
    pub tenant_namespace: String,
    /// The namespace of the store's workloads.
    pub namespace: String,
    pub uid: String,
    pub host: String,
    pub url: String,
    pub store: &'a Store,
    pub plan: &'a PlanSpec,
    pub settings: &'a Settings,
}

impl<'a> StoreContext<'a> {
    pub fn new(store: &'a Store, settings: &'a Settings) -> Self {
        let name = store.metadata.name.clone().unwrap_or_default();
        let host = store
            .spec
            .domain
            .clone()
            .unwrap_or_else(|| format!("{name}.{}", settings.base_domain));
        let scheme = if settings.tls_issuer.is_some() {
            "https"
        } else {
            "http"
        };
        StoreContext {
            namespace: store_namespace(&name),
            tenant_namespace: store.metadata.namespace.clone().unwrap_or_default(),
            uid: store.metadata.uid.clone().unwrap_or_default(),
            url: format!("{scheme}://{host}"),
            host,
            plan: settings.plans.get(store.spec.plan),
            name,
            store,
            settings,
        }
    }

    /// Labels every object of the store carries; watches select on them.
    pub fn labels(&self, component: Option<&str>) -> BTreeMap<String, String> {
        let mut labels = BTreeMap::from([
            (MANAGED_BY.to_string(), MANAGER.to_string()),
            (STORE_LABEL.to_string(), self.name.clone()),
            (
                STORE_NAMESPACE_LABEL.to_string(),
                self.tenant_namespace.clone(),
            ),
        ]);
        if let Some(component) = component {
            labels.insert(COMPONENT.to_string(), component.to_string());
        }
        labels
    }

    /// Labels that select one component's pods (stable, so selectors never change).
    pub fn selector(&self, component: &str) -> BTreeMap<String, String> {
        BTreeMap::from([
            (STORE_LABEL.to_string(), self.name.clone()),
            (COMPONENT.to_string(), component.to_string()),
        ])
    }
}

#[cfg(test)]
pub(crate) mod testing {
    use crate::api::{Engine, Plan, Store, StoreSpec};

    /// A Store as the API server would hand it to the operator.
    pub fn store(name: &str, plan: Plan) -> Store {
        let mut store = Store::new(
            name,
            StoreSpec {
                engine: Engine::Woocommerce,
                plan,
                domain: None,
                admin_email: Some("owner@example.com".into()),
                woocommerce: None,
                suspend: false,
            },
        );
        store.metadata.namespace = Some("team-a".into());
        store.metadata.uid = Some("0000-uid".into());
        store.metadata.generation = Some(1);
        store
    }
}
