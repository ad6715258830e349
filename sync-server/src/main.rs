//! `sync-server`: runs Madoguchi's sync server.
//!
//! ```text
//! sync-server --listen 127.0.0.1:8080 --data ./data [--static ./dist] [--demo]
//! ```

use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::Context;
use clap::{Parser, Subcommand};
use shared_model::tenant::LocalGovernmentCode;
use sync_server::backup::Backup;
use sync_server::exchange::export_map::ExportMap;
use sync_server::exchange::layout::ResidentLayout;
use sync_server::exchange::s3::S3Config;
use sync_server::store::{KioskRecord, Role, StaffRecord, Store};
use sync_server::tls::TlsFiles;
use sync_server::{BucketBackend, Config, ExchangeConfig, Limits, Server, accounts, clock, demo};

/// Madoguchi sync server: automerge-repo v1 over WebSocket, SQLite storage, the PWA.
#[derive(Debug, Parser)]
#[command(version)]
struct Args {
    /// Address to listen on. Plain HTTP is only allowed on loopback; elsewhere give
    /// --tls-cert and --tls-key.
    #[arg(long, default_value = "127.0.0.1:8080")]
    listen: SocketAddr,
    /// PEM certificate chain for HTTPS.
    #[arg(long, requires = "tls_key")]
    tls_cert: Option<PathBuf>,
    /// PEM private key for HTTPS.
    #[arg(long, requires = "tls_cert")]
    tls_key: Option<PathBuf>,
    /// Folder for the SQLite database.
    #[arg(long, default_value = "./data")]
    data: PathBuf,
    /// PostgreSQL instead of SQLite, for several server nodes over one database:
    /// postgres://user:password@host:port/database (migrations are applied at start).
    #[arg(long, value_name = "postgres://…")]
    database: Option<String>,
    /// Most pooled PostgreSQL connections of this node.
    #[arg(long, default_value_t = 16)]
    database_connections: u32,
    /// Folder of the built PWA to serve.
    #[arg(long = "static")]
    static_dir: Option<PathBuf>,
    /// Create demo staff accounts, a few demo visits for today, and (without a bucket, whose
    /// core system fills the register; see --demo-residents) a synthetic resident register,
    /// where there are none.
    #[arg(long)]
    demo: bool,
    /// Fill an empty resident register with this many synthetic households.
    #[arg(long)]
    demo_residents: Option<u64>,
    /// Folder of the object storage shared with the core system (the embedded backend).
    #[arg(long)]
    bucket_dir: Option<PathBuf>,
    /// S3-compatible endpoint of the object storage (instead of --bucket-dir); credentials
    /// from MADOGUCHI_S3_ACCESS_KEY and MADOGUCHI_S3_SECRET_KEY.
    #[arg(long, requires = "s3_bucket")]
    s3_endpoint: Option<String>,
    /// Bucket name on the S3-compatible service.
    #[arg(long)]
    s3_bucket: Option<String>,
    /// Region of the S3-compatible service (for OCI the OCI region, e.g. ap-tokyo-1).
    #[arg(long, default_value = "ap-tokyo-1")]
    s3_region: String,
    /// Seconds between reads of the core system's 住基 files (at most 300).
    #[arg(long, default_value_t = 60)]
    import_interval_secs: u64,
    /// Prefix of the 住基 files in the bucket.
    #[arg(long, default_value = "inbound/juki/")]
    inbound_prefix: String,
    /// Prefix the batch files of confirmed notifications are written under.
    #[arg(long, default_value = "outbound/")]
    outbound_prefix: String,
    /// Prefix the core system's result files (取込結果) appear under.
    #[arg(long, default_value = "inbound/results/")]
    results_prefix: String,
    /// The layout of the 住基 files (TOML): columns, encoding (utf-8 or shift_jis),
    /// check_digit, number_digits, max_bad_share. Default: the 標準仕様書's item names in
    /// UTF-8 with M11 check digits (see sync-server/src/exchange/layout.rs).
    #[arg(long)]
    resident_layout: Option<PathBuf>,
    /// The layout of the 転出証明書's QR code (TOML) the counters and kiosks read codes with,
    /// for a city whose previous towns print another layout. Default:
    /// device-webusb/transfer_certificate.toml. Refused at start if it does not read.
    #[arg(long)]
    transfer_certificate_layout: Option<PathBuf>,
    /// The export map (TOML): which confirmed forms go out and their batch layout. Default:
    /// 住民異動届 and 国民健康保険異動届 (see sync-server/exchange/export.toml).
    #[arg(long)]
    export_map: Option<PathBuf>,
    /// Most records in one batch file.
    #[arg(long, default_value_t = 1_000)]
    batch_max_records: usize,
    /// Milliseconds between export cycles when nothing new is confirmed.
    #[arg(long, default_value_t = 2_000)]
    export_interval_ms: u64,
    /// Largest WebSocket frame accepted, in bytes.
    #[arg(long, default_value_t = Limits::default().max_frame_bytes)]
    max_frame_bytes: usize,
    /// Documents nobody has open kept in memory (beyond these, the least recently used are
    /// dropped and read back from the database when next used).
    #[arg(long, default_value_t = sync_server::hub::MemoryBounds::default().idle_documents)]
    idle_documents: usize,
    /// The city (全国地方公共団体コード, six digits with the check digit). For the server: its
    /// first city, which owns what was stored before cities were told apart and whose
    /// exchange with its core system uses the prefixes as given (a city listed in --cities
    /// has its own under its code). For staff-add, kiosk-add, display-add and their revokes:
    /// the account's, kiosk's or display's city.
    #[arg(long, global = true, default_value = "102024")]
    tenant: LocalGovernmentCode,
    /// The cities file (TOML): each city's name and the data files in which it differs from
    /// the deployment's defaults (see sync-server/src/cities.rs). Checked at start.
    #[arg(long)]
    cities: Option<PathBuf>,
    /// How long a staff session lasts, in seconds (default: 12 hours, one working day).
    #[arg(long, default_value_t = accounts::SESSION_MS as u64 / 1000)]
    session_secs: u64,
    /// `json` (one JSON object per line, for the city's log collection: `timestamp`,
    /// `level`, `fields.message`, and `request_id` in the `request` span) or `text` (for a
    /// person at a terminal). Never any personal data either way.
    #[arg(long, global = true, default_value = "json", value_parser = ["json", "text"])]
    log_format: String,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Copy the database (with --database: by pg_dump) into a new or empty folder while the
    /// server runs: a consistent copy as of one commit, with a manifest and its checksum.
    /// The copy holds everything, the keys of sealed drafts too: keep it as secret as the
    /// data.
    Backup {
        /// The folder to write the backup into (created; must be empty).
        #[arg(long)]
        to: PathBuf,
    },
    /// Put a backup back, the server stopped. Refuses a data folder (or database) that holds
    /// data unless --force (SQLite keeps the replaced database beside it).
    Restore {
        /// The backup folder (as `backup --to` wrote it).
        #[arg(long)]
        from: PathBuf,
        /// Replace the data that is there.
        #[arg(long)]
        force: bool,
    },
    /// Enroll a kiosk tablet: prints its device token once (enter it on the tablet's 受付
    /// screen). Running it again for the same id gives a new token and voids the old one.
    KioskAdd {
        /// Short id (ASCII), e.g. kiosk-1f.
        #[arg(long)]
        id: String,
        /// Where it stands, e.g. 「1階 記入台」.
        #[arg(long)]
        name: String,
    },
    /// Revoke a kiosk tablet (lost, replaced, or moved out of the hall): its device token
    /// opens nothing from now on, also while the server runs. `kiosk-add` with the same id
    /// enrolls it again with a new token.
    KioskRevoke {
        /// The kiosk's id.
        #[arg(long)]
        id: String,
    },
    /// Add a waiting-room display (a TV in the hall): prints its device token once (enter it
    /// on the display's #/display page). Running it again for the same id gives a new token
    /// and voids the old one.
    DisplayAdd {
        /// Short id (ASCII), e.g. hall-1f.
        #[arg(long)]
        id: String,
        /// Where it hangs, e.g. 「1階 待合」.
        #[arg(long)]
        name: String,
    },
    /// Take a waiting-room display out of service: its token opens nothing from now on.
    DisplayRevoke {
        /// The display's id.
        #[arg(long)]
        id: String,
    },
    /// Create or update a staff account; the password is read from standard input.
    StaffAdd {
        /// Login id.
        #[arg(long)]
        login: String,
        /// Display name.
        #[arg(long)]
        name: String,
        /// The 課: shimin, hoken_nenkin or kodomo_katei.
        #[arg(long)]
        department: String,
        /// May see persons under 支援措置 (DV protection) in resident lookups: only for the
        /// staff the city names for it. Their lookups are audited as such.
        #[arg(long)]
        protected_access: bool,
        /// `staff` (counter work) or `admin` (sync status, exchange, audit log). The first
        /// admin is made with this command.
        #[arg(long, default_value = "staff")]
        role: String,
    },
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| "info,tower_http=warn".into());
    if args.log_format == "json" {
        tracing_subscriber::fmt()
            .json()
            .with_current_span(true)
            .with_span_list(false)
            .with_writer(std::io::stderr)
            .with_env_filter(filter)
            .init();
    } else {
        tracing_subscriber::fmt()
            .with_writer(std::io::stderr)
            .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
            .with_env_filter(filter)
            .init();
    }
    if let Some(Command::Backup { to }) = &args.command {
        let manifest = database_of(&args).take(to)?;
        eprintln!(
            "backup of {} written to {} ({} bytes, sha256 {})",
            manifest.kind,
            to.display(),
            manifest.bytes,
            manifest.sha256
        );
        return Ok(());
    }
    if let Some(Command::Restore { from, force }) = &args.command {
        let manifest = database_of(&args).restore(from, *force)?;
        eprintln!(
            "restored the backup of {} taken at {} ms by server {}; start the server now",
            manifest.kind, manifest.taken_at_ms, manifest.server_version
        );
        return Ok(());
    }
    if let Some(Command::KioskAdd { id, name }) = &args.command {
        anyhow::ensure!(
            !id.is_empty()
                && id
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'),
            "the kiosk id must be ASCII letters, digits, - or _"
        );
        let (token, hash) = accounts::new_token();
        let store = open_store(&args)?;
        let saved = store.put_kiosk(
            &KioskRecord {
                id: id.clone(),
                name: name.clone(),
                tenant: args.tenant,
            },
            &hash,
            clock::now_ms(),
        )?;
        anyhow::ensure!(saved, "kiosk {id} is another city's: choose another id");
        // Like display-add and the revokes: who enrolled which tablet is in the city's log.
        store.audit(args.tenant, clock::now_ms(), "system", "kiosk_added", id)?;
        println!("{token}");
        eprintln!("kiosk {id} enrolled; enter the token above on the tablet (shown only now)");
        return Ok(());
    }
    if let Some(Command::KioskRevoke { id }) = &args.command {
        let store = open_store(&args)?;
        anyhow::ensure!(
            store.revoke_kiosk(args.tenant, id)?,
            "no kiosk of {} with the id {id:?} (another city's? give its --tenant)",
            args.tenant
        );
        store.audit(args.tenant, clock::now_ms(), "system", "kiosk_revoked", id)?;
        eprintln!("kiosk {id} revoked: its token opens nothing any more");
        return Ok(());
    }
    if let Some(Command::DisplayAdd { id, name }) = &args.command {
        anyhow::ensure!(
            !id.is_empty()
                && id
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'),
            "the display id must be ASCII letters, digits, - or _"
        );
        let (token, hash) = accounts::new_token();
        let store = open_store(&args)?;
        let saved = store.put_display(
            &sync_server::store::DisplayRecord {
                id: id.clone(),
                name: name.clone(),
                tenant: args.tenant,
            },
            &hash,
            clock::now_ms(),
        )?;
        anyhow::ensure!(saved, "display {id} is another city's: choose another id");
        store.audit(args.tenant, clock::now_ms(), "system", "display_added", id)?;
        println!("{token}");
        eprintln!(
            "display {id} added; enter the token above on its #/display page (shown only now)"
        );
        return Ok(());
    }
    if let Some(Command::DisplayRevoke { id }) = &args.command {
        let store = open_store(&args)?;
        anyhow::ensure!(
            store.revoke_display(args.tenant, id)?,
            "no display of {} with the id {id:?} (another city's? give its --tenant)",
            args.tenant
        );
        store.audit(
            args.tenant,
            clock::now_ms(),
            "system",
            "display_revoked",
            id,
        )?;
        eprintln!("display {id} revoked: its token opens nothing any more");
        return Ok(());
    }
    if let Some(Command::StaffAdd {
        login,
        name,
        department,
        protected_access,
        role,
    }) = &args.command
    {
        let role = Role::from_name(role)
            .ok_or_else(|| anyhow::anyhow!("role must be staff or admin, not {role:?}"))?;
        return staff_add(&args, login, name, department, *protected_access, role);
    }
    let export_map = match &args.export_map {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("reading {}", path.display()))?;
            ExportMap::from_toml(&text).with_context(|| format!("in {}", path.display()))?
        }
        None => ExportMap::builtin().clone(),
    };
    let resident_layout = match &args.resident_layout {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("reading {}", path.display()))?;
            ResidentLayout::from_toml(&text).with_context(|| format!("in {}", path.display()))?
        }
        None => ResidentLayout::default(),
    };
    let transfer_certificate_layout = match &args.transfer_certificate_layout {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("reading {}", path.display()))?;
            device_webusb::transfer_certificate::layout::Layout::parse(&text)
                .with_context(|| format!("in {}", path.display()))?;
            Some(text)
        }
        None => None,
    };
    let exchange = bucket_backend(&args)?.map(|bucket| ExchangeConfig {
        interval_secs: args.import_interval_secs,
        inbound_prefix: args.inbound_prefix.clone(),
        resident_layout,
        export_map,
        outbound_prefix: args.outbound_prefix.clone(),
        results_prefix: args.results_prefix.clone(),
        batch_max_records: args.batch_max_records,
        export_interval: std::time::Duration::from_millis(args.export_interval_ms),
        ..ExchangeConfig::new(bucket)
    });
    let config = Config {
        listen: args.listen,
        data_dir: args.data,
        database: args.database.clone(),
        database_connections: args.database_connections,
        static_dir: args.static_dir,
        limits: Limits {
            max_frame_bytes: args.max_frame_bytes,
            memory: sync_server::hub::MemoryBounds {
                idle_documents: args.idle_documents,
                ..Default::default()
            },
            ..Limits::default()
        },
        exchange,
        tls: match (&args.tls_cert, &args.tls_key) {
            (Some(cert), Some(key)) => Some(TlsFiles {
                cert: cert.clone(),
                key: key.clone(),
            }),
            _ => None,
        },
        session_length: std::time::Duration::from_secs(args.session_secs.max(1)),
        transfer_certificate_layout,
        tenant: args.tenant,
        metrics_token: std::env::var(sync_server::metrics::TOKEN_ENV)
            .ok()
            .filter(|t| !t.trim().is_empty()),
        cities: match &args.cities {
            Some(path) => {
                let text = std::fs::read_to_string(path)
                    .with_context(|| format!("reading {}", path.display()))?;
                let dir = path.parent().unwrap_or(std::path::Path::new("."));
                let cities = sync_server::cities::Cities::from_toml(&text, dir)
                    .with_context(|| format!("in {}", path.display()))?;
                // Said at start, so a truncated or wrong file shows.
                for city in cities.iter() {
                    tracing::info!(
                        code = %city.code,
                        name = %city.name,
                        own_transfer_certificate_layout = city.transfer_certificate_layout.is_some(),
                        own_resident_layout = city.resident_layout.is_some(),
                        own_export_map = city.export_map.is_some(),
                        own_forms = city.catalog.as_ref().map(|c| c.read.catalog.forms.len()),
                        "city"
                    );
                }
                cities
            }
            None => Default::default(),
        },
    };
    let server = Server::bind(config.clone())
        .await
        .with_context(|| format!("starting the server ({})", config.listen))?;
    // With a bucket, residents come from the core system's files; the demo seeds them only
    // when there is no exchange.
    let no_exchange = args.bucket_dir.is_none() && args.s3_endpoint.is_none();
    let demo_households = (args.demo && no_exchange).then_some(2_000);
    if let Some(households) = args.demo_residents.or(demo_households) {
        let added = demo::seed_residents(&server.state().store, args.tenant, households)?;
        tracing::info!(residents = added, "synthetic resident register ready");
    }
    if args.demo {
        demo::seed_staff(&server.state().store, args.tenant)?;
        let made = demo::seed(&server.state().store, args.tenant, clock::now_ms())?;
        tracing::info!(visits = made, "demo data ready");
    }
    let addr = server.local_addr()?;
    // Tests and scripts read this line to learn the port.
    let scheme = if server.is_tls() { "https" } else { "http" };
    println!("listening on {scheme}://{addr}");
    server.run(shutdown_signal()).await?;
    tracing::info!("stopped");
    Ok(())
}

