//! The impostor's server side: accepts connections for a scenario, records what each client does
//! (its ClientHello's SNI and ALPN, the handshake or its alert, the certificate it offered, the
//! request it sent), answers a request with a minimal `HTTP/1.1 200` so the client finishes (an
//! HTTP/1.1 connection kept alive for the client's next calls, as any keep-alive server would),
//! and closes. Every step has a time limit and every read a size cap; nothing from the client is kept
//! unsanitised.

use std::collections::BTreeMap;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinSet;
use tokio_rustls::LazyConfigAcceptor;

use super::client::ClientOutcome;
use super::model::{
    ConnectionEnd, ConnectionRecord, LateConnection, OfferedCert, Scenario, ScenarioResult,
    MAX_RECORDED, PROMPT_CLOSE,
};
use crate::facts::TlsVersion;
use crate::text::sanitize;

/// The most application data read from one connection.
const MAX_REQUEST: usize = 16 * 1024;
/// The longest request line kept.
const REQUEST_LINE_CHARS: usize = 200;
/// What a request gets when the connection ends with it.
const RESPONSE: &[u8] = b"HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: 3\r\n\
connection: close\r\nserver: mtls-scan-impostor\r\n\r\nok\n";
/// What an HTTP/1.1 request that may be followed by another gets, in a wrapped run: a client
/// making several calls in one process (`requests.Session`, `curl URL1 URL2`) keeps one
/// connection, as it does with any keep-alive server, so its control shows one connection, not
/// one per call (review V: such careful clients were unjudged, exit 3, "wrap each call on its
/// own").
const RESPONSE_KEEP_ALIVE: &[u8] = b"HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\n\
content-length: 3\r\nconnection: keep-alive\r\nserver: mtls-scan-impostor\r\n\r\nok\n";
/// How long a kept-alive connection waits for the next request at most (Apache's default
/// `KeepAliveTimeout`): a client that waits for the server to close (`openssl s_client -quiet`
/// after its piped requests) is not held until it is killed (a review's: B, exit 3 so).
const KEEP_ALIVE_IDLE: Duration = Duration::from_secs(5);
/// The most requests answered on one kept-alive connection after its first.
const MAX_KEPT_ALIVE: usize = 16;
/// The largest request body skipped to reach the next request; a larger one ends the connection.
const MAX_KEPT_BODY: usize = 1024 * 1024;

/// Time limits of one connection.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Limits {
    /// ClientHello, and the rest of the handshake.
    handshake: Duration,
    /// The request, once the handshake completed.
    request: Duration,
    /// Writing the answer and closing.
    write: Duration,
    /// How long connections still open may finish once the client has exited.
    grace: Duration,
    /// How long an HTTP/1.1 connection waits for the client's next request once a request is
    /// answered ([`further_requests`]); `None`: the connection closes with its first answer.
    kept_alive: Option<Duration>,
}

impl Limits {
    /// From the scenario's limit (`--scenario-timeout`): the whole handshake, and then the
    /// request, each get that limit, so a client that takes its time to decide is watched as
    /// long as it is allowed to run; writing the answer gets at most 5 s.
    pub(crate) fn new(scenario: Duration) -> Self {
        let floor = Duration::from_millis(100);
        Self {
            handshake: scenario.max(floor),
            request: scenario.max(floor),
            write: scenario.min(Duration::from_secs(5)).max(floor),
            grace: Duration::from_secs(1),
            kept_alive: None,
        }
    }

    /// These limits, with HTTP/1.1 connections kept alive between requests for up to the request
    /// limit, at most [`KEEP_ALIVE_IDLE`]: for a wrapped client, which has each scenario to itself. Serving others, where
    /// scenarios turn per connection on one port, a poller kept on the control's connection would
    /// never meet another scenario (a review's careless poller: B, exit 3, not F).
    pub(crate) fn kept_alive(self) -> Self {
        Self {
            kept_alive: Some(self.request.min(KEEP_ALIVE_IDLE)),
            ..self
        }
    }

    /// The longest one connection may be watched: its handshake, its request, its answer.
    fn whole(&self) -> Duration {
        self.handshake + self.request + self.write
    }
}

/// One connection's record, and when it was last updated (its end, once it ended).
type Entry = (ConnectionRecord, Instant);

/// The records of one scenario's connections.
#[derive(Clone)]
struct Recorder {
    records: Arc<Mutex<Vec<Entry>>>,
    dropped: Arc<AtomicUsize>,
    /// What the records' `at_ms` count from.
    base: Instant,
}

/// One connection's record, updated as facts come in (a task cut short keeps what it saw).
struct Slot {
    records: Arc<Mutex<Vec<Entry>>>,
    index: usize,
    started: Instant,
}

impl Slot {
    fn update(&self, f: impl FnOnce(&mut ConnectionRecord)) {
        let mut records = self.records.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some((r, when)) = records.get_mut(self.index) {
            f(r);
            r.ms = self.started.elapsed().as_secs_f64() * 1000.0;
            *when = Instant::now();
        }
    }
}

impl Recorder {
    fn new(base: Instant) -> Self {
        Self {
            records: Arc::default(),
            dropped: Arc::default(),
            base,
        }
    }

    /// A new slot, or `None` past [`MAX_RECORDED`] (counted).
    fn slot(&self) -> Option<Slot> {
        let mut records = self.records.lock().unwrap_or_else(PoisonError::into_inner);
        if records.len() >= MAX_RECORDED {
            self.dropped.fetch_add(1, Ordering::Relaxed);
            return None;
        }
        let started = Instant::now();
        let record = ConnectionRecord {
            at_ms: Some(started.duration_since(self.base).as_secs_f64() * 1000.0),
            ..ConnectionRecord::default()
        };
        let index = records.len();
        records.push((record, started));
        Some(Slot {
            records: self.records.clone(),
            index,
            started,
        })
    }

    /// The records, once every task has ended: a watch that never ended was cut short; with
    /// `killed` (the client was killed, or exited as `timeout` does, at that instant), a close
    /// without an alert from shortly before it on is the kill, not a refusal. With `exited` (the
    /// client had exited at that instant), a connection accepted from the queue after it was
    /// opened by a client that never read the impostor's answer: whatever closed it after its
    /// ClientHello is no refusal.
    fn take(
        &self,
        killed: Option<Instant>,
        exited: Option<Instant>,
    ) -> (Vec<ConnectionRecord>, usize) {
        let records = self.records.lock().unwrap_or_else(PoisonError::into_inner);
        let since = killed.map(|k| k.checked_sub(KILL_SLACK).unwrap_or(k));
        let exited_ms =
            exited.map(|e| e.saturating_duration_since(self.base).as_secs_f64() * 1000.0);
        let out = records
            .iter()
            .map(|(r, when)| {
                let mut r = r.clone();
                let queued = exited_ms.is_some_and(|e| r.at_ms.is_some_and(|at| at >= e));
                match r.end {
                    None => r.end = Some(ConnectionEnd::CutShort),
                    Some(
                        ConnectionEnd::Alert
                        | ConnectionEnd::Closed
                        | ConnectionEnd::ClosedAfterHandshake
                        | ConnectionEnd::ClosedLate
                        | ConnectionEnd::TimedOut
                        | ConnectionEnd::TlsError,
                    ) if queued => {
                        r.end = Some(ConnectionEnd::BeforeCertificate);
                        r.detail = Some(format!(
                            "{}; still queued when the client exited, so it never read the certificate",
                            r.detail.as_deref().unwrap_or("closed")
                        ));
                    }
                    Some(ConnectionEnd::Closed | ConnectionEnd::ClosedAfterHandshake)
                        if since.is_some_and(|k| *when >= k) =>
                    {
                        r.end = Some(ConnectionEnd::Killed);
                        r.detail = Some(format!(
                            "{}, as the client was killed",
                            r.detail.as_deref().unwrap_or("closed")
                        ));
                    }
                    _ => {}
                }
                r
            })
            .collect();
        (moved_on(out), self.dropped.load(Ordering::Relaxed))
    }
}

/// How soon after a late close the client's next connection must begin for the close to be the
/// client moving on ([`moved_on`]).
const MOVED_ON_WITHIN_MS: f64 = 100.0;

/// How much earlier than the close the impostor may see that next connection begin: the client
/// closes, then connects, but the impostor's accept and its read of the close are two tasks, and
/// on a loaded machine the accept may run first (with 1 ms allowed, a careful Python client that
/// retries after a back-off was incomplete, B, in one full test run of the twenty-third session).
const MOVED_ON_SEEN_FIRST_MS: f64 = 25.0;

/// A connection closed late after the handshake, without a request, just as the same client
/// opened its next one: the client moved on without sending its request (urllib3 1.26 checks
/// the host name after the handshake, raises, and leaves the socket to be closed as its retry
/// starts, after a back-off of 1, 2, 4 s: pip and requests with retries were unjudged). A client
/// killed while it decides opens no next connection. Counted as a refusal after the handshake.
fn moved_on(mut records: Vec<ConnectionRecord>) -> Vec<ConnectionRecord> {
    let starts: Vec<f64> = records.iter().filter_map(|r| r.at_ms).collect();
    for r in &mut records {
        let (Some(at), true, false) = (r.at_ms, r.handshake_completed, r.got_request()) else {
            continue;
        };
        if r.end != Some(ConnectionEnd::ClosedLate) {
            continue;
        }
        let closed = at + r.ms;
        let next =
            starts.iter().copied().filter(|s| *s > at).find(|s| {
                (closed - MOVED_ON_SEEN_FIRST_MS..=closed + MOVED_ON_WITHIN_MS).contains(s)
            });
        if let Some(next) = next {
            r.end = Some(ConnectionEnd::ClosedAfterHandshake);
            r.detail = Some(format!(
                "closed after the handshake without an alert, {:.1} s after it, as the client \
                 opened its next connection ({:.0} ms later): it moved on without sending its \
                 request",
                r.ms / 1000.0,
                (next - closed).max(0.0)
            ));
        }
    }
    records
}

