//! The visit register: each visit's day and 受付番号, given once at reception.

use shared_model::DocumentId;

use shared_model::tenant::LocalGovernmentCode;

use super::access::Grant;
use super::queue::RegisterRefusal;
use super::sql::{Conn, Row, params};
use super::{Store, StoreError};

pub(super) const SCHEMA: &str = TABLE;

/// The visits table (also made anew from an older one, see `Store::open`).
pub(super) const TABLE: &str = "
CREATE TABLE IF NOT EXISTS visits (
    doc_id           TEXT    PRIMARY KEY,
    tenant           TEXT    NOT NULL DEFAULT '',
    day              TEXT    NOT NULL,
    reception_number INTEGER NOT NULL,
    created_at       INTEGER NOT NULL,
    UNIQUE (tenant, day, reception_number)
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

    /// Registers a visit of the city `tenant` and gives it the city's next reception number
    /// of the day (skipping the blocks reserved for its kiosks); registering the same visit
    /// again returns the number it already has. A document another city registered or
    /// claimed is refused ([`RegisterRefusal::OtherCity`]), its record unsaid.
    pub fn register_visit(
        &self,
        doc_id: &DocumentId,
        tenant: LocalGovernmentCode,
        day: &str,
        now_ms: i64,
        grants: &[Grant],
    ) -> Result<Result<VisitRecord, RegisterRefusal>, StoreError> {
        let id = doc_id.to_string();
        self.write(|c| {
            match registered_in(c, &id, tenant)? {
                Err(refusal) => return Ok(Err(refusal)),
                Ok(Some(existing)) => return Ok(Ok(existing)),
                Ok(None) => {}
            }
            // Past the numbers kiosks reserved to give offline.
            let next = super::queue::next_number(c, tenant, day)?;
            insert_visit(c, &id, tenant, day, next, now_ms, grants)?;
            Ok(Ok(VisitRecord {
                visit_id: id.clone(),
                reception_number: next,
                day: day.to_owned(),
                created_at: now_ms,
            }))
        })
    }

    /// The visits of every city registered on a day (for the day's close, which is the same
    /// everywhere), by city and reception number.
    pub fn visits_of_day_in_every_city(&self, day: &str) -> Result<Vec<VisitRecord>, StoreError> {
        self.read(|c| {
            c.query_map(
                "SELECT doc_id, reception_number, day, created_at FROM visits WHERE day = ?1
                 ORDER BY tenant, reception_number",
                params![day],
                visit_record_of,
            )
        })
    }

    /// The visits of the city `tenant` registered on a day, by reception number.
    pub fn visits_of_day(
        &self,
        tenant: LocalGovernmentCode,
        day: &str,
    ) -> Result<Vec<VisitRecord>, StoreError> {
        self.read(|c| {
            c.query_map(
                "SELECT doc_id, reception_number, day, created_at FROM visits
                 WHERE tenant = ?2 AND day = ?1
                 ORDER BY reception_number",
                params![day, tenant.as_str()],
                visit_record_of,
            )
        })
    }
}

/// Whether the document `id` is already a visit of the city `tenant` (its record), nobody's
/// yet (`None`), or another city's (registered or granted there: refused).
pub(super) fn registered_in(
    c: &Conn<'_>,
    id: &str,
    tenant: LocalGovernmentCode,
) -> Result<Result<Option<VisitRecord>, RegisterRefusal>, StoreError> {
    let elsewhere = c.exists(
        "SELECT 1 FROM visits WHERE doc_id = ?1 AND tenant <> ?2
         UNION ALL SELECT 1 FROM doc_access WHERE doc_id = ?1 AND tenant <> ?2",
        params![id, tenant.as_str()],
    )?;
    if elsewhere {
        return Ok(Err(RegisterRefusal::OtherCity));
    }
    Ok(Ok(visit_of(c, id)?))
}

