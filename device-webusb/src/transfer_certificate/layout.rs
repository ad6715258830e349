//! [`Layout`]: how a 転出証明書's code text maps to canonical items — a data file
//! (`device-webusb/transfer_certificate.toml` is the documented default), because the
//! national layout is not public and the previous towns' systems may differ.

use std::collections::{BTreeMap, BTreeSet};

use shared_model::document_read::{ItemValueError, item_value};

/// The default layout, `device-webusb/transfer_certificate.toml`.
pub const DEFAULT_LAYOUT: &str = include_str!("../../transfer_certificate.toml");

/// What is wrong with a layout file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LayoutError {
    /// Not TOML of the layout's shape.
    #[error("転出証明書のレイアウトファイルが読めません: {0}")]
    Parse(String),
    /// A column names an item that is not one, or nothing at all.
    #[error("転出証明書のレイアウト {column}列目: {reason}")]
    Column {
        /// 1-based.
        column: usize,
        /// Why.
        reason: String,
    },
}

/// What a column holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ColumnRole {
    /// A canonical item (`person.*` of the row's person; `household.*`/`visit.*` of the
    /// certificate). `append`: added after the item's value from an earlier column (a
    /// 方書 after the address), separated by a full-width space.
    Item {
        /// The canonical key.
        key: String,
        /// Whether it is appended to another column's value of the same item.
        append: bool,
    },
    /// How many 異動者 the certificate has.
    Count,
    /// This row's person number, 1-based.
    Sequence,
    /// A fixed text identifying a 転出証明書's code ([`Layout::marker`]).
    Marker,
}

/// One column of the layout.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Column {
    /// What it holds.
    pub role: ColumnRole,
    /// The names a header row may give it.
    pub names: Vec<String>,
}

/// A 転出証明書 code layout.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Layout {
    /// The file's version text.
    pub version: String,
    /// The marker column's expected text.
    pub marker: Option<String>,
    /// The columns in their order without a header.
    pub columns: Vec<Column>,
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct LayoutFile {
    version: String,
    #[serde(default)]
    marker: Option<String>,
    columns: Vec<ColumnFile>,
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct ColumnFile {
    #[serde(default)]
    item: Option<String>,
    #[serde(default)]
    role: Option<String>,
    #[serde(default)]
    append: bool,
    names: Vec<String>,
}

/// One person's record as read: canonical items by key, and the roles' values.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Record {
    /// Canonical items, normalised ([`item_value`]).
    pub items: BTreeMap<String, String>,
    /// `Count`, if the layout has it.
    pub count: Option<usize>,
    /// `Sequence`, if the layout has it.
    pub sequence: Option<usize>,
}

/// Why a text is not records of this layout.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RecordError {
    /// Not a 転出証明書's code at all (another QR, our own slip, a URL).
    #[error("転出証明書の二次元コードではありません")]
    Foreign,
    /// A value the item cannot hold.
    #[error("{person}人目: {error}")]
    Value {
        /// 1-based row of a person.
        person: usize,
        /// What is wrong.
        error: ItemValueError,
    },
    /// A count or sequence that is not a number, or a sequence past the count.
    #[error("{person}人目: 連番・人数が読めません (「{text}」)")]
    Numbering {
        /// 1-based row of a person.
        person: usize,
        /// The text.
        text: String,
    },
}

impl Layout {
    /// The default layout ([`DEFAULT_LAYOUT`]).
    pub fn default_layout() -> Layout {
        Layout::parse(DEFAULT_LAYOUT).expect("the default layout is checked by the tests")
    }

