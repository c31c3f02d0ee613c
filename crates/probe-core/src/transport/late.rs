//! A TLS transport, on system OpenSSL, for servers that ask for the client certificate only
//! *after* the handshake: Apache's per-location `SSLVerifyClient require` renegotiates on TLS 1.2
//! (HelloRequest) and uses post-handshake authentication on TLS 1.3. rustls offers neither as a
//! client, so these probes alone go through OpenSSL.
//!
//! OpenSSL tells its caller nothing about the handshake messages it processes (no safe binding of
//! the message, info or client-certificate callbacks, nor of `SSL_get_client_CA_list`). So the
//! transport watches its own TLS records on the wire (see [`Wire`]):
//! - TLS 1.2: the server's first flight is in clear text: its CertificateRequest is parsed, CA
//!   names included. A renegotiation shows as handshake records (outer type 22) sent by us after
//!   the handshake; our flight answering it holds one more record when the server asked for a
//!   certificate (Certificate) and one more again when we sent one (CertificateVerify).
//! - TLS 1.3: everything after ServerHello is encrypted, but OpenSSL writes one record per
//!   handshake message: our second flight is Finished alone unless a certificate was requested
//!   (Certificate [+ CertificateVerify] + Finished). Records we write while only reading the
//!   response answer a post-handshake CertificateRequest. CA names stay unknown.
//!
//! TLS 1.3 post-handshake authentication needs the `post_handshake_auth` extension in the
//! ClientHello (`SSL_CTX_set_post_handshake_auth`), which rust-openssl does not wrap: the one unsafe
//! call lives in the `openssl-pha` crate, behind a safe function.

use std::io;
use std::net::IpAddr;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use openssl::bn::{BigNum, MsbOption};
use openssl::ec::EcKey;
use openssl::pkey::{Id, PKey, Private};
use openssl::rsa::{Rsa, RsaPrivateKeyBuilder};
use openssl::ssl::{
    self, Ssl, SslAlert, SslContext, SslMethod, SslOptions, SslVerifyMode, SslVersion,
};
use openssl::x509::X509;
use rustls_pki_types::PrivateKeyDer;
use serde::{Deserialize, Serialize};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, ReadBuf};
use tokio::net::TcpStream;
use tokio_openssl::SslStream;

use crate::facts::LateAsk;
use crate::facts::TlsVersion;
use crate::identity::ClientIdentity;
use crate::target::Target;
use crate::text::sanitize;
use crate::transport::Limits;

/// One GET over OpenSSL that lets the server ask for a certificate late.
#[derive(Clone)]
pub struct LateAuthRequest<'a> {
    /// The endpoint.
    pub target: &'a Target,
    /// The only TLS version offered.
    pub version: TlsVersion,
    /// The certificate to present when asked; `None` answers with an empty Certificate.
    pub identity: Option<&'a ClientIdentity>,
    /// Deadline and read caps.
    pub limits: Limits,
    /// The request path; `None` means the target's own.
    pub path: Option<&'a str>,
    /// Judges whether the server may be sent the user's headers (see
    /// [`crate::transport::HeaderTrust`]); none: a request that would carry them is not sent.
    pub header_trust: Option<&'a Arc<dyn crate::transport::HeaderTrust>>,
}

/// What the exchange showed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LateAuthExchange {
    /// The server sent a CertificateRequest inside the initial handshake.
    pub handshake_cert_requested: bool,
    /// The server asked for a certificate after the handshake, and how.
    pub asked: Option<LateAsk>,
    /// Whether our ClientHello let the server ask late (renegotiation accepted on TLS 1.2,
    /// the `post_handshake_auth` extension offered on TLS 1.3).
    pub late_auth_offered: bool,
    /// CA names of the CertificateRequest (RFC 4514, escaped): read off the wire in a TLS 1.2
    /// initial handshake, else as OpenSSL kept them ([`Self::ca_names`]).
    pub acceptable_cas: Vec<String>,
    /// The CA names of the last CertificateRequest as OpenSSL kept them (DER X.500 Names; a
    /// renegotiation's and a post-handshake request's included, whose messages are encrypted).
    #[serde(skip)]
    pub ca_names: Vec<Vec<u8>>,
    /// We answered a CertificateRequest with a certificate (not an empty one).
    pub cert_sent: bool,
    /// A TLS alert received from the server, by rustls's name (`HandshakeFailure`, …).
    pub alert: Option<String>,
    /// The HTTP status.
    pub http_status: Option<u16>,
    /// The `Server` header, sanitised.
    pub server_header: Option<String>,
    /// The `Via` header, sanitised and capped.
    #[serde(default)]
    pub via: Option<String>,
    /// The `X-Powered-By` header, sanitised and capped.
    #[serde(default)]
    pub powered_by: Option<String>,
    /// The start of the body, sanitised.
    pub body_excerpt: Option<String>,
    /// The body read speaks of certificates ([`crate::text::speaks_of_certificates`]).
    pub body_names_certificates: bool,
    /// The body as read (at most `limits.body_cap` bytes, chunked framing taken off), for
    /// comparing pages; never in a report. Not serialised.
    #[serde(skip)]
    pub body: Vec<u8>,
    /// The body was cut at the cap (or the connection ended before its stated length).
    #[serde(skip)]
    pub truncated: bool,
    /// The negotiated TLS version.
    pub tls_version: Option<TlsVersion>,
    /// Why the exchange proves nothing: time-out, connect failure, close without an alert,
    /// unparsable answer, unusable identity.
    pub inconclusive: Option<String>,
    /// The answer is a WebSocket path's refusal of a plain GET (see
    /// [`super::websocket::says_websocket`]): unread by this client, which opens no socket.
    pub speaks_websocket: bool,
    /// The answer says nothing of the certificate, whatever its status: a rate limiter's page
    /// ([`super::rate_limit_page`]), or a redirect to the same path over plain HTTP or on
    /// another port of the host (the reason is in `inconclusive`).
    #[serde(default)]
    pub says_nothing: bool,
    /// The `Location` of a redirect, sanitised.
    #[serde(default)]
    pub location: Option<String>,
    /// Wall time of the whole exchange.
    pub elapsed: Duration,
}

