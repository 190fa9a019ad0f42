use serde::Serialize;

use crate::cli::GlobalArgs;
use crate::commands::Session;

#[derive(Serialize, Debug, Clone, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct VersionInfo {
    pub client_version: String,
    /// The commit the binary was built from.
    pub git_commit: String,
    /// When that commit was made (or the release build's date).
    pub build_date: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub server_version: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub server_error: Option<String>,
}

/// The client version always; the server's when it can be reached.
pub async fn version(global: &GlobalArgs) -> VersionInfo {
    let mut info = VersionInfo {
        client_version: env!("CARGO_PKG_VERSION").to_string(),
        git_commit: env!("NEXUS_GIT_COMMIT").to_string(),
        build_date: env!("NEXUS_BUILD_DATE").to_string(),
        server_version: None,
        server_error: None,
    };
    let server = async {
        let session = Session::connect(global).await?;
        session
            .client
            .apiserver_version()
            .await
            .map_err(|e| crate::error::Error::Unreachable(crate::error::chain(&e)))
    };
    match tokio::time::timeout(std::time::Duration::from_secs(10), server).await {
        Ok(Ok(v)) => info.server_version = Some(v.git_version),
        Ok(Err(e)) => {
            info.server_error = Some(e.to_string().lines().next().unwrap_or_default().to_string())
        }
        Err(_) => info.server_error = Some("no answer within 10s".into()),
    }
    info
}
