//! The remediation catalogue: for every finding id, a concrete fix (code or configuration) for
//! each stack the scanner knows: Go, Node.js, Python, Rust (rustls/axum), nginx, Java/Spring,
//! Envoy/Istio, HAProxy, Apache httpd and Caddy. When the scan can guess the server's stack (its
//! `Server` header, or a leaked configuration), that stack's fix comes first, marked `guessed`; a
//! `Via` header (a proxy in front) stops a guess from `Server`, and a guess from a `Server` header
//! that may be a backend's says so (nginx's, Envoy's and Caddy's too when the TLS front never asks
//! for a certificate). A recognised stack with no fix of its own for a finding leads with the
//! generic one, said to be so.

use serde::{Deserialize, Serialize};

use crate::finding::{Finding, FindingId, StackFix};

/// A server stack with its own fixes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Stack {
    /// Go `crypto/tls` and `net/http`.
    Go,
    /// Node.js `tls`/`https` (Express and friends).
    NodeJs,
    /// Python `ssl` (uvicorn, gunicorn, requests).
    Python,
    /// Rust with rustls (axum, hyper).
    Rust,
    /// nginx.
    Nginx,
    /// Java with Spring Boot (Tomcat, Jetty, Undertow).
    JavaSpring,
    /// Envoy and Istio.
    EnvoyIstio,
    /// HAProxy terminating TLS (`bind ... ssl`), and as a client of its servers.
    Haproxy,
    /// Apache httpd with mod_ssl (and mod_proxy as a client).
    Apache,
    /// Caddy (Caddyfile).
    Caddy,
    // The stacks below are shown only when the scan recognises them (their fix first), or as the
    // companions of a guess (see [`Stack::companions`]); their fixes are the table [`EXTRA`].
    /// lighttpd (mod_openssl, mod_gnutls).
    Lighttpd,
    /// stunnel in front of a plain backend (and as a client, `client = yes`).
    Stunnel,
    /// Ruby: Puma, WEBrick, Thin (Rack).
    Ruby,
    /// Perl: Mojolicious, and IO::Socket::SSL under it or alone (HTTP::Daemon::SSL).
    Perl,
    /// Erlang/Elixir `ssl`: inets httpd, Cowboy, Bandit (Phoenix).
    Erlang,
    /// A server on GnuTLS (`gnutls_certificate_server_set_request`; `gnutls-serv`).
    Gnutls,
    /// Apache Traffic Server.
    TrafficServer,
    /// Squid as a TLS-terminating reverse proxy (`https_port ... accel`).
    Squid,
    /// Apache Tomcat's HTTPS connector (`<SSLHostConfig>`).
    Tomcat,
    /// Eclipse Jetty (`SslContextFactory.Server`, the `ssl` module).
    Jetty,
    /// Hitch in front of a plain backend.
    Hitch,
    /// nghttpx (nghttp2's proxy).
    Nghttpx,
    /// Traefik (TLS options, routers, serversTransport).
    Traefik,
    /// .NET: Kestrel (ASP.NET Core) and IIS / HTTP.sys.
    DotNet,
    /// AWS Application Load Balancer mutual TLS (verify and passthrough modes).
    AwsAlb,
    /// Kubernetes ingress-nginx (Ingress annotations).
    IngressNginx,
}

impl Stack {
    /// Every stack whose fix is always listed, in that order.
    pub const ALL: [Stack; 10] = [
        Stack::Go,
        Stack::NodeJs,
        Stack::Python,
        Stack::Rust,
        Stack::Nginx,
        Stack::JavaSpring,
        Stack::EnvoyIstio,
        Stack::Haproxy,
        Stack::Apache,
        Stack::Caddy,
    ];

    /// The name shown with a fix.
    pub fn name(self) -> &'static str {
        match self {
            Stack::Go => "Go",
            Stack::NodeJs => "Node.js",
            Stack::Python => "Python",
            Stack::Rust => "Rust (rustls/axum)",
            Stack::Nginx => "nginx",
            Stack::JavaSpring => "Java/Spring",
            Stack::EnvoyIstio => "Envoy/Istio",
            Stack::Haproxy => "HAProxy",
            Stack::Apache => "Apache httpd",
            Stack::Caddy => "Caddy",
            Stack::Lighttpd => "lighttpd",
            Stack::Stunnel => "stunnel",
            Stack::Ruby => "Ruby (Puma, WEBrick, Thin)",
            Stack::Perl => "Perl (Mojolicious, IO::Socket::SSL)",
            Stack::Erlang => "Erlang/Elixir (ssl, Cowboy, Bandit)",
            Stack::Gnutls => "GnuTLS",
            Stack::TrafficServer => "Apache Traffic Server",
            Stack::Squid => "Squid",
            Stack::Tomcat => "Tomcat",
            Stack::Jetty => "Jetty",
            Stack::Hitch => "Hitch",
            Stack::Nghttpx => "nghttpx",
            Stack::Traefik => "Traefik",
            Stack::DotNet => ".NET (Kestrel, IIS)",
            Stack::AwsAlb => "AWS ALB",
            Stack::IngressNginx => "Kubernetes ingress-nginx",
        }
    }

    /// The stacks listed right after a guessed one, unmarked: ingress-nginx after nginx (its
    /// `Server` header is nginx's); stunnel and Hitch after a stack guessed from a `Server` header
    /// that may be a backend's (they pass the backend's header on and name themselves nowhere).
    fn companions(self, guess: Guess) -> &'static [Stack] {
        match self {
            Stack::Nginx if guess.may_be_backend(self) => {
                &[Stack::IngressNginx, Stack::Stunnel, Stack::Hitch]
            }
            Stack::Nginx => &[Stack::IngressNginx],
            s if guess.may_be_backend(s) => &[Stack::Stunnel, Stack::Hitch],
            _ => &[],
        }
    }
}

/// Guesses the stack from a `Server` header (`nginx/1.25`, `envoy`, `istio-envoy`, `Jetty(…)`,
/// `Apache-Coyote/1.1`, `Apache/2.4.62 (Debian)`, `Caddy`, `uvicorn`, `lighttpd/1.4.69`,
/// `ATS/9.2.9`, `nghttpx`, `inets/8.2.2`, `Mojolicious (Perl)`, `WEBrick/1.8.1 (Ruby/…)`,
/// `thin`, `Kestrel`, `Microsoft-IIS/10.0`, `awselb/2.0`, …): only a header that names the stack.
/// The header may be a backend's, passed on by a TLS proxy in front: see [`guess_from_headers`].
pub fn guess_from_server_header(header: &str) -> Option<Stack> {
    let h = header.trim().to_ascii_lowercase();
    let any = |words: &[&str]| words.iter().any(|w| h.contains(w));
    // (words in the header, the stack), first match wins: Tomcat's connector says
    // `Apache-Coyote/1.1` and Traffic Server `ATS/9.2.9`, so both come before Apache httpd; Caddy
    // and Traefik are written in Go, but their knobs are their own.
    const BY_WORD: &[(&[&str], Stack)] = &[
        (&["nginx", "openresty", "tengine"], Stack::Nginx),
        (&["envoy", "istio"], Stack::EnvoyIstio),
        (&["jetty"], Stack::Jetty),
        (&["tomcat", "tomee", "coyote"], Stack::Tomcat),
        (&["undertow", "netty", "spring"], Stack::JavaSpring),
        (&["haproxy"], Stack::Haproxy),
        (&["caddy"], Stack::Caddy),
        (&["traefik"], Stack::Traefik),
        (&["awselb"], Stack::AwsAlb),
        (&["trafficserver", "traffic server"], Stack::TrafficServer),
        (&["lighttpd"], Stack::Lighttpd),
        (&["squid"], Stack::Squid),
        (&["nghttpx"], Stack::Nghttpx),
        (
            // Not `Microsoft-HTTPAPI/2.0`: HTTP.sys answers for whatever registered the URL.
            &["kestrel", "microsoft-iis"],
            Stack::DotNet,
        ),
    ];
    if let Some((_, stack)) = BY_WORD.iter().find(|(words, _)| any(words)) {
        return Some(*stack);
    }
    if h == "ats" || h.starts_with("ats/") {
        return Some(Stack::TrafficServer);
    }
    // Thin says `thin` (a word too short to look for inside others)
    if h == "thin" || h.starts_with("thin ") || h.starts_with("thin/") {
        return Some(Stack::Ruby);
    }
    if h.starts_with("apache") {
        // `Apache`, `Apache/2.4.62 (Debian) OpenSSL/3.0.15`.
        return Some(Stack::Apache);
    }
    const AFTER_APACHE: &[(&[&str], Stack)] = &[
        (&["webrick", "puma", "ruby"], Stack::Ruby),
        // `libwww-perl-daemon/6.16`: HTTP::Daemon (::SSL: IO::Socket::SSL).
        (&["mojolicious", "perl"], Stack::Perl),
        (
            &["inets/", "cowboy", "bandit", "yaws", "erlang", "elixir"],
            Stack::Erlang,
        ),
        // `TwistedWeb/22.4.0`: Twisted's TLS is pyOpenSSL, whose fix the Python one names.
        (
            &[
                "uvicorn",
                "gunicorn",
                "hypercorn",
                "werkzeug",
                "python",
                "daphne",
                "tornado",
                "twisted",
                // `Cheroot/9.0.0` (CherryPy's server), `waitress`.
                "cheroot",
                "cherrypy",
                "waitress",
            ],
            Stack::Python,
        ),
        (&["node", "express"], Stack::NodeJs),
        (&["axum", "hyper", "actix", "rocket", "warp"], Stack::Rust),
        (&["go-http"], Stack::Go),
        (&["gnutls"], Stack::Gnutls),
    ];
    AFTER_APACHE
        .iter()
        .find(|(words, _)| any(words))
        .map(|(_, stack)| *stack)
}

/// Guesses the stack from an `X-Powered-By` header that names an application framework whose
/// process terminates TLS itself as often as not (`Express`, `Next.js`: Node.js; `ASP.NET`:
/// Kestrel), where no `Server` header named one (Express sends none; an audit's Express
/// resumption finding led with Go's fix).
pub fn guess_from_powered_by(header: &str) -> Option<Stack> {
    let h = header.trim().to_ascii_lowercase();
    if ["express", "next.js", "nestjs", "koa", "hapi", "fastify"]
        .iter()
        .any(|w| h.contains(w))
    {
        Some(Stack::NodeJs)
    } else if h.contains("asp.net") {
        Some(Stack::DotNet)
    } else {
        None
    }
}

/// Guesses the stack from a body excerpt that names it: `gnutls-serv`'s own page ("the default
/// message reported by the GnuTLS implementation"), HAProxy's stock 403 ("Request forbidden by
/// administrative rules.", sent with no `Server` header). Error pages that name no stack
/// (lighttpd's, Go's `404 page not found`, which Traefik shares) guess nothing.
pub fn guess_from_body(excerpt: &str) -> Option<Stack> {
    if excerpt.contains("reported by the GnuTLS implementation") {
        Some(Stack::Gnutls)
    } else if excerpt.contains("Request forbidden by administrative rules.") {
        Some(Stack::Haproxy)
    } else {
        None
    }
}

/// Guesses the stack from a response's `Server` and `Via` headers. A `Via` header means a proxy
/// answered in front of the server that wrote `Server` (Squid: `1.1 host (squid/5.7)`): the fix
/// belongs to that proxy, so the guess is the stack its last entry names in its comment (the
/// proxy nearest the scanner), or none at all, never the backend's `Server`.
pub fn guess_from_headers(server: Option<&str>, via: Option<&str>) -> Option<Stack> {
    match via.map(str::trim).filter(|v| !v.is_empty()) {
        Some(via) => {
            let last = via.rsplit(',').next().unwrap_or(via).trim();
            match last.split_once('(') {
                Some((_, comment)) => guess_from_server_header(comment.trim_end_matches(')')),
                // `1.1 nghttpx`: no comment, the proxy's pseudonym in place of a host name; only
                // a product's own name counts (a host may be called anything).
                None => match last.split_whitespace().nth(1) {
                    Some("nghttpx") => Some(Stack::Nghttpx),
                    _ => None,
                },
            }
        }
        None => server.and_then(guess_from_server_header),
    }
}

/// Whether a `Server` header that names this stack may be a backend's, passed on by a TLS proxy
/// in front (stunnel, Hitch and HAProxy pass the backend's `Server` on; so does Apache's
/// mod_proxy). nginx, Envoy and Caddy put their own `Server` first when they proxy, so a header
/// naming them names the layer that answered.
/// Traffic Server, nghttpx, Traefik and the ALB (`awselb`, on the pages it answers itself) name
/// the layer that answered as well.
fn may_be_backend(stack: Stack) -> bool {
    !matches!(
        stack,
        Stack::Nginx
            | Stack::EnvoyIstio
            | Stack::Caddy
            | Stack::TrafficServer
            | Stack::Nghttpx
            | Stack::Traefik
            | Stack::AwsAlb
            | Stack::IngressNginx
    )
}

/// Whether this stack, named by a `Server` header, names the TLS front only as long as it serves
/// as it would with its own fix: nginx, Envoy and Caddy put their own `Server` first when they
/// proxy, but as the backend of a TLS proxy that passes the header on (HAProxy, stunnel, Hitch,
/// an ALB) they are named too, and there their own setting (`ssl_verify_client on`, which such a
/// backend may well have) does nothing for the front.
fn names_the_front_unless_proxied(stack: Stack) -> bool {
    matches!(stack, Stack::Nginx | Stack::EnvoyIstio | Stack::Caddy)
}

/// Where a guessed stack comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Guess {
    /// A leaked configuration, a `Via` header, a body that names its server: sure.
    Sure,
    /// A `Server` header; `front_open`: the TLS front never asks for a client certificate,
    /// which no backend's setting changes.
    ServerHeader {
        /// The findings show a TLS front that never asks for a certificate.
        front_open: bool,
    },
    /// An `X-Powered-By` header: the application's, which any TLS front passes on.
    PoweredBy,
}

impl Guess {
    /// Whether the `Server` header naming `stack` may be a backend's behind a TLS proxy.
    fn may_be_backend(self, stack: Stack) -> bool {
        match self {
            Guess::Sure => false,
            Guess::ServerHeader { front_open } => {
                may_be_backend(stack) || (front_open && names_the_front_unless_proxied(stack))
            }
            Guess::PoweredBy => true,
        }
    }
}

/// The first line of a fix guessed from an `X-Powered-By` header.
pub const FROM_POWERED_BY: &str = "Guessed from the X-Powered-By header, which the application \
     writes and a TLS proxy in front (stunnel, Hitch, HAProxy, a load balancer) passes on: if one \
     terminates TLS, the fix belongs there, not here.";

/// The first line of a fix guessed from a `Server` header that may be a backend's.
pub const FROM_SERVER_HEADER: &str = "Guessed from the Server header, which a TLS proxy in front \
     (stunnel, Hitch, HAProxy, Apache's mod_proxy, a load balancer) passes on from its backend: if \
     one terminates TLS, \
     the fix belongs there, not here.";

/// The line after [`FROM_SERVER_HEADER`] for a stack that names itself when it proxies (nginx,
/// Envoy, Caddy) while the TLS front never asks for a certificate.
fn front_unlike(stack: Stack) -> String {
    format!(
        "The TLS front here never asks for a client certificate; {} names itself when it \
         terminates TLS, but also when it is the backend of such a proxy, where its own setting \
         below (which it may already have) changes nothing for the front: this is the fix only \
         if {} itself terminates TLS.",
        stack.name(),
        stack.name()
    )
}

/// Fills every finding's `fixes`, the guessed stack's first: a guess the scan is sure of (a
/// leaked configuration).
pub fn attach(findings: &mut [Finding], guessed: Option<Stack>) {
    for f in findings {
        f.fixes = fixes(f.id, guessed);
    }
}

/// Fills every finding's `fixes`, the stack guessed from a `Server` header first, its fix led by
/// [`FROM_SERVER_HEADER`] when the header may be a backend's: always for a stack that passes a
/// backend's header on, and for nginx, Envoy and Caddy when the findings show a TLS front that
/// never asks for a client certificate (`client-cert-not-requested`), which is not how that
/// stack serves with the setting its fix prescribes (HAProxy terminating TLS in front of an
/// nginx backend with `ssl_verify_client on` passes `Server: nginx` on).
pub fn attach_from_server_header(findings: &mut [Finding], guessed: Option<Stack>) {
    let front_open = findings
        .iter()
        .any(|f| f.id == FindingId::ClientCertNotRequested);
    for f in findings {
        f.fixes = fixes_with(f.id, guessed, Guess::ServerHeader { front_open });
    }
}

/// Fills every finding's `fixes`, the stack guessed from an `X-Powered-By` header first, its fix
/// led by [`FROM_POWERED_BY`] (the header is the application's; a TLS front passes it on), then
/// stunnel and Hitch, which pass it on and name themselves nowhere.
pub fn attach_from_powered_by(findings: &mut [Finding], guessed: Option<Stack>) {
    for f in findings {
        f.fixes = fixes_with(f.id, guessed, Guess::PoweredBy);
    }
}

/// The fixes of one finding id, one per stack, the guessed stack's first.
pub fn fixes(id: FindingId, guessed: Option<Stack>) -> Vec<StackFix> {
    fixes_with(id, guessed, Guess::Sure)
}

/// Whether the finding is about a client (the `impostor` findings), which a server stack that is
/// never a TLS client (Hitch) has no fix for.
fn about_a_client(id: FindingId) -> bool {
    use FindingId::*;
    matches!(
        id,
        ClientSkipsServerVerification
            | ClientSkipsHostnameCheck
            | ClientAcceptsExpiredServerCert
            | ClientSendsIdentityToUntrustedServer
    )
}

/// The fix of a recognised stack that has none of its own for this finding: the fix any stack
/// needs, said to be so (never dropped, never another stack's first).
fn generic(id: FindingId, stack: Stack) -> String {
    format!(
        "# No {} setting for this finding is catalogued here; what any stack must do:\n# {}",
        stack.name(),
        id.spec().remediation
    )
}

fn fixes_with(id: FindingId, guessed: Option<Stack>, guess: Guess) -> Vec<StackFix> {
    let mut order: Vec<Stack> = guessed.into_iter().collect();
    order.extend(guessed.iter().flat_map(|g| g.companions(guess)));
    let listed: Vec<Stack> = Stack::ALL
        .into_iter()
        .filter(|s| !order.contains(s))
        .collect();
    order.extend(listed);
    order
        .into_iter()
        .filter_map(|stack| {
            let guessed = Some(stack) == guessed;
            let fix = match fix(id, stack) {
                // The recognised stack leads even without a fix of its own: with the generic one.
                f if f.is_empty() && guessed && !about_a_client(id) => generic(id, stack).into(),
                // A stack that cannot have this finding (Hitch as a client) has no fix of its own.
                f if f.is_empty() => return None,
                f => f,
            };
            let fix = match fix {
                f if guessed && guess == Guess::PoweredBy => {
                    format!("{FROM_POWERED_BY}\n{f}").into()
                }
                f if guessed && guess.may_be_backend(stack) => {
                    if may_be_backend(stack) {
                        format!("{FROM_SERVER_HEADER}\n{f}").into()
                    } else {
                        format!("{FROM_SERVER_HEADER}\n{}\n{f}", front_unlike(stack)).into()
                    }
                }
                f => f,
            };
            Some(StackFix {
                stack: stack.name().into(),
                fix,
                guessed,
            })
        })
        .collect()
}

