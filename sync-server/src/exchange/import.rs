//! The 住基 import: full (全件) and delta (差分) CSV files from the core system, each imported
//! exactly once (its key and ETag are recorded in the same transaction as its rows).
//!
//! Every good row is taken; a bad row is set aside (quarantined) with its file, line, column
//! and reason, shown on the admin face and written to the audit log, and the resident's
//! previous record is kept — a full file does not remove a person only because their row was
//! bad. A file is refused whole only when it is wrong as a file: its encoding, its header,
//! the column count of most rows, or more bad rows than the layout's share (1 % by default).
//! A refused file is tried again when it changes (its ETag) or the layout does.
//!
//! Objects: `<prefix>full/*.csv` replace the register; `<prefix>delta/*.csv` add, change or
//! remove residents (異動区分 追加 / 修正 / 削除). Values are stored in their canonical form
//! (フリガナ in full-width katakana, dates as `YYYY-MM-DD` with `00` for 不詳, …); names and
//! addresses as they come, byte for byte (外字, IVS sequences).

use shared_model::import_state::QuarantinedRow;
use shared_model::synthetic::Resident;
use shared_model::validate::{
    check_date_text, check_kana, check_my_number, check_postal_code, check_relationship,
    m11_check_digit,
};
use unicode_normalization::UnicodeNormalization;

use super::bucket::{Bucket, BucketError, ObjectMeta};
use super::layout::{ResidentField, ResidentLayout};
use crate::store::{ImportedFile, Store, StoreError};
use shared_model::tenant::LocalGovernmentCode;

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

/// A bad row: where it starts, and what is wrong with which column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowError {
    /// The line the row starts on (the header is line 1; quoted line breaks count).
    pub line: u64,
    /// (column header, reason in Japanese); an empty header for the row as a whole.
    pub problems: Vec<(String, String)>,
    /// The 宛名番号 the row is for, as far as it can be told (its previous record is kept).
    pub atena_number: Option<String>,
}

impl RowError {
    fn shown(&self) -> String {
        let problems: Vec<String> = self
            .problems
            .iter()
            .map(|(column, reason)| {
                if column.is_empty() {
                    reason.clone()
                } else {
                    format!("{column}: {reason}")
                }
            })
            .collect();
        format!("{}行目 {}", self.line, problems.join(" / "))
    }
}

/// A file read: the changes of its good rows and its bad rows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedFile {
    /// The changes of the good rows, in file order.
    pub changes: Vec<RegisterChange>,
    /// The bad rows, set aside.
    pub bad_rows: Vec<RowError>,
    /// Data rows read (good and bad).
    pub rows: usize,
}

