//! `no-client-cert-http1`: the baseline again, offering ALPN `http/1.1` alone. A server that
//! picks h2 when offered is asked there by every other probe; one that checks the two HTTP
//! versions apart (a Node `http2.createSecureServer({ allowHTTP1: true })` whose check sits in
//! the `stream` handler only, an nginx `if ($server_protocol ...)`, a proxy routing h2 and
//! HTTP/1.1 to differently set-up backends) lets in over HTTP/1.1 a client it refuses over h2.
//! A server may even pick its TLS settings by ALPN (Go `GetConfigForClient` requiring a
//! certificate of h2 clients only, an Envoy filter chain matched on `application_protocols`: mTLS
//! for gRPC, none for the REST clients beside it), refusing in the handshake whoever offers h2.
//! It runs after the first wave, only on a version whose anonymous baseline negotiated h2 and was
//! not served (refused over HTTP, answered, or refused in the handshake): a connection more only
//! there.

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
    presents: "nothing, offering ALPN `http/1.1` alone; after the first wave, only where the anonymous baseline negotiated h2 and was not served (refused over HTTP or in the handshake, or given no answer after it: a GOAWAY or a close)",
    needs: "—",
    findings: &[
        FindingId::ClientCertOptional,
        FindingId::ClientCertNotRequested,
    ],
};

/// How the anonymous h2 request was answered, in words.
pub(super) fn h2_answer(nc: &ProbeObservation) -> String {
    match (nc.outcome, nc.http_status) {
        (Outcome::RefusedTls, _) => match &nc.alert {
            Some(a) => format!("refused in the handshake (alert {a})"),
            None => "refused in the handshake".to_owned(),
        },
        (Outcome::RefusedHttp, Some(st)) => format!("refused with HTTP {st}"),
        (_, Some(st)) => format!("answered HTTP {st}"),
        (Outcome::Inconclusive, None) if nc.handshake_completed => {
            "given no answer after the handshake (a GOAWAY or a close)".to_owned()
        }
        _ => "not served".to_owned(),
    }
}

/// The HTTP/1.1 exchange's page reads as a refusal served with a 2xx: it speaks of refusing the
/// caller or of certificates.
pub(super) fn reads_as_refusal(o: &ProbeObservation) -> bool {
    let body = o.body_excerpt.as_deref().unwrap_or_default().as_bytes();
    o.body_names_certificates
        || crate::text::speaks_of_refusal(body)
        || crate::text::speaks_of_certificates(body)
}

/// Why the HTTP/1.1 exchange, served a 2xx that does not read as a refusal, cannot be judged:
/// a client gets in over HTTP/1.1 only where its page is the protected page, the one the valid
/// certificate is served on this path over h2 (the same tokens, numbers aside; or both empty with
/// the same status). A page of its own (a notice that the API speaks HTTP/2 only, a login form, a
/// public status page, an empty 200) proves nothing, and without a served valid certificate
/// there is nothing to compare with. `None` where it is judged (a finding).
/// The same for `no-client-cert-no-alpn` ([`super::no_client_cert_no_alpn`]), in its words.
pub fn unsure(view: &VersionView<'_>, o: &ProbeObservation) -> Option<String> {
    let (over, other, alike) = match o.id {
        ProbeId::NO_CLIENT_CERT_HTTP1 => ("over HTTP/1.1", "over h2", "over both HTTP versions"),
        ProbeId::NO_CLIENT_CERT_NO_ALPN => (
            "offering no ALPN",
            "offering ALPN",
            "whatever ALPN they offer",
        ),
        _ => return None,
    };
    if o.outcome != Outcome::Served || reads_as_refusal(o) {
        return None;
    }
    let st = o.http_status.unwrap_or_default();
    let h2 = view
        .of(ProbeId::NO_CLIENT_CERT)
        .map_or_else(|| "not served".to_owned(), h2_answer);
    let valid = view
        .of(ProbeId::VALID_CLIENT_CERT)
        .filter(|v| v.client_cert.is_some() && v.outcome == Outcome::Served);
    let Some(valid) = valid else {
        // The baseline given no answer at all after its handshake (h2 broken for everyone: a
        // TLS terminator picking h2 in front of an HTTP/1.1-only backend, an nginx `stream` or
        // HAProxy `mode tcp` with `alpn h2,http/1.1`) refused nobody: this exchange is the
        // baseline as any HTTP/1.1 client meets it, judged as the baseline is (a 2xx without a
        // certificate). An audit's such terminators served the orders to curl without a
        // certificate while the scan stayed incomplete without a finding.
        let broken = view.of(ProbeId::NO_CLIENT_CERT).is_some_and(|nc| {
            nc.outcome == Outcome::Inconclusive
                && nc.handshake_completed
                && nc.http_status.is_none()
        });
        if broken {
            return None;
        }
        return Some(format!(
            "{over} without a client certificate, served HTTP {st} ({other} the same request \
             was {h2}): without a certificate the server serves (`client-cert`, or a staging \
             CA) that page cannot be compared with the protected one, so whether a client gets \
             in so cannot be told. Give `client-cert`, or refuse clients without a certificate \
             alike {alike}"
        ));
    };
    let page = |x: &ProbeObservation| x.body_excerpt.clone().unwrap_or_default();
    let (valid_page, page) = (page(valid), page(o));
    let same = match (valid_page.trim().is_empty(), page.trim().is_empty()) {
        (true, true) => valid.http_status == o.http_status,
        (false, false) => super::page::same_excerpt(&valid_page, &page),
        _ => false,
    };
    (!same).then(|| {
        format!(
            "{over} without a client certificate, served HTTP {st} with a page that is not the \
             one the valid certificate is served ({other} the same request was {h2}): a page of \
             its own (a notice, a login form, a public page), or the protected one shown \
             otherwise; whether anything protected is let through so cannot be told from \
             outside. Refuse clients without a certificate alike {alike}"
        )
    })
}