/// The fix of one finding id on one stack.
pub fn fix(id: FindingId, stack: Stack) -> std::borrow::Cow<'static, str> {
    use FindingId::*;
    match id {
        ClientCertNotRequested | ClientCertOptional => require(stack).into(),
        ClientCertEnforcedByApp => in_handshake(stack).into(),
        UntrustedClientCertAccepted
        | ForgedClientCertAccepted
        | ExpiredClientCertAccepted
        | NotYetValidClientCertAccepted
        | WrongEkuClientCertAccepted
        | ClientKeyPossessionNotVerified => match (id, stack) {
            // GnuTLS checks a key purpose only where the application names one: its stock
            // verification (which the server already uses) is no fix.
            (WrongEkuClientCertAccepted, Stack::Gnutls) => {
                "GnuTLS checks no key purpose unless told: verify with the clientAuth purpose\n\
                 (static: GnuTLS keeps the pointer for the session's lifetime, it does not copy it),\n\
                 static const gnutls_typed_vdata_st purpose = { GNUTLS_DT_KEY_PURPOSE_OID, (void *)GNUTLS_KP_TLS_WWW_CLIENT, 0 };\n\
                 gnutls_session_set_verify_cert2(session, &purpose, 1, 0);\n\
                 # gnutls-serv cannot: issue client certificates from a CA that issues nothing else"
                    .into()
            }
            (WrongEkuClientCertAccepted, Stack::Lighttpd) => {
                "On mod_openssl a wrong key purpose gets in only without ssl.verifyclient.enforce = \"enable\":\n\
                 enable it. On mod_gnutls GnuTLS checks no key purpose (it does not unless told): use\n\
                 mod_openssl, which requires clientAuth, with ssl.verifyclient.enforce = \"enable\"; or issue\n\
                 client certificates from a CA that issues nothing else"
                    .into()
            }
            _ => lead_then(verify_lead(id, stack), verify(stack)),
        },
        LookalikeClientCertAccepted => lookalike(stack).into(),
        EnforcementUnverified => unverified(stack).into(),
        ClientCaPublicRoots if stack == Stack::Nghttpx => {
            "# nghttpx verifies client certificates against OpenSSL's default store (the system's\n\
             # public roots) beside verify-client-cacert, while it names that file's CAs alone:\n\
             # start it with that store pointed at the client CA\n\
             SSL_CERT_FILE=/etc/nghttpx/client-ca.pem SSL_CERT_DIR=/nonexistent nghttpx --conf /etc/nghttpx/nghttpx.conf\n\
             # (its TLS backends are then verified against that file too), or check the issuer in the backend"
                .into()
        }
        ClientCaPublicRoots if stack == Stack::TrafficServer => {
            "# Traffic Server verifies client certificates against OpenSSL's default store (the\n\
             # system's public roots) beside proxy.config.ssl.CA.cert.filename, while it names that\n\
             # file's CAs alone: start traffic_server with that store pointed at the client CA\n\
             # (SSL_CERT_FILE=/etc/trafficserver/client-ca.pem SSL_CERT_DIR=/nonexistent in its unit's\n\
             # Environment=; origins over TLS are then verified against that file too, unless\n\
             # proxy.config.ssl.client.CA.cert.filename names theirs), or check the issuer at the origin"
                .into()
        }
        ClientCaPublicRoots => lead_then(
            "# trust only the CA that issues your client certificates, never the public bundle",
            verify(stack),
        ),
        ServerCertUntrusted | ServerCertSelfSigned => server_cert(stack).into(),
        ServerChainIncomplete => full_chain(stack).into(),
        ServerCertExpired | ServerCertExpiring => renew(stack).into(),
        ServerCertHostnameMismatch => hostname(stack).into(),
        ServerCertWeakKey => weak_key(stack).into(),
        ServerCertWeakSignature => weak_signature(stack).into(),
        TlsConfigExposed => exposed(stack).into(),
        SniHostMismatchBypass => sni_host(stack).into(),
        SessionResumptionBypass => resumption(stack).into(),
        ClientCertHeaderSpoofing => header_spoofing(stack).into(),
        HostFormBypass => host_form(stack).into(),
        PathFormBypass => path_form(stack).into(),
        H2cSmugglingBypass => h2c(stack).into(),
        OtherNameBypass => other_name(stack).into(),
        ClientSkipsServerVerification => client_verify(stack).into(),
        ClientSkipsHostnameCheck => client_hostname(stack).into(),
        ClientAcceptsExpiredServerCert => client_expiry(stack).into(),
        ClientSendsIdentityToUntrustedServer => client_identity(stack).into(),
        // The enum is non_exhaustive only for other crates; keep a sane default.
        #[allow(unreachable_patterns)]
        _ => require(stack).into(),
    }
}

/// A lead line and a fix, or nothing where the stack has no fix.
fn lead_then(lead: &str, fix: &str) -> std::borrow::Cow<'static, str> {
    if fix.is_empty() {
        "".into()
    } else {
        format!("{lead}\n{fix}").into()
    }
}

/// Require and verify client certificates.
fn require(stack: Stack) -> &'static str {
    match stack {
        Stack::Haproxy => {
            "frontend api\n\
             \x20   bind :443 ssl crt /etc/haproxy/certs/api.pem ca-file /etc/haproxy/client-ca.pem verify required ssl-min-ver TLSv1.2\n\
             \x20   # crt: certificate, chain and key in one PEM; ca-file: the client CA only;\n\
             \x20   # never crt-ignore-err / ca-ignore-err (all, or error numbers): they let failing certificates in\n\
             \x20   # with verify optional and a deny rule instead: match path/path_beg, never url/url_beg\n\
             \x20   # (an HTTP/2 request's url is https://host/path: a url_beg /admin rule never matches it)"
        }
        Stack::Apache => {
            "<VirtualHost *:443>\n\
             \x20   SSLEngine on\n\
             \x20   SSLVerifyClient      require        # not optional, never optional_no_ca\n\
             \x20   SSLVerifyDepth       2\n\
             \x20   SSLCACertificateFile /etc/apache2/client-ca.pem   # only the client CA\n\
             \x20   SSLProtocol          -all +TLSv1.2 +TLSv1.3\n\
             </VirtualHost>"
        }
        Stack::Caddy => {
            "api.example.com {\n\
             \x20   tls {\n\
             \x20       client_auth {\n\
             \x20           mode require_and_verify   # not request, require (any certificate) or verify_if_given\n\
             \x20           trusted_ca_cert_file /etc/caddy/client-ca.pem   # Caddy 2.8+: trust_pool file /etc/caddy/client-ca.pem\n\
             \x20       }\n\
             \x20   }\n\
             \x20   reverse_proxy backend:8080\n\
             }"
        }
        Stack::Go => {
            "pool := x509.NewCertPool()\n\
             pool.AppendCertsFromPEM(clientCAPEM) // the CA that issues client certificates\n\
             srv := &http.Server{Addr: \":8443\", TLSConfig: &tls.Config{\n\
             \tClientAuth: tls.RequireAndVerifyClientCert,\n\
             \tClientCAs:  pool,\n\
             \tMinVersion: tls.VersionTLS12,\n\
             }}\n\
             log.Fatal(srv.ListenAndServeTLS(\"fullchain.pem\", \"privkey.pem\"))\n\
             // etcd: --client-cert-auth --trusted-ca-file client-ca.pem, never with --auto-tls\n\
             //   (etcd drops --client-cert-auth with it and asks no client for a certificate)\n\
             // Prometheus exporters (--web.config.file): tls_server_config: client_auth_type:\n\
             //   RequireAndVerifyClientCert with client_ca_file (without it, the public roots)\n\
             // nats-server: tls { verify: true } is not applied to the HTTPS monitoring port\n\
             //   (https:), which asks no client for a certificate: bind it to 127.0.0.1 or drop it"
        }
        Stack::NodeJs => {
            "https.createServer({\n\
             \x20 key: fs.readFileSync('privkey.pem'),\n\
             \x20 cert: fs.readFileSync('fullchain.pem'),\n\
             \x20 ca: [fs.readFileSync('client-ca.pem')],\n\
             \x20 requestCert: true,\n\
             \x20 rejectUnauthorized: true,\n\
             }, app).listen(8443);\n\
             // Deno: the same options through node:https\n\
             // Bun.serve: tls: { key, cert, ca, requestCert: true, rejectUnauthorized: true }\n\
             // (Bun refuses by closing after the handshake: on TLS 1.2 a scan cannot read that)"
        }
        Stack::Python => {
            "ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)\n\
             ctx.load_cert_chain(\"fullchain.pem\", \"privkey.pem\")\n\
             ctx.load_verify_locations(cafile=\"client-ca.pem\")\n\
             ctx.verify_mode = ssl.CERT_REQUIRED\n\
             # never ctx.load_default_certs(): it trusts every public root for client certificates\n\
             # a context set as sock.context in sni_callback brings its certificate, not its\n\
             # verify_mode: require it on the context that wraps the socket (own port for the rest)\n\
             # uvicorn: --ssl-ca-certs client-ca.pem --ssl-cert-reqs 2\n\
             # gunicorn: --ca-certs client-ca.pem --cert-reqs 2\n\
             # hypercorn: --ca-certs client-ca.pem --verify-mode CERT_REQUIRED\n\
             # granian: --ssl-ca client-ca.pem --ssl-client-verify (both: the flag alone asks\n\
             #   for nothing, the CA alone lets a client without a certificate in)\n\
             # Twisted: CertificateOptions(..., verify=True, caCerts=[ca], requireCertificate=True)"
        }
        Stack::Rust => {
            "let mut roots = RootCertStore::empty();\n\
             for ca in CertificateDer::pem_file_iter(\"client-ca.pem\")? { roots.add(ca?)?; }\n\
             // No .allow_unauthenticated(): a certificate is mandatory.\n\
             let verifier = WebPkiClientVerifier::builder(Arc::new(roots)).build()?;\n\
             let config = ServerConfig::builder()\n\
             \x20   .with_client_cert_verifier(verifier)\n\
             \x20   .with_single_cert(chain, key)?;\n\
             // axum: axum_server::bind_rustls(addr, RustlsConfig::from_config(Arc::new(config)))"
        }
        Stack::Nginx => {
            "ssl_client_certificate /etc/nginx/client-ca.pem;  # only the client CA\n\
             ssl_verify_client      on;\n\
             ssl_verify_depth       2;"
        }
        Stack::JavaSpring => {
            "server.ssl.client-auth=need\n\
             server.ssl.trust-store=file:/etc/tls/client-ca.p12\n\
             server.ssl.trust-store-type=PKCS12\n\
             server.ssl.trust-store-password=${TRUSTSTORE_PASSWORD}"
        }
        Stack::EnvoyIstio => {
            "# Envoy: DownstreamTlsContext of the listener\n\
             require_client_certificate: true\n\
             common_tls_context:\n\
             \x20 validation_context:\n\
             \x20   trusted_ca: { filename: /etc/envoy/client-ca.pem }\n\
             # Istio ingress: Gateway servers[].tls: { mode: MUTUAL, credentialName: api-cert }  # secret holds ca.crt\n\
             # Istio mesh: PeerAuthentication spec: { mtls: { mode: STRICT } }"
        }
        _ => extra(Topic::Require, stack),
    }
}

/// Refuse in the handshake instead of over HTTP.
fn in_handshake(stack: Stack) -> &'static str {
    match stack {
        Stack::Haproxy => {
            "bind :443 ssl crt /etc/haproxy/certs/api.pem ca-file /etc/haproxy/client-ca.pem verify required\n\
             # instead of verify optional plus http-request deny if !{ ssl_c_used } in some frontends or backends"
        }
        Stack::Apache => {
            "SSLVerifyClient require  # in the <VirtualHost>, instead of optional plus\n\
             # <Location> Require expr %{SSL_CLIENT_VERIFY} == 'SUCCESS' that another location can lack"
        }
        Stack::Caddy => {
            "client_auth { mode require_and_verify }  # instead of verify_if_given plus a matcher on\n\
             # {http.request.tls.client.subject} in some routes"
        }
        Stack::Go => {
            "Use ClientAuth: tls.RequireAndVerifyClientCert (with ClientCAs) instead of \
             tls.VerifyClientCertIfGiven plus a check of r.TLS.PeerCertificates in handlers."
        }
        Stack::NodeJs => {
            "Set requestCert: true, rejectUnauthorized: true (with ca: [...]) instead of \
             rejectUnauthorized: false plus a check of req.socket.authorized in middleware."
        }
        Stack::Python => {
            "ctx.verify_mode = ssl.CERT_REQUIRED  # instead of ssl.CERT_OPTIONAL plus a check in the app\n\
             # Twisted: CertificateOptions(..., verify=True, caCerts=[ca], requireCertificate=True)"
        }
        Stack::Rust => {
            "Build the verifier without .allow_unauthenticated():\n\
             WebPkiClientVerifier::builder(roots).build()?"
        }
        Stack::Nginx => {
            "ssl_verify_client on;  # instead of optional + if ($ssl_client_verify != SUCCESS) { return 403; }\n\
             # nginx still answers 400 over HTTP, but no location can forget the check."
        }
        Stack::JavaSpring => "server.ssl.client-auth=need  # instead of want plus a filter",
        Stack::EnvoyIstio => {
            "Envoy: require_client_certificate: true instead of an RBAC or Lua filter.\n\
             Istio: Gateway tls.mode: MUTUAL instead of OPTIONAL_MUTUAL."
        }
        _ => extra(Topic::InHandshake, stack),
    }
}

/// The first line of a verification fix: what was accepted that must not be.
fn verify_lead(id: FindingId, stack: Stack) -> &'static str {
    use FindingId::*;
    match (id, stack) {
        (ForgedClientCertAccepted, Stack::Nginx) => {
            "Never authorise on $ssl_client_i_dn / $ssl_client_s_dn with optional_no_ca: the names are not verified."
        }
        (ForgedClientCertAccepted, Stack::Apache) => {
            "Never authorise on SSL_CLIENT_I_DN / SSL_CLIENT_S_DN with SSLVerifyClient optional_no_ca: the names are not verified."
        }
        (ForgedClientCertAccepted, Stack::Haproxy) => {
            "Never authorise on ssl_c_i_dn / ssl_c_s_dn of a certificate that crt-ignore-err / ca-ignore-err let through: the names are not verified; require ssl_c_verify 0."
        }
        (UntrustedClientCertAccepted, Stack::Haproxy) => {
            "Remove crt-ignore-err and ca-ignore-err (all, or 18 self-signed, 19/20/21 unknown issuer): every error listed is let in."
        }
        (UntrustedClientCertAccepted, Stack::Apache) => {
            "SSLVerifyClient optional_no_ca accepts a certificate from any CA (SSL_CLIENT_VERIFY GENEROUS): use require."
        }
        (UntrustedClientCertAccepted | ExpiredClientCertAccepted | NotYetValidClientCertAccepted | WrongEkuClientCertAccepted, Stack::Caddy) => {
            "client_auth mode require (or request) accepts any certificate unverified: use require_and_verify, which checks the CA, the dates and the clientAuth usage."
        }
        (ExpiredClientCertAccepted | NotYetValidClientCertAccepted, Stack::Haproxy) => {
            "Remove 10 (expired) and 9 (not yet valid) from crt-ignore-err (and never crt-ignore-err all)."
        }
        (WrongEkuClientCertAccepted, Stack::Haproxy) => {
            "Remove 26 (unsupported certificate purpose) from crt-ignore-err (and never crt-ignore-err all): OpenSSL requires clientAuth otherwise."
        }
        (ExpiredClientCertAccepted | NotYetValidClientCertAccepted, Stack::Apache) => {
            "mod_ssl refuses certificates outside their dates when it verifies: use SSLVerifyClient require on the vhost, and check that no application trusts a forwarded header instead."
        }
        (ForgedClientCertAccepted, _) => {
            "Trust a client certificate only when its signature chains to the client CA, never because its issuer or subject name matches."
        }
        (ExpiredClientCertAccepted | NotYetValidClientCertAccepted, Stack::Go) => {
            "Do not verify with x509.VerifyOptions{CurrentTime: ...} set to anything but now, nor ignore x509.CertificateInvalidError."
        }
        (ExpiredClientCertAccepted | NotYetValidClientCertAccepted, Stack::Rust) => {
            "Do not map CertificateError::Expired/NotValidYet (and their *Context forms) to success in a custom verifier."
        }
        (ExpiredClientCertAccepted | NotYetValidClientCertAccepted, Stack::Nginx | Stack::NodeJs | Stack::Python) => {
            "Do not forgive X509_V_ERR_CERT_HAS_EXPIRED / X509_V_ERR_CERT_NOT_YET_VALID in a verify callback."
        }
        (ExpiredClientCertAccepted | NotYetValidClientCertAccepted, _) => {
            "Check validity dates (notBefore and notAfter) when verifying client certificates."
        }
        (WrongEkuClientCertAccepted, Stack::Go) => {
            "A custom check must pass KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth} to cert.Verify."
        }
        (WrongEkuClientCertAccepted, _) => {
            "Require the clientAuth extended key usage (the stock verifiers do), or use a CA that issues client certificates only."
        }
        (ClientKeyPossessionNotVerified, Stack::Rust) => {
            "Delegate verify_tls12_signature/verify_tls13_signature to rustls::crypto::verify_tls12_signature / verify_tls13_signature; never return HandshakeSignatureValid::assertion() unchecked."
        }
        (ClientKeyPossessionNotVerified, _) => {
            "The TLS stack checks CertificateVerify itself: look for a terminator that skips it, or an app that trusts a client-certificate header set by anyone."
        }
        _ => {
            "Verify the client chain against the client CA only; never accept any certificate in a custom callback."
        }
    }
}

/// Use the stock client-certificate verifier.
fn verify(stack: Stack) -> &'static str {
    match stack {
        Stack::Haproxy => {
            "bind :443 ssl crt /etc/haproxy/certs/api.pem ca-file /etc/haproxy/client-ca.pem verify required\n\
             # drop crt-ignore-err and ca-ignore-err: every error they list (or all) is let in;\n\
             # ca-file holds only the client CA; authorise on ssl_c_verify 0 with ssl_c_used, never on ssl_c_s_dn alone"
        }
        Stack::Apache => {
            "SSLVerifyClient      require                      # never optional_no_ca: it accepts any certificate\n\
             SSLCACertificateFile /etc/apache2/client-ca.pem   # only the client CA\n\
             # authorise on %{SSL_CLIENT_VERIFY} == 'SUCCESS', never on SSL_CLIENT_S_DN / SSL_CLIENT_I_DN alone"
        }
        Stack::Caddy => {
            "client_auth {\n\
             \x20   mode require_and_verify   # require accepts any certificate; verify_if_given lets clients without one in\n\
             \x20   trusted_ca_cert_file /etc/caddy/client-ca.pem   # Caddy 2.8+: trust_pool file ...; only the client CA\n\
             }"
        }
        Stack::Go => {
            "tls.Config{ClientAuth: tls.RequireAndVerifyClientCert, ClientCAs: pool}\n\
             // not RequireAnyClientCert; no VerifyPeerCertificate/VerifyConnection that accepts what Go refused;\n\
             // a nil ClientCAs verifies against the system's public roots\n\
             // etcd: --trusted-ca-file client-ca.pem beside --client-cert-auth\n\
             // Prometheus exporters: client_auth_type: RequireAndVerifyClientCert, client_ca_file: client-ca.pem"
        }
        Stack::NodeJs => {
            "{ requestCert: true, rejectUnauthorized: true, ca: [fs.readFileSync('client-ca.pem')] }\n\
             // with rejectUnauthorized: false, authorise only on socket.authorized === true AND\n\
             // getPeerCertificate().raw (a resumed TLS 1.3 session: nodejs/node#35317), never on its fields alone"
        }
        Stack::Python => {
            "ctx.verify_mode = ssl.CERT_REQUIRED\n\
             ctx.load_verify_locations(cafile=\"client-ca.pem\")  # the client CA only\n\
             # never authorise on getpeercert() subject/issuer strings from an unverified connection\n\
             # Twisted: CertificateOptions(..., verify=True, caCerts=[client_ca], requireCertificate=True)"
        }
        Stack::Rust => {
            "let verifier = WebPkiClientVerifier::builder(Arc::new(client_roots)).build()?;\n\
             // remove custom ClientCertVerifier impls that return ClientCertVerified::assertion() unconditionally"
        }
        Stack::Nginx => {
            "ssl_verify_client on;                              # not optional_no_ca\n\
             ssl_client_certificate /etc/nginx/client-ca.pem;   # only the client CA"
        }
        Stack::JavaSpring => {
            "server.ssl.client-auth=need\n\
             server.ssl.trust-store=file:/etc/tls/client-ca.p12  # only the client CA\n\
             # no custom X509TrustManager whose checkClientTrusted returns without throwing"
        }
        Stack::EnvoyIstio => {
            "require_client_certificate: true\n\
             common_tls_context: { validation_context: { trusted_ca: { filename: /etc/envoy/client-ca.pem } } }\n\
             # never trust_chain_verification: ACCEPT_UNTRUSTED; Istio Gateway tls.mode: MUTUAL"
        }
        _ => extra(Topic::Verify, stack),
    }
}

/// The positive control was refused: either the scan's identity is not one the server trusts, or
/// the server refuses every valid client because of its own setting (a verify depth too short for
/// the chain, a CA file without the issuing CA, a CRL check without CRLs).
fn unverified(stack: Stack) -> &'static str {
    match stack {
        Stack::Go => {
            "Add the CA of the identity given to the scan to ClientCAs (pool.AppendCertsFromPEM); or the server refuses valid clients:\n\
             ClientCAs must hold the CA that issues them, and a VerifyPeerCertificate /\n\
             VerifyConnection callback must not refuse what Go verified."
        }
        Stack::NodeJs => {
            "Add the CA of the identity given to the scan to ca: [...]; or the server refuses valid clients:\n\
             ca must hold the CA that issues them (a crl: that lists it, or is stale, refuses them too)."
        }
        Stack::Python => {
            "ctx.load_verify_locations(cafile=...) must include the CA of the identity given to the scan; or the\n\
             server refuses valid clients: the CA file must hold their issuing CA, and ctx.verify_flags must not\n\
             ask for CRLs (VERIFY_CRL_CHECK_LEAF/CHAIN) it was never given."
        }
        Stack::Rust => {
            "The RootCertStore given to WebPkiClientVerifier must include the CA of the identity given to the scan;\n\
             or the server refuses valid clients: the roots must hold their issuing CA, and .with_crls(..) must not\n\
             list them."
        }
        Stack::Nginx => {
            "ssl_client_certificate must contain the CA of the identity given to the scan (a PEM bundle may hold\n\
             several); or the server refuses valid clients: ssl_verify_depth (default 1) must cover their chain,\n\
             ssl_client_certificate must hold their issuing CA, and an ssl_crl must be current and not list them."
        }
        Stack::JavaSpring => {
            "Import the CA of the identity given to the scan into server.ssl.trust-store; or the server refuses valid clients:\n\
              the trust store must hold their issuing CA (and a custom trust manager or revocation\n\
             check must not refuse them)."
        }
        Stack::EnvoyIstio => {
            "validation_context.trusted_ca (Istio: the ca.crt of credentialName) must include the CA of the\n\
             identity given to the scan; or the server refuses valid clients: max_verify_depth must cover their\n\
             chain, and match_typed_subject_alt_names / verify_certificate_spki / verify_certificate_hash must\n\
             admit them."
        }
        Stack::Haproxy => {
            "The bind line's ca-file must include the CA of the identity given to the scan; or the server refuses valid clients:\n\
              ca-file must hold their issuing CA, and a crl-file must hold a current CRL of every CA\n\
             of the chain (HAProxy checks all of them) without listing them."
        }
        Stack::Apache => {
            "SSLCACertificateFile must include the CA of the identity given to the scan; or the server refuses valid clients:\n\
              SSLVerifyDepth (default 1) must cover their chain, SSLCACertificateFile must hold their\n\
             issuing CA, and SSLCARevocationCheck chain/leaf needs a current CRL (SSLCARevocationFile)."
        }
        Stack::Caddy => {
            "trusted_ca_cert_file (trust_pool) must include the CA of the identity given to the scan; or the server refuses valid clients:\n\
             it must hold their issuing CA, and trusted_leaf_cert_file, if set, admits only\n\
             the certificates it lists."
        }
        _ => extra(Topic::Unverified, stack),
    }
}

