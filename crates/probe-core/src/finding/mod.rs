//! The findings catalogue: one enum of stable ids, each with its title, CWE, default severity and
//! remediation. Findings are built only from this catalogue.

pub mod remediation;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::facts::TlsVersion;

/// How bad a finding is. Ordered: `Info < Low < Medium < High < Critical`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Worth knowing; no weakness.
    Info,
    /// A minor weakness.
    Low,
    /// A weakness that helps an attacker.
    Medium,
    /// A serious weakness.
    High,
    /// Authentication can be bypassed.
    Critical,
}

impl Severity {
    /// Every severity, from the lowest.
    pub const ALL: [Severity; 5] = [
        Severity::Info,
        Severity::Low,
        Severity::Medium,
        Severity::High,
        Severity::Critical,
    ];

    /// The lower-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }
}

impl std::fmt::Display for Severity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Every finding the scanner can report. The kebab-case name is the stable id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum FindingId {
    /// The server never asks for a client certificate.
    ClientCertNotRequested,
    /// The server asks for a certificate but serves requests without one.
    ClientCertOptional,
    /// A certificate from an unknown CA is served.
    UntrustedClientCertAccepted,
    /// Client certificates are enforced only after the handshake, over HTTP.
    ClientCertEnforcedByApp,
    /// A certificate with a trusted CA's name as issuer, signed by another key, is served.
    ForgedClientCertAccepted,
    /// The valid certificate is served with CertificateVerify signed by a different key.
    ClientKeyPossessionNotVerified,
    /// An expired certificate from the trusted CA is served.
    ExpiredClientCertAccepted,
    /// A not-yet-valid certificate from the trusted CA is served.
    NotYetValidClientCertAccepted,
    /// A certificate with EKU serverAuth only is served as a client certificate.
    WrongEkuClientCertAccepted,
    /// Where the server allows only some client identities, a certificate from the trusted CA whose
    /// name merely contains an allowed client's name is served.
    LookalikeClientCertAccepted,
    /// The positive control was refused: enforcement could not be verified.
    EnforcementUnverified,
    /// The CertificateRequest names public CAs (Mozilla's roots): a certificate any of them
    /// issues passes the TLS layer's check.
    ClientCaPublicRoots,
    /// The server's chain does not validate against the trust anchors.
    ServerCertUntrusted,
    /// A certificate of the server's chain is expired (or not yet valid).
    ServerCertExpired,
    /// A certificate of the server's chain expires soon.
    ServerCertExpiring,
    /// The server's certificate is self-signed.
    ServerCertSelfSigned,
    /// The server's certificate does not name the scanned host.
    ServerCertHostnameMismatch,
    /// A key of the server's chain is too weak (RSA below 2048 bits, EC below 256).
    ServerCertWeakKey,
    /// A certificate of the server's chain is signed with SHA-1 or MD5.
    ServerCertWeakSignature,
    /// The server does not send an intermediate certificate its chain needs.
    ServerChainIncomplete,
    /// A well-known configuration or debug path serves the server's configuration.
    TlsConfigExposed,
    /// Another SNI name, without a certificate, reaches the protected site by its `Host`.
    SniHostMismatchBypass,
    /// A session made on a name that needs no certificate resumes on the protected name.
    SessionResumptionBypass,
    /// Headers a TLS-terminating proxy sets after verifying a certificate, sent by the client,
    /// let it in.
    ClientCertHeaderSpoofing,
    /// The protected `Host` spelled otherwise (its port, a trailing dot, capitals) gets past a
    /// rule that refuses the anonymous client by the `Host` as written.
    HostFormBypass,
    /// The protected path spelled otherwise (a letter percent-encoded, a doubled slash, a dot
    /// segment …) gets past a rule that refuses the anonymous client by the path as written.
    PathFormBypass,
    /// An HTTP/1.1 `Upgrade: h2c` opens a tunnel to the backend through which the protected
    /// path is served without the certificate the front asks for it ("h2c smuggling").
    H2cSmugglingBypass,
    /// Another name of the server (a sibling site that asks for no certificate, or a default
    /// site that takes any `Host`) serves the protected page to a client without a certificate.
    OtherNameBypass,
    /// `impostor`: the client sent its request to a server with a self-signed certificate, one
    /// from a CA it does not trust, or one from a forged CA (the trusted CA's name, another key).
    ClientSkipsServerVerification,
    /// `impostor`: the client sent its request to a server whose certificate names another host.
    ClientSkipsHostnameCheck,
    /// `impostor`: the client sent its request to a server whose certificate has expired.
    ClientAcceptsExpiredServerCert,
    /// `impostor`: the client presented its certificate to a server it should have refused.
    ClientSendsIdentityToUntrustedServer,
}

/// Static facts about one finding id.
#[derive(Debug, Clone, Copy)]
pub struct FindingSpec {
    /// The stable id.
    pub id: FindingId,
    /// One-line title.
    pub title: &'static str,
    /// The CWE, as `CWE-NNN`.
    pub cwe: &'static str,
    /// Default severity (a finding may be lowered with evidence, never raised above it).
    pub severity: Severity,
    /// What it means, in a sentence or two.
    pub description: &'static str,
    /// The one-line fix.
    pub remediation: &'static str,
}

