//! [`Backup`]: a consistent copy of the server's database, taken while the server runs, and
//! putting one back (`sync-server backup --to DIR`, `sync-server restore --from DIR`).
//!
//! Everything the server keeps is in its database: documents, visits, staff, sessions, the
//! audit log, the resident register and the keys that seal drafts at rest. A backup is
//! therefore as secret as the data itself.
//!
//! A backup folder holds
//! - `madoguchi.sqlite3`: for SQLite, a copy made with SQLite's online backup API in one
//!   step under a read transaction (in WAL mode the server keeps writing meanwhile; the copy
//!   is the database as of one commit), checked with `PRAGMA integrity_check`;
//! - or `madoguchi.pgdump`: for PostgreSQL, `pg_dump --format=custom` (one snapshot of the
//!   database, also while nodes write);
//! - `backup.toml` ([`Manifest`]): when, from which server version, which file and its
//!   SHA-256, checked again before a restore.
//!
//! A restore refuses a data folder (or database) that already holds data unless forced; a
//! forced SQLite restore keeps the database it replaces beside it
//! (`madoguchi.sqlite3.before-restore-<ms>`). The server must be stopped for a restore.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// The SQLite database's file name in the data folder and in a backup.
pub const SQLITE_FILE: &str = "madoguchi.sqlite3";
/// The PostgreSQL dump's file name in a backup.
pub const PG_DUMP_FILE: &str = "madoguchi.pgdump";
/// The manifest's file name in a backup.
pub const MANIFEST_FILE: &str = "backup.toml";

/// Why a backup or a restore failed.
#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    /// The backup folder exists and is not empty.
    #[error("{0} is not empty: give a new or empty folder for the backup")]
    TargetNotEmpty(PathBuf),
    /// A server or a command has the data folder's database open.
    #[error("{0} is in use by a running server or command: stop it before restoring")]
    InUse(PathBuf),
    /// The data folder already holds a database (restore without `--force`).
    #[error(
        "{0} already holds a database: stop the server and give --force to replace it (it is kept beside as {SQLITE_FILE}.before-restore-<ms>)"
    )]
    DataNotEmpty(PathBuf),
    /// No manifest, or one that does not read.
    #[error("{path} is not a Madoguchi backup: {why}")]
    NotABackup {
        /// The manifest's path.
        path: PathBuf,
        /// What is wrong with it.
        why: String,
    },
    /// The backup is of the other database kind.
    #[error("the backup in {dir} is of {found}, but the server is configured for {wanted}")]
    WrongKind {
        /// The backup folder.
        dir: PathBuf,
        /// The backup's kind.
        found: DatabaseKind,
        /// The configured kind.
        wanted: DatabaseKind,
    },
    /// The backed-up file does not match the manifest's checksum.
    #[error("{0} does not match the checksum in {MANIFEST_FILE}: the backup is damaged")]
    Damaged(PathBuf),
    /// SQLite's integrity check found faults in a copy.
    #[error("the copy in {path} failed SQLite's integrity check: {report}")]
    Integrity {
        /// The copy.
        path: PathBuf,
        /// What `PRAGMA integrity_check` said.
        report: String,
    },
    /// `pg_dump` or `pg_restore` could not run or failed.
    #[error("{tool} failed: {message}")]
    Tool {
        /// `pg_dump` or `pg_restore`.
        tool: &'static str,
        /// Its standard error, or why it could not start.
        message: String,
    },
    /// SQLite refused.
    #[error("SQLite: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        source: std::io::Error,
    },
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> BackupError + '_ {
    move |source| BackupError::Io {
        path: path.to_owned(),
        source,
    }
}

/// Which database a backup is of.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DatabaseKind {
    /// The embedded SQLite database.
    Sqlite,
    /// PostgreSQL.
    Postgres,
}

impl std::fmt::Display for DatabaseKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            DatabaseKind::Sqlite => "SQLite",
            DatabaseKind::Postgres => "PostgreSQL",
        })
    }
}