/// The note saying the HTTP/1.1 baseline was refused with an alert on some version (an h2-only
/// server: ALPN `no_application_protocol`): no door over HTTP/1.1 there, and none is counted (the
/// server does not speak it to this client; a close or a time-out instead is unread, and the
/// version incomplete). `None` where every run got an HTTP answer or no alert, or none ran.
pub fn unanswered_note(observations: &[ProbeObservation]) -> Option<String> {
    let unanswered: Vec<String> = observations
        .iter()
        .filter(|o| o.id == ProbeId::NO_CLIENT_CERT_HTTP1 && o.http_status.is_none())
        .filter(|o| o.alert.as_deref() == Some("NoApplicationProtocol"))
        .filter_map(|o| Some(format!("{}: alert {}", o.tls_version, o.alert.as_ref()?)))
        .collect();
    (!unanswered.is_empty()).then(|| {
        format!(
            "asked again over HTTP/1.1 alone (ALPN `http/1.1`, where h2 refused a client without \
             a certificate), the server gave no HTTP answer ({}): it speaks h2 only to such a \
             client, so no HTTP/1.1 door was read",
            unanswered.join("; ")
        )
    })
}

/// The baseline asked again as another client (`probe`: over HTTP/1.1 alone, or offering no
/// ALPN), served the protected page where the baseline was not served: `client-cert-optional`
/// where the server asked for a certificate, else `client-cert-not-requested`, in the words
/// `say` makes of (version, what the server asked, the status, how the baseline was answered).
pub(super) fn served_where_refused<'a>(
    view: &VersionView<'a>,
    probe: ProbeId,
    say: impl Fn(crate::facts::TlsVersion, &str, u16, String) -> String,
) -> Vec<Judged<'a>> {
    let (Some(again), Some(nc)) = (view.of(probe), view.of(ProbeId::NO_CLIENT_CERT)) else {
        return Vec::new();
    };
    if again.outcome != Outcome::Served
        || nc.outcome == Outcome::Served
        || reads_as_refusal(again)
        || unsure(view, again).is_some()
    {
        return Vec::new();
    }
    let (id, asked) = if again.cert_requested {
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
    let st = again.http_status.unwrap_or_default();
    let finding = Finding::new(id, say(view.version, asked, st, h2_answer(nc)));
    vec![Judged {
        finding,
        from: again,
    }]
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

    fn alpn(&self) -> crate::transport::Alpn {
        crate::transport::Alpn::Http1Only
    }

    /// Where the anonymous baseline negotiated h2 and was not served: refused over HTTP or
    /// answered, or refused in the handshake (a server whose TLS settings follow the ALPN offered
    /// lets in, without a certificate, a client that does not offer h2: an audit's Go
    /// `GetConfigForClient` was A, exit 0). TLS 1.2 refuses before the client learns the ALPN, so
    /// a refusal in the handshake is read on TLS 1.3 alone. Or given no answer after an h2
    /// handshake (a Node `http2` server with `allowHTTP1` checking the certificate in its
    /// `'session'` handler, which HTTP/1.1 never reaches, ends an unauthorised h2 session with
    /// GOAWAY `HTTP_1_1_REQUIRED` or a close: anyone got the orders over HTTP/1.1 while the scan
    /// stayed incomplete without a finding).
    fn wanted_after(&self, first: &VersionView<'_>) -> bool {
        first.of(ProbeId::NO_CLIENT_CERT).is_some_and(|nc| {
            !nc.late
                && nc.alpn.as_deref() == Some("h2")
                && match nc.outcome {
                    Outcome::RefusedHttp | Outcome::Answered | Outcome::Inconclusive => {
                        nc.handshake_completed
                    }
                    Outcome::RefusedTls => true,
                    _ => false,
                }
        })
    }

    fn judge<'a>(&self, view: &VersionView<'a>) -> Vec<Judged<'a>> {
        served_where_refused(view, self.id(), |v, asked, st, before| {
            format!(
                "{v}: over HTTP/1.1 (ALPN `http/1.1` offered alone), {asked} served HTTP {st} \
                 without one, where over h2 the same request was {before}: the server checks the \
                 two HTTP versions apart, and a client that does not offer h2 gets in. Refuse \
                 clients without a verified certificate alike over both (or in the TLS layer)."
            )
        })
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
        assert!(
            wanted(at_tls.clone()),
            "refused in TLS after h2 was picked: TLS settings may follow the ALPN"
        );
        at_tls.alpn = None;
        assert!(
            !wanted(at_tls),
            "no ALPN known (a TLS 1.2 refusal): nothing to vary"
        );
        let mut late = h2_refused();
        late.late = true;
        assert!(!wanted(late));
    }

    fn valid(body: &str) -> ProbeObservation {
        let mut v = with_cert(obs(ProbeId::VALID_CLIENT_CERT, Outcome::Served, Some(200)));
        v.body_excerpt = Some(body.into());
        v
    }

    const ORDERS: &str = r#"{"orders":[{"id":1017,"total":"42.00"}]}"#;

    #[test]
    fn served_over_http1_the_protected_page_where_h2_refused_is_a_client_let_in() {
        let mut asked = h1(Outcome::Served, 200, ORDERS);
        asked.cert_requested = true;
        let all = [h2_refused(), asked.clone(), valid(ORDERS)];
        assert_eq!(
            found(&all),
            [(FindingId::ClientCertOptional, Severity::Critical)]
        );
        let said = NoClientCertHttp1.judge(&view(&all));
        assert!(said.first().is_some_and(|j| j
            .finding
            .detail
            .contains("over h2 the same request was refused with HTTP 403")));
        let mut never = asked;
        never.cert_requested = false;
        assert_eq!(
            found(&[h2_refused(), never, valid(ORDERS)]),
            [(FindingId::ClientCertNotRequested, Severity::Critical)]
        );
        // Both empty with the same status: the same (empty) page.
        assert_eq!(
            found(&[h2_refused(), h1(Outcome::Served, 204, ""), {
                let mut v = valid("");
                v.http_status = Some(204);
                v
            }])
            .len(),
            1
        );
    }

    /// A page of its own over HTTP/1.1 (a notice that the API speaks HTTP/2 only, an empty 200,
    /// a login form), or any page where no valid certificate was served to compare with, is
    /// unsure: the verdict lists it (incomplete), no finding (an nginx answering HTTP/1.1
    /// clients with an upgrade notice was F).
    #[test]
    fn another_page_or_nothing_to_compare_with_is_unsure_never_a_finding() {
        let notice = h1(
            Outcome::Served,
            200,
            "<html><body>This API speaks HTTP/2 only. Please upgrade your client</body></html>",
        );
        for all in [
            vec![h2_refused(), notice.clone(), valid(ORDERS)],
            vec![h2_refused(), h1(Outcome::Served, 200, ""), valid(ORDERS)],
            vec![h2_refused(), h1(Outcome::Served, 200, ORDERS)],
        ] {
            assert!(found(&all).is_empty(), "{all:?}");
            let o = &all[1];
            assert!(unsure(&view(&all), o).is_some(), "{all:?}");
        }
        let alone = [h2_refused(), notice.clone()];
        assert!(unsure(&view(&alone), &notice).is_some_and(|r| r.contains("cannot be compared")));
    }

    /// h2 given no answer at all after its handshake (a TLS terminator picking h2 in front of an
    /// HTTP/1.1-only backend): the HTTP/1.1 exchange is the baseline as any HTTP/1.1 client meets
    /// it, and a 2xx there is a client let in, with no valid certificate to compare with (an
    /// nginx `stream` terminator with `ssl_verify_client optional` was B without a finding).
    #[test]
    fn served_over_http1_where_h2_gets_no_answer_for_anyone_is_the_baseline_served() {
        let mut broken = h2_refused();
        (broken.outcome, broken.http_status) = (Outcome::Inconclusive, None);
        let mut asked = h1(Outcome::Served, 200, ORDERS);
        asked.cert_requested = true;
        let all = [broken.clone(), asked.clone()];
        assert_eq!(unsure(&view(&all), &asked), None);
        assert_eq!(
            found(&all),
            [(FindingId::ClientCertOptional, Severity::Critical)]
        );
        let said = NoClientCertHttp1.judge(&view(&all));
        assert!(said.first().is_some_and(|j| j
            .finding
            .detail
            .contains("given no answer after the handshake")));
        // A refusal page over HTTP/1.1 stays no finding; h2 refused over HTTP stays unsure.
        let refusal = h1(Outcome::Served, 200, r#"{"error":"unauthorized"}"#);
        assert!(found(&[broken.clone(), refusal]).is_empty());
        assert!(unsure(&view(&[h2_refused(), asked.clone()]), &asked).is_some());
        // No handshake on h2 (refused in TLS): not this case.
        let mut at_tls = broken;
        (at_tls.outcome, at_tls.handshake_completed) = (Outcome::RefusedTls, false);
        assert!(unsure(&view(&[at_tls, asked.clone()]), &asked).is_some());
    }

    #[test]
    fn refused_over_http1_too_or_a_refusal_page_raises_nothing_and_is_not_unsure() {
        assert!(found(&[h2_refused(), h1(Outcome::RefusedHttp, 403, "Forbidden")]).is_empty());
        assert!(found(&[h2_refused(), h1(Outcome::RefusedTls, 0, "")]).is_empty());
        assert!(found(&[h2_refused(), h1(Outcome::Inconclusive, 0, "")]).is_empty());
        let refusal = h1(Outcome::Served, 200, r#"{"error":"unauthorized"}"#);
        let all = [h2_refused(), refusal.clone(), valid(ORDERS)];
        assert!(found(&all).is_empty());
        assert_eq!(unsure(&view(&all), &refusal), None);
    }

    #[test]
    fn an_h2_only_server_is_noted_not_unread() {
        let mut alert = h1(Outcome::Error, 0, "");
        (alert.http_status, alert.alert) = (None, Some("NoApplicationProtocol".into()));
        let mut closed = h1(Outcome::Inconclusive, 0, "");
        closed.http_status = None;
        closed.tls_version = crate::facts::TlsVersion::Tls12;
        closed.detail = Some("the server closed the connection right after the handshake".into());
        let note = unanswered_note(&[h2_refused(), alert, closed.clone()]);
        assert!(
            note.as_deref().is_some_and(
                |n| n.contains("TLS 1.3: alert NoApplicationProtocol") && !n.contains("closed")
            ),
            "{note:?}"
        );
        // A close is no word of the server's: not noted (the verdict leaves it unread).
        assert_eq!(unanswered_note(&[h2_refused(), closed]), None);
        // A certificate refused over HTTP/1.1 too (a strict server) is no h2-only server.
        let mut strict = h1(Outcome::RefusedTls, 0, "");
        (strict.http_status, strict.alert) = (None, Some("CertificateRequired".into()));
        assert_eq!(unanswered_note(&[h2_refused(), strict]), None);
        assert_eq!(unanswered_note(&[h2_refused()]), None);
    }
}
