//! Guardrails: limits, network policies and the tenant's read access,
//! applied in every phase, Failed included, so access follows the tenant's
//! RoleBindings at once; and the quota, once the store's pods exist.

use super::Run;
use crate::guardrails;
use crate::operator::children::write::{self, Owned};
use k8s_openapi::api::rbac::v1::RoleBinding;
use kube::Api;
use kube::api::ListParams;

use crate::operator::error::{Error, Result};
use crate::operator::reconcile::step::StepState;

pub async fn ensure(run: &Run<'_>, owned: &Owned) -> Result<StepState> {
    let store = run.store;
    // First: the operator reads the Secrets it generates here through this
    // binding (and only here), and grants the tenant the admin Secret below.
    write::ensure(
        run.children,
        owned,
        &guardrails::operator_role_binding(store, run.operator),
    )
    .await?;
    write::ensure(run.children, owned, &guardrails::limit_range(store)).await?;
    let unreachable = run.addresses.cidrs();
    for policy in guardrails::network_policies(store, &unreachable) {
        write::ensure(run.children, owned, &policy).await?;
    }
    let tenant_bindings = match run
        .children
        .caches
        .role_bindings
        .in_namespace(&store.tenant_namespace)
    {
        Some(cached) => cached,
        None => {
            Api::<RoleBinding>::namespaced(run.client().clone(), &store.tenant_namespace)
                .list(&ListParams::default())
                .await
                .map_err(Error::api(format!(
                    "list RoleBindings in {}",
                    store.tenant_namespace
                )))?
                .items
        }
    };
    write::ensure(run.children, owned, &guardrails::tenant_role(store)).await?;
    write::ensure(
        run.children,
        owned,
        &guardrails::tenant_role_binding(store, &tenant_bindings),
    )
    .await?;
    Ok(StepState::done(
        "Applied",
        "limits, network policies and tenant access are in place",
    ))
}

/// The store's ResourceQuota. Written once the setup is done (or the store
/// was Ready or is Failed), when every pod the store starts with exists:
/// the API server's quota admission rewrites a quota's status for each pod
/// and claim created under it (8 writes a store, each sent to every quota
/// watcher), where a quota made after them is counted once. Only the
/// operator writes in a store's namespace, and every plan's pods fit its
/// quota (`settings` tests), so nothing goes unfenced that the quota would
/// refuse; the LimitRange, which sets each container's defaults and
/// bounds, comes first.
pub async fn quota(run: &Run<'_>, owned: &Owned) -> Result<()> {
    write::ensure(run.children, owned, &guardrails::resource_quota(run.store)).await?;
    Ok(())
}
