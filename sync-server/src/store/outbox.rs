//! The export outbox: a confirmed form's record is written here in the same transaction as
//! the document change that confirms it, grouped into numbered batches before any byte goes
//! to the bucket, and followed through 送信済み → 基幹取込済み / 差戻し. Each step is one
//! transaction, so a crash at any point leaves either the step done or not begun.

use super::sql::{Conn, Row, params};
use shared_model::DocumentId;
use shared_model::tenant::LocalGovernmentCode;

use super::{ChunkSizes, Store, StoreError};

pub(super) const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS export_batches (
    seq        INTEGER PRIMARY KEY,
    tenant     TEXT    NOT NULL DEFAULT '',
    target     TEXT    NOT NULL,
    key        TEXT    NOT NULL UNIQUE,
    bytes      BLOB    NOT NULL,
    records    INTEGER NOT NULL,
    lines      INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    written_at INTEGER,
    attempts   INTEGER NOT NULL DEFAULT 0,
    last_error TEXT
);
CREATE TABLE IF NOT EXISTS outbox (
    id           INTEGER PRIMARY KEY,
    tenant       TEXT    NOT NULL DEFAULT '',
    record       TEXT    NOT NULL UNIQUE,
    target       TEXT    NOT NULL,
    doc_id       TEXT    NOT NULL,
    form         TEXT    NOT NULL,
    header       TEXT    NOT NULL,
    lines        TEXT    NOT NULL,
    confirmed_at INTEGER NOT NULL,
    batch        INTEGER REFERENCES export_batches (seq),
    state        TEXT    NOT NULL DEFAULT 'pending'
                 CHECK (state IN ('pending', 'sent', 'accepted', 'rejected')),
    reason       TEXT,
    state_at     INTEGER,
    shown        TEXT    NOT NULL DEFAULT 'pending',
    superseded_by TEXT,
    concerns     TEXT
);
CREATE INDEX IF NOT EXISTS outbox_unbatched ON outbox (target, id) WHERE batch IS NULL;
CREATE INDEX IF NOT EXISTS outbox_batch ON outbox (batch);
CREATE INDEX IF NOT EXISTS outbox_form ON outbox (doc_id, form);
CREATE INDEX IF NOT EXISTS outbox_unshown ON outbox (id) WHERE state <> shown;
CREATE TABLE IF NOT EXISTS result_files (
    key     TEXT    NOT NULL,
    etag    TEXT    NOT NULL,
    batch   INTEGER NOT NULL REFERENCES export_batches (seq),
    records INTEGER NOT NULL,
    read_at INTEGER NOT NULL,
    PRIMARY KEY (key, etag)
);
";

/// A record for the outbox: one confirmed form, already laid out in its target's columns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxEntry {
    /// The city whose core system takes the record (the visit's city).
    pub tenant: LocalGovernmentCode,
    /// `<visit>-<form>-<attempt>`: unique, and what the core system's result names.
    pub record: String,
    /// The export target.
    pub target: String,
    /// The form.
    pub form: String,
    /// The target's header when the record was made.
    pub header: Vec<String>,
    /// Its lines (one per person, or one).
    pub lines: Vec<Vec<String>>,
    /// When the server confirmed the form.
    pub confirmed_at: i64,
    /// Set when a value has no canonical form: the record is sent back (差戻し) with this
    /// reason instead of being sent.
    pub refused: Option<String>,
    /// A record of the same form still waiting in the outbox that this one replaces (a 訂正
    /// before anything was sent): it is never sent.
    pub supersedes: Option<String>,
}

/// A numbered batch: its object key and the exact bytes to write under it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Batch {
    /// Sequence number (global, never reused: one city's batches are numbered in rising
    /// order, with the numbers of other cities' batches left out).
    pub seq: i64,
    /// The city whose core system the batch is for.
    pub tenant: LocalGovernmentCode,
    /// The export target.
    pub target: String,
    /// The object key.
    pub key: String,
    /// The file.
    pub bytes: Vec<u8>,
    /// Records in it.
    pub records: usize,
    /// Lines in it.
    pub lines: usize,
    /// When it was written and recorded, if it was.
    pub written_at: Option<i64>,
}

