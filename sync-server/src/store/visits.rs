//! The visit register: each visit's day and 受付番号, given once at reception.

use shared_model::DocumentId;

use super::access::{Grant, tenant_of};
use super::sql::{Conn, params};
use super::{Store, StoreError};

pub(super) const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS visits (
    doc_id           TEXT    PRIMARY KEY,
    tenant           TEXT    NOT NULL DEFAULT '',
    day              TEXT    NOT NULL,
    reception_number INTEGER NOT NULL,
    created_at       INTEGER NOT NULL,
    UNIQUE (day, reception_number)
);
";

/// One visit as registered at reception.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct VisitRecord {
    /// The visit document's id.
    pub visit_id: String,
    /// 受付番号 of the day.
    pub reception_number: u32,
    /// The day (Asia/Tokyo), YYYY-MM-DD.
    pub day: String,
    /// Milliseconds since the epoch.
    pub created_at: i64,
}

impl Store {
    /// The visit register's entry for a document, if it is a registered visit.
    pub fn visit_record(&self, doc_id: &DocumentId) -> Result<Option<VisitRecord>, StoreError> {
        let id = doc_id.to_string();
        self.read(|c| visit_of(c, &id))
    }

    /// Registers a visit and gives it the day's next reception number (skipping the blocks
    /// reserved for kiosks); registering the same visit again returns the number it already
    /// has.
    pub fn register_visit(
        &self,
        doc_id: &DocumentId,
        day: &str,
        now_ms: i64,
        grants: &[Grant],
    ) -> Result<VisitRecord, StoreError> {
        let id = doc_id.to_string();
        self.write(|c| {
            if let Some(existing) = visit_of(c, &id)? {
                return Ok(existing);
            }
            // Past the numbers kiosks reserved to give offline.
            let next = super::queue::next_number(c, day)?;
            insert_visit(c, &id, day, next, now_ms, grants)?;
            Ok(VisitRecord {
                visit_id: id.clone(),
                reception_number: next,
                day: day.to_owned(),
                created_at: now_ms,
            })
        })
    }

    /// The visits registered on a day, by reception number.
    pub fn visits_of_day(&self, day: &str) -> Result<Vec<VisitRecord>, StoreError> {
        self.read(|c| {
            c.query_map(
                "SELECT doc_id, reception_number, day, created_at FROM visits WHERE day = ?1
                 ORDER BY reception_number",
                params![day],
                |r| {
                    Ok(VisitRecord {
                        visit_id: r.get(0)?,
                        reception_number: r.get(1)?,
                        day: r.get(2)?,
                        created_at: r.get(3)?,
                    })
                },
            )
        })
    }
}

fn visit_of(c: &Conn<'_>, id: &str) -> Result<Option<VisitRecord>, StoreError> {
    c.query_opt(
        "SELECT day, reception_number, created_at FROM visits WHERE doc_id = ?1",
        params![id],
        |r| {
            Ok(VisitRecord {
                visit_id: id.to_owned(),
                day: r.get(0)?,
                reception_number: r.get(1)?,
                created_at: r.get(2)?,
            })
        },
    )
}

/// Writes a new visit under its day's reception `number`, taken at `at` (ms since the epoch),
/// and grants it to `grants` in the same transaction: only whoever registers the visit first
/// is granted it. The visit is of the grants' city. For [`Store::register_visit`] and the
/// kiosks' reserved numbers.
pub(super) fn insert_visit(
    c: &Conn<'_>,
    id: &str,
    day: &str,
    number: u32,
    at: i64,
    grants: &[Grant],
) -> Result<(), StoreError> {
    let tenant = tenant_of(grants).map(|t| t.to_string()).unwrap_or_default();
    c.execute(
        "INSERT INTO visits (doc_id, day, reception_number, created_at, tenant)
         VALUES (?1, ?2, ?3, ?4, ?5)",
        params![id, day, number, at, tenant],
    )?;
    super::access::insert_grants(c, id, grants)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reception_numbers_count_per_day_and_are_stable() {
        let store = Store::scratch().unwrap();
        let (a, b, c) = (
            DocumentId::random(),
            DocumentId::random(),
            DocumentId::random(),
        );
        assert_eq!(
            store
                .register_visit(&a, "2027-02-01", 1, &[])
                .unwrap()
                .reception_number,
            1
        );
        assert_eq!(
            store
                .register_visit(&b, "2027-02-01", 2, &[])
                .unwrap()
                .reception_number,
            2
        );
        assert_eq!(
            store
                .register_visit(&a, "2027-02-01", 3, &[])
                .unwrap()
                .reception_number,
            1
        );
        assert_eq!(
            store
                .register_visit(&c, "2027-02-02", 4, &[])
                .unwrap()
                .reception_number,
            1
        );
        let day = store.visits_of_day("2027-02-01").unwrap();
        assert_eq!(day.len(), 2);
        assert_eq!(day[1].visit_id, b.to_string());
    }
}
