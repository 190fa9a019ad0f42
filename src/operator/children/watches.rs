//! The controller's watches. Each child kind is watched once, labelled as
//! ours: a change reconciles the child's store, tells `WriteRecord` whether
//! somebody else wrote the child, and, for the kinds a reconcile reads, lands
//! in the watch cache (`Caches`) first. Cached objects keep what the steps
//! read (metadata, status, claim templates), not pod templates or field
//! owners, so the operator's memory grows little with each store.

use std::collections::BTreeMap;
use std::sync::Arc;

use futures::stream::BoxStream;
use futures::{StreamExt, TryStreamExt};
use k8s_openapi::api::apps::v1::{Deployment, StatefulSet};
use k8s_openapi::api::batch::v1::Job;
use k8s_openapi::api::core::v1::{
    ContainerStatus, LimitRange, Namespace, PersistentVolumeClaim, Pod, PodStatus, ResourceQuota,
    Service,
};
use k8s_openapi::api::networking::v1::{Ingress, NetworkPolicy};
use k8s_openapi::api::rbac::v1::{Role, RoleBinding};
use kube::core::PartialObjectMeta;
use kube::runtime::reflector::ObjectRef;
use kube::runtime::{Controller, WatchStreamExt, watcher};
use kube::{Api, Client, Resource, ResourceExt};
use serde::de::DeserializeOwned;

use super::caches::{Writer, Writers};
use super::pods::{pod_trouble, stopping};
use super::write_record::{self, WriteRecord};
use crate::api::Store;
use crate::api::labels::{
    MANAGED_BY, MANAGER, STORE_LABEL, STORE_NAMESPACE_LABEL, TENANT_CLUSTER_ROLE,
};
use crate::operator::shard;

/// The prefix of the annotations Nexus writes (the setup request's, ...).
const ANNOTATION_PREFIX: &str = "nexus.dev/";

/// Objects per page when a watch lists (at start and when it relists): a
/// page is held whole while it is decoded, field owners included, so small
/// pages keep a new leader's memory down for a few more requests once.
/// Metadata (a Namespace, a Secret's) is small; a whole Pod or Deployment
/// with its field owners decodes to tens of KiB.
pub const LIST_PAGE: u32 = 100;
const OBJECT_PAGE: u32 = 25;

/// Workloads are cached without their pod template: the steps read their
/// status (and a StatefulSet's claim templates), never the pods they make.
macro_rules! without_pod_template {
    ($kind:ty) => {
        |workload: &mut $kind| {
            if let Some(spec) = workload.spec.as_mut() {
                spec.template = Default::default();
            }
        }
    };
}

