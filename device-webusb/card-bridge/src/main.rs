//! `card-bridge`: the local マイナンバーカード bridge for the counter app (see the library's
//! doc). Listens on `127.0.0.1` only; prints the pairing code once at start.
//!
//! ```text
//! card-bridge --origin https://madoguchi.city.takasaki.example [--port 47263] [--reader NAME]
//! ```
#![forbid(unsafe_code)]

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex};

use anyhow::{Context, bail};
use card_bridge::pairing::Pairing;
use card_bridge::pcsc_reader::PcscReader;
use card_bridge::server::{Bridge, router};
use clap::Parser;
use device_webusb::my_number_card::bridge::DEFAULT_PORT;

/// The local マイナンバーカード bridge: the counter's PC/SC reader for the Madoguchi app.
#[derive(Debug, Parser)]
#[command(version)]
struct Args {
    /// The port on 127.0.0.1 (0: any free one, printed at start).
    #[arg(long, env = "MADOGUCHI_CARD_BRIDGE_PORT", default_value_t = DEFAULT_PORT)]
    port: u16,
    /// The app's origin(s) allowed to call, exactly as the browser sends them
    /// (`https://host[:port]`); repeat the flag or separate by commas.
    #[arg(
        long = "origin",
        env = "MADOGUCHI_CARD_BRIDGE_ORIGINS",
        value_delimiter = ',',
        required = true
    )]
    origins: Vec<String>,
    /// Use only readers whose name contains this text.
    #[arg(long, env = "MADOGUCHI_CARD_BRIDGE_READER")]
    reader: Option<String>,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "card_bridge=info".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let args = Args::parse();
    let origins: Vec<String> = args
        .origins
        .iter()
        .map(|o| o.trim().trim_end_matches('/').to_owned())
        .filter(|o| !o.is_empty())
        .collect();
    for origin in &origins {
        if !(origin.starts_with("https://") || origin.starts_with("http://")) {
            bail!("--origin {origin}: an origin is scheme://host[:port]");
        }
    }
    let (pairing, code) = Pairing::new();
    let bridge = Arc::new(Bridge {
        origins: origins.clone(),
        pairing: Mutex::new(pairing),
        reader: Arc::new(PcscReader::new(args.reader)),
    });
    let listener =
        tokio::net::TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, args.port)))
            .await
            .with_context(|| format!("listening on 127.0.0.1:{}", args.port))?;
    let address = listener.local_addr()?;
    println!("listening on http://{address} for {}", origins.join(", "));
    println!("pairing code: {code}");
    println!("ペアリングコード（窓口のアプリで一度だけ入力）: {code}");
    axum::serve(listener, router(bridge))
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
        .context("serving")?;
    Ok(())
}
