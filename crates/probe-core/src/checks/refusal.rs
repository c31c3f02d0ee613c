//! Whose refusal an HTTP answer is: the TLS module's own (nginx's certificate pages, 495/496, a
//! refusal after a late CertificateRequest) or the application's. Read by the baseline's
//! judgement, the certificate probes' and the side doors'.

use crate::facts::{Outcome, ProbeObservation};

/// nginx's own 400 page for a missing or refused client certificate ("No required SSL certificate
/// was sent", "The SSL certificate error"), which its TLS module answers before any location is
/// looked at; the page itself, not its words: a 400 with the page's title, from a server that
/// says it is nginx (or OpenResty) in its `Server` header or the page's footer. An application
/// that copies the words is not nginx's TLS module.
pub(crate) fn nginx_own_certificate_page(
    status: Option<u16>,
    body_excerpt: Option<&str>,
    server: Option<&str>,
) -> bool {
    let body = body_excerpt.unwrap_or_default();
    let titled = body.contains("<title>400 No required SSL certificate was sent</title>")
        || body.contains("<title>400 The SSL certificate error</title>");
    let nginx = |s: &str| {
        let s = s.to_ascii_lowercase();
        s.contains("nginx") || s.contains("openresty")
    };
    let signed = server.is_some_and(nginx)
        || body.contains("<center>nginx")
        || body.contains("<center>openresty");
    status == Some(400) && titled && signed
}

/// nginx's certificate page ([`nginx_own_certificate_page`]), or its 495/496 status from a
/// server that says it is nginx (or OpenResty): they reach the wire only where `error_page`
/// passes them on. An application's 495/496 (copying nginx's codes) is the application's
/// refusal, which side doors get around (review A: such a 496 hid a path spelling and a second
/// request's door: A, exit 0, "required").
pub(crate) fn nginx_certificate_refusal(
    status: Option<u16>,
    body_excerpt: Option<&str>,
    server: Option<&str>,
) -> bool {
    let signed = server.is_some_and(|s| {
        let s = s.to_ascii_lowercase();
        s.contains("nginx") || s.contains("openresty")
    }) || body_excerpt
        .is_some_and(|b| b.contains("<center>nginx") || b.contains("<center>openresty"));
    nginx_own_certificate_page(status, body_excerpt, server)
        || (matches!(status, Some(495 | 496)) && signed)
}

/// The reason mod_ssl's 403 page gives when it cannot ask for a certificate after a TLS 1.3
/// handshake (`AH10158`).
const MOD_SSL_NO_PHA: &str = "Reason: Cannot perform Post-Handshake";

/// True when an answer is mod_ssl's 403 "Cannot perform Post-Handshake Authentication": a
/// `<Location>` asking for a certificate again on TLS 1.3 of a client that offered no
/// post-handshake authentication. It refuses whatever certificate the handshake took: it says
/// nothing of that certificate.
pub fn mod_ssl_no_pha_page(o: &ProbeObservation) -> bool {
    o.outcome == Outcome::RefusedHttp
        && o.http_status == Some(403)
        && o.body_excerpt
            .as_deref()
            .is_some_and(|b| b.contains(MOD_SSL_NO_PHA))
}

/// True when an HTTP refusal of the baseline is the TLS layer's own, not the application's:
/// nginx's 400 pages "No required SSL certificate was sent" and "The SSL certificate error" (and
/// its 495/496 statuses, from a server signed nginx), mod_ssl's 403
/// "Cannot perform Post-Handshake Authentication" (a `<Location>` asking for a certificate on TLS
/// 1.3 of a client that offers no post-handshake authentication), and a refusal of
/// a client that presented nothing after a late CertificateRequest (mod_ssl answers 403 when the
/// late handshake fails). A certificate that got through a late handshake to an HTTP refusal
/// was let through by the TLS module (mod_ssl `require` and `optional` refuse an unknown CA with
/// an alert): `optional_no_ca` before a `Require expr` on its subject or issuer name refused it.
pub fn tls_module_refusal(o: &ProbeObservation) -> bool {
    if o.outcome != Outcome::RefusedHttp {
        return false;
    }
    if o.asked_after_handshake.is_some() {
        return o.client_cert.is_none();
    }
    match o.http_status {
        Some(495 | 496) => nginx_certificate_refusal(
            o.http_status,
            o.body_excerpt.as_deref(),
            o.server_header.as_deref(),
        ),
        // mod_ssl's own 403 where a `<Location>` asks for a certificate on TLS 1.3 and the client
        // offered no post-handshake authentication (or the handshake already asked for one).
        Some(403) => mod_ssl_no_pha_page(o),
        Some(400) => nginx_own_certificate_page(
            o.http_status,
            o.body_excerpt.as_deref(),
            o.server_header.as_deref(),
        ),
        _ => false,
    }
}

/// A 400 that is not the TLS module's and says nothing of certificates: a request error (a
/// GraphQL endpoint asked with a GET, a missing parameter), not a refusal. The application took
/// the anonymous request and found fault with it, not with its missing certificate; like a 404,
/// it says nothing either way of whether a certificate is needed. A 400 whose body (all of it
/// that was read, not only the excerpt) speaks of certificates or TLS ("client certificate
/// required", a custom page for nginx's `error_page 496`, in a few languages) is a refusal.
pub fn request_error(o: &ProbeObservation) -> bool {
    let speaks = o.body_names_certificates
        || o.body_excerpt
            .as_deref()
            .is_some_and(|b| crate::text::speaks_of_certificates(b.as_bytes()));
    o.outcome == Outcome::RefusedHttp
        && o.http_status == Some(400)
        && !tls_module_refusal(o)
        && !speaks
}
