//! `server-certificate`: the chains the first wave was served, analysed once per target
//! (trust, host name, validity, key and signature strength, completeness). It makes no request of
//! its own: it reads the first wave's chains.

use futures_util::future::BoxFuture;
use futures_util::FutureExt as _;
use rustls::pki_types::CertificateDer;

use super::{FirstWave, ProbeSpec, ScanContext, Section, Start, TargetOutcome, TargetProbe};
use crate::checks::server_cert::{self, Policy, TrustStore};
use crate::facts::{ProbeId, TlsVersion};
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
    presents: "nothing more: analyses every distinct chain the first wave's connections to the protected name were served, `no-client-cert`'s and every other probe's (a pool whose backends serve different certificates), for trust against the system roots and `ca-file`, host name, dates, key and signature, missing intermediates",
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
        async move {
            // Every distinct chain of the wave, not the baselines' alone: a server whose
            // connections get different certificates is judged by each (review Z's).
            let chains = match first {
                Some(f) => f.whole_chains().await,
                None => Vec::new(),
            };
            let chains = chains.as_slice();
            // Off the runtime while the trust anchors are still loading on their thread, or
            // where many certificates could send the directory lookups to many files (they
            // parse names the server sent and read files): waiting here would block this worker
            // and the side-door probes polled in the same task. Once loaded, a few certificates'
            // lookups are a `stat` per issuer no anchor has (and a small file read where the
            // directory holds that issuer), done here: a thread started at the end of a 7 ms
            // scan cost more than the lookups (issue 15).
            let served: Vec<CertificateDer<'static>> =
                chains.iter().flat_map(|(_, c)| c.iter().cloned()).collect();
            let trust = if scan.trust.is_ready() && served.len() <= INLINE_LOOKUP_CERTS {
                scan.trust.for_chains(served.iter())
            } else {
                let lazy = scan.trust.clone();
                tokio::task::spawn_blocking(move || lazy.for_chains(served.iter()))
                    .await
                    .unwrap_or_else(|_| std::sync::Arc::new(scan.trust.get().clone()))
            };
            judge(
                chains,
                target,
                &trust,
                scan.server_cert,
                time::OffsetDateTime::now_utc(),
            )
        }
        .boxed()
    }
}

/// Served certificates (every version's chain) whose anchors are looked up on the async worker
/// once the store is built; more go to a blocking thread.
const INLINE_LOOKUP_CERTS: usize = 8;

