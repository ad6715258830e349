//! `cargo xtask bench` (sync part): our sync-server and the JS reference server side by side,
//! in one run on this machine, driven by the same load generator
//! ([`madoguchi_tests::sync_load`]: simulated counters on our `SyncClient`, over loopback
//! WebSockets). The targets, one after the other:
//!
//! - our server (the release build in `$MADOGUCHI_SERVER_BIN`) on SQLite in a temporary
//!   folder, its counters signed in as one 市民課 staff member (not an administrator: every
//!   document they reach goes through the server's grant check);
//! - the JS reference: npm `@automerge/automerge-repo` 2.5.6 with its Node WebSocket server
//!   adapter and file storage (`tests/js/js-sync-server.mjs`), in a temporary folder;
//! - our server on PostgreSQL (`--database`, at `$MADOGUCHI_BENCH_DATABASE`), reported as
//!   "not measured" with the reason when the server has no such flag or no database is given.
//!
//! Figures per target (each shown with the JS figure and the advantage over it):
//!
//! - edits/s: 200 counters × 10 visits each, every counter keeping one unacknowledged edit
//!   per visit in flight; edits acknowledged by the server (its sync message reports heads
//!   that include the edit; ours only after the change is fsynced to its store) within a 10 s
//!   window after 2 s of warm-up, divided by 10 s;
//! - edit propagation p50 / p99, ms, at 10 and 50 pairs: two connections per visit, one
//!   types an edit every 200 ms for 10 s, the latency is until the other has applied it;
//! - catch-up, s: 24 counters × 60 visits the server holds, 10 edits typed into each offline,
//!   all reconnecting at once, until the server acknowledged every offline edit;
//! - server CPU: user + system time the server process spent over all the scenarios (from
//!   `/proc/<pid>/stat`), which a busy machine disturbs less than the timings;
//! - server memory: peak (`VmHWM`) and final (`VmRSS`) resident size of the server process
//!   from `/proc/<pid>/status`, after all of the above.
//!
//! Each scenario starts 2 s after the last one ended. After each scenario every document is read back from the server on a fresh connection
//! and compared with its writer's heads; any difference fails the run.
//!
//! Prints a table and writes JSON to the path given as the first argument (default
//! `target/bench/sync.json`). `BENCH_QUICK=1` shrinks every size for a smoke run;
//! `BENCH_SERVER_LOG` is our server's `RUST_LOG` (default `warn`), shown if a target fails.

use std::path::Path;
use std::time::Duration;

use anyhow::Context;
use madoguchi_tests::sync_load::{self, FinalHeads};
use madoguchi_tests::{JsSyncServer, ServerProcess, server_binary};
use serde_json::json;
use tokio::io::AsyncWriteExt;

/// Sizes of one run.
struct Sizes {
    counters: usize,
    docs_each: usize,
    warmup: Duration,
    window: Duration,
    pairs: [usize; 2],
    interval: Duration,
    pair_window: Duration,
    offline_counters: usize,
    drafts: usize,
    offline_edits: u64,
    /// A pause before each scenario, so that one's aftermath (a store checkpoint, a
    /// collector) is not measured in the next.
    settle: Duration,
}

impl Sizes {
    fn full() -> Self {
        Self {
            counters: 200,
            docs_each: 10,
            warmup: Duration::from_secs(2),
            window: Duration::from_secs(10),
            pairs: [10, 50],
            interval: Duration::from_millis(200),
            pair_window: Duration::from_secs(10),
            offline_counters: 24,
            drafts: 60,
            offline_edits: 10,
            settle: Duration::from_secs(2),
        }
    }

    fn quick() -> Self {
        Self {
            counters: 20,
            docs_each: 2,
            warmup: Duration::from_millis(500),
            window: Duration::from_secs(2),
            pairs: [2, 5],
            interval: Duration::from_millis(200),
            pair_window: Duration::from_secs(2),
            offline_counters: 4,
            drafts: 6,
            offline_edits: 3,
            settle: Duration::from_millis(200),
        }
    }
}

