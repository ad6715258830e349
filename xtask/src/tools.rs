//! Installing what the build and the tests need, each only if missing or of the wrong
//! version, and only from crates.io, Debian or npm.

use std::path::Path;
use std::process::Command;

use anyhow::{Context, bail};

use crate::step;

/// Debian's chromium.
pub const CHROMIUM: &str = "/usr/bin/chromium";
/// Debian's chromedriver.
pub const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
/// mdBook (see [`ensure_mdbook`]), on the PATH cargo installs into.
pub const MDBOOK: &str = "mdbook";
/// binaryen's wasm optimiser, from Debian.
pub const WASM_OPT: &str = "/usr/bin/wasm-opt";

fn output(command: &mut Command) -> Option<String> {
    command
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
}

/// The wasm32 target and `wasm-bindgen-cli` at the version Cargo.lock pins.
pub fn ensure_wasm_toolchain(root: &Path) -> anyhow::Result<()> {
    let installed =
        output(Command::new("rustup").args(["target", "list", "--installed"])).unwrap_or_default();
    if !installed
        .lines()
        .any(|l| l.trim() == "wasm32-unknown-unknown")
    {
        step(Command::new("rustup").args(["target", "add", "wasm32-unknown-unknown"]))?;
    }
    let wanted = locked_version(root, "wasm-bindgen")?;
    let have = output(Command::new("wasm-bindgen").arg("--version")).unwrap_or_default();
    if have != format!("wasm-bindgen {wanted}") {
        // Not --locked: the CLI's own lock file names a webpki-roots release the registry
        // here does not carry (see shared/reference/toolchain.md, G2).
        step(Command::new("cargo").args(["install", "wasm-bindgen-cli", "--version", &wanted]))?;
    }
    Ok(())
}

/// The version of `package` in Cargo.lock.
fn locked_version(root: &Path, package: &str) -> anyhow::Result<String> {
    let lock = std::fs::read_to_string(root.join("Cargo.lock")).context("reading Cargo.lock")?;
    let needle = format!("name = \"{package}\"\nversion = \"");
    let start = lock
        .find(&needle)
        .with_context(|| format!("{package} is not in Cargo.lock"))?
        + needle.len();
    let end = lock[start..].find('"').context("malformed Cargo.lock")? + start;
    Ok(lock[start..end].to_owned())
}

/// Debian's chromium and chromedriver, a Japanese font and pdftotext.
pub fn ensure_browser() -> anyhow::Result<()> {
    // IPA Gothic so that screenshots show Japanese text, not boxes.
    let font = Path::new("/usr/share/fonts/opentype/ipafont-gothic/ipag.ttf");
    // pdftotext checks what Chromium prints.
    let pdftotext = Path::new("/usr/bin/pdftotext");
    if Path::new(CHROMIUM).exists()
        && Path::new(CHROMEDRIVER).exists()
        && font.exists()
        && pdftotext.exists()
    {
        return Ok(());
    }
    apt_install(&[
        "chromium",
        "chromium-driver",
        "fonts-ipafont-gothic",
        "poppler-utils",
    ])
}

/// Debian's binaryen, for `wasm-opt` on the release wasm (version 108 in Debian 12).
pub fn ensure_binaryen() -> anyhow::Result<()> {
    if output(Command::new(WASM_OPT).arg("--version")).is_some() {
        return Ok(());
    }
    apt_install(&["binaryen"])
}

/// What the card bridge builds and tests with: Debian's pcscd (the PC/SC service), the
/// vsmartcard project's vpcd virtual reader driver for it, libpcsclite-dev (the `pcsc` crate
/// links libpcsclite), pkg-config (which finds it) and iproute2 (the test brings up loopback
/// in a network namespace of its own).
pub fn ensure_card_tools() -> anyhow::Result<()> {
    let needed = [
        "/usr/sbin/pcscd",
        "/usr/lib/pcsc/drivers/serial/libifdvpcd.so",
        "/usr/include/PCSC/winscard.h",
        "/usr/bin/pkg-config",
        "/usr/sbin/ip",
    ];
    if needed.iter().all(|path| Path::new(path).exists()) {
        return Ok(());
    }
    apt_install(&[
        "pcscd",
        "vsmartcard-vpcd",
        "libpcsclite-dev",
        "pkg-config",
        "iproute2",
    ])
}

