//! [`ResidentLayout`]: how the columns of a 住基 file map to the resident register. The
//! default names its headers after the 住民記録システム標準仕様書 items; the agreed layout with
//! the core system's vendor replaces it by configuration (TOML), not code.
//!
//! ```
//! use sync_server::exchange::layout::ResidentLayout;
//!
//! let layout = ResidentLayout::default();
//! assert_eq!(layout.headers()[0], "宛名番号");
//! let custom = ResidentLayout::from_toml(r#"
//!     columns = [
//!       { header = "ATENA_NO", field = "atena_number" },
//!       { header = "SHIMEI", field = "name" },
//!     ]
//! "#).unwrap();
//! assert_eq!(custom.headers(), ["ATENA_NO", "SHIMEI"]);
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
struct LayoutFile {
    columns: Vec<Column>,
}

/// The column layout of resident files.
#[derive(Debug, Clone)]
pub struct ResidentLayout {
    columns: Vec<Column>,
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
        Self { columns }
    }
}

impl ResidentLayout {
    /// A layout from its TOML text (`columns = [{ header, field }, …]`).
    pub fn from_toml(text: &str) -> Result<Self, LayoutError> {
        let file: LayoutFile =
            toml::from_str(text).map_err(|e| LayoutError::Parse(e.to_string()))?;
        let layout = Self {
            columns: file.columns,
        };
        if layout.position(ResidentField::AtenaNumber).is_none() {
            return Err(LayoutError::Missing(ResidentField::AtenaNumber));
        }
        Ok(layout)
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
