//! `no-client-cert`: the baseline. Presents no certificate, and records whether the server sent a
//! CertificateRequest, its CA names and signature schemes, any alert, and the HTTP answer. Its
//! judgement: never asked (`client-cert-not-requested`), served without one
//! (`client-cert-optional`), or refused by the application rather than the TLS layer
//! (`client-cert-enforced-by-app`).

use super::{Judged, Plan, Probe, ProbeContext, ProbeId, ProbeSpec, VersionView};
use crate::checks::refusal::{request_error, tls_module_refusal};
use crate::facts::{IncompleteProbe, Outcome, ProbeObservation};
use crate::finding::{Finding, FindingId, Severity};

impl ProbeId {
    /// `no-client-cert`: No certificate at all.
    pub const NO_CLIENT_CERT: ProbeId = ProbeId::new("no-client-cert");
}

/// The probe.
pub struct NoClientCert;

static SPEC: ProbeSpec = ProbeSpec {
    id: ProbeId::NO_CLIENT_CERT,
    presents: "nothing; records the CertificateRequest, its CA names and signature schemes, the alert, the HTTP status and a capped body excerpt",
    needs: "—",
    findings: &[
        FindingId::ClientCertNotRequested,
        FindingId::ClientCertOptional,
        FindingId::ClientCertEnforcedByApp,
        FindingId::ClientCaPublicRoots,
    ],
};

/// The judgement of a baseline refused in the handshake before any CertificateRequest, which no
/// finding can come from: the server did not say what it does about client certificates (rustls
/// refusing a TLS 1.2 renegotiation after the request ends this way, whatever the renegotiation
/// would have asked). Unless the late baseline (`late`, OpenSSL, which accepts renegotiation and
/// offers post-handshake authentication) judges the version instead, the version is incomplete:
/// never silently "none". `None` for any other baseline.
pub fn refused_before_asking(
    nc: &ProbeObservation,
    late: Option<&ProbeObservation>,
) -> Option<IncompleteProbe> {
    if nc.cert_requested || nc.outcome != Outcome::RefusedTls {
        return None;
    }
    let how = match (&nc.alert, &nc.detail) {
        (Some(a), _) => format!("alert {a}"),
        (None, Some(d)) => d.clone(),
        (None, None) => "no alert".to_owned(),
    };
    let reason = if nc.late {
        format!(
            "the server refused the handshake before asking for a client certificate ({how}), \
             also to the late-auth client (OpenSSL, which accepts renegotiation and offers \
             post-handshake authentication): whether it requires a certificate could not be read"
        )
    } else {
        let late_said = match late {
            None => "no late-auth probe ran".to_owned(),
            Some(l) => format!(
                "the late-auth probe (OpenSSL, which accepts renegotiation and offers \
                 post-handshake authentication) could not be read: {}",
                l.detail.as_deref().unwrap_or("no answer")
            ),
        };
        format!(
            "the server refused the handshake before asking for a client certificate ({how}), \
             and {late_said}; what it serves without one is unknown"
        )
    };
    Some(IncompleteProbe {
        probe: nc.id.as_str().to_owned(),
        tls_version: Some(nc.tls_version),
        reason,
    })
}

/// The judgement of a baseline answered `421 Misdirected Request`: the server does not serve this
/// host on a connection made this way (an address without SNI, where Caddy matches its client
/// authentication by SNI and answers every request 421; a name its TLS settings do not cover),
/// so the answer says nothing of what it requires of a client: the version is unread, never
/// `client-cert-not-requested` (an audit's correct Caddy site scanned by its address was graded D,
/// exit 1). `None` for any other baseline.
pub fn misdirected(nc: &ProbeObservation) -> Option<IncompleteProbe> {
    (nc.http_status == Some(MISDIRECTED)).then(|| IncompleteProbe {
        probe: nc.id.as_str().to_owned(),
        tls_version: Some(nc.tls_version),
        reason: format!(
            "answered HTTP 421 Misdirected Request {}: the server does not serve this host on a \
             connection made this way (an address without SNI, or a name its TLS settings do not \
             cover), so what it requires of a client is unknown. Scan the name it serves \
             (`--resolve NAME:PORT:ADDRESS` keeps the address)",
            if nc.cert_requested {
                "after asking for a client certificate"
            } else {
                "without asking for a client certificate"
            }
        ),
    })
}

