//! The (field name, value) pairs of a result file, whatever its format, told by its content
//! (a file's name may say `.txt` for any of them):
//! - XML (starts with `<`): an element whose name is a field (`<氏名>高崎 太郎</氏名>`), or
//!   one that names its field in a `name` / `key` / `id` / `field` attribute, its value in a
//!   `value` attribute, its text or a `<Value>` child (`<Field name="氏名">…</Field>`); other
//!   attributes are fields of their own (`<Card type="在留カード">`);
//! - JSON (starts with `{` or `[`): a key whose value is a string or a number, at any depth
//!   (`{"card": {"Name": "…"}}`), or an object of a name and a value
//!   (`{"name": "氏名", "value": "…"}`);
//! - CSV (anything else; comma, tab or semicolon, told by the first line): a header row of
//!   field names over one row of values (one card per file: rows after it are not read),
//!   or one field per row (`氏名,高崎 太郎`). Quoted values, CRLF, and empty columns at the
//!   ends of rows are read as spreadsheets write them.
//!
//! A CSV with a header row whose last row has fewer cells than the header names (up to
//! its last named column: empty columns after it may or may not be written) is a file
//! still being written, cut mid-row ([`OcrError::Incomplete`]): 「在留カード,NGUY」 under
//! a header of nine names is not a card named NGUY. A cut inside the last cell cannot be
//! told from the text; the folder's watch waits for a file to stop changing for that.
//!
//! Which names are fields is the [`FieldMap`]'s to say: a CSV's header row is the row whose
//! cells the map knows.

use super::OcrError;
use super::field_map::FieldMap;

/// The format of a result file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Comma-, tab- or semicolon-separated values.
    Csv,
    /// XML.
    Xml,
    /// JSON.
    Json,
}

/// The pairs of `text` in the order the file has them, and its format.
///
/// Errors: [`OcrError::Syntax`] (XML or JSON that does not parse, a CSV that quotes
/// wrongly), [`OcrError::Incomplete`] (a CSV cut mid-row), [`OcrError::UnknownFormat`] (no
/// field the map knows, in any of the shapes).
pub fn pairs(text: &str, map: &FieldMap) -> Result<(Vec<(String, String)>, Format), OcrError> {
    let start = text.trim_start_matches(['\u{feff}', ' ', '\t', '\r', '\n']);
    let (pairs, format) = match start.chars().next() {
        Some('<') => (xml_pairs(start)?, Format::Xml),
        Some('{' | '[') => (json_pairs(start)?, Format::Json),
        Some(_) => (csv_pairs(start, map)?, Format::Csv),
        None => return Err(OcrError::Empty),
    };
    if !pairs.iter().any(|(name, _)| map.target(name).is_some()) {
        return Err(OcrError::UnknownFormat);
    }
    Ok((pairs, format))
}

fn xml_pairs(text: &str) -> Result<Vec<(String, String)>, OcrError> {
    let options = roxmltree::ParsingOptions {
        allow_dtd: false,
        ..Default::default()
    };
    let doc = roxmltree::Document::parse_with_options(text, options)
        .map_err(|e| OcrError::Syntax(format!("XML: {e}")))?;
    let mut out = Vec::new();
    for node in doc.descendants().filter(|n| n.is_element()) {
        const NAMING: [&str; 4] = ["name", "key", "id", "field"];
        let named = NAMING.iter().find_map(|a| node.attribute(*a));
        let text: String = node
            .children()
            .filter(|c| c.is_text())
            .filter_map(|c| c.text())
            .collect();
        let leaf = !node.children().any(|c| c.is_element());
        if let Some(name) = named {
            let value = node.attribute("value").map(str::to_owned).or_else(|| {
                // `<Field name="氏名"><Value>…</Value></Field>`
                if leaf {
                    Some(text.clone())
                } else {
                    node.children()
                        .find(|c| {
                            c.is_element() && c.tag_name().name().eq_ignore_ascii_case("value")
                        })
                        .and_then(|c| c.text())
                        .map(str::to_owned)
                }
            });
            if let Some(value) = value {
                out.push((name.to_owned(), value));
                continue;
            }
        }
        // `<Card type="在留カード">`: an attribute is a field of its own.
        out.extend(
            node.attributes()
                .filter(|a| !NAMING.contains(&a.name()) && a.name() != "value")
                .map(|a| (a.name().to_owned(), a.value().to_owned())),
        );
        if leaf {
            out.push((node.tag_name().name().to_owned(), text));
        }
    }
    Ok(out)
}

