//! `kubectl-nexus operator`: the reconciler that turns Stores into shops.
//! The same code runs in the cluster (service account) and outside it
//! (kubeconfig). Only the holder of the leader Lease reconciles.

pub mod anchors;
pub mod audit;
pub mod children;
pub mod cluster_addresses;
pub mod config;
pub mod context;
pub mod error;
pub mod metrics;
pub mod orphans;
pub mod pacing;
pub mod reconcile;
pub mod shard;
pub mod webhook;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::StreamExt;
use kube::api::ListParams;
use kube::runtime::controller::{self, Controller};
use kube::runtime::events::{Recorder, Reporter};
use kube::runtime::{WatchStreamExt, reflector, watcher};
use kube::{Api, Client, ResourceExt};
use kube_lease_manager::LeaseManagerBuilder;
use tracing::{error, info, warn};

use crate::api::Store;
use crate::error::{Error as CliError, INSTALL_CRD_HINT};
use children::{caches, watches, written};
use config::OperatorArgs;
use context::Context;
use metrics::{HttpState, Metrics};

/// How often the leader prunes audit records past retention.
const AUDIT_RETENTION_EVERY: Duration = Duration::from_secs(3600);

pub async fn run(config: kube::Config, args: OperatorArgs) -> Result<(), CliError> {
    let settings = config::settings(&args).map_err(CliError::Usage)?;
    // Every request is timed: how many stores are reconciled at once
    // follows how fast the API server answers.
    let pacing = Arc::new(pacing::Pacing::new(args.concurrency));
    let client = kube::client::ClientBuilder::try_from(config)
        .map_err(|e| CliError::Kubeconfig(crate::error::chain(&e)))?
        .with_layer(&pacing::Observe(pacing.clone()))
        .build();
    if args.manage_crds {
        apply_crds(&client).await?;
    }
    check_crd(&client).await?;

    let metrics = Arc::new(Metrics::default());
    let ready = Arc::new(AtomicBool::new(false));
    let cache = Arc::new(Mutex::new(None));
    let http = HttpState {
        metrics: metrics.clone(),
        ready: ready.clone(),
        cache: cache.clone(),
    };
    let listener = tokio::net::TcpListener::bind(&args.metrics_address)
        .await
        .map_err(|e| {
            CliError::Other(format!(
                "cannot listen on {} for metrics: {e}",
                args.metrics_address
            ))
        })?;
    info!(address = %args.metrics_address, "serving /metrics, /healthz and /readyz");
    tokio::spawn(async move {
        if let Err(e) = axum::serve(listener, metrics::router(http)).await {
            error!(error = %e, "metrics server stopped");
        }
    });

    let identity = args.identity.clone().unwrap_or_else(default_identity);
    let lease_namespace = args.lease_namespace.clone().unwrap_or_else(pod_namespace);
    let operator = webhook::whoami(&client)
        .await
        .map_err(|e| CliError::Other(e.to_string()))?;
    let operator_subject = crate::guardrails::subject_of(&operator);
    let audit = Arc::new(audit::AuditLog::new(
        client.clone(),
        operator,
        lease_namespace.clone(),
    ));
    tokio::spawn({
        let audit = audit.clone();
        async move {
            loop {
                tokio::time::sleep(anchors::EVERY).await;
                audit.anchors.write_moved().await;
            }
        }
    });
    // Admission is served by every replica, before and whatever the election.
    if let Some(config) =
        webhook::Config::from_args(&args, &lease_namespace).map_err(CliError::Usage)?
    {
        webhook::start(client.clone(), config, audit.clone())
            .await
            .map_err(|e| CliError::Other(format!("cannot start the admission webhook: {e}")))?;
    }
    let manager = LeaseManagerBuilder::new(client.clone(), &args.lease_name)
        .with_namespace(&lease_namespace)
        .with_identity(&identity)
        .with_duration(15)
        .with_grace(5)
        .build()
        .await
        .map_err(|e| {
            let hint = if e.to_string().contains("Forbidden") {
                format!(
                    "\nhint: bind the ClusterRole nexus-operator-home (config/rbac/nexus-operator-home.yaml) to the operator's identity with a RoleBinding in namespace {lease_namespace}"
                )
            } else {
                String::new()
            };
            CliError::Other(format!("cannot set up leader election: {e}{hint}"))
        })?;
    let (mut leader, lease_task) = manager.watch().await;
    ready.store(true, Ordering::Relaxed);
    info!(identity = %identity, lease = %format!("{lease_namespace}/{}", args.lease_name), "waiting for the leader lease");

    let shutdown = shutdown_signal();
    tokio::pin!(shutdown);
    let outcome = loop {
        if *leader.borrow_and_update() {
            break Some(());
        }
        tokio::select! {
            _ = &mut shutdown => break None,
            changed = leader.changed() => if changed.is_err() {
                break None;
            },
        }
    };
    let result = match outcome {
        None => Ok(()),
        Some(()) => {
            info!(identity = %identity, "became the leader; reconciling stores");
            let written = Arc::new(written::Written::default());
            let (caches, writers) = caches::Caches::new();
            let addresses = cluster_addresses::ClusterAddresses::default();
            let watching_addresses = tokio::spawn(addresses.clone().watch(client.clone()));
            metrics.is_leader.set(1);
            let context = Arc::new(Context {
                client: client.clone(),
                settings,
                operator: operator_subject.clone(),
                recorder: Recorder::new(
                    client.clone(),
                    Reporter {
                        controller: "nexus-operator".into(),
                        instance: Some(identity.clone()),
                    },
                ),
                metrics: metrics.clone(),
                failures: Mutex::new(Default::default()),
                stores: cache.clone(),
                audit: audit.clone(),
                written,
                caches,
                statuses: Default::default(),
                pacing: pacing.clone(),
                addresses: addresses.clone(),
                secrets_checked: Default::default(),
            });
            let lost = async {
                while leader.changed().await.is_ok() {
                    if !*leader.borrow_and_update() {
                        return;
                    }
                }
            };
            let orphans = orphans::watch(
                context.clone(),
                args.store_selector.as_deref(),
                args.orphan_scan_interval,
            );
            let retention = async {
                if args.audit_retention.is_zero() {
                    return futures::future::pending().await;
                }
                audit::retain(audit.clone(), args.audit_retention, AUDIT_RETENTION_EVERY).await
            };
            // No store is reconciled before its egress can leave out the
            // API server and the nodes.
            let controller = async {
                addresses.listed().await;
                controller(client.clone(), &args, context, cache, writers).await
            };
            let result = tokio::select! {
                _ = controller => Ok(()),
                _ = orphans => Ok(()),
                _ = retention => Ok(()),
                _ = &mut shutdown => Ok(()),
                _ = lost => Err(CliError::Other("lost the leader lease; exiting so a fresh start can compete again".into())),
            };
            watching_addresses.abort();
            result
        }
    };
    metrics.is_leader.set(0);
    // Closing the channel makes the lease task release the lease for the next replica.
    drop(leader);
    match tokio::time::timeout(Duration::from_secs(5), lease_task).await {
        Ok(Ok(Ok(_))) => info!("released the leader lease"),
        Ok(Ok(Err(e))) => warn!(error = %e, "could not release the leader lease"),
        _ => warn!("the lease task did not stop in time"),
    }
    result
}

