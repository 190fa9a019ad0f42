
using namespace System.Management.Automation
using namespace System.Management.Automation.Language

Register-ArgumentCompleter -Native -CommandName 'kubectl-nexus' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)

    $commandElements = $commandAst.CommandElements
    $command = @(
        'kubectl-nexus'
        for ($i = 1; $i -lt $commandElements.Count; $i++) {
            $element = $commandElements[$i]
            if ($element -isnot [StringConstantExpressionAst] -or
                $element.StringConstantType -ne [StringConstantType]::BareWord -or
                $element.Value.StartsWith('-') -or
                $element.Value -eq $wordToComplete) {
                break
        }
        $element.Value
    }) -join ';'

    $completions = @(switch ($command) {
        'kubectl-nexus' {
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'The kubeconfig context to use')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'The namespace to act in (default: the context''s namespace, then "default")')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'The namespace to act in (default: the context''s namespace, then "default")')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('store', 'store', [CompletionResultType]::ParameterValue, 'Create, inspect and delete stores')
            [CompletionResult]::new('audit', 'audit', [CompletionResultType]::ParameterValue, 'Show who did what to stores: the audit records, oldest first')
            [CompletionResult]::new('quota', 'quota', [CompletionResultType]::ParameterValue, 'Show your store limits and usage, and a store''s resource quota')
            [CompletionResult]::new('install', 'install', [CompletionResultType]::ParameterValue, 'Install the platform without Helm: print its manifests, or apply them')
            [CompletionResult]::new('dashboard', 'dashboard', [CompletionResultType]::ParameterValue, 'See the fleet and each store in your browser, as you')
            [CompletionResult]::new('version', 'version', [CompletionResultType]::ParameterValue, 'Print the client version and, when reachable, the server version')
            [CompletionResult]::new('operator', 'operator', [CompletionResultType]::ParameterValue, 'Run the operator that provisions stores (in the cluster or from here)')
            [CompletionResult]::new('generate', 'generate', [CompletionResultType]::ParameterValue, 'Write the generated files: CRDs, shell completions, man pages')
            [CompletionResult]::new('backup-agent', 'backup-agent', [CompletionResultType]::ParameterValue, 'Take one backup inside a backup Job (the operator runs it)')
            [CompletionResult]::new('restore-agent', 'restore-agent', [CompletionResultType]::ParameterValue, 'Fetch, check and open one backup inside a restore Job (the operator runs it)')
            [CompletionResult]::new('check-agent', 'check-agent', [CompletionResultType]::ParameterValue, 'Shop once at a store as a guest inside its check pod (the operator runs it)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'kubectl-nexus;store' {
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'The kubeconfig context to use')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'The namespace to act in (default: the context''s namespace, then "default")')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'The namespace to act in (default: the context''s namespace, then "default")')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('create', 'create', [CompletionResultType]::ParameterValue, 'Create a store')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List stores in the namespace, or in all namespaces with -A')
            [CompletionResult]::new('get', 'get', [CompletionResultType]::ParameterValue, 'Show a store: phase, conditions, URL, credentials reference, recent events')
            [CompletionResult]::new('delete', 'delete', [CompletionResultType]::ParameterValue, 'Delete a store and everything provisioned for it')
            [CompletionResult]::new('logs', 'logs', [CompletionResultType]::ParameterValue, 'Print the logs of a store''s pods')
            [CompletionResult]::new('credentials', 'credentials', [CompletionResultType]::ParameterValue, 'Print a store''s WordPress admin credentials (they are secret)')
            [CompletionResult]::new('retry', 'retry', [CompletionResultType]::ParameterValue, 'Provision a Failed store again, or every Failed store')
            [CompletionResult]::new('update', 'update', [CompletionResultType]::ParameterValue, 'Change a store: its plan, domain, settings or labels')
            [CompletionResult]::new('suspend', 'suspend', [CompletionResultType]::ParameterValue, 'Stop a store''s WordPress and database, keeping every byte')
            [CompletionResult]::new('resume', 'resume', [CompletionResultType]::ParameterValue, 'Start a suspended store again')
            [CompletionResult]::new('check', 'check', [CompletionResultType]::ParameterValue, 'Shop at a store once as a guest would, and say what worked')
            [CompletionResult]::new('report', 'report', [CompletionResultType]::ParameterValue, 'Gather what a platform engineer needs about a store into one tar.gz')
            [CompletionResult]::new('backup', 'backup', [CompletionResultType]::ParameterValue, 'Back a store up into the platform''s object store')
            [CompletionResult]::new('backups', 'backups', [CompletionResultType]::ParameterValue, 'List a store''s backups, newest first (also of a store deleted since)')
            [CompletionResult]::new('restore', 'restore', [CompletionResultType]::ParameterValue, 'Put a store back, in place, to one of its completed backups')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'kubectl-nexus;store;create' {
            [CompletionResult]::new('--plan', '--plan', [CompletionResultType]::ParameterName, 'The store''s size: resource quota and limits')
            [CompletionResult]::new('--domain', '--domain', [CompletionResultType]::ParameterName, 'Serve the store at this host name instead of <name>.<base domain>')
            [CompletionResult]::new('--admin-email', '--admin-email', [CompletionResultType]::ParameterName, 'Email address of the WordPress administrator')
            [CompletionResult]::new('--currency', '--currency', [CompletionResultType]::ParameterName, 'The shop''s currency: an ISO 4217 code such as USD or EUR, or one WooCommerce adds such as BTC')
            [CompletionResult]::new('-l', '-l', [CompletionResultType]::ParameterName, 'A label for the Store, KEY=VALUE (repeatable)')
            [CompletionResult]::new('--label', '--label', [CompletionResultType]::ParameterName, 'A label for the Store, KEY=VALUE (repeatable)')
            [CompletionResult]::new('--backup-schedule', '--backup-schedule', [CompletionResultType]::ParameterName, 'Back the store up on this schedule: cron''s five fields in UTC, such as "0 3 * * *" (03:00 every day)')
            [CompletionResult]::new('--keep-backups', '--keep-backups', [CompletionResultType]::ParameterName, 'Keep the newest N scheduled backups (older ones are removed)')
            [CompletionResult]::new('--keep-backups-for', '--keep-backups-for', [CompletionResultType]::ParameterName, 'Keep scheduled backups for this long, such as 30d')
            [CompletionResult]::new('--check-interval', '--check-interval', [CompletionResultType]::ParameterName, 'Have the operator check the store as a shopper this often, such as 15m (1m to 24h); the result is its Healthy condition')
            [CompletionResult]::new('--from-backup', '--from-backup', [CompletionResultType]::ParameterName, 'Make the store as a clone of a completed backup in this namespace (of any store, also one deleted since): its orders, customers, products and uploads, with new secrets and the site''s addresses rewritten to the new store''s. Without --currency it keeps the backup''s currency, and it gets no sample product')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'How long --wait waits, such as 90s, 10m or 1h')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'The kubeconfig context to use')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'The namespace to act in (default: the context''s namespace, then "default")')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'The namespace to act in (default: the context''s namespace, then "default")')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--no-sample-products', '--no-sample-products', [CompletionResultType]::ParameterName, 'Do not create a sample product')
            [CompletionResult]::new('--wait', '--wait', [CompletionResultType]::ParameterName, 'Wait until the operation finished (Ready or Failed; for delete, gone; for a backup, Completed or Failed)')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Print the Store that would be created and create nothing')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'kubectl-nexus;store;list' {
            [CompletionResult]::new('--chunk-size', '--chunk-size', [CompletionResultType]::ParameterName, 'Ask the API server for this many stores at a time (0: all at once), as kubectl does')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'The kubeconfig context to use')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'The namespace to act in (default: the context''s namespace, then "default")')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'The namespace to act in (default: the context''s namespace, then "default")')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('-A', '-A ', [CompletionResultType]::ParameterName, 'List stores in all namespaces')
            [CompletionResult]::new('--all-namespaces', '--all-namespaces', [CompletionResultType]::ParameterName, 'List stores in all namespaces')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'kubectl-nexus;store;get' {
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'The kubeconfig context to use')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'The namespace to act in (default: the context''s namespace, then "default")')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'The namespace to act in (default: the context''s namespace, then "default")')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'kubectl-nexus;store;delete' {
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'How long --wait waits, such as 90s, 10m or 1h')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'The kubeconfig context to use')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'The namespace to act in (default: the context''s namespace, then "default")')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'The namespace to act in (default: the context''s namespace, then "default")')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Do not ask for confirmation (required when stdin is not a terminal)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Do not ask for confirmation (required when stdin is not a terminal)')
            [CompletionResult]::new('--skip-final-backup', '--skip-final-backup', [CompletionResultType]::ParameterName, 'Delete it without the final backup the operator otherwise takes first (when backups are configured); the audit trail records it')
            [CompletionResult]::new('--wait', '--wait', [CompletionResultType]::ParameterName, 'Wait until the operation finished (Ready or Failed; for delete, gone; for a backup, Completed or Failed)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'kubectl-nexus;store;logs' {
            [CompletionResult]::new('--component', '--component', [CompletionResultType]::ParameterName, 'Which part of the store')
            [CompletionResult]::new('--tail', '--tail', [CompletionResultType]::ParameterName, 'Print only the last N lines of each pod')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'The kubeconfig context to use')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'The namespace to act in (default: the context''s namespace, then "default")')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'The namespace to act in (default: the context''s namespace, then "default")')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'Keep streaming new log lines')
            [CompletionResult]::new('--follow', '--follow', [CompletionResultType]::ParameterName, 'Keep streaming new log lines')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'kubectl-nexus;store;credentials' {
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'The kubeconfig context to use')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'The namespace to act in (default: the context''s namespace, then "default")')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'The namespace to act in (default: the context''s namespace, then "default")')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--save-to-keyring', '--save-to-keyring', [CompletionResultType]::ParameterName, 'Also save the password in the OS keyring (service "nexus", user "<namespace>/<store>")')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'kubectl-nexus;store;retry' {
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'The kubeconfig context to use')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'The namespace to act in (default: the context''s namespace, then "default")')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'The namespace to act in (default: the context''s namespace, then "default")')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--all-failed', '--all-failed', [CompletionResultType]::ParameterName, 'Retry every store whose phase is Failed (after you fixed what failed them)')
            [CompletionResult]::new('-A', '-A ', [CompletionResultType]::ParameterName, 'With --all-failed: in every namespace you may list')
            [CompletionResult]::new('--all-namespaces', '--all-namespaces', [CompletionResultType]::ParameterName, 'With --all-failed: in every namespace you may list')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'kubectl-nexus;store;update' {
            [CompletionResult]::new('--plan', '--plan', [CompletionResultType]::ParameterName, 'The store''s size: resource quota and limits. Its pods restart with the new sizes; its volumes keep theirs')
            [CompletionResult]::new('--domain', '--domain', [CompletionResultType]::ParameterName, 'Serve the store at this host name instead (the site''s addresses are rewritten to it)')
            [CompletionResult]::new('--admin-email', '--admin-email', [CompletionResultType]::ParameterName, 'Email address of the WordPress administrator')
            [CompletionResult]::new('--currency', '--currency', [CompletionResultType]::ParameterName, 'The shop''s currency: an ISO 4217 code such as USD or EUR, or one WooCommerce adds such as BTC')
            [CompletionResult]::new('--check-interval', '--check-interval', [CompletionResultType]::ParameterName, 'Have the operator check the store as a shopper this often, such as 15m (1m to 24h)')
            [CompletionResult]::new('-l', '-l', [CompletionResultType]::ParameterName, 'Set a label, KEY=VALUE, or remove one, KEY- (repeatable)')
            [CompletionResult]::new('--label', '--label', [CompletionResultType]::ParameterName, 'Set a label, KEY=VALUE, or remove one, KEY- (repeatable)')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'How long --wait waits, such as 90s, 10m or 1h')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'The kubeconfig context to use')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'The namespace to act in (default: the context''s namespace, then "default")')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'The namespace to act in (default: the context''s namespace, then "default")')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--default-domain', '--default-domain', [CompletionResultType]::ParameterName, 'Serve the store at <name>.<base domain> again')
            [CompletionResult]::new('--sample-products', '--sample-products', [CompletionResultType]::ParameterName, 'Create the sample product (when the shop has none)')
            [CompletionResult]::new('--no-sample-products', '--no-sample-products', [CompletionResultType]::ParameterName, 'Do not create a sample product')
            [CompletionResult]::new('--no-check', '--no-check', [CompletionResultType]::ParameterName, 'Stop the operator''s own checks of the store')
            [CompletionResult]::new('--force-conflicts', '--force-conflicts', [CompletionResultType]::ParameterName, 'Take over fields another field manager set (their kubectl apply will then conflict with yours)')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Ask the API server what would change (admission included), print it as a diff with what the operator would do, and change nothing')
            [CompletionResult]::new('--wait', '--wait', [CompletionResultType]::ParameterName, 'Wait until the operation finished (Ready or Failed; for delete, gone; for a backup, Completed or Failed)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'kubectl-nexus;store;suspend' {
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'How long --wait waits, such as 90s, 10m or 1h')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'The kubeconfig context to use')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'The namespace to act in (default: the context''s namespace, then "default")')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'The namespace to act in (default: the context''s namespace, then "default")')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--force-conflicts', '--force-conflicts', [CompletionResultType]::ParameterName, 'Take over spec.suspend when another field manager set it (their kubectl apply will then conflict with yours)')
            [CompletionResult]::new('--wait', '--wait', [CompletionResultType]::ParameterName, 'Wait until the operation finished (Ready or Failed; for delete, gone; for a backup, Completed or Failed)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'kubectl-nexus;store;resume' {
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'How long --wait waits, such as 90s, 10m or 1h')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'The kubeconfig context to use')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'The namespace to act in (default: the context''s namespace, then "default")')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'The namespace to act in (default: the context''s namespace, then "default")')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--force-conflicts', '--force-conflicts', [CompletionResultType]::ParameterName, 'Take over spec.suspend when another field manager set it (their kubectl apply will then conflict with yours)')
            [CompletionResult]::new('--wait', '--wait', [CompletionResultType]::ParameterName, 'Wait until the operation finished (Ready or Failed; for delete, gone; for a backup, Completed or Failed)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'kubectl-nexus;store;check' {
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'How long to wait for the answer, such as 90s or 10m (a check waits for room in the store''s quota while its setup runs)')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'The kubeconfig context to use')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'The namespace to act in (default: the context''s namespace, then "default")')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'The namespace to act in (default: the context''s namespace, then "default")')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--checkout', '--checkout', [CompletionResultType]::ParameterName, 'Also place a Cash on Delivery order for the store''s hidden check product (free, virtual), which the store deletes at once without sending an email')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'kubectl-nexus;store;report' {
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'Where to write the archive ("-": standard output); default nexus-report-<store>-<UTC time>.tar.gz in the current directory')
            [CompletionResult]::new('--file', '--file', [CompletionResultType]::ParameterName, 'Where to write the archive ("-": standard output); default nexus-report-<store>-<UTC time>.tar.gz in the current directory')
            [CompletionResult]::new('--tail', '--tail', [CompletionResultType]::ParameterName, 'Log lines to keep from the end of each container''s log')
            [CompletionResult]::new('--platform-namespace', '--platform-namespace', [CompletionResultType]::ParameterName, 'Where the operator runs: its log lines about the store are added when you may read its pods')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'The kubeconfig context to use')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'The namespace to act in (default: the context''s namespace, then "default")')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'The namespace to act in (default: the context''s namespace, then "default")')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'kubectl-nexus;store;backup' {
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'How long --wait waits, such as 90s, 10m or 1h')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'The kubeconfig context to use')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'The namespace to act in (default: the context''s namespace, then "default")')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'The namespace to act in (default: the context''s namespace, then "default")')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--wait', '--wait', [CompletionResultType]::ParameterName, 'Wait until the operation finished (Ready or Failed; for delete, gone; for a backup, Completed or Failed)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('verify', 'verify', [CompletionResultType]::ParameterValue, 'Check a backup again: load it into a scratch MariaDB and compare it with its manifest (the operator does so once after every backup)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'kubectl-nexus;store;backup;verify' {
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'How long --wait waits, such as 90s, 10m or 1h')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'The kubeconfig context to use')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'The namespace to act in (default: the context''s namespace, then "default")')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'The namespace to act in (default: the context''s namespace, then "default")')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--wait', '--wait', [CompletionResultType]::ParameterName, 'Wait until the operation finished (Ready or Failed; for delete, gone; for a backup, Completed or Failed)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'kubectl-nexus;store;backup;help' {
            [CompletionResult]::new('verify', 'verify', [CompletionResultType]::ParameterValue, 'Check a backup again: load it into a scratch MariaDB and compare it with its manifest (the operator does so once after every backup)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'kubectl-nexus;store;backup;help;verify' {
            break
        }
        'kubectl-nexus;store;backup;help;help' {
            break
        }
        'kubectl-nexus;store;backups' {
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'The kubeconfig context to use')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'The namespace to act in (default: the context''s namespace, then "default")')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'The namespace to act in (default: the context''s namespace, then "default")')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'kubectl-nexus;store;restore' {
            [CompletionResult]::new('--from', '--from', [CompletionResultType]::ParameterName, 'The Backup to restore (kubectl nexus store backups NAME lists them)')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'How long --wait waits, such as 90s, 10m or 1h')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'The kubeconfig context to use')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'The namespace to act in (default: the context''s namespace, then "default")')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'The namespace to act in (default: the context''s namespace, then "default")')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--wait', '--wait', [CompletionResultType]::ParameterName, 'Wait until the operation finished (Ready or Failed; for delete, gone; for a backup, Completed or Failed)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'kubectl-nexus;store;help' {
            [CompletionResult]::new('create', 'create', [CompletionResultType]::ParameterValue, 'Create a store')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List stores in the namespace, or in all namespaces with -A')
            [CompletionResult]::new('get', 'get', [CompletionResultType]::ParameterValue, 'Show a store: phase, conditions, URL, credentials reference, recent events')
            [CompletionResult]::new('delete', 'delete', [CompletionResultType]::ParameterValue, 'Delete a store and everything provisioned for it')
            [CompletionResult]::new('logs', 'logs', [CompletionResultType]::ParameterValue, 'Print the logs of a store''s pods')
            [CompletionResult]::new('credentials', 'credentials', [CompletionResultType]::ParameterValue, 'Print a store''s WordPress admin credentials (they are secret)')
            [CompletionResult]::new('retry', 'retry', [CompletionResultType]::ParameterValue, 'Provision a Failed store again, or every Failed store')
            [CompletionResult]::new('update', 'update', [CompletionResultType]::ParameterValue, 'Change a store: its plan, domain, settings or labels')
            [CompletionResult]::new('suspend', 'suspend', [CompletionResultType]::ParameterValue, 'Stop a store''s WordPress and database, keeping every byte')
            [CompletionResult]::new('resume', 'resume', [CompletionResultType]::ParameterValue, 'Start a suspended store again')
            [CompletionResult]::new('check', 'check', [CompletionResultType]::ParameterValue, 'Shop at a store once as a guest would, and say what worked')
            [CompletionResult]::new('report', 'report', [CompletionResultType]::ParameterValue, 'Gather what a platform engineer needs about a store into one tar.gz')
            [CompletionResult]::new('backup', 'backup', [CompletionResultType]::ParameterValue, 'Back a store up into the platform''s object store')
            [CompletionResult]::new('backups', 'backups', [CompletionResultType]::ParameterValue, 'List a store''s backups, newest first (also of a store deleted since)')
            [CompletionResult]::new('restore', 'restore', [CompletionResultType]::ParameterValue, 'Put a store back, in place, to one of its completed backups')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'kubectl-nexus;store;help;create' {
            break
        }
        'kubectl-nexus;store;help;list' {
            break
        }
        'kubectl-nexus;store;help;get' {
            break
        }
        'kubectl-nexus;store;help;delete' {
            break
        }
        'kubectl-nexus;store;help;logs' {
            break
        }
        'kubectl-nexus;store;help;credentials' {
            break
        }
        'kubectl-nexus;store;help;retry' {
            break
        }
        'kubectl-nexus;store;help;update' {
            break
        }
        'kubectl-nexus;store;help;suspend' {
            break
        }
        'kubectl-nexus;store;help;resume' {
            break
        }
        'kubectl-nexus;store;help;check' {
            break
        }
        'kubectl-nexus;store;help;report' {
            break
        }
        'kubectl-nexus;store;help;backup' {
            [CompletionResult]::new('verify', 'verify', [CompletionResultType]::ParameterValue, 'Check a backup again: load it into a scratch MariaDB and compare it with its manifest (the operator does so once after every backup)')
            break
        }
        'kubectl-nexus;store;help;backup;verify' {
            break
        }
        'kubectl-nexus;store;help;backups' {
            break
        }
        'kubectl-nexus;store;help;restore' {
            break
        }
        'kubectl-nexus;store;help;help' {
            break
        }
        'kubectl-nexus;audit' {
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'Only what this user did (as the API server names them)')
            [CompletionResult]::new('--since', '--since', [CompletionResultType]::ParameterName, 'Only records this recent, such as 30m, 24h or 7d')
            [CompletionResult]::new('--action', '--action', [CompletionResultType]::ParameterName, 'Only records of this action')
            [CompletionResult]::new('--platform-namespace', '--platform-namespace', [CompletionResultType]::ParameterName, 'Where the operator keeps each chain''s anchor (its own namespace): --verify compares the chain with it when you may read it')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'The kubeconfig context to use')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'The namespace to act in (default: the context''s namespace, then "default")')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'The namespace to act in (default: the context''s namespace, then "default")')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('-A', '-A ', [CompletionResultType]::ParameterName, 'Records of every namespace you may read')
            [CompletionResult]::new('--all-namespaces', '--all-namespaces', [CompletionResultType]::ParameterName, 'Records of every namespace you may read')
            [CompletionResult]::new('--verify', '--verify', [CompletionResultType]::ParameterName, 'Check that no record was deleted or replaced; exit 1 naming the first broken link')
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'Keep printing new records as they are written')
            [CompletionResult]::new('--follow', '--follow', [CompletionResultType]::ParameterName, 'Keep printing new records as they are written')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'kubectl-nexus;quota' {
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'Ask about another user (needs the review-others verb on quotareviews.nexus.dev)')
            [CompletionResult]::new('-l', '-l', [CompletionResultType]::ParameterName, 'Ask the operator that serves stores with this label, KEY=VALUE (repeatable; for platforms sharded by --store-selector)')
            [CompletionResult]::new('--label', '--label', [CompletionResultType]::ParameterName, 'Ask the operator that serves stores with this label, KEY=VALUE (repeatable; for platforms sharded by --store-selector)')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'The kubeconfig context to use')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'The namespace to act in (default: the context''s namespace, then "default")')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'The namespace to act in (default: the context''s namespace, then "default")')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'kubectl-nexus;install' {
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'The kubeconfig context to use')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'The namespace to act in (default: the context''s namespace, then "default")')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'The namespace to act in (default: the context''s namespace, then "default")')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--apply', '--apply', [CompletionResultType]::ParameterName, 'Apply the manifests (server-side) instead of printing them')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Ask the API server what applying would change, and change nothing')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'kubectl-nexus;dashboard' {
            [CompletionResult]::new('--port', '--port', [CompletionResultType]::ParameterName, 'The port to serve on (0: any free one)')
            [CompletionResult]::new('--address', '--address', [CompletionResultType]::ParameterName, 'The address to serve on. Only this machine reaches the default')
            [CompletionResult]::new('--platform-namespace', '--platform-namespace', [CompletionResultType]::ParameterName, 'Where the operator keeps each audit chain''s anchor (its own namespace): a store''s page compares the chain with it when you may read it, as `kubectl nexus audit --verify` does')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'The kubeconfig context to use')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'The namespace to act in (default: the context''s namespace, then "default")')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'The namespace to act in (default: the context''s namespace, then "default")')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--allow-remote', '--allow-remote', [CompletionResultType]::ParameterName, 'Serve on an address other machines reach (the dashboard acts with your credentials: whoever first opens its printed address does too)')
            [CompletionResult]::new('--no-browser', '--no-browser', [CompletionResultType]::ParameterName, 'Print the address only; do not open a browser')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'kubectl-nexus;version' {
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'The kubeconfig context to use')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'The namespace to act in (default: the context''s namespace, then "default")')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'The namespace to act in (default: the context''s namespace, then "default")')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'kubectl-nexus;operator' {
            [CompletionResult]::new('--base-domain', '--base-domain', [CompletionResultType]::ParameterName, 'Stores are served at <name>.<base domain> unless they set spec.domain')
            [CompletionResult]::new('--ingress-class', '--ingress-class', [CompletionResultType]::ParameterName, 'IngressClass of the stores'' Ingresses')
            [CompletionResult]::new('--ingress-namespace', '--ingress-namespace', [CompletionResultType]::ParameterName, 'Namespace of the ingress controller, the only one allowed to reach WordPress')
            [CompletionResult]::new('--tls-issuer', '--tls-issuer', [CompletionResultType]::ParameterName, 'cert-manager ClusterIssuer for the stores'' TLS certificates (none: plain HTTP)')
            [CompletionResult]::new('--storage-class', '--storage-class', [CompletionResultType]::ParameterName, 'StorageClass of the stores'' volumes (default: the cluster''s default class)')
            [CompletionResult]::new('--cluster-cidrs', '--cluster-cidrs', [CompletionResultType]::ParameterName, 'CIDRs WordPress may not reach even on 80/443: the cluster''s pod and service ranges (comma-separated)')
            [CompletionResult]::new('--egress-deny-cidrs', '--egress-deny-cidrs', [CompletionResultType]::ParameterName, 'Further CIDRs no store may reach: cloud metadata and provider services (comma-separated; replaces the default list)')
            [CompletionResult]::new('--wordpress-image', '--wordpress-image', [CompletionResultType]::ParameterName, 'wordpress-image')
            [CompletionResult]::new('--database-image', '--database-image', [CompletionResultType]::ParameterName, 'database-image')
            [CompletionResult]::new('--setup-image', '--setup-image', [CompletionResultType]::ParameterName, 'The wp-cli image that runs the setup Job')
            [CompletionResult]::new('--wordpress-version', '--wordpress-version', [CompletionResultType]::ParameterName, 'The WordPress version the WordPress image ships (recorded in the status; the setup Job takes core from that image)')
            [CompletionResult]::new('--woocommerce-version', '--woocommerce-version', [CompletionResultType]::ParameterName, 'woocommerce-version')
            [CompletionResult]::new('--woocommerce-source', '--woocommerce-source', [CompletionResultType]::ParameterName, 'Where the setup Job takes WooCommerce from: `wordpress.org` (the plugin directory, at --woocommerce-version) or the http(s) URL of a zip the platform hosts, for clusters without internet access')
            [CompletionResult]::new('--plans-file', '--plans-file', [CompletionResultType]::ParameterName, 'YAML file with the plans'' quotas and container sizes (default: built in)')
            [CompletionResult]::new('--check-before-ready', '--check-before-ready', [CompletionResultType]::ParameterName, 'A new store is Ready only once a shopper''s check passed (home page, a product, a cart), run from a check pod once its Ingress routes. false: Ready as soon as every part runs (for clusters where check pods cannot run, such as simulated nodes)')
            [CompletionResult]::new('--provisioning-timeout', '--provisioning-timeout', [CompletionResultType]::ParameterName, 'A store not Ready this long after provisioning started is Failed')
            [CompletionResult]::new('--orphan-scan-interval', '--orphan-scan-interval', [CompletionResultType]::ParameterName, 'How often the leader looks for store namespaces whose Store is gone')
            [CompletionResult]::new('--concurrency', '--concurrency', [CompletionResultType]::ParameterName, 'Stores reconciled at once: auto (from 4, between 2 and 32, following how fast the API server answers and whether it turns requests away) or a fixed number')
            [CompletionResult]::new('--store-selector', '--store-selector', [CompletionResultType]::ParameterName, 'Reconcile only Stores with these labels (sharding, canaries, tests)')
            [CompletionResult]::new('--lease-name', '--lease-name', [CompletionResultType]::ParameterName, 'Name of the leader-election Lease')
            [CompletionResult]::new('--lease-namespace', '--lease-namespace', [CompletionResultType]::ParameterName, 'Namespace of the Lease (default: the pod''s namespace, else "default")')
            [CompletionResult]::new('--identity', '--identity', [CompletionResultType]::ParameterName, 'This replica''s name in the Lease (default: the host name)')
            [CompletionResult]::new('--webhook-address', '--webhook-address', [CompletionResultType]::ParameterName, 'Serve admission for Stores (every replica) at this address, over TLS. Active with --webhook-url or --webhook-service')
            [CompletionResult]::new('--webhook-url', '--webhook-url', [CompletionResultType]::ParameterName, 'The https URL the API server calls the webhook at, for an operator outside the cluster (e.g. https://127.0.0.1:9443)')
            [CompletionResult]::new('--webhook-service', '--webhook-service', [CompletionResultType]::ParameterName, 'The operator''s Service the API server calls the webhook through (NAMESPACE/NAME, port 443 to --webhook-address)')
            [CompletionResult]::new('--webhook-configuration', '--webhook-configuration', [CompletionResultType]::ParameterName, 'Name of the webhook configurations (mutating and validating)')
            [CompletionResult]::new('--policy', '--policy', [CompletionResultType]::ParameterName, 'The StorePolicy (cluster-scoped) the webhook enforces; none means no restrictions')
            [CompletionResult]::new('--webhook-secret', '--webhook-secret', [CompletionResultType]::ParameterName, 'Secret with the webhook''s CA and serving certificate, in the lease namespace')
            [CompletionResult]::new('--webhook-token-secret', '--webhook-token-secret', [CompletionResultType]::ParameterName, 'Secret (lease namespace) with the random token in the webhook''s paths: only the API server, told the paths by the webhook configurations, calls with it. Made when missing; delete it and restart to change the token')
            [CompletionResult]::new('--webhook-client-ca', '--webhook-client-ca', [CompletionResultType]::ParameterName, 'PEM file of the CA that signs the API server''s admission client certificate (given to the API server by its --admission-control-config-file): the webhook then accepts only TLS connections with a certificate it signed')
            [CompletionResult]::new('--webhook-client-name', '--webhook-client-name', [CompletionResultType]::ParameterName, 'Common names accepted on that client certificate (comma-separated or repeated); empty accepts any certificate the CA signed')
            [CompletionResult]::new('--user-request-rate', '--user-request-rate', [CompletionResultType]::ParameterName, 'Store requests a user may make a second at admission, per replica (the operator, cluster admins and the cluster''s own components are not held to it)')
            [CompletionResult]::new('--user-request-burst', '--user-request-burst', [CompletionResultType]::ParameterName, 'Store requests a user may make at once before the rate applies')
            [CompletionResult]::new('--refusal-window', '--refusal-window', [CompletionResultType]::ParameterName, 'Per namespace and user, the first few refusals of distinct kinds in this window are recorded one by one; the rest are counted into one record when it ends')
            [CompletionResult]::new('--audit-retention', '--audit-retention', [CompletionResultType]::ParameterName, 'Audit records older than this are pruned (a checkpoint record keeps the chain verifiable); 0s keeps them forever')
            [CompletionResult]::new('--audit-sink-token-file', '--audit-sink-token-file', [CompletionResultType]::ParameterName, 'File holding the bearer token the API server''s audit webhook backend sends to /audit; with it, audit records get the requests'' source IPs and user agents. Without it, /audit is not served')
            [CompletionResult]::new('--metrics-address', '--metrics-address', [CompletionResultType]::ParameterName, 'Address of /metrics, /healthz and /readyz')
            [CompletionResult]::new('--backup-endpoint', '--backup-endpoint', [CompletionResultType]::ParameterName, 'The S3-compatible object store backups go to (https://HOST[:PORT], path-style requests). Without it, backups are not configured')
            [CompletionResult]::new('--backup-bucket', '--backup-bucket', [CompletionResultType]::ParameterName, 'The bucket backups go to (one for the platform; each store''s under its UID)')
            [CompletionResult]::new('--backup-region', '--backup-region', [CompletionResultType]::ParameterName, 'The bucket''s region, as its signatures name it')
            [CompletionResult]::new('--backup-credentials-secret', '--backup-credentials-secret', [CompletionResultType]::ParameterName, 'Secret in the operator''s namespace with the bucket''s key (keys access-key-id and secret-access-key). Only the operator reads it')
            [CompletionResult]::new('--backup-ca', '--backup-ca', [CompletionResultType]::ParameterName, 'PEM file of the CA the object store''s certificate chains to; then only it is trusted (default: the system''s roots)')
            [CompletionResult]::new('--backup-recipient', '--backup-recipient', [CompletionResultType]::ParameterName, 'The platform''s age recipient (age1...): every part is encrypted to it before it leaves the cluster; its identity (the private key) is not the operator''s to hold: restores are given it')
            [CompletionResult]::new('--agent-image', '--agent-image', [CompletionResultType]::ParameterName, 'The image check, backup and restore Jobs run the agent from (this version''s operator image)')
            [CompletionResult]::new('--backup-egress-cidrs', '--backup-egress-cidrs', [CompletionResultType]::ParameterName, 'Where the object store''s addresses are (comma-separated CIDRs): only backup Jobs may connect there, a store''s WordPress never (default: the endpoint''s host resolved at start)')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'The kubeconfig context to use')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'The namespace to act in (default: the context''s namespace, then "default")')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'The namespace to act in (default: the context''s namespace, then "default")')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--manage-crds', '--manage-crds', [CompletionResultType]::ParameterName, 'Apply the CRDs of this version at start (Helm installs a chart''s CRDs but never upgrades them). Needs patch on Nexus''s CRDs, by name')
            [CompletionResult]::new('--webhook-installed', '--webhook-installed', [CompletionResultType]::ParameterName, 'The webhook configurations are installed by the platform (the Helm chart): only write the CA into them instead of applying them whole')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'kubectl-nexus;generate' {
            [CompletionResult]::new('--out', '--out', [CompletionResultType]::ParameterName, 'The repository root to write crds/, completions/ and man/ under; "-" prints CRDs to stdout')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'The kubeconfig context to use')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'The namespace to act in (default: the context''s namespace, then "default")')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'The namespace to act in (default: the context''s namespace, then "default")')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'kubectl-nexus;backup-agent' {
            [CompletionResult]::new('--database', '--database', [CompletionResultType]::ParameterName, 'The dump: a pipe the database container writes (or a file)')
            [CompletionResult]::new('--database-exit', '--database-exit', [CompletionResultType]::ParameterName, 'Where the database container writes mariadb-dump''s exit status')
            [CompletionResult]::new('--content', '--content', [CompletionResultType]::ParameterName, 'The store''s wp-content directory')
            [CompletionResult]::new('--work', '--work', [CompletionResultType]::ParameterName, 'Scratch directory for the encrypted parts')
            [CompletionResult]::new('--urls', '--urls', [CompletionResultType]::ParameterName, 'JSON file with the presigned PUT URLs: database, content, manifest')
            [CompletionResult]::new('--subject', '--subject', [CompletionResultType]::ParameterName, 'JSON file describing the store (namespace, name, uid, spec, versions)')
            [CompletionResult]::new('--recipient', '--recipient', [CompletionResultType]::ParameterName, 'An age recipient (age1...) every part is encrypted to; repeated for each (the platform''s, the store''s own)')
            [CompletionResult]::new('--ca', '--ca', [CompletionResultType]::ParameterName, 'PEM file of the CA the object store''s certificate chains to')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'The kubeconfig context to use')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'The namespace to act in (default: the context''s namespace, then "default")')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'The namespace to act in (default: the context''s namespace, then "default")')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'kubectl-nexus;restore-agent' {
            [CompletionResult]::new('--plan', '--plan', [CompletionResultType]::ParameterName, 'JSON file with each part''s presigned GET URL, size and SHA-256, and the manifest''s row counts')
            [CompletionResult]::new('--identity', '--identity', [CompletionResultType]::ParameterName, 'File holding the store''s own age identity (AGE-SECRET-KEY-1...)')
            [CompletionResult]::new('--ca', '--ca', [CompletionResultType]::ParameterName, 'PEM file of the CA the object store''s certificate chains to')
            [CompletionResult]::new('--work', '--work', [CompletionResultType]::ParameterName, 'Scratch directory: the fetched parts and the opened dump')
            [CompletionResult]::new('--content', '--content', [CompletionResultType]::ParameterName, 'The store''s wp-content volume (the backup''s is opened beside it)')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'The kubeconfig context to use')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'The namespace to act in (default: the context''s namespace, then "default")')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'The namespace to act in (default: the context''s namespace, then "default")')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'kubectl-nexus;check-agent' {
            [CompletionResult]::new('--service', '--service', [CompletionResultType]::ParameterName, 'host:port of the store''s WordPress Service')
            [CompletionResult]::new('--url', '--url', [CompletionResultType]::ParameterName, 'The store''s URL: its host and scheme are sent as the Ingress sends them')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'How long one request may take')
            [CompletionResult]::new('--connect-grace', '--connect-grace', [CompletionResultType]::ParameterName, 'How long the first connection is tried again while it is refused: the network plugin programs a new pod''s NetworkPolicies after it starts')
            [CompletionResult]::new('--check-token', '--check-token', [CompletionResultType]::ParameterName, 'The store''s check token (its Secret `check-token`), sent with every request of the checkout: the store sells its check product only to a request that carries it')
            [CompletionResult]::new('--report-file', '--report-file', [CompletionResultType]::ParameterName, 'Where the report goes as well as to standard output (the pod''s termination message, which the operator reads)')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'The kubeconfig context to use')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'The namespace to act in (default: the context''s namespace, then "default")')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'The namespace to act in (default: the context''s namespace, then "default")')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--checkout', '--checkout', [CompletionResultType]::ParameterName, 'Also buy the store''s check product with Cash on Delivery')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'kubectl-nexus;help' {
            [CompletionResult]::new('store', 'store', [CompletionResultType]::ParameterValue, 'Create, inspect and delete stores')
            [CompletionResult]::new('audit', 'audit', [CompletionResultType]::ParameterValue, 'Show who did what to stores: the audit records, oldest first')
            [CompletionResult]::new('quota', 'quota', [CompletionResultType]::ParameterValue, 'Show your store limits and usage, and a store''s resource quota')
            [CompletionResult]::new('install', 'install', [CompletionResultType]::ParameterValue, 'Install the platform without Helm: print its manifests, or apply them')
            [CompletionResult]::new('dashboard', 'dashboard', [CompletionResultType]::ParameterValue, 'See the fleet and each store in your browser, as you')
            [CompletionResult]::new('version', 'version', [CompletionResultType]::ParameterValue, 'Print the client version and, when reachable, the server version')
            [CompletionResult]::new('operator', 'operator', [CompletionResultType]::ParameterValue, 'Run the operator that provisions stores (in the cluster or from here)')
            [CompletionResult]::new('generate', 'generate', [CompletionResultType]::ParameterValue, 'Write the generated files: CRDs, shell completions, man pages')
            [CompletionResult]::new('backup-agent', 'backup-agent', [CompletionResultType]::ParameterValue, 'Take one backup inside a backup Job (the operator runs it)')
            [CompletionResult]::new('restore-agent', 'restore-agent', [CompletionResultType]::ParameterValue, 'Fetch, check and open one backup inside a restore Job (the operator runs it)')
            [CompletionResult]::new('check-agent', 'check-agent', [CompletionResultType]::ParameterValue, 'Shop once at a store as a guest inside its check pod (the operator runs it)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'kubectl-nexus;help;store' {
            [CompletionResult]::new('create', 'create', [CompletionResultType]::ParameterValue, 'Create a store')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List stores in the namespace, or in all namespaces with -A')
            [CompletionResult]::new('get', 'get', [CompletionResultType]::ParameterValue, 'Show a store: phase, conditions, URL, credentials reference, recent events')
            [CompletionResult]::new('delete', 'delete', [CompletionResultType]::ParameterValue, 'Delete a store and everything provisioned for it')
            [CompletionResult]::new('logs', 'logs', [CompletionResultType]::ParameterValue, 'Print the logs of a store''s pods')
            [CompletionResult]::new('credentials', 'credentials', [CompletionResultType]::ParameterValue, 'Print a store''s WordPress admin credentials (they are secret)')
            [CompletionResult]::new('retry', 'retry', [CompletionResultType]::ParameterValue, 'Provision a Failed store again, or every Failed store')
            [CompletionResult]::new('update', 'update', [CompletionResultType]::ParameterValue, 'Change a store: its plan, domain, settings or labels')
            [CompletionResult]::new('suspend', 'suspend', [CompletionResultType]::ParameterValue, 'Stop a store''s WordPress and database, keeping every byte')
            [CompletionResult]::new('resume', 'resume', [CompletionResultType]::ParameterValue, 'Start a suspended store again')
            [CompletionResult]::new('check', 'check', [CompletionResultType]::ParameterValue, 'Shop at a store once as a guest would, and say what worked')
            [CompletionResult]::new('report', 'report', [CompletionResultType]::ParameterValue, 'Gather what a platform engineer needs about a store into one tar.gz')
            [CompletionResult]::new('backup', 'backup', [CompletionResultType]::ParameterValue, 'Back a store up into the platform''s object store')
            [CompletionResult]::new('backups', 'backups', [CompletionResultType]::ParameterValue, 'List a store''s backups, newest first (also of a store deleted since)')
            [CompletionResult]::new('restore', 'restore', [CompletionResultType]::ParameterValue, 'Put a store back, in place, to one of its completed backups')
            break
        }
        'kubectl-nexus;help;store;create' {
            break
        }
        'kubectl-nexus;help;store;list' {
            break
        }
        'kubectl-nexus;help;store;get' {
            break
        }
        'kubectl-nexus;help;store;delete' {
            break
        }
        'kubectl-nexus;help;store;logs' {
            break
        }
        'kubectl-nexus;help;store;credentials' {
            break
        }
        'kubectl-nexus;help;store;retry' {
            break
        }
        'kubectl-nexus;help;store;update' {
            break
        }
        'kubectl-nexus;help;store;suspend' {
            break
        }
        'kubectl-nexus;help;store;resume' {
            break
        }
        'kubectl-nexus;help;store;check' {
            break
        }
        'kubectl-nexus;help;store;report' {
            break
        }
        'kubectl-nexus;help;store;backup' {
            [CompletionResult]::new('verify', 'verify', [CompletionResultType]::ParameterValue, 'Check a backup again: load it into a scratch MariaDB and compare it with its manifest (the operator does so once after every backup)')
            break
        }
        'kubectl-nexus;help;store;backup;verify' {
            break
        }
        'kubectl-nexus;help;store;backups' {
            break
        }
        'kubectl-nexus;help;store;restore' {
            break
        }
        'kubectl-nexus;help;audit' {
            break
        }
        'kubectl-nexus;help;quota' {
            break
        }
        'kubectl-nexus;help;install' {
            break
        }
        'kubectl-nexus;help;dashboard' {
            break
        }
        'kubectl-nexus;help;version' {
            break
        }
        'kubectl-nexus;help;operator' {
            break
        }
        'kubectl-nexus;help;generate' {
            break
        }
        'kubectl-nexus;help;backup-agent' {
            break
        }
        'kubectl-nexus;help;restore-agent' {
            break
        }
        'kubectl-nexus;help;check-agent' {
            break
        }
        'kubectl-nexus;help;help' {
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}
