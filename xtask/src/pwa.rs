//! Building the PWA: cargo → wasm-bindgen → `wasm-opt` (release) → static files → `sw.js`
//! with content hashes → a brotli (`.br`) and a gzip (`.gz`) sibling beside every
//! compressible file, which the server sends by `Accept-Encoding`.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::Context;
use service_worker::{Precache, SHELL_FILES};

use crate::{step, target_dir};

/// Which cargo profile the wasm is built with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Profile {
    /// Fast to build; for tests.
    Dev,
    /// Small (`wasm-release`: opt-level z, LTO, then `wasm-opt -Oz`); for running.
    Release,
}

impl Profile {
    /// How hard the precompressed siblings are squeezed: best for what is served, fast for
    /// the tests' build (its 19 MB debug wasm would take minutes at the best settings).
    fn compression(self) -> Compression {
        match self {
            Profile::Dev => Compression {
                brotli_quality: 1,
                gzip_level: 1,
            },
            Profile::Release => Compression {
                brotli_quality: 11,
                gzip_level: 9,
            },
        }
    }
}

/// The WebAssembly features rustc 1.95 enables by default for `wasm32-unknown-unknown`
/// (LLVM's generic CPU: multivalue, reference types, bulk memory, non-trapping float-to-int,
/// sign extension, mutable globals): what `wasm-opt` may rely on and must keep.
const WASM_FEATURES: [&str; 6] = [
    "--enable-multivalue",
    "--enable-reference-types",
    "--enable-bulk-memory",
    "--enable-nontrapping-float-to-int",
    "--enable-sign-ext",
    "--enable-mutable-globals",
];

/// File extensions sent compressed: text and the wasm module (images other than SVG and
/// fonts are compressed already).
const COMPRESSIBLE: [&str; 10] = [
    "html",
    "js",
    "mjs",
    "css",
    "wasm",
    "json",
    "webmanifest",
    "svg",
    "txt",
    "xml",
];

/// Brotli and gzip settings for the precompressed siblings.
#[derive(Debug, Clone, Copy)]
struct Compression {
    /// 0 (fastest) to 11 (smallest).
    brotli_quality: i32,
    /// 0 (stored) to 9 (smallest).
    gzip_level: u32,
}

/// What a build measured on its way.
#[derive(Debug, Clone, Copy)]
pub struct Built {
    /// Bytes of the wasm module as wasm-bindgen wrote it, before `wasm-opt`.
    pub bindgen_wasm_bytes: u64,
}

/// Builds the PWA into `out` (replacing what was there).
pub fn build(root: &Path, profile: Profile, out: &Path) -> anyhow::Result<Built> {
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
    let bindgen_wasm = out.join("app_bg.wasm");
    let bindgen_wasm_bytes = std::fs::metadata(&bindgen_wasm)?.len();
    if profile == Profile::Release {
        optimise_wasm(&bindgen_wasm)?;
    }
    copy_tree(&root.join("web"), out)?;
    // The manuals, which the 「？」 of each screen opens, also offline.
    crate::docs::build_books(root, out)?;
    // The service worker's hashes are of the files as the page sees them (uncompressed), so
    // they are taken before the compressed siblings exist.
    let precache = Precache::build(out, &SHELL_FILES)?.with_manual(out)?;
    std::fs::write(out.join("sw.js"), precache.render_worker())?;
    let started = std::time::Instant::now();
    precompress_tree(out, profile.compression())?;
    let wasm_size = std::fs::metadata(&bindgen_wasm)?.len();
    let wasm_br = std::fs::metadata(sibling(&bindgen_wasm, "br"))?.len();
    eprintln!(
        "xtask: PWA in {} (app_bg.wasm {} KiB, {} KiB as brotli; compressed in {} ms; shell version {})",
        out.display(),
        wasm_size / 1024,
        wasm_br / 1024,
        started.elapsed().as_millis(),
        precache.version()
    );
    Ok(Built { bindgen_wasm_bytes })
}

/// One file the browser downloads for the shell, in bytes: as built, and as sent to a
/// browser accepting gzip only or brotli (the file itself where there is no sibling).
#[derive(Debug, Clone)]
pub struct SentSize {
    /// Path under the PWA folder.
    pub file: String,
    /// Uncompressed.
    pub raw: u64,
    /// As sent with `Accept-Encoding: gzip`.
    pub gzip: u64,
    /// As sent with `Accept-Encoding: br`.
    pub brotli: u64,
}

/// The sizes of what a browser downloads to install the PWA built in `out`: the shell files
/// the service worker precaches, and `sw.js` itself.
pub fn shell_sizes(out: &Path) -> anyhow::Result<Vec<SentSize>> {
    let size = |path: &Path| {
        std::fs::metadata(path)
            .map(|m| m.len())
            .with_context(|| format!("reading the size of {}", path.display()))
    };
    let sent = |path: &Path, suffix: &str, raw: u64| {
        std::fs::metadata(sibling(path, suffix)).map_or(raw, |m| m.len())
    };
    SHELL_FILES
        .iter()
        .chain(&["sw.js"])
        .map(|file| {
            let path = out.join(file);
            let raw = size(&path)?;
            Ok(SentSize {
                file: (*file).to_owned(),
                raw,
                gzip: sent(&path, "gz", raw),
                brotli: sent(&path, "br", raw),
            })
        })
        .collect()
}

