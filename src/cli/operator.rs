//! `kubectl-nexus operator`'s flags, each with an environment variable so the
//! same binary runs from a shell or from the Helm chart, and how they become
//! the operator's checked configuration (`operator::Config`): every value is
//! parsed and checked here, once, before anything starts.

use std::path::PathBuf;
use std::str::FromStr;
use std::time::Duration;

use clap::Args;

use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;

use crate::backup::target::Target;
use crate::operator::concurrency::Concurrency;
use crate::operator::{Config, object_store, shard, webhook};
use crate::settings::{BackupSettings, Plans, Settings, WooCommerceSource, parse_cidr};

#[derive(Args, Debug, Clone)]
pub struct OperatorArgs {
    /// Stores are served at <name>.<base domain> unless they set spec.domain.
    #[arg(long, env = "NEXUS_BASE_DOMAIN", default_value = "localhost")]
    pub base_domain: String,

    /// IngressClass of the stores' Ingresses.
    #[arg(long, env = "NEXUS_INGRESS_CLASS", default_value = "traefik")]
    pub ingress_class: String,

    /// Namespace of the ingress controller, the only one allowed to reach WordPress.
    #[arg(long, env = "NEXUS_INGRESS_NAMESPACE", default_value = "kube-system")]
    pub ingress_namespace: String,

    /// cert-manager ClusterIssuer for the stores' TLS certificates (none: plain HTTP).
    #[arg(long, env = "NEXUS_TLS_ISSUER")]
    pub tls_issuer: Option<String>,

    /// StorageClass of the stores' volumes (default: the cluster's default class).
    #[arg(long, env = "NEXUS_STORAGE_CLASS")]
    pub storage_class: Option<String>,

