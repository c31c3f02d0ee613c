//! `client-cert-header-spoofing`: a TLS-terminating proxy verifies the client certificate and
//! tells the application so in headers. When the protected resource refuses an anonymous client
//! over HTTP (401/403, an application's 400), the same request goes again with those headers, as
//! a client without any certificate can send them, built from a certificate minted on the spot:
//! first every family at once (once with `SUCCESS`, once with `0` for the verify headers); on a
//! 2xx, one family at a time, to name the header that let it in. The first requests share
//! keep-alive connections, one per batch of a verify value (`connection_of_each`,
//! `side_door::knock_spread`): an answer after a connection's first stands only where it is the
//! refusal got around; any other is asked again alone on a connection of its own.
//!
//! Where the TLS layer refuses an anonymous client in the handshake but lets any certificate
//! through to an HTTP refusal (HAProxy `verify required crt-ignore-err all ca-ignore-err all`,
//! Go `RequireAnyClientCert`), the headers go with the certificate from an unknown CA: a proxy
//! that *adds* its verify header after the client's (`http-request add-header`) leaves the
//! client's copy first, and an application that reads the first one lets anyone in.
//!
//! And through the server's other names ([`siblings`]): a sibling site on the same server that
//! asks for no certificate and proxies to the same backend without stripping the headers lets
//! them in on its own `Host`, whatever the protected name's TLS layer does.

use base64::Engine as _;
use futures_util::future::BoxFuture;
use futures_util::FutureExt as _;
use http::{HeaderName, HeaderValue};
use rustls::SignatureScheme;

use std::sync::Arc;

use super::side_door::{anonymous_not_served, knock, knock_spread, Door, Seen};
use super::{FirstWave, ProbeSpec, ScanContext, Start, TargetOutcome, TargetProbe};
use crate::facts::{IncompleteProbe, Outcome, ProbeId, ProbeObservation, TlsVersion};
use crate::finding::{Finding, FindingId};
use crate::target::Target;
use crate::transport::tls::CertChooser;

mod other_names;
mod siblings;

use siblings::{Entrance, FrontRefusal};

impl ProbeId {
    /// `client-cert-header-spoofing`: Forwarded client-certificate headers sent by the client.
    pub const CLIENT_CERT_HEADER_SPOOFING: ProbeId = ProbeId::new("client-cert-header-spoofing");
}

/// The probe.
pub struct ClientCertHeaderSpoofing;

static SPEC: ProbeSpec = ProbeSpec {
    id: ProbeId::CLIENT_CERT_HEADER_SPOOFING,
    presents: "no certificate (or, where the TLS layer lets any certificate through to an HTTP refusal, the one from an unknown CA; where it refuses those too, the staging CA's stranger of `lookalike-client-cert` let through to a refusal of its name beside a served valid certificate: a proxy that verifies the chain and adds the subject with HAProxy `add-header` passes the client's own copy), with the headers proxies set after verifying one (`X-SSL-Client-Verify: SUCCESS`/`0`, `ssl-client-verify`, `X-Client-Verify`, `X-SSL-Client-Cert`, `ssl-client-cert`, `X-Client-Cert`, `X-SSL-Cert`, Pound's `X-SSL-Subject`/`-Issuer`/`-certificate`/`-serial`, `X-SSL-Client-S-DN`, `X-SSL-Client-Subject`, `X-SSL-Client-CN`, `X-Client-DN`, `X-Client-S-DN`, `X-Client-Subject`, `X-Client-Cert-Subject`, `X-SSL-Client-Cert-Subject`, `X-Client-CN`, the user a proxy made of the certificate (`X-Remote-User`, `X-Forwarded-User`, `Remote-User`, `X-User`, `X-SSL-Client-User`: its common name, and its one-line subject as squid's `%ssl::>cert_subject` writes it, there and in `X-Client-Cert`), `X-Forwarded-Client-Cert`, `X-Forwarded-Tls-Client-Cert(-Info)`, `X-Amzn-Mtls-Clientcert(-Leaf, -Subject, -Issuer)`, `CloudFront-Viewer-Cert-*`, `Cf-Cert-Presented`/`-Verified`, `X-Client-Cert-Present`/`-Chain-Verified`, `Client-Cert`, `X-ARR-ClientCert`, `SSL_CLIENT_CERT`/`_VERIFY`/`_S_DN`, the certificate's SHA-1 and SHA-256 fingerprints in upper- and lower-case hex and its serial (`X-SSL-Client-SHA1`, `X-SSL-Client-SHA256`, `X-SSL-Client-Fingerprint` and `X-Client-Cert-Fingerprint` holding either fingerprint, `X-SSL-Client-Serial`: HAProxy's `ssl_c_sha1,hex` and `ssl_c_der,sha2(256),hex`, nginx's `$ssl_client_fingerprint`, Caddy's `{http.request.tls.client.fingerprint}`), Tomcat `SSLValve`'s `ssl_client_cert` as one-line PEM and `ssl_client_escaped_cert`, the client's address as proxies forward it (`X-Forwarded-For`, `X-Real-IP`, `Forwarded`, `True-Client-IP`, `X-Client-IP`, `CF-Connecting-IP` holding 127.0.0.1, 10.0.0.1, 172.17.0.1 and 192.168.1.1, each in a request of its own: an allowlist of internal callers behind a proxy), the scheme as `http` (`X-Forwarded-Proto`, `X-Forwarded-Scheme`, `X-Forwarded-Ssl: off`, `Front-End-Https: off`: a check only of requests that came over HTTPS), and beside them the X- names written with `_` or `.`: `X_SSL_Client_Verify`, `X_Client_Cert`, `X.Forwarded.Tls.Client.Cert` …) carrying `client-cert` itself where given (a certificate is no secret: a backend checking a forwarded certificate's chain, or pinning its fingerprint, takes a copy), else a certificate minted on the spot (as escaped PEM and as base64 DER, `X-SSL-Client-Cert: 1`, subjects in RFC 2253 form, OpenSSL's one-line form and RFC 2253's with a space after each comma (Java, .NET), XFCC with `URI=`/`DNS=`): in batches of at most 4 KB of headers, then one family at a time (on the newest version refused over HTTP, then on every other version so refused, then over HTTP/1.1 alone where that refusal spoke h2, and as a POST with each verify value's first batch); and the same through the server's other names (every `sni-name`, the served certificate's first 8 others), each asked for the protected path on its own `Host`, where it lets an anonymous client through the handshake and refuses it over HTTP or redirects it to sign in; with a valid certificate (`client-cert` or the staging CA), those names' own `Host`, a `Host` nobody serves on the protected name and, for a target named by a DNS name, without SNI (the server's default site: a `Host` nobody serves, each of the first 2 addresses the served certificate names, and the address `--resolve` connects to), the `Host` nobody serves with the protected one in `X-Forwarded-Host`, `X-Original-Host`, `X-Host` and `Forwarded: host=` (an application routing by them behind a site that passes the client's own), the protected `Host` with each of up to 3 other names (every `sni-name` first) in those headers (an application exempting its public hostname read from them), a POST, an OPTIONS and a request of a method of no meaning (`MTLSSCAN`: a check scoped to the methods it names, Apache `<Limit GET POST OPTIONS>`, never PUT or DELETE) to the protected name and path, and a GET there as each health checker and monitor that carries no certificate (`User-Agent: kube-probe/1.31`, `ELB-HealthChecker/2.0`, `GoogleHC/1.0`, `Prometheus/2.53.0`, `Blackbox Exporter/0.25.0`, `Envoy/HC`, `Consul Health Check`, one naming UptimeRobot, Pingdom, Route 53, Datadog, StatusCake and Site24x7 together, and one led by `Edge Health Probe` naming Cloudflare's load balancer, `check_http`, `HAProxy` and `Go-http-client/1.1` together) and as a WebSocket client opening its socket (`Upgrade: websocket`, over HTTP/1.1: a check skipped for upgrades), and carrying a token nobody issued (`Authorization: Bearer`, `X-API-Key`: a token's presence taken for proof), and as a health check or an internal call by its headers (`X-Envoy-Internal: true`, `Accept: application/health+json`, `Content-Type: application/grpc`, each in a request of its own: an exemption by a header the client writes), and a GET to `/` with the protected path in `X-Original-URL` and `X-Rewrite-URL` (a front controller routing by them behind a per-path check; a `/` that serves that page plainly proves nothing): served there the very page the valid certificate is served (a page of its own, not one a path nobody serves gets too; a page much like it, a field apart such as `\"verified\":\"NONE\"` where the valid certificate's page says `SUCCESS`, is incomplete), twice more while the protected name stays refused twice, the protected application is open through another name (or, for the POST, the OPTIONS, the method of no meaning, the health checkers, the made-up token and the health check's headers, to any client: a check scoped to some methods or letting CORS preflights through, an exemption by `User-Agent` or by a token's presence; a health checker, the made-up token or the health check's headers served another page of its own, not a refusal, that holds at least half of the values of the valid certificate's JSON page (two or more: its records' ids, names, amounts) or, in any format, half of its figures (those a path nobody serves, asked plainly, holds too aside: a footer, a soft 404) (three or more), is incomplete: the protected data telling its caller apart cannot be told from a page of its own); without one, the POST, the method of no meaning, the health checkers' GETs, the WebSocket opening, the made-up token and the health check's headers alone, where the anonymous GET got past the handshake and was refused over HTTP: answered `101 Switching Protocols`, or served a page of its own (not one speaking of refusal, certificates or rate limits, nor, for the method of no meaning, one saying the method is not supported or the page it gets on a path nobody serves too), the target is incomplete (whether it is the protected page cannot be told; with a valid certificate too, where that page is not the one GET is served: a REST API answers a POST `201` with a page of its own)",
    needs: "a target that does not serve an anonymous client over HTTP (401/403, a redirect to a login page, 404 …), unless that refusal is nginx's own certificate page (its TLS module answers it before any header is read); or one that refuses it in the handshake and refuses a certificate from an unknown CA only over HTTP (the headers then go with that certificate); through another name, a target that does not serve an anonymous client and a name that refuses one on its own `Host` over HTTP",
    findings: &[
        FindingId::ClientCertHeaderSpoofing,
        FindingId::OtherNameBypass,
        FindingId::ClientCertOptional,
    ],
};

/// How the evidence names a family: a fixed name, or a family's name with the one large header
/// a part of it carries ([`in_parts`]).
type FamilyName = std::borrow::Cow<'static, str>;

/// One family of headers, as one proxy sets them.
struct Family {
    name: FamilyName,
    headers: Vec<(HeaderName, HeaderValue)>,
}

/// What the spoofed headers carry.
struct Material {
    pem_escaped: String,
    /// The PEM on one line, its line breaks written as spaces, as Apache's mod_headers forwards
    /// `%{SSL_CLIENT_CERT}s` and Tomcat's `SSLValve` reads `ssl_client_cert`.
    pem_spaced: String,
    der_b64: String,
    /// The subject as nginx (`$ssl_client_s_dn`), mod_ssl, Envoy, AWS and Cloudflare write it:
    /// RFC 2253, the last RDN first (`CN=test-client,O=mtls-scan tests`).
    subject: String,
    /// The subject as HAProxy's `ssl_c_s_dn` writes it: OpenSSL's one-line form, the first RDN
    /// first (`/O=mtls-scan tests/CN=test-client`).
    subject_oneline: String,
    /// The subject in RFC 2253's order with a space after each comma, as Java's
    /// `X500Principal.toString()` and .NET's `X500DistinguishedName.Name` write it
    /// (`CN=test-client, O=mtls-scan tests`).
    subject_spaced: String,
    /// The subject's common name (HAProxy's `ssl_c_s_dn(cn)`), or the whole subject.
    common_name: String,
    issuer: String,
    issuer_oneline: String,
    issuer_spaced: String,
    /// The certificate's subjectAltName URIs and DNS names (Envoy's XFCC `URI=`, `DNS=`: a
    /// SPIFFE ID), at most a few of each.
    uris: Vec<String>,
    dns_names: Vec<String>,
    /// SHA-256 of the DER, hex.
    sha256: String,
    /// SHA-256 of the DER, base64 (Google Cloud's `client_cert_sha256_fingerprint`).
    sha256_b64: String,
    /// SHA-1 of the DER, lower-case hex (nginx's `$ssl_client_fingerprint`; HAProxy's
    /// `ssl_c_sha1,hex` writes it upper-case).
    sha1: String,
    /// The serial number, upper-case hex of its magnitude's bytes (nginx's
    /// `$ssl_client_serial`, HAProxy's `ssl_c_serial,hex`); where the DER does not read, hex
    /// of our own.
    serial: String,
}

fn header(name: &'static str, value: &str) -> Option<(HeaderName, HeaderValue)> {
    Some((
        HeaderName::from_static(name),
        HeaderValue::from_str(value).ok()?,
    ))
}

/// The header names a proxy forwards the subject DN under, in whatever form it writes the DN
/// (`X-Client-Cert-Subject`, `X-SSL-Client-Cert-Subject`: a review's squid `request_header_add`
/// before a backend reading them, A, exit 0).
const SUBJECT_DN_HEADERS: [&str; 10] = [
    "x-ssl-client-s-dn",
    "x-ssl-client-dn",
    "x-ssl-client-subject",
    "x-client-dn",
    "x-client-s-dn",
    "x-client-subject",
    "ssl-client-subject-dn",
    "ssl-client-dn",
    "x-client-cert-subject",
    "x-ssl-client-cert-subject",
];

/// The header names a proxy forwards the user it made of a certificate under (lighttpd
/// `ssl.verifyclient.username`, Apache `SSLUserName`, squid's `request_header_add` of
/// `%ssl::>cert_subject`, an SSO gateway's): a backend that trusts them lets in a client's own
/// copy where the proxy appends its value after it (a review's squid, A, exit 0).
const USER_HEADERS: [&str; 5] = [
    "x-remote-user",
    "x-forwarded-user",
    "remote-user",
    "x-user",
    "x-ssl-client-user",
];

/// The certificate's SHA-1 and SHA-256 fingerprints and its serial under the names proxies are
/// told to forward them as, in one letter case.
fn fingerprint_headers(
    sha1: &str,
    sha256: &str,
    serial: &str,
) -> Vec<Option<(HeaderName, HeaderValue)>> {
    vec![
        header("x-ssl-client-sha1", sha1),
        header("x-ssl-client-fingerprint", sha1),
        header("x-client-cert-fingerprint", sha1),
        header("x-client-fingerprint", sha1),
        header("x-ssl-client-sha256", sha256),
        header("x-ssl-client-serial", serial),
        header("x-client-cert-serial", serial),
    ]
}

/// The certificate's SHA-256 fingerprint `sha256` under the fingerprint names that
/// [`fingerprint_headers`] gives its SHA-1.
fn sha256_fingerprint_headers(sha256: &str) -> Vec<Option<(HeaderName, HeaderValue)>> {
    vec![
        header("x-ssl-client-fingerprint", sha256),
        header("x-client-cert-fingerprint", sha256),
        header("x-client-fingerprint", sha256),
    ]
}

/// The header names a proxy forwards the issuer DN under.
const ISSUER_DN_HEADERS: [&str; 2] = ["x-ssl-client-i-dn", "ssl-client-issuer-dn"];

/// The subject DN under every subject header name and every user header name, and the issuer DN
/// under every issuer one, in one form (a backend reads the form its proxy writes, under the name
/// it was told: nginx's `proxy_set_header X-Remote-User $ssl_client_s_dn` writes RFC 2253's, a
/// review's backend trusting it was A, exit 0).
fn dn_headers(subject: &str, issuer: &str) -> Vec<Option<(HeaderName, HeaderValue)>> {
    SUBJECT_DN_HEADERS
        .iter()
        .chain(USER_HEADERS.iter())
        .map(|name| header(name, subject))
        .chain(ISSUER_DN_HEADERS.iter().map(|name| header(name, issuer)))
        .collect()
}

/// The client's address `ip` in every header proxies forward it in.
fn address_family(name: &'static str, ip: &str) -> Family {
    let headers = [
        header("x-forwarded-for", ip),
        header("x-real-ip", ip),
        header("forwarded", &format!("for={ip}")),
        header("true-client-ip", ip),
        header("x-client-ip", ip),
        header("cf-connecting-ip", ip),
    ];
    Family {
        name: name.into(),
        headers: headers.into_iter().flatten().collect(),
    }
}

/// Every family, a large one in parts ([`in_parts`]).
fn families(m: &Material, verified: &str) -> Vec<Family> {
    whole_families(m, verified)
        .into_iter()
        .flat_map(in_parts)
        .collect()
}