/// The core system's answer on one record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordResult {
    /// The record.
    pub record: String,
    /// Accepted (基幹取込済み) or rejected (差戻し).
    pub accepted: bool,
    /// Why it was rejected.
    pub reason: Option<String>,
    /// What a 差戻し concerns, when the core system says: the person (1, 2, … as in the
    /// batch) and the batch file's column header.
    pub concerns: Option<(Option<u32>, String)>,
}

/// A state the visit document has still to show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusUpdate {
    /// The record.
    pub record: String,
    /// The visit.
    pub doc_id: String,
    /// The form.
    pub form: String,
    /// `sent`, `accepted` or `rejected`.
    pub state: String,
    /// Why it was rejected.
    pub reason: Option<String>,
    /// When the state was reached.
    pub at: i64,
    /// What a 差戻し concerns: the person (1, 2, …) and the batch file's column header.
    pub concerns: Option<(Option<u32>, String)>,
}

/// A record as the export queue shows it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct OutboxRecord {
    /// The record id.
    pub record: String,
    /// The form.
    pub form: String,
    /// Its batch, once numbered.
    pub batch: Option<i64>,
    /// `pending`, `sent`, `accepted` or `rejected`.
    pub state: String,
    /// Why it was rejected.
    pub reason: Option<String>,
}

pub use shared_model::export_queue::{ExportCounts, RejectedRecord};