/// Serve a certificate clients can verify.
fn server_cert(stack: Stack) -> &'static str {
    match stack {
        Stack::Haproxy => {
            "# crt takes one PEM: the certificate, its intermediates and the key\n\
             # cat fullchain.pem privkey.pem > /etc/haproxy/certs/api.example.com.pem\n\
             bind :443 ssl crt /etc/haproxy/certs/   # a directory: one PEM per name, picked by SNI"
        }
        Stack::Apache => {
            "SSLCertificateFile    /etc/letsencrypt/live/api.example.com/fullchain.pem\n\
             SSLCertificateKeyFile /etc/letsencrypt/live/api.example.com/privkey.pem\n\
             # certbot --apache -d api.example.com, or mod_md: MDomain api.example.com"
        }
        Stack::Caddy => {
            "api.example.com {   # automatic HTTPS: Caddy obtains a public certificate for the site's name\n\
             \x20   tls ops@example.com\n\
             }\n\
             # private CA: tls /etc/caddy/fullchain.pem /etc/caddy/privkey.pem, or\n\
             # tls { issuer acme { dir https://ca.internal.example/acme/directory } }"
        }
        Stack::Go => {
            "srv.ListenAndServeTLS(\"fullchain.pem\", \"privkey.pem\") // a CA-issued certificate\n\
             // or golang.org/x/crypto/acme/autocert: TLSConfig: m.TLSConfig()\n\
             // clients of a private CA: tls.Config{RootCAs: pool}, never InsecureSkipVerify"
        }
        Stack::NodeJs => {
            "https.createServer({ key: fs.readFileSync('privkey.pem'), cert: fs.readFileSync('fullchain.pem') }, app)\n\
             // clients of a private CA: { ca: [fs.readFileSync('ca.pem')] }, never rejectUnauthorized: false"
        }
        Stack::Python => {
            "ctx.load_cert_chain(\"fullchain.pem\", \"privkey.pem\")  # a CA-issued certificate\n\
             # clients of a private CA: requests.get(url, verify=\"/etc/ssl/private-ca.pem\"), never verify=False"
        }
        Stack::Rust => {
            "let chain = CertificateDer::pem_file_iter(\"fullchain.pem\")?.collect::<Result<Vec<_>, _>>()?;\n\
             let key = PrivateKeyDer::from_pem_file(\"privkey.pem\")?;\n\
             let config = ServerConfig::builder().with_client_cert_verifier(verifier).with_single_cert(chain, key)?;"
        }
        Stack::Nginx => {
            "ssl_certificate     /etc/letsencrypt/live/api.example.com/fullchain.pem;\n\
             ssl_certificate_key /etc/letsencrypt/live/api.example.com/privkey.pem;\n\
             # certbot --nginx -d api.example.com, or a certificate from your private CA"
        }
        Stack::JavaSpring => {
            "server.ssl.certificate=file:/etc/tls/fullchain.pem\n\
             server.ssl.certificate-private-key=file:/etc/tls/privkey.pem\n\
             # or a PKCS12 keystore holding a CA-issued certificate and its chain"
        }
        Stack::EnvoyIstio => {
            "tls_certificates:\n\
             - certificate_chain: { filename: /etc/envoy/fullchain.pem }\n\
             \x20 private_key: { filename: /etc/envoy/privkey.pem }\n\
             # Istio: Gateway credentialName from a cert-manager Certificate (ACME or CA issuer)"
        }
        _ => extra(Topic::Cert, stack),
    }
}

/// Serve the leaf followed by its intermediates.
fn full_chain(stack: Stack) -> &'static str {
    match stack {
        Stack::Haproxy => {
            "# leaf, then every intermediate, then the key, in one file:\n\
             # cat server.crt intermediate.crt privkey.pem > /etc/haproxy/certs/api.pem\n\
             bind :443 ssl crt /etc/haproxy/certs/api.pem"
        }
        Stack::Apache => {
            "# cat server.crt intermediate.crt > fullchain.pem\n\
             SSLCertificateFile /etc/apache2/tls/fullchain.pem  # leaf then intermediates (SSLCertificateChainFile is deprecated)"
        }
        Stack::Caddy => {
            "tls /etc/caddy/fullchain.pem /etc/caddy/privkey.pem  # the file holds the leaf then its intermediates\n\
             # (certificates Caddy obtains itself come with their chain)"
        }
        Stack::Go => {
            "// cat server.crt intermediate.crt > fullchain.pem\n\
             cert, err := tls.LoadX509KeyPair(\"fullchain.pem\", \"privkey.pem\") // loads every CERTIFICATE block"
        }
        Stack::NodeJs => "{ cert: fs.readFileSync('fullchain.pem'), key: fs.readFileSync('privkey.pem') } // leaf then intermediates",
        Stack::Python => "ctx.load_cert_chain(certfile=\"fullchain.pem\", keyfile=\"privkey.pem\")  # leaf then intermediates",
        Stack::Rust => {
            "// every certificate of fullchain.pem, leaf first\n\
             let chain = CertificateDer::pem_file_iter(\"fullchain.pem\")?.collect::<Result<Vec<_>, _>>()?;\n\
             config.with_single_cert(chain, key)?"
        }
        Stack::Nginx => {
            "# cat server.crt intermediate.crt > fullchain.pem\n\
             ssl_certificate /etc/nginx/tls/fullchain.pem;  # not cert.pem"
        }
        Stack::JavaSpring => {
            "openssl pkcs12 -export -in fullchain.pem -inkey privkey.pem -out server.p12\n\
             server.ssl.key-store=file:/etc/tls/server.p12\n\
             # or server.ssl.certificate=file:/etc/tls/fullchain.pem"
        }
        Stack::EnvoyIstio => {
            "certificate_chain: { filename: /etc/envoy/fullchain.pem }  # leaf then intermediates\n\
             # Istio: the secret's tls.crt must hold the full chain (cert-manager does this)"
        }
        _ => extra(Topic::Cert, stack),
    }
}

/// Renew, and automate renewal.
fn renew(stack: Stack) -> &'static str {
    match stack {
        Stack::Haproxy => {
            "certbot renew --deploy-hook 'cat \"$RENEWED_LINEAGE/fullchain.pem\" \"$RENEWED_LINEAGE/privkey.pem\" > /etc/haproxy/certs/api.pem && systemctl reload haproxy'\n\
             # or without a reload: the Runtime API's set ssl cert then commit ssl cert (HAProxy 2.2+)"
        }
        Stack::Apache => {
            "certbot renew --deploy-hook \"systemctl reload apache2\"  # from a systemd timer or cron\n\
             # or mod_md: MDomain api.example.com (renews itself; a graceful reload activates the new certificate)"
        }
        Stack::Caddy => {
            "# Caddy renews the certificates it manages itself: serve the site with automatic HTTPS\n\
             # (api.example.com { tls ops@example.com }) instead of tls cert.pem key.pem, whose files it never renews\n\
             # (after replacing those by hand: caddy reload --config /etc/caddy/Caddyfile)"
        }
        Stack::Go => {
            "m := &autocert.Manager{Prompt: autocert.AcceptTOS, HostPolicy: autocert.HostWhitelist(\"api.example.com\"), Cache: autocert.DirCache(\"certs\")}\n\
             srv.TLSConfig = m.TLSConfig()  // or a GetCertificate that reloads the renewed files"
        }
        Stack::NodeJs => {
            "// after renewal, without a restart:\n\
             server.setSecureContext({ key: fs.readFileSync('privkey.pem'), cert: fs.readFileSync('fullchain.pem') });"
        }
        Stack::Python => {
            "certbot renew --deploy-hook \"systemctl restart api\"  # uvicorn/gunicorn load certificates at start"
        }
        Stack::Rust => {
            "// renew (e.g. certbot, rustls-acme) and reload: axum_server's RustlsConfig::reload_from_pem_file(\"fullchain.pem\", \"privkey.pem\")"
        }
        Stack::Nginx => "certbot renew --deploy-hook \"nginx -s reload\"  # from a systemd timer or cron",
        Stack::JavaSpring => {
            "spring.ssl.bundle.pem.server.reload-on-update=true\n\
             spring.ssl.bundle.pem.server.keystore.certificate=file:/etc/tls/fullchain.pem\n\
             spring.ssl.bundle.pem.server.keystore.private-key=file:/etc/tls/privkey.pem\n\
             server.ssl.bundle=server  # Spring Boot 3.2+"
        }
        Stack::EnvoyIstio => {
            "# cert-manager Certificate: spec.renewBefore: 720h (Istio Gateway credentialName picks it up)\n\
             # Envoy: SDS from files with watched_directory, so renewed files load without a restart"
        }
        _ => extra(Topic::Cert, stack),
    }
}

/// Cover the host name.
fn hostname(stack: Stack) -> &'static str {
    match stack {
        Stack::Haproxy => {
            "bind :443 ssl crt /etc/haproxy/certs/   # one PEM per host name, picked by SNI\n\
             # or crt-list /etc/haproxy/crt-list.txt with lines such as: /etc/haproxy/certs/api.pem api.example.com\n\
             # (reissue the certificate with the name in subjectAltName)"
        }
        Stack::Apache => {
            "<VirtualHost *:443>\n\
             \x20   ServerName api.example.com\n\
             \x20   SSLCertificateFile /etc/apache2/tls/api.example.com/fullchain.pem   # SAN: DNS:api.example.com\n\
             </VirtualHost>"
        }
        Stack::Caddy => {
            "api.example.com {   # the site address is the name Caddy gets (and serves) a certificate for\n\
             \x20   reverse_proxy backend:8080\n\
             }\n\
             # with tls cert.pem key.pem, the certificate's subjectAltName must name the site address"
        }
        Stack::Go => {
            "// reissue with the name in subjectAltName; with several certificates Go picks by SNI:\n\
             tls.Config{Certificates: []tls.Certificate{apiCert, otherCert}}"
        }
        Stack::NodeJs => "server.addContext('api.example.com', { key, cert });  // a certificate whose SAN names the host",
        Stack::Python => "ctx.sni_callback = pick_context  # or reissue the certificate with the host in subjectAltName",
        Stack::Rust => {
            "let mut sni = ResolvesServerCertUsingSni::new();\n\
             sni.add(\"api.example.com\", certified_key)?;  // rejects a certificate that does not name it\n\
             ServerConfig::builder().with_client_cert_verifier(v).with_cert_resolver(Arc::new(sni))"
        }
        Stack::Nginx => {
            "server {\n\
             \x20 server_name api.example.com;\n\
             \x20 ssl_certificate /etc/nginx/tls/api.example.com/fullchain.pem;  # SAN: DNS:api.example.com\n\
             }"
        }
        Stack::JavaSpring => {
            "# reissue with the SAN: keytool -genkeypair -ext san=dns:api.example.com ... or\n\
             openssl req -new -key privkey.pem -subj /CN=api.example.com -addext subjectAltName=DNS:api.example.com"
        }
        Stack::EnvoyIstio => {
            "filter_chain_match: { server_names: [\"api.example.com\"] }  # with that host's certificate\n\
             # Istio: Gateway servers[].hosts: [\"api.example.com\"] with a credentialName whose SAN names it"
        }
        _ => extra(Topic::Cert, stack),
    }
}

/// A stronger key.
fn weak_key(stack: Stack) -> &'static str {
    match stack {
        Stack::Haproxy => {
            "openssl ecparam -name prime256v1 -genkey -noout -out privkey.pem  # or RSA 3072\n\
             # reissue the certificate for the new key, then cat fullchain.pem privkey.pem > the crt PEM"
        }
        Stack::Apache => {
            "openssl ecparam -name prime256v1 -genkey -noout -out privkey.pem  # or RSA 3072\n\
             # reissue the certificate for the new key, then SSLCertificateKeyFile privkey.pem"
        }
        Stack::Caddy => {
            "tls {\n\
             \x20   key_type p256   # for certificates Caddy obtains; or the global option key_type p256\n\
             }\n\
             # with tls cert.pem key.pem: generate an EC P-256 (or RSA 3072) key and reissue"
        }
        Stack::Go => "key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)  // or: openssl ecparam -name prime256v1 -genkey -noout -out privkey.pem",
        Stack::NodeJs => "crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' })  // or certbot --key-type ecdsa",
        Stack::Python => "ec.generate_private_key(ec.SECP256R1())  # cryptography; or certbot --key-type ecdsa",
        Stack::Rust => "rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256)?  // or openssl ecparam -name prime256v1 -genkey",
        Stack::Nginx => {
            "openssl ecparam -name prime256v1 -genkey -noout -out privkey.pem  # or: openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:3072\n\
             # reissue the certificate for the new key, then ssl_certificate_key privkey.pem;"
        }
        Stack::JavaSpring => "keytool -genkeypair -keyalg EC -groupname secp256r1 -sigalg SHA256withECDSA -keystore server.p12 -storetype PKCS12",
        Stack::EnvoyIstio => "# cert-manager Certificate: spec.privateKey: { algorithm: ECDSA, size: 256, rotationPolicy: Always }",
        _ => extra(Topic::Cert, stack),
    }
}

/// A SHA-256 signature.
fn weak_signature(stack: Stack) -> &'static str {
    match stack {
        Stack::Haproxy => "openssl x509 -req -sha256 -in server.csr -CA ca.pem -CAkey ca.key -out server.pem  # reissue (any SHA-1 intermediate too), then rebuild the crt PEM",
        Stack::Apache => "openssl x509 -req -sha256 -in server.csr -CA ca.pem -CAkey ca.key -out server.pem  # reissue (any SHA-1 intermediate too), then SSLCertificateFile",
        Stack::Caddy => "# Caddy's ACME and internal issuers sign with SHA-256 or better; a certificate given to tls cert.pem key.pem must be reissued with SHA-256 (and its intermediates)",
        Stack::Go => "x509.Certificate{SignatureAlgorithm: x509.ECDSAWithSHA256, ...}  // Go has refused SHA-1 certificates since 1.18",
        Stack::NodeJs => "openssl x509 -req -sha256 -in server.csr -CA ca.pem -CAkey ca.key -out server.pem  # then reload",
        Stack::Python => "builder.sign(ca_key, hashes.SHA256())  # cryptography; never hashes.SHA1() or MD5",
        Stack::Rust => "params.signed_by(&key, &issuer)?  // rcgen signs with SHA-256 or better; reissue any SHA-1 intermediate",
        Stack::Nginx => "openssl x509 -req -sha256 -in server.csr -CA ca.pem -CAkey ca.key -out server.pem  # reissue, then ssl_certificate",
        Stack::JavaSpring => "keytool -gencert -sigalg SHA256withRSA ...  # or SHA256withECDSA; never SHA1withRSA / MD5withRSA",
        Stack::EnvoyIstio => "# reissue from cert-manager or the Istio CA (SHA-256 by default) and replace the secret",
        _ => extra(Topic::Cert, stack),
    }
}

/// Take configuration endpoints off the public listener.
fn exposed(stack: Stack) -> &'static str {
    match stack {
        Stack::Haproxy => {
            "listen stats\n\
             \x20   bind 127.0.0.1:8404   # never on the public bind\n\
             \x20   stats enable\n\
             \x20   stats uri /stats\n\
             \x20   stats auth admin:\"${STATS_PASSWORD}\"\n\
             # global: stats socket /run/haproxy/admin.sock mode 660 level admin   (a UNIX socket, not a TCP port)\n\
             # public frontend: http-request deny if { path_beg /actuator /debug /env /config /.env }"
        }
        Stack::Apache => {
            "<Location \"/server-status\">\n\
             \x20   SetHandler server-status\n\
             \x20   Require local\n\
             </Location>\n\
             <LocationMatch \"^/(actuator|debug|env|config|server-info)\">\n\
             \x20   Require all denied\n\
             </LocationMatch>"
        }
        Stack::Caddy => {
            "{\n\
             \x20   admin localhost:2019   # the default; never admin 0.0.0.0:2019\n\
             }\n\
             api.example.com {\n\
             \x20   @internal path /debug/* /actuator/* /.env /config*\n\
             \x20   respond @internal 404\n\
             }"
        }
        Stack::Go => {
            "// importing expvar or net/http/pprof registers /debug/* on http.DefaultServeMux:\n\
             mux := http.NewServeMux()                // the API's own mux, no debug handlers\n\
             go http.ListenAndServe(\"127.0.0.1:6060\", nil) // debug endpoints on localhost only"
        }
        Stack::NodeJs => {
            "app.use(express.static('public', { dotfiles: 'deny' }));  // never serve the project root (.env)\n\
             // remove routes that dump process.env or the TLS options"
        }
        Stack::Python => "app.run(debug=False)  # Django: DEBUG = False; remove views that return settings or os.environ",
        Stack::Rust => {
            "// mount config/debug routes only on an admin router bound to localhost:\n\
             axum::serve(TcpListener::bind(\"127.0.0.1:9000\").await?, admin_router).await?;"
        }
        Stack::Nginx => {
            "location ~ /\\.(?!well-known) { deny all; }\n\
             location ~ ^/(actuator|debug|env|config|config_dump|server-status) { return 404; }\n\
             location = /nginx_status { stub_status; allow 127.0.0.1; deny all; }"
        }
        Stack::JavaSpring => {
            "management.endpoints.web.exposure.include=health,info\n\
             management.server.port=8081\n\
             management.server.address=127.0.0.1\n\
             management.endpoint.env.show-values=never"
        }
        Stack::EnvoyIstio => {
            "admin: { address: { socket_address: { address: 127.0.0.1, port_value: 9901 } } }\n\
             # Istio: never route istiod :15014 or Envoy admin :15000 through a Gateway"
        }
        _ => "",
    }
}

/// Route by the TLS server name, or refuse a Host that does not match it.
fn sni_host(stack: Stack) -> &'static str {
    match stack {
        Stack::Haproxy => {
            "# route by SNI, not Host: use_backend secret if { ssl_fc_sni -i secure.example }\n\
             # and refuse a Host that is not the SNI name:\n\
             http-request set-var(txn.host) req.hdr(host),field(1,:),lower\n\
             http-request deny deny_status 421 if { ssl_fc_has_sni } !{ ssl_fc_sni,lower,strcmp(txn.host) eq 0 }\n\
             # bind ... strict-sni refuses handshakes whose SNI matches no certificate"
        }
        Stack::Apache => {
            "# Apache 2.4.64+ (CVE-2025-23048); in every <VirtualHost *:443>:\n\
             SSLStrictSNIVHostCheck on\n\
             SSLVerifyClient require   # at vhost level in the protected name's vhost, not only in a <Location>\n\
             # mod_ssl answers 421 when the Host names a vhost whose TLS settings differ from the SNI one's"
        }
        Stack::Caddy => {
            "{\n\
             \x20   servers {\n\
             \x20       strict_sni_host on   # never insecure_off; on by default where client_auth is set\n\
             \x20   }\n\
             }\n\
             # and one site (or port) per client-auth policy: the protected name's own client_auth block"
        }
        Stack::Go => {
            "// GetConfigForClient picks ClientAuth by SNI: check the Host against it in every handler.\n\
             if r.TLS != nil && !strings.EqualFold(r.TLS.ServerName, hostOnly(r.Host)) {\n\
             \thttp.Error(w, \"misdirected request\", http.StatusMisdirectedRequest) // 421\n\
             \treturn\n\
             }"
        }
        Stack::NodeJs => {
            "app.use((req, res, next) => {\n\
             \x20 const sni = req.socket.servername;\n\
             \x20 if (sni && sni.toLowerCase() !== req.hostname.toLowerCase()) return res.sendStatus(421);\n\
             \x20 next();\n\
             });"
        }
        Stack::Python => {
            "# Compare the TLS server name with the Host header (e.g. in an ASGI middleware):\n\
             # scope[\"extensions\"][\"tls\"][\"server_name\"] (uvicorn) vs the Host header; answer 421 on mismatch."
        }
        Stack::Rust => {
            "// Keep the SNI name from the rustls ServerConnection (server_name()) in the request\n\
             // extensions and answer 421 when the Host header differs; do not route by Host alone."
        }
        Stack::Nginx => {
            "# nginx 1.27.4+/1.26.3+ fix CVE-2025-23419 (sessions and SNI/Host across server blocks).\n\
             # Give every server block that needs client certificates its own listen address, or\n\
             # add ssl_verify_client to the default server and refuse mismatches:\n\
             if ($ssl_server_name != $host) { return 421; }"
        }
        Stack::JavaSpring => {
            "// Tomcat/Spring: one connector (port) per client-auth policy, or a filter that compares\n\
             // request.getAttribute(\"jakarta.servlet.request.ssl_session_id\")'s SNI with getServerName()\n\
             // and answers 421; upgrade Tomcat (CVE-2025-66614)."
        }
        Stack::EnvoyIstio => {
            "# Envoy: one filter chain per SNI name (filter_chain_match.server_names) with its own\n\
             # require_client_certificate, and strict_sni / route by :authority only within that chain.\n\
             # Traefik: upgrade (GHSA-5r4w-85f3-pw66, GHSA-9cr8-q42q-g8m7); AWS ALB: one listener per mTLS policy."
        }
        _ => extra(Topic::SniHost, stack),
    }
}

