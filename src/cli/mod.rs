//! The command line, as clap types only: no I/O here, so completions and man
//! pages need nothing but `Cli::command()`.

pub mod backup_agent;
pub mod check_agent;
pub mod dashboard;
pub mod operator;
pub mod restore_agent;

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::api::Plan;
use crate::api::audit::AuditAction;

/// Provision and manage WooCommerce stores on Kubernetes.
#[derive(Parser, Debug)]
#[command(
    name = "kubectl-nexus",
    bin_name = "kubectl nexus",
    version,
    propagate_version = true,
    after_help = "Exit codes: 0 success, 1 failure, 2 usage error, 3 a --wait timed out.\nDocs: README.md and docs/ of the Nexus repository."
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,

    #[command(subcommand)]
    pub command: Command,
}

/// Options every command takes, as in kubectl.
#[derive(Args, Debug, Clone, Default)]
pub struct GlobalArgs {
    /// Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config).
    #[arg(long, global = true, value_name = "FILE")]
    pub kubeconfig: Option<PathBuf>,

    /// The kubeconfig context to use.
    #[arg(long, global = true, value_name = "NAME")]
    pub context: Option<String>,

    /// The namespace to act in (default: the context's namespace, then "default").
    #[arg(short = 'n', long, global = true, value_name = "NAMESPACE")]
    pub namespace: Option<String>,

    /// Output format.
    #[arg(short = 'o', long, global = true, value_enum, default_value_t = OutputFormat::Table)]
    pub output: OutputFormat,
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OutputFormat {
    /// A human-readable table.
    #[default]
    Table,
    /// The table with more columns.
    Wide,
    Json,
    Yaml,
    /// Only resource names, one a line (kind/name).
    Name,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Create, inspect and delete stores.
    #[command(subcommand)]
    Store(StoreCommand),

    /// Show who did what to stores: the audit records, oldest first.
    #[command(
        after_help = "Examples:\n  kubectl nexus audit                       # every store in the namespace\n  kubectl nexus audit shop --since 24h\n  kubectl nexus audit -A --user alice --action delete\n  kubectl nexus audit --verify              # exit 1 when a record was deleted or replaced\n  kubectl nexus audit -f                    # keep printing new records"
    )]
    Audit(AuditArgs),

    /// Show your store limits and usage, and a store's resource quota.
    #[command(
        after_help = "Examples:\n  kubectl nexus quota              # your limits and usage in this namespace\n  kubectl nexus quota shop         # and the store's ResourceQuota\n  kubectl nexus quota --user alice # an admin asks about alice"
    )]
    Quota(QuotaArgs),

    /// Install the platform without Helm: print its manifests, or apply them.
    #[command(
        after_help = "The manifests are the Helm chart's (charts/nexus) with its default values, in namespace nexus-system.\n\nExamples:\n  kubectl nexus install > nexus.yaml      # review, then kubectl apply --server-side -f nexus.yaml\n  kubectl nexus install --dry-run         # what applying would change in the cluster\n  kubectl nexus install --apply"
    )]
    Install(InstallArgs),

    /// See the fleet and each store in your browser, as you.
    #[command(
        after_help = "Served from this binary on this machine (every page and script is in it; it works offline) and acting with your kubeconfig identity, so you see and may do exactly what the CLI lets you. It prints its address with a token made for this run and opens your browser where there is a desktop. Only your browser gets in: it answers only to its own address, refuses other sites' pages, and every change needs the page's CSRF token.\n\nExamples:\n  kubectl nexus dashboard\n  kubectl nexus dashboard --port 8765 --no-browser"
    )]
    Dashboard(dashboard::DashboardArgs),

    /// Print the client version and, when reachable, the server version.
    Version,

    /// Run the operator that provisions stores (in the cluster or from here).
    Operator(Box<operator::OperatorArgs>),

    /// Write the generated files: CRDs, shell completions, man pages.
    #[command(hide = true)]
    Generate(GenerateArgs),

    /// Take one backup inside a backup Job (the operator runs it).
    #[command(hide = true)]
    BackupAgent(Box<backup_agent::BackupAgentArgs>),

    /// Fetch, check and open one backup inside a restore Job (the operator
    /// runs it).
    #[command(hide = true)]
    RestoreAgent(Box<restore_agent::RestoreAgentArgs>),

    /// Shop once at a store as a guest inside its check pod (the operator
    /// runs it).
    #[command(hide = true)]
    CheckAgent(check_agent::CheckAgentArgs),
}