    /// CIDRs WordPress may not reach even on 80/443: the cluster's pod and service
    /// ranges (comma-separated).
    #[arg(
        long,
        env = "NEXUS_CLUSTER_CIDRS",
        value_delimiter = ',',
        default_value = "10.0.0.0/8,172.16.0.0/12,192.168.0.0/16"
    )]
    pub cluster_cidrs: Vec<String>,

    /// Further CIDRs no store may reach: cloud metadata and provider services
    /// (comma-separated; replaces the default list).
    #[arg(
        long,
        env = "NEXUS_EGRESS_DENY_CIDRS",
        value_delimiter = ',',
        default_value = "169.254.0.0/16,100.64.0.0/10,168.63.129.16/32"
    )]
    pub egress_deny_cidrs: Vec<String>,

    #[arg(
        long,
        env = "NEXUS_WORDPRESS_IMAGE",
        default_value = "docker.io/library/wordpress:6.8.3-php8.3-apache"
    )]
    pub wordpress_image: String,

    #[arg(
        long,
        env = "NEXUS_DATABASE_IMAGE",
        default_value = "docker.io/library/mariadb:11.4.8"
    )]
    pub database_image: String,

    /// The wp-cli image that runs the setup Job.
    #[arg(
        long,
        env = "NEXUS_SETUP_IMAGE",
        default_value = "docker.io/library/wordpress:cli-2.12.0-php8.3"
    )]
    pub setup_image: String,

    /// The WordPress version the WordPress image ships (recorded in the status;
    /// the setup Job takes core from that image).
    #[arg(long, env = "NEXUS_WORDPRESS_VERSION", default_value = "6.8.3")]
    pub wordpress_version: String,

    #[arg(long, env = "NEXUS_WOOCOMMERCE_VERSION", default_value = "10.2.2")]
    pub woocommerce_version: String,

    /// Where the setup Job takes WooCommerce from: `wordpress.org` (the plugin
    /// directory, at --woocommerce-version) or the http(s) URL of a zip the
    /// platform hosts, for clusters without internet access.
    #[arg(
        long,
        env = "NEXUS_WOOCOMMERCE_SOURCE",
        default_value = "wordpress.org",
        value_name = "SOURCE"
    )]
    pub woocommerce_source: String,

    /// YAML file with the plans' quotas and container sizes (default: built in).
    #[arg(long, env = "NEXUS_PLANS_FILE", value_name = "FILE")]
    pub plans_file: Option<PathBuf>,

    /// A new store is Ready only once a shopper's check passed (home page,
    /// a product, a cart), run from a check pod once its Ingress routes.
    /// false: Ready as soon as every part runs (for clusters where check
    /// pods cannot run, such as simulated nodes).
    #[arg(long, env = "NEXUS_CHECK_BEFORE_READY", default_value_t = true, action = clap::ArgAction::Set, value_name = "BOOL")]
    pub check_before_ready: bool,

    /// A store not Ready this long after provisioning started is Failed.
    #[arg(long, env = "NEXUS_PROVISIONING_TIMEOUT", default_value = "10m", value_parser = crate::duration::parse)]
    pub provisioning_timeout: Duration,

    /// How often the leader looks for store namespaces whose Store is gone.
    #[arg(long, env = "NEXUS_ORPHAN_SCAN_INTERVAL", default_value = "5m", value_parser = crate::duration::parse)]
    pub orphan_scan_interval: Duration,

    /// Stores reconciled at once: auto (from 4, between 2 and 32, following
    /// how fast the API server answers and whether it turns requests away)
    /// or a fixed number.
    #[arg(
        long,
        env = "NEXUS_CONCURRENCY",
        default_value = "auto",
        value_name = "auto|N"
    )]
    pub concurrency: Concurrency,

    /// Reconcile only Stores with these labels (sharding, canaries, tests).
    #[arg(long, env = "NEXUS_STORE_SELECTOR", value_name = "SELECTOR")]
    pub store_selector: Option<String>,

    /// Name of the leader-election Lease.
    #[arg(long, env = "NEXUS_LEASE_NAME", default_value = "nexus-operator")]
    pub lease_name: String,

    /// Namespace of the Lease (default: the pod's namespace, else "default").
    #[arg(long, env = "NEXUS_LEASE_NAMESPACE")]
    pub lease_namespace: Option<String>,

    /// This replica's name in the Lease (default: the host name).
    #[arg(long, env = "NEXUS_IDENTITY")]
    pub identity: Option<String>,

    /// Serve admission for Stores (every replica) at this address, over TLS.
    /// Active with --webhook-url or --webhook-service.
    #[arg(long, env = "NEXUS_WEBHOOK_ADDRESS", default_value = "0.0.0.0:9443")]
    pub webhook_address: String,

    /// The https URL the API server calls the webhook at, for an operator
    /// outside the cluster (e.g. https://127.0.0.1:9443).
    #[arg(long, env = "NEXUS_WEBHOOK_URL", conflicts_with = "webhook_service")]
    pub webhook_url: Option<String>,

    /// The operator's Service the API server calls the webhook through
    /// (NAMESPACE/NAME, port 443 to --webhook-address).
    #[arg(long, env = "NEXUS_WEBHOOK_SERVICE", value_name = "NAMESPACE/NAME")]
    pub webhook_service: Option<String>,

    /// Name of the webhook configurations (mutating and validating).
    #[arg(
        long,
        env = "NEXUS_WEBHOOK_CONFIGURATION",
        default_value = "nexus-stores"
    )]
    pub webhook_configuration: String,

    /// The StorePolicy (cluster-scoped) the webhook enforces; none means no restrictions.
    #[arg(long, env = "NEXUS_POLICY", default_value = "default")]
    pub policy: String,

    /// Secret with the webhook's CA and serving certificate, in the lease namespace.
    #[arg(
        long,
        env = "NEXUS_WEBHOOK_SECRET",
        default_value = "nexus-webhook-tls"
    )]
    pub webhook_secret: String,

    /// Secret (lease namespace) with the random token in the webhook's paths:
    /// only the API server, told the paths by the webhook configurations, calls
    /// with it. Made when missing; delete it and restart to change the token.
    #[arg(
        long,
        env = "NEXUS_WEBHOOK_TOKEN_SECRET",
        default_value = "nexus-webhook-token"
    )]
    pub webhook_token_secret: String,

    /// PEM file of the CA that signs the API server's admission client
    /// certificate (given to the API server by its
    /// --admission-control-config-file): the webhook then accepts only TLS
    /// connections with a certificate it signed.
    #[arg(long, env = "NEXUS_WEBHOOK_CLIENT_CA", value_name = "FILE")]
    pub webhook_client_ca: Option<PathBuf>,

    /// Common names accepted on that client certificate (comma-separated or
    /// repeated); empty accepts any certificate the CA signed.
    #[arg(
        long = "webhook-client-name",
        env = "NEXUS_WEBHOOK_CLIENT_NAMES",
        value_delimiter = ',',
        default_value = "kube-apiserver",
        requires = "webhook_client_ca"
    )]
    pub webhook_client_names: Vec<String>,

    /// Store requests a user may make a second at admission, per replica
    /// (the operator, cluster admins and the cluster's own components are not held to it).
    #[arg(long, env = "NEXUS_USER_REQUEST_RATE", default_value_t = 10.0, value_parser = positive_rate)]
    pub user_request_rate: f64,

    /// Store requests a user may make at once before the rate applies.
    #[arg(long, env = "NEXUS_USER_REQUEST_BURST", default_value_t = 50, value_parser = clap::value_parser!(u32).range(1..))]
    pub user_request_burst: u32,

    /// Per namespace and user, the first few refusals of distinct kinds in
    /// this window are recorded one by one; the rest are counted into one
    /// record when it ends.
    #[arg(long, env = "NEXUS_REFUSAL_WINDOW", default_value = "1m", value_parser = crate::duration::parse)]
    pub refusal_window: Duration,

    /// Audit records older than this are pruned (a checkpoint record keeps
    /// the chain verifiable); 0s keeps them forever.
    #[arg(long, env = "NEXUS_AUDIT_RETENTION", default_value = "90d", value_parser = crate::duration::parse)]
    pub audit_retention: Duration,

    /// File holding the bearer token the API server's audit webhook backend
    /// sends to /audit; with it, audit records get the requests' source IPs
    /// and user agents. Without it, /audit is not served.
    #[arg(long, env = "NEXUS_AUDIT_SINK_TOKEN_FILE", value_name = "FILE")]
    pub audit_sink_token_file: Option<PathBuf>,

    /// Apply the CRDs of this version at start (Helm installs a chart's CRDs
    /// but never upgrades them). Needs patch on Nexus's CRDs, by name.
    #[arg(long, env = "NEXUS_MANAGE_CRDS")]
    pub manage_crds: bool,

    /// The webhook configurations are installed by the platform (the Helm
    /// chart): only write the CA into them instead of applying them whole.
    #[arg(long, env = "NEXUS_WEBHOOK_INSTALLED")]
    pub webhook_installed: bool,

    /// Address of /metrics, /healthz and /readyz.
    #[arg(long, env = "NEXUS_METRICS_ADDRESS", default_value = "0.0.0.0:8080")]
    pub metrics_address: String,

    /// The S3-compatible object store backups go to (https://HOST[:PORT],
    /// path-style requests). Without it, backups are not configured.
    #[arg(
        long,
        env = "NEXUS_BACKUP_ENDPOINT",
        value_name = "URL",
        requires_all = ["backup_bucket", "backup_credentials_secret", "backup_recipient"],
        help_heading = "Backups"
    )]
    pub backup_endpoint: Option<String>,

    /// The bucket backups go to (one for the platform; each store's under its UID).
    #[arg(
        long,
        env = "NEXUS_BACKUP_BUCKET",
        value_name = "NAME",
        requires = "backup_endpoint",
        help_heading = "Backups"
    )]
    pub backup_bucket: Option<String>,

    /// The bucket's region, as its signatures name it.
    #[arg(
        long,
        env = "NEXUS_BACKUP_REGION",
        default_value = "us-east-1",
        help_heading = "Backups"
    )]
    pub backup_region: String,

    /// Secret in the operator's namespace with the bucket's key (keys
    /// access-key-id and secret-access-key). Only the operator reads it.
    #[arg(
        long,
        env = "NEXUS_BACKUP_CREDENTIALS_SECRET",
        value_name = "NAME",
        requires = "backup_endpoint",
        help_heading = "Backups"
    )]
    pub backup_credentials_secret: Option<String>,

    /// PEM file of the CA the object store's certificate chains to; then
    /// only it is trusted (default: the system's roots).
    #[arg(
        long,
        env = "NEXUS_BACKUP_CA",
        value_name = "FILE",
        requires = "backup_endpoint",
        help_heading = "Backups"
    )]
    pub backup_ca: Option<PathBuf>,

    /// The platform's age recipient (age1...): every part is encrypted to it
    /// before it leaves the cluster; its identity (the private key) is not
    /// the operator's to hold: restores are given it.
    #[arg(
        long,
        env = "NEXUS_BACKUP_RECIPIENT",
        value_name = "RECIPIENT",
        requires = "backup_endpoint",
        help_heading = "Backups"
    )]
    pub backup_recipient: Option<String>,

    /// The image check, backup and restore Jobs run the agent from (this
    /// version's operator image).
    #[arg(
        long,
        alias = "backup-agent-image",
        env = "NEXUS_AGENT_IMAGE",
        default_value = concat!("nexus.dev/kubectl-nexus:", env!("CARGO_PKG_VERSION"))
    )]
    pub agent_image: String,

    /// Where the object store's addresses are (comma-separated CIDRs): only
    /// backup Jobs may connect there, a store's WordPress never (default:
    /// the endpoint's host resolved at start).
    #[arg(
        long,
        env = "NEXUS_BACKUP_EGRESS_CIDRS",
        value_delimiter = ',',
        value_name = "CIDRS",
        requires = "backup_endpoint",
        help_heading = "Backups"
    )]
    pub backup_egress_cidrs: Vec<String>,
}

