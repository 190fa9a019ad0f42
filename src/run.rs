//! Dispatch: each command wires its arguments to a command function and hands
//! the model it returns to the output layer.

use std::io::Write;

use crate::cli::{
    AuditArgs, BackupAction, BackupArgs, Cli, Command, Generated, OutputFormat, StoreCommand,
    SuspendArgs,
};
use crate::commands::{Session, audit, generate, install, quota, store, version};
use crate::error::{Error, Result};
use crate::output;

pub async fn run(cli: Cli) -> Result<()> {
    let global = &cli.global;
    let format = global.output;
    match cli.command {
        Command::Version => output::print(&version::version(global).await, format),
        Command::Dashboard(args) => {
            let session = Session::connect(global).await?;
            let options = crate::dashboard::Options {
                address: args.address,
                port: args.port,
                allow_remote: args.allow_remote,
                open_browser: !args.no_browser,
                platform_namespace: args.platform_namespace,
            };
            crate::dashboard::serve(session, options).await
        }
        Command::Generate(args) => run_generate(args.what, &args.out),
        Command::BackupAgent(args) => {
            let config = args.resolve().map_err(Error::Usage)?;
            let manifest = crate::agent::backup::run(config)
                .await
                .map_err(Error::Other)?;
            output::print_value(&manifest, OutputFormat::Json)
        }
        Command::RestoreAgent(args) => {
            let config = args.resolve().map_err(Error::Usage)?;
            // The last line is the operator's: `Reason: message`.
            crate::agent::restore::run(config)
                .await
                .map_err(|failure| Error::Other(failure.to_string()))
        }
        Command::CheckAgent(args) => {
            let checkout = match (args.checkout, args.check_token) {
                (false, _) => None,
                (true, Some(token)) if !token.is_empty() => Some(token),
                (true, _) => {
                    return Err(Error::Usage(
                        "--checkout needs the store's check token (--check-token or NEXUS_CHECK_TOKEN, from the store's Secret check-token)".into(),
                    ));
                }
            };
            let target = crate::shopper::Target {
                address: args.service,
                url: args.url,
                timeout: args.timeout,
                connect_grace: args.connect_grace,
                checkout,
            };
            let report = crate::shopper::run(&target).await;
            let text = serde_json::to_string(&report).map_err(|e| Error::Other(e.to_string()))?;
            // A failed check is a report, not a failed pod.
            std::fs::write(&args.report_file, &text).map_err(|e| {
                Error::Other(format!("cannot write {}: {e}", args.report_file.display()))
            })?;
            println!("{text}");
            Ok(())
        }
        Command::Operator(args) => {
            let (kubeconfig, _) = Session::config(global).await?;
            let config = args.resolve().map_err(Error::Usage)?;
            crate::operator::run(kubeconfig, config)
                .await
                .map_err(operator_error)
        }
        Command::Install(args) if !args.apply && !args.dry_run => {
            let mut stdout = std::io::stdout().lock();
            stdout
                .write_all(install::MANIFEST.as_bytes())
                .map_err(crate::error::io_error)
        }
        Command::Install(args) => {
            let session = Session::connect(global).await?;
            output::print(&install::install(&session, args.dry_run).await?, format)
        }
        Command::Quota(args) => {
            let session = Session::connect(global).await?;
            let view = quota::quota(&session, &args).await?;
            output::print(&view, format)
        }
        Command::Audit(args) => {
            let session = Session::connect(global).await?;
            run_audit(&session, &args, format).await
        }
        Command::Store(StoreCommand::Create(args)) if args.dry_run => {
            // A client-side dry run needs no cluster, only the namespace it would use.
            let namespace = match &global.namespace {
                Some(namespace) => namespace.clone(),
                None => Session::connect(global)
                    .await
                    .map(|s| s.namespace)
                    .unwrap_or_else(|_| "default".into()),
            };
            let store = store::desired_store(&args, &namespace)?;
            output::print(&store::CreateOutcome::DryRun(Box::new(store)), format)
        }
        Command::Store(command) => {
            // Input errors are reported before any connection is attempted.
            match &command {
                StoreCommand::Create(args) => {
                    store::desired_store(args, global.namespace.as_deref().unwrap_or("default"))?;
                }
                StoreCommand::Update(args) => {
                    store::requested_changes(args)?;
                }
                _ => {}
            }
            let session = Session::connect(global).await?;
            run_store(&session, command, format).await
        }
    }
}

