//! The browser suites in headless Debian chromium (playwright-core), run as cargo tests.
//!
//! They need the built PWA (`MADOGUCHI_DIST`) and the server binary
//! (`MADOGUCHI_SERVER_BIN`); `cargo xtask test` builds both and sets the variables.

use std::time::Duration;

use madoguchi_tests::node;

/// One browser suite at a time: on two cores, parallel Chromiums slow each other down
/// enough to blur what the suites measure (a keyboard-wedge scan is told from typing by the
/// milliseconds between keys).
static ONE_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

async fn browser_suite(script: &str) {
    let _turn = ONE_AT_A_TIME.lock().await;
    for var in ["MADOGUCHI_DIST", "MADOGUCHI_SERVER_BIN"] {
        assert!(
            std::env::var_os(var).is_some(),
            "{var} is not set: run the browser suites through `cargo xtask test`"
        );
    }
    let run = node::run(script, &[], &[], Duration::from_secs(240))
        .await
        .unwrap();
    println!("{}\n{}", run.stdout, run.stderr);
    assert_eq!(
        run.code, 0,
        "{script} failed:\n{}\n{}",
        run.stdout, run.stderr
    );
    assert!(
        run.stdout.contains(" passed, 0 failed"),
        "{script} reported no result:\n{}",
        run.stdout
    );
}

#[tokio::test]
async fn kiosk_to_counter_offline_and_back() {
    browser_suite("e2e-walking-skeleton.mjs").await;
}

#[tokio::test]
async fn forms_print_on_a4_with_wareki_dates() {
    browser_suite("e2e-print.mjs").await;
}

#[tokio::test]
async fn a_citizen_signs_on_a_pad_and_the_signature_prints_in_the_box() {
    browser_suite("e2e-signature.mjs").await;
}

#[tokio::test]
async fn the_server_confirms_forms_also_after_an_offline_request() {
    browser_suite("e2e-confirm.mjs").await;
}

#[tokio::test]
async fn installable_app_with_update_prompt_and_shortcuts() {
    browser_suite("e2e-pwa.mjs").await;
}

#[tokio::test]
async fn a_conflict_between_two_counters_is_shown_and_resolved() {
    browser_suite("e2e-conflict.mjs").await;
}

#[tokio::test]
async fn every_screen_passes_axe_wcag_a_and_aa() {
    browser_suite("a11y.mjs").await;
}

#[tokio::test]
async fn a_family_moving_in_is_entered_once_for_all_its_forms_through_a_network_cut() {
    browser_suite("e2e-tennyu-family.mjs").await;
}

#[tokio::test]
async fn a_visit_is_handed_from_shimin_to_hoken_nenkin() {
    browser_suite("e2e-handoff.mjs").await;
}

#[tokio::test]
async fn a_tenkyo_is_pre_filled_from_a_resident_lookup() {
    browser_suite("e2e-lookup.mjs").await;
}

#[tokio::test]
async fn the_admin_sees_a_terminal_go_offline_and_come_back_with_its_unsent_changes() {
    browser_suite("e2e-admin.mjs").await;
}

#[tokio::test]
async fn after_sign_out_indexeddb_holds_no_plain_text_name() {
    browser_suite("e2e-vault.mjs").await;
}

#[tokio::test]
async fn a_kiosk_visit_opened_before_the_kiosk_synced_appears_when_it_arrives() {
    browser_suite("e2e-faults.mjs").await;
}

#[tokio::test]
async fn register_files_and_typing_as_real_counters_do() {
    browser_suite("e2e-typing.mjs").await;
}

#[tokio::test]
async fn keys_and_focus_stay_where_the_person_is() {
    browser_suite("e2e-focus.mjs").await;
}

#[tokio::test]
async fn three_departments_walked_with_the_keyboard_alone() {
    browser_suite("e2e-journey.mjs").await;
}

#[tokio::test]
async fn every_field_of_every_form_typed_key_by_key() {
    browser_suite("e2e-catalog.mjs").await;
}

#[tokio::test]
async fn each_city_fills_and_prints_its_own_forms_on_one_deployment() {
    browser_suite("e2e-cities.mjs").await;
}

#[tokio::test]
async fn the_visit_screen_fits_a_1920_by_1080_counter() {
    browser_suite("e2e-layout.mjs").await;
}

#[tokio::test]
async fn a_transfer_certificate_qr_fills_the_tennyu_over_serial_hid_and_keyboard_readers() {
    browser_suite("e2e-qr.mjs").await;
}

#[tokio::test]
async fn an_id_card_scanners_result_folder_fills_the_applicant_and_is_emptied() {
    browser_suite("e2e-id-card.mjs").await;
}

#[tokio::test]
async fn a_family_is_guided_and_pre_fills_at_the_kiosk_in_nine_languages_and_leaves_nothing() {
    browser_suite("e2e-kiosk.mjs").await;
}

#[tokio::test]
async fn a_number_is_called_on_the_display_handed_on_and_called_again_and_offline_kiosks_number_from_their_block()
 {
    browser_suite("e2e-queue.mjs").await;
}

#[tokio::test]
async fn each_staff_screen_opens_its_manual_page_also_offline() {
    browser_suite("e2e-help.mjs").await;
}
