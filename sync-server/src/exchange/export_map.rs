//! [`ExportMap`]: which confirmed forms go to the core system and how their lines look in a
//! batch file. One target per kind of 連携 (住民異動届, 国保異動, …); adding one is
//! configuration (`exchange/export.toml` is the default), not code.
//!
//! ```
//! use sync_server::exchange::export_map::ExportMap;
//!
//! let map = ExportMap::builtin();
//! assert_eq!(map.target_of("jumin_idou_tennyu").unwrap().id, "jumin_idou");
//! assert_eq!(map.target_of("kokuho_idou").unwrap().id, "kokuho_idou");
//! assert!(map.target_of("koseki_kofu").is_none(), "certificates are issued, not exported");
//! ```

use std::collections::BTreeMap;

use serde::Deserialize;
use shared_model::calendar::CivilDay;
use shared_model::catalog::{Catalog, Medium, VisitValues, render};

const BUILTIN: &str = include_str!("../../exchange/export.toml");

/// Why an export map is not usable.
#[derive(Debug, thiserror::Error)]
pub enum ExportMapError {
    /// Not valid TOML of the expected shape.
    #[error("export map: {0}")]
    Parse(String),
    /// A target names a form the catalog does not have.
    #[error("export target {target}: no form {form} in the catalog")]
    UnknownForm {
        /// The target.
        target: String,
        /// The form.
        form: String,
    },
    /// A column names an item that is neither canonical nor a field of the form.
    #[error("export target {target}, column {header}: {item} is not a field of {form}")]
    UnknownItem {
        /// The target.
        target: String,
        /// The column.
        header: String,
        /// The item.
        item: String,
        /// The form that lacks it.
        form: String,
    },
    /// A column with both or neither of `source` and `item`.
    #[error("export target {target}, column {header}: give exactly one of source or item")]
    Column {
        /// The target.
        target: String,
        /// The column.
        header: String,
    },
    /// Two targets claim one form, or a target id is not usable in an object key.
    #[error("export target {0}: {1}")]
    Target(String, &'static str),
}

/// Facts about the export record itself, not taken from the form.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    /// The record id (`<visit>-<form>-<attempt>`): what the core system's result names.
    Record,
    /// The visit's document id.
    Visit,
    /// 受付番号.
    ReceptionNumber,
    /// The form, through the target's `codes`.
    Form,
    /// The day the server confirmed the form (YYYY-MM-DD).
    ConfirmedOn,
    /// 1, 2, … for the persons of the record.
    PersonIndex,
    /// The record a 訂正 corrects (empty for a first notification).
    Corrects,
}

#[derive(Debug, Clone, Deserialize)]
struct RawColumn {
    header: String,
    source: Option<Source>,
    item: Option<String>,
}

/// One column of a batch file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Column {
    /// A fact about the record.
    Source(Source),
    /// A canonical item or a field of the form.
    Item(String),
}

/// How many lines a record has.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Lines {
    /// One per person of the visit (異動者, 被保険者).
    #[default]
    Persons,
    /// One per form.
    Once,
}

#[derive(Debug, Deserialize)]
struct RawTarget {
    id: String,
    title: String,
    forms: Vec<String>,
    #[serde(default)]
    lines: Lines,
    #[serde(default)]
    codes: BTreeMap<String, String>,
    columns: Vec<RawColumn>,
}

#[derive(Debug, Deserialize)]
struct RawMap {
    targets: Vec<RawTarget>,
    #[serde(default)]
    results: ResultLayout,
}

/// The columns of the core system's result files (取込結果).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, serde::Serialize)]
pub struct ResultLayout {
    /// Header of the record id column.
    pub record: String,
    /// Header of the outcome column.
    pub outcome: String,
    /// Header of the reason column.
    pub reason: String,
    /// The outcome meaning 基幹取込済み.
    pub accepted: String,
    /// The outcome meaning 差戻し.
    pub rejected: String,
    /// Header of the optional column naming the person a 差戻し concerns (1, 2, … as the
    /// batch's person index).
    #[serde(default = "default_person_column")]
    pub person: String,
    /// Header of the optional column naming the item a 差戻し concerns, by the batch
    /// file's column header (`個人番号`, `続柄`, …).
    #[serde(default = "default_item_column")]
    pub item: String,
}

fn default_person_column() -> String {
    "異動者連番".into()
}

fn default_item_column() -> String {
    "項目".into()
}

