//! Running the JS peers in `tests/js` with Node.

use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use anyhow::{Context, bail};
use tokio::process::Command;

/// The folder of the JS peers (with its `node_modules` installed by `npm ci`).
pub fn js_dir() -> PathBuf {
    crate::workspace_root().join("tests").join("js")
}

/// Output of one Node run.
#[derive(Debug)]
pub struct NodeRun {
    /// Exit code.
    pub code: i32,
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
}

/// Runs `node <script> <args…>` in `tests/js`, with `env`, for at most `limit`.
pub async fn run(
    script: &str,
    args: &[&str],
    env: &[(&str, &str)],
    limit: Duration,
) -> anyhow::Result<NodeRun> {
    let dir = js_dir();
    if !dir.join("node_modules").exists() {
        bail!(
            "{}/node_modules is missing: run `npm ci` there (cargo xtask test does)",
            dir.display()
        );
    }
    let mut command = Command::new("node");
    command
        .arg(script)
        .args(args)
        .current_dir(&dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    for (k, v) in env {
        command.env(k, v);
    }
    let output = tokio::time::timeout(limit, command.output())
        .await
        .with_context(|| format!("node {script} did not finish within {limit:?}"))??;
    Ok(NodeRun {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr)
            .lines()
            .filter(|l| !l.contains("Unknown user config"))
            .collect::<Vec<_>>()
            .join("\n"),
    })
}

/// Runs `repo-peer.mjs` and parses the JSON line it prints.
pub async fn repo_peer(args: &[&str]) -> anyhow::Result<serde_json::Value> {
    repo_peer_as(None, args).await
}

/// [`repo_peer`] joining with a chosen peer id (`REPO_PEER_ID`), as a tab that reconnects
/// does, or a random one (`None`).
pub async fn repo_peer_as(
    peer_id: Option<&str>,
    args: &[&str],
) -> anyhow::Result<serde_json::Value> {
    let env: Vec<(&str, &str)> = peer_id.map(|p| ("REPO_PEER_ID", p)).into_iter().collect();
    let run = run("repo-peer.mjs", args, &env, Duration::from_secs(30)).await?;
    if run.code != 0 {
        bail!("repo-peer {args:?} exited {}: {}", run.code, run.stderr);
    }
    let line = run.stdout.lines().last().context("no output")?;
    Ok(serde_json::from_str(line)?)
}
