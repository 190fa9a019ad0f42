//! The webhook configurations: how the API server reaches the webhook (a URL
//! from outside the cluster, or the operator's Service), the CA it trusts,
//! and the one resource they cover. Admission writes the limits' ledgers, but
//! never on a dry run (`sideEffects: NoneOnDryRun`). `failurePolicy: Fail` for stores only:
//! when no replica answers, store writes fail with a message naming the
//! webhook, and nothing else in the cluster is affected.

use std::collections::BTreeMap;

use k8s_openapi::ByteString;
use k8s_openapi::api::admissionregistration::v1::{
    MutatingWebhook, MutatingWebhookConfiguration, RuleWithOperations, ServiceReference,
    ValidatingWebhook, ValidatingWebhookConfiguration, WebhookClientConfig,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use kube::api::{Patch, PatchParams};
use kube::{Api, Client, Resource};
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::Config;
use crate::api::labels::{MANAGED_BY, MANAGER};
use crate::operator::children::FIELD_MANAGER;
use crate::operator::error::{Error, Result};

/// How the API server calls the webhook.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClientConfig {
    /// `https://host[:port]`, for an operator outside the cluster.
    Url { base: String, host: String },
    /// The Service in front of the operator's pods, on port 443.
    Service { namespace: String, name: String },
}

impl ClientConfig {
    pub fn url(text: &str) -> Result<Self, String> {
        let base = text.trim_end_matches('/');
        let rest = base.strip_prefix("https://").ok_or_else(|| {
            format!("--webhook-url {text:?}: the API server calls webhooks over https only")
        })?;
        let authority = rest.split('/').next().unwrap_or_default();
        let host = match authority.strip_prefix('[') {
            Some(v6) => v6.split(']').next().unwrap_or_default(),
            None => authority.rsplit_once(':').map_or(authority, |(h, _)| h),
        };
        if host.is_empty() {
            return Err(format!("--webhook-url {text:?} names no host"));
        }
        Ok(ClientConfig::Url {
            base: base.to_string(),
            host: host.to_string(),
        })
    }

    pub fn service(text: &str) -> Result<Self, String> {
        match text.split_once('/') {
            Some((namespace, name)) if !namespace.is_empty() && !name.is_empty() => {
                Ok(ClientConfig::Service {
                    namespace: namespace.into(),
                    name: name.into(),
                })
            }
            _ => Err(format!(
                "--webhook-service {text:?}: use NAMESPACE/NAME of the operator's Service"
            )),
        }
    }

    /// The names the serving certificate must carry.
    pub fn hosts(&self) -> Vec<String> {
        match self {
            ClientConfig::Url { host, .. } => vec![host.clone()],
            ClientConfig::Service { namespace, name } => vec![
                format!("{name}.{namespace}.svc"),
                format!("{name}.{namespace}.svc.cluster.local"),
                format!("{name}.{namespace}"),
            ],
        }
    }

    /// Where the API server sends one webhook's reviews: `path` below the
    /// caller token (see `caller`).
    fn for_path(&self, path: &str, caller: &Caller) -> WebhookClientConfig {
        let ca_bundle = Some(ByteString(caller.ca_pem.as_bytes().to_vec()));
        let path = format!("/{}{path}", caller.token);
        match self {
            ClientConfig::Url { base, .. } => WebhookClientConfig {
                ca_bundle,
                url: Some(format!("{base}{path}")),
                service: None,
            },
            ClientConfig::Service { namespace, name } => WebhookClientConfig {
                ca_bundle,
                url: None,
                service: Some(ServiceReference {
                    namespace: namespace.clone(),
                    name: name.clone(),
                    path: Some(path),
                    port: Some(443),
                }),
            },
        }
    }
}

/// What the API server needs to call the webhook: the CA to trust and the
/// token to put in front of every path.
#[derive(Debug, Clone, Copy)]
pub struct Caller<'a> {
    pub ca_pem: &'a str,
    pub token: &'a str,
}

/// Store requests with these operations.
fn rules(operations: &[&str]) -> Vec<RuleWithOperations> {
    vec![RuleWithOperations {
        api_groups: Some(vec!["nexus.dev".into()]),
        api_versions: Some(vec!["v1alpha1".into()]),
        operations: Some(operations.iter().map(|o| o.to_string()).collect()),
        resources: Some(vec!["stores".into()]),
        scope: Some("Namespaced".into()),
    }]
}

fn meta(name: &str) -> ObjectMeta {
    ObjectMeta {
        name: Some(name.into()),
        labels: Some(BTreeMap::from([(
            MANAGED_BY.to_string(),
            MANAGER.to_string(),
        )])),
        ..ObjectMeta::default()
    }
}