/// Adds every child watch, and the tenant RoleBinding watch, to `controller`.
/// A shard (`store_selector`) watches its own stores' children only, except
/// pods and claims: templates make them, without the shard's labels.
pub fn children(
    controller: Controller<Store>,
    client: &Client,
    store_selector: Option<&str>,
    writes: &Arc<WriteRecord>,
    writers: Writers,
) -> Controller<Store> {
    let config = |selector| {
        watcher::Config::default()
            .labels(&shard::children_selector(selector))
            .page_size(LIST_PAGE)
    };
    let watch = Watch {
        client,
        config: config(store_selector),
        writes,
    };
    let templated = Watch {
        config: config(None),
        ..watch
    };
    let stores = controller.store();
    controller
        .watches_stream(
            watch.metadata::<Namespace>(Some(writers.namespaces)),
            store_of,
        )
        .watches_stream(
            watch.objects(
                Some(writers.deployments),
                without_pod_template!(Deployment),
                true,
            ),
            store_of,
        )
        .watches_stream(
            watch.objects(
                Some(writers.statefulsets),
                without_pod_template!(StatefulSet),
                true,
            ),
            store_of,
        )
        .watches_stream(
            watch.objects(Some(writers.jobs), without_pod_template!(Job), true),
            store_of,
        )
        .watches_stream(
            templated.objects(
                Some(writers.volume_claims),
                |_: &mut PersistentVolumeClaim| {},
                true,
            ),
            store_of,
        )
        .watches_stream(
            // Only a pod in trouble or stopping needs its store looked at
            // (a suspended store waits for its pods to be gone): the rest
            // shows in its workload's status.
            templated.objects(Some(writers.pods), slim_pod, false),
            |pod: Pod| {
                (stopping(&pod) || pod_trouble(&pod).is_some())
                    .then(|| store_of(pod))
                    .flatten()
            },
        )
        .watches_stream(
            watch.metadata::<NetworkPolicy>(Some(writers.network_policies)),
            store_of,
        )
        .watches_stream(watch.metadata::<Ingress>(Some(writers.ingresses)), store_of)
        .watches_stream(watch.metadata::<Service>(None), store_of)
        .watches_stream(watch.metadata::<ResourceQuota>(None), store_of)
        .watches_stream(watch.metadata::<LimitRange>(None), store_of)
        .watches_stream(watch.metadata::<Role>(None), store_of)
        .watches_stream(watch.metadata::<RoleBinding>(None), store_of)
        .watches_stream(
            tenant_bindings(client, writers.role_bindings),
            move |binding: RoleBinding| {
                // A change to who is bound to `nexus-tenant` in a tenant
                // namespace updates the read access of its stores at once.
                let namespace = binding.namespace().unwrap_or_default();
                let tenant_role = binding.role_ref.kind == "ClusterRole"
                    && binding.role_ref.name == TENANT_CLUSTER_ROLE;
                stores
                    .state()
                    .into_iter()
                    .filter(|store| {
                        tenant_role && store.namespace().as_deref() == Some(namespace.as_str())
                    })
                    .map(|store| ObjectRef::from_obj(&*store))
                    .collect::<Vec<_>>()
            },
        )
}

/// A kind the child watches follow: any kind sent as JSON, shared across tasks.
trait Watched:
    Resource<DynamicType = ()>
    + Clone
    + DeserializeOwned
    + serde::Serialize
    + std::fmt::Debug
    + Send
    + Sync
    + 'static
{
}

impl<K> Watched for K where
    K: Resource<DynamicType = ()>
        + Clone
        + DeserializeOwned
        + serde::Serialize
        + std::fmt::Debug
        + Send
        + Sync
        + 'static
{
}

struct Watch<'a> {
    client: &'a Client,
    config: watcher::Config,
    writes: &'a Arc<WriteRecord>,
}