/// Why a file was not imported.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// The bytes are not of the layout's encoding.
    #[error(
        "{key}: 文字コードが {encoding} ではありません ({offset} バイト目から読めません)。レイアウトの encoding を確かめてください"
    )]
    Encoding {
        /// The object.
        key: String,
        /// The encoding the layout names.
        encoding: &'static str,
        /// Where decoding failed.
        offset: usize,
    },
    /// The header row does not match the layout.
    #[error("{key}: 見出し行がレイアウトと合いません。{reason}")]
    Header {
        /// The object.
        key: String,
        /// What differs.
        reason: String,
    },
    /// A full file without data rows (it would empty the register).
    #[error(
        "{key}: 全件ファイルにデータ行がありません。転送が途中で切れた可能性があります。登録は前のまま残しました"
    )]
    EmptyFull {
        /// The object.
        key: String,
    },
    /// A file older (by its name) than one already imported: applying it would undo newer
    /// changes.
    #[error(
        "{key}: 取込済みの {newer} より古いファイルのため取り込みません (新しい変更を古い内容で戻さないため)。必要なら新しい全件ファイルを置いてください"
    )]
    Stale {
        /// The object.
        key: String,
        /// The newer file already imported.
        newer: String,
    },
    /// A full file much smaller than the register: a transfer cut at a line end, not a city
    /// that lost its residents overnight.
    #[error("{key}: 全件ファイルの行数 {rows} が登録数 {registered} の {:.0} % に足りません。転送が途中で切れた可能性があります。登録は前のまま残しました", min_share * 100.0)]
    Shrunk {
        /// The object.
        key: String,
        /// Data rows in the file.
        rows: usize,
        /// Residents in the register.
        registered: usize,
        /// The layout's `min_full_share`.
        min_share: f64,
    },
    /// Most rows have another number of columns than the header: not this layout at all.
    #[error(
        "{key}: {bad}/{rows} 行の列数が見出し ({expected} 列) と合いません。ファイルの形式が違います"
    )]
    Columns {
        /// The object.
        key: String,
        /// Rows with another column count.
        bad: usize,
        /// Data rows.
        rows: usize,
        /// The header's column count.
        expected: usize,
    },
    /// More bad rows than the layout allows: the whole file is refused.
    #[error("{key}: {} 行中 {} 行に誤りがあり ({:.1} %、上限 {:.1} %)、ファイル全体を取り込みませんでした。例: {}", rows, errors.len(), share * 100.0, max_share * 100.0, errors.iter().take(3).map(RowError::shown).collect::<Vec<_>>().join("; "))]
    TooManyBadRows {
        /// The object.
        key: String,
        /// Every bad row.
        errors: Vec<RowError>,
        /// Data rows.
        rows: usize,
        /// The share of bad rows.
        share: f64,
        /// The layout's limit.
        max_share: f64,
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
    /// Data rows taken into the register.
    pub rows: usize,
    /// Data rows set aside.
    pub quarantined: usize,
}

/// How many digits 宛名番号 and 世帯番号 have, leading zeros included, where known.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct NumberWidths {
    /// 宛名番号.
    pub atena: Option<usize>,
    /// 世帯番号.
    pub household: Option<usize>,
}

