//! `server-cert-hostname-mismatch`: the leaf is not valid for the host scanned.

use super::super::examined::Examined;
use crate::finding::{Finding, FindingId};

/// `server-cert-hostname-mismatch`, by webpki's name check (whatever the trust).
pub(super) fn hostname_mismatch(e: &Examined<'_>) -> Option<Finding> {
    if e.host_matches != Some(false) {
        return None;
    }
    let names = if e.sans.is_empty() {
        "no subject alternative name".to_owned()
    } else {
        e.sans.join(", ")
    };
    Some(
        e.with_leaf(
            Finding::new(
                FindingId::ServerCertHostnameMismatch,
                format!(
                    "The certificate is not valid for {}: it names {names}.",
                    e.target.host
                ),
            )
            .with_evidence("host", e.target.host.clone())
            .with_evidence("names", names.clone()),
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::server_cert::test_pki::{Pki, Served};

    #[test]
    fn a_leaf_for_another_name_mismatches() {
        let pki = Pki::new();
        let leaf = pki.leaf_for(&["other.example"]);
        let served = Served::new(vec![leaf], &[&pki.root.der], "localhost");
        let f = hostname_mismatch(&served.examined()).expect("mismatch");
        assert_eq!(f.id, FindingId::ServerCertHostnameMismatch);
        assert_eq!(
            f.evidence.get("names").map(String::as_str),
            Some("DNS:other.example")
        );
        assert_eq!(
            f.evidence.get("host").map(String::as_str),
            Some("localhost")
        );
        assert_eq!(
            served.ids(),
            vec![(FindingId::ServerCertHostnameMismatch, None)]
        );
        assert!(hostname_mismatch(&Served::correct(&pki).examined()).is_none());
    }

    #[test]
    fn an_ip_address_matches_an_ip_san_only() {
        let pki = Pki::new();
        let served = Served::new(vec![pki.good_leaf()], &[&pki.root.der], "127.0.0.1");
        assert_eq!(served.examined().host_matches, Some(true));
        assert!(hostname_mismatch(&served.examined()).is_none());
        assert!(served.ids().is_empty(), "{:?}", served.ids());
        let dns_only = pki.leaf_for(&["localhost"]);
        let served = Served::new(vec![dns_only], &[&pki.root.der], "127.0.0.1");
        let f = hostname_mismatch(&served.examined()).expect("mismatch");
        assert_eq!(f.id, FindingId::ServerCertHostnameMismatch);
    }
}
