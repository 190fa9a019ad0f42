//! Every write the operator makes inside a store's namespace goes through
//! here, and each takes an `Owned`: the proof, made only by the Namespace
//! step, that the namespace carries this Store's UID. So no code path can
//! write, delete or restart anything in a namespace that belongs to another
//! store (the loser of a name collision included). Errors name the action.

use k8s_openapi::NamespaceResourceScope;
use kube::api::{DeleteParams, Patch, PatchParams, PostParams};
use kube::{Api, Client, Resource};
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::write_record::{APPLIED_ANNOTATION, Key};
use super::{Children, FIELD_MANAGER};
use crate::fingerprint::fnv1a;
use crate::operator::error::{Error, Result};
use crate::operator::metrics::KindLabel;

/// What the operator writes into a store's namespace: a namespaced kind it
/// sends as JSON and reads back (every k8s-openapi kind is one).
pub trait Child:
    Resource<Scope = NamespaceResourceScope, DynamicType = ()>
    + Serialize
    + DeserializeOwned
    + Clone
    + std::fmt::Debug
{
}

impl<K> Child for K where
    K: Resource<Scope = NamespaceResourceScope, DynamicType = ()>
        + Serialize
        + DeserializeOwned
        + Clone
        + std::fmt::Debug
{
}

/// Proof that `namespace` exists and belongs to the Store being reconciled.
#[derive(Debug)]
pub struct Owned {
    namespace: String,
}

impl Owned {
    /// Only the Namespace step calls this, after it checked the UID label.
    pub(in crate::operator) fn checked(namespace: &str) -> Self {
        Owned {
            namespace: namespace.to_string(),
        }
    }

    /// A store namespace read from the API server, when it carries the
    /// store's UID and is not being deleted (a Backup's store).
    pub(in crate::operator) fn prove(
        namespace: &k8s_openapi::api::core::v1::Namespace,
        store_uid: &str,
    ) -> Option<Self> {
        let meta = &namespace.metadata;
        let labels = meta.labels.as_ref()?;
        let ours = labels
            .get(crate::api::labels::STORE_UID_LABEL)
            .map(String::as_str);
        let name = meta.name.as_deref()?;
        (ours == Some(store_uid) && !store_uid.is_empty() && meta.deletion_timestamp.is_none())
            .then(|| Owned::checked(name))
    }

    pub fn namespace(&self) -> &str {
        &self.namespace
    }

    pub fn api<K>(&self, client: &Client) -> Api<K>
    where
        K: Resource<Scope = NamespaceResourceScope>,
        K::DynamicType: Default,
    {
        Api::namespaced(client.clone(), &self.namespace)
    }
}

fn kind<K: Child>() -> String {
    K::kind(&()).into_owned()
}

/// `Kind namespace/name`, as errors and conditions name an object.
pub fn describe<K: Child>(owned: &Owned, name: &str) -> String {
    format!("{} {}/{name}", kind::<K>(), owned.namespace)
}

fn key_of<K: Child>(owned: &Owned, name: &str) -> Key {
    Key {
        kind: kind::<K>(),
        namespace: owned.namespace.clone(),
        name: name.to_string(),
    }
}

/// Server-side apply of an object into the owned namespace, unless the same
/// object was applied already and nobody changed it since (`WriteRecord`).
pub async fn ensure<K: Child>(children: &Children, owned: &Owned, object: &K) -> Result<()> {
    apply_owned(children, owned, object).await.map(|_| ())
}

/// Applies `object` unless unchanged; its name, and the server's copy when
/// it was written.
async fn apply_owned<K: Child>(
    children: &Children,
    owned: &Owned,
    object: &K,
) -> Result<(String, Option<K>)> {
    let name = checked_name(owned, object)?;
    let key = key_of::<K>(owned, &name);
    let action = format!("apply {}", describe::<K>(owned, &name));
    let api = owned.api::<K>(&children.client);
    let written = apply_recorded(children, &api, key, object, action).await?;
    Ok((name, written))
}

