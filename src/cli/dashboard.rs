//! `kubectl nexus dashboard`'s flags.

use std::net::IpAddr;

use clap::Args;

#[derive(Args, Debug, Clone)]
pub struct DashboardArgs {
    /// The port to serve on (0: any free one).
    #[arg(long, default_value_t = 0, value_name = "N")]
    pub port: u16,

    /// The address to serve on. Only this machine reaches the default.
    #[arg(long, default_value = "127.0.0.1", value_name = "IP")]
    pub address: IpAddr,

    /// Serve on an address other machines reach (the dashboard acts with
    /// your credentials: whoever first opens its printed address does too).
    #[arg(long)]
    pub allow_remote: bool,

    /// Print the address only; do not open a browser.
    #[arg(long)]
    pub no_browser: bool,

    /// Where the operator keeps each audit chain's anchor (its own
    /// namespace): a store's page compares the chain with it when you may
    /// read it, as `kubectl nexus audit --verify` does.
    #[arg(
        long,
        value_name = "NAMESPACE",
        env = "NEXUS_PLATFORM_NAMESPACE",
        default_value = "nexus-system"
    )]
    pub platform_namespace: String,
}