/// What a target measured: figure key → value.
type Measured = Vec<(&'static str, f64)>;

/// One row of the table.
struct Figure {
    key: &'static str,
    label: String,
    unit: &'static str,
    higher_is_better: bool,
}

fn figures(sizes: &Sizes) -> Vec<Figure> {
    let [few, many] = sizes.pairs;
    vec![
        Figure {
            key: "edits_per_s",
            label: format!(
                "edits/s ({} counters x {} visits)",
                sizes.counters, sizes.docs_each
            ),
            unit: "edits/s",
            higher_is_better: true,
        },
        Figure {
            key: "propagation_few_p50_ms",
            label: format!("propagation p50, {few} pairs"),
            unit: "ms",
            higher_is_better: false,
        },
        Figure {
            key: "propagation_few_p99_ms",
            label: format!("propagation p99, {few} pairs"),
            unit: "ms",
            higher_is_better: false,
        },
        Figure {
            key: "propagation_many_p50_ms",
            label: format!("propagation p50, {many} pairs"),
            unit: "ms",
            higher_is_better: false,
        },
        Figure {
            key: "propagation_many_p99_ms",
            label: format!("propagation p99, {many} pairs"),
            unit: "ms",
            higher_is_better: false,
        },
        Figure {
            key: "catch_up_s",
            label: format!(
                "catch-up ({} counters x {} drafts x {} edits)",
                sizes.offline_counters, sizes.drafts, sizes.offline_edits
            ),
            unit: "s",
            higher_is_better: false,
        },
        Figure {
            key: "cpu_s",
            label: "server CPU time, all scenarios".into(),
            unit: "s",
            higher_is_better: false,
        },
        Figure {
            key: "rss_peak_mb",
            label: "server RSS peak (VmHWM)".into(),
            unit: "MB",
            higher_is_better: false,
        },
        Figure {
            key: "rss_end_mb",
            label: "server RSS at the end (VmRSS)".into(),
            unit: "MB",
            higher_is_better: false,
        },
    ]
}

/// A server under test.
enum Target {
    Ours {
        name: &'static str,
        /// Extra server arguments (the database), or why this target is not measured.
        args: Result<Vec<String>, String>,
    },
    Js {
        name: &'static str,
    },
}

impl Target {
    fn name(&self) -> &'static str {
        match self {
            Target::Ours { name, .. } | Target::Js { name } => name,
        }
    }
}

const JS: &str = "JS automerge-repo 2.5.6";
const STAFF_LOGIN: &str = "bench-counter";
const STAFF_PASSWORD: &str = "bench counter password";

/// The PostgreSQL target's arguments, or why it is not measured.
fn postgres_args() -> Result<Vec<String>, String> {
    let help = std::process::Command::new(server_binary())
        .arg("--help")
        .output()
        .map_err(|e| format!("not measured: the server's --help failed: {e}"))?;
    if !String::from_utf8_lossy(&help.stdout).contains("--database") {
        return Err("not measured: this sync-server has no --database flag yet".into());
    }
    match std::env::var("MADOGUCHI_BENCH_DATABASE") {
        Ok(url) if url.starts_with("postgres") => Ok(vec!["--database".into(), url]),
        _ => {
            Err("not measured: no PostgreSQL given (MADOGUCHI_BENCH_DATABASE=postgres://…)".into())
        }
    }
}

/// `VmHWM` and `VmRSS` of a process, MB.
fn memory(pid: u32) -> anyhow::Result<(f64, f64)> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    let field = |name: &str| -> anyhow::Result<f64> {
        let line = status
            .lines()
            .find(|l| l.starts_with(name))
            .with_context(|| format!("no {name} in /proc/{pid}/status"))?;
        let kb: f64 = line
            .split_whitespace()
            .nth(1)
            .context("no value")?
            .parse()?;
        Ok(kb / 1024.0)
    };
    Ok((field("VmHWM:")?, field("VmRSS:")?))
}

/// CPU time the process has used (user + system), seconds; Linux counts it in ticks of
/// 1/100 s (`USER_HZ`).
fn cpu_seconds(pid: u32) -> anyhow::Result<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat"))?;
    // Fields after the command name (which may hold spaces, inside parentheses).
    let rest = stat
        .rsplit_once(')')
        .context("unreadable /proc/<pid>/stat")?
        .1;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| -> anyhow::Result<f64> {
        Ok(fields
            .get(i)
            .context("short /proc/<pid>/stat")?
            .parse::<f64>()?)
    };
    // utime and stime are fields 14 and 15 of the line, 12 and 13 after the name.
    Ok((ticks(11)? + ticks(12)?) / 100.0)
}

