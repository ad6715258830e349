//! The exchange with the core system (e-SUITE V2) through object storage: 住基 files come in
//! ([`import`]), confirmed notifications go out (later). The layouts are configuration
//! ([`layout`]), because the vendor has still to agree them; the bucket is a trait
//! ([`bucket::Bucket`]) with a local-folder backend for the embedded default.
//!
//! Data flows one way: bucket → importer → resident register.

pub mod bucket;
pub mod export_map;
pub mod exporter;
pub mod import;
pub mod layout;
pub mod outbox;
pub mod poller;
pub mod results;
pub mod s3;
pub mod sender;

/// Stops the process on the spot when `MADOGUCHI_CRASH_AT` names this point: how the crash
/// tests kill the server exactly between two steps of the exchange (for example after a
/// batch is in the bucket and before it is recorded). Unset in production, where it costs
/// one read of a cached value.
pub(crate) fn crash_point(name: &str) {
    static AT: std::sync::OnceLock<Option<String>> = std::sync::OnceLock::new();
    let at = AT.get_or_init(|| std::env::var("MADOGUCHI_CRASH_AT").ok());
    if at.as_deref() == Some(name) {
        eprintln!("crash point {name} reached: aborting as MADOGUCHI_CRASH_AT asks");
        std::process::abort();
    }
}

/// Runs a query on the store off the async threads.
pub(crate) async fn on_store<T: Send + 'static>(
    store: &std::sync::Arc<crate::store::Store>,
    f: impl FnOnce(&crate::store::Store) -> Result<T, crate::store::StoreError> + Send + 'static,
) -> Result<T, crate::store::StoreError> {
    let store = store.clone();
    tokio::task::spawn_blocking(move || f(&store))
        .await
        .unwrap_or_else(|e| Err(crate::store::StoreError::Task(e.to_string())))
}

/// A reader over a CSV file from the core system: UTF-8 (a BOM is allowed), a header row,
/// rows of any length (the caller checks them). `Err` holds the offset of the first byte
/// that is not UTF-8.
pub(crate) fn csv_reader(bytes: &[u8]) -> Result<csv::Reader<&[u8]>, usize> {
    let text = std::str::from_utf8(bytes).map_err(|e| e.valid_up_to())?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    Ok(csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .from_reader(text.as_bytes()))
}
