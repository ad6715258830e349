//! The core system's answers: result files (取込結果) under the results prefix, one per batch
//! (`<batch file name without .csv>.result.csv`), each line naming a record and whether it
//! was taken in (基幹取込済み) or sent back (差戻し, with the reason). A file is read once (key
//! and ETag recorded) and atomically: a file naming an unknown batch or record, or with an
//! unreadable line, changes nothing and is reported with its location and reason.

use std::collections::HashSet;

use super::bucket::{Bucket, BucketError};
use super::export_map::ResultLayout;
use super::on_store;
use crate::store::{RecordResult, Store, StoreError};
use shared_model::tenant::LocalGovernmentCode;

/// Why a result file was not taken.
#[derive(Debug, thiserror::Error)]
pub enum ResultError {
    /// The file name does not belong to any batch this server wrote.
    #[error("{key}: result file for an unknown batch {name}")]
    UnknownBatch {
        /// The object.
        key: String,
        /// The batch it names.
        name: String,
    },
    /// The bytes are not UTF-8.
    #[error("{key}: not UTF-8 (first bad byte at offset {offset})")]
    NotUtf8 {
        /// The object.
        key: String,
        /// Where decoding failed.
        offset: usize,
    },
    /// The header lacks a column of the layout.
    #[error("{key}: header has no column {column}")]
    Header {
        /// The object.
        key: String,
        /// The missing column.
        column: String,
    },
    /// Lines that cannot be taken (the whole file is refused).
    #[error("{key}: {}", lines.iter().map(|(n, why)| format!("{n}行目: {why}")).collect::<Vec<_>>().join("; "))]
    Lines {
        /// The object.
        key: String,
        /// Line number (the header is line 1) and reason.
        lines: Vec<(usize, String)>,
    },
    /// The bucket failed.
    #[error(transparent)]
    Bucket(#[from] BucketError),
    /// The database failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// What one result file did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResultReport {
    /// The object.
    pub key: String,
    /// The batch it answers.
    pub batch: String,
    /// Records accepted.
    pub accepted: usize,
    /// Records rejected.
    pub rejected: usize,
}

/// Reads every new result file of `tenant`'s core system under `prefix` (a file naming
/// another city's batch is a batch unknown here). The outer error is a failure to list; each
/// file has its own outcome.
pub async fn read_results<B: Bucket>(
    bucket: &B,
    store: &std::sync::Arc<Store>,
    tenant: LocalGovernmentCode,
    layout: &ResultLayout,
    prefix: &str,
    now_ms: i64,
) -> Result<Vec<Result<ResultReport, ResultError>>, ResultError> {
    let objects = bucket.list(prefix).await?;
    let mut outcomes = Vec::new();
    for object in objects
        .into_iter()
        .filter(|o| o.key.ends_with(".result.csv"))
    {
        let (key, etag) = (object.key.clone(), object.etag.clone());
        if on_store(store, move |s| s.result_seen(&key, &etag)).await? {
            continue;
        }
        let outcome = read_one(
            bucket,
            store,
            tenant,
            layout,
            (&object.key, &object.etag),
            now_ms,
        )
        .await;
        match &outcome {
            Ok(report) => tracing::info!(
                key = %report.key,
                accepted = report.accepted,
                rejected = report.rejected,
                "result file read"
            ),
            Err(ResultError::Bucket(_) | ResultError::Store(_)) => {}
            Err(error) => {
                let (key, etag, message) =
                    (object.key.clone(), object.etag.clone(), error.to_string());
                on_store(store, move |s| {
                    s.register(tenant)
                        .record_import_error(&key, &etag, "", &message, now_ms)?;
                    s.audit_system(tenant, now_ms, "export_result_refused", &key)
                })
                .await?;
                tracing::warn!(key = %object.key, error = %error, "result file refused");
            }
        }
        outcomes.push(outcome);
    }
    Ok(outcomes)
}

async fn read_one<B: Bucket>(
    bucket: &B,
    store: &std::sync::Arc<Store>,
    tenant: LocalGovernmentCode,
    layout: &ResultLayout,
    (key, etag): (&str, &str),
    now_ms: i64,
) -> Result<ResultReport, ResultError> {
    let file_name = key.rsplit('/').next().unwrap_or(key);
    let name = file_name.trim_end_matches(".result.csv").to_owned();
    let unknown = || ResultError::UnknownBatch {
        key: key.to_owned(),
        name: name.clone(),
    };
    // `<target>_<day>_<seq>`: the number finds the batch, whose key must end in this name.
    let seq: i64 = name
        .rsplit('_')
        .next()
        .and_then(|s| s.parse().ok())
        .ok_or_else(unknown)?;
    let batch = on_store(store, move |s| s.batch(tenant, seq))
        .await?
        .filter(|b| b.written_at.is_some() && b.key.ends_with(&format!("/{name}.csv")))
        .ok_or_else(unknown)?;
    let records: HashSet<String> = on_store(store, move |s| s.batch_records(seq))
        .await?
        .into_iter()
        .collect();

    let bytes = bucket.get(key).await?;
    let results = parse(key, &bytes, layout, &records)?;
    let (accepted, rejected) =
        results.iter().fold(
            (0, 0),
            |(a, r), x| {
                if x.accepted { (a + 1, r) } else { (a, r + 1) }
            },
        );
    let (k, e) = (key.to_owned(), etag.to_owned());
    let detail = format!("{key}: {accepted} accepted, {rejected} rejected");
    on_store(store, move |s| {
        s.apply_results(&k, &e, seq, &results, now_ms)?;
        s.audit_system(tenant, now_ms, "export_result", &detail)
    })
    .await?;
    Ok(ResultReport {
        key: key.to_owned(),
        batch: batch.key,
        accepted,
        rejected,
    })
}

/// Reads a result file against the records of its batch.
pub fn parse(
    key: &str,
    bytes: &[u8],
    layout: &ResultLayout,
    records: &HashSet<String>,
) -> Result<Vec<RecordResult>, ResultError> {
    let text = super::decode(bytes, super::layout::Encoding::Utf8).map_err(|offset| {
        ResultError::NotUtf8 {
            key: key.to_owned(),
            offset,
        }
    })?;
    let mut reader = super::csv_reader(&text);
    let headers = reader.headers().cloned().unwrap_or_default();
    let column = |name: &str| {
        headers
            .iter()
            .position(|h| h.trim() == name)
            .ok_or_else(|| ResultError::Header {
                key: key.to_owned(),
                column: name.to_owned(),
            })
    };
    let (record_at, outcome_at, reason_at) = (
        column(&layout.record)?,
        column(&layout.outcome)?,
        column(&layout.reason)?,
    );
    // Optional: the person and the column a 差戻し concerns.
    let optional = |name: &str| headers.iter().position(|h| h.trim() == name);
    let (person_at, item_at) = (optional(&layout.person), optional(&layout.item));
    let mut results = Vec::new();
    let mut bad = Vec::new();
    let mut seen = HashSet::new();
    for (i, row) in reader.records().enumerate() {
        let line = i + 2;
        let row = match row {
            Ok(row) => row,
            Err(e) => {
                bad.push((line, format!("読めない行です ({e})")));
                continue;
            }
        };
        let field = |at: usize| row.get(at).map(str::trim).unwrap_or("");
        let record = field(record_at);
        if !records.contains(record) {
            bad.push((line, format!("届出ID {record} はこのバッチにありません")));
            continue;
        }
        if !seen.insert(record.to_owned()) {
            bad.push((line, format!("届出ID {record} が重複しています")));
            continue;
        }
        let outcome = field(outcome_at);
        let accepted = if outcome == layout.accepted {
            true
        } else if outcome == layout.rejected {
            false
        } else {
            bad.push((
                line,
                format!(
                    "結果「{outcome}」は {} か {} のはずです",
                    layout.accepted, layout.rejected
                ),
            ));
            continue;
        };
        let reason = field(reason_at);
        if !accepted && reason.is_empty() {
            bad.push((line, "差戻しに理由がありません".into()));
            continue;
        }
        let concerns = item_at
            .map(field)
            .filter(|item| !accepted && !item.is_empty())
            .map(|item| {
                let person = person_at.map(field).and_then(|p| p.parse::<u32>().ok());
                (person, item.to_owned())
            });
        results.push(RecordResult {
            record: record.to_owned(),
            accepted,
            reason: (!accepted).then(|| reason.to_owned()),
            concerns,
        });
    }
    if bad.is_empty() {
        Ok(results)
    } else {
        Err(ResultError::Lines {
            key: key.to_owned(),
            lines: bad,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn records() -> HashSet<String> {
        ["r1", "r2", "r3"].into_iter().map(String::from).collect()
    }

    #[test]
    fn a_result_file_names_accepted_and_rejected_records() {
        let text = "届出ID,結果,理由\r\nr1,受理,\r\nr2,差戻し,世帯番号が一致しません\r\n";
        let results = parse("k", text.as_bytes(), &ResultLayout::default(), &records()).unwrap();
        assert_eq!(results.len(), 2);
        assert!(results[0].accepted);
        assert_eq!(results[1].reason.as_deref(), Some("世帯番号が一致しません"));
    }

    #[test]
    fn bad_lines_are_named_and_refuse_the_file() {
        let text = "届出ID,結果,理由\nr1,受理,\nx9,受理,\nr2,保留,\nr3,差戻し,\nr1,受理,\n";
        let err = parse("k", text.as_bytes(), &ResultLayout::default(), &records()).unwrap_err();
        let ResultError::Lines { lines, .. } = &err else {
            panic!("{err}")
        };
        let numbers: Vec<usize> = lines.iter().map(|(n, _)| *n).collect();
        assert_eq!(numbers, [3, 4, 5, 6]);
        assert!(
            err.to_string()
                .contains("3行目: 届出ID x9 はこのバッチにありません"),
            "{err}"
        );
        let header = parse(
            "k",
            "ID,結果\n".as_bytes(),
            &ResultLayout::default(),
            &records(),
        );
        assert!(matches!(header, Err(ResultError::Header { column, .. }) if column == "届出ID"));
        let sjis = parse(
            "k",
            &[0x93, 0xcd, 0x8f, 0x6f],
            &ResultLayout::default(),
            &records(),
        );
        assert!(matches!(sjis, Err(ResultError::NotUtf8 { offset: 0, .. })));
    }
}
