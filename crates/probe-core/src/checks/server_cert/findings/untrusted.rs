//! `server-cert-untrusted`: the chain does not validate, implied by its cause when that cause is a
//! finding already.

use super::super::examined::Examined;
use super::super::trust::Refusal;
use crate::finding::{Finding, FindingId};

/// `server-cert-untrusted` when webpki refused the chain; `raised` are the findings of the chain
/// so far, which may be its cause. None where webpki cannot check a signature algorithm that is
/// no weak one (RSA-PSS with a CA key of its own algorithm, Ed448), or gave up on its own limits
/// (more than 6 intermediates): the chain may well be valid (audits': `openssl verify` and curl
/// took each, the scan called it untrusted, high, D), so its trust is left unjudged
/// ([`crate::checks::server_cert::Analysis::unjudged`]).
pub(super) fn untrusted(e: &Examined<'_>, raised: &[Finding]) -> Option<Finding> {
    let (class, reason) = e.refusal.as_ref()?;
    if class.unjudged() && cause(*class, raised).is_none() {
        return None;
    }
    let mut f = e.with_leaf(
        Finding::new(
            FindingId::ServerCertUntrusted,
            detail(e, *class, reason, raised),
        )
        .with_evidence("webpki", reason.clone()),
    );
    f.implied_by = cause(*class, raised);
    Some(f)
}

/// The finding already raised that explains the refusal, if any.
fn cause(class: Refusal, raised: &[Finding]) -> Option<FindingId> {
    let has = |id: FindingId| raised.iter().any(|f| f.id == id);
    if has(FindingId::ServerCertSelfSigned) {
        Some(FindingId::ServerCertSelfSigned)
    } else if class == Refusal::UnknownIssuer && has(FindingId::ServerChainIncomplete) {
        Some(FindingId::ServerChainIncomplete)
    } else if class == Refusal::UnsupportedAlgorithm && has(FindingId::ServerCertWeakSignature) {
        Some(FindingId::ServerCertWeakSignature)
    } else {
        None
    }
}

/// The detail: the unknown issuer at the end of the path, a self-signed certificate or a CA's
/// certificate used as the leaf in words, or webpki's reason (review C: a valid self-signed
/// certificate read "BadSignature", which speaks of tampering, and a CA:TRUE one
/// "Other(OtherError(CaUsedAsEndEntity))").
fn detail(e: &Examined<'_>, class: Refusal, reason: &str, raised: &[Finding]) -> String {
    if reason.contains("CaUsedAsEndEntity") {
        return "The chain does not validate: the server's certificate is a CA certificate \
                (basicConstraints CA:TRUE) used as its own leaf, which verifiers refuse \
                (`openssl req -x509` makes one so by default). Serve a leaf certificate \
                (CA:FALSE) issued for the server's names."
            .to_owned();
    }
    if raised
        .iter()
        .any(|f| f.id == FindingId::ServerCertSelfSigned)
    {
        return format!(
            "The chain does not validate: the certificate is self-signed (its own issuer), and no \
             trust anchor the scan holds vouches for it (webpki: {reason})."
        );
    }
    match class {
        Refusal::UnknownIssuer => format!(
            "The chain does not lead to a trust anchor: the issuer {} is unknown.",
            e.all
                .get(e.path.last().copied().unwrap_or(0))
                .map(|f| f.described.issuer.clone())
                .unwrap_or_default()
        ),
        _ => format!("The chain does not validate: {reason}."),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::server_cert::test_pki::{Pki, Served};

    #[test]
    fn a_chain_to_an_unknown_root_is_untrusted() {
        let pki = Pki::new();
        let other = Pki::new();
        let served = Served::new(pki.full_chain(), &[&other.root.der], "localhost");
        let judged = served.examined();
        let f = untrusted(&judged, &[]).expect("untrusted");
        assert_eq!(f.id, FindingId::ServerCertUntrusted);
        assert_eq!(f.implied_by, None);
        assert!(
            f.detail.contains("does not lead to a trust anchor") && f.detail.contains("Test Root"),
            "{}",
            f.detail
        );
        assert!(f.evidence.contains_key("webpki"));
        assert_eq!(served.ids(), vec![(FindingId::ServerCertUntrusted, None)]);
        assert!(untrusted(&Served::correct(&pki).examined(), &[]).is_none());
    }

    #[test]
    fn without_anchors_trust_is_not_judged() {
        let pki = Pki::new();
        let served = Served::new(pki.full_chain(), &[], "localhost");
        assert!(untrusted(&served.examined(), &[]).is_none());
        assert!(served.ids().is_empty());
    }
}
