//! The trust anchors for server certificates and webpki's verdict on a served chain.

use std::sync::Arc;

use rustls::client::danger::ServerCertVerifier;
use rustls::client::WebPkiServerVerifier;
use rustls::{CertificateError, RootCertStore};
use rustls_pki_types::{CertificateDer, ServerName, UnixTime};
use time::OffsetDateTime;

use super::facts::{self, Facts};
use super::model::ServerTrust;

/// What the scan trusts for server certificates.
#[derive(Debug, Clone, Default)]
pub struct TrustStore {
    /// webpki over every anchor; `None` when there is none (trust is then unknown).
    pub verifier: Option<Arc<WebPkiServerVerifier>>,
    /// Anchor subjects, as full DER Names (outer SEQUENCE included).
    anchor_subjects: Vec<Vec<u8>>,
    /// Subjects of user-given anchors that are intermediates (not self-signed): a leaf issued by
    /// one of them, served without it, has an incomplete chain.
    pub(super) known_intermediates: Vec<Vec<u8>>,
}

impl TrustStore {
    /// Builds the store from the anchors and the user-given certificates among them.
    pub fn new(
        roots: &RootCertStore,
        user_given: &[CertificateDer<'static>],
        verifier: Option<Arc<WebPkiServerVerifier>>,
    ) -> Self {
        let anchor_subjects = roots
            .roots
            .iter()
            .map(|ta| der_sequence(ta.subject.as_ref()))
            .collect();
        let known_intermediates = user_given
            .iter()
            .filter_map(|der| {
                let (_, c) = x509_parser::parse_x509_certificate(der.as_ref()).ok()?;
                (!facts::self_signed(&c)).then(|| c.subject().as_raw().to_vec())
            })
            .collect();
        Self {
            verifier,
            anchor_subjects,
            known_intermediates,
        }
    }

    /// Whether `name` (a full DER Name) is the subject of an anchor.
    pub(super) fn is_anchor(&self, name: &[u8]) -> bool {
        self.anchor_subjects.iter().any(|a| a.as_slice() == name)
    }
}

/// Wraps Name contents in their DER SEQUENCE header (webpki keeps anchors' subjects without it).
fn der_sequence(contents: &[u8]) -> Vec<u8> {
    let len = contents.len();
    let mut out = vec![0x30];
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes: Vec<u8> = len
            .to_be_bytes()
            .into_iter()
            .skip_while(|b| *b == 0)
            .collect();
        out.push(0x80 | bytes.len() as u8);
        out.extend(bytes);
    }
    out.extend_from_slice(contents);
    out
}

/// Trust anchors being loaded on a thread of their own; [`LazyTrust::get`] waits for them once.
pub struct LazyTrust {
    ready: std::sync::OnceLock<TrustStore>,
    loading: std::sync::Mutex<Option<std::thread::JoinHandle<TrustStore>>>,
}

impl LazyTrust {
    /// Starts building the store on a thread.
    pub fn spawn(build: impl FnOnce() -> TrustStore + Send + 'static) -> Self {
        Self {
            ready: std::sync::OnceLock::new(),
            loading: std::sync::Mutex::new(Some(std::thread::spawn(build))),
        }
    }

    /// The store, once built (a thread that failed leaves no verifier: trust is then unknown,
    /// never trusted).
    pub fn get(&self) -> &TrustStore {
        self.ready.get_or_init(|| {
            let handle = self
                .loading
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .take();
            handle
                .and_then(|h| h.join().ok())
                .unwrap_or_else(|| TrustStore::new(&rustls::RootCertStore::empty(), &[], None))
        })
    }
}

/// Why webpki refused the chain, in classes the implications need.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Refusal {
    /// No path to a trust anchor.
    UnknownIssuer,
    /// A signature algorithm webpki does not accept.
    UnsupportedAlgorithm,
    /// Anything else.
    Other,
}

/// Whether webpki refused only because of validity dates.
fn is_time_error(e: &rustls::Error) -> bool {
    matches!(
        e,
        rustls::Error::InvalidCertificate(
            CertificateError::Expired
                | CertificateError::ExpiredContext { .. }
                | CertificateError::NotValidYet
                | CertificateError::NotValidYetContext { .. }
        )
    )
}

