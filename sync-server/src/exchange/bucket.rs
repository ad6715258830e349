//! [`Bucket`]: the object storage the core system and this server exchange files through.
//! [`FolderBucket`] keeps objects as files under a folder (the embedded default and tests);
//! an S3-compatible backend implements the same trait.

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

/// What went wrong talking to the bucket.
#[derive(Debug, thiserror::Error)]
pub enum BucketError {
    /// The object is not there.
    #[error("no object {0}")]
    NotFound(String),
    /// A key that would leave the bucket (`..`, absolute).
    #[error("object key {0:?} is not allowed")]
    BadKey(String),
    /// The backend failed.
    #[error("bucket I/O on {key}: {source}")]
    Io {
        /// The object.
        key: String,
        /// The cause.
        source: std::io::Error,
    },
}

/// One object as a listing shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectMeta {
    /// The object key (`/`-separated).
    pub key: String,
    /// A tag that changes when the content changes.
    pub etag: String,
    /// Size in bytes.
    pub size: u64,
}

/// Object storage.
pub trait Bucket: Send + Sync {
    /// The objects under a prefix, by key.
    fn list(
        &self,
        prefix: &str,
    ) -> impl Future<Output = Result<Vec<ObjectMeta>, BucketError>> + Send;
    /// An object's bytes.
    fn get(&self, key: &str) -> impl Future<Output = Result<Vec<u8>, BucketError>> + Send;
    /// Writes an object (replacing one with the same key).
    fn put(
        &self,
        key: &str,
        bytes: Vec<u8>,
    ) -> impl Future<Output = Result<(), BucketError>> + Send;
}

/// A bucket in a local folder: object `a/b.csv` is the file `<root>/a/b.csv`.
#[derive(Debug, Clone)]
pub struct FolderBucket {
    root: PathBuf,
}

impl FolderBucket {
    /// A bucket rooted at `root` (created when needed).
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self { root: root.into() }
    }

    fn path(&self, key: &str) -> Result<PathBuf, BucketError> {
        let relative = Path::new(key);
        let safe = !key.is_empty()
            && relative
                .components()
                .all(|c| matches!(c, std::path::Component::Normal(_)));
        if !safe {
            return Err(BucketError::BadKey(key.to_owned()));
        }
        Ok(self.root.join(relative))
    }
}

fn io(key: &str) -> impl FnOnce(std::io::Error) -> BucketError + '_ {
    move |source| {
        if source.kind() == std::io::ErrorKind::NotFound {
            BucketError::NotFound(key.to_owned())
        } else {
            BucketError::Io {
                key: key.to_owned(),
                source,
            }
        }
    }
}

impl Bucket for FolderBucket {
    async fn list(&self, prefix: &str) -> Result<Vec<ObjectMeta>, BucketError> {
        let root = self.root.clone();
        let prefix = prefix.to_owned();
        tokio::task::spawn_blocking(move || {
            let mut out = Vec::new();
            let mut stack = vec![root.clone()];
            while let Some(dir) = stack.pop() {
                let entries = match std::fs::read_dir(&dir) {
                    Ok(entries) => entries,
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
                    Err(e) => return Err(io(&prefix)(e)),
                };
                for entry in entries {
                    let entry = entry.map_err(io(&prefix))?;
                    let path = entry.path();
                    if path.is_dir() {
                        stack.push(path);
                        continue;
                    }
                    let key = path
                        .strip_prefix(&root)
                        .ok()
                        .and_then(|p| p.to_str())
                        .map(|p| p.replace(std::path::MAIN_SEPARATOR, "/"))
                        .unwrap_or_default();
                    // Files being written are named with a leading dot and never listed.
                    let hidden = key
                        .rsplit('/')
                        .next()
                        .is_some_and(|name| name.starts_with('.'));
                    if key.starts_with(&prefix) && !hidden {
                        let bytes = std::fs::read(&path).map_err(io(&key))?;
                        out.push(ObjectMeta {
                            etag: hex::encode(Sha256::digest(&bytes)),
                            size: bytes.len() as u64,
                            key,
                        });
                    }
                }
            }
            out.sort_by(|a, b| a.key.cmp(&b.key));
            Ok(out)
        })
        .await
        .map_err(|e| BucketError::Io {
            key: String::new(),
            source: std::io::Error::other(e),
        })?
    }

    async fn get(&self, key: &str) -> Result<Vec<u8>, BucketError> {
        let path = self.path(key)?;
        tokio::fs::read(&path).await.map_err(io(key))
    }

    async fn put(&self, key: &str, bytes: Vec<u8>) -> Result<(), BucketError> {
        let path = self.path(key)?;
        if let Some(parent) = path.parent() {
            tokio::fs::create_dir_all(parent).await.map_err(io(key))?;
        }
        // Write aside, then rename: a reader never sees half an object.
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("object");
        let temporary = path.with_file_name(format!(".{name}.partial"));
        tokio::fs::write(&temporary, &bytes)
            .await
            .map_err(io(key))?;
        tokio::fs::rename(&temporary, &path).await.map_err(io(key))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn objects_round_trip_and_list_by_prefix() {
        let dir = tempfile::tempdir().unwrap();
        let bucket = FolderBucket::new(dir.path());
        bucket
            .put("inbound/full/a.csv", b"1".to_vec())
            .await
            .unwrap();
        bucket
            .put("inbound/delta/b.csv", b"22".to_vec())
            .await
            .unwrap();
        bucket.put("outbound/c.csv", b"333".to_vec()).await.unwrap();
        let listed = bucket.list("inbound/").await.unwrap();
        let keys: Vec<&str> = listed.iter().map(|o| o.key.as_str()).collect();
        assert_eq!(keys, ["inbound/delta/b.csv", "inbound/full/a.csv"]);
        assert_eq!(listed[0].size, 2);
        assert_eq!(bucket.get("outbound/c.csv").await.unwrap(), b"333");
        let before = bucket.list("outbound/").await.unwrap()[0].etag.clone();
        bucket
            .put("outbound/c.csv", b"4444".to_vec())
            .await
            .unwrap();
        assert_ne!(
            bucket.list("outbound/").await.unwrap()[0].etag,
            before,
            "etag follows content"
        );
    }

    #[tokio::test]
    async fn missing_objects_and_escaping_keys_are_named() {
        let dir = tempfile::tempdir().unwrap();
        let bucket = FolderBucket::new(dir.path());
        assert!(matches!(
            bucket.get("nope.csv").await,
            Err(BucketError::NotFound(_))
        ));
        for bad in ["../outside", "/etc/passwd", "a/../../b", ""] {
            assert!(
                matches!(bucket.get(bad).await, Err(BucketError::BadKey(_))),
                "{bad}"
            );
        }
        assert!(bucket.list("anything/").await.unwrap().is_empty());
    }
}
