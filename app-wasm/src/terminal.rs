//! This browser's terminal id: made once, kept in localStorage (it is not personal data),
//! and sent with every request (the `x-madoguchi-terminal` header, or `?terminal=` on the
//! sync socket) so the audit log can say at which counter something was done. The heartbeat
//! reports under the same id.

/// The localStorage key of the id.
const KEY: &str = "madoguchi.terminal";

/// The header the server reads the terminal from.
pub const HEADER: &str = "x-madoguchi-terminal";

/// This browser's terminal id (`t-` and 12 hex digits), made on first use.
pub fn terminal_id() -> String {
    let storage = web_sys::window().and_then(|w| w.local_storage().ok().flatten());
    if let Some(id) = storage
        .as_ref()
        .and_then(|s| s.get_item(KEY).ok().flatten())
    {
        return id;
    }
    let mut bytes = [0u8; 6];
    let _ = getrandom::fill(&mut bytes);
    let id = format!("t-{}", hex::encode(bytes));
    if let Some(storage) = storage {
        let _ = storage.set_item(KEY, &id);
    }
    id
}