/// Trust, judged at `now` and, when only dates stood in the way, again at a moment when every
/// served certificate is valid: dates are `server-cert-expired`'s business, not trust's.
pub(super) fn judge_trust(
    chain: &[CertificateDer<'static>],
    facts: &[Facts],
    name: &ServerName<'static>,
    trust: &TrustStore,
    now: OffsetDateTime,
) -> (ServerTrust, Option<(Refusal, String)>) {
    let Some(verifier) = &trust.verifier else {
        return (ServerTrust::Unknown, None);
    };
    let Some((leaf, rest)) = chain.split_first() else {
        return (ServerTrust::Unknown, None);
    };
    let verify = |at: OffsetDateTime| {
        let secs = u64::try_from(at.unix_timestamp()).unwrap_or(0);
        let at = UnixTime::since_unix_epoch(std::time::Duration::from_secs(secs));
        verifier.verify_server_cert(leaf, rest, name, &[], at)
    };
    let mut result = verify(now);
    if result.as_ref().err().is_some_and(is_time_error) {
        if let Some(at) = valid_moment(facts) {
            result = verify(at);
        }
    }
    match result {
        Ok(_) => (ServerTrust::Trusted, None),
        Err(e) => verdict(e),
    }
}

/// A moment when every served certificate is valid (the middle of their common window), or the
/// latest start when they share none.
fn valid_moment(facts: &[Facts]) -> Option<OffsetDateTime> {
    let start = facts.iter().map(|f| f.not_before).max()?;
    let end = facts.iter().map(|f| f.not_after).min()?;
    Some(if start < end {
        start + (end - start) / 2
    } else {
        start
    })
}

/// The verdict of a webpki error: the host name and dates are findings of their own, so they
/// leave the chain trusted; anything else refuses it, classed.
fn verdict(e: rustls::Error) -> (ServerTrust, Option<(Refusal, String)>) {
    let class = match &e {
        rustls::Error::InvalidCertificate(
            CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. },
        ) => return (ServerTrust::Trusted, None),
        e if is_time_error(e) => return (ServerTrust::Trusted, None),
        rustls::Error::InvalidCertificate(CertificateError::UnknownIssuer) => {
            Refusal::UnknownIssuer
        }
        #[allow(deprecated)]
        rustls::Error::InvalidCertificate(
            CertificateError::UnsupportedSignatureAlgorithm
            | CertificateError::UnsupportedSignatureAlgorithmContext { .. }
            | CertificateError::UnsupportedSignatureAlgorithmForPublicKeyContext { .. },
        ) => Refusal::UnsupportedAlgorithm,
        _ => Refusal::Other,
    };
    (ServerTrust::Untrusted, Some((class, e.to_string())))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::server_cert::test_pki::{Pki, Served};

    #[test]
    fn der_sequence_headers() {
        assert_eq!(der_sequence(&[1, 2]), vec![0x30, 2, 1, 2]);
        let long = vec![0u8; 200];
        let wrapped = der_sequence(&long);
        assert_eq!(wrapped.get(..3), Some([0x30, 0x81, 200].as_slice()));
        let longer = vec![0u8; 300];
        assert_eq!(
            der_sequence(&longer).get(..4),
            Some([0x30, 0x82, 0x01, 0x2c].as_slice())
        );
    }

    #[test]
    fn a_correct_chain_is_trusted() {
        let pki = Pki::new();
        let e = Served::new(vec![pki.good_leaf()], &[&pki.root.der], "localhost");
        assert_eq!(e.examined().trust, ServerTrust::Trusted);
        assert!(e.examined().refusal.is_none());
    }

    #[test]
    fn an_expired_chain_is_judged_at_a_valid_moment() {
        let pki = Pki::new();
        let leaf = pki.leaf_valid(-400, -3);
        let e = Served::new(vec![leaf], &[&pki.root.der], "localhost");
        assert_eq!(e.examined().trust, ServerTrust::Trusted);
    }

    #[test]
    fn an_unknown_root_is_untrusted_and_no_anchors_is_unknown() {
        let pki = Pki::new();
        let other = Pki::new();
        let e = Served::new(vec![pki.good_leaf()], &[&other.root.der], "localhost");
        let judged = e.examined();
        assert_eq!(judged.trust, ServerTrust::Untrusted);
        assert_eq!(
            judged.refusal.as_ref().map(|(c, _)| *c),
            Some(Refusal::UnknownIssuer)
        );
        let e = Served::new(vec![pki.good_leaf()], &[], "localhost");
        assert_eq!(e.examined().trust, ServerTrust::Unknown);
    }
}