/// A visit record from the columns doc_id, reception_number, day, created_at.
fn visit_record_of(r: &Row<'_>) -> Result<VisitRecord, StoreError> {
    Ok(VisitRecord {
        visit_id: r.get(0)?,
        reception_number: r.get(1)?,
        day: r.get(2)?,
        created_at: r.get(3)?,
    })
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
/// of the city `tenant`, and grants it to `grants` (of that city) in the same transaction:
/// only whoever registers the visit first is granted it. For [`Store::register_visit`] and
/// the kiosks' reserved numbers.
pub(super) fn insert_visit(
    c: &Conn<'_>,
    id: &str,
    tenant: LocalGovernmentCode,
    day: &str,
    number: u32,
    at: i64,
    grants: &[Grant],
) -> Result<(), StoreError> {
    debug_assert!(grants.iter().all(|g| g.tenant == tenant), "{grants:?}");
    c.execute(
        "INSERT INTO visits (doc_id, day, reception_number, created_at, tenant)
         VALUES (?1, ?2, ?3, ?4, ?5)",
        params![id, day, number, at, tenant.as_str()],
    )?;
    super::access::insert_grants(c, id, grants)
}

#[cfg(test)]
mod tests {
    use super::*;
    use shared_model::tenant::TAKASAKI;

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
                .register_visit(&a, TAKASAKI, "2027-02-01", 1, &[])
                .unwrap()
                .unwrap()
                .reception_number,
            1
        );
        assert_eq!(
            store
                .register_visit(&b, TAKASAKI, "2027-02-01", 2, &[])
                .unwrap()
                .unwrap()
                .reception_number,
            2
        );
        assert_eq!(
            store
                .register_visit(&a, TAKASAKI, "2027-02-01", 3, &[])
                .unwrap()
                .unwrap()
                .reception_number,
            1
        );
        assert_eq!(
            store
                .register_visit(&c, TAKASAKI, "2027-02-02", 4, &[])
                .unwrap()
                .unwrap()
                .reception_number,
            1
        );
        let day = store.visits_of_day(TAKASAKI, "2027-02-01").unwrap();
        assert_eq!(day.len(), 2);
        assert_eq!(day[1].visit_id, b.to_string());
    }

    #[test]
    fn a_document_of_another_city_is_neither_numbered_nor_told() {
        let store = Store::scratch().unwrap();
        let maebashi: LocalGovernmentCode = "102016".parse().unwrap();
        let day = "2027-02-01";
        // Maebashi's counter made a document (granted there) and registered another.
        let claimed = DocumentId::random();
        store
            .grant(&claimed, &[Grant::department(maebashi, "shimin")])
            .unwrap();
        let registered = DocumentId::random();
        store
            .register_visit(
                &registered,
                maebashi,
                day,
                1,
                &[Grant::department(maebashi, "shimin")],
            )
            .unwrap()
            .unwrap();
        for id in [claimed, registered] {
            assert_eq!(
                store
                    .register_visit(&id, TAKASAKI, day, 2, &[Grant::kiosk(TAKASAKI, "k1")])
                    .unwrap(),
                Err(RegisterRefusal::OtherCity)
            );
        }
        // Nothing of Takasaki's was written: no number taken, no grant added.
        assert!(store.visits_of_day(TAKASAKI, day).unwrap().is_empty());
        assert_eq!(store.grants(&claimed).unwrap().len(), 1);
        // Maebashi registers its claimed document under its own next number.
        let own = store
            .register_visit(
                &claimed,
                maebashi,
                day,
                3,
                &[Grant::department(maebashi, "shimin")],
            )
            .unwrap()
            .unwrap();
        assert_eq!(own.reception_number, 2);
    }

    #[test]
    fn each_city_numbers_its_own_visits_from_one() {
        let store = Store::scratch().unwrap();
        let maebashi: LocalGovernmentCode = "102016".parse().unwrap();
        let day = "2027-02-01";
        let register = |city, n: i64| {
            store
                .register_visit(
                    &DocumentId::random(),
                    city,
                    day,
                    n,
                    &[Grant::department(city, "shimin")],
                )
                .unwrap()
                .unwrap()
                .reception_number
        };
        assert_eq!(register(TAKASAKI, 1), 1);
        assert_eq!(register(TAKASAKI, 2), 2);
        assert_eq!(
            register(maebashi, 3),
            1,
            "Maebashi's first visit is its number 1"
        );
        assert_eq!(register(TAKASAKI, 4), 3);
        assert_eq!(store.visits_of_day(TAKASAKI, day).unwrap().len(), 3);
        assert_eq!(store.visits_of_day(maebashi, day).unwrap().len(), 1);
    }
}
