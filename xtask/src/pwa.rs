//! Building the PWA: cargo → wasm-bindgen → static files → `sw.js` with content hashes.

use std::path::Path;
use std::process::Command;

use anyhow::Context;
use service_worker::{Precache, SHELL_FILES};

use crate::{step, target_dir};

/// Which cargo profile the wasm is built with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Profile {
    /// Fast to build; for tests.
    Dev,
    /// Small (`wasm-release`: opt-level z, LTO); for running.
    Release,
}

/// Builds the PWA into `out` (replacing what was there).
pub fn build(root: &Path, profile: Profile, out: &Path) -> anyhow::Result<()> {
    let (profile_arg, profile_dir) = match profile {
        Profile::Dev => ("dev", "debug"),
        Profile::Release => ("wasm-release", "wasm-release"),
    };
    step(
        Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into())).args([
            "build",
            "--locked",
            "-p",
            "app-wasm",
            "--target",
            "wasm32-unknown-unknown",
            "--profile",
            profile_arg,
        ]),
    )?;
    let wasm = target_dir(root)
        .join("wasm32-unknown-unknown")
        .join(profile_dir)
        .join("app_wasm.wasm");
    if out.exists() {
        std::fs::remove_dir_all(out).with_context(|| format!("clearing {}", out.display()))?;
    }
    std::fs::create_dir_all(out)?;
    step(
        Command::new("wasm-bindgen")
            .args([
                "--target",
                "web",
                "--no-typescript",
                "--out-name",
                "app",
                "--out-dir",
            ])
            .arg(out)
            .arg(&wasm),
    )?;
    copy_tree(&root.join("web"), out)?;
    let precache = Precache::build(out, &SHELL_FILES)?;
    std::fs::write(out.join("sw.js"), precache.render_worker())?;
    let wasm_size = std::fs::metadata(out.join("app_bg.wasm"))?.len();
    eprintln!(
        "xtask: PWA in {} (app_bg.wasm {} KiB, shell version {})",
        out.display(),
        wasm_size / 1024,
        precache.version()
    );
    Ok(())
}

fn copy_tree(from: &Path, to: &Path) -> anyhow::Result<()> {
    for entry in std::fs::read_dir(from).with_context(|| format!("reading {}", from.display()))? {
        let entry = entry?;
        let target = to.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            std::fs::create_dir_all(&target)?;
            copy_tree(&entry.path(), &target)?;
        } else {
            std::fs::copy(entry.path(), &target)?;
        }
    }
    Ok(())
}
