//! The probes. Each lives in its own file and says, from the scan's context, which certificate it
//! presents (or why it is skipped). Every probe runs on every TLS version, concurrently; the
//! registry below is the one list of them.

use std::sync::Arc;

use rustls::crypto::CryptoProvider;
use serde::{Deserialize, Serialize};

use crate::handshake::CertChooser;
use crate::identity::IdentityPair;

pub mod no_client_cert;
pub mod untrusted_client_cert;

/// Every probe id. The kebab-case name is stable and appears in reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum ProbeId {
    /// No certificate at all.
    NoClientCert,
    /// A certificate from a CA minted on the spot.
    UntrustedClientCert,
}

impl ProbeId {
    /// The stable kebab-case id.
    pub fn as_str(self) -> &'static str {
        match self {
            ProbeId::NoClientCert => "no-client-cert",
            ProbeId::UntrustedClientCert => "untrusted-client-cert",
        }
    }
}

impl std::fmt::Display for ProbeId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What the probes may draw on: the provider and the identities minted or loaded for this scan.
pub struct ProbeContext {
    /// The one crypto provider.
    pub provider: Arc<CryptoProvider>,
    /// An identity issued by a CA minted on the spot, which no server trusts.
    pub untrusted: Arc<IdentityPair>,
}

/// What a probe will do in this scan.
#[derive(Debug)]
pub enum Plan {
    /// Run, presenting what the chooser picks (`None`: no certificate).
    Run(Option<Arc<dyn CertChooser>>),
    /// Not run, with the reason shown in the report.
    Skip(String),
}

/// A probe that is not run, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SkippedProbe {
    /// Which probe.
    pub id: ProbeId,
    /// Why.
    pub reason: String,
}

/// The registry: every probe with its plan for this scan, in report order.
pub fn plans(ctx: &ProbeContext) -> Vec<(ProbeId, Plan)> {
    vec![
        (ProbeId::NoClientCert, no_client_cert::plan(ctx)),
        (ProbeId::UntrustedClientCert, untrusted_client_cert::plan(ctx)),
    ]
}
