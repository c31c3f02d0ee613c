//! `no-client-cert-no-alpn`: the baseline again, offering no ALPN at all, as OpenSSL's
//! `s_client`, Python's `http.client` and many embedded clients do. A server may pick its TLS
//! settings by the ALPN offered (a rustls `LazyConfigAcceptor` or Go `GetConfigForClient`
//! requiring a certificate of clients that offer h2, an Envoy filter chain matched on
//! `application_protocols` beside a default chain without mTLS): a client offering nothing gets
//! the other settings, and in (an audit's rustls servers: A, exit 0, while `curl --no-alpn` got
//! the orders). It runs after the first wave, only on a version whose anonymous baseline did not
//! negotiate h2 and was not served (refused over HTTP, answered, or refused in the handshake):
//! one connection more there. Where h2 was negotiated and the baseline got past the handshake,
//! `no-client-cert-http1` asks instead (an h2-only server would hang on a client offering no
//! ALPN); where h2 was negotiated and the handshake refused the baseline, this probe asks too.

use super::{Judged, Plan, Probe, ProbeContext, ProbeId, ProbeSpec, VersionView};
use crate::facts::Outcome;
use crate::finding::FindingId;

impl ProbeId {
    /// `no-client-cert-no-alpn`: No certificate, offering no ALPN, where h2 was not negotiated.
    pub const NO_CLIENT_CERT_NO_ALPN: ProbeId = ProbeId::new("no-client-cert-no-alpn");
}

/// The probe.
pub struct NoClientCertNoAlpn;

static SPEC: ProbeSpec = ProbeSpec {
    id: ProbeId::NO_CLIENT_CERT_NO_ALPN,
    presents: "nothing, offering no ALPN at all; after the first wave, only where the anonymous baseline was not served: refused in the handshake once the ALPN chosen was known (TLS 1.3, h2 or not), or, where it did not negotiate h2, over HTTP but by nginx's own certificate page",
    needs: "—",
    findings: &[
        FindingId::ClientCertOptional,
        FindingId::ClientCertNotRequested,
    ],
};

impl Probe for NoClientCertNoAlpn {
    fn spec(&self) -> &'static ProbeSpec {
        &SPEC
    }

    /// Runs with no certificate.
    fn plan(&self, _ctx: &ProbeContext) -> Plan {
        Plan::Run(None)
    }

    /// After the first wave: only where the baseline, offering ALPN, did not serve.
    fn deferred(&self) -> bool {
        true
    }

    fn alpn(&self) -> crate::transport::Alpn {
        crate::transport::Alpn::Omitted
    }

    /// Where the anonymous baseline did not negotiate h2 and was not served: refused over HTTP
    /// or answered, or refused in the handshake once the ALPN chosen was known (TLS 1.3: a
    /// refusal there follows the server's EncryptedExtensions), h2 too: a server refusing an
    /// anonymous client in its handshake refuses one offering no ALPN there as well unless its
    /// settings follow the ALPN (Go `GetConfigForClient` on a gRPC and REST front: A, exit 0,
    /// while `curl --no-alpn` got in), so no h2-only server is left waiting for a request it
    /// cannot read. A TLS 1.2 refusal in the
    /// handshake tells no ALPN, and a policy by ALPN is the same on both versions: read on TLS
    /// 1.3 alone.
    /// Not where nginx's own certificate page refused (its TLS module requires the certificate
    /// of every client of the server block the SNI picked, whatever the ALPN).
    fn wanted_after(&self, first: &VersionView<'_>) -> bool {
        first.of(ProbeId::NO_CLIENT_CERT).is_some_and(|nc| {
            !nc.late
                && (nc.alpn.as_deref() != Some("h2") || nc.outcome == Outcome::RefusedTls)
                && (nc.alpn.is_some() || nc.handshake_completed)
                && !crate::checks::refusal::nginx_own_certificate_page(
                    nc.http_status,
                    nc.body_excerpt.as_deref(),
                    nc.server_header.as_deref(),
                )
                && match nc.outcome {
                    Outcome::RefusedHttp | Outcome::Answered => nc.handshake_completed,
                    Outcome::RefusedTls => true,
                    _ => false,
                }
        })
    }

    fn judge<'a>(&self, view: &VersionView<'a>) -> Vec<Judged<'a>> {
        super::no_client_cert_http1::served_where_refused(
            view,
            self.id(),
            |v, asked, st, before| {
                format!(
                    "{v}: offering no ALPN (as OpenSSL's s_client, Python's http.client and many \
                 embedded clients do), {asked} served HTTP {st} without one, where offering \
                 ALPN the same request was {before}: the server's settings follow the ALPN \
                 offered, and a client that offers none gets in. Require the certificate \
                 whatever the client offers (every filter chain, every configuration a \
                 ClientHello can pick)."
                )
            },
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::probe::recorded::{obs, view, with_cert};

    #[test]
    fn asks_where_the_baseline_spoke_no_h2_and_was_not_served() {
        let mut nc = obs(ProbeId::NO_CLIENT_CERT, Outcome::RefusedTls, None);
        nc.alpn = Some("http/1.1".into());
        let all = [nc.clone()];
        assert!(NoClientCertNoAlpn.wanted_after(&view(&all)));
        nc.alpn = Some("h2".into());
        let all = [nc.clone()];
        assert!(NoClientCertNoAlpn.wanted_after(&view(&all)));
        let mut past = obs(ProbeId::NO_CLIENT_CERT, Outcome::RefusedHttp, Some(403));
        past.alpn = Some("h2".into());
        let all = [past];
        assert!(!NoClientCertNoAlpn.wanted_after(&view(&all)));
        let served = obs(ProbeId::NO_CLIENT_CERT, Outcome::Served, Some(200));
        let all = [served];
        assert!(!NoClientCertNoAlpn.wanted_after(&view(&all)));
    }

    #[test]
    fn served_without_alpn_where_refused_with_it_is_the_finding() {
        let nc = obs(ProbeId::NO_CLIENT_CERT, Outcome::RefusedTls, None);
        let mut bare = obs(ProbeId::NO_CLIENT_CERT_NO_ALPN, Outcome::Served, Some(200));
        bare.cert_requested = false;
        bare.body_excerpt = Some("orders".into());
        let mut valid = with_cert(obs(ProbeId::VALID_CLIENT_CERT, Outcome::Served, Some(200)));
        valid.body_excerpt = Some("orders".into());
        let all = [nc, bare, valid];
        let judged = NoClientCertNoAlpn.judge(&view(&all));
        let ids: Vec<FindingId> = judged.iter().map(|j| j.finding.id).collect();
        assert_eq!(ids, [FindingId::ClientCertNotRequested]);
    }
}
