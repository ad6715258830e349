//! Helpers of the suites that run the exchange with the core system against a real S3 bucket
//! ([`S3Server`]): the server and the simulator pointed at it, the admin API's exchange
//! state, visits of a day's moves asking for confirmation, and the records the bucket holds.
//!
//! The helpers panic (with the server's log where there is one) instead of returning errors:
//! they are for tests, where a failure is the test's failure.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

use automerge::AutoCommit;
use shared_model::DocumentId;
use shared_model::calendar::tokyo_day;
use shared_model::synthetic::{Move, Population, move_visit};

use crate::{S3Server, ServerProcess, simulator_binary};

/// Milliseconds since the Unix epoch, now.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or_default()
}

/// Runs `core-simulator` against the bucket with `args` (`answer --reject-per-mille 50`,
/// `full --households 3000`, …).
///
/// # Panics
/// When the simulator cannot be started or exits unsuccessfully (its standard error is in
/// the message).
pub async fn simulate(s3: &S3Server, args: &[&str]) {
    let mut command = tokio::process::Command::new(simulator_binary());
    command.args(s3.args()).args(args).envs(s3.envs());
    run_simulator(command).await;
}

/// [`simulate`] against a bucket that is a local folder (`--bucket-dir`).
///
/// # Panics
/// As [`simulate`].
pub async fn simulate_in(bucket: &Path, args: &[&str]) {
    let mut command = tokio::process::Command::new(simulator_binary());
    command.arg("--bucket-dir").arg(bucket).args(args);
    run_simulator(command).await;
}

async fn run_simulator(mut command: tokio::process::Command) {
    let output = command
        .output()
        .await
        .expect("core-simulator runs (cargo xtask test builds it)");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// Starts a server over `data` and the S3 bucket, importing every second and exporting every
/// 200 ms, with `extra_env` (a crash point such as `("MADOGUCHI_CRASH_AT", "export-written")`)
/// if given. The environment is kept for [`ServerProcess::restart`].
///
/// # Errors
/// As [`ServerProcess::start_with_env`]: the binary is missing or did not start listening.
pub async fn exchange_server(
    data: &Path,
    s3: &S3Server,
    extra_env: Option<(&str, &str)>,
) -> anyhow::Result<ServerProcess> {
    let mut args = s3.args();
    args.extend(["--import-interval-secs", "1", "--export-interval-ms", "200"].map(String::from));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let mut envs = s3.envs().to_vec();
    envs.extend(extra_env);
    ServerProcess::start_with_env(0, data, None, &args, &envs).await
}

/// `GET /api/exchange/{what}` (`import` or `export`) as JSON, for an administrator's
/// `cookie`.
///
/// # Panics
/// When the request fails or does not answer 200.
pub async fn exchange_state(server: &ServerProcess, cookie: &str, what: &str) -> serde_json::Value {
    let (status, _, body) = server
        .request("GET", &format!("/api/exchange/{what}"), None, Some(cookie))
        .await
        .unwrap();
    assert_eq!(status, 200);
    serde_json::from_slice(&body).unwrap()
}

/// Polls [`exchange_state`] every 100 ms until `done` holds, up to `secs` seconds, and
/// returns the state that satisfied it.
///
/// # Panics
/// When `secs` pass first (with the last state and the server's log in the message).
pub async fn wait_state(
    server: &ServerProcess,
    cookie: &str,
    what: &str,
    secs: u64,
    done: impl Fn(&serde_json::Value) -> bool,
) -> serde_json::Value {
    for _ in 0..secs * 10 {
        let s = exchange_state(server, cookie, what).await;
        if done(&s) {
            return s;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!(
        "{what} did not get there: {}\n{}",
        exchange_state(server, cookie, what).await,
        server.log()
    );
}

/// Visits of a day's moves (today, in Tokyo), `n` of each `(kind, n)` in order, for residents
/// of a synthetic population made from `seed`; each has its 住民異動届 asked to be confirmed.
/// Returns (document id, document, the move) per visit, reception numbers from 1.
///
/// # Panics
/// When the synthetic data cannot make a visit (a bug in `shared_model::synthetic`).
pub fn moves(seed: u64, kinds: &[(Move, usize)]) -> Vec<(DocumentId, AutoCommit, Move)> {
    let total: usize = kinds.iter().map(|(_, n)| n).sum();
    let population = Population::generate(seed, total as u64);
    let today = tokyo_day(now_ms());
    let mut out = Vec::new();
    for (kind, n) in kinds {
        for _ in 0..*n {
            let i = out.len();
            let id = DocumentId::random();
            let visit = move_visit(
                id,
                i as u32 + 1,
                &population.residents[i],
                *kind,
                today,
                now_ms(),
            )
            .unwrap();
            out.push((id, visit.into_doc(), *kind));
        }
    }
    out
}

/// Every record id in every batch file (`*.csv` under `outbound/`) the bucket holds, with
/// repeats if there were any, in no particular order.
///
/// # Panics
/// When a batch file is not readable CSV.
pub fn records_in_bucket(s3: &S3Server) -> Vec<String> {
    batch_files(s3)
        .into_iter()
        .flat_map(|(_, records)| records)
        .collect()
}

/// Every batch file under `outbound/` (its path relative to the bucket) with the record ids
/// in it, and whether its completion marker (`<file>.done`) is beside it.
///
/// # Panics
/// When a batch file is not readable CSV.
pub fn batches_in_bucket(s3: &S3Server) -> BTreeMap<String, (Vec<String>, bool)> {
    let root = s3.bucket_folder();
    batch_files(s3)
        .into_iter()
        .map(|(path, records)| {
            let mut marker = path.clone().into_os_string();
            marker.push(".done");
            let marked = Path::new(&marker).exists();
            let name = path
                .strip_prefix(&root)
                .unwrap_or(&path)
                .display()
                .to_string();
            (name, (records, marked))
        })
        .collect()
}

fn batch_files(s3: &S3Server) -> Vec<(std::path::PathBuf, Vec<String>)> {
    let mut out = Vec::new();
    let mut stack = vec![s3.bucket_folder().join("outbound")];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "csv") {
                let mut records = Vec::new();
                let mut reader = csv::Reader::from_path(&path).unwrap();
                for row in reader.records() {
                    let row = row.unwrap();
                    // One line per person (異動者連番, column 2): a record counts once, at its first.
                    if &row[1] == "1" {
                        records.push(row[0].to_owned());
                    }
                }
                out.push((path, records));
            }
        }
    }
    out
}
