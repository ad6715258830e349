//! The PWA's offline policy. The principal type is [`Precache`]: the app-shell files with
//! their content-hash revisions, from which the build renders `sw.js`.
//!
//! Browsers require a service worker's event listeners to be registered synchronously when
//! its script is evaluated, which an asynchronously instantiated wasm module cannot do. So
//! the worker itself is a small JS template (`src/sw.template.js`), and what it does is
//! decided here: [`route`] is the policy the template implements, the precache list and
//! the network-only prefixes are rendered into it as data, and the tests below pin both.
//!
//! ```
//! use service_worker::{route, Route};
//!
//! let shell = ["/index.html", "/app.js"];
//! assert_eq!(route("GET", "/app.js", false, &shell), Route::Precached);
//! assert_eq!(route("GET", "/counter", true, &shell), Route::Shell);
//! assert_eq!(route("GET", "/api/visits", false, &shell), Route::Network);
//! assert_eq!(route("POST", "/api/visits", false, &shell), Route::Network);
//! ```
#![forbid(unsafe_code)]

use std::path::Path;

use sha2::{Digest, Sha256};

/// Path prefixes the worker never answers and never caches: sync, API, health and metrics
/// traffic, which carry personal data or a token, or must be live.
pub const NETWORK_ONLY: [&str; 4] = ["/sync", "/api/", "/healthz", "/metrics"];

/// The page every navigation gets, offline included (but those of the manuals).
pub const SHELL: &str = "/index.html";

/// Where the manuals are served (`dist/manual/`, built by mdBook): their pages are kept in
/// a cache of their own, each file under its content-hash revision, and answered from it,
/// navigations included, so the 「？」 of each screen opens its section offline too. The
/// manuals hold no personal data (their screenshots are of synthetic data).
pub const MANUAL: &str = "/manual/";

/// The file types of the manuals that are kept offline: pages, styles, scripts, the search
/// index and pictures; not the web fonts (the system's Japanese fonts read as well), the
/// PDFs nor the books' one-page `print.html` (for printing, fetched when asked).
pub const MANUAL_KEPT: [&str; 6] = ["html", "css", "js", "json", "png", "svg"];

/// The files of the app shell, relative to the dist folder.
pub const SHELL_FILES: [&str; 7] = [
    "index.html",
    "boot.js",
    "app.js",
    "app_bg.wasm",
    "app.css",
    "manifest.webmanifest",
    "icons/icon.svg",
];

/// How the worker answers a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Route {
    /// From the precache (falling back to the network if the entry is missing).
    Precached,
    /// A navigation: the cached shell page.
    Shell,
    /// A file of the manuals: from their cache (falling back to the network).
    Manual,
    /// Not touched: the browser goes to the network, nothing is cached.
    Network,
}

/// The policy for a same-origin request.
pub fn route(method: &str, path: &str, is_navigation: bool, precached: &[&str]) -> Route {
    if method != "GET" || NETWORK_ONLY.iter().any(|p| path.starts_with(p)) {
        Route::Network
    } else if path.starts_with(MANUAL) {
        Route::Manual
    } else if is_navigation {
        Route::Shell
    } else if precached.contains(&path) {
        Route::Precached
    } else {
        Route::Network
    }
}

/// Why the precache could not be built.
#[derive(Debug, thiserror::Error)]
pub enum PrecacheError {
    /// A shell file is missing or unreadable.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The file.
        path: String,
        /// The cause.
        source: std::io::Error,
    },
    /// A file in the list would put sync or API traffic in the cache.
    #[error("{0} is network-only and must not be precached")]
    NetworkOnly(String),
}

/// One precached file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// Absolute URL path, e.g. `/app.js`.
    pub url: String,
    /// The first 16 hex digits of the file's SHA-256.
    pub revision: String,
}

/// The app shell with content-hash revisions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Precache {
    entries: Vec<Entry>,
    manual: Vec<Entry>,
}