fn positive_rate(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(rate) if rate.is_finite() && rate > 0.0 => Ok(rate),
        _ => Err(format!(
            "{text:?} is not a positive number of requests a second (e.g. 10 or 0.5)"
        )),
    }
}

impl OperatorArgs {
    /// The flags as the operator's configuration; the first bad value is
    /// refused naming its flag. Defaults that come from where the operator
    /// runs (its pod's namespace and name) are filled in here.
    pub fn resolve(self) -> Result<Config, String> {
        let settings = settings(&self)?;
        let lease_namespace = self.lease_namespace.clone().unwrap_or_else(pod_namespace);
        let webhook = webhook_config(&self, &lease_namespace, &settings.plans)?;
        let backup = backup_config(&self)?;
        Ok(Config {
            settings,
            webhook,
            identity: self.identity.unwrap_or_else(default_identity),
            lease_name: self.lease_name,
            lease_namespace,
            concurrency: self.concurrency,
            store_selector: self.store_selector,
            orphan_scan_interval: self.orphan_scan_interval,
            audit_retention: self.audit_retention,
            manage_crds: self.manage_crds,
            metrics_address: self.metrics_address,
            backup,
        })
    }
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

/// Where and how the webhook is served; None when neither `--webhook-url`
/// nor `--webhook-service` asks for one.
fn webhook_config(
    args: &OperatorArgs,
    namespace: &str,
    plans: &Plans,
) -> Result<Option<webhook::Config>, String> {
    let client = match (&args.webhook_url, &args.webhook_service) {
        (Some(url), _) => webhook::ClientConfig::url(url)?,
        (None, Some(service)) => webhook::ClientConfig::service(service)?,
        (None, None) => return Ok(None),
    };
    let audit_sink_token = match &args.audit_sink_token_file {
        Some(path) => Some(webhook::sink::read_token(path)?),
        None => None,
    };
    let store_selector = args
        .store_selector
        .as_deref()
        .map(shard::parse)
        .transpose()?;
    let selector_keys = store_selector
        .as_ref()
        .map(shard::keys_of)
        .unwrap_or_default();
    let client_auth = args
        .webhook_client_ca
        .as_deref()
        .map(|path| webhook::ClientAuth::load(path, &args.webhook_client_names))
        .transpose()?;
    Ok(Some(webhook::Config {
        selector_keys,
        token_secret: args.webhook_token_secret.clone(),
        client_auth,
        user_request_rate: args.user_request_rate,
        user_request_burst: args.user_request_burst,
        refusal_window: args.refusal_window,
        plans: plans.clone(),
        address: args.webhook_address.clone(),
        client,
        configuration: args.webhook_configuration.clone(),
        secret_namespace: namespace.to_string(),
        secret: args.webhook_secret.clone(),
        base_domain: args.base_domain.clone(),
        policy: args.policy.clone(),
        audit_sink_token,
        installed: args.webhook_installed,
        // Configurations the chart installed select stores as the chart
        // says (a sharded release: every store, whatever this shard's
        // selector); only those the operator writes whole follow it.
        object_selector: store_selector.filter(|_| !args.webhook_installed),
    }))
}

/// The object store backups go to; None when `--backup-endpoint` is not given.
fn backup_config(args: &OperatorArgs) -> Result<Option<object_store::Config>, String> {
    let (Some(endpoint), Some(bucket), Some(secret)) = (
        &args.backup_endpoint,
        &args.backup_bucket,
        &args.backup_credentials_secret,
    ) else {
        return Ok(None);
    };
    let target = Target::new(endpoint, bucket, &args.backup_region)?;
    let ca = match &args.backup_ca {
        Some(path) => Some(read_ca(path)?.1),
        None => None,
    };
    Ok(Some(object_store::Config {
        target,
        credentials_secret: secret.clone(),
        ca,
    }))
}

/// The `--backup-ca` file: its text and its certificates.
fn read_ca(path: &std::path::Path) -> Result<(String, Vec<CertificateDer<'static>>), String> {
    let shown = path.display();
    let pem = std::fs::read_to_string(path).map_err(|e| format!("--backup-ca {shown}: {e}"))?;
    let certs = CertificateDer::pem_slice_iter(pem.as_bytes())
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| format!("--backup-ca {shown}: not PEM certificates: {e}"))?;
    if certs.is_empty() {
        return Err(format!(
            "--backup-ca {shown} holds no certificate (a PEM file of the CA that signs the object store's certificate)"
        ));
    }
    Ok((pem, certs))
}

