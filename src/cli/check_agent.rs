//! `kubectl-nexus check-agent`'s flags (hidden: the operator runs it in a
//! store's check pod).

use std::path::PathBuf;
use std::time::Duration;

use clap::Args;

#[derive(Args, Debug, Clone)]
pub struct CheckAgentArgs {
    /// host:port of the store's WordPress Service.
    #[arg(long, value_name = "HOST:PORT")]
    pub service: String,

    /// The store's URL: its host and scheme are sent as the Ingress sends them.
    #[arg(long, value_name = "URL")]
    pub url: String,

    /// How long one request may take.
    #[arg(long, value_name = "DURATION", default_value = "15s", value_parser = crate::duration::parse)]
    pub timeout: Duration,

    /// How long the first connection is tried again while it is refused:
    /// the network plugin programs a new pod's NetworkPolicies after it
    /// starts.
    #[arg(long, value_name = "DURATION", default_value = "20s", value_parser = crate::duration::parse)]
    pub connect_grace: Duration,

    /// Also buy the store's check product with Cash on Delivery.
    #[arg(long)]
    pub checkout: bool,

    /// The store's check token (its Secret `check-token`), sent with every
    /// request of the checkout: the store sells its check product only to
    /// a request that carries it.
    #[arg(
        long,
        env = "NEXUS_CHECK_TOKEN",
        hide_env_values = true,
        value_name = "TOKEN"
    )]
    pub check_token: Option<String>,

    /// Where the report goes as well as to standard output (the pod's
    /// termination message, which the operator reads).
    #[arg(long, value_name = "FILE", default_value = "/dev/termination-log")]
    pub report_file: PathBuf,
}
