//! The built PWA, served from a folder: `application/wasm` for the module, and `no-cache`
//! everywhere so the browser revalidates and the service worker's content hashes decide what
//! is new.
//!
//! Where the build left a precompressed sibling (`app_bg.wasm.br`, `app_bg.wasm.gz`, see
//! `xtask/src/pwa.rs`), the file is sent in the encoding the browser prefers among those it
//! accepts (brotli over gzip at equal weight), with `Content-Encoding` and
//! `Vary: Accept-Encoding`; without a sibling, or when the browser accepts neither, the file
//! itself is sent.

use std::path::Path;

use axum::Router;
use axum::http::{HeaderValue, header};
use tower_http::services::ServeDir;
use tower_http::set_header::SetResponseHeaderLayer;

/// A router serving `dir` (with `index.html` for `/`).
pub fn router<S: Clone + Send + Sync + 'static>(dir: &Path) -> Router<S> {
    Router::new()
        .fallback_service(
            ServeDir::new(dir)
                .append_index_html_on_directories(true)
                .precompressed_br()
                .precompressed_gzip(),
        )
        .layer(SetResponseHeaderLayer::overriding(
            header::CACHE_CONTROL,
            HeaderValue::from_static("no-cache"),
        ))
}