/// Runs the controller until its stream ends.
async fn controller(
    client: Client,
    args: &OperatorArgs,
    context: Arc<Context>,
    cache: Arc<Mutex<Option<kube::runtime::reflector::Store<Store>>>>,
    writers: caches::Writers,
) {
    let stores: Api<Store> = Api::all(client.clone());
    let mut store_watch = watcher::Config::default().page_size(watches::LIST_PAGE);
    if let Some(selector) = &args.store_selector {
        store_watch = store_watch.labels(selector);
    }
    let (reader, writer) = reflector::store();
    let trigger = watcher(stores, store_watch)
        .modify(crate::api::slim_store)
        .reflect(writer)
        .applied_objects();
    let pacing = context.pacing.clone();
    let controller = Controller::for_stream(trigger, reader).with_config(
        controller::Config::default()
            .concurrency(u16::try_from(pacing.ceiling()).unwrap_or(u16::MAX)),
    );
    let metrics = context.metrics.clone();
    let pace = tokio::spawn(pacing.run(move |limit| {
        metrics
            .concurrency
            .set(i64::try_from(limit).unwrap_or(i64::MAX));
    }));
    if let Ok(mut slot) = cache.lock() {
        *slot = Some(controller.store());
    }
    watches::children(
        controller,
        &client,
        args.store_selector.as_deref(),
        &context.written,
        writers,
    )
    // A new API server or node address is left out of every store's egress.
    .reconcile_all_on(context.addresses.changes())
    .run(reconcile::reconcile, reconcile::error_policy, context)
    .for_each(|result| {
        // Reconcile errors are logged by the error policy; a watch that
        // fails (and retries with backoff) is worth a line too.
        if let Err(controller::Error::QueueError(e)) = result {
            warn!(error = %e, "a watch failed; retrying");
        }
        futures::future::ready(())
    })
    .await;
    pace.abort();
}

