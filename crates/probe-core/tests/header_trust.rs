//! The user's headers (`-H`: an API token, often) go only to a server whose certificate verifies
//! for the target's name, as curl sends them: a scan of a server with a certificate nobody trusts
//! (a man in the middle, or a staging server whose CA was not given) sends no request that would
//! carry them, and says so; given the certificate as an anchor, the same scan sends them.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use probe_core::engine::{ScanOptions, Scanner};
use probe_core::target::{ExtraHeaders, Target};
use probe_core::transport::HEADERS_WITHHELD;
use rustls_pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

type TestResult = Result<(), Box<dyn std::error::Error>>;

const SECRET: &str = "Bearer SECRET-7f3a9c1e";

/// A TLS server for `localhost` with a self-signed certificate, that never asks for a client
/// certificate and answers 200 to a request with an `Authorization` header, 401 to one without
/// (an API that wants a token), keeping each request head it read. Returns its port, its
/// certificate and the heads.
async fn recording_server(
) -> Result<(u16, CertificateDer<'static>, Arc<Mutex<Vec<String>>>), Box<dyn std::error::Error>> {
    let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256)?;
    let params = rcgen::CertificateParams::new(vec!["localhost".to_owned()])?;
    let cert = params.self_signed(&key)?;
    let der = cert.der().clone();
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .with_no_client_auth()
        .with_single_cert(
            vec![der.clone()],
            PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der())),
        )?;
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = TcpListener::bind(("127.0.0.1", 0)).await?;
    let port = listener.local_addr()?.port();
    let heads = Arc::new(Mutex::new(Vec::new()));
    let kept = heads.clone();
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            let (acceptor, kept) = (acceptor.clone(), kept.clone());
            tokio::spawn(async move {
                let Ok(Ok(mut tls)) =
                    tokio::time::timeout(Duration::from_secs(5), acceptor.accept(tcp)).await
                else {
                    return;
                };
                let mut head = Vec::new();
                let mut chunk = [0u8; 4096];
                while !head.windows(4).any(|w| w == b"\r\n\r\n") && head.len() < 64 * 1024 {
                    match tokio::time::timeout(Duration::from_secs(5), tls.read(&mut chunk)).await {
                        Ok(Ok(n)) if n > 0 => head.extend_from_slice(chunk.get(..n).unwrap_or(&[])),
                        _ => break,
                    }
                }
                if head.is_empty() {
                    return;
                }
                let head = String::from_utf8_lossy(&head).into_owned();
                let answer: &[u8] = if head.to_ascii_lowercase().contains("\r\nauthorization:") {
                    b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello"
                } else {
                    b"HTTP/1.1 401 Unauthorized\r\nContent-Length: 14\r\nConnection: close\r\n\r\ntoken required"
                };
                if let Ok(mut all) = kept.lock() {
                    all.push(head);
                }
                let _ = tls.write_all(answer).await;
                let _ = tls.shutdown().await;
            });
        }
    });
    Ok((port, der, heads))
}

fn target(port: u16) -> Result<Target, Box<dyn std::error::Error>> {
    let mut t = Target::parse(&format!("https://localhost:{port}/"))?;
    t.headers.0.push(ExtraHeaders::parse_one(&format!(
        "Authorization: {SECRET}"
    ))?);
    Ok(t)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_users_headers_never_go_to_a_server_whose_certificate_does_not_verify() -> TestResult {
    let (port, cert, heads) = recording_server().await?;
    // Its certificate trusted by nothing the scan holds: not one request carries the token.
    let scanner = Scanner::new(&ScanOptions {
        timeout: Duration::from_secs(5),
        system_roots: false,
        ..ScanOptions::default()
    })?;
    let report = scanner.scan(&[target(port)?]).await;
    let t = report.targets.first().ok_or("no target")?;
    let got = heads.lock().map(|h| h.clone()).unwrap_or_default();
    assert!(
        got.iter().all(|h| !h.contains("SECRET-7f3a9c1e")),
        "the token went to an untrusted server: {got:?}"
    );
    // The requests went without it: the 401 they got may be for want of the token, so no
    // probe reads it as a refusal, each says why, and the target is never passed.
    assert!(!got.is_empty(), "the requests went, without the token");
    let unread: Vec<_> = t
        .probes
        .iter()
        .filter(|o| o.http_status == Some(401))
        .collect();
    assert!(
        !unread.is_empty()
            && unread.iter().all(|o| {
                o.outcome == probe_core::facts::Outcome::Inconclusive
                    && o.detail
                        .as_deref()
                        .is_some_and(|d| d.contains(HEADERS_WITHHELD) && d.contains("--ca-file"))
            }),
        "{:#?}",
        t.probes
    );
    assert!(
        t.error
            .as_deref()
            .is_some_and(|e| e.contains(HEADERS_WITHHELD)),
        "{:?}",
        t.error
    );
    // The same server, its certificate given as an anchor: the token goes with every request to
    // the target's own Host.
    heads.lock().map(|mut h| h.clear()).ok();
    let scanner = Scanner::new(&ScanOptions {
        timeout: Duration::from_secs(5),
        system_roots: false,
        extra_roots: vec![cert],
        ..ScanOptions::default()
    })?;
    let report = scanner.scan(&[target(port)?]).await;
    let t = report.targets.first().ok_or("no target")?;
    let got = heads.lock().map(|h| h.clone()).unwrap_or_default();
    assert!(
        got.iter()
            .filter(|h| h.to_ascii_lowercase().contains("\r\nhost: localhost:"))
            .all(|h| h.contains("SECRET-7f3a9c1e")),
        "trusted: the target's own Host gets the token: {got:?}"
    );
    assert!(
        t.error.is_none()
            && t.probes.iter().all(|o| o
                .detail
                .as_deref()
                .is_none_or(|d| !d.contains(HEADERS_WITHHELD))),
        "{:#?}",
        t.probes
    );
    // And the token never reaches the report.
    let json = serde_json::to_string(&report)?;
    assert!(!json.contains("SECRET-7f3a9c1e"));
    Ok(())
}
