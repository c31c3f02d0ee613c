//! `no-client-cert-http1`: the baseline again, offering ALPN `http/1.1` alone. A server that
//! picks h2 when offered is asked there by every other probe; one that checks the two HTTP
//! versions apart (a Node `http2.createSecureServer({ allowHTTP1: true })` whose check sits in
//! the `stream` handler only, an nginx `if ($server_protocol ...)`, a proxy routing h2 and
//! HTTP/1.1 to differently set-up backends) lets in over HTTP/1.1 a client it refuses over h2.
//! It runs after the first wave, only on a version whose anonymous baseline negotiated h2,
//! completed the handshake and was not served: a connection more only there.

use super::{Judged, Plan, Probe, ProbeContext, ProbeId, ProbeSpec, VersionView};
use crate::facts::{Outcome, ProbeObservation};
use crate::finding::{Finding, FindingId};

impl ProbeId {
    /// `no-client-cert-http1`: No certificate, over HTTP/1.1 where h2 was negotiated.
    pub const NO_CLIENT_CERT_HTTP1: ProbeId = ProbeId::new("no-client-cert-http1");
}

/// The probe.
pub struct NoClientCertHttp1;

static SPEC: ProbeSpec = ProbeSpec {
    id: ProbeId::NO_CLIENT_CERT_HTTP1,
    presents: "nothing, offering ALPN `http/1.1` alone; after the first wave, only where the anonymous baseline negotiated h2, got through the handshake and was not served",
    needs: "—",
    findings: &[
        FindingId::ClientCertOptional,
        FindingId::ClientCertNotRequested,
    ],
};

/// How the anonymous h2 request was answered, in words.
fn h2_answer(nc: &ProbeObservation) -> String {
    match (nc.outcome, nc.http_status) {
        (Outcome::RefusedHttp, Some(st)) => format!("refused with HTTP {st}"),
        (_, Some(st)) => format!("answered HTTP {st}"),
        _ => "not served".to_owned(),
    }
}

/// The HTTP/1.1 exchange's page reads as a refusal served with a 2xx: it speaks of refusing the
/// caller or of certificates.
fn reads_as_refusal(o: &ProbeObservation) -> bool {
    let body = o.body_excerpt.as_deref().unwrap_or_default().as_bytes();
    o.body_names_certificates
        || crate::text::speaks_of_refusal(body)
        || crate::text::speaks_of_certificates(body)
}

/// The pages of the valid certificate (served on this version) and of the HTTP/1.1 exchange.
fn pages<'a>(view: &VersionView<'a>, h1: &'a ProbeObservation) -> Option<(&'a str, &'a str)> {
    let valid = view
        .of(ProbeId::VALID_CLIENT_CERT)
        .filter(|v| v.client_cert.is_some() && v.outcome == Outcome::Served)?;
    let page = |o: &'a ProbeObservation| o.body_excerpt.as_deref().filter(|b| !b.trim().is_empty());
    page(valid).zip(page(h1))
}

/// Why the HTTP/1.1 exchange, served a 2xx that does not read as a refusal, cannot be judged:
/// its page is wholly unlike the one the valid certificate is served on this path (a page the
/// server gives HTTP/1.1 clients whoever they are, such as a notice to upgrade). `None` where it
/// is judged (no such page, or none to compare with: a 2xx without a refusal on the protected
/// path is then a client let in).
pub fn unsure(view: &VersionView<'_>, o: &ProbeObservation) -> Option<String> {
    if o.id != ProbeId::NO_CLIENT_CERT_HTTP1 || o.outcome != Outcome::Served || reads_as_refusal(o)
    {
        return None;
    }
    let (valid, page) = pages(view, o)?;
    super::page::wholly_unlike(valid, page).then(|| {
        format!(
            "over HTTP/1.1 without a client certificate, served HTTP {} with a page wholly unlike \
             the one the valid certificate is served (over h2 the same request was {}): whether \
             anything protected is let through over HTTP/1.1 cannot be told from outside. \
             Refuse clients without a certificate alike over both HTTP versions",
            o.http_status.unwrap_or_default(),
            view.of(ProbeId::NO_CLIENT_CERT)
                .map_or_else(|| "not served".to_owned(), h2_answer)
        )
    })
}