impl Precache {
    /// Hashes `files` (relative paths) under `dist`.
    pub fn build(dist: &Path, files: &[&str]) -> Result<Self, PrecacheError> {
        let mut entries = Vec::with_capacity(files.len());
        for file in files {
            let url = format!("/{}", file.trim_start_matches('/'));
            if route("GET", &url, false, &[url.as_str()]) == Route::Network {
                return Err(PrecacheError::NetworkOnly(url));
            }
            let bytes = std::fs::read(dist.join(file)).map_err(|source| PrecacheError::Read {
                path: dist.join(file).display().to_string(),
                source,
            })?;
            let revision = hex::encode(Sha256::digest(&bytes))[..16].to_owned();
            entries.push(Entry { url, revision });
        }
        Ok(Self {
            entries,
            manual: Vec::new(),
        })
    }

    /// Adds the manuals' files under `dist/manual/` (of the types in [`MANUAL_KEPT`]), if
    /// the folder is there.
    pub fn with_manual(mut self, dist: &Path) -> Result<Self, PrecacheError> {
        let root = dist.join(MANUAL.trim_matches('/'));
        let mut found = Vec::new();
        walk(&root, &mut found)?;
        found.sort();
        for path in found {
            let kept = path
                .extension()
                .and_then(|e| e.to_str())
                .is_some_and(|e| MANUAL_KEPT.contains(&e))
                && path.file_name().and_then(|n| n.to_str()) != Some("print.html");
            if !kept {
                continue;
            }
            let bytes = std::fs::read(&path).map_err(|source| PrecacheError::Read {
                path: path.display().to_string(),
                source,
            })?;
            let relative = path.strip_prefix(dist).unwrap_or(&path);
            let url = format!(
                "/{}",
                relative
                    .components()
                    .map(|c| c.as_os_str().to_string_lossy())
                    .collect::<Vec<_>>()
                    .join("/")
            );
            let revision = hex::encode(Sha256::digest(&bytes))[..16].to_owned();
            self.manual.push(Entry { url, revision });
        }
        Ok(self)
    }

    /// The manuals' files kept offline.
    pub fn manual(&self) -> &[Entry] {
        &self.manual
    }

    /// The entries.
    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    /// A version that changes whenever any revision changes (names the cache).
    pub fn version(&self) -> String {
        let mut hasher = Sha256::new();
        for entry in &self.entries {
            hasher.update(entry.url.as_bytes());
            hasher.update(b"\0");
            hasher.update(entry.revision.as_bytes());
            hasher.update(b"\n");
        }
        hex::encode(hasher.finalize())[..16].to_owned()
    }

    /// The text of `sw.js`.
    pub fn render_worker(&self) -> String {
        let list = |entries: &[Entry]| {
            serde_json::Value::Array(
                entries
                    .iter()
                    .map(|e| serde_json::json!({ "url": e.url, "revision": e.revision }))
                    .collect(),
            )
            .to_string()
        };
        include_str!("sw.template.js")
            .replace("__VERSION__", &self.version())
            .replace("__PRECACHE__", &list(&self.entries))
            .replace("__MANUAL__", &list(&self.manual))
            .replace("__MANUAL_PREFIX__", MANUAL)
            .replace(
                "__NETWORK_ONLY__",
                &serde_json::json!(NETWORK_ONLY).to_string(),
            )
            .replace("__SHELL__", SHELL)
    }
}

