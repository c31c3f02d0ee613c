//! The scan's total deadline (`--deadline`): every exchange stops at it, so a target cut short
//! keeps what its finished probes proved, and what they had not read yet is incomplete.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use mtls_lab::LabCase;
use probe_core::engine::{ScanOptions, Scanner};
use probe_core::finding::FindingId;
use probe_core::target::Target;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

type TestResult = Result<(), Box<dyn std::error::Error>>;

/// A TCP relay to `backend` that holds, silent, every connection whose first bytes (the
/// ClientHello) carry `held_name` (a side door's SNI), and relays the others. Returns its port
/// and the count of connections held.
async fn relay_holding(
    backend: u16,
    held_name: &'static [u8],
) -> std::io::Result<(u16, Arc<AtomicUsize>)> {
    let listener = TcpListener::bind(("127.0.0.1", 0)).await?;
    let port = listener.local_addr()?.port();
    let held = Arc::new(AtomicUsize::new(0));
    let count = held.clone();
    tokio::spawn(async move {
        while let Ok((mut client, _)) = listener.accept().await {
            let held = held.clone();
            tokio::spawn(async move {
                let mut hello = vec![0u8; 16 * 1024];
                let Ok(n) = client.read(&mut hello).await else {
                    return;
                };
                let hello = hello.get(..n).unwrap_or_default();
                if hello.windows(held_name.len()).any(|w| w == held_name) {
                    held.fetch_add(1, Ordering::SeqCst);
                    // Silent until the scanner gives up (or the test ends).
                    let mut sink = [0u8; 1024];
                    let _ = tokio::time::timeout(Duration::from_secs(60), async {
                        while matches!(client.read(&mut sink).await, Ok(1..)) {}
                    })
                    .await;
                    return;
                }
                let Ok(mut server) = TcpStream::connect(("127.0.0.1", backend)).await else {
                    return;
                };
                if server.write_all(hello).await.is_ok() {
                    let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
                }
            });
        }
    });
    Ok((port, count))
}

/// A server that takes any client certificate (so the first wave proves a certificate from an
/// unknown CA gets in) and whose side doors (other SNI names) never answer: with a total deadline
/// shorter than a probe's timeout, the side doors are cut at the deadline, the target keeps its
/// critical finding, and the probes cut short are listed as incomplete, saying why. Before, the
/// whole target was "not scanned", its finding lost.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_target_cut_short_by_the_deadline_keeps_what_its_probes_proved() -> TestResult {
    let lab = mtls_lab::start(&[LabCase::AcceptAnyCert]).await?;
    let backend = lab
        .servers
        .first()
        .ok_or("no lab server")?
        .url
        .trim_end_matches('/')
        .rsplit(':')
        .next()
        .ok_or("no port")?
        .parse::<u16>()?;
    // The lab's server certificate names `localhost`: the SNI side doors try it on a target
    // reached by its address.
    let (port, held) = relay_holding(backend, b"localhost").await?;
    let deadline = Duration::from_secs(3);
    let scanner = Scanner::new(&ScanOptions {
        timeout: Duration::from_secs(20),
        deadline: Some(deadline),
        system_roots: false,
        ..ScanOptions::default()
    })?;
    let target = Target::parse(&format!("https://127.0.0.1:{port}/"))?;
    let began = Instant::now();
    let report = scanner.scan(std::slice::from_ref(&target)).await;
    let took = began.elapsed();
    let t = report.targets.first().ok_or("no target report")?;
    assert!(held.load(Ordering::SeqCst) > 0, "no side door was tried");
    assert_eq!(t.error, None, "the target was judged: {:?}", t.error);
    let ids: Vec<String> = t.findings.iter().map(|f| f.id.to_string()).collect();
    assert!(
        t.findings
            .iter()
            .any(|f| f.id == FindingId::UntrustedClientCertAccepted),
        "the finding proved before the deadline is kept: {ids:?}"
    );
    assert!(
        t.incomplete
            .iter()
            .any(|i| i.reason.contains(probe_core::transport::DEADLINE_EXPIRED)),
        "the probes cut short say the deadline cut them: {:?}",
        t.incomplete
    );
    assert!(t.is_incomplete(), "a target cut short is never complete");
    // Liveness, not speed: without the deadline the held side doors would each take the
    // 20 s probe timeout.
    assert!(
        took < deadline + Duration::from_secs(10),
        "the scan ended {took:?} after it began"
    );
    Ok(())
}
