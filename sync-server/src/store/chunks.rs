//! Document chunks, kept as automerge-repo keeps them: one compressed snapshot plus
//! incremental chunks appended after it, folded into a new snapshot when they outgrow it.

use sha2::{Digest, Sha256};
use shared_model::DocumentId;

use super::sql::{Conn, Dialect, params};
use super::{Store, StoreError};

/// The SQLite table (PostgreSQL: `migrations/postgres/`).
pub(super) const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS chunks (
    doc_id     TEXT    NOT NULL,
    kind       TEXT    NOT NULL CHECK (kind IN ('snapshot', 'incremental')),
    hash       TEXT    NOT NULL,
    bytes      BLOB    NOT NULL,
    PRIMARY KEY (doc_id, kind, hash)
);
";

/// Sizes of a document's stored chunks after a write, to decide on compaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChunkSizes {
    /// Bytes in the snapshot (0 if there is none).
    pub snapshot: usize,
    /// Bytes in all incremental chunks.
    pub incremental: usize,
}

impl ChunkSizes {
    /// Whether the chunks outgrew the snapshot (the automerge-repo compaction rule).
    pub fn wants_compaction(&self) -> bool {
        self.incremental > self.snapshot
    }
}

impl Store {
    /// Everything stored for a document, snapshot first, ready for `Automerge::load`.
    pub fn load(&self, doc_id: &DocumentId) -> Result<Option<Vec<u8>>, StoreError> {
        self.read(|c| {
            let sql = match c.dialect() {
                Dialect::Sqlite => {
                    "SELECT bytes FROM chunks WHERE doc_id = ?1
                     ORDER BY CASE kind WHEN 'snapshot' THEN 0 ELSE 1 END, rowid"
                }
                Dialect::Postgres => {
                    "SELECT bytes FROM chunks WHERE doc_id = ?1
                     ORDER BY CASE kind WHEN 'snapshot' THEN 0 ELSE 1 END, seq"
                }
            };
            let chunks = c.query_map(sql, params![doc_id.to_string()], |r| r.get::<Vec<u8>>(0))?;
            Ok((!chunks.is_empty()).then(|| chunks.concat()))
        })
    }

    /// Appends an incremental chunk (content-addressed, so a repeat is a no-op).
    pub fn append_incremental(
        &self,
        doc_id: &DocumentId,
        chunk: &[u8],
    ) -> Result<ChunkSizes, StoreError> {
        self.append(|c| {
            insert_chunk(c, doc_id, chunk)?;
            self.notify_changed(c, doc_id)?;
            sizes(c, doc_id)
        })
    }

    /// Replaces every chunk of the document with one snapshot, atomically.
    pub fn compact(
        &self,
        doc_id: &DocumentId,
        snapshot: &[u8],
        heads_hash: &str,
    ) -> Result<ChunkSizes, StoreError> {
        self.write(|c| {
            c.execute(
                "DELETE FROM chunks WHERE doc_id = ?1",
                params![doc_id.to_string()],
            )?;
            c.execute(
                "INSERT INTO chunks (doc_id, kind, hash, bytes) VALUES (?1, 'snapshot', ?2, ?3)",
                params![doc_id.to_string(), heads_hash, snapshot],
            )?;
            sizes(c, doc_id)
        })
    }

    /// How many chunks of each kind a document has (for tests and the status page).
    pub fn chunk_counts(&self, doc_id: &DocumentId) -> Result<(usize, usize), StoreError> {
        self.read(|c| {
            c.query_row(
                "SELECT COALESCE(SUM(CASE kind WHEN 'snapshot' THEN 1 ELSE 0 END), 0),
                        COALESCE(SUM(CASE kind WHEN 'incremental' THEN 1 ELSE 0 END), 0)
                 FROM chunks WHERE doc_id = ?1",
                params![doc_id.to_string()],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
        })
    }
}

/// Writes an incremental chunk within a unit of work (content-addressed: a repeat is a
/// no-op).
pub(super) fn insert_chunk(
    c: &Conn<'_>,
    doc_id: &DocumentId,
    chunk: &[u8],
) -> Result<(), StoreError> {
    c.execute(
        "INSERT INTO chunks (doc_id, kind, hash, bytes) VALUES (?1, 'incremental', ?2, ?3)
         ON CONFLICT DO NOTHING",
        params![
            doc_id.to_string(),
            hex::encode(Sha256::digest(chunk)),
            chunk
        ],
    )?;
    Ok(())
}

/// The document's chunk sizes within a unit of work.
pub(super) fn sizes(c: &Conn<'_>, doc_id: &DocumentId) -> Result<ChunkSizes, StoreError> {
    c.query_row(
        "SELECT COALESCE(SUM(CASE kind WHEN 'snapshot' THEN length(bytes) ELSE 0 END), 0),
                COALESCE(SUM(CASE kind WHEN 'incremental' THEN length(bytes) ELSE 0 END), 0)
         FROM chunks WHERE doc_id = ?1",
        params![doc_id.to_string()],
        |r| {
            Ok(ChunkSizes {
                snapshot: r.get(0)?,
                incremental: r.get(1)?,
            })
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use automerge::transaction::Transactable;
    use automerge::{AutoCommit, ROOT, ReadDoc};

    #[test]
    fn snapshot_and_chunks_load_back_as_one_document() {
        let store = Store::scratch().unwrap();
        let id = DocumentId::random();
        assert_eq!(store.load(&id).unwrap(), None);
        let mut doc = AutoCommit::new();
        for i in 0..5 {
            doc.put(ROOT, "n", i as i64).unwrap();
            let chunk = doc.save_incremental();
            store.append_incremental(&id, &chunk).unwrap();
        }
        let loaded = AutoCommit::load(&store.load(&id).unwrap().unwrap()).unwrap();
        assert_eq!(loaded.get(ROOT, "n").unwrap().unwrap().0.as_i64(), Some(4));
        assert_eq!(store.chunk_counts(&id).unwrap(), (0, 5));
    }

    #[test]
    fn compaction_replaces_chunks_with_a_snapshot() {
        let store = Store::scratch().unwrap();
        let id = DocumentId::random();
        let mut doc = AutoCommit::new();
        let mut sizes = ChunkSizes {
            snapshot: 0,
            incremental: 0,
        };
        for i in 0..3 {
            doc.put(ROOT, "n", i as i64).unwrap();
            sizes = store
                .append_incremental(&id, &doc.save_incremental())
                .unwrap();
        }
        assert!(sizes.wants_compaction());
        let after = store.compact(&id, &doc.save(), "heads").unwrap();
        assert_eq!(after.incremental, 0);
        assert!(after.snapshot > 0);
        assert_eq!(store.chunk_counts(&id).unwrap(), (1, 0));
        // More changes after the snapshot still load on top of it.
        doc.put(ROOT, "n", 99_i64).unwrap();
        store
            .append_incremental(&id, &doc.save_incremental())
            .unwrap();
        let loaded = AutoCommit::load(&store.load(&id).unwrap().unwrap()).unwrap();
        assert_eq!(loaded.get(ROOT, "n").unwrap().unwrap().0.as_i64(), Some(99));
    }

    #[test]
    fn the_same_chunk_twice_is_stored_once() {
        let store = Store::scratch().unwrap();
        let id = DocumentId::random();
        let mut doc = AutoCommit::new();
        doc.put(ROOT, "a", 1_i64).unwrap();
        let chunk = doc.save_incremental();
        store.append_incremental(&id, &chunk).unwrap();
        store.append_incremental(&id, &chunk).unwrap();
        assert_eq!(store.chunk_counts(&id).unwrap(), (0, 1));
    }
}