#[derive(Subcommand, Debug)]
pub enum StoreCommand {
    /// Create a store.
    #[command(
        after_help = "Examples:\n  kubectl nexus store create demo\n  kubectl nexus store create shop --plan medium --admin-email owner@example.com --wait --timeout 15m\n  kubectl nexus store create demo --dry-run -o yaml"
    )]
    Create(CreateArgs),

    /// List stores in the namespace, or in all namespaces with -A.
    #[command(alias = "ls")]
    List(ListArgs),

    /// Show a store: phase, conditions, URL, credentials reference, recent events.
    #[command(alias = "describe")]
    Get(NameArg),

    /// Delete a store and everything provisioned for it.
    #[command(alias = "rm")]
    Delete(DeleteArgs),

    /// Print the logs of a store's pods.
    Logs(LogsArgs),

    /// Print a store's WordPress admin credentials (they are secret).
    Credentials(CredentialsArgs),

    /// Provision a Failed store again, or every Failed store.
    #[command(
        after_help = "Examples:\n  kubectl nexus store retry shop\n  kubectl nexus store retry --all-failed      # every Failed store in the namespace\n  kubectl nexus store retry --all-failed -A   # in every namespace you may list"
    )]
    Retry(RetryArgs),

    /// Change a store: its plan, domain, settings or labels.
    #[command(
        after_help = "Only what you name changes; the rest stays as it is. Written with server-side apply as field manager kubectl-nexus: a field another manager set (someone's kubectl apply) is not changed unless you pass --force-conflicts.\n\nExamples:\n  kubectl nexus store update shop --plan medium --wait\n  kubectl nexus store update shop --domain shop.example.com --dry-run\n  kubectl nexus store update shop --default-domain\n  kubectl nexus store update shop -l tier=gold -l campaign-"
    )]
    Update(UpdateArgs),

    /// Stop a store's WordPress and database, keeping every byte.
    #[command(
        after_help = "The store's host stays its own while it is suspended, and its address answers 503 Service Unavailable (a temporary answer: browsers and search engines come back). Backups are not taken while it is suspended.\n\nExamples:\n  kubectl nexus store suspend shop --wait\n  kubectl nexus store resume shop --wait"
    )]
    Suspend(SuspendArgs),

    /// Start a suspended store again.
    Resume(SuspendArgs),

    /// Shop at a store once as a guest would, and say what worked.
    #[command(
        after_help = "The operator sends a shopper from a short-lived pod in the store's namespace to its WordPress Service, with the store's host: the home page must be the shop, the Store API must list a product a guest can buy, and that product must go into a cart (which is emptied again; nothing is ordered). With --checkout a guest then buys the store's check product (private, free, virtual: no stock moves) with Cash on Delivery; the store sells it only to the check, sends no email for the order and deletes it at once. Each step's HTTP status and time are shown; the first failing step ends the check with its status and the start of the answer. The result is also the store's Healthy condition.\n\nExit status: 0 when every step passed, 1 when one failed or the check could not run.\n\nExamples:\n  kubectl nexus store check shop\n  kubectl nexus store check shop --checkout\n  kubectl nexus store check shop -o json | jq '.steps[] | {step, seconds}'"
    )]
    Check(CheckArgs),

    /// Gather what a platform engineer needs about a store into one tar.gz.
    #[command(
        after_help = "The archive holds the Store, what the operator made for it, events, the last lines of each container's logs (and of its previous run), the operator's lines about the store, its audit records with the chain's verdict, and versions: all that your account may read; its README.txt lists what was left out. No Secret's value is ever put in.\n\nExamples:\n  kubectl nexus store report shop                      # nexus-report-shop-<UTC time>.tar.gz here\n  kubectl nexus store report shop --file shop.tar.gz --tail 2000\n  kubectl nexus store report shop --file - | tar -tzf -"
    )]
    Report(ReportArgs),

    /// Back a store up into the platform's object store.
    #[command(
        after_help = "The backup is a Backup object named <store>-<UTC time>, beside the store.\n\nExamples:\n  kubectl nexus store backup shop\n  kubectl nexus store backup shop --wait --timeout 30m\n  kubectl nexus store backup shop -o name      # backup.nexus.dev/shop-20261205-101500"
    )]
    Backup(BackupArgs),

    /// List a store's backups, newest first (also of a store deleted since).
    Backups(NameArg),

    /// Put a store back, in place, to one of its completed backups.
    #[command(
        after_help = "The backup is loaded beside the live data and checked against its manifest; the store switches only then, and on any failure runs on its data from before. Its URL and secrets stay as they are. The restore is a Restore object named <store>-restore-<UTC time>.\n\nExamples:\n  kubectl nexus store backups shop                 # pick a Completed backup\n  kubectl nexus store restore shop --from shop-20261205-101500 --wait\n  kubectl nexus store restore shop --from shop-20261205-101500 -o json"
    )]
    Restore(RestoreArgs),
}

