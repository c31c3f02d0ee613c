//! The ground truth: what `mtls-scan` must report on each real server ([`expectations`] for the
//! default probes, [`deep_expectations`] with the identities given), as measured with curl and
//! openssl s_client in `tests/servers/GROUND_TRUTH.md`, and the checks that compare a JSON report
//! with it. The one place that knows what each server does.

use std::fmt::Write as _;

use serde_json::Value;

use super::real_servers::{tools_present, Lab};

// ---------------------------------------------------------------------------------------------
// Expectations (the oracle), derived from tests/servers/GROUND_TRUTH.md
// ---------------------------------------------------------------------------------------------

/// What a probe must have seen on one TLS version.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Seen {
    /// Served with this 2xx status (outcome "served").
    Served(u16),
    /// Refused during or right after the handshake (outcome "refused-tls") with this alert, in
    /// rustls' spelling (`CertificateRequired`, ...), or `None` when the server just closes the
    /// connection (Node's rejectUnauthorized does).
    Tls(Option<&'static str>),
    /// Refused by nginx itself with HTTP 400 (outcome "refused-http").
    Http400,
    /// The application answered with this 4xx status (outcome "refused-http" or "answered").
    App(u16),
    /// Not deterministic on this server (see GROUND_TRUTH.md): only reported, never checked.
    Flaky,
    /// Not served: any refusal counts (outcome not "served").
    NotServed,
    /// Not run on this server, and listed in `skipped_probes` with a reason.
    Skipped,
    /// Refused at the TLS layer with this alert, or by a close without one: the server closes
    /// with our last flight unread, and its TCP reset can beat its alert to us (Mbed TLS on no
    /// certificate and on a certificate without its key: measured both ways, run after run).
    TlsOrClose(&'static str),
    /// The server does not speak this TLS version (outcome "unsupported-version"): Mbed TLS 2.28
    /// has no TLS 1.3.
    NotSpoken,
    /// Unread: every handshake on this version failed before the server's certificate (outcome
    /// "inconclusive"): uvicorn's default `--ssl-ciphers TLSv1` leaves TLS 1.2 with CBC suites
    /// alone, which the scan does not speak, and asyncio closes such a handshake without an
    /// alert, as it would close one it drops.
    UnreadBeforeCert,
}

/// How `implied_by` of an expected finding must look.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Implied {
    /// Must be null.
    Null,
    /// Null or this finding id.
    NullOr(&'static str),
    /// Anything.
    Any,
}

/// The expected verdict on one server.
#[derive(Debug, Clone)]
pub struct Expect {
    /// start.sh name.
    pub server: &'static str,
    /// "none" | "optional" | "required". `client_auth` describes the TLS layer: a handshake that
    /// completes without a certificate and is then refused by the application (401/403, or a 400
    /// that is not nginx's own) is "optional", with the info finding client-cert-enforced-by-app.
    /// "required|unknown": a server whose refusal of a client without a certificate is a close
    /// that races the request (PHP closes after its handshake): read as a refusal when it comes
    /// first, unread ("unknown", `enforced_at` null) when the request does.
    pub client_auth: &'static str,
    /// "tls" | "http" (the TLS module's own HTTP refusal: nginx's 400) | "post-handshake" |
    /// "renegotiation" | None (null).
    pub enforced_at: Option<&'static str>,
    /// Findings that must be present.
    pub findings: &'static [(&'static str, Implied)],
    /// Findings that must be absent.
    pub absent: &'static [&'static str],
    /// Some(true): grade A and no critical or high finding. Some(false): grade below A.
    pub grade_a: Option<bool>,
    /// Whether a CertificateRequest is sent (both versions).
    pub cert_requested: bool,
    /// Whether the CertificateRequest carries the trusted CA's name (false: no names, Python).
    pub ca_names: bool,
    /// The name the CertificateRequest must carry when `ca_names` (a substring of one of the
    /// `acceptable_cas`): "Test Client CA", or the pinned client certificate's own subject for
    /// stunnel `verifyPeer`.
    pub ca_name: &'static str,
    /// The server asks for the certificate only after the request (Apache's per-location
    /// `SSLVerifyClient require`: TLS 1.3 post-handshake auth, TLS 1.2 renegotiation). The
    /// report has one `enforced_at` for both versions, so "post-handshake" and "renegotiation"
    /// are both accepted; `cert_requested`, `ca_names` and the default forged probe are not
    /// checked (they describe the initial handshake, which asks for nothing).
    pub late_auth: bool,
    /// The `no-client-cert` probe, [TLS 1.3, TLS 1.2].
    pub no_cert: [Seen; 2],
    /// The `untrusted-client-cert` probe, [TLS 1.3, TLS 1.2].
    pub untrusted: [Seen; 2],
}

/// Every finding that is about certificates (none may appear when no certificate is requested).
pub const CERT_FINDINGS: &[&str] = &[
    "client-cert-optional",
    "untrusted-client-cert-accepted",
    "client-cert-enforced-by-app",
    "forged-client-cert-accepted",
    "client-key-possession-not-verified",
    "expired-client-cert-accepted",
    "not-yet-valid-client-cert-accepted",
    "wrong-eku-client-cert-accepted",
    "lookalike-client-cert-accepted",
];

const NOT_REQUESTED_ABSENT: &[&str] = CERT_FINDINGS;
const GOOD_ABSENT: &[&str] = &[
    "client-cert-not-requested",
    "client-cert-optional",
    "untrusted-client-cert-accepted",
    "client-cert-enforced-by-app",
];
/// A handshake without a certificate completes and the application refuses: "optional" at the TLS
/// layer, client-cert-enforced-by-app, never client-cert-optional; and the session it hands out,
/// resumed, is refused alike (the verify result travels with the session).
const BY_APP_ABSENT: &[&str] = &[
    "client-cert-not-requested",
    "client-cert-optional",
    "untrusted-client-cert-accepted",
    "session-resumption-bypass",
];
/// As [`BY_APP_ABSENT`], for an application whose resumed sessions get in.
const BY_APP_ABSENT_FRESH: &[&str] = &[
    "client-cert-not-requested",
    "client-cert-optional",
    "untrusted-client-cert-accepted",
];
/// Node's `socket.authorized` is true on a TLS 1.3 resumption without a certificate
/// (nodejs/node#35317): the application's check lets the resumed anonymous session in.
const BY_APP_RESUMED: &[(&str, Implied)] = &[
    ("client-cert-enforced-by-app", Implied::Any),
    ("session-resumption-bypass", Implied::Any),
];
const OPTIONAL_VERIFIED_ABSENT: &[&str] = &[
    "client-cert-not-requested",
    "untrusted-client-cert-accepted",
];
const OPTIONAL_UNVERIFIED: &[(&str, Implied)] = &[
    ("client-cert-optional", Implied::Any),
    (
        "untrusted-client-cert-accepted",
        Implied::NullOr("client-cert-optional"),
    ),
];
const REQUIRED_UNVERIFIED: &[(&str, Implied)] =
    &[("untrusted-client-cert-accepted", Implied::Null)];
const REQUIRED_UNVERIFIED_FORGED: &[(&str, Implied)] = &[
    ("untrusted-client-cert-accepted", Implied::Null),
    (
        "forged-client-cert-accepted",
        Implied::NullOr("untrusted-client-cert-accepted"),
    ),
];
/// A server that lets only self-signed certificates through: no other finding.
const SELF_SIGNED_ONLY_ABSENT: &[&str] = &[
    "client-cert-not-requested",
    "client-cert-optional",
    "forged-client-cert-accepted",
];
const NOT_REQUESTED: &[(&str, Implied)] = &[("client-cert-not-requested", Implied::Any)];
const OPTIONAL: &[(&str, Implied)] = &[("client-cert-optional", Implied::Any)];
/// As NOT_REQUESTED / OPTIONAL, with Go's expvar page (/debug/vars) served without a certificate.
const NOT_REQUESTED_EXPOSED: &[(&str, Implied)] = &[
    ("client-cert-not-requested", Implied::Any),
    ("tls-config-exposed", Implied::Null),
];
const OPTIONAL_EXPOSED: &[(&str, Implied)] = &[
    ("client-cert-optional", Implied::Any),
    ("tls-config-exposed", Implied::Null),
];
const BY_APP: &[(&str, Implied)] = &[("client-cert-enforced-by-app", Implied::Any)];
/// The application refuses a client without a certificate and serves any certificate.
const MHD_PRESENCE: &[(&str, Implied)] = &[
    ("client-cert-enforced-by-app", Implied::Any),
    ("untrusted-client-cert-accepted", Implied::Null),
    (
        "forged-client-cert-accepted",
        Implied::NullOr("untrusted-client-cert-accepted"),
    ),
];

use Seen::{
    App, Flaky, Http400, NotServed, NotSpoken, Served, Skipped, Tls, TlsOrClose, UnreadBeforeCert,
};

const CR: Option<&str> = Some("CertificateRequired");
const HF: Option<&str> = Some("HandshakeFailure");
const BC: Option<&str> = Some("BadCertificate");
const UCA: Option<&str> = Some("UnknownCA");
/// certificate_unknown: what SunJSSE (Tomcat) sends for every client certificate it refuses.
const CU: Option<&str> = Some("CertificateUnknown");
/// access_denied: what GnuTLS (gnutls-serv) sends for every client certificate it refuses.
const AD: Option<&str> = Some("AccessDenied");
/// decode_error: what GnuTLS sends on TLS 1.2 for an empty Certificate message it requires.
const DCE: Option<&str> = Some("DecodeError");

/// Certificates requested on both versions, with the trusted CA's name (all but Python): the
/// fields most servers share. Each entry below overrides what differs.
fn requested(
    server: &'static str,
    client_auth: &'static str,
    findings: &'static [(&'static str, Implied)],
    absent: &'static [&'static str],
    no_cert: [Seen; 2],
    untrusted: [Seen; 2],
) -> Expect {
    Expect {
        server,
        client_auth,
        enforced_at: (client_auth == "required").then_some("tls"),
        findings,
        absent,
        grade_a: Some(false),
        cert_requested: true,
        ca_names: true,
        ca_name: "Test Client CA",
        late_auth: false,
        no_cert,
        untrusted,
    }
}

/// No CertificateRequest at all: everything is served.
fn not_requested(server: &'static str) -> Expect {
    Expect {
        client_auth: "none",
        cert_requested: false,
        ca_names: false,
        ..requested(
            server,
            "none",
            NOT_REQUESTED,
            NOT_REQUESTED_ABSENT,
            [Served(200); 2],
            [Served(200); 2],
        )
    }
}

/// Required in the handshake and verified: no finding, grade A.
fn required_verified(server: &'static str, no_cert: [Seen; 2], untrusted: [Seen; 2]) -> Expect {
    // A refusal by a bare close (no alert: Node, the JDK, Puma, lighttpd over GnuTLS) is the
    // server's decision only beside a positive control it answered: without identities such a
    // server is incomplete (B, exit 3), never A; with them (deep_expectations) it is A.
    let bare_close = no_cert
        .iter()
        .chain(&untrusted)
        .any(|s| matches!(s, Tls(None) | TlsOrClose(_)));
    Expect {
        grade_a: (!bare_close).then_some(true),
        ..requested(server, "required", &[], GOOD_ABSENT, no_cert, untrusted)
    }
}

/// Required in the handshake, but any certificate gets in.
fn required_unverified(server: &'static str, no_cert: [Seen; 2]) -> Expect {
    requested(
        server,
        "required",
        REQUIRED_UNVERIFIED,
        &["client-cert-not-requested", "client-cert-optional"],
        no_cert,
        [Served(200); 2],
    )
}

/// Optional and unverified: served without a certificate and with any.
fn optional_unverified(server: &'static str) -> Expect {
    requested(
        server,
        "optional",
        OPTIONAL_UNVERIFIED,
        &["client-cert-not-requested"],
        [Served(200); 2],
        [Served(200); 2],
    )
}

/// Optional, but a certificate that is sent is verified.
fn optional_verified(server: &'static str, untrusted: [Seen; 2]) -> Expect {
    requested(
        server,
        "optional",
        OPTIONAL,
        OPTIONAL_VERIFIED_ABSENT,
        [Served(200); 2],
        untrusted,
    )
}

/// The handshake completes without a certificate and the application refuses with `status`.
fn by_app(
    server: &'static str,
    status: u16,
    untrusted: [Seen; 2],
    grade_a: Option<bool>,
) -> Expect {
    Expect {
        grade_a,
        ..requested(
            server,
            "optional",
            BY_APP,
            BY_APP_ABSENT,
            [App(status); 2],
            untrusted,
        )
    }
}