/// Enforce the client certificate on the connection, not by the `Host` as written; a rule that
/// must name a host compares it normalised.
fn host_form(stack: Stack) -> &'static str {
    match stack {
        Stack::Haproxy => {
            "# never: http-request deny if { req.hdr(host) -i api.example } !{ ssl_c_used }\n\
             # enforce on the bind (verify required), or per TLS server name:\n\
             http-request deny if { ssl_fc_sni -i api.example } !{ ssl_c_used }\n\
             http-request deny if { ssl_fc_sni -i api.example } !{ ssl_c_verify 0 }\n\
             # a Host rule, normalised (no port, no trailing dot, lower case):\n\
             http-request set-var(txn.host) req.hdr(host),field(1,:),lower,regsub(\\.$,)"
        }
        Stack::Nginx => {
            "# in the server block of the protected name, for every request (never on $http_host):\n\
             ssl_verify_client on;\n\
             # or: if ($ssl_client_verify != SUCCESS) { return 403; }\n\
             # a Host rule uses $host (lower case, no port, no trailing dot), never $http_host"
        }
        Stack::Apache => {
            "# in the protected <VirtualHost>, for every request (never <If \"%{HTTP_HOST} == ...\">):\n\
             SSLVerifyClient require\n\
             # or: Require expr %{SSL_CLIENT_VERIFY} == 'SUCCESS'\n\
             # a Host rule compares tolower(%{SERVER_NAME}), the name the vhost matched"
        }
        Stack::Caddy => {
            "# client_auth { mode require_and_verify } in the protected site's tls block; a host\n\
             # matcher (host api.example) compares case-insensitively without the port: never\n\
             # header Host api.example, which compares the header as written"
        }
        Stack::Go => {
            "// Require the certificate in the handshake (tls.RequireAndVerifyClientCert), or check it\n\
             // on every request, never by r.Host alone; a Host rule compares it normalised:\n\
             host := strings.TrimSuffix(strings.ToLower(hostOnly(r.Host)), \".\")"
        }
        Stack::NodeJs => {
            "// requestCert + rejectUnauthorized: true, or check req.socket.authorized on every\n\
             // request, never by req.headers.host as written; a Host rule compares it normalised:\n\
             const host = req.hostname.toLowerCase().replace(/\\.$/, '');"
        }
        Stack::Python => {
            "# CERT_REQUIRED in the SSLContext, or check the peer certificate on every request, never\n\
             # by request.host as written; a Host rule compares it normalised:\n\
             host = request.host.rsplit(':', 1)[0].lower().rstrip('.')"
        }
        Stack::Rust => {
            "// WebPkiClientVerifier without allow_unauthenticated(), or check the peer certificate on\n\
             // every request, never by the Host header as written; a Host rule compares it without\n\
             // the port, in lower case, without a trailing dot."
        }
        Stack::JavaSpring => {
            "// server.ssl.client-auth=need, or a filter that checks the certificate on every request\n\
             // (jakarta.servlet.request.X509Certificate), never by the Host header as written;\n\
             // a Host rule compares request.getServerName().toLowerCase() without a trailing dot."
        }
        Stack::EnvoyIstio => {
            "# require_client_certificate: true on the filter chain (by server_names), not an RBAC or\n\
             # route rule on :authority; Envoy normalises :authority only with\n\
             # strip_trailing_host_dot: true and strip_any_host_port: true on the HTTP connection manager."
        }
        _ => "",
    }
}

/// Forward `Upgrade` only where it names `websocket`, turn h2c off on the backend, and require
/// the certificate on the connection.
fn h2c(stack: Stack) -> &'static str {
    match stack {
        Stack::Nginx => {
            "# forward Upgrade only where it names websocket, and only on the WebSocket location:\n\
             map $http_upgrade $ws_upgrade { ~*^websocket$ websocket; default \"\"; }\n\
             location /ws/ { proxy_http_version 1.1; proxy_set_header Upgrade $ws_upgrade;\n\
             \x20 proxy_set_header Connection $ws_upgrade; proxy_pass http://backend; }\n\
             # never proxy_set_header Upgrade $http_upgrade on a location that reaches the backend's\n\
             # other paths; better: ssl_verify_client on for the whole server block"
        }
        Stack::Haproxy => {
            "# refuse any upgrade to h2c (HTTP/2 comes through ALPN on the bind, never an Upgrade):\n\
             http-request deny if { req.hdr(upgrade) -i h2c }\n\
             # or keep only WebSocket upgrades:\n\
             http-request del-header upgrade unless { req.hdr(upgrade) -i websocket }\n\
             # better: verify required on the bind"
        }
        Stack::Apache => {
            "# upgrade WebSocket only (never upgrade=ANY or upgrade=h2c), on its own path:\n\
             ProxyPass /ws/ http://backend/ws/ upgrade=websocket\n\
             ProxyPass / http://backend/\n\
             # on an Apache backend: Protocols http/1.1 (no h2c), or H2Upgrade off\n\
             # better: SSLVerifyClient require for the whole virtual host"
        }
        Stack::Caddy => {
            "# reverse_proxy forwards Upgrade; refuse h2c before it:\n\
             @h2c header Upgrade *h2c*\n\
             respond @h2c 403\n\
             # better: client_auth { mode require_and_verify } in the site's tls block"
        }
        Stack::Go => {
            "// Behind a proxy, serve plain HTTP/1.1: do not wrap the handler in h2c.NewHandler\n\
             // (golang.org/x/net/http2/h2c), which answers an Upgrade: h2c with 101; or check the\n\
             // forwarded identity on every request, not only on those the proxy reads."
        }
        Stack::NodeJs => {
            "// Handle 'upgrade' for WebSocket paths only and destroy any other upgrade:\n\
             server.on('upgrade', (req, socket) => { if (!/^websocket$/i.test(req.headers.upgrade)) socket.destroy(); });"
        }
        Stack::Python => {
            "# Hypercorn and other ASGI servers upgrade to h2c: behind a proxy, turn it off or\n\
             # refuse requests whose Upgrade is not websocket in a middleware; better: require the\n\
             # client certificate on the front's connection, not per path."
        }
        Stack::Rust => {
            "// Behind a proxy, serve HTTP/1.1 (or HTTP/2 by ALPN only): hyper's auto server answers\n\
             // an Upgrade: h2c only where built to; refuse any upgrade but websocket in a layer\n\
             // before the router, and check the forwarded identity on every request."
        }
        Stack::EnvoyIstio => {
            "# upgrade_configs: list websocket only (never h2c) on the HTTP connection manager, and\n\
             # require_client_certificate: true on the filter chain rather than a per-route rule."
        }
        Stack::JavaSpring => {
            "// Do not add the h2c upgrade to the connector behind a proxy (Jetty HTTP2CServerConnectionFactory,\n\
             // Tomcat <UpgradeProtocol className=\"org.apache.coyote.http2.Http2Protocol\"/> on a plain\n\
             // connector), and check the forwarded identity on every request."
        }
        _ => "",
    }
}

/// Compare the client's identity exactly, never as a substring or an unanchored pattern.
fn lookalike(stack: Stack) -> &'static str {
    match stack {
        Stack::Nginx => {
            "# never: if ($ssl_client_s_dn !~ \"CN=billing\") (matches CN=billing-evil, OU=CN=billing)\n\
             map $ssl_client_s_dn $client_allowed {\n\
                 default 0;\n\
                 \"CN=billing,O=Example\" 1;   # the whole DN, exactly (or ~^CN=billing,O=Example$)\n\
             }\n\
             if ($client_allowed = 0) { return 403; }"
        }
        Stack::Haproxy => {
            "# compare the whole name: -m str (exact), never -m sub or an unanchored -m reg\n\
             http-request deny unless { ssl_c_s_dn(cn) -m str billing }"
        }
        Stack::Apache => {
            "# compare the whole name, never a =~ pattern without ^ and $\n\
             Require expr %{SSL_CLIENT_S_DN_CN} in { 'billing', 'reporting' }"
        }
        Stack::Caddy => {
            "# client_auth lists the allowed leaves themselves (trusted_leaf_cert_file), or the\n\
             # application compares the whole name: never strings.Contains on the subject"
        }
        Stack::Go => {
            "// compare the whole name, never strings.Contains / an unanchored regexp on the DN\n\
             allowed := map[string]bool{\"billing\": true}\n\
             if !allowed[r.TLS.PeerCertificates[0].Subject.CommonName] { http.Error(w, \"forbidden\", 403) }"
        }
        Stack::NodeJs => {
            "// compare the whole name, never .includes() / an unanchored RegExp on the subject\n\
             const allowed = new Set(['billing']);\n\
             if (!req.socket.authorized || !allowed.has(req.socket.getPeerCertificate().subject.CN)) { res.writeHead(403); }"
        }
        Stack::Python => {
            "# compare the whole name, never `in` on the subject string or re.search\n\
             cn = dict(x[0] for x in ssl_sock.getpeercert()['subject']).get('commonName')\n\
             if cn not in {'billing'}: abort(403)"
        }
        Stack::Rust => {
            "// compare the whole name of the verified leaf (x509-parser), never .contains()\n\
             let allowed = cn.as_deref() == Some(\"billing\");"
        }
        Stack::JavaSpring => {
            "// x509().subjectPrincipalRegex(\"CN=(.*?)(?:,|$)\") captures the CN; then compare it whole\n\
             // in the UserDetailsService (an allowlist of exact names), never matches(\".*billing.*\")"
        }
        Stack::EnvoyIstio => {
            "# match the whole identity: principals [{ authenticated: { principal_name: { exact:\n\
             # \"spiffe://example.org/billing\" } } }], never safe_regex without ^...$ or contains"
        }
        _ => "",
    }
}

/// Enforce the client certificate on the connection, not by the path as written; a rule that
/// must name a path matches it normalised, after the normalisation.
fn path_form(stack: Stack) -> &'static str {
    match stack {
        Stack::Haproxy => {
            "# enforce on the bind (verify required), or on every request of the name:\n\
             http-request deny if { ssl_fc_sni -i api.example } !{ ssl_c_verify 0 }\n\
             # a path rule, after the normalisation (HAProxy 2.4+), never before it:\n\
             http-request normalize-uri percent-decode-unreserved\n\
             http-request normalize-uri path-merge-slashes\n\
             http-request normalize-uri path-strip-dot\n\
             http-request deny if { path_beg /admin } !{ ssl_c_used }\n\
             # path_beg, never url_beg: an HTTP/2 request's url is absolute (https://host/path)"
        }
        Stack::Nginx => {
            "# put the check in the location itself (nginx matches locations on the normalised $uri):\n\
             location /admin { if ($ssl_client_verify != SUCCESS) { return 403; } ... }\n\
             # never if ($request_uri ~ ^/admin): $request_uri is the path as the client wrote it"
        }
        Stack::Apache => {
            "<Location \"/admin\">   # matched on the decoded path, slashes merged (MergeSlashes On)\n\
             \x20 SSLVerifyClient require\n\
             </Location>\n\
             # never <If \"%{THE_REQUEST} =~ m#/admin#\"> or %{REQUEST_URI} rules before decoding"
        }
        Stack::Caddy => {
            "# a path matcher compares the cleaned, decoded path: keep it; never a header or\n\
             # {http.request.orig_uri} matcher for access rules; better: client_auth in the site's tls block"
        }
        Stack::Go => {
            "// Check the certificate on every request (r.TLS.VerifiedChains), or route first and\n\
             // check in the handler; a path rule compares path.Clean(r.URL.Path), never r.RequestURI."
        }
        Stack::NodeJs => {
            "// Check req.socket.authorized in a middleware mounted before every route, not one\n\
             // keyed on req.originalUrl / req.url as written; Express matches /admin/ and /Admin too."
        }
        Stack::Python => {
            "# Check the peer certificate for every request (a middleware), not a filter on the raw\n\
             # path (REQUEST_URI / RAW_URI); a path rule compares the decoded, normalised PATH_INFO."
        }
        Stack::Rust => {
            "// Require the certificate in the TLS layer, or check it in a layer before the router;\n\
             // a path rule compares the decoded, normalised path the router matches, not the raw URI."
        }
        Stack::JavaSpring => {
            "// Spring Security: authorizeHttpRequests with the default StrictHttpFirewall (it refuses\n\
             // ;, //, /./ and %2F); never a servlet filter on getRequestURI() as written."
        }
        Stack::EnvoyIstio => {
            "# HTTP connection manager: normalize_path: true, merge_slashes: true,\n\
             # path_with_escaped_slashes_action: UNESCAPE_AND_REDIRECT (Istio: meshConfig.pathNormalization\n\
             # DECODE_AND_MERGE_SLASHES), or require_client_certificate on the filter chain."
        }
        _ => "",
    }
}

/// Require the certificate on every name that reaches the protected application.
fn other_name(stack: Stack) -> &'static str {
    match stack {
        Stack::Nginx => {
            "# every server block that proxy_passes to the protected application:\n\
             ssl_verify_client on;\n\
             # and a default server that serves nothing for names you do not serve:\n\
             server { listen 443 ssl default_server; server_name _; ssl_reject_handshake on; }"
        }
        Stack::Apache => {
            "# every <VirtualHost> that proxies to the protected application:\n\
             SSLVerifyClient require\n\
             # the first (default) vhost of the port serves nothing: Require all denied"
        }
        Stack::Haproxy => {
            "# route to the protected backend only with a verified certificate, whatever the name:\n\
             use_backend app if { ssl_c_used } { ssl_c_verify 0 }\n\
             default_backend refuse   # a backend that serves nothing (http-request deny)"
        }
        Stack::Caddy => {
            "# client_auth { mode require_and_verify } in every site that reverse_proxies to the\n\
             # application; no catch-all site (:443, *.example) proxying to it"
        }
        Stack::Go => {
            "// Check r.TLS.VerifiedChains in the handler (or a middleware before every route),\n\
             // whatever the name the request came on: GetConfigForClient names are not a guard."
        }
        Stack::NodeJs => {
            "// Check req.socket.authorized in a middleware mounted before every route, on every\n\
             // server (SNICallback context, vhost) that reaches the application."
        }
        Stack::Python => {
            "# Check the verified peer certificate in a middleware for every request, whatever the\n\
             # Host or server name it came on."
        }
        Stack::Rust => {
            "// Require the certificate in the TLS layer for every server name (one verifier for all\n\
             // of them), or check it in a layer before the router."
        }
        Stack::JavaSpring => {
            "// Require the certificate on every connector that reaches the application\n\
             // (server.ssl.client-auth=need), not on one host's connector only."
        }
        Stack::EnvoyIstio => {
            "# require_client_certificate: true on every filter chain whose routes reach the\n\
             # application, the default filter chain included."
        }
        _ => "",
    }
}

/// Keep sessions apart per client-auth policy.
fn resumption(stack: Stack) -> &'static str {
    match stack {
        Stack::Haproxy => {
            "# crt-list lines with their own verify policy share one session cache and ticket keys:\n\
             # give each client-auth policy its own bind line (port), or on the protected bind:\n\
             bind :443 ssl crt /etc/haproxy/certs/api.pem ca-file /etc/haproxy/client-ca.pem verify required no-tls-tickets\n\
             # plus tune.ssl.cachesize 0 in global (no session-ID resumption); or tls-ticket-keys <file> per bind"
        }
        Stack::Apache => {
            "# Apache 2.4.64+ (CVE-2025-23048); in every <VirtualHost *:443>:\n\
             SSLStrictSNIVHostCheck on\n\
             SSLSessionTickets off   # in the vhost that requires client certificates (or its own SSLSessionTicketKeyFile)"
        }
        Stack::Caddy => {
            "# Caddy is Go crypto/tls: run a Caddy built with a Go release that fixes CVE-2025-68121\n\
             # (caddy build-info shows it), one site or port per client-auth policy, or no tickets (JSON config):\n\
             # \"apps\": { \"tls\": { \"session_tickets\": { \"disabled\": true } } }"
        }
        Stack::Go => {
            "// Give each tls.Config returned by GetConfigForClient its own session ticket keys\n\
             // (cfg.SetSessionTicketKeys) and upgrade Go (CVE-2025-68121 re-checks client certs on resumption)."
        }
        Stack::NodeJs => {
            "// With rejectUnauthorized: false, socket.authorized is true on a TLS 1.3 resumption\n\
             // without a certificate (nodejs/node#35317): require the certificate itself too.\n\
             const cert = req.socket.getPeerCertificate();\n\
             if (!req.socket.authorized || !cert || !cert.raw) return res.writeHead(401).end();\n\
             // Across names: one tls.Server (port) per client-auth policy, or distinct ticketKeys\n\
             // per SNI context (tls.createSecureContext({ ticketKeys: crypto.randomBytes(48) }))."
        }
        Stack::Python => {
            "ctx.num_tickets = 0              # TLS 1.3: no tickets (OP_NO_TICKET alone makes them stateful)\n\
             ctx.options |= ssl.OP_NO_TICKET  # TLS 1.2 tickets\n\
             # and one SSLContext per client-auth policy"
        }
        Stack::Rust => {
            "// One ServerConfig per client-auth policy, each with its own ticketer (config.ticketer)\n\
             // and session storage (config.session_storage)."
        }
        Stack::Nginx => {
            "# nginx 1.27.4+/1.26.3+ (CVE-2025-23419), or separate ssl_session_ticket_key / ssl_session_cache per\n\
             # server block; on the protected name alone: ssl_session_tickets off; ssl_session_cache off;"
        }
        Stack::JavaSpring => {
            "// Separate SSLContexts (connectors) per client-auth policy; upgrade Tomcat (CVE-2025-66614)."
        }
        Stack::EnvoyIstio => {
            "# Envoy: session_ticket_keys per filter chain, or disable_stateless_session_resumption: true\n\
             # on the chain that requires client certificates."
        }
        _ => extra(Topic::Resumption, stack),
    }
}

