//! Calls to the server's REST endpoints with `fetch`.

use serde::Deserialize;
use serde::de::DeserializeOwned;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{Request, RequestInit, Response};

/// Why a call failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ApiError {
    /// The server could not be reached.
    #[error("server unreachable")]
    Unreachable,
    /// Not signed in, or the credentials were wrong.
    #[error("sign-in required")]
    Unauthorized,
    /// The server answered 404.
    #[error("not found")]
    NotFound,
    /// Signed in, but not allowed (403).
    #[error("not allowed")]
    Forbidden,
    /// Too many failed sign-ins for the login (429).
    #[error("too many attempts")]
    TooManyAttempts,
    /// The server refused the request as malformed (400), saying why (in Japanese).
    #[error("refused: {0}")]
    Refused(String),
    /// The server answered with another error status.
    #[error("server answered {0}")]
    Status(u16),
    /// The answer was not the expected JSON.
    #[error("unexpected answer")]
    Malformed,
}

/// One registered visit, as `/api/visits` returns it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct VisitRecord {
    /// The document id.
    pub visit_id: String,
    /// 受付番号.
    pub reception_number: u32,
    /// Milliseconds since the epoch.
    pub created_at: i64,
    /// The 課 that has it (lists only).
    #[serde(default)]
    pub department: Option<String>,
    /// Who holds it.
    #[serde(default)]
    pub holder: Option<String>,
    /// Since when it waits there.
    #[serde(default)]
    pub waiting_since: Option<i64>,
    /// Forms by state.
    #[serde(default)]
    pub forms: std::collections::BTreeMap<String, usize>,
    /// Where the visit is in its life (`received`, `in_progress`, …).
    #[serde(default)]
    pub state: Option<shared_model::VisitState>,
    /// The applicant's 氏名, once entered.
    #[serde(default)]
    pub name: Option<String>,
    /// The procedures still open at this 課, by title.
    #[serde(default)]
    pub procedures: Vec<String>,
}

/// A signed-in staff member.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, Deserialize)]
pub struct Staff {
    /// Login id.
    pub login: String,
    /// Display name.
    pub name: String,
    /// The 課 (`shimin`, …).
    pub department: String,
    /// `staff` or `admin`.
    #[serde(default)]
    pub role: String,
    /// The key of this person's drafts at rest (hex), from the server with the session.
    /// Never written anywhere by serialization (the remembered sign-in leaves it out).
    #[serde(default, skip_serializing)]
    pub data_key: Option<String>,
    /// The name of their city (「高崎市」; empty from an older server).
    #[serde(default)]
    pub city: String,
}

impl Staff {
    /// Whether this is an administrator.
    pub fn is_admin(&self) -> bool {
        self.role == "admin"
    }
}

pub use shared_model::export_queue::{ExportCounts, ExportState, RejectedRecord};
pub use shared_model::import_state::{ImportState, QuarantinedRow};

pub use shared_model::audit_entry::{AuditEntry, AuditFilter};

/// Server health and sync counters.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Health {
    /// Server version.
    pub version: String,
    /// Sync counters.
    pub sync: SyncCounters,
}

/// Counters of the server's sync hub.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct SyncCounters {
    /// Connected clients.
    pub peers: usize,
    /// Documents in memory.
    pub documents: usize,
}

thread_local! {
    /// The `x-request-id` of the server's last error answer, and when it came (ms).
    static LAST_FAILURE: std::cell::RefCell<Option<(String, f64)>> =
        const { std::cell::RefCell::new(None) };
}

/// How long after an error answer a problem shown is taken to be about it, ms.
const FAILURE_REFERENCE_MS: f64 = 5_000.0;

fn remember_failure(response: &Response) {
    if let Ok(Some(id)) = response.headers().get("x-request-id") {
        LAST_FAILURE.with(|last| *last.borrow_mut() = Some((id, js_sys::Date::now())));
    }
}

/// The 問い合わせ番号 of the problem being shown: the request id (`x-request-id`, e.g.
/// `7KQ2-M9XD-4RTP`) of the server's error answer of the last 5 seconds, taken once, so a
/// clerk's report can be found in the server's log. `None` when no error answer came that
/// recently (the server unreachable, or a problem of this terminal's own).
pub fn take_failure_reference() -> Option<String> {
    LAST_FAILURE.with(|last| {
        let (id, at) = last.borrow_mut().take()?;
        (js_sys::Date::now() - at <= FAILURE_REFERENCE_MS).then_some(id)
    })
}

