//! ID-card OCR results → [`DocumentRead`]: what an ID-card scanner's PC software (PASidscan
//! II at the counters of 高崎市) writes into its folder, one result file per card.
//!
//! The scanner's interface is not public (domain notes §7), so nothing here is tied to one
//! layout: the encoding is detected per file ([`encoding`]: UTF-8 with or without BOM,
//! UTF-16, CP932), the format by its content ([`formats`]: CSV either way round, XML, JSON),
//! and which field is which item is data ([`FieldMap`], default `id_card_ocr.toml`). The
//! card's kind comes from its type field, else from what it shows (a 在留カード番号
//! `^[A-Z]{2}[0-9]{8}[A-Z]{2}$` or a 在留資格; 「特別永住者」 for a 特別永住者証明書). Values are
//! stored as the visit stores typed ones ([`values`]).
//!
//! ```
//! use device_webusb::id_card_ocr::{FieldMap, read_card};
//! use shared_model::document_read::{DocumentKind, ReadPath};
//!
//! let file = "氏名,生年月日,性別,国籍・地域,在留資格,在留カード番号\r\n\
//!             NGUYEN VAN AN,01 APR 1990,M,ベトナム,技能実習,AB12345678CD\r\n";
//! let card = read_card(file.as_bytes(), &FieldMap::builtin()).unwrap();
//! assert_eq!(card.read.document, DocumentKind::ResidenceCard);
//! assert_eq!(card.read.path, ReadPath::Ocr);
//! let person = &card.read.persons[0];
//! assert_eq!(person["person.birth_date"], "1990-04-01");
//! assert_eq!(person["person.sex"], "male");
//! assert_eq!(person["person.alphabet_name"], "NGUYEN VAN AN");
//! assert_eq!(person["person.foreign_category"], "mid_long_term");
//! ```

pub mod encoding;
pub mod field_map;
pub mod formats;
pub mod values;

use std::collections::BTreeMap;

use shared_model::document_read::{DocumentKind, DocumentRead, ReadPath};

pub use encoding::TextEncoding;
pub use field_map::{FieldMap, FieldMapError, Target};
pub use formats::Format;

/// The largest result file read, in bytes (a card's fields are a few hundred bytes; an
/// image given a result file's name is refused before it is decoded).
pub const MAX_BYTES: usize = 256 * 1024;

/// The character OCR software writes for a character it cannot give (外字, 〓 ゲタ).
pub const GETA: char = '〓';

/// Why a result file gives no card. The message (Japanese, as the counter shows it) names
/// the problem and, for a value, its field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OcrError {
    /// No encoding reads every byte (not UTF-8, UTF-16 or Shift_JIS/CP932; not text).
    #[error("文字コードが読めません (UTF-8・UTF-16・Shift_JIS のどれでもありません)")]
    Encoding,
    /// The file is empty (the scanner may still be writing it).
    #[error("ファイルが空です")]
    Empty,
    /// More than [`MAX_BYTES`].
    #[error("OCR結果にしては大きすぎます ({0} バイト)")]
    TooLarge(usize),
    /// XML or JSON that does not parse, a CSV that quotes wrongly.
    #[error("ファイルの形が崩れています: {0}")]
    Syntax(String),
    /// A CSV whose last row has fewer cells than its header row names: the file was read
    /// while the scanner was still writing it (cut mid-row), and is read again later.
    #[error("書きかけのようです: 最後の行が {cells} 列で、見出しの {header} 列に足りません")]
    Incomplete {
        /// Cells in the last row.
        cells: usize,
        /// Cells of the header row, up to its last field name.
        header: usize,
    },
    /// No field the map knows: not a result file, or one of a layout the map lacks.
    #[error("OCR結果の形式ではありません (知っている項目名がありません)")]
    UnknownFormat,
    /// No 氏名 (neither in kanji nor in Latin letters).
    #[error("氏名がありません")]
    NoName,
    /// A date field whose value is not a date.
    #[error("{field}「{value}」は日付として読めません")]
    BadDate {
        /// The field's name in the file.
        field: String,
        /// Its value.
        value: String,
    },
    /// A value that is none of its item's values (a 性別 that is neither).
    #[error("{field}「{value}」が読めません")]
    BadValue {
        /// The field's name in the file.
        field: String,
        /// Its value.
        value: String,
    },
    /// Neither the type field nor the fields tell the card's kind, and the map has no
    /// default.
    #[error("カードの種類が分かりません{}", .0.as_deref().map(|t| format!(" (「{t}」)")).unwrap_or_default())]
    UnknownKind(Option<String>),
}

