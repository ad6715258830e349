//! [`JsSyncServer`]: the JS reference server (`tests/js/js-sync-server.mjs`: npm
//! automerge-repo 2.5.6 with its Node WebSocket server adapter and file storage) as a child
//! process, for the side-by-side benchmark and its convergence test.

use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use anyhow::{Context, bail};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

/// A running `node js-sync-server.mjs` on 127.0.0.1.
#[derive(Debug)]
pub struct JsSyncServer {
    child: Child,
    port: u16,
}

impl JsSyncServer {
    /// Starts the JS server on a free loopback port, storing its documents under `data_dir`.
    ///
    /// # Errors
    /// When `tests/js/node_modules` is missing, Node cannot start, or the server does not
    /// say it listens within 20 s.
    pub async fn start(data_dir: &Path) -> anyhow::Result<Self> {
        let dir = crate::node::js_dir();
        if !dir.join("node_modules").exists() {
            bail!(
                "{}/node_modules is missing: run `npm ci` there (cargo xtask test does)",
                dir.display()
            );
        }
        std::fs::create_dir_all(data_dir)?;
        let mut child = Command::new("node")
            .arg("js-sync-server.mjs")
            .arg(data_dir)
            .current_dir(&dir)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .kill_on_drop(true)
            .spawn()
            .context("starting node js-sync-server.mjs")?;
        let mut lines = BufReader::new(child.stdout.take().expect("piped")).lines();
        let line = tokio::time::timeout(Duration::from_secs(20), lines.next_line())
            .await
            .context("the JS server did not start within 20 s")??
            .context("the JS server exited before listening")?;
        let port = line
            .rsplit(':')
            .next()
            .and_then(|p| p.trim().parse().ok())
            .with_context(|| format!("unexpected first line {line:?}"))?;
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        Ok(Self { child, port })
    }

    /// `ws://127.0.0.1:PORT/` (the JS server takes any path and no credentials).
    pub fn sync_url(&self) -> String {
        format!("ws://127.0.0.1:{}/", self.port)
    }

    /// The Node process id, while it runs (to read its memory from `/proc`).
    pub fn pid(&self) -> Option<u32> {
        self.child.id()
    }

    /// Stops it with SIGTERM (it shuts its repo down) and waits up to 10 s, then kills it.
    pub async fn stop(&mut self) -> anyhow::Result<()> {
        if let Some(pid) = self.child.id() {
            Command::new("kill")
                .arg("-TERM")
                .arg(pid.to_string())
                .status()
                .await?;
        }
        if tokio::time::timeout(Duration::from_secs(10), self.child.wait())
            .await
            .is_err()
        {
            self.child.kill().await?;
        }
        Ok(())
    }
}
