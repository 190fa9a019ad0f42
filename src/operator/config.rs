//! How the operator is configured: flags, each with an environment variable,
//! so the same binary runs from a shell or from the Helm chart.

use std::path::PathBuf;
use std::time::Duration;

use clap::Args;
use serde::{Deserialize, Serialize};

use crate::api::Plan;
use crate::cli::duration;

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
    /// ranges (comma-separated). The cloud metadata address is always excluded.
    #[arg(
        long,
        env = "NEXUS_CLUSTER_CIDRS",
        value_delimiter = ',',
        default_value = "10.0.0.0/8,172.16.0.0/12,192.168.0.0/16"
    )]
    pub cluster_cidrs: Vec<String>,

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

    /// WordPress core version the setup Job installs (matches the WordPress image).
    #[arg(long, env = "NEXUS_WORDPRESS_VERSION", default_value = "6.8.3")]
    pub wordpress_version: String,

    #[arg(long, env = "NEXUS_WOOCOMMERCE_VERSION", default_value = "10.2.2")]
    pub woocommerce_version: String,

    /// YAML file with the plans' quotas and container sizes (default: built in).
    #[arg(long, env = "NEXUS_PLANS_FILE", value_name = "FILE")]
    pub plans_file: Option<PathBuf>,

    /// A store not Ready this long after provisioning started is Failed.
    #[arg(long, env = "NEXUS_PROVISIONING_TIMEOUT", default_value = "10m", value_parser = duration::parse)]
    pub provisioning_timeout: Duration,

    /// Stores reconciled at once.
    #[arg(long, env = "NEXUS_CONCURRENCY", default_value_t = 4)]
    pub concurrency: u16,

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

    /// Address of /metrics, /healthz and /readyz.
    #[arg(long, env = "NEXUS_METRICS_ADDRESS", default_value = "0.0.0.0:8080")]
    pub metrics_address: String,
}