#[derive(Args, Debug)]
pub struct RestoreArgs {
    /// The store's name.
    pub name: String,

    /// The Backup to restore (kubectl nexus store backups NAME lists them).
    #[arg(long = "from", value_name = "BACKUP")]
    pub from: String,

    #[command(flatten)]
    pub wait: WaitArgs,
}

#[derive(Args, Debug)]
#[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
pub struct BackupArgs {
    #[command(subcommand)]
    pub action: Option<BackupAction>,

    /// The store's name.
    #[arg(required = true)]
    pub name: Option<String>,

    #[command(flatten)]
    pub wait: WaitArgs,
}

#[derive(Subcommand, Debug)]
pub enum BackupAction {
    /// Check a backup again: load it into a scratch MariaDB and compare it
    /// with its manifest (the operator does so once after every backup).
    #[command(
        after_help = "Examples:\n  kubectl nexus store backup verify shop-20261205-101500 --wait\n  kubectl nexus store backup verify shop-20261205-101500 -o json"
    )]
    Verify(VerifyArgs),
}

#[derive(Args, Debug)]
pub struct VerifyArgs {
    /// The Backup's name (kubectl nexus store backups STORE lists them).
    pub backup: String,

    #[command(flatten)]
    pub wait: WaitArgs,
}

#[derive(Args, Debug)]
pub struct InstallArgs {
    /// Apply the manifests (server-side) instead of printing them.
    #[arg(long)]
    pub apply: bool,

    /// Ask the API server what applying would change, and change nothing.
    #[arg(long)]
    pub dry_run: bool,
}

#[derive(Args, Debug)]
pub struct QuotaArgs {
    /// Also show this store's ResourceQuota (used / hard).
    pub store: Option<String>,

    /// Ask about another user (needs the review-others verb on quotareviews.nexus.dev).
    #[arg(long, value_name = "USER")]
    pub user: Option<String>,

    /// Ask the operator that serves stores with this label, KEY=VALUE
    /// (repeatable; for platforms sharded by --store-selector).
    #[arg(short = 'l', long = "label", value_name = "KEY=VALUE")]
    pub labels: Vec<String>,
}

#[derive(Args, Debug, Clone, Default)]
pub struct AuditArgs {
    /// Only this store's records.
    pub store: Option<String>,

