//! `cargo xtask bench`'s memory step: the release server's RSS with 10,000 stored visits and
//! 500 connected clients (issue 16, goal ≤ 150 MB), from `sync-server/benches/memory.rs`;
//! a table on stdout and `memory.json` in the bench folder.

use std::path::Path;

use crate::{cargo, step, target_dir};

/// Runs the memory benchmark against the release `sync-server` (built before), writing
/// `out/memory.json`.
pub fn run(root: &Path, out: &Path) -> anyhow::Result<()> {
    let json = out.join("memory.json");
    step(
        cargo()
            .args([
                "bench",
                "--locked",
                "-p",
                "sync-server",
                "--bench",
                "memory",
                "--",
            ])
            .arg(&json)
            .env(
                "MADOGUCHI_SERVER_BIN",
                target_dir(root).join("release").join("sync-server"),
            ),
    )?;
    eprintln!("xtask: results in {}", json.display());
    Ok(())
}
