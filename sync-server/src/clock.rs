//! The wall clock, read in one place: milliseconds since the Unix epoch, as every record,
//! session, audit entry and exchange of the server counts time.

/// Milliseconds since the Unix epoch (0 if the clock stands before 1970).
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or_default()
}