/// How long before the client's death a close may still be its death (the kernel closes its
/// sockets before its parent, e.g. `timeout`, reaps it and exits).
const KILL_SLACK: Duration = Duration::from_millis(500);

/// Closes connections waiting between scenarios (a late client), and counts those whose client
/// is still there: one its peer has already closed (a client that exited with a connect in
/// flight: grpc-go redials about a second after a refused handshake, and etcdctl's time-out can
/// fall on that redial) can carry no request, whatever it holds, so it is no process left behind.
pub(crate) async fn drain(listener: &TcpListener) -> usize {
    let (mut accepted, mut alive) = (0, 0);
    while accepted < 1024 {
        match tokio::time::timeout(Duration::from_millis(2), listener.accept()).await {
            Ok(Ok((stream, _))) => {
                accepted += 1;
                if !closed_by_peer(stream).await {
                    alive += 1;
                }
            }
            _ => break,
        }
    }
    alive
}

/// Whether the peer has already closed `stream`: what it sent read (at most 64 KiB), then an end
/// of stream or a reset within [`PEER_CLOSED_WAIT`]. A peer still there (silent, or still
/// sending) is not: the stream is dropped either way.
async fn closed_by_peer(mut stream: TcpStream) -> bool {
    let mut buf = [0u8; 4096];
    let mut read = 0usize;
    while read <= 64 * 1024 {
        match tokio::time::timeout(PEER_CLOSED_WAIT, stream.read(&mut buf)).await {
            Ok(Ok(0)) | Ok(Err(_)) => return true,
            Ok(Ok(n)) => read += n,
            Err(_) => return false,
        }
    }
    false
}

/// How long [`closed_by_peer`] waits for a closed connection's end: a client that has exited
/// had its sockets closed by the kernel before the scenario after it begins.
const PEER_CLOSED_WAIT: Duration = Duration::from_millis(5);

fn port_of(listener: &TcpListener) -> u16 {
    listener.local_addr().map_or(0, |a: SocketAddr| a.port())
}

/// What serves a scenario's connections.
#[derive(Clone)]
pub(crate) enum Serving {
    /// rustls, with the scenario's certificate.
    Rustls(super::pki::ScenarioTls),
    /// OpenSSL picking an anonymous cipher suite ([`Scenario::AnonymousSuite`]), with no
    /// certificate at all: rustls has none.
    Anonymous(Arc<openssl::ssl::SslContext>),
}

/// The OpenSSL server of [`Scenario::AnonymousSuite`]: TLS 1.2 alone (TLS 1.3 has no anonymous
/// suite; the other scenarios speak no older version either), the anonymous suites alone (`ECDH_anon`, `DH_anon` with the RFC 5114 2048-bit group;
/// none without encryption), at security level 0 (level 1 refuses every anonymous suite), no
/// session cache.
pub(crate) fn anonymous_context() -> Result<openssl::ssl::SslContext, openssl::error::ErrorStack> {
    use openssl::ssl::{SslContextBuilder, SslMethod, SslSessionCacheMode, SslVersion};
    let mut b = SslContextBuilder::new(SslMethod::tls_server())?;
    b.set_security_level(0);
    b.set_min_proto_version(Some(SslVersion::TLS1_2))?;
    b.set_max_proto_version(Some(SslVersion::TLS1_2))?;
    b.set_cipher_list("aNULL:!eNULL:@SECLEVEL=0")?;
    let dh = openssl::dh::Dh::get_2048_256()?;
    b.set_tmp_dh(&dh)?;
    b.set_session_cache_mode(SslSessionCacheMode::OFF);
    Ok(b.build())
}

fn spawn_connection(
    tasks: &mut JoinSet<()>,
    recorder: &Recorder,
    tcp: TcpStream,
    serving: Serving,
    asks_for_cert: bool,
    limits: Limits,
) {
    match (recorder.slot(), serving) {
        (Some(slot), Serving::Rustls(config)) => {
            tasks.spawn(handle(tcp, config, slot, asks_for_cert, limits));
        }
        (Some(slot), Serving::Anonymous(context)) => {
            tasks.spawn(handle_anonymous(tcp, context, slot, limits));
        }
        (None, _) => drop(tcp),
    }
}

/// Lets open connections finish for `grace`, then cuts them short (their records keep no end:
/// [`Recorder::take`] marks them cut short).
async fn settle(mut tasks: JoinSet<()>, grace: Duration) {
    let _ = tokio::time::timeout(grace, async { while tasks.join_next().await.is_some() {} }).await;
    tasks.abort_all();
    while tasks.join_next().await.is_some() {}
}

/// Serves one scenario while the client runs; returns when the client has ended and its
/// connections have settled.
pub(crate) async fn play<F>(
    listener: &TcpListener,
    scenario: Scenario,
    serving: Serving,
    client: F,
    limits: Limits,
) -> ScenarioResult
where
    F: Future<Output = ClientOutcome>,
{
    let started = Instant::now();
    let recorder = Recorder::new(started);
    let mut tasks = JoinSet::new();
    let asks = scenario.asks_for_client_cert();
    tokio::pin!(client);
    let outcome = loop {
        tokio::select! {
            outcome = &mut client => break outcome,
            accepted = listener.accept() => match accepted {
                Ok((tcp, _)) => spawn_connection(&mut tasks, &recorder, tcp, serving.clone(), asks, limits),
                // Out of descriptors or similar: let the client run on, and try again shortly.
                Err(_) => tokio::time::sleep(Duration::from_millis(10)).await,
            },
        }
        while tasks.try_join_next().is_some() {}
    };
    let client_ended = Instant::now();
    // The client's last connections may still wait in the accept queue: one opened and closed
    // just before it exited is its own (the kernel queued it before `connect` returned), and a
    // `select!` that saw the exit first would leave it to the next scenario's drain, unrecorded.
    let left_queued = queued(listener, &recorder);
    let queued_any = !left_queued.is_empty();
    for tcp in left_queued {
        spawn_connection(&mut tasks, &recorder, tcp, serving.clone(), asks, limits);
    }
    settle(tasks, limits.grace).await;
    let (connections, dropped) = recorder.take(
        outcome.killed().then_some(client_ended),
        queued_any.then_some(client_ended),
    );
    ScenarioResult {
        scenario,
        port: port_of(listener),
        connections,
        connections_not_recorded: dropped,
        after_exit: 0,
        client: Some(outcome),
        not_served: None,
        ms: started.elapsed().as_secs_f64() * 1000.0,
    }
}

/// The connections waiting in `listener`'s accept queue now, taken without waiting (at most
/// [`MAX_QUEUED`]): a non-blocking `accept` on the socket itself, since tokio's readiness may
/// not have seen them yet.
/// A connection that could not be taken over (its socket made non-blocking, registered with
/// tokio) counts in `recorder`'s dropped connections: unseen, never silently lost.
fn queued(listener: &TcpListener, recorder: &Recorder) -> Vec<TcpStream> {
    let socket = socket2::SockRef::from(listener);
    let mut streams = Vec::new();
    let mut tries = 0;
    while streams.len() < MAX_QUEUED && tries < 2 * MAX_QUEUED {
        tries += 1;
        let accepted = match socket.accept() {
            Ok((accepted, _)) => accepted,
            // A connection reset while queued, or a signal: the next one may still wait.
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::Interrupted | std::io::ErrorKind::ConnectionAborted
                ) =>
            {
                continue;
            }
            Err(_) => break,
        };
        let std_stream = std::net::TcpStream::from(accepted);
        match std_stream
            .set_nonblocking(true)
            .and_then(|()| TcpStream::from_std(std_stream))
        {
            Ok(tcp) => streams.push(tcp),
            Err(_) => {
                recorder.dropped.fetch_add(1, Ordering::Relaxed);
            }
        }
    }
    streams
}

/// How many queued connections [`queued`] takes at most once the client has exited.
const MAX_QUEUED: usize = 256;

