//! `cargo xtask bench` (exchange part): the figures issue 5 asks for, on this machine.
//!
//! - full import of 370,000 residents (one CSV in a folder bucket → SQLite), seconds;
//! - a 2,000-row delta, ms;
//! - resident search p50 / p99 with 24 concurrent searchers, through the axum router
//!   in-process (session check, SQLite query, audit write; no network): once with the query
//!   mix measured since issue 5 (フリガナ prefixes, birth dates, surnames, towns), once with
//!   the typed variants of issue 11 (names without or with an ideographic space, hiragana,
//!   given names alone or first, addresses with full-width numbers and dashes);
//! - export of 422 (a peak day) and 42,200 records: confirmation into the outbox through the
//!   hub (reconciler, validation, one fsynced transaction each), then outbox → batch files
//!   with markers in the bucket, seconds.
//!
//! Prints a table and writes JSON to the path given as the first argument (default
//! `target/bench/exchange.json`). `BENCH_QUICK=1` shrinks every size by 100 for a smoke run;
//! `BENCH_SKIP_EXPORT=1` stops after the search.

use std::sync::Arc;
use std::time::Instant;

use axum::body::Body;
use axum::http::{Request, header};
use shared_model::DocumentId;
use shared_model::calendar::tokyo_day;
use shared_model::synthetic::{Move, Population, move_visit};
use shared_model::tenant::TAKASAKI;
use sync_server::exchange::bucket::{Bucket, FolderBucket};
use sync_server::exchange::export_map::ExportMap;
use sync_server::exchange::exporter::show_states;
use sync_server::exchange::import::import_pending;
use sync_server::exchange::layout::ResidentLayout;
use sync_server::exchange::sender::BatchSender;
use sync_server::hub::Hub;
use sync_server::store::{StaffRecord, Store};
use sync_server::{AppState, Limits, router};
use tower::ServiceExt;

fn now_ms() -> i64 {
    sync_server::clock::now_ms()
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i]
}