/// The oracle for the default probes (no identities given), from GROUND_TRUTH.md.
pub fn expectations() -> Vec<Expect> {
    vec![
        // ---- openssl s_server -www
        required_unverified("openssl-Verify", [Tls(CR), Tls(HF)]),
        required_verified(
            "openssl-Verify-return",
            [Tls(CR), Tls(HF)],
            [Tls(UCA), Tls(UCA)],
        ),
        optional_unverified("openssl-verify"),
        not_requested("openssl-none"),
        // ---- nginx
        Expect {
            // nginx's own 400 is the TLS module refusing, not an application: no finding at all
            enforced_at: Some("http"),
            ..required_verified("nginx-on", [Http400; 2], [Http400; 2])
        },
        optional_verified("nginx-optional", [Http400; 2]),
        optional_unverified("nginx-optional_no_ca"),
        not_requested("nginx-off"),
        // the handshake completes without a certificate, the location answers 403: optional at
        // the TLS layer, enforced by the application; the forged-akid certificate passes the DN
        // check (check_default_forged wants forged-client-cert-accepted)
        by_app("nginx-optional_no_ca-dn", 403, [App(403); 2], Some(false)),
        // ---- Go crypto/tls
        not_requested("go-NoClientCert"),
        optional_unverified("go-RequestClientCert"),
        required_unverified("go-RequireAnyClientCert", [Tls(BC), Tls(BC)]),
        optional_verified("go-VerifyClientCertIfGiven", [Tls(BC), Tls(BC)]),
        required_verified(
            "go-RequireAndVerifyClientCert",
            [Tls(BC), Tls(BC)],
            [Tls(BC), Tls(BC)],
        ),
        // ---- Node https
        optional_unverified("node-optional"),
        // rejectUnauthorized closes the socket without an alert
        required_verified("node-required", [Tls(CR), Tls(HF)], [Tls(None), Tls(None)]),
        not_requested("node-none"),
        // handshake without a certificate completes, the handler answers 401; forged: closed
        // (unreadable) in most runs, so completeness, hence the grade, is flaky
        // a TLS 1.3 session made without a certificate and resumed is served (GROUND_TRUTH.md,
        // "Surprises" 15)
        Expect {
            findings: BY_APP_RESUMED,
            absent: BY_APP_ABSENT_FRESH,
            ..by_app("node-app-401", 401, [App(401); 2], None)
        },
        // ---- Python ssl: no CA names in the CertificateRequest
        Expect {
            ca_names: false,
            ..required_verified(
                "python-CERT_REQUIRED",
                [Tls(CR), Tls(HF)],
                [Tls(UCA), Tls(UCA)],
            )
        },
        Expect {
            ca_names: false,
            ..optional_verified("python-CERT_OPTIONAL", [Tls(UCA), Tls(UCA)])
        },
        not_requested("python-CERT_NONE"),
        // ---- app-enforced variants (GROUND_TRUTH.md, "More stacks")
        // a bad certificate gets nginx's own 400: nothing else is wrong
        by_app("nginx-optional-403", 403, [Http400; 2], Some(true)),
        Expect {
            ca_names: false,
            ..by_app(
                "python-CERT_OPTIONAL-403",
                403,
                [Tls(UCA), Tls(UCA)],
                Some(true),
            )
        },
        // ---- HAProxy 2.6
        // `verify optional` still verifies a certificate that is sent: unknown_ca
        by_app(
            "haproxy-optional-403",
            403,
            [Tls(UCA), Tls(UCA)],
            Some(true),
        ),
        required_verified("haproxy-required", [Tls(CR), Tls(HF)], [Tls(UCA), Tls(UCA)]),
        Expect {
            findings: REQUIRED_UNVERIFIED_FORGED,
            ..required_unverified("haproxy-crt-ignore-err", [Tls(CR), Tls(HF)])
        },
        // crt-ignore-err 18 (X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT): a certificate from an
        // unknown CA is refused, a self-signed one gets in (GROUND_TRUTH.md, "Self-signed client
        // certificates")
        requested(
            "haproxy-crt-ignore-selfsigned",
            "required",
            REQUIRED_UNVERIFIED,
            SELF_SIGNED_ONLY_ABSENT,
            [Tls(CR), Tls(HF)],
            [Tls(UCA), Tls(UCA)],
        ),
        // ---- Apache 2.4 mod_ssl
        Expect {
            // scanned on /admin/: the certificate is asked for after the request. A client that
            // offers neither post-handshake auth (1.3) nor renegotiation (1.2) gets mod_ssl's 403
            // "Cannot perform Post-Handshake Authentication" / a handshake_failure alert.
            enforced_at: Some("post-handshake"),
            // A with the positive control (deep_expectations); not checked without identities
            grade_a: None,
            cert_requested: false,
            ca_names: false,
            late_auth: true,
            ..required_verified("apache-location-require", [NotServed; 2], [NotServed; 2])
        },
        required_verified("apache-required", [Tls(CR), Tls(HF)], [Tls(UCA), Tls(UCA)]),
        // ---- wider grid (GROUND_TRUTH.md, "Wider grid")
        // `optional` verifies a certificate that is sent, with OpenSSL's alerts
        optional_verified("apache-optional", [Tls(UCA), Tls(UCA)]),
        // `optional_no_ca` tolerates an unknown issuer: the untrusted and forged-akid ones get in
        optional_unverified("apache-optional_no_ca"),
        // ---- lighttpd 1.4.69 mod_openssl
        required_verified("lighttpd-enforce", [Tls(CR), Tls(HF)], [Tls(UCA), Tls(UCA)]),
        // enforce "disable": the CertificateRequest is sent, nothing is ever refused
        optional_unverified("lighttpd-no-enforce"),
        // depth 0 refuses every certificate whose issuer is not itself trusted, the valid one
        // included; without identities that looks like a verifying server
        required_verified(
            "lighttpd-enforce-depth0",
            [Tls(CR), Tls(HF)],
            [Tls(UCA), Tls(UCA)],
        ),
        // ---- stunnel 5.68 in front of a plain HTTP backend
        required_verified("stunnel-required", [Tls(CR), Tls(HF)], [Tls(UCA), Tls(UCA)]),
        optional_verified("stunnel-optional", [Tls(UCA), Tls(UCA)]),
        // verifyPeer pins client.crt (CAfile = client.crt): its subject is the advertised name,
        // and any other certificate gets bad_certificate
        Expect {
            ca_name: "CN=test-client",
            ..required_verified("stunnel-verifyPeer", [Tls(CR), Tls(HF)], [Tls(BC), Tls(BC)])
        },
        // ---- Traefik 3.7.15 (go1.26: unknown_ca for an unknown issuer, certificate_expired for
        // either validity date, bad_certificate for the wrong key usage), the default TLS options
        required_verified("traefik-verify", [Tls(CR), Tls(HF)], [Tls(UCA), Tls(UCA)]),
        // caFiles alone: Traefik 3 requires and verifies
        required_verified(
            "traefik-cafiles-only",
            [Tls(CR), Tls(HF)],
            [Tls(UCA), Tls(UCA)],
        ),
        required_unverified("traefik-require-any", [Tls(CR), Tls(HF)]),
        optional_verified("traefik-verify-if-given", [Tls(UCA), Tls(UCA)]),
        // the options on a router whose rule names no Host: no CertificateRequest at all
        not_requested("traefik-router-options-no-host"),
        // ---- socat 1.7.4 OPENSSL-LISTEN (OpenSSL 3) in front of a plain HTTP backend; it names
        // no CA in its CertificateRequest
        Expect {
            ca_names: false,
            ..required_verified("socat-verify", [Tls(CR), Tls(HF)], [Tls(UCA), Tls(UCA)])
        },
        // verify=1 without cafile: OpenSSL's default paths, the system's public roots (a public
        // root's own certificate with another key gets decrypt_error, the scan's own CA
        // unknown_ca)
        Expect {
            ca_names: false,
            findings: &[("client-ca-public-roots", Implied::Null)],
            grade_a: Some(false),
            ..required_verified(
                "socat-verify-no-cafile",
                [Tls(CR), Tls(HF)],
                [Tls(UCA), Tls(UCA)],
            )
        },
        // verify=0, with a cafile or without: no CertificateRequest
        not_requested("socat-verify-0"),
        not_requested("socat-cafile-verify-0"),
        // ---- Caddy 2.6 (Go crypto/tls underneath: bad_certificate for everything)
        required_verified(
            "caddy-require_and_verify",
            [Tls(BC), Tls(BC)],
            [Tls(BC), Tls(BC)],
        ),
        optional_verified("caddy-verify_if_given", [Tls(BC), Tls(BC)]),
        Expect {
            findings: REQUIRED_UNVERIFIED_FORGED,
            ..required_unverified("caddy-require", [Tls(BC), Tls(BC)])
        },
        // ---- the JDK's HttpsServer (SunJSSE): refuses by closing, never with an alert
        required_verified("java-need", [Tls(None); 2], [Tls(None); 2]),
        optional_verified("java-want", [Tls(None); 2]),
        // ---- Tomcat 10.1, JSSE implementation (GROUND_TRUTH.md, "Tomcat and nghttpx"): unlike
        // the JDK's HttpsServer, alerts: bad_certificate without a certificate, certificate_unknown
        // for one the trust manager refuses
        required_verified("tomcat-required", [Tls(BC), Tls(BC)], [Tls(CU), Tls(CU)]),
        optional_verified("tomcat-optional", [Tls(CU), Tls(CU)]),
        // JSSE has no "any CA" mode: Tomcat treats optionalNoCA as optional (surprise T1)
        optional_verified("tomcat-optionalNoCA", [Tls(CU), Tls(CU)]),
        // ---- nghttpx 1.52 (OpenSSL) in front of a plain HTTP backend. It names ca.crt alone but
        // verifies against OpenSSL's default store beside it (a public root's own certificate
        // with another key gets decrypt_error where the scan's own CA's gets unknown_ca; with
        // SSL_CERT_FILE holding other-ca.crt, untrusted.crt is served): client-ca-public-roots,
        // high (before: A, exit 0; an audit, nineteenth session)
        Expect {
            findings: &[("client-ca-public-roots", Implied::Null)],
            grade_a: Some(false),
            ..required_verified(
                "nghttpx-verify-client",
                [Tls(CR), Tls(HF)],
                [Tls(UCA), Tls(UCA)],
            )
        },
        // lets an expired certificate from the trusted CA in, which only a certificate minted by
        // that CA shows (deep_expectations); without identities it looks like a verifying server
        // that trusts the public roots, as nghttpx-verify-client
        Expect {
            findings: &[("client-ca-public-roots", Implied::Null)],
            grade_a: Some(false),
            ..required_verified(
                "nghttpx-tolerate-expired",
                [Tls(CR), Tls(HF)],
                [Tls(UCA), Tls(UCA)],
            )
        },
        // ---- GnuTLS 3.7.9 gnutls-serv --http (GROUND_TRUTH.md, "GnuTLS, Traffic Server and
        // Puma"): access_denied for every certificate it refuses, decode_error on TLS 1.2 for
        // none. Its verification ignores the EKU: a serverAuth-only certificate from the trusted
        // CA gets in (deep_expectations), which without identities looks like a verifying server
        required_verified(
            "gnutls-require-verify",
            [Tls(CR), Tls(DCE)],
            [Tls(AD), Tls(AD)],
        ),
        // --require-client-cert alone no longer verifies (GnuTLS 3.6.0 on): any certificate gets
        // in, the forged one too (surprise G1)
        Expect {
            findings: REQUIRED_UNVERIFIED_FORGED,
            ..required_unverified("gnutls-require", [Tls(CR), Tls(DCE)])
        },
        optional_verified("gnutls-verify-if-given", [Tls(AD), Tls(AD)]),
        // gnutls-serv's default: asks for a certificate, verifies none, lets anyone in
        optional_unverified("gnutls-request"),
        not_requested("gnutls-none"),
        // ---- Apache Traffic Server 9.2 (OpenSSL) in front of a plain HTTP backend,
        // proxy.config.ssl.client.certification_level 2 / 1 / 0
        // It verifies against OpenSSL's default store beside its CA file too (with
        // SSL_CERT_FILE holding other-ca.crt, untrusted.crt is served): client-ca-public-roots,
        // high (before: A; nineteenth session)
        Expect {
            findings: &[("client-ca-public-roots", Implied::Null)],
            grade_a: Some(false),
            ..required_verified("ats-level2", [Tls(CR), Tls(HF)], [Tls(UCA), Tls(UCA)])
        },
        optional_verified("ats-level1", [Tls(UCA), Tls(UCA)]),
        not_requested("ats-level0"),
        // ---- Puma 5.6 (MiniSSL over OpenSSL): no CA names in the CertificateRequest (so the
        // forged probe is skipped without identities), and every refusal a close without an alert
        // (surprise P2)
        Expect {
            ca_names: false,
            ..required_verified("puma-force_peer", [Tls(None); 2], [Tls(None); 2])
        },
        Expect {
            ca_names: false,
            ..optional_verified("puma-peer", [Tls(None); 2])
        },
        not_requested("puma-none"),
        // verify_mode=peer, and the application refuses a request without env["puma.peercert"]
        Expect {
            ca_names: false,
            ..by_app("puma-peer-403", 403, [Tls(None); 2], Some(true))
        },
        // ---- lighttpd 1.4.69 over GnuTLS (mod_gnutls): no CA names, a close without an alert
        // for no certificate, access_denied for a refused one; like gnutls-serv it lets the
        // serverAuth-only certificate in (deep_expectations)
        Expect {
            ca_names: false,
            ..required_verified(
                "lighttpd-gnutls-enforce",
                [Tls(None); 2],
                [Tls(AD), Tls(AD)],
            )
        },
        // enforce "disable" still refuses a client without a certificate (mod_openssl lets it
        // in: lighttpd-no-enforce) but lets any certificate in (surprise L1)
        Expect {
            ca_names: false,
            findings: REQUIRED_UNVERIFIED_FORGED,
            ..required_unverified("lighttpd-gnutls-no-enforce", [Tls(None); 2])
        },
        // ---- lighttpd 1.4.69 over Mbed TLS 2.28 (mod_mbedtls): TLS 1.2 only, the CA's name
        // sent, decode_error or a close without it (a race) for no certificate, unknown_ca for a
        // refused one
        required_verified(
            "lighttpd-mbedtls-enforce",
            [NotSpoken, TlsOrClose("DecodeError")],
            [NotSpoken, Tls(UCA)],
        ),
        Expect {
            no_cert: [NotSpoken, Served(200)],
            untrusted: [NotSpoken, Served(200)],
            ..optional_unverified("lighttpd-mbedtls-no-enforce")
        },
        // ---- lighttpd 1.4.69 over wolfSSL 5.5 (mod_wolfssl): no CA names; TLS 1.3
        // certificate_required, TLS 1.2 a close without an alert for no certificate
        Expect {
            ca_names: false,
            ..required_verified(
                "lighttpd-wolfssl-enforce",
                [Tls(CR), Tls(None)],
                [Tls(UCA), Tls(UCA)],
            )
        },
        Expect {
            ca_names: false,
            ..optional_unverified("lighttpd-wolfssl-no-enforce")
        },
        // ---- Hitch 1.7 (OpenSSL) in front of a plain HTTP backend: client-verify
        required_verified("hitch-required", [Tls(CR), Tls(HF)], [Tls(UCA), Tls(UCA)]),
        optional_verified("hitch-optional", [Tls(UCA), Tls(UCA)]),
        not_requested("hitch-none"),
        // ---- Erlang/OTP 25 ssl (its own TLS) under inets httpd
        required_verified(
            "erlang-fail_if_no_peer_cert",
            [Tls(CR), Tls(HF)],
            [Tls(UCA), Tls(UCA)],
        ),
        // fail_if_no_peer_cert defaults to false: asked for, verified if sent, anonymous served
        optional_verified("erlang-verify_peer", [Tls(UCA), Tls(UCA)]),
        // verify_none sends no CertificateRequest, cacertfile or not
        not_requested("erlang-verify_none"),
        // a verify_fun that returns {valid, State} for every event: any certificate, the forged
        // one too (the signature on the CertificateVerify is still checked)
        Expect {
            findings: REQUIRED_UNVERIFIED_FORGED,
            ..required_unverified("erlang-verify_fun-any", [Tls(CR), Tls(HF)])
        },
        // ssl's default verify_fun plus {bad_cert, selfsigned_peer} -> valid
        requested(
            "erlang-verify_fun-selfsigned",
            "required",
            REQUIRED_UNVERIFIED,
            SELF_SIGNED_ONLY_ABSENT,
            [Tls(CR), Tls(HF)],
            [Tls(UCA), Tls(UCA)],
        ),
        // ---- H2O 2.2.5 (OpenSSL): no client-certificate option in this version
        not_requested("h2o-none"),
        // ---- Squid 5.7 (OpenSSL) https_port in accel mode in front of a plain HTTP backend
        required_verified("squid-clientca", [Tls(CR), Tls(HF)], [Tls(UCA), Tls(UCA)]),
        optional_verified("squid-clientca-conditional", [Tls(UCA), Tls(UCA)]),
        // tls-flags=DONT_VERIFY_PEER on an https_port: no CertificateRequest at all, clientca or
        // not (surprise Q1)
        not_requested("squid-clientca-dont-verify"),
        // tls-cafile= alone asks for nothing: clientca= is what asks
        not_requested("squid-tls-cafile"),
        // ---- GNU libmicrohttpd 0.9.75 over GnuTLS 3.7.9: MHD_OPTION_HTTPS_MEM_TRUST asks for a
        // certificate and verifies none; the application checks (or does not)
        // gnutls_certificate_verify_peers2 in the application, 403 otherwise: the unknown CA's
        // certificate meets only the application, so without identities the scan cannot tell
        // this check from one that reads the subject alone (incomplete, B)
        by_app("mhd-verify-403", 403, [App(403); 2], Some(false)),
        // 403 unless a certificate was sent, never verified: any certificate gets in
        Expect {
            findings: MHD_PRESENCE,
            absent: &["client-cert-not-requested", "client-cert-optional"],
            ..by_app("mhd-presence-403", 403, [Served(200); 2], Some(false))
        },
        optional_unverified("mhd-no-check"),
        not_requested("mhd-none"),
        // ---- Thin 1.8 (EventMachine, OpenSSL): every client asked, no CA names, any
        // certificate let in (no CA option; ssl_verify_peer returns true)
        Expect {
            ca_names: false,
            ..optional_unverified("thin-default")
        },
        // the application's 403 unless a certificate was sent: any certificate gets in
        Expect {
            ca_names: false,
            findings: MHD_PRESENCE,
            absent: &["client-cert-not-requested", "client-cert-optional"],
            ..by_app("thin-peer-403", 403, [Served(200); 2], Some(false))
        },
        not_requested("thin-disable-verify"),
        // ---- Hypercorn 0.13 (asyncio over Python's ssl): no CA names, and every refusal a bare
        // close, no alert (asyncio's TLS transport), on both versions
        Expect {
            ca_names: false,
            ..required_verified(
                "hypercorn-required",
                [Tls(None), Tls(None)],
                [Tls(None), Tls(None)],
            )
        },
        Expect {
            ca_names: false,
            ..optional_verified("hypercorn-optional", [Tls(None), Tls(None)])
        },
        // ---- uvicorn 0.17 (asyncio over Python's ssl, as Hypercorn): no CA names, every refusal
        // a bare close; its default `--ssl-ciphers TLSv1` offers TLS 1.2 CBC suites alone
        // (`ECDHE-ECDSA-AES256-SHA` to openssl s_client), so TLS 1.2 is unread before the
        // certificate, unless the ciphers are set (`-aead`)
        Expect {
            ca_names: false,
            ..required_verified(
                "uvicorn-cert-reqs-2",
                [Tls(None), UnreadBeforeCert],
                [Tls(None), UnreadBeforeCert],
            )
        },
        Expect {
            ca_names: false,
            ..required_verified(
                "uvicorn-cert-reqs-2-aead",
                [Tls(None), Tls(None)],
                [Tls(None), Tls(None)],
            )
        },
        Expect {
            ca_names: false,
            no_cert: [Served(200), UnreadBeforeCert],
            ..optional_verified("uvicorn-cert-reqs-1", [Tls(None), UnreadBeforeCert])
        },
        // --ssl-ca-certs without --ssl-cert-reqs: CERT_NONE, nothing asked for
        Expect {
            no_cert: [Served(200), UnreadBeforeCert],
            untrusted: [Served(200), UnreadBeforeCert],
            ..not_requested("uvicorn-ca-certs-only")
        },
        // ---- etcd 3.4 (Go crypto/tls: bad_certificate for everything), scanned on /version.
        // Its expvar page (/debug/vars: the command line, every flag) is served to whoever gets
        // through the handshake: tls-config-exposed where that is anyone.
        required_verified(
            "etcd-client-cert-auth",
            [Tls(BC), Tls(BC)],
            [Tls(BC), Tls(BC)],
        ),
        // --trusted-ca-file alone: etcd requires and verifies as with --client-cert-auth
        required_verified(
            "etcd-trusted-ca-only",
            [Tls(BC), Tls(BC)],
            [Tls(BC), Tls(BC)],
        ),
        // --client-cert-auth without --trusted-ca-file: ClientCAs nil, so Go verifies against the
        // system's public roots and names no CA (a public root's own certificate with another
        // key gets decrypt_error, the scan's own CA's bad_certificate)
        Expect {
            ca_names: false,
            findings: &[("client-ca-public-roots", Implied::Null)],
            grade_a: Some(false),
            ..required_verified(
                "etcd-client-cert-auth-no-ca",
                [Tls(BC), Tls(BC)],
                [Tls(BC), Tls(BC)],
            )
        },
        // --auto-tls with --client-cert-auth: etcd drops the latter, no CertificateRequest
        Expect {
            findings: NOT_REQUESTED_EXPOSED,
            ..not_requested("etcd-auto-tls")
        },
        // ---- the Prometheus node_exporter 1.5 (exporter-toolkit's web config over Go
        // crypto/tls), scanned on /metrics; its /debug/vars as etcd's
        required_verified("exporter-verify", [Tls(BC), Tls(BC)], [Tls(BC), Tls(BC)]),
        required_unverified("exporter-require-any", [Tls(BC), Tls(BC)]),
        Expect {
            findings: OPTIONAL_EXPOSED,
            ..optional_verified("exporter-verify-if-given", [Tls(BC), Tls(BC)])
        },
        // RequireAndVerifyClientCert without client_ca_file: the public roots, as etcd's
        Expect {
            ca_names: false,
            findings: &[("client-ca-public-roots", Implied::Null)],
            grade_a: Some(false),
            ..required_verified(
                "exporter-verify-no-ca",
                [Tls(BC), Tls(BC)],
                [Tls(BC), Tls(BC)],
            )
        },
        // ---- nats-server 2.9: its HTTPS monitoring port takes the tls block's certificate and
        // drops its `verify: true` (no CertificateRequest), while /varz says "tls_verify": true
        not_requested("nats-monitor-verify"),
        // ---- PHP 8.2's openssl stream wrapper: a certificate that is sent is verified in the
        // handshake (OpenSSL's alerts); a client without one completes it and is closed after
        // (PHP's own check), a close that races the request: unread whatever the identities,
        // B and exit 3, never A
        Expect {
            client_auth: "required|unknown",
            grade_a: Some(false),
            ..requested(
                "php-verify-peer",
                "required",
                &[],
                GOOD_ABSENT,
                [NotServed; 2],
                [Tls(UCA); 2],
            )
        },
        // allow_self_signed: any self-signed client certificate gets in
        Expect {
            client_auth: "required|unknown",
            ..requested(
                "php-allow-self-signed",
                "required",
                REQUIRED_UNVERIFIED,
                SELF_SIGNED_ONLY_ABSENT,
                [NotServed; 2],
                [Tls(UCA); 2],
            )
        },
        not_requested("php-no-verify"),
        // ---- Granian 2.8 (Rust, rustls' WebPkiClientVerifier): TLS 1.3 alone unless told
        // otherwise (protocol_version for a TLS 1.2 client)
        required_verified(
            "granian-verify",
            [Tls(CR), NotSpoken],
            [Tls(UCA), NotSpoken],
        ),
        // --ssl-ca without --ssl-client-verify: a certificate sent is verified, none required
        Expect {
            no_cert: [Served(200), NotSpoken],
            ..optional_verified("granian-ca-only", [Tls(UCA), NotSpoken])
        },
        // --ssl-client-verify without --ssl-ca: no CertificateRequest at all
        Expect {
            no_cert: [Served(200), NotSpoken],
            untrusted: [Served(200), NotSpoken],
            ..not_requested("granian-verify-no-ca")
        },
        required_verified(
            "granian-verify-tls12",
            [Tls(CR), Tls(CR)],
            [Tls(UCA), Tls(UCA)],
        ),
        // ---- Bun 1.4 (BoringSSL under uSockets): Bun.serve and Bun's node:https
        optional_unverified("bun-serve-optional"),
        // rejectUnauthorized: true lets every certificate through the handshake and closes the
        // connection of one it does not trust: after the client's Finished on TLS 1.3 (a
        // refusal, once repeated beside a served control), with close_notify right after the
        // handshake on TLS 1.2 (unread, never a refusal: the target is incomplete in every mode)
        Expect {
            grade_a: Some(false),
            ..required_verified(
                "bun-serve-required",
                [Tls(CR), Tls(HF)],
                [Tls(None), NotServed],
            )
        },
        not_requested("bun-serve-none"),
        // the application's 401 unless req.socket.authorized: an untrusted certificate's 401
        // cannot be told from a subject check without a valid certificate (incomplete)
        by_app("bun-https-app-401", 401, [App(401); 2], Some(false)),
        // ---- Deno 2.9 (rustls) through node:https
        // a certificate it does not trust: a bare close after the handshake on TLS 1.3, during
        // it on TLS 1.2
        required_verified(
            "deno-https-required",
            [Tls(CR), Tls(CR)],
            [Tls(None), Tls(None)],
        ),
        optional_unverified("deno-https-optional"),
        by_app("deno-https-app-401", 401, [App(401); 2], Some(false)),
        // ---- Jetty 9.4 embedded (SunJSSE under SslContextFactory.Server): as Tomcat's JSSE
        // connector, bad_certificate without a certificate, certificate_unknown for one the trust
        // manager refuses
        required_verified("jetty-need", [Tls(BC), Tls(BC)], [Tls(CU), Tls(CU)]),
        optional_verified("jetty-want", [Tls(CU), Tls(CU)]),
        // setTrustAll(true) is ignored where a key store is set: no trust store given, the JDK's
        // cacerts is the trust store (its 144 public roots are the CA names; ca.crt is not one)
        // Trusting 144 public roots for client certificates: client-ca-public-roots, high (before:
        // A, exit 0; anyone with a clientAuth certificate from a public CA passes the TLS check).
        Expect {
            ca_name: "ISRG Root X1",
            findings: &[("client-ca-public-roots", Implied::Null)],
            grade_a: Some(false),
            ..required_verified(
                "jetty-need-setTrustAll",
                [Tls(BC), Tls(BC)],
                [Tls(CU), Tls(CU)],
            )
        },
        // getTrustManagers returns SslContextFactory.TRUST_ALL_CERTS: no CA names, anything in
        Expect {
            findings: REQUIRED_UNVERIFIED_FORGED,
            ca_names: false,
            ..required_unverified("jetty-need-TRUST_ALL_CERTS", [Tls(BC), Tls(BC)])
        },
        by_app("jetty-want-403", 403, [Tls(CU), Tls(CU)], Some(true)),
        // ---- uWSGI 2.0 over OpenSSL: "!ca" is required, "ca" optional (verified if sent)
        required_verified(
            "uwsgi-https-socket-required",
            [Tls(CR), Tls(HF)],
            [Tls(UCA), Tls(UCA)],
        ),
        optional_verified("uwsgi-https-socket-optional", [Tls(UCA), Tls(UCA)]),
        not_requested("uwsgi-https-socket-none"),
        // the HTTPS router, "ca" optional, the application's HTTPS_DN check
        by_app("uwsgi-https-dn-403", 403, [Tls(UCA), Tls(UCA)], Some(true)),
        // a body ended by a close without close_notify; a 4 KB head buffer
        required_verified(
            "uwsgi-https-socket-required-eof",
            [Tls(CR), Tls(HF)],
            [Tls(UCA), Tls(UCA)],
        ),
        by_app(
            "uwsgi-https-dn-403-4k",
            403,
            [Tls(UCA), Tls(UCA)],
            Some(true),
        ),
        // ---- Mojolicious 9 over IO::Socket::SSL (OpenSSL): no CA names in the
        // CertificateRequest (IO::Socket::SSL sets no client CA list)
        Expect {
            ca_names: false,
            ..required_verified("mojo-verify-0x03", [Tls(CR), Tls(HF)], [Tls(UCA), Tls(UCA)])
        },
        Expect {
            ca_names: false,
            ..optional_verified("mojo-verify-0x01", [Tls(UCA), Tls(UCA)])
        },
        not_requested("mojo-verify-0x00"),
        // ca= alone: IO::Socket::SSL's server default is SSL_VERIFY_NONE, nothing is asked for
        not_requested("mojo-ca-only"),
        Expect {
            ca_names: false,
            ..by_app(
                "mojo-verify-0x01-403",
                403,
                [Tls(UCA), Tls(UCA)],
                Some(true),
            )
        },
        // ---- gunicorn 20.1 (Python's ssl: no CA names)
        Expect {
            ca_names: false,
            ..required_verified(
                "gunicorn-cert-reqs-2",
                [Tls(CR), Tls(HF)],
                [Tls(UCA), Tls(UCA)],
            )
        },
        Expect {
            ca_names: false,
            ..optional_verified("gunicorn-cert-reqs-1", [Tls(UCA), Tls(UCA)])
        },
        // --ca-certs without --cert-reqs: CERT_NONE, nothing asked for
        not_requested("gunicorn-ca-certs-only"),
        // ---- Ruby's WEBrick 1.8 (Ruby's openssl): no CA names
        Expect {
            ca_names: false,
            ..required_verified(
                "webrick-peer-fail",
                [Tls(CR), Tls(HF)],
                [Tls(UCA), Tls(UCA)],
            )
        },
        Expect {
            ca_names: false,
            ..optional_verified("webrick-peer", [Tls(UCA), Tls(UCA)])
        },
        not_requested("webrick-none"),
        // ---- Twisted 22.4 (pyOpenSSL): no CA names (no client CA list is set)
        Expect {
            ca_names: false,
            ..required_verified("twisted-require", [Tls(CR), Tls(HF)], [Tls(UCA), Tls(UCA)])
        },
        Expect {
            ca_names: false,
            ..optional_verified("twisted-optional", [Tls(UCA), Tls(UCA)])
        },
        // caCerts and requireCertificate=True without verify=True: accepted, nothing asked for
        not_requested("twisted-no-verify"),
    ]
}

