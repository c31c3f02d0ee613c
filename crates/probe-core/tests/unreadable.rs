//! Never a false pass: servers whose answers the scanner cannot read. Each server below asks for
//! a client certificate and lets clients in that it should not, but answers in a way an HTTP
//! client rejects (a control character in a header name, a 300 KB header, an HTTP/0.9 reply, a
//! status line `2OO`, a close without an answer, an HTTP/2 GOAWAY) or that is no final answer
//! (101 to a request that asked for no upgrade, a status of 999), or drops connections beyond
//! a limit of two. Before, each of these read as "required, grade A". Now: a status line that
//! can be read by hand is an answer; anything else is inconclusive, retried, and leaves the
//! target incomplete (never A) or unscannable; the connection-limited server is found on every
//! run, or the target is incomplete.
//!
//! Run it alone, with its table: `cargo test -p probe-core --test unreadable -- --nocapture`.

#![allow(clippy::indexing_slicing, clippy::expect_used, clippy::unwrap_used)]

#[allow(dead_code)]
mod hostile {
    pub mod pki;
    pub mod servers;
}

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use hostile::pki::{self, BoxError, ClientAuth as ServerAuth};
use hostile::servers::{self, Server, Stats};
use probe_core::engine::{ScanOptions, Scanner};
use probe_core::finding::FindingId;
use probe_core::grade::Grade;
use probe_core::report::TargetReport;
use probe_core::target::Target;
use probe_core::verdict::ClientAuth;
use tokio::io::AsyncWriteExt;
use tokio::net::TcpListener;
use tokio_rustls::server::TlsStream;
use tokio_rustls::TlsAcceptor;

fn options() -> ScanOptions {
    ScanOptions {
        timeout: Duration::from_secs(2),
        system_roots: false,
        config_probe: false,
        ..ScanOptions::default()
    }
}

async fn scan(url: &str) -> TargetReport {
    let scanner = Scanner::new(&options()).expect("scanner");
    let report = scanner.scan(&[Target::parse(url).expect("url")]).await;
    report.targets.into_iter().next().expect("one target")
}

/// Reads the request, answers `bytes`, closes.
async fn answer(mut tls: TlsStream<tokio::net::TcpStream>, stats: Arc<Stats>, bytes: Vec<u8>) {
    if servers::read_head(&mut tls, &stats).await.is_some() {
        let _ = servers::send(&mut tls, &bytes, &stats).await;
    }
    let _ = tls.shutdown().await;
}

/// Whether the target lists `probe` as incomplete.
fn incomplete_on(t: &TargetReport, probe: &str) -> bool {
    t.incomplete.iter().any(|i| i.probe == probe)
}

fn ids(t: &TargetReport) -> Vec<String> {
    t.findings.iter().map(|f| f.id.to_string()).collect()
}

fn line(name: &str, t: &TargetReport) -> String {
    format!(
        "{name:<22} grade {} client_auth {:?} error {:?} incomplete {:?} findings {:?}",
        t.grade,
        t.client_auth,
        t.error
            .as_deref()
            .map(|e| e.chars().take(60).collect::<String>()),
        t.incomplete.iter().map(|i| &i.probe).collect::<Vec<_>>(),
        ids(t)
    )
}