/// How a baseline served with status `st` was served: `served HTTP 200`, or for a WebSocket path
/// (a socket opened, `101`), `opened a WebSocket (HTTP 101) and sent a message on it`.
fn served_words(st: u16) -> String {
    if st == 101 {
        "opened a WebSocket (HTTP 101) and sent a message on it".to_owned()
    } else {
        format!("served HTTP {st}")
    }
}

/// How a baseline refused with status `st` was refused: `with HTTP 403`, or for a WebSocket
/// path, `by closing the WebSocket it opened (HTTP 101) with a refusal`.
fn refused_words(st: u16) -> String {
    if st == 101 {
        "by closing the WebSocket it opened (HTTP 101) with a refusal".to_owned()
    } else {
        format!("with HTTP {st}")
    }
}

/// `421 Misdirected Request` (RFC 9110): not this server's host on this connection.
const MISDIRECTED: u16 = 421;

/// The excerpt of the page `nc` was served without a certificate, where it is wholly unlike the
/// page the valid certificate is served on this version ([`super::page::wholly_unlike`]).
fn unlike_the_valid_page(view: &VersionView<'_>, nc: &ProbeObservation) -> Option<String> {
    let valid = view
        .of(ProbeId::VALID_CLIENT_CERT)
        .filter(|v| v.client_cert.is_some() && v.outcome == Outcome::Served)?;
    let (page, reference) = (nc.body_excerpt.as_deref()?, valid.body_excerpt.as_deref()?);
    super::page::wholly_unlike(reference, page).then(|| page.to_owned())
}

