//! One probe's exchange: TCP connect, a TLS handshake pinned to one version, and one HTTP GET over
//! our own TLS stream (hyper 1 `client::conn`, HTTP/1.1 or h2 as ALPN decides). Every step has a
//! deadline and every read a cap; whatever the server sends becomes an observation, never a panic.

pub mod h2c;
pub mod late;
pub mod p521;
pub mod tls;
pub mod websocket;
pub use tls::Alpn;

use std::error::Error as StdError;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::rt::{TokioExecutor, TokioIo};
use rustls::crypto::CryptoProvider;
use rustls_pki_types::CertificateDer;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio_rustls::client::TlsStream;
use tokio_rustls::TlsConnector;

use crate::facts::{Outcome, TlsVersion};
use crate::permits::Pacer;
use crate::target::Target;
use crate::text::sanitize;
use tls::{CertChooser, SharedRecord};

/// Caps on what is read from a server.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// The whole probe's deadline.
    pub timeout: Duration,
    /// Bytes of body read at most (the rest is never read).
    pub body_cap: usize,
    /// Bytes of response head (status line and headers) accepted at most.
    pub header_cap: usize,
    /// Characters of body kept as the excerpt: 256, so the footer of nginx's own certificate
    /// pages (`<center>nginx</center>`, past character 200) is read when the `Server` header
    /// is hidden.
    pub excerpt_chars: usize,
    /// When the scan's total deadline expires: no exchange runs past it, so a target whose
    /// deadline comes keeps what its finished probes proved (the rest are inconclusive).
    pub scan_until: Option<tokio::time::Instant>,
}

/// How the detail of an exchange cut short, or never started, by the scan's total deadline
/// begins.
pub const DEADLINE_EXPIRED: &str = "the scan's total deadline expired";

/// How [`ExchangeResult::detail`] begins where the HTTP client rejected the answer's head (a
/// control byte in a header value or the reason phrase) and its status line was read directly:
/// the status stands, the body was not read.
pub const HEAD_REJECTED: &str = "the HTTP client rejected the response";

impl Limits {
    /// The time an exchange starting now may take: the probe's deadline, or what is left of the
    /// scan's when that is shorter (`true` then). `None` once the scan's deadline has expired.
    pub fn budget(&self) -> Option<(Duration, bool)> {
        let Some(until) = self.scan_until else {
            return Some((self.timeout, false));
        };
        let left = until.saturating_duration_since(tokio::time::Instant::now());
        if left.is_zero() {
            None
        } else if left < self.timeout {
            Some((left, true))
        } else {
            Some((self.timeout, false))
        }
    }

    /// Whether the scan's total deadline has expired (nothing more should be tried).
    pub fn expired(&self) -> bool {
        self.budget().is_none()
    }

    /// The result of an exchange that the scan's total deadline left no time for.
    fn expired_result() -> ExchangeResult {
        ExchangeResult {
            outcome: Some(Outcome::Inconclusive),
            detail: Some(format!("not tried: {DEADLINE_EXPIRED} first")),
            ..ExchangeResult::default()
        }
    }
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            timeout: Duration::from_secs(10),
            body_cap: 16 * 1024,
            header_cap: 64 * 1024,
            excerpt_chars: 256,
            scan_until: None,
        }
    }
}

/// What the exchange produced, before it becomes a [`crate::facts::ProbeObservation`].
#[derive(Debug, Default, Clone)]
pub struct ExchangeResult {
    /// The outcome class.
    pub outcome: Option<Outcome>,
    /// A TLS alert, by name.
    pub alert: Option<String>,
    /// HTTP status.
    pub http_status: Option<u16>,
    /// Negotiated ALPN protocol.
    pub alpn: Option<String>,
    /// `Server` header, sanitised.
    pub server_header: Option<String>,
    /// `Via` header, sanitised and capped.
    pub via: Option<String>,
    /// `X-Powered-By` header, sanitised and capped (Express sends it and no `Server`).
    pub powered_by: Option<String>,
    /// `Location` header of a redirect, sanitised and capped; on any other status, where a
    /// `Refresh` header or a meta refresh in the page sends a browser.
    pub location: Option<String>,
    /// The authentication scheme a `401` challenges for (`WWW-Authenticate: Bearer …` →
    /// `Bearer`): the scheme's name alone, never its parameters.
    pub auth_challenge: Option<String>,
    /// No answer: the server reset the request's HTTP/2 stream, the connection still up.
    pub stream_reset: bool,
    /// The server reset the request's HTTP/2 stream with `HTTP_1_1_REQUIRED` (RFC 9113 §8.2.1:
    /// Apache asking for a certificate per `<Location>`, which it cannot renegotiate over h2):
    /// the exchange is made again over HTTP/1.1 alone, as curl does.
    pub http1_required: bool,
    /// An informational status (1xx) read where the final answer should be: `101 Switching
    /// Protocols` to a request asking to upgrade (a WebSocket's opening) or to one that did not.
    pub informational_status: Option<u16>,
    /// The answer is gRPC's: a `grpc-status` (in the headers or the trailers) or a
    /// `content-type` of `application/grpc`.
    pub grpc_answer: bool,
    /// The answer says the path speaks WebSocket alone ([`websocket::speaks_websocket`]: a 426
    /// naming it, or a 400 that does): HTTP/1.1 opens a socket instead to read what it serves.
    pub speaks_websocket: bool,
    /// Body excerpt, sanitised.
    pub body_excerpt: Option<String>,
    /// The whole body as read (up to the cap), for parsers that need it.
    pub body: Vec<u8>,
    /// The body went on past the cap (the rest was never read).
    pub truncated: bool,
    /// `Content-Type` header, sanitised.
    pub content_type: Option<String>,
    /// The TLS version negotiated, once the handshake completed.
    pub tls_version: Option<TlsVersion>,
    /// The handshake resumed a session (no certificate exchange took place).
    pub resumed: bool,
    /// The whole body was read: the connection may carry another request.
    pub complete: bool,
    /// An explanation of errors and alert-less refusals.
    pub detail: Option<String>,
    /// The probe's certificate could not be presented (its key makes none of the signature
    /// schemes the server accepts): inconclusive, and another attempt would be the same.
    pub unpresentable: bool,
    /// A refusal by a close (or reset) without an alert, right after a CertificateRequest and
    /// before any request was written. It counts as a refusal only once a second attempt ends the
    /// same way; until then the probe is inconclusive.
    pub unconfirmed: bool,
    /// An h2 stream the server left unanswered while another stream of its connection was
    /// answered ([`LATER_ANSWER_WAIT`]): unread, asked again alone by the caller, and no sign
    /// that a refusal outran the early-alert wait.
    pub held: bool,
    /// The server ended the connection (a close, with or without close_notify, or a reset) after
    /// the handshake, without an alert and without any HTTP answer to the request (nginx `return
    /// 444`). Unread by itself; a probe may take it for the server's answer to that request only
    /// where it repeats while the server answers another request beside it.
    pub closed_unanswered: bool,
    /// What came of the h2c tunnel asked for ([`ExchangeSetup::h2c_via`]); `None`: none was.
    pub h2c: Option<h2c::Tunnel>,
    /// The cookies the answer set (`Set-Cookie`), each `name=value` as sent back in a `Cookie`
    /// header ([`set_cookies`]): only for asking again with them, never for a report (a session
    /// id is the server's secret for whoever holds it).
    pub set_cookies: Vec<String>,
    /// Elapsed time.
    pub elapsed: Duration,
}

/// What the exchange needs besides the target.
#[derive(Clone)]
pub struct ExchangeSetup<'a> {
    /// The crypto provider.
    pub provider: &'a Arc<CryptoProvider>,
    /// The TLS versions offered: one pins the probe to it, several let the server choose.
    pub versions: &'a [TlsVersion],
    /// Which certificate to present.
    pub chooser: Option<Arc<dyn CertChooser>>,
    /// Limits.
    pub limits: Limits,
    /// The request path (defaults to the target's).
    pub path: Option<&'a str>,
    /// On TLS 1.3 with a CertificateRequest, wait briefly for a post-handshake alert before the
    /// request (see [`early_alert`]). Probes that judge client certificates need the alert; those
    /// that only need the HTTP answer skip the wait.
    pub await_alert: bool,
    /// The server name sent (SNI).
    pub sni: Sni,
    /// The `Host` header (HTTP/2 `:authority`) when not the target's.
    pub host: Option<String>,
    /// Headers beside the target's own extra headers (the header-spoofing probe's).
    pub headers: Vec<(http::HeaderName, http::HeaderValue)>,
    /// Headers of one request each, beside [`Self::headers`]: the connection's `i`th request
    /// also carries the `i`th set (the side doors' variants of one door on one keep-alive
    /// connection, [`run_paths`]: the forged headers' batches); empty: every request carries
    /// the same.
    pub headers_per_ask: &'a [Vec<(http::HeaderName, http::HeaderValue)>],
    /// A session store shared with another exchange (session resumption); none: never resumed.
    pub sessions: Option<Arc<tls::CrossNameSessions>>,
    /// Paces connection attempts to the host (see [`crate::permits::Permits::pacer`]).
    pub pacer: Option<Arc<Pacer>>,
    /// Judges whether the server may be sent the user's headers (see [`HeaderTrust`]); none:
    /// they are never sent, and an exchange that would carry them is unread.
    pub header_trust: Option<Arc<dyn HeaderTrust>>,
    /// The ALPN protocols offered: `h2` and `http/1.1` ([`Alpn::Both`]), `http/1.1` alone (the
    /// same request over the other HTTP version: a server may check the two apart), or none.
    pub alpn: Alpn,
    /// The request's method (GET but for the side doors that try another).
    pub method: http::Method,
    /// Told, as soon as the TLS handshake has ended (completed, or refused with the server's
    /// certificate in hand), the version offered and the chain the server sent, when the server
    /// asked for a client certificate; before any request. None: nobody listens.
    pub cert_asked: Option<CertAsked>,
    /// A path that answers a plain GET as a WebSocket path does ([`websocket::speaks_websocket`])
    /// is asked again as a WebSocket opening, its socket's first message the answer (the probes
    /// of the target's own path); off where only the plain answer matters (the configuration
    /// paths: a 426 there serves nothing).
    pub open_websockets: bool,
    /// Asks the path through an h2c tunnel ([`h2c`]): an HTTP/1.1 `Upgrade: h2c` on this path
    /// first, then, where the server switches protocols, the path over HTTP/2 on the upgraded
    /// connection. Needs [`Alpn::Http1Only`].
    pub h2c_via: Option<&'a str>,
    /// Every ask on the one connection while it stays open and answers each within
    /// [`LATER_ANSWER_WAIT`], however slowly (the keep-alive budget spills slow answers onto
    /// connections of their own), and over h2 each stream opened once the one before is answered
    /// (not side by side): for a door that is the connection itself (a check made once per
    /// connection).
    pub carry_all: bool,
    /// Each later ask on an HTTP/1.1 connection carries the cookies the connection's earlier
    /// answers set (a `Cookie` header, the later of a name winning, beside the ask's own), as a
    /// browser's would: for a check remembered in a session that counts only on the connection
    /// that opened it.
    pub carry_cookies: bool,
}