/// Overwrite or strip the proxy's client-certificate headers: every one the backend reads, not only
/// the one that let the scan in (a backend that reads `ssl-client-verify` stays open when the proxy
/// sets `X-SSL-Client-Verify`).
fn header_spoofing(stack: Stack) -> &'static str {
    match stack {
        Stack::Go => {
            "// Terminating TLS yourself: authorise on r.TLS.VerifiedChains, never on headers.\n\
             // Behind a proxy: listen where only the proxy reaches the app (127.0.0.1, a Unix socket),\n\
             // and have the proxy set or clear EVERY certificate header the app reads on each request:\n\
             // X-SSL-Client-Verify, X-SSL-Client-Cert, X-SSL-Client-S-DN, X-Client-Cert, X-Client-Verify,\n\
             // X-Forwarded-Client-Cert, ssl-client-verify, ssl-client-cert, SSL_CLIENT_VERIFY, SSL_CLIENT_CERT, ..."
        }
        Stack::NodeJs => {
            "// Terminating TLS in Node: rejectUnauthorized: true; or authorise only when req.socket.authorized\n\
             // is true AND req.socket.getPeerCertificate().raw is there (a resumed TLS 1.3 session reports\n\
             // authorized without a certificate: nodejs/node#35317) - never on headers, and never on a\n\
             // non-empty getPeerCertificate() alone (any CA's certificate fills it).\n\
             // Behind a proxy: listen where only the proxy reaches the app (127.0.0.1, a Unix socket),\n\
             // and have the proxy set or clear EVERY certificate header the app reads on each request:\n\
             // X-SSL-Client-Verify, X-SSL-Client-Cert, X-SSL-Client-S-DN, X-Client-Cert, X-Client-Verify,\n\
             // X-Forwarded-Client-Cert, ssl-client-verify, ssl-client-cert, SSL_CLIENT_VERIFY, SSL_CLIENT_CERT, ..."
        }
        Stack::Python => {
            "# Terminating TLS in Python: authorise on the connection's certificate (getpeercert()), never headers.\n\
             # Behind a proxy: bind the app where only the proxy reaches it (--host 127.0.0.1, --uds), and have\n\
             # the proxy set or clear EVERY certificate header the app reads on each request: X-SSL-Client-Verify,\n\
             # X-SSL-Client-Cert, X-SSL-Client-S-DN, X-Client-Cert, X-Client-Verify, X-Forwarded-Client-Cert,\n\
             # ssl-client-verify, ssl-client-cert, SSL_CLIENT_VERIFY, SSL_CLIENT_CERT, ...\n\
             # (uvicorn --forwarded-allow-ips governs X-Forwarded-For/-Proto only, not certificate headers.)"
        }
        Stack::Rust => {
            "// Terminating TLS: take the peer certificates from the rustls connection, never from headers.\n\
             // Behind a proxy: listen where only the proxy reaches the app (127.0.0.1, a Unix socket),\n\
             // and have the proxy set or clear EVERY certificate header the app reads on each request:\n\
             // X-SSL-Client-Verify, X-SSL-Client-Cert, X-SSL-Client-S-DN, X-Client-Cert, X-Client-Verify,\n\
             // X-Forwarded-Client-Cert, ssl-client-verify, ssl-client-cert, SSL_CLIENT_VERIFY, SSL_CLIENT_CERT, ..."
        }
        Stack::Nginx => {
            "# Set or clear EVERY certificate header the backend reads, not only the one found; all in the\n\
             # block that proxies (a location with its own proxy_set_header inherits none from server {}):\n\
             proxy_set_header X-SSL-Client-Verify $ssl_client_verify;  # overwrites a client's copy\n\
             proxy_set_header X-SSL-Client-Cert   $ssl_client_escaped_cert;\n\
             proxy_set_header X-SSL-Client-S-DN   $ssl_client_s_dn;\n\
             proxy_set_header ssl-client-verify   \"\";   # \"\" drops the client's copy; likewise ssl-client-cert,\n\
             proxy_set_header X-Client-Cert       \"\";   # X-Client-Verify, X-Forwarded-Client-Cert, ... that the backend reads"
        }
        Stack::JavaSpring => {
            "// Terminating TLS in Tomcat/Spring: authorise on jakarta.servlet.request.X509Certificate, never headers.\n\
             // Behind a proxy: Tomcat SSLValve (sslClientCertHeader, ...) only with RemoteIpValve internalProxies,\n\
             // the connector bound where only the proxy reaches it, and the proxy setting or clearing EVERY\n\
             // certificate header the app reads: ssl_client_cert, X-SSL-Client-Verify, X-SSL-Client-Cert,\n\
             // X-Client-Cert, X-Forwarded-Client-Cert, ssl-client-verify, SSL_CLIENT_CERT, ..."
        }
        Stack::EnvoyIstio => {
            "# Envoy HTTP connection manager:\n\
             forward_client_cert_details: SANITIZE_SET\n\
             set_current_client_cert_details: { subject: true, cert: true }\n\
             # and in route_config: request_headers_to_remove: [x-ssl-client-verify, x-ssl-client-cert, ssl-client-verify, ...]\n\
             # for every other certificate header the backend reads (SANITIZE_SET covers x-forwarded-client-cert only).\n\
             # Traefik: passTLSClientCert only on routers that require client certificates, and\n\
             # entryPoints.<name>.http.aliasHeadersStrategy: delete (X.Forwarded.Tls.Client.Cert reads as it in PHP);\n\
             # AWS ALB: mTLS verify mode, and ignore X-Amzn-Mtls-* unless it came from the ALB."
        }
        Stack::Haproxy => {
            "# in the frontend: set or delete EVERY certificate header the backend reads, not only the one found\n\
             http-request del-header X-SSL-Client-Verify\n\
             http-request del-header X-SSL-Client-Cert\n\
             http-request del-header X-SSL-Client-CN            # and X-SSL-Client-S-DN: a forged subject beside your own verify value gets in\n\
             http-request set-header X-SSL-Client-Verify %[ssl_c_verify] if { ssl_c_used }   # 0 also means \"no certificate\"\n\
             http-request set-header X-SSL-Client-Cert   %[ssl_c_der,base64] if { ssl_c_used }\n\
             http-request del-header ssl-client-verify          # likewise ssl-client-cert, X-Client-Cert, X-Client-Verify,\n\
             http-request del-header X-Forwarded-Client-Cert    # SSL_CLIENT_VERIFY, SSL_CLIENT_CERT, ...\n\
             # never add-header: it appends after the client's copy"
        }
        Stack::Apache => {
            "# mod_headers, in the vhost that proxies: unset EVERY certificate header the backend reads, then set yours\n\
             RequestHeader unset SSL_CLIENT_VERIFY early     # likewise SSL_CLIENT_CERT, ssl-client-verify, X-Client-Cert,\n\
             RequestHeader unset X-Forwarded-Client-Cert early   # X-Client-Verify, X-SSL-Client-S-DN, ...\n\
             RequestHeader set X-SSL-Client-Verify \"%{SSL_CLIENT_VERIFY}s\"\n\
             RequestHeader set X-SSL-Client-Cert   \"%{SSL_CLIENT_CERT}s\""
        }
        Stack::Caddy => {
            "reverse_proxy backend:8080 {\n\
             \x20   header_up X-Client-Cert {http.request.tls.client.certificate_der_base64}   # sets, replacing the client's\n\
             \x20   header_up -X-SSL-Client-Verify      # delete EVERY other certificate header the backend reads:\n\
             \x20   header_up -ssl-client-verify        # ssl-client-cert, X-SSL-Client-Cert, X-Forwarded-Client-Cert,\n\
             \x20   header_up -X-Forwarded-Client-Cert  # SSL_CLIENT_VERIFY, SSL_CLIENT_CERT, ...\n\
             }\n\
             # or for every handler: request_header -X-SSL-Client-Verify"
        }
        _ => extra(Topic::HeaderSpoofing, stack),
    }
}

/// A client that verifies the server's certificate (`impostor`). The proxies are clients of
/// their upstreams.
fn client_verify(stack: Stack) -> &'static str {
    match stack {
        Stack::Haproxy => {
            "backend api\n\
             \x20   server s1 api.internal.example:443 ssl verify required ca-file /etc/haproxy/upstream-ca.pem sni str(api.internal.example) verifyhost api.internal.example\n\
             # never verify none, nor ssl-server-verify none in global"
        }
        Stack::Apache => {
            "SSLProxyEngine            on\n\
             SSLProxyVerify            require   # the default, none, trusts any upstream\n\
             SSLProxyCACertificateFile /etc/apache2/upstream-ca.pem\n\
             SSLProxyCheckPeerName     on\n\
             SSLProxyCheckPeerExpire   on\n\
             ProxyPass / https://api.internal.example/"
        }
        Stack::Caddy => {
            "reverse_proxy https://api.internal.example {\n\
             \x20   transport http {\n\
             \x20       tls_trusted_ca_certs /etc/caddy/upstream-ca.pem   # Caddy 2.8+: tls_trust_pool file ...\n\
             \x20       tls_server_name api.internal.example\n\
             \x20   }\n\
             }\n\
             # never tls_insecure_skip_verify"
        }
        Stack::Go => {
            "pool := x509.NewCertPool()\n\
             pool.AppendCertsFromPEM(caPEM) // the CA that issues the server's certificate\n\
             client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{\n\
             \tRootCAs:    pool, // never InsecureSkipVerify: true\n\
             \tMinVersion: tls.VersionTLS12,\n\
             }}}\n\
             // a VerifyPeerCertificate / VerifyConnection callback must not stand in for the chain check"
        }
        Stack::NodeJs => {
            "https.request(url, { ca: [fs.readFileSync('ca.pem')] })  // or NODE_EXTRA_CA_CERTS=ca.pem\n\
             // never rejectUnauthorized: false, never NODE_TLS_REJECT_UNAUTHORIZED=0 (code, Dockerfile, CI env);\n\
             // axios/got: pass an https.Agent({ ca }) instead of { rejectUnauthorized: false }"
        }
        Stack::Python => {
            "requests.get(url, verify=\"ca.pem\")            # never verify=False, nor session.verify = False\n\
             ctx = ssl.create_default_context(cafile=\"ca.pem\")  # never CERT_NONE / ssl._create_unverified_context()\n\
             httpx.Client(verify=ctx); aiohttp: ssl=ctx (never ssl=False); urllib3: cert_reqs=\"CERT_REQUIRED\""
        }
        Stack::Rust => {
            "let mut roots = RootCertStore::empty();\n\
             for ca in CertificateDer::pem_file_iter(\"ca.pem\")? { roots.add(ca?)?; }\n\
             let config = ClientConfig::builder().with_root_certificates(roots).with_no_client_auth();\n\
             // rustls: no .dangerous().set_certificate_verifier(..) that accepts everything\n\
             // reqwest: .add_root_certificate(Certificate::from_pem(&pem)?), never .danger_accept_invalid_certs(true)\n\
             // curl: --cacert ca.pem, never -k/--insecure (curl crate: ssl_verify_peer(true), cainfo(\"ca.pem\"))"
        }
        Stack::Nginx => {
            "location / {\n\
             \x20 proxy_pass https://upstream;\n\
             \x20 proxy_ssl_verify              on;   # off by default: nginx trusts any upstream\n\
             \x20 proxy_ssl_trusted_certificate /etc/nginx/upstream-ca.pem;\n\
             \x20 proxy_ssl_verify_depth        2;\n\
             \x20 proxy_ssl_server_name         on;\n\
             }"
        }
        Stack::JavaSpring => {
            "# Spring Boot 3.1+: an SSL bundle with the server's CA, used by the client\n\
             spring.ssl.bundle.pem.upstream.truststore.certificate=file:/etc/tls/ca.pem\n\
             # restTemplateBuilder.setSslBundle(sslBundles.getBundle(\"upstream\"))  (Boot 3.4+: .sslBundle(..));\n\
             # WebClient: webClientBuilder.apply(webClientSsl.fromBundle(\"upstream\"))\n\
             # never an X509TrustManager whose checkServerTrusted returns, TrustAllStrategy or TrustSelfSignedStrategy"
        }
        Stack::EnvoyIstio => {
            "# Envoy cluster transport_socket: UpstreamTlsContext\n\
             sni: api.internal.example\n\
             common_tls_context:\n\
             \x20 validation_context:\n\
             \x20   trusted_ca: { filename: /etc/envoy/upstream-ca.pem }   # without it Envoy verifies nothing\n\
             # never trust_chain_verification: ACCEPT_UNTRUSTED\n\
             # Istio: DestinationRule trafficPolicy.tls: { mode: SIMPLE, caCertificates: /etc/certs/ca.pem } (no insecureSkipVerify: true)"
        }
        _ => extra(Topic::Client, stack),
    }
}

/// A client that checks the server's host name (`impostor`).
fn client_hostname(stack: Stack) -> &'static str {
    match stack {
        Stack::Haproxy => {
            "server s1 api.internal.example:443 ssl verify required ca-file /etc/haproxy/upstream-ca.pem sni str(api.internal.example) verifyhost api.internal.example\n\
             # verifyhost names what the upstream's certificate must carry"
        }
        Stack::Apache => {
            "SSLProxyVerify        require\n\
             SSLProxyCheckPeerName on   # never off (nor SSLProxyCheckPeerCN off): checks the ProxyPass host"
        }
        Stack::Caddy => {
            "transport http {\n\
             \x20   tls_server_name api.internal.example   # the name the upstream's certificate must carry\n\
             }\n\
             # never tls_insecure_skip_verify"
        }
        Stack::Go => {
            "tls.Config{RootCAs: pool}  // ServerName defaults to the URL's host: do not set another to make a certificate pass\n\
             // a custom check with InsecureSkipVerify must call cert.Verify(x509.VerifyOptions{DNSName: host, Roots: pool})"
        }
        Stack::NodeJs => {
            "// remove checkServerIdentity: () => undefined; the default tls.checkServerIdentity checks the name\n\
             https.request(url, { ca, servername: 'api.internal.example' })"
        }
        Stack::Python => {
            "ctx = ssl.create_default_context(cafile=\"ca.pem\")  # check_hostname = True by default: never set it False\n\
             # urllib3: never assert_hostname=False; requests: never mount an adapter that disables it"
        }
        Stack::Rust => {
            "// rustls: a custom ServerCertVerifier must not map CertificateError::NotValidForName(Context) to success\n\
             // reqwest: never .danger_accept_invalid_hostnames(true)\n\
             // curl: never CURLOPT_SSL_VERIFYHOST 0 (curl crate: ssl_verify_host(true)); use --resolve, not -k, for a test address"
        }
        Stack::Nginx => {
            "proxy_ssl_verify      on;\n\
             proxy_ssl_name        api.internal.example;  # the name the upstream's certificate must carry\n\
             proxy_ssl_server_name on;"
        }
        Stack::JavaSpring => {
            "// no HostnameVerifier that returns true (NoopHostnameVerifier, ALLOW_ALL_HOSTNAME_VERIFIER)\n\
             // java.net.http.HttpClient: never -Djdk.internal.httpclient.disableHostnameVerification=true"
        }
        Stack::EnvoyIstio => {
            "validation_context:\n\
             \x20 trusted_ca: { filename: /etc/envoy/upstream-ca.pem }\n\
             \x20 match_typed_subject_alt_names:          # Envoy checks no name without it\n\
             \x20 - san_type: DNS\n\
             \x20   matcher: { exact: api.internal.example }\n\
             # or cluster upstream_http_protocol_options: { auto_sni: true, auto_san_validation: true }\n\
             # Istio: DestinationRule tls.subjectAltNames: [api.internal.example]"
        }
        _ => extra(Topic::Client, stack),
    }
}

/// A client that checks validity dates (`impostor`).
fn client_expiry(stack: Stack) -> &'static str {
    match stack {
        Stack::Haproxy => "server s1 api.internal.example:443 ssl verify required ca-file /etc/haproxy/upstream-ca.pem  # checks dates; renew the upstream's certificate instead of verify none",
        Stack::Apache => "SSLProxyCheckPeerExpire on  # never off; with SSLProxyVerify require, renew the upstream's certificate instead",
        Stack::Caddy => "# transport http: keep verification (never tls_insecure_skip_verify); renew the upstream's certificate",
        Stack::Go => {
            "// a custom check must verify at the current time: x509.VerifyOptions{Roots: pool} (CurrentTime zero),\n\
             // and must not forgive x509.CertificateInvalidError{Reason: x509.Expired}"
        }
        Stack::NodeJs => {
            "// keep rejectUnauthorized: true; never retry with it false when err.code === 'CERT_HAS_EXPIRED'"
        }
        Stack::Python => {
            "# never catch ssl.SSLCertVerificationError (verify_code 10: certificate has expired) and retry\n\
             # with verify=False; never set X509_V_FLAG_NO_CHECK_TIME (0x200000) in ctx.verify_flags"
        }
        Stack::Rust => {
            "// rustls: a custom ServerCertVerifier must pass `now` through to WebPkiServerVerifier and never map\n\
             // CertificateError::Expired / ExpiredContext to success\n\
             // reqwest, curl: renew the server's certificate; never danger_accept_invalid_certs or -k to get past it"
        }
        Stack::Nginx => {
            "proxy_ssl_verify on;  # checks dates; renew the upstream's certificate instead of turning it off"
        }
        Stack::JavaSpring => {
            "// delegate to the default TrustManagerFactory; a custom X509TrustManager must not swallow\n\
             // CertificateExpiredException (cert.checkValidity())"
        }
        Stack::EnvoyIstio => {
            "validation_context: { trusted_ca: { filename: /etc/envoy/upstream-ca.pem } }\n\
             # never allow_expired_certificate: true"
        }
        _ => extra(Topic::Client, stack),
    }
}

/// A client that presents its certificate only to a verified server (`impostor`).
fn client_identity(stack: Stack) -> &'static str {
    match stack {
        Stack::Haproxy => {
            "server s1 api.internal.example:443 ssl crt /etc/haproxy/client.pem verify required ca-file /etc/haproxy/upstream-ca.pem verifyhost api.internal.example\n\
             # crt (the identity) only with verify required"
        }
        Stack::Apache => {
            "# mod_ssl checks the upstream's chain in the handshake (SSLProxyVerify require) but its name\n\
             # only after it: any certificate from a CA it trusts gets the identity. Trust a CA that\n\
             # issues this upstream's certificate alone, and give it an identity for this upstream only:\n\
             SSLProxyVerify                 require                       # the chain, in the handshake\n\
             SSLProxyCACertificateFile      /etc/apache2/orders-ca.pem    # this upstream's own CA, nothing else\n\
             SSLProxyCheckPeerName          on                            # the name: stops the request, not the certificate\n\
             SSLProxyMachineCertificateFile /etc/apache2/orders-client.pem # accepted by this upstream only"
        }
        Stack::Caddy => {
            "transport http {\n\
             \x20   tls_client_auth /etc/caddy/client.pem /etc/caddy/client.key\n\
             \x20   tls_trusted_ca_certs /etc/caddy/upstream-ca.pem   # never beside tls_insecure_skip_verify\n\
             }"
        }
        Stack::Go => {
            "tls.Config{\n\
             \tCertificates: []tls.Certificate{clientCert},\n\
             \tRootCAs:      pool, // Go sends the certificate only after the server's chain passed\n\
             } // never with InsecureSkipVerify: true"
        }
        Stack::NodeJs => {
            "https.request(url, { key, cert, ca: [serverCA] })  // rejectUnauthorized stays true: never false beside key/cert"
        }
        Stack::Python => {
            "ctx = ssl.create_default_context(cafile=\"server-ca.pem\")\n\
             ctx.load_cert_chain(\"client.pem\", \"client.key\")  # verify_mode stays CERT_REQUIRED\n\
             requests.get(url, cert=(\"client.pem\", \"client.key\"), verify=\"server-ca.pem\")  # never verify=False"
        }
        Stack::Rust => {
            "ClientConfig::builder().with_root_certificates(server_roots).with_client_auth_cert(chain, key)?\n\
             // no dangerous verifier beside a client identity; reqwest: .identity(id) without\n\
             // .danger_accept_invalid_certs(true). curl (OpenSSL) checks the chain in the handshake\n\
             // but the host name after it (--pinnedpubkey too): --cacert of a CA that issues this\n\
             // server's certificate alone, never -k, and a --cert for this server only"
        }
        Stack::Nginx => {
            "# nginx checks the upstream only after the handshake, proxy_ssl_verify on included: its\n\
             # certificate goes to any server that asks, and no directive withholds it. Limit what it\n\
             # is worth, or proxy through a client that verifies in the handshake (HAProxy verify\n\
             # required + verifyhost, Caddy):\n\
             proxy_ssl_certificate         /etc/nginx/orders-client.pem;  # accepted by this upstream only\n\
             proxy_ssl_certificate_key     /etc/nginx/orders-client.key;  # short-lived, rotated\n\
             proxy_ssl_verify              on;   # stops the request to an impostor, not the certificate\n\
             proxy_ssl_trusted_certificate /etc/nginx/orders-ca.pem;      # this upstream's own CA only\n\
             proxy_ssl_name                api.internal.example;"
        }
        Stack::JavaSpring => {
            "// a KeyManager (the client identity) beside a trust-all TrustManager hands it to anyone:\n\
             // keep the default TrustManagerFactory over the server CA's truststore (an SSL bundle with both)"
        }
        Stack::EnvoyIstio => {
            "# UpstreamTlsContext with tls_certificates must also have\n\
             validation_context: { trusted_ca: { filename: /etc/envoy/upstream-ca.pem }, match_typed_subject_alt_names: [...] }\n\
             # Istio: DestinationRule tls: { mode: MUTUAL, caCertificates: ... } or ISTIO_MUTUAL"
        }
        _ => extra(Topic::Client, stack),
    }
}

/// What a fix is about, for the table of the stacks listed only when recognised ([`EXTRA`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Topic {
    /// Require and verify client certificates (`client-cert-not-requested`, `-optional`).
    Require,
    /// Refuse in the handshake, not in the application (falls back to [`Topic::Require`]).
    InHandshake,
    /// Verify with the stock verifier, against the client CA only.
    Verify,
    /// The positive control was refused (`enforcement-unverified`).
    Unverified,
    /// The server's own certificate: CA-issued, full chain, renewed, the right name, a strong key.
    Cert,
    /// Another SNI name with the protected `Host` (`sni-host-mismatch-bypass`).
    SniHost,
    /// A session resumed across names or without a certificate (`session-resumption-bypass`).
    Resumption,
    /// Forged client-certificate headers.
    HeaderSpoofing,
    /// The stack as a client of its upstream (the `impostor` findings).
    Client,
}