/// Why an exchange whose server closed the connection before any answer or alert is unread (as
/// a refusal it counts only where the same close repeats after our certificate: see
/// `late_client_auth`).
pub const CLOSED_WITHOUT_ANSWER: &str =
    "the server closed the connection without an answer or an alert";

/// Response heads larger than this are not read.
const HEAD_CAP: usize = 64 * 1024;
/// Largest TLS record accepted by the record watcher (2^14 plus expansion).
const MAX_RECORD: usize = 18 * 1024 + 256;
/// TLS record content types.
const CCS: u8 = 20;
const HANDSHAKE: u8 = 22;
const APP_DATA: u8 = 23;
/// The shortest encrypted TLS 1.3 record that can carry a handshake message of a certificate
/// answer: an empty Certificate with an empty context (8 bytes) + the inner content type + the
/// 16-byte AEAD tag (every suite [`prepare`] allows; padding is off). Shorter records we write are a KeyUpdate (22) or an alert (19), which say
/// nothing of a certificate request, and are not counted.
const SHORTEST_CERT_ANSWER_RECORD_13: usize = 8 + 1 + 16;

/// Connects, sends one GET and reads the answer, within `limits.timeout`. Never fails: whatever
/// went wrong is in `alert` or `inconclusive`.
pub async fn run(req: LateAuthRequest<'_>) -> LateAuthExchange {
    let started = Instant::now();
    let mut out = LateAuthExchange {
        late_auth_offered: true,
        ..LateAuthExchange::default()
    };
    let wire = Arc::new(Mutex::new(Wire::default()));
    let result = match (prepare(&req), req.limits.budget()) {
        (Ok(_), None) => Err(format!("not tried: {} first", super::DEADLINE_EXPIRED)),
        (Ok(ssl), Some((deadline, cut))) => {
            match tokio::time::timeout(deadline, exchange(&req, ssl, &wire, &mut out)).await {
                Ok(r) => r,
                Err(_) if cut => Err(format!(
                    "{} after {} ms",
                    super::DEADLINE_EXPIRED,
                    deadline.as_millis()
                )),
                Err(_) => Err(format!(
                    "no complete answer within {} ms",
                    deadline.as_millis()
                )),
            }
        }
        (Err(reason), _) => Err(reason),
    };
    if let Err(reason) = result {
        out.inconclusive = Some(reason);
    }
    lock(&wire).analyse(req.version, &mut out);
    if out.acceptable_cas.is_empty() {
        out.acceptable_cas = out
            .ca_names
            .iter()
            .map(|name| crate::text::describe_name(name))
            .collect();
    }
    redact(&mut out, &req.target.headers);
    out.elapsed = started.elapsed();
    out
}

/// The OpenSSL client object: one version, no server verification (checked elsewhere), SNI for
/// DNS names, renegotiation allowed, the identity when given.
fn prepare(req: &LateAuthRequest<'_>) -> Result<Ssl, String> {
    let fail = |what: &str, e: openssl::error::ErrorStack| format!("OpenSSL set-up ({what}): {e}");
    let version = match req.version {
        TlsVersion::Tls13 => SslVersion::TLS1_3,
        TlsVersion::Tls12 => SslVersion::TLS1_2,
    };
    let mut ctx = SslContext::builder(SslMethod::tls_client()).map_err(|e| fail("context", e))?;
    ctx.set_min_proto_version(Some(version))
        .and_then(|()| ctx.set_max_proto_version(Some(version)))
        .map_err(|e| fail("version", e))?;
    ctx.set_verify(SslVerifyMode::NONE);
    ctx.clear_options(SslOptions::NO_RENEGOTIATION);
    // No ticket and no session cache: a server that resumes on renegotiation (Node's default)
    // would make the second handshake an abbreviated one, with no CertificateRequest to see.
    ctx.set_options(SslOptions::IGNORE_UNEXPECTED_EOF | SslOptions::NO_TICKET);
    ctx.set_session_cache_mode(openssl::ssl::SslSessionCacheMode::OFF);
    if req.version == TlsVersion::Tls13 {
        openssl_pha::offer_post_handshake_auth(&mut ctx);
        // The record watcher reads handshake messages from encrypted record sizes: every suite
        // here has a 16-byte tag (not CCM_8's 8, which a system openssl.cnf could switch on),
        // and no padding.
        ctx.set_ciphersuites(
            "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256",
        )
        .map_err(|e| fail("TLS 1.3 cipher suites", e))?;
        if !openssl_pha::no_record_padding(&mut ctx) {
            return Err("OpenSSL set-up: record padding could not be switched off".to_owned());
        }
    }
    let mut ssl = Ssl::new(&ctx.build()).map_err(|e| fail("connection", e))?;
    if req.target.host.parse::<IpAddr>().is_err() {
        ssl.set_hostname(&req.target.host)
            .map_err(|e| fail("server name", e))?;
    }
    if let Some(id) = req.identity {
        let mut certs = id.certified.cert.iter().map(|der| X509::from_der(der));
        let leaf = certs
            .next()
            .ok_or("the identity has no certificate")?
            .map_err(|e| fail("certificate", e))?;
        let key = openssl_key(id, &leaf)?;
        let matches = leaf.public_key().is_ok_and(|public| public.public_eq(&key));
        if !matches {
            return Err("the identity's key does not match its certificate".to_owned());
        }
        ssl.set_certificate(&leaf)
            .map_err(|e| fail("certificate", e))?;
        for cert in certs {
            ssl.add_chain_cert(cert.map_err(|e| fail("chain", e))?)
                .map_err(|e| fail("chain", e))?;
        }
        ssl.set_private_key(&key).map_err(|e| fail("key", e))?;
    }
    ssl.set_connect_state();
    Ok(ssl)
}

