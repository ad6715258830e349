//! `core-simulator`: stands in for the core system (e-SUITE V2) in the demo and the tests. It
//! writes a synthetic resident register (full files) and changes to it (delta files) into the
//! bucket in the agreed layout, and answers the batch files of confirmed notifications with
//! result files (取込結果), sending back a configurable share with realistic reasons.
//!
//! ```text
//! core-simulator --bucket-dir DIR full   --households 170000        (≈ 370,000 persons)
//! core-simulator --bucket-dir DIR delta  --households 2000 --changes 50
//! core-simulator --bucket-dir DIR answer [--reject-per-mille 50] [--watch]
//! ```
//!
//! `--s3-endpoint URL --s3-bucket NAME` (credentials from MADOGUCHI_S3_ACCESS_KEY and
//! MADOGUCHI_S3_SECRET_KEY) uses an S3-compatible service instead of a folder.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context;
use clap::{Parser, Subcommand};
use sha2::{Digest, Sha256};
use shared_model::calendar::tokyo_day;
use shared_model::synthetic::Population;
use sync_server::exchange::bucket::{Bucket, BucketError, FolderBucket};
use sync_server::exchange::export_map::ExportMap;
use sync_server::exchange::layout::ResidentLayout;
use sync_server::exchange::s3::{S3Bucket, S3Config};

/// A stand-in for the core system's side of the file exchange.
#[derive(Debug, Parser)]
struct Args {
    /// Folder of the object storage (the embedded backend).
    #[arg(long, required_unless_present = "s3_endpoint")]
    bucket_dir: Option<PathBuf>,
    /// S3-compatible endpoint instead of a folder.
    #[arg(long, requires = "s3_bucket", conflicts_with = "bucket_dir")]
    s3_endpoint: Option<String>,
    /// Bucket name on the S3-compatible service.
    #[arg(long)]
    s3_bucket: Option<String>,
    /// Region of the S3-compatible service.
    #[arg(long, default_value = "ap-tokyo-1")]
    s3_region: String,
    /// Prefix of the 住基 files.
    #[arg(long, default_value = "inbound/juki/")]
    prefix: String,
    /// Prefix of the batch files the sync server writes.
    #[arg(long, default_value = "outbound/")]
    outbound_prefix: String,
    /// Prefix the result files are written under.
    #[arg(long, default_value = "inbound/results/")]
    results_prefix: String,
    /// Seed of the synthetic register (the same seed gives the same people).
    #[arg(long, default_value_t = 20_270_201)]
    seed: u64,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Write the whole register (全件).
    Full {
        /// Households (about 2.2 persons each; 170,000 for Takasaki's 370,000 residents).
        #[arg(long)]
        households: u64,
    },
    /// Write changes to the register generated with the same seed (差分).
    Delta {
        /// Households of the register it changes.
        #[arg(long)]
        households: u64,
        /// How many residents change (a third move within the city, some move out).
        #[arg(long)]
        changes: usize,
    },
    /// Answer every completed batch file that has no result yet.
    Answer {
        /// Records sent back (差戻し), per thousand; chosen by the record id, so the same
        /// record always gets the same answer.
        #[arg(long, default_value_t = 50)]
        reject_per_mille: u32,
        /// Keep answering new batches until stopped.
        #[arg(long)]
        watch: bool,
        /// Milliseconds between looks at the bucket with --watch.
        #[arg(long, default_value_t = 1_000)]
        interval_ms: u64,
    },
}

/// Why the core system sends a notification back, as its operators would write it.
/// Reasons for a 差戻し, with the person (1, 2, … in the batch) and the batch column they
/// concern when the core system can say.
const REJECTIONS: [(&str, Option<u32>, &str); 6] = [
    (
        "転入前住所の住所コードが住所辞書にありません",
        None,
        "従前の住所",
    ),
    ("世帯番号が基幹の世帯と一致しません", None, ""),
    ("異動日が基幹の最終異動日より前です", None, "異動日"),
    ("同一人の異動が処理中です（二重届出の疑い）", None, ""),
    ("個人番号が基幹の記録と一致しません", Some(1), "個人番号"),
    ("続柄が世帯主との関係として登録できません", Some(1), "続柄"),
];

fn stamp() -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or_default();
    let seconds_today = ((now + 9 * 3_600_000) / 1000).rem_euclid(86_400);
    format!(
        "{}-{:02}{:02}{:02}",
        tokyo_day(now).to_string().replace('-', ""),
        seconds_today / 3600,
        seconds_today / 60 % 60,
        seconds_today % 60
    )
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    match (&args.s3_endpoint, &args.bucket_dir) {
        (Some(endpoint), _) => {
            let key =
                |name: &str| std::env::var(name).map_err(|_| anyhow::anyhow!("{name} is not set"));
            let bucket = S3Bucket::new(&S3Config {
                endpoint: endpoint.clone(),
                region: args.s3_region.clone(),
                bucket: args.s3_bucket.clone().unwrap_or_default(),
                access_key: key("MADOGUCHI_S3_ACCESS_KEY")?,
                secret_key: key("MADOGUCHI_S3_SECRET_KEY")?,
            });
            simulate(&args, &bucket).await
        }
        (None, Some(dir)) => simulate(&args, &FolderBucket::new(dir)).await,
        (None, None) => anyhow::bail!("give --bucket-dir or --s3-endpoint"),
    }
}

