//! A Store as the builders see it: checked once, every default resolved once,
//! names and the plan looked up. Builders read this, never the raw spec, so a
//! default lives in one place and a malformed Store never reaches them.

use std::collections::BTreeMap;

use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;
use kube::ResourceExt;

use crate::api::labels::{COMPONENT, MANAGED_BY, MANAGER, STORE_LABEL, STORE_NAMESPACE_LABEL};
use crate::api::validation::{self, Invalid};
use crate::api::{Store, store_namespace};
use crate::settings::{PlanSpec, Settings};

pub const DEFAULT_CURRENCY: &str = "USD";

/// What the store's owner asked the setup for. A change of any of these runs
/// the setup again; nothing else does (not an image, not a label).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SetupRequest {
    pub title: String,
    pub url: String,
    pub admin_email: String,
    /// None: keep the site's (a clone that asked for none keeps its source's).
    pub currency: Option<String>,
    pub sample_products: bool,
    /// The Backup a clone is made from (`spec.source.backup`).
    pub cloned_from: Option<String>,
}

#[derive(Debug, Clone)]
pub struct ValidatedStore<'a> {
    pub name: String,
    /// The tenant namespace the Store lives in.
    pub tenant_namespace: String,
    /// The namespace of the store's workloads.
    pub namespace: String,
    pub uid: String,
    pub created: Option<Time>,
    pub host: String,
    pub url: String,
    pub plan: &'a PlanSpec,
    pub suspend: bool,
    /// How often the operator checks the store as a shopper (spec.check).
    pub check_interval: Option<std::time::Duration>,
    pub setup: SetupRequest,
    /// The Store's values for the operator's shard keys (none unsharded).
    pub shard: BTreeMap<String, String>,
    pub settings: &'a Settings,
}

impl<'a> ValidatedStore<'a> {
    pub fn new(store: &Store, settings: &'a Settings) -> Result<Self, Invalid> {
        let missing = |field: &'static str| Invalid {
            field,
            message: "the Store has none (it did not come from the API server)".into(),
        };
        let name = store.metadata.name.clone().ok_or_else(|| missing("name"))?;
        validation::store_name(&name)?;
        let tenant_namespace = store
            .metadata
            .namespace
            .clone()
            .ok_or_else(|| missing("namespace"))?;
        let uid = store.metadata.uid.clone().ok_or_else(|| missing("uid"))?;
        let spec = &store.spec;
        if let Some(domain) = &spec.domain {
            validation::domain(domain)?;
            validation::domain_for_store(domain, &name, &settings.base_domain)?;
        }
        let host = spec
            .domain
            .clone()
            .unwrap_or_else(|| format!("{name}.{}", settings.base_domain));
        let scheme = if settings.tls_issuer.is_some() {
            "https"
        } else {
            "http"
        };
        let url = format!("{scheme}://{host}");
        let admin_email = match &spec.admin_email {
            Some(email) => {
                validation::admin_email(email)?;
                email.clone()
            }
            None => format!("admin@{host}"),
        };
        let options = spec.woocommerce.clone().unwrap_or_default();
        let cloned_from = spec.source.as_ref().map(|source| source.backup.clone());
        if let Some(backup) = &cloned_from {
            validation::object_reference("source.backup", backup)?;
        }
        // A clone is its source's shop: what it does not ask for, it keeps.
        let currency = match options.currency {
            Some(code) => {
                validation::currency(&code)?;
                Some(code)
            }
            None if cloned_from.is_some() => None,
            None => Some(DEFAULT_CURRENCY.into()),
        };
        let sample_products = options.sample_products.unwrap_or(cloned_from.is_none());
        let check_interval = spec.check.as_ref().map(|c| c.interval()).transpose()?;
        Ok(ValidatedStore {
            namespace: store_namespace(&name),
            setup: SetupRequest {
                title: name.clone(),
                url: url.clone(),
                admin_email,
                currency,
                sample_products,
                cloned_from,
            },
            tenant_namespace,
            uid,
            created: store.metadata.creation_timestamp.clone(),
            host,
            url,
            plan: settings.plans.get(spec.plan),
            suspend: spec.suspend,
            check_interval,
            shard: settings
                .shard_keys
                .iter()
                .filter_map(|key| Some((key.clone(), store.labels().get(key)?.clone())))
                .collect(),
            name,
            settings,
        })
    }

    /// `namespace/name` of the Store, for logs.
    pub fn key(&self) -> String {
        format!("{}/{}", self.tenant_namespace, self.name)
    }

    /// Served over https (a cert-manager issuer is configured).
    pub fn tls(&self) -> bool {
        self.settings.tls_issuer.is_some()
    }

    /// The Secret cert-manager fills with the store's certificate (and the
    /// name of the Certificate it makes for the Ingress).
    pub fn tls_secret(&self) -> String {
        format!("{}-tls", self.name)
    }

    /// Labels every object made for the store carries; watches select on
    /// them. A sharded operator's include the Store's shard labels.
    pub fn labels(&self, component: Option<&str>) -> BTreeMap<String, String> {
        let mut labels = self.template_labels(component);
        labels.extend(self.shard.clone());
        labels
    }

    /// Labels of the pods and claims made from templates: never the
    /// shard's, so moving a store to another shard restarts nothing (and a
    /// StatefulSet's claim templates cannot change).
    pub fn template_labels(&self, component: Option<&str>) -> BTreeMap<String, String> {
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
                backup: None,
                check: None,
                source: None,
            },
        );
        store.metadata.namespace = Some("team-a".into());
        store.metadata.uid = Some("0000-uid".into());
        store.metadata.generation = Some(1);
        store
    }
}