/// [`call`] for an endpoint that answers 204 No Content: success is all there is to read.
async fn call_without_answer(
    method: &str,
    path: &str,
    body: Option<String>,
) -> Result<(), ApiError> {
    match call::<serde_json::Value>(method, path, body).await {
        // A 204 has no JSON body to parse.
        Ok(_) | Err(ApiError::Malformed) => Ok(()),
        Err(e) => Err(e),
    }
}

async fn call<T: DeserializeOwned>(
    method: &str,
    path: &str,
    body: Option<String>,
) -> Result<T, ApiError> {
    let init = RequestInit::new();
    init.set_method(method);
    if let Some(body) = &body {
        init.set_body(&JsValue::from_str(body));
    }
    let request = Request::new_with_str_and_init(path, &init).map_err(|_| ApiError::Malformed)?;
    if body.is_some() {
        let _ = request.headers().set("Content-Type", "application/json");
    }
    let _ = request
        .headers()
        .set(crate::terminal::HEADER, &crate::terminal::terminal_id());
    let window = web_sys::window().ok_or(ApiError::Unreachable)?;
    let response: Response = JsFuture::from(window.fetch_with_request(&request))
        .await
        .map_err(|_| ApiError::Unreachable)?
        .dyn_into()
        .map_err(|_| ApiError::Malformed)?;
    if !(200..=299).contains(&response.status()) {
        remember_failure(&response);
    }
    match response.status() {
        200..=299 => {}
        404 => return Err(ApiError::NotFound),
        401 => return Err(ApiError::Unauthorized),
        403 => return Err(ApiError::Forbidden),
        429 => return Err(ApiError::TooManyAttempts),
        // A proxy in front of the server answers 503 when the server is down.
        503 => return Err(ApiError::Unreachable),
        400 => {
            // `{ "error": code, "message": text }`: the message names what is wrong.
            let message = match response.text() {
                Ok(promise) => JsFuture::from(promise)
                    .await
                    .ok()
                    .and_then(|v| v.as_string())
                    .and_then(|t| serde_json::from_str::<serde_json::Value>(&t).ok())
                    .and_then(|v| v["message"].as_str().map(str::to_owned))
                    .unwrap_or_default(),
                Err(_) => String::new(),
            };
            return Err(ApiError::Refused(message));
        }
        status => return Err(ApiError::Status(status)),
    }
    let text = JsFuture::from(response.text().map_err(|_| ApiError::Malformed)?)
        .await
        .map_err(|_| ApiError::Unreachable)?
        .as_string()
        .ok_or(ApiError::Malformed)?;
    serde_json::from_str(&text).map_err(|_| ApiError::Malformed)
}

/// `GET path`, its JSON answer read as `T`.
pub async fn get<T: DeserializeOwned>(path: &str) -> Result<T, ApiError> {
    call("GET", path, None).await
}

/// Registers a new visit and returns its reception number.
pub async fn register_visit(visit_id: &str) -> Result<VisitRecord, ApiError> {
    let body = serde_json::json!({ "visit_id": visit_id }).to_string();
    call("POST", "/api/visits", Some(body)).await
}

/// Today's visits.
pub async fn todays_visits() -> Result<Vec<VisitRecord>, ApiError> {
    call("GET", "/api/visits", None).await
}

/// Today's visit with this reception number.
pub async fn visit_by_reception(number: &str) -> Result<VisitRecord, ApiError> {
    let path = format!(
        "/api/visits?reception={}",
        js_sys::encode_uri_component(number)
    );
    let mut found: Vec<VisitRecord> = call("GET", &path, None).await?;
    found.pop().ok_or(ApiError::NotFound)
}

pub use shared_model::synthetic::Resident;

/// The answer of a lookup.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct ResidentAnswer {
    /// How the server read the query.
    pub kind: String,
    /// Matches, best first.
    pub residents: Vec<Resident>,
    /// Whether more residents match than were returned.
    #[serde(default)]
    pub more: bool,
}

/// Searches the resident register.
pub async fn search_residents(q: &str) -> Result<ResidentAnswer, ApiError> {
    let path = format!("/api/residents?q={}", js_sys::encode_uri_component(q));
    call("GET", &path, None).await
}

/// The members of a household.
pub async fn household(number: &str) -> Result<Vec<Resident>, ApiError> {
    let path = format!(
        "/api/residents/household/{}",
        js_sys::encode_uri_component(number)
    );
    call("GET", &path, None).await
}

/// A single-use sign-in nonce.
#[derive(Debug, serde::Deserialize)]
struct Nonce {
    nonce: String,
}

