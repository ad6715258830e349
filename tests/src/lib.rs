//! Harness for Madoguchi's end-to-end and interop suites. The principal type is
//! [`ServerProcess`]: the real `sync-server` binary started on 127.0.0.1 with a fresh data
//! folder, stopped (or killed) by the test. Next to it, [`NativePeer`] is our Rust client
//! code (`shared_model::protocol::SyncClient`) over a real WebSocket, and [`node`] runs the
//! JS peers under `tests/js` (the npm automerge-repo client, Playwright), and [`S3Server`]
//! is a real S3-compatible server (s3s-fs) for the exchange with the core system, with the
//! [`exchange`] helpers of the suites that use it. [`rng`] and [`tcp_proxy`] serve the fault
//! suite: seeded random moments, and a loopback proxy that cuts, delays and stalls
//! connections. [`sync_load`] is the load generator of the side-by-side benchmark against
//! the JS reference server ([`JsSyncServer`]).
#![forbid(unsafe_code)]

pub mod exchange;
mod js_sync_server;
mod native_peer;
pub mod node;
pub mod postgres;
pub mod rng;
pub mod s3_server;
mod server_process;
pub mod sync_load;
pub mod tcp_proxy;

pub use js_sync_server::JsSyncServer;
pub use native_peer::NativePeer;
pub use s3_server::S3Server;
pub use server_process::{
    ServerProcess, add_admin, add_kiosk, add_kiosk_with, add_staff, add_staff_with, database_args,
    header, revoke_kiosk, server_binary, set_cookie, share_database, simulator_binary,
};

/// The workspace root.
pub fn workspace_root() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ sits in the workspace")
        .to_path_buf()
}
