//! One probe's exchange: TCP connect, a TLS handshake pinned to one version, and one HTTP GET over
//! our own TLS stream (hyper 1 `client::conn`, HTTP/1.1 or h2 as ALPN decides). Every step has a
//! deadline and every read a cap; whatever the server sends becomes an observation, never a panic.

use std::error::Error as StdError;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Empty};
use hyper_util::rt::{TokioExecutor, TokioIo};
use rustls::client::WebPkiServerVerifier;
use rustls::crypto::CryptoProvider;
use tokio::net::TcpStream;
use tokio_rustls::client::TlsStream;
use tokio_rustls::TlsConnector;

use crate::handshake::{self, CertChooser, SharedRecord};
use crate::observation::{Outcome, TlsVersion};
use crate::target::Target;

/// Caps on what is read from a server.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// The whole probe's deadline.
    pub timeout: Duration,
    /// Bytes of body read at most (the rest is never read).
    pub body_cap: usize,
    /// Bytes of response head (status line and headers) accepted at most.
    pub header_cap: usize,
    /// Characters of body kept as the excerpt.
    pub excerpt_chars: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self { timeout: Duration::from_secs(10), body_cap: 16 * 1024, header_cap: 64 * 1024, excerpt_chars: 200 }
    }
}

/// What the exchange produced, before it becomes a [`crate::observation::ProbeObservation`].
#[derive(Debug, Default)]
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
    /// Body excerpt, sanitised.
    pub body_excerpt: Option<String>,
    /// The whole body as read (up to the cap), for parsers that need it.
    pub body: Vec<u8>,
    /// An explanation of errors and alert-less refusals.
    pub detail: Option<String>,
    /// Elapsed time.
    pub elapsed: Duration,
}

/// What the exchange needs besides the target.
pub struct ExchangeSetup<'a> {
    /// The crypto provider.
    pub provider: &'a Arc<CryptoProvider>,
    /// Validation of the server chain (recorded, never enforced).
    pub webpki: Option<Arc<WebPkiServerVerifier>>,
    /// The TLS version to pin.
    pub version: TlsVersion,
    /// Which certificate to present.
    pub chooser: Option<Arc<dyn CertChooser>>,
    /// Limits.
    pub limits: Limits,
    /// The request path (defaults to the target's).
    pub path: Option<&'a str>,
}

/// Runs one exchange; the handshake facts land in `record`.
pub async fn run(target: &Target, setup: ExchangeSetup<'_>, record: &SharedRecord) -> ExchangeResult {
    let start = Instant::now();
    let deadline = setup.limits.timeout;
    let mut result = match tokio::time::timeout(deadline, exchange(target, &setup, record)).await {
        Ok(r) => r,
        Err(_) => {
            let requested = record.lock().cert_requested;
            let phase = if record.lock().server_chain.is_empty() { "before the server's certificate" } else { "after the handshake began" };
            ExchangeResult {
                outcome: Some(Outcome::Error),
                detail: Some(format!(
                    "timed out after {:.1} s {phase}{}",
                    deadline.as_secs_f64(),
                    if requested { " (a certificate had been requested)" } else { "" }
                )),
                ..ExchangeResult::default()
            }
        }
    };
    result.elapsed = start.elapsed();
    result
}

fn error(detail: impl Into<String>) -> ExchangeResult {
    ExchangeResult { outcome: Some(Outcome::Error), detail: Some(detail.into()), ..ExchangeResult::default() }
}

async fn exchange(target: &Target, setup: &ExchangeSetup<'_>, record: &SharedRecord) -> ExchangeResult {
    let config = match handshake::client_config(setup.provider, setup.webpki.clone(), setup.version, setup.chooser.clone(), record) {
        Ok(c) => c,
        Err(e) => return error(format!("TLS configuration: {e}")),
    };
    let server_name = match target.server_name() {
        Ok(n) => n,
        Err(e) => return error(e.to_string()),
    };
    let tcp = match TcpStream::connect((target.host.as_str(), target.port)).await {
        Ok(s) => s,
        Err(e) => return error(format!("cannot connect to {}: {e}", target.host_port())),
    };
    let _ = tcp.set_nodelay(true);
    let tls = match TlsConnector::from(Arc::new(config)).connect(server_name, tcp).await {
        Ok(t) => t,
        Err(e) => return handshake_failed(&e, record),
    };
    let (alpn, negotiated_h2) = {
        let conn = tls.get_ref().1;
        let alpn = conn.alpn_protocol().map(|p| String::from_utf8_lossy(p).into_owned());
        let h2 = conn.alpn_protocol() == Some(b"h2".as_slice());
        (alpn, h2)
    };
    let path = setup.path.unwrap_or(&target.path);
    let mut result = if negotiated_h2 {
        http2(tls, target, path, &setup.limits).await
    } else {
        http1(tls, target, path, &setup.limits).await
    };
    result.alpn = alpn;
    if result.outcome.is_none() {
        // No HTTP answer: classify the failure that the connection task saw.
        result.outcome = Some(no_answer_outcome(&result, record));
    }
    result
}

