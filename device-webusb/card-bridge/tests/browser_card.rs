//! The counter app reading a マイナンバーカード in headless Chromium through the real bridge:
//! this test starts (in its own network and mount namespaces) pcscd with the vpcd reader,
//! the virtual card and `card-bridge` on its default port for the app's origin, then runs
//! the Playwright suite `tests/js/e2e-card.mjs`, which starts the sync-server there and
//! drives the browser (pairing, PIN entry, the fill, the blocked PIN).
//!
//! Needs what `pcscd_vpcd.rs` needs, plus the built PWA (`MADOGUCHI_DIST`), the server binary
//! (`MADOGUCHI_SERVER_BIN`) and `tests/js/node_modules`, which `cargo xtask test` provides.

mod support;

use std::path::Path;
use std::process::Command;

use device_webusb::my_number_card::bridge::DEFAULT_PORT;
use device_webusb::my_number_card::simulated::{Holder, SimulatedCard};
use support::vicc::Vicc;
use support::{BridgeProcess, Pcscd, ran_in_own_namespaces};

/// vpcd's port in the test's network namespace.
const VPCD_PORT: u16 = 35963;
/// The sync-server's port there (the bridge allows exactly its origin).
const SERVER_PORT: u16 = 8790;

#[test]
fn the_counter_reads_a_card_in_the_browser_through_the_bridge() {
    for var in ["MADOGUCHI_DIST", "MADOGUCHI_SERVER_BIN"] {
        assert!(
            std::env::var_os(var).is_some(),
            "{var} is not set: run the browser suites through `cargo xtask test`"
        );
    }
    if ran_in_own_namespaces("the_counter_reads_a_card_in_the_browser_through_the_bridge") {
        return;
    }
    let pcscd = Pcscd::start(VPCD_PORT);
    let _vicc = Vicc::start(SimulatedCard::new(&Holder::example(), "4821"), VPCD_PORT);
    let origin = format!("http://127.0.0.1:{SERVER_PORT}");
    let bridge = BridgeProcess::start_on(DEFAULT_PORT, &origin, &pcscd.socket());
    let js = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/js");
    let output = Command::new("node")
        .arg("e2e-card.mjs")
        .current_dir(&js)
        .env("MADOGUCHI_CARD_PAIRING_CODE", &bridge.code)
        .env("MADOGUCHI_SERVER_PORT", SERVER_PORT.to_string())
        .output()
        .expect("running node");
    let stdout = String::from_utf8_lossy(&output.stdout);
    println!("{stdout}\n{}", String::from_utf8_lossy(&output.stderr));
    assert!(
        output.status.success() && stdout.contains(" passed, 0 failed"),
        "e2e-card.mjs failed"
    );
}