    /// Only what this user did (as the API server names them).
    #[arg(long, value_name = "USER")]
    pub user: Option<String>,

    /// Only records this recent, such as 30m, 24h or 7d.
    #[arg(long, value_name = "DURATION", value_parser = crate::duration::parse)]
    pub since: Option<Duration>,

    /// Only records of this action.
    #[arg(long, value_parser = audit_action())]
    pub action: Option<AuditAction>,

    /// Records of every namespace you may read.
    #[arg(short = 'A', long)]
    pub all_namespaces: bool,

    /// Check that no record was deleted or replaced; exit 1 naming the first broken link.
    #[arg(long, conflicts_with = "follow")]
    pub verify: bool,

    /// Where the operator keeps each chain's anchor (its own namespace):
    /// --verify compares the chain with it when you may read it.
    #[arg(
        long,
        value_name = "NAMESPACE",
        env = "NEXUS_PLATFORM_NAMESPACE",
        default_value = "nexus-system"
    )]
    pub platform_namespace: String,

    /// Keep printing new records as they are written.
    #[arg(short = 'f', long)]
    pub follow: bool,
}

/// An audit action as written on the command line (the record's own names).
fn audit_action() -> impl clap::builder::TypedValueParser<Value = AuditAction> {
    use clap::builder::TypedValueParser;
    clap::builder::PossibleValuesParser::new(AuditAction::ALL.map(AuditAction::as_str)).try_map(
        |name| {
            AuditAction::ALL
                .into_iter()
                .find(|a| a.as_str() == name)
                .ok_or_else(|| format!("unknown action {name:?}"))
        },
    )
}

#[derive(Args, Debug)]
pub struct RetryArgs {
    /// The store's name.
    #[arg(required_unless_present = "all_failed", conflicts_with = "all_failed")]
    pub name: Option<String>,

    /// Retry every store whose phase is Failed (after you fixed what failed them).
    #[arg(long)]
    pub all_failed: bool,

    /// With --all-failed: in every namespace you may list.
    #[arg(short = 'A', long, requires = "all_failed")]
    pub all_namespaces: bool,
}

#[derive(Args, Debug)]
pub struct NameArg {
    /// The store's name.
    pub name: String,
}

#[derive(Args, Debug)]
pub struct CreateArgs {
    /// The store's name: a DNS label of at most 40 characters (it becomes <name>.<base domain>).
    pub name: String,

    /// The store's size: resource quota and limits.
    #[arg(long, value_enum, default_value_t = PlanArg::Small)]
    pub plan: PlanArg,

    /// Serve the store at this host name instead of <name>.<base domain>.
    #[arg(long, value_name = "HOST")]
    pub domain: Option<String>,

    /// Email address of the WordPress administrator.
    #[arg(long, value_name = "EMAIL")]
    pub admin_email: Option<String>,

    /// The shop's currency: an ISO 4217 code such as USD or EUR, or one
    /// WooCommerce adds such as BTC.
    #[arg(long, value_name = "CODE")]
    pub currency: Option<String>,

    /// Do not create a sample product.
    #[arg(long)]
    pub no_sample_products: bool,

    /// A label for the Store, KEY=VALUE (repeatable).
    #[arg(short = 'l', long = "label", value_name = "KEY=VALUE")]
    pub labels: Vec<String>,

    /// Back the store up on this schedule: cron's five fields in UTC, such
    /// as "0 3 * * *" (03:00 every day).
    #[arg(long, value_name = "CRON")]
    pub backup_schedule: Option<String>,

    /// Keep the newest N scheduled backups (older ones are removed).
    #[arg(long, value_name = "N", requires = "backup_schedule")]
    pub keep_backups: Option<u32>,

    /// Keep scheduled backups for this long, such as 30d.
    #[arg(long, value_name = "AGE", requires = "backup_schedule")]
    pub keep_backups_for: Option<String>,