/// The expectation for one server.
pub fn expect(server: &str) -> Expect {
    match expectations().into_iter().find(|e| e.server == server) {
        Some(e) => e,
        None => panic!("no expectation for {server}"),
    }
}

/// The expected deep-probe results on one server (with --client-cert client.crt and
/// --issuing-ca-cert ca.crt), [TLS 1.3, TLS 1.2] per probe.
#[derive(Debug, Clone)]
pub struct DeepExpect {
    /// start.sh name.
    pub server: &'static str,
    /// `valid-client-cert` (the positive control).
    pub valid: [Seen; 2],
    /// `forged-client-cert`: issuer name copied from the trusted CA, signed by another key, with
    /// an AKI naming that other key (so OpenSSL reports "unable to get issuer", not a bad signature).
    pub forged: [Seen; 2],
    /// `cert-without-key`.
    pub without_key: [Seen; 2],
    /// `expired-client-cert`, issued by the trusted CA.
    pub expired: [Seen; 2],
    /// `not-yet-valid-client-cert`, issued by the trusted CA.
    pub not_yet_valid: [Seen; 2],
    /// `wrong-eku-client-cert` (serverAuth only), issued by the trusted CA.
    pub wrong_eku: [Seen; 2],
    /// Findings that must be present (implied_by not checked).
    pub findings: &'static [&'static str],
    /// Findings that must be absent.
    pub absent: &'static [&'static str],
    /// As [`Expect::grade_a`], with the identities given (None: not checked).
    pub grade_a: Option<bool>,
}