/// Whether this transport can present `id`: its key is known, or it is deliberately foreign
/// (`cert-without-key`) on a certificate whose key [`mismatched_key`] can stand in for.
pub fn can_present(id: &ClientIdentity) -> bool {
    if id.private_key_der().is_some() {
        return true;
    }
    id.has_foreign_key()
        && id
            .certified
            .cert
            .first()
            .and_then(|der| X509::from_der(der).ok())
            .and_then(|leaf| leaf.public_key().ok())
            .is_some_and(|public| matches!(public.id(), Id::EC | Id::RSA))
}

/// The identity's key as OpenSSL's. A foreign key (`cert-without-key`, whose rustls signing key
/// OpenSSL cannot use) is stood in for by [`mismatched_key`].
fn openssl_key(id: &ClientIdentity, leaf: &X509) -> Result<PKey<Private>, String> {
    if id.has_foreign_key() {
        return mismatched_key(leaf);
    }
    let der = id
        .private_key_der()
        .ok_or("the identity's private key is not available to OpenSSL: nothing was sent")?;
    let key = match der {
        PrivateKeyDer::Pkcs8(k) => PKey::private_key_from_pkcs8(k.secret_pkcs8_der()),
        PrivateKeyDer::Pkcs1(k) => {
            Rsa::private_key_from_der(k.secret_pkcs1_der()).and_then(PKey::from_rsa)
        }
        PrivateKeyDer::Sec1(k) => {
            EcKey::private_key_from_der(k.secret_sec1_der()).and_then(PKey::from_ec_key)
        }
        _ => return Err("unsupported private key format".to_owned()),
    };
    key.map_err(|e| format!("OpenSSL cannot load the identity's key: {e}"))
}

/// A private key OpenSSL takes for `leaf`'s (its public half is the certificate's: OpenSSL checks
/// only that) whose private half belongs to no certificate, so that CertificateVerify is signed
/// by another key, as `cert-without-key` presents it in the handshake: EC, a fresh scalar of the
/// same curve beside the certificate's point; RSA, the certificate's modulus and exponent with a
/// random private exponent. Other key types (Ed25519 derives its public key from the private
/// one) cannot be so mismatched: `Err`.
fn mismatched_key(leaf: &X509) -> Result<PKey<Private>, String> {
    let fail = |what: &str, e: openssl::error::ErrorStack| format!("OpenSSL set-up ({what}): {e}");
    let public = leaf
        .public_key()
        .map_err(|e| fail("the certificate's key", e))?;
    let key = match public.id() {
        Id::EC => {
            let ec = public.ec_key().map_err(|e| fail("the certificate's key", e))?;
            let fresh = EcKey::generate(ec.group()).map_err(|e| fail("a foreign key", e))?;
            EcKey::from_private_components(ec.group(), fresh.private_key(), ec.public_key())
                .and_then(PKey::from_ec_key)
        }
        Id::RSA => {
            let rsa = public.rsa().map_err(|e| fail("the certificate's key", e))?;
            let build = || {
                let mut d = BigNum::new()?;
                d.rand(rsa.n().num_bits() - 1, MsbOption::MAYBE_ZERO, true)?;
                let key = RsaPrivateKeyBuilder::new(rsa.n().to_owned()?, rsa.e().to_owned()?, d)?
                    .build();
                PKey::from_rsa(key)
            };
            build()
        }
        other => {
            return Err(format!(
                "OpenSSL cannot present a certificate of this key type (OpenSSL id {}) with another key",
                other.as_raw()
            ))
        }
    };
    key.map_err(|e| fail("a foreign key", e))
}

/// TCP, TLS handshake, request, response. `Err` is the reason the exchange is inconclusive.
async fn exchange(
    req: &LateAuthRequest<'_>,
    ssl: Ssl,
    wire: &Arc<Mutex<Wire>>,
    out: &mut LateAuthExchange,
) -> Result<(), String> {
    let request = request_bytes(req)?;
    let addrs = super::addresses(&req.target.connect_addr())
        .await
        .map_err(|e| format!("connect to {}: {e}", req.target.host_port()))?;
    let tcp = TcpStream::connect(addrs.as_slice())
        .await
        .map_err(|e| format!("connect to {}: {e}", req.target.host_port()))?;
    // Best effort: without it a request took ~43 ms instead of ~1 ms.
    let _ = tcp.set_nodelay(true);
    let tap = Tap {
        inner: tcp,
        wire: Arc::clone(wire),
    };
    let mut tls = SslStream::new(ssl, tap).map_err(|e| format!("OpenSSL stream: {e}"))?;
    let talked = talk(&mut tls, &request, req, wire, out).await;
    // The names of the last CertificateRequest, whatever ended the exchange.
    out.ca_names = openssl_pha::peer_ca_names(tls.ssl());
    talked
}

