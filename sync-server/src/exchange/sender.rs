//! [`BatchSender`]: turns outbox records into batch files in the bucket, exactly once.
//!
//! A batch is numbered, rendered and tied to its records in one database transaction before
//! any byte goes out; then the file is written under a key made from the target, the day and
//! the number, and a completion marker after it (the core system reads a batch only once its
//! marker is there); only then is the batch recorded as written. A crash anywhere in between
//! leaves a numbered, unwritten batch, which the next run writes again under the same key
//! with the same bytes, or, when the marker is already there with the batch's checksum,
//! just records. No record is in two batches, and none is left out.

use sha2::{Digest, Sha256};
use shared_model::calendar::tokyo_day;

use super::bucket::{Bucket, BucketError};
use super::export_map::{ExportMap, write_batch};
use super::on_store;
use crate::store::{Batch, Store, StoreError};
use shared_model::tenant::LocalGovernmentCode;

/// Why sending stopped (it is retried).
#[derive(Debug, thiserror::Error)]
pub enum SendError {
    /// The bucket failed.
    #[error(transparent)]
    Bucket(#[from] BucketError),
    /// The database failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A marker under the batch's key belongs to other bytes: the key was used by another
    /// database (restored from a backup, or a second server on one bucket). Nothing is
    /// overwritten; an administrator must look.
    #[error("{key}: the bucket already holds a different batch under this key")]
    KeyTaken {
        /// The marker's key.
        key: String,
    },
}

/// Writes one city's batches of outbox records into the bucket.
#[derive(Debug, Clone)]
pub struct BatchSender {
    tenant: LocalGovernmentCode,
    prefix: String,
    max_records: usize,
}

/// What one run wrote.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Sent {
    /// Object keys of the batches written, in order.
    pub batches: Vec<String>,
    /// Records in them.
    pub records: usize,
}

impl BatchSender {
    /// `tenant`'s batches under `prefix` with at most `max_records` records each.
    pub fn new(tenant: LocalGovernmentCode, prefix: &str, max_records: usize) -> Self {
        Self {
            tenant,
            prefix: prefix.to_owned(),
            max_records: max_records.max(1),
        }
    }

    /// The object key of batch `seq` of `target`, numbered at `created_at`.
    pub fn key_of(&self, target: &str, seq: i64, created_at: i64) -> String {
        let day = tokyo_day(created_at).to_string().replace('-', "");
        format!("{}{target}/{day}/{target}_{day}_{seq:06}.csv", self.prefix)
    }

    /// Writes what was numbered but not written, then numbers and writes what waits.
    pub async fn send_pending<B: Bucket>(
        &self,
        bucket: &B,
        store: &std::sync::Arc<Store>,
        map: &ExportMap,
        now_ms: i64,
    ) -> Result<Sent, SendError> {
        let mut sent = Sent::default();
        let tenant = self.tenant;
        let unwritten = on_store(store, move |s| s.unwritten_batches(tenant)).await?;
        for batch in unwritten {
            self.write(bucket, store, &batch, now_ms).await?;
            sent.records += batch.records;
            sent.batches.push(batch.key);
        }
        for target in map.targets() {
            loop {
                let id = target.id.clone();
                let sender = self.clone();
                let batch = on_store(store, move |s| {
                    s.assign_batch(
                        tenant,
                        &id,
                        sender.max_records,
                        now_ms,
                        |seq, at| sender.key_of(&id, seq, at),
                        write_batch,
                    )
                })
                .await?;
                let Some(batch) = batch else { break };
                self.write(bucket, store, &batch, now_ms).await?;
                sent.records += batch.records;
                sent.batches.push(batch.key);
            }
        }
        Ok(sent)
    }

    async fn write<B: Bucket>(
        &self,
        bucket: &B,
        store: &std::sync::Arc<Store>,
        batch: &Batch,
        now_ms: i64,
    ) -> Result<(), SendError> {
        let marker_key = format!("{}.done", batch.key);
        let marker = marker_text(batch);
        let outcome = async {
            match bucket.get(&marker_key).await {
                // Written before a crash: the same bytes are there, only the record is missing.
                Ok(existing) if existing == marker.as_bytes() => Ok(()),
                Ok(_) => Err(SendError::KeyTaken {
                    key: marker_key.clone(),
                }),
                Err(BucketError::NotFound(_)) => {
                    bucket.put(&batch.key, batch.bytes.clone()).await?;
                    bucket.put(&marker_key, marker.clone().into_bytes()).await?;
                    Ok(())
                }
                Err(e) => Err(e.into()),
            }
        }
        .await;
        if let Err(e) = outcome {
            let message = e.to_string();
            let seq = batch.seq;
            let attempts = on_store(store, move |s| s.batch_failed(seq, &message)).await?;
            tracing::warn!(batch = %batch.key, attempts, error = %e, "batch not written; will retry");
            return Err(e);
        }
        super::crash_point("export-written");
        let (seq, batch_tenant, detail) = (
            batch.seq,
            batch.tenant,
            format!("{} ({}件)", batch.key, batch.records),
        );
        on_store(store, move |s| {
            s.mark_batch_written(seq, now_ms)?;
            s.audit_system(batch_tenant, now_ms, "export_batch", &detail)
        })
        .await?;
        tracing::info!(
            batch = %batch.key,
            records = batch.records,
            lines = batch.lines,
            "batch written"
        );
        Ok(())
    }
}

/// The completion marker: what the batch holds and its checksum.
pub fn marker_text(batch: &Batch) -> String {
    format!(
        "records={}\nlines={}\nsha256={}\n",
        batch.records,
        batch.lines,
        hex::encode(Sha256::digest(&batch.bytes))
    )
}