fn apt_install(packages: &[&str]) -> anyhow::Result<()> {
    let root = output(Command::new("id").arg("-u")).as_deref() == Some("0");
    let apt = |args: &[&str]| {
        let mut command = if root {
            Command::new("apt-get")
        } else {
            let mut sudo = Command::new("sudo");
            sudo.arg("apt-get");
            sudo
        };
        command.args(args).env("DEBIAN_FRONTEND", "noninteractive");
        command
    };
    step(&mut apt(&["update", "-qq"]))?;
    let mut install = vec!["install", "-y", "-qq", "--no-install-recommends"];
    install.extend_from_slice(packages);
    step(&mut apt(&install))
}

/// Debian's PostgreSQL server (initdb, pg_ctl, createdb) for the PostgreSQL runs of the
/// tests: each run makes a throw-away cluster of its own (`tests/src/postgres.rs`).
pub fn ensure_postgres() -> anyhow::Result<()> {
    if crate::postgres::server_bin().is_some()
        && output(Command::new("id").arg("postgres")).is_some()
    {
        return Ok(());
    }
    apt_install(&["postgresql"])
}

/// The S3-compatible server the exchange tests run against (s3s-fs from crates.io; 0.17
/// needs a newer rustc than this project's 1.95).
pub fn ensure_s3_server() -> anyhow::Result<()> {
    const VERSION: &str = "0.14.1";
    if output(Command::new("s3s-fs").arg("--version")).as_deref()
        == Some(&format!("s3s-fs {VERSION}"))
    {
        return Ok(());
    }
    step(Command::new("cargo").args([
        "install",
        "s3s-fs",
        "--version",
        VERSION,
        "--features",
        "binary",
        "--locked",
    ]))
}

/// mdBook, the Rust project's book builder, for the manuals: pinned, from crates.io,
/// without its `serve` and `watch` features (only `build` is used).
pub fn ensure_mdbook() -> anyhow::Result<()> {
    const VERSION: &str = "0.5.4";
    if output(Command::new(MDBOOK).arg("--version")).as_deref()
        == Some(&format!("mdbook v{VERSION}"))
    {
        return Ok(());
    }
    step(Command::new("cargo").args([
        "install",
        "mdbook",
        "--version",
        VERSION,
        "--locked",
        "--no-default-features",
        "--features",
        "search",
    ]))
}

/// What `cargo xtask fuzz` needs: the nightly toolchain (cargo-fuzz builds with libFuzzer's
/// coverage instrumentation and AddressSanitizer, both nightly-only) from rustup, and
/// cargo-fuzz, the rust-fuzz project's libFuzzer driver, at a pinned version from crates.io.
pub fn ensure_fuzz_tools() -> anyhow::Result<()> {
    const CARGO_FUZZ: &str = "0.13.2";
    if output(Command::new("rustup").args(["run", "nightly", "rustc", "--version"])).is_none() {
        step(Command::new("rustup").args([
            "toolchain",
            "install",
            "nightly",
            "--profile",
            "minimal",
        ]))?;
    }
    if output(Command::new("cargo-fuzz").arg("--version")).as_deref()
        != Some(&format!("cargo-fuzz {CARGO_FUZZ}"))
    {
        step(Command::new("cargo").args([
            "install",
            "--locked",
            "cargo-fuzz",
            "--version",
            CARGO_FUZZ,
        ]))?;
    }
    Ok(())
}

/// Node and the npm packages of `dir`, from its committed lock file.
pub fn ensure_node_packages(dir: &Path) -> anyhow::Result<()> {
    if output(Command::new("node").arg("--version")).is_none() {
        apt_install(&["nodejs", "npm"])?;
    }
    let lock = std::fs::read(dir.join("package-lock.json")).context("reading package-lock.json")?;
    let stamp = dir.join("node_modules").join(".madoguchi-installed-lock");
    if std::fs::read(&stamp).ok().as_deref() == Some(lock.as_slice()) {
        return Ok(());
    }
    step(
        Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund", "--loglevel=error"])
            .current_dir(dir),
    )?;
    if !dir.join("node_modules").exists() {
        bail!("npm ci left no node_modules in {}", dir.display());
    }
    std::fs::write(&stamp, lock)?;
    Ok(())
}