/// Reads a file into register changes and bad rows.
///
/// `widths` are the widths the register already has (used when the layout sets none; when
/// neither knows, the widest number in the file). Errors: the [`ImportError`]s that refuse a
/// file whole ([`ImportError::Encoding`], [`ImportError::Header`], [`ImportError::Columns`],
/// [`ImportError::TooManyBadRows`]).
pub fn parse(
    key: &str,
    bytes: &[u8],
    layout: &ResidentLayout,
    kind: FileKind,
    widths: NumberWidths,
) -> Result<ParsedFile, ImportError> {
    let text =
        super::decode(bytes, layout.rules.encoding).map_err(|offset| ImportError::Encoding {
            key: key.to_owned(),
            encoding: match layout.rules.encoding {
                super::layout::Encoding::Utf8 => "UTF-8",
                super::layout::Encoding::ShiftJis => "Shift_JIS",
            },
            offset,
        })?;
    let header = |reason: String| ImportError::Header {
        key: key.to_owned(),
        reason,
    };
    let mut reader = super::csv_reader(&text);
    let headers = reader
        .headers()
        .map_err(|e| header(format!("見出し行が読めません ({e})")))?
        .clone();
    let expected = layout.headers();
    let found: Vec<&str> = headers.iter().map(str::trim).collect();
    if found.iter().all(|h| h.is_empty()) {
        return Err(header("ファイルが空です (見出し行もありません)。".into()));
    }
    if found != expected {
        let missing: Vec<&str> = expected
            .iter()
            .filter(|h| !found.contains(h))
            .copied()
            .collect();
        let extra: Vec<&str> = found
            .iter()
            .filter(|h| !expected.contains(h))
            .copied()
            .collect();
        let mut reason = format!(
            "見出しは「{}」の{}列のはずが、{}列でした。",
            expected.join(","),
            expected.len(),
            found.len()
        );
        if !missing.is_empty() {
            reason.push_str(&format!("ない列: {}。", missing.join(",")));
        }
        if !extra.is_empty() {
            reason.push_str(&format!("余分な列: {}。", extra.join(",")));
        }
        if missing.is_empty() && extra.is_empty() {
            reason.push_str("列の順序が違います。");
        }
        return Err(header(reason));
    }
    // The widths of the numbers: the layout's, else the register's, else the file's widest.
    let widths = NumberWidths {
        atena: layout.rules.number_digits.or(widths.atena),
        household: layout.rules.number_digits.or(widths.household),
    };
    let widths = if widths.atena.is_none() || widths.household.is_none() {
        let widest = widest_numbers(&text, layout);
        NumberWidths {
            atena: widths.atena.or(widest.atena),
            household: widths.household.or(widest.household),
        }
    } else {
        widths
    };
    let checks = RowChecks {
        layout,
        kind,
        widths,
    };
    let mut changes = Vec::new();
    let mut change_lines: Vec<u64> = Vec::new();
    let mut bad_rows = Vec::new();
    let mut rows = 0usize;
    let mut wrong_width = 0usize;
    let mut record = csv::StringRecord::new();
    let mut lines = LineCounter::new(&text);
    loop {
        let line = lines.line_at(reader.position().byte());
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                rows += 1;
                let line = e
                    .position()
                    .map(|p| lines.line_at(p.byte()))
                    .unwrap_or(line);
                bad_rows.push(RowError {
                    line,
                    problems: vec![(String::new(), format!("CSVとして読めません: {e}"))],
                    atena_number: None,
                });
                continue;
            }
        }
        rows += 1;
        let line = record
            .position()
            .map(|p| lines.line_at(p.byte()))
            .unwrap_or(line);
        if record.len() != expected.len() {
            wrong_width += 1;
            bad_rows.push(RowError {
                line,
                problems: vec![(
                    String::new(),
                    format!(
                        "列数が{}です (見出しは{}列)。途中で切れた行か、区切りの誤りです。",
                        record.len(),
                        expected.len()
                    ),
                )],
                // The columns before the fault are usually whole: whose row it was.
                atena_number: checks.meant_atena(&record),
            });
            continue;
        }
        match checks.row(&record) {
            Ok(change) => {
                change_lines.push(line);
                changes.push(change);
            }
            Err((problems, atena_number)) => bad_rows.push(RowError {
                line,
                problems,
                atena_number,
            }),
        }
    }
    if rows > 0 && wrong_width * 2 > rows {
        return Err(ImportError::Columns {
            key: key.to_owned(),
            bad: wrong_width,
            rows,
            expected: expected.len(),
        });
    }
    if kind == FileKind::Full && rows == 0 {
        // A full file without rows would empty the register: a cut transfer, not a city.
        return Err(ImportError::EmptyFull {
            key: key.to_owned(),
        });
    }
    set_aside_duplicates(&mut changes, &mut change_lines, &mut bad_rows, layout);
    let share = if rows == 0 {
        0.0
    } else {
        bad_rows.len() as f64 / rows as f64
    };
    if share > layout.rules.max_bad_share {
        return Err(ImportError::TooManyBadRows {
            key: key.to_owned(),
            errors: bad_rows,
            rows,
            share,
            max_share: layout.rules.max_bad_share,
        });
    }
    Ok(ParsedFile {
        changes,
        bad_rows,
        rows,
    })
}

/// Rows of one file naming the same 宛名番号: which is right cannot be told, so every one of
/// them is set aside (the resident keeps their previous record) with the other lines named.
fn set_aside_duplicates(
    changes: &mut Vec<RegisterChange>,
    lines: &mut Vec<u64>,
    bad_rows: &mut Vec<RowError>,
    layout: &ResidentLayout,
) {
    let atena_of = |change: &RegisterChange| match change {
        RegisterChange::Upsert(r) => r.atena_number.clone(),
        RegisterChange::Remove(atena) => atena.clone(),
    };
    let mut by_atena: std::collections::HashMap<String, Vec<u64>> =
        std::collections::HashMap::new();
    for (change, line) in changes.iter().zip(lines.iter()) {
        by_atena.entry(atena_of(change)).or_default().push(*line);
    }
    if by_atena.values().all(|l| l.len() < 2) {
        return;
    }
    let column = layout
        .header_of(ResidentField::AtenaNumber)
        .unwrap_or("")
        .to_owned();
    let mut kept_changes = Vec::with_capacity(changes.len());
    let mut kept_lines = Vec::with_capacity(lines.len());
    for (change, line) in changes.drain(..).zip(lines.drain(..)) {
        let atena = atena_of(&change);
        let same = &by_atena[&atena];
        if same.len() < 2 {
            kept_changes.push(change);
            kept_lines.push(line);
            continue;
        }
        let others: Vec<String> = same
            .iter()
            .filter(|l| **l != line)
            .map(|l| format!("{l}行目"))
            .collect();
        bad_rows.push(RowError {
            line,
            problems: vec![(
                column.clone(),
                format!(
                    "同じ宛名番号の行が{}にもあります。どちらが正しいか分からないため、どれも取り込みませんでした。",
                    others.join("・")
                ),
            )],
            atena_number: Some(atena),
        });
    }
    bad_rows.sort_by_key(|r| r.line);
    *changes = kept_changes;
    *lines = kept_lines;
}