/// Serve mode: accepts on every listener until `stop` or `max` connections; with `per_port`,
/// each listener serves its own scenario, else connection `i` gets scenario `i mod n`.
pub(crate) async fn serve<F>(
    listeners: &[(Scenario, Arc<TcpListener>)],
    served: &[(Scenario, super::pki::ScenarioTls)],
    per_port: bool,
    max: Option<u64>,
    limits: Limits,
    stop: F,
) -> (Vec<ScenarioResult>, String, Vec<LateConnection>)
where
    F: Future<Output = String>,
{
    let started = Instant::now();
    let recorders: BTreeMap<Scenario, Recorder> = served
        .iter()
        .map(|(s, _)| (*s, Recorder::new(started)))
        .collect();
    let (tx, mut rx) = tokio::sync::mpsc::channel::<(Scenario, TcpStream)>(64);
    let mut acceptors = JoinSet::new();
    for (s, l) in listeners {
        let (s, l, tx) = (*s, l.clone(), tx.clone());
        acceptors.spawn(async move {
            loop {
                match l.accept().await {
                    Ok((tcp, _)) => {
                        if tx.send((s, tcp)).await.is_err() {
                            break;
                        }
                    }
                    Err(_) => tokio::time::sleep(Duration::from_millis(10)).await,
                }
            }
        });
    }
    drop(tx);
    let mut tasks = JoinSet::new();
    let mut count: u64 = 0;
    tokio::pin!(stop);
    let ended_by = loop {
        if max.is_some_and(|m| count >= m) {
            break format!("--connections {count}");
        }
        tokio::select! {
            why = &mut stop => break why,
            got = rx.recv() => {
                let Some((on, tcp)) = got else { break "the listeners closed".to_owned() };
                let scenario = if per_port {
                    on
                } else {
                    let len = u64::try_from(served.len()).unwrap_or(1).max(1);
                    let i = usize::try_from(count % len).unwrap_or(0);
                    served.get(i).map_or(on, |(s, _)| *s)
                };
                count += 1;
                let config = served.iter().find(|(s, _)| *s == scenario).map(|(_, c)| c.clone());
                match (config, recorders.get(&scenario)) {
                    (Some(config), Some(recorder)) => spawn_connection(
                        &mut tasks,
                        recorder,
                        tcp,
                        Serving::Rustls(config),
                        scenario.asks_for_client_cert(),
                        limits,
                    ),
                    _ => drop(tcp),
                }
            }
        }
        while tasks.try_join_next().is_some() {}
    };
    // Stopped by the count, the impostor (not the user) chose the end: a client may still be
    // retrying what it refused. For LATE_WATCH after the count, connections are still accepted,
    // their ClientHello fingerprint noted, and closed unserved: a refusal followed by one from
    // the same client is not counted.
    let late = Arc::new(Mutex::new(Vec::new()));
    if max.is_some_and(|m| count >= m) {
        let until = tokio::time::Instant::now() + LATE_WATCH;
        let mut hellos = JoinSet::new();
        loop {
            tokio::select! {
                () = tokio::time::sleep_until(until) => break,
                got = rx.recv() => {
                    let Some((on, tcp)) = got else { break };
                    let port = listeners
                        .iter()
                        .find(|(s, _)| *s == on)
                        .map_or(0, |(_, l)| port_of(l));
                    let late = late.clone();
                    hellos.spawn(async move {
                        let at_ms = started.elapsed().as_secs_f64() * 1000.0;
                        let lazy = LazyConfigAcceptor::new(rustls::server::Acceptor::default(), tcp);
                        let print = match tokio::time::timeout(LATE_WATCH, lazy).await {
                            Ok(Ok(start)) => Some(fingerprint(&start.client_hello())),
                            _ => None,
                        };
                        late.lock()
                            .unwrap_or_else(PoisonError::into_inner)
                            .push(LateConnection { port, fingerprint: print, at_ms });
                    });
                }
            }
        }
        settle(hellos, LATE_WATCH).await;
    }
    acceptors.abort_all();
    // The last connections get what any connection gets: the handshake's and the request's
    // limits (each task ends by itself by then), at most a minute.
    settle(tasks, limits.whole().min(Duration::from_secs(60))).await;
    let late = std::mem::take(&mut *late.lock().unwrap_or_else(PoisonError::into_inner));
    let ms = started.elapsed().as_secs_f64() * 1000.0;
    let main_port = listeners.first().map_or(0, |(_, l)| port_of(l));
    let results = recorders
        .into_iter()
        .map(|(scenario, recorder)| {
            let (connections, dropped) = recorder.take(None, None);
            let port = if per_port {
                listeners
                    .iter()
                    .find(|(s, _)| *s == scenario)
                    .map_or(main_port, |(_, l)| port_of(l))
            } else {
                main_port
            };
            ScenarioResult {
                scenario,
                port,
                connections,
                connections_not_recorded: dropped,
                after_exit: 0,
                client: None,
                not_served: None,
                ms,
            }
        })
        .collect();
    (results, ended_by, late)
}

/// How long serve mode, stopped by `--connections`, still watches for a client's next
/// connection (its retry, say).
const LATE_WATCH: Duration = Duration::from_secs(2);

/// The rustls error inside an I/O error from tokio-rustls.
fn rustls_error(e: &std::io::Error) -> Option<&rustls::Error> {
    e.get_ref()?.downcast_ref::<rustls::Error>()
}

/// How a connection failed, in a few words (the alert goes elsewhere).
fn describe_io(e: &std::io::Error, during: &str) -> String {
    use std::io::ErrorKind;
    match e.kind() {
        ErrorKind::UnexpectedEof => format!("closed {during} without an alert"),
        ErrorKind::ConnectionReset => format!("reset {during}"),
        _ => match rustls_error(e) {
            Some(r) => format!("{during}: {r}"),
            None => format!("{during}: {}", sanitize(e.to_string().as_bytes(), 120)),
        },
    }
}

fn version_of(v: Option<rustls::ProtocolVersion>) -> Option<TlsVersion> {
    match v? {
        rustls::ProtocolVersion::TLSv1_3 => Some(TlsVersion::Tls13),
        rustls::ProtocolVersion::TLSv1_2 => Some(TlsVersion::Tls12),
        _ => None,
    }
}

fn offered(der: &rustls_pki_types::CertificateDer<'_>) -> OfferedCert {
    match crate::identity::summarize(der, "offered by the client") {
        Ok(s) => OfferedCert {
            subject: s.subject,
            issuer: s.issuer,
            sha256: s.sha256,
        },
        Err(_) => OfferedCert {
            subject: "<unparsable certificate>".to_owned(),
            issuer: String::new(),
            sha256: crate::identity::sha256_hex(der.as_ref()),
        },
    }
}

/// The HTTP/2 client connection preface.
const H2_PREFACE: &[u8] = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

/// One HTTP/2 frame read whole from the start of the data: its type, flags, stream, payload
/// and the bytes it took.
struct H2Frame<'a> {
    kind: u8,
    flags: u8,
    stream: u32,
    payload: &'a [u8],
    len: usize,
}

/// The frame at the start of `data`, once all of it has arrived.
fn h2_frame(data: &[u8]) -> Option<H2Frame<'_>> {
    let head = data.get(..9)?;
    let len = h2_frame_len(head)?;
    let stream = u32::from_be_bytes([
        *head.get(5)? & 0x7f,
        *head.get(6)?,
        *head.get(7)?,
        *head.get(8)?,
    ]);
    Some(H2Frame {
        kind: *head.get(3)?,
        flags: *head.get(4)?,
        stream,
        payload: data.get(9..9 + len)?,
        len: 9 + len,
    })
}

/// The stream of the first HEADERS frame after an HTTP/2 preface, once it has arrived, and the
/// offset of the data after that frame.
fn h2_request(buf: &[u8]) -> Option<(u32, usize)> {
    let mut at = H2_PREFACE.len();
    loop {
        let frame = h2_frame(buf.get(at..)?)?;
        at += frame.len;
        if frame.kind == H2_HEADERS && frame.stream != 0 {
            return Some((frame.stream, at));
        }
    }
}

/// The stream of the first HEADERS frame after an HTTP/2 preface, once it has arrived.
fn h2_request_stream(buf: &[u8]) -> Option<u32> {
    h2_request(buf).map(|(stream, _)| stream)
}

/// HTTP/2 frame types (RFC 9113 §6) the impostor reads or writes.
const H2_DATA: u8 = 0x0;
const H2_HEADERS: u8 = 0x1;
const H2_SETTINGS_FRAME: u8 = 0x4;
const H2_PING: u8 = 0x6;
const H2_GOAWAY: u8 = 0x7;
const H2_WINDOW_UPDATE: u8 = 0x8;
/// The ACK flag of SETTINGS and PING.
const H2_ACK: u8 = 0x1;
/// The largest frame payload read (the default `SETTINGS_MAX_FRAME_SIZE`, which the impostor
/// never raises): a larger one ends the connection.
const H2_MAX_FRAME: usize = 16_384;

/// The server's SETTINGS frame, empty: the defaults.
const H2_SETTINGS: [u8; 9] = [0, 0, 0, 0x4, 0, 0, 0, 0, 0];

/// A minimal HTTP/2 answer to the request on `stream` (after the server's [`H2_SETTINGS`]): an
/// ACK of the client's SETTINGS, `:status 200` with `content-type: application/grpc`, an empty gRPC message and the
/// trailers `grpc-status: 0` ending the stream, then GOAWAY: an h2 client finishes at once
/// instead of waiting for its time-out, and a gRPC client's call succeeds (an empty message is
/// every message's defaults), so its command succeeds against the control as a careful one must
/// (etcdctl failed on a bare `200` before). Any other h2 client reads a 200 with five bytes.
fn h2_answer(stream: u32) -> Vec<u8> {
    let mut out = vec![0, 0, 0, H2_SETTINGS_FRAME, H2_ACK, 0, 0, 0, 0];
    out.extend(h2_stream_answer(stream));
    out.extend(h2_goaway(stream));
    out
}

/// GOAWAY naming `last` the last stream answered, no error.
fn h2_goaway(last: u32) -> Vec<u8> {
    let mut out = vec![0, 0, 8, H2_GOAWAY, 0, 0, 0, 0, 0];
    out.extend_from_slice(&last.to_be_bytes());
    out.extend_from_slice(&[0, 0, 0, 0]);
    out
}

/// The answer on `stream` alone ([`h2_answer`] without the SETTINGS ACK and the GOAWAY).
fn h2_stream_answer(stream: u32) -> Vec<u8> {
    let id = stream.to_be_bytes();
    // A literal header field without indexing, its name new (RFC 7541 §6.2.2); short strings.
    let literal = |name: &str, value: &str| -> Vec<u8> {
        let mut out = vec![0u8];
        for s in [name, value] {
            out.push(u8::try_from(s.len()).unwrap_or(0).min(0x7f));
            out.extend_from_slice(s.as_bytes());
        }
        out
    };
    let frame = |out: &mut Vec<u8>, kind: u8, flags: u8, payload: &[u8]| {
        let len = u32::try_from(payload.len()).unwrap_or(0).to_be_bytes();
        out.extend_from_slice(&[len[1], len[2], len[3], kind, flags]);
        out.extend_from_slice(&id);
        out.extend_from_slice(payload);
    };
    let mut out = Vec::new();
    let mut head = vec![0x88];
    head.extend(literal("content-type", "application/grpc"));
    frame(&mut out, H2_HEADERS, 0x4, &head);
    frame(&mut out, H2_DATA, 0x0, &[0, 0, 0, 0, 0]);
    frame(&mut out, H2_HEADERS, 0x5, &literal("grpc-status", "0"));
    out
}