impl FindingId {
    /// Every id, in catalogue order.
    pub const ALL: &'static [FindingId] = &[
        FindingId::ClientCertNotRequested,
        FindingId::ClientCertOptional,
        FindingId::UntrustedClientCertAccepted,
        FindingId::ClientCertEnforcedByApp,
        FindingId::ForgedClientCertAccepted,
        FindingId::ClientKeyPossessionNotVerified,
        FindingId::ExpiredClientCertAccepted,
        FindingId::NotYetValidClientCertAccepted,
        FindingId::WrongEkuClientCertAccepted,
        FindingId::LookalikeClientCertAccepted,
        FindingId::EnforcementUnverified,
        FindingId::ClientCaPublicRoots,
        FindingId::ServerCertUntrusted,
        FindingId::ServerCertExpired,
        FindingId::ServerCertExpiring,
        FindingId::ServerCertSelfSigned,
        FindingId::ServerCertHostnameMismatch,
        FindingId::ServerCertWeakKey,
        FindingId::ServerCertWeakSignature,
        FindingId::ServerChainIncomplete,
        FindingId::TlsConfigExposed,
        FindingId::SniHostMismatchBypass,
        FindingId::SessionResumptionBypass,
        FindingId::ClientCertHeaderSpoofing,
        FindingId::HostFormBypass,
        FindingId::PathFormBypass,
        FindingId::H2cSmugglingBypass,
        FindingId::OtherNameBypass,
        FindingId::ClientSkipsServerVerification,
        FindingId::ClientSkipsHostnameCheck,
        FindingId::ClientAcceptsExpiredServerCert,
        FindingId::ClientSendsIdentityToUntrustedServer,
    ];

    /// Whether it is about the server's own certificate or configuration (what every HTTPS
    /// endpoint must get right, mutual TLS expected or not), not about client authentication.
    pub fn is_server_side(self) -> bool {
        use FindingId::*;
        matches!(
            self,
            ServerCertUntrusted
                | ServerCertExpired
                | ServerCertExpiring
                | ServerCertSelfSigned
                | ServerCertHostnameMismatch
                | ServerCertWeakKey
                | ServerCertWeakSignature
                | ServerChainIncomplete
                | TlsConfigExposed
        )
    }

    /// The stable kebab-case id.
    pub fn as_str(self) -> &'static str {
        use FindingId::*;
        match self {
            ClientCertNotRequested => "client-cert-not-requested",
            ClientCertOptional => "client-cert-optional",
            UntrustedClientCertAccepted => "untrusted-client-cert-accepted",
            ClientCertEnforcedByApp => "client-cert-enforced-by-app",
            ForgedClientCertAccepted => "forged-client-cert-accepted",
            ClientKeyPossessionNotVerified => "client-key-possession-not-verified",
            ExpiredClientCertAccepted => "expired-client-cert-accepted",
            NotYetValidClientCertAccepted => "not-yet-valid-client-cert-accepted",
            WrongEkuClientCertAccepted => "wrong-eku-client-cert-accepted",
            LookalikeClientCertAccepted => "lookalike-client-cert-accepted",
            EnforcementUnverified => "enforcement-unverified",
            ClientCaPublicRoots => "client-ca-public-roots",
            ServerCertUntrusted => "server-cert-untrusted",
            ServerCertExpired => "server-cert-expired",
            ServerCertExpiring => "server-cert-expiring",
            ServerCertSelfSigned => "server-cert-self-signed",
            ServerCertHostnameMismatch => "server-cert-hostname-mismatch",
            ServerCertWeakKey => "server-cert-weak-key",
            ServerCertWeakSignature => "server-cert-weak-signature",
            ServerChainIncomplete => "server-chain-incomplete",
            TlsConfigExposed => "tls-config-exposed",
            SniHostMismatchBypass => "sni-host-mismatch-bypass",
            SessionResumptionBypass => "session-resumption-bypass",
            ClientCertHeaderSpoofing => "client-cert-header-spoofing",
            HostFormBypass => "host-form-bypass",
            PathFormBypass => "path-form-bypass",
            H2cSmugglingBypass => "h2c-smuggling-bypass",
            OtherNameBypass => "other-name-bypass",
            ClientSkipsServerVerification => "client-skips-server-verification",
            ClientSkipsHostnameCheck => "client-skips-hostname-check",
            ClientAcceptsExpiredServerCert => "client-accepts-expired-server-cert",
            ClientSendsIdentityToUntrustedServer => "client-sends-identity-to-untrusted-server",
        }
    }

    /// The catalogue entry.
    pub fn spec(self) -> FindingSpec {
        use FindingId::*;
        let (title, cwe, severity, description, remediation) = match self {
            ClientCertNotRequested => (
                "Client certificate never requested",
                "CWE-306",
                Severity::Critical,
                "The server completes the TLS handshake without sending a CertificateRequest, so no \
                 client certificate is ever checked: mutual TLS is not in place.",
                "Require and verify client certificates in the TLS server configuration \
                 (e.g. nginx `ssl_verify_client on`, Go `tls.RequireAndVerifyClientCert`).",
            ),
            ClientCertOptional => (
                "Client certificate optional: served without one",
                "CWE-287",
                Severity::Critical,
                "The server asks for a client certificate but completes the request when none is sent.",
                "Make the client certificate mandatory (nginx `ssl_verify_client on`, Go \
                 `RequireAndVerifyClientCert`, Node `rejectUnauthorized: true`, Python `CERT_REQUIRED`, \
                 rustls without `allow_unauthenticated()`).",
            ),
            UntrustedClientCertAccepted => (
                "Untrusted client certificate accepted (unknown CA or self-signed)",
                "CWE-295",
                Severity::Critical,
                "A client certificate the server cannot trust, issued by a CA minted on the spot or \
                 self-signed, was served: the chain is not verified against the client CA.",
                "Verify the client chain against your client CA only (nginx `ssl_verify_client on` \
                 with `ssl_client_certificate`, Go `RequireAndVerifyClientCert` with `ClientCAs`, \
                 openssl `-verify_return_error`, HAProxy `verify required` without `crt-ignore-err` \
                 or `ca-ignore-err`), and never accept any certificate, nor any self-signed one, in a \
                 custom callback (Erlang `verify_fun`, a Go `VerifyPeerCertificate`).",
            ),
            ClientCertEnforcedByApp => (
                "Client certificate optional in TLS, enforced over HTTP",
                "CWE-287",
                Severity::Info,
                "The TLS layer lets the handshake complete without a certificate; the application \
                 then refuses (401/403). That holds only as long as every route checks it.",
                "Prefer refusing in the TLS layer (a mandatory verifier, nginx `ssl_verify_client on`, \
                 HAProxy `verify required`) so no route can forget the check.",
            ),
            ForgedClientCertAccepted => (
                "Forged certificate accepted: its chain not verified up to the CA",
                "CWE-347",
                Severity::Critical,
                "A certificate the trusted CA never issued was served: its issuer name copied from the \
                 CA names the server advertised (and, with a client certificate given, its subject \
                 and alternative names copied from it), signed by a key that is not the CA's, or \
                 issued by an end-entity certificate of that CA used as if it were a CA.",
                "Verify the client certificate's signature up to a trust anchor with a real chain \
                 verifier (webpki, OpenSSL X509_verify_cert) that also checks each issuer is a CA \
                 (basicConstraints `CA:TRUE`); never trust a certificate because its issuer or \
                 subject DN matches (e.g. nginx `$ssl_client_i_dn` / `$ssl_client_s_dn` checks with \
                 `optional_no_ca`), nor a CA certificate the client sends.",
            ),
            ClientKeyPossessionNotVerified => (
                "Proof of key possession not verified",
                "CWE-347",
                Severity::Critical,
                "The valid client certificate was served with a CertificateVerify signed by a different \
                 key: anyone holding a copy of the public certificate gets in.",
                "Do not override the handshake signature check (custom `verify_tls12_signature` / \
                 `verify_tls13_signature` or a TLS terminator that skips CertificateVerify).",
            ),
            ExpiredClientCertAccepted => (
                "Expired client certificate accepted",
                "CWE-298",
                Severity::High,
                "A certificate from the trusted CA that expired yesterday was served.",
                "Check validity dates when verifying client certificates (OpenSSL: do not ignore \
                 X509_V_ERR_CERT_HAS_EXPIRED in a verify callback; `-verify_return_error`).",
            ),
            NotYetValidClientCertAccepted => (
                "Not-yet-valid client certificate accepted",
                "CWE-298",
                Severity::Medium,
                "A certificate from the trusted CA whose validity starts tomorrow was served.",
                "Check notBefore as well as notAfter when verifying client certificates.",
            ),
            WrongEkuClientCertAccepted => (
                "Certificate without clientAuth usage accepted",
                "CWE-295",
                Severity::High,
                "A certificate from the trusted CA with extended key usage serverAuth only was served \
                 as a client certificate: server certificates from that CA can log in as clients.",
                "Require the clientAuth extended key usage (webpki and Go do by default; OpenSSL \
                 `-purpose sslclient` / `X509_PURPOSE_SSL_CLIENT`), or use a dedicated client CA.",
            ),
            LookalikeClientCertAccepted => (
                "Client identity matched loosely: a look-alike name got in",
                "CWE-697",
                Severity::High,
                "The server lets only some client identities in (a certificate from the trusted CA \
                 for another name was refused), yet a certificate from that CA whose name merely \
                 contains an allowed client's name was served: the identity is compared as a \
                 substring or an unanchored pattern, so anyone the CA issues such a name to gets \
                 in as that client.",
                "Compare the client's identity exactly: the whole subject CN or subjectAltName, or \
                 a pattern anchored at both ends (`^CN=billing,`…`$`), never a substring or an \
                 unanchored regular expression over the subject DN.",
            ),
            EnforcementUnverified => (
                "Enforcement could not be verified: the valid certificate was not served",
                "CWE-693",
                Severity::Low,
                "The positive control (a certificate the server should accept) was refused or \
                 answered without the page (a redirect, an error), so the scanner never got in; the \
                 refusals seen may not prove that enforcement is right.",
                "Check that the client-cert/client-key pair (or the issuing-ca-cert/issuing-ca-key pair) given \
                 to the scan is trusted by this server, and that the scanned path answers 2xx to an authorised client; \
                 or the server refuses valid clients because of its own setting (a verify depth too short for \
                 the chain, a CA file without the issuing CA, a CRL check without current CRLs, an \
                 allowlist of client names that leaves out the one given). The finding's detail says \
                 which of these the scan could rule out.",
            ),
            ClientCaPublicRoots => (
                "Client certificates from public CAs trusted",
                "CWE-295",
                Severity::High,
                "The server's CertificateRequest names public CAs (roots of Mozilla's program, in \
                 every browser and OS trust store) as issuers it accepts client certificates from \
                 (or, naming none or its own CA alone, its TLS layer takes a public root's own \
                 certificate for a client's chain and refuses only its signature): \
                 anyone who gets a certificate with the clientAuth purpose from one of them passes \
                 the TLS layer's check, and is in unless the application authorises each client by \
                 its certificate's identity. Typical causes: the system bundle given as the client \
                 CA file (nginx `ssl_client_certificate /etc/ssl/certs/ca-certificates.crt`), \
                 Jetty `setTrustAll(true)`, a Java trust store left at the JDK's `cacerts`, Python \
                 `load_default_certs(Purpose.CLIENT_AUTH)`, nghttpx (which verifies against \
                 OpenSSL's default store beside `verify-client-cacert`).",
                "Trust only the CA that issues your client certificates (a private CA, in a file or \
                 trust store of its own), never the system's public bundle; where a public CA must \
                 issue them, authorise each client by its certificate's subject or SAN.",
            ),
            ServerCertUntrusted => (
                "Server certificate not trusted",
                "CWE-295",
                Severity::High,
                "The server's chain does not validate against the system roots and the scan's ca-file: \
                 clients that verify refuse it, and clients that connect anyway had to switch \
                 verification off, which lets anyone impersonate the server.",
                "Serve a certificate from a CA your clients trust, with its full chain; for a \
                 private CA, distribute that CA to the clients (and give it to the scan as ca-file).",
            ),
            ServerCertExpired => (
                "Server certificate expired or not yet valid",
                "CWE-295",
                Severity::High,
                "A certificate of the chain the server sends is outside its validity period: \
                 verifying clients refuse it.",
                "Renew the certificate, install it with its chain and reload the server; automate \
                 renewal (ACME, cert-manager).",
            ),
            ServerCertExpiring => (
                "Server certificate expires soon",
                "CWE-295",
                Severity::Low,
                "A certificate of the chain the server sends expires within the warning window.",
                "Renew it now and automate renewal (ACME, cert-manager), with an alert on expiry.",
            ),
            ServerCertSelfSigned => (
                "Server certificate self-signed",
                "CWE-295",
                Severity::High,
                "The server presents a self-signed certificate that no trust anchor vouches for: \
                 clients must either pin it or switch verification off.",
                "Issue the server certificate from a CA (public, or a private CA your clients \
                 trust); if the clients pin it on purpose, pass it with --ca-file.",
            ),
            ServerCertHostnameMismatch => (
                "Server certificate does not match the host name",
                "CWE-295",
                Severity::High,
                "None of the certificate's subject alternative names matches the host scanned: \
                 verifying clients refuse it, others had to skip name checks.",
                "Reissue the certificate with the host name (or IP address) in its subject \
                 alternative names, or serve the right certificate for this name (SNI).",
            ),
            ServerCertWeakKey => (
                "Weak server key",
                "CWE-295",
                Severity::Medium,
                "A key of the server's chain is too short (RSA below 2048 bits, EC below 256 bits, \
                 or DSA): it can be factored or is refused by current clients.",
                "Generate a new key (ECDSA P-256, or RSA 3072) and reissue the certificate.",
            ),
            ServerCertWeakSignature => (
                "Weak signature algorithm in the server chain",
                "CWE-295",
                Severity::Medium,
                "A certificate of the server's chain is signed with SHA-1 or MD5, whose collisions \
                 allow forged certificates; current clients refuse it.",
                "Reissue the certificate (and any intermediate) signed with SHA-256 or better.",
            ),
            ServerChainIncomplete => (
                "Server chain incomplete: an intermediate is not sent",
                "CWE-295",
                Severity::Medium,
                "The server sends its certificate without the intermediate CA that issued it; \
                 browsers may fetch it, but most API clients (Go, Python, Java, curl) then fail.",
                "Serve the full chain: the leaf followed by every intermediate (e.g. fullchain.pem).",
            ),
            TlsConfigExposed => (
                "Server configuration exposed on a well-known path",
                "CWE-200",
                Severity::High,
                "A configuration or debug endpoint answers with the server's settings. High when \
                 they show client or server authentication switched off (the leak tells an attacker \
                 how to get in); medium for any other configuration exposed; low where only \
                 clients holding a trusted certificate read it.",
                "Remove the endpoint from the public listener (bind it to localhost or a separate \
                 management port, behind authentication), and fix any setting it shows.",
            ),
            SniHostMismatchBypass => (
                "Client auth bypassed by another SNI name with the protected Host",
                "CWE-288",
                Severity::Critical,
                "The TLS layer picks its client-certificate policy by the SNI name, the HTTP layer \
                 picks the site by the Host header: a client that connects with a name that needs no \
                 certificate and asks for the protected Host gets in without one (nginx \
                 CVE-2025-23419, Apache CVE-2025-23048, Traefik GHSA-5r4w-85f3-pw66).",
                "Route by the TLS server name, not the Host header, or refuse a Host that does not \
                 match the SNI name with 421 Misdirected Request. Where the door needed a \
                 certificate from an unknown CA or forged headers, also verify client certificates \
                 on every name that asks for one and set or clear the forwarded-certificate headers \
                 on every name, not only the protected one.",
            ),
            SessionResumptionBypass => (
                "Client auth bypassed by resuming a session made without a certificate",
                "CWE-287",
                Severity::Critical,
                "A TLS session obtained without a certificate, on a name that needs none or on the \
                 protected name itself, is resumed on the protected name, where a resumed handshake \
                 asks for no certificate: the client gets in without one (Go CVE-2025-68121, \
                 Tomcat CVE-2025-66614; Node.js reports socket.authorized true on a TLS 1.3 \
                 resumption without a certificate, nodejs/node#35317).",
                "Authorize on the certificate the session carries, never on a flag a resumption sets \
                 (Node.js: getPeerCertificate() holds a certificate and socket.authorized is true; no \
                 Node.js release fixes nodejs/node#35317), or turn resumption (tickets and session \
                 cache) off on the protected name. Across names, keep sessions apart per client-auth \
                 policy (separate ticket keys and session caches, even across ports: a ticket key file shared \
                 by two binds resumes across them) and upgrade where a \
                 fix exists (Go CVE-2025-68121, Tomcat CVE-2025-66614, nginx CVE-2025-23419, Apache \
                 CVE-2025-23048).",
            ),
            ClientCertHeaderSpoofing => (
                "Proxy-set headers (certificate, client address) accepted from the client",
                "CWE-290",
                Severity::Critical,
                "The application trusts headers that a TLS-terminating proxy sets after verifying a \
                 client certificate (X-SSL-Client-Verify, X-Forwarded-Client-Cert, …), or the \
                 client's address a proxy forwards (X-Forwarded-For, X-Real-IP, Forwarded) for an \
                 allowlist of internal callers, or the scheme it forwards (X-Forwarded-Proto) to \
                 check only requests that came over HTTPS, and a client that sends them itself gets in without \
                 a certificate (FortiClient EMS CVE-2026-35616, Envoy CVE-2022-21654).",
                "Make the proxy set or remove every client-certificate header the application reads, \
                 not only the one named here (X-SSL-Client-Verify, X-SSL-Client-Cert, ssl-client-verify, \
                 SSL_CLIENT_VERIFY, X-Client-Cert, X-Forwarded-Client-Cert, …), and the names the \
                 application reads as them (PHP, CGI and WSGI read X_SSL_Client_Verify and \
                 X.SSL.Client.Verify as X-SSL-Client-Verify: drop names with `_` or `.` at the proxy, \
                 Traefik `aliasHeadersStrategy: delete`), on every request \
                 (set-header or del-header, never add-header; Envoy SANITIZE_SET covers XFCC only), and \
                 let the application be reached only through the proxy. Take a client's address from \
                 a forwarded header only when the connection comes from the proxy itself (nginx \
                 `set_real_ip_from` the proxy's address alone, Apache `RemoteIPTrustedProxy`, Express \
                 `trust proxy` set to it), never let an address stand in for the certificate on a \
                 port clients reach directly, and drop Tomcat's SSLValve where Tomcat is reachable \
                 without the proxy in front.",
            ),
            HostFormBypass => (
                "Client auth bypassed by another spelling of the protected Host",
                "CWE-289",
                Severity::Critical,
                "The protected site refuses an anonymous client by a rule on the Host header as \
                 written (a proxy ACL, a server `if`, an application's check) and serves the same \
                 request when the Host names the same site otherwise: its port written out or left \
                 off, a trailing dot, capitals. Any client may send it so; no certificate was asked \
                 for in the handshake.",
                "Require the client certificate for the connection (in the TLS layer, or by a rule on \
                 every request of the listener or of the TLS server name), not by the Host header; \
                 where a rule must name a host, compare it normalised (lower case, no port, no \
                 trailing dot) and refuse a Host that is none of yours.",
            ),
            PathFormBypass => (
                "Client auth bypassed by another spelling of the protected path",
                "CWE-41",
                Severity::Critical,
                "The protected resource refuses an anonymous client by a rule on the path as \
                 written (a proxy ACL before its normalisation, an nginx `$request_uri` check, an \
                 authorization filter on the raw path) and serves it when the path is spelled \
                 otherwise: a letter percent-encoded, a doubled slash, a dot segment, a path \
                 parameter, a trailing slash (Istio CVE-2021-31920, CVE-2021-39156).",
                "Require the client certificate for the connection (in the TLS layer, or by a rule \
                 on every request of the listener or of the TLS server name), not by the path; \
                 where a rule must name a path, match it on the path normalised the way the \
                 application routes it (percent-decoded, slashes merged, dot segments removed, \
                 path parameters stripped), and normalise before the rule runs.",
            ),
            H2cSmugglingBypass => (
                "Client auth bypassed through an h2c tunnel (h2c smuggling)",
                "CWE-444",
                Severity::Critical,
                "The front refuses an anonymous client on the protected path by a rule on the \
                 requests it reads, and forwards the `Upgrade` header of other paths to a backend \
                 that speaks cleartext HTTP/2: an `Upgrade: h2c` is answered 101 Switching \
                 Protocols, the front relays the connection blind from then on, and the protected \
                 path asked over HTTP/2 through that tunnel is served without a certificate \
                 (Bishop Fox's h2c smuggling, 2020).",
                "Forward `Upgrade` only on the WebSocket paths and only when it names `websocket` \
                 (never `$http_upgrade` as sent, Apache `upgrade=ANY` or `h2c`), turn h2c off on \
                 the backend (it needs none behind a proxy), and require the client certificate \
                 on the connection (the TLS layer), not per path.",
            ),
            OtherNameBypass => (
                "Client auth bypassed through another name of the server",
                "CWE-288",
                Severity::Critical,
                "Another name the server answers on (a sibling site or virtual host that asks for \
                 no certificate, or a default site that takes any Host) serves the very page the \
                 valid client certificate is served on the protected name to a client without one: \
                 the protected application is reached around the name that requires the \
                 certificate, no trick needed.",
                "Require and verify the client certificate on every name (server block, virtual \
                 host, site) that reaches the protected application, or route no other name to it; \
                 answer a name or Host you do not serve with a refusal, never with a default site \
                 that proxies to the application.",
            ),
            ClientSkipsServerVerification => (
                "Client skips server certificate verification",
                "CWE-295",
                Severity::Critical,
                "`mtls-scan impostor`: the client sent its request to a server whose certificate \
                 was self-signed, issued by a CA it was not told to trust, or forged in that CA's \
                 name with another key (a verifier that compares names, not signatures). Anyone on \
                 the network path can impersonate the server and read or change what the client sends.",
                "Verify the server's chain against the CA that issues it: never Go \
                 `InsecureSkipVerify`, Node `rejectUnauthorized: false` or \
                 `NODE_TLS_REJECT_UNAUTHORIZED=0`, Python `verify=False` or `CERT_NONE`, curl `-k`, \
                 wget `--no-check-certificate`, PHP `verify_peer => false`, Ruby `VERIFY_NONE`, \
                 Mojo `insecure(1)`, reqwest `danger_accept_invalid_certs`, a Java \
                 `X509TrustManager` or any verifier that accepts everything; a \
                 reverse proxy's upstream too: nginx `proxy_ssl_verify` and Apache `SSLProxyVerify` \
                 are off by default, Traffic Server's `verify.server.policy` only logs \
                 (PERMISSIVE), stunnel's `client = yes` verifies nothing without `verifyChain`, \
                 HAProxy never `verify none`; trust a private CA explicitly instead.",
            ),
            ClientSkipsHostnameCheck => (
                "Client skips the server host-name check",
                "CWE-297",
                Severity::High,
                "`mtls-scan impostor`: the client sent its request to a server whose certificate, \
                 from the CA it trusts, names another host. Anyone holding a certificate from that \
                 CA (another service, a test server) can impersonate this one.",
                "Check the server's name against its certificate (the default of Go, Node, Python \
                 `create_default_context`, curl, rustls and reqwest): no `check_hostname = False`, \
                 no `checkServerIdentity` that returns nothing, no `NoopHostnameVerifier` or \
                 `jdk.internal.httpclient.disableHostnameVerification`, no PHP \
                 `verify_peer_name => false`, no `danger_accept_invalid_hostnames`; Envoy needs `match_typed_subject_alt_names`, \
                 HAProxy `verifyhost` (or `sni`: `verify required` alone checks no name), stunnel \
                 `checkHost` beside `verifyChain`.",
            ),
            ClientAcceptsExpiredServerCert => (
                "Client accepts an expired server certificate",
                "CWE-298",
                Severity::High,
                "`mtls-scan impostor`: the client sent its request to a server whose certificate, \
                 from the CA it trusts, had expired: a retired or leaked server key keeps working \
                 against this client.",
                "Check validity dates when verifying the server: never forgive \
                 X509_V_ERR_CERT_HAS_EXPIRED or `CertificateError::Expired` in a verify callback, \
                 never verify at a fixed time, no Envoy `allow_expired_certificate`.",
            ),
            ClientSendsIdentityToUntrustedServer => (
                "Client sends its certificate to an untrusted server",
                "CWE-295",
                Severity::High,
                "`mtls-scan impostor --request-client-cert`: asked for a client certificate by a \
                 server it should have refused (a certificate from an unknown CA, or for another \
                 host name when the name is checked only after the handshake), the client \
                 presented its own. The impostor learns who the client is, and its certificate \
                 gets wherever a server does not check proof of possession.",
                "Present a client certificate only to a verified server: keep full server \
                 verification (trusted CA and host name) on every client that holds an identity. \
                 A client that checks the server only after the handshake (nginx; the host name \
                 in curl and Apache with OpenSSL) cannot be made to withhold it: trust only a CA \
                 that issues that server's certificate alone, give it an identity no other \
                 server accepts, or put a client that verifies in the handshake in front.",
            ),
        };
        FindingSpec {
            id: self,
            title,
            cwe,
            severity,
            description,
            remediation,
        }
    }
}