/// What backup Jobs run with; None without `--backup-endpoint`.
fn backup_settings(args: &OperatorArgs) -> Result<Option<BackupSettings>, String> {
    let (Some(endpoint), Some(recipient)) = (&args.backup_endpoint, &args.backup_recipient) else {
        return Ok(None);
    };
    let target = Target::new(
        endpoint,
        args.backup_bucket.as_deref().unwrap_or_default(),
        &args.backup_region,
    )?;
    let recipient = recipient.trim();
    age::x25519::Recipient::from_str(recipient).map_err(|e| {
        format!(
            "--backup-recipient: not an age X25519 recipient (age1..., from `age-keygen -y`): {e}"
        )
    })?;
    let object_store_cidrs = if args.backup_egress_cidrs.is_empty() {
        resolve_host(&target.host, target.port)?
    } else {
        args.backup_egress_cidrs
            .iter()
            .map(|c| parse_cidr(c).map_err(|e| format!("--backup-egress-cidrs: {e}")))
            .collect::<Result<_, _>>()?
    };
    Ok(Some(BackupSettings {
        agent_image: args.agent_image.clone(),
        recipient: recipient.to_string(),
        object_store_cidrs,
        object_store_port: target.port,
        ca_pem: args
            .backup_ca
            .as_deref()
            .map(read_ca)
            .transpose()?
            .map(|(pem, _)| pem),
    }))
}