async fn simulate<B: Bucket>(args: &Args, bucket: &B) -> anyhow::Result<()> {
    let layout = ResidentLayout::default();
    let (key, text, rows) = match args.command {
        Command::Full { households } => {
            let population = Population::generate(args.seed, households);
            let rows: Vec<_> = population.residents.into_iter().map(|r| (r, "")).collect();
            (
                format!("{}full/{}.csv", args.prefix, stamp()),
                layout.write(&rows),
                rows.len(),
            )
        }
        Command::Delta {
            households,
            changes,
        } => {
            let population = Population::generate(args.seed, households);
            let mut rows = Vec::new();
            for (i, resident) in population.residents.into_iter().take(changes).enumerate() {
                if i % 3 == 2 {
                    rows.push((resident, "削除"));
                } else {
                    let mut moved = resident;
                    moved.address = format!("{}（転居）", moved.address);
                    rows.push((moved, "修正"));
                }
            }
            let n = rows.len();
            (
                format!("{}delta/{}.csv", args.prefix, stamp()),
                layout.write(&rows),
                n,
            )
        }
        Command::Answer {
            reject_per_mille,
            watch,
            interval_ms,
        } => loop {
            let answered = answer(args, bucket, reject_per_mille).await?;
            if answered > 0 {
                println!("answered {answered} batch files");
            }
            if !watch {
                return Ok(());
            }
            tokio::time::sleep(Duration::from_millis(interval_ms)).await;
        },
    };
    bucket
        .put(&key, text.into_bytes())
        .await
        .with_context(|| format!("writing {key}"))?;
    println!("wrote {key} ({rows} rows)");
    Ok(())
}

/// Answers every batch whose completion marker is there and whose result is not.
async fn answer<B: Bucket>(
    args: &Args,
    bucket: &B,
    reject_per_mille: u32,
) -> anyhow::Result<usize> {
    let map = ExportMap::builtin();
    let results = map.results();
    let answered: BTreeSet<String> = bucket
        .list(&args.results_prefix)
        .await?
        .into_iter()
        .map(|o| o.key)
        .collect();
    let mut count = 0;
    for marker in bucket.list(&args.outbound_prefix).await? {
        let Some(batch_key) = marker.key.strip_suffix(".done") else {
            continue;
        };
        let name = batch_key
            .rsplit('/')
            .next()
            .unwrap_or(batch_key)
            .trim_end_matches(".csv");
        let result_key = format!("{}{name}.result.csv", args.results_prefix);
        if answered.contains(&result_key) {
            continue;
        }
        let target_id = batch_key
            .strip_prefix(&args.outbound_prefix)
            .and_then(|rest| rest.split('/').next())
            .unwrap_or_default();
        let Some(column) = map.target(target_id).and_then(|t| t.record_column()) else {
            eprintln!("{batch_key}: no export target {target_id:?}; left unanswered");
            continue;
        };
        let bytes = match bucket.get(batch_key).await {
            Ok(bytes) => bytes,
            Err(BucketError::NotFound(_)) => continue,
            Err(e) => return Err(e.into()),
        };
        let mut reader = csv::Reader::from_reader(bytes.as_slice());
        let mut records = Vec::new();
        let mut seen = BTreeSet::new();
        for row in reader.records() {
            let row = row.with_context(|| format!("reading {batch_key}"))?;
            let record = row.get(column).unwrap_or_default().to_owned();
            if seen.insert(record.clone()) {
                records.push(record);
            }
        }
        let mut writer = csv::WriterBuilder::new()
            .terminator(csv::Terminator::CRLF)
            .from_writer(Vec::new());
        writer.write_record([
            &results.record,
            &results.outcome,
            &results.reason,
            &results.person,
            &results.item,
        ])?;
        for record in &records {
            let digest = Sha256::digest(record.as_bytes());
            let draw = u32::from_be_bytes([digest[0], digest[1], digest[2], digest[3]]);
            if draw % 1000 < reject_per_mille {
                let (reason, person, item) = REJECTIONS[(digest[4] as usize) % REJECTIONS.len()];
                let person = person.map(|p| p.to_string()).unwrap_or_default();
                writer.write_record([record.as_str(), &results.rejected, reason, &person, item])?;
            } else {
                writer.write_record([record.as_str(), &results.accepted, "", "", ""])?;
            }
        }
        let text = writer.into_inner().map_err(|e| anyhow::anyhow!("{e}"))?;
        bucket
            .put(&result_key, text)
            .await
            .with_context(|| format!("writing {result_key}"))?;
        count += 1;
    }
    Ok(count)
}