/// Signs in; the server sets the session cookie. Each attempt carries a fresh single-use
/// nonce, so a captured sign-in request cannot be sent again.
pub async fn sign_in(login: &str, password: &str) -> Result<Staff, ApiError> {
    let Nonce { nonce } = call("GET", "/api/session/nonce", None).await?;
    let body =
        serde_json::json!({ "login": login, "password": password, "nonce": nonce }).to_string();
    call("POST", "/api/session", Some(body)).await
}

/// Who the session belongs to.
pub async fn whoami() -> Result<Staff, ApiError> {
    call("GET", "/api/session", None).await
}

/// Ends the session.
pub async fn sign_out() {
    let _: Result<serde_json::Value, _> = call("DELETE", "/api/session", None).await;
}

/// The importer's state (administrators).
pub async fn import_state() -> Result<ImportState, ApiError> {
    call("GET", "/api/exchange/import", None).await
}

/// The export queue (administrators).
pub async fn export_state() -> Result<ExportState, ApiError> {
    call("GET", "/api/exchange/export", None).await
}

/// Asks the exporter to run its next cycle now, past any backoff (administrators).
pub async fn export_retry() -> Result<(), ApiError> {
    call_without_answer("POST", "/api/exchange/export/retry", None).await
}

/// The audit log, newest first, filtered by `q` (administrators).
pub async fn audit(filter: &AuditFilter) -> Result<Vec<AuditEntry>, ApiError> {
    let path = format!("/api/audit?{}", audit_query(filter));
    call("GET", &path, None).await
}

/// The query string of an audit search (`day=…&login=…`), for the list and its CSV.
pub fn audit_query(filter: &AuditFilter) -> String {
    [
        ("day", &filter.day),
        ("login", &filter.login),
        ("terminal", &filter.terminal),
        ("action", &filter.action),
        ("visit", &filter.visit),
        ("q", &filter.q),
    ]
    .iter()
    .filter(|(_, v)| !v.trim().is_empty())
    .map(|(k, v)| format!("{k}={}", js_sys::encode_uri_component(v.trim())))
    .collect::<Vec<_>>()
    .join("&")
}

/// The files of this terminal's city's catalog (its forms and 手続きナビ rules).
pub async fn catalog_files() -> Result<shared_model::catalog::CatalogFiles, ApiError> {
    call("GET", "/api/catalog", None).await
}

/// An enrolled kiosk, with the key of its drafts at rest.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Kiosk {
    /// Its id.
    pub id: String,
    /// Where it stands.
    pub name: String,
    /// Hex AES key.
    pub data_key: String,
    /// The name of its city (empty from an older server).
    #[serde(default)]
    pub city: String,
}

/// Enrolls this browser as a kiosk with the device token (the server sets a cookie).
pub async fn enroll_kiosk(token: &str) -> Result<Kiosk, ApiError> {
    let body = serde_json::json!({ "token": token }).to_string();
    call("POST", "/api/kiosk/enroll", Some(body)).await
}

/// The kiosk this browser is enrolled as (`NotFound` when a person is signed in instead).
pub async fn kiosk() -> Result<Kiosk, ApiError> {
    call("GET", "/api/kiosk", None).await
}

pub use shared_model::terminal::{TerminalReport, TerminalStatus};

/// Sends this terminal's heartbeat (no answer body).
pub async fn report_terminal(report: &TerminalReport) -> Result<(), ApiError> {
    let body = serde_json::to_string(report).map_err(|_| ApiError::Malformed)?;
    call_without_answer("POST", "/api/terminals", Some(body)).await
}

/// Takes a kiosk tablet out of service (administrators).
pub async fn revoke_kiosk(id: &str) -> Result<(), ApiError> {
    let path = format!("/api/kiosks/{}/revoke", js_sys::encode_uri_component(id));
    call_without_answer("POST", &path, None).await
}

/// Every terminal's last heartbeat (administrators).
pub async fn terminals() -> Result<Vec<TerminalStatus>, ApiError> {
    call("GET", "/api/terminals", None).await
}

/// Today's operation statistics (administrators).
pub async fn day_stats() -> Result<shared_model::stats::DayStats, ApiError> {
    call("GET", "/api/stats", None).await
}

/// Records in the audit log that the signed-in person revealed a masked value (`what`,
/// shown in the field `place`) on the visit now open.
pub async fn audit_reveal(what: &str, place: &str) {
    let visit = web_sys::window()
        .and_then(|w| w.location().hash().ok())
        .unwrap_or_default();
    let body = serde_json::json!({ "what": what, "place": format!("{visit} {place}") }).to_string();
    let _ = call_without_answer("POST", "/api/audit/reveal", Some(body)).await;
}

/// Server health.
pub async fn health() -> Result<Health, ApiError> {
    call("GET", "/healthz", None).await
}