/// Every file below `dir` (nothing when `dir` is missing).
fn walk(dir: &Path, found: &mut Vec<std::path::PathBuf>) -> Result<(), PrecacheError> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Ok(());
    };
    for entry in entries {
        let entry = entry.map_err(|source| PrecacheError::Read {
            path: dir.display().to_string(),
            source,
        })?;
        let path = entry.path();
        if path.is_dir() {
            walk(&path, found)?;
        } else {
            found.push(path);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dist() -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("icons")).unwrap();
        for file in SHELL_FILES {
            std::fs::write(dir.path().join(file), format!("contents of {file}")).unwrap();
        }
        dir
    }

    #[test]
    fn sync_api_and_health_are_never_cached_or_answered() {
        let shell: Vec<&str> = SHELL_FILES.to_vec();
        for path in [
            "/sync",
            "/api/visits",
            "/api/visits?reception=1",
            "/healthz",
            "/metrics",
        ] {
            assert_eq!(route("GET", path, false, &shell), Route::Network, "{path}");
            assert_eq!(route("GET", path, true, &shell), Route::Network, "{path}");
        }
        assert_eq!(
            route("POST", "/index.html", false, &["/index.html"]),
            Route::Network
        );
    }

    #[test]
    fn navigations_get_the_shell_and_assets_the_precache() {
        let shell = ["/index.html", "/app.js"];
        assert_eq!(route("GET", "/", true, &shell), Route::Shell);
        assert_eq!(route("GET", "/index.html", true, &shell), Route::Shell);
        assert_eq!(route("GET", "/app.js", false, &shell), Route::Precached);
        assert_eq!(route("GET", "/other.png", false, &shell), Route::Network);
    }

    #[test]
    fn the_manuals_are_kept_offline_without_fonts_or_pdfs() {
        let dir = dist();
        for (file, body) in [
            ("manual/counter/visit.html", "<h1>来庁者の画面</h1>"),
            ("manual/counter/shots/counter-visit.png", "png"),
            ("manual/counter/fonts/OpenSans.woff2", "font"),
            ("manual/counter.pdf", "%PDF"),
            ("manual/counter/print.html", "<h1>全体</h1>"),
        ] {
            let path = dir.path().join(file);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, body).unwrap();
        }
        let precache = Precache::build(dir.path(), &SHELL_FILES)
            .unwrap()
            .with_manual(dir.path())
            .unwrap();
        let urls: Vec<&str> = precache.manual().iter().map(|e| e.url.as_str()).collect();
        assert_eq!(
            urls,
            [
                "/manual/counter/shots/counter-visit.png",
                "/manual/counter/visit.html"
            ]
        );
        let js = precache.render_worker();
        assert!(js.contains("/manual/counter/visit.html"));
        assert!(!js.contains("__"), "every placeholder is filled");
        // Its pages are answered from the manual's cache, navigations too.
        let shell: Vec<&str> = SHELL_FILES.to_vec();
        assert_eq!(
            route("GET", "/manual/counter/visit.html", true, &shell),
            Route::Manual
        );
        assert_eq!(
            route(
                "GET",
                "/manual/counter/shots/counter-visit.png",
                false,
                &shell
            ),
            Route::Manual
        );
        // Without a manual folder: nothing, and no error.
        let bare = dist();
        let precache = Precache::build(bare.path(), &SHELL_FILES)
            .unwrap()
            .with_manual(bare.path())
            .unwrap();
        assert!(precache.manual().is_empty());
    }

    #[test]
    fn revisions_follow_contents() {
        let dir = dist();
        let before = Precache::build(dir.path(), &SHELL_FILES).unwrap();
        assert_eq!(before.entries().len(), SHELL_FILES.len());
        std::fs::write(dir.path().join("app_bg.wasm"), "new build").unwrap();
        let after = Precache::build(dir.path(), &SHELL_FILES).unwrap();
        assert_ne!(before.version(), after.version());
        let changed: Vec<&str> = before
            .entries()
            .iter()
            .zip(after.entries())
            .filter(|(a, b)| a.revision != b.revision)
            .map(|(a, _)| a.url.as_str())
            .collect();
        assert_eq!(changed, ["/app_bg.wasm"]);
    }

    #[test]
    fn the_worker_carries_the_policy_as_data() {
        let dir = dist();
        let precache = Precache::build(dir.path(), &SHELL_FILES).unwrap();
        let js = precache.render_worker();
        assert!(!js.contains("__"), "every placeholder is filled");
        for entry in precache.entries() {
            assert!(js.contains(&format!(r#""url":"{}""#, entry.url)));
            assert!(js.contains(&entry.revision));
        }
        assert!(js.contains(r#"["/sync","/api/","/healthz","/metrics"]"#));
        assert!(js.contains(&precache.version()));
    }

    #[test]
    fn missing_files_and_network_paths_are_refused() {
        let dir = dist();
        assert!(matches!(
            Precache::build(dir.path(), &["nope.js"]),
            Err(PrecacheError::Read { .. })
        ));
        std::fs::create_dir_all(dir.path().join("api")).unwrap();
        std::fs::write(dir.path().join("api/visits"), "x").unwrap();
        assert!(matches!(
            Precache::build(dir.path(), &["api/visits"]),
            Err(PrecacheError::NetworkOnly(_))
        ));
    }
}
