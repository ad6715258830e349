//! [`ServerProcess`]: the `sync-server` binary as a child process.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use anyhow::{Context, bail};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

/// A running `sync-server` on 127.0.0.1.
#[derive(Debug)]
pub struct ServerProcess {
    child: Child,
    port: u16,
    data_dir: PathBuf,
    static_dir: Option<PathBuf>,
    log_path: PathBuf,
    /// The task copying the server's stderr into the log file; done once the process is.
    log_copied: Option<tokio::task::JoinHandle<()>>,
    extra: Vec<String>,
    envs: Vec<(String, String)>,
    peer_token: tokio::sync::OnceCell<String>,
}

/// The administrator account the harness signs its sync peers in as.
const PEER_LOGIN: &str = "sync-peer-admin";
const PEER_PASSWORD: &str = "sync peer password";

/// Creates a staff account with the server's `staff-add` command (password on stdin).
pub async fn add_staff(
    data_dir: &Path,
    login: &str,
    name: &str,
    department: &str,
    password: &str,
) -> anyhow::Result<std::process::Output> {
    add_staff_with(data_dir, login, name, department, password, &[]).await
}

/// [`add_staff`] with extra flags (`--protected-access`).
pub async fn add_staff_with(
    data_dir: &Path,
    login: &str,
    name: &str,
    department: &str,
    password: &str,
    extra: &[&str],
) -> anyhow::Result<std::process::Output> {
    use tokio::io::AsyncWriteExt;
    std::fs::create_dir_all(data_dir)?;
    let mut child = Command::new(server_binary())
        .arg("--data")
        .arg(data_dir)
        .args(database_args(data_dir)?)
        .args([
            "staff-add",
            "--login",
            login,
            "--name",
            name,
            "--department",
            department,
        ])
        .args(extra)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()?;
    let mut stdin = child.stdin.take().expect("piped");
    stdin.write_all(format!("{password}\n").as_bytes()).await?;
    drop(stdin);
    Ok(child.wait_with_output().await?)
}

/// Creates the administrator `login` (of 市民課) with the `staff-add` command.
pub async fn add_admin(data_dir: &Path, login: &str, password: &str) -> anyhow::Result<()> {
    let made = add_staff_with(
        data_dir,
        login,
        "情報 管理",
        "shimin",
        password,
        &["--role", "admin"],
    )
    .await?;
    if !made.status.success() {
        bail!(
            "staff-add --role admin failed: {}",
            String::from_utf8_lossy(&made.stderr)
        );
    }
    Ok(())
}

/// Enrolls a kiosk with the server's `kiosk-add` command; returns its device token.
pub async fn add_kiosk(data_dir: &Path, id: &str, name: &str) -> anyhow::Result<String> {
    add_kiosk_with(data_dir, id, name, &[]).await
}

/// As [`add_kiosk`], with more arguments (`--tenant <code>` for a kiosk of another city).
pub async fn add_kiosk_with(
    data_dir: &Path,
    id: &str,
    name: &str,
    extra: &[&str],
) -> anyhow::Result<String> {
    let mut args = vec!["kiosk-add", "--id", id, "--name", name];
    args.extend_from_slice(extra);
    let output = server_command(data_dir, &args).await?;
    Ok(String::from_utf8(output.stdout)?.trim().to_owned())
}

/// Revokes a kiosk with `sync-server kiosk-revoke` (works while the server runs).
pub async fn revoke_kiosk(data_dir: &Path, id: &str) -> anyhow::Result<()> {
    server_command(data_dir, &["kiosk-revoke", "--id", id]).await?;
    Ok(())
}

/// Runs one of the server's commands over `data_dir`; fails with its message if it does.
async fn server_command(data_dir: &Path, args: &[&str]) -> anyhow::Result<std::process::Output> {
    std::fs::create_dir_all(data_dir)?;
    let output = Command::new(server_binary())
        .arg("--data")
        .arg(data_dir)
        .args(database_args(data_dir)?)
        .args(args)
        .output()
        .await?;
    if !output.status.success() {
        bail!(
            "{} failed: {}",
            args.first().copied().unwrap_or_default(),
            String::from_utf8_lossy(&output.stderr)
        );
    }
    Ok(output)
}