    /// Have the operator check the store as a shopper this often, such as
    /// 15m (1m to 24h); the result is its Healthy condition.
    #[arg(long, value_name = "DURATION")]
    pub check_interval: Option<String>,

    /// Make the store as a clone of a completed backup in this namespace (of
    /// any store, also one deleted since): its orders, customers, products
    /// and uploads, with new secrets and the site's addresses rewritten to
    /// the new store's. Without --currency it keeps the backup's currency,
    /// and it gets no sample product.
    #[arg(long, value_name = "BACKUP")]
    pub from_backup: Option<String>,

    #[command(flatten)]
    pub wait: WaitArgs,

    /// Print the Store that would be created and create nothing.
    #[arg(long)]
    pub dry_run: bool,
}

#[derive(Args, Debug)]
pub struct UpdateArgs {
    /// The store's name.
    pub name: String,

    /// The store's size: resource quota and limits. Its pods restart with
    /// the new sizes; its volumes keep theirs.
    #[arg(long, value_enum)]
    pub plan: Option<PlanArg>,

    /// Serve the store at this host name instead (the site's addresses are
    /// rewritten to it).
    #[arg(long, value_name = "HOST", conflicts_with = "default_domain")]
    pub domain: Option<String>,

    /// Serve the store at <name>.<base domain> again.
    #[arg(long)]
    pub default_domain: bool,

    /// Email address of the WordPress administrator.
    #[arg(long, value_name = "EMAIL")]
    pub admin_email: Option<String>,

    /// The shop's currency: an ISO 4217 code such as USD or EUR, or one
    /// WooCommerce adds such as BTC.
    #[arg(long, value_name = "CODE")]
    pub currency: Option<String>,

    /// Create the sample product (when the shop has none).
    #[arg(long, conflicts_with = "no_sample_products")]
    pub sample_products: bool,

    /// Do not create a sample product.
    #[arg(long)]
    pub no_sample_products: bool,

    /// Have the operator check the store as a shopper this often, such as
    /// 15m (1m to 24h).
    #[arg(long, value_name = "DURATION", conflicts_with = "no_check")]
    pub check_interval: Option<String>,

    /// Stop the operator's own checks of the store.
    #[arg(long)]
    pub no_check: bool,

    /// Set a label, KEY=VALUE, or remove one, KEY- (repeatable).
    #[arg(short = 'l', long = "label", value_name = "KEY=VALUE|KEY-")]
    pub labels: Vec<String>,

    /// Take over fields another field manager set (their kubectl apply
    /// will then conflict with yours).
    #[arg(long)]
    pub force_conflicts: bool,

    /// Ask the API server what would change (admission included), print it
    /// as a diff with what the operator would do, and change nothing.
    #[arg(long, conflicts_with = "wait")]
    pub dry_run: bool,

    #[command(flatten)]
    pub wait: WaitArgs,
}

#[derive(Args, Debug)]
pub struct CheckArgs {
    /// The store's name.
    pub name: String,

    /// How long to wait for the answer, such as 90s or 10m (a check waits
    /// for room in the store's quota while its setup runs).
    #[arg(long, value_name = "DURATION", default_value = "6m", value_parser = crate::duration::parse)]
    pub timeout: std::time::Duration,

    /// Also place a Cash on Delivery order for the store's hidden check
    /// product (free, virtual), which the store deletes at once without
    /// sending an email.
    #[arg(long)]
    pub checkout: bool,
}

#[derive(Args, Debug)]
pub struct ReportArgs {
    /// The store's name.
    pub name: String,

    /// Where to write the archive ("-": standard output); default
    /// nexus-report-<store>-<UTC time>.tar.gz in the current directory.
    #[arg(short = 'f', long, value_name = "FILE")]
    pub file: Option<PathBuf>,

    /// Log lines to keep from the end of each container's log.
    #[arg(long, value_name = "N", default_value_t = 500)]
    pub tail: i64,

