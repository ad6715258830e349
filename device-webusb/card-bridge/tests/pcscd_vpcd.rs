//! The card bridge end to end without hardware: Debian's pcscd with the vsmartcard vpcd
//! virtual reader, a virtual マイナンバーカード answering the 券面事項入力補助AP's APDUs over
//! vpcd's protocol, and the `card-bridge` binary, called over HTTP as the counter app calls
//! it: pairing, the read with the right PIN (a name with 外字), wrong PINs counting down, a
//! blocked PIN, the card pulled out mid-read, no card, another card, no reader.
//!
//! Needs `pcscd`, `vsmartcard-vpcd`, `unshare` (util-linux) and `ip` (iproute2); `cargo
//! xtask test` installs them. Runs as root or where user namespaces are allowed.

mod support;

use std::time::Duration;

use device_webusb::my_number_card::simulated::{Holder, SimulatedCard};
use serde_json::json;
use support::vicc::Vicc;
use support::{BridgeProcess, Pcscd, ran_in_own_namespaces, wait_for};

const APP: &str = "http://127.0.0.1:8790";
const PIN: &str = "4821";
/// vpcd's port (its default; the test's network namespace has nothing else).
const VPCD_PORT: u16 = 35963;

struct Counter<'a> {
    bridge: &'a BridgeProcess,
    token: String,
}