/// A handshake that failed: the server refused, does not speak the version, or is not TLS.
fn handshake_failed(err: &std::io::Error, record: &SharedRecord) -> ExchangeResult {
    let rec = record.lock();
    let tls_err = find_tls_error(err);
    let alert = tls_err.as_ref().and_then(alert_name);
    let reached_server = !rec.server_chain.is_empty() || rec.cert_requested;
    let mut r = ExchangeResult { alert: alert.clone(), ..ExchangeResult::default() };
    if reached_server {
        r.outcome = Some(Outcome::RefusedTls);
        if alert.is_none() {
            r.detail = Some(format!("connection ended during the handshake: {}", describe_error(err)));
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
        r.detail = Some(format!("refused before its certificate: {}", describe_error(err)));
    } else {
        r.outcome = Some(Outcome::Error);
        r.detail = Some(match tls_err {
            Some(rustls::Error::InvalidMessage(_)) | Some(rustls::Error::InappropriateMessage { .. }) => {
                format!("not a TLS server: {}", describe_error(err))
            }
            _ => format!("TLS handshake failed before the server's certificate: {}", describe_error(err)),
        });
    }
    r
}

/// After a completed handshake, the server gave no HTTP answer.
fn no_answer_outcome(result: &ExchangeResult, record: &SharedRecord) -> Outcome {
    if result.alert.is_some() {
        return Outcome::RefusedTls; // TLS 1.3 servers reject on the first read after the handshake
    }
    if record.lock().cert_requested {
        // Requested a certificate, then closed without an HTTP answer: a TLS-layer refusal without an alert.
        Outcome::RefusedTls
    } else {
        Outcome::Error
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
        let io = e.downcast_ref::<std::io::Error>().or_else(|| e.downcast_ref::<h2::Error>().and_then(h2::Error::get_io));
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
    let name: String = rest.chars().take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '(' | ')' | 'x')).take(40).collect();
    (!name.is_empty()).then_some(name)
}

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
    parts.join(": ")
}

fn classify_status(status: u16) -> Outcome {
    match status {
        200..=299 => Outcome::Served,
        400 | 401 | 403 | 495 | 496 => Outcome::RefusedHttp,
        _ => Outcome::Answered,
    }
}

/// Keeps printable text only, capped, so server text can never smuggle control characters.
pub fn sanitize(bytes: &[u8], max_chars: usize) -> String {
    String::from_utf8_lossy(bytes)
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .take(max_chars)
        .collect::<String>()
        .trim()
        .to_owned()
}

fn request(target: &Target, path: &str, absolute: bool) -> Result<http::Request<Empty<Bytes>>, http::Error> {
    let uri = if absolute { format!("https://{}{path}", target.authority()) } else { path.to_owned() };
    let mut builder = http::Request::get(uri)
        .header(http::header::USER_AGENT, concat!("mtls-scan/", env!("CARGO_PKG_VERSION")))
        .header(http::header::ACCEPT, "*/*");
    if !absolute {
        builder = builder.header(http::header::HOST, target.authority());
    }
    builder.body(Empty::new())
}

async fn http1(tls: TlsStream<TcpStream>, target: &Target, path: &str, limits: &Limits) -> ExchangeResult {
    let handshake = hyper::client::conn::http1::Builder::new()
        .max_buf_size(limits.header_cap.max(8192))
        .handshake::<_, Empty<Bytes>>(TokioIo::new(tls))
        .await;
    let (mut sender, conn) = match handshake {
        Ok(pair) => pair,
        Err(e) => return error(format!("HTTP/1.1 setup failed: {e}")),
    };
    let conn_task = tokio::spawn(conn);
    let req = match request(target, path, false) {
        Ok(r) => r,
        Err(e) => return error(format!("cannot build the request: {e}")),
    };
    let sent = sender.send_request(req).await;
    finish(sent, conn_task, limits).await
}