#[cfg(test)]
mod tests {
    use super::testing::store;
    use super::*;
    use crate::api::Plan;

    #[test]
    fn defaults_are_resolved_once() {
        let settings = Settings::for_tests();
        let mut raw = store("demo", Plan::Small);
        raw.spec.admin_email = None;
        let store = ValidatedStore::new(&raw, &settings).unwrap();
        assert_eq!(store.namespace, "store-demo");
        assert_eq!(store.host, "demo.shops.example.com");
        assert_eq!(store.url, "http://demo.shops.example.com");
        assert_eq!(store.setup.admin_email, "admin@demo.shops.example.com");
        assert_eq!(store.setup.currency.as_deref(), Some("USD"));
        assert!(store.setup.sample_products);
        assert_eq!(store.setup.cloned_from, None);
        assert_eq!(store.plan.cpu, "1");
    }

    #[test]
    fn a_clone_keeps_what_its_source_had_unless_it_asks() {
        let settings = Settings::for_tests();
        let mut raw = store("copy", Plan::Small);
        raw.spec.source = Some(crate::api::store::StoreSource {
            backup: "shop-20261205-0300".into(),
        });
        let clone = ValidatedStore::new(&raw, &settings).unwrap();
        assert_eq!(
            clone.setup.cloned_from.as_deref(),
            Some("shop-20261205-0300")
        );
        assert_eq!(clone.setup.currency, None, "the source's currency stays");
        assert!(!clone.setup.sample_products, "no sample product is added");
        raw.spec.woocommerce = Some(crate::api::WooCommerceOptions {
            currency: Some("EUR".into()),
            sample_products: Some(true),
        });
        let asked = ValidatedStore::new(&raw, &settings).unwrap();
        assert_eq!(asked.setup.currency.as_deref(), Some("EUR"));
        assert!(asked.setup.sample_products);
        raw.spec.source = Some(crate::api::store::StoreSource {
            backup: "Bad_Name".into(),
        });
        let refused = ValidatedStore::new(&raw, &settings).unwrap_err();
        assert_eq!(refused.field, "source.backup");
    }

    #[test]
    fn a_store_without_identity_or_with_bad_values_is_refused() {
        let settings = Settings::for_tests();
        let mut raw = store("demo", Plan::Small);
        raw.metadata.uid = None;
        assert_eq!(
            ValidatedStore::new(&raw, &settings).unwrap_err().field,
            "uid"
        );
        let mut raw = store("demo", Plan::Small);
        raw.metadata.name = Some("Bad;Name".into());
        assert_eq!(
            ValidatedStore::new(&raw, &settings).unwrap_err().field,
            "store name"
        );
        let mut raw = store("demo", Plan::Small);
        raw.spec.domain = Some("evil..example.com".into());
        assert!(ValidatedStore::new(&raw, &settings).is_err());
    }

    #[test]
    fn a_sharded_operator_labels_objects_but_never_pod_or_claim_templates() {
        use crate::api::labels::SETUP;
        let settings = Settings {
            shard_keys: vec!["nexus.dev/shard".into(), "zone".into()],
            ..Settings::for_tests()
        };
        let mut raw = store("demo", Plan::Small);
        raw.metadata.labels = Some(BTreeMap::from([
            ("nexus.dev/shard".to_string(), "a".to_string()),
            ("team".to_string(), "blue".to_string()),
        ]));
        let sharded = ValidatedStore::new(&raw, &settings).unwrap();
        // The Store's values for the selector's keys, and only those.
        let shard = BTreeMap::from([("nexus.dev/shard".to_string(), "a".to_string())]);
        assert_eq!(sharded.shard, shard);
        assert_eq!(sharded.labels(None)["nexus.dev/shard"], "a");
        assert!(!sharded.labels(None).contains_key("team"));
        let unsharded = store("demo", Plan::Small);
        let defaults = Settings::for_tests();
        let plain = ValidatedStore::new(&unsharded, &defaults).unwrap();
        assert_eq!(
            plain.labels(Some(SETUP)),
            plain.template_labels(Some(SETUP))
        );
    }
}
