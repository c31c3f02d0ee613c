//! `untrusted-client-cert`: presents a certificate from a CA minted on the spot, whose key type the
//! server's CertificateRequest accepts. A server that serves it does not verify the chain.

use std::sync::Arc;

use super::{
    served_with, Judged, Paired, Plan, Probe, ProbeContext, ProbeId, ProbeSpec, VersionView,
};
use crate::finding::FindingId;
use crate::identity::forge::Forger;
use crate::identity::{ClientIdentity, KeyKind};
use crate::transport::tls::CertChooser;
use rustls::SignatureScheme;

impl ProbeId {
    /// `untrusted-client-cert`: A certificate from a CA minted on the spot.
    pub const UNTRUSTED_CLIENT_CERT: ProbeId = ProbeId::new("untrusted-client-cert");
}

/// The probe.
pub struct UntrustedClientCert;

static SPEC: ProbeSpec = ProbeSpec {
    id: ProbeId::UNTRUSTED_CLIENT_CERT,
    presents: "a certificate from a CA minted on the spot; with `client-cert` (when its DER reads strictly), claiming that certificate's subject and subjectAltName",
    needs: "—",
    findings: &[FindingId::UntrustedClientCertAccepted],
};

/// What the probe presents: with `client-cert` (whose subject the forger could read), a leaf from
/// the forger's own CA claiming that subject and names; else the plain certificate from a CA
/// minted on the spot. The header probe presents the same where it sends its headers with this
/// probe's certificate.
pub(crate) fn chooser(ctx: &ProbeContext) -> Arc<dyn CertChooser> {
    if ctx.forger.claims() {
        return Arc::new(UnknownCaClaiming(ctx.forger.clone()));
    }
    Arc::new(Paired(ctx.untrusted.clone()))
}

/// The certificate from an unknown CA as [`chooser`] presents it to a server accepting `schemes`
/// (the header probe's forged headers carry its subject and DER).
pub(crate) fn identity(
    ctx: &ProbeContext,
    schemes: &[SignatureScheme],
) -> Result<ClientIdentity, String> {
    if ctx.forger.claims() {
        return ctx
            .forger
            .unknown_ca_claiming(KeyKind::choose(schemes))
            .map_err(|e| e.to_string());
    }
    ctx.untrusted.for_schemes(schemes)
}

/// Presents a leaf from the forger's own CA claiming the valid certificate's subject, in the key
/// type the server accepts.
#[derive(Debug)]
struct UnknownCaClaiming(Arc<Forger>);

impl CertChooser for UnknownCaClaiming {
    fn choose(
        &self,
        _hints: &[&[u8]],
        schemes: &[SignatureScheme],
    ) -> Result<Option<ClientIdentity>, String> {
        self.0
            .unknown_ca_claiming(KeyKind::choose(schemes))
            .map(Some)
            .map_err(|e| e.to_string())
    }
}

impl Probe for UntrustedClientCert {
    fn spec(&self) -> &'static ProbeSpec {
        &SPEC
    }

    /// With `client-cert`, the certificate from the unknown CA claims its subject and names
    /// (a TLS layer that lets any CA through before a check of the subject lets it in).
    fn plan(&self, ctx: &ProbeContext) -> Plan {
        Plan::Run(Some(chooser(ctx)))
    }

    fn judge<'a>(&self, view: &VersionView<'a>) -> Vec<Judged<'a>> {
        served_with(
            view,
            self.id(),
            FindingId::UntrustedClientCertAccepted,
            "a certificate issued by a CA minted for this scan",
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::facts::Outcome;
    use crate::probe::recorded::{obs, view, with_cert};

    #[test]
    fn only_a_presented_certificate_that_is_served_counts() {
        let served = [with_cert(obs(
            ProbeId::UNTRUSTED_CLIENT_CERT,
            Outcome::Served,
            Some(200),
        ))];
        let found = UntrustedClientCert.judge(&view(&served));
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].finding.id, FindingId::UntrustedClientCertAccepted);
        assert!(found[0].finding.detail.contains("HTTP 200"));
        // Served but nothing presented (the server never asked): not this finding.
        let unasked = [obs(
            ProbeId::UNTRUSTED_CLIENT_CERT,
            Outcome::Served,
            Some(200),
        )];
        assert!(UntrustedClientCert.judge(&view(&unasked)).is_empty());
        for (outcome, status) in [
            (Outcome::RefusedTls, None),
            (Outcome::RefusedHttp, Some(400)),
            (Outcome::Inconclusive, None),
        ] {
            let refused = [with_cert(obs(
                ProbeId::UNTRUSTED_CLIENT_CERT,
                outcome,
                status,
            ))];
            assert!(
                UntrustedClientCert.judge(&view(&refused)).is_empty(),
                "{outcome:?}"
            );
        }
    }
}