const DE: Option<&str> = Some("DecryptError");
const CE: Option<&str> = Some("CertificateExpired");
const UC: Option<&str> = Some("UnsupportedCertificate");

const LAX_ACCEPTS: &[&str] = &[
    "forged-client-cert-accepted",
    "expired-client-cert-accepted",
    "not-yet-valid-client-cert-accepted",
    "wrong-eku-client-cert-accepted",
];
const DATES_EKU: &[&str] = &[
    "expired-client-cert-accepted",
    "not-yet-valid-client-cert-accepted",
    "wrong-eku-client-cert-accepted",
];
const ALL_BAD_ACCEPTS: &[&str] = &[
    "forged-client-cert-accepted",
    "client-key-possession-not-verified",
    "expired-client-cert-accepted",
    "not-yet-valid-client-cert-accepted",
    "wrong-eku-client-cert-accepted",
    "lookalike-client-cert-accepted",
];
/// Every bad-certificate finding but the forged one's.
const BAD_ACCEPTS_BUT_FORGED: &[&str] = &[
    "client-key-possession-not-verified",
    "expired-client-cert-accepted",
    "not-yet-valid-client-cert-accepted",
    "wrong-eku-client-cert-accepted",
];
/// Servers whose verifier ignores basicConstraints where the issuing end-entity certificate
/// carries no keyUsage: another subject issued by the staging CA's bare end-entity certificate
/// gets in (Erlang/OTP 25's `public_key` 1.13.2; checked by hand with `openssl s_client -cert
/// … -cert_chain` and a CA:FALSE issuer without keyUsage: 200, where one with a keyUsage
/// lacking keyCertSign gets handshake_failure).
const HOLDER_SERVED: &[&str] = &[
    "erlang-fail_if_no_peer_cert",
    "erlang-verify_peer",
    "erlang-verify_fun-selfsigned",
];
const NO_KEY_ONLY: &[&str] = &["client-key-possession-not-verified"];
const NO_KEY_FORGED: &[&str] = &[
    "client-key-possession-not-verified",
    "forged-client-cert-accepted",
];

fn deep_not_requested(server: &'static str) -> DeepExpect {
    DeepExpect {
        server,
        valid: [Served(200); 2],
        forged: [Served(200); 2],
        without_key: [Served(200); 2],
        expired: [Served(200); 2],
        not_yet_valid: [Served(200); 2],
        wrong_eku: [Served(200); 2],
        grade_a: None,
        findings: NOT_REQUESTED_FINDINGS,
        absent: CERT_FINDINGS,
    }
}
const NOT_REQUESTED_FINDINGS: &[&str] = &["client-cert-not-requested"];

fn deep_lax(server: &'static str, forged: [Seen; 2]) -> DeepExpect {
    DeepExpect {
        server,
        valid: [Served(200); 2],
        forged,
        without_key: [Tls(DE), Tls(DE)],
        expired: [Served(200); 2],
        not_yet_valid: [Served(200); 2],
        wrong_eku: [Served(200); 2],
        grade_a: None,
        findings: if matches!(forged[1], Served(_)) {
            LAX_ACCEPTS
        } else {
            DATES_EKU
        },
        absent: match forged[1] {
            Served(_) | Flaky => NO_KEY_ONLY,
            _ => NO_KEY_FORGED,
        },
    }
}

/// `node:https` with `rejectUnauthorized: false` and the application's 401 unless
/// `req.socket.authorized` (Bun, Deno): every certificate the TLS layer did not verify gets the
/// 401, the valid one is served; A with the identities.
fn deep_authorized_401(server: &'static str) -> DeepExpect {
    DeepExpect {
        server,
        valid: [Served(200); 2],
        forged: [App(401); 2],
        without_key: [Tls(DE), Tls(DE)],
        expired: [App(401); 2],
        not_yet_valid: [App(401); 2],
        wrong_eku: [App(401); 2],
        grade_a: Some(true),
        findings: &["client-cert-enforced-by-app"],
        absent: ALL_BAD_ACCEPTS,
    }
}

/// rustls' `WebPkiClientVerifier` (Granian): each bad certificate refused with its own alert.
fn deep_strict_rustls(server: &'static str) -> DeepExpect {
    DeepExpect {
        server,
        valid: [Served(200); 2],
        forged: [Tls(DE), Tls(DE)],
        without_key: [Tls(DE), Tls(DE)],
        expired: [Tls(CE), Tls(CE)],
        not_yet_valid: [Tls(CE), Tls(CE)],
        wrong_eku: [Tls(UC), Tls(UC)],
        grade_a: Some(true),
        findings: &[],
        absent: ALL_BAD_ACCEPTS,
    }
}

/// `deep` on a server whose TLS 1.2 handshakes all fail before its certificate ([`UnreadBeforeCert`]:
/// uvicorn's default CBC-only suites).
fn tls12_unread(deep: DeepExpect) -> DeepExpect {
    let unread_12 = |[v13, _]: [Seen; 2]| [v13, UnreadBeforeCert];
    DeepExpect {
        valid: unread_12(deep.valid),
        forged: unread_12(deep.forged),
        without_key: unread_12(deep.without_key),
        expired: unread_12(deep.expired),
        not_yet_valid: unread_12(deep.not_yet_valid),
        wrong_eku: unread_12(deep.wrong_eku),
        ..deep
    }
}

/// `deep` on a server that does not speak TLS 1.2 (Granian's default minimum is TLS 1.3).
fn tls13_only(deep: DeepExpect) -> DeepExpect {
    let not_12 = |[v13, _]: [Seen; 2]| [v13, NotSpoken];
    DeepExpect {
        valid: not_12(deep.valid),
        forged: not_12(deep.forged),
        without_key: not_12(deep.without_key),
        expired: not_12(deep.expired),
        not_yet_valid: not_12(deep.not_yet_valid),
        wrong_eku: not_12(deep.wrong_eku),
        ..deep
    }
}

/// Every certificate it does not trust refused by a bare close (no alert: Node's and Deno's
/// `rejectUnauthorized: true`), the one without its key by `decrypt_error`.
fn deep_strict_bare_close(server: &'static str) -> DeepExpect {
    DeepExpect {
        server,
        valid: [Served(200); 2],
        forged: [Tls(None), Tls(None)],
        without_key: [Tls(DE), Tls(DE)],
        expired: [Tls(None), Tls(None)],
        not_yet_valid: [Tls(None), Tls(None)],
        wrong_eku: [Tls(None), Tls(None)],
        grade_a: None,
        findings: &[],
        absent: ALL_BAD_ACCEPTS,
    }
}

fn deep_strict_openssl(server: &'static str) -> DeepExpect {
    DeepExpect {
        server,
        valid: [Served(200); 2],
        forged: [Tls(UCA), Tls(UCA)],
        without_key: [Tls(DE), Tls(DE)],
        expired: [Tls(CE), Tls(CE)],
        not_yet_valid: [Tls(BC), Tls(BC)],
        wrong_eku: [Tls(UC), Tls(UC)],
        grade_a: None,
        findings: &[],
        absent: ALL_BAD_ACCEPTS,
    }
}

/// Go's RequireAndVerifyClientCert with no ClientCAs (etcd without --trusted-ca-file, an
/// exporter without client_ca_file): the system's public roots verify, so every certificate of
/// the scan's CA is refused with bad_certificate, the valid one too (the one without its key is
/// then unread: refused as the control was).
fn deep_public_roots_only(server: &'static str) -> DeepExpect {
    DeepExpect {
        server,
        valid: [Tls(BC), Tls(BC)],
        forged: [Tls(BC), Tls(BC)],
        without_key: [NotServed, NotServed],
        expired: [Tls(BC), Tls(BC)],
        not_yet_valid: [Tls(BC), Tls(BC)],
        wrong_eku: [Tls(BC), Tls(BC)],
        grade_a: Some(false),
        findings: &["client-ca-public-roots", "enforcement-unverified"],
        absent: ALL_BAD_ACCEPTS,
    }
}

fn deep_strict_go(server: &'static str) -> DeepExpect {
    DeepExpect {
        server,
        valid: [Served(200); 2],
        forged: [Tls(BC), Tls(BC)],
        without_key: [Tls(DE), Tls(DE)],
        expired: [Tls(BC), Tls(BC)],
        not_yet_valid: [Tls(BC), Tls(BC)],
        wrong_eku: [Tls(BC), Tls(BC)],
        grade_a: None,
        findings: &[],
        absent: ALL_BAD_ACCEPTS,
    }
}

/// A recent Go (1.21+; Traefik 3.7's go1.26) names its refusals apart where go1.19 sends
/// bad_certificate for all: unknown_ca for an unknown issuer, certificate_expired for either
/// validity date, bad_certificate for the wrong key usage.
fn deep_strict_recent_go(server: &'static str) -> DeepExpect {
    DeepExpect {
        forged: [Tls(UCA), Tls(UCA)],
        expired: [Tls(CE), Tls(CE)],
        not_yet_valid: [Tls(CE), Tls(CE)],
        ..deep_strict_go(server)
    }
}