/// The name of the validating webhook; the API server prefixes its audit
/// annotations with it.
pub const VALIDATING_WEBHOOK: &str = "validate.stores.nexus.dev";

/// The settings both webhooks share: stores only, fail closed, short.
fn webhook(
    config: &Config,
    caller: &Caller,
    (name, path): (&str, &str),
    operations: &[&str],
) -> ValidatingWebhook {
    ValidatingWebhook {
        name: name.into(),
        client_config: config.client.for_path(path, caller),
        rules: Some(rules(operations)),
        failure_policy: Some("Fail".into()),
        match_policy: Some("Equivalent".into()),
        side_effects: "NoneOnDryRun".into(),
        timeout_seconds: Some(5),
        admission_review_versions: vec!["v1".into()],
        object_selector: config.object_selector.clone(),
        ..ValidatingWebhook::default()
    }
}

pub fn validating(config: &Config, caller: &Caller) -> ValidatingWebhookConfiguration {
    ValidatingWebhookConfiguration {
        metadata: meta(&config.configuration),
        // Deletes too: they are audited.
        webhooks: Some(vec![webhook(
            config,
            caller,
            (VALIDATING_WEBHOOK, "/validate"),
            &["CREATE", "UPDATE", "DELETE"],
        )]),
    }
}

/// The mutating webhook is the validating one's fields (the two types share
/// their shape) plus its reinvocation policy.
pub fn mutating(config: &Config, caller: &Caller) -> Result<MutatingWebhookConfiguration> {
    let shared = webhook(
        config,
        caller,
        ("owner.stores.nexus.dev", "/mutate"),
        &["CREATE"],
    );
    let mut hook: MutatingWebhook = serde_json::to_value(shared)
        .and_then(serde_json::from_value)
        .map_err(|source| Error::Json {
            what: "the mutating webhook",
            source,
        })?;
    hook.reinvocation_policy = Some("Never".into());
    Ok(MutatingWebhookConfiguration {
        metadata: meta(&config.configuration),
        webhooks: Some(vec![hook, quota_webhook(config, caller)]),
    })
}

/// Answers QuotaReviews labelled as the stores this operator serves (none,
/// without a store selector); it writes nothing. A question need not fail
/// because one configuration's operator is gone (a stopped shard, a test's
/// operator): `Ignore` lets the others answer, and with none answering the
/// review comes back without a report, which `kubectl nexus quota` says.
fn quota_webhook(config: &Config, caller: &Caller) -> MutatingWebhook {
    MutatingWebhook {
        name: "quota.nexus.dev".into(),
        client_config: config.client.for_path("/quota", caller),
        rules: Some(vec![RuleWithOperations {
            api_groups: Some(vec!["nexus.dev".into()]),
            api_versions: Some(vec!["v1alpha1".into()]),
            operations: Some(vec!["CREATE".into()]),
            resources: Some(vec!["quotareviews".into()]),
            scope: Some("Namespaced".into()),
        }]),
        failure_policy: Some("Ignore".into()),
        match_policy: Some("Equivalent".into()),
        side_effects: "None".into(),
        timeout_seconds: Some(5),
        admission_review_versions: vec!["v1".into()],
        object_selector: config.object_selector.clone(),
        reinvocation_policy: Some("Never".into()),
        ..MutatingWebhook::default()
    }
}

async fn apply_cluster<K>(client: &Client, object: &K) -> Result<()>
where
    K: Resource<DynamicType = ()> + Serialize + DeserializeOwned + Clone + std::fmt::Debug,
{
    let name = object.meta().name.clone().unwrap_or_default();
    Api::<K>::all(client.clone())
        .patch(
            &name,
            &PatchParams::apply(FIELD_MANAGER).force(),
            &Patch::Apply(object),
        )
        .await
        .map_err(Error::api(format!("apply {} {name}", K::kind(&()))))?;
    Ok(())
}

/// Applies both configurations (server-side; the same from every replica),
/// or, when the platform installed them, only how the API server calls each
/// webhook (CA and path). Run again, it changes nothing.
pub async fn write_configurations(
    client: &Client,
    config: &Config,
    caller: &Caller<'_>,
) -> Result<()> {
    if config.installed {
        return inject_caller(client, config, caller).await;
    }
    apply_cluster(client, &mutating(config, caller)?).await?;
    apply_cluster(client, &validating(config, caller)).await
}