/// The object storage the arguments name, if any.
fn bucket_backend(args: &Args) -> anyhow::Result<Option<BucketBackend>> {
    match (&args.s3_endpoint, &args.bucket_dir) {
        (Some(_), Some(_)) => anyhow::bail!("give either --s3-endpoint or --bucket-dir, not both"),
        (Some(endpoint), None) => {
            let key =
                |name: &str| std::env::var(name).map_err(|_| anyhow::anyhow!("{name} is not set"));
            Ok(Some(BucketBackend::S3(S3Config {
                endpoint: endpoint.clone(),
                region: args.s3_region.clone(),
                bucket: args.s3_bucket.clone().unwrap_or_default(),
                access_key: key("MADOGUCHI_S3_ACCESS_KEY")?,
                secret_key: key("MADOGUCHI_S3_SECRET_KEY")?,
            })))
        }
        (None, Some(dir)) => Ok(Some(BucketBackend::Folder(dir.clone()))),
        (None, None) => Ok(None),
    }
}

/// The store the arguments name: PostgreSQL with --database, else SQLite under --data.
fn open_store(args: &Args) -> anyhow::Result<Store> {
    Ok(match &args.database {
        Some(url) => Store::open_postgres(url, args.database_connections)?,
        None => Store::open(&args.data)?,
    })
}