/// `ensure`, returning what the server holds: the object written, or when
/// nothing was written, `current` (the caller read it already) or a fresh read.
pub async fn ensure_and_read<K>(
    children: &Children,
    owned: &Owned,
    object: &K,
    current: Option<K>,
) -> Result<K>
where
    K: Child,
{
    let (name, written) = apply_owned(children, owned, object).await?;
    if let Some(written) = written {
        return Ok(written);
    }
    match current {
        Some(current) => Ok(current),
        None => match get::<K>(&children.client, owned, &name).await? {
            Some(current) => Ok(current),
            // Gone since we wrote it (its watch event is still on the way): write it again.
            None => {
                children.writes.forget(&key_of::<K>(owned, &name));
                apply_owned(children, owned, object)
                    .await?
                    .1
                    .ok_or(Error::Bug("a write after forgetting it wrote nothing"))
            }
        },
    }
}

fn checked_name<K: Child>(owned: &Owned, object: &K) -> Result<String> {
    let name = object.meta().name.clone().ok_or(Error::Incomplete {
        kind: "child",
        field: "name",
    })?;
    if object.meta().namespace.as_deref() != Some(owned.namespace()) {
        return Err(Error::OutsideNamespace {
            kind: kind::<K>(),
            name,
            namespace: object.meta().namespace.clone().unwrap_or_default(),
            owned: owned.namespace().to_string(),
        });
    }
    Ok(name)
}

/// A fingerprint of the desired object (its JSON, deterministic: maps are sorted).
pub fn fingerprint<K: Serialize>(object: &K) -> u64 {
    fnv1a(&serde_json::to_vec(object).unwrap_or_default())
}

/// `object` carrying its fingerprint, for the next leader
/// (`write_record::applied`).
pub fn stamped<K: Resource + Clone>(object: &K, fingerprint: u64) -> K {
    let mut sent = object.clone();
    sent.meta_mut().annotations.get_or_insert_default().insert(
        APPLIED_ANNOTATION.to_string(),
        format!("{fingerprint:016x}"),
    );
    sent
}

/// Server-side apply through `api` (any scope), skipped when `WriteRecord` says
/// the same object was written and is untouched; records what it wrote.
/// Returns the server's object when it wrote, None when it skipped.
pub async fn apply_recorded<K>(
    children: &Children,
    api: &Api<K>,
    key: Key,
    object: &K,
    action: String,
) -> Result<Option<K>>
where
    K: Resource + Serialize + DeserializeOwned + Clone + std::fmt::Debug,
{
    let fingerprint = fingerprint(object);
    // A new leader: what the watch shows of this child may say it is right.
    children
        .writes
        .seeded(&key, super::write_record::SEED_WAIT)
        .await;
    if children.writes.unchanged(&key, fingerprint) {
        children.metrics.writes_skipped.inc();
        return Ok(None);
    }
    children
        .metrics
        .writes
        .get_or_create(&KindLabel {
            kind: key.kind.clone(),
        })
        .inc();
    let sent = stamped(object, fingerprint);
    let params = PatchParams::apply(FIELD_MANAGER).force();
    let written = api
        .patch(&key.name, &params, &Patch::Apply(&sent))
        .await
        .map_err(Error::api(action))?;
    let version = written.meta().resource_version.clone().unwrap_or_default();
    let shape = super::write_record::shape(written.meta());
    children.writes.record(key, fingerprint, &version, shape);
    Ok(Some(written))
}

/// Creates an object; one that exists already is an error (a conflict).
pub async fn create<K>(client: &Client, owned: &Owned, object: &K) -> Result<()>
where
    K: Child,
{
    let name = object.meta().name.clone().unwrap_or_default();
    owned
        .api::<K>(client)
        .create(&PostParams::default(), object)
        .await
        .map(|_| ())
        .map_err(Error::api(format!(
            "create {}",
            describe::<K>(owned, &name)
        )))
}