impl std::fmt::Display for FindingId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One finding on one target.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    /// Stable id.
    pub id: FindingId,
    /// Severity of this instance.
    pub severity: Severity,
    /// The CWE, as `CWE-NNN` (the catalogue's, borrowed).
    pub cwe: std::borrow::Cow<'static, str>,
    /// One-line title (the catalogue's, borrowed).
    pub title: std::borrow::Cow<'static, str>,
    /// What was seen, in a sentence (may quote untrusted server text).
    pub detail: String,
    /// Key facts that prove it (untrusted server text is kept as data).
    pub evidence: BTreeMap<String, String>,
    /// How to fix it (the catalogue's text, borrowed unless a finding words its own).
    pub remediation: std::borrow::Cow<'static, str>,
    /// The TLS versions on which it holds.
    pub tls_versions: Vec<TlsVersion>,
    /// Set when a more fundamental finding on the same target implies this one.
    pub implied_by: Option<FindingId>,
    /// The other SNI names it was found through, as the report names them (`SNI public.test`):
    /// a baseline's finding counts as fixed only in a run that tried each of them again.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sni_names: Vec<String>,
    /// Concrete fixes per stack (Go, Node.js, Python, Rust, nginx, Java/Spring, Envoy/Istio),
    /// the guessed stack's first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fixes: Vec<StackFix>,
}

