//! The registry: the one list of every probe, in report order. Adding a probe is one file under
//! `probe/` and one line here.

use super::cert_without_key::CertWithoutKey;
use super::client_cert_header_spoofing::ClientCertHeaderSpoofing;
use super::expired_client_cert::ExpiredClientCert;
use super::forged_client_cert::ForgedClientCert;
use super::no_client_cert::NoClientCert;
use super::not_yet_valid_client_cert::NotYetValidClientCert;
use super::server_certificate::ServerCertificateProbe;
use super::session_resumption_bypass::SessionResumptionBypass;
use super::sni_host_mismatch_bypass::SniHostMismatchBypass;
use super::tls_config_exposed::TlsConfigExposed;
use super::untrusted_client_cert::UntrustedClientCert;
use super::valid_client_cert::ValidClientCert;
use super::wrong_eku_client_cert::WrongEkuClientCert;
use super::{Probe, ProbeSpec, TargetProbe};

/// Every handshake probe, in report order.
pub static PROBES: &[&dyn Probe] = &[
    &NoClientCert,
    &UntrustedClientCert,
    &ForgedClientCert,
    &ValidClientCert,
    &CertWithoutKey,
    &ExpiredClientCert,
    &NotYetValidClientCert,
    &WrongEkuClientCert,
];

/// Every probe that makes requests of its own once per target.
pub static TARGET_PROBES: &[&dyn TargetProbe] = &[
    &ServerCertificateProbe,
    &TlsConfigExposed,
    &SniHostMismatchBypass,
    &SessionResumptionBypass,
    &ClientCertHeaderSpoofing,
];

/// Every probe's declaration, handshake probes first.
pub fn specs() -> impl Iterator<Item = &'static ProbeSpec> {
    PROBES
        .iter()
        .map(|p| p.spec())
        .chain(TARGET_PROBES.iter().map(|p| p.spec()))
}

/// The probe a stable id names (for `--skip-probe`).
pub fn find(id: &str) -> Option<&'static ProbeSpec> {
    specs().find(|s| s.id.as_str() == id)
}
