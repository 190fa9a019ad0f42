# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_kubectl_nexus_global_optspecs
    string join \n kubeconfig= context= n/namespace= o/output= h/help V/version
end

function __fish_kubectl_nexus_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_kubectl_nexus_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_kubectl_nexus_using_subcommand
    set -l cmd (__fish_kubectl_nexus_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c kubectl-nexus -n "__fish_kubectl_nexus_needs_command" -l kubeconfig -d 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)' -r -F
complete -c kubectl-nexus -n "__fish_kubectl_nexus_needs_command" -l context -d 'The kubeconfig context to use' -r
complete -c kubectl-nexus -n "__fish_kubectl_nexus_needs_command" -s n -l namespace -d 'The namespace to act in (default: the context\'s namespace, then "default")' -r
complete -c kubectl-nexus -n "__fish_kubectl_nexus_needs_command" -s o -l output -d 'Output format' -r -f -a "table\t'A human-readable table'
wide\t'The table with more columns'
json\t''
yaml\t''
name\t'Only resource names, one a line (kind/name)'"
complete -c kubectl-nexus -n "__fish_kubectl_nexus_needs_command" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c kubectl-nexus -n "__fish_kubectl_nexus_needs_command" -s V -l version -d 'Print version'
complete -c kubectl-nexus -n "__fish_kubectl_nexus_needs_command" -f -a "store" -d 'Create, inspect and delete stores'
complete -c kubectl-nexus -n "__fish_kubectl_nexus_needs_command" -f -a "audit" -d 'Show who did what to stores: the audit records, oldest first'
complete -c kubectl-nexus -n "__fish_kubectl_nexus_needs_command" -f -a "quota" -d 'Show your store limits and usage, and a store\'s resource quota'
complete -c kubectl-nexus -n "__fish_kubectl_nexus_needs_command" -f -a "install" -d 'Install the platform without Helm: print its manifests, or apply them'
complete -c kubectl-nexus -n "__fish_kubectl_nexus_needs_command" -f -a "dashboard" -d 'See the fleet and each store in your browser, as you'
complete -c kubectl-nexus -n "__fish_kubectl_nexus_needs_command" -f -a "version" -d 'Print the client version and, when reachable, the server version'
complete -c kubectl-nexus -n "__fish_kubectl_nexus_needs_command" -f -a "operator" -d 'Run the operator that provisions stores (in the cluster or from here)'
complete -c kubectl-nexus -n "__fish_kubectl_nexus_needs_command" -f -a "generate" -d 'Write the generated files: CRDs, shell completions, man pages'
complete -c kubectl-nexus -n "__fish_kubectl_nexus_needs_command" -f -a "backup-agent" -d 'Take one backup inside a backup Job (the operator runs it)'
complete -c kubectl-nexus -n "__fish_kubectl_nexus_needs_command" -f -a "restore-agent" -d 'Fetch, check and open one backup inside a restore Job (the operator runs it)'
complete -c kubectl-nexus -n "__fish_kubectl_nexus_needs_command" -f -a "check-agent" -d 'Shop once at a store as a guest inside its check pod (the operator runs it)'
complete -c kubectl-nexus -n "__fish_kubectl_nexus_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand store; and not __fish_seen_subcommand_from create list get delete logs credentials retry update suspend resume check report backup backups restore help" -l kubeconfig -d 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)' -r -F
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand store; and not __fish_seen_subcommand_from create list get delete logs credentials retry update suspend resume check report backup backups restore help" -l context -d 'The kubeconfig context to use' -r
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand store; and not __fish_seen_subcommand_from create list get delete logs credentials retry update suspend resume check report backup backups restore help" -s n -l namespace -d 'The namespace to act in (default: the context\'s namespace, then "default")' -r
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand store; and not __fish_seen_subcommand_from create list get delete logs credentials retry update suspend resume check report backup backups restore help" -s o -l output -d 'Output format' -r -f -a "table\t'A human-readable table'
wide\t'The table with more columns'
json\t''
yaml\t''
name\t'Only resource names, one a line (kind/name)'"
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand store; and not __fish_seen_subcommand_from create list get delete logs credentials retry update suspend resume check report backup backups restore help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand store; and not __fish_seen_subcommand_from create list get delete logs credentials retry update suspend resume check report backup backups restore help" -s V -l version -d 'Print version'
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand store; and not __fish_seen_subcommand_from create list get delete logs credentials retry update suspend resume check report backup backups restore help" -f -a "create" -d 'Create a store'
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand store; and not __fish_seen_subcommand_from create list get delete logs credentials retry update suspend resume check report backup backups restore help" -f -a "list" -d 'List stores in the namespace, or in all namespaces with -A'
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand store; and not __fish_seen_subcommand_from create list get delete logs credentials retry update suspend resume check report backup backups restore help" -f -a "get" -d 'Show a store: phase, conditions, URL, credentials reference, recent events'
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand store; and not __fish_seen_subcommand_from create list get delete logs credentials retry update suspend resume check report backup backups restore help" -f -a "delete" -d 'Delete a store and everything provisioned for it'
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand store; and not __fish_seen_subcommand_from create list get delete logs credentials retry update suspend resume check report backup backups restore help" -f -a "logs" -d 'Print the logs of a store\'s pods'
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand store; and not __fish_seen_subcommand_from create list get delete logs credentials retry update suspend resume check report backup backups restore help" -f -a "credentials" -d 'Print a store\'s WordPress admin credentials (they are secret)'
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand store; and not __fish_seen_subcommand_from create list get delete logs credentials retry update suspend resume check report backup backups restore help" -f -a "retry" -d 'Provision a Failed store again, or every Failed store'
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand store; and not __fish_seen_subcommand_from create list get delete logs credentials retry update suspend resume check report backup backups restore help" -f -a "update" -d 'Change a store: its plan, domain, settings or labels'
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand store; and not __fish_seen_subcommand_from create list get delete logs credentials retry update suspend resume check report backup backups restore help" -f -a "suspend" -d 'Stop a store\'s WordPress and database, keeping every byte'
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand store; and not __fish_seen_subcommand_from create list get delete logs credentials retry update suspend resume check report backup backups restore help" -f -a "resume" -d 'Start a suspended store again'
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand store; and not __fish_seen_subcommand_from create list get delete logs credentials retry update suspend resume check report backup backups restore help" -f -a "check" -d 'Shop at a store once as a guest would, and say what worked'
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand store; and not __fish_seen_subcommand_from create list get delete logs credentials retry update suspend resume check report backup backups restore help" -f -a "report" -d 'Gather what a platform engineer needs about a store into one tar.gz'
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand store; and not __fish_seen_subcommand_from create list get delete logs credentials retry update suspend resume check report backup backups restore help" -f -a "backup" -d 'Back a store up into the platform\'s object store'
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand store; and not __fish_seen_subcommand_from create list get delete logs credentials retry update suspend resume check report backup backups restore help" -f -a "backups" -d 'List a store\'s backups, newest first (also of a store deleted since)'
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand store; and not __fish_seen_subcommand_from create list get delete logs credentials retry update suspend resume check report backup backups restore help" -f -a "restore" -d 'Put a store back, in place, to one of its completed backups'
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand store; and not __fish_seen_subcommand_from create list get delete logs credentials retry update suspend resume check report backup backups restore help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand store; and __fish_seen_subcommand_from create" -l plan -d 'The store\'s size: resource quota and limits' -r -f -a "small\t''
medium\t''
large\t''"
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand store; and __fish_seen_subcommand_from create" -l domain -d 'Serve the store at this host name instead of <name>.<base domain>' -r
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand store; and __fish_seen_subcommand_from create" -l admin-email -d 'Email address of the WordPress administrator' -r
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand store; and __fish_seen_subcommand_from create" -l currency -d 'The shop\'s currency: an ISO 4217 code such as USD or EUR, or one WooCommerce adds such as BTC' -r
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand store; and __fish_seen_subcommand_from create" -s l -l label -d 'A label for the Store, KEY=VALUE (repeatable)' -r
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand store; and __fish_seen_subcommand_from create" -l backup-schedule -d 'Back the store up on this schedule: cron\'s five fields in UTC, such as "0 3 * * *" (03:00 every day)' -r
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand store; and __fish_seen_subcommand_from create" -l keep-backups -d 'Keep the newest N scheduled backups (older ones are removed)' -r
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand store; and __fish_seen_subcommand_from create" -l keep-backups-for -d 'Keep scheduled backups for this long, such as 30d' -r
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand store; and __fish_seen_subcommand_from create" -l check-interval -d 'Have the operator check the store as a shopper this often, such as 15m (1m to 24h); the result is its Healthy condition' -r
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand store; and __fish_seen_subcommand_from create" -l from-backup -d 'Make the store as a clone of a completed backup in this namespace (of any store, also one deleted since): its orders, customers, products and uploads, with new secrets and the site\'s addresses rewritten to the new store\'s. Without --currency it keeps the backup\'s currency, and it gets no sample product' -r
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand store; and __fish_seen_subcommand_from create" -l timeout -d 'How long --wait waits, such as 90s, 10m or 1h' -r
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand store; and __fish_seen_subcommand_from create" -l kubeconfig -d 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)' -r -F
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand store; and __fish_seen_subcommand_from create" -l context -d 'The kubeconfig context to use' -r
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand store; and __fish_seen_subcommand_from create" -s n -l namespace -d 'The namespace to act in (default: the context\'s namespace, then "default")' -r
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand store; and __fish_seen_subcommand_from create" -s o -l output -d 'Output format' -r -f -a "table\t'A human-readable table'
wide\t'The table with more columns'
json\t''
yaml\t''
name\t'Only resource names, one a line (kind/name)'"
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand store; and __fish_seen_subcommand_from create" -l no-sample-products -d 'Do not create a sample product'
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand store; and __fish_seen_subcommand_from create" -l wait -d 'Wait until the operation finished (Ready or Failed; for delete, gone; for a backup, Completed or Failed)'
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand store; and __fish_seen_subcommand_from create" -l dry-run -d 'Print the Store that would be created and create nothing'
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand store; and __fish_seen_subcommand_from create" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand store; and __fish_seen_subcommand_from create" -s V -l version -d 'Print version'
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand store; and __fish_seen_subcommand_from list" -l chunk-size -d 'Ask the API server for this many stores at a time (0: all at once), as kubectl does' -r
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand store; and __fish_seen_subcommand_from list" -l kubeconfig -d 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)' -r -F
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand store; and __fish_seen_subcommand_from list" -l context -d 'The kubeconfig context to use' -r
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand store; and __fish_seen_subcommand_from list" -s n -l namespace -d 'The namespace to act in (default: the context\'s namespace, then "default")' -r
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand store; and __fish_seen_subcommand_from list" -s o -l output -d 'Output format' -r -f -a "table\t'A human-readable table'
wide\t'The table with more columns'
json\t''
yaml\t''
name\t'Only resource names, one a line (kind/name)'"
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand store; and __fish_seen_subcommand_from list" -s A -l all-namespaces -d 'List stores in all namespaces'
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand store; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand store; and __fish_seen_subcommand_from list" -s V -l version -d 'Print version'
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand store; and __fish_seen_subcommand_from get" -l kubeconfig -d 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)' -r -F
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand store; and __fish_seen_subcommand_from get" -l context -d 'The kubeconfig context to use' -r
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand store; and __fish_seen_subcommand_from get" -s n -l namespace -d 'The namespace to act in (default: the context\'s namespace, then "default")' -r
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand store; and __fish_seen_subcommand_from get" -s o -l output -d 'Output format' -r -f -a "table\t'A human-readable table'
wide\t'The table with more columns'
json\t''
yaml\t''
name\t'Only resource names, one a line (kind/name)'"
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand store; and __fish_seen_subcommand_from get" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand store; and __fish_seen_subcommand_from get" -s V -l version -d 'Print version'
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand store; and __fish_seen_subcommand_from delete" -l timeout -d 'How long --wait waits, such as 90s, 10m or 1h' -r
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand store; and __fish_seen_subcommand_from delete" -l kubeconfig -d 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)' -r -F
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand store; and __fish_seen_subcommand_from delete" -l context -d 'The kubeconfig context to use' -r
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand store; and __fish_seen_subcommand_from delete" -s n -l namespace -d 'The namespace to act in (default: the context\'s namespace, then "default")' -r
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand store; and __fish_seen_subcommand_from delete" -s o -l output -d 'Output format' -r -f -a "table\t'A human-readable table'
wide\t'The table with more columns'
json\t''
yaml\t''
name\t'Only resource names, one a line (kind/name)'"
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand store; and __fish_seen_subcommand_from delete" -s y -l yes -d 'Do not ask for confirmation (required when stdin is not a terminal)'
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand store; and __fish_seen_subcommand_from delete" -l skip-final-backup -d 'Delete it without the final backup the operator otherwise takes first (when backups are configured); the audit trail records it'
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand store; and __fish_seen_subcommand_from delete" -l wait -d 'Wait until the operation finished (Ready or Failed; for delete, gone; for a backup, Completed or Failed)'
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand store; and __fish_seen_subcommand_from delete" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand store; and __fish_seen_subcommand_from delete" -s V -l version -d 'Print version'
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand store; and __fish_seen_subcommand_from logs" -l component -d 'Which part of the store' -r -f -a "wordpress\t''
database\t''
setup\t''"
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand store; and __fish_seen_subcommand_from logs" -l tail -d 'Print only the last N lines of each pod' -r
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand store; and __fish_seen_subcommand_from logs" -l kubeconfig -d 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)' -r -F
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand store; and __fish_seen_subcommand_from logs" -l context -d 'The kubeconfig context to use' -r
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand store; and __fish_seen_subcommand_from logs" -s n -l namespace -d 'The namespace to act in (default: the context\'s namespace, then "default")' -r
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand store; and __fish_seen_subcommand_from logs" -s o -l output -d 'Output format' -r -f -a "table\t'A human-readable table'
wide\t'The table with more columns'
json\t''
yaml\t''
name\t'Only resource names, one a line (kind/name)'"
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand store; and __fish_seen_subcommand_from logs" -s f -l follow -d 'Keep streaming new log lines'
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand store; and __fish_seen_subcommand_from logs" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand store; and __fish_seen_subcommand_from logs" -s V -l version -d 'Print version'
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand store; and __fish_seen_subcommand_from credentials" -l kubeconfig -d 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)' -r -F
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand store; and __fish_seen_subcommand_from credentials" -l context -d 'The kubeconfig context to use' -r
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand store; and __fish_seen_subcommand_from credentials" -s n -l namespace -d 'The namespace to act in (default: the context\'s namespace, then "default")' -r
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand store; and __fish_seen_subcommand_from credentials" -s o -l output -d 'Output format' -r -f -a "table\t'A human-readable table'
wide\t'The table with more columns'
json\t''
yaml\t''
name\t'Only resource names, one a line (kind/name)'"
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand store; and __fish_seen_subcommand_from credentials" -l save-to-keyring -d 'Also save the password in the OS keyring (service "nexus", user "<namespace>/<store>")'
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand store; and __fish_seen_subcommand_from credentials" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand store; and __fish_seen_subcommand_from credentials" -s V -l version -d 'Print version'
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand store; and __fish_seen_subcommand_from retry" -l kubeconfig -d 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)' -r -F
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand store; and __fish_seen_subcommand_from retry" -l context -d 'The kubeconfig context to use' -r
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand store; and __fish_seen_subcommand_from retry" -s n -l namespace -d 'The namespace to act in (default: the context\'s namespace, then "default")' -r
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand store; and __fish_seen_subcommand_from retry" -s o -l output -d 'Output format' -r -f -a "table\t'A human-readable table'
wide\t'The table with more columns'
json\t''
yaml\t''
name\t'Only resource names, one a line (kind/name)'"
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand store; and __fish_seen_subcommand_from retry" -l all-failed -d 'Retry every store whose phase is Failed (after you fixed what failed them)'
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand store; and __fish_seen_subcommand_from retry" -s A -l all-namespaces -d 'With --all-failed: in every namespace you may list'
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand store; and __fish_seen_subcommand_from retry" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand store; and __fish_seen_subcommand_from retry" -s V -l version -d 'Print version'
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand store; and __fish_seen_subcommand_from update" -l plan -d 'The store\'s size: resource quota and limits. Its pods restart with the new sizes; its volumes keep theirs' -r -f -a "small\t''
medium\t''
large\t''"
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand store; and __fish_seen_subcommand_from update" -l domain -d 'Serve the store at this host name instead (the site\'s addresses are rewritten to it)' -r
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand store; and __fish_seen_subcommand_from update" -l admin-email -d 'Email address of the WordPress administrator' -r
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand store; and __fish_seen_subcommand_from update" -l currency -d 'The shop\'s currency: an ISO 4217 code such as USD or EUR, or one WooCommerce adds such as BTC' -r
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand store; and __fish_seen_subcommand_from update" -l check-interval -d 'Have the operator check the store as a shopper this often, such as 15m (1m to 24h)' -r
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand store; and __fish_seen_subcommand_from update" -s l -l label -d 'Set a label, KEY=VALUE, or remove one, KEY- (repeatable)' -r
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand store; and __fish_seen_subcommand_from update" -l timeout -d 'How long --wait waits, such as 90s, 10m or 1h' -r
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand store; and __fish_seen_subcommand_from update" -l kubeconfig -d 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)' -r -F
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand store; and __fish_seen_subcommand_from update" -l context -d 'The kubeconfig context to use' -r
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand store; and __fish_seen_subcommand_from update" -s n -l namespace -d 'The namespace to act in (default: the context\'s namespace, then "default")' -r
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand store; and __fish_seen_subcommand_from update" -s o -l output -d 'Output format' -r -f -a "table\t'A human-readable table'
wide\t'The table with more columns'
json\t''
yaml\t''
name\t'Only resource names, one a line (kind/name)'"
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand store; and __fish_seen_subcommand_from update" -l default-domain -d 'Serve the store at <name>.<base domain> again'
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand store; and __fish_seen_subcommand_from update" -l sample-products -d 'Create the sample product (when the shop has none)'
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand store; and __fish_seen_subcommand_from update" -l no-sample-products -d 'Do not create a sample product'
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand store; and __fish_seen_subcommand_from update" -l no-check -d 'Stop the operator\'s own checks of the store'
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand store; and __fish_seen_subcommand_from update" -l force-conflicts -d 'Take over fields another field manager set (their kubectl apply will then conflict with yours)'
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand store; and __fish_seen_subcommand_from update" -l dry-run -d 'Ask the API server what would change (admission included), print it as a diff with what the operator would do, and change nothing'
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand store; and __fish_seen_subcommand_from update" -l wait -d 'Wait until the operation finished (Ready or Failed; for delete, gone; for a backup, Completed or Failed)'
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand store; and __fish_seen_subcommand_from update" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand store; and __fish_seen_subcommand_from update" -s V -l version -d 'Print version'
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand store; and __fish_seen_subcommand_from suspend" -l timeout -d 'How long --wait waits, such as 90s, 10m or 1h' -r
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand store; and __fish_seen_subcommand_from suspend" -l kubeconfig -d 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)' -r -F
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand store; and __fish_seen_subcommand_from suspend" -l context -d 'The kubeconfig context to use' -r
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand store; and __fish_seen_subcommand_from suspend" -s n -l namespace -d 'The namespace to act in (default: the context\'s namespace, then "default")' -r
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand store; and __fish_seen_subcommand_from suspend" -s o -l output -d 'Output format' -r -f -a "table\t'A human-readable table'
wide\t'The table with more columns'
json\t''
yaml\t''
name\t'Only resource names, one a line (kind/name)'"
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand store; and __fish_seen_subcommand_from suspend" -l force-conflicts -d 'Take over spec.suspend when another field manager set it (their kubectl apply will then conflict with yours)'
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand store; and __fish_seen_subcommand_from suspend" -l wait -d 'Wait until the operation finished (Ready or Failed; for delete, gone; for a backup, Completed or Failed)'
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand store; and __fish_seen_subcommand_from suspend" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand store; and __fish_seen_subcommand_from suspend" -s V -l version -d 'Print version'
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand store; and __fish_seen_subcommand_from resume" -l timeout -d 'How long --wait waits, such as 90s, 10m or 1h' -r
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand store; and __fish_seen_subcommand_from resume" -l kubeconfig -d 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)' -r -F
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand store; and __fish_seen_subcommand_from resume" -l context -d 'The kubeconfig context to use' -r
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand store; and __fish_seen_subcommand_from resume" -s n -l namespace -d 'The namespace to act in (default: the context\'s namespace, then "default")' -r
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand store; and __fish_seen_subcommand_from resume" -s o -l output -d 'Output format' -r -f -a "table\t'A human-readable table'
wide\t'The table with more columns'
json\t''
yaml\t''
name\t'Only resource names, one a line (kind/name)'"
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand store; and __fish_seen_subcommand_from resume" -l force-conflicts -d 'Take over spec.suspend when another field manager set it (their kubectl apply will then conflict with yours)'
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand store; and __fish_seen_subcommand_from resume" -l wait -d 'Wait until the operation finished (Ready or Failed; for delete, gone; for a backup, Completed or Failed)'
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand store; and __fish_seen_subcommand_from resume" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand store; and __fish_seen_subcommand_from resume" -s V -l version -d 'Print version'
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand store; and __fish_seen_subcommand_from check" -l timeout -d 'How long to wait for the answer, such as 90s or 10m (a check waits for room in the store\'s quota while its setup runs)' -r
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand store; and __fish_seen_subcommand_from check" -l kubeconfig -d 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)' -r -F
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand store; and __fish_seen_subcommand_from check" -l context -d 'The kubeconfig context to use' -r
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand store; and __fish_seen_subcommand_from check" -s n -l namespace -d 'The namespace to act in (default: the context\'s namespace, then "default")' -r
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand store; and __fish_seen_subcommand_from check" -s o -l output -d 'Output format' -r -f -a "table\t'A human-readable table'
wide\t'The table with more columns'
json\t''
yaml\t''
name\t'Only resource names, one a line (kind/name)'"
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand store; and __fish_seen_subcommand_from check" -l checkout -d 'Also place a Cash on Delivery order for the store\'s hidden check product (free, virtual), which the store deletes at once without sending an email'
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand store; and __fish_seen_subcommand_from check" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand store; and __fish_seen_subcommand_from check" -s V -l version -d 'Print version'
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand store; and __fish_seen_subcommand_from report" -s f -l file -d 'Where to write the archive ("-": standard output); default nexus-report-<store>-<UTC time>.tar.gz in the current directory' -r -F
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand store; and __fish_seen_subcommand_from report" -l tail -d 'Log lines to keep from the end of each container\'s log' -r
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand store; and __fish_seen_subcommand_from report" -l platform-namespace -d 'Where the operator runs: its log lines about the store are added when you may read its pods' -r
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand store; and __fish_seen_subcommand_from report" -l kubeconfig -d 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)' -r -F
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand store; and __fish_seen_subcommand_from report" -l context -d 'The kubeconfig context to use' -r
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand store; and __fish_seen_subcommand_from report" -s n -l namespace -d 'The namespace to act in (default: the context\'s namespace, then "default")' -r
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand store; and __fish_seen_subcommand_from report" -s o -l output -d 'Output format' -r -f -a "table\t'A human-readable table'
wide\t'The table with more columns'
json\t''
yaml\t''
name\t'Only resource names, one a line (kind/name)'"
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand store; and __fish_seen_subcommand_from report" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand store; and __fish_seen_subcommand_from report" -s V -l version -d 'Print version'
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand store; and __fish_seen_subcommand_from backup" -l timeout -d 'How long --wait waits, such as 90s, 10m or 1h' -r
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand store; and __fish_seen_subcommand_from backup" -l kubeconfig -d 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)' -r -F
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand store; and __fish_seen_subcommand_from backup" -l context -d 'The kubeconfig context to use' -r
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand store; and __fish_seen_subcommand_from backup" -s n -l namespace -d 'The namespace to act in (default: the context\'s namespace, then "default")' -r
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand store; and __fish_seen_subcommand_from backup" -s o -l output -d 'Output format' -r -f -a "table\t'A human-readable table'
wide\t'The table with more columns'
json\t''
yaml\t''
name\t'Only resource names, one a line (kind/name)'"
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand store; and __fish_seen_subcommand_from backup" -l wait -d 'Wait until the operation finished (Ready or Failed; for delete, gone; for a backup, Completed or Failed)'
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand store; and __fish_seen_subcommand_from backup" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand store; and __fish_seen_subcommand_from backup" -s V -l version -d 'Print version'
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand store; and __fish_seen_subcommand_from backup" -a "verify" -d 'Check a backup again: load it into a scratch MariaDB and compare it with its manifest (the operator does so once after every backup)'
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand store; and __fish_seen_subcommand_from backup" -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand store; and __fish_seen_subcommand_from backups" -l kubeconfig -d 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)' -r -F
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand store; and __fish_seen_subcommand_from backups" -l context -d 'The kubeconfig context to use' -r
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand store; and __fish_seen_subcommand_from backups" -s n -l namespace -d 'The namespace to act in (default: the context\'s namespace, then "default")' -r
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand store; and __fish_seen_subcommand_from backups" -s o -l output -d 'Output format' -r -f -a "table\t'A human-readable table'
wide\t'The table with more columns'
json\t''
yaml\t''
name\t'Only resource names, one a line (kind/name)'"
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand store; and __fish_seen_subcommand_from backups" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand store; and __fish_seen_subcommand_from backups" -s V -l version -d 'Print version'
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand store; and __fish_seen_subcommand_from restore" -l from -d 'The Backup to restore (kubectl nexus store backups NAME lists them)' -r
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand store; and __fish_seen_subcommand_from restore" -l timeout -d 'How long --wait waits, such as 90s, 10m or 1h' -r
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand store; and __fish_seen_subcommand_from restore" -l kubeconfig -d 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)' -r -F
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand store; and __fish_seen_subcommand_from restore" -l context -d 'The kubeconfig context to use' -r
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand store; and __fish_seen_subcommand_from restore" -s n -l namespace -d 'The namespace to act in (default: the context\'s namespace, then "default")' -r
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand store; and __fish_seen_subcommand_from restore" -s o -l output -d 'Output format' -r -f -a "table\t'A human-readable table'
wide\t'The table with more columns'
json\t''
yaml\t''
name\t'Only resource names, one a line (kind/name)'"
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand store; and __fish_seen_subcommand_from restore" -l wait -d 'Wait until the operation finished (Ready or Failed; for delete, gone; for a backup, Completed or Failed)'
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand store; and __fish_seen_subcommand_from restore" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand store; and __fish_seen_subcommand_from restore" -s V -l version -d 'Print version'
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand store; and __fish_seen_subcommand_from help" -f -a "create" -d 'Create a store'
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand store; and __fish_seen_subcommand_from help" -f -a "list" -d 'List stores in the namespace, or in all namespaces with -A'
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand store; and __fish_seen_subcommand_from help" -f -a "get" -d 'Show a store: phase, conditions, URL, credentials reference, recent events'
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand store; and __fish_seen_subcommand_from help" -f -a "delete" -d 'Delete a store and everything provisioned for it'
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand store; and __fish_seen_subcommand_from help" -f -a "logs" -d 'Print the logs of a store\'s pods'
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand store; and __fish_seen_subcommand_from help" -f -a "credentials" -d 'Print a store\'s WordPress admin credentials (they are secret)'
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand store; and __fish_seen_subcommand_from help" -f -a "retry" -d 'Provision a Failed store again, or every Failed store'
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand store; and __fish_seen_subcommand_from help" -f -a "update" -d 'Change a store: its plan, domain, settings or labels'
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand store; and __fish_seen_subcommand_from help" -f -a "suspend" -d 'Stop a store\'s WordPress and database, keeping every byte'
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand store; and __fish_seen_subcommand_from help" -f -a "resume" -d 'Start a suspended store again'
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand store; and __fish_seen_subcommand_from help" -f -a "check" -d 'Shop at a store once as a guest would, and say what worked'
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand store; and __fish_seen_subcommand_from help" -f -a "report" -d 'Gather what a platform engineer needs about a store into one tar.gz'
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand store; and __fish_seen_subcommand_from help" -f -a "backup" -d 'Back a store up into the platform\'s object store'
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand store; and __fish_seen_subcommand_from help" -f -a "backups" -d 'List a store\'s backups, newest first (also of a store deleted since)'
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand store; and __fish_seen_subcommand_from help" -f -a "restore" -d 'Put a store back, in place, to one of its completed backups'
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand store; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand audit" -l user -d 'Only what this user did (as the API server names them)' -r
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand audit" -l since -d 'Only records this recent, such as 30m, 24h or 7d' -r
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand audit" -l action -d 'Only records of this action' -r -f -a "create\t''
update\t''
suspend\t''
resume\t''
retry\t''
report\t''
credentials\t''
delete\t''
ready\t''
failed\t''
degraded\t''
deleted\t''
backup\t''
restore\t''
clone\t''
backup-removed\t''
check\t''
checkpoint\t''"
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand audit" -l platform-namespace -d 'Where the operator keeps each chain\'s anchor (its own namespace): --verify compares the chain with it when you may read it' -r
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand audit" -l kubeconfig -d 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)' -r -F
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand audit" -l context -d 'The kubeconfig context to use' -r
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand audit" -s n -l namespace -d 'The namespace to act in (default: the context\'s namespace, then "default")' -r
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand audit" -s o -l output -d 'Output format' -r -f -a "table\t'A human-readable table'
wide\t'The table with more columns'
json\t''
yaml\t''
name\t'Only resource names, one a line (kind/name)'"
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand audit" -s A -l all-namespaces -d 'Records of every namespace you may read'
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand audit" -l verify -d 'Check that no record was deleted or replaced; exit 1 naming the first broken link'
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand audit" -s f -l follow -d 'Keep printing new records as they are written'
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand audit" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand audit" -s V -l version -d 'Print version'
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand quota" -l user -d 'Ask about another user (needs the review-others verb on quotareviews.nexus.dev)' -r
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand quota" -s l -l label -d 'Ask the operator that serves stores with this label, KEY=VALUE (repeatable; for platforms sharded by --store-selector)' -r
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand quota" -l kubeconfig -d 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)' -r -F
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand quota" -l context -d 'The kubeconfig context to use' -r
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand quota" -s n -l namespace -d 'The namespace to act in (default: the context\'s namespace, then "default")' -r
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand quota" -s o -l output -d 'Output format' -r -f -a "table\t'A human-readable table'
wide\t'The table with more columns'
json\t''
yaml\t''
name\t'Only resource names, one a line (kind/name)'"
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand quota" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand quota" -s V -l version -d 'Print version'
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand install" -l kubeconfig -d 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)' -r -F
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand install" -l context -d 'The kubeconfig context to use' -r
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand install" -s n -l namespace -d 'The namespace to act in (default: the context\'s namespace, then "default")' -r
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand install" -s o -l output -d 'Output format' -r -f -a "table\t'A human-readable table'
wide\t'The table with more columns'
json\t''
yaml\t''
name\t'Only resource names, one a line (kind/name)'"
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand install" -l apply -d 'Apply the manifests (server-side) instead of printing them'
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand install" -l dry-run -d 'Ask the API server what applying would change, and change nothing'
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand install" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand install" -s V -l version -d 'Print version'
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand dashboard" -l port -d 'The port to serve on (0: any free one)' -r
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand dashboard" -l address -d 'The address to serve on. Only this machine reaches the default' -r
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand dashboard" -l platform-namespace -d 'Where the operator keeps each audit chain\'s anchor (its own namespace): a store\'s page compares the chain with it when you may read it, as `kubectl nexus audit --verify` does' -r
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand dashboard" -l kubeconfig -d 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)' -r -F
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand dashboard" -l context -d 'The kubeconfig context to use' -r
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand dashboard" -s n -l namespace -d 'The namespace to act in (default: the context\'s namespace, then "default")' -r
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand dashboard" -s o -l output -d 'Output format' -r -f -a "table\t'A human-readable table'
wide\t'The table with more columns'
json\t''
yaml\t''
name\t'Only resource names, one a line (kind/name)'"
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand dashboard" -l allow-remote -d 'Serve on an address other machines reach (the dashboard acts with your credentials: whoever first opens its printed address does too)'
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand dashboard" -l no-browser -d 'Print the address only; do not open a browser'
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand dashboard" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand dashboard" -s V -l version -d 'Print version'
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand version" -l kubeconfig -d 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)' -r -F
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand version" -l context -d 'The kubeconfig context to use' -r
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand version" -s n -l namespace -d 'The namespace to act in (default: the context\'s namespace, then "default")' -r
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand version" -s o -l output -d 'Output format' -r -f -a "table\t'A human-readable table'
wide\t'The table with more columns'
json\t''
yaml\t''
name\t'Only resource names, one a line (kind/name)'"
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand version" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand version" -s V -l version -d 'Print version'
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand operator" -l base-domain -d 'Stores are served at <name>.<base domain> unless they set spec.domain' -r
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand operator" -l ingress-class -d 'IngressClass of the stores\' Ingresses' -r
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand operator" -l ingress-namespace -d 'Namespace of the ingress controller, the only one allowed to reach WordPress' -r
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand operator" -l tls-issuer -d 'cert-manager ClusterIssuer for the stores\' TLS certificates (none: plain HTTP)' -r
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand operator" -l storage-class -d 'StorageClass of the stores\' volumes (default: the cluster\'s default class)' -r
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand operator" -l cluster-cidrs -d 'CIDRs WordPress may not reach even on 80/443: the cluster\'s pod and service ranges (comma-separated)' -r
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand operator" -l egress-deny-cidrs -d 'Further CIDRs no store may reach: cloud metadata and provider services (comma-separated; replaces the default list)' -r
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand operator" -l wordpress-image -r
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand operator" -l database-image -r
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand operator" -l setup-image -d 'The wp-cli image that runs the setup Job' -r
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand operator" -l wordpress-version -d 'The WordPress version the WordPress image ships (recorded in the status; the setup Job takes core from that image)' -r
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand operator" -l woocommerce-version -r
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand operator" -l woocommerce-source -d 'Where the setup Job takes WooCommerce from: `wordpress.org` (the plugin directory, at --woocommerce-version) or the http(s) URL of a zip the platform hosts, for clusters without internet access' -r
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand operator" -l plans-file -d 'YAML file with the plans\' quotas and container sizes (default: built in)' -r -F
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand operator" -l check-before-ready -d 'A new store is Ready only once a shopper\'s check passed (home page, a product, a cart), run from a check pod once its Ingress routes. false: Ready as soon as every part runs (for clusters where check pods cannot run, such as simulated nodes)' -r -f -a "true\t''
false\t''"
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand operator" -l provisioning-timeout -d 'A store not Ready this long after provisioning started is Failed' -r
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand operator" -l orphan-scan-interval -d 'How often the leader looks for store namespaces whose Store is gone' -r
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand operator" -l concurrency -d 'Stores reconciled at once: auto (from 4, between 2 and 32, following how fast the API server answers and whether it turns requests away) or a fixed number' -r
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand operator" -l store-selector -d 'Reconcile only Stores with these labels (sharding, canaries, tests)' -r
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand operator" -l lease-name -d 'Name of the leader-election Lease' -r
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand operator" -l lease-namespace -d 'Namespace of the Lease (default: the pod\'s namespace, else "default")' -r
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand operator" -l identity -d 'This replica\'s name in the Lease (default: the host name)' -r
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand operator" -l webhook-address -d 'Serve admission for Stores (every replica) at this address, over TLS. Active with --webhook-url or --webhook-service' -r
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand operator" -l webhook-url -d 'The https URL the API server calls the webhook at, for an operator outside the cluster (e.g. https://127.0.0.1:9443)' -r
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand operator" -l webhook-service -d 'The operator\'s Service the API server calls the webhook through (NAMESPACE/NAME, port 443 to --webhook-address)' -r
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand operator" -l webhook-configuration -d 'Name of the webhook configurations (mutating and validating)' -r
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand operator" -l policy -d 'The StorePolicy (cluster-scoped) the webhook enforces; none means no restrictions' -r
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand operator" -l webhook-secret -d 'Secret with the webhook\'s CA and serving certificate, in the lease namespace' -r
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand operator" -l webhook-token-secret -d 'Secret (lease namespace) with the random token in the webhook\'s paths: only the API server, told the paths by the webhook configurations, calls with it. Made when missing; delete it and restart to change the token' -r
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand operator" -l webhook-client-ca -d 'PEM file of the CA that signs the API server\'s admission client certificate (given to the API server by its --admission-control-config-file): the webhook then accepts only TLS connections with a certificate it signed' -r -F
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand operator" -l webhook-client-name -d 'Common names accepted on that client certificate (comma-separated or repeated); empty accepts any certificate the CA signed' -r
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand operator" -l user-request-rate -d 'Store requests a user may make a second at admission, per replica (the operator, cluster admins and the cluster\'s own components are not held to it)' -r
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand operator" -l user-request-burst -d 'Store requests a user may make at once before the rate applies' -r
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand operator" -l refusal-window -d 'Per namespace and user, the first few refusals of distinct kinds in this window are recorded one by one; the rest are counted into one record when it ends' -r
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand operator" -l audit-retention -d 'Audit records older than this are pruned (a checkpoint record keeps the chain verifiable); 0s keeps them forever' -r
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand operator" -l audit-sink-token-file -d 'File holding the bearer token the API server\'s audit webhook backend sends to /audit; with it, audit records get the requests\' source IPs and user agents. Without it, /audit is not served' -r -F
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand operator" -l metrics-address -d 'Address of /metrics, /healthz and /readyz' -r
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand operator" -l backup-endpoint -d 'The S3-compatible object store backups go to (https://HOST[:PORT], path-style requests). Without it, backups are not configured' -r
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand operator" -l backup-bucket -d 'The bucket backups go to (one for the platform; each store\'s under its UID)' -r
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand operator" -l backup-region -d 'The bucket\'s region, as its signatures name it' -r
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand operator" -l backup-credentials-secret -d 'Secret in the operator\'s namespace with the bucket\'s key (keys access-key-id and secret-access-key). Only the operator reads it' -r
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand operator" -l backup-ca -d 'PEM file of the CA the object store\'s certificate chains to; then only it is trusted (default: the system\'s roots)' -r -F
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand operator" -l backup-recipient -d 'The platform\'s age recipient (age1...): every part is encrypted to it before it leaves the cluster; its identity (the private key) is not the operator\'s to hold: restores are given it' -r
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand operator" -l agent-image -d 'The image check, backup and restore Jobs run the agent from (this version\'s operator image)' -r
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand operator" -l backup-egress-cidrs -d 'Where the object store\'s addresses are (comma-separated CIDRs): only backup Jobs may connect there, a store\'s WordPress never (default: the endpoint\'s host resolved at start)' -r
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand operator" -l kubeconfig -d 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)' -r -F
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand operator" -l context -d 'The kubeconfig context to use' -r
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand operator" -s n -l namespace -d 'The namespace to act in (default: the context\'s namespace, then "default")' -r
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand operator" -s o -l output -d 'Output format' -r -f -a "table\t'A human-readable table'
wide\t'The table with more columns'
json\t''
yaml\t''
name\t'Only resource names, one a line (kind/name)'"
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand operator" -l manage-crds -d 'Apply the CRDs of this version at start (Helm installs a chart\'s CRDs but never upgrades them). Needs patch on Nexus\'s CRDs, by name'
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand operator" -l webhook-installed -d 'The webhook configurations are installed by the platform (the Helm chart): only write the CA into them instead of applying them whole'
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand operator" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand operator" -s V -l version -d 'Print version'
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand generate" -l out -d 'The repository root to write crds/, completions/ and man/ under; "-" prints CRDs to stdout' -r -F
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand generate" -l kubeconfig -d 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)' -r -F
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand generate" -l context -d 'The kubeconfig context to use' -r
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand generate" -s n -l namespace -d 'The namespace to act in (default: the context\'s namespace, then "default")' -r
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand generate" -s o -l output -d 'Output format' -r -f -a "table\t'A human-readable table'
wide\t'The table with more columns'
json\t''
yaml\t''
name\t'Only resource names, one a line (kind/name)'"
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand generate" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand generate" -s V -l version -d 'Print version'
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand backup-agent" -l database -d 'The dump: a pipe the database container writes (or a file)' -r -F
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand backup-agent" -l database-exit -d 'Where the database container writes mariadb-dump\'s exit status' -r -F
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand backup-agent" -l content -d 'The store\'s wp-content directory' -r -F
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand backup-agent" -l work -d 'Scratch directory for the encrypted parts' -r -F
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand backup-agent" -l urls -d 'JSON file with the presigned PUT URLs: database, content, manifest' -r -F
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand backup-agent" -l subject -d 'JSON file describing the store (namespace, name, uid, spec, versions)' -r -F
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand backup-agent" -l recipient -d 'An age recipient (age1...) every part is encrypted to; repeated for each (the platform\'s, the store\'s own)' -r
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand backup-agent" -l ca -d 'PEM file of the CA the object store\'s certificate chains to' -r -F
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand backup-agent" -l kubeconfig -d 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)' -r -F
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand backup-agent" -l context -d 'The kubeconfig context to use' -r
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand backup-agent" -s n -l namespace -d 'The namespace to act in (default: the context\'s namespace, then "default")' -r
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand backup-agent" -s o -l output -d 'Output format' -r -f -a "table\t'A human-readable table'
wide\t'The table with more columns'
json\t''
yaml\t''
name\t'Only resource names, one a line (kind/name)'"
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand backup-agent" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand backup-agent" -s V -l version -d 'Print version'
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand restore-agent" -l plan -d 'JSON file with each part\'s presigned GET URL, size and SHA-256, and the manifest\'s row counts' -r -F
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand restore-agent" -l identity -d 'File holding the store\'s own age identity (AGE-SECRET-KEY-1...)' -r -F
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand restore-agent" -l ca -d 'PEM file of the CA the object store\'s certificate chains to' -r -F
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand restore-agent" -l work -d 'Scratch directory: the fetched parts and the opened dump' -r -F
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand restore-agent" -l content -d 'The store\'s wp-content volume (the backup\'s is opened beside it)' -r -F
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand restore-agent" -l kubeconfig -d 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)' -r -F
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand restore-agent" -l context -d 'The kubeconfig context to use' -r
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand restore-agent" -s n -l namespace -d 'The namespace to act in (default: the context\'s namespace, then "default")' -r
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand restore-agent" -s o -l output -d 'Output format' -r -f -a "table\t'A human-readable table'
wide\t'The table with more columns'
json\t''
yaml\t''
name\t'Only resource names, one a line (kind/name)'"
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand restore-agent" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand restore-agent" -s V -l version -d 'Print version'
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand check-agent" -l service -d 'host:port of the store\'s WordPress Service' -r
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand check-agent" -l url -d 'The store\'s URL: its host and scheme are sent as the Ingress sends them' -r
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand check-agent" -l timeout -d 'How long one request may take' -r
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand check-agent" -l connect-grace -d 'How long the first connection is tried again while it is refused: the network plugin programs a new pod\'s NetworkPolicies after it starts' -r
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand check-agent" -l check-token -d 'The store\'s check token (its Secret `check-token`), sent with every request of the checkout: the store sells its check product only to a request that carries it' -r
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand check-agent" -l report-file -d 'Where the report goes as well as to standard output (the pod\'s termination message, which the operator reads)' -r -F
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand check-agent" -l kubeconfig -d 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)' -r -F
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand check-agent" -l context -d 'The kubeconfig context to use' -r
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand check-agent" -s n -l namespace -d 'The namespace to act in (default: the context\'s namespace, then "default")' -r
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand check-agent" -s o -l output -d 'Output format' -r -f -a "table\t'A human-readable table'
wide\t'The table with more columns'
json\t''
yaml\t''
name\t'Only resource names, one a line (kind/name)'"
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand check-agent" -l checkout -d 'Also buy the store\'s check product with Cash on Delivery'
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand check-agent" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand check-agent" -s V -l version -d 'Print version'
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand help; and not __fish_seen_subcommand_from store audit quota install dashboard version operator generate backup-agent restore-agent check-agent help" -f -a "store" -d 'Create, inspect and delete stores'
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand help; and not __fish_seen_subcommand_from store audit quota install dashboard version operator generate backup-agent restore-agent check-agent help" -f -a "audit" -d 'Show who did what to stores: the audit records, oldest first'
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand help; and not __fish_seen_subcommand_from store audit quota install dashboard version operator generate backup-agent restore-agent check-agent help" -f -a "quota" -d 'Show your store limits and usage, and a store\'s resource quota'
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand help; and not __fish_seen_subcommand_from store audit quota install dashboard version operator generate backup-agent restore-agent check-agent help" -f -a "install" -d 'Install the platform without Helm: print its manifests, or apply them'
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand help; and not __fish_seen_subcommand_from store audit quota install dashboard version operator generate backup-agent restore-agent check-agent help" -f -a "dashboard" -d 'See the fleet and each store in your browser, as you'
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand help; and not __fish_seen_subcommand_from store audit quota install dashboard version operator generate backup-agent restore-agent check-agent help" -f -a "version" -d 'Print the client version and, when reachable, the server version'
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand help; and not __fish_seen_subcommand_from store audit quota install dashboard version operator generate backup-agent restore-agent check-agent help" -f -a "operator" -d 'Run the operator that provisions stores (in the cluster or from here)'
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand help; and not __fish_seen_subcommand_from store audit quota install dashboard version operator generate backup-agent restore-agent check-agent help" -f -a "generate" -d 'Write the generated files: CRDs, shell completions, man pages'
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand help; and not __fish_seen_subcommand_from store audit quota install dashboard version operator generate backup-agent restore-agent check-agent help" -f -a "backup-agent" -d 'Take one backup inside a backup Job (the operator runs it)'
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand help; and not __fish_seen_subcommand_from store audit quota install dashboard version operator generate backup-agent restore-agent check-agent help" -f -a "restore-agent" -d 'Fetch, check and open one backup inside a restore Job (the operator runs it)'
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand help; and not __fish_seen_subcommand_from store audit quota install dashboard version operator generate backup-agent restore-agent check-agent help" -f -a "check-agent" -d 'Shop once at a store as a guest inside its check pod (the operator runs it)'
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand help; and not __fish_seen_subcommand_from store audit quota install dashboard version operator generate backup-agent restore-agent check-agent help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand help; and __fish_seen_subcommand_from store" -f -a "create" -d 'Create a store'
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand help; and __fish_seen_subcommand_from store" -f -a "list" -d 'List stores in the namespace, or in all namespaces with -A'
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand help; and __fish_seen_subcommand_from store" -f -a "get" -d 'Show a store: phase, conditions, URL, credentials reference, recent events'
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand help; and __fish_seen_subcommand_from store" -f -a "delete" -d 'Delete a store and everything provisioned for it'
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand help; and __fish_seen_subcommand_from store" -f -a "logs" -d 'Print the logs of a store\'s pods'
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand help; and __fish_seen_subcommand_from store" -f -a "credentials" -d 'Print a store\'s WordPress admin credentials (they are secret)'
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand help; and __fish_seen_subcommand_from store" -f -a "retry" -d 'Provision a Failed store again, or every Failed store'
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand help; and __fish_seen_subcommand_from store" -f -a "update" -d 'Change a store: its plan, domain, settings or labels'
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand help; and __fish_seen_subcommand_from store" -f -a "suspend" -d 'Stop a store\'s WordPress and database, keeping every byte'
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand help; and __fish_seen_subcommand_from store" -f -a "resume" -d 'Start a suspended store again'
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand help; and __fish_seen_subcommand_from store" -f -a "check" -d 'Shop at a store once as a guest would, and say what worked'
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand help; and __fish_seen_subcommand_from store" -f -a "report" -d 'Gather what a platform engineer needs about a store into one tar.gz'
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand help; and __fish_seen_subcommand_from store" -f -a "backup" -d 'Back a store up into the platform\'s object store'
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand help; and __fish_seen_subcommand_from store" -f -a "backups" -d 'List a store\'s backups, newest first (also of a store deleted since)'
complete -c kubectl-nexus -n "__fish_kubectl_nexus_using_subcommand help; and __fish_seen_subcommand_from store" -f -a "restore" -d 'Put a store back, in place, to one of its completed backups'