/// The fixes of the stacks listed only when recognised: (stack, topic, fix). A topic a stack
/// cannot have (Hitch as a client) has no row, and the stack is then not listed for it.
const EXTRA: &[(Stack, Topic, &str)] = &[
    (
        Stack::Lighttpd,
        Topic::Require,
        r#"ssl.engine = "enable"
ssl.verifyclient.ca-file = "/etc/lighttpd/client-ca.pem"   # only the client CA (lighttpd before 1.4.60: ssl.ca-file)
ssl.verifyclient.activate = "enable"
ssl.verifyclient.enforce = "enable"           # "disable" serves clients without a valid certificate
# ssl.verifyclient.depth (default 9) must cover the chain: 0 refuses every CA-issued certificate"#,
    ),
    (
        Stack::Lighttpd,
        Topic::Verify,
        r#"ssl.verifyclient.activate = "enable"
ssl.verifyclient.enforce = "enable"           # never "disable": it serves unverified certificates
ssl.verifyclient.ca-file = "/etc/lighttpd/client-ca.pem"   # only the client CA (or ssl.ca-file)
# authorise on SSL_CLIENT_VERIFY == "SUCCESS" (the backend's environment), never on SSL_CLIENT_S_DN alone"#,
    ),
    (
        Stack::Lighttpd,
        Topic::Unverified,
        r#"ssl.verifyclient.ca-file (or ssl.ca-file) must include the CA of the identity given to the scan; or the
server refuses valid clients: ssl.verifyclient.depth must cover their chain (0 refuses every CA-issued
certificate), the CA file must hold their issuing CA, and a CRL file (ssl.verifyclient.ca-crl-file,
ssl.ca-crl-file) must be current and not list them."#,
    ),
    (
        Stack::Lighttpd,
        Topic::SniHost,
        r#"# lighttpd takes the TLS options of $HTTP["host"] from the SNI name and the pages from the Host header
# (measured on 1.4.69 over OpenSSL, GnuTLS, Mbed TLS, wolfSSL): require the verified certificate over
# HTTP too, in the protected host's block, so a handshake made under another name gets 401
server.modules += ("mod_auth")
$HTTP["host"] == "secure.example" {
  ssl.verifyclient.activate = "enable"
  ssl.verifyclient.enforce = "enable"
  ssl.verifyclient.username = "SSL_CLIENT_S_DN_CN"   # set only for a verified certificate
  auth.require = ( "" => ( "method" => "extern", "realm" => "client certificate", "require" => "valid-user" ) )
}
# or give the protected site a port of its own: $SERVER["socket"] == ":8443" { ssl.verifyclient.* }"#,
    ),
    (
        Stack::Lighttpd,
        Topic::Resumption,
        r#"# a session made under another name (no certificate) resumes on the protected one: require the
# verified certificate over HTTP in the protected host's block (measured: the resumed session gets 401)
server.modules += ("mod_auth")   # without it lighttpd ignores auth.require with a warning
$HTTP["host"] == "secure.example" {
  ssl.verifyclient.username = "SSL_CLIENT_S_DN_CN"
  auth.require = ( "" => ( "method" => "extern", "realm" => "client certificate", "require" => "valid-user" ) )
}
# or a port of its own for the protected site ($SERVER["socket"]), where every name asks"#,
    ),
    (
        Stack::Lighttpd,
        Topic::Cert,
        r#"ssl.pemfile = "/etc/lighttpd/fullchain.pem"   # CA-issued, for the host name; the leaf then its intermediates
ssl.privkey = "/etc/lighttpd/privkey.pem"     # RSA 2048+ or P-256, signed with SHA-256
# renew before notAfter: certbot renew --deploy-hook "systemctl restart lighttpd""#,
    ),
    (
        Stack::Stunnel,
        Topic::SniHost,
        r#"; an SNI service (sni = public:secure.example) is picked by the TLS name alone, and the Host
; is never checked: give each service a backend that serves only its own site (measured on
; stunnel 5.68: one backend routing by Host let another SNI in), or the protected site a port
; of its own; and no resumption, or a session from the listening service still resumes on the
; SNI service (TLS 1.3: its backend, without a certificate)
sessionResume = no                  ; global section (in [secure] alone it does nothing)
[public]
accept = 443
connect = 127.0.0.1:8080            ; the public site only
[secure]
sni = public:secure.example
connect = 127.0.0.1:8443            ; the protected site only
verifyChain = yes
requireCert = yes
CAfile = /etc/stunnel/client-ca.pem"#,
    ),
    (
        Stack::Stunnel,
        Topic::Resumption,
        r#"; a session made on the listening service resumes on an SNI service that requires a
; certificate (measured on stunnel 5.68, TLS 1.2 and 1.3): no resumption, in the global section
; or in the service with accept = (in the SNI service alone it changes nothing)
sessionResume = no"#,
    ),
    (
        Stack::Stunnel,
        Topic::Require,
        r#"[api]
accept = 443
connect = 127.0.0.1:8080
cert = /etc/stunnel/fullchain.pem
key = /etc/stunnel/privkey.pem
; only the client CA
CAfile = /etc/stunnel/client-ca.pem
verifyChain = yes
; requireCert = no serves clients without a certificate
requireCert = yes"#,
    ),
    (
        Stack::Stunnel,
        Topic::Verify,
        r#"; only the client CA; verifyChain checks the chain, the dates and the purpose
CAfile = /etc/stunnel/client-ca.pem
verifyChain = yes
requireCert = yes
; verifyPeer = yes pins: CAfile then lists the client certificates themselves, not their CA"#,
    ),
    (
        Stack::Stunnel,
        Topic::Unverified,
        r#"CAfile must include the CA of the identity given to the scan; or the server refuses valid clients:
CAfile must hold their issuing CA (with verifyPeer = yes it must hold each client's own certificate),
and a CRLfile must be current and not list them."#,
    ),
    (
        Stack::Stunnel,
        Topic::Cert,
        r#"; the leaf then its intermediates, CA-issued for the host name; RSA 2048+ or P-256, SHA-256
cert = /etc/stunnel/fullchain.pem
key = /etc/stunnel/privkey.pem
; renew before notAfter, then SIGHUP: stunnel reloads its configuration and certificates"#,
    ),
    (
        Stack::Stunnel,
        Topic::Client,
        r#"[upstream]
client = yes
accept = 127.0.0.1:8443
connect = api.internal.example:443
; verify the upstream (stunnel verifies nothing by default): its CA, its name
CAfile = /etc/stunnel/upstream-ca.pem
verifyChain = yes
checkHost = api.internal.example
sni = api.internal.example
; a client identity (cert/key) only beside verifyChain and checkHost
cert = /etc/stunnel/client.pem
key = /etc/stunnel/client.key"#,
    ),
    (
        Stack::Ruby,
        Topic::Require,
        r#"# Puma (config/puma.rb): force_peer requires a certificate; peer alone serves clients without one
ssl_bind "0.0.0.0", "9292", {
  cert: "fullchain.pem", key: "privkey.pem",
  ca: "client-ca.pem",          # only the client CA
  verify_mode: "force_peer",
}
# or: bind "ssl://0.0.0.0:9292?cert=fullchain.pem&key=privkey.pem&ca=client-ca.pem&verify_mode=force_peer"
# WEBrick: SSLVerifyClient: OpenSSL::SSL::VERIFY_PEER | OpenSSL::SSL::VERIFY_FAIL_IF_NO_PEER_CERT,
#          SSLCACertificateFile: "client-ca.pem"
# Thin: has no client CA option and lets any certificate in (its ssl_verify_peer returns true):
#       terminate TLS in a proxy that verifies (nginx ssl_verify_client on) and run Thin behind it"#,
    ),
    (
        Stack::Ruby,
        Topic::InHandshake,
        r#"# Puma: verify_mode: "force_peer" instead of "peer" plus a check of env["puma.peercert"] in the app
# WEBrick: SSLVerifyClient: OpenSSL::SSL::VERIFY_PEER | OpenSSL::SSL::VERIFY_FAIL_IF_NO_PEER_CERT
# Thin: cannot refuse in the handshake: a verifying proxy in front (nginx ssl_verify_client on)"#,
    ),
    (
        Stack::Ruby,
        Topic::Verify,
        r#"# Puma: verify_mode: "force_peer", ca: "client-ca.pem" (only the client CA); never "none"
# WEBrick: SSLVerifyClient: OpenSSL::SSL::VERIFY_PEER | OpenSSL::SSL::VERIFY_FAIL_IF_NO_PEER_CERT,
#          SSLCACertificateFile: "client-ca.pem"; no SSLVerifyCallback that returns true
# authorise on a verified connection, never on the subject of env["puma.peercert"] alone
# Thin: env["rack.peer_cert"] is any certificate the client sent, never verified: verify it
#       against the client CA (OpenSSL::X509::Store#verify) or put a verifying proxy in front"#,
    ),
    (
        Stack::Ruby,
        Topic::Unverified,
        r#"The ca: file (Puma) or SSLCACertificateFile (WEBrick) must include the CA of the identity given to the scan;
or the server refuses valid clients: it must hold their issuing CA, and an SSLVerifyCallback must not
refuse what OpenSSL verified."#,
    ),
    (
        Stack::Ruby,
        Topic::Cert,
        r#"# Puma: ssl_bind ..., { cert: "fullchain.pem", key: "privkey.pem" }   # the leaf then its intermediates
# WEBrick: SSLCertificate: OpenSSL::X509::Certificate.new(File.read("cert.pem")),
#          SSLExtraChainCert: [intermediate], SSLPrivateKey: OpenSSL::PKey.read(File.read("privkey.pem"))
# CA-issued for the host name, RSA 2048+ or P-256, SHA-256; restart after each renewal"#,
    ),
    (
        Stack::Ruby,
        Topic::Client,
        r#"http = Net::HTTP.new(host, 443)
http.use_ssl = true
http.verify_mode = OpenSSL::SSL::VERIFY_PEER   # never VERIFY_NONE
http.ca_file = "upstream-ca.pem"               # Net::HTTP checks the host name and the dates
# a client identity (http.cert / http.key) only with VERIFY_PEER; Faraday: ssl: { verify: true, ca_file: ... }"#,
    ),
    (
        Stack::Perl,
        Topic::Require,
        r#"# Mojolicious: verify=0x03 (SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT); 0x01 serves clients without one
app->start('daemon', '-l',
  'https://*:443?cert=/etc/tls/fullchain.pem&key=/etc/tls/privkey.pem&ca=/etc/tls/client-ca.pem&verify=0x03');
# hypnotoad: listen => ['https://*:443?cert=...&key=...&ca=/etc/tls/client-ca.pem&verify=0x03']
# IO::Socket::SSL (HTTP::Daemon::SSL): SSL_verify_mode => 0x03 and SSL_ca_file => '/etc/tls/client-ca.pem'
# (without SSL_ca_file it trusts the system's public roots)"#,
    ),
    (
        Stack::Perl,
        Topic::InHandshake,
        r#"# Mojolicious: verify=0x03 in the listen URL instead of 0x01 plus a check of
# $c->tx->handle->peer_certificate in the app; IO::Socket::SSL: SSL_verify_mode => 0x03"#,
    ),
    (
        Stack::Perl,
        Topic::Verify,
        r#"# Mojolicious: ca=/etc/tls/client-ca.pem (only the client CA) and verify=0x03 in the listen URL;
# never verify=0x00; ca= alone (no verify=) asks for a certificate and verifies it if sent;
# IO::Socket::SSL: SSL_ca_file => the client CA alone, and no SSL_verify_callback returning 1"#,
    ),
    (
        Stack::Perl,
        Topic::Unverified,
        r#"The listen URL's ca= file must include the CA of the identity given to the scan; or the server refuses
valid clients: it must hold their issuing CA."#,
    ),
    (
        Stack::Perl,
        Topic::Cert,
        r#"# Mojolicious: listen 'https://*:443?cert=/etc/tls/fullchain.pem&key=/etc/tls/privkey.pem'
# the leaf then its intermediates, CA-issued for the host name; RSA 2048+ or P-256, SHA-256;
# renew, then hypnotoad script/app (a hot deployment loads the new files)"#,
    ),
    (
        Stack::Perl,
        Topic::Client,
        r#"my $ua = Mojo::UserAgent->new(ca => '/etc/tls/upstream-ca.pem');   # never ->insecure(1)
# LWP: ssl_opts => { verify_hostname => 1, SSL_ca_file => '/etc/tls/upstream-ca.pem' }
# (never SSL_verify_mode => SSL_VERIFY_NONE; a client identity: cert/key only beside verification)"#,
    ),
    (
        Stack::Erlang,
        Topic::Require,
        r#"%% Erlang ssl (inets httpd, Cowboy ranch transport options): fail_if_no_peer_cert defaults to false
[{certfile, "fullchain.pem"}, {keyfile, "privkey.pem"},
 {cacertfile, "client-ca.pem"},          %% only the client CA
 {verify, verify_peer},
 {fail_if_no_peer_cert, true}]
# Phoenix on Cowboy: https: [port: 443, certfile: ..., keyfile: ..., cacertfile: "client-ca.pem",
#   verify: :verify_peer, fail_if_no_peer_cert: true]
# Bandit (which refuses unknown top-level keys): https: [port: 443, certfile: ..., keyfile: ...,
#   thousand_island_options: [transport_options: [cacertfile: "client-ca.pem", verify: :verify_peer,
#   fail_if_no_peer_cert: true]]]"#,
    ),
    (
        Stack::Erlang,
        Topic::InHandshake,
        r#"{fail_if_no_peer_cert, true} beside {verify, verify_peer}, instead of a check of
ssl:peercert/1 in the handler (Elixir: fail_if_no_peer_cert: true)"#,
    ),
    (
        Stack::Erlang,
        Topic::Verify,
        r#"{verify, verify_peer}, {fail_if_no_peer_cert, true}, {cacertfile, "client-ca.pem"}
%% never {verify, verify_none}; a verify_fun must return {fail, Reason} for {bad_cert, _}
%% (never {valid, State} for unknown_ca, selfsigned_peer or cert_expired)"#,
    ),
    (
        Stack::Erlang,
        Topic::Unverified,
        r#"cacertfile (or cacerts) must include the CA of the identity given to the scan; or the server refuses valid
clients: it must hold their issuing CA, {depth, N} must cover their chain, and a verify_fun or
{crl_check, true} must not refuse them."#,
    ),
    (
        Stack::Erlang,
        Topic::Cert,
        r#"[{certfile, "fullchain.pem"}, {keyfile, "privkey.pem"}]   %% the leaf then its intermediates
%% CA-issued for the host name, RSA 2048+ or P-256, SHA-256; renew before notAfter
%% (ssl caches the files: ssl:clear_pem_cache() after replacing them)"#,
    ),
    (
        Stack::Erlang,
        Topic::Client,
        r#"httpc:request(get, {Url, []}, [{ssl, [{verify, verify_peer}, {cacertfile, "upstream-ca.pem"},
    {customize_hostname_check, [{match_fun, public_key:pkix_verify_hostname_match_fun(https)}]}]}], [])
%% OTP 26+ verifies by default; never {verify, verify_none}; a client identity (certfile/keyfile)
%% only beside verify_peer. Elixir: Req/Finch/Mint transport_opts: [verify: :verify_peer, cacertfile: ...]"#,
    ),
    (
        Stack::Gnutls,
        Topic::Require,
        r#"gnutls_certificate_set_x509_trust_file(cred, "client-ca.pem", GNUTLS_X509_FMT_PEM); /* the client CA */
gnutls_certificate_server_set_request(session, GNUTLS_CERT_REQUIRE);
gnutls_session_set_verify_cert(session, NULL, 0);  /* without it (or a verify_peers3 check) a required certificate is never verified */
# gnutls-serv: --require-client-cert --verify-client-cert --x509cafile client-ca.pem"#,
    ),
    (
        Stack::Gnutls,
        Topic::Verify,
        r#"gnutls_session_set_verify_cert(session, NULL, 0);  /* verify in the handshake */
gnutls_certificate_set_x509_trust_file(cred, "client-ca.pem", GNUTLS_X509_FMT_PEM);  /* only the client CA */
/* or check gnutls_certificate_verify_peers3() == 0 with status 0 before serving; never ignore the status */
# gnutls-serv: --verify-client-cert (with --require-client-cert)"#,
    ),
    (
        Stack::Gnutls,
        Topic::Unverified,
        r#"The trust file (gnutls_certificate_set_x509_trust_file, gnutls-serv --x509cafile) must include the CA of
the identity given to the scan; or the server refuses valid clients: it must hold their issuing CA, and a
CRL (gnutls_certificate_set_x509_crl_file) must be current and not list them."#,
    ),
    (
        Stack::Gnutls,
        Topic::Cert,
        r#"gnutls_certificate_set_x509_key_file(cred, "fullchain.pem", "privkey.pem", GNUTLS_X509_FMT_PEM);
/* the leaf then its intermediates, CA-issued for the host name; RSA 2048+ or P-256, SHA-256 */
# gnutls-serv: --x509certfile fullchain.pem --x509keyfile privkey.pem"#,
    ),
    (
        Stack::TrafficServer,
        Topic::Require,
        r#"# records.config (ATS 9; records.yaml in ATS 10: ssl.client.certification_level: 2)
CONFIG proxy.config.ssl.client.certification_level INT 2       # 1 serves clients without a certificate
CONFIG proxy.config.ssl.CA.cert.filename STRING client-ca.pem  # only the client CA
CONFIG proxy.config.ssl.CA.cert.path STRING /etc/trafficserver
# sni.yaml overrides it per name: no entry with verify_client: NONE or MODERATE"#,
    ),
    (
        Stack::TrafficServer,
        Topic::Verify,
        r#"CONFIG proxy.config.ssl.client.certification_level INT 2
CONFIG proxy.config.ssl.CA.cert.filename STRING client-ca.pem   # only the client CA
# sni.yaml: verify_client: STRICT (never NONE or MODERATE) and verify_client_ca_certs, if set, the client CA only"#,
    ),
    (
        Stack::TrafficServer,
        Topic::Unverified,
        r#"proxy.config.ssl.CA.cert.filename (or sni.yaml verify_client_ca_certs) must include the CA of the identity
given to the scan; or the server refuses valid clients: it must hold their issuing CA."#,
    ),
    (
        Stack::TrafficServer,
        Topic::SniHost,
        r#"# records.config (ATS 9; records.yaml in ATS 10: http.host_sni_policy: 2)
CONFIG proxy.config.http.host_sni_policy INT 2   # 403 when the Host names a protected name the SNI did not (0 checks nothing, 1 only warns;
# measured on ATS 9.2: 0 let another SNI and no SNI in, 2 refused them)
# it checks only Hosts whose sni.yaml entry sets verify_client (or ip_allow): keep verify_client: STRICT on
# every protected name, and no host_sni_policy: DISABLED or PERMISSIVE on them"#,
    ),
    (
        Stack::TrafficServer,
        Topic::Resumption,
        r#"# a session made on a name without verify_client resumes on the protected one: no resumption
CONFIG proxy.config.ssl.server.session_ticket.enable INT 0   # TLS 1.2 tickets
CONFIG proxy.config.ssl.server.session_ticket.number INT 0   # TLS 1.3 tickets
CONFIG proxy.config.ssl.session_cache INT 0                  # session IDs (ATS 10: ssl.session_cache.mode: 0)
# (measured on ATS 9.2: tickets off closed it); or no anonymous session on this port at all:
# certification_level 2 (no SNI included) and no verify_client: NONE or MODERATE in sni.yaml,
# the names that need no certificate on a port of their own"#,
    ),
    (
        Stack::TrafficServer,
        Topic::Client,
        r#"# records.config (ATS 9; records.yaml in ATS 10: ssl.client.verify.server.policy: ENFORCED)
CONFIG proxy.config.ssl.client.verify.server.policy STRING ENFORCED  # PERMISSIVE, the default, logs a failed check and proxies on
CONFIG proxy.config.ssl.client.verify.server.properties STRING ALL   # the signature and the name
CONFIG proxy.config.ssl.client.CA.cert.filename STRING upstream-ca.pem
CONFIG proxy.config.ssl.client.CA.cert.path STRING /etc/trafficserver
# measured on ATS 9.2: PERMISSIVE sent its request, and ssl.client.cert, to every impostor; ENFORCED refused them
# sni.yaml: no verify_server_policy: DISABLED or PERMISSIVE on a per-name override"#,
    ),
    (
        Stack::TrafficServer,
        Topic::Cert,
        r#"# ssl_multicert.config: the leaf then its intermediates, CA-issued for the host name
dest_ip=* ssl_cert_name=fullchain.pem ssl_key_name=privkey.pem
# RSA 2048+ or P-256, SHA-256; after renewing: traffic_ctl config reload"#,
    ),
    (
        Stack::TrafficServer,
        Topic::Client,
        r#"CONFIG proxy.config.ssl.client.verify.server.policy STRING ENFORCED   # not PERMISSIVE or DISABLED
CONFIG proxy.config.ssl.client.verify.server.properties STRING ALL   # the signature and the name
CONFIG proxy.config.ssl.client.CA.cert.filename STRING upstream-ca.pem
# sni.yaml: verify_server_policy: ENFORCED, verify_server_properties: ALL;
# a client identity (proxy.config.ssl.client.cert.filename, sni.yaml client_cert) only with ENFORCED"#,
    ),
    (
        Stack::Squid,
        Topic::Require,
        r#"# clientca= asks for and verifies certificates (tls-cafile= alone asks for nothing)
https_port 443 accel defaultsite=api.example.com tls-cert=/etc/squid/fullchain.pem tls-key=/etc/squid/privkey.pem clientca=/etc/squid/client-ca.pem
# never sslflags=CONDITIONAL_AUTH (serves clients without one) nor tls-flags=DONT_VERIFY_PEER (asks for nothing)"#,
    ),
    (
        Stack::Squid,
        Topic::Verify,
        r#"https_port 443 accel ... clientca=/etc/squid/client-ca.pem   # only the client CA
# no tls-flags=DONT_VERIFY_PEER on the https_port: Squid then asks for no certificate at all"#,
    ),
    (
        Stack::Squid,
        Topic::Unverified,
        r#"clientca= (and tls-cafile=, which then verifies) must include the CA of the identity given to the scan; or
the server refuses valid clients: it must hold their issuing CA, and a crlfile= must be current and not
list them."#,
    ),
    (
        Stack::Squid,
        Topic::Cert,
        r#"https_port 443 accel tls-cert=/etc/squid/fullchain.pem tls-key=/etc/squid/privkey.pem
# the leaf then its intermediates, CA-issued for the host name; RSA 2048+ or P-256, SHA-256;
# after renewing: squid -k reconfigure"#,
    ),
    (
        Stack::Squid,
        Topic::Client,
        r#"cache_peer api.internal.example parent 443 0 no-query originserver tls tls-cafile=/etc/squid/upstream-ca.pem tls-domain=api.internal.example
# never tls-flags=DONT_VERIFY_PEER / DONT_VERIFY_DOMAIN, nor sslproxy_cert_error allow all;
# a client identity (tls-cert=/tls-key= on the cache_peer) only beside verification"#,
    ),
    (
        Stack::Tomcat,
        Topic::Require,
        r#"<Connector port="8443" protocol="org.apache.coyote.http11.Http11NioProtocol" SSLEnabled="true">
  <SSLHostConfig certificateVerification="required"
                 truststoreFile="conf/client-ca.p12" truststoreType="PKCS12"
                 truststorePassword="${truststore.password}">
    <Certificate certificateKeystoreFile="conf/server.p12" certificateKeystoreType="PKCS12"/>
  </SSLHostConfig>
</Connector>
<!-- not optional or optionalNoCA; the trust store holds only the client CA:
     keytool -importcert -alias client-ca -file client-ca.pem -keystore client-ca.p12 -storetype PKCS12
     (with the JSSE implementation, caCertificateFile in its place left the JVM's public CAs trusted and
     the client CA's certificates refused, measured on Tomcat 10.1).
     Spring Boot's embedded Tomcat: server.ssl.client-auth=need -->"#,
    ),
    (
        Stack::Tomcat,
        Topic::InHandshake,
        r#"<SSLHostConfig certificateVerification="required" ...>  <!-- instead of optional plus a
     check of jakarta.servlet.request.X509Certificate in a filter; Spring Boot: server.ssl.client-auth=need -->"#,
    ),
    (
        Stack::Tomcat,
        Topic::Verify,
        r#"<SSLHostConfig certificateVerification="required" truststoreFile="conf/client-ca.p12" ...>
<!-- never optionalNoCA; the trust store holds only the client CA (without truststoreFile Tomcat
     uses the JVM's cacerts: every public CA); Spring Boot: server.ssl.client-auth=need -->"#,
    ),
    (
        Stack::Tomcat,
        Topic::Unverified,
        r#"SSLHostConfig's truststoreFile must include the CA of the identity given to the scan;
or the server refuses valid clients: it must hold their issuing CA, certificateVerificationDepth
(default 10) must cover their chain, and a certificateRevocationListFile must be current."#,
    ),
    (
        Stack::Tomcat,
        Topic::Cert,
        r#"<Certificate certificateFile="conf/cert.pem" certificateKeyFile="conf/privkey.pem"
             certificateChainFile="conf/chain.pem"/>   <!-- or a PKCS12 keystore holding the chain -->
<!-- CA-issued for the host name, RSA 2048+ or P-256, SHA-256; after renewing, reload the
     connector (JMX reloadSslHostConfigs) or restart -->"#,
    ),
    (
        Stack::Jetty,
        Topic::Require,
        r#"SslContextFactory.Server ssl = new SslContextFactory.Server();
ssl.setKeyStorePath("/etc/jetty/server.p12");
ssl.setTrustStorePath("/etc/jetty/client-ca.p12");   // only the client CA (keytool -importcert ... -storetype PKCS12)
ssl.setTrustStorePassword(System.getenv("TRUSTSTORE_PASSWORD"));
ssl.setNeedClientAuth(true);                          // setWantClientAuth serves clients without one
# jetty-home (start.d/ssl.ini): jetty.sslContext.needClientAuth=true,
#   jetty.sslContext.trustStorePath=etc/client-ca.p12; Spring Boot on Jetty: server.ssl.client-auth=need"#,
    ),
    (
        Stack::Jetty,
        Topic::InHandshake,
        r#"ssl.setNeedClientAuth(true);  // instead of setWantClientAuth(true) plus a check of
// jakarta.servlet.request.X509Certificate in a handler"#,
    ),
    (
        Stack::Jetty,
        Topic::Verify,
        r#"ssl.setNeedClientAuth(true);
ssl.setTrustStorePath("/etc/jetty/client-ca.p12");   // only the client CA
// never ssl.setTrustAll(true), nor SslContextFactory.TRUST_ALL_CERTS or a trust manager that accepts all"#,
    ),
    (
        Stack::Jetty,
        Topic::Unverified,
        r#"The trust store (setTrustStorePath, jetty.sslContext.trustStorePath) must include the CA of the identity
given to the scan; or the server refuses valid clients: it must hold their issuing CA, and
setValidatePeerCerts/setCrlPath must not refuse them."#,
    ),
    (
        Stack::Jetty,
        Topic::Cert,
        r#"ssl.setKeyStorePath("/etc/jetty/server.p12");  // PKCS12: the key, the leaf and its intermediates
// openssl pkcs12 -export -in fullchain.pem -inkey privkey.pem -out server.p12
// CA-issued for the host name, RSA 2048+ or P-256, SHA-256; reload: ssl.reload(f -> {})"#,
    ),
    (
        Stack::Hitch,
        Topic::Require,
        r#"frontend = "[*]:443"
backend = "[127.0.0.1]:8080"
pem-file = "/etc/hitch/api.pem"             # key, leaf and intermediates
client-verify = required                    # optional serves clients without one
client-verify-ca = "/etc/hitch/client-ca.pem"   # only the client CA"#,
    ),
    (
        Stack::Hitch,
        Topic::Verify,
        r#"client-verify = required
client-verify-ca = "/etc/hitch/client-ca.pem"   # only the client CA"#,
    ),
    (
        Stack::Hitch,
        Topic::Unverified,
        r#"client-verify-ca must include the CA of the identity given to the scan; or the server refuses valid clients:
it must hold their issuing CA."#,
    ),
    (
        Stack::Hitch,
        Topic::Cert,
        r#"pem-file = "/etc/hitch/api.pem"   # cat privkey.pem fullchain.pem: the key, the leaf, its intermediates
# CA-issued for the host name, RSA 2048+ or P-256, SHA-256; after renewing: systemctl reload hitch"#,
    ),
    (
        Stack::Nghttpx,
        Topic::Require,
        r#"verify-client=yes
verify-client-cacert=/etc/nghttpx/client-ca.pem   # only the client CA
# never verify-client-tolerate-expired=yes (an expired certificate gets in)"#,
    ),
    (
        Stack::Nghttpx,
        Topic::Verify,
        r#"verify-client=yes
verify-client-cacert=/etc/nghttpx/client-ca.pem   # only the client CA
# no verify-client-tolerate-expired=yes"#,
    ),
    (
        Stack::Nghttpx,
        Topic::Unverified,
        r#"verify-client-cacert must include the CA of the identity given to the scan; or the server refuses valid
clients: it must hold their issuing CA."#,
    ),
    (
        Stack::Nghttpx,
        Topic::Cert,
        r#"private-key-file=/etc/nghttpx/privkey.pem
certificate-file=/etc/nghttpx/fullchain.pem   # the leaf then its intermediates, CA-issued for the host name
# RSA 2048+ or P-256, SHA-256; after renewing: SIGHUP reloads the configuration"#,
    ),
    (
        Stack::Nghttpx,
        Topic::Client,
        r#"backend=api.internal.example,443;;tls;sni=api.internal.example
cacert=/etc/nghttpx/upstream-ca.pem   # the upstream's CA, and only the CA that issues its certificate
# never insecure=yes (-k): it skips the upstream's certificate; a client identity
# (client-private-key-file / client-cert-file) only without it. nghttpx checks the upstream's
# name after the handshake (measured on 1.52): its identity goes to any server with a certificate
# from cacert's CA first, so give it one this upstream alone accepts"#,
    ),
    (
        Stack::Traefik,
        Topic::Require,
        r#"# dynamic configuration
tls:
  options:
    default:                       # and every other option a router names
      clientAuth:
        caFiles: [/etc/traefik/client-ca.pem]   # only the client CA (Kubernetes TLSOption: secretNames)
        clientAuthType: RequireAndVerifyClientCert
# options a router names apply only through its rule's Host()/HostSNI(): on a router with
# PathPrefix() alone (or reached by IP, without SNI) Traefik applies `default` ("No domain found
# in rule"), so put clientAuth on `default`"#,
    ),
    (
        Stack::Traefik,
        Topic::InHandshake,
        r#"clientAuthType: RequireAndVerifyClientCert instead of VerifyClientCertIfGiven or RequestClientCert
plus a middleware that checks the certificate on some routers"#,
    ),
    (
        Stack::Traefik,
        Topic::Verify,
        r#"tls:
  options:
    default:
      clientAuth:
        caFiles: [/etc/traefik/client-ca.pem]
        clientAuthType: RequireAndVerifyClientCert   # RequireAnyClientCert accepts any certificate"#,
    ),
    (
        Stack::Traefik,
        Topic::Unverified,
        r#"clientAuth.caFiles (TLSOption secretNames) must include the CA of the identity given to the scan; or the
server refuses valid clients: it must hold their issuing CA."#,
    ),
    (
        Stack::Traefik,
        Topic::Cert,
        r#"tls:
  certificates:
    - certFile: /etc/traefik/fullchain.pem   # the leaf then its intermediates
      keyFile: /etc/traefik/privkey.pem
# or certResolver (ACME): Traefik renews itself; RSA 2048+ or P-256, SHA-256"#,
    ),
    (
        Stack::Traefik,
        Topic::HeaderSpoofing,
        r#"http:
  middlewares:
    strip-client-cert:
      headers:
        customRequestHeaders:        # an empty value removes the header the client sent
          X-Forwarded-Tls-Client-Cert: ""
          X-Forwarded-Tls-Client-Cert-Info: ""
# on every router to the backend (before passTLSClientCert, which sets them from the verified certificate)
# static configuration: names a PHP, CGI or WSGI backend reads as these (X.Forwarded.Tls.Client.Cert,
# X_…) are other headers to Traefik, passed on unless deleted (CVE-2026-88879; 3.7.12+, 2.11.56+)
entryPoints:
  websecure:
    http:
      aliasHeadersStrategy: delete   # or reject"#,
    ),
    (
        Stack::Traefik,
        Topic::Client,
        r#"http:
  serversTransports:
    upstream:
      serverName: api.internal.example
      rootCAs: [/etc/traefik/upstream-ca.pem]
      # never insecureSkipVerify: true; a client identity (certificates:) only without it"#,
    ),
    (
        Stack::DotNet,
        Topic::Require,
        r#"builder.WebHost.ConfigureKestrel(k => k.ConfigureHttpsDefaults(https => {
    https.ClientCertificateMode = ClientCertificateMode.RequireCertificate;   // AllowCertificate serves clients without one
}));
builder.Services.AddAuthentication(CertificateAuthenticationDefaults.AuthenticationScheme)
    .AddCertificate(o => {
        o.ChainTrustValidationMode = X509ChainTrustMode.CustomRootTrust;
        o.CustomTrustStore.Add(X509Certificate2.CreateFromPemFile("client-ca.pem"));   // only the client CA
    });
