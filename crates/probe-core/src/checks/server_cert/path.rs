//! The walk from the leaf up its issuers among the served certificates, and how it ended.

use super::facts::Facts;
use super::trust::TrustStore;

/// How the walk from the leaf up the served chain ended.
pub(super) enum PathEnd {
    /// At a self-signed certificate (a served root).
    SelfSigned,
    /// At a certificate whose issuer is a trust anchor.
    Anchor,
    /// At a certificate whose issuer is neither served nor an anchor.
    Missing {
        /// Index (into the served facts) of the certificate whose issuer is missing.
        at: usize,
        /// That issuer, as a full DER Name.
        issuer: Vec<u8>,
    },
}

/// Walks from the leaf to its issuers among the served certificates: the indexes on the path
/// (leaf first) and how it ended.
pub(super) fn walk(facts: &[Facts], trust: &TrustStore) -> (Vec<usize>, PathEnd) {
    let mut path = vec![0usize];
    let mut cur = 0usize;
    loop {
        let Some(f) = facts.get(cur) else {
            return (path, PathEnd::SelfSigned);
        };
        if f.described.self_signed {
            return (path, PathEnd::SelfSigned);
        }
        // An intermediate among the given anchors still has to be served: other clients lack it.
        let known_intermediate = trust.known_intermediates.contains(&f.issuer_raw);
        if trust.is_anchor(&f.issuer_raw) && !known_intermediate {
            return (path, PathEnd::Anchor);
        }
        let next = facts
            .iter()
            .enumerate()
            .find(|(i, g)| !path.contains(i) && g.subject_raw == f.issuer_raw)
            .map(|(i, _)| i);
        match next {
            Some(i) if path.len() < crate::transport::tls::MAX_CHAIN => {
                path.push(i);
                cur = i;
            }
            _ => {
                return (
                    path,
                    PathEnd::Missing {
                        at: cur,
                        issuer: f.issuer_raw.clone(),
                    },
                )
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::server_cert::test_pki::{Pki, Served};

    #[test]
    fn walks_to_the_anchor_through_a_served_intermediate() {
        let pki = Pki::new();
        let e = Served::new(pki.full_chain(), &[&pki.root.der], "localhost");
        let judged = e.examined();
        assert_eq!(judged.path, vec![0, 1]);
        assert!(matches!(judged.end, PathEnd::Anchor));
    }

    #[test]
    fn stops_where_an_issuer_is_missing_or_at_a_served_root() {
        let pki = Pki::new();
        let e = Served::new(vec![pki.inter_leaf()], &[&pki.root.der], "localhost");
        let judged = e.examined();
        assert_eq!(judged.path, vec![0]);
        assert!(matches!(judged.end, PathEnd::Missing { at: 0, .. }));
        let mut served = pki.full_chain();
        served.push(pki.root.der.clone());
        let e = Served::new(served, &[], "localhost");
        let judged = e.examined();
        assert_eq!(judged.path, vec![0, 1, 2]);
        assert!(matches!(judged.end, PathEnd::SelfSigned));
    }
}