/// Line numbers of byte offsets in a text (the first line is 1), counting `\n`, so CRLF
/// files (as Windows writes them) and line breaks inside quoted fields come out right. (The
/// csv crate's own line count is one short in CRLF files, where its record positions point at
/// the line end before the record.) Offsets are asked in order.
struct LineCounter<'a> {
    text: &'a [u8],
    offset: usize,
    line: u64,
}

impl<'a> LineCounter<'a> {
    fn new(text: &'a str) -> Self {
        Self {
            text: text.as_bytes(),
            offset: 0,
            line: 1,
        }
    }

    fn line_at(&mut self, byte: u64) -> u64 {
        let mut byte = (byte as usize).min(self.text.len());
        // In CRLF text the csv crate places a record at the \n ending the line before it.
        while self
            .text
            .get(byte)
            .is_some_and(|b| matches!(b, b'\r' | b'\n'))
        {
            byte += 1;
        }
        if byte < self.offset {
            // Not in order: count from the start.
            self.offset = 0;
            self.line = 1;
        }
        self.line += self.text[self.offset..byte]
            .iter()
            .filter(|b| **b == b'\n')
            .count() as u64;
        self.offset = byte;
        self.line
    }
}

/// The widest all-digit 宛名番号 and 世帯番号 of a file (a first, cheap pass).
fn widest_numbers(text: &str, layout: &ResidentLayout) -> NumberWidths {
    let mut reader = super::csv_reader(text);
    let (atena, household) = (
        layout.position(ResidentField::AtenaNumber),
        layout.position(ResidentField::HouseholdNumber),
    );
    let mut widths = NumberWidths::default();
    let mut record = csv::StringRecord::new();
    let width = |record: &csv::StringRecord, column: Option<usize>| {
        column
            .and_then(|i| record.get(i))
            .map(|v| ascii_digits(v.trim()))
            .filter(|d| !d.is_empty())
            .map(|d| d.len())
    };
    while let Ok(true) = reader.read_record(&mut record) {
        widths.atena = widths.atena.max(width(&record, atena));
        widths.household = widths.household.max(width(&record, household));
    }
    widths
}

/// The digits of a number written in ASCII or full-width digits, if that is all it is.
fn ascii_digits(text: &str) -> String {
    let folded: String = text.nfkc().collect();
    if folded.chars().all(|c| c.is_ascii_digit()) {
        folded
    } else {
        String::new()
    }
}

struct RowChecks<'a> {
    layout: &'a ResidentLayout,
    kind: FileKind,
    widths: NumberWidths,
}

type RowProblems = (Vec<(String, String)>, Option<String>);

