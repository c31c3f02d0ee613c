//! `server-cert-weak-key`: a weak key on the path from the leaf.

use super::super::examined::Examined;
use crate::finding::{Finding, FindingId};

/// `server-cert-weak-key`: RSA below 2048 bits, EC below 256, or DSA, on the path.
pub(super) fn weak_key(e: &Examined<'_>) -> Option<Finding> {
    let weak: Vec<String> = e
        .on_path()
        .filter_map(|f| {
            f.weak_key
                .as_ref()
                .map(|w| format!("{}: {w}", f.described.subject))
        })
        .collect();
    e.path_finding(
        FindingId::ServerCertWeakKey,
        "Weak key in the server's chain",
        "keys",
        weak,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::server_cert::test_pki::{Pki, Served};

    #[test]
    fn an_rsa_1024_leaf_has_a_weak_key() {
        let pki = Pki::new();
        let served = Served::new(vec![pki.rsa_1024_leaf()], &[&pki.root.der], "localhost");
        let f = weak_key(&served.examined()).expect("weak key");
        assert_eq!(f.id, FindingId::ServerCertWeakKey);
        assert!(
            f.detail.contains("RSA 1024 bits (below 2048)"),
            "{}",
            f.detail
        );
        assert_eq!(served.ids(), vec![(FindingId::ServerCertWeakKey, None)]);
        assert!(weak_key(&Served::correct(&pki).examined()).is_none());
    }
}
