//! [`DocumentRead`]: what a counter read from a document the citizen brought — the paper
//! 転出証明書's QR code, an ID card by OCR (PASidscan II), or the マイナンバーカード's chip
//! (券面事項入力補助AP) — as canonical items (`catalog/items.toml`), ready to fill a visit.
//!
//! The device crates (`device-webusb`) turn bytes into a `DocumentRead`; [`crate::prefill::Prefill::read`]
//! plans how it fills a visit without overwriting what a counter typed unasked; the visit keeps,
//! per item, which document it came from ([`crate::VisitDoc::read_mark`]), so the screen can show
//! 「QR」/「OCR」/「IC」 next to it until someone edits it.
//!
//! ```
//! use shared_model::document_read::{DocumentKind, DocumentRead, ReadPath};
//!
//! let mut read = DocumentRead::new(DocumentKind::TransferCertificate, ReadPath::Qr);
//! read.persons.push([("person.name".to_owned(), "高崎 太郎".to_owned())].into());
//! read.items.insert("visit.previous_address".into(), "東京都千代田区永田町一丁目1番1号".into());
//! assert_eq!(read.source(), "transfer_certificate/qr");
//! assert_eq!(read.item_count(), 2);
//! ```

use std::collections::BTreeMap;

use unicode_normalization::UnicodeNormalization;

/// Which kind of document was read (what the audit log records; never the values).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DocumentKind {
    /// 転出証明書 (住民基本台帳法施行令第23条), or a 転出証明書に準ずる証明書.
    TransferCertificate,
    /// マイナンバーカード (個人番号カード).
    MyNumberCard,
    /// 在留カード (出入国管理及び難民認定法第19条の3).
    ResidenceCard,
    /// 特別永住者証明書 (入管特例法第7条).
    SpecialPermanentResidentCertificate,
    /// 運転免許証.
    DriversLicense,
}

impl DocumentKind {
    /// Every kind, in the order the screens list them.
    pub const ALL: [DocumentKind; 5] = [
        DocumentKind::TransferCertificate,
        DocumentKind::MyNumberCard,
        DocumentKind::ResidenceCard,
        DocumentKind::SpecialPermanentResidentCertificate,
        DocumentKind::DriversLicense,
    ];

    /// The stable name stored in documents and the audit log (`transfer_certificate`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            DocumentKind::TransferCertificate => "transfer_certificate",
            DocumentKind::MyNumberCard => "my_number_card",
            DocumentKind::ResidenceCard => "residence_card",
            DocumentKind::SpecialPermanentResidentCertificate => {
                "special_permanent_resident_certificate"
            }
            DocumentKind::DriversLicense => "drivers_license",
        }
    }

    /// The kind named `name` ([`DocumentKind::as_str`]).
    pub fn from_name(name: &str) -> Option<DocumentKind> {
        Self::ALL.into_iter().find(|k| k.as_str() == name)
    }

    /// Its name at the counter (`転出証明書`, `在留カード`, …).
    pub fn label_ja(self) -> &'static str {
        match self {
            DocumentKind::TransferCertificate => "転出証明書",
            DocumentKind::MyNumberCard => "マイナンバーカード",
            DocumentKind::ResidenceCard => "在留カード",
            DocumentKind::SpecialPermanentResidentCertificate => "特別永住者証明書",
            DocumentKind::DriversLicense => "運転免許証",
        }
    }
}

/// How it was read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReadPath {
    /// A QR code (reader over Web Serial / WebHID / keyboard wedge, or the kiosk's camera).
    Qr,
    /// OCR of the card's face (PASidscan II result file).
    Ocr,
    /// The card's IC chip through the local card bridge.
    Chip,
}

impl ReadPath {
    /// The stable name (`qr`, `ocr`, `chip`).
    pub fn as_str(self) -> &'static str {
        match self {
            ReadPath::Qr => "qr",
            ReadPath::Ocr => "ocr",
            ReadPath::Chip => "chip",
        }
    }

    /// The path named `name` ([`ReadPath::as_str`]).
    pub fn from_name(name: &str) -> Option<ReadPath> {
        [ReadPath::Qr, ReadPath::Ocr, ReadPath::Chip]
            .into_iter()
            .find(|p| p.as_str() == name)
    }

    /// The mark shown beside an item that came this way (`QR`, `OCR`, `IC`).
    pub fn mark(self) -> &'static str {
        match self {
            ReadPath::Qr => "QR",
            ReadPath::Ocr => "OCR",
            ReadPath::Chip => "IC",
        }
    }
}

/// What one read gave: canonical items of each person on the document (in the document's
/// order; for a 転出証明書 the 世帯主 or first 異動者 first) and of the household and the
/// visit. Values are as the document has them (dates `YYYY-MM-DD`, `person.sex` `male` /
/// `female`); the visit's own validation judges them like typed ones.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocumentRead {
    /// What was read.
    pub document: DocumentKind,
    /// How.
    pub path: ReadPath,
    /// `person.*` items, one map per person on the document.
    pub persons: Vec<BTreeMap<String, String>>,
    /// `household.*` and `visit.*` items.
    pub items: BTreeMap<String, String>,
}