impl RowChecks<'_> {
    /// A 宛名番号 or 世帯番号: digits of the register's width, with an M11 check digit when the
    /// layout says so. Ok: the canonical number; Err: the reason, and the number the row
    /// meant (padded with the zeros it lost), to keep its previous record.
    fn number(
        &self,
        value: &str,
        width: Option<usize>,
    ) -> Result<String, (String, Option<String>)> {
        let digits = ascii_digits(value);
        if digits.is_empty() {
            return Err((
                if value.is_empty() {
                    "番号がありません。".into()
                } else {
                    format!("「{value}」は数字ではありません。")
                },
                None,
            ));
        }
        if let Some(width) = width {
            if digits.len() < width {
                let padded = format!("{digits:0>width$}");
                return Err((
                    format!(
                        "{}桁のはずが{}桁です。先頭の0が欠けています (表計算ソフトで開いて保存し直したファイルではありませんか)。",
                        width,
                        digits.len()
                    ),
                    Some(padded),
                ));
            }
            if digits.len() > width {
                return Err((
                    format!("{}桁のはずが{}桁です。", width, digits.len()),
                    Some(digits),
                ));
            }
        }
        if self.layout.rules.check_digit {
            let d: Vec<u32> = digits.chars().filter_map(|c| c.to_digit(10)).collect();
            if d.len() < 2 {
                return Err(("検査用数字を含めて2桁以上のはずです。".into(), Some(digits)));
            }
            let (body, check) = d.split_at(d.len() - 1);
            if m11_check_digit(body) != check[0] {
                return Err((
                    "検査用数字 (M11W2〜7) が合いません。検査用数字のない番号なら、レイアウトで check_digit = false にしてください。".into(),
                    Some(digits),
                ));
            }
        }
        Ok(digits)
    }

    /// The 宛名番号 a row of the wrong width was for, if its column is there and reads as a
    /// number (padded with the zeros it may have lost).
    fn meant_atena(&self, record: &csv::StringRecord) -> Option<String> {
        let value = record.get(self.layout.position(ResidentField::AtenaNumber)?)?;
        match self.number(value.trim(), self.widths.atena) {
            Ok(number) => Some(number),
            Err((_, meant)) => meant,
        }
    }

    fn row(&self, record: &csv::StringRecord) -> Result<RegisterChange, RowProblems> {
        let layout = self.layout;
        let get = |field| {
            layout
                .position(field)
                .and_then(|i| record.get(i))
                .map(str::trim)
                .unwrap_or("")
        };
        let column = |field| layout.header_of(field).unwrap_or("").to_owned();
        let mut problems: Vec<(String, String)> = Vec::new();
        let (atena, meant) = match self.number(get(ResidentField::AtenaNumber), self.widths.atena) {
            Ok(number) => (number.clone(), Some(number)),
            Err((reason, meant)) => {
                problems.push((column(ResidentField::AtenaNumber), reason));
                (String::new(), meant)
            }
        };
        let change = get(ResidentField::Change);
        if self.kind == FileKind::Delta && change == "削除" {
            return if problems.is_empty() {
                Ok(RegisterChange::Remove(atena))
            } else {
                Err((problems, meant))
            };
        }
        if self.kind == FileKind::Delta && !matches!(change, "追加" | "修正") {
            problems.push((
                column(ResidentField::Change),
                format!("「{change}」は 追加・修正・削除 のいずれかです。"),
            ));
        }
        let household =
            match self.number(get(ResidentField::HouseholdNumber), self.widths.household) {
                Ok(number) => number,
                Err((reason, _)) => {
                    problems.push((column(ResidentField::HouseholdNumber), reason));
                    String::new()
                }
            };
        let name = get(ResidentField::Name);
        if name.is_empty() {
            problems.push((column(ResidentField::Name), "氏名がありません。".into()));
        }
        let kana = check_kana(get(ResidentField::Kana)).unwrap_or_else(|f| {
            problems.push((column(ResidentField::Kana), f.message_ja));
            String::new()
        });
        // 不詳日 and days the calendar lacks are the standard's (§1.1.8), kept as they are.
        let birth = match check_date_text(get(ResidentField::BirthDate)) {
            Ok(reading) => reading.date.to_string(),
            Err(f) => {
                problems.push((column(ResidentField::BirthDate), f.message_ja));
                String::new()
            }
        };
        let sex_text: String = get(ResidentField::Sex).nfkc().collect();
        let sex = match sex_text.as_str() {
            "男" | "男性" | "1" | "male" => "male",
            "女" | "女性" | "2" | "female" => "female",
            other => {
                problems.push((
                    column(ResidentField::Sex),
                    format!("「{other}」は 男・女 (1・2) のいずれかです。"),
                ));
                ""
            }
        };
        let relationship =
            check_relationship(get(ResidentField::Relationship)).unwrap_or_else(|f| {
                problems.push((column(ResidentField::Relationship), f.message_ja));
                String::new()
            });
        let postal = match get(ResidentField::PostalCode) {
            "" => String::new(),
            text => check_postal_code(text).unwrap_or_else(|f| {
                problems.push((column(ResidentField::PostalCode), f.message_ja));
                String::new()
            }),
        };
        // 個人番号 may be left out of a file (not every extract may carry it).
        let my_number = match get(ResidentField::MyNumber) {
            "" => String::new(),
            text => match check_my_number(text) {
                Ok(digits) => digits,
                Err(f) => {
                    problems.push((column(ResidentField::MyNumber), f.message_ja));
                    String::new()
                }
            },
        };
        let protected_text: String = get(ResidentField::Protected).nfkc().collect();
        let protected = match protected_text.as_str() {
            "" | "0" => false,
            "1" => true,
            other => {
                problems.push((
                    column(ResidentField::Protected),
                    format!("「{other}」は 0 か 1 です。"),
                ));
                false
            }
        };
        if !problems.is_empty() {
            return Err((problems, meant));
        }
        Ok(RegisterChange::Upsert(Box::new(Resident {
            atena_number: atena,
            household_number: household,
            name: name.into(),
            kana,
            birth_date: birth,
            sex: sex.into(),
            relationship,
            address: get(ResidentField::Address).into(),
            postal_code: postal,
            head_name: get(ResidentField::HeadName).into(),
            my_number,
            protected,
        })))
    }
}

