//! What the bridge's end-to-end test runs: namespaces of its own
//! ([`ran_in_own_namespaces`]), a pcscd with a vpcd reader ([`Pcscd`]),
//! the virtual card ([`vicc::Vicc`]), the bridge binary ([`BridgeProcess`]) and a small
//! HTTP/1.1 client ([`BridgeProcess::call`]).
// Each test binary uses a part of it.
#![allow(dead_code)]

pub mod vicc;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// vpcd's driver as Debian's `vsmartcard-vpcd` installs it.
pub const VPCD_DRIVER: &str = "/usr/lib/pcsc/drivers/serial/libifdvpcd.so";
/// Debian's `pcscd`.
pub const PCSCD: &str = "/usr/sbin/pcscd";

/// The environment variable that tells a test it runs inside its own namespaces.
const INSIDE: &str = "MADOGUCHI_CARD_TEST_NAMESPACES";

/// Runs the test `name` of this binary again inside a network and a mount namespace of its
/// own (`unshare --net --mount`, with `--map-root-user` when not root), and checks it
/// passed there; returns `false` there, `true` here (the caller returns at once).
///
/// In the network namespace loopback is the only interface, so vpcd (which listens on every
/// interface) and the bridge are reachable from this machine alone, and their ports collide
/// with nothing; in the mount namespace `/run/pcscd` (where pcscd 1.9 puts its socket
/// whatever the environment says) is a folder of the test, so the machine's own pcscd, if
/// any, is not touched.
pub fn ran_in_own_namespaces(name: &str) -> bool {
    if std::env::var_os(INSIDE).is_some() {
        let up = Command::new("ip")
            .args(["link", "set", "lo", "up"])
            .status();
        assert!(
            up.is_ok_and(|s| s.success()),
            "ip link set lo up (iproute2) failed"
        );
        return false;
    }
    let mut command = Command::new("unshare");
    command
        .args(["--net", "--mount", "--propagation", "private"])
        .arg("--kill-child");
    if !running_as_root() {
        command.arg("--map-root-user");
    }
    let output = command
        .arg(std::env::current_exe().unwrap())
        .args(["--exact", name, "--nocapture", "--test-threads=1"])
        .env(INSIDE, "1")
        .stdin(Stdio::null())
        .stderr(Stdio::inherit())
        .output()
        .expect("running unshare (util-linux)");
    let stdout = String::from_utf8_lossy(&output.stdout);
    print!("{stdout}");
    assert!(
        output.status.success() && stdout.contains("test result: ok. 1 passed"),
        "{name} failed inside its namespaces"
    );
    true
}

/// A pcscd of the test's own, with one vpcd reader listening on `port` (call inside
/// [`ran_in_own_namespaces`]). Stopped on drop.
pub struct Pcscd {
    child: Child,
    dir: tempfile::TempDir,
}

impl Pcscd {
    /// Starts pcscd for a vpcd reader on `port`; waits for its socket.
    pub fn start(port: u16) -> Pcscd {
        for needed in [PCSCD, VPCD_DRIVER] {
            assert!(
                Path::new(needed).exists(),
                "{needed} is missing: install Debian's pcscd and vsmartcard-vpcd \
                 (cargo xtask test does)"
            );
        }
        let dir = tempfile::tempdir().unwrap();
        let run = dir.path().join("run");
        std::fs::create_dir(&run).unwrap();
        std::fs::create_dir_all("/run/pcscd").unwrap();
        let bound = Command::new("mount")
            .arg("--bind")
            .arg(&run)
            .arg("/run/pcscd")
            .status();
        assert!(
            bound.is_ok_and(|s| s.success()),
            "mount --bind over /run/pcscd failed"
        );
        let conf = dir.path().join("reader.conf");
        std::fs::write(
            &conf,
            format!(
                "FRIENDLYNAME \"Madoguchi test reader\"\nDEVICENAME /dev/null:{port}\n\
                 LIBPATH {VPCD_DRIVER}\nCHANNELID {port}\n"
            ),
        )
        .unwrap();
        let log = std::fs::File::create(dir.path().join("pcscd.log")).unwrap();
        let child = Command::new(PCSCD)
            .args(["--foreground", "--debug", "--config"])
            .arg(&conf)
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .unwrap();
        let pcscd = Pcscd { child, dir };
        let socket = pcscd.socket();
        wait_for("pcscd's socket", Duration::from_secs(10), || {
            socket.exists().then_some(())
        });
        pcscd
    }

    /// The socket clients reach it through (`PCSCLITE_CSOCK_NAME`).
    pub fn socket(&self) -> PathBuf {
        self.dir.path().join("run").join("pcscd.comm")
    }

    /// Where pcscd logs (printed when a check fails).
    pub fn log_path(&self) -> PathBuf {
        self.dir.path().join("pcscd.log")
    }

