//! The transport tells, as soon as a handshake has ended and before any request, that the server
//! asked for a client certificate, with the version and the chain it served: the engine starts
//! the side doors' first knocks from it while the first wave's requests run. Against lab servers
//! on 127.0.0.1 (rustls): one that requires a certificate (refusing the anonymous client in the
//! handshake on TLS 1.2, after it on TLS 1.3: told either way), one that asks for none (never
//! told), and an exchange offering both versions (never told: the version is the server's pick).

use std::sync::Arc;

use mtls_lab::LabCase;
use probe_core::facts::{Outcome, TlsVersion};
use probe_core::target::Target;
use probe_core::transport::tls::SharedRecord;
use probe_core::transport::{run, ExchangeSetup, Limits};

type TestResult = Result<(), Box<dyn std::error::Error>>;

#[tokio::test]
async fn the_transport_tells_where_the_server_asked_for_a_certificate() -> TestResult {
    let lab = mtls_lab::start(&[LabCase::RequiredVerified, LabCase::NoClientAuth]).await?;
    let asks = Target::parse(&lab.servers[0].url)?;
    let asks_nothing = Target::parse(&lab.servers[1].url)?;
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    for version in [TlsVersion::Tls13, TlsVersion::Tls12] {
        let versions = [version];
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        let record = SharedRecord::default();
        let setup = ExchangeSetup {
            cert_asked: Some(tx.clone()),
            ..ExchangeSetup::new(&provider, &versions, None, Limits::default())
        };
        let refused = run(&asks, setup, &record).await;
        assert_eq!(
            refused.outcome,
            Some(Outcome::RefusedTls),
            "{version:?}: {refused:?}"
        );
        let (told, chain) = rx.try_recv()?;
        assert_eq!(told, version);
        assert!(!chain.is_empty(), "{version:?}: the served chain");
        assert_eq!(chain, record.lock().server_chain, "{version:?}");
        assert!(rx.try_recv().is_err(), "{version:?}: told once");

        let setup = ExchangeSetup {
            cert_asked: Some(tx.clone()),
            ..ExchangeSetup::new(&provider, &versions, None, Limits::default())
        };
        let served = run(&asks_nothing, setup, &SharedRecord::default()).await;
        assert_eq!(
            served.outcome,
            Some(Outcome::Served),
            "{version:?}: {served:?}"
        );
        assert!(rx.try_recv().is_err(), "{version:?}: no certificate asked");
    }
    let both = [TlsVersion::Tls13, TlsVersion::Tls12];
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let setup = ExchangeSetup {
        cert_asked: Some(tx),
        ..ExchangeSetup::new(&provider, &both, None, Limits::default())
    };
    let record = SharedRecord::default();
    let _ = run(&asks, setup, &record).await;
    assert!(record.lock().cert_requested, "the server asked");
    assert!(rx.try_recv().is_err(), "no one version was pinned");
    Ok(())
}
