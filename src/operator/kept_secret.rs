//! Secrets the operator makes for itself in its own namespace (the
//! webhook's path token, the backup master secret): made once by whichever
//! replica comes first, then read by every replica, and never rewritten (a
//! value that does not do is named, and deleting the Secret has a new one
//! made).

use std::collections::BTreeMap;

use k8s_openapi::ByteString;
use k8s_openapi::api::core::v1::Secret;
use kube::api::PostParams;
use kube::{Api, Client};

use crate::api::labels::{MANAGED_BY, MANAGER};
use crate::operator::error::{Error, Result};

/// Replicas starting at once may race to make it.
const ATTEMPTS: usize = 3;

/// What to keep: where, under which key, what it is (for messages), how a
/// new value is made and whether a stored one will do.
pub struct Kept<'a> {
    pub namespace: &'a str,
    pub name: &'a str,
    pub key: &'static str,
    pub what: &'static str,
    pub make: fn() -> Result<Vec<u8>>,
    pub usable: fn(&[u8]) -> bool,
}

/// The value under `kept.key`, made and stored when the Secret is missing;
/// every replica settles on the first one written.
pub async fn ensure(client: &Client, kept: &Kept<'_>) -> Result<Vec<u8>> {
    let Kept {
        namespace, name, ..
    } = *kept;
    let secrets: Api<Secret> = Api::namespaced(client.clone(), namespace);
    let action = |verb: &str| format!("{verb} Secret {namespace}/{name} ({})", kept.what);
    for _ in 0..ATTEMPTS {
        if let Some(secret) = secrets
            .get_opt(name)
            .await
            .map_err(Error::api(action("read")))?
        {
            let value = secret
                .data
                .as_ref()
                .and_then(|data| data.get(kept.key))
                .map(|bytes| bytes.0.clone())
                .filter(|bytes| (kept.usable)(bytes));
            return value.ok_or_else(|| Error::BadKeptSecret {
                namespace: namespace.to_string(),
                name: name.to_string(),
                key: kept.key,
                what: kept.what,
            });
        }
        let value = (kept.make)()?;
        let secret = Secret {
            metadata: kube::core::ObjectMeta {
                name: Some(name.into()),
                namespace: Some(namespace.into()),
                labels: Some(BTreeMap::from([(
                    MANAGED_BY.to_string(),
                    MANAGER.to_string(),
                )])),
                ..Default::default()
            },
            data: Some(BTreeMap::from([(
                kept.key.to_string(),
                ByteString(value.clone()),
            )])),
            type_: Some("Opaque".into()),
            ..Default::default()
        };
        match secrets.create(&PostParams::default(), &secret).await {
            Ok(_) => return Ok(value),
            // Another replica made it first: read theirs.
            Err(kube::Error::Api(status)) if status.code == 409 => continue,
            Err(e) => return Err(Error::api(action("create"))(e)),
        }
    }
    Err(Error::Contended {
        what: action("settle on"),
        attempts: ATTEMPTS,
    })
}