fn json_pairs(text: &str) -> Result<Vec<(String, String)>, OcrError> {
    let value: serde_json::Value =
        serde_json::from_str(text).map_err(|e| OcrError::Syntax(format!("JSON: {e}")))?;
    let mut out = Vec::new();
    walk_json(&value, &mut out);
    Ok(out)
}

fn scalar(value: &serde_json::Value) -> Option<String> {
    match value {
        serde_json::Value::String(s) => Some(s.clone()),
        serde_json::Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn walk_json(value: &serde_json::Value, out: &mut Vec<(String, String)>) {
    match value {
        serde_json::Value::Object(object) => {
            let get = |keys: &[&str]| {
                object
                    .iter()
                    .find(|(k, _)| keys.iter().any(|key| k.eq_ignore_ascii_case(key)))
                    .map(|(_, v)| v)
            };
            // {"name": "氏名", "value": "…"}
            if let (Some(name), Some(value)) = (
                get(&["name", "key", "field", "label"]).and_then(scalar),
                get(&["value", "text"]).and_then(scalar),
            ) {
                out.push((name, value));
                return;
            }
            for (key, v) in object {
                match scalar(v) {
                    Some(s) => out.push((key.clone(), s)),
                    None => walk_json(v, out),
                }
            }
        }
        serde_json::Value::Array(items) => items.iter().for_each(|v| walk_json(v, out)),
        _ => {}
    }
}

fn csv_pairs(text: &str, map: &FieldMap) -> Result<Vec<(String, String)>, OcrError> {
    let first = text.lines().next().unwrap_or_default();
    let delimiter = [b'\t', b',', b';']
        .into_iter()
        .max_by_key(|d| first.bytes().filter(|b| b == d).count())
        .unwrap_or(b',');
    let rows: Vec<Vec<String>> = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(text.as_bytes())
        .records()
        .map(|r| {
            r.map(|r| r.iter().map(str::to_owned).collect::<Vec<_>>())
                .map_err(|e| OcrError::Syntax(format!("CSV: {e}")))
        })
        .collect::<Result<_, _>>()?;
    let rows: Vec<Vec<String>> = rows
        .into_iter()
        .filter(|r| r.iter().any(|c| !c.trim().is_empty()))
        .collect();
    let known = |cells: &[String]| {
        cells
            .iter()
            .filter(|c| map.target(c.trim()).is_some())
            .count()
    };
    // A header row: the first row with two or more names the map knows, over the row of
    // values after it.
    if let Some(header) = rows.iter().position(|r| known(r) >= 2)
        && let Some(values) = rows.get(header + 1)
        && known(values) < 2
    {
        // The header's width up to its last name; the last row (the values, or a row after
        // them) shorter than that was cut while being written.
        let width = rows[header]
            .iter()
            .rposition(|c| !c.trim().is_empty())
            .map_or(0, |i| i + 1);
        let last = rows.last().map_or(0, Vec::len);
        if last < width {
            return Err(OcrError::Incomplete {
                cells: last,
                header: width,
            });
        }
        return Ok(rows[header]
            .iter()
            .zip(values.iter().chain(std::iter::repeat(&String::new())))
            .filter(|(name, _)| !name.trim().is_empty())
            .map(|(name, value)| (name.trim().to_owned(), value.clone()))
            .collect());
    }
    // One field per row: its name, then its value (the first non-empty cell after it).
    Ok(rows
        .iter()
        .filter_map(|r| {
            let name = r.first()?.trim().to_owned();
            let value = r[1..]
                .iter()
                .find(|c| !c.trim().is_empty())
                .cloned()
                .unwrap_or_default();
            Some((name, value))
        })
        .collect())
}
