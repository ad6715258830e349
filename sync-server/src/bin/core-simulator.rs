//! `core-simulator`: stands in for the core system (e-SUITE V2) in the demo and the tests. It
//! writes a synthetic resident register (full files) and changes to it (delta files) into the
//! bucket, in the agreed layout.
//!
//! ```text
//! core-simulator --bucket-dir DIR full  --households 2000 [--seed 20270201]
//! core-simulator --bucket-dir DIR delta --households 2000 --changes 50 [--seed 20270201]
//! ```

use std::path::PathBuf;

use anyhow::Context;
use clap::{Parser, Subcommand};
use shared_model::calendar::tokyo_day;
use shared_model::synthetic::Population;
use sync_server::exchange::bucket::{Bucket, FolderBucket};
use sync_server::exchange::layout::ResidentLayout;

/// A stand-in for the core system's side of the file exchange.
#[derive(Debug, Parser)]
struct Args {
    /// Folder of the object storage (the embedded backend).
    #[arg(long)]
    bucket_dir: PathBuf,
    /// Prefix of the 住基 files.
    #[arg(long, default_value = "inbound/juki/")]
    prefix: String,
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
        /// Households (about 2.2 persons each; 170,000 for Takasaki).
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
}

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
    let bucket = FolderBucket::new(&args.bucket_dir);
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
    };
    bucket
        .put(&key, text.into_bytes())
        .await
        .with_context(|| format!("writing {key}"))?;
    println!("wrote {key} ({rows} rows)");
    Ok(())
}
