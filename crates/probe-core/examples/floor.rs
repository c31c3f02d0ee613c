//! The physical floor of a scan of one endpoint, for the speed benchmark (issue 15): N concurrent
//! TLS handshakes (rustls + aws-lc-rs, the scanner's own stack, no certificate, no verification)
//! and one GET each, as one process. `bench/floor.sh` times it beside `mtls-scan scan` on the same
//! server. Usage: `floor https://127.0.0.1:PORT/ [N=8]`; prints nothing but errors.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use tokio::io::{AsyncReadExt, AsyncWriteExt};

#[derive(Debug)]
struct AcceptAny(Arc<rustls::crypto::CryptoProvider>);

impl rustls::client::danger::ServerCertVerifier for AcceptAny {
    fn verify_server_cert(
        &self,
        _: &rustls::pki_types::CertificateDer<'_>,
        _: &[rustls::pki_types::CertificateDer<'_>],
        _: &rustls::pki_types::ServerName<'_>,
        _: &[u8],
        _: rustls::pki_types::UnixTime,
    ) -> Result<rustls::client::danger::ServerCertVerified, rustls::Error> {
        Ok(rustls::client::danger::ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        m: &[u8],
        c: &rustls::pki_types::CertificateDer<'_>,
        d: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(m, c, d, &self.0.signature_verification_algorithms)
    }

    fn verify_tls13_signature(
        &self,
        m: &[u8],
        c: &rustls::pki_types::CertificateDer<'_>,
        d: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(m, c, d, &self.0.signature_verification_algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

#[tokio::main]
async fn main() {
    let mut args = std::env::args().skip(1);
    let target = probe_core::target::Target::parse(&args.next().expect("a URL")).expect("URL");
    let n: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(8);
    // The scanner's own provider (its suite order included), so the floor is the same work.
    let provider = probe_core::engine::provider();
    let mut config = rustls::ClientConfig::builder_with_provider(provider.clone())
        .with_protocol_versions(&[&rustls::version::TLS13])
        .expect("TLS 1.3")
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(AcceptAny(provider)))
        .with_no_client_auth();
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
    let mut set = tokio::task::JoinSet::new();
    for _ in 0..n {
        let (connector, target) = (connector.clone(), target.clone());
        set.spawn(async move {
            let tcp = tokio::net::TcpStream::connect(target.connect_addr()).await?;
            tcp.set_nodelay(true)?;
            let name = target.server_name().map_err(std::io::Error::other)?;
            let mut tls = connector.connect(name, tcp).await?;
            let req = format!(
                "GET {} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n\r\n",
                target.path,
                target.authority()
            );
            tls.write_all(req.as_bytes()).await?;
            let mut buf = vec![0u8; 16 * 1024];
            let _ = tls.read(&mut buf).await?;
            Ok::<(), std::io::Error>(())
        });
    }
    while let Some(r) = set.join_next().await {
        if let Ok(Err(e)) = r {
            eprintln!("floor: {e}");
        }
    }
}