fn deep_nginx(server: &'static str, findings: &'static [&'static str]) -> DeepExpect {
    DeepExpect {
        server,
        valid: [Served(200); 2],
        // The forged AKI names our key: OpenSSL finds no issuer (error 20), which `on` and
        // `optional` refuse with a 400
        forged: [Http400; 2],
        without_key: [Tls(DE), Tls(DE)],
        expired: [Http400; 2],
        not_yet_valid: [Http400; 2],
        wrong_eku: [Http400; 2],
        grade_a: None,
        findings,
        absent: ALL_BAD_ACCEPTS,
    }
}

/// nginx `optional_no_ca` tolerates "issuer not found" (error 20), which is what the forged
/// certificate's foreign AKI produces: it is served. With the `$ssl_client_i_dn` check in the
/// location, the untrusted certificate gets a 403 but the forged one (right issuer DN) a 200.
fn deep_nginx_no_ca(server: &'static str, findings: &'static [&'static str]) -> DeepExpect {
    DeepExpect {
        forged: [Served(200); 2],
        absent: NO_CA_ABSENT,
        ..deep_nginx(server, findings)
    }
}
const NO_CA_ABSENT: &[&str] = &[
    "client-key-possession-not-verified",
    "expired-client-cert-accepted",
    "not-yet-valid-client-cert-accepted",
    "wrong-eku-client-cert-accepted",
];

/// The oracle for the deep probes, from GROUND_TRUTH.md.
pub fn deep_expectations() -> Vec<DeepExpect> {
    vec![
        deep_lax("openssl-Verify", [Served(200); 2]),
        deep_strict_openssl("openssl-Verify-return"),
        deep_lax("openssl-verify", [Served(200); 2]),
        deep_not_requested("openssl-none"),
        deep_nginx("nginx-on", &[]),
        deep_nginx("nginx-optional", &[]),
        deep_nginx_no_ca("nginx-optional_no_ca", &["forged-client-cert-accepted"]),
        deep_not_requested("nginx-off"),
        deep_nginx_no_ca(
            "nginx-optional_no_ca-dn",
            &["client-cert-enforced-by-app", "forged-client-cert-accepted"],
        ),
        deep_not_requested("go-NoClientCert"),
        deep_lax("go-RequestClientCert", [Served(200); 2]),
        deep_lax("go-RequireAnyClientCert", [Served(200); 2]),
        deep_strict_go("go-VerifyClientCertIfGiven"),
        deep_strict_go("go-RequireAndVerifyClientCert"),
        // Node's rejectUnauthorized:false: a certificate whose signature fails to verify usually
        // gets the connection closed after the handshake (stale OpenSSL error), sometimes served.
        deep_lax("node-optional", [Flaky; 2]),
        deep_strict_bare_close("node-required"),
        deep_not_requested("node-none"),
        DeepExpect {
            server: "node-app-401",
            valid: [Served(200); 2],
            forged: [Flaky; 2],
            without_key: [Tls(DE), Tls(DE)],
            expired: [App(401); 2],
            not_yet_valid: [App(401); 2],
            wrong_eku: [App(401); 2],
            grade_a: None,
            findings: &["client-cert-enforced-by-app"],
            absent: ALL_BAD_ACCEPTS,
        },
        deep_strict_openssl("python-CERT_REQUIRED"),
        deep_strict_openssl("python-CERT_OPTIONAL"),
        deep_not_requested("python-CERT_NONE"),
        deep_nginx("nginx-optional-403", BY_APP_DEEP),
        DeepExpect {
            findings: BY_APP_DEEP,
            ..deep_strict_openssl("python-CERT_OPTIONAL-403")
        },
        DeepExpect {
            findings: BY_APP_DEEP,
            ..deep_strict_openssl("haproxy-optional-403")
        },
        DeepExpect {
            grade_a: Some(true),
            ..deep_strict_openssl("haproxy-required")
        },
        DeepExpect {
            grade_a: Some(false),
            findings: &["untrusted-client-cert-accepted"],
            ..deep_strict_openssl("haproxy-crt-ignore-selfsigned")
        },
        DeepExpect {
            grade_a: Some(false),
            ..deep_lax("haproxy-crt-ignore-err", [Served(200); 2])
        },
        DeepExpect {
            server: "apache-location-require",
            // The certificate goes in the post-handshake exchange (TLS 1.3, the client must offer
            // post_handshake_auth) or the renegotiation (TLS 1.2) and is then judged exactly as
            // by apache-required: measured with s_client -enable_pha / a renegotiating client,
            // valid 200, forged unknown_ca, nokey decrypt_error (1.2), expired
            // certificate_expired, not yet valid bad_certificate, EKU unsupported_certificate.
            // A client offering neither gets 403 (1.3) / handshake_failure (1.2) whatever it
            // holds. The refusals arrive after the request, so only "not served" is checked.
            // cert-without-key goes after the handshake with a key whose public half is the
            // certificate's and whose private half is not (OpenSSL will not take another key):
            // decrypt_error on both versions (skipped before the sixteenth session).
            valid: [Served(200); 2],
            forged: [NotServed; 2],
            without_key: [NotServed; 2],
            expired: [NotServed; 2],
            not_yet_valid: [NotServed; 2],
            wrong_eku: [NotServed; 2],
            findings: &[],
            absent: ALL_BAD_ACCEPTS,
            grade_a: Some(true),
        },
        DeepExpect {
            grade_a: Some(true),
            ..deep_strict_openssl("apache-required")
        },
        // ---- wider grid
        DeepExpect {
            findings: OPTIONAL_DEEP,
            ..deep_strict_openssl("apache-optional")
        },
        DeepExpect {
            forged: [Served(200); 2],
            findings: &["client-cert-optional", "forged-client-cert-accepted"],
            absent: NO_CA_ABSENT,
            ..deep_strict_openssl("apache-optional_no_ca")
        },
        DeepExpect {
            grade_a: Some(true),
            ..deep_strict_openssl("lighttpd-enforce")
        },
        DeepExpect {
            grade_a: Some(false),
            ..deep_lax("lighttpd-no-enforce", [Served(200); 2])
        },
        DeepExpect {
            // the valid certificate is refused like every other: enforcement-unverified, and
            // "everything was refused" must not read as A
            server: "lighttpd-enforce-depth0",
            valid: [Tls(UCA), Tls(UCA)],
            forged: [Tls(UCA), Tls(UCA)],
            without_key: [Tls(UCA), Tls(UCA)],
            expired: [Tls(UCA), Tls(UCA)],
            not_yet_valid: [Tls(UCA), Tls(UCA)],
            wrong_eku: [Tls(UC), Tls(UC)],
            findings: &["enforcement-unverified"],
            absent: ALL_BAD_ACCEPTS,
            grade_a: Some(false),
        },
        DeepExpect {
            grade_a: Some(true),
            ..deep_strict_openssl("stunnel-required")
        },
        DeepExpect {
            findings: OPTIONAL_DEEP,
            ..deep_strict_openssl("stunnel-optional")
        },
        DeepExpect {
            grade_a: Some(true),
            ..deep_strict_openssl("socat-verify")
        },
        // the public roots alone: every certificate of the scan's CA unknown_ca, the valid one too
        DeepExpect {
            valid: [Tls(UCA), Tls(UCA)],
            forged: [Tls(UCA), Tls(UCA)],
            expired: [Tls(UCA), Tls(UCA)],
            not_yet_valid: [Tls(UCA), Tls(UCA)],
            wrong_eku: [Tls(UCA), Tls(UCA)],
            ..deep_public_roots_only("socat-verify-no-cafile")
        },
        deep_not_requested("socat-verify-0"),
        deep_not_requested("socat-cafile-verify-0"),
        DeepExpect {
            // The pinned client.crt alone gets in: the staging CA's own valid certificate is
            // refused (bad_certificate) like the expired, not-yet-valid and wrong-EKU ones, so
            // their refusals prove nothing (incomplete, B; see PINNED)
            server: "stunnel-verifyPeer",
            valid: [Served(200); 2],
            forged: [Tls(BC), Tls(BC)],
            without_key: [Tls(DE), Tls(DE)],
            expired: [Tls(BC), Tls(BC)],
            not_yet_valid: [Tls(BC), Tls(BC)],
            wrong_eku: [Tls(BC), Tls(BC)],
            findings: &[],
            absent: ALL_BAD_ACCEPTS,
            grade_a: Some(false),
        },
        DeepExpect {
            grade_a: Some(true),
            ..deep_strict_go("caddy-require_and_verify")
        },
        DeepExpect {
            findings: OPTIONAL_DEEP,
            ..deep_strict_go("caddy-verify_if_given")
        },
        DeepExpect {
            grade_a: Some(false),
            ..deep_lax("caddy-require", [Served(200); 2])
        },
        DeepExpect {
            grade_a: Some(true),
            ..deep_java("java-need")
        },
        DeepExpect {
            findings: OPTIONAL_DEEP,
            ..deep_java("java-want")
        },
        DeepExpect {
            grade_a: Some(true),
            ..deep_tomcat("tomcat-required")
        },
        DeepExpect {
            findings: OPTIONAL_DEEP,
            ..deep_tomcat("tomcat-optional")
        },
        DeepExpect {
            findings: OPTIONAL_DEEP,
            ..deep_tomcat("tomcat-optionalNoCA")
        },
        DeepExpect {
            findings: &["client-ca-public-roots"],
            grade_a: Some(false),
            ..deep_strict_openssl("nghttpx-verify-client")
        },
        DeepExpect {
            // verify-client-tolerate-expired: the expired certificate from the trusted CA is
            // served, everything else is refused as by nghttpx-verify-client
            expired: [Served(200); 2],
            findings: &["expired-client-cert-accepted", "client-ca-public-roots"],
            absent: TOLERATE_EXPIRED_ABSENT,
            grade_a: Some(false),
            ..deep_strict_openssl("nghttpx-tolerate-expired")
        },
        DeepExpect {
            grade_a: Some(false),
            ..deep_gnutls("gnutls-require-verify", WRONG_EKU_ONLY)
        },
        DeepExpect {
            grade_a: Some(false),
            ..deep_lax("gnutls-require", [Served(200); 2])
        },
        deep_gnutls("gnutls-verify-if-given", OPTIONAL_WRONG_EKU),
        DeepExpect {
            grade_a: Some(false),
            ..deep_lax("gnutls-request", [Served(200); 2])
        },
        deep_not_requested("gnutls-none"),
        DeepExpect {
            findings: &["client-ca-public-roots"],
            grade_a: Some(false),
            ..deep_strict_openssl("ats-level2")
        },
        DeepExpect {
            findings: OPTIONAL_DEEP,
            ..deep_strict_openssl("ats-level1")
        },
        deep_not_requested("ats-level0"),
        // Puma closes without an alert whatever it refuses (as the JDK's HttpsServer)
        DeepExpect {
            grade_a: Some(true),
            ..deep_java("puma-force_peer")
        },
        DeepExpect {
            findings: OPTIONAL_DEEP,
            ..deep_java("puma-peer")
        },
        deep_not_requested("puma-none"),
        DeepExpect {
            grade_a: Some(true),
            findings: BY_APP_DEEP,
            ..deep_java("puma-peer-403")
        },
        // mod_gnutls closes without an alert on a certificate without its key
        DeepExpect {
            without_key: [Tls(None); 2],
            ..deep_gnutls("lighttpd-gnutls-enforce", WRONG_EKU_ONLY)
        },
        DeepExpect {
            without_key: [Tls(None); 2],
            grade_a: Some(false),
            ..deep_lax("lighttpd-gnutls-no-enforce", [Served(200); 2])
        },
        // Mbed TLS: TLS 1.2 only; a close without an alert for a certificate without its key,
        // certificate_unknown for one not yet valid
        DeepExpect {
            server: "lighttpd-mbedtls-enforce",
            valid: [NotSpoken, Served(200)],
            forged: [NotSpoken, Tls(UCA)],
            without_key: [NotSpoken, TlsOrClose("DecryptError")],
            expired: [NotSpoken, Tls(CE)],
            not_yet_valid: [NotSpoken, Tls(CU)],
            wrong_eku: [NotSpoken, Tls(UC)],
            grade_a: Some(true),
            findings: &[],
            absent: ALL_BAD_ACCEPTS,
        },
        DeepExpect {
            server: "lighttpd-mbedtls-no-enforce",
            valid: [NotSpoken, Served(200)],
            forged: [NotSpoken, Served(200)],
            without_key: [NotSpoken, TlsOrClose("DecryptError")],
            expired: [NotSpoken, Served(200)],
            not_yet_valid: [NotSpoken, Served(200)],
            wrong_eku: [NotSpoken, Served(200)],
            grade_a: Some(false),
            findings: LAX_ACCEPTS,
            absent: NO_KEY_ONLY,
        },
        // wolfSSL: certificate_expired for a certificate not yet valid too, bad_certificate for
        // the serverAuth-only one
        DeepExpect {
            not_yet_valid: [Tls(CE), Tls(CE)],
            wrong_eku: [Tls(BC), Tls(BC)],
            grade_a: Some(true),
            ..deep_strict_openssl("lighttpd-wolfssl-enforce")
        },
        DeepExpect {
            grade_a: Some(false),
            ..deep_lax("lighttpd-wolfssl-no-enforce", [Served(200); 2])
        },
        DeepExpect {
            grade_a: Some(true),
            ..deep_strict_openssl("hitch-required")
        },
        DeepExpect {
            findings: OPTIONAL_DEEP,
            ..deep_strict_openssl("hitch-optional")
        },
        deep_not_requested("hitch-none"),
        DeepExpect {
            grade_a: Some(false),
            findings: &["forged-client-cert-accepted"],
            absent: BAD_ACCEPTS_BUT_FORGED,
            ..deep_strict_erlang("erlang-fail_if_no_peer_cert")
        },
        DeepExpect {
            findings: &["client-cert-optional", "forged-client-cert-accepted"],
            absent: BAD_ACCEPTS_BUT_FORGED,
            ..deep_strict_erlang("erlang-verify_peer")
        },
        DeepExpect {
            grade_a: Some(false),
            findings: &[
                "untrusted-client-cert-accepted",
                "forged-client-cert-accepted",
            ],
            absent: BAD_ACCEPTS_BUT_FORGED,
            ..deep_strict_erlang("erlang-verify_fun-selfsigned")
        },
        deep_not_requested("erlang-verify_none"),
        DeepExpect {
            without_key: [Tls(HF), Tls(BC)],
            grade_a: Some(false),
            ..deep_lax("erlang-verify_fun-any", [Served(200); 2])
        },
        deep_not_requested("h2o-none"),
        DeepExpect {
            grade_a: Some(true),
            ..deep_strict_openssl("squid-clientca")
        },
        DeepExpect {
            findings: OPTIONAL_DEEP,
            ..deep_strict_openssl("squid-clientca-conditional")
        },
        deep_not_requested("squid-clientca-dont-verify"),
        deep_not_requested("squid-tls-cafile"),
        // libmicrohttpd closes without an alert on a certificate without its key; GnuTLS's
        // verify_peers2 checks no key purpose: the serverAuth-only certificate is served
        DeepExpect {
            server: "mhd-verify-403",
            valid: [Served(200); 2],
            forged: [App(403); 2],
            without_key: [Tls(None); 2],
            expired: [App(403); 2],
            not_yet_valid: [App(403); 2],
            wrong_eku: [Served(200); 2],
            grade_a: Some(false),
            findings: &[
                "client-cert-enforced-by-app",
                "wrong-eku-client-cert-accepted",
            ],
            absent: GNUTLS_ABSENT,
        },
        DeepExpect {
            without_key: [Tls(None); 2],
            grade_a: Some(false),
            findings: MHD_PRESENCE_DEEP,
            ..deep_lax("mhd-presence-403", [Served(200); 2])
        },
        DeepExpect {
            without_key: [Tls(None); 2],
            grade_a: Some(false),
            ..deep_lax("mhd-no-check", [Served(200); 2])
        },
        deep_not_requested("mhd-none"),
        // Thin closes without an alert on a certificate without its key
        DeepExpect {
            without_key: [Tls(None); 2],
            grade_a: Some(false),
            ..deep_lax("thin-default", [Served(200); 2])
        },
        DeepExpect {
            without_key: [Tls(None); 2],
            grade_a: Some(false),
            findings: MHD_PRESENCE_DEEP,
            ..deep_lax("thin-peer-403", [Served(200); 2])
        },
        deep_not_requested("thin-disable-verify"),
        // Hypercorn: every bad certificate, and the one without its key, closed without an alert
        DeepExpect {
            without_key: [Tls(None), Tls(None)],
            grade_a: Some(true),
            ..deep_strict_bare_close("hypercorn-required")
        },
        DeepExpect {
            without_key: [Tls(None), Tls(None)],
            grade_a: Some(false),
            findings: &["client-cert-optional"],
            ..deep_strict_bare_close("hypercorn-optional")
        },
        // uvicorn: as Hypercorn on TLS 1.3; TLS 1.2 unread under its default ciphers (the
        // target incomplete, B, with every identity), read with `--ssl-ciphers` set (A)
        tls12_unread(DeepExpect {
            without_key: [Tls(None), Tls(None)],
            grade_a: Some(false),
            ..deep_strict_bare_close("uvicorn-cert-reqs-2")
        }),
        DeepExpect {
            without_key: [Tls(None), Tls(None)],
            grade_a: Some(true),
            ..deep_strict_bare_close("uvicorn-cert-reqs-2-aead")
        },
        tls12_unread(DeepExpect {
            without_key: [Tls(None), Tls(None)],
            grade_a: Some(false),
            findings: &["client-cert-optional"],
            ..deep_strict_bare_close("uvicorn-cert-reqs-1")
        }),
        tls12_unread(deep_not_requested("uvicorn-ca-certs-only")),
        // etcd and the node_exporter: Go's bad_certificate for every certificate refused; the
        // valid one reads /debug/vars (tls-config-exposed, low where no anonymous client reads
        // it: below A)
        DeepExpect {
            grade_a: Some(false),
            findings: &["tls-config-exposed"],
            ..deep_strict_go("etcd-client-cert-auth")
        },
        DeepExpect {
            grade_a: Some(false),
            findings: &["tls-config-exposed"],
            ..deep_strict_go("etcd-trusted-ca-only")
        },
        deep_public_roots_only("etcd-client-cert-auth-no-ca"),
        deep_not_requested("etcd-auto-tls"),
        DeepExpect {
            grade_a: Some(false),
            findings: &["tls-config-exposed"],
            ..deep_strict_go("exporter-verify")
        },
        deep_lax("exporter-require-any", [Served(200); 2]),
        DeepExpect {
            grade_a: Some(false),
            findings: &["client-cert-optional", "tls-config-exposed"],
            ..deep_strict_go("exporter-verify-if-given")
        },
        deep_public_roots_only("exporter-verify-no-ca"),
        // Traefik 3.7 (go1.26)
        DeepExpect {
            grade_a: Some(true),
            ..deep_strict_recent_go("traefik-verify")
        },
        DeepExpect {
            grade_a: Some(true),
            ..deep_strict_recent_go("traefik-cafiles-only")
        },
        deep_lax("traefik-require-any", [Served(200); 2]),
        DeepExpect {
            grade_a: Some(false),
            findings: &["client-cert-optional"],
            ..deep_strict_recent_go("traefik-verify-if-given")
        },
        deep_not_requested("traefik-router-options-no-host"),
        deep_not_requested("nats-monitor-verify"),
        // PHP: OpenSSL's alerts for every certificate sent; the client without one unread
        DeepExpect {
            grade_a: Some(false),
            ..deep_strict_openssl("php-verify-peer")
        },
        DeepExpect {
            grade_a: Some(false),
            findings: &["untrusted-client-cert-accepted"],
            ..deep_strict_openssl("php-allow-self-signed")
        },
        deep_not_requested("php-no-verify"),
        // Granian: rustls' alerts (decrypt_error for the forged signature, certificate_expired
        // for either date, unsupported_certificate for the serverAuth-only one)
        tls13_only(deep_strict_rustls("granian-verify")),
        DeepExpect {
            grade_a: Some(false),
            findings: &["client-cert-optional"],
            ..tls13_only(deep_strict_rustls("granian-ca-only"))
        },
        tls13_only(deep_not_requested("granian-verify-no-ca")),
        deep_strict_rustls("granian-verify-tls12"),
        // Bun: BoringSSL's decrypt_error for a certificate without its key
        deep_lax("bun-serve-optional", [Served(200); 2]),
        // every certificate it does not trust closed after the handshake: a refusal on TLS 1.3
        // beside the served control, unread on TLS 1.2 (incomplete: exit 3 with every identity)
        DeepExpect {
            server: "bun-serve-required",
            valid: [Served(200); 2],
            forged: [Tls(None), NotServed],
            without_key: [Tls(DE), Tls(DE)],
            expired: [Tls(None), NotServed],
            not_yet_valid: [Tls(None), NotServed],
            wrong_eku: [Tls(None), NotServed],
            grade_a: Some(false),
            findings: &[],
            absent: ALL_BAD_ACCEPTS,
        },
        deep_not_requested("bun-serve-none"),
        deep_authorized_401("bun-https-app-401"),
        // Deno: rustls' verifier behind node:https, a bare close for every certificate it does
        // not trust (after the handshake on TLS 1.3, during it on TLS 1.2)
        // B with the identities: public-root-client-cert cannot run where refusals are closes
        DeepExpect {
            grade_a: Some(true),
            ..deep_strict_bare_close("deno-https-required")
        },
        deep_lax("deno-https-optional", [Served(200); 2]),
        deep_authorized_401("deno-https-app-401"),
        // Jetty: SunJSSE's certificate_unknown for every certificate its trust manager refuses,
        // handshake_failure for one without its key (as Tomcat)
        DeepExpect {
            grade_a: Some(true),
            ..deep_tomcat("jetty-need")
        },
        DeepExpect {
            findings: OPTIONAL_DEEP,
            ..deep_tomcat("jetty-want")
        },
        DeepExpect {
            // cacerts, not ca.crt: the valid certificate is refused like every other, so
            // enforcement-unverified and no A (as lighttpd-enforce-depth0)
            server: "jetty-need-setTrustAll",
            valid: [Tls(CU), Tls(CU)],
            forged: [Tls(CU), Tls(CU)],
            without_key: [Tls(CU), Tls(CU)],
            expired: [Tls(CU), Tls(CU)],
            not_yet_valid: [Tls(CU), Tls(CU)],
            wrong_eku: [Tls(CU), Tls(CU)],
            findings: &["enforcement-unverified", "client-ca-public-roots"],
            absent: ALL_BAD_ACCEPTS,
            grade_a: Some(false),
        },
        DeepExpect {
            without_key: [Tls(HF), Tls(HF)],
            grade_a: Some(false),
            ..deep_lax("jetty-need-TRUST_ALL_CERTS", [Served(200); 2])
        },
        DeepExpect {
            grade_a: Some(true),
            findings: BY_APP_DEEP,
            ..deep_tomcat("jetty-want-403")
        },
        // uWSGI, Mojolicious and gunicorn: OpenSSL's own alerts
        DeepExpect {
            grade_a: Some(true),
            ..deep_strict_openssl("uwsgi-https-socket-required")
        },
        DeepExpect {
            findings: OPTIONAL_DEEP,
            ..deep_strict_openssl("uwsgi-https-socket-optional")
        },
        deep_not_requested("uwsgi-https-socket-none"),
        DeepExpect {
            grade_a: Some(true),
            findings: BY_APP_DEEP,
            ..deep_strict_openssl("uwsgi-https-dn-403")
        },
        DeepExpect {
            grade_a: Some(true),
            ..deep_strict_openssl("uwsgi-https-socket-required-eof")
        },
        DeepExpect {
            grade_a: Some(true),
            findings: BY_APP_DEEP,
            ..deep_strict_openssl("uwsgi-https-dn-403-4k")
        },
        DeepExpect {
            grade_a: Some(true),
            ..deep_strict_openssl("mojo-verify-0x03")
        },
        DeepExpect {
            findings: OPTIONAL_DEEP,
            ..deep_strict_openssl("mojo-verify-0x01")
        },
        deep_not_requested("mojo-verify-0x00"),
        deep_not_requested("mojo-ca-only"),
        DeepExpect {
            grade_a: Some(true),
            findings: BY_APP_DEEP,
            ..deep_strict_openssl("mojo-verify-0x01-403")
        },
        DeepExpect {
            grade_a: Some(true),
            ..deep_strict_openssl("gunicorn-cert-reqs-2")
        },
        DeepExpect {
            findings: OPTIONAL_DEEP,
            ..deep_strict_openssl("gunicorn-cert-reqs-1")
        },
        deep_not_requested("gunicorn-ca-certs-only"),
        DeepExpect {
            grade_a: Some(true),
            ..deep_strict_openssl("webrick-peer-fail")
        },
        DeepExpect {
            findings: OPTIONAL_DEEP,
            ..deep_strict_openssl("webrick-peer")
        },
        deep_not_requested("webrick-none"),
        DeepExpect {
            grade_a: Some(true),
            ..deep_strict_openssl("twisted-require")
        },
        DeepExpect {
            findings: OPTIONAL_DEEP,
            ..deep_strict_openssl("twisted-optional")
        },
        deep_not_requested("twisted-no-verify"),
    ]
}

/// Erlang/OTP's ssl: unknown_ca for the forged certificate (no issuer whose key verifies it),
/// certificate_expired for the expired AND the not-yet-valid one, handshake_failure for the
/// serverAuth-only one, and for a certificate without its key handshake_failure on TLS 1.3,
/// bad_certificate on TLS 1.2.
fn deep_strict_erlang(server: &'static str) -> DeepExpect {
    DeepExpect {
        server,
        valid: [Served(200); 2],
        forged: [Tls(UCA), Tls(UCA)],
        without_key: [Tls(HF), Tls(BC)],
        expired: [Tls(CE), Tls(CE)],
        not_yet_valid: [Tls(CE), Tls(CE)],
        wrong_eku: [Tls(HF), Tls(HF)],
        grade_a: None,
        findings: &[],
        absent: ALL_BAD_ACCEPTS,
    }
}
const WRONG_EKU_ONLY: &[&str] = &["wrong-eku-client-cert-accepted"];
const OPTIONAL_WRONG_EKU: &[&str] = &["client-cert-optional", "wrong-eku-client-cert-accepted"];
/// Every bad-certificate finding but the wrong EKU's (GnuTLS lets that one in).
const GNUTLS_ABSENT: &[&str] = &[
    "untrusted-client-cert-accepted",
    "forged-client-cert-accepted",
    "client-key-possession-not-verified",
    "expired-client-cert-accepted",
    "not-yet-valid-client-cert-accepted",
];
const TOLERATE_EXPIRED_ABSENT: &[&str] = &[
    "client-cert-optional",
    "untrusted-client-cert-accepted",
    "forged-client-cert-accepted",
    "client-key-possession-not-verified",
    "not-yet-valid-client-cert-accepted",
    "wrong-eku-client-cert-accepted",
];
const BY_APP_DEEP: &[&str] = &["client-cert-enforced-by-app"];
const MHD_PRESENCE_DEEP: &[&str] = &[
    "client-cert-enforced-by-app",
    "untrusted-client-cert-accepted",
    "forged-client-cert-accepted",
    "expired-client-cert-accepted",
    "not-yet-valid-client-cert-accepted",
    "wrong-eku-client-cert-accepted",
];
const OPTIONAL_DEEP: &[&str] = &["client-cert-optional"];

/// SunJSSE closes the connection, without an alert, on every certificate it refuses (the one
/// without its key included).
fn deep_java(server: &'static str) -> DeepExpect {
    DeepExpect {
        server,
        valid: [Served(200); 2],
        forged: [Tls(None); 2],
        without_key: [Tls(None); 2],
        expired: [Tls(None); 2],
        not_yet_valid: [Tls(None); 2],
        wrong_eku: [Tls(None); 2],
        grade_a: None,
        findings: &[],
        absent: ALL_BAD_ACCEPTS,
    }
}

/// Tomcat's JSSE connector refuses every certificate its trust manager rejects with
/// certificate_unknown (untrusted, forged, expired, not yet valid, wrong EKU alike), and the one
/// without its key with handshake_failure.
fn deep_tomcat(server: &'static str) -> DeepExpect {
    DeepExpect {
        server,
        valid: [Served(200); 2],
        forged: [Tls(CU); 2],
        without_key: [Tls(HF); 2],
        expired: [Tls(CU); 2],
        not_yet_valid: [Tls(CU); 2],
        wrong_eku: [Tls(CU); 2],
        grade_a: None,
        findings: &[],
        absent: ALL_BAD_ACCEPTS,
    }
}

/// gnutls-serv --verify-client-cert: access_denied for every certificate its verification refuses
/// (unknown CA, forged, expired, not yet valid), decrypt_error for one without its key; the
/// serverAuth-only certificate from the trusted CA is served (no key-purpose check: surprise G2).
fn deep_gnutls(server: &'static str, findings: &'static [&'static str]) -> DeepExpect {
    DeepExpect {
        server,
        valid: [Served(200); 2],
        forged: [Tls(AD); 2],
        without_key: [Tls(DE); 2],
        expired: [Tls(AD); 2],
        not_yet_valid: [Tls(AD); 2],
        wrong_eku: [Served(200); 2],
        grade_a: Some(false),
        findings,
        absent: GNUTLS_ABSENT,
    }
}

/// The deep expectation for one server.
pub fn deep_expect(server: &str) -> DeepExpect {
    match deep_expectations().into_iter().find(|e| e.server == server) {
        Some(e) => e,
        None => panic!("no deep expectation for {server}"),
    }
}

// ---------------------------------------------------------------------------------------------
// Checking
// ---------------------------------------------------------------------------------------------

const VERSIONS: [&str; 2] = ["1.3", "1.2"];

fn s<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key).and_then(Value::as_str)
}

/// The finding ids of a target.
pub fn finding_ids(t: &Value) -> Vec<String> {
    t.get("findings")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|f| s(f, "id").map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

fn finding<'a>(t: &'a Value, id: &str) -> Option<&'a Value> {
    t.get("findings")
        .and_then(Value::as_array)
        .and_then(|a| a.iter().find(|f| s(f, "id") == Some(id)))
}