/// In a wrapped run ([`Limits::kept_alive`]), the h2 connection goes on after its first answer
/// (`buf` all read so far, `from` the offset after the first request's HEADERS, `first` its
/// stream): every later request stream is answered as the first was, up to [`MAX_KEPT_ALIVE`]
/// more, each awaited at most the kept-alive limit, then GOAWAY. An h2 client making several
/// calls on one connection (Node's `http2` session, Go's transport, a gRPC channel) so keeps one
/// connection, as with any h2 server (review W: its second stream went unanswered, the control
/// failed, exit 3). Its SETTINGS and PINGs are acknowledged and the data it sends credited back,
/// so that it never waits on the impostor.
async fn further_streams<S>(tls: &mut S, buf: Vec<u8>, from: usize, first: u32, limits: Limits)
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin,
{
    let Some(idle) = limits.kept_alive else {
        return;
    };
    let mut pending: Vec<u8> = buf.get(from..).unwrap_or_default().to_vec();
    let (mut last, mut answered) = (first, 0usize);
    let mut chunk = [0u8; 4096];
    let end = loop {
        let mut out = Vec::new();
        let mut used = 0;
        let mut stop = false;
        while let Some(frame) = pending.get(used..).and_then(h2_frame) {
            used += frame.len;
            match frame.kind {
                H2_HEADERS if frame.stream > last && frame.stream % 2 == 1 => {
                    last = frame.stream;
                    answered += 1;
                    out.extend(h2_stream_answer(frame.stream));
                    if answered >= MAX_KEPT_ALIVE {
                        stop = true;
                        break;
                    }
                }
                H2_SETTINGS_FRAME if frame.flags & H2_ACK == 0 && frame.stream == 0 => {
                    out.extend_from_slice(&[0, 0, 0, H2_SETTINGS_FRAME, H2_ACK, 0, 0, 0, 0]);
                }
                H2_PING if frame.flags & H2_ACK == 0 && frame.payload.len() == 8 => {
                    out.extend_from_slice(&[0, 0, 8, H2_PING, H2_ACK, 0, 0, 0, 0]);
                    out.extend_from_slice(frame.payload);
                }
                H2_DATA if !frame.payload.is_empty() => {
                    // The connection's window, credited back (the stream is answered already).
                    let credit = u32::try_from(frame.payload.len()).unwrap_or(0);
                    out.extend_from_slice(&[0, 0, 4, H2_WINDOW_UPDATE, 0, 0, 0, 0, 0]);
                    out.extend_from_slice(&credit.to_be_bytes());
                }
                H2_GOAWAY => stop = true,
                _ => {}
            }
        }
        pending.drain(..used.min(pending.len()));
        if !out.is_empty() && !write_within(tls, &out, limits.write).await {
            return;
        }
        // A frame larger than the impostor reads ends it.
        let oversized = h2_frame_len(&pending).is_some_and(|n| n > H2_MAX_FRAME);
        if stop || oversized {
            break last;
        }
        match tokio::time::timeout(idle, tls.read(&mut chunk)).await {
            Ok(Ok(n)) if n > 0 => pending.extend(chunk.get(..n).unwrap_or_default()),
            _ => break last,
        }
    };
    write_within(tls, &h2_goaway(end), limits.write).await;
}

/// Writes `bytes` and flushes them within `limit`; whether that went through.
async fn write_within<S>(tls: &mut S, bytes: &[u8], limit: Duration) -> bool
where
    S: tokio::io::AsyncWrite + Unpin,
{
    let sent = tokio::time::timeout(limit, async {
        tls.write_all(bytes).await?;
        tls.flush().await
    })
    .await;
    matches!(sent, Ok(Ok(())))
}

/// The payload length the frame at the start of `data` declares, once its head has arrived.
fn h2_frame_len(data: &[u8]) -> Option<usize> {
    let head = data.get(..3)?;
    Some(
        (usize::from(*head.first()?) << 16)
            | (usize::from(*head.get(1)?) << 8)
            | usize::from(*head.get(2)?),
    )
}

/// What the data read so far is, and whether it is complete enough to answer.
fn classify(buf: &[u8]) -> (Option<String>, bool, bool) {
    if buf.starts_with(b"PRI * HTTP/2.0") {
        let complete = h2_request_stream(buf).is_some() || buf.len() >= MAX_REQUEST;
        return (
            Some("HTTP/2 connection preface".to_owned()),
            complete,
            false,
        );
    }
    let mut headers = [httparse::EMPTY_HEADER; 64];
    let mut req = httparse::Request::new(&mut headers);
    let parsed = req.parse(buf);
    let line = match (req.method, req.path) {
        (Some(m), Some(p)) => {
            let v = req
                .version
                .map_or_else(String::new, |v| format!(" HTTP/1.{v}"));
            // Redacted whole, then capped: a secret cut at the cap may no longer look like one.
            let whole = sanitize(format!("{m} {p}{v}").as_bytes(), MAX_REQUEST);
            Some(
                crate::text::redact_secrets(&whole)
                    .chars()
                    .take(REQUEST_LINE_CHARS)
                    .collect::<String>()
                    .trim_end()
                    .to_owned(),
            )
        }
        _ => None,
    };
    match parsed {
        Ok(httparse::Status::Complete(_)) | Err(httparse::Error::TooManyHeaders) => {
            (line, true, true)
        }
        Ok(httparse::Status::Partial) => (line, buf.len() >= MAX_REQUEST, true),
        Err(_) => (
            Some(format!("{} bytes of data that is not HTTP/1.x", buf.len())),
            true,
            false,
        ),
    }
}

/// How an I/O error ended the connection: the client's alert, its close or reset, or another
/// TLS error; with the error in a few words when it is not an alert.
fn ended_by(e: &std::io::Error, during: &str) -> (ConnectionEnd, Option<String>, Option<String>) {
    use std::io::ErrorKind;
    if let Some(rustls::Error::AlertReceived(a)) = rustls_error(e) {
        return (ConnectionEnd::Alert, Some(format!("{a:?}")), None);
    }
    // OpenSSL's stream ([`Scenario::AnonymousSuite`]) wraps its own error.
    if let Some(ssl) = e
        .get_ref()
        .and_then(|inner| inner.downcast_ref::<openssl::ssl::Error>())
    {
        return openssl_ended_by(ssl, during);
    }
    let end = match e.kind() {
        ErrorKind::UnexpectedEof | ErrorKind::ConnectionReset | ErrorKind::ConnectionAborted => {
            ConnectionEnd::Closed
        }
        // The impostor's own write failed: the client had gone before the data reached it.
        ErrorKind::BrokenPipe => ConnectionEnd::BeforeCertificate,
        _ => ConnectionEnd::TlsError,
    };
    (end, None, Some(describe_io(e, during)))
}

/// A close without an alert counts as a refusal only when it came promptly after `since` (the
/// impostor's certificate, or the completed handshake): otherwise it is [`ConnectionEnd::ClosedLate`].
fn late(
    end: ConnectionEnd,
    detail: Option<String>,
    since: Instant,
    what: &str,
) -> (ConnectionEnd, Option<String>) {
    let after = since.elapsed();
    if !matches!(
        end,
        ConnectionEnd::Closed | ConnectionEnd::ClosedAfterHandshake
    ) || after < PROMPT_CLOSE
    {
        return (end, detail);
    }
    let detail = format!(
        "{} {:.1} s after {what}: too late to be a refusal (a client killed while it decides \
         closes so too)",
        detail.as_deref().unwrap_or("closed"),
        after.as_secs_f64()
    );
    (ConnectionEnd::ClosedLate, Some(detail))
}

/// Code points in hex, comma-separated, GREASE values (RFC 8701) left out: they are random.
fn codes(values: impl Iterator<Item = u16>) -> String {
    let grease = |v: u16| v & 0x0f0f == 0x0a0a && (v >> 8) == (v & 0xff);
    values
        .filter(|v| !grease(*v))
        .map(|v| format!("{v:04x}"))
        .collect::<Vec<_>>()
        .join(",")
}

/// The anonymous cipher suites of IANA's registry (key exchange without a server certificate:
/// `TLS_DH_anon_*`, `TLS_ECDH_anon_*`), by code point. rustls names most of them only by number.
const ANONYMOUS_SUITES: [(u16, &str); 33] = [
    (0x0017, "TLS_DH_anon_EXPORT_WITH_RC4_40_MD5"),
    (0x0018, "TLS_DH_anon_WITH_RC4_128_MD5"),
    (0x0019, "TLS_DH_anon_EXPORT_WITH_DES40_CBC_SHA"),
    (0x001a, "TLS_DH_anon_WITH_DES_CBC_SHA"),
    (0x001b, "TLS_DH_anon_WITH_3DES_EDE_CBC_SHA"),
    (0x0034, "TLS_DH_anon_WITH_AES_128_CBC_SHA"),
    (0x003a, "TLS_DH_anon_WITH_AES_256_CBC_SHA"),
    (0x0046, "TLS_DH_anon_WITH_CAMELLIA_128_CBC_SHA"),
    (0x0057, "TLS_ECDH_anon_NULL_WITH_SHA_draft"),
    (0x0058, "TLS_ECDH_anon_WITH_RC4_128_SHA_draft"),
    (0x0059, "TLS_ECDH_anon_WITH_DES_CBC_SHA_draft"),
    (0x005a, "TLS_ECDH_anon_WITH_3DES_EDE_CBC_SHA_draft"),
    (0x005b, "TLS_ECDH_anon_EXPORT_WITH_DES40_CBC_SHA_draft"),
    (0x005c, "TLS_ECDH_anon_EXPORT_WITH_RC4_40_SHA_draft"),
    (0x006c, "TLS_DH_anon_WITH_AES_128_CBC_SHA256"),
    (0x006d, "TLS_DH_anon_WITH_AES_256_CBC_SHA256"),
    (0x0089, "TLS_DH_anon_WITH_CAMELLIA_256_CBC_SHA"),
    (0x009b, "TLS_DH_anon_WITH_SEED_CBC_SHA"),
    (0x00a6, "TLS_DH_anon_WITH_AES_128_GCM_SHA256"),
    (0x00a7, "TLS_DH_anon_WITH_AES_256_GCM_SHA384"),
    (0x00bf, "TLS_DH_anon_WITH_CAMELLIA_128_CBC_SHA256"),
    (0x00c5, "TLS_DH_anon_WITH_CAMELLIA_256_CBC_SHA256"),
    (0xc015, "TLS_ECDH_anon_WITH_NULL_SHA"),
    (0xc016, "TLS_ECDH_anon_WITH_RC4_128_SHA"),
    (0xc017, "TLS_ECDH_anon_WITH_3DES_EDE_CBC_SHA"),
    (0xc018, "TLS_ECDH_anon_WITH_AES_128_CBC_SHA"),
    (0xc019, "TLS_ECDH_anon_WITH_AES_256_CBC_SHA"),
    (0xc046, "TLS_DH_anon_WITH_ARIA_128_CBC_SHA256"),
    (0xc047, "TLS_DH_anon_WITH_ARIA_256_CBC_SHA384"),
    (0xc05a, "TLS_DH_anon_WITH_ARIA_128_GCM_SHA256"),
    (0xc05b, "TLS_DH_anon_WITH_ARIA_256_GCM_SHA384"),
    (0xc084, "TLS_DH_anon_WITH_CAMELLIA_128_GCM_SHA256"),
    (0xc085, "TLS_DH_anon_WITH_CAMELLIA_256_GCM_SHA384"),
];

