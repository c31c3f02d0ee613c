//! The hostile servers. Each listens on 127.0.0.1, accepts at most [`MAX_CONNECTIONS`], lives at
//! most [`SERVER_LIFETIME`], gives each connection at most [`CONNECTION_LIFETIME`], stops writing
//! when the client goes away, and stops entirely when dropped. They run on a runtime of their
//! own (one worker thread), as a remote server would, so a flood they write never holds up the
//! scanner's own runtime and timers in this test.

use std::future::Future;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use rustls::ServerConfig;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::{JoinHandle, JoinSet};
use tokio_rustls::server::TlsStream;
use tokio_rustls::TlsAcceptor;

use super::pki::{BoxError, Rng};

/// Enough for two whole scans of one server (each scanned alone, then all at once): a server
/// that answers over HTTP gets the side doors' requests, ~50–80 connections a scan. At 64, the
/// all-at-once scan found the listener closed (connection refused) once the alone scan had spent
/// the budget, and the verdict depended on which probe came first.
pub const MAX_CONNECTIONS: usize = 256;
pub const SERVER_LIFETIME: Duration = Duration::from_secs(120);
pub const CONNECTION_LIFETIME: Duration = Duration::from_secs(20);

/// What a server saw and did, for the assertions.
#[derive(Debug, Default)]
pub struct Stats {
    /// Connections accepted.
    pub accepted: AtomicUsize,
    /// Connections still being handled.
    pub open: AtomicUsize,
    /// Bytes written to clients (application bytes, before TLS).
    pub written: AtomicU64,
    /// HTTP requests (or h2 HEADERS frames) received.
    pub requests: AtomicUsize,
    /// Requests for a path the server redirected to (a client that follows redirects).
    pub followed: AtomicUsize,
}

impl Stats {
    pub fn open(&self) -> usize {
        self.open.load(Ordering::SeqCst)
    }
    pub fn written(&self) -> u64 {
        self.written.load(Ordering::SeqCst)
    }
}

struct OpenGuard(Arc<Stats>);

impl Drop for OpenGuard {
    fn drop(&mut self) {
        self.0.open.fetch_sub(1, Ordering::SeqCst);
    }
}

/// A running hostile server; dropping it stops it and every connection it holds.
pub struct Server {
    pub url: String,
    pub stats: Arc<Stats>,
    task: JoinHandle<()>,
}

impl Drop for Server {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// The servers' own runtime.
fn runtime() -> &'static tokio::runtime::Handle {
    static RUNTIME: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RUNTIME
        .get_or_init(|| {
            tokio::runtime::Builder::new_multi_thread()
                .worker_threads(1)
                .thread_name("hostile-server")
                .enable_all()
                .build()
                .expect("the hostile servers' runtime")
        })
        .handle()
}

/// Starts a TCP server that hands each connection to `handler`.
pub async fn raw<F, Fut>(handler: F) -> Result<Server, BoxError>
where
    F: Fn(TcpStream, Arc<Stats>) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    let std_listener = std::net::TcpListener::bind(("127.0.0.1", 0))?;
    std_listener.set_nonblocking(true)?;
    let url = format!("https://127.0.0.1:{}/", std_listener.local_addr()?.port());
    let stats = Arc::new(Stats::default());
    let st = stats.clone();
    let task = runtime().spawn(async move {
        let Ok(listener) = TcpListener::from_std(std_listener) else {
            return;
        };
        let mut conns = JoinSet::new();
        let _ = tokio::time::timeout(SERVER_LIFETIME, async {
            for _ in 0..MAX_CONNECTIONS {
                let Ok((tcp, _)) = listener.accept().await else {
                    break;
                };
                let _ = tcp.set_nodelay(true);
                st.accepted.fetch_add(1, Ordering::SeqCst);
                st.open.fetch_add(1, Ordering::SeqCst);
                let guard = OpenGuard(st.clone());
                let work = handler(tcp, st.clone());
                conns.spawn(async move {
                    let _guard = guard;
                    let _ = tokio::time::timeout(CONNECTION_LIFETIME, work).await;
                });
            }
            while conns.join_next().await.is_some() {}
        })
        .await;
    });
    Ok(Server { url, stats, task })
}

/// Starts a TLS server (`config`) that hands each completed handshake to `handler`.
pub async fn tls<F, Fut>(config: Arc<ServerConfig>, handler: F) -> Result<Server, BoxError>
where
    F: Fn(TlsStream<TcpStream>, Arc<Stats>) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    let acceptor = TlsAcceptor::from(config);
    let handler = Arc::new(handler);
    raw(move |tcp, stats| {
        let acceptor = acceptor.clone();
        let handler = handler.clone();
        async move {
            if let Ok(Ok(tls)) =
                tokio::time::timeout(Duration::from_secs(5), acceptor.accept(tcp)).await
            {
                handler(tls, stats).await;
            }
        }
    })
    .await
}

