//! [`S3Server`]: a real S3-compatible server (s3s-fs from crates.io) on 127.0.0.1, over a
//! fresh folder, with one bucket ready; killed when dropped.

use std::path::{Path, PathBuf};
use std::time::Duration;

/// The access key the test server accepts.
pub const ACCESS_KEY: &str = "madoguchi";
/// Its secret key.
pub const SECRET_KEY: &str = "madoguchi-secret";
/// The bucket it has.
pub const BUCKET: &str = "esuite-exchange";

/// A running s3s-fs.
#[derive(Debug)]
pub struct S3Server {
    _child: tokio::process::Child,
    dir: tempfile::TempDir,
    port: u16,
}

impl S3Server {
    /// Starts s3s-fs (`$S3S_FS_BIN`, or `s3s-fs` on the PATH, which `cargo xtask test`
    /// installs) on a free loopback port with the bucket [`BUCKET`].
    pub async fn start() -> anyhow::Result<Self> {
        let dir = tempfile::tempdir()?;
        // s3s-fs keeps a bucket as a folder under its root.
        std::fs::create_dir_all(dir.path().join(BUCKET))?;
        let port = std::net::TcpListener::bind("127.0.0.1:0")?
            .local_addr()?
            .port();
        let binary = std::env::var_os("S3S_FS_BIN").unwrap_or_else(|| "s3s-fs".into());
        let child = tokio::process::Command::new(&binary)
            .args(["--host", "127.0.0.1", "--port", &port.to_string()])
            .args(["--access-key", ACCESS_KEY, "--secret-key", SECRET_KEY])
            .arg(dir.path())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .map_err(|e| anyhow::anyhow!("starting s3s-fs (cargo xtask test installs it): {e}"))?;
        // Owned at once, so the process is killed whatever happens next.
        let server = Self {
            _child: child,
            dir,
            port,
        };
        for _ in 0..100 {
            if tokio::net::TcpStream::connect(("127.0.0.1", port))
                .await
                .is_ok()
            {
                return Ok(server);
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        anyhow::bail!("s3s-fs did not start")
    }

    /// `http://127.0.0.1:PORT`.
    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// The arguments that point the server or the simulator at this bucket.
    pub fn args(&self) -> Vec<String> {
        vec![
            "--s3-endpoint".into(),
            self.endpoint(),
            "--s3-bucket".into(),
            BUCKET.into(),
        ]
    }

    /// The credentials, as the server and the simulator read them from the environment.
    pub fn envs(&self) -> [(&'static str, &'static str); 2] {
        [
            ("MADOGUCHI_S3_ACCESS_KEY", ACCESS_KEY),
            ("MADOGUCHI_S3_SECRET_KEY", SECRET_KEY),
        ]
    }

    /// Where s3s-fs keeps the bucket's objects (for checking what was written).
    pub fn bucket_folder(&self) -> PathBuf {
        self.dir.path().join(BUCKET)
    }

    /// The root folder.
    pub fn root(&self) -> &Path {
        self.dir.path()
    }
}
