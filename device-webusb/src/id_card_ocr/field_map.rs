//! [`FieldMap`]: which field of a scanner's result file is which canonical item, as data
//! (TOML). The default is `device-webusb/id_card_ocr.toml`, embedded; a terminal may give
//! its own text instead ([`FieldMap::from_toml`]).

use std::collections::{BTreeMap, HashMap};

use serde::Deserialize;
use shared_model::catalog::Catalog;
use shared_model::document_read::DocumentKind;
use unicode_normalization::UnicodeNormalization;

/// The default field map, `device-webusb/id_card_ocr.toml`.
pub const DEFAULT_TOML: &str = include_str!("../../id_card_ocr.toml");

/// What a field of a result file is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// A canonical item (`person.name`, `household.address`, …).
    Item(String),
    /// The card's kind (`card.type`; its value is looked up in the map's `card_types`).
    CardType,
    /// A field known and dropped (`card.ignore`: image paths, 交付年月日, …).
    Ignore,
}

/// A field map that cannot be used.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum FieldMapError {
    /// Not TOML, or not of the map's shape.
    #[error("OCR項目対応の設定が読めません: {0}")]
    Syntax(String),
    /// An item that is neither a canonical item nor `card.type` / `card.ignore`.
    #[error("OCR項目対応の設定: 「{0}」という項目はありません")]
    UnknownItem(String),
    /// A kind name that is not a [`DocumentKind`] name.
    #[error("OCR項目対応の設定: 「{0}」というカードの種類はありません")]
    UnknownKind(String),
    /// A choice id the catalog's item does not have.
    #[error("OCR項目対応の設定: {item} に「{choice}」という選択肢はありません")]
    UnknownChoice {
        /// The item.
        item: String,
        /// The id given.
        choice: String,
    },
    /// One field name given to two items.
    #[error("OCR項目対応の設定: 項目名「{0}」が二つの項目にあります")]
    Duplicate(String),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMap {
    fields: Vec<RawField>,
    #[serde(default)]
    card_types: BTreeMap<String, Vec<String>>,
    #[serde(default)]
    default_kind: Option<String>,
    #[serde(default)]
    foreign_category: BTreeMap<String, String>,
    #[serde(default)]
    identity_document: BTreeMap<String, String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawField {
    item: String,
    names: Vec<String>,
}

/// The field map: field names (folded, [`fold_name`]) → [`Target`]; card-type values →
/// [`DocumentKind`]; and what a kind implies (外国人住民の区分, 本人確認書類).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldMap {
    names: BTreeMap<String, Target>,
    card_types: BTreeMap<String, DocumentKind>,
    /// The kind of a card that neither names its type nor shows a 在留カード's fields;
    /// `None` refuses such a card.
    pub default_kind: Option<DocumentKind>,
    foreign_category: HashMap<DocumentKind, String>,
    identity_document: HashMap<DocumentKind, String>,
}

impl FieldMap {
    /// The default map ([`DEFAULT_TOML`]).
    pub fn builtin() -> FieldMap {
        // The embedded file is checked by the tests; it cannot fail at run time.
        FieldMap::from_toml(DEFAULT_TOML).expect("the embedded id_card_ocr.toml is valid")
    }

    /// A map from TOML text of the default file's shape.
    ///
    /// Errors: [`FieldMapError`] naming what is wrong (syntax, an unknown item, kind or
    /// choice, a name given twice).
    pub fn from_toml(text: &str) -> Result<FieldMap, FieldMapError> {
        let raw: RawMap = toml::from_str(text).map_err(|e| FieldMapError::Syntax(e.to_string()))?;
        let catalog = Catalog::builtin();
        let kind = |name: &str| {
            DocumentKind::from_name(name).ok_or_else(|| FieldMapError::UnknownKind(name.into()))
        };
        let check_choice = |item: &str, choice: &str| {
            let known = catalog
                .items
                .get(item)
                .is_some_and(|i| i.choices.iter().any(|c| c.id == choice));
            if known {
                Ok(choice.to_owned())
            } else {
                Err(FieldMapError::UnknownChoice {
                    item: item.into(),
                    choice: choice.into(),
                })
            }
        };
        let mut names = BTreeMap::new();
        for field in raw.fields {
            let target = match field.item.as_str() {
                "card.type" => Target::CardType,
                "card.ignore" => Target::Ignore,
                key if catalog.items.contains_key(key) => Target::Item(key.to_owned()),
                other => return Err(FieldMapError::UnknownItem(other.to_owned())),
            };
            for name in field.names {
                if names.insert(fold_name(&name), target.clone()).is_some() {
                    return Err(FieldMapError::Duplicate(name));
                }
            }
        }
        let mut card_types = BTreeMap::new();
        for (name, values) in raw.card_types {
            let kind = kind(&name)?;
            for value in values {
                card_types.insert(fold_name(&value), kind);
            }
        }
        let mut foreign_category = HashMap::new();
        for (name, choice) in raw.foreign_category {
            foreign_category.insert(
                kind(&name)?,
                check_choice("person.foreign_category", &choice)?,
            );
        }
        let mut identity_document = HashMap::new();
        for (name, choice) in raw.identity_document {
            identity_document.insert(
                kind(&name)?,
                check_choice("visit.identity_document", &choice)?,
            );
        }
        Ok(FieldMap {
            names,
            card_types,
            default_kind: raw.default_kind.as_deref().map(kind).transpose()?,
            foreign_category,
            identity_document,
        })
    }