/// Writes each webhook's clientConfig (its CA and its path with the token)
/// into the installed configurations, owning those fields only: the rest
/// stays the installer's (the chart renders no path, so Helm keeps ours).
async fn inject_caller(client: &Client, config: &Config, caller: &Caller<'_>) -> Result<()> {
    let mutating = mutating(config, caller)?.webhooks.unwrap_or_default();
    let mutating = mutating.into_iter().map(|w| (w.name, w.client_config));
    apply_client_configs::<MutatingWebhookConfiguration>(client, config, mutating).await?;
    let validating = validating(config, caller).webhooks.unwrap_or_default();
    let validating = validating.into_iter().map(|w| (w.name, w.client_config));
    apply_client_configs::<ValidatingWebhookConfiguration>(client, config, validating).await
}

/// Applies only the clientConfig of the named webhooks of one configuration.
async fn apply_client_configs<K>(
    client: &Client,
    config: &Config,
    webhooks: impl Iterator<Item = (String, WebhookClientConfig)>,
) -> Result<()>
where
    K: Resource<DynamicType = ()> + DeserializeOwned + Clone + std::fmt::Debug,
{
    let webhooks: Vec<serde_json::Value> = webhooks
        .map(|(name, client_config)| serde_json::json!({"name": name, "clientConfig": client_config}))
        .collect();
    let patch = serde_json::json!({
        "apiVersion": K::api_version(&()),
        "kind": K::kind(&()),
        "metadata": {"name": config.configuration},
        "webhooks": webhooks,
    });
    Api::<K>::all(client.clone())
        .patch(
            &config.configuration,
            &PatchParams::apply(FIELD_MANAGER).force(),
            &Patch::Apply(&patch),
        )
        .await
        .map_err(Error::api(format!(
            "write the CA and path into {} {}",
            K::kind(&()),
            config.configuration
        )))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const CALLER: Caller = Caller {
        ca_pem: "CA",
        token: "T0KEN",
    };

    #[test]
    fn the_url_and_service_forms_name_the_hosts_the_certificate_needs() {
        let url = ClientConfig::url("https://127.0.0.1:9443/").unwrap();
        assert_eq!(url.hosts(), ["127.0.0.1"]);
        assert_eq!(
            url.for_path("/mutate", &CALLER).url.as_deref(),
            Some("https://127.0.0.1:9443/T0KEN/mutate")
        );
        assert!(
            ClientConfig::url("http://127.0.0.1:9443")
                .unwrap_err()
                .contains("https only")
        );
        let service = ClientConfig::service("nexus-system/nexus-operator").unwrap();
        assert_eq!(service.hosts()[0], "nexus-operator.nexus-system.svc");
        let reference = service.for_path("/validate", &CALLER).service.unwrap();
        assert_eq!(
            (reference.port, reference.path.as_deref()),
            (Some(443), Some("/T0KEN/validate"))
        );
        assert!(ClientConfig::service("nexus-operator").is_err());
    }

    #[test]
    fn the_webhooks_cover_stores_only_and_fail_closed() {
        let config = Config {
            address: "0.0.0.0:9443".into(),
            client: ClientConfig::url("https://127.0.0.1:9443").unwrap(),
            configuration: "nexus-stores".into(),
            secret_namespace: "nexus-system".into(),
            secret: "nexus-webhook-tls".into(),
            object_selector: None,
            base_domain: "shops.test".into(),
            policy: "default".into(),
            audit_sink_token: None,
            installed: false,
            selector_keys: Vec::new(),
            token_secret: "nexus-webhook-token".into(),
            client_auth: None,
            user_request_rate: 10.0,
            user_request_burst: 50,
            refusal_window: std::time::Duration::from_secs(60),
            plans: crate::settings::Plans::default(),
        };
        let validating = validating(&config, &CALLER);
        let hook = &validating.webhooks.unwrap()[0];
        assert_eq!(hook.failure_policy.as_deref(), Some("Fail"));
        assert_eq!(
            hook.rules.as_ref().unwrap()[0].resources.as_deref(),
            Some(&["stores".to_string()][..])
        );
        assert_eq!(hook.client_config.ca_bundle.as_ref().unwrap().0, b"CA");
        let operations = hook.rules.as_ref().unwrap()[0].operations.clone().unwrap();
        assert_eq!(
            operations,
            ["CREATE", "UPDATE", "DELETE"],
            "deletes are audited"
        );
        let mutating = mutating(&config, &CALLER).unwrap().webhooks.unwrap();
        assert_eq!(mutating[0].name, "owner.stores.nexus.dev");
        assert_eq!(mutating[0].failure_policy.as_deref(), Some("Fail"));
        assert_eq!(mutating[0].reinvocation_policy.as_deref(), Some("Never"));
        assert_eq!(
            mutating[0].client_config.url.as_deref(),
            Some("https://127.0.0.1:9443/T0KEN/mutate")
        );
    }
}