/// Quota and container sizes of one plan.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct PlanSpec {
    /// ResourceQuota: total CPU and memory (requests and limits) of the namespace.
    pub cpu: String,
    pub memory: String,
    /// ResourceQuota: total storage requested by claims.
    pub storage: String,
    pub database: ContainerSize,
    pub wordpress: ContainerSize,
    pub setup: ContainerSize,
    pub database_volume: String,
    pub wordpress_volume: String,
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct ContainerSize {
    pub cpu: String,
    pub memory: String,
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct Plans {
    pub small: PlanSpec,
    pub medium: PlanSpec,
    pub large: PlanSpec,
}

fn size(cpu: &str, memory: &str) -> ContainerSize {
    ContainerSize {
        cpu: cpu.into(),
        memory: memory.into(),
    }
}

impl Default for Plans {
    /// Each plan's containers fit its quota with the setup Job running.
    fn default() -> Self {
        Plans {
            small: PlanSpec {
                cpu: "1".into(),
                memory: "1Gi".into(),
                storage: "10Gi".into(),
                database: size("300m", "384Mi"),
                wordpress: size("400m", "384Mi"),
                setup: size("200m", "256Mi"),
                database_volume: "2Gi".into(),
                wordpress_volume: "2Gi".into(),
            },
            medium: PlanSpec {
                cpu: "2".into(),
                memory: "2Gi".into(),
                storage: "25Gi".into(),
                database: size("700m", "768Mi"),
                wordpress: size("900m", "1Gi"),
                setup: size("200m", "256Mi"),
                database_volume: "5Gi".into(),
                wordpress_volume: "10Gi".into(),
            },
            large: PlanSpec {
                cpu: "4".into(),
                memory: "4Gi".into(),
                storage: "60Gi".into(),
                database: size("1500m", "1536Mi"),
                wordpress: size("2", "2304Mi"),
                setup: size("200m", "256Mi"),
                database_volume: "20Gi".into(),
                wordpress_volume: "20Gi".into(),
            },
        }
    }
}

impl Plans {
    pub fn get(&self, plan: Plan) -> &PlanSpec {
        match plan {
            Plan::Small => &self.small,
            Plan::Medium => &self.medium,
            Plan::Large => &self.large,
        }
    }
}

/// Everything the builders need, resolved once at start.
#[derive(Debug, Clone)]
pub struct Settings {
    pub base_domain: String,
    pub ingress_class: String,
    pub ingress_namespace: String,
    pub tls_issuer: Option<String>,
    pub storage_class: Option<String>,
    pub cluster_cidrs: Vec<String>,
    pub wordpress_image: String,
    pub database_image: String,
    pub setup_image: String,
    pub wordpress_version: String,
    pub woocommerce_version: String,
    pub plans: Plans,
    pub provisioning_timeout: Duration,
}

impl Settings {
    pub fn from_args(args: &OperatorArgs) -> Result<Self, String> {
        let plans = match &args.plans_file {
            Some(path) => {
                let text = std::fs::read_to_string(path)
                    .map_err(|e| format!("cannot read the plans file {}: {e}", path.display()))?;
                serde_yaml::from_str(&text)
                    .map_err(|e| format!("the plans file {} is not valid: {e}", path.display()))?
            }
            None => Plans::default(),
        };
        Ok(Settings {
            base_domain: args.base_domain.clone(),
            ingress_class: args.ingress_class.clone(),
            ingress_namespace: args.ingress_namespace.clone(),
            tls_issuer: args.tls_issuer.clone(),
            storage_class: args.storage_class.clone(),
            cluster_cidrs: args.cluster_cidrs.clone(),
            wordpress_image: args.wordpress_image.clone(),
            database_image: args.database_image.clone(),
            setup_image: args.setup_image.clone(),
            wordpress_version: args.wordpress_version.clone(),
            woocommerce_version: args.woocommerce_version.clone(),
            plans,
            provisioning_timeout: args.provisioning_timeout,
        })
    }

    /// Settings as the unit tests of the builders use them.
    pub fn for_tests() -> Self {
        Settings {
            base_domain: "shops.example.com".into(),
            ingress_class: "traefik".into(),
            ingress_namespace: "kube-system".into(),
            tls_issuer: None,
            storage_class: None,
            cluster_cidrs: vec!["10.0.0.0/8".into()],
            wordpress_image: "wordpress:test".into(),
            database_image: "mariadb:test".into(),
            setup_image: "wpcli:test".into(),
            wordpress_version: "6.8.3".into(),
            woocommerce_version: "10.2.2".into(),
            plans: Plans::default(),
            provisioning_timeout: Duration::from_secs(600),
        }
    }
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
        plans.small.cpu = "500m".into();
        std::fs::write(&file, serde_yaml::to_string(&plans).unwrap()).unwrap();
        let wrapper = Wrapper::parse_from([
            "x",
            "--plans-file",
            file.to_str().unwrap(),
            "--provisioning-timeout",
            "90s",
        ]);
        let settings = Settings::from_args(&wrapper.args).unwrap();
        assert_eq!(settings.plans.small.cpu, "500m");
        assert_eq!(settings.provisioning_timeout, Duration::from_secs(90));

        std::fs::write(&file, "small: {cpu: 1}").unwrap();
        let err = Settings::from_args(&wrapper.args).unwrap_err();
        assert!(err.contains("is not valid"), "{err}");
    }

    #[test]
    fn each_plan_fits_its_quota_with_the_setup_job_running() {
        let cpu = |q: &str| {
            q.strip_suffix('m').map_or_else(
                || q.parse::<f64>().unwrap(),
                |m| m.parse::<f64>().unwrap() / 1000.0,
            )
        };
        let mib = |q: &str| {
            q.strip_suffix("Gi").map_or_else(
                || q.trim_end_matches("Mi").parse::<f64>().unwrap(),
                |g| g.parse::<f64>().unwrap() * 1024.0,
            )
        };
        let plans = Plans::default();
        for plan in [&plans.small, &plans.medium, &plans.large] {
            let used_cpu =
                cpu(&plan.database.cpu) + cpu(&plan.wordpress.cpu) + cpu(&plan.setup.cpu);
            let used_mem =
                mib(&plan.database.memory) + mib(&plan.wordpress.memory) + mib(&plan.setup.memory);
            assert!(used_cpu <= cpu(&plan.cpu), "{plan:?}");
            assert!(used_mem <= mib(&plan.memory), "{plan:?}");
        }
    }
}
