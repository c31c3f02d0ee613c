//! The lab's cases: each misconfiguration, and the verdict a correct scanner reaches on it.

/// One configuration of the lab.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LabCase {
    /// No client authentication at all.
    NoClientAuth,
    /// Asks for a certificate, serves without one (rustls `allow_unauthenticated()`).
    Optional,
    /// Requires and verifies a certificate from the lab CA: the correct configuration.
    RequiredVerified,
    /// A custom verifier that accepts any certificate.
    AcceptAnyCert,
    /// Optional at TLS; the app answers 403 without a certificate.
    OptionalApp403,
    /// A verifier that checks only the issuer name, never the CA's signature.
    IssuerNameOnly,
    /// A verifier that skips the CertificateVerify signature (no proof of key possession).
    SkipSignature,
    /// A verifier that ignores validity dates.
    IgnoreValidity,
    /// Correct client auth; the server's own certificate has expired.
    ExpiredServerCert,
    /// Correct client auth; the server's certificate is self-signed.
    SelfSignedServerCert,
    /// Correct client auth; the server's certificate names another host.
    WrongHostServerCert,
    /// Correct client auth; the server sends its certificate without the intermediate CA.
    MissingIntermediate,
    /// Optional client auth, and a Spring actuator that shows it (`server.ssl.client-auth: want`).
    LeakyActuator,
    /// Client auth chosen by SNI (required without one, none for any name: the scanner tries the
    /// certificate's `localhost`), the site by `Host`: SNI `localhost` with the protected `Host`
    /// gets the protected site.
    SniHostRouting,
    /// No client auth in TLS; the app trusts `X-SSL-Client-Verify: SUCCESS`, as if a proxy that
    /// verified the certificate had set it (and none strips the client's copy).
    TrustsProxyHeader,
    /// Optional in TLS; the app answers 403 without a certificate, but counts a resumed session
    /// as authenticated, as Node.js's `socket.authorized` does on TLS 1.3 (nodejs/node#35317):
    /// the session of a refused anonymous connection, resumed, gets in.
    ResumedSessionTrusted,
    /// Any certificate gets through TLS (a verifier that accepts all, as nginx `optional_no_ca`
    /// or HAProxy `ca-ignore-err all` do); the app answers 403 unless the subject is the lab
    /// client's: whoever signs a certificate with that name gets in.
    SubjectAuthorized,
    /// Optional in TLS; the app answers 403 without a certificate to the `Host` clients send on
    /// its port (`127.0.0.1:PORT`), compared as written, and serves the same site under any
    /// other spelling of it (`127.0.0.1`, without the port), as an HAProxy `req.hdr(host)` ACL
    /// or an application's `request.host ==` does; any other `Host` gets `no such site`.
    HostGuardAsWritten,
    /// Optional in TLS, scanned at `/admin/orders`; the app answers 403 without a certificate to a
    /// path that starts with `/admin/` as written (case-sensitive, not decoded), and routes the
    /// path decoded, slashes merged, dot segments dropped and case ignored, as many frameworks
    /// do: `/%61dmin/orders`, `//admin/orders`, `/ADMIN/orders` get the orders without one.
    PathGuardAsWritten,
    /// Optional in TLS; the app checks a connection's first request only, marking the
    /// connection checked before it knows the answer: the second request on a kept-alive
    /// connection is served without a certificate.
    CheckedOncePerConnection,
}

/// The verdict a correct scanner reaches on a case.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Expected {
    /// `client_auth`: `none`, `optional` or `required`.
    pub client_auth: &'static str,
    /// Root-cause finding ids, in any order. Only those that need no identity flags are listed
    /// in `basic`; `deep` adds those found with the lab's client identity and issuing CA.
    pub basic: &'static [&'static str],
    /// Extra root-cause findings with `--client-cert/--client-key` and `--issuing-ca-*`.
    pub deep: &'static [&'static str],
}

/// The whole verdict of a scan with the lab's identity and issuing CA: the grade, and every
/// finding, those implied by a root cause included (sorted). Written out by hand from what each
/// server is built to do, never computed by the scanner's own grading.
#[derive(Debug, Clone, Copy)]
pub struct DeepVerdict {
    /// The grade letter.
    pub grade: &'static str,
    /// Every finding id, sorted.
    pub findings: &'static [&'static str],
}

impl Expected {
    /// The root-cause findings of a scan with the lab's identity and issuing CA.
    pub fn deep_roots(&self) -> Vec<&'static str> {
        let mut all: Vec<&'static str> = self.basic.iter().chain(self.deep).copied().collect();
        all.sort_unstable();
        all
    }
}

