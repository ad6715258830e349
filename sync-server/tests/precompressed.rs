//! The PWA's files as the browser gets them: the build leaves `<file>.br` and `<file>.gz`
//! beside each compressible file, and the server sends the one `Accept-Encoding` prefers
//! (brotli, then gzip, else the file itself), with `Content-Encoding` and
//! `Vary: Accept-Encoding`, the caching headers every static answer has, and working `HEAD`
//! and `Range` requests. Every answer decodes to the exact bytes of the file.

use std::io::{Read, Write};
use std::path::Path;

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Method, Request, StatusCode, header};
use tower::ServiceExt;

/// A body that compresses well but not trivially, the size of a small wasm module.
fn module_bytes() -> Vec<u8> {
    let mut bytes = b"\0asm\x01\0\0\0".to_vec();
    let mut state = 0x2545_f491_u32;
    while bytes.len() < 300_000 {
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
        // Few distinct words, in a random order: like code, compressible about 3:1.
        let word = ["local.get ", "i32.add ", "call $f", "end\n", "br_if 0 "][state as usize % 5];
        bytes.extend_from_slice(word.as_bytes());
        bytes.push((state >> 8) as u8);
    }
    bytes
}

fn brotli(raw: &[u8]) -> Vec<u8> {
    let mut packed = Vec::new();
    let params = brotli::enc::BrotliEncoderParams {
        quality: 5,
        ..Default::default()
    };
    brotli::BrotliCompress(&mut &raw[..], &mut packed, &params).unwrap();
    packed
}

fn gzip(raw: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(raw).unwrap();
    encoder.finish().unwrap()
}

fn unbrotli(packed: &[u8]) -> Vec<u8> {
    let mut raw = Vec::new();
    brotli::Decompressor::new(packed, 4096)
        .read_to_end(&mut raw)
        .unwrap();
    raw
}

fn ungzip(packed: &[u8]) -> Vec<u8> {
    let mut raw = Vec::new();
    flate2::read::GzDecoder::new(packed)
        .read_to_end(&mut raw)
        .unwrap();
    raw
}

/// The files of a built PWA: the wasm, the script and the page with both siblings, the icon
/// with none (as a file the build did not compress).
fn dist(dir: &Path) -> Vec<(&'static str, Vec<u8>)> {
    let files = vec![
        ("app_bg.wasm", module_bytes()),
        (
            "app.js",
            "export default async function init() { /* the glue */ }\n"
                .repeat(200)
                .into_bytes(),
        ),
        (
            "index.html",
            "<!doctype html><html lang=ja><title>窓口</title><script type=module src=app.js></script>"
                .repeat(20)
                .into_bytes(),
        ),
        (
            "icon.svg",
            b"<svg xmlns='http://www.w3.org/2000/svg'/>".to_vec(),
        ),
    ];
    for (name, raw) in &files {
        std::fs::write(dir.join(name), raw).unwrap();
        if *name != "icon.svg" {
            std::fs::write(dir.join(format!("{name}.br")), brotli(raw)).unwrap();
            std::fs::write(dir.join(format!("{name}.gz")), gzip(raw)).unwrap();
        }
    }
    files
}

/// The server's whole router (API routes and the PWA fallback) over `dist`.
async fn app(data: &Path, dist: &Path) -> Router {
    let server = sync_server::Server::bind(sync_server::Config {
        listen: "127.0.0.1:0".parse().unwrap(),
        data_dir: data.to_path_buf(),
        database: None,
        database_connections: 16,
        static_dir: Some(dist.to_path_buf()),
        limits: sync_server::Limits::default(),
        exchange: None,
        tls: None,
        session_length: std::time::Duration::from_secs(3600),
        transfer_certificate_layout: None,
        tenant: shared_model::tenant::TAKASAKI,
        cities: Default::default(),
        metrics_token: None,
    })
    .await
    .unwrap();
    sync_server::router(server.state().clone(), Some(dist))
}