impl Default for ResultLayout {
    fn default() -> Self {
        Self {
            record: "届出ID".into(),
            outcome: "結果".into(),
            reason: "理由".into(),
            accepted: "受理".into(),
            rejected: "差戻し".into(),
            person: default_person_column(),
            item: default_item_column(),
        }
    }
}

/// One kind of 連携: the forms it carries and its file layout.
#[derive(Debug, Clone)]
pub struct ExportTarget {
    /// Used in object keys.
    pub id: String,
    /// For people.
    pub title: String,
    /// The forms it carries.
    pub forms: Vec<String>,
    lines: Lines,
    codes: BTreeMap<String, String>,
    columns: Vec<(String, Column)>,
    /// The catalog of the city whose forms these are (how each value is rendered).
    catalog: &'static Catalog,
}

/// What a record is, apart from the form's values.
#[derive(Debug, Clone, Copy)]
pub struct RecordFacts<'a> {
    /// The record id.
    pub record: &'a str,
    /// The visit's document id.
    pub visit: &'a str,
    /// 受付番号.
    pub reception_number: &'a str,
    /// The form.
    pub form: &'a str,
    /// The day it was confirmed.
    pub confirmed_on: CivilDay,
    /// The record this one corrects (訂正), if any.
    pub corrects: Option<&'a str>,
}

impl ExportTarget {
    /// The header row.
    pub fn headers(&self) -> Vec<String> {
        self.columns.iter().map(|(h, _)| h.clone()).collect()
    }

    /// The item columns: (item or form field key, header), in column order.
    pub fn item_columns(&self) -> Vec<(String, String)> {
        self.columns
            .iter()
            .filter_map(|(header, column)| match column {
                Column::Item(key) => Some((key.clone(), header.clone())),
                Column::Source(_) => None,
            })
            .collect()
    }

    /// The item or form field a column header stands for (`続柄` → `person.relationship`),
    /// for a 差戻し that names the column it concerns.
    pub fn item_of(&self, header: &str) -> Option<&str> {
        self.columns.iter().find_map(|(h, column)| match column {
            Column::Item(key) if h == header => Some(key.as_str()),
            _ => None,
        })
    }

    /// The column that carries the record id, if the layout has one.
    pub fn record_column(&self) -> Option<usize> {
        self.columns
            .iter()
            .position(|(_, c)| *c == Column::Source(Source::Record))
    }

    /// The lines of one record, rendered from the values' canonical forms (dates as
    /// `YYYY-MM-DD`, `00` for 不詳; フリガナ in full-width katakana; 郵便番号 as `NNN-NNNN`;
    /// choices by their label; yes/no as 1/0; see `shared_model::catalog::render`).
    ///
    /// Errors: the first value that has no canonical form, named by its item and person, in
    /// Japanese — the record is then sent back (差戻し) before any byte of it is sent.
    pub fn lines(
        &self,
        facts: &RecordFacts<'_>,
        values: &VisitValues,
    ) -> Result<Vec<Vec<String>>, String> {
        let persons = match self.lines {
            Lines::Persons => values.persons.len().max(1),
            Lines::Once => 1,
        };
        (0..persons)
            .map(|person| {
                self.columns
                    .iter()
                    .map(|(_, column)| match column {
                        Column::Source(source) => Ok(match source {
                            Source::Record => facts.record.to_owned(),
                            Source::Visit => facts.visit.to_owned(),
                            Source::ReceptionNumber => facts.reception_number.to_owned(),
                            Source::Form => self
                                .codes
                                .get(facts.form)
                                .cloned()
                                .unwrap_or_else(|| facts.form.to_owned()),
                            Source::ConfirmedOn => facts.confirmed_on.to_string(),
                            Source::PersonIndex => (person + 1).to_string(),
                            Source::Corrects => facts.corrects.unwrap_or_default().to_owned(),
                        }),
                        Column::Item(key) => {
                            render_item(self.catalog, facts.form, key, values, person)
                        }
                    })
                    .collect()
            })
            .collect()
    }
}

