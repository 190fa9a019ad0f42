//! WordPress's readiness probe, run for real: Debian's PHP against a MariaDB
//! server started here. WordPress must not be Ready while its site is not
//! installed (its installer would belong to whoever comes first), nor when
//! the database refuses it or Apache does not answer.
//!
//! Needs `php` (with mysqli), `mariadbd` and `mariadb-install-db`: `.ci/run`
//! installs them (Debian's php-cli, php-mysql, mariadb-server).

mod common;

use common::Finished;

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use nexus::engines::woocommerce::INSTALLED_PROBE;

fn require(tool: &str) -> PathBuf {
    for dir in ["/usr/bin", "/usr/sbin", "/usr/local/bin"] {
        let path = Path::new(dir).join(tool);
        if path.exists() {
            return path;
        }
    }
    panic!("{tool} is missing: apt-get install php-cli php-mysql mariadb-server (.ci/run does)");
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A MariaDB server of the test's own, on a free port, stopped when dropped.
struct Database {
    child: Child,
    socket: PathBuf,
    port: u16,
    _dir: tempfile::TempDir,
}

impl Database {
    fn start() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        let install = Command::new(require("mariadb-install-db"))
            .args(["--no-defaults", "--user=root", "--skip-test-db"])
            .arg(format!("--datadir={}", data.display()))
            .output()
            .unwrap();
        install.succeeded("mariadb-install-db");
        let socket = dir.path().join("mysqld.sock");
        let port = free_port();
        let child = Command::new(require("mariadbd"))
            .args(["--no-defaults", "--user=root", "--bind-address=127.0.0.1"])
            .arg(format!("--datadir={}", data.display()))
            .arg(format!("--socket={}", socket.display()))
            .arg(format!(
                "--pid-file={}",
                dir.path().join("mysqld.pid").display()
            ))
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(dir.path().join("mysqld.log")).unwrap())
            .spawn()
            .unwrap();
        let database = Database {
            child,
            socket,
            port,
            _dir: dir,
        };
        let deadline = Instant::now() + Duration::from_secs(60);
        while database.sql("SELECT 1").is_err() {
            assert!(
                Instant::now() < deadline,
                "MariaDB did not start within 60s"
            );
            std::thread::sleep(Duration::from_millis(200));
        }
        database
    }

    /// Runs SQL as root over the socket.
    fn sql(&self, statement: &str) -> Result<(), String> {
        let out = Command::new(require("mariadb"))
            .args(["--no-defaults", "-uroot"])
            .arg(format!("--socket={}", self.socket.display()))
            .args(["-e", statement])
            .output()
            .map_err(|e| e.to_string())?;
        if out.status.success() {
            Ok(())
        } else {
            Err(out.stderr_text())
        }
    }
}

impl Drop for Database {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The probe as the kubelet runs it: `php -r PROBE` with the container's
/// environment, Apache on `web_port` instead of 80. Its exit code, and what
/// it printed (the kubelet puts that in the pod's event).
fn probe(database: &Database, password: &str, web_port: u16) -> (i32, String) {
    let script =
        INSTALLED_PROBE.replace("\"127.0.0.1\", 80,", &format!("\"127.0.0.1\", {web_port},"));
    assert_ne!(
        script, INSTALLED_PROBE,
        "the probe checks Apache on 127.0.0.1:80"
    );
    let out = Command::new(require("php"))
        .args(["-r", &script])
        .env_clear()
        .env("WORDPRESS_DB_HOST", format!("127.0.0.1:{}", database.port))
        .env("WORDPRESS_DB_USER", "wordpress")
        .env("WORDPRESS_DB_PASSWORD", password)
        .env("WORDPRESS_DB_NAME", "wordpress")
        .output()
        .unwrap();
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        out.stderr_text()
    );
    (out.status.code().unwrap_or(-1), said)
}

/// A failure of the probe, and the one short line it said.
fn fails_saying(answer: (i32, String), expected: &str) {
    let (code, said) = answer;
    assert_ne!(code, 0, "the probe passed; expected: {expected}");
    assert!(
        said.starts_with(expected) && said.lines().count() == 1 && said.len() < 200,
        "a failure says one short line starting {expected:?}, not: {said:?}"
    );
    assert!(!said.contains("secret"), "no password in events: {said}");
}

#[test]
fn wordpress_is_ready_only_when_installed_reachable_and_serving() {
    let database = Database::start();
    database
        .sql(
            "CREATE DATABASE wordpress;
             CREATE USER 'wordpress'@'127.0.0.1' IDENTIFIED BY 'secret';
             CREATE USER 'wordpress'@'localhost' IDENTIFIED BY 'secret';
             GRANT ALL ON wordpress.* TO 'wordpress'@'127.0.0.1';
             GRANT ALL ON wordpress.* TO 'wordpress'@'localhost';",
        )
        .unwrap();
    let apache = TcpListener::bind("127.0.0.1:0").unwrap();
    let web_port = apache.local_addr().unwrap().port();

    fails_saying(
        probe(&database, "secret", web_port),
        "WordPress is not installed yet",
    );
    database
        .sql(
            "CREATE TABLE wordpress.wp_options (option_id BIGINT AUTO_INCREMENT PRIMARY KEY,
                option_name VARCHAR(191) UNIQUE, option_value LONGTEXT, autoload VARCHAR(20));",
        )
        .unwrap();
    fails_saying(
        probe(&database, "secret", web_port),
        "WordPress is not installed yet",
    );

    database
        .sql("INSERT INTO wordpress.wp_options (option_name, option_value) VALUES ('siteurl', 'http://shop.example.com');")
        .unwrap();
    assert_eq!(
        probe(&database, "secret", web_port),
        (0, String::new()),
        "installed, reachable, serving: Ready, silently"
    );

    fails_saying(
        probe(&database, "wrong", web_port),
        "the database does not answer WordPress: Access denied",
    );
    database
        .sql("REVOKE ALL ON wordpress.* FROM 'wordpress'@'127.0.0.1'; REVOKE ALL ON wordpress.* FROM 'wordpress'@'localhost';")
        .unwrap();
    fails_saying(
        probe(&database, "secret", web_port),
        "the database does not answer WordPress: Access denied",
    );
    drop(apache);
    fails_saying(
        probe(&database, "secret", web_port),
        "Apache does not answer on port 80",
    );
}