/// The handshake, the request and the response over `tls`.
async fn talk(
    tls: &mut SslStream<Tap>,
    request: &[u8],
    req: &LateAuthRequest<'_>,
    wire: &Arc<Mutex<Wire>>,
    out: &mut LateAuthExchange,
) -> Result<(), String> {
    if let Err(e) = Pin::new(&mut *tls).connect().await {
        return refused_or(out, alert_of_ssl(&e), format!("TLS handshake: {e}"));
    }
    out.tls_version = match tls.ssl().version2() {
        Some(SslVersion::TLS1_3) => Some(TlsVersion::Tls13),
        Some(SslVersion::TLS1_2) => Some(TlsVersion::Tls12),
        _ => None,
    };
    let chain: Vec<_> = tls
        .ssl()
        .peer_cert_chain()
        .into_iter()
        .flatten()
        .take(super::tls::MAX_CHAIN)
        .filter_map(|c| c.to_der().ok())
        .map(rustls_pki_types::CertificateDer::from)
        .collect();
    if let Some(why) = super::headers_withheld(req.target, req.header_trust, chain).await {
        return Err(why);
    }
    lock(wire).phase = Phase::Request;
    let written = tls.write_all(request).await;
    let written = match written {
        Ok(()) => tls.flush().await,
        Err(e) => Err(e),
    };
    if let Err(e) = written {
        return refused_or(out, alert_of_io(&e), format!("sending the request: {e}"));
    }
    lock(wire).phase = Phase::Response;
    let path = req.path.unwrap_or(&req.target.path);
    read_response(tls, &req.limits, req.target, Some(path), out).await
}

/// An alert is a conclusive refusal; anything else leaves the exchange inconclusive.
fn refused_or(
    out: &mut LateAuthExchange,
    alert: Option<String>,
    reason: String,
) -> Result<(), String> {
    match alert {
        Some(a) => {
            out.alert = Some(a);
            Ok(())
        }
        None => Err(reason),
    }
}

/// `GET <path> HTTP/1.1` with Host, User-Agent, the user's headers (as the rustls transport sends
/// them: an API that also wants a token must get it here too, or a refusal for want of the token
/// would read as a refusal of the certificate) and `Connection: close`.
fn request_bytes(req: &LateAuthRequest<'_>) -> Result<Vec<u8>, String> {
    let path = req.path.unwrap_or(&req.target.path);
    if !path.starts_with('/') || path.bytes().any(|b| b <= b' ' || b == 0x7f) {
        return Err(format!(
            "unusable request path {}",
            sanitize(path.as_bytes(), 80)
        ));
    }
    let mut out = format!(
        "GET {path} HTTP/1.1\r\nHost: {}\r\nUser-Agent: mtls-scan/{}\r\nAccept: */*\r\n",
        req.target.authority(),
        env!("CARGO_PKG_VERSION"),
    )
    .into_bytes();
    for (name, value) in &req.target.headers.0 {
        // `HeaderName`/`HeaderValue` hold no CR or LF: no header injection.
        out.extend_from_slice(name.as_str().as_bytes());
        out.extend_from_slice(b": ");
        out.extend_from_slice(value.as_bytes());
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b"Connection: close\r\n\r\n");
    Ok(out)
}

/// The parsed head: its length, status, `Server` header and `Content-Length`.
struct Head {
    len: usize,
    status: u16,
    server: Option<String>,
    via: Option<String>,
    powered_by: Option<String>,
    location: Option<String>,
    content_length: Option<usize>,
    chunked: bool,
    /// `Upgrade` names WebSocket, or a `Sec-WebSocket-Version` is sent.
    names_websocket: bool,
}

/// Parses a response head; `Ok(None)` while it is incomplete.
fn parse_head(buf: &[u8]) -> Result<Option<Head>, String> {
    let mut headers = [httparse::EMPTY_HEADER; 128];
    let mut resp = httparse::Response::new(&mut headers);
    let len = match resp.parse(buf) {
        Ok(httparse::Status::Complete(len)) => len,
        Ok(httparse::Status::Partial) => return Ok(None),
        Err(e) => return Err(format!("unparsable HTTP answer: {e}")),
    };
    let header = |name: &str| {
        resp.headers
            .iter()
            .find(|h| h.name.eq_ignore_ascii_case(name))
            .map(|h| h.value)
    };
    Ok(Some(Head {
        len,
        status: resp.code.unwrap_or_default(),
        server: header("server").map(|v| sanitize(v, 200)),
        via: header("via").map(|v| sanitize(v, 200)),
        powered_by: header("x-powered-by").map(|v| sanitize(v, 100)),
        location: header("location").map(|v| sanitize(v, 2048)),
        content_length: header("content-length")
            .and_then(|v| std::str::from_utf8(v).ok())
            .and_then(|v| v.trim().parse().ok()),
        names_websocket: header("upgrade").is_some_and(super::websocket::names_websocket)
            || header("sec-websocket-version").is_some(),
        chunked: header("transfer-encoding").is_some_and(|v| {
            String::from_utf8_lossy(v)
                .to_ascii_lowercase()
                .contains("chunked")
        }),
    }))
}

