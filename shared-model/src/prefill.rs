//! [`Prefill`]: what filling a visit from the resident register (住基) would change, item by
//! item, so that the counter sees it and is asked before anything already entered is
//! replaced.
//!
//! Residents are placed on the person row that already holds them (same フリガナ or 氏名,
//! and no other 生年月日), else on a blank row: the applicant a citizen typed at the kiosk
//! keeps their row, and the rest of the household comes after on new rows. One person taken
//! from the register with no such row goes to the applicant's row — replacing what was
//! typed there, which the counter is asked about (a name typed with a slip at the kiosk). For a 転居 the registered address is the one being
//! left (従前の住所): it never lands in the new address, nor does its 郵便番号.
//!
//! ```
//! use shared_model::catalog::VisitValues;
//! use shared_model::navi::LifeEvent;
//! use shared_model::prefill::Prefill;
//! use shared_model::synthetic::Resident;
//!
//! let mut values = VisitValues::default();
//! values.persons.push([("person.name".to_owned(), "高橋 あおい".to_owned())].into());
//! let aoi = Resident {
//!     name: "高橋 葵".into(),
//!     kana: "タカハシ　アオイ".into(),
//!     address: "群馬県高崎市八島町222番地".into(),
//!     postal_code: "370-0849".into(),
//!     ..Resident::default()
//! };
//! let plan = Prefill::person(&values, &aoi, Some(LifeEvent::Tenkyo));
//! // The name typed at the kiosk would be replaced: the counter is asked first.
//! assert_eq!(plan.replacing().count(), 1);
//! // The registered address is the previous one; no 郵便番号 goes to the new address.
//! assert!(plan.changes.iter().any(|c| c.key == "visit.previous_address"));
//! assert!(!plan.changes.iter().any(|c| c.key == "household.postal_code"));
//! ```

use std::collections::BTreeMap;

use crate::catalog::{Catalog, VisitValues};
use crate::document_read::{DocumentKind, DocumentRead};
use crate::navi::LifeEvent;
use crate::search_key::search_key;
use crate::synthetic::Resident;
use crate::visit::VisitChange;

/// One item a fill would write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrefillChange {
    /// The canonical key (`person.name`, `household.address`, …).
    pub key: String,
    /// The person row, for person items.
    pub person: Option<usize>,
    /// What the visit holds now (empty when nothing).
    pub current: String,
    /// What the register says.
    pub proposed: String,
}

impl PrefillChange {
    /// Whether the fill would replace a value already entered (not only fill a blank).
    pub fn replaces(&self) -> bool {
        !self.current.trim().is_empty()
    }

    /// The item's label in Japanese, with the person row for person items (`2人目 氏名`).
    pub fn label_ja(&self) -> String {
        let label = Catalog::builtin()
            .items
            .get(&self.key)
            .map(|i| i.label.ja.as_str())
            .unwrap_or(self.key.as_str());
        match self.person {
            Some(p) => format!("{}人目 {label}", p + 1),
            None => label.to_owned(),
        }
    }
}

/// What filling a visit from the register would do.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Prefill {
    /// Person rows to add first.
    pub new_persons: usize,
    /// Items that would change (values already equal, in their canonical forms, are not
    /// listed).
    pub changes: Vec<PrefillChange>,
}

impl Prefill {
    /// What writing one resident into a visit holding `values` would change, for the navi's
    /// `event`: on the row that holds them, else a blank row, else the applicant's row.
    pub fn person(values: &VisitValues, member: &Resident, event: Option<LifeEvent>) -> Prefill {
        Self::of_residents(values, std::slice::from_ref(member), event, true)
    }

    /// What writing a household (head first) into a visit holding `values` would change:
    /// each member on the row that holds them, else a blank row, else a new row.
    pub fn household(
        values: &VisitValues,
        members: &[Resident],
        event: Option<LifeEvent>,
    ) -> Prefill {
        Self::of_residents(values, members, event, false)
    }