// IIS: <access sslFlags="Ssl, SslNegotiateCert, SslRequireCert" /> (system.webServer/security)"#,
    ),
    (
        Stack::DotNet,
        Topic::InHandshake,
        r#"ClientCertificateMode.RequireCertificate instead of AllowCertificate (or DelayCertificate) plus a check
of HttpContext.Connection.ClientCertificate in middleware; IIS: sslFlags SslRequireCert, not SslNegotiateCert alone"#,
    ),
    (
        Stack::DotNet,
        Topic::Verify,
        r#".AddCertificate(o => {
    o.ChainTrustValidationMode = X509ChainTrustMode.CustomRootTrust;
    o.CustomTrustStore.Add(clientCa);                 // only the client CA
    o.AllowedCertificateTypes = CertificateTypes.Chained;   // not All (self-signed)
});
// never https.AllowAnyClientCertificate() without this handler, nor a ClientCertificateValidation that returns true"#,
    ),
    (
        Stack::DotNet,
        Topic::Unverified,
        r#"CertificateAuthenticationOptions.CustomTrustStore (IIS: the machine's trusted roots) must include the CA of the
identity given to the scan; or the server refuses valid clients: it must hold their issuing CA, and
RevocationMode must be NoCheck where no CRL or OCSP is reachable."#,
    ),
    (
        Stack::DotNet,
        Topic::Cert,
        r#"// appsettings.json: "Kestrel": { "Certificates": { "Default": { "Path": "fullchain.pem", "KeyPath": "privkey.pem" } } }
// the leaf then its intermediates, CA-issued for the host name; RSA 2048+ or P-256, SHA-256
// IIS: bind a renewed certificate to the site (netsh http / IIS Manager), the chain in the machine's Intermediate store"#,
    ),
    (
        Stack::DotNet,
        Topic::HeaderSpoofing,
        r#"// behind a proxy that forwards the certificate in a header:
builder.Services.AddCertificateForwarding(o => o.CertificateHeader = "X-SSL-CERT");
app.UseCertificateForwarding();   // then the certificate authentication handler verifies it
// accept that header only from the proxy (the proxy overwrites it; nothing else reaches Kestrel)"#,
    ),
    (
        Stack::DotNet,
        Topic::Client,
        r#"var handler = new HttpClientHandler();   // the default verifies the chain, the name and the dates
// never ServerCertificateCustomValidationCallback = (_, _, _, _) => true, nor
// HttpClientHandler.DangerousAcceptAnyServerCertificateValidator; a private CA: check the chain against it
// a client identity (handler.ClientCertificates) only beside verification"#,
    ),
    (
        Stack::AwsAlb,
        Topic::Require,
        r#"aws elbv2 modify-listener --listener-arn $LISTENER \
  --mutual-authentication Mode=verify,TrustStoreArn=$TRUST_STORE,IgnoreClientCertificateExpiry=false
# verify: the ALB refuses clients without a valid certificate; passthrough verifies nothing, it only
# forwards the chain to the targets in X-Amzn-Mtls-Clientcert, and they must verify it themselves"#,
    ),
    (
        Stack::AwsAlb,
        Topic::Verify,
        r#"--mutual-authentication Mode=verify,TrustStoreArn=$TRUST_STORE,IgnoreClientCertificateExpiry=false
# the trust store holds only the client CA; IgnoreClientCertificateExpiry=true lets expired certificates in;
# in passthrough mode the target must verify X-Amzn-Mtls-Clientcert against the client CA itself"#,
    ),
    (
        Stack::AwsAlb,
        Topic::Unverified,
        r#"The listener's trust store must include the CA of the identity given to the scan; or the ALB refuses valid
clients: the CA bundle must hold their issuing CA, and a revocation list added to it must not list them."#,
    ),
    (
        Stack::AwsAlb,
        Topic::Cert,
        r#"aws elbv2 modify-listener --listener-arn $LISTENER --certificates CertificateArn=$ACM_CERT
# an ACM certificate for the host name (ACM renews the ones it issues); imported ones: re-import before notAfter"#,
    ),
    (
        Stack::AwsAlb,
        Topic::HeaderSpoofing,
        r#"# targets must be reachable only through the ALB (security group: the ALB's only), and read
# X-Amzn-Mtls-Clientcert* only in verify mode; in passthrough mode verify the chain in the target"#,
    ),
    (
        Stack::IngressNginx,
        Topic::Require,
        r#"metadata:
  annotations:
    nginx.ingress.kubernetes.io/auth-tls-verify-client: "on"        # not optional or optional_no_ca
    nginx.ingress.kubernetes.io/auth-tls-secret: "api/client-ca"    # a secret whose ca.crt is only the client CA
    nginx.ingress.kubernetes.io/auth-tls-verify-depth: "2""#,
    ),
    (
        Stack::IngressNginx,
        Topic::Verify,
        r#"nginx.ingress.kubernetes.io/auth-tls-verify-client: "on"
nginx.ingress.kubernetes.io/auth-tls-secret: "api/client-ca"   # ca.crt: only the client CA
# on every Ingress of the host: the annotations of one Ingress do not cover another's"#,
    ),
    (
        Stack::IngressNginx,
        Topic::Unverified,
        r#"The auth-tls-secret's ca.crt must include the CA of the identity given to the scan; or the server refuses
valid clients: auth-tls-verify-depth (default 1) must cover their chain, and ca.crt must hold their issuing CA."#,
    ),
    (
        Stack::IngressNginx,
        Topic::Cert,
        r#"spec:
  tls:
    - hosts: [api.example.com]
      secretName: api-tls   # tls.crt: the leaf then its intermediates (cert-manager issues and renews it)"#,
    ),
    (
        Stack::IngressNginx,
        Topic::HeaderSpoofing,
        r#"nginx.ingress.kubernetes.io/auth-tls-pass-certificate-to-upstream: "true"   # ssl-client-cert from nginx
# the backend must trust ssl-client-verify / ssl-client-subject-dn only from the controller: a NetworkPolicy
# that admits only its pods, and auth-tls-verify-client "on" on every Ingress to that backend"#,
    ),
    (
        Stack::IngressNginx,
        Topic::Client,
        r#"nginx.ingress.kubernetes.io/backend-protocol: "HTTPS"
nginx.ingress.kubernetes.io/proxy-ssl-verify: "on"            # off by default: any upstream is trusted
nginx.ingress.kubernetes.io/proxy-ssl-secret: "api/upstream-ca"   # ca.crt (and tls.crt/tls.key: the identity)
nginx.ingress.kubernetes.io/proxy-ssl-name: "api.internal.example"
nginx.ingress.kubernetes.io/proxy-ssl-server-name: "on""#,
    ),
];