impl LabCase {
    /// Every case, in demo order.
    pub const ALL: [LabCase; 20] = [
        LabCase::NoClientAuth,
        LabCase::Optional,
        LabCase::RequiredVerified,
        LabCase::AcceptAnyCert,
        LabCase::OptionalApp403,
        LabCase::IssuerNameOnly,
        LabCase::SkipSignature,
        LabCase::IgnoreValidity,
        LabCase::ExpiredServerCert,
        LabCase::SelfSignedServerCert,
        LabCase::WrongHostServerCert,
        LabCase::MissingIntermediate,
        LabCase::LeakyActuator,
        LabCase::SniHostRouting,
        LabCase::TrustsProxyHeader,
        LabCase::ResumedSessionTrusted,
        LabCase::SubjectAuthorized,
        LabCase::HostGuardAsWritten,
        LabCase::PathGuardAsWritten,
        LabCase::CheckedOncePerConnection,
    ];

    /// Short stable name.
    pub fn name(self) -> &'static str {
        match self {
            LabCase::NoClientAuth => "no-client-auth",
            LabCase::Optional => "optional",
            LabCase::RequiredVerified => "required-verified",
            LabCase::AcceptAnyCert => "accept-any-cert",
            LabCase::OptionalApp403 => "optional-app-403",
            LabCase::IssuerNameOnly => "issuer-name-only",
            LabCase::SkipSignature => "skip-signature",
            LabCase::IgnoreValidity => "ignore-validity",
            LabCase::ExpiredServerCert => "expired-server",
            LabCase::SelfSignedServerCert => "self-signed-server",
            LabCase::WrongHostServerCert => "wrong-host-server",
            LabCase::MissingIntermediate => "no-intermediate",
            LabCase::LeakyActuator => "leaky-actuator",
            LabCase::SniHostRouting => "sni-host-routing",
            LabCase::TrustsProxyHeader => "proxy-header",
            LabCase::ResumedSessionTrusted => "resumption-trusted",
            LabCase::SubjectAuthorized => "subject-authorized",
            LabCase::HostGuardAsWritten => "host-guard",
            LabCase::PathGuardAsWritten => "path-guard",
            LabCase::CheckedOncePerConnection => "checked-once",
        }
    }

    /// What the server does, in a phrase.
    pub fn description(self) -> &'static str {
        match self {
            LabCase::NoClientAuth => "never asks for a client certificate",
            LabCase::Optional => "asks, but serves without a certificate (allow_unauthenticated)",
            LabCase::RequiredVerified => "requires a certificate from its CA (correct)",
            LabCase::AcceptAnyCert => "custom verifier that accepts any certificate",
            LabCase::OptionalApp403 => "optional in TLS, the app answers 403 without a certificate",
            LabCase::IssuerNameOnly => "verifier that matches the issuer name only",
            LabCase::SkipSignature => "verifier that skips the CertificateVerify signature",
            LabCase::IgnoreValidity => "verifier that ignores validity dates",
            LabCase::ExpiredServerCert => "correct client auth, expired server certificate",
            LabCase::SelfSignedServerCert => "correct client auth, self-signed server certificate",
            LabCase::WrongHostServerCert => "correct client auth, certificate for another host",
            LabCase::MissingIntermediate => "correct client auth, intermediate CA not sent",
            LabCase::LeakyActuator => "optional, and /actuator/env shows client-auth=want",
            LabCase::SniHostRouting => "client auth by SNI (none for a name), site by Host",
            LabCase::TrustsProxyHeader => "no client auth; the app trusts X-SSL-Client-Verify",
            LabCase::ResumedSessionTrusted => {
                "optional, the app answers 403 but trusts resumed sessions"
            }
            LabCase::SubjectAuthorized => "any CA in TLS, the app allows the client's subject",
            LabCase::HostGuardAsWritten => "optional; the app's 403 compares the Host as written",
            LabCase::PathGuardAsWritten => "optional; the app's 403 compares the path as written",
            LabCase::CheckedOncePerConnection => {
                "optional; the app checks a connection's first request only"
            }
        }
    }

    /// The path the case is scanned at.
    pub fn path(self) -> &'static str {
        match self {
            LabCase::PathGuardAsWritten => "/admin/orders",
            _ => "/",
        }
    }

    /// The whole verdict a correct scanner reaches with the lab's identity and issuing CA.
    pub fn deep_verdict(self) -> DeepVerdict {
        const ALL_BAD_CERTS: &[&str] = &[
            "expired-client-cert-accepted",
            "forged-client-cert-accepted",
            "not-yet-valid-client-cert-accepted",
            "untrusted-client-cert-accepted",
            "wrong-eku-client-cert-accepted",
        ];
        let (grade, findings): (&'static str, &'static [&'static str]) = match self {
            LabCase::NoClientAuth => ("F", &["client-cert-not-requested"]),
            LabCase::Optional => ("F", &["client-cert-optional"]),
            LabCase::RequiredVerified => ("A", &[]),
            // Any certificate: every bad one gets in, the unknown CA's the root cause.
            LabCase::AcceptAnyCert => ("F", ALL_BAD_CERTS),
            LabCase::OptionalApp403 => ("A", &["client-cert-enforced-by-app"]),
            // Any certificate naming the CA: all but the unknown CA's.
            LabCase::IssuerNameOnly => (
                "F",
                &[
                    "expired-client-cert-accepted",
                    "forged-client-cert-accepted",
                    "not-yet-valid-client-cert-accepted",
                    "wrong-eku-client-cert-accepted",
                ],
            ),
            LabCase::SkipSignature => ("F", &["client-key-possession-not-verified"]),
            LabCase::IgnoreValidity => (
                "F",
                &[
                    "expired-client-cert-accepted",
                    "not-yet-valid-client-cert-accepted",
                ],
            ),
            LabCase::ExpiredServerCert => ("D", &["server-cert-expired"]),
            LabCase::SelfSignedServerCert => {
                ("D", &["server-cert-self-signed", "server-cert-untrusted"])
            }
            LabCase::WrongHostServerCert => ("D", &["server-cert-hostname-mismatch"]),
            LabCase::MissingIntermediate => {
                ("C", &["server-cert-untrusted", "server-chain-incomplete"])
            }
            LabCase::LeakyActuator => ("F", &["client-cert-optional", "tls-config-exposed"]),
            LabCase::SniHostRouting => ("F", &["sni-host-mismatch-bypass"]),
            LabCase::TrustsProxyHeader => (
                "F",
                &["client-cert-header-spoofing", "client-cert-not-requested"],
            ),
            LabCase::ResumedSessionTrusted => (
                "F",
                &["client-cert-enforced-by-app", "session-resumption-bypass"],
            ),
            // Any CA, then the subject: every bad certificate claiming it gets in.
            LabCase::SubjectAuthorized => ("F", ALL_BAD_CERTS),
            LabCase::HostGuardAsWritten => {
                ("F", &["client-cert-enforced-by-app", "host-form-bypass"])
            }
            LabCase::PathGuardAsWritten => {
                ("F", &["client-cert-enforced-by-app", "path-form-bypass"])
            }
            LabCase::CheckedOncePerConnection => (
                "F",
                &["client-cert-enforced-by-app", "client-cert-optional"],
            ),
        };
        DeepVerdict { grade, findings }
    }

    /// The verdict a correct scanner reaches.
    pub fn expected(self) -> Expected {
        let (client_auth, basic, deep): (_, &'static [&'static str], &'static [&'static str]) =
            match self {
                LabCase::NoClientAuth => ("none", &["client-cert-not-requested"], &[]),
                LabCase::Optional => ("optional", &["client-cert-optional"], &[]),
                LabCase::RequiredVerified => ("required", &[], &[]),
                LabCase::AcceptAnyCert => ("required", &["untrusted-client-cert-accepted"], &[]),
                LabCase::OptionalApp403 => ("optional", &["client-cert-enforced-by-app"], &[]),
                LabCase::IssuerNameOnly => ("required", &["forged-client-cert-accepted"], &[]),
                LabCase::SkipSignature => {
                    ("required", &[], &["client-key-possession-not-verified"])
                }
                LabCase::IgnoreValidity => (
                    "required",
                    &[],
                    &[
                        "expired-client-cert-accepted",
                        "not-yet-valid-client-cert-accepted",
                    ],
                ),
                LabCase::ExpiredServerCert => ("required", &["server-cert-expired"], &[]),
                LabCase::SelfSignedServerCert => ("required", &["server-cert-self-signed"], &[]),
                LabCase::WrongHostServerCert => {
                    ("required", &["server-cert-hostname-mismatch"], &[])
                }
                LabCase::MissingIntermediate => ("required", &["server-chain-incomplete"], &[]),
                LabCase::LeakyActuator => (
                    "optional",
                    &["client-cert-optional", "tls-config-exposed"],
                    &[],
                ),
                LabCase::SniHostRouting => ("required", &["sni-host-mismatch-bypass"], &[]),
                LabCase::TrustsProxyHeader => (
                    "none",
                    &["client-cert-not-requested", "client-cert-header-spoofing"],
                    &[],
                ),
                LabCase::ResumedSessionTrusted => (
                    "optional",
                    &["client-cert-enforced-by-app", "session-resumption-bypass"],
                    &[],
                ),
                // Without the client's certificate the scan cannot know the name to claim; it
                // sees the TLS layer let an unknown CA through to the application's 403. With
                // it, the certificate from the unknown CA claims the client's subject and gets
                // in (the forged one, claiming it too, is implied by that root cause).
                LabCase::SubjectAuthorized => {
                    ("required", &["untrusted-client-cert-accepted"], &[])
                }
                // Without the client's certificate the page another spelling gets cannot be
                // told from one of the server's own (the target is incomplete); with it, it is
                // the protected page.
                LabCase::HostGuardAsWritten => (
                    "optional",
                    &["client-cert-enforced-by-app"],
                    &["host-form-bypass"],
                ),
                // The same for the path.
                LabCase::PathGuardAsWritten => (
                    "optional",
                    &["client-cert-enforced-by-app"],
                    &["path-form-bypass"],
                ),
                // The second request's page: without the client's certificate, whether it is
                // the protected one cannot be told (incomplete); with it, it is.
                LabCase::CheckedOncePerConnection => (
                    "optional",
                    &["client-cert-enforced-by-app"],
                    &["client-cert-optional"],
                ),
            };
        Expected {
            client_auth,
            basic,
            deep,
        }
    }
}