    /// What the field named `name` is, if the map knows it.
    pub fn target(&self, name: &str) -> Option<&Target> {
        self.names.get(&fold_name(name))
    }

    /// The kind a `card.type` value names.
    pub fn card_type(&self, value: &str) -> Option<DocumentKind> {
        self.card_types.get(&fold_name(value)).copied()
    }

    /// The 外国人住民の区分 (a `person.foreign_category` choice id) a card of `kind` implies.
    pub fn foreign_category(&self, kind: DocumentKind) -> Option<&str> {
        self.foreign_category.get(&kind).map(String::as_str)
    }

    /// The 本人確認書類 (a `visit.identity_document` choice id) a card of `kind` is.
    pub fn identity_document(&self, kind: DocumentKind) -> Option<&str> {
        self.identity_document.get(&kind).map(String::as_str)
    }
}

/// A field name or card-type value as the map compares it: NFKC (full-width letters and
/// digits, half-width katakana), lower case, without spaces, `_`, `-`, `・`, `/`, `.` and `'`.
pub fn fold_name(name: &str) -> String {
    name.nfkc()
        .filter(|c| !c.is_whitespace() && !matches!(c, '_' | '-' | '・' | '/' | '.' | '\''))
        .flat_map(char::to_lowercase)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_map_names_every_field_of_the_issue() {
        let map = FieldMap::builtin();
        for (name, item) in [
            ("氏名", "person.name"),
            ("Name", "person.name"),
            ("フリガナ", "person.kana"),
            ("生年月日", "person.birth_date"),
            ("Date of Birth", "person.birth_date"),
            ("date_of_birth", "person.birth_date"),
            ("性別", "person.sex"),
            ("住所", "household.address"),
            ("住居地", "household.address"),
            ("国籍・地域", "person.nationality"),
            ("在留資格", "person.residence_status"),
            ("在留期間", "person.residence_period"),
            ("在留期間満了日", "person.residence_expiry"),
            ("在留カード番号", "person.residence_card_number"),
            ("ＣａｒｄＮｕｍｂｅｒ", "person.residence_card_number"),
        ] {
            assert_eq!(map.target(name), Some(&Target::Item(item.into())), "{name}");
        }
        assert_eq!(map.target("カード種別"), Some(&Target::CardType));
        assert_eq!(map.target("交付年月日"), Some(&Target::Ignore));
        assert_eq!(map.target("血液型"), None);
        assert_eq!(
            map.card_type("在留カード"),
            Some(DocumentKind::ResidenceCard)
        );
        assert_eq!(map.card_type("ｒｃ"), Some(DocumentKind::ResidenceCard));
        assert_eq!(
            map.card_type("Driver's License"),
            Some(DocumentKind::DriversLicense)
        );
        assert_eq!(
            map.foreign_category(DocumentKind::ResidenceCard),
            Some("mid_long_term")
        );
        assert_eq!(map.default_kind, None);
    }

    #[test]
    fn a_terminal_map_replaces_the_default_and_is_checked() {
        let own = r#"
            default_kind = "my_number_card"
            [[fields]]
            item = "person.name"
            names = ["NAME_KANJI"]
        "#;
        let map = FieldMap::from_toml(own).unwrap();
        assert_eq!(
            map.target("name kanji"),
            Some(&Target::Item("person.name".into()))
        );
        assert_eq!(map.target("氏名"), None);
        assert_eq!(map.default_kind, Some(DocumentKind::MyNumberCard));

        let bad_item = "[[fields]]\nitem = \"person.blood\"\nnames = [\"血液型\"]";
        assert_eq!(
            FieldMap::from_toml(bad_item),
            Err(FieldMapError::UnknownItem("person.blood".into()))
        );
        let twice = "[[fields]]\nitem = \"person.name\"\nnames = [\"氏名\"]\n\
                     [[fields]]\nitem = \"person.kana\"\nnames = [\"氏 名\"]";
        assert_eq!(
            FieldMap::from_toml(twice),
            Err(FieldMapError::Duplicate("氏 名".into()))
        );
        let bad_choice = "fields = []\n[foreign_category]\nresidence_card = \"tourist\"";
        assert!(matches!(
            FieldMap::from_toml(bad_choice),
            Err(FieldMapError::UnknownChoice { .. })
        ));
        assert!(matches!(
            FieldMap::from_toml("fields = 3"),
            Err(FieldMapError::Syntax(_))
        ));
    }
}