async fn run_store(session: &Session, command: StoreCommand, format: OutputFormat) -> Result<()> {
    match command {
        StoreCommand::Backup(BackupArgs {
            action: Some(BackupAction::Verify(args)),
            ..
        }) => {
            let mut progress = output::progress_for_stderr(&format!(
                "waiting for the verification of {}",
                args.backup
            ));
            let wait = args.wait.wait.then_some(args.wait.timeout);
            let backup =
                store::verify_backup(session, &args.backup, wait, progress.as_mut()).await?;
            if wait.is_none() {
                output::note(&format!(
                    "verification of backup {} asked for; follow it with: kubectl get backup {}",
                    args.backup, args.backup
                ));
            }
            output::print(&backup, format)
        }
        StoreCommand::Backup(args) => {
            let name = args.name.unwrap_or_default();
            let mut progress =
                output::progress_for_stderr(&format!("waiting for the backup of {name}"));
            let wait = args.wait.wait.then_some(args.wait.timeout);
            let backup = store::take_backup(session, &name, wait, progress.as_mut()).await?;
            if wait.is_none() {
                output::note(&format!(
                    "backup {} of store {name} asked for; follow it with: kubectl nexus store backups {name}",
                    backup.name
                ));
            }
            output::print(&backup, format)
        }
        StoreCommand::Restore(args) => {
            let mut progress =
                output::progress_for_stderr(&format!("waiting for the restore of {}", args.name));
            let wait = args.wait.wait.then_some(args.wait.timeout);
            let restore =
                store::restore(session, &args.name, &args.from, wait, progress.as_mut()).await?;
            if wait.is_none() {
                output::note(&format!(
                    "restore {} of store {} from backup {} asked for; follow it with: kubectl get restore {}",
                    restore.name, args.name, args.from, restore.name
                ));
            }
            output::print(&restore, format)
        }
        StoreCommand::Backups(args) => {
            output::print(&store::list_backups(session, &args.name).await?, format)
        }
        StoreCommand::Create(args) => {
            let mut progress =
                output::progress_for_stderr(&format!("waiting for store {}", args.name));
            let outcome = store::create(session, &args, progress.as_mut()).await?;
            output::print(&outcome, format)
        }
        StoreCommand::List(args) => {
            let list = store::list(session, args.all_namespaces, args.chunk_size).await?;
            output::print(&list, format)
        }
        StoreCommand::Get(args) => output::print(&store::get(session, &args.name).await?, format),
        StoreCommand::Delete(args) => {
            if !args.yes {
                let question = format!(
                    "Delete store {:?} in namespace {:?} with all its data?",
                    args.name, session.namespace
                );
                let refusal = format!(
                    "refusing to delete store {:?} without confirmation: stdin is not a terminal\nhint: pass --yes to delete it from a script",
                    args.name
                );
                if !output::confirm(&question, &refusal)? {
                    output::note("Nothing was deleted.");
                    return Ok(());
                }
            }
            let mut progress = output::progress_for_stderr(&format!(
                "waiting for store {} to be deleted",
                args.name
            ));
            let outcome = store::delete(session, &args, progress.as_mut()).await?;
            output::print(&outcome, format)
        }
        StoreCommand::Logs(args) => {
            let stdout = std::io::stdout();
            let mut out = stdout.lock();
            store::logs(session, &args, &mut out).await?;
            out.flush().map_err(crate::error::io_error)
        }
        StoreCommand::Retry(args) => match args.name {
            Some(name) => {
                let summary = store::retry(session, &name).await?;
                output::note(&format!(
                    "store {name} will be provisioned again; follow it with: kubectl nexus store get {name}"
                ));
                output::print(&summary, format)
            }
            None => {
                let outcome = store::retry_all_failed(session, args.all_namespaces).await?;
                let where_ = match &outcome.retried.scope {
                    Some(namespace) => format!("in namespace {namespace}"),
                    None => "in any namespace you may list".to_string(),
                };
                let count = outcome.retried.items.len();
                if count == 0 && outcome.refused.is_empty() {
                    output::note(&format!(
                        "No store is Failed {where_}: there is nothing to retry."
                    ));
                } else if count > 0 {
                    output::note(&format!(
                        "{count} Failed store{} will be provisioned again; follow them with: kubectl nexus store list{}",
                        if count == 1 { "" } else { "s" },
                        if args.all_namespaces { " -A" } else { "" }
                    ));
                }
                if count > 0 || matches!(format, OutputFormat::Json | OutputFormat::Yaml) {
                    output::print(&outcome.retried, format)?;
                }
                match outcome.refused.len() {
                    0 => Ok(()),
                    n => Err(Error::Other(format!(
                        "{n} Failed store{} could not be retried:\n{}",
                        if n == 1 { "" } else { "s" },
                        outcome
                            .refused
                            .iter()
                            .map(|(namespace, name, error)| format!(
                                "  {namespace}/{name}: {error}"
                            ))
                            .collect::<Vec<_>>()
                            .join("\n")
                    ))),
                }
            }
        },
        StoreCommand::Update(args) => {
            let mut progress =
                output::progress_for_stderr(&format!("waiting for store {}", args.name));
            let outcome = store::update(session, &args, progress.as_mut()).await?;
            output::print(&outcome, format)
        }
        StoreCommand::Check(args) => {
            let mut progress =
                output::progress_for_stderr(&format!("checking store {}", args.name));
            let outcome = store::check(
                session,
                &args.name,
                args.checkout,
                args.timeout,
                progress.as_mut(),
            )
            .await?;
            output::print(&outcome, format)?;
            outcome.failure().map_or(Ok(()), Err)
        }
        StoreCommand::Report(args) => {
            let request = store::ReportRequest {
                name: &args.name,
                file: args.file.as_deref(),
                tail: args.tail,
                platform_namespace: &args.platform_namespace,
            };
            let outcome = store::report(session, &request).await?;
            if outcome.file == "-" {
                // Standard output holds the archive: the summary goes to stderr.
                output::note(&format!(
                    "report on store {}: {} entries{}",
                    outcome.store,
                    outcome.entries.len(),
                    if outcome.left_out.is_empty() {
                        String::new()
                    } else {
                        format!("; left out: {}", outcome.left_out.join("; "))
                    }
                ));
                return Ok(());
            }
            output::print(&outcome, format)
        }
        StoreCommand::Suspend(args) => suspend_or_resume(session, &args, true, format).await,
        StoreCommand::Resume(args) => suspend_or_resume(session, &args, false, format).await,
        StoreCommand::Credentials(args) => {
            let credentials = store::credentials(session, &args.name, args.save_to_keyring).await?;
            output::print(&credentials, format)
        }
    }
}

