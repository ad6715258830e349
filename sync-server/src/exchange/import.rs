//! The 住基 import: full (全件) and delta (差分) CSV files from the core system, each imported
//! exactly once (its key and ETag are recorded in the same transaction as its rows) and
//! atomically (a file with any bad row changes nothing and is reported with the row numbers
//! and reasons).
//!
//! Objects: `<prefix>full/*.csv` replace the register; `<prefix>delta/*.csv` add, change or
//! remove residents (異動区分 追加 / 修正 / 削除). UTF-8 with a header row.

use shared_model::calendar::parse_date;
use shared_model::synthetic::Resident;
use shared_model::validate::{
    check_atena_number, check_kana, check_my_number, check_postal_code, check_relationship,
};

use super::bucket::{Bucket, BucketError, ObjectMeta};
use super::layout::{ResidentField, ResidentLayout};
use crate::store::{Store, StoreError};

/// Whether a file replaces the register or changes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    /// 全件: the whole register.
    Full,
    /// 差分: additions, changes and removals.
    Delta,
}

impl FileKind {
    fn as_str(self) -> &'static str {
        match self {
            FileKind::Full => "full",
            FileKind::Delta => "delta",
        }
    }
}

/// One change a file makes to the register.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RegisterChange {
    /// Add or replace a resident.
    Upsert(Box<Resident>),
    /// Remove the resident with this 宛名番号.
    Remove(String),
}

/// A bad row: its line number (the header is line 1) and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowError {
    /// Line number in the file.
    pub line: usize,
    /// The reasons, in Japanese.
    pub reasons: Vec<String>,
}

/// Why a file was not imported.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// The bytes are not UTF-8 (Shift_JIS, for example).
    #[error("{key}: not UTF-8 (first bad byte at offset {offset}); the agreed encoding is UTF-8")]
    NotUtf8 {
        /// The object.
        key: String,
        /// Where decoding failed.
        offset: usize,
    },
    /// The header row does not match the layout.
    #[error("{key}: header does not match the layout: {reason}")]
    Header {
        /// The object.
        key: String,
        /// What differs.
        reason: String,
    },
    /// Rows with errors (the whole file is refused).
    #[error("{key}: {} bad rows, first at line {}", errors.len(), errors.first().map(|e| e.line).unwrap_or(0))]
    Rows {
        /// The object.
        key: String,
        /// Every bad row.
        errors: Vec<RowError>,
    },
    /// The bucket failed.
    #[error(transparent)]
    Bucket(#[from] BucketError),
    /// The database failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A blocking task died.
    #[error("import task failed")]
    Task,
}

/// What one imported file did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportReport {
    /// The object.
    pub key: String,
    /// Full or delta.
    pub kind: FileKind,
    /// Data rows read.
    pub rows: usize,
}

/// Reads a file into register changes, checking every row; all errors are collected.
pub fn parse(
    key: &str,
    bytes: &[u8],
    layout: &ResidentLayout,
    kind: FileKind,
) -> Result<Vec<RegisterChange>, ImportError> {
    let mut reader = super::csv_reader(bytes).map_err(|offset| ImportError::NotUtf8 {
        key: key.to_owned(),
        offset,
    })?;
    let headers = reader
        .headers()
        .map_err(|e| ImportError::Header {
            key: key.to_owned(),
            reason: e.to_string(),
        })?
        .clone();
    let expected = layout.headers();
    let found: Vec<&str> = headers.iter().map(str::trim).collect();
    if found != expected {
        return Err(ImportError::Header {
            key: key.to_owned(),
            reason: format!("expected {expected:?}, found {found:?}"),
        });
    }
    let mut changes = Vec::new();
    let mut errors = Vec::new();
    for (index, record) in reader.records().enumerate() {
        let line = index + 2;
        let record = match record {
            Ok(record) => record,
            Err(e) => {
                errors.push(RowError {
                    line,
                    reasons: vec![format!("CSVとして読めません: {e}")],
                });
                continue;
            }
        };
        if record.len() != expected.len() {
            errors.push(RowError {
                line,
                reasons: vec![format!(
                    "列数が{}です (ヘッダーは{}列)。途中で切れたファイルの可能性があります。",
                    record.len(),
                    expected.len()
                )],
            });
            continue;
        }
        match row(&record, layout, kind) {
            Ok(change) => changes.push(change),
            Err(reasons) => errors.push(RowError { line, reasons }),
        }
    }
    if !errors.is_empty() {
        return Err(ImportError::Rows {
            key: key.to_owned(),
            errors,
        });
    }
    Ok(changes)
}

