//! The registry: the list itself (the `probes!` invocation below, one line per probe, whose module
//! `probe/mod.rs` declares), every probe's declaration, lookup by id, and reading ids back from
//! reports. The list lives here, not in `probe/mod.rs`: the probes use that module's helpers, and
//! a list there would make it and every probe import each other.

use serde::de::{self, Deserialize, Deserializer};

use super::{Probe, ProbeId, ProbeSpec, TargetProbe};

/// Lists each probe, in report order: the registry's one list.
macro_rules! probes {
    (handshake: [$($h:ident::$hp:ident),* $(,)?], per_target: [$($t:ident::$tp:ident),* $(,)?] $(,)?) => {
        /// Every handshake probe, in report order.
        pub static PROBES: &[&dyn Probe] = &[$(&super::$h::$hp),*];
        /// Every probe that makes requests of its own once per target.
        pub static TARGET_PROBES: &[&dyn TargetProbe] = &[$(&super::$t::$tp),*];
    };
}

// THE REGISTRY. Adding a probe is one file under `probe/` (its `ProbeId` constant, `ProbeSpec`,
// requests and judgement), its `pub mod` line in `probe/mod.rs` and one line here; `registry` reads this list (ids, `--skip-probe`,
// reading reports back) and tests check it against the README and docs.
probes! {
    handshake: [
        no_client_cert::NoClientCert,
        no_client_cert_http1::NoClientCertHttp1,
        no_client_cert_no_alpn::NoClientCertNoAlpn,
        untrusted_client_cert::UntrustedClientCert,
        self_signed_client_cert::SelfSignedClientCert,
        forged_client_cert::ForgedClientCert,
        valid_client_cert::ValidClientCert,
        cert_without_key::CertWithoutKey,
        public_root_client_cert::PublicRootClientCert,
        expired_client_cert::ExpiredClientCert,
        not_yet_valid_client_cert::NotYetValidClientCert,
        wrong_eku_client_cert::WrongEkuClientCert,
        lookalike_client_cert::LookalikeClientCert,
    ],
    per_target: [
        server_certificate::ServerCertificateProbe,
        tls_config_exposed::TlsConfigExposed,
        sni_host_mismatch_bypass::SniHostMismatchBypass,
        session_resumption_bypass::SessionResumptionBypass,
        client_cert_header_spoofing::ClientCertHeaderSpoofing,
        host_form_bypass::HostFormBypass,
        path_form_bypass::PathFormBypass,
        second_request_bypass::SecondRequestBypass,
        h2c_smuggling_bypass::H2cSmugglingBypass,
    ],
}

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

/// A report read back names its probes by id; only the registry's ids are accepted.
impl<'de> Deserialize<'de> for ProbeId {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = std::borrow::Cow::<'de, str>::deserialize(d)?;
        find(&text)
            .map(|spec| spec.id)
            .ok_or_else(|| de::Error::custom("unknown probe id"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_kebab_case_and_round_trip() {
        let ids: Vec<&str> = specs().map(|s| s.id.as_str()).collect();
        assert_eq!(ids.len(), PROBES.len() + TARGET_PROBES.len());
        let mut sorted = ids.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(sorted.len(), ids.len(), "duplicate probe ids: {ids:?}");
        for id in ids {
            assert!(
                !id.is_empty()
                    && id
                        .bytes()
                        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'),
                "{id} is not kebab-case"
            );
            let json = serde_json::to_string(&find(id).map(|s| s.id)).unwrap();
            let back: Option<ProbeId> = serde_json::from_str(&json).unwrap();
            assert_eq!(back.map(ProbeId::as_str), Some(id));
        }
        assert!(serde_json::from_str::<ProbeId>("\"no-such-probe\"").is_err());
    }
}