/// The probes of a target with this id and TLS version (the forged probe may run once per CA name).
/// The observations of one probe on one version that the verdict judges: those of the late-auth
/// transport when the server asked for a certificate after the handshake there, else the first
/// wave's.
pub fn probes<'a>(t: &'a Value, id: &str, version: &str) -> Vec<&'a Value> {
    let all: Vec<&Value> = t
        .get("probes")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter(|p| s(p, "tls_version") == Some(version))
                .collect()
        })
        .unwrap_or_default();
    let late = |p: &Value| p.get("late").and_then(Value::as_bool) == Some(true);
    let asked_late = all.iter().any(|p| {
        late(p) && s(p, "id") == Some("no-client-cert") && s(p, "asked_after_handshake").is_some()
    });
    all.into_iter()
        .filter(|p| s(p, "id") == Some(id) && late(p) == asked_late)
        .collect()
}

/// A short rendering of a probe for messages.
pub fn probe_summary(p: &Value) -> String {
    format!(
        "{}/{} outcome={} alert={} http={} cert_requested={} cas={}",
        s(p, "id").unwrap_or("?"),
        s(p, "tls_version").unwrap_or("?"),
        p.get("outcome").unwrap_or(&Value::Null),
        p.get("alert").unwrap_or(&Value::Null),
        p.get("http_status").unwrap_or(&Value::Null),
        p.get("cert_requested").unwrap_or(&Value::Null),
        p.get("acceptable_cas").unwrap_or(&Value::Null),
    )
}