    /// Stops it (SIGTERM, so it cleans up; SIGKILL after 5 s).
    pub fn stop(&mut self) {
        if let Ok(Some(_)) = self.child.try_wait() {
            return;
        }
        let _ = Command::new("kill")
            .arg(self.child.id().to_string())
            .status();
        let until = Instant::now() + Duration::from_secs(5);
        while Instant::now() < until {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Pcscd {
    fn drop(&mut self) {
        self.stop();
    }
}

fn running_as_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

/// Polls `check` every 100 ms until it gives something; panics naming `what` after `limit`.
pub fn wait_for<T>(what: &str, limit: Duration, mut check: impl FnMut() -> Option<T>) -> T {
    let until = Instant::now() + limit;
    loop {
        if let Some(found) = check() {
            return found;
        }
        assert!(Instant::now() < until, "waited {limit:?} for {what}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// The card-bridge binary, listening on a free port, talking to `pcscd`.
pub struct BridgeProcess {
    child: Child,
    /// Its port on 127.0.0.1.
    pub port: u16,
    /// The pairing code it printed.
    pub code: String,
    /// Everything it printed (standard output and its log on standard error), as it comes.
    printed: std::sync::Arc<std::sync::Mutex<String>>,
}

impl BridgeProcess {
    /// Starts the bridge for `origin` with pcscd's socket; reads its port and pairing code
    /// from what it prints.
    pub fn start(origin: &str, pcscd_socket: &Path) -> BridgeProcess {
        BridgeProcess::start_on(0, origin, pcscd_socket)
    }

    /// As [`BridgeProcess::start`], on `port` (0: any free one).
    pub fn start_on(port: u16, origin: &str, pcscd_socket: &Path) -> BridgeProcess {
        let mut child = Command::new(env!("CARGO_BIN_EXE_card-bridge"))
            .args(["--port", &port.to_string(), "--origin", origin])
            .env("PCSCLITE_CSOCK_NAME", pcscd_socket)
            .env("RUST_LOG", "card_bridge=info")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let printed = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
        let stderr = BufReader::new(child.stderr.take().unwrap());
        {
            let printed = printed.clone();
            std::thread::spawn(move || {
                for line in stderr.lines().map_while(Result::ok) {
                    eprintln!("{line}");
                    printed.lock().unwrap().push_str(&(line + "\n"));
                }
            });
        }
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let mut port = None;
        let mut code = None;
        while code.is_none() {
            let line = lines
                .next()
                .expect("the bridge stopped before printing its pairing code")
                .unwrap();
            printed.lock().unwrap().push_str(&format!("{line}\n"));
            if let Some(rest) = line.strip_prefix("listening on http://127.0.0.1:") {
                port = rest.split_whitespace().next().and_then(|p| p.parse().ok());
            }
            if let Some(rest) = line.strip_prefix("pairing code: ") {
                code = Some(rest.trim().to_owned());
            }
        }
        // Keep reading its output so it never blocks on a full pipe.
        {
            let printed = printed.clone();
            std::thread::spawn(move || {
                for line in lines.map_while(Result::ok) {
                    printed.lock().unwrap().push_str(&(line + "\n"));
                }
            });
        }
        BridgeProcess {
            child,
            port: port.expect("the bridge printed where it listens"),
            code: code.unwrap(),
            printed,
        }
    }

    /// Everything the bridge printed so far.
    pub fn printed(&self) -> String {
        self.printed.lock().unwrap().clone()
    }

    /// One HTTP/1.1 call: `headers` as given plus `Host`, `Content-Length` and
    /// `Connection: close`; the status, the raw response headers and the JSON body (`Null`
    /// when empty).
    pub fn call(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: Option<&str>,
    ) -> (u16, String, serde_json::Value) {
        let mut stream = TcpStream::connect(("127.0.0.1", self.port)).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(30)))
            .unwrap();
        let body = body.unwrap_or("");
        let mut request = format!(
            "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nConnection: close\r\n\
             Content-Length: {}\r\n",
            self.port,
            body.len()
        );
        if !body.is_empty() {
            request.push_str("Content-Type: application/json\r\n");
        }
        for (name, value) in headers {
            request.push_str(&format!("{name}: {value}\r\n"));
        }
        request.push_str("\r\n");
        request.push_str(body);
        stream.write_all(request.as_bytes()).unwrap();
        let mut response = String::new();
        stream.read_to_string(&mut response).unwrap();
        let (head, body) = response.split_once("\r\n\r\n").unwrap_or((&response, ""));
        let status = head
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| panic!("no status line in {head:?}"));
        let json = if body.is_empty() {
            serde_json::Value::Null
        } else {
            serde_json::from_str(body).unwrap_or_else(|e| panic!("{e}: {body:?}"))
        };
        (status, head.to_owned(), json)
    }
}

impl Drop for BridgeProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
