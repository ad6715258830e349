//! [`ResidentLayout`]: how the columns of a 住基 file map to the resident register, and the
//! rules of the file ([`FileRules`]: its encoding, whether its numbers carry check digits,
//! their width, the share of bad rows that refuses it). The default names its headers after
//! the 住民記録システム標準仕様書 items, reads UTF-8 and checks M11 digits; the layout agreed
//! with the core system's vendor replaces it by configuration (TOML), not code.
//!
//! ```
//! use sync_server::exchange::layout::{Encoding, ResidentLayout};
//!
//! let layout = ResidentLayout::default();
//! assert_eq!(layout.headers()[0], "宛名番号");
//! assert!(layout.rules.check_digit);
//! let custom = ResidentLayout::from_toml(r#"
//!     encoding = "shift_jis"
//!     check_digit = false
//!     number_digits = 15
//!     max_bad_share = 0.02
//!     columns = [
//!       { header = "ATENA_NO", field = "atena_number" },
//!       { header = "SHIMEI", field = "name" },
//!     ]
//! "#).unwrap();
//! assert_eq!(custom.headers(), ["ATENA_NO", "SHIMEI"]);
//! assert_eq!(custom.rules.encoding, Encoding::ShiftJis);
//! assert_eq!(custom.rules.number_digits, Some(15));
//! ```

use serde::Deserialize;

/// A field of a resident record that a column can fill.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ResidentField {
    /// 宛名番号 (the key).
    AtenaNumber,
    /// 世帯番号.
    HouseholdNumber,
    /// 氏名.
    Name,
    /// 氏名フリガナ.
    Kana,
    /// 生年月日.
    BirthDate,
    /// 性別 (男 / 女, or 1 / 2).
    Sex,
    /// 続柄.
    Relationship,
    /// 住所.
    Address,
    /// 郵便番号.
    PostalCode,
    /// 世帯主氏名.
    HeadName,
    /// 個人番号.
    MyNumber,
    /// 支援措置対象 (1 / 0).
    Protected,
    /// 異動区分 in delta files: 追加 / 修正 / 削除.
    Change,
}

/// Why a layout is not usable.
#[derive(Debug, thiserror::Error)]
pub enum LayoutError {
    /// Not valid TOML of the expected shape.
    #[error("layout: {0}")]
    Parse(String),
    /// A field every record needs has no column.
    #[error("layout has no column for {0:?}")]
    Missing(ResidentField),
}

#[derive(Debug, Clone, Deserialize)]
struct Column {
    header: String,
    field: ResidentField,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct LayoutFile {
    columns: Vec<Column>,
    #[serde(default)]
    encoding: Encoding,
    check_digit: Option<bool>,
    number_digits: Option<usize>,
    max_bad_share: Option<f64>,
    min_full_share: Option<f64>,
}

/// The text encoding of the files.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(try_from = "String")]
pub enum Encoding {
    /// UTF-8 (a BOM is allowed): what 標準準拠システム write (the default).
    #[default]
    Utf8,
    /// Shift_JIS as Windows writes it (Windows-31J, CP932, with NEC and IBM extensions),
    /// decoded by `encoding_rs`. Spelled `shift_jis`, `sjis`, `cp932` or `windows-31j`.
    ShiftJis,
}

impl TryFrom<String> for Encoding {
    type Error = String;