/// A concrete fix for one stack.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StackFix {
    /// The stack, e.g. `nginx`, `Go`, `Node.js`.
    pub stack: std::borrow::Cow<'static, str>,
    /// Code or configuration that fixes it (the catalogue's text, borrowed: a fleet report holds
    /// thousands of findings, each with ten fixes).
    pub fix: std::borrow::Cow<'static, str>,
    /// True when the scan guessed this is the server's stack.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub guessed: bool,
}

impl Finding {
    /// Builds a finding from the catalogue, with its default severity.
    pub fn new(id: FindingId, detail: impl Into<String>) -> Self {
        let spec = id.spec();
        Self {
            id,
            severity: spec.severity,
            cwe: spec.cwe.into(),
            title: spec.title.into(),
            detail: detail.into(),
            evidence: BTreeMap::new(),
            remediation: spec.remediation.into(),
            tls_versions: Vec::new(),
            implied_by: None,
            sni_names: Vec::new(),
            fixes: Vec::new(),
        }
    }

    /// Lowers the severity (never raises it above the catalogue's).
    pub fn with_severity(mut self, severity: Severity) -> Self {
        self.severity = severity.min(self.id.spec().severity);
        self
    }

    /// Adds one piece of evidence.
    pub fn with_evidence(mut self, key: &str, value: impl Into<String>) -> Self {
        self.evidence.insert(key.to_owned(), value.into());
        self
    }