/// Every family as one proxy sets it.
fn whole_families(m: &Material, verified: &str) -> Vec<Family> {
    let fam = |name: &'static str, pairs: Vec<Option<(HeaderName, HeaderValue)>>| {
        let headers: Vec<(HeaderName, HeaderValue)> = pairs.into_iter().flatten().collect();
        Family {
            name: name.into(),
            headers,
        }
    };
    vec![
        fam(
            "X-SSL-Client-Verify (HAProxy/nginx convention)",
            vec![
                header("x-ssl-client-verify", verified),
                header("x-ssl-client-used", "1"),
            ],
        ),
        // Kubernetes ingress-nginx sets these four for its upstreams (auth-tls-*), and
        // Keycloak's nginx certificate lookup reads the first two.
        fam(
            "ssl-client-verify (Kubernetes ingress-nginx, Keycloak behind nginx)",
            vec![
                header("ssl-client-verify", verified),
                header("ssl-client-cert", &m.pem_escaped),
                header("ssl-client-subject-dn", &m.subject),
                header("ssl-client-issuer-dn", &m.issuer),
            ],
        ),
        fam("X-Client-Verify", vec![header("x-client-verify", verified)]),
        fam(
            "forwarded user, the common name (X-Remote-User, X-Forwarded-User, Remote-User, \
             X-User: lighttpd ssl.verifyclient.username, Apache SSLUserName)",
            USER_HEADERS
                .iter()
                .map(|name| header(name, &m.common_name))
                .collect(),
        ),
        fam(
            "forwarded certificate (X-SSL-Client-Cert, ssl-client-cert, X-Client-Cert, X-SSL-Cert)",
            vec![
                header("x-ssl-client-cert", &m.pem_escaped),
                header("ssl-client-cert", &m.pem_escaped),
                header("x-client-cert", &m.pem_escaped),
                header("x-ssl-cert", &m.pem_escaped),
            ],
        ),
        // HAProxy's samples: `%[ssl_c_der,base64]` (Keycloak's HAProxy lookup reads it), and
        // `%[ssl_fc_has_crt]`/`%[ssl_c_used]` (1), as widely copied snippets forward them.
        fam(
            "forwarded certificate as base64 DER (HAProxy ssl_c_der,base64)",
            vec![
                header("x-ssl-client-cert", &m.der_b64),
                header("x-ssl-client-der", &m.der_b64),
                header("x-client-cert", &m.der_b64),
                header("x-ssl-cert", &m.der_b64),
                header("ssl-client-cert", &m.der_b64),
            ],
        ),
        fam(
            "certificate presence flags (HAProxy ssl_fc_has_crt, ssl_c_used)",
            vec![
                header("x-ssl-client-cert", "1"),
                header("x-ssl-client-used", "1"),
                header("x-ssl-client", "1"),
                header("x-ssl", "1"),
            ],
        ),
        fam(
            "forwarded subject DN, one-line form (HAProxy ssl_c_s_dn, nginx \
             $ssl_client_s_dn_legacy, Apache LegacyDNStringFormat)",
            dn_headers(&m.subject_oneline, &m.issuer_oneline)
                .into_iter()
                .chain([header("x-ssl-issuer", &m.issuer_oneline)])
                .collect(),
        ),
        // The subject in a certificate header, as a proxy told to forward `%ssl::>cert_subject`
        // writes it (squid's one-line form; the user headers carry it beside the other subject
        // headers: [`dn_headers`]): a backend that reads the subject there lets in a client's own
        // copy (a review's squid, A, exit 0).
        // The certificate's SHA-256 under the names the SHA-1 goes by (Caddy's
        // `{http.request.tls.client.fingerprint}` is SHA-256, lower-case hex; HAProxy's
        // `ssl_c_der,sha2(256),hex` upper): a backend pinning it as the proxy forwards it takes a
        // copy. Their names clash with the SHA-1 families', so each rides in a batch without them.
        fam(
            "forwarded SHA-256 fingerprint, lower-case hex (Caddy \
             {http.request.tls.client.fingerprint}: X-Client-Cert-Fingerprint, X-SSL-Client-Fingerprint)",
            sha256_fingerprint_headers(&m.sha256),
        ),
        fam(
            "forwarded user, one-line subject (squid %ssl::>cert_subject in X-Remote-User, \
             X-Forwarded-User, X-Client-Cert)",
            ["x-client-cert", "x-ssl-client-cert"]
                .iter()
                .map(|name| header(name, &m.subject_oneline))
                .collect(),
        ),
        // The certificate's fingerprint or serial forwarded by a proxy that sets them only for a
        // verified certificate, and a backend that allowlists one client by it: a certificate is
        // no secret, so anyone with a copy sends the value (a review's HAProxy `set-header
        // X-SSL-Client-SHA1 %[ssl_c_sha1,hex] if { ssl_c_used }` before such a backend: A, exit
        // 0). HAProxy's `hex` writes upper case, nginx's `$ssl_client_fingerprint` lower.
        fam(
            "forwarded fingerprint and serial, upper-case hex (HAProxy ssl_c_sha1,hex, \
             ssl_c_serial,hex: X-SSL-Client-SHA1, X-SSL-Client-Fingerprint, X-SSL-Client-Serial)",
            fingerprint_headers(
                &m.sha1.to_ascii_uppercase(),
                &m.sha256.to_ascii_uppercase(),
                &m.serial,
            ),
        ),
        // The subject as Java (`X509Certificate.getSubjectX500Principal().toString()`) and .NET
        // write it, forwarded by a front written in them or compared by a backend that reads it
        // so (an audit's backend allowlisting that form behind nginx: A, exit 0).
        fam(
            "forwarded subject DN, a space after each comma (Java X500Principal, .NET)",
            dn_headers(&m.subject_spaced, &m.issuer_spaced),
        ),
        // (The lower-case twin: its names clash with the upper-case family's, so it rides in
        // another request, beside another form of the subject.)
        fam(
            "forwarded fingerprint, lower-case hex (nginx $ssl_client_fingerprint: \
             X-SSL-Client-Fingerprint, X-SSL-Client-SHA1)",
            fingerprint_headers(&m.sha1, &m.sha256, &m.serial),
        ),
        fam(
            "forwarded subject DN (X-SSL-Client-S-DN, X-SSL-Client-CN, X-Client-DN, ssl-client-subject-dn)",
            dn_headers(&m.subject, &m.issuer)
                .into_iter()
                .chain([
                    header("x-ssl-client-cn", &m.common_name),
                    header("x-client-cn", &m.common_name),
                ])
                .collect(),
        ),
        // Pound (`ClientCert` 1–3) adds these itself and passes a client's own copies on: a
        // backend that checks for `X-SSL-Subject` or `X-SSL-certificate` lets them in (an
        // audit's Pound 4.23 behind such a backend: A, exit 0).
        fam(
            "X-SSL-Subject, X-SSL-certificate (Pound)",
            vec![
                header("x-ssl-subject", &m.subject_oneline),
                header("x-ssl-issuer", &m.issuer_oneline),
                header("x-ssl-certificate", &m.pem_escaped),
                header("x-ssl-serial", &m.serial),
            ],
        ),
        // The client's address as a proxy forwards it: an allowlist that lets internal callers
        // in without a certificate (Apache `Require ip 10.0.0.0/8` beside `Require expr
        // %{SSL_CLIENT_VERIFY}` behind mod_remoteip, nginx realip with a `geo` exemption,
        // HAProxy `set-src hdr_ip(X-Forwarded-For)`, an Express `trust proxy` app checking
        // `req.ip`) takes it from anyone (audits of all four: A, exit 0). Loopback and a private
        // range, in two requests.
        address_family(
            "client address 127.0.0.1 (X-Forwarded-For, X-Real-IP, Forwarded, True-Client-IP, \
             X-Client-IP, CF-Connecting-IP: an allowlist behind a proxy)",
            "127.0.0.1",
        ),
        address_family(
            "client address 10.0.0.1 (X-Forwarded-For, X-Real-IP, Forwarded, True-Client-IP, \
             X-Client-IP, CF-Connecting-IP: an allowlist behind a proxy)",
            "10.0.0.1",
        ),
        // The scheme as a proxy forwards it: an application that checks the certificate only
        // of requests that came over HTTPS (the internal plain-HTTP hop trusted: health checks,
        // batch jobs) takes `http` from anyone (an audit's PHP app: A, exit 0).
        fam(
            "forwarded scheme http (X-Forwarded-Proto, X-Forwarded-Scheme, X-Forwarded-Ssl: off, \
             Front-End-Https: off: a check only of requests that came over HTTPS)",
            vec![
                header("x-forwarded-proto", "http"),
                header("x-forwarded-scheme", "http"),
                header("x-forwarded-ssl", "off"),
                header("front-end-https", "off"),
            ],
        ),
        fam(
            "X-Forwarded-Client-Cert (Envoy XFCC)",
            vec![header("x-forwarded-client-cert", &xfcc(m))],
        ),
        fam(
            "X-Forwarded-Tls-Client-Cert (Traefik)",
            vec![
                header("x-forwarded-tls-client-cert", &m.der_b64),
                header("x-forwarded-tls-client-cert-info", &traefik_info(m)),
            ],
        ),
        // Passthrough mode sends the certificate; verify mode its fields and the leaf.
        fam(
            "X-Amzn-Mtls-Clientcert (AWS ALB)",
            vec![
                header("x-amzn-mtls-clientcert", &m.pem_escaped),
                header("x-amzn-mtls-clientcert-leaf", &m.pem_escaped),
                header("x-amzn-mtls-clientcert-subject", &m.subject),
                header("x-amzn-mtls-clientcert-issuer", &m.issuer),
            ],
        ),
        // CloudFront's viewer mTLS headers, forwarded to the origin by an origin request policy.
        fam(
            "CloudFront-Viewer-Cert-Present (AWS CloudFront)",
            vec![
                header("cloudfront-viewer-cert-present", "1"),
                header("cloudfront-viewer-cert-subject", &m.subject),
                header("cloudfront-viewer-cert-issuer", &m.issuer),
                header("cloudfront-viewer-cert-sha256", &m.sha256),
                header("cloudfront-viewer-cert-pem", &m.pem_escaped),
            ],
        ),
        // The managed transform "Add TLS client auth headers"; an origin reachable without
        // Cloudflare in front gets whatever the client sends.
        fam(
            "Cf-Cert-Verified (Cloudflare mTLS headers)",
            vec![
                header("cf-cert-presented", "true"),
                header("cf-cert-verified", "true"),
                header("cf-cert-revoked", "false"),
                header("cf-cert-subject-dn", &m.subject),
                header("cf-cert-issuer-dn", &m.issuer),
                header("cf-cert-fingerprint-sha256", &m.sha256),
            ],
        ),
        // The header names of Google's mTLS guide for its load balancers' custom headers.
        fam(
            "X-Client-Cert-Chain-Verified (Google Cloud load balancer mTLS)",
            vec![
                header("x-client-cert-present", "true"),
                header("x-client-cert-chain-verified", "true"),
                header("x-client-cert-hash", &m.sha256_b64),
            ],
        ),
        // Two more private ranges an allowlist of internal callers names: Docker's bridge
        // (172.17.0.0/16, in 172.16.0.0/12) and 192.168.0.0/16 (a review's nginx `geo` of the
        // private ranges: A, exit 0). Placed apart from the first two (each names the same
        // headers with another value, so each rides in a batch without them).
        address_family(
            "client address 172.17.0.1 (X-Forwarded-For, X-Real-IP, Forwarded, True-Client-IP, \
             X-Client-IP, CF-Connecting-IP: an allowlist behind a proxy)",
            "172.17.0.1",
        ),
        fam(
            "Client-Cert (RFC 9440)",
            vec![header("client-cert", &format!(":{}:", m.der_b64))],
        ),
        address_family(
            "client address 192.168.1.1 (X-Forwarded-For, X-Real-IP, Forwarded, True-Client-IP, \
             X-Client-IP, CF-Connecting-IP: an allowlist behind a proxy)",
            "192.168.1.1",
        ),
        fam(
            "forwarded SHA-256 fingerprint, upper-case hex (HAProxy ssl_c_der,sha2(256),hex: \
             X-SSL-Client-Fingerprint, X-Client-Cert-Fingerprint)",
            sha256_fingerprint_headers(&m.sha256.to_ascii_uppercase()),
        ),
        fam(
            "X-ARR-ClientCert (IIS ARR)",
            vec![header("x-arr-clientcert", &m.der_b64)],
        ),
        // Apache mod_ssl's variable names as headers (`RequestHeader set SSL_CLIENT_CERT
        // "%{SSL_CLIENT_CERT}s"`), the default of Keycloak's Apache certificate lookup; nginx drops
        // names with `_` by default, HAProxy and many others pass them.
        // With them, in the same request, the X- names written with `_` (`X_SSL_Client_Verify`):
        // a proxy's `del-header X-SSL-Client-Verify` leaves them, and gunicorn and wsgiref read
        // them as the same WSGI key (`HTTP_X_SSL_CLIENT_VERIFY`).
        fam(
            "SSL_CLIENT_VERIFY, SSL_CLIENT_CERT … (Apache mod_ssl names, Keycloak's Apache lookup), \
             with X_SSL_Client_Verify, X_Client_Verify, X_SSL_Client_S_DN … (the X- names \
             written with `_`, which a proxy's del-header of the X- name leaves and WSGI servers \
             read as it)",
            vec![
                header("ssl_client_verify", verified),
                header("ssl_client_cert", &m.pem_escaped),
                header("ssl_client_s_dn", &m.subject),
                header("ssl_client_s_dn_cn", &m.common_name),
                header("ssl_client_i_dn", &m.issuer),
                header("x_ssl_client_verify", verified),
                header("x_client_verify", verified),
                header("x_ssl_client_used", "1"),
                header("x_ssl_client_s_dn", &m.subject),
                header("x_ssl_client_cn", &m.common_name),
                header("x_client_dn", &m.subject),
                header("x_client_cn", &m.common_name),
            ],
        ),
        // Tomcat's `SSLValve` (every "Tomcat behind httpd" guide's) builds the request's
        // certificate from `ssl_client_cert` as mod_headers forwards it (the PEM on one line,
        // spaces for its line breaks) or `ssl_client_escaped_cert` (escaped PEM), and verifies
        // nothing: a client reaching Tomcat directly with a copy of a valid certificate gets in
        // (an audit's Tomcat 10.1: A, exit 0).
        fam(
            "ssl_client_cert as one-line PEM, ssl_client_escaped_cert (Tomcat SSLValve, Apache \
             mod_headers' %{SSL_CLIENT_CERT}s)",
            vec![
                header("ssl_client_verify", verified),
                header("ssl_client_cert", &m.pem_spaced),
                header("ssl_client_escaped_cert", &m.pem_escaped),
                header("x_ssl_client_verify", verified),
                header("x_client_verify", verified),
                header("x_ssl_client_cert", &m.pem_spaced),
                header("x_ssl_client_s_dn", &m.subject),
            ],
        ),
        // Keycloak's HAProxy lookup: `http-request set-header SSL_CLIENT_CERT
        // %{+Q}[ssl_c_der,base64]`; and the X- names with `_` carrying the certificate.
        fam(
            "SSL_CLIENT_VERIFY, SSL_CLIENT_CERT as base64 DER (Keycloak's HAProxy lookup), with \
             X_SSL_Client_Verify, X_SSL_Client_Cert, X_Client_Cert (the X- names written with \
             `_`)",
            vec![
                header("ssl_client_verify", verified),
                header("ssl_client_cert", &m.der_b64),
                header("x_ssl_client_verify", verified),
                header("x_client_verify", verified),
                header("x_ssl_client_cert", &m.der_b64),
                header("x_client_cert", &m.der_b64),
                header("x_ssl_client_s_dn", &m.subject_oneline),
            ],
        ),
        // The X- names written with `.`: Go canonicalizes header names on dashes only, so
        // Traefik's passTLSClientCert, which sets `X-Forwarded-Tls-Client-Cert` and deletes a
        // client's `_` copy, passes `X.Forwarded.Tls.Client.Cert` on as another header, and PHP
        // (and CGI) read it as the X- name (CVE-2026-88879; Traefik's `aliasHeadersStrategy`
        // keeps such names unless set to delete or reject). HAProxy's `del-header` of the X- name
        // leaves it too; nginx drops such names. Each request carries the verify names and one
        // form of the certificate at most (two copies of its PEM, or its XFCC): a user's RSA-4096
        // certificate in four forms at once came to 9 KB, past an 8 KB head limit (431).
        fam(
            "X.SSL.Client.Verify, X.SSL.Client.S.DN, X.Client.CN … (the X- names written with \
             `.`, which a proxy that sets or deletes the X- name passes on and PHP and CGI read \
             as it: Traefik's aliasHeadersStrategy keep)",
            dotted(
                verified,
                [
                    header("x.ssl.client.s.dn", &m.subject),
                    header("x.ssl.client.cn", &m.common_name),
                    header("x.client.dn", &m.subject),
                    header("x.client.cn", &m.common_name),
                    header("x.forwarded.tls.client.cert.info", &traefik_info(m)),
                ],
            ),
        ),
        fam(
            "X.Forwarded.Tls.Client.Cert (Traefik's header written with `.`)",
            dotted(
                verified,
                [
                    header("x.forwarded.tls.client.cert", &m.der_b64),
                    header("x.forwarded.tls.client.cert.info", &traefik_info(m)),
                ],
            ),
        ),
        fam(
            "X.SSL.Client.Cert, X.Client.Cert (escaped PEM, written with `.`)",
            dotted(
                verified,
                [
                    header("x.ssl.client.cert", &m.pem_escaped),
                    header("x.client.cert", &m.pem_escaped),
                ],
            ),
        ),
        fam(
            "X.Forwarded.Client.Cert (Envoy XFCC written with `.`)",
            dotted(verified, [header("x.forwarded.client.cert", &xfcc(m))]),
        ),
    ]
}

/// Bytes of a family's headers ([`header_bytes`]) past which it goes in parts ([`in_parts`]):
/// above the scan's own minted certificate's largest family (4 forms of a 500-byte DER, 3.6 KB,
/// whole), under what a 4 KB head buffer takes (uWSGI's default: a user's RSA-2048 certificate as
/// PEM four times, 5.6 KB in one request, was closed without an answer, exit 3 on a server that
/// refuses rightly).
const FAMILY_BYTES: usize = 3 * 1024 + 512;

/// A header value longer than this is a form of the certificate (PEM, DER, XFCC), not a flag, a
/// name or a DN.
const LARGE_VALUE: usize = 512;

/// A family larger than [`FAMILY_BYTES`] with more than one large value (a certificate written
/// under several names or in several forms) as parts, each with every small header of the family
/// (the verify names, the DNs) and one of its large ones; any other family whole.
fn in_parts(f: Family) -> Vec<Family> {
    let large = |v: &HeaderValue| v.len() > LARGE_VALUE;
    let larges = f.headers.iter().filter(|(_, v)| large(v)).count();
    if header_bytes(&f.headers) <= FAMILY_BYTES || larges < 2 {
        return vec![f];
    }
    let small: Vec<(HeaderName, HeaderValue)> = f
        .headers
        .iter()
        .filter(|(_, v)| !large(v))
        .cloned()
        .collect();
    f.headers
        .iter()
        .filter(|(_, v)| large(v))
        .map(|(n, v)| Family {
            name: format!("{}: its {n} alone", f.name).into(),
            headers: small
                .iter()
                .cloned()
                .chain([(n.clone(), v.clone())])
                .collect(),
        })
        .collect()
}

/// The verify names written with `.` (`X.SSL.Client.Verify`, `X.Client.Verify`) holding
/// `verified`, and `others`.
fn dotted<const N: usize>(
    verified: &str,
    others: [Option<(HeaderName, HeaderValue)>; N],
) -> Vec<Option<(HeaderName, HeaderValue)>> {
    [
        header("x.ssl.client.verify", verified),
        header("x.client.verify", verified),
    ]
    .into_iter()
    .chain(others)
    .collect()
}

/// Traefik's `X-Forwarded-Tls-Client-Cert-Info` for the certificate: its subject and issuer,
/// percent-encoded.
fn traefik_info(m: &Material) -> String {
    percent_encoding::utf8_percent_encode(
        &format!("Subject=\"{}\";Issuer=\"{}\"", m.subject, m.issuer),
        percent_encoding::NON_ALPHANUMERIC,
    )
    .to_string()
}