/// Where an exchange tells that the server asked for a client certificate (see
/// [`ExchangeSetup::cert_asked`]): the version offered and the chain the server sent.
pub type CertAsked = tokio::sync::mpsc::UnboundedSender<(TlsVersion, Vec<CertificateDer<'static>>)>;

/// Tells `to` (when set) that the server asked for a client certificate on the one version
/// offered, with the chain it sent, when the handshake `record` holds both.
fn tell_cert_asked(to: Option<&CertAsked>, versions: &[TlsVersion], record: &SharedRecord) {
    let (Some(to), [version]) = (to, versions) else {
        return;
    };
    let rec = record.lock();
    if rec.cert_requested && !rec.server_chain.is_empty() {
        let _ = to.send((*version, rec.server_chain.clone()));
    }
}

/// Whether a server may be sent the user's headers (`-H`: an API token, often): only one whose
/// certificate verifies for the target's name, as curl would send them. The scanner connects to
/// any server to see how it refuses; a token must not go to one that could be anybody (a
/// man in the middle with a certificate of its own). Implemented over the scan's trust anchors
/// by [`crate::checks::server_cert::HeaderTrustStore`].
pub trait HeaderTrust: Send + Sync {
    /// `Ok` when `chain` (leaf first, as served) verifies for `host` now; else why not.
    fn verifies(&self, chain: &[CertificateDer<'static>], host: &str) -> Result<(), String>;
}

/// How the reason an exchange's answer is unread begins when its request went without the
/// user's headers, because the server's certificate did not verify (see [`HeaderTrust`]).
pub const HEADERS_WITHHELD: &str = "the headers given with -H were not sent";

/// Why the user's headers may not go to the server `chain` comes from (`None`: they may, or
/// the request carries none).
pub async fn headers_withheld(
    target: &Target,
    trust: Option<&Arc<dyn HeaderTrust>>,
    chain: Vec<CertificateDer<'static>>,
) -> Option<String> {
    if target.headers.0.is_empty() {
        return None;
    }
    let why = match trust {
        None => Err("no trust anchors were set up for this exchange".to_owned()),
        // The anchors may still be loading on their own thread: judged off the async workers.
        Some(trust) => {
            let (trust, host) = (trust.clone(), target.host.clone());
            tokio::task::spawn_blocking(move || trust.verifies(&chain, &host))
                .await
                .unwrap_or_else(|e| Err(format!("the check failed: {e}")))
        }
    };
    why.err().map(|why| {
        format!(
            "{HEADERS_WITHHELD} and the certificate this connection got does not verify for {} \
             ({}): they go only to a server whose certificate does, never to another site's \
             certificate (a default server's) or a man in the middle; if the CA is yours, give \
             it with --ca-file (or reach an address by the certificate's name with --resolve)",
            target.host,
            sanitize(why.as_bytes(), 200)
        )
    })
}

/// The server name a probe sends.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Sni {
    /// The target's host (none for an IP address, as rustls never sends one).
    #[default]
    Target,
    /// Another name.
    Name(String),
    /// No server name at all.
    Omit,
}

impl<'a> ExchangeSetup<'a> {
    /// A plain exchange of one probe: the target's SNI and `Host`, no extra headers, no session.
    pub fn new(
        provider: &'a Arc<CryptoProvider>,
        versions: &'a [TlsVersion],
        chooser: Option<Arc<dyn CertChooser>>,
        limits: Limits,
    ) -> Self {
        Self {
            provider,
            versions,
            chooser,
            limits,
            path: None,
            await_alert: true,
            sni: Sni::Target,
            host: None,
            headers: Vec::new(),
            headers_per_ask: &[],
            sessions: None,
            pacer: None,
            header_trust: None,
            alpn: Alpn::Both,
            method: http::Method::GET,
            cert_asked: None,
            open_websockets: true,
            h2c_via: None,
            carry_all: false,
            carry_cookies: false,
        }
    }
}

/// Runs one exchange; the handshake facts land in `record`.
pub async fn run(
    target: &Target,
    setup: ExchangeSetup<'_>,
    record: &SharedRecord,
) -> ExchangeResult {
    let start = Instant::now();
    let Some((deadline, cut)) = setup.limits.budget() else {
        return Limits::expired_result();
    };
    // Reading stops a little before the deadline, so a slow body or a stalled connection task
    // still leaves the status (or the reason) in the result instead of a bare time-out.
    let now = tokio::time::Instant::now();
    let until = now
        .checked_add(deadline.saturating_sub(deadline / 8))
        .unwrap_or(now + Duration::from_secs(86_400));
    let path = setup.path.unwrap_or(&target.path);
    let mut result = match tokio::time::timeout(
        deadline,
        exchange(target, &setup, record, until, &[path]),
    )
    .await
    {
        Ok(r) => r.into_iter().next().unwrap_or_default(),
        Err(_) => {
            let requested = record.lock().cert_requested;
            let phase = if record.lock().server_chain.is_empty() {
                "before the server's certificate"
            } else {
                "after the handshake began"
            };
            ExchangeResult {
                outcome: Some(Outcome::Inconclusive),
                detail: Some(format!(
                    "{} after {} {phase}{}",
                    if cut { DEADLINE_EXPIRED } else { "timed out" },
                    crate::text::duration(deadline),
                    if requested {
                        " (a certificate had been requested)"
                    } else {
                        ""
                    }
                )),
                ..ExchangeResult::default()
            }
        }
    };
    result.elapsed = start.elapsed();
    not_presented(&mut result, record);
    result
}

/// When the probe's certificate was never presented (it could not be made, or its key makes
/// none of the schemes the server accepts), whatever the server did next says nothing about
/// that certificate: the result is inconclusive, and not worth another try (nor a confirmation
/// of a close without an alert: the next attempt would present nothing either).
fn not_presented(result: &mut ExchangeResult, record: &SharedRecord) {
    if let Some(reason) = record.lock().unpresented.clone() {
        result.outcome = Some(Outcome::Inconclusive);
        result.unpresentable = true;
        result.unconfirmed = false;
        result.detail = Some(format!("{UNPRESENTED}: {reason}"));
    }
}

/// How the detail of an exchange whose certificate was not presented begins.
pub const UNPRESENTED: &str = "the certificate could not be presented";

/// Runs one connection that asks for each of `paths` in turn (HTTP/1.1 keep-alive; HTTP/2
/// streams), with the setup's identity. Returns the answers of a prefix of `paths`: those the
/// connection could carry (a server that closes after one answer, or a body over the cap, ends
/// it); the caller asks for the rest on new connections. An exchange that fails before HTTP
/// returns that one result.
pub async fn run_paths(
    target: &Target,
    setup: ExchangeSetup<'_>,
    record: &SharedRecord,
    paths: &[String],
) -> Vec<ExchangeResult> {
    let start = Instant::now();
    let Some((deadline, cut)) = setup.limits.budget() else {
        return vec![Limits::expired_result()];
    };
    let now = tokio::time::Instant::now();
    let until = now
        .checked_add(deadline.saturating_sub(deadline / 8))
        .unwrap_or(now + Duration::from_secs(86_400));
    let asked: Vec<&str> = paths.iter().map(String::as_str).collect();
    let mut results =
        tokio::time::timeout(deadline, exchange(target, &setup, record, until, &asked))
            .await
            .unwrap_or_else(|_| {
                vec![ExchangeResult {
                    outcome: Some(Outcome::Inconclusive),
                    detail: Some(format!(
                        "{} after {}",
                        if cut { DEADLINE_EXPIRED } else { "timed out" },
                        crate::text::duration(deadline)
                    )),
                    ..ExchangeResult::default()
                }]
            });
    for r in &mut results {
        r.elapsed = start.elapsed();
        not_presented(r, record);
    }
    results
}

fn error(detail: impl Into<String>) -> ExchangeResult {
    ExchangeResult {
        outcome: Some(Outcome::Error),
        detail: Some(detail.into()),
        ..ExchangeResult::default()
    }
}

async fn exchange(
    target: &Target,
    setup: &ExchangeSetup<'_>,
    record: &SharedRecord,
    until: tokio::time::Instant,
    paths: &[&str],
) -> Vec<ExchangeResult> {
    // (Boxed: the exchange's future is large, and debug builds poll it on a test thread's stack.)
    let results = Box::pin(exchange_learning_the_wait(
        target, setup, record, until, paths,
    ))
    .await;
    // An h2 stream reset with `HTTP_1_1_REQUIRED` asks the client to use HTTP/1.1 (Apache with
    // `SSLVerifyClient require` in a `<Location>`: it cannot renegotiate over h2). curl does so,
    // and so does the scan: the same exchange again, offering HTTP/1.1 alone, on a fresh record,
    // its answer standing for the request (an audit's Apache, correct, stayed incomplete, exit 3,
    // in every mode). An exchange sharing a session store offers it again only where its first
    // handshake resumed (the server sent more than one ticket, or the retry's handshake is a full
    // one, which its result says: `resumed`); one whose first handshake was a full one (a
    // donor's, filling the store) is made again as a full one too, never resuming the ticket its
    // own first try just left there (an audit's Node server, which lets any resumed session in,
    // was called open through another SNI name where its door was the resumed session).
    let results = websocket_elsewhere(target, setup, record, until, paths, results).await;
    let required = results.iter().any(|r| r.http1_required);
    if !required || setup.alpn != Alpn::Both || tokio::time::Instant::now() >= until {
        return websocket_unread(setup, results);
    }
    let why = results
        .iter()
        .find(|r| r.http1_required)
        .and_then(|r| r.detail.clone())
        .unwrap_or_default();
    let resumed_first = results.iter().any(|r| r.resumed);
    let again = ExchangeSetup {
        cert_asked: None,
        alpn: Alpn::Http1Only,
        sessions: setup.sessions.clone().filter(|_| resumed_first),
        ..setup.clone()
    };
    let fresh = SharedRecord::default();
    let mut results = Box::pin(exchange_learning_the_wait(
        target, &again, &fresh, until, paths,
    ))
    .await;
    std::mem::swap(&mut *record.lock(), &mut *fresh.lock());
    for r in &mut results {
        r.detail = Some(match r.detail.take() {
            Some(d) => format!("{HTTP1_REQUIRED} ({why}); over HTTP/1.1: {d}"),
            None => format!("{HTTP1_REQUIRED} ({why}); asked over HTTP/1.1"),
        });
    }
    // The HTTP/1.1 answer may be a WebSocket path's too (a backend closing after its 426).
    let results = websocket_elsewhere(target, setup, record, until, paths, results).await;
    websocket_unread(setup, results)
}

/// A WebSocket path's answer to a plain GET ([`websocket::speaks_websocket`]) left standing
/// because no socket could be opened (the opening timed out, was reset, the deadline came): it
/// serves nothing and refuses nobody, so it is unread, never judged by its status (a 400 read as
/// the application's refusal, B, exit 0; a 426 as "another authentication may guard"). Not
/// where the exchange opens no sockets ([`ExchangeSetup::open_websockets`]: a 426 on a
/// configuration path serves nothing).
fn websocket_unread(
    setup: &ExchangeSetup<'_>,
    mut results: Vec<ExchangeResult>,
) -> Vec<ExchangeResult> {
    if !setup.open_websockets {
        return results;
    }
    for r in results
        .iter_mut()
        .filter(|r| r.speaks_websocket && r.informational_status.is_none())
    {
        r.outcome = Some(Outcome::Inconclusive);
        let said = r
            .detail
            .take()
            .map(|d| format!(" ({d})"))
            .unwrap_or_default();
        r.detail = Some(format!(
            "{} {}){said}, and no WebSocket opening could be read: what the path serves is unknown",
            websocket::OPENED_AS_WEBSOCKET,
            websocket_was(r)
        ));
    }
    results
}

/// A WebSocket path whose plain GET's answer closed the connection (Python `websockets`
/// answers 426 with `Connection: close`): the exchange again on a fresh connection, its GETs
/// WebSocket openings over HTTP/1.1 (h2 has no `Upgrade`), on a fresh record; each answer the
/// server switched protocols for stands ([`websocket::first_message`]), the others as they were.
async fn websocket_elsewhere(
    target: &Target,
    setup: &ExchangeSetup<'_>,
    record: &SharedRecord,
    until: tokio::time::Instant,
    paths: &[&str],
    results: Vec<ExchangeResult>,
) -> Vec<ExchangeResult> {
    let unopened = results
        .iter()
        .any(|r| r.speaks_websocket && r.informational_status.is_none());
    let asks_upgrade = setup
        .headers
        .iter()
        .chain(setup.headers_per_ask.iter().flatten())
        .any(|(n, _)| n == http::header::UPGRADE);
    if !unopened
        || !setup.open_websockets
        || asks_upgrade
        || setup.method != http::Method::GET
        || tokio::time::Instant::now() >= until
    {
        return results;
    }
    let resumed_first = results.iter().any(|r| r.resumed);
    let mut headers = setup.headers.clone();
    headers.extend(websocket::opening_headers());
    let again = ExchangeSetup {
        cert_asked: None,
        alpn: Alpn::Http1Only,
        sessions: setup.sessions.clone().filter(|_| resumed_first),
        headers,
        ..setup.clone()
    };
    // Only the WebSocket paths are asked again, each on a connection of its own (a server that
    // upgrades any path asking for it would answer another path's opening, and the socket ends
    // the connection's asks).
    let mut results = results;
    let mut replaced = false;
    for (i, path) in paths.iter().enumerate() {
        let unopened = results
            .get(i)
            .is_some_and(|r| r.speaks_websocket && r.informational_status.is_none());
        if !unopened || tokio::time::Instant::now() >= until {
            continue;
        }
        let fresh = SharedRecord::default();
        // (Alone on its connection, the path's request is the connection's first: its own
        // per-request headers are the first set.)
        let alone = ExchangeSetup {
            headers_per_ask: setup.headers_per_ask.get(i..=i).unwrap_or_default(),
            ..again.clone()
        };
        let opened = Box::pin(exchange_learning_the_wait(
            target,
            &alone,
            &fresh,
            until,
            std::slice::from_ref(path),
        ))
        .await;
        let (Some(mut o), Some(r)) = (opened.into_iter().next(), results.get_mut(i)) else {
            continue;
        };
        // Its answer stands where the server switched protocols, or answered the opening itself
        // (a 401 or 403 to it: Node `ws` `verifyClient`; a page of a server that speaks no
        // WebSocket and mentions the word), unless with a 426 again.
        let answered = o.informational_status == Some(101)
            || o.http_status.is_some_and(|st| st != UPGRADE_REQUIRED);
        if !answered {
            continue;
        }
        say_why_opened(&mut o, &websocket_was(r));
        *r = o;
        if !replaced {
            std::mem::swap(&mut *record.lock(), &mut *fresh.lock());
            replaced = true;
        }
    }
    results
}

/// How the detail of an exchange made again over HTTP/1.1 at the server's word begins.
pub const HTTP1_REQUIRED: &str = "over h2 the server reset the stream asking for HTTP/1.1";

/// [`exchange_once`], made again with the whole window where a shortened wait for an early alert
/// may have lost the server's refusal.
async fn exchange_learning_the_wait(
    target: &Target,
    setup: &ExchangeSetup<'_>,
    record: &SharedRecord,
    until: tokio::time::Instant,
    paths: &[&str],
) -> Vec<ExchangeResult> {
    let (results, shortened) = exchange_once(target, setup, record, until, paths).await;
    // (A stream held while another was answered is no refusal lost to the wait.)
    if !(shortened && results.iter().any(|r| r.http_status.is_none() && !r.held)) {
        return results;
    }
    // A request sent after a wait shortened to the refusals seen so far, and met by no answer:
    // the host's refusal may have come after it (a close read as no answer, an alert lost to a
    // reset). Every later wait on this host is the whole window, and this exchange, when it
    // left something unread, is made again at once with it, on a fresh record (no session store
    // shared, no second word to `cert_asked`): the first try does not count, so a refusal by a
    // bare close needs no more retry rounds than before the waits were learnt (an audit's server
    // closing 40 ms after the handshake: two extra rounds, 89 → 455 ms).
    if let Some(p) = setup.pacer.as_ref() {
        p.refusal_outran_the_window();
    }
    // A refusal read whole (its alert) stands: only what is unread is made again.
    let unread = results.iter().any(|r| {
        r.http_status.is_none() && (r.outcome != Some(Outcome::RefusedTls) || r.unconfirmed)
    });
    if !unread || setup.sessions.is_some() || tokio::time::Instant::now() >= until {
        return results;
    }
    let again = ExchangeSetup {
        cert_asked: None,
        ..setup.clone()
    };
    let fresh = SharedRecord::default();
    let (results, _) = exchange_once(target, &again, &fresh, until, paths).await;
    std::mem::swap(&mut *record.lock(), &mut *fresh.lock());
    results
}

/// One connection of [`exchange`], and whether its wait for an early alert was shortened to the
/// host's refusals ([`Pacer::alert_window`]).
async fn exchange_once(
    target: &Target,
    setup: &ExchangeSetup<'_>,
    record: &SharedRecord,
    until: tokio::time::Instant,
    paths: &[&str],
) -> (Vec<ExchangeResult>, bool) {
    match connect(target, setup, record).await {
        Ok(connected) => {
            let shortened = connected.shortened_wait;
            let results = ask_connected(connected, target, setup, until, paths).await;
            (results, shortened)
        }
        Err(failed) => (vec![failed], false),
    }
}

/// The requests of an exchange, on its connection: with the user's headers where the server may
/// be sent them.
async fn ask_connected(
    connected: Connected,
    target: &Target,
    setup: &ExchangeSetup<'_>,
    until: tokio::time::Instant,
    paths: &[&str],
) -> Vec<ExchangeResult> {
    let withheld = if sends_user_headers(target, setup) {
        let chain = connected.peer_chain();
        headers_withheld(target, setup.header_trust.as_ref(), chain).await
    } else {
        None
    };
    let Some(why) = withheld else {
        return ask_all(connected, target, setup, until, paths, true).await;
    };
    // Asked without them: a page served so is served (without the token, what the
    // server lets in is plainer still), and so is the TLS module's own refusal, answered
    // before any header is read (nginx's certificate page, 495/496); any other answer
    // may be for want of the headers (an application's "client certificate required"
    // may also want the token), so it is unread, and another try would end the same.
    let mut results = ask_all(connected, target, setup, until, paths, false).await;
    for r in &mut results {
        // The page read from the body itself where the exchange keeps no excerpt (the
        // configuration paths: review U's nginx `on` was incomplete with -H alone).
        let page = r
            .body_excerpt
            .clone()
            .filter(|e| !e.is_empty())
            .or_else(|| {
                (!r.body.is_empty()).then(|| String::from_utf8_lossy(&r.body).into_owned())
            });
        let judged = r.outcome == Some(Outcome::Served)
            || crate::checks::refusal::nginx_certificate_refusal(
                r.http_status,
                page.as_deref(),
                r.server_header.as_deref(),
            );
        if r.http_status.is_some() && !judged {
            r.outcome = Some(Outcome::Inconclusive);
            r.unpresentable = true;
            r.detail = Some(format!(
                "HTTP {} to a request sent without the headers given with -H: {why}",
                r.http_status.unwrap_or_default()
            ));
        }
    }
    results
}

/// Whether the exchange's requests carry the user's headers: those go only to the target's own
/// `Host`, never to the other names the side doors ask for (another site behind the same
/// certificate).
fn sends_user_headers(target: &Target, setup: &ExchangeSetup<'_>) -> bool {
    !target.headers.0.is_empty()
        && setup
            .host
            .as_deref()
            .is_none_or(|h| h.eq_ignore_ascii_case(&target.authority()))
}

/// Why a redirect is no answer the scan can judge: one to the asked path over plain `http://`
/// (any host or port) hands the resource to whoever follows it, where this scan, speaking HTTPS
/// alone, cannot look (an audit's server redirected clients without a certificate to its
/// plain-HTTP listener, which served the data to anyone: called enforced, B, exit 0); so does one
/// to the asked path on another port of the target's host over HTTPS (a listener of the same
/// server that may ask for no certificate: review A's was A, exit 0), which this scan does not
/// connect to (`target` is `host` and `port`).
fn downgraded(result: &ExchangeResult, asked_path: &str, target: (&str, u16)) -> Option<String> {
    let status = result.http_status.filter(|s| (300..400).contains(s))?;
    let location = result.location.as_deref()?;
    let scheme_of = |scheme: &str| {
        location
            .get(..scheme.len())
            .filter(|s| s.eq_ignore_ascii_case(scheme))
            .and_then(|_| location.get(scheme.len()..))
    };
    let (plain, rest) = match (scheme_of("http://"), scheme_of("https://")) {
        (Some(rest), _) => (true, rest),
        (None, Some(rest)) => (false, rest),
        (None, None) => return None,
    };
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let authority = rest.get(..end).unwrap_or_default();
    let path = rest
        .get(end..)
        .filter(|p| p.starts_with('/'))
        .unwrap_or("/");
    if !plain {
        // Another port of the target's own host (its name as asked, or its address), same path.
        let authority = authority.rsplit_once('@').map_or(authority, |(_, a)| a);
        let (host, port) = match authority.rsplit_once(':') {
            Some((h, p)) if !p.contains(']') => (h, p.parse::<u16>().ok()?),
            _ => return None,
        };
        let host = host.trim_start_matches('[').trim_end_matches(']');
        let (target_host, target_port) = target;
        let target_host = target_host.trim_start_matches('[').trim_end_matches(']');
        if port == target_port || !host.eq_ignore_ascii_case(target_host) {
            return None;
        }
    }
    let bare = |p: &str| {
        p.split(['?', '#'])
            .next()
            .unwrap_or(p)
            .trim_end_matches('/')
            .to_owned()
    };
    // A path asked in absolute form is compared by its path.
    let asked_path = if is_absolute_form(asked_path) {
        let rest = asked_path.split_once("://").map_or("", |(_, r)| r);
        rest.find('/').and_then(|at| rest.get(at..)).unwrap_or("/")
    } else {
        asked_path
    };
    let shown = crate::text::sanitize(location.as_bytes(), 200);
    (bare(path) == bare(asked_path)).then(|| {
        if plain {
            format!(
                "HTTP {status} to the same path over plain HTTP ({shown}): whoever follows it may \
                 be served there without a certificate, and this scan speaks HTTPS only. Stop \
                 redirecting clients without a certificate to plain HTTP (refuse them), or close \
                 the plain listener"
            )
        } else {
            format!(
                "HTTP {status} to the same path on another port of this host ({shown}): whoever \
                 follows it may be served there without a certificate, and this scan does not \
                 connect to that port. Scan it too (its URL as a target), or refuse clients \
                 without a certificate instead of sending them there"
            )
        }
    })
}

/// How much of a non-2xx answer's body is read at most (a page's: [`Limits::body_cap`]).
pub const REFUSAL_BODY_CAP: usize = 128 * 1024;

/// Extra connection attempts after the first when the SYN-ACK does not come (see
/// [`connect_tcp`]); the last one waits for the exchange's deadline.
const CONNECT_RETRIES: u32 = 4;

/// Connects, at most [`crate::permits::CONNECTS_PER_HOST`] attempts at once per host, and tries
/// again when the SYN-ACK does not come within the pacer's [`Pacer::retry_after`] (doubling each
/// time, [`CONNECT_RETRIES`] times): a SYN the server dropped (a full listen backlog) is otherwise
/// resent by the kernel only after a second. The wait is read again while an attempt waits, so it
/// shrinks as soon as another connect to the host shows how fast it answers. An attempt tried
/// again is kept, the first to complete taken (review V: a host 300 ms away had each attempt
/// dropped at 250 ms for a new one, every connect made twice and 250 ms late). A refusal (RST)
/// is final at once.
async fn connect_tcp(
    addr: (String, u16),
    pacer: Option<&Arc<Pacer>>,
) -> std::io::Result<TcpStream> {
    use futures_util::StreamExt as _;
    let addr = addresses(&addr).await?;
    let addr = addr.as_slice();
    let _slot = match pacer {
        Some(p) => p.slot().await,
        None => None,
    };
    let retry_after = || pacer.map_or(crate::permits::FIRST_RETRY_AFTER, |p| p.retry_after());
    let attempt = |began: Instant| async move { (TcpStream::connect(addr).await, began) };
    let mut attempts = futures_util::stream::FuturesUnordered::new();
    let mut newest = Instant::now();
    attempts.push(attempt(newest));
    let mut retry = 0;
    loop {
        // The last attempt waits for the exchange's deadline, with those before it.
        let nap = if retry >= CONNECT_RETRIES {
            None
        } else {
            let waited = newest.elapsed();
            let limit = retry_after() * 2u32.pow(retry);
            if waited >= limit {
                tracing::debug!(target: "probe_core::timing", retry, waited_ms = ms(waited), "connect: no SYN-ACK, trying again");
                retry += 1;
                newest = Instant::now();
                attempts.push(attempt(newest));
                continue;
            }
            // Wake at the limit, or a little sooner to read it again while it is still the
            // first guess (another connect may complete meanwhile and make it shorter).
            Some(limit.saturating_sub(waited).min(Duration::from_millis(5)))
        };
        let next = match nap {
            Some(nap) => match tokio::time::timeout(nap, attempts.next()).await {
                Ok(next) => next,
                Err(_) => continue,
            },
            None => attempts.next().await,
        };
        let Some((result, began)) = next else {
            // Never empty while it waits (an attempt is pushed before each wait).
            return TcpStream::connect(addr).await;
        };
        if result.is_ok() {
            if let Some(p) = pacer {
                p.completed(began.elapsed());
            }
        }
        return result;
    }
}

/// Host names looked up at most this many per process; past it, each connection looks its own up.
const ADDRESSES_KEPT: usize = 4096;

/// A lookup's outcome, kept: the addresses, or the error's kind and words.
type Lookup = Result<Vec<std::net::SocketAddr>, (std::io::ErrorKind, String)>;

/// The lookups kept, by host and port.
type Kept =
    std::sync::Mutex<std::collections::HashMap<(String, u16), Arc<tokio::sync::OnceCell<Lookup>>>>;

/// The addresses of `host:port`: an address as it is; a name looked up once per process, every
/// probe of a target sharing the answer. Before, each connection looked the name up inside its
/// connect attempt, whose SYN-ACK wait then timed the lookup too: a name that did not resolve
/// was looked up again and again (about 0.4 s a target, 86 s for 158 dead names in an audit's
/// fleet); its failure now ends every probe of the target at once.
pub(crate) async fn addresses(addr: &(String, u16)) -> std::io::Result<Vec<std::net::SocketAddr>> {
    use std::sync::{Mutex, OnceLock};
    if let Ok(ip) = addr.0.parse::<std::net::IpAddr>() {
        return Ok(vec![std::net::SocketAddr::new(ip, addr.1)]);
    }
    static KEPT: OnceLock<Kept> = OnceLock::new();
    let cell = {
        let mut kept = KEPT
            .get_or_init(Mutex::default)
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        match kept.get(addr) {
            Some(cell) => Some(cell.clone()),
            None if kept.len() < ADDRESSES_KEPT => {
                let cell = Arc::new(tokio::sync::OnceCell::new());
                kept.insert(addr.clone(), cell.clone());
                Some(cell)
            }
            None => None,
        }
    };
    let look = || async {
        match tokio::net::lookup_host(addr.clone()).await {
            Ok(found) => {
                let found: Vec<std::net::SocketAddr> = found.collect();
                if found.is_empty() {
                    Err((
                        std::io::ErrorKind::NotFound,
                        format!("{} has no address", addr.0),
                    ))
                } else {
                    Ok(found)
                }
            }
            Err(e) => Err((e.kind(), format!("failed to look up {}: {e}", addr.0))),
        }
    };
    let found = match cell {
        Some(cell) => cell.get_or_init(look).await.clone(),
        None => look().await,
    };
    found.map_err(|(kind, words)| std::io::Error::new(kind, words))
}

/// A TLS connection ready for HTTP, and what its handshake showed.
struct Connected {
    tls: Yielding<TlsStream<TcpStream>>,
    alpn: Option<String>,
    h2: bool,
    version: Option<TlsVersion>,
    resumed: bool,
    /// The wait for an early alert was shorter than the transport's window, learnt from the
    /// host's refusals ([`Pacer::alert_window`]).
    shortened_wait: bool,
    _closer: Closer,
}

impl Connected {
    /// The server's chain as the connection holds it (a resumed session keeps the one of its
    /// first handshake), at most [`tls::MAX_CHAIN`] certificates.
    fn peer_chain(&self) -> Vec<CertificateDer<'static>> {
        self.tls
            .inner
            .get_ref()
            .1
            .peer_certificates()
            .unwrap_or_default()
            .iter()
            .take(tls::MAX_CHAIN)
            .cloned()
            .collect()
    }
}

/// TCP connect, the TLS handshake, and on TLS 1.3 with a CertificateRequest the wait for an early
/// alert; a failure is the exchange's result.
async fn connect(
    target: &Target,
    setup: &ExchangeSetup<'_>,
    record: &SharedRecord,
) -> Result<Connected, ExchangeResult> {
    let config = match tls::client_config(
        setup.provider,
        setup.versions,
        setup.chooser.clone(),
        record,
        (setup.sni != Sni::Omit, setup.alpn),
        setup.sessions.clone(),
    ) {
        Ok(c) => c,
        Err(e) => return Err(error(format!("TLS configuration: {e}"))),
    };
    let server_name = match &setup.sni {
        Sni::Name(name) => rustls_pki_types::ServerName::try_from(name.clone())
            .map_err(|e| format!("{name:?} is not a server name: {e}")),
        Sni::Target | Sni::Omit => target.server_name().map_err(|e| e.to_string()),
    };
    let server_name = match server_name {
        Ok(n) => n,
        Err(e) => return Err(error(e)),
    };
    let connecting = Instant::now();
    let tcp = match connect_tcp(target.connect_addr(), setup.pacer.as_ref()).await {
        Ok(s) => s,
        Err(e) => {
            return Err(error(format!(
                "cannot connect to {}: {e}",
                target.host_port()
            )))
        }
    };
    let _ = tcp.set_nodelay(true);
    let (tcp, _closer) = match closable(tcp) {
        Ok(pair) => pair,
        Err(e) => return Err(error(format!("socket setup failed: {e}"))),
    };
    let connected = connecting.elapsed();
    let handshake = TlsConnector::from(Arc::new(config))
        .connect(server_name, tcp)
        .await;
    tell_cert_asked(setup.cert_asked.as_ref(), setup.versions, record);
    let tls = match handshake {
        Ok(t) => t,
        Err(e) => return Err(handshake_failed(&e, record)),
    };
    tracing::debug!(
        target: "probe_core::timing",
        tcp_ms = ms(connected),
        handshake_ms = ms(connecting.elapsed().saturating_sub(connected)),
        "connected"
    );
    let (alpn, negotiated_h2, version, resumed) = {
        let conn = tls.get_ref().1;
        let resumed = conn.handshake_kind() == Some(rustls::HandshakeKind::Resumed);
        let alpn = conn
            .alpn_protocol()
            .map(|p| String::from_utf8_lossy(p).into_owned());
        let h2 = conn.alpn_protocol() == Some(b"h2".as_slice());
        let version = match conn.protocol_version() {
            Some(rustls::ProtocolVersion::TLSv1_3) => Some(TlsVersion::Tls13),
            Some(rustls::ProtocolVersion::TLSv1_2) => Some(TlsVersion::Tls12),
            _ => None,
        };
        (alpn, h2, version, resumed)
    };
    let mut shortened_wait = false;
    let tls = if setup.await_alert
        && version == Some(TlsVersion::Tls13)
        && record.lock().cert_requested
    {
        let ticket = record.lock().ticket.clone();
        // The handshake's own time (about a round trip and the server's work), not the wait for a
        // connection slot or a retried SYN: the window stays as short as the server allows.
        let handshake = connecting.elapsed().saturating_sub(connected);
        // At most half a second, but never less than two handshakes' time: a server half a
        // second away answers the certificate a round trip after the handshake (an audit's Node
        // and JDK refusals by a bare close, 500 ms away, came after the request and were unread).
        let full = (handshake * 5 + Duration::from_millis(50))
            .min(Duration::from_millis(500))
            .max(handshake.saturating_mul(2) + Duration::from_millis(50));
        match early_alert(tls, (full, handshake), &ticket, setup.pacer.as_deref()).await {
            Ok((stream, shortened)) => {
                shortened_wait = shortened;
                stream
            }
            Err(mut refused) => {
                refused.alpn = alpn;
                refused.tls_version = version;
                return Err(refused);
            }
        }
    } else {
        Yielding::new(tls)
    };
    Ok(Connected {
        tls,
        alpn,
        h2: negotiated_h2,
        version,
        resumed,
        shortened_wait,
        _closer,
    })
}

/// Asks for each path on the connection; the first answer's head is read by hand when the HTTP
/// client rejects it (see [`status_line`]).
async fn ask_all(
    connected: Connected,
    target: &Target,
    setup: &ExchangeSetup<'_>,
    until: tokio::time::Instant,
    paths: &[&str],
    user_headers: bool,
) -> Vec<ExchangeResult> {
    let Connected {
        tls,
        alpn,
        h2,
        version,
        resumed,
        shortened_wait: _,
        _closer,
    } = connected;
    let captured = tls.capture.clone();
    let authority = setup.host.clone().unwrap_or_else(|| target.authority());
    let own_host = user_headers && sends_user_headers(target, setup);
    let headers: Vec<(http::HeaderName, http::HeaderValue)> = target
        .headers
        .0
        .iter()
        .filter(|_| own_host)
        .chain(&setup.headers)
        .cloned()
        .collect();
    let asks: Vec<Ask<'_>> = paths
        .iter()
        .enumerate()
        .map(|(i, path)| Ask {
            method: setup.method.clone(),
            authority: authority.clone(),
            path,
            headers: headers
                .iter()
                .chain(setup.headers_per_ask.get(i).into_iter().flatten())
                .cloned()
                .collect(),
        })
        .collect();
    let mut results = if let (Some(via), false, Some(ask)) = (setup.h2c_via, h2, asks.first()) {
        vec![h2c_through_tunnel(tls, via, ask, &setup.limits, until).await]
    } else if h2 {
        let carry = (setup.carry_all, setup.carry_cookies);
        http2(tls, &asks, &setup.limits, until, carry).await
    } else {
        http1(tls, &asks, setup, until).await
    };
    for (i, result) in results.iter_mut().enumerate() {
        // (An h2c tunnel's answer keeps its own: `h2c`.)
        if result.h2c != Some(h2c::Tunnel::Opened) {
            result.alpn = alpn.clone();
        }
        result.tls_version = version;
        result.resumed = resumed;
        // (An answer of the h2c upgrade's path is no answer of the asked path's.)
        let own_path = result.h2c.is_none();
        if let Some(why) = asks
            .get(i)
            .filter(|_| own_path)
            .and_then(|ask| downgraded(result, ask.path, (&target.host, target.port)))
        {
            result.outcome = Some(Outcome::Inconclusive);
            result.detail = Some(why);
        }
        if result.outcome.is_some() {
            continue;
        }
        // No HTTP answer. A status line the HTTP client rejected is still an answer.
        let head = if i == 0 {
            captured.lock().map(|c| c.clone()).unwrap_or_default()
        } else {
            Vec::new()
        };
        match status_line(&head) {
            Some(status) if not_a_final_status(status).is_some() => {
                result.outcome = Some(Outcome::Inconclusive);
                result.detail = not_a_final_status(status);
                result.informational_status = (100..200).contains(&status).then_some(status);
            }
            Some(status) => {
                let why = result.detail.take().unwrap_or_default();
                result.http_status = Some(status);
                result.outcome = Some(classify_status(status));
                result.detail = Some(format!(
                    "{HEAD_REJECTED} ({why}); its status line was read directly"
                ));
            }
            None => {
                result.outcome = Some(no_answer_outcome(result));
                // (Over h2 the bytes are frames, not an HTTP/1 head: nothing to quote.)
                if !head.is_empty()
                    && result.alert.is_none()
                    && result.alpn.as_deref() != Some("h2")
                {
                    let began = sanitize(&head, 40);
                    let detail = result.detail.get_or_insert_with(String::new);
                    detail.push_str(&format!(
                        "; the answer is no HTTP response (it began with \"{began}\")"
                    ));
                }
            }
        }
    }
    // A server that echoes the user's header (a token) must not put it in the report.
    for result in &mut results {
        redact_header_values(result, &target.headers);
    }
    results
}

/// The scheme name a `WWW-Authenticate` value opens with (`Bearer realm="x"` → `Bearer`): an
/// RFC 9110 token of at most 40 characters, else nothing (its parameters are never kept: a
/// server may put anything there).
pub fn auth_scheme(value: &[u8]) -> Option<String> {
    let scheme: Vec<u8> = value
        .iter()
        .copied()
        .skip_while(u8::is_ascii_whitespace)
        .take_while(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(b))
        .take(41)
        .collect();
    (1..=40)
        .contains(&scheme.len())
        .then(|| String::from_utf8_lossy(&scheme).into_owned())
}

/// Replaces every value of the user's headers (4 characters or more) in the text kept from the
/// server (body excerpt, `Server` header, detail) with `<redacted>`.
fn redact_header_values(result: &mut ExchangeResult, headers: &crate::target::ExtraHeaders) {
    for text in [
        result.body_excerpt.as_mut(),
        result.server_header.as_mut(),
        result.via.as_mut(),
        result.powered_by.as_mut(),
        result.location.as_mut(),
        result.detail.as_mut(),
    ]
    .into_iter()
    .flatten()
    {
        redact_secrets(text, headers);
    }
}

/// Replaces in `text` every value of the user's headers, and the credential after an auth scheme
/// (`Bearer xyz` → `xyz`), 4 characters or more, with `<redacted>`: a server that echoes the
/// token must not put it in a report.
pub(crate) fn redact_secrets(text: &mut String, headers: &crate::target::ExtraHeaders) {
    let secrets = headers.secret_values();
    for secret in &secrets {
        // In any case of its letters: a server may echo a header upper-cased (a debug page,
        // a WAF's report); base64 and percent escapes are caught so too (over-redacting is safe).
        *text = replace_ignoring_ascii_case(text, secret, "<redacted>");
    }
    redact_cut_secrets(text, &secrets);
    redact_secret_tails(text, &secrets);
}

/// The shortest end of a secret that is redacted where it stands alone ([`redact_secret_tails`]):
/// a server masking a token shows its last 4 characters, which prove nothing.
const SECRET_TAIL_CHARS: usize = 8;

/// A server that echoes only the second half of a secret (review Z: the token's end, after a
/// prefix of its own) shows its end: each end of a secret, [`SECRET_TAIL_CHARS`] characters or
/// more and shorter than the whole (the whole is already replaced), is replaced with `<redacted>`
/// wherever it stands, in any case of its letters. Found by its last 8 characters, then stretched
/// back as far as the secret's characters go on.
pub(crate) fn redact_secret_tails(text: &mut String, secrets: &[String]) {
    for secret in secrets {
        let secret = secret.to_ascii_lowercase();
        let Some(tail) = secret
            .len()
            .checked_sub(SECRET_TAIL_CHARS)
            .filter(|&at| at > 0)
            .and_then(|at| secret.get(at..))
        else {
            continue;
        };
        let hay = text.to_ascii_lowercase();
        // Each place the tail ends, stretched back over the secret's characters.
        let mut ranges: Vec<(usize, usize)> = Vec::new();
        // Overlapping places too (a secret repeating itself).
        let mut from = 0;
        while let Some(found) = hay.get(from..).and_then(|rest| rest.find(tail)) {
            let at = from + found;
            from = at
                + hay
                    .get(at..)
                    .and_then(|r| r.chars().next())
                    .map_or(1, char::len_utf8);
            let end = at + tail.len();
            let mut start = at;
            let mut taken = tail.len();
            while taken < secret.len()
                && start > 0
                && hay.as_bytes().get(start - 1) == secret.as_bytes().get(secret.len() - taken - 1)
            {
                start -= 1;
                taken += 1;
            }
            if hay.is_char_boundary(start) && hay.is_char_boundary(end) {
                ranges.push((start, end));
            }
        }
        // From the last; a range stretched back over one before it stops where that began.
        let mut limit = text.len();
        for (start, end) in ranges.into_iter().rev() {
            let end = end.min(limit);
            if start < end {
                text.replace_range(start..end, "<redacted>");
                limit = start;
            }
        }
    }
}

/// An excerpt cut inside an echoed secret ends with its start, at the end of `text` or before the
/// `"` that closes a quote of it (`it began with "…Bearer SECRETTOK"`: review Z's server echoing
/// the token 20 bytes into a non-HTTP answer): each such start of a secret, 4 characters or more,
/// is replaced with `<redacted>` too.
pub(crate) fn redact_cut_secrets(text: &mut String, secrets: &[String]) {
    let mut ends: Vec<usize> = text.match_indices('"').map(|(i, _)| i).collect();
    ends.push(text.len());
    // From the last, so that a replacement leaves the places before it as they were.
    for end in ends.into_iter().rev() {
        let cut = secrets
            .iter()
            .filter_map(|secret| {
                (4..secret.len())
                    .rev()
                    .filter_map(|k| secret.get(..k))
                    .find(|start| {
                        end >= start.len()
                            && text
                                .get(end - start.len()..end)
                                .is_some_and(|before| before.eq_ignore_ascii_case(start))
                    })
                    .map(str::len)
            })
            .max();
        if let Some(len) = cut {
            text.replace_range(end - len..end, "<redacted>");
        }
    }
}

/// `text` with every `needle` replaced by `with`, ASCII letters matched in either case. (ASCII
/// case mapping keeps every byte's place, so the places found in the lower-cased copy are the
/// original's.)
pub(crate) fn replace_ignoring_ascii_case(text: &str, needle: &str, with: &str) -> String {
    if needle.is_empty() {
        return text.to_owned();
    }
    let (hay, pin) = (text.to_ascii_lowercase(), needle.to_ascii_lowercase());
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    while let Some(found) = hay.get(at..).and_then(|rest| rest.find(&pin)) {
        let start = at + found;
        out.push_str(text.get(at..start).unwrap_or_default());
        out.push_str(with);
        at = start + pin.len();
    }
    out.push_str(text.get(at..).unwrap_or_default());
    out
}

/// Informational (1xx) answers skipped before a final one at most; more is no answer.
pub(crate) const MAX_INFORMATIONAL: usize = 16;

/// True for an informational status the final answer follows (`100 Continue`, `103 Early
/// Hints`, …); `101 Switching Protocols` ends the exchange, so it is final here.
pub(crate) fn is_informational(status: u16) -> bool {
    (100..200).contains(&status) && status != 101
}

/// The status code of the final HTTP/1.x answer at the start of `head`, read by hand for answers
/// the HTTP client rejects (a malformed header, an oversized head): informational answers
/// (`103 Early Hints`) are skipped, as the HTTP client skips them. Anything else, or no final
/// answer within `head`, is `None`.
fn status_line(head: &[u8]) -> Option<u16> {
    let mut rest = head;
    for _ in 0..=MAX_INFORMATIONAL {
        let status = one_status_line(rest)?;
        if !is_informational(status) {
            return Some(status);
        }
        let end = find(rest, b"\r\n\r\n")
            .map(|i| i + 4)
            .or_else(|| find(rest, b"\n\n").map(|i| i + 2))?;
        rest = rest.get(end..)?;
    }
    None
}

/// Where `needle` first starts in `hay`.
fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// The status code of the HTTP/1.x status line at the start of `head`.
fn one_status_line(head: &[u8]) -> Option<u16> {
    let rest = head
        .strip_prefix(b"HTTP/1.1 ")
        .or_else(|| head.strip_prefix(b"HTTP/1.0 "))?;
    let digits = rest.get(..3)?;
    let after = rest.get(3).copied();
    if !digits.iter().all(u8::is_ascii_digit) || !matches!(after, Some(b' ' | b'\r' | b'\n')) {
        return None;
    }
    std::str::from_utf8(digits).ok()?.parse().ok()
}

/// TLS 1.3 servers judge the client certificate after the handshake and answer with an alert. If
/// the request is written first, servers that close without reading it (Go, Python) make the
/// kernel reset the connection and the alert is lost. So, when a certificate was requested, wait
/// for the server's first word: an alert (refused), or a NewSessionTicket (accepted: most servers
/// send one right after our Finished). A server that sends neither costs the whole window:
/// five times the TLS handshake's time plus 50 ms, at most 500 ms, or less once the host has been
/// seen refusing (see [`Pacer::alert_window`]: each refusal here is told to `pacer`). It is not
/// longer, not even on a retry: a server that accepted the certificate, sends no ticket and
/// closes idle connections within the window would read as refusing it (a false pass; the short
/// window makes that rare, it does not rule it out). A server slower than the window to refuse
/// gets the request first, its refusal arrives as a reset, and the probe is inconclusive: loud,
/// never a pass. Whatever the server sends unprompted meanwhile (an h2 SETTINGS frame) is
/// replayed to HTTP.
async fn early_alert(
    mut tls: TlsStream<TcpStream>,
    (full, handshake): (Duration, Duration),
    ticket: &tokio::sync::Notify,
    pacer: Option<&Pacer>,
) -> Result<(Yielding<TlsStream<TcpStream>>, bool), ExchangeResult> {
    use tokio::io::AsyncReadExt as _;
    /// How the wait ended.
    enum Waited {
        Read(std::io::Result<usize>),
        Ticket,
        Window,
    }
    let mut buf = vec![0u8; 16 * 1024];
    let waiting = tokio::time::Instant::now();
    let window = || pacer.map_or(full, |p| p.alert_window(full, handshake));
    let mut wait = window();
    // Ends on the first of: an alert or data (the read), a session ticket (the server accepted our
    // Finished: go on at once), or the window, which follows what the host's other connections
    // teach meanwhile (a refusal seen on one shortens the wait of those beside it). The read is
    // cancel-safe: records it processed stay buffered in rustls.
    let waited = {
        let mut reading = std::pin::pin!(tls.read(&mut buf));
        loop {
            let learnt = async {
                match pacer {
                    Some(p) => p.refusal_learnt().await,
                    None => std::future::pending().await,
                }
            };
            // In this order: after a stall (a key made in place on a current-thread runtime,
            // a busy worker) the alert that arrived meanwhile is read, not the window's end.
            tokio::select! {
                biased;
                r = &mut reading => break Waited::Read(r),
                () = ticket.notified() => break Waited::Ticket,
                () = tokio::time::sleep_until(waiting + wait) => break Waited::Window,
                () = learnt => wait = window(),
            }
        }
    };
    let refused_after = waiting.elapsed();
    tracing::debug!(
        target: "probe_core::timing",
        waited_ms = ms(refused_after),
        window_ms = ms(wait),
        full_window_ms = ms(full),
        ended = match &waited {
            Waited::Window => "window",
            Waited::Ticket => "ticket",
            Waited::Read(Ok(0)) => "close",
            Waited::Read(Ok(_)) => "data",
            Waited::Read(Err(_)) => "error",
        },
        "early alert"
    );
    let learn = || {
        if let Some(p) = pacer {
            p.refused_after(refused_after);
        }
    };
    match waited {
        Waited::Ticket => Ok((Yielding::new(tls), false)),
        Waited::Window => Ok((Yielding::new(tls), wait < full)),
        Waited::Read(Ok(0)) => {
            learn();
            Err(ExchangeResult {
                outcome: Some(Outcome::RefusedTls),
                unconfirmed: true,
                detail: Some(
                    "the server closed the connection right after the handshake, without an \
                     alert and before any request"
                        .into(),
                ),
                ..ExchangeResult::default()
            })
        }
        Waited::Read(Ok(n)) => {
            let got = Bytes::copy_from_slice(buf.get(..n).unwrap_or_default());
            Ok((Yielding::with_prefix(tls, got), false))
        }
        // Data the server wrote before its alert (a page sent before the request, then the
        // alert: an audit's Python server): what it sent is unread, never a refusal.
        Waited::Read(Err(e)) if left_in_tls(&mut tls) > 0 => Err(ExchangeResult {
            outcome: Some(Outcome::Inconclusive),
            detail: Some(format!(
                "the server sent data before any request, then {}: what it sent first is no \
                 refusal, and it was not read as an answer",
                describe_error(&e)
            )),
            ..ExchangeResult::default()
        }),
        Waited::Read(Err(e)) => {
            learn();
            let alert = find_tls_error(&e).as_ref().and_then(alert_name);
            Err(ExchangeResult {
                outcome: Some(Outcome::RefusedTls),
                unconfirmed: alert.is_none(),
                detail: Some(format!(
                    "refused right after the handshake, before any request: {}",
                    describe_error(&e)
                )),
                alert,
                ..ExchangeResult::default()
            })
        }
    }
}

/// Milliseconds, for the timing events (`RUST_LOG=probe_core::timing=debug`).
pub(crate) fn ms(d: Duration) -> f64 {
    (d.as_secs_f64() * 1e5).round() / 100.0
}

/// A handshake that failed: the server refused, does not speak the version, or is not TLS.
fn handshake_failed(err: &std::io::Error, record: &SharedRecord) -> ExchangeResult {
    let rec = record.lock();
    let tls_err = find_tls_error(err);
    let alert = tls_err.as_ref().and_then(alert_name);
    let reached_server = !rec.server_chain.is_empty() || rec.cert_requested;
    let mut r = ExchangeResult {
        alert: alert.clone(),
        ..ExchangeResult::default()
    };
    if reached_server {
        match &tls_err {
            // Our side stopped on what the server sent (unreadable, oversized, a certificate its
            // signature cannot be checked against): nothing was refused.
            Some(e) if alert.is_none() => {
                return error(format!("{}: {}", unreadable(e), describe_error(err)));
            }
            // Closed without an alert and before any certificate was asked for: a broken
            // handshake, not a refusal of one.
            None if !rec.cert_requested => {
                return error(format!(
                    "the connection closed during the handshake, before any client certificate \
                     was requested: {}",
                    describe_error(err)
                ));
            }
            _ => {}
        }
        r.outcome = Some(Outcome::RefusedTls);
        if alert.is_none() {
            r.unconfirmed = true;
            r.detail = Some(format!(
                "connection ended during the handshake, after the CertificateRequest, without \
                 an alert: {}",
                describe_error(err)
            ));
        }
        return r;
    }
    let version_refusal = matches!(
        tls_err,
        Some(rustls::Error::AlertReceived(
            rustls::AlertDescription::ProtocolVersion
                | rustls::AlertDescription::HandshakeFailure
                | rustls::AlertDescription::InsufficientSecurity
        )) | Some(rustls::Error::PeerIncompatible(_))
    );
    if version_refusal {
        r.outcome = Some(Outcome::UnsupportedVersion);
        r.detail = Some(format!(
            "refused before its certificate: {}",
            describe_error(err)
        ));
    } else {
        // A close or reset before the server's first flight (a connection limit, a dropped
        // burst) may not happen again: inconclusive, so it is retried. A server that is no TLS
        // server, or a handshake our side broke off, is an error that repeats.
        let dropped = tls_err.is_none()
            && matches!(
                err.kind(),
                std::io::ErrorKind::UnexpectedEof
                    | std::io::ErrorKind::ConnectionReset
                    | std::io::ErrorKind::ConnectionAborted
                    | std::io::ErrorKind::BrokenPipe
            );
        r.outcome = Some(if dropped {
            Outcome::Inconclusive
        } else {
            Outcome::Error
        });
        r.detail = Some(match tls_err {
            Some(
                ref e @ rustls::Error::InvalidMessage(
                    rustls::InvalidMessage::HandshakePayloadTooLarge,
                ),
            ) => {
                format!("{}: {}", unreadable(e), describe_error(err))
            }
            Some(rustls::Error::InvalidMessage(_))
            | Some(rustls::Error::InappropriateMessage { .. }) => {
                format!("not a TLS server: {}", describe_error(err))
            }
            _ => format!(
                "{}: {}",
                crate::facts::CLOSED_BEFORE_SERVER_CERTIFICATE,
                describe_error(err)
            ),
        });
    }
    r
}

/// Why our side could not go on with the server's handshake.
fn unreadable(e: &rustls::Error) -> &'static str {
    match e {
        rustls::Error::InvalidMessage(rustls::InvalidMessage::HandshakePayloadTooLarge) => {
            "the server sent a handshake message too large to read (over 64 KiB: an oversized certificate or chain)"
        }
        rustls::Error::InvalidCertificate(_) => {
            "the server's handshake signature could not be checked against its certificate (malformed or unsupported certificate)"
        }
        rustls::Error::InvalidMessage(_)
        | rustls::Error::InappropriateMessage { .. }
        | rustls::Error::InappropriateHandshakeMessage { .. }
        | rustls::Error::PeerMisbehaved(_) => "the server broke the TLS handshake",
        _ => "the TLS handshake failed on our side",
    }
}