/// Writes and counts.
pub async fn send<W: AsyncWrite + Unpin>(
    w: &mut W,
    bytes: &[u8],
    stats: &Stats,
) -> std::io::Result<()> {
    w.write_all(bytes).await?;
    w.flush().await?;
    stats
        .written
        .fetch_add(bytes.len() as u64, Ordering::SeqCst);
    Ok(())
}

/// Reads and discards until the peer closes (or errors): how a server learns the client left.
pub async fn drain<R: AsyncRead + Unpin>(mut r: R) {
    let mut buf = vec![0u8; 16 * 1024];
    while let Ok(n) = r.read(&mut buf).await {
        if n == 0 {
            break;
        }
    }
}

/// Reads an HTTP/1 request head (capped at 64 KiB); `None` when the client closed first.
pub async fn read_head<R: AsyncRead + Unpin>(r: &mut R, stats: &Stats) -> Option<Vec<u8>> {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while head.len() < 64 * 1024 {
        if r.read(&mut byte).await.ok()? == 0 {
            return None;
        }
        head.push(byte[0]);
        if head.ends_with(b"\r\n\r\n") {
            stats.requests.fetch_add(1, Ordering::SeqCst);
            return Some(head);
        }
    }
    None
}

/// Runs `work` on the write half while draining the read half; ends when either ends, so a
/// flood stops as soon as the client goes away.
pub async fn until_client_leaves<S, F, Fut>(stream: S, work: F)
where
    S: AsyncRead + AsyncWrite + Send + 'static,
    F: FnOnce(tokio::io::WriteHalf<S>) -> Fut,
    Fut: Future<Output = ()>,
{
    let (rd, wr) = tokio::io::split(stream);
    tokio::select! {
        _ = drain(rd) => {}
        _ = work(wr) => {}
    }
}

/// Writes `chunk` again and again, `total` bytes at most, until a write fails.
pub async fn flood<W: AsyncWrite + Unpin>(w: &mut W, chunk: &[u8], total: u64, stats: &Stats) {
    let mut sent = 0u64;
    while sent < total {
        if send(w, chunk, stats).await.is_err() {
            return;
        }
        sent += chunk.len() as u64;
    }
}

// ---------------------------------------------------------------------------------------------
// Raw TCP behaviours.

/// Accepts TCP and says nothing.
pub async fn silent(tcp: TcpStream, _stats: Arc<Stats>) {
    drain(tcp).await;
}