/// `backup.toml`: what a backup holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    /// When the copy was taken, milliseconds since the Unix epoch.
    pub taken_at_ms: i64,
    /// The server version that took it (`CARGO_PKG_VERSION`).
    pub server_version: String,
    /// The database it is of.
    pub kind: DatabaseKind,
    /// The file in the backup folder.
    pub file: String,
    /// Its size, bytes.
    pub bytes: u64,
    /// Its SHA-256, lowercase hex.
    pub sha256: String,
}

/// Where the server's data is: an SQLite data folder or a PostgreSQL URL.
#[derive(Debug, Clone)]
pub enum Backup {
    /// `madoguchi.sqlite3` in this folder.
    Sqlite(PathBuf),
    /// The database at this `postgres://` URL.
    Postgres(String),
}

impl Backup {
    fn kind(&self) -> DatabaseKind {
        match self {
            Backup::Sqlite(_) => DatabaseKind::Sqlite,
            Backup::Postgres(_) => DatabaseKind::Postgres,
        }
    }

    /// Copies the database into `to` (created if missing; it must be empty) while the
    /// server may run, and writes its manifest.
    ///
    /// # Errors
    /// [`BackupError`]: `to` not empty, the database unreadable, the copy failing its
    /// integrity check, `pg_dump` failing, or a file not written.
    pub fn take(&self, to: &Path) -> Result<Manifest, BackupError> {
        if to.exists() && std::fs::read_dir(to).map_err(io(to))?.next().is_some() {
            return Err(BackupError::TargetNotEmpty(to.to_owned()));
        }
        std::fs::create_dir_all(to).map_err(io(to))?;
        secret(to, 0o700)?;
        let file = match self {
            Backup::Sqlite(data) => {
                let copy = to.join(SQLITE_FILE);
                copy_sqlite(&data.join(SQLITE_FILE), &copy)?;
                copy
            }
            Backup::Postgres(url) => {
                let dump = to.join(PG_DUMP_FILE);
                run_tool(
                    "pg_dump",
                    Command::new("pg_dump")
                        .arg("--format=custom")
                        .arg("--no-owner")
                        .arg("--file")
                        .arg(&dump)
                        .arg(format!("--dbname={url}")),
                )?;
                dump
            }
        };
        let (bytes, sha256) = digest(&file)?;
        let manifest = Manifest {
            taken_at_ms: crate::clock::now_ms(),
            server_version: env!("CARGO_PKG_VERSION").to_owned(),
            kind: self.kind(),
            file: file
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
            bytes,
            sha256,
        };
        let path = to.join(MANIFEST_FILE);
        let text = toml::to_string(&manifest).map_err(|e| BackupError::NotABackup {
            path: path.clone(),
            why: e.to_string(),
        })?;
        std::fs::write(&path, text).map_err(io(&path))?;
        secret(&path, 0o600)?;
        secret(&file, 0o600)?;
        Ok(manifest)
    }