    /// True when this finding is a root cause (not implied by another).
    pub fn is_root(&self) -> bool {
        self.implied_by.is_none()
    }
}

/// A finding is implied by a more fundamental one when that one is a critical root cause on every
/// TLS version where it holds; or, among the certificates let through, when that one is a root
/// cause at least as severe (the TLS layer taking a certificate from an unknown CA to a 404 takes
/// a forged one too, and the second adds nothing: a server whose every path answered 404 was F for
/// the same laxness counted thrice). An anonymous client let through is never such a cause short
/// of critical: an application may refuse it and still take any certificate. Each rule:
/// (implied, implied by); the first that applies wins, so the most fundamental cause comes first.
pub const IMPLICATIONS: &[(FindingId, FindingId)] = &[
    (
        FindingId::UntrustedClientCertAccepted,
        FindingId::ClientCertOptional,
    ),
    (
        FindingId::ForgedClientCertAccepted,
        FindingId::ClientCertOptional,
    ),
    (
        FindingId::ForgedClientCertAccepted,
        FindingId::UntrustedClientCertAccepted,
    ),
    (
        FindingId::ClientKeyPossessionNotVerified,
        FindingId::ClientCertOptional,
    ),
    (
        FindingId::ExpiredClientCertAccepted,
        FindingId::ClientCertOptional,
    ),
    (
        FindingId::ExpiredClientCertAccepted,
        FindingId::UntrustedClientCertAccepted,
    ),
    (
        FindingId::ExpiredClientCertAccepted,
        FindingId::ForgedClientCertAccepted,
    ),
    (
        FindingId::NotYetValidClientCertAccepted,
        FindingId::ClientCertOptional,
    ),
    (
        FindingId::NotYetValidClientCertAccepted,
        FindingId::UntrustedClientCertAccepted,
    ),
    (
        FindingId::NotYetValidClientCertAccepted,
        FindingId::ForgedClientCertAccepted,
    ),
    (
        FindingId::WrongEkuClientCertAccepted,
        FindingId::ClientCertOptional,
    ),
    (
        FindingId::WrongEkuClientCertAccepted,
        FindingId::UntrustedClientCertAccepted,
    ),
    (
        FindingId::WrongEkuClientCertAccepted,
        FindingId::ForgedClientCertAccepted,
    ),
    // Anyone in, or any certificate of the CA: which name it carries is moot.
    (
        FindingId::LookalikeClientCertAccepted,
        FindingId::ClientCertOptional,
    ),
    (
        FindingId::LookalikeClientCertAccepted,
        FindingId::UntrustedClientCertAccepted,
    ),
    (
        FindingId::LookalikeClientCertAccepted,
        FindingId::ForgedClientCertAccepted,
    ),
    // Anyone in, with or without a certificate: that public CAs' certificates pass too is moot.
    (
        FindingId::ClientCaPublicRoots,
        FindingId::ClientCertOptional,
    ),
    (
        FindingId::ClientCaPublicRoots,
        FindingId::UntrustedClientCertAccepted,
    ),
    (
        FindingId::ClientSkipsHostnameCheck,
        FindingId::ClientSkipsServerVerification,
    ),
    (
        FindingId::ClientAcceptsExpiredServerCert,
        FindingId::ClientSkipsServerVerification,
    ),
];

