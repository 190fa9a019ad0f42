//! A finished command's output, asserted as what the command should have
//! done: one place that shows both streams when it did not.

use std::process::Output;

pub trait Finished {
    /// Panics unless the command exited 0, showing `what` (when not empty)
    /// and both streams; returns its stdout.
    fn succeeded(&self, what: &str) -> String;
    /// Panics unless the command failed and its stderr says `needle`;
    /// returns its stderr.
    fn failed_saying(&self, needle: &str) -> String;
    fn stdout_text(&self) -> String;
    fn stderr_text(&self) -> String;
}

impl Finished for Output {
    #[track_caller]
    fn succeeded(&self, what: &str) -> String {
        assert!(
            self.status.success(),
            "{what}{}{}\nstdout:\n{}\nstderr:\n{}",
            if what.is_empty() { "" } else { ": " },
            self.status,
            self.stdout_text(),
            self.stderr_text()
        );
        self.stdout_text()
    }

    #[track_caller]
    fn failed_saying(&self, needle: &str) -> String {
        let stderr = self.stderr_text();
        assert!(
            !self.status.success(),
            "expected a failure saying {needle:?}, but it succeeded\nstdout:\n{}\nstderr:\n{stderr}",
            self.stdout_text()
        );
        assert!(
            stderr.contains(needle),
            "expected stderr to say {needle:?} ({}):\n{stderr}",
            self.status
        );
        stderr
    }

    fn stdout_text(&self) -> String {
        String::from_utf8_lossy(&self.stdout).into_owned()
    }

    fn stderr_text(&self) -> String {
        String::from_utf8_lossy(&self.stderr).into_owned()
    }
}