impl Counter<'_> {
    fn status(&self) -> serde_json::Value {
        let (status, _, json) = self.bridge.call(
            "GET",
            "/status",
            &[
                ("Origin", APP),
                ("Authorization", &format!("Bearer {}", self.token)),
            ],
            None,
        );
        assert_eq!(status, 200, "{json}");
        json
    }

    fn wait_for_status(&self, reader: bool, card: bool) {
        let wanted = json!({"reader": reader, "card": card});
        wait_for(&format!("status {wanted}"), Duration::from_secs(15), || {
            (self.status() == wanted).then_some(())
        });
    }

    fn read(&self, pin: &str) -> (u16, serde_json::Value) {
        let (status, head, json) = self.bridge.call(
            "POST",
            "/read",
            &[
                ("Origin", APP),
                ("Authorization", &format!("Bearer {}", self.token)),
            ],
            Some(&format!(r#"{{"pin":"{pin}"}}"#)),
        );
        assert!(
            head.to_ascii_lowercase()
                .contains(&format!("access-control-allow-origin: {APP}")),
            "{head}"
        );
        (status, json)
    }
}

#[test]
fn the_bridge_reads_a_virtual_card_through_pcscd_and_vpcd() {
    if ran_in_own_namespaces("the_bridge_reads_a_virtual_card_through_pcscd_and_vpcd") {
        return;
    }
    let mut pcscd = Pcscd::start(VPCD_PORT);
    let vicc = Vicc::start(SimulatedCard::new(&Holder::example(), PIN), VPCD_PORT);
    let bridge = BridgeProcess::start(APP, &pcscd.socket());
    let _log_on_failure = LogOnFailure(pcscd.log_path());

    // Another page, or a program without the app's origin: refused, no CORS headers.
    for origin in [Some("https://evil.example"), None] {
        let headers: Vec<(&str, &str)> = origin.iter().map(|o| ("Origin", *o)).collect();
        let (status, head, json) = bridge.call(
            "POST",
            "/pair",
            &headers,
            Some(&format!(r#"{{"code":"{}"}}"#, bridge.code)),
        );
        assert_eq!((status, json), (403, json!({"error": "origin_refused"})));
        assert!(
            !head
                .to_ascii_lowercase()
                .contains("access-control-allow-origin")
        );
    }
    // The browser's preflight, Private Network Access included.
    let (status, head, _) = bridge.call(
        "OPTIONS",
        "/read",
        &[
            ("Origin", APP),
            ("Access-Control-Request-Method", "POST"),
            (
                "Access-Control-Request-Headers",
                "authorization, content-type",
            ),
            ("Access-Control-Request-Private-Network", "true"),
        ],
        None,
    );
    assert_eq!(status, 204);
    assert!(
        head.to_ascii_lowercase()
            .contains("access-control-allow-private-network: true"),
        "{head}"
    );
    // Nothing without pairing.
    let (status, _, json) = bridge.call("GET", "/status", &[("Origin", APP)], None);
    assert_eq!((status, json), (401, json!({"error": "unauthorized"})));

    // Pairing: a mistyped code counts, the right one gives the token.
    let wrong = if bridge.code == "000000" {
        "000001"
    } else {
        "000000"
    };
    let (status, _, json) = bridge.call(
        "POST",
        "/pair",
        &[("Origin", APP)],
        Some(&format!(r#"{{"code":"{wrong}"}}"#)),
    );
    assert_eq!(
        (status, json),
        (403, json!({"error": "wrong_code", "remaining": 4}))
    );
    let (status, _, json) = bridge.call(
        "POST",
        "/pair",
        &[("Origin", APP)],
        Some(&format!(r#"{{"code":"{}"}}"#, bridge.code)),
    );
    assert_eq!(status, 200, "{json}");
    let counter = Counter {
        bridge: &bridge,
        token: json["token"].as_str().unwrap().to_owned(),
    };
    counter.wait_for_status(true, true);

    // The right PIN: the 4情報 and the 個人番号, 外字 as the card holds them.
    let (status, json) = counter.read(PIN);
    assert_eq!(status, 200, "{json}");
    assert_eq!(
        json,
        json!({
            "document": "my_number_card",
            "path": "chip",
            "persons": [{
                "person.name": "𠮷田　髙志",
                "person.birth_date": "1985-04-12",
                "person.sex": "male",
                "person.my_number": "123456789018",
            }],
            "items": {"household.address": "群馬県高崎市高松町35番地1"},
        })
    );

    // A mistyped PIN of 3 digits costs no try; wrong ones count down; the right one
    // restores the tries.
    assert_eq!(counter.read("482"), (422, json!({"error": "pin_format"})));
    assert_eq!(
        counter.read("0000"),
        (422, json!({"error": "wrong_pin", "remaining": 2}))
    );
    assert_eq!(
        counter.read("1111"),
        (422, json!({"error": "wrong_pin", "remaining": 1}))
    );
    assert_eq!(counter.read(PIN).0, 200);
    assert_eq!(vicc.with(|slot| slot.card.tries_left), 3);

    // Pulled out mid-read (after SELECT, SELECT EF, VERIFY, SELECT EF 0001).
    vicc.with(|slot| slot.remove_after_apdus = Some(4));
    assert_eq!(counter.read(PIN), (503, json!({"error": "no_card"})));
    counter.wait_for_status(true, false);
    assert_eq!(counter.read(PIN), (503, json!({"error": "no_card"})));

    // Another card (no 券面事項入力補助AP).
    vicc.with(|slot| {
        slot.card.has_text_ap = false;
        slot.inserted = true;
    });
    counter.wait_for_status(true, true);
    assert_eq!(
        counter.read(PIN),
        (422, json!({"error": "not_my_number_card"}))
    );

    // The card again: three wrong PINs block it; then even the right one is refused.
    vicc.with(|slot| slot.card.has_text_ap = true);
    assert_eq!(
        counter.read("9999"),
        (422, json!({"error": "wrong_pin", "remaining": 2}))
    );
    assert_eq!(
        counter.read("9998"),
        (422, json!({"error": "wrong_pin", "remaining": 1}))
    );
    assert_eq!(counter.read("9997"), (422, json!({"error": "pin_blocked"})));
    assert_eq!(counter.read(PIN), (422, json!({"error": "pin_blocked"})));
    assert_eq!(vicc.with(|slot| slot.card.tries_left), 0);

    // PC/SC gone: no reader.
    pcscd.stop();
    assert_eq!(counter.status(), json!({"reader": false, "card": false}));
    assert_eq!(counter.read(PIN), (503, json!({"error": "no_reader"})));

    // What the bridge logged names calls and refusals, never the PIN or what the card holds
    // (its log lines from the message on: timestamps and the pairing code are digits too).
    let printed = bridge.printed();
    let logged: Vec<&str> = printed
        .lines()
        .filter_map(|line| line.find("card_bridge::").map(|at| &line[at..]))
        .collect();
    assert!(
        logged.iter().any(|l| l.contains("POST /read 200")),
        "{printed}"
    );
    for secret in [PIN, "123456789018", "𠮷田", "髙志", "高松町", "19850412"] {
        assert!(
            !logged.iter().any(|l| l.contains(secret)),
            "the bridge logged {secret}:\n{printed}"
        );
    }
}

/// Prints pcscd's log if the test fails (dropped before pcscd's folder is).
struct LogOnFailure(std::path::PathBuf);

impl Drop for LogOnFailure {
    fn drop(&mut self) {
        if std::thread::panicking() {
            let log = std::fs::read_to_string(&self.0).unwrap_or_default();
            eprintln!("--- pcscd log ---\n{log}");
        }
    }
}