async fn http2(tls: TlsStream<TcpStream>, target: &Target, path: &str, limits: &Limits) -> ExchangeResult {
    let handshake = hyper::client::conn::http2::Builder::new(TokioExecutor::new())
        .max_header_list_size(u32::try_from(limits.header_cap).unwrap_or(u32::MAX))
        .max_concurrent_reset_streams(8)
        .handshake::<_, Empty<Bytes>>(TokioIo::new(tls))
        .await;
    let (mut sender, conn) = match handshake {
        Ok(pair) => pair,
        Err(e) => return error(format!("HTTP/2 setup failed: {e}")),
    };
    let conn_task = tokio::spawn(conn);
    let req = match request(target, path, true) {
        Ok(r) => r,
        Err(e) => return error(format!("cannot build the request: {e}")),
    };
    let sent = sender.send_request(req).await;
    finish(sent, conn_task, limits).await
}

async fn finish(
    sent: Result<http::Response<hyper::body::Incoming>, hyper::Error>,
    conn_task: tokio::task::JoinHandle<Result<(), hyper::Error>>,
    limits: &Limits,
) -> ExchangeResult {
    let response = match sent {
        Ok(r) => r,
        Err(send_err) => {
            // The real reason (an alert, a reset) sits in the connection task's result.
            let conn_result = tokio::time::timeout(Duration::from_secs(2), conn_task).await;
            let conn_err = match conn_result {
                Ok(Ok(Err(e))) => Some(e),
                _ => None,
            };
            let tls = conn_err
                .as_ref()
                .and_then(|e| find_tls_error(e))
                .or_else(|| find_tls_error(&send_err));
            let alert = tls
                .as_ref()
                .and_then(alert_name)
                .or_else(|| conn_err.as_ref().and_then(|e| alert_from_text(&describe_error(e))));
            let why = conn_err.as_ref().map_or_else(|| describe_error(&send_err), |e| describe_error(e));
            return ExchangeResult {
                outcome: None,
                alert,
                detail: Some(format!("no HTTP response: {why}")),
                ..ExchangeResult::default()
            };
        }
    };
    let status = response.status().as_u16();
    let server_header = response
        .headers()
        .get(http::header::SERVER)
        .map(|v| sanitize(v.as_bytes(), 100));
    let mut body = response.into_body();
    let mut buf: Vec<u8> = Vec::new();
    while buf.len() < limits.body_cap {
        match tokio::time::timeout(Duration::from_secs(2), body.frame()).await {
            Ok(Some(Ok(frame))) => {
                if let Some(data) = frame.data_ref() {
                    let room = limits.body_cap.saturating_sub(buf.len());
                    buf.extend(data.iter().take(room));
                }
            }
            _ => break, // end, error or a stalled body: the status is what matters
        }
    }
    conn_task.abort();
    ExchangeResult {
        outcome: Some(classify_status(status)),
        http_status: Some(status),
        server_header,
        body_excerpt: Some(sanitize(&buf, limits.excerpt_chars)).filter(|s| !s.is_empty()),
        body: buf,
        ..ExchangeResult::default()
    }
}

#[cfg(test)]
mod tests {
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
        assert_eq!(alert_from_text(text).as_deref(), Some("CertificateRequired"));
        assert_eq!(alert_from_text("connection reset"), None);
    }

    #[test]
    fn sanitize_strips_controls_and_caps() {
        assert_eq!(sanitize(b"ok\r\n::error::x\x1b[31m", 100), "ok  ::error::x [31m");
        assert_eq!(sanitize("ééé".as_bytes(), 2), "éé");
        assert_eq!(sanitize(&[0xff, 0xfe, b'a'], 10), "\u{fffd}\u{fffd}a");
    }

    #[test]
    fn status_classes() {
        assert_eq!(classify_status(204), Outcome::Served);
        assert_eq!(classify_status(496), Outcome::RefusedHttp);
        assert_eq!(classify_status(404), Outcome::Answered);
        assert_eq!(classify_status(302), Outcome::Answered);
    }
}