/// A short rendering of a target for messages.
pub fn target_summary(t: &Value) -> String {
    let mut out = format!(
        "client_auth={} enforced_at={} grade={} score={} error={}\n      findings: {}",
        t.get("client_auth").unwrap_or(&Value::Null),
        t.get("enforced_at").unwrap_or(&Value::Null),
        t.get("grade").unwrap_or(&Value::Null),
        t.get("score").unwrap_or(&Value::Null),
        t.get("error").unwrap_or(&Value::Null),
        t.get("findings")
            .and_then(Value::as_array)
            .map(|a| a
                .iter()
                .map(|f| format!(
                    "{}[{}{}]",
                    s(f, "id").unwrap_or("?"),
                    s(f, "severity").unwrap_or("?"),
                    match s(f, "implied_by") {
                        Some(i) => format!(", implied_by {i}"),
                        None => String::new(),
                    }
                ))
                .collect::<Vec<_>>()
                .join(" "))
            .unwrap_or_default()
    );
    if let Some(ps) = t.get("probes").and_then(Value::as_array) {
        for p in ps {
            let _ = write!(out, "\n      probe {}", probe_summary(p));
        }
    }
    out
}

fn check_seen(errs: &mut Vec<String>, what: &str, p: &Value, version: &str, want: Seen) {
    let outcome = s(p, "outcome").unwrap_or("");
    let status = p.get("http_status").and_then(Value::as_u64);
    let alert = s(p, "alert");
    let bad = |errs: &mut Vec<String>, why: &str| {
        errs.push(format!(
            "{what} TLS {version}: expected {want:?}, got {} ({why})",
            probe_summary(p)
        ));
    };
    match want {
        Flaky => {}
        Skipped => bad(errs, "the probe should not have run"),
        Served(code) => {
            if outcome != "served" || status != Some(u64::from(code)) {
                bad(errs, "the real server serves it");
            }
        }
        // A close without an alert where no control could be answered (no identity given, no
        // client answered on this version) is unread on its first attempt, saying why: the
        // scanner does not confirm what would stay unread (the target is incomplete).
        Tls(None)
            if outcome == "inconclusive"
                && s(p, "detail").is_some_and(|d| {
                    d.starts_with("closed without an alert or an HTTP answer")
                        && d.contains("so the close was not tried again")
                }) => {}
        Tls(al) => {
            if outcome != "refused-tls" {
                bad(errs, "the real server refuses at the TLS layer");
            } else if let Some(al) = al {
                // TLS 1.3 alerts come after the client's handshake and can be lost to a TCP reset
                // when the request races them: a missing alert is tolerated there, a wrong one
                // never.
                match alert {
                    Some(got) if got == al => {}
                    None if version == "1.3" => {}
                    _ => bad(errs, "wrong or missing alert"),
                }
            } else if alert.is_some() {
                bad(errs, "the real server closes without an alert");
            }
        }
        // judged as the alert it carries, or as the close it is without one
        TlsOrClose(al) => {
            let seen = if alert.is_some() {
                Tls(Some(al))
            } else {
                Tls(None)
            };
            check_seen(errs, what, p, version, seen);
        }
        Http400 => {
            if outcome != "refused-http" || status != Some(400) {
                bad(errs, "nginx answers 400 itself");
            }
        }
        App(code) => {
            if !matches!(outcome, "refused-http" | "answered") || status != Some(u64::from(code)) {
                bad(errs, "the application answers with this status");
            }
        }
        NotServed => {
            if outcome == "served" {
                bad(errs, "must not be served");
            }
        }
        NotSpoken => {
            if outcome != "unsupported-version" {
                bad(errs, "the real server does not speak this version");
            }
        }
        UnreadBeforeCert => {
            let before_cert = s(p, "detail").is_some_and(|d| {
                d.contains("TLS handshake failed before the server's certificate")
            });
            if outcome != "inconclusive" || !before_cert {
                bad(
                    errs,
                    "no suite the scan speaks: unread before the certificate",
                );
            }
        }
    }
}

/// Servers that accept one pinned certificate, not a CA: the staging CA's own valid certificate
/// (the deep probes' staging control) is refused there like any other, so the staging probes
/// (expired, not yet valid, wrong EKU) prove nothing: unread on both versions, never passes.
const PINNED: &[&str] = &["stunnel-verifyPeer"];

/// The deep probes' staging probes.
const STAGING_PROBES: [&str; 3] = [
    "expired-client-cert",
    "not-yet-valid-client-cert",
    "wrong-eku-client-cert",
];

/// A `valid-client-cert` observation of the staging CA's own valid certificate: the staging
/// probes' control, tried beside `client-cert` where a staging probe was refused.
fn staging_control(p: &Value) -> bool {
    p.pointer("/client_cert/origin").and_then(Value::as_str) == Some("minted: staging CA, valid")
}

/// The staging control, where it ran: the deep probes' staging CA is the trusted CA, so it is
/// answered as the positive control is, except by a server that pins one certificate
/// ([`PINNED`]), which refuses it and leaves the staging probes unread.
fn check_staging_control(errs: &mut Vec<String>, t: &Value, e: &DeepExpect) {
    let pinned = PINNED.contains(&e.server);
    for (version, valid) in VERSIONS.iter().zip(e.valid) {
        let want = if pinned { NotServed } else { valid };
        for p in probes(t, "valid-client-cert", version)
            .into_iter()
            .filter(|p| staging_control(p))
        {
            check_seen(errs, "the staging control", p, version, want);
        }
        for id in STAGING_PROBES.iter().filter(|_| pinned) {
            let unread = t
                .get("incomplete")
                .and_then(Value::as_array)
                .is_some_and(|a| {
                    a.iter().any(|i| {
                        s(i, "probe") == Some(id)
                            && s(i, "tls_version") == Some(version)
                            && s(i, "reason").is_some_and(|r| {
                                r.contains("does not accept certificates from the staging CA")
                            })
                    })
                });
            if !unread {
                errs.push(format!(
                    "probe {id} TLS {version}: expected unread (the staging CA is not accepted)"
                ));
            }
        }
    }
}

/// Whether `p` presented another subject issued by an end-entity certificate.
fn issued_by_holder(p: &Value) -> bool {
    p.get("client_cert")
        .and_then(|c| s(c, "origin"))
        .is_some_and(|o| o.contains(probe_core::identity::forge::ISSUED_BY_HOLDER_MARK))
}

fn check_probe_pair(errs: &mut Vec<String>, t: &Value, id: &str, want: [Seen; 2]) {
    check_probes_where(errs, t, id, want, |_| true);
}

/// [`check_probe_pair`] over the observations `keep` keeps.
fn check_probes_where(
    errs: &mut Vec<String>,
    t: &Value,
    id: &str,
    want: [Seen; 2],
    keep: impl Fn(&Value) -> bool,
) {
    for (version, w) in VERSIONS.iter().zip(want) {
        let ps: Vec<&Value> = probes(t, id, version)
            .into_iter()
            .filter(|p| keep(p))
            .collect();
        if w == Skipped {
            let listed = t
                .get("skipped_probes")
                .and_then(Value::as_array)
                .is_some_and(|a| a.iter().any(|k| s(k, "id") == Some(id)));
            if !ps.is_empty() || !listed {
                errs.push(format!(
                    "probe {id} TLS {version}: expected skipped with a reason"
                ));
            }
            continue;
        }
        if ps.is_empty() {
            if w != Flaky {
                errs.push(format!("probe {id} TLS {version}: missing from the report"));
            }
            continue;
        }
        for p in ps {
            // The forged certificate without a key identifier fails on the real CA's signature
            // (OpenSSL: decrypt_error, not unknown_ca), and a leaf sent again with a CA's
            // certificate after it is judged as another chain (Erlang checks the forgery's
            // signature against the real CA it was sent with: bad_certificate; stunnel's pinned
            // peer finds the staging leaf's own flaw: certificate_expired; wolfSSL answers the
            // forgery sent with a self-signed CA of its issuer's name with bad_certificate, not
            // unknown_ca), and so are the forgery
            // naming the real CA's key identifier (found by it, its signature fails) and another
            // subject issued by the valid certificate: their refusal is checked, not their alert.
            let other_chain = p
                .get("client_cert")
                .and_then(|c| s(c, "origin"))
                .is_some_and(|o| {
                    o.contains("key identifier")
                        || o.contains(probe_core::identity::forge::ISSUED_BY_HOLDER_MARK)
                        || o.contains(probe_core::identity::forge::WITH_IMPOSTOR_CA_MARK)
                        || (o.contains("sent with the") && !o.contains("sent with that CA's"))
                });
            if other_chain && matches!(w, Tls(_)) {
                if s(p, "outcome") != Some("refused-tls") {
                    errs.push(format!(
                        "probe {id} TLS {version} (another chain): expected refused-tls, got {}",
                        probe_summary(p)
                    ));
                }
                continue;
            }
            check_seen(errs, &format!("probe {id}"), p, version, w);
        }
    }
}

fn check_findings(errs: &mut Vec<String>, t: &Value, present: &[(&str, Implied)], absent: &[&str]) {
    let ids = finding_ids(t);
    for (id, implied) in present {
        match finding(t, id) {
            None => errs.push(format!("finding {id}: expected, missing (got {ids:?})")),
            Some(f) => {
                let got = s(f, "implied_by");
                let ok = match implied {
                    Implied::Any => true,
                    Implied::Null => got.is_none(),
                    Implied::NullOr(x) => got.is_none() || got == Some(*x),
                };
                if !ok {
                    errs.push(format!(
                        "finding {id}: implied_by {got:?}, expected {implied:?}"
                    ));
                }
            }
        }
    }
    for id in absent {
        if ids.iter().any(|i| i == id) {
            errs.push(format!(
                "finding {id}: must be absent, present (got {ids:?})"
            ));
        }
    }
}

/// Compares a target with the default-probe oracle; returns the mismatches.
pub fn check_target(e: &Expect, t: &Value) -> Vec<String> {
    let mut errs = Vec::new();
    if !t.get("error").is_some_and(Value::is_null) {
        errs.push(format!(
            "error: expected null, got {}",
            t.get("error").unwrap_or(&Value::Null)
        ));
    }
    let ca = s(t, "client_auth");
    if !e.client_auth.split('|').any(|c| ca == Some(c)) {
        errs.push(format!(
            "client_auth: expected {:?}, got {ca:?}",
            e.client_auth
        ));
    }
    let ea = s(t, "enforced_at");
    let late = e.late_auth && matches!(ea, Some("post-handshake" | "renegotiation"));
    // An unread client-auth level enforces nothing that can be named.
    let enforced_at = if ca == Some("unknown") {
        None
    } else {
        e.enforced_at
    };
    if ea != enforced_at && !late {
        errs.push(format!(
            "enforced_at: expected {}, got {ea:?}",
            if e.late_auth {
                "\"post-handshake\" or \"renegotiation\"".to_owned()
            } else {
                format!("{enforced_at:?}")
            }
        ));
    }
    check_findings(&mut errs, t, e.findings, e.absent);
    check_grade(&mut errs, t, e.grade_a);
    for (version, (nc, un)) in VERSIONS
        .iter()
        .zip(e.no_cert.iter().zip(e.untrusted.iter()))
    {
        let ps = probes(t, "no-client-cert", version);
        match ps.first() {
            None => errs.push(format!("probe no-client-cert TLS {version}: missing")),
            // nothing is requested where nothing is asked yet (late auth) or the version is not
            // spoken at all
            Some(p) if e.late_auth || matches!(*nc, NotSpoken | UnreadBeforeCert) => {
                check_seen(&mut errs, "probe no-client-cert", p, version, *nc);
            }
            Some(p) => {
                let req = p.get("cert_requested").and_then(Value::as_bool);
                if req != Some(e.cert_requested) {
                    errs.push(format!(
                        "no-client-cert TLS {version}: cert_requested expected {}, got {req:?}",
                        e.cert_requested
                    ));
                }
                let cas: Vec<String> = p
                    .get("acceptable_cas")
                    .and_then(Value::as_array)
                    .map(|a| a.iter().map(|c| c.to_string()).collect())
                    .unwrap_or_default();
                if e.ca_names {
                    if !cas.iter().any(|c| c.contains(e.ca_name)) {
                        errs.push(format!(
                            "no-client-cert TLS {version}: acceptable_cas should name {:?}, \
                             got {cas:?}",
                            e.ca_name
                        ));
                    }
                } else if !cas.is_empty() {
                    errs.push(format!(
                        "no-client-cert TLS {version}: acceptable_cas should be empty, got {cas:?}"
                    ));
                }
                check_seen(&mut errs, "probe no-client-cert", p, version, *nc);
            }
        }
        let ps = probes(t, "untrusted-client-cert", version);
        match ps.first() {
            None => errs.push(format!(
                "probe untrusted-client-cert TLS {version}: missing"
            )),
            Some(p) => check_seen(&mut errs, "probe untrusted-client-cert", p, version, *un),
        }
    }
    check_default_forged(&mut errs, e, t);
    errs
}