    /// Reads a layout file. Errors: [`LayoutError`] naming the column.
    pub fn parse(text: &str) -> Result<Layout, LayoutError> {
        let file: LayoutFile =
            toml::from_str(text).map_err(|e| LayoutError::Parse(e.to_string()))?;
        let catalog = shared_model::catalog::Catalog::builtin();
        let mut columns = Vec::new();
        for (i, c) in file.columns.into_iter().enumerate() {
            let error = |reason: String| LayoutError::Column {
                column: i + 1,
                reason,
            };
            let role = match (c.item, c.role.as_deref()) {
                (Some(key), None) => {
                    if !catalog.items.contains_key(&key) {
                        return Err(error(format!("「{key}」は項目ではありません")));
                    }
                    ColumnRole::Item {
                        key,
                        append: c.append,
                    }
                }
                (None, Some("count")) => ColumnRole::Count,
                (None, Some("sequence")) => ColumnRole::Sequence,
                (None, Some("marker")) => ColumnRole::Marker,
                (None, Some(other)) => return Err(error(format!("role「{other}」は使えません"))),
                _ => return Err(error("item か role のどちらか一つを書いてください".into())),
            };
            if c.names.is_empty() {
                return Err(error("names が空です".into()));
            }
            columns.push(Column {
                role,
                names: c.names,
            });
        }
        Ok(Layout {
            version: file.version,
            marker: file.marker,
            columns,
        })
    }

    /// Whether the layout numbers its records (count and sequence both present).
    pub fn numbered(&self) -> bool {
        let has = |r: ColumnRole| self.columns.iter().any(|c| c.role == r);
        has(ColumnRole::Count) && has(ColumnRole::Sequence)
    }

    /// The CSV records of `text` as persons. Returns the complete records, and whether the
    /// text ends inside a record (a code that stops mid-row, continued in the next) or is
    /// only a header so far (a keyboard-wedge reader sends the code line by line).
    ///
    /// Errors: [`RecordError::Foreign`] when the first record is neither a header nor a
    /// record with a 氏名 and a valid 生年月日 (and the marker, when the layout has one);
    /// [`RecordError::Value`] for a value an item cannot hold.
    pub fn records(&self, text: &str) -> Result<(Vec<Record>, bool), RecordError> {
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(text.as_bytes());
        let rows: Vec<Vec<String>> = reader
            .records()
            .map(|r| {
                r.map(|r| r.iter().map(|f| f.trim().to_owned()).collect())
                    .map_err(|_| RecordError::Foreign)
            })
            .collect::<Result<_, _>>()?;
        let mut rows: Vec<Vec<String>> = rows
            .into_iter()
            .filter(|r| r.iter().any(|f| !f.is_empty()))
            .collect();
        // Columns by a header row, else by position.
        let mut positions: Vec<Option<usize>> = (0..self.columns.len()).map(Some).collect();
        let header = match rows.first() {
            Some(first) if self.is_header(first) => Some(rows.remove(0)),
            _ => None,
        };
        if let Some(first) = &header {
            positions = self
                .columns
                .iter()
                .map(|c| first.iter().position(|h| c.names.iter().any(|n| n == h)))
                .collect();
        }
        // A code that repeats the header (each symbol of a household its own CSV) repeats
        // it mid-text.
        rows.retain(|r| !self.is_header(r));
        if header.is_some() && rows.is_empty() {
            return Ok((Vec::new(), true));
        }
        // A text that does not end a line may end inside its last record: with a header,
        // when that record is shorter than the header; without one, when it does not read
        // as a person yet. Such a record waits for the next symbol.
        let ends_line = text.ends_with('\n') || text.ends_with('\r');
        let mut partial = false;
        if !ends_line && let Some(last) = rows.last() {
            partial = match &header {
                Some(names) => last.len() < names.len(),
                None => self.record(last, &positions, rows.len()).is_err(),
            };
        }
        if partial && let Some(row) = rows.pop() {
            // A text that is only the start of a record must start like a certificate: a
            // header before it, or the marker in its marker cell (or the start of it, where
            // the text stops).
            let marker_at = self
                .columns
                .iter()
                .zip(&positions)
                .find(|(c, _)| c.role == ColumnRole::Marker)
                .and_then(|(_, at)| *at);
            if let (None, true, Some(marker), Some(at)) =
                (&header, rows.is_empty(), self.marker.as_deref(), marker_at)
            {
                let starts = match row.get(at) {
                    Some(cell) if at + 1 == row.len() => marker.starts_with(cell.as_str()),
                    Some(cell) => cell == marker,
                    None => true,
                };
                if !starts {
                    return Err(RecordError::Foreign);
                }
            }
        }
        let records = rows
            .iter()
            .enumerate()
            .map(|(n, row)| self.record(row, &positions, n + 1))
            .collect::<Result<Vec<_>, _>>()?;
        Ok((records, partial))
    }

