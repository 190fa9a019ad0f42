use std::io::Write;

use futures::{AsyncBufReadExt, TryStreamExt};
use k8s_openapi::api::core::v1::Pod;
use kube::Api;
use kube::api::{ListParams, LogParams};

use crate::api::labels::{COMPONENT, STORE_LABEL};
use crate::api::store_namespace;
use crate::cli::LogsArgs;
use crate::commands::Session;
use crate::error::{Action, Error, Result};

/// Writes the logs of the component's pods to `out`, each line prefixed with
/// the pod's name when there is more than one pod.
pub async fn logs(session: &Session, args: &LogsArgs, out: &mut dyn Write) -> Result<()> {
    // The store must exist and be visible to the caller: that is the permission check
    // a tenant understands, before we look into its workload namespace.
    super::get::get(session, &args.name).await?;
    let namespace = store_namespace(&args.name);
    let pods: Api<Pod> = Api::namespaced(session.client.clone(), &namespace);
    let selector = format!(
        "{STORE_LABEL}={},{COMPONENT}={}",
        args.name,
        args.component.label()
    );
    let list_action = Action {
        verb: "list",
        resource: "pods",
        namespace: &namespace,
        name: None,
    };
    let mut found = pods
        .list(&ListParams::default().labels(&selector))
        .await
        .map_err(|e| list_action.error(e))?
        .items;
    if found.is_empty() {
        return Err(Error::Other(format!(
            "store {:?} has no {} pods yet\nhint: kubectl nexus store get {} shows how far provisioning got",
            args.name,
            args.component.label(),
            args.name
        )));
    }
    found.sort_by(|a, b| a.metadata.name.cmp(&b.metadata.name));
    let prefix = found.len() > 1;
    let log_action = Action {
        verb: "get",
        resource: "pods/log",
        namespace: &namespace,
        name: None,
    };
    let params = LogParams {
        follow: args.follow,
        tail_lines: args.tail,
        ..LogParams::default()
    };
    // Following several pods at once would interleave; follow the newest one.
    let pods_to_read: Vec<String> = if args.follow {
        found
            .last()
            .and_then(|p| p.metadata.name.clone())
            .into_iter()
            .collect()
    } else {
        found
            .iter()
            .filter_map(|p| p.metadata.name.clone())
            .collect()
    };
    for pod in pods_to_read {
        let mut lines = pods
            .log_stream(&pod, &params)
            .await
            .map_err(|e| log_action.error(e))?
            .lines();
        while let Some(line) = lines
            .try_next()
            .await
            .map_err(|e| Error::Api(format!("reading the logs of pod {pod}: {e}")))?
        {
            let written = if prefix {
                writeln!(out, "[{pod}] {line}")
            } else {
                writeln!(out, "{line}")
            };
            written.map_err(crate::error::io_error)?;
        }
    }
    Ok(())
}