impl Store {
    /// Appends a document chunk and the outbox records it confirms, in one transaction.
    pub fn append_with_outbox(
        &self,
        doc_id: &DocumentId,
        chunk: &[u8],
        entries: &[OutboxEntry],
    ) -> Result<ChunkSizes, StoreError> {
        let work = |c: &Conn<'_>| {
            super::chunks::insert_chunk(c, doc_id, chunk)?;
            self.notify_changed(c, doc_id)?;
            for e in entries {
                c.execute(
                    "INSERT INTO outbox (record, target, doc_id, form, header, lines,
                                         confirmed_at, state, reason, state_at, tenant)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
                    params![
                        e.record,
                        e.target,
                        doc_id.to_string(),
                        e.form,
                        serde_json::to_string(&e.header).unwrap_or_default(),
                        serde_json::to_string(&e.lines).unwrap_or_default(),
                        e.confirmed_at,
                        if e.refused.is_some() {
                            "rejected"
                        } else {
                            "pending"
                        },
                        e.refused,
                        e.refused.as_ref().map(|_| e.confirmed_at),
                        e.tenant.as_str(),
                    ],
                )?;
                if let Some(old) = &e.supersedes {
                    c.execute(
                        "UPDATE outbox SET superseded_by = ?1
                         WHERE record = ?2 AND batch IS NULL AND state = 'pending'",
                        params![e.record, old],
                    )?;
                }
            }
            super::chunks::sizes(c, doc_id)
        };
        // Records change the queue the exporter numbers batches from: they wait their turn.
        if entries.is_empty() {
            self.append(work)
        } else {
            self.write(work)
        }
    }

    /// Whether `record` still waits in the outbox, in no batch yet (so a 訂正 may replace it
    /// instead of correcting it).
    pub fn outbox_queued(&self, record: &str) -> Result<bool, StoreError> {
        self.read(|c| {
            c.exists(
                "SELECT 1 FROM outbox WHERE record = ?1 AND batch IS NULL AND state = 'pending'
                 AND superseded_by IS NULL",
                params![record],
            )
        })
    }

    /// How many records a form of a visit has had (the next one is this plus one).
    pub fn outbox_attempts(&self, doc_id: &DocumentId, form: &str) -> Result<u32, StoreError> {
        self.read(|c| {
            c.query_row(
                "SELECT COUNT(*) FROM outbox WHERE doc_id = ?1 AND form = ?2",
                params![doc_id.to_string(), form],
                |r| r.get(0),
            )
        })
    }

    /// Numbers the next batch of `tenant`'s `target` from its oldest unbatched records (at
    /// most `max_records`, all with the same header), renders it and records it with the
    /// records' assignment, in one transaction. `None` when nothing waits.
    pub fn assign_batch(
        &self,
        tenant: LocalGovernmentCode,
        target: &str,
        max_records: usize,
        now_ms: i64,
        key_of: impl FnOnce(i64, i64) -> String,
        render: impl FnOnce(&[String], &[Vec<String>]) -> Vec<u8>,
    ) -> Result<Option<Batch>, StoreError> {
        self.write(|c| {
            let rows: Vec<(i64, String, String)> = c.query_map(
                "SELECT id, header, lines FROM outbox
                 WHERE target = ?1 AND batch IS NULL AND state = 'pending'
                   AND superseded_by IS NULL AND tenant = ?3
                 ORDER BY id LIMIT ?2",
                params![target, max_records as i64, tenant.as_str()],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )?;
            let Some(first_header) = rows.first().map(|r| r.1.clone()) else {
                return Ok(None);
            };
            // A change of layout between records starts a new batch.
            let rows: Vec<_> = rows
                .into_iter()
                .take_while(|r| r.1 == first_header)
                .collect();
            let header: Vec<String> = serde_json::from_str(&first_header).unwrap_or_default();
            let mut lines: Vec<Vec<String>> = Vec::new();
            for (_, _, text) in &rows {
                let record_lines: Vec<Vec<String>> = serde_json::from_str(text).unwrap_or_default();
                lines.extend(record_lines);
            }
            let seq: i64 = c.query_row(
                "SELECT COALESCE(MAX(seq), 0) + 1 FROM export_batches",
                params![],
                |r| r.get(0),
            )?;
            let key = key_of(seq, now_ms);
            let bytes = render(&header, &lines);
            c.execute(
                "INSERT INTO export_batches
                    (seq, target, key, bytes, records, lines, created_at, tenant)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                params![
                    seq,
                    target,
                    key,
                    bytes,
                    rows.len() as i64,
                    lines.len() as i64,
                    now_ms,
                    tenant.as_str()
                ],
            )?;
            for (id, _, _) in &rows {
                c.execute(
                    "UPDATE outbox SET batch = ?1 WHERE id = ?2",
                    params![seq, id],
                )?;
            }
            Ok(Some(Batch {
                seq,
                tenant,
                target: target.to_owned(),
                key,
                bytes,
                records: rows.len(),
                lines: lines.len(),
                written_at: None,
            }))
        })
    }

    /// `tenant`'s batches numbered but not yet recorded as written, oldest first.
    pub fn unwritten_batches(&self, tenant: LocalGovernmentCode) -> Result<Vec<Batch>, StoreError> {
        self.batches_where("written_at IS NULL AND tenant = ?1", tenant.as_str())
    }

    /// The batch under this object key.
    pub fn batch_by_key(&self, key: &str) -> Result<Option<Batch>, StoreError> {
        self.read(|c| {
            c.query_opt(
                "SELECT seq, target, key, bytes, records, lines, written_at, tenant FROM export_batches
                 WHERE key = ?1",
                params![key],
                batch_of,
            )
        })
    }

    /// `tenant`'s batch numbered `seq`.
    pub fn batch(
        &self,
        tenant: LocalGovernmentCode,
        seq: i64,
    ) -> Result<Option<Batch>, StoreError> {
        self.read(|c| {
            c.query_opt(
                "SELECT seq, target, key, bytes, records, lines, written_at, tenant
                 FROM export_batches WHERE seq = ?1 AND tenant = ?2",
                params![seq, tenant.as_str()],
                batch_of,
            )
        })
    }

    /// Every batch of every city, oldest first.
    pub fn batches(&self) -> Result<Vec<Batch>, StoreError> {
        self.batches_where("?1 = ?1", "")
    }

    fn batches_where(&self, clause: &str, tenant: &str) -> Result<Vec<Batch>, StoreError> {
        self.read(|c| {
            c.query_map(
                &format!(
                    "SELECT seq, target, key, bytes, records, lines, written_at, tenant
                     FROM export_batches WHERE {clause} ORDER BY seq"
                ),
                params![tenant],
                batch_of,
            )
        })
    }

    /// Records that a batch and its marker are in the bucket: its records become 送信済み.
    pub fn mark_batch_written(&self, seq: i64, now_ms: i64) -> Result<(), StoreError> {
        self.write(|c| {
            c.execute(
                "UPDATE export_batches SET written_at = ?2, last_error = NULL
                 WHERE seq = ?1 AND written_at IS NULL",
                params![seq, now_ms],
            )?;
            c.execute(
                "UPDATE outbox SET state = 'sent', state_at = ?2
                 WHERE batch = ?1 AND state = 'pending'",
                params![seq, now_ms],
            )
        })?;
        Ok(())
    }

    /// Records a failed attempt to write a batch (it is retried).
    pub fn batch_failed(&self, seq: i64, error: &str) -> Result<u32, StoreError> {
        self.write(|c| {
            c.execute(
                "UPDATE export_batches SET attempts = attempts + 1, last_error = ?2 WHERE seq = ?1",
                params![seq, error],
            )?;
            c.query_row(
                "SELECT attempts FROM export_batches WHERE seq = ?1",
                params![seq],
                |r| r.get(0),
            )
        })
    }

    /// The records of a batch.
    pub fn batch_records(&self, seq: i64) -> Result<Vec<String>, StoreError> {
        self.read(|c| {
            c.query_map(
                "SELECT record FROM outbox WHERE batch = ?1",
                params![seq],
                |r| r.get(0),
            )
        })
    }

    /// Whether this result file version was read (or refused) already.
    pub fn result_seen(&self, key: &str, etag: &str) -> Result<bool, StoreError> {
        let n: i64 = self.read(|c| {
            c.query_row(
                "SELECT (SELECT COUNT(*) FROM result_files WHERE key = ?1 AND etag = ?2)
                      + (SELECT COUNT(*) FROM import_errors WHERE key = ?1 AND etag = ?2)",
                params![key, etag],
                |r| r.get(0),
            )
        })?;
        Ok(n > 0)
    }

    /// Applies a result file to its batch's records and records the file, in one
    /// transaction. A record already answered keeps its first answer.
    pub fn apply_results(
        &self,
        key: &str,
        etag: &str,
        batch: i64,
        results: &[RecordResult],
        now_ms: i64,
    ) -> Result<usize, StoreError> {
        self.write(|c| {
            let mut changed = 0;
            for r in results {
                let state = if r.accepted { "accepted" } else { "rejected" };
                let concerns = r
                    .concerns
                    .as_ref()
                    .map(|c| serde_json::to_string(c).unwrap_or_default());
                changed += c.execute(
                    "UPDATE outbox SET state = ?3, reason = ?4, state_at = ?5, concerns = ?6
                     WHERE record = ?1 AND batch = ?2 AND state IN ('pending', 'sent')",
                    params![r.record, batch, state, r.reason, now_ms, concerns],
                )?;
            }
            c.execute(
                "INSERT INTO result_files (key, etag, batch, records, read_at)
                 VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT (key, etag) DO UPDATE SET batch = excluded.batch,
                     records = excluded.records, read_at = excluded.read_at",
                params![key, etag, batch, results.len() as i64, now_ms],
            )?;
            Ok(changed)
        })
    }

    /// `tenant`'s records whose state the visit document does not show yet, oldest first.
    pub fn unshown_states(
        &self,
        tenant: LocalGovernmentCode,
        limit: usize,
    ) -> Result<Vec<StatusUpdate>, StoreError> {
        self.read(|c| {
            c.query_map(
                "SELECT record, doc_id, form, state, reason, COALESCE(state_at, confirmed_at),
                        concerns
                 FROM outbox WHERE state <> shown AND tenant = ?2 ORDER BY id LIMIT ?1",
                params![limit as i64, tenant.as_str()],
                |r| {
                    Ok(StatusUpdate {
                        record: r.get(0)?,
                        doc_id: r.get(1)?,
                        form: r.get(2)?,
                        state: r.get(3)?,
                        reason: r.get(4)?,
                        at: r.get(5)?,
                        concerns: r
                            .get::<Option<String>>(6)?
                            .and_then(|c| serde_json::from_str(&c).ok()),
                    })
                },
            )
        })
    }

    /// Records that the visit document shows `state` for `record`.
    pub fn mark_shown(&self, record: &str, state: &str) -> Result<(), StoreError> {
        self.write(|c| {
            c.execute(
                "UPDATE outbox SET shown = ?2 WHERE record = ?1",
                params![record, state],
            )
        })?;
        Ok(())
    }

    /// `tenant`'s export queue in figures.
    pub fn export_counts(&self, tenant: LocalGovernmentCode) -> Result<ExportCounts, StoreError> {
        let tenant = tenant.as_str();
        self.read(|c| {
            let mut counts = ExportCounts::default();
            // A record replaced before it left is not counted; a 差戻し counts until a later
            // record of the same form was taken in (解決済み).
            let rows = c.query_map(
                "SELECT state, COUNT(*) FROM outbox o
                 WHERE superseded_by IS NULL AND tenant = ?1
                   AND NOT (state = 'rejected' AND EXISTS (
                       SELECT 1 FROM outbox a WHERE a.doc_id = o.doc_id AND a.form = o.form
                                               AND a.id > o.id AND a.state = 'accepted'))
                 GROUP BY state",
                params![tenant],
                |r| Ok((r.get::<String>(0)?, r.get::<usize>(1)?)),
            )?;
            for (state, n) in rows {
                match state.as_str() {
                    "pending" => counts.pending = n,
                    "sent" => counts.sent = n,
                    "accepted" => counts.accepted = n,
                    "rejected" => counts.rejected = n,
                    _ => {}
                }
            }
            let (unwritten, written) = c.query_row(
                "SELECT COALESCE(SUM(CASE WHEN written_at IS NULL THEN 1 ELSE 0 END), 0),
                        COALESCE(SUM(CASE WHEN written_at IS NULL THEN 0 ELSE 1 END), 0)
                 FROM export_batches WHERE tenant = ?1",
                params![tenant],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )?;
            counts.unwritten_batches = unwritten;
            counts.written_batches = written;
            Ok(counts)
        })
    }

    /// The latest records sent back (差戻し) and not yet resolved (no later record of the
    /// same form was taken in), newest first.
    pub fn rejected_records(
        &self,
        tenant: LocalGovernmentCode,
        limit: usize,
    ) -> Result<Vec<RejectedRecord>, StoreError> {
        self.read(|c| {
            c.query_map(
                "SELECT o.record, o.form, v.day, v.reception_number, o.reason, o.state_at
                 FROM outbox o LEFT JOIN visits v ON v.doc_id = o.doc_id
                 WHERE o.state = 'rejected' AND o.tenant = ?2
                   AND NOT EXISTS (
                       SELECT 1 FROM outbox a WHERE a.doc_id = o.doc_id AND a.form = o.form
                                               AND a.id > o.id AND a.state = 'accepted')
                 ORDER BY o.state_at DESC, o.id DESC LIMIT ?1",
                params![limit as i64, tenant.as_str()],
                |r| {
                    Ok(RejectedRecord {
                        record: r.get(0)?,
                        form: r.get(1)?,
                        day: r.get(2)?,
                        reception_number: r.get(3)?,
                        reason: r.get(4)?,
                        at: r.get(5)?,
                    })
                },
            )
        })
    }

    /// Every record with its batch and state, oldest first (tests and the admin face).
    pub fn outbox_records(&self) -> Result<Vec<OutboxRecord>, StoreError> {
        self.read(|c| {
            c.query_map(
                "SELECT record, form, batch, state, reason FROM outbox ORDER BY id",
                params![],
                |r| {
                    Ok(OutboxRecord {
                        record: r.get(0)?,
                        form: r.get(1)?,
                        batch: r.get(2)?,
                        state: r.get(3)?,
                        reason: r.get(4)?,
                    })
                },
            )
        })
    }
}

fn batch_of(r: &Row<'_>) -> Result<Batch, StoreError> {
    Ok(Batch {
        seq: r.get(0)?,
        target: r.get(1)?,
        key: r.get(2)?,
        bytes: r.get(3)?,
        records: r.get(4)?,
        lines: r.get(5)?,
        written_at: r.get(6)?,
        tenant: super::access::tenant_column(r.get(7)?, 7)?,
    })
}