impl Probe for NoClientCert {
    fn spec(&self) -> &'static ProbeSpec {
        &SPEC
    }

    /// Always runs, with no certificate.
    fn plan(&self, _ctx: &ProbeContext) -> Plan {
        Plan::Run(None)
    }

    fn judge<'a>(&self, view: &VersionView<'a>) -> Vec<Judged<'a>> {
        let Some(nc) = view.of(self.id()) else {
            return Vec::new();
        };
        let v = view.version;
        let mut out: Vec<Judged<'a>> = public_client_cas(nc)
            .map(|finding| Judged { finding, from: nc })
            .into_iter()
            .collect();
        // A request error is an answer, not a refusal (see `request_error`).
        let outcome = if request_error(nc) {
            Outcome::Answered
        } else {
            nc.outcome
        };
        let finding = match (nc.cert_requested, outcome, nc.http_status) {
            // Not this server's host on this connection: unread (see `misdirected`).
            (_, _, Some(MISDIRECTED)) => return out,
            (false, Outcome::Served, Some(st)) if nc.late => Finding::new(
                FindingId::ClientCertNotRequested,
                format!(
                    "{v}: the server never asked for a client certificate, neither in the \
                     handshake nor after it: a client that lets it ask late (renegotiation, \
                     post-handshake authentication) was served HTTP {st} without one."
                ),
            ),
            (false, Outcome::Served, Some(st)) => Finding::new(
                FindingId::ClientCertNotRequested,
                format!(
                    "{v}: the server never asked for a client certificate and {}.",
                    served_words(st)
                ),
            ),
            (false, _, Some(st)) => Finding::new(
                FindingId::ClientCertNotRequested,
                format!(
                    "{v}: the server never asked for a client certificate; without one it answered HTTP {st}, \
                     so another authentication may guard this path, but mutual TLS is not in place."
                ),
            )
            .with_severity(Severity::High),
            // A page wholly unlike the protected one: unread (the verdict says so), not judged.
            (true, Outcome::Served, _)
                if view.served_another_page(nc) || view.served_a_refusal_uncompared(nc) =>
            {
                return out
            }
            (true, Outcome::Served, Some(st)) => match unlike_the_valid_page(view, nc) {
                // A neutral page of its own (a maintenance page) beside the valid certificate's:
                // still served (it does not read as a refusal), but said, with the page, so that
                // a reader can tell (an audit's `200 Down for maintenance` showed only the status).
                Some(page) => Finding::new(
                    FindingId::ClientCertOptional,
                    format!(
                        "{v}: the server asked for a client certificate, then served HTTP {st} \
                         without one, with a page wholly unlike the one the valid certificate \
                         is served (in the evidence): check whether it holds anything protected."
                    ),
                )
                .with_evidence("page served without a certificate", page),
                None => Finding::new(
                    FindingId::ClientCertOptional,
                    format!(
                        "{v}: the server asked for a client certificate, then {} without one.",
                        served_words(st)
                    ),
                ),
            },
            // An answer carrying the protected page is no refusal: unread (the verdict says so).
            (true, Outcome::Answered, _) if view.refused_with_the_valid_page(nc) => return out,
            (true, Outcome::Answered, Some(st))
                if view.control_served() && !crate::transport::is_busy_status(st) =>
            {
                Finding::new(
                FindingId::ClientCertEnforcedByApp,
                format!(
                    "{v}: the TLS layer let the handshake complete without a certificate; the \
                     server then answered HTTP {st}, not the 2xx the valid certificate gets on \
                     this path. Client certificates are enforced after the handshake (by the \
                     application, or by an error page of the TLS module's refusal such as \
                     nginx's `error_page 495 496`)."
                ),
            )
            }
            // Busy after its retries (a rate limit, a failed upstream): what the request would get
            // is unknown (the verdict leaves it unread), but the handshake proved the TLS layer
            // lets an anonymous client through: only the application can refuse it.
            (true, Outcome::Answered, Some(st)) if crate::transport::is_busy_status(st) => {
                Finding::new(
                    FindingId::ClientCertOptional,
                    format!(
                        "{v}: the handshake completed without a client certificate, and the \
                         answer stayed {} on {} attempts, which says nothing of what the request \
                         would get: the TLS layer lets anonymous clients in, so only the \
                         application (or nothing) can refuse them.",
                        crate::transport::busy_status_words(st),
                        nc.attempts
                    ),
                )
                .with_severity(Severity::Medium)
            }
            (true, Outcome::Answered, Some(st)) => Finding::new(
                FindingId::ClientCertOptional,
                format!(
                    "{v}: the handshake completed without a client certificate and the server answered \
                     HTTP {st}{}; the TLS layer lets anonymous clients in. Scan a path that answers 2xx to confirm.",
                    if request_error(nc) {
                        " (a request error, not a refusal: its body says nothing of certificates)"
                    } else {
                        ""
                    }
                ),
            )
            .with_severity(Severity::Medium),
            // Refused as the valid certificate was: unread (the verdict says so), not judged.
            (true, Outcome::RefusedHttp, _) if view.refused_as_the_control(nc) => return out,
            // Refused for a token or a password it lacked: unread too, not judged.
            (true, Outcome::RefusedHttp, _) if view.refused_for_other_credentials(nc).is_some() => {
                return out
            }
            // A refusal by status carrying the protected page is no refusal: unread too (an
            // audit's JDK server writing the page under its 403 was "enforced by the application").
            (true, Outcome::RefusedHttp, _) if view.refused_with_the_valid_page(nc) => return out,
            (true, Outcome::RefusedHttp, Some(st)) if !tls_module_refusal(nc) => Finding::new(
                FindingId::ClientCertEnforcedByApp,
                format!(
                    "{v}: the TLS layer let the handshake complete without a certificate; the \
                     application (or a rule of the proxy in front of it) then refused {}. Client \
                     certificates are optional at the TLS layer and enforced over HTTP.",
                    refused_words(st)
                ),
            ),
            // Refused in the handshake without a CertificateRequest: no finding, but never a
            // pass either (see `refused_before_asking`, which the verdict applies).
            _ => return out,
        };
        out.insert(0, Judged { finding, from: nc });
        out
    }
}

