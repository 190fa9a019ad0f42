//! What ships: the OCI image the Docker-free build makes (a valid layout,
//! the same digest for the same binary, non-root, the binary as entrypoint)
//! and the local setup script's plan.

mod common;

use common::Finished;

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn build_image(out: &Path) -> String {
    let binary = assert_cmd::cargo::cargo_bin("kubectl-nexus");
    let run = Command::new(repo_root().join("scripts/build-image.sh"))
        .args([
            "--binary",
            binary.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    run.succeeded("").trim().to_string()
}

fn blob(layout: &Path, digest: &str) -> Vec<u8> {
    let hex = digest.strip_prefix("sha256:").unwrap();
    std::fs::read(layout.join("blobs/sha256").join(hex)).unwrap()
}

fn sha256(bytes: &[u8]) -> String {
    let digest = ring::digest::digest(&ring::digest::SHA256, bytes);
    let hex: String = digest.as_ref().iter().map(|b| format!("{b:02x}")).collect();
    format!("sha256:{hex}")
}

#[test]
fn the_image_is_a_valid_reproducible_oci_layout_running_the_binary_as_non_root() {
    let (first, second) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let digest = build_image(first.path());
    assert_eq!(
        build_image(second.path()),
        digest,
        "the same binary gave another image"
    );
    let version = env!("CARGO_PKG_VERSION");
    let layout = first.path().join(format!("kubectl-nexus-{version}"));
    let index: Value =
        serde_json::from_slice(&std::fs::read(layout.join("index.json")).unwrap()).unwrap();
    let entry = &index["manifests"][0];
    assert_eq!(entry["digest"], digest.as_str());
    assert_eq!(
        entry["annotations"]["org.opencontainers.image.ref.name"],
        format!("nexus.dev/kubectl-nexus:{version}")
    );
    // Every blob is what its digest says.
    let manifest_bytes = blob(&layout, &digest);
    assert_eq!(sha256(&manifest_bytes), digest);
    let manifest: Value = serde_json::from_slice(&manifest_bytes).unwrap();
    let config_digest = manifest["config"]["digest"].as_str().unwrap();
    let config_bytes = blob(&layout, config_digest);
    assert_eq!(sha256(&config_bytes), config_digest);
    let config: Value = serde_json::from_slice(&config_bytes).unwrap();
    assert_eq!(config["config"]["User"], "65532:65532");
    assert_eq!(config["config"]["Entrypoint"][0], "/kubectl-nexus");
    assert_eq!(
        config["config"]["Labels"]["org.opencontainers.image.version"],
        version
    );
    // The layer holds the binary, executable, and its uncompressed digest is the diff ID.
    let layer_digest = manifest["layers"][0]["digest"].as_str().unwrap();
    let layer = blob(&layout, layer_digest);
    assert_eq!(sha256(&layer), layer_digest);
    let scratch = tempfile::tempdir().unwrap();
    let gz = scratch.path().join("layer.tar.gz");
    std::fs::write(&gz, &layer).unwrap();
    let tar = Command::new("gzip")
        .arg("-dc")
        .arg(&gz)
        .output()
        .unwrap()
        .stdout;
    assert_eq!(config["rootfs"]["diff_ids"][0], sha256(&tar).as_str());
    let tar_file = scratch.path().join("layer.tar");
    std::fs::write(&tar_file, &tar).unwrap();
    let listing = Command::new("tar")
        .arg("-tvf")
        .arg(&tar_file)
        .output()
        .unwrap();
    let listing = String::from_utf8_lossy(&listing.stdout);
    assert!(listing.starts_with("-rwxr-xr-x 0/0"), "{listing}");
    assert!(listing.trim_end().ends_with("kubectl-nexus"), "{listing}");
    assert!(
        first
            .path()
            .join(format!("kubectl-nexus-{version}.oci.tar"))
            .is_file()
    );
}

#[test]
fn setup_local_prints_its_plan_and_refuses_early_without_docker() {
    let script = repo_root().join("scripts/setup-local.sh");
    let plan = Command::new(&script)
        .args(["--print", "--store", "shop", "--tenant", "team-x"])
        .output()
        .unwrap();
    let plan = plan.succeeded("the plan");
    let steps = [
        "k3d cluster create nexus",
        "docker build",
        "k3d image import nexus.dev/kubectl-nexus:",
        "upgrade --install nexus",
        "values-local.yaml",
        "kubectl create namespace team-x",
        "store create shop --namespace team-x --wait",
    ];
    let mut at = 0;
    for step in steps {
        let found = plan[at..]
            .find(step)
            .unwrap_or_else(|| panic!("no {step:?} after byte {at} in:\n{plan}"));
        at += found;
    }
    // Without docker and k3d on PATH it stops before doing anything, saying what is missing.
    let bare = Command::new(&script)
        .env("PATH", "/usr/bin:/bin")
        .output()
        .unwrap();
    assert_eq!(bare.status.code(), Some(1));
    let stderr = bare.stderr_text();
    assert!(
        stderr.contains("setup-local: missing docker k3d"),
        "{stderr}"
    );
    assert!(!stderr.contains("+ k3d"), "it ran something: {stderr}");
}
