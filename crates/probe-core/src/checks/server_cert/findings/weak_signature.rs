//! `server-cert-weak-signature`: a weak signature on the path from the leaf.

use super::super::examined::Examined;
use crate::finding::{Finding, FindingId};

/// `server-cert-weak-signature`: MD2/MD4/MD5 or SHA-1 on the path (a served root's own signature
/// does not matter).
pub(super) fn weak_signature(e: &Examined<'_>) -> Option<Finding> {
    let weak: Vec<String> = e
        .on_path()
        .filter(|f| f.weak_signature && !f.described.self_signed)
        .map(|f| {
            format!(
                "{} is signed with {}",
                f.described.subject, f.described.signature_algorithm
            )
        })
        .collect();
    e.path_finding(
        FindingId::ServerCertWeakSignature,
        "Weak signature in the server's chain",
        "signatures",
        weak,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::server_cert::test_pki::{Pki, Served};

    #[test]
    fn a_sha1_signed_leaf_is_weak_and_explains_untrusted() {
        let pki = Pki::rsa();
        let served = Served::new(vec![pki.sha1_leaf()], &[&pki.root.der], "localhost");
        let f = weak_signature(&served.examined()).expect("weak signature");
        assert_eq!(f.id, FindingId::ServerCertWeakSignature);
        assert!(f.detail.contains("sha1WithRSAEncryption"), "{}", f.detail);
        assert_eq!(
            served.ids(),
            vec![
                (FindingId::ServerCertWeakSignature, None),
                (
                    FindingId::ServerCertUntrusted,
                    Some(FindingId::ServerCertWeakSignature)
                ),
            ]
        );
        assert!(weak_signature(&Served::correct(&pki).examined()).is_none());
    }
}
