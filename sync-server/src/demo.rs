//! Demo data for `cargo xtask run`: a few of today's visits, as a kiosk would have made them.

use automerge::ChangeHash;
use shared_model::calendar::tokyo_day;
use shared_model::{DocumentId, Field, VisitDoc};

use crate::store::{Grant, Role, Store, StoreError};
use shared_model::tenant::LocalGovernmentCode;

/// Applicants of the demo visits (fictitious people).
const APPLICANTS: [[&str; 4]; 3] = [
    [
        "高崎 花子",
        "タカサキ ハナコ",
        "1988-04-12",
        "群馬県高崎市高松町35番地1",
    ],
    [
        "榛名 一郎",
        "ハルナ イチロウ",
        "1975-11-03",
        "群馬県高崎市箕郷町西明屋702番地4",
    ],
    [
        "倉渕 さくら",
        "クラブチ サクラ",
        "2001-07-21",
        "群馬県高崎市倉渕町三ノ倉317番地",
    ],
];

/// The demo staff accounts: one per 課, all with [`DEMO_PASSWORD`].
pub const DEMO_STAFF: [(&str, &str, &str, Role); 4] = [
    ("shimin01", "市民 一郎", "shimin", Role::Staff),
    ("hoken01", "保険 花子", "hoken_nenkin", Role::Staff),
    ("kodomo01", "子ども 太郎", "kodomo_katei", Role::Staff),
    ("admin01", "情報 管理", "shimin", Role::Admin),
];

/// The device token of the demo kiosk (demo data only; real kiosks get a random token from
/// `sync-server kiosk-add`).
pub const DEMO_KIOSK_TOKEN: &str = "madoguchi-demo-kiosk";

/// The device token of the demo waiting-room display (demo data only; real displays get a
/// random token from `sync-server display-add` or the admin's `POST /api/displays`).
pub const DEMO_DISPLAY_TOKEN: &str = "madoguchi-demo-display";

/// The password of the demo accounts (demo data only).
pub const DEMO_PASSWORD: &str = "madoguchi-demo";

/// Creates the demo staff accounts, the demo kiosk and the demo display of the city `tenant`
/// (idempotent).
pub fn seed_staff(store: &Store, tenant: LocalGovernmentCode) -> Result<(), StoreError> {
    store.put_display(
        &crate::store::DisplayRecord {
            id: "demo-display".into(),
            name: "デモ 待合".into(),
            tenant,
        },
        &crate::accounts::token_hash(DEMO_DISPLAY_TOKEN),
        0,
    )?;
    store.put_kiosk(
        &crate::store::KioskRecord {
            id: "demo-kiosk".into(),
            name: "デモ 記入台".into(),
            tenant,
        },
        &crate::accounts::token_hash(DEMO_KIOSK_TOKEN),
        0,
    )?;
    for (login, name, department, role) in DEMO_STAFF {
        if store.staff(login)?.is_some() {
            continue;
        }
        let hash = crate::accounts::hash_password(DEMO_PASSWORD).expect("hashing a fixed password");
        store.put_staff(
            &crate::store::StaffRecord {
                login: login.into(),
                name: name.into(),
                department: department.into(),
                protected_access: false,
                role,
                tenant,
            },
            &hash,
        )?;
    }
    Ok(())
}

/// Fills the city `tenant`'s empty resident register from the synthetic generator (fixed
/// seed). Returns how many residents it added.
pub fn seed_residents(
    store: &Store,
    tenant: LocalGovernmentCode,
    households: u64,
) -> Result<usize, StoreError> {
    let register = store.register(tenant);
    if register.resident_count()? > 0 {
        return Ok(0);
    }
    let population = shared_model::synthetic::Population::generate(20_270_201, households);
    register.put_residents(&population.residents)?;
    Ok(population.residents.len())
}

/// Creates the demo visits of the city `tenant` unless today already has visits. Returns how
/// many were made.
pub fn seed(store: &Store, tenant: LocalGovernmentCode, now_ms: i64) -> Result<usize, StoreError> {
    let day = tokyo_day(now_ms).to_string();
    if !store.visits_of_day(tenant, &day)?.is_empty() {
        return Ok(0);
    }
    for (i, [name, kana, birth, address]) in APPLICANTS.into_iter().enumerate() {
        let id = DocumentId::random();
        let record = store.register_visit(
            &id,
            tenant,
            &day,
            now_ms + i as i64,
            &[Grant::department(tenant, "shimin")],
        )?;
        // A new random id is nobody's: never refused.
        let Ok(record) = record else { continue };
        let mut visit = VisitDoc::new(id, &record.reception_number.to_string(), record.created_at);
        for (field, value) in [
            (Field::ApplicantName, name),
            (Field::ApplicantKana, kana),
            (Field::ApplicantBirthDate, birth),
            (Field::ApplicantAddress, address),
            (Field::TenkyoOldAddress, address),
        ] {
            visit
                .set(field, value)
                .expect("a demo value is a plain string");
        }
        let heads: Vec<ChangeHash> = visit.doc_mut().get_heads();
        let hash = heads.iter().map(ToString::to_string).collect::<String>();
        store.compact(&id, &visit.save(), &hash)?;
    }
    Ok(APPLICANTS.len())
}
