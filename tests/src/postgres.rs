//! [`Cluster`]: a throw-away PostgreSQL cluster for tests, from Debian's `postgresql`
//! package: created under a temporary folder, owned by a non-root user (`postgres` when the
//! tests run as root, as PostgreSQL refuses to run as root), listening only on 127.0.0.1 on a
//! free port, stopped and removed on drop.
//!
//! This file uses only the standard library: `cargo xtask test` includes it too (one cluster
//! for the whole run) and hands its address to the tests in `MADOGUCHI_TEST_POSTGRES`.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// The login the clusters are made with (trust authentication, loopback only).
pub const SUPERUSER: &str = "madoguchi";

/// A running throw-away cluster.
#[derive(Debug)]
pub struct Cluster {
    dir: PathBuf,
    bin: PathBuf,
    port: u16,
    /// Run the cluster's programs as this user (when the tests run as root).
    run_as: Option<String>,
}

/// What went wrong starting a cluster.
#[derive(Debug)]
pub struct ClusterError(pub String);

impl std::fmt::Display for ClusterError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ClusterError {}

fn fail(message: impl Into<String>) -> ClusterError {
    ClusterError(message.into())
}

/// The newest `/usr/lib/postgresql/<version>/bin` holding `initdb`.
pub fn server_bin() -> Option<PathBuf> {
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            let version = e.file_name().to_str()?.parse::<u32>().ok()?;
            let bin = e.path().join("bin");
            bin.join("initdb").exists().then_some((version, bin))
        })
        .collect();
    versions.sort();
    versions.pop().map(|(_, bin)| bin)
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

fn free_port() -> Result<u16, ClusterError> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0")
        .map_err(|e| fail(format!("no free loopback port: {e}")))?;
    listener
        .local_addr()
        .map(|a| a.port())
        .map_err(|e| fail(e.to_string()))
}

impl Cluster {
    /// Creates and starts a cluster. `durable: false` turns fsync off (tests); `true` keeps
    /// PostgreSQL's defaults (benchmarks).
    ///
    /// # Errors
    /// When PostgreSQL is not installed (`apt-get install postgresql`), the `postgres` user
    /// is missing while running as root, or `initdb`/`pg_ctl` fail (their output is in the
    /// message).
    pub fn start(durable: bool) -> Result<Self, ClusterError> {
        let bin = server_bin()
            .ok_or_else(|| fail("PostgreSQL is not installed (Debian package postgresql)"))?;
        let run_as = is_root().then(|| "postgres".to_owned());
        let stamp = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default();
        let dir = std::env::temp_dir().join(format!("madoguchi-pg-{}-{stamp}", std::process::id()));
        std::fs::create_dir_all(&dir)
            .map_err(|e| fail(format!("cannot create {}: {e}", dir.display())))?;
        let cluster = Self {
            dir,
            bin,
            port: free_port()?,
            run_as,
        };
        if let Some(user) = &cluster.run_as {
            let status = Command::new("chown")
                .args([&format!("{user}:"), &cluster.dir.display().to_string()])
                .status()
                .map_err(|e| fail(format!("chown: {e}")))?;
            if !status.success() {
                return Err(fail(format!(
                    "cannot give {} to user {user} (is there a {user} user?)",
                    cluster.dir.display()
                )));
            }
        }
        cluster.run(
            "initdb",
            &[
                "-D",
                &cluster.data().display().to_string(),
                "-U",
                SUPERUSER,
                "-A",
                "trust",
                "-E",
                "UTF8",
                "--no-locale",
                "--no-sync",
            ],
        )?;
        let mut options = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1 -c max_connections=400 \
             -c shared_buffers=64MB",
            cluster.port,
            cluster.dir.display()
        );
        if !durable {
            options.push_str(" -c fsync=off -c synchronous_commit=off -c full_page_writes=off");
        }
        cluster.run(
            "pg_ctl",
            &[
                "-D",
                &cluster.data().display().to_string(),
                "-l",
                &cluster.dir.join("server.log").display().to_string(),
                "-o",
                &options,
                "-w",
                "-t",
                "60",
                "start",
            ],
        )?;
        Ok(cluster)
    }

    fn data(&self) -> PathBuf {
        self.dir.join("data")
    }

    fn command(&self, program: &str) -> Command {
        let path = self.bin.join(program);
        match &self.run_as {
            Some(user) => {
                let mut c = Command::new("runuser");
                c.args(["-u", user, "--"]).arg(path);
                c
            }
            None => Command::new(path),
        }
    }

    fn run(&self, program: &str, args: &[&str]) -> Result<(), ClusterError> {
        let out = self
            .command(program)
            .args(args)
            .current_dir(&self.dir)
            .stdin(Stdio::null())
            .output()
            .map_err(|e| fail(format!("cannot run {program}: {e}")))?;
        if !out.status.success() {
            return Err(fail(format!(
                "{program} failed: {}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            )));
        }
        Ok(())
    }

    /// The port it listens on (127.0.0.1).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The folder holding the cluster (data, socket, `server.log`).
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// `postgres://madoguchi@127.0.0.1:<port>/<database>`.
    pub fn url(&self, database: &str) -> String {
        format!("postgres://{SUPERUSER}@127.0.0.1:{}/{database}", self.port)
    }

    /// Creates an empty database named `name` and returns its URL.
    pub fn create_database(&self, name: &str) -> Result<String, ClusterError> {
        create_database(&self.url("postgres"), name)
    }
}

/// Creates an empty database `name` in the cluster at `cluster_url` (as made by
/// [`Cluster::url`]) with Debian's `createdb`, and returns the new database's URL.
pub fn create_database(cluster_url: &str, name: &str) -> Result<String, ClusterError> {
    let rest = cluster_url
        .strip_prefix("postgres://")
        .ok_or_else(|| fail(format!("not a postgres:// URL: {cluster_url}")))?;
    let (user, rest) = rest.split_once('@').unwrap_or((SUPERUSER, rest));
    let host_port = rest.split('/').next().unwrap_or(rest);
    let (host, port) = host_port.split_once(':').unwrap_or((host_port, "5432"));
    let bin = server_bin().ok_or_else(|| fail("PostgreSQL is not installed"))?;
    let out = Command::new(bin.join("createdb"))
        .args(["-h", host, "-p", port, "-U", user, name])
        .stdin(Stdio::null())
        .output()
        .map_err(|e| fail(format!("cannot run createdb: {e}")))?;
    if !out.status.success() {
        return Err(fail(format!(
            "createdb {name} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        )));
    }
    Ok(format!("postgres://{user}@{host}:{port}/{name}"))
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let _ = self.run(
            "pg_ctl",
            &[
                "-D",
                &self.data().display().to_string(),
                "-m",
                "immediate",
                "-w",
                "stop",
            ],
        );
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
