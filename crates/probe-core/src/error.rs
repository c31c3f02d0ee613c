//! Typed errors of the scanning library.

use std::path::PathBuf;

/// Everything that can stop a scan from being set up. A target that cannot be reached is not an
/// error of this kind: it is recorded on that target's report.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ScanError {
    /// A target URL could not be parsed or is not an `https://` URL.
    #[error("invalid target {url:?}: {reason}")]
    InvalidTarget {
        /// The text as given.
        url: String,
        /// Why it was refused.
        reason: String,
    },
    /// A file named on the command line could not be read.
    #[error("cannot read {path}: {source}")]
    ReadFile {
        /// The file.
        path: PathBuf,
        /// The underlying I/O error.
        source: std::io::Error,
    },
    /// A PEM input held no usable certificate.
    #[error("{what}: no PEM certificate found (expected -----BEGIN CERTIFICATE-----)")]
    NoCertificate {
        /// Which input (a flag name or path).
        what: String,
    },
    /// A PEM input held no usable private key.
    #[error("{what}: no PEM private key found (expected PKCS#8, PKCS#1 or SEC1)")]
    NoPrivateKey {
        /// Which input (a flag name or path).
        what: String,
    },
    /// A private key was found but the crypto provider cannot use it.
    #[error("{what}: unsupported private key: {reason}")]
    UnsupportedKey {
        /// Which input.
        what: String,
        /// The provider's reason.
        reason: String,
    },
    /// A certificate could not be parsed.
    #[error("{what}: malformed certificate: {reason}")]
    MalformedCertificate {
        /// Which input.
        what: String,
        /// The parser's reason.
        reason: String,
    },
    /// The certificate and the private key given together do not belong together.
    #[error("{what}: the private key does not match the certificate")]
    KeyMismatch {
        /// Which pair of inputs.
        what: String,
    },
    /// Minting a test certificate failed.
    #[error("failed to mint a test certificate: {0}")]
    Mint(#[from] rcgen::Error),
    /// rustls refused a configuration.
    #[error("TLS configuration error: {0}")]
    Tls(#[from] rustls::Error),
    /// Forging a certificate failed (for example, an advertised CA name that is not a DER Name).
    #[error("cannot forge a certificate: {0}")]
    Forge(String),
    /// One half of a pair of inputs was given without the other.
    #[error("{0}")]
    Incomplete(String),
    /// No trust anchors at all could be loaded for server-certificate validation.
    #[error("no trust anchors: the system store is empty and no --ca-file was given")]
    NoTrustAnchors,
}