/// Reads the head (≤ 64 KiB), then the body up to `limits.body_cap`; `target` and `req_path`
/// (the path asked) tell a redirect elsewhere from a refusal.
async fn read_response<S>(
    tls: &mut SslStream<S>,
    limits: &Limits,
    target: &Target,
    req_path: Option<&str>,
    out: &mut LateAuthExchange,
) -> Result<(), String>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let mut buf = Vec::new();
    let mut informational = 0;
    let mut head = loop {
        if let Some(head) = parse_head(&buf)? {
            // `100 Continue`, `103 Early Hints`: not the answer; the final one follows.
            if super::is_informational(head.status) {
                informational += 1;
                if informational > super::MAX_INFORMATIONAL {
                    return Err(format!(
                        "more than {} informational answers and no final one",
                        super::MAX_INFORMATIONAL
                    ));
                }
                buf.drain(..head.len.min(buf.len()));
                continue;
            }
            break head;
        }
        if buf.len() > HEAD_CAP {
            return Err(format!("response head larger than {HEAD_CAP} bytes"));
        }
        match read_some(tls, &mut buf).await {
            Ok(0) if buf.is_empty() => return Err(CLOSED_WITHOUT_ANSWER.to_owned()),
            Ok(0) => return Err("the server closed the connection inside the HTTP head".to_owned()),
            Ok(_) => {}
            Err(e) => return refused_or(out, alert_of_io(&e), format!("reading the answer: {e}")),
        }
    };
    out.http_status = Some(head.status);
    out.server_header = head.server.take();
    out.location = head.location.take();
    out.via = head.via.take();
    out.powered_by = head.powered_by.take();
    // Cut until read to its end: a time-out or a reset inside the body leaves it so (a refusal's
    // page that stalled was read as a whole, empty refusal: A, exit 0, where the server wrote the
    // protected data after it).
    out.truncated = true;
    let mut body = buf.split_off(head.len.min(buf.len()));
    // No body follows these, whatever the head says (RFC 9110 §6.4.1).
    let bodiless = matches!(head.status, 204 | 304);
    let want = if bodiless {
        0
    } else {
        head.content_length
            .unwrap_or(usize::MAX)
            .min(limits.body_cap)
    };
    // The body ended: its stated length read, its last chunk read, or the connection closed
    // (asked with `Connection: close`) where neither framing was given.
    let mut ended = bodiless || body_ended(&head, &body);
    while !ended && body.len() < want {
        match read_some(tls, &mut body).await {
            Ok(0) => {
                ended = head.content_length.is_none() && !head.chunked;
                break;
            }
            Ok(_) => ended = body_ended(&head, &body),
            Err(e) => {
                // The answer's head is in; a late alert is still worth keeping. The body broke off.
                out.alert = alert_of_io(&e);
                break;
            }
        }
    }
    out.truncated = match head.content_length {
        _ if bodiless => false,
        Some(len) => len > limits.body_cap || body.len() < len,
        None => !ended || body.len() > limits.body_cap,
    };
    body.truncate(want);
    if head.chunked {
        body = dechunk(&body);
    }
    if let Some(why) = super::rate_limit_page(head.status, &body) {
        out.says_nothing = true;
        out.inconclusive = Some(why);
    }
    // A redirect of the same path to plain HTTP or to another port of the host: whoever follows
    // it may be served there (review A: Apache's late refusal redirecting to its plain listener
    // was A, exit 0, where the handshake's transport reads it as unread).
    let redirect = super::ExchangeResult {
        http_status: Some(head.status),
        location: out.location.clone(),
        ..super::ExchangeResult::default()
    };
    let path = req_path.unwrap_or_default();
    if let Some(why) = super::downgraded(&redirect, path, (&target.host, target.port)) {
        out.says_nothing = true;
        out.inconclusive = Some(why);
    }
    // A WebSocket path's refusal of a plain GET serves nothing and refuses nobody: this client
    // opens no socket, so what the path serves is unread here (an audit's silent socket was
    // judged by this answer: "another authentication may guard this path").
    if super::websocket::says_websocket(head.status, head.names_websocket, &body) {
        out.speaks_websocket = true;
        out.inconclusive = Some(format!(
            "the path speaks WebSocket (a plain GET was answered HTTP {}), and the late-auth \
             client opens no socket",
            head.status
        ));
    }
    out.body_excerpt = Some(sanitize(&body, limits.excerpt_chars));
    out.body_names_certificates = crate::text::speaks_of_certificates(&body);
    out.body = body;
    Ok(())
}

/// The user's header values, wherever the server echoed them, replaced by `<redacted>`.
fn redact(out: &mut LateAuthExchange, headers: &crate::target::ExtraHeaders) {
    for text in [
        out.body_excerpt.as_mut(),
        out.location.as_mut(),
        out.server_header.as_mut(),
        out.via.as_mut(),
        out.powered_by.as_mut(),
    ]
    .into_iter()
    .flatten()
    {
        crate::transport::redact_secrets(text, headers);
    }
}

/// Whether `body` (what followed the head so far) holds the whole body the head announced: its
/// `Content-Length`, or a chunked body's last (zero-size) chunk.
fn body_ended(head: &Head, body: &[u8]) -> bool {
    match head.content_length {
        Some(len) if !head.chunked => body.len() >= len,
        _ if head.chunked => chunked_ended(body),
        _ => false,
    }
}

/// Whether a chunked body's last (zero-size) chunk has been read; a malformed size line ends
/// nothing.
fn chunked_ended(mut raw: &[u8]) -> bool {
    while let Ok(httparse::Status::Complete((used, size))) = httparse::parse_chunk_size(raw) {
        if size == 0 {
            return true;
        }
        let rest = raw.get(used..).unwrap_or_default();
        let Some(after) = usize::try_from(size).ok().and_then(|size| rest.get(size..)) else {
            return false;
        };
        raw = after.strip_prefix(b"\r\n").unwrap_or(after);
    }
    false
}

