//! `kubectl-nexus operator`: the reconciler that turns Stores into shops.
//! The same code runs in the cluster (service account) and outside it
//! (kubeconfig). Only the holder of the leader Lease reconciles; every
//! replica serves admission.
//!
//! `run` wires it. Where each part lives:
//! - `reconcile`: one reconcile of one store (the driver, `steps/`, status)
//! - `children`: a store's objects (writes, the record of writes, caches, watches)
//! - `webhook`: admission for Stores; `audit`: writing the audit chain and anchors
//! - `orphans`: namespaces whose Store is gone; `shard`: which stores are ours
//! - `backups`: each Backup becomes its store's backup Job; `object_store`: where they go
//! - `restores`: each Restore becomes its store's restore Job (checked, loaded aside, switched)
//! - `kept_secret`: Secrets the operator makes for itself (the webhook's token, the backup master)
//! - `concurrency`, `metrics`, `cluster_addresses`, `config`, `error`

pub mod audit;
pub mod backups;
pub mod children;
pub mod cluster_addresses;
pub mod concurrency;
pub mod config;
pub mod error;
pub mod kept_secret;
pub mod metrics;
pub mod object_store;
pub mod orphans;
pub mod reconcile;
pub mod restores;
pub mod shard;
pub mod webhook;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::StreamExt;
use kube::api::ListParams;
use kube::runtime::controller::{self, Controller};
use kube::runtime::events::Reporter;
use kube::runtime::{WatchStreamExt, reflector, watcher};
use kube::{Api, Client, ResourceExt};
use kube_lease_manager::LeaseManagerBuilder;
use tracing::{error, info, warn};

use crate::api::Store;
use children::{caches, watches, write_record};
pub use config::Config;
pub use error::Error;
use metrics::{HttpState, Metrics};
use reconcile::context::{self, Context};

/// How often the leader prunes audit records past retention.
const AUDIT_RETENTION_EVERY: Duration = Duration::from_secs(3600);

/// The backup object store: a credentials Secret that cannot work stops the
/// start (it never will); a bucket out of reach does not (stores go on
/// being provisioned; backups fail with the reason until it is back).
async fn open_object_store(
    client: &Client,
    namespace: &str,
    config: object_store::Config,
) -> Result<object_store::ObjectStore, Error> {
    let store = object_store::ObjectStore::connect(client, namespace, config).await?;
    let target = store.target();
    let (endpoint, bucket) = (&target.endpoint, &target.bucket);
    match store.check().await {
        Ok(()) => info!(%endpoint, %bucket, "backups go to this object store; the bucket answers"),
        Err(error) => {
            error!(%endpoint, %bucket, error = %error, "the backup object store does not answer as it should; backups fail until it does")
        }
    }
    Ok(store)
}