impl DocumentRead {
    /// An empty read of `document` by `path`.
    pub fn new(document: DocumentKind, path: ReadPath) -> DocumentRead {
        DocumentRead {
            document,
            path,
            persons: Vec::new(),
            items: BTreeMap::new(),
        }
    }

    /// `document/path`, as the visit's marks and the audit log store it.
    pub fn source(&self) -> String {
        source_name(self.document, self.path)
    }

    /// How many non-empty items it carries.
    pub fn item_count(&self) -> usize {
        let filled = |m: &BTreeMap<String, String>| m.values().filter(|v| !v.is_empty()).count();
        self.persons.iter().map(filled).sum::<usize>() + filled(&self.items)
    }
}

/// A value a document gave for an item that the item cannot hold.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ItemValueError {
    /// The key is not a canonical item (a mistake in a field map).
    #[error("「{0}」は項目ではありません")]
    UnknownItem(String),
    /// The value is not one of the item's choices.
    #[error("{label}「{value}」は選択肢にありません")]
    NotAChoice {
        /// The item's label.
        label: String,
        /// The value read.
        value: String,
    },
    /// The item's validation refuses the value (a date that is not one, …).
    #[error("{label}: {message}")]
    Invalid {
        /// The item's label.
        label: String,
        /// What validation says, in Japanese.
        message: String,
    },
}

/// A document's value for item `key`, in the form the visit stores: a choice by its id
/// (its Japanese or English label, or its id, in any width and case; for `person.sex` also
/// 男性/女性, `M`/`F` and ISO/IEC 5218's `1`/`2`), a flag as `true`/`false` (有/無, 1/0), everything else in its
/// kind's canonical form (a date in any form the counter may type — 令和6年4月1日, R6.4.1,
/// 19900401 — as `YYYY-MM-DD`). Empty stays empty.
///
/// Errors: [`ItemValueError`] naming the item and the value.
///
/// ```
/// use shared_model::document_read::item_value;
/// assert_eq!(item_value("person.sex", "女").unwrap(), "female");
/// assert_eq!(item_value("person.sex", "1").unwrap(), "male");
/// assert_eq!(item_value("person.birth_date", "平成2年4月1日").unwrap(), "1990-04-01");
/// assert_eq!(item_value("person.foreign_category", "中長期在留者").unwrap(), "mid_long_term");
/// assert!(item_value("person.birth_date", "2月30日").is_err());
/// ```
pub fn item_value(key: &str, raw: &str) -> Result<String, ItemValueError> {
    use crate::catalog::{Catalog, Kind};
    let item = Catalog::builtin()
        .items
        .get(key)
        .ok_or_else(|| ItemValueError::UnknownItem(key.to_owned()))?;
    let value = raw.trim();
    if value.is_empty() {
        return Ok(String::new());
    }
    let label = || item.label.ja.clone();
    match item.kind {
        Kind::Choice => {
            // NFKC (full-width and half-width forms), spaces and case aside.
            let fold = |t: &str| {
                t.nfkc()
                    .filter(|c| !c.is_whitespace())
                    .collect::<String>()
                    .to_lowercase()
            };
            let folded = fold(value);
            let alias = match (key, folded.as_str()) {
                ("person.sex", "1" | "m" | "男性") => Some("male"),
                ("person.sex", "2" | "f" | "女性") => Some("female"),
                _ => None,
            };
            alias
                .map(str::to_owned)
                .or_else(|| {
                    item.choices
                        .iter()
                        .find(|c| {
                            [&c.id, &c.label.ja, &c.label.en]
                                .iter()
                                .any(|t| fold(t) == folded)
                        })
                        .map(|c| c.id.clone())
                })
                .ok_or_else(|| ItemValueError::NotAChoice {
                    label: label(),
                    value: value.to_owned(),
                })
        }
        Kind::Flag => match fold_width(value).as_str() {
            "true" | "1" | "有" | "あり" | "○" => Ok("true".into()),
            "false" | "0" | "無" | "なし" => Ok("false".into()),
            _ => Err(ItemValueError::NotAChoice {
                label: label(),
                value: value.to_owned(),
            }),
        },
        kind => kind
            .canonical(value)
            .map_err(|finding| ItemValueError::Invalid {
                label: label(),
                message: finding.message_ja,
            }),
    }
}

/// Full-width ASCII as ASCII (`Ｍ` is `M`, `１` is `1`).
fn fold_width(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            '\u{3000}' => ' ',
            _ => c,
        })
        .collect()
}

/// `document/path` (`transfer_certificate/qr`).
pub fn source_name(document: DocumentKind, path: ReadPath) -> String {
    format!("{}/{}", document.as_str(), path.as_str())
}

/// The document and path of a `document/path` name.
pub fn parse_source(name: &str) -> Option<(DocumentKind, ReadPath)> {
    let (document, path) = name.split_once('/')?;
    Some((
        DocumentKind::from_name(document)?,
        ReadPath::from_name(path)?,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for kind in DocumentKind::ALL {
            for path in [ReadPath::Qr, ReadPath::Ocr, ReadPath::Chip] {
                assert_eq!(parse_source(&source_name(kind, path)), Some((kind, path)));
            }
        }
        assert_eq!(parse_source("passport/qr"), None);
        assert_eq!(parse_source("transfer_certificate"), None);
    }
}