/// The data of a chunked body as far as it was read (the sizes and their extensions dropped); a
/// malformed or cut size line ends it.
fn dechunk(mut raw: &[u8]) -> Vec<u8> {
    let mut data = Vec::new();
    while let Ok(httparse::Status::Complete((used, size))) = httparse::parse_chunk_size(raw) {
        let rest = raw.get(used..).unwrap_or_default();
        let take = usize::try_from(size).unwrap_or(usize::MAX).min(rest.len());
        if take == 0 {
            break;
        }
        data.extend_from_slice(rest.get(..take).unwrap_or_default());
        // The chunk's trailing CRLF.
        raw = rest.get(take..).unwrap_or_default();
        raw = raw.strip_prefix(b"\r\n").unwrap_or(raw);
    }
    data
}

/// One read, appended to `buf`.
async fn read_some<S>(tls: &mut SslStream<S>, buf: &mut Vec<u8>) -> io::Result<usize>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let mut chunk = [0u8; 8192];
    let n = tls.read(&mut chunk).await?;
    buf.extend_from_slice(chunk.get(..n).unwrap_or_default());
    Ok(n)
}

fn alert_of_io(err: &io::Error) -> Option<String> {
    err.get_ref()
        .and_then(|e| e.downcast_ref::<ssl::Error>())
        .and_then(alert_of_ssl)
}

/// A received alert, named as rustls names it (`HandshakeFailure`, `CertificateRequired`, …).
fn alert_of_ssl(err: &ssl::Error) -> Option<String> {
    let offset = SslAlert::CLOSE_NOTIFY.reason_code();
    err.ssl_error()?.errors().iter().find_map(|e| {
        let code = u8::try_from(e.reason_code().checked_sub(offset)?).ok()?;
        Some(format!("{:?}", rustls::AlertDescription::from(code)))
    })
}

fn lock(wire: &Mutex<Wire>) -> MutexGuard<'_, Wire> {
    wire.lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Where the exchange stands when a record is written.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
enum Phase {
    /// The initial handshake.
    #[default]
    Handshake,
    /// Writing the HTTP request.
    Request,
    /// Only reading the answer: any handshake record we write now answers the server.
    Response,
}

/// Splits a byte stream into TLS records.
#[derive(Debug, Default)]
struct Records {
    buf: Vec<u8>,
    broken: bool,
}

impl Records {
    /// Appends bytes and hands each complete record (content type, body) to `emit`.
    fn feed(&mut self, data: &[u8], mut emit: impl FnMut(u8, &[u8])) {
        if self.broken {
            return;
        }
        self.buf.extend_from_slice(data);
        loop {
            let (kind, len) = match self.buf.get(..5) {
                Some(&[kind, _, _, hi, lo]) => (kind, usize::from(u16::from_be_bytes([hi, lo]))),
                _ => return,
            };
            if len > MAX_RECORD || !(CCS..=24).contains(&kind) {
                // Not TLS as we know it: stop watching rather than guess.
                self.broken = true;
                self.buf = Vec::new();
                return;
            }
            let Some(body) = self.buf.get(5..5 + len) else {
                return;
            };
            emit(kind, body);
            self.buf.drain(..5 + len);
        }
    }
}

/// What the record watcher saw, in both directions.
#[derive(Debug, Default)]
struct Wire {
    phase: Phase,
    ours: Records,
    theirs: Records,
    /// Content types of the records we wrote, by phase (capped).
    sent: Vec<(Phase, u8)>,
    /// The server's clear-text handshake bytes, up to its ChangeCipherSpec (TLS 1.2), capped.
    server_handshake: Vec<u8>,
    server_ccs: bool,
}

impl Wire {
    fn outgoing(&mut self, data: &[u8]) {
        let Wire {
            phase, ours, sent, ..
        } = self;
        ours.feed(data, |kind, body| {
            let short = kind == APP_DATA && body.len() < SHORTEST_CERT_ANSWER_RECORD_13;
            if sent.len() < 256 && !short {
                sent.push((*phase, kind));
            }
        });
    }

    fn incoming(&mut self, data: &[u8]) {
        if self.server_ccs {
            return;
        }
        let Wire {
            theirs,
            server_handshake,
            server_ccs,
            ..
        } = self;
        theirs.feed(data, |kind, body| match kind {
            CCS => *server_ccs = true,
            HANDSHAKE if !*server_ccs && server_handshake.len() < HEAD_CAP => {
                server_handshake.extend_from_slice(body);
            }
            _ => {}
        });
    }

    fn count(&self, phase: Phase, kind: u8) -> usize {
        self.sent
            .iter()
            .filter(|&&(p, k)| p == phase && k == kind)
            .count()
    }

    /// Turns record counts into findings (see the module doc for the reasoning).
    fn analyse(&self, version: TlsVersion, out: &mut LateAuthExchange) {
        match version {
            TlsVersion::Tls12 => {
                // ClientHello, [Certificate], ClientKeyExchange, [CertificateVerify], Finished.
                let first = self.count(Phase::Handshake, HANDSHAKE);
                if let Some(cas) = certificate_request_12(&self.server_handshake) {
                    out.handshake_cert_requested = true;
                    out.acceptable_cas = cas;
                    out.cert_sent = first >= 5;
                }
                let late =
                    self.count(Phase::Request, HANDSHAKE) + self.count(Phase::Response, HANDSHAKE);
                if late >= 4 {
                    out.asked = Some(LateAsk::Renegotiation);
                    out.cert_sent = late >= 5;
                }
            }
            TlsVersion::Tls13 => {
                // Our encrypted flight: [Certificate, [CertificateVerify]], Finished.
                let first = self.count(Phase::Handshake, APP_DATA);
                out.handshake_cert_requested = first >= 2;
                out.cert_sent = first >= 3;
                let late = self.count(Phase::Response, APP_DATA);
                if late >= 2 {
                    out.asked = Some(LateAsk::PostHandshake);
                    out.cert_sent = late >= 3;
                }
            }
        }
    }
}

