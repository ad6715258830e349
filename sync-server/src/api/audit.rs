//! `/api/audit`: the audit log for administrators, and what counters report to it
//! themselves (a masked value revealed).

use axum::Json;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use shared_model::DocumentId;
use shared_model::audit_entry::{AuditEntry, AuditFilter, action_ja};
use shared_model::calendar::tokyo_day;

use super::ApiError;
use crate::AppState;
use crate::accounts::{AdminSignedIn, Caller, SignedIn, Terminal};
use crate::clock::now_ms;
use shared_model::document_read::{DocumentKind, ReadPath};

/// `limit` of `GET /api/audit` and `GET /api/audit.csv` (the filter, [`AuditFilter`], is read
/// from the same query): at most how many entries (default 200, at most 1,000).
#[derive(Debug, Default, serde::Deserialize)]
pub struct AuditLimit {
    /// At most this many.
    pub limit: Option<usize>,
}

/// The entries a search finds, each with the visit it concerns named by its 受付番号; the
/// search itself is audited (`audit_search`, or `audit_export` for the CSV) with what was
/// asked.
fn search(
    store: &crate::store::Store,
    tenant: shared_model::tenant::LocalGovernmentCode,
    filter: &AuditFilter,
    limit: Option<usize>,
    who: (&str, &str),
    action: &str,
) -> Result<Vec<AuditEntry>, ApiError> {
    let limit = limit.unwrap_or(200).min(1_000);
    // A day that is not one is said so, not answered with nothing.
    let day = filter.day.trim();
    if !day.is_empty()
        && shared_model::calendar::read_date(day)
            .ok()
            .and_then(|r| r.date.calendar_day())
            .is_none()
    {
        return Err(ApiError::BadRequest(format!(
            "日付「{day}」が読めません。2026-11-30 や 令和8年11月30日 のように入力してください。"
        )));
    }
    // A visit named by its 受付番号 (of the filter's day, else today) or its document id.
    let visit_doc = match filter.visit.trim() {
        "" => None,
        text => match text.parse::<DocumentId>() {
            Ok(id) => Some(id.to_string()),
            Err(_) => {
                let number = shared_model::validate::read_reception_number(text)
                    .map_err(|f| ApiError::BadRequest(f.message_ja))?;
                let day = match shared_model::calendar::read_date(filter.day.trim())
                    .ok()
                    .and_then(|r| r.date.calendar_day())
                {
                    Some(day) => day.to_string(),
                    None => tokyo_day(now_ms()).to_string(),
                };
                match store
                    .visits_of_day(tenant, &day)?
                    .into_iter()
                    .find(|v| v.reception_number == number)
                {
                    Some(v) => Some(v.visit_id),
                    None => return Ok(Vec::new()),
                }
            }
        },
    };
    let mut entries = store.filter_audit(Some(tenant), filter, visit_doc.as_deref(), limit)?;
    let mut names: std::collections::HashMap<String, Option<String>> = Default::default();
    for entry in &mut entries {
        let Some(id) = entry
            .detail
            .split_whitespace()
            // A document id alone, or at the end of a place (`#/counter/<id>`).
            .find_map(|token| token.rsplit('/').next()?.parse::<DocumentId>().ok())
        else {
            continue;
        };
        let key = id.to_string();
        if !names.contains_key(&key) {
            let name = store
                .visit_record(&id)?
                .map(|v| format!("受付{} ({})", v.reception_number, v.day));
            names.insert(key.clone(), name);
        }
        entry.visit = names[&key].clone();
    }
    // What was asked, as people read it.
    let asked = [
        ("日付", &filter.day),
        ("職員", &filter.login),
        ("端末", &filter.terminal),
        ("操作", &filter.action),
        ("受付", &filter.visit),
        ("語", &filter.q),
    ]
    .iter()
    .filter(|(_, v)| !v.trim().is_empty())
    .map(|(k, v)| format!("{k}:{}", v.trim()))
    .collect::<Vec<_>>()
    .join(" ");
    store.audit_at(tenant, now_ms(), who.0, who.1, action, &asked)?;
    Ok(entries)
}

/// `GET /api/audit?day=&login=&terminal=&action=&visit=&q=`: the audit log, newest first
/// (administrators only; the search is itself audited).
pub async fn audit_log(
    State(app): State<AppState>,
    AdminSignedIn(admin): AdminSignedIn,
    Terminal(terminal): Terminal,
    Query(filter): Query<AuditFilter>,
    Query(limit): Query<AuditLimit>,
) -> Result<Json<Vec<AuditEntry>>, ApiError> {
    let store = app.store.clone();
    let entries = tokio::task::spawn_blocking(move || {
        search(
            &store,
            admin.tenant,
            &filter,
            limit.limit,
            (&admin.login, &terminal),
            "audit_search",
        )
    })
    .await
    .map_err(|_| ApiError::Task)??;
    Ok(Json(entries))
}

