//! `not-yet-valid-client-cert`: a certificate from the staging CA, valid from tomorrow; a server that serves it does not check validity dates.

use super::{
    served_with, staging_plan, Judged, Plan, Probe, ProbeContext, ProbeId, ProbeSpec, VersionView,
};
use crate::finding::FindingId;

impl ProbeId {
    /// `not-yet-valid-client-cert`: Issued by the staging CA, not yet valid.
    pub const NOT_YET_VALID_CLIENT_CERT: ProbeId = ProbeId::new("not-yet-valid-client-cert");
}

/// The probe.
pub struct NotYetValidClientCert;

static SPEC: ProbeSpec = ProbeSpec {
    id: ProbeId::NOT_YET_VALID_CLIENT_CERT,
    presents: "a certificate from the staging CA, valid from tomorrow",
    needs: "a staging CA the server trusts (`issuing-ca-*`)",
    findings: &[FindingId::NotYetValidClientCertAccepted],
};

impl Probe for NotYetValidClientCert {
    fn spec(&self) -> &'static ProbeSpec {
        &SPEC
    }

    fn plan(&self, ctx: &ProbeContext) -> Plan {
        staging_plan(ctx, |s| &s.not_yet_valid)
    }

    fn judge<'a>(&self, view: &VersionView<'a>) -> Vec<Judged<'a>> {
        served_with(
            view,
            self.id(),
            FindingId::NotYetValidClientCertAccepted,
            "a not-yet-valid certificate from the staging CA",
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::facts::{Outcome, ProbeObservation, TlsVersion};
    use crate::finding::Severity;
    use crate::probe::recorded::{judged, obs, presented_not_served, with_cert};

    fn mine(outcome: Outcome, status: Option<u16>) -> ProbeObservation {
        with_cert(obs(ProbeId::NOT_YET_VALID_CLIENT_CERT, outcome, status))
    }

    #[test]
    fn a_served_certificate_raises_not_yet_valid_client_cert_accepted_on_that_version() {
        let served = [mine(Outcome::Served, Some(200))];
        assert_eq!(
            judged(&NotYetValidClientCert, TlsVersion::Tls13, &served),
            [(
                FindingId::NotYetValidClientCertAccepted,
                Severity::Medium,
                "TLS 1.3: a not-yet-valid certificate from the staging CA was served HTTP 200.".to_owned(),
                ProbeId::NOT_YET_VALID_CLIENT_CERT,
            )]
        );
        let mut tls12 = mine(Outcome::Served, Some(204));
        tls12.tls_version = TlsVersion::Tls12;
        let found = judged(&NotYetValidClientCert, TlsVersion::Tls12, &[tls12]);
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(
            found[0].2.starts_with("TLS 1.2:") && found[0].2.ends_with("HTTP 204."),
            "{found:?}"
        );
    }

    #[test]
    fn a_refusal_or_an_unreadable_answer_raises_nothing() {
        for o in presented_not_served(ProbeId::NOT_YET_VALID_CLIENT_CERT) {
            let (outcome, status) = (o.outcome, o.http_status);
            let found = judged(&NotYetValidClientCert, TlsVersion::Tls13, &[o]);
            assert!(found.is_empty(), "{outcome:?} {status:?}: {found:?}");
        }
    }

    #[test]
    fn only_its_own_presented_certificate_counts() {
        // The server asked, but no identity was there to present: served anonymously, which is
        // the baseline's finding, not this one.
        let unpresented = [obs(ProbeId::NOT_YET_VALID_CLIENT_CERT, Outcome::Served, Some(200))];
        assert!(judged(&NotYetValidClientCert, TlsVersion::Tls13, &unpresented).is_empty());
        // Every other probe got in; this one was refused in the TLS layer.
        let others = [
            obs(ProbeId::NO_CLIENT_CERT, Outcome::Served, Some(200)),
            with_cert(obs(ProbeId::VALID_CLIENT_CERT, Outcome::Served, Some(200))),
            with_cert(obs(ProbeId::UNTRUSTED_CLIENT_CERT, Outcome::Served, Some(200))),
            mine(Outcome::RefusedTls, None),
        ];
        assert!(judged(&NotYetValidClientCert, TlsVersion::Tls13, &others).is_empty());
    }
}