    /// What writing what a counter read from a document (a 転出証明書's QR, an ID card)
    /// into a visit holding `values` would change. One person goes where a resident would
    /// ([`Prefill::person`]), several as a household ([`Prefill::household`]). A card's
    /// `household.address` is where its holder lives now: for a 転入 or 転居 (the navi's
    /// `event`) that is the address being left, so it goes to `visit.previous_address`, and
    /// its 郵便番号 nowhere. A 転出証明書 names both addresses itself and is taken as it is.
    pub fn read(values: &VisitValues, read: &DocumentRead, event: Option<LifeEvent>) -> Prefill {
        let mut items = read.items.clone();
        let leaving = matches!(
            event,
            Some(LifeEvent::Tennyu | LifeEvent::TennyuAbroad | LifeEvent::Tenkyo)
        );
        if leaving && read.document != DocumentKind::TransferCertificate {
            if let Some(address) = items.remove("household.address") {
                items
                    .entry("visit.previous_address".into())
                    .or_insert(address);
            }
            items.remove("household.postal_code");
        }
        Self::plan(values, &read.persons, &items, read.persons.len() <= 1)
    }

    fn of_residents(
        values: &VisitValues,
        members: &[Resident],
        event: Option<LifeEvent>,
        onto_applicant: bool,
    ) -> Prefill {
        let persons: Vec<BTreeMap<String, String>> = members
            .iter()
            .map(|member| {
                [
                    ("person.name", &member.name),
                    ("person.kana", &member.kana),
                    ("person.birth_date", &member.birth_date),
                    ("person.sex", &member.sex),
                    ("person.relationship", &member.relationship),
                    ("person.my_number", &member.my_number),
                    ("person.atena_number", &member.atena_number),
                ]
                .into_iter()
                .map(|(k, v)| (k.to_owned(), v.clone()))
                .collect()
            })
            .collect();
        let mut items = BTreeMap::new();
        if let Some(first) = members.first() {
            let mut put = |k: &str, v: &String| {
                items.insert(k.to_owned(), v.clone());
            };
            put("household.head_name", &first.head_name);
            put("household.household_number", &first.household_number);
            match event {
                // Moving within the city: the registered address is the one being left, and
                // its 郵便番号 is not the new address's.
                Some(LifeEvent::Tenkyo) => {
                    put("visit.previous_address", &first.address);
                    put("visit.previous_head_name", &first.head_name);
                }
                _ => {
                    put("household.postal_code", &first.postal_code);
                    put("household.address", &first.address);
                }
            }
        }
        Self::plan(values, &persons, &items, onto_applicant)
    }

    /// Places each of `persons` on the row that holds them, else a blank row, else (one
    /// person, `onto_applicant`) the applicant's row, else a new row; then proposes every
    /// item, person items in catalog order, then `items`.
    fn plan(
        values: &VisitValues,
        persons: &[BTreeMap<String, String>],
        items: &BTreeMap<String, String>,
        onto_applicant: bool,
    ) -> Prefill {
        let mut rows: Vec<Option<usize>> = Vec::new();
        let existing = values.persons.len().max(1);
        let mut next_new = existing;
        for member in persons {
            let taken = |i: &usize| rows.contains(&Some(*i));
            let row = (0..existing)
                .filter(|i| !taken(i))
                .find(|i| holds(values, *i, member))
                .or_else(|| {
                    (0..existing)
                        .filter(|i| !taken(i))
                        .find(|i| is_blank(values, *i))
                })
                .or_else(|| (onto_applicant && !taken(&0)).then_some(0))
                .unwrap_or_else(|| {
                    next_new += 1;
                    next_new - 1
                });
            rows.push(Some(row));
        }
        let mut plan = Prefill {
            new_persons: next_new - existing,
            changes: Vec::new(),
        };
        let catalog = Catalog::builtin();
        for (member, row) in persons.iter().zip(rows) {
            // Catalog order, so the confirmation reads 氏名, フリガナ, 生年月日, ….
            let mut keys: Vec<&String> = member.keys().collect();
            keys.sort_by_key(|k| catalog.item_position(k));
            for key in keys {
                plan.propose(values, key, row, &member[key]);
            }
        }
        let mut keys: Vec<&String> = items.keys().collect();
        keys.sort_by_key(|k| catalog.item_position(k));
        for key in keys {
            plan.propose(values, key, None, &items[key]);
        }
        plan
    }