/// The findings and the section of the chains served, per version, judged at `now`.
fn judge(
    chains: &[(TlsVersion, Vec<CertificateDer<'static>>)],
    target: &Target,
    trust: &TrustStore,
    policy: Policy,
    now: time::OffsetDateTime,
) -> TargetOutcome {
    let analysis = server_cert::analyse(chains, target, trust, policy, now);
    TargetOutcome {
        findings: analysis.findings,
        incomplete: analysis
            .unjudged
            .map(|reason| crate::facts::IncompleteProbe {
                probe: ProbeId::SERVER_CERTIFICATE.as_str().to_owned(),
                tls_version: None,
                reason,
            })
            .into_iter()
            .collect(),
        section: analysis
            .certificate
            .map_or(Section::None, |c| Section::ServerCertificate(Box::new(c))),
        ..TargetOutcome::default()
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair};
    use rustls::RootCertStore;
    use time::{Duration, OffsetDateTime};

    use super::*;
    use crate::finding::Severity;

    const POLICY: Policy = Policy {
        expiry_warning_days: server_cert::DEFAULT_EXPIRY_WARNING_DAYS,
    };

    /// A CA of the tests: its certificate and what it issues with.
    fn ca(cn: &str) -> (CertificateDer<'static>, Issuer<'static, KeyPair>) {
        let key = KeyPair::generate().unwrap();
        let mut params = CertificateParams::default();
        params.distinguished_name.push(DnType::CommonName, cn);
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        let cert = params.self_signed(&key).unwrap();
        (cert.der().clone(), Issuer::new(params, key))
    }

    /// A server leaf for `names`, valid from 30 days ago to `days` from now, issued by `by`
    /// (self-signed without one).
    fn leaf(
        names: &[&str],
        days: i64,
        by: Option<&Issuer<'static, KeyPair>>,
    ) -> CertificateDer<'static> {
        let key = KeyPair::generate().unwrap();
        let mut params =
            CertificateParams::new(names.iter().map(|n| (*n).to_owned()).collect::<Vec<_>>())
                .unwrap();
        params.distinguished_name.push(
            DnType::CommonName,
            names.first().copied().unwrap_or("server"),
        );
        params.extended_key_usages = vec![rcgen::ExtendedKeyUsagePurpose::ServerAuth];
        let now = OffsetDateTime::now_utc();
        params.not_before = now - Duration::days(30);
        params.not_after = now + Duration::days(days);
        match by {
            Some(issuer) => params.signed_by(&key, issuer),
            None => params.self_signed(&key),
        }
        .unwrap()
        .der()
        .clone()
    }

    /// The trust store of `anchors`, given by the user (as `ca-file`).
    fn trusting(anchors: &[&CertificateDer<'static>]) -> TrustStore {
        let mut roots = RootCertStore::empty();
        for a in anchors {
            roots.add((*a).clone()).unwrap();
        }
        let given: Vec<CertificateDer<'static>> = anchors.iter().map(|a| (*a).clone()).collect();
        let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        TrustStore::build(roots, given, provider)
    }

    fn target() -> Target {
        Target::parse("https://secure.test/").unwrap()
    }

    /// The same chain served on both versions.
    fn on_both(
        chain: Vec<CertificateDer<'static>>,
    ) -> Vec<(TlsVersion, Vec<CertificateDer<'static>>)> {
        vec![
            (TlsVersion::Tls13, chain.clone()),
            (TlsVersion::Tls12, chain),
        ]
    }

    fn ids(out: &TargetOutcome) -> Vec<(FindingId, Severity, Vec<TlsVersion>)> {
        out.findings
            .iter()
            .map(|f| (f.id, f.severity, f.tls_versions.clone()))
            .collect()
    }

    fn section_versions(out: &TargetOutcome) -> Option<Vec<TlsVersion>> {
        match &out.section {
            Section::ServerCertificate(c) => Some(c.tls_versions.clone()),
            _ => None,
        }
    }

    #[test]
    fn a_trusted_chain_for_the_host_raises_nothing_and_fills_the_section() {
        let (root, issuer) = ca("Probe Test Root A");
        let out = judge(
            &on_both(vec![leaf(&["secure.test"], 365, Some(&issuer))]),
            &target(),
            &trusting(&[&root]),
            POLICY,
            OffsetDateTime::now_utc(),
        );
        assert!(out.findings.is_empty(), "{:?}", ids(&out));
        assert_eq!(
            section_versions(&out),
            Some(vec![TlsVersion::Tls13, TlsVersion::Tls12])
        );
    }

    #[test]
    fn a_self_signed_leaf_is_found_on_every_version_it_was_served() {
        let out = judge(
            &on_both(vec![leaf(&["secure.test"], 365, None)]),
            &target(),
            &trusting(&[]),
            POLICY,
            OffsetDateTime::now_utc(),
        );
        assert_eq!(
            ids(&out),
            [(
                FindingId::ServerCertSelfSigned,
                Severity::High,
                vec![TlsVersion::Tls13, TlsVersion::Tls12]
            )]
        );
    }

    #[test]
    fn another_name_and_a_later_clock_are_found() {
        let (root, issuer) = ca("Probe Test Root B");
        let trust = trusting(&[&root]);
        let chains = vec![(
            TlsVersion::Tls12,
            vec![leaf(&["other.test"], 365, Some(&issuer))],
        )];
        let out = judge(
            &chains,
            &target(),
            &trust,
            POLICY,
            OffsetDateTime::now_utc(),
        );
        assert_eq!(
            ids(&out),
            [(
                FindingId::ServerCertHostnameMismatch,
                Severity::High,
                vec![TlsVersion::Tls12]
            )]
        );
        // A leaf valid for ten more days is expiring now, and expired in a month.
        let soon = on_both(vec![leaf(&["secure.test"], 10, Some(&issuer))]);
        let now = OffsetDateTime::now_utc();
        let found: Vec<FindingId> = judge(&soon, &target(), &trust, POLICY, now)
            .findings
            .iter()
            .map(|f| f.id)
            .collect();
        assert_eq!(found, [FindingId::ServerCertExpiring]);
        let later = judge(&soon, &target(), &trust, POLICY, now + Duration::days(30));
        assert!(
            later
                .findings
                .iter()
                .any(|f| f.id == FindingId::ServerCertExpired && f.severity == Severity::High),
            "{:?}",
            ids(&later)
        );
    }

    #[test]
    fn no_chain_served_raises_nothing_and_leaves_no_section() {
        let out = judge(
            &[],
            &target(),
            &trusting(&[]),
            POLICY,
            OffsetDateTime::now_utc(),
        );
        assert!(out.findings.is_empty());
        assert_eq!(section_versions(&out), None);
        let refused_before_a_chain = [(TlsVersion::Tls13, Vec::new())];
        let out = judge(
            &refused_before_a_chain,
            &target(),
            &trusting(&[]),
            POLICY,
            OffsetDateTime::now_utc(),
        );
        assert!(out.findings.is_empty());
        assert_eq!(section_versions(&out), None);
    }
}
