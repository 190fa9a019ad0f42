//! `kubectl nexus quota [STORE]`: the caller's own limits and usage, asked
//! of the admission webhook with a dry-run QuotaReview (tenants cannot read
//! the ledgers, and see nobody else's usage), the tenant namespace's native
//! `count/stores.nexus.dev` quota, and for a store its ResourceQuota.

use k8s_openapi::api::core::v1::ResourceQuota;
use kube::api::{ListParams, ObjectMeta, PostParams};
use kube::{Api, ResourceExt};
use serde::Serialize;

use crate::api::quota::{QuotaReport, QuotaReview, QuotaReviewSpec, Usage};
use crate::api::store_namespace;
use crate::cli::QuotaArgs;
use crate::commands::Session;
use crate::error::{Action, Error, Result};

/// The native quota key for stores in a namespace.
pub const STORE_COUNT_QUOTA: &str = "count/stores.nexus.dev";

#[derive(Serialize, Debug)]
#[serde(rename_all = "camelCase")]
pub struct QuotaView {
    pub namespace: String,
    pub report: QuotaReport,
    /// ResourceQuotas of the tenant namespace that count stores.
    pub namespace_quotas: Vec<QuotaLine>,
    /// The store's ResourceQuota, with `quota STORE`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub store: Option<StoreQuota>,
}

#[derive(Serialize, Debug)]
#[serde(rename_all = "camelCase")]
pub struct StoreQuota {
    pub name: String,
    pub lines: Vec<QuotaLine>,
}

/// One resource of a ResourceQuota.
#[derive(Serialize, Debug)]
pub struct QuotaLine {
    pub quota: String,
    pub resource: String,
    pub used: String,
    pub hard: String,
    /// `used` as a share of `hard` (0.5 is half), when both read as
    /// quantities of one kind.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub share: Option<f64>,
}

/// `used` as a share of `hard`: CPU-like quantities ("250m", "2", counts)
/// in thousandths, else memory-like ones ("512Mi", "1G") in bytes.
fn share(used: &str, hard: &str) -> Option<f64> {
    let both = |read: fn(&str) -> Result<u64, String>| Some((read(used).ok()?, read(hard).ok()?));
    let (used, hard) =
        both(crate::quantity::millicores).or_else(|| both(crate::quantity::bytes))?;
    (hard > 0).then(|| used as f64 / hard as f64)
}

fn lines(quota: &ResourceQuota, only: Option<&str>) -> Vec<QuotaLine> {
    let status = quota.status.clone().unwrap_or_default();
    let hard = status.hard.unwrap_or_default();
    let used = status.used.unwrap_or_default();
    hard.iter()
        .filter(|(resource, _)| only.is_none_or(|o| o == resource.as_str()))
        .map(|(resource, limit)| {
            let used = used
                .get(resource)
                .map(|q| q.0.clone())
                .unwrap_or_else(|| "0".into());
            QuotaLine {
                quota: quota.name_any(),
                resource: resource.clone(),
                share: share(&used, &limit.0),
                used,
                hard: limit.0.clone(),
            }
        })
        .collect()
}

async fn quotas(session: &Session, namespace: &str) -> Result<Vec<ResourceQuota>> {
    let api: Api<ResourceQuota> = Api::namespaced(session.client.clone(), namespace);
    let action = Action {
        verb: "list",
        resource: "resourcequotas",
        namespace,
        name: None,
    };
    Ok(api
        .list(&ListParams::default())
        .await
        .map_err(|e| action.error(e))?
        .items)
}

pub async fn quota(session: &Session, args: &QuotaArgs) -> Result<QuotaView> {
    let (store, user) = (args.store.as_deref(), args.user.as_deref());
    let mut labels = std::collections::BTreeMap::new();
    for label in &args.labels {
        let (key, value) = crate::api::validation::label(label)?;
        labels.insert(key.to_string(), value.to_string());
    }
    let reviews: Api<QuotaReview> = Api::namespaced(session.client.clone(), &session.namespace);
    let question = QuotaReview {
        metadata: ObjectMeta {
            name: Some("quota".into()),
            labels: (!labels.is_empty()).then_some(labels),
            ..ObjectMeta::default()
        },
        spec: QuotaReviewSpec {
            user: user.map(String::from),
            report: None,
        },
    };
    let dry_run = PostParams {
        dry_run: true,
        ..PostParams::default()
    };
    let action = Action {
        verb: "create",
        resource: "quotareviews",
        namespace: &session.namespace,
        name: None,
    };
    let answered = reviews.create(&dry_run, &question).await.map_err(|e| match e {
        kube::Error::Api(status) if status.code == 404 && status.details.as_ref().is_none_or(|d| d.name.is_empty()) => {
            Error::Other("the QuotaReview CRD (quotareviews.nexus.dev) is not installed in this cluster\nhint: install the CRDs with: kubectl-nexus generate crds --out - | kubectl apply -f -".into())
        }
        kube::Error::Api(status) if status.code == 400 || status.code == 422 => Error::Other(status.message.clone()),
        other => action.error(other),
    })?;
    let report = answered.spec.report.ok_or_else(|| {
        Error::Other("the Nexus admission webhook did not answer the QuotaReview\nhint: the operator answers it when it runs with its webhook (--webhook-url or --webhook-service)".into())
    })?;
    let namespace_quotas = quotas(session, &session.namespace)
        .await?
        .iter()
        .flat_map(|q| lines(q, Some(STORE_COUNT_QUOTA)))
        .collect();
    let store = match store {
        None => None,
        Some(name) => Some(store_quota(session, name).await?),
    };
    Ok(QuotaView {
        namespace: session.namespace.clone(),
        report,
        namespace_quotas,
        store,
    })
}

/// A store's ResourceQuota, resource by resource.
pub async fn store_quota(session: &Session, name: &str) -> Result<StoreQuota> {
    let found = match quotas(session, &store_namespace(name)).await {
        // Read access to a store's namespace is the operator's to grant, to
        // the store's tenants, as it makes the namespace (the general hint,
        // a RoleBinding in a tenant namespace, does not apply). Someone
        // else's store, or none, is named as such.
        Err(Error::Forbidden { who, .. }) => {
            super::store::fetch(session, name).await?;
            return Err(Error::Other(format!(
                "{who} may not read store {name:?}'s namespace {:?} (yet: the operator opens it to the store's tenants as it provisions the store)\nhint: kubectl nexus store get {name}",
                store_namespace(name)
            )));
        }
        found => found?,
    };
    if found.is_empty() {
        return Err(Error::Other(format!(
            "store {name:?} has no ResourceQuota yet: the operator writes it once the store's setup is done\nhint: kubectl nexus store get {name}"
        )));
    }
    Ok(StoreQuota {
        name: name.to_string(),
        lines: found.iter().flat_map(|q| lines(q, None)).collect(),
    })
}

/// `used` of `limit`, or `used` with no limit.
pub fn used_of(usage: &Usage) -> (String, String) {
    (
        usage.used.to_string(),
        usage.limit.map_or_else(|| "none".into(), |l| l.to_string()),
    )
}

#[cfg(test)]
mod tests {
    use super::share;

    #[test]
    fn a_share_reads_cpu_memory_and_counts_and_gives_up_on_a_mix() {
        assert_eq!(share("500m", "2"), Some(0.25));
        assert_eq!(share("805306368", "1Gi"), Some(0.75));
        assert_eq!(share("15Gi", "10Gi"), Some(1.5));
        assert_eq!(share("3", "4"), Some(0.75));
        assert_eq!(share("0", "0"), None, "no limit to share");
        assert_eq!(share("1Gi", "500m"), None);
    }
}
