//! `kubectl-nexus`: parse, dispatch (`run.rs`: one arm per command, the
//! operator included), map errors to exit codes. The code map is in the
//! README and docs/architecture.md.

use std::io::Write;
use std::process::ExitCode;

use clap::Parser;
use nexus::cli::Cli;
use nexus::commands::complete;
use nexus::error::Error;

/// Counts the heap (the operator reports it: `nexus_heap_bytes`).
#[global_allocator]
static HEAP: nexus::heap::Counting = nexus::heap::Counting;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    // kubectl's plugin completion protocol, answered before clap parses.
    if args.get(1).map(String::as_str) == Some("__complete") {
        let words = &args[2..];
        let stores = complete::store_name_wanted(words)
            .map(|global| store_names(&global))
            .unwrap_or_default();
        let answer = complete::answer(words, &stores);
        let _ = std::io::stdout().write_all(answer.as_bytes());
        return ExitCode::SUCCESS;
    }
    let cli = Cli::parse();
    let operator = matches!(cli.command, nexus::cli::Command::Operator(_));
    init_logging(operator);
    // The operator runs on one thread: its work is many short tasks waiting
    // on the API server, and worker threads waking each other for them cost
    // more than they gain (a run of 50 stores: a quarter of the context
    // switches and less CPU; docs/benchmarks.md).
    let mut builder = if operator {
        tokio::runtime::Builder::new_current_thread()
    } else {
        tokio::runtime::Builder::new_multi_thread()
    };
    let runtime = match builder.enable_all().build() {
        Ok(runtime) => runtime,
        Err(e) => {
            return fail(&Error::Other(format!(
                "cannot start the async runtime: {e}"
            )));
        }
    };
    match runtime.block_on(nexus::run::run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => fail(&e),
    }
}

/// The stores in the namespace, for completion; nothing when the cluster is
/// slow or unreachable (completion must never hang a shell).
fn store_names(global: &nexus::cli::GlobalArgs) -> Vec<String> {
    let Ok(runtime) = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    else {
        return Vec::new();
    };
    runtime.block_on(async {
        let list = async {
            let session = nexus::commands::Session::connect(global).await.ok()?;
            let list = nexus::commands::store::list(&session, false, 500)
                .await
                .ok()?;
            Some(list.items.into_iter().map(|s| s.name).collect())
        };
        tokio::time::timeout(std::time::Duration::from_secs(3), list)
            .await
            .ok()
            .flatten()
            .unwrap_or_default()
    })
}

fn fail(err: &Error) -> ExitCode {
    if !matches!(err, Error::BrokenPipe) {
        let _ = writeln!(std::io::stderr(), "error: {err}");
    }
    ExitCode::from(err.exit_code() as u8)
}

/// Logs go to stderr: our own warnings only, unless NEXUS_LOG (an env-filter such
/// as `debug` or `kube=debug`) asks for more. Errors reach the user as messages.
/// The operator logs JSON at info level, for log pipelines.
fn init_logging(operator: bool) {
    let default = if operator {
        "info,kube_runtime=warn,kube_client=warn"
    } else {
        "nexus=warn,kubectl_nexus=warn"
    };
    let filter = tracing_subscriber::EnvFilter::try_from_env("NEXUS_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let _ = if operator {
        builder.json().try_init()
    } else {
        builder.try_init()
    };
}