/// A small big-endian reader that never panics.
struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let head = self.0.get(..n)?;
        self.0 = self.0.get(n..)?;
        Some(head)
    }

    fn len(&mut self, width: usize) -> Option<usize> {
        Some(
            self.take(width)?
                .iter()
                .fold(0, |acc, &b| (acc << 8) | usize::from(b)),
        )
    }
}

/// The CA names of a TLS 1.2 CertificateRequest (handshake type 13) among clear-text handshake
/// messages; `None` when there is none.
fn certificate_request_12(messages: &[u8]) -> Option<Vec<String>> {
    let mut r = Reader(messages);
    let body = loop {
        let kind = r.len(1)?;
        let len = r.len(3)?;
        let body = r.take(len)?;
        if kind == 13 {
            break body;
        }
    };
    let mut r = Reader(body);
    let types = r.len(1)?;
    r.take(types)?;
    let schemes = r.len(2)?;
    r.take(schemes)?;
    let names = r.len(2).and_then(|n| r.take(n)).unwrap_or_default();
    let mut r = Reader(names);
    let mut cas = Vec::new();
    while let Some(name) = r.len(2).and_then(|n| r.take(n)) {
        cas.push(crate::text::describe_name(name));
    }
    Some(cas)
}

/// The TCP stream, with every byte shown to the [`Wire`] watcher.
struct Tap {
    inner: TcpStream,
    wire: Arc<Mutex<Wire>>,
}

impl AsyncRead for Tap {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let res = Pin::new(&mut self.inner).poll_read(cx, buf);
        if let Poll::Ready(Ok(())) = res {
            lock(&self.wire).incoming(buf.filled().get(before..).unwrap_or_default());
        }
        res
    }
}

