//! [`Exporter`]: the outbound half of the exchange as one loop. Each cycle writes waiting
//! batches ([`BatchSender`]), reads the core system's result files ([`read_results`]) and
//! writes every state a visit does not show yet into the visit document (送信済み,
//! 基幹取込済み, 差戻し), from where it syncs to the counters. A failing cycle is retried with
//! backoff (1 s doubling to 60 s); the state is kept for the admin face.
//!
//! Data flows one way: reconciler → outbox → sender → bucket → results → visit document.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::Notify;

use super::bucket::Bucket;
use super::export_map::ExportMap;
use super::on_store;
use super::results::{ResultError, read_results};
use super::sender::BatchSender;
use crate::hub::Hub;
use crate::store::Store;
use shared_model::tenant::LocalGovernmentCode;

pub use shared_model::export_queue::ExportState;

/// Sends one city's batches, reads its results and shows their states, in a loop.
#[derive(Debug, Clone)]
pub struct Exporter {
    tenant: LocalGovernmentCode,
    map: Arc<ExportMap>,
    sender: BatchSender,
    results_prefix: String,
    interval: Duration,
    state: Arc<Mutex<ExportState>>,
    /// Wakes the loop at once, past any backoff (the admin's 今すぐ再送).
    retry: Arc<Notify>,
}

impl Exporter {
    /// An exporter of `tenant`'s records writing under `outbound_prefix` and reading
    /// results under `results_prefix`, every `interval` (and whenever records enter the
    /// outbox).
    pub fn new(
        tenant: LocalGovernmentCode,
        map: ExportMap,
        outbound_prefix: &str,
        results_prefix: &str,
        max_records: usize,
        interval: Duration,
    ) -> Self {
        Self {
            tenant,
            map: Arc::new(map),
            sender: BatchSender::new(tenant, outbound_prefix, max_records),
            results_prefix: results_prefix.to_owned(),
            interval,
            state: Arc::default(),
            retry: Arc::new(Notify::new()),
        }
    }

    /// Runs the next cycle now instead of after the backoff: what waits is written and the
    /// results are read at once.
    pub fn retry_now(&self) {
        self.retry.notify_one();
    }

    /// The state now, with the queue counted from the store.
    pub async fn state(&self, store: &Arc<Store>) -> ExportState {
        let mut state = lock(&self.state).clone();
        let tenant = self.tenant;
        state.counts = on_store(store, move |s| s.export_counts(tenant))
            .await
            .unwrap_or_default();
        state.rejected = on_store(store, move |s| s.rejected_records(tenant, 20))
            .await
            .unwrap_or_default();
        state
    }

    /// One cycle: write what waits, read what came back, show it in the visits.
    pub async fn cycle<B: Bucket>(
        &self,
        bucket: &B,
        store: &Arc<Store>,
        hub: &Hub,
        now_ms: i64,
    ) -> Result<(), String> {
        let sent = self
            .sender
            .send_pending(bucket, store, &self.map, now_ms)
            .await;
        let sent = match sent {
            Ok(sent) => sent,
            Err(e) => {
                // What was written before the failure still shows as 送信済み.
                let _ = show_states(hub, store, self.tenant).await;
                return Err(e.to_string());
            }
        };
        let results = read_results(
            bucket,
            store,
            self.tenant,
            self.map.results(),
            &self.results_prefix,
            now_ms,
        )
        .await
        .map_err(|e| e.to_string())?;
        let shown = show_states(hub, store, self.tenant)
            .await
            .map_err(|e| e.to_string())?;
        let mut state = lock(&self.state);
        state.batches_written += sent.batches.len();
        if let Some(last) = sent.batches.last() {
            state.last_batch = Some(last.clone());
        }
        for result in results {
            match result {
                Ok(_) => state.results_read += 1,
                Err(e @ (ResultError::Bucket(_) | ResultError::Store(_))) => {
                    return Err(e.to_string());
                }
                Err(e) => push_error(&mut state, e.to_string()),
            }
        }
        state.last_cycle_at = Some(now_ms);
        if shown > 0 {
            tracing::debug!(shown, "exchange states written into visits");
        }
        Ok(())
    }

    /// Cycles until `shutdown` flips.
    pub async fn run<B: Bucket>(
        self,
        bucket: B,
        store: Arc<Store>,
        hub: Arc<Hub>,
        wake: Arc<Notify>,
        mut shutdown: tokio::sync::watch::Receiver<bool>,
    ) {
        let mut delay = Duration::ZERO;
        loop {
            tokio::select! {
                _ = tokio::time::sleep(delay) => {}
                _ = wake.notified(), if delay == self.interval => {}
                _ = self.retry.notified() => {}
                _ = shutdown.changed() => break,
            }
            match self
                .cycle(&bucket, &store, &hub, crate::clock::now_ms())
                .await
            {
                Ok(()) => {
                    lock(&self.state).failures = 0;
                    delay = self.interval;
                }
                Err(error) => {
                    let mut state = lock(&self.state);
                    state.failures += 1;
                    delay = Duration::from_secs(1 << state.failures.min(6))
                        .min(Duration::from_secs(60));
                    tracing::warn!(error = %error, retry_in_secs = delay.as_secs(), "export cycle failed");
                    push_error(&mut state, error);
                }
            }
        }
    }
}

/// Writes into `tenant`'s visits every state they do not show yet. Returns how many changed.
pub async fn show_states(
    hub: &Hub,
    store: &Arc<Store>,
    tenant: LocalGovernmentCode,
) -> Result<usize, crate::hub::HubError> {
    let mut changed = 0;
    loop {
        let updates = on_store(store, move |s| s.unshown_states(tenant, 500)).await?;
        if updates.is_empty() {
            return Ok(changed);
        }
        for update in updates {
            if hub.record_exchange(tenant, &update).await? {
                changed += 1;
            }
            let (record, state) = (update.record.clone(), update.state.clone());
            on_store(store, move |s| s.mark_shown(&record, &state)).await?;
        }
    }
}

fn push_error(state: &mut ExportState, error: String) {
    state.errors.push(error);
    let excess = state.errors.len().saturating_sub(20);
    state.errors.drain(..excess);
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}