/// The anonymous cipher suites among `offered`, by their IANA names, at most 8.
fn anonymous_suites(offered: &[rustls::CipherSuite]) -> Vec<String> {
    offered
        .iter()
        .filter_map(|c| {
            let code = u16::from(*c);
            ANONYMOUS_SUITES
                .iter()
                .find(|(anon, _)| *anon == code)
                .map(|(_, name)| (*name).to_owned())
        })
        .take(8)
        .collect()
}

/// A digest of what a TLS client's ClientHello shows of the client itself (cipher suites,
/// signature schemes, ALPN list, SNI; GREASE values left out), 16 hex digits.
fn fingerprint(hello: &rustls::server::ClientHello<'_>) -> String {
    let suites = codes(hello.cipher_suites().iter().map(|c| u16::from(*c)));
    let schemes = codes(hello.signature_schemes().iter().map(|s| u16::from(*s)));
    let alpn: Vec<String> = hello
        .alpn()
        .map(|p| p.map(crate::identity::sha256_hex).collect())
        .unwrap_or_default();
    let text = format!(
        "{suites}|{schemes}|{}|{}",
        alpn.join(","),
        hello.server_name().unwrap_or("")
    );
    crate::identity::sha256_hex(text.as_bytes())
        .chars()
        .take(16)
        .collect()
}

/// The start of every connection: one limit for the whole handshake, the ClientHello included
/// (its deadline returned with the connection); a connection whose first byte is not a TLS
/// handshake record may be a plaintext request, read as one here (the client sending its request
/// with no TLS at all: `None`).
async fn tls_or_plaintext(
    tcp: TcpStream,
    slot: &Slot,
    limits: Limits,
) -> Option<(TcpStream, tokio::time::Instant)> {
    let _ = tcp.set_nodelay(true);
    let deadline = tokio::time::Instant::now() + limits.handshake;
    let mut first = [0u8; 1];
    match tokio::time::timeout_at(deadline, tcp.peek(&mut first)).await {
        Ok(Ok(1..)) if first[0] != 0x16 => {
            plaintext(tcp, slot, deadline, limits).await;
            return None;
        }
        // Closed before a single byte: nothing was sent on it, a request least of all.
        Ok(Ok(0)) => {
            slot.update(|r| {
                r.end = Some(ConnectionEnd::BeforeHello);
                r.carried_nothing = true;
                r.detail = Some("closed by the client before it sent a single byte".to_owned());
            });
            return None;
        }
        _ => {}
    }
    Some((tcp, deadline))
}

