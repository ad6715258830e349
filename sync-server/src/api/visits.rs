//! `/api/visits`: registering a visit for its 受付番号, and a 課's list of today's visits.

use axum::Json;
use axum::extract::{Query, State};

use super::ApiError;
use crate::AppState;
use crate::clock::now_ms;
use std::collections::BTreeMap;

use shared_model::DocumentId;
use shared_model::calendar::tokyo_day;

use crate::accounts::{Caller, SignedIn};
use crate::store::{Grant, RegisterRefusal, VisitRecord, tenant_of};

/// Body of `POST /api/visits`.
#[derive(Debug, serde::Deserialize)]
pub struct RegisterVisit {
    visit_id: String,
    /// A number the kiosk gave offline from its reserved block (kiosks only), with the day
    /// of the block and when it was taken.
    #[serde(default)]
    reserved: Option<Reserved>,
}

/// A number a kiosk gave offline (see `POST /api/queue/blocks`).
#[derive(Debug, serde::Deserialize)]
pub struct Reserved {
    /// The reception number.
    number: u32,
    /// The day of its block, YYYY-MM-DD.
    day: String,
    /// When the citizen took it, ms since the epoch.
    taken_at: i64,
}

/// `POST /api/visits`: registers a visit document and gives it the day's reception number
/// (a kiosk or staff). The visit is granted to whoever registers it first: a kiosk's to the
/// kiosk and to 市民課, where citizens are received; staff's to their 課. A kiosk registers a
/// visit it numbered offline with `reserved` (the number must be in a block reserved for it,
/// 400 otherwise; 409-like refusals answer 400 too, naming the number). The visit joins the
/// queue (受付・呼出) of the 窓口 it waits at. A document of another city answers 404, as if
/// there were none (audited as `visit_register_refused`).
pub async fn register_visit(
    State(app): State<AppState>,
    caller: Caller,
    crate::accounts::Terminal(terminal): crate::accounts::Terminal,
    Json(body): Json<RegisterVisit>,
) -> Result<Json<VisitRecord>, ApiError> {
    let id: DocumentId = body
        .visit_id
        .parse()
        .map_err(|e: shared_model::DocumentIdError| ApiError::BadRequest(e.to_string()))?;
    let now = now_ms();
    let day = tokyo_day(now).to_string();
    let store = app.store.clone();
    let grants = match &caller {
        Caller::Kiosk(_) => vec![caller.grant(), Grant::department(caller.tenant(), "shimin")],
        Caller::Staff(_) => vec![caller.grant()],
    };
    let record = match (body.reserved, &caller) {
        (None, _) => {
            let tenant = caller.tenant();
            tokio::task::spawn_blocking(move || {
                store.register_visit(&id, tenant, &day, now, &grants)
            })
            .await
            .map_err(|_| ApiError::Task)??
        }
        (Some(reserved), Caller::Kiosk(kiosk)) => {
            let kiosk = kiosk.clone();
            tokio::task::spawn_blocking(move || {
                store.register_reserved_visit(
                    &id,
                    &kiosk,
                    &reserved.day,
                    reserved.number,
                    reserved.taken_at.min(now),
                    &grants,
                )
            })
            .await
            .map_err(|_| ApiError::Task)??
        }
        (Some(_), Caller::Staff(_)) => return Err(ApiError::Forbidden),
    };
    let record = match record {
        Ok(record) => record,
        // Another city's document: answered as if there were none, and audited.
        Err(RegisterRefusal::OtherCity) => {
            app.refusals
                .audit(
                    &app.store,
                    caller.tenant(),
                    &caller.audit_name(),
                    &terminal,
                    "visit_register_refused",
                    &id.to_string(),
                )
                .await;
            return Err(ApiError::NotFound(RegisterRefusal::OtherCity.to_string()));
        }
        Err(refusal) => return Err(ApiError::BadRequest(refusal.to_string())),
    };
    app.hub.registered(id, record.created_at).await;
    tracing::info!(
        reception_number = record.reception_number,
        "visit registered"
    );
    Ok(Json(record))
}

/// Query of `GET /api/visits`.
#[derive(Debug, serde::Deserialize)]
pub struct VisitQuery {
    /// Only the visit with this reception number today (any 課).
    reception: Option<String>,
    /// The 課 whose list to show (default: the signed-in person's).
    department: Option<String>,
}