/// Some(true): grade A and no critical or high finding. Some(false): grade below A. None: any.
fn check_grade(errs: &mut Vec<String>, t: &Value, want: Option<bool>) {
    let grade = s(t, "grade");
    match want {
        Some(true) => {
            // A verifying server is A, or B where a probe testing admission did not run for want
            // of an identity or a staging CA (what it tries is not proven), with the note saying so.
            let not_run: Vec<&str> = t
                .get("skipped_probes")
                .and_then(Value::as_array)
                .map(|a| {
                    a.iter()
                        .filter_map(|p| s(p, "id"))
                        .filter(|id| !matches!(*id, "server-certificate" | "tls-config-exposed"))
                        .collect()
                })
                .unwrap_or_default();
            let want = if not_run.is_empty() { "A" } else { "B" };
            if grade != Some(want) {
                errs.push(format!(
                    "grade: expected {want} (probes not run: {not_run:?}), got {grade:?}"
                ));
            }
            let noted = t.get("notes").and_then(Value::as_array).is_some_and(|n| {
                n.iter().any(|n| {
                    n.as_str()
                        .is_some_and(|n| n.starts_with("graded B at best"))
                })
            });
            if !not_run.is_empty() && !noted {
                errs.push("grade: B at best, without the note that says why".to_owned());
            }
            let severe: Vec<String> = t
                .get("findings")
                .and_then(Value::as_array)
                .map(|a| {
                    a.iter()
                        .filter(|f| matches!(s(f, "severity"), Some("critical" | "high")))
                        .filter_map(|f| s(f, "id").map(str::to_owned))
                        .collect()
                })
                .unwrap_or_default();
            if !severe.is_empty() {
                errs.push(format!(
                    "critical/high findings on a verifying server: {severe:?}"
                ));
            }
        }
        Some(false) if grade == Some("A") => {
            errs.push("grade: expected below A, got A".to_owned());
        }
        Some(false) | None => {}
    }
}

/// The forged probe runs without identities when the server advertises CA names (it copies one);
/// Python advertises none, so there it must be skipped.
fn check_default_forged(errs: &mut Vec<String>, e: &Expect, t: &Value) {
    if !e.cert_requested || e.late_auth {
        // nothing is sent (NOT_REQUESTED_ABSENT already forbids the finding), or the CA names
        // come only after the request
        return;
    }
    if !e.ca_names {
        let skipped = t
            .get("skipped_probes")
            .and_then(Value::as_array)
            .is_some_and(|a| a.iter().any(|p| s(p, "id") == Some("forged-client-cert")));
        let ran = VERSIONS
            .iter()
            .any(|v| !probes(t, "forged-client-cert", v).is_empty());
        if ran || !skipped {
            errs.push(
                "forged-client-cert: no CA names advertised and no identity given, so it \
                 should be listed in skipped_probes and not run"
                    .to_owned(),
            );
        }
        return;
    }
    let forged = deep_expect(e.server).forged;
    check_probe_pair(errs, t, "forged-client-cert", forged);
    let ids = finding_ids(t);
    let has = ids.iter().any(|i| i == "forged-client-cert-accepted");
    // judged on the versions the server speaks
    let spoken: Vec<Seen> = forged.into_iter().filter(|s| *s != NotSpoken).collect();
    let served = !spoken.is_empty() && spoken.iter().all(|s| matches!(s, Served(_)));
    match () {
        () if spoken.contains(&Flaky) => {}
        () if served && !has => errs.push(format!(
            "finding forged-client-cert-accepted: expected (the server serves a forged \
             certificate), missing (got {ids:?})"
        )),
        () if !served && has => errs.push(format!(
            "finding forged-client-cert-accepted: must be absent (the server refuses the \
             forged certificate), present (got {ids:?})"
        )),
        () => {}
    }
}

/// Compares a target with the deep-probe oracle; returns the mismatches.
pub fn check_deep(e: &DeepExpect, t: &Value) -> Vec<String> {
    let mut errs = Vec::new();
    if !t.get("error").is_some_and(Value::is_null) {
        errs.push(format!(
            "error: expected null, got {}",
            t.get("error").unwrap_or(&Value::Null)
        ));
    }
    // Where no certificate is requested none is ever sent: the identity probes only need to
    // exist and be served, which the target-level checks cover, so skip their outcomes.
    if e.findings != NOT_REQUESTED_FINDINGS {
        check_probes_where(&mut errs, t, "valid-client-cert", e.valid, |p| {
            !staging_control(p)
        });
        check_staging_control(&mut errs, t, e);
        if HOLDER_SERVED.contains(&e.server) {
            check_probes_where(&mut errs, t, "forged-client-cert", e.forged, |p| {
                !issued_by_holder(p)
            });
            for version in VERSIONS {
                let served = probes(t, "forged-client-cert", version)
                    .into_iter()
                    .any(|p| issued_by_holder(p) && s(p, "outcome") == Some("served"));
                if !served {
                    errs.push(format!(
                        "probe forged-client-cert TLS {version}: another subject issued by an \
                         end-entity certificate should be served"
                    ));
                }
            }
        } else {
            check_probe_pair(&mut errs, t, "forged-client-cert", e.forged);
        }
        check_probe_pair(&mut errs, t, "cert-without-key", e.without_key);
        check_probe_pair(&mut errs, t, "expired-client-cert", e.expired);
        check_probe_pair(&mut errs, t, "not-yet-valid-client-cert", e.not_yet_valid);
        check_probe_pair(&mut errs, t, "wrong-eku-client-cert", e.wrong_eku);
    }
    let present: Vec<(&str, Implied)> = e.findings.iter().map(|f| (*f, Implied::Any)).collect();
    check_findings(&mut errs, t, &present, e.absent);
    check_grade(&mut errs, t, e.grade_a);
    errs
}

/// Checks the top of a report: version 1 and a top-level grade no better than any target's.
pub fn check_report_top(report: &Value) -> Vec<String> {
    let mut errs = Vec::new();
    if report.get("version").and_then(Value::as_u64) != Some(1) {
        errs.push(format!(
            "version: expected 1, got {:?}",
            report.get("version")
        ));
    }
    let rank = |g: Option<&str>| match g {
        Some("A") => 5,
        Some("B") => 4,
        Some("C") => 3,
        Some("D") => 2,
        Some("F") => 1,
        _ => 0,
    };
    let top = rank(s(report, "grade"));
    let worst = report
        .get("targets")
        .and_then(Value::as_array)
        .map(|a| a.iter().map(|t| rank(s(t, "grade"))).min().unwrap_or(0))
        .unwrap_or(0);
    if top == 0 || top != worst {
        errs.push(format!(
            "top-level grade {:?} is not the worst target grade",
            s(report, "grade")
        ));
    }
    errs
}

/// Which probes a group run checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Probes {
    /// The default probes (no identities): [`expectations`].
    Default,
    /// With the identities given: [`deep_expectations`].
    Deep,
}

/// Starts `servers`, scans them in one run and checks every verdict; panics listing every
/// mismatch (expected vs got, with the target's evidence).
pub fn run_group(servers: &[&str]) {
    run_checked(servers, &[Probes::Default]);
}

/// Like [`run_group`] with the deep probes (identities given).
pub fn run_deep_group(servers: &[&str]) {
    run_checked(servers, &[Probes::Deep]);
}

/// [`run_group`] and [`run_deep_group`] on ONE start of the servers: for a family whose start-up
/// is the cost (a JVM each), started once instead of twice at the same time.
pub fn run_group_and_deep(servers: &[&str]) {
    run_checked(servers, &[Probes::Default, Probes::Deep]);
}

fn run_checked(servers: &[&str], modes: &[Probes]) {
    if !tools_present(servers) {
        return;
    }
    let mut lab = Lab::new();
    lab.start(servers);
    let mut all = String::new();
    for &probes in modes {
        let extra = match probes {
            Probes::Default => Vec::new(),
            Probes::Deep => deep_args(&lab),
        };
        // An inconclusive probe is the scanner being honest about an answer it could not read (a
        // JVM slower than the post-handshake wait under the suite's load closes on the request: a
        // reset). When that is all that disagrees, the servers are scanned once more and that
        // scan is judged; a wrong verdict is never given a second chance.
        let mut failures = judge_scan(&lab, servers, probes, &extra);
        if failures.retry {
            eprintln!(
                "only unreadable probes disagreed; scanning once more:\n{}",
                failures.text
            );
            failures = judge_scan(&lab, servers, probes, &extra);
        }
        let who = match probes {
            Probes::Default => "mtls-scan disagrees",
            Probes::Deep => "mtls-scan's deep probes disagree",
        };
        if !failures.text.is_empty() {
            let _ = writeln!(
                all,
                "{who} with the ground truth (tests/servers/GROUND_TRUTH.md):\n{}",
                failures.text
            );
        }
    }
    if !all.is_empty() {
        panic!("{all}");
    }
}

/// The disagreements of one scan, and whether every one is a probe that could not be read.
struct Disagreements {
    text: String,
    retry: bool,
}

fn judge_scan(lab: &Lab, servers: &[&str], probes: Probes, extra: &[String]) -> Disagreements {
    let scan = lab.scan(&[], extra);
    let mut failures = String::new();
    let mut unreadable_only = true;
    if probes == Probes::Default {
        eprintln!(
            "scanned {} servers in {:.2} s",
            servers.len(),
            scan.elapsed.as_secs_f64()
        );
        for e in check_report_top(&scan.report) {
            unreadable_only = false;
            let _ = writeln!(failures, "report: {e}");
        }
    }
    for name in servers {
        let Some(t) = scan.targets.get(*name) else {
            continue;
        };
        let mut errs = match probes {
            Probes::Default => check_target(&expect(name), t),
            Probes::Deep => check_deep(&deep_expect(name), t),
        };
        errs.extend(check_fix_stack(name, t));
        if !errs.is_empty() {
            // An unreadable probe, and the B that its incompleteness alone brings (an incomplete
            // target is capped at B; any finding above info would be a reason of its own).
            let unreadable =
                |e: &String| e.contains(", got ") && e.contains("outcome=\"inconclusive\"");
            let incomplete = t
                .get("incomplete")
                .and_then(Value::as_array)
                .is_some_and(|a| !a.is_empty());
            let no_finding_above_info = t
                .get("findings")
                .and_then(Value::as_array)
                .is_none_or(|a| a.iter().all(|f| s(f, "severity") == Some("info")));
            let capped = |e: &String| {
                incomplete && no_finding_above_info && e == "grade: expected A, got Some(\"B\")"
            };
            unreadable_only &=
                errs.iter().any(unreadable) && errs.iter().all(|e| unreadable(e) || capped(e));
            let _ = writeln!(
                failures,
                "{name} ({}):\n    - {}\n    evidence: {}",
                lab.server(name).url(),
                errs.join("\n    - "),
                target_summary(t)
            );
        }
    }
    Disagreements {
        retry: unreadable_only && !failures.is_empty(),
        text: failures,
    }
}

/// The stack a server names in what the scan sees (its `Server` or `Via` header, its own page),
/// measured on these servers; its fix must come first, marked guessed.
fn recognised_stack(name: &str) -> Option<&'static str> {
    const BY_PREFIX: &[(&str, &str)] = &[
        ("lighttpd-", "lighttpd"),
        ("ats-", "Apache Traffic Server"),
        ("nghttpx-", "nghttpx"),
        ("squid-", "Squid"),
        ("webrick-", "Ruby (Puma, WEBrick, Thin)"),
        ("thin-", "Ruby (Puma, WEBrick, Thin)"),
        ("mojo-", "Perl (Mojolicious, IO::Socket::SSL)"),
        ("erlang-", "Erlang/Elixir (ssl, Cowboy, Bandit)"),
        ("gnutls-", "GnuTLS"),
    ];
    BY_PREFIX
        .iter()
        .find(|(prefix, _)| name.starts_with(prefix))
        .map(|(_, stack)| *stack)
}

/// The findings of a server whose stack is recognised lead with that stack's fix (every finding
/// that stack can have; the others list the fixes as when nothing is recognised), and no
/// finding leads with another's. A server that never answered HTTP (every probe refused in the
/// handshake: lighttpd-enforce-depth0) showed nothing to recognise: no guess at all.
fn check_fix_stack(name: &str, t: &Value) -> Vec<String> {
    const NOT_THEIRS: &[&str] = &[
        "tls-config-exposed",
        "sni-host-mismatch-bypass",
        "session-resumption-bypass",
    ];
    let Some(stack) = recognised_stack(name) else {
        return Vec::new();
    };
    let answered = t
        .get("probes")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .any(|p| {
            ["server_header", "via", "body_excerpt"]
                .iter()
                .any(|k| p.get(k).is_some())
        });
    let findings = t.get("findings").and_then(Value::as_array);
    let mut errs = Vec::new();
    let mut led = 0;
    for f in findings.into_iter().flatten() {
        let id = s(f, "id").unwrap_or("?");
        let fixes = f.get("fixes").and_then(Value::as_array);
        let Some(first) = fixes.and_then(|x| x.first()) else {
            continue;
        };
        let guessed = first.get("guessed").and_then(Value::as_bool) == Some(true);
        match (guessed, s(first, "stack")) {
            (true, Some(got)) if got == stack => led += 1,
            (true, got) => errs.push(format!("{id}: fix of {got:?} first, expected {stack}")),
            (false, _) if !answered || NOT_THEIRS.contains(&id) => {}
            (false, _) => errs.push(format!("{id}: no guessed fix, expected {stack} first")),
        }
    }
    if answered && findings.is_some_and(|a| !a.is_empty()) && led == 0 && errs.is_empty() {
        errs.push(format!("no finding leads with the fix of {stack}"));
    }
    errs
}

/// The identity flags of the deep probes.
pub fn deep_args(lab: &Lab) -> Vec<String> {
    vec![
        "--client-cert".into(),
        lab.pki_file("client.crt"),
        "--client-key".into(),
        lab.pki_file("client.key"),
        "--issuing-ca-cert".into(),
        lab.pki_file("ca.crt"),
        "--issuing-ca-key".into(),
        lab.pki_file("ca.key"),
    ]
}