/// Runs until a signal or a lost lease; errors only when it cannot start.
pub async fn run(kubeconfig: kube::Config, config: Config) -> Result<(), Error> {
    let Config {
        settings,
        webhook,
        identity,
        lease_name,
        lease_namespace,
        concurrency,
        store_selector,
        orphan_scan_interval,
        audit_retention,
        manage_crds,
        metrics_address,
        backup,
    } = config;
    // Every request is timed: how many stores are reconciled at once
    // follows how fast the API server answers.
    let limiter = Arc::new(concurrency::Limiter::new(concurrency));
    let client = kube::client::ClientBuilder::try_from(kubeconfig)
        .map_err(Error::Client)?
        .with_layer(&concurrency::Observe(limiter.clone()))
        .build();
    if manage_crds {
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
    let listener = tokio::net::TcpListener::bind(&metrics_address)
        .await
        .map_err(|source| Error::Listen {
            what: "metrics",
            address: metrics_address.clone(),
            source,
        })?;
    info!(address = %metrics_address, "serving /metrics, /healthz and /readyz");
    tokio::spawn(async move {
        if let Err(e) = axum::serve(listener, metrics::router(http)).await {
            error!(error = %e, "metrics server stopped");
        }
    });
    tokio::spawn(release_freed_memory());

    let (object_store, backup_master) = match backup {
        Some(backup) => (
            Some(Arc::new(
                open_object_store(&client, &lease_namespace, backup).await?,
            )),
            Some(Arc::new(
                backups::ensure_master_secret(&client, &lease_namespace).await?,
            )),
        ),
        None => (None, None),
    };
    // A Backup is this shard's when its store is.
    let backup_selector = match store_selector.as_deref() {
        Some(selector) => Some(
            kube::core::Selector::try_from(shard::parse(selector).map_err(Error::StoreSelector)?)
                .map_err(|e| Error::StoreSelector(e.to_string()))?,
        ),
        None => None,
    };
    let operator = webhook::whoami(&client).await?;
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
                tokio::time::sleep(audit::anchors::EVERY).await;
                audit.anchors.write_moved().await;
            }
        }
    });
    // The StorePolicy whose limits admission holds; backups hold its limit
    // on manual backups too.
    let backup_policy_name = webhook.as_ref().map(|w| w.policy.clone());
    // Admission is served by every replica, before and whatever the election.
    if let Some(config) = webhook {
        webhook::start(client.clone(), config, audit.clone()).await?;
    }
    let manager = LeaseManagerBuilder::new(client.clone(), &lease_name)
        .with_namespace(&lease_namespace)
        .with_identity(&identity)
        .with_duration(15)
        .with_grace(5)
        .build()
        .await
        .map_err(|source| Error::LeaderElection {
            namespace: lease_namespace.clone(),
            source,
        })?;
    let (mut leader, lease_task) = manager.watch().await;
    ready.store(true, Ordering::Relaxed);
    info!(identity = %identity, lease = %format!("{lease_namespace}/{lease_name}"), "waiting for the leader lease");

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
            let writes = Arc::new(write_record::WriteRecord::default());
            let (caches, writers) = caches::Caches::new();
            let addresses = cluster_addresses::ClusterAddresses::default();
            let watching_addresses = tokio::spawn(addresses.clone().watch(client.clone()));
            metrics.is_leader.set(1);
            let context = Arc::new(Context {
                children: children::Children {
                    client: client.clone(),
                    writes,
                    caches,
                    metrics: metrics.clone(),
                    secrets_checked: Default::default(),
                    deleted: Default::default(),
                },
                settings,
                operator: operator_subject.clone(),
                recorder: context::Events::new(
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
                written_statuses: Default::default(),
                concurrency: limiter.clone(),
                addresses: addresses.clone(),
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
                store_selector.as_deref(),
                orphan_scan_interval,
            );
            let retention = async {
                if audit_retention.is_zero() {
                    return futures::future::pending().await;
                }
                audit::retain(audit.clone(), audit_retention, AUDIT_RETENTION_EVERY).await
            };
            // No store is reconciled before its egress can leave out the
            // API server and the nodes.
            let store_context = context.clone();
            let controller = async {
                addresses.listed().await;
                controller(
                    client.clone(),
                    store_selector.as_deref(),
                    store_context,
                    cache,
                    writers,
                )
                .await
            };
            let backup_state = Arc::new(backups::Backups {
                context: context.clone(),
                object_store: object_store.clone(),
                master_secret: backup_master.clone(),
                store_selector: backup_selector.clone(),
                policy: backup_policy_name.clone(),
                home: lease_namespace.clone(),
            });
            let schedules = backups::schedule::run(backup_state.clone());
            let backups = backups::run(backup_state);
            let restores = restores::run(Arc::new(restores::Restores {
                context: context.clone(),
                object_store: object_store.clone(),
                master_secret: backup_master.clone(),
                store_selector: backup_selector.clone(),
            }));
            let result = tokio::select! {
                _ = controller => Ok(()),
                _ = backups => Ok(()),
                _ = restores => Ok(()),
                _ = schedules => Ok(()),
                _ = orphans => Ok(()),
                _ = retention => Ok(()),
                _ = &mut shutdown => Ok(()),
                _ = lost => Err(Error::LeaseLost),
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
    store_selector: Option<&str>,
    context: Arc<Context>,
    cache: Arc<Mutex<Option<kube::runtime::reflector::Store<Store>>>>,
    writers: caches::Writers,
) {
    let stores: Api<Store> = Api::all(client.clone());
    let mut store_watch = watcher::Config::default().page_size(watches::LIST_PAGE);
    if let Some(selector) = store_selector {
        store_watch = store_watch.labels(selector);
    }
    let (reader, writer) = reflector::store();
    let trigger = watcher(stores, store_watch)
        .modify(crate::api::slim_store)
        .reflect(writer)
        .applied_objects();
    let limiter = context.concurrency.clone();
    let controller = Controller::for_stream(trigger, reader).with_config(
        controller::Config::default()
            .concurrency(u16::try_from(limiter.ceiling()).unwrap_or(u16::MAX)),
    );
    let metrics = context.metrics.clone();
    let pace = tokio::spawn(limiter.run(move |limit| {
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
        store_selector,
        &context.children.writes,
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

/// Applies this version's CRDs (server-side, forcing our fields), so an
/// upgrade of the operator upgrades them.
async fn apply_crds(client: &Client) -> Result<(), Error> {
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
        .map_err(Error::api(format!(
            "--manage-crds: apply the CRD {name} (the operator's ClusterRole needs get and patch on it)"
        )))?;
    }
    info!("applied the CRDs of this version");
    Ok(())
}

/// One clear error when the CRD is missing, rather than a stream of watch errors.
async fn check_crd(client: &Client) -> Result<(), Error> {
    let stores: Api<Store> = Api::all(client.clone());
    match stores.list(&ListParams::default().limit(1)).await {
        Ok(_) => Ok(()),
        Err(kube::Error::Api(status)) if status.code == 404 => Err(Error::CrdMissing),
        Err(e) => Err(Error::ListStores(e)),
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

/// How often memory the operator freed goes back to the system.
const RELEASE_FREED_EVERY: Duration = Duration::from_secs(30);

/// A new leader's first lists and a burst of provisioning decode and drop
/// far more than the operator keeps; without this the allocator holds that
/// peak for the process's life. A pass over a fragmented 60 MiB heap took
/// 12 to 17 ms on the 2-core test machine: under 0.1 % of a core.
async fn release_freed_memory() {
    let mut every = tokio::time::interval(RELEASE_FREED_EVERY);
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        every.tick().await;
        crate::heap::release_freed();
    }
}
