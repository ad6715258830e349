//! Document chunks, kept as automerge-repo keeps them: one compressed snapshot plus
//! incremental chunks appended after it, folded into a new snapshot when they outgrow it.

use rusqlite::{Connection, params};
use sha2::{Digest, Sha256};
use shared_model::DocumentId;

use super::{Store, StoreError};

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
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(
            "SELECT bytes FROM chunks WHERE doc_id = ?1
             ORDER BY CASE kind WHEN 'snapshot' THEN 0 ELSE 1 END, rowid",
        )?;
        let mut rows = stmt.query(params![doc_id.to_string()])?;
        let mut out: Option<Vec<u8>> = None;
        while let Some(row) = rows.next()? {
            let bytes: Vec<u8> = row.get(0)?;
            out.get_or_insert_with(Vec::new).extend_from_slice(&bytes);
        }
        Ok(out)
    }

    /// Appends an incremental chunk (content-addressed, so a repeat is a no-op).
    pub fn append_incremental(
        &self,
        doc_id: &DocumentId,
        chunk: &[u8],
    ) -> Result<ChunkSizes, StoreError> {
        let conn = self.conn();
        Self::insert_chunk(&conn, doc_id, chunk)?;
        Self::sizes(&conn, doc_id)
    }

    pub(super) fn insert_chunk(
        conn: &Connection,
        doc_id: &DocumentId,
        chunk: &[u8],
    ) -> Result<(), StoreError> {
        conn.prepare_cached(
            "INSERT OR IGNORE INTO chunks (doc_id, kind, hash, bytes) VALUES (?1, 'incremental', ?2, ?3)",
        )?
        .execute(params![doc_id.to_string(), hex::encode(Sha256::digest(chunk)), chunk])?;
        Ok(())
    }

    /// Replaces every chunk of the document with one snapshot, atomically.
    pub fn compact(
        &self,
        doc_id: &DocumentId,
        snapshot: &[u8],
        heads_hash: &str,
    ) -> Result<ChunkSizes, StoreError> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        tx.execute(
            "DELETE FROM chunks WHERE doc_id = ?1",
            params![doc_id.to_string()],
        )?;
        tx.execute(
            "INSERT INTO chunks (doc_id, kind, hash, bytes) VALUES (?1, 'snapshot', ?2, ?3)",
            params![doc_id.to_string(), heads_hash, snapshot],
        )?;
        tx.commit()?;
        Self::sizes(&conn, doc_id)
    }

    pub(super) fn sizes(conn: &Connection, doc_id: &DocumentId) -> Result<ChunkSizes, StoreError> {
        let (snapshot, incremental): (i64, i64) = conn.query_row(
            "SELECT COALESCE(SUM(CASE kind WHEN 'snapshot' THEN length(bytes) END), 0),
                    COALESCE(SUM(CASE kind WHEN 'incremental' THEN length(bytes) END), 0)
             FROM chunks WHERE doc_id = ?1",
            params![doc_id.to_string()],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        Ok(ChunkSizes {
            snapshot: snapshot as usize,
            incremental: incremental as usize,
        })
    }

    /// How many chunks of each kind a document has (for tests and the status page).
    pub fn chunk_counts(&self, doc_id: &DocumentId) -> Result<(usize, usize), StoreError> {
        let conn = self.conn();
        let (s, i): (i64, i64) = conn.query_row(
            "SELECT COALESCE(SUM(kind = 'snapshot'), 0), COALESCE(SUM(kind = 'incremental'), 0)
             FROM chunks WHERE doc_id = ?1",
            params![doc_id.to_string()],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        Ok((s as usize, i as usize))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use automerge::transaction::Transactable;
    use automerge::{AutoCommit, ROOT, ReadDoc};

    #[test]
    fn snapshot_and_chunks_load_back_as_one_document() {
        let store = Store::in_memory().unwrap();
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
        let store = Store::in_memory().unwrap();
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
        let store = Store::in_memory().unwrap();
        let id = DocumentId::random();
        let mut doc = AutoCommit::new();
        doc.put(ROOT, "a", 1_i64).unwrap();
        let chunk = doc.save_incremental();
        store.append_incremental(&id, &chunk).unwrap();
        store.append_incremental(&id, &chunk).unwrap();
        assert_eq!(store.chunk_counts(&id).unwrap(), (0, 1));
    }
}
