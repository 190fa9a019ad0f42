//! The CLI without a cluster: help, input validation, dry runs, generated
//! files, completion, exit codes. Hermetic: no API server is contacted.

mod common;

use common::Finished;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use assert_cmd::cargo::cargo_bin;
use nexus::api::validation::cases;
use predicates::prelude::*;

fn nexus() -> assert_cmd::Command {
    let mut cmd = assert_cmd::Command::new(cargo_bin("kubectl-nexus"));
    // Never pick up the developer's cluster.
    cmd.env("KUBECONFIG", "/nonexistent/kubeconfig")
        .env_remove("NEXUS_LOG");
    cmd
}

/// A kubeconfig whose server nothing listens on: proves no call was needed.
fn unreachable_kubeconfig(dir: &Path) -> PathBuf {
    let path = dir.join("unreachable.kubeconfig");
    std::fs::write(
        &path,
        "apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster: {server: 'https://127.0.0.1:1'}\nusers:\n- name: u\n  user: {token: t}\ncontexts:\n- name: x\n  context: {cluster: c, user: u, namespace: team-x}\ncurrent-context: x\n",
    )
    .unwrap();
    path
}

#[test]
fn help_lists_the_commands_and_calls_itself_kubectl_nexus() {
    nexus()
        .arg("--help")
        .assert()
        .success()
        .stdout(predicate::str::contains("Usage: kubectl nexus"))
        .stdout(predicate::str::contains("store"))
        .stdout(predicate::str::contains("version"))
        .stdout(predicate::str::contains("generate").not());
    nexus()
        .args(["store", "--help"])
        .assert()
        .success()
        .stdout(predicate::str::contains("create").and(predicate::str::contains("credentials")));
}

