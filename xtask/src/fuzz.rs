//! `cargo xtask fuzz [--seconds N] [--target NAME]`: each cargo-fuzz target of
//! `shared-model/fuzz` run by libFuzzer for a bounded time, one after the other, with a table
//! and JSON of what each did; a crash is kept as a regression test.
//!
//! - Toolchain: nightly and cargo-fuzz, installed if missing ([`tools::ensure_fuzz_tools`]).
//! - Corpus: `shared-model/fuzz/corpus/<target>/` (git-ignored) keeps what libFuzzer finds from
//!   one run to the next; each run also reads the checked-in seeds
//!   (`shared-model/fuzz/seeds/<target>/`, the captured wire frames for `wire_decode`) and the
//!   kept crashers, so that a crash that comes back shows at once.
//! - Crashes (libFuzzer's `crash-`, `oom-`, `timeout-` and `leak-` artifacts) are copied to
//!   `shared-model/tests/fuzz-regressions/<target>/`, which `shared-model/tests/fuzz_regressions.rs`
//!   replays through the targets' own entry points on every `cargo test`; the command then
//!   fails naming them.
//! - Report: a table on standard output and `target/fuzz-report.json`.

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Instant;

use anyhow::{Context, bail};

use crate::{step, target_dir, tools};

/// Seconds per target unless `--seconds` says otherwise.
const DEFAULT_SECONDS: u64 = 60;
/// Seconds one input may take before libFuzzer calls it a hang (its default, 1200, would
/// outlast the whole run).
const TIMEOUT_SECONDS: u64 = 30;
/// Checked-in inputs read as seeds besides `seeds/<target>/`, relative to the workspace.
const EXTRA_SEEDS: &[(&str, &str)] = &[("wire_decode", "shared-model/tests/fixtures/wire")];
/// The artifacts libFuzzer writes for a failure (it also writes `slow-unit-` ones, which are
/// not failures).
const FAILURE_KINDS: &[&str] = &["crash-", "oom-", "timeout-", "leak-"];

/// What `cargo xtask fuzz` was asked for.
#[derive(Debug, PartialEq, Eq)]
pub struct Options {
    /// Seconds of fuzzing per target (libFuzzer's `-max_total_time`).
    pub seconds: u64,
    /// Only this target; all of them if `None`.
    pub target: Option<String>,
}

impl Options {
    /// Reads `[--seconds N] [--target NAME]` (the arguments after `fuzz`).
    pub fn parse(args: &[String]) -> anyhow::Result<Self> {
        let mut options = Options {
            seconds: DEFAULT_SECONDS,
            target: None,
        };
        let mut args = args.iter();
        while let Some(arg) = args.next() {
            let mut value = || args.next().with_context(|| format!("{arg} needs a value"));
            match arg.as_str() {
                "--seconds" => {
                    let value = value()?;
                    options.seconds = value
                        .parse()
                        .ok()
                        .filter(|&s| s > 0)
                        .with_context(|| format!("--seconds {value}: not a positive number"))?;
                }
                "--target" => options.target = Some(value()?.clone()),
                other => bail!("unknown argument {other:?} (fuzz [--seconds N] [--target NAME])"),
            }
        }
        Ok(options)
    }
}

/// What one target's run did, read from libFuzzer's output.
#[derive(Debug, Default, PartialEq)]
pub struct TargetRun {
    /// The fuzz target.
    pub target: String,
    /// Seconds libFuzzer ran (its own figure from `Done N runs in S second(s)`, else the
    /// time the process took).
    pub seconds: f64,
    /// Inputs executed (`stat::number_of_executed_units`, else `Done N runs`).
    pub executions: u64,
    /// Inputs in the corpus at the end (`corp: N/…` of libFuzzer's last status line).
    pub corpus: u64,
    /// Their total size in bytes.
    pub corpus_bytes: u64,
    /// Coverage counters hit (`cov:`).
    pub coverage: u64,
    /// Features (`ft:`), libFuzzer's finer measure of coverage.
    pub features: u64,
    /// The kept copies of the failing inputs, relative to the workspace.
    pub crashes: Vec<String>,
}