#[tokio::main(flavor = "multi_thread")]
async fn main() -> anyhow::Result<()> {
    let out = std::env::args()
        .skip(1)
        .find(|a| !a.starts_with("--"))
        .unwrap_or_else(|| "target/bench/exchange.json".into());
    let scale = if std::env::var_os("BENCH_QUICK").is_some() {
        100
    } else {
        1
    };
    let dir = tempfile::tempdir()?;
    let bucket = FolderBucket::new(dir.path().join("bucket"));
    let store = Arc::new(Store::open(&dir.path().join("data"))?);
    let layout = ResidentLayout::default();
    let mut rows: Vec<(String, String)> = Vec::new();
    let mut report = |name: &str, value: f64, unit: &str| {
        rows.push((name.to_owned(), format!("{value:.3} {unit}")));
        (name.to_owned(), value, unit.to_owned())
    };
    let mut json = Vec::new();

    // --- full import of 370,000 residents --------------------------------------------------
    let persons = 370_000 / scale;
    let population = Population::generate(20_270_201, (persons as u64) * 10 / 21);
    let residents: Vec<_> = population
        .residents
        .into_iter()
        .take(persons)
        .map(|r| (r, ""))
        .collect();
    anyhow::ensure!(residents.len() == persons, "generator gave too few persons");
    let text = layout.write(&residents);
    let file_mb = text.len() as f64 / 1e6;
    bucket
        .put("inbound/juki/full/bench.csv", text.into_bytes())
        .await?;
    let started = Instant::now();
    let done = import_pending(
        &bucket,
        &store,
        TAKASAKI,
        &layout,
        "inbound/juki/",
        now_ms(),
    )
    .await?;
    let full_secs = started.elapsed().as_secs_f64();
    anyhow::ensure!(done.len() == 1 && done[0].is_ok(), "full import failed");
    anyhow::ensure!(store.register(TAKASAKI).resident_count()? == persons);
    eprintln!("bench: full import in {full_secs:.1} s");
    json.push(report(
        &format!("full import, {persons} residents ({file_mb:.0} MB CSV)"),
        full_secs,
        "s",
    ));

    // --- a 2,000-row delta --------------------------------------------------------------------
    let changes = 2_000 / scale.min(20);
    let delta: Vec<_> = residents
        .iter()
        .take(changes)
        .enumerate()
        .map(|(i, (r, _))| {
            let mut r = r.clone();
            if i % 3 == 2 {
                (r, "削除")
            } else {
                r.address = format!("{}（転居）", r.address);
                (r, "修正")
            }
        })
        .collect();
    bucket
        .put(
            "inbound/juki/delta/bench.csv",
            layout.write(&delta).into_bytes(),
        )
        .await?;
    let started = Instant::now();
    let done = import_pending(
        &bucket,
        &store,
        TAKASAKI,
        &layout,
        "inbound/juki/",
        now_ms(),
    )
    .await?;
    let delta_ms = started.elapsed().as_secs_f64() * 1000.0;
    anyhow::ensure!(done.len() == 1 && done[0].is_ok(), "delta import failed");
    json.push(report(
        &format!("delta import, {changes} rows"),
        delta_ms,
        "ms",
    ));

    // --- search under 24 concurrent searchers -------------------------------------------------
    let hub = Arc::new(
        Hub::new("bench".into(), store.clone())?
            .with_exports(TAKASAKI, [(TAKASAKI, ExportMap::builtin().clone())]),
    );
    let (_shutdown, shutdown_rx) = tokio::sync::watch::channel(false);
    let app = router(
        AppState {
            hub: hub.clone(),
            store: store.clone(),
            limits: Limits::default(),
            shutdown: shutdown_rx,
            exchanges: Default::default(),
            sign_in_limiter: Arc::new(sync_server::accounts::SignInLimiter::new(store.clone())),
            secure_cookies: false,
            terminals: Default::default(),
            sign_in_nonces: Arc::new(sync_server::accounts::SignInNonces::new(store.clone())),
            refusals: Default::default(),
            session_ms: 3_600_000,
            transfer_certificate_layout:
                device_webusb::transfer_certificate::layout::DEFAULT_LAYOUT.into(),
            tenant: TAKASAKI,
            cities: Default::default(),
            metrics: Arc::new(sync_server::metrics::Metrics::new(store.latency(), None)),
        },
        None,
    );
    store.put_staff(
        &StaffRecord {
            login: "bench".into(),
            name: "計測 用".into(),
            department: "shimin".into(),
            protected_access: false,
            role: sync_server::store::Role::Staff,
            tenant: TAKASAKI,
        },
        &sync_server::accounts::hash_password("bench-password")
            .map_err(|e| anyhow::anyhow!("{e}"))?,
    )?;
    let (token, hash) = sync_server::accounts::new_token();
    store.create_session(&hash, "bench", now_ms() + 3_600_000)?;
    let cookie = sync_server::accounts::cookie(&token, 3_600_000, false)
        .to_str()?
        .split(';')
        .next()
        .unwrap_or_default()
        .to_owned();
    // Queries as counters type them: フリガナ prefixes, birth dates, names and towns (the mix
    // measured since issue 5, for comparison) ...
    let queries: Vec<String> = residents
        .iter()
        .step_by(97)
        .take(500)
        .enumerate()
        .map(|(i, (r, _))| match i % 4 {
            0 => r.kana.chars().take(3).collect(),
            1 => r.birth_date.clone(),
            2 => r.name.split(' ').next().unwrap_or_default().to_owned(),
            _ => r
                .address
                .trim_start_matches("群馬県高崎市")
                .chars()
                .take(3)
                .collect(),
        })
        .collect();
    // ... and the ways issue 11 asks for: whole names without a space or with an ideographic
    // one, in hiragana, given names alone, given name first, addresses with their numbers
    // written another way.
    let typed: Vec<String> = residents
        .iter()
        .step_by(89)
        .take(500)
        .enumerate()
        .map(|(i, (r, _))| {
            let (family, given) = r.name.split_once(' ').unwrap_or((&r.name, ""));
            let (family_kana, given_kana) = r.kana.split_once('\u{3000}').unwrap_or((&r.kana, ""));
            let hiragana = |s: &str| -> String {
                s.chars()
                    .map(|c| match c {
                        'ァ'..='ヶ' => char::from_u32(c as u32 - 0x60).unwrap_or(c),
                        c => c,
                    })
                    .collect()
            };
            match i % 6 {
                0 => format!("{family_kana}{given_kana}"),
                1 => hiragana(&format!("{family_kana}{given_kana}")),
                2 => given_kana.to_owned(),
                3 => format!("{family}\u{3000}{given}"),
                4 => format!("{given} {family}"),
                _ => r
                    .address
                    .trim_start_matches("群馬県高崎市")
                    .replace("番地", "-")
                    .chars()
                    .map(|c| match c {
                        '0'..='9' => char::from_u32(c as u32 + 0xFEE0).unwrap_or(c),
                        '-' => '－',
                        c => c,
                    })
                    .collect(),
            }
        })
        .collect();
    let searchers = 24;
    let per_searcher = 200 / scale.min(10);
    for (label, queries) in [("", queries), (" (typed variants)", typed)] {
        let started = Instant::now();
        let mut tasks = Vec::new();
        for s in 0..searchers {
            let (app, cookie, queries) = (app.clone(), cookie.clone(), queries.clone());
            tasks.push(tokio::spawn(async move {
                let mut times = Vec::new();
                for i in 0..per_searcher {
                    let q = &queries[(s * 31 + i * 7) % queries.len()];
                    let uri = format!("/api/residents?q={}", urlencode(q));
                    let request = Request::get(uri)
                        .header(header::COOKIE, &cookie)
                        .body(Body::empty())
                        .expect("a request");
                    let t = Instant::now();
                    let response = app.clone().oneshot(request).await.expect("infallible");
                    let _ = axum::body::to_bytes(response.into_body(), usize::MAX).await;
                    times.push(t.elapsed().as_secs_f64() * 1000.0);
                }
                times
            }));
        }
        let mut times = Vec::new();
        for t in tasks {
            times.extend(t.await?);
        }
        let wall = started.elapsed().as_secs_f64();
        times.sort_by(f64::total_cmp);
        let searches = times.len();
        json.push(report(
            &format!("search p50{label}, {searchers} searchers ({searches} searches)"),
            percentile(&times, 0.5),
            "ms",
        ));
        json.push(report(
            &format!("search p99{label}, {searchers} searchers"),
            percentile(&times, 0.99),
            "ms",
        ));
        json.push(report(
            &format!("search throughput{label}"),
            searches as f64 / wall,
            "searches/s",
        ));
    }

    // --- export of 422 and 42,200 records -----------------------------------------------------
    let skip_export = std::env::var_os("BENCH_SKIP_EXPORT").is_some();
    let sender = BatchSender::new(TAKASAKI, "outbound/", 1_000);
    let today = tokyo_day(now_ms());
    let kinds = [Move::In, Move::Out, Move::Within];
    let mut visit_no = 0u32;
    let sizes: &[usize] = if skip_export {
        &[]
    } else {
        &[422, 42_200 / scale]
    };
    for &n in sizes {
        let started = Instant::now();
        for i in 0..n {
            visit_no += 1;
            let id = DocumentId::random();
            let resident = &residents[(visit_no as usize * 13) % residents.len()].0;
            let kind = kinds[i % 3];
            let mut visit = move_visit(id, visit_no, resident, kind, today, now_ms())?;
            hub.merge(id, visit.doc_mut()).await?;
        }
        let confirm_secs = started.elapsed().as_secs_f64();
        eprintln!("bench: {n} confirmed in {confirm_secs:.1} s");
        let started = Instant::now();
        let sent = sender
            .send_pending(&bucket, &store, ExportMap::builtin(), now_ms())
            .await?;
        let export_secs = started.elapsed().as_secs_f64();
        anyhow::ensure!(
            sent.records == n,
            "{} of {n} records went out",
            sent.records
        );
        let started = Instant::now();
        let shown = show_states(&hub, &store, TAKASAKI).await?;
        let shown_secs = started.elapsed().as_secs_f64();
        anyhow::ensure!(shown == n, "{shown} of {n} visits show 送信済み");
        json.push(report(
            &format!("confirm {n} notifications into the outbox"),
            confirm_secs,
            "s",
        ));
        json.push(report(
            &format!(
                "export {n} records: outbox → {} batch files + markers",
                sent.batches.len()
            ),
            export_secs,
            "s",
        ));
        json.push(report(
            &format!("write 送信済み into {n} visits"),
            shown_secs,
            "s",
        ));
    }

    let width = rows
        .iter()
        .map(|(n, _)| n.chars().count())
        .max()
        .unwrap_or(0);
    println!("\n{:width$}  result", "exchange benchmark");
    for (name, value) in &rows {
        let pad = width - name.chars().count();
        println!("{name}{}  {value}", " ".repeat(pad));
    }
    let entries: Vec<serde_json::Value> = json
        .into_iter()
        .map(
            |(name, value, unit)| serde_json::json!({ "name": name, "value": value, "unit": unit }),
        )
        .collect();
    if let Some(parent) = std::path::Path::new(&out).parent() {
        std::fs::create_dir_all(parent)?;
    }
    std::fs::write(
        &out,
        serde_json::to_string_pretty(&serde_json::json!({
            "scale": 1.0 / scale as f64,
            "results": entries,
        }))?,
    )?;
    println!("written to {out}");
    Ok(())
}

fn urlencode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}
