//! The device fuzz targets' inputs replayed on every `cargo test`: the crashers
//! `cargo xtask fuzz` kept (`shared-model/tests/fuzz-regressions/<target>/`) and the
//! checked-in seeds (`shared-model/fuzz/seeds/<target>/`), each through the target's own
//! entry point (`shared-model/fuzz/device_entry_points.rs`).

use std::path::{Path, PathBuf};

#[path = "../../shared-model/fuzz/device_entry_points.rs"]
mod device_entry_points;

fn inputs(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    files
}

fn replay(target: &str, entry: fn(&[u8])) -> usize {
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let dirs = [
        workspace
            .join("shared-model/tests/fuzz-regressions")
            .join(target),
        workspace.join("shared-model/fuzz/seeds").join(target),
    ];
    let files: Vec<PathBuf> = dirs.iter().flat_map(|d| inputs(d)).collect();
    let failed: Vec<String> = files
        .iter()
        .filter(|file| {
            let data = std::fs::read(file).unwrap();
            std::panic::catch_unwind(|| entry(&data)).is_err()
        })
        .map(|f| f.display().to_string())
        .collect();
    assert!(
        failed.is_empty(),
        "{target} panics again on:\n  {}",
        failed.join("\n  ")
    );
    files.len()
}

#[test]
fn transfer_qr_inputs_do_not_panic() {
    assert!(
        replay("transfer_qr", device_entry_points::transfer_qr) > 0,
        "no seeds"
    );
}
