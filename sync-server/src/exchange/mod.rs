//! The exchange with the core system (e-SUITE V2) through object storage: 住基 files come in
//! ([`import`]), confirmed notifications go out (later). The layouts are configuration
//! ([`layout`]), because the vendor has still to agree them; the bucket is a trait
//! ([`bucket::Bucket`]) with a local-folder backend for the embedded default.
//!
//! Data flows one way: bucket → importer → resident register.

pub mod bucket;
pub mod import;
pub mod layout;
pub mod poller;
pub mod s3;
