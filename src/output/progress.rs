//! Progress while waiting: a spinner on a terminal, plain lines otherwise
//! (CI logs), both on stderr so stdout stays clean.

use std::io::{self, IsTerminal, Write};
use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};

use crate::commands::store::Progress;

pub fn progress_for_stderr(what: &str) -> Box<dyn Progress> {
    if io::stderr().is_terminal() {
        let bar = ProgressBar::new_spinner();
        bar.set_style(
            ProgressStyle::with_template("{spinner} {elapsed:>4} {msg}")
                .unwrap_or_else(|_| ProgressStyle::default_spinner()),
        );
        bar.enable_steady_tick(Duration::from_millis(120));
        bar.set_message(what.to_string());
        Box::new(Spinner { bar })
    } else {
        Box::new(Lines {
            last: String::new(),
        })
    }
}

struct Spinner {
    bar: ProgressBar,
}

impl Progress for Spinner {
    fn update(&mut self, line: &str) {
        self.bar.set_message(line.to_string());
    }

    fn finish(&mut self) {
        self.bar.finish_and_clear();
    }

    fn warn(&mut self, message: &str) {
        self.bar.suspend(|| warning(message));
    }
}

/// As kubectl prints the API server's warnings.
fn warning(message: &str) {
    let _ = writeln!(io::stderr(), "Warning: {message}");
}

struct Lines {
    last: String,
}

impl Progress for Lines {
    fn update(&mut self, line: &str) {
        if line != self.last {
            let _ = writeln!(io::stderr(), "{line}");
            self.last = line.to_string();
        }
    }

    fn finish(&mut self) {}

    fn warn(&mut self, message: &str) {
        warning(message);
    }
}
