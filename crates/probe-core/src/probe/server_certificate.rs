//! `server-certificate`: the chain the baseline probe was served, analysed once per target
//! (trust, host name, validity, key and signature strength, completeness). It makes no request of
//! its own: it reads the first wave's chains.

use futures_util::future::BoxFuture;
use futures_util::FutureExt as _;

use super::{FirstWave, ProbeSpec, ScanContext, Section, Start, TargetOutcome, TargetProbe};
use crate::checks::server_cert;
use crate::facts::ProbeId;
use crate::finding::FindingId;
use crate::target::Target;

impl ProbeId {
    /// `server-certificate`: The served certificate chain, analysed.
    pub const SERVER_CERTIFICATE: ProbeId = ProbeId::new("server-certificate");
}

/// The probe.
pub struct ServerCertificateProbe;

static SPEC: ProbeSpec = ProbeSpec {
    id: ProbeId::SERVER_CERTIFICATE,
    presents: "nothing more: analyses the chain served to `no-client-cert` (trust against the system roots and `--ca-file`, host name, dates, key and signature, missing intermediates)",
    needs: "—",
    findings: &[
        FindingId::ServerCertUntrusted,
        FindingId::ServerCertExpired,
        FindingId::ServerCertExpiring,
        FindingId::ServerCertSelfSigned,
        FindingId::ServerCertHostnameMismatch,
        FindingId::ServerCertWeakKey,
        FindingId::ServerCertWeakSignature,
        FindingId::ServerChainIncomplete,
    ],
};

impl TargetProbe for ServerCertificateProbe {
    fn spec(&self) -> &'static ProbeSpec {
        &SPEC
    }

    fn starts(&self) -> Start {
        Start::AfterFirstWave
    }

    fn run<'a>(
        &'a self,
        target: &'a Target,
        scan: &'a ScanContext,
        first: Option<&'a FirstWave>,
    ) -> BoxFuture<'a, TargetOutcome> {
        let chains = first.map(|f| f.chains.as_slice()).unwrap_or_default();
        let analysis = server_cert::analyse(
            chains,
            target,
            scan.trust.get(),
            scan.server_cert,
            time::OffsetDateTime::now_utc(),
        );
        let outcome = TargetOutcome {
            findings: analysis.findings,
            section: analysis
                .certificate
                .map_or(Section::None, |c| Section::ServerCertificate(Box::new(c))),
            ..TargetOutcome::default()
        };
        async move { outcome }.boxed()
    }
}
