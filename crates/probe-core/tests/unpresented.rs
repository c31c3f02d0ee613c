//! A certificate that could not be made is never read as the server's refusal of it. Against a
//! lab server that requires a certificate (a rustls server on 127.0.0.1), an exchange whose
//! chooser fails presents nothing, and comes back inconclusive with the reason, not worth another
//! try: through the one-request transport, and through the keep-alive one the configuration
//! probe uses. The same server refuses an anonymous client in TLS, so a failure read as what
//! the server did would have been a false "refused".

use std::sync::Arc;

use mtls_lab::LabCase;
use probe_core::facts::{Outcome, TlsVersion};
use probe_core::identity::ClientIdentity;
use probe_core::target::Target;
use probe_core::transport::tls::{CertChooser, SharedRecord};
use probe_core::transport::{run, run_paths, ExchangeSetup, Limits, UNPRESENTED};
use rustls::SignatureScheme;

type TestResult = Result<(), Box<dyn std::error::Error>>;

/// A chooser whose certificate cannot be made.
#[derive(Debug)]
struct Broken;

impl CertChooser for Broken {
    fn choose(
        &self,
        _hints: &[&[u8]],
        _schemes: &[SignatureScheme],
    ) -> Result<Option<ClientIdentity>, String> {
        Err("the key could not be made".into())
    }
}

#[tokio::test]
async fn a_certificate_that_could_not_be_made_is_inconclusive_not_refused() -> TestResult {
    let lab = mtls_lab::start(&[LabCase::RequiredVerified]).await?;
    let target = Target::parse(&lab.servers[0].url)?;
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let expected = format!("{UNPRESENTED}: the key could not be made");
    for version in [TlsVersion::Tls13, TlsVersion::Tls12] {
        let versions = [version];
        let broken: Arc<dyn CertChooser> = Arc::new(Broken);
        let setup = || {
            ExchangeSetup::new(
                &provider,
                &versions,
                Some(broken.clone()),
                Limits::default(),
            )
        };

        // The server refuses it anonymously: what would be read without the override.
        let anonymous = run(
            &target,
            ExchangeSetup::new(&provider, &versions, None, Limits::default()),
            &SharedRecord::default(),
        )
        .await;
        assert_eq!(
            anonymous.outcome,
            Some(Outcome::RefusedTls),
            "{version:?}: {anonymous:?}"
        );

        let record = SharedRecord::default();
        let one = run(&target, setup(), &record).await;
        assert!(
            record.lock().cert_requested,
            "{version:?}: the server asked"
        );
        assert_eq!(
            one.outcome,
            Some(Outcome::Inconclusive),
            "{version:?}: {one:?}"
        );
        assert!(
            one.unpresentable && !one.unconfirmed,
            "{version:?}: {one:?}"
        );
        assert_eq!(
            one.detail.as_deref(),
            Some(expected.as_str()),
            "{version:?}"
        );

        let paths = ["/".to_owned(), "/config".to_owned()];
        let all = run_paths(&target, setup(), &SharedRecord::default(), &paths).await;
        assert!(!all.is_empty(), "{version:?}");
        for r in &all {
            assert_eq!(r.outcome, Some(Outcome::Inconclusive), "{version:?}: {r:?}");
            assert!(r.unpresentable, "{version:?}: {r:?}");
            assert_eq!(r.detail.as_deref(), Some(expected.as_str()), "{version:?}");
        }
    }
    Ok(())
}