/// Creates an object unless it exists (Secrets: made once, never rewritten).
pub async fn create_once<K>(client: &Client, owned: &Owned, object: &K) -> Result<()>
where
    K: Child,
{
    let name = object.meta().name.clone().unwrap_or_default();
    match owned
        .api::<K>(client)
        .create(&PostParams::default(), object)
        .await
    {
        Ok(_) => Ok(()),
        Err(kube::Error::Api(status)) if status.code == 409 => Ok(()),
        Err(e) => Err(Error::api(format!(
            "create {}",
            describe::<K>(owned, &name)
        ))(e)),
    }
}

/// A patch under the operator's own name: its field owners then show that
/// nobody else wrote the object (`write_record::applied`).
fn ours() -> PatchParams {
    PatchParams {
        field_manager: Some(FIELD_MANAGER.to_string()),
        ..PatchParams::default()
    }
}

/// Sets one annotation of an object of the owned namespace (a merge patch:
/// nothing else of the object is touched, immutable fields included).
pub async fn annotate<K>(
    client: &Client,
    owned: &Owned,
    name: &str,
    key: &str,
    value: &str,
) -> Result<()>
where
    K: Child,
{
    let patch = serde_json::json!({"metadata": {"annotations": {key: value}}});
    owned
        .api::<K>(client)
        .patch(name, &ours(), &Patch::Merge(&patch))
        .await
        .map_err(Error::api(format!(
            "annotate {}",
            describe::<K>(owned, name)
        )))?;
    Ok(())
}

/// Sets labels of an object of the owned namespace (a merge patch, as
/// `annotate`: its immutable fields are left alone).
pub async fn label<K>(
    client: &Client,
    owned: &Owned,
    name: &str,
    labels: &std::collections::BTreeMap<String, String>,
) -> Result<()>
where
    K: Child,
{
    let patch = serde_json::json!({"metadata": {"labels": labels}});
    owned
        .api::<K>(client)
        .patch(name, &ours(), &Patch::Merge(&patch))
        .await
        .map_err(Error::api(format!("label {}", describe::<K>(owned, name))))?;
    Ok(())
}

/// An object of the owned namespace from its watch cache, or from the API
/// server while the cache has not listed yet or still shows what we deleted.
pub async fn read<K>(
    children: &Children,
    cache: &super::caches::Cached<K>,
    owned: &Owned,
    name: &str,
) -> Result<Option<K>>
where
    K: Child + 'static,
{
    match cache.lookup(Some(&owned.namespace), name) {
        Some(found)
            if !children.deleted.still_cached(
                &key_of::<K>(owned, name),
                found.as_ref().and_then(|f| f.meta().uid.as_deref()),
            ) =>
        {
            Ok(found)
        }
        // Not listed yet, or still showing what we deleted: ask the server.
        _ => get::<K>(&children.client, owned, name).await,
    }
}

/// Reads an object of the owned namespace, None when it does not exist.
pub async fn get<K>(client: &Client, owned: &Owned, name: &str) -> Result<Option<K>>
where
    K: Child,
{
    owned
        .api::<K>(client)
        .get_opt(name)
        .await
        .map_err(Error::api(format!("read {}", describe::<K>(owned, name))))
}

/// Deletes an object of the owned namespace when it exists (in the
/// background: its pods go with it). Reads do not trust the cache's copy of
/// it until the cache shows it gone (`Deleted`).
pub async fn delete<K>(children: &Children, owned: &Owned, name: &str) -> Result<()>
where
    K: Child,
{
    match owned
        .api::<K>(&children.client)
        .delete(name, &DeleteParams::background())
        .await
    {
        Ok(deleted) => {
            let uid = deleted.either(
                |object| object.meta().uid.clone(),
                |status| status.details.map(|d| d.uid),
            );
            let key = key_of::<K>(owned, name);
            // What we wrote is gone: the next ensure writes it again.
            children.writes.forget(&key);
            if let Some(uid) = uid.filter(|uid| !uid.is_empty()) {
                children.deleted.remember(key, uid);
            }
            Ok(())
        }
        Err(kube::Error::Api(status)) if status.code == 404 => Ok(()),
        Err(e) => Err(Error::api(format!("delete {}", describe::<K>(owned, name)))(e)),
    }
}