impl Watch<'_> {
    /// Metadata-only list and watch requests (Api<PartialObjectMeta<K>>).
    fn metadata<K>(
        &self,
        cache: Option<Writer<PartialObjectMeta<K>>>,
    ) -> BoxStream<'static, Result<PartialObjectMeta<K>, watcher::Error>>
    where
        K: Watched,
    {
        let api: Api<PartialObjectMeta<K>> = Api::all(self.client.clone());
        self.stream(api, self.config.clone(), cache, |_| {}, true)
    }

    /// Whole objects; `written`: whether the operator writes them (a
    /// pod it never does: nothing to remember of it).
    fn objects<K>(
        &self,
        cache: Option<Writer<K>>,
        slim: fn(&mut K),
        written: bool,
    ) -> BoxStream<'static, Result<K, watcher::Error>>
    where
        K: Watched,
    {
        let api: Api<K> = Api::all(self.client.clone());
        let config = self.config.clone().page_size(OBJECT_PAGE);
        self.stream(api, config, cache, slim, written)
    }

    fn stream<K>(
        &self,
        api: Api<K>,
        config: watcher::Config,
        cache: Option<Writer<K>>,
        slim: fn(&mut K),
        track: bool,
    ) -> BoxStream<'static, Result<K, watcher::Error>>
    where
        K: Watched,
    {
        let writes = track.then(|| self.writes.clone());
        let kind = K::kind(&()).into_owned();
        if let Some(writes) = &writes {
            writes.expect(&kind);
        }
        // A watch that cannot list (its role forbids the kind, say) will not
        // tell the record what exists: applies stop waiting for it at once.
        let released = writes.clone().map(|writes| (writes, kind.clone()));
        let events = watcher(api, config).map_ok(move |mut event| {
            let (object, deleted) = match &mut event {
                watcher::Event::Apply(o) | watcher::Event::InitApply(o) => (o, false),
                watcher::Event::Delete(o) => (o, true),
                watcher::Event::InitDone => {
                    if let Some(writes) = &writes {
                        writes.listed(&kind);
                    }
                    return event;
                }
                watcher::Event::Init => return event,
            };
            if let Some(writes) = &writes {
                let key = write_record::Key {
                    kind: kind.clone(),
                    namespace: object.namespace().unwrap_or_default(),
                    name: object.name_any(),
                };
                let shape = (!deleted)
                    .then(|| write_record::shape(object.meta()))
                    .flatten();
                let version = object.resource_version().unwrap_or_default();
                let applied = write_record::applied(object.meta());
                writes.observed(key, &version, shape, applied);
            }
            // Steps read a child's name, labels, deletion and our own
            // annotations (but the fingerprint, which only the record
            // reads); never who wrote it or what others annotated.
            let meta = object.meta_mut();
            meta.managed_fields = None;
            meta.owner_references = None;
            meta.annotations = meta.annotations.take().and_then(|annotations| {
                let ours: BTreeMap<_, _> = annotations
                    .into_iter()
                    .filter(|(key, _)| key.starts_with(ANNOTATION_PREFIX))
                    .filter(|(key, _)| key != write_record::APPLIED_ANNOTATION)
                    .collect();
                (!ours.is_empty()).then_some(ours)
            });
            slim(object);
            event
        });
        let events = events.inspect_err(move |_| {
            if let Some((writes, kind)) = &released {
                writes.listed(kind);
            }
        });
        match cache {
            Some(mut writer) => events
                .map_ok(move |event| {
                    writer.apply_event(&event);
                    event
                })
                .touched_objects()
                .boxed(),
            None => events.touched_objects().boxed(),
        }
    }
}

/// The RoleBindings that are not ours (tenant access is granted by bindings
/// nobody labels for us; ours are watched with the other children), without
/// field owners or annotations.
fn tenant_bindings(
    client: &Client,
    mut cache: Writer<RoleBinding>,
) -> BoxStream<'static, Result<RoleBinding, watcher::Error>> {
    let api: Api<RoleBinding> = Api::all(client.clone());
    watcher(
        api,
        watcher::Config::default()
            .labels(&format!("{MANAGED_BY}!={MANAGER}"))
            .page_size(LIST_PAGE),
    )
    .modify(|b| {
        b.metadata.managed_fields = None;
        b.metadata.annotations = None;
    })
    .map_ok(move |event| {
        cache.apply_event(&event);
        event
    })
    .touched_objects()
    .boxed()
}

/// A pod as `pod_trouble` and `termination_message` read it: name, labels,
/// whether it could be scheduled, and its containers' states.
fn slim_pod(pod: &mut Pod) {
    pod.spec = None;
    let Some(status) = pod.status.take() else {
        return;
    };
    let slim_containers = |containers: Option<Vec<ContainerStatus>>| {
        containers.map(|list| {
            list.into_iter()
                .map(|c| ContainerStatus {
                    name: c.name,
                    state: c.state,
                    last_state: c.last_state,
                    restart_count: c.restart_count,
                    ready: c.ready,
                    ..ContainerStatus::default()
                })
                .collect()
        })
    };
    pod.status = Some(PodStatus {
        phase: status.phase,
        conditions: status.conditions.map(|conditions| {
            conditions
                .into_iter()
                .filter(|c| c.type_ == "PodScheduled")
                .collect()
        }),
        container_statuses: slim_containers(status.container_statuses),
        init_container_statuses: slim_containers(status.init_container_statuses),
        ..PodStatus::default()
    });
}

fn store_of<K: Resource>(child: K) -> Option<ObjectRef<Store>> {
    let labels = child.labels();
    let name = labels.get(STORE_LABEL)?;
    let namespace = labels.get(STORE_NAMESPACE_LABEL)?;
    Some(ObjectRef::new(name).within(namespace))
}