async fn get(
    app: &Router,
    method: Method,
    path: &str,
    headers: &[(header::HeaderName, &str)],
) -> (StatusCode, HeaderMap, Vec<u8>) {
    let mut request = Request::builder().method(method).uri(path);
    for (name, value) in headers {
        request = request.header(name, *value);
    }
    let response = app
        .clone()
        .oneshot(request.body(Body::empty()).unwrap())
        .await
        .unwrap();
    let (parts, body) = response.into_parts();
    let body = axum::body::to_bytes(body, usize::MAX).await.unwrap();
    (parts.status, parts.headers, body.to_vec())
}

fn value(headers: &HeaderMap, name: header::HeaderName) -> Option<&str> {
    headers.get(name).map(|v| v.to_str().unwrap())
}

/// What every static answer carries, compressed or not.
fn assert_static_headers(headers: &HeaderMap, mime: &str, what: &str) {
    assert_eq!(value(headers, header::CONTENT_TYPE), Some(mime), "{what}");
    assert_eq!(
        value(headers, header::CACHE_CONTROL),
        Some("no-cache"),
        "{what}"
    );
    assert_eq!(
        value(headers, header::X_CONTENT_TYPE_OPTIONS),
        Some("nosniff"),
        "{what}"
    );
    assert_eq!(
        value(headers, header::VARY).map(str::to_ascii_lowercase),
        Some("accept-encoding".to_owned()),
        "{what}"
    );
}

#[tokio::test]
async fn each_file_is_sent_in_the_encoding_the_browser_prefers_and_decodes_to_itself() {
    let (data, dir) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let files = dist(dir.path());
    let app = app(data.path(), dir.path()).await;
    // (Accept-Encoding, the encoding expected)
    let cases: [(Option<&str>, Option<&str>); 7] = [
        (Some("gzip, deflate, br, zstd"), Some("br")),
        (Some("br"), Some("br")),
        (Some("gzip"), Some("gzip")),
        (Some("br;q=0.5, gzip"), Some("gzip")),
        (Some("identity"), None),
        (Some("br;q=0, gzip;q=0"), None),
        (None, None),
    ];
    for (name, raw) in &files {
        let mime = match *name {
            "app_bg.wasm" => "application/wasm",
            "app.js" => "text/javascript",
            "index.html" => "text/html",
            _ => "image/svg+xml",
        };
        for (accept, expected) in cases {
            let what = format!("{name} with Accept-Encoding {accept:?}");
            let headers: Vec<_> = accept
                .map(|a| (header::ACCEPT_ENCODING, a))
                .into_iter()
                .collect();
            let (status, headers, body) =
                get(&app, Method::GET, &format!("/{name}"), &headers).await;
            assert_eq!(status, StatusCode::OK, "{what}");
            assert_static_headers(&headers, mime, &what);
            // The icon has no sibling: always the file itself.
            let expected = if *name == "icon.svg" { None } else { expected };
            assert_eq!(
                value(&headers, header::CONTENT_ENCODING),
                expected,
                "{what}"
            );
            let decoded = match expected {
                Some("br") => unbrotli(&body),
                Some("gzip") => ungzip(&body),
                _ => body.clone(),
            };
            assert_eq!(&decoded, raw, "{what}: the decoded body is the file");
            if expected.is_some() {
                assert!(body.len() < raw.len() / 2, "{what}: sent compressed");
            }
            assert_eq!(
                value(&headers, header::CONTENT_LENGTH),
                Some(body.len().to_string().as_str()),
                "{what}"
            );
        }
    }
}