    /// One row as the `person`th person (1-based), its cells at `positions` by column.
    fn record(
        &self,
        row: &[String],
        positions: &[Option<usize>],
        person: usize,
    ) -> Result<Record, RecordError> {
        let mut record = Record::default();
        for (column, at) in self.columns.iter().zip(positions) {
            let Some(raw) = at.and_then(|i| row.get(i)) else {
                continue;
            };
            match &column.role {
                ColumnRole::Item { key, append } => {
                    let value = item_value(key, raw)
                        .map_err(|error| RecordError::Value { person, error })?;
                    if value.is_empty() {
                        continue;
                    }
                    match record.items.get_mut(key) {
                        Some(before) if *append => {
                            before.push('\u{3000}');
                            before.push_str(&value);
                        }
                        _ => {
                            record.items.insert(key.clone(), value);
                        }
                    }
                }
                ColumnRole::Count | ColumnRole::Sequence => {
                    // Full-width digits as typed by a system that writes them (１).
                    let digits: String = raw
                        .chars()
                        .map(|c| match c {
                            '０'..='９' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
                            _ => c,
                        })
                        .collect();
                    let number =
                        digits
                            .parse::<usize>()
                            .ok()
                            .filter(|n| *n > 0)
                            .ok_or_else(|| RecordError::Numbering {
                                person,
                                text: raw.clone(),
                            })?;
                    if column.role == ColumnRole::Count {
                        record.count = Some(number);
                    } else {
                        record.sequence = Some(number);
                    }
                }
                ColumnRole::Marker => {
                    if self.marker.as_deref().is_some_and(|m| m != raw) {
                        return Err(RecordError::Foreign);
                    }
                }
            }
        }
        if !record.items.contains_key("person.name")
            || !record.items.contains_key("person.birth_date")
        {
            return Err(RecordError::Foreign);
        }
        if let (Some(count), Some(sequence)) = (record.count, record.sequence)
            && sequence > count
        {
            return Err(RecordError::Numbering {
                person,
                text: format!("{sequence}/{count}"),
            });
        }
        Ok(record)
    }

    /// Whether `row` names columns rather than holding a person: most of its cells are
    /// column names.
    fn is_header(&self, row: &[String]) -> bool {
        let names: BTreeSet<&str> = self
            .columns
            .iter()
            .flat_map(|c| c.names.iter().map(String::as_str))
            .collect();
        let filled = row.iter().filter(|f| !f.is_empty()).count();
        let named = row.iter().filter(|f| names.contains(f.as_str())).count();
        // A header names most of its cells — or at least the 氏名 and 生年月日 columns, for
        // a town whose code carries many columns this layout does not know.
        let names_item = |key: &str| {
            self.columns.iter().any(|c| {
                matches!(&c.role, ColumnRole::Item { key: k, .. } if k == key)
                    && c.names.iter().any(|n| row.contains(n))
            })
        };
        filled > 0
            && (named * 2 >= filled
                || (names_item("person.name") && names_item("person.birth_date")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_layout_reads() {
        let layout = Layout::default_layout();
        assert!(layout.numbered());
        assert_eq!(layout.marker.as_deref(), Some("転出証明書"));
        assert!(layout.columns.len() > 20);
    }

    #[test]
    fn a_layout_naming_no_item_is_refused_with_its_column() {
        let bad = "version = \"x\"\n[[columns]]\nitem = \"person.nickname\"\nnames = [\"a\"]\n";
        assert_eq!(
            Layout::parse(bad),
            Err(LayoutError::Column {
                column: 1,
                reason: "「person.nickname」は項目ではありません".into()
            })
        );
    }
}
