//! Stamps the binary with where it came from: the git commit and the build
//! date, from NEXUS_GIT_COMMIT / NEXUS_BUILD_DATE when a release or image
//! build sets them, else from the checkout (the commit, and its date, so the
//! same commit builds the same binary).

use std::process::Command;

fn git(args: &[&str]) -> Option<String> {
    let out = Command::new("git").args(args).output().ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
        .filter(|s| !s.is_empty())
}

fn main() {
    println!("cargo:rerun-if-env-changed=NEXUS_GIT_COMMIT");
    println!("cargo:rerun-if-env-changed=NEXUS_BUILD_DATE");
    if let Some(head) = git(&["rev-parse", "--git-path", "HEAD"]) {
        println!("cargo:rerun-if-changed={head}");
    }
    if let Some(reference) =
        git(&["symbolic-ref", "-q", "HEAD"]).and_then(|r| git(&["rev-parse", "--git-path", &r]))
    {
        println!("cargo:rerun-if-changed={reference}");
    }
    let commit = std::env::var("NEXUS_GIT_COMMIT")
        .ok()
        .filter(|c| !c.is_empty())
        .or_else(|| git(&["rev-parse", "--short=12", "HEAD"]))
        .unwrap_or_else(|| "unknown".into());
    let date = std::env::var("NEXUS_BUILD_DATE")
        .ok()
        .filter(|d| !d.is_empty())
        .or_else(|| git(&["log", "-1", "--format=%cI"]))
        .unwrap_or_else(|| "unknown".into());
    println!("cargo:rustc-env=NEXUS_GIT_COMMIT={commit}");
    println!("cargo:rustc-env=NEXUS_BUILD_DATE={date}");
}
