//! Arbitrary strings into every validator and into every field of every form.
#![no_main]

use libfuzzer_sys::fuzz_target;
use shared_model::calendar::{CivilDay, parse_date};
use shared_model::catalog::{Catalog, Kind, VisitValues};
use shared_model::validate::*;

fuzz_target!(|text: &str| {
    let _ = parse_date(text);
    let _ = check_date(text);
    let _ = check_my_number(text);
    let _ = check_atena_number(text);
    let _ = check_residence_card_number(text);
    let _ = check_kana(text);
    let _ = check_relationship(text);
    let _ = check_postal_code(text);
    let _ = check_phone(text);
    let _ = check_length(text, 10);
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
});