/// A second handle on the probe's socket that shuts it down when the exchange ends, or is
/// dropped at its deadline. hyper's HTTP/2 client drives the connection in tasks of its own
/// (spawned on the executor, out of our reach): without this, a server that never answers keeps
/// them, and the socket, alive after the probe is over.
struct Closer(std::net::TcpStream);

impl Drop for Closer {
    fn drop(&mut self) {
        let _ = self.0.shutdown(std::net::Shutdown::Both);
    }
}

fn closable(tcp: TcpStream) -> std::io::Result<(TcpStream, Closer)> {
    let std = tcp.into_std()?;
    let closer = Closer(std.try_clone()?);
    Ok((TcpStream::from_std(std)?, closer))
}

/// Bytes the HTTP connection task reads in one poll at most before it yields.
const READ_PER_POLL: usize = 16 * 1024;

/// The TLS stream as the HTTP connection task reads it: after [`READ_PER_POLL`] bytes in one
/// poll, it yields. A server that floods frames (SETTINGS, PINGs, CONTINUATION) can otherwise
/// keep one poll busy for hundreds of milliseconds, and every other probe on that runtime worker
/// (other targets' included) then misses its deadline.
/// It also replays bytes read before HTTP started (see [`early_alert`]).
/// It keeps the first [`CAPTURE_CAP`] bytes it hands over, so an answer the HTTP client rejects
/// can still be read (its status line).
struct Yielding<S> {
    inner: S,
    read_in_poll: usize,
    prefix: Bytes,
    capture: Arc<std::sync::Mutex<Vec<u8>>>,
    /// A read error held back while the plaintext decrypted before it is handed over.
    held: Option<std::io::Error>,
}