/// The value of an item as a batch file carries it, from its canonical form.
fn render_item(
    catalog: &Catalog,
    form: &str,
    key: &str,
    values: &VisitValues,
    person: usize,
) -> Result<String, String> {
    let Some(raw) = values.get(form, key, Some(person)) else {
        return Ok(String::new());
    };
    // What the form does not show (and the citizen did not sign) is not sent for it: a
    // target's column may name an item only some of its forms have.
    let form_def = catalog.form(form).ok();
    if form_def.is_some_and(|f| f.field(key).is_none()) {
        return Ok(String::new());
    }
    let field = form_def.and_then(|f| f.field(key));
    let (kind, choices, label) = match (field, catalog.items.get(key)) {
        (Some(field), _) => (field.kind, &field.choices, &field.label.ja),
        (None, Some(item)) => (item.kind, &item.choices, &item.label.ja),
        (None, None) => return Ok(raw.trim().to_owned()),
    };
    render(kind, choices, raw, Medium::Batch).map_err(|finding| {
        let whose = if key.starts_with("person.") {
            format!(" ({}人目)", person + 1)
        } else {
            String::new()
        };
        format!(
            "送信前に差戻し: 「{label}」{whose}を正しい形にできません。{}",
            finding.message_ja
        )
    })
}

/// Every export target.
#[derive(Debug, Clone)]
pub struct ExportMap {
    targets: Vec<ExportTarget>,
    results: ResultLayout,
    /// The TOML it was read from (to read it again against another city's forms).
    source: std::sync::Arc<str>,
}

impl ExportMap {
    /// The default map (`exchange/export.toml`): 住民異動届 and, as the example of one added
    /// by configuration, 国民健康保険異動届.
    pub fn builtin() -> &'static ExportMap {
        static MAP: std::sync::OnceLock<ExportMap> = std::sync::OnceLock::new();
        MAP.get_or_init(|| ExportMap::from_toml(BUILTIN).expect("the built-in export map is valid"))
    }

    /// A map from its TOML text, checked against the built-in form catalog.
    pub fn from_toml(text: &str) -> Result<Self, ExportMapError> {
        Self::from_toml_for(text, Catalog::builtin())
    }

    /// A map from its TOML text, checked against `catalog` (the forms of the city whose
    /// core system takes the records).
    ///
    /// # Errors
    /// [`ExportMapError`] naming the target, column, form or item at fault.
    pub fn from_toml_for(text: &str, catalog: &'static Catalog) -> Result<Self, ExportMapError> {
        let raw: RawMap = toml::from_str(text).map_err(|e| ExportMapError::Parse(e.to_string()))?;
        let mut claimed = std::collections::BTreeSet::new();
        let mut targets = Vec::new();
        for t in raw.targets {
            let usable = !t.id.is_empty()
                && t.id
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
            if !usable {
                return Err(ExportMapError::Target(
                    t.id,
                    "the id must be ASCII letters, digits, _ or -",
                ));
            }
            let mut columns = Vec::new();
            for c in t.columns {
                let column = match (c.source, c.item) {
                    (Some(source), None) => Column::Source(source),
                    (None, Some(item)) => Column::Item(item),
                    _ => {
                        return Err(ExportMapError::Column {
                            target: t.id,
                            header: c.header,
                        });
                    }
                };
                columns.push((c.header, column));
            }
            for form_id in &t.forms {
                let form = catalog
                    .form(form_id)
                    .map_err(|_| ExportMapError::UnknownForm {
                        target: t.id.clone(),
                        form: form_id.clone(),
                    })?;
                if !claimed.insert(form_id.clone()) {
                    return Err(ExportMapError::Target(
                        t.id,
                        "a form belongs to two targets",
                    ));
                }
                for (header, column) in &columns {
                    if let Column::Item(item) = column {
                        let known = form.field(item).is_some() || catalog.items.contains_key(item);
                        if !known {
                            return Err(ExportMapError::UnknownItem {
                                target: t.id.clone(),
                                header: header.clone(),
                                item: item.clone(),
                                form: form_id.clone(),
                            });
                        }
                    }
                }
            }
            targets.push(ExportTarget {
                id: t.id,
                title: t.title,
                forms: t.forms,
                lines: t.lines,
                codes: t.codes,
                columns,
                catalog,
            });
        }
        Ok(Self {
            targets,
            results: raw.results,
            source: std::sync::Arc::from(text),
        })
    }

    /// The same map read against `catalog` (a city that shares the deployment's map but has
    /// forms of its own).
    ///
    /// # Errors
    /// [`ExportMapError`] when the map names a form or item that catalog lacks.
    pub fn for_catalog(&self, catalog: &'static Catalog) -> Result<Self, ExportMapError> {
        Self::from_toml_for(&self.source, catalog)
    }

    /// The target that carries `form`, if it is exported at all.
    pub fn target_of(&self, form: &str) -> Option<&ExportTarget> {
        self.targets
            .iter()
            .find(|t| t.forms.iter().any(|f| f == form))
    }

    /// The target with this id.
    pub fn target(&self, id: &str) -> Option<&ExportTarget> {
        self.targets.iter().find(|t| t.id == id)
    }

    /// Every target.
    pub fn targets(&self) -> &[ExportTarget] {
        &self.targets
    }

    /// The layout of result files.
    pub fn results(&self) -> &ResultLayout {
        &self.results
    }
}