/// A file's place in the order of import: its name below `full/` or `delta/`, and its kind.
fn order_of(key: &str, prefix: &str) -> Option<(String, FileKind)> {
    let rest = key.strip_prefix(prefix)?;
    if let Some(name) = rest.strip_prefix("full/") {
        Some((name.to_owned(), FileKind::Full))
    } else {
        rest.strip_prefix("delta/")
            .map(|name| (name.to_owned(), FileKind::Delta))
    }
}

/// Imports every file under `prefix` that was not imported before, in the order of their
/// names (a full file before a delta of the same name); a file already imported with the
/// same ETag, or refused under the same layout, is skipped, and a file older than one already
/// imported is refused ([`ImportError::Stale`]). A full file without rows, or much smaller
/// than the register (layout `min_full_share`), is refused. Each file is its own transaction.
pub async fn import_pending<B: Bucket>(
    bucket: &B,
    store: &std::sync::Arc<Store>,
    tenant: LocalGovernmentCode,
    layout: &ResidentLayout,
    prefix: &str,
    now_ms: i64,
) -> Result<Vec<Result<ImportReport, ImportError>>, ImportError> {
    // In the order the core system wrote them: by file name (its time stamp), a full file
    // before a delta of the same name — not by path, which would put every delta before
    // every full file and let an older full file wipe a newer delta.
    let mut objects: Vec<(String, FileKind, ObjectMeta)> = bucket
        .list(prefix)
        .await?
        .into_iter()
        .filter(|o| o.key.ends_with(".csv"))
        .filter_map(|o| {
            let (name, kind) = order_of(&o.key, prefix)?;
            Some((name, kind, o))
        })
        .collect();
    objects.sort_by(|a, b| {
        (&a.0, a.1 == FileKind::Delta, &a.2.key).cmp(&(&b.0, b.1 == FileKind::Delta, &b.2.key))
    });
    let fingerprint = layout.fingerprint();
    let mut results = Vec::new();
    for (name, kind, object) in objects {
        let (seen, widths, registered, latest) = {
            let (store, key, etag, fingerprint) = (
                store.clone(),
                object.key.clone(),
                object.etag.clone(),
                fingerprint.clone(),
            );
            tokio::task::spawn_blocking(move || -> Result<_, StoreError> {
                let register = store.register(tenant);
                let seen = register.import_seen(&key, &etag, &fingerprint)?;
                if seen {
                    return Ok((seen, NumberWidths::default(), 0, None));
                }
                let (atena, household) = register.number_widths()?;
                Ok((
                    seen,
                    NumberWidths { atena, household },
                    register.resident_count()?,
                    register.latest_import()?,
                ))
            })
            .await
            .map_err(|_| ImportError::Task)??
        };
        if seen {
            continue;
        }
        // Never behind a file already imported: an older file would undo newer changes.
        let stale = latest.as_ref().and_then(|newer| {
            let (newer_name, newer_kind) = order_of(newer, prefix)?;
            ((name.as_str(), kind == FileKind::Delta)
                < (newer_name.as_str(), newer_kind == FileKind::Delta))
                .then(|| newer.clone())
        });
        tracing::info!(key = %object.key, bytes = object.size, kind = kind.as_str(), "住基 file import started");
        let started = std::time::Instant::now();
        let bytes = bucket.get(&object.key).await?;
        let parsed = match stale {
            Some(newer) => Err(ImportError::Stale {
                key: object.key.clone(),
                newer,
            }),
            None => parse(&object.key, &bytes, layout, kind, widths).and_then(|parsed| {
                let min = layout.rules.min_full_share;
                if kind == FileKind::Full
                    && registered > 0
                    && (parsed.rows as f64) < registered as f64 * min
                {
                    return Err(ImportError::Shrunk {
                        key: object.key.clone(),
                        rows: parsed.rows,
                        registered,
                        min_share: min,
                    });
                }
                Ok(parsed)
            }),
        };
        let outcome = match parsed {
            Ok(parsed) => {
                let rows = parsed.changes.len();
                let quarantined = parsed.bad_rows.len();
                let (store, key, etag) = (store.clone(), object.key.clone(), object.etag.clone());
                tokio::task::spawn_blocking(move || {
                    let quarantine: Vec<QuarantinedRow> = parsed
                        .bad_rows
                        .iter()
                        .flat_map(|row| {
                            row.problems.iter().map(|(column, reason)| QuarantinedRow {
                                file: key.clone(),
                                line: row.line,
                                column: column.clone(),
                                reason: reason.clone(),
                                at: now_ms,
                            })
                        })
                        .collect();
                    let keep: Vec<String> = parsed
                        .bad_rows
                        .iter()
                        .filter_map(|row| row.atena_number.clone())
                        .collect();
                    // A bad row whose 宛名番号 cannot be read might be anyone's: then nobody
                    // missing from the file is removed until a clean full file comes.
                    let unidentified = parsed.bad_rows.iter().any(|r| r.atena_number.is_none());
                    store.register(tenant).apply_import(
                        &ImportedFile {
                            key: &key,
                            etag: &etag,
                            kind: kind.as_str(),
                            replace_all: kind == FileKind::Full && !unidentified,
                            changes: &parsed.changes,
                            keep: &keep,
                            quarantine: &quarantine,
                        },
                        now_ms,
                    )
                })
                .await
                .map_err(|_| ImportError::Task)??;
                tracing::info!(
                    key = %object.key,
                    rows,
                    quarantined,
                    kind = kind.as_str(),
                    ms = started.elapsed().as_millis() as u64,
                    "住基 file imported"
                );
                Ok(ImportReport {
                    key: object.key.clone(),
                    kind,
                    rows,
                    quarantined,
                })
            }
            Err(error) => {
                let (store, key, etag, message, fingerprint) = (
                    store.clone(),
                    object.key.clone(),
                    object.etag.clone(),
                    error.to_string(),
                    fingerprint.clone(),
                );
                tokio::task::spawn_blocking(move || {
                    store.register(tenant).record_import_error(
                        &key,
                        &etag,
                        &fingerprint,
                        &message,
                        now_ms,
                    )?;
                    store.audit_system(tenant, now_ms, "import_refused", &message)
                })
                .await
                .map_err(|_| ImportError::Task)??;
                // The message names lines and columns, never values: it can be logged.
                tracing::warn!(key = %object.key, "住基 file refused");
                Err(error)
            }
        };
        results.push(outcome);
    }
    Ok(results)
}