/// Envoy's `x-forwarded-client-cert` for the certificate: its hash, the certificate, the subject
/// and every URI and DNS name of its subjectAltName (a SPIFFE ID is a URI), as Envoy's
/// `forward_client_cert_details` with `set_current_client_cert_details` writes them.
fn xfcc(m: &Material) -> String {
    let mut out = format!(
        "Hash={};Cert=\"{}\";Subject=\"{}\"",
        m.sha256, m.pem_escaped, m.subject
    );
    for uri in &m.uris {
        out.push_str(&format!(";URI={uri}"));
    }
    for dns in &m.dns_names {
        out.push_str(&format!(";DNS={dns}"));
    }
    out
}

/// The URIs and DNS names of a certificate's subjectAltName, at most 4 of each.
fn san_uris_and_names(der: &[u8]) -> (Vec<String>, Vec<String>) {
    use x509_parser::extensions::GeneralName;
    let Ok((_, cert)) = x509_parser::parse_x509_certificate(der) else {
        return (Vec::new(), Vec::new());
    };
    let Ok(Some(san)) = cert.subject_alternative_name() else {
        return (Vec::new(), Vec::new());
    };
    let (mut uris, mut names) = (Vec::new(), Vec::new());
    for g in &san.value.general_names {
        match g {
            GeneralName::URI(u) if uris.len() < 4 => {
                uris.push(crate::text::sanitize(u.as_bytes(), 512));
            }
            GeneralName::DNSName(d) if names.len() < 4 => {
                names.push(crate::text::sanitize(d.as_bytes(), 253));
            }
            _ => {}
        }
    }
    (uris, names)
}

/// Bytes of forged headers per request at most (names, values, `: ` and CRLF): with the request
/// line, `Host` and the user's own headers, a request stays well under the 8 KB heads that
/// Tomcat (400), Jetty (431) and many proxies allow, so a refusal for size never hides a family.
const BATCH_BYTES: usize = 4 * 1024;

/// The families' headers in one request, each name once (families share some: the first copy
/// is kept, and they carry the same value).
fn together<'a>(families: impl IntoIterator<Item = &'a Family>) -> Vec<(HeaderName, HeaderValue)> {
    let mut out: Vec<(HeaderName, HeaderValue)> = Vec::new();
    for (name, value) in families.into_iter().flat_map(|f| f.headers.iter()) {
        if !out.iter().any(|(n, _)| n == name) {
            out.push((name.clone(), value.clone()));
        }
    }
    out
}

/// Bytes of `headers` on the wire.
fn header_bytes(headers: &[(HeaderName, HeaderValue)]) -> usize {
    headers
        .iter()
        .map(|(n, v)| n.as_str().len() + v.len() + 4)
        .sum()
}

/// The name of [`gate`]'s pseudo-family, left out of the evidence's labels and never sent alone.
const GATE: &str = "the verify headers";

/// Every family's headers that carry the verify value (`X-SSL-Client-Verify: 0`,
/// `ssl-client-verify`, `X-Client-Verify`; not `SSL_CLIENT_VERIFY`, see [`aliased`]), as one
/// pseudo-family sent in every batch: an
/// application that wants the verify header *and* an identity header of another family (HAProxy's
/// `X-SSL-Client-CN`, a forwarded certificate) gets both in one request, whichever batch that
/// family falls in.
fn gate(families: &[Family], verified: &str) -> Family {
    let verify_headers = families
        .iter()
        .filter(|f| !aliased(f))
        .flat_map(|f| f.headers.iter())
        .filter(|(_, v)| v.as_bytes() == verified.as_bytes())
        .cloned();
    Family {
        name: GATE.into(),
        headers: together(&[Family {
            name: GATE.into(),
            headers: verify_headers.collect(),
        }]),
    }
}

/// A family whose header names hold `_` (mod_ssl's `SSL_CLIENT_*`, the X- names written with it)
/// or `.` (the X- names written with it): nginx drops such names, Envoy's recommended edge
/// setting (`headers_with_underscores_action: REJECT_REQUEST`) refuses the request (a stream
/// reset over HTTP/2), and a server may refuse a `.` in a name, so it goes in a request of its
/// own, never in a batch or the gate, and a request of its own that is not answered where the
/// batches were is the server refusing the names, not an unread door.
fn aliased(f: &Family) -> bool {
    f.headers.iter().any(|(n, _)| aliased_name(n.as_str()))
}

/// Whether a header name is an alias of a dashed name to a backend that derives variable names
/// from header names while a proxy in front takes it for another header: one with `_` (WSGI
/// servers read `-` as `_`, so `X_SSL_Client_Verify` is `X-SSL-Client-Verify` there) or `.` (PHP
/// reads `.` as `_`; CGI servers such as lighttpd's read every character but letters and digits
/// so).
pub(crate) fn aliased_name(name: &str) -> bool {
    name.contains(['_', '.'])
}

/// The families, in order, packed into requests of at most [`BATCH_BYTES`] of headers (a
/// family larger than that goes alone), each request led by `gate`; the [`aliased`] ones are
/// left out (sent alone). A family that names a header the request already carries with another
/// value (the certificate as escaped PEM, as base64 DER, as a flag) goes in the next request.
fn batches<'a>(families: &'a [Family], gate: &'a Family) -> Vec<Vec<&'a Family>> {
    let mut out: Vec<Vec<&Family>> = Vec::new();
    let mut current: Vec<&Family> = vec![gate];
    for f in families.iter().filter(|f| !aliased(f)) {
        let carried = together(current.iter().copied());
        let clashes = f
            .headers
            .iter()
            .any(|(n, v)| carried.iter().any(|(cn, cv)| cn == n && cv != v));
        let fits =
            !clashes && header_bytes(&together(current.iter().copied().chain([f]))) <= BATCH_BYTES;
        if !fits && current.len() > 1 {
            out.push(std::mem::replace(&mut current, vec![gate]));
        }
        current.push(f);
    }
    if current.len() > 1 {
        out.push(current);
    }
    out
}

/// The common name of a subject written `K=V, K=V` (as the summaries are), or the whole subject
/// when it has none.
fn common_name(subject: &str) -> String {
    subject
        .split(", ")
        .find_map(|rdn| rdn.strip_prefix("CN="))
        .unwrap_or(subject)
        .to_owned()
}

/// The connection each forged request goes on, an index per request in the order they are sent
/// (each verify value's batches, then its families with `_`; `rounds` holds, per value, how many
/// of each). Every batch carries the verify headers, so each batch of a value goes on a connection
/// of its own (as many connections as a value has batches), and the other value's batch of the
/// same rank, then the `_` families in turn, go after it on the same connections: behind a
/// balancer that picks a backend per connection (one backend of a fleet trusting the header), a
/// door is sampled by as many connections as when every request had its own, with a third of the
/// handshakes. One connection carrying every request would sample one backend: a reviewer's
/// 50/50 fleet passed 6 scans in 10 so, none in 6 with a connection each. At most
/// [`FORGED_CONNECTIONS`]: a value's batches past that share them in turn.
pub(crate) fn connection_of_each(rounds: &[(usize, usize)]) -> Vec<usize> {
    let connections = rounds
        .iter()
        .map(|(b, _)| *b)
        .max()
        .unwrap_or(0)
        .clamp(1, FORGED_CONNECTIONS);
    let mut out = Vec::new();
    let mut aliased = 0usize;
    for &(batches, own) in rounds {
        out.extend((0..batches).map(|b| b % connections));
        for _ in 0..own {
            out.push(aliased % connections);
            aliased += 1;
        }
    }
    out
}

/// Connections the forged requests of one door go on at most: as many as the scan's own
/// certificate makes batches (8 per verify value), so a user's RSA-4096 certificate, whose parts
/// ([`in_parts`]) make 16 to 19, samples as many backends without twice the handshakes.
const FORGED_CONNECTIONS: usize = 8;

/// One request of forged headers: how the evidence names it, and the headers.
pub(crate) type ForgedHeaders = (String, Vec<(HeaderName, HeaderValue)>);

/// One request of forged headers, and, for a batch, each of its families beside the verify
/// headers, for a server that takes no head that large (uWSGI's 4 KB buffer closes without an
/// answer).
pub(crate) struct ForgedRequest {
    /// The request.
    pub request: ForgedHeaders,
    /// Its families one at a time (empty for a request of one family).
    pub alone: Vec<ForgedHeaders>,
    /// The connection it goes on, beside the others of that index ([`connection_of_each`]).
    pub connection: usize,
}

/// Every request of forged headers this probe sends when nothing gets in, each with how the
/// evidence names it: both verify values' batches, then each family with `_` in its names
/// alone. For another probe that finds a refusal of its own to spoof (an application behind a
/// side door: `sni-host-mismatch-bypass`). Empty when the headers' certificate could not be
/// made.
pub(crate) fn forged_header_requests(scan: &ScanContext, first: &FirstWave) -> Vec<ForgedRequest> {
    let Ok(m) = material(scan, first) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let mut counts: Vec<(usize, usize)> = Vec::new();
    for verified in ["SUCCESS", "0"] {
        let fams = families(&m, verified);
        let gate = gate(&fams, verified);
        let packed = batches(&fams, &gate);
        counts.push((packed.len(), fams.iter().filter(|f| aliased(f)).count()));
        for batch in packed {
            let names: Vec<&str> = batch
                .iter()
                .map(|f| f.name.as_ref())
                .filter(|n| *n != GATE)
                .collect();
            let label = batch_label(&names);
            let alone = batch
                .iter()
                .filter(|f| f.name != GATE)
                .map(|f| {
                    (
                        format!("forged headers ({}; verify = {verified})", f.name),
                        together([&gate, *f]),
                    )
                })
                .collect();
            out.push(ForgedRequest {
                request: (
                    format!("forged {label} (verify = {verified})"),
                    together(batch.iter().copied()),
                ),
                alone,
                connection: 0,
            });
        }
        for f in fams.iter().filter(|f| aliased(f)) {
            out.push(ForgedRequest {
                request: (
                    format!("forged headers ({}; verify = {verified})", f.name),
                    f.headers.clone(),
                ),
                alone: Vec::new(),
                connection: 0,
            });
        }
    }
    for (r, c) in out.iter_mut().zip(connection_of_each(&counts)) {
        r.connection = c;
    }
    out
}

/// The headers' content, or why it could not be made.
fn material(scan: &ScanContext, first: &FirstWave) -> Result<Material, String> {
    // The unknown CA's certificate as the untrusted probe presents it: with `client-cert`, its
    // subject is the valid certificate's (an allowlisted `X-SSL-Client-S-DN` then matches).
    let id = super::untrusted_client_cert::identity(
        &scan.probes,
        &[SignatureScheme::ECDSA_NISTP256_SHA256],
    )?;
    // The certificate the headers carry: with `client-cert`, that certificate itself (it is no
    // secret; a backend that checks a forwarded certificate's chain, or pins its fingerprint,
    // takes it from anyone who copies it: an audit's aiohttp pinning `cf-cert-fingerprint-sha256`
    // and `X-SSL-Client-Cert` was A, exit 0, while the headers carried the minted one); else
    // the minted one.
    let user = scan
        .probes
        .client
        .as_ref()
        .and_then(|c| c.certified.cert.first())
        .map(|c| c.as_ref().to_vec());
    let minted = id.certified.cert.first().map(|c| c.as_ref().to_vec());
    let der = user
        .or(minted)
        .ok_or("the minted identity has no certificate")?;
    // The issuer a verifying proxy would have accepted: an advertised CA name when there is one.
    let issuer = first
        .observations
        .iter()
        .find_map(|o| o.acceptable_cas.first().cloned())
        .unwrap_or_else(|| id.summary.issuer.clone());
    material_of(&der, &id.summary.subject, issuer)
}

/// What a proxy leaves unescaped in a certificate it forwards as escaped PEM: letters, digits and
/// `-._~`, as nginx's `$ssl_client_escaped_cert` and Envoy's XFCC `Cert=` write it
/// (`-----BEGIN%20CERTIFICATE-----%0A…`). Escaping the dashes too (`%2D%2D…`) decodes the same,
/// but missed an application that checks the form nginx sends before it decodes.
const PEM_ESCAPED: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// The headers' content for a certificate (DER), its subject and the issuer named (as summaries
/// write them).
fn material_of(der: &[u8], subject: &str, issuer: String) -> Result<Material, String> {
    let b64 = base64::engine::general_purpose::STANDARD.encode(der);
    let mut pem = String::from("-----BEGIN CERTIFICATE-----\n");
    for chunk in b64.as_bytes().chunks(64) {
        pem.push_str(std::str::from_utf8(chunk).map_err(|e| e.to_string())?);
        pem.push('\n');
    }
    pem.push_str("-----END CERTIFICATE-----\n");
    let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, der);
    let (uris, dns_names) = san_uris_and_names(der);
    Ok(Material {
        pem_escaped: percent_encoding::utf8_percent_encode(&pem, PEM_ESCAPED).to_string(),
        pem_spaced: pem.trim_end().replace('\n', " "),
        der_b64: b64,
        common_name: common_name(subject),
        subject: crate::identity::dn_forms(subject).0,
        subject_oneline: crate::identity::dn_forms(subject).1,
        subject_spaced: crate::identity::dn_forms(subject).2,
        issuer: crate::identity::dn_forms(&issuer).0,
        issuer_oneline: crate::identity::dn_forms(&issuer).1,
        issuer_spaced: crate::identity::dn_forms(&issuer).2,
        uris,
        dns_names,
        sha256: crate::identity::sha256_hex(der),
        sha256_b64: base64::engine::general_purpose::STANDARD.encode(digest.as_ref()),
        sha1: aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA1_FOR_LEGACY_USE_ONLY, der)
            .as_ref()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect(),
        serial: serial_hex(der).unwrap_or_else(|| {
            crate::identity::sha256_hex(der)
                .get(..16)
                .unwrap_or("01")
                .to_ascii_uppercase()
        }),
    })
}

/// The certificate's serial number as nginx and HAProxy forward it: upper-case hex of the
/// magnitude's bytes (DER's leading sign byte dropped); `None` where the DER does not read.
fn serial_hex(der: &[u8]) -> Option<String> {
    let (_, cert) = x509_parser::parse_x509_certificate(der).ok()?;
    let raw = cert.raw_serial();
    let magnitude = match raw {
        [0, rest @ ..] if !rest.is_empty() => rest,
        all => all,
    };
    (!magnitude.is_empty()).then(|| magnitude.iter().map(|b| format!("{b:02X}")).collect())
}

/// The no-certificate request was refused with nginx's own certificate page (400 "No required
/// SSL certificate was sent"): its TLS module answers that for every request without a
/// certificate to the server the `Host` picked, before any location, rewrite, `if` or proxy looks
/// at a header. The same request with forwarded-certificate headers gets the same page, so it is
/// not sent (the configuration probe ends on that page for the same reason).
/// Only nginx's page itself counts (`checks::refusal::nginx_own_certificate_page`): an
/// application that copies the words (and might trust the headers) still gets them.
fn refused_before_any_header(o: &ProbeObservation) -> bool {
    o.outcome == Outcome::RefusedHttp
        && crate::checks::refusal::nginx_own_certificate_page(
            o.http_status,
            o.body_excerpt.as_deref(),
            o.server_header.as_deref(),
        )
}

/// How the note that says why no headers were sent begins.
const NO_HEADERS_SENT: &str = "client-cert-header-spoofing sent no forged headers";

/// The anonymous refusal over HTTP the forged headers try to get around (the newest version's
/// first); `Err` when there is none: with a note when every one was nginx's own certificate page
/// (the probe then says why it sent nothing), without one when the anonymous client was served
/// or refused in TLS (nothing for headers to get around).
fn refusal_to_spoof(first: &FirstWave) -> Result<&ProbeObservation, Option<String>> {
    let over_http: Vec<&ProbeObservation> = anonymous_not_served(first)
        .into_iter()
        .filter(|o| matches!(o.outcome, Outcome::RefusedHttp | Outcome::Answered))
        .collect();
    match over_http.iter().find(|o| !refused_before_any_header(o)) {
        Some(refused) => Ok(refused),
        None if over_http.is_empty() => Err(None),
        None => Err(Some(format!(
            "{NO_HEADERS_SENT}: the anonymous request is refused with nginx's own certificate \
             page (400 \"No required SSL certificate was sent\"), which its TLS module answers \
             before any header is read"
        ))),
    }
}

/// Whether the anonymous client was refused in the handshake after a CertificateRequest on
/// `version` (on any version when `None`).
fn anonymous_refused_in_tls(
    observations: &[ProbeObservation],
    version: Option<TlsVersion>,
) -> bool {
    observations.iter().any(|o| {
        o.id == ProbeId::NO_CLIENT_CERT
            && !o.late
            && version.is_none_or(|v| o.tls_version == v)
            && o.cert_requested
            && o.outcome == Outcome::RefusedTls
    })
}

/// Where the anonymous client was refused in the handshake after a CertificateRequest, the
/// certificate from an unknown CA that got through it to an HTTP refusal (not the TLS module's:
/// nginx's pages, 495/496) on the same version, the newest version's first: the forged headers
/// then go with that certificate. `observations`: the whole first wave's.
fn untrusted_refused_over_http(
    observations: &[ProbeObservation],
) -> Option<(TlsVersion, Option<u16>, Option<String>)> {
    let mut let_through: Vec<&ProbeObservation> = observations
        .iter()
        .filter(|o| o.id == ProbeId::UNTRUSTED_CLIENT_CERT && !o.late)
        .filter(|o| super::let_through_to_the_application(o))
        .filter(|o| anonymous_refused_in_tls(observations, Some(o.tls_version)))
        .collect();
    let_through.sort_by_key(|o| o.tls_version);
    let o = let_through.first()?;
    Some((o.tls_version, o.http_status, o.body_excerpt.clone()))
}

/// Where the anonymous client was refused in the handshake after a CertificateRequest, the staging
/// CA's stranger (`lookalike-client-cert`'s first, a name of its own) that got through it to an
/// HTTP refusal (not the TLS module's) on a version where the valid certificate was served: the
/// application refused its name. The newest version's first. `observations`: the whole wave's.
fn stranger_refused_over_http(
    observations: &[ProbeObservation],
) -> Option<(TlsVersion, Option<u16>, Option<String>)> {
    let served = |v: TlsVersion| {
        observations.iter().any(|c| {
            c.id == ProbeId::VALID_CLIENT_CERT
                && !c.late
                && c.tls_version == v
                && c.outcome == Outcome::Served
        })
    };
    let mut let_through: Vec<&ProbeObservation> = observations
        .iter()
        .filter(|o| {
            o.id == ProbeId::LOOKALIKE_CLIENT_CERT
                && !o.late
                && o.origin_says(super::lookalike_client_cert::STRANGER_MARK)
        })
        .filter(|o| super::let_through_to_the_application(o))
        .filter(|o| anonymous_refused_in_tls(observations, Some(o.tls_version)))
        .filter(|o| served(o.tls_version))
        .collect();
    let_through.sort_by_key(|o| o.tls_version);
    let o = let_through.first()?;
    Some((o.tls_version, o.http_status, o.body_excerpt.clone()))
}