impl Probe for NoClientCertHttp1 {
    fn spec(&self) -> &'static ProbeSpec {
        &SPEC
    }

    /// Runs with no certificate.
    fn plan(&self, _ctx: &ProbeContext) -> Plan {
        Plan::Run(None)
    }

    /// After the first wave: only where h2 was asked and did not serve.
    fn deferred(&self) -> bool {
        true
    }

    fn http1_only(&self) -> bool {
        true
    }

    fn wanted_after(&self, first: &VersionView<'_>) -> bool {
        first.of(ProbeId::NO_CLIENT_CERT).is_some_and(|nc| {
            !nc.late
                && nc.handshake_completed
                && nc.alpn.as_deref() == Some("h2")
                && matches!(nc.outcome, Outcome::RefusedHttp | Outcome::Answered)
        })
    }

    fn judge<'a>(&self, view: &VersionView<'a>) -> Vec<Judged<'a>> {
        let (Some(h1), Some(nc)) = (view.of(self.id()), view.of(ProbeId::NO_CLIENT_CERT)) else {
            return Vec::new();
        };
        if h1.outcome != Outcome::Served
            || nc.outcome == Outcome::Served
            || reads_as_refusal(h1)
            || unsure(view, h1).is_some()
        {
            return Vec::new();
        }
        let v = view.version;
        let st = h1.http_status.unwrap_or_default();
        let (id, asked) = if h1.cert_requested {
            (
                FindingId::ClientCertOptional,
                "the server asked for a client certificate, then",
            )
        } else {
            (
                FindingId::ClientCertNotRequested,
                "the server never asked for a client certificate and",
            )
        };
        let finding = Finding::new(
            id,
            format!(
                "{v}: over HTTP/1.1 (ALPN `http/1.1` offered alone), {asked} served HTTP {st} \
                 without one, where over h2 the same request was {}: the server checks the two \
                 HTTP versions apart, and a client that does not offer h2 gets in. Refuse \
                 clients without a verified certificate alike over both (or in the TLS layer).",
                h2_answer(nc)
            ),
        );
        vec![Judged { finding, from: h1 }]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::Severity;
    use crate::probe::recorded::{obs, view, with_cert};

    fn h2_refused() -> ProbeObservation {
        let mut nc = obs(ProbeId::NO_CLIENT_CERT, Outcome::RefusedHttp, Some(403));
        nc.alpn = Some("h2".into());
        nc.handshake_completed = true;
        nc
    }

    fn h1(outcome: Outcome, status: u16, body: &str) -> ProbeObservation {
        let mut o = obs(ProbeId::NO_CLIENT_CERT_HTTP1, outcome, Some(status));
        o.alpn = Some("http/1.1".into());
        o.body_excerpt = Some(body.into());
        o
    }

    fn found(all: &[ProbeObservation]) -> Vec<(FindingId, Severity)> {
        NoClientCertHttp1
            .judge(&view(all))
            .into_iter()
            .map(|j| (j.finding.id, j.finding.severity))
            .collect()
    }

    #[test]
    fn wanted_only_where_h2_got_through_the_handshake_and_was_not_served() {
        let wanted = |nc: ProbeObservation| NoClientCertHttp1.wanted_after(&view(&[nc]));
        assert!(wanted(h2_refused()));
        let mut answered = h2_refused();
        (answered.outcome, answered.http_status) = (Outcome::Answered, Some(404));
        assert!(wanted(answered));
        let mut served = h2_refused();
        (served.outcome, served.http_status) = (Outcome::Served, Some(200));
        assert!(!wanted(served), "already served: found by the baseline");
        let mut http1 = h2_refused();
        http1.alpn = Some("http/1.1".into());
        assert!(!wanted(http1), "the baseline already spoke HTTP/1.1");
        let mut no_alpn = h2_refused();
        no_alpn.alpn = None;
        assert!(!wanted(no_alpn));
        let mut at_tls = h2_refused();
        (at_tls.outcome, at_tls.http_status) = (Outcome::RefusedTls, None);
        assert!(!wanted(at_tls), "refused in TLS: ALPN changes nothing there");
        let mut late = h2_refused();
        late.late = true;
        assert!(!wanted(late));
    }

    #[test]
    fn served_over_http1_where_h2_refused_is_a_client_let_in() {
        let mut asked = h1(Outcome::Served, 200, r#"{"orders":[1,2,3]}"#);
        asked.cert_requested = true;
        assert_eq!(
            found(&[h2_refused(), asked.clone()]),
            [(FindingId::ClientCertOptional, Severity::Critical)]
        );
        let both = [h2_refused(), asked.clone()];
        let said = NoClientCertHttp1.judge(&view(&both));
        assert!(said.first().is_some_and(|j| j
            .finding
            .detail
            .contains("over h2 the same request was refused with HTTP 403")));
        let mut never = asked.clone();
        never.cert_requested = false;
        assert_eq!(
            found(&[h2_refused(), never]),
            [(FindingId::ClientCertNotRequested, Severity::Critical)]
        );
        // Like the protected page the valid certificate gets: found too.
        let valid = with_cert(obs(ProbeId::VALID_CLIENT_CERT, Outcome::Served, Some(200)));
        let mut valid = valid;
        valid.body_excerpt = Some(r#"{"orders":[1,2,3,4]}"#.into());
        assert_eq!(found(&[h2_refused(), asked, valid]).len(), 1);
    }

    #[test]
    fn refused_over_http1_too_or_a_refusal_page_or_another_page_raises_nothing() {
        assert!(found(&[h2_refused(), h1(Outcome::RefusedHttp, 403, "Forbidden")]).is_empty());
        assert!(found(&[h2_refused(), h1(Outcome::RefusedTls, 0, "")]).is_empty());
        assert!(found(&[h2_refused(), h1(Outcome::Inconclusive, 0, "")]).is_empty());
        let refusal = h1(Outcome::Served, 200, r#"{"error":"unauthorized"}"#);
        assert!(found(&[h2_refused(), refusal.clone()]).is_empty());
        assert_eq!(unsure(&view(&[h2_refused(), refusal]), &h1(Outcome::Served, 200, "x")), None);
        // A page wholly unlike the protected one: unsure (the verdict lists it), no finding.
        let mut valid = with_cert(obs(ProbeId::VALID_CLIENT_CERT, Outcome::Served, Some(200)));
        valid.body_excerpt = Some(r#"{"orders":[{"id":1,"item":"widget","qty":3}]}"#.into());
        let notice = h1(
            Outcome::Served,
            200,
            "<html><body>Please upgrade your browser to continue</body></html>",
        );
        let all = [h2_refused(), notice.clone(), valid];
        assert!(found(&all).is_empty());
        assert!(unsure(&view(&all), &notice).is_some_and(|r| r.contains("wholly unlike")));
    }
}
