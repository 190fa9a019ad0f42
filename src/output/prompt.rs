use std::io::{self, IsTerminal};

use dialoguer::Confirm;
use dialoguer::console::Term;

use crate::error::{Error, Result};

/// Asks a yes/no question on the terminal, default No. Without a terminal it
/// refuses: a script must say `--yes` to destroy something.
pub fn confirm(question: &str, refusal: &str) -> Result<bool> {
    if !(io::stdin().is_terminal() && io::stderr().is_terminal()) {
        return Err(Error::Usage(refusal.to_string()));
    }
    Confirm::new()
        .with_prompt(question)
        .default(false)
        .interact_on(&Term::stderr())
        .map_err(|e| Error::Other(format!("cannot read the answer: {e}")))
}