/// Whether the ClientHello waiting on `tcp` offers TLS 1.2 ([`super::pki::hello_offers_tls12`]),
/// peeked (left for rustls to read) until its first record is in, for at most
/// [`HELLO_PEEK_WAIT`]: a ClientHello in two TCP segments, or near 16 KB, arrives in pieces (a
/// review's was read from its first piece alone, and Node's certificate went unasked: A, exit
/// 0). None when it could not be read whole.
async fn peek_hello_versions(tcp: &TcpStream) -> Option<bool> {
    let mut buf = vec![0u8; 5 + 16 * 1024 + 256];
    let until = tokio::time::Instant::now() + HELLO_PEEK_WAIT;
    loop {
        let n = tokio::time::timeout_at(until, tcp.peek(&mut buf))
            .await
            .ok()?
            .ok()?;
        let got = buf.get(..n)?;
        if let Some(offers) = super::pki::hello_offers_tls12(got) {
            return Some(offers);
        }
        // The record's length is in its header: wait only while some of it has yet to come.
        let whole = got
            .get(3..5)
            .and_then(|l| <[u8; 2]>::try_from(l).ok())
            .map(|l| 5 + usize::from(u16::from_be_bytes(l)));
        if n == 0 || whole.is_some_and(|w| n >= w) || tokio::time::Instant::now() >= until {
            return None;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

/// How long the ClientHello's first record is waited for before rustls reads it.
const HELLO_PEEK_WAIT: Duration = Duration::from_millis(500);

async fn handle(
    tcp: TcpStream,
    config: super::pki::ScenarioTls,
    slot: Slot,
    asks_for_cert: bool,
    limits: Limits,
) {
    let Some((tcp, deadline)) = tls_or_plaintext(tcp, &slot, limits).await else {
        return;
    };
    let secs = limits.handshake.as_secs_f64();
    // The versions the ClientHello offers, read from what has arrived (rustls's ClientHello
    // does not tell them): only where a TLS 1.2 twin could answer.
    let offers_tls12 = if config.tls12.is_some() {
        peek_hello_versions(&tcp).await
    } else {
        None
    };
    let lazy = LazyConfigAcceptor::new(rustls::server::Acceptor::default(), tcp);
    let start = match tokio::time::timeout_at(deadline, lazy).await {
        Err(_) => {
            slot.update(|r| {
                r.end = Some(ConnectionEnd::BeforeHello);
                r.detail = Some(format!("no TLS ClientHello within {secs:.1} s"));
            });
            return;
        }
        Ok(Err(e)) => {
            slot.update(|r| {
                r.end = Some(ConnectionEnd::BeforeHello);
                r.detail = Some(describe_io(&e, "before a ClientHello"));
            });
            return;
        }
        Ok(Ok(s)) => s,
    };
    record_hello(&slot, hello_facts(&start.client_hello()));
    let config = config.for_hello(&start.client_hello(), offers_tls12);
    // The impostor's certificate goes out right after the ClientHello.
    let flight = Instant::now();
    let mut tls = match tokio::time::timeout_at(deadline, start.into_stream(config)).await {
        Err(_) => return handshake_timed_out(&slot, secs),
        Ok(Err(e)) => {
            let ended = ended_by(&e, "during the handshake");
            return handshake_failed(&slot, ended, flight, "the impostor's certificate");
        }
        Ok(Ok(t)) => t,
    };
    let completed = Instant::now();
    {
        let (_, conn) = tls.get_ref();
        let version = version_of(conn.protocol_version());
        let alpn = conn.alpn_protocol().map(|p| sanitize(p, 64));
        let cert = conn
            .peer_certificates()
            .and_then(|c| c.first())
            .map(offered);
        slot.update(|r| {
            r.handshake_completed = true;
            r.tls_version = version;
            r.alpn = alpn;
            r.client_cert_declined = asks_for_cert && cert.is_none();
            r.client_cert = cert;
        });
    }
    answer_request(&mut tls, &slot, completed, limits).await;
}

/// After a completed handshake: reads what the client sends (its request, up to
/// [`MAX_REQUEST`], within the request limit), records it or how the connection ended, answers
/// an HTTP request (or an HTTP/2 one) so the client finishes, and closes.
async fn answer_request<S>(tls: &mut S, slot: &Slot, completed: Instant, limits: Limits)
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin,
{
    let mut buf: Vec<u8> = Vec::new();
    let mut chunk = [0u8; 4096];
    let mut http = false;
    // The server's SETTINGS went out once an h2 preface came ([`h2_answer`] then leaves it out).
    let mut settings_sent = false;
    let deadline = Instant::now() + limits.request;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match tokio::time::timeout(left, tls.read(&mut chunk)).await {
            Err(_) => {
                if buf.is_empty() {
                    let secs = limits.request.as_secs_f64();
                    slot.update(|r| {
                        r.end = Some(ConnectionEnd::TimedOut);
                        r.detail = Some(format!("no request within {secs:.1} s"));
                    });
                }
                break;
            }
            Ok(Ok(0)) => {
                if buf.is_empty() {
                    let (end, detail) = late(
                        ConnectionEnd::ClosedAfterHandshake,
                        Some("closed without a request".to_owned()),
                        completed,
                        "the handshake",
                    );
                    slot.update(|r| {
                        r.end = Some(end);
                        r.detail = detail;
                    });
                }
                break;
            }
            Ok(Ok(n)) => {
                let room = MAX_REQUEST.saturating_sub(buf.len());
                buf.extend(chunk.iter().take(n.min(room)));
                let (line, complete, is_http) = classify(&buf);
                http = is_http;
                slot.update(|r| {
                    r.end = Some(ConnectionEnd::Request);
                    r.app_data_bytes = r.app_data_bytes.saturating_add(n);
                    r.request = line;
                });
                if complete || buf.len() >= MAX_REQUEST {
                    break;
                }
                // An h2 client may wait for the server's SETTINGS before it sends its request
                // (grpc-go does: etcdctl timed out against the control, exit 1).
                if !settings_sent && buf.starts_with(H2_PREFACE) {
                    settings_sent = true;
                    if !write_within(tls, &H2_SETTINGS, limits.write).await {
                        break;
                    }
                }
            }
            Ok(Err(e)) => {
                if buf.is_empty() {
                    let (end, alert, detail) = ended_by(&e, "after the handshake");
                    let end = match end {
                        ConnectionEnd::Closed => ConnectionEnd::ClosedAfterHandshake,
                        other => other,
                    };
                    let (end, detail) = late(end, detail, completed, "the handshake");
                    slot.update(|r| {
                        r.end = Some(end);
                        r.alert = alert;
                        r.detail = detail;
                    });
                }
                break;
            }
        }
    }
    let h2 = h2_request(&buf);
    let next = match http.then(|| framing(&buf)) {
        Some(Framing::Keep(next)) if limits.kept_alive.is_some() => Some(next),
        _ => None,
    };
    let written = tokio::time::timeout(limits.write, async {
        if http {
            let answer = if next.is_some() {
                RESPONSE_KEEP_ALIVE
            } else {
                RESPONSE
            };
            tls.write_all(answer).await?;
        } else if let Some((stream, _)) = h2 {
            if !settings_sent {
                tls.write_all(&H2_SETTINGS).await?;
            }
            if limits.kept_alive.is_some() {
                tls.write_all(&[0, 0, 0, H2_SETTINGS_FRAME, H2_ACK, 0, 0, 0, 0])
                    .await?;
                tls.write_all(&h2_stream_answer(stream)).await?;
            } else {
                tls.write_all(&h2_answer(stream)).await?;
            }
        }
        tls.flush().await
    })
    .await;
    if let (Some(next), Ok(Ok(()))) = (next, &written) {
        further_requests(tls, next, limits).await;
    } else if let (Some((stream, from)), Ok(Ok(()))) = (h2, &written) {
        further_streams(tls, buf, from, stream, limits).await;
    }
    let _ = tokio::time::timeout(limits.write, tls.shutdown()).await;
}

/// What follows a complete HTTP/1.x request head in the data read so far.
#[derive(Debug, PartialEq, Eq)]
enum Framing {
    /// The head is not complete yet.
    Partial,
    /// A request the connection ends with: HTTP/1.0, `connection: close`, a chunked or
    /// unreadable body, an upgrade, `expect: 100-continue`.
    Last,
    /// No request: data that is not HTTP/1.x, or past the read cap.
    Unframed,
    /// Another request may follow on the connection.
    Keep(Pending),
}

/// Where the next request on a kept-alive connection begins.
#[derive(Debug, PartialEq, Eq)]
struct Pending {
    /// The bytes already read past this request's head and body.
    leftover: Vec<u8>,
    /// The body bytes of this request not read yet, to skip.
    skip: usize,
}

/// How the request at the start of `buf` is framed (read to at most [`MAX_REQUEST`]).
fn framing(buf: &[u8]) -> Framing {
    if buf.len() >= MAX_REQUEST {
        return Framing::Unframed;
    }
    let mut headers = [httparse::EMPTY_HEADER; 64];
    let mut req = httparse::Request::new(&mut headers);
    let head = match req.parse(buf) {
        Ok(httparse::Status::Complete(n)) => n,
        Ok(httparse::Status::Partial) => return Framing::Partial,
        Err(_) => return Framing::Unframed,
    };
    if req.version != Some(1) {
        return Framing::Last;
    }
    let mut body: Option<usize> = None;
    for h in req.headers.iter() {
        let value = String::from_utf8_lossy(h.value);
        let value = value.trim();
        if h.name.eq_ignore_ascii_case("connection")
            && value
                .split(',')
                .any(|t| t.trim().eq_ignore_ascii_case("close"))
        {
            return Framing::Last;
        }
        // A client waiting for `100 Continue` may send its body after the answer, or not at all:
        // where the next request begins cannot be told.
        if ["transfer-encoding", "upgrade", "expect"]
            .iter()
            .any(|n| h.name.eq_ignore_ascii_case(n))
        {
            return Framing::Last;
        }
        if h.name.eq_ignore_ascii_case("content-length") {
            match value.parse::<usize>() {
                Ok(n) if n <= MAX_KEPT_BODY && body.is_none_or(|b| b == n) => body = Some(n),
                _ => return Framing::Last,
            }
        }
    }
    let body = body.unwrap_or(0);
    let available = buf.len().saturating_sub(head);
    let leftover = buf
        .get(head.saturating_add(body)..)
        .map(<[u8]>::to_vec)
        .unwrap_or_default();
    Framing::Keep(Pending {
        leftover,
        skip: body.saturating_sub(available),
    })
}

/// The requests after the first on a kept-alive HTTP/1.1 connection, each answered as the first
/// was, none recorded (the connection's record holds its first request): at most
/// [`MAX_KEPT_ALIVE`], each awaited at most the kept-alive limit (a client that exits closes its
/// connection: nothing waits longer than it runs). Anything that is not a complete HTTP/1.x
/// request in time ends the connection unanswered.
async fn further_requests<S>(tls: &mut S, first: Pending, limits: Limits)
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin,
{
    let Some(idle) = limits.kept_alive else {
        return;
    };
    let mut chunk = [0u8; 4096];
    let (mut buf, mut skip) = (first.leftover, first.skip);
    for answered in 1..=MAX_KEPT_ALIVE {
        let next = loop {
            if skip == 0 {
                match framing(&buf) {
                    Framing::Partial => {}
                    Framing::Unframed => return,
                    Framing::Last => break None,
                    Framing::Keep(next) => break Some(next),
                }
            }
            let n = match tokio::time::timeout(idle, tls.read(&mut chunk)).await {
                Ok(Ok(n)) if n > 0 => n,
                _ => return,
            };
            let body = skip.min(n);
            skip -= body;
            let room = MAX_REQUEST.saturating_sub(buf.len());
            buf.extend(chunk.get(body..n).unwrap_or_default().iter().take(room));
        };
        // A request the connection ends with (or the last one allowed) is answered with a close.
        let keep = next.filter(|_| answered < MAX_KEPT_ALIVE);
        let answer = if keep.is_some() {
            RESPONSE_KEEP_ALIVE
        } else {
            RESPONSE
        };
        if !write_within(tls, answer, limits.write).await {
            return;
        }
        let Some(next) = keep else { return };
        (buf, skip) = (next.leftover, next.skip);
    }
}

/// [`handle`] for [`Scenario::AnonymousSuite`]: the ClientHello read without taking it (by
/// rustls, for its SNI, ALPN, fingerprint and anonymous suites), then OpenSSL's handshake
/// picking an anonymous suite, then the request as [`handle`] reads it.
async fn handle_anonymous(
    tcp: TcpStream,
    context: Arc<openssl::ssl::SslContext>,
    slot: Slot,
    limits: Limits,
) {
    let Some((tcp, deadline)) = tls_or_plaintext(tcp, &slot, limits).await else {
        return;
    };
    let secs = limits.handshake.as_secs_f64();
    // As [`handle`]: a connection without a ClientHello (a port check, a reset) shows nothing.
    match peek_hello(&tcp, deadline).await {
        Ok(facts) => record_hello(&slot, facts),
        Err(why) => {
            slot.update(|r| {
                r.end = Some(ConnectionEnd::BeforeHello);
                r.detail = Some(why);
            });
            return;
        }
    }
    let tls = openssl::ssl::Ssl::new(&context)
        .map_err(|e| e.to_string())
        .and_then(|ssl| tokio_openssl::SslStream::new(ssl, tcp).map_err(|e| e.to_string()));
    let mut tls = match tls {
        Ok(t) => t,
        Err(e) => {
            slot.update(|r| {
                r.end = Some(ConnectionEnd::TlsError);
                r.detail = Some(format!(
                    "the anonymous server could not be set up: {}",
                    sanitize(e.as_bytes(), 120)
                ));
            });
            return;
        }
    };
    let flight = Instant::now();
    match tokio::time::timeout_at(deadline, std::pin::Pin::new(&mut tls).accept()).await {
        Err(_) => return handshake_timed_out(&slot, secs),
        Ok(Err(e)) => {
            let ended = openssl_ended_by(&e, "during the handshake");
            return handshake_failed(&slot, ended, flight, "the impostor's ServerHello");
        }
        Ok(Ok(())) => {}
    }
    let completed = Instant::now();
    let version = match tls.ssl().version_str() {
        "TLSv1.2" => Some(TlsVersion::Tls12),
        "TLSv1.3" => Some(TlsVersion::Tls13),
        _ => None,
    };
    let suite = tls
        .ssl()
        .current_cipher()
        .map(|c| c.name().to_owned())
        .unwrap_or_default();
    slot.update(|r| {
        r.handshake_completed = true;
        r.tls_version = version;
        r.detail = Some(format!(
            "anonymous suite {}",
            sanitize(suite.as_bytes(), 60)
        ));
    });
    answer_request(&mut tls, &slot, completed, limits).await;
}

/// What a ClientHello shows: its SNI, the ALPN protocols offered, its fingerprint, the
/// anonymous suites offered.
type HelloFacts = (Option<String>, Vec<String>, String, Vec<String>);

/// [`HelloFacts`] of a ClientHello, sanitised and capped.
fn hello_facts(hello: &rustls::server::ClientHello<'_>) -> HelloFacts {
    let sni = hello.server_name().map(|s| sanitize(s.as_bytes(), 255));
    let alpn: Vec<String> = hello
        .alpn()
        .map(|protocols| protocols.take(8).map(|p| sanitize(p, 64)).collect())
        .unwrap_or_default();
    (
        sni,
        alpn,
        fingerprint(hello),
        anonymous_suites(hello.cipher_suites()),
    )
}

/// Records what the ClientHello showed.
fn record_hello(slot: &Slot, (sni, alpn, print, anonymous): HelloFacts) {
    slot.update(|r| {
        r.sni = sni;
        r.alpn_offered = alpn;
        r.fingerprint = Some(print);
        r.anonymous_suites = anonymous;
    });
}

/// Records a handshake the client did not finish within the limit (`secs`).
fn handshake_timed_out(slot: &Slot, secs: f64) {
    slot.update(|r| {
        r.end = Some(ConnectionEnd::TimedOut);
        r.detail = Some(format!(
            "the client did not finish the handshake within {secs:.1} s"
        ));
    });
}

/// Records how a handshake failed ([`ended_by`], [`openssl_ended_by`]), a close read against
/// how soon it came after `flight` (what the impostor sent: [`late`]).
fn handshake_failed(
    slot: &Slot,
    (end, alert, detail): (ConnectionEnd, Option<String>, Option<String>),
    flight: Instant,
    what: &str,
) {
    let (end, detail) = late(end, detail, flight, what);
    slot.update(|r| {
        r.end = Some(end);
        r.alert = alert;
        r.detail = detail;
    });
}

/// Reads the ClientHello from what `tcp` holds without taking it (the TLS stack that answers
/// reads it again), within `deadline`; why not, when there is none or it cannot be parsed.
async fn peek_hello(tcp: &TcpStream, deadline: tokio::time::Instant) -> Result<HelloFacts, String> {
    let mut buf = vec![0u8; MAX_REQUEST];
    let mut seen = 0;
    loop {
        let n = match tokio::time::timeout_at(deadline, tcp.peek(&mut buf)).await {
            Err(_) => return Err("no TLS ClientHello in time".to_owned()),
            Ok(Err(e)) => return Err(describe_io(&e, "before a ClientHello")),
            Ok(Ok(0)) => return Err("closed before a ClientHello".to_owned()),
            Ok(Ok(n)) => n,
        };
        if n > seen {
            seen = n;
            let mut acceptor = rustls::server::Acceptor::default();
            let mut rd = buf.get(..n).unwrap_or_default();
            while !rd.is_empty() {
                match acceptor.read_tls(&mut rd) {
                    Ok(0) | Err(_) => break,
                    Ok(_) => {}
                }
            }
            match acceptor.accept() {
                Ok(Some(accepted)) => return Ok(hello_facts(&accepted.client_hello())),
                Ok(None) => {}
                Err(_) => return Err("not a TLS ClientHello the impostor can read".to_owned()),
            }
        }
        if n >= buf.len() {
            return Err("a ClientHello longer than 16 KiB".to_owned());
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

/// [`ended_by`] for OpenSSL's handshake: the client's alert (OpenSSL's reason, `tlsv1 alert
/// unknown ca`), a close without one, or another error (no anonymous suite in common: nothing
/// about the client's checks).
fn openssl_ended_by(
    e: &openssl::ssl::Error,
    during: &str,
) -> (ConnectionEnd, Option<String>, Option<String>) {
    use openssl::ssl::ErrorCode;
    let reasons: Vec<String> = e
        .ssl_error()
        .map(|stack| {
            stack
                .errors()
                .iter()
                .filter_map(|x| x.reason().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    if let Some(alert) = reasons
        .iter()
        .find_map(|r| r.split_once(" alert ").map(|(_, a)| a.to_owned()))
    {
        return (
            ConnectionEnd::Alert,
            Some(sanitize(alert.as_bytes(), 60)),
            None,
        );
    }
    // OpenSSL 3 reports a close without close_notify as an error ("unexpected eof while
    // reading"); 1.1 as SYSCALL with an empty queue.
    let closed = e.code() == ErrorCode::ZERO_RETURN
        || reasons.iter().any(|r| r.contains("unexpected eof"))
        || (e.code() == ErrorCode::SYSCALL && reasons.iter().all(|r| r.contains("eof")))
        || e.io_error().is_some_and(|io| {
            matches!(
                io.kind(),
                std::io::ErrorKind::UnexpectedEof
                    | std::io::ErrorKind::ConnectionReset
                    | std::io::ErrorKind::ConnectionAborted
            )
        });
    if closed {
        return (
            ConnectionEnd::Closed,
            None,
            Some(format!("closed {during} without an alert")),
        );
    }
    let why = if reasons.is_empty() {
        sanitize(e.to_string().as_bytes(), 120)
    } else {
        sanitize(reasons.join("; ").as_bytes(), 120)
    };
    (
        ConnectionEnd::TlsError,
        None,
        Some(format!("{during}: {why}")),
    )
}

/// Reads a connection that did not start with a TLS record: a plaintext HTTP request (recorded
/// as [`ConnectionEnd::Plaintext`], and answered so the client finishes), or data that is
/// neither ([`ConnectionEnd::BeforeHello`]).
async fn plaintext(
    mut tcp: TcpStream,
    slot: &Slot,
    deadline: tokio::time::Instant,
    limits: Limits,
) {
    let mut buf: Vec<u8> = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        match tokio::time::timeout_at(deadline, tcp.read(&mut chunk)).await {
            Ok(Ok(n)) if n > 0 => {
                let room = MAX_REQUEST.saturating_sub(buf.len());
                buf.extend(chunk.iter().take(n.min(room)));
                let (_, complete, _) = classify(&buf);
                if complete || buf.len() >= MAX_REQUEST {
                    break;
                }
            }
            _ => break,
        }
    }
    let (line, _, http) = classify(&buf);
    let h2 = buf.starts_with(H2_PREFACE);
    if (http && line.is_some()) || h2 {
        let n = buf.len();
        slot.update(|r| {
            r.end = Some(ConnectionEnd::Plaintext);
            r.app_data_bytes = n;
            r.request = line;
            r.detail = Some("a plaintext HTTP request before any TLS ClientHello".to_owned());
        });
        let _ = tokio::time::timeout(limits.write, async {
            if http {
                tcp.write_all(RESPONSE).await?;
            }
            tcp.shutdown().await
        })
        .await;
    } else {
        let n = buf.len();
        slot.update(|r| {
            r.end = Some(ConnectionEnd::BeforeHello);
            r.detail = Some(format!(
                "{n} byte(s) that are neither TLS nor an HTTP request, before a ClientHello"
            ));
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A ClientHello sent in two pieces 50 ms apart is read whole before its versions are told
    /// (a review's split ClientHello was read from its first piece: TLS 1.3 chosen, Node's
    /// certificate unasked); one offering TLS 1.3 alone says so.
    #[tokio::test]
    async fn a_client_hello_in_pieces_is_read_whole() -> Result<(), Box<dyn std::error::Error>> {
        use rustls::version::{TLS12, TLS13};
        for (versions, want) in [
            (&[&TLS13, &TLS12][..], Some(true)),
            (&[&TLS13][..], Some(false)),
        ] {
            let hello = crate::impostor::pki::tests::client_hello_bytes(versions)?;
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
            let addr = listener.local_addr()?;
            let writer = tokio::spawn(async move {
                let mut tcp = tokio::net::TcpStream::connect(addr).await?;
                let (first, rest) = hello.split_at(100.min(hello.len()));
                tcp.write_all(first).await?;
                tcp.flush().await?;
                tokio::time::sleep(Duration::from_millis(50)).await;
                tcp.write_all(rest).await?;
                tokio::time::sleep(Duration::from_millis(200)).await;
                Ok::<_, std::io::Error>(())
            });
            let (tcp, _) = listener.accept().await?;
            assert_eq!(peek_hello_versions(&tcp).await, want);
            writer.await??;
        }
        Ok(())
    }

    /// A client that opens a connection, closes it without a byte and exits at once: the
    /// connection still waits in the accept queue when the exit is seen, and is the client's, so
    /// it is recorded in its scenario (carrying nothing), not left to the next drain. The first
    /// poll of the client ends it before tokio's readiness has seen the connection.
    #[tokio::test]
    async fn a_connection_queued_when_the_client_exits_is_recorded(
    ) -> Result<(), Box<dyn std::error::Error>> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let serving = Serving::Anonymous(Arc::new(anonymous_context()?));
        let client = async move {
            drop(std::net::TcpStream::connect(addr));
            ClientOutcome {
                exit_code: Some(0),
                ..ClientOutcome::default()
            }
        };
        let limits = Limits::new(Duration::from_secs(2));
        let result = play(&listener, Scenario::AnonymousSuite, serving, client, limits).await;
        assert_eq!(result.connections.len(), 1, "{:?}", result.connections);
        assert!(
            result.connections[0].carried_nothing,
            "{:?}",
            result.connections
        );
        assert_eq!(drain(&listener).await, 0);
        Ok(())
    }

    /// A client that sends its ClientHello and exits without reading the answer: the connection,
    /// accepted from the queue after the exit, saw no certificate, so its close is no refusal.
    #[tokio::test]
    async fn a_hello_queued_when_the_client_exits_is_no_refusal(
    ) -> Result<(), Box<dyn std::error::Error>> {
        let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let minted = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()])?;
        let key = rustls_pki_types::PrivateKeyDer::Pkcs8(minted.signing_key.serialize_der().into());
        let server = rustls::ServerConfig::builder_with_provider(provider.clone())
            .with_safe_default_protocol_versions()?
            .with_no_client_auth()
            .with_single_cert(vec![minted.cert.der().clone()], key)?;
        let client = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()?
            .with_root_certificates(rustls::RootCertStore::empty())
            .with_no_client_auth();
        let mut hello = Vec::new();
        rustls::ClientConnection::new(Arc::new(client), "localhost".try_into()?)?
            .write_tls(&mut hello)?;
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let client = async move {
            if let Ok(mut tcp) = std::net::TcpStream::connect(addr) {
                use std::io::Write as _;
                let _ = tcp.write_all(&hello);
            }
            ClientOutcome {
                exit_code: Some(0),
                ..ClientOutcome::default()
            }
        };
        let serving = Serving::Rustls(super::super::pki::ScenarioTls::plain(Arc::new(server)));
        let limits = Limits::new(Duration::from_secs(2));
        let result = play(&listener, Scenario::SelfSigned, serving, client, limits).await;
        assert_eq!(result.connections.len(), 1, "{:?}", result.connections);
        let connection = &result.connections[0];
        assert!(!connection.refused(), "{connection:?}");
        assert!(connection.unreadable(), "{connection:?}");
        Ok(())
    }

    /// Between scenarios, a connection whose client has already closed it (a ClientHello and a
    /// hang-up, or nothing at all) is dropped uncounted; one whose client is still there, silent
    /// or mid-ClientHello, counts as a process left behind.
    #[tokio::test]
    async fn drain_counts_only_the_connections_a_client_still_holds(
    ) -> Result<(), Box<dyn std::error::Error>> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let mut hung_up = TcpStream::connect(addr).await?;
        hung_up
            .write_all(&[0x16, 0x03, 0x01, 0x00, 0x05, 1, 2, 3, 4, 5])
            .await?;
        drop(hung_up);
        drop(TcpStream::connect(addr).await?);
        let silent = TcpStream::connect(addr).await?;
        let mut sending = TcpStream::connect(addr).await?;
        sending.write_all(&[0x16, 0x03, 0x01]).await?;
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert_eq!(drain(&listener).await, 2);
        drop((silent, sending));
        Ok(())
    }

    /// Anonymous suites are found by code point (rustls prints most as numbers), named as IANA
    /// names them; others are not.
    #[test]
    fn anonymous_suites_are_named_by_code_point() {
        let offered = [
            rustls::CipherSuite::TLS13_AES_128_GCM_SHA256,
            rustls::CipherSuite::from(0x00a7),
            rustls::CipherSuite::from(0xc019),
            rustls::CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
        ];
        assert_eq!(
            anonymous_suites(&offered),
            [
                "TLS_DH_anon_WITH_AES_256_GCM_SHA384",
                "TLS_ECDH_anon_WITH_AES_256_CBC_SHA"
            ]
        );
        assert!(anonymous_suites(&offered[..1]).is_empty());
    }

    /// A late close after the handshake counts as the client moving on only where its next
    /// connection began as it closed; a late close with nothing after it stays late.
    #[test]
    fn a_late_close_as_the_next_connection_begins_is_the_client_moving_on() {
        let record = |at: f64, ms: f64, end: ConnectionEnd| ConnectionRecord {
            handshake_completed: true,
            end: Some(end),
            at_ms: Some(at),
            ms,
            ..ConnectionRecord::default()
        };
        let out = moved_on(vec![
            record(780.0, 508.0, ConnectionEnd::ClosedAfterHandshake),
            record(1290.0, 1004.0, ConnectionEnd::ClosedLate),
            record(2296.0, 2006.0, ConnectionEnd::ClosedLate),
            record(4304.0, 25.0, ConnectionEnd::ClosedAfterHandshake),
            record(5000.0, 1500.0, ConnectionEnd::ClosedLate),
        ]);
        let ends: Vec<Option<ConnectionEnd>> = out.iter().map(|r| r.end).collect();
        assert_eq!(
            ends,
            [
                Some(ConnectionEnd::ClosedAfterHandshake),
                Some(ConnectionEnd::ClosedAfterHandshake),
                Some(ConnectionEnd::ClosedAfterHandshake),
                Some(ConnectionEnd::ClosedAfterHandshake),
                Some(ConnectionEnd::ClosedLate),
            ]
        );
        assert!(out[1]
            .detail
            .as_deref()
            .is_some_and(|d| d.contains("moved on without sending its request")));
        // A request sent: never a refusal, whatever came next.
        let mut asked = record(1290.0, 1004.0, ConnectionEnd::ClosedLate);
        asked.app_data_bytes = 80;
        let out = moved_on(vec![asked, record(2296.0, 5.0, ConnectionEnd::Alert)]);
        assert_eq!(out[0].end, Some(ConnectionEnd::ClosedLate));
    }

    /// Where the next request begins on a kept-alive connection, and which requests end it.
    #[test]
    fn requests_are_framed_for_keep_alive() {
        let keep = |leftover: &[u8], skip: usize| {
            Framing::Keep(Pending {
                leftover: leftover.to_vec(),
                skip,
            })
        };
        assert_eq!(framing(b"GET / HTTP/1.1\r\nHost: a\r\n"), Framing::Partial);
        assert_eq!(framing(b"GET / HTTP/1.1\r\nHost: a\r\n\r\n"), keep(b"", 0));
        // Pipelined: the second request is left over whole.
        assert_eq!(
            framing(b"GET / HTTP/1.1\r\n\r\nGET /b HTTP/1.1\r\n\r\n"),
            keep(b"GET /b HTTP/1.1\r\n\r\n", 0)
        );
        // A body: what has arrived is passed, the rest skipped.
        assert_eq!(
            framing(b"POST / HTTP/1.1\r\nContent-Length: 5\r\n\r\nab"),
            keep(b"", 3)
        );
        assert_eq!(
            framing(b"POST / HTTP/1.1\r\nContent-Length: 2\r\n\r\nabGET"),
            keep(b"GET", 0)
        );
        for last in [
            &b"GET / HTTP/1.0\r\n\r\n"[..],
            b"GET / HTTP/1.1\r\nConnection: keep-alive, Close\r\n\r\n",
            b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n",
            b"GET / HTTP/1.1\r\nUpgrade: h2c\r\n\r\n",
            b"POST / HTTP/1.1\r\nContent-Length: 2000\r\nExpect: 100-continue\r\n\r\n",
            b"POST / HTTP/1.1\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n",
            b"POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n",
            b"POST / HTTP/1.1\r\nContent-Length: 99999999\r\n\r\n",
        ] {
            assert_eq!(
                framing(last),
                Framing::Last,
                "{}",
                String::from_utf8_lossy(last)
            );
        }
        assert_eq!(framing(b"\x16\x03\x01 not http\r\n\r\n"), Framing::Unframed);
        assert_eq!(framing(&[b'a'; MAX_REQUEST]), Framing::Unframed);
    }

    /// Two requests on one connection, the second pipelined behind a body, are both answered,
    /// the first to keep the connection, the last (`connection: close`) to end it.
    #[tokio::test]
    async fn a_kept_alive_connection_answers_each_request() -> Result<(), Box<dyn std::error::Error>>
    {
        let (mut client, mut server) = tokio::io::duplex(64 * 1024);
        let serving = tokio::spawn(async move {
            further_requests(
                &mut server,
                Pending {
                    leftover: b"GET /two HTTP/1.1\r\n\r\n".to_vec(),
                    skip: 0,
                },
                Limits::new(Duration::from_secs(2)).kept_alive(),
            )
            .await;
        });
        client
            .write_all(b"POST /three HTTP/1.1\r\ncontent-length: 4\r\n\r\nbody")
            .await?;
        client
            .write_all(b"GET /four HTTP/1.1\r\nconnection: close\r\n\r\nGET /five HTTP/1.1\r\n\r\n")
            .await?;
        serving.await?;
        drop(client.shutdown().await);
        let mut got = Vec::new();
        client.read_to_end(&mut got).await?;
        let got = String::from_utf8_lossy(&got);
        assert_eq!(got.matches("HTTP/1.1 200 OK").count(), 3, "{got}");
        assert_eq!(got.matches("connection: keep-alive").count(), 2, "{got}");
        assert!(got.ends_with("connection: close\r\nserver: mtls-scan-impostor\r\n\r\nok\n"));
        Ok(())
    }

    #[test]
    fn requests_are_classified() {
        let (line, complete, http) = classify(b"GET /x?y HTTP/1.1\r\nHost: a\r\n\r\n");
        assert_eq!(line.as_deref(), Some("GET /x?y HTTP/1.1"));
        assert!(complete && http);
        let (line, complete, _) = classify(b"POST /p HTTP/1.1\r\nHo");
        assert_eq!(line.as_deref(), Some("POST /p HTTP/1.1"));
        assert!(!complete);
        let (line, complete, http) = classify(b"\x16\x03\x01garbage\r\n\r\n");
        assert!(line.is_some_and(|l| l.contains("not HTTP")));
        assert!(complete && !http);
        let (line, complete, http) = classify(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n");
        assert_eq!(line.as_deref(), Some("HTTP/2 connection preface"));
        assert!(!http && !complete);
        // SETTINGS (6 bytes), then HEADERS on stream 1.
        let mut h2 = H2_PREFACE.to_vec();
        h2.extend_from_slice(&[0, 0, 6, 0x4, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0, 100]);
        h2.extend_from_slice(&[0, 0, 1, 0x1, 0x5, 0, 0, 0, 1, 0x82]);
        let (_, complete, _) = classify(&h2);
        assert!(complete);
        assert_eq!(h2_request_stream(&h2), Some(1));
        let (line, _, _) = classify(b"GET /\x1b[31m HTTP/1.1\r\n\r\n");
        assert!(line.is_none_or(|l| !l.contains('\x1b')));
        // A token where the cap falls: redacted whole, then cut (its first 20 characters were
        // kept, too few to look like a token).
        let request = format!(
            "GET /{}/x?a=1&k=MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7 HTTP/1.1\r\n\r\n",
            "p".repeat(REQUEST_LINE_CHARS - 30)
        );
        let (line, _, _) = classify(request.as_bytes());
        let line = line.unwrap_or_default();
        assert!(
            line.starts_with("GET /ppp") && !line.contains("MIIEvQ"),
            "{line}"
        );
        assert!(line.chars().count() <= REQUEST_LINE_CHARS, "{line}");
    }
}