/// Runs binaryen's `wasm-opt -Oz` over the module wasm-bindgen wrote, in place (and undoes
/// binaryen 108's misbinding of the externref table's export, [`crate::table_export`]).
fn optimise_wasm(wasm: &Path) -> anyhow::Result<()> {
    let optimised = wasm.with_extension("opt.wasm");
    let before = std::fs::metadata(wasm)?.len();
    step(
        Command::new(crate::tools::WASM_OPT)
            .arg("-Oz")
            .args(WASM_FEATURES)
            .arg(wasm)
            .arg("-o")
            .arg(&optimised),
    )?;
    let mut module = std::fs::read(&optimised)?;
    if crate::table_export::rebind(&mut module)
        .with_context(|| format!("checking the table exports of {}", optimised.display()))?
    {
        std::fs::write(&optimised, &module)?;
        eprintln!(
            "xtask: wasm-opt: rebound {} to the externref table",
            crate::table_export::EXTERNREF_TABLE_EXPORT
        );
    }
    std::fs::rename(&optimised, wasm)
        .with_context(|| format!("replacing {} by its optimised build", wasm.display()))?;
    let after = std::fs::metadata(wasm)?.len();
    eprintln!(
        "xtask: wasm-opt: {} KiB -> {} KiB",
        before / 1024,
        after / 1024
    );
    Ok(())
}

/// `file` with `.{suffix}` appended (`app.js` → `app.js.br`).
pub fn sibling(file: &Path, suffix: &str) -> PathBuf {
    let mut name = file.as_os_str().to_owned();
    name.push(".");
    name.push(suffix);
    PathBuf::from(name)
}

/// Whether `file` is sent compressed (by its extension, [`COMPRESSIBLE`]).
pub fn is_compressible(file: &Path) -> bool {
    file.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| COMPRESSIBLE.contains(&e))
}

/// Writes `<file>.br` and `<file>.gz` beside every compressible file under `dir`, each only
/// where it is smaller than the file (the server sends the file itself otherwise). Brotli
/// and gzip run on two threads.
fn precompress_tree(dir: &Path, compression: Compression) -> anyhow::Result<()> {
    let mut files = Vec::new();
    list_files(dir, &mut files)?;
    files.retain(|f| is_compressible(f));
    std::thread::scope(|scope| {
        let brotli = scope.spawn(|| {
            files.iter().try_for_each(|file| {
                write_if_smaller(file, "br", |raw| {
                    brotli_bytes(raw, compression.brotli_quality)
                })
            })
        });
        let gzip = files.iter().try_for_each(|file| {
            write_if_smaller(file, "gz", |raw| gzip_bytes(raw, compression.gzip_level))
        });
        brotli
            .join()
            .map_err(|_| anyhow::anyhow!("the brotli thread panicked"))??;
        gzip
    })
}

fn write_if_smaller(
    file: &Path,
    suffix: &str,
    compress: impl Fn(&[u8]) -> std::io::Result<Vec<u8>>,
) -> anyhow::Result<()> {
    let raw = std::fs::read(file).with_context(|| format!("reading {}", file.display()))?;
    let packed = compress(&raw).with_context(|| format!("compressing {}", file.display()))?;
    let target = sibling(file, suffix);
    if packed.len() < raw.len() {
        std::fs::write(&target, packed).with_context(|| format!("writing {}", target.display()))?;
    }
    Ok(())
}

/// `raw` as a brotli stream at `quality` (0–11), with a window sized to the input.
pub fn brotli_bytes(raw: &[u8], quality: i32) -> std::io::Result<Vec<u8>> {
    let params = brotli::enc::BrotliEncoderParams {
        quality,
        // The largest standard window (16 MiB): what browsers decode.
        lgwin: 24,
        size_hint: raw.len(),
        ..Default::default()
    };
    let mut packed = Vec::with_capacity(raw.len() / 3);
    brotli::BrotliCompress(&mut &raw[..], &mut packed, &params)?;
    Ok(packed)
}

/// `raw` as a gzip stream at `level` (0–9).
pub fn gzip_bytes(raw: &[u8], level: u32) -> std::io::Result<Vec<u8>> {
    let mut encoder = flate2::write::GzEncoder::new(
        Vec::with_capacity(raw.len() / 3),
        flate2::Compression::new(level),
    );
    encoder.write_all(raw)?;
    encoder.finish()
}

fn list_files(dir: &Path, files: &mut Vec<PathBuf>) -> anyhow::Result<()> {
    for entry in std::fs::read_dir(dir).with_context(|| format!("reading {}", dir.display()))? {
        let entry = entry?;
        if entry.file_type()?.is_dir() {
            list_files(&entry.path(), files)?;
        } else {
            files.push(entry.path());
        }
    }
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