    fn try_from(name: String) -> Result<Self, String> {
        match name.to_ascii_lowercase().replace('_', "-").as_str() {
            "utf-8" | "utf8" => Ok(Encoding::Utf8),
            "shift-jis" | "sjis" | "cp932" | "windows-31j" | "ms932" => Ok(Encoding::ShiftJis),
            other => Err(format!(
                "encoding {other:?} is neither utf-8 nor shift_jis (cp932)"
            )),
        }
    }
}

/// The rules a file is read by, apart from its columns.
#[derive(Debug, Clone, PartialEq)]
pub struct FileRules {
    /// The text encoding (default UTF-8).
    pub encoding: Encoding,
    /// Whether 宛名番号 and 世帯番号 end in an M11W2〜7 check digit (標準仕様書 §1.1.13;
    /// default yes; numbers given before the rule may lack it).
    pub check_digit: bool,
    /// How many digits a 宛名番号 and a 世帯番号 have, leading zeros included. When not set:
    /// the width the register already has, else the widest number in the file. A shorter
    /// number lost its leading zeros (a spreadsheet re-save) and is refused, never stored
    /// under another key.
    pub number_digits: Option<usize>,
    /// A file with a larger share of bad rows is refused whole (default 0.01 = 1 %); below
    /// it, the good rows are imported and the bad ones set aside.
    pub max_bad_share: f64,
    /// A full file with fewer rows than this share of the register is refused whole
    /// (default 0.9): a transfer cut at a line end must not remove everyone after the cut.
    pub min_full_share: f64,
}

impl Default for FileRules {
    fn default() -> Self {
        Self {
            encoding: Encoding::Utf8,
            check_digit: true,
            number_digits: None,
            max_bad_share: 0.01,
            min_full_share: 0.9,
        }
    }
}

/// The column layout of resident files, and the rules they are read by.
#[derive(Debug, Clone)]
pub struct ResidentLayout {
    columns: Vec<Column>,
    /// Encoding, check digits, number width, bad-row share.
    pub rules: FileRules,
}

impl Default for ResidentLayout {
    fn default() -> Self {
        use ResidentField::*;
        let columns = [
            ("宛名番号", AtenaNumber),
            ("世帯番号", HouseholdNumber),
            ("氏名", Name),
            ("氏名_フリガナ", Kana),
            ("生年月日", BirthDate),
            ("性別", Sex),
            ("続柄", Relationship),
            ("住所", Address),
            ("郵便番号", PostalCode),
            ("世帯主_氏名", HeadName),
            ("個人番号", MyNumber),
            ("支援措置対象", Protected),
            ("異動区分", Change),
        ]
        .into_iter()
        .map(|(header, field)| Column {
            header: header.into(),
            field,
        })
        .collect();
        Self {
            columns,
            rules: FileRules::default(),
        }
    }
}

impl ResidentLayout {
    /// A layout from its TOML text: `columns = [{ header, field }, …]` and, optionally, the
    /// [`FileRules`] (`encoding`, `check_digit`, `number_digits`, `max_bad_share`,
    /// `min_full_share`).
    ///
    /// Errors: [`LayoutError::Parse`] for text of another shape (an unknown key, an encoding
    /// other than UTF-8 or Shift_JIS, a share outside 0–1), [`LayoutError::Missing`] without
    /// a 宛名番号 column.
    pub fn from_toml(text: &str) -> Result<Self, LayoutError> {
        let file: LayoutFile =
            toml::from_str(text).map_err(|e| LayoutError::Parse(e.to_string()))?;
        let defaults = FileRules::default();
        let rules = FileRules {
            encoding: file.encoding,
            check_digit: file.check_digit.unwrap_or(defaults.check_digit),
            number_digits: file.number_digits,
            max_bad_share: file.max_bad_share.unwrap_or(defaults.max_bad_share),
            min_full_share: file.min_full_share.unwrap_or(defaults.min_full_share),
        };
        for (name, share) in [
            ("max_bad_share", rules.max_bad_share),
            ("min_full_share", rules.min_full_share),
        ] {
            if !(0.0..=1.0).contains(&share) {
                return Err(LayoutError::Parse(format!(
                    "{name} {share} is not a share between 0 and 1"
                )));
            }
        }
        let layout = Self {
            columns: file.columns,
            rules,
        };
        if layout.position(ResidentField::AtenaNumber).is_none() {
            return Err(LayoutError::Missing(ResidentField::AtenaNumber));
        }
        Ok(layout)
    }

    /// A short fingerprint of the layout and its rules: a file refused under one layout is
    /// tried again once the layout changes (an encoding corrected, a check digit switched off).
    pub fn fingerprint(&self) -> String {
        use sha2::{Digest, Sha256};
        let described = format!("{:?}|{:?}", self.columns, self.rules);
        hex::encode(&Sha256::digest(described.as_bytes())[..8])
    }

    /// The header of the column that fills `field`, for messages.
    pub fn header_of(&self, field: ResidentField) -> Option<&str> {
        self.columns
            .iter()
            .find(|c| c.field == field)
            .map(|c| c.header.as_str())
    }

    /// The headers a file must have, in order.
    pub fn headers(&self) -> Vec<&str> {
        self.columns.iter().map(|c| c.header.as_str()).collect()
    }

    /// Writes residents as a file in this layout (what the core system sends); `change` is
    /// the 異動区分 of each row (empty in full files).
    pub fn write(&self, rows: &[(shared_model::synthetic::Resident, &str)]) -> String {
        let mut writer = csv::WriterBuilder::new().from_writer(Vec::new());
        // Writing to a Vec cannot fail.
        let _ = writer.write_record(self.headers());
        for (r, change) in rows {
            let record: Vec<String> = self
                .columns
                .iter()
                .map(|c| match c.field {
                    ResidentField::AtenaNumber => r.atena_number.clone(),
                    ResidentField::HouseholdNumber => r.household_number.clone(),
                    ResidentField::Name => r.name.clone(),
                    ResidentField::Kana => r.kana.clone(),
                    ResidentField::BirthDate => r.birth_date.clone(),
                    ResidentField::Sex => if r.sex == "male" { "男" } else { "女" }.into(),
                    ResidentField::Relationship => r.relationship.clone(),
                    ResidentField::Address => r.address.clone(),
                    ResidentField::PostalCode => r.postal_code.clone(),
                    ResidentField::HeadName => r.head_name.clone(),
                    ResidentField::MyNumber => r.my_number.clone(),
                    ResidentField::Protected => u8::from(r.protected).to_string(),
                    ResidentField::Change => (*change).to_owned(),
                })
                .collect();
            let _ = writer.write_record(&record);
        }
        String::from_utf8(writer.into_inner().unwrap_or_default()).unwrap_or_default()
    }

    /// The column index of a field.
    pub fn position(&self, field: ResidentField) -> Option<usize> {
        self.columns.iter().position(|c| c.field == field)
    }
}