/// An optional-client-auth server (anonymous clients get in) answering `bytes` to every request.
async fn optional_server(bytes: &'static [u8], alpn: &[&[u8]]) -> Result<Server, BoxError> {
    let ca = pki::ca("unreadable CA")?;
    let config = pki::server_config(
        pki::plain(&ca)?,
        ServerAuth::Optional {
            root: ca.cert.clone(),
        },
        alpn,
    )?;
    servers::tls(config, move |tls, st| answer(tls, st, bytes.to_vec())).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn answers_an_http_client_rejects_are_never_a_pass() -> Result<(), BoxError> {
    let big_header: &'static [u8] = {
        let mut v = b"HTTP/1.1 200 OK\r\nX-Big: ".to_vec();
        v.extend(std::iter::repeat_n(b'a', 300 * 1024));
        v.extend_from_slice(b"\r\nContent-Length: 2\r\n\r\nok");
        Box::leak(v.into_boxed_slice())
    };
    // (name, answer, whether a status line can be read by hand)
    let cases: [(&str, &'static [u8], bool); 7] = [
        (
            "control-char-header",
            b"HTTP/1.1 200 OK\r\nX\x01Bad: y\r\nContent-Length: 2\r\n\r\nok",
            true,
        ),
        ("header-300kb", big_header, true),
        ("http-0.9", b"<html>hello</html>", false),
        (
            "status-2OO",
            b"HTTP/1.1 2OO OK\r\nContent-Length: 2\r\n\r\nok",
            false,
        ),
        ("close-without-answer", b"", false),
        // No final answer, and no status at all (a hostile server's 101 and 999 to the anonymous
        // client were read as an application's refusal: B, exit 0; fifteenth session).
        (
            "status-101",
            b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n",
            false,
        ),
        (
            "status-999",
            b"HTTP/1.1 999 Odd\r\nContent-Length: 2\r\n\r\nok",
            false,
        ),
    ];
    let mut problems = Vec::new();
    for (name, bytes, readable) in cases {
        let server = optional_server(bytes, &[b"http/1.1"]).await?;
        let t = scan(&server.url).await;
        println!("{}", line(name, &t));
        if t.grade == Grade::A {
            problems.push(format!("{name}: graded A"));
        }
        if readable {
            // The status line was read: the server serves anonymous clients.
            if t.client_auth != ClientAuth::Optional
                || !t
                    .findings
                    .iter()
                    .any(|f| f.id == FindingId::ClientCertOptional)
            {
                problems.push(format!("{name}: expected optional + client-cert-optional"));
            }
        } else if t.error.is_none() && t.incomplete.is_empty() {
            problems.push(format!("{name}: neither unscannable nor incomplete"));
        } else if t.client_auth == ClientAuth::Required {
            problems.push(format!("{name}: reported required"));
        }
    }

    // HTTP/2: SETTINGS, then GOAWAY before any response.
    let ca = pki::ca("unreadable CA")?;
    let config = pki::server_config(
        pki::plain(&ca)?,
        ServerAuth::Optional {
            root: ca.cert.clone(),
        },
        &[b"h2"],
    )?;
    let goaway = servers::tls(config, |mut tls, st| async move {
        let mut frames = vec![0, 0, 0, 4, 0, 0, 0, 0, 0];
        frames.extend_from_slice(&[0, 0, 8, 7, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
        let _ = servers::send(&mut tls, &frames, &st).await;
        servers::drain(tls).await;
    })
    .await?;
    let t = scan(&goaway.url).await;
    println!("{}", line("h2-goaway", &t));
    if t.grade == Grade::A || (t.error.is_none() && t.incomplete.is_empty()) {
        problems.push("h2-goaway: passed".to_owned());
    }
    assert!(problems.is_empty(), "{problems:#?}");
    Ok(())
}

/// Requires a certificate, accepts any, and answers everyone with a status line no HTTP client
/// takes: the refusal of no certificate is read (required), the untrusted probe is not.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreadable_probe_makes_the_target_incomplete_not_a() -> Result<(), BoxError> {
    let ca = pki::ca("unreadable CA")?;
    let config = pki::server_config(pki::plain(&ca)?, ServerAuth::AcceptAny, &[b"http/1.1"])?;
    let server = servers::tls(config, |tls, st| {
        answer(
            tls,
            st,
            b"HTTP/1.1 2OO OK\r\nContent-Length: 2\r\n\r\nok".to_vec(),
        )
    })
    .await?;
    let t = scan(&server.url).await;
    println!("{}", line("accept-any-2OO", &t));
    assert_eq!(t.client_auth, ClientAuth::Required);
    assert!(t.error.is_none());
    assert!(
        incomplete_on(&t, "untrusted-client-cert"),
        "{:?}",
        t.incomplete
    );
    assert!(t.grade <= Grade::B, "grade {}", t.grade);
    let untrusted = t
        .probes
        .iter()
        .find(|p| p.id.as_str() == "untrusted-client-cert")
        .expect("untrusted probe");
    assert_eq!(untrusted.attempts, 3, "retried twice: {untrusted:?}");
    // It advertises no CA name and no identity gave an issuer: the forged probe is skipped, with
    // the reason, and its finding is not claimed either way.
    assert!(
        t.skipped_probes
            .iter()
            .any(|s| s.id.as_str() == "forged-client-cert"
                && s.reason.contains("the server advertised none")),
        "{:?}",
        t.skipped_probes
    );
    Ok(())
}

/// A server that requires any certificate and accepts it, behind a limit of two connections at
/// a time: connections beyond it are closed at once (like a small `maxconn` that drops). Every
/// run must find the untrusted certificate accepted, or say the target is incomplete.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connection_limited_accept_any_is_found_on_every_run() -> Result<(), BoxError> {
    let ca = pki::ca("limited CA")?;
    let config = pki::server_config(pki::plain(&ca)?, ServerAuth::AcceptAny, &[b"http/1.1"])?;
    let acceptor = TlsAcceptor::from(config);
    let listener = TcpListener::bind(("127.0.0.1", 0)).await?;
    let url = format!("https://127.0.0.1:{}/", listener.local_addr()?.port());
    let active = Arc::new(AtomicUsize::new(0));
    let dropped = Arc::new(AtomicUsize::new(0));
    let (act, drp) = (active.clone(), dropped.clone());
    let server = tokio::spawn(async move {
        for _ in 0..2_000 {
            let Ok((tcp, _)) = listener.accept().await else {
                break;
            };
            if act.fetch_add(1, Ordering::SeqCst) >= 2 {
                act.fetch_sub(1, Ordering::SeqCst);
                drp.fetch_add(1, Ordering::SeqCst);
                drop(tcp);
                continue;
            }
            let (acceptor, act) = (acceptor.clone(), act.clone());
            tokio::spawn(async move {
                let stats = Arc::new(Stats::default());
                let work = async {
                    if let Ok(tls) = acceptor.accept(tcp).await {
                        answer(
                            tls,
                            stats,
                            b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok"
                                .to_vec(),
                        )
                        .await;
                    }
                };
                let _ = tokio::time::timeout(Duration::from_secs(5), work).await;
                act.fetch_sub(1, Ordering::SeqCst);
            });
        }
    });
    let runs = 8;
    let mut found = 0;
    let mut problems = Vec::new();
    for run in 1..=runs {
        let t = scan(&url).await;
        println!("{}", line(&format!("limited run {run}"), &t));
        let hit = t
            .findings
            .iter()
            .any(|f| f.id == FindingId::UntrustedClientCertAccepted);
        found += usize::from(hit);
        if t.grade == Grade::A {
            problems.push(format!("run {run}: graded A"));
        }
        if !hit && t.incomplete.is_empty() && t.error.is_none() {
            problems.push(format!("run {run}: neither found nor incomplete"));
        }
    }
    println!(
        "found on {found}/{runs} runs; {} connections dropped by the limit",
        dropped.load(Ordering::SeqCst)
    );
    server.abort();
    assert!(problems.is_empty(), "{problems:#?}");
    Ok(())
}

/// A TLS 1.3 server that accepts any certificate and sends no session ticket, as `accept_any`;
/// `handler` then decides what the connection gets.
async fn ticketless_accept_any<F, Fut>(handler: F) -> Result<Server, BoxError>
where
    F: Fn(TlsStream<tokio::net::TcpStream>, Arc<Stats>) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    let ca = pki::ca("ticketless CA")?;
    let config = pki::server_config(pki::plain(&ca)?, ServerAuth::AcceptAny, &[b"http/1.1"])?;
    let mut config = (*config).clone();
    config.send_tls13_tickets = 0;
    servers::tls(Arc::new(config), handler).await
}