impl TargetRun {
    /// Executions per second.
    pub fn rate(&self) -> f64 {
        if self.seconds > 0.0 {
            self.executions as f64 / self.seconds
        } else {
            0.0
        }
    }
}

/// Runs the fuzz targets as `options` asks; fails if any crashed, naming the kept inputs.
pub fn run(root: &Path, options: &Options) -> anyhow::Result<()> {
    tools::ensure_fuzz_tools()?;
    let fuzz_dir = root.join("shared-model").join("fuzz");
    let all = list_targets(&fuzz_dir)?;
    let targets = match &options.target {
        Some(name) if all.contains(name) => vec![name.clone()],
        Some(name) => bail!("no fuzz target {name:?}; there are {}", all.join(", ")),
        None => all,
    };
    // One build of every target first, so that the seconds below are all fuzzing.
    step(cargo_fuzz(&fuzz_dir).arg("build"))?;
    let mut runs = Vec::new();
    for target in &targets {
        runs.push(run_target(root, &fuzz_dir, target, options.seconds)?);
    }
    println!("\n{}", table(&runs));
    let report = target_dir(root).join("fuzz-report.json");
    std::fs::create_dir_all(report.parent().expect("a file in the target folder"))?;
    std::fs::write(&report, json(options.seconds, &runs))
        .with_context(|| format!("writing {}", report.display()))?;
    println!("written to {}", report.display());
    let crashes: Vec<&str> = runs
        .iter()
        .flat_map(|r| r.crashes.iter().map(String::as_str))
        .collect();
    if !crashes.is_empty() {
        bail!(
            "fuzzing found {} crash(es), kept as regression tests (cargo test -p shared-model \
             --test fuzz_regressions replays them):\n  {}",
            crashes.len(),
            crashes.join("\n  ")
        );
    }
    Ok(())
}

/// `cargo fuzz` under the nightly toolchain, whatever toolchain runs xtask.
fn cargo_fuzz(fuzz_dir: &Path) -> Command {
    let mut command = Command::new("rustup");
    command
        .args(["run", "nightly", "cargo", "fuzz"])
        .current_dir(fuzz_dir)
        // Set by the stable cargo that runs xtask; they would point the nightly one back.
        .env_remove("CARGO")
        .env_remove("RUSTC")
        .env_remove("RUSTUP_TOOLCHAIN");
    command
}