/// One card read from a result file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CardRead {
    /// The card's items: one person, and `household.address` / `visit.identity_document`.
    pub read: DocumentRead,
    /// Items whose value holds [`GETA`] (a 外字 the OCR could not give), for the counter to
    /// check against the card.
    pub gaiji: Vec<String>,
    /// The file's encoding.
    pub encoding: TextEncoding,
    /// The file's format.
    pub format: Format,
}

impl CardRead {
    /// The person's name as the offer shows it (the kanji name, else the Latin one).
    pub fn name(&self) -> &str {
        let person = self.read.persons.first();
        ["person.name", "person.alphabet_name"]
            .iter()
            .find_map(|k| person?.get(*k).filter(|v| !v.is_empty()))
            .map(String::as_str)
            .unwrap_or_default()
    }
}

/// The items only a 在留カード or 特別永住者証明書 carries.
const RESIDENCE_ITEMS: [&str; 5] = [
    "person.residence_status",
    "person.residence_period",
    "person.residence_expiry",
    "person.residence_card_number",
    "person.foreign_category",
];

/// Result files, by extension (in any case).
pub const RESULT_EXTENSIONS: [&str; 4] = ["csv", "xml", "json", "txt"];
/// Images a scanner saves beside a result, by extension (in any case).
pub const IMAGE_EXTENSIONS: [&str; 6] = ["jpg", "jpeg", "png", "bmp", "tif", "tiff"];

/// `name.ext` → (`name`, `ext` in lower case).
fn stem_and_extension(name: &str) -> (&str, String) {
    match name.rsplit_once('.') {
        Some((stem, ext)) => (stem, ext.to_ascii_lowercase()),
        None => (name, String::new()),
    }
}

/// Whether a file of the scanner's folder named `name` is a result file
/// ([`RESULT_EXTENSIONS`]).
pub fn is_result_file(name: &str) -> bool {
    RESULT_EXTENSIONS.contains(&stem_and_extension(name).1.as_str())
}

/// Whether the file named `other` goes with the result file `result` and is deleted with
/// it: `result` itself, or an image ([`IMAGE_EXTENSIONS`]) of the same stem, alone or
/// followed by `_` or `-` (`0001.csv` → `0001.jpg`, `0001.PNG`, `0001_front.bmp`; not
/// `00010.jpg`). Stems compare in any case, as Windows names do.
pub fn belongs_to_card(result: &str, other: &str) -> bool {
    if other == result {
        return true;
    }
    let (stem, _) = stem_and_extension(result);
    let (other_stem, ext) = stem_and_extension(other);
    let (stem, other_stem) = (stem.to_lowercase(), other_stem.to_lowercase());
    let same_stem = other_stem == stem
        || other_stem
            .strip_prefix(&stem)
            .is_some_and(|rest| rest.starts_with(['_', '-']));
    same_stem && IMAGE_EXTENSIONS.contains(&ext.as_str())
}

