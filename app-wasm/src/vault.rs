//! [`Vault`]: the key that seals this terminal's drafts in IndexedDB (AES-256-GCM through
//! WebCrypto, a fresh 96-bit IV per record, stored as IV ‖ ciphertext). The server hands the
//! key over with a session (or to an enrolled kiosk); it lives in memory and, so that a reload
//! in the same tab keeps working offline, in the tab's sessionStorage — never in IndexedDB or
//! localStorage. Signing out forgets it, and what stays in IndexedDB cannot be read.

use js_sys::{Array, Object, Uint8Array};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{AesGcmParams, CryptoKey, SubtleCrypto};

/// Where the key waits out a reload of the tab.
const SESSION_KEY: &str = "madoguchi.vault";
/// Bytes of IV before each ciphertext.
const IV_LEN: usize = 12;

/// Why sealing or opening failed.
#[derive(Debug, thiserror::Error)]
pub enum VaultError {
    /// WebCrypto refused (no secure context, or a wrong key for the record).
    #[error("WebCrypto: {0}")]
    Crypto(String),
    /// The key is not 32 bytes of hex.
    #[error("the data key is malformed")]
    BadKey,
    /// A sealed record is shorter than its IV.
    #[error("a sealed record is truncated")]
    Truncated,
}

fn crypto_err(e: JsValue) -> VaultError {
    VaultError::Crypto(format!("{e:?}"))
}

/// An unlocked data key.
#[derive(Clone)]
pub struct Vault {
    key: CryptoKey,
}

impl std::fmt::Debug for Vault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Vault(…)")
    }
}

fn subtle() -> Result<SubtleCrypto, VaultError> {
    let window = web_sys::window().ok_or_else(|| VaultError::Crypto("no window".into()))?;
    Ok(window.crypto().map_err(crypto_err)?.subtle())
}

fn params(iv: &[u8]) -> AesGcmParams {
    AesGcmParams::new("AES-GCM", &Uint8Array::from(iv))
}

impl Vault {
    /// Imports a 32-byte key given as hex (non-extractable).
    pub async fn unlock(hex_key: &str) -> Result<Vault, VaultError> {
        let raw = hex::decode(hex_key).map_err(|_| VaultError::BadKey)?;
        if raw.len() != 32 {
            return Err(VaultError::BadKey);
        }
        let algorithm = Object::new();
        js_sys::Reflect::set(&algorithm, &"name".into(), &"AES-GCM".into()).map_err(crypto_err)?;
        let usages = Array::of2(&"encrypt".into(), &"decrypt".into());
        let promise = subtle()?
            .import_key_with_object(
                "raw",
                &Uint8Array::from(raw.as_slice()),
                &algorithm,
                false,
                &usages,
            )
            .map_err(crypto_err)?;
        let key = JsFuture::from(promise)
            .await
            .map_err(crypto_err)?
            .dyn_into::<CryptoKey>()
            .map_err(crypto_err)?;
        Ok(Vault { key })
    }

    /// Seals bytes: IV ‖ AES-GCM ciphertext (with its tag).
    pub async fn seal(&self, plain: &[u8]) -> Result<Vec<u8>, VaultError> {
        let mut iv = [0u8; IV_LEN];
        getrandom::fill(&mut iv).map_err(|e| VaultError::Crypto(e.to_string()))?;
        let promise = subtle()?
            .encrypt_with_object_and_u8_array(&params(&iv), &self.key, plain)
            .map_err(crypto_err)?;
        let sealed = JsFuture::from(promise).await.map_err(crypto_err)?;
        let mut out = iv.to_vec();
        out.extend(Uint8Array::new(&sealed).to_vec());
        Ok(out)
    }

    /// Opens what [`Vault::seal`] made (fails on another key or altered bytes).
    pub async fn open(&self, sealed: &[u8]) -> Result<Vec<u8>, VaultError> {
        if sealed.len() < IV_LEN {
            return Err(VaultError::Truncated);
        }
        let (iv, body) = sealed.split_at(IV_LEN);
        let promise = subtle()?
            .decrypt_with_object_and_u8_array(&params(iv), &self.key, body)
            .map_err(crypto_err)?;
        let plain = JsFuture::from(promise).await.map_err(crypto_err)?;
        Ok(Uint8Array::new(&plain).to_vec())
    }
}

fn session_storage() -> Option<web_sys::Storage> {
    web_sys::window().and_then(|w| w.session_storage().ok().flatten())
}

/// Keeps the hex key for reloads of this tab.
pub fn remember(hex_key: &str) {
    if let Some(storage) = session_storage() {
        let _ = storage.set_item(SESSION_KEY, hex_key);
    }
}

/// The key this tab was given, if it still has it.
pub fn remembered() -> Option<String> {
    session_storage().and_then(|s| s.get_item(SESSION_KEY).ok().flatten())
}

/// Forgets the key (sign-out).
pub fn forget() {
    if let Some(storage) = session_storage() {
        let _ = storage.remove_item(SESSION_KEY);
    }
}