/// The object store host's addresses as single-address CIDRs.
fn resolve_host(host: &str, port: u16) -> Result<Vec<String>, String> {
    use std::net::ToSocketAddrs;
    let addresses = (host, port).to_socket_addrs().map_err(|e| {
        format!("--backup-endpoint: cannot resolve {host}: {e}; give the object store's addresses with --backup-egress-cidrs")
    })?;
    let mut cidrs: Vec<String> = addresses
        .map(|a| match a.ip() {
            std::net::IpAddr::V4(ip) => format!("{ip}/32"),
            std::net::IpAddr::V6(ip) => format!("{ip}/128"),
        })
        .collect();
    cidrs.sort();
    cidrs.dedup();
    Ok(cidrs)
}

/// The operator's flags as the settings the builders read, checked once.
fn settings(args: &OperatorArgs) -> Result<Settings, String> {
    let plans = match &args.plans_file {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .map_err(|e| format!("cannot read the plans file {}: {e}", path.display()))?;
            serde_yaml::from_str(&text)
                .map_err(|e| format!("the plans file {} is not valid: {e}", path.display()))?
        }
        None => Plans::default(),
    };
    plans.check().map_err(|e| match &args.plans_file {
        Some(path) => format!("the plans file {}: {e}", path.display()),
        None => e,
    })?;
    let cidrs = |flag: &str, list: &[String]| {
        list.iter()
            .map(|c| parse_cidr(c).map_err(|e| format!("--{flag}: {e}")))
            .collect::<Result<Vec<_>, _>>()
    };
    Ok(Settings {
        base_domain: args.base_domain.clone(),
        ingress_class: args.ingress_class.clone(),
        ingress_namespace: args.ingress_namespace.clone(),
        tls_issuer: args.tls_issuer.clone(),
        storage_class: args.storage_class.clone(),
        cluster_cidrs: cidrs("cluster-cidrs", &args.cluster_cidrs)?,
        egress_deny_cidrs: cidrs("egress-deny-cidrs", &args.egress_deny_cidrs)?,
        wordpress_image: args.wordpress_image.clone(),
        database_image: args.database_image.clone(),
        setup_image: args.setup_image.clone(),
        agent_image: args.agent_image.clone(),
        wordpress_version: args.wordpress_version.clone(),
        woocommerce_version: args.woocommerce_version.clone(),
        woocommerce_source: WooCommerceSource::parse(&args.woocommerce_source)
            .map_err(|e| format!("--woocommerce-source: {e}"))?,
        plans,
        provisioning_timeout: args.provisioning_timeout,
        check_before_ready: args.check_before_ready,
        shard_keys: match &args.store_selector {
            Some(selector) => shard::selector_keys(selector)?,
            None => Vec::new(),
        },
        backup: backup_settings(args)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    struct Wrapper {
        #[command(flatten)]
        args: OperatorArgs,
    }

    #[test]
    fn plans_come_from_a_file_when_given() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("plans.yaml");
        let mut plans = Plans::default();
        plans.small.cpu = "1500m".into();
        std::fs::write(&file, serde_yaml::to_string(&plans).unwrap()).unwrap();
        let wrapper = Wrapper::parse_from([
            "x",
            "--plans-file",
            file.to_str().unwrap(),
            "--provisioning-timeout",
            "90s",
        ]);
        let resolved = settings(&wrapper.args).unwrap();
        assert_eq!(resolved.plans.small.cpu, "1500m");
        assert_eq!(resolved.provisioning_timeout, Duration::from_secs(90));

        // A plan its own containers do not fit is refused at start, naming it.
        plans.small.cpu = "500m".into();
        std::fs::write(&file, serde_yaml::to_string(&plans).unwrap()).unwrap();
        let err = settings(&wrapper.args).unwrap_err();
        assert!(
            err.ends_with("plan small: its database, WordPress and setup containers need 900m CPU and 1024 MiB together, more than its cpu 500m and memory 1Gi"),
            "{err}"
        );

        std::fs::write(&file, "small: {cpu: 1}").unwrap();
        let err = settings(&wrapper.args).unwrap_err();
        assert!(err.contains("is not valid"), "{err}");
    }

    #[test]
    fn bad_cidrs_and_sources_are_refused_at_start() {
        let wrapper = Wrapper::parse_from(["x", "--egress-deny-cidrs", "169.254.0.0/16,metadata"]);
        let err = settings(&wrapper.args).unwrap_err();
        assert!(
            err.starts_with("--egress-deny-cidrs: \"metadata\" is not a CIDR"),
            "{err}"
        );
        let wrapper = Wrapper::parse_from(["x", "--woocommerce-source", "ftp://x/w.zip"]);
        assert!(
            settings(&wrapper.args)
                .unwrap_err()
                .starts_with("--woocommerce-source:")
        );
        let wrapper = Wrapper::parse_from(["x", "--egress-deny-cidrs", "192.0.2.0/24"]);
        assert_eq!(
            settings(&wrapper.args).unwrap().egress_deny_cidrs,
            ["192.0.2.0/24"]
        );
    }
}
