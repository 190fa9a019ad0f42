//! Guardrails: quota, limits, network policies and the tenant's read access.
//! Applied in every phase, Failed included, so access follows the tenant's
//! RoleBindings at once.

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
    write::ensure(run.children, owned, &guardrails::resource_quota(store)).await?;
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
        "quota, limits, network policies and tenant access are in place",
    ))
}
