//! What the operator is configured with, as pure data: the plans and the
//! settings every builder reads. No I/O and no CLI types: the operator turns
//! its flags into these once at start.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::api::Plan;
use crate::quantity::{add_cpu, add_memory, bytes, millicores};

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

impl PlanSpec {
    /// The store's CPU quota: the plan's, plus room for one WordPress pod
    /// more. A WordPress pod that is deleted or evicted is replaced at once,
    /// while it still stops and counts; the database's is replaced only once
    /// the old one is gone (a StatefulSet), and the setup Job is in the plan.
    pub fn quota_cpu(&self) -> String {
        add_cpu(&[&self.cpu, &self.wordpress.cpu]).unwrap_or_else(|_| self.cpu.clone())
    }

    /// The store's memory quota, for the same reason as `quota_cpu`.
    pub fn quota_memory(&self) -> String {
        add_memory(&[&self.memory, &self.wordpress.memory]).unwrap_or_else(|_| self.memory.clone())
    }
}

impl Plans {
    /// Every quantity is one the quota can be computed from, and each plan's
    /// containers fit it with the setup Job running.
    pub fn check(&self) -> Result<(), String> {
        for (name, plan) in [
            ("small", &self.small),
            ("medium", &self.medium),
            ("large", &self.large),
        ] {
            let at = |field: &str| {
                let field = field.to_string();
                move |e: String| format!("plan {name}, {field}: {e}")
            };
            let cpu = millicores(&plan.cpu).map_err(at("cpu"))?;
            let memory = bytes(&plan.memory).map_err(at("memory"))?;
            bytes(&plan.storage).map_err(at("storage"))?;
            let mut used_cpu = 0;
            let mut used_memory = 0;
            for (container, size) in [
                ("database", &plan.database),
                ("wordpress", &plan.wordpress),
                ("setup", &plan.setup),
            ] {
                used_cpu += millicores(&size.cpu).map_err(at(&format!("{container}.cpu")))?;
                used_memory += bytes(&size.memory).map_err(at(&format!("{container}.memory")))?;
            }
            if used_cpu > cpu || used_memory > memory {
                return Err(format!(
                    "plan {name}: its database, WordPress and setup containers need {used_cpu}m CPU and {} MiB together, more than its cpu {} and memory {}",
                    used_memory >> 20,
                    plan.cpu,
                    plan.memory
                ));
            }
        }
        Ok(())
    }

    pub fn get(&self, plan: Plan) -> &PlanSpec {
        match plan {
            Plan::Small => &self.small,
            Plan::Medium => &self.medium,
            Plan::Large => &self.large,
        }
    }
}

/// Where the setup Job takes WooCommerce from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WooCommerceSource {
    /// The wordpress.org plugin directory, at the pinned version.
    Directory,
    /// A zip the platform hosts (air-gapped clusters); it must hold the pinned version.
    Zip(String),
}

impl WooCommerceSource {
    /// `wordpress.org` or an http(s) URL of a zip.
    pub fn parse(text: &str) -> Result<Self, String> {
        let text = text.trim();
        if text == "wordpress.org" {
            return Ok(WooCommerceSource::Directory);
        }
        // Plain URL characters only: no quotes, `$`, backticks or spaces, so
        // the value stays harmless wherever it is shown or used.
        let is_url = (text.starts_with("https://") || text.starts_with("http://"))
            && text.len() <= 2048
            && text
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "-._~:/?#[]@!&*+,;=%".contains(c));
        if is_url && text.ends_with(".zip") {
            Ok(WooCommerceSource::Zip(text.to_string()))
        } else {
            Err(format!(
                "{text:?} is not a WooCommerce source: use wordpress.org or the http(s) URL of a plugin zip, such as https://mirror.example.com/woocommerce.10.2.2.zip"
            ))
        }
    }

    /// What the setup script receives: empty for the plugin directory.
    pub fn as_env(&self) -> &str {
        match self {
            WooCommerceSource::Directory => "",
            WooCommerceSource::Zip(url) => url,
        }
    }
}

/// Addresses no store may reach, whatever its port: link-local (cloud
/// metadata on every provider), carrier-grade NAT (Alibaba's metadata, some
/// providers' internal services) and Azure's wire server.
pub const DEFAULT_EGRESS_DENY: [&str; 3] = ["169.254.0.0/16", "100.64.0.0/10", "168.63.129.16/32"];

/// Everything the builders need, resolved once at start.
#[derive(Debug, Clone)]
pub struct Settings {
    pub base_domain: String,
    pub ingress_class: String,
    pub ingress_namespace: String,
    pub tls_issuer: Option<String>,
    pub storage_class: Option<String>,
    /// The cluster's pod and service ranges: not reachable from a store.
    pub cluster_cidrs: Vec<String>,
    /// Further ranges not reachable from a store (metadata services).
    pub egress_deny_cidrs: Vec<String>,
    pub wordpress_image: String,
    pub database_image: String,
    pub setup_image: String,
    /// The image with `kubectl-nexus` for the pods that run its agents
    /// (checks, backups): the operator's own.
    pub agent_image: String,
    pub wordpress_version: String,
    pub woocommerce_version: String,
    pub woocommerce_source: WooCommerceSource,
    pub plans: Plans,
    pub provisioning_timeout: Duration,
    /// A new store is Ready only once a check as a shopper passed.
    pub check_before_ready: bool,
    /// The label keys of the operator's store selector: each child of a
    /// store carries the Store's values for them (see `operator::shard`).
    pub shard_keys: Vec<String>,
    /// What backup Jobs run with; None when backups are not configured.
    pub backup: Option<BackupSettings>,
}