/// Runs every scenario against the server at `url` (process `pid`), checking convergence.
async fn measure(name: &str, url: &str, pid: u32, sizes: &Sizes) -> anyhow::Result<Measured> {
    let mut out = Measured::new();
    let audit = |heads: FinalHeads, scenario: &'static str| {
        let url = url.to_owned();
        async move {
            let peer = format!("bench-audit-{}", shared_model::DocumentId::random());
            sync_load::check_converged(&url, &peer, &heads)
                .await
                .with_context(|| format!("{name}: documents diverged after {scenario}"))?;
            eprintln!(
                "bench: {name}: {} documents converged after {scenario}",
                heads.len()
            );
            anyhow::Ok(())
        }
    };

    let cpu_before = cpu_seconds(pid)?;
    eprintln!("bench: {name}: edits/s …");
    let edits = sync_load::throughput(
        url,
        sizes.counters,
        sizes.docs_each,
        sizes.warmup,
        sizes.window,
    )
    .await
    .with_context(|| format!("{name}: throughput"))?;
    out.push(("edits_per_s", edits.per_second()));
    audit(edits.heads, "the throughput run").await?;

    for (pairs, p50, p99) in [
        (
            sizes.pairs[0],
            "propagation_few_p50_ms",
            "propagation_few_p99_ms",
        ),
        (
            sizes.pairs[1],
            "propagation_many_p50_ms",
            "propagation_many_p99_ms",
        ),
    ] {
        tokio::time::sleep(sizes.settle).await;
        eprintln!("bench: {name}: propagation at {pairs} pairs …");
        let run = sync_load::propagation(url, pairs, sizes.interval, sizes.pair_window)
            .await
            .with_context(|| format!("{name}: propagation at {pairs} pairs"))?;
        eprintln!(
            "bench: {name}: {} samples, max {:.1} ms",
            run.latencies_ms.len(),
            run.quantile(1.0)
        );
        out.push((p50, run.quantile(0.50)));
        out.push((p99, run.quantile(0.99)));
        audit(run.heads, "the propagation run").await?;
    }

    tokio::time::sleep(sizes.settle).await;
    eprintln!("bench: {name}: catch-up …");
    let caught = sync_load::catch_up(
        url,
        sizes.offline_counters,
        sizes.drafts,
        sizes.offline_edits,
    )
    .await
    .with_context(|| format!("{name}: catch-up"))?;
    out.push(("catch_up_s", caught.seconds));
    audit(caught.heads, "the catch-up").await?;

    out.push(("cpu_s", cpu_seconds(pid)? - cpu_before));
    let (peak, end) = memory(pid)?;
    out.push(("rss_peak_mb", peak));
    out.push(("rss_end_mb", end));
    Ok(out)
}

/// Starts the target, measures it, stops it.
async fn run_target(target: &Target, sizes: &Sizes) -> anyhow::Result<Result<Measured, String>> {
    let dir = tempfile::tempdir()?;
    match target {
        Target::Ours { args: Err(why), .. } => Ok(Err(why.clone())),
        Target::Ours {
            name,
            args: Ok(args),
        } => {
            let data = dir.path().join("data");
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            // The database flag goes before the command, where the server's own flags go.
            std::fs::create_dir_all(&data)?;
            let mut adding = tokio::process::Command::new(server_binary())
                .arg("--data")
                .arg(&data)
                .args(&args)
                .args(["staff-add", "--login", STAFF_LOGIN, "--name", "試験 窓口"])
                .args(["--department", "shimin"])
                .stdin(std::process::Stdio::piped())
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()?;
            let mut stdin = adding.stdin.take().context("piped")?;
            stdin
                .write_all(format!("{STAFF_PASSWORD}\n").as_bytes())
                .await?;
            drop(stdin);
            let made = adding.wait_with_output().await?;
            anyhow::ensure!(
                made.status.success(),
                "staff-add failed: {}",
                String::from_utf8_lossy(&made.stderr)
            );
            let log = std::env::var("BENCH_SERVER_LOG").unwrap_or_else(|_| "warn".into());
            let mut server =
                ServerProcess::start_with_env(0, &data, None, &args, &[("RUST_LOG", &log)]).await?;
            let cookie = server.sign_in(STAFF_LOGIN, STAFF_PASSWORD).await?;
            let token = cookie.split_once('=').map(|(_, t)| t).unwrap_or_default();
            let url = server.url_with_session(token);
            let pid = server.pid().context("the server exited")?;
            let measured = measure(name, &url, pid, sizes).await;
            if measured.is_err() {
                eprintln!("bench: {name}: server log:\n{}", server.log());
            }
            server.stop().await?;
            Ok(Ok(measured?))
        }
        Target::Js { name } => {
            let mut server = JsSyncServer::start(&dir.path().join("data")).await?;
            let pid = server.pid().context("the JS server exited")?;
            let measured = measure(name, &server.sync_url(), pid, sizes).await;
            server.stop().await?;
            Ok(Ok(measured?))
        }
    }
}

fn shown(value: f64, unit: &str) -> String {
    match unit {
        "edits/s" => format!("{value:.0}"),
        "s" => format!("{value:.2} s"),
        _ => format!("{value:.1} {unit}"),
    }
}