/// Reads one result file.
///
/// Errors: [`OcrError`], naming the problem (encoding, format, 氏名 missing, a value that
/// is not one, the kind unknown).
pub fn read_card(bytes: &[u8], map: &FieldMap) -> Result<CardRead, OcrError> {
    if bytes.len() > MAX_BYTES {
        return Err(OcrError::TooLarge(bytes.len()));
    }
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(OcrError::Empty);
    }
    let (text, encoding) = encoding::decode(bytes)?;
    let (pairs, format) = formats::pairs(&text, map)?;

    let mut card_type: Option<String> = None;
    // Item → (field name, stored value); the first non-empty field of an item wins.
    let mut items: BTreeMap<String, (String, String)> = BTreeMap::new();
    for (field, raw) in &pairs {
        match map.target(field) {
            Some(Target::CardType) if card_type.is_none() && !raw.trim().is_empty() => {
                card_type = Some(raw.trim().to_owned());
            }
            Some(Target::Item(item)) if !items.contains_key(item) => {
                let value = values::normalise(item, field, raw)?;
                if !value.is_empty() {
                    items.insert(item.clone(), (field.clone(), value));
                }
            }
            _ => {}
        }
    }
    let mut person: BTreeMap<String, String> = BTreeMap::new();
    let mut household: BTreeMap<String, String> = BTreeMap::new();
    for (key, (_, value)) in items {
        if key.starts_with("person.") {
            person.insert(key, value);
        } else {
            household.insert(key, value);
        }
    }

    let kind = kind_of(card_type.as_deref(), &person, map)?;
    let foreign = matches!(
        kind,
        DocumentKind::ResidenceCard | DocumentKind::SpecialPermanentResidentCertificate
    );
    if foreign {
        // A 在留カード prints 氏名 in Latin letters: that is the アルファベット氏名, and the
        // register's 氏名 of a foreign resident (住民基本台帳法第30条の45) unless a kanji
        // name is given beside it.
        let name = person.get("person.name").cloned();
        if let Some(name) = name.filter(|n| values::is_latin(n)) {
            let latin = values::normalise("person.alphabet_name", "", &name)?;
            person.insert("person.name".into(), latin.clone());
            person.entry("person.alphabet_name".into()).or_insert(latin);
        }
        if !person.contains_key("person.name")
            && let Some(latin) = person.get("person.alphabet_name").cloned()
        {
            person.insert("person.name".into(), latin);
        }
        if let Some(category) = map.foreign_category(kind) {
            person
                .entry("person.foreign_category".into())
                .or_insert_with(|| category.to_owned());
        }
        if let Some((period, end)) = person
            .get("person.residence_period")
            .and_then(|p| values::period_and_end(p))
        {
            person.insert("person.residence_period".into(), period);
            person
                .entry("person.residence_expiry".into())
                .or_insert(end);
        }
    }
    if !foreign {
        // A マイナンバーカード or 運転免許証 has no 在留資格 or 在留カード番号: a field named
        // 「番号」 on it is another number.
        person.retain(|key, _| !RESIDENCE_ITEMS.contains(&key.as_str()));
    }
    if person.get("person.name").is_none_or(|n| n.is_empty()) {
        return Err(OcrError::NoName);
    }
    if let Some(document) = map.identity_document(kind) {
        household.insert("visit.identity_document".into(), document.to_owned());
    }
    let gaiji = person
        .iter()
        .chain(household.iter())
        .filter(|(_, v)| v.contains(GETA))
        .map(|(k, _)| k.clone())
        .collect();
    let mut read = DocumentRead::new(kind, ReadPath::Ocr);
    read.persons.push(person);
    read.items = household;
    Ok(CardRead {
        read,
        gaiji,
        encoding,
        format,
    })
}

/// The card's kind: its type field, else what its fields show, else the map's default.
fn kind_of(
    card_type: Option<&str>,
    person: &BTreeMap<String, String>,
    map: &FieldMap,
) -> Result<DocumentKind, OcrError> {
    if let Some(named) = card_type {
        return map
            .card_type(named)
            .ok_or_else(|| OcrError::UnknownKind(Some(named.to_owned())));
    }
    let status = person.get("person.residence_status").map(String::as_str);
    if status == Some("特別永住者") {
        return Ok(DocumentKind::SpecialPermanentResidentCertificate);
    }
    let card_number = person
        .get("person.residence_card_number")
        .is_some_and(|n| shared_model::validate::check_residence_card_number(n).is_ok());
    if card_number || status.is_some() {
        return Ok(DocumentKind::ResidenceCard);
    }
    map.default_kind.ok_or(OcrError::UnknownKind(None))
}

#[cfg(test)]
mod tests;
