//! Server certificate analysis: what a client that skips verification would hide. The chain the
//! baseline probe was served is validated with webpki against the system roots, `--ca-file` and
//! [`crate::engine::ScanOptions::extra_roots`], and analysed with x509-parser, once per target.
//!
//! Findings (all CWE-295): `server-cert-untrusted`, `server-cert-expired`, `server-cert-expiring`,
//! `server-cert-self-signed`, `server-cert-hostname-mismatch`, `server-cert-weak-key`,
//! `server-cert-weak-signature` and `server-chain-incomplete`. Each fact is checked on its own:
//! trust is judged at a moment when every served certificate is valid (so an expired certificate
//! from a trusted CA reads as expired, not untrusted), and the host name with webpki's name check
//! whatever the trust. `server-cert-untrusted` is marked implied by its cause when that is known:
//! a self-signed leaf, a missing intermediate, or a signature algorithm webpki refuses.
//!
//! Where each job lives: this file holds the public types and [`analyse`]; `facts` reads one
//! certificate's facts from its DER; `trust` holds the trust anchors and webpki's verdict; `path`
//! walks from the leaf up the served chain; `findings` holds one small judgement per finding.

mod examined;
mod facts;
mod findings;
mod model;
mod path;
mod system_roots;
#[cfg(test)]
mod test_pki;
mod trust;

use rustls_pki_types::CertificateDer;
use time::OffsetDateTime;

use crate::facts::TlsVersion;
use crate::finding::{Finding, FindingId};
use crate::target::Target;

use examined::{examine, Examined};
use facts::Facts;

pub use model::{
    Analysis, ChainCertificate, Policy, ServerCertificate, ServerTrust, DEFAULT_EXPIRY_WARNING_DAYS,
};
pub use system_roots::{
    read_up_front as read_system_roots_up_front, read_up_front_shared as read_system_roots_shared,
    Locations as SystemRootLocations,
};
pub use trust::{HeaderTrustStore, LazyTrust, TrustStore};