/// Records in the audit log that a document the citizen brought was read (which kind and
/// how, on the visit now open; never its values). Best effort: offline, the read still
/// fills the visit, whose history keeps it.
pub async fn audit_document_read(
    document: shared_model::document_read::DocumentKind,
    path: shared_model::document_read::ReadPath,
    visit: Option<shared_model::DocumentId>,
) {
    let body = serde_json::json!({
        "document": document,
        "path": path,
        "visit": visit.map(|v| v.to_string()),
    })
    .to_string();
    let _ = call_without_answer("POST", "/api/audit/document-read", Some(body)).await;
}

pub use shared_model::queue::{
    Board, DepartmentQueue, NumberBlock, Ticket, TicketState, TicketView, WaitEstimate,
};

/// A 課's queue today (`GET /api/queue`; staff).
pub async fn department_queue() -> Result<DepartmentQueue, ApiError> {
    call("GET", "/api/queue", None).await
}

/// What a counter does at its 窓口 (`POST /api/queue/{call,recall,absent,done}`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QueueAction {
    /// Call the next number, or the one given.
    Call(Option<u32>),
    /// Call the served number again.
    Recall,
    /// The served number did not come (不在).
    Absent,
    /// The served number is handled.
    Done,
}

/// Acts at the 窓口 `counter` of the signed-in person's 課; the ticket acted on
/// (`NotFound`: nobody waiting, or nobody served).
pub async fn queue_act(counter: u8, action: QueueAction) -> Result<Ticket, ApiError> {
    let (path, body) = match action {
        QueueAction::Call(number) => (
            "/api/queue/call",
            serde_json::json!({ "counter": counter, "number": number }),
        ),
        QueueAction::Recall => (
            "/api/queue/recall",
            serde_json::json!({ "counter": counter }),
        ),
        QueueAction::Absent => (
            "/api/queue/absent",
            serde_json::json!({ "counter": counter }),
        ),
        QueueAction::Done => ("/api/queue/done", serde_json::json!({ "counter": counter })),
    };
    call("POST", path, Some(body.to_string())).await
}

/// The waiting-room board (`GET /api/queue/display`; an enrolled display only).
pub async fn board() -> Result<Board, ApiError> {
    call("GET", "/api/queue/display", None).await
}

/// Enrolls this browser as a waiting-room display with its token (the server sets a cookie).
pub async fn enroll_display(token: &str) -> Result<serde_json::Value, ApiError> {
    let body = serde_json::json!({ "token": token }).to_string();
    call("POST", "/api/display/enroll", Some(body)).await
}

/// The wait at every 窓口 now (`GET /api/queue/wait`; a kiosk or staff).
pub async fn queue_wait() -> Result<Vec<WaitEstimate>, ApiError> {
    call("GET", "/api/queue/wait", None).await
}

/// Reserves `count` of today's reception numbers for this kiosk to give offline.
pub async fn reserve_numbers(count: u32) -> Result<NumberBlock, ApiError> {
    let body = serde_json::json!({ "count": count }).to_string();
    call("POST", "/api/queue/blocks", Some(body)).await
}

/// Registers a visit under a number this kiosk gave offline from its block (`day`, and
/// when the citizen took it).
pub async fn register_reserved_visit(
    visit_id: &str,
    number: u32,
    day: &str,
    taken_at: i64,
) -> Result<VisitRecord, ApiError> {
    let body = serde_json::json!({
        "visit_id": visit_id,
        "reserved": { "number": number, "day": day, "taken_at": taken_at },
    })
    .to_string();
    call("POST", "/api/visits", Some(body)).await
}

/// A waiting-room display as the administrators' list shows it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct DisplayListing {
    /// Its id.
    pub id: String,
    /// Where it hangs.
    pub name: String,
    /// Whether it was taken out of service.
    pub revoked: bool,
}

/// Every waiting-room display (administrators).
pub async fn displays() -> Result<Vec<DisplayListing>, ApiError> {
    call("GET", "/api/displays", None).await
}

/// Adds a waiting-room display (administrators); its device token, shown only now.
pub async fn add_display(id: &str, name: &str) -> Result<String, ApiError> {
    #[derive(Deserialize)]
    struct Added {
        token: String,
    }
    let body = serde_json::json!({ "id": id, "name": name }).to_string();
    let added: Added = call("POST", "/api/displays", Some(body)).await?;
    Ok(added.token)
}

/// Takes a waiting-room display out of service (administrators).
pub async fn revoke_display(id: &str) -> Result<(), ApiError> {
    let path = format!("/api/displays/{}/revoke", js_sys::encode_uri_component(id));
    call_without_answer("POST", &path, None).await
}