/// One of today's visits as a 課's list shows it.
#[derive(Debug, serde::Serialize)]
pub struct VisitListing {
    /// The visit register's entry.
    #[serde(flatten)]
    pub record: VisitRecord,
    /// The 課 that has it.
    pub department: String,
    /// Who holds it, if anyone.
    pub holder: Option<String>,
    /// Since when it waits at (or is held by) that 課, ms since the epoch.
    pub waiting_since: Option<i64>,
    /// Forms by state: `requested`, `confirmed`, `refused`.
    pub forms: BTreeMap<&'static str, usize>,
    /// Where the visit is in its life (`received`, `in_progress`, `handed_on`, `completed`,
    /// `cancelled`).
    pub state: &'static str,
    /// The applicant's 氏名, once entered (staff of a 課 that has the visit only).
    pub name: Option<String>,
    /// The procedures still open at the asking staff member's 課, by title.
    pub procedures: Vec<String>,
}

/// `GET /api/visits[?reception=N][&department=D]`: today's visits of a 課, or the one with
/// that reception number. For signed-in staff.
pub async fn list_visits(
    State(app): State<AppState>,
    SignedIn(staff): SignedIn,
    Query(query): Query<VisitQuery>,
) -> Result<Json<Vec<VisitListing>>, ApiError> {
    let wanted = match query.reception.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(text) => Some(
            shared_model::validate::read_reception_number(text)
                .map_err(|finding| ApiError::BadRequest(finding.message_ja))?,
        ),
    };
    let day = tokyo_day(now_ms()).to_string();
    let store = app.store.clone();
    let tenant = staff.tenant;
    let mut visits = tokio::task::spawn_blocking(move || store.visits_of_day(tenant, &day))
        .await
        .map_err(|_| ApiError::Task)??;
    if let Some(number) = wanted {
        visits.retain(|v| v.reception_number == number);
        if visits.is_empty() {
            return Err(ApiError::NotFound(format!(
                "no visit with reception number {number} today"
            )));
        }
    }
    let requested = visits.len();
    let admin = staff.role == crate::store::Role::Admin;
    // Staff see their own 課's list; an administrator any.
    let department = match query.department {
        Some(d) if admin || d == staff.department => d,
        Some(_) => return Err(ApiError::Forbidden),
        None => staff.department.clone(),
    };
    let grant = Grant::department(staff.tenant, &staff.department);
    let mut out = Vec::with_capacity(visits.len());
    for record in visits {
        let Ok(id) = record.visit_id.parse::<DocumentId>() else {
            continue;
        };
        // Only visits of this city; of those, only the ones this 課 received or was handed
        // (an administrator: all of them).
        let store = app.store.clone();
        let grants = tokio::task::spawn_blocking(move || store.grants(&id))
            .await
            .map_err(|_| ApiError::Task)??;
        if tenant_of(&grants) != Some(staff.tenant) || (!admin && !grants.contains(&grant)) {
            continue;
        }
        let read = app.hub.visit_listing(id).await.ok().flatten();
        // A visit the kiosk registered but has not synced yet waits at 市民課.
        let (handling, forms, state, name, procedures) = match read {
            Some(listing) => (
                Some(listing.handling),
                listing.forms,
                listing.state,
                listing.name,
                listing
                    .open_procedures
                    .into_iter()
                    .filter(|(_, d)| d.as_str() == department)
                    .map(|(title, _)| title)
                    .collect(),
            ),
            None => (
                None,
                BTreeMap::new(),
                shared_model::VisitState::Received,
                None,
                Vec::new(),
            ),
        };
        let listed_at = handling
            .as_ref()
            .map(|h| h.department.as_str())
            .unwrap_or("shimin");
        if wanted.is_none() && listed_at != department {
            continue;
        }
        out.push(VisitListing {
            department: listed_at.to_owned(),
            holder: handling.as_ref().and_then(|h| h.holder.clone()),
            waiting_since: handling
                .as_ref()
                .and_then(|h| h.since)
                .or(Some(record.created_at)),
            forms,
            state: state.as_str(),
            name,
            procedures,
            record,
        });
    }
    if wanted.is_some() && requested > 0 && out.is_empty() {
        // The number exists today, but not for this 課.
        return Err(ApiError::NotFound("no such visit for this 課".into()));
    }
    Ok(Json(out))
}
