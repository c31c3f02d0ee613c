//! `server-cert-self-signed`: a self-signed leaf that no trust anchor vouches for.

use super::super::examined::Examined;
use super::super::model::ServerTrust;
use crate::finding::{Finding, FindingId};

/// `server-cert-self-signed`, unless an anchor vouches for the leaf (a certificate pinned on
/// purpose).
pub(super) fn self_signed(e: &Examined<'_>) -> Option<Finding> {
    if !e.leaf.described.self_signed || e.trust == ServerTrust::Trusted {
        return None;
    }
    Some(e.with_leaf(Finding::new(
        FindingId::ServerCertSelfSigned,
        format!(
            "The server presents a self-signed certificate ({}) that no trust anchor vouches for.",
            e.leaf.described.subject
        ),
    )))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::server_cert::test_pki::{self_signed_leaf, Pki, Served};

    #[test]
    fn a_self_signed_leaf_is_self_signed_and_explains_untrusted() {
        let pki = Pki::new();
        let served = Served::new(vec![self_signed_leaf()], &[&pki.root.der], "localhost");
        let f = self_signed(&served.examined()).expect("self-signed");
        assert_eq!(f.id, FindingId::ServerCertSelfSigned);
        assert_eq!(
            served.ids(),
            vec![
                (FindingId::ServerCertSelfSigned, None),
                (
                    FindingId::ServerCertUntrusted,
                    Some(FindingId::ServerCertSelfSigned)
                ),
            ]
        );
        assert!(self_signed(&Served::correct(&pki).examined()).is_none());
    }

    #[test]
    fn a_self_signed_leaf_without_anchors_is_self_signed_alone() {
        let served = Served::new(vec![self_signed_leaf()], &[], "localhost");
        assert_eq!(served.ids(), vec![(FindingId::ServerCertSelfSigned, None)]);
    }

    #[test]
    fn a_pinned_self_signed_leaf_marked_ca_is_trusted_as_openssl_trusts_it() {
        // `openssl req -x509` marks its certificate CA:TRUE; webpki refuses such a leaf, but a
        // client pinning it (OpenSSL, Go, curl with --cacert) trusts it as it is.
        let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256)
            .unwrap_or_else(|e| panic!("{e}"));
        let mut params = rcgen::CertificateParams::new(vec!["localhost".to_owned()])
            .unwrap_or_else(|e| panic!("{e}"));
        params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        let leaf = params
            .self_signed(&key)
            .unwrap_or_else(|e| panic!("{e}"))
            .der()
            .clone();
        let served = Served::new(vec![leaf.clone()], &[&leaf], "localhost");
        assert_eq!(served.ids(), vec![]);
        // Not pinned: self-signed, as before.
        let other = Pki::new();
        let served = Served::new(vec![leaf], &[&other.root.der], "localhost");
        assert_eq!(
            served.ids().first().map(|(id, _)| *id),
            Some(FindingId::ServerCertSelfSigned)
        );
    }

    #[test]
    fn a_self_signed_leaf_pinned_as_an_anchor_is_not_reported() {
        let leaf = self_signed_leaf();
        let served = Served::new(vec![leaf.clone()], &[&leaf], "localhost");
        assert!(self_signed(&served.examined()).is_none());
        assert!(served.ids().is_empty(), "{:?}", served.ids());
    }
}