    /// Where the operator runs: its log lines about the store are added
    /// when you may read its pods.
    #[arg(
        long,
        value_name = "NAMESPACE",
        env = "NEXUS_PLATFORM_NAMESPACE",
        default_value = "nexus-system"
    )]
    pub platform_namespace: String,
}

#[derive(Args, Debug)]
pub struct SuspendArgs {
    /// The store's name.
    pub name: String,

    /// Take over spec.suspend when another field manager set it (their
    /// kubectl apply will then conflict with yours).
    #[arg(long)]
    pub force_conflicts: bool,

    #[command(flatten)]
    pub wait: WaitArgs,
}

#[derive(Args, Debug, Clone, Copy)]
pub struct WaitArgs {
    /// Wait until the operation finished (Ready or Failed; for delete, gone;
    /// for a backup, Completed or Failed).
    #[arg(long)]
    pub wait: bool,

    /// How long --wait waits, such as 90s, 10m or 1h.
    #[arg(long, value_name = "DURATION", default_value = "10m", value_parser = crate::duration::parse, requires = "wait")]
    pub timeout: Duration,
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlanArg {
    Small,
    Medium,
    Large,
}

impl From<PlanArg> for Plan {
    fn from(plan: PlanArg) -> Self {
        match plan {
            PlanArg::Small => Plan::Small,
            PlanArg::Medium => Plan::Medium,
            PlanArg::Large => Plan::Large,
        }
    }
}

#[derive(Args, Debug)]
pub struct ListArgs {
    /// List stores in all namespaces.
    #[arg(short = 'A', long)]
    pub all_namespaces: bool,

    /// Ask the API server for this many stores at a time (0: all at once), as kubectl does.
    #[arg(long, value_name = "N", default_value_t = 500)]
    pub chunk_size: u32,
}

#[derive(Args, Debug)]
pub struct DeleteArgs {
    /// The store's name.
    pub name: String,

    /// Do not ask for confirmation (required when stdin is not a terminal).
    #[arg(short = 'y', long)]
    pub yes: bool,

    /// Delete it without the final backup the operator otherwise takes
    /// first (when backups are configured); the audit trail records it.
    #[arg(long)]
    pub skip_final_backup: bool,

    #[command(flatten)]
    pub wait: WaitArgs,
}

#[derive(Args, Debug)]
pub struct LogsArgs {
    /// The store's name.
    pub name: String,

    /// Which part of the store.
    #[arg(long, value_enum, default_value_t = Component::Wordpress)]
    pub component: Component,

    /// Keep streaming new log lines.
    #[arg(short = 'f', long)]
    pub follow: bool,

    /// Print only the last N lines of each pod.
    #[arg(long, value_name = "N")]
    pub tail: Option<i64>,
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum Component {
    Wordpress,
    Database,
    Setup,
}

impl Component {
    /// The `app.kubernetes.io/component` label of the component's pods.
    pub fn label(self) -> &'static str {
        use crate::api::labels::{DATABASE, SETUP, WORDPRESS};
        match self {
            Component::Wordpress => WORDPRESS,
            Component::Database => DATABASE,
            Component::Setup => SETUP,
        }
    }
}

#[derive(Args, Debug)]
pub struct CredentialsArgs {
    /// The store's name.
    pub name: String,

    /// Also save the password in the OS keyring (service "nexus", user "<namespace>/<store>").
    #[arg(long)]
    pub save_to_keyring: bool,
}

#[derive(Args, Debug)]
pub struct GenerateArgs {
    /// What to write.
    #[arg(value_enum, default_value_t = Generated::All)]
    pub what: Generated,

    /// The repository root to write crds/, completions/ and man/ under; "-" prints CRDs to stdout.
    #[arg(long, default_value = ".")]
    pub out: PathBuf,
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum Generated {
    All,
    Crds,
    Completions,
    Man,
}