/// `client-ca-public-roots` where the CertificateRequest names public roots among the CAs it
/// accepts client certificates from (Mozilla's program, compiled in: a private CA in this
/// machine's own store is never one).
fn public_client_cas(nc: &ProbeObservation) -> Option<Finding> {
    if !nc.cert_requested {
        return None;
    }
    let public = crate::checks::public_roots::public_roots_among(&nc.acceptable_ca_names);
    let first = public.first()?;
    let shown: Vec<&str> = public.iter().take(3).map(String::as_str).collect();
    let more = public.len().saturating_sub(shown.len());
    Some(
        Finding::new(
            FindingId::ClientCaPublicRoots,
            format!(
                "{}: the CertificateRequest{} names {} public root CA{} among the {} CAs it \
                 asks client certificates from ({}{}). The names a server sends are as a rule the CAs \
                 it verifies against (nginx `ssl_client_certificate`, Apache `SSLCACertificateFile`, a Java trust store): then a \
                 certificate with the clientAuth purpose from any of them passes the TLS layer's \
                 check (unless the names are set apart from the trust store: Apache \
                 `SSLCADNRequestFile`, OpenSSL `-verifyCAfile`).",
                nc.tls_version,
                nc.request_timing().unwrap_or_default(),
                public.len(),
                if public.len() == 1 { "" } else { "s" },
                nc.acceptable_ca_names.len(),
                shown.join("; "),
                if more > 0 {
                    format!("; {more} more")
                } else {
                    String::new()
                }
            ),
        )
        .with_evidence("public root advertised", first.clone()),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::probe::recorded::{obs, view};

    fn ids(o: ProbeObservation) -> Vec<(FindingId, Severity)> {
        let all = [o];
        NoClientCert
            .judge(&view(&all))
            .into_iter()
            .map(|j| (j.finding.id, j.finding.severity))
            .collect()
    }

    /// A 200 page of its own served without a certificate, wholly unlike the valid
    /// certificate's, stays served (it does not read as a refusal) but is said, the page in the
    /// evidence; a page that shares the valid one's words is said as before.
    #[test]
    fn a_neutral_page_unlike_the_valid_one_is_said_with_its_page() {
        use crate::probe::recorded::with_cert;
        let found = |anonymous: &str| {
            let mut nc = obs(ProbeId::NO_CLIENT_CERT, Outcome::Served, Some(200));
            nc.body_excerpt = Some(anonymous.to_owned());
            let mut valid = with_cert(obs(ProbeId::VALID_CLIENT_CERT, Outcome::Served, Some(200)));
            valid.body_excerpt =
                Some(r#"{"orders":[{"id":1001,"item":"widget"}],"customer":"acme corp"}"#.into());
            let all = [nc, valid];
            NoClientCert
                .judge(&view(&all))
                .into_iter()
                .map(|j| j.finding)
                .find(|f| f.id == FindingId::ClientCertOptional)
        };
        let maintenance = "<html><h1>Down for maintenance</h1><p>Back soon.</p></html>";
        let f = found(maintenance).unwrap_or_else(|| panic!("no finding"));
        assert_eq!(f.severity, Severity::Critical);
        assert!(f.detail.contains("wholly unlike"), "{}", f.detail);
        assert_eq!(
            f.evidence
                .get("page served without a certificate")
                .map(String::as_str),
            Some(maintenance)
        );
        let f = found(r#"{"orders":[],"customer":null}"#).unwrap_or_else(|| panic!("no finding"));
        assert!(!f.detail.contains("wholly unlike"), "{}", f.detail);
        assert!(f.evidence.is_empty(), "{:?}", f.evidence);
    }

    #[test]
    fn never_asked_is_critical_when_served_and_high_when_refused_otherwise() {
        let mut served = obs(ProbeId::NO_CLIENT_CERT, Outcome::Served, Some(200));
        served.cert_requested = false;
        assert_eq!(
            ids(served),
            [(FindingId::ClientCertNotRequested, Severity::Critical)]
        );
        let mut refused = obs(ProbeId::NO_CLIENT_CERT, Outcome::RefusedHttp, Some(401));
        refused.cert_requested = false;
        assert_eq!(
            ids(refused),
            [(FindingId::ClientCertNotRequested, Severity::High)]
        );
    }

    #[test]
    fn a_401_for_a_token_is_no_refusal_of_the_certificate() {
        let mut bearer = obs(ProbeId::NO_CLIENT_CERT, Outcome::RefusedHttp, Some(401));
        bearer.auth_challenge = Some("Bearer".into());
        assert_eq!(ids(bearer.clone()), []);
        // A scheme about certificates is the certificate's refusal.
        bearer.auth_challenge = Some("ClientCertificate".into());
        assert_eq!(
            ids(bearer),
            [(FindingId::ClientCertEnforcedByApp, Severity::Info)]
        );
    }

    #[test]
    fn asked_then_served_is_optional_and_an_app_refusal_is_enforced_by_app() {
        assert_eq!(
            ids(obs(ProbeId::NO_CLIENT_CERT, Outcome::Served, Some(200))),
            [(FindingId::ClientCertOptional, Severity::Critical)]
        );
        assert_eq!(
            ids(obs(ProbeId::NO_CLIENT_CERT, Outcome::Answered, Some(404))),
            [(FindingId::ClientCertOptional, Severity::Medium)]
        );
        assert_eq!(
            ids(obs(
                ProbeId::NO_CLIENT_CERT,
                Outcome::RefusedHttp,
                Some(403)
            )),
            [(FindingId::ClientCertEnforcedByApp, Severity::Info)]
        );
        // A 400 that says nothing of certificates (a GraphQL endpoint asked with a GET) is a
        // request error, answered like a 404; one that speaks of the certificate is a refusal.
        let mut bad_request = obs(ProbeId::NO_CLIENT_CERT, Outcome::RefusedHttp, Some(400));
        bad_request.body_excerpt =
            Some(r#"{"errors":[{"message":"Must provide query string."}]}"#.into());
        assert_eq!(
            ids(bad_request.clone()),
            [(FindingId::ClientCertOptional, Severity::Medium)]
        );
        let said = NoClientCert.judge(&view(std::slice::from_ref(&bad_request)));
        assert!(
            said.first()
                .is_some_and(|j| j.finding.detail.contains("a request error, not a refusal")),
            "{said:?}"
        );
        bad_request.body_excerpt = Some(r#"{"error":"Client Certificate required"}"#.into());
        assert_eq!(
            ids(bad_request.clone()),
            [(FindingId::ClientCertEnforcedByApp, Severity::Info)]
        );
        // nginx's `error_page 495 496 /ssl-error.html` (no `=`): a styled page, 400, its words
        // past the excerpt; the whole body read speaks of the certificate.
        bad_request.body_excerpt =
            Some("<html><head><style>body { font-family: sans-serif }".into());
        bad_request.body_names_certificates = true;
        assert_eq!(
            ids(bad_request),
            [(FindingId::ClientCertEnforcedByApp, Severity::Info)]
        );
        // A redirect (nginx `error_page 495 496 =302`, or an application's login page) where the
        // valid certificate is served 2xx on the same path is a refusal after the handshake.
        let mut control = obs(ProbeId::VALID_CLIENT_CERT, Outcome::Served, Some(200));
        control.client_cert = crate::probe::recorded::with_cert(control.clone()).client_cert;
        let seen = [
            obs(ProbeId::NO_CLIENT_CERT, Outcome::Answered, Some(302)),
            control.clone(),
        ];
        let found: Vec<_> = NoClientCert
            .judge(&view(&seen))
            .into_iter()
            .map(|j| (j.finding.id, j.finding.severity))
            .collect();
        assert_eq!(
            found,
            [(FindingId::ClientCertEnforcedByApp, Severity::Info)]
        );
        // A valid certificate that was refused, or never presented, proves nothing of the path.
        let mut refused = control.clone();
        (refused.outcome, refused.http_status) = (Outcome::RefusedHttp, Some(403));
        let mut unpresented = control;
        unpresented.client_cert = None;
        for other in [refused, unpresented] {
            let seen = [
                obs(ProbeId::NO_CLIENT_CERT, Outcome::Answered, Some(302)),
                other,
            ];
            let found: Vec<_> = NoClientCert
                .judge(&view(&seen))
                .into_iter()
                .map(|j| (j.finding.id, j.finding.severity))
                .collect();
            assert_eq!(found, [(FindingId::ClientCertOptional, Severity::Medium)]);
        }
    }

    #[test]
    fn the_tls_layers_own_refusals_raise_nothing() {
        assert!(ids(obs(ProbeId::NO_CLIENT_CERT, Outcome::RefusedTls, None)).is_empty());
        let mut nginx = obs(ProbeId::NO_CLIENT_CERT, Outcome::RefusedHttp, Some(400));
        nginx.body_excerpt =
            Some("<html><head><title>400 No required SSL certificate was sent</title>".into());
        nginx.server_header = Some("nginx/1.22.1".into());
        assert!(tls_module_refusal(&nginx));
        assert!(ids(nginx).is_empty());
        let mut nginx_496 = obs(ProbeId::NO_CLIENT_CERT, Outcome::RefusedHttp, Some(496));
        nginx_496.server_header = Some("nginx".into());
        assert!(ids(nginx_496).is_empty());
        // An application's 496 (no nginx about it) is the application's refusal.
        let app_496 = obs(ProbeId::NO_CLIENT_CERT, Outcome::RefusedHttp, Some(496));
        assert!(!tls_module_refusal(&app_496));
        // mod_ssl's 403 when a `<Location>` asks on TLS 1.3 and no post-handshake auth is offered
        // (as the excerpt cuts it): the TLS module's, not the application's.
        let mut no_pha = obs(ProbeId::NO_CLIENT_CERT, Outcome::RefusedHttp, Some(403));
        no_pha.body_excerpt = Some(
            "<!DOCTYPE HTML PUBLIC \"-//W3C//DTD HTML 4.01//EN\" \"http://www.w3.org/TR/html4/\
             strict.dtd\"> <html><head> <title>403 Forbidden</title> </head><body> \
             <h1>Forbidden</h1> <p>You don't have permission to access this resource.Reason: \
             Cannot perform Post-Handshake"
                .into(),
        );
        assert!(ids(no_pha.clone()).is_empty());
        no_pha.body_excerpt = Some("<h1>Forbidden</h1> <p>You don't have permission".into());
        assert_eq!(
            ids(no_pha),
            [(FindingId::ClientCertEnforcedByApp, Severity::Info)]
        );
        let mut late = obs(ProbeId::NO_CLIENT_CERT, Outcome::RefusedHttp, Some(403));
        late.asked_after_handshake = Some(crate::facts::LateAsk::PostHandshake);
        assert!(
            ids(late).is_empty(),
            "mod_ssl's 403 after a late request is the TLS layer's"
        );
    }

    #[test]
    fn served_late_without_a_request_says_it_was_never_asked_at_all() {
        let mut late = obs(ProbeId::NO_CLIENT_CERT, Outcome::Served, Some(200));
        late.cert_requested = false;
        late.late = true;
        let all = [late];
        let got = NoClientCert.judge(&view(&all));
        assert_eq!(got.len(), 1);
        let f = &got[0].finding;
        assert_eq!(
            (f.id, f.severity),
            (FindingId::ClientCertNotRequested, Severity::Critical)
        );
        assert!(f.detail.contains("neither in the handshake nor after it"));
    }

    #[test]
    fn a_refusal_before_any_request_is_incomplete_unless_something_else_explains_it() {
        let mut first = obs(ProbeId::NO_CLIENT_CERT, Outcome::RefusedTls, None);
        first.cert_requested = false;
        first.alert = Some("HandshakeFailure".into());
        assert!(
            ids(first.clone()).is_empty(),
            "no finding: the server said nothing about certificates"
        );
        let none = refused_before_asking(&first, None);
        assert!(none.as_ref().is_some_and(|i| i.probe == "no-client-cert"
            && i.reason.contains("alert HandshakeFailure")
            && i.reason.contains("no late-auth probe ran")));
        let mut stalled = first.clone();
        stalled.late = true;
        stalled.outcome = Outcome::Inconclusive;
        stalled.alert = None;
        stalled.detail = Some("no complete answer within 3000 ms".into());
        let reason = refused_before_asking(&first, Some(&stalled)).map(|i| i.reason);
        assert!(reason.is_some_and(|r| r.contains("could not be read: no complete answer")));
        let mut both = first.clone();
        both.late = true;
        assert!(refused_before_asking(&both, None)
            .is_some_and(|i| i.reason.contains("also to the late-auth client")));

        // Asked, then refused: the TLS layer's refusal, judged; nothing incomplete.
        let asked = obs(ProbeId::NO_CLIENT_CERT, Outcome::RefusedTls, None);
        assert_eq!(refused_before_asking(&asked, None), None);
        // Not refused in TLS: judged by `judge`.
        let mut answered = obs(ProbeId::NO_CLIENT_CERT, Outcome::RefusedHttp, Some(401));
        answered.cert_requested = false;
        assert_eq!(refused_before_asking(&answered, None), None);
    }

    /// A CertificateRequest sent after the handshake (Apache `<Location> SSLVerifyClient
    /// require`) is read like one in the handshake: its public roots raise the finding, whose
    /// text says the request came late and how; a late request naming only a private CA raises
    /// nothing.
    #[test]
    fn a_late_request_naming_public_roots_is_found_and_says_it_came_late() {
        let Some(anchor) = webpki_roots::TLS_SERVER_ROOTS.first() else {
            panic!("no public roots compiled in");
        };
        let public = rustls::DistinguishedName::in_sequence(anchor.subject.as_ref())
            .as_ref()
            .to_vec();
        let mut late = obs(ProbeId::NO_CLIENT_CERT, Outcome::RefusedTls, None);
        late.late = true;
        late.asked_after_handshake = Some(crate::facts::LateAsk::PostHandshake);
        late.acceptable_ca_names = vec![public];
        let got = NoClientCert.judge(&view(std::slice::from_ref(&late)));
        let found: Vec<_> = got
            .iter()
            .map(|j| (j.finding.id, j.finding.severity))
            .collect();
        assert_eq!(found, [(FindingId::ClientCaPublicRoots, Severity::High)]);
        assert!(
            got.iter().all(|j| j.finding.detail.starts_with(
                "TLS 1.3: the CertificateRequest sent after the handshake (TLS 1.3 post-handshake"
            )),
            "{got:?}"
        );
        late.asked_after_handshake = Some(crate::facts::LateAsk::Renegotiation);
        let got = NoClientCert.judge(&view(std::slice::from_ref(&late)));
        assert!(
            got.iter()
                .all(|j| j.finding.detail.contains("a TLS 1.2 renegotiation")),
            "{got:?}"
        );
        late.acceptable_ca_names = vec![{
            use x509_cert::der::Encode;
            let private: x509_cert::name::Name = "CN=Test Client CA,O=mtls-scan tests"
                .parse()
                .unwrap_or_default();
            private.to_der().unwrap_or_default()
        }];
        assert!(ids(late).is_empty());
    }

    #[test]
    fn an_unreadable_answer_raises_nothing() {
        assert!(ids(obs(ProbeId::NO_CLIENT_CERT, Outcome::Inconclusive, None)).is_empty());
    }
}