async fn suspend_or_resume(
    session: &Session,
    args: &SuspendArgs,
    suspend: bool,
    format: OutputFormat,
) -> Result<()> {
    let mut progress = output::progress_for_stderr(&format!(
        "waiting for store {} to {}",
        args.name,
        if suspend { "suspend" } else { "resume" }
    ));
    let options = store::WriteOptions {
        force_conflicts: args.force_conflicts,
        wait: args.wait.wait.then_some(args.wait.timeout),
        ..store::WriteOptions::default()
    };
    let outcome =
        store::set_suspended(session, &args.name, suspend, options, progress.as_mut()).await?;
    output::print(&outcome, format)
}

async fn run_audit(session: &Session, args: &AuditArgs, format: OutputFormat) -> Result<()> {
    if args.verify {
        let verification = audit::verify_chains(session, args).await?;
        output::print(&verification, format)?;
        return verification.failure().map_or(Ok(()), Err);
    }
    if args.follow {
        return audit::follow(session, args, |trail| output::audit_rows(trail, format)).await;
    }
    output::print(&audit::audit(session, args).await?, format)
}

fn run_generate(what: Generated, out: &std::path::Path) -> Result<()> {
    if out == std::path::Path::new("-") {
        if what != Generated::Crds {
            return Err(Error::Usage(
                "--out - prints only the CRDs: use `generate crds --out -`".into(),
            ));
        }
        let yaml = generate::crd_yaml()?;
        let mut stdout = std::io::stdout().lock();
        return stdout
            .write_all(yaml.as_bytes())
            .map_err(crate::error::io_error);
    }
    for path in generate::write(what, out)? {
        output::note(&format!("wrote {}", path.display()));
    }
    Ok(())
}

/// The operator's start-up errors as the command line reports them.
fn operator_error(error: crate::operator::Error) -> Error {
    use crate::operator::Error as Operator;
    match error {
        Operator::Client(source) => Error::Kubeconfig(crate::error::chain(&source)),
        Operator::CrdMissing => Error::CrdMissing,
        Operator::ListStores(source) => crate::error::Action {
            verb: "list",
            resource: "stores",
            namespace: "",
            name: None,
        }
        .error(source),
        Operator::LeaderElection { namespace, source } => {
            let hint = if source.to_string().contains("Forbidden") {
                format!(
                    "\nhint: bind the ClusterRole nexus-operator-home (config/rbac/nexus-operator-home.yaml) to the operator's identity with a RoleBinding in namespace {namespace}"
                )
            } else {
                String::new()
            };
            Error::Other(format!("cannot set up leader election: {source}{hint}"))
        }
        other => Error::Other(other.to_string()),
    }
}