fn list_targets(fuzz_dir: &Path) -> anyhow::Result<Vec<String>> {
    let output = cargo_fuzz(fuzz_dir)
        .arg("list")
        .output()
        .context("starting cargo fuzz list")?;
    if !output.status.success() {
        bail!(
            "cargo fuzz list failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    Ok(String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect())
}

fn run_target(
    root: &Path,
    fuzz_dir: &Path,
    target: &str,
    seconds: u64,
) -> anyhow::Result<TargetRun> {
    let corpus = fuzz_dir.join("corpus").join(target);
    std::fs::create_dir_all(&corpus)?;
    let kept = regression_dir(root, target);
    let mut seeds = vec![fuzz_dir.join("seeds").join(target), kept.clone()];
    seeds.extend(
        EXTRA_SEEDS
            .iter()
            .filter(|(t, _)| *t == target)
            .map(|(_, dir)| root.join(dir)),
    );
    let mut command = cargo_fuzz(fuzz_dir);
    // The corpus first: libFuzzer writes what it finds into the first folder only.
    command.args(["run", target]).arg(&corpus);
    command.args(seeds.iter().filter(|dir| dir.is_dir()));
    command.arg("--").args([
        format!("-max_total_time={seconds}"),
        format!("-timeout={TIMEOUT_SECONDS}"),
        "-print_final_stats=1".to_owned(),
    ]);
    eprintln!("xtask: fuzzing {target} for {seconds} s: {command:?}");
    let started = Instant::now();
    let (lines, status) = run_streaming(&mut command)?;
    let elapsed = started.elapsed().as_secs_f64();
    let mut run = parse_output(target, &lines);
    if run.seconds == 0.0 {
        run.seconds = elapsed;
    }
    for artifact in failing_inputs(&lines) {
        let path = Path::new(&artifact);
        let name = path.file_name().context("an artifact without a name")?;
        std::fs::create_dir_all(&kept)?;
        let copy = kept.join(name);
        std::fs::copy(path, &copy)
            .with_context(|| format!("keeping {} as {}", path.display(), copy.display()))?;
        let shown = copy
            .strip_prefix(root)
            .unwrap_or(&copy)
            .display()
            .to_string();
        eprintln!("xtask: {target} crashed on {artifact}; kept as {shown}");
        run.crashes.push(shown);
    }
    if !status.success() && run.crashes.is_empty() {
        bail!("cargo fuzz run {target} failed ({status}) without a failing input");
    }
    Ok(run)
}

/// Where the crashers of `target` are kept (checked in).
fn regression_dir(root: &Path, target: &str) -> PathBuf {
    root.join("shared-model/tests/fuzz-regressions")
        .join(target)
}

/// Runs `command`, echoing its output (without libFuzzer's line for every new input), and
/// returns every line of it with the exit status.
fn run_streaming(command: &mut Command) -> anyhow::Result<(Vec<String>, std::process::ExitStatus)> {
    let mut child = command
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .with_context(|| format!("starting {command:?}"))?;
    let (send, receive) = mpsc::channel();
    let forward = |stream: Box<dyn Read + Send>, send: mpsc::Sender<String>| {
        std::thread::spawn(move || {
            for line in BufReader::new(stream).split(b'\n').map_while(Result::ok) {
                if send
                    .send(String::from_utf8_lossy(&line).into_owned())
                    .is_err()
                {
                    break;
                }
            }
        })
    };
    let out = forward(Box::new(child.stdout.take().expect("piped")), send.clone());
    let err = forward(Box::new(child.stderr.take().expect("piped")), send);
    let mut lines = Vec::new();
    for line in receive {
        if !is_new_input_line(&line) {
            eprintln!("{line}");
        }
        lines.push(line);
    }
    let _ = out.join();
    let _ = err.join();
    let status = child.wait()?;
    Ok((lines, status))
}

/// libFuzzer's `#1234 NEW …` and `#1234 REDUCE …`, one for each input it adds: hundreds.
fn is_new_input_line(line: &str) -> bool {
    line.starts_with('#')
        && line
            .split_whitespace()
            .nth(1)
            .is_some_and(|word| word == "NEW" || word == "REDUCE")
}

/// The figures of one run from libFuzzer's output.
pub fn parse_output(target: &str, lines: &[String]) -> TargetRun {
    let mut run = TargetRun {
        target: target.to_owned(),
        ..TargetRun::default()
    };
    let mut done_runs = None;
    let mut executed_units = None;
    for line in lines {
        let line = line.trim();
        if let Some(rest) = line.strip_prefix("Done ") {
            // Done 1234567 runs in 61 second(s)
            let words: Vec<&str> = rest.split_whitespace().collect();
            if let [runs, "runs", "in", secs, ..] = words.as_slice() {
                done_runs = runs.parse().ok();
                if let Ok(secs) = secs.parse() {
                    run.seconds = secs;
                }
            }
        } else if let Some(value) = line.strip_prefix("stat::number_of_executed_units:") {
            executed_units = value.trim().parse().ok();
        } else if line.starts_with('#') {
            // #1234	pulse  cov: 812 ft: 2310 corp: 301/9876b lim: 98 exec/s: 617 rss: 60Mb
            let words: Vec<&str> = line.split_whitespace().collect();
            for pair in words.windows(2) {
                match pair[0] {
                    "cov:" => run.coverage = pair[1].parse().unwrap_or(run.coverage),
                    "ft:" => run.features = pair[1].parse().unwrap_or(run.features),
                    "corp:" => {
                        if let Some((count, size)) = pair[1].split_once('/') {
                            run.corpus = count.parse().unwrap_or(run.corpus);
                            run.corpus_bytes = parse_size(size).unwrap_or(run.corpus_bytes);
                        }
                    }
                    _ => {}
                }
            }
        }
    }
    run.executions = executed_units.or(done_runs).unwrap_or(0);
    run
}

/// libFuzzer's sizes: `9876b`, `12Kb`, `3Mb`.
fn parse_size(text: &str) -> Option<u64> {
    let (digits, unit) = text.split_at(text.find(|c: char| !c.is_ascii_digit())?);
    let n: u64 = digits.parse().ok()?;
    match unit {
        "b" => Some(n),
        "Kb" => Some(n << 10),
        "Mb" => Some(n << 20),
        _ => None,
    }
}

/// The failing inputs libFuzzer wrote (`…; Test unit written to PATH`).
pub fn failing_inputs(lines: &[String]) -> Vec<String> {
    let mut found: Vec<String> = lines
        .iter()
        .filter_map(|line| line.split("Test unit written to ").nth(1))
        .map(|path| path.trim().to_owned())
        .filter(|path| {
            let name = Path::new(path)
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            FAILURE_KINDS.iter().any(|kind| name.starts_with(kind))
        })
        .collect();
    found.dedup();
    found
}

fn table(runs: &[TargetRun]) -> String {
    let header = [
        "target",
        "seconds",
        "executions",
        "execs/s",
        "corpus",
        "cov",
        "crashes",
    ];
    let rows: Vec<[String; 7]> = runs
        .iter()
        .map(|r| {
            [
                r.target.clone(),
                format!("{:.0}", r.seconds),
                r.executions.to_string(),
                format!("{:.0}", r.rate()),
                r.corpus.to_string(),
                r.coverage.to_string(),
                r.crashes.len().to_string(),
            ]
        })
        .collect();
    let widths: Vec<usize> = (0..header.len())
        .map(|i| {
            rows.iter()
                .map(|row| row[i].len())
                .chain([header[i].len()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let line = |cells: &[&str]| {
        cells
            .iter()
            .zip(&widths)
            .enumerate()
            .map(|(i, (cell, width))| {
                if i == 0 {
                    format!("{cell:<width$}")
                } else {
                    format!("{cell:>width$}")
                }
            })
            .collect::<Vec<_>>()
            .join("  ")
    };
    let mut text = line(&header);
    for row in &rows {
        text.push('\n');
        text.push_str(&line(&row.iter().map(String::as_str).collect::<Vec<_>>()));
    }
    text
}

/// The report as JSON (written by hand: xtask has no JSON library, and this is flat).
fn json(seconds: u64, runs: &[TargetRun]) -> String {
    let targets: Vec<String> = runs
        .iter()
        .map(|r| {
            let crashes: Vec<String> = r.crashes.iter().map(|c| json_string(c)).collect();
            format!(
                "    {{\"target\": {}, \"seconds\": {:.1}, \"executions\": {}, \
                 \"execs_per_second\": {:.1}, \"corpus\": {}, \"corpus_bytes\": {}, \
                 \"coverage\": {}, \"features\": {}, \"crashes\": [{}]}}",
                json_string(&r.target),
                r.seconds,
                r.executions,
                r.rate(),
                r.corpus,
                r.corpus_bytes,
                r.coverage,
                r.features,
                crashes.join(", ")
            )
        })
        .collect();
    format!(
        "{{\n  \"seconds_per_target\": {seconds},\n  \"targets\": [\n{}\n  ]\n}}\n",
        targets.join(",\n")
    )
}

fn json_string(text: &str) -> String {
    let mut out = String::from("\"");
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(text: &str) -> Vec<String> {
        text.lines().map(str::to_owned).collect()
    }

    #[test]
    fn options_default_to_every_target_for_sixty_seconds() {
        assert_eq!(
            Options::parse(&[]).unwrap(),
            Options {
                seconds: 60,
                target: None
            }
        );
        let args = ["--target", "wire_decode", "--seconds", "5"].map(String::from);
        assert_eq!(
            Options::parse(&args).unwrap(),
            Options {
                seconds: 5,
                target: Some("wire_decode".into())
            }
        );
        assert!(Options::parse(&["--seconds".into(), "0".into()]).is_err());
        assert!(Options::parse(&["--seconds".into()]).is_err());
        assert!(Options::parse(&["--jobs".into(), "2".into()]).is_err());
    }

    #[test]
    fn a_finished_run_is_read_from_the_final_stats() {
        let run = parse_output(
            "wire_decode",
            &lines(
                "INFO: Seed: 1234\n\
                 #2\tINITED cov: 80 ft: 81 corp: 1/1b exec/s: 0 rss: 30Mb\n\
                 #3\tNEW    cov: 85 ft: 90 corp: 2/3b lim: 4 exec/s: 0 rss: 30Mb L: 2/2 MS: 1 ChangeBit-\n\
                 #65536\tpulse  cov: 812 ft: 2310 corp: 301/12Kb lim: 98 exec/s: 617 rss: 60Mb\n\
                 #70001\tDONE   cov: 820 ft: 2400 corp: 305/13Kb lim: 98 exec/s: 1147 rss: 61Mb\n\
                 Done 70001 runs in 61 second(s)\n\
                 stat::number_of_executed_units: 70002\n\
                 stat::average_exec_per_sec:     1147\n",
            ),
        );
        assert_eq!(run.seconds, 61.0);
        assert_eq!(run.executions, 70002);
        assert_eq!((run.coverage, run.features), (820, 2400));
        assert_eq!((run.corpus, run.corpus_bytes), (305, 13 << 10));
    }

    #[test]
    fn a_crash_leaves_its_input_and_no_done_line() {
        let output = lines(
            "#100\tNEW    cov: 85 ft: 90 corp: 2/3b lim: 4 exec/s: 0 rss: 30Mb L: 2/2 MS: 1 ChangeBit-\n\
             ==42== ERROR: libFuzzer: deadly signal\n\
             MS: 2 ChangeBit-CrossOver-; base unit: 0000\n\
             artifact_prefix='/w/shared-model/fuzz/artifacts/wire_decode/'; Test unit written to /w/shared-model/fuzz/artifacts/wire_decode/crash-da39a3ee5e6b4b0d3255bfef95601890afd80709\n\
             Slowest unit: 11 s:\n\
             artifact_prefix='/w/a/'; Test unit written to /w/a/slow-unit-0123\n\
             stat::number_of_executed_units: 101\n",
        );
        let run = parse_output("wire_decode", &output);
        assert_eq!(run.executions, 101);
        assert_eq!(run.seconds, 0.0);
        assert_eq!(
            failing_inputs(&output),
            [
                "/w/shared-model/fuzz/artifacts/wire_decode/crash-da39a3ee5e6b4b0d3255bfef95601890afd80709"
            ]
        );
    }

    #[test]
    fn the_report_is_json_and_a_table() {
        let run = TargetRun {
            target: "validators".into(),
            seconds: 60.0,
            executions: 6000,
            crashes: vec!["a\"b".into()],
            ..TargetRun::default()
        };
        let json = json(60, std::slice::from_ref(&run));
        assert!(json.contains("\"executions\": 6000"), "{json}");
        assert!(json.contains("\"execs_per_second\": 100.0"), "{json}");
        assert!(json.contains("[\"a\\\"b\"]"), "{json}");
        let table = table(&[run]);
        assert!(table.lines().nth(1).unwrap().starts_with("validators"));
        assert!(table.contains("100"));
    }
}