/// The database arguments for a server over `data_dir`: none (SQLite in the folder), or,
/// when `MADOGUCHI_TEST_POSTGRES` names a PostgreSQL cluster, `--database <url>` of a
/// database of the folder's own, created on first use and named in `data_dir/postgres-url`,
/// so every command and restart over the same folder meets the same data.
///
/// A test may write `postgres-url` itself first: folders naming one database are nodes of one
/// server ([`share_database`]).
pub fn database_args(data_dir: &Path) -> anyhow::Result<Vec<String>> {
    let marker = data_dir.join("postgres-url");
    if let Ok(url) = std::fs::read_to_string(&marker) {
        return Ok(vec!["--database".into(), url.trim().to_owned()]);
    }
    let Ok(cluster) = std::env::var("MADOGUCHI_TEST_POSTGRES") else {
        return Ok(Vec::new());
    };
    if cluster.is_empty() {
        return Ok(Vec::new());
    }
    std::fs::create_dir_all(data_dir)?;
    static MADE: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let name = format!(
        "madoguchi_server_{}_{}_{}",
        std::process::id(),
        MADE.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or_default()
    );
    let url = crate::postgres::create_database(&cluster, &name)?;
    std::fs::write(&marker, &url)?;
    Ok(vec!["--database".into(), url])
}

/// Makes the server over `data_dir` use the PostgreSQL database at `url` (written where
/// [`database_args`] looks first), so that servers over several folders are nodes of one.
pub fn share_database(data_dir: &Path, url: &str) -> anyhow::Result<()> {
    std::fs::create_dir_all(data_dir)?;
    std::fs::write(data_dir.join("postgres-url"), url)?;
    Ok(())
}

/// The core-system simulator, built beside the server.
pub fn simulator_binary() -> PathBuf {
    server_binary().with_file_name("core-simulator")
}

/// The server binary: `$MADOGUCHI_SERVER_BIN`, or the debug build in the target folder.
pub fn server_binary() -> PathBuf {
    if let Some(path) = std::env::var_os("MADOGUCHI_SERVER_BIN") {
        return path.into();
    }
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| crate::workspace_root().join("target"));
    target.join("debug").join("sync-server")
}

impl ServerProcess {
    /// Starts a server on a free port over `data_dir`, serving `static_dir` if given.
    pub async fn start(data_dir: &Path, static_dir: Option<&Path>) -> anyhow::Result<Self> {
        Self::start_on(0, data_dir, static_dir).await
    }

    /// Starts a server on `port` (0 for any free one).
    pub async fn start_on(
        port: u16,
        data_dir: &Path,
        static_dir: Option<&Path>,
    ) -> anyhow::Result<Self> {
        Self::start_with(port, data_dir, static_dir, &[]).await
    }

    /// Starts a server with extra command-line arguments.
    pub async fn start_with(
        port: u16,
        data_dir: &Path,
        static_dir: Option<&Path>,
        extra: &[&str],
    ) -> anyhow::Result<Self> {
        Self::start_with_env(port, data_dir, static_dir, extra, &[]).await
    }

    /// Starts a server with extra command-line arguments and environment variables.
    pub async fn start_with_env(
        port: u16,
        data_dir: &Path,
        static_dir: Option<&Path>,
        extra: &[&str],
        envs: &[(&str, &str)],
    ) -> anyhow::Result<Self> {
        let binary = server_binary();
        if !binary.exists() {
            bail!(
                "{} is missing: build it first (cargo xtask test does)",
                binary.display()
            );
        }
        static STARTS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = STARTS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let log_path = data_dir.join(format!("server-{}-{n}.log", std::process::id()));
        let mut command = Command::new(&binary);
        command
            .arg("--listen")
            .arg(format!("127.0.0.1:{port}"))
            .arg("--data")
            .arg(data_dir)
            .args(database_args(data_dir)?)
            .args(extra)
            .env("RUST_LOG", "info")
            .envs(envs.iter().copied())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        if let Some(dir) = static_dir {
            command.arg("--static").arg(dir);
        }
        std::fs::create_dir_all(data_dir)?;
        let mut child = command
            .spawn()
            .with_context(|| binary.display().to_string())?;
        let stdout = child.stdout.take().expect("piped");
        let stderr = child.stderr.take().expect("piped");
        // Keep the server's log in a file so a failing test can show it.
        let log_file = log_path.clone();
        let log_copied = tokio::spawn(async move {
            let mut lines = BufReader::new(stderr).lines();
            let mut out = String::new();
            while let Ok(Some(line)) = lines.next_line().await {
                out.push_str(&line);
                out.push('\n');
                let _ = std::fs::write(&log_file, &out);
            }
        });
        let mut lines = BufReader::new(stdout).lines();
        let line = tokio::time::timeout(Duration::from_secs(20), lines.next_line())
            .await
            .context("server did not start within 20 s")??;
        let Some(line) = line else {
            // A refused start: the reason is the last line of its log, in the file once
            // copied there (a test reads it as soon as this returns).
            let _ = tokio::time::timeout(Duration::from_secs(5), child.wait()).await;
            let _ = tokio::time::timeout(Duration::from_secs(5), log_copied).await;
            anyhow::bail!("server exited before listening");
        };
        let port = line
            .rsplit(':')
            .next()
            .and_then(|p| p.trim().parse().ok())
            .with_context(|| format!("unexpected first line {line:?}"))?;
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        Ok(Self {
            child,
            port,
            data_dir: data_dir.to_path_buf(),
            static_dir: static_dir.map(Path::to_path_buf),
            log_path,
            log_copied: Some(log_copied),
            peer_token: tokio::sync::OnceCell::new(),
            extra: extra.iter().map(|s| s.to_string()).collect(),
            envs: envs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        })
    }

