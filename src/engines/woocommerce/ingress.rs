//! The Ingress at `<name>.<base domain>` (or the store's own domain), with
//! a cert-manager certificate when an issuer is configured.

use std::collections::BTreeMap;

use k8s_openapi::api::networking::v1::{
    HTTPIngressPath, HTTPIngressRuleValue, Ingress, IngressBackend, IngressRule,
    IngressServiceBackend, IngressSpec, IngressTLS, ServiceBackendPort,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use crate::api::labels::WORDPRESS;
use crate::validated::ValidatedStore;

pub fn ingress(store: &ValidatedStore) -> Ingress {
    let settings = store.settings;
    let annotations = settings.tls_issuer.as_ref().map(|issuer| {
        BTreeMap::from([("cert-manager.io/cluster-issuer".to_string(), issuer.clone())])
    });
    let tls = settings.tls_issuer.as_ref().map(|_| {
        vec![IngressTLS {
            hosts: Some(vec![store.host.clone()]),
            secret_name: Some(store.tls_secret()),
        }]
    });
    Ingress {
        metadata: ObjectMeta {
            name: Some(WORDPRESS.into()),
            namespace: Some(store.namespace.clone()),
            labels: Some(store.labels(Some(WORDPRESS))),
            annotations,
            ..ObjectMeta::default()
        },
        spec: Some(IngressSpec {
            ingress_class_name: Some(settings.ingress_class.clone()),
            tls,
            rules: Some(vec![IngressRule {
                host: Some(store.host.clone()),
                http: Some(HTTPIngressRuleValue {
                    paths: vec![HTTPIngressPath {
                        path: Some("/".into()),
                        path_type: "Prefix".into(),
                        backend: IngressBackend {
                            service: Some(IngressServiceBackend {
                                name: WORDPRESS.into(),
                                port: Some(ServiceBackendPort {
                                    name: Some("http".into()),
                                    ..ServiceBackendPort::default()
                                }),
                            }),
                            ..IngressBackend::default()
                        },
                    }],
                }),
            }]),
            ..IngressSpec::default()
        }),
        ..Ingress::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::Plan;
    use crate::settings::Settings;
    use crate::validated::testing::store;

    #[test]
    fn plain_http_at_the_base_domain_without_an_issuer() {
        let settings = Settings::for_tests();
        let store = store("demo", Plan::Small);
        let ingress = ingress(&ValidatedStore::new(&store, &settings).unwrap());
        let spec = ingress.spec.unwrap();
        assert_eq!(spec.ingress_class_name.as_deref(), Some("traefik"));
        assert_eq!(
            spec.rules.unwrap()[0].host.as_deref(),
            Some("demo.shops.example.com")
        );
        assert!(spec.tls.is_none());
    }

    #[test]
    fn tls_from_cert_manager_for_the_store_domain() {
        let mut settings = Settings::for_tests();
        settings.tls_issuer = Some("letsencrypt".into());
        let mut store = store("demo", Plan::Small);
        store.spec.domain = Some("shop.example.org".into());
        let validated = ValidatedStore::new(&store, &settings).unwrap();
        assert_eq!(validated.url, "https://shop.example.org");
        let ingress = ingress(&validated);
        assert_eq!(
            ingress.metadata.annotations.unwrap()["cert-manager.io/cluster-issuer"],
            "letsencrypt"
        );
        let tls = &ingress.spec.unwrap().tls.unwrap()[0];
        assert_eq!(
            tls.hosts.as_deref(),
            Some(&["shop.example.org".to_string()][..])
        );
    }
}