/// Whether `tls` held decrypted bytes no read had taken (taken now; at most 1 KB of them).
fn left_in_tls(tls: &mut TlsStream<TcpStream>) -> usize {
    let mut bytes = [0u8; 1024];
    tls.take_plaintext(&mut ReadBuf::new(&mut bytes))
}

/// A stream whose decrypted bytes may outlive a read error: rustls decrypts a record holding
/// the answer, then meets the server's fatal alert in the same read, and tokio-rustls returns
/// the alert before handing over the answer (an audit's Python server wrote the page and a
/// `certificate_required` alert in one write: the page was read as a refusal, A, exit 0).
trait Plaintext {
    /// Moves decrypted bytes not read yet into `buf`; how many.
    fn take_plaintext(&mut self, buf: &mut ReadBuf<'_>) -> usize;
}

impl Plaintext for TlsStream<TcpStream> {
    fn take_plaintext(&mut self, buf: &mut ReadBuf<'_>) -> usize {
        use std::io::Read as _;
        let dst = buf.initialize_unfilled();
        match self.get_mut().1.reader().read(dst) {
            Ok(n) => {
                buf.advance(n);
                n
            }
            Err(_) => 0,
        }
    }
}

/// Bytes of the server's first answer kept for reading a status line by hand.
const CAPTURE_CAP: usize = 512;

impl<S> Yielding<S> {
    fn new(inner: S) -> Self {
        Self::with_prefix(inner, Bytes::new())
    }

    fn with_prefix(inner: S, prefix: Bytes) -> Self {
        Self {
            inner,
            read_in_poll: 0,
            prefix,
            capture: Arc::default(),
            held: None,
        }
    }

    fn keep(&self, bytes: &[u8]) {
        if let Ok(mut kept) = self.capture.lock() {
            let room = CAPTURE_CAP.saturating_sub(kept.len());
            kept.extend(bytes.iter().take(room));
        }
    }
}

impl<S: AsyncRead + Plaintext + Unpin> AsyncRead for Yielding<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        if !self.prefix.is_empty() {
            let n = self.prefix.len().min(buf.remaining());
            let chunk = self.prefix.split_to(n);
            self.keep(&chunk);
            buf.put_slice(&chunk);
            return Poll::Ready(Ok(()));
        }
        if let Some(e) = self.held.take() {
            return Poll::Ready(Err(e));
        }
        if self.read_in_poll >= READ_PER_POLL {
            self.read_in_poll = 0;
            cx.waker().wake_by_ref();
            return Poll::Pending;
        }
        let before = buf.filled().len();
        let mut polled = Pin::new(&mut self.inner).poll_read(cx, buf);
        // An error after decrypted bytes not handed over: the bytes first, the error next time.
        if matches!(polled, Poll::Ready(Err(_))) && self.inner.take_plaintext(buf) > 0 {
            if let Poll::Ready(Err(e)) = std::mem::replace(&mut polled, Poll::Ready(Ok(()))) {
                self.held = Some(e);
            }
        }
        match polled {
            Poll::Ready(Ok(())) => {
                let read = buf.filled().len().saturating_sub(before);
                self.read_in_poll = self.read_in_poll.saturating_add(read);
                if let Some(new) = buf.filled().get(before..) {
                    self.keep(new);
                }
            }
            Poll::Pending => self.read_in_poll = 0,
            Poll::Ready(Err(_)) => {}
        }
        polled
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Yielding<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

/// The HTTP connection task, aborted when the exchange ends or is dropped at the probe's
/// deadline: no task may keep a server's connection open after its probe.
/// It ends once: after its result was taken it is never polled again (several asks share it).
struct ConnTask {
    handle: tokio::task::JoinHandle<Result<(), hyper::Error>>,
    ended: bool,
}

impl ConnTask {
    fn spawn<F>(conn: F) -> Self
    where
        F: std::future::Future<Output = Result<(), hyper::Error>> + Send + 'static,
    {
        Self {
            handle: tokio::spawn(conn),
            ended: false,
        }
    }

    /// The connection's error, waiting until `until` at most; `None` when it is still running,
    /// ended cleanly, or was already taken.
    async fn error_by(&mut self, until: tokio::time::Instant) -> Option<hyper::Error> {
        if self.ended {
            return None;
        }
        match tokio::time::timeout_at(until, &mut self.handle).await {
            Ok(joined) => {
                self.ended = true;
                joined.ok().and_then(Result::err)
            }
            Err(_) => None,
        }
    }
}

impl Drop for ConnTask {
    fn drop(&mut self) {
        self.handle.abort();
    }
}

/// After a completed handshake and a written request, the server gave no HTTP answer. An alert
/// is what the server said (TLS 1.3 servers reject the certificate on the first read); anything
/// else (a close, a reset, GOAWAY, bytes that are no HTTP) is not a refusal but inconclusive.
fn no_answer_outcome(result: &ExchangeResult) -> Outcome {
    if result.alert.is_some() {
        Outcome::RefusedTls
    } else {
        Outcome::Inconclusive
    }
}

/// Walks an error's source chain for the rustls error inside. `io::Error::source` skips its own
/// payload, so the payload is checked with `get_ref` as well.
pub fn find_tls_error(err: &(dyn StdError + 'static)) -> Option<rustls::Error> {
    let mut current: Option<&(dyn StdError + 'static)> = Some(err);
    let mut depth = 0;
    while let Some(e) = current {
        if let Some(t) = e.downcast_ref::<rustls::Error>() {
            return Some(t.clone());
        }
        // h2 keeps its I/O error out of `source()`; it hands it over through `get_io`.
        let io = e
            .downcast_ref::<std::io::Error>()
            .or_else(|| e.downcast_ref::<h2::Error>().and_then(h2::Error::get_io));
        if let Some(io) = io {
            if let Some(inner) = io.get_ref() {
                if let Some(t) = inner.downcast_ref::<rustls::Error>() {
                    return Some(t.clone());
                }
                current = Some(inner);
                depth += 1;
                if depth > 16 {
                    return None;
                }
                continue;
            }
        }
        current = e.source();
        depth += 1;
        if depth > 16 {
            return None;
        }
    }
    None
}

fn alert_name(err: &rustls::Error) -> Option<String> {
    match err {
        rustls::Error::AlertReceived(a) => Some(format!("{a:?}")),
        _ => None,
    }
}

/// h2 flattens I/O errors into a kind and a message, dropping the rustls error; the alert is
/// then recovered from rustls's own rendering of it (`received fatal alert: Name`).
fn alert_from_text(text: &str) -> Option<String> {
    let rest = text.split("received fatal alert: ").nth(1)?;
    let name: String = rest
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '(' | ')' | 'x'))
        .take(40)
        .collect();
    (!name.is_empty()).then_some(name)
}

/// An error and its causes, as one line made safe to keep: a library's text may carry the
/// server's own words (an HTTP/2 GOAWAY's debug data, a certificate's name), so it goes through
/// [`sanitize`] like any server text, capped.
fn describe_error(err: &(dyn StdError + 'static)) -> String {
    let mut parts = vec![err.to_string()];
    let mut cur = err.source();
    while let Some(e) = cur {
        let s = e.to_string();
        if parts.last() != Some(&s) && parts.len() < 4 {
            parts.push(s);
        }
        cur = e.source();
    }
    sanitize(parts.join(": ").as_bytes(), ERROR_CHARS)
}

/// Characters of a library error's text kept at most.
const ERROR_CHARS: usize = 400;

/// A status that says the server (or a proxy before it) is refusing load, not the request: 429
/// (a rate limit, which a scan's burst is what trips), 502, 503, 504 (an upstream that failed or
/// is overloaded). Where a probe asks what a path or a door lets in, it says nothing.
pub fn is_busy_status(status: u16) -> bool {
    matches!(status, 429 | 502..=504)
}

/// Bodies up to this size may be a rate limiter's page ([`rate_limit_page`]); a longer one is a
/// page of its own, whatever words it holds.
const RATE_LIMIT_PAGE_BYTES: usize = 2048;

/// Why an answer whose status says nothing of being busy is a rate limiter's all the same, when
/// it is: a short page that speaks of rate limiting (`Slow down`, `{"error":"rate_limited"}`,
/// `403 Forbidden: rate limited, try again later`). A limiter in front of an application answers
/// a scan's burst so with 200 or 403: read as the page served or as a refusal, it made correct
/// servers critical (the valid certificate's "page" was the limiter's) and passed one that checks
/// nothing (every bad certificate's 403 was the limiter's; an audit's, seventeenth session).
/// Such an answer says nothing of the certificate: the exchange is inconclusive, and tried again
/// like a 429.
pub fn rate_limit_page(status: u16, body: &[u8]) -> Option<String> {
    if is_busy_status(status) || not_a_final_status(status).is_some() {
        return None;
    }
    let text = body.trim_ascii();
    if text.is_empty() || text.len() > RATE_LIMIT_PAGE_BYTES {
        return None;
    }
    // A 2xx naming a rate limit is often an API's own data (`"rate_limit":{"remaining":99}` beside
    // the orders: an audit's open API lost its critical finding so); a limiter's 2xx page says it
    // holds the caller back.
    let limited = if (200..300).contains(&status) {
        crate::text::speaks_of_being_held_back(text)
    } else {
        crate::text::speaks_of_rate_limiting(text)
    };
    limited.then(|| {
        format!(
            "HTTP {status} with a rate limiter's page (\"{}\"): says nothing of the certificate",
            sanitize(text, 60)
        )
    })
}

/// The `grpc-status` a gRPC server answered with (headers of a trailers-only answer, or
/// trailers), when it is a number.
fn grpc_status_of(headers: &http::HeaderMap) -> Option<u32> {
    headers
        .get("grpc-status")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse().ok())
}

/// What a 2xx carrying a non-zero `grpc-status` is: gRPC answers its errors with HTTP 200 (or
/// nginx's `errors.grpc_conf`, 204) and the status in a header, an empty body. Read as served,
/// a correct gRPC service was critical (an audit's: nginx `ssl_verify_client on` mapping 495/496
/// to `grpc-status: 16`, a tonic-style interceptor refusing with 16). 16 (UNAUTHENTICATED) and 7
/// (PERMISSION_DENIED) are the server's refusal over HTTP; any other (12 UNIMPLEMENTED, 14
/// UNAVAILABLE for a GET that is no gRPC call) an answer that serves nothing. `None` for another
/// status, or `grpc-status: 0` (a gRPC call served).
fn grpc_refusal(status: u16, grpc: u32) -> Option<(Outcome, String)> {
    if !(200..300).contains(&status) || grpc == 0 {
        return None;
    }
    let (outcome, what) = match grpc {
        16 => (Outcome::RefusedHttp, "UNAUTHENTICATED: a gRPC refusal"),
        7 => (Outcome::RefusedHttp, "PERMISSION_DENIED: a gRPC refusal"),
        12 => (
            Outcome::Answered,
            "UNIMPLEMENTED: no gRPC method at this path",
        ),
        _ => (Outcome::Answered, "a gRPC error, nothing served"),
    };
    Some((
        outcome,
        format!("HTTP {status} with grpc-status {grpc} ({what})"),
    ))
}

/// How a busy status ([`is_busy_status`]) is named in a reason, the same everywhere.
pub fn busy_status_words(status: u16) -> String {
    format!("HTTP {status} (rate-limited, busy, or its upstream failed)")
}

/// The outcome class of an HTTP status: 2xx served; 400/401/403/495/496 refused; a status that
/// is no final answer to our requests ([`not_a_final_status`]) inconclusive; else answered.
pub fn classify_status(status: u16) -> Outcome {
    match status {
        _ if not_a_final_status(status).is_some() => Outcome::Inconclusive,
        200..=299 => Outcome::Served,
        400 | 401 | 403 | 495 | 496 => Outcome::RefusedHttp,
        _ => Outcome::Answered,
    }
}

/// Why `status` is no final answer to a request of ours, when it is not: an informational one
/// (1xx: 101 Switching Protocols to a request that asked for no upgrade), or a number outside
/// HTTP's 100–599 (hyper reads any three digits). Such an answer is not read as a refusal,
/// nor as anything else: the probe is inconclusive (a hostile server's 101 or 999 to the
/// anonymous client was taken for an application's refusal: B, exit 0).
pub fn not_a_final_status(status: u16) -> Option<String> {
    match status {
        200..=599 => None,
        100..=199 => Some(format!(
            "HTTP {status} is no final answer (an informational status, to a request that asked \
             for no upgrade)"
        )),
        _ => Some(format!("HTTP {status} is no HTTP status (100 to 599)")),
    }
}

/// What one exchange asks for: the authority (`Host`), the path, and the extra headers.
#[derive(Clone)]
struct Ask<'a> {
    method: http::Method,
    authority: String,
    path: &'a str,
    headers: Vec<(http::HeaderName, http::HeaderValue)>,
}

