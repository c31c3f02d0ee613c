//! `expired-client-cert`: a certificate from the staging CA, expired yesterday; a server that serves it does not check validity dates.

use super::{
    served_with, staging_plan, Judged, Plan, Probe, ProbeContext, ProbeId, ProbeSpec, VersionView,
};
use crate::finding::FindingId;

impl ProbeId {
    /// `expired-client-cert`: Issued by the staging CA, expired.
    pub const EXPIRED_CLIENT_CERT: ProbeId = ProbeId::new("expired-client-cert");
}

/// The probe.
pub struct ExpiredClientCert;

static SPEC: ProbeSpec = ProbeSpec {
    id: ProbeId::EXPIRED_CLIENT_CERT,
    presents: "a certificate from the staging CA, expired yesterday",
    needs: "a staging CA the server trusts (`issuing-ca-*`)",
    findings: &[FindingId::ExpiredClientCertAccepted],
};

impl Probe for ExpiredClientCert {
    fn spec(&self) -> &'static ProbeSpec {
        &SPEC
    }

    fn plan(&self, ctx: &ProbeContext) -> Plan {
        staging_plan(ctx, |s| &s.expired)
    }

    fn judge<'a>(&self, view: &VersionView<'a>) -> Vec<Judged<'a>> {
        served_with(
            view,
            self.id(),
            FindingId::ExpiredClientCertAccepted,
            "an expired certificate from the staging CA",
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
        with_cert(obs(ProbeId::EXPIRED_CLIENT_CERT, outcome, status))
    }

    #[test]
    fn a_served_certificate_raises_expired_client_cert_accepted_on_that_version() {
        let served = [mine(Outcome::Served, Some(200))];
        assert_eq!(
            judged(&ExpiredClientCert, TlsVersion::Tls13, &served),
            [(
                FindingId::ExpiredClientCertAccepted,
                Severity::High,
                "TLS 1.3: an expired certificate from the staging CA was served HTTP 200.".to_owned(),
                ProbeId::EXPIRED_CLIENT_CERT,
            )]
        );
        let mut tls12 = mine(Outcome::Served, Some(204));
        tls12.tls_version = TlsVersion::Tls12;
        let found = judged(&ExpiredClientCert, TlsVersion::Tls12, &[tls12]);
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(
            found[0].2.starts_with("TLS 1.2:") && found[0].2.ends_with("HTTP 204."),
            "{found:?}"
        );
    }

    #[test]
    fn answered_after_the_handshake_is_a_medium_finding() {
        // Go RequireAnyClientCert on a path that answers 404: the TLS layer let it in.
        for status in [404, 302, 500] {
            let found = judged(
                &ExpiredClientCert,
                TlsVersion::Tls13,
                &[mine(crate::transport::classify_status(status), Some(status))],
            );
            assert_eq!(found.len(), 1, "{status}: {found:?}");
            assert_eq!(
                (found[0].0, found[0].1),
                (FindingId::ExpiredClientCertAccepted, Severity::Medium)
            );
            assert!(
                found[0].2.contains(&format!("answered HTTP {status}: the TLS layer accepted it")),
                "{found:?}"
            );
        }
    }

    #[test]
    fn a_refusal_or_an_unreadable_answer_raises_nothing() {
        for o in presented_not_served(ProbeId::EXPIRED_CLIENT_CERT) {
            let (outcome, status) = (o.outcome, o.http_status);
            let found = judged(&ExpiredClientCert, TlsVersion::Tls13, &[o]);
            assert!(found.is_empty(), "{outcome:?} {status:?}: {found:?}");
        }
    }

    #[test]
    fn only_its_own_presented_certificate_counts() {
        // The server asked, but no identity was there to present: served anonymously, which is
        // the baseline's finding, not this one.
        let unpresented = [obs(ProbeId::EXPIRED_CLIENT_CERT, Outcome::Served, Some(200))];
        assert!(judged(&ExpiredClientCert, TlsVersion::Tls13, &unpresented).is_empty());
        // Every other probe got in; this one was refused in the TLS layer.
        let others = [
            obs(ProbeId::NO_CLIENT_CERT, Outcome::Served, Some(200)),
            with_cert(obs(ProbeId::VALID_CLIENT_CERT, Outcome::Served, Some(200))),
            with_cert(obs(ProbeId::UNTRUSTED_CLIENT_CERT, Outcome::Served, Some(200))),
            mine(Outcome::RefusedTls, None),
        ];
        assert!(judged(&ExpiredClientCert, TlsVersion::Tls13, &others).is_empty());
    }
}
