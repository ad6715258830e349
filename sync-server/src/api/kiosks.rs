//! `/api/kiosk`, `/api/kiosks`: enrolling a kiosk tablet, taking it out of service.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;

use super::ApiError;
use super::session::Keyed;
use crate::AppState;
use crate::accounts::{self, AdminSignedIn, Caller, Terminal};
use crate::clock::now_ms;
use crate::store::{StoreError, kiosk_grantee};

/// Body of `POST /api/kiosk/enroll`.
#[derive(Debug, serde::Deserialize)]
pub struct Enroll {
    /// The device token `sync-server kiosk-add` printed.
    token: String,
}

/// `POST /api/kiosk/enroll`: makes this browser an enrolled kiosk (a long-lived HttpOnly
/// cookie holding the device token). A wrong token is refused (401) and audited.
pub async fn enroll_kiosk(
    State(app): State<AppState>,
    Terminal(terminal): Terminal,
    Json(body): Json<Enroll>,
) -> Result<impl IntoResponse, ApiError> {
    let token = body.token.trim().to_owned();
    let (store, first_city, cities) = (app.store.clone(), app.tenant, app.cities.clone());
    let hash = accounts::token_hash(&token);
    let kiosk = tokio::task::spawn_blocking(move || -> Result<_, ApiError> {
        let kiosk = store.kiosk(&hash)?;
        match kiosk {
            Some(k) => {
                store.audit_at(
                    k.tenant,
                    now_ms(),
                    &kiosk_grantee(&k.id),
                    &terminal,
                    "kiosk_enrolled",
                    &k.name,
                )?;
                let key = store.data_key(k.tenant, &kiosk_grantee(&k.id))?;
                let city = cities.name_of(k.tenant);
                Ok(Some(Keyed::new(k, key, city)))
            }
            None => {
                store.audit_at(
                    first_city,
                    now_ms(),
                    "anonymous",
                    &terminal,
                    "kiosk_enroll_refused",
                    "",
                )?;
                Ok(None)
            }
        }
    })
    .await
    .map_err(|_| ApiError::Task)??;
    let kiosk = kiosk.ok_or(ApiError::Unauthorized)?;
    Ok((
        [(
            axum::http::header::SET_COOKIE,
            accounts::kiosk_cookie(&token, app.secure_cookies),
        )],
        Json(kiosk),
    ))
}

/// `POST /api/kiosks/{id}/revoke`: an administrator takes a kiosk tablet out of service
/// (lost, replaced, moved): its device token opens nothing from then on. Audited.
pub async fn revoke_kiosk(
    State(app): State<AppState>,
    AdminSignedIn(admin): AdminSignedIn,
    Terminal(terminal): Terminal,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let store = app.store.clone();
    let revoked = tokio::task::spawn_blocking(move || -> Result<bool, StoreError> {
        let revoked = store.revoke_kiosk(admin.tenant, &id)?;
        if revoked {
            store.audit_at(
                admin.tenant,
                now_ms(),
                &admin.login,
                &terminal,
                "kiosk_revoked",
                &id,
            )?;
        }
        Ok(revoked)
    })
    .await
    .map_err(|_| ApiError::Task)??;
    if !revoked {
        return Err(ApiError::NotFound("no such kiosk".into()));
    }
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /api/kiosk`: the kiosk this browser is enrolled as (with its data key).
pub async fn kiosk(
    State(app): State<AppState>,
    caller: Caller,
) -> Result<Json<Keyed<crate::store::KioskRecord>>, ApiError> {
    match caller {
        Caller::Kiosk(kiosk) => {
            let store = app.store.clone();
            let (tenant, grantee) = (kiosk.tenant, kiosk_grantee(&kiosk.id));
            let key = tokio::task::spawn_blocking(move || store.data_key(tenant, &grantee))
                .await
                .map_err(|_| ApiError::Task)??;
            let city = app.cities.name_of(kiosk.tenant);
            Ok(Json(Keyed::new(kiosk, key, city)))
        }
        Caller::Staff(_) => Err(ApiError::NotFound("this browser is not a kiosk".into())),
    }
}