/// How a request is shaped: as asked, or as a gRPC call ([`GRPC_EMPTY_MESSAGE`]).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Shape {
    /// The ask's method, no body.
    AsAsked,
    /// A unary gRPC call: POST, `content-type: application/grpc`, `te: trailers`, one empty
    /// message.
    Grpc,
}

/// One gRPC message of length zero (uncompressed flag, then a 32-bit length): the smallest
/// unary call, which a gRPC server answers with a `grpc-status` where it resets a plain GET.
const GRPC_EMPTY_MESSAGE: [u8; 5] = [0; 5];

/// Whether `path` is a request target in absolute form (`https://host/path`).
pub fn is_absolute_form(path: &str) -> bool {
    path.starts_with("https://") || path.starts_with("http://")
}

fn request(
    ask: &Ask<'_>,
    absolute: bool,
    shape: Shape,
) -> Result<http::Request<Full<Bytes>>, http::Error> {
    // A path asked in absolute form (`path-form-bypass`) is the URI as it is: HTTP/1.1 writes
    // it as the request target, h2 takes its path and authority from it.
    let uri = if absolute && !is_absolute_form(ask.path) {
        format!("https://{}{}", ask.authority, ask.path)
    } else {
        ask.path.to_owned()
    };
    let method = match shape {
        Shape::AsAsked => ask.method.clone(),
        Shape::Grpc => http::Method::POST,
    };
    let mut builder = http::Request::builder().method(method).uri(uri);
    // The scan's own name, unless the ask names another client (a health checker's, which a
    // side door asks as): one `User-Agent`, never two.
    if !ask
        .headers
        .iter()
        .any(|(n, _)| n == http::header::USER_AGENT)
    {
        builder = builder.header(
            http::header::USER_AGENT,
            concat!("mtls-scan/", env!("CARGO_PKG_VERSION")),
        );
    }
    // `*/*` unless the user's headers name what the API wants (`-H 'Accept: application/json'`:
    // a JSON API answers 406 to two `Accept`s as to none); bodies as they are, never compressed
    // (a refusal's words read in a gzip body were unseen: a false critical finding).
    let asks_for = |name: &http::HeaderName| ask.headers.iter().any(|(n, _)| n == name);
    if !asks_for(&http::header::ACCEPT_ENCODING) {
        builder = builder.header(http::header::ACCEPT_ENCODING, "identity");
    }
    builder = match shape {
        Shape::AsAsked if asks_for(&http::header::ACCEPT) => builder,
        Shape::AsAsked => builder.header(http::header::ACCEPT, "*/*"),
        Shape::Grpc => builder
            .header(http::header::CONTENT_TYPE, "application/grpc")
            .header(http::header::TE, "trailers"),
    };
    if !absolute {
        builder = builder.header(http::header::HOST, ask.authority.as_str());
    }
    for (name, value) in &ask.headers {
        builder = builder.header(name, value);
    }
    builder.body(match shape {
        Shape::AsAsked => Full::new(Bytes::new()),
        Shape::Grpc => Full::new(Bytes::from_static(&GRPC_EMPTY_MESSAGE)),
    })
}

/// How long one HTTP/1.1 connection carries asks one after another: a server that answers in a
/// millisecond takes them all on one connection; one that takes tens of milliseconds per answer
/// (Python's http.server waits for delayed ACKs) gets the rest on parallel connections instead.
const KEEP_ALIVE_BUDGET: Duration = Duration::from_millis(30);

/// Past [`KEEP_ALIVE_BUDGET`], the connection goes on carrying asks while each answer comes
/// within this (a busy machine slows every answer a little, and parallel connections would only
/// add handshakes to its load: a sweep's nginx scans took 7 connections idle and 16 under load),
/// up to [`KEEP_ALIVE_CAP`] in all. A delayed-ACK server (~40 ms an answer) still spills at once.
const KEEP_ALIVE_QUICK_ANSWER: Duration = Duration::from_millis(15);

/// The longest one HTTP/1.1 connection carries asks one after another.
const KEEP_ALIVE_CAP: Duration = Duration::from_millis(250);

/// How long an answer to an ask after a connection's first is waited for (its head and body).
/// A connection carries later asks only while its answers come within milliseconds
/// ([`KEEP_ALIVE_BUDGET`], [`KEEP_ALIVE_QUICK_ANSWER`]), so an answer this late is a held
/// request, and the ask is made again on a connection of its own, with the whole wait.
const LATER_ANSWER_WAIT: Duration = Duration::from_millis(500);

/// The pace of an HTTP/2 connection's bodies, read side by side: once one stream's body has
/// ended, the others are waited for [`LATER_ANSWER_WAIT`] past the connection's latest frame, as
/// a later ask's answer on a kept-alive HTTP/1.1 connection is. A body held past that is unread
/// and marked held, and its ask is made again on a connection of its own by the caller, with the
/// whole wait; a server that streams its bodies keeps the wait going with each frame.
#[derive(Default)]
struct BodyPace {
    /// The connection's latest frame or body end, once a body has ended.
    latest: std::sync::Mutex<Option<tokio::time::Instant>>,
    /// Wakes the bodies still read when the first one ends (their wait shortens).
    first_ended: tokio::sync::Notify,
}

impl BodyPace {
    /// Until when a body still read is waited for; `None` while no body has ended.
    fn bound(&self) -> Option<tokio::time::Instant> {
        let latest = *self.latest.lock().unwrap_or_else(|e| e.into_inner());
        latest.map(|at| at + LATER_ANSWER_WAIT)
    }

    /// A frame came: the wait goes on from now, once a body has ended.
    fn frame(&self) {
        let mut latest = self.latest.lock().unwrap_or_else(|e| e.into_inner());
        if latest.is_some() {
            *latest = Some(tokio::time::Instant::now());
        }
    }

    /// A body ended (or was read to the cap): the others' wait is bounded from now on.
    fn body_ended(&self) {
        let first = {
            let mut latest = self.latest.lock().unwrap_or_else(|e| e.into_inner());
            let first = latest.is_none();
            *latest = Some(tokio::time::Instant::now());
            first
        };
        if first {
            self.first_ended.notify_waiters();
        }
    }

    /// Resolves when the first body ends; never without a pace.
    async fn first_body_ended(pace: Option<&BodyPace>) {
        match pace {
            Some(p) => p.first_ended.notified().await,
            None => std::future::pending().await,
        }
    }
}

/// Asks `ask` through an h2c tunnel: an HTTP/1.1 `Upgrade: h2c` on `via` first, then, where it
/// is switched (101 naming h2c), `ask`'s path over HTTP/2 on stream 3. The result is that
/// answer ([`h2c::Tunnel::Opened`]), or, where the upgrade was not switched, the upgrade request's
/// own answer ([`h2c::Tunnel::NotSwitched`]).
async fn h2c_through_tunnel<S>(
    io: S,
    via: &str,
    ask: &Ask<'_>,
    limits: &Limits,
    until: tokio::time::Instant,
) -> ExchangeResult
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let mut result = h2c_tunnel(io, via, ask, limits, until).await;
    if result.h2c.is_none() {
        result.h2c = Some(h2c::Tunnel::NotSwitched);
    }
    result
}

/// The HTTP/2 windows of an h2c tunnel (stream and connection): room for a page on stream 1 and
/// the path's on stream 3 at once.
const H2C_WINDOW: u32 = 1 << 20;

/// How long an h2c tunnel waits for the server's SETTINGS before stream 3 (they come first, with
/// or before stream 1's answer).
const H2C_SETTINGS_WAIT: Duration = Duration::from_millis(500);

/// Bytes of the upgrade's own answer (stream 1) read and let go of at most.
const H2C_STREAM_ONE_CAP: usize = 4 << 20;

async fn h2c_tunnel<S>(
    io: S,
    via: &str,
    ask: &Ask<'_>,
    limits: &Limits,
    until: tokio::time::Instant,
) -> ExchangeResult
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let handshake = hyper::client::conn::http1::Builder::new()
        .max_buf_size(limits.header_cap.max(8192))
        .handshake::<_, Full<Bytes>>(TokioIo::new(io))
        .await;
    let (mut sender, conn) = match handshake {
        Ok(pair) => pair,
        Err(e) => return error(format!("HTTP/1.1 setup failed: {}", describe_error(&e))),
    };
    let mut conn_task = ConnTask::spawn(conn.with_upgrades());
    let upgrade_ask = Ask {
        method: http::Method::GET,
        authority: ask.authority.clone(),
        path: via,
        headers: ask.headers.clone(),
    };
    let mut req = match request(&upgrade_ask, false, Shape::AsAsked) {
        Ok(r) => r,
        Err(e) => return error(format!("cannot build the request: {}", describe_error(&e))),
    };
    let h = req.headers_mut();
    h.insert(
        http::header::CONNECTION,
        http::HeaderValue::from_static("Upgrade, HTTP2-Settings"),
    );
    h.insert(http::header::UPGRADE, http::HeaderValue::from_static("h2c"));
    h.insert(
        "http2-settings",
        http::HeaderValue::from_static(h2c::HTTP2_SETTINGS),
    );
    let sent = match tokio::time::timeout_at(until, sender.send_request(req)).await {
        Ok(sent) => sent,
        Err(_) => {
            return ExchangeResult {
                outcome: Some(Outcome::Inconclusive),
                detail: Some(format!(
                    "the `Upgrade: h2c` request on {via} got no answer in time"
                )),
                ..ExchangeResult::default()
            }
        }
    };
    let response = match sent {
        Ok(r)
            if r.status() == http::StatusCode::SWITCHING_PROTOCOLS
                && r.headers()
                    .get(http::header::UPGRADE)
                    .is_some_and(|v| h2c::names_h2c(v.as_bytes())) =>
        {
            r
        }
        other => return finish(other, &mut conn_task, limits, until).await,
    };
    let opened = format!(
        "{} (`Upgrade: h2c` on {via} was answered 101)",
        h2c::THROUGH_TUNNEL
    );
    let unread = |why: String| ExchangeResult {
        outcome: Some(Outcome::Inconclusive),
        detail: Some(format!("{opened}, but {why}")),
        h2c: Some(h2c::Tunnel::Opened),
        ..ExchangeResult::default()
    };
    let upgraded = match tokio::time::timeout_at(until, hyper::upgrade::on(response)).await {
        Ok(Ok(u)) => u,
        Ok(Err(e)) => {
            return unread(format!(
                "the connection could not be taken over: {}",
                describe_error(&e)
            ))
        }
        Err(_) => return unread("the connection could not be taken over in time".to_owned()),
    };
    let mut io = h2c::SkipStreamOne::new(TokioIo::new(upgraded));
    let server_settings = io.tell_settings();
    let handshake = h2::client::Builder::new()
        .max_header_list_size(u32::try_from(limits.header_cap).unwrap_or(u32::MAX))
        .enable_push(false)
        .initial_window_size(H2C_WINDOW)
        .initial_connection_window_size(H2C_WINDOW)
        .handshake::<_, Bytes>(io);
    let (client, connection) = match tokio::time::timeout_at(until, handshake).await {
        Ok(Ok(pair)) => pair,
        Ok(Err(e)) => return unread(format!("HTTP/2 could not start: {}", describe_error(&e))),
        Err(_) => return unread("HTTP/2 could not start in time".to_owned()),
    };
    // Stream 1 is opened before the connection reads anything (see [`SkipStreamOne`]).
    let mut client = match tokio::time::timeout_at(until, client.ready()).await {
        Ok(Ok(c)) => c,
        Ok(Err(e)) => return unread(format!("HTTP/2 refused a stream: {}", describe_error(&e))),
        Err(_) => return unread("HTTP/2 took no stream in time".to_owned()),
    };
    let stream_one = match h2c::our_stream_one() {
        Ok(r) => client.send_request(r, true),
        Err(e) => return unread(format!("cannot build stream 1: {}", describe_error(&e))),
    };
    let (stream_one_answer, _) = match stream_one {
        Ok(pair) => pair,
        Err(e) => return unread(format!("HTTP/2 refused stream 1: {}", describe_error(&e))),
    };
    let driver = AbortOnDrop(tokio::spawn(connection));
    // The upgrade's own answer (stream 1) read and let go of as it comes, so that a long page on
    // `via` cannot hold the connection's window that stream 3's body needs (capped: past it the
    // stream is reset).
    let (stream_one_done, stream_one_ended) = tokio::sync::oneshot::channel::<()>();
    let _stream_one = AbortOnDrop(tokio::spawn(async move {
        let Ok(answer) = stream_one_answer.await else {
            return;
        };
        let mut body = answer.into_body();
        let mut read = 0usize;
        while let Some(Ok(data)) = body.data().await {
            read += data.len();
            let _ = body.flow_control().release_capacity(data.len());
            if read > H2C_STREAM_ONE_CAP {
                return;
            }
        }
        let _ = stream_one_done.send(());
    }));
    // Stream 3 goes at once (a backend that ends its tunnel after stream 1, as Apache's event
    // MPM does, serves it only where it comes first), but not past a server that takes one
    // stream at a time (`SETTINGS_MAX_CONCURRENT_STREAMS` 1, which its SETTINGS say before
    // stream 1's answer): there it waits for stream 1 to end (an audit's Hypercorn ended the
    // connection for a protocol error).
    let settings_by = (tokio::time::Instant::now() + H2C_SETTINGS_WAIT).min(until);
    if let Ok(Ok(Some(max))) = tokio::time::timeout_at(settings_by, server_settings).await {
        if max < 2 {
            let _ = tokio::time::timeout_at(until, stream_one_ended).await;
        }
    }
    let mut client = match tokio::time::timeout_at(until, client.ready()).await {
        Ok(Ok(c)) => c,
        Ok(Err(e)) => {
            return unread(format!(
                "the tunnel ended before the request: {}",
                describe_error(&e)
            ))
        }
        Err(_) => return unread("the tunnel took no second stream in time".to_owned()),
    };
    // HTTP/2 forbids the connection's own headers (RFC 9113 §8.2.2): a user's `-H Connection:
    // …` goes on the upgrade request, not on stream 3.
    let over_h2 = Ask {
        headers: ask
            .headers
            .iter()
            .filter(|(n, v)| {
                !h2c::CONNECTION_HEADERS.contains(&n.as_str())
                    || (n == http::header::TE && v.as_bytes().eq_ignore_ascii_case(b"trailers"))
            })
            .cloned()
            .collect(),
        ..ask.clone()
    };
    let req = match request(&over_h2, true, Shape::AsAsked) {
        Ok(r) => r.map(|_| ()),
        Err(e) => return unread(format!("cannot build the request: {}", describe_error(&e))),
    };
    let answer = match client.send_request(req, true) {
        Ok((answer, _)) => answer,
        Err(e) => {
            return unread(format!(
                "HTTP/2 refused the request: {}",
                describe_error(&e)
            ))
        }
    };
    let response = match tokio::time::timeout_at(until, answer).await {
        Ok(Ok(r)) => r,
        Ok(Err(e)) if e.is_go_away() && e.reason() == Some(h2::Reason::NO_ERROR) => {
            return ExchangeResult {
                h2c: Some(h2c::Tunnel::EndedAfterStreamOne),
                ..unread(format!(
                    "the server ended the tunnel after the upgrade's own answer (GOAWAY): {}",
                    describe_error(&e)
                ))
            };
        }
        Ok(Err(e)) => return unread(format!("the path got no answer: {}", describe_error(&e))),
        Err(_) => return unread("the path got no answer in time".to_owned()),
    };
    let response = response.map(h2c::H2Body::new);
    let mut result = read_answer(response, limits, until, None).await;
    drop(driver);
    result.h2c = Some(h2c::Tunnel::Opened);
    result.alpn = Some("h2c".to_owned());
    result.detail = Some(match result.detail.take() {
        Some(d) => format!("{opened}: {d}"),
        None => opened,
    });
    result
}

/// A spawned task aborted when dropped.
struct AbortOnDrop<T>(tokio::task::JoinHandle<T>);

