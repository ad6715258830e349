//! What each fuzz target does with one input, shared by the targets in `fuzz_targets/` and by
//! the regression test that replays kept crashers (`shared-model/tests/fuzz_regressions.rs`),
//! so that a kept input goes through exactly the code the fuzzer found it with.
//!
//! Each function takes the raw bytes libFuzzer hands the target; none may panic.

use device_webusb::my_number_card::simulated::{Holder, SimulatedCard};
use device_webusb::my_number_card::{text_ap, tlv};
use shared_model::calendar::{CivilDay, parse_date};
use shared_model::catalog::{Catalog, Kind, VisitValues};
use shared_model::protocol::Message;
use shared_model::validate::*;
use shared_model::{VisitDoc, handling_department};

/// Bytes into the visit document loader: an error or a visit, never a panic; whatever loads
/// must also be readable through every accessor a terminal or the server reads it with.
pub fn visit_load(data: &[u8]) {
    if let Ok(visit) = VisitDoc::load(data) {
        let _ = visit.values();
        let _ = visit.conflicts();
        let _ = visit.answers();
        let _ = visit.summary();
        let _ = visit.history();
        let _ = visit.handling();
        let _ = visit.form_statuses();
        let _ = visit.procedure_choices();
        let _ = visit.actor_names();
        let _ = visit.person_count();
        let _ = visit.created_at();
        for role in shared_model::signature::SignerRole::ALL {
            let _ = visit.signatures(role);
        }
        let _ = handling_department(visit.doc());
    }
}

/// Text into every validator and into every field of every form. The text is the longest
/// valid UTF-8 prefix of the bytes, as `arbitrary` makes a `&str` of them.
pub fn validators(data: &[u8]) {
    let text = match std::str::from_utf8(data) {
        Ok(text) => text,
        Err(e) => std::str::from_utf8(&data[..e.valid_up_to()]).expect("a valid prefix"),
    };
    let _ = parse_date(text);
    let _ = shared_model::signature::decode_strokes(text);
    let _ = check_date(text);
    let _ = check_my_number(text);
    let _ = check_atena_number(text);
    let _ = check_residence_card_number(text);
    let _ = check_kana(text);
    let _ = check_relationship(text);
    let _ = check_postal_code(text);
    let _ = check_phone(text);
    let _ = check_length(text, 10);
    // A reception slip's scan: whatever a reader typed reads to a visit or names why not,
    // and a visit read back writes the same code.
    if let Ok(id) = shared_model::handoff::read_scan(text) {
        let code = shared_model::handoff::HandoffCode::new(id).to_string();
        assert_eq!(shared_model::handoff::read_scan(&code), Ok(id));
    }
    let catalog = Catalog::builtin();
    let today = CivilDay::new(2027, 4, 20).expect("a real day");
    for form in &catalog.forms {
        let mut values = VisitValues::default();
        for field in form.fields() {
            let key = if field.kind == Kind::Counts {
                format!("{}.{}", field.key, field.choices[0].id)
            } else {
                field.key.clone()
            };
            let _ = values.set(catalog, &form.id, &key, Some(0), text);
        }
        let _ = catalog.validate(&form.id, &values, today);
    }
}

/// Bytes into the automerge-repo wire decoder; what decodes re-encodes to something that
/// decodes the same.
pub fn wire_decode(data: &[u8]) {
    if let Ok(message) = Message::decode(data) {
        assert_eq!(Message::decode(&message.encode()).ok(), Some(message));
    }
}

/// Bytes as the マイナンバーカード's 券面事項入力補助AP holds them (device-webusb's
/// `my_number_card`): into the BER-TLV reader and both EF decoders, then as the card's EF
/// `0001` and EF `0002` (split where the first byte says) read through the whole APDU flow of
/// a simulated card. Whatever reads gives a 個人番号 of 12 digits and a `YYYY-MM-DD` birth date.
pub fn card_tlv(data: &[u8]) {
    if let Ok(header) = tlv::header(data) {
        assert!(header.total_len() >= header.header_len);
    }
    if let Ok(all) = tlv::parse_all(data) {
        assert!(all.iter().map(|t| t.value.len()).sum::<usize>() <= data.len());
    }
    let _ = text_ap::decode_my_number(data);
    let _ = text_ap::decode_basic_four(data);
    let split = data.first().map_or(0, |&b| usize::from(b)).min(data.len());
    let mut card = SimulatedCard::new(&Holder::example(), "1234");
    card.my_number_ef = data[..split].to_vec();
    card.basic_four_ef = data[split..].to_vec();
    if let Ok(read) = text_ap::read(&mut card, "1234") {
        let person = &read.persons[0];
        assert_eq!(person["person.my_number"].len(), 12);
        assert_eq!(person["person.birth_date"].len(), 10);
    }
}