/// `GET /api/audit.csv?…`: the same search as CSV (UTF-8 with a BOM, so spreadsheet tools
/// read the Japanese): 日時, 職員, 端末, 操作, 受付, 詳細, 操作コード; at most 1,000 entries
/// unless `limit` says fewer. Audited as `audit_export`.
pub async fn audit_csv(
    State(app): State<AppState>,
    AdminSignedIn(admin): AdminSignedIn,
    Terminal(terminal): Terminal,
    Query(filter): Query<AuditFilter>,
    Query(limit): Query<AuditLimit>,
) -> Result<impl IntoResponse, ApiError> {
    let store = app.store.clone();
    let limit = Some(limit.limit.unwrap_or(1_000));
    let entries = tokio::task::spawn_blocking(move || {
        search(
            &store,
            admin.tenant,
            &filter,
            limit,
            (&admin.login, &terminal),
            "audit_export",
        )
    })
    .await
    .map_err(|_| ApiError::Task)??;
    let mut writer = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::from("\u{feff}".as_bytes()));
    // Writing into memory fails only if memory does.
    let write = |w: &mut csv::Writer<Vec<u8>>, row: &[&str]| {
        w.write_record(row).map_err(|_| ApiError::Task)
    };
    write(
        &mut writer,
        &["日時", "職員", "端末", "操作", "受付", "詳細", "操作コード"],
    )?;
    for e in &entries {
        let when = jst_time(e.at);
        write(
            &mut writer,
            &[
                &when,
                &e.login,
                &e.terminal,
                action_ja(&e.action),
                e.visit.as_deref().unwrap_or_default(),
                &e.detail,
                &e.action,
            ],
        )?;
    }
    let bytes = writer.into_inner().map_err(|_| ApiError::Task)?;
    Ok((
        [
            (
                axum::http::header::CONTENT_TYPE,
                "text/csv; charset=utf-8".to_owned(),
            ),
            (
                axum::http::header::CONTENT_DISPOSITION,
                "attachment; filename=\"madoguchi-audit.csv\"".to_owned(),
            ),
        ],
        bytes,
    ))
}

/// `YYYY-MM-DD HH:MM:SS` in Japan time of ms since the epoch.
fn jst_time(ms: i64) -> String {
    let day = tokyo_day(ms);
    let secs = (ms + 9 * 3_600_000).rem_euclid(86_400_000) / 1000;
    format!(
        "{day} {:02}:{:02}:{:02}",
        secs / 3600,
        secs % 3600 / 60,
        secs % 60
    )
}

/// Body of `POST /api/audit/reveal`.
#[derive(Debug, serde::Deserialize)]
pub struct Reveal {
    /// What was revealed (an item key, e.g. `person.my_number`).
    what: String,
    /// Where (the visit and the field; no values).
    place: String,
}

/// `POST /api/audit/reveal`: a counter revealed a masked value (個人番号) on screen; audited.
pub async fn audit_reveal(
    State(app): State<AppState>,
    SignedIn(staff): SignedIn,
    Terminal(terminal): Terminal,
    Json(reveal): Json<Reveal>,
) -> Result<StatusCode, ApiError> {
    if reveal.what.chars().count() > 64 || reveal.place.chars().count() > 200 {
        return Err(ApiError::BadRequest("what or place is too long".into()));
    }
    let store = app.store.clone();
    tokio::task::spawn_blocking(move || {
        store.audit_at(
            staff.tenant,
            now_ms(),
            &staff.login,
            &terminal,
            "reveal",
            &format!("{} {}", reveal.what, reveal.place),
        )
    })
    .await
    .map_err(|_| ApiError::Task)??;
    Ok(StatusCode::NO_CONTENT)
}

/// Body of `POST /api/audit/document-read`: which kind of document was read and how
/// ([`shared_model::document_read`]), and on which visit; never what it said.
#[derive(Debug, serde::Deserialize)]
pub struct DocumentReadReport {
    /// `transfer_certificate`, `my_number_card`, `residence_card`, ….
    document: DocumentKind,
    /// `qr`, `ocr` or `chip`.
    path: ReadPath,
    /// The visit's document id, when one is open.
    #[serde(default)]
    visit: Option<String>,
}

/// `POST /api/audit/document-read`: a counter (or a kiosk, for the 転出証明書's QR at its
/// camera) read a document the citizen brought; audited as `document_read` with the kind
/// and path. A kiosk may report only a QR read; anything else is refused (400).
pub async fn audit_document_read(
    State(app): State<AppState>,
    caller: Caller,
    Terminal(terminal): Terminal,
    Json(report): Json<DocumentReadReport>,
) -> Result<StatusCode, ApiError> {
    if matches!(caller, Caller::Kiosk(_)) && report.path != ReadPath::Qr {
        return Err(ApiError::BadRequest(
            "a kiosk reads the 転出証明書's QR code only".into(),
        ));
    }
    let visit = match report.visit.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(text) => Some(
            text.parse::<DocumentId>()
                .map_err(|_| ApiError::BadRequest("visit is not a document id".into()))?
                .to_string(),
        ),
    };
    // The visit's id in the detail, where the audit search finds a visit's entries.
    let detail = format!(
        "{} ({}) {}",
        report.document.label_ja(),
        report.path.mark(),
        visit.unwrap_or_default()
    );
    let (who, tenant) = (caller.audit_name(), caller.tenant());
    let store = app.store.clone();
    tokio::task::spawn_blocking(move || {
        store.audit_at(
            tenant,
            now_ms(),
            &who,
            &terminal,
            "document_read",
            detail.trim_end(),
        )
    })
    .await
    .map_err(|_| ApiError::Task)??;
    Ok(StatusCode::NO_CONTENT)
}