/// The refusal the forged headers try to get around, `None` when there is none (a note when
/// that is worth saying). Where the anonymous client was refused in the handshake, it waits for
/// the whole first wave (the certificate from an unknown CA's answer).
async fn refusal(scan: &ScanContext, first: &FirstWave) -> Result<Refusal, Option<String>> {
    let claims_identity = scan.probes.client.is_some();
    match refusal_to_spoof(first) {
        Ok(refused) => Ok(Refusal {
            version: refused.tls_version,
            status: refused.http_status,
            cert: None,
            stranger: false,
            body: refused.body_excerpt.clone(),
            claims_identity,
            entrance: Entrance::default(),
            again: Again::First,
        }),
        Err(None) if anonymous_refused_in_tls(&first.observations, None) => {
            let whole = first.whole_observations().await.ok_or(None)?;
            let Some((version, status, body)) = untrusted_refused_over_http(&whole) else {
                // Every certificate from an unknown CA refused in the handshake too: the staging
                // CA's stranger let through to a refusal of its name, where the valid certificate
                // was served, carries the headers (a proxy that verifies the chain and adds the
                // subject, HAProxy `add-header X-SSL-Client-CN`, passes the client's own copy:
                // any holder of a certificate from that CA gets in as anybody; a review's: A,
                // exit 0).
                let (stranger, (version, status, body)) = scan
                    .probes
                    .staging
                    .as_ref()
                    .and_then(|s| s.lookalikes.first())
                    .zip(stranger_refused_over_http(&whole))
                    .ok_or(None)?;
                return Ok(Refusal {
                    version,
                    status,
                    cert: Some(Arc::new(super::Paired(stranger.0.clone()))),
                    stranger: true,
                    body,
                    claims_identity,
                    entrance: Entrance::default(),
                    again: Again::First,
                });
            };
            // The certificate that was let through, as the untrusted probe presented it.
            Ok(Refusal {
                version,
                status,
                cert: Some(super::untrusted_client_cert::chooser(&scan.probes)),
                stranger: false,
                body,
                claims_identity,
                entrance: Entrance::default(),
                again: Again::First,
            })
        }
        Err(note) => Err(note),
    }
}

impl TargetProbe for ClientCertHeaderSpoofing {
    fn spec(&self) -> &'static ProbeSpec {
        &SPEC
    }

    fn starts(&self) -> Start {
        Start::AfterFirstWave
    }

    fn run<'a>(
        &'a self,
        target: &'a Target,
        scan: &'a ScanContext,
        first: Option<&'a FirstWave>,
    ) -> BoxFuture<'a, TargetOutcome> {
        async move {
            let Some(first) = first else {
                return TargetOutcome::default();
            };
            // Boxed: each holds a whole `spoof`, large for a worker's stack in a debug build.
            let (mut out, front) = front_door(target, scan, first).boxed().await;
            // A door on the protected name is the finding; the other names' say no more.
            if !out.findings.is_empty() {
                return out;
            }
            let claims_identity = scan.probes.client.is_some();
            let spoof_through = |entrance: Entrance, version: TlsVersion, own: Seen| async move {
                // Made for each name refused (most scans have none; a few, one).
                let m = match material(scan, first) {
                    Ok(m) => m,
                    Err(reason) => {
                        return TargetOutcome {
                            incomplete: vec![IncompleteProbe {
                                probe: SPEC.id.as_str().to_owned(),
                                tls_version: Some(version),
                                reason: format!("the forged headers could not be made: {reason}"),
                            }],
                            ..TargetOutcome::default()
                        }
                    }
                };
                let refusal = Refusal {
                    version,
                    status: own.status(),
                    cert: None,
                    stranger: false,
                    body: own.result.body_excerpt.clone(),
                    claims_identity,
                    entrance,
                    again: Again::First,
                };
                spoof(target, scan, first, &refusal, &m).boxed().await
            };
            let (siblings, spoofed) =
                siblings::through_siblings(target, scan, first, front.as_ref(), spoof_through)
                    .boxed()
                    .await;
            // The front door's note that no headers were sent holds for the protected name.
            if !spoofed.is_empty() {
                for note in &mut out.notes {
                    *note = note.replace(
                        NO_HEADERS_SENT,
                        &format!(
                            "{NO_HEADERS_SENT} on the protected name (they went through {} on \
                             its own Host)",
                            spoofed.join(", ")
                        ),
                    );
                }
            }
            out.findings.extend(siblings.findings);
            out.incomplete.extend(siblings.incomplete);
            out.notes.extend(siblings.notes);
            out.sni_names_tried.extend(siblings.sni_names_tried);
            out
        }
        .boxed()
    }
}

/// The forged headers on the protected name and `Host`, where it refused over HTTP; with the
/// refusal they were sent past, when they were.
async fn front_door(
    target: &Target,
    scan: &ScanContext,
    first: &FirstWave,
) -> (TargetOutcome, Option<FrontRefusal>) {
    let refusal = match refusal(scan, first).await {
        Ok(refusal) => refusal,
        Err(note) => {
            let out = TargetOutcome {
                notes: note.into_iter().collect(),
                ..TargetOutcome::default()
            };
            return (out, None);
        }
    };
    let front = FrontRefusal {
        status: refusal.status,
        body: refusal.body.clone(),
    };
    let m = match material(scan, first) {
        Ok(m) => m,
        // Not run is not refused: the target is incomplete, never clean.
        Err(reason) => {
            let out = TargetOutcome {
                incomplete: vec![IncompleteProbe {
                    probe: SPEC.id.as_str().to_owned(),
                    tls_version: Some(refusal.version),
                    reason: format!("the forged headers could not be made: {reason}"),
                }],
                ..TargetOutcome::default()
            };
            return (out, Some(front));
        }
    };
    let mut out = spoof(target, scan, first, &refusal, &m).boxed().await;
    // Headers are read after TLS, but a proxy may route each version to a backend of its own
    // (a proxy routing TLS 1.2 clients to a legacy backend that trusts `X-SSL-Client-Verify`:
    // an audit's HAProxy `use_backend legacy if { ssl_fc_protocol TLSv1.2 }` was A, exit 0).
    // The other versions refused over HTTP get the headers too: those the first wave shows
    // answered apart first, then the others (a legacy path whose proxy adds the verify header
    // beside the client's own answers every probe of the first wave alike: review U's, B, exit 0
    // with the full identity), on fewer connections.
    // A proxy may also clear the headers for one protocol or for some methods alone (review X:
    // HAProxy `del-header X-SSL-Client-Verify if { req.ver 2.0 }`, nginx mapping the header from
    // `$ssl_client_verify` for HTTP/2 and from the client's own copy for HTTP/1.1, and HAProxy
    // routing all but GET and HEAD to a backend that keeps the client's copy: each B or A, exit
    // 0). On the newest version refused, the headers go again over HTTP/1.1 alone where the
    // refusal spoke h2, then as a POST: on fewer connections, a POST with the first batch of
    // each verify value alone. The first that gets in ends it.
    if out.findings.is_empty() && refusal.cert.is_none() {
        // The whole wave (the valid certificate's answers among it), not the baselines alone.
        let whole = first.whole_observations().await.unwrap_or_default();
        let again = |version, status, body: Option<String>, again| Refusal {
            version,
            status,
            cert: None,
            stranger: false,
            body,
            claims_identity: refusal.claims_identity,
            entrance: Entrance::default(),
            again,
        };
        let mut tries: Vec<Refusal> = other_version_refusals(&whole, refusal.version)
            .into_iter()
            .map(|(o, why)| again(o.tls_version, o.http_status, o.body_excerpt.clone(), why))
            .collect();
        let spoke_h2 = refusal_to_spoof(first).is_ok_and(|o| o.alpn.as_deref() == Some("h2"));
        for how in [Again::Http1, Again::Post] {
            if how != Again::Http1 || spoke_h2 {
                tries.push(again(
                    refusal.version,
                    refusal.status,
                    refusal.body.clone(),
                    how,
                ));
            }
        }
        for other in &tries {
            let got = spoof(target, scan, first, other, &m).boxed().await;
            let found = !got.findings.is_empty();
            out.findings.extend(got.findings);
            // A second look whose requests went unanswered (a time-out, a reset, a busy answer,
            // the scan's deadline) is unread: the proxy rule it looks past may be just there
            // (review A: a POST routed to a slow legacy backend trusting the client's copy was
            // A, exit 0, with the look "said" in a note). One that was answered but proves
            // nothing (another answer than the refusal, a WebSocket path answering a POST as a
            // plain GET) leaves the target as the first look left it: said, not counted
            // incomplete. A version the first wave shows answered apart must be read whole.
            for i in got.incomplete {
                if other.again == Again::Apart || unanswered_look(&i.reason) {
                    out.incomplete.push(IncompleteProbe {
                        reason: format!("a second look{}: {}", other.again.words(), i.reason),
                        ..i
                    });
                } else {
                    out.notes.push(format!(
                        "{} (a second look{}): {}",
                        SPEC.id.as_str(),
                        other.again.words(),
                        i.reason
                    ));
                }
            }
            out.notes.extend(got.notes);
            if found {
                break;
            }
        }
    }
    (out, Some(front))
}

/// The anonymous refusals over HTTP on versions other than `tried` (not the TLS module's own
/// page), each with why it is tried: [`Again::Apart`] (first) where the first wave shows that
/// version answered apart from `tried` (a probe got another readable outcome or status there,
/// the valid certificate served on one and refused on the other, or another `Server` header;
/// closes and time-outs are no answer to compare), else [`Again::Alike`].
fn other_version_refusals(
    whole: &[ProbeObservation],
    tried: TlsVersion,
) -> Vec<(&ProbeObservation, Again)> {
    let on = |v: TlsVersion| whole.iter().filter(move |o| o.tls_version == v && !o.late);
    let answer = |o: &ProbeObservation| (o.outcome, o.http_status, o.server_header.clone());
    let mut out: Vec<(&ProbeObservation, Again)> = whole
        .iter()
        .filter(|o| o.id == ProbeId::NO_CLIENT_CERT && !o.late && o.tls_version != tried)
        .filter(|o| matches!(o.outcome, Outcome::RefusedHttp | Outcome::Answered))
        .filter(|o| !refused_before_any_header(o))
        .map(|o| {
            let apart = on(o.tls_version).any(|x| {
                on(tried).any(|y| {
                    x.id == y.id
                        && x.client_cert.as_ref().map(|c| &c.origin)
                            == y.client_cert.as_ref().map(|c| &c.origin)
                        && answer(x) != answer(y)
                        && [x, y].iter().all(|o| {
                            matches!(
                                o.outcome,
                                Outcome::Served
                                    | Outcome::RefusedHttp
                                    | Outcome::RefusedTls
                                    | Outcome::Answered
                            )
                        })
                })
            });
            (o, if apart { Again::Apart } else { Again::Alike })
        })
        .collect();
    out.sort_by_key(|(_, why)| *why != Again::Apart);
    out
}

/// Why the forged headers go to a refusal's version.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Again {
    /// The newest version refused over HTTP (or the version a door was seen on): the first try.
    First,
    /// Another version, which the first wave shows answered apart from the first.
    Apart,
    /// Another version, answered alike in the first wave: a proxy may still route it to a
    /// backend of its own. Sent on at most [`ALIKE_CONNECTIONS`] connections.
    Alike,
    /// The first version again, offering HTTP/1.1 alone, where the refusal spoke h2. On at most
    /// [`ALIKE_CONNECTIONS`] connections.
    Http1,
    /// The first version again, as a POST: each verify value's first batch alone, on at most
    /// [`ALIKE_CONNECTIONS`] connections.
    Post,
}

impl Again {
    /// How a second look went, for a note: ` on another version`, ` over HTTP/1.1` …
    fn words(self) -> &'static str {
        match self {
            Again::First => "",
            Again::Apart | Again::Alike => " on another version",
            Again::Http1 => " over HTTP/1.1",
            Again::Post => " as a POST",
        }
    }
}

/// The connections the forged headers go on for a version answered alike
/// ([`Again::Alike`]): a second look, not a second sampling of a fleet.
const ALIKE_CONNECTIONS: usize = 2;

/// The refusal the forged headers try to get around.
struct Refusal {
    /// The version it was seen on (the headers are sent on it).
    version: TlsVersion,
    /// Its HTTP status.
    status: Option<u16>,
    /// The certificate it was presented with, sent again with the headers: the one from an
    /// unknown CA the TLS layer let through ([`untrusted_refused_over_http`]); `None`: no
    /// certificate.
    cert: Option<Arc<dyn CertChooser>>,
    /// `cert` is the staging CA's stranger ([`stranger_refused_over_http`]), not a certificate
    /// from an unknown CA.
    stranger: bool,
    /// The excerpt of its page.
    body: Option<String>,
    /// The forged headers claim the valid certificate's subject (`client-cert` was given): a
    /// refusal of them is a refusal of the right name.
    claims_identity: bool,
    /// Where the refused request went, and the headers go.
    entrance: Entrance,
    /// Why the headers go to this version ([`Again`]).
    again: Again,
}