/// A batch file: header and lines, UTF-8 without BOM, CRLF, every value quoted.
pub fn write_batch(headers: &[String], lines: &[Vec<String>]) -> Vec<u8> {
    let mut writer = csv::WriterBuilder::new()
        .quote_style(csv::QuoteStyle::Always)
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    // Writing to a Vec cannot fail.
    let _ = writer.write_record(headers);
    for line in lines {
        let _ = writer.write_record(line);
    }
    writer.into_inner().unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn family() -> VisitValues {
        let catalog = Catalog::builtin();
        let mut v = VisitValues::default();
        let form = "jumin_idou_tennyu";
        for (key, person, value) in [
            ("visit.notified_on", None, "令和9年4月20日"),
            ("visit.moved_on", None, "2027-04-15"),
            ("person.name", Some(0), "高崎 太郎"),
            ("person.sex", Some(0), "male"),
            ("person.birth_date", Some(0), "昭和60年1月2日"),
            ("person.name", Some(1), "高崎 花子"),
            ("person.sex", Some(1), "female"),
        ] {
            v.set(catalog, form, key, person, value).unwrap();
        }
        v
    }

    #[test]
    fn a_family_gives_one_line_per_person_with_dates_and_labels_rendered() {
        let target = ExportMap::builtin().target_of("jumin_idou_tennyu").unwrap();
        let facts = RecordFacts {
            record: "r1",
            visit: "v1",
            reception_number: "12",
            form: "jumin_idou_tennyu",
            confirmed_on: CivilDay::new(2027, 4, 20).unwrap(),
            corrects: None,
        };
        let lines = target.lines(&facts, &family()).unwrap();
        assert_eq!(lines.len(), 2);
        let headers = target.headers();
        let col = |name: &str| headers.iter().position(|h| h == name).unwrap();
        assert_eq!(lines[0][col("届出ID")], "r1");
        assert_eq!(lines[1][col("異動者連番")], "2");
        assert_eq!(lines[0][col("異動事由")], "国内転入");
        assert_eq!(lines[0][col("届出日")], "2027-04-20");
        assert_eq!(lines[0][col("生年月日")], "1985-01-02");
        assert_eq!(lines[0][col("性別")], "男");
        assert_eq!(lines[1][col("性別")], "女");
        assert_eq!(
            lines[1][col("異動日")],
            "2027-04-15",
            "visit items on every line"
        );
        let csv = String::from_utf8(write_batch(&headers, &lines)).unwrap();
        assert!(csv.starts_with("\"届出ID\",\"異動者連番\""));
        assert_eq!(csv.matches("\r\n").count(), 3);
    }

    #[test]
    fn bad_maps_are_refused_with_the_reason() {
        let unknown_form = r#"[[targets]]
            id = "x"
            title = "x"
            forms = ["no_such_form"]
            columns = [{ header = "ID", source = "record" }]"#;
        assert!(matches!(
            ExportMap::from_toml(unknown_form),
            Err(ExportMapError::UnknownForm { .. })
        ));
        let unknown_item = r#"[[targets]]
            id = "x"
            title = "x"
            forms = ["jumin_idou_tenkyo"]
            columns = [{ header = "口座", item = "bank" }]"#;
        let err = ExportMap::from_toml(unknown_item).unwrap_err();
        assert!(
            err.to_string()
                .contains("bank is not a field of jumin_idou_tenkyo"),
            "{err}"
        );
        let both = r#"[[targets]]
            id = "x"
            title = "x"
            forms = ["jumin_idou_tenkyo"]
            columns = [{ header = "ID", source = "record", item = "person.name" }]"#;
        assert!(matches!(
            ExportMap::from_toml(both),
            Err(ExportMapError::Column { .. })
        ));
        let bad_id = r#"[[targets]]
            id = "../x"
            title = "x"
            forms = []
            columns = []"#;
        assert!(matches!(
            ExportMap::from_toml(bad_id),
            Err(ExportMapError::Target(..))
        ));
    }
}