fn tls13_only() -> ScanOptions {
    ScanOptions {
        versions: vec![probe_core::facts::TlsVersion::Tls13],
        ..options()
    }
}

/// A TLS 1.3 server slow to judge the certificate (a cold JVM under load): it completes the
/// handshake, sends no session ticket, thinks for 300 ms, then closes without an alert, as the
/// JDK's server refuses. The scanner's request goes out first (its wait for the server's word is
/// a few handshake times), so the close arrives as a reset: no refusal can be read, and the
/// target is incomplete, never A. (Waiting longer on a retry was tried and undone: see the next
/// test.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_slow_to_refuse_by_a_bare_close_is_inconclusive() -> Result<(), BoxError> {
    let server = ticketless_accept_any(|tls, _| async move {
        tokio::time::sleep(Duration::from_millis(300)).await;
        // Dropped unread: the socket closes without an alert or close_notify.
        drop(tls);
    })
    .await?;
    let scanner = Scanner::new(&tls13_only())?;
    let report = scanner.scan(&[Target::parse(&server.url)?]).await;
    let t = report.targets.first().ok_or("one target")?;
    println!("{}", line("slow-bare-close", t));
    let untrusted = t
        .probes
        .iter()
        .find(|p| p.id.as_str() == "untrusted-client-cert")
        .ok_or("untrusted probe")?;
    assert_eq!(
        untrusted.outcome,
        probe_core::facts::Outcome::Inconclusive,
        "{untrusted:?}"
    );
    assert!(
        incomplete_on(t, "untrusted-client-cert"),
        "{:?}",
        t.incomplete
    );
    assert!(t.grade < Grade::A, "grade {}", t.grade);
    Ok(())
}

/// The other side of the same wait: a server that accepts any certificate, sends no ticket, and
/// closes a connection that stays silent for 300 ms (an idle or header timeout). A scanner that
/// waited longer than that for an alert before its request would see only the close and read a
/// refusal: a false pass. It must be served, and the untrusted certificate found accepted.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_idle_close_after_accepting_is_not_a_refusal() -> Result<(), BoxError> {
    let server = ticketless_accept_any(|mut tls, st| async move {
        let head = tokio::time::timeout(
            Duration::from_millis(300),
            servers::read_head(&mut tls, &st),
        )
        .await;
        if let Ok(Some(_)) = head {
            let ok = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok";
            let _ = servers::send(&mut tls, ok, &st).await;
            let _ = tls.shutdown().await;
        }
    })
    .await?;
    let scanner = Scanner::new(&tls13_only())?;
    let report = scanner.scan(&[Target::parse(&server.url)?]).await;
    let t = report.targets.first().ok_or("one target")?;
    println!("{}", line("idle-close-acceptor", t));
    assert!(
        ids(t)
            .iter()
            .any(|id| id == "untrusted-client-cert-accepted"),
        "{}",
        line("idle-close-acceptor", t)
    );
    assert_eq!(t.grade, Grade::F);
    Ok(())
}