impl AsyncWrite for Tap {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        data: &[u8],
    ) -> Poll<io::Result<usize>> {
        let res = Pin::new(&mut self.inner).poll_write(cx, data);
        if let Poll::Ready(Ok(n)) = res {
            lock(&self.wire).outgoing(data.get(..n).unwrap_or_default());
        }
        res
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    /// `cert-without-key` after the handshake: the key OpenSSL is given passes for the
    /// certificate's (its public half is the certificate's) and signs what the certificate's key
    /// does not verify, for each key type the scan presents but Ed25519, which cannot be so
    /// mismatched and is left out ([`super::can_present`]).
    #[test]
    fn a_mismatched_key_passes_for_the_certificates_and_signs_what_it_cannot_verify(
    ) -> Result<(), Box<dyn std::error::Error>> {
        use openssl::hash::MessageDigest;
        use openssl::pkey::{PKey, Private};
        use openssl::sign::{Signer, Verifier};
        use openssl::x509::X509;
        for alg in [
            &rcgen::PKCS_ECDSA_P256_SHA256,
            &rcgen::PKCS_ECDSA_P384_SHA384,
            &rcgen::PKCS_ECDSA_P521_SHA512,
            &rcgen::PKCS_RSA_SHA256,
            &rcgen::PKCS_ED25519,
        ] {
            let key = if alg == &rcgen::PKCS_RSA_SHA256 {
                crate::identity::KeyKind::Rsa2048.generate()?
            } else {
                rcgen::KeyPair::generate_for(alg)?
            };
            let cert =
                rcgen::CertificateParams::new(vec!["client.test".to_owned()])?.self_signed(&key)?;
            let leaf = X509::from_der(cert.der())?;
            let foreign = super::mismatched_key(&leaf);
            if alg == &rcgen::PKCS_ED25519 {
                assert!(foreign.is_err(), "an Ed25519 key cannot be mismatched");
                continue;
            }
            let foreign = foreign?;
            let public = leaf.public_key()?;
            assert!(
                public.public_eq(&foreign),
                "{alg:?}: OpenSSL takes it for the certificate's"
            );
            let own = PKey::private_key_from_pkcs8(&key.serialize_der())?;
            let sign = |k: &PKey<Private>| -> Result<Vec<u8>, openssl::error::ErrorStack> {
                let mut signer = Signer::new(MessageDigest::sha256(), k)?;
                signer.update(b"CertificateVerify")?;
                signer.sign_to_vec()
            };
            let verifies = |signature: &[u8]| {
                Verifier::new(MessageDigest::sha256(), &public)
                    .and_then(|mut v| {
                        v.update(b"CertificateVerify")?;
                        v.verify(signature)
                    })
                    .unwrap_or(false)
            };
            assert!(verifies(&sign(&own)?), "{alg:?}: the certificate's own key");
            assert!(!verifies(&sign(&foreign)?), "{alg:?}: the mismatched key");
        }
        Ok(())
    }

    /// Records we write in TLS 1.3 after the request, as (encrypted body length) each.
    fn written_late(lengths: &[usize]) -> super::LateAuthExchange {
        let mut wire = super::Wire {
            phase: super::Phase::Response,
            ..Default::default()
        };
        for &len in lengths {
            let [hi, lo] = u16::try_from(len).unwrap_or(0).to_be_bytes();
            let mut record = vec![super::APP_DATA, 3, 3, hi, lo];
            record.resize(5 + len, 0);
            wire.outgoing(&record);
        }
        let mut out = super::LateAuthExchange::default();
        wire.analyse(crate::facts::TlsVersion::Tls13, &mut out);
        out
    }

    #[test]
    fn key_updates_and_alerts_written_late_are_not_a_certificate_answer() {
        use crate::facts::LateAsk;
        // KeyUpdate answers (22 bytes) and a close_notify (19): no request was answered.
        assert_eq!(written_late(&[22, 22, 19]).asked, None);
        // Empty Certificate + Finished (SHA-256): asked, nothing sent.
        let empty = written_late(&[25, 53]);
        assert_eq!(
            (empty.asked, empty.cert_sent),
            (Some(LateAsk::PostHandshake), false)
        );
        // Certificate + CertificateVerify + Finished, a KeyUpdate between them: a certificate sent.
        let sent = written_late(&[600, 22, 90, 53]);
        assert_eq!(
            (sent.asked, sent.cert_sent),
            (Some(LateAsk::PostHandshake), true)
        );
    }

    #[test]
    fn chunked_bodies_are_read_without_their_framing() {
        assert_eq!(
            super::dechunk(b"5\r\nhello\r\n7;ext=1\r\n, world\r\n0\r\n\r\n"),
            b"hello, world"
        );
        // Cut inside a chunk: what was read; a malformed size: stops there.
        assert_eq!(super::dechunk(b"a\r\nabc"), b"abc");
        assert_eq!(super::dechunk(b"zz\r\nabc"), b"");
    }

    #[test]
    fn the_users_headers_are_sent_late_too() {
        let mut target = crate::target::Target::parse("https://api.example:8443/admin")
            .unwrap_or_else(|e| panic!("{e}"));
        target.headers.0.push(
            crate::target::ExtraHeaders::parse_one("Authorization: Bearer tok3n")
                .unwrap_or_else(|e| panic!("{e}")),
        );
        let req = super::LateAuthRequest {
            target: &target,
            version: crate::facts::TlsVersion::Tls12,
            identity: None,
            limits: crate::transport::Limits::default(),
            path: None,
            header_trust: None,
        };
        let bytes = super::request_bytes(&req).unwrap_or_default();
        let text = String::from_utf8_lossy(&bytes);
        assert!(text.starts_with("GET /admin HTTP/1.1\r\nHost: api.example:8443\r\n"));
        assert!(
            text.contains("\r\nauthorization: Bearer tok3n\r\n"),
            "{text}"
        );
        assert!(text.ends_with("Connection: close\r\n\r\n"));
        let mut out = super::LateAuthExchange {
            body_excerpt: Some("hello Bearer tok3n".into()),
            ..Default::default()
        };
        super::redact(&mut out, &target.headers);
        assert_eq!(out.body_excerpt.as_deref(), Some("hello <redacted>"));
    }

    use super::*;

    #[test]
    fn records_split_across_writes_and_garbage_stops_the_watch() {
        let mut wire = Wire::default();
        wire.outgoing(&[22, 3, 3, 0, 2, 1]);
        wire.outgoing(&[2, 23, 3, 3, 0, 25]);
        wire.outgoing(&[0; 25]);
        assert_eq!(wire.count(Phase::Handshake, HANDSHAKE), 1);
        assert_eq!(wire.count(Phase::Handshake, APP_DATA), 1);
        wire.outgoing(b"GET / HTTP/1.1\r\n\r\n");
        wire.outgoing(&[22, 3, 3, 0, 0]);
        assert_eq!(wire.count(Phase::Handshake, HANDSHAKE), 1);
    }

    #[test]
    fn certificate_request_names_are_parsed_and_junk_is_not_a_panic() {
        let name = [0x30, 0x00];
        // type 13, len 12: 1 cert type, 2 bytes of schemes, names list of one empty Name.
        let msg = [
            13, 0, 0, 12, 1, 64, 0, 2, 4, 3, 0, 4, 0, 2, name[0], name[1],
        ];
        let cas = certificate_request_12(&msg);
        assert_eq!(cas.as_ref().map(Vec::len), Some(1));
        for cut in 0..msg.len() {
            let _ = certificate_request_12(msg.get(..cut).unwrap_or_default());
        }
        assert_eq!(certificate_request_12(&[2, 0, 0, 1, 9]), None);
    }

    #[test]
    fn heads_parse_and_garbage_is_an_error() {
        let head =
            parse_head(b"HTTP/1.1 403 Forbidden\r\nServer: Apache\r\nContent-Length: 5\r\n\r\nno");
        let head = head.ok().flatten();
        assert_eq!(head.as_ref().map(|h| h.status), Some(403));
        assert_eq!(head.as_ref().and_then(|h| h.content_length), Some(5));
        assert_eq!(head.as_ref().and_then(|h| h.via.as_deref()), None);
        let proxied = parse_head(b"HTTP/1.1 200 OK\r\nVia: 1.1 localhost (squid/5.7)\r\n\r\n");
        assert_eq!(
            proxied.ok().flatten().and_then(|h| h.via),
            Some("1.1 localhost (squid/5.7)".to_owned())
        );
        assert!(matches!(parse_head(b"HTTP/1.1 200"), Ok(None)));
        assert!(parse_head(b"\x16\x03\x01garbage\r\n\r\n").is_err());
    }
}