#[tokio::main(flavor = "multi_thread")]
async fn main() -> anyhow::Result<()> {
    let out = std::env::args()
        .skip(1)
        .find(|a| !a.starts_with("--"))
        .unwrap_or_else(|| "target/bench/sync.json".into());
    let sizes = if std::env::var_os("BENCH_QUICK").is_some() {
        Sizes::quick()
    } else {
        Sizes::full()
    };
    let targets = [
        Target::Ours {
            name: "ours (SQLite)",
            args: Ok(Vec::new()),
        },
        Target::Js { name: JS },
        Target::Ours {
            name: "ours (PostgreSQL)",
            args: postgres_args(),
        },
    ];
    let started = std::time::Instant::now();
    // Timings wander on a machine that is busy with other work; the load says how busy.
    let load_before = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    let mut results: Vec<(&str, Result<Measured, String>)> = Vec::new();
    for target in &targets {
        results.push((target.name(), run_target(target, &sizes).await?));
    }
    let value = |name: &str, key: &str| -> Option<f64> {
        results
            .iter()
            .find(|(n, _)| *n == name)
            .and_then(|(_, r)| r.as_ref().ok())
            .and_then(|m| m.iter().find(|(k, _)| *k == key).map(|(_, v)| *v))
    };

    // The table: each of ours, then the JS figure, then how many times better ours is.
    let ours: Vec<&str> = targets
        .iter()
        .map(Target::name)
        .filter(|n| *n != JS)
        .collect();
    let mut header = vec!["figure".to_owned()];
    for name in &ours {
        header.push((*name).to_owned());
    }
    header.push(JS.to_owned());
    for name in &ours {
        header.push(format!("{name} vs JS"));
    }
    let mut rows = vec![header];
    let mut json_rows = Vec::new();
    for figure in figures(&sizes) {
        let theirs = value(JS, figure.key);
        let mut row = vec![figure.label.clone()];
        let mut ratios = Vec::new();
        let mut json_values = serde_json::Map::new();
        let mut json_ratios = serde_json::Map::new();
        for name in &ours {
            let mine = value(name, figure.key);
            row.push(match (mine, results.iter().find(|(n, _)| n == name)) {
                (Some(v), _) => shown(v, figure.unit),
                (None, Some((_, Err(why)))) => why.clone(),
                _ => "-".into(),
            });
            json_values.insert((*name).into(), json!(mine));
            // > 1: ours is better (more edits/s, or less time and memory).
            let ratio = match (mine, theirs) {
                (Some(m), Some(t)) if m > 0.0 && t > 0.0 => Some(if figure.higher_is_better {
                    m / t
                } else {
                    t / m
                }),
                _ => None,
            };
            ratios.push(ratio.map_or("-".into(), |r| format!("{r:.2}x")));
            json_ratios.insert((*name).into(), json!(ratio));
        }
        row.push(theirs.map_or("-".into(), |v| shown(v, figure.unit)));
        row.extend(ratios);
        rows.push(row);
        json_values.insert(JS.into(), json!(theirs));
        json_rows.push(json!({
            "figure": figure.key,
            "label": figure.label,
            "unit": figure.unit,
            "better": if figure.higher_is_better { "higher" } else { "lower" },
            "values": json_values,
            "advantage_over_js": json_ratios,
        }));
    }
    let widths: Vec<usize> = (0..rows[0].len())
        .map(|c| rows.iter().map(|r| r[c].chars().count()).max().unwrap_or(0))
        .collect();
    println!();
    println!("Sync servers side by side (vs JS: how many times better ours is; > 1 is better)");
    for (i, row) in rows.iter().enumerate() {
        let cells: Vec<String> = row
            .iter()
            .zip(&widths)
            .map(|(cell, w)| format!("{cell}{}", " ".repeat(w - cell.chars().count())))
            .collect();
        println!("| {} |", cells.join(" | "));
        if i == 0 {
            let rule: Vec<String> = widths.iter().map(|w| "-".repeat(*w)).collect();
            println!("|-{}-|", rule.join("-|-"));
        }
    }
    let skipped: serde_json::Map<String, serde_json::Value> = results
        .iter()
        .filter_map(|(n, r)| r.as_ref().err().map(|why| ((*n).to_owned(), json!(why))))
        .collect();
    let report = json!({
        "figures": json_rows,
        "not_measured": skipped,
        "load_average_before": load_before.trim(),
        "load_average_after": std::fs::read_to_string("/proc/loadavg").unwrap_or_default().trim(),
        "connect_retries": sync_load::CONNECT_RETRIES.load(std::sync::atomic::Ordering::Relaxed),
        "cpus": std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0),
        "seconds": started.elapsed().as_secs_f64(),
    });
    if let Some(parent) = Path::new(&out).parent() {
        std::fs::create_dir_all(parent)?;
    }
    std::fs::write(&out, serde_json::to_string_pretty(&report)?)?;
    eprintln!(
        "bench: load average before {}, after {}",
        load_before.trim(),
        std::fs::read_to_string("/proc/loadavg")
            .unwrap_or_default()
            .trim()
    );
    eprintln!(
        "bench: {} connections were reset while opening and tried again",
        sync_load::CONNECT_RETRIES.load(std::sync::atomic::Ordering::Relaxed)
    );
    eprintln!(
        "bench: sync results in {out} ({:.0} s)",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}