/// One clear line when the CRD is missing, rather than a stream of watch errors.
/// Applies this version's CRDs (server-side, forcing our fields), so an
/// upgrade of the operator upgrades them.
async fn apply_crds(client: &Client) -> Result<(), CliError> {
    use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
    let crds: Api<CustomResourceDefinition> = Api::all(client.clone());
    for (_, crd) in crate::api::crds() {
        let name = crd.name_any();
        crds.patch(
            &name,
            &kube::api::PatchParams::apply(children::FIELD_MANAGER).force(),
            &kube::api::Patch::Apply(&crd),
        )
        .await
        .map_err(|e| {
            CliError::Other(format!(
                "--manage-crds: cannot apply the CRD {name}: {} (the operator's ClusterRole needs get and patch on it)",
                error::cause(&e)
            ))
        })?;
    }
    info!("applied the CRDs of this version");
    Ok(())
}

async fn check_crd(client: &Client) -> Result<(), CliError> {
    let stores: Api<Store> = Api::all(client.clone());
    match stores.list(&ListParams::default().limit(1)).await {
        Ok(_) => Ok(()),
        Err(kube::Error::Api(status)) if status.code == 404 => Err(CliError::Other(format!(
            "the Store CRD (stores.nexus.dev) is not installed; install it with: {INSTALL_CRD_HINT}"
        ))),
        Err(e) => Err(crate::error::Action {
            verb: "list",
            resource: "stores",
            namespace: "",
            name: None,
        }
        .error(e)),
    }
}

async fn shutdown_signal() {
    let interrupt = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut terminate =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(signal) => signal,
                Err(_) => {
                    let _ = interrupt.await;
                    return;
                }
            };
        tokio::select! {
            _ = interrupt => {},
            _ = terminate.recv() => {},
        }
    }
    #[cfg(not(unix))]
    {
        let _ = interrupt.await;
    }
    info!("shutting down");
}

fn default_identity() -> String {
    std::env::var("POD_NAME")
        .or_else(|_| std::env::var("HOSTNAME"))
        .unwrap_or_else(|_| format!("nexus-operator-{}", std::process::id()))
}

/// The namespace the operator's pod runs in, when it runs in one.
fn pod_namespace() -> String {
    std::env::var("POD_NAMESPACE")
        .ok()
        .or_else(|| {
            std::fs::read_to_string("/var/run/secrets/kubernetes.io/serviceaccount/namespace").ok()
        })
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "default".into())
}