fn staff_add(
    args: &Args,
    login: &str,
    name: &str,
    department: &str,
    protected_access: bool,
    role: Role,
) -> anyhow::Result<()> {
    anyhow::ensure!(
        accounts::DEPARTMENTS.contains(&department),
        "department must be one of {:?}",
        accounts::DEPARTMENTS
    );
    anyhow::ensure!(!login.trim().is_empty(), "login must not be empty");
    let mut password = String::new();
    std::io::stdin().read_line(&mut password)?;
    let password = password.trim_end_matches(['\r', '\n']);
    anyhow::ensure!(
        password.chars().count() >= 8,
        "password must have at least 8 characters"
    );
    let hash = accounts::hash_password(password).map_err(|e| anyhow::anyhow!("hashing: {e}"))?;
    let store = open_store(args)?;
    // Logins are unique across the deployment: an account is never moved to another city.
    if let Some((existing, _)) = store.staff(login.trim())? {
        anyhow::ensure!(
            existing.tenant == args.tenant,
            "login {login} is an account of {} (not {}): choose another login",
            existing.tenant,
            args.tenant
        );
    }
    store.put_staff(
        &StaffRecord {
            login: login.trim().into(),
            name: name.into(),
            department: department.into(),
            protected_access,
            role,
            tenant: args.tenant,
        },
        &hash,
    )?;
    println!("staff account {login} of {} saved", args.tenant);
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
}

/// Where this server's data is, for backup and restore.
fn database_of(args: &Args) -> Backup {
    match &args.database {
        Some(url) => Backup::Postgres(url.clone()),
        None => Backup::Sqlite(args.data.clone()),
    }
}