#[test]
fn kubectl_finds_the_plugin_on_path() {
    let bin_dir = cargo_bin("kubectl-nexus").parent().unwrap().to_path_buf();
    let path = format!(
        "{}:{}",
        bin_dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let out = Command::new("kubectl")
        .args(["nexus", "--help"])
        .env("PATH", path)
        .output()
        .expect("kubectl runs");
    let help = out.succeeded("kubectl nexus --help");
    assert!(
        help.contains("Usage: kubectl nexus") && help.contains("store"),
        "{help}"
    );
}

#[test]
fn kubectl_completes_the_plugin_through_kubectl_complete_nexus() {
    let bin_dir = cargo_bin("kubectl-nexus").parent().unwrap().to_path_buf();
    let completions = Path::new(env!("CARGO_MANIFEST_DIR")).join("completions");
    let path = format!(
        "{}:{}:{}",
        bin_dir.display(),
        completions.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let out = Command::new("kubectl")
        .args(["__complete", "nexus", "store", "cr"])
        .env("PATH", path)
        .output()
        .expect("kubectl runs");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.lines().any(|l| l.starts_with("create")), "{text}");
}

#[test]
fn usage_errors_exit_2() {
    nexus().args(["store", "create"]).assert().code(2);
    nexus().args(["store", "frobnicate"]).assert().code(2);
    nexus()
        .args(["store", "create", "demo", "--plan", "huge"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("small"));
    nexus()
        .args([
            "store",
            "create",
            "demo",
            "--wait",
            "--timeout",
            "5 minutes",
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("such as 90s"));
}

#[test]
fn invalid_store_names_are_refused_before_any_api_call() {
    for (name, valid) in cases::STORE_NAMES {
        let assert = nexus()
            .args(["store", "create", "--dry-run", "--", name])
            .assert();
        if *valid {
            assert.success();
        } else {
            assert
                .code(2)
                .stderr(predicate::str::contains("invalid store name"))
                .stderr(
                    predicate::str::contains("lowercase letters")
                        .or(predicate::str::contains("at most 40"))
                        .or(predicate::str::contains("internationalized (xn--) names")),
                );
        }
    }
}

#[test]
fn invalid_emails_and_domains_are_refused_with_a_fix() {
    for (email, valid) in cases::EMAILS {
        let assert = nexus()
            .args([
                "store",
                "create",
                "demo",
                "--dry-run",
                &format!("--admin-email={email}"),
            ])
            .assert();
        if *valid {
            assert.success();
        } else {
            assert
                .code(2)
                .stderr(predicate::str::contains("such as owner@example.com"));
        }
    }
    for (domain, valid) in cases::DOMAINS {
        let assert = nexus()
            .args([
                "store",
                "create",
                "demo",
                "--dry-run",
                &format!("--domain={domain}"),
            ])
            .assert();
        if *valid {
            assert.success();
        } else {
            assert
                .code(2)
                .stderr(predicate::str::contains("such as shop.example.com"));
        }
    }
    nexus()
        .args(["store", "create", "demo", "--dry-run", "--currency", "euro"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("ISO 4217"));
    for reserved in [
        "nexus.dev/shard=1",
        "node.kubernetes.io/role=x",
        "k8s.io/a=b",
    ] {
        nexus()
            .args(["store", "create", "demo", "--dry-run", "-l", reserved])
            .assert()
            .code(2)
            .stderr(predicate::str::contains("reserved prefix"));
    }
}

#[test]
fn dry_run_prints_the_store_and_needs_no_cluster() {
    let out = nexus()
        .args([
            "store",
            "create",
            "demo",
            "-n",
            "team-a",
            "--plan",
            "medium",
            "--admin-email",
            "owner@example.com",
            "--dry-run",
            "-o",
            "yaml",
        ])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let store: serde_yaml::Value = serde_yaml::from_slice(&out).expect("YAML");
    assert_eq!(store["apiVersion"], "nexus.dev/v1alpha1");
    assert_eq!(store["kind"], "Store");
    assert_eq!(store["metadata"]["name"], "demo");
    assert_eq!(store["metadata"]["namespace"], "team-a");
    assert_eq!(store["spec"]["plan"], "medium");
    assert_eq!(store["spec"]["engine"], "woocommerce");
    assert_eq!(store["spec"]["adminEmail"], "owner@example.com");

    let json = nexus()
        .args(["store", "create", "demo", "--dry-run", "-o", "json"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let store: serde_json::Value = serde_json::from_slice(&json).expect("JSON");
    assert_eq!(store["spec"]["plan"], "small", "the default plan");
    nexus()
        .args(["store", "create", "demo", "--dry-run", "-o", "name"])
        .assert()
        .success()
        .stdout("store.nexus.dev/demo\n");
}

#[test]
fn dry_run_uses_the_kubeconfig_namespace() {
    let dir = tempfile::tempdir().unwrap();
    let kubeconfig = unreachable_kubeconfig(dir.path());
    nexus()
        .args([
            "store",
            "create",
            "demo",
            "--dry-run",
            "-o",
            "yaml",
            "--kubeconfig",
        ])
        .arg(&kubeconfig)
        .assert()
        .success()
        .stdout(predicate::str::contains("namespace: team-x"));
}

#[test]
fn delete_refuses_without_a_terminal_unless_yes() {
    let dir = tempfile::tempdir().unwrap();
    let kubeconfig = unreachable_kubeconfig(dir.path());
    nexus()
        .args(["store", "delete", "demo", "--kubeconfig"])
        .arg(&kubeconfig)
        .write_stdin("y\n")
        .assert()
        .code(2)
        .stderr(predicate::str::contains("pass --yes"));
}

#[test]
fn an_unreachable_cluster_is_one_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let kubeconfig = unreachable_kubeconfig(dir.path());
    nexus()
        .args(["store", "list", "--kubeconfig"])
        .arg(&kubeconfig)
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "cannot reach the Kubernetes API server",
        ))
        .stderr(predicate::str::contains("panicked").not());
    nexus()
        .args(["store", "list", "--kubeconfig", "/nonexistent/config"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("cannot load the kubeconfig"));
}

#[test]
fn version_works_without_a_cluster() {
    nexus()
        .arg("version")
        .assert()
        .success()
        .stdout(predicate::str::contains(format!(
            "Client Version: {}",
            env!("CARGO_PKG_VERSION")
        )))
        .stdout(predicate::str::contains("Server Version: unavailable"));
    let out = nexus()
        .args(["version", "-o", "json"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(v["clientVersion"], env!("CARGO_PKG_VERSION"));
    // Built from this checkout: its commit, and that commit's date.
    let commit = v["gitCommit"].as_str().unwrap();
    assert!(
        commit.len() == 12 && commit.chars().all(|c| c.is_ascii_hexdigit()),
        "{commit}"
    );
    assert!(v["buildDate"].as_str().unwrap().starts_with("20"), "{v}");
}

#[test]
fn a_closed_pipe_is_not_an_error() {
    // The reader is gone before the command starts, so its first write fails
    // with EPIPE, every time (like `| head -0`).
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let out = Command::new(cargo_bin("kubectl-nexus"))
        .args(["generate", "crds", "--out", "-"])
        .stdout(writer)
        .stderr(Stdio::piped())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", out.stderr_text());
    assert!(out.stderr.is_empty(), "{}", out.stderr_text());
}

#[test]
fn generated_files_are_current() {
    let dir = tempfile::tempdir().unwrap();
    nexus()
        .args(["generate", "all", "--out"])
        .arg(dir.path())
        .assert()
        .success();
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    for folder in ["crds", "completions", "man"] {
        let fresh = files_under(&dir.path().join(folder));
        let checked_in = files_under(&repo.join(folder));
        let names =
            |files: &Vec<(PathBuf, Vec<u8>)>| files.iter().map(|f| f.0.clone()).collect::<Vec<_>>();
        assert_eq!(
            names(&fresh),
            names(&checked_in),
            "{folder}/ has other files than the binary makes: run `cargo run -- generate`"
        );
        for ((path, new), (_, old)) in fresh.iter().zip(&checked_in) {
            assert!(
                new == old,
                "{folder}/{} is stale: run `cargo run -- generate`",
                path.display()
            );
        }
    }
}

fn files_under(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut files: Vec<(PathBuf, Vec<u8>)> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| {
            let path = entry.unwrap().path();
            (
                PathBuf::from(path.file_name().unwrap()),
                std::fs::read(&path).unwrap(),
            )
        })
        .collect();
    files.sort();
    files
}

#[test]
fn completion_answers_in_cobra_format() {
    nexus()
        .args(["__complete", "store", "de"])
        .assert()
        .success()
        .stdout(predicate::str::starts_with("delete\t").and(predicate::str::ends_with(":4\n")));
}