    /// Whether carrying the plan out would change one of `fixed` (items a settled form —
    /// 確認済み and after — holds), or add a person while person items are fixed: such a fill
    /// is refused; a change goes through 訂正.
    pub fn touches(&self, fixed: &std::collections::BTreeSet<String>) -> bool {
        let person_items_fixed = fixed.iter().any(|k| k.starts_with("person."));
        (self.new_persons > 0 && person_items_fixed)
            || self.changes.iter().any(|c| fixed.contains(&c.key))
    }

    /// The changes that would replace a value already entered.
    pub fn replacing(&self) -> impl Iterator<Item = &PrefillChange> {
        self.changes.iter().filter(|c| c.replaces())
    }

    /// The visit changes that carry the fill out: the new person rows, then every item, or
    /// only the blank ones when `replace` is false. Each item is written only if it still
    /// holds what the plan saw ([`VisitChange::ItemIf`]).
    pub fn visit_changes(&self, replace: bool) -> Vec<VisitChange> {
        let mut out: Vec<VisitChange> = (0..self.new_persons)
            .map(|_| VisitChange::AddPerson)
            .collect();
        out.extend(
            self.changes
                .iter()
                .filter(|c| replace || !c.replaces())
                .map(|c| VisitChange::ItemIf {
                    key: c.key.clone(),
                    person: c.person,
                    was: c.current.clone(),
                    value: c.proposed.clone(),
                }),
        );
        out
    }

    fn propose(&mut self, values: &VisitValues, key: &str, person: Option<usize>, value: &str) {
        if value.trim().is_empty() {
            return;
        }
        let current = values.get("", key, person).unwrap_or_default();
        if same(key, current, value) {
            return;
        }
        self.changes.push(PrefillChange {
            key: key.to_owned(),
            person,
            current: current.to_owned(),
            proposed: value.to_owned(),
        });
    }
}

/// Whether two values of an item are the same once canonical (`ﾀｶﾊｼ` is `タカハシ`).
fn same(key: &str, a: &str, b: &str) -> bool {
    let canonical = |v: &str| match Catalog::builtin().items.get(key) {
        Some(item) => item
            .kind
            .canonical(v)
            .unwrap_or_else(|_| v.trim().to_owned()),
        None => v.trim().to_owned(),
    };
    canonical(a) == canonical(b)
}

/// Whether person row `i` already holds this person: the same フリガナ or 氏名 as the
/// register's search folds them ([`search_key`]: spaces, 異体字, kana forms aside), and no
/// other 生年月日.
fn holds(values: &VisitValues, i: usize, member: &BTreeMap<String, String>) -> bool {
    let get = |key: &str| values.get("", key, Some(i)).unwrap_or_default();
    let theirs = |key: &str| member.get(key).map(String::as_str).unwrap_or_default();
    // Folded as the register's search folds them: spaces, 異体字 (髙 is 高), kana forms.
    let meet = |key: &str| {
        let (ours, theirs) = (get(key), theirs(key));
        !ours.is_empty() && !theirs.is_empty() && search_key(ours) == search_key(theirs)
    };
    let name = meet("person.name");
    let kana = meet("person.kana");
    let birth = get("person.birth_date");
    let birth_agrees = birth.is_empty()
        || theirs("person.birth_date").is_empty()
        || same("person.birth_date", birth, theirs("person.birth_date"));
    (name || kana) && birth_agrees
}