/// Marks each finding implied by a more fundamental one ([`IMPLICATIONS`]): applied once per
/// target, over every probe's findings.
pub fn mark_implied(findings: &mut [Finding]) {
    for (implied, by) in IMPLICATIONS {
        let cover: Option<(Severity, Vec<TlsVersion>)> = findings
            .iter()
            .filter(|f| f.id == *by && f.implied_by.is_none())
            .filter(|f| f.severity == Severity::Critical || *by != FindingId::ClientCertOptional)
            .max_by_key(|f| f.severity)
            .map(|f| (f.severity, f.tls_versions.clone()));
        let Some((severity, cover)) = cover else {
            continue;
        };
        for f in findings
            .iter_mut()
            .filter(|f| f.id == *implied && f.implied_by.is_none())
        {
            if severity >= f.severity && f.tls_versions.iter().all(|v| cover.contains(v)) {
                f.implied_by = Some(*by);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lax_tls_layer_counts_once_among_the_certificates_it_lets_through() {
        let medium = |id| {
            let mut f = Finding::new(id, "x").with_severity(Severity::Medium);
            f.tls_versions = vec![TlsVersion::Tls13];
            f
        };
        let mut findings = vec![
            medium(FindingId::ClientCertOptional),
            medium(FindingId::UntrustedClientCertAccepted),
            medium(FindingId::ForgedClientCertAccepted),
        ];
        mark_implied(&mut findings);
        let implied: Vec<_> = findings.iter().map(|f| f.implied_by).collect();
        assert_eq!(
            implied,
            [None, None, Some(FindingId::UntrustedClientCertAccepted)]
        );
        // A medium cause never covers a graver finding.
        let mut findings = vec![medium(FindingId::UntrustedClientCertAccepted), {
            let mut f = Finding::new(FindingId::ForgedClientCertAccepted, "x");
            f.tls_versions = vec![TlsVersion::Tls13];
            f
        }];
        mark_implied(&mut findings);
        assert_eq!(findings[1].implied_by, None);
    }

    #[test]
    fn ids_are_kebab_case_and_match_serde() {
        for id in FindingId::ALL {
            let json = serde_json::to_string(id).unwrap_or_default();
            assert_eq!(json, format!("\"{}\"", id.as_str()));
            assert!(id.spec().cwe.starts_with("CWE-"));
        }
    }

    #[test]
    fn severity_orders_and_cannot_be_raised() {
        assert!(Severity::Critical > Severity::High && Severity::Low > Severity::Info);
        let f =
            Finding::new(FindingId::ClientCertEnforcedByApp, "x").with_severity(Severity::Critical);
        assert_eq!(f.severity, Severity::Info);
    }
}