impl<T> Drop for AbortOnDrop<T> {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// HTTP/1.1: the asks one after another on one keep-alive connection, while the server keeps
/// it open, each body was read whole and [`KEEP_ALIVE_BUDGET`] is not spent (or the answers stay
/// quick: [`KEEP_ALIVE_QUICK_ANSWER`]).
async fn http1(
    tls: Yielding<TlsStream<TcpStream>>,
    asks: &[Ask<'_>],
    setup: &ExchangeSetup<'_>,
    until: tokio::time::Instant,
) -> Vec<ExchangeResult> {
    let (limits, open_websockets) = (&setup.limits, setup.open_websockets);
    let handshake = hyper::client::conn::http1::Builder::new()
        .max_buf_size(limits.header_cap.max(8192))
        .handshake::<_, Full<Bytes>>(TokioIo::new(tls))
        .await;
    let (mut sender, conn) = match handshake {
        Ok(pair) => pair,
        Err(e) => return vec![error(format!("HTTP/1.1 setup failed: {e}"))],
    };
    // With upgrades: a WebSocket path's socket is read through the same connection.
    let mut conn_task = ConnTask::spawn(conn.with_upgrades());
    let mut out = Vec::new();
    let started = Instant::now();
    let mut last_answer = Duration::ZERO;
    for ask in asks {
        let reusable = out.last().is_none_or(|r: &ExchangeResult| r.complete);
        let spent = started.elapsed();
        let slow = !out.is_empty()
            && !setup.carry_all
            && spent > KEEP_ALIVE_BUDGET
            && (last_answer > KEEP_ALIVE_QUICK_ANSWER || spent > KEEP_ALIVE_CAP);
        if !reusable || slow {
            break;
        }
        if let Err(e) = sender.ready().await {
            // The server ended the connection before the first request could be written (Bun
            // on TLS 1.2 sends close_notify right after the handshake to a certificate it
            // refuses): said as what it is, not left without a result. Unread all the same: on
            // TLS 1.2 a close after the handshake is no refusal (Node drops some certificates
            // so and serves them on another try; a server that lets a certificate in on one
            // connection in four would be passed).
            if out.is_empty() {
                out.push(closed_before_the_request(&e, &mut conn_task, until).await);
            }
            break;
        }
        let mut req = match request(ask, false, Shape::AsAsked) {
            Ok(r) => r,
            Err(e) => {
                out.push(error(format!("cannot build the request: {e}")));
                break;
            }
        };
        if setup.carry_cookies {
            add_cookies(&mut req, &jar(out.iter().flat_map(|r| &r.set_cookies)));
        }
        let asked = Instant::now();
        // A later ask's answer is waited for a while, not until the deadline: a server that
        // answers a connection's first request and holds the next one unanswered (the
        // connection open) left the whole exchange unread at its time-out, every ask of it
        // made again alone after ~10 s. Past the wait the connection carries nothing more; what
        // it did not carry goes on connections of its own, each a first ask, as when it closes.
        let later = !out.is_empty();
        let answer = async {
            let sent = sender.send_request(req).await;
            // A WebSocket opening the server switched for: the socket's first message is the
            // answer, and the connection carries nothing more.
            match sent {
                Ok(r)
                    if opens_websocket(ask)
                        && r.status() == http::StatusCode::SWITCHING_PROTOCOLS =>
                {
                    let key = opening_key(ask);
                    Err(socket_result(r, key.as_deref(), limits, until).await)
                }
                other => Ok(finish(other, &mut conn_task, limits, until).await),
            }
        };
        let answered = if later {
            let ends = until.min(tokio::time::Instant::now() + LATER_ANSWER_WAIT);
            tokio::time::timeout_at(ends, answer).await
        } else {
            Ok(answer.await)
        };
        let result = match answered {
            Ok(Ok(result)) => result,
            Ok(Err(socket)) => {
                out.push(socket);
                break;
            }
            Err(_) => {
                tracing::debug!(
                    carried = out.len(),
                    "a later ask on a kept-alive connection went unanswered for {} ms: the \
                     rest go on connections of their own",
                    LATER_ANSWER_WAIT.as_millis()
                );
                break;
            }
        };
        last_answer = asked.elapsed();
        // A WebSocket path: a socket opened on this connection says what it serves; its answer
        // stands where the server switched protocols (the socket ends the connection's asks).
        // Where the server closed the connection, [`exchange`] opens one on another.
        if open_websockets
            && result.speaks_websocket
            && result.complete
            && ask.method == http::Method::GET
        {
            let was = websocket_was(&result);
            if let Some(mut opened) =
                open_websocket(&mut sender, &mut conn_task, ask, limits, until).await
            {
                say_why_opened(&mut opened, &was);
                out.push(opened);
                break;
            }
        }
        out.push(result);
    }
    out
}

/// A jar of the cookies `set` (`name=value`, as [`set_cookies`] keeps them), in order, the later
/// of a name winning, at most [`MAX_SET_COOKIES`] ([`ExchangeSetup::carry_cookies`]).
pub fn jar<'a>(set: impl IntoIterator<Item = &'a String>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for c in set {
        let name = c.split_once('=').map_or(c.as_str(), |(n, _)| n);
        out.retain(|o| o.split_once('=').map(|(n, _)| n) != Some(name));
        out.push(c.clone());
    }
    out.truncate(MAX_SET_COOKIES);
    out
}

/// Adds `cookies` to `req`'s `Cookie` header (after the ask's own, in one header).
fn add_cookies(req: &mut http::Request<Full<Bytes>>, cookies: &[String]) {
    if cookies.is_empty() {
        return;
    }
    let own = req
        .headers()
        .get(http::header::COOKIE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let joined = own
        .into_iter()
        .chain(cookies.iter().cloned())
        .collect::<Vec<_>>()
        .join("; ");
    if let Ok(v) = http::HeaderValue::from_str(&joined) {
        req.headers_mut().insert(http::header::COOKIE, v);
    }
}

/// Whether `ask` is a WebSocket opening (its headers ask to upgrade to one).
fn opens_websocket(ask: &Ask<'_>) -> bool {
    ask.headers
        .iter()
        .any(|(n, v)| n == http::header::UPGRADE && websocket::names_websocket(v.as_bytes()))
}

/// The same ask again as a WebSocket opening ([`websocket::opening_headers`]), on `sender`'s
/// connection: the socket's first message read ([`websocket::first_message`]) where the server
/// answers `101 Switching Protocols`; `None` where it answers anything else (the plain GET's
/// answer stands) or the connection cannot carry it.
async fn open_websocket(
    sender: &mut hyper::client::conn::http1::SendRequest<Full<Bytes>>,
    conn_task: &mut ConnTask,
    ask: &Ask<'_>,
    limits: &Limits,
    until: tokio::time::Instant,
) -> Option<ExchangeResult> {
    let asks_upgrade = ask.headers.iter().any(|(n, _)| n == http::header::UPGRADE);
    if asks_upgrade {
        return None;
    }
    // The opening is a later request on the connection: its answer's head is waited for as a
    // later ask's ([`LATER_ANSWER_WAIT`]); a held one leaves the plain GET's answer standing.
    // A body begun, and the socket's first message once opened, have the whole wait.
    let answered_by = until.min(tokio::time::Instant::now() + LATER_ANSWER_WAIT);
    tokio::time::timeout_at(answered_by, sender.ready())
        .await
        .ok()?
        .ok()?;
    let mut headers = ask.headers.clone();
    headers.extend(websocket::opening_headers());
    let opening = Ask {
        method: http::Method::GET,
        authority: ask.authority.clone(),
        path: ask.path,
        headers,
    };
    let key = opening_key(&opening);
    let req = request(&opening, false, Shape::AsAsked).ok()?;
    let response = tokio::time::timeout_at(answered_by, sender.send_request(req))
        .await
        .ok()?;
    match response {
        Ok(r) if r.status() == http::StatusCode::SWITCHING_PROTOCOLS => {
            Some(socket_result(r, key.as_deref(), limits, until).await)
        }
        // The opening's own answer (a 401 or 403 to it: Node `ws` `verifyClient`) stands, unless
        // it is a 426 again.
        sent => {
            let answered = finish(sent, conn_task, limits, until).await;
            answered
                .http_status
                .is_some_and(|st| st != UPGRADE_REQUIRED)
                .then_some(answered)
        }
    }
}

/// `426 Upgrade Required`.
const UPGRADE_REQUIRED: u16 = 426;

/// The `Sec-WebSocket-Key` an opening `ask` carries, for checking the 101's accept value.
fn opening_key(ask: &Ask<'_>) -> Option<String> {
    ask.headers
        .iter()
        .find(|(n, _)| n == http::header::SEC_WEBSOCKET_KEY)
        .and_then(|(_, v)| v.to_str().ok())
        .map(str::to_owned)
}

/// The answer of a socket opened by a WebSocket opening ([`websocket::first_message`]), as the
/// exchange's result: `101`, and what the socket carried.
async fn socket_result(
    response: http::Response<hyper::body::Incoming>,
    key: Option<&str>,
    limits: &Limits,
    until: tokio::time::Instant,
) -> ExchangeResult {
    let a =
        websocket::first_message(response, key, limits.body_cap, limits.excerpt_chars, until).await;
    ExchangeResult {
        outcome: a.outcome,
        detail: Some(a.detail),
        http_status: Some(101),
        informational_status: Some(101),
        complete: a.outcome != Some(Outcome::Inconclusive) && !a.truncated,
        truncated: a.truncated,
        body_excerpt: a.body_excerpt,
        body: a.body,
        server_header: a.server_header,
        via: a.via,
        powered_by: a.powered_by,
        ..ExchangeResult::default()
    }
}

/// What a plain GET `r` was answered, for [`say_why_opened`]: `HTTP 426`.
fn websocket_was(r: &ExchangeResult) -> String {
    format!("HTTP {}", r.http_status.unwrap_or_default())
}

/// Prefixes the detail of `opened`, the answer to a WebSocket opening made because a plain GET
/// was answered `was`, with why it was made; the answer stands (no socket is opened for it).
fn say_why_opened(opened: &mut ExchangeResult, was: &str) {
    // The opening's answer stands as it is: not a plain GET's to open a socket for.
    opened.speaks_websocket = false;
    let said = opened.detail.take().unwrap_or_default();
    opened.detail = Some(format!("{} {was}): {said}", websocket::OPENED_AS_WEBSOCKET));
}

/// The alert (by name) and the reason of a request that got no answer: the connection task's
/// error says more than the request's own, `err`, where it has one.
fn alert_and_reason(
    conn_err: Option<&hyper::Error>,
    err: &hyper::Error,
) -> (Option<String>, String) {
    let tls = conn_err
        .and_then(|e| find_tls_error(e))
        .or_else(|| find_tls_error(err));
    // An HTTP/2 GOAWAY's text carries the server's own debug data: words there are no alert
    // (review A: a GOAWAY saying "received fatal alert: CertificateRequired" read as that alert
    // made an unanswered request a refusal).
    let alert = tls.as_ref().and_then(alert_name).or_else(|| {
        conn_err
            .filter(|e| !holds_a_go_away(*e))
            .and_then(|e| alert_from_text(&describe_error(e)))
    });
    let why = conn_err.map_or_else(|| describe_error(err), |e| describe_error(e));
    (alert, why)
}

/// Whether `err` or one of its causes is an HTTP/2 GOAWAY (whose text holds the peer's debug
/// data).
fn holds_a_go_away(err: &(dyn StdError + 'static)) -> bool {
    let mut current: Option<&(dyn StdError + 'static)> = Some(err);
    for _ in 0..16 {
        let Some(e) = current else {
            return false;
        };
        if e.downcast_ref::<h2::Error>()
            .is_some_and(h2::Error::is_go_away)
        {
            return true;
        }
        current = e.source();
    }
    false
}

/// The result of a connection the server ended (or broke off with an alert) before the first
/// request could be written.
async fn closed_before_the_request(
    ready: &hyper::Error,
    conn_task: &mut ConnTask,
    until: tokio::time::Instant,
) -> ExchangeResult {
    let most = (tokio::time::Instant::now() + Duration::from_millis(500)).min(until);
    let conn_err = conn_task.error_by(most).await;
    let (alert, why) = alert_and_reason(conn_err.as_ref(), ready);
    let closed_unanswered = alert.is_none() && ended_by_the_peer(ready, conn_err.as_ref());
    ExchangeResult {
        outcome: None,
        alert,
        detail: Some(format!(
            "no HTTP response: the connection ended before the request could be written: {why}"
        )),
        closed_unanswered,
        ..ExchangeResult::default()
    }
}

/// The connection ended by the peer, as far as `err` and the connection task's `conn_err` tell:
/// a message cut short by a close, or a close, close_notify or reset in the I/O; not an answer
/// that could not be parsed, nor a time-out or a request we could not build.
fn ended_by_the_peer(err: &hyper::Error, conn_err: Option<&hyper::Error>) -> bool {
    use std::io::ErrorKind;
    let by_io = |e: &hyper::Error| {
        let mut cur: Option<&(dyn StdError + 'static)> = StdError::source(e);
        while let Some(inner) = cur {
            if let Some(io) = inner.downcast_ref::<std::io::Error>() {
                return matches!(
                    io.kind(),
                    ErrorKind::UnexpectedEof
                        | ErrorKind::BrokenPipe
                        | ErrorKind::ConnectionReset
                        | ErrorKind::ConnectionAborted
                );
            }
            cur = inner.source();
        }
        false
    };
    let cut = |e: &hyper::Error| e.is_incomplete_message() || e.is_closed() || by_io(e);
    let unparsed = |e: &hyper::Error| e.is_parse() || e.is_parse_status() || e.is_timeout();
    cut(err) && !unparsed(err) && !conn_err.is_some_and(unparsed)
}

/// HTTP/2: every ask as its own stream on one connection, sent at once, answers read in order.
async fn http2(
    tls: Yielding<TlsStream<TcpStream>>,
    asks: &[Ask<'_>],
    limits: &Limits,
    until: tokio::time::Instant,
    (one_after_another, carry_cookies): (bool, bool),
) -> Vec<ExchangeResult> {
    let handshake = hyper::client::conn::http2::Builder::new(TokioExecutor::new())
        .max_header_list_size(u32::try_from(limits.header_cap).unwrap_or(u32::MAX))
        .max_concurrent_reset_streams(8)
        .handshake::<_, Full<Bytes>>(TokioIo::new(tls))
        .await;
    let (sender, conn) = match handshake {
        Ok(pair) => pair,
        Err(e) => return vec![error(format!("HTTP/2 setup failed: {e}"))],
    };
    let mut conn_task = ConnTask::spawn(conn);
    let send = |ask: &Ask<'_>, shape: Shape| {
        let mut sender = sender.clone();
        let req = request(ask, true, shape);
        async move {
            match req {
                Ok(req) => Ok(sender.send_request(req).await),
                Err(e) => Err(error(format!("cannot build the request: {e}"))),
            }
        }
    };
    let mut out = Vec::new();
    // Each stream opened once the one before is answered, body and all ([`ExchangeSetup::carry_all`]:
    // a check made once per connection, its first request's; a stream left unanswered past
    // [`LATER_ANSWER_WAIT`] ends the asks).
    // With `carry_cookies`, each later stream carries the cookies the earlier answers set
    // ([`ExchangeSetup::carry_cookies`]). A later stream that gets no answer at all (the server
    // ended the connection after the one before: Go's GOAWAY after a `Connection: close`
    // answer) ends the asks, as a closed HTTP/1.1 connection does: nothing more was carried.
    if one_after_another {
        for (i, ask) in asks.iter().enumerate() {
            let mut req = match request(ask, true, Shape::AsAsked) {
                Ok(r) => r,
                Err(e) => {
                    out.push(error(format!("cannot build the request: {e}")));
                    break;
                }
            };
            if carry_cookies {
                add_cookies(&mut req, &jar(out.iter().flat_map(|r| &r.set_cookies)));
            }
            let mut sender = sender.clone();
            let sent = sender.send_request(req);
            let head = if i == 0 {
                Ok(sent.await)
            } else {
                let by = until.min(tokio::time::Instant::now() + LATER_ANSWER_WAIT);
                tokio::time::timeout_at(by, sent).await
            };
            let result = match head {
                Ok(Ok(response)) => read_answer(response, limits, until, None).await,
                Ok(sent) if i > 0 => {
                    tracing::debug!(
                        carried = out.len(),
                        "a later h2 stream got no answer ({:?}): the connection carries nothing more",
                        sent.err().map(|e| e.to_string())
                    );
                    break;
                }
                Ok(sent) => finish(sent, &mut conn_task, limits, until).await,
                Err(_) => break,
            };
            out.push(result);
        }
        return out;
    }
    // Once a stream has its answer (its head), the others are waited for up to
    // [`LATER_ANSWER_WAIT`] past the latest answer, as a kept-alive HTTP/1.1 connection's later
    // asks are: a stream held unanswered left the whole exchange unread at its time-out. The
    // first answer may be any stream's (Go serves each stream on a goroutine of its own), and a
    // server that serves its streams one at a time keeps the wait going with each answer. A
    // stream not answered by then is unread, and asked again on a connection of its own by the
    // caller (the first ask too: the connection is up, its silence no refusal).
    let mut pending: futures_util::stream::FuturesUnordered<_> = asks
        .iter()
        .enumerate()
        .map(|(i, ask)| {
            let sent = send(ask, Shape::AsAsked);
            async move { (i, sent.await) }
        })
        .collect();
    let mut heads: Vec<Option<_>> = asks.iter().map(|_| None).collect();
    let mut latest: Option<tokio::time::Instant> = None;
    loop {
        let next = match latest {
            None => futures_util::StreamExt::next(&mut pending).await,
            Some(at) => {
                let next_by = until.min(at + LATER_ANSWER_WAIT);
                match tokio::time::timeout_at(next_by, futures_util::StreamExt::next(&mut pending))
                    .await
                {
                    Ok(next) => next,
                    Err(_) => break,
                }
            }
        };
        let Some((i, sent)) = next else { break };
        // The clock starts at an answer of the server's, not at an error of ours.
        if matches!(sent, Ok(Ok(_))) {
            latest = Some(tokio::time::Instant::now());
        }
        if let Some(head) = heads.get_mut(i) {
            *head = Some(sent);
        }
    }
    drop(pending);
    // The streams' bodies are read side by side, at one pace ([`BodyPace`]): one after
    // another, a server that sends each later stream's head and holds its body cost the body's
    // wait (2 s a frame) once per stream (7.1 s a scan against 1.9 on a review's Go server).
    let mut results: Vec<Option<ExchangeResult>> = heads.iter().map(|_| None).collect();
    let pace = &BodyPace::default();
    let mut bodies = Vec::new();
    for (i, head) in heads.into_iter().enumerate() {
        let result = match head {
            Some(Ok(Ok(response))) => {
                bodies.push(
                    async move { (i, read_answer(response, limits, until, Some(pace)).await) },
                );
                continue;
            }
            Some(Ok(sent)) => finish(sent, &mut conn_task, limits, until).await,
            Some(Err(e)) => e,
            None => ExchangeResult {
                outcome: Some(Outcome::Inconclusive),
                detail: Some(format!(
                    "no answer on its HTTP/2 stream within {} ms of the connection's latest \
                     answer: held by the server",
                    LATER_ANSWER_WAIT.as_millis()
                )),
                held: true,
                ..ExchangeResult::default()
            },
        };
        if let Some(slot) = results.get_mut(i) {
            *slot = Some(result);
        }
    }
    for (i, result) in futures_util::future::join_all(bodies).await {
        if let Some(slot) = results.get_mut(i) {
            *slot = Some(result);
        }
    }
    out.extend(results.into_iter().map(|r| {
        r.unwrap_or_else(|| error("internal error: an HTTP/2 stream's result went missing"))
    }));
    // A GET reset at its stream (no answer, the connection up): a gRPC server refuses a request
    // that is no gRPC call so (grpcio 1.6x: RST_STREAM INTERNAL_ERROR), which left a correct
    // gRPC service unread (an audit's grpcio: B, exit 3); or answered with a gRPC error that
    // is no refusal (grpcio 1.51: `grpc-status: 2`), which serves nothing where a call would be
    // served; or answered 415 without a word of gRPC (grpc-js takes no request that is not
    // `application/grpc`: a service open to anyone was high "another authentication may
    // guard this path", not critical). Asked again on the same connection as a unary call with
    // an empty message; its answer stands only where it is gRPC's.
    for (ask, result) in asks.iter().zip(out.iter_mut()) {
        let grpc_error = result.grpc_answer && result.outcome == Some(Outcome::Answered);
        let media_refused = result.http_status == Some(415);
        if !(result.stream_reset || grpc_error || media_refused)
            || ask.method != http::Method::GET
            || result.http1_required
        {
            continue;
        }
        let again = match send(ask, Shape::Grpc).await {
            Ok(sent) => finish(sent, &mut conn_task, limits, until).await,
            Err(e) => e,
        };
        if again.grpc_answer {
            let said = again
                .detail
                .clone()
                .unwrap_or_else(|| "gRPC status 0".to_owned());
            *result = ExchangeResult {
                detail: Some(format!("{GRPC_ASKED_AGAIN}: {said}")),
                ..again
            };
        }
    }
    out
}

/// How the detail of an answer to the gRPC-shaped ask ([`Shape::Grpc`]) starts.
pub const GRPC_ASKED_AGAIN: &str = "its GET reset at the HTTP/2 stream, or answered 415 or with a \
     gRPC error, asked again as a gRPC call (POST, application/grpc, an empty message)";

/// The peer closed the connection without a TLS close_notify (rustls reports it as an
/// `UnexpectedEof` I/O error), somewhere in the error's chain.
fn closed_without_notify(e: &(dyn StdError + 'static)) -> bool {
    let mut cur: Option<&(dyn StdError + 'static)> = Some(e);
    while let Some(err) = cur {
        if err
            .downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::UnexpectedEof)
        {
            return true;
        }
        cur = err.source();
    }
    false
}

async fn finish(
    sent: Result<http::Response<hyper::body::Incoming>, hyper::Error>,
    conn_task: &mut ConnTask,
    limits: &Limits,
    until: tokio::time::Instant,
) -> ExchangeResult {
    let wait = |most: Duration| (tokio::time::Instant::now() + most).min(until);
    let response = match sent {
        Ok(r) => r,
        Err(send_err) => {
            // The real reason (an alert, a reset) sits in the connection task's result, except
            // for an HTTP/2 stream reset: it names its reason itself, and the connection, still
            // up, would only be waited on until the deadline.
            let h2_error = StdError::source(&send_err).and_then(|e| e.downcast_ref::<h2::Error>());
            let stream_reset = h2_error.is_some_and(|e| e.is_reset() && !e.is_go_away());
            let http1_required = stream_reset
                && h2_error.and_then(h2::Error::reason) == Some(h2::Reason::HTTP_1_1_REQUIRED);
            let most = if stream_reset {
                Duration::ZERO
            } else {
                Duration::from_secs(2)
            };
            let conn_err = conn_task.error_by(wait(most)).await;
            let (alert, why) = alert_and_reason(conn_err.as_ref(), &send_err);
            // A close as the request is written says nothing by itself: say what it may be, so
            // that the reason tells the user where to look.
            let hint = if alert.is_none()
                && (why.contains("os error 32")
                    || why.contains("os error 104")
                    || why.to_ascii_lowercase().contains("broken pipe"))
            {
                " (the server closed the connection as the request was written, without an \
                 alert or an HTTP answer: a refusal it does not say, or a failure; its error log \
                 tells which)"
            } else {
                ""
            };
            let closed_unanswered =
                alert.is_none() && !stream_reset && ended_by_the_peer(&send_err, conn_err.as_ref());
            return ExchangeResult {
                outcome: None,
                alert,
                detail: Some(format!("no HTTP response: {why}{hint}")),
                closed_unanswered,
                stream_reset: stream_reset && conn_err.is_none(),
                http1_required,
                ..ExchangeResult::default()
            };
        }
    };
    read_answer(response, limits, until, None).await
}

/// Reads an answer's head and body (up to the caps, until `until`) into a result classed by its
/// status.
async fn read_answer<B>(
    response: http::Response<B>,
    limits: &Limits,
    until: tokio::time::Instant,
    pace: Option<&BodyPace>,
) -> ExchangeResult
where
    B: hyper::body::Body<Data = Bytes> + Unpin,
    B::Error: StdError + 'static,
{
    let wait = |most: Duration| (tokio::time::Instant::now() + most).min(until);
    let status = response.status().as_u16();
    if let Some(why) = not_a_final_status(status) {
        return ExchangeResult {
            outcome: Some(Outcome::Inconclusive),
            detail: Some(why),
            informational_status: (100..200).contains(&status).then_some(status),
            ..ExchangeResult::default()
        };
    }
    let server_header = response
        .headers()
        .get(http::header::SERVER)
        .map(|v| sanitize(v.as_bytes(), 100));
    let via = response
        .headers()
        .get(http::header::VIA)
        .map(|v| sanitize(v.as_bytes(), 200));
    let powered_by = response
        .headers()
        .get("x-powered-by")
        .map(|v| sanitize(v.as_bytes(), 100));
    let location = response
        .headers()
        .get(http::header::LOCATION)
        .filter(|_| (300..400).contains(&status))
        .map(|v| sanitize(v.as_bytes(), 300));
    // A page's own redirect (a `Refresh` header, or a meta refresh read from the body below)
    // stands for a `Location` on any other status.
    let refresh = response
        .headers()
        .get("refresh")
        .filter(|_| !(300..400).contains(&status))
        .map(|v| v.as_bytes().to_vec());
    let content_type = response
        .headers()
        .get(http::header::CONTENT_TYPE)
        .map(|v| sanitize(v.as_bytes(), 100));
    let set_cookies = set_cookies(response.headers());
    let auth_challenge = response
        .headers()
        .get(http::header::WWW_AUTHENTICATE)
        .filter(|_| status == 401)
        .and_then(|v| auth_scheme(v.as_bytes()));
    // An HTTP/1 body without a length or chunks ends when the server closes the connection
    // (RFC 9112 §6.3): uWSGI, CGI-style apps. Its TCP close without a TLS close_notify is that
    // end, as curl reads it, not a body that broke off (a reset still is).
    let close_delimited = response.version() < http::Version::HTTP_2
        && !response
            .headers()
            .contains_key(http::header::CONTENT_LENGTH)
        && !response
            .headers()
            .contains_key(http::header::TRANSFER_ENCODING);
    // Asked for bodies as they are (`Accept-Encoding: identity`), but a server may compress
    // anyway: gzip and deflate are read as the page they hold.
    let encoding = response
        .headers()
        .get(http::header::CONTENT_ENCODING)
        .and_then(|v| v.to_str().ok())
        .and_then(Coding::of);
    let grpc_type = content_type
        .as_deref()
        .is_some_and(|t| t.to_ascii_lowercase().starts_with("application/grpc"));
    // A status line alone, not one header after it (no Date, no Connection, no length): what a
    // server writes on a socket it is failing, not an answer to the request (Node's docs'
    // `clientError` handler: `socket.end('HTTP/1.1 400 Bad Request\r\n\r\n')`, hapi's alike).
    let bare = response.version() < http::Version::HTTP_2 && response.headers().is_empty();
    // A gRPC answer's status: in the headers of a trailers-only answer, else in the trailers.
    let mut grpc_status = grpc_status_of(response.headers());
    // The headers a WebSocket path's refusal of a plain GET names it by (read with the body).
    let upgrade_headers = matches!(status, 400 | 426).then(|| response.headers().clone());
    // The body's length as announced: an h2 body whose bytes have all come is whole, whenever
    // its stream's end follows (a Node server sent it 800 ms after the last byte: the body was
    // read, cut as held and asked again, a connection more each).
    let announced = response
        .headers()
        .get(http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    let all_come = |buf: &[u8]| announced.is_some_and(|n| u64::try_from(buf.len()) == Ok(n));
    // (An HTTP/1.1 body is read to its end as hyper counts it: a connection kept alive is
    // handed back only then.)
    let over_h2 = response.version() == http::Version::HTTP_2;
    // A refusal's body is read further than a page's: a refusal not read to its end is no
    // refusal (what was not read may hold the page), and error pages of 20–40 KB (inline CSS,
    // a single-page app's shell on 401) are common (a review's).
    let cap = if status >= 300 {
        limits.body_cap.max(REFUSAL_BODY_CAP)
    } else {
        limits.body_cap
    };
    let mut body = response.into_body();
    let mut buf: Vec<u8> = Vec::new();
    let mut truncated = false;
    let mut complete = false;
    let mut held = false;
    while buf.len() < cap {
        let per_frame = wait(Duration::from_secs(2));
        // The frame, or `Err(())` at the end of its wait (the pace's bound may move on while
        // it is waited for: another stream's frame keeps the connection's wait going).
        let next = loop {
            let bound = pace.and_then(BodyPace::bound);
            let ends = bound.map_or(per_frame, |b| b.min(per_frame));
            tokio::select! {
                biased;
                frame = body.frame() => break Ok(frame),
                () = tokio::time::sleep_until(ends) => {
                    let now = tokio::time::Instant::now();
                    match pace.and_then(BodyPace::bound) {
                        Some(b) if b > now && per_frame > now => continue,
                        Some(b) if b <= per_frame => {
                            held = true;
                            break Err(());
                        }
                        _ => break Err(()),
                    }
                }
                () = BodyPace::first_body_ended(pace) => continue,
            }
        };
        if let (Some(p), Ok(Some(Ok(_)))) = (pace, &next) {
            p.frame();
        }
        match next {
            Ok(Some(Ok(frame))) => {
                if let Some(data) = frame.data_ref() {
                    let room = cap.saturating_sub(buf.len());
                    truncated |= data.len() > room;
                    buf.extend(data.iter().take(room));
                    // Not a gRPC answer's: its status may follow in trailers.
                    if over_h2 && !truncated && !grpc_type && all_come(&buf) {
                        complete = true;
                        break;
                    }
                }
                if let Some(trailers) = frame.trailers_ref() {
                    grpc_status = grpc_status.or_else(|| grpc_status_of(trailers));
                }
            }
            Ok(None) => {
                complete = true;
                break;
            }
            Ok(Some(Err(e))) if close_delimited && closed_without_notify(&e) => {
                complete = true;
                break;
            }
            _ => break, // an error, a stalled or endless body: the status is what matters
        }
    }
    let ended = hyper::body::Body::is_end_stream(&body);
    truncated |= buf.len() >= cap && !ended;
    complete |= !truncated && all_come(&buf);
    if held && !ended && !truncated && !complete {
        return ExchangeResult {
            outcome: Some(Outcome::Inconclusive),
            detail: Some(format!(
                "its HTTP/2 stream was answered HTTP {status}, and its body held: nothing more \
                 of it within {} ms of the connection's latest frame, another stream's body \
                 ended",
                LATER_ANSWER_WAIT.as_millis()
            )),
            held: true,
            ..ExchangeResult::default()
        };
    }
    // A body that ended (or reached the cap) bounds the others' wait; a stalled one does not.
    if let Some(p) = pace.filter(|_| complete || ended || truncated) {
        p.body_ended();
    }
    complete = (complete || ended) && !truncated;
    if let Some(coding) = encoding {
        let (plain, cut) = decoded(coding, &buf, cap);
        buf = plain;
        truncated |= cut;
        complete &= !cut;
    }
    let rate_limited = rate_limit_page(status, &buf);
    let speaks_websocket = upgrade_headers
        .as_ref()
        .is_some_and(|h| websocket::speaks_websocket(status, h, &buf));
    // A `grpc-status` counts on a gRPC answer (its content type, or no body: a trailers-only
    // answer, nginx's `add_header grpc-status 16; return 204`), not on a page of another kind
    // that carries one (an audit's JSON page with `Grpc-Status: 16` served to anyone: A, exit 0).
    let grpc = grpc_status
        .filter(|_| grpc_type || buf.is_empty())
        .and_then(|g| grpc_refusal(status, g));
    let failing = (bare && status == 400 && buf.is_empty()).then(|| {
        "a bare HTTP 400 (the status line alone: no header, no body), as a server writes on a \
         connection it is failing (Node's `clientError` handler from its docs, hapi), not an \
         answer to the request: a hapi application that let a certificate with a bad signature \
         in on some connections answered it so on the others"
            .to_owned()
    });
    let (outcome, detail) = match (failing.or(rate_limited), grpc) {
        (Some(why), _) => (Outcome::Inconclusive, Some(why)),
        (None, Some((outcome, why))) => (outcome, Some(why)),
        (None, None) => (classify_status(status), None),
    };
    ExchangeResult {
        complete,
        outcome: Some(outcome),
        detail,
        http_status: Some(status),
        server_header,
        via,
        powered_by,
        location: location.or_else(|| {
            (!(300..400).contains(&status))
                .then(|| crate::text::refresh_target(refresh.as_deref(), &buf))
                .flatten()
        }),
        auth_challenge,
        grpc_answer: grpc_type || grpc_status.is_some(),
        speaks_websocket,
        content_type,
        truncated,
        body_excerpt: Some(sanitize(&buf, limits.excerpt_chars)).filter(|s| !s.is_empty()),
        body: buf,
        set_cookies,
        ..ExchangeResult::default()
    }
}

/// Cookies kept of one answer at most ([`set_cookies`]).
pub const MAX_SET_COOKIES: usize = 16;

/// A cookie's `name=value` kept at most this long ([`set_cookies`]).
pub const MAX_COOKIE_BYTES: usize = 1024;

/// The `name=value` of each `Set-Cookie` in `headers` (RFC 6265 §5.2: up to the first `;`,
/// trimmed), as a client sends it back: at most [`MAX_SET_COOKIES`], each at most
/// [`MAX_COOKIE_BYTES`], without a name, with bytes no header value holds (controls), or one
/// that expires it at once (`Max-Age=0`, a value of `deleted`) left out. A later one of the same
/// name replaces an earlier one.
pub fn set_cookies(headers: &http::HeaderMap) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for v in headers.get_all(http::header::SET_COOKIE).iter().take(64) {
        let bytes = v.as_bytes();
        let mut parts = bytes.split(|&b| b == b';');
        let Some(pair) = parts.next() else { continue };
        let Ok(pair) = std::str::from_utf8(pair) else {
            continue;
        };
        let pair = pair.trim();
        let Some((name, value)) = pair.split_once('=') else {
            continue;
        };
        let (name, value) = (name.trim(), value.trim());
        let expires_now = parts.any(|a| {
            let a = String::from_utf8_lossy(a).to_ascii_lowercase();
            let a = a.trim();
            a == "max-age=0" || a.starts_with("max-age=-")
        }) || value == "deleted";
        let fits = !name.is_empty()
            && name.len() + value.len() < MAX_COOKIE_BYTES
            && !name
                .bytes()
                .any(|b| b.is_ascii_control() || b == b' ' || b == b',')
            && !value.bytes().any(|b| b.is_ascii_control() || b == b';');
        if !fits || expires_now {
            continue;
        }
        out.retain(|c| c.split_once('=').map(|(n, _)| n) != Some(name));
        if out.len() < MAX_SET_COOKIES {
            out.push(format!("{name}={value}"));
        }
    }
    out
}

/// A content coding the scan reads through.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Coding {
    /// `gzip`, `x-gzip`.
    Gzip,
    /// `deflate` (zlib; some servers send raw deflate: read too).
    Deflate,
}

impl Coding {
    fn of(value: &str) -> Option<Self> {
        match value.trim().to_ascii_lowercase().as_str() {
            "gzip" | "x-gzip" => Some(Self::Gzip),
            "deflate" => Some(Self::Deflate),
            _ => None,
        }
    }
}

/// `raw` decoded as `coding`, at most `cap` bytes; whether it was cut there. A stream that breaks
/// off (a body cut at the cap, a corrupt one) keeps what was decoded before the break; one that
/// decodes to nothing at all is kept as it came.
fn decoded(coding: Coding, raw: &[u8], cap: usize) -> (Vec<u8>, bool) {
    use std::io::Read as _;
    let read = |mut r: Box<dyn std::io::Read + '_>| {
        let mut out = Vec::new();
        let mut chunk = [0u8; 8192];
        loop {
            match r.read(&mut chunk) {
                Ok(0) | Err(_) => return (out, false),
                Ok(n) => {
                    let room = cap.saturating_sub(out.len());
                    out.extend(chunk.iter().take(n.min(room)));
                    if n > room {
                        return (out, true);
                    }
                }
            }
        }
    };
    let (out, cut) = match coding {
        Coding::Gzip => read(Box::new(flate2::read::MultiGzDecoder::new(raw))),
        Coding::Deflate => match read(Box::new(flate2::read::ZlibDecoder::new(raw))) {
            (o, c) if !o.is_empty() => (o, c),
            _ => read(Box::new(flate2::read::DeflateDecoder::new(raw))),
        },
    };
    if out.is_empty() && !raw.is_empty() {
        return (raw.to_vec(), false);
    }
    (out, cut)
}

#[cfg(test)]
mod tests {
    /// A redirect to the asked path over plain HTTP, or over HTTPS to another port of the
    /// target's host, is no refusal; to another path (a login page), another host or the same
    /// port over HTTPS it is judged as before.
    #[test]
    fn a_redirect_to_the_same_path_over_plain_http_is_unread() {
        const HOME: (&str, u16) = ("api.example", 8443);
        let redirect = |location: &str| super::ExchangeResult {
            http_status: Some(301),
            location: Some(location.to_owned()),
            ..super::ExchangeResult::default()
        };
        for same in [
            "http://127.0.0.1:8080/api",
            "HTTP://api.example/api/?x=1",
            "http://api.example/api#top",
        ] {
            assert!(
                super::downgraded(&redirect(same), "/api", HOME).is_some(),
                "{same}"
            );
        }
        for other in [
            "https://api.example/api",
            "http://login.example/sign-in",
            "/api/",
            "http://api.example",
        ] {
            assert!(
                super::downgraded(&redirect(other), "/api", HOME).is_none(),
                "{other}"
            );
        }
        assert!(super::downgraded(&redirect("http://api.example"), "/", HOME).is_some());
        // asked in absolute form (`path-form-bypass`): compared by its path
        assert!(super::downgraded(
            &redirect("http://api.example/api"),
            "https://api.example:8443/api",
            HOME
        )
        .is_some());
        let mut ok = redirect("http://127.0.0.1/api");
        ok.http_status = Some(200);
        assert!(super::downgraded(&ok, "/api", HOME).is_none());
        // Another port of the target's own host over HTTPS, the same path: unread; the same
        // port, another host, another path: a redirect like any.
        for other_port in [
            "https://api.example:8444/api",
            "https://API.example:9443/api/?next=1",
        ] {
            let why = super::downgraded(&redirect(other_port), "/api", HOME);
            assert!(
                why.as_deref().is_some_and(|w| w.contains("another port")),
                "{other_port}: {why:?}"
            );
        }
        for fine in [
            "https://api.example:8443/api",
            "https://login.example:9443/api",
            "https://api.example:9443/sign-in",
            "https://api.example/api",
        ] {
            assert!(
                super::downgraded(&redirect(fine), "/api", HOME).is_none(),
                "{fine}"
            );
        }
    }

    /// A body compressed though not asked for is read as the page it holds, within the cap.
    #[test]
    fn gzip_and_deflate_bodies_are_read_within_the_cap() {
        use super::{decoded, Coding};
        use std::io::Write as _;
        let page = br#"{"error":"unauthorized"}"#;
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        let _ = gz.write_all(page);
        let gz = gz.finish().unwrap_or_default();
        assert_eq!(decoded(Coding::Gzip, &gz, 1024), (page.to_vec(), false));
        assert_eq!(decoded(Coding::Gzip, &gz, 8), (page[..8].to_vec(), true));
        // Cut short in transit: what was decoded before the break.
        let half = decoded(Coding::Gzip, &gz[..gz.len() - 8], 1024).0;
        assert!(page.starts_with(&half) && !half.is_empty(), "{half:?}");
        let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
        let _ = z.write_all(page);
        assert_eq!(
            decoded(Coding::Deflate, &z.finish().unwrap_or_default(), 1024).0,
            page.to_vec()
        );
        let mut raw =
            flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::default());
        let _ = raw.write_all(page);
        assert_eq!(
            decoded(Coding::Deflate, &raw.finish().unwrap_or_default(), 1024).0,
            page.to_vec()
        );
        // Not what it says it is: kept as it came.
        assert_eq!(
            decoded(Coding::Gzip, b"plain", 1024),
            (b"plain".to_vec(), false)
        );
        assert_eq!(Coding::of(" X-GZIP "), Some(Coding::Gzip));
        assert_eq!(Coding::of("br"), None);
    }

    #[test]
    fn an_auth_challenge_keeps_its_scheme_name_alone() {
        assert_eq!(
            super::auth_scheme(b"Bearer realm=\"orders\", error=\"invalid_token\"").as_deref(),
            Some("Bearer")
        );
        assert_eq!(super::auth_scheme(b"  Basic").as_deref(), Some("Basic"));
        assert_eq!(
            super::auth_scheme(b"Negotiate,NTLM").as_deref(),
            Some("Negotiate")
        );
        assert_eq!(super::auth_scheme(b"\x1b[31mx"), None);
        assert_eq!(super::auth_scheme(b""), None);
        assert_eq!(super::auth_scheme(&[b'a'; 41]), None);
    }

    /// A library's error carrying the server's words (an HTTP/2 GOAWAY's debug data, as h2
    /// prints it) keeps no workflow command, control character or unbounded length.
    #[test]
    fn library_errors_are_kept_as_server_text() {
        let debug_data = format!("(b\"##[error]pwned\nnext{}\")", "x".repeat(10_000));
        let err = std::io::Error::other(format!("connection error: {debug_data}"));
        let kept = super::describe_error(&err);
        assert!(!kept.contains("##["), "{kept}");
        assert!(!kept.chars().any(char::is_control), "{kept}");
        // Capped (a broken `##[` is a character longer).
        assert!(
            kept.chars().count() <= super::ERROR_CHARS + 2,
            "{}",
            kept.len()
        );
        assert!(
            kept.starts_with("connection error: (b\"## [error]pwned next"),
            "{kept}"
        );
    }

    /// The extra headers of `lines` (`Name: value` each).
    fn extra_headers(lines: &[&str]) -> crate::target::ExtraHeaders {
        crate::target::ExtraHeaders(
            lines
                .iter()
                .map(|l| {
                    crate::target::ExtraHeaders::parse_one(l).unwrap_or_else(|e| panic!("{e}"))
                })
                .collect(),
        )
    }

    /// `echo` redacted with `headers` keeps nothing of `secret_part` and says it redacted.
    fn assert_redacted(echo: &str, headers: &crate::target::ExtraHeaders, secret_part: &str) {
        let mut text = echo.to_owned();
        super::redact_secrets(&mut text, headers);
        assert!(
            !text.contains(secret_part) && text.contains("<redacted>"),
            "{echo}: {text}"
        );
    }

    #[test]
    fn echoed_header_values_are_redacted() {
        let headers = extra_headers(&["Authorization: Bearer tok3n-value"]);
        let mut r = super::ExchangeResult {
            body_excerpt: Some(
                "you sent Bearer tok3n-value; token tok3n-value; Bearer other".into(),
            ),
            server_header: Some("echo/tok3n-value".into()),
            via: Some("1.1 tok3n-value (squid/5.7)".into()),
            ..super::ExchangeResult::default()
        };
        super::redact_header_values(&mut r, &headers);
        assert_eq!(
            r.body_excerpt.as_deref(),
            Some("you sent <redacted>; token <redacted>; Bearer other")
        );
        // Cut by the excerpt's cap inside the echoed token.
        let mut cut = "echo: Bearer tok3n-va".to_owned();
        super::redact_secrets(&mut cut, &headers);
        assert_eq!(cut, "echo: <redacted>");
        let mut short = "ends with tok".to_owned();
        super::redact_secrets(&mut short, &headers);
        assert_eq!(
            short, "ends with tok",
            "3 characters of a secret prove nothing"
        );
        assert_eq!(r.server_header.as_deref(), Some("echo/<redacted>"));
        assert_eq!(r.via.as_deref(), Some("1.1 <redacted> (squid/5.7)"));
        // Only its second half echoed (review Z), in any case; a masked token's last 4 kept.
        for (echo, redacted) in [
            ("token ...OK3N-VALUE.", "token ...<redacted>."),
            ("3n-value 3N-VALUE", "<redacted> <redacted>"),
            ("n-value", "n-value"),
            ("token ****alue", "token ****alue"),
        ] {
            let mut text = echo.to_owned();
            super::redact_secrets(&mut text, &headers);
            assert_eq!(text, redacted, "{echo}");
        }
        // A secret of one letter over and over: the ends found overlap; nothing of it is left.
        let repeated = extra_headers(&[&format!("Authorization: Bearer {}", "a".repeat(40))]);
        for (mut text, redacted) in [
            ("a".repeat(48), "<redacted>"),
            (format!("x{}y", "a".repeat(30)), "x<redacted>y"),
        ] {
            super::redact_secrets(&mut text, &repeated);
            assert!(!text.contains("aaaa"), "{text}");
            assert!(
                text.starts_with(redacted.get(..1).unwrap_or_default()),
                "{text}"
            );
        }
        // Cut inside a quote that closes after it (review Z: the 40 bytes a non-HTTP answer
        // began with, quoted mid-detail, ended inside the echoed token).
        let mut quoted =
            "no HTTP response (it began with \"pppp Bearer tok3n-v\"); then".to_owned();
        super::redact_secrets(&mut quoted, &headers);
        assert_eq!(
            quoted,
            "no HTTP response (it began with \"pppp <redacted>\"); then"
        );
        // As the scanner's own cleaning leaves server text: a backtick as U+02CB, a TAB as a
        // space (review Z: quoted whole, never matched).
        let odd = extra_headers(&["Authorization: Bearer SECRET`to\tken"]);
        for echo in [
            crate::text::sanitize(b"it began with Bearer SECRET`to\tken here", 100),
            crate::text::sanitize(b"it began with \"SECRET`to\tk\"", 100),
        ] {
            assert_redacted(&echo, &odd, "SECRET");
        }
    }

    /// A value past ASCII, and echoes that encode the value (JSON with `\/`, percent-encoding).
    #[test]
    fn encoded_and_non_ascii_echoes_are_redacted() {
        let headers = extra_headers(&[
            "X-Key: pässwört-42",
            "Authorization: Bearer ab/cd+ef==",
            "X-Api-Key: sk-live/ab+c== x~y",
        ]);
        for (echo, shown) in [
            ("key=pässwört-42 ok", "key=<redacted> ok"),
            (
                r#"{"auth":"Bearer ab\/cd+ef=="} ok"#,
                r#"{"auth":"<redacted>"} ok"#,
            ),
            (r#"{"t":"ab/cd+ef=="} ok"#, r#"{"t":"<redacted>"} ok"#),
            ("q=ab%2Fcd%2Bef%3D%3D&x", "q=<redacted>&x"),
            ("k=p%C3%A4ssw%C3%B6rt%2D42&x", "k=<redacted>&x"),
            // encodeURIComponent, Go's url.QueryEscape (space as `+`), lower-case hex.
            ("k=p%C3%A4ssw%C3%B6rt-42&x", "k=<redacted>&x"),
            ("q=sk-live%2Fab%2Bc%3D%3D%20x~y&", "q=<redacted>&"),
            ("q=sk-live%2Fab%2Bc%3D%3D+x~y&", "q=<redacted>&"),
            ("q=sk-live%2fab%2bc%3d%3d%20x~y&", "q=<redacted>&"),
            // Python's json.dumps (ASCII escapes).
            (
                r#"{"k": "p\u00e4ssw\u00f6rt-42"}"#,
                r#"{"k": "<redacted>"}"#,
            ),
        ] {
            let mut text = echo.to_owned();
            super::redact_secrets(&mut text, &headers);
            assert_eq!(text, shown, "{echo}");
        }
    }

    /// Echoes that change the case of the value (a debug page upper-casing headers), or encode it
    /// in base64, alone or inside a base64 dump of the whole request at any offset.
    #[test]
    fn upper_cased_and_base64_echoes_are_redacted() {
        use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
        use base64::Engine as _;
        let headers = extra_headers(&["Authorization: Bearer echo-secret-123"]);
        let whole = |t: &str| {
            let mut text = t.to_owned();
            super::redact_secrets(&mut text, &headers);
            text
        };
        assert_eq!(
            whole("AUTHORIZATION: BEARER ECHO-SECRET-123\n"),
            "AUTHORIZATION: <redacted>\n"
        );
        assert_eq!(whole("token Echo-Secret-123."), "token <redacted>.");
        for value in ["Bearer echo-secret-123", "echo-secret-123"] {
            let echo = format!("b64={} end", STANDARD.encode(value));
            assert_eq!(whole(&echo), "b64=<redacted> end", "{value}");
            let echo = format!("b64={} end", URL_SAFE_NO_PAD.encode(value));
            assert_eq!(whole(&echo), "b64=<redacted> end", "{value}");
        }
        // A dump of the whole request, the secret at every offset: "secret" is readable in no
        // piece left, however it is aligned.
        let readable = |text: &str| {
            text.split("<redacted>").any(|part| {
                (0..4).any(|skip| {
                    let piece = part.get(skip..).unwrap_or_default().trim_end_matches('=');
                    let whole_groups = piece.get(..piece.len() / 4 * 4).unwrap_or_default();
                    STANDARD
                        .decode(whole_groups)
                        .is_ok_and(|b| String::from_utf8_lossy(&b).contains("secret"))
                })
            })
        };
        for prefix in ["GET / HTTP/1.1\r\nAuthorization: ", "x", "xy", "xyz"] {
            let dump = STANDARD.encode(format!("{prefix}Bearer echo-secret-123\r\n\r\n"));
            assert!(readable(&dump), "{prefix:?}: the check reads it unredacted");
            let shown = whole(&dump);
            assert!(!readable(&shown), "{prefix:?}: {shown}");
        }
        assert_eq!(whole("nothing here"), "nothing here");

        // HTML pages (Go's html/template writes `+` as `&#43;`) and Go's encoding/json (`&` as
        // `\u0026`).
        let headers = extra_headers(&["X-Api-Key: sk_live+Ab12&Cd34<Ef>"]);
        for echo in [
            "your key is sk_live&#43;Ab12&amp;Cd34&lt;Ef&gt;.",
            "your key is sk_live&#x2B;Ab12&amp;Cd34&lt;Ef&gt;.",
            "your key is sk_live+Ab12&amp;Cd34&lt;Ef&gt;.",
            r#"{"key":"sk_live+Ab12\u0026Cd34\u003cEf\u003e"}."#,
        ] {
            assert_redacted(echo, &headers, "Ab12");
        }
        // Quotes: PHP's htmlspecialchars, escape-html, MarkupSafe.
        let headers = extra_headers(&["X-Api-Key: sk'live+Ab12\"Cd&34"]);
        for echo in [
            "Your key: sk&#039;live+Ab12&quot;Cd&amp;34.",
            "Your key: sk&#39;live+Ab12&quot;Cd&amp;34.",
            "Your key: sk&#39;live+Ab12&#34;Cd&amp;34.",
        ] {
            assert_redacted(echo, &headers, "Ab12");
        }
    }

    use super::*;

    #[test]
    fn finds_rustls_error_inside_io_error() {
        let inner = rustls::Error::AlertReceived(rustls::AlertDescription::CertificateRequired);
        let io = std::io::Error::new(std::io::ErrorKind::InvalidData, inner.clone());
        assert_eq!(find_tls_error(&io), Some(inner));
        let plain = std::io::Error::new(std::io::ErrorKind::ConnectionReset, "reset");
        assert_eq!(find_tls_error(&plain), None);
    }

    #[test]
    fn alert_recovered_from_h2_text() {
        let text = "connection error: received fatal alert: CertificateRequired";
        assert_eq!(
            alert_from_text(text).as_deref(),
            Some("CertificateRequired")
        );
        assert_eq!(alert_from_text("connection reset"), None);
    }

    /// A connection's jar: the cookies its answers set, the later of a name winning, added to
    /// the ask's own `Cookie` in one header.
    #[test]
    fn a_connections_cookies_are_carried_after_the_asks_own() {
        let answer = |cookies: &[&str]| ExchangeResult {
            set_cookies: cookies.iter().map(|c| (*c).to_owned()).collect(),
            ..error("x".to_owned())
        };
        let answers = [answer(&["sid=1", "csrf=a"]), answer(&["sid=2"])];
        let jar = jar(answers.iter().flat_map(|r| &r.set_cookies));
        assert_eq!(jar, ["csrf=a", "sid=2"]);
        let mut req = http::Request::builder()
            .uri("/")
            .header(http::header::COOKIE, "own=x")
            .body(Full::new(Bytes::new()))
            .unwrap();
        add_cookies(&mut req, &jar);
        let all: Vec<_> = req.headers().get_all(http::header::COOKIE).iter().collect();
        assert_eq!(all, ["own=x; csrf=a; sid=2"]);
        let mut bare = http::Request::builder()
            .uri("/")
            .body(Full::new(Bytes::new()))
            .unwrap();
        add_cookies(&mut bare, &[]);
        assert!(bare.headers().get(http::header::COOKIE).is_none());
    }

    #[test]
    fn set_cookies_keep_name_and_value_as_sent_back() {
        let mut h = http::HeaderMap::new();
        for v in [
            "sid=abc123; Path=/; HttpOnly; Secure",
            " csrf = t0k ;SameSite=Lax",
            "gone=deleted; Path=/",
            "old=1; Max-Age=0",
            "=nameless",
            "noequals",
            "sid=def456",
        ] {
            h.append(
                http::header::SET_COOKIE,
                http::HeaderValue::from_str(v).unwrap(),
            );
        }
        // A later one of a name replaces the earlier; expired and nameless ones are left out.
        assert_eq!(set_cookies(&h), ["csrf=t0k", "sid=def456"]);
        let mut many = http::HeaderMap::new();
        for i in 0..40 {
            many.append(
                http::header::SET_COOKIE,
                http::HeaderValue::from_str(&format!("c{i}=v")).unwrap(),
            );
        }
        many.append(
            http::header::SET_COOKIE,
            http::HeaderValue::from_str(&format!("big={}", "x".repeat(2000))).unwrap(),
        );
        let kept = set_cookies(&many);
        assert_eq!(kept.len(), MAX_SET_COOKIES);
        assert!(kept.iter().all(|c| c.len() < MAX_COOKIE_BYTES));
    }

    #[test]
    fn sanitize_strips_controls_and_caps() {
        assert_eq!(
            sanitize(b"ok\r\n::error::x\x1b[31m", 100),
            "ok  ::error::x [31m"
        );
        assert_eq!(sanitize("ééé".as_bytes(), 2), "éé");
        assert_eq!(sanitize(&[0xff, 0xfe, b'a'], 10), "\u{fffd}\u{fffd}a");
    }

    #[test]
    fn status_line_read_by_hand() {
        assert_eq!(status_line(b"HTTP/1.1 200 OK\r\nBad\x01: x\r\n"), Some(200));
        assert_eq!(status_line(b"HTTP/1.0 403\r\n"), Some(403));
        assert_eq!(status_line(b"HTTP/1.1 2OO OK\r\n"), None);
        assert_eq!(status_line(b"HTTP/1.1 2000 OK\r\n"), None);
        assert_eq!(status_line(b"<html>hello</html>"), None);
        assert_eq!(status_line(b"HTTP/1.1 20"), None);
        assert_eq!(status_line(b""), None);
        // An informational answer is not the final one: the status after it is.
        let hints =
            b"HTTP/1.1 103 Early Hints\r\nLink: </a.css>\r\n\r\nHTTP/1.1 200 OK\r\nBad\x01: x\r\n";
        assert_eq!(status_line(hints), Some(200));
        assert_eq!(
            status_line(b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 403 Forbidden\r\n"),
            Some(403)
        );
        // No final answer in what was kept: none, never the 1xx.
        assert_eq!(
            status_line(b"HTTP/1.1 103 Early Hints\r\nLink: x\r\n"),
            None
        );
        assert_eq!(status_line(b"HTTP/1.1 103 Early Hints\r\n\r\n"), None);
        assert_eq!(
            status_line(&b"HTTP/1.1 100 Continue\r\n\r\n".repeat(40)),
            None
        );
        assert_eq!(
            status_line(b"HTTP/1.1 101 Switching Protocols\r\n\r\n"),
            Some(101)
        );
    }

    #[test]
    fn status_classes() {
        assert_eq!(classify_status(204), Outcome::Served);
        // A limiter's short page, whatever its status, says nothing of the certificate; a long
        // page that mentions limits, a busy status (already so) and a plain page are no such.
        for (status, body) in [
            (200, "<h1>Slow down</h1>"),
            (200, r#"{"error":"rate_limited"}"#),
            (403, "Forbidden: rate limited, try again later"),
            (400, "Too Many Requests"),
        ] {
            let why = super::rate_limit_page(status, body.as_bytes());
            assert!(
                why.as_deref().is_some_and(
                    |w| w.starts_with(&format!("HTTP {status} with a rate limiter's page"))
                ),
                "{status} {body}: {why:?}"
            );
        }
        // An API's own data naming its rate limit is no limiter's page (an audit's open API).
        assert_eq!(
            super::rate_limit_page(
                200,
                br#"{"orders":[{"id":1}],"rate_limit":{"limit":100,"remaining":99}}"#
            ),
            None
        );
        // gRPC errors ride on a 2xx: 16 and 7 refuse, the rest serve nothing; 0 is served.
        assert_eq!(
            super::grpc_refusal(200, 16).map(|(o, _)| o),
            Some(Outcome::RefusedHttp)
        );
        assert_eq!(
            super::grpc_refusal(204, 7).map(|(o, _)| o),
            Some(Outcome::RefusedHttp)
        );
        assert_eq!(
            super::grpc_refusal(200, 12).map(|(o, _)| o),
            Some(Outcome::Answered)
        );
        assert_eq!(super::grpc_refusal(200, 0), None);
        assert_eq!(super::grpc_refusal(415, 16), None);
        let long = format!(
            "{{\"docs\":\"rate limits apply\",\"items\":\"{}\"}}",
            "x".repeat(3000)
        );
        for (status, body) in [
            (200, long.as_str()),
            (429, "Too Many Requests"),
            (403, "client certificate required"),
            (200, ""),
        ] {
            assert_eq!(
                super::rate_limit_page(status, body.as_bytes()),
                None,
                "{status}"
            );
        }
        assert_eq!(classify_status(496), Outcome::RefusedHttp);
        assert_eq!(classify_status(404), Outcome::Answered);
        assert_eq!(classify_status(302), Outcome::Answered);
        for odd in [100, 101, 199, 600, 999] {
            assert_eq!(classify_status(odd), Outcome::Inconclusive, "{odd}");
            assert!(not_a_final_status(odd).is_some(), "{odd}");
        }
        assert!(not_a_final_status(599).is_none() && not_a_final_status(200).is_none());
    }

    /// An address is taken as it is; a name is looked up once and its answer kept, a failure
    /// too (every probe of a target whose name does not resolve ends on the first lookup).
    #[tokio::test]
    async fn names_are_looked_up_once_and_kept() {
        let ip = ("127.0.0.1".to_owned(), 8443);
        assert_eq!(
            addresses(&ip).await.ok(),
            Some(vec![std::net::SocketAddr::from(([127, 0, 0, 1], 8443))])
        );
        let local = ("localhost".to_owned(), 8443);
        let first = addresses(&local).await.ok();
        assert!(first
            .as_ref()
            .is_some_and(|a| a.iter().all(|s| s.ip().is_loopback())));
        assert_eq!(addresses(&local).await.ok(), first);
        let dead = ("mtls-scan-test.invalid".to_owned(), 443);
        let e = addresses(&dead).await.err().map(|e| e.to_string());
        assert!(
            e.as_deref()
                .is_some_and(|e| e.contains("mtls-scan-test.invalid")),
            "{e:?}"
        );
    }
}