/// Whether person row `i` has no name, フリガナ or 生年月日 yet.
fn is_blank(values: &VisitValues, i: usize) -> bool {
    ["person.name", "person.kana", "person.birth_date"]
        .iter()
        .all(|key| values.get("", key, Some(i)).is_none())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn member(name: &str, kana: &str, birth: &str, relationship: &str) -> Resident {
        Resident {
            atena_number: String::new(),
            household_number: "300000001".into(),
            name: name.into(),
            kana: kana.into(),
            birth_date: birth.into(),
            sex: "female".into(),
            relationship: relationship.into(),
            address: "群馬県高崎市高松町35番地1".into(),
            postal_code: "370-0829".into(),
            head_name: "高崎 太郎".into(),
            my_number: String::new(),
            protected: false,
        }
    }

    fn person(values: &mut VisitValues, pairs: &[(&str, &str)]) {
        values.persons.push(
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        );
    }

    #[test]
    fn the_applicant_typed_at_the_kiosk_keeps_the_row_and_the_household_comes_after() {
        let mut values = VisitValues::default();
        // The citizen typed her own name at the kiosk, in half-width kana.
        person(
            &mut values,
            &[("person.name", "高崎 花子"), ("person.kana", "ﾀｶｻｷ ﾊﾅｺ")],
        );
        let household = [
            member("高崎 太郎", "タカサキ　タロウ", "1980-01-01", "世帯主"),
            member("高崎 花子", "タカサキ　ハナコ", "1982-02-02", "妻"),
            member("高崎 一郎", "タカサキ　イチロウ", "2015-03-03", "子"),
        ];
        let plan = Prefill::household(&values, &household, None);
        assert_eq!(plan.new_persons, 2);
        // 花子 stays the first row; her フリガナ is the same once canonical: not a change.
        let row_of = |name: &str| {
            plan.changes
                .iter()
                .find(|c| c.key == "person.name" && c.proposed == name)
                .and_then(|c| c.person)
        };
        assert_eq!(row_of("高崎 太郎"), Some(1));
        assert_eq!(row_of("高崎 一郎"), Some(2));
        assert!(
            !plan
                .changes
                .iter()
                .any(|c| c.person == Some(0) && (c.key == "person.kana" || c.key == "person.name"))
        );
        assert_eq!(plan.replacing().count(), 0, "nothing typed is replaced");
        let changes = plan.visit_changes(false);
        assert!(matches!(changes[0], VisitChange::AddPerson));
        assert!(matches!(changes[1], VisitChange::AddPerson));
    }

    #[test]
    fn a_different_value_is_a_replacement_and_can_be_left_alone() {
        let mut values = VisitValues::default();
        person(
            &mut values,
            &[
                ("person.name", "高崎 花子"),
                ("person.birth_date", "1982-02-03"),
            ],
        );
        values.household.insert(
            "household.address".into(),
            "群馬県高崎市八島町222番地".into(),
        );
        let plan = Prefill::household(
            &values,
            &[member("高崎 花子", "タカサキ　ハナコ", "1982-02-02", "妻")],
            Some(LifeEvent::Tennyu),
        );
        // Same name, another 生年月日: not the person of the first row, which is not blank
        // either, so she gets a row of her own; only the address would replace a value.
        assert_eq!(plan.new_persons, 1);
        let replacing: Vec<&str> = plan.replacing().map(|c| c.key.as_str()).collect();
        assert_eq!(replacing, ["household.address"]);
        let kept = plan.visit_changes(false);
        assert!(
            !kept.iter().any(
                |c| matches!(c, VisitChange::ItemIf { key, .. } if key == "household.address")
            )
        );
        assert!(
            plan.visit_changes(true).iter().any(
                |c| matches!(c, VisitChange::ItemIf { key, .. } if key == "household.address")
            )
        );
    }

    #[test]
    fn a_tenkyo_puts_the_registered_address_in_the_previous_one() {
        let mut values = VisitValues::default();
        values.household.insert(
            "household.address".into(),
            "群馬県高崎市八島町222番地".into(),
        );
        values
            .household
            .insert("household.postal_code".into(), "370-0849".into());
        let plan = Prefill::person(
            &values,
            &member("高崎 花子", "タカサキ　ハナコ", "1982-02-02", "世帯主"),
            Some(LifeEvent::Tenkyo),
        );
        let keys: Vec<&str> = plan.changes.iter().map(|c| c.key.as_str()).collect();
        assert!(keys.contains(&"visit.previous_address"));
        assert!(!keys.contains(&"household.address"));
        assert!(!keys.contains(&"household.postal_code"));
        assert_eq!(plan.replacing().count(), 0);
    }

    #[test]
    fn one_person_with_no_row_of_their_own_goes_to_the_applicant_and_asks() {
        let mut values = VisitValues::default();
        person(&mut values, &[("person.name", "高橋 あおい")]);
        let plan = Prefill::person(
            &values,
            &member("高橋 葵", "タカハシ　アオイ", "1990-05-05", "世帯主"),
            None,
        );
        assert_eq!(plan.new_persons, 0);
        let replacing: Vec<String> = plan
            .replacing()
            .map(|c| format!("{}: {} → {}", c.label_ja(), c.current, c.proposed))
            .collect();
        assert_eq!(replacing, ["1人目 氏名: 高橋 あおい → 高橋 葵"]);
        // Once a blank row is there (人を追加), the person goes there instead.
        person(&mut values, &[]);
        let plan = Prefill::person(
            &values,
            &member("高橋 葵", "タカハシ　アオイ", "1990-05-05", "世帯主"),
            None,
        );
        assert_eq!(plan.replacing().count(), 0);
        assert!(
            plan.changes
                .iter()
                .all(|c| c.person.is_none() || c.person == Some(1))
        );
    }

    #[test]
    fn a_value_typed_after_the_plan_is_never_overwritten() {
        let mut visit = crate::VisitDoc::new(crate::DocumentId::random(), "1", 0);
        let plan = Prefill::person(
            &visit.values(),
            &member("高橋 葵", "タカハシ　アオイ", "1990-05-05", "世帯主"),
            None,
        );
        // Typed while the plan was on its way.
        visit
            .set_item("person.name", Some(0), "高橋 あおい")
            .unwrap();
        for change in plan.visit_changes(true) {
            visit.apply(&change).unwrap();
        }
        assert_eq!(
            visit.item("person.name", Some(0)).as_deref(),
            Some("高橋 あおい")
        );
        assert_eq!(
            visit.item("person.kana", Some(0)).as_deref(),
            Some("タカハシ　アオイ")
        );
    }

    fn card(name: &str, birth: &str, address: &str) -> DocumentRead {
        let mut read = DocumentRead::new(
            DocumentKind::ResidenceCard,
            crate::document_read::ReadPath::Ocr,
        );
        read.persons.push(
            [
                ("person.name".to_owned(), name.to_owned()),
                ("person.birth_date".to_owned(), birth.to_owned()),
            ]
            .into(),
        );
        read.items
            .insert("household.address".into(), address.into());
        read.items
            .insert("household.postal_code".into(), "100-0001".into());
        read
    }

    #[test]
    fn a_card_read_at_a_move_in_gives_the_address_being_left() {
        let values = VisitValues::default();
        let read = card(
            "NGUYEN VAN AN",
            "1995-04-01",
            "東京都新宿区西新宿二丁目8番1号",
        );
        let plan = Prefill::read(&values, &read, Some(LifeEvent::Tennyu));
        let keys: Vec<_> = plan.changes.iter().map(|c| c.key.as_str()).collect();
        assert_eq!(
            keys,
            ["person.name", "person.birth_date", "visit.previous_address"]
        );
        // For a certificate the card's address is where the holder lives.
        let plan = Prefill::read(&values, &read, None);
        assert!(plan.changes.iter().any(|c| c.key == "household.address"));
        assert!(
            plan.changes
                .iter()
                .any(|c| c.key == "household.postal_code")
        );
    }

    #[test]
    fn a_household_read_fills_rows_it_matches_and_adds_the_rest() {
        let mut values = VisitValues::default();
        values.persons.push(
            [
                ("person.kana".to_owned(), "タカサキ　ハナコ".to_owned()),
                ("person.name".to_owned(), "高崎 花子".to_owned()),
            ]
            .into(),
        );
        let mut read = DocumentRead::new(
            DocumentKind::TransferCertificate,
            crate::document_read::ReadPath::Qr,
        );
        for (name, kana, birth) in [
            ("高崎 太郎", "タカサキ　タロウ", "1970-01-02"),
            ("高崎 花子", "タカサキ　ハナコ", "1972-03-04"),
        ] {
            read.persons.push(
                [
                    ("person.name".to_owned(), name.to_owned()),
                    ("person.kana".to_owned(), kana.to_owned()),
                    ("person.birth_date".to_owned(), birth.to_owned()),
                ]
                .into(),
            );
        }
        read.items.insert(
            "visit.previous_address".into(),
            "前橋市大手町一丁目1番1号".into(),
        );
        let plan = Prefill::read(&values, &read, Some(LifeEvent::Tennyu));
        // 花子 keeps the applicant's row; 太郎 gets a new one; nothing typed is replaced.
        assert_eq!(plan.new_persons, 1);
        assert_eq!(plan.replacing().count(), 0);
        let hanako: Vec<_> = plan
            .changes
            .iter()
            .filter(|c| c.person == Some(0))
            .collect();
        assert_eq!(hanako.len(), 1);
        assert_eq!(hanako[0].key, "person.birth_date");
        assert!(
            plan.changes
                .iter()
                .any(|c| c.key == "visit.previous_address")
        );
    }

    #[test]
    fn a_name_typed_with_the_common_form_of_a_variant_is_the_same_person() {
        let mut values = VisitValues::default();
        values
            .persons
            .push([("person.name".to_owned(), "高橋 一郎".to_owned())].into());
        let mut read = DocumentRead::new(
            DocumentKind::TransferCertificate,
            crate::document_read::ReadPath::Qr,
        );
        for name in ["髙橋 一郎", "髙橋 花子"] {
            read.persons
                .push([("person.name".to_owned(), name.to_owned())].into());
        }
        let plan = Prefill::read(&values, &read, Some(LifeEvent::Tennyu));
        // 髙橋 一郎 is the applicant typed as 高橋 一郎: asked about, not added again.
        assert_eq!(plan.new_persons, 1);
        let replacing: Vec<_> = plan
            .replacing()
            .map(|c| (c.key.as_str(), c.person))
            .collect();
        assert_eq!(replacing, [("person.name", Some(0))]);
    }

    #[test]
    fn a_fill_that_would_change_a_settled_forms_items_says_so() {
        let values = VisitValues::default();
        let aoi = member("高橋 葵", "タカハシ　アオイ", "1990-05-05", "世帯主");
        let plan = Prefill::person(&values, &aoi, None);
        let fixed = |keys: &[&str]| keys.iter().map(|k| k.to_string()).collect();
        assert!(plan.touches(&fixed(&["person.name"])));
        assert!(!plan.touches(&fixed(&["visit.moved_on"])));
        // Two persons where one row is: the second is added, which a fixed 異動者 list forbids.
        let plan = Prefill::household(&values, &[aoi.clone(), aoi], None);
        assert!(plan.new_persons > 0);
        assert!(plan.touches(&fixed(&["person.relationship"])));
    }
}