#[tokio::test]
async fn the_start_page_is_sent_compressed_and_api_answers_are_untouched() {
    let (data, dir) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let files = dist(dir.path());
    let app = app(data.path(), dir.path()).await;
    let accept = [(header::ACCEPT_ENCODING, "gzip, deflate, br")];
    let (status, headers, body) = get(&app, Method::GET, "/", &accept).await;
    assert_eq!(status, StatusCode::OK);
    assert_static_headers(&headers, "text/html", "/");
    assert_eq!(value(&headers, header::CONTENT_ENCODING), Some("br"));
    assert_eq!(unbrotli(&body), files[2].1);

    let (status, headers, body) = get(&app, Method::GET, "/healthz", &accept).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(value(&headers, header::CONTENT_ENCODING), None);
    assert!(!body.is_empty());

    let (status, _, _) = get(&app, Method::GET, "/not-built.js", &accept).await;
    assert_eq!(
        status,
        StatusCode::NOT_FOUND,
        "no sibling is sent for a missing file"
    );
}

#[tokio::test]
async fn head_and_range_requests_answer_for_the_encoding_sent() {
    let (data, dir) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let files = dist(dir.path());
    let raw = &files[0].1;
    let br = std::fs::read(dir.path().join("app_bg.wasm.br")).unwrap();
    let app = app(data.path(), dir.path()).await;

    // HEAD: the headers of the GET, the length of what a GET would send, no body.
    for (accept, encoding, length) in [("br", Some("br"), br.len()), ("identity", None, raw.len())]
    {
        let (status, headers, body) = get(
            &app,
            Method::HEAD,
            "/app_bg.wasm",
            &[(header::ACCEPT_ENCODING, accept)],
        )
        .await;
        assert_eq!(status, StatusCode::OK, "HEAD {accept}");
        assert_static_headers(&headers, "application/wasm", accept);
        assert_eq!(value(&headers, header::CONTENT_ENCODING), encoding);
        assert_eq!(
            value(&headers, header::CONTENT_LENGTH),
            Some(length.to_string().as_str()),
            "HEAD {accept}"
        );
        assert!(body.is_empty(), "HEAD {accept} has no body");
    }

    // Range without compression: the bytes of the file.
    let (status, headers, body) = get(
        &app,
        Method::GET,
        "/app_bg.wasm",
        &[
            (header::ACCEPT_ENCODING, "identity"),
            (header::RANGE, "bytes=100-1099"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::PARTIAL_CONTENT);
    assert_eq!(body, raw[100..1100]);
    assert_eq!(
        value(&headers, header::CONTENT_RANGE),
        Some(format!("bytes 100-1099/{}", raw.len()).as_str())
    );

    // Range with brotli: a range of the brotli stream (the representation sent), whose
    // pieces put together decode to the file.
    let mut stream = Vec::new();
    let half = br.len() / 2;
    for range in [format!("bytes=0-{}", half - 1), format!("bytes={half}-")] {
        let (status, headers, body) = get(
            &app,
            Method::GET,
            "/app_bg.wasm",
            &[(header::ACCEPT_ENCODING, "br"), (header::RANGE, &range)],
        )
        .await;
        assert_eq!(status, StatusCode::PARTIAL_CONTENT, "{range}");
        assert_eq!(value(&headers, header::CONTENT_ENCODING), Some("br"));
        assert!(
            value(&headers, header::CONTENT_RANGE)
                .unwrap()
                .ends_with(&format!("/{}", br.len())),
            "{range}"
        );
        stream.extend_from_slice(&body);
    }
    assert_eq!(stream, br);
    assert_eq!(&unbrotli(&stream), raw);

    // A range past the end is refused, and says how long the representation is.
    let (status, headers, _) = get(
        &app,
        Method::GET,
        "/app_bg.wasm",
        &[
            (header::ACCEPT_ENCODING, "gzip"),
            (header::RANGE, "bytes=99999999-"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::RANGE_NOT_SATISFIABLE);
    let gz_len = std::fs::metadata(dir.path().join("app_bg.wasm.gz"))
        .unwrap()
        .len();
    assert_eq!(
        value(&headers, header::CONTENT_RANGE),
        Some(format!("bytes */{gz_len}").as_str())
    );
}