    /// Puts the backup in `from` back (the server stopped). Refuses a data folder or a
    /// database that already holds data unless `force`.
    ///
    /// # Errors
    /// [`BackupError`]: no or a damaged backup, one of the other kind, data present without
    /// `force`, `pg_restore` failing, or a file not written.
    pub fn restore(&self, from: &Path, force: bool) -> Result<Manifest, BackupError> {
        let manifest = read_manifest(from)?;
        if manifest.kind != self.kind() {
            return Err(BackupError::WrongKind {
                dir: from.to_owned(),
                found: manifest.kind,
                wanted: self.kind(),
            });
        }
        let file = from.join(&manifest.file);
        if digest(&file)?.1 != manifest.sha256 {
            return Err(BackupError::Damaged(file));
        }
        match self {
            Backup::Sqlite(data) => {
                let target = data.join(SQLITE_FILE);
                if target.exists() && !force {
                    return Err(BackupError::DataNotEmpty(data.clone()));
                }
                std::fs::create_dir_all(data).map_err(io(data))?;
                // Held until the restore is done: no server or command may have the
                // database open (they hold the lock shared while they do).
                let lock = crate::store::open_lock(data).map_err(io(data))?;
                if lock.try_lock().is_err() {
                    return Err(BackupError::InUse(data.clone()));
                }
                let partial = data.join(format!("{SQLITE_FILE}.restoring"));
                std::fs::copy(&file, &partial).map_err(io(&partial))?;
                secret(&partial, 0o600)?;
                check_integrity(&partial)?;
                if target.exists() {
                    // What the replaced database still had in its write-ahead log goes
                    // into it first, so the copy kept beside is whole.
                    let old = rusqlite::Connection::open(&target)?;
                    old.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
                    // One self-contained file (refused, harmlessly, if another connection of
                    // this process has it open).
                    let _ = old.pragma_update(None, "journal_mode", "DELETE");
                    drop(old);
                    let kept = data.join(format!(
                        "{SQLITE_FILE}.before-restore-{}",
                        crate::clock::now_ms()
                    ));
                    std::fs::rename(&target, &kept).map_err(io(&target))?;
                }
                remove_sides(&target)?;
                std::fs::rename(&partial, &target).map_err(io(&target))?;
                remove_sides(&partial)?;
                drop(lock);
            }
            Backup::Postgres(url) => {
                let mut restore = Command::new("pg_restore");
                restore
                    .arg("--no-owner")
                    .arg("--exit-on-error")
                    .arg("--single-transaction");
                if force {
                    restore.arg("--clean").arg("--if-exists");
                }
                restore.arg(format!("--dbname={url}")).arg(&file);
                run_tool("pg_restore", &mut restore)?;
            }
        }
        Ok(manifest)
    }
}

/// Copies the SQLite database at `source` into a new file `copy`, in one step of SQLite's
/// online backup API, and checks the copy.
fn copy_sqlite(source: &Path, copy: &Path) -> Result<(), BackupError> {
    if !source.exists() {
        return Err(BackupError::Io {
            path: source.to_owned(),
            source: std::io::Error::new(std::io::ErrorKind::NotFound, "no database here"),
        });
    }
    let from = rusqlite::Connection::open_with_flags(
        source,
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    from.busy_timeout(std::time::Duration::from_secs(30))?;
    let partial = copy.with_extension("sqlite3.partial");
    {
        let mut to = rusqlite::Connection::open(&partial)?;
        {
            let backup = rusqlite::backup::Backup::new(&from, &mut to)?;
            // All pages in one step: one read transaction, so one commit's state, and never
            // restarted by the server's writes.
            loop {
                match backup.step(-1)? {
                    rusqlite::backup::StepResult::Done => break,
                    rusqlite::backup::StepResult::More => continue,
                    _ => std::thread::sleep(std::time::Duration::from_millis(50)),
                }
            }
        }
        // One self-contained file: the copy took the source's WAL mode with its pages.
        to.pragma_update(None, "journal_mode", "DELETE")?;
    }
    remove_sides(&partial)?;
    check_integrity(&partial)?;
    std::fs::rename(&partial, copy).map_err(io(copy))?;
    Ok(())
}

/// Removes the `-wal` and `-shm` files beside the SQLite database `path`, if any.
fn remove_sides(path: &Path) -> Result<(), BackupError> {
    for suffix in ["-wal", "-shm"] {
        let mut side = path.as_os_str().to_owned();
        side.push(suffix);
        let side = PathBuf::from(side);
        if side.exists() {
            std::fs::remove_file(&side).map_err(io(&side))?;
        }
    }
    Ok(())
}

/// Makes `path` readable by the server's user only (a backup is as secret as the data).
fn secret(path: &Path, mode: u32) -> Result<(), BackupError> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).map_err(io(path))?;
    }
    #[cfg(not(unix))]
    let _ = (path, mode);
    Ok(())
}

