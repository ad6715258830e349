//! [`ImportPoller`]: imports new 住基 files every interval (60 s by default; the city's promise
//! is at most 5 minutes, so longer intervals are refused) and keeps the state the admin
//! face shows: last file, rows, errors, and the lag against the promise.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use super::bucket::Bucket;
use super::import::{ImportError, import_pending};
use super::layout::ResidentLayout;
use crate::store::Store;
use shared_model::tenant::LocalGovernmentCode;

/// The promise: 住基 data at most this old.
pub const PROMISE_SECS: u64 = 300;

/// Why the poller cannot be set up.
#[derive(Debug, thiserror::Error)]
pub enum PollerConfigError {
    /// The interval would break the 5-minute promise.
    #[error("import interval {0} s is longer than the {PROMISE_SECS} s promise")]
    TooSlow(u64),
    /// Zero would spin.
    #[error("import interval must be at least 1 s")]
    Zero,
}

pub use shared_model::import_state::ImportState;

/// Polls the bucket and imports into one city's register.
#[derive(Debug, Clone)]
pub struct ImportPoller {
    tenant: LocalGovernmentCode,
    interval: Duration,
    prefix: String,
    layout: ResidentLayout,
    state: Arc<Mutex<ImportState>>,
}

impl ImportPoller {
    /// A poller for `tenant`'s register every `interval_secs` over `prefix`.
    pub fn new(
        tenant: LocalGovernmentCode,
        interval_secs: u64,
        prefix: &str,
        layout: ResidentLayout,
    ) -> Result<Self, PollerConfigError> {
        if interval_secs == 0 {
            return Err(PollerConfigError::Zero);
        }
        if interval_secs > PROMISE_SECS {
            return Err(PollerConfigError::TooSlow(interval_secs));
        }
        Ok(Self {
            tenant,
            interval: Duration::from_secs(interval_secs),
            prefix: prefix.to_owned(),
            layout,
            state: Arc::new(Mutex::new(ImportState {
                interval_secs,
                ..ImportState::default()
            })),
        })
    }

    /// The state now (with the lag computed at `now_ms`).
    pub fn state(&self, now_ms: i64) -> ImportState {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner()).clone();
        state.lag_secs = state
            .last_poll_at
            .map(|at| ((now_ms - at).max(0) / 1000) as u64);
        state.behind_promise = state.lag_secs.is_none_or(|lag| lag > PROMISE_SECS);
        state
    }

    /// One poll: imports what is new and updates the state.
    pub async fn poll_once<B: Bucket>(&self, bucket: &B, store: &Arc<Store>, now_ms: i64) {
        let outcome = import_pending(
            bucket,
            store,
            self.tenant,
            &self.layout,
            &self.prefix,
            now_ms,
        )
        .await;
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        match outcome {
            Ok(results) => {
                state.last_poll_at = Some(now_ms);
                for result in results {
                    match result {
                        Ok(report) => {
                            state.last_file = Some(report.key);
                            state.last_rows = Some(report.rows);
                            state.last_quarantined = Some(report.quarantined);
                            state.files_imported += 1;
                        }
                        Err(error) => push_error(&mut state, &error),
                    }
                }
            }
            Err(error) => push_error(&mut state, &error),
        }
    }

    /// Polls until `shutdown` flips.
    pub async fn run<B: Bucket>(
        self,
        bucket: B,
        store: Arc<Store>,
        mut shutdown: tokio::sync::watch::Receiver<bool>,
    ) {
        let mut ticker = tokio::time::interval(self.interval);
        loop {
            tokio::select! {
                _ = ticker.tick() => self.poll_once(&bucket, &store, crate::clock::now_ms()).await,
                _ = shutdown.changed() => break,
            }
        }
    }
}

fn push_error(state: &mut ImportState, error: &ImportError) {
    state.errors.push(error.to_string());
    let excess = state.errors.len().saturating_sub(20);
    state.errors.drain(..excess);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exchange::bucket::FolderBucket;
    use shared_model::tenant::TAKASAKI;

    #[test]
    fn intervals_beyond_the_promise_are_refused() {
        assert!(matches!(
            ImportPoller::new(TAKASAKI, 301, "in/", ResidentLayout::default()),
            Err(PollerConfigError::TooSlow(301))
        ));
        assert!(matches!(
            ImportPoller::new(TAKASAKI, 0, "in/", ResidentLayout::default()),
            Err(PollerConfigError::Zero)
        ));
        assert!(ImportPoller::new(TAKASAKI, 300, "in/", ResidentLayout::default()).is_ok());
    }

    #[tokio::test]
    async fn the_state_tells_the_last_file_errors_and_lag() {
        let dir = tempfile::tempdir().unwrap();
        let bucket = FolderBucket::new(dir.path());
        let store = Arc::new(Store::scratch().unwrap());
        let poller = ImportPoller::new(TAKASAKI, 60, "in/", ResidentLayout::default()).unwrap();
        assert!(poller.state(0).behind_promise, "never polled");
        bucket
            .put("in/delta/bad.csv", "宛名番号\n1\n".as_bytes().to_vec())
            .await
            .unwrap();
        poller.poll_once(&bucket, &store, 1_000).await;
        let state = poller.state(61_000);
        assert_eq!(state.lag_secs, Some(60));
        assert!(!state.behind_promise);
        assert_eq!(state.errors.len(), 1);
        assert!(state.errors[0].contains("bad.csv"));
        assert!(poller.state(400_000).behind_promise);
    }
}