/// A fix from [`EXTRA`], or "" where the stack has none for that topic (refusing in the
/// handshake falls back to requiring a certificate).
fn extra(topic: Topic, stack: Stack) -> &'static str {
    let find = |t: Topic| {
        EXTRA
            .iter()
            .find(|(s, row, _)| *s == stack && *row == t)
            .map(|(_, _, fix)| *fix)
    };
    match (find(topic), topic) {
        (Some(fix), _) => fix,
        (None, Topic::InHandshake) => find(Topic::Require).unwrap_or_default(),
        (None, _) => "",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_id_has_a_fix_for_every_stack() {
        for id in FindingId::ALL {
            let fixes = fixes(*id, None);
            assert_eq!(fixes.len(), Stack::ALL.len(), "{id}");
            for f in &fixes {
                assert!(f.fix.len() > 20, "{id} {}", f.stack);
                assert!(!f.guessed);
            }
        }
    }

    #[test]
    fn x_powered_by_names_node_and_dotnet() {
        assert_eq!(guess_from_powered_by("Express"), Some(Stack::NodeJs));
        assert_eq!(guess_from_powered_by(" Next.js "), Some(Stack::NodeJs));
        assert_eq!(guess_from_powered_by("ASP.NET"), Some(Stack::DotNet));
        assert_eq!(guess_from_powered_by("PHP/8.2.7"), None);
        assert_eq!(guess_from_powered_by(""), None);
        let mut f = [Finding::new(FindingId::ClientCertOptional, "x")];
        attach_from_powered_by(&mut f, Some(Stack::NodeJs));
        let first = f[0].fixes.first().map(|x| (x.stack.as_ref(), x.guessed));
        assert_eq!(first, Some(("Node.js", true)));
        assert!(f[0].fixes[0].fix.starts_with(FROM_POWERED_BY));
        let next: Vec<&str> = f[0]
            .fixes
            .iter()
            .skip(1)
            .take(2)
            .map(|x| x.stack.as_ref())
            .collect();
        assert_eq!(next, ["stunnel", "Hitch"]);
    }

    #[test]
    fn guessed_stack_comes_first() {
        let fixes = fixes(FindingId::ClientCertOptional, Some(Stack::Nginx));
        assert_eq!(
            fixes.first().map(|f| (f.stack.as_ref(), f.guessed)),
            Some(("nginx", true))
        );
        assert!(fixes
            .first()
            .is_some_and(|f| f.fix.contains("ssl_verify_client      on;")));
        assert_eq!(fixes.iter().filter(|f| f.guessed).count(), 1);
    }

    #[test]
    fn key_fixes_are_the_right_ones() {
        let go = fix(FindingId::ClientCertNotRequested, Stack::Go);
        assert!(go.contains("tls.RequireAndVerifyClientCert") && go.contains("ClientCAs:  pool"));
        let node = fix(FindingId::ClientCertOptional, Stack::NodeJs);
        assert!(
            node.contains("requestCert: true")
                && node.contains("rejectUnauthorized: true")
                && node.contains("ca: [")
        );
        let py = fix(FindingId::ClientCertOptional, Stack::Python);
        assert!(
            py.contains("ctx.verify_mode = ssl.CERT_REQUIRED")
                && py.contains("load_verify_locations(cafile=")
        );
        let rust = fix(FindingId::ClientCertOptional, Stack::Rust);
        assert!(
            rust.contains("WebPkiClientVerifier::builder(")
                && !rust.contains(".allow_unauthenticated()?")
        );
        assert!(fix(FindingId::ClientCertOptional, Stack::JavaSpring)
            .contains("server.ssl.client-auth=need"));
        let envoy = fix(FindingId::ClientCertOptional, Stack::EnvoyIstio);
        assert!(
            envoy.contains("require_client_certificate: true")
                && envoy.contains("trusted_ca")
                && envoy.contains("STRICT")
        );
    }

    #[test]
    fn server_headers() {
        assert_eq!(guess_from_server_header("nginx/1.25.3"), Some(Stack::Nginx));
        assert_eq!(
            guess_from_server_header("istio-envoy"),
            Some(Stack::EnvoyIstio)
        );
        assert_eq!(guess_from_server_header("Jetty(9.4.z)"), Some(Stack::Jetty));
        assert_eq!(guess_from_server_header("uvicorn"), Some(Stack::Python));
        assert_eq!(
            guess_from_server_header("Cheroot/9.0.0"),
            Some(Stack::Python)
        );
        assert_eq!(
            guess_from_server_header("TwistedWeb/22.4.0"),
            Some(Stack::Python)
        );
        assert_eq!(
            guess_from_server_header("Apache/2.4.71 (Debian) OpenSSL/3.0.19"),
            Some(Stack::Apache)
        );
        assert_eq!(guess_from_server_header("Apache"), Some(Stack::Apache));
        assert_eq!(
            guess_from_server_header("Apache-Coyote/1.1"),
            Some(Stack::Tomcat)
        );
        assert_eq!(
            guess_from_server_header("Undertow/1"),
            Some(Stack::JavaSpring)
        );
        assert_eq!(guess_from_server_header("Caddy"), Some(Stack::Caddy));
        assert_eq!(guess_from_server_header("HAProxy"), Some(Stack::Haproxy));
        // Measured on the real servers of tests/servers (lighttpd-*, lighttpd-gnutls-*, ats-*,
        // nghttpx-*, webrick-*, mojo-*, erlang-*; squid-* says it in Via).
        assert_eq!(
            guess_from_server_header("lighttpd/1.4.69"),
            Some(Stack::Lighttpd)
        );
        assert_eq!(
            guess_from_server_header("ATS/9.2.9"),
            Some(Stack::TrafficServer)
        );
        assert_eq!(guess_from_server_header("nghttpx"), Some(Stack::Nghttpx));
        assert_eq!(
            guess_from_server_header("WEBrick/1.8.1 (Ruby/3.1.2/2022-04-12) OpenSSL/3.0.22"),
            Some(Stack::Ruby)
        );
        assert_eq!(
            guess_from_server_header("Mojolicious (Perl)"),
            Some(Stack::Perl)
        );
        assert_eq!(
            guess_from_server_header("libwww-perl-daemon/6.16"),
            Some(Stack::Perl)
        );
        assert_eq!(guess_from_server_header("inets/8.2.2"), Some(Stack::Erlang));
        assert_eq!(guess_from_server_header("squid/5.7"), Some(Stack::Squid));
        // thin-*: the word alone, never inside another
        assert_eq!(guess_from_server_header("thin"), Some(Stack::Ruby));
        assert_eq!(guess_from_server_header("Something/1.0"), None);
        // The field's own (their documented defaults).
        assert_eq!(guess_from_server_header("Kestrel"), Some(Stack::DotNet));
        assert_eq!(
            guess_from_server_header("Microsoft-IIS/10.0"),
            Some(Stack::DotNet)
        );
        assert_eq!(guess_from_server_header("awselb/2.0"), Some(Stack::AwsAlb));
        assert_eq!(guess_from_server_header("Microsoft-HTTPAPI/2.0"), None);
        assert_eq!(guess_from_server_header("Cowboy"), Some(Stack::Erlang));
        // Nothing that names no stack: no guess, never a wrong one (a host or product whose name
        // only starts like one: `atsd`, `Apache`-less `Coyote` aside).
        assert_eq!(guess_from_server_header("atsd/1.0"), None);
        assert_eq!(guess_from_server_header("cloudflare"), None);
        assert_eq!(guess_from_server_header("AmazonS3"), None);
        assert_eq!(guess_from_server_header(""), None);
    }

    #[test]
    fn recognised_stacks_come_first_and_only_when_recognised() {
        use FindingId::*;
        // Unguessed: the ten listed stacks, as before.
        let listed: Vec<String> = fixes(ClientCertOptional, None)
            .into_iter()
            .map(|f| f.stack.into_owned())
            .collect();
        let all: Vec<&str> = Stack::ALL.iter().map(|s| s.name()).collect();
        assert_eq!(listed, all);
        // Every recognised stack has the fixes of the server side of client authentication.
        let recognised = RECOGNISED_ONLY;
        for stack in recognised {
            for id in [
                ClientCertNotRequested,
                ClientCertOptional,
                ClientCertEnforcedByApp,
                UntrustedClientCertAccepted,
                ExpiredClientCertAccepted,
                EnforcementUnverified,
                ServerCertExpired,
                ServerChainIncomplete,
            ] {
                let f = fixes(id, Some(stack));
                assert_eq!(
                    f.first().map(|f| (f.stack.as_ref(), f.guessed)),
                    Some((stack.name(), true)),
                    "{id} {stack:?}"
                );
                assert!(f[0].fix.len() > 40, "{id} {stack:?}");
            }
        }
        // Hitch is no client of its backend over TLS: not listed for an impostor finding.
        let hitch = fixes(ClientSkipsServerVerification, Some(Stack::Hitch));
        assert!(hitch.iter().all(|f| f.stack != "Hitch" && !f.guessed));
        assert_eq!(hitch.len(), Stack::ALL.len());
        // ingress-nginx follows nginx; stunnel and Hitch follow a guess from a backend's header.
        let nginx = fixes(ClientCertOptional, Some(Stack::Nginx));
        assert_eq!(nginx[1].stack, "Kubernetes ingress-nginx");
        assert!(!nginx[1].guessed);
        let python = fixes_with(
            ClientCertOptional,
            Some(Stack::Python),
            Guess::ServerHeader { front_open: true },
        );
        let names: Vec<&str> = python.iter().take(3).map(|f| f.stack.as_ref()).collect();
        assert_eq!(names, ["Python", "stunnel", "Hitch"]);
        assert_eq!(python.len(), Stack::ALL.len() + 2);
    }

    /// Asserts that the fix of `id` on `stack` names every one of `words`.
    fn has(id: FindingId, stack: Stack, words: &[&str]) {
        let f = fix(id, stack);
        for w in words {
            assert!(f.contains(w), "{id} {stack:?} lacks {w}: {f}");
        }
    }

    #[test]
    fn recognised_stack_fixes_name_their_knobs() {
        use FindingId::*;
        // The settings the real servers of tests/servers refuse with (start.sh, GROUND_TRUTH.md).
        has(
            ClientCertOptional,
            Stack::Lighttpd,
            &[
                "ssl.verifyclient.enforce = \"enable\"",
                "ssl.verifyclient.ca-file",
            ],
        );
        has(
            ClientCertOptional,
            Stack::Stunnel,
            &["verifyChain = yes", "requireCert = yes", "CAfile"],
        );
        has(
            ClientCertOptional,
            Stack::Ruby,
            &["force_peer", "VERIFY_FAIL_IF_NO_PEER_CERT"],
        );
        has(
            ClientCertOptional,
            Stack::Perl,
            &["verify=0x03", "ca=", "SSL_verify_mode => 0x03"],
        );
        has(
            ClientCertOptional,
            Stack::Erlang,
            &["{fail_if_no_peer_cert, true}", "verify_peer"],
        );
        has(
            ClientCertOptional,
            Stack::Gnutls,
            &["GNUTLS_CERT_REQUIRE", "--verify-client-cert"],
        );
        has(
            ClientCertOptional,
            Stack::TrafficServer,
            &["certification_level INT 2", "verify_client"],
        );
        has(
            ClientCertOptional,
            Stack::Squid,
            &["clientca=", "CONDITIONAL_AUTH", "DONT_VERIFY_PEER"],
        );
        has(
            ClientCertOptional,
            Stack::Tomcat,
            &["certificateVerification=\"required\"", "truststoreFile"],
        );
        has(
            UntrustedClientCertAccepted,
            Stack::Jetty,
            &["setNeedClientAuth(true)", "setTrustAll"],
        );
        has(
            ClientCertOptional,
            Stack::Hitch,
            &["client-verify = required", "client-verify-ca"],
        );
        has(
            ExpiredClientCertAccepted,
            Stack::Nghttpx,
            &["verify-client-tolerate-expired"],
        );
        has(
            ClientCertOptional,
            Stack::Traefik,
            &["RequireAndVerifyClientCert", "caFiles"],
        );
        has(
            ClientCertOptional,
            Stack::DotNet,
            &[
                "ClientCertificateMode.RequireCertificate",
                "CustomRootTrust",
            ],
        );
        has(
            ClientCertOptional,
            Stack::AwsAlb,
            &["Mode=verify", "passthrough"],
        );
        has(
            ExpiredClientCertAccepted,
            Stack::AwsAlb,
            &["IgnoreClientCertificateExpiry"],
        );
        has(
            ClientCertOptional,
            Stack::IngressNginx,
            &["auth-tls-verify-client: \"on\"", "auth-tls-secret"],
        );
        has(
            ClientSkipsServerVerification,
            Stack::IngressNginx,
            &["proxy-ssl-verify: \"on\""],
        );
        has(
            ClientSkipsServerVerification,
            Stack::Traefik,
            &["insecureSkipVerify"],
        );
        has(ClientSkipsServerVerification, Stack::Nghttpx, &["insecure"]);
        has(
            ClientCertHeaderSpoofing,
            Stack::Traefik,
            &["X-Forwarded-Tls-Client-Cert"],
        );
    }

    /// A `Via` header shows a proxy in front: its `Server` header is the backend's (stunnel, Hitch
    /// and Squid in front of Python's http.server), so the guess is the proxy's own, or none.
    #[test]
    fn via_means_the_server_header_is_the_backends() {
        let backend = Some("BaseHTTP/0.6 Python/3.11.7");
        assert_eq!(guess_from_headers(backend, None), Some(Stack::Python));
        assert_eq!(
            guess_from_headers(backend, Some("1.1 localhost (squid/5.7)")),
            Some(Stack::Squid)
        );
        assert_eq!(guess_from_headers(backend, Some("1.1 varnish")), None);
        // nghttpx names itself as the pseudonym (measured: `via: 1.1 nghttpx`); a host name that
        // only contains a product's name is no evidence.
        assert_eq!(
            guess_from_headers(Some("nghttpx"), Some("1.1 nghttpx")),
            Some(Stack::Nghttpx)
        );
        assert_eq!(guess_from_headers(backend, Some("1.1 nghttpx-edge")), None);
        assert_eq!(guess_from_headers(backend, Some("1.1 nginx")), None);
        assert_eq!(
            guess_from_headers(backend, Some("1.0 a (squid/5.7), 1.1 edge (Apache/2.4.71)")),
            Some(Stack::Apache)
        );
        assert_eq!(guess_from_headers(backend, Some("  ")), Some(Stack::Python));
    }

    /// A stack guessed from a `Server` header that may be a backend's says so first; one that puts
    /// its own header first when it proxies (nginx, Envoy, Caddy), or a leaked configuration, does not.
    #[test]
    fn a_server_header_guess_says_it_may_be_the_backends() {
        let mut findings = vec![Finding::new(FindingId::ClientCertOptional, "x")];
        attach_from_server_header(&mut findings, Some(Stack::Python));
        let first = findings[0]
            .fixes
            .first()
            .map(|f| (f.guessed, f.fix.as_ref()));
        assert!(
            first.is_some_and(|(g, f)| g
                && f.starts_with(FROM_SERVER_HEADER)
                && f.contains("ssl.CERT_REQUIRED")),
            "{first:?}"
        );
        assert_eq!(
            findings[0]
                .fixes
                .iter()
                .filter(|f| f.fix.contains(FROM_SERVER_HEADER))
                .count(),
            1
        );
        // A front that asks for a certificate (here: one from an unknown CA got in; or it
        // serves without one) is how nginx, Envoy and Caddy may serve when they terminate TLS.
        let mut asking = vec![
            Finding::new(FindingId::UntrustedClientCertAccepted, "x"),
            Finding::new(FindingId::ClientCertOptional, "y"),
        ];
        for sure in [Stack::Nginx, Stack::EnvoyIstio, Stack::Caddy] {
            attach_from_server_header(&mut asking, Some(sure));
            assert!(asking
                .iter()
                .flat_map(|f| &f.fixes)
                .all(|f| !f.fix.contains(FROM_SERVER_HEADER)));
        }
        attach(&mut findings, Some(Stack::Python));
        assert!(findings[0]
            .fixes
            .iter()
            .all(|f| !f.fix.contains(FROM_SERVER_HEADER)));
        attach_from_server_header(&mut findings, None);
        assert!(findings[0]
            .fixes
            .iter()
            .all(|f| !f.guessed && !f.fix.contains(FROM_SERVER_HEADER)));
    }

    /// HAProxy (or stunnel, Hitch, an ALB) terminating TLS without asking for a certificate in
    /// front of an nginx backend that has `ssl_verify_client on` passes `Server: nginx/1.22.1` on
    /// (audit H23): nginx's setting is not presented as the certain fix, stunnel's and
    /// Hitch's follow it. Before: "nginx" first, with `ssl_verify_client on` and no word of a
    /// proxy.
    #[test]
    fn a_front_that_never_asks_may_be_a_proxy_before_nginx() {
        use FindingId::*;
        for (stack, knob) in [
            (Stack::Nginx, "ssl_verify_client      on;"),
            (Stack::EnvoyIstio, "require_client_certificate: true"),
            (Stack::Caddy, "require_and_verify"),
        ] {
            let mut findings = vec![
                Finding::new(ClientCertNotRequested, "x"),
                Finding::new(ServerCertExpiring, "y"),
            ];
            attach_from_server_header(&mut findings, Some(stack));
            for f in &findings {
                let first = &f.fixes[0];
                assert!(first.guessed && first.stack == stack.name(), "{first:?}");
                assert!(
                    first.fix.starts_with(FROM_SERVER_HEADER)
                        && first.fix.contains("never asks for a client certificate")
                        && first.fix.contains("the fix only if"),
                    "{stack:?} {}: {}",
                    f.id,
                    first.fix
                );
                let names: Vec<&str> = f.fixes.iter().map(|f| f.stack.as_ref()).collect();
                assert!(
                    names.contains(&"stunnel") && names.contains(&"Hitch"),
                    "{names:?}"
                );
                assert_eq!(f.fixes.iter().filter(|f| f.guessed).count(), 1);
            }
            assert!(findings[0].fixes[0].fix.contains(knob), "{stack:?}");
        }
        // Sure of the stack (a leaked configuration): no hedge.
        let mut findings = vec![Finding::new(ClientCertNotRequested, "x")];
        attach(&mut findings, Some(Stack::Nginx));
        assert!(findings[0]
            .fixes
            .iter()
            .all(|f| !f.fix.contains(FROM_SERVER_HEADER)));
    }

    /// Apache Traffic Server (`Server: ATS/9.2.9`) has its own fixes for the side doors (audit
    /// T01, T02: its sni.yaml `verify_client: STRICT` per name, with `host_sni_policy` 0 and
    /// tickets on); before, its entry was dropped and Go's came first.
    #[test]
    fn traffic_server_fixes_its_side_doors() {
        use FindingId::*;
        has(
            SniHostMismatchBypass,
            Stack::TrafficServer,
            &[
                "proxy.config.http.host_sni_policy INT 2",
                "verify_client: STRICT",
            ],
        );
        has(
            SessionResumptionBypass,
            Stack::TrafficServer,
            &[
                "proxy.config.ssl.server.session_ticket.enable INT 0",
                "proxy.config.ssl.server.session_ticket.number INT 0",
                "proxy.config.ssl.session_cache INT 0",
            ],
        );
        for id in [SniHostMismatchBypass, SessionResumptionBypass] {
            let mut findings = vec![Finding::new(id, "x")];
            attach_from_server_header(&mut findings, Some(Stack::TrafficServer));
            let first = &findings[0].fixes[0];
            assert_eq!(
                (first.stack.as_ref(), first.guessed),
                ("Apache Traffic Server", true)
            );
            assert!(
                !first.fix.contains("No Apache Traffic Server"),
                "{}",
                first.fix
            );
        }
    }

    /// The stacks recognised (from a header, a body, a configuration) beyond those every fix
    /// list names.
    const RECOGNISED_ONLY: [Stack; 16] = [
        Stack::Lighttpd,
        Stack::Stunnel,
        Stack::Ruby,
        Stack::Perl,
        Stack::Erlang,
        Stack::Gnutls,
        Stack::TrafficServer,
        Stack::Squid,
        Stack::Tomcat,
        Stack::Jetty,
        Stack::Hitch,
        Stack::Nghttpx,
        Stack::Traefik,
        Stack::DotNet,
        Stack::AwsAlb,
        Stack::IngressNginx,
    ];

    /// A recognised stack with no fix of its own for a finding leads with the fix any stack
    /// needs, said to be so: never dropped, never another stack's first (before: lighttpd's
    /// `session-resumption-bypass` entry was dropped and Go's led).
    #[test]
    fn a_recognised_stack_without_its_own_fix_leads_with_the_generic_one() {
        let recognised = RECOGNISED_ONLY;
        for stack in recognised.into_iter().chain(Stack::ALL) {
            for id in FindingId::ALL
                .iter()
                .copied()
                .filter(|id| !about_a_client(*id))
            {
                let f = fixes(id, Some(stack));
                assert_eq!(
                    f.first().map(|f| (f.stack.as_ref(), f.guessed)),
                    Some((stack.name(), true)),
                    "{id} {stack:?}"
                );
                assert!(f[0].fix.len() > 40, "{id} {stack:?}");
                if fix(id, stack).is_empty() {
                    assert!(
                        f[0].fix.contains(&format!("No {} setting", stack.name()))
                            && f[0].fix.contains(id.spec().remediation),
                        "{id} {stack:?}: {}",
                        f[0].fix
                    );
                }
            }
        }
        let lighttpd = fixes(FindingId::SessionResumptionBypass, Some(Stack::Lighttpd));
        assert_eq!(lighttpd[0].stack, "lighttpd");
        assert_eq!(lighttpd[1].stack, "Go");
        assert!(!lighttpd[1].guessed);
    }

    #[test]
    fn proxy_stack_fixes_name_their_knobs() {
        use FindingId::*;
        has(
            ClientCertOptional,
            Stack::Haproxy,
            &["verify required", "ca-file", "crt-ignore-err"],
        );
        has(
            UntrustedClientCertAccepted,
            Stack::Haproxy,
            &["ca-ignore-err", "crt-ignore-err", "18"],
        );
        has(
            ExpiredClientCertAccepted,
            Stack::Haproxy,
            &["10", "crt-ignore-err"],
        );
        has(WrongEkuClientCertAccepted, Stack::Haproxy, &["26"]);
        // GnuTLS checks no purpose unless told (GROUND_TRUTH G2, L2): its stock verification,
        // which the server already has, is no fix.
        has(
            WrongEkuClientCertAccepted,
            Stack::Gnutls,
            &[
                "gnutls_session_set_verify_cert2",
                "GNUTLS_KP_TLS_WWW_CLIENT",
            ],
        );
        has(
            WrongEkuClientCertAccepted,
            Stack::Lighttpd,
            &["mod_openssl"],
        );
        has(
            ClientCertHeaderSpoofing,
            Stack::Haproxy,
            &["del-header", "set-header", "ssl_c_used"],
        );
        has(
            SniHostMismatchBypass,
            Stack::Haproxy,
            &["ssl_fc_sni", "421", "strict-sni"],
        );
        has(
            SessionResumptionBypass,
            Stack::Haproxy,
            &["no-tls-tickets", "tls-ticket-keys"],
        );
        // measured on lighttpd-sni-bypass with the fix: A, the other name and the resumed
        // session get 401
        has(
            SniHostMismatchBypass,
            Stack::Lighttpd,
            &[
                "auth.require",
                "ssl.verifyclient.username",
                "$SERVER[\"socket\"]",
            ],
        );
        // measured on Python 3.11: a strict context set in sni_callback sent no
        // CertificateRequest (client-cert-not-requested on the protected name)
        has(
            ClientCertNotRequested,
            Stack::Python,
            &["sni_callback", "verify_mode"],
        );
        has(
            SessionResumptionBypass,
            Stack::Lighttpd,
            &["mod_auth", "auth.require", "ssl.verifyclient.username"],
        );
        // measured on stunnel-sni-bypass: a backend per service left only public pages behind
        // the other names (A), sessionResume = no closed the resumption
        has(
            SniHostMismatchBypass,
            Stack::Stunnel,
            &["sni = ", "connect = ", "sessionResume = no"],
        );
        has(
            SessionResumptionBypass,
            Stack::Stunnel,
            &["sessionResume = no"],
        );
        has(
            ClientSkipsServerVerification,
            Stack::Haproxy,
            &["verify required", "ca-file", "verifyhost"],
        );
        has(
            ClientCertNotRequested,
            Stack::Apache,
            &[
                "SSLVerifyClient      require",
                "SSLCACertificateFile",
                "SSLVerifyDepth",
            ],
        );
        has(
            UntrustedClientCertAccepted,
            Stack::Apache,
            &["optional_no_ca"],
        );
        has(
            SniHostMismatchBypass,
            Stack::Apache,
            &["SSLStrictSNIVHostCheck on", "2.4.64"],
        );
        has(
            SessionResumptionBypass,
            Stack::Apache,
            &["SSLSessionTickets off"],
        );
        has(
            ClientCertHeaderSpoofing,
            Stack::Apache,
            &["RequestHeader unset", "early"],
        );
        has(
            ClientSkipsServerVerification,
            Stack::Apache,
            &["SSLProxyVerify            require", "SSLProxyCheckPeerName"],
        );
        has(
            ClientAcceptsExpiredServerCert,
            Stack::Apache,
            &["SSLProxyCheckPeerExpire on"],
        );
        has(
            EnforcementUnverified,
            Stack::Apache,
            &["SSLVerifyDepth", "refuses valid clients"],
        );
        has(
            ClientCertOptional,
            Stack::Caddy,
            &["mode require_and_verify", "trust_pool"],
        );
        has(
            ClientCertHeaderSpoofing,
            Stack::Caddy,
            &["header_up -", "request_header -"],
        );
        has(
            SniHostMismatchBypass,
            Stack::Caddy,
            &["strict_sni_host on", "insecure_off"],
        );
        has(
            ClientSkipsServerVerification,
            Stack::Caddy,
            &["tls_insecure_skip_verify"],
        );
    }

    /// Every stack names more than one forwarded-certificate header: a backend that reads
    /// `ssl-client-verify` stays open when the proxy sets only `X-SSL-Client-Verify`.
    #[test]
    fn header_spoofing_fixes_cover_every_header() {
        for stack in Stack::ALL {
            let f = fix(FindingId::ClientCertHeaderSpoofing, stack).to_ascii_lowercase();
            assert!(
                f.contains("ssl-client-verify") && f.contains("x-ssl-client-verify"),
                "{stack:?}: {f}"
            );
            assert!(
                !f.contains("forwarded-allow-ips") || f.contains("x-forwarded-for/-proto only")
            );
        }
    }

    /// The positive control refused: the fix says the server may refuse valid clients itself.
    #[test]
    fn enforcement_unverified_names_the_servers_own_setting() {
        for stack in Stack::ALL {
            assert!(
                fix(FindingId::EnforcementUnverified, stack).contains("refuses valid clients"),
                "{stack:?}"
            );
        }
        let nginx = fix(FindingId::EnforcementUnverified, Stack::Nginx);
        assert!(nginx.contains("ssl_verify_depth"));
        let spec = FindingId::EnforcementUnverified.spec();
        assert!(
            spec.remediation.contains("verify depth"),
            "{}",
            spec.remediation
        );
    }
}