fn row(
    record: &csv::StringRecord,
    layout: &ResidentLayout,
    kind: FileKind,
) -> Result<RegisterChange, Vec<String>> {
    let get = |field| {
        layout
            .position(field)
            .and_then(|i| record.get(i))
            .map(str::trim)
            .unwrap_or("")
    };
    let mut reasons = Vec::new();
    let atena = get(ResidentField::AtenaNumber);
    if let Err(f) = check_atena_number(atena) {
        reasons.push(format!("宛名番号: {}", f.message_ja));
    }
    if kind == FileKind::Delta && get(ResidentField::Change) == "削除" {
        return if reasons.is_empty() {
            Ok(RegisterChange::Remove(atena.to_owned()))
        } else {
            Err(reasons)
        };
    }
    if kind == FileKind::Delta && !matches!(get(ResidentField::Change), "追加" | "修正") {
        reasons.push(format!(
            "異動区分「{}」は 追加・修正・削除 のいずれかです。",
            get(ResidentField::Change)
        ));
    }
    let household = get(ResidentField::HouseholdNumber);
    if let Err(f) = check_atena_number(household) {
        reasons.push(format!("世帯番号: {}", f.message_ja));
    }
    let name = get(ResidentField::Name);
    if name.is_empty() {
        reasons.push("氏名がありません。".into());
    }
    let kana = match check_kana(get(ResidentField::Kana)) {
        Ok(k) => k,
        Err(f) => {
            reasons.push(format!("氏名_フリガナ: {}", f.message_ja));
            String::new()
        }
    };
    let birth = match parse_date(get(ResidentField::BirthDate)) {
        Ok(day) => day.to_string(),
        Err(e) => {
            reasons.push(format!("生年月日: {e}"));
            String::new()
        }
    };
    let sex = match get(ResidentField::Sex) {
        "男" | "1" | "male" => "male",
        "女" | "2" | "female" => "female",
        other => {
            reasons.push(format!("性別「{other}」は 男・女 (1・2) のいずれかです。"));
            ""
        }
    };
    let relationship = get(ResidentField::Relationship);
    if let Err(f) = check_relationship(relationship) {
        reasons.push(format!("続柄: {}", f.message_ja));
    }
    let postal = match check_postal_code(get(ResidentField::PostalCode)) {
        Ok(p) => p,
        Err(f) => {
            reasons.push(format!("郵便番号: {}", f.message_ja));
            String::new()
        }
    };
    let my_number = get(ResidentField::MyNumber);
    if let Err(f) = check_my_number(my_number) {
        reasons.push(format!("個人番号: {}", f.message_ja));
    }
    let protected = match get(ResidentField::Protected) {
        "" | "0" => false,
        "1" => true,
        other => {
            reasons.push(format!("支援措置対象「{other}」は 0 か 1 です。"));
            false
        }
    };
    if !reasons.is_empty() {
        return Err(reasons);
    }
    Ok(RegisterChange::Upsert(Box::new(Resident {
        atena_number: atena.into(),
        household_number: household.into(),
        name: name.into(),
        kana,
        birth_date: birth,
        sex: sex.into(),
        relationship: relationship.into(),
        address: get(ResidentField::Address).into(),
        postal_code: postal,
        head_name: get(ResidentField::HeadName).into(),
        my_number: my_number.into(),
        protected,
    })))
}

/// Imports every file under `prefix` that was not imported before, oldest key first; a file
/// already imported with the same ETag is skipped. Each file is its own transaction.
pub async fn import_pending<B: Bucket>(
    bucket: &B,
    store: &std::sync::Arc<Store>,
    layout: &ResidentLayout,
    prefix: &str,
    now_ms: i64,
) -> Result<Vec<Result<ImportReport, ImportError>>, ImportError> {
    let mut objects: Vec<ObjectMeta> = bucket
        .list(prefix)
        .await?
        .into_iter()
        .filter(|o| o.key.ends_with(".csv"))
        .collect();
    objects.sort_by(|a, b| a.key.cmp(&b.key));
    let mut results = Vec::new();
    for object in objects {
        let kind = if object.key[prefix.len()..].starts_with("full/") {
            FileKind::Full
        } else if object.key[prefix.len()..].starts_with("delta/") {
            FileKind::Delta
        } else {
            continue;
        };
        let seen = {
            let (store, key, etag) = (store.clone(), object.key.clone(), object.etag.clone());
            tokio::task::spawn_blocking(move || store.import_seen(&key, &etag))
                .await
                .map_err(|_| ImportError::Task)??
        };
        if seen {
            continue;
        }
        tracing::info!(key = %object.key, bytes = object.size, kind = kind.as_str(), "住基 file import started");
        let started = std::time::Instant::now();
        let bytes = bucket.get(&object.key).await?;
        let outcome = match parse(&object.key, &bytes, layout, kind) {
            Ok(changes) => {
                let rows = changes.len();
                let (store, key, etag) = (store.clone(), object.key.clone(), object.etag.clone());
                tokio::task::spawn_blocking(move || {
                    store.apply_import(
                        &key,
                        &etag,
                        kind.as_str(),
                        kind == FileKind::Full,
                        &changes,
                        now_ms,
                    )?;
                    store.audit(
                        now_ms,
                        "system",
                        "import_file",
                        &format!("{key} ({} rows, {})", changes.len(), kind.as_str()),
                    )
                })
                .await
                .map_err(|_| ImportError::Task)??;
                tracing::info!(
                    key = %object.key,
                    rows,
                    kind = kind.as_str(),
                    ms = started.elapsed().as_millis() as u64,
                    "住基 file imported"
                );
                Ok(ImportReport {
                    key: object.key.clone(),
                    kind,
                    rows,
                })
            }
            Err(error) => {
                let (store, key, etag, message) = (
                    store.clone(),
                    object.key.clone(),
                    object.etag.clone(),
                    error.to_string(),
                );
                tokio::task::spawn_blocking(move || {
                    store.record_import_error(&key, &etag, &message, now_ms)?;
                    store.audit(now_ms, "system", "import_refused", &key)
                })
                .await
                .map_err(|_| ImportError::Task)??;
                tracing::warn!(key = %object.key, error = %error, "住基 file refused");
                Err(error)
            }
        };
        results.push(outcome);
    }
    Ok(results)
}
