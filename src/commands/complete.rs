//! Answers kubectl's plugin completion (`kubectl_complete-nexus ARGS`) in
//! Cobra's `__complete` format: one candidate a line, then `:<directive>`.

use clap::CommandFactory;

use crate::cli::{Cli, GlobalArgs};

/// Cobra's ShellCompDirectiveNoFileComp: offer no file names.
const NO_FILE_COMPLETION: u8 = 4;

/// Candidates for the last of `words` (the word being typed, maybe empty).
pub fn candidates(words: &[String]) -> Vec<String> {
    let root = Cli::command();
    let (typed, before) = match words.split_last() {
        Some((last, rest)) => (last.as_str(), rest),
        None => ("", &[][..]),
    };
    let mut command = &root;
    for word in before {
        if let Some(sub) = command
            .get_subcommands()
            .find(|s| s.get_name() == word || s.get_all_aliases().any(|a| a == word))
        {
            command = sub;
        }
    }
    let mut found = Vec::new();
    if typed.starts_with('-') {
        for arg in command.get_arguments().chain(root.get_arguments()) {
            if arg.is_hide_set() {
                continue;
            }
            if let Some(long) = arg.get_long() {
                let flag = format!("--{long}");
                if flag.starts_with(typed) && !found.contains(&flag) {
                    found.push(flag);
                }
            }
        }
    } else {
        for sub in command.get_subcommands().filter(|s| !s.is_hide_set()) {
            if sub.get_name().starts_with(typed) {
                let about = sub.get_about().map(|a| a.to_string()).unwrap_or_default();
                found.push(format!("{}\t{about}", sub.get_name()));
            }
        }
    }
    found
}

/// Store subcommands whose argument is an existing store's name.
const TAKES_A_STORE: [&str; 15] = [
    "get",
    "describe",
    "delete",
    "rm",
    "logs",
    "credentials",
    "retry",
    "update",
    "suspend",
    "resume",
    "backup",
    "backups",
    "restore",
    "report",
    "check",
];

/// When the word being typed is the name of an existing store, the connection
/// options given so far, to list the stores with.
pub fn store_name_wanted(words: &[String]) -> Option<GlobalArgs> {
    let (_, before) = words.split_last()?;
    let store = before.iter().position(|w| w == "store")?;
    let command = before.get(store + 1)?;
    // (`store backup verify` takes a backup's name, not a store's.)
    if !TAKES_A_STORE.contains(&command.as_str())
        || before[store + 2..].iter().any(|w| w == "verify")
    {
        return None;
    }
    let mut global = GlobalArgs::default();
    let mut rest = before[..store].iter().chain(&before[store + 2..]);
    while let Some(word) = rest.next() {
        let (flag, inline) = match word.split_once('=') {
            Some((flag, value)) => (flag, Some(value.to_string())),
            None => (word.as_str(), None),
        };
        let mut value = || inline.clone().or_else(|| rest.next().cloned());
        match flag {
            "-n" | "--namespace" => global.namespace = value(),
            "--kubeconfig" => global.kubeconfig = value().map(Into::into),
            "--context" => global.context = value(),
            // Flags that take a value.
            "-o"
            | "--output"
            | "--component"
            | "--tail"
            | "--timeout"
            | "--plan"
            | "--domain"
            | "--admin-email"
            | "--currency"
            | "-l"
            | "--label"
            | "--from"
            | "-f"
            | "--file"
            | "--platform-namespace" => {
                value();
            }
            f if f.starts_with('-') => {}
            _ => return None, // the name was given already
        }
    }
    Some(global)
}

/// The whole answer, ready to print; `stores` are the names to offer when a
/// store's name is being typed.
pub fn answer(words: &[String], stores: &[String]) -> String {
    let typed = words.last().map(String::as_str).unwrap_or_default();
    let mut text = String::new();
    for name in stores.iter().filter(|n| n.starts_with(typed)) {
        text.push_str(name);
        text.push('\n');
    }
    for candidate in candidates(words) {
        text.push_str(&candidate);
        text.push('\n');
    }
    text.push_str(&format!(":{NO_FILE_COMPLETION}\n"));
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(text: &str) -> Vec<String> {
        let mut words: Vec<String> = text.split(' ').map(String::from).collect();
        if text.is_empty() {
            words = vec![String::new()];
        }
        words
    }

    fn names(text: &str) -> Vec<String> {
        candidates(&words(text))
            .into_iter()
            .map(|c| c.split('\t').next().unwrap_or_default().to_string())
            .collect()
    }

    #[test]
    fn completes_commands_and_subcommands() {
        assert!(names("").contains(&"store".to_string()));
        assert!(
            !names("").contains(&"generate".to_string()),
            "hidden commands stay hidden"
        );
        assert_eq!(names("store cr"), vec!["create", "credentials"]);
        assert_eq!(names("store de"), vec!["delete"]);
    }

    #[test]
    fn completes_flags_of_the_command_and_global_ones() {
        let flags = names("store create demo --");
        assert!(flags.contains(&"--plan".to_string()));
        assert!(flags.contains(&"--namespace".to_string()));
    }

    #[test]
    fn ends_with_the_no_file_directive() {
        assert!(answer(&words("store "), &[]).ends_with(":4\n"));
    }

    #[test]
    fn store_names_are_wanted_after_commands_that_take_one() {
        let global = store_name_wanted(&words("-n team-a store get ")).expect("a name is wanted");
        assert_eq!(global.namespace.as_deref(), Some("team-a"));
        let global =
            store_name_wanted(&words("store logs --kubeconfig=/k --component setup d")).unwrap();
        assert_eq!(global.kubeconfig.unwrap().to_str(), Some("/k"));
        assert!(store_name_wanted(&words("store create ")).is_none());
        assert!(store_name_wanted(&words("store update --plan large s")).is_some());
        assert!(store_name_wanted(&words("store resume ")).is_some());
        assert!(
            store_name_wanted(&words("store backup verify ")).is_none(),
            "a backup's name"
        );
        assert!(
            store_name_wanted(&words("store get demo ")).is_none(),
            "one name only"
        );
        let offered = answer(&words("store get d"), &["demo".into(), "shop".into()]);
        assert!(
            offered.starts_with("demo\n") && !offered.contains("shop"),
            "{offered}"
        );
    }
}