    /// The process id, while it runs (to read its memory from `/proc`).
    pub fn pid(&self) -> Option<u32> {
        self.child.id()
    }

    /// The port it listens on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// `http://127.0.0.1:PORT/`.
    pub fn base_url(&self) -> String {
        format!("http://127.0.0.1:{}/", self.port)
    }

    /// `ws://127.0.0.1:PORT/sync`, without credentials (the server refuses it: 401).
    pub fn sync_url(&self) -> String {
        format!("ws://127.0.0.1:{}/sync", self.port)
    }

    /// The sync URL for a peer signed in as an administrator the harness creates (who may
    /// reach every document): `ws://127.0.0.1:PORT/sync?session=TOKEN`, as non-browser
    /// clients (the npm automerge-repo client, our native peer) authenticate.
    pub async fn peer_url(&self) -> String {
        let token = self
            .peer_token
            .get_or_init(|| async {
                let made = add_staff_with(
                    &self.data_dir,
                    PEER_LOGIN,
                    "同期 試験",
                    "shimin",
                    PEER_PASSWORD,
                    &["--role", "admin"],
                )
                .await
                .expect("staff-add runs");
                assert!(
                    made.status.success(),
                    "{}",
                    String::from_utf8_lossy(&made.stderr)
                );
                let cookie = self
                    .sign_in(PEER_LOGIN, PEER_PASSWORD)
                    .await
                    .expect("the harness's admin signs in");
                cookie
                    .split_once('=')
                    .map(|(_, token)| token.to_owned())
                    .unwrap_or_default()
            })
            .await;
        self.url_with_session(token)
    }

    /// The sync URL for a session token of someone the test signed in.
    pub fn url_with_session(&self, token: &str) -> String {
        format!("{}?session={token}", self.sync_url())
    }