fn check_integrity(path: &Path) -> Result<(), BackupError> {
    let conn = rusqlite::Connection::open_with_flags(
        path,
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    let report: String = conn.query_row("PRAGMA integrity_check", [], |r| r.get(0))?;
    if report != "ok" {
        return Err(BackupError::Integrity {
            path: path.to_owned(),
            report,
        });
    }
    Ok(())
}

/// Reads and checks `dir/backup.toml`.
pub fn read_manifest(dir: &Path) -> Result<Manifest, BackupError> {
    let path = dir.join(MANIFEST_FILE);
    let text = std::fs::read_to_string(&path).map_err(|e| BackupError::NotABackup {
        path: path.clone(),
        why: e.to_string(),
    })?;
    toml::from_str(&text).map_err(|e| BackupError::NotABackup {
        path,
        why: e.to_string(),
    })
}

/// The size and SHA-256 (lowercase hex) of `path`.
fn digest(path: &Path) -> Result<(u64, String), BackupError> {
    let mut file = std::fs::File::open(path).map_err(io(path))?;
    let mut hasher = Sha256::new();
    let mut buffer = vec![0u8; 1 << 16];
    let mut bytes = 0u64;
    loop {
        let n = file.read(&mut buffer).map_err(io(path))?;
        if n == 0 {
            break;
        }
        bytes += n as u64;
        hasher.update(&buffer[..n]);
    }
    let hex = hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    Ok((bytes, hex))
}

fn run_tool(tool: &'static str, command: &mut Command) -> Result<(), BackupError> {
    let output = command.output().map_err(|e| BackupError::Tool {
        tool,
        message: format!("could not start it ({e}); install PostgreSQL's client tools"),
    })?;
    if !output.status.success() {
        return Err(BackupError::Tool {
            tool,
            message: String::from_utf8_lossy(&output.stderr).trim().to_owned(),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn database(dir: &Path, rows: i64) {
        let conn = rusqlite::Connection::open(dir.join(SQLITE_FILE)).unwrap();
        conn.execute_batch(
            "PRAGMA journal_mode = WAL; CREATE TABLE IF NOT EXISTS t (n INTEGER PRIMARY KEY);",
        )
        .unwrap();
        for n in 0..rows {
            conn.execute("INSERT OR IGNORE INTO t (n) VALUES (?1)", [n])
                .unwrap();
        }
    }

    fn rows(dir: &Path) -> i64 {
        let conn = rusqlite::Connection::open(dir.join(SQLITE_FILE)).unwrap();
        conn.query_row("SELECT count(*) FROM t", [], |r| r.get(0))
            .unwrap()
    }

    #[test]
    fn a_copy_comes_back_and_a_damaged_one_is_refused() {
        let data = tempfile::tempdir().unwrap();
        database(data.path(), 100);
        let to = tempfile::tempdir().unwrap();
        let backup = to.path().join("b");
        let manifest = Backup::Sqlite(data.path().into()).take(&backup).unwrap();
        assert_eq!(manifest.kind, DatabaseKind::Sqlite);
        assert_eq!(manifest.file, SQLITE_FILE);
        // The backup folder holds the copy and its manifest, nothing else, for its owner only.
        let mut files: Vec<String> = std::fs::read_dir(&backup)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        files.sort();
        assert_eq!(files, [MANIFEST_FILE, SQLITE_FILE]);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode(&backup), 0o700);
            assert_eq!(mode(&backup.join(SQLITE_FILE)), 0o600);
            assert_eq!(mode(&backup.join(MANIFEST_FILE)), 0o600);
        }
        // Into the same folder again: refused, nothing overwritten.
        assert!(matches!(
            Backup::Sqlite(data.path().into()).take(&backup),
            Err(BackupError::TargetNotEmpty(_))
        ));

        let fresh = tempfile::tempdir().unwrap();
        Backup::Sqlite(fresh.path().into())
            .restore(&backup, false)
            .unwrap();
        assert_eq!(rows(fresh.path()), 100);
        // Again without --force: the restored data is not replaced.
        assert!(matches!(
            Backup::Sqlite(fresh.path().into()).restore(&backup, false),
            Err(BackupError::DataNotEmpty(_))
        ));
        // A PostgreSQL server cannot take an SQLite backup.
        assert!(matches!(
            Backup::Postgres("postgres://127.0.0.1:1/x".into()).restore(&backup, true),
            Err(BackupError::WrongKind { .. })
        ));
        // One byte changed: refused before anything is touched.
        let file = backup.join(SQLITE_FILE);
        let mut bytes = std::fs::read(&file).unwrap();
        let last = bytes.len() - 1;
        bytes[last] ^= 1;
        std::fs::write(&file, bytes).unwrap();
        database(fresh.path(), 150);
        assert!(matches!(
            Backup::Sqlite(fresh.path().into()).restore(&backup, true),
            Err(BackupError::Damaged(_))
        ));
        assert_eq!(rows(fresh.path()), 150, "the data in place is untouched");
    }

    #[test]
    fn a_forced_restore_keeps_what_it_replaced() {
        let data = tempfile::tempdir().unwrap();
        database(data.path(), 10);
        let to = tempfile::tempdir().unwrap();
        Backup::Sqlite(data.path().into()).take(to.path()).unwrap();
        database(data.path(), 20);
        Backup::Sqlite(data.path().into())
            .restore(to.path(), true)
            .unwrap();
        assert_eq!(rows(data.path()), 10);
        let kept: Vec<_> = std::fs::read_dir(data.path())
            .unwrap()
            .filter_map(|e| e.ok())
            .filter(|e| e.file_name().to_string_lossy().contains("before-restore"))
            .collect();
        assert_eq!(kept.len(), 1);
    }

    #[test]
    fn a_restore_refuses_a_folder_in_use_and_keeps_the_replaced_log() {
        let data = tempfile::tempdir().unwrap();
        database(data.path(), 10);
        let to = tempfile::tempdir().unwrap();
        Backup::Sqlite(data.path().into())
            .take(&to.path().join("b"))
            .unwrap();
        // A running store holds the folder: refused, nothing touched.
        let store = crate::store::Store::open(data.path()).unwrap();
        assert!(matches!(
            Backup::Sqlite(data.path().into()).restore(&to.path().join("b"), true),
            Err(BackupError::InUse(_))
        ));
        drop(store);
        // Rows left in the write-ahead log (a connection that never checkpointed).
        let writer = rusqlite::Connection::open(data.path().join(SQLITE_FILE)).unwrap();
        writer.pragma_update(None, "wal_autocheckpoint", 0).unwrap();
        for n in 100..130 {
            writer
                .execute("INSERT INTO t (n) VALUES (?1)", [n])
                .unwrap();
        }
        std::mem::forget(writer); // as if the process had died: the log stays
        Backup::Sqlite(data.path().into())
            .restore(&to.path().join("b"), true)
            .unwrap();
        assert_eq!(rows(data.path()), 10);
        let kept = std::fs::read_dir(data.path())
            .unwrap()
            .filter_map(|e| e.ok())
            .find(|e| e.file_name().to_string_lossy().contains("before-restore"))
            .unwrap()
            .path();
        let conn = rusqlite::Connection::open(&kept).unwrap();
        let n: i64 = conn
            .query_row("SELECT count(*) FROM t", [], |r| r.get(0))
            .unwrap();
        assert_eq!(n, 40, "the kept copy has what was in the log");
        let strays: Vec<String> = std::fs::read_dir(data.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.contains("restoring") || n.contains("partial"))
            .collect();
        assert!(strays.is_empty(), "{strays:?}");
    }

    #[test]
    fn a_folder_without_a_manifest_is_named() {
        let empty = tempfile::tempdir().unwrap();
        let error = Backup::Sqlite(empty.path().into())
            .restore(empty.path(), false)
            .unwrap_err();
        assert!(
            error.to_string().contains("is not a Madoguchi backup"),
            "{error}"
        );
    }
}
