//! `self-signed-client-cert`: presents a self-signed certificate (its own issuer, no CA at all),
//! whose key type the server's CertificateRequest accepts. A server that serves it does not
//! verify the chain: HAProxy's `crt-ignore-err 18`, an Erlang `verify_fun` that forgives
//! `selfsigned_peer`, a verifier that trusts any certificate that verifies itself. Such a server
//! may still refuse the certificate from an unknown CA (another verification error), so this is
//! a probe of its own.

use std::sync::Arc;

use super::{
    served_with, Judged, Paired, Plan, Probe, ProbeContext, ProbeId, ProbeSpec, VersionView,
};
use crate::checks::refusal::tls_module_refusal;
use crate::facts::Outcome;
use crate::finding::FindingId;

impl ProbeId {
    /// `self-signed-client-cert`: A self-signed certificate.
    pub const SELF_SIGNED_CLIENT_CERT: ProbeId = ProbeId::new("self-signed-client-cert");
}

/// The probe.
pub struct SelfSignedClientCert;

static SPEC: ProbeSpec = ProbeSpec {
    id: ProbeId::SELF_SIGNED_CLIENT_CERT,
    presents: "a self-signed certificate (its own issuer, no CA) with the clientAuth key purpose; with `client-cert`, claiming that certificate's subject and subjectAltName (as its issuer too, so it stays self-signed); after the first wave, only where the server asked for a certificate and the one from an unknown CA was refused (in the handshake, or by an application)",
    needs: "—",
    findings: &[FindingId::UntrustedClientCertAccepted],
};

impl Probe for SelfSignedClientCert {
    fn spec(&self) -> &'static ProbeSpec {
        &SPEC
    }

    fn plan(&self, ctx: &ProbeContext) -> Plan {
        Plan::Run(Some(Arc::new(Paired(ctx.self_signed.clone()))))
    }

    /// After the first wave: it adds evidence only where the server asked for a certificate
    /// and the one from an unknown CA was not let in: refused in the handshake, or by an
    /// application (which may forgive a self-signed leaf alone: a Go handler or an Express
    /// middleware that admits a certificate verifying itself, or `DEPTH_ZERO_SELF_SIGNED_CERT`,
    /// let it in where an audit's scan never tried it: A, exit 0), not by the TLS module's own
    /// page (nginx judges the chain as OpenSSL does, whatever the leaf).
    fn deferred(&self) -> bool {
        true
    }

    fn wanted_after(&self, first: &VersionView<'_>) -> bool {
        let asked = first
            .of(ProbeId::NO_CLIENT_CERT)
            .is_some_and(|o| o.cert_requested);
        let untrusted_through = first.all(ProbeId::UNTRUSTED_CLIENT_CERT).any(|u| {
            u.client_cert.is_some()
                && u.handshake_completed
                && match u.outcome {
                    Outcome::Served | Outcome::Answered => true,
                    Outcome::RefusedHttp => tls_module_refusal(u),
                    _ => false,
                }
        });
        asked && !untrusted_through
    }

    fn judge<'a>(&self, view: &VersionView<'a>) -> Vec<Judged<'a>> {
        served_with(
            view,
            self.id(),
            FindingId::UntrustedClientCertAccepted,
            "a self-signed certificate (its own issuer, no CA)",
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::probe::recorded::{obs, view, with_cert};

    #[test]
    fn a_served_self_signed_certificate_is_an_untrusted_one_accepted() {
        let id = ProbeId::SELF_SIGNED_CLIENT_CERT;
        let served = [with_cert(obs(id, Outcome::Served, Some(200)))];
        let found = SelfSignedClientCert.judge(&view(&served));
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].finding.id, FindingId::UntrustedClientCertAccepted);
        assert!(found[0].finding.detail.contains("self-signed"));
        // Refused in the TLS layer: nothing.
        let refused = [with_cert(obs(id, Outcome::RefusedTls, None))];
        assert!(SelfSignedClientCert.judge(&view(&refused)).is_empty());
    }

    /// Wanted where the server asked and the certificate from an unknown CA was refused, in the
    /// handshake or by an application (which may forgive a self-signed leaf alone), not where it
    /// got in, nor where nginx's own certificate page refused it.
    #[test]
    fn wanted_where_the_unknown_ca_was_refused_in_the_handshake_or_by_an_application() {
        let baseline = obs(ProbeId::NO_CLIENT_CERT, Outcome::RefusedHttp, Some(403));
        let untrusted =
            |outcome, status| with_cert(obs(ProbeId::UNTRUSTED_CLIENT_CERT, outcome, status));
        let mut nginx_page = untrusted(Outcome::RefusedHttp, Some(400));
        nginx_page.server_header = Some("nginx".into());
        nginx_page.body_excerpt =
            Some("<html><head><title>400 The SSL certificate error</title></head></html>".into());
        for (u, want) in [
            (untrusted(Outcome::RefusedTls, None), true),
            (untrusted(Outcome::RefusedHttp, Some(403)), true),
            (untrusted(Outcome::Served, Some(200)), false),
            (untrusted(Outcome::Answered, Some(404)), false),
            (nginx_page, false),
        ] {
            let seen = [baseline.clone(), u.clone()];
            assert_eq!(
                SelfSignedClientCert.wanted_after(&view(&seen)),
                want,
                "{:?} {:?}",
                u.outcome,
                u.http_status
            );
        }
    }
}
