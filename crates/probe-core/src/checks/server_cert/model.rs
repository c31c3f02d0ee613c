//! The public types of the server-certificate analysis: what the report shows of the served
//! chain, and the policy it is judged by.

use serde::{Deserialize, Serialize};

use crate::facts::TlsVersion;
use crate::finding::Finding;

/// Default of [`crate::engine::ScanOptions::expiry_warning_days`].
pub const DEFAULT_EXPIRY_WARNING_DAYS: u32 = 30;

/// Whether the served chain validates against the trust anchors.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ServerTrust {
    /// It chains to a trust anchor (validity dates and host name aside: they are findings of
    /// their own).
    Trusted,
    /// It does not chain to any trust anchor.
    Untrusted,
    /// Trust was not judged: no trust anchors were loaded, or the chain carries a signature
    /// algorithm the scanner cannot check (see [`Analysis::unjudged`]).
    Unknown,
}

/// One certificate of the chain as served.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChainCertificate {
    /// Subject DN (RFC 4514).
    pub subject: String,
    /// Issuer DN (RFC 4514).
    pub issuer: String,
    /// SHA-256 fingerprint of the DER, lower-case hex.
    pub sha256: String,
    /// Key algorithm and size, e.g. `EC 256 (P-256)`, `RSA 2048`.
    pub key: String,
    /// Signature algorithm, e.g. `ecdsa-with-SHA256`.
    pub signature_algorithm: String,
    /// Start of validity (RFC 3339).
    pub not_before: String,
    /// End of validity (RFC 3339).
    pub not_after: String,
    /// Subject and issuer are the same and the certificate verifies with its own key.
    pub self_signed: bool,
}

/// The server's certificate as the baseline probe was served it, with what was judged of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServerCertificate {
    /// Subject DN of the leaf (RFC 4514).
    pub subject: String,
    /// Issuer DN of the leaf (RFC 4514).
    pub issuer: String,
    /// Subject alternative names (`DNS:…`, `IP:…`, `URI:…`, `email:…`).
    pub sans: Vec<String>,
    /// Start of the leaf's validity (RFC 3339).
    pub not_before: String,
    /// End of the leaf's validity (RFC 3339).
    pub not_after: String,
    /// Whole days until the leaf expires (negative once expired).
    pub days_left: i64,
    /// The leaf's key, e.g. `EC 256 (P-256)`.
    pub key: String,
    /// The leaf's signature algorithm.
    pub signature_algorithm: String,
    /// SHA-256 fingerprint of the leaf.
    pub sha256: String,
    /// Whether the chain validates against the trust anchors.
    pub trust: ServerTrust,
    /// Why it does not, as webpki says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trust_error: Option<String>,
    /// The host name checked against the certificate.
    pub host: String,
    /// Whether the leaf is valid for that host; `None` when the leaf could not be checked.
    pub host_matches: Option<bool>,
    /// The chain as served, leaf first.
    pub chain: Vec<ChainCertificate>,
    /// The TLS versions on which this chain was served.
    pub tls_versions: Vec<TlsVersion>,
}

/// The result of analysing one target's served chains.
#[derive(Debug, Default)]
pub struct Analysis {
    /// The chain served on the first TLS version, described.
    pub certificate: Option<ServerCertificate>,
    /// Findings, merged across the chains served.
    pub findings: Vec<Finding>,
    /// Why a served chain's trust could not be judged, when it could not: a signature algorithm
    /// the scanner cannot check that is no weak one. Neither trusted nor untrusted: the target
    /// is incomplete.
    pub unjudged: Option<String>,
}

/// What to warn about.
#[derive(Debug, Clone, Copy)]
pub struct Policy {
    /// `server-cert-expiring` within this many days.
    pub expiry_warning_days: u32,
}
