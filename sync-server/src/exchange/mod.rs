//! The exchange with the core system (e-SUITE V2) through object storage: 住基 files come in
//! ([`import`]), confirmed notifications go out (later). The layouts are configuration
//! ([`layout`]), because the vendor has still to agree them; the bucket is a trait
//! ([`bucket::Bucket`]) with a local-folder backend for the embedded default.
//!
//! Data flows one way: bucket → importer → resident register.

pub mod bucket;
pub(crate) mod city_files;
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

/// The text of a file from the core system in `encoding`: UTF-8 (a BOM is allowed) or
/// Shift_JIS (Windows-31J, by `encoding_rs`). `Err` holds the offset of the first byte that
/// is not of that encoding.
pub(crate) fn decode(
    bytes: &[u8],
    encoding: layout::Encoding,
) -> Result<std::borrow::Cow<'_, str>, usize> {
    match encoding {
        layout::Encoding::Utf8 => {
            let text = std::str::from_utf8(bytes).map_err(|e| e.valid_up_to())?;
            Ok(std::borrow::Cow::Borrowed(
                text.strip_prefix('\u{feff}').unwrap_or(text),
            ))
        }
        layout::Encoding::ShiftJis => {
            let mut decoder = encoding_rs::SHIFT_JIS.new_decoder_without_bom_handling();
            let capacity = decoder
                .max_utf8_buffer_length_without_replacement(bytes.len())
                .unwrap_or(bytes.len() * 3);
            let mut text = String::with_capacity(capacity);
            let (result, read) =
                decoder.decode_to_string_without_replacement(bytes, &mut text, true);
            match result {
                encoding_rs::DecoderResult::InputEmpty => Ok(std::borrow::Cow::Owned(text)),
                encoding_rs::DecoderResult::Malformed(bad, after) => {
                    Err(read.saturating_sub(after as usize + bad as usize))
                }
                encoding_rs::DecoderResult::OutputFull => Err(read),
            }
        }
    }
}

/// A reader over a CSV text from the core system: a header row, rows of any length (the
/// caller checks them), quoted fields that may hold line breaks.
pub(crate) fn csv_reader(text: &str) -> csv::Reader<&[u8]> {
    csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .from_reader(text.as_bytes())
}