/// What a store's backup Jobs need to know (never a key: the object store's
/// stays with the operator, the Jobs get presigned URLs).
#[derive(Debug, Clone, PartialEq)]
pub struct BackupSettings {
    /// The image with `kubectl-nexus backup-agent` (the operator's own).
    pub agent_image: String,
    /// The platform's age recipient: parts are encrypted to it.
    pub recipient: String,
    /// Where the object store listens: only backup pods may connect there,
    /// and WordPress never.
    pub object_store_cidrs: Vec<String>,
    pub object_store_port: u16,
    /// PEM of the CA the object store's certificate chains to.
    pub ca_pem: Option<String>,
}

impl Settings {
    /// Settings as the unit tests of the builders use them.
    pub fn for_tests() -> Self {
        Settings {
            base_domain: "shops.example.com".into(),
            ingress_class: "traefik".into(),
            ingress_namespace: "kube-system".into(),
            tls_issuer: None,
            storage_class: None,
            cluster_cidrs: vec!["10.0.0.0/8".into()],
            egress_deny_cidrs: DEFAULT_EGRESS_DENY.map(String::from).to_vec(),
            wordpress_image: "wordpress:test".into(),
            database_image: "mariadb:test".into(),
            setup_image: "wpcli:test".into(),
            agent_image: "nexus.dev/kubectl-nexus:test".into(),
            wordpress_version: "6.8.3".into(),
            woocommerce_version: "10.2.2".into(),
            woocommerce_source: WooCommerceSource::Directory,
            plans: Plans::default(),
            provisioning_timeout: Duration::from_secs(600),
            check_before_ready: true,
            shard_keys: Vec::new(),
            backup: None,
        }
    }

    /// Every CIDR a store's egress to the internet leaves out.
    pub fn egress_except(&self) -> Vec<String> {
        let mut except = self.egress_deny_cidrs.clone();
        except.extend(self.cluster_cidrs.iter().cloned());
        // A store's own pods never reach the object store (only its backup Jobs do).
        if let Some(backup) = &self.backup {
            except.extend(backup.object_store_cidrs.iter().cloned());
        }
        except.dedup();
        except
    }
}

/// A CIDR as NetworkPolicy ipBlocks take it: an IPv4 or IPv6 address and a
/// prefix length that fits it.
pub fn parse_cidr(text: &str) -> Result<String, String> {
    let text = text.trim();
    let bad = || format!("{text:?} is not a CIDR such as 169.254.0.0/16 or fd00::/8");
    let (address, prefix) = text.split_once('/').ok_or_else(bad)?;
    let prefix: u8 = prefix.parse().map_err(|_| bad())?;
    let max = match address.parse::<std::net::IpAddr>().map_err(|_| bad())? {
        std::net::IpAddr::V4(_) => 32,
        std::net::IpAddr::V6(_) => 128,
    };
    if prefix > max {
        return Err(bad());
    }
    Ok(text.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_plan_fits_its_quota_with_the_setup_job_running() {
        assert_eq!(Plans::default().check(), Ok(()));
        let mut plans = Plans::default();
        plans.small.wordpress.cpu = "800m".into();
        assert_eq!(
            plans.check(),
            Err("plan small: its database, WordPress and setup containers need 1300m CPU and 1024 MiB together, more than its cpu 1 and memory 1Gi".into())
        );
        let mut plans = Plans::default();
        plans.medium.setup.memory = "lots".into();
        assert!(
            plans
                .check()
                .unwrap_err()
                .starts_with("plan medium, setup.memory: \"lots\" is not a memory quantity")
        );
    }

    #[test]
    fn the_quota_leaves_room_for_a_replacement_wordpress_pod() {
        let small = &Plans::default().small;
        assert_eq!(small.quota_cpu(), "1400m");
        assert_eq!(small.quota_memory(), "1408Mi");
    }

    #[test]
    fn woocommerce_comes_from_the_directory_or_a_hosted_zip() {
        assert_eq!(
            WooCommerceSource::parse("wordpress.org"),
            Ok(WooCommerceSource::Directory)
        );
        let zip = "https://mirror.example.com/woocommerce.10.2.2.zip";
        assert_eq!(
            WooCommerceSource::parse(zip),
            Ok(WooCommerceSource::Zip(zip.into()))
        );
        for bad in [
            "",
            "ftp://x/woocommerce.zip",
            "https://x/woo.tar.gz",
            "https://x/a b.zip",
            "https://x/$(id).zip\n",
        ] {
            let err = WooCommerceSource::parse(bad).unwrap_err();
            assert!(err.contains("wordpress.org or the http(s) URL"), "{err}");
        }
    }

    #[test]
    fn cidrs_are_checked() {
        assert_eq!(parse_cidr("169.254.0.0/16"), Ok("169.254.0.0/16".into()));
        assert!(parse_cidr("fd00::/8").is_ok());
        for bad in ["169.254.0.0", "169.254.0.0/33", "metadata/32", "1.2.3.4/x"] {
            assert!(parse_cidr(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn egress_leaves_out_metadata_and_the_cluster() {
        let settings = Settings::for_tests();
        assert_eq!(
            settings.egress_except(),
            [
                "169.254.0.0/16",
                "100.64.0.0/10",
                "168.63.129.16/32",
                "10.0.0.0/8"
            ]
        );
    }
}
