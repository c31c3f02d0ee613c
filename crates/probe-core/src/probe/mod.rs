//! The probes. Each lives in its own file and says, from the scan's context, which certificate it
//! presents (or why it is skipped). Every probe runs on every TLS version, concurrently; the
//! registry below is the one list of them.

pub use crate::facts::ProbeId;
/// The exposed-configuration probe under its former module name.
pub use tls_config_exposed as config_exposed;

use std::sync::Arc;

use rustls::crypto::CryptoProvider;
use rustls::SignatureScheme;
use serde::{Deserialize, Serialize};

use crate::identity::forge::Forger;
use crate::identity::{ClientIdentity, IdentityPair};
use crate::transport::tls::CertChooser;

pub mod cert_without_key;
pub mod expired_client_cert;
pub mod forged_client_cert;
pub mod late_client_auth;
pub mod no_client_cert;
pub mod not_yet_valid_client_cert;
pub mod tls_config_exposed;
pub mod untrusted_client_cert;
pub mod valid_client_cert;
pub mod wrong_eku_client_cert;

/// Identities minted from the user's staging CA (`--issuing-ca-cert/--issuing-ca-key`).
#[derive(Debug)]
pub struct StagingIdentities {
    /// Valid now: the positive control when no `--client-cert` is given.
    pub valid: Arc<IdentityPair>,
    /// Expired yesterday.
    pub expired: Arc<IdentityPair>,
    /// Valid only from tomorrow.
    pub not_yet_valid: Arc<IdentityPair>,
    /// EKU serverAuth only.
    pub wrong_eku: Arc<IdentityPair>,
}

/// What the probes may draw on: the provider and the identities minted or loaded for this scan.
pub struct ProbeContext {
    /// The one crypto provider.
    pub provider: Arc<CryptoProvider>,
    /// An identity issued by a CA minted on the spot, which no server trusts.
    pub untrusted: Arc<IdentityPair>,
    /// Forges certificates with a copied issuer name.
    pub forger: Arc<Forger>,
    /// The user's own identity (`--client-cert/--client-key`).
    pub client: Option<ClientIdentity>,
    /// Identities from the user's staging CA.
    pub staging: Option<StagingIdentities>,
    /// The issuer name (DER) to forge when the server advertises none: the issuer of
    /// `--client-cert`, else the staging CA's subject.
    pub forge_fallback_issuer: Option<Vec<u8>>,
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

/// Presents one fixed identity, whatever the server asks.
#[derive(Debug)]
pub struct Fixed(pub ClientIdentity);

impl CertChooser for Fixed {
    fn choose(&self, _hints: &[&[u8]], _schemes: &[SignatureScheme]) -> Option<ClientIdentity> {
        Some(self.0.clone())
    }
}

/// Presents an identity pair in the key type the server accepts.
#[derive(Debug)]
pub struct Paired(pub Arc<IdentityPair>);

impl CertChooser for Paired {
    fn choose(&self, _hints: &[&[u8]], schemes: &[SignatureScheme]) -> Option<ClientIdentity> {
        self.0.for_schemes(schemes)
    }
}

/// The registry: every probe with its plan for this scan, in report order.
pub fn plans(ctx: &ProbeContext) -> Vec<(ProbeId, Plan)> {
    vec![
        (ProbeId::NoClientCert, no_client_cert::plan(ctx)),
        (
            ProbeId::UntrustedClientCert,
            untrusted_client_cert::plan(ctx),
        ),
        (ProbeId::ForgedClientCert, forged_client_cert::plan(ctx, 0)),
        (ProbeId::ValidClientCert, valid_client_cert::plan(ctx)),
        (ProbeId::CertWithoutKey, cert_without_key::plan(ctx)),
        (ProbeId::ExpiredClientCert, expired_client_cert::plan(ctx)),
        (
            ProbeId::NotYetValidClientCert,
            not_yet_valid_client_cert::plan(ctx),
        ),
        (
            ProbeId::WrongEkuClientCert,
            wrong_eku_client_cert::plan(ctx),
        ),
    ]
}

/// The plan of a probe that needs the staging CA.
fn staging_plan(
    ctx: &ProbeContext,
    pick: impl Fn(&StagingIdentities) -> &Arc<IdentityPair>,
) -> Plan {
    match &ctx.staging {
        Some(s) => Plan::Run(Some(Arc::new(Paired(pick(s).clone())))),
        None => Plan::Skip(
            "needs a staging CA the server trusts: --issuing-ca-cert and --issuing-ca-key".into(),
        ),
    }
}