async fn spoof(
    target: &Target,
    scan: &ScanContext,
    first: &FirstWave,
    refusal: &Refusal,
    m: &Material,
) -> TargetOutcome {
    let (version, refused_with) = (refusal.version, refusal.status);
    // Why an answer refused by status, with a page that is no refusal page, could not be told
    // from the protected page (the first such), and that answer.
    let unsure: std::sync::Mutex<Option<String>> = std::sync::Mutex::new(None);
    let door = Door {
        version,
        sni: refusal.entrance.sni.clone(),
        host: refusal.entrance.host.clone(),
        path: None,
        headers: Vec::new(),
        sessions: None,
        cert: refusal.cert.clone(),
        method: (refusal.again == Again::Post).then_some(http::Method::POST),
        h2c_via: None,
        http1_only: refusal.again == Again::Http1,
        scan,
    };
    // What a door saw, judged by its body: a refusal status whose body is the protected page
    // lets the headers in all the same (marked served).
    let judged_by_page = |mut seen: Seen| {
        let unsure = &unsure;
        async move {
            let judged = super::landing::judge_unserved(
                target,
                scan,
                first,
                version,
                &mut seen,
                refusal.body.as_deref(),
            )
            .await;
            if let Some((super::landing::Landing::Unsure(why), _)) = judged {
                if let Ok(mut u) = unsure.lock() {
                    u.get_or_insert_with(|| format!("{} ({})", why, seen.describe()));
                }
            }
            seen
        }
    };
    // Each request alone on a connection of its own (the families named one by one, the
    // confirmations).
    let send = |headers: Vec<(HeaderName, HeaderValue)>| {
        let door = Door {
            headers,
            ..door.clone()
        };
        let judged_by_page = &judged_by_page;
        async move { judged_by_page(knock(target, door).await).await }
    };
    // Several requests, request `i` on connection `connection[i]` ([`connection_of_each`]); an
    // answer after a connection's first stands only where it is the refusal got around (its
    // status and page), else it is asked again alone (`knock_spread`).
    let send_spread = |sets: Vec<Vec<(HeaderName, HeaderValue)>>, connection: Vec<usize>| {
        let (door, judged_by_page) = (&door, &judged_by_page);
        async move {
            let same_refusal = |seen: &Seen| {
                seen.status().is_some()
                    && seen.status() == refused_with
                    && super::landing::tells_nothing_past(seen, refusal.body.as_deref())
            };
            let seen = knock_spread(target, door, sets, &connection, same_refusal).await;
            futures_util::future::join_all(seen.into_iter().map(judged_by_page)).await
        }
    };
    // Both verify values' batches at once (the second round is only kept when the first was not
    // served), then, per batch that was served or not refused as the anonymous request was, each
    // of its families alone, all at once.
    // Every family goes with each value: an identity header (a CN) may count only beside a
    // verify header holding the value the application wants.
    let verify_values = ["SUCCESS", "0"];
    let planned: Vec<(&'static str, Vec<Family>, Family)> = verify_values
        .iter()
        .map(|v| {
            let fams = families(m, v);
            let gate = gate(&fams, v);
            (*v, fams, gate)
        })
        .collect();
    // Each verify value's families packed once: the same batches are sent, judged and split.
    // As a POST, each value's first batch alone and no family under another name: a second
    // look at a method, not the whole round again (each request may write).
    let light = refusal.again == Again::Post;
    let aliased_here = |f: &Family| !light && aliased(f);
    let packed: Vec<Vec<Vec<&Family>>> = planned
        .iter()
        .map(|(_, fams, gate)| {
            let mut packed = batches(fams, gate);
            if light {
                packed.truncate(1);
            }
            packed
        })
        .collect();
    // Every value's batches, then its aliased families, as one list of requests.
    let mut sets: Vec<Vec<(HeaderName, HeaderValue)>> = Vec::new();
    let mut counts: Vec<(usize, usize)> = Vec::new();
    for (round, (_, fams, _)) in packed.iter().zip(&planned) {
        sets.extend(round.iter().map(|batch| together(batch.iter().copied())));
        let own: Vec<_> = fams.iter().filter(|f| aliased_here(f)).collect();
        sets.extend(own.iter().map(|f| f.headers.clone()));
        counts.push((round.len(), own.len()));
    }
    let mut connections = connection_of_each(&counts);
    if matches!(refusal.again, Again::Alike | Again::Http1 | Again::Post) {
        connections.iter_mut().for_each(|c| *c %= ALIKE_CONNECTIONS);
    }
    let mut answers = send_spread(sets, connections).await.into_iter();
    let mut sent: Vec<Vec<Seen>> = Vec::new();
    let mut own: Vec<Vec<(FamilyName, Seen)>> = Vec::new();
    let mut own_bytes: Vec<Vec<usize>> = Vec::new();
    for (round, (_, fams, _)) in packed.iter().zip(&planned) {
        sent.push(answers.by_ref().take(round.len()).collect());
        own.push(
            fams.iter()
                .filter(|f| aliased_here(f))
                .map(|f| f.name.clone())
                .zip(answers.by_ref())
                .collect(),
        );
        own_bytes.push(
            fams.iter()
                .filter(|f| aliased_here(f))
                .map(|f| header_bytes(&f.headers))
                .collect(),
        );
    }
    let mut rounds: Vec<Round> = Vec::new();
    for (((((verified, fams, gate), packed), seen), own), aliased_bytes) in planned
        .iter()
        .zip(&packed)
        .zip(sent)
        .zip(own)
        .zip(own_bytes)
    {
        let mut round = Round {
            verified,
            verifying: verifying(fams, verified),
            batches: packed
                .iter()
                .zip(seen)
                .map(|(batch, seen)| Batch {
                    families: batch
                        .iter()
                        .map(|f| f.name.clone())
                        .filter(|n| *n != GATE)
                        .collect(),
                    bytes: header_bytes(&together(batch.iter().copied())),
                    seen,
                })
                .collect(),
            singles: Vec::new(),
            with_gate: Vec::new(),
            aliased: own,
            aliased_bytes,
        };
        // The families of the batches that want them sent apart: of a batch that got in, each
        // alone, to name the one that let it in; of a batch not read (no answer, or another
        // status than the refusal's: a head too large for the server), each beside the verify
        // headers, as the batch carried it. Alone, a family an application wants beside
        // `X-SSL-Client-Verify: SUCCESS` is refused, and the batch was read as refused (a review's
        // uWSGI with its 4 KB buffer, a user's RSA certificate in parts: B, exit 0, open).
        let apart = |served: bool| -> Vec<&Family> {
            packed
                .iter()
                .zip(&round.batches)
                .filter(|(_, b)| wants_singles(&b.seen, refused_with) && b.seen.served() == served)
                .flat_map(|(batch, _)| batch.iter().copied())
                .filter(|f| f.name != GATE)
                .collect()
        };
        let (alone, unread) = (apart(true), apart(false));
        let (seen, seen_gated) = tokio::join!(
            futures_util::future::join_all(alone.iter().map(|f| send(f.headers.clone()))),
            futures_util::future::join_all(unread.iter().map(|f| send(together([gate, *f])))),
        );
        round.singles = alone.iter().map(|f| f.name.clone()).zip(seen).collect();
        round.with_gate = unread
            .iter()
            .map(|f| f.name.clone())
            .zip(seen_gated)
            .collect();
        // A batch got in and no family alone did: each again beside the verify headers, to name
        // the identity header the application wants with them (HAProxy's X-SSL-Client-CN).
        if round.batches.iter().any(|b| b.seen.served())
            && !round.singles.iter().any(|(_, s)| s.served())
        {
            let seen =
                futures_util::future::join_all(alone.iter().map(|f| send(together([gate, *f]))))
                    .await;
            round
                .with_gate
                .extend(alone.iter().map(|f| f.name.clone()).zip(seen));
        }
        let served = round.served().is_some();
        rounds.push(round);
        if served {
            break;
        }
    }
    let mut out = judge(target, refusal, &rounds);
    if out.findings.is_empty() {
        let unsure = unsure.lock().ok().and_then(|mut u| u.take());
        if let Some(why) = unsure {
            out.incomplete.push(IncompleteProbe {
                probe: SPEC.id.as_str().to_owned(),
                tls_version: Some(version),
                reason: format!(
                    "with forged client-certificate headers the request without them refused \
                     (HTTP {}) was answered otherwise: {why}",
                    refused_with.unwrap_or_default()
                ),
            });
        }
        return out;
    }
    // Confirmed only where it repeats beside a refusal: the served batch twice more, and the
    // request without headers twice beside it. A server that lets every third request in
    // whatever it carries (a fleet with an open backend, a flaky check) served a batch by chance
    // (a single repeat confirmed such a server in 1 of 3 scans).
    let served_headers =
        rounds
            .iter()
            .zip(&packed)
            .zip(&planned)
            .find_map(|((round, batches), (_, fams, gate))| {
                let family = |n: &str| fams.iter().find(|f| f.name == n);
                let first_served = |seen: &[(FamilyName, Seen)]| {
                    seen.iter()
                        .find(|(_, s)| s.served())
                        .and_then(|(n, _)| family(n))
                };
                round
                    .batches
                    .iter()
                    .zip(batches)
                    .find(|(b, _)| b.seen.served())
                    .map(|(_, families)| together(families.iter().copied()))
                    .or_else(|| first_served(&round.singles).map(|f| f.headers.clone()))
                    .or_else(|| first_served(&round.aliased).map(|f| f.headers.clone()))
                    .or_else(|| first_served(&round.with_gate).map(|f| together([gate, f])))
            });
    let Some(headers) = served_headers else {
        out.findings.clear();
        out.incomplete.push(IncompleteProbe {
            probe: SPEC.id.as_str().to_owned(),
            tls_version: Some(version),
            reason: "forged client-certificate headers were served once, and what was sent \
                     could not be asked again to confirm it"
                .to_owned(),
        });
        return out;
    };
    // Through another name, the same values under names nobody reads go beside them: a site
    // that serves any request carrying enough headers (a filter that refuses bare requests)
    // lets those in too, and the certificate headers then prove nothing.
    let decoy = refusal.entrance.sibling.as_ref().map(|_| decoys(&headers));
    let (again, bare, again_2, bare_2, decoy) = tokio::join!(
        send(headers.clone()),
        send(Vec::new()),
        send(headers),
        send(Vec::new()),
        async {
            match decoy {
                Some(h) => Some(send(h).await),
                None => None,
            }
        }
    );
    let refused = |s: &Seen| !s.served() && s.unreadable().is_none();
    if again.served() && again_2.served() && refused(&bare) && refused(&bare_2) {
        // Through another name, with the valid certificate: whether the page is the protected
        // one (the same application) or another application's that trusts the headers too.
        use super::landing::{likeness_to_the_protected_page, Likeness};
        let page = match refusal.entrance.sibling {
            Some(_) => {
                likeness_to_the_protected_page(target, scan, first, version, &again, Vec::new())
                    .await
            }
            None => None,
        };
        if let (Some(page), Some(f)) = (page, out.findings.first_mut()) {
            f.detail.push_str(match page {
                Likeness::Same => {
                    " The page it served is the very page the valid certificate is served on the \
                     protected name."
                }
                Likeness::Near | Likeness::Cut => {
                    " The page it served is much like the one the valid certificate is served on \
                     the protected name, but not the same (the same application telling its \
                     caller apart, or another page on its template)."
                }
                Likeness::Other => {
                    " The page it served is not the one the valid certificate is served on the \
                     protected name: another application behind that name trusts the headers \
                     (or the same one with another page for that name)."
                }
            });
        }
        if let Some(decoy) = decoy.filter(Seen::served) {
            // The decoy's page, with the valid certificate to compare: the protected page is a
            // door all the same (any request with enough headers gets it), said so; a page much
            // like it, or cut too short to tell, is unsure.
            let likeness =
                likeness_to_the_protected_page(target, scan, first, version, &decoy, Vec::new())
                    .await;
            if let Some(Likeness::Near | Likeness::Cut) = likeness {
                out.findings.clear();
                out.incomplete.push(IncompleteProbe {
                    probe: SPEC.id.as_str().to_owned(),
                    tls_version: Some(version),
                    reason: format!(
                        "{}: forged client-certificate headers were served where the request \
                         without them was refused, and so were the same values under names no \
                         proxy sets (X-Mtls-Scan-Decoy-1 …: {}), with a page much like the one \
                         the valid certificate is served but not the same: whether any request \
                         carrying enough headers gets the protected data cannot be told",
                        refusal.entrance.words(),
                        decoy.describe()
                    ),
                });
                return out;
            }
            let protected = likeness.map(|l| l == Likeness::Same);
            if protected == Some(true) {
                if let Some(f) = out.findings.first_mut() {
                    f.detail.push_str(
                        " The same values under names no proxy sets (X-Mtls-Scan-Decoy-1 …) were \
                         served the protected page too: that site serves it to any request that \
                         carries enough headers, whatever they say.",
                    );
                }
                return out;
            }
            out.findings.clear();
            out.notes.push(format!(
                "{}: forged client-certificate headers were served where the request without \
                 them was refused, and so were the same values under names no proxy sets \
                 (X-Mtls-Scan-Decoy-1 …: {}): that site serves a request that carries enough \
                 headers, whatever they say, so the certificate headers are not what lets it \
                 in; {}",
                refusal.entrance.words(),
                decoy.describe(),
                if protected == Some(false) {
                    "the page it serves so is not the protected one (the valid certificate's \
                     page differs)"
                } else {
                    "whether the page it serves so is the protected one was not told (no \
                     `client-cert` to fetch it with)"
                }
            ));
        }
        return out;
    }
    let (again, bare) = match (again.served(), refused(&bare)) {
        (true, true) => (again_2, bare_2),
        _ => (again, bare),
    };
    out.findings.clear();
    out.incomplete.push(IncompleteProbe {
        probe: SPEC.id.as_str().to_owned(),
        tls_version: Some(version),
        reason: format!(
            "forged client-certificate headers were served once, but asked again {} and the \
             request without them {}: the server does not answer them alike every time (a \
             fleet whose backends differ, or a check that lets some requests through whatever \
             they carry), so the headers prove nothing of their own",
            again.describe(),
            bare.describe()
        ),
    });
    out
}

/// `headers`' values under names no proxy sets or application reads (`x-mtls-scan-decoy-1` …).
fn decoys(headers: &[(HeaderName, HeaderValue)]) -> Vec<(HeaderName, HeaderValue)> {
    headers
        .iter()
        .enumerate()
        .filter_map(|(i, (_, v))| {
            let name = HeaderName::from_bytes(format!("x-mtls-scan-decoy-{}", i + 1).as_bytes());
            Some((name.ok()?, v.clone()))
        })
        .collect()
}

/// The names of the families with a header that holds the verify value.
fn verifying(families: &[Family], verified: &str) -> Vec<FamilyName> {
    families
        .iter()
        .filter(|f| {
            f.headers
                .iter()
                .any(|(_, v)| v.as_bytes() == verified.as_bytes())
        })
        .map(|f| f.name.clone())
        .collect()
}

/// Whether each family of a batch is also sent alone: when the batch was served (to name the
/// one that let it in), and when it was not refused the way the anonymous request was: an
/// answer that could not be read, or another status (400, 413, 431 … from a server that takes
/// fewer headers) says nothing about each family alone.
pub(crate) fn wants_singles(together: &Seen, refused_with: Option<u16>) -> bool {
    // A busy answer (429, 502–504) to the batch would be the same to each alone: the round stays
    // unreadable, without a burst of singles at a server already refusing load.
    if together
        .status()
        .is_some_and(crate::transport::is_busy_status)
    {
        return false;
    }
    together.served() || together.unreadable().is_some() || together.status() != refused_with
}

/// How the evidence names families sent together: their short names (the name before its
/// parenthesis, and a part's header: `forwarded certificate: its x-ssl-client-cert alone`).
fn batch_label<S: AsRef<str>>(families: &[S]) -> String {
    let names: Vec<String> = families
        .iter()
        .map(|n| {
            let n = n.as_ref();
            let head = n.split(" (").next().unwrap_or(n);
            let part = n.rfind(": its ").and_then(|i| n.get(i..)).unwrap_or("");
            format!("{head}{part}")
        })
        .collect();
    format!("headers together ({})", names.join(", "))
}

/// Families sent together in one request, and what that got.
#[derive(Clone)]
struct Batch {
    families: Vec<FamilyName>,
    /// The request's header bytes ([`header_bytes`]).
    bytes: usize,
    seen: Seen,
}

impl Batch {
    /// How the evidence names it: the families' short names.
    fn label(&self) -> String {
        batch_label(&self.families)
    }
}

/// One round of forged headers: the verify value, the families in batches, and (for a batch
/// that was served, or not refused as the anonymous request was) each of its families alone.
#[derive(Clone)]
struct Round {
    verified: &'static str,
    /// The families that carry a verify header holding `verified` (`X-SSL-Client-Verify`,
    /// `ssl-client-verify`, …): a family without one that gets in alone was let in on a verify
    /// value the scan did not send.
    verifying: Vec<FamilyName>,
    batches: Vec<Batch>,
    singles: Vec<(FamilyName, Seen)>,
    /// Each family of a batch not read, and (when a batch got in and no family alone did) of
    /// that batch, sent beside the verify headers, and what that got.
    with_gate: Vec<(FamilyName, Seen)>,
    /// The [`aliased`] families, each in a request of its own, and what that got.
    aliased: Vec<(FamilyName, Seen)>,
    /// Each [`aliased`] request's header bytes, in the same order.
    aliased_bytes: Vec<usize>,
}

impl Round {
    /// Every request of the round as the evidence names it, and what it got: the batches, the
    /// families alone (`only …`), then those beside the verify headers.
    fn requests(&self) -> impl Iterator<Item = (String, &Seen)> {
        let batches = self.batches.iter().map(|b| (b.label(), &b.seen));
        let singles = self
            .singles
            .iter()
            .chain(&self.aliased)
            .map(|(n, s)| (format!("only {n}"), s));
        let gated = self
            .with_gate
            .iter()
            .map(|(n, s)| (format!("{n} with the verify headers"), s));
        batches.chain(singles).chain(gated)
    }

    /// What got in: a batch, else the first family that got in alone.
    fn served(&self) -> Option<&Seen> {
        self.batches
            .iter()
            .map(|b| &b.seen)
            .chain(self.singles.iter().map(|(_, s)| s))
            .chain(self.aliased.iter().map(|(_, s)| s))
            .chain(self.with_gate.iter().map(|(_, s)| s))
            .find(|s| s.served())
    }

    /// Why this round proves nothing, when it does not: a batch could not be read and nothing
    /// got in alone, or a family alone could not be read after its batch was not refused as the
    /// anonymous request was.
    fn unreadable(&self) -> Option<String> {
        if self.served().is_some() {
            return None;
        }
        // A batch unanswered whose families were each answered apart (beside the verify headers)
        // is a server that takes no head that large (uWSGI's 4 KB buffer closes without a word):
        // each family was read.
        let read_alone = |b: &Batch| {
            b.families.iter().all(|f| {
                self.with_gate
                    .iter()
                    .any(|(name, seen)| name == f && seen.unreadable().is_none())
            })
        };
        if let Some(why) = self
            .batches
            .iter()
            .filter(|b| !read_alone(b))
            .find_map(|b| {
                b.seen
                    .unreadable()
                    .map(|why| format!("{}: {why}", b.label()))
            })
        {
            return Some(why);
        }
        if let Some(why) = self
            .singles
            .iter()
            .find_map(|(name, s)| s.unreadable().map(|why| format!("only {name}: {why}")))
            .or_else(|| {
                self.with_gate.iter().find_map(|(name, s)| {
                    s.unreadable()
                        .map(|why| format!("{name} with the verify headers: {why}"))
                })
            })
        {
            return Some(why);
        }
        // Names with `_` or `.` the server closed or reset without an answer, in a request no
        // larger than a batch it answered: it refuses the names (Envoy resets the stream, HAProxy
        // `reject` closes), which lets nothing in. Anything else unanswered is unread: a time-out
        // or a busy answer, a head too large (413, 414, 431: the names were never read), or a
        // close of a request larger than every batch answered (a 4 KB buffer closes so).
        let largest_answered = self
            .batches
            .iter()
            .filter(|b| b.seen.status().is_some())
            .map(|b| b.bytes)
            .max();
        self.aliased
            .iter()
            .zip(
                self.aliased_bytes
                    .iter()
                    .copied()
                    .chain(std::iter::repeat(0)),
            )
            .find_map(|((name, s), bytes)| {
                if largest_answered.is_some_and(|most| bytes <= most) && names_refused(s) {
                    return None;
                }
                head_too_large(s)
                    .or_else(|| s.unreadable())
                    .map(|why| format!("only {name}: {why}"))
            })
    }
}

/// The server ended the exchange without an answer: closed the connection, or reset the HTTP/2
/// stream (not a time-out, not a busy answer). Where it answered the batches, a request of names
/// written with `_` or `.` ended so is the server refusing the names.
pub(crate) fn names_refused(seen: &Seen) -> bool {
    seen.status().is_none()
        && seen.result.alert.is_none()
        && (seen.result.closed_unanswered || seen.result.stream_reset)
}

/// Why a request answered 413, 414 or 431 proves nothing of the headers it carried: the server
/// read none of them.
fn head_too_large(seen: &Seen) -> Option<String> {
    seen.status()
        .filter(|st| matches!(st, 413 | 414 | 431))
        .map(|st| format!("HTTP {st}: the request's head was too large for the server, which read none of its headers"))
}

/// The finding of the first round served with every family at once; an unreadable round is
/// incomplete, a refused one raises nothing.
fn judge(target: &Target, refusal: &Refusal, rounds: &[Round]) -> TargetOutcome {
    let mut out = judge_served(target, refusal, rounds);
    if out.findings.is_empty() {
        let changed = changed_answer(refusal, rounds).or_else(|| refused_by_name(refusal, rounds));
        out.incomplete.extend(changed);
    }
    out
}

/// Without `client-cert` (the forged headers name the scan's own throwaway subject): forged
/// headers refused with another refusal status than the request without them, by a page of the
/// same application (its words shared, not a WAF's page wholly unlike it: FastAPI's `{"detail":
/// "client certificate required"}` then `{"detail": "unknown client"}`). The application read the
/// headers and refused the name in them: headers naming the right client may get in. Unread,
/// never a pass.
fn refused_by_name(refusal: &Refusal, rounds: &[Round]) -> Option<IncompleteProbe> {
    let anonymous = refusal.body.as_deref().filter(|b| !b.trim().is_empty())?;
    if refusal.claims_identity {
        return None;
    }
    let (what, status) = rounds.iter().find_map(|r| {
        r.requests().find_map(|(what, seen)| {
            let status = seen.status().filter(|st| matches!(st, 401 | 403))?;
            let page = seen.result.body_excerpt.as_deref()?;
            let same_app = Some(status) != refusal.status
                && !page.trim().is_empty()
                && !super::page::wholly_unlike(page, anonymous);
            same_app.then_some((what, status))
        })
    })?;
    Some(IncompleteProbe {
        probe: SPEC.id.as_str().to_owned(),
        tls_version: Some(refusal.version),
        reason: format!(
            "with forged client-certificate headers ({what}) the application refused with HTTP \
             {status} where the request without them got HTTP {}, on a page of its own: it reads \
             the headers and refused the name in them (the scan's own), so headers naming a \
             client it knows may get in. Give `client-cert`/`client-key`: the forged headers then \
             claim that certificate's subject",
            refusal.status.unwrap_or_default()
        ),
    })
}

/// Answers past a refusal: a redirect, a route or method the application does not have (what it
/// answers a request it let in on a path with nothing behind it), a conflict or a body it cannot
/// take, or 500 from an application that parsed the headers. Not 401, 403 or 406, which a WAF or
/// an edge answers odd headers with (PEM in a header, aliased names), nor a request error
/// (400, 413, 414, 431) or a busy answer.
pub(crate) fn past_the_refusal(status: u16) -> bool {
    (300..400).contains(&status) || matches!(status, 404 | 405 | 409 | 410 | 415 | 422 | 500)
}

/// Forged headers that got another answer than the refusal, one that comes past it
/// ([`past_the_refusal`]: 404 or a redirect where the anonymous request got 401/403): they changed
/// what the server did, so they are read; whether they let the request in cannot be told on this
/// path. Unread, never a pass.
fn changed_answer(refusal: &Refusal, rounds: &[Round]) -> Option<IncompleteProbe> {
    let (what, status) = rounds.iter().find_map(|r| {
        r.requests().find_map(|(what, seen)| {
            let status = seen.status()?;
            let changed = Some(status) != refusal.status && past_the_refusal(status);
            changed.then(|| (format!("{what} (verify = {})", r.verified), status))
        })
    })?;
    Some(IncompleteProbe {
        probe: SPEC.id.as_str().to_owned(),
        tls_version: Some(refusal.version),
        reason: format!(
            "with forged client-certificate headers the server answered HTTP {status} where the \
             request without them was refused (HTTP {}): {what}. The headers change its answer; \
             whether they let the request in cannot be told on this path: scan one that answers \
             2xx to a valid certificate (a path with something behind it)",
            refusal.status.unwrap_or_default()
        ),
    })
}

/// How the reason of a round that could not be read begins ([`judge_served`]).
const UNREAD_ROUND: &str = "verify value ";

/// Whether an incomplete reason of [`spoof`] is a round whose requests went unanswered (not a
/// WebSocket path's answer to a plain request, which no later ask would read either).
fn unanswered_look(reason: &str) -> bool {
    reason.starts_with(UNREAD_ROUND) && !reason.contains("WebSocket")
}

/// The finding of the first round served, and the rounds that could not be read.
fn judge_served(target: &Target, refusal: &Refusal, rounds: &[Round]) -> TargetOutcome {
    let version = refusal.version;
    let mut out = TargetOutcome::default();
    for r in rounds {
        if let Some(why) = r.unreadable() {
            out.incomplete.push(IncompleteProbe {
                probe: SPEC.id.as_str().to_owned(),
                tls_version: Some(version),
                reason: format!("{UNREAD_ROUND}{}: {why}", r.verified),
            });
            continue;
        }
        let Some(got_in) = r.served() else {
            continue;
        };
        out.findings.push(finding(target, refusal, r, got_in));
        break;
    }
    out
}

fn finding(target: &Target, refusal: &Refusal, round: &Round, got_in: &Seen) -> Finding {
    let verified = round.verified;
    let doors = |sent: &[(FamilyName, Seen)]| -> Vec<FamilyName> {
        sent.iter()
            .filter(|(_, s)| s.served())
            .map(|(n, _)| n.clone())
            .collect()
    };
    let mut alone = doors(&round.singles);
    alone.extend(doors(&round.aliased));
    let beside_gate = doors(&round.with_gate);
    // What was shown to get in: a family that got in alone without any verify header of the
    // scan's was let in on no verify value of the scan's (the one the application read, if any,
    // was the proxy's own: HAProxy's `%[ssl_c_verify]` is 0 without a certificate), so the
    // value the batch carried is not named.
    let without_verify = !alone.is_empty() && alone.iter().all(|n| !round.verifying.contains(n));
    let which = if without_verify {
        format!(
            "{}, sent without any verify header (the application needed none of the scan's: \
             none at all, or one its proxy sets itself, as HAProxy's %[ssl_c_verify] is 0 \
             without a certificate)",
            alone.join("; ")
        )
    } else if !alone.is_empty() {
        alone.join("; ")
    } else if !beside_gate.is_empty() {
        format!(
            "{}, each beside the verify headers (X-SSL-Client-Verify, ssl-client-verify, \
             X-Client-Verify, SSL_CLIENT_VERIFY = {verified})",
            beside_gate.join("; ")
        )
    } else {
        "only the headers together".to_owned()
    };
    let version = refusal.version;
    let (with, also) = if refusal.stranger {
        (
            "with a certificate of the staging CA for a name of its own (a stranger's: the TLS \
             layer verified it and let it through, the application refused its name)",
            "that certificate and ",
        )
    } else if refusal.cert.is_some() {
        (
            "with a certificate from a CA minted for this scan (the TLS layer let it through the \
             handshake, where a client without one is refused)",
            "that certificate and ",
        )
    } else {
        ("without a certificate", "")
    };
    let shown = if without_verify {
        String::new()
    } else {
        format!(" (verify = {verified})")
    };
    let (asked, sibling) = match refusal.entrance.sibling {
        Some(_) => (
            format!(
                "{}, asked for the protected path,",
                refusal.entrance.words()
            ),
            " The protected name refuses such a client, but this sibling site asks for no \
             certificate and passes the client's headers on to an application that trusts them: \
             strip them (or set them) on every site and listener in front of it, not only on the \
             protected one.",
        ),
        None => (target.authority(), ""),
    };
    let tried = if refusal.again == Again::Apart {
        format!(
            "(Tried on {version} after the newest version refused them: the first wave showed \
             this server answering the two versions apart.)"
        )
    } else if refusal.again == Again::Alike {
        format!(
            "(Tried on {version} after the newest version refused them: a proxy may route each \
             version to a backend of its own, as this one does.)"
        )
    } else if refusal.again == Again::Http1 {
        format!(
            "(Sent over HTTP/1.1 on {version} after they were refused over h2: the proxy clears \
             or sets them for h2 requests alone; clear them for every protocol.)"
        )
    } else if refusal.again == Again::Post {
        format!(
            "(Sent with POST on {version} after they were refused with GET: the proxy clears or \
             sets them for some methods alone, or routes the others to a backend that trusts \
             the client's copy; clear them for every method.)"
        )
    } else {
        format!(
            "(Tried on {version} alone: headers are read after TLS, so every version the server \
             speaks is likely open alike.)"
        )
    };
    let mut f = Finding::new(
        FindingId::ClientCertHeaderSpoofing,
        format!(
            "{version}: {with}, {asked} did not serve the request (HTTP {}); with {also}forged \
             headers a proxy sets{shown} it {}. Let in by: {which}. {tried}{sibling}",
            refusal.status.unwrap_or_default(),
            super::landing::answer_words(got_in)
        ),
    );
    f.tls_versions = vec![version];
    if let (Some(name), Some(host)) = (&refusal.entrance.sibling, &refusal.entrance.host) {
        f.evidence.insert(
            "door".to_owned(),
            format!(
                "SNI {}, Host {}",
                crate::text::sanitize(name.as_bytes(), 253),
                crate::text::sanitize(host.as_bytes(), 260)
            ),
        );
        f.sni_names = vec![super::side_door::recorded_name(name)];
    }
    // Every request under a key of its own: a second with the same label gets its rank.
    let mut add = |key: String, seen: &Seen| {
        let mut unique = key.clone();
        let mut rank = 1;
        while f.evidence.contains_key(&unique) {
            rank += 1;
            unique = format!("{key} ({rank})");
        }
        f.evidence.insert(unique, seen.describe());
    };
    for (what, seen) in round.requests() {
        add(what, seen);
    }
    f
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::Severity;
    use crate::probe::side_door::recorded::{failed, http, inconclusive};
    use crate::transport::Sni;

    fn target() -> Target {
        Target::parse("https://secure.test/admin").unwrap_or_else(|e| panic!("{e}"))
    }

    /// The anonymous client's refusal on `version`, with `status`.
    fn anonymous(version: TlsVersion, status: Option<u16>) -> Refusal {
        Refusal {
            version,
            status,
            cert: None,
            stranger: false,
            body: Some("client certificate required".to_owned()),
            claims_identity: false,
            entrance: Entrance::default(),
            again: Again::First,
        }
    }

    /// How the evidence names every family sent together (the rounds built here).
    const ALL: &str = "headers together (X-SSL-Client-Verify, ssl-client-verify, X-Client-Verify, forwarded user, the common name, forwarded certificate, forwarded certificate as base64 DER, certificate presence flags, forwarded subject DN, one-line form, forwarded SHA-256 fingerprint, lower-case hex, forwarded user, one-line subject, forwarded fingerprint and serial, upper-case hex, forwarded subject DN, a space after each comma, forwarded fingerprint, lower-case hex, forwarded subject DN, X-SSL-Subject, X-SSL-certificate, client address 127.0.0.1, client address 10.0.0.1, forwarded scheme http, X-Forwarded-Client-Cert, X-Forwarded-Tls-Client-Cert, X-Amzn-Mtls-Clientcert, CloudFront-Viewer-Cert-Present, Cf-Cert-Verified, X-Client-Cert-Chain-Verified, client address 172.17.0.1, Client-Cert, client address 192.168.1.1, forwarded SHA-256 fingerprint, upper-case hex, X-ARR-ClientCert, SSL_CLIENT_VERIFY, SSL_CLIENT_CERT …, ssl_client_cert as one-line PEM, ssl_client_escaped_cert, SSL_CLIENT_VERIFY, SSL_CLIENT_CERT as base64 DER, X.SSL.Client.Verify, X.SSL.Client.S.DN, X.Client.CN …, X.Forwarded.Tls.Client.Cert, X.SSL.Client.Cert, X.Client.Cert, X.Forwarded.Client.Cert)";

    #[test]
    fn the_refusal_spoofed_is_the_first_that_is_not_nginx_s_page_which_is_said() {
        use crate::probe::recorded::obs;
        let mut nginx = obs(ProbeId::NO_CLIENT_CERT, Outcome::RefusedHttp, Some(400));
        nginx.body_excerpt =
            Some("<html><head><title>400 No required SSL certificate was sent</title>".into());
        nginx.server_header = Some("nginx".into());
        let mut app = obs(ProbeId::NO_CLIENT_CERT, Outcome::RefusedHttp, Some(403));
        app.tls_version = TlsVersion::Tls12;
        let wave = |observations: Vec<ProbeObservation>| FirstWave {
            observations,
            ..FirstWave::default()
        };
        // nginx's page on every version: nothing sent, and the report says why.
        let both = wave(vec![nginx.clone(), {
            let mut n = nginx.clone();
            n.tls_version = TlsVersion::Tls12;
            n
        }]);
        let note = refusal_to_spoof(&both).err().flatten();
        assert!(
            note.is_some_and(|n| n.contains("nginx's own certificate page")),
            "a note"
        );
        // Another refusal on another version: that one is spoofed.
        let mixed = wave(vec![nginx.clone(), app.clone()]);
        assert_eq!(
            refusal_to_spoof(&mixed).map(|o| o.http_status),
            Ok(Some(403))
        );
        // Refused in TLS, or served: nothing to get around, nothing to say.
        let tls = wave(vec![obs(
            ProbeId::NO_CLIENT_CERT,
            Outcome::RefusedTls,
            None,
        )]);
        assert_eq!(refusal_to_spoof(&tls).err(), Some(None));
    }

    #[test]
    fn an_unknown_ca_let_through_to_an_http_refusal_carries_the_headers() {
        use crate::probe::recorded::{obs, with_cert};
        let anonymous = obs(ProbeId::NO_CLIENT_CERT, Outcome::RefusedTls, None);
        let untrusted =
            |outcome, status| with_cert(obs(ProbeId::UNTRUSTED_CLIENT_CERT, outcome, status));
        let found = |observations: &[ProbeObservation]| {
            untrusted_refused_over_http(observations).map(|(v, st, _)| (v, st))
        };
        let mut tls12 = untrusted(Outcome::RefusedHttp, Some(401));
        tls12.tls_version = TlsVersion::Tls12;
        let mut anonymous12 = anonymous.clone();
        anonymous12.tls_version = TlsVersion::Tls12;
        // HAProxy crt-ignore-err: anonymous refused in the handshake, the unknown CA's 403.
        assert_eq!(
            found(&[
                anonymous.clone(),
                untrusted(Outcome::RefusedHttp, Some(403)),
                anonymous12.clone(),
                tls12.clone()
            ]),
            Some((TlsVersion::Tls13, Some(403)))
        );
        // Only on the version where the anonymous client was refused in TLS.
        let mut served = obs(ProbeId::NO_CLIENT_CERT, Outcome::RefusedHttp, Some(403));
        served.tls_version = TlsVersion::Tls13;
        assert_eq!(
            found(&[
                served,
                untrusted(Outcome::RefusedHttp, Some(403)),
                anonymous12,
                tls12
            ]),
            Some((TlsVersion::Tls12, Some(401)))
        );
        // Refused in TLS too, the TLS module's own refusal (nginx's 495), a busy answer, served
        // (the certificate probe's own finding): nothing for headers to add.
        for (outcome, status) in [
            (Outcome::RefusedTls, None),
            (Outcome::RefusedHttp, Some(495)),
            (Outcome::Answered, Some(503)),
            (Outcome::Served, Some(200)),
        ] {
            let mut seen = untrusted(outcome, status);
            seen.server_header = Some("nginx".into());
            assert_eq!(
                found(&[anonymous.clone(), seen]),
                None,
                "{outcome:?} {status:?}"
            );
        }
        // No certificate presented (the server never asked): nothing either.
        let unasked = obs(
            ProbeId::UNTRUSTED_CLIENT_CERT,
            Outcome::RefusedHttp,
            Some(403),
        );
        assert_eq!(found(&[anonymous, unasked]), None);
    }

    #[test]
    fn only_nginx_s_own_certificate_page_spares_the_forged_headers() {
        use crate::probe::recorded::obs;
        const TITLE: &str =
            "<html><head><title>400 No required SSL certificate was sent</title></head>";
        let page = |body: &str, server: Option<&str>| {
            let mut o = obs(ProbeId::NO_CLIENT_CERT, Outcome::RefusedHttp, Some(400));
            o.body_excerpt = Some(body.to_owned());
            o.server_header = server.map(str::to_owned);
            o
        };
        assert!(refused_before_any_header(&page(
            TITLE,
            Some("nginx/1.22.1")
        )));
        assert!(refused_before_any_header(&page(TITLE, Some("openresty"))));
        // `server_tokens off` and the Server header cleared: the page's own footer says it.
        assert!(refused_before_any_header(&page(
            &format!("{TITLE}<body><hr><center>nginx</center>"),
            None
        )));
        assert!(refused_before_any_header(&page(
            "<title>400 The SSL certificate error</title>",
            Some("nginx")
        )));
        // nginx's whole page as it sends it (the footer past character 200), no Server header.
        const PAGE: &str = "<html>  <head><title>400 No required SSL certificate was sent</title></head>  <body>  <center><h1>400 Bad Request</h1></center>  <center>No required SSL certificate was sent</center>  <hr><center>nginx</center>  </body>  </html>";
        let excerpt = crate::text::sanitize(
            PAGE.as_bytes(),
            crate::transport::Limits::default().excerpt_chars,
        );
        assert!(refused_before_any_header(&page(&excerpt, None)));
        // The words copied by an application, or nginx's title from another server: sent.
        assert!(!refused_before_any_header(&page(
            "No required SSL certificate was sent",
            Some("nginx")
        )));
        assert!(!refused_before_any_header(&page(TITLE, Some("gunicorn"))));
        assert!(!refused_before_any_header(&page(TITLE, None)));
        assert!(!refused_before_any_header(&page(
            r#"{"error":"client certificate required"}"#,
            Some("nginx")
        )));
        // Another status, or not a refusal: headers may reach an application.
        for status in [401, 403, 496] {
            let mut o = page(TITLE, Some("nginx"));
            o.http_status = Some(status);
            assert!(!refused_before_any_header(&o), "{status}");
        }
        let mut answered = page(TITLE, Some("nginx"));
        answered.outcome = Outcome::Answered;
        assert!(!refused_before_any_header(&answered));
    }

    fn material() -> Material {
        Material {
            pem_escaped: "-----BEGIN%20CERTIFICATE-----".to_owned(),
            pem_spaced: "-----BEGIN CERTIFICATE----- MIIB -----END CERTIFICATE-----".to_owned(),
            der_b64: "MIIB".to_owned(),
            subject: "CN=mtls-scan untrusted client,O=mtls-scan probe".to_owned(),
            subject_oneline: "/O=mtls-scan probe/CN=mtls-scan untrusted client".to_owned(),
            subject_spaced: "CN=mtls-scan untrusted client, O=mtls-scan probe".to_owned(),
            common_name: "mtls-scan untrusted client".to_owned(),
            issuer: "CN=Client CA".to_owned(),
            issuer_oneline: "/CN=Client CA".to_owned(),
            issuer_spaced: "CN=Client CA".to_owned(),
            uris: vec!["spiffe://example.org/ns/shop/sa/orders".to_owned()],
            dns_names: Vec::new(),
            sha256: "00".repeat(32),
            sha256_b64: "AAAA".to_owned(),
            sha1: "00".repeat(20),
            serial: "01".to_owned(),
        }
    }

    /// Headers of every family for a realistic minted certificate.
    fn realistic() -> Material {
        // A P-256 leaf as the scan mints it is about 500 bytes of DER.
        let der: Vec<u8> = (0..=255u8).cycle().take(520).collect();
        material_of(
            &der,
            "O=mtls-scan probe, CN=mtls-scan untrusted client",
            "O=mtls-scan tests, CN=Test Client CA".to_owned(),
        )
        .unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn every_header_is_sent_once_per_request_and_every_request_stays_small() {
        let m = realistic();
        assert_eq!(m.common_name, "mtls-scan untrusted client");
        // Escaped as nginx's $ssl_client_escaped_cert and Envoy's XFCC write it.
        assert!(
            m.pem_escaped
                .starts_with("-----BEGIN%20CERTIFICATE-----%0A"),
            "{}",
            m.pem_escaped
        );
        assert!(m.pem_escaped.ends_with("-----END%20CERTIFICATE-----%0A"));
        assert_eq!(m.sha256.len(), 64);
        assert_eq!(m.sha256_b64.len(), 44);
        assert_eq!(common_name("O=no common name"), "O=no common name");
        let fams = families(&m, "SUCCESS");
        assert_eq!(fams.len(), 36);
        // No header dropped as an invalid value: 200 headers in all, 100 distinct names.
        assert_eq!(fams.iter().map(|f| f.headers.len()).sum::<usize>(), 200);
        let all = together(&fams);
        assert_eq!(all.len(), 100);
        for needed in [
            "ssl-client-verify",
            "cf-cert-verified",
            "x-client-cert-chain-verified",
        ] {
            assert!(all.iter().any(|(n, _)| n == needed), "{needed} missing");
        }
        // Together they are ~11 KB, over the 8 KB heads of Tomcat (400) and Jetty (431): every
        // request carries at most BATCH_BYTES, and every family goes out exactly once.
        assert!(header_bytes(&all) > 8 * 1024, "{}", header_bytes(&all));
        let verify = gate(&fams, "SUCCESS");
        let packed = batches(&fams, &verify);
        assert_eq!(
            packed.len(),
            8,
            "the README counts 8 batches per verify value"
        );
        let mut sent: Vec<&str> = Vec::new();
        for b in &packed {
            let headers = together(b.iter().copied());
            assert!(
                header_bytes(&headers) <= BATCH_BYTES,
                "{}",
                header_bytes(&headers)
            );
            // A name the families of one request share carries one value in all of them (the
            // certificate as PEM, as DER and as a flag go in different requests).
            for (name, value) in b.iter().flat_map(|f| f.headers.iter()) {
                assert!(
                    headers.iter().any(|(n, v)| n == name && v == value),
                    "{name} carries two values in one request"
                );
            }
            // Every batch carries every verify header, whatever identity families it holds.
            for needed in [
                "x-ssl-client-verify",
                "ssl-client-verify",
                "x-client-verify",
            ] {
                assert!(
                    headers.iter().any(|(n, v)| n == needed && v == "SUCCESS"),
                    "{needed} missing from a batch"
                );
            }
            // Names with `_` or `.` never ride in a batch (a server refusing them would refuse it
            // all).
            assert!(headers
                .iter()
                .all(|(n, _)| !n.as_str().contains('_') && !n.as_str().contains('.')));
            sent.extend(b.iter().map(|f| f.name.as_ref()).filter(|n| *n != GATE));
        }
        let batched: Vec<&str> = fams
            .iter()
            .filter(|f| !aliased(f))
            .map(|f| f.name.as_ref())
            .collect();
        assert_eq!(sent, batched);
        assert_eq!(fams.iter().filter(|f| aliased(f)).count(), 7);
        // The X- names written with `_` (which a proxy's del-header of the X- name leaves, and
        // WSGI servers read as it) go in those requests of their own, and those written with `.`
        // (which Traefik passes beside the X- name it sets, and PHP reads as it) in four more:
        // every one with the verify value, and the certificate and subject with the X- names'.
        for f in fams.iter().filter(|f| aliased(f)) {
            let sep = if f.headers.iter().any(|(n, _)| n.as_str().contains('.')) {
                "."
            } else {
                "_"
            };
            for alias in ["x_ssl_client_verify", "x_client_verify"] {
                let alias = alias.replace('_', sep);
                assert!(
                    f.headers
                        .iter()
                        .any(|(n, v)| n.as_str() == alias && v == "SUCCESS"),
                    "{alias} missing from {}",
                    f.name
                );
            }
        }
        // The subject under the X- name written each way.
        for alias in ["x_ssl_client_s_dn", "x.ssl.client.s.dn"] {
            assert!(fams
                .iter()
                .any(|f| f.headers.iter().any(|(n, _)| n.as_str() == alias)));
        }
        // Each request of aliased names stays within a batch's size with the scan's own minted
        // certificate, and within an 8 KB head limit with a user's RSA-4096 one (a 1.5 KB leaf:
        // the four forms of it in one request came to 9 KB, a 431 read as the names refused).
        let big = material_of(
            &(0..=255u8).cycle().take(1_500).collect::<Vec<u8>>(),
            "O=example, CN=a client with an RSA-4096 key",
            "O=example, CN=Client CA".to_owned(),
        )
        .unwrap_or_else(|e| panic!("{e}"));
        for (material, most) in [(&m, BATCH_BYTES), (&big, 8 * 1024)] {
            for f in families(material, "SUCCESS").iter().filter(|f| aliased(f)) {
                let bytes = header_bytes(&f.headers);
                assert!(bytes <= most, "{}: {bytes} bytes", f.name);
            }
        }
        // A user's certificate (RSA-2048's 871 bytes of DER, RSA-4096's 1,383): a family that
        // would hold it several times past FAMILY_BYTES goes in parts, one copy each beside the
        // family's small headers, and not one header is lost (uWSGI's 4 KB buffer closed the
        // forwarded-certificate family whole, 5.6 KB, without an answer: exit 3).
        for size in [871usize, 1_383] {
            let user = material_of(
                &(0..=255u8).cycle().take(size).collect::<Vec<u8>>(),
                "O=example, CN=a client with an RSA key",
                "O=example, CN=Client CA".to_owned(),
            )
            .unwrap_or_else(|e| panic!("{e}"));
            let fams = families(&user, "SUCCESS");
            let mut parted = 0;
            for f in &fams {
                let large = f.headers.iter().filter(|(_, v)| v.len() > LARGE_VALUE);
                assert!(
                    header_bytes(&f.headers) <= FAMILY_BYTES || large.count() <= 1,
                    "{size}: {}: {} bytes",
                    f.name,
                    header_bytes(&f.headers)
                );
                if f.name.ends_with(" alone") {
                    parted += 1;
                    assert!(
                        header_bytes(&f.headers) <= 2_560,
                        "{size}: {}: {} bytes",
                        f.name,
                        header_bytes(&f.headers)
                    );
                }
            }
            assert!(parted >= 9, "{size}: {parted} parts");
            let sent = |fams: &[Family]| {
                let mut all: Vec<String> = fams
                    .iter()
                    .flat_map(|f| &f.headers)
                    .map(|(n, v)| format!("{n}: {}", v.to_str().unwrap_or("?")))
                    .collect();
                all.sort();
                all.dedup();
                all
            };
            assert_eq!(
                sent(&whole_families(&user, "SUCCESS")),
                sent(&fams),
                "{size}"
            );
            // Every batch has a label of its own in the evidence (the parts of a family cut to
            // its short name were one label for four batches, each overwriting the last).
            let verify = gate(&fams, "SUCCESS");
            let mut labels: Vec<String> = batches(&fams, &verify)
                .iter()
                .map(|b| {
                    let names: Vec<&str> = b
                        .iter()
                        .map(|f| f.name.as_ref())
                        .filter(|n| *n != GATE)
                        .collect();
                    batch_label(&names)
                })
                .collect();
            let count = labels.len();
            labels.sort();
            labels.dedup();
            assert_eq!(labels.len(), count, "{size}: {labels:?}");
            // The parts of the `_` families keep their verify names (still aliased, sent alone).
            for f in fams.iter().filter(|f| f.name.ends_with(" alone")) {
                if f.headers.iter().any(|(n, _)| n.as_str().contains('_')) {
                    assert!(
                        f.headers
                            .iter()
                            .any(|(n, v)| n.as_str().contains("verify") && v == "SUCCESS"),
                        "{}",
                        f.name
                    );
                }
            }
        }
        // The scan's own certificate: every family whole, as the README counts them.
        assert!(fams.iter().all(|f| !f.name.ends_with(" alone")));
        // Traefik's own header, as a dotted alias, carrying the certificate as it writes it.
        assert!(fams.iter().any(|f| f
            .headers
            .iter()
            .any(|(n, v)| n == "x.forwarded.tls.client.cert" && v == &m.der_b64)));
        assert!(fams.iter().filter(|f| aliased(f)).any(|f| f
            .headers
            .iter()
            .any(|(n, v)| n == "x_ssl_client_cert" && v == &m.der_b64)));
        // The forms proxies write: RFC 2253 (nginx, mod_ssl, Envoy), OpenSSL's one line (HAProxy).
        assert_eq!(m.subject, "CN=mtls-scan untrusted client,O=mtls-scan probe");
        assert_eq!(
            m.subject_oneline,
            "/O=mtls-scan probe/CN=mtls-scan untrusted client"
        );
        assert_eq!(m.issuer_oneline, "/O=mtls-scan tests/CN=Test Client CA");
        assert_eq!(
            m.subject_spaced,
            "CN=mtls-scan untrusted client, O=mtls-scan probe"
        );
        assert_eq!(
            crate::identity::dn_forms("O=a\\b, CN=x + UID=1, CN= lead#"),
            (
                "CN=\\ lead#,CN=x+UID=1,O=a\\\\b".to_owned(),
                "/O=a\\b/CN=x+UID=1/CN= lead#".to_owned(),
                "CN=\\ lead#, CN=x+UID=1, O=a\\\\b".to_owned()
            )
        );
        // Every subject header name goes in each of the three forms (a backend allowlisting
        // `X-Client-DN` as HAProxy writes it, or as Java does, was A, exit 0).
        for (form, value) in [
            ("RFC 2253", &m.subject),
            ("one-line", &m.subject_oneline),
            ("spaced", &m.subject_spaced),
        ] {
            for name in ["x-client-dn", "x-ssl-client-s-dn", "ssl-client-subject-dn"] {
                assert!(
                    fams.iter().any(|f| f
                        .headers
                        .iter()
                        .any(|(n, v)| n == name && v == value.as_str())),
                    "{name} in the {form} form"
                );
            }
        }
        // The SHA-256 under the names the SHA-1 goes by too, in both cases (Caddy's fingerprint
        // placeholder is SHA-256 in lower case; a backend pinning it was A, exit 0), each in a
        // batch of its own beside no SHA-1 of that name.
        for (name, value) in [
            ("x-client-cert-fingerprint", m.sha256.clone()),
            ("x-ssl-client-fingerprint", m.sha256.to_ascii_uppercase()),
            ("x-ssl-client-fingerprint", m.sha1.clone()),
        ] {
            assert!(
                packed.iter().any(|b| together(b.iter().copied())
                    .iter()
                    .any(|(n, v)| n == name && v == value.as_str())),
                "{name}: {value} in no batch"
            );
        }
        // The other verify value: every family again, the verify headers holding it.
        let zero = families(&m, "0");
        assert_eq!(zero.len(), 36);
        let verify_zero = gate(&zero, "0");
        assert_eq!(verify_zero.headers.len(), 3);
        assert!(verify_zero.headers.iter().all(|(_, v)| v == "0"));
    }

    /// The fingerprint families carry the certificate's SHA-1 in both letter cases and its real
    /// serial as nginx and HAProxy write it (the magnitude's bytes: DER's sign byte dropped).
    #[test]
    fn the_fingerprint_families_carry_the_sha1_and_the_real_serial() {
        let mut params = rcgen::CertificateParams::new(vec!["client.test".to_owned()])
            .unwrap_or_else(|e| panic!("{e}"));
        params.serial_number = Some(rcgen::SerialNumber::from(vec![0x80, 0x01, 0xab]));
        let key = rcgen::KeyPair::generate().unwrap_or_else(|e| panic!("{e}"));
        let cert = params.self_signed(&key).unwrap_or_else(|e| panic!("{e}"));
        let der = cert.der().to_vec();
        let m = material_of(&der, "CN=client.test", "CN=client.test".to_owned())
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(m.serial, "8001AB");
        let sha1: String =
            aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA1_FOR_LEGACY_USE_ONLY, &der)
                .as_ref()
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect();
        let fams = families(&m, "SUCCESS");
        let value_of = |label: &str, name: &str| {
            fams.iter()
                .find(|f| f.name.starts_with(label))
                .and_then(|f| f.headers.iter().find(|(n, _)| n == name))
                .and_then(|(_, v)| v.to_str().ok().map(str::to_owned))
        };
        let upper = "forwarded fingerprint and serial, upper-case";
        let lower = "forwarded fingerprint, lower-case";
        assert_eq!(
            value_of(upper, "x-ssl-client-sha1"),
            Some(sha1.to_ascii_uppercase())
        );
        assert_eq!(
            value_of(lower, "x-ssl-client-fingerprint"),
            Some(sha1.clone())
        );
        assert_eq!(
            value_of(upper, "x-ssl-client-serial").as_deref(),
            Some("8001AB")
        );
        assert_eq!(
            value_of("X-SSL-Subject", "x-ssl-serial").as_deref(),
            Some("8001AB")
        );
    }

    /// A round whose families, sent together in one request, got `all`; each family alone gets
    /// `alone(name)`.
    /// (`alone`'s answers go where `spoof` sends them: each family alone after a batch that got
    /// in, beside the verify headers after one that did not.)
    fn round(verified: &'static str, all: Seen, alone: impl Fn(&str) -> Option<Seen>) -> Round {
        let fams = families(&material(), verified);
        let apart: Vec<(FamilyName, Seen)> = fams
            .iter()
            .filter_map(|f| Some((f.name.clone(), alone(&f.name)?)))
            .collect();
        let (singles, with_gate) = if all.served() {
            (apart, Vec::new())
        } else {
            (Vec::new(), apart)
        };
        Round {
            verified,
            verifying: verifying(&fams, verified),
            batches: vec![Batch {
                bytes: 4000,
                families: fams.iter().map(|f| f.name.clone()).collect(),
                seen: all,
            }],
            singles,
            with_gate,
            aliased: Vec::new(),
            aliased_bytes: Vec::new(),
        }
    }

    /// A batch got in, no family alone did, the subject DN family beside the verify headers did
    /// (an application that wants X-SSL-Client-Verify: 0 and an X-SSL-Client-CN): named so.
    #[test]
    fn a_door_that_needs_the_verify_header_and_an_identity_is_named_with_both() {
        let mut r = round("0", http(200, "secret"), |_| Some(http(403, "no")));
        r.with_gate = families(&material(), "0")
            .iter()
            .map(|f| {
                let seen = if f.name.starts_with("forwarded subject DN") {
                    http(200, "secret")
                } else {
                    http(403, "no")
                };
                (f.name.clone(), seen)
            })
            .collect();
        let out = judge(&target(), &anonymous(TlsVersion::Tls13, Some(403)), &[r]);
        assert_eq!(out.findings.len(), 1);
        let f = &out.findings[0];
        assert!(
            f.detail.contains("Let in by: forwarded subject DN")
                && f.detail.contains("each beside the verify headers")
                && f.detail.contains("= 0)"),
            "{}",
            f.detail
        );
        assert!(f.evidence.keys().any(
            |k| k.starts_with("forwarded subject DN") && k.ends_with("with the verify headers")
        ));
    }

    fn refused(verified: &'static str, status: u16) -> Round {
        round(verified, http(status, "forbidden"), |_| None)
    }

    fn ids(out: &TargetOutcome) -> Vec<(FindingId, Severity, Vec<TlsVersion>)> {
        out.findings
            .iter()
            .map(|f| (f.id, f.severity, f.tls_versions.clone()))
            .collect()
    }

    /// H3 (a vhost audit): HAProxy `set-header X-SSL-Client-Verify %[ssl_c_verify]` without
    /// `if { ssl_c_used }` hands the backend its own `0` for a client without a certificate; a
    /// backend that wants `0` and any subject lets the forged subject alone in. The scan's
    /// `SUCCESS` never reached it: the text does not say it got in with it.
    #[test]
    fn a_family_let_in_without_any_verify_header_names_no_verify_value() {
        let subject = "forwarded subject DN (X-SSL-Client-S-DN";
        let rounds = [round("SUCCESS", http(200, "secret area"), |name| {
            Some(if name.starts_with(subject) {
                http(200, "secret area")
            } else {
                http(403, "client certificate required")
            })
        })];
        let out = judge(&target(), &anonymous(TlsVersion::Tls13, Some(403)), &rounds);
        let f = &out.findings[0];
        assert!(!f.detail.contains("verify = SUCCESS"), "{}", f.detail);
        assert!(
            f.detail.contains(
                "with forged headers a proxy sets it served HTTP 200. Let in by: forwarded \
                 subject DN"
            ) && f.detail.contains("sent without any verify header"),
            "{}",
            f.detail
        );
        // The verify family itself alone: its value is what was shown.
        let rounds = [round("0", http(200, "secret area"), |name| {
            Some(if name.starts_with("X-SSL-Client-Verify") {
                http(200, "secret area")
            } else {
                http(403, "no")
            })
        })];
        let out = judge(&target(), &anonymous(TlsVersion::Tls13, Some(403)), &rounds);
        assert!(out.findings[0]
            .detail
            .contains("(verify = 0) it served HTTP 200"));
        assert!(!out.findings[0].detail.contains("without any verify header"));
    }

    #[test]
    fn served_with_forged_headers_names_the_family_that_let_it_in() {
        let rounds = [round("SUCCESS", http(200, "admin console"), |name| {
            Some(if name.starts_with("X-SSL-Client-Verify") {
                http(200, "admin console")
            } else {
                http(403, "forbidden")
            })
        })];
        let out = judge(&target(), &anonymous(TlsVersion::Tls12, Some(403)), &rounds);
        assert_eq!(
            ids(&out),
            [(
                FindingId::ClientCertHeaderSpoofing,
                Severity::Critical,
                vec![TlsVersion::Tls12]
            )]
        );
        assert!(out.incomplete.is_empty());
        let f = &out.findings[0];
        assert_eq!(
            f.detail,
            "TLS 1.2: without a certificate, secure.test did not serve the request (HTTP 403); with \
             forged headers a proxy sets (verify = SUCCESS) it served HTTP 200. Let in by: \
             X-SSL-Client-Verify (HAProxy/nginx convention). (Tried on TLS 1.2 alone: headers \
             are read after TLS, so every version the server speaks is likely open alike.)"
        );
        assert_eq!(
            f.evidence.get(ALL).map(String::as_str),
            Some("no CertificateRequest; HTTP 200; body \"admin console\"")
        );
        // One piece of evidence per family, besides them together.
        assert_eq!(f.evidence.len(), families(&material(), "SUCCESS").len() + 1);
    }

    /// Through a sibling name's own `Host`: the finding names the name and its `Host` (escaped),
    /// says what to strip where, and records the name for a baseline's comparison.
    #[test]
    fn a_door_through_a_sibling_s_own_host_is_named_so() {
        let rounds = [round("SUCCESS", http(200, "admin console"), |name| {
            Some(if name.starts_with("X-SSL-Client-Verify") {
                http(200, "admin console")
            } else {
                http(403, "forbidden")
            })
        })];
        let mut refusal = anonymous(TlsVersion::Tls13, Some(403));
        refusal.entrance = Entrance {
            sni: Sni::Name("public.test".to_owned()),
            host: Some("public.test:8443\u{1b}[31m".to_owned()),
            sibling: Some("public.test".to_owned()),
        };
        let out = judge(&target(), &refusal, &rounds);
        let f = &out.findings[0];
        assert_eq!(
            f.detail,
            "TLS 1.3: without a certificate, SNI public.test with its own Host \
             public.test:8443 [31m (another name of this server), asked for the protected \
             path, did not serve the request (HTTP 403); with forged headers a proxy sets \
             (verify = SUCCESS) it served HTTP 200. Let in by: X-SSL-Client-Verify (HAProxy/nginx \
             convention). (Tried on TLS 1.3 alone: headers are read after TLS, so every version \
             the server speaks is likely open alike.) The protected name refuses such a client, \
             but this sibling site asks for no certificate and passes the client's headers on to \
             an application that trusts them: strip them (or set them) on every site and \
             listener in front of it, not only on the protected one."
        );
        assert_eq!(
            f.evidence.get("door").map(String::as_str),
            Some("SNI public.test, Host public.test:8443 [31m")
        );
        assert_eq!(f.sni_names, ["SNI public.test"]);
        // The protected name's own door says nothing of a sibling.
        let front = judge(&target(), &anonymous(TlsVersion::Tls13, Some(403)), &rounds);
        assert!(!front.findings[0].evidence.contains_key("door"));
        assert!(front.findings[0].sni_names.is_empty());
    }

    #[test]
    fn served_only_with_every_header_after_a_refused_success_round() {
        let rounds = [
            refused("SUCCESS", 401),
            round("0", http(200, "admin console"), |_| Some(http(401, "no"))),
        ];
        let out = judge(&target(), &anonymous(TlsVersion::Tls13, Some(401)), &rounds);
        assert_eq!(
            ids(&out),
            [(
                FindingId::ClientCertHeaderSpoofing,
                Severity::Critical,
                vec![TlsVersion::Tls13]
            )]
        );
        let detail = &out.findings[0].detail;
        assert!(
            detail.contains("(verify = 0) it served HTTP 200")
                && detail.contains("Let in by: only the headers together. (Tried on TLS 1.3 alone"),
            "{detail}"
        );
    }

    #[test]
    fn refusals_of_the_forged_headers_raise_nothing() {
        for status in [400, 401, 403] {
            let rounds = [refused("SUCCESS", status), refused("0", status)];
            let out = judge(
                &target(),
                &anonymous(TlsVersion::Tls13, Some(status)),
                &rounds,
            );
            assert!(out.findings.is_empty(), "{status}: {:?}", ids(&out));
            assert!(out.incomplete.is_empty(), "{status}");
        }
        // A request error to the forged headers (a proxy that takes no such header), or a WAF's
        // 403/406 where the application answered 401, says nothing of them.
        for status in [400, 431, 403, 406] {
            let rounds = [
                round("SUCCESS", http(status, "bad"), |_| None),
                refused("0", 401),
            ];
            let out = judge(&target(), &anonymous(TlsVersion::Tls13, Some(401)), &rounds);
            assert!(
                out.findings.is_empty() && out.incomplete.is_empty(),
                "{status}"
            );
        }
    }

    /// mod_ssl's `SSL_CLIENT_*` names go alone: unanswered where the batches were answered (Envoy
    /// resets a request with `_` in a name), the server refused them, which lets nothing in;
    /// served, they are the door.
    #[test]
    fn underscored_names_refused_by_the_server_leave_nothing_unread() {
        const MODSSL: &str =
            "SSL_CLIENT_VERIFY, SSL_CLIENT_CERT … (Apache mod_ssl names, Keycloak's Apache lookup)";
        let mut reset = refused("SUCCESS", 403);
        let mut stream_reset = failed("stream reset by the peer (REFUSED_STREAM)");
        stream_reset.result.stream_reset = true;
        reset.aliased = vec![(MODSSL.into(), stream_reset.clone())];
        reset.aliased_bytes = vec![1200];
        let out = judge(
            &target(),
            &anonymous(TlsVersion::Tls13, Some(403)),
            &[reset.clone(), refused("0", 403)],
        );
        assert!(
            out.findings.is_empty() && out.incomplete.is_empty(),
            "{:?}",
            out.incomplete
        );
        // Not the server refusing the names, so unread: a time-out, a busy answer, a head too
        // large for it (431), and a close of a request larger than every batch it answered (a
        // 4 KB buffer closes so: the reviewer's uWSGI and lighttpd read nothing of the names).
        let mut closed = failed("no HTTP response: connection closed");
        closed.result.closed_unanswered = true;
        for (seen, bytes) in [
            (failed("timed out after 5 s"), 1200),
            (http(503, "busy"), 1200),
            (http(431, "Request Header Fields Too Large"), 9000),
            (closed.clone(), 9000),
            (stream_reset, 9000),
        ] {
            let mut round = reset.clone();
            round.aliased = vec![(MODSSL.into(), seen.clone())];
            round.aliased_bytes = vec![bytes];
            let out = judge(
                &target(),
                &anonymous(TlsVersion::Tls13, Some(403)),
                &[round, refused("0", 403)],
            );
            assert!(
                out.findings.is_empty()
                    && out
                        .incomplete
                        .iter()
                        .any(|i| i.reason.contains(&format!("only {MODSSL}"))),
                "{:?} ({bytes} bytes): {:?}",
                seen.result,
                out.incomplete
            );
        }
        // The same close of a request no larger than a batch answered: the names refused.
        let mut round = reset.clone();
        round.aliased = vec![(MODSSL.into(), closed)];
        let out = judge(
            &target(),
            &anonymous(TlsVersion::Tls13, Some(403)),
            &[round, refused("0", 403)],
        );
        assert!(out.incomplete.is_empty(), "{:?}", out.incomplete);
        let mut served = refused("SUCCESS", 403);
        served.aliased = vec![(MODSSL.into(), http(200, "secret"))];
        let out = judge(
            &target(),
            &anonymous(TlsVersion::Tls13, Some(403)),
            &[served],
        );
        assert!(
            out.findings.first().is_some_and(|f| f
                .detail
                .contains("Let in by: SSL_CLIENT_VERIFY, SSL_CLIENT_CERT …")),
            "{:?}",
            ids(&out)
        );
    }

    /// FastAPI reading `X-Client-Cert` itself: 401 `{"detail": "client certificate
    /// required"}` without it, 403 `{"detail": "unknown client"}` to the scan's own name in it.
    /// Without `client-cert` that is unread (a header naming a known client may get in); a WAF's
    /// 403 page wholly unlike the application's, or the same answer with `client-cert` (the
    /// right name refused), raises nothing.
    #[test]
    fn forged_headers_refused_by_name_without_an_identity_are_unread() {
        let mut anon = anonymous(TlsVersion::Tls13, Some(401));
        anon.body = Some(r#"{"detail":"client certificate required"}"#.to_owned());
        let by_name = [round(
            "SUCCESS",
            http(403, r#"{"detail":"unknown client"}"#),
            |_| None,
        )];
        let out = judge(&target(), &anon, &by_name);
        assert!(out.findings.is_empty(), "{:?}", ids(&out));
        assert!(
            out.incomplete.first().is_some_and(|i| i
                .reason
                .contains("refused with HTTP 403 where the request without them got HTTP 401")
                && i.reason.contains("Give `client-cert`")),
            "{:?}",
            out.incomplete
        );
        let waf = [round(
            "SUCCESS",
            http(
                403,
                "<html><h1>Request blocked</h1><p>Cloud firewall rule 1234</p></html>",
            ),
            |_| None,
        )];
        assert!(judge(&target(), &anon, &waf).incomplete.is_empty());
        // The same from a request of names written with `.` alone (Traefik's passTLSClientCert
        // before an application allowlisting the certificate it reads there: the reviewer's,
        // B, exit 0 before), the batches refused as the request without them.
        let mut dotted = refused("SUCCESS", 401);
        for b in &mut dotted.batches {
            b.seen = http(401, r#"{"detail":"client certificate required"}"#);
        }
        dotted.aliased = vec![(
            "X.Forwarded.Tls.Client.Cert (Traefik's header written with `.`)".into(),
            http(403, r#"{"detail":"unknown client"}"#),
        )];
        let out = judge(&target(), &anon, &[dotted]);
        assert!(
            out.incomplete
                .first()
                .is_some_and(|i| i.reason.contains("X.Forwarded.Tls.Client.Cert")),
            "{:?}",
            out.incomplete
        );
        anon.claims_identity = true;
        assert!(judge(&target(), &anon, &by_name).incomplete.is_empty());
    }

    /// Another answer than the refusal, not a 2xx (a redirect, 404 where the request without
    /// headers got 403): the headers changed what the server did, and whether they let the
    /// request in cannot be told on this path. No finding, never a pass: unread.
    #[test]
    fn forged_headers_that_change_the_answer_leave_the_probe_unread() {
        let rounds = [
            round("SUCCESS", http(302, ""), |_| None),
            round("0", http(404, "not found"), |_| None),
        ];
        let out = judge(&target(), &anonymous(TlsVersion::Tls13, Some(403)), &rounds);
        assert!(out.findings.is_empty(), "{:?}", ids(&out));
        assert_eq!(out.incomplete.len(), 1);
        let reason = &out.incomplete[0].reason;
        assert!(
            reason.contains(
                "answered HTTP 302 where the request without them was refused (HTTP 403)"
            ) && reason.contains("(verify = SUCCESS)"),
            "{reason}"
        );
        // Only one family apart changed it (the batch was refused as the anonymous request).
        let rounds = [
            round("SUCCESS", http(403, "no"), |n| {
                n.starts_with("X-Forwarded-Client-Cert")
                    .then(|| http(500, "bad XFCC"))
            }),
            refused("0", 403),
        ];
        let out = judge(&target(), &anonymous(TlsVersion::Tls13, Some(403)), &rounds);
        assert!(
            out.incomplete
                .first()
                .is_some_and(|i| i.reason.contains("HTTP 500")
                    && i.reason
                        .contains("X-Forwarded-Client-Cert (Envoy XFCC) with the verify headers")),
            "{:?}",
            out.incomplete
        );
    }

    #[test]
    fn an_unreadable_round_is_incomplete_never_a_finding() {
        let rounds = [
            round(
                "SUCCESS",
                inconclusive("HTTP/2 GOAWAY before any response"),
                |_| None,
            ),
            refused("0", 403),
        ];
        let out = judge(&target(), &anonymous(TlsVersion::Tls13, Some(403)), &rounds);
        assert!(out.findings.is_empty(), "{:?}", ids(&out));
        assert_eq!(
            out.incomplete,
            [IncompleteProbe {
                probe: "client-cert-header-spoofing".to_owned(),
                tls_version: Some(TlsVersion::Tls13),
                reason: format!("verify value SUCCESS: {ALL}: HTTP/2 GOAWAY before any response"),
            }]
        );
    }

    /// Envoy's XFCC carries the certificate's SPIFFE ID (`URI=`) and DNS names: a service that
    /// authorises the URI read from the header lets a forged one in (before: no `URI=`, A).
    #[test]
    fn xfcc_carries_the_names_of_the_certificate() {
        let mut m = material();
        m.dns_names = vec!["orders.internal".to_owned()];
        assert_eq!(
            xfcc(&m),
            format!(
                "Hash={};Cert=\"-----BEGIN%20CERTIFICATE-----\";Subject=\"CN=mtls-scan untrusted \
                 client,O=mtls-scan probe\";URI=spiffe://example.org/ns/shop/sa/orders;DNS=orders.internal",
                "00".repeat(32)
            )
        );
        // From a real certificate's subjectAltName.
        let key = rcgen::KeyPair::generate().unwrap_or_else(|e| panic!("{e}"));
        let mut params = rcgen::CertificateParams::new(vec!["orders.internal".to_owned()])
            .unwrap_or_else(|e| panic!("{e}"));
        params.subject_alt_names.push(rcgen::SanType::URI(
            "spiffe://example.org/ns/shop/sa/orders"
                .try_into()
                .unwrap_or_else(|e| panic!("{e:?}")),
        ));
        let cert = params.self_signed(&key).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            san_uris_and_names(cert.der()),
            (
                vec!["spiffe://example.org/ns/shop/sa/orders".to_owned()],
                vec!["orders.internal".to_owned()]
            )
        );
    }

    /// A batch closed without an answer (a head over uWSGI's 4 KB buffer) whose families were
    /// each refused alone is read: no finding, nothing unread. One family alone unanswered too
    /// keeps it unread.
    #[test]
    fn a_batch_too_large_for_the_server_is_read_family_by_family() {
        let closed = || failed("connection closed before an answer");
        let r = round("SUCCESS", closed(), |_| Some(http(403, "no")));
        let out = judge(
            &target(),
            &anonymous(TlsVersion::Tls13, Some(403)),
            &[r, refused("0", 403)],
        );
        assert!(
            out.findings.is_empty() && out.incomplete.is_empty(),
            "{:?}",
            out.incomplete
        );
        let r = round("SUCCESS", closed(), |name| {
            Some(if name.starts_with("Client-Cert") {
                closed()
            } else {
                http(403, "no")
            })
        });
        let out = judge(
            &target(),
            &anonymous(TlsVersion::Tls13, Some(403)),
            &[r, refused("0", 403)],
        );
        assert_eq!(out.incomplete.len(), 1, "{:?}", out.incomplete);
    }

    /// A batch too large for the server (closed unanswered), and one family of it, sent beside
    /// the verify headers as the batch carried it, served: the door is found, named with the
    /// verify headers (the review's uWSGI with a 4 KB buffer and an application that wants
    /// `X-SSL-Client-Verify: SUCCESS` beside the forwarded certificate: B, exit 0, when the
    /// family went alone and was refused).
    #[test]
    fn a_family_of_an_unread_batch_is_tried_beside_the_verify_headers() {
        let closed = || failed("connection closed before an answer");
        let r = round("SUCCESS", closed(), |name| {
            Some(if name.starts_with("forwarded certificate (") {
                http(200, "secret")
            } else {
                http(403, "no")
            })
        });
        assert!(r.singles.is_empty() && !r.with_gate.is_empty());
        let out = judge(
            &target(),
            &anonymous(TlsVersion::Tls13, Some(403)),
            &[r, refused("0", 403)],
        );
        assert_eq!(out.findings.len(), 1, "{:?}", out.incomplete);
        let f = &out.findings[0];
        assert!(
            f.detail.contains("Let in by: forwarded certificate (")
                && f.detail.contains("each beside the verify headers"),
            "{}",
            f.detail
        );
    }

    #[test]
    fn each_batch_of_a_value_goes_on_a_connection_of_its_own() {
        // Two values of 3 batches and 2 `_` families each: batch k of each value on connection
        // k, the `_` families after them in turn.
        assert_eq!(
            connection_of_each(&[(3, 2), (3, 2)]),
            vec![0, 1, 2, 0, 1, 0, 1, 2, 2, 0]
        );
        // No request shares a connection with another batch of its value.
        let each = connection_of_each(&[(7, 3), (7, 3)]);
        assert_eq!(each.len(), 20);
        for value in [0..7, 10..17] {
            let mut seen: Vec<usize> = each[value].to_vec();
            seen.dedup();
            assert_eq!(seen, (0..7).collect::<Vec<_>>());
        }
        assert_eq!(connection_of_each(&[]), Vec::<usize>::new());
        // A user's large certificate in parts: 16 batches a value share the 8 connections.
        let each = connection_of_each(&[(16, 12), (16, 12)]);
        assert_eq!(each.len(), 56);
        assert_eq!(each.iter().max(), Some(&(FORGED_CONNECTIONS - 1)));
        assert_eq!(each[..16], each[28..44]);
        assert_eq!(each[8..16], (0..8).collect::<Vec<_>>());
    }

    #[test]
    fn every_family_carries_its_headers() {
        for verified in ["SUCCESS", "0"] {
            for f in families(&material(), verified) {
                assert!(!f.headers.is_empty(), "{}", f.name);
            }
        }
    }

    #[test]
    fn a_round_whose_connection_failed_is_incomplete() {
        let rounds = [
            round("SUCCESS", failed("connection refused"), |_| None),
            refused("0", 403),
        ];
        let out = judge(&target(), &anonymous(TlsVersion::Tls12, Some(403)), &rounds);
        assert!(out.findings.is_empty());
        let reasons: Vec<&str> = out.incomplete.iter().map(|i| i.reason.as_str()).collect();
        assert_eq!(
            reasons,
            [format!("verify value SUCCESS: {ALL}: connection refused")]
        );
    }

    #[test]
    fn headers_too_large_together_are_tried_one_family_at_a_time() {
        let ssl_verify = families(&material(), "SUCCESS")
            .first()
            .map(|f| f.name.clone())
            .unwrap_or_default();
        // Every family at once: 431 (an 8 KB head limit); X-SSL-Client-Verify alone: served.
        let all = http(431, "Request Header Fields Too Large");
        assert!(wants_singles(&all, Some(401)));
        assert!(!wants_singles(&http(401, "no"), Some(401)));
        let rounds = [round("SUCCESS", all, |name| {
            Some(if name == ssl_verify {
                http(200, "admin console")
            } else {
                http(401, "no")
            })
        })];
        let out = judge(&target(), &anonymous(TlsVersion::Tls12, Some(401)), &rounds);
        assert_eq!(
            ids(&out),
            [(
                FindingId::ClientCertHeaderSpoofing,
                Severity::Critical,
                vec![TlsVersion::Tls12]
            )]
        );
        assert!(
            out.findings[0]
                .detail
                .contains("it served HTTP 200. Let in by: "),
            "{}",
            out.findings[0].detail
        );
        // Every family refused alone: nothing; one that could not be read: incomplete.
        let refused = [round("SUCCESS", http(431, "too large"), |_| {
            Some(http(401, "no"))
        })];
        let out = judge(
            &target(),
            &anonymous(TlsVersion::Tls12, Some(401)),
            &refused,
        );
        assert!(out.findings.is_empty() && out.incomplete.is_empty());
        let unread = [round("SUCCESS", http(431, "too large"), |name| {
            Some(if name == ssl_verify {
                inconclusive("timed out")
            } else {
                http(401, "no")
            })
        })];
        let out = judge(&target(), &anonymous(TlsVersion::Tls12, Some(401)), &unread);
        assert!(out.findings.is_empty());
        assert_eq!(out.incomplete.len(), 1, "{:?}", out.incomplete);
        assert!(out.incomplete[0].reason.ends_with(": timed out"));
    }
}