/// Analyses the chains served to the baseline probe, one per TLS version (identical chains are
/// judged once). `now` is a parameter so tests can move the clock.
pub fn analyse(
    chains: &[(TlsVersion, Vec<CertificateDer<'static>>)],
    target: &Target,
    trust: &TrustStore,
    policy: Policy,
    now: OffsetDateTime,
) -> Analysis {
    let mut distinct: Vec<(&Vec<CertificateDer<'static>>, Vec<TlsVersion>)> = Vec::new();
    for (v, chain) in chains.iter().filter(|(_, c)| !c.is_empty()) {
        match distinct.iter_mut().find(|(c, _)| *c == chain) {
            Some((_, versions)) => versions.push(*v),
            None => distinct.push((chain, vec![*v])),
        }
    }
    let mut out = Analysis::default();
    for (chain, versions) in distinct {
        let (cert, findings, unjudged) = analyse_chain(chain, target, trust, policy, now);
        if let Some(reason) = unjudged {
            out.unjudged.get_or_insert(reason);
        }
        for mut f in findings {
            f.tls_versions = versions.clone();
            match out.findings.iter_mut().find(|g| g.id == f.id) {
                Some(g) => {
                    // (Another chain on a version already named: a server whose connections
                    // get different certificates.)
                    for v in &versions {
                        if !g.tls_versions.contains(v) {
                            g.tls_versions.push(*v);
                        }
                    }
                    g.evidence.extend(f.evidence);
                }
                None => out.findings.push(f),
            }
        }
        if let (None, Some(mut c)) = (&out.certificate, cert) {
            c.tls_versions = versions;
            out.certificate = Some(c);
        }
    }
    out
}

/// Judges one served chain: its description, its findings, and why its trust was not judged
/// when it was not.
fn analyse_chain(
    chain: &[CertificateDer<'static>],
    target: &Target,
    trust: &TrustStore,
    policy: Policy,
    now: OffsetDateTime,
) -> (Option<ServerCertificate>, Vec<Finding>, Option<String>) {
    let parsed: Vec<Option<Facts>> = chain.iter().map(facts::facts).collect();
    let leaf_parsed = parsed.first().is_some_and(Option::is_some);
    // Unparsable extra certificates are left out of the analysis.
    let all: Vec<Facts> = parsed.into_iter().flatten().collect();
    let (true, Some(leaf)) = (leaf_parsed, all.first()) else {
        return (None, unparsable(trust).into_iter().collect(), None);
    };
    let mut examined = examine(chain, &all, leaf, target, trust, now);
    let raised = findings::raise(&examined, policy);
    // Refused for an algorithm that is no weak one, or past webpki's own limits: not judged (no
    // finding was raised for it).
    let unjudged = examined
        .refusal
        .as_ref()
        .filter(|(class, _)| class.unjudged())
        .filter(|_| {
            !raised
                .iter()
                .any(|f| f.id == FindingId::ServerCertUntrusted)
        })
        .map(|(class, _)| unjudged_reason(*class, &all));
    if unjudged.is_some() {
        examined.trust = ServerTrust::Unknown;
    }
    (Some(describe(examined)), raised, unjudged)
}

/// Why a chain's trust was not judged, for the report's incomplete list.
fn unjudged_reason(class: trust::Refusal, all: &[Facts]) -> String {
    if class == trust::Refusal::BeyondLimits {
        return format!(
            "the server's chain of {} certificates is longer (or more tangled) than the scanner's \
             verifier follows (webpki: at most 6 intermediates): whether it leads to a trust \
             anchor was not judged; check it with `openssl verify`",
            all.len()
        );
    }
    // The chain's algorithms by name (webpki's own words are a dump of OIDs).
    let mut algorithms: Vec<&str> = Vec::new();
    for a in all.iter().map(|x| x.described.signature_algorithm.as_str()) {
        if !algorithms.contains(&a) {
            algorithms.push(a);
        }
    }
    format!(
        "the server's chain is signed with {}, among which a signature algorithm (or its \
         parameters) the scanner cannot check: whether the chain leads to a trust anchor was not \
         judged; check it with `openssl verify`",
        algorithms.join(", ")
    )
}

/// `server-cert-untrusted` for a leaf that is not X.509, when trust is judged at all.
fn unparsable(trust: &TrustStore) -> Option<Finding> {
    trust.verifier.as_ref().map(|_| {
        Finding::new(
            FindingId::ServerCertUntrusted,
            "The server's certificate could not be parsed as X.509.",
        )
    })
}

/// The leaf and chain, described for the report.
fn describe(e: Examined<'_>) -> ServerCertificate {
    let leaf = &e.leaf.described;
    ServerCertificate {
        subject: leaf.subject.clone(),
        issuer: leaf.issuer.clone(),
        sans: e.sans,
        not_before: leaf.not_before.clone(),
        not_after: leaf.not_after.clone(),
        days_left: facts::days(e.leaf.not_after - e.now),
        key: leaf.key.clone(),
        signature_algorithm: leaf.signature_algorithm.clone(),
        sha256: leaf.sha256.clone(),
        trust: e.trust,
        trust_error: e.refusal.map(|(_, r)| r),
        host: e.target.host.clone(),
        host_matches: e.host_matches,
        chain: e.all.iter().map(|f| f.described.clone()).collect(),
        tls_versions: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::test_pki::{Pki, Served, LOCAL, POLICY};
    use super::*;

    #[test]
    fn a_correct_chain_raises_nothing_and_is_described() {
        let pki = Pki::new();
        let served = Served::correct(&pki);
        assert!(served.findings().is_empty(), "{:#?}", served.findings());
        let c = describe(served.examined());
        assert_eq!(c.trust, ServerTrust::Trusted);
        assert_eq!(c.trust_error, None);
        assert_eq!(c.host_matches, Some(true));
        assert_eq!(c.sans, vec!["DNS:localhost", "IP:127.0.0.1"]);
        assert_eq!(c.key, "EC 256 (prime256v1)");
        assert_eq!(c.signature_algorithm, "ecdsa-with-SHA256");
        assert_eq!(c.chain.len(), 2);
        assert!(c.chain.iter().all(|x| !x.self_signed));
        assert_eq!(c.host, "localhost");
        assert!((363..=365).contains(&c.days_left), "{}", c.days_left);
    }

    /// A chain of 7 intermediates to the anchor (every real client's, past webpki's 6) is not
    /// judged: no `server-cert-untrusted`, the target incomplete with the reason; one to an
    /// unknown root is untrusted all the same; 6 intermediates are judged trusted.
    #[test]
    fn a_chain_past_webpkis_depth_is_not_judged() {
        let (pki, other) = (Pki::new(), Pki::new());
        let target = Target::parse(LOCAL[0]).unwrap();
        let now = OffsetDateTime::now_utc();
        let judged = |chain: Vec<CertificateDer<'static>>, anchor: &CertificateDer<'static>| {
            let store = trust_store(&[anchor]);
            analyse(&[(TlsVersion::Tls13, chain)], &target, &store, POLICY, now)
        };
        let six = judged(pki.deep_chain(6), &pki.root.der);
        assert!(six.findings.is_empty(), "{:#?}", six.findings);
        assert_eq!(six.unjudged, None);
        assert_eq!(six.certificate.map(|c| c.trust), Some(ServerTrust::Trusted));
        // To a root nobody trusts, past the limits too: untrusted, as `openssl verify` says.
        let unknown = judged(pki.deep_chain(7), &other.root.der);
        assert!(
            unknown
                .findings
                .iter()
                .any(|f| f.id == FindingId::ServerCertUntrusted
                    && f.detail.contains("does not lead to a trust anchor")),
            "{:#?}",
            unknown.findings
        );
        assert_eq!(unknown.unjudged, None);
        let seven = judged(pki.deep_chain(7), &pki.root.der);
        assert!(
            !seven
                .findings
                .iter()
                .any(|f| f.id == FindingId::ServerCertUntrusted),
            "{:#?}",
            seven.findings
        );
        let reason = seven.unjudged.unwrap_or_default();
        assert!(
            reason.contains("chain of 8 certificates") && reason.contains("not judged"),
            "{reason}"
        );
        assert_eq!(
            seven.certificate.map(|c| c.trust),
            Some(ServerTrust::Unknown)
        );
    }

    #[test]
    fn identical_chains_are_judged_once_and_findings_merge_across_versions() {
        let pki = Pki::new();
        let other = Pki::new();
        let chain = pki.full_chain();
        let chains = vec![
            (TlsVersion::Tls13, chain.clone()),
            (TlsVersion::Tls12, chain),
        ];
        let target = Target::parse(LOCAL[0]).unwrap();
        let store = trust_store(&[&other.root.der]);
        let now = OffsetDateTime::now_utc();
        let a = analyse(&chains, &target, &store, POLICY, now);
        let c = a.certificate.expect("described");
        assert_eq!(c.tls_versions, vec![TlsVersion::Tls13, TlsVersion::Tls12]);
        assert_eq!(a.findings.len(), 1);
        let f = a.findings.first().expect("untrusted");
        assert_eq!(f.id, FindingId::ServerCertUntrusted);
        assert_eq!(f.tls_versions, vec![TlsVersion::Tls13, TlsVersion::Tls12]);
        assert!(analyse(&[], &target, &store, POLICY, now)
            .certificate
            .is_none());
    }

    #[test]
    fn a_leaf_that_is_not_x509_is_untrusted_when_trust_is_judged() {
        let pki = Pki::new();
        let garbage = vec![CertificateDer::from(vec![0x30, 0x03, 1, 2, 3])];
        let target = Target::parse("localhost").unwrap();
        let now = OffsetDateTime::now_utc();
        let store = trust_store(&[&pki.root.der]);
        let (cert, findings, _) = analyse_chain(&garbage, &target, &store, POLICY, now);
        assert!(cert.is_none());
        let ids: Vec<_> = findings.iter().map(|f| f.id).collect();
        assert_eq!(ids, vec![FindingId::ServerCertUntrusted]);
        let store = trust_store(&[]);
        let (cert, findings, _) = analyse_chain(&garbage, &target, &store, POLICY, now);
        assert!(cert.is_none() && findings.is_empty());
    }

    /// The store [`Served`] builds, for calls of [`analyse`] itself.
    fn trust_store(anchors: &[&CertificateDer<'static>]) -> TrustStore {
        Served::store(anchors)
    }
}