/// A plausible TLS record header, then junk, one byte a second.
pub async fn trickle(tcp: TcpStream, stats: Arc<Stats>) {
    until_client_leaves(tcp, |mut w| async move {
        let bytes = b"\x16\x03\x03\x40\x00\x02\x00\x3f\xfc\x03\x03trickle, trickle, trickle";
        for b in bytes.iter() {
            if send(&mut w, &[*b], &stats).await.is_err() {
                return;
            }
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
    })
    .await;
}

/// Reads the ClientHello's first bytes (so the client is committed), returning them.
async fn client_hello(tcp: &mut TcpStream) -> Option<Vec<u8>> {
    let mut buf = vec![0u8; 16 * 1024];
    let n = tokio::time::timeout(Duration::from_secs(5), tcp.read(&mut buf))
        .await
        .ok()?
        .ok()?;
    (n > 0).then(|| {
        buf.truncate(n);
        buf
    })
}

/// Random bytes instead of a ServerHello.
pub async fn garbage(mut tcp: TcpStream, stats: Arc<Stats>) {
    if client_hello(&mut tcp).await.is_none() {
        return;
    }
    let mut junk = vec![0u8; 4096];
    Rng(0x9e37_79b9_7f4a_7c15).fill(&mut junk);
    junk[0] = 0xa7; // not a TLS content type, so no seed makes this a valid record
    if send(&mut tcp, &junk, &stats).await.is_ok() {
        drain(tcp).await;
    }
}

/// A well-framed handshake record whose ServerHello body is random.
pub async fn garbage_server_hello(mut tcp: TcpStream, stats: Arc<Stats>) {
    if client_hello(&mut tcp).await.is_none() {
        return;
    }
    let mut body = vec![0u8; 2000];
    Rng(0x2545_f491_4f6c_dd1d).fill(&mut body);
    let len = body.len() - 4;
    body[0] = 0x02; // ServerHello
    body[1] = 0;
    body[2] = (len >> 8) as u8;
    body[3] = len as u8;
    let mut record = vec![0x16, 0x03, 0x03, (body.len() >> 8) as u8, body.len() as u8];
    record.extend(body);
    if send(&mut tcp, &record, &stats).await.is_ok() {
        drain(tcp).await;
    }
}

/// Warning alerts, 256 MiB of them at most, from the moment the ClientHello arrives.
pub async fn alert_storm(mut tcp: TcpStream, stats: Arc<Stats>) {
    if client_hello(&mut tcp).await.is_none() {
        return;
    }
    // A warning-level unrecognized_name alert (level 1, description 112), repeated.
    let chunk: Vec<u8> = std::iter::repeat_n([0x15u8, 0x03, 0x03, 0x00, 0x02, 0x01, 0x70], 9362)
        .flatten()
        .collect();
    until_client_leaves(tcp, |mut w| async move {
        flood(&mut w, &chunk, 256 << 20, &stats).await;
    })
    .await;
}

/// Drives a real rustls server handshake by hand and sends only `keep(len)` bytes of the
/// server's first flight, then closes without reading the rest.
pub async fn cut_handshake(
    mut tcp: TcpStream,
    config: Arc<ServerConfig>,
    keep: fn(usize) -> usize,
    stats: Arc<Stats>,
) {
    let Ok(mut conn) = rustls::ServerConnection::new(config) else {
        return;
    };
    let mut buf = vec![0u8; 16 * 1024];
    let mut flight = Vec::new();
    for _ in 0..16 {
        let n = match tokio::time::timeout(Duration::from_secs(5), tcp.read(&mut buf)).await {
            Ok(Ok(n)) if n > 0 => n,
            _ => return,
        };
        let mut input = &buf[..n];
        while !input.is_empty() {
            if conn.read_tls(&mut input).is_err() {
                return;
            }
        }
        if conn.process_new_packets().is_err() {
            return;
        }
        while conn.wants_write() {
            if conn.write_tls(&mut flight).is_err() {
                return;
            }
        }
        if !flight.is_empty() {
            break;
        }
    }
    let cut = keep(flight.len()).min(flight.len());
    let _ = send(&mut tcp, &flight[..cut], &stats).await;
    // Give the client the bytes, then close without another word.
    let _ = tcp.shutdown().await;
    let _ = tokio::time::timeout(Duration::from_millis(200), drain(&mut tcp)).await;
}

// ---------------------------------------------------------------------------------------------
// HTTP/1.1 behaviours over TLS.

/// A plain 200, then close.
pub async fn ok(mut tls: TlsStream<TcpStream>, stats: Arc<Stats>) {
    if read_head(&mut tls, &stats).await.is_some() {
        let _ = send(
            &mut tls,
            b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\nConnection: close\r\n\r\nok\n",
            &stats,
        )
        .await;
        let _ = tls.shutdown().await;
    }
}

/// Completes the handshake, reads the request, and never answers.
pub async fn stall(mut tls: TlsStream<TcpStream>, stats: Arc<Stats>) {
    let _ = read_head(&mut tls, &stats).await;
    drain(tls).await;
}

/// `200 OK` with a 1 GiB body, streamed until the client goes away.
pub async fn body_1gb(mut tls: TlsStream<TcpStream>, stats: Arc<Stats>) {
    if read_head(&mut tls, &stats).await.is_none() {
        return;
    }
    let head = b"HTTP/1.1 200 OK\r\nContent-Length: 1073741824\r\nContent-Type: application/octet-stream\r\n\r\n";
    if send(&mut tls, head, &stats).await.is_err() {
        return;
    }
    let chunk = vec![b'A'; 64 * 1024];
    until_client_leaves(tls, |mut w| async move {
        flood(&mut w, &chunk, 1 << 30, &stats).await;
    })
    .await;
}

/// `200 OK`, then a body trickled one byte a second.
pub async fn trickle_body(mut tls: TlsStream<TcpStream>, stats: Arc<Stats>) {
    if read_head(&mut tls, &stats).await.is_none() {
        return;
    }
    let head = b"HTTP/1.1 200 OK\r\nContent-Length: 1000000\r\nContent-Type: text/plain\r\n\r\n";
    if send(&mut tls, head, &stats).await.is_err() {
        return;
    }
    until_client_leaves(tls, |mut w| async move {
        for _ in 0..30 {
            if send(&mut w, b"x", &stats).await.is_err() {
                return;
            }
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
    })
    .await;
}

/// A status line, then a 100 MiB header value.
pub async fn header_100mb(mut tls: TlsStream<TcpStream>, stats: Arc<Stats>) {
    if read_head(&mut tls, &stats).await.is_none() {
        return;
    }
    if send(&mut tls, b"HTTP/1.1 200 OK\r\nX-Filler: ", &stats)
        .await
        .is_err()
    {
        return;
    }
    let chunk = vec![b'h'; 64 * 1024];
    until_client_leaves(tls, |mut w| async move {
        flood(&mut w, &chunk, 100 << 20, &stats).await;
        let _ = send(&mut w, b"\r\n\r\n", &stats).await;
    })
    .await;
}

/// Redirects every request to the next URL, forever (keep-alive).
pub async fn redirect_loop(mut tls: TlsStream<TcpStream>, stats: Arc<Stats>) {
    for hop in 0..1000u32 {
        let Some(head) = read_head(&mut tls, &stats).await else {
            return;
        };
        if head.windows(7).any(|w| w == b" /loop/") {
            stats.followed.fetch_add(1, Ordering::SeqCst);
        }
        let resp = format!(
            "HTTP/1.1 302 Found\r\nLocation: /loop/{}\r\nContent-Length: 0\r\n\r\n",
            hop + 1
        );
        if send(&mut tls, resp.as_bytes(), &stats).await.is_err() {
            return;
        }
    }
}
