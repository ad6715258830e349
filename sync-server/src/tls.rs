//! [`TlsFiles`]: HTTPS for the city LAN. Service workers and the device APIs need a secure
//! context, so anything beyond loopback is served over TLS (rustls with the ring provider)
//! from a PEM certificate chain and private key; plain HTTP is refused there.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};

/// Why TLS cannot be set up.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    /// A PEM file could not be read or holds nothing usable.
    #[error("{path}: {reason}")]
    Pem {
        /// The file.
        path: String,
        /// What is wrong.
        reason: String,
    },
    /// rustls refused the certificate and key.
    #[error("certificate and key do not make a TLS configuration: {0}")]
    Config(#[from] rustls::Error),
    /// Plain HTTP on an address other computers reach.
    #[error(
        "{0} is not a loopback address: plain HTTP is only for loopback; give --tls-cert and --tls-key"
    )]
    PlainBeyondLoopback(SocketAddr),
}

/// The certificate chain and key files.
#[derive(Debug, Clone)]
pub struct TlsFiles {
    /// PEM certificate chain (server certificate first).
    pub cert: PathBuf,
    /// PEM private key (PKCS#8, PKCS#1 or SEC1).
    pub key: PathBuf,
}

impl TlsFiles {
    /// The rustls server configuration (TLS 1.2 and 1.3; HTTP/1.1, as WebSockets need).
    pub fn server_config(&self) -> Result<Arc<rustls::ServerConfig>, TlsError> {
        let pem = |path: &PathBuf, reason: String| TlsError::Pem {
            path: path.display().to_string(),
            reason,
        };
        let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(&self.cert)
            .map_err(|e| pem(&self.cert, e.to_string()))?
            .collect::<Result<_, _>>()
            .map_err(|e| pem(&self.cert, e.to_string()))?;
        if certs.is_empty() {
            return Err(pem(&self.cert, "no certificate in the file".into()));
        }
        let key =
            PrivateKeyDer::from_pem_file(&self.key).map_err(|e| pem(&self.key, e.to_string()))?;
        let mut config = rustls::ServerConfig::builder_with_provider(Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()?
        .with_no_client_auth()
        .with_single_cert(certs, key)?;
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        Ok(Arc::new(config))
    }
}

/// Refuses plain HTTP beyond loopback.
pub fn check_plain_http(listen: SocketAddr, tls: Option<&TlsFiles>) -> Result<(), TlsError> {
    if tls.is_none() && !listen.ip().is_loopback() {
        return Err(TlsError::PlainBeyondLoopback(listen));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_http_is_only_for_loopback() {
        assert!(check_plain_http("127.0.0.1:8080".parse().unwrap(), None).is_ok());
        assert!(check_plain_http("[::1]:8080".parse().unwrap(), None).is_ok());
        let err = check_plain_http("0.0.0.0:8080".parse().unwrap(), None).unwrap_err();
        assert!(err.to_string().contains("only for loopback"));
        let files = TlsFiles {
            cert: "c.pem".into(),
            key: "k.pem".into(),
        };
        assert!(check_plain_http("0.0.0.0:443".parse().unwrap(), Some(&files)).is_ok());
    }

    #[test]
    fn unreadable_pem_files_are_named() {
        let dir = tempfile::tempdir().unwrap();
        let cert = dir.path().join("cert.pem");
        std::fs::write(&cert, "not pem").unwrap();
        let files = TlsFiles {
            cert: cert.clone(),
            key: dir.path().join("missing.pem"),
        };
        let err = files.server_config().unwrap_err().to_string();
        assert!(
            err.contains("cert.pem") && err.contains("no certificate"),
            "{err}"
        );
    }
}