    /// What the server logged so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log_path).unwrap_or_default()
    }

    /// Waits up to 5 s for `needle` to appear in the log, and returns the log.
    pub async fn wait_for_log(&self, needle: &str) -> String {
        for _ in 0..100 {
            let log = self.log();
            if log.contains(needle) {
                return log;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        self.log()
    }

    /// Kills the process at once (SIGKILL), as a crash would.
    pub async fn kill(&mut self) -> anyhow::Result<()> {
        self.child.kill().await?;
        Ok(())
    }

    /// Stops the process with SIGTERM and waits for a clean exit.
    pub async fn stop(&mut self) -> anyhow::Result<()> {
        let pid = self.child.id().context("already exited")?;
        let status = Command::new("kill")
            .arg("-TERM")
            .arg(pid.to_string())
            .status()
            .await?;
        if !status.success() {
            bail!("kill -TERM failed");
        }
        let exit = tokio::time::timeout(Duration::from_secs(10), self.child.wait())
            .await
            .context("server did not stop within 10 s of SIGTERM")??;
        if !exit.success() {
            bail!("server exited with {exit}");
        }
        Ok(())
    }

    /// Kills the process (SIGKILL, as a crash would) if it still runs, and starts a new one
    /// over the same data (and port, so clients reconnect to the same URL), with the same
    /// arguments and environment. The session behind [`ServerProcess::peer_url`] is in the
    /// data, so that URL stays valid.
    pub async fn restart(&mut self) -> anyhow::Result<()> {
        let _ = self.child.kill().await;
        let _ = self.child.wait().await;
        let extra: Vec<&str> = self.extra.iter().map(String::as_str).collect();
        let envs: Vec<(&str, &str)> = self
            .envs
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let next = Self::start_with_env(
            self.port,
            &self.data_dir,
            self.static_dir.as_deref(),
            &extra,
            &envs,
        )
        .await?;
        let peer_token = std::mem::take(&mut self.peer_token);
        *self = next;
        self.peer_token = peer_token;
        Ok(())
    }

    /// Waits up to `limit` for the process to end on its own (a crash point, for example),
    /// and for its last words to be in [`ServerProcess::log`].
    pub async fn wait_exit(&mut self, limit: Duration) -> anyhow::Result<std::process::ExitStatus> {
        let status = tokio::time::timeout(limit, self.child.wait())
            .await
            .context("the server is still running")??;
        // What the process wrote last is in the log once it has been copied there.
        if let Some(copying) = self.log_copied.take() {
            let _ = tokio::time::timeout(Duration::from_secs(5), copying).await;
        }
        Ok(status)
    }

    /// A plain HTTP GET on loopback, returning status, headers and body.
    pub async fn get(&self, path: &str) -> anyhow::Result<(u16, String, Vec<u8>)> {
        http_request(self.port, "GET", path, None, None, &[]).await
    }

    /// A plain HTTP POST of a JSON body.
    pub async fn post_json(
        &self,
        path: &str,
        body: &str,
    ) -> anyhow::Result<(u16, String, Vec<u8>)> {
        http_request(self.port, "POST", path, Some(body), None, &[]).await
    }

    /// A fresh single-use sign-in nonce.
    pub async fn nonce(&self) -> anyhow::Result<String> {
        let (status, _, body) = self.get("/api/session/nonce").await?;
        if status != 200 {
            bail!("the nonce answered {status}");
        }
        let answer: serde_json::Value = serde_json::from_slice(&body)?;
        answer["nonce"]
            .as_str()
            .map(str::to_owned)
            .context("no nonce in the answer")
    }

    /// The body of a sign-in, with a fresh nonce.
    pub async fn sign_in_body(&self, login: &str, password: &str) -> anyhow::Result<String> {
        let nonce = self.nonce().await?;
        Ok(serde_json::json!({ "login": login, "password": password, "nonce": nonce }).to_string())
    }

    /// Signs a staff member in and returns the `Cookie` header value of the session.
    pub async fn sign_in(&self, login: &str, password: &str) -> anyhow::Result<String> {
        let body = self.sign_in_body(login, password).await?;
        let (status, head, _) = self.post_json("/api/session", &body).await?;
        if status != 200 {
            bail!("sign-in as {login} answered {status}");
        }
        set_cookie(&head).context("no session cookie")
    }

    /// Any request, with an optional JSON body and `Cookie` header.
    pub async fn request(
        &self,
        method: &str,
        path: &str,
        json: Option<&str>,
        cookie: Option<&str>,
    ) -> anyhow::Result<(u16, String, Vec<u8>)> {
        http_request(self.port, method, path, json, cookie, &[]).await
    }

    /// Any request, with extra headers as well.
    pub async fn request_with(
        &self,
        method: &str,
        path: &str,
        json: Option<&str>,
        cookie: Option<&str>,
        headers: &[(&str, &str)],
    ) -> anyhow::Result<(u16, String, Vec<u8>)> {
        http_request(self.port, method, path, json, cookie, headers).await
    }
}

/// The `name=value` of the first `Set-Cookie` header in a response head, ready to send back
/// as a `Cookie` header.
pub fn set_cookie(head: &str) -> Option<String> {
    head.lines()
        .find(|l| l.to_ascii_lowercase().starts_with("set-cookie:"))
        .and_then(|l| l.split_once(':'))
        .and_then(|(_, v)| v.trim().split(';').next())
        .map(str::to_owned)
}

/// The value of header `name` (any case) in a response head, trimmed; `None` when absent.
pub fn header<'a>(head: &'a str, name: &str) -> Option<&'a str> {
    head.lines().find_map(|line| {
        let (k, v) = line.split_once(':')?;
        k.eq_ignore_ascii_case(name).then(|| v.trim())
    })
}

/// A minimal HTTP/1.1 client for loopback tests (no TLS, `Connection: close`).
async fn http_request(
    port: u16,
    method: &str,
    path: &str,
    json: Option<&str>,
    cookie: Option<&str>,
    headers: &[(&str, &str)],
) -> anyhow::Result<(u16, String, Vec<u8>)> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(("127.0.0.1", port)).await?;
    let body = json.unwrap_or("");
    let mut request =
        format!("{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n");
    if let Some(cookie) = cookie {
        request.push_str(&format!("Cookie: {cookie}\r\n"));
    }
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    if json.is_some() {
        request.push_str(&format!(
            "Content-Type: application/json\r\nContent-Length: {}\r\n",
            body.len()
        ));
    }
    request.push_str("\r\n");
    request.push_str(body);
    stream.write_all(request.as_bytes()).await?;
    let mut response = Vec::new();
    stream.read_to_end(&mut response).await?;
    let split = response
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .context("no end of headers")?;
    let head = String::from_utf8_lossy(&response[..split]).to_string();
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .context("no status")?;
    let mut body = response[split + 4..].to_vec();
    if head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked")
    {
        body = dechunk(&body);
    }
    Ok((status, head, body))
}

fn dechunk(mut body: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(line_end) = body.windows(2).position(|w| w == b"\r\n") {
        let size = usize::from_str_radix(String::from_utf8_lossy(&body[..line_end]).trim(), 16)
            .unwrap_or(0);
        if size == 0 {
            break;
        }
        let start = line_end + 2;
        out.extend_from_slice(&body[start..(start + size).min(body.len())]);
        body = &body[(start + size + 2).min(body.len())..];
    }
    out
}
